//! The one findings model every output is written from, and `findings.json`.

use crate::host::FailureKind;
use crate::join::{JoinStats, MatchKey};
use hybrid_audit_sdk::Severity;
use crate::values::Guid;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// Bumped when a field changes meaning or is removed (adding one is compatible).
pub const SCHEMA_VERSION: u32 = 1;

/// A text's first 24 bytes as three big-endian numbers (zero-padded): comparing them orders texts as
/// comparing the texts does, except that texts equal in them must still be compared whole. Sort keys
/// side by side with them decide nearly every comparison without following a pointer (the Readiness
/// sheet's order, the findings' order).
pub fn sort_prefix(text: &str) -> [u64; 3] {
    let mut b = [0u8; 24];
    let n = text.len().min(b.len());
    b[..n].copy_from_slice(&text.as_bytes()[..n]);
    let word = |k: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[k * 8..k * 8 + 8]);
        u64::from_be_bytes(w)
    };
    [word(0), word(1), word(2)]
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The SHA-256 of a file, streamed (an 800k-user export is not read into memory a second time).
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    // Read 1 MiB at a time (`io::copy` uses a buffered reader's buffer): its own 8 KiB buffer made 190k
    // system calls for the 1.5 GB of an 800k tenant.
    std::io::copy(&mut std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?), &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// The whole result of a run. Serialized (findings.json) by hand below, so that report.html can embed
/// the same object without its findings ([`Audit::head`]).
#[derive(Debug)]
pub struct Audit {
    pub schema_version: u32,
    pub tool: Tool,
    pub as_of: String,
    /// The tenant's routing domains (`*.mail.onmicrosoft.com`) seen in the exports (left out when none).
    pub routing_domains: Vec<String>,
    pub plugins: Vec<PluginEntry>,
    pub inputs: Inputs,
    pub join: JoinStats,
    pub checks: Vec<CheckEntry>,
    pub not_evaluated: Vec<NotEvaluated>,
    /// Checks not evaluated on some identities, whose values could not be read.
    pub partly_evaluated: Vec<PartlyEvaluated>,
    pub check_failures: Vec<CheckFailure>,
    pub readiness: Readiness,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// Every identity that has a finding, with its verdict; the others are `ready` with none.
    pub identities: Vec<IdentityVerdict>,
    /// Every identity of the run (the workbook's Readiness sheet: one row each, 800k at a large tenant,
    /// so not in findings.json, whose `identities` lists those with a finding).
    pub roster: Vec<RosterEntry>,
    /// The objects the join left unmatched or could not match unambiguously (the workbook's Join sheet;
    /// not in findings.json).
    pub join_issues: Vec<JoinIssue>,
    /// Wall time of each step of the checks stage, in seconds (benchmark; not part of the output).
    pub timings: Vec<(&'static str, f64)>,
}

impl Serialize for Audit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize_as(s, true)
    }
}

/// findings.json's object with `findings_count` in place of the findings: report.html's `#audit-data`,
/// whose findings follow in chunks.
pub struct Head<'a>(&'a Audit);

impl Serialize for Head<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_as(s, false)
    }
}

impl Audit {
    /// The audit without its findings ([`Head`]).
    pub fn head(&self) -> Head<'_> {
        Head(self)
    }

    /// findings.json's fields, in its order; with `findings` false, their count in their place.
    fn serialize_as<S: serde::Serializer>(&self, s: S, findings: bool) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut o = s.serialize_struct("Audit", 15)?;
        o.serialize_field("schema_version", &self.schema_version)?;
        o.serialize_field("tool", &self.tool)?;
        o.serialize_field("as_of", &self.as_of)?;
        if self.routing_domains.is_empty() {
            o.skip_field("routing_domains")?;
        } else {
            o.serialize_field("routing_domains", &self.routing_domains)?;
        }
        o.serialize_field("plugins", &self.plugins)?;
        o.serialize_field("inputs", &self.inputs)?;
        o.serialize_field("join", &self.join)?;
        o.serialize_field("checks", &self.checks)?;
        o.serialize_field("not_evaluated", &self.not_evaluated)?;
        o.serialize_field("partly_evaluated", &self.partly_evaluated)?;
        o.serialize_field("check_failures", &self.check_failures)?;
        o.serialize_field("readiness", &self.readiness)?;
        o.serialize_field("summary", &self.summary)?;
        if findings {
            o.serialize_field("findings", &self.findings)?;
        } else {
            o.serialize_field("findings_count", &self.findings.len())?;
        }
        o.serialize_field("identities", &self.identities)?;
        o.end()
    }
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
    pub plugin_abi: u32,
}

