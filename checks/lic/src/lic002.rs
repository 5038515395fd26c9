//! # LIC002 soft-deleted-purge
//!
//! ## What it does
//! Reports every soft-deleted mailbox of the person (`Get-Mailbox -SoftDeletedMailbox`, marked by
//! `WhenSoftDeleted`) with the date Exchange Online purges it, 30 days after `WhenSoftDeleted`, and the
//! days left at the audit date (or says the date is unknown). Inactive mailboxes are not soft-deleted ones:
//! their holds keep them (HOLD003). Severity info; high when the person's AD account is still enabled,
//! which makes the deletion (or license removal) that caused it likely a mistake, and also when the AD
//! object is there but the export does not show its state (no `Enabled`, no `userAccountControl`): the
//! message then says the state is unknown instead of calling the account disabled.
//!
//! ## Why it matters
//! A soft-deleted mailbox can be reconnected (license the user again, or restore the user) or restored
//! into another mailbox only until it is purged; after that its content is gone for good.
//!
//! ## Example
//! `sam.soto@contoso.com`: license removed, mailbox soft-deleted 2026-11-12 → purged 2026-12-12, 20 days
//! left, AD account still enabled (high). `sara.stone@contoso.com` (2026-11-17 → 2026-12-17, AD disabled)
//! and `frank.fox@contoso.com` (removed, no AD object left; 2026-11-07 → 2026-12-07) are info. Quiet:
//! `ian.irwin@contoso.com` is inactive (IsInactiveMailbox), not purged 30 days after `WhenSoftDeleted`.
//!
//! ## Remediation
//! If the mailbox is still wanted, before the purge date: license the user again (Exchange reconnects the
//! soft-deleted mailbox), or restore its content into a mailbox with
//! `New-MailboxRestoreRequest -SourceMailbox '<soft-deleted ExchangeGuid>' -TargetMailbox '<target ExchangeGuid>'`,
//! after giving the target the source's LegacyExchangeDN as an X500 address (Exchange Online is retiring
//! `-AllowLegacyDNMismatch`, and Learn says to add the X500 proxy instead).
//! Otherwise nothing: it is purged on its own.
//!
//! ## Sources
//! - seed 001 (deactivation by license removal, 30 days disconnected, reconnection on licensing)
//! - seed 003 (a soft-deleted mailbox is recoverable within 30 days)
//! - <https://learn.microsoft.com/exchange/recipients-in-exchange-online/delete-or-restore-mailboxes>
//! - <https://learn.microsoft.com/powershell/module/exchange/new-mailboxrestorerequest>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Identity, PreviousMailbox, Severity};

use crate::{assign_license, days_left, graph_user, quoted, MAILBOX_SKU};

pub const CHECK: Check = Check {
    id: "LIC002",
    name: "soft-deleted-purge",
    severity: Severity::Info,
    escalates_to: Some(Severity::High),
    fields: &[Field::PreviousMailboxes],
    optional: &[
        Field::AdPresent,
        Field::AdEnabled,
        Field::EntraPresent,
        Field::EntraExchangePlans,
        Field::EntraId,
        Field::ExoPresent,
        Field::ExoRecipientTypeDetails,
    ],
    source: include_str!("lic002.rs"),
    run,
};

