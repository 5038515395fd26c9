//! The checks stage: plugins in, findings out. Loads the built-in and user plugins, decides which checks
//! the exports let run, runs every plugin over batches of identities in parallel, validates what each
//! returns, and builds the one [`Audit`] model the writers share.

use crate::findings::{self, Audit, CheckEntry, CheckFailure, EvidenceItem, Finding, IdentityRef, IdentityVerdict, Input, Inputs, JoinIssue, NotEvaluated, PartlyEvaluated, PendingInputs, PluginEntry, Readiness, RosterEntry, Source, Summary, UnreadableOn, Verdict};
use crate::digests::InputDigests;
use crate::host::{self, CheckSpec, Failure, FailureKind, Host, Limits, PluginInfo};
use crate::ingest::Dataset;
use crate::join::{Joined, Side};
use crate::model::Src;
use crate::prefetch;
use crate::record::{directory_of, export_hint, Availability, Records, Tried, Unreadable};
use hybrid_audit_sdk::{self as sdk, BatchHeader, Field, Severity, ABI_VERSION};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How the checks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Every plugin in the wasm sandbox (the product).
    Wasm,
    /// The built-in checks compiled into this binary (parity tests and the benchmark's baseline).
    Native,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub as_of: sdk::Date,
    pub plugin_dirs: Vec<PathBuf>,
    pub limits: Limits,
    pub engine: Engine,
    /// Identities per plugin call.
    pub batch: usize,
    /// Told (batches done, batches in all) as the plugin calls complete.
    pub progress: Progress,
    /// Where compiled plugins are kept between runs (`host::default_cache_dir` for the binary); none:
    /// every run compiles them.
    pub plugin_cache: Option<PathBuf>,
}

/// A progress callback (none by default).
#[derive(Clone, Default)]
pub struct Progress(pub Option<std::sync::Arc<dyn Fn(usize, usize) + Send + Sync>>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Progress(callback)" } else { "Progress(none)" })
    }
}

impl Default for Options {
    fn default() -> Self {
        Options { as_of: sdk::Date(0), plugin_dirs: Vec::new(), limits: Limits::default(), engine: Engine::Wasm, batch: 2048, progress: Progress::default(), plugin_cache: None }
    }
}

/// The built-in checks compiled natively.
pub fn native_plugins() -> [sdk::Plugin; 1] {
    [hybrid_audit_checks::PLUGIN]
}

/// A plugin ready to run, or why it cannot.
enum Loaded {
    Wasm(host::Plugin),
    Native(sdk::Plugin, PluginInfo),
}

impl Loaded {
    fn info(&self) -> &PluginInfo {
        match self {
            Loaded::Wasm(p) => &p.info,
            Loaded::Native(_, info) => info,
        }
    }

    fn into_info(self) -> PluginInfo {
        match self {
            Loaded::Wasm(p) => p.info,
            Loaded::Native(_, info) => info,
        }
    }
}

/// The `source` of the built-in plugin (in findings.json's `plugins`).
pub const BUILTIN_SOURCE: &str = "built-in";

/// The `.wasm` files of a plugin folder, in name order.
fn plugin_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e} — give a folder of .wasm check plugins", dir.display()))?;
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("wasm"))).collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{} holds no .wasm plugin — build one with `cargo build --release --target wasm32-unknown-unknown` (see checks/README.md)", dir.display()));
    }
    Ok(files)
}

/// A plugin's manifest, or its source and why it could not be read.
pub type Listed = Result<PluginInfo, (String, Failure)>;

/// Lists the plugins (built-in and from `dirs`) from their manifests, without running them.
pub fn list_plugins(dirs: &[PathBuf]) -> Result<Vec<Listed>, String> {
    let mut out: Vec<Listed> = host::BUILTIN.iter().map(|(_, bytes)| host::read_manifest(bytes, BUILTIN_SOURCE).map_err(|f| (BUILTIN_SOURCE.to_string(), f))).collect();
    for dir in dirs {
        for path in plugin_files(dir)? {
            let source = path.display().to_string();
            let result = std::fs::read(&path)
                .map_err(|e| Failure { kind: FailureKind::Incompatible, message: format!("cannot read: {e}") })
                .and_then(|bytes| host::read_manifest(&bytes, &source));
            out.push(result.map_err(|f| (source, f)));
        }
    }
    Ok(out)
}

