//! The vocabulary checks share (domain §2): recipient types, remote recipient type bits, the
//! mailbox-granting service plans, what counts as a preservation hold, proxy address prefixes.

use crate::{ExchangePlan, Guid, Holds, Identity};

/// `msExchRecipientTypeDetails` (a 64-bit value).
pub mod recipient_type {
    pub const USER_MAILBOX: i64 = 1;
    pub const LINKED_MAILBOX: i64 = 2;
    pub const SHARED_MAILBOX: i64 = 4;
    pub const ROOM_MAILBOX: i64 = 16;
    pub const EQUIPMENT_MAILBOX: i64 = 32;
    pub const MAIL_USER: i64 = 128;
    pub const REMOTE_USER_MAILBOX: i64 = 2_147_483_648;
    pub const REMOTE_ROOM_MAILBOX: i64 = 8_589_934_592;
    pub const REMOTE_EQUIPMENT_MAILBOX: i64 = 17_179_869_184;
    pub const REMOTE_SHARED_MAILBOX: i64 = 34_359_738_368;

    /// The name Exchange gives a value (`2147483648` → `RemoteUserMailbox`).
    pub fn name(value: i64) -> Option<&'static str> {
        Some(match value {
            USER_MAILBOX => "UserMailbox",
            LINKED_MAILBOX => "LinkedMailbox",
            SHARED_MAILBOX => "SharedMailbox",
            ROOM_MAILBOX => "RoomMailbox",
            EQUIPMENT_MAILBOX => "EquipmentMailbox",
            MAIL_USER => "MailUser",
            REMOTE_USER_MAILBOX => "RemoteUserMailbox",
            REMOTE_ROOM_MAILBOX => "RemoteRoomMailbox",
            REMOTE_EQUIPMENT_MAILBOX => "RemoteEquipmentMailbox",
            REMOTE_SHARED_MAILBOX => "RemoteSharedMailbox",
            _ => return None,
        })
    }

    /// A mailbox hosted on-prem (not a remote one).
    pub fn is_onprem_mailbox(value: i64) -> bool {
        matches!(value, USER_MAILBOX | LINKED_MAILBOX | SHARED_MAILBOX | ROOM_MAILBOX | EQUIPMENT_MAILBOX)
    }

    /// A Remote*Mailbox: the on-prem stand-in for a cloud mailbox.
    pub fn is_remote_mailbox(value: i64) -> bool {
        matches!(value, REMOTE_USER_MAILBOX | REMOTE_ROOM_MAILBOX | REMOTE_EQUIPMENT_MAILBOX | REMOTE_SHARED_MAILBOX)
    }

    /// Shared, room or equipment (on-prem or remote): accounts disabled by design, no license needed under 50 GB.
    pub fn is_resource(value: i64) -> bool {
        matches!(value, SHARED_MAILBOX | ROOM_MAILBOX | EQUIPMENT_MAILBOX | REMOTE_ROOM_MAILBOX | REMOTE_EQUIPMENT_MAILBOX | REMOTE_SHARED_MAILBOX)
    }

    /// The cloud `RecipientTypeDetails` a remote type stands for (`RemoteSharedMailbox` → `SharedMailbox`).
    pub fn cloud_counterpart(value: i64) -> Option<&'static str> {
        Some(match value {
            REMOTE_USER_MAILBOX => "UserMailbox",
            REMOTE_ROOM_MAILBOX => "RoomMailbox",
            REMOTE_EQUIPMENT_MAILBOX => "EquipmentMailbox",
            REMOTE_SHARED_MAILBOX => "SharedMailbox",
            _ => return None,
        })
    }
}

/// `msExchRemoteRecipientType` bits.
pub mod remote_recipient_type {
    pub const PROVISION_MAILBOX: i64 = 1;
    pub const PROVISION_ARCHIVE: i64 = 2;
    pub const MIGRATED: i64 = 4;
    pub const DEPROVISION_MAILBOX: i64 = 8;
    pub const DEPROVISION_ARCHIVE: i64 = 16;
}