#[derive(Debug, Serialize)]
pub struct PluginEntry {
    pub name: String,
    pub version: String,
    pub source: String,
    pub sha256: String,
    pub checks: Vec<String>,
}

/// The inputs, each with its SHA-256. Ingest and join leave some files unhashed (a thread at idle priority
/// hashes them meanwhile: `src/digests.rs`); the rest is hashed by the first reader of [`Inputs::get`] —
/// a report writer, side by side with the workbook, rather than a step of the checks stage, in which
/// both cores are busy (0.27–0.39 s at 800k). Every reader sees the same list.
pub struct Inputs {
    pending: Mutex<Option<PendingInputs>>,
    done: OnceLock<Vec<Input>>,
}

/// Inputs whose digests are still to be finished: `sha256` is empty until then.
pub struct PendingInputs {
    pub root: PathBuf,
    pub files: Vec<Input>,
    pub early: Option<crate::digests::InputDigests>,
}

impl PendingInputs {
    /// On the calling thread, no rayon: a report writer on the writers' pool (`report::write_all`) calls
    /// this inside the cell's initialisation, and a rayon wait there could run another writer on the same
    /// thread, which would ask for the same cell again (a deadlock with more than one pool thread).
    fn finish(self) -> Vec<Input> {
        let PendingInputs { root, files, early } = self;
        let early = early.map(crate::digests::InputDigests::finish).unwrap_or_default();
        files
            .into_iter()
            .map(|mut f| {
                let path = root.join(&f.path);
                f.sha256 = match early.get(&path) {
                    Some(digest) => digest.clone(),
                    // Only a regular file is hashed (a link to a device would be read for ever).
                    None if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) => "not read: not a regular file".to_string(),
                    None => sha256_file(&path).unwrap_or_else(|e| format!("unreadable: {e}")),
                };
                f
            })
            .collect()
    }
}

impl Inputs {
    /// Inputs whose digests are known.
    pub fn ready(inputs: Vec<Input>) -> Inputs {
        Inputs { pending: Mutex::new(None), done: OnceLock::from(inputs) }
    }

    pub fn pending(pending: PendingInputs) -> Inputs {
        Inputs { pending: Mutex::new(Some(pending)), done: OnceLock::new() }
    }

    /// The inputs with their digests; the first caller finishes them, others wait for it.
    pub fn get(&self) -> &[Input] {
        self.done.get_or_init(|| self.pending.lock().unwrap_or_else(|e| e.into_inner()).take().map(PendingInputs::finish).unwrap_or_default())
    }
}

impl Serialize for Inputs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

