//! The pipeline benchmark: generates a synthetic tenant of N identities in real export shapes, then
//! measures, each in its own child process (so peak RSS is per stage):
//! - the reference: polars reading each whole file, full schema inference, no transformation;
//! - hybrid-audit's ingest and join of the same folder;
//! - the whole `run` as the binary does it: ingest, join, every check in the wasm host, all five reports
//!   (findings.json, audit.xlsx, report.html, findings.csv, remediation.ps1, written side by side);
//! - the same checks compiled natively (the wasm overhead's baseline).
//!
//! `cargo run --release -p hybrid-audit-bench -- [--sizes 100000,800000] [--dir target/bench-data] [--rounds 3]`
//! This machine's timings vary by ±20% run to run, so each size is measured in rounds (default 3) and
//! the tables give medians, each ratio with its range over the rounds.
//! `… -- generate DIR N [ONPREM_PER_MILLE]` writes a tenant and keeps it (for profiling `child-ingest DIR`,
//! `child-run DIR wasm|native`, `child-checks DIR wasm|native [ROUNDS]`: the checks stage alone, repeated in one
//! process, `child-reports DIR [ROUNDS]`: all five reports written repeatedly from one audit, or
//! `child-encode DIR`: every identity's record with every field, three times).
//! `… -- formats [--size N] [--rounds R] [--dir DIR]` ingests and joins the same tenant with its AD export
//! in each shape of `formats::SHAPES` (UTF-8 CSV, UTF-16LE CSV, .xlsx, ldifde LDIF), each in its own child
//! process.
//! `--onprem-per-mille M` sets the share of mailboxes still on-prem, each of which is a finding: the
//! default (10, i.e. 1%) gives ~26k findings at 800k, the reports issue's scenario; 100 gives ~91k.

mod formats;
mod generate;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string()))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn data_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "csv" || e == "json"));
    files.sort();
    files
}

/// Child: polars reads every file whole. Prints `seconds rss_mb rows`.
fn child_polars(dir: &Path) -> Result<(), String> {
    use polars::prelude::*;
    let start = Instant::now();
    let mut rows = 0usize;
    for path in data_files(dir) {
        let df = if path.extension().is_some_and(|e| e == "json") {
            let file = std::fs::File::open(&path).map_err(|e| e.to_string())?;
            JsonReader::new(file).with_json_format(JsonFormat::Json).infer_schema_len(None).finish().map_err(|e| format!("{}: {e}", path.display()))?
        } else {
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(None)
                .try_into_reader_with_file_path(Some(path.clone()))
                .and_then(|r| r.finish())
                .map_err(|e| format!("{}: {e}", path.display()))?
        };
        rows += df.height();
    }
    println!("{} {} {}", start.elapsed().as_secs_f64(), peak_rss_mb(), rows);
    Ok(())
}

/// Child: hybrid-audit ingest, then join. Prints `ingest_s join_s rss_mb rows identities`.
fn child_ingest(dir: &Path) -> Result<(), String> {
    let start = Instant::now();
    let data = hybrid_audit::ingest::load(dir, &Default::default()).map_err(|e| e.to_string())?;
    let ingest = start.elapsed().as_secs_f64();
    let after_ingest = peak_rss_mb();
    if let Some(bad) = data.files.iter().find(|f| f.error.is_some() || f.kind == hybrid_audit::model::Kind::Unknown) {
        return Err(format!("{} was not read: {:?} {:?}", bad.path, bad.error, bad.reason));
    }
    let rows: u64 = data.files.iter().map(|f| f.rows).sum();
    let start = Instant::now();
    let joined = hybrid_audit::join::join(&data);
    let join = start.elapsed().as_secs_f64();
    println!("{} {} {} {} {} {}", ingest, join, peak_rss_mb(), rows, joined.stats.identities, after_ingest);
    Ok(())
}

