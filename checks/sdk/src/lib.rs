//! The hybrid-audit check SDK: what a check sees, what it returns, and the plugin ABI.
//!
//! A check is a plain function over one joined [`Identity`] (the person as AD, Entra ID and Exchange
//! Online see them) that reports [`Finding`]s. A plugin is a crate of checks compiled to
//! `wasm32-unknown-unknown`; [`plugin!`] writes the export glue and the manifest. The same crate
//! compiles natively too, so its tests run without a wasm runtime.
//!
//! # ABI, version 3 (see [`ABI_VERSION`])
//! A plugin is a core wasm module with **no imports**. It exports:
//! - `memory`;
//! - `hybrid_audit_alloc(len: u32) -> u32`: makes room for an input of `len` bytes, returns where the
//!   host writes it;
//! - `hybrid_audit_evaluate(len: u32) -> u64`: evaluates the batch written there and returns where its
//!   output lies, `(ptr << 32) | len`; `u64::MAX` when the input could not be decoded;
//! - a custom section `hybrid-audit-manifest` ([`manifest`]): ABI version, plugin name and version, and per
//!   check its id, name, severity, the fields it reads and its documentation. The host reads it
//!   without running the plugin.
//!
//! Input (postcard, <https://postcard.jamesmunns.com/wire-format>): a [`BatchHeader`], a `u32` count of
//! identities, then per identity a `u32` count of fields and, per field, its `u32` id ([`Field::id`])
//! followed by the postcard encoding of its value (the type [`Identity`] gives it). A plugin receives
//! only the fields its enabled checks declare. Output: postcard `Vec<Finding>`.

use serde::{Deserialize, Serialize};
use std::fmt;

pub mod domain;
pub mod manifest;
mod runner;
pub mod testing;
mod wire;

pub use runner::{run_batch, run_check, Findings, Reported};
pub use wire::{ExchangePlanRef, LicenseStateRef, SkuName, Wire};

/// The version of the batch encoding and manifest layout. A host refuses a plugin built for another.
/// 2: [`SoftMatch::soft_match`] (a shared secondary address is a conflict, not a soft match).
/// 3: [`LicenseState::updated`] (`lastUpdatedDateTime`).
pub const ABI_VERSION: u32 = 3;

/// The wasm custom section that carries a plugin's manifest.
pub const MANIFEST_SECTION: &str = "hybrid-audit-manifest";

/// How much a finding matters. Per identity: any critical or high blocks migration, medium needs
/// attention, low and info leave it ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical].into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A GUID as its 16 bytes in the textual order (`00112233-4455-…` → `[0x00, 0x11, …]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    pub fn is_zero(self) -> bool {
        self.0 == [0; 16]
    }

    /// `Some` unless it is the zero GUID, which exports use for "none".
    pub fn non_zero(value: Option<Guid>) -> Option<Guid> {
        value.filter(|g| !g.is_zero())
    }
}

impl Guid {
    /// The lower-case registry form, `00112233-4455-6677-8899-aabbccddeeff`, as 36 ASCII bytes (a
    /// table lookup per digit: a formatter call per byte was a tenth of encoding the records).
    fn text(self) -> [u8; 36] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [b'-'; 36];
        let mut at = 0;
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                at += 1;
            }
            out[at] = HEX[(b >> 4) as usize];
            out[at + 1] = HEX[(b & 0xF) as usize];
            at += 2;
        }
        out
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.text();
        // Hex digits and dashes: always ASCII.
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

/// A calendar day: days since 1970-01-01 (UTC).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Date(pub i32);

impl Date {
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        let days = days_from_civil(year, month, day)?;
        Some(Date(days))
    }

    pub fn add_days(self, days: i32) -> Date {
        Date(self.0 + days)
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i32 {
        later.0 - self.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// A point in time: seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn date(self) -> Date {
        Date(self.0.div_euclid(86_400) as i32)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.rem_euclid(86_400);
        write!(f, "{}T{:02}:{:02}:{:02}Z", self.date(), secs / 3600, secs / 60 % 60, secs % 60)
    }
}

