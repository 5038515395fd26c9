//! audit.xlsx: Summary, Findings, Readiness (continued on further sheets past Excel's row limit), Action
//! plan, Join and Checks. The table sheets are written in constant-memory mode: rows stream to a temp
//! file, so 800k readiness rows do not sit in memory as cells.

use super::evidence_text;
use super::plan::Plan;
use crate::findings::{Audit, Verdict};
use hybrid_audit_sdk::Severity;
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// Rows of one sheet: Excel's limit, 1,048,576, less the header.
pub const ROWS_PER_SHEET: usize = 1_048_575;
/// Excel's limit for the text of one cell.
const CELL_CHARS: usize = 32_767;

pub const FINDINGS_HEADER: [&str; 10] = ["Severity", "Check", "Name", "Identity", "Message", "Remediation", "Deadline", "Days left", "Evidence", "Finding id"];
pub const READINESS_HEADER: [&str; 11] = ["Identity", "Verdict", "Worst severity", "Findings", "Finding ids", "AD", "Entra", "Exchange Online", "Previous mailboxes", "AD matched by", "EXO matched by"];
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

/// A table spread over as many sheets as its rows need, each with the header, frozen and filtered.
struct Table<'w> {
    workbook: &'w mut Workbook,
    names: Vec<String>,
    header: &'static [&'static str],
    widths: &'static [f64],
    sheets: Vec<Worksheet>,
    row: u32,
}

impl<'w> Table<'w> {
    fn new(workbook: &'w mut Workbook, name: &str, rows: usize, header: &'static [&'static str], widths: &'static [f64]) -> Table<'w> {
        Table { workbook, names: sheet_names(name, rows), header, widths, sheets: Vec::new(), row: 0 }
    }

    /// The sheet for the next row (starting a new one at the limit) and the row number on it.
    fn next(&mut self, f: &Formats) -> Result<(&mut Worksheet, u32), String> {
        if self.sheets.is_empty() || self.row as usize > ROWS_PER_SHEET {
            self.start(f)?;
        }
        let row = self.row;
        self.row += 1;
        Ok((self.sheets.last_mut().ok_or("no sheet")?, row))
    }

