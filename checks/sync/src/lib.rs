//! Directory synchronisation (SYNC001-SYNC003)

mod sync001;
mod sync002;
mod sync003;

hybrid_audit_sdk::plugin!("sync", [sync001::CHECK, sync002::CHECK, sync003::CHECK]);

use hybrid_audit_sdk::domain;
use hybrid_audit_sdk::{Guid, Identity};

/// A PowerShell single-quoted string literal (`o'brien@…` → `'o''brien@…'`).
fn ps(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The AD account as AD cmdlets take it (`-Identity`: sAMAccountName or DN, never a UPN).
fn ad_account(i: &Identity) -> String {
    i.ad_sam_account_name.clone().or_else(|| i.ad_distinguished_name.clone()).unwrap_or_else(|| domain::display_name(i))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `Guid.ToByteArray()`: the first three groups little-endian. Its own inverse.
fn byte_array(g: Guid) -> [u8; 16] {
    let mut b = g.0;
    b[..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    b
}

/// The `onPremisesImmutableId` Entra Connect writes for a source anchor: base64 of `ToByteArray()`.
fn immutable_id(anchor: Guid) -> String {
    let mut out = String::with_capacity(24);
    for chunk in byte_array(anchor).chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (k, &b)| n | u32::from(b) << (16 - 8 * k));
        for k in 0..4 {
            out.push(if k <= chunk.len() { char::from(BASE64[(n >> (18 - 6 * k)) as usize & 63]) } else { '=' });
        }
    }
    out
}

/// The source anchor an immutable id stands for; `None` when it is not base64 of 16 bytes (a custom anchor).
fn anchor_of(immutable_id: &str) -> Option<Guid> {
    let (mut bits, mut count, mut bytes) = (0u32, 0u32, Vec::with_capacity(18));
    for c in immutable_id.trim().trim_end_matches('=').bytes() {
        bits = (bits << 6 | BASE64.iter().position(|&x| x == c)? as u32) & 0xffff;
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
        }
    }
    let bytes: [u8; 16] = bytes.try_into().ok()?;
    Some(Guid(byte_array(Guid(bytes))))
}

#[cfg(test)]
mod testing {
    use hybrid_audit_sdk::{run_check, Check, Context, Date, Field, Finding, Guid, Identity};

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

    /// A GUID from its text (tests only).
    pub fn guid(text: &str) -> Guid {
        let hex: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
        let mut out = [0u8; 16];
        for (k, pair) in hex.chunks(2).take(16).enumerate() {
            out[k] = u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("0"), 16).unwrap_or(0);
        }
        Guid(out)
    }

    #[test]
    fn immutable_id_test_vectors() {
        // domain §1: objectGUID / mS-DS-ConsistencyGuid ↔ onPremisesImmutableId.
        for (g, id) in [("f7cc07d7-7c15-447d-876d-c01b0e5a9e38", "1wfM9xV8fUSHbcAbDlqeOA=="), ("3ab39606-c642-489b-84b6-58c038d3ef39", "BpazOkLGm0iEtljAONPvOQ==")] {
            assert_eq!(super::immutable_id(guid(g)), id);
            assert_eq!(super::anchor_of(id), Some(guid(g)));
        }
        assert_eq!(super::anchor_of("carl.cole@contoso.com"), None);
        assert_eq!(super::anchor_of("AAAA"), None);
    }
}
