//! From the joined tables to the SDK's identity record: which fields the exports carry (a check that
//! needs a missing one is not evaluated), the encoding of a batch for a plugin, and where each value
//! came from (evidence).

use crate::ingest::{Dataset, FileReport};
use crate::join::{ExoObject, Joined, Side};
use crate::prefetch;
use crate::model::{AdField as A, EntraField as E, ExoField as X, ExoRef, Kind, Src, StatsField};
use crate::values::Guid;
use hybrid_audit_sdk as sdk;
use hybrid_audit_sdk::{Field, Wire};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

/// Where a field's value is read from: a table column (any of several spellings) of one kind of export.
enum Source {
    Ad(&'static [A]),
    Entra(&'static [E]),
    /// Any EXO family.
    Exo(&'static [X]),
    /// Any EXO family carries the column, but the value is read from (and cited as) the Get-User row.
    ExoUsers(&'static [X]),
    /// Only the mailbox cmdlets (Get-EXOMailbox / Get-Mailbox).
    ExoMailboxes(&'static [X]),
    /// Only the mailbox cmdlets, and every one of the columns: a value made of several (the holds) is
    /// unknown when one of them is missing — a mailbox without the column of its only hold would read as
    /// not held.
    ExoMailboxesAll(&'static [X]),
    /// Soft-deleted and inactive mailboxes: a mailbox export with the columns that mark them.
    PreviousMailboxes,
    Statistics(StatsField),
    /// Whether an object of this directory exists: known from any export of it.
    Directory(Kind),
    /// Whether an Exchange Online object exists: only known from an export that lists every recipient.
    AllRecipients,
    /// Computed by the join for every identity.
    Join,
    /// Known when some export carries a `*.mail.onmicrosoft.com` address.
    RoutingDomains,
}

fn source(field: Field) -> Source {
    use Field::*;
    match field {
        Ambiguous | Duplicates | SoftMatches => Source::Join,
        AdPresent => Source::Directory(Kind::AdUsers),
        AdDistinguishedName => Source::Ad(&[A::DistinguishedName]),
        AdSamAccountName => Source::Ad(&[A::SamAccountName]),
        AdUserPrincipalName => Source::Ad(&[A::UserPrincipalName]),
        AdMail => Source::Ad(&[A::Mail]),
        AdMailNickname => Source::Ad(&[A::MailNickname]),
        AdProxyAddresses => Source::Ad(&[A::ProxyAddresses]),
        AdTargetAddress => Source::Ad(&[A::TargetAddress]),
        AdEnabled => Source::Ad(&[A::Enabled, A::UserAccountControl]),
        AdRecipientTypeDetails => Source::Ad(&[A::RecipientTypeDetails]),
        AdRemoteRecipientType => Source::Ad(&[A::RemoteRecipientType]),
        AdRecipientDisplayType => Source::Ad(&[A::RecipientDisplayType]),
        AdMailboxGuid => Source::Ad(&[A::MailboxGuid]),
        AdArchiveGuid => Source::Ad(&[A::ArchiveGuid]),
        AdHomeMdb => Source::Ad(&[A::HomeMdb]),
        AdHomeServerName => Source::Ad(&[A::HomeServerName]),
        AdSourceAnchor => Source::Ad(&[A::ObjectGuid, A::ConsistencyGuid]),
        EntraPresent => Source::Directory(Kind::EntraUsers),
        EntraId => Source::Entra(&[E::Id]),
        EntraUserPrincipalName => Source::Entra(&[E::UserPrincipalName]),
        EntraImmutableId => Source::Entra(&[E::ImmutableId]),
        EntraAccountEnabled => Source::Entra(&[E::AccountEnabled, E::BlockCredential]),
        EntraUserType => Source::Entra(&[E::UserType]),
        EntraUsageLocation => Source::Entra(&[E::UsageLocation]),
        EntraExchangePlans => Source::Entra(&[E::AssignedPlans, E::AssignedLicenses]),
        EntraLicenses => Source::Entra(&[E::AssignedLicenses]),
        EntraLicenseStates => Source::Entra(&[E::LicenseAssignmentStates]),
        EntraProvisioningErrors => Source::Entra(&[E::ProvisioningErrors, E::ValidationStatus]),
        EntraValidationStatus => Source::Entra(&[E::ValidationStatus]),
        ExoPresent => Source::AllRecipients,
        ExoUserPrincipalName => Source::Exo(&[X::UserPrincipalName]),
        ExoPrimarySmtpAddress => Source::Exo(&[X::PrimarySmtpAddress, X::WindowsEmailAddress]),
        ExoEmailAddresses => Source::Exo(&[X::EmailAddresses]),
        ExoExternalEmailAddress => Source::Exo(&[X::ExternalEmailAddress]),
        ExoRecipientTypeDetails => Source::Exo(&[X::RecipientTypeDetails]),
        ExoPreviousRecipientTypeDetails => Source::ExoUsers(&[X::PreviousRecipientTypeDetails]),
        ExoExchangeGuid => Source::Exo(&[X::ExchangeGuid]),
        ExoArchiveGuid => Source::Exo(&[X::ArchiveGuid]),
        ExoArchiveStatus => Source::Exo(&[X::ArchiveStatus]),
        ExoHolds => Source::ExoMailboxesAll(&[X::LitigationHoldEnabled, X::InPlaceHolds, X::ComplianceTagHoldApplied, X::DelayHoldApplied, X::DelayReleaseHoldApplied]),
        ExoRetentionHoldEnabled => Source::ExoMailboxes(&[X::RetentionHoldEnabled]),
        ExoWhenMailboxCreated => Source::Exo(&[X::WhenMailboxCreated]),
        ExoAccountDisabled => Source::Exo(&[X::AccountDisabled]),
        ExoTotalItemSize => Source::Statistics(StatsField::TotalItemSize),
        PreviousMailboxes => Source::PreviousMailboxes,
        TenantRoutingDomains => Source::RoutingDomains,
        AdImmutableId => Source::Ad(&[A::ObjectGuid, A::ConsistencyGuid]),
        EntraImmutableIdAnchor => Source::Entra(&[E::ImmutableId]),
    }
}

/// The directory a field's value comes from (`None`: computed by the join, or from no one directory).
pub fn directory_of(field: Field) -> Option<Side> {
    match source(field) {
        Source::Ad(_) | Source::Directory(Kind::AdUsers) => Some(Side::Ad),
        Source::Entra(_) | Source::Directory(Kind::EntraUsers) => Some(Side::Entra),
        Source::Exo(_) | Source::ExoUsers(_) | Source::ExoMailboxes(_) | Source::ExoMailboxesAll(_) | Source::PreviousMailboxes | Source::Statistics(_) | Source::AllRecipients => {
            Some(Side::Exo)
        }
        Source::Directory(_) | Source::Join | Source::RoutingDomains => None,
    }
}

/// The Entra users export that carries every field the checks read: JSON, as only JSON keeps Graph's
/// nested values (licenses, plans, license states, provisioning errors).
pub const ENTRA_EXPORT: &str = "Get-MgUser -All -Property id,userPrincipalName,onPremisesImmutableId,onPremisesSyncEnabled,accountEnabled,userType,mail,proxyAddresses,usageLocation,assignedLicenses,assignedPlans,licenseAssignmentStates,onPremisesProvisioningErrors | ConvertTo-Json -Depth 5 > entra-users.json (and Get-MgSubscribedSku -All | ConvertTo-Json -Depth 5 > skus.json)";

/// The export that supplies a field, for the "not evaluated" list.
pub fn export_hint(field: Field) -> &'static str {
    match source(field) {
        Source::Ad(_) | Source::Directory(Kind::AdUsers) => {
            "Get-ADUser -Filter * -Properties * | Select-Object distinguishedName,objectGUID,@{n='mS-DS-ConsistencyGuid';e={[guid]$_.'mS-DS-ConsistencyGuid'}},userPrincipalName,sAMAccountName,mail,mailNickname,@{n='proxyAddresses';e={$_.proxyAddresses -join ';'}},targetAddress,Enabled,msExchRecipientTypeDetails,msExchRemoteRecipientType,@{n='msExchMailboxGuid';e={[guid]$_.msExchMailboxGuid}},@{n='msExchArchiveGUID';e={[guid]$_.msExchArchiveGUID}},homeMDB,msExchHomeServerName | Export-Csv -NoTypeInformation -Encoding UTF8 ad-users.csv"
        }
        Source::Entra(_) | Source::Directory(Kind::EntraUsers) => ENTRA_EXPORT,
        Source::RoutingDomains => "Get-EXOMailbox -ResultSize Unlimited -PropertySets All | Export-Csv … (its EmailAddresses carry the tenant's *.mail.onmicrosoft.com routing addresses), or Get-MgUser with proxyAddresses",
        Source::Statistics(_) => "Get-EXOMailbox -ResultSize Unlimited | Get-EXOMailboxStatistics | Select-Object MailboxGuid,DisplayName,TotalItemSize,ItemCount | Export-Csv -NoTypeInformation -Encoding UTF8 exo-statistics.csv",
        Source::PreviousMailboxes => {
            "Get-EXOMailbox -SoftDeletedMailbox -ResultSize Unlimited -PropertySets All | Export-Csv … and Get-EXOMailbox -InactiveMailboxOnly -ResultSize Unlimited -PropertySets All | Export-Csv …"
        }
        Source::ExoUsers(_) | Source::AllRecipients => "Get-User -ResultSize Unlimited | Select-Object Guid,ExternalDirectoryObjectId,UserPrincipalName,RecipientTypeDetails,PreviousRecipientTypeDetails | Export-Csv -NoTypeInformation -Encoding UTF8 exo-users.csv",
        _ => "Get-EXOMailbox -ResultSize Unlimited -PropertySets All | Export-Csv -NoTypeInformation -Encoding UTF8 exo-mailboxes.csv (ExchangeGuid comes only with -PropertySets StatisticsSeed or All; holds with Hold; archives with Archive), plus Get-MailUser -ResultSize Unlimited | Export-Csv …",
    }
}

/// A field whose value on one identity is unknown: the rows and columns that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub field: Field,
    pub sources: Vec<Src>,
    pub columns: Vec<&'static str>,
}

/// Which fields the run's exports carry.
pub struct Availability {
    available: Vec<bool>,
    /// Why a field is not available (file and column), for the report.
    reasons: Vec<String>,
}

impl Availability {
    /// `routing_domains`: whether the exports show the tenant's routing domain.
    pub fn of(files: &[FileReport], routing_domains: bool) -> Availability {
        let usable = |f: &&FileReport| f.error.is_none() && f.rows > 0;
        let has_kind = |kinds: &[Kind]| files.iter().filter(usable).any(|f| kinds.contains(&f.kind));
        // A column counts when some file of the kind carries it (`FileReport::carries`).
        let has_column = |kinds: &[Kind], name: &str| files.iter().filter(usable).filter(|f| kinds.contains(&f.kind)).any(|f| f.carries(name));
        // An export of the kind that holds no objects (a header only: the cmdlet returned nothing) says
        // more than "no export": the filter or scope is the thing to check.
        let empty_note = |kind: Kind| -> String {
            let empty: Vec<&str> = files.iter().filter(|f| f.kind == kind && f.error.is_none() && f.rows == 0).map(|f| f.path.as_str()).collect();
            if empty.is_empty() {
                String::new()
            } else {
                format!(" ({} {} no objects: check the export's filter and scope)", empty.join(", "), if empty.len() == 1 { "holds" } else { "hold" })
            }
        };
        // One directory's table read from several files (an AD export per domain, Graph pages): a file
        // without the column leaves its rows' values unset, which would read as empty — every file of
        // the kind must carry one of the columns.
        let in_every = |kind: Kind, name: &str, cols: Vec<&str>| -> (bool, String) {
            let lacking: Vec<&str> = files.iter().filter(usable).filter(|f| f.kind == kind).filter(|f| !cols.iter().any(|c| f.carries(c))).map(|f| f.path.as_str()).collect();
            let any = cols.iter().any(|c| has_column(&[kind], c));
            if any && !lacking.is_empty() {
                (false, format!("{} of the {name} exports lack{} {} (missing, lost as a PowerShell type name, or dates of unsettled day/month order): {} — their people would read as having none", lacking.len(), if lacking.len() == 1 { "s" } else { "" }, cols.join(" or "), lacking.join(", ")))
            } else {
                (any, column_reason(name, cols.into_iter()) + &empty_note(kind))
            }
        };
        let exo_kinds = [Kind::ExoMailboxes, Kind::ExoUsers, Kind::ExoMailusers, Kind::ExoRecipients];
        let mut available = Vec::with_capacity(Field::ALL.len());
        let mut reasons = Vec::with_capacity(Field::ALL.len());
        for &field in Field::ALL {
            let (ok, reason) = match source(field) {
                Source::Join => (true, String::new()),
                Source::RoutingDomains => (routing_domains, "no export carries an address on the tenant's *.mail.onmicrosoft.com routing domain".to_string()),
                // "No EXO object" is only known from an export that lists every recipient: Get-User or
                // Get-Recipient, or mailboxes and mail users together (a mail user is absent from Get-EXOMailbox).
                Source::AllRecipients => (
                    has_kind(&[Kind::ExoUsers]) || has_kind(&[Kind::ExoRecipients]) || (has_kind(&[Kind::ExoMailboxes]) && has_kind(&[Kind::ExoMailusers])),
                    "no export lists every Exchange Online recipient (Get-User or Get-Recipient, or Get-EXOMailbox together with Get-MailUser)".to_string(),
                ),
                Source::Directory(kind) => (
                    has_kind(&[kind]),
                    match kind {
                        // The join links an AD object to its Exchange Online objects through the Entra user.
                        Kind::EntraUsers => format!("no entra-users export (it links each AD object to its Exchange Online objects){}", empty_note(kind)),
                        _ => format!("no {} export{}", kind.as_str(), empty_note(kind)),
                    },
                ),
                Source::Ad(cols) => in_every(Kind::AdUsers, "ad-users", cols.iter().map(|c| c.name()).collect()),
                Source::Entra(cols) => in_every(Kind::EntraUsers, "entra-users", cols.iter().map(|c| c.name()).collect()),
                Source::Exo(cols) | Source::ExoUsers(cols) => (cols.iter().any(|c| has_column(&exo_kinds, c.name())), column_reason("Exchange Online", cols.iter().map(|c| c.name()))),
                Source::ExoMailboxes(cols) => {
                    (cols.iter().any(|c| has_column(&[Kind::ExoMailboxes], c.name())), column_reason("exo-mailboxes", cols.iter().map(|c| c.name())))
                }
                Source::ExoMailboxesAll(cols) => {
                    // Every mailbox export (active, soft-deleted, inactive): a row of one without the column
                    // would read as not held.
                    let mut missing: Vec<String> = Vec::new();
                    for f in files.iter().filter(usable).filter(|f| f.kind == Kind::ExoMailboxes) {
                        for c in cols.iter().map(|c| c.name()).filter(|c| !f.carries(c)) {
                            missing.push(format!("{c} ({})", f.path));
                        }
                    }
                    let none = !has_kind(&[Kind::ExoMailboxes]);
                    let reason = if none {
                        column_reason("exo-mailboxes", cols.iter().map(|c| c.name()))
                    } else {
                        format!("the holds need every one of {} in each mailbox export; missing, lost as a PowerShell type name or unreadable: {} — a mailbox on that kind of hold would read as not held (Get-EXOMailbox -PropertySets Hold, or All)", cols.iter().map(|c| c.name()).collect::<Vec<_>>().join(", "), missing.join(", "))
                    };
                    (!none && missing.is_empty(), reason)
                }
                Source::PreviousMailboxes => {
                    let cols = [X::WhenSoftDeleted.name(), X::IsInactiveMailbox.name()];
                    (cols.iter().any(|c| has_column(&[Kind::ExoMailboxes], c)), column_reason("exo-mailboxes", cols.into_iter()))
                }
                Source::Statistics(c) => (has_column(&[Kind::ExoStatistics], c.name()), column_reason("exo-statistics", [c.name()].into_iter())),
            };
            available.push(ok);
            reasons.push(if ok { String::new() } else { reason });
        }
        Availability { available, reasons }
    }

    pub fn has(&self, field: Field) -> bool {
        self.available[field.id() as usize]
    }

    pub fn reason(&self, field: Field) -> &str {
        &self.reasons[field.id() as usize]
    }

    /// A field the files carry but whose values the data shows to be unknown: the checks that need it
    /// are not evaluated, with `reason`.
    pub fn withhold(&mut self, field: Field, reason: String) {
        if self.has(field) {
            self.available[field.id() as usize] = false;
            self.reasons[field.id() as usize] = reason;
        }
    }

    /// What the data (not only the columns) leaves unknown: Exchange plans derived from SKUs nothing
    /// names, mail users' ExchangeGuid without Get-MailUser, sizes of statistics that match no mailbox,
    /// previous mailboxes when no export lists one.
    pub fn withhold_unknowns(&mut self, records: &Records<'_>) {
        let (count, first) = &records.unresolved_licenses;
        if *count > 0 {
            self.withhold(
                Field::EntraExchangePlans,
                format!(
                    "the entra-users export has no assignedPlans, and {} of its licenses {} a SKU that no subscribed-skus export names (first: {first}): which Exchange plans they carry is unknown — export Get-MgSubscribedSku -All, or Get-MgUser with -Property assignedPlans",
                    count,
                    if *count == 1 { "is of" } else { "are of" }
                ),
            );
        }
        // A mail user's ExchangeGuid (the on-prem mailbox's, for its move) comes only from Get-MailUser or
        // Get-Recipient: when Get-User lists mail users and no such export carries the column, theirs
        // read as unset (PRT001's and PROV006's findings on them were lost unseen).
        let data = records.data;
        let carries_guid = data.files.iter().any(|f| {
            matches!(f.kind, Kind::ExoMailusers | Kind::ExoRecipients) && f.error.is_none() && f.rows > 0 && f.columns.contains(&X::ExchangeGuid.name())
        });
        if !carries_guid {
            let mail_users = records.joined.exo_objects.iter().filter(|o| o.recipient_type_details(data) == Some("MailUser")).count();
            if mail_users > 0 {
                self.withhold(
                    Field::ExoExchangeGuid,
                    format!("Exchange Online lists {mail_users} mail user{} (an on-prem mailbox's cloud side) but no Get-MailUser or Get-Recipient export carries their ExchangeGuid", if mail_users == 1 { "" } else { "s" }),
                );
            }
        }
        // Statistics attach to a mailbox by MailboxGuid = ExchangeGuid: a mailbox export without
        // ExchangeGuid (Get-EXOMailbox's minimal property set) leaves every size unattached.
        let stats = &records.joined.stats;
        if stats.statistics_matched == 0 && stats.statistics_unmatched > 0 {
            let keyed = data.files.iter().any(|f| f.kind == Kind::ExoStatistics && f.error.is_none() && f.carries(StatsField::MailboxGuid.name()));
            let fix = if keyed {
                "export the mailboxes with ExchangeGuid (Get-EXOMailbox -PropertySets Minimum,StatisticsSeed …)"
            } else {
                "the statistics export has no MailboxGuid column (a display name is no key): export it with MailboxGuid (Get-EXOMailbox -ResultSize Unlimited | Get-EXOMailboxStatistics | Select-Object DisplayName,MailboxGuid,TotalItemSize)"
            };
            self.withhold(
                Field::ExoTotalItemSize,
                format!("none of the {} mailbox statistics rows matches a mailbox (by MailboxGuid = ExchangeGuid): {fix}", stats.statistics_unmatched),
            );
        }
        // A mailbox export's WhenSoftDeleted / IsInactiveMailbox columns alone do not list the soft-deleted
        // and inactive mailboxes: Get-EXOMailbox returns them only with -SoftDeletedMailbox or
        // -InactiveMailboxOnly. Without one, "no previous mailbox is left" cannot be told.
        if !records.joined.exo_objects.iter().any(|o| o.state != crate::model::ExoState::Active) {
            self.withhold(
                Field::PreviousMailboxes,
                "no export lists a soft-deleted or inactive mailbox (Get-EXOMailbox returns them only with -SoftDeletedMailbox or -InactiveMailboxOnly; when both return nothing the tenant has none, and this stays unknown)".to_string(),
            );
        }
    }
}

fn column_reason<'a>(kind: &str, columns: impl Iterator<Item = &'a str>) -> String {
    let cols: Vec<&str> = columns.collect();
    format!("no {kind} export carries {} (missing, lost as a PowerShell type name, or dates of unsettled day/month order)", cols.join(" or "))
}

/// What [`Records::unreadable`] names as the cause when only the enablement of a license's plans is
/// unknown ([`Records::plans_enablement_unknown`]): an MSOL export, or licenses as a bare list of SKUs.
pub const UNSAID_DISABLED_PLANS: &str = "Licenses (the export does not say which plans are disabled)";

/// What [`Records::unreadable`] names as the cause when an Entra user's immutable id is no GUID's
/// ([`Records::custom_anchor`]).
const CUSTOM_ANCHOR: &str = "onPremisesImmutableId (not a GUID: a custom source anchor?)";

/// A value an unknown field is tried with ([`Records::encode_with`]): a boolean, a number (a size), or the
/// enablement of mailbox plans whose licenses were exported without their disabled plans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tried {
    Bool(bool),
    Number(u64),
    /// The mailbox-granting plans of licenses exported without their disabled plans (MSOL, a bare list
    /// of SKU ids): all enabled, or all disabled.
    MailboxPlans(bool),
}

/// A SKU: its part number and the Exchange service plans it carries.
#[derive(Clone)]
struct SkuInfo {
    part_number: String,
    /// (plan id, plan name) of its Exchange Online plans.
    exchange_plans: Vec<(Guid, String)>,
}

/// The built-in SKU table (`src/skus.tsv`, from Microsoft's list of product names and service plan
/// identifiers): per SKU id its part number and Exchange plans, for Entra exports whose licenses give
/// only a SKU id (Graph `assignedLicenses`) or part number (MSOL `AccountSkuId`) and no `subscribedSkus`
/// export. Before it, only 14 part numbers were known and no id: a Graph export without assignedPlans
/// and without a SKU export left every identity's Exchange plans unknown.
const BUILTIN_SKUS: &str = include_str!("skus.tsv");

/// The table's data lines (not its comments).
fn sku_lines() -> impl Iterator<Item = &'static str> {
    BUILTIN_SKUS.lines().filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn builtin_skus() -> impl Iterator<Item = (Guid, SkuInfo)> {
    sku_lines().filter_map(|line| {
        let mut cols = line.split('\t');
        let id = Guid::parse_text(cols.next()?)?;
        let part_number = cols.next()?.to_string();
        let exchange_plans = cols
            .next()?
            .split(' ')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').and_then(|(id, name)| Some((Guid::parse_text(id)?, name.to_string()))))
            .collect::<Option<Vec<_>>>()?;
        Some((id, SkuInfo { part_number, exchange_plans }))
    })
}

fn plan_name(id: Guid) -> Option<&'static str> {
    let g = sdk::Guid(id.0);
    sdk::domain::MAILBOX_PLANS.iter().find(|(p, _)| *p == g).map(|(_, n)| *n).or((g == sdk::domain::EXCHANGE_FOUNDATION).then_some("EXCHANGE_S_FOUNDATION"))
}

fn is_mailbox_plan(id: Guid) -> bool {
    sdk::domain::is_mailbox_plan(guid(id))
}

fn guid(g: Guid) -> sdk::Guid {
    sdk::Guid(g.0)
}

/// Everything needed to write identity records: the data, the join, and indexes built once.
pub struct Records<'a> {
    data: &'a Dataset,
    joined: &'a Joined,
    skus_by_id: HashMap<Guid, SkuInfo>,
    skus_by_part: HashMap<String, SkuInfo>,
    /// Plans from `assignedPlans` when any Entra export carries them (else derived from the SKUs).
    plans_exported: bool,
    /// Licenses whose SKU neither a `subscribedSkus` export nor the built-in table names (when plans are
    /// derived from SKUs): how many, and the first one's SKU. Their Exchange plans are unknown.
    pub unresolved_licenses: (usize, String),
    /// Per identity, its duplicate-address entries (index into `joined.duplicates`), sorted.
    duplicates_of: Vec<(u32, u32)>,
    /// Per AD identity, its soft-match entries, sorted.
    soft_matches_of: Vec<(u32, u32)>,
    /// Statistics rows whose MailboxGuid could not be read, so matched to no mailbox (the first 20 `file:line`):
    /// any mailbox without statistics may be theirs.
    stats_unmatched: Vec<Src>,
    /// A statistics export with sizes was read: an active mailbox it has no row for has an unknown size.
    stats_exported: bool,
    /// Per Entra user, [`Records::plans_enablement_unknown`] (empty when assignedPlans were exported):
    /// worked out once, not for every pass that asks.
    plans_unsaid: Vec<bool>,
    pub context: sdk::Context,
}

