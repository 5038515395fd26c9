//! # PROV001 cloud-mailbox-without-remote-object
//!
//! ## What it does
//! Fires on a synced identity that has an Exchange Online mailbox (`RecipientTypeDetails` UserMailbox,
//! SharedMailbox, RoomMailbox or EquipmentMailbox) while its AD object carries no Exchange recipient
//! attributes at all (`msExchRecipientTypeDetails` empty): the user was created in ADUC, synced, then
//! licensed, instead of being created as a remote mailbox. Synced means joined by source anchor: the
//! Entra user's `onPremisesImmutableId` is the AD object's `mS-DS-ConsistencyGuid` (else `objectGUID`).
//! AD and Entra objects paired by a UPN or SMTP fallback are not known to be synced and stay quiet;
//! without the anchor columns the check is not evaluated.
//!
//! ## Why it matters
//! The cloud mailbox's Exchange attributes never sync back, so on-prem Exchange does not know it: the
//! mailbox cannot be managed on-prem (and, the user being synced, not in the cloud either), on-prem
//! senders cannot route to it, and it cannot be moved back.
//!
//! ## Example
//! `nora.nash@contoso.com`: synced, cloud UserMailbox, no `msExch*` attributes on-prem. Quiet:
//! `doris.diaz@contoso.com` has on-prem mailbox attributes (type 1: GUID004, not this), and the cloud-only
//! `carl.cole@contoso.com` is not a synced identity, not even when an Entra export without
//! `onPremisesImmutableId` lets the join pair him with the AD user of his UPN.
//!
//! ## Remediation
//! In the on-prem Exchange Management Shell:
//! `Enable-RemoteMailbox -Identity '<sAMAccountName>' -RemoteRoutingAddress '<alias>@<tenant>.mail.onmicrosoft.com'`
//! (add `-Shared`, `-Room` or `-Equipment` for those types), stamp the cloud mailbox's GUID with
//! `Set-RemoteMailbox -Identity '<sAMAccountName>' -ExchangeGuid '<ExchangeGuid>'`, then sync
//! (`Start-ADSyncSyncCycle -PolicyType Delta`).
//!
//! ## Sources
//! - seed 000 (users created in ADUC then licensed; `Enable-RemoteMailbox`)
//! - <https://learn.microsoft.com/powershell/module/exchange/enable-remotemailbox>
//! - <https://learn.microsoft.com/powershell/module/exchange/set-remotemailbox>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Guid, Identity, Severity};

use crate::{ad_identity, alias, quoted, routing_domain};

pub const CHECK: Check = Check {
    id: "PROV001",
    name: "cloud-mailbox-without-remote-object",
    severity: Severity::Medium,
    escalates_to: None,
    fields: &[
        Field::AdPresent,
        Field::EntraPresent,
        Field::AdSourceAnchor,
        Field::EntraImmutableIdAnchor,
        Field::ExoPresent,
        Field::AdRecipientTypeDetails,
        Field::ExoRecipientTypeDetails,
    ],
    optional: &[Field::AdSamAccountName, Field::AdDistinguishedName, Field::AdMail, Field::AdMailNickname, Field::ExoExchangeGuid],
    source: include_str!("prov001.rs"),
    run,
};