/// Cloud resource mailbox types (`RecipientTypeDetails` text).
pub fn is_cloud_resource(recipient_type_details: &str) -> bool {
    matches!(recipient_type_details, "SharedMailbox" | "RoomMailbox" | "EquipmentMailbox")
}

const fn guid(text: &str) -> Guid {
    // Hyphenated lowercase hex, checked at compile time.
    let b = text.as_bytes();
    let mut out = [0u8; 16];
    let mut i = 0;
    let mut n = 0;
    while i < b.len() {
        if b[i] == b'-' {
            i += 1;
            continue;
        }
        out[n / 2] |= hex(b[i]) << if n % 2 == 0 { 4 } else { 0 };
        n += 1;
        i += 1;
    }
    assert!(n == 32);
    Guid(out)
}

const fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not lowercase hex"),
    }
}

/// The Exchange Online service plans that grant a mailbox, by plan id: the four of domain §2, then the
/// same plans for US Government clouds (GCC) and those of older small and midsize business SKUs
/// (LITEPACK, MIDSIZEPACK, EXCHANGETELCO), from Microsoft's list of service plan identifiers — without
/// them every licensed user of such a tenant read as having no mailbox license.
pub const MAILBOX_PLANS: &[(Guid, &str)] = &[
    (guid("9aaf7827-d63c-4b61-89c3-182f06f82e5c"), "EXCHANGE_S_STANDARD"),
    (guid("efb87545-963c-4e0d-99df-69c6916d9eb0"), "EXCHANGE_S_ENTERPRISE"),
    (guid("4a82b400-a79f-41a4-b4e2-e94f5787b113"), "EXCHANGE_S_DESKLESS"),
    (guid("1126bef5-da20-4f07-b45e-ad25d2581aa8"), "EXCHANGE_S_ESSENTIALS"),
    (guid("e9b4930a-925f-45e2-ac2a-3f7788ca6fdd"), "EXCHANGE_S_STANDARD_GOV"),
    (guid("8c3069c0-ccdb-44be-ab77-986203a67df2"), "EXCHANGE_S_ENTERPRISE_GOV"),
    (guid("88f4d7ef-a73b-4246-8047-516022144c9f"), "EXCHANGE_S_DESKLESS_GOV"),
    (guid("fc52cc4b-ed7d-472d-bbe7-b081c23ecc56"), "EXCHANGE_S_STANDARD_MIDMARKET"),
    (guid("d42bdbd6-c335-4231-ab3d-c8f348d5aff5"), "EXCHANGE_L_STANDARD"),
    (guid("90927877-dcff-4af6-b346-2332c0b15bb7"), "EXCHANGE_B_STANDARD"),
];

/// EXCHANGE_S_FOUNDATION: an Exchange plan that grants **no** mailbox.
pub const EXCHANGE_FOUNDATION: Guid = guid("113feb6c-3fe4-4440-bddc-54d774bf0318");

/// Whether a plan grants a mailbox (by id, never by display name).
pub fn grants_mailbox(plan: &ExchangePlan) -> bool {
    is_mailbox_plan(plan.plan_id)
}

/// Whether the plan of this id grants a mailbox ([`MAILBOX_PLANS`]).
pub fn is_mailbox_plan(plan_id: Guid) -> bool {
    MAILBOX_PLANS.iter().any(|(id, _)| *id == plan_id)
}

/// The enabled mailbox-granting plans of the identity's Entra user.
pub fn mailbox_plans(identity: &Identity) -> impl Iterator<Item = (usize, &ExchangePlan)> {
    identity.entra_exchange_plans.iter().flatten().enumerate().filter(|(_, p)| p.enabled && grants_mailbox(p))
}

