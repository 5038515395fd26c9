//! One identity per person across AD, Entra ID and Exchange Online (domain §1).
//!
//! AD ↔ Entra by source anchor = immutable id; Entra ↔ EXO by ExternalDirectoryObjectId; UPN, then
//! primary SMTP, only stand in for a key column an export lacks (or a value it could not carry). Every
//! link records the key that made it; a one-to-many match links nothing and is reported as ambiguous.
//! Facts that span identities (duplicate addresses, soft-match candidates) are computed here, once.

use crate::ingest::{Dataset, FileReport};
use crate::model::{ExoRef, ExoState};
use crate::values::{parse_proxy, Guid};
use serde::Serialize;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Ad,
    Entra,
    Exo,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKey {
    SourceAnchor,
    ExternalDirectoryObjectId,
    UserPrincipalName,
    PrimarySmtpAddress,
}

impl MatchKey {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKey::SourceAnchor => "source anchor",
            MatchKey::ExternalDirectoryObjectId => "ExternalDirectoryObjectId",
            MatchKey::UserPrincipalName => "UPN",
            MatchKey::PrimarySmtpAddress => "primary SMTP",
        }
    }
}

/// A row of one directory's table: AD user, Entra user, or EXO object (index into [`Joined::exo_objects`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjRef {
    pub side: Side,
    pub index: u32,
}

/// One Exchange Online directory object: the rows of the cmdlets that describe it (Get-User,
/// Get-EXOMailbox, Get-MailUser, Get-Recipient), merged, and its statistics.
#[derive(Clone, Debug)]
pub struct ExoObject {
    /// The row of each cmdlet family (index of [`crate::model::EXO_FAMILIES`]) merged into this object; `u32::MAX`: none.
    row_slots: [u32; 4],
    pub state: ExoState,
    /// Index into [`Dataset::statistics`] (by MailboxGuid = ExchangeGuid).
    pub statistics: Option<u32>,
}

impl ExoObject {
    /// The rows merged into this object, family by family.
    pub fn rows(&self) -> impl Iterator<Item = ExoRef> + '_ {
        self.row_slots.iter().enumerate().filter(|(_, r)| **r != u32::MAX).map(|(f, r)| ExoRef::new(f, *r as usize))
    }

    pub fn first_row(&self) -> ExoRef {
        self.rows().next().unwrap_or_default()
    }

    /// The first value any of its rows carries (the rows of one object agree; the first family wins).
    fn first<'a, T>(&self, data: &'a Dataset, f: impl Fn(ExoRef, &'a crate::model::ExoRecipient) -> Option<T>) -> Option<T> {
        self.rows().find_map(|r| f(r, data.exo_recipients.row(r)))
    }

    pub fn external_directory_object_id(&self, data: &Dataset) -> Option<Guid> {
        self.first(data, |_, r| r.external_directory_object_id)
    }

    pub fn guid(&self, data: &Dataset) -> Option<Guid> {
        self.first(data, |_, r| r.guid)
    }

    /// The mailbox's ExchangeGuid; the zero GUID counts as none.
    pub fn exchange_guid(&self, data: &Dataset) -> Option<Guid> {
        self.first(data, |_, r| r.exchange_guid.filter(|g| !g.is_zero()))
    }

    /// The recipient type's name (`UserMailbox`, or a value kept as written): the mailbox / mail user
    /// cmdlets know it better than Get-User. Read with the text store of the row it came from.
    pub fn recipient_type_details<'a>(&self, data: &'a Dataset) -> Option<&'a str> {
        let users = crate::model::Kind::ExoUsers.exo_family();
        let name = |r: ExoRef| data.exo_recipients.row(r).recipient_type_details.as_ref().map(|t| t.name(&data.exo_recipients.families[r.family()].texts));
        self.rows().filter(|r| Some(r.family()) != users).find_map(name).or_else(|| self.rows().find_map(name))
    }

    /// The first UPN any of its rows carries.
    pub fn user_principal_name<'a>(&self, data: &'a Dataset) -> Option<&'a str> {
        self.first(data, |r, row| data.exo_recipients.text(r, row.user_principal_name))
    }

    /// The primary SMTP address (Get-User: its WindowsEmailAddress).
    pub fn primary_smtp_address<'a>(&self, data: &'a Dataset) -> Option<&'a str> {
        self.first(data, |r, row| data.exo_recipients.text(r, row.primary_smtp_address)).or_else(|| self.first(data, |r, row| data.exo_recipients.text(r, row.windows_email_address)))
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Identity {
    pub ad: Option<u32>,
    pub entra: Option<u32>,
    /// The active EXO recipient.
    pub exo: Option<u32>,
    /// Soft-deleted and inactive mailboxes that belong to this person.
    pub previous_mailboxes: Vec<u32>,
    /// How the AD object was matched (to Entra, or to EXO when no Entra export was given).
    pub ad_key: Option<MatchKey>,
    pub exo_key: Option<MatchKey>,
    /// Set when a candidate link for this identity was ambiguous and so not made.
    pub ambiguous: bool,
}

/// A one-to-many (or many-to-one) match that was not resolved.
#[derive(Clone, Debug, Serialize)]
pub struct Ambiguity {
    pub key: MatchKey,
    pub value: String,
    pub objects: Vec<ObjRef>,
}

/// The same address on two or more objects of one directory (SYNC002).
#[derive(Clone, Debug, Serialize)]
pub struct DuplicateAddress {
    pub directory: Side,
    pub address: String,
    pub objects: Vec<ObjRef>,
    pub identities: Vec<u32>,
}

/// A cloud-only Entra user (or guest) whose UPN or SMTP address equals an unlinked AD user's (SYNC001):
/// one per pair, on an address they soft-match on where there is one.
#[derive(Clone, Debug, Serialize)]
pub struct SoftMatch {
    pub ad_identity: u32,
    pub entra_identity: u32,
    pub address: String,
    pub guest: bool,
    /// Entra Connect soft-matches them on `address` (both objects' UPN or primary SMTP, a member);
    /// otherwise the shared address only conflicts.
    pub soft_match: bool,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct KeyCounts {
    pub source_anchor: u64,
    pub external_directory_object_id: u64,
    pub user_principal_name: u64,
    pub primary_smtp_address: u64,
}

impl KeyCounts {
    /// The links made, by every key.
    pub fn total(&self) -> u64 {
        self.source_anchor + self.external_directory_object_id + self.user_principal_name + self.primary_smtp_address
    }

