//! The join's rules, one case each, on small real-shaped exports.

use hybrid_audit::ingest::{self, Options};
use hybrid_audit::join::{self, MatchKey, Side};
use hybrid_audit::values::Guid;

fn run(files: &[(&str, String)]) -> (ingest::Dataset, join::Joined) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let data = ingest::load(dir.path(), &Options::default()).expect("load");
    for f in &data.files {
        assert!(f.error.is_none() && f.kind != hybrid_audit::model::Kind::Unknown, "{f:?}");
    }
    let joined = join::join(&data);
    (data, joined)
}

fn guid(n: u8) -> String {
    format!("{n:02x}cc07d7-7c15-447d-876d-c01b0e5a9e38")
}

fn immutable(n: u8) -> String {
    Guid::parse_text(&guid(n)).expect("guid").to_immutable_id()
}

const AD_HEADER: &str = "\"ObjectGUID\",\"mS-DS-ConsistencyGuid\",\"SamAccountName\",\"UserPrincipalName\",\"mail\",\"Enabled\"";
const ENTRA_HEADER: &str = "\"ObjectId\",\"UserPrincipalName\",\"ImmutableId\",\"IsLicensed\"";
const EXO_HEADER: &str = "\"ExternalDirectoryObjectId\",\"UserPrincipalName\",\"PrimarySmtpAddress\",\"RecipientTypeDetails\",\"Guid\",\"LitigationHoldEnabled\",\"IsInactiveMailbox\",\"WhenSoftDeleted\"";

fn ad(rows: &[(u8, Option<u8>, &str)]) -> String {
    let mut s = format!("{AD_HEADER}\n");
    for (g, cg, upn) in rows {
        let cg = cg.map(guid).unwrap_or_default();
        s += &format!("\"{}\",\"{cg}\",\"{}\",\"{upn}\",\"{upn}\",\"True\"\n", guid(*g), upn.split('@').next().unwrap_or(""));
    }
    s
}

fn entra(rows: &[(u8, Option<u8>, &str)]) -> String {
    let mut s = format!("{ENTRA_HEADER}\n");
    for (id, anchor, upn) in rows {
        s += &format!("\"{}\",\"{upn}\",\"{}\",\"True\"\n", guid(100 + id), anchor.map(immutable).unwrap_or_default());
    }
    s
}

#[test]
fn anchor_is_consistency_guid_when_set_and_cloud_only_never_links_by_name() {
    let (data, j) = run(&[
        // 1: plain sync by objectGUID; 2: hard-matched, anchor = ConsistencyGuid 22; 3: not synced.
        ("ad.csv", ad(&[(1, None, "a@contoso.com"), (2, Some(22), "b@contoso.com"), (3, None, "c@contoso.com")])),
        // c@ in the cloud has an empty immutable id: a cloud-only user, not a match for AD's c@.
        ("entra.csv", entra(&[(1, Some(1), "a@contoso.com"), (2, Some(22), "b@contoso.com"), (3, None, "c@contoso.com")])),
    ]);
    assert_eq!(j.stats.ad_entra.source_anchor, 2);
    assert_eq!(j.stats.ad_entra.user_principal_name, 0);
    assert_eq!(j.stats.unmatched.ad, 1);
    assert_eq!(j.stats.unmatched.entra_cloud_only, 1);
    assert_eq!(j.identities.len(), 4);
    assert_eq!(j.soft_matches.len(), 1, "cloud-only c@ vs unlinked AD c@ is SYNC001's soft-match");
    let sm = &j.soft_matches[0];
    assert_eq!(j.identities[sm.ad_identity as usize].ad, Some(2));
    assert_eq!(sm.address, "c@contoso.com");
    let b = (0..j.identities.len()).find(|&i| j.name(&data, i) == "b@contoso.com").map(|i| &j.identities[i]).expect("b");
    assert_eq!((b.ad, b.ad_key), (Some(1), Some(MatchKey::SourceAnchor)));
    assert_eq!(data.ad_users[1].source_anchor(), Guid::parse_text(&guid(22)));
}