/// Whether the Entra user holds an enabled mailbox-granting plan. `None` when the identity has no Entra
/// user, or the export did not say which plans it holds.
pub fn has_mailbox_plan(identity: &Identity) -> Option<bool> {
    if identity.entra_present != Some(true) {
        return None;
    }
    // The host sends the list (empty for a user holding no Exchange plan) for every Entra user whenever
    // licensing was exported; absent means the export does not say.
    let plans = identity.entra_exchange_plans.as_ref()?;
    Some(plans.iter().any(|p| p.enabled && grants_mailbox(p)))
}

/// Whether the identity is a synced one (domain §4): its AD object joined to its Entra user by source
/// anchor, i.e. the Entra user's `onPremisesImmutableId` decodes to the AD object's source anchor
/// (`mS-DS-ConsistencyGuid`, else `objectGUID`). AD and Entra objects joined by a fallback key (UPN,
/// primary SMTP address: an export without the immutable id or the anchor column) are not known to be
/// synced: a cloud-only user can share its UPN with an AD user (SYNC001's soft-match risk). A check that
/// calls this declares [`Field::AdSourceAnchor`](crate::Field::AdSourceAnchor) and
/// [`Field::EntraImmutableIdAnchor`](crate::Field::EntraImmutableIdAnchor) as required fields, so it is
/// *not evaluated* (rather than quiet) when an export lacks them.
pub fn joined_by_anchor(identity: &Identity) -> bool {
    identity.ad_present == Some(true)
        && identity.entra_present == Some(true)
        && matches!((Guid::non_zero(identity.ad_source_anchor), identity.entra_immutable_id_anchor), (Some(ad), Some(entra)) if ad == entra)
}

/// The preservation holds in force, described (`litigation hold`, `eDiscovery case hold UniH…`).
/// `RetentionHoldEnabled` is not one (it pauses MRM); an `InPlaceHolds` entry with a leading `-` is an
/// exclusion from an org-wide policy; `DelayReleaseHoldApplied` still holds for 30 days.
pub fn holds(h: &Holds) -> Vec<String> {
    let mut out = Vec::new();
    if h.litigation_hold_enabled == Some(true) {
        out.push("litigation hold".to_string());
    }
    for entry in &h.in_place_holds {
        let e = entry.trim();
        if e.is_empty() || e.starts_with('-') {
            continue;
        }
        let lower = e.to_ascii_lowercase();
        // A retention policy's action follows its GUID: `:1` deletes only and retains nothing (Microsoft
        // Learn, "How to identify the type of hold placed on an Exchange Online mailbox"); `:2` retains,
        // `:3` retains then deletes. A delete-only policy is no hold (it made a mailbox 5 days from
        // deletion read as held: its LIC001 gone, a false HOLD002).
        let policy = ["mbx", "skp", "grp", "cld"].iter().any(|p| lower.starts_with(p));
        if policy && lower.rsplit_once(':').is_some_and(|(_, action)| action.trim() == "1") {
            continue;
        }
        let kind = if lower.starts_with("unih") {
            "eDiscovery case hold"
        } else if lower.starts_with("mbx") || lower.starts_with("skp") || lower.starts_with("grp") {
            "retention policy"
        } else if lower.starts_with("cld") {
            "retention policy (group)"
        } else {
            "in-place hold"
        };
        out.push(format!("{kind} {e}"));
    }
    if h.compliance_tag_hold_applied == Some(true) {
        out.push("retention label (ComplianceTagHoldApplied)".to_string());
    }
    if h.delay_hold_applied == Some(true) {
        out.push("delay hold".to_string());
    }
    if h.delay_release_hold_applied == Some(true) {
        out.push("delay release hold".to_string());
    }
    out
}

/// The primary SMTP address among proxy addresses (`SMTP:` upper-case prefix).
pub fn primary_smtp(proxies: &[String]) -> Option<&str> {
    proxies.iter().find_map(|p| p.strip_prefix("SMTP:"))
}

