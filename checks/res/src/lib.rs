//! Recipient types (RES001-RES002)

mod res001;
mod res002;

hybrid_audit_sdk::plugin!("res", [res001::CHECK, res002::CHECK]);

use hybrid_audit_sdk::domain;
use hybrid_audit_sdk::Identity;

/// A PowerShell single-quoted string literal (`o'brien@…` → `'o''brien@…'`).
fn ps(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The identity as on-prem Exchange cmdlets take it (`Set-RemoteMailbox -Identity`): its AD UPN, else
/// its sAMAccountName. `domain::display_name` prefers the Entra UPN, which on-prem may not know.
fn onprem_name(i: &Identity) -> String {
    i.ad_user_principal_name.clone().or_else(|| i.ad_sam_account_name.clone()).unwrap_or_else(|| domain::display_name(i))
}

/// The AD account as AD cmdlets take it (`-Identity`: sAMAccountName or DN, never a UPN).
fn ad_account(i: &Identity) -> String {
    i.ad_sam_account_name.clone().or_else(|| i.ad_distinguished_name.clone()).unwrap_or_else(|| domain::display_name(i))
}

/// The cloud `RecipientTypeDetails` of an Exchange Online recipient: `None` for a Get-User row that
/// is no recipient (`User`, `DisabledUser`) or when there is no cloud object.
fn cloud_recipient(recipient_type_details: Option<&str>) -> Option<&str> {
    recipient_type_details.map(str::trim).filter(|t| !t.is_empty() && !matches!(*t, "User" | "DisabledUser"))
}

#[cfg(test)]
mod testing {
    use hybrid_audit_sdk::{run_check, Check, Context, Date, Field, Finding, Identity};

    /// Runs a check at as-of 2026-11-22 and asserts that it only cites fields it declares.
    pub fn check(check: &'static Check, identity: &Identity) -> Vec<Finding> {
        let ctx = Context { as_of: Date::from_ymd(2026, 11, 22).unwrap_or_default(), routing_domains: vec!["contoso.mail.onmicrosoft.com".into()] };
        let findings = run_check(check, identity, &ctx);
        for f in &findings {
            for e in &f.evidence {
                assert!(Field::from_id(e.field).is_some_and(|field| check.reads(field)), "{} cites undeclared field {}", check.id, e.field);
            }
            assert!(!f.remediation.is_empty(), "{} without remediation", check.id);
        }
        findings
    }
}