impl fmt::Debug for Inputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.done.get() {
            Some(inputs) => inputs.fmt(f),
            None => f.write_str("Inputs(digests pending)"),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Input {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub kind: crate::model::Kind,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CheckEntry {
    pub id: String,
    pub name: String,
    pub severity: String,
    pub plugin: String,
    /// `evaluated`, `not_evaluated` or `failed`.
    pub status: &'static str,
    pub findings: u64,
    pub fields: Vec<&'static str>,
    pub optional_fields: Vec<&'static str>,
    /// Optional fields the exports lack: the check ran, but the rules that read them could not apply.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evaluated_without: Vec<&'static str>,
    /// Identities it was not evaluated on: values it reads could not be read there (`partly_evaluated`).
    #[serde(skip_serializing_if = "no_identities")]
    pub not_evaluated_on: u64,
    pub doc: String,
}

fn no_identities(n: &u64) -> bool {
    *n == 0
}

impl CheckEntry {
    /// The status as the reports write it: `evaluated`, `evaluated without …`, `evaluated, not on 3
    /// identities (unreadable values)`, `not evaluated`, `failed`.
    pub fn status_text(&self) -> String {
        let mut text = self.status.replace('_', " ");
        if self.status == "evaluated" {
            if !self.evaluated_without.is_empty() {
                text = format!("{text} without {}", self.evaluated_without.join(", "));
            }
            if self.not_evaluated_on > 0 {
                text = format!("{text}, not on {} (unreadable values)", crate::counted(self.not_evaluated_on, "identity", "identities"));
            }
        }
        text
    }
}

#[derive(Debug, Serialize)]
pub struct NotEvaluated {
    pub check: String,
    pub name: String,
    /// The most severe finding the check can report.
    pub severity_up_to: Severity,
    pub missing_fields: Vec<&'static str>,
    pub reason: String,
    /// The export command that supplies what is missing.
    pub export: String,
}

/// A check that ran, but not on every identity: on these, a value it reads could not be read (a bad
/// GUID, `Ja` for a boolean …). Their findings of this check are withheld (one built on an unreadable
/// value could be false) and no pass is claimed for them.
#[derive(Debug, Serialize)]
pub struct PartlyEvaluated {
    pub check: String,
    pub name: String,
    /// How many identities the check was not evaluated for.
    pub identities: u64,
    /// The most severe finding the check can report: with `--fail-on` at or below it, the run cannot pass.
    pub severity_up_to: Severity,
    /// Findings the check made on them and the host withheld (each rested on a value that could not be
    /// read), by severity.
    pub withheld: Summary,
    /// The first [`PARTLY_LISTED`] of them by name, each with what could not be read.
    pub listed: Vec<UnreadableOn>,
}

/// How many identities a [`PartlyEvaluated`] lists (the count is always whole).
pub const PARTLY_LISTED: usize = 1000;

/// What could not be read on one identity, for one check.
#[derive(Clone, Debug, Serialize)]
pub struct UnreadableOn {
    pub identity: String,
    /// The check's fields whose value is unknown.
    pub fields: Vec<&'static str>,
    /// The export columns that could not be read.
    pub columns: Vec<&'static str>,
    /// `file:line` of the rows holding them.
    pub sources: Vec<Source>,
}

#[derive(Debug, Serialize)]
pub struct CheckFailure {
    pub plugin: String,
    pub source: String,
    pub kind: FailureKind,
    pub message: String,
    /// The checks that did not run to the end (none of their findings are reported).
    pub checks: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Readiness {
    pub blocked: u64,
    pub attention: u64,
    pub ready: u64,
    /// Of the `ready`, those on which some check could not be evaluated (`partly_evaluated`): nothing above
    /// low was found, but not everything was looked at.
    #[serde(skip_serializing_if = "no_identities")]
    pub ready_not_fully_evaluated: u64,
}

impl Readiness {
    /// "22 ready", or "22 ready (3 of them not fully evaluated: values could not be read)".
    pub fn ready_text(&self) -> String {
        match self.ready_not_fully_evaluated {
            0 => format!("{} ready", self.ready),
            n => format!("{} ready ({n} of them not fully evaluated: values could not be read)", self.ready),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub info: u64,
}

impl Summary {
    pub fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }

    pub fn at_least(&self, s: Severity) -> u64 {
        [(Severity::Critical, self.critical), (Severity::High, self.high), (Severity::Medium, self.medium), (Severity::Low, self.low), (Severity::Info, self.info)]
            .iter()
            .filter(|(sev, _)| *sev >= s)
            .map(|(_, n)| n)
            .sum()
    }
}

/// The identity a finding concerns: its name and every key the join knows it by. GUIDs are kept as their
/// 16 bytes and written as text (lower case, hyphenated): at 91k findings, a string each was ~25 MB.
#[derive(Clone, Debug, Default, Serialize)]
pub struct IdentityRef {
    /// The UPN (lower-cased), or the best key there is.
    pub upn: String,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "guid_text")]
    pub ad_object_guid: Option<Guid>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "guid_text")]
    pub source_anchor: Option<Guid>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "guid_text")]
    pub entra_id: Option<Guid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immutable_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "guid_text")]
    pub exo_guid: Option<Guid>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "guid_text")]
    pub exchange_guid: Option<Guid>,
    /// How the AD object and the EXO object were matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_matched_by: Option<MatchKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exo_matched_by: Option<MatchKey>,
}

