//! # LIC004 usage-location-missing
//!
//! ## What it does
//! Fires on an Entra user with no `usageLocation` that has an Exchange need: it holds an enabled
//! mailbox-granting Exchange plan, or a SKU carrying an Exchange Online plan appears in its
//! `licenseAssignmentStates` (in any state, errors included), or its AD object has an on-prem user
//! mailbox (`msExchRecipientTypeDetails` UserMailbox or LinkedMailbox: a migration candidate that must be
//! licensed before the move). An identity with no Entra user has no `usageLocation` to check.
//!
//! ## Why it matters
//! A license cannot be assigned to a user without a usage location, and an Exchange Online mailbox is not
//! provisioned for a user who lacks one: direct assignments fail, group-based ones end in an error state.
//!
//! ## Example
//! `ulrich.ulm@contoso.com`: E3 with EXCHANGE_S_ENTERPRISE enabled, `usageLocation` empty. Quiet:
//! `support@contoso.com` (unlicensed shared mailbox, needs no license), `lars.lund@contoso.com` (has a
//! usage location), the guest `gwen.ford_fabrikam.com#ext#@contoso.onmicrosoft.com` and
//! `admin@contoso.onmicrosoft.com` (no Exchange need).
//!
//! ## Remediation
//! Set the ISO 3166 country where the user works: `Update-MgUser -UserId '<upn>' -UsageLocation '<country code>'`
//! (or flow it from AD through Entra Connect), then reprocess group-based licenses with
//! `Invoke-MgLicenseUser` (it reprocesses group-based assignments only; a direct one needs nothing more,
//! and its license states are read to see it took).
//!
//! ## Sources
//! - seed 003 ("A UsageLocation parameter is required and has to be populated")
//! - <https://learn.microsoft.com/powershell/module/microsoft.graph.users.actions/invoke-mglicenseuser>
//! - <https://support.microsoft.com/help/4051375/mailbox-is-not-provisioned-in-azure-ad-connect-for-office-365>
//! - <https://learn.microsoft.com/microsoft-365/enterprise/assign-licenses-to-user-accounts-with-microsoft-365-powershell>
//! - <https://learn.microsoft.com/entra/identity/users/licensing-groups-resolve-problems>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Identity, Severity};

use crate::{graph_user, onprem_user_mailbox, quoted};

