//! # LIC006 migration-target-unlicensed
//!
//! ## What it does
//! Fires on a synced identity (AD object joined to its Entra user by source anchor; a pair joined only by
//! UPN or SMTP address may be a cloud-only user beside the AD user, and stays quiet) whose AD object is an
//! on-prem user mailbox (`msExchRecipientTypeDetails`
//! UserMailbox or LinkedMailbox: a migration candidate) while its Entra user holds no enabled
//! mailbox-granting Exchange plan (matched by plan id: EXCHANGE_S_FOUNDATION grants no mailbox; a plan in
//! `disabledPlans` or `Deleted` is no plan). On-prem shared, room and equipment mailboxes need no license
//! to move and are left out.
//!
//! ## Why it matters
//! A mailbox moved to Exchange Online without a license is deleted 30 days later (LIC001). Microsoft's
//! advice is to license before the move starts.
//!
//! ## Example
//! `mia.moore@contoso.com`: on-prem UserMailbox, Entra user with only POWER_BI_STANDARD, whose
//! EXCHANGE_S_FOUNDATION grants no mailbox. Quiet: `paul.price@contoso.com`, same on-prem mailbox but
//! licensed with E3 (EXCHANGE_S_ENTERPRISE).
//!
//! ## Remediation
//! Before the move, assign a license with an Exchange Online plan (`Set-MgUserLicense`, keeping the
//! plans the user has disabled on the SKU disabled). Only when the exports show the cloud object a
//! `MailUser` carrying the on-prem ExchangeGuid with `PreviousRecipientTypeDetails` None is the license
//! the whole remediation, and the script re-reads those values live before it assigns it; otherwise
//! (a cloud ExchangeGuid of its own, a previous UserMailbox, or values the exports do not show) a first
//! step to confirm by hand comes before it: the license would provision a new, empty cloud mailbox
//! (seed 002, GUID001, PRT001).
//!
//! ## Sources
//! - seed 000 ("in migration scenarios even before the move is started")
//! - seed 002 (a license plus a synced ExchangeGuid keeps the object a MailUser; with a previous
//!   UserMailbox it provisions a new mailbox)
//! - <https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference>
//! - <https://learn.microsoft.com/powershell/module/microsoft.graph.users.actions/set-mguserlicense>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Guid, Identity, Severity};

use crate::{assign_license, describe_plans, graph_user, onprem_user_mailbox, MAILBOX_SKU};

