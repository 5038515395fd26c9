//! # HOLD001 hold-blocks-deprovisioning
//!
//! ## What it does
//! Fires on an active Exchange Online mailbox (not soft-deleted, not inactive) that is under a
//! preservation hold while its owner is being deprovisioned on-prem: the AD account is disabled (for a
//! user mailbox only: shared, room and equipment accounts are disabled by design), the AD object is gone
//! from the export although the Entra user is synced, or `msExchRemoteRecipientType` carries
//! DeprovisionMailbox (8).
//!
//! ## Why it matters
//! Deleting the user turns a held mailbox into an inactive mailbox that stays (and is billed for
//! retention) until every hold is released; removing its license fails validation ("can't disable the
//! mailbox because it is on litigation hold", HOLD002). Offboarding stalls half done.
//!
//! ## Example
//! `henry.hall@contoso.com`: AD `Enabled` False, cloud UserMailbox with `LitigationHoldEnabled` True.
//! Quiet: `RetentionHoldEnabled` True alone (pauses MRM, holds nothing), an `InPlaceHolds` entry
//! `-mbx…:1` (an exclusion from an org-wide policy), a disabled shared mailbox account.
//!
//! ## Remediation
//! Decide with the records owner: keep the data (let the mailbox become inactive, on purpose) or
//! release the holds first, then deprovision. Each hold is released where it is set: a litigation hold
//! with `Set-Mailbox <upn> -LitigationHoldEnabled $false`; everything else in Purview, by hand (the
//! remediation names it, as comments): an eDiscovery case hold `UniH<guid>` by its case hold policy
//! (`Get-CaseHoldPolicy <guid> | % { Get-ComplianceCase $_.CaseId }`), a retention policy
//! `mbx`/`skp`/`grp`/`cld<guid>:<n>` by its policy (`Get-RetentionCompliancePolicy <guid>
//! -DistributionDetail`), a legacy In-Place Hold by its search (`Get-MailboxSearch -InPlaceHoldIdentity
//! <guid>`), a retention label (`ComplianceTagHoldApplied`) by the labels on the items; a delay hold lapses
//! on its own within 30 days. `derek.dunn@contoso.com` (retention label only) and `oscar.ortiz@contoso.com`
//! (`UniH…` only) get no `Set-Mailbox` command.
//!
//! ## Sources
//! - seed 001 (holds, inactive mailboxes, deprovisioning)
//! - <https://learn.microsoft.com/purview/inactive-mailboxes-in-office-365>
//! - <https://learn.microsoft.com/purview/identify-a-hold-on-an-exchange-online-mailbox>
//! - <https://learn.microsoft.com/purview/ediscovery-delete-items-in-the-recoverable-items-folder-of-mailboxes-on-hold> (removing each kind of hold, delay holds)

use hybrid_audit_sdk::domain::{self, recipient_type, remote_recipient_type};
use hybrid_audit_sdk::{Check, Context, Field, Findings, Holds, Identity, Severity};