// Proleptic Gregorian day numbers (Howard Hinnant's `days_from_civil` / `civil_from_days`): two
// lines of arithmetic that keep a calendar crate out of every plugin binary.
fn days_from_civil(y: i32, m: u32, d: u32) -> Option<i32> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (civil_from_days(days) == (if m <= 2 { y + 1 } else { y }, m, d)).then_some(days)
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// One Exchange Online service plan the Entra user holds (from `assignedPlans`, or from its licenses'
/// SKUs when the export has no plans).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangePlan {
    pub plan_id: Guid,
    /// `EXCHANGE_S_ENTERPRISE` … when known.
    pub name: String,
    /// `capabilityStatus` Enabled or Warning (grace), and not disabled in the license.
    pub enabled: bool,
    /// `capabilityStatus` as exported (`Enabled`, `Warning`, `Suspended`, `Deleted`, …); empty when derived from a SKU.
    pub status: String,
    /// When the plan was assigned (or last changed), where the export says.
    pub assigned: Option<Timestamp>,
}

/// One `licenseAssignmentStates` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseState {
    /// The SKU's part number where a `subscribedSkus` export names it, else its id.
    pub sku: String,
    /// Whether the SKU carries a mailbox-granting Exchange Online plan (EXCHANGE_S_FOUNDATION does not count).
    pub exchange: bool,
    pub state: String,
    pub error: String,
    /// Set when a group assigned it.
    pub assigned_by_group: Option<Guid>,
    /// `lastUpdatedDateTime`: when the state last changed. An `Active` state has held since then at the
    /// latest, so it bounds how long the user has had the SKU (Graph; MSOL exports do not say).
    pub updated: Option<Timestamp>,
}

/// One `onPremisesProvisioningErrors` entry (MSOL `Errors`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisioningError {
    pub category: String,
    pub property: String,
    pub value: String,
}

/// The preservation state of an Exchange Online mailbox.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holds {
    pub litigation_hold_enabled: Option<bool>,
    /// `InPlaceHolds` entries as exported (a leading `-` is an exclusion, not a hold).
    pub in_place_holds: Vec<String>,
    pub compliance_tag_hold_applied: Option<bool>,
    pub delay_hold_applied: Option<bool>,
    pub delay_release_hold_applied: Option<bool>,
}

/// A soft-deleted or inactive mailbox that belongs to the identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousMailbox {
    /// `soft-deleted` or `inactive`.
    pub state: String,
    pub user_principal_name: String,
    pub primary_smtp_address: String,
    pub recipient_type_details: String,
    pub exchange_guid: Option<Guid>,
    pub holds: Holds,
    pub when_soft_deleted: Option<Timestamp>,
}

/// An address (SMTP or UPN) this identity's object shares with other objects of one directory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    /// `ad`, `entra` or `exo`.
    pub directory: String,
    pub address: String,
    /// The other holders, by UPN or best key.
    pub others: Vec<String>,
}

/// A cloud-only Entra user or guest whose UPN or SMTP address equals this (unlinked) AD user's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftMatch {
    pub address: String,
    pub cloud_user_principal_name: String,
    pub cloud_id: Option<Guid>,
    pub guest: bool,
    /// Entra Connect soft-matches the two on `address`: it is the UPN or primary SMTP address of both,
    /// and the cloud user is a member. False: the address only conflicts (a guest's, or a secondary
    /// address of either), and syncing the AD user quarantines it there.
    pub soft_match: bool,
}

/// Renders a field value as evidence shows it.
pub trait Render {
    fn render(&self) -> String;
    /// One element of a list value (evidence that points at one previous mailbox, one hold …).
    fn render_at(&self, _index: usize) -> Option<String> {
        None
    }
}

