//! The command line: parsing, exit codes, and nothing else.

use clap::{Parser, Subcommand, ValueEnum};
use hybrid_audit::{audit, host, ingest, inspect, join, model, report, values::DateOrder};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use hybrid_audit_sdk::{Date, Severity};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "hybrid-audit", version, about = "Audit Microsoft 365 / Exchange hybrid mailbox provisioning from directory exports")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum DateOrderArg {
    /// en-US: 4/12/2019 is April 12
    MonthFirst,
    /// most other cultures: 12/4/2019 is April 12
    DayFirst,
}

#[derive(Subcommand)]
enum Command {
    /// Show what each export file was read as and how the directories join per person
    Inspect {
        /// Folder of exports (searched recursively; file names do not matter)
        dir: PathBuf,
        /// Print one JSON object instead of tables
        #[arg(long)]
        json: bool,
        /// Day/month order for files whose own dates do not settle it
        #[arg(long, value_enum)]
        date_order: Option<DateOrderArg>,
    },
    /// Run every check on the exports and write the reports (findings.json, audit.xlsx, report.html,
    /// findings.csv, remediation.ps1)
    Run {
        /// Folder of exports (searched recursively; file names do not matter)
        dir: PathBuf,
        /// Folder to write the reports to (created if missing)
        #[arg(long)]
        out: PathBuf,
        /// Audit date (YYYY-MM-DD): deadlines and ages count from it [default: today, UTC]
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Folder of extra check plugins (.wasm); may be given more than once
        #[arg(long)]
        plugins: Vec<PathBuf>,
        /// Day/month order for files whose own dates do not settle it
        #[arg(long, value_enum)]
        date_order: Option<DateOrderArg>,
        /// Wall-time limit for one plugin call, in seconds
        #[arg(long, default_value_t = 10.0)]
        plugin_timeout: f64,
        /// Memory limit of one plugin instance, in MiB
        #[arg(long, default_value_t = 512)]
        plugin_memory: usize,
        /// Exit with code 3 when a finding is at or above this severity: info, low, medium, high or critical
        /// (default: exit 0 whatever is found)
        #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
        fail_on: Option<Severity>,
        /// Folder with your own report.html / remediation-header.ps1 templates (copies of reports/ to edit)
        #[arg(long)]
        templates: Option<PathBuf>,
        /// Print nothing on stdout and no progress; errors still go to stderr
        #[arg(long, short)]
        quiet: bool,
        /// Run the built-in checks natively instead of in the wasm sandbox (testing and benchmarks)
        #[arg(long, hide = true)]
        native: bool,
        /// Compile the plugins afresh and keep nothing (by default compiled plugins are kept in
        /// $HYBRID_AUDIT_CACHE_DIR, else $XDG_CACHE_HOME/hybrid-audit, else ~/.cache/hybrid-audit)
        #[arg(long)]
        no_plugin_cache: bool,
    },
    /// List the checks (built-in and plugins) from their manifests, without running them
    Checks {
        /// Folder of extra check plugins (.wasm); may be given more than once
        #[arg(long)]
        plugins: Vec<PathBuf>,
    },
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(&text.to_ascii_lowercase()).ok_or_else(|| format!("{text}: expected info, low, medium, high or critical"))
}

/// A progress line on stderr for one stage, shown only when stderr is a terminal.
struct Stage(Option<ProgressBar>);

impl Stage {
    /// A bar of `steps` (a spinner without), styled, not yet drawn.
    fn bar(message: &'static str, steps: Option<u64>) -> ProgressBar {
        let (bar, template) = match steps {
            Some(n) => (ProgressBar::with_draw_target(Some(n), indicatif::ProgressDrawTarget::hidden()), "{spinner} {msg} [{bar:20}] {pos}/{len} {elapsed}"),
            None => (ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden()), "{spinner} {msg} {elapsed}"),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message);
        bar
    }

    /// Draws `bar` on stderr from now on.
    fn show(bar: &ProgressBar) {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(120));
    }

    fn start(show: bool, message: &'static str, steps: Option<u64>) -> Stage {
        Stage(show.then(|| {
            let bar = Stage::bar(message, steps);
            Stage::show(&bar);
            bar
        }))
    }

    fn tick(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
            bar.set_message(message.to_string());
        }
    }

    fn done(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}

