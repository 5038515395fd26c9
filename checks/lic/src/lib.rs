//! Licensing (LIC001-LIC006)

mod lic001;
mod lic002;
mod lic003;
mod lic004;
mod lic005;
mod lic006;

use hybrid_audit_sdk::domain::{self, recipient_type};
use hybrid_audit_sdk::{Date, Identity};

/// This family's checks; `checks/builtin` bundles every family into the one built-in plugin.
pub const CHECKS: &[hybrid_audit_sdk::Check] = &[lic001::CHECK, lic002::CHECK, lic003::CHECK, lic004::CHECK, lic005::CHECK, lic006::CHECK];

use hybrid_audit_sdk::domain::{ps_quote as quoted, graph_user};

/// Which SKU licenses a mailbox is the tenant's choice (and its bill): a placeholder the operator fills in,
/// so the remediation script prints the step instead of assigning a SKU the tenant may not own.
const MAILBOX_SKU: &str = "<SKU that licenses mailboxes in this tenant, e.g. EXCHANGESTANDARD>";

/// Assigns a SKU to `user`: by id when `sku` is one, else looked up by part number in the tenant's
/// subscriptions. The user's disabled plans on it stay disabled; with `mailbox` but the mailbox-granting ones
/// ([`domain::assign_sku`]).
fn assign_license(user: &str, sku: &str, mailbox: bool) -> String {
    let sku_id = if sku.len() == 36 && sku.matches('-').count() == 4 {
        quoted(sku)
    } else {
        format!("(Get-MgSubscribedSku -All | Where-Object SkuPartNumber -eq {}).SkuId", quoted(sku))
    };
    domain::assign_sku(user, &sku_id, mailbox)
}

/// `5 days left`, `due today`, `3 days ago`.
fn days_left(as_of: Date, deadline: Date) -> String {
    match as_of.days_until(deadline) {
        0 => "due today".to_string(),
        1 => "1 day left".to_string(),
        n if n > 1 => format!("{n} days left"),
        -1 => "1 day ago".to_string(),
        n => format!("{} days ago", -n),
    }
}

/// The Entra user's Exchange plans as a message shows them (`EXCHANGE_S_FOUNDATION (grants no mailbox)`), or `none`.
fn describe_plans(i: &Identity) -> String {
    let plans: Vec<String> = i
        .entra_exchange_plans
        .iter()
        .flatten()
        .map(|p| {
            let name = if p.name.is_empty() { p.plan_id.to_string() } else { p.name.clone() };
            let note = if !domain::grants_mailbox(p) {
                " (grants no mailbox)"
            } else if !p.enabled {
                " (disabled)"
            } else {
                ""
            };
            format!("{name}{note}")
        })
        .collect();
    if plans.is_empty() { "none".to_string() } else { plans.join(", ") }
}

/// The on-prem mailbox type of a user mailbox that a move to Exchange Online will need to license
/// (`UserMailbox`, `LinkedMailbox`); shared, room and equipment mailboxes need none.
fn onprem_user_mailbox(i: &Identity) -> Option<&'static str> {
    if i.ad_present != Some(true) {
        return None;
    }
    match i.ad_recipient_type_details? {
        recipient_type::USER_MAILBOX => Some("UserMailbox"),
        recipient_type::LINKED_MAILBOX => Some("LinkedMailbox"),
        _ => None,
    }
}

#[cfg(test)]
mod testing {
    use hybrid_audit_sdk::{domain, Date, ExchangePlan, Guid, Timestamp};

    pub use hybrid_audit_sdk::testing::run;

    pub fn date(y: i32, m: u32, d: u32) -> Date {
        Date::from_ymd(y, m, d).expect("valid test date")
    }

    pub fn at(y: i32, m: u32, d: u32, hour: i64) -> Timestamp {
        Timestamp(date(y, m, d).0 as i64 * 86_400 + hour * 3600)
    }

    pub fn plan(plan_id: Guid, name: &str, enabled: bool) -> ExchangePlan {
        ExchangePlan { plan_id, name: name.into(), enabled, status: if enabled { "Enabled" } else { "Deleted" }.into(), assigned: None }
    }

    pub fn enterprise() -> ExchangePlan {
        plan(domain::MAILBOX_PLANS[1].0, "EXCHANGE_S_ENTERPRISE", true)
    }

    pub fn foundation() -> ExchangePlan {
        plan(domain::EXCHANGE_FOUNDATION, "EXCHANGE_S_FOUNDATION", true)
    }

}