/// The SMTP addresses among proxy addresses (primary and secondary), without prefix.
pub fn smtp_addresses(proxies: &[String]) -> impl Iterator<Item = &str> {
    // The prefix is the text before the first `:`, so `smtp` in any case is exactly the first five bytes
    // being `smtp:`: compared in place rather than searched for (run for every proxy of every identity).
    proxies.iter().filter_map(|p| p.get(..5).filter(|prefix| prefix.eq_ignore_ascii_case("smtp:")).and(p.get(5..)))
}

/// Whether `address` is at `domain`, in any case: the text after its last `@` is `domain`
/// (`a@Contoso.mail.onmicrosoft.com` is at `contoso.mail.onmicrosoft.com`, `a@x.contoso.mail.onmicrosoft.com`
/// is not). Compares the address's end in place: no search for the `@`.
///
/// Eight bytes at a time, the domain's check for an `@` in the same pass: PROV003 asks this of every
/// SMTP address of every remote mailbox, and inside wasm the byte-by-byte comparison and a separate
/// search of the domain were 2.5% of a whole checks run's CPU (perf, 800k identities, 2026-11-25).
pub fn is_at(address: &str, domain: &str) -> bool {
    let (a, d) = (address.as_bytes(), domain.as_bytes());
    if a.len() <= d.len() || a[a.len() - d.len() - 1] != b'@' {
        return false;
    }
    let tail = &a[a.len() - d.len()..];
    let (mut tails, mut domains) = (tail.chunks_exact(8), d.chunks_exact(8));
    for (t, d) in (&mut tails).zip(&mut domains) {
        let (t, d) = (word(t), word(d));
        if lower8(t) != lower8(d) || has_byte(d, b'@') {
            return false;
        }
    }
    tails.remainder().iter().zip(domains.remainder()).all(|(t, d)| *d != b'@' && t.eq_ignore_ascii_case(d))
}

fn word(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]))
}

const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Each byte of `w` as `u8::to_ascii_lowercase` makes it: 0x20 added to those in `A..=Z`, the rest
/// unchanged. Per byte, its low seven bits plus 0x3F reach the high bit from `A` (0x41) on, plus 0x25
/// from `[` (0x5B) on, and neither sum carries into the next byte; a byte with its own high bit set is
/// not ASCII and stays as it is.
fn lower8(w: u64) -> u64 {
    let low = w & LOW7;
    let from_a = low + 0x3F3F_3F3F_3F3F_3F3F;
    let past_z = low + 0x2525_2525_2525_2525;
    let upper = from_a & !past_z & !w & HIGH;
    w | (upper >> 2)
}

/// Whether any byte of `w` is `b` (a byte of `w ^ b…b` is zero: the classic test, exact for "any").
fn has_byte(w: u64, b: u8) -> bool {
    let x = w ^ (u64::from(b) * 0x0101_0101_0101_0101);
    x.wrapping_sub(0x0101_0101_0101_0101) & !x & HIGH != 0
}

/// The domain of an address (`a@contoso.mail.onmicrosoft.com` → `contoso.mail.onmicrosoft.com`), lower-cased.
pub fn domain_of(address: &str) -> Option<String> {
    address.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase())
}

/// The identity's name as findings show it (the host names it the same way): Entra UPN, AD UPN, EXO
/// UPN, else a primary SMTP address. The fields it reads are sent to every check ([`crate::NAMING_FIELDS`]).
pub fn display_name(identity: &Identity) -> String {
    [&identity.entra_user_principal_name, &identity.ad_user_principal_name, &identity.exo_user_principal_name, &identity.exo_primary_smtp_address]
        .into_iter()
        .flatten()
        .next()
        .cloned()
        .or_else(|| identity.previous_mailboxes.iter().flatten().map(|m| if m.user_principal_name.is_empty() { m.primary_smtp_address.clone() } else { m.user_principal_name.clone() }).next())
        .unwrap_or_else(|| "this identity".to_string())
}

