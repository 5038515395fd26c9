//! The canonical typed tables: the same record whatever export shape it came from. No I/O here.

use crate::values::{Guid, Timestamp};
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

    /// The export command that produces a usable file of this kind (for error messages).
    pub fn export_hint(self) -> &'static str {
        match self {
            Kind::AdUsers => "Get-ADUser -Filter * -Properties * | Select-Object *,@{n='proxyAddresses';e={$_.proxyAddresses -join ';'}},@{n='msExchMailboxGuid';e={[guid]$_.msExchMailboxGuid}},@{n='mS-DS-ConsistencyGuid';e={[guid]$_.'mS-DS-ConsistencyGuid'}} -ExcludeProperty proxyAddresses,msExchMailboxGuid,mS-DS-ConsistencyGuid | Export-Csv ad-users.csv -NoTypeInformation -Encoding UTF8",
            Kind::EntraUsers => "Get-MgUser -All -Property id,userPrincipalName,onPremisesImmutableId,accountEnabled,mail,proxyAddresses,usageLocation,userType,assignedLicenses,assignedPlans,licenseAssignmentStates,onPremisesProvisioningErrors,onPremisesSyncEnabled,createdDateTime | ConvertTo-Json -Depth 6 | Set-Content entra-users.json -Encoding UTF8",
            Kind::EntraSkus => "Get-MgSubscribedSku -All | ConvertTo-Json -Depth 6 | Set-Content subscribed-skus.json -Encoding UTF8",
            Kind::ExoMailboxes => "Get-EXOMailbox -ResultSize Unlimited -PropertySets Minimum,StatisticsSeed,Hold,Archive,Delivery -Properties WhenMailboxCreated,WhenSoftDeleted,IsInactiveMailbox,IsSoftDeletedByRemove,AccountDisabled | ConvertTo-Json -Depth 4 | Set-Content exo-mailboxes.json -Encoding UTF8",
            Kind::ExoUsers => "Get-User -ResultSize Unlimited | Select-Object ExternalDirectoryObjectId,UserPrincipalName,RecipientTypeDetails,PreviousRecipientTypeDetails,WindowsEmailAddress,SKUAssigned,IsDirSynced,AccountDisabled,Guid | Export-Csv exo-users.csv -NoTypeInformation -Encoding UTF8",
            Kind::ExoMailusers => "Get-MailUser -ResultSize Unlimited | Select-Object ExternalDirectoryObjectId,UserPrincipalName,PrimarySmtpAddress,ExternalEmailAddress,RecipientTypeDetails,ExchangeGuid,ArchiveGuid,Guid,@{n='EmailAddresses';e={$_.EmailAddresses -join ';'}} | Export-Csv exo-mailusers.csv -NoTypeInformation -Encoding UTF8",
            Kind::ExoRecipients => "Get-EXORecipient -ResultSize Unlimited -PropertySets Minimum | ConvertTo-Json -Depth 4 | Set-Content exo-recipients.json -Encoding UTF8",
            Kind::ExoStatistics => "Get-EXOMailbox -ResultSize Unlimited | Get-EXOMailboxStatistics | Select-Object MailboxGuid,DisplayName,TotalItemSize,ItemCount,TotalDeletedItemSize | Export-Csv exo-statistics.csv -NoTypeInformation -Encoding UTF8",
            Kind::Unknown => "",
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
        OnPremisesSyncEnabled => "onPremisesSyncEnabled",
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
    }
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
/// whose enum shares the values). Unrecognised values are kept as their number or name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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
    Other(Box<str>),
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

    pub fn from_value(value: i64) -> RecipientType {
        Self::TABLE
            .iter()
            .find(|(v, _, _)| *v == value)
            .map(|(_, _, t)| t.clone())
            .unwrap_or_else(|| RecipientType::Other(value.to_string().into()))
    }

    /// From EXO text (`UserMailbox`), a number (PowerShell 5.1 JSON writes enums as numbers), or empty.
    pub fn parse(text: &str) -> Option<RecipientType> {
        let t = text.trim();
        if t.is_empty() {
            return Option::None;
        }
        if let Ok(v) = t.parse::<i64>() {
            return Some(Self::from_value(v));
        }
        if t.eq_ignore_ascii_case("None") {
            return Some(RecipientType::None);
        }
        Some(
            Self::TABLE
                .iter()
                .find(|(_, name, _)| name.eq_ignore_ascii_case(t))
                .map(|(_, _, rt)| rt.clone())
                .unwrap_or_else(|| RecipientType::Other(t.into())),
        )
    }

    pub fn as_str(&self) -> &str {
        match self {
            RecipientType::None => "None",
            RecipientType::Other(s) => s,
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
    pub fn is_mailbox(&self) -> bool {
        match self {
            RecipientType::UserMailbox | RecipientType::LinkedMailbox | RecipientType::SharedMailbox | RecipientType::RoomMailbox | RecipientType::EquipmentMailbox => true,
            RecipientType::Other(name) => name.ends_with("Mailbox") && !name.starts_with("Remote"),
            _ => false,
        }
    }
}

/// One on-prem AD user.
#[derive(Clone, Debug, Default)]
pub struct AdUser {
    pub src: Option<Src>,
    pub distinguished_name: Option<Box<str>>,
    pub object_class: Option<Box<str>>,
    pub object_guid: Option<Guid>,
    pub consistency_guid: Option<Guid>,
    pub user_principal_name: Option<Box<str>>,
    pub sam_account_name: Option<Box<str>>,
    pub display_name: Option<Box<str>>,
    pub mail: Option<Box<str>>,
    pub mail_nickname: Option<Box<str>>,
    pub proxy_addresses: Box<[Box<str>]>,
    pub target_address: Option<Box<str>>,
    /// From `Enabled`, else from `userAccountControl`.
    pub enabled: Option<bool>,
    pub recipient_type_details: Option<i64>,
    pub remote_recipient_type: Option<i64>,
    pub recipient_display_type: Option<i64>,
    pub mailbox_guid: Option<Guid>,
    pub archive_guid: Option<Guid>,
    pub home_mdb: Option<Box<str>>,
    pub home_server_name: Option<Box<str>>,
    pub when_created: Option<Timestamp>,
    /// `None` when it never expires (FILETIME 0 / 2^63-1) or is not exported.
    pub account_expires: Option<Timestamp>,
}

impl AdUser {
    /// The source anchor Entra Connect uses: `mS-DS-ConsistencyGuid` if set, else `objectGUID`.
    pub fn source_anchor(&self) -> Option<Guid> {
        self.consistency_guid.filter(|g| !g.is_zero()).or(self.object_guid.filter(|g| !g.is_zero()))
    }
}

/// A license assignment (Graph `assignedLicenses` or MSOL `Licenses`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum License {
    Sku { sku_id: Guid, disabled_plans: Box<[Guid]> },
    /// MSOL `AccountSkuId` such as `contoso:ENTERPRISEPACK`.
    AccountSku(Box<str>),
}

