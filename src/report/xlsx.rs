//! audit.xlsx: Summary, Findings, Readiness (continued on further sheets past Excel's row limit), Action
//! plan, Join and Checks. The table sheets are written in constant-memory mode: rows stream to a temp
//! file, so 800k readiness rows do not sit in memory as cells.

use super::{caught, evidence_text};
use super::plan::Plan;
use crate::findings::{sort_prefix, Audit, Verdict};
use crate::prefetch;
use hybrid_audit_sdk::Severity;
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use rayon::slice::ParallelSliceMut;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Rows of one sheet: Excel's limit, 1,048,576, less the header.
pub const ROWS_PER_SHEET: usize = 1_048_575;
/// Excel's limit for the text of one cell.
const CELL_CHARS: usize = 32_767;

pub const FINDINGS_HEADER: [&str; 10] = ["Severity", "Check", "Name", "Identity", "Message", "Remediation", "Deadline", "Days left", "Evidence", "Finding id"];
pub const READINESS_HEADER: [&str; 6] = ["Identity", "Verdict", "Worst severity", "Findings", "Finding ids", READINESS_LINKED];
/// The Readiness sheet's last header: its cells are left empty for the identities linked as usual (most
/// of a hybrid tenant), so that the others stand out.
pub const READINESS_LINKED: &str = "Exists in (matched by); empty: AD, Entra, EXO, by source anchor and ExternalDirectoryObjectId";
pub const PLAN_HEADER: [&str; 15] =
    ["#", "Identity", "Finding id", "Check", "Severity", "Step", "Phase", "Runs in", "What", "Command", "Destructive", "Deadline", "Owner", "Due", "Status"];
pub const JOIN_HEADER: [&str; 5] = ["Directory", "Problem", "Name", "Key", "Source"];
pub const CHECKS_HEADER: [&str; 10] = ["Id", "Name", "Severity", "Status", "Findings", "Fields", "Optional fields", "Evaluated without", "Plugin", "Documentation"];

/// The sheet names a table of `rows` rows is written to: `name`, then `name 2`, `name 3`…
pub fn sheet_names(name: &str, rows: usize) -> Vec<String> {
    let sheets = rows.div_ceil(ROWS_PER_SHEET).max(1);
    (1..=sheets).map(|i| if i == 1 { name.to_string() } else { format!("{name} {i}") }).collect()
}

struct Formats {
    header: Format,
    wrap: Format,
    bold: Format,
    title: Format,
    warn: Format,
    severity: [Format; 5],
}

impl Formats {
    fn new() -> Formats {
        let sev = |bg: u32, fg: u32| Format::new().set_background_color(Color::RGB(bg)).set_font_color(Color::RGB(fg)).set_bold().set_align(FormatAlign::Center);
        Formats {
            header: Format::new().set_bold().set_background_color(Color::RGB(0x1F3864)).set_font_color(Color::White).set_border_bottom(FormatBorder::Thin),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            bold: Format::new().set_bold(),
            title: Format::new().set_bold().set_font_size(16),
            warn: Format::new().set_bold().set_font_color(Color::RGB(0xC00000)),
            // info, low, medium, high, critical
            severity: [sev(0xD9D9D9, 0x000000), sev(0xBDD7EE, 0x000000), sev(0xFFD966, 0x000000), sev(0xF4B183, 0x000000), sev(0xC00000, 0xFFFFFF)],
        }
    }

    fn all(&self) -> impl Iterator<Item = &Format> {
        [&self.header, &self.wrap, &self.bold, &self.title, &self.warn].into_iter().chain(&self.severity)
    }

    fn of(&self, s: Severity) -> &Format {
        &self.severity[s as usize]
    }
}

/// At most Excel's cell length, cut at a character boundary with a pointer to the full text.
fn cell(text: &str) -> String {
    if text.len() <= CELL_CHARS {
        return text.to_string();
    }
    let note = " … (cut at Excel's cell limit; the full text is in findings.json)";
    let mut end = CELL_CHARS - note.len() - 4;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{note}", &text[..end])
}

fn err(e: XlsxError) -> String {
    e.to_string()
}

/// A table spread over as many sheets as its rows need, each with the header, frozen and filtered. Its
/// sheets are made up front, so a table fills on its own thread and the tables fill side by side.
struct Table {
    header: &'static [&'static str],
    widths: &'static [f64],
    sheets: Vec<Worksheet>,
    /// The next row on the current sheet.
    row: u32,
    /// The sheet being filled.
    at: usize,
}

