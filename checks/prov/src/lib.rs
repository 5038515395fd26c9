//! Provisioning (PROV001-PROV007)

mod prov001;
mod prov002;
mod prov003;
mod prov004;
mod prov005;
mod prov006;
mod prov007;

use hybrid_audit_sdk::{domain, Context, Identity};

/// This family's checks; `checks/builtin` bundles every family into the one built-in plugin.
pub const CHECKS: &[hybrid_audit_sdk::Check] = &[prov001::CHECK, prov002::CHECK, prov003::CHECK, prov004::CHECK, prov005::CHECK, prov006::CHECK, prov007::CHECK];

use hybrid_audit_sdk::domain::{ps_quote as quoted};

/// The AD object as on-prem cmdlets take it (`Set-ADUser` does not take a UPN): sAMAccountName, else the DN.
fn ad_identity(i: &Identity) -> String {
    quoted(&i.ad_sam_account_name.clone().or_else(|| i.ad_distinguished_name.clone()).unwrap_or_else(|| domain::display_name(i)))
}

/// The Exchange alias: `mailNickname`, else the local part of the mail address or UPN, else sAMAccountName.
fn alias(i: &Identity) -> Option<String> {
    let local = |a: &Option<String>| a.as_deref().and_then(|a| a.split_once('@')).map(|(l, _)| l.to_string());
    i.ad_mail_nickname.clone().or_else(|| local(&i.ad_mail)).or_else(|| local(&i.ad_user_principal_name)).or_else(|| i.ad_sam_account_name.clone())
}

/// The tenant's remote routing domain (`contoso.mail.onmicrosoft.com`) as the exports show it.
fn routing_domain(ctx: &Context) -> &str {
    ctx.routing_domains.first().map(String::as_str).unwrap_or("<tenant>.mail.onmicrosoft.com")
}

#[cfg(test)]
mod testing {
    use hybrid_audit_sdk::{domain, Date, ExchangePlan, Guid, Identity, Timestamp};

    pub use hybrid_audit_sdk::testing::{contoso as ctx, run, run_with};

    pub fn date(y: i32, m: u32, d: u32) -> Date {
        Date::from_ymd(y, m, d).expect("valid test date")
    }

    pub fn at(y: i32, m: u32, d: u32, hour: i64) -> Timestamp {
        Timestamp(date(y, m, d).0 as i64 * 86_400 + hour * 3600)
    }

    pub fn enterprise(assigned: Option<Timestamp>) -> ExchangePlan {
        ExchangePlan { plan_id: domain::MAILBOX_PLANS[1].0, name: "EXCHANGE_S_ENTERPRISE".into(), enabled: true, status: "Enabled".into(), assigned }
    }

    pub fn foundation() -> ExchangePlan {
        ExchangePlan { plan_id: domain::EXCHANGE_FOUNDATION, name: "EXCHANGE_S_FOUNDATION".into(), enabled: true, status: "Enabled".into(), assigned: None }
    }

    /// A source anchor of its own for each test identity.
    pub fn anchor(key: &str) -> Guid {
        let mut bytes = [0x5a; 16];
        for (k, b) in key.bytes().enumerate() {
            bytes[k % 16] ^= b;
        }
        Guid(bytes)
    }

    /// A synced identity (AD joined to Entra by source anchor) with a cloud mailbox, the base the checks' tests vary.
    pub fn synced(key: &str) -> Identity {
        Identity {
            ad_present: Some(true),
            ad_enabled: Some(true),
            ad_sam_account_name: Some(key.split('.').map(|p| p.chars().next().unwrap_or('x')).collect()),
            ad_user_principal_name: Some(format!("{key}@contoso.com")),
            ad_mail: Some(format!("{key}@contoso.com")),
            ad_mail_nickname: Some(key.into()),
            ad_source_anchor: Some(anchor(key)),
            entra_present: Some(true),
            entra_user_principal_name: Some(format!("{key}@contoso.com")),
            entra_immutable_id_anchor: Some(anchor(key)),
            entra_exchange_plans: Some(vec![enterprise(None)]),
            exo_present: Some(true),
            exo_user_principal_name: Some(format!("{key}@contoso.com")),
            exo_recipient_type_details: Some("UserMailbox".into()),
            ..Default::default()
        }
    }

}
