//! The canonical typed tables: the same record whatever export shape it came from. No I/O here.

use crate::values::{Guid, Opt64};
use serde::Serialize;

/// Where a row came from: an index into the run's file list, and the 1-based line (CSV, JSON, LDIF)
/// or row (.xlsx) where the record starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Src {
    pub file: u32,
    pub line: u32,
}

/// What a file is, decided from its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    AdUsers,
    EntraUsers,
    EntraSkus,
    ExoMailboxes,
    ExoUsers,
    ExoMailusers,
    ExoRecipients,
    ExoStatistics,
    Unknown,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AdUsers => "ad-users",
            Kind::EntraUsers => "entra-users",
            Kind::EntraSkus => "entra-skus",
            Kind::ExoMailboxes => "exo-mailboxes",
            Kind::ExoUsers => "exo-users",
            Kind::ExoMailusers => "exo-mailusers",
            Kind::ExoRecipients => "exo-recipients",
            Kind::ExoStatistics => "exo-statistics",
            Kind::Unknown => "unknown",
        }
    }
}

/// Declares the canonical fields of one table: the enum, its display names (as evidence shows them)
/// and the header / JSON key aliases every export shape uses for it.
macro_rules! fields {
    ($(#[$meta:meta])* $enum:ident { $($var:ident => $name:literal $([$($alias:literal),*])?),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $enum { $($var),* }
        impl $enum {
            pub const ALL: &'static [$enum] = &[$($enum::$var),*];
            /// The field as the source directory names it.
            pub fn name(self) -> &'static str { match self { $($enum::$var => $name),* } }
            /// Other header / key spellings that carry the same field.
            pub fn aliases(self) -> &'static [&'static str] { match self { $($enum::$var => &[$($($alias),*)?]),* } }
        }
    };
}

fields! {
    /// On-prem AD user attributes (Get-ADUser CSV/JSON, csvde, ldifde, .xlsx).
    AdField {
        DistinguishedName => "distinguishedName" ["dn"],
        ObjectClass => "objectClass",
        ObjectGuid => "objectGUID",
        ConsistencyGuid => "mS-DS-ConsistencyGuid" ["msDSConsistencyGuid"],
        UserPrincipalName => "userPrincipalName",
        SamAccountName => "sAMAccountName",
        DisplayName => "displayName" ["Name", "cn"],
        Mail => "mail" ["EmailAddress"],
        MailNickname => "mailNickname",
        ProxyAddresses => "proxyAddresses",
        TargetAddress => "targetAddress",
        Enabled => "Enabled",
        UserAccountControl => "userAccountControl",
        RecipientTypeDetails => "msExchRecipientTypeDetails",
        RemoteRecipientType => "msExchRemoteRecipientType",
        RecipientDisplayType => "msExchRecipientDisplayType",
        MailboxGuid => "msExchMailboxGuid",
        ArchiveGuid => "msExchArchiveGUID",
        HomeMdb => "homeMDB",
        HomeServerName => "msExchHomeServerName",
        WhenCreated => "whenCreated" ["Created", "createTimeStamp"],
        AccountExpires => "accountExpires",
    }
}

fields! {
    /// Entra ID user (Graph / Get-MgUser JSON in camelCase or PascalCase, Get-MsolUser CSV).
    EntraField {
        Id => "id" ["ObjectId"],
        UserPrincipalName => "userPrincipalName",
        DisplayName => "displayName",
        ImmutableId => "onPremisesImmutableId" ["ImmutableId"],
        OnPremisesSyncEnabled => "onPremisesSyncEnabled" ["DirSyncEnabled"],
        AccountEnabled => "accountEnabled",
        BlockCredential => "BlockCredential",
        Mail => "mail",
        ProxyAddresses => "proxyAddresses",
        UsageLocation => "usageLocation",
        UserType => "userType",
        CreatedDateTime => "createdDateTime" ["WhenCreated"],
        AssignedLicenses => "assignedLicenses" ["Licenses"],
        AssignedPlans => "assignedPlans",
        LicenseAssignmentStates => "licenseAssignmentStates",
        ProvisioningErrors => "onPremisesProvisioningErrors" ["Errors"],
        ValidationStatus => "ValidationStatus",
        IsLicensed => "IsLicensed",
        DeletedDateTime => "deletedDateTime" ["SoftDeletionTimestamp"],
    }
}