/// Loads and compiles every plugin; problems become check failures, never an abort.
fn load_plugins(host: Option<&Host>, options: &Options) -> Result<(Vec<Loaded>, Vec<CheckFailure>), String> {
    let mut sources: Vec<(String, Vec<u8>)> = host::BUILTIN.iter().map(|(_, b)| (BUILTIN_SOURCE.to_string(), b.to_vec())).collect();
    if options.engine == Engine::Wasm {
        for dir in &options.plugin_dirs {
            for path in plugin_files(dir)? {
                let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                sources.push((path.display().to_string(), bytes));
            }
        }
    }
    let natives = native_plugins();
    let loaded: Vec<Result<Loaded, CheckFailure>> = sources
        .par_iter()
        .map(|(source, bytes)| {
            // A plugin that cannot load is named by its manifest when that much is readable.
            let fail = |f: Failure| {
                let (plugin, checks) = match host::read_manifest(bytes, source) {
                    Ok(info) => (info.name, info.checks.into_iter().map(|c| c.id).collect()),
                    Err(_) => (source.clone(), Vec::new()),
                };
                CheckFailure { plugin, source: source.clone(), kind: f.kind, message: f.message, checks }
            };
            match (options.engine, host) {
                (Engine::Wasm, Some(h)) => h.load(bytes, source).map(Loaded::Wasm).map_err(fail),
                _ => {
                    let info = host::read_manifest(bytes, source).map_err(fail)?;
                    let native = natives.iter().find(|p| p.name == info.name).copied().ok_or_else(|| {
                        fail(Failure { kind: FailureKind::Incompatible, message: format!("no native build of plugin {}", info.name) })
                    })?;
                    Ok(Loaded::Native(native, info))
                }
            }
        })
        .collect();
    let mut plugins: Vec<Loaded> = Vec::new();
    let mut failures = Vec::new();
    for l in loaded {
        match l {
            Ok(p) => {
                // A check id is owned by the first plugin that declares it (built-ins come first).
                let clash: Vec<String> = p.info().checks.iter().filter(|c| plugins.iter().any(|q| q.info().checks.iter().any(|d| d.id == c.id))).map(|c| c.id.clone()).collect();
                if clash.is_empty() {
                    plugins.push(p);
                } else {
                    let info = p.info();
                    failures.push(CheckFailure {
                        plugin: info.name.clone(),
                        source: info.source.clone(),
                        kind: FailureKind::Incompatible,
                        message: format!("declares check ids another plugin already has ({}): give its checks ids of their own", clash.join(", ")),
                        checks: info.checks.iter().map(|c| c.id.clone()).collect(),
                    });
                }
            }
            Err(f) => failures.push(f),
        }
    }
    Ok((plugins, failures))
}

/// One plugin's work: the checks the exports let run and the fields it is sent.
struct Job<'p> {
    plugin: &'p Loaded,
    checks: Vec<&'p CheckSpec>,
    fields: Vec<Field>,
    failed: AtomicBool,
}

/// A finding as a plugin returned it, placed on its identity.
struct Raw {
    identity: u32,
    finding: sdk::Finding,
}

/// The plugins, compiled and ready, before any data is read: compiling first keeps cranelift's
/// working memory apart from the peak of the ingest.
pub struct Prepared {
    host: Option<Host>,
    plugins: Vec<Loaded>,
    failures: Vec<CheckFailure>,
    options: Options,
    seconds: f64,
    digests: Option<InputDigests>,
}

impl Prepared {
    /// Starts hashing the inputs now, in the time the reading and joining leave idle, instead of after
    /// the checks (findings.json lists every input's SHA-256).
    pub fn hash_inputs_from_now(&mut self, dir: &Path, ingest: &crate::ingest::Options) {
        self.digests = Some(InputDigests::start(dir, ingest));
    }
}

/// Starts the engine and loads every plugin (built-in and `--plugins`).
pub fn prepare(options: &Options) -> Result<Prepared, String> {
    let start = std::time::Instant::now();
    let host = match options.engine {
        Engine::Wasm => Some(Host::new(options.limits, options.plugin_cache.clone())?),
        Engine::Native => None,
    };
    let (plugins, failures) = load_plugins(host.as_ref(), options)?;
    Ok(Prepared { host, plugins, failures, options: options.clone(), seconds: start.elapsed().as_secs_f64(), digests: None })
}

/// [`prepare`], then [`run_prepared`].
pub fn run(data: &Dataset, joined: &Joined, root: &Path, options: &Options) -> Result<Audit, String> {
    run_prepared(prepare(options)?, data, joined, root)
}

