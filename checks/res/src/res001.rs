//! # RES001 recipient-type-mismatch
//!
//! ## What it does
//! Compares the on-prem remote mailbox type (`msExchRecipientTypeDetails` RemoteUserMailbox,
//! RemoteSharedMailbox, RemoteRoomMailbox, RemoteEquipmentMailbox) with the `RecipientTypeDetails` of
//! the identity's Exchange Online recipient (UserMailbox, SharedMailbox, RoomMailbox, EquipmentMailbox)
//! and fires when they disagree. Only where a cloud recipient exists: a Get-User row of type `User` (or
//! `DisabledUser`) is no recipient, and an identity without a cloud object is left to other checks.
//!
//! ## Why it matters
//! A mailbox converted in the cloud (`Set-Mailbox -Type Shared`) keeps its old type on-prem, because
//! Exchange Online does not write the type back. On-prem management then shows and treats the wrong
//! kind of mailbox (a shared mailbox as a user who needs a license, a room that cannot be booked from
//! on-prem), and any later re-provisioning or move uses the stale on-prem type. A cloud `MailUser` behind
//! a remote mailbox means the cloud mailbox is missing altogether.
//!
//! ## Example
//! `rachel.ross@contoso.com`: on-prem RemoteUserMailbox, cloud SharedMailbox (converted in the cloud).
//! Quiet: `sara.stone@contoso.com`, whose cloud object is a Get-User `User` row (no recipient);
//! `support@contoso.com` (RemoteSharedMailbox ↔ SharedMailbox), `boardroom@contoso.com`
//! (RemoteRoomMailbox ↔ RoomMailbox) and `projector@contoso.com` (RemoteEquipmentMailbox ↔
//! EquipmentMailbox), whose types agree.
//!
//! ## Remediation
//! When the cloud type is the intended one, record it on-prem with `Set-RemoteMailbox -Type`
//! (Regular, Shared, Room, Equipment; Shared needs Exchange 2013 CU21 / 2016 CU10 or later). When the
//! on-prem type is the intended one, convert the cloud mailbox instead (`Set-Mailbox -Type`). For a cloud
//! mail user, find out why the cloud mailbox is missing (license, provisioning: PROV005).
//!
//! ## Sources
//! - seed 004 (resource mailboxes created in the cloud, then attached to a synced account)
//! - <https://learn.microsoft.com/powershell/module/exchange/set-remotemailbox>
//! - <https://learn.microsoft.com/powershell/module/exchange/set-mailbox>

use crate::{cloud_recipient, onprem_name, ps};
use hybrid_audit_sdk::domain::{self, recipient_type};
use hybrid_audit_sdk::{Check, Context, Field, Findings, Identity, Severity};