macro_rules! render_display {
    ($($t:ty),*) => {$(
        impl Render for $t {
            fn render(&self) -> String { self.to_string() }
        }
    )*};
}
render_display!(bool, i64, u64, String, Guid, Date, Timestamp);

impl Render for ExchangePlan {
    fn render(&self) -> String {
        let name = if self.name.is_empty() { self.plan_id.to_string() } else { format!("{} ({})", self.name, self.plan_id) };
        let status = if self.status.is_empty() { String::new() } else { format!(", {}", self.status) };
        let assigned = self.assigned.map(|a| format!(", assigned {a}")).unwrap_or_default();
        format!("{name}{}{status}{assigned}", if self.enabled { "" } else { ", disabled" })
    }
}

impl Render for LicenseState {
    fn render(&self) -> String {
        let error = if self.error.is_empty() || self.error == "None" { String::new() } else { format!(" ({})", self.error) };
        format!("{}: {}{error}", self.sku, self.state)
    }
}

impl Render for ProvisioningError {
    fn render(&self) -> String {
        format!("{} {} = {}", self.category, self.property, self.value)
    }
}

impl Render for PreviousMailbox {
    fn render(&self) -> String {
        let name = if self.user_principal_name.is_empty() { &self.primary_smtp_address } else { &self.user_principal_name };
        let guid = self.exchange_guid.map(|g| format!(", ExchangeGuid {g}")).unwrap_or_default();
        let deleted = self.when_soft_deleted.map(|t| format!(", WhenSoftDeleted {t}")).unwrap_or_default();
        let holds = domain::holds(&self.holds);
        let holds = if holds.is_empty() { ", no hold".to_string() } else { format!(", holds: {}", holds.join(", ")) };
        format!("{} {} {name}{guid}{deleted}{holds}", self.state, self.recipient_type_details)
    }
}

impl Render for Duplicate {
    fn render(&self) -> String {
        format!("{} {} also on {}", self.directory, self.address, self.others.join(", "))
    }
}

impl Render for SoftMatch {
    fn render(&self) -> String {
        let kind = if self.guest { "guest" } else { "cloud-only user" };
        let id = self.cloud_id.map(|g| format!(" (id {g})")).unwrap_or_default();
        let how = if self.soft_match { "matches" } else { "also holds" };
        format!("{kind} {}{id} {how} {}", self.cloud_user_principal_name, self.address)
    }
}

impl<T: Render> Render for Vec<T> {
    fn render(&self) -> String {
        self.iter().map(Render::render).collect::<Vec<_>>().join("; ")
    }
    fn render_at(&self, index: usize) -> Option<String> {
        self.get(index).map(Render::render)
    }
}