/// A PowerShell `-match` pattern for the names of the mailbox-granting plans ([`MAILBOX_PLANS`]) as
/// `Get-MgUserLicenseDetail` lists a user's service plans (EXCHANGE_S_FOUNDATION, EXCHANGE_S_ARCHIVE_ADDON
/// do not match). Shorter than the ids in every license step of every finding.
pub const MAILBOX_PLAN_NAME_PATTERN: &str = "^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)";

/// The plan ids `user` (quoted) has disabled on the SKU `$sku` (the SkuId, set by the line before), as
/// `DisabledPlans` takes them; with `mailbox`, the mailbox-granting ones left out.
fn disabled_plans(user: &str, mailbox: bool) -> String {
    let except = if mailbox { format!(" -and $_.ServicePlanName -notmatch '{MAILBOX_PLAN_NAME_PATTERN}'") } else { String::new() };
    // Select-Object, not ForEach-Object -MemberName: that one asks ShouldProcess per object under -Confirm, and
    // a "no" would drop a plan from the list (switching it on).
    format!("$off = @(Get-MgUserLicenseDetail -UserId {user} | Where-Object SkuId -eq $sku | Select-Object -ExpandProperty ServicePlans | Where-Object {{ $_.ProvisioningStatus -eq 'Disabled'{except} }} | Select-Object -ExpandProperty ServicePlanId)")
}

/// PowerShell that assigns a SKU to `user` (`sku_id`: a PowerShell expression for the SkuId) and keeps the
/// plans the user has disabled on it disabled: `DisabledPlans` replaces the assignment's whole list
/// (learn.microsoft.com/microsoft-365/enterprise/disable-access-to-services-with-microsoft-365-powershell,
/// which reads them the same way), so leaving it out would switch on every plan the admin had switched
/// off. With `mailbox`, the mailbox-granting plans are the exception: the assignment is there to grant a
/// mailbox.
pub fn assign_sku(user: &str, sku_id: &str, mailbox: bool) -> String {
    let user = ps_quote(user);
    format!(
        "$sku = {sku_id}; if (@($sku | Where-Object {{ $_ }}).Count -ne 1) {{ throw ('{{0}} SKUs of the tenant match: name one it has (Get-MgSubscribedSku -All lists them)' -f @($sku | Where-Object {{ $_ }}).Count) }}\n{}\n\
         Set-MgUserLicense -UserId {user} -AddLicenses @(@{{SkuId = $sku; DisabledPlans = $off}}) -RemoveLicenses @()",
        disabled_plans(&user, mailbox)
    )
}

