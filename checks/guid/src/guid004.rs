//! # GUID004 duplicate-mailbox
//!
//! ## What it does
//! Fires when the AD object is a real on-prem mailbox (`msExchRecipientTypeDetails` 1 UserMailbox with
//! `homeMDB` set, the case domain §4 names; likewise 2 LinkedMailbox, 4 SharedMailbox, 16 RoomMailbox and
//! 32 EquipmentMailbox, which live in an on-prem database just the same) **and** the identity's active
//! Exchange Online object is a `UserMailbox`: the person has two live mailboxes.
//!
//! ## Why it matters
//! An on-prem mailbox must be represented in the cloud by a mail user that carries its ExchangeGuid. A
//! cloud mailbox beside it (created when a license met a missing ExchangeGuid or a
//! `PreviousRecipientTypeDetails` of UserMailbox, seed 002) splits mail: cloud senders deliver to the
//! cloud mailbox, on-prem senders to the on-prem one, and the hybrid move of the real mailbox fails
//! because its target already has one.
//!
//! ## Example
//! `doris.diaz@contoso.com`: on-prem UserMailbox in DB01 and a cloud UserMailbox (their GUIDs differ
//! too: GUID001). Quiet: `paul.price@contoso.com`, an on-prem mailbox whose cloud object is a
//! `MailUser` carrying its ExchangeGuid (the expected shape before a move); a RemoteUserMailbox with a
//! cloud UserMailbox (the normal migrated shape); a Get-User `User` row (not a recipient).
//!
//! ## Remediation
//! Keep the on-prem mailbox (the one the hybrid knows). Save what was delivered to the cloud mailbox,
//! then take its Exchange plan away so the cloud object turns back into a mail user carrying the
//! on-prem ExchangeGuid, and clear its previous-mailbox pointer (`Set-User
//! -PermanentlyClearPreviousMailboxInfo`, which purges the detached cloud mailbox) so that the next
//! license does not bring it back. A held cloud mailbox refuses to be detached (HOLD002): settle the hold
//! first.
//!
//! ## Sources
//! - seed 002 (a mailbox on premises and in Exchange Online at the same time; removing the license
//!   reverts the cloud object to a mail user)
//! - <https://techcommunity.microsoft.com/t5/exchange-team-blog/permanently-clear-previous-mailbox-info/ba-p/607619>
//! - <https://learn.microsoft.com/powershell/module/exchange/set-user>

use crate::split_mailbox;
use hybrid_audit_sdk::domain::{self, recipient_type};
use hybrid_audit_sdk::{Check, Context, Field, Findings, Identity, Severity};

