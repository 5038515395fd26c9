//! # PROV007 missing-upn-or-alias
//!
//! ## What it does
//! Fires on an AD mail recipient (a user with `msExchRecipientTypeDetails` set: mailbox, remote mailbox or
//! mail user) that has no `userPrincipalName` or no `mailNickname`.
//!
//! ## Why it matters
//! Exchange Online provisions a recipient from the UPN and the alias (`mailNickname`): without them the
//! object syncs to Entra ID (under a fallback `…onmicrosoft.com` UPN) but its Exchange Online object is
//! missing or wrong, and Microsoft's forward sync needs the UPN.
//!
//! ## Example
//! `walter.west@contoso.com`: RemoteUserMailbox without `mailNickname`. `xavier.xu@contoso.onmicrosoft.com`:
//! RemoteUserMailbox without `userPrincipalName` (Entra fell back to the initial domain). Quiet:
//! `gwen.ford@contoso.com`, a MailUser with both; `svc-backup@contoso.com`, no mail recipient at all.
//!
//! ## Remediation
//! Fill the attribute on-prem, then sync: `Set-ADUser -Identity '<sAMAccountName>' -UserPrincipalName '<name>@<domain>'`,
//! `Set-ADUser -Identity '<sAMAccountName>' -Replace @{mailNickname='<alias>'}`, `Start-ADSyncSyncCycle -PolicyType Delta`.
//!
//! ## Sources
//! - seed 003 ("review a source AD dump to verify that the values of the UserPrincipalName and mailNickname attributes are populated")
//! - <https://support.microsoft.com/help/4051375/mailbox-is-not-provisioned-in-azure-ad-connect-for-office-365>
//! - <https://learn.microsoft.com/powershell/module/activedirectory/set-aduser>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Identity, Severity};

use crate::{ad_identity, alias, quoted};

pub const CHECK: Check = Check {
    id: "PROV007",
    name: "missing-upn-or-alias",
    severity: Severity::Medium,
    escalates_to: None,
    fields: &[Field::AdPresent, Field::AdRecipientTypeDetails, Field::AdUserPrincipalName, Field::AdMailNickname],
    optional: &[Field::AdSamAccountName, Field::AdDistinguishedName, Field::AdMail, Field::AdProxyAddresses],
    source: include_str!("prov007.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    if i.ad_present != Some(true) {
        return;
    }
    let Some(kind) = i.ad_recipient_type_details else { return };
    let missing_upn = i.ad_user_principal_name.is_none();
    let missing_alias = i.ad_mail_nickname.is_none();
    if !missing_upn && !missing_alias {
        return;
    }
    let who = ad_identity(i);
    let mail = i.ad_mail.clone().or_else(|| i.ad_proxy_addresses.as_deref().and_then(domain::primary_smtp).map(str::to_string));
    let mut missing = Vec::new();
    let mut commands = vec!["# on-prem, then sync".to_string()];
    if missing_upn {
        missing.push("userPrincipalName");
        let upn = mail.clone().unwrap_or_else(|| format!("{}@<UPN suffix>", i.ad_sam_account_name.as_deref().unwrap_or("<name>")));
        commands.push(format!("Set-ADUser -Identity {who} -UserPrincipalName {}", quoted(&upn)));
    }
    if missing_alias {
        missing.push("mailNickname");
        let nickname = alias(i).unwrap_or_else(|| "<alias>".to_string());
        commands.push(format!("Set-ADUser -Identity {who} -Replace @{{mailNickname={}}}", quoted(&nickname)));
    }
    commands.push("Start-ADSyncSyncCycle -PolicyType Delta".to_string());
    let name = domain::recipient_type::name(kind).map_or_else(|| format!("mail recipient (msExchRecipientTypeDetails {kind})"), str::to_string);
    let f = out
        .report(Severity::Medium, format!("{name} {} has no {}: Exchange Online cannot provision it correctly", domain::display_name(i), missing.join(" and no ")))
        .evidence(Field::AdRecipientTypeDetails)
        .remediation(commands.join("\n"));
    if missing_upn {
        f.evidence(Field::AdUserPrincipalName);
    }
    if missing_alias {
        f.evidence(Field::AdMailNickname);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run, synced};

    fn remote(key: &str) -> Identity {
        Identity { ad_recipient_type_details: Some(2_147_483_648), ..synced(key) }
    }

    #[test]
    fn fires_without_mail_nickname() {
        let walter = Identity { ad_mail_nickname: None, ..remote("walter.west") };
        let f = run(&CHECK, &walter);
        assert_eq!((f.len(), f[0].severity), (1, Severity::Medium));
        assert!(f[0].message.contains("RemoteUserMailbox walter.west@contoso.com has no mailNickname"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Set-ADUser -Identity 'ww' -Replace @{mailNickname='walter.west'}"), "{}", f[0].remediation);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::AdMailNickname.id()));
    }

    #[test]
    fn fires_without_upn_named_by_the_entra_upn() {
        let xavier = Identity { ad_user_principal_name: None, entra_user_principal_name: Some("xavier.xu@contoso.onmicrosoft.com".into()), ..remote("xavier.xu") };
        let f = run(&CHECK, &xavier);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("xavier.xu@contoso.onmicrosoft.com has no userPrincipalName"), "{}", f[0].message);
        assert!(f[0].remediation.contains("-UserPrincipalName 'xavier.xu@contoso.com'"), "{}", f[0].remediation);
        let both = Identity { ad_mail_nickname: None, ad_mail: None, ..xavier };
        assert!(run(&CHECK, &both)[0].message.contains("no userPrincipalName and no mailNickname"));
    }

    #[test]
    fn quiet_on_complete_recipients_and_non_recipients() {
        // gwen.ford: on-prem MailUser with both.
        assert!(run(&CHECK, &Identity { ad_recipient_type_details: Some(128), ..synced("gwen.ford") }).is_empty());
        // svc-backup: no Exchange attributes, no mail.
        let svc = Identity { ad_recipient_type_details: None, ad_mail: None, ad_mail_nickname: None, ..synced("svc-backup") };
        assert!(run(&CHECK, &svc).is_empty());
        assert!(run(&CHECK, &Identity { ad_present: Some(false), ad_mail_nickname: None, ..remote("x.y") }).is_empty());
    }
}
