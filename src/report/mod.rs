//! The reports: every output written from the one [`Audit`] model, one writer per format, side by side.
//! No writer reads an input again. Each output is written to a temporary name in the output folder and
//! renamed when complete, so a file with the final name is never a partial one.

pub mod csv_out;
pub mod html;
pub mod plan;
pub mod ps1;
pub mod xlsx;

use crate::findings::Audit;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The templates of the text reports: embedded in the binary, each replaceable by a file of the same
/// name in the `--templates` folder.
#[derive(Clone, Debug)]
pub struct Templates {
    pub html: Cow<'static, str>,
    pub ps1_header: Cow<'static, str>,
}

pub const HTML_TEMPLATE: &str = "report.html";
pub const PS1_TEMPLATE: &str = "remediation-header.ps1";
/// Where the audit data goes in report.html (exactly once).
pub const HTML_TOKEN: &str = "__AUDIT_JSON__";
/// Where the generated steps go in remediation.ps1 (exactly once).
pub const PS1_TOKEN: &str = "#__STEPS__";

impl Default for Templates {
    fn default() -> Self {
        Templates { html: Cow::Borrowed(include_str!("../../reports/report.html")), ps1_header: Cow::Borrowed(include_str!("../../reports/remediation-header.ps1")) }
    }
}

impl Templates {
    /// The embedded templates, with those `dir` holds instead. A template without its token (exactly
    /// once) is refused: the report would silently lack its data.
    pub fn load(dir: Option<&Path>) -> Result<Templates, String> {
        let mut t = Templates::default();
        if let Some(dir) = dir {
            if !dir.is_dir() {
                return Err(format!("--templates {}: not a folder — give a folder holding {HTML_TEMPLATE} and/or {PS1_TEMPLATE} (copies of reports/ to edit)", dir.display()));
            }
            for (name, slot) in [(HTML_TEMPLATE, &mut t.html), (PS1_TEMPLATE, &mut t.ps1_header)] {
                let path = dir.join(name);
                if path.is_file() {
                    *slot = Cow::Owned(std::fs::read_to_string(&path).map_err(|e| format!("{}: {e} — a template must be UTF-8 text", path.display()))?);
                }
            }
        }
        for (name, text, token) in [(HTML_TEMPLATE, &t.html, HTML_TOKEN), (PS1_TEMPLATE, &t.ps1_header, PS1_TOKEN)] {
            let n = text.matches(token).count();
            if n != 1 {
                return Err(format!("template {name} holds {token} {n} times: it must hold it exactly once (where the data goes); start from the one in reports/"));
            }
        }
        Ok(t)
    }
}

thread_local! {
    /// Set on the threads that write reports: a panic there is caught and becomes that file's error.
    static WRITER_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Leaves panics on report-writer threads unprinted (each is caught and reported as its file's error,
/// with the panic's message: rust_xlsxwriter panics when a disk fills up, for one) and every other panic
/// to the hook before it. Process-wide: the binary calls it once.
pub fn quiet_writer_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !WRITER_THREAD.with(std::cell::Cell::get) {
            previous(info);
        }
    }));
}

/// A panic's message (its payload is a `&str` or a `String` when it came from `panic!` or `expect`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned()).unwrap_or_else(|| "(no message)".to_string())
}

/// The outputs of a run, in the order they are listed.
pub const OUTPUTS: [&str; 5] = ["findings.json", "audit.xlsx", "report.html", "findings.csv", "remediation.ps1"];

/// A writer that failed: which file and why.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.message)
    }
}

/// Writes every output into `out` side by side; `done` is told each file as it completes. Returns
/// the paths written (in [`OUTPUTS`] order) with the seconds from the start until each was complete,
/// or every error.
pub fn write_all(audit: &Audit, out: &Path, templates: &Templates, done: &(dyn Fn(&str) + Sync)) -> Result<Vec<(PathBuf, f64)>, Vec<WriteError>> {
    // The workbook's Readiness sheet, one row per identity, is the longest single-threaded step: its
    // thread keeps a core of its own, and every other writer (the workbook's other sheets too) shares a
    // pool of the other cores, at least one. When all seven sheets and writers share every core instead,
    // the Readiness sheet waits its turn behind them and the reports take longer (see README: 800k).
    // No more threads than jobs for them: four writers and the workbook's two other sheet jobs.
    let others = std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1)).clamp(1, 6);
    write_all_on(audit, out, templates, done, others)
}