struct RunArgs {
    /// `--as-of` was given (not today's date by default).
    as_of_given: bool,
    fail_on: Option<Severity>,
    templates: report::Templates,
    quiet: bool,
}

/// `--as-of`: exactly `YYYY-MM-DD` (a two-digit year was read as year 26, every deadline 730,000 days
/// away), a calendar date, in the years an export can be audited at.
fn parse_date(text: &str) -> Result<Date, String> {
    let b = text.as_bytes();
    let shape = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(format!("{text}: expected YYYY-MM-DD with a four-digit year, e.g. 2026-11-22"));
    }
    let number = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(0);
    let (y, m, d) = (number(0..4), number(5..7), number(8..10));
    if !(2000..=2199).contains(&y) {
        return Err(format!("{text}: the year {y} is outside 2000-2199, the years an audit can be dated at"));
    }
    Date::from_ymd(y as i32, m, d).ok_or_else(|| format!("{text} is not a calendar date"))
}

fn today() -> Date {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    Date((secs / 86_400) as i32)
}

fn date_order(d: Option<DateOrderArg>) -> ingest::Options {
    ingest::Options {
        date_order: d.map(|d| match d {
            DateOrderArg::MonthFirst => DateOrder::MonthFirst,
            DateOrderArg::DayFirst => DateOrder::DayFirst,
        }),
        skip_dirs: Vec::new(),
    }
}

/// Reads the folder; a usage error (exit 2) when it cannot be read or holds nothing.
fn load(dir: &Path, options: &ingest::Options) -> Result<ingest::Dataset, ExitCode> {
    let data = ingest::load(dir, options).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    if data.files.is_empty() {
        eprintln!("error: {} holds no files — give the folder that holds the exports", dir.display());
        return Err(ExitCode::from(2));
    }
    Ok(data)
}

/// An export that could not be read, or a second export of one directory, would make the audit
/// incomplete or wrong (checks not evaluated, objects counted twice): usage error (exit 2) before
/// anything is written, each file named with what to do. Files that are not exports (a README, the
/// export script) are listed on stderr and left out.
fn refuse_unusable(data: &ingest::Dataset) -> Result<(), ExitCode> {
    let mut refused = 0;
    for f in &data.files {
        let name = match &f.sheet {
            Some(sheet) => format!("{} (sheet {sheet})", f.path),
            None => f.path.clone(),
        };
        if let (true, Some(e)) = (f.stops_the_run(), &f.error) {
            match f.kind {
                model::Kind::Unknown => eprintln!("error: {name}: {e}"),
                kind => eprintln!("error: {name} ({}): {e}", kind.as_str()),
            }
            refused += 1;
            continue;
        }
        if let Some(first) = &f.repeats {
            eprintln!("error: {name} holds objects {first} already holds: two exports of one directory would count each of them twice — keep one (move the other out of the folder)");
            refused += 1;
        } else if f.kind == model::Kind::Unknown {
            let why = f.reason.clone().or_else(|| f.error.as_ref().map(|e| e.to_string())).unwrap_or_default();
            eprintln!("note: {name} is not used: {why}");
        }
    }
    if refused == 0 && !data.files.iter().any(|f| f.kind != model::Kind::Unknown && f.error.is_none()) {
        eprintln!("error: none of the files is an export this tool reads (see the notes above): nothing to audit — `hybrid-audit inspect` shows how each file is read");
        return Err(ExitCode::from(2));
    }
    if refused > 0 {
        let what = if refused == 1 { "1 input is unusable".to_string() } else { format!("{refused} inputs are unusable") };
        eprintln!("error: {what} — nothing was audited; fix the inputs above and run again (`hybrid-audit inspect` shows how each file is read)");
        return Err(ExitCode::from(2));
    }
    Ok(())
}