#[test]
fn upn_stands_in_only_when_the_key_column_is_missing() {
    // An Entra export without ImmutableId (Get-MsolUser selected without it).
    let entra = "\"ObjectId\",\"UserPrincipalName\",\"IsLicensed\"\n\"".to_string() + &guid(101) + "\",\"A@Contoso.com\",\"True\"\n";
    let (_, j) = run(&[("ad.csv", ad(&[(1, None, "a@contoso.com")])), ("entra.csv", entra)]);
    assert_eq!(j.stats.ad_entra.user_principal_name, 1, "case-insensitive UPN fallback");
    assert_eq!(j.identities[0].ad_key, Some(MatchKey::UserPrincipalName));
}

#[test]
fn one_to_many_is_ambiguous_and_links_nothing() {
    // Two AD objects carry the same anchor (a restored duplicate): the Entra user links to neither.
    let (_, j) = run(&[
        ("ad.csv", ad(&[(1, None, "a@contoso.com"), (9, Some(1), "a2@contoso.com")])),
        ("entra.csv", entra(&[(1, Some(1), "a@contoso.com")])),
    ]);
    assert_eq!(j.stats.ambiguous, 1);
    assert_eq!(j.ambiguities[0].key, MatchKey::SourceAnchor);
    assert_eq!(j.ambiguities[0].objects.len(), 3);
    assert_eq!(j.stats.ad_entra.source_anchor, 0);
    assert!(j.identities.iter().all(|i| i.ambiguous));
}

#[test]
fn exo_rows_merge_and_previous_mailboxes_follow_their_user() {
    let id = guid(101);
    let exo = format!(
        "{EXO_HEADER}\n\"{id}\",\"a@contoso.com\",\"a@contoso.com\",\"UserMailbox\",\"{g1}\",\"True\",\"False\",\"\"\n\
\"{id}\",\"a@contoso.com\",\"a@contoso.com\",\"UserMailbox\",\"{g2}\",\"False\",\"False\",\"2026-11-01T10:00:00Z\"\n\
\"{gone}\",\"gone@contoso.com\",\"gone@contoso.com\",\"UserMailbox\",\"{g3}\",\"True\",\"True\",\"\"\n",
        g1 = guid(201),
        g2 = guid(202),
        g3 = guid(203),
        gone = guid(150)
    );
    let users = format!(
        "\"ExternalDirectoryObjectId\",\"UserPrincipalName\",\"RecipientTypeDetails\",\"PreviousRecipientTypeDetails\",\"WindowsEmailAddress\",\"Guid\"\n\"{id}\",\"a@contoso.com\",\"UserMailbox\",\"None\",\"a@contoso.com\",\"{g1}\"\n",
        g1 = guid(201)
    );
    let (data, j) = run(&[("ad.csv", ad(&[(1, None, "a@contoso.com")])), ("entra.csv", entra(&[(1, Some(1), "a@contoso.com")])), ("mbx.csv", exo), ("users.csv", users)]);
    assert_eq!(j.stats.exo_rows, 4);
    assert_eq!(j.stats.exo_objects, 3, "Get-User row merged with its mailbox by Guid");
    assert_eq!(j.stats.entra_exo.external_directory_object_id, 1);
    assert_eq!(j.stats.previous_mailboxes_linked, 1, "the soft-deleted mailbox belongs to a@");
    assert_eq!(j.stats.unmatched.exo_previous, 1, "the inactive mailbox of a deleted user stays an identity");
    let a = (0..j.identities.len()).find(|&i| j.name(&data, i) == "a@contoso.com").map(|i| &j.identities[i]).expect("a");
    assert_eq!((a.ad.is_some(), a.entra.is_some(), a.exo.is_some(), a.previous_mailboxes.len()), (true, true, true, 1));
    assert!((0..j.identities.len()).any(|i| j.name(&data, i) == "gone@contoso.com" && j.identities[i].entra.is_none()));
}

#[test]
fn duplicate_addresses_per_directory() {
    let (_, j) = run(&[("ad.csv", ad(&[(1, None, "a@contoso.com"), (2, None, "A@contoso.com")]))]);
    assert_eq!(j.duplicates.len(), 1);
    assert_eq!(j.duplicates[0].directory, Side::Ad);
    assert_eq!(j.duplicates[0].identities.len(), 2);
}