    fn add(&mut self, key: MatchKey) {
        match key {
            MatchKey::SourceAnchor => self.source_anchor += 1,
            MatchKey::ExternalDirectoryObjectId => self.external_directory_object_id += 1,
            MatchKey::UserPrincipalName => self.user_principal_name += 1,
            MatchKey::PrimarySmtpAddress => self.primary_smtp_address += 1,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Unmatched {
    /// AD users with no Entra user (not synced, or Entra not exported).
    pub ad: u64,
    /// Entra users with no AD object: cloud-only (empty immutable id) …
    pub entra_cloud_only: u64,
    /// … and synced ones whose immutable id no AD object in the export carries.
    pub entra_synced: u64,
    /// Active EXO recipients with no directory user.
    pub exo: u64,
    /// Soft-deleted / inactive mailboxes whose user is gone.
    pub exo_previous: u64,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct JoinStats {
    pub identities: u64,
    pub ad_users: u64,
    pub entra_users: u64,
    pub exo_rows: u64,
    pub exo_objects: u64,
    pub ad_entra: KeyCounts,
    pub entra_exo: KeyCounts,
    /// AD ↔ EXO directly, only when no Entra users were exported.
    pub ad_exo: KeyCounts,
    pub previous_mailboxes_linked: u64,
    pub statistics_matched: u64,
    pub statistics_unmatched: u64,
    pub unmatched: Unmatched,
    pub ambiguous: u64,
    pub duplicate_addresses: u64,
    /// Unlinked AD users sharing an address with a cloud-only user or guest: soft matches and conflicts.
    pub soft_match_candidates: u64,
}

impl JoinStats {
    /// Entra users with an immutable id: those linked to an AD object by any key, and those left without one.
    pub fn synced_entra_users(&self) -> u64 {
        self.unmatched.entra_synced + self.ad_entra.total()
    }
}

#[derive(Debug, Default)]
pub struct Joined {
    pub exo_objects: Vec<ExoObject>,
    pub identities: Vec<Identity>,
    pub identity_of_ad: Vec<u32>,
    pub identity_of_entra: Vec<u32>,
    pub identity_of_exo: Vec<u32>,
    pub ambiguities: Vec<Ambiguity>,
    pub duplicates: Vec<DuplicateAddress>,
    pub soft_matches: Vec<SoftMatch>,
    pub stats: JoinStats,
}

fn lower(s: &str) -> String {
    lower_cow(s).into_owned()
}

/// Lower-cased and trimmed, borrowing when the text already is (the usual case for addresses).
fn lower_cow(s: &str) -> Cow<'_, str> {
    let t = s.trim_ascii();
    if t.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        Cow::Owned(t.to_lowercase())
    } else {
        Cow::Borrowed(t)
    }
}

/// Whether the file a row came from carries a field at all (absent columns allow a fallback key).
fn file_has(files: &[FileReport], file: Option<u32>, field: &str) -> bool {
    match file.and_then(|f| files.get(f as usize)) {
        Some(report) => !report.missing_fields.iter().any(|m| m == field) && !report.lost_columns.iter().any(|l| l.column == field),
        None => true,
    }
}

/// Rows by key. One row per key is the rule, so a key maps straight to its row; only keys held by
/// several rows point (high bit set) into a list.
struct KeyIndex<K> {
    map: HashMap<K, u32>,
    shared: Vec<Vec<u32>>,
}

const SHARED_KEY: u32 = 1 << 31;

impl<K: std::hash::Hash + Eq> KeyIndex<K> {
    fn with_capacity(n: usize) -> Self {
        KeyIndex { map: HashMap::with_capacity_and_hasher(n, Default::default()), shared: Vec::new() }
    }

    fn add(&mut self, key: K, row: u32) {
        match self.map.entry(key) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(row);
            }
            std::collections::hash_map::Entry::Occupied(mut e) => {
                let current = *e.get();
                if current & SHARED_KEY != 0 {
                    self.shared[(current & !SHARED_KEY) as usize].push(row);
                } else {
                    self.shared.push(vec![current, row]);
                    *e.get_mut() = SHARED_KEY | (self.shared.len() - 1) as u32;
                }
            }
        }
    }

    fn get(&self, key: &K) -> &[u32] {
        match self.map.get(key) {
            None => &[],
            Some(v) if v & SHARED_KEY != 0 => &self.shared[(v & !SHARED_KEY) as usize],
            Some(v) => std::slice::from_ref(v),
        }
    }
}

/// Rows by a lower-cased text key, stored as its 64-bit hash (a third of the memory of the text); every
/// hit is confirmed on the text, so a hash collision cannot link two objects.
struct TextIndex(KeyIndex<u64>);

fn text_hash(text: &str) -> u64 {
    bytes_hash(text.as_bytes())
}

fn bytes_hash(bytes: &[u8]) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(bytes);
    h.finish()
}

impl TextIndex {
    fn with_capacity(n: usize) -> Self {
        TextIndex(KeyIndex::with_capacity(n))
    }

    fn add(&mut self, key: &str, row: u32) {
        self.0.add(text_hash(key), row);
    }

    /// The rows whose key (as `key_of` gives it) is `query`.
    fn find<'a>(&self, query: &str, key_of: impl Fn(u32) -> Option<Cow<'a, str>>) -> Vec<u32> {
        self.0.get(&text_hash(query)).iter().copied().filter(|&r| key_of(r).as_deref() == Some(query)).collect()
    }
}

/// Claims from one side onto the other: a link is made only where both sides have exactly one claim.
struct Claims {
    /// (left, right, key) in claim order.
    claims: Vec<(u32, u32, MatchKey)>,
    /// Claims made by each left / onto each right (dense: indices are table rows).
    per_left: Vec<u32>,
    per_right: Vec<u32>,
}

impl Claims {
    fn new(lefts: usize, rights: usize) -> Claims {
        Claims { claims: Vec::with_capacity(lefts), per_left: vec![0; lefts], per_right: vec![0; rights] }
    }
    fn claim(&mut self, left: u32, right: u32, key: MatchKey) {
        self.claims.push((left, right, key));
        self.per_left[left as usize] += 1;
        self.per_right[right as usize] += 1;
    }
    /// Unique links, and the ambiguities (reported once per conflicting group).
    fn resolve(self, left_side: Side, right_side: Side, value: impl Fn(u32, MatchKey) -> String) -> (Vec<(u32, u32, MatchKey)>, Vec<Ambiguity>) {
        let Claims { claims, per_left, per_right } = self;
        let mut links = Vec::with_capacity(claims.len());
        let mut ambiguous: Vec<(u32, u32, MatchKey)> = Vec::new();
        for &(left, right, key) in &claims {
            if per_left[left as usize] == 1 && per_right[right as usize] == 1 {
                links.push((left, right, key));
            } else {
                ambiguous.push((left, right, key));
            }
        }
        // Group the conflicting claims: one entry per left with many rights, then one per right with many
        // lefts, in claim order. Grouped through maps: a whole export read twice makes every claim conflict.
        let mut rights_of: HashMap<u32, Vec<u32>> = HashMap::default();
        let mut lefts_of: HashMap<u32, Vec<u32>> = HashMap::default();
        for &(left, right, _) in &ambiguous {
            rights_of.entry(left).or_default().push(right);
            lefts_of.entry(right).or_default().push(left);
        }
        let mut ambiguities = Vec::new();
        for &(left, right, key) in &ambiguous {
            if per_left[left as usize] > 1 {
                if let Some(rights) = rights_of.remove(&left) {
                    let mut objects = vec![ObjRef { side: left_side, index: left }];
                    objects.extend(rights.into_iter().map(|r| ObjRef { side: right_side, index: r }));
                    ambiguities.push(Ambiguity { key, value: value(left, key), objects });
                }
            } else if let Some(lefts) = lefts_of.remove(&right) {
                let mut objects: Vec<ObjRef> = lefts.into_iter().map(|l| ObjRef { side: left_side, index: l }).collect();
                objects.push(ObjRef { side: right_side, index: right });
                ambiguities.push(Ambiguity { key, value: value(left, key), objects });
            }
        }
        (links, ambiguities)
    }
}

