//! The plugin host: wasmtime with only what it needs. Each plugin is compiled once; its `InstancePre` is
//! cached; every batch gets a fresh store with a memory limit and an epoch deadline; the linker defines
//! no imports. Whatever a plugin does — loop, grow without end, trap, answer nonsense, speak another
//! ABI — ends as a [`Failure`] naming it, never as a crash or a silent pass.

use hybrid_audit_sdk::manifest::{self, Manifest};
use hybrid_audit_sdk::{Field, Finding, Severity, ABI_VERSION, MANIFEST_SECTION};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module, PoolingAllocationConfig, ResourceLimiter, Store, Trap};

include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));

/// Why a plugin's checks did not run to the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Timeout,
    Oom,
    Trap,
    InvalidOutput,
    Incompatible,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    fn new(kind: FailureKind, message: impl Into<String>) -> Failure {
        Failure { kind, message: message.into() }
    }
}

/// Limits every call runs under.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Wall time for one batch (instantiation, start function and evaluation).
    pub timeout: Duration,
    /// Linear memory of one instance.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { timeout: Duration::from_secs(10), memory_bytes: 512 << 20 }
    }
}

/// A check of a loaded plugin, its fields resolved.
#[derive(Clone, Debug)]
pub struct CheckSpec {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub escalates_to: Option<Severity>,
    pub fields: Vec<Field>,
    pub optional: Vec<Field>,
    pub doc: String,
}

impl CheckSpec {
    pub fn reads(&self, f: Field) -> bool {
        self.fields.contains(&f) || self.optional.contains(&f) || hybrid_audit_sdk::NAMING_FIELDS.contains(&f)
    }

    /// The most severe finding the check can report (its escalated severity, if any).
    pub fn severity_up_to(&self) -> Severity {
        self.escalates_to.map_or(self.severity, |e| e.max(self.severity))
    }

    pub fn severity_text(&self) -> String {
        match self.escalates_to {
            Some(e) => format!("{} / {e}", self.severity),
            None => self.severity.to_string(),
        }
    }
}

/// A plugin as its manifest describes it, read without running it.
#[derive(Clone, Debug)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    /// `built-in` or the file it was read from.
    pub source: String,
    pub sha256: String,
    pub checks: Vec<CheckSpec>,
}

/// Reads a plugin's manifest: the ABI version first, then its checks and their fields.
pub fn read_manifest(bytes: &[u8], source: &str) -> Result<PluginInfo, Failure> {
    let incompatible = |m: String| Failure::new(FailureKind::Incompatible, m);
    let mut section = None;
    let mut imports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| incompatible(format!("not a valid wasm module: {e}")))? {
            wasmparser::Payload::CustomSection(c) if c.name() == MANIFEST_SECTION => section = Some(c.data().to_vec()),
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| incompatible(format!("unreadable import section: {e}")))?;
                    imports.push(format!("{}::{}", import.module, import.name));
                }
            }
            _ => {}
        }
    }
    let section = section.ok_or_else(|| incompatible(format!("no `{MANIFEST_SECTION}` custom section: not a hybrid-audit plugin (declare its checks with hybrid_audit_sdk::plugin!)")))?;
    let m: Manifest = manifest::parse(&section).map_err(|e| incompatible(format!("unreadable manifest: {e}")))?;
    if m.abi != ABI_VERSION {
        return Err(incompatible(format!("built for plugin ABI version {}, this hybrid-audit speaks version {ABI_VERSION}: rebuild it against hybrid-audit-sdk {ABI_VERSION}.x", m.abi)));
    }
    if !imports.is_empty() {
        return Err(incompatible(format!("imports {}: plugins may import nothing", imports.join(", "))));
    }
    let mut checks = Vec::new();
    for c in m.checks {
        let resolve = |names: &[String]| -> Result<Vec<Field>, Failure> {
            names.iter().map(|n| Field::from_name(n).ok_or_else(|| incompatible(format!("check {} declares the unknown field `{n}`", c.id)))).collect()
        };
        let fields = resolve(&c.fields)?;
        let optional = resolve(&c.optional)?;
        checks.push(CheckSpec { id: c.id, name: c.name, severity: c.severity, escalates_to: c.escalates_to, fields, optional, doc: c.doc });
    }
    if checks.is_empty() {
        return Err(incompatible("declares no checks".to_string()));
    }
    Ok(PluginInfo { name: m.name, version: m.version, source: source.to_string(), sha256: crate::findings::sha256_hex(bytes), checks })
}