pub const CHECK: Check = Check {
    id: "GUID004",
    name: "duplicate-mailbox",
    severity: Severity::Critical,
    escalates_to: None,
    fields: &[Field::AdRecipientTypeDetails, Field::AdHomeMdb, Field::ExoRecipientTypeDetails],
    optional: &[Field::AdMailboxGuid, Field::ExoExchangeGuid, Field::EntraExchangePlans],
    source: include_str!("guid004.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    // Any mailbox in an on-prem database (user, linked, shared, room, equipment: domain §2) is as real as
    // type 1; the §4 entry names type 1, the common case.
    let (Some(kind), Some(home), Some("UserMailbox")) = (i.ad_recipient_type_details, &i.ad_home_mdb, i.exo_recipient_type_details.as_deref()) else { return };
    if !recipient_type::is_onprem_mailbox(kind) {
        return;
    }
    let kind = recipient_type::name(kind).unwrap_or("mailbox");
    let upn = domain::display_name(i);
    // `CN=DB01,CN=Databases,…` → `DB01`.
    let database = home.split(',').next().and_then(|rdn| rdn.strip_prefix("CN=").or_else(|| rdn.strip_prefix("cn="))).unwrap_or(home);
    let guid = |g: Option<hybrid_audit_sdk::Guid>| g.map(|g| format!(" (ExchangeGuid {g})")).unwrap_or_default();
    out.report(
        Severity::Critical,
        format!("{upn} has two mailboxes: on-prem {kind} in {database}{} and Exchange Online UserMailbox{}: mail is split between them", guid(i.ad_mailbox_guid), guid(i.exo_exchange_guid)),
    )
    .evidence(Field::AdRecipientTypeDetails)
    .evidence(Field::AdHomeMdb)
    .evidence(Field::ExoRecipientTypeDetails)
    .remediation(split_mailbox(i));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check, guid};

    const HOME_MDB: &str = "CN=DB01,CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com";

    fn doris() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("doris.diaz@contoso.com".into()),
            ad_recipient_type_details: Some(recipient_type::USER_MAILBOX),
            ad_home_mdb: Some(HOME_MDB.into()),
            ad_mailbox_guid: Some(guid("064e1a94-3199-49a7-9cb3-3ce3412424d6")),
            exo_present: Some(true),
            exo_recipient_type_details: Some("UserMailbox".into()),
            exo_exchange_guid: Some(guid("17d89853-ec3e-4bb3-9bf8-a7d022818fb0")),
            ..Default::default()
        }
    }

    #[test]
    fn fires_critical_on_two_live_mailboxes() {
        let f = check(&CHECK, &doris());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].message.contains("in DB01 (ExchangeGuid 064e1a94-3199-49a7-9cb3-3ce3412424d6)"), "{}", f[0].message);
        let r = &f[0].remediation;
        assert!(r.contains("Set-MgUserLicense -UserId 'doris.diaz@contoso.com'") && r.contains(domain::MAILBOX_PLAN_NAME_PATTERN), "{r}");
        assert!(r.contains("Set-User -Identity 'doris.diaz@contoso.com' -PermanentlyClearPreviousMailboxInfo"));
        assert!(!r.contains("Remove-"), "{r}");
        // DisabledPlans replaces the whole list: the user's disabled plans are read live and kept, the
        // mailbox plan added; exactly one SKU may grant the mailbox.
        assert!(r.contains("$off = @($lic[0].ServicePlans | Where-Object { $_.ProvisioningStatus -eq 'Disabled' -or $_.ServicePlanName -match '^EXCHANGE_[SLB]_") && r.contains("DisabledPlans = $off"), "{r}");
        assert!(r.contains("if ($lic.Count -ne 1) { throw"), "{r}");
        assert!(r.contains("# 2. take its Exchange plan away (destructive"), "{r}");
    }

    #[test]
    fn a_group_assigned_plan_is_taken_away_by_hand() {
        use hybrid_audit_sdk::LicenseState;
        let group = hybrid_audit_sdk::Guid([7; 16]);
        let by_group = Identity {
            entra_license_states: Some(vec![LicenseState { sku: "ENTERPRISEPACK".into(), exchange: true, state: "Active".into(), error: "None".into(), assigned_by_group: Some(group), updated: None }]),
            ..doris()
        };
        let r = &check(&CHECK, &by_group)[0].remediation;
        assert!(!r.contains("Set-MgUserLicense"), "{r}");
        assert!(r.contains(&format!("ENTERPRISEPACK from group {group}")), "{r}");
        assert!(r.contains("Set-User -Identity 'doris.diaz@contoso.com' -PermanentlyClearPreviousMailboxInfo"), "{r}");
    }

    #[test]
    fn fires_on_every_kind_of_onprem_mailbox() {
        // A linked mailbox (its AD account disabled by design) or a shared one in DB01 beside a licensed
        // cloud UserMailbox splits mail the same way (review I, D2: it fell to GUID001 high).
        for (t, kind) in [(2, "LinkedMailbox"), (4, "SharedMailbox"), (16, "RoomMailbox"), (32, "EquipmentMailbox")] {
            let f = check(&CHECK, &Identity { ad_recipient_type_details: Some(t), ..doris() });
            assert_eq!((f.len(), f[0].severity), (1, Severity::Critical), "{t}");
            assert!(f[0].message.contains(&format!("on-prem {kind} in DB01")), "{}", f[0].message);
        }
        // Remote mailboxes and mail users live in the cloud: quiet.
        for t in [128, 2_147_483_648, 34_359_738_368] {
            assert!(check(&CHECK, &Identity { ad_recipient_type_details: Some(t), ..doris() }).is_empty(), "{t}");
        }
    }

    #[test]
    fn quiet_on_mail_user_before_a_move() {
        // paul.price: on-prem mailbox, cloud MailUser carrying its ExchangeGuid.
        let paul = Identity { exo_recipient_type_details: Some("MailUser".into()), exo_exchange_guid: doris().ad_mailbox_guid, ..doris() };
        assert!(check(&CHECK, &paul).is_empty());
    }

    #[test]
    fn quiet_on_remote_mailbox_non_recipient_and_no_database() {
        let migrated = Identity { ad_recipient_type_details: Some(recipient_type::REMOTE_USER_MAILBOX), ad_home_mdb: None, ..doris() };
        assert!(check(&CHECK, &migrated).is_empty());
        let get_user_row = Identity { exo_recipient_type_details: Some("User".into()), ..doris() };
        assert!(check(&CHECK, &get_user_row).is_empty());
        let no_home = Identity { ad_home_mdb: None, ..doris() };
        assert!(check(&CHECK, &no_home).is_empty());
    }
}
