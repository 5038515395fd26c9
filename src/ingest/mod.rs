//! Ingest: a folder of exports → detected files → canonical typed tables.
//!
//! Each file's kind is decided from its content. Files are read in parallel, each streamed once, and only
//! the fields the tables hold are typed. Inputs are opened read-only.

pub mod build;
pub mod cell;
mod csv_format;
pub mod decode;
pub mod detect;
mod json_format;
mod ldif_format;
mod xlsx_format;

use crate::counted;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};
use crate::values::{DateOrder, Guid};
use build::{Collector, Table};
use cell::{Cell, Row, Spec};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--date-order`: used only for files whose own values do not settle day/month order.
    pub date_order: Option<DateOrder>,
    /// Folders not read (canonical paths): the run's own `--out` folder when it lies inside the input
    /// folder, so a second run does not read the first one's reports as exports.
    pub skip_dirs: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Json,
    Ldif,
    Xlsx,
    Unknown,
}

/// Why a file could not be read: where, what was expected, and what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileError {
    pub line: Option<u64>,
    pub column: Option<String>,
    pub message: String,
    pub hint: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.line, &self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: ")?,
            (Some(l), None) => write!(f, "line {l}: ")?,
            (None, Some(c)) => write!(f, "column {c}: ")?,
            (None, None) => {}
        }
        write!(f, "{}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, " — {}", self.hint)?;
        }
        Ok(())
    }
}

/// A column whose values PowerShell replaced with a .NET type name: the data is not in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LostColumn {
    pub column: String,
    pub rows: u64,
    /// Whether a table field (and so a check) depends on it.
    pub used: bool,
    /// How to export the data: a `Select-Object` calculated property, or the export to use instead.
    pub fix: String,
    /// Other rows of the column were read: it is used, its lost values unknown on their rows only.
    #[serde(skip)]
    pub partial: bool,
}

/// What the tool made of one file (one sheet, for .xlsx).
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    /// Relative to the folder given on the command line.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub kind: Kind,
    pub format: Format,
    pub encoding: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    pub rows: u64,
    pub bytes: u64,
    /// Fields of this kind's table the file does not carry at all.
    pub missing_fields: Vec<String>,
    /// The table fields (canonical names) the file carries: what decides whether a check can run.
    #[serde(skip)]
    pub columns: Vec<&'static str>,
    pub lost_columns: Vec<LostColumn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// Date columns whose day/month order neither the file nor `--date-order` settles.
    pub unresolved_dates: Vec<String>,
    /// For exo-mailboxes: how many rows are soft-deleted / inactive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft_deleted: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inactive: Option<u64>,
    pub warnings: Vec<String>,
    /// Why the file's kind is `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Set when the file could not be read: none of its rows are used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<FileError>,
    /// The earlier file whose objects this one holds again (two exports of one directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats: Option<String>,
    /// A Graph page that announces another (`@odata.nextLink`).
    #[serde(skip)]
    pub next_page: bool,
    /// Cells whose value was given but could not be read (each marked on its row: the checks that need
    /// it are not evaluated for that row's identity).
    #[serde(skip)]
    pub unreadable_values: u64,
    /// Text named as an export (.csv, .json …) but damaged (NUL bytes): its kind could not be read.
    #[serde(skip)]
    pub damaged: bool,
    /// The `*.mail.onmicrosoft.com` domains of the file's Entra proxyAddresses or EXO EmailAddresses,
    /// each with its number of addresses (what tells the tenant's routing domain).
    #[serde(skip)]
    pub routing_domains: crate::values::DomainCounts,
}

impl FileReport {
    /// Whether the file gives a column's data: it has the column, no value of it was lost as a .NET
    /// type name (in `Get-ADUser -Properties *` every *set* msExchMailboxGuid is `System.Byte[]` while
    /// unset ones stay empty: the readable rest would all look unset), and its dates are settled.
    pub fn carries(&self, name: &str) -> bool {
        self.columns.contains(&name) && !self.lost_columns.iter().any(|l| l.used && l.rows > 0 && !l.partial && cell::key_eq(&l.column, name)) && !self.unresolved_dates.iter().any(|d| d == name)
    }

    /// An error that leaves the audit incomplete, so `run` stops: a recognised export that could not be
    /// read, or damaged text that was likely one. (A file that is no export at all is only noted.)
    pub fn stops_the_run(&self) -> bool {
        self.error.is_some() && (self.kind != Kind::Unknown || self.damaged)
    }

    fn new(path: String, bytes: u64) -> FileReport {
        FileReport {
            path,
            sheet: None,
            kind: Kind::Unknown,
            format: Format::Unknown,
            encoding: String::new(),
            delimiter: None,
            rows: 0,
            bytes,
            missing_fields: Vec::new(),
            columns: Vec::new(),
            lost_columns: Vec::new(),
            date_order: None,
            unresolved_dates: Vec::new(),
            soft_deleted: None,
            inactive: None,
            warnings: Vec::new(),
            reason: None,
            repeats: None,
            unreadable_values: 0,
            damaged: false,
            next_page: false,
            error: None,
            routing_domains: Default::default(),
        }
    }

    /// A display name: path, plus `#sheet` for a workbook sheet.
    pub fn display(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{}#{}", self.path, s),
            None => self.path.clone(),
        }
    }
}

/// Everything loaded from one folder.
#[derive(Debug, Default)]
pub struct Dataset {
    pub files: Vec<FileReport>,
    pub ad_users: Rows<AdUser>,
    pub entra_users: Rows<EntraUser>,
    pub skus: Rows<Sku>,
    pub exo_recipients: ExoTables,
    pub statistics: Rows<MailboxStatistics>,
}

/// The folder itself could not be read (usage error, exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source} — give a folder of exports (CSV, JSON, LDIF, .xlsx)")]
    Folder { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a folder — give the folder that holds the export files")]
    NotAFolder { path: PathBuf },
}

/// Reads every file under `dir` (recursively, in path order) and types what it recognises.
pub fn load(dir: &Path, options: &Options) -> Result<Dataset, LoadError> {
    let meta = std::fs::metadata(dir).map_err(|source| LoadError::Folder { path: dir.to_path_buf(), source })?;
    if !meta.is_dir() {
        return Err(LoadError::NotAFolder { path: dir.to_path_buf() });
    }
    let (mut paths, mut passed_over) = (Vec::new(), Vec::new());
    walk(dir, &options.skip_dirs, &mut paths, &mut passed_over).map_err(|source| LoadError::Folder { path: dir.to_path_buf(), source })?;
    paths.sort();
    // Biggest first so the cores stay busy to the end; reports are put back in path order.
    let mut order: Vec<usize> = (0..paths.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(paths[i].1));
    let pool = Pool::default();
    let ctx = Ctx { options, pool: &pool };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::<(usize, Vec<FilePart>)>::new());
    let workers = rayon::current_num_threads().clamp(1, order.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&i) = order.get(k) else { break };
                let parts = read_file(dir, &paths[i].0, paths[i].1, &ctx);
                results.lock().unwrap_or_else(|e| e.into_inner()).push((i, parts));
            });
        }
    });
    let mut outputs = results.into_inner().unwrap_or_else(|e| e.into_inner());
    outputs.sort_by_key(|(i, _)| *i);

    // Each file's rows sit in one range of one table instance; number the reports, then stamp ranges.
    let mut instances = pool.into_instances();
    let mut data = Dataset::default();
    for (report, part) in outputs.into_iter().flat_map(|(_, parts)| parts) {
        let file = data.files.len() as u32;
        data.files.push(report);
        if let Some(part) = part {
            if let Some((_, table)) = instances.iter_mut().find(|(id, _)| *id == part.table_id) {
                table.set_file(file, part.start..part.end);
            }
        }
    }
    // What the walk found and did not read: listed (and noted in the run's output) after the files read.
    passed_over.sort();
    for (path, why) in passed_over {
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        // The folder itself (its reports passed over) is `.`.
        let rel = if rel.is_empty() { ".".to_string() } else { rel };
        let mut report = FileReport::new(rel, 0);
        report.reason = Some(why.to_string());
        data.files.push(report);
    }
    // One table per type: the largest instance is moved, others (files of one type read at the same
    // time) are appended; then rows are put in (file, line) order so runs are deterministic.
    instances.sort_by_key(|(id, t)| (std::cmp::Reverse(t.len()), *id));
    for (_, table) in instances {
        if table.overflowed() {
            mark_too_large(&mut data.files, &table);
            continue;
        }
        let stored = match &table {
            Table::Ad(_) => data.ad_users.texts.len(),
            Table::Entra(_) => data.entra_users.texts.len(),
            Table::Skus(_) => data.skus.texts.len(),
            Table::Exo(_, family) => data.exo_recipients.families[*family].texts.len(),
            Table::Stats(_) => data.statistics.texts.len(),
        };
        if stored + table.text_len() > u32::MAX as usize {
            mark_too_large(&mut data.files, &table);
            continue;
        }
        match table {
            Table::Ad(v) => data.ad_users.append(v),
            Table::Entra(v) => data.entra_users.append(v),
            Table::Skus(v) => data.skus.append(v),
            // Rows stay in the family they were read as (a file reclassified as mixed stays in its table).
            Table::Exo(v, family) => data.exo_recipients.families[family].append(v),
            Table::Stats(v) => data.statistics.append(v),
        }
    }
    // Each table's last pass (a scan of its rows, a sort if files were read out of order) on every core.
    let Dataset { ad_users, entra_users, skus, exo_recipients, statistics, .. } = &mut data;
    rayon::scope(|s| {
        s.spawn(|_| ad_users.finish_load());
        s.spawn(|_| entra_users.finish_load());
        s.spawn(|_| skus.finish_load());
        for family in &mut exo_recipients.families {
            s.spawn(|_| family.finish_load());
        }
        statistics.finish_load();
    });
    flag_repeated_objects(&mut data);
    flag_default_property_sets(&mut data);
    flag_missing_last_page(&mut data);
    mark_columns_other_exports_carry(&mut data);
    Ok(data)
}