fn run(dir: &Path, out: &Path, mut options: audit::Options, ingest_options: &ingest::Options, args: RunArgs) -> ExitCode {
    let show = !args.quiet && std::io::stderr().is_terminal();
    // The checks' bar stays hidden until the first plugin call completes (it knows the number of calls then).
    let checks_bar = Stage(show.then(|| Stage::bar("running checks (plugin calls)", Some(0))));
    if let Some(bar) = checks_bar.0.clone() {
        let shown = std::sync::Once::new();
        options.progress = audit::Progress(Some(std::sync::Arc::new(move |done, total| {
            shown.call_once(|| {
                bar.set_length(total as u64);
                bar.reset_elapsed();
                Stage::show(&bar);
            });
            bar.set_position(done as u64);
        })));
    }
    let stage = Stage::start(show, "compiling check plugins", None);
    let mut prepared = match audit::prepare(&options) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    stage.done();
    prepared.hash_inputs_from_now(dir, ingest_options);
    let stage = Stage::start(show, "reading exports", None);
    let mut data = match load(dir, ingest_options) {
        Ok(d) => d,
        Err(code) => return code,
    };
    stage.done();
    if let Err(code) = refuse_unusable(&data) {
        return code;
    }
    let stage = Stage::start(show, "joining per person", None);
    let joined = join::join(&data);
    stage.done();
    // Exports of two customers (or tenants) in one folder: a report of nothing but false findings.
    let (unrelated, doubt) = join::verdict(&data, &joined);
    if !unrelated.is_empty() {
        for why in &unrelated {
            eprintln!("error: {why}");
        }
        eprintln!("error: nothing was audited — `hybrid-audit inspect` shows how each file is read and how they join");
        return ExitCode::from(2);
    }
    if let Some((file, why)) = ingest::as_of_doubt(&data, options.as_of, args.as_of_given) {
        data.files[file].warnings.push(why);
    }
    // Said with the AD export's warnings (the summary and every report list them).
    if let Some(why) = doubt {
        for f in data.files.iter_mut().filter(|f| f.kind == model::Kind::AdUsers && f.error.is_none()) {
            f.warnings.push(why.clone());
        }
    }
    let result = match audit::run_prepared(prepared, &data, &joined, dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    checks_bar.done();
    // The findings carry everything the writers need: free the tables before writing.
    drop(joined);
    drop(data);
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("error: cannot create {}: {e} — give a writable --out folder", out.display());
        return ExitCode::from(1);
    }
    let stage = Stage::start(show, "writing reports", Some(report::OUTPUTS.len() as u64));
    // The bar names the files still being written (the workbook is usually the last, by a second or more).
    let pending = std::sync::Mutex::new(report::OUTPUTS.to_vec());
    let written = report::write_all(&result, out, &args.templates, &|name| {
        let mut pending = pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|p| *p != name);
        let message = match pending.as_slice() {
            [] => "reports written".to_string(),
            [one] => format!("writing {one}"),
            [first, rest @ ..] => format!("writing {first} (+{} more)", rest.len()),
        };
        stage.tick(&message);
    });
    stage.done();
    let written = match written {
        Ok(w) => w,
        Err(errors) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            eprintln!("error: the reports are incomplete (the files named above were not written)");
            plugins_failed(&result, false);
            return ExitCode::from(1);
        }
    };
    if !args.quiet {
        print!("{}", result.summary_text());
        println!();
        for (path, _) in &written {
            println!("wrote {}", path.display());
        }
    }
    let code = if plugins_failed(&result, true) {
        ExitCode::from(1)
    } else {
        match args.fail_on.and_then(|level| result.fails_at(level)) {
            Some(why) => {
                if !args.quiet {
                    println!("{why}");
                }
                ExitCode::from(3)
            }
            None => ExitCode::SUCCESS,
        }
    };
    // Not freed one allocation at a time: the process ends now and the system takes its memory back at
    // once. At 800k identities, freeing the audit (a name per identity, the findings) took ~0.1 s of
    // the run's end, all of it after the last report was complete (strace, 2026-11-24).
    std::mem::forget(result);
    code
}