impl<'a> Records<'a> {
    pub fn new(data: &'a Dataset, joined: &'a Joined, as_of: sdk::Date) -> Records<'a> {
        let mut skus_by_id = HashMap::default();
        for s in data.skus.iter() {
            let exchange_plans = s
                .service_plans
                .iter()
                .filter(|p| plan_name(p.service_plan_id).is_some() || data.skus.text(p.service_plan_name).is_some_and(|n| n.to_ascii_uppercase().starts_with("EXCHANGE")))
                .map(|p| (p.service_plan_id, data.skus.text(p.service_plan_name).or(plan_name(p.service_plan_id)).unwrap_or("").to_string()))
                .collect();
            skus_by_id.insert(s.sku_id, SkuInfo { part_number: data.skus.text(s.sku_part_number).unwrap_or("").to_string(), exchange_plans });
        }
        // A SKU an export names is taken as the export says; the built-in table fills in the rest.
        let mut skus_by_part: HashMap<String, SkuInfo> = HashMap::default();
        for (id, sku) in builtin_skus() {
            skus_by_part.entry(sku.part_number.to_ascii_uppercase()).or_insert_with(|| sku.clone());
            skus_by_id.entry(id).or_insert(sku);
        }
        for s in data.skus.iter().filter_map(|s| skus_by_id.get(&s.sku_id)) {
            skus_by_part.insert(s.part_number.to_ascii_uppercase(), s.clone());
        }
        let plans_column = data.files.iter().any(|f| f.kind == Kind::EntraUsers && f.error.is_none() && f.carries(E::AssignedPlans.name()));
        // `Get-MgUser -Property ...` without assignedPlans still writes `"AssignedPlans": []` for every user:
        // a column empty in every row while licenses are assigned was not exported (plans come from the SKUs).
        let users = &data.entra_users;
        let plans_exported = plans_column && (users.iter().any(|u| !u.assigned_plans.is_empty()) || users.iter().all(|u| u.licenses.is_empty()));
        let mut duplicates_of: Vec<(u32, u32)> =
            joined.duplicates.iter().enumerate().flat_map(|(d, dup)| dup.identities.iter().map(move |&i| (i, d as u32))).collect();
        duplicates_of.sort_unstable();
        duplicates_of.dedup();
        let mut soft_matches_of: Vec<(u32, u32)> = joined.soft_matches.iter().enumerate().map(|(s, m)| (m.ad_identity, s as u32)).collect();
        soft_matches_of.sort_unstable();
        let context = sdk::Context { as_of, routing_domains: routing_domains(data) };
        let unresolved_licenses = (0, String::new());
        let stats_key = crate::ingest::build::slot_bit(StatsField::MailboxGuid as usize);
        let stats_unmatched = if data.files.iter().any(|f| f.kind == Kind::ExoStatistics && f.unreadable_values > 0) {
            data.statistics.iter().filter(|r| r.unreadable & stats_key != 0).filter_map(|r| r.src).take(20).collect()
        } else {
            Vec::new()
        };
        let stats_exported = data.files.iter().any(|f| f.kind == Kind::ExoStatistics && f.error.is_none() && f.carries(StatsField::TotalItemSize.name()));
        let plans_unsaid = Vec::new();
        let mut records = Records { data, joined, skus_by_id, skus_by_part, plans_exported, unresolved_licenses, duplicates_of, soft_matches_of, stats_unmatched, stats_exported, plans_unsaid, context };
        if !plans_exported {
            // A license exported without its disabled plans (MSOL, a bare list of SKU ids) whose SKU
            // carries a mailbox plan: whether that plan is enabled is unknown.
            use rayon::prelude::*;
            let unsaid: Vec<bool> = users
                .par_iter()
                .map(|u| u.licenses.iter().any(|l| !l.disabled_known && records.sku_of(l).is_some_and(|s| s.exchange_plans.iter().any(|(id, _)| is_mailbox_plan(*id)))))
                .collect();
            records.plans_unsaid = unsaid;
            for l in users.iter().flat_map(|u| u.licenses.iter()) {
                if records.sku_of(l).is_none() {
                    if records.unresolved_licenses.0 == 0 {
                        records.unresolved_licenses.1 = match l.sku_id {
                            Some(id) => id.to_string(),
                            None => users.text(l.account_sku).unwrap_or("").to_string(),
                        };
                    }
                    records.unresolved_licenses.0 += 1;
                }
            }
        }
        records
    }

    pub fn len(&self) -> usize {
        self.joined.identities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.joined.identities.is_empty()
    }

    /// [`Records::encode`] of each identity of `identities`, one after another, with each identity's
    /// rows asked for a few identities ahead (`Who::prefetch`, `Records::prefetch_rows`).
    pub fn encode_batch(&self, identities: std::ops::Range<usize>, fields: &[Field], out: &mut Vec<u8>) {
        let end = identities.end;
        let ahead = PREFETCH_AHEAD;
        for i in identities {
            if i + ahead < end {
                self.who(i + ahead).prefetch();
            }
            if i + ahead / 2 < end {
                self.prefetch_rows(self.who(i + ahead / 2));
            }
            self.encode(i, fields, out);
        }
    }

    /// The identity's objects (its AD and Entra rows, its EXO object).
    fn who(&self, identity: usize) -> Who<'a> {
        let ident = &self.joined.identities[identity];
        Who {
            ident,
            ad: ident.ad.map(|a| &self.data.ad_users[a as usize]),
            entra: ident.entra.map(|e| &self.data.entra_users[e as usize]),
            exo: self.exo_object(ident.exo),
        }
    }

    /// The second step of [`Who::prefetch`], nearer the identity (its rows and EXO object are in cache
    /// by then): the EXO rows merged into the object, the start of each row's texts, and the Entra user's
    /// licenses and plans (allocations of their own).
    fn prefetch_rows(&self, who: Who<'a>) {
        let data = self.data;
        if let Some(u) = who.entra {
            prefetch_text(data.entra_users.text_address(u.user_principal_name));
            prefetch::slice(&u.licenses);
            prefetch::slice(&u.assigned_plans);
            prefetch::slice(&u.license_states);
        }
        if let Some(u) = who.ad {
            prefetch_text(data.ad_users.text_address(u.user_principal_name));
        }
        for r in who.exo.into_iter().flat_map(ExoObject::rows) {
            let row = data.exo_recipients.row(r);
            prefetch::value(row);
            prefetch_text(data.exo_recipients.text_address(r, row.user_principal_name));
        }
    }

    /// Writes one identity's record: those of `fields` that have a value. `fields` holds only fields the
    /// exports carry (the caller filters once per plugin, not once per identity).
    pub fn encode(&self, identity: usize, fields: &[Field], out: &mut Vec<u8>) {
        self.encode_with(identity, fields, None, out)
    }

    /// [`Records::encode`], with one field set to a value of the caller's (`set`: the identity's own
    /// value of it is unknown; what the checks make of each value it could have had).
    pub fn encode_with(&self, identity: usize, fields: &[Field], set: Option<(Field, Tried)>, out: &mut Vec<u8>) {
        // The identity's objects, looked up once for all its fields.
        let who = self.who(identity);
        // The field count comes first: a place for it, then the fields straight after it. There are fewer
        // than 128 fields, so the count is a one-byte varint.
        const _: () = assert!(Field::ALL.len() < 0x80, "the field count is written as one byte");
        let at = out.len();
        out.push(0);
        let mut count = 0u8;
        for &f in fields {
            let written = match set {
                Some((field, value)) if field == f => {
                    let mut put = |v: &dyn Wire| {
                        f.id().wire(out);
                        v.wire(out);
                        true
                    };
                    match (value, who.entra) {
                        (Tried::Bool(v), _) => put(&v),
                        (Tried::Number(v), _) => put(&v),
                        (Tried::MailboxPlans(enabled), Some(u)) => put(&self.exchange_plans(u, Some(enabled))),
                        (Tried::MailboxPlans(_), None) => false,
                    }
                }
                _ => self.write_field(identity, &who, f, out),
            };
            if written {
                count += 1;
            }
        }
        out[at] = count;
    }

    fn exo_object(&self, x: Option<u32>) -> Option<&'a ExoObject> {
        x.map(|x| &self.joined.exo_objects[x as usize])
    }

    /// The first value of `f` among the rows of an EXO object.
    fn exo_first<T>(&self, o: &ExoObject, f: impl Fn(ExoRef, &'a crate::model::ExoRecipient) -> Option<T>) -> Option<T> {
        o.rows().find_map(|r| f(r, self.data.exo_recipients.row(r)))
    }

    fn exo_text(&self, o: &ExoObject, f: impl Fn(&crate::model::ExoRecipient) -> crate::model::Str) -> Option<&'a str> {
        self.exo_first(o, |r, row| self.data.exo_recipients.text(r, f(row)))
    }

    fn mailbox_row(&self, o: &ExoObject) -> Option<(ExoRef, &'a crate::model::ExoRecipient)> {
        let family = Kind::ExoMailboxes.exo_family();
        o.rows().find(|r| Some(r.family()) == family).map(|r| (r, self.data.exo_recipients.row(r)))
    }

    fn holds(&self, r: ExoRef, row: &crate::model::ExoRecipient) -> sdk::Holds {
        sdk::Holds {
            litigation_hold_enabled: row.litigation_hold_enabled,
            in_place_holds: self.data.exo_recipients.list(r, row.in_place_holds).map(str::to_string).collect(),
            compliance_tag_hold_applied: row.compliance_tag_hold_applied,
            delay_hold_applied: row.delay_hold_applied,
            delay_release_hold_applied: row.delay_release_hold_applied,
        }
    }

    /// The user's Exchange plans: from assignedPlans, else from the licenses' SKUs (a plan listed among a
    /// license's disabled plans is disabled). `unsaid_mailbox`: what to take the mailbox plans of licenses
    /// exported without their disabled plans (MSOL, a bare list of SKU ids) as — enabled (the default) or not (see [`Tried::MailboxPlans`]).
    fn exchange_plans<'s>(&'s self, u: &'s crate::model::EntraUser, unsaid_mailbox: Option<bool>) -> Vec<sdk::ExchangePlanRef<'s>> {
        let t = &self.data.entra_users;
        if self.plans_exported {
            return u
                .assigned_plans
                .iter()
                .map(|p| sdk::ExchangePlanRef {
                    plan_id: guid(p.service_plan_id),
                    name: plan_name(p.service_plan_id).unwrap_or(""),
                    enabled: p.enabled,
                    status: t.text(p.capability_status).unwrap_or(""),
                    assigned: p.assigned.get().map(sdk::Timestamp),
                })
                .collect();
        }
        let mut out = Vec::new();
        for l in u.licenses.iter() {
            let sku = self.sku_of(l);
            for (id, name) in sku.map(|s| s.exchange_plans.as_slice()).unwrap_or(&[]) {
                let enabled = match unsaid_mailbox {
                    Some(on) if !l.disabled_known && is_mailbox_plan(*id) => on,
                    _ => !l.disabled_plans.contains(id),
                };
                out.push(sdk::ExchangePlanRef {
                    plan_id: guid(*id),
                    name,
                    enabled,
                    status: "",
                    assigned: None,
                });
            }
        }
        out
    }

    /// What a license's SKU is known as: by id from a `subscribedSkus` export, else by part number (MSOL
    /// `contoso:ENTERPRISEPACK`) from that export or the built-in table.
    fn sku_of(&self, l: &crate::model::License) -> Option<&SkuInfo> {
        l.sku_id.and_then(|id| self.skus_by_id.get(&id)).or_else(|| {
            let part = self.data.entra_users.text(l.account_sku)?;
            let part = part.rsplit(':').next().unwrap_or(part).to_ascii_uppercase();
            self.skus_by_part.get(&part)
        })
    }

    /// A SKU's part number where a `subscribedSkus` export names it (borrowed), else its id, and whether
    /// it grants a mailbox.
    fn sku_name(&self, id: Option<Guid>) -> (sdk::SkuName<'_>, bool) {
        match id.and_then(|id| self.skus_by_id.get(&id).map(|s| (id, s))) {
            Some((_, s)) => (sdk::SkuName::Name(&s.part_number), s.exchange_plans.iter().any(|(id, _)| is_mailbox_plan(*id))),
            None => (id.map_or(sdk::SkuName::Name(""), |g| sdk::SkuName::Id(guid(g))), false),
        }
    }

    fn previous_mailbox(&self, x: u32) -> sdk::PreviousMailbox {
        let o = &self.joined.exo_objects[x as usize];
        let row = self.mailbox_row(o);
        sdk::PreviousMailbox {
            state: match o.state {
                crate::model::ExoState::Inactive => "inactive",
                crate::model::ExoState::SoftDeleted => "soft-deleted",
                crate::model::ExoState::Active => "active",
            }
            .to_string(),
            user_principal_name: o.user_principal_name(self.data).unwrap_or("").to_string(),
            primary_smtp_address: o.primary_smtp_address(self.data).unwrap_or("").to_string(),
            recipient_type_details: o.recipient_type_details(self.data).unwrap_or("").to_string(),
            exchange_guid: self.exo_first(o, |_, r| r.exchange_guid).map(guid),
            holds: row.map(|(r, row)| self.holds(r, row)).unwrap_or_default(),
            when_soft_deleted: self.exo_first(o, |_, r| r.when_soft_deleted.get()).map(sdk::Timestamp),
        }
    }

    /// Writes `field` (id + value) when the identity has a value for it.
    fn write_field(&self, index: usize, who: &Who<'a>, field: Field, out: &mut Vec<u8>) -> bool {
        let Who { ident, ad, entra, exo } = *who;
        let data = self.data;
        let (at, et) = (&data.ad_users, &data.entra_users);
        macro_rules! emit {
            ($value:expr) => {{
                match $value {
                    Some(v) => {
                        field.id().wire(out);
                        v.wire(out);
                        true
                    }
                    None => false,
                }
            }};
        }
        use Field::*;
        match field {
            Ambiguous => emit!(Some(ident.ambiguous)),
            AdPresent => emit!(Some(ad.is_some())),
            AdDistinguishedName => emit!(ad.and_then(|u| at.text(u.distinguished_name))),
            AdSamAccountName => emit!(ad.and_then(|u| at.text(u.sam_account_name))),
            AdUserPrincipalName => emit!(ad.and_then(|u| at.text(u.user_principal_name))),
            AdMail => emit!(ad.and_then(|u| at.text(u.mail))),
            AdMailNickname => emit!(ad.and_then(|u| at.text(u.mail_nickname))),
            AdProxyAddresses => put_list(out, field, ad.map(|u| at.list(u.proxy_addresses)).into_iter().flatten()),
            AdTargetAddress => emit!(ad.and_then(|u| at.text(u.target_address))),
            AdEnabled => emit!(ad.and_then(|u| u.enabled)),
            AdRecipientTypeDetails => emit!(ad.and_then(|u| u.recipient_type_details.get())),
            AdRemoteRecipientType => emit!(ad.and_then(|u| u.remote_recipient_type.get())),
            AdRecipientDisplayType => emit!(ad.and_then(|u| u.recipient_display_type.get())),
            AdMailboxGuid => emit!(ad.and_then(|u| u.mailbox_guid).map(guid)),
            AdArchiveGuid => emit!(ad.and_then(|u| u.archive_guid).map(guid)),
            AdHomeMdb => emit!(ad.and_then(|u| at.text(u.home_mdb))),
            AdHomeServerName => emit!(ad.and_then(|u| at.text(u.home_server_name))),
            AdSourceAnchor => emit!(ad.and_then(|u| u.source_anchor()).map(guid)),
            EntraPresent => emit!(Some(entra.is_some())),
            EntraId => emit!(entra.and_then(|u| u.id).map(guid)),
            EntraUserPrincipalName => emit!(entra.and_then(|u| et.text(u.user_principal_name))),
            EntraImmutableId => emit!(entra.and_then(|u| et.text(u.immutable_id))),
            EntraAccountEnabled => emit!(entra.and_then(|u| u.account_enabled)),
            EntraUserType => emit!(entra.and_then(|u| et.text(u.user_type))),
            EntraUsageLocation => emit!(entra.and_then(|u| et.text(u.usage_location))),
            EntraExchangePlans => emit!(entra.map(|u| self.exchange_plans(u, None))),
            EntraLicenses => emit!(entra.map(|u| u
                .licenses
                .iter()
                .map(|l| if l.sku_id.is_some() { self.sku_name(l.sku_id).0 } else { sdk::SkuName::Name(et.text(l.account_sku).unwrap_or("")) })
                .collect::<Vec<_>>())),
            EntraLicenseStates => emit!(entra.map(|u| u
                .license_states
                .iter()
                .map(|s| {
                    let (sku, exchange) = self.sku_name(s.sku_id);
                    sdk::LicenseStateRef { sku, exchange, state: et.text(s.state).unwrap_or(""), error: et.text(s.error).unwrap_or(""), assigned_by_group: s.assigned_by_group.map(guid), updated: s.updated.get().map(sdk::Timestamp) }
                })
                .collect::<Vec<_>>())),
            EntraProvisioningErrors => emit!(entra.map(|u| u
                .provisioning_errors
                .iter()
                .map(|e| sdk::ProvisioningError {
                    category: et.text(e.category).unwrap_or("").to_string(),
                    property: et.text(e.property).unwrap_or("").to_string(),
                    value: et.text(e.value).unwrap_or("").to_string(),
                })
                .collect::<Vec<_>>())),
            EntraValidationStatus => emit!(entra.and_then(|u| et.text(u.validation_status))),
            ExoPresent => emit!(Some(exo.is_some())),
            ExoUserPrincipalName => emit!(exo.and_then(|o| o.user_principal_name(data))),
            ExoPrimarySmtpAddress => emit!(exo.and_then(|o| o.primary_smtp_address(data))),
            ExoEmailAddresses => put_list(
                out,
                field,
                exo.and_then(|o| self.exo_first(o, |r, row| row.email_addresses.is_some().then(|| data.exo_recipients.list(r, row.email_addresses)))).into_iter().flatten(),
            ),
            ExoExternalEmailAddress => emit!(exo.and_then(|o| self.exo_text(o, |r| r.external_email_address))),
            ExoRecipientTypeDetails => emit!(exo.and_then(|o| o.recipient_type_details(data))),
            ExoPreviousRecipientTypeDetails => emit!(exo.and_then(|o| self.exo_first(o, |r, row| row
                .previous_recipient_type_details
                .as_ref()
                .map(|t| t.name(&data.exo_recipients.families[r.family()].texts).to_string())))),
            ExoExchangeGuid => emit!(exo.and_then(|o| self.exo_first(o, |_, r| r.exchange_guid)).map(guid)),
            ExoArchiveGuid => emit!(exo.and_then(|o| self.exo_first(o, |_, r| r.archive_guid)).map(guid)),
            ExoArchiveStatus => emit!(exo.and_then(|o| self.exo_text(o, |r| r.archive_status))),
            ExoHolds => emit!(exo.and_then(|o| self.mailbox_row(o)).map(|(r, row)| self.holds(r, row))),
            ExoRetentionHoldEnabled => emit!(exo.and_then(|o| self.mailbox_row(o)).and_then(|(_, row)| row.retention_hold_enabled)),
            ExoWhenMailboxCreated => emit!(exo.and_then(|o| self.exo_first(o, |_, r| r.when_mailbox_created.get())).map(sdk::Timestamp)),
            ExoAccountDisabled => emit!(exo.and_then(|o| self.exo_first(o, |_, r| r.account_disabled))),
            ExoTotalItemSize => emit!(exo.and_then(|o| o.statistics).and_then(|s| data.statistics[s as usize].total_item_size)),
            PreviousMailboxes => emit!(Some(ident.previous_mailboxes.iter().map(|&x| self.previous_mailbox(x)).collect::<Vec<_>>())),
            Duplicates => emit!(Some(self.duplicates(index))),
            SoftMatches => emit!(Some(self.soft_matches(index))),
            TenantRoutingDomains => emit!(Some(&self.context.routing_domains)),
            AdImmutableId => {
                let mut text = [0u8; 24];
                emit!(ad.and_then(|u| u.source_anchor()).map(|g| g.immutable_id_in(&mut text)))
            }
            EntraImmutableIdAnchor => emit!(entra.and_then(|u| u.immutable_guid).map(guid)),
        }
    }

    fn duplicates(&self, index: usize) -> Vec<sdk::Duplicate> {
        entries_of(&self.duplicates_of, index)
            .map(|d| {
                let dup = &self.joined.duplicates[d as usize];
                let mut others: Vec<String> = dup.identities.iter().filter(|&&i| i as usize != index).map(|&i| self.joined.name(self.data, i as usize)).collect();
                if others.is_empty() {
                    // Two objects of one directory in the same identity cannot happen; name the objects instead.
                    others.push(format!("{} objects", dup.objects.len()));
                }
                sdk::Duplicate {
                    directory: match dup.directory {
                        Side::Ad => "ad",
                        Side::Entra => "entra",
                        Side::Exo => "exo",
                    }
                    .to_string(),
                    address: dup.address.clone(),
                    others,
                }
            })
            .collect()
    }

    fn soft_matches(&self, index: usize) -> Vec<sdk::SoftMatch> {
        entries_of(&self.soft_matches_of, index)
            .map(|s| {
                let m = &self.joined.soft_matches[s as usize];
                let cloud = &self.joined.identities[m.entra_identity as usize];
                let user = cloud.entra.map(|e| &self.data.entra_users[e as usize]);
                sdk::SoftMatch {
                    address: m.address.clone(),
                    cloud_user_principal_name: user.and_then(|u| self.data.entra_users.text(u.user_principal_name)).unwrap_or("").to_string(),
                    cloud_id: user.and_then(|u| u.id).map(guid),
                    guest: m.guest,
                    soft_match: m.soft_match,
                }
            })
            .collect()
    }

    /// Whether which of the user's Exchange plans are enabled is unknown where it matters: plans come
    /// from the licenses' SKUs, and a license that carries a mailbox plan was exported without its
    /// disabled plans (MSOL `Licenses`, or a bare list of SKU ids) — a hybrid tenant often disables
    /// Exchange Online in E3 for on-prem mailboxes.
    pub fn plans_enablement_unknown(&self, entra: u32) -> bool {
        self.plans_unsaid.get(entra as usize).copied().unwrap_or(false)
    }

    /// Whether some value of the identity is unknown though no cell of it was unreadable: its mailbox
    /// size ([`Records::size_unknown`]) or its plans' enablement ([`Records::plans_enablement_unknown`]).
    pub fn in_doubt(&self, ident: &crate::join::Identity) -> bool {
        self.size_unknown(ident) || ident.entra.is_some_and(|e| self.plans_enablement_unknown(e)) || self.custom_anchor(ident)
    }

    /// Whether the identity's AD and Entra objects were linked by a fallback key (UPN, SMTP) because the
    /// Entra user's immutable id is no GUID's base64: a custom source anchor (Entra Connect on
    /// employeeID, say) or garbage. Whether they are the synced pair the anchor would prove is unknown:
    /// the checks that need that proof are listed, never quietly passed.
    pub fn custom_anchor(&self, ident: &crate::join::Identity) -> bool {
        ident.ad.is_some()
            && ident.ad_key.is_some_and(|k| k != crate::join::MatchKey::SourceAnchor)
            && ident.entra.is_some_and(|e| {
                let u = &self.data.entra_users[e as usize];
                u.immutable_guid.is_none() && self.data.entra_users.text(u.immutable_id).is_some()
            })
    }

    /// Whether the identity's mailbox size is unknown: it has an active mailbox, a statistics export was
    /// read, and no row of it matched the mailbox.
    pub fn size_unknown(&self, ident: &crate::join::Identity) -> bool {
        let mailboxes = Kind::ExoMailboxes.exo_family().unwrap_or(usize::MAX);
        (self.stats_exported || !self.stats_unmatched.is_empty())
            && self.exo_object(ident.exo).is_some_and(|o| o.statistics.is_none() && o.state == crate::model::ExoState::Active && o.rows().any(|r| r.family() == mailboxes))
    }

    /// The fields whose value on this identity is unknown because a cell they are read from could not
    /// be read (a bad GUID, `Ja` for a boolean …), each with the rows and columns of those cells. Empty
    /// for nearly every identity (one look at its rows' masks). An EXO object's own key or state unknown
    /// makes its fields unknown; a link key (anchor, object id) unknown makes which objects the identity
    /// has unknown only when a directory is missing from it (else it was linked all the same).
    pub fn unreadable(&self, identity: usize) -> Vec<Unreadable> {
        let ident = &self.joined.identities[identity];
        let data = self.data;
        let exo = self.exo_object(ident.exo);
        let ad = ident.ad.map(|a| &data.ad_users[a as usize]).filter(|r| r.unreadable != 0);
        let entra = ident.entra.map(|e| &data.entra_users[e as usize]).filter(|r| r.unreadable != 0);
        let exo_rows: Vec<(ExoRef, &crate::model::ExoRecipient)> =
            exo.into_iter().flat_map(ExoObject::rows).map(|r| (r, data.exo_recipients.row(r))).filter(|(_, row)| row.unreadable != 0).collect();
        let stats = exo.and_then(|o| o.statistics).map(|s| &data.statistics[s as usize]).filter(|r| r.unreadable != 0);
        let previous: Vec<&crate::model::ExoRecipient> = ident
            .previous_mailboxes
            .iter()
            .flat_map(|&x| self.joined.exo_objects[x as usize].rows())
            .map(|r| data.exo_recipients.row(r))
            .filter(|row| row.unreadable != 0)
            .collect();
        // An active mailbox without statistics while a statistics export was read: its size is unknown
        // (a statistics row whose MailboxGuid could not be read may be its, or the export left it out).
        let size_doubt = self.size_unknown(ident);
        let entra_row = ident.entra.map(|e| &data.entra_users[e as usize]);
        let plans_doubt = ident.entra.is_some_and(|e| self.plans_enablement_unknown(e));
        let anchor_doubt = self.custom_anchor(ident);
        if ad.is_none() && entra.is_none() && exo_rows.is_empty() && stats.is_none() && previous.is_empty() && !size_doubt && !plans_doubt && !anchor_doubt {
            return Vec::new();
        }
        let ad_bits = |f: &[A]| mask(f.iter().map(|&f| f as usize));
        let entra_bits = |f: &[E]| mask(f.iter().map(|&f| f as usize));
        let exo_bits = |f: &[X]| mask(f.iter().map(|&f| f as usize));
        // The cells that link a row to its partners in the other directories (the source anchor, the Entra
        // object id and its ExternalDirectoryObjectId copy on the EXO object, the immutable id).
        let ad_link = ad_bits(&[A::ObjectGuid, A::ConsistencyGuid]);
        let entra_link = entra_bits(&[E::Id, E::ImmutableId]);
        let exo_link = exo_bits(&[X::ExternalDirectoryObjectId]);
        // The cells that say whether an EXO object is active (its rows merge by any key they share: an
        // unreadable Guid alone leaves them merged by ExternalDirectoryObjectId or address).
        let exo_own = exo_bits(&X::STATE);
        let stats_link = mask([StatsField::MailboxGuid as usize]);
        let mut hits: Vec<Unreadable> = Vec::new();
        let ad_cols = |m: u32| names_in(A::ALL, m, |f| f.name());
        let entra_cols = |m: u32| names_in(E::ALL, m, |f| f.name());
        let exo_cols = |m: u32| names_in(X::ALL, m, |f| f.name());
        let stats_cols = |m: u32| names_in(StatsField::ALL, m, |f| f.name());
        // Rows and columns of one side whose unreadable cells fall in `want`.
        let on_ad = |want: u32| ad.filter(|r| r.unreadable & want != 0).map(|r| (r.src.into_iter().collect::<Vec<_>>(), ad_cols(r.unreadable & want)));
        let on_entra = |want: u32| entra.filter(|r| r.unreadable & want != 0).map(|r| (r.src.into_iter().collect::<Vec<_>>(), entra_cols(r.unreadable & want)));
        let on_exo = |want: u32, family: Option<usize>| {
            let rows: Vec<_> = exo_rows.iter().filter(|(r, row)| family.is_none_or(|f| r.family() == f) && row.unreadable & want != 0).collect();
            let mask = rows.iter().fold(0, |m, (_, row)| m | (row.unreadable & want));
            (!rows.is_empty()).then(|| (rows.iter().filter_map(|(_, row)| row.src).collect::<Vec<_>>(), exo_cols(mask)))
        };
        let on_stats = |want: u32| stats.filter(|r| r.unreadable & want != 0).map(|r| (r.src.into_iter().collect::<Vec<_>>(), stats_cols(r.unreadable & want)));
        let merged = |parts: Vec<Option<(Vec<Src>, Vec<&'static str>)>>| {
            let mut srcs = Vec::new();
            let mut cols = Vec::new();
            for (s, c) in parts.into_iter().flatten() {
                srcs.extend(s);
                cols.extend(c);
            }
            (!srcs.is_empty()).then_some((srcs, cols))
        };
        // Which objects the identity has, and how they are linked, is in doubt only when one of its rows
        // could not be linked by its key and a directory is missing from it: that object may be its own.
        let whole = ident.ad.is_some() && ident.entra.is_some() && ident.exo.is_some();
        let links = || if whole { None } else { merged(vec![on_ad(ad_link), on_entra(entra_link), on_exo(exo_link, None)]) };
        let mailboxes = Kind::ExoMailboxes.exo_family();
        let users = Kind::ExoUsers.exo_family();
        for &field in Field::ALL {
            let hit = match source(field) {
                Source::Ad(f) => on_ad(ad_bits(f)),
                // With assignedPlans exported the plans are read from them alone, not from the licenses.
                Source::Entra(_) if field == Field::EntraExchangePlans && self.plans_exported => on_entra(entra_bits(&[E::AssignedPlans])),
                Source::Entra(f) => {
                    // What the Entra row leaves unknown without an unreadable cell: the plans' enablement, a
                    // custom anchor's pairing.
                    let doubt = match field {
                        Field::EntraExchangePlans if plans_doubt => Some(UNSAID_DISABLED_PLANS),
                        Field::EntraImmutableIdAnchor if anchor_doubt => Some(CUSTOM_ANCHOR),
                        _ => None,
                    };
                    let doubt = doubt.map(|cause| (entra_row.and_then(|u| u.src).into_iter().collect(), vec![cause]));
                    merged(vec![on_entra(entra_bits(f)), doubt])
                }
                Source::Exo(f) => on_exo(exo_bits(f) | exo_own, None),
                Source::ExoUsers(f) => on_exo(exo_bits(f) | exo_own, users),
                Source::ExoMailboxes(f) | Source::ExoMailboxesAll(f) => on_exo(exo_bits(f) | exo_own, mailboxes),
                Source::Statistics(f) => {
                    let unmatched = size_doubt.then(|| match self.stats_unmatched.is_empty() {
                        true => (exo.into_iter().flat_map(|o| o.rows()).filter_map(|r| data.exo_recipients.row(r).src).take(1).collect(), vec!["(no statistics row)"]),
                        false => (self.stats_unmatched.clone(), vec![StatsField::MailboxGuid.name()]),
                    });
                    merged(vec![on_stats(mask([f as usize]) | stats_link), on_exo(exo_bits(&[X::ExchangeGuid]) | exo_own, mailboxes), unmatched])
                }
                Source::PreviousMailboxes => {
                    // What the checks decide on in a previous mailbox (`previous_mailbox`): its state, since
                    // when, its holds, its type. Its names and ExchangeGuid only name it in a remediation.
                    let read = exo_bits(&[
                        X::RecipientTypeDetails,
                        X::LitigationHoldEnabled,
                        X::InPlaceHolds,
                        X::ComplianceTagHoldApplied,
                        X::DelayHoldApplied,
                        X::DelayReleaseHoldApplied,
                    ]) | exo_own;
                    let rows: Vec<_> = previous.iter().filter(|row| row.unreadable & read != 0).collect();
                    let mask = rows.iter().fold(0, |m, row| m | (row.unreadable & read));
                    (!rows.is_empty()).then(|| (rows.iter().filter_map(|row| row.src).collect(), exo_cols(mask)))
                }
                Source::Directory(_) | Source::AllRecipients | Source::Join => links(),
                Source::RoutingDomains => None,
            };
            if let Some((mut sources, mut columns)) = hit {
                sources.sort();
                sources.dedup();
                columns.sort();
                columns.dedup();
                hits.push(Unreadable { field, sources, columns });
            }
        }
        hits
    }

    /// Where the value of `field` (element `element` of a list) on an identity was read: file rows.
    pub fn provenance(&self, index: usize, field: Field, element: Option<u32>) -> Vec<Src> {
        let ident = &self.joined.identities[index];
        let data = self.data;
        let exo = self.exo_object(ident.exo);
        let exo_src = |o: &ExoObject, want: Option<Kind>| -> Vec<Src> {
            let family = want.and_then(Kind::exo_family);
            let rows: Vec<ExoRef> = o.rows().filter(|r| family.is_none() || Some(r.family()) == family).collect();
            rows.iter().filter_map(|&r| data.exo_recipients.row(r).src).take(if family.is_some() { 1 } else { 4 }).collect()
        };
        let src = match source(field) {
            Source::Ad(_) | Source::Directory(Kind::AdUsers) => ident.ad.and_then(|a| data.ad_users[a as usize].src).into_iter().collect(),
            Source::Entra(_) | Source::Directory(Kind::EntraUsers) => ident.entra.and_then(|e| data.entra_users[e as usize].src).into_iter().collect(),
            Source::Statistics(_) => exo.and_then(|o| o.statistics).and_then(|s| data.statistics[s as usize].src).into_iter().collect(),
            Source::PreviousMailboxes => {
                let pick: Vec<u32> = match element {
                    Some(e) => ident.previous_mailboxes.get(e as usize).copied().into_iter().collect(),
                    None => ident.previous_mailboxes.clone(),
                };
                pick.iter().flat_map(|&x| exo_src(&self.joined.exo_objects[x as usize], Some(Kind::ExoMailboxes))).collect()
            }
            Source::ExoMailboxes(_) | Source::ExoMailboxesAll(_) => exo.map(|o| exo_src(o, Some(Kind::ExoMailboxes))).unwrap_or_default(),
            Source::ExoUsers(_) => exo.map(|o| exo_src(o, Some(Kind::ExoUsers))).unwrap_or_default(),
            Source::Exo(_) | Source::Directory(_) | Source::AllRecipients => exo.map(|o| exo_src(o, None)).unwrap_or_default(),
            Source::RoutingDomains => Vec::new(),
            Source::Join => match field {
                Field::Duplicates => {
                    let dups = entries_of(&self.duplicates_of, index).map(|d| &self.joined.duplicates[d as usize]);
                    let dups: Vec<_> = match element {
                        Some(e) => dups.skip(e as usize).take(1).collect(),
                        None => dups.collect(),
                    };
                    dups.iter().flat_map(|d| d.objects.iter()).filter_map(|o| self.object_src(o)).collect()
                }
                Field::SoftMatches => {
                    let mut out: Vec<Src> = ident.ad.and_then(|a| data.ad_users[a as usize].src).into_iter().collect();
                    for s in entries_of(&self.soft_matches_of, index) {
                        let cloud = &self.joined.identities[self.joined.soft_matches[s as usize].entra_identity as usize];
                        out.extend(cloud.entra.and_then(|e| data.entra_users[e as usize].src));
                    }
                    out
                }
                _ => Vec::new(),
            },
        };
        let mut src: Vec<Src> = src;
        src.sort();
        src.dedup();
        src
    }

    fn object_src(&self, o: &crate::join::ObjRef) -> Option<Src> {
        match o.side {
            Side::Ad => self.data.ad_users[o.index as usize].src,
            Side::Entra => self.data.entra_users[o.index as usize].src,
            Side::Exo => self.joined.exo_objects[o.index as usize].rows().find_map(|r| self.data.exo_recipients.row(r).src),
        }
    }
}