/// A run's options: the fixtures' as-of date, checks in the wasm host or (`native`) compiled in.
fn run_options(engine: &str) -> Result<hybrid_audit::audit::Options, String> {
    use hybrid_audit::audit;
    Ok(audit::Options {
        as_of: hybrid_audit_sdk::Date::from_ymd(2026, 11, 22).ok_or("date")?,
        engine: if engine == "native" { audit::Engine::Native } else { audit::Engine::Wasm },
        // As the binary: compiled plugins kept between runs (the first run on a machine compiles).
        plugin_cache: hybrid_audit::host::default_cache_dir(),
        ..Default::default()
    })
}

/// Child: the whole run (`engine` wasm or native). Prints
/// `ingest_s join_s checks_s write_s rss_mb findings not_evaluated failures identities json_s xlsx_s html_s csv_s ps1_s`.
fn child_run(dir: &Path, engine: &str) -> Result<(), String> {
    use hybrid_audit::audit;
    // As the binary does it: plugins compiled first, then the data read.
    let options = run_options(engine)?;
    let start = Instant::now();
    let mut prepared = audit::prepare(&options)?;
    let prepare = start.elapsed().as_secs_f64();
    prepared.hash_inputs_from_now(dir, &Default::default());
    let start = Instant::now();
    let data = hybrid_audit::ingest::load(dir, &Default::default()).map_err(|e| e.to_string())?;
    let ingest = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let joined = hybrid_audit::join::join(&data);
    let join = start.elapsed().as_secs_f64();
    let rss_join = peak_rss_mb();
    let start = Instant::now();
    let result = audit::run_prepared(prepared, &data, &joined, dir)?;
    let checks = start.elapsed().as_secs_f64() + prepare;
    let rss_checks = peak_rss_mb();
    // As the binary: the tables are freed before the reports are written.
    drop(joined);
    drop(data);
    let start = Instant::now();
    let out = dir.with_extension(format!("out-{engine}"));
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let written = hybrid_audit::report::write_all(&result, &out, &Default::default(), &|_| {}).map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))?;
    let write = start.elapsed().as_secs_f64();
    let sizes: Vec<String> = written.iter().map(|(p, s)| format!("{} {s:.2}s {:.0} MB", p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64 / 1e6)).collect();
    eprintln!("{engine} writers: {}", sizes.join(", "));
    let per_writer: Vec<String> = written.iter().map(|(_, s)| s.to_string()).collect();
    let _ = std::fs::remove_dir_all(&out);
    let steps: Vec<String> = result.timings.iter().map(|(n, t)| format!("{n} {t:.2}s")).collect();
    eprintln!("{engine} checks stage: {}", steps.join(", "));
    eprintln!("{engine} peak RSS MiB after ingest+join {rss_join:.0}, after checks {rss_checks:.0}, after reports {:.0}", peak_rss_mb());
    println!(
        "{ingest} {join} {checks} {write} {} {} {} {} {} {}",
        peak_rss_mb(),
        result.findings.len(),
        result.not_evaluated.len(),
        result.check_failures.len(),
        result.roster.len(),
        per_writer.join(" ")
    );
    Ok(())
}

/// Child: the checks stage alone, `rounds` times over one ingest + join (prepared afresh each time, as a run
/// does): its steps per round on stderr, the rounds' seconds on stdout. Repeats in one process compare
/// changes to the stage with less of the host's noise (and none of a new process's first-touch cost).
fn child_checks(dir: &Path, engine: &str, rounds: usize) -> Result<(), String> {
    use hybrid_audit::audit;
    let data = hybrid_audit::ingest::load(dir, &Default::default()).map_err(|e| e.to_string())?;
    let joined = hybrid_audit::join::join(&data);
    let mut times = Vec::new();
    for round in 0..rounds {
        let options = run_options(engine)?;
        let start = Instant::now();
        let prepared = audit::prepare(&options)?;
        let result = audit::run_prepared(prepared, &data, &joined, dir)?;
        let seconds = start.elapsed().as_secs_f64();
        let steps: Vec<String> = result.timings.iter().map(|(n, t)| format!("{n} {t:.2}s")).collect();
        eprintln!("{engine} round {round}: {seconds:.2}s ({})", steps.join(", "));
        times.push(seconds.to_string());
    }
    println!("{}", times.join(" "));
    Ok(())
}

