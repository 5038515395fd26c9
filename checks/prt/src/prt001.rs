//! # PRT001 previous-recipient-type-duplicate-risk
//!
//! ## What it does
//! Fires on a cloud `MailUser` that carries a non-zero ExchangeGuid (the trace of a mailbox on-prem)
//! while Get-User shows `PreviousRecipientTypeDetails` `UserMailbox`. It is **critical** when the Entra
//! user already holds an enabled mailbox-granting Exchange plan, **high** otherwise (when the exports do not
//! show its plans, the message says its licensing is unknown rather than implying it is unlicensed).
//!
//! ## Why it matters
//! When a license is assigned, Exchange Online first looks at `PreviousRecipientTypeDetails`: if it
//! says UserMailbox, provisioning ignores the synchronised ExchangeGuid and reconnects the previous cloud
//! mailbox or creates a new, blank one (seed 002, seed 001). The user then has a mailbox on-prem and one
//! in the cloud at the same time (GUID004), with mail split between them. Licensed already, the next
//! license or provisioning event is enough.
//!
//! ## Example
//! `pete.park@contoso.com`: MailUser with the on-prem ExchangeGuid, `PreviousRecipientTypeDetails`
//! UserMailbox, licensed E3 → critical (his soft-deleted blank cloud mailbox is still there). Quiet:
//! `paul.price@contoso.com`, the same shape but `PreviousRecipientTypeDetails` `None`; a `GuestMailUser`
//! (zero ExchangeGuid: no on-prem mailbox); a Get-User `User` row (no recipient).
//!
//! ## Remediation
//! Before (re)licensing, clear the cloud's record of the previous mailbox with `Set-User
//! -PermanentlyClearPreviousMailboxInfo`. That also purges a soft-deleted previous cloud mailbox, so
//! check first that nothing in it has to be kept.
//!
//! ## Sources
//! - seed 002 (previous recipient type + license → a new blank cloud mailbox despite the ExchangeGuid)
//! - seed 001 (the reconnection checks at license assignment)
//! - <https://techcommunity.microsoft.com/t5/exchange-team-blog/permanently-clear-previous-mailbox-info/ba-p/607619>
//! - <https://learn.microsoft.com/powershell/module/exchange/set-user>

use crate::{previous_type, ps};
use hybrid_audit_sdk::domain;
use hybrid_audit_sdk::{Check, Context, Field, Findings, Guid, Identity, Severity};