/// Errors decoding a batch or an output.
#[derive(Debug)]
pub enum Error {
    Decode(postcard::Error),
    UnknownField(u32),
    Abi(u32),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Decode(e) => write!(f, "malformed encoding: {e}"),
            Error::UnknownField(id) => write!(f, "unknown field id {id}"),
            Error::Abi(v) => write!(f, "batch is ABI version {v}, this SDK speaks {ABI_VERSION}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<postcard::Error> for Error {
    fn from(e: postcard::Error) -> Self {
        Error::Decode(e)
    }
}

/// Declares every field a check can read: the [`Field`] id (its position: append only, never reorder),
/// its name as manifests and evidence show it, its type in [`Identity`].
macro_rules! identity_fields {
    ($( $(#[doc = $doc:literal])* $var:ident $field:ident : $ty:ty = $name:literal; )*) => {
        /// A field of the [`Identity`] record. Its id is its position in this list.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum Field { $($var),* }

        impl Field {
            pub const ALL: &'static [Field] = &[$(Field::$var),*];

            /// The name manifests declare and evidence shows (`exo.ExchangeGuid`).
            pub const fn name(self) -> &'static str {
                match self { $(Field::$var => $name),* }
            }

            pub fn from_name(name: &str) -> Option<Field> {
                Self::ALL.iter().copied().find(|f| f.name() == name)
            }

            pub const fn id(self) -> u32 {
                self as u32
            }

            pub fn from_id(id: u32) -> Option<Field> {
                Self::ALL.get(id as usize).copied()
            }

            /// What the field holds.
            pub fn doc(self) -> &'static str {
                match self { $(Field::$var => concat!($($doc, "\n"),*).trim_ascii()),* }
            }
        }

        /// One person across the three directories, with the fields the running checks declared.
        /// `None`: not exported, empty, or the object is absent (the `*.present` fields tell which).
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct Identity {
            $( $(#[doc = $doc])* pub $field: Option<$ty>, )*
        }

        impl Identity {
            fn decode_field<'a>(&mut self, field: Field, bytes: &'a [u8]) -> Result<&'a [u8], Error> {
                match field {
                    $(Field::$var => {
                        <$ty as wire::Take>::take_into(&mut self.$field, bytes)
                    })*
                }
            }

            /// Empties every field whose bit (`1 << id`) is set in `fields`.
            fn clear(&mut self, fields: u64) {
                $( if fields & (1 << Field::$var.id()) != 0 { self.$field = None; } )*
            }

            /// The value of a field as evidence shows it; with `index`, one element of a list.
            pub fn render(&self, field: Field, index: Option<usize>) -> Option<String> {
                match field {
                    $(Field::$var => self.$field.as_ref().and_then(|v| match index {
                        None => Some(Render::render(v)),
                        Some(i) => Render::render_at(v, i),
                    }),)*
                }
            }
        }
    };
}

/// Appends the postcard encoding of `value`.
pub fn put<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Encoding into a Vec only fails on types postcard cannot express, which no field has.
    if let Ok(bytes) = postcard::to_extend(value, std::mem::take(out)) {
        *out = bytes;
    }
}