/// Child: all five reports, `rounds` times from one audit (ingest, join and checks once): each round's
/// writers on stderr, the rounds' seconds on stdout. Repeats in one process compare changes to the
/// writers with less of the host's noise.
fn child_reports(dir: &Path, rounds: usize) -> Result<(), String> {
    use hybrid_audit::audit;
    let data = hybrid_audit::ingest::load(dir, &Default::default()).map_err(|e| e.to_string())?;
    let joined = hybrid_audit::join::join(&data);
    let mut prepared = audit::prepare(&run_options("wasm")?)?;
    prepared.hash_inputs_from_now(dir, &Default::default());
    let result = audit::run_prepared(prepared, &data, &joined, dir)?;
    drop(joined);
    drop(data);
    let out = dir.with_extension("out-reports");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    for round in 0..rounds {
        let start = Instant::now();
        let written = hybrid_audit::report::write_all(&result, &out, &Default::default(), &|_| {}).map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))?;
        let seconds = start.elapsed().as_secs_f64();
        let each: Vec<String> = written.iter().map(|(p, s)| format!("{} {s:.2}s", p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())).collect();
        eprintln!("round {round}: {seconds:.2}s ({})", each.join(", "));
        times.push(seconds.to_string());
    }
    let _ = std::fs::remove_dir_all(&out);
    println!("{}", times.join(" "));
    Ok(())
}

/// Child: every identity's record with every field, encoded three times (the checks' encoding alone).
fn child_encode(dir: &Path) -> Result<(), String> {
    let data = hybrid_audit::ingest::load(dir, &Default::default()).map_err(|e| e.to_string())?;
    let joined = hybrid_audit::join::join(&data);
    let records = hybrid_audit::record::Records::new(&data, &joined, hybrid_audit_sdk::Date(0));
    let start = Instant::now();
    let mut out = Vec::new();
    let mut total = 0;
    // In batches, as the checks stage encodes them.
    let batch = hybrid_audit::audit::Options::default().batch;
    for _ in 0..3 {
        for first in (0..records.len()).step_by(batch) {
            out.clear();
            records.encode_batch(first..(first + batch).min(records.len()), hybrid_audit_sdk::Field::ALL, &mut out);
            total += out.len();
        }
    }
    eprintln!("encode x3: {:.2}s, {} MB", start.elapsed().as_secs_f64(), total / 1_000_000);
    Ok(())
}

/// The tenant's on-prem mailbox share, per mille.
fn parse_onprem(text: &str) -> Result<u64, String> {
    text.parse().ok().filter(|m| *m <= generate::MAX_ONPREM_PER_MILLE).ok_or(format!("on-prem share {text}: give a number 0..={} (per mille)", generate::MAX_ONPREM_PER_MILLE))
}

/// `--rounds R`: 1 to 20.
fn parse_rounds(value: Option<&String>) -> Result<usize, String> {
    value.and_then(|r| r.parse().ok()).filter(|r| (1..=20).contains(r)).ok_or_else(|| "--rounds needs a number 1..=20".into())
}

fn run_child(args: &[&str]) -> Result<Vec<f64>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe).args(args).output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("child {:?} failed: {}", args, String::from_utf8_lossy(&out.stderr)));
    }
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8_lossy(&out.stdout).split_whitespace().filter_map(|t| t.parse().ok()).collect())
}