fields! {
    /// Graph `subscribedSkus`.
    SkuField {
        SkuId => "skuId",
        SkuPartNumber => "skuPartNumber",
        ServicePlans => "servicePlans",
    }
}

fields! {
    /// Exchange Online recipients: Get-EXOMailbox / Get-Mailbox (incl. soft-deleted and inactive),
    /// Get-User, Get-MailUser, Get-Recipient / Get-EXORecipient.
    ExoField {
        ExternalDirectoryObjectId => "ExternalDirectoryObjectId",
        UserPrincipalName => "UserPrincipalName",
        Alias => "Alias",
        DisplayName => "DisplayName",
        EmailAddresses => "EmailAddresses",
        PrimarySmtpAddress => "PrimarySmtpAddress",
        WindowsEmailAddress => "WindowsEmailAddress",
        ExternalEmailAddress => "ExternalEmailAddress",
        RecipientTypeDetails => "RecipientTypeDetails",
        PreviousRecipientTypeDetails => "PreviousRecipientTypeDetails",
        Guid => "Guid",
        ExchangeGuid => "ExchangeGuid",
        ArchiveGuid => "ArchiveGuid",
        ArchiveStatus => "ArchiveStatus",
        LitigationHoldEnabled => "LitigationHoldEnabled",
        InPlaceHolds => "InPlaceHolds",
        ComplianceTagHoldApplied => "ComplianceTagHoldApplied",
        DelayHoldApplied => "DelayHoldApplied",
        DelayReleaseHoldApplied => "DelayReleaseHoldApplied",
        RetentionHoldEnabled => "RetentionHoldEnabled",
        IsInactiveMailbox => "IsInactiveMailbox",
        IsSoftDeletedByRemove => "IsSoftDeletedByRemove",
        IsSoftDeletedByDisable => "IsSoftDeletedByDisable",
        WhenSoftDeleted => "WhenSoftDeleted",
        WhenMailboxCreated => "WhenMailboxCreated",
        AccountDisabled => "AccountDisabled",
        SkuAssigned => "SKUAssigned",
        IsDirSynced => "IsDirSynced",
        DistinguishedName => "DistinguishedName",
        OrganizationalUnit => "OrganizationalUnit",
    }
}

impl ExoField {
    /// The columns that say a mailbox is soft-deleted or inactive, not active (an export without them is of
    /// active mailboxes: Get-EXOMailbox without -SoftDeletedMailbox / -InactiveMailboxOnly).
    pub const STATE: [ExoField; 4] = [ExoField::IsInactiveMailbox, ExoField::IsSoftDeletedByRemove, ExoField::IsSoftDeletedByDisable, ExoField::WhenSoftDeleted];

    /// Where a recipient lives, read only to tell an export of an on-premises Exchange organization from
    /// Exchange Online's (whose objects are all under `Microsoft Exchange Hosted Organizations`); not stored.
    pub const LOCATION: [ExoField; 2] = [ExoField::DistinguishedName, ExoField::OrganizationalUnit];
}

fields! {
    /// Get-EXOMailboxStatistics / Get-MailboxStatistics.
    StatsField {
        MailboxGuid => "MailboxGuid",
        DisplayName => "DisplayName",
        TotalItemSize => "TotalItemSize",
        ItemCount => "ItemCount",
        TotalDeletedItemSize => "TotalDeletedItemSize",
    }
}

/// Exchange recipient type (`msExchRecipientTypeDetails` on-prem, `RecipientTypeDetails` in EXO,
/// whose enum shares the values). Unrecognised values are kept as written, in the row's text store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecipientType {
    UserMailbox,
    LinkedMailbox,
    SharedMailbox,
    RoomMailbox,
    EquipmentMailbox,
    MailUser,
    GuestMailUser,
    MailContact,
    User,
    DisabledUser,
    RemoteUserMailbox,
    RemoteRoomMailbox,
    RemoteEquipmentMailbox,
    RemoteSharedMailbox,
    None,
    Other(Str),
}

