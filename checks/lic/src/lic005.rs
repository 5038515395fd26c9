//! # LIC005 license-assignment-error
//!
//! ## What it does
//! Fires once per Graph `licenseAssignmentStates` entry of an Entra user that is in error: `state` Error
//! or ActiveWithError, or an `error` other than None (CountViolation, MutuallyExclusiveViolation,
//! DependencyViolation, ProhibitedInUsageLocationViolation, UniquenessViolation, Other). It names the
//! SKU, the error, and the group when the assignment is group-based.
//!
//! ## Why it matters
//! A license in error is not applied: the user gets no mailbox (or loses it after the 30-day grace) even
//! though the admin center shows the license intended. Group-based assignments fail in the background,
//! so nobody is told.
//!
//! ## Example
//! `lars.lund@contoso.com`: ENTERPRISEPACK assigned by the Licensing-E3 group, state Error, CountViolation
//! (no license left in the subscription). Quiet: `kevin.kim@contoso.com`, the same group-assigned SKU in
//! state Active with error None.
//!
//! ## Remediation
//! Fix the cause (buy or free licenses for CountViolation, set `usageLocation` or remove the conflicting
//! SKU for the other errors), then reprocess: `Invoke-MgLicenseUser -UserId '<upn>'` for group-based
//! assignments, or assign the SKU again with `Set-MgUserLicense` when it was direct.
//!
//! ## Sources
//! - seed 003 (confirm the license is assigned; validation errors)
//! - <https://learn.microsoft.com/graph/api/resources/licenseassignmentstate>
//! - <https://learn.microsoft.com/entra/identity/users/licensing-groups-resolve-problems>
//! - <https://learn.microsoft.com/powershell/module/microsoft.graph.users.actions/invoke-mglicenseuser>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Identity, LicenseState, Severity};

use crate::{assign_license, graph_user, quoted};

pub const CHECK: Check = Check {
    id: "LIC005",
    name: "license-assignment-error",
    severity: Severity::Medium,
    escalates_to: None,
    fields: &[Field::EntraLicenseStates],
    optional: &[Field::EntraId],
    source: include_str!("lic005.rs"),
    run,
};

fn in_error(s: &LicenseState) -> bool {
    let state_error = s.state.eq_ignore_ascii_case("Error") || s.state.eq_ignore_ascii_case("ActiveWithError");
    state_error || !(s.error.is_empty() || s.error.eq_ignore_ascii_case("None"))
}

/// What to fix first, by Graph's `error` value.
fn cause(error: &str, sku: &str) -> String {
    match error {
        "CountViolation" => format!("not enough {sku} licenses left: buy more or free some"),
        "MutuallyExclusiveViolation" => format!("{sku} has a service plan that conflicts with another license of the user: remove one"),
        "DependencyViolation" => format!("a plan of {sku} depends on a plan the user lacks, or another license depends on it"),
        "ProhibitedInUsageLocationViolation" => format!("{sku} is not available in the user's usageLocation: correct it (Update-MgUser -UsageLocation)"),
        "UniquenessViolation" => "a unique attribute (proxy address) collides with another object: fix the duplicate".to_string(),
        _ => format!("see the {sku} error in the Entra admin center (Licenses, then the user)"),
    }
}

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let Some(states) = &i.entra_license_states else { return };
    // Most users have no license in error: name them only when one is.
    if !states.iter().any(in_error) {
        return;
    }
    let upn = domain::display_name(i);
    let user = graph_user(i);
    for (index, s) in states.iter().enumerate().filter(|(_, s)| in_error(s)) {
        let error = if s.error.is_empty() || s.error.eq_ignore_ascii_case("None") { "no error code" } else { &s.error };
        let (by, retry) = match s.assigned_by_group {
            Some(group) => (format!(", assigned by group {group}"), format!("Invoke-MgLicenseUser -UserId {}", quoted(&user))),
            None => (", assigned directly".to_string(), assign_license(&user, &s.sku, false)),
        };
        out.report(Severity::Medium, format!("{} license of {upn} is in state {} ({error}){by}", s.sku, s.state))
            .evidence_at(Field::EntraLicenseStates, index)
            .remediation(format!("# 1. {}\n# 2. then reprocess\n{retry}", cause(&s.error, &s.sku)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run;
    use hybrid_audit_sdk::Guid;

    fn lars(state: &str, error: &str, group: Option<Guid>) -> Identity {
        Identity {
            entra_present: Some(true),
            entra_user_principal_name: Some("lars.lund@contoso.com".into()),
            entra_license_states: Some(vec![LicenseState { sku: "ENTERPRISEPACK".into(), exchange: true, state: state.into(), error: error.into(), assigned_by_group: group, updated: None }]),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_a_group_assignment_in_error() {
        let f = run(&CHECK, &lars("Error", "CountViolation", Some(Guid([3; 16]))));
        assert_eq!((f.len(), f[0].severity), (1, Severity::Medium));
        assert!(f[0].message.contains("ENTERPRISEPACK") && f[0].message.contains("CountViolation") && f[0].message.contains("group 03030303-"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Invoke-MgLicenseUser -UserId 'lars.lund@contoso.com'") && f[0].remediation.contains("buy more"), "{}", f[0].remediation);
        // The fix is by hand and comes first: a numbered step, so the script asks before it reprocesses.
        assert!(f[0].remediation.starts_with("# 1. not enough ENTERPRISEPACK licenses left") && f[0].remediation.contains("\n# 2. then reprocess\n"), "{}", f[0].remediation);
        assert_eq!((f[0].evidence[0].field, f[0].evidence[0].index), (Field::EntraLicenseStates.id(), Some(0)));
    }

    #[test]
    fn direct_assignments_and_active_with_error_fire_too() {
        let f = run(&CHECK, &lars("ActiveWithError", "MutuallyExclusiveViolation", None));
        assert_eq!(f.len(), 1);
        assert!(f[0].remediation.contains("Set-MgUserLicense -UserId 'lars.lund@contoso.com'"), "{}", f[0].remediation);
        // A SKU the tenant lacks (or two matching) stops the step with a clear message, not a Graph error.
        assert!(f[0].remediation.contains("if (@($sku | Where-Object { $_ }).Count -ne 1) { throw ("), "{}", f[0].remediation);
        // Re-assigned as it was: every plan the user has disabled on it stays disabled, the mailbox's too.
        assert!(f[0].remediation.contains("Where-Object { $_.ProvisioningStatus -eq 'Disabled' } | Select-Object -ExpandProperty ServicePlanId)\n") && f[0].remediation.contains("DisabledPlans = $off"), "{}", f[0].remediation);
        assert_eq!(run(&CHECK, &lars("Disabled", "Other", None)).len(), 1);
    }

    #[test]
    fn quiet_when_active_or_empty() {
        // kevin: group-assigned, Active, error None.
        assert!(run(&CHECK, &lars("Active", "None", Some(Guid([3; 16])))).is_empty());
        assert!(run(&CHECK, &lars("Active", "", None)).is_empty());
        assert!(run(&CHECK, &Identity { entra_license_states: Some(vec![]), ..lars("Active", "None", None) }).is_empty());
    }
}