fn main() {
    hybrid_audit::alloc::purge_freed_memory_soon();
    let args: Vec<String> = std::env::args().collect();
    // Every stage's child runs with small pages only, as the binary does — the polars reference too. This
    // binary's allocator (mimalloc) asks for transparent huge pages on its arenas, which polars does not
    // do by itself (it leaves the allocator to the program); with Linux's default THP defrag such faults
    // compact memory first, and on a host whose page cache has fragmented memory that slowed the reference
    // read by half: 11.37-11.58 s with small pages against 16.72-16.83 s (800k, 2 alternating pairs,
    // 2026-11-25). Measured the same way, the ratios compare like with like.
    if args.get(1).is_some_and(|a| a.starts_with("child-")) {
        hybrid_audit::alloc::small_pages_only();
    }
    let result = match args.get(1).map(String::as_str) {
        Some("child-polars") => child_polars(Path::new(&args[2])),
        Some("child-ingest") => child_ingest(Path::new(&args[2])),
        Some("child-encode") => child_encode(Path::new(&args[2])),
        Some("child-reports") => child_reports(Path::new(&args[2]), args.get(3).and_then(|n| n.parse().ok()).unwrap_or(3)),
        Some("child-run") => child_run(Path::new(&args[2]), args.get(3).map(String::as_str).unwrap_or("wasm")),
        Some("child-checks") => child_checks(Path::new(&args[2]), args.get(3).map(String::as_str).unwrap_or("wasm"), args.get(4).and_then(|n| n.parse().ok()).unwrap_or(3)),
        Some("generate") => {
            let n = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1000);
            let onprem = match args.get(4) {
                Some(m) => parse_onprem(m),
                None => Ok(generate::ONPREM_PER_MILLE),
            };
            onprem.and_then(|onprem| generate::generate(Path::new(&args[2]), n, 42, onprem).map_err(|e| e.to_string())).map(|files| {
                for f in files {
                    println!("{} {} rows {} bytes [{}]", f.path.display(), f.rows, f.bytes, f.kind);
                }
            })
        }
        Some("formats") => formats_bench(&args[2..]),
        _ => bench(&args[1..]),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// The ingest and join of one tenant with its AD export in each shape (see `formats`), in rounds of
/// alternating child processes; prints a table.
fn formats_bench(args: &[String]) -> Result<(), String> {
    let (mut n, mut rounds, mut dir) = (800_000usize, 3usize, PathBuf::from("target/bench-data"));
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--size" => n = it.next().and_then(|s| s.parse().ok()).filter(|&s| s > 0).ok_or("--size needs a number of identities")?,
            "--rounds" => rounds = parse_rounds(it.next())?,
            "--dir" => dir = PathBuf::from(it.next().ok_or("--dir needs a path")?),
            other => return Err(format!("unknown argument {other}; usage: hybrid-audit-bench formats [--size N] [--rounds R] [--dir DIR]")),
        }
    }
    let tenant = dir.join(format!("formats-{n}"));
    let _ = std::fs::remove_dir_all(&tenant);
    generate::generate(&tenant, n, 42, generate::ONPREM_PER_MILLE).map_err(|e| format!("generate: {e}"))?;
    let mut shapes = Vec::new();
    for (shape, label) in formats::SHAPES {
        let start = Instant::now();
        let (folder, bytes) = formats::make(&tenant, shape).map_err(|e| format!("{shape}: {e}"))?;
        eprintln!("{shape}: written in {:.1}s", start.elapsed().as_secs_f64());
        shapes.push((label, folder, bytes, Vec::new()));
    }
    for _ in 0..rounds {
        for (_, folder, _, runs) in &mut shapes {
            runs.push(run_child(&["child-ingest", &folder.to_string_lossy()])?);
        }
    }
    let med = |runs: &[Vec<f64>], f: &dyn Fn(&[f64]) -> f64| median_of(runs.iter().map(|r| f(r)).collect());
    let base = med(&shapes[0].3, &|r| r[0] + r[1]);
    println!("{n} identities; the AD export in each shape, the other files the same. Medians of {rounds} rounds (alternating child processes).");
    println!();
    println!("| AD export | AD file MB | ingest s | join s | ingest+join s | / UTF-8 CSV's | peak RSS MB after ingest | peak RSS MB | rows | identities |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (label, _, bytes, runs) in &shapes {
        println!(
            "| {label} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} | {:.0} | {:.0} |",
            *bytes as f64 / 1e6,
            med(runs, &|r| r[0]),
            med(runs, &|r| r[1]),
            med(runs, &|r| r[0] + r[1]),
            med(runs, &|r| r[0] + r[1]) / base,
            med(runs, &|r| r[5]),
            med(runs, &|r| r[2]),
            med(runs, &|r| r[3]),
            med(runs, &|r| r[4]),
        );
    }
    for (_, folder, _, _) in &shapes {
        let _ = std::fs::remove_dir_all(folder);
    }
    Ok(())
}

