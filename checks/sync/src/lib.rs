//! Directory synchronisation (SYNC001-SYNC003)

mod sync001;
mod sync002;
mod sync003;

/// This family's checks; `checks/builtin` bundles every family into the one built-in plugin.
pub const CHECKS: &[hybrid_audit_sdk::Check] = &[sync001::CHECK, sync002::CHECK, sync003::CHECK];

use hybrid_audit_sdk::domain::{ps_quote as ps, ad_account};

use hybrid_audit_sdk::Guid;

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
    pub use hybrid_audit_sdk::testing::run as check;

    pub use hybrid_audit_sdk::testing::guid;

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