impl RecipientType {
    const TABLE: &'static [(i64, &'static str, RecipientType)] = &[
        (1, "UserMailbox", RecipientType::UserMailbox),
        (2, "LinkedMailbox", RecipientType::LinkedMailbox),
        (4, "SharedMailbox", RecipientType::SharedMailbox),
        (16, "RoomMailbox", RecipientType::RoomMailbox),
        (32, "EquipmentMailbox", RecipientType::EquipmentMailbox),
        (64, "MailContact", RecipientType::MailContact),
        (128, "MailUser", RecipientType::MailUser),
        (65536, "User", RecipientType::User),
        (131072, "DisabledUser", RecipientType::DisabledUser),
        (2147483648, "RemoteUserMailbox", RecipientType::RemoteUserMailbox),
        (8589934592, "RemoteRoomMailbox", RecipientType::RemoteRoomMailbox),
        (17179869184, "RemoteEquipmentMailbox", RecipientType::RemoteEquipmentMailbox),
        (34359738368, "RemoteSharedMailbox", RecipientType::RemoteSharedMailbox),
        (2199023255552, "GuestMailUser", RecipientType::GuestMailUser),
    ];

    /// Numeric values (PowerShell 5.1 JSON) of types the checks only need by name.
    const NAMED: &'static [(i64, &'static str)] = &[(536870912, "DiscoveryMailbox")];

    /// Whether the type is a number the tables do not know (an enum value written as a number): what
    /// kind of recipient it is cannot be told.
    pub fn is_unknown_number(&self, texts: &Texts) -> bool {
        matches!(self, RecipientType::Other(_)) && self.name(texts).bytes().all(|b| b.is_ascii_digit())
    }

    /// A known numeric value.
    pub fn from_value(value: i64) -> Option<RecipientType> {
        Self::TABLE
            .iter()
            .find(|(v, _, _)| *v == value)
            .map(|(_, _, t)| *t)
    }

    /// From EXO text (`UserMailbox`), a number (PowerShell 5.1 JSON writes enums as numbers), or empty.
    /// A value not in the table is kept as written, in `texts`.
    pub fn parse(text: &str, texts: &mut Texts) -> Option<RecipientType> {
        let t = text.trim_ascii();
        if t.is_empty() {
            return Option::None;
        }
        if t.eq_ignore_ascii_case("None") {
            return Some(RecipientType::None);
        }
        let known = match t.parse::<i64>() {
            Ok(v) => Self::from_value(v).or_else(|| {
                // Types without a variant of their own, kept by name (a number would say nothing of them).
                Self::NAMED.iter().find(|(n, _)| *n == v).map(|(_, name)| RecipientType::Other(texts.put(name)))
            }),
            Err(_) => Self::TABLE.iter().find(|(_, name, _)| name.eq_ignore_ascii_case(t)).map(|(_, _, rt)| *rt),
        };
        Some(known.unwrap_or_else(|| RecipientType::Other(texts.put(t))))
    }

    /// The type's name; `texts` is the store of the row it came from.
    pub fn name<'a>(&self, texts: &'a Texts) -> &'a str {
        match self {
            RecipientType::None => "None",
            RecipientType::Other(s) => texts.get(*s).unwrap_or("?"),
            known => Self::TABLE.iter().find(|(_, _, t)| t == known).map(|(_, n, _)| *n).unwrap_or("?"),
        }
    }

    pub fn is_remote(&self) -> bool {
        matches!(
            self,
            RecipientType::RemoteUserMailbox | RecipientType::RemoteRoomMailbox | RecipientType::RemoteEquipmentMailbox | RecipientType::RemoteSharedMailbox
        )
    }

    /// A mailbox in this directory (not a remote one): also DiscoveryMailbox, SchedulingMailbox, TeamMailbox …
    pub fn is_mailbox(&self, texts: &Texts) -> bool {
        match self {
            RecipientType::UserMailbox | RecipientType::LinkedMailbox | RecipientType::SharedMailbox | RecipientType::RoomMailbox | RecipientType::EquipmentMailbox => true,
            RecipientType::Other(_) => {
                let name = self.name(texts);
                name.ends_with("Mailbox") && !name.starts_with("Remote")
            }
            _ => false,
        }
    }
}