/// A column one export of a kind carries and another of the same kind does not (a soft-deleted mailbox
/// export without ArchiveGuid beside the active one that has it): on the rows of the file without it the
/// value is unknown, not empty — marked unreadable, so the checks that need it are not evaluated on those
/// identities. The columns that say whether a mailbox is soft-deleted or inactive are not marked: an export
/// without them is of active mailboxes (Get-EXOMailbox without -SoftDeletedMailbox).
fn mark_columns_other_exports_carry(data: &mut Dataset) {
    let used = |f: &FileReport| f.error.is_none() && f.kind != Kind::Unknown;
    let mut carried: BTreeMap<Kind, BTreeSet<&'static str>> = BTreeMap::new();
    for f in data.files.iter().filter(|f| used(f)) {
        carried.entry(f.kind).or_default().extend(f.columns.iter().copied());
    }
    // Not the columns that say a mailbox is soft-deleted or inactive.
    let state = ExoField::STATE.map(ExoField::name);
    // Nor the columns read only to tell what a file or a row is (where a recipient lives; a deleted user's
    // deletedDateTime, which an export of current users may carry, null).
    let probes: Vec<&str> = ExoField::LOCATION.iter().map(|f| f.name()).chain([EntraField::DeletedDateTime.name()]).collect();
    let masks: Vec<u32> = data
        .files
        .iter()
        .map(|f| {
            let (true, Some(spec), Some(all)) = (used(f), Spec::for_kind(f.kind), carried.get(&f.kind)) else { return 0 };
            let exo = f.kind.exo_family().is_some();
            let unmarked = |n: &str| probes.contains(&n) || (exo && state.contains(&n));
            spec.names
                .iter()
                .enumerate()
                .filter(|(_, n)| all.contains(*n) && !f.columns.contains(*n) && !unmarked(n))
                .fold(0, |m, (slot, _)| m | build::slot_bit(slot))
        })
        .collect();
    if masks.iter().all(|m| *m == 0) {
        return;
    }
    fn mark<T: build::HasSrc>(rows: &mut [T], masks: &[u32]) {
        for r in rows {
            if let Some(m) = r.src().and_then(|s| masks.get(s.file as usize)) {
                *r.unreadable_mut() |= m;
            }
        }
    }
    mark(&mut data.ad_users.rows, &masks);
    mark(&mut data.entra_users.rows, &masks);
    for family in &mut data.exo_recipients.families {
        mark(&mut family.rows, &masks);
    }
    mark(&mut data.statistics.rows, &masks);
    for (f, m) in data.files.iter_mut().zip(&masks).filter(|(_, m)| **m != 0) {
        let spec = Spec::for_kind(f.kind).map(|s| s.names.as_slice()).unwrap_or_default();
        let missing: Vec<&str> = spec.iter().enumerate().filter(|(slot, _)| m & build::slot_bit(*slot) != 0).map(|(_, n)| *n).collect();
        f.unreadable_values += f.rows;
        f.warnings.push(format!(
            "{} not in this file although another {} export carries {}: unknown on its rows, not empty — the checks that need {} are not evaluated on their identities (findings.json: partly_evaluated)",
            missing.join(", "),
            f.kind.as_str(),
            if missing.len() == 1 { "it" } else { "them" },
            if missing.len() == 1 { "it" } else { "them" }
        ));
    }
}

/// Graph pages of one kind that each announce a next page (`@odata.nextLink`) and none that ends the
/// list: the last page is not in the folder, and the people on it would be missing from the audit.
fn flag_missing_last_page(data: &mut Dataset) {
    let kinds: BTreeSet<Kind> = data.files.iter().filter(|f| f.next_page && f.error.is_none()).map(|f| f.kind).collect();
    for kind in kinds {
        let pages = || data.files.iter().filter(|f| f.kind == kind && f.error.is_none() && f.format == Format::Json);
        if pages().any(|f| !f.next_page) {
            continue;
        }
        let names: Vec<String> = pages().map(|f| f.path.clone()).collect();
        if let Some(first) = data.files.iter_mut().find(|f| f.kind == kind && f.error.is_none() && f.next_page) {
            first.error = Some(FileError {
                line: None,
                column: None,
                message: format!(
                    "{}: pages are missing, and the people on them would be missing from the audit",
                    if names.len() == 1 {
                        "this Graph page announces a next page (@odata.nextLink) and no page in the folder is the last".to_string()
                    } else {
                        format!("these {} Graph pages ({}) each announce a next page (@odata.nextLink) and none is the last", names.len(), names.join(", "))
                    }
                ),
                hint: "export every page (Get-MgUser -All …, or follow @odata.nextLink to the page without one) into the folder".into(),
            });
        }
    }
}

/// `Get-MgUser -All` without `-Property` returns Graph's default property set (id, displayName, mail,
/// userPrincipalName …), and the SDK's objects still write every other property, as null or `[]`: the
/// columns are there, their data is not. `accountEnabled` is true or false for every user whose export
/// selected it, so a file where it is empty in every row is such an export: only its default
/// properties count (else every user would read as cloud-only, unlicensed, with no usage location).
fn flag_default_property_sets(data: &mut Dataset) {
    use crate::model::EntraField as E;
    let mut enabled_rows = vec![0u64; data.files.len()];
    for u in data.entra_users.rows.iter().filter(|u| u.account_enabled.is_some()) {
        if let Some(src) = u.src {
            enabled_rows[src.file as usize] += 1;
        }
    }
    const DEFAULT: [E; 4] = [E::Id, E::UserPrincipalName, E::DisplayName, E::Mail];
    for (file, report) in data.files.iter_mut().enumerate() {
        if report.kind != Kind::EntraUsers || report.rows == 0 || report.error.is_some() || !report.columns.contains(&E::AccountEnabled.name()) || enabled_rows[file] > 0 {
            continue;
        }
        let (kept, dropped): (Vec<&'static str>, Vec<&'static str>) = report.columns.iter().partition(|c| DEFAULT.iter().any(|d| d.name() == **c));
        report.columns = kept;
        report.missing_fields.extend(dropped.iter().map(|c| c.to_string()));
        report.warnings.push(format!(
            "accountEnabled is empty in every row: this is Get-MgUser's default property set, which leaves {} unexported (null) — export again with Get-MgUser -All -Property id,userPrincipalName,onPremisesImmutableId,accountEnabled,usageLocation,userType,assignedLicenses,assignedPlans,licenseAssignmentStates,onPremisesProvisioningErrors,proxyAddresses,mail",
            dropped.join(", ")
        ));
    }
}