identity_fields! {
    /// The identity's link was ambiguous (a one-to-many key match left it unlinked).
    Ambiguous ambiguous: bool = "identity.ambiguous";

    /// Whether an AD object belongs to this identity (sent when an AD export was read).
    AdPresent ad_present: bool = "ad.present";
    AdDistinguishedName ad_distinguished_name: String = "ad.distinguishedName";
    AdSamAccountName ad_sam_account_name: String = "ad.sAMAccountName";
    AdUserPrincipalName ad_user_principal_name: String = "ad.userPrincipalName";
    AdMail ad_mail: String = "ad.mail";
    AdMailNickname ad_mail_nickname: String = "ad.mailNickname";
    /// Every proxy address, with its prefix (`SMTP:` primary, `smtp:` secondary, `X500:` …).
    AdProxyAddresses ad_proxy_addresses: Vec<String> = "ad.proxyAddresses";
    AdTargetAddress ad_target_address: String = "ad.targetAddress";
    /// `Enabled`, or derived from `userAccountControl`.
    AdEnabled ad_enabled: bool = "ad.Enabled";
    AdRecipientTypeDetails ad_recipient_type_details: i64 = "ad.msExchRecipientTypeDetails";
    AdRemoteRecipientType ad_remote_recipient_type: i64 = "ad.msExchRemoteRecipientType";
    AdRecipientDisplayType ad_recipient_display_type: i64 = "ad.msExchRecipientDisplayType";
    AdMailboxGuid ad_mailbox_guid: Guid = "ad.msExchMailboxGuid";
    AdArchiveGuid ad_archive_guid: Guid = "ad.msExchArchiveGUID";
    AdHomeMdb ad_home_mdb: String = "ad.homeMDB";
    AdHomeServerName ad_home_server_name: String = "ad.msExchHomeServerName";
    /// `mS-DS-ConsistencyGuid` when set, else `objectGUID`: what Entra Connect anchors on.
    AdSourceAnchor ad_source_anchor: Guid = "ad.sourceAnchor";

    /// Whether an Entra user belongs to this identity (sent when an Entra export was read).
    EntraPresent entra_present: bool = "entra.present";
    EntraId entra_id: Guid = "entra.id";
    EntraUserPrincipalName entra_user_principal_name: String = "entra.userPrincipalName";
    EntraImmutableId entra_immutable_id: String = "entra.onPremisesImmutableId";
    /// `accountEnabled` (MSOL: not `BlockCredential`).
    EntraAccountEnabled entra_account_enabled: bool = "entra.accountEnabled";
    EntraUserType entra_user_type: String = "entra.userType";
    EntraUsageLocation entra_usage_location: String = "entra.usageLocation";
    /// The user's Exchange Online service plans (mailbox-granting or not: see `domain::grants_mailbox`).
    EntraExchangePlans entra_exchange_plans: Vec<ExchangePlan> = "entra.exchangePlans";
    /// The SKUs assigned (part number where known, else id).
    EntraLicenses entra_licenses: Vec<String> = "entra.assignedLicenses";
    EntraLicenseStates entra_license_states: Vec<LicenseState> = "entra.licenseAssignmentStates";
    EntraProvisioningErrors entra_provisioning_errors: Vec<ProvisioningError> = "entra.onPremisesProvisioningErrors";
    /// MSOL `ValidationStatus`.
    EntraValidationStatus entra_validation_status: String = "entra.ValidationStatus";

    /// Whether an active Exchange Online recipient belongs to this identity (sent when an EXO export was read).
    ExoPresent exo_present: bool = "exo.present";
    ExoUserPrincipalName exo_user_principal_name: String = "exo.UserPrincipalName";
    ExoPrimarySmtpAddress exo_primary_smtp_address: String = "exo.PrimarySmtpAddress";
    ExoEmailAddresses exo_email_addresses: Vec<String> = "exo.EmailAddresses";
    ExoExternalEmailAddress exo_external_email_address: String = "exo.ExternalEmailAddress";
    ExoRecipientTypeDetails exo_recipient_type_details: String = "exo.RecipientTypeDetails";
    ExoPreviousRecipientTypeDetails exo_previous_recipient_type_details: String = "exo.PreviousRecipientTypeDetails";
    ExoExchangeGuid exo_exchange_guid: Guid = "exo.ExchangeGuid";
    ExoArchiveGuid exo_archive_guid: Guid = "exo.ArchiveGuid";
    ExoArchiveStatus exo_archive_status: String = "exo.ArchiveStatus";
    /// LitigationHoldEnabled, InPlaceHolds, ComplianceTagHoldApplied, DelayHoldApplied, DelayReleaseHoldApplied.
    ExoHolds exo_holds: Holds = "exo.holds";
    ExoRetentionHoldEnabled exo_retention_hold_enabled: bool = "exo.RetentionHoldEnabled";
    ExoWhenMailboxCreated exo_when_mailbox_created: Timestamp = "exo.WhenMailboxCreated";
    ExoAccountDisabled exo_account_disabled: bool = "exo.AccountDisabled";
    /// `TotalItemSize` of its statistics, in bytes.
    ExoTotalItemSize exo_total_item_size: u64 = "exo.TotalItemSize";

    /// Soft-deleted and inactive mailboxes of this person (for an EXO-only identity: the mailbox itself).
    PreviousMailboxes previous_mailboxes: Vec<PreviousMailbox> = "exo.previousMailboxes";

    /// Addresses this identity's objects share with other objects of the same directory.
    Duplicates duplicates: Vec<Duplicate> = "identity.duplicateAddresses";
    /// Cloud-only users the next sync would soft-match to this (unlinked) AD user.
    SoftMatches soft_matches: Vec<SoftMatch> = "identity.softMatches";

    /// The tenant's `*.mail.onmicrosoft.com` routing domains (as [`Context::routing_domains`]). Declaring
    /// it makes a check *not evaluated* when no export shows one, instead of running blind.
    TenantRoutingDomains tenant_routing_domains: Vec<String> = "tenant.routingDomains";

    /// The source anchor as the `onPremisesImmutableId` Entra Connect writes for it (base64 of the GUID's
    /// `ToByteArray()` bytes): what a hard match sets.
    AdImmutableId ad_immutable_id: String = "ad.immutableId";
    /// `onPremisesImmutableId` decoded to the source anchor GUID, when it is one (not a custom anchor).
    EntraImmutableIdAnchor entra_immutable_id_anchor: Guid = "entra.immutableIdAnchor";
}