/// One service plan of `assignedPlans`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignedPlan {
    pub service_plan_id: Guid,
    pub service: Option<Box<str>>,
    /// `capabilityStatus` == Enabled (also Warning: still granted during grace).
    pub enabled: bool,
    pub capability_status: Box<str>,
    pub assigned: Option<Timestamp>,
}

/// One `licenseAssignmentStates` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseState {
    pub sku_id: Option<Guid>,
    pub state: Box<str>,
    pub error: Box<str>,
    pub assigned_by_group: Option<Guid>,
}

/// One provisioning error (`onPremisesProvisioningErrors`, MSOL `Errors`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvisioningError {
    pub category: Box<str>,
    pub property: Box<str>,
    pub value: Box<str>,
}

/// One Entra ID user.
#[derive(Clone, Debug, Default)]
pub struct EntraUser {
    pub src: Option<Src>,
    pub id: Option<Guid>,
    pub user_principal_name: Option<Box<str>>,
    pub display_name: Option<Box<str>>,
    /// The text as exported; [`EntraUser::immutable_guid`] when it decodes to a GUID.
    pub immutable_id: Option<Box<str>>,
    pub immutable_guid: Option<Guid>,
    pub on_premises_sync_enabled: Option<bool>,
    pub account_enabled: Option<bool>,
    pub mail: Option<Box<str>>,
    pub proxy_addresses: Box<[Box<str>]>,
    pub usage_location: Option<Box<str>>,
    pub user_type: Option<Box<str>>,
    pub created: Option<Timestamp>,
    pub licenses: Box<[License]>,
    pub assigned_plans: Box<[AssignedPlan]>,
    pub license_states: Box<[LicenseState]>,
    pub provisioning_errors: Box<[ProvisioningError]>,
    /// MSOL `ValidationStatus`.
    pub validation_status: Option<Box<str>>,
    pub is_licensed: Option<bool>,
}

/// One service plan of a subscribed SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkuPlan {
    pub service_plan_id: Guid,
    pub service_plan_name: Box<str>,
}

#[derive(Clone, Debug)]
pub struct Sku {
    pub src: Option<Src>,
    pub sku_id: Guid,
    pub sku_part_number: Box<str>,
    pub service_plans: Box<[SkuPlan]>,
}

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
    /// The cmdlet family the row came from.
    pub kind: Option<Kind>,
    pub external_directory_object_id: Option<Guid>,
    pub user_principal_name: Option<Box<str>>,
    pub alias: Option<Box<str>>,
    pub display_name: Option<Box<str>>,
    pub email_addresses: Box<[Box<str>]>,
    pub primary_smtp_address: Option<Box<str>>,
    pub windows_email_address: Option<Box<str>>,
    pub external_email_address: Option<Box<str>>,
    pub recipient_type_details: Option<RecipientType>,
    pub previous_recipient_type_details: Option<RecipientType>,
    pub guid: Option<Guid>,
    pub exchange_guid: Option<Guid>,
    pub archive_guid: Option<Guid>,
    pub archive_status: Option<Box<str>>,
    pub litigation_hold_enabled: Option<bool>,
    pub in_place_holds: Box<[Box<str>]>,
    pub compliance_tag_hold_applied: Option<bool>,
    pub delay_hold_applied: Option<bool>,
    pub delay_release_hold_applied: Option<bool>,
    pub retention_hold_enabled: Option<bool>,
    pub state: ExoState,
    pub when_soft_deleted: Option<Timestamp>,
    pub when_mailbox_created: Option<Timestamp>,
    pub account_disabled: Option<bool>,
    pub sku_assigned: Option<bool>,
    pub is_dir_synced: Option<bool>,
}

#[derive(Clone, Debug, Default)]
pub struct MailboxStatistics {
    pub src: Option<Src>,
    pub mailbox_guid: Option<Guid>,
    pub display_name: Option<Box<str>>,
    pub total_item_size: Option<u64>,
    pub item_count: Option<u64>,
    pub total_deleted_item_size: Option<u64>,
}
