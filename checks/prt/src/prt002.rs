//! # PRT002 stale-previous-mailbox-info
//!
//! ## What it does
//! Fires when Get-User shows a `PreviousRecipientTypeDetails` (any value but empty or `None`) while the
//! mailbox exports hold no soft-deleted or inactive mailbox of the identity any more.
//!
//! ## Why it matters
//! When a cloud mailbox is disabled or deleted, Exchange Online records its last state
//! (`msExchPreviousRecipientTypeDetails`, `msExchPreviousMailboxGuid`, …) and a background process clears
//! it once the mailbox is finally gone. That cleanup does not always run (seed 001). A stale record makes
//! the next license try to reconnect a mailbox that no longer exists, or provision a new one where a
//! mail user was expected (PRT001).
//!
//! ## Example
//! `pam.pratt@contoso.com`: Get-User `User` with `PreviousRecipientTypeDetails` UserMailbox and no
//! soft-deleted or inactive mailbox left. Quiet: `pete.park@contoso.com`, `sam.soto@contoso.com` and
//! `sara.stone@contoso.com`, whose soft-deleted mailboxes are still there (the record is not stale yet);
//! `paul.price@contoso.com`, whose `PreviousRecipientTypeDetails` is `None`.
//!
//! ## Remediation
//! Clear the record with `Set-User -PermanentlyClearPreviousMailboxInfo` (nothing is left for it to
//! purge; confirm with `Get-Mailbox -SoftDeletedMailbox` and `Get-Mailbox -InactiveMailboxOnly` if the
//! exports are older than a day).
//!
//! ## Sources
//! - seed 001 (the previous-mailbox attributes, their failed cleanup, `Set-User
//!   -PermanentlyClearPreviousMailboxInfo`)
//! - <https://learn.microsoft.com/powershell/module/exchange/set-user>
//! - <https://techcommunity.microsoft.com/t5/exchange-team-blog/permanently-clear-previous-mailbox-info/ba-p/607619>

use crate::{previous_type, ps};
use hybrid_audit_sdk::domain;
use hybrid_audit_sdk::{Check, Context, Field, Findings, Identity, Severity};

pub const CHECK: Check = Check {
    id: "PRT002",
    name: "stale-previous-mailbox-info",
    severity: Severity::Low,
    escalates_to: None,
    fields: &[Field::ExoPreviousRecipientTypeDetails, Field::PreviousMailboxes],
    optional: &[Field::ExoRecipientTypeDetails],
    source: include_str!("prt002.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let (Some(previous), Some(mailboxes)) = (previous_type(i), &i.previous_mailboxes) else { return };
    if !mailboxes.is_empty() {
        return;
    }
    let upn = domain::display_name(i);
    let now = i.exo_recipient_type_details.as_deref().unwrap_or("user");
    out.report(Severity::Low, format!("{now} {upn} still records PreviousRecipientTypeDetails {previous} but no soft-deleted or inactive mailbox is left: the cleanup failed"))
        .evidence(Field::ExoPreviousRecipientTypeDetails)
        .evidence(Field::PreviousMailboxes)
        .remediation(format!(
            "# clear the stale record only while no soft-deleted or inactive mailbox of the user is left (the exports show none; clearing makes one unrecoverable): looked for again first, a failed look stops it\n\
             $left = @(foreach ($only in @{{SoftDeletedMailbox = $true}}, @{{InactiveMailboxOnly = $true}}) {{ try {{ Get-Mailbox -Identity {user} @only -ErrorAction Stop }} catch {{ if (\"$_\" -notmatch \"couldn't be found|ManagementObjectNotFound\") {{ throw }} }} }}); if ($left.Count -gt 0) {{ throw ('{{0}} soft-deleted or inactive mailbox(es) left: save their content first (LIC002, HOLD003)' -f $left.Count) }}\n\
             Set-User -Identity {user} -PermanentlyClearPreviousMailboxInfo",
            user = ps(&upn)
        ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;
    use hybrid_audit_sdk::PreviousMailbox;

    fn pam() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("pam.pratt@contoso.com".into()),
            exo_present: Some(true),
            exo_recipient_type_details: Some("User".into()),
            exo_previous_recipient_type_details: Some("UserMailbox".into()),
            previous_mailboxes: Some(vec![]),
            ..Default::default()
        }
    }

    #[test]
    fn fires_when_nothing_is_left() {
        let f = check(&CHECK, &pam());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert!(f[0].message.contains("pam.pratt@contoso.com") && f[0].message.contains("UserMailbox"), "{}", f[0].message);
        // The exports show no previous mailbox left; clearing makes one unrecoverable: looked for again,
        // and the operator confirms before the clear (review J, J3).
        let r = &f[0].remediation;
        // A failed look is no empty list: only "couldn't be found" counts as none.
        assert!(r.contains("try { Get-Mailbox -Identity 'pam.pratt@contoso.com' @only -ErrorAction Stop } catch { if (\"$_\" -notmatch \"couldn't be found|ManagementObjectNotFound\") { throw } }"), "{r}");
        assert!(r.contains("if ($left.Count -gt 0) { throw") && r.ends_with("\nSet-User -Identity 'pam.pratt@contoso.com' -PermanentlyClearPreviousMailboxInfo"), "{r}");
    }

    #[test]
    fn quiet_while_a_previous_mailbox_is_there() {
        for state in ["soft-deleted", "inactive"] {
            let sam = Identity { previous_mailboxes: Some(vec![PreviousMailbox { state: state.into(), ..Default::default() }]), ..pam() };
            assert!(check(&CHECK, &sam).is_empty(), "{state}");
        }
    }

    #[test]
    fn quiet_when_nothing_is_recorded_or_not_known() {
        for value in [Some("None"), Some(""), None] {
            let paul = Identity { exo_previous_recipient_type_details: value.map(String::from), ..pam() };
            assert!(check(&CHECK, &paul).is_empty(), "{value:?}");
        }
        // No mailbox export read: whether a previous mailbox is left is unknown.
        let unknown = Identity { previous_mailboxes: None, ..pam() };
        assert!(check(&CHECK, &unknown).is_empty());
    }
}
