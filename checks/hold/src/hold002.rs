//! # HOLD002 hold-license-removed
//!
//! ## What it does
//! Fires on an active Exchange Online `UserMailbox` that is under a preservation hold (litigation
//! hold, an `InPlaceHolds` entry that is not an exclusion, a retention label, a delay or delay-release
//! hold) while its Entra user holds no enabled mailbox-granting Exchange Online plan (Plan 1, Plan 2,
//! Kiosk, Essentials; matched by plan id).
//!
//! ## Why it matters
//! Removing the license is how a mailbox is deprovisioned, but Exchange Online refuses to disable a
//! held mailbox ("Exchange can't disable the mailbox … because it is on litigation hold"). The user
//! object is left in error, MSODS and EXODS stop synchronising it, and the mailbox stays a
//! `UserMailbox` with no license: neither kept properly nor removed.
//!
//! ## Example
//! `lena.lowe@contoso.com`: UserMailbox with `LitigationHoldEnabled` True and no license;
//! `hugo.hayes@contoso.com`: `DelayReleaseHoldApplied` True (still a hold) and E3 with
//! EXCHANGE_S_ENTERPRISE in `disabledPlans`. Quiet: `luke.lang@contoso.com`, whose only `InPlaceHolds`
//! entry is `-mbx…:1` (an exclusion from an org-wide policy, not a hold: his case is LIC001);
//! `legal.hold@contoso.com`, a SharedMailbox on hold (needs no license unless LIC003 says so); a user
//! with only EXCHANGE_S_FOUNDATION is unlicensed for a mailbox and fires, RetentionHoldEnabled alone
//! does not.
//!
//! ## Remediation
//! Give the mailbox its Exchange plan back (re-assign the SKU, or re-enable the plan the license
//! disables), so the held mailbox is licensed again. The SKU is one the user holds that carries a
//! mailbox-granting Exchange plan, as `licenseAssignmentStates` and a `subscribedSkus` export show it
//! (POWER_BI_STANDARD, with only EXCHANGE_S_FOUNDATION, is none); when the exports cannot tell, a
//! `<SKU …>` placeholder that the remediation script prints instead of running. If the person has
//! left, deprovision on purpose instead: delete the user so the held mailbox becomes an inactive mailbox
//! (HOLD003), or release the holds first with the records owner. `DisabledPlans` replaces the
//! assignment's whole list: the command keeps the plans the user has disabled on that SKU disabled and
//! turns only the mailbox-granting plans back on (an empty list would switch on Teams, SharePoint and
//! whatever else the admin had switched off).
//!
//! ## Sources
//! - seed 001 (deactivation with an active hold: the validation error and the stuck object)
//! - <https://learn.microsoft.com/purview/identify-a-hold-on-an-exchange-online-mailbox>
//! - <https://learn.microsoft.com/purview/inactive-mailboxes-in-office-365>
//! - <https://learn.microsoft.com/powershell/module/microsoft.graph.users.actions/set-mguserlicense>
//! - <https://learn.microsoft.com/microsoft-365/enterprise/disable-access-to-services-with-microsoft-365-powershell>

use crate::ps;
use hybrid_audit_sdk::domain;
use hybrid_audit_sdk::{Check, Context, Field, Findings, Identity, Severity};

pub const CHECK: Check = Check {
    id: "HOLD002",
    name: "hold-license-removed",
    severity: Severity::High,
    escalates_to: None,
    fields: &[Field::ExoRecipientTypeDetails, Field::ExoHolds, Field::EntraPresent, Field::EntraExchangePlans],
    optional: &[Field::EntraLicenses, Field::EntraLicenseStates],
    source: include_str!("hold002.rs"),
    run,
};

