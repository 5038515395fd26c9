//! # HOLD003 inactive-mailbox
//!
//! ## What it does
//! Lists every inactive mailbox of the identity (`IsInactiveMailbox` True: its user was deleted while
//! the mailbox was under a hold) with the holds that keep it, as an **info** inventory. It is **high**
//! when none of its mailbox-level holds is left: nothing on the mailbox keeps it any more, so Exchange
//! Online will purge it. Soft-deleted mailboxes that are not inactive are LIC002's business.
//!
//! ## Why it matters
//! An inactive mailbox is kept for the longest hold that applies and is only reachable through
//! eDiscovery or by recovering it. Whoever owns the records should know which ones exist and why. One
//! whose holds are all gone is about to disappear for good; if it still has to be kept, a hold has to
//! be put back (or the mailbox recovered) now. An organisation-wide retention policy is not listed on
//! the mailbox (see `Get-OrganizationConfig`), so "no hold left" is a verdict on the mailbox-level
//! holds: check the org-wide policies before letting it go.
//!
//! ## Example
//! `ian.irwin@contoso.com` (user deleted; the identity is the inactive mailbox itself): inactive, kept by
//! litigation hold and an eDiscovery case hold `UniH…` → info. `ivy.ito@contoso.com`: inactive with only
//! `RetentionHoldEnabled` True, which pauses MRM and holds nothing → high. Quiet:
//! `sam.soto@contoso.com`, whose previous mailbox is soft-deleted, not inactive; an `InPlaceHolds`
//! entry with a leading `-` (an exclusion) counts as no hold.
//!
//! ## Remediation
//! Info: nothing to do but know it; review it with the records owner
//! (`Get-Mailbox -InactiveMailboxOnly`). High: decide whether the content must be kept; if so, put it
//! back on hold (`Set-Mailbox -InactiveMailbox -Identity <ExchangeGuid> -LitigationHoldEnabled $true`)
//! or recover it (`New-Mailbox -InactiveMailbox`), after checking that no org-wide retention policy
//! already covers it.
//!
//! ## Sources
//! - seed 001 (mailboxes with an active hold become inactive on deletion), seed 003 (finding inactive
//!   mailboxes with `Get-Mailbox -InactiveMailboxOnly`)
//! - <https://learn.microsoft.com/purview/inactive-mailboxes-in-office-365>
//! - <https://learn.microsoft.com/purview/identify-a-hold-on-an-exchange-online-mailbox>
//! - <https://learn.microsoft.com/powershell/module/exchange/set-mailbox>

use crate::ps;
use hybrid_audit_sdk::domain;
use hybrid_audit_sdk::{Check, Context, Field, Findings, Identity, PreviousMailbox, Severity};