pub const CHECK: Check = Check {
    id: "LIC004",
    name: "usage-location-missing",
    severity: Severity::Medium,
    escalates_to: None,
    fields: &[Field::EntraPresent, Field::EntraUsageLocation],
    optional: &[Field::EntraExchangePlans, Field::EntraLicenseStates, Field::AdPresent, Field::AdRecipientTypeDetails, Field::EntraId],
    source: include_str!("lic004.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    if i.entra_present != Some(true) || i.entra_usage_location.is_some() {
        return;
    }
    let mut needs: Vec<String> = Vec::new();
    let mut evidence: Vec<(Field, Option<usize>)> = Vec::new();
    for (index, plan) in domain::mailbox_plans(i) {
        needs.push(format!("holds {}", if plan.name.is_empty() { plan.plan_id.to_string() } else { plan.name.clone() }));
        evidence.push((Field::EntraExchangePlans, Some(index)));
    }
    for (index, state) in i.entra_license_states.iter().flatten().enumerate().filter(|(_, s)| s.exchange) {
        needs.push(format!("is assigned Exchange SKU {} ({})", state.sku, state.state));
        evidence.push((Field::EntraLicenseStates, Some(index)));
    }
    if let Some(kind) = onprem_user_mailbox(i) {
        needs.push(format!("has an on-prem {kind} to migrate"));
        evidence.push((Field::AdRecipientTypeDetails, None));
    }
    if needs.is_empty() {
        return;
    }
    let upn = domain::display_name(i);
    let user = quoted(&graph_user(i));
    // Invoke-MgLicenseUser reprocesses group-based assignments only (Learn); a direct one needs nothing
    // more once the usage location is there: its states are read to see it took.
    let direct_only = i.entra_license_states.as_ref().is_some_and(|states| states.iter().all(|s| s.assigned_by_group.is_none()));
    let then = if direct_only {
        format!("# 2. then check the license states (a direct assignment needs no reprocessing)\nGet-MgUser -UserId {user} -Property licenseAssignmentStates | Select-Object -ExpandProperty LicenseAssignmentStates")
    } else {
        format!("# 2. then reprocess the group-based license assignments\nInvoke-MgLicenseUser -UserId {user}")
    };
    let f = out
        .report(Severity::Medium, format!("{upn} has no usageLocation but {}: Exchange Online licensing and provisioning need one", needs.join(", ")))
        .evidence(Field::EntraUsageLocation)
        .remediation(format!(
            "# 1. the ISO 3166 code of the country where the user works (a synced user can take it from AD's c attribute through Entra Connect)\n\
             Update-MgUser -UserId {user} -UsageLocation '<ISO 3166 country code where the user works, e.g. DE>'\n{then}"
        ));
    for (field, index) in evidence {
        match index {
            Some(index) => f.evidence_at(field, index),
            None => f.evidence(field),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enterprise, foundation, run};
    use hybrid_audit_sdk::LicenseState;

    fn ulrich() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("ulrich.ulm@contoso.com".into()),
            ad_recipient_type_details: Some(2_147_483_648),
            entra_present: Some(true),
            entra_user_principal_name: Some("ulrich.ulm@contoso.com".into()),
            entra_exchange_plans: Some(vec![enterprise()]),
            entra_license_states: Some(vec![LicenseState { sku: "ENTERPRISEPACK".into(), exchange: true, state: "Active".into(), error: "None".into(), assigned_by_group: None, updated: None }]),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_an_exchange_plan_without_usage_location() {
        let f = run(&CHECK, &ulrich());
        assert_eq!((f.len(), f[0].severity), (1, Severity::Medium));
        assert!(f[0].message.contains("EXCHANGE_S_ENTERPRISE") && f[0].message.contains("ENTERPRISEPACK"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Update-MgUser -UserId 'ulrich.ulm@contoso.com' -UsageLocation"), "{}", f[0].remediation);
        // The country is the operator's to fill in: a guessed one would be set on every user the script reaches.
        assert!(f[0].remediation.contains("-UsageLocation '<ISO 3166"), "{}", f[0].remediation);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::EntraExchangePlans.id() && e.index == Some(0)));
        // A direct assignment: Invoke-MgLicenseUser reprocesses group-based ones only; its states are read.
        assert!(!f[0].remediation.contains("Invoke-MgLicenseUser") && f[0].remediation.contains("-Property licenseAssignmentStates"), "{}", f[0].remediation);
        // Assigned by a group, or the states not exported: the group-based assignments are reprocessed.
        let group = LicenseState { assigned_by_group: Some(hybrid_audit_sdk::Guid([9; 16])), ..ulrich().entra_license_states.unwrap().remove(0) };
        for other in [Identity { entra_license_states: Some(vec![group]), ..ulrich() }, Identity { entra_license_states: None, ..ulrich() }] {
            let r = &run(&CHECK, &other)[0].remediation;
            assert!(r.contains("# 2. then reprocess the group-based license assignments\nInvoke-MgLicenseUser -UserId 'ulrich.ulm@contoso.com'"), "{r}");
        }
    }

    #[test]
    fn fires_on_an_erroring_exchange_sku_or_an_onprem_mailbox() {
        let erroring = Identity {
            entra_exchange_plans: Some(vec![]),
            entra_license_states: Some(vec![LicenseState { sku: "ENTERPRISEPACK".into(), exchange: true, state: "Error".into(), error: "ProhibitedInUsageLocationViolation".into(), assigned_by_group: None, updated: None }]),
            ..ulrich()
        };
        assert_eq!(run(&CHECK, &erroring).len(), 1);
        let onprem = Identity { ad_recipient_type_details: Some(1), entra_exchange_plans: Some(vec![foundation()]), entra_license_states: Some(vec![]), ..ulrich() };
        let f = run(&CHECK, &onprem);
        assert!(f[0].message.contains("on-prem UserMailbox"), "{}", f[0].message);
    }

    #[test]
    fn quiet_with_a_usage_location_or_no_exchange_need() {
        let lars = Identity { entra_usage_location: Some("SE".into()), ..ulrich() };
        assert!(run(&CHECK, &lars).is_empty());
        // support: unlicensed remote shared mailbox; rachel: remote user mailbox converted to shared in the cloud.
        let support = Identity { ad_recipient_type_details: Some(34_359_738_368), entra_exchange_plans: Some(vec![]), entra_license_states: Some(vec![]), ..ulrich() };
        assert!(run(&CHECK, &support).is_empty());
        let onprem_shared = Identity { ad_recipient_type_details: Some(4), ..support.clone() };
        assert!(run(&CHECK, &onprem_shared).is_empty());
        let foundation_only = Identity { entra_exchange_plans: Some(vec![foundation()]), ..support.clone() };
        assert!(run(&CHECK, &foundation_only).is_empty());
        let guest = Identity { ad_present: None, ad_recipient_type_details: None, entra_user_type: Some("Guest".into()), ..support };
        assert!(run(&CHECK, &guest).is_empty());
        let no_entra_user = Identity { entra_present: Some(false), entra_exchange_plans: None, entra_license_states: None, ad_recipient_type_details: Some(1), ..ulrich() };
        assert!(run(&CHECK, &no_entra_user).is_empty());
    }
}