pub const CHECK: Check = Check {
    id: "RES001",
    name: "recipient-type-mismatch",
    severity: Severity::Low,
    escalates_to: None,
    fields: &[Field::AdRecipientTypeDetails, Field::ExoRecipientTypeDetails],
    optional: &[Field::AdSamAccountName],
    source: include_str!("res001.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let Some(onprem) = i.ad_recipient_type_details else { return };
    let (Some(expected), Some(cloud)) = (recipient_type::cloud_counterpart(onprem), cloud_recipient(i.exo_recipient_type_details.as_deref())) else { return };
    if cloud == expected {
        return;
    }
    let upn = domain::display_name(i);
    let remote = recipient_type::name(onprem).unwrap_or("remote mailbox");
    let cloud_upn = ps(&upn);
    let remediation = match remote_type_parameter(cloud) {
        Some(t) => format!(
            "# 1. decide which type is intended: the cloud's (then record it on-prem, next step) or {remote} (then convert the cloud mailbox instead, Set-Mailbox -Identity {cloud_upn} -Type {}, and stop here)\n\
             # 2. on-prem: record the cloud type\n\
             Set-RemoteMailbox -Identity {} -Type {t}",
            remote_type_parameter(expected).unwrap_or("Regular"),
            ps(&onprem_name(i)),
        ),
        None => format!("Get-Recipient -Identity {cloud_upn} | Format-List RecipientTypeDetails,ExchangeGuid,SKUAssigned  # no cloud mailbox behind this {remote}: license or re-provision it"),
    };
    out.report(Severity::Low, format!("{upn} is {remote} on-prem but {cloud} in Exchange Online (expected {expected})"))
        .evidence(Field::AdRecipientTypeDetails)
        .evidence(Field::ExoRecipientTypeDetails)
        .remediation(remediation);
}

/// The `-Type` value of `Set-RemoteMailbox` / `Set-Mailbox` for a cloud mailbox type.
fn remote_type_parameter(cloud: &str) -> Option<&'static str> {
    Some(match cloud {
        "UserMailbox" => "Regular",
        "SharedMailbox" => "Shared",
        "RoomMailbox" => "Room",
        "EquipmentMailbox" => "Equipment",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    /// rachel.ross: RemoteUserMailbox on-prem, converted to a shared mailbox in the cloud.
    fn rachel() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("rachel.ross@contoso.com".into()),
            ad_recipient_type_details: Some(recipient_type::REMOTE_USER_MAILBOX),
            exo_present: Some(true),
            exo_recipient_type_details: Some("SharedMailbox".into()),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_cloud_conversion() {
        let f = check(&CHECK, &rachel());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(f[0].message, "rachel.ross@contoso.com is RemoteUserMailbox on-prem but SharedMailbox in Exchange Online (expected UserMailbox)");
        // Which type is intended is a decision, made before the change (remediation.ps1 asks for it).
        assert!(f[0].remediation.starts_with("# 1. decide which type is intended") && f[0].remediation.ends_with("\nSet-RemoteMailbox -Identity 'rachel.ross@contoso.com' -Type Shared"), "{}", f[0].remediation);
        assert!(f[0].remediation.contains("Set-Mailbox -Identity 'rachel.ross@contoso.com' -Type Regular"));
    }

    #[test]
    fn fires_on_mail_user_behind_a_remote_mailbox() {
        let f = check(&CHECK, &Identity { exo_recipient_type_details: Some("MailUser".into()), ..rachel() });
        assert_eq!(f.len(), 1);
        assert!(f[0].remediation.starts_with("Get-Recipient"), "{}", f[0].remediation);
    }

    #[test]
    fn quiet_on_non_recipients() {
        // sara.stone: Get-User `User` row.
        for t in ["User", "DisabledUser", ""] {
            assert!(check(&CHECK, &Identity { exo_recipient_type_details: Some(t.into()), ..rachel() }).is_empty(), "{t}");
        }
        assert!(check(&CHECK, &Identity { exo_present: Some(false), exo_recipient_type_details: None, ..rachel() }).is_empty());
    }

    #[test]
    fn quiet_when_types_agree() {
        for (onprem, cloud) in [
            (recipient_type::REMOTE_SHARED_MAILBOX, "SharedMailbox"),
            (recipient_type::REMOTE_ROOM_MAILBOX, "RoomMailbox"),
            (recipient_type::REMOTE_EQUIPMENT_MAILBOX, "EquipmentMailbox"),
            (recipient_type::REMOTE_USER_MAILBOX, "UserMailbox"),
        ] {
            let agree = Identity { ad_recipient_type_details: Some(onprem), exo_recipient_type_details: Some(cloud.into()), ..rachel() };
            assert!(check(&CHECK, &agree).is_empty(), "{cloud}");
        }
    }

    #[test]
    fn quiet_on_non_remote_on_prem_objects() {
        // An on-prem mailbox with a cloud MailUser is the expected shape before a move (paul.price).
        let paul = Identity { ad_recipient_type_details: Some(recipient_type::USER_MAILBOX), exo_recipient_type_details: Some("MailUser".into()), ..rachel() };
        assert!(check(&CHECK, &paul).is_empty());
        let mail_user = Identity { ad_recipient_type_details: Some(recipient_type::MAIL_USER), ..rachel() };
        assert!(check(&CHECK, &mail_user).is_empty());
    }
}