pub const CHECK: Check = Check {
    id: "HOLD003",
    name: "inactive-mailbox",
    severity: Severity::Info,
    escalates_to: Some(Severity::High),
    // The holds of every mailbox export, the soft-deleted and inactive ones included: without one of
    // their columns "no hold left" could not be told.
    fields: &[Field::PreviousMailboxes, Field::ExoHolds],
    optional: &[],
    source: include_str!("hold003.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let inactive = i.previous_mailboxes.iter().flatten().enumerate().filter(|(_, m)| m.state.eq_ignore_ascii_case("inactive"));
    for (index, mailbox) in inactive {
        let name = mailbox_name(mailbox);
        // The ExchangeGuid names an inactive mailbox unambiguously; the address may be reused.
        let target = ps(&mailbox.exchange_guid.map_or_else(|| name.to_string(), |g| g.to_string()));
        let deleted = mailbox.when_soft_deleted.map(|t| format!(", user deleted {}", t.date())).unwrap_or_default();
        let held = domain::holds(&mailbox.holds);
        let finding = if held.is_empty() {
            out.report(
                Severity::High,
                format!("inactive {} {name}{deleted} has no mailbox-level hold left: it will be purged unless an org-wide retention policy (not listed on the mailbox) still covers it", mailbox.recipient_type_details),
            )
            .remediation(format!(
                "# 1. an org-wide retention policy is not listed on the mailbox: look for one that still covers it\n\
                 Get-OrganizationConfig | Format-List InPlaceHolds\n\
                 # 2. decide with the records owner whether its content must still be kept\n\
                 # 3. only if it must: hold it\n\
                 Set-Mailbox -InactiveMailbox -Identity {target} -LitigationHoldEnabled $true"
            ))
        } else {
            out.report(Severity::Info, format!("inactive {} {name}{deleted} is kept by {}", mailbox.recipient_type_details, held.join(", ")))
                .remediation(format!("Get-Mailbox -InactiveMailboxOnly -Identity {target} | Format-List Name,LitigationHoldEnabled,InPlaceHolds,ComplianceTagHoldApplied  # review with the records owner"))
        };
        finding.evidence_at(Field::PreviousMailboxes, index);
    }
}

fn mailbox_name(m: &PreviousMailbox) -> &str {
    [&m.user_principal_name, &m.primary_smtp_address].into_iter().find(|s| !s.is_empty()).map_or("(no address)", String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;
    use hybrid_audit_sdk::{Guid, Holds, Timestamp};

    fn inactive(holds: Holds) -> PreviousMailbox {
        PreviousMailbox {
            state: "inactive".into(),
            user_principal_name: "ian.irwin@contoso.com".into(),
            primary_smtp_address: "ian.irwin@contoso.com".into(),
            recipient_type_details: "UserMailbox".into(),
            exchange_guid: Some(Guid([0x5a; 16])),
            holds,
            when_soft_deleted: Some(Timestamp(1_750_256_405)),
        }
    }

    /// An EXO-only identity: the user is gone, the mailbox itself is its only object.
    fn exo_only(mailbox: PreviousMailbox) -> Identity {
        Identity { ad_present: Some(false), entra_present: Some(false), exo_present: Some(false), previous_mailboxes: Some(vec![mailbox]), ..Default::default() }
    }

    #[test]
    fn info_when_holds_keep_it() {
        let ian = exo_only(inactive(Holds { litigation_hold_enabled: Some(true), in_place_holds: vec!["UniH0c6c5d36-0a5b-4e7e-9c1f-2d3b4a5c6d7e".into()], ..Default::default() }));
        let f = check(&CHECK, &ian);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].message.contains("ian.irwin@contoso.com") && f[0].message.contains("litigation hold") && f[0].message.contains("eDiscovery case hold"), "{}", f[0].message);
        assert!(f[0].message.contains("2025-06-18"), "{}", f[0].message);
        assert_eq!(f[0].evidence[0].index, Some(0));
        assert!(f[0].remediation.contains("5a5a5a5a-5a5a-5a5a-5a5a-5a5a5a5a5a5a"));
    }

    #[test]
    fn high_when_no_hold_is_left() {
        // ivy.ito: RetentionHoldEnabled is not a hold (and is not even part of `Holds`); an exclusion neither.
        let mut ivy = inactive(Holds { in_place_holds: vec!["-mbx7c2a:1".into()], litigation_hold_enabled: Some(false), ..Default::default() });
        ivy.user_principal_name = "ivy.ito@contoso.com".into();
        let f = check(&CHECK, &exo_only(ivy));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].message.contains("ivy.ito@contoso.com") && f[0].message.contains("purged"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Get-OrganizationConfig") && !f[0].remediation.contains("Remove-"));
        // Holding it is the records owner's decision: a step done by hand comes before the command.
        assert!(f[0].remediation.contains("# 2. decide with the records owner") && f[0].remediation.contains("# 3. only if it must: hold it\nSet-Mailbox -InactiveMailbox"), "{}", f[0].remediation);
    }

    #[test]
    fn quiet_on_soft_deleted_and_without_previous_mailboxes() {
        // sam.soto: a soft-deleted mailbox, not inactive (LIC002's business).
        let sam = Identity {
            ad_present: Some(true),
            previous_mailboxes: Some(vec![PreviousMailbox { state: "soft-deleted".into(), ..inactive(Holds::default()) }]),
            ..Default::default()
        };
        assert!(check(&CHECK, &sam).is_empty());
        assert!(check(&CHECK, &Identity { previous_mailboxes: Some(vec![]), ..Default::default() }).is_empty());
    }

    #[test]
    fn one_finding_per_inactive_mailbox() {
        let two = Identity { previous_mailboxes: Some(vec![inactive(Holds::default()), inactive(Holds { delay_hold_applied: Some(true), ..Default::default() })]), ..Default::default() };
        let f = check(&CHECK, &two);
        assert_eq!(f.iter().map(|f| (f.severity, f.evidence[0].index)).collect::<Vec<_>>(), vec![(Severity::High, Some(0)), (Severity::Info, Some(1))]);
    }
}