pub const CHECK: Check = Check {
    id: "HOLD001",
    name: "hold-blocks-deprovisioning",
    severity: Severity::High,
    escalates_to: None,
    // An Exchange Online mailbox is known from its own row (the recipient type): no export listing every
    // recipient is needed to see one that exists (exo.present is for telling one is absent).
    fields: &[Field::ExoRecipientTypeDetails, Field::ExoHolds, Field::AdPresent, Field::AdEnabled],
    optional: &[Field::EntraImmutableId, Field::AdRemoteRecipientType, Field::AdRecipientTypeDetails, Field::Ambiguous],
    source: include_str!("hold001.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let (Some(_), Some(holds)) = (&i.exo_recipient_type_details, &i.exo_holds) else { return };
    let cloud_type = i.exo_recipient_type_details.as_deref().unwrap_or("");
    let held = domain::holds(holds);
    if held.is_empty() {
        return;
    }
    // The cloud mailbox's own type decides (the on-prem type can be stale: a RemoteSharedMailbox whose
    // cloud side is a UserMailbox again); the on-prem one only when the export does not say.
    let resource = if cloud_type.is_empty() { i.ad_recipient_type_details.is_some_and(recipient_type::is_resource) } else { domain::is_cloud_resource(cloud_type) };
    let mut reasons: Vec<(String, Field)> = Vec::new();
    if i.ad_present == Some(true) {
        if i.ad_enabled == Some(false) && !resource {
            reasons.push(("its AD account is disabled".to_string(), Field::AdEnabled));
        }
        if i.ad_remote_recipient_type.is_some_and(|t| t & remote_recipient_type::DEPROVISION_MAILBOX != 0) {
            let t = i.ad_remote_recipient_type.unwrap_or_default();
            reasons.push((format!("msExchRemoteRecipientType {t} includes DeprovisionMailbox (8)"), Field::AdRemoteRecipientType));
        }
    } else if i.ad_present == Some(false) && i.entra_immutable_id.is_some() && i.ambiguous != Some(true) {
        // An ambiguous anchor left the AD object unlinked, not gone.
        reasons.push(("its synced AD object is gone from the AD export".to_string(), Field::AdPresent));
    }
    if reasons.is_empty() {
        return;
    }
    let upn = domain::display_name(i);
    let why: Vec<&str> = reasons.iter().map(|(r, _)| r.as_str()).collect();
    let finding = out
        .report(Severity::High, format!("{cloud_type} {upn} is on hold ({}) while {}", held.join(", "), why.join(" and ")))
        .evidence(Field::ExoRecipientTypeDetails)
        .evidence(Field::ExoHolds)
        .remediation(release(holds, &upn));
    for (_, field) in &reasons {
        finding.evidence(*field);
    }
    if i.ad_present == Some(false) {
        finding.evidence(Field::EntraImmutableId);
    }
}

/// How to release each hold in force, where it is set: a litigation hold is a mailbox setting (the only
/// command); every other kind is released in Purview, by hand, named by the GUID of its entry (comments).
fn release(h: &Holds, upn: &str) -> String {
    // The decision is a numbered step of its own: remediation.ps1 asks that it was made before the release.
    let mut lines = vec!["# 1. decide with the records owner: keep the data (the mailbox becomes inactive, on purpose: stop here) or release every hold below".to_string()];
    if h.litigation_hold_enabled == Some(true) {
        lines.push("# 2. release the litigation hold".to_string());
        lines.push(format!("Set-Mailbox -Identity {} -LitigationHoldEnabled $false", crate::ps(upn)));
    }
    for entry in h.in_place_holds.iter().map(|e| e.trim()).filter(|e| !e.is_empty() && !e.starts_with('-')) {
        let lower = entry.to_ascii_lowercase();
        let prefix = ["unih", "mbx", "skp", "grp", "cld"].into_iter().find(|p| lower.starts_with(p)).unwrap_or("");
        // `mbx<guid>:<n>` → `<guid>`; only GUID characters, so nothing from the export leaves the comment.
        let rest = &entry[prefix.len()..];
        let mut id: String = rest.split(':').next().unwrap_or(rest).chars().filter(|c| c.is_ascii_hexdigit() || *c == '-').collect();
        if id.is_empty() {
            id = "(no readable id: see InPlaceHolds)".to_string();
        }
        let line = match prefix {
            "unih" => format!(
                "# eDiscovery case hold {id}: in Purview, release the mailbox from the eDiscovery case of hold policy {id} (Connect-IPPSSession; Get-CaseHoldPolicy -Identity '{id}' | ForEach-Object {{ Get-ComplianceCase -Identity $_.CaseId }})."
            ),
            "" => format!("# In-Place Hold {id}: remove the mailbox from the In-Place eDiscovery & Hold search {id} (Get-MailboxSearch -InPlaceHoldIdentity '{id}')."),
            _ => format!(
                "# retention policy {id}: in Purview, exclude the mailbox from retention policy {id} or retire the policy (Connect-IPPSSession; Get-RetentionCompliancePolicy -Identity '{id}' -DistributionDetail)."
            ),
        };
        lines.push(line);
    }
    if h.compliance_tag_hold_applied == Some(true) {
        lines.push("# retention label (ComplianceTagHoldApplied): items labelled to be retained keep the mailbox; in Purview, remove or change those labels (or the label policy that applies them), by hand.".to_string());
    }
    if h.delay_hold_applied == Some(true) || h.delay_release_hold_applied == Some(true) {
        lines.push("# delay hold: Exchange Online lifts it on its own within 30 days of the last hold's removal.".to_string());
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hybrid_audit_sdk::{run_check, Holds};

    fn held_user_mailbox() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_enabled: Some(false),
            ad_user_principal_name: Some("henry.hall@contoso.com".into()),
            exo_present: Some(true),
            exo_recipient_type_details: Some("UserMailbox".into()),
            exo_holds: Some(Holds { litigation_hold_enabled: Some(true), ..Default::default() }),
            entra_immutable_id: Some("1wfM9xV8fUSHbcAbDlqeOA==".into()),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_disabled_account_with_litigation_hold() {
        let f = run_check(&CHECK, &held_user_mailbox(), &Context::default());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("litigation hold") && f[0].message.contains("disabled"), "{}", f[0].message);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::AdEnabled.id() && e.value == "false"));
    }

    #[test]
    fn fires_when_the_ad_object_is_gone_or_deprovisioning() {
        let gone = Identity { ad_present: Some(false), ad_enabled: None, ..held_user_mailbox() };
        assert_eq!(run_check(&CHECK, &gone, &Context::default()).len(), 1);
        let deprov = Identity { ad_enabled: Some(true), ad_remote_recipient_type: Some(12), ..held_user_mailbox() };
        assert_eq!(run_check(&CHECK, &deprov, &Context::default()).len(), 1);
    }

    #[test]
    fn the_remediation_releases_each_hold_where_it_is_set() {
        // henry: litigation hold — the one hold Set-Mailbox releases.
        let f = run_check(&CHECK, &held_user_mailbox(), &Context::default());
        assert!(f[0].remediation.contains("Set-Mailbox -Identity 'henry.hall@contoso.com' -LitigationHoldEnabled $false"), "{}", f[0].remediation);
        // The records owner's decision is a step of its own before the release (review J, J2).
        assert!(f[0].remediation.starts_with("# 1. decide with the records owner") && f[0].remediation.contains("\n# 2. release the litigation hold\nSet-Mailbox"), "{}", f[0].remediation);
        // derek: only a retention label — no Set-Mailbox, a manual Purview step.
        let derek = Identity {
            ad_enabled: Some(true),
            ad_remote_recipient_type: Some(12),
            exo_holds: Some(Holds { litigation_hold_enabled: Some(false), compliance_tag_hold_applied: Some(true), ..Default::default() }),
            ..held_user_mailbox()
        };
        let f = run_check(&CHECK, &derek, &Context::default());
        assert_eq!(f.len(), 1);
        assert!(!f[0].remediation.contains("LitigationHoldEnabled"), "{}", f[0].remediation);
        assert!(f[0].remediation.lines().all(|l| l.starts_with('#')), "comments only: {}", f[0].remediation);
        assert!(f[0].remediation.contains("retention label (ComplianceTagHoldApplied)") && f[0].remediation.contains("Purview"), "{}", f[0].remediation);
        // oscar: only an eDiscovery case hold — named by its case hold policy GUID, no Set-Mailbox.
        let oscar = Identity {
            ad_present: Some(false),
            ad_enabled: None,
            exo_holds: Some(Holds { litigation_hold_enabled: Some(false), in_place_holds: vec!["UniHb61c6cc7-0087-4a90-9290-2434ab43c785".into()], ..Default::default() }),
            ..held_user_mailbox()
        };
        let f = run_check(&CHECK, &oscar, &Context::default());
        assert_eq!(f.len(), 1);
        assert!(!f[0].remediation.contains("LitigationHoldEnabled") && f[0].remediation.lines().all(|l| l.starts_with('#')), "{}", f[0].remediation);
        assert!(f[0].remediation.contains("Get-CaseHoldPolicy -Identity 'b61c6cc7-0087-4a90-9290-2434ab43c785'"), "{}", f[0].remediation);
        // A retention policy entry: its GUID without prefix and suffix; an exclusion is left out.
        let policy = Identity {
            exo_holds: Some(Holds { in_place_holds: vec!["mbxc841dd64c6e94177b77990ab7f800887:3".into(), "-skp0000:1".into()], ..Default::default() }),
            ..held_user_mailbox()
        };
        let r = &run_check(&CHECK, &policy, &Context::default())[0].remediation;
        assert!(r.contains("Get-RetentionCompliancePolicy -Identity 'c841dd64c6e94177b77990ab7f800887' -DistributionDetail") && !r.contains("skp0000"), "{r}");
        assert!(!r.contains("LitigationHoldEnabled"), "{r}");
    }

    #[test]
    fn quiet_on_retention_hold_exclusions_and_resource_accounts() {
        let retention_only = Identity {
            exo_holds: Some(Holds { in_place_holds: vec!["-mbx7c2a:1".into()], ..Default::default() }),
            exo_retention_hold_enabled: Some(true),
            ..held_user_mailbox()
        };
        assert!(run_check(&CHECK, &retention_only, &Context::default()).is_empty());
        let shared = Identity { exo_recipient_type_details: Some("SharedMailbox".into()), ..held_user_mailbox() };
        assert!(run_check(&CHECK, &shared, &Context::default()).is_empty());
        let enabled = Identity { ad_enabled: Some(true), ..held_user_mailbox() };
        assert!(run_check(&CHECK, &enabled, &Context::default()).is_empty());
        let cloud_only = Identity { ad_present: Some(false), entra_immutable_id: None, ..held_user_mailbox() };
        assert!(run_check(&CHECK, &cloud_only, &Context::default()).is_empty());
        // A shared mailbox by its on-prem type alone, when the export has no cloud type.
        let onprem_shared = Identity { exo_recipient_type_details: None, ad_recipient_type_details: Some(34_359_738_368), ..held_user_mailbox() };
        assert!(run_check(&CHECK, &onprem_shared, &Context::default()).is_empty());
    }

    #[test]
    fn the_cloud_type_decides_over_a_stale_onprem_one() {
        // On-prem still says RemoteSharedMailbox; the cloud mailbox is a UserMailbox again: its disabled
        // owner matters (review case hold001-stale-onprem-type lost this finding).
        let stale = Identity { ad_recipient_type_details: Some(34_359_738_368), ..held_user_mailbox() };
        assert_eq!(run_check(&CHECK, &stale, &Context::default()).len(), 1);
    }
}
