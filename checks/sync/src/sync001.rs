//! # SYNC001 soft-match-collision
//!
//! ## What it does
//! Fires on an AD user that is not linked to any Entra user when a cloud-only Entra user (no
//! `onPremisesImmutableId`) or a guest has its UPN or one of its SMTP addresses. The finding is reported
//! on the AD user, the one the next synchronisation will match; the cloud object is its evidence. One
//! finding per cloud object. It says which of three cases it is: a soft match (the address is the UPN or
//! primary SMTP address of both, a member user), a guest conflict, or an address conflict (a secondary
//! address of either: no soft match, the address is quarantined).
//!
//! ## Why it matters
//! When the AD user comes into sync scope, Entra Connect soft-matches it to a cloud-only member with the
//! same UPN or primary SMTP address: the AD object takes the cloud user over (its licenses, its cloud
//! mailbox, its sign-in). That is right only when both are the same person, and with a cloud mailbox
//! beside an on-prem one it yields two mailboxes (seed 002). A guest cannot be matched: the address
//! conflict becomes a sync error and the AD user is not provisioned (seed 003). A tenant that blocks
//! soft matching (`BlockSoftMatch`) turns the member case into the same conflict. Entra Connect matches
//! on the UPN and the primary SMTP address only: a secondary address the two share matches nothing but
//! must be unique in the tenant, so syncing the AD user quarantines it on the AD user's object (duplicate
//! attribute resiliency, an error in the sync report), and mail to it keeps reaching the cloud user.
//!
//! ## Example
//! `carl.cole@contoso.com` (AD, not synced): a cloud-only Entra user `carl.cole@contoso.com` with a
//! mailbox has its UPN. `gwen.ford@contoso.com` (AD mail user, not synced): the guest
//! `gwen.ford_fabrikam.com#EXT#@contoso.onmicrosoft.com` has her address `gwen.ford@fabrikam.com`.
//! `olga.leaver@contoso.com` (AD, not synced) keeps `smtp:helpdesk@contoso.com`, a secondary address of
//! the cloud-only `admin@contoso.onmicrosoft.com`: an address conflict, no soft match.
//! Quiet: `admin@contoso.onmicrosoft.com`, cloud-only but no AD user shares its addresses; a synced AD
//! user (already linked by its source anchor); the cloud-only carl.cole himself (the finding is on the AD
//! user, not on the cloud one).
//!
//! ## Remediation
//! Same person: hard-match on purpose before the AD user enters sync scope, by setting the cloud user's
//! `onPremisesImmutableId` to the AD user's anchor (seed 004 does this with MSOL; Graph:
//! `Update-MgUser -OnPremisesImmutableId`). Different people: change the cloud user's UPN or addresses.
//! Guest: keep the AD user out of sync scope, or update (or retire) the guest before syncing it.
//! Address conflict: decide which object keeps the address and remove it from the other before the AD
//! user is synced (`Set-Mailbox -EmailAddresses @{remove=…}` in Exchange Online, `Set-ADUser -Remove
//! @{proxyAddresses=…}` on-prem).
//!
//! ## Sources
//! - seed 002 (cloud-only accounts mirroring on-prem UPN and proxy addresses, soft match)
//! - seed 003 (a conflicting cloud-only object, the guest case)
//! - seed 004 (linking a cloud identity to an AD account by ImmutableId)
//! - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-install-existing-tenant>
//! - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-syncservice-duplicate-attribute-resiliency>

use crate::{ad_account, ps};
use hybrid_audit_sdk::domain;
use hybrid_audit_sdk::{Check, Context, Field, Findings, Identity, Severity, SoftMatch};

