//! # GUID003 archive-guid-mismatch
//!
//! ## What it does
//! Compares the on-prem `msExchArchiveGUID` with the `ArchiveGuid` of the identity's active Exchange
//! Online object and fires when both are set, neither is the zero GUID, and they differ. Case and braces
//! do not matter: the GUIDs are compared as values.
//!
//! ## Why it matters
//! Like the ExchangeGuid for the primary mailbox, the archive GUID ties one archive to both sides of the
//! hybrid. When they disagree, an archive move fails to find its target, or a second, empty archive is
//! provisioned and users' archived mail is split between the two.
//!
//! ## Example
//! `arthur.adams@contoso.com`: RemoteUserMailbox whose `msExchArchiveGUID` differs from the cloud
//! `ArchiveGuid`. Quiet: `alice.anders@contoso.com`, whose `ArchiveGuid` is upper-case in the EXO
//! export (same value); `finance@contoso.com`, a shared mailbox whose archive GUIDs are equal; a mailbox
//! with no archive, whose cloud `ArchiveGuid` is the zero GUID (none).
//!
//! ## Remediation
//! The side that holds the archive is right. For a remote mailbox stamp the cloud value on-prem with
//! `Set-RemoteMailbox -ArchiveGuid`; for an on-prem mailbox let synchronisation bring the on-prem value
//! across and look at Entra Connect's export errors. The cmdlet reference lists `-ArchiveGuid` as
//! "reserved for internal Microsoft use"; Microsoft support's own fix for an ArchiveGuid mismatch is this
//! stamp, so the step says so and stays one the operator reads before running.
//!
//! ## Sources
//! - seed 002 (on-prem vs cloud GUIDs of one mailbox)
//! - <https://learn.microsoft.com/powershell/module/exchange/set-remotemailbox>
//! - <https://blogs.technet.microsoft.com/exovoice/2016/11/07/how-to-fix-office365-user-provisioning-issues-that-are-generated-by-faulty-exchange-attributes/>
//!   (Microsoft support: fixing provisioning errors from an ArchiveGuid mismatch)

use crate::{align, mismatch};
use hybrid_audit_sdk::domain::{self, recipient_type};
use hybrid_audit_sdk::{Check, Context, Field, Findings, Identity, Severity};

pub const CHECK: Check = Check {
    id: "GUID003",
    name: "archive-guid-mismatch",
    severity: Severity::Medium,
    escalates_to: None,
    fields: &[Field::AdArchiveGuid, Field::ExoArchiveGuid],
    optional: &[Field::AdRecipientTypeDetails, Field::ExoRecipientTypeDetails, Field::AdSamAccountName],
    source: include_str!("guid003.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let Some((onprem, cloud)) = mismatch(i.ad_archive_guid, i.exo_archive_guid) else { return };
    let upn = domain::display_name(i);
    let onprem_type = i.ad_recipient_type_details.and_then(recipient_type::name).unwrap_or("AD object");
    let finding = out
        .report(Severity::Medium, format!("{upn}: on-prem {onprem_type} msExchArchiveGUID {onprem} differs from the Exchange Online ArchiveGuid {cloud}"))
        .evidence(Field::AdArchiveGuid)
        .evidence(Field::ExoArchiveGuid)
        .remediation(align(i, "ArchiveGuid", onprem, cloud));
    if i.ad_recipient_type_details.is_some() {
        finding.evidence(Field::AdRecipientTypeDetails);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, guid};
    use hybrid_audit_sdk::Guid;

    fn arthur() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("arthur.adams@contoso.com".into()),
            ad_recipient_type_details: Some(recipient_type::REMOTE_USER_MAILBOX),
            ad_archive_guid: Some(guid("3ab39606-c642-489b-84b6-58c038d3ef39")),
            exo_present: Some(true),
            exo_recipient_type_details: Some("UserMailbox".into()),
            exo_archive_guid: Some(guid("f7cc07d7-7c15-447d-876d-c01b0e5a9e38")),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_differing_archive_guids() {
        let f = check(&CHECK, &arthur());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].message.contains("3ab39606-c642-489b-84b6-58c038d3ef39") && f[0].message.contains("f7cc07d7-7c15-447d-876d-c01b0e5a9e38"), "{}", f[0].message);
        assert!(f[0].remediation.starts_with("Set-RemoteMailbox -Identity 'arthur.adams@contoso.com' -ArchiveGuid 'f7cc07d7-7c15-447d-876d-c01b0e5a9e38'"), "{}", f[0].remediation);
    }

    #[test]
    fn on_prem_mailbox_syncs_its_own_value() {
        let onprem = Identity { ad_recipient_type_details: Some(recipient_type::USER_MAILBOX), exo_recipient_type_details: Some("MailUser".into()), ..arthur() };
        assert!(check(&CHECK, &onprem)[0].remediation.starts_with("Start-ADSyncSyncCycle"));
    }

    #[test]
    fn quiet_on_same_value_in_other_case() {
        // alice.anders: ArchiveGuid upper-case in EXO; finance: equal GUIDs.
        let alice = Identity { exo_archive_guid: Some(guid("3AB39606-C642-489B-84B6-58C038D3EF39")), ..arthur() };
        assert!(check(&CHECK, &alice).is_empty());
    }

    #[test]
    fn quiet_without_an_archive() {
        let no_cloud_archive = Identity { exo_archive_guid: Some(Guid([0; 16])), ..arthur() };
        assert!(check(&CHECK, &no_cloud_archive).is_empty());
        let no_onprem_archive = Identity { ad_archive_guid: None, ..arthur() };
        assert!(check(&CHECK, &no_onprem_archive).is_empty());
    }
}