/// The `unreadable` mask of the field slots given.
fn mask(slots: impl IntoIterator<Item = usize>) -> u32 {
    slots.into_iter().fold(0, |m, s| m | crate::ingest::build::slot_bit(s))
}

/// The names of a table's fields whose bits `m` has (`all` is in slot order: a field's slot is its index).
fn names_in<T: Copy>(all: &[T], m: u32, name: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().enumerate().filter(|(slot, _)| m & crate::ingest::build::slot_bit(*slot) != 0).map(|(_, f)| name(*f)).collect()
}

/// The entries of one identity in a list of (identity, entry) pairs sorted by identity.
fn entries_of(pairs: &[(u32, u32)], identity: usize) -> impl Iterator<Item = u32> + '_ {
    let start = pairs.partition_point(|&(i, _)| (i as usize) < identity);
    pairs[start..].iter().take_while(move |&&(i, _)| i as usize == identity).map(|&(_, e)| e)
}

/// Writes a multi-valued text field straight from its text store, in one pass: postcard writes the
/// count first, so it goes in a one-byte slot filled afterwards (moved aside in the rare list of 128
/// or more). Nothing when it has no value.
fn put_list<'t>(out: &mut Vec<u8>, field: Field, values: impl Iterator<Item = &'t str>) -> bool {
    let start = out.len();
    field.id().wire(out);
    let count_at = out.len();
    out.push(0);
    let mut n = 0u32;
    for v in values {
        v.wire(out);
        n += 1;
    }
    match n {
        0 => {
            out.truncate(start);
            return false;
        }
        // A varint below 128 is that one byte.
        1..0x80 => out[count_at] = n as u8,
        _ => {
            let mut count = Vec::new();
            n.wire(&mut count);
            out.splice(count_at..count_at + 1, count);
        }
    }
    true
}

