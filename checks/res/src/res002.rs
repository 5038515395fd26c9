//! # RES002 shared-mailbox-sign-in-enabled
//!
//! ## What it does
//! Fires on a shared, room or equipment mailbox whose user account is enabled in AD (`Enabled`, or
//! `userAccountControl` without ACCOUNTDISABLE) or in Entra ID (`accountEnabled`). The mailbox type is
//! the Exchange Online `RecipientTypeDetails` where the identity has a cloud recipient (it is the current
//! one after a conversion in the cloud), else the on-prem `msExchRecipientTypeDetails` (on-prem or
//! remote shared/room/equipment).
//!
//! ## Why it matters
//! Shared, room and equipment mailboxes are meant to sit behind a disabled account: people reach them
//! through permissions, not by signing in. An enabled account is a mailbox with a password (often set
//! once, never rotated, rarely covered by MFA) that anyone who knows it can use without leaving a trace
//! of who they were, and direct sign-in to a shared mailbox requires a license it usually does not
//! have. (A Teams Rooms resource account is the known exception: it signs in, and is licensed for it.)
//!
//! ## Example
//! `boardroom@contoso.com`: RoomMailbox whose account is enabled in AD (`userAccountControl` 512) and in
//! Entra. Quiet: `legal.hold@contoso.com` and `rachel.ross@contoso.com`, disabled in AD and Entra (rachel
//! is RemoteUserMailbox on-prem but SharedMailbox in the cloud: the cloud type is what counts);
//! `projector@contoso.com`, disabled (66050); an enabled user whose cloud object is a `UserMailbox`; a
//! room mailbox that is enabled *and* licensed with a mailbox plan (a Teams Rooms resource account: the
//! exception above, seed 001's "direct login needs a license" satisfied). A licensed *shared* mailbox
//! that can be signed in to still fires: a mailbox anyone with its password uses without a trace.
//!
//! ## Remediation
//! Disable the account where it is mastered: `Disable-ADAccount` for a synced one (Entra follows at the
//! next sync; also when the AD export does not show the account's state), `Update-MgUser
//! -AccountEnabled:$false` for a cloud-only one; when AD shows it disabled and only Entra lags, a delta
//! sync. Keep it enabled only for a resource account that must sign in (Teams Rooms), licensed.
//!
//! ## Sources
//! - seed 001 (shared, room and equipment mailboxes use a disabled account; direct login needs a license)
//! - <https://learn.microsoft.com/microsoft-365/admin/email/about-shared-mailboxes>

use crate::{ad_account, cloud_recipient, ps};
use hybrid_audit_sdk::domain::{self, recipient_type};
use hybrid_audit_sdk::{Check, Context, Field, Findings, Identity, Severity};