impl Render for Holds {
    fn render(&self) -> String {
        let holds = domain::holds(self);
        if holds.is_empty() { "none".to_string() } else { holds.join(", ") }
    }
}

/// Fields every check receives when they have a value, declared or not: they name the identity
/// ([`domain::display_name`]) in messages and remediation commands, and may be cited as evidence.
pub const NAMING_FIELDS: &[Field] = &[Field::EntraUserPrincipalName, Field::AdUserPrincipalName, Field::ExoUserPrincipalName, Field::ExoPrimarySmtpAddress];

/// Run-wide facts every batch carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The audit date: deadlines and ages count from it.
    pub as_of: Date,
    /// The tenant's `*.mail.onmicrosoft.com` routing domains, as seen in the exports.
    pub routing_domains: Vec<String>,
}

/// What precedes the identities of a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchHeader {
    pub abi: u32,
    pub context: Context,
    /// The ids of the checks to run (the others could not be evaluated on these exports).
    pub checks: Vec<String>,
}

/// A field a finding read, with the value it saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub field: u32,
    /// The element of a list field the finding is about.
    pub index: Option<u32>,
    pub value: String,
}

/// One problem on one identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The identity's position in the batch.
    pub identity: u32,
    pub check: String,
    pub severity: Severity,
    /// One line, with the concrete values.
    pub message: String,
    /// A concrete command with the identity's values filled in.
    pub remediation: String,
    pub deadline: Option<Date>,
    pub evidence: Vec<Evidence>,
}

/// One check: its catalog entry and its function.
#[derive(Clone, Copy)]
pub struct Check {
    /// Stable id (`HOLD001`), never reused.
    pub id: &'static str,
    /// Kebab-case name (`hold-blocks-deprovisioning`).
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// The severity it escalates to when its condition says so (`info / high`).
    pub escalates_to: Option<Severity>,
    /// Fields it cannot run without: when an export lacks one, the check is not evaluated.
    pub fields: &'static [Field],
    /// Fields it reads when present.
    pub optional: &'static [Field],
    /// The check's source file (`include_str!`): its `//!` doc comment is its documentation.
    pub source: &'static str,
    pub run: fn(&Identity, &Context, &mut Findings),
}

impl Check {
    /// The documentation: the `//!` lines of its source.
    pub fn doc(&self) -> String {
        manifest::doc_lines(self.source).collect::<Vec<_>>().join("\n")
    }

    /// Whether the check may read (and cite) a field: declared, or one of the [`NAMING_FIELDS`].
    pub fn reads(&self, field: Field) -> bool {
        self.fields.contains(&field) || self.optional.contains(&field) || NAMING_FIELDS.contains(&field)
    }
}

/// A plugin: a named set of checks.
#[derive(Clone, Copy)]
pub struct Plugin {
    pub name: &'static str,
    pub version: &'static str,
    pub checks: &'static [Check],
}

/// The guest side of the ABI, used by [`plugin!`] on wasm32.
#[doc(hidden)]
pub mod abi {
    use std::sync::Mutex;

