//! # PROV005 exchange-object-missing
//!
//! ## What it does
//! Fires on an Entra user that holds an enabled mailbox-granting Exchange Online plan (by plan id:
//! EXCHANGE_S_FOUNDATION grants no mailbox) while Exchange Online has no recipient for it: no active EXO
//! object at all, or only a `Get-User` row whose `RecipientTypeDetails` is `User` (not a recipient).
//! Severity info while the earliest such plan is younger than the 24-hour provisioning SLA at the start of
//! the audit day; high once the SLA has passed. Where the export does not say when the plan was
//! assigned (no `assignedPlans` dates), an `Active` license state of a SKU that grants a mailbox bounds
//! it: active since its `lastUpdatedDateTime` at the latest, so high once that is more than 24 hours
//! before the audit day; otherwise it stays info and says so.
//!
//! ## Why it matters
//! The user is licensed but has no mailbox (nor, for an on-prem mailbox, the mail user that represents
//! it): mail to it fails and a migration has no target. Past 24 hours it is no longer provisioning
//! latency but a blocked object (missing usageLocation, UPN or mailNickname, a sync or validation error).
//!
//! ## Example
//! `victor.vance@contoso.com`: E3 plans assigned 2026-11-19T08:00Z, no EXO recipient: high at 2026-11-22.
//! `vera.vogel@contoso.com`: assigned 2026-11-22T03:00Z, within the SLA: info. Quiet: `mia.moore` and
//! `lucy.lin` hold only EXCHANGE_S_FOUNDATION, which is no Exchange mailbox plan.
//!
//! ## Remediation
//! Check what blocks provisioning: `Get-MgUser -UserId '<upn>' -Property usageLocation,onPremisesProvisioningErrors,assignedPlans`
//! (and the AD object's `userPrincipalName` and `mailNickname`), fix it, then ask Microsoft support for a
//! forward sync of the Entra object id.
//!
//! ## Sources
//! - seed 001 (the standard provisioning SLA is 24 h)
//! - seed 003 (mailbox not provisioned: usageLocation, Get-User, forward sync by ObjectId)
//! - <https://support.microsoft.com/help/4051375/mailbox-is-not-provisioned-in-azure-ad-connect-for-office-365>
//! - <https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Identity, Severity, Timestamp};

use crate::quoted;

pub const CHECK: Check = Check {
    id: "PROV005",
    name: "exchange-object-missing",
    severity: Severity::Info,
    escalates_to: Some(Severity::High),
    fields: &[Field::EntraPresent, Field::EntraExchangePlans, Field::ExoPresent],
    optional: &[Field::ExoRecipientTypeDetails, Field::EntraId, Field::EntraLicenseStates],
    source: include_str!("prov005.rs"),
    run,
};

/// The provisioning SLA.
const SLA_SECONDS: i64 = 24 * 3600;

