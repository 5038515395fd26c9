//! # LIC003 shared-mailbox-needs-license
//!
//! ## What it does
//! Fires on an active shared, room or equipment mailbox in Exchange Online whose Entra user holds no
//! enabled mailbox-granting Exchange plan while the mailbox has more than 50 GB in use (Exchange's GB:
//! 50 × 1024³ = 53,687,091,200 bytes of `TotalItemSize`), an archive (`ArchiveStatus` Active, or a
//! non-zero `ArchiveGuid` where the status is not exported), or `LitigationHoldEnabled`.
//!
//! ## Why it matters
//! Shared and resource mailboxes need no license only within those limits: over 50 GB, with in-place
//! archiving, or on litigation hold they need an Exchange Online Plan 2 license (or Plan 1 with Exchange
//! Online Archiving). Without it the mailbox runs out of quota, and the tenant is out of compliance.
//!
//! ## Example
//! `legal.hold@contoso.com` (on litigation hold), `projects@contoso.com` (55.0 GB) and
//! `finance@contoso.com` (archive active) are unlicensed shared mailboxes and fire. Quiet:
//! `support@contoso.com` holds 49.2 GB (52,828,160,000 bytes, under 50 GB) with no archive and no hold;
//! `rachel.ross@contoso.com` is small, with no archive and no hold.
//!
//! ## Remediation
//! Assign an Exchange Online Plan 2 license (`EXCHANGEENTERPRISE`), or Plan 1 plus Exchange Online
//! Archiving: `Set-MgUserLicense -UserId '<upn>' -AddLicenses @(@{SkuId = '<sku id>'}) -RemoveLicenses @()`.
//! Alternatively bring the mailbox under 50 GB, or release the hold / archive if policy allows.
//!
//! ## Sources
//! - seed 001 (shared and resource mailboxes: a license is needed over 50 GB or for direct sign-in)
//! - <https://learn.microsoft.com/microsoft-365/admin/email/remove-license-from-shared-mailbox>
//! - <https://learn.microsoft.com/microsoft-365/admin/email/about-shared-mailboxes>
//! - <https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits>

use hybrid_audit_sdk::{domain, Check, Context, Field, Findings, Guid, Identity, Severity};

use crate::{assign_license, graph_user};

pub const CHECK: Check = Check {
    id: "LIC003",
    name: "shared-mailbox-needs-license",
    severity: Severity::Medium,
    escalates_to: None,
    // The mailbox is known from its own row: exo.present (which needs every recipient listed) is not.
    fields: &[Field::ExoRecipientTypeDetails, Field::EntraPresent, Field::EntraExchangePlans],
    optional: &[Field::ExoTotalItemSize, Field::ExoArchiveStatus, Field::ExoArchiveGuid, Field::ExoHolds, Field::EntraId],
    source: include_str!("lic003.rs"),
    run,
};

/// The storage an unlicensed shared mailbox may use: 50 GB as Exchange counts (1024³ bytes a GB).
const FREE_QUOTA: u64 = 50 * 1024 * 1024 * 1024;

fn run(i: &Identity, _: &Context, out: &mut Findings) {
    if i.exo_recipient_type_details.is_none() {
        return;
    }
    let Some(kind) = i.exo_recipient_type_details.as_deref().filter(|t| domain::is_cloud_resource(t)) else { return };
    if domain::has_mailbox_plan(i) != Some(false) {
        return;
    }
    let mut reasons: Vec<(String, Field)> = Vec::new();
    if let Some(size) = i.exo_total_item_size.filter(|s| *s > FREE_QUOTA) {
        reasons.push((format!("{:.1} GB in use ({} bytes, over 50 GB)", size as f64 / (1u64 << 30) as f64, thousands(size)), Field::ExoTotalItemSize));
    }
    match i.exo_archive_status.as_deref() {
        Some(status) if status.eq_ignore_ascii_case("Active") => reasons.push(("an archive (ArchiveStatus Active)".to_string(), Field::ExoArchiveStatus)),
        None if Guid::non_zero(i.exo_archive_guid).is_some() => reasons.push(("an archive (ArchiveGuid set)".to_string(), Field::ExoArchiveGuid)),
        _ => {}
    }
    if i.exo_holds.as_ref().is_some_and(|h| h.litigation_hold_enabled == Some(true)) {
        reasons.push(("litigation hold".to_string(), Field::ExoHolds));
    }
    if reasons.is_empty() {
        return;
    }
    let upn = domain::display_name(i);
    let why: Vec<&str> = reasons.iter().map(|(r, _)| r.as_str()).collect();
    let f = out
        .report(Severity::Medium, format!("unlicensed {kind} {upn} needs an Exchange Online license: {}", why.join(", ")))
        .evidence(Field::ExoRecipientTypeDetails)
        .evidence(Field::EntraExchangePlans)
        .remediation(format!(
            "# Exchange Online Plan 2 (EXCHANGEENTERPRISE), or Plan 1 + Exchange Online Archiving\n{}",
            assign_license(&graph_user(i), "<SKU with Exchange Online Plan 2, e.g. EXCHANGEENTERPRISE>", true)
        ));
    for (_, field) in &reasons {
        f.evidence(*field);
    }
}

