//! # LIC001 license-grace-expiry
//!
//! ## What it does
//! Fires on an active Exchange Online `UserMailbox` (not soft-deleted, not inactive) that is under no
//! preservation hold while its Entra user holds no enabled mailbox-granting Exchange Online plan
//! (EXCHANGE_S_STANDARD, _ENTERPRISE, _DESKLESS or _ESSENTIALS, matched by plan id; EXCHANGE_S_FOUNDATION
//! grants no mailbox, and a plan in `disabledPlans` or with capabilityStatus `Deleted`/`Suspended`/`LockedOut`
//! is no plan). The 30-day grace starts at `WhenMailboxCreated` when the export shows no mailbox plan lapsed (a
//! mailbox created unlicensed), or at the later time the export shows a mailbox plan removed: a plan with
//! capabilityStatus `Deleted`, `Suspended` or `LockedOut` dated after the mailbox was created. A lapsed
//! plan dated before the creation (that date does not show when the mailbox lost it), or undated, or a
//! `WhenMailboxCreated` missing or unreadable (the host withholds dates it could not read), leaves the
//! start unknown: the mailbox was licensed once, and nothing shows when that ended. It reports the
//! deletion date and the days left at the audit date, or says the start is unknown (high). Severity
//! high; critical when 7 days or fewer are left, or the date has passed (a past date on a mailbox that
//! still exists means the grace started later than the export shows).
//!
//! ## Why it matters
//! Exchange Online keeps an unlicensed mailbox for 30 days, then deletes it with all its content. A
//! mailbox on hold is not deleted (it stays a `UserMailbox` and the license removal fails validation):
//! that state is HOLD002, not this.
//!
//! ## Example
//! `luke.lang@contoso.com`: UserMailbox, no Exchange plan, `WhenMailboxCreated` 2026-10-28 → deleted
//! 2026-11-27, 5 days left at 2026-11-22 (critical); his `InPlaceHolds` entry `-mbx…:1` is an exclusion,
//! not a hold. `lucy.lin@contoso.com` holds only POWER_BI_STANDARD (EXCHANGE_S_FOUNDATION): 2026-12-10,
//! 18 days left (high). Quiet: `lena.lowe` and `hugo.hayes` have no plan but are on hold (HOLD002; hugo's
//! EXCHANGE_S_ENTERPRISE is in `disabledPlans`, his hold is `DelayReleaseHoldApplied`), `rachel.ross` is a
//! SharedMailbox. A mailbox created 2021-03-04 whose EXCHANGE_S_ENTERPRISE is `Suspended` with the date
//! 2019-04-13 has an unknown start (high), never a deadline of 2021-04-03.
//!
//! ## Remediation
//! Assign a license with an Exchange Online plan before the date (the user needs a `usageLocation`, LIC004):
//! `Set-MgUserLicense -UserId '<upn>' -AddLicenses @(@{SkuId = '<sku id>'}) -RemoveLicenses @()`; if the
//! mailbox is no longer wanted, convert it to a shared mailbox (`Set-Mailbox '<upn>' -Type Shared`) or
//! let it go on purpose.
//!
//! ## Sources
//! - seed 000 (30 days to license a provisioned or migrated mailbox, then it is deleted)
//! - seed 001 (license removal, holds, "can't disable the mailbox because it is on litigation hold")
//! - <https://learn.microsoft.com/exchange/recipients-in-exchange-online/delete-or-restore-mailboxes>
//! - <https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference>
//! - <https://learn.microsoft.com/powershell/module/microsoft.graph.users.actions/set-mguserlicense>

use hybrid_audit_sdk::{domain, Check, Context, ExchangePlan, Field, Findings, Identity, Severity, Timestamp};

use crate::{assign_license, days_left, describe_plans, graph_user, MAILBOX_SKU};

pub const CHECK: Check = Check {
    id: "LIC001",
    name: "license-grace-expiry",
    severity: Severity::High,
    escalates_to: Some(Severity::Critical),
    // The mailbox is known from its own row: exo.present (which needs every recipient listed) is not.
    fields: &[Field::ExoRecipientTypeDetails, Field::ExoHolds, Field::EntraPresent, Field::EntraExchangePlans],
    optional: &[Field::ExoWhenMailboxCreated, Field::EntraId],
    source: include_str!("lic001.rs"),
    run,
};

/// Days left at which the finding becomes critical.
const CRITICAL_DAYS: i32 = 7;