/// One identity's objects, for writing its fields.
#[derive(Clone, Copy)]
struct Who<'a> {
    ident: &'a crate::join::Identity,
    ad: Option<&'a crate::model::AdUser>,
    entra: Option<&'a crate::model::EntraUser>,
    exo: Option<&'a ExoObject>,
}

impl Who<'_> {
    /// Starts loading what [`Records::encode`] reads first: the AD and Entra rows and the EXO object.
    /// Identities follow the Entra table (the join numbers Entra users first), but AD and Exchange list
    /// their objects in orders of their own, so an identity's AD and EXO rows lie far apart in their tables
    /// and each read waits on memory (encoding only the AD, or only the EXO, fields of 800k identities
    /// without prefetching: 0.66-0.71 and 0.92-0.95 s, the Entra fields 0.09 s; `child-encode`,
    /// 2026-11-25); asked for a few identities ahead, they are in cache by the time they are encoded.
    /// Changes nothing.
    fn prefetch(self) {
        if let Some(a) = self.ad {
            prefetch::value(a);
        }
        if let Some(e) = self.entra {
            prefetch::value(e);
        }
        if let Some(o) = self.exo {
            prefetch::value(o);
        }
    }
}

/// The tenant's routing domain (`<tenant>.mail.onmicrosoft.com`, one per tenant): the one most addresses
/// are on. A cross-tenant mail user or a contact forwarding to another tenant carries that tenant's:
/// neither a remediation's target nor a valid targetAddress here. The addresses were counted as the
/// exports were read ([`crate::values::DomainCounts`]).
fn routing_domains(data: &Dataset) -> Vec<String> {
    // Most addresses, then the first name: one answer whatever the order of the files.
    routing_domain_counts(data).into_iter().max_by(|(a, n), (b, m)| n.cmp(m).then_with(|| b.cmp(a))).map(|(domain, _)| domain).into_iter().collect()
}

