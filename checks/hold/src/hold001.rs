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
//! release the holds first (`Set-Mailbox <upn> -LitigationHoldEnabled $false`, remove the eDiscovery case
//! or retention policy), then deprovision.
//!
//! ## Sources
//! - seed 001 (holds, inactive mailboxes, deprovisioning)
//! - <https://learn.microsoft.com/purview/inactive-mailboxes-in-office-365>
//! - <https://learn.microsoft.com/purview/identify-a-hold-on-an-exchange-online-mailbox>

use hybrid_audit_sdk::domain::{self, recipient_type, remote_recipient_type};
use hybrid_audit_sdk::{Check, Context, Field, Findings, Identity, Severity};

pub const CHECK: Check = Check {
    id: "HOLD001",
    name: "hold-blocks-deprovisioning",
    severity: Severity::High,
    escalates_to: None,
    fields: &[Field::ExoPresent, Field::ExoRecipientTypeDetails, Field::ExoHolds, Field::AdPresent, Field::AdEnabled],
    optional: &[Field::EntraImmutableId, Field::AdRemoteRecipientType, Field::AdRecipientTypeDetails, Field::Ambiguous],
    source: include_str!("hold001.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let (Some(true), Some(holds)) = (i.exo_present, &i.exo_holds) else { return };
    let cloud_type = i.exo_recipient_type_details.as_deref().unwrap_or("");
    let held = domain::holds(holds);
    if held.is_empty() {
        return;
    }
    let resource = domain::is_cloud_resource(cloud_type) || i.ad_recipient_type_details.is_some_and(recipient_type::is_resource);
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
        .remediation(format!(
            "# decide with the records owner: keep (mailbox becomes inactive) or release first\nSet-Mailbox -Identity {} -LitigationHoldEnabled $false  # and remove it from eDiscovery cases / retention policies listed",
            crate::ps(&upn)
        ));
    for (_, field) in &reasons {
        finding.evidence(*field);
    }
    if i.ad_present == Some(false) {
        finding.evidence(Field::EntraImmutableId);
    }
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
    }
}