fn bench(args: &[String]) -> Result<(), String> {
    let mut sizes = vec![100_000usize, 800_000];
    let mut dir = PathBuf::from("target/bench-data");
    let mut onprem = generate::ONPREM_PER_MILLE;
    let mut rounds = 3usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--sizes" => sizes = it.next().ok_or("--sizes needs a list")?.split(',').map(|s| s.trim().parse().map_err(|_| format!("bad size {s}"))).collect::<Result<_, _>>()?,
            "--dir" => dir = PathBuf::from(it.next().ok_or("--dir needs a path")?),
            "--onprem-per-mille" => onprem = parse_onprem(it.next().ok_or("--onprem-per-mille needs a number")?)?,
            "--rounds" => rounds = parse_rounds(it.next())?,
            other => return Err(format!("unknown argument {other}; usage: hybrid-audit-bench [--sizes 100000,800000] [--dir DIR] [--onprem-per-mille M] [--rounds R]")),
        }
    }
    let mut stages = Vec::new();
    println!("Synthetic tenant: {:.1}% of AD users with an on-prem mailbox (--onprem-per-mille {onprem}).", onprem as f64 / 10.0);
    println!("Each size is measured in {rounds} rounds (reference, ingest, whole run wasm, whole run native, one after the other);");
    println!("times are the rounds' medians, each ratio is the median of the per-round ratios with its range (min-max).");
    println!();
    println!("| identities | input MB | rows | bare polars read s | polars peak RSS MB | ingest s | join s | ingest+join s | (ingest+join) / bare | peak RSS MB after ingest | peak RSS MB | identities joined |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let folder = dir.join(format!("tenant-{n}"));
        let _ = std::fs::remove_dir_all(&folder);
        let files = generate::generate(&folder, n, 42, onprem).map_err(|e| format!("generate: {e}"))?;
        let bytes: u64 = files.iter().map(|f| f.bytes).sum();
        let folder_s = folder.to_string_lossy().to_string();
        // Warm the page cache once so neither side pays the first read from disk.
        for f in &files {
            let _ = std::fs::read(&f.path);
        }
        let mut runs = Vec::new();
        for _ in 0..rounds {
            let polars = run_child(&["child-polars", &folder_s])?;
            let ours = run_child(&["child-ingest", &folder_s])?;
            let wasm = run_child(&["child-run", &folder_s, "wasm"])?;
            let native = run_child(&["child-run", &folder_s, "native"])?;
            runs.push(Round { polars, ours, wasm, native });
        }
        println!(
            "| {n} | {:.0} | {:.0} | {:.2} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {:.0} | {:.0} | {:.0} |",
            bytes as f64 / 1e6,
            median(&runs, |x| x.ours[3]),
            median(&runs, |x| x.polars[0]),
            median(&runs, |x| x.polars[1]),
            median(&runs, |x| x.ours[0]),
            median(&runs, |x| x.ours[1]),
            median(&runs, |x| x.ours[0] + x.ours[1]),
            spread(&runs, |x| (x.ours[0] + x.ours[1]) / x.polars[0]),
            median(&runs, |x| x.ours[5]),
            median(&runs, |x| x.ours[2]),
            median(&runs, |x| x.ours[4]),
        );
        stages.push((n, runs));
        let _ = std::fs::remove_dir_all(&folder);
    }
    println!();
    println!("| identities | bare polars read s | checks wasm s | checks native s | checks wasm / bare | wasm / native | run to findings.json s (ingest+join+checks+findings.json) | run to findings.json / bare | whole run s (ingest+join+checks+all reports) | whole run / bare | run peak RSS MB | findings | not evaluated | failed |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (n, runs) in &stages {
        println!(
            "| {n} | {:.2} | {:.2} | {:.2} | {} | {} | {:.2} | {} | {:.2} | {} | {:.0} | {:.0} | {:.0} | {:.0} |",
            median(runs, |x| x.polars[0]),
            median(runs, |x| x.wasm[2]),
            median(runs, |x| x.native[2]),
            spread(runs, |x| x.wasm[2] / x.polars[0]),
            spread(runs, |x| x.wasm[2] / x.native[2]),
            median(runs, |x| x.to_findings_json()),
            spread(runs, |x| x.to_findings_json() / x.polars[0]),
            median(runs, |x| x.whole()),
            spread(runs, |x| x.whole() / x.polars[0]),
            median(runs, |x| x.wasm[4]),
            median(runs, |x| x.wasm[5]),
            median(runs, |x| x.wasm[6]),
            median(runs, |x| x.wasm[7]),
        );
    }
    println!();
    println!("| identities | bare polars read s | all reports written s (side by side) | reports / bare | findings.json s | audit.xlsx s | report.html s | findings.csv s | remediation.ps1 s | findings | readiness rows |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (n, runs) in &stages {
        println!(
            "| {n} | {:.2} | {:.2} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} |",
            median(runs, |x| x.polars[0]),
            median(runs, |x| x.wasm[3]),
            spread(runs, |x| x.wasm[3] / x.polars[0]),
            median(runs, |x| x.wasm[9]),
            median(runs, |x| x.wasm[10]),
            median(runs, |x| x.wasm[11]),
            median(runs, |x| x.wasm[12]),
            median(runs, |x| x.wasm[13]),
            median(runs, |x| x.wasm[5]),
            median(runs, |x| x.wasm[8]),
        );
    }
    Ok(())
}