/// How many objects a side needs before the join's doubts about an export are said: with fewer, "nobody in
/// common" or "many without their AD object" can be chance.
const ENOUGH: u64 = 10;

/// What `run` stops on after the join (two directories' exports, [`unrelated_exports`]), and otherwise its
/// doubt about the AD export (an AD export of one OU, or one whose users link by no anchor). `inspect` shows both.
pub fn verdict(data: &Dataset, joined: &Joined) -> (Vec<String>, Option<String>) {
    let stops = unrelated_exports(data, joined);
    let doubt = if stops.is_empty() { ad_export_doubt(data, joined) } else { None };
    (stops, doubt)
}

/// Exports of two sides that share nobody: none of the links the join makes between them. Every synced
/// user would then be an orphan and every AD user unsynced (or every mailbox without its user) — a report
/// of false findings from a folder that mixes two customers' (or two tenants') exports. Only with enough
/// objects on both sides that "nobody in common" cannot be chance (ten each). One message per pair, with
/// the userPrincipalName domains of each side as the evidence.
pub fn unrelated_exports(data: &Dataset, joined: &Joined) -> Vec<String> {
    let s = &joined.stats;
    let domains = |upns: &mut dyn Iterator<Item = &str>| -> String {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for upn in upns {
            if let Some((_, domain)) = upn.rsplit_once('@') {
                *counts.entry(domain.trim().to_ascii_lowercase()).or_default() += 1;
            }
        }
        let mut by_count: Vec<(String, u64)> = counts.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let shown: Vec<String> = by_count.iter().take(3).map(|(d, n)| format!("{d} ({n})")).collect();
        if shown.is_empty() { "none".to_string() } else { shown.join(", ") + if by_count.len() > 3 { ", …" } else { "" } }
    };
    let ad_upns = || data.ad_users.iter().filter_map(|u| data.ad_users.text(u.user_principal_name));
    let entra_upns = || data.entra_users.iter().filter_map(|u| data.entra_users.text(u.user_principal_name));
    let exo_upns = || data.exo_recipients.iter().filter_map(|(r, x)| data.exo_recipients.text(r, x.user_principal_name));
    let ad_domains = || domains(&mut ad_upns());
    let entra_domains = || domains(&mut entra_upns());
    let mut out = Vec::new();
    let synced = s.synced_entra_users();
    // Not one userPrincipalName in common either: with shared names, it is one directory whose objects do
    // not link by the keys (a custom source anchor: `unanchored_ad_export`).
    if s.ad_users >= ENOUGH && synced >= ENOUGH && s.ad_entra.total() == 0 && ad_upns().next().is_some() && shared_names(ad_upns(), entra_upns()) == 0 {
        out.push(format!(
            "the AD export and the Entra export share nobody: none of the {synced} synced Entra users has the source anchor of any of the {} AD users, \
             and no userPrincipalName or primary SMTP address links them (userPrincipalName domains in AD: {}; in Entra: {}) — exports of two \
             directories, it seems: every synced user would be reported orphaned. Check that both come from this customer, and move the one \
             that does not belong out of the folder",
            s.ad_users,
            ad_domains(),
            entra_domains()
        ));
    }
    // (Exchange exports without userPrincipalNames — Get-Recipient has none — cannot tell one tenant from
    // two by names: not refused.)
    if s.entra_users >= ENOUGH
        && s.exo_objects >= ENOUGH
        && s.entra_exo.total() == 0
        && s.previous_mailboxes_linked == 0
        && exo_upns().next().is_some()
        && shared_names(entra_upns(), exo_upns()) == 0
    {
        let exo_domains = domains(&mut exo_upns());
        out.push(format!(
            "the Entra export and the Exchange Online exports share nobody: none of the {} Exchange Online objects links to any of the {} Entra users \
             by ExternalDirectoryObjectId, userPrincipalName or primary SMTP address (userPrincipalName domains in Entra: {}; in Exchange Online: {}) — \
             exports of two tenants, it seems: every mailbox would be reported without its user. Check that both come from this tenant, and move \
             the ones that do not belong out of the folder",
            s.exo_objects,
            s.entra_users,
            entra_domains(),
            exo_domains
        ));
    }
    out
}

/// What the join makes of the AD export: its users are in it but link by no anchor, or it looks like one
/// OU's (users whose names are in the export but do not link are no sign of a partial export). Asked only
/// of exports that are not two directories' ([`unrelated_exports`] empty: `run` stops on those, and their
/// AD export would also look partial).
fn ad_export_doubt(data: &Dataset, joined: &Joined) -> Option<String> {
    unanchored_ad_export(data, joined).or_else(|| partial_ad_export(data, joined))
}

/// How many names (userPrincipalNames, compared case-blind) two sides share.
fn shared_names<'a>(a: impl Iterator<Item = &'a str>, b: impl Iterator<Item = &'a str>) -> usize {
    let seen: std::collections::HashSet<String> = a.map(|n| n.trim().to_ascii_lowercase()).collect();
    b.filter(|n| seen.contains(&n.trim().to_ascii_lowercase())).count()
}

/// AD and Entra exports of one directory (they share userPrincipalNames) whose synced users join no AD
/// object by source anchor: the tenant anchors on another attribute (a custom sourceAnchor such as
/// employeeID, or an `mS-DS-ConsistencyGuid` the export lost), so every synced user would read as deleted
/// in AD. Said with the AD export's warnings; the run goes on.
pub fn unanchored_ad_export(data: &Dataset, joined: &Joined) -> Option<String> {
    let s = &joined.stats;
    let synced = s.unmatched.entra_synced;
    if s.ad_users < ENOUGH || synced < ENOUGH || s.ad_entra.total() > 0 {
        return None;
    }
    let shared = shared_names(
        data.ad_users.iter().filter_map(|u| data.ad_users.text(u.user_principal_name)),
        data.entra_users.iter().filter(|u| data.entra_users.text(u.immutable_id).is_some()).filter_map(|u| data.entra_users.text(u.user_principal_name)),
    );
    (shared > 0).then(|| {
        format!(
            "none of the {synced} synced Entra users joins an AD object by source anchor (mS-DS-ConsistencyGuid, else objectGUID = \
             onPremisesImmutableId), although {shared} of their userPrincipalNames are in this export: the tenant may anchor on another \
             attribute (a custom sourceAnchor such as employeeID), or the export lost the anchor's column — the checks that compare with AD \
             then report those users as deleted there (SYNC003, HOLD001)"
        )
    })
}