fn guid_text<S: serde::Serializer>(guid: &Option<Guid>, s: S) -> Result<S::Ok, S::Error> {
    match guid {
        Some(g) => s.collect_str(g),
        None => s.serialize_none(),
    }
}

impl IdentityRef {
    /// The key that names the same object run after run: AD objectGUID, Entra id, EXO Guid, else the name.
    pub fn stable_key(&self) -> std::borrow::Cow<'_, str> {
        self.key_or_name(self.ad_object_guid.or(self.entra_id).or(self.exo_guid).or(self.exchange_guid))
    }

    /// `key` as text (a GUID, lower case, hyphenated), else the identity's name.
    pub fn key_or_name(&self, key: Option<Guid>) -> std::borrow::Cow<'_, str> {
        key.map_or(std::borrow::Cow::Borrowed(self.upn.as_str()), |g| g.to_string().into())
    }
}

/// A row a value was read from, written `file:line`; the rows of one file share its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub path: Arc<str>,
    pub line: u32,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct EvidenceItem {
    pub field: &'static str,
    pub value: String,
    /// `file:line` for each row the value was read from.
    pub sources: Vec<Source>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// Stable across runs for the same problem on the same object.
    pub id: String,
    pub check: String,
    pub name: String,
    pub severity: Severity,
    pub identity: IdentityRef,
    pub message: String,
    pub evidence: Vec<EvidenceItem>,
    pub remediation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    #[serde(skip)]
    pub identity_index: u32,
}

impl Finding {
    /// The id: the check, the object's stable key, and which fields (and list elements) it rests on —
    /// not their values, so a finding keeps its id while its days-left count down.
    pub fn stable_id(check: &str, identity: &IdentityRef, evidence: &[(u32, Option<u32>)]) -> String {
        let mut h = Sha256::new();
        h.update(check.as_bytes());
        h.update([0]);
        // The key lower-cased a piece at a time, without a copy of it (one id per finding: 447,616 at a
        // pre-migration tenant).
        for piece in identity.stable_key().as_bytes().chunks(64) {
            let mut lower = [0u8; 64];
            let lower = &mut lower[..piece.len()];
            lower.copy_from_slice(piece);
            lower.make_ascii_lowercase();
            h.update(&*lower);
        }
        for (field, index) in evidence {
            h.update(field.to_le_bytes());
            h.update(index.map(|i| i as i64).unwrap_or(-1).to_le_bytes());
        }
        // The digest's first 8 bytes as 16 hex digits (big-endian: in the digest's byte order).
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        format!("{check}-{:016x}", u64::from_be_bytes(first))
    }
}

/// One identity of the run, whether or not it has a finding.
#[derive(Debug)]
pub struct RosterEntry {
    pub name: Box<str>,
    pub ad: bool,
    pub entra: bool,
    pub exo: bool,
    /// Soft-deleted / inactive mailboxes of this person.
    pub previous_mailboxes: u32,
    pub ad_matched_by: Option<MatchKey>,
    pub exo_matched_by: Option<MatchKey>,
    pub ambiguous: bool,
    /// Index into [`Audit::identities`] when the identity has a finding.
    pub verdict: Option<u32>,
    /// Checks not evaluated on this identity: values they read could not be read.
    pub unevaluated: u32,
}