/// A string in its table's text store ([`Texts`]): 8 bytes and no allocation of its own, where a
/// `Box<str>` costs 16 bytes plus a heap block. Empty means absent (exports do not distinguish them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Str {
    start: u32,
    len: u32,
}

impl Str {
    pub fn is_none(self) -> bool {
        self.len == 0
    }

    pub fn is_some(self) -> bool {
        self.len != 0
    }

    fn rebase(&mut self, delta: u32) {
        if self.len != 0 {
            self.start += delta;
        }
    }
}

/// Separates the values of a multi-valued field inside one [`Str`] (never part of an address).
const LIST_SEPARATOR: char = '\u{1f}';

/// The text of one table, stored once, in one buffer.
#[derive(Clone, Debug, Default)]
pub struct Texts {
    bytes: String,
    /// Set when the buffer would pass 4 GiB (u32 offsets): the file is then reported as too large.
    pub overflowed: bool,
    /// The last few strings stored: a value equal to one of them is not stored again (`mail` is
    /// usually the UPN, `mailNickname` the sAMAccountName, and many values repeat row after row).
    recent: [Str; 4],
    next_recent: usize,
}

impl Texts {
    pub fn put(&mut self, text: &str) -> Str {
        if text.is_empty() {
            return Str::default();
        }
        for &r in &self.recent {
            if r.len as usize == text.len() && self.get(r) == Some(text) {
                return r;
            }
        }
        let start = self.bytes.len();
        if start + text.len() > u32::MAX as usize {
            self.overflowed = true;
            return Str::default();
        }
        self.bytes.push_str(text);
        let s = Str { start: start as u32, len: text.len() as u32 };
        self.recent[self.next_recent] = s;
        self.next_recent = (self.next_recent + 1) % self.recent.len();
        s
    }

    /// Stores the values of a multi-valued field as one string.
    pub fn put_list<'a>(&mut self, values: impl IntoIterator<Item = &'a str>) -> Str {
        let start = self.bytes.len();
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.bytes.push(LIST_SEPARATOR);
            }
            self.bytes.push_str(v);
        }
        let len = self.bytes.len() - start;
        if self.bytes.len() > u32::MAX as usize {
            self.bytes.truncate(start);
            self.overflowed = true;
            return Str::default();
        }
        Str { start: start as u32, len: len as u32 }
    }

    pub fn get(&self, s: Str) -> Option<&str> {
        if s.len == 0 {
            return None;
        }
        self.bytes.get(s.start as usize..(s.start + s.len) as usize)
    }

    /// Where a value's bytes start, without reading them (for a prefetch: [`Texts::get`] checks the
    /// slice's ends are character boundaries, a load that waits on memory).
    pub fn address(&self, s: Str) -> Option<*const u8> {
        (s.len != 0).then(|| self.bytes.as_ptr().wrapping_add(s.start as usize))
    }

    /// The values of a multi-valued field (none when it is empty). Split on the separator byte, which
    /// is ASCII and so never inside another character: `str::split(char)` searched each short value with
    /// a generic memchr call per piece (7% of encoding a record).
    pub fn list(&self, s: Str) -> impl Iterator<Item = &str> + Clone {
        const SEPARATOR: u8 = LIST_SEPARATOR as u8;
        const _: () = assert!(LIST_SEPARATOR.is_ascii());
        self.get(s).into_iter().flat_map(|t| {
            t.as_bytes().split(|&b| b == SEPARATOR).map(|piece| {
                // SAFETY: `t` is valid UTF-8 and each piece is cut at an ASCII byte, a character boundary.
                unsafe { std::str::from_utf8_unchecked(piece) }
            })
        })
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn reserve(&mut self, additional: usize) {
        self.bytes.reserve_exact(additional);
    }

    pub fn truncate(&mut self, len: usize) {
        self.bytes.truncate(len);
        self.recent = Default::default();
    }

    pub fn shrink(&mut self) {
        if self.bytes.capacity() > self.bytes.len() + self.bytes.len() / 10 + 4096 {
            self.bytes.shrink_to_fit();
        }
    }
}