pub const CHECK: Check = Check {
    id: "LIC006",
    name: "migration-target-unlicensed",
    severity: Severity::Medium,
    escalates_to: None,
    fields: &[Field::AdPresent, Field::AdRecipientTypeDetails, Field::AdSourceAnchor, Field::EntraPresent, Field::EntraImmutableIdAnchor, Field::EntraExchangePlans],
    optional: &[Field::EntraId, Field::AdMailboxGuid, Field::ExoPresent, Field::ExoRecipientTypeDetails, Field::ExoExchangeGuid, Field::ExoPreviousRecipientTypeDetails],
    source: include_str!("lic006.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let Some(kind) = onprem_user_mailbox(i) else { return };
    if !domain::joined_by_anchor(i) || domain::has_mailbox_plan(i) != Some(false) {
        return;
    }
    let upn = domain::display_name(i);
    let license = assign_license(&graph_user(i), MAILBOX_SKU, true);
    // What keeps the license from provisioning a second, empty cloud mailbox (seed 002): the cloud object is
    // a MailUser carrying the on-prem ExchangeGuid, and no previous UserMailbox is remembered.
    let onprem_guid = Guid::non_zero(i.ad_mailbox_guid);
    let cloud_guid = Guid::non_zero(i.exo_exchange_guid);
    let cloud_type = if i.exo_present == Some(true) { i.exo_recipient_type_details.as_deref() } else { None };
    let mail_user = cloud_type == Some("MailUser");
    let carries = onprem_guid.is_some() && cloud_guid == onprem_guid;
    let previous = i.exo_previous_recipient_type_details.as_deref().map(str::trim);
    let no_previous = matches!(previous, Some("" | "None"));
    let ready = mail_user && carries && no_previous;
    let f = out
        .report(
            Severity::Medium,
            format!("on-prem {kind} {upn} is a migration candidate but its Entra user has no mailbox-granting Exchange plan (plans: {})", describe_plans(i)),
        )
        .evidence(Field::AdRecipientTypeDetails)
        .evidence(Field::EntraExchangePlans);
    if ready {
        // The script re-reads them live before it licenses: a change since the export skips the finding.
        f.evidence(Field::AdMailboxGuid).evidence(Field::ExoRecipientTypeDetails).evidence(Field::ExoExchangeGuid).evidence(Field::ExoPreviousRecipientTypeDetails);
        f.remediation(format!(
            "# license before the move: the cloud MailUser carries the on-prem ExchangeGuid and remembers no previous mailbox, so the license provisions none\n{license}"
        ));
        return;
    }
    let show = |v: Option<&str>| v.filter(|v| !v.is_empty()).map_or_else(|| "not in the exports".to_string(), str::to_string);
    let onprem = onprem_guid.map(|g| g.to_string());
    let cloud = cloud_guid.map(|g| g.to_string());
    // No more evidence than the finding's own: its id stays the one earlier audits gave it.
    f.remediation(format!(
        "# 1. before any license: the cloud object must be a MailUser carrying the on-prem ExchangeGuid {} with no previous UserMailbox (now: {}, ExchangeGuid {}, PreviousRecipientTypeDetails {}); otherwise the license provisions a second, empty cloud mailbox (GUID001/GUID002, PRT001)\n\
         # 2. then license it before the move\n{license}",
        show(onprem.as_deref()),
        show(cloud_type),
        show(cloud.as_deref()),
        show(previous),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enterprise, foundation, plan, run};
    use hybrid_audit_sdk::Guid;

    fn mia() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("mia.moore@contoso.com".into()),
            ad_recipient_type_details: Some(1),
            ad_source_anchor: Some(Guid([0x0a; 16])),
            entra_present: Some(true),
            entra_immutable_id_anchor: Some(Guid([0x0a; 16])),
            entra_user_principal_name: Some("mia.moore@contoso.com".into()),
            entra_exchange_plans: Some(vec![foundation()]),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_an_onprem_mailbox_with_only_the_foundation_plan() {
        let f = run(&CHECK, &mia());
        assert_eq!((f.len(), f[0].severity), (1, Severity::Medium));
        assert!(f[0].message.contains("on-prem UserMailbox mia.moore@contoso.com") && f[0].message.contains("EXCHANGE_S_FOUNDATION"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Set-MgUserLicense -UserId 'mia.moore@contoso.com'"), "{}", f[0].remediation);
        assert!(f[0].remediation.contains("SkuPartNumber -eq '<SKU that licenses mailboxes"), "{}", f[0].remediation);
        let disabled = Identity { entra_exchange_plans: Some(vec![plan(enterprise().plan_id, "EXCHANGE_S_ENTERPRISE", false)]), ..mia() };
        assert_eq!(run(&CHECK, &disabled).len(), 1);
        let linked = Identity { ad_recipient_type_details: Some(2), entra_exchange_plans: Some(vec![]), ..mia() };
        assert_eq!(run(&CHECK, &linked).len(), 1);
    }

    #[test]
    fn licenses_only_once_the_cloud_mail_user_carries_the_guid_and_no_previous_mailbox() {
        // The exports show neither the cloud object nor the GUIDs: checked and confirmed by hand first.
        let r = &run(&CHECK, &mia())[0].remediation;
        assert!(r.starts_with("# 1. before any license") && r.contains("# 2. then license"), "{r}");
        assert!(r.contains("(now: not in the exports, ExchangeGuid not in the exports"), "{r}");
        let guid = Guid([0x0c; 16]);
        let ready = Identity {
            ad_mailbox_guid: Some(guid),
            exo_present: Some(true),
            exo_recipient_type_details: Some("MailUser".into()),
            exo_exchange_guid: Some(guid),
            exo_previous_recipient_type_details: Some("None".into()),
            ..mia()
        };
        let f = run(&CHECK, &ready);
        assert!(!f[0].remediation.contains("# 1."), "{}", f[0].remediation);
        let fields: Vec<u32> = f[0].evidence.iter().map(|e| e.field).collect();
        let want = [Field::AdRecipientTypeDetails, Field::EntraExchangePlans, Field::AdMailboxGuid, Field::ExoRecipientTypeDetails, Field::ExoExchangeGuid, Field::ExoPreviousRecipientTypeDetails];
        assert_eq!(fields, want.map(|w| w.id()));
        // A previous UserMailbox, or a cloud ExchangeGuid of its own: the license would create a mailbox.
        for bad in [
            Identity { exo_previous_recipient_type_details: Some("UserMailbox".into()), ..ready.clone() },
            Identity { exo_exchange_guid: Some(Guid([0x0d; 16])), ..ready.clone() },
            Identity { exo_recipient_type_details: Some("UserMailbox".into()), ..ready.clone() },
        ] {
            let r = &run(&CHECK, &bad)[0].remediation;
            assert!(r.starts_with("# 1. before any license"), "{r}");
        }
    }

    #[test]
    fn quiet_when_licensed_not_a_user_mailbox_or_not_synced() {
        let paul = Identity { entra_exchange_plans: Some(vec![enterprise()]), ..mia() };
        assert!(run(&CHECK, &paul).is_empty());
        for t in [4, 16, 32, 128, 2_147_483_648, 34_359_738_368] {
            assert!(run(&CHECK, &Identity { ad_recipient_type_details: Some(t), ..mia() }).is_empty(), "{t}");
        }
        let unlinked_ad = Identity { entra_present: None, entra_exchange_plans: None, ..mia() };
        assert!(run(&CHECK, &unlinked_ad).is_empty());
        let no_type = Identity { ad_recipient_type_details: None, ..mia() };
        assert!(run(&CHECK, &no_type).is_empty());
    }

    #[test]
    fn quiet_when_ad_and_entra_are_joined_by_upn_only() {
        // No onPremisesImmutableId in the export: the pair was joined by UPN, and the Entra user may be a
        // cloud-only one beside the AD user; licensing it would not license the mailbox that moves.
        let by_upn = Identity { entra_immutable_id_anchor: None, ..mia() };
        assert!(run(&CHECK, &by_upn).is_empty());
        let other = Identity { entra_immutable_id_anchor: Some(Guid([0x0b; 16])), ..mia() };
        assert!(run(&CHECK, &other).is_empty());
    }
}