/// Two files of one kind that hold the same objects are two exports of one directory (a re-run, a copy,
/// or one export in two formats): every such object would be joined twice — ambiguous links, duplicate
/// addresses, findings about an artefact of the folder. Both files are read (dropping one is the user's
/// call), and each later file is told which earlier one it repeats. One file that holds an object twice
/// (rows pasted twice, two exports concatenated) is damaged: an error on its second line, so the run stops
/// (no export cmdlet writes an object twice). The tables are scanned side by side.
fn flag_repeated_objects(data: &mut Dataset) {
    // An EXO object is its Guid, as the join keys it (ExternalDirectoryObjectId is shared by a user's
    // active and soft-deleted mailboxes).
    let exo = &data.exo_recipients.families;
    let ((ad, entra), exo) = rayon::join(
        || rayon::join(|| repeated(data.ad_users.rows.iter().map(|u| (u.object_guid, u.src)), "objectGUID"), || repeated(data.entra_users.rows.iter().map(|u| (u.id, u.src)), "id")),
        || {
            use rayon::prelude::*;
            exo.par_iter().map(|family| repeated(family.rows.iter().map(|r| (r.guid, r.src)), "Guid")).collect::<Vec<_>>()
        },
    );
    for (repeats, twice) in [ad, entra].into_iter().chain(exo) {
        for Repeat { later, earlier, count, key, example } in repeats {
            let Some(first) = data.files.get(earlier as usize).map(|f| f.path.clone()) else { continue };
            if let Some(file) = data.files.get_mut(later as usize) {
                file.repeats.get_or_insert_with(|| first.clone());
                file.warnings.push(format!(
                    "{} also in {first} (same {key}, e.g. {example}): two exports of one directory, each such object counted twice (ambiguous links, duplicate addresses); audit with one of them (move the other out of the folder)",
                    counted(count as u64, "object is", "objects are")
                ));
            }
        }
        for Twice { file, count, key, example, lines: (first, second) } in twice {
            if let Some(report) = data.files.get_mut(file as usize) {
                let more = if count > 1 { format!(", and {} more", count - 1) } else { String::new() };
                report.error.get_or_insert(FileError {
                    line: Some(second as u64),
                    column: Some(key.to_string()),
                    message: format!("holds the object with {key} {example} twice (lines {first} and {second}){more}: rows pasted twice or two exports concatenated, each such object would be counted twice"),
                    hint: "export it again into a file of its own (one run, one file), or remove the repeated rows".into(),
                });
            }
        }
    }
}

/// The keys `keys` holds more than once — and a few it holds once, whose bit another key shares: callers
/// confirm on the keys themselves. One bit per key (4 MiB, most of it in cache) marks the keys met before;
/// the second of a key always finds its mark. Where most keys are met once this is far cheaper than a hash
/// map or a sort of every key. `hash`: the key's bits, spread over the table by a multiply.
pub(crate) fn met_twice<K: Eq + std::hash::Hash>(keys: impl Iterator<Item = K>, hash: impl Fn(&K) -> u64) -> rustc_hash::FxHashSet<K> {
    const BITS_LOG2: u32 = 25;
    let mut seen = vec![0u64; (1 << BITS_LOG2) / 64];
    let mut twice: rustc_hash::FxHashSet<K> = Default::default();
    for key in keys {
        let i = (hash(&key).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BITS_LOG2)) as usize;
        let (word, mask) = (&mut seen[i / 64], 1u64 << (i % 64));
        if *word & mask != 0 {
            twice.insert(key);
        }
        *word |= mask;
    }
    twice
}

/// Objects of a later file that an earlier file of the same table already holds.
struct Repeat {
    later: u32,
    earlier: u32,
    count: usize,
    key: &'static str,
    example: Guid,
}

/// Objects one file holds twice: how many, and the first with its two lines.
struct Twice {
    file: u32,
    count: usize,
    key: &'static str,
    example: Guid,
    lines: (u32, u32),
}

/// The repeats among objects keyed by `key`: per pair of files, and within each file.
///
/// Two passes, as keys seen twice are rare: [`met_twice`] finds the candidates, then only the candidates'
/// first sightings are kept. One hash map of every key took
/// 0.16-0.19 s of the ingest at 800k identities (its inserts miss the cache); this takes 0.07-0.08 s
/// (the benchmark's tenant, `child-ingest`, 3 runs each, timed around `flag_repeated_objects`).
fn repeated(objects: impl Iterator<Item = (Option<Guid>, Option<Src>)> + Clone, key: &'static str) -> (Vec<Repeat>, Vec<Twice>) {
    let candidates = met_twice(objects.clone().filter_map(|(guid, _)| guid), |g| {
        let (lo, hi) = g.0.split_at(8);
        u64::from_le_bytes(lo.try_into().unwrap_or_default()) ^ u64::from_le_bytes(hi.try_into().unwrap_or_default()).rotate_left(29)
    });
    if candidates.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut first_seen: rustc_hash::FxHashMap<Guid, Src> = Default::default();
    let mut pairs: std::collections::BTreeMap<(u32, u32), (usize, Guid)> = Default::default();
    let mut twice: std::collections::BTreeMap<u32, (usize, Guid, (u32, u32))> = Default::default();
    for (guid, src) in objects {
        let (Some(guid), Some(src)) = (guid, src) else { continue };
        if !candidates.contains(&guid) {
            continue;
        }
        let first = *first_seen.entry(guid).or_insert(src);
        if first.file != src.file {
            pairs.entry((src.file, first.file)).or_insert((0, guid)).0 += 1;
        } else if first.line != src.line {
            twice.entry(src.file).or_insert((0, guid, (first.line, src.line))).0 += 1;
        }
    }
    (
        pairs.into_iter().map(|((later, earlier), (count, example))| Repeat { later, earlier, count, key, example }).collect(),
        twice.into_iter().map(|(file, (count, example, lines))| Twice { file, count, key, example, lines }).collect(),
    )
}

/// A table too big for its text offsets: its files are reported, none of their rows are used.
fn mark_too_large(files: &mut [FileReport], table: &Table) {
    for file in table.files() {
        if let Some(report) = files.get_mut(file as usize) {
            report.error = Some(FileError {
                line: None,
                column: None,
                message: "the exports of this kind hold more than 4 GiB of text together, more than one run can keep".into(),
                hint: "split the tenant (e.g. by OU or domain) and audit each part".into(),
            });
            report.rows = 0;
        }
    }
}

/// Where a file's rows went: a range of one table instance.
pub(crate) struct Part {
    table_id: u32,
    start: usize,
    end: usize,
}

/// The tables being filled, one per type, handed to one file at a time so that the files of one kind
/// land in one table without a copy. A file that finds its type's table in use starts another
/// instance; instances are merged at the end.
#[derive(Default)]
pub(crate) struct Pool {
    slots: [std::sync::Mutex<Option<(u32, Table)>>; 8],
    spare: std::sync::Mutex<Vec<(u32, Table)>>,
    next_id: std::sync::atomic::AtomicU32,
}

impl Pool {
    fn slot(kind: Kind) -> Option<usize> {
        Some(match kind {
            Kind::AdUsers => 0,
            Kind::EntraUsers => 1,
            Kind::EntraSkus => 2,
            Kind::ExoMailboxes => 3,
            Kind::ExoUsers => 4,
            Kind::ExoMailusers => 5,
            Kind::ExoRecipients => 6,
            Kind::ExoStatistics => 7,
            Kind::Unknown => return None,
        })
    }

