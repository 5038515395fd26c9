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
            let mut found = 0;
            for (name, slot) in [(HTML_TEMPLATE, &mut t.html), (PS1_TEMPLATE, &mut t.ps1_header)] {
                let path = dir.join(name);
                if path.is_file() {
                    *slot = Cow::Owned(std::fs::read_to_string(&path).map_err(|e| format!("{}: {e} — a template must be UTF-8 text", path.display()))?);
                    found += 1;
                } else if path.exists() {
                    return Err(format!("--templates: {} is not a file", path.display()));
                }
            }
            // A folder with neither (a misnamed copy) would silently give the built-in reports.
            if found == 0 {
                return Err(format!("--templates {}: holds neither {HTML_TEMPLATE} nor {PS1_TEMPLATE} — copy the one to change from reports/ (same name) and edit it", dir.display()));
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

/// Runs a writer (or a part of one); its panic becomes its error.
fn caught<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(format!("the writer stopped: {}", panic_message(&*payload))))
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
    write_all_on(audit, out, templates, done, std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A report writer's job: a whole output, or a part of the workbook.
type Job<'a> = Box<dyn FnOnce() + Send + 'a>;

/// [`write_all`] on `threads` threads. The jobs — the workbook's Readiness sheet, findings.json, the
/// workbook's Findings sheet and its other sheets, then remediation.ps1, report.html and findings.csv —
/// go to the threads in that order, each thread taking the next job as soon as it is free; the job that
/// fills the workbook's last sheet saves it. The workbook's sheets come early because its zip can only
/// start once every sheet is filled: the save then overlaps the other writers. Before (two lanes: the
/// Readiness sheet on its own thread, everything else queued on the other) the lane of many findings
/// waited while the other idled: at 800k identities with 447,616 findings the workbook took 25.7 s.
pub fn write_all_on(audit: &Audit, out: &Path, templates: &Templates, done: &(dyn Fn(&str) + Sync), threads: usize) -> Result<Vec<(PathBuf, f64)>, Vec<WriteError>> {
    let start = std::time::Instant::now();
    let partial = |name: &str| out.join(format!(".{name}.partial"));
    let finish = |name: &str, written: Result<(), String>| {
        let (path, tmp) = (out.join(name), partial(name));
        let result = written.and_then(|()| std::fs::rename(&tmp, &path).map_err(|e| e.to_string())).map_err(|e| format!("{e} (written first as {})", tmp.display()));
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
            // A previous run's file of that name would pass for this run's, beside this run's others.
            let _ = std::fs::remove_file(&path);
        }
        done(name);
        result.map(|()| (path.clone(), start.elapsed().as_secs_f64())).map_err(|message| WriteError { path, message })
    };
    // Each output is written to a temporary name and renamed when complete; a writer that panics fails
    // its file, never the run.
    let write = |name: &str, writer: &dyn Fn(&Path) -> Result<(), String>| {
        finish(name, caught(|| writer(&partial(name))))
    };
    // The remediation plan, built once for the workbook's Action plan and the script (0.03 s at 800k).
    let plan = plan::Plan::of(audit);
    let (mut json, mut html, mut csv, mut ps1) = (None, None, None, None);
    let xlsx = std::sync::OnceLock::new();
    {
        let (write, finish, plan, xlsx) = (&write, &finish, &plan, &xlsx);
        let mut sheet_jobs: Vec<Job<'_>> = Vec::new();
        match xlsx::Book::new(audit, plan, &partial("audit.xlsx")) {
            Ok((book, jobs)) => {
                let book = std::sync::Arc::new(book);
                for job in jobs {
                    let book = book.clone();
                    sheet_jobs.push(Box::new(move || {
                        if let Some(saved) = book.fill(job) {
                            let _ = xlsx.set(finish("audit.xlsx", saved));
                        }
                    }));
                }
            }
            Err(e) => {
                let _ = xlsx.set(finish("audit.xlsx", Err(e)));
            }
        }
        // The Readiness sheet, findings.json (the machine-readable result, complete early; it also
        // finishes the inputs' digests, which the workbook's Summary needs at its save), the workbook's
        // other sheets, then the other writers.
        let mut sheet_jobs = sheet_jobs.into_iter();
        let mut jobs: Vec<Job<'_>> = sheet_jobs.next().into_iter().collect();
        jobs.push(Box::new(|| json = Some(write("findings.json", &|p| audit.write_json(p).map_err(|e| e.to_string())))));
        jobs.extend(sheet_jobs);
        jobs.push(Box::new(|| ps1 = Some(write("remediation.ps1", &|p| ps1::write(audit, plan, p, &templates.ps1_header)))));
        jobs.push(Box::new(|| html = Some(write("report.html", &|p| html::write(audit, p, &templates.html)))));
        jobs.push(Box::new(|| csv = Some(write("findings.csv", &|p| csv_out::write(audit, p)))));
        run_jobs(jobs, threads);
    }
    let missing = |name: &str| Err(WriteError { path: out.join(name), message: "the writer did not run".into() });
    let results = [
        json.unwrap_or_else(|| missing("findings.json")),
        xlsx.into_inner().unwrap_or_else(|| missing("audit.xlsx")),
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

/// Runs `jobs` on `threads` threads (the calling one among them), each taking the next job in the list's
/// order when it is free. Plain threads, not a rayon pool: a job that waits on rayon (the Readiness
/// sheet's sort) must not run another writer's job on its thread meanwhile. A job that panics is lost
/// (its output then reports that its writer did not run), never the run.
fn run_jobs(jobs: Vec<Job<'_>>, threads: usize) {
    let queue = std::sync::Mutex::new(jobs.into_iter());
    let work = || {
        let was = WRITER_THREAD.with(|w| w.replace(true));
        loop {
            // Its own statement: the lock is released before the job runs.
            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
            let Some(job) = next else { break };
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        }
        WRITER_THREAD.with(|w| w.set(was));
    };
    let others = threads.clamp(1, OUTPUTS.len() + 2) - 1;
    std::thread::scope(|scope| {
        for i in 0..others {
            // A thread that cannot be started leaves its share to the others (the calling thread at least).
            let _ = std::thread::Builder::new().name(format!("report-writer-{i}")).spawn_scoped(scope, work);
        }
        work();
    });
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
    /// Jobs run side by side: two that wait for each other both finish on two threads (a thread that
    /// held the queue while its job ran would leave the other waiting for ever). Every job runs once.
    #[test]
    fn jobs_run_side_by_side_each_once() {
        let (sent, got) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let barrier = std::sync::Barrier::new(2);
            let runs = std::sync::atomic::AtomicUsize::new(0);
            let mut jobs: Vec<super::Job<'_>> = Vec::new();
            for _ in 0..2 {
                jobs.push(Box::new(|| {
                    barrier.wait();
                    runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }));
            }
            for _ in 0..5 {
                jobs.push(Box::new(|| {
                    runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }));
            }
            jobs.push(Box::new(|| panic!("a job that panics is lost, not the others")));
            super::run_jobs(jobs, 2);
            let _ = sent.send(runs.into_inner());
        });
        assert_eq!(got.recv_timeout(std::time::Duration::from_secs(60)), Ok(7), "the jobs did not all finish side by side");
    }

    /// On one thread the jobs run in the list's order.
    #[test]
    fn one_thread_runs_the_jobs_in_order() {
        let order = std::sync::Mutex::new(Vec::new());
        let jobs: Vec<super::Job<'_>> = (0..6).map(|i| Box::new({ let order = &order; move || order.lock().unwrap().push(i) }) as super::Job<'_>).collect();
        super::run_jobs(jobs, 1);
        assert_eq!(order.into_inner().unwrap(), [0, 1, 2, 3, 4, 5]);
    }

    /// A --templates folder whose templates are missing or misnamed was used silently as if it held them.
    #[test]
    fn a_templates_folder_without_a_template_is_refused() {
        let dir = tempfile::tempdir().expect("temp");
        let Err(err) = super::Templates::load(Some(dir.path())) else { panic!("an empty folder is refused") };
        assert!(err.contains("holds neither report.html nor remediation-header.ps1"), "{err}");
        std::fs::create_dir(dir.path().join("report.html")).expect("mkdir");
        let Err(err) = super::Templates::load(Some(dir.path())) else { panic!("a folder named report.html is refused") };
        assert!(err.contains("is not a file"), "{err}");
        std::fs::remove_dir(dir.path().join("report.html")).expect("rmdir");
        std::fs::write(dir.path().join("report.html"), super::Templates::default().html.as_bytes()).expect("write");
        assert!(super::Templates::load(Some(dir.path())).is_ok());
    }

    #[test]
    fn a_panic_message_is_read_from_either_payload() {
        let of = |f: fn()| super::panic_message(&*std::panic::catch_unwind(f).expect_err("panics"));
        assert_eq!(of(|| panic!("disk full")), "disk full");
        assert_eq!(of(|| panic!("{} left", 0)), "0 left");
        assert_eq!(of(|| std::panic::panic_any(7u8)), "(no message)");
    }
}