impl Table {
    fn new(workbook: &mut Workbook, name: &str, rows: usize, header: &'static [&'static str], widths: &'static [f64], f: &Formats) -> Result<Table, String> {
        let mut sheets = Vec::new();
        for sheet_name in sheet_names(name, rows) {
            let mut sheet = workbook.new_worksheet_with_constant_memory().map_err(err)?;
            sheet.set_name(sheet_name).map_err(err)?;
            for (c, h) in header.iter().enumerate() {
                sheet.write_string_with_format(0, c as u16, *h, &f.header).map_err(err)?;
            }
            sheet.set_freeze_panes(1, 0).map_err(err)?;
            sheets.push(sheet);
        }
        Ok(Table { header, widths, sheets, row: 1, at: 0 })
    }

    /// The sheet for the next row (the next sheet at the row limit) and the row number on it.
    fn next(&mut self) -> Result<(&mut Worksheet, u32), String> {
        if self.row as usize > ROWS_PER_SHEET {
            self.finish_sheet()?;
            self.at += 1;
            self.row = 1;
        }
        let row = self.row;
        self.row += 1;
        Ok((self.sheets.get_mut(self.at).ok_or("more rows than the sheets were made for")?, row))
    }

    fn finish_sheet(&mut self) -> Result<(), String> {
        let last = self.row.saturating_sub(1).max(1);
        if let Some(sheet) = self.sheets.get_mut(self.at) {
            sheet.autofilter(0, 0, last, (self.header.len() - 1) as u16).map_err(err)?;
        }
        Ok(())
    }

    /// The column widths go on last: they are only written when the workbook is saved, and a sheet with
    /// column settings looks each unformatted cell's column up in a hash map as it writes it (6% of the
    /// Readiness sheet's instructions at 100k identities, callgrind).
    fn done(mut self) -> Result<Vec<Worksheet>, String> {
        self.finish_sheet()?;
        for sheet in &mut self.sheets {
            for (c, w) in self.widths.iter().enumerate() {
                sheet.set_column_width(c as u16, *w).map_err(err)?;
            }
        }
        Ok(self.sheets)
    }
}

/// The workbook's table sheets, each filled by a job of its own (see [`Book::fill`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sheets {
    /// One row per identity: most of the workbook's work when findings are few.
    Readiness,
    /// One row per finding: most of it when findings are many (a pre-migration tenant).
    Findings,
    /// Action plan, Join and Checks.
    Others,
}

/// One job's share of the workbook: its tables, which it fills and hands back to the [`Book`].
pub struct SheetJob {
    sheets: Sheets,
    tables: Vec<Table>,
}

/// A sheet job's sheets, or why they could not be filled.
type Filled = Result<Vec<Worksheet>, String>;

/// A workbook in the making. Its table sheets fill side by side, each as a [`SheetJob`] the report
/// writers' threads take like any other writer ([`Book::fill`]); each streams to its own temp file. The
/// job that fills the last of them adds the Summary and saves the workbook, so the save follows the last
/// sheet at once and no thread waits for another.
pub struct Book<'a> {
    audit: &'a Audit,
    plan: &'a Plan<'a>,
    path: PathBuf,
    formats: Formats,
    /// The workbook (until it is saved) and each job's sheets once filled, in `Sheets` order.
    state: Mutex<(Option<Workbook>, [Option<Filled>; 3])>,
}

impl<'a> Book<'a> {
    /// Sets the workbook up (formats, properties, every table sheet with its header) to be saved at
    /// `path`, and the jobs that fill its sheets: Readiness, Findings, then the others.
    pub fn new(audit: &'a Audit, plan: &'a Plan<'a>, path: &Path) -> Result<(Book<'a>, [SheetJob; 3]), String> {
        let f = Formats::new();
        let mut wb = Workbook::new();
        // Every format gets its workbook index now, in this order: the sheets fill on several threads, and
        // first use would otherwise number the formats in thread order (a different styles.xml each run).
        for format in f.all() {
            wb.register_format(format);
        }
        if let Some(dir) = path.parent() {
            // The constant-memory sheets' temp files go beside the output (the system temp may be small).
            wb.set_tempdir(dir).map_err(err)?;
        }
        // Dated by the audit, not the clock: the same inputs and --as-of give the same workbook.
        let mut props = DocProperties::new().set_title(format!("hybrid-audit as of {}", audit.as_of)).set_comment("written by hybrid-audit from findings.json's model");
        if let Ok(date) = ExcelDateTime::parse_from_str(&audit.as_of) {
            props = props.set_creation_datetime(&date);
        }
        wb.set_properties(&props);
        // Deflate level 1 instead of 6: the workbook at 100k identities took 0.90 s instead of 1.25 s (the
        // benchmark, 2026-11-23), for a larger file (6 → 9 MB).
        wb.set_zip_compression_level(1);
        // Made in workbook order (as they were before the sheets became jobs).
        let findings = Table::new(&mut wb, "Findings", audit.findings.len(), &FINDINGS_HEADER, &[10.0, 9.0, 30.0, 32.0, 70.0, 70.0, 11.0, 9.0, 70.0, 26.0], &f)?;
        let readiness = Table::new(&mut wb, "Readiness", audit.roster.len(), &READINESS_HEADER, &[36.0, 11.0, 14.0, 9.0, 50.0, 70.0], &f)?;
        let others = vec![
            Table::new(&mut wb, "Action plan", plan.steps(), &PLAN_HEADER, &[7.0, 32.0, 26.0, 9.0, 10.0, 6.0, 18.0, 16.0, 60.0, 80.0, 11.0, 11.0, 16.0, 11.0, 12.0], &f)?,
            Table::new(&mut wb, "Join", audit.join_issues.len(), &JOIN_HEADER, &[18.0, 60.0, 36.0, 38.0, 40.0], &f)?,
            Table::new(&mut wb, "Checks", audit.checks.len(), &CHECKS_HEADER, &[9.0, 36.0, 14.0, 14.0, 9.0, 40.0, 30.0, 24.0, 14.0, 100.0], &f)?,
        ];
        let jobs = [
            SheetJob { sheets: Sheets::Readiness, tables: vec![readiness] },
            SheetJob { sheets: Sheets::Findings, tables: vec![findings] },
            SheetJob { sheets: Sheets::Others, tables: others },
        ];
        let book = Book { audit, plan, path: path.to_path_buf(), formats: f, state: Mutex::new((Some(wb), [None, None, None])) };
        Ok((book, jobs))
    }