pub const CHECK: Check = Check {
    id: "SYNC001",
    name: "soft-match-collision",
    severity: Severity::High,
    escalates_to: None,
    // Which cloud users are cloud-only (no immutable id) is what a soft match rests on: without the column
    // every one would look cloud-only, or none (when the join paired them by UPN instead).
    fields: &[Field::AdPresent, Field::EntraPresent, Field::EntraImmutableId, Field::SoftMatches],
    optional: &[Field::AdImmutableId, Field::AdSamAccountName, Field::AdDistinguishedName],
    source: include_str!("sync001.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let (Some(true), Some(false), Some(matches)) = (i.ad_present, i.entra_present, &i.soft_matches) else { return };
    let upn = domain::display_name(i);
    for (first, cloud) in matches.iter().enumerate() {
        let name = &cloud.cloud_user_principal_name;
        if matches[..first].iter().any(|m| &m.cloud_user_principal_name == name) {
            continue;
        }
        let same: Vec<usize> = (first..matches.len()).filter(|&k| &matches[k].cloud_user_principal_name == name).collect();
        let addresses: Vec<&str> = same.iter().map(|&k| matches[k].address.as_str()).collect();
        let soft_match = same.iter().any(|&k| matches[k].soft_match);
        let message = if cloud.guest {
            format!("unlinked AD user {upn} shares {} with guest {name}: syncing it causes a sync conflict (a guest cannot be matched)", addresses.join(", "))
        } else if soft_match {
            format!("unlinked AD user {upn} shares {} with cloud-only user {name}: the next sync soft-matches them", addresses.join(", "))
        } else {
            format!(
                "unlinked AD user {upn} shares {} with cloud-only user {name}: not a soft match (only the UPN and primary SMTP address match), an address conflict: syncing it quarantines the address on {upn}, and mail to it keeps reaching {name}",
                addresses.join(", ")
            )
        };
        let remediation = if cloud.guest || soft_match { remediation(i, cloud) } else { conflict_remediation(i, cloud, &addresses) };
        let finding = out.report(Severity::High, message).evidence(Field::AdPresent).evidence(Field::EntraPresent).remediation(remediation);
        for k in same {
            finding.evidence_at(Field::SoftMatches, k);
        }
    }
}

fn remediation(i: &Identity, cloud: &SoftMatch) -> String {
    let cloud_id = ps(&cloud.cloud_id.map_or_else(|| cloud.cloud_user_principal_name.clone(), |g| g.to_string()));
    let ad = ps(&ad_account(i));
    if cloud.guest {
        return format!(
            "Get-MgUser -UserId {cloud_id} -Property Id,UserType,Mail,ProxyAddresses | Format-List  # a guest cannot be matched: keep AD user {ad} out of sync scope, or update/retire this guest before syncing it"
        );
    }
    let anchor = i.ad_immutable_id.clone().unwrap_or_else(|| "<base64 of the AD user mS-DS-ConsistencyGuid, else objectGUID>".to_string());
    format!(
        "# 1. decide whether AD user {ad} and this cloud user are the same person; if not, change the cloud user's UPN and addresses instead and stop here (a hard match is not undone by renaming)\n\
         # 2. same person: hard-match on purpose before AD user {ad} enters sync scope\n\
         Update-MgUser -UserId {cloud_id} -OnPremisesImmutableId {}",
        ps(&anchor)
    )
}

/// Which object keeps the shared secondary addresses is the admins' decision: one manual step naming
/// both removals.
fn conflict_remediation(i: &Identity, cloud: &SoftMatch, addresses: &[&str]) -> String {
    let cloud_user = ps(&cloud.cloud_user_principal_name);
    let ad = ps(&ad_account(i));
    let list = addresses.iter().map(|a| ps(&format!("smtp:{a}"))).collect::<Vec<_>>().join(",");
    format!(
        "# before AD user {ad} is synced, decide which object keeps {} and remove it from the other: Set-Mailbox -Identity {cloud_user} -EmailAddresses @{{remove={list}}} (the cloud user, Exchange Online) or Set-ADUser -Identity {ad} -Remove @{{proxyAddresses={list}}} (the AD user, on-prem)",
        addresses.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;
    use hybrid_audit_sdk::Guid;

    fn soft(address: &str, cloud: &str, guest: bool) -> SoftMatch {
        SoftMatch { address: address.into(), cloud_user_principal_name: cloud.into(), cloud_id: Some(Guid([0x33; 16])), guest, soft_match: !guest }
    }

    /// carl.cole: AD only (not synced); the cloud-only Entra user carl.cole@contoso.com has his UPN.
    fn carl() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("carl.cole@contoso.com".into()),
            ad_sam_account_name: Some("ccole".into()),
            // The anchor f7cc07d7-7c15-447d-876d-c01b0e5a9e38 as the host sends it.
            ad_immutable_id: Some("1wfM9xV8fUSHbcAbDlqeOA==".into()),
            entra_present: Some(false),
            exo_present: Some(false),
            soft_matches: Some(vec![soft("carl.cole@contoso.com", "carl.cole@contoso.com", false)]),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_cloud_only_user_with_the_same_upn() {
        let f = check(&CHECK, &carl());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].message.contains("cloud-only user carl.cole@contoso.com") && f[0].message.contains("soft-matches"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Update-MgUser -UserId '33333333-3333-3333-3333-333333333333' -OnPremisesImmutableId '1wfM9xV8fUSHbcAbDlqeOA=='"), "{}", f[0].remediation);
        // Same person or not is decided before the hard match, which renaming cannot undo (review J, J1).
        assert!(f[0].remediation.starts_with("# 1. decide whether AD user") && f[0].remediation.contains("\n# 2. same person: hard-match"), "{}", f[0].remediation);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::SoftMatches.id() && e.index == Some(0)));
    }

    #[test]
    fn one_finding_per_cloud_object() {
        let two = Identity {
            soft_matches: Some(vec![soft("carl.cole@contoso.com", "carl.cole@contoso.com", false), soft("carl@contoso.com", "carl.cole@contoso.com", false)]),
            ..carl()
        };
        let f = check(&CHECK, &two);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("carl.cole@contoso.com, carl@contoso.com"), "{}", f[0].message);
        assert_eq!(f[0].evidence.iter().filter(|e| e.field == Field::SoftMatches.id()).count(), 2);
    }

    #[test]
    fn guest_is_a_conflict_not_a_match() {
        let gwen = Identity {
            ad_user_principal_name: Some("gwen.ford@contoso.com".into()),
            ad_sam_account_name: Some("gford".into()),
            soft_matches: Some(vec![soft("gwen.ford@fabrikam.com", "gwen.ford_fabrikam.com#EXT#@contoso.onmicrosoft.com", true)]),
            ..carl()
        };
        let f = check(&CHECK, &gwen);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("guest gwen.ford_fabrikam.com#EXT#@contoso.onmicrosoft.com") && f[0].message.contains("conflict"), "{}", f[0].message);
        assert!(f[0].remediation.contains("'gford'") && !f[0].remediation.contains("Remove-MgUser"), "{}", f[0].remediation);
    }

    /// olga.leaver keeps a secondary address of the cloud-only admin: no soft match, so no hard match is
    /// proposed (it would merge two people); the finding names the conflict and both ways out.
    #[test]
    fn a_shared_secondary_address_is_a_conflict_not_a_match() {
        let olga = Identity {
            ad_user_principal_name: Some("olga.leaver@contoso.com".into()),
            ad_sam_account_name: Some("oleaver".into()),
            soft_matches: Some(vec![SoftMatch { soft_match: false, ..soft("helpdesk@contoso.com", "admin@contoso.onmicrosoft.com", false) }]),
            ..carl()
        };
        let f = check(&CHECK, &olga);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].message.contains("helpdesk@contoso.com") && f[0].message.contains("not a soft match") && !f[0].message.contains("soft-matches them"), "{}", f[0].message);
        assert!(!f[0].remediation.contains("OnPremisesImmutableId"), "no hard match for two people: {}", f[0].remediation);
        assert!(f[0].remediation.contains("Set-Mailbox -Identity 'admin@contoso.onmicrosoft.com' -EmailAddresses @{remove='smtp:helpdesk@contoso.com'}"), "{}", f[0].remediation);
        assert!(f[0].remediation.contains("Set-ADUser -Identity 'oleaver' -Remove @{proxyAddresses='smtp:helpdesk@contoso.com'}"), "{}", f[0].remediation);
        // One address they soft-match on makes the pair a soft match.
        let both = Identity { soft_matches: Some(vec![SoftMatch { soft_match: false, ..soft("helpdesk@contoso.com", "carl.cole@contoso.com", false) }, soft("carl.cole@contoso.com", "carl.cole@contoso.com", false)]), ..carl() };
        let f = check(&CHECK, &both);
        assert!(f[0].message.contains("soft-matches them") && f[0].remediation.contains("OnPremisesImmutableId"), "{}", f[0].message);
    }

    #[test]
    fn quiet_without_soft_matches_or_when_linked() {
        // admin@contoso.onmicrosoft.com: cloud-only, nothing on-prem shares its addresses.
        let nothing = Identity { soft_matches: Some(vec![]), ..carl() };
        assert!(check(&CHECK, &nothing).is_empty());
        let synced = Identity { entra_present: Some(true), ..carl() };
        assert!(check(&CHECK, &synced).is_empty());
        // The cloud-only carl.cole identity itself: no AD object, so the finding is not on it.
        let cloud_side = Identity { ad_present: Some(false), entra_present: Some(true), ..carl() };
        assert!(check(&CHECK, &cloud_side).is_empty());
    }

    #[test]
    fn unknown_anchor_leaves_a_placeholder() {
        let f = check(&CHECK, &Identity { ad_immutable_id: None, ..carl() });
        assert!(f[0].remediation.contains("'<base64 of the AD user mS-DS-ConsistencyGuid"), "{}", f[0].remediation);
    }
}