/// The capabilityStatus of a plan the user no longer has (`Warning` is the grace of a live subscription:
/// the plan still works).
const LAPSED: [&str; 3] = ["Deleted", "Suspended", "LockedOut"];

fn run(i: &Identity, ctx: &Context, out: &mut Findings) {
    if i.exo_recipient_type_details.as_deref() != Some("UserMailbox") {
        return;
    }
    let Some(holds) = &i.exo_holds else { return };
    if !domain::holds(holds).is_empty() || domain::has_mailbox_plan(i) != Some(false) {
        return;
    }
    let created = i.exo_when_mailbox_created;
    // Mailbox plans the user held and lost: the mailbox was licensed once, so its creation is not the start.
    let lapsed: Vec<(usize, &ExchangePlan)> = i
        .entra_exchange_plans
        .iter()
        .flatten()
        .enumerate()
        .filter(|(_, p)| domain::grants_mailbox(p) && !p.enabled && LAPSED.iter().any(|s| p.status.eq_ignore_ascii_case(s)))
        .collect();
    // The latest removal the export shows: a lapsed plan's date counts only when it is after the mailbox
    // was created (before it, it is the date the plan was assigned).
    let removed = lapsed.iter().filter_map(|(index, p)| Some((p.assigned?, *index))).filter(|(at, _)| created.is_some_and(|c| at > &c)).max();
    let start: Option<(Timestamp, &str)> = match (removed, created) {
        (Some((at, _)), _) => Some((at, "a mailbox plan removed")),
        (None, Some(c)) if lapsed.is_empty() => Some((c, "WhenMailboxCreated")),
        _ => None,
    };
    let upn = domain::display_name(i);
    let plans = describe_plans(i);
    let user = graph_user(i);
    let finding = match start {
        Some((at, why)) => {
            let deadline = at.date().add_days(30);
            let left = ctx.as_of.days_until(deadline);
            let severity = if left <= CRITICAL_DAYS { Severity::Critical } else { Severity::High };
            let mut when = days_left(ctx.as_of, deadline);
            if left < 0 {
                when.push_str(" (it still exists: the grace started later than the export shows; license it now)");
            }
            let message = format!("UserMailbox {upn} has no mailbox-granting Exchange plan (plans: {plans}): grace started {} ({why}), deletion due {deadline}, {when}", at.date());
            let f = out.report(severity, message).deadline(deadline);
            f.evidence(Field::ExoWhenMailboxCreated);
            if let Some((_, index)) = removed {
                f.evidence_at(Field::EntraExchangePlans, index);
            }
            f
        }
        None => {
            let why = match (lapsed.first(), created) {
                (None, _) => "WhenMailboxCreated missing or unreadable".to_string(),
                (Some((_, p)), _) => {
                    let name = if p.name.is_empty() { p.plan_id.to_string() } else { p.name.clone() };
                    let when = match (p.assigned, created) {
                        (Some(at), Some(c)) => format!("dated {}, before the mailbox was created ({}): that date does not show when the mailbox lost it", at.date(), c.date()),
                        (Some(at), None) => format!("dated {}, and WhenMailboxCreated missing or unreadable", at.date()),
                        (None, _) => "with no date of its removal".to_string(),
                    };
                    format!("its mailbox plan {name} is {}, {when}", p.status)
                }
            };
            let f = out.report(
                Severity::High,
                format!("UserMailbox {upn} has no mailbox-granting Exchange plan (plans: {plans}): it is deleted 30 days after the grace started, and the exports do not show when it started ({why})"),
            );
            if created.is_some() {
                f.evidence(Field::ExoWhenMailboxCreated);
            }
            for (index, _) in &lapsed {
                f.evidence_at(Field::EntraExchangePlans, *index);
            }
            f
        }
    };
    finding
        .evidence(Field::ExoRecipientTypeDetails)
        .evidence(Field::ExoHolds)
        .evidence(Field::EntraExchangePlans)
        .remediation(format!(
            "# license the mailbox before it is deleted (the SKU you license mailboxes with; EXCHANGESTANDARD = Exchange Online Plan 1)\n{}",
            assign_license(&user, MAILBOX_SKU, true)
        ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, enterprise, foundation, plan, run};
    use hybrid_audit_sdk::Holds;

    fn luke() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("luke.lang@contoso.com".into()),
            entra_present: Some(true),
            entra_user_principal_name: Some("luke.lang@contoso.com".into()),
            entra_exchange_plans: Some(vec![]),
            exo_present: Some(true),
            exo_recipient_type_details: Some("UserMailbox".into()),
            exo_holds: Some(Holds { litigation_hold_enabled: Some(false), in_place_holds: vec!["-mbxc841dd64c6e94177b77990ab7f800887:1".into()], ..Default::default() }),
            exo_retention_hold_enabled: Some(false),
            exo_when_mailbox_created: Some(at(2026, 10, 28, 10)),
            ..Default::default()
        }
    }

    #[test]
    fn critical_at_five_days_left_despite_an_exclusion_entry() {
        let f = run(&CHECK, &luke());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[0].deadline.map(|d| d.to_string()).as_deref(), Some("2026-11-27"));
        assert!(f[0].message.contains("5 days left") && f[0].message.contains("luke.lang@contoso.com"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Set-MgUserLicense -UserId 'luke.lang@contoso.com'"), "{}", f[0].remediation);
        assert!(f[0].remediation.contains("SkuPartNumber -eq '<SKU that licenses mailboxes"), "{}", f[0].remediation);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::ExoWhenMailboxCreated.id()));
    }

    #[test]
    fn high_with_foundation_only_and_eighteen_days_left() {
        let lucy = Identity { entra_exchange_plans: Some(vec![foundation()]), exo_when_mailbox_created: Some(at(2026, 11, 10, 10)), exo_holds: Some(Holds::default()), ..luke() };
        let f = run(&CHECK, &lucy);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].deadline.map(|d| d.to_string()).as_deref(), Some("2026-12-10"));
        assert!(f[0].message.contains("18 days left") && f[0].message.contains("EXCHANGE_S_FOUNDATION (grants no mailbox)"), "{}", f[0].message);
    }

    #[test]
    fn critical_when_past_and_high_when_start_unknown() {
        let past = Identity { exo_when_mailbox_created: Some(at(2026, 9, 1, 10)), ..luke() };
        let f = run(&CHECK, &past);
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].message.contains("days ago"), "{}", f[0].message);
        let unknown = Identity { exo_when_mailbox_created: None, ..luke() };
        let f = run(&CHECK, &unknown);
        assert_eq!((f[0].severity, f[0].deadline), (Severity::High, None));
        assert!(f[0].message.contains("do not show when"), "{}", f[0].message);
    }

    #[test]
    fn a_withheld_creation_date_is_said_missing_or_unreadable() {
        // The column may be there with dates the host could not read (ambiguous day/month order): it then
        // withholds the field, and the message must be true either way.
        let f = run(&CHECK, &Identity { exo_when_mailbox_created: None, ..luke() });
        assert!(f[0].message.ends_with("the exports do not show when it started (WhenMailboxCreated missing or unreadable)"), "{}", f[0].message);
        assert!(!f[0].message.contains("no WhenMailboxCreated"), "{}", f[0].message);
    }

    #[test]
    fn a_plan_lapsed_before_the_mailbox_was_created_leaves_the_start_unknown() {
        // alice: EXCHANGE_S_ENTERPRISE Suspended / Deleted / LockedOut, dated 2019 (its assignment), mailbox
        // created 2021: she was licensed once, and nothing shows when that ended. Never a 2021 deadline.
        for status in ["Suspended", "Deleted", "LockedOut"] {
            let lapsed = hybrid_audit_sdk::ExchangePlan { status: status.into(), assigned: Some(at(2019, 4, 13, 18)), ..plan(enterprise().plan_id, "EXCHANGE_S_ENTERPRISE", false) };
            let alice = Identity { exo_when_mailbox_created: Some(at(2021, 3, 4, 10)), entra_exchange_plans: Some(vec![lapsed.clone()]), ..luke() };
            let f = run(&CHECK, &alice);
            assert_eq!((f.len(), f[0].severity, f[0].deadline), (1, Severity::High, None), "{status}: {}", f[0].message);
            assert!(f[0].message.contains(&format!("its mailbox plan EXCHANGE_S_ENTERPRISE is {status}, dated 2019-04-13, before the mailbox was created (2021-03-04)")), "{}", f[0].message);
            assert!(!f[0].message.contains("grace started 2021"), "{}", f[0].message);
            assert!(f[0].evidence.iter().any(|e| e.field == Field::EntraExchangePlans.id() && e.index == Some(0)));
            // Undated: its removal is not shown either.
            let undated = Identity { entra_exchange_plans: Some(vec![hybrid_audit_sdk::ExchangePlan { assigned: None, ..lapsed.clone() }]), ..alice.clone() };
            let f = run(&CHECK, &undated);
            assert_eq!((f[0].severity, f[0].deadline), (Severity::High, None));
            assert!(f[0].message.contains("with no date of its removal"), "{}", f[0].message);
            // Dated after the creation: that is the removal the export shows, and the grace starts there.
            let after = Identity { entra_exchange_plans: Some(vec![hybrid_audit_sdk::ExchangePlan { assigned: Some(at(2026, 11, 20, 9)), ..lapsed }]), ..alice };
            assert_eq!(run(&CHECK, &after)[0].deadline.map(|d| d.to_string()).as_deref(), Some("2026-12-20"));
        }
        // A plan in its Warning grace still works (the check does not fire); a plan disabled in the license
        // (capabilityStatus Enabled) is no lapse the export dates: the creation stays the start.
        let warning = hybrid_audit_sdk::ExchangePlan { enabled: true, status: "Warning".into(), ..enterprise() };
        assert!(run(&CHECK, &Identity { entra_exchange_plans: Some(vec![warning]), ..luke() }).is_empty());
        let disabled = hybrid_audit_sdk::ExchangePlan { enabled: false, status: "Enabled".into(), assigned: Some(at(2019, 4, 13, 18)), ..enterprise() };
        let f = run(&CHECK, &Identity { entra_exchange_plans: Some(vec![disabled]), ..luke() });
        assert_eq!(f[0].deadline.map(|d| d.to_string()).as_deref(), Some("2026-11-27"));
    }

    #[test]
    fn a_later_plan_removal_starts_the_grace() {
        let removed = hybrid_audit_sdk::ExchangePlan { assigned: Some(at(2026, 11, 20, 9)), ..plan(enterprise().plan_id, "EXCHANGE_S_ENTERPRISE", false) };
        let old = Identity { exo_when_mailbox_created: Some(at(2021, 3, 4, 10)), entra_exchange_plans: Some(vec![removed]), ..luke() };
        let f = run(&CHECK, &old);
        assert_eq!(f[0].deadline.map(|d| d.to_string()).as_deref(), Some("2026-12-20"));
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::EntraExchangePlans.id() && e.index == Some(0)));
    }

    #[test]
    fn quiet_on_hold_licensed_shared_and_non_recipients() {
        // lena: litigation hold → HOLD002, not LIC001.
        let lena = Identity { exo_holds: Some(Holds { litigation_hold_enabled: Some(true), ..Default::default() }), ..luke() };
        assert!(run(&CHECK, &lena).is_empty());
        // hugo: EXCHANGE_S_ENTERPRISE disabled, DelayReleaseHoldApplied is still a hold.
        let hugo = Identity {
            entra_exchange_plans: Some(vec![plan(enterprise().plan_id, "EXCHANGE_S_ENTERPRISE", false)]),
            exo_holds: Some(Holds { delay_release_hold_applied: Some(true), ..Default::default() }),
            ..luke()
        };
        assert!(run(&CHECK, &hugo).is_empty());
        // RetentionHoldEnabled is not a hold: still fires.
        let retention = Identity { exo_retention_hold_enabled: Some(true), exo_holds: Some(Holds::default()), ..luke() };
        assert_eq!(run(&CHECK, &retention).len(), 1);
        let licensed = Identity { entra_exchange_plans: Some(vec![foundation(), enterprise()]), ..luke() };
        assert!(run(&CHECK, &licensed).is_empty());
        let rachel = Identity { exo_recipient_type_details: Some("SharedMailbox".into()), ..luke() };
        assert!(run(&CHECK, &rachel).is_empty());
        let get_user_only = Identity { exo_recipient_type_details: Some("User".into()), exo_holds: None, ..luke() };
        assert!(run(&CHECK, &get_user_only).is_empty());
        let no_entra_user = Identity { entra_present: Some(false), entra_exchange_plans: None, ..luke() };
        assert!(run(&CHECK, &no_entra_user).is_empty());
        let no_active_mailbox = Identity { exo_present: Some(false), exo_recipient_type_details: None, exo_holds: None, ..luke() };
        assert!(run(&CHECK, &no_active_mailbox).is_empty());
    }
}