fn run(i: &Identity, ctx: &Context, out: &mut Findings) {
    let Some(previous) = &i.previous_mailboxes else { return };
    let ad_enabled = i.ad_present == Some(true) && i.ad_enabled == Some(true);
    let upn = domain::display_name(i);
    for (index, m) in previous.iter().enumerate().filter(|(_, m)| m.state == "soft-deleted") {
        let name = if m.user_principal_name.is_empty() { &m.primary_smtp_address } else { &m.user_principal_name };
        let mailbox = if name.is_empty() || name.eq_ignore_ascii_case(&upn) { String::new() } else { format!(" ({name})") };
        // An AD account whose state the export does not show (no Enabled, no userAccountControl) may be
        // enabled: the severity stays high and the message says what is unknown.
        let (severity, account) = if ad_enabled {
            (Severity::High, "; its AD account is still enabled")
        } else if i.ad_present == Some(true) && i.ad_enabled == Some(false) {
            (Severity::Info, "; its AD account is disabled")
        } else if i.ad_present == Some(true) {
            (Severity::High, "; whether its AD account is still enabled is unknown (the AD export shows neither Enabled nor userAccountControl)")
        } else {
            (Severity::Info, "")
        };
        let purge = m.when_soft_deleted.map(|t| t.date().add_days(30));
        let kind = if m.recipient_type_details.is_empty() { "mailbox" } else { &m.recipient_type_details };
        let message = match (m.when_soft_deleted, purge) {
            (Some(t), Some(p)) => format!("{kind} of {upn}{mailbox} soft-deleted {}: purge due {p}, {}{account}", t.date(), days_left(ctx.as_of, p)),
            _ => format!("soft-deleted {kind} of {upn}{mailbox}: purged 30 days after its soft deletion, which the export does not date (no WhenSoftDeleted){account}"),
        };
        let f = out.report(severity, message).evidence_at(Field::PreviousMailboxes, index);
        if let Some(p) = purge {
            f.deadline(p);
        }
        match (i.ad_present, i.ad_enabled) {
            (Some(true), Some(_)) => f.evidence(Field::AdEnabled),
            (Some(_), _) => f.evidence(Field::AdPresent),
            (None, _) => f,
        }
        .remediation(remediation(i, m, name, purge.map(|p| p.to_string()).unwrap_or_else(|| "the purge".into())));
    }
}

