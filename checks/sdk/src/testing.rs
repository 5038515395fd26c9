//! Helpers for checks' unit tests: the fixtures' audit context, and a runner that holds a check to the
//! host's rules (evidence only on declared fields, a remediation, a one-line message, a documented
//! severity), so a rule the host would reject fails the unit test first.

use crate::{run_check, Check, Context, Date, Field, Finding, Guid, Identity};

/// The Contoso fixtures' audit date (2026-11-22) and routing domain.
pub fn contoso() -> Context {
    Context { as_of: Date::from_ymd(2026, 11, 22).unwrap_or_default(), routing_domains: vec!["contoso.mail.onmicrosoft.com".into()] }
}

/// Runs `check` on `identity` at [`contoso`] and asserts what the host enforces.
pub fn run(check: &'static Check, identity: &Identity) -> Vec<Finding> {
    run_with(check, identity, &contoso())
}

/// [`run`] in another context (another audit date, no routing domain …).
pub fn run_with(check: &'static Check, identity: &Identity, context: &Context) -> Vec<Finding> {
    let findings = run_check(check, identity, context);
    for f in &findings {
        for e in &f.evidence {
            let field = Field::from_id(e.field).unwrap_or_else(|| panic!("{}: unknown field id {}", check.id, e.field));
            assert!(check.reads(field), "{}: evidence on undeclared field {}", check.id, field.name());
        }
        assert!(!f.remediation.is_empty(), "{}: no remediation: {f:?}", check.id);
        assert!(!f.message.is_empty() && !f.message.contains('\n'), "{}: the message is one line: {f:?}", check.id);
        assert!(f.severity == check.severity || Some(f.severity) == check.escalates_to, "{}: undocumented severity {}", check.id, f.severity);
    }
    findings
}

/// A GUID from its text (any case, braces or not).
pub fn guid(text: &str) -> Guid {
    let hex: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    assert_eq!(hex.len(), 32, "not a GUID: {text}");
    let mut out = [0u8; 16];
    for (k, pair) in hex.chunks(2).enumerate() {
        out[k] = u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("0"), 16).unwrap_or(0);
    }
    Guid(out)
}

/// Asserts a check's documentation has every section, in order (`# ID name`, What it does, Why it
/// matters, Example, Remediation, Sources), and that no field is both required and optional.
pub fn assert_documented(check: &Check) {
    let doc = check.doc();
    let mut at = 0;
    let sections = [format!("# {} {}", check.id, check.name), "## What it does".into(), "## Why it matters".into(), "## Example".into(), "## Remediation".into(), "## Sources".into()];
    for section in sections {
        let found = doc[at..].find(&format!("{section}\n")).unwrap_or_else(|| panic!("{}: no `{section}` after byte {at}", check.id));
        at += found + section.len();
    }
    assert!(check.fields.iter().all(|f| !check.optional.contains(f)), "{}: a field both required and optional", check.id);
}
