//! # EX001 large-mailbox
//!
//! ## What it does
//! Fires on an active cloud mailbox whose `TotalItemSize` is 45 GB or more (90 % of the 50 GB quota of
//! Exchange Online Plan 1 and of an unlicensed shared mailbox).
//!
//! ## Why it matters
//! A mailbox at its quota stops receiving mail; before a move or a licence change, plan the archive
//! or a Plan 2 licence.
//!
//! ## Example
//! A 49.2 GB mailbox fires (value and source row in the evidence); a 12 GB one stays quiet.
//!
//! ## Remediation
//! `Enable-Mailbox -Identity <upn> -Archive`, or assign Exchange Online Plan 2.
//!
//! ## Sources
//! - <https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Identity, Severity};

const THRESHOLD: u64 = 45 * 1024 * 1024 * 1024;

pub const CHECK: Check = Check {
    id: "EX001",
    name: "large-mailbox",
    severity: Severity::Low,
    escalates_to: None,
    fields: &[Field::ExoTotalItemSize, Field::ExoRecipientTypeDetails],
    optional: &[],
    source: include_str!("ex001.rs"),
    run,
};

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    let (Some(size), Some(kind)) = (i.exo_total_item_size, &i.exo_recipient_type_details) else { return };
    if size < THRESHOLD {
        return;
    }
    let upn = domain::display_name(i);
    let gb = size as f64 / (1024.0 * 1024.0 * 1024.0);
    out.report(Severity::Low, format!("{kind} {upn} holds {gb:.1} GB, over the 45 GB planning threshold"))
        .evidence(Field::ExoTotalItemSize)
        .evidence(Field::ExoRecipientTypeDetails)
        .remediation(format!("Enable-Mailbox -Identity '{upn}' -Archive"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use hybrid_audit_sdk::run_check;

    #[test]
    fn fires_at_45_gb_and_stays_quiet_below() {
        let big = Identity { exo_total_item_size: Some(THRESHOLD), exo_recipient_type_details: Some("UserMailbox".into()), ..Default::default() };
        assert_eq!(run_check(&CHECK, &big, &Context::default()).len(), 1);
        let small = Identity { exo_total_item_size: Some(THRESHOLD - 1), ..big };
        assert!(run_check(&CHECK, &small, &Context::default()).is_empty());
    }
}