/// Runs every check on every identity and builds the audit.
pub fn run_prepared(prepared: Prepared, data: &Dataset, joined: &Joined, root: &Path) -> Result<Audit, String> {
    let Prepared { host, plugins, mut failures, options, seconds, digests } = prepared;
    let options = &options;
    let mut timings = vec![("load plugins", seconds)];
    let mut clock = std::time::Instant::now();
    let mut lap = |name: &'static str| {
        timings.push((name, clock.elapsed().as_secs_f64()));
        clock = std::time::Instant::now();
    };
    let records = Records::new(data, joined, options.as_of);
    let mut availability = Availability::of(&data.files, !records.context.routing_domains.is_empty());
    availability.withhold_unknowns(&records);
    lap("index records");

    let mut not_evaluated = Vec::new();
    let mut jobs = Vec::new();
    for p in &plugins {
        let mut checks = Vec::new();
        for c in &p.info().checks {
            let mut missing: Vec<Field> = c.fields.iter().copied().filter(|f| !availability.has(*f)).collect();
            // A check that compares an AD object with its Exchange Online objects needs the link between
            // them, which the join makes through the Entra user: without an Entra export it finds no
            // pair and would pass every identity unseen.
            let reads = |side: Side| c.fields.iter().any(|f| directory_of(*f) == Some(side));
            if reads(Side::Ad) && reads(Side::Exo) && !availability.has(Field::EntraPresent) && !missing.contains(&Field::EntraPresent) {
                missing.push(Field::EntraPresent);
            }
            if missing.is_empty() {
                checks.push(c);
            } else {
                let mut exports: Vec<&str> = missing.iter().map(|f| export_hint(*f)).collect();
                exports.dedup();
                not_evaluated.push(NotEvaluated {
                    check: c.id.clone(),
                    name: c.name.clone(),
                    severity_up_to: c.severity_up_to(),
                    missing_fields: missing.iter().map(|f| f.name()).collect(),
                    reason: missing.iter().map(|f| format!("{}: {}", f.name(), availability.reason(*f))).collect::<Vec<_>>().join("; "),
                    export: exports.join(" ; "),
                });
            }
        }
        if checks.is_empty() {
            continue;
        }
        // What the plugin is sent: its checks' fields and the naming fields, those the exports carry.
        let mut fields: Vec<Field> =
            checks.iter().flat_map(|c| c.fields.iter().chain(&c.optional)).copied().chain(sdk::NAMING_FIELDS.iter().copied()).filter(|f| availability.has(*f)).collect();
        fields.sort();
        fields.dedup();
        jobs.push(Job { plugin: p, checks, fields, failed: AtomicBool::new(false) });
    }

    let n = records.len();
    let batch = options.batch.max(1);
    let tasks: Vec<(usize, usize)> = (0..jobs.len()).flat_map(|j| (0..n.div_ceil(batch)).map(move |b| (j, b * batch))).collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<(usize, Result<Vec<Raw>, Failure>)> = tasks
        .par_iter()
        // The encoding buffer is reused from batch to batch: a fresh one would be new memory (zeroed by
        // the kernel on first touch) for every batch, since freed memory is given back at once (src/alloc.rs).
        .map_init(Vec::new, |input, &(j, start)| {
            let job = &jobs[j];
            let result = if job.failed.load(Ordering::Relaxed) {
                Ok(Vec::new())
            } else {
                let end = (start + batch).min(n);
                let result = run_batch(host.as_ref(), job, &records, start, end, input);
                if result.is_err() {
                    job.failed.store(true, Ordering::Relaxed);
                }
                result
            };
            if let Some(progress) = &options.progress.0 {
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, tasks.len());
            }
            (j, result)
        })
        .collect();

    lap("run plugins");
    let mut raw: Vec<Raw> = Vec::with_capacity(results.iter().map(|(_, r)| r.as_ref().map_or(0, Vec::len)).sum());
    let mut failed_jobs: Vec<Option<Failure>> = (0..jobs.len()).map(|_| None).collect();
    for (j, r) in results {
        match r {
            Ok(found) => raw.extend(found),
            Err(f) => {
                if failed_jobs[j].is_none() {
                    failed_jobs[j] = Some(f);
                }
            }
        }
    }
    // A plugin that failed on any batch reports nothing: a partial result would pass for a complete one.
    let failed_checks: Vec<String> = jobs.iter().zip(&failed_jobs).filter(|(_, f)| f.is_some()).flat_map(|(j, _)| j.checks.iter().map(|c| c.id.clone())).collect();
    raw.retain(|r| !failed_checks.contains(&r.finding.check));
    for (job, f) in jobs.iter().zip(failed_jobs) {
        if let Some(f) = f {
            let info = job.plugin.info();
            failures.push(CheckFailure { plugin: info.name.clone(), source: info.source.clone(), kind: f.kind, message: f.message, checks: job.checks.iter().map(|c| c.id.clone()).collect() });
        }
    }
    let (partly_evaluated, unevaluated) = withhold_unreadable(host.as_ref(), &jobs, &records, &availability, data, joined, &mut raw);
    // The compiled plugins, the engine and its memory pool (each slot keeps up to 64 MiB of a batch's
    // memory resident) are not needed past this point: freed before the findings are built, where the
    // run's memory peaks. Their manifests stay.
    drop(jobs);
    let plugins: Vec<PluginInfo> = plugins.into_iter().map(Loaded::into_info).collect();
    drop(host);

    let specs: Vec<&CheckSpec> = plugins.iter().flat_map(|p| p.checks.iter()).collect();
    let paths: Vec<Arc<str>> = data.files.iter().map(|f| Arc::from(f.path.as_str())).collect();
    // Moved, not copied: the plugins' texts become the findings' texts.
    let findings: Vec<Finding> = raw.into_par_iter().map(|r| to_finding(r, &specs, &records, &paths, data, joined, options.as_of)).collect();
    let findings = sorted(findings);

    lap("findings");
    let mut summary = Summary::default();
    for f in &findings {
        summary.add(f.severity);
    }
    let (readiness, identities) = readiness(&findings, n);
    let mut counts: HashMap<&str, u64> = HashMap::default();
    for f in &findings {
        *counts.entry(f.check.as_str()).or_default() += 1;
    }
    let count = |id: &str| counts.get(id).copied().unwrap_or(0);
    let mut checks: Vec<CheckEntry> = Vec::new();
    for p in &plugins {
        for c in &p.checks {
            let status = if failed_checks.contains(&c.id) {
                "failed"
            } else if not_evaluated.iter().any(|n| n.check == c.id) {
                "not_evaluated"
            } else {
                "evaluated"
            };
            checks.push(CheckEntry {
                id: c.id.clone(),
                name: c.name.clone(),
                severity: c.severity_text(),
                plugin: p.name.clone(),
                status,
                findings: count(&c.id),
                fields: c.fields.iter().map(|f| f.name()).collect(),
                optional_fields: c.optional.iter().map(|f| f.name()).collect(),
                evaluated_without: c.optional.iter().filter(|f| !availability.has(**f)).map(|f| f.name()).collect(),
                not_evaluated_on: partly_evaluated.iter().find(|p| p.check == c.id).map_or(0, |p| p.identities),
                doc: c.doc.clone(),
            });
        }
    }
    checks.sort_by(|a, b| a.id.cmp(&b.id));
    not_evaluated.sort_by(|a, b| a.check.cmp(&b.check));
    failures.sort_by(|a, b| a.plugin.cmp(&b.plugin).then_with(|| a.source.cmp(&b.source)));

    // Hashed by the first report writer that lists them (see `Inputs`).
    let inputs = Inputs::pending(PendingInputs {
        root: root.to_path_buf(),
        files: data
            .files
            .iter()
            .map(|f| Input {
                path: f.path.clone(),
                sheet: f.sheet.clone(),
                kind: f.kind,
                rows: f.rows,
                bytes: f.bytes,
                sha256: String::new(),
                warnings: f.warnings.clone(),
                error: f.error.as_ref().map(|e| e.to_string()),
            })
            .collect(),
        early: digests,
    });
    // The Join sheet's objects (0.03 s at 800k identities, one thread) beside the roster.
    let (mut roster, join_issues) = rayon::join(|| roster(data, joined, &identities), || join_issues(data, joined, &paths));
    let mut readiness = readiness;
    for (i, n) in unevaluated {
        if let Some(e) = roster.get_mut(i as usize) {
            e.unevaluated = n;
            if e.verdict.is_none_or(|v| identities[v as usize].verdict == Verdict::Ready) {
                readiness.ready_not_fully_evaluated += 1;
            }
        }
    }
    lap("roster");
    let plugin_entries = plugins
        .iter()
        .map(|p| PluginEntry { name: p.name.clone(), version: p.version.clone(), source: p.source.clone(), sha256: p.sha256.clone(), checks: p.checks.iter().map(|c| c.id.clone()).collect() })
        .collect();
    Ok(Audit {
        schema_version: findings::SCHEMA_VERSION,
        tool: findings::Tool { name: "hybrid-audit", version: env!("CARGO_PKG_VERSION"), plugin_abi: ABI_VERSION },
        as_of: options.as_of.to_string(),
        routing_domains: records.context.routing_domains.clone(),
        plugins: plugin_entries,
        inputs,
        join: joined.stats.clone(),
        checks,
        not_evaluated,
        partly_evaluated,
        check_failures: failures,
        readiness,
        summary,
        findings,
        identities,
        roster,
        join_issues,
        timings,
    })
}

