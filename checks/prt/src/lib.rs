//! Previous recipient type (PRT001-PRT002)

mod prt001;
mod prt002;

hybrid_audit_sdk::plugin!("prt", [prt001::CHECK, prt002::CHECK]);

use hybrid_audit_sdk::Identity;

/// A PowerShell single-quoted string literal (`o'brien@…` → `'o''brien@…'`).
fn ps(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `PreviousRecipientTypeDetails` when it records a previous mailbox (Get-User shows `None` otherwise).
fn previous_type(i: &Identity) -> Option<&str> {
    i.exo_previous_recipient_type_details.as_deref().map(str::trim).filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("None"))
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