/// When the exports show no SKU of the user's that carries a mailbox plan, which one to buy and assign is the
/// tenant's choice: a placeholder (Exchange Online Plan 2 keeps litigation hold), so the script prints the
/// step, never runs it.
const DEFAULT_SKU: &str = "<SKU that licenses mailboxes in this tenant, e.g. EXCHANGEENTERPRISE>";

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let (Some("UserMailbox"), Some(holds)) = (i.exo_recipient_type_details.as_deref(), &i.exo_holds) else { return };
    let held = domain::holds(holds);
    if held.is_empty() || domain::has_mailbox_plan(i) != Some(false) {
        return;
    }
    let upn = domain::display_name(i);
    // A SKU of the user's that carries a mailbox-granting plan, where the exports tell (the first license
    // may grant no mailbox: POWER_BI_STANDARD carries only EXCHANGE_S_FOUNDATION); else the placeholder.
    let mailbox_sku = i.entra_license_states.iter().flatten().enumerate().find(|(_, s)| s.exchange && !s.sku.is_empty());
    let sku = mailbox_sku.map_or(DEFAULT_SKU, |(_, s)| s.sku.as_str());
    let finding = out
        .report(Severity::High, format!("UserMailbox {upn} is on hold ({}) but its Entra user has no mailbox-granting Exchange plan: the license removal cannot complete", held.join(", ")))
        .evidence(Field::ExoRecipientTypeDetails)
        .evidence(Field::ExoHolds)
        .evidence(Field::EntraExchangePlans)
        .remediation(format!(
            "# keep the held mailbox licensed, its Exchange plan enabled and the user's other disabled plans as they are (or, if the person has left, delete the user on purpose so it becomes inactive: HOLD003)\n{}",
            domain::assign_sku(&upn, &format!("(Get-MgSubscribedSku -All | Where-Object {{ $_.SkuPartNumber -eq {sku} -or $_.SkuId -eq {sku} }}).SkuId", sku = ps(sku)), true)
        ));
    if i.entra_licenses.is_some() {
        finding.evidence(Field::EntraLicenses);
    }
    if let Some((index, _)) = mailbox_sku {
        finding.evidence_at(Field::EntraLicenseStates, index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;
    use hybrid_audit_sdk::{ExchangePlan, Holds, LicenseState};

    fn plan(id: &str, enabled: bool) -> ExchangePlan {
        let plan_id = domain::MAILBOX_PLANS.iter().find(|(_, n)| *n == id).map_or(domain::EXCHANGE_FOUNDATION, |(g, _)| *g);
        ExchangePlan { plan_id, name: id.into(), enabled, status: if enabled { "Enabled" } else { "Deleted" }.into(), assigned: None }
    }

    /// lena.lowe: litigation hold, no license at all.
    fn lena() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("lena.lowe@contoso.com".into()),
            entra_present: Some(true),
            entra_exchange_plans: Some(vec![]),
            entra_licenses: Some(vec![]),
            exo_present: Some(true),
            exo_recipient_type_details: Some("UserMailbox".into()),
            exo_holds: Some(Holds { litigation_hold_enabled: Some(true), ..Default::default() }),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_held_user_mailbox_without_plan() {
        let f = check(&CHECK, &lena());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].message.contains("lena.lowe@contoso.com") && f[0].message.contains("litigation hold"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Set-MgUserLicense -UserId 'lena.lowe@contoso.com'"), "{}", f[0].remediation);
        // No SKU of her own: which one to assign is the tenant's choice, left as a placeholder (printed, not run).
        assert!(f[0].remediation.contains("-eq '<SKU that licenses mailboxes in this tenant"), "{}", f[0].remediation);
    }

    fn state(sku: &str, exchange: bool) -> LicenseState {
        LicenseState { sku: sku.into(), exchange, state: "Active".into(), error: "None".into(), assigned_by_group: None, updated: None }
    }

    #[test]
    fn fires_on_delay_release_hold_with_the_plan_disabled() {
        let hugo = Identity {
            ad_user_principal_name: Some("hugo.hayes@contoso.com".into()),
            exo_holds: Some(Holds { delay_release_hold_applied: Some(true), ..Default::default() }),
            entra_exchange_plans: Some(vec![plan("EXCHANGE_S_ENTERPRISE", false)]),
            entra_licenses: Some(vec!["ENTERPRISEPACK".into()]),
            entra_license_states: Some(vec![state("ENTERPRISEPACK", true)]),
            ..lena()
        };
        let f = check(&CHECK, &hugo);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("delay release hold"), "{}", f[0].message);
        assert!(f[0].remediation.contains("'ENTERPRISEPACK'"), "{}", f[0].remediation);
        // DisabledPlans replaces the whole list: only the mailbox plans come back on, the others stay off.
        assert!(!f[0].remediation.contains("DisabledPlans = @()") && f[0].remediation.contains("DisabledPlans = $off"), "{}", f[0].remediation);
        assert!(f[0].remediation.contains("Where-Object { $_.ProvisioningStatus -eq 'Disabled' -and $_.ServicePlanName -notmatch '^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)' }"), "{}", f[0].remediation);
    }

    #[test]
    fn foundation_plan_grants_no_mailbox() {
        let foundation = Identity { entra_exchange_plans: Some(vec![plan("EXCHANGE_S_FOUNDATION", true)]), ..lena() };
        assert_eq!(check(&CHECK, &foundation).len(), 1);
    }

    #[test]
    fn re_assigns_a_sku_that_grants_a_mailbox_never_the_first_one_blindly() {
        // lucy.lin: only POWER_BI_STANDARD (EXCHANGE_S_FOUNDATION): re-assigning it licenses no mailbox.
        let lucy = Identity {
            ad_user_principal_name: Some("lucy.lin@contoso.com".into()),
            entra_exchange_plans: Some(vec![plan("EXCHANGE_S_FOUNDATION", true)]),
            entra_licenses: Some(vec!["POWER_BI_STANDARD".into()]),
            entra_license_states: Some(vec![state("POWER_BI_STANDARD", false)]),
            ..lena()
        };
        let f = check(&CHECK, &lucy);
        assert_eq!(f.len(), 1);
        assert!(!f[0].remediation.contains("POWER_BI_STANDARD") && f[0].remediation.contains("-eq '<SKU that licenses mailboxes in this tenant"), "{}", f[0].remediation);
        // Plans known but no license states exported: the SKUs cannot be told apart, the placeholder stays.
        let no_states = Identity { entra_license_states: None, ..lucy.clone() };
        assert!(check(&CHECK, &no_states)[0].remediation.contains("-eq '<SKU that licenses mailboxes in this tenant"));
        // A second SKU that carries a mailbox plan (its plan disabled) is the one to re-assign.
        let two = Identity {
            entra_licenses: Some(vec!["POWER_BI_STANDARD".into(), "ENTERPRISEPACK".into()]),
            entra_license_states: Some(vec![state("POWER_BI_STANDARD", false), state("ENTERPRISEPACK", true)]),
            ..lucy
        };
        let f = check(&CHECK, &two);
        assert!(f[0].remediation.contains("$_.SkuPartNumber -eq 'ENTERPRISEPACK'") && !f[0].remediation.contains("POWER_BI"), "{}", f[0].remediation);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::EntraLicenseStates.id() && e.index == Some(1)), "{:?}", f[0].evidence);
    }

    #[test]
    fn quiet_when_licensed() {
        let licensed = Identity { entra_exchange_plans: Some(vec![plan("EXCHANGE_S_ENTERPRISE", true)]), ..lena() };
        assert!(check(&CHECK, &licensed).is_empty());
    }

    #[test]
    fn quiet_on_exclusions_and_retention_hold() {
        // luke.lang: `-mbx…:1` is an exclusion; RetentionHoldEnabled pauses MRM and holds nothing.
        let luke = Identity {
            exo_holds: Some(Holds { in_place_holds: vec!["-mbx5f4b2a7c9e1d4b3a8f6e2c1d0b9a8f7e:1".into()], ..Default::default() }),
            exo_retention_hold_enabled: Some(true),
            ..lena()
        };
        assert!(check(&CHECK, &luke).is_empty());
    }

    #[test]
    fn quiet_on_shared_mailbox_and_non_recipients() {
        let legal_hold = Identity { exo_recipient_type_details: Some("SharedMailbox".into()), ..lena() };
        assert!(check(&CHECK, &legal_hold).is_empty());
        let get_user_row = Identity { exo_recipient_type_details: Some("User".into()), ..lena() };
        assert!(check(&CHECK, &get_user_row).is_empty());
    }

    #[test]
    fn quiet_without_an_entra_user_or_plan_data() {
        let no_entra = Identity { entra_present: Some(false), entra_exchange_plans: None, ..lena() };
        assert!(check(&CHECK, &no_entra).is_empty());
        let no_plans = Identity { entra_exchange_plans: None, ..lena() };
        assert!(check(&CHECK, &no_plans).is_empty());
    }
}
