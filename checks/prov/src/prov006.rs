//! # PROV006 awaiting-migration
//!
//! ## What it does
//! Inventory for migration readiness: fires (info) on a synced identity (AD object joined to its Entra
//! user by source anchor, not by a UPN or SMTP fallback) whose mailbox is still on-prem
//! (`msExchRecipientTypeDetails` UserMailbox, LinkedMailbox, SharedMailbox, RoomMailbox or
//! EquipmentMailbox), whose Exchange Online object is a `MailUser` carrying the same non-zero ExchangeGuid
//! as the on-prem `msExchMailboxGuid` (synced), and whose Entra user already holds an enabled
//! mailbox-granting Exchange plan.
//!
//! ## Why it matters
//! That is the expected state before a move: the license plus the synced ExchangeGuid keep Exchange
//! Online from provisioning a second, empty mailbox, and the move request has its target. The list says
//! who is ready to move.
//!
//! ## Example
//! `paul.price@contoso.com`: on-prem UserMailbox, licensed with E3, cloud MailUser with the on-prem
//! ExchangeGuid. `pete.park@contoso.com` too (his `PreviousRecipientTypeDetails` UserMailbox is PRT001).
//! Quiet: `doris.diaz@contoso.com` (cloud object is a UserMailbox: GUID004), `mia.moore@contoso.com`
//! (only EXCHANGE_S_FOUNDATION: not licensed for Exchange, LIC006).
//!
//! ## Remediation
//! Move it when its batch is due, from Exchange Online PowerShell:
//! `New-MoveRequest -Identity '<upn>' -Remote -RemoteHostName '<hybrid endpoint FQDN>' -TargetDeliveryDomain '<tenant>.mail.onmicrosoft.com' -RemoteCredential (Get-Credential)`
//! (or a migration batch in the Exchange admin center).
//!
//! ## Sources
//! - seed 001 (synced ExchangeGuid: "The Exchange Online mailbox will be available after migration is completed")
//! - seed 002 (a license plus a synced ExchangeGuid keeps the cloud object a MailUser)
//! - <https://learn.microsoft.com/powershell/module/exchange/new-moverequest>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Guid, Identity, Severity};

use crate::{quoted, routing_domain};

pub const CHECK: Check = Check {
    id: "PROV006",
    name: "awaiting-migration",
    severity: Severity::Info,
    escalates_to: None,
    fields: &[
        Field::AdPresent,
        Field::AdRecipientTypeDetails,
        Field::AdMailboxGuid,
        Field::AdSourceAnchor,
        Field::EntraPresent,
        Field::EntraImmutableIdAnchor,
        Field::EntraExchangePlans,
        Field::ExoPresent,
        Field::ExoRecipientTypeDetails,
        Field::ExoExchangeGuid,
    ],
    optional: &[],
    source: include_str!("prov006.rs"),
    run,
};

fn run(i: &Identity, ctx: &Context, out: &mut Findings) {
    if !domain::joined_by_anchor(i) || i.exo_present != Some(true) || i.exo_recipient_type_details.as_deref() != Some("MailUser") {
        return;
    }
    let Some(kind) = i.ad_recipient_type_details.filter(|t| domain::recipient_type::is_onprem_mailbox(*t)).and_then(domain::recipient_type::name) else { return };
    let Some(guid) = Guid::non_zero(i.exo_exchange_guid).filter(|g| Guid::non_zero(i.ad_mailbox_guid) == Some(*g)) else { return };
    let plans: Vec<(usize, &hybrid_audit_sdk::ExchangePlan)> = domain::mailbox_plans(i).collect();
    if plans.is_empty() {
        return;
    }
    let names: Vec<&str> = plans.iter().map(|(_, p)| if p.name.is_empty() { "an Exchange mailbox plan" } else { p.name.as_str() }).collect();
    let upn = domain::display_name(i);
    let target = i.exo_user_principal_name.clone().or_else(|| i.exo_primary_smtp_address.clone()).unwrap_or_else(|| upn.clone());
    let f = out
        .report(Severity::Info, format!("on-prem {kind} {upn} awaits migration: licensed ({}), cloud MailUser carries the on-prem ExchangeGuid {guid}", names.join(", ")))
        .evidence(Field::AdRecipientTypeDetails)
        .evidence(Field::AdMailboxGuid)
        .evidence(Field::ExoRecipientTypeDetails)
        .evidence(Field::ExoExchangeGuid)
        .remediation(format!(
            "# when its batch is due (Exchange Online PowerShell; the endpoint is your hybrid MRS proxy)\nNew-MoveRequest -Identity {} -Remote -RemoteHostName '<hybrid endpoint FQDN>' -TargetDeliveryDomain {} -RemoteCredential (Get-Credential)",
            quoted(&target),
            quoted(routing_domain(ctx))
        ));
    for (index, _) in plans {
        f.evidence_at(Field::EntraExchangePlans, index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{foundation, run, synced};

    fn paul() -> Identity {
        Identity {
            ad_recipient_type_details: Some(1),
            ad_mailbox_guid: Some(Guid([6; 16])),
            exo_recipient_type_details: Some("MailUser".into()),
            exo_exchange_guid: Some(Guid([6; 16])),
            ..synced("paul.price")
        }
    }

    #[test]
    fn fires_on_a_licensed_mail_user_with_the_onprem_guid() {
        let f = run(&CHECK, &paul());
        assert_eq!((f.len(), f[0].severity), (1, Severity::Info));
        assert!(f[0].message.contains("on-prem UserMailbox paul.price@contoso.com") && f[0].message.contains("EXCHANGE_S_ENTERPRISE"), "{}", f[0].message);
        assert!(f[0].remediation.contains("New-MoveRequest -Identity 'paul.price@contoso.com' -Remote") && f[0].remediation.contains("'contoso.mail.onmicrosoft.com'"), "{}", f[0].remediation);
    }

    #[test]
    fn quiet_on_lookalikes() {
        // doris: the cloud object is a UserMailbox (GUID004).
        assert!(run(&CHECK, &Identity { exo_recipient_type_details: Some("UserMailbox".into()), ..paul() }).is_empty());
        // mia: foundation only.
        assert!(run(&CHECK, &Identity { entra_exchange_plans: Some(vec![foundation()]), ..paul() }).is_empty());
        // GUIDs differ (GUID001), or the cloud one is zero.
        assert!(run(&CHECK, &Identity { exo_exchange_guid: Some(Guid([7; 16])), ..paul() }).is_empty());
        assert!(run(&CHECK, &Identity { exo_exchange_guid: Some(Guid([0; 16])), ad_mailbox_guid: Some(Guid([0; 16])), ..paul() }).is_empty());
        // Already a remote mailbox: migrated.
        assert!(run(&CHECK, &Identity { ad_recipient_type_details: Some(2_147_483_648), ..paul() }).is_empty());
        assert!(run(&CHECK, &Identity { entra_present: Some(false), ..paul() }).is_empty());
        // AD and Entra joined by UPN only (no immutable id in the export): not known to be synced.
        assert!(run(&CHECK, &Identity { entra_immutable_id_anchor: None, ..paul() }).is_empty());
    }
}