/// Records whose [`Str`] fields point into a [`Texts`]: moving them into a larger store shifts them.
pub trait Rebase {
    fn rebase(&mut self, delta: u32);
}

/// One table: its records and the text they point into.
#[derive(Clone, Debug)]
pub struct Rows<T> {
    pub rows: Vec<T>,
    pub texts: Texts,
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows { rows: Vec::new(), texts: Texts::default() }
    }
}

impl<T> std::ops::Deref for Rows<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.rows
    }
}

impl<T: Rebase> Rows<T> {
    pub fn text(&self, s: Str) -> Option<&str> {
        self.texts.get(s)
    }

    /// [`Texts::address`] of a value.
    pub fn text_address(&self, s: Str) -> Option<*const u8> {
        self.texts.address(s)
    }

    pub fn list(&self, s: Str) -> impl Iterator<Item = &str> + Clone {
        self.texts.list(s)
    }

    /// Appends another table (another file of the same kind), moving rather than copying the first.
    pub fn append(&mut self, mut other: Rows<T>) {
        if self.rows.is_empty() && self.texts.is_empty() {
            *self = other;
            return;
        }
        let delta = self.texts.len();
        if delta + other.texts.len() > u32::MAX as usize {
            self.texts.overflowed = true;
            return;
        }
        for r in &mut other.rows {
            r.rebase(delta as u32);
        }
        self.texts.bytes.push_str(&other.texts.bytes);
        self.texts.overflowed |= other.texts.overflowed;
        self.texts.recent = Default::default();
        self.rows.append(&mut other.rows);
    }
}

macro_rules! rebase {
    ($t:ty { $($field:ident),* } $(, nested $nested:ident { $($nf:ident),* })*) => {
        impl Rebase for $t {
            fn rebase(&mut self, delta: u32) {
                $(self.$field.rebase(delta);)*
                $(for n in self.$nested.iter_mut() { $(n.$nf.rebase(delta);)* })*
            }
        }
    };
}

/// One on-prem AD user.
#[derive(Clone, Debug, Default)]
pub struct AdUser {
    pub src: Option<Src>,
    /// Bit `1 << slot` for each cell of this row whose value was given but could not be read (a
    /// bad GUID, `Ja` for a boolean, a date whose day/month order stayed unknown): its field is
    /// unknown on this row, not empty.
    pub unreadable: u32,
    pub distinguished_name: Str,
    pub object_class: Str,
    pub object_guid: Option<Guid>,
    pub consistency_guid: Option<Guid>,
    pub mailbox_guid: Option<Guid>,
    pub archive_guid: Option<Guid>,
    /// From `Enabled`, else from `userAccountControl`.
    pub enabled: Option<bool>,
    pub user_principal_name: Str,
    pub sam_account_name: Str,
    pub display_name: Str,
    pub mail: Str,
    pub mail_nickname: Str,
    /// Multi-valued: read with [`Rows::list`].
    pub proxy_addresses: Str,
    pub target_address: Str,
    pub home_mdb: Str,
    pub home_server_name: Str,
    pub recipient_type_details: Opt64,
    pub remote_recipient_type: Opt64,
    pub recipient_display_type: Opt64,
    pub when_created: Opt64,
    /// `None` when it never expires (FILETIME 0 / 2^63-1) or is not exported.
    pub account_expires: Opt64,
}

rebase!(AdUser { distinguished_name, object_class, user_principal_name, sam_account_name, display_name, mail, mail_nickname, proxy_addresses, target_address, home_mdb, home_server_name });

impl AdUser {
    /// The source anchor Entra Connect uses: `mS-DS-ConsistencyGuid` if set, else `objectGUID`.
    pub fn source_anchor(&self) -> Option<Guid> {
        self.consistency_guid.filter(|g| !g.is_zero()).or(self.object_guid.filter(|g| !g.is_zero()))
    }
}