#[test]
fn an_entra_user_listed_twice_makes_its_mailbox_ambiguous_not_picked() {
    let id = guid(101);
    let exo = format!("{EXO_HEADER}\n\"{id}\",\"a@contoso.com\",\"a@contoso.com\",\"UserMailbox\",\"{g}\",\"False\",\"False\",\"\"\n", g = guid(201));
    let entra = entra(&[(1, Some(1), "a@contoso.com")]);
    let (_, j) = run(&[("entra-1.csv", entra.clone()), ("entra-2.csv", entra), ("mbx.csv", exo)]);
    assert_eq!(j.stats.entra_exo.external_directory_object_id, 0);
    assert!(j.ambiguities.iter().any(|a| a.key == MatchKey::ExternalDirectoryObjectId && a.objects.len() == 3), "{:?}", j.ambiguities);
}

#[test]
fn sides_that_share_nobody_are_told_apart_from_keys_that_do_not_link() {
    // Twelve AD users and twelve synced Entra users whose anchors match nothing.
    let ad_rows: Vec<(u8, Option<u8>, String)> = (1..=12).map(|n| (n, None, format!("u{n}@contoso.com"))).collect();
    let ad_text = ad(&ad_rows.iter().map(|(g, c, u)| (*g, *c, u.as_str())).collect::<Vec<_>>());
    let entra_of = |domain: &str| {
        let rows: Vec<(u8, Option<u8>, String)> = (1..=12).map(|n| (n, Some(50 + n), format!("u{n}@{domain}"))).collect();
        entra(&rows.iter().map(|(i, a, u)| (*i, *a, u.as_str())).collect::<Vec<_>>())
    };
    // Other names too: two directories, refused.
    let (data, joined) = run(&[("ad.csv", ad_text.clone()), ("entra.csv", entra_of("fabrikam.com"))]);
    let refused = join::unrelated_exports(&data, &joined);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("userPrincipalName domains in AD: contoso.com (12); in Entra: fabrikam.com (12)"), "{}", refused[0]);
    assert_eq!(join::unanchored_ad_export(&data, &joined), None);
    // The same names: one directory whose anchors do not link (a custom sourceAnchor). Warned, not refused.
    let (data, joined) = run(&[("ad.csv", ad_text), ("entra.csv", entra_of("contoso.com"))]);
    assert!(join::unrelated_exports(&data, &joined).is_empty());
    let warned = join::unanchored_ad_export(&data, &joined).expect("warned");
    assert!(warned.starts_with("none of the 12 synced Entra users joins an AD object by source anchor"), "{warned}");
    assert!(warned.contains("although 12 of their userPrincipalNames are in this export"), "{warned}");
    // Exchange objects of no Entra user, without userPrincipalNames (Get-Recipient has none): names cannot
    // tell one tenant from two — not refused.
    let recipients: String = std::iter::once("\"Alias\",\"PrimarySmtpAddress\",\"RecipientTypeDetails\",\"EmailAddresses\"\n".to_string())
        .chain((1..=12).map(|n| format!("\"r{n}\",\"r{n}@other.example\",\"UserMailbox\",\"SMTP:r{n}@other.example\"\n")))
        .collect();
    let entra_linked: Vec<(u8, Option<u8>, String)> = (1..=12).map(|n| (n, Some(n), format!("u{n}@contoso.com"))).collect();
    let entra_text = entra(&entra_linked.iter().map(|(i, a, u)| (*i, *a, u.as_str())).collect::<Vec<_>>());
    let ad_rows: Vec<(u8, Option<u8>, String)> = (1..=12).map(|n| (n, None, format!("u{n}@contoso.com"))).collect();
    let ad_text = ad(&ad_rows.iter().map(|(g, c, u)| (*g, *c, u.as_str())).collect::<Vec<_>>());
    let (data, joined) = run(&[("ad.csv", ad_text), ("entra.csv", entra_text), ("recipients.csv", recipients)]);
    assert_eq!(joined.stats.exo_objects, 12);
    assert!(join::unrelated_exports(&data, &joined).is_empty(), "{:?}", join::unrelated_exports(&data, &joined));
}
