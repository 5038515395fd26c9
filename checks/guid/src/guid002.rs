//! # GUID002 remote-mailbox-without-exchangeguid
//!
//! ## What it does
//! Fires on an on-prem remote mailbox (`msExchRecipientTypeDetails` RemoteUserMailbox,
//! RemoteSharedMailbox, RemoteRoomMailbox or RemoteEquipmentMailbox) whose `msExchMailboxGuid` is empty
//! or the zero GUID while the identity's Exchange Online mailbox (UserMailbox, SharedMailbox,
//! RoomMailbox, EquipmentMailbox) exists.
//!
//! ## Why it matters
//! A mailbox created in the cloud (or provisioned with `New-RemoteMailbox`/`Enable-RemoteMailbox`)
//! never writes its ExchangeGuid back to AD. Without it on the remote mailbox, a move back on-prem fails
//! ("cannot find a recipient that has mailbox GUID …"), and if the cloud user is ever re-licensed after
//! losing its mailbox nothing tells Exchange Online that the mailbox already exists. Seed 000 names the
//! related symptom: "ExchangeGuid is mandatory on UserMailbox".
//!
//! ## Example
//! `gina.gray@contoso.com`: RemoteUserMailbox with no `msExchMailboxGuid` and a cloud UserMailbox.
//! Quiet: `sara.stone@contoso.com`, a RemoteUserMailbox that does carry `msExchMailboxGuid` and whose
//! cloud object is only a Get-User `User` row (no recipient, no cloud mailbox); a mail user on-prem (not a
//! remote mailbox); a cloud `MailUser` (no cloud mailbox to take the GUID from).
//!
//! ## Remediation
//! In the on-prem Exchange Management Shell stamp the cloud mailbox's ExchangeGuid on the remote mailbox
//! with `Set-RemoteMailbox -ExchangeGuid`, then let Entra Connect synchronise.
//!
//! ## Sources
//! - seed 000 (provisioning remote mailboxes, "ExchangeGuid is mandatory on UserMailbox")
//! - <https://learn.microsoft.com/powershell/module/exchange/set-remotemailbox>

use crate::{onprem_name, ps};
use hybrid_audit_sdk::domain::{self, recipient_type};
use hybrid_audit_sdk::{Check, Context, Field, Findings, Guid, Identity, Severity};

pub const CHECK: Check = Check {
    id: "GUID002",
    name: "remote-mailbox-without-exchangeguid",
    severity: Severity::Medium,
    escalates_to: None,
    fields: &[Field::AdRecipientTypeDetails, Field::AdMailboxGuid, Field::ExoRecipientTypeDetails],
    optional: &[Field::ExoExchangeGuid, Field::AdSamAccountName],
    source: include_str!("guid002.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let (Some(onprem), Some(cloud)) = (i.ad_recipient_type_details, i.exo_recipient_type_details.as_deref()) else { return };
    let cloud_mailbox = matches!(cloud, "UserMailbox" | "SharedMailbox" | "RoomMailbox" | "EquipmentMailbox");
    if !recipient_type::is_remote_mailbox(onprem) || Guid::non_zero(i.ad_mailbox_guid).is_some() || !cloud_mailbox {
        return;
    }
    let upn = domain::display_name(i);
    let remote = recipient_type::name(onprem).unwrap_or("remote mailbox");
    let (guid, said) = match Guid::non_zero(i.exo_exchange_guid) {
        Some(g) => (format!("'{g}'"), format!(" (ExchangeGuid {g})")),
        None => ("'<ExchangeGuid of Get-EXOMailbox -Properties ExchangeGuid>'".to_string(), String::new()),
    };
    let finding = out
        .report(Severity::Medium, format!("{remote} {upn} has no msExchMailboxGuid on-prem although its Exchange Online {cloud} exists{said}: a move back on-prem cannot find it"))
        .evidence(Field::AdRecipientTypeDetails)
        .evidence(Field::AdMailboxGuid)
        .evidence(Field::ExoRecipientTypeDetails)
        .remediation(format!("Set-RemoteMailbox -Identity {} -ExchangeGuid {guid}  # on-prem Exchange Management Shell, then let Entra Connect sync", ps(&onprem_name(i))));
    if !said.is_empty() {
        finding.evidence(Field::ExoExchangeGuid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, guid};

    fn gina() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("gina.gray@contoso.com".into()),
            ad_recipient_type_details: Some(recipient_type::REMOTE_USER_MAILBOX),
            ad_remote_recipient_type: Some(1),
            ad_mailbox_guid: None,
            exo_present: Some(true),
            exo_recipient_type_details: Some("UserMailbox".into()),
            exo_exchange_guid: Some(guid("9e58304a-ed80-416a-8eac-f2e769056e52")),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_remote_mailbox_without_guid() {
        let f = check(&CHECK, &gina());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].message.contains("RemoteUserMailbox gina.gray@contoso.com"), "{}", f[0].message);
        assert_eq!(f[0].remediation, "Set-RemoteMailbox -Identity 'gina.gray@contoso.com' -ExchangeGuid '9e58304a-ed80-416a-8eac-f2e769056e52'  # on-prem Exchange Management Shell, then let Entra Connect sync");
    }

    #[test]
    fn zero_guid_is_none_and_shared_mailboxes_count() {
        let zero = Identity {
            ad_mailbox_guid: Some(Guid([0; 16])),
            ad_recipient_type_details: Some(recipient_type::REMOTE_SHARED_MAILBOX),
            exo_recipient_type_details: Some("SharedMailbox".into()),
            exo_exchange_guid: None,
            ..gina()
        };
        let f = check(&CHECK, &zero);
        assert_eq!(f.len(), 1);
        assert!(f[0].remediation.contains("<ExchangeGuid of Get-EXOMailbox"), "{}", f[0].remediation);
    }

    #[test]
    fn quiet_when_the_guid_is_there_or_no_cloud_mailbox() {
        // sara.stone: has msExchMailboxGuid, and her cloud object is a Get-User `User` row.
        let sara = Identity {
            ad_mailbox_guid: Some(guid("064e1a94-3199-49a7-9cb3-3ce3412424d6")),
            exo_recipient_type_details: Some("User".into()),
            exo_exchange_guid: Some(Guid([0; 16])),
            ..gina()
        };
        assert!(check(&CHECK, &sara).is_empty());
        let has_guid = Identity { ad_mailbox_guid: Some(guid("064e1a94-3199-49a7-9cb3-3ce3412424d6")), ..gina() };
        assert!(check(&CHECK, &has_guid).is_empty());
        let get_user_only = Identity { exo_recipient_type_details: Some("User".into()), ..gina() };
        assert!(check(&CHECK, &get_user_only).is_empty());
        let mail_user = Identity { exo_recipient_type_details: Some("MailUser".into()), ..gina() };
        assert!(check(&CHECK, &mail_user).is_empty());
        let no_cloud = Identity { exo_present: Some(false), exo_recipient_type_details: None, exo_exchange_guid: None, ..gina() };
        assert!(check(&CHECK, &no_cloud).is_empty());
    }

    #[test]
    fn quiet_on_non_remote_objects() {
        let mail_user = Identity { ad_recipient_type_details: Some(recipient_type::MAIL_USER), ..gina() };
        assert!(check(&CHECK, &mail_user).is_empty());
        let onprem_mailbox = Identity { ad_recipient_type_details: Some(recipient_type::USER_MAILBOX), ..gina() };
        assert!(check(&CHECK, &onprem_mailbox).is_empty());
    }
}