    /// Fills one job's sheets. Returns the workbook's result when this was the last job to finish: it
    /// then saved the workbook (or failed, with the first error of any job). A panic in a job (the disk
    /// filling up, for one) is its error, never the run's end.
    pub fn fill(&self, job: SheetJob) -> Option<Result<(), String>> {
        let SheetJob { sheets, tables } = job;
        let (audit, f) = (self.audit, &self.formats);
        let filled = caught(|| {
            let mut tables = tables.into_iter();
            let mut next = || tables.next().ok_or_else(|| "a sheet job without its table".to_string());
            match sheets {
                Sheets::Readiness => readiness(next()?, audit, f),
                Sheets::Findings => findings(next()?, audit, f),
                Sheets::Others => {
                    let plan = action_plan(next()?, self.plan, f)?;
                    let join = join(next()?, audit)?;
                    let checks = checks(next()?, audit, f)?;
                    Ok([plan, join, checks].into_iter().flatten().collect())
                }
            }
        });
        let (wb, filled) = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let (wb, slots) = &mut *state;
            slots[sheets as usize] = Some(filled);
            if slots.iter().any(Option::is_none) {
                return None;
            }
            (wb.take(), std::mem::take(slots))
        };
        Some(caught(|| self.save(wb.ok_or("the workbook was saved twice")?, filled)))
    }

    /// Summary first in the workbook but made last (its inputs' digests may still be in the making:
    /// `findings::Inputs`), then the tables in workbook order, then the zip.
    fn save(&self, mut wb: Workbook, filled: [Option<Filled>; 3]) -> Result<(), String> {
        summary(&mut wb, self.audit, &self.formats, self.plan.steps())?;
        let [readiness, findings, others] = filled.map(|f| f.unwrap_or_else(|| Err("a sheet was not written".to_string())));
        for sheets in [findings, readiness, others] {
            for sheet in sheets? {
                wb.push_worksheet(sheet);
            }
        }
        wb.save(&self.path).map_err(err)
    }
}

/// Writes the workbook on the calling thread, its sheets one after another (tests; the run fills them
/// side by side through [`Book`]).
pub fn write(audit: &Audit, plan: &Plan<'_>, path: &Path) -> Result<(), String> {
    let (book, jobs) = Book::new(audit, plan, path)?;
    jobs.into_iter().filter_map(|job| book.fill(job)).next().unwrap_or_else(|| Err("the workbook was not saved".to_string()))
}

/// A small key/value sheet written cell by cell (it fits in memory).
struct Lines<'a> {
    sheet: &'a mut Worksheet,
    row: u32,
}

impl Lines<'_> {
    fn heading(&mut self, text: &str, f: &Format) -> Result<(), String> {
        self.row += 1;
        self.sheet.write_string_with_format(self.row, 0, text, f).map_err(err)?;
        self.row += 1;
        Ok(())
    }

    fn row(&mut self, cells: &[&str]) -> Result<(), String> {
        for (c, text) in cells.iter().enumerate() {
            self.sheet.write_string(self.row, c as u16, cell(text)).map_err(err)?;
        }
        self.row += 1;
        Ok(())
    }

    fn count(&mut self, name: &str, n: u64) -> Result<(), String> {
        self.sheet.write_string(self.row, 0, cell(name)).map_err(err)?;
        self.sheet.write_number(self.row, 1, n as f64).map_err(err)?;
        self.row += 1;
        Ok(())
    }

    fn row_with(&mut self, cells: &[&str], format: &Format) -> Result<(), String> {
        for (c, text) in cells.iter().enumerate() {
            self.sheet.write_string_with_format(self.row, c as u16, cell(text), format).map_err(err)?;
        }
        self.row += 1;
        Ok(())
    }
}

