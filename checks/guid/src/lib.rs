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
        Some(t) if recipient_type::is_remote_mailbox(t) && param == "ArchiveGuid" => format!(
            "Set-RemoteMailbox -Identity {upn} -ArchiveGuid '{cloud}'  # on-prem Exchange: the archive lives in Exchange Online (the cmdlet reference reserves -ArchiveGuid for Microsoft; Microsoft support's fix for this mismatch uses it)"
        ),
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
///
/// Taking the Exchange plan away keeps the user's other disabled plans disabled (`DisabledPlans` replaces the
/// whole list: learn.microsoft.com/microsoft-365/enterprise/disable-access-to-services-with-microsoft-365-powershell)
/// and acts on the one SKU that grants the mailbox, found live; two such SKUs, or a SKU a group assigns
/// (a direct assignment cannot take away what the group grants), are for the operator.
fn split_mailbox(i: &Identity) -> String {
    let upn = ps(&domain::display_name(i));
    let by_group: Vec<String> = i
        .entra_license_states
        .iter()
        .flatten()
        .filter(|s| s.exchange)
        .filter_map(|s| s.assigned_by_group.map(|g| format!("{} from group {g}", s.sku)))
        .collect();
    let take = "# 2. take its Exchange plan away (destructive: the cloud mailbox is disconnected, and deleted 30 days later): the cloud object reverts to a MailUser carrying the on-prem ExchangeGuid (seed 002)";
    let take_plan = if by_group.is_empty() {
        let pattern = domain::MAILBOX_PLAN_NAME_PATTERN;
        format!(
            "{take}; the user's other disabled plans stay disabled\n\
             $lic = @(Get-MgUserLicenseDetail -UserId {upn} | Where-Object {{ @($_.ServicePlans | Where-Object {{ $_.ServicePlanName -match '{pattern}' -and $_.ProvisioningStatus -ne 'Disabled' }}).Count -gt 0 }}); if ($lic.Count -ne 1) {{ throw ('{{0}} SKUs of the user grant a mailbox: take the Exchange plan away by hand' -f $lic.Count) }}\n\
             $off = @($lic[0].ServicePlans | Where-Object {{ $_.ProvisioningStatus -eq 'Disabled' -or $_.ServicePlanName -match '{pattern}' }} | Select-Object -ExpandProperty ServicePlanId)\n\
             Set-MgUserLicense -UserId {upn} -AddLicenses @(@{{SkuId = $lic[0].SkuId; DisabledPlans = $off}}) -RemoveLicenses @()"
        )
    } else {
        format!("{take}, in the group's license assignment (a direct assignment cannot take away what a group grants): {}", by_group.join(", "))
    };
    format!(
        "# 1. save what was delivered to the cloud mailbox (eDiscovery export) before detaching it; a held mailbox refuses (HOLD002)\n\
         {take_plan}\n\
         # 3. wait until the cloud object is a MailUser again (Get-User -Identity {upn} shows RecipientTypeDetails MailUser: the plan's removal takes a while to reach Exchange Online) and its content is safe; a later run of this script skips this finding (the object changed since the audit): then run the next line by hand\n\
         # 4. clear the pointer to the disconnected cloud mailbox (this purges it), or the next license brings it back; only once the object is a MailUser\n\
         $now = (Get-User -Identity {upn}).RecipientTypeDetails; if (\"$now\" -ne 'MailUser') {{ throw ('the cloud object is still {{0}}, not a MailUser: wait, then run this step again' -f $now) }}\n\
         Set-User -Identity {upn} -PermanentlyClearPreviousMailboxInfo"
    )
}

#[cfg(test)]
mod testing {
    pub use hybrid_audit_sdk::testing::run as check;

    pub use hybrid_audit_sdk::testing::guid;
}