fn remediation(i: &Identity, m: &PreviousMailbox, name: &str, purge: String) -> String {
    // The user is still there without a mailbox plan: licensing it reconnects the soft-deleted mailbox.
    if domain::has_mailbox_plan(i) == Some(false) && m.recipient_type_details == "UserMailbox" {
        return format!("# to keep it, license the user again before {purge}: Exchange Online reconnects the soft-deleted mailbox\n{}", assign_license(&graph_user(i), MAILBOX_SKU, true));
    }
    let source = m.exchange_guid.map(|g| g.to_string()).unwrap_or_else(|| name.to_string());
    let active_mailbox = i.exo_present == Some(true) && i.exo_recipient_type_details.as_deref().is_some_and(|t| t.ends_with("Mailbox"));
    let (note, target) = if active_mailbox {
        ("", i.exo_user_principal_name.clone().unwrap_or_else(|| domain::display_name(i)))
    } else {
        (" (there is no active mailbox to restore into: restore the user first, or pick another target mailbox)", "<target mailbox>".to_string())
    };
    // -AllowLegacyDNMismatch is being retired in Exchange Online: the target takes the source's
    // LegacyExchangeDN as an X500 address instead; -TargetMailbox takes the target's GUID (Learn). A target
    // synced from AD has its addresses managed on-prem (Exchange Online refuses Set-Mailbox -EmailAddresses
    // on it): the value is read here and set there, then synced.
    if active_mailbox && i.ad_present == Some(true) {
        return format!(
            "# 1. to keep its content, restore it before {purge}: the target takes the source's LegacyExchangeDN as an X500 address (replies to old messages still reach it); read it here\n\
             (Get-Mailbox -SoftDeletedMailbox -Identity {source}).LegacyExchangeDN\n\
             # 2. on-prem (the target is synced from AD, its addresses are managed there), then sync\n\
             Set-RemoteMailbox -Identity {onprem} -EmailAddresses @{{Add = 'X500:<LegacyExchangeDN read in step 1>'}}\n\
             # 3. once the address has reached Exchange Online: restore\n\
             New-MailboxRestoreRequest -SourceMailbox {source} -TargetMailbox (Get-Mailbox -Identity {target}).ExchangeGuid.ToString()",
            source = quoted(&source),
            onprem = quoted(&domain::onprem_name(i)),
            target = quoted(&target)
        );
    }
    format!(
        "# to keep its content, restore it before {purge}{note}; the target takes the source's LegacyExchangeDN as an X500 address, so replies to old messages still reach it\n\
         $source = Get-Mailbox -SoftDeletedMailbox -Identity {source}\n\
         Set-Mailbox -Identity {target} -EmailAddresses @{{Add = \"X500:$($source.LegacyExchangeDN)\"}}\n\
         New-MailboxRestoreRequest -SourceMailbox {source} -TargetMailbox (Get-Mailbox -Identity {target}).ExchangeGuid.ToString()",
        source = quoted(&source),
        target = quoted(&target)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, enterprise, run};
    use hybrid_audit_sdk::{Guid, Holds};

    fn soft_deleted(upn: &str, deleted: Option<hybrid_audit_sdk::Timestamp>) -> PreviousMailbox {
        PreviousMailbox {
            state: "soft-deleted".into(),
            user_principal_name: upn.into(),
            primary_smtp_address: upn.into(),
            recipient_type_details: "UserMailbox".into(),
            exchange_guid: Some(Guid([7; 16])),
            holds: Holds::default(),
            when_soft_deleted: deleted,
        }
    }

    fn sam() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_enabled: Some(true),
            ad_user_principal_name: Some("sam.soto@contoso.com".into()),
            entra_present: Some(true),
            entra_user_principal_name: Some("sam.soto@contoso.com".into()),
            entra_exchange_plans: Some(vec![]),
            exo_present: Some(true),
            exo_recipient_type_details: Some("User".into()),
            previous_mailboxes: Some(vec![soft_deleted("sam.soto@contoso.com", Some(at(2026, 11, 12, 10)))]),
            ..Default::default()
        }
    }

    #[test]
    fn a_synced_target_takes_its_x500_address_on_prem() {
        // gary: licensed, an active cloud mailbox synced from AD, and a soft-deleted one to restore into it.
        // Exchange Online refuses Set-Mailbox -EmailAddresses on a synced object (review J, J5).
        let gary = Identity {
            entra_exchange_plans: Some(vec![enterprise()]),
            exo_recipient_type_details: Some("UserMailbox".into()),
            exo_user_principal_name: Some("sam.soto@contoso.com".into()),
            ..sam()
        };
        let r = &run(&CHECK, &gary)[0].remediation;
        assert!(!r.contains("Set-Mailbox -Identity"), "{r}");
        assert!(r.contains("Set-RemoteMailbox -Identity 'sam.soto@contoso.com' -EmailAddresses @{Add = 'X500:<LegacyExchangeDN read in step 1>'}"), "{r}");
        assert!(r.contains("# 3. once the address has reached Exchange Online: restore\nNew-MailboxRestoreRequest -SourceMailbox '"), "{r}");
        // A cloud-only target: set in Exchange Online.
        let cloud_only = Identity { ad_present: Some(false), ..gary };
        assert!(run(&CHECK, &cloud_only)[0].remediation.contains("Set-Mailbox -Identity 'sam.soto@contoso.com' -EmailAddresses @{Add = \"X500:"));
    }

    #[test]
    fn high_when_the_ad_account_is_still_enabled() {
        let f = run(&CHECK, &sam());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].deadline.map(|d| d.to_string()).as_deref(), Some("2026-12-12"));
        assert!(f[0].message.contains("20 days left") && f[0].message.contains("still enabled"), "{}", f[0].message);
        assert!(f[0].remediation.contains("Set-MgUserLicense -UserId 'sam.soto@contoso.com'"), "{}", f[0].remediation);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::PreviousMailboxes.id() && e.index == Some(0)));
    }

    #[test]
    fn info_when_disabled_or_gone() {
        let sara = Identity { ad_enabled: Some(false), previous_mailboxes: Some(vec![soft_deleted("sara.stone@contoso.com", Some(at(2026, 11, 17, 10)))]), ..sam() };
        let f = run(&CHECK, &sara);
        assert_eq!((f.len(), f[0].severity), (1, Severity::Info));
        assert!(f[0].message.contains("purge due 2026-12-17, 25 days left"), "{}", f[0].message);
        let frank = Identity {
            ad_present: Some(false),
            ad_enabled: None,
            ad_user_principal_name: None,
            entra_present: Some(false),
            entra_user_principal_name: None,
            entra_exchange_plans: None,
            exo_present: Some(false),
            exo_recipient_type_details: None,
            previous_mailboxes: Some(vec![soft_deleted("frank.fox@contoso.com", Some(at(2026, 11, 7, 10)))]),
            ..Default::default()
        };
        let f = run(&CHECK, &frank);
        assert_eq!((f.len(), f[0].severity), (1, Severity::Info));
        assert!(f[0].message.contains("frank.fox@contoso.com") && f[0].message.contains("2026-12-07"), "{}", f[0].message);
        assert!(f[0].remediation.contains("New-MailboxRestoreRequest -SourceMailbox '07070707-"), "{}", f[0].remediation);
        // -AllowLegacyDNMismatch is being retired in Exchange Online: the X500 address instead, the target by GUID.
        assert!(!f[0].remediation.contains("AllowLegacyDNMismatch") && f[0].remediation.contains("@{Add = \"X500:$($source.LegacyExchangeDN)\"}"), "{}", f[0].remediation);
        assert!(f[0].remediation.contains("-TargetMailbox (Get-Mailbox -Identity "), "{}", f[0].remediation);
    }

    #[test]
    fn an_unknown_ad_account_state_is_not_read_as_disabled() {
        // The AD export has neither Enabled nor userAccountControl: the account may well be enabled.
        let unknown = Identity { ad_enabled: None, ..sam() };
        let f = run(&CHECK, &unknown);
        assert_eq!((f.len(), f[0].severity), (1, Severity::High));
        assert!(!f[0].message.contains("disabled") && f[0].message.contains("is unknown"), "{}", f[0].message);
        assert!(f[0].evidence.iter().all(|e| e.field != Field::AdEnabled.id()), "{:?}", f[0].evidence);
        // A known disabled account stays info, and says so.
        let disabled = Identity { ad_enabled: Some(false), ..sam() };
        let f = run(&CHECK, &disabled);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].message.ends_with("its AD account is disabled"), "{}", f[0].message);
    }

    #[test]
    fn licensed_user_gets_a_restore_and_an_unknown_date_is_said() {
        // pete: licensed, active MailUser, soft-deleted blank mailbox with no date.
        let pete = Identity { entra_exchange_plans: Some(vec![enterprise()]), exo_recipient_type_details: Some("MailUser".into()), previous_mailboxes: Some(vec![soft_deleted("pete.park@contoso.com", None)]), ..sam() };
        let f = run(&CHECK, &pete);
        assert_eq!((f.len(), f[0].severity, f[0].deadline), (1, Severity::High, None));
        assert!(f[0].message.contains("does not date"), "{}", f[0].message);
        assert!(f[0].remediation.contains("New-MailboxRestoreRequest"), "{}", f[0].remediation);
    }

    #[test]
    fn quiet_on_inactive_and_no_previous_mailbox() {
        let ian = Identity {
            ad_present: Some(false),
            previous_mailboxes: Some(vec![PreviousMailbox { state: "inactive".into(), ..soft_deleted("ian.irwin@contoso.com", Some(at(2025, 6, 18, 14))) }]),
            ..Default::default()
        };
        assert!(run(&CHECK, &ian).is_empty());
        assert!(run(&CHECK, &Identity { previous_mailboxes: Some(vec![]), ..sam() }).is_empty());
    }
}