fn run(i: &Identity, ctx: &Context, out: &mut Findings) {
    if i.entra_present != Some(true) {
        return;
    }
    let no_recipient = match i.exo_present {
        Some(false) => "Exchange Online has no object for it",
        Some(true) if i.exo_recipient_type_details.as_deref() == Some("User") => "Exchange Online has only a Get-User object (RecipientTypeDetails User), no recipient",
        _ => return,
    };
    let plans: Vec<(usize, &hybrid_audit_sdk::ExchangePlan)> = domain::mailbox_plans(i).collect();
    let Some((first, _)) = plans.first() else { return };
    // The earliest assignment started provisioning.
    let since = plans.iter().filter_map(|(index, p)| Some((p.assigned?, *index))).min();
    let names: Vec<&str> = plans.iter().map(|(_, p)| if p.name.is_empty() { "an Exchange mailbox plan" } else { p.name.as_str() }).collect();
    let upn = domain::display_name(i);
    let day_start = Timestamp(ctx.as_of.0 as i64 * 86_400);
    let sla_end = |at: Timestamp| Timestamp(at.0 + SLA_SECONDS);
    // Without the plans' dates, an Active license state of a SKU that grants a mailbox bounds them: it has
    // been active since its lastUpdatedDateTime at the latest.
    let bound = if since.is_none() {
        i.entra_license_states.iter().flatten().enumerate().filter(|(_, s)| s.exchange && s.state == "Active").filter_map(|(index, s)| Some((s.updated?, index))).min()
    } else {
        None
    };
    let (severity, age, evidence_index) = match (since, bound) {
        (Some((at, index)), _) => {
            let end = sla_end(at);
            if end <= day_start {
                (Severity::High, format!("since {at}: past the 24 h provisioning SLA (ended {end})"), index)
            } else {
                (Severity::Info, format!("since {at}: within the 24 h provisioning SLA (ends {end})"), index)
            }
        }
        (None, Some((at, _))) if sla_end(at) <= day_start => (
            Severity::High,
            format!("since {at} at the latest (its license state has been Active since then): past the 24 h provisioning SLA (ended {} at the latest)", sla_end(at)),
            *first,
        ),
        (None, Some((at, _))) => (Severity::Info, format!("(since when the export does not say; its license state changed {at}, so the 24 h provisioning SLA may not have passed yet)"), *first),
        (None, None) => (Severity::Info, "(the export does not say since when, so the 24 h provisioning SLA cannot be judged)".to_string(), *first),
    };
    let user = quoted(i.entra_user_principal_name.as_deref().unwrap_or(&upn));
    let object_id = i.entra_id.map(|g| g.to_string()).unwrap_or_else(|| "<Entra object id>".to_string());
    let f = out
        .report(severity, format!("{upn} holds {} {age}, but {no_recipient}", names.join(", ")))
        .evidence_at(Field::EntraExchangePlans, evidence_index)
        .evidence(Field::ExoPresent)
        .remediation(format!(
            "# check what blocks provisioning (usageLocation, sync errors; on-prem userPrincipalName and mailNickname), fix it\nGet-MgUser -UserId {user} -Property usageLocation,onPremisesProvisioningErrors,assignedPlans | Format-List usageLocation,onPremisesProvisioningErrors,assignedPlans\n# still missing after that: ask Microsoft support for a forward sync of Entra object id {object_id}"
        ));
    if let Some((at, _)) = since {
        f.deadline(sla_end(at).date());
    }
    if let Some((at, index)) = bound {
        f.evidence_at(Field::EntraLicenseStates, index);
        if severity == Severity::High {
            f.deadline(sla_end(at).date());
        }
    }
    if i.exo_present == Some(true) {
        f.evidence(Field::ExoRecipientTypeDetails);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, enterprise, foundation, run, synced};

    fn victor() -> Identity {
        Identity {
            entra_exchange_plans: Some(vec![enterprise(Some(at(2026, 11, 19, 8)))]),
            entra_id: Some(hybrid_audit_sdk::Guid([4; 16])),
            exo_present: Some(false),
            exo_user_principal_name: None,
            exo_recipient_type_details: None,
            ..synced("victor.vance")
        }
    }

    #[test]
    fn high_past_the_sla() {
        let f = run(&CHECK, &victor());
        assert_eq!((f.len(), f[0].severity), (1, Severity::High));
        assert!(f[0].message.contains("since 2026-11-19T08:00:00Z") && f[0].message.contains("past"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Get-MgUser -UserId 'victor.vance@contoso.com'") && f[0].remediation.contains("04040404-"), "{}", f[0].remediation);
        assert_eq!(f[0].deadline.map(|d| d.to_string()).as_deref(), Some("2026-11-20"));
    }

    #[test]
    fn info_within_the_sla_or_when_the_time_is_unknown() {
        let vera = Identity { entra_exchange_plans: Some(vec![enterprise(Some(at(2026, 11, 22, 3)))]), ..victor() };
        let f = run(&CHECK, &vera);
        assert_eq!((f.len(), f[0].severity), (1, Severity::Info));
        assert!(f[0].message.contains("within"), "{}", f[0].message);
        // The SLA ends exactly at the start of the audit day: past.
        let edge = Identity { entra_exchange_plans: Some(vec![enterprise(Some(at(2026, 11, 21, 0)))]), ..victor() };
        assert_eq!(run(&CHECK, &edge)[0].severity, Severity::High);
        let unknown = Identity { entra_exchange_plans: Some(vec![enterprise(None)]), ..victor() };
        let f = run(&CHECK, &unknown);
        assert_eq!((f[0].severity, f[0].deadline), (Severity::Info, None));
        assert!(f[0].message.contains("cannot be judged"), "{}", f[0].message);
    }

    #[test]
    fn an_active_license_state_bounds_an_undated_plan() {
        // Review I, c08b: a Graph export without assignedPlans, licenseAssignmentStates Active since
        // 2026-11-19T08:00Z: held since then at the latest, past the SLA at 2026-11-22.
        let state = |state: &str, exchange: bool, updated| hybrid_audit_sdk::LicenseState { sku: "ENTERPRISEPACK".into(), exchange, state: state.into(), updated, ..Default::default() };
        let undated = |states| Identity { entra_exchange_plans: Some(vec![enterprise(None)]), entra_license_states: Some(states), ..victor() };
        let f = run(&CHECK, &undated(vec![state("Active", true, Some(at(2026, 11, 19, 8)))]));
        assert_eq!(f[0].severity, Severity::High, "{}", f[0].message);
        assert!(f[0].message.contains("since 2026-11-19T08:00:00Z at the latest"), "{}", f[0].message);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::EntraLicenseStates.id() && e.index == Some(0)));
        assert_eq!(f[0].deadline.map(|d| d.to_string()).as_deref(), Some("2026-11-20"));
        // Changed within the day before: it may still be provisioning.
        let f = run(&CHECK, &undated(vec![state("Active", true, Some(at(2026, 11, 21, 12)))]));
        assert_eq!((f[0].severity, f[0].deadline), (Severity::Info, None), "{}", f[0].message);
        // A state in error, or of a SKU without a mailbox plan, or undated, bounds nothing.
        for s in [state("Error", true, Some(at(2026, 1, 1, 0))), state("Active", false, Some(at(2026, 1, 1, 0))), state("Active", true, None)] {
            let f = run(&CHECK, &undated(vec![s]));
            assert!(f[0].severity == Severity::Info && f[0].message.contains("cannot be judged"), "{}", f[0].message);
        }
    }

    #[test]
    fn a_get_user_row_is_no_recipient() {
        let user_only = Identity { exo_present: Some(true), exo_recipient_type_details: Some("User".into()), ..victor() };
        let f = run(&CHECK, &user_only);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("Get-User"), "{}", f[0].message);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::ExoRecipientTypeDetails.id()));
    }

    #[test]
    fn quiet_with_a_recipient_or_no_mailbox_plan() {
        // mia, lucy: EXCHANGE_S_FOUNDATION only.
        let mia = Identity { entra_exchange_plans: Some(vec![foundation()]), ..victor() };
        assert!(run(&CHECK, &mia).is_empty());
        let disabled = Identity { entra_exchange_plans: Some(vec![hybrid_audit_sdk::ExchangePlan { enabled: false, ..enterprise(Some(at(2026, 1, 1, 0))) }]), ..victor() };
        assert!(run(&CHECK, &disabled).is_empty());
        for t in ["UserMailbox", "MailUser", "SharedMailbox"] {
            assert!(run(&CHECK, &Identity { exo_present: Some(true), exo_recipient_type_details: Some(t.into()), ..victor() }).is_empty(), "{t}");
        }
        assert!(run(&CHECK, &Identity { exo_present: None, ..victor() }).is_empty());
        assert!(run(&CHECK, &Identity { entra_present: Some(false), ..victor() }).is_empty());
    }
}