/// Where a value a check reads could not be read on an identity (a bad GUID, `Ja` for a boolean …), the
/// check is not evaluated there, and says so:
/// - a *required* field unknown: its findings on that identity are taken out of `raw` (built on a value
///   read as empty, one could be false: "no msExchMailboxGuid" for a GUID with a typo) and the identity is
///   listed under the check;
/// - only *optional* fields unknown: a finding the check made stands (it rests on the values it had, as
///   when the exports lack an optional column: LIC001 without its start date); with none, the identity is
///   listed, since what the value would have shown is not known (LIC003 and a mailbox size).
///
/// Returns the checks so listed and, per identity, how many checks it is listed under.
fn withhold_unreadable(
    host: Option<&Host>,
    jobs: &[Job<'_>],
    records: &Records<'_>,
    availability: &Availability,
    data: &Dataset,
    joined: &Joined,
    raw: &mut Vec<Raw>,
) -> (Vec<PartlyEvaluated>, Vec<(u32, u32)>) {
    // Values are unknown where a cell could not be read, or where the exports leave them so without one
    // ([`Records::in_doubt`]).
    let in_doubt = || (0..records.len()).into_par_iter().any(|i| records.in_doubt(&joined.identities[i]));
    if !data.files.iter().any(|f| f.unreadable_values > 0) && !in_doubt() {
        return (Vec::new(), Vec::new());
    }
    let checks: Vec<&CheckSpec> = jobs.iter().flat_map(|j| j.checks.iter().copied()).collect();
    // A field no export carries is not sent at all: the checks already ran without it, for everyone.
    let reads = |c: &CheckSpec, u: &Unreadable| availability.has(u.field) && (c.fields.contains(&u.field) || c.optional.contains(&u.field));
    // Per identity with an unreadable value, the checks that read one (index into `checks`, and whether a
    // required field is among them): compact, as a column unreadable in every row makes it every identity.
    let mut affected: Vec<(u32, Vec<(u16, bool)>)> = (0..records.len())
        .into_par_iter()
        .filter_map(|i| {
            let u = records.unreadable(i);
            if u.is_empty() {
                return None;
            }
            let hit: Vec<(u16, bool)> = checks
                .iter()
                .enumerate()
                .filter(|(_, c)| u.iter().any(|u| reads(c, u)))
                .map(|(k, c)| (k as u16, u.iter().any(|u| c.fields.contains(&u.field))))
                .collect();
            (!hit.is_empty()).then_some((i as u32, hit))
        })
        .collect();
    if affected.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let index: HashMap<&str, u16> = checks.iter().enumerate().map(|(k, c)| (c.id.as_str(), k as u16)).collect();
    let hit_of = |affected: &[(u32, Vec<(u16, bool)>)], r: &Raw| -> Option<(usize, u16)> {
        let at = affected.binary_search_by_key(&r.identity, |a| a.0).ok()?;
        let k = *index.get(r.finding.check.as_str())?;
        Some((at, k))
    };
    let mut withheld: Vec<Summary> = vec![Summary::default(); checks.len()];
    // The (identity, check) pairs whose findings were withheld: they stay listed whatever else is learnt.
    let mut withheld_on: Vec<(usize, u16)> = Vec::new();
    raw.retain(|r| {
        let hit = hit_of(&affected, r);
        let keep = hit.is_none_or(|(at, k)| !affected[at].1.contains(&(k, true)));
        if let (false, Some((at, k))) = (keep, hit) {
            withheld[k as usize].add(r.finding.severity);
            withheld_on.push((at, k));
        }
        keep
    });
    withheld_on.sort_unstable();
    withheld_on.dedup();
    // A finding that stands on an identity whose optional values were unreadable: that check is not listed there.
    let mut stands: Vec<(usize, u16)> = raw.iter().filter_map(|r| hit_of(&affected, r)).collect();
    stands.sort_unstable();
    stands.dedup();
    for (at, k) in stands {
        affected[at].1.retain(|h| *h != (k, false));
    }
    rule_out_by_both_values(host, jobs, &checks, records, &withheld_on, &mut affected);
    let paths: Vec<Arc<str>> = data.files.iter().map(|f| Arc::from(f.path.as_str())).collect();
    let mut partly = Vec::new();
    for (k, c) in checks.iter().enumerate() {
        let listed_here = |hit: &Vec<(u16, bool)>| hit.iter().any(|h| h.0 == k as u16);
        let mut on: Vec<(String, u32)> = affected.iter().filter(|(_, hit)| listed_here(hit)).map(|(i, _)| (joined.name(data, *i as usize), *i)).collect();
        if on.is_empty() {
            continue;
        }
        let identities = on.len() as u64;
        on.sort_unstable();
        on.truncate(findings::PARTLY_LISTED);
        let listed = on
            .into_iter()
            .map(|(name, i)| {
                let hit: Vec<Unreadable> = records.unreadable(i as usize).into_iter().filter(|u| reads(c, u)).collect();
                let mut columns: Vec<&'static str> = hit.iter().flat_map(|u| u.columns.iter().copied()).collect();
                columns.sort();
                columns.dedup();
                let mut sources: Vec<Src> = hit.iter().flat_map(|u| u.sources.iter().copied()).collect();
                sources.sort();
                sources.dedup();
                UnreadableOn { identity: name, fields: hit.iter().map(|u| u.field.name()).collect(), columns, sources: sources.into_iter().map(|s| source(&paths, s)).collect() }
            })
            .collect();
        partly.push(PartlyEvaluated { check: c.id.clone(), name: c.name.clone(), identities, severity_up_to: c.severity_up_to(), withheld: withheld[k].clone(), listed });
    }
    partly.sort_by(|a, b| a.check.cmp(&b.check));
    let per_identity = affected.iter().filter(|(_, hit)| !hit.is_empty()).map(|(i, hit)| (*i, hit.len() as u32)).collect();
    (partly, per_identity)
}

/// The values an unknown value is tried with, where they cover every value it could have had: booleans
/// both ways; a mailbox size as none and as 1 PiB (a check that fires on neither cannot fire on any size
/// between); the mailbox plans of licenses exported without their disabled plans as enabled and as
/// disabled (only when that is what is unknown of the plans: an unreadable plan id is not tried).
fn tried_values(u: &Unreadable) -> Option<[Tried; 2]> {
    match u.field {
        Field::AdEnabled | Field::EntraAccountEnabled | Field::ExoAccountDisabled | Field::ExoRetentionHoldEnabled => Some([Tried::Bool(true), Tried::Bool(false)]),
        Field::ExoTotalItemSize => Some([Tried::Number(0), Tried::Number(1 << 50)]),
        Field::EntraExchangePlans if u.columns == [crate::record::UNSAID_DISABLED_PLANS] => Some([Tried::MailboxPlans(true), Tried::MailboxPlans(false)]),
        _ => None,
    }
}

/// A listed (identity, check) whose only unknown value can be tried ([`tried_values`]) is tried with
/// those values: where the check fires with neither, it could not have fired whatever the value, and the
/// identity is not listed for it (an unreadable AD `Enabled` listed LIC002 on a person without a previous
/// mailbox). A pair whose finding was withheld stays listed (which value is true is not known). Plugin
/// calls of two records per identity, in batches; a call that fails leaves its pairs listed.
fn rule_out_by_both_values(
    host: Option<&Host>,
    jobs: &[Job<'_>],
    checks: &[&CheckSpec],
    records: &Records<'_>,
    withheld_on: &[(usize, u16)],
    affected: &mut [(u32, Vec<(u16, bool)>)],
) {
    // Per identity: its one unknown field and the values to try it with, if that is all that is unknown on it.
    let single: Vec<Option<(Field, [Tried; 2])>> = affected
        .par_iter()
        .map(|(i, _)| match records.unreadable(*i as usize).as_slice() {
            [u] => tried_values(u).map(|values| (u.field, values)),
            _ => None,
        })
        .collect();
    let mut input = Vec::new();
    for job in jobs {
        let ks: Vec<u16> = job.checks.iter().filter_map(|c| checks.iter().position(|x| std::ptr::eq(*x, *c)).map(|k| k as u16)).collect();
        let tried = |a: usize, k: u16| ks.contains(&k) && withheld_on.binary_search(&(a, k)).is_err();
        // The identities with a pair of this plugin's checks to try: listed without a withheld finding.
        let todo: Vec<(usize, (Field, [Tried; 2]))> = affected
            .iter()
            .zip(&single)
            .enumerate()
            .filter_map(|(a, ((_, hit), one))| one.filter(|(f, _)| job.fields.contains(f) && hit.iter().any(|h| tried(a, h.0))).map(|one| (a, one)))
            .collect();
        for chunk in todo.chunks(512) {
            batch_header(job, records, chunk.len() * 2, &mut input);
            for &(a, (f, values)) in chunk {
                for value in values {
                    records.encode_with(affected[a].0 as usize, &job.fields, Some((f, value)), &mut input);
                }
            }
            let Ok(found) = evaluate(host, job, &input, 0, chunk.len() * 2) else { continue };
            let mut fired: Vec<(usize, u16)> = found.iter().filter_map(|r| checks.iter().position(|c| c.id == r.finding.check).map(|k| (chunk[r.identity as usize / 2].0, k as u16))).collect();
            fired.sort_unstable();
            fired.dedup();
            for &(a, _) in chunk {
                affected[a].1.retain(|h| !tried(a, h.0) || fired.binary_search(&(a, h.0)).is_ok());
            }
        }
    }
}

/// Encodes identities `start..end` for one plugin, runs it, validates the answer.
fn run_batch(host: Option<&Host>, job: &Job<'_>, records: &Records<'_>, start: usize, end: usize, input: &mut Vec<u8>) -> Result<Vec<Raw>, Failure> {
    batch_header(job, records, end - start, input);
    records.encode_batch(start..end, &job.fields, input);
    evaluate(host, job, input, start, end)
}

/// The batch's header and record count, into a cleared `input`.
fn batch_header(job: &Job<'_>, records: &Records<'_>, n: usize, input: &mut Vec<u8>) {
    let header = BatchHeader { abi: ABI_VERSION, context: records.context.clone(), checks: job.checks.iter().map(|c| c.id.clone()).collect() };
    input.clear();
    sdk::put(input, &header);
    sdk::put(input, &(n as u32));
}

/// Runs the plugin on an encoded batch (records `start..end`), validates the answer.
fn evaluate(host: Option<&Host>, job: &Job<'_>, input: &[u8], start: usize, end: usize) -> Result<Vec<Raw>, Failure> {
    let found = match (job.plugin, host) {
        (Loaded::Wasm(p), Some(h)) => h.evaluate(p, input)?,
        (Loaded::Native(p, _), _) => {
            let out = sdk::run_batch(p, input).map_err(|e| Failure { kind: FailureKind::InvalidOutput, message: e.to_string() })?;
            host::decode_findings(&out)?
        }
        (Loaded::Wasm(_), None) => return Err(Failure { kind: FailureKind::Incompatible, message: "no wasm engine".into() }),
    };
    let invalid = |m: String| Failure { kind: FailureKind::InvalidOutput, message: m };
    let mut out = Vec::with_capacity(found.len());
    for f in found {
        let Some(spec) = job.checks.iter().find(|c| c.id == f.check) else {
            return Err(invalid(format!("reported a finding for check `{}`, which is not one of its enabled checks", f.check)));
        };
        if f.identity as usize >= end - start {
            return Err(invalid(format!("check {} reported on identity {} of a batch of {}", f.check, f.identity, end - start)));
        }
        if f.severity != spec.severity && Some(f.severity) != spec.escalates_to {
            return Err(invalid(format!("check {} reported severity {}, its manifest allows {}", f.check, f.severity, spec.severity_text())));
        }
        for e in &f.evidence {
            let field = Field::from_id(e.field).ok_or_else(|| invalid(format!("check {} cites unknown field id {}", f.check, e.field)))?;
            if !spec.reads(field) {
                return Err(invalid(format!("check {} cites {} as evidence but does not declare it", f.check, field.name())));
            }
        }
        if f.message.trim().is_empty() {
            return Err(invalid(format!("check {} reported a finding with no message", f.check)));
        }
        out.push(Raw { identity: (start + f.identity as usize) as u32, finding: f });
    }
    Ok(out)
}

/// The findings in the order every output lists them: most severe first, then by check, identity (UPN)
/// and finding id; findings equal in all four keep the order the plugins reported them in. A finding is
/// some 250 bytes and its texts lie all over the heap: sorting the findings themselves moved each a score
/// of times and followed two or three pointers per comparison (0.5 s of the "findings" step at 447,616
/// findings). Small keys are sorted instead, on every core — severity, the check's rank, the UPN's first
/// 24 bytes, the index — the texts compared whole only where those tie, and each finding moved once.
fn sorted(findings: Vec<Finding>) -> Vec<Finding> {
    let checks: std::collections::BTreeSet<&str> = findings.iter().map(|f| f.check.as_str()).collect();
    let rank: HashMap<&str, u16> = checks.into_iter().enumerate().map(|(i, c)| (c, i as u16)).collect();
    let mut keys: Vec<(std::cmp::Reverse<Severity>, u16, [u64; 3], u32)> =
        findings.par_iter().enumerate().map(|(i, f)| (std::cmp::Reverse(f.severity), rank[f.check.as_str()], findings::sort_prefix(&f.identity.upn), i as u32)).collect();
    keys.par_sort_unstable_by(|a, b| {
        (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| {
            let (x, y) = (&findings[a.3 as usize], &findings[b.3 as usize]);
            x.identity.upn.cmp(&y.identity.upn).then_with(|| x.id.cmp(&y.id)).then(a.3.cmp(&b.3))
        })
    });
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    keys.into_iter().filter_map(|k| slots[k.3 as usize].take()).collect()
}

/// `paths`: each input file's path (by file index), shared by the evidence sources that cite it.
fn to_finding(r: Raw, specs: &[&CheckSpec], records: &Records<'_>, paths: &[Arc<str>], data: &Dataset, joined: &Joined, as_of: sdk::Date) -> Finding {
    let Raw { identity: at, finding: f } = r;
    let index = at as usize;
    let identity = identity_ref(data, joined, index);
    let name = specs.iter().find(|c| c.id == f.check).map(|c| c.name.clone()).unwrap_or_default();
    let keys: Vec<(u32, Option<u32>)> = f.evidence.iter().map(|e| (e.field, e.index)).collect();
    let evidence = f
        .evidence
        .into_iter()
        .filter_map(|e| {
            let field = Field::from_id(e.field)?;
            let sources = records.provenance(index, field, e.index).into_iter().map(|s| source(paths, s)).collect();
            Some(EvidenceItem { field: field.name(), value: e.value, sources })
        })
        .collect();
    Finding {
        id: Finding::stable_id(&f.check, &identity, &keys),
        check: f.check,
        name,
        severity: f.severity,
        identity,
        message: f.message,
        evidence,
        remediation: f.remediation,
        deadline: f.deadline.map(|d| d.to_string()),
        days_left: f.deadline.map(|d| as_of.days_until(d) as i64),
        identity_index: at,
    }
}

fn identity_ref(data: &Dataset, joined: &Joined, index: usize) -> IdentityRef {
    let ident = &joined.identities[index];
    let ad = ident.ad.map(|a| &data.ad_users[a as usize]);
    let entra = ident.entra.map(|e| &data.entra_users[e as usize]);
    let exo = ident.exo.or(ident.previous_mailboxes.first().copied()).map(|x| &joined.exo_objects[x as usize]);
    IdentityRef {
        upn: joined.name(data, index),
        ad_object_guid: ad.and_then(|u| u.object_guid),
        source_anchor: ad.and_then(|u| u.source_anchor()),
        entra_id: entra.and_then(|u| u.id),
        immutable_id: entra.and_then(|u| data.entra_users.text(u.immutable_id)).map(str::to_string),
        exo_guid: exo.and_then(|o| o.guid(data)),
        exchange_guid: exo.and_then(|o| o.exchange_guid(data)),
        ad_matched_by: ident.ad_key,
        exo_matched_by: ident.exo_key,
    }
}

fn readiness(findings: &[Finding], identities: usize) -> (Readiness, Vec<IdentityVerdict>) {
    let mut by_identity: Vec<(u32, usize)> = findings.iter().enumerate().map(|(i, f)| (f.identity_index, i)).collect();
    by_identity.sort_unstable();
    let mut verdicts = Vec::new();
    let mut r = Readiness::default();
    for group in by_identity.chunk_by(|a, b| a.0 == b.0) {
        let worst = group.iter().map(|&(_, i)| findings[i].severity).max().unwrap_or(Severity::Info);
        let verdict = Verdict::of(Some(worst));
        match verdict {
            Verdict::Blocked => r.blocked += 1,
            Verdict::Attention => r.attention += 1,
            Verdict::Ready => r.ready += 1,
        }
        let mut ids: Vec<String> = group.iter().map(|&(_, i)| findings[i].id.clone()).collect();
        ids.sort();
        verdicts.push(IdentityVerdict { index: group[0].0, upn: findings[group[0].1].identity.upn.clone(), verdict, worst, findings: ids });
    }
    r.ready += (identities - verdicts.len()) as u64;
    verdicts.par_sort_by(|a, b| a.upn.cmp(&b.upn).then_with(|| a.findings.cmp(&b.findings)));
    (r, verdicts)
}

/// Every identity, named, with its sides and verdict (the Readiness sheet).
fn roster(data: &Dataset, joined: &Joined, verdicts: &[IdentityVerdict]) -> Vec<RosterEntry> {
    let ids = &joined.identities;
    let entra_user = |i: usize| ids.get(i).and_then(|x| x.entra).and_then(|e| data.entra_users.get(e as usize));
    let mut roster: Vec<RosterEntry> = (0..ids.len())
        .into_par_iter()
        .with_min_len(4096)
        .map(|i| {
            let ident = &ids[i];
            // The name is the Entra UPN. Entra users are in identity order (the join numbers them first),
            // yet asked for ahead — the row 16 identities on, its text 8 on — the step is faster, likely
            // because in 4 KiB pages (`alloc::small_pages_only`) the hardware prefetcher stops at every
            // page. At 800k identities (bench `child-checks`, 4 rounds, 3 alternating pairs, 2026-11-25):
            // 0.08-0.09 s without, 0.06-0.07 s with.
            if let Some(u) = entra_user(i + 16) {
                prefetch::value(u);
            }
            if let Some(p) = entra_user(i + 8).and_then(|u| data.entra_users.text_address(u.user_principal_name)) {
                prefetch::range(p, 64);
            }
            RosterEntry {
                name: joined.name(data, i).into_boxed_str(),
                ad: ident.ad.is_some(),
                entra: ident.entra.is_some(),
                exo: ident.exo.is_some(),
                previous_mailboxes: ident.previous_mailboxes.len() as u32,
                ad_matched_by: ident.ad_key,
                exo_matched_by: ident.exo_key,
                ambiguous: ident.ambiguous,
                verdict: None,
                unevaluated: 0,
            }
        })
        .collect();
    for (v, verdict) in verdicts.iter().enumerate() {
        roster[verdict.index as usize].verdict = Some(v as u32);
    }
    roster
}

/// The row `src` names, its file's path taken from `paths` (by file index, shared by every row of a file).
fn source(paths: &[Arc<str>], src: Src) -> Source {
    Source { path: paths.get(src.file as usize).cloned().unwrap_or_else(|| "?".into()), line: src.line }
}

/// The objects the join could not link (per side) and those of ambiguous matches (the Join sheet).
fn join_issues(data: &Dataset, joined: &Joined, paths: &[Arc<str>]) -> Vec<JoinIssue> {
    let exo_issue = |x: u32, problem: String| {
        let o = &joined.exo_objects[x as usize];
        JoinIssue {
            directory: "Exchange Online",
            problem,
            name: o.user_principal_name(data).or(o.primary_smtp_address(data)).unwrap_or("").to_string(),
            key: o.guid(data).map(|g| g.to_string()).unwrap_or_default(),
            source: o.rows().find_map(|r| data.exo_recipients.row(r).src).map(|s| source(paths, s)),
        }
    };
    let ad_issue = |a: u32, problem: String| {
        let u = &data.ad_users[a as usize];
        let name = data.ad_users.text(u.user_principal_name).or(data.ad_users.text(u.sam_account_name)).or(data.ad_users.text(u.distinguished_name)).unwrap_or("");
        JoinIssue { directory: "Active Directory", problem, name: name.to_string(), key: u.object_guid.map(|g| g.to_string()).unwrap_or_default(), source: u.src.map(|s| source(paths, s)) }
    };
    let entra_issue = |e: u32, problem: String| {
        let u = &data.entra_users[e as usize];
        JoinIssue {
            directory: "Entra ID",
            problem,
            name: data.entra_users.text(u.user_principal_name).unwrap_or("").to_string(),
            key: u.id.map(|g| g.to_string()).unwrap_or_default(),
            source: u.src.map(|s| source(paths, s)),
        }
    };
    let mut out = Vec::new();
    for ident in &joined.identities {
        match (ident.ad, ident.entra) {
            // With no Entra export every AD user is unmatched: the Summary says Entra was not exported.
            (Some(a), None) if !data.entra_users.is_empty() => out.push(ad_issue(a, "AD user with no Entra user (not synced, or out of sync scope)".into())),
            (None, Some(e)) => {
                let problem = if data.entra_users[e as usize].immutable_id.is_some() {
                    "synced Entra user whose source anchor no AD object in the export carries"
                } else {
                    "cloud-only Entra user (no AD object)"
                };
                out.push(entra_issue(e, problem.into()));
            }
            (None, None) => {
                if let Some(x) = ident.exo {
                    out.push(exo_issue(x, "Exchange Online recipient with no directory user".into()));
                }
                for &x in &ident.previous_mailboxes {
                    out.push(exo_issue(x, "soft-deleted or inactive mailbox whose user is gone".into()));
                }
            }
            _ => {}
        }
    }
    for amb in &joined.ambiguities {
        let problem = format!("ambiguous: {} {} matches {} objects, none linked", amb.key.as_str(), amb.value, amb.objects.len());
        for o in &amb.objects {
            out.push(match o.side {
                Side::Ad => ad_issue(o.index, problem.clone()),
                Side::Entra => entra_issue(o.index, problem.clone()),
                Side::Exo => exo_issue(o.index, problem.clone()),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity, check: &str, upn: &str, id: &str, message: &str) -> Finding {
        Finding {
            id: id.to_string(),
            check: check.to_string(),
            name: String::new(),
            severity,
            identity: IdentityRef { upn: upn.to_string(), ..Default::default() },
            message: message.to_string(),
            evidence: Vec::new(),
            remediation: String::new(),
            deadline: None,
            days_left: None,
            identity_index: 0,
        }
    }

    /// The keyed sort gives the order of a stable sort on (severity descending, check, UPN, id): UPNs
    /// that share their first 24 bytes or are prefixes of one another, a NUL byte, non-ASCII, and
    /// findings equal in all four (which keep their order: told apart by their messages here).
    #[test]
    fn findings_sort_as_a_stable_sort_on_their_four_keys() {
        let upns = ["catherine.hernandez.longname@contoso.com", "catherine.hernandez.longname@contoso.co", "catherine.hernandez.lo", "catherine.hernandez.lo\0", "", "zoë@contoso.com", "a@b", "catherine.hernandez.longnamf@x"];
        let checks = ["PROV006", "LIC006", "HOLD001", "PROV00"];
        let severities = [Severity::Info, Severity::Critical, Severity::Medium, Severity::High];
        let mut all = Vec::new();
        let mut n = 0usize;
        for (i, upn) in upns.iter().enumerate() {
            for (j, check) in checks.iter().enumerate() {
                for k in 0..3 {
                    n += 1;
                    let severity = severities[(i * 7 + j * 3) % severities.len()];
                    // Three ids per (check, identity), one of them twice: equal findings.
                    let id = format!("{check}-{}", ["b", "a", "b"][k]);
                    all.push(finding(severity, check, upn, &id, &format!("#{n}")));
                }
            }
        }
        // A fixed shuffle, so the reported order is no sorted order.
        let mut shuffled: Vec<Finding> = Vec::new();
        let mut at = 0;
        for _ in 0..all.len() {
            at = (at + 37) % all.len();
            while shuffled.iter().any(|f: &Finding| f.message == all[at].message) {
                at = (at + 1) % all.len();
            }
            shuffled.push(all[at].clone());
        }
        let mut expected = shuffled.clone();
        expected.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.check.cmp(&b.check)).then_with(|| a.identity.upn.cmp(&b.identity.upn)).then_with(|| a.id.cmp(&b.id)));
        let got: Vec<String> = sorted(shuffled).into_iter().map(|f| f.message).collect();
        assert_eq!(got, expected.into_iter().map(|f| f.message).collect::<Vec<_>>());
    }
}