/// An AD export that looks like part of the sync scope: many synced Entra users have no AD object in it,
/// and every object it holds lies under one OU. Each such user would then read as deleted in AD (SYNC003
/// orphaned, HOLD001's "AD object gone") when the export only left their OU out. Said, not decided: the
/// run goes on (a real orphan looks the same). Ten such users and a tenth of the synced ones at least.
fn partial_ad_export(data: &Dataset, joined: &Joined) -> Option<String> {
    let s = &joined.stats;
    let orphans = s.unmatched.entra_synced;
    let synced = s.synced_entra_users();
    if orphans < ENOUGH || orphans * 10 < synced || s.ad_users == 0 {
        return None;
    }
    // The longest run of RDNs (from the root) that every object's parent shares.
    let mut common: Option<Vec<String>> = None;
    for u in data.ad_users.iter() {
        // An object without its distinguished name (a column the export lacks): nothing to tell by.
        let dn = data.ad_users.text(u.distinguished_name)?;
        let parent: Vec<String> = rdns(dn).into_iter().skip(1).map(|r| r.trim().to_ascii_lowercase()).collect();
        let shared = match &common {
            None => parent,
            Some(c) => {
                let n = c.iter().rev().zip(parent.iter().rev()).take_while(|(a, b)| a == b).count();
                c[c.len() - n..].to_vec()
            }
        };
        // Only a domain's root in common: the export is not one OU's.
        if !shared.iter().any(|r| r.starts_with("ou=") || r.starts_with("cn=")) {
            return None;
        }
        common = Some(shared);
    }
    let under = common?;
    // As the exports write it (the first object's spelling).
    let first = data.ad_users.iter().find_map(|u| data.ad_users.text(u.distinguished_name))?;
    let written: Vec<&str> = rdns(first).into_iter().skip(1).collect();
    let under = written[written.len() - under.len()..].join(",");
    Some(format!(
        "{orphans} of the {synced} synced Entra users have no AD object in the AD export, and all of its {} objects lie under {under}: if \
         the export covers only that part of the forest (Get-ADUser -SearchBase), the checks that compare with AD report the others as \
         deleted there (SYNC003 orphaned, HOLD001 AD object gone) — export the whole sync scope to rule that out",
        s.ad_users
    ))
}