/// Every file's routing-domain addresses, summed per domain.
fn routing_domain_counts(data: &Dataset) -> BTreeMap<String, u64> {
    let mut all: BTreeMap<String, u64> = BTreeMap::new();
    for file in &data.files {
        for (domain, n) in file.routing_domains.counts() {
            *all.entry(domain).or_insert(0) += n;
        }
    }
    all
}

/// How many identities ahead of the one being encoded its rows are asked for.
const PREFETCH_AHEAD: usize = 8;

/// A row's texts are stored one after another: the first of them and the lines after it. Given an
/// address, not a `&str`: making the `&str` reads its first byte (a character-boundary check), a load
/// that stalled the encoder on memory where the prefetch meant not to (half of `encode_batch`'s time).
#[inline(always)]
fn prefetch_text(text: Option<*const u8>) {
    if let Some(t) = text {
        prefetch::range(t, 256);
    }
}

#[cfg(test)]
mod tests {
    /// A field's directory is the one its name says (`ad.…`, `entra.…`, `exo.…`), for every field.
    #[test]
    fn every_field_comes_from_the_directory_its_name_says() {
        for &f in Field::ALL {
            let by_name = match f.name().split('.').next() {
                Some("ad") => Some(Side::Ad),
                Some("entra") => Some(Side::Entra),
                Some("exo") => Some(Side::Exo),
                _ => None,
            };
            assert_eq!(directory_of(f), by_name, "{}", f.name());
        }
    }

