//! # SYNC003 orphaned-synced-object
//!
//! ## What it does
//! Fires on an Entra user that carries an `onPremisesImmutableId` (it was synchronised from AD) when no
//! AD object in the AD export carries that source anchor: the join links AD to Entra only by anchor
//! (`mS-DS-ConsistencyGuid` when set, else `objectGUID`), so the Entra user stands alone. An identity
//! whose link was ambiguous (several AD objects claimed it) is not an orphan and is left out.
//!
//! ## Why it matters
//! The Entra user (and its mailbox) is still managed from an AD object that this audit cannot see: it
//! was deleted or moved out of sync scope while the deletion never reached the cloud (a stopped sync, the
//! accidental-deletion threshold), or the AD export is partial. Its attributes can no longer be changed
//! on-prem nor in the cloud, and offboarding steps that start from AD skip it (HOLD001 looks at the same
//! gap from the mailbox's side).
//!
//! ## Example
//! `oscar.ortiz@contoso.com`: synced Entra user whose immutable id matches no AD object in the export.
//! Quiet: `alice.anders@contoso.com`, who joins by her `objectGUID` (the test vector
//! `f7cc07d7-…` = `1wfM9xV8fUSHbcAbDlqeOA==`); `hanna.hart@contoso.com`, hard-matched: her anchor is her
//! `mS-DS-ConsistencyGuid` (`3ab39606-…` = `BpazOkLGm0iEtljAONPvOQ==`), not her objectGUID, and she
//! joins; a cloud-only user (no immutable id).
//!
//! ## Remediation
//! Look the anchor up in AD, deleted objects included. Deleted by mistake: restore it
//! (`Restore-ADObject`); moved out of scope: put it back; really gone: decide, with the mailbox's
//! owner, what the cloud user and its mailbox become. If the AD export was partial, re-export the
//! missing OUs before acting.
//!
//! ## Sources
//! - seed 003 ("if the object is not present in Azure AD, make sure that the object is in scope")
//! - <https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-design-concepts>

use hybrid_audit_sdk::domain;
use hybrid_audit_sdk::{Check, Context, Field, Findings, Identity, Severity};

pub const CHECK: Check = Check {
    id: "SYNC003",
    name: "orphaned-synced-object",
    severity: Severity::Medium,
    escalates_to: None,
    fields: &[Field::AdPresent, Field::EntraPresent, Field::EntraImmutableId],
    optional: &[Field::Ambiguous, Field::EntraImmutableIdAnchor],
    source: include_str!("sync003.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let (Some(false), Some(true), Some(immutable)) = (i.ad_present, i.entra_present, i.entra_immutable_id.as_deref()) else { return };
    if immutable.trim().is_empty() || i.ambiguous == Some(true) {
        return;
    }
    let upn = domain::display_name(i);
    let (anchor, lookup) = match i.entra_immutable_id_anchor {
        Some(g) => (
            format!(" (source anchor {g})"),
            format!("Get-ADObject -Identity '{g}' -IncludeDeletedObjects -Properties isDeleted,lastKnownParent,whenChanged  # the objectGUID; a hard-matched object carries it in mS-DS-ConsistencyGuid instead"),
        ),
        None => (String::new(), format!("Get-ADUser -Filter {} -Properties *  # a custom source anchor: look it up by the attribute Entra Connect anchors on", domain::ps_dquote(&format!("userPrincipalName -eq {}", domain::filter_quote(&upn))))),
    };
    out.report(Severity::Medium, format!("synced Entra user {upn} has onPremisesImmutableId {immutable}{anchor} but no AD object in the export carries it"))
        .evidence(Field::AdPresent)
        .evidence(Field::EntraImmutableId)
        .remediation(format!("{lookup}\n# deleted by mistake: Restore-ADObject; moved out of sync scope: move it back; gone for good: decide what the cloud user and its mailbox become"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, guid};

    /// oscar.ortiz: synced Entra user, its AD object is gone from the export.
    fn oscar() -> Identity {
        Identity {
            ad_present: Some(false),
            entra_present: Some(true),
            entra_user_principal_name: Some("oscar.ortiz@contoso.com".into()),
            entra_immutable_id: Some("BpazOkLGm0iEtljAONPvOQ==".into()),
            // As the host decodes it.
            entra_immutable_id_anchor: Some(guid("3ab39606-c642-489b-84b6-58c038d3ef39")),
            exo_present: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_immutable_id_without_ad_object() {
        let f = check(&CHECK, &oscar());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].message.contains("oscar.ortiz@contoso.com") && f[0].message.contains("3ab39606-c642-489b-84b6-58c038d3ef39"), "{}", f[0].message);
        assert!(f[0].remediation.starts_with("Get-ADObject -Identity '3ab39606-c642-489b-84b6-58c038d3ef39' -IncludeDeletedObjects"), "{}", f[0].remediation);
    }

    #[test]
    fn custom_anchor_falls_back_to_a_upn_lookup() {
        let custom = Identity { entra_immutable_id: Some("E12345".into()), entra_immutable_id_anchor: None, ..oscar() };
        let f = check(&CHECK, &custom);
        assert!(f[0].remediation.starts_with("Get-ADUser -Filter \"userPrincipalName -eq 'oscar.ortiz@contoso.com'\""), "{}", f[0].remediation);
    }

    #[test]
    fn quiet_when_joined_by_anchor() {
        // alice.anders (objectGUID) and hanna.hart (mS-DS-ConsistencyGuid) join: their AD object is present.
        let alice = Identity { ad_present: Some(true), entra_immutable_id: Some("1wfM9xV8fUSHbcAbDlqeOA==".into()), ..oscar() };
        assert!(check(&CHECK, &alice).is_empty());
        let hanna = Identity { ad_present: Some(true), ..oscar() };
        assert!(check(&CHECK, &hanna).is_empty());
    }

    #[test]
    fn quiet_on_cloud_only_ambiguous_or_without_entra() {
        let cloud_only = Identity { entra_immutable_id: None, ..oscar() };
        assert!(check(&CHECK, &cloud_only).is_empty());
        let ambiguous = Identity { ambiguous: Some(true), ..oscar() };
        assert!(check(&CHECK, &ambiguous).is_empty());
        // ian.irwin: EXO-only, no Entra user.
        let exo_only = Identity { entra_present: Some(false), entra_immutable_id: None, ..oscar() };
        assert!(check(&CHECK, &exo_only).is_empty());
    }
}