    fn take(&self, kind: Kind) -> Option<(u32, Table)> {
        let slot = Pool::slot(kind)?;
        if let Some(taken) = self.slots[slot].lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Some(taken);
        }
        Some((self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed), Table::new(kind)?))
    }

    fn give_back(&self, kind: Kind, id: u32, table: Table) {
        let Some(slot) = Pool::slot(kind) else { return };
        let mut guard = self.slots[slot].lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some((id, table));
        } else {
            drop(guard);
            self.spare.lock().unwrap_or_else(|e| e.into_inner()).push((id, table));
        }
    }

    fn into_instances(self) -> Vec<(u32, Table)> {
        let mut all = self.spare.into_inner().unwrap_or_else(|e| e.into_inner());
        for slot in self.slots {
            all.extend(slot.into_inner().unwrap_or_else(|e| e.into_inner()));
        }
        all
    }
}

/// What the readers need besides the file: the user's options and the tables being filled.
pub(crate) struct Ctx<'a> {
    pub options: &'a Options,
    pool: &'a Pool,
}

/// Every file under `dir` (recursively, following links) the ingest reads, with its size; folders in
/// `skip` are left out. What is found and not read goes to `passed_over` with the reason (each is noted
/// in the run's output, never dropped unseen): hidden files, Office lock files, links to nothing, and
/// anything that is not a regular file (a link to `/dev/zero` was read for ever).
pub(crate) fn walk(dir: &Path, skip: &[PathBuf], out: &mut Vec<(PathBuf, u64)>, passed_over: &mut Vec<(PathBuf, &'static str)>) -> std::io::Result<()> {
    let mut seen = std::collections::HashSet::new();
    if let Ok(real) = std::fs::canonicalize(dir) {
        seen.insert(real);
    }
    walk_in(dir, skip, &mut seen, out, passed_over)
}

fn walk_in(dir: &Path, skip: &[PathBuf], seen: &mut std::collections::HashSet<PathBuf>, out: &mut Vec<(PathBuf, u64)>, passed_over: &mut Vec<(PathBuf, &'static str)>) -> std::io::Result<()> {
    // A previous run's outputs here are passed over with one note for the folder; anything else in it
    // (exports someone keeps beside the reports) is read as usual.
    let reports_here = is_report_folder(dir);
    if reports_here {
        passed_over.push((dir.to_path_buf(), "a previous run's reports (findings.json written by hybrid-audit, audit.xlsx, report.html, findings.csv, remediation.ps1): not read as input — anything else in the folder is"));
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let link = entry.file_type()?.is_symlink();
        // A link is what it names.
        let meta = match if link { std::fs::metadata(&path) } else { entry.metadata() } {
            Ok(meta) => meta,
            Err(_) if link => {
                passed_over.push((path, "a link to nothing (its target is missing, or links lead in a loop): not read — copy the export itself into the folder"));
                continue;
            }
            Err(e) => return Err(e),
        };
        if meta.is_dir() {
            let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if skip.contains(&real) {
                continue;
            }
            // A folder reached twice (a link back up the tree) is read once.
            if seen.insert(real) {
                walk_in(&path, skip, seen, out, passed_over)?;
            }
            continue;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !meta.is_file() {
            passed_over.push((path, "not a regular file (a device, pipe or socket): not read"));
        } else if name.starts_with("~$") {
            passed_over.push((path, "an Office lock file (~$…), left while a workbook is open: not an export"));
        } else if name.starts_with('.') {
            passed_over.push((path, "a hidden file (its name starts with '.'): not read — rename it if it is an export"));
        } else if reports_here && crate::report::OUTPUTS.contains(&name.as_ref()) {
            // Said once, with the folder.
        } else {
            out.push((path, meta.len()));
        }
    }
    Ok(())
}

/// The newest date the exports hold: when an AD user, an Entra user or a mailbox was created, a plan
/// assigned, a license state changed, a mailbox soft-deleted — the latest of them is shortly before the
/// exports were taken. (seconds, the field's
/// name, the row's source.)
pub fn newest_date(data: &Dataset) -> Option<(i64, &'static str, Src)> {
    let mut newest: Option<(i64, &'static str, Src)> = None;
    let mut see = |at: crate::values::Opt64, field: &'static str, src: Option<Src>| {
        if let (Some(at), Some(src)) = (at.get(), src) {
            if newest.is_none_or(|(n, _, _)| at > n) {
                newest = Some((at, field, src));
            }
        }
    };
    for u in data.ad_users.iter() {
        see(u.when_created, AdField::WhenCreated.name(), u.src);
    }
    for u in data.entra_users.iter() {
        see(u.created, EntraField::CreatedDateTime.name(), u.src);
        for p in u.assigned_plans.iter() {
            see(p.assigned, "assignedPlans.assignedDateTime", u.src);
        }
        for l in u.license_states.iter() {
            see(l.updated, "licenseAssignmentStates.lastUpdatedDateTime", u.src);
        }
    }
    for (_, m) in data.exo_recipients.iter() {
        see(m.when_mailbox_created, ExoField::WhenMailboxCreated.name(), m.src);
        see(m.when_soft_deleted, ExoField::WhenSoftDeleted.name(), m.src);
    }
    newest
}

/// Deadlines and ages count from `--as-of`. One more than a day before the newest date the exports hold
/// (a mistyped year) puts every deadline in the wrong place; today's date by default (`given` false),
/// months after the exports were taken, makes every grace period look long past. Either is said with the
/// file that holds that date: (its index, the warning).
pub fn as_of_doubt(data: &Dataset, as_of: hybrid_audit_sdk::Date, given: bool) -> Option<(usize, String)> {
    const DAY: i64 = 86_400;
    let (at, field, src) = newest_date(data)?;
    let day = |t: i64| crate::values::format_date(t);
    let start = i64::from(as_of.0) * DAY;
    let why = if at >= start + 2 * DAY {
        format!(
            "its {field} at line {} ({}) is after --as-of {as_of}: deadlines and ages count from a day before the exports' own \
             dates (a mistyped year?) — give the date the exports were taken (--as-of YYYY-MM-DD)",
            src.line,
            day(at)
        )
    } else if !given && start - at > 60 * DAY {
        format!(
            "the newest date in the exports, its {field} at line {} ({}), is {} days before today, the default --as-of: if the exports \
             were taken then, deadlines count from the wrong day (grace periods look long past) — give the date they were taken \
             (--as-of YYYY-MM-DD)",
            src.line,
            day(at),
            as_of.0 - hybrid_audit_sdk::Timestamp(at).date().0
        )
    } else {
        return None;
    };
    Some((src.file as usize, why))
}

/// A previous run's `--out` folder inside the exports (`run . --out report`, next month again): its
/// findings.json says it was written by hybrid-audit, and another of the run's outputs is beside it. Read as
/// input, each of its files was a note, and at 800k identities tens of megabytes parsed for nothing (the
/// workbook's Readiness sheet alone 800k rows).
fn is_report_folder(dir: &Path) -> bool {
    use std::io::Read;
    // The outputs but findings.json (the first).
    if !crate::report::OUTPUTS[1..].iter().any(|name| dir.join(name).is_file()) {
        return false;
    }
    let Ok(file) = std::fs::File::open(dir.join("findings.json")) else { return false };
    let mut head = Vec::with_capacity(512);
    if file.take(512).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    let compact: String = head.chars().filter(|c| !c.is_whitespace()).collect();
    compact.starts_with("{\"schema_version\":") && compact.contains("\"tool\":{\"name\":\"hybrid-audit\"")
}

/// What one file (or one sheet of a workbook) gave: its report and, when it was read, where its rows are.
type FilePart = (FileReport, Option<Part>);

/// Reads one file; a workbook gives one part per sheet. Never fails: problems go in the report.
fn read_file(root: &Path, path: &Path, bytes: u64, ctx: &Ctx<'_>) -> Vec<FilePart> {
    let rel = path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/");
    let mut report = FileReport::new(rel, bytes);
    if bytes == 0 {
        report.reason = Some("the file is empty (0 bytes): the export wrote nothing; run it again and check it printed no error".into());
        return vec![(report, None)];
    }
    let head = match decode::sniff(path) {
        Ok(h) => h,
        Err(e) => {
            report.error = Some(FileError { line: None, column: None, message: format!("cannot open: {e}"), hint: "check the file's permissions".into() });
            return vec![(report, None)];
        }
    };
    if head.is_zip() {
        return xlsx_format::read(path, report, ctx);
    }
    if head.bytes.starts_with(&[0x1f, 0x8b]) {
        report.damaged = true;
        report.error = Some(FileError { line: None, column: None, message: "a gzip-compressed file: exports inside an archive are not read".into(), hint: "extract it into the folder (gunzip, or 7-Zip on Windows), then run again".into() });
        return vec![(report, None)];
    }
    report.encoding = head.encoding_name().to_string();
    // Windows PowerShell's `>` of an empty result writes a byte-order mark and a line break, no more.
    if bytes <= 16 && head.text().trim().is_empty() {
        report.reason = Some("the file is empty (a byte-order mark or blank lines only): the export wrote nothing; run it again and check it printed no error".into());
        return vec![(report, None)];
    }
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let format = head.guess_format();
    let damaged = damaged_text(&head.bytes[..head.bytes.len().min(4096)]);
    if extension.eq_ignore_ascii_case("json") && format != Format::Json && damaged.is_none() {
        // Read as CSV, a .json file with a `//` comment or a PowerShell banner before its data would be
        // "no known export" and the audit would run without it.
        let first = head.text().trim_start().lines().next().unwrap_or("").chars().take(60).collect::<String>();
        report.damaged = true;
        report.error = Some(FileError {
            line: Some(1),
            column: None,
            message: format!("named .json, but its text does not start with `{{` or `[` (it starts {first:?}): JSON allows no comments or text before the data"),
            hint: "export it again with only ConvertTo-Json's output in the file (`... | ConvertTo-Json -Depth 6 | Set-Content -Encoding UTF8 file.json`), or move the file out of the folder if it is no export".into(),
        });
        return vec![(report, None)];
    }
    let result = match format {
        Format::Json => json_format::read(path, &head, &mut report, ctx),
        Format::Ldif => ldif_format::read(path, &head, &mut report, ctx),
        Format::Csv => csv_format::read(path, &head, &mut report, ctx),
        Format::Xlsx | Format::Unknown => {
            // Only a file named as an export (.csv, .json, .ldf …) is taken for a damaged one.
            let named = ["csv", "tsv", "json", "ldf", "ldif"].iter().any(|x| extension.eq_ignore_ascii_case(x));
            match damaged.filter(|_| named) {
                Some(error) => {
                    report.damaged = true;
                    Err(error)
                }
                None => {
                    report.reason = Some("not a text export (binary content that is not an .xlsx workbook)".into());
                    Ok(None)
                }
            }
        }
    };
    match result {
        Ok(table) => vec![(report, table)],
        Err(e) => {
            // JSON or LDIF that fails before its first record says what it is: damaged (cut off, `NaN`,
            // a number out of range), not "no export" — the audit must not run without it. (A CSV whose
            // header cannot be read may be any text file beside the exports: it is only noted.)
            report.damaged |= matches!(format, Format::Json | Format::Ldif);
            report.error = Some(e);
            report.rows = 0;
            vec![(report, None)]
        }
    }
}

/// A few NUL bytes in otherwise readable text are damage (a bad copy, a disk error) in what is likely an
/// export, not a binary file: an error with the first one's line, so `run` stops on it.
fn damaged_text(head: &[u8]) -> Option<FileError> {
    let nuls = head.iter().filter(|&&b| b == 0).count();
    let printable = head.iter().filter(|&&b| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80).count();
    let first = head.iter().position(|&b| b == 0)?;
    (nuls <= 8 && printable + nuls == head.len()).then(|| FileError {
        line: Some(head[..first].iter().filter(|&&b| b == b'\n').count() as u64 + 1),
        column: None,
        message: format!("text with {} in it: the file is damaged (a bad copy or a disk error)", if nuls == 1 { "a NUL byte".to_string() } else { format!("{nuls} NUL bytes") }),
        hint: "export it again".into(),
    })
}

/// Shared by the format readers: decides the kind from the header, types each record, and fills the
/// report when the file is done.
pub(crate) struct Builder<'a> {
    pub kind: Kind,
    pub spec: Option<&'static Spec>,
    /// The table instance this file appends to (taken from the pool), and where its rows start.
    table: Option<(u32, Table)>,
    start: usize,
    text_start: usize,
    collector: Option<Collector>,
    /// Header position → slot, for CSV/.xlsx.
    pub column_slots: Vec<Option<usize>>,
    /// The header's own names, by position (a lost column's advice depends on which alias it was).
    header_names: Vec<String>,
    /// Slots the file carries (a header column or a key seen in any record).
    pub present: Vec<bool>,
    rows: u64,
    /// Records with no value in any field read (a note beside the table, a row of unread columns, `{}`):
    /// how many, and the first's line. Not records — an object with nothing to join or check by — but
    /// said, not dropped unsaid.
    valueless: Option<(u64, u64)>,
    /// Exchange exports: where their recipients live (an on-premises organization's are no Exchange
    /// Online recipients).
    whereabouts: Option<Whereabouts>,
    pool: &'a Pool,
}

/// What an Exchange export's `DistinguishedName` / `OrganizationalUnit` say about where its recipients
/// live. Exchange Online keeps every tenant's objects under `Microsoft Exchange Hosted Organizations`
/// (`CN=alice,OU=contoso.onmicrosoft.com,OU=Microsoft Exchange Hosted Organizations,DC=EURPR05A003,DC=PROD,
/// DC=OUTLOOK,DC=COM`); the Exchange Management Shell's `Get-Mailbox` lists the on-premises forest's
/// (`CN=Alice,OU=Staff,DC=contoso,DC=com`), whose same people, read as cloud recipients, would be
/// duplicate addresses, mailboxes twice and holds nobody has in Exchange Online.
struct Whereabouts {
    /// DistinguishedName's slot, OrganizationalUnit's.
    slots: [usize; 2],
    /// A value under Microsoft Exchange Hosted Organizations was seen: an Exchange Online export.
    hosted: bool,
    /// The first value elsewhere: (line, column, value).
    elsewhere: Option<(u64, &'static str, String)>,
}

impl Whereabouts {
    const HOSTED: &'static str = "microsoft exchange hosted organizations";

    /// For an Exchange export that has (or, as JSON and LDIF, may have) one of the columns.
    fn for_file(kind: Kind, spec: &Spec, format: Format, column_slots: &[Option<usize>]) -> Option<Whereabouts> {
        kind.exo_family()?;
        let slot = |f: ExoField| spec.names.iter().position(|n| *n == f.name());
        let slots = [slot(ExoField::LOCATION[0])?, slot(ExoField::LOCATION[1])?];
        let keys_as_they_come = matches!(format, Format::Json | Format::Ldif);
        (keys_as_they_come || slots.iter().any(|s| column_slots.contains(&Some(*s)))).then_some(Whereabouts { slots, hosted: false, elsewhere: None })
    }

    fn see(&mut self, row: &Row<'_>, line: u64, spec: &Spec) {
        for slot in self.slots {
            let Some(text) = row.get(slot).and_then(Option::as_ref).and_then(|c| c.items().first()).and_then(Cell::as_text).map(str::trim) else { continue };
            if text.is_empty() {
                continue;
            }
            if contains_ignoring_case(text, Self::HOSTED) {
                self.hosted = true;
                return;
            }
            // Only a value shaped as the column's is evidence: a distinguished name (in a domain: `DC=`),
            // an organizational unit's canonical name (`contoso.com/Staff`). Anything else says nothing.
            let shaped = if slot == self.slots[0] { contains_ignoring_case(text, "dc=") } else { text.contains('/') };
            if shaped && self.elsewhere.is_none() {
                self.elsewhere = Some((line, spec.names[slot], text.chars().take(120).collect()));
            }
        }
    }
}

/// A file the audit does not use (kind unknown), with the reason.
fn not_used(report: &mut FileReport, why: String) -> Option<Part> {
    report.kind = Kind::Unknown;
    report.reason = Some(why);
    None
}

fn contains_ignoring_case(text: &str, lower: &str) -> bool {
    text.len() >= lower.len() && text.as_bytes().windows(lower.len()).any(|w| w.eq_ignore_ascii_case(lower.as_bytes()))
}

impl Drop for Builder<'_> {
    /// A file that fails half-way takes its rows back out and returns the table to the pool.
    fn drop(&mut self) {
        if let Some((id, mut table)) = self.table.take() {
            table.truncate(self.start, self.text_start);
            self.pool.give_back(self.kind, id, table);
        }
    }
}

impl<'a> Builder<'a> {
    pub fn from_headers(headers: Vec<String>, report: &mut FileReport, ctx: &Ctx<'a>) -> Builder<'a> {
        let kind = match detect::detect(&headers) {
            Ok(kind) => kind,
            Err(reason) => {
                report.reason = Some(reason);
                Kind::Unknown
            }
        };
        Builder::with_kind(kind, headers, report, ctx)
    }

    pub fn with_kind(kind: Kind, headers: Vec<String>, report: &mut FileReport, ctx: &Ctx<'a>) -> Builder<'a> {
        report.kind = kind;
        let spec = Spec::for_kind(kind);
        let column_slots = match spec {
            Some(spec) => spec.column_map(&headers),
            None => vec![None; headers.len()],
        };
        // The header's fields; readers that see keys as they go (JSON, LDIF) add to it with `mark_present`.
        let present: Vec<bool> = spec.map(|spec| (0..spec.len()).map(|slot| column_slots.contains(&Some(slot))).collect()).unwrap_or_default();
        let table = ctx.pool.take(kind);
        let (start, text_start) = table.as_ref().map(|(_, t)| (t.len(), t.text_len())).unwrap_or((0, 0));
        let whereabouts = spec.and_then(|spec| Whereabouts::for_file(kind, spec, report.format, &column_slots));
        Builder { kind, spec, table, start, text_start, collector: spec.map(Collector::new), column_slots, header_names: headers, present, rows: 0, valueless: None, whereabouts, pool: ctx.pool }
    }

    pub fn is_known(&self) -> bool {
        self.table.is_some()
    }

    /// Why this Exchange export is an on-premises organization's, not Exchange Online's: its recipients
    /// live in the on-premises forest (none under Microsoft Exchange Hosted Organizations), or some are of
    /// a type only on-premises Exchange has (RemoteUserMailbox …: Exchange Online lists those people as
    /// MailUsers). None when it is Exchange Online's, or nothing in it tells.
    fn on_premises_exchange(&self) -> Option<String> {
        if self.whereabouts.as_ref().is_some_and(|w| w.hosted) {
            return None;
        }
        let evidence = match self.whereabouts.as_ref().and_then(|w| w.elsewhere.as_ref()) {
            Some((line, column, value)) => format!("its {column} at line {line} is {value:?}, in the on-premises forest (Exchange Online's are all under \"Microsoft Exchange Hosted Organizations\")"),
            None => {
                let c = self.collector.as_ref()?;
                let (line, remote) = c.first_remote_type?;
                let (_, Table::Exo(all, _)) = self.table.as_ref()? else { return None };
                format!(
                    "{} of a type only on-premises Exchange has (first at line {line}: {}): Exchange Online lists those people as MailUsers",
                    counted(c.remote_types, "recipient is", "recipients are"),
                    remote.name(&all.texts)
                )
            }
        };
        Some(format!(
            "an export of the on-premises Exchange organization (Exchange Management Shell), not of Exchange Online: {evidence}. Read as \
             cloud recipients, its people would count twice (duplicate addresses, second mailboxes). The audit reads the on-premises side from \
             the AD export (msExch* attributes); Exchange Online's exports are made after Connect-ExchangeOnline (Get-EXOMailbox …, Get-User, \
             Get-MailUser)"
        ))
    }

    /// Records the table does not take, counted as the file was read (AD objects that are not users,
    /// subscribed SKUs without an id, deleted Entra users): the reason when they were all the file held, and the warning otherwise.
    fn records_left_out(&self) -> Option<(String, String)> {
        let c = self.collector.as_ref()?;
        if !c.not_users.is_empty() {
            let list = c.not_users.iter().map(|(class, n)| format!("{n} {class}")).collect::<Vec<_>>().join(", ");
            return Some((
                // A groups or contacts export with AD's columns: nobody to audit in it.
                format!("an AD export without user objects ({list}): the audit reads user accounts"),
                format!("objects that are not users were not read: {list} (the export took every object; Get-ADUser, or csvde -r \"(&(objectCategory=person)(objectClass=user))\", takes users only)"),
            ));
        }
        if c.skus_without_id > 0 {
            let rows = counted(c.skus_without_id, "SKU record", "SKU records");
            return Some((
                format!("{rows} without a skuId: nothing names the SKUs — export them again with Get-MgSubscribedSku -All | ConvertTo-Json -Depth 5"),
                format!("{rows} without a skuId not read (the id names the SKU)"),
            ));
        }
        (c.deleted_users > 0).then(|| {
            let deleted = counted(c.deleted_users, "deleted user", "deleted users");
            (
                format!("{deleted} (deletedDateTime set: Graph's deleted items, or Get-MsolUser -ReturnDeletedUsers): the audit joins the directory's current users — export them with Get-MgUser -All"),
                format!("{deleted} (deletedDateTime set) not read: the audit joins the directory's current users"),
            )
        })
    }

    /// The error for a header that names a column the tool reads twice (`line`: the header's).
    pub fn duplicate_column(&self, headers: &[String], line: u64) -> Option<FileError> {
        let (i, j) = self.spec?.duplicated(headers)?;
        Some(FileError {
            line: Some(line),
            column: Some(headers[j].clone()),
            message: format!("the header names column {:?} twice (columns {} and {}{}): which one holds the data is unknown", headers[i], i + 1, j + 1, if headers[i] == headers[j] { String::new() } else { format!(", as {:?}", headers[j]) }),
            hint: "export it again with each property once (PowerShell's Select-Object refuses a duplicate name: the header was edited by hand or in Excel), or delete the wrong column".into(),
        })
    }

    /// Once, early in a big file: reserves room for the rows and text still to come, estimated from
    /// the bytes read so far, so the table does not grow by doubling (which briefly holds it twice).
    pub fn reserve_ahead(&mut self, bytes_read: u64, bytes_total: u64) {
        const SAMPLE_ROWS: u64 = 2000;
        if self.rows != SAMPLE_ROWS || bytes_read == 0 || bytes_total <= bytes_read {
            return;
        }
        // The sample's text per row varies more than its bytes per row: text gets the wider margin.
        // Room never written to is never touched, so it costs address space, not memory.
        let scale = bytes_total as f64 / bytes_read as f64;
        let ahead = |so_far: usize, margin: f64| (so_far as f64 * (scale * margin - 1.0)) as usize;
        if let (Some((_, table)), Some(c)) = (&mut self.table, &mut self.collector) {
            let text_so_far = table.text_len() - self.text_start;
            table.reserve(ahead(self.rows as usize, 1.03), ahead(text_so_far, 1.08));
            c.pending_dates.reserve_exact(ahead(c.pending_dates.len(), 1.05));
        }
    }

    /// An AD object the reader knows is no user without a row (an LDIF entry without classes or name):
    /// counted with those `Table::push` turns away.
    pub fn not_a_user(&mut self, class: &str) {
        if let Some(c) = &mut self.collector {
            *c.not_users.entry(class.to_string()).or_default() += 1;
        }
    }

    pub fn push(&mut self, row: &Row<'_>, line: u64) {
        if row.iter().all(Option::is_none) {
            self.valueless.get_or_insert((0, line)).0 += 1;
            return;
        }
        if let (Some(w), Some(spec)) = (&mut self.whereabouts, self.spec) {
            if !w.hosted {
                w.see(row, line, spec);
            }
        }
        if let (Some((_, table)), Some(c)) = (&mut self.table, &mut self.collector) {
            if table.push(c, row, Src { file: 0, line: line.min(u32::MAX as u64) as u32 }, self.kind) {
                self.rows += 1;
            }
        }
    }

    /// Settles dates, records lost columns and warnings. `extra_lost` holds columns no table field reads.
    pub fn finish(mut self, report: &mut FileReport, ctx: &Ctx<'_>, extra_lost: Vec<(String, u64)>) -> Option<Part> {
        report.rows = self.rows;
        if let Some((n, first)) = self.valueless {
            let at = if report.format == Format::Xlsx { "row" } else { "line" };
            let what = match report.format {
                Format::Json => "field",
                Format::Ldif => "attribute",
                _ => "column",
            };
            report.warnings.push(format!(
                "{} no value in any {what} this export is read from (first at {at} {first}): not read as {}",
                counted(n, "record has", "records have"),
                if n == 1 { "an object" } else { "objects" }
            ));
        }
        let options = ctx.options;
        if let Some((none_read, warning)) = self.records_left_out() {
            if self.rows == 0 {
                return not_used(report, none_read);
            }
            report.warnings.push(warning);
        }
        if let Some(why) = self.on_premises_exchange() {
            // Its rows go back out of the table (as a file that fails half-way, on drop).
            return not_used(report, why);
        }
        let (Some((table_id, mut table)), Some(mut c)) = (self.table.take(), self.collector.take()) else { return None };
        // Counted as the rows were stored; handed over only now, with the rows kept (a file that fails
        // part-way has its rows taken out again, and never gets here).
        report.routing_domains = std::mem::take(&mut c.routing);
        report.missing_fields = missing_fields(self.kind, c.spec, &self.present);
        report.columns = c.spec.names.iter().zip(&self.present).filter(|(_, p)| **p).map(|(n, _)| *n).collect();
        let range = self.start..table.len();
        let names = &c.spec.names;
        match c.settle_date_order(options.date_order) {
            Ok(order) => {
                report.date_order = if c.pending_dates.is_empty() && c.forced_orders == [0, 0] { None } else { order };
                let unresolved = table.settle_dates(&c.pending_dates, order);
                if unresolved > 0 && order.is_none() {
                    let mut cols: Vec<String> = c.pending_dates.iter().map(|(_, slot, _)| names[*slot].to_string()).collect();
                    cols.sort();
                    cols.dedup();
                    report.warnings.push(format!(
                        "{} in {} {} ambiguous (no day or month above 12 in this file settles the order): \
                         the checks that need them are not evaluated — pass --date-order month-first (en-US) or day-first",
                        counted(unresolved, "date", "dates"),
                        cols.join(", "),
                        if unresolved == 1 { "is" } else { "are" }
                    ));
                    report.unresolved_dates = cols;
                } else if unresolved > 0 {
                    report.warnings.push(format!(
                        "{} not valid in the {:?} order: unknown on {}, not empty — the checks that need it are not evaluated on {} (findings.json: partly_evaluated)",
                        counted(unresolved, "date is", "dates are"),
                        order,
                        if unresolved == 1 { "that row" } else { "those rows" },
                        if unresolved == 1 { "its identity" } else { "their identities" }
                    ));
                    report.unreadable_values += unresolved;
                }
            }
            Err(conflict) => {
                let mut cols: Vec<String> = c.pending_dates.iter().map(|(_, slot, _)| names[*slot].to_string()).collect();
                cols.sort();
                cols.dedup();
                report.warnings.push(format!("{conflict}: culture dates in {} are not used", cols.join(", ")));
                report.unresolved_dates = cols;
            }
        }
        for (slot, issue) in &c.issues {
            let column = names[*slot];
            if issue.lost_rows > 0 {
                let header = self.column_slots.iter().position(|s| *s == Some(*slot)).and_then(|i| self.header_names.get(i));
                let fix = fix_for(report.format, header.map_or(column, String::as_str));
                // Unknown on those rows (each is marked): the per-identity pass lists what that leaves unevaluated.
                report.unreadable_values += issue.lost_rows;
                report.warnings.push(format!(
                    "{} of {column} PowerShell wrote as a .NET type name, flattened or cut short (`...`): unknown on {}, not empty — re-export with {fix}",
                    counted(issue.lost_rows, "value", "values"),
                    if issue.lost_rows == 1 { "that row" } else { "those rows" },
                ));
                report.lost_columns.push(LostColumn { column: column.to_string(), rows: issue.lost_rows, used: true, fix, partial: c.readable & build::slot_bit(*slot) != 0 });
            }
            if issue.multi_rows > 0 {
                report.warnings.push(format!(
                    "{} several values in {column}, which holds one (first at line {}): the first value is used",
                    counted(issue.multi_rows, "row carries", "rows carry"),
                    issue.first_multi.unwrap_or(0)
                ));
            }
            if issue.invalid_rows > 0 {
                report.unreadable_values += issue.invalid_rows;
                let (line, value) = issue.first_invalid.clone().unwrap_or_default();
                let one = issue.invalid_rows == 1;
                let consequence = if self.kind == Kind::EntraSkus {
                    // A SKU's only value the reader parses is its id, which names it: the record is not stored.
                    format!("{} not read — export them again with Get-MgSubscribedSku -All | ConvertTo-Json -Depth 5", if one { "that SKU record is" } else { "those SKU records are" })
                } else {
                    format!(
                        "unknown on {}, not empty — the checks that need it are not evaluated on {} (findings.json: partly_evaluated)",
                        if one { "that row" } else { "those rows" },
                        if one { "its identity" } else { "their identities" }
                    )
                };
                report.warnings.push(format!(
                    "{} in {column} could not be read (first at line {line}: {value:?}): {consequence}{}",
                    counted(issue.invalid_rows, "value", "values"),
                    if crate::values::is_rounded_exponent(&value) {
                        ". It is Excel's rounded display of a long number: the file was saved from Excel, which writes what its cells \
                         show — export it again and hand it over unopened (or format the column as Text in Excel before saving)"
                    } else {
                        ""
                    }
                ));
            }
        }
        for (column, rows) in extra_lost {
            if !report.lost_columns.iter().any(|l| crate::ingest::cell::key_eq(&l.column, &column)) {
                report.lost_columns.push(LostColumn { fix: fix_for(report.format, &column), column, rows, used: false, partial: false });
            }
        }
        if c.question_marks > 0 {
            let (line, value) = c.first_question_mark.clone().unwrap_or_default();
            report.warnings.push(format!(
                "{} '?' where a letter should be (first at line {line}: {value:?}): Windows PowerShell 5.1 Export-Csv writes ASCII \
                 by default and replaced every non-ASCII character — re-export with -Encoding UTF8",
                counted(c.question_marks, "name contains", "names contain")
            ));
        }
        if let Table::Exo(all, _) = &table {
            let rows = &all.rows[range.clone()];
            if report.kind == Kind::ExoMailboxes {
                report.soft_deleted = Some(rows.iter().filter(|r| r.state == ExoState::SoftDeleted).count() as u64);
                report.inactive = Some(rows.iter().filter(|r| r.state == ExoState::Inactive).count() as u64);
            }
            // A mailbox-shaped export that also lists mail users is a mixed recipient export.
            if report.kind == Kind::ExoMailboxes || report.kind == Kind::ExoMailusers {
                let texts = &all.texts;
                let mailboxes = rows.iter().filter(|r| r.recipient_type_details.as_ref().is_some_and(|t| t.is_mailbox(texts))).count();
                // A type written as a number the tables do not know is neither (an enum value of a newer
                // Exchange): it does not make a mailbox export a mixed one.
                let others = rows.iter().filter(|r| r.recipient_type_details.as_ref().is_some_and(|t| !t.is_mailbox(texts) && !t.is_remote() && !t.is_unknown_number(texts))).count();
                if mailboxes > 0 && others > 0 {
                    report.kind = Kind::ExoRecipients;
                }
            }
            let kind = report.kind;
            if let Table::Exo(rows, _) = &mut table {
                for r in rows.rows[range.clone()].iter_mut() {
                    r.kind = Some(kind);
                }
            }
        }
        let part = Part { table_id, start: range.start, end: range.end };
        self.pool.give_back(self.kind, table_id, table);
        Some(part)
    }
}

/// The fields a kind of export is expected to carry that this file lacks. Fields another cmdlet
/// supplies (Get-User has no holds) are not listed; of two alternatives (`Enabled` or
/// `userAccountControl`) one is enough.
pub(crate) fn missing_fields(kind: Kind, spec: &Spec, present: &[bool]) -> Vec<String> {
    let expected: &[&str] = match kind {
        Kind::AdUsers => &[
            "objectGUID", "mS-DS-ConsistencyGuid", "userPrincipalName", "sAMAccountName", "mail", "mailNickname", "proxyAddresses", "targetAddress", "Enabled",
            "msExchRecipientTypeDetails", "msExchRemoteRecipientType", "msExchMailboxGuid", "msExchArchiveGUID", "homeMDB", "msExchHomeServerName",
        ],
        Kind::EntraUsers => &["id", "userPrincipalName", "onPremisesImmutableId", "accountEnabled", "mail", "proxyAddresses", "usageLocation", "assignedLicenses"],
        Kind::EntraSkus => &["skuId", "skuPartNumber", "servicePlans"],
        Kind::ExoMailboxes => &[
            "ExternalDirectoryObjectId", "UserPrincipalName", "EmailAddresses", "PrimarySmtpAddress", "RecipientTypeDetails", "Guid", "ExchangeGuid", "ArchiveGuid",
            "LitigationHoldEnabled", "InPlaceHolds", "ComplianceTagHoldApplied", "DelayHoldApplied", "DelayReleaseHoldApplied", "IsInactiveMailbox", "WhenSoftDeleted",
            "WhenMailboxCreated",
        ],
        Kind::ExoUsers => &["ExternalDirectoryObjectId", "UserPrincipalName", "RecipientTypeDetails", "PreviousRecipientTypeDetails", "Guid"],
        Kind::ExoMailusers => &["ExternalDirectoryObjectId", "UserPrincipalName", "EmailAddresses", "PrimarySmtpAddress", "RecipientTypeDetails", "ExchangeGuid", "Guid"],
        Kind::ExoRecipients => &["ExternalDirectoryObjectId", "EmailAddresses", "PrimarySmtpAddress", "RecipientTypeDetails"],
        Kind::ExoStatistics => &["MailboxGuid", "TotalItemSize"],
        Kind::Unknown => &[],
    };
    const ALTERNATIVES: &[(&str, &str)] = &[("Enabled", "userAccountControl"), ("accountEnabled", "BlockCredential"), ("PrimarySmtpAddress", "WindowsEmailAddress")];
    let has = |name: &str| spec.names.iter().position(|n| *n == name).is_some_and(|slot| present[slot]);
    expected
        .iter()
        .filter(|name| !has(name))
        .filter(|name| !ALTERNATIVES.iter().any(|(a, b)| (a == *name && has(b)) || (b == *name && has(a))))
        .map(|n| n.to_string())
        .collect()
}

impl Spec {
    /// Maps header positions to slots; an exact name wins over an alias (`DisplayName` over `Name`).
    /// Two columns of one name (letter case and punctuation aside) that the tool reads: which one holds
    /// the data is unknown. Their positions (0-based), the first such pair.
    pub fn duplicated(&self, headers: &[String]) -> Option<(usize, usize)> {
        let read: Vec<usize> = (0..headers.len()).filter(|&i| self.slot(&headers[i]).is_some()).collect();
        read.iter().enumerate().find_map(|(n, &i)| read[n + 1..].iter().find(|&&j| cell::key_eq(&headers[i], &headers[j])).map(|&j| (i, j)))
    }

    pub fn column_map(&self, headers: &[String]) -> Vec<Option<usize>> {
        let mut map: Vec<Option<usize>> = headers.iter().map(|h| self.slot(h)).collect();
        for slot in 0..self.len() {
            let claimants: Vec<usize> = (0..map.len()).filter(|&i| map[i] == Some(slot)).collect();
            if claimants.len() > 1 {
                let keep = claimants.iter().copied().find(|&i| cell::key_eq(&headers[i], self.names[slot])).unwrap_or(claimants[0]);
                for i in claimants {
                    if i != keep {
                        map[i] = None;
                    }
                }
            }
        }
        map
    }
}

/// What re-exports a column PowerShell lost (`column` as the file names it): JSON keeps nested values when
/// ConvertTo-Json goes deep enough; a CSV needs them flattened by a calculated property — except Graph's
/// lists of objects, whose every useful part (a license's disabled plans, a plan's service and state) no
/// flat text keeps: those come as JSON.
fn fix_for(format: Format, column: &str) -> String {
    const GRAPH_NESTED: [&str; 4] = ["assignedLicenses", "assignedPlans", "licenseAssignmentStates", "onPremisesProvisioningErrors"];
    match format {
        Format::Json => "ConvertTo-Json -Depth 5 (its default depth, 2, writes deeper values as .NET type names)".to_string(),
        _ if GRAPH_NESTED.iter().any(|n| n.eq_ignore_ascii_case(column)) => {
            format!("JSON, not Export-Csv (a CSV cannot hold Graph's nested values): {}", crate::record::ENTRA_EXPORT)
        }
        _ => format!("Select-Object …, {}", lost_fix(column)),
    }
}

/// The `Select-Object` expression that exports a column PowerShell cannot flatten.
pub fn lost_fix(column: &str) -> String {
    let lower = column.to_ascii_lowercase();
    let guid_like = lower.contains("guid") || lower == "objectsid";
    if guid_like {
        format!("@{{n='{column}';e={{[guid]$_.'{column}'}}}}")
    } else if lower == "licenses" {
        // Get-MsolUser's: the SKUs as `tenant:SKU` text.
        "@{n='Licenses';e={$_.Licenses.AccountSkuId -join ';'}}".to_string()
    } else {
        format!("@{{n='{column}';e={{$_.'{column}' -join ';'}}}}")
    }
}

#[cfg(test)]
mod tests {
    use super::{repeated, Guid, Src};

    /// Keys that share a bit are only candidates: reported are the keys seen twice, on their lines.
    #[test]
    fn only_keys_seen_twice_are_repeats_whatever_their_bits() {
        let g = |lo: u64, hi: u64| {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&lo.to_le_bytes());
            b[8..].copy_from_slice(&hi.to_le_bytes());
            Some(Guid(b))
        };
        let at = |file, line| Some(Src { file, line });
        // 1 and 1 << 40 differ above the bits the first pass looks at: one bit, two keys.
        let rows = [(g(1, 0), at(0, 2)), (g(1 << 40 | 1, 0), at(0, 3)), (g(7, 7), at(0, 4)), (g(7, 7), at(0, 9)), (g(7, 7), at(1, 2)), (None, at(0, 5)), (None, at(0, 6))];
        let (across, within) = repeated(rows.iter().copied(), "Guid");
        assert_eq!(within.iter().map(|t| (t.file, t.count, t.lines)).collect::<Vec<_>>(), [(0, 1, (4, 9))]);
        assert_eq!(across.iter().map(|r| (r.later, r.earlier, r.count)).collect::<Vec<_>>(), [(1, 0, 1)]);
        let (across, within) = repeated(rows[..3].iter().copied(), "Guid");
        assert!(across.is_empty() && within.is_empty());
    }
}
