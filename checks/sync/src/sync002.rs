//! # SYNC002 duplicate-address
//!
//! ## What it does
//! Fires once for each address (UPN or SMTP address) that one of the identity's objects shares with
//! another object of the same directory: two AD objects, two Entra users, two Exchange Online
//! recipients. Every holder gets its own finding. An AD user and a cloud-only object sharing an address
//! is not a duplicate but a soft match (SYNC001), and the host leaves that pair out.
//!
//! ## Why it matters
//! An address must identify one object. On-prem, Exchange and Entra Connect tolerate a duplicate
//! `proxyAddresses` value, but Entra ID does not: the second object to synchronise gets an
//! `AttributeValueMustBeUnique` / PropertyConflict provisioning error and the value is quarantined
//! (PROV004), mail to the address goes to whichever object Exchange resolves first, and a duplicate UPN
//! stops sign-in for one of them.
//!
//! ## Example
//! `dana.dahl@contoso.com` and `dan.doyle@contoso.com`: both AD users carry `smtp:sales@contoso.com`,
//! so each gets a finding naming the other (dan.doyle also has the resulting PROV004 error). Quiet:
//! the cloud-only `carl.cole@contoso.com`, whose UPN equals the unlinked AD carl.cole's (two directories:
//! SYNC001, not a duplicate); an object whose address is shared by nobody.
//!
//! ## Remediation
//! Decide which object owns the address, and take it off the others where they are mastered (on-prem
//! for synced objects): `Set-ADUser -Remove @{proxyAddresses=…}` for an SMTP address, a new
//! `-UserPrincipalName` for a UPN. The command lists every holder first; the change is a comment for
//! the operator to run on the object that gives the address up (each holder has a finding: run as
//! commands, both would give it up and nobody would keep it).
//!
//! ## Sources
//! - seed 003 (object conflicts, "confirm that there isn't a cloud-only object that is causing the
//!   problem")
//! - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-syncservice-duplicate-attribute-resiliency>

use crate::{ad_account, ps};
use hybrid_audit_sdk::domain;
use hybrid_audit_sdk::{Check, Context, Duplicate, Field, Findings, Identity, Severity};

pub const CHECK: Check = Check {
    id: "SYNC002",
    name: "duplicate-address",
    severity: Severity::High,
    escalates_to: None,
    fields: &[Field::Duplicates],
    optional: &[
        Field::AdUserPrincipalName,
        Field::AdProxyAddresses,
        Field::AdSamAccountName,
        Field::EntraUserPrincipalName,
        Field::ExoUserPrincipalName,
        Field::ExoEmailAddresses,
        Field::AdDistinguishedName,
    ],
    source: include_str!("sync002.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    if i.duplicates.as_ref().is_none_or(|d| d.is_empty()) {
        return;
    }
    let upn = domain::display_name(i);
    for (index, dup) in i.duplicates.iter().flatten().enumerate() {
        let (upn_field, address_field) = match dup.directory.as_str() {
            "ad" => (&i.ad_user_principal_name, Some(Field::AdProxyAddresses)),
            "entra" => (&i.entra_user_principal_name, None),
            _ => (&i.exo_user_principal_name, Some(Field::ExoEmailAddresses)),
        };
        let is_upn = upn_field.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(&dup.address));
        let kind = if is_upn { "UPN" } else { "SMTP address" };
        let finding = out
            .report(Severity::High, format!("{} {kind} {} of {upn} is also on {}", directory_name(dup), dup.address, dup.others.join(", ")))
            .evidence_at(Field::Duplicates, index)
            .remediation(remediation(i, dup, is_upn));
        let field = match (dup.directory.as_str(), is_upn) {
            ("ad", true) => Some(Field::AdUserPrincipalName),
            ("entra", true) => Some(Field::EntraUserPrincipalName),
            ("exo", true) => Some(Field::ExoUserPrincipalName),
            _ => address_field,
        };
        if let Some(field) = field {
            finding.evidence(field);
        }
    }
}

fn directory_name(dup: &Duplicate) -> &str {
    match dup.directory.as_str() {
        "ad" => "AD",
        "entra" => "Entra",
        "exo" => "Exchange Online",
        other => other,
    }
}

