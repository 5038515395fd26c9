//! # GUID001 exchangeguid-mismatch
//!
//! ## What it does
//! Compares the on-prem `msExchMailboxGuid` of the AD object with the `ExchangeGuid` of the identity's
//! active Exchange Online object (mailbox or mail user) and fires when both are set, neither is the zero
//! GUID, and they differ. Case and braces do not matter: the GUIDs are compared as values.
//! Soft-deleted and inactive mailboxes are not compared (they keep their own ExchangeGuid).
//!
//! ## Why it matters
//! The ExchangeGuid is how Exchange recognises one mailbox on both sides of a hybrid. The cloud mail
//! user that stands for an on-prem mailbox must carry the on-prem GUID, and the remote mailbox on-prem
//! must carry the cloud mailbox's GUID: a move in either direction looks the mailbox up by it and fails
//! ("cannot find a recipient that has mailbox GUID …"), and a differing pair is the trace of a second
//! mailbox created beside the first (seed 002).
//!
//! ## Example
//! `gary.grant@contoso.com`: RemoteUserMailbox whose `msExchMailboxGuid` differs from the cloud
//! mailbox's `ExchangeGuid`; `doris.diaz@contoso.com`: an on-prem mailbox and a cloud UserMailbox with
//! different GUIDs (also GUID004). Quiet: `bob.berg@contoso.com`, whose `msExchMailboxGuid` is written
//! `{UPPER-CASE}` with braces in one export and upper-case in the other (same value);
//! `pete.park@contoso.com`, whose soft-deleted blank cloud mailbox has another GUID (previous mailboxes
//! are not compared); `sara.stone@contoso.com`, whose cloud object is a Get-User `User` row with the zero
//! GUID (zero means none).
//!
//! ## Remediation
//! The side that holds the mailbox is right. For a remote mailbox (mailbox in the cloud) stamp the cloud
//! value on-prem with `Set-RemoteMailbox -ExchangeGuid`. For an on-prem mailbox whose cloud object is
//! also a mailbox, resolve the duplicate first (GUID004); for an on-prem mailbox whose cloud mail user
//! carries another GUID, let synchronisation bring the on-prem value across and look at Entra Connect's
//! export errors.
//!
//! ## Sources
//! - seed 002 (ExchangeGuid on premises vs in the cloud, the duplicate it reveals)
//! - <https://learn.microsoft.com/powershell/module/exchange/set-remotemailbox>
//! - <https://techcommunity.microsoft.com/t5/exchange-team-blog/permanently-clear-previous-mailbox-info/ba-p/607619>

use crate::{align, mismatch};
use hybrid_audit_sdk::domain::{self, recipient_type};
use hybrid_audit_sdk::{Check, Context, Field, Findings, Identity, Severity};

