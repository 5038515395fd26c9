//! # PROV003 remote-routing-address-invalid
//!
//! ## What it does
//! Fires on an on-prem remote mailbox (`msExchRecipientTypeDetails` RemoteUserMailbox, RemoteSharedMailbox,
//! RemoteRoomMailbox or RemoteEquipmentMailbox) whose `targetAddress` is not on the tenant's
//! `*.mail.onmicrosoft.com` routing domain, or whose `proxyAddresses` hold no SMTP address on it. Domains
//! compare case-insensitively. The routing domains are those the exports show; with none seen, the check
//! cannot judge and stays quiet.
//!
//! ## Why it matters
//! On-prem Exchange delivers to a cloud mailbox through its `targetAddress`: on any other domain, mail
//! from on-prem senders loops or bounces. Without the routing proxy, a later move or offboarding picks no
//! valid target address.
//!
//! ## Example
//! `tina.tran@contoso.com`: `targetAddress` on contoso.onmicrosoft.com (the initial domain, not the routing
//! domain), and no routing proxy. `theo.thorn@contoso.com`: proxies lack the contoso.mail.onmicrosoft.com
//! address. Quiet: `bob.berg@contoso.com` (routing domain in mixed case is still the routing domain),
//! `gwen.ford@contoso.com` (a mail user pointing at fabrikam.com, not a remote mailbox).
//!
//! ## Remediation
//! On-prem: `Set-RemoteMailbox -Identity '<sAMAccountName>' -RemoteRoutingAddress '<alias>@<tenant>.mail.onmicrosoft.com'`
//! and `Set-RemoteMailbox -Identity '<sAMAccountName>' -EmailAddresses @{Add='smtp:<alias>@<tenant>.mail.onmicrosoft.com'}`.
//!
//! ## Sources
//! - seed 000 (remote routing address `<user>@tenant.mail.onmicrosoft.com`, the smtp proxy to verify)
//! - <https://learn.microsoft.com/powershell/module/exchange/set-remotemailbox>
//! - <https://learn.microsoft.com/powershell/module/exchange/new-remotemailbox>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Identity, Severity};

use crate::{ad_identity, alias, quoted, routing_domain};

pub const CHECK: Check = Check {
    id: "PROV003",
    name: "remote-routing-address-invalid",
    severity: Severity::Medium,
    escalates_to: None,
    // Without the tenant's routing domain there is nothing to compare with: not evaluated, not quiet.
    fields: &[Field::AdPresent, Field::AdRecipientTypeDetails, Field::AdTargetAddress, Field::AdProxyAddresses, Field::TenantRoutingDomains],
    optional: &[Field::AdSamAccountName, Field::AdDistinguishedName, Field::AdMail, Field::AdMailNickname],
    source: include_str!("prov003.rs"),
    run,
};