impl RosterEntry {
    /// In all three directories, linked by the keys a synced hybrid user is meant to be linked by (the
    /// AD object by its source anchor, the EXO object by ExternalDirectoryObjectId), nothing else to say
    /// about how it was joined: no previous mailbox, no ambiguity, every check evaluated.
    pub fn linked_as_usual(&self) -> bool {
        self.ad
            && self.entra
            && self.exo
            && self.ad_matched_by == Some(MatchKey::SourceAnchor)
            && self.exo_matched_by == Some(MatchKey::ExternalDirectoryObjectId)
            && self.previous_mailboxes == 0
            && !self.ambiguous
            && self.unevaluated == 0
    }
}

/// An object the join left alone: unmatched, or one of an ambiguous match.
#[derive(Debug)]
pub struct JoinIssue {
    pub directory: &'static str,
    pub problem: String,
    pub name: String,
    /// The object's own key (objectGUID, Entra object id, EXO Guid).
    pub key: String,
    /// Its row, when the export says.
    pub source: Option<Source>,
}

#[derive(Debug, Serialize)]
pub struct IdentityVerdict {
    /// The identity's index in the run (its row of [`Audit::roster`]).
    #[serde(skip)]
    pub index: u32,
    pub upn: String,
    pub verdict: Verdict,
    pub worst: Severity,
    pub findings: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Blocked,
    Attention,
    Ready,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Blocked => "blocked",
            Verdict::Attention => "attention",
            Verdict::Ready => "ready",
        }
    }

    /// blocked: any critical or high; attention: medium; ready: nothing above low.
    pub fn of(worst: Option<Severity>) -> Verdict {
        match worst {
            Some(Severity::Critical | Severity::High) => Verdict::Blocked,
            Some(Severity::Medium) => Verdict::Attention,
            _ => Verdict::Ready,
        }
    }
}

