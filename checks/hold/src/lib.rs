//! Holds: what keeps a mailbox (and what stops it from being removed).

mod hold001;
mod hold002;
mod hold003;

hybrid_audit_sdk::plugin!("hold", [hold001::CHECK, hold002::CHECK, hold003::CHECK]);


/// A PowerShell single-quoted string literal (`o'brien@…` → `'o''brien@…'`).
fn ps(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
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