    static INPUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    static OUTPUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());

    pub fn alloc(len: u32) -> u32 {
        let mut input = INPUT.lock().unwrap_or_else(|e| e.into_inner());
        input.clear();
        input.resize(len as usize, 0);
        input.as_mut_ptr() as usize as u32
    }

    pub fn evaluate(plugin: &super::Plugin, len: u32) -> u64 {
        let input = INPUT.lock().unwrap_or_else(|e| e.into_inner());
        let Some(bytes) = input.get(..len as usize) else { return u64::MAX };
        match super::run_batch(plugin, bytes) {
            Ok(out) => {
                let mut output = OUTPUT.lock().unwrap_or_else(|e| e.into_inner());
                *output = out;
                ((output.as_ptr() as usize as u64) << 32) | output.len() as u64
            }
            Err(_) => u64::MAX,
        }
    }
}

/// The checks of several lists as one array (the plugin of several check families).
pub const fn concat_checks<const N: usize>(parts: &[&[Check]]) -> [Check; N] {
    assert!(N > 0, "a plugin needs at least one check");
    let mut first = 0;
    while parts[first].is_empty() {
        first += 1;
    }
    let mut out = [parts[first][0]; N];
    let (mut k, mut p) = (0, 0);
    while p < parts.len() {
        let mut i = 0;
        while i < parts[p].len() {
            out[k] = parts[p][i];
            k += 1;
            i += 1;
        }
        p += 1;
    }
    assert!(k == N, "the lists hold N checks");
    out
}

/// Declares a plugin: its checks, and on wasm32 the exports and the manifest section.
///
/// ```ignore
/// hybrid_audit_sdk::plugin!("my-checks", [ex001::CHECK, ex002::CHECK]);
/// // or, from lists of checks (`pub const CHECKS: &[Check]` of each family crate):
/// hybrid_audit_sdk::plugin!("builtin", checks_of [family_a::CHECKS, family_b::CHECKS]);
/// ```
#[macro_export]
macro_rules! plugin {
    ($name:literal, checks_of [$($list:path),* $(,)?]) => {
        const __HYBRID_AUDIT_CHECK_COUNT: usize = 0 $(+ $list.len())*;
        const __HYBRID_AUDIT_CHECKS: [$crate::Check; __HYBRID_AUDIT_CHECK_COUNT] = $crate::concat_checks::<__HYBRID_AUDIT_CHECK_COUNT>(&[$($list),*]);
        $crate::plugin!(@declare $name, &__HYBRID_AUDIT_CHECKS);
    };
    ($name:literal, [$($check:path),* $(,)?]) => {
        $crate::plugin!(@declare $name, &[$($check),*]);
    };
    (@declare $name:literal, $checks:expr) => {
        /// This plugin's checks.
        pub const PLUGIN: $crate::Plugin = $crate::Plugin { name: $name, version: env!("CARGO_PKG_VERSION"), checks: $checks };

        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code)]
        mod __hybrid_audit_exports {
            const LEN: usize = $crate::manifest::len(&super::PLUGIN);

            #[used]
            #[unsafe(link_section = "hybrid-audit-manifest")]
            static MANIFEST: [u8; LEN] = $crate::manifest::bytes::<LEN>(&super::PLUGIN);

            #[unsafe(no_mangle)]
            pub extern "C" fn hybrid_audit_alloc(len: u32) -> u32 {
                $crate::abi::alloc(len)
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn hybrid_audit_evaluate(len: u32) -> u64 {
                $crate::abi::evaluate(&super::PLUGIN, len)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let d = Date::from_ymd(2026, 11, 22).expect("valid");
        assert_eq!(d.to_string(), "2026-11-22");
        assert_eq!(d.add_days(30).to_string(), "2026-12-22");
        assert_eq!(Date::from_ymd(2024, 2, 29).map(|d| d.to_string()).as_deref(), Some("2024-02-29"));
        assert_eq!(Date::from_ymd(2023, 2, 29), None);
        assert_eq!(Date(0).to_string(), "1970-01-01");
        assert_eq!(Timestamp(1_574_202_819).to_string(), "2019-11-19T22:33:39Z");
    }

    #[test]
    fn field_ids_are_positions_and_names_unique() {
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(f.id() as usize, i);
            assert_eq!(Field::from_name(f.name()), Some(*f));
        }
    }
}