fn summary(wb: &mut Workbook, audit: &Audit, f: &Formats, steps: usize) -> Result<(), String> {
    let sheet = wb.add_worksheet().set_name("Summary").map_err(err)?;
    sheet.set_column_width(0, 34).map_err(err)?;
    sheet.set_column_width(1, 44).map_err(err)?;
    for c in 2..6 {
        sheet.set_column_width(c, 16).map_err(err)?;
    }
    sheet.set_column_width(6, 70).map_err(err)?;
    let mut l = Lines { sheet, row: 0 };
    l.sheet.write_string_with_format(0, 0, "hybrid-audit — Exchange hybrid provisioning audit", &f.title).map_err(err)?;
    l.row = 2;
    let tenant = if audit.routing_domains.is_empty() { "(no routing domain in the exports)".to_string() } else { audit.routing_domains.join(", ") };
    l.row(&["Tenant", &tenant])?;
    l.row(&["As of", &audit.as_of])?;
    l.row(&["Tool", &format!("{} {} (plugin ABI {})", audit.tool.name, audit.tool.version, audit.tool.plugin_abi)])?;
    l.count("Findings", audit.findings.len() as u64)?;
    if !audit.check_failures.is_empty() {
        l.row_with(&["INCOMPLETE", "checks failed: their findings are not reported (see Check failures below)"], &f.warn)?;
    }
    if !audit.not_evaluated.is_empty() {
        l.row_with(&["Not evaluated", &format!("{} checks could not run on these exports (see below)", audit.not_evaluated.len())], &f.warn)?;
    }
    if !audit.partly_evaluated.is_empty() {
        let n = audit.roster.iter().filter(|e| e.unevaluated > 0).count() as u64;
        l.row_with(
            &["Partly evaluated", &format!("{} checks were not evaluated on some identities ({}): values they read could not be read (see below)", audit.partly_evaluated.len(), crate::counted(n, "identity", "identities"))],
            &f.warn,
        )?;
    }
    let readiness_sheets = sheet_names("Readiness", audit.roster.len());
    if readiness_sheets.len() > 1 {
        l.row_with(&["Readiness", &format!("{} identities exceed one sheet's rows: continued on {}", audit.roster.len(), readiness_sheets.join(", "))], &f.warn)?;
    }

    l.heading("Findings by severity", &f.bold)?;
    let s = &audit.summary;
    for (sev, n) in [(Severity::Critical, s.critical), (Severity::High, s.high), (Severity::Medium, s.medium), (Severity::Low, s.low), (Severity::Info, s.info)] {
        l.sheet.write_string_with_format(l.row, 0, sev.as_str(), f.of(sev)).map_err(err)?;
        l.sheet.write_number(l.row, 1, n as f64).map_err(err)?;
        l.row += 1;
    }
    l.heading("Readiness", &f.bold)?;
    let r = &audit.readiness;
    for (name, n) in [("blocked (any critical or high)", r.blocked), ("attention (medium)", r.attention), ("ready (nothing above low)", r.ready)] {
        l.count(name, n)?;
    }
    if r.ready_not_fully_evaluated > 0 {
        l.row_with(&["of them not fully evaluated", &format!("{}: a value some check reads could not be read (see below)", r.ready_not_fully_evaluated)], &f.warn)?;
    }
    let usual = audit.roster.iter().filter(|e| e.linked_as_usual()).count() as u64;
    l.count("in AD, Entra and EXO, linked as usual (Readiness: \"Exists in\" left empty)", usual)?;
    l.count("remediation steps (Action plan)", steps as u64)?;

    l.heading("Findings by check", &f.bold)?;
    l.row_with(&["Check", "Name", "Severity", "Status", "Findings"], &f.header)?;
    for c in &audit.checks {
        l.row(&[&c.id, &c.name, &c.severity, &c.status_text(), &c.findings.to_string()])?;
    }

    l.heading("Not evaluated (the exports lack what these checks read)", &f.bold)?;
    if audit.not_evaluated.is_empty() {
        l.row(&["none"])?;
    } else {
        l.row_with(&["Check", "Name", "Missing fields", "", "", "", "Export that supplies them / reason"], &f.header)?;
        for n in &audit.not_evaluated {
            l.row(&[&n.check, &n.name, &n.missing_fields.join(", "), "", "", "", &format!("{} — {}", n.export, n.reason)])?;
        }
    }
    if !audit.partly_evaluated.is_empty() {
        l.heading("Not evaluated on some identities (a value the check reads could not be read: no finding and no pass for them)", &f.bold)?;
        l.row_with(&["Check", "Name", "Identity", "Could not be read", "", "", "Rows"], &f.header)?;
        for p in &audit.partly_evaluated {
            for u in &p.listed {
                let rows = u.sources.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ");
                l.row(&[&p.check, &p.name, &u.identity, &u.columns.join(", "), "", "", &rows])?;
            }
            let more = p.identities - p.listed.len() as u64;
            if more > 0 {
                l.row(&[&p.check, &p.name, &format!("… and {more} more ({} in all; findings.json lists the first {})", p.identities, p.listed.len())])?;
            }
        }
    }
    l.heading("Check failures", &f.bold)?;
    if audit.check_failures.is_empty() {
        l.row(&["none"])?;
    } else {
        l.row_with(&["Plugin", "Source", "Kind", "", "", "", "Message and checks"], &f.header)?;
        for c in &audit.check_failures {
            let kind = serde_json::to_value(c.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            l.row_with(&[&c.plugin, &c.source, &kind, "", "", "", &format!("{} — checks {}", c.message, c.checks.join(", "))], &f.warn)?;
        }
    }

    l.heading("Join", &f.bold)?;
    let j = &audit.join;
    let u = &j.unmatched;
    for (name, n) in [
        ("identities", j.identities),
        ("AD users", j.ad_users),
        ("Entra users", j.entra_users),
        ("Exchange Online rows", j.exo_rows),
        ("Exchange Online objects", j.exo_objects),
        ("AD ↔ Entra by source anchor", j.ad_entra.source_anchor),
        ("AD ↔ Entra by UPN", j.ad_entra.user_principal_name),
        ("AD ↔ Entra by primary SMTP", j.ad_entra.primary_smtp_address),
        ("Entra ↔ EXO by ExternalDirectoryObjectId", j.entra_exo.external_directory_object_id),
        ("Entra ↔ EXO by UPN", j.entra_exo.user_principal_name),
        ("Entra ↔ EXO by primary SMTP", j.entra_exo.primary_smtp_address),
        ("AD ↔ EXO (no Entra export)", j.ad_exo.source_anchor + j.ad_exo.user_principal_name + j.ad_exo.primary_smtp_address + j.ad_exo.external_directory_object_id),
        ("previous mailboxes linked", j.previous_mailboxes_linked),
        ("statistics matched", j.statistics_matched),
        ("statistics unmatched", j.statistics_unmatched),
        ("unmatched AD users", u.ad),
        ("cloud-only Entra users", u.entra_cloud_only),
        ("synced Entra users without AD object", u.entra_synced),
        ("EXO recipients without user", u.exo),
        ("previous mailboxes without user", u.exo_previous),
        ("ambiguous matches (none linked)", j.ambiguous),
        ("duplicate addresses", j.duplicate_addresses),
        ("soft-match candidates and address conflicts", j.soft_match_candidates),
    ] {
        l.count(name, n)?;
    }

    l.heading("Inputs", &f.bold)?;
    l.row_with(&["Path", "Kind", "Rows", "Bytes", "", "", "SHA-256"], &f.header)?;
    for i in audit.inputs.get() {
        let path = match &i.sheet {
            Some(s) => format!("{} [{s}]", i.path),
            None => i.path.clone(),
        };
        l.row(&[&path, i.kind.as_str(), &i.rows.to_string(), &i.bytes.to_string(), "", "", &i.sha256])?;
        for w in i.warnings.iter().chain(i.error.iter()) {
            l.row(&["", &format!("warning: {w}")])?;
        }
    }
    l.heading("Plugins", &f.bold)?;
    for p in &audit.plugins {
        l.row(&[&format!("{} {}", p.name, p.version), &p.source, "", "", "", "", &p.sha256])?;
    }
    Ok(())
}

fn findings(mut t: Table, audit: &Audit, f: &Formats) -> Result<Vec<Worksheet>, String> {
    for x in &audit.findings {
        let (s, r) = t.next()?;
        s.write_string_with_format(r, 0, x.severity.as_str(), f.of(x.severity)).map_err(err)?;
        s.write_string(r, 1, cell(&x.check)).map_err(err)?;
        s.write_string(r, 2, cell(&x.name)).map_err(err)?;
        s.write_string(r, 3, cell(&x.identity.upn)).map_err(err)?;
        s.write_string_with_format(r, 4, cell(&x.message), &f.wrap).map_err(err)?;
        s.write_string_with_format(r, 5, cell(&x.remediation), &f.wrap).map_err(err)?;
        if let Some(d) = &x.deadline {
            s.write_string(r, 6, d).map_err(err)?;
        }
        if let Some(d) = x.days_left {
            s.write_number(r, 7, d as f64).map_err(err)?;
        }
        s.write_string_with_format(r, 8, cell(&evidence_text(x)), &f.wrap).map_err(err)?;
        s.write_string(r, 9, cell(&x.id)).map_err(err)?;
    }
    t.done()
}

/// The roster's indexes in the Readiness sheet's order: blocked first, then attention, then ready; by
/// name within each (bytes), then by index.
fn readiness_order(audit: &Audit) -> Vec<u32> {
    let rank = |v: Option<u32>| v.map(|i| audit.identities[i as usize].verdict).unwrap_or(Verdict::Ready);
    // The keys side by side, not looked up per comparison, the name's first 24 bytes as three numbers
    // deciding nearly every comparison (8 bytes left `catherine.hernandez…` names to a string comparison
    // through a pointer each: the sort took 0.11-0.18 s at 800k beside the other writers, now 0.05-0.07 s),
    // sorted on both cores. The index makes every key distinct, so the unstable sort gives the one order.
    let mut keys: Vec<(u8, [u64; 3], &str, u32)> = audit.roster.iter().enumerate().map(|(i, e)| (rank(e.verdict) as u8, sort_prefix(&e.name), &*e.name, i as u32)).collect();
    keys.par_sort_unstable();
    keys.into_iter().map(|(_, _, _, i)| i).collect()
}

fn readiness(mut t: Table, audit: &Audit, f: &Formats) -> Result<Vec<Worksheet>, String> {
    // Few cells per row: 800k rows are most of the workbook's writing time.
    let mut directories = String::new();
    let order = readiness_order(audit);
    for (k, &i) in order.iter().enumerate() {
        // The roster in this order is memory far apart: each row's entry and name missed the cache (a
        // tenth of the sheet's time at 800k identities). Asked for ahead, the entry 16 rows on and the
        // name 8 rows on (its entry is in by then): all reports from one audit 1.51-1.59 -> 1.33-1.37 s
        // (`child-reports`, rounds 2-4, 2 processes each).
        if let Some(&far) = order.get(k + 16) {
            prefetch::value(&audit.roster[far as usize]);
        }
        if let Some(&near) = order.get(k + 8) {
            let name = &audit.roster[near as usize].name;
            prefetch::range(name.as_ptr(), name.len().min(64));
        }
        let e = &audit.roster[i as usize];
        let verdict = e.verdict.map(|v| &audit.identities[v as usize]);
        let (s, r) = t.next()?;
        s.write_string(r, 0, cell(&e.name)).map_err(err)?;
        s.write_string(r, 1, verdict.map(|v| v.verdict).unwrap_or(Verdict::Ready).as_str()).map_err(err)?;
        if let Some(v) = verdict {
            s.write_string_with_format(r, 2, v.worst.as_str(), f.of(v.worst)).map_err(err)?;
            s.write_number(r, 3, v.findings.len() as f64).map_err(err)?;
            s.write_string(r, 4, cell(&v.findings.join("; "))).map_err(err)?;
        }
        // Where it exists and how each object was linked, in one cell: `Entra, EXO (UPN)`, `AD (source
        // anchor); ambiguous: not linked` … One cell fewer per row: the sheet's instructions at 100k
        // identities 1,445M -> 1,233M (callgrind), audit.xlsx at 800k 32 MB instead of 36. Left empty
        // for the identities linked as usual (the header says so): in a hybrid tenant nearly every row
        // said `AD (source anchor), Entra, EXO (ExternalDirectoryObjectId)`, which hid the rows that
        // differ, and writing it was a quarter of the workbook's time (see README).
        if e.linked_as_usual() {
            continue;
        }
        directories.clear();
        let how = |k: Option<crate::join::MatchKey>| k.map(|k| k.as_str());
        for (present, name, by) in [(e.ad, "AD", how(e.ad_matched_by)), (e.entra, "Entra", None), (e.exo, "EXO", if e.ambiguous { None } else { how(e.exo_matched_by) })] {
            if present {
                if !directories.is_empty() {
                    directories.push_str(", ");
                }
                directories.push_str(name);
                if let Some(by) = by {
                    // Pieces, not `write!`: the formatting machinery was 4% of the sheet's instructions.
                    directories.push_str(" (");
                    directories.push_str(by);
                    directories.push(')');
                }
            }
        }
        if e.previous_mailboxes > 0 {
            let _ = write!(directories, "{}{} previous mailbox{}", if directories.is_empty() { "" } else { ", " }, e.previous_mailboxes, if e.previous_mailboxes > 1 { "es" } else { "" });
        }
        if e.ambiguous {
            directories.push_str(if directories.is_empty() { "ambiguous: not linked" } else { "; ambiguous: not linked" });
        }
        if e.unevaluated > 0 {
            let _ = write!(
                directories,
                "{}{} not evaluated: values could not be read (Summary)",
                if directories.is_empty() { "" } else { "; " },
                crate::counted(e.unevaluated as u64, "check", "checks")
            );
        }
        s.write_string(r, 5, cell(&directories)).map_err(err)?;
    }
    t.done()
}

fn action_plan(mut t: Table, plan: &Plan<'_>, f: &Formats) -> Result<Vec<Worksheet>, String> {
    let mut n = 0u64;
    for item in plan.identities.iter().flatten() {
        let x = item.finding;
        for step in &item.steps {
            n += 1;
            let (s, r) = t.next()?;
            s.write_number(r, 0, n as f64).map_err(err)?;
            s.write_string(r, 1, cell(&x.identity.upn)).map_err(err)?;
            s.write_string(r, 2, cell(&x.id)).map_err(err)?;
            s.write_string(r, 3, cell(&x.check)).map_err(err)?;
            s.write_string_with_format(r, 4, x.severity.as_str(), f.of(x.severity)).map_err(err)?;
            s.write_number(r, 5, step.number as f64).map_err(err)?;
            s.write_string(r, 6, step.phase.as_str()).map_err(err)?;
            s.write_string(r, 7, step.shell.as_str()).map_err(err)?;
            s.write_string_with_format(r, 8, cell(&step.description), &f.wrap).map_err(err)?;
            s.write_string_with_format(r, 9, cell(&step.command.join("\n")), &f.wrap).map_err(err)?;
            if step.destructive {
                s.write_string_with_format(r, 10, "yes", &f.warn).map_err(err)?;
            }
            if let Some(d) = &x.deadline {
                s.write_string(r, 11, d).map_err(err)?;
            }
        }
    }
    t.done()
}

fn join(mut t: Table, audit: &Audit) -> Result<Vec<Worksheet>, String> {
    for j in &audit.join_issues {
        let (s, r) = t.next()?;
        s.write_string(r, 0, j.directory).map_err(err)?;
        s.write_string(r, 1, cell(&j.problem)).map_err(err)?;
        s.write_string(r, 2, cell(&j.name)).map_err(err)?;
        s.write_string(r, 3, cell(&j.key)).map_err(err)?;
        if let Some(source) = &j.source {
            s.write_string(r, 4, cell(&source.to_string())).map_err(err)?;
        }
    }
    t.done()
}

fn checks(mut t: Table, audit: &Audit, f: &Formats) -> Result<Vec<Worksheet>, String> {
    for c in &audit.checks {
        let (s, r) = t.next()?;
        s.write_string(r, 0, cell(&c.id)).map_err(err)?;
        s.write_string(r, 1, cell(&c.name)).map_err(err)?;
        s.write_string(r, 2, &c.severity).map_err(err)?;
        s.write_string(r, 3, c.status_text()).map_err(err)?;
        s.write_number(r, 4, c.findings as f64).map_err(err)?;
        s.write_string_with_format(r, 5, c.fields.join(", "), &f.wrap).map_err(err)?;
        s.write_string_with_format(r, 6, c.optional_fields.join(", "), &f.wrap).map_err(err)?;
        s.write_string(r, 7, c.evaluated_without.join(", ")).map_err(err)?;
        s.write_string(r, 8, cell(&c.plugin)).map_err(err)?;
        s.write_string_with_format(r, 9, cell(&c.doc), &f.wrap).map_err(err)?;
    }
    t.done()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An audit of `roster` (and the verdicts of those with findings) with nothing else in it.
    fn test_audit(roster: Vec<crate::findings::RosterEntry>, identities: Vec<crate::findings::IdentityVerdict>) -> Audit {
        Audit { identities, roster, ..Audit::empty() }
    }

    fn entry(name: &str, verdict: Option<u32>) -> crate::findings::RosterEntry {
        crate::findings::RosterEntry {
            name: name.into(),
            ad: true,
            entra: true,
            exo: false,
            previous_mailboxes: 0,
            ad_matched_by: None,
            exo_matched_by: None,
            ambiguous: false,
            verdict,
            unevaluated: 0,
        }
    }

    /// The sheet's order (verdict, then name by bytes, then index) whatever the names: shorter than the
    /// 24 bytes compared as numbers, equal in them, differing only after them, non-ASCII, repeated.
    #[test]
    fn readiness_order_is_verdict_then_name_then_index() {
        let names = [
            "catherine.hernandez12@contoso.com",
            "catherine.hernandez1@contoso.com",
            "catherine.hernandez12@contoso.co",
            "abcdefghijklmnopqrstuvwxyz",
            "abcdefghijklmnopqrstuvwx",
            "abcdefghijklmnopqrstuvwxa",
            "abcdefghijklmnopqrstuvw",
            "ab",
            "ab\u{0}",
            "",
            "zoë@contoso.com",
            "zoe@contoso.com",
            "same",
            "same",
            "Zed",
        ];
        let verdict = |v: Verdict, index: u32| crate::findings::IdentityVerdict { index, upn: String::new(), verdict: v, worst: Severity::High, findings: vec!["X".into()] };
        // Two blocked, one attention, one with findings that leave it ready (info only), the rest ready.
        let identities = vec![verdict(Verdict::Attention, 3), verdict(Verdict::Blocked, 12), verdict(Verdict::Blocked, 0), verdict(Verdict::Ready, 9)];
        let mut roster: Vec<_> = names.iter().map(|n| entry(n, None)).collect();
        for (v, id) in identities.iter().enumerate() {
            roster[id.index as usize].verdict = Some(v as u32);
        }
        let audit = test_audit(roster, identities);
        let rank = |i: usize| audit.roster[i].verdict.map(|v| audit.identities[v as usize].verdict as u8).unwrap_or(Verdict::Ready as u8);
        let mut expected: Vec<u32> = (0..names.len() as u32).collect();
        expected.sort_by(|&a, &b| (rank(a as usize), names[a as usize].as_bytes(), a).cmp(&(rank(b as usize), names[b as usize].as_bytes(), b)));
        assert_eq!(readiness_order(&audit), expected);
        // Spot checks of that order itself.
        assert_eq!(&expected[..3], &[0, 12, 3]);
        assert_eq!(names[expected[3] as usize], "");
    }

    #[test]
    fn sheets_continue_past_the_row_limit() {
        assert_eq!(sheet_names("Readiness", 10), ["Readiness"]);
        assert_eq!(sheet_names("Readiness", 0), ["Readiness"]);
        assert_eq!(sheet_names("Readiness", ROWS_PER_SHEET), ["Readiness"]);
        assert_eq!(sheet_names("Readiness", ROWS_PER_SHEET + 1), ["Readiness", "Readiness 2"]);
    }

    /// A tenant with more identities than a sheet has rows: the workbook, read back, holds every one of
    /// them in order across `Readiness` and `Readiness 2`, and the Summary says so.
    #[test]
    fn readiness_continues_on_a_second_sheet_past_the_row_limit() {
        use crate::findings::RosterEntry;
        use calamine::{open_workbook, Data, Reader, Xlsx};
        let n = ROWS_PER_SHEET + 7;
        let roster = (0..n)
            .map(|i| RosterEntry {
                name: format!("user{i:07}@contoso.com").into_boxed_str(),
                ad: true,
                entra: true,
                exo: i % 2 == 0,
                previous_mailboxes: 0,
                ad_matched_by: None,
                exo_matched_by: None,
                ambiguous: false,
                verdict: None,
                unevaluated: 0,
            })
            .collect();
        let audit = test_audit(roster, Vec::new());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.xlsx");
        write(&audit, &Plan::of(&audit), &path).unwrap();

        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        let names = book.sheet_names();
        assert_eq!(names.iter().filter(|s| s.starts_with("Readiness")).collect::<Vec<_>>(), ["Readiness", "Readiness 2"]);
        let name_col = |sheet: &str, book: &mut Xlsx<_>| -> Vec<String> {
            let range = book.worksheet_range(sheet).unwrap();
            let rows: Vec<String> = range.rows().map(|r| match r.first() { Some(Data::String(s)) => s.clone(), other => format!("{other:?}") }).collect();
            rows
        };
        let first = name_col("Readiness", &mut book);
        let second = name_col("Readiness 2", &mut book);
        assert_eq!(first.len(), ROWS_PER_SHEET + 1, "header + a full sheet");
        assert_eq!(second.len(), 7 + 1, "header + the rest");
        assert_eq!((first[0].as_str(), second[0].as_str()), (READINESS_HEADER[0], READINESS_HEADER[0]));
        // All ready, so in name order: the sheets continue one another without a gap or a repeat.
        assert_eq!(first[1], "user0000000@contoso.com");
        assert_eq!(first[ROWS_PER_SHEET], format!("user{:07}@contoso.com", ROWS_PER_SHEET - 1));
        assert_eq!(second[1], format!("user{:07}@contoso.com", ROWS_PER_SHEET));
        assert_eq!(second[7], format!("user{:07}@contoso.com", n - 1));
        let summary = book.worksheet_range("Summary").unwrap();
        assert!(summary.rows().any(|r| r.iter().any(|c| matches!(c, Data::String(s) if s.contains("continued on Readiness, Readiness 2")))));
    }

    #[test]
    fn long_text_is_cut_at_the_cell_limit() {
        let long = "é".repeat(40_000);
        let c = cell(&long);
        assert!(c.len() <= CELL_CHARS && c.ends_with("findings.json)"));
        assert_eq!(cell("short"), "short");
    }
}