/// A license assignment (Graph `assignedLicenses` or MSOL `Licenses`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct License {
    pub sku_id: Option<Guid>,
    /// MSOL `AccountSkuId` such as `contoso:ENTERPRISEPACK` (when there is no sku id).
    pub account_sku: Str,
    pub disabled_plans: Box<[Guid]>,
    /// Whether the export says which plans are disabled (Graph's `disabledPlans`): an MSOL `Licenses`
    /// value or a bare list of SKU ids does not.
    pub disabled_known: bool,
}

/// One Exchange service plan of `assignedPlans`. Plans of other services are not kept: no check
/// reads them, and a licensed user carries dozens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignedPlan {
    pub service_plan_id: Guid,
    /// `capabilityStatus` Enabled (also Warning: still granted during grace).
    pub enabled: bool,
    pub capability_status: Str,
    pub assigned: Opt64,
}

/// One `licenseAssignmentStates` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseState {
    pub sku_id: Option<Guid>,
    pub assigned_by_group: Option<Guid>,
    pub state: Str,
    pub error: Str,
    /// `lastUpdatedDateTime`.
    pub updated: Opt64,
}

/// One provisioning error (`onPremisesProvisioningErrors`, MSOL `Errors`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvisioningError {
    pub category: Str,
    pub property: Str,
    pub value: Str,
}

/// One Entra ID user.
#[derive(Clone, Debug, Default)]
pub struct EntraUser {
    pub src: Option<Src>,
    /// Bit `1 << slot` for each cell of this row whose value was given but could not be read (a
    /// bad GUID, `Ja` for a boolean, a date whose day/month order stayed unknown): its field is
    /// unknown on this row, not empty.
    pub unreadable: u32,
    pub id: Option<Guid>,
    /// The decoded `onPremisesImmutableId` when it is a GUID (the usual source anchor).
    pub immutable_guid: Option<Guid>,
    pub on_premises_sync_enabled: Option<bool>,
    pub account_enabled: Option<bool>,
    pub is_licensed: Option<bool>,
    pub user_principal_name: Str,
    pub display_name: Str,
    /// The text as exported.
    pub immutable_id: Str,
    pub mail: Str,
    pub proxy_addresses: Str,
    pub usage_location: Str,
    pub user_type: Str,
    /// MSOL `ValidationStatus`.
    pub validation_status: Str,
    pub created: Opt64,
    pub licenses: Box<[License]>,
    pub assigned_plans: Box<[AssignedPlan]>,
    pub license_states: Box<[LicenseState]>,
    pub provisioning_errors: Box<[ProvisioningError]>,
}

rebase!(
    EntraUser { user_principal_name, display_name, immutable_id, mail, proxy_addresses, usage_location, user_type, validation_status },
    nested licenses { account_sku },
    nested assigned_plans { capability_status },
    nested license_states { state, error },
    nested provisioning_errors { category, property, value }
);

/// One service plan of a subscribed SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkuPlan {
    pub service_plan_id: Guid,
    pub service_plan_name: Str,
}

#[derive(Clone, Debug)]
pub struct Sku {
    pub src: Option<Src>,
    /// Bit `1 << slot` for each cell of this row whose value was given but could not be read (a
    /// bad GUID, `Ja` for a boolean, a date whose day/month order stayed unknown): its field is
    /// unknown on this row, not empty.
    pub unreadable: u32,
    pub sku_id: Guid,
    pub sku_part_number: Str,
    pub service_plans: Box<[SkuPlan]>,
}

rebase!(Sku { sku_part_number }, nested service_plans { service_plan_name });

/// State of an EXO mailbox object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ExoState {
    #[default]
    Active,
    SoftDeleted,
    Inactive,
}

