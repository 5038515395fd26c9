//! # PROV002 stale-exchange-attributes
//!
//! ## What it does
//! Fires on an AD user that still carries `msExchHomeServerName` and/or `homeMDB` (the marks of an
//! on-prem mailbox) while its `msExchMailboxGuid` is empty or the zero GUID: leftovers of a mailbox that
//! was removed without its attributes being cleared.
//!
//! ## Why it matters
//! Exchange reads such an object as a mailbox that has no mailbox: `Enable-RemoteMailbox` and other
//! recipient cmdlets fail with "ExchangeGuid is mandatory on UserMailbox" / "Database is mandatory on
//! UserMailbox", so the user cannot be given a cloud mailbox the supported way.
//!
//! ## Example
//! `stan.stiles@contoso.com`: `homeMDB` and `msExchHomeServerName` set, no `msExchMailboxGuid`. Quiet:
//! `paul.price@contoso.com`, whose `homeMDB` comes with a mailbox GUID: a real on-prem mailbox.
//!
//! ## Remediation
//! Clear the leftovers on-prem (and any other `msExch*` value of the removed mailbox), then sync:
//! `Set-ADUser -Identity '<sAMAccountName>' -Clear msExchHomeServerName,homeMDB`,
//! `Start-ADSyncSyncCycle -PolicyType Delta`. Then `Enable-RemoteMailbox` works again.
//!
//! ## Sources
//! - seed 000 ("ExchangeGuid is mandatory on UserMailbox": clear `msExchHomeServerName`)
//! - <https://learn.microsoft.com/powershell/module/exchange/enable-remotemailbox>
//! - <https://learn.microsoft.com/powershell/module/activedirectory/set-aduser>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Guid, Identity, Severity};

use crate::ad_identity;

pub const CHECK: Check = Check {
    id: "PROV002",
    name: "stale-exchange-attributes",
    severity: Severity::Medium,
    escalates_to: None,
    fields: &[Field::AdPresent, Field::AdMailboxGuid, Field::AdHomeServerName],
    optional: &[Field::AdHomeMdb, Field::AdSamAccountName, Field::AdDistinguishedName],
    source: include_str!("prov002.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    if i.ad_present != Some(true) || Guid::non_zero(i.ad_mailbox_guid).is_some() {
        return;
    }
    let stale: Vec<(&str, Field)> = [("msExchHomeServerName", Field::AdHomeServerName, &i.ad_home_server_name), ("homeMDB", Field::AdHomeMdb, &i.ad_home_mdb)]
        .into_iter()
        .filter(|(_, _, value)| value.is_some())
        .map(|(name, field, _)| (name, field))
        .collect();
    if stale.is_empty() {
        return;
    }
    let names: Vec<&str> = stale.iter().map(|(n, _)| *n).collect();
    let upn = domain::display_name(i);
    let f = out
        .report(Severity::Medium, format!("{upn} has {} set but no msExchMailboxGuid: leftovers of a removed mailbox (\"ExchangeGuid is mandatory on UserMailbox\")", names.join(" and ")))
        .evidence(Field::AdMailboxGuid)
        .remediation(format!(
            "# on-prem: clear the leftovers (and any other msExch* value of the removed mailbox), then sync\nSet-ADUser -Identity {} -Clear {}\nStart-ADSyncSyncCycle -PolicyType Delta",
            ad_identity(i),
            names.join(",")
        ));
    for (_, field) in stale {
        f.evidence(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run, synced};

    const HOME_MDB: &str = "CN=DB01,CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com";
    const HOME_SERVER: &str = "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=EX01";

    fn stan() -> Identity {
        Identity {
            ad_home_mdb: Some(HOME_MDB.into()),
            ad_home_server_name: Some(HOME_SERVER.into()),
            ad_mailbox_guid: None,
            exo_recipient_type_details: Some("User".into()),
            ..synced("stan.stiles")
        }
    }

    #[test]
    fn fires_on_home_attributes_without_a_mailbox_guid() {
        let f = run(&CHECK, &stan());
        assert_eq!((f.len(), f[0].severity), (1, Severity::Medium));
        assert!(f[0].message.contains("msExchHomeServerName and homeMDB"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Set-ADUser -Identity 'ss' -Clear msExchHomeServerName,homeMDB"), "{}", f[0].remediation);
        let zero_guid_server_only = Identity { ad_home_mdb: None, ad_mailbox_guid: Some(Guid([0; 16])), ..stan() };
        let f = run(&CHECK, &zero_guid_server_only);
        assert!(f[0].remediation.contains("-Clear msExchHomeServerName\n"), "{}", f[0].remediation);
    }

    #[test]
    fn quiet_on_a_real_mailbox_or_clean_user() {
        // paul: homeMDB with a mailbox GUID is a real on-prem mailbox.
        let paul = Identity { ad_mailbox_guid: Some(Guid([1; 16])), ad_recipient_type_details: Some(1), ..stan() };
        assert!(run(&CHECK, &paul).is_empty());
        let clean = Identity { ad_home_mdb: None, ad_home_server_name: None, ..stan() };
        assert!(run(&CHECK, &clean).is_empty());
        assert!(run(&CHECK, &Identity { ad_present: Some(false), ..stan() }).is_empty());
    }
}