fn run(i: &Identity, ctx: &Context, out: &mut Findings) {
    if !domain::joined_by_anchor(i) || i.exo_present != Some(true) || i.ad_recipient_type_details.is_some() {
        return;
    }
    let Some(kind) = i.exo_recipient_type_details.as_deref().filter(|t| *t == "UserMailbox" || domain::is_cloud_resource(t)) else { return };
    let upn = domain::display_name(i);
    let who = ad_identity(i);
    let alias = alias(i).unwrap_or_else(|| "<alias>".to_string());
    let switch = match kind {
        "SharedMailbox" => " -Shared",
        "RoomMailbox" => " -Room",
        "EquipmentMailbox" => " -Equipment",
        _ => "",
    };
    let guid = match Guid::non_zero(i.exo_exchange_guid) {
        Some(g) => format!("Set-RemoteMailbox -Identity {who} -ExchangeGuid '{g}'"),
        None => format!("Set-RemoteMailbox -Identity {who} -ExchangeGuid '<ExchangeGuid of the cloud mailbox: Get-EXOMailbox {} -Properties ExchangeGuid>'", quoted(&upn)),
    };
    out.report(Severity::Medium, format!("{upn} has a cloud {kind} but its synced AD object has no Exchange recipient attributes (no msExchRecipientTypeDetails): on-prem Exchange cannot manage or route to it"))
        .evidence(Field::AdSourceAnchor)
        .evidence(Field::EntraImmutableIdAnchor)
        .evidence(Field::AdRecipientTypeDetails)
        .evidence(Field::ExoRecipientTypeDetails)
        .remediation(format!(
            "# on-prem Exchange Management Shell\nEnable-RemoteMailbox -Identity {who} -RemoteRoutingAddress {}{switch}\n{guid}\nStart-ADSyncSyncCycle -PolicyType Delta",
            quoted(&format!("{alias}@{}", routing_domain(ctx)))
        ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run, synced};

    fn nora() -> Identity {
        Identity { exo_exchange_guid: Some(Guid([5; 16])), ..synced("nora.nash") }
    }

    #[test]
    fn fires_on_a_synced_cloud_mailbox_without_exchange_attributes() {
        let f = run(&CHECK, &nora());
        assert_eq!((f.len(), f[0].severity), (1, Severity::Medium));
        assert!(f[0].message.contains("nora.nash@contoso.com") && f[0].message.contains("UserMailbox"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Enable-RemoteMailbox -Identity 'nn' -RemoteRoutingAddress 'nora.nash@contoso.mail.onmicrosoft.com'\n"), "{}", f[0].remediation);
        assert!(f[0].remediation.contains("-ExchangeGuid '05050505-0505-"), "{}", f[0].remediation);
        let shared = Identity { exo_recipient_type_details: Some("SharedMailbox".into()), ..nora() };
        assert!(run(&CHECK, &shared)[0].remediation.contains("-Shared"));
    }

    #[test]
    fn quiet_with_exchange_attributes_cloud_only_or_no_mailbox() {
        // doris: on-prem mailbox (type 1) and a cloud UserMailbox is GUID004.
        assert!(run(&CHECK, &Identity { ad_recipient_type_details: Some(1), ..nora() }).is_empty());
        assert!(run(&CHECK, &Identity { ad_recipient_type_details: Some(2_147_483_648), ..nora() }).is_empty());
        // carl.cole (cloud): no AD object joined.
        let cloud_only = Identity { ad_present: Some(false), ad_sam_account_name: None, ad_user_principal_name: None, ..nora() };
        assert!(run(&CHECK, &cloud_only).is_empty());
        for t in ["User", "MailUser", "GuestMailUser", "DiscoveryMailbox"] {
            assert!(run(&CHECK, &Identity { exo_recipient_type_details: Some(t.into()), ..nora() }).is_empty(), "{t}");
        }
        assert!(run(&CHECK, &Identity { exo_present: Some(false), ..nora() }).is_empty());
    }

    #[test]
    fn quiet_when_ad_and_entra_are_joined_by_upn_only() {
        // An Entra export without onPremisesImmutableId: the join pairs AD and Entra by UPN, which says
        // nothing about sync (carl.cole's cloud-only user shares the UPN of an unlinked AD user).
        let by_upn = Identity { entra_immutable_id_anchor: None, ..nora() };
        assert!(run(&CHECK, &by_upn).is_empty());
        let other_anchor = Identity { entra_immutable_id_anchor: Some(crate::testing::anchor("someone.else")), ..nora() };
        assert!(run(&CHECK, &other_anchor).is_empty());
        // The anchor join is the evidence the finding cites.
        let f = run(&CHECK, &nora());
        assert!(f[0].evidence.iter().any(|e| e.field == Field::EntraImmutableIdAnchor.id()) && f[0].evidence.iter().any(|e| e.field == Field::AdSourceAnchor.id()));
    }
}