/// Says so when plugins failed (the audit is incomplete), pointing at findings.json when it was written.
fn plugins_failed(result: &hybrid_audit::findings::Audit, json_written: bool) -> bool {
    let n = result.check_failures.len();
    if n > 0 {
        let see = if json_written { " (see check_failures in findings.json)" } else { "" };
        eprintln!("error: {n} plugin(s) failed: the audit is incomplete{see}");
    }
    n > 0
}

fn list_checks(plugins: &[PathBuf]) -> ExitCode {
    let list = match audit::list_plugins(plugins) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    println!("{:<8} {:<42} {:<16} {:<28} fields", "id", "name", "severity", "source");
    let mut bad = false;
    for p in &list {
        match p {
            Ok(info) => {
                for c in &info.checks {
                    let source = format!("{} {} ({})", info.name, info.version, info.source);
                    let optional: Vec<String> = c.optional.iter().map(|f| format!("{}?", f.name())).collect();
                    let required: Vec<&str> = c.fields.iter().map(|f| f.name()).collect();
                    println!("{:<8} {:<42} {:<16} {:<28} {}", c.id, c.name, c.severity_text(), source, required.into_iter().map(str::to_string).chain(optional).collect::<Vec<_>>().join(", "));
                }
            }
            Err((source, f)) => {
                bad = true;
                eprintln!("error: plugin {source}: {:?}: {}", f.kind, f.message);
            }
        }
    }
    if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    hybrid_audit::alloc::purge_freed_memory_soon();
    hybrid_audit::alloc::small_pages_only();
    report::quiet_writer_panics();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run { dir, out, as_of, plugins, date_order: order, plugin_timeout, plugin_memory, fail_on, templates, quiet, native, no_plugin_cache } => {
            if !(plugin_timeout > 0.0 && plugin_timeout.is_finite()) {
                eprintln!("error: --plugin-timeout must be a positive number of seconds");
                return ExitCode::from(2);
            }
            let options = audit::Options {
                as_of: as_of.unwrap_or_else(today),
                plugin_dirs: plugins,
                limits: host::Limits { timeout: Duration::from_secs_f64(plugin_timeout), memory_bytes: plugin_memory << 20 },
                engine: if native { audit::Engine::Native } else { audit::Engine::Wasm },
                plugin_cache: if no_plugin_cache { None } else { host::default_cache_dir() },
                ..Default::default()
            };
            let templates = match report::Templates::load(templates.as_deref()) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let mut ingest_options = date_order(order);
            // Reports written inside the input folder are not read back as exports on the next run.
            if let (Ok(d), Ok(o)) = (std::fs::canonicalize(&dir), std::fs::canonicalize(&out)) {
                if o == d {
                    eprintln!(
                        "error: --out {} is the input folder: the reports would sit among the exports and be read as input next time; give another folder (e.g. {}), or one inside it, which is then not read",
                        out.display(),
                        d.join("hybrid-audit-report").display()
                    );
                    return ExitCode::from(2);
                }
                if o.starts_with(&d) {
                    eprintln!("note: {} is inside {}: it is not read as input (it holds the reports)", out.display(), dir.display());
                    ingest_options.skip_dirs.push(o);
                }
            }
            run(&dir, &out, options, &ingest_options, RunArgs { as_of_given: as_of.is_some(), fail_on, templates, quiet })
        }
        Command::Checks { plugins } => list_checks(&plugins),
        Command::Inspect { dir, json, date_order: order } => {
            let data = match load(&dir, &date_order(order)) {
                Ok(d) => d,
                Err(code) => return code,
            };
            let joined = join::join(&data);
            let root = dir.display().to_string();
            if json {
                println!("{}", inspect::to_json(&root, &data, &joined));
            } else {
                print!("{}", inspect::to_text(&root, &data, &joined));
            }
            ExitCode::SUCCESS
        }
    }
}

/// Many small allocations (one per kept value) are the ingest's main cost after parsing.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