/// What a store carries: its memory limit, and whether it refused a growth (to tell `oom` from `trap`).
struct StoreLimits {
    memory_bytes: usize,
    refused: bool,
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let ok = desired <= self.memory_bytes;
        self.refused |= !ok;
        Ok(ok)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// A compiled plugin, ready to instantiate.
pub struct Plugin {
    pub info: PluginInfo,
    pre: InstancePre<StoreLimits>,
}

/// The wasm engine and the thread that advances its epoch (the clock deadlines count in).
pub struct Host {
    engine: Engine,
    limits: Limits,
    /// Where compiled plugins are kept between runs (none: compile every run).
    cache: Option<PathBuf>,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

const TICK: Duration = Duration::from_millis(10);

/// The most elements a plugin's table may hold.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl Host {
    /// `cache`: a folder to keep compiled plugins in between runs ([`default_cache_dir`]), or none.
    pub fn new(limits: Limits, cache: Option<PathBuf>) -> Result<Host, String> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.max_wasm_stack(1 << 20);
        // Every batch gets a fresh instance; the pooling allocator gives it a memory slot used before,
        // reset by zeroing what the last batch dirtied, instead of mapping new memory and faulting it in
        // page by page. At 800k identities (2026-11-23): page faults of a whole run 230-257k -> 60-98k,
        // its system CPU 3.9-5.5 s -> 3.4-4.5 s; the plugin calls 2.87 -> 2.57 s (medians of 6
        // alternating rounds in one process, bench `child-checks`).
        // Instances run one per calling thread (the checks' rayon workers), so four slots per thread
        // never run out; each reserves address space only (4 GiB + guard, as a fresh memory does).
        // Tables may grow as far as `table_growing` allows; memory is capped by `memory_growing`.
        let threads = rayon::current_num_threads().max(std::thread::available_parallelism().map_or(1, |n| n.get()));
        let slots = u32::try_from(threads.saturating_mul(4).max(16)).unwrap_or(u32::MAX);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_core_instances(slots)
            .total_memories(slots)
            .total_tables(slots)
            .table_elements(MAX_TABLE_ELEMENTS)
            .linear_memory_keep_resident(64 << 20)
            .table_keep_resident(1 << 20);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        // The pool reserves its address space up front (some 65 GiB on two cores). Where that is refused
        // (a `ulimit -v`, valgrind), each batch maps its own memory, as without the pool.
        let engine = Engine::new(&config)
            .or_else(|_| Engine::new(config.allocation_strategy(InstanceAllocationStrategy::OnDemand)))
            .map_err(|e| format!("cannot start the wasm engine: {e}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (engine, stop) = (engine.clone(), stop.clone());
            std::thread::Builder::new()
                .name("plugin-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| format!("cannot start the plugin clock: {e}"))?
        };
        Ok(Host { engine, limits, cache, stop, ticker: Some(ticker) })
    }

    /// Reads the manifest, compiles, and checks the exports. Any problem is `incompatible`.
    pub fn load(&self, bytes: &[u8], source: &str) -> Result<Plugin, Failure> {
        let info = read_manifest(bytes, source)?;
        let incompatible = |m: String| Failure::new(FailureKind::Incompatible, m);
        let module = self.compile(bytes, &info.sha256).map_err(|e| incompatible(format!("does not compile: {e}")))?;
        for (name, params, results) in [("hybrid_audit_alloc", "i32", "i32"), ("hybrid_audit_evaluate", "i32", "i64")] {
            let ty = module.get_export(name).and_then(|e| e.func().cloned());
            let ok = ty.as_ref().is_some_and(|t| {
                let p: Vec<String> = t.params().map(|v| v.to_string()).collect();
                let r: Vec<String> = t.results().map(|v| v.to_string()).collect();
                p == [params] && r == [results]
            });
            if !ok {
                return Err(incompatible(format!("does not export `{name}: ({params}) -> {results}` (plugin ABI {ABI_VERSION})")));
            }
        }
        if module.get_export("memory").and_then(|e| e.memory().cloned()).is_none() {
            return Err(incompatible("does not export its `memory`".to_string()));
        }
        let linker: Linker<StoreLimits> = Linker::new(&self.engine);
        let pre = linker.instantiate_pre(&module).map_err(|e| incompatible(format!("cannot be instantiated without imports: {e}")))?;
        Ok(Plugin { info, pre })
    }

    /// The plugin compiled: from the cache when it holds this plugin compiled by this engine, else by
    /// cranelift (then kept in the cache, when there is one and it can be written).
    /// `sha256`: the plugin's, as its manifest reading found it.
    fn compile(&self, bytes: &[u8], sha256: &str) -> wasmtime::Result<Module> {
        let Some(dir) = &self.cache else { return Module::new(&self.engine, bytes) };
        let path = dir.join(format!("{}.cwasm", self.cache_key(sha256)));
        if let Some(module) = self.cached(&path) {
            return Ok(module);
        }
        let module = Module::new(&self.engine, bytes)?;
        // A cache that cannot be written costs the next run a compile, nothing else.
        if let Ok(artifact) = module.serialize() {
            let _ = keep(dir, &path, &artifact);
        }
        Ok(module)
    }

    /// The plugin's SHA-256 and what the compiled code depends on: this hybrid-audit and the engine's
    /// version and settings (wasmtime's compatibility hash).
    fn cache_key(&self, sha256: &str) -> String {
        use std::hash::{Hash, Hasher};
        let mut engine = std::collections::hash_map::DefaultHasher::new();
        env!("CARGO_PKG_VERSION").hash(&mut engine);
        self.engine.precompile_compatibility_hash().hash(&mut engine);
        format!("{sha256}-{:016x}", engine.finish())
    }

    /// The compiled plugin at `path`, if it is whole: the file is the artifact's SHA-256, then the
    /// artifact. A torn or damaged file, or one another engine wrote, is compiled again.
    #[allow(unsafe_code)]
    fn cached(&self, path: &Path) -> Option<Module> {
        let file = std::fs::read(path).ok()?;
        let (sum, artifact) = file.split_at_checked(32)?;
        if Sha256::digest(artifact).as_slice() != sum {
            return None;
        }
        // SAFETY: `Module::deserialize` runs native code from the artifact without validating it, so it
        // must come from `Module::serialize`. This one does: the cache folder is the user's own (made
        // 0700, each file 0600 and renamed into place whole), the checksum above rules out a torn or
        // damaged write, and wasmtime refuses an artifact of another version or other settings. Whoever
        // can write to the user's cache folder can already run code as the user.
        let module = unsafe { Module::deserialize(&self.engine, artifact) }.ok()?;
        // Marked as used, so that pruning keeps it (see `prune`).
        let _ = std::fs::File::options().write(true).open(path).and_then(|f| f.set_modified(std::time::SystemTime::now()));
        Some(module)
    }

    /// Runs one encoded batch in a fresh instance; returns the findings it reported.
    pub fn evaluate(&self, plugin: &Plugin, input: &[u8]) -> Result<Vec<Finding>, Failure> {
        let mut store = Store::new(&self.engine, StoreLimits { memory_bytes: self.limits.memory_bytes, refused: false });
        store.limiter(|s| s);
        let ticks = (self.limits.timeout.as_millis() / TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        let result = (|| -> Result<Vec<u8>, Stop> {
            let instance = plugin.pre.instantiate(&mut store)?;
            let alloc = instance.get_typed_func::<u32, u32>(&mut store, "hybrid_audit_alloc")?;
            let evaluate = instance.get_typed_func::<u32, u64>(&mut store, "hybrid_audit_evaluate")?;
            let memory = instance.get_memory(&mut store, "memory").ok_or_else(|| wasmtime::format_err!("no memory export"))?;
            let len = u32::try_from(input.len()).map_err(|_| wasmtime::format_err!("batch larger than 4 GiB"))?;
            let ptr = alloc.call(&mut store, len)?;
            memory.write(&mut store, ptr as usize, input).map_err(|_| Stop::Output("alloc returned a region outside its memory".into()))?;
            let packed = evaluate.call(&mut store, len)?;
            if packed == u64::MAX {
                return Err(Stop::Output("the plugin could not decode its input".into()));
            }
            let (ptr, len) = ((packed >> 32) as usize, (packed & 0xFFFF_FFFF) as usize);
            let mut out = vec![0u8; len];
            memory.read(&store, ptr, &mut out).map_err(|_| Stop::Output(format!("output ({len} bytes at {ptr}) lies outside its memory")))?;
            Ok(out)
        })();
        let refused = store.data().refused;
        match result {
            Ok(out) => decode_findings(&out),
            Err(Stop::Output(message)) => Err(Failure::new(FailureKind::InvalidOutput, message)),
            Err(Stop::Wasm(e)) => Err(classify(&e, refused, self.limits)),
        }
    }
}

/// Where compiled plugins are kept by default: `$HYBRID_AUDIT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/hybrid-audit`, else `~/.cache/hybrid-audit`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("HYBRID_AUDIT_CACHE_DIR").or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("hybrid-audit"))).or_else(|| var("HOME").map(|h| h.join(".cache").join("hybrid-audit")))
}

/// Writes a compiled plugin into the cache: a private file renamed into place once whole, so a reader
/// sees the old file, the new one, or none.
fn keep(dir: &Path, path: &Path, artifact: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut folder = std::fs::DirBuilder::new();
    folder.recursive(true);
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        folder.mode(0o700);
        file.mode(0o600);
    }
    folder.create(dir)?;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = dir.join(format!(".{}.{}.tmp", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    let written = file.open(&tmp).and_then(|mut f| {
        f.write_all(&Sha256::digest(artifact))?;
        f.write_all(artifact)?;
        f.sync_all()
    });
    let result = written.and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    prune(dir, std::time::SystemTime::now());
    result
}

/// Compiled plugins unused for this long are removed when another is kept (each earlier version of
/// hybrid-audit leaves its own, ~0.9 MB for the built-in plugin).
const UNUSED_FOR: Duration = Duration::from_secs(90 * 24 * 3600);
/// A temp file this old is left over from a run that stopped while writing it.
const LEFT_OVER_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Removes from the cache folder the compiled plugins not used for [`UNUSED_FOR`] and the temp files
/// older than [`LEFT_OVER_AFTER`]; anything else there is left alone.
fn prune(dir: &Path, now: std::time::SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let limit = if name.ends_with(".cwasm") && !name.starts_with('.') {
            UNUSED_FOR
        } else if name.starts_with('.') && name.ends_with(".tmp") {
            LEFT_OVER_AFTER
        } else {
            continue;
        };
        let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| now.duration_since(t).ok());
        if age.is_some_and(|age| age > limit) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Why a call ended early: the plugin's code stopped (trap, deadline, memory), or what it answered is wrong.
enum Stop {
    Wasm(wasmtime::Error),
    Output(String),
}

impl From<wasmtime::Error> for Stop {
    fn from(e: wasmtime::Error) -> Self {
        Stop::Wasm(e)
    }
}

fn classify(e: &wasmtime::Error, refused: bool, limits: Limits) -> Failure {
    let text = format!("{e:#}");
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => Failure::new(FailureKind::Timeout, format!("stopped after {} s (the limit for one batch)", limits.timeout.as_secs_f64())),
        _ if refused => Failure::new(FailureKind::Oom, format!("stopped when it asked for more than {} MiB of memory; {text}", limits.memory_bytes >> 20)),
        Some(Trap::StackOverflow) => Failure::new(FailureKind::Trap, "call stack exhausted".to_string()),
        Some(trap) => Failure::new(FailureKind::Trap, format!("{trap}")),
        None => Failure::new(FailureKind::Trap, text),
    }
}

/// Decodes a batch's findings (wasm or native).
pub fn decode_findings(out: &[u8]) -> Result<Vec<Finding>, Failure> {
    postcard::from_bytes::<Vec<Finding>>(out).map_err(|e| Failure::new(FailureKind::InvalidOutput, format!("findings are not in the ABI {ABI_VERSION} encoding: {e}")))
}

impl Drop for Host {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir).expect("cache folder").map(|e| e.expect("entry").path()).collect();
        files.sort();
        files
    }