/// One round's children: the figures each printed.
struct Round {
    polars: Vec<f64>,
    ours: Vec<f64>,
    wasm: Vec<f64>,
    native: Vec<f64>,
}

impl Round {
    /// The whole run: ingest + join + checks + reports.
    fn whole(&self) -> f64 {
        self.wasm[..4].iter().sum()
    }

    /// The run as the check engine's issue measures it ("whole `run`, findings.json included", written
    /// when findings.json was its only output): ingest + join + checks + findings.json, which the
    /// reports stage writes first, beside the workbook (its time counts from the stage's start and
    /// includes the inputs' leftover digests).
    fn to_findings_json(&self) -> f64 {
        self.wasm[..3].iter().sum::<f64>() + self.wasm[9]
    }
}

/// The median over the rounds of one figure.
fn median(runs: &[Round], figure: fn(&Round) -> f64) -> f64 {
    median_of(runs.iter().map(figure).collect())
}

fn median_of(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// `median (min-max)` of a ratio over the rounds; just the value for one round.
fn spread(runs: &[Round], ratio: fn(&Round) -> f64) -> String {
    let v: Vec<f64> = runs.iter().map(ratio).collect();
    let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    if v.len() == 1 {
        format!("{:.3}", v[0])
    } else {
        format!("{:.3} ({lo:.3}-{hi:.3})", median_of(v))
    }
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