/// A distinguished name's RDNs, split on the commas that are not escaped (`CN=Doe\, John,OU=Staff,…`).
fn rdns(dn: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut escaped) = (0, false);
    for (i, b) in dn.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b',' => {
                out.push(&dn[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&dn[start..]);
    out
}

pub fn join(data: &Dataset) -> Joined {
    let files = &data.files;
    // The EXO merge, the directory indexes and the address scans (which need no link, only the objects)
    // are independent: all made side by side, so neither core waits for the EXO merge, the longest.
    let ((exo_objects, exo_shared), ((ad_by_anchor, entra_by_id), (ad_shared, entra_shared))) = rayon::join(
        || {
            let objects = merge_exo(data);
            let shared = shared_addresses(data, &objects, Side::Exo);
            (objects, shared)
        },
        || rayon::join(|| rayon::join(|| ad_anchors(data), || entra_ids(data)), || rayon::join(|| shared_addresses(data, &[], Side::Ad), || shared_addresses(data, &[], Side::Entra))),
    );
    let ad_upn = |a: u32| data.ad_users.text(data.ad_users[a as usize].user_principal_name).map(lower_cow);
    let ad_smtp = |a: u32| ad_primary_smtp(data, &data.ad_users[a as usize]);
    let entra_upn = |e: u32| data.entra_users.text(data.entra_users[e as usize].user_principal_name).map(lower_cow);
    let entra_smtp = |e: u32| entra_primary_smtp(data, &data.entra_users[e as usize]);
    // The UPN / SMTP indexes serve only the fallback keys, which a complete export never needs: built on first use.
    let ad_text = std::sync::OnceLock::new();
    let entra_text = std::sync::OnceLock::new();
    let ad_by_upn_smtp = || ad_text.get_or_init(|| text_indexes(data.ad_users.len(), |i| (ad_upn(i), ad_smtp(i))));
    let entra_by_upn_smtp = || entra_text.get_or_init(|| text_indexes(data.entra_users.len(), |i| (entra_upn(i), entra_smtp(i))));
    // Per file, not per row: whether it carries the anchor / directory object id column at all.
    let files_with = |field: &str| -> Vec<bool> { (0..files.len() as u32).map(|f| file_has(files, Some(f), field)).collect() };
    let has_anchor_column = files_with("onPremisesImmutableId");
    let has_edoid_column = files_with("ExternalDirectoryObjectId");
    let in_file_with = |columns: &[bool], src: Option<crate::model::Src>| src.and_then(|s| columns.get(s.file as usize).copied()).unwrap_or(true);
    let mut out = Joined { exo_objects, ..Default::default() };
    let exo = &out.exo_objects;
    let mut stats = JoinStats {
        ad_users: data.ad_users.len() as u64,
        entra_users: data.entra_users.len() as u64,
        exo_rows: data.exo_recipients.len() as u64,
        exo_objects: exo.len() as u64,
        ..Default::default()
    };
    stats.statistics_matched = exo.iter().filter(|o| o.statistics.is_some()).count() as u64;
    stats.statistics_unmatched = data.statistics.len() as u64 - stats.statistics_matched;

    // ---- AD ↔ Entra
    // An AD user without an anchor value (column absent or lost) can only be matched by a fallback key.
    // Nor does one whose mS-DS-ConsistencyGuid cell could not be read (a type name, a bad GUID): its
    // objectGUID is then no sure anchor.
    let consistency_unknown = crate::ingest::build::slot_bit(crate::model::AdField::ConsistencyGuid as usize);
    let ad_anchor_usable = |i: u32| {
        let u = &data.ad_users[i as usize];
        u.source_anchor().is_some() && u.unreadable & consistency_unknown == 0
    };
    // The lookups are independent: made on every core, in chunks that keep Entra order; the claims are
    // then recorded in that order, so the result does not depend on the threads.
    let ad_matches = |e: u32, found: &mut Vec<(u32, u32, MatchKey)>| {
        let u = &data.entra_users[e as usize];
        let has_column = in_file_with(&has_anchor_column, u.src);
        if let Some(anchor) = u.immutable_guid {
            let matched = ad_by_anchor.get(&anchor);
            found.extend(matched.iter().map(|&a| (e, a, MatchKey::SourceAnchor)));
            if !matched.is_empty() {
                return;
            }
        } else if has_column && u.immutable_id.is_none() {
            // Cloud-only: never linked to an AD user by name (that pair is SYNC001's soft-match risk).
            return;
        }
        // Fallback: only onto AD users whose anchor the export could not carry, or when Entra lacks the column.
        let eligible = |a: &u32| !has_column || u.immutable_guid.is_none() || !ad_anchor_usable(*a);
        let by_upn: Vec<u32> = data.entra_users.text(u.user_principal_name).map(|k| ad_by_upn_smtp().0.find(&lower_cow(k), ad_upn)).unwrap_or_default().into_iter().filter(eligible).collect();
        if !by_upn.is_empty() {
            found.extend(by_upn.into_iter().map(|a| (e, a, MatchKey::UserPrincipalName)));
            return;
        }
        let smtp = entra_primary_smtp(data, u);
        for a in smtp.as_deref().map(|k| ad_by_upn_smtp().1.find(k, ad_smtp)).unwrap_or_default() {
            if eligible(&a) {
                found.push((e, a, MatchKey::PrimarySmtpAddress));
            }
        }
    };
    let mut ad_claims = Claims::new(data.entra_users.len(), data.ad_users.len());
    for (e, a, key) in in_order(data.entra_users.len(), ad_matches) {
        ad_claims.claim(e, a, key);
    }
    let (ad_links, mut ambiguities) = ad_claims.resolve(Side::Entra, Side::Ad, |e, key| {
        let u = &data.entra_users[e as usize];
        match key {
            MatchKey::SourceAnchor => data.entra_users.text(u.immutable_id).unwrap_or("").to_string(),
            MatchKey::UserPrincipalName => data.entra_users.text(u.user_principal_name).map(lower).unwrap_or_default(),
            _ => entra_primary_smtp(data, u).map(Cow::into_owned).unwrap_or_default(),
        }
    });

    // ---- Entra ↔ EXO (active recipients; soft-deleted / inactive mailboxes follow their user)
    let no_entra = data.entra_users.is_empty();
    /// What one EXO object's lookup found.
    enum ExoMatch {
        /// An active recipient claiming an Entra user (or, without Entra, an AD user).
        Claim(u32, u32, MatchKey),
        /// A soft-deleted / inactive mailbox following its user.
        Previous(u32, u32, MatchKey),
    }
    let exo_matches = |x: u32, found: &mut Vec<ExoMatch>| {
        let o = &exo[x as usize];
        let edoid_column = o.rows().any(|r| in_file_with(&has_edoid_column, data.exo_recipients.row(r).src));
        if let Some(id) = o.external_directory_object_id(data) {
            // Two Entra users with one id (an export read twice) make the claim ambiguous rather than picked.
            let users = entra_by_id.get(&id);
            if o.state == ExoState::Active {
                found.extend(users.iter().map(|&e| ExoMatch::Claim(x, e, MatchKey::ExternalDirectoryObjectId)));
            } else if let [e] = users {
                found.push(ExoMatch::Previous(x, *e, MatchKey::ExternalDirectoryObjectId));
            }
            return;
        }
        if edoid_column || o.state != ExoState::Active {
            return;
        }
        let by_upn = |k: &str| if no_entra { ad_by_upn_smtp().0.find(k, ad_upn) } else { entra_by_upn_smtp().0.find(k, entra_upn) };
        let by_smtp = |k: &str| if no_entra { ad_by_upn_smtp().1.find(k, ad_smtp) } else { entra_by_upn_smtp().1.find(k, entra_smtp) };
        let upn_hits = o.user_principal_name(data).map(|k| by_upn(&lower_cow(k))).unwrap_or_default();
        if !upn_hits.is_empty() {
            found.extend(upn_hits.into_iter().map(|t| ExoMatch::Claim(x, t, MatchKey::UserPrincipalName)));
        } else {
            for t in o.primary_smtp_address(data).map(|k| by_smtp(&lower_cow(k))).unwrap_or_default() {
                found.push(ExoMatch::Claim(x, t, MatchKey::PrimarySmtpAddress));
            }
        }
    };
    let mut exo_claims = Claims::new(exo.len(), data.entra_users.len());
    let mut previous: Vec<(u32, u32, MatchKey)> = Vec::new();
    let mut ad_exo_claims = Claims::new(exo.len(), data.ad_users.len());
    for m in in_order(exo.len(), exo_matches) {
        match m {
            ExoMatch::Claim(x, t, key) if no_entra => ad_exo_claims.claim(x, t, key),
            ExoMatch::Claim(x, t, key) => exo_claims.claim(x, t, key),
            ExoMatch::Previous(x, e, key) => previous.push((x, e, key)),
        }
    }
    let exo_value = |x: u32, key: MatchKey| {
        let o = &exo[x as usize];
        match key {
            MatchKey::ExternalDirectoryObjectId => o.external_directory_object_id(data).map(|g| g.to_string()).unwrap_or_default(),
            MatchKey::UserPrincipalName => o.user_principal_name(data).map(lower).unwrap_or_default(),
            _ => o.primary_smtp_address(data).map(lower).unwrap_or_default(),
        }
    };
    let (exo_links, more) = exo_claims.resolve(Side::Exo, Side::Entra, exo_value);
    ambiguities.extend(more);
    let (ad_exo_links, more) = ad_exo_claims.resolve(Side::Exo, Side::Ad, exo_value);
    ambiguities.extend(more);

    // The key indexes are done with: give their memory back before the identities.
    drop((ad_by_anchor, entra_by_id, ad_text, entra_text));

    // ---- Identities
    let mut identity_of_ad = vec![u32::MAX; data.ad_users.len()];
    let mut identity_of_entra = vec![u32::MAX; data.entra_users.len()];
    let mut identity_of_exo = vec![u32::MAX; exo.len()];
    let mut identities: Vec<Identity> = Vec::new();
    let blank = Identity { ad: None, entra: None, exo: None, previous_mailboxes: Vec::new(), ad_key: None, exo_key: None, ambiguous: false };
    for (e, slot) in identity_of_entra.iter_mut().enumerate() {
        *slot = identities.len() as u32;
        identities.push(Identity { entra: Some(e as u32), ..blank.clone() });
    }
    for &(e, a, key) in &ad_links {
        let id = identity_of_entra[e as usize];
        identities[id as usize].ad = Some(a);
        identities[id as usize].ad_key = Some(key);
        identity_of_ad[a as usize] = id;
        stats.ad_entra.add(key);
    }
    for (a, slot) in identity_of_ad.iter_mut().enumerate() {
        if *slot == u32::MAX {
            *slot = identities.len() as u32;
            identities.push(Identity { ad: Some(a as u32), ..blank.clone() });
        }
    }
    for &(x, e, key) in &exo_links {
        let id = identity_of_entra[e as usize];
        identities[id as usize].exo = Some(x);
        identities[id as usize].exo_key = Some(key);
        identity_of_exo[x as usize] = id;
        stats.entra_exo.add(key);
    }
    for &(x, a, key) in &ad_exo_links {
        let id = identity_of_ad[a as usize];
        identities[id as usize].exo = Some(x);
        identities[id as usize].exo_key = Some(key);
        identity_of_exo[x as usize] = id;
        stats.ad_exo.add(key);
    }
    for &(x, e, _) in &previous {
        let id = identity_of_entra[e as usize];
        identities[id as usize].previous_mailboxes.push(x);
        identity_of_exo[x as usize] = id;
        stats.previous_mailboxes_linked += 1;
    }
    for x in 0..exo.len() {
        if identity_of_exo[x] == u32::MAX {
            identity_of_exo[x] = identities.len() as u32;
            let o = &exo[x];
            if o.state == ExoState::Active {
                stats.unmatched.exo += 1;
                identities.push(Identity { exo: Some(x as u32), ..blank.clone() });
            } else {
                stats.unmatched.exo_previous += 1;
                identities.push(Identity { previous_mailboxes: vec![x as u32], ..blank.clone() });
            }
        }
    }
    for amb in &ambiguities {
        for obj in &amb.objects {
            let id = match obj.side {
                Side::Ad => identity_of_ad[obj.index as usize],
                Side::Entra => identity_of_entra[obj.index as usize],
                Side::Exo => identity_of_exo[obj.index as usize],
            };
            identities[id as usize].ambiguous = true;
        }
    }
    stats.ambiguous = ambiguities.len() as u64;
    stats.unmatched.ad = identities.iter().filter(|i| i.ad.is_some() && i.entra.is_none()).count() as u64;
    for ident in identities.iter().filter(|i| i.entra.is_some() && i.ad.is_none()) {
        let u = &data.entra_users[ident.entra.unwrap_or(0) as usize];
        if u.immutable_id.is_some() {
            stats.unmatched.entra_synced += 1;
        } else {
            stats.unmatched.entra_cloud_only += 1;
        }
    }
    stats.identities = identities.len() as u64;

    out.identities = identities;
    out.identity_of_ad = identity_of_ad;
    out.identity_of_entra = identity_of_entra;
    out.identity_of_exo = identity_of_exo;
    out.ambiguities = ambiguities;
    let (duplicates, soft) = rayon::join(|| [(Side::Ad, ad_shared), (Side::Entra, entra_shared), (Side::Exo, exo_shared)].into_iter().flat_map(|(side, shared)| duplicates_in(&out, side, shared)).collect(), || soft_matches(data, &out));
    out.duplicates = duplicates;
    out.soft_matches = soft;
    stats.duplicate_addresses = out.duplicates.len() as u64;
    stats.soft_match_candidates = out.soft_matches.len() as u64;
    out.stats = stats;
    out
}

/// `find(i, out)` for every `i < n` on every core, the results in index order.
fn in_order<T: Send>(n: usize, find: impl Fn(u32, &mut Vec<T>) + Sync) -> impl Iterator<Item = T> {
    use rayon::prelude::*;
    let chunks: Vec<Vec<T>> = (0..n as u32)
        .into_par_iter()
        .fold_chunks(16_384, Vec::new, |mut found, i| {
            find(i, &mut found);
            found
        })
        .collect();
    chunks.into_iter().flatten()
}

fn ad_anchors(data: &Dataset) -> KeyIndex<Guid> {
    let mut by_anchor = KeyIndex::with_capacity(data.ad_users.len());
    for (i, u) in data.ad_users.iter().enumerate() {
        if let Some(anchor) = u.source_anchor() {
            by_anchor.add(anchor, i as u32);
        }
    }
    by_anchor
}

fn entra_ids(data: &Dataset) -> KeyIndex<Guid> {
    let mut by_id = KeyIndex::with_capacity(data.entra_users.len());
    for (e, u) in data.entra_users.iter().enumerate() {
        if let Some(id) = u.id {
            by_id.add(id, e as u32);
        }
    }
    by_id
}

/// UPN and primary-SMTP indexes over `n` rows, from each row's (lower-cased) keys.
fn text_indexes<'a>(n: usize, keys: impl Fn(u32) -> (Option<Cow<'a, str>>, Option<Cow<'a, str>>)) -> (TextIndex, TextIndex) {
    let (mut by_upn, mut by_smtp) = (TextIndex::with_capacity(n), TextIndex::with_capacity(n));
    for i in 0..n as u32 {
        let (upn, smtp) = keys(i);
        if let Some(upn) = upn {
            by_upn.add(&upn, i);
        }
        if let Some(smtp) = smtp {
            by_smtp.add(&smtp, i);
        }
    }
    (by_upn, by_smtp)
}