fn remediation(i: &Identity, dup: &Duplicate, is_upn: bool) -> String {
    let a = &dup.address;
    let holders = format!("# holders: this one and {}; decide which keeps {a}", dup.others.join(", "));
    match (dup.directory.as_str(), is_upn) {
        ("ad", _) => {
            let me = ps(&ad_account(i));
            let fix = if is_upn {
                format!("# if this object gives it up: Set-ADUser -Identity {me} -UserPrincipalName '<a unique UPN>'")
            } else {
                // The exact proxy value, as this object carries it (`smtp:` or `SMTP:`).
                let proxy = i.ad_proxy_addresses.iter().flatten().find(|p| p.split_once(':').is_some_and(|(t, v)| t.eq_ignore_ascii_case("smtp") && v.eq_ignore_ascii_case(a))).cloned();
                // A comment, not a command: every holder has this finding, and run on each the removals
                // would leave the address on nobody.
                format!("# if this object gives it up: Set-ADUser -Identity {me} -Remove @{{proxyAddresses={}}}", ps(&proxy.unwrap_or_else(|| format!("smtp:{a}"))))
            };
            format!("{holders}\nGet-ADUser -LDAPFilter {} -Properties proxyAddresses | Format-Table sAMAccountName,userPrincipalName\n{fix}", ps(&format!("(|(proxyAddresses=smtp:{a})(userPrincipalName={a}))")))
        }
        ("entra", true) => format!("{holders}\nGet-MgUser -Filter {} -Property Id,UserPrincipalName,OnPremisesSyncEnabled  # change it where it is mastered (on-prem when synced)", domain::ps_dquote(&format!("userPrincipalName eq {}", domain::filter_quote(a)))),
        ("entra", false) => format!("{holders}\nGet-MgUser -Filter {} -Property Id,UserPrincipalName,OnPremisesSyncEnabled  # change it where it is mastered (on-prem when synced)", domain::ps_dquote(&format!("proxyAddresses/any(p:p eq {})", domain::filter_quote(&format!("smtp:{a}"))))),
        (_, true) => format!("{holders}\nGet-User -Filter {} | Format-Table Name,RecipientTypeDetails,UserPrincipalName  # change it where it is mastered (on-prem when synced)", domain::ps_dquote(&format!("UserPrincipalName -eq {}", domain::filter_quote(a)))),
        (_, false) => format!("{holders}\nGet-Recipient -Filter {} | Format-Table Name,RecipientTypeDetails,PrimarySmtpAddress  # change it where it is mastered (on-prem when synced)", domain::ps_dquote(&format!("EmailAddresses -eq {}", domain::filter_quote(&format!("smtp:{a}"))))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;

    /// dana.dahl: smtp:sales@contoso.com also on dan.doyle (AD).
    fn dana() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("dana.dahl@contoso.com".into()),
            ad_sam_account_name: Some("ddahl".into()),
            ad_proxy_addresses: Some(vec!["SMTP:dana.dahl@contoso.com".into(), "smtp:dana.dahl@contoso.mail.onmicrosoft.com".into(), "smtp:sales@contoso.com".into()]),
            duplicates: Some(vec![Duplicate { directory: "ad".into(), address: "sales@contoso.com".into(), others: vec!["dan.doyle@contoso.com".into()] }]),
            ..Default::default()
        }
    }

    #[test]
    fn fires_on_shared_proxy_address() {
        let f = check(&CHECK, &dana());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].message, "AD SMTP address sales@contoso.com of dana.dahl@contoso.com is also on dan.doyle@contoso.com");
        assert!(f[0].remediation.ends_with("\n# if this object gives it up: Set-ADUser -Identity 'ddahl' -Remove @{proxyAddresses='smtp:sales@contoso.com'}"), "{}", f[0].remediation);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::AdProxyAddresses.id()));
        assert_eq!(f[0].evidence[0].index, Some(0));
    }

    #[test]
    fn one_finding_per_duplicate_and_upn_recognised() {
        let both = Identity {
            duplicates: Some(vec![
                Duplicate { directory: "ad".into(), address: "sales@contoso.com".into(), others: vec!["dan.doyle@contoso.com".into()] },
                Duplicate { directory: "exo".into(), address: "Dana.Dahl@contoso.com".into(), others: vec!["dana@contoso.com".into()] },
            ]),
            exo_user_principal_name: Some("dana.dahl@contoso.com".into()),
            ..dana()
        };
        let f = check(&CHECK, &both);
        assert_eq!(f.len(), 2);
        assert!(f[1].message.starts_with("Exchange Online UPN Dana.Dahl@contoso.com"), "{}", f[1].message);
        assert!(f[1].evidence.iter().any(|e| e.field == Field::ExoUserPrincipalName.id()));
        assert!(f[1].remediation.contains("Get-User -Filter \"UserPrincipalName -eq 'Dana.Dahl@contoso.com'\""), "{}", f[1].remediation);
    }

    #[test]
    fn entra_duplicate_has_no_proxy_field_to_cite() {
        let entra = Identity { duplicates: Some(vec![Duplicate { directory: "entra".into(), address: "sales@contoso.com".into(), others: vec!["x@contoso.com".into()] }]), ..dana() };
        let f = check(&CHECK, &entra);
        assert_eq!(f[0].evidence.len(), 1);
        assert!(f[0].remediation.contains("proxyAddresses/any(p:p eq 'smtp:sales@contoso.com')"), "{}", f[0].remediation);
    }

    #[test]
    fn quiet_without_duplicates() {
        // carl.cole (cloud-only): the host leaves the AD-vs-cloud-only pair out; it is SYNC001's.
        let carl_cloud = Identity { ad_present: Some(false), entra_present: Some(true), duplicates: Some(vec![]), ..Default::default() };
        assert!(check(&CHECK, &carl_cloud).is_empty());
        assert!(check(&CHECK, &Identity { duplicates: None, ..dana() }).is_empty());
    }
}