/// [`write_all`] with `writer_threads` threads for every writer but the Readiness sheet. The writers on
/// that pool must not use rayon themselves: a rayon wait could run another writer on the same thread.
pub fn write_all_on(audit: &Audit, out: &Path, templates: &Templates, done: &(dyn Fn(&str) + Sync), writer_threads: usize) -> Result<Vec<(PathBuf, f64)>, Vec<WriteError>> {
    let start = std::time::Instant::now();
    let write = |name: &str, writer: &dyn Fn(&Path) -> Result<(), String>| {
        let path = out.join(name);
        let tmp = out.join(format!(".{name}.partial"));
        // A writer that panics fails its file, never the run.
        WRITER_THREAD.with(|w| w.set(true));
        let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| writer(&tmp))).unwrap_or_else(|payload| Err(format!("the writer stopped: {}", panic_message(&*payload))));
        let result = written.and_then(|()| std::fs::rename(&tmp, &path).map_err(|e| e.to_string()));
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        done(name);
        result.map(|()| (path.clone(), start.elapsed().as_secs_f64())).map_err(|message| WriteError { path, message })
    };
    let side = rayon::ThreadPoolBuilder::new()
        .num_threads(writer_threads.max(1))
        .thread_name(|i| format!("report-writer-{i}"))
        .start_handler(|_| WRITER_THREAD.with(|w| w.set(true)))
        .build()
        .map_err(|e| vec![WriteError { path: out.to_path_buf(), message: format!("cannot start the report writers: {e}") }])?;
    // The remediation plan, built once for the workbook's Action plan and the script (0.05 s at 800k, which
    // the workbook's thread would spend first anyway).
    let plan = plan::Plan::of(audit);
    let (mut json, mut html, mut csv, mut ps1) = (None, None, None, None);
    let xlsx = std::thread::scope(|scope| {
        let xlsx = scope.spawn(|| write("audit.xlsx", &|p| xlsx::write(audit, &plan, p, &side)));
        let (json, html, csv, ps1) = (&mut json, &mut html, &mut csv, &mut ps1);
        let (write, plan) = (&write, &plan);
        side.in_place_scope_fifo(|s| {
            s.spawn_fifo(move |_| *json = Some(write("findings.json", &|p| audit.write_json(p).map_err(|e| e.to_string()))));
            s.spawn_fifo(move |_| *html = Some(write("report.html", &|p| html::write(audit, p, &templates.html))));
            s.spawn_fifo(move |_| *csv = Some(write("findings.csv", &|p| csv_out::write(audit, p))));
            s.spawn_fifo(move |_| *ps1 = Some(write("remediation.ps1", &|p| ps1::write(audit, plan, p, &templates.ps1_header))));
        });
        joined(xlsx, out)
    });
    let missing = |name: &str| Err(WriteError { path: out.join(name), message: "the writer did not run".into() });
    let results = [
        json.unwrap_or_else(|| missing("findings.json")),
        xlsx,
        html.unwrap_or_else(|| missing("report.html")),
        csv.unwrap_or_else(|| missing("findings.csv")),
        ps1.unwrap_or_else(|| missing("remediation.ps1")),
    ];
    let (ok, errors): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    if errors.is_empty() {
        Ok(ok.into_iter().filter_map(Result::ok).collect())
    } else {
        Err(errors.into_iter().filter_map(Result::err).collect())
    }
}

/// A writer thread's result; a panic is a failed write, never a crash of the run.
fn joined(handle: std::thread::ScopedJoinHandle<'_, Result<(PathBuf, f64), WriteError>>, out: &Path) -> Result<(PathBuf, f64), WriteError> {
    handle.join().unwrap_or_else(|_| Err(WriteError { path: out.to_path_buf(), message: "a report writer panicked".into() }))
}

/// The evidence of a finding as one text: `field = value (file:line, …)` joined by `; `.
pub fn evidence_text(f: &crate::findings::Finding) -> String {
    let mut out = String::new();
    for (i, e) in f.evidence.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(e.field);
        out.push_str(" = ");
        out.push_str(if e.value.is_empty() { "(none)" } else { &e.value });
        for (k, source) in e.sources.iter().enumerate() {
            out.push_str(if k == 0 { " (" } else { ", " });
            let _ = write!(out, "{source}");
        }
        if !e.sources.is_empty() {
            out.push(')');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_message_is_read_from_either_payload() {
        let of = |f: fn()| super::panic_message(&*std::panic::catch_unwind(f).expect_err("panics"));
        assert_eq!(of(|| panic!("disk full")), "disk full");
        assert_eq!(of(|| panic!("{} left", 0)), "0 left");
        assert_eq!(of(|| std::panic::panic_any(7u8)), "(no message)");
    }
}