impl Audit {
    /// An audit of nothing (tests build theirs from it).
    #[cfg(test)]
    pub(crate) fn empty() -> Audit {
        Audit {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "hybrid-audit", version: "test", plugin_abi: 1 },
            as_of: "2026-11-22".into(),
            routing_domains: Vec::new(),
            plugins: Vec::new(),
            inputs: Inputs::ready(Vec::new()),
            join: Default::default(),
            checks: Vec::new(),
            not_evaluated: Vec::new(),
            partly_evaluated: Vec::new(),
            check_failures: Vec::new(),
            readiness: Default::default(),
            summary: Default::default(),
            findings: Vec::new(),
            identities: Vec::new(),
            roster: Vec::new(),
            join_issues: Vec::new(),
            timings: Vec::new(),
        }
    }

    /// Why `--fail-on level` fails the run (exit code 3), or `None`: findings at or above the level, or a
    /// check that can report at or above it that was not evaluated (on these exports, or on some
    /// identities): it does not rule such a finding out.
    pub fn fails_at(&self, level: Severity) -> Option<String> {
        let found = self.summary.at_least(level);
        if found > 0 {
            return Some(format!("{} at or above {level} (--fail-on): exit code 3", crate::counted(found, "finding", "findings")));
        }
        let unsure = |checks: Vec<&str>, what: &str| {
            (!checks.is_empty()).then(|| {
                format!(
                    "{} that can report {level} or above {} not evaluated {what} ({}): --fail-on cannot pass this run; exit code 3",
                    crate::counted(checks.len() as u64, "check", "checks"),
                    if checks.len() == 1 { "was" } else { "were" },
                    checks.join(", ")
                )
            })
        };
        let not_run: Vec<&str> = self.not_evaluated.iter().filter(|n| n.severity_up_to >= level).map(|n| n.check.as_str()).collect();
        let partly: Vec<&str> = self.partly_evaluated.iter().filter(|p| p.severity_up_to >= level).map(|p| p.check.as_str()).collect();
        unsure(not_run, "(the exports lack what they read: see not_evaluated in findings.json)")
            .or_else(|| unsure(partly, "on some identities (values could not be read: see partly_evaluated in findings.json)"))
    }

    /// Writes findings.json, streamed (the text of 100k findings is never held in memory whole).
    pub fn write_json(&self, path: &std::path::Path) -> std::io::Result<()> {
        use std::io::Write;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
        serde_json::to_writer_pretty(&mut out, self).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
        out.flush()
    }

    /// The human summary: counts by severity and check, readiness, what could not run.
    pub fn summary_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let s = &self.summary;
        let _ = writeln!(
            out,
            "{} at as-of {}: {} critical · {} high · {} medium · {} low · {} info",
            crate::counted(self.findings.len() as u64, "finding", "findings"),
            self.as_of,
            s.critical,
            s.high,
            s.medium,
            s.low,
            s.info
        );
        let r = &self.readiness;
        let _ = writeln!(out, "readiness of {} identities: {} blocked · {} attention · {}", r.blocked + r.attention + r.ready, r.blocked, r.attention, r.ready_text());
        // What the reading noticed (dates it could not settle, columns it lost, a second export of one
        // directory …) is said here too, not only in the reports.
        let warned: Vec<&Input> = self.inputs.get().iter().filter(|i| !i.warnings.is_empty()).collect();
        if !warned.is_empty() {
            let _ = writeln!(out, "\nwarnings about the inputs ({}):", crate::counted(warned.len() as u64, "file", "files"));
            for i in warned {
                for w in &i.warnings {
                    let _ = writeln!(out, "  {}: {w}", i.path);
                }
            }
        }
        let _ = writeln!(out, "\n{:<8} {:<42} {:<16} {:>8}  status", "check", "name", "severity", "findings");
        for c in &self.checks {
            let _ = writeln!(out, "{:<8} {:<42} {:<16} {:>8}  {}", c.id, c.name, c.severity, c.findings, c.status_text());
        }
        if !self.not_evaluated.is_empty() {
            let _ = writeln!(out, "\nnot evaluated ({}): the exports lack what these checks read", self.not_evaluated.len());
            for n in &self.not_evaluated {
                let _ = writeln!(out, "  {} {}: {}\n      export: {}", n.check, n.name, n.reason, n.export);
            }
        }
        if !self.partly_evaluated.is_empty() {
            let _ = writeln!(
                out,
                "\nnot evaluated on some identities ({}): a value these checks read could not be read there — no finding and no pass is reported for them",
                crate::counted(self.partly_evaluated.len() as u64, "check", "checks")
            );
            for p in &self.partly_evaluated {
                let first = p.listed.first().map(|u| format!(", e.g. {} ({} at {})", u.identity, u.columns.join(", "), u.sources.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "))).unwrap_or_default();
                let withheld = p.withheld.at_least(Severity::Info);
                let withheld = if withheld > 0 { format!(" ({} withheld)", crate::counted(withheld, "finding", "findings")) } else { String::new() };
                let _ = writeln!(out, "  {} {}: {}{withheld}{first}", p.check, p.name, crate::counted(p.identities, "identity", "identities"));
            }
        }
        if !self.check_failures.is_empty() {
            let _ = writeln!(out, "\nCHECKS FAILED ({}): their findings are not reported — this audit is incomplete", self.check_failures.len());
            for f in &self.check_failures {
                let _ = writeln!(out, "  plugin {} ({}): {:?}: {} — checks {}", f.plugin, f.source, f.kind, f.message, if f.checks.is_empty() { "unknown".to_string() } else { f.checks.join(", ") });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_fails_on_findings_and_on_checks_that_could_not_rule_them_out() {
        let mut audit = Audit::empty();
        assert_eq!(audit.fails_at(Severity::Info), None);
        audit.partly_evaluated.push(PartlyEvaluated {
            check: "LIC001".into(),
            name: "license-grace-expiry".into(),
            identities: 1,
            severity_up_to: Severity::Critical,
            withheld: Summary::default(),
            listed: Vec::new(),
        });
        audit.summary.add(Severity::Medium);
        assert!(audit.fails_at(Severity::Medium).is_some_and(|m| m.starts_with("1 finding at or above medium")));
        // No finding at critical, but LIC001 could have made one where it was not evaluated.
        assert!(audit.fails_at(Severity::Critical).is_some_and(|m| m.starts_with("1 check that can report critical or above was not evaluated") && m.contains("LIC001")));
        audit.partly_evaluated[0].severity_up_to = Severity::High;
        assert_eq!(audit.fails_at(Severity::Critical), None);
        // A check not evaluated at all rules out nothing either.
        audit.not_evaluated.push(NotEvaluated {
            check: "GUID004".into(),
            name: "duplicate-mailbox".into(),
            severity_up_to: Severity::Critical,
            missing_fields: vec!["ad.homeMDB"],
            reason: String::new(),
            export: String::new(),
        });
        assert!(audit.fails_at(Severity::Critical).is_some_and(|m| m.contains("GUID004") && m.contains("the exports lack what they read")));
    }

    #[test]
    fn digests_are_lower_case_hex() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    /// The id as it was first defined (the whole key lower-cased in a copy, the digest as hex, its
    /// first 16 digits), for keys shorter and longer than the 64-byte pieces, upper case, non-ASCII.
    #[test]
    fn finding_ids_are_the_first_16_hex_digits_of_the_digest() {
        let reference = |check: &str, identity: &IdentityRef, evidence: &[(u32, Option<u32>)]| {
            let mut h = Sha256::new();
            h.update(check.as_bytes());
            h.update([0]);
            h.update(identity.stable_key().to_ascii_lowercase().as_bytes());
            for (field, index) in evidence {
                h.update(field.to_le_bytes());
                h.update(index.map(|i| i as i64).unwrap_or(-1).to_le_bytes());
            }
            let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
            format!("{check}-{}", &hex[..16])
        };
        let long = format!("{}@Contoso.COM", "Ünïcode.".repeat(20));
        for upn in ["pete.park@contoso.com", "PETE.Park@Contoso.com", &long, ""] {
            let by_name = IdentityRef { upn: upn.to_string(), ..Default::default() };
            let by_guid = IdentityRef { upn: upn.to_string(), ad_object_guid: Some(Guid([0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE])), ..Default::default() };
            for identity in [by_name, by_guid] {
                for evidence in [&[][..], &[(3, None), (7, Some(2))][..]] {
                    assert_eq!(Finding::stable_id("LIC001", &identity, evidence), reference("LIC001", &identity, evidence));
                }
            }
        }
    }

    #[test]
    fn pending_inputs_are_finished_by_the_first_reader_and_every_reader_sees_them() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.csv"), "abc").expect("write");
        let input = |path: &str| Input { path: path.into(), sheet: None, kind: crate::model::Kind::AdUsers, rows: 1, bytes: 3, sha256: String::new(), warnings: Vec::new(), error: None };
        for early in [false, true] {
            let pending = PendingInputs {
                root: dir.path().to_path_buf(),
                files: vec![input("a.csv"), input("gone.csv")],
                early: early.then(|| crate::digests::InputDigests::start(dir.path(), &Default::default())),
            };
            let inputs = Inputs::pending(pending);
            assert_eq!(format!("{inputs:?}"), "Inputs(digests pending)");
            // Writers on several threads ask at once: one finishes the digests, all see the same list.
            let seen: Vec<Vec<String>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..4).map(|_| s.spawn(|| inputs.get().iter().map(|i| i.sha256.clone()).collect::<Vec<_>>())).collect();
                handles.into_iter().map(|h| h.join().expect("thread")).collect()
            });
            assert!(seen.iter().all(|s| *s == seen[0]));
            // SHA-256("abc") (FIPS 180-2); a file gone since the ingest says so instead of a digest.
            assert_eq!(seen[0][0], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
            assert!(seen[0][1].starts_with("unreadable: "), "{}", seen[0][1]);
            assert!(serde_json::to_string(&inputs).expect("json").contains("ba7816bf"));
        }
    }
}