/// One row of an Exchange Online recipient export. Rows of the same object from different cmdlets
/// (Get-User + Get-EXOMailbox) are merged by the join into one [`ExoObject`](crate::join::ExoObject).
#[derive(Clone, Debug, Default)]
pub struct ExoRecipient {
    pub src: Option<Src>,
    /// Bit `1 << slot` for each cell of this row whose value was given but could not be read (a
    /// bad GUID, `Ja` for a boolean, a date whose day/month order stayed unknown): its field is
    /// unknown on this row, not empty.
    pub unreadable: u32,
    /// The cmdlet family the row came from.
    pub kind: Option<Kind>,
    pub state: ExoState,
    pub external_directory_object_id: Option<Guid>,
    pub guid: Option<Guid>,
    pub exchange_guid: Option<Guid>,
    pub archive_guid: Option<Guid>,
    pub litigation_hold_enabled: Option<bool>,
    pub compliance_tag_hold_applied: Option<bool>,
    pub delay_hold_applied: Option<bool>,
    pub delay_release_hold_applied: Option<bool>,
    pub retention_hold_enabled: Option<bool>,
    pub account_disabled: Option<bool>,
    pub sku_assigned: Option<bool>,
    pub is_dir_synced: Option<bool>,
    pub user_principal_name: Str,
    pub alias: Str,
    pub display_name: Str,
    pub email_addresses: Str,
    pub primary_smtp_address: Str,
    pub windows_email_address: Str,
    pub external_email_address: Str,
    pub archive_status: Str,
    pub in_place_holds: Str,
    pub recipient_type_details: Option<RecipientType>,
    pub previous_recipient_type_details: Option<RecipientType>,
    pub when_soft_deleted: Opt64,
    pub when_mailbox_created: Opt64,
}

impl Rebase for ExoRecipient {
    fn rebase(&mut self, delta: u32) {
        for s in [
            &mut self.user_principal_name,
            &mut self.alias,
            &mut self.display_name,
            &mut self.email_addresses,
            &mut self.primary_smtp_address,
            &mut self.windows_email_address,
            &mut self.external_email_address,
            &mut self.archive_status,
            &mut self.in_place_holds,
        ] {
            s.rebase(delta);
        }
        // An unrecognised recipient type keeps its text in the store too.
        for t in [&mut self.recipient_type_details, &mut self.previous_recipient_type_details].into_iter().flatten() {
            if let RecipientType::Other(s) = t {
                s.rebase(delta);
            }
        }
    }
}

/// The cmdlet families of Exchange Online recipient exports; each has its own table, so files of
/// different families are read side by side without one table being copied into another.
pub const EXO_FAMILIES: [Kind; 4] = [Kind::ExoMailboxes, Kind::ExoUsers, Kind::ExoMailusers, Kind::ExoRecipients];

impl Kind {
    /// The EXO family table a kind of file fills.
    pub fn exo_family(self) -> Option<usize> {
        EXO_FAMILIES.iter().position(|k| *k == self)
    }
}

/// One row of one EXO family table: the family in the top two bits, the row below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ExoRef(u32);

impl ExoRef {
    pub fn new(family: usize, row: usize) -> ExoRef {
        ExoRef(((family as u32) << 30) | row as u32)
    }
    pub fn family(self) -> usize {
        (self.0 >> 30) as usize
    }
    pub fn row(self) -> usize {
        (self.0 & 0x3FFF_FFFF) as usize
    }
}

/// The Exchange Online recipient rows, one table per cmdlet family.
#[derive(Clone, Debug, Default)]
pub struct ExoTables {
    pub families: [Rows<ExoRecipient>; 4],
}

impl ExoTables {
    pub fn row(&self, r: ExoRef) -> &ExoRecipient {
        &self.families[r.family()].rows[r.row()]
    }
    pub fn text(&self, r: ExoRef, s: Str) -> Option<&str> {
        self.families[r.family()].text(s)
    }
    pub fn text_address(&self, r: ExoRef, s: Str) -> Option<*const u8> {
        self.families[r.family()].text_address(s)
    }
    pub fn list(&self, r: ExoRef, s: Str) -> impl Iterator<Item = &str> + Clone {
        self.families[r.family()].list(s)
    }
    /// Every row, family by family, each in (file, line) order.
    pub fn iter(&self) -> impl Iterator<Item = (ExoRef, &ExoRecipient)> {
        self.families.iter().enumerate().flat_map(|(f, t)| t.rows.iter().enumerate().map(move |(i, r)| (ExoRef::new(f, i), r)))
    }
    pub fn len(&self) -> usize {
        self.families.iter().map(|t| t.len()).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone, Debug, Default)]
