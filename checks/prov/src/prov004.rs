//! # PROV004 provisioning-error
//!
//! ## What it does
//! Fires on an Entra user that carries `onPremisesProvisioningErrors` (Graph; MSOL `Errors`), or whose MSOL
//! `ValidationStatus` is Error. It lists each error (category, property, conflicting value).
//!
//! ## Why it matters
//! An object in error is not synchronized between the directories (Entra ID and Exchange Online): changes
//! stop flowing, and a mailbox may never be provisioned or updated. A `PropertyConflict` means another
//! object already holds the UPN or proxy address.
//!
//! ## Example
//! `dan.doyle@contoso.com`: `PropertyConflict` on ProxyAddresses, value `smtp:sales@contoso.com` (also on
//! dana.dahl on-prem). Quiet: `dana.dahl@contoso.com` shares that address but carries no provisioning error
//! (her duplicate is SYNC002).
//!
//! ## Remediation
//! Find the other holder of the value (`Get-ADObject -LDAPFilter '(proxyAddresses=smtp:sales@contoso.com)'`
//! on-prem, `Get-MgUser -Filter "proxyAddresses/any(p:p eq 'smtp:sales@contoso.com')"` in the cloud), remove
//! it from the one that should not have it, then `Start-ADSyncSyncCycle -PolicyType Delta`.
//!
//! ## Sources
//! - seed 001 (validation errors stop MSODS / EXODS synchronization)
//! - seed 003 (`ValidationStatus`, DirSync errors, conflicts with cloud-only objects)
//! - <https://learn.microsoft.com/graph/api/resources/onpremisesprovisioningerror>
//! - <https://learn.microsoft.com/entra/identity/hybrid/connect/tshoot-connect-sync-errors>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Identity, ProvisioningError, Severity};

use crate::quoted;

pub const CHECK: Check = Check {
    id: "PROV004",
    name: "provisioning-error",
    severity: Severity::High,
    escalates_to: None,
    fields: &[Field::EntraProvisioningErrors],
    optional: &[Field::EntraValidationStatus],
    source: include_str!("prov004.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let errors = i.entra_provisioning_errors.as_deref().unwrap_or_default();
    let validation = i.entra_validation_status.as_deref().filter(|s| s.eq_ignore_ascii_case("Error"));
    if errors.is_empty() && validation.is_none() {
        return;
    }
    let upn = domain::display_name(i);
    let mut what: Vec<String> = errors.iter().map(|e| format!("{} {} = {}", e.category, e.property, e.value)).collect();
    if validation.is_some() {
        what.push("ValidationStatus Error".to_string());
    }
    let mut commands: Vec<String> = errors.iter().filter_map(find_holders).collect();
    if validation.is_some() || commands.is_empty() {
        commands.push(format!(
            "Get-MgUser -UserId {} -Property onPremisesProvisioningErrors | Select-Object -ExpandProperty OnPremisesProvisioningErrors",
            quoted(i.entra_user_principal_name.as_deref().unwrap_or(&upn))
        ));
    }
    commands.push("Start-ADSyncSyncCycle -PolicyType Delta".to_string());
    let f = out
        .report(Severity::High, format!("{upn} has a provisioning error: {}", what.join("; ")))
        .remediation(format!("# find the other holder of the value, remove it from the object that should not have it, then sync\n{}", commands.join("\n")));
    for index in 0..errors.len() {
        f.evidence_at(Field::EntraProvisioningErrors, index);
    }
    if validation.is_some() {
        f.evidence(Field::EntraValidationStatus);
    }
}

/// Where else a conflicting UPN or proxy address lives, on-prem and in the cloud.
fn find_holders(e: &ProvisioningError) -> Option<String> {
    let property = e.property.to_ascii_lowercase();
    let (ldap, graph) = if property.starts_with("proxyaddress") {
        ("proxyAddresses", format!("proxyAddresses/any(p:p eq {})", domain::filter_quote(&e.value)))
    } else if property == "userprincipalname" {
        ("userPrincipalName", format!("userPrincipalName eq {}", domain::filter_quote(&e.value)))
    } else {
        return None;
    };
    let filter = quoted(&format!("({ldap}={})", e.value));
    Some(format!("Get-ADObject -LDAPFilter {filter} -Properties {ldap}\nGet-MgUser -Filter {}", domain::ps_dquote(&graph)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run, synced};

    fn dan() -> Identity {
        Identity {
            entra_provisioning_errors: Some(vec![ProvisioningError { category: "PropertyConflict".into(), property: "ProxyAddresses".into(), value: "smtp:sales@contoso.com".into() }]),
            ..synced("dan.doyle")
        }
    }

    #[test]
    fn fires_on_a_property_conflict() {
        let f = run(&CHECK, &dan());
        assert_eq!((f.len(), f[0].severity), (1, Severity::High));
        assert!(f[0].message.contains("PropertyConflict ProxyAddresses = smtp:sales@contoso.com"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Get-ADObject -LDAPFilter '(proxyAddresses=smtp:sales@contoso.com)'"), "{}", f[0].remediation);
        assert!(f[0].remediation.contains("Get-MgUser -Filter \"proxyAddresses/any(p:p eq 'smtp:sales@contoso.com')\""), "{}", f[0].remediation);
        assert_eq!((f[0].evidence[0].field, f[0].evidence[0].index), (Field::EntraProvisioningErrors.id(), Some(0)));
    }

    #[test]
    fn fires_on_msol_validation_error() {
        let msol = Identity { entra_provisioning_errors: Some(vec![]), entra_validation_status: Some("Error".into()), ..synced("dan.doyle") };
        let f = run(&CHECK, &msol);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("ValidationStatus Error") && f[0].remediation.contains("Get-MgUser -UserId 'dan.doyle@contoso.com'"), "{f:?}");
    }

    #[test]
    fn quiet_without_errors() {
        // dana: shares the address (SYNC002) but has no provisioning error.
        let dana = Identity { entra_provisioning_errors: Some(vec![]), entra_validation_status: Some("Healthy".into()), ..synced("dana.dahl") };
        assert!(run(&CHECK, &dana).is_empty());
        assert!(run(&CHECK, &synced("dana.dahl")).is_empty());
    }
}