impl Joined {
    /// The identity's name: its lower-cased UPN (Entra, else AD, else EXO), else primary SMTP, else
    /// sAMAccountName / DN. Computed when asked, not kept: 800k stored names are tens of MB.
    pub fn name(&self, data: &Dataset, identity: usize) -> String {
        identity_name(data, &self.exo_objects, &self.identities[identity], identity)
    }
}

fn identity_name(data: &Dataset, exo: &[ExoObject], ident: &Identity, index: usize) -> String {
    let entra = ident.entra.map(|e| &data.entra_users[e as usize]);
    let ad = ident.ad.map(|a| &data.ad_users[a as usize]);
    let x = ident.exo.or(ident.previous_mailboxes.first().copied()).map(|x| &exo[x as usize]);
    // Each fallback is looked up only when the names before it are missing (the lookups read rows and
    // texts that lie apart in memory).
    entra
        .and_then(|u| data.entra_users.text(u.user_principal_name))
        .or_else(|| ad.and_then(|u| data.ad_users.text(u.user_principal_name)))
        .or_else(|| x.and_then(|o| o.user_principal_name(data)))
        .or_else(|| x.and_then(|o| o.primary_smtp_address(data)))
        .or_else(|| ad.and_then(|u| data.ad_users.text(u.sam_account_name)))
        .or_else(|| ad.and_then(|u| data.ad_users.text(u.distinguished_name)))
        .map(lower)
        .unwrap_or_else(|| format!("#{index}"))
}

/// The primary SMTP address (lower-cased) among proxies: the `SMTP:` one, else `mail`.
fn primary_smtp<'a>(mut proxies: impl Iterator<Item = &'a str>, mail: Option<&'a str>) -> Option<Cow<'a, str>> {
    proxies.find_map(|p| parse_proxy(p).filter(|p| p.primary)).map(|p| lower_cow(p.address)).or(mail.map(lower_cow))
}

pub fn ad_primary_smtp<'a>(data: &'a Dataset, u: &crate::model::AdUser) -> Option<Cow<'a, str>> {
    primary_smtp(data.ad_users.list(u.proxy_addresses), data.ad_users.text(u.mail))
}

pub fn entra_primary_smtp<'a>(data: &'a Dataset, u: &crate::model::EntraUser) -> Option<Cow<'a, str>> {
    primary_smtp(data.entra_users.list(u.proxy_addresses), data.entra_users.text(u.mail))
}

