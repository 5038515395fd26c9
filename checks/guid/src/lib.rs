//! ExchangeGuid and archive GUID agreement (GUID001-GUID004)

mod guid001;
mod guid002;
mod guid003;
mod guid004;

/// This family's checks; `checks/builtin` bundles every family into the one built-in plugin.
pub const CHECKS: &[hybrid_audit_sdk::Check] = &[guid001::CHECK, guid002::CHECK, guid003::CHECK, guid004::CHECK];

use hybrid_audit_sdk::domain::{ps_quote as ps, onprem_name};

use hybrid_audit_sdk::domain::{self, recipient_type};
use hybrid_audit_sdk::{Guid, Identity};

/// The on-prem and cloud values when both are set, non-zero, and differ. The host has normalised
/// case and braces, so equal GUIDs compare equal whatever their export spelling.
fn mismatch(onprem: Option<Guid>, cloud: Option<Guid>) -> Option<(Guid, Guid)> {
    let (onprem, cloud) = (Guid::non_zero(onprem)?, Guid::non_zero(cloud)?);
    (onprem != cloud).then_some((onprem, cloud))
}

/// How to make the on-prem `param` (`ExchangeGuid`, `ArchiveGuid`) and the cloud value agree: the side
/// that holds the mailbox is right.
fn align(i: &Identity, param: &str, onprem: Guid, cloud: Guid) -> String {
    let upn = ps(&onprem_name(i));
    match i.ad_recipient_type_details {
        Some(t) if recipient_type::is_remote_mailbox(t) => {
            format!("Set-RemoteMailbox -Identity {upn} -{param} '{cloud}'  # on-prem Exchange: the mailbox lives in Exchange Online")
        }
        Some(t) if recipient_type::is_onprem_mailbox(t) && param == "ExchangeGuid" && i.exo_recipient_type_details.as_deref() == Some("UserMailbox") => {
            split_mailbox(i)
        }
        Some(t) if recipient_type::is_onprem_mailbox(t) => format!(
            "Start-ADSyncSyncCycle -PolicyType Delta  # the mailbox is on-prem: its {param} {onprem} must reach the cloud object (now {cloud}); check the Entra Connect export errors of {upn}"
        ),
        _ => format!("Get-EXOMailbox -Identity {} -Properties {param} | Format-List {param}  # decide which side is right: the on-prem object is no mailbox or remote mailbox", ps(&domain::display_name(i))),
    }
}

/// GUID004's way out: the on-prem mailbox is the real one, the cloud mailbox was created beside it.
fn split_mailbox(i: &Identity) -> String {
    let upn = ps(&domain::display_name(i));
    let plan = domain::mailbox_plans(i).next().map_or(domain::MAILBOX_PLANS[1].0, |(_, p)| p.plan_id);
    format!(
        "# 1. save what was delivered to the cloud mailbox (eDiscovery export) before detaching it; a held mailbox refuses (HOLD002)\n\
         # 2. take its Exchange plan away: the cloud object reverts to a MailUser carrying the on-prem ExchangeGuid (seed 002)\n\
         $sku = (Get-MgUserLicenseDetail -UserId {upn} | Where-Object {{ $_.ServicePlans.ServicePlanId -contains '{plan}' }}).SkuId\n\
         Set-MgUserLicense -UserId {upn} -AddLicenses @(@{{SkuId = $sku; DisabledPlans = @('{plan}')}}) -RemoveLicenses @()\n\
         # 3. once its content is safe, clear the pointer to it (this purges the disconnected cloud mailbox), or the next license brings it back\n\
         Set-User -Identity {upn} -PermanentlyClearPreviousMailboxInfo"
    )
}

#[cfg(test)]
mod testing {
    pub use hybrid_audit_sdk::testing::run as check;

    pub use hybrid_audit_sdk::testing::guid;
}