/// A PowerShell single-quoted string literal (`o'brien@…` → `'o''brien@…'`): how every remediation
/// command quotes a value from the exports.
pub fn ps_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        // PowerShell also ends a single-quoted string at the typographic quotes ‘ ’ ‚ ‛: double them too.
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A PowerShell double-quoted string literal that holds `text` literally (a `-Filter` with a quoted
/// value inside): `` ` ``, `$` and every double quote (also “ ” „) escaped with a backtick, so nothing
/// from the exports is expanded or run.
pub fn ps_dquote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '`' | '$' | '"' | '\u{201C}' | '\u{201D}' | '\u{201E}') {
            out.push('`');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A value quoted inside an OData or OPATH filter: `'…'` with single quotes doubled.
pub fn filter_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The identity as on-prem Exchange cmdlets take it (`Set-RemoteMailbox -Identity`): its AD UPN, else its
/// sAMAccountName ([`display_name`] prefers the Entra UPN, which on-prem may not know).
pub fn onprem_name(identity: &Identity) -> String {
    identity.ad_user_principal_name.clone().or_else(|| identity.ad_sam_account_name.clone()).unwrap_or_else(|| display_name(identity))
}

/// The AD account as AD cmdlets take it (`-Identity`: sAMAccountName or DN, never a UPN).
pub fn ad_account(identity: &Identity) -> String {
    identity.ad_sam_account_name.clone().or_else(|| identity.ad_distinguished_name.clone()).unwrap_or_else(|| display_name(identity))
}

/// The Entra user as Microsoft Graph cmdlets take it (`-UserId`): its UPN, else its object id.
pub fn graph_user(identity: &Identity) -> String {
    identity.entra_user_principal_name.clone().or_else(|| identity.entra_id.map(|g| g.to_string())).unwrap_or_else(|| display_name(identity))
}

/// The cloud `RecipientTypeDetails` of an Exchange Online recipient: `None` for a Get-User row that is no
/// recipient (`User`, `DisabledUser`) or when there is no cloud object.
pub fn cloud_recipient(recipient_type_details: Option<&str>) -> Option<&str> {
    recipient_type_details.map(str::trim).filter(|t| !t.is_empty() && !matches!(*t, "User" | "DisabledUser"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_at_the_domain_after_its_last_at_sign() {
        let routing = "contoso.mail.onmicrosoft.com";
        for (address, expected) in [
            ("bob@contoso.mail.onmicrosoft.com", true),
            ("Bob@Contoso.MAIL.onmicrosoft.com", true),
            ("@contoso.mail.onmicrosoft.com", true),
            ("bob@x.contoso.mail.onmicrosoft.com", false),
            ("bob@contoso.onmicrosoft.com", false),
            ("contoso.mail.onmicrosoft.com", false),
            ("\"a@b\"@contoso.mail.onmicrosoft.com", true),
            ("bob@contoso.mail.onmicrosoft.com.evil", false),
            ("", false),
        ] {
            // The same answer as taking the text after the last `@`.
            let by_split = address.rsplit_once('@').is_some_and(|(_, d)| d.eq_ignore_ascii_case(routing));
            assert_eq!((is_at(address, routing), by_split), (expected, expected), "{address}");
        }
        assert!(!is_at("a@x@y", "x@y"), "a domain never holds an `@`");
        assert!(!is_at("a@abcdefgh@ijk", "abcdefgh@ijk") && !is_at("a@abc@efghijk", "abc@efghijk"), "an `@` in a word of eight");
    }

    /// The word-at-a-time comparison answers as the plain definition, on every byte in every position of
    /// domains of every length up to 24, in both cases, with and without an `@`.
    #[test]
    fn is_at_by_words_is_the_plain_rule() {
        let plain = |a: &str, d: &str| {
            let (a, d) = (a.as_bytes(), d.as_bytes());
            a.len() > d.len() && a[a.len() - d.len() - 1] == b'@' && a[a.len() - d.len()..].eq_ignore_ascii_case(d) && !d.contains(&b'@')
        };
        let mut answers = [0u32; 2];
        for w in 0..=255u8 {
            let b = u64::from(w) * 0x0101_0101_0101_0101;
            assert_eq!(lower8(b), u64::from(w.to_ascii_lowercase()) * 0x0101_0101_0101_0101, "byte {w:#x}");
            assert_eq!(has_byte(b, b'@'), w == b'@');
        }
        let alphabet: Vec<char> = "aZz@.-_[`{@0é\u{7f}".chars().collect();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for len in 0..=24 {
            for _ in 0..400 {
                let domain: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
                let flip = |s: &str, n: &mut dyn FnMut(usize) -> usize| s.chars().map(|c| if n(2) == 0 { c.to_ascii_uppercase() } else { c }).collect::<String>();
                let same = flip(&domain, &mut next);
                let mut other: Vec<char> = same.chars().collect();
                if !other.is_empty() {
                    let at = next(other.len());
                    other[at] = alphabet[next(alphabet.len())];
                }
                let other: String = other.into_iter().collect();
                for tail in [same, other] {
                    for address in [format!("bob@{tail}"), tail.clone(), format!("@{tail}"), format!("a{tail}")] {
                        let expected = plain(&address, &domain);
                        assert_eq!(is_at(&address, &domain), expected, "{address:?} at {domain:?}");
                        answers[usize::from(expected)] += 1;
                    }
                }
            }
        }
        assert!(answers[0] > 10_000 && answers[1] > 5_000, "both answers exercised: {answers:?}");
    }

    #[test]
    fn smtp_addresses_are_the_smtp_prefixed_proxies_in_any_case() {
        let proxies: Vec<String> = ["SMTP:a@contoso.com", "smtp:b@contoso.com", "SmTp:c@x", "X500:/o=Org", "sip:a@contoso.com", "smtp", "smtp:", "é:smtp:x", "smtpx:d@e"].map(String::from).to_vec();
        assert_eq!(smtp_addresses(&proxies).collect::<Vec<_>>(), ["a@contoso.com", "b@contoso.com", "c@x", ""]);
    }

    #[test]
    fn quoting_leaves_nothing_to_expand() {
        assert_eq!(ps_quote("o'brien\u{2019}x"), "'o''brien\u{2019}\u{2019}x'");
        assert_eq!(ps_dquote("upn eq 'a$(Remove-Item x)`\"b'"), "\"upn eq 'a`$(Remove-Item x)```\"b'\"");
        assert_eq!(filter_quote("o'b"), "'o''b'");
    }

    #[test]
    fn holds_follow_domain_rules() {
        let h = Holds {
            litigation_hold_enabled: Some(false),
            in_place_holds: vec!["-mbx1a2b:1".into(), "UniH7d7a".into()],
            compliance_tag_hold_applied: Some(false),
            delay_hold_applied: None,
            delay_release_hold_applied: Some(true),
        };
        assert_eq!(holds(&h), vec!["eDiscovery case hold UniH7d7a".to_string(), "delay release hold".to_string()]);
        assert!(holds(&Holds { in_place_holds: vec!["-skp123:2".into()], ..Default::default() }).is_empty());
        // A retention policy that only deletes (`:1`) retains nothing; `:2` and `:3` retain.
        let policies = |e: &[&str]| holds(&Holds { in_place_holds: e.iter().map(|s| s.to_string()).collect(), ..Default::default() });
        assert!(policies(&["mbx6a1b2c3d4e5f:1", "skp77:1", "grp9:1", "cld5:1"]).is_empty());
        assert_eq!(policies(&["mbx6a1b2c3d4e5f:2", "mbx7:3"]), ["retention policy mbx6a1b2c3d4e5f:2", "retention policy mbx7:3"]);
    }

    #[test]
    fn foundation_grants_no_mailbox() {
        let foundation = ExchangePlan { plan_id: EXCHANGE_FOUNDATION, enabled: true, ..Default::default() };
        assert!(!grants_mailbox(&foundation));
        let p2 = ExchangePlan { plan_id: MAILBOX_PLANS[1].0, enabled: true, ..Default::default() };
        assert!(grants_mailbox(&p2));
        assert_eq!(MAILBOX_PLANS[1].0.to_string(), "efb87545-963c-4e0d-99df-69c6916d9eb0");
    }

    #[test]
    fn the_plan_name_pattern_matches_the_mailbox_plans_only() {
        // The pattern's meaning, spelled out: EXCHANGE_, one of S L B, _, then one of four words.
        let matches = |name: &str| {
            let rest = name.strip_prefix("EXCHANGE_").and_then(|r| r.strip_prefix(['S', 'L', 'B'])).and_then(|r| r.strip_prefix('_'));
            rest.is_some_and(|r| ["STANDARD", "ENTERPRISE", "DESKLESS", "ESSENTIALS"].iter().any(|w| r.starts_with(w)))
        };
        assert_eq!(MAILBOX_PLAN_NAME_PATTERN, "^EXCHANGE_[SLB]_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)");
        for (_, name) in MAILBOX_PLANS {
            assert!(matches(name), "{name}");
        }
        for name in ["EXCHANGE_S_FOUNDATION", "EXCHANGE_S_ARCHIVE_ADDON", "EXCHANGE_ANALYTICS", "EXCHANGE_S_FOUNDATION_GOV", "EXCHANGEDESKLESS"] {
            assert!(!matches(name), "{name}");
        }
    }
}