/// `59055800320` → `59,055,800,320`, as Exchange shows sizes.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{enterprise, foundation, run};
    use hybrid_audit_sdk::Holds;

    fn support() -> Identity {
        Identity {
            ad_present: Some(true),
            ad_user_principal_name: Some("support@contoso.com".into()),
            entra_present: Some(true),
            entra_user_principal_name: Some("support@contoso.com".into()),
            entra_exchange_plans: Some(vec![]),
            exo_present: Some(true),
            exo_recipient_type_details: Some("SharedMailbox".into()),
            exo_total_item_size: Some(52_828_160_000),
            exo_archive_status: Some("None".into()),
            exo_archive_guid: Some(Guid([0; 16])),
            exo_holds: Some(Holds { litigation_hold_enabled: Some(false), ..Default::default() }),
            exo_retention_hold_enabled: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn fires_over_50_gb_with_an_archive_or_on_litigation_hold() {
        let projects = Identity { exo_total_item_size: Some(59_055_800_320), ..support() };
        let f = run(&CHECK, &projects);
        assert_eq!((f.len(), f[0].severity), (1, Severity::Medium));
        assert!(f[0].message.contains("55.0 GB in use (59,055,800,320 bytes"), "{}", f[0].message);
        assert!(f[0].remediation.contains("-eq '<SKU with Exchange Online Plan 2, e.g. EXCHANGEENTERPRISE>'") && f[0].remediation.contains("'support@contoso.com'"), "{}", f[0].remediation);
        assert!(f[0].evidence.iter().any(|e| e.field == Field::ExoTotalItemSize.id()));

        let finance = Identity { exo_archive_status: Some("Active".into()), exo_archive_guid: Some(Guid([9; 16])), ..support() };
        assert!(run(&CHECK, &finance)[0].message.contains("archive"));
        let archive_guid_only = Identity { exo_archive_status: None, exo_archive_guid: Some(Guid([9; 16])), ..support() };
        assert_eq!(run(&CHECK, &archive_guid_only).len(), 1);

        let legal = Identity { exo_holds: Some(Holds { litigation_hold_enabled: Some(true), ..Default::default() }), ..support() };
        assert!(run(&CHECK, &legal)[0].message.contains("litigation hold"));
        let room = Identity { exo_recipient_type_details: Some("RoomMailbox".into()), ..legal };
        assert_eq!(run(&CHECK, &room).len(), 1);
        let foundation_only = Identity { entra_exchange_plans: Some(vec![foundation()]), ..projects };
        assert_eq!(run(&CHECK, &foundation_only).len(), 1);
    }

    #[test]
    fn quiet_under_50_gb_and_when_licensed_or_not_a_resource() {
        // support: 49.2 GB, no archive, no hold; RetentionHoldEnabled is no litigation hold.
        assert!(run(&CHECK, &support()).is_empty());
        let exactly_50 = Identity { exo_total_item_size: Some(53_687_091_200), ..support() };
        assert!(run(&CHECK, &exactly_50).is_empty());
        let other_hold = Identity { exo_holds: Some(Holds { in_place_holds: vec!["UniHabc".into()], ..Default::default() }), ..support() };
        assert!(run(&CHECK, &other_hold).is_empty());
        let big = Identity { exo_total_item_size: Some(59_055_800_320), ..support() };
        let licensed = Identity { entra_exchange_plans: Some(vec![enterprise()]), ..big.clone() };
        assert!(run(&CHECK, &licensed).is_empty());
        let user_mailbox = Identity { exo_recipient_type_details: Some("UserMailbox".into()), ..big.clone() };
        assert!(run(&CHECK, &user_mailbox).is_empty());
        let no_entra_user = Identity { entra_present: Some(false), entra_exchange_plans: None, ..big };
        assert!(run(&CHECK, &no_entra_user).is_empty());
    }
}