pub const CHECK: Check = Check {
    id: "PRT001",
    name: "previous-recipient-type-duplicate-risk",
    severity: Severity::High,
    escalates_to: Some(Severity::Critical),
    fields: &[Field::ExoRecipientTypeDetails, Field::ExoExchangeGuid, Field::ExoPreviousRecipientTypeDetails],
    optional: &[Field::EntraPresent, Field::EntraExchangePlans, Field::PreviousMailboxes],
    source: include_str!("prt001.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let (Some("MailUser"), Some(guid), Some(previous)) = (i.exo_recipient_type_details.as_deref(), Guid::non_zero(i.exo_exchange_guid), previous_type(i)) else { return };
    if !previous.eq_ignore_ascii_case("UserMailbox") {
        return;
    }
    let upn = domain::display_name(i);
    let plan = domain::has_mailbox_plan(i);
    let licensed = plan == Some(true);
    // Without plan data (no Entra user, or its plans not exported) nothing says it is unlicensed.
    let (severity, risk) = match plan {
        Some(true) => (Severity::Critical, "it is licensed, so Exchange Online can provision a second, blank cloud mailbox at any time"),
        Some(false) => (Severity::High, "licensing it creates a second, blank cloud mailbox"),
        None => (Severity::High, "whether it is licensed is unknown (the exports do not show its Exchange plans); a license, or one it already holds, makes Exchange Online provision a second, blank cloud mailbox"),
    };
    let mut steps = Vec::new();
    for m in i.previous_mailboxes.iter().flatten() {
        let id = m.exchange_guid.map_or_else(|| ps(&upn), |g| format!("'{g}'"));
        steps.push(format!("Get-MailboxStatistics -Identity {id} -IncludeSoftDeletedRecipients | Format-List DisplayName,ItemCount,TotalItemSize  # {} previous mailbox: purged by the next line", m.state));
    }
    let when = match plan {
        Some(true) => "now, before any license change",
        Some(false) => "before licensing",
        None => "now, before any license change (whether it is licensed is unknown)",
    };
    if i.previous_mailboxes.as_ref().is_some_and(|m| !m.is_empty()) {
        // The purge makes a restore of that mailbox (LIC002's remedy) impossible: a step the operator
        // confirms first (remediation.ps1 gates the purge on it).
        steps.push("# 1. save what the previous mailbox holds, if it must be kept, before the purge: restore it (New-MailboxRestoreRequest, see LIC002, and wait until Get-MailboxRestoreRequest shows it Completed) or export it".to_string());
        steps.push("# 2. then clear the previous mailbox's record".to_string());
    }
    steps.push(format!("Set-User -Identity {} -PermanentlyClearPreviousMailboxInfo  # {when}", ps(&upn)));
    let finding = out
        .report(severity, format!("MailUser {upn} carries on-prem ExchangeGuid {guid} but PreviousRecipientTypeDetails is {previous}: {risk}"))
        .evidence(Field::ExoRecipientTypeDetails)
        .evidence(Field::ExoExchangeGuid)
        .evidence(Field::ExoPreviousRecipientTypeDetails)
        .remediation(steps.join("\n"));
    if licensed {
        finding.evidence(Field::EntraExchangePlans);
    }
    for index in 0..i.previous_mailboxes.as_ref().map_or(0, Vec::len) {
        finding.evidence_at(Field::PreviousMailboxes, index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;
    use hybrid_audit_sdk::{ExchangePlan, PreviousMailbox};

    fn e3() -> ExchangePlan {
        ExchangePlan { plan_id: domain::MAILBOX_PLANS[1].0, name: "EXCHANGE_S_ENTERPRISE".into(), enabled: true, status: "Enabled".into(), assigned: None }
    }

    /// pete.park: on-prem mailbox, cloud MailUser, PreviousRecipientTypeDetails UserMailbox, E3, a soft-deleted blank cloud mailbox.
    fn pete() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("pete.park@contoso.com".into()),
            entra_present: Some(true),
            entra_exchange_plans: Some(vec![e3()]),
            exo_present: Some(true),
            exo_recipient_type_details: Some("MailUser".into()),
            exo_exchange_guid: Some(Guid([0x06; 16])),
            exo_previous_recipient_type_details: Some("UserMailbox".into()),
            previous_mailboxes: Some(vec![PreviousMailbox { state: "soft-deleted".into(), exchange_guid: Some(Guid([0x17; 16])), ..Default::default() }]),
            ..Default::default()
        }
    }

    #[test]
    fn critical_when_already_licensed() {
        let f = check(&CHECK, &pete());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].message.contains("pete.park@contoso.com") && f[0].message.contains("06060606-0606-0606-0606-060606060606"), "{}", f[0].message);
        let r: Vec<&str> = f[0].remediation.lines().collect();
        assert!(r[0].starts_with("Get-MailboxStatistics -Identity '17171717-1717-1717-1717-171717171717' -IncludeSoftDeletedRecipients"), "{}", r[0]);
        assert!(r[1].starts_with("# 1. save what the previous mailbox holds") && r[2].starts_with("# 2."), "{r:?}");
        assert!(r[3].starts_with("Set-User -Identity 'pete.park@contoso.com' -PermanentlyClearPreviousMailboxInfo"));
        assert!(f[0].evidence.iter().any(|e| e.field == Field::PreviousMailboxes.id() && e.index == Some(0)));
    }

    #[test]
    fn high_when_not_licensed_foundation_included() {
        let unlicensed = Identity { entra_exchange_plans: Some(vec![]), previous_mailboxes: Some(vec![]), ..pete() };
        let f = check(&CHECK, &unlicensed);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].remediation, "Set-User -Identity 'pete.park@contoso.com' -PermanentlyClearPreviousMailboxInfo  # before licensing");
        let foundation = Identity {
            entra_exchange_plans: Some(vec![ExchangePlan { plan_id: domain::EXCHANGE_FOUNDATION, name: "EXCHANGE_S_FOUNDATION".into(), enabled: true, ..Default::default() }]),
            ..pete()
        };
        assert_eq!(check(&CHECK, &foundation)[0].severity, Severity::High);
    }

    #[test]
    fn unknown_licensing_is_said_not_implied_unlicensed() {
        // No Entra user joined, or its plans not exported: has_mailbox_plan is unknown.
        for unknown in [Identity { entra_exchange_plans: None, ..pete() }, Identity { entra_present: Some(false), entra_exchange_plans: None, ..pete() }] {
            let f = check(&CHECK, &unknown);
            assert_eq!((f.len(), f[0].severity), (1, Severity::High));
            assert!(f[0].message.contains("whether it is licensed is unknown") && !f[0].message.contains("licensing it creates"), "{}", f[0].message);
            assert!(f[0].remediation.contains("-PermanentlyClearPreviousMailboxInfo  # now, before any license change"), "{}", f[0].remediation);
        }
    }

    #[test]
    fn quiet_when_previous_type_is_none() {
        // paul.price: same shape, PreviousRecipientTypeDetails `None`.
        let paul = Identity { exo_previous_recipient_type_details: Some("None".into()), previous_mailboxes: Some(vec![]), ..pete() };
        assert!(check(&CHECK, &paul).is_empty());
        let empty = Identity { exo_previous_recipient_type_details: None, ..pete() };
        assert!(check(&CHECK, &empty).is_empty());
    }

    #[test]
    fn quiet_without_an_on_prem_guid_or_on_other_recipients() {
        let guest = Identity { exo_recipient_type_details: Some("GuestMailUser".into()), exo_exchange_guid: Some(Guid([0; 16])), ..pete() };
        assert!(check(&CHECK, &guest).is_empty());
        let zero = Identity { exo_exchange_guid: Some(Guid([0; 16])), ..pete() };
        assert!(check(&CHECK, &zero).is_empty());
        // sam/pam: Get-User `User` rows with PreviousRecipientTypeDetails UserMailbox are PRT002's business.
        let get_user_row = Identity { exo_recipient_type_details: Some("User".into()), ..pete() };
        assert!(check(&CHECK, &get_user_row).is_empty());
        let mailbox = Identity { exo_recipient_type_details: Some("UserMailbox".into()), ..pete() };
        assert!(check(&CHECK, &mailbox).is_empty());
    }
}