pub struct MailboxStatistics {
    pub src: Option<Src>,
    /// Bit `1 << slot` for each cell of this row whose value was given but could not be read (a
    /// bad GUID, `Ja` for a boolean, a date whose day/month order stayed unknown): its field is
    /// unknown on this row, not empty.
    pub unreadable: u32,
    pub mailbox_guid: Option<Guid>,
    pub display_name: Str,
    pub total_item_size: Option<u64>,
    pub item_count: Option<u64>,
    pub total_deleted_item_size: Option<u64>,
}

rebase!(MailboxStatistics { display_name });

#[cfg(test)]
mod tests {
    use super::*;

    /// A row marks its unreadable cells in a `u32`, one bit per field of its table.
    #[test]
    fn every_table_has_fewer_fields_than_the_unreadable_mask_has_bits() {
        for n in [AdField::ALL.len(), EntraField::ALL.len(), SkuField::ALL.len(), ExoField::ALL.len(), StatsField::ALL.len()] {
            assert!(n <= 32, "{n} fields");
        }
    }

    #[test]
    fn text_store_dedups_recent_values_and_keeps_lists() {
        let mut t = Texts::default();
        let upn = t.put("a@contoso.com");
        let mail = t.put("a@contoso.com");
        assert_eq!(upn, mail, "mail equal to the UPN is stored once");
        let list = t.put_list(["SMTP:a@contoso.com", "X500:/o=Org/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=a"]);
        assert_eq!(t.list(list).count(), 2);
        // Split on the separator byte: values with other characters (and an empty one) come back whole.
        let values = ["smtp:jürgen@contoso.com", "", "X500:/o=Org/cn=Ünal\u{1e}", "SMTP:\u{1f600}@contoso.com"];
        let mixed = t.put_list(values);
        assert_eq!(t.list(mixed).collect::<Vec<_>>(), values);
        assert!(t.put("").is_none());
        assert_eq!(t.list(Str::default()).count(), 0);
        let before = t.len();
        t.truncate(before - 5);
        let again = t.put("a@contoso.com");
        assert_eq!(t.get(again), Some("a@contoso.com"), "no stale reuse after a truncate");
    }

    #[test]
    fn recipient_types_by_name_number_or_kept_as_written() {
        let mut t = Texts::default();
        assert_eq!(RecipientType::parse("34359738368", &mut t), Some(RecipientType::RemoteSharedMailbox));
        assert_eq!(RecipientType::parse("usermailbox", &mut t), Some(RecipientType::UserMailbox));
        assert_eq!(RecipientType::parse("", &mut t), None);
        let discovery = RecipientType::parse("DiscoveryMailbox", &mut t).expect("kept");
        assert_eq!(discovery.name(&t), "DiscoveryMailbox");
        assert!(discovery.is_mailbox(&t));
        let odd = RecipientType::parse("4096", &mut t).expect("kept");
        assert_eq!(odd.name(&t), "4096");
        assert!(odd.is_unknown_number(&t) && !discovery.is_unknown_number(&t));
        // PowerShell 5.1 JSON writes the enum as a number: a discovery mailbox is still one.
        let numeric = RecipientType::parse("536870912", &mut t).expect("known");
        assert_eq!(numeric.name(&t), "DiscoveryMailbox");
        assert!(numeric.is_mailbox(&t));
        assert!(!RecipientType::RemoteUserMailbox.is_mailbox(&t) && RecipientType::RemoteUserMailbox.is_remote());
    }

    #[test]
    fn appending_a_table_rebases_its_handles() {
        let mut a: Rows<MailboxStatistics> = Rows::default();
        let s = a.texts.put("first");
        a.rows.push(MailboxStatistics { display_name: s, ..Default::default() });
        let mut b: Rows<MailboxStatistics> = Rows::default();
        let s = b.texts.put("second");
        b.rows.push(MailboxStatistics { display_name: s, ..Default::default() });
        a.append(b);
        let names: Vec<&str> = a.iter().filter_map(|r| a.text(r.display_name)).collect();
        assert_eq!(names, vec!["first", "second"]);
    }
}