/// Merges the rows of one EXO object: the same `Guid`, else the same ExternalDirectoryObjectId (or
/// primary SMTP) in the same state, from different cmdlets. Two rows of one cmdlet are never merged.
fn merge_exo(data: &Dataset) -> Vec<ExoObject> {
    use std::collections::hash_map::Entry;
    let t = &data.exo_recipients;
    let n = t.len();
    let mut objects: Vec<ExoObject> = Vec::with_capacity(n / 2 + 16);
    let mut by_guid: HashMap<Guid, u32> = HashMap::with_capacity_and_hasher(n, Default::default());
    // Needed only when some rows lack a Guid (minimal property sets); exports with Guid everywhere skip it.
    let every_row_has_guid = t.iter().all(|(_, r)| r.guid.is_some());
    let mut by_edoid: HashMap<(Guid, ExoState), u32> = HashMap::default();
    let mut by_smtp: HashMap<(Cow<'_, str>, ExoState), u32> = HashMap::default();
    let new_object = |objects: &mut Vec<ExoObject>, state: ExoState| {
        objects.push(ExoObject { row_slots: [u32::MAX; 4], state, statistics: None });
        (objects.len() - 1) as u32
    };
    for (r, row) in t.iter() {
        let family = r.family();
        let o = match (every_row_has_guid, row.guid) {
            // The usual export: every row has its Guid, so one hash lookup finds or registers the object.
            (true, Some(g)) => match by_guid.entry(g) {
                Entry::Occupied(e) if objects[*e.get() as usize].row_slots[family] == u32::MAX => *e.get(),
                // The same Guid twice in one family (an export read twice): a second object; the first keeps the key.
                Entry::Occupied(_) => new_object(&mut objects, row.state),
                Entry::Vacant(e) => *e.insert(new_object(&mut objects, row.state)),
            },
            _ => {
                // Rows without Guid or ExternalDirectoryObjectId merge by address only (rare: minimal exports).
                let by_address = row.guid.is_none() && row.external_directory_object_id.is_none();
                let smtp = if by_address { t.text(r, row.primary_smtp_address).or(t.text(r, row.windows_email_address)).map(lower_cow) } else { None };
                let found = row
                    .guid
                    .and_then(|g| by_guid.get(&g))
                    .or_else(|| if every_row_has_guid { None } else { row.external_directory_object_id.and_then(|g| by_edoid.get(&(g, row.state))) })
                    .or_else(|| smtp.as_ref().and_then(|s| by_smtp.get(&(s.clone(), row.state))))
                    .copied()
                    .filter(|&o| objects[o as usize].row_slots[family] == u32::MAX);
                let o = found.unwrap_or_else(|| new_object(&mut objects, row.state));
                if let Some(g) = row.guid {
                    by_guid.entry(g).or_insert(o);
                }
                if let (Some(g), false) = (row.external_directory_object_id, every_row_has_guid) {
                    by_edoid.entry((g, row.state)).or_insert(o);
                }
                if let Some(s) = smtp {
                    by_smtp.entry((s, row.state)).or_insert(o);
                }
                o
            }
        };
        let obj = &mut objects[o as usize];
        obj.row_slots[family] = r.row() as u32;
        if row.state != ExoState::Active {
            obj.state = row.state;
        }
    }
    drop((by_guid, by_edoid, by_smtp));
    let mut by_exchange_guid: HashMap<Guid, u32> = HashMap::with_capacity_and_hasher(data.statistics.len(), Default::default());
    for (i, o) in objects.iter().enumerate() {
        if let Some(g) = o.exchange_guid(data) {
            by_exchange_guid.entry(g).or_insert(i as u32);
        }
    }
    for (s, st) in data.statistics.iter().enumerate() {
        if let Some(o) = st.mailbox_guid.and_then(|g| by_exchange_guid.get(&g)) {
            let obj = &mut objects[*o as usize];
            if obj.statistics.is_none() {
                obj.statistics = Some(s as u32);
            }
        }
    }
    objects.shrink_to_fit();
    objects
}

/// Every SMTP address and UPN of one object, as written (repeats possible).
fn for_each_raw_address<'a>(upn: Option<&'a str>, mail: Option<&'a str>, proxies: impl Iterator<Item = &'a str>, f: &mut dyn FnMut(&'a str)) {
    upn.into_iter().chain(mail).for_each(&mut *f);
    for p in proxies.filter_map(parse_proxy).filter(|p| p.kind.eq_ignore_ascii_case("smtp")) {
        f(p.address);
    }
}

/// `text_hash(&lower_cow(raw))` without allocating for ASCII text: lower-cased in `scratch`.
fn lower_hash(raw: &str, scratch: &mut Vec<u8>) -> u64 {
    let t = raw.trim_ascii();
    if !t.is_ascii() {
        return text_hash(&t.to_lowercase());
    }
    scratch.clear();
    scratch.extend_from_slice(t.as_bytes());
    scratch.make_ascii_lowercase();
    bytes_hash(scratch)
}


/// Addresses (lower-cased) that two or more objects of one directory hold, each with its holders (the
/// index of the AD user, Entra user or EXO object; `exo` is needed only for [`Side::Exo`]).
fn shared_addresses<'d>(data: &'d Dataset, exo: &[ExoObject], directory: Side) -> BTreeMap<String, Vec<u32>> {
    // Every address of every holder, raw; the same walk verifies a suspected duplicate.
    let for_each = |holder: u32, f: &mut dyn FnMut(&'d str)| match directory {
        Side::Ad => {
            let (t, u) = (&data.ad_users, &data.ad_users[holder as usize]);
            for_each_raw_address(t.text(u.user_principal_name), t.text(u.mail), t.list(u.proxy_addresses), f);
        }
        Side::Entra => {
            let (t, u) = (&data.entra_users, &data.entra_users[holder as usize]);
            for_each_raw_address(t.text(u.user_principal_name), t.text(u.mail), t.list(u.proxy_addresses), f);
        }
        Side::Exo => {
            let t = &data.exo_recipients;
            for r in exo[holder as usize].rows() {
                let row = t.row(r);
                for_each_raw_address(t.text(r, row.user_principal_name), t.text(r, row.primary_smtp_address), t.list(r, row.email_addresses), &mut *f);
            }
        }
    };
    let holders: Vec<u32> = match directory {
        Side::Ad => (0..data.ad_users.len() as u32).collect(),
        Side::Entra => (0..data.entra_users.len() as u32).collect(),
        Side::Exo => (0..exo.len() as u32).filter(|&i| exo[i as usize].state == ExoState::Active).collect(),
    };
    // Every (hash of lower-cased address, holder), each holder's distinct hashes once, sorted: a duplicate
    // is a run of equal hashes with several holders. Sorting a flat array is far kinder to the cache than
    // a hash map of millions of entries, and hashing needs no lower-cased copy of each address. Each run
    // is confirmed on the text, so a hash collision never makes a finding (nor hides one: the
    // confirmation walks every address of each holder in the run).
    let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(holders.len() * 3);
    let mut own: Vec<u64> = Vec::with_capacity(8);
    let mut scratch = Vec::with_capacity(64);
    for &holder in &holders {
        own.clear();
        for_each(holder, &mut |address| own.push(lower_hash(address, &mut scratch)));
        own.sort_unstable();
        own.dedup();
        pairs.extend(own.iter().map(|&h| (h, holder)));
    }
    // Most addresses are held once: only the pairs whose hash another pair also has are sorted (every pair
    // of a run is kept; false alarms drop out below as runs of one). At 800k identities, per directory:
    // 1.55-1.56M pairs, ~35k kept; this step 0.047-0.048 -> 0.018-0.021 s.
    let twice = crate::ingest::met_twice(pairs.iter().map(|&(h, _)| h), |&h| h);
    pairs.retain(|(h, _)| twice.contains(h));
    pairs.sort_unstable();
    let mut confirmed: BTreeMap<String, Vec<u32>> = Default::default();
    for run in pairs.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        // Group the run's holders by the address text that has this hash.
        let mut by_text: BTreeMap<String, Vec<u32>> = Default::default();
        for &(h, holder) in run {
            for_each(holder, &mut |address| {
                if lower_hash(address, &mut scratch) == h {
                    let list = by_text.entry(lower(address)).or_default();
                    if list.last() != Some(&holder) {
                        list.push(holder);
                    }
                }
            });
        }
        confirmed.extend(by_text.into_iter().filter(|(_, holders)| holders.len() > 1));
    }
    confirmed
}