pub const CHECK: Check = Check {
    id: "GUID001",
    name: "exchangeguid-mismatch",
    severity: Severity::High,
    escalates_to: None,
    fields: &[Field::AdMailboxGuid, Field::ExoExchangeGuid],
    optional: &[Field::AdRecipientTypeDetails, Field::ExoRecipientTypeDetails, Field::EntraExchangePlans, Field::AdSamAccountName],
    source: include_str!("guid001.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let Some((onprem, cloud)) = mismatch(i.ad_mailbox_guid, i.exo_exchange_guid) else { return };
    let upn = domain::display_name(i);
    let onprem_type = i.ad_recipient_type_details.and_then(recipient_type::name).unwrap_or("AD object");
    let cloud_type = i.exo_recipient_type_details.as_deref().unwrap_or("cloud object");
    let finding = out
        .report(Severity::High, format!("{upn}: on-prem {onprem_type} msExchMailboxGuid {onprem} differs from the Exchange Online {cloud_type} ExchangeGuid {cloud}"))
        .evidence(Field::AdMailboxGuid)
        .evidence(Field::ExoExchangeGuid)
        .remediation(align(i, "ExchangeGuid", onprem, cloud));
    if i.ad_recipient_type_details.is_some() {
        finding.evidence(Field::AdRecipientTypeDetails);
    }
    if i.exo_recipient_type_details.is_some() {
        finding.evidence(Field::ExoRecipientTypeDetails);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, guid};
    use hybrid_audit_sdk::Guid;

    fn gary() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("gary.grant@contoso.com".into()),
            ad_recipient_type_details: Some(recipient_type::REMOTE_USER_MAILBOX),
            ad_mailbox_guid: Some(guid("064e1a94-3199-49a7-9cb3-3ce3412424d6")),
            exo_present: Some(true),
            exo_recipient_type_details: Some("UserMailbox".into()),
            exo_exchange_guid: Some(guid("17d89853-ec3e-4bb3-9bf8-a7d022818fb0")),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_remote_mailbox_with_another_guid() {
        let f = check(&CHECK, &gary());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("064e1a94-3199-49a7-9cb3-3ce3412424d6") && f[0].message.contains("17d89853-ec3e-4bb3-9bf8-a7d022818fb0"), "{}", f[0].message);
        assert!(f[0].message.contains("RemoteUserMailbox"), "{}", f[0].message);
        assert_eq!(f[0].remediation.lines().next(), Some("Set-RemoteMailbox -Identity 'gary.grant@contoso.com' -ExchangeGuid '17d89853-ec3e-4bb3-9bf8-a7d022818fb0'  # on-prem Exchange: the mailbox lives in Exchange Online"));
        assert_eq!(f[0].evidence.len(), 4);
    }

    #[test]
    fn on_prem_mailbox_beside_a_cloud_mailbox_points_at_the_split() {
        // doris.diaz: type 1 on-prem and a cloud UserMailbox.
        let doris = Identity { ad_recipient_type_details: Some(recipient_type::USER_MAILBOX), ad_home_mdb: Some("CN=DB01".into()), ..gary() };
        let f = check(&CHECK, &doris);
        assert_eq!(f.len(), 1);
        assert!(f[0].remediation.contains("PermanentlyClearPreviousMailboxInfo") && !f[0].remediation.contains("Set-RemoteMailbox"), "{}", f[0].remediation);
        let mail_user = Identity { exo_recipient_type_details: Some("MailUser".into()), ..doris };
        assert!(check(&CHECK, &mail_user)[0].remediation.starts_with("Start-ADSyncSyncCycle"));
    }

    #[test]
    fn quiet_when_case_and_braces_differ_only() {
        // bob.berg: `{UPPER}` in AD, lower-case in EXO: the host parsed both into the same value.
        let bob = Identity { ad_mailbox_guid: Some(guid("{17D89853-EC3E-4BB3-9BF8-A7D022818FB0}")), ..gary() };
        assert!(check(&CHECK, &bob).is_empty());
    }

    #[test]
    fn quiet_when_either_side_is_zero_or_absent() {
        // sara.stone: Get-User `User` row with the zero ExchangeGuid.
        let sara = Identity { exo_recipient_type_details: Some("User".into()), exo_exchange_guid: Some(Guid([0; 16])), ..gary() };
        assert!(check(&CHECK, &sara).is_empty());
        let zero_onprem = Identity { ad_mailbox_guid: Some(Guid([0; 16])), ..gary() };
        assert!(check(&CHECK, &zero_onprem).is_empty());
        let no_cloud = Identity { exo_present: Some(false), exo_recipient_type_details: None, exo_exchange_guid: None, ..gary() };
        assert!(check(&CHECK, &no_cloud).is_empty());
    }

    #[test]
    fn quiet_on_mail_user_carrying_the_on_prem_guid() {
        // paul.price / pete.park: the cloud MailUser carries the on-prem GUID; pete's soft-deleted
        // mailbox has its own GUID but previous mailboxes are not compared.
        let paul = Identity {
            ad_recipient_type_details: Some(recipient_type::USER_MAILBOX),
            exo_recipient_type_details: Some("MailUser".into()),
            exo_exchange_guid: gary().ad_mailbox_guid,
            previous_mailboxes: Some(vec![hybrid_audit_sdk::PreviousMailbox { state: "soft-deleted".into(), exchange_guid: Some(guid("9e58304a-ed80-416a-8eac-f2e769056e52")), ..Default::default() }]),
            ..gary()
        };
        assert!(check(&CHECK, &paul).is_empty());
    }
}