    /// The built-in plugin, loaded through a cache in `dir`; its checks are listed either way.
    fn load(dir: &Path) -> Plugin {
        let host = Host::new(Limits::default(), Some(dir.to_path_buf())).expect("engine");
        host.load(BUILTIN[0].1, "built-in").expect("the built-in plugin loads")
    }

    #[test]
    fn a_compiled_plugin_is_kept_privately_and_reused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("cache");
        load(&dir);
        let files = cache_files(&dir);
        assert_eq!(files.len(), 1, "one compiled plugin, no temp file left: {files:?}");
        assert!(files[0].extension().is_some_and(|e| e == "cwasm"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&dir).expect("dir").permissions().mode() & 0o777, 0o700);
            assert_eq!(std::fs::metadata(&files[0]).expect("file").permissions().mode() & 0o777, 0o600);
        }
        let before = std::fs::read(&files[0]).expect("artifact");
        // A second engine (another run) reads it instead of compiling: the file is left as it was.
        let host = Host::new(Limits::default(), Some(dir.clone())).expect("engine");
        let path = dir.join(format!("{}.cwasm", host.cache_key(&crate::findings::sha256_hex(BUILTIN[0].1))));
        assert_eq!(path, files[0], "the key is the plugin and the engine, the same in every run");
        assert!(host.cached(&path).is_some(), "the kept artifact loads");
        host.load(BUILTIN[0].1, "built-in").expect("loads from the cache");
        assert_eq!(std::fs::read(&files[0]).expect("artifact"), before);
        assert_eq!(cache_files(&dir), files);
    }

    #[test]
    fn a_damaged_cache_file_is_compiled_again_and_replaced() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("cache");
        load(&dir);
        let path = cache_files(&dir).remove(0);
        let good = std::fs::read(&path).expect("artifact");
        let host = Host::new(Limits::default(), Some(dir.clone())).expect("engine");
        let mut flipped = good.clone();
        let at = flipped.len() / 2;
        flipped[at] ^= 0x55;
        // A checksum that matches bytes that are no artifact: wasmtime refuses them.
        let junk = b"not a compiled module at all".to_vec();
        let mut forged = Sha256::digest(&junk).to_vec();
        forged.extend_from_slice(&junk);
        for damaged in [flipped, good[..good.len() / 3].to_vec(), Vec::new(), forged] {
            std::fs::write(&path, &damaged).expect("damage");
            assert!(host.cached(&path).is_none(), "a damaged file ({} bytes) is not used", damaged.len());
            host.load(BUILTIN[0].1, "built-in").expect("compiled again");
            assert!(host.cached(&path).is_some(), "and kept again, whole");
        }
    }

    #[test]
    fn keeping_a_plugin_prunes_what_has_long_gone_unused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("cache");
        std::fs::create_dir_all(&dir).expect("dir");
        let aged = |name: &str, days: u64| {
            let path = dir.join(name);
            std::fs::write(&path, "x").expect("file");
            let when = std::time::SystemTime::now() - Duration::from_secs(days * 24 * 3600);
            std::fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(when)).expect("mtime");
            path
        };
        let old = aged("old-version.cwasm", 100);
        let recent = aged("other-version.cwasm", 10);
        let stale_tmp = aged(".123.0.tmp", 2);
        let fresh_tmp = aged(".124.0.tmp", 0);
        let other = aged("notes.txt", 400);
        load(&dir);
        assert!(!old.exists() && !stale_tmp.exists(), "a plugin unused for 100 days and a 2-day-old temp file are removed");
        assert!(recent.exists() && fresh_tmp.exists() && other.exists(), "used lately, being written, or not ours: kept");
        // A plugin read from the cache counts as used: its time is renewed.
        let kept = cache_files(&dir).into_iter().find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().len() > 64)).expect("the built-in plugin");
        let long_ago = std::time::SystemTime::now() - Duration::from_secs(200 * 24 * 3600);
        std::fs::File::options().write(true).open(&kept).and_then(|f| f.set_modified(long_ago)).expect("mtime");
        load(&dir);
        let age = std::fs::metadata(&kept).and_then(|m| m.modified()).expect("mtime").elapsed().unwrap_or_default();
        assert!(age < Duration::from_secs(3600), "its time is renewed when it is used");
    }

    #[test]
    fn a_cache_that_cannot_be_written_costs_only_the_compile() {
        let tmp = tempfile::tempdir().expect("tempdir");
        // A file where the folder should be.
        let dir = tmp.path().join("cache");
        std::fs::write(&dir, "in the way").expect("file");
        let plugin = load(&dir);
        assert_eq!(plugin.info.checks.len(), 27);
    }
}