/// SYNC002's raw material for one directory: its shared addresses with the identities of their holders.
fn duplicates_in(joined: &Joined, directory: Side, shared: BTreeMap<String, Vec<u32>>) -> Vec<DuplicateAddress> {
    shared
        .into_iter()
        .map(|(address, holders)| {
            let objects: Vec<ObjRef> = holders.iter().map(|&index| ObjRef { side: directory, index }).collect();
            let mut identities: Vec<u32> = holders
                .iter()
                .map(|&h| match directory {
                    Side::Ad => joined.identity_of_ad[h as usize],
                    Side::Entra => joined.identity_of_entra[h as usize],
                    Side::Exo => joined.identity_of_exo[h as usize],
                })
                .collect();
            identities.sort();
            identities.dedup();
            DuplicateAddress { directory, address, objects, identities }
        })
        .collect()
}

fn soft_matches(data: &Dataset, joined: &Joined) -> Vec<SoftMatch> {
    // What Entra Connect soft-matches on: the userPrincipalName, and of the proxyAddresses only the
    // primary (`SMTP:`) one (Microsoft Learn, "Sync with existing users in Microsoft Entra ID"). A
    // secondary address both objects hold is a conflict, not a soft match (reported as one, a hard
    // match was proposed that would merge the two): syncing the AD user quarantines it there
    // (duplicate attribute resiliency), and mail to it keeps reaching the cloud user. A guest is never
    // matched: any address it shares conflicts.
    // Every address of an object, lower-cased, each once, with whether it is a soft-match key.
    fn addresses<'a>(upn: Option<&'a str>, primary: Option<Cow<'a, str>>, mail: Option<&'a str>, proxies: impl Iterator<Item = &'a str>) -> Vec<(Cow<'a, str>, bool)> {
        let keys: Vec<Cow<'a, str>> = upn.map(lower_cow).into_iter().chain(primary).collect();
        let mut out: Vec<(Cow<'a, str>, bool)> = Vec::new();
        for_each_raw_address(upn, mail, proxies, &mut |a| {
            let a = lower_cow(a);
            let key = keys.contains(&a);
            out.push((a, key));
        });
        // A key first, so that the dedup keeps it.
        out.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }
    let mut unlinked_ad: HashMap<Cow<'_, str>, Vec<(u32, bool)>> = HashMap::default();
    for (i, u) in data.ad_users.iter().enumerate() {
        let id = joined.identity_of_ad[i];
        if joined.identities[id as usize].entra.is_some() {
            continue;
        }
        let t = &data.ad_users;
        for (a, key) in addresses(t.text(u.user_principal_name), ad_primary_smtp(data, u), t.text(u.mail), t.list(u.proxy_addresses)) {
            unlinked_ad.entry(a).or_default().push((id, key));
        }
    }
    let mut out = Vec::new();
    for (e, u) in data.entra_users.iter().enumerate() {
        let has_column = file_has(&data.files, u.src.map(|s| s.file), "onPremisesImmutableId");
        if !has_column || u.immutable_id.is_some() || u.on_premises_sync_enabled == Some(true) {
            continue;
        }
        let t = &data.entra_users;
        let guest = t.text(u.user_type).is_some_and(|t| t.eq_ignore_ascii_case("guest"));
        let entra_identity = joined.identity_of_entra[e];
        // One entry per AD user: the first address they soft-match on, else the first they share.
        let first = out.len();
        for (a, cloud_key) in addresses(t.text(u.user_principal_name), entra_primary_smtp(data, u), t.text(u.mail), t.list(u.proxy_addresses)) {
            for &(ad_identity, ad_key) in unlinked_ad.get(a.as_ref()).map(Vec::as_slice).unwrap_or(&[]) {
                let soft_match = !guest && cloud_key && ad_key;
                match out[first..].iter_mut().find(|m: &&mut SoftMatch| m.ad_identity == ad_identity) {
                    Some(m) if soft_match && !m.soft_match => {
                        m.address = a.to_string();
                        m.soft_match = true;
                    }
                    Some(_) => {}
                    None => out.push(SoftMatch { ad_identity, entra_identity, address: a.to_string(), guest, soft_match }),
                }
            }
        }
    }
    out.sort_by_key(|m| (m.ad_identity, m.entra_identity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdns_split_on_unescaped_commas_only() {
        assert_eq!(rdns("CN=Doe\\, John,OU=Staff,DC=contoso,DC=com"), ["CN=Doe\\, John", "OU=Staff", "DC=contoso", "DC=com"]);
        assert_eq!(rdns("CN=a\\\\,OU=b"), ["CN=a\\\\", "OU=b"], "an escaped backslash does not escape the comma after it");
        assert_eq!(rdns("DC=com"), ["DC=com"]);
    }

    #[test]
    fn lookups_made_on_every_core_come_back_in_index_order() {
        // Several chunks, some indexes with no result and some with two.
        let n = 70_000;
        let find = |i: u32, out: &mut Vec<(u32, u8)>| {
            if !i.is_multiple_of(3) {
                out.push((i, 0));
            }
            if i.is_multiple_of(5) {
                out.push((i, 1));
            }
        };
        let mut serial = Vec::new();
        (0..n as u32).for_each(|i| find(i, &mut serial));
        assert_eq!(in_order(n, find).collect::<Vec<_>>(), serial);
    }

    #[test]
    fn the_allocation_free_address_hash_equals_the_hash_of_the_lower_cased_text() {
        let mut scratch = Vec::new();
        for raw in ["a@contoso.com", " John.Doe@Contoso.COM ", "ÄNNE@contoso.com", "ΟΔΟΣ@x.gr", "x\t", "", "MIXED.Ünïcode@Example.ORG"] {
            assert_eq!(lower_hash(raw, &mut scratch), text_hash(&lower_cow(raw)), "{raw:?}");
        }
    }
}