pub const CHECK: Check = Check {
    id: "RES002",
    name: "shared-mailbox-sign-in-enabled",
    severity: Severity::Medium,
    escalates_to: None,
    // The cloud type decides (every EXO export carries it; the on-prem type fills in where no cloud
    // recipient exists); the account state comes from AD or Entra, whichever the exports have.
    fields: &[Field::ExoRecipientTypeDetails],
    optional: &[
        Field::AdRecipientTypeDetails,
        Field::AdPresent,
        Field::AdEnabled,
        Field::EntraAccountEnabled,
        Field::AdSamAccountName,
        Field::AdDistinguishedName,
        Field::EntraExchangePlans,
        Field::EntraPresent,
    ],
    source: include_str!("res002.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let (resource, kind, type_field) = match (cloud_recipient(i.exo_recipient_type_details.as_deref()), i.ad_recipient_type_details) {
        (Some(cloud), _) => (domain::is_cloud_resource(cloud), cloud, Field::ExoRecipientTypeDetails),
        (None, Some(onprem)) => (recipient_type::is_resource(onprem), recipient_type::name(onprem).unwrap_or("resource mailbox"), Field::AdRecipientTypeDetails),
        (None, None) => return,
    };
    let (ad_on, entra_on) = (i.ad_enabled == Some(true), i.entra_account_enabled == Some(true));
    if !resource || !(ad_on || entra_on) {
        return;
    }
    // A room licensed to sign in is a Teams Rooms resource account, as meant.
    if kind.eq_ignore_ascii_case("RoomMailbox") && domain::has_mailbox_plan(i) == Some(true) {
        return;
    }
    let upn = domain::display_name(i);
    let places: Vec<&str> = [(ad_on, "AD"), (entra_on, "Entra")].into_iter().filter_map(|(on, place)| on.then_some(place)).collect();
    // Something may sign in with it on purpose (a Teams Rooms device, a service): the operator confirms
    // first (remediation.ps1 asks before the change).
    let confirm = format!("# 1. confirm nothing signs in with {upn} on purpose (a Teams Rooms device, a service); if something does, license it as a resource account instead and stop here\n# 2. ");
    let remediation = if ad_on {
        format!("{confirm}disable the account; Entra follows at the next sync\nDisable-ADAccount -Identity {}", ps(&ad_account(i)))
    } else if i.ad_present == Some(true) && i.ad_enabled == Some(false) {
        format!("Start-ADSyncSyncCycle -PolicyType Delta  # AD already has {upn} disabled: Entra has not caught up")
    } else if i.ad_present == Some(true) {
        // The AD export does not show the account's state: disable it where a synced account is mastered.
        format!(
            "{confirm}disable the account (the AD export shows neither Enabled nor userAccountControl, so whether AD has it enabled is unknown); Entra follows at the next sync\nDisable-ADAccount -Identity {}",
            ps(&ad_account(i))
        )
    } else {
        format!("{confirm}disable the account\nUpdate-MgUser -UserId {} -AccountEnabled:$false", ps(&upn))
    };
    let finding = out
        .report(Severity::Medium, format!("{kind} {upn} has its account enabled in {}: it can be signed in to directly", places.join(" and ")))
        .evidence(type_field)
        .remediation(remediation);
    if ad_on {
        finding.evidence(Field::AdEnabled);
    }
    if entra_on {
        finding.evidence(Field::EntraAccountEnabled);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    /// boardroom: RemoteRoomMailbox / RoomMailbox, enabled (512) in AD and in Entra.
    fn boardroom() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("boardroom@contoso.com".into()),
            ad_sam_account_name: Some("boardroom".into()),
            ad_recipient_type_details: Some(recipient_type::REMOTE_ROOM_MAILBOX),
            ad_enabled: Some(true),
            entra_present: Some(true),
            entra_account_enabled: Some(true),
            exo_present: Some(true),
            exo_recipient_type_details: Some("RoomMailbox".into()),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_enabled_room_account() {
        let f = check(&CHECK, &boardroom());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].message, "RoomMailbox boardroom@contoso.com has its account enabled in AD and Entra: it can be signed in to directly");
        // Something may sign in with it on purpose: confirmed before the change (remediation.ps1 asks).
        assert!(f[0].remediation.starts_with("# 1. confirm nothing signs in with boardroom@contoso.com") && f[0].remediation.ends_with("\nDisable-ADAccount -Identity 'boardroom'"), "{}", f[0].remediation);
        assert_eq!(f[0].evidence.len(), 3);
    }

    #[test]
    fn a_licensed_room_is_a_teams_rooms_account_a_licensed_shared_mailbox_is_not() {
        let plan = |enabled: bool| hybrid_audit_sdk::ExchangePlan { plan_id: domain::MAILBOX_PLANS[1].0, name: "EXCHANGE_S_ENTERPRISE".into(), enabled, status: "Enabled".into(), assigned: None };
        let licensed = |i: Identity| Identity { entra_exchange_plans: Some(vec![plan(true)]), ..i };
        assert!(check(&CHECK, &licensed(boardroom())).is_empty());
        let shared = Identity { exo_recipient_type_details: Some("SharedMailbox".into()), ..boardroom() };
        assert_eq!(check(&CHECK, &licensed(shared)).len(), 1);
        // Licensed but with the Exchange plan disabled: no Teams Rooms account.
        let disabled = Identity { entra_exchange_plans: Some(vec![plan(false)]), ..boardroom() };
        assert_eq!(check(&CHECK, &disabled).len(), 1);
    }

    #[test]
    fn cloud_only_and_lagging_entra() {
        let cloud_only = Identity {
            ad_present: Some(false),
            ad_user_principal_name: None,
            ad_sam_account_name: None,
            ad_recipient_type_details: None,
            ad_enabled: None,
            entra_user_principal_name: Some("front.desk@contoso.com".into()),
            exo_recipient_type_details: Some("SharedMailbox".into()),
            ..boardroom()
        };
        let f = check(&CHECK, &cloud_only);
        assert!(f[0].remediation.ends_with("# 2. disable the account\nUpdate-MgUser -UserId 'front.desk@contoso.com' -AccountEnabled:$false"), "{}", f[0].remediation);
        let lagging = Identity { ad_enabled: Some(false), ..boardroom() };
        let f = check(&CHECK, &lagging);
        assert!(f[0].message.contains("enabled in Entra:") && f[0].remediation.starts_with("Start-ADSyncSyncCycle"), "{}", f[0].message);
    }

    #[test]
    fn an_unknown_ad_account_state_is_not_read_as_disabled() {
        // The AD export has neither Enabled nor userAccountControl: nothing says AD has it disabled.
        let unknown = Identity { ad_enabled: None, ..boardroom() };
        let f = check(&CHECK, &unknown);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].message, "RoomMailbox boardroom@contoso.com has its account enabled in Entra: it can be signed in to directly");
        assert!(!f[0].remediation.contains("disabled") && f[0].remediation.ends_with("\nDisable-ADAccount -Identity 'boardroom'"), "{}", f[0].remediation);
        assert!(f[0].remediation.contains("unknown"), "{}", f[0].remediation);
    }

    #[test]
    fn on_prem_type_when_no_cloud_recipient() {
        // An on-prem shared mailbox not migrated; the Get-User `User` row is no recipient.
        let onprem = Identity { ad_recipient_type_details: Some(recipient_type::SHARED_MAILBOX), exo_recipient_type_details: Some("User".into()), ..boardroom() };
        let f = check(&CHECK, &onprem);
        assert!(f[0].message.starts_with("SharedMailbox boardroom@contoso.com"), "{}", f[0].message);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::AdRecipientTypeDetails.id()));
    }

    #[test]
    fn quiet_when_disabled_everywhere() {
        // legal.hold (514), projector (66050), rachel.ross: disabled in AD and Entra.
        let disabled = Identity { ad_enabled: Some(false), entra_account_enabled: Some(false), ..boardroom() };
        assert!(check(&CHECK, &disabled).is_empty());
        let rachel = Identity {
            ad_recipient_type_details: Some(recipient_type::REMOTE_USER_MAILBOX),
            exo_recipient_type_details: Some("SharedMailbox".into()),
            ..disabled
        };
        assert!(check(&CHECK, &rachel).is_empty());
    }

    #[test]
    fn quiet_on_user_mailboxes() {
        // The cloud type wins: RemoteSharedMailbox on-prem, UserMailbox in the cloud is a user's (RES001's business).
        let user = Identity { ad_recipient_type_details: Some(recipient_type::REMOTE_SHARED_MAILBOX), exo_recipient_type_details: Some("UserMailbox".into()), ..boardroom() };
        assert!(check(&CHECK, &user).is_empty());
        let nothing = Identity { ad_recipient_type_details: None, exo_recipient_type_details: None, ..boardroom() };
        assert!(check(&CHECK, &nothing).is_empty());
    }
}