fn run(i: &Identity, ctx: &Context, out: &mut Findings) {
    if i.ad_present != Some(true) || ctx.routing_domains.is_empty() {
        return;
    }
    let Some(kind) = i.ad_recipient_type_details.filter(|t| domain::recipient_type::is_remote_mailbox(*t)) else { return };
    let on_routing = |address: &str| ctx.routing_domains.iter().any(|r| domain::is_at(address, r));
    // `SMTP:a@b` → `a@b`.
    let target = i.ad_target_address.as_deref().map(|t| t.split_once(':').filter(|(p, _)| p.eq_ignore_ascii_case("smtp")).map_or(t, |(_, a)| a));
    let target_ok = target.is_some_and(on_routing);
    let proxies = i.ad_proxy_addresses.as_deref().unwrap_or_default();
    let routing_proxy = domain::smtp_addresses(proxies).find(|a| on_routing(a));
    if target_ok && routing_proxy.is_some() {
        return;
    }
    let fix = routing_proxy.map(str::to_string).unwrap_or_else(|| format!("{}@{}", alias(i).unwrap_or_else(|| "<alias>".into()), routing_domain(ctx)));
    let mut problems = Vec::new();
    let mut commands = vec!["# on-prem Exchange Management Shell".to_string()];
    if !target_ok {
        problems.push(format!("targetAddress {} is not on {}", target.unwrap_or("(empty)"), ctx.routing_domains.join(" / ")));
        commands.push(format!("Set-RemoteMailbox -Identity {} -RemoteRoutingAddress {}", ad_identity(i), quoted(&fix)));
    }
    if routing_proxy.is_none() {
        problems.push(format!("proxyAddresses have no address on {}", ctx.routing_domains.join(" / ")));
        commands.push(format!("Set-RemoteMailbox -Identity {} -EmailAddresses @{{Add={}}}", ad_identity(i), quoted(&format!("smtp:{fix}"))));
    }
    let upn = domain::display_name(i);
    let name = domain::recipient_type::name(kind).unwrap_or("remote mailbox");
    let f = out.report(Severity::Medium, format!("{name} {upn}: {}", problems.join("; "))).evidence(Field::AdRecipientTypeDetails);
    if !target_ok {
        f.evidence(Field::AdTargetAddress);
    }
    if routing_proxy.is_none() {
        f.evidence(Field::AdProxyAddresses);
    }
    f.remediation(commands.join("\n"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ctx, run, run_with, synced};

    fn bob() -> Identity {
        Identity {
            ad_recipient_type_details: Some(2_147_483_648),
            ad_target_address: Some("SMTP:bob.berg@Contoso.Mail.OnMicrosoft.com".into()),
            ad_proxy_addresses: Some(vec!["SMTP:bob.berg@contoso.com".into(), "smtp:bob.berg@contoso.mail.onmicrosoft.com".into()]),
            ..synced("bob.berg")
        }
    }

    #[test]
    fn fires_on_a_target_off_the_routing_domain() {
        let tina = Identity {
            ad_target_address: Some("SMTP:tina.tran@contoso.onmicrosoft.com".into()),
            ad_proxy_addresses: Some(vec!["SMTP:tina.tran@contoso.com".into(), "smtp:tina.tran@contoso.onmicrosoft.com".into()]),
            ad_mail_nickname: Some("tina.tran".into()),
            ..bob()
        };
        let f = run(&CHECK, &tina);
        assert_eq!((f.len(), f[0].severity), (1, Severity::Medium));
        assert!(f[0].message.starts_with("RemoteUserMailbox") && f[0].message.contains("targetAddress tina.tran@contoso.onmicrosoft.com is not on contoso.mail.onmicrosoft.com"), "{}", f[0].message);
        assert!(f[0].remediation.contains("-RemoteRoutingAddress 'tina.tran@contoso.mail.onmicrosoft.com'"), "{}", f[0].remediation);
        assert!(f[0].remediation.contains("@{Add='smtp:tina.tran@contoso.mail.onmicrosoft.com'}"), "{}", f[0].remediation);
    }

    #[test]
    fn fires_on_proxies_without_the_routing_address() {
        let theo = Identity { ad_proxy_addresses: Some(vec!["SMTP:theo.thorn@contoso.com".into()]), ad_target_address: Some("SMTP:theo.thorn@contoso.mail.onmicrosoft.com".into()), ..synced("theo.thorn") };
        let theo = Identity { ad_recipient_type_details: Some(2_147_483_648), ..theo };
        let f = run(&CHECK, &theo);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("proxyAddresses have no address") && !f[0].message.contains("targetAddress"), "{}", f[0].message);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::AdProxyAddresses.id()));
        assert!(!f[0].evidence.iter().any(|e| e.field == Field::AdTargetAddress.id()));
        let no_target = Identity { ad_target_address: None, ..bob() };
        assert!(run(&CHECK, &no_target)[0].message.contains("targetAddress (empty)"));
    }

    #[test]
    fn quiet_on_mixed_case_mail_users_and_without_routing_domains() {
        assert!(run(&CHECK, &bob()).is_empty());
        let gwen = Identity { ad_recipient_type_details: Some(128), ad_target_address: Some("SMTP:gwen.ford@fabrikam.com".into()), ad_proxy_addresses: Some(vec!["SMTP:gwen.ford@contoso.com".into()]), ..synced("gwen.ford") };
        assert!(run(&CHECK, &gwen).is_empty());
        let broken = Identity { ad_target_address: Some("SMTP:x@contoso.com".into()), ..bob() };
        assert!(run_with(&CHECK, &broken, &hybrid_audit_sdk::Context { routing_domains: vec![], ..ctx() }).is_empty());
        let onprem_mailbox = Identity { ad_recipient_type_details: Some(1), ..broken };
        assert!(run(&CHECK, &onprem_mailbox).is_empty());
    }
}