    use super::*;

    #[test]
    fn every_line_of_the_builtin_sku_table_is_read() {
        let lines = sku_lines().count();
        let skus: Vec<(Guid, SkuInfo)> = builtin_skus().collect();
        assert_eq!(skus.len(), lines, "a line of src/skus.tsv does not parse");
        assert!(skus.len() > 400);
        let ids: std::collections::HashSet<Guid> = skus.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids.len(), skus.len(), "a SKU id twice");
        let grants = |part: &str| {
            let (_, sku) = skus.iter().find(|(_, s)| s.part_number == part).expect(part);
            sku.exchange_plans.iter().any(|(id, _)| is_mailbox_plan(*id))
        };
        for part in ["ENTERPRISEPACK", "SPE_E3", "SPE_E5", "STANDARDPACK", "SPB", "EXCHANGESTANDARD", "SPE_F1", "O365_BUSINESS_PREMIUM"] {
            assert!(grants(part), "{part} grants a mailbox");
        }
        // EXCHANGE_S_FOUNDATION only: no mailbox.
        assert!(!grants("POWER_BI_STANDARD") && !grants("FLOW_FREE"));
    }

    #[test]
    fn a_list_is_written_as_its_count_and_values() {
        for n in [0usize, 1, 2, 127, 128, 129, 300, 20_000] {
            let values: Vec<String> = (0..n).map(|i| format!("smtp:user{i}@contoso.com")).collect();
            let mut out = vec![0xAA];
            let written = super::put_list(&mut out, Field::AdProxyAddresses, values.iter().map(String::as_str));
            let mut expected = vec![0xAA];
            if n > 0 {
                Field::AdProxyAddresses.id().wire(&mut expected);
                values.wire(&mut expected);
            }
            assert_eq!((written, out), (n > 0, expected), "{n} values");
        }
    }

    /// A batch encoded with its rows asked for ahead is the identities encoded one by one, whatever the
    /// batch's bounds (the fixture tenant, every field, batches that end before the look-ahead).
    #[test]
    fn a_batch_is_its_identities_encoded_one_by_one() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/contoso-mixed");
        let data = crate::ingest::load(&dir, &Default::default()).expect("fixtures load");
        let joined = crate::join::join(&data);
        let records = Records::new(&data, &joined, sdk::Date(0));
        let n = records.len();
        assert!(n > PREFETCH_AHEAD * 2, "{n} identities");
        for (start, end) in [(0, n), (0, 1), (3, 7), (n - 2, n), (5, 5 + PREFETCH_AHEAD)] {
            let mut batch = Vec::new();
            records.encode_batch(start..end, Field::ALL, &mut batch);
            let mut one_by_one = Vec::new();
            for i in start..end {
                records.encode(i, Field::ALL, &mut one_by_one);
            }
            assert_eq!(batch, one_by_one, "identities {start}..{end}");
        }
    }

    /// The addresses counted as the exports are read are those of the tables the checks see: on every
    /// fixture tenant, the counts per domain equal a scan of every Entra proxyAddresses and EXO
    /// EmailAddresses value of the final tables by the plain rule (the text after the last `@`, trimmed,
    /// ending in `.mail.onmicrosoft.com` in any case).
    #[test]
    fn routing_domains_counted_while_reading_are_those_of_the_tables() {
        let plain = |counts: &mut BTreeMap<String, u64>, address: &str| {
            if let Some(domain) = crate::values::DomainCounts::plain_rule(address) {
                *counts.entry(domain).or_insert(0) += 1;
            }
        };
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut tenants = 0;
        for entry in std::fs::read_dir(&root).expect("fixtures") {
            let dir = entry.expect("entry").path();
            if !dir.is_dir() || !dir.file_name().is_some_and(|n| n.to_string_lossy().starts_with("contoso")) {
                continue;
            }
            let data = crate::ingest::load(&dir, &Default::default()).expect("fixtures load");
            let mut scanned = BTreeMap::new();
            for family in &data.exo_recipients.families {
                for r in &family.rows {
                    family.list(r.email_addresses).for_each(|a| plain(&mut scanned, a));
                }
            }
            for u in data.entra_users.iter() {
                data.entra_users.list(u.proxy_addresses).for_each(|a| plain(&mut scanned, a));
            }
            assert!(!scanned.is_empty(), "{}: the fixture shows a routing domain", dir.display());
            assert_eq!(routing_domain_counts(&data), scanned, "{}", dir.display());
            assert_eq!(routing_domains(&data), [scanned.iter().max_by(|(a, n), (b, m)| n.cmp(m).then_with(|| b.cmp(a))).map(|(d, _)| d.clone()).unwrap_or_default()]);
            tenants += 1;
        }
        assert!(tenants >= 2, "{tenants} fixture tenants");
    }
}