    fn start(&mut self, f: &Formats) -> Result<(), String> {
        self.finish_sheet()?;
        let mut sheet = self.workbook.new_worksheet_with_constant_memory().map_err(err)?;
        let name = self.names.get(self.sheets.len()).cloned().unwrap_or_else(|| format!("{} {}", self.names[0], self.sheets.len() + 1));
        sheet.set_name(name).map_err(err)?;
        for (c, (h, w)) in self.header.iter().zip(self.widths).enumerate() {
            sheet.set_column_width(c as u16, *w).map_err(err)?;
            sheet.write_string_with_format(0, c as u16, *h, &f.header).map_err(err)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(err)?;
        self.sheets.push(sheet);
        self.row = 1;
        Ok(())
    }

    fn finish_sheet(&mut self) -> Result<(), String> {
        if let Some(sheet) = self.sheets.last_mut() {
            sheet.autofilter(0, 0, self.row.saturating_sub(1).max(1), (self.header.len() - 1) as u16).map_err(err)?;
        }
        Ok(())
    }

    fn done(mut self, f: &Formats) -> Result<(), String> {
        if self.sheets.is_empty() {
            self.start(f)?;
        }
        self.finish_sheet()?;
        for sheet in self.sheets {
            self.workbook.push_worksheet(sheet);
        }
        Ok(())
    }
}

pub fn write(audit: &Audit, path: &Path) -> Result<(), String> {
    let f = Formats::new();
    let mut wb = Workbook::new();
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
    // Deflate level 1: measured at 100k identities 1.25 s → see the README's benchmark; the file grows a
    // little, the writer is several times faster (deflate was most of its time).
    wb.set_zip_compression_level(1);
    let plan = Plan::of(audit);
    summary(&mut wb, audit, &f, plan.steps())?;
    findings(&mut wb, audit, &f)?;
    readiness(&mut wb, audit, &f)?;
    action_plan(&mut wb, &plan, &f)?;
    join(&mut wb, audit, &f)?;
    checks(&mut wb, audit, &f)?;
    wb.save(path).map_err(err)
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
        self.sheet.write_string(self.row, 0, name).map_err(err)?;
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
    l.count("remediation steps (Action plan)", steps as u64)?;

    l.heading("Findings by check", &f.bold)?;
    l.row_with(&["Check", "Name", "Severity", "Status", "Findings"], &f.header)?;
    for c in &audit.checks {
        l.row(&[&c.id, &c.name, &c.severity, &c.status.replace('_', " "), &c.findings.to_string()])?;
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
        ("soft-match candidates", j.soft_match_candidates),
    ] {
        l.count(name, n)?;
    }

    l.heading("Inputs", &f.bold)?;
    l.row_with(&["Path", "Kind", "Rows", "Bytes", "", "", "SHA-256"], &f.header)?;
    for i in &audit.inputs {
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

fn findings(wb: &mut Workbook, audit: &Audit, f: &Formats) -> Result<(), String> {
    let mut t = Table::new(wb, "Findings", audit.findings.len(), &FINDINGS_HEADER, &[10.0, 9.0, 30.0, 32.0, 70.0, 70.0, 11.0, 9.0, 70.0, 26.0]);
    for x in &audit.findings {
        let (s, r) = t.next(f)?;
        s.write_string_with_format(r, 0, x.severity.as_str(), f.of(x.severity)).map_err(err)?;
        s.write_string(r, 1, &x.check).map_err(err)?;
        s.write_string(r, 2, &x.name).map_err(err)?;
        s.write_string(r, 3, &x.identity.upn).map_err(err)?;
        s.write_string_with_format(r, 4, cell(&x.message), &f.wrap).map_err(err)?;
        s.write_string_with_format(r, 5, cell(&x.remediation), &f.wrap).map_err(err)?;
        if let Some(d) = &x.deadline {
            s.write_string(r, 6, d).map_err(err)?;
        }
        if let Some(d) = x.days_left {
            s.write_number(r, 7, d as f64).map_err(err)?;
        }
        s.write_string_with_format(r, 8, cell(&evidence_text(x)), &f.wrap).map_err(err)?;
        s.write_string(r, 9, &x.id).map_err(err)?;
    }
    t.done(f)
}

fn readiness(wb: &mut Workbook, audit: &Audit, f: &Formats) -> Result<(), String> {
    // Blocked first, then attention, then ready; by name within each.
    let rank = |v: Option<u32>| v.map(|i| audit.identities[i as usize].verdict).unwrap_or(Verdict::Ready);
    let mut order: Vec<u32> = (0..audit.roster.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&audit.roster[a as usize], &audit.roster[b as usize]);
        (rank(x.verdict) as u8, &x.name, a).cmp(&(rank(y.verdict) as u8, &y.name, b))
    });
    let mut t = Table::new(wb, "Readiness", audit.roster.len(), &READINESS_HEADER, &[36.0, 11.0, 14.0, 9.0, 50.0, 6.0, 6.0, 16.0, 10.0, 16.0, 16.0]);
    let yes = |b: bool| if b { "yes" } else { "" };
    for i in order {
        let e = &audit.roster[i as usize];
        let verdict = e.verdict.map(|v| &audit.identities[v as usize]);
        let (s, r) = t.next(f)?;
        s.write_string(r, 0, &*e.name).map_err(err)?;
        s.write_string(r, 1, verdict.map(|v| v.verdict).unwrap_or(Verdict::Ready).as_str()).map_err(err)?;
        if let Some(v) = verdict {
            s.write_string_with_format(r, 2, v.worst.as_str(), f.of(v.worst)).map_err(err)?;
            s.write_number(r, 3, v.findings.len() as f64).map_err(err)?;
            s.write_string(r, 4, cell(&v.findings.join("; "))).map_err(err)?;
        } else {
            s.write_number(r, 3, 0.0).map_err(err)?;
        }
        s.write_string(r, 5, yes(e.ad)).map_err(err)?;
        s.write_string(r, 6, yes(e.entra)).map_err(err)?;
        s.write_string(r, 7, yes(e.exo)).map_err(err)?;
        if e.previous_mailboxes > 0 {
            s.write_number(r, 8, e.previous_mailboxes as f64).map_err(err)?;
        }
        if let Some(k) = e.ad_matched_by {
            s.write_string(r, 9, k.as_str()).map_err(err)?;
        }
        let exo_key = match (e.exo_matched_by, e.ambiguous) {
            (_, true) => "ambiguous: not linked",
            (Some(k), _) => k.as_str(),
            _ => "",
        };
        if !exo_key.is_empty() {
            s.write_string(r, 10, exo_key).map_err(err)?;
        }
    }
    t.done(f)
}

fn action_plan(wb: &mut Workbook, plan: &Plan<'_>, f: &Formats) -> Result<(), String> {
    let mut t = Table::new(wb, "Action plan", plan.steps(), &PLAN_HEADER, &[7.0, 32.0, 26.0, 9.0, 10.0, 6.0, 18.0, 16.0, 60.0, 80.0, 11.0, 11.0, 16.0, 11.0, 12.0]);
    let mut n = 0u64;
    for item in plan.identities.iter().flatten() {
        let x = item.finding;
        for step in &item.steps {
            n += 1;
            let (s, r) = t.next(f)?;
            s.write_number(r, 0, n as f64).map_err(err)?;
            s.write_string(r, 1, &x.identity.upn).map_err(err)?;
            s.write_string(r, 2, &x.id).map_err(err)?;
            s.write_string(r, 3, &x.check).map_err(err)?;
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
    t.done(f)
}

fn join(wb: &mut Workbook, audit: &Audit, f: &Formats) -> Result<(), String> {
    let mut t = Table::new(wb, "Join", audit.join_issues.len(), &JOIN_HEADER, &[18.0, 60.0, 36.0, 38.0, 40.0]);
    for j in &audit.join_issues {
        let (s, r) = t.next(f)?;
        s.write_string(r, 0, j.directory).map_err(err)?;
        s.write_string(r, 1, &j.problem).map_err(err)?;
        s.write_string(r, 2, &j.name).map_err(err)?;
        s.write_string(r, 3, &j.key).map_err(err)?;
        s.write_string(r, 4, &j.source).map_err(err)?;
    }
    t.done(f)
}

fn checks(wb: &mut Workbook, audit: &Audit, f: &Formats) -> Result<(), String> {
    let mut t = Table::new(wb, "Checks", audit.checks.len(), &CHECKS_HEADER, &[9.0, 36.0, 14.0, 14.0, 9.0, 40.0, 30.0, 24.0, 14.0, 100.0]);
    for c in &audit.checks {
        let (s, r) = t.next(f)?;
        s.write_string(r, 0, &c.id).map_err(err)?;
        s.write_string(r, 1, &c.name).map_err(err)?;
        s.write_string(r, 2, &c.severity).map_err(err)?;
        s.write_string(r, 3, c.status.replace('_', " ")).map_err(err)?;
        s.write_number(r, 4, c.findings as f64).map_err(err)?;
        s.write_string_with_format(r, 5, c.fields.join(", "), &f.wrap).map_err(err)?;
        s.write_string_with_format(r, 6, c.optional_fields.join(", "), &f.wrap).map_err(err)?;
        s.write_string(r, 7, c.evaluated_without.join(", ")).map_err(err)?;
        s.write_string(r, 8, &c.plugin).map_err(err)?;
        s.write_string_with_format(r, 9, cell(&c.doc), &f.wrap).map_err(err)?;
    }
    t.done(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheets_continue_past_the_row_limit() {
        assert_eq!(sheet_names("Readiness", 10), ["Readiness"]);
        assert_eq!(sheet_names("Readiness", 0), ["Readiness"]);
        assert_eq!(sheet_names("Readiness", ROWS_PER_SHEET), ["Readiness"]);
        assert_eq!(sheet_names("Readiness", ROWS_PER_SHEET + 1), ["Readiness", "Readiness 2"]);
    }

    #[test]
    fn long_text_is_cut_at_the_cell_limit() {
        let long = "é".repeat(40_000);
        let c = cell(&long);
        assert!(c.len() <= CELL_CHARS && c.ends_with("findings.json)"));
        assert_eq!(cell("short"), "short");
    }
}
