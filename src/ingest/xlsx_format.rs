//! .xlsx workbooks (calamine): each sheet whose first row is the header of a known export is read;
//! every other sheet is reported as unknown with the reason.

use super::cell::{Cell, Row};
use super::{Builder, Ctx, FileError, FileReport, Format, Part};
use calamine::{DataRef, Reader, Xlsx, XlsxError};
use std::borrow::Cow;
use std::path::Path;

pub(super) fn read(path: &Path, mut base: FileReport, ctx: &Ctx<'_>) -> Vec<(FileReport, Option<Part>)> {
    base.format = Format::Xlsx;
    base.encoding = "xlsx".into();
    // A zip archive in the folder likely holds exports; a damaged workbook likely is one: either stops
    // the run rather than an audit without it. Told apart by the archive's entries: every .xlsx package
    // has its `[Content_Types].xml`.
    if let Err(error) = is_workbook_package(path) {
        base.damaged = true;
        base.error = Some(error);
        return vec![(base, None)];
    }
    let mut workbook: Xlsx<_> = match calamine::open_workbook(path) {
        Ok(w) => w,
        Err(e) => {
            base.damaged = true;
            base.error = Some(FileError {
                line: None,
                column: None,
                message: format!("not a readable .xlsx workbook: {e}"),
                hint: "open it in Excel and save it again as .xlsx, or export the data as CSV".into(),
            });
            return vec![(base, None)];
        }
    };
    // Day numbers of a workbook in the 1904 date system (old Mac Excel) count 1,462 days less.
    let offset = if workbook.has_1904_epoch() { 1462.0 } else { 0.0 };
    // Excel tables (Format as Table) and where each is: a table's Total Row is no record. calamine reads
    // the tables' names and sheets, not their total rows: those come from the table parts themselves.
    let tables_read = workbook.load_tables().is_ok();
    let mut total_rows_of: Option<Vec<TotalRow>> = None;
    let mut out = Vec::new();
    for name in workbook.sheet_names() {
        let mut report = base.clone();
        report.sheet = Some(name.clone());
        let damaged = |report: &mut FileReport, e: &dyn std::fmt::Display| {
            // A damaged sheet may be the export: the run stops rather than audit without it.
            report.damaged = true;
            report.error = Some(FileError { line: None, column: None, message: format!("sheet {name:?} cannot be read: {e}"), hint: "open the workbook in Excel and save it again as .xlsx, or export the data as CSV".into() });
        };
        let on_sheet: Vec<String> = if tables_read { workbook.table_names_in_sheet(&name).into_iter().cloned().collect() } else { Vec::new() };
        let totals: Vec<TotalRow> = if on_sheet.is_empty() {
            Vec::new()
        } else {
            total_rows_of.get_or_insert_with(|| total_rows(path)).iter().filter(|t| on_sheet.contains(&t.table)).cloned().collect()
        };
        let mut rows = match workbook.worksheet_cells_reader(&name) {
            Ok(cells) => SheetRows { cells, pending: None, last: None, done: false },
            Err(XlsxError::NotAWorksheet(kind)) => {
                report.reason = Some(format!("a {kind} sheet, not a worksheet: it holds no table"));
                out.push((report, None));
                continue;
            }
            Err(e) => {
                damaged(&mut report, &e);
                out.push((report, None));
                continue;
            }
        };
        match read_sheet(&mut rows, &mut report, ctx, offset, &totals) {
            Ok(table) => out.push((report, table)),
            Err(e) => {
                damaged(&mut report, &e);
                out.push((report, None));
            }
        }
    }
    if out.is_empty() {
        base.reason = Some("the workbook has no sheets".into());
        out.push((base, None));
    }
    out
}

/// Reads one worksheet's table: its header (under a title and blank rows, if any), then each row that has
/// a value, typed as its export's records. The sheet streams: one row is in memory at a time, not the
/// sheet (at 100k AD users as a workbook, the whole sheet as calamine's `Range` added 138 MB to the run's
/// peak). A row without any value (a blank row inside the table, formatted rows Excel leaves under it) is
/// no record, as in CSV. Ok(None): not a known export (the reason is in the report).
fn read_sheet<RS: std::io::Read + std::io::Seek>(rows: &mut SheetRows<'_, RS>, report: &mut FileReport, ctx: &Ctx<'_>, offset: f64, totals: &[TotalRow]) -> Result<Option<Part>, String> {
    let Some((mut header_at, mut header)) = rows.next()? else {
        report.reason = Some("the sheet is empty".into());
        return Ok(None);
    };
    // A title above the table (Export-Excel -Title, a hand-made heading): rows of at most one cell
    // before a row of several are not the header.
    for _ in 0..3 {
        if header.iter().filter(|d| is_filled(d)).count() > 1 {
            break;
        }
        match rows.next()? {
            Some(row) => (header_at, header) = row,
            None => break,
        }
    }
    // The table starts at the header's first cell; a cell left of it has no column name.
    let first_col = header.iter().position(|d| !matches!(d, DataRef::Empty)).unwrap_or(0);
    let headers: Vec<String> = header[first_col..].iter().map(|d| text(d).map(|c| c.into_owned()).unwrap_or_default().trim().to_string()).collect();
    let mut builder = Builder::from_headers(headers.clone(), report, ctx);
    if let Some(e) = builder.duplicate_column(&headers, u64::from(header_at) + 1) {
        report.error = Some(e);
        return Ok(None);
    }
    if !builder.is_known() {
        let mut count = 0;
        while let Some((_, values)) = rows.next()? {
            count += u64::from(values.iter().any(is_filled));
        }
        report.rows = count;
        return Ok(None);
    }
    let slots = builder.column_slots.clone();
    let width = builder.spec.map(|s| s.len()).unwrap_or(0);
    let spec = builder.spec;
    let is_date: Vec<bool> = (0..width).map(|slot| spec.is_some_and(|s| date_columns().contains(&s.names[slot]))).collect();
    // Per date column: how many serial numbers were read as dates, and the first (row, number, date).
    let mut serials: std::collections::BTreeMap<usize, (u64, u64, f64, String)> = Default::default();
    let mut skipped_totals: Vec<(u32, &str)> = Vec::new();
    while let Some((at, values)) = rows.next()? {
        if let Some(t) = totals.iter().find(|t| t.row == at) {
            skipped_totals.push((at, &t.table));
            continue;
        }
        let mut row: Row<'_> = vec![None; width];
        // Excel's row number.
        let line = u64::from(at) + 1;
        for (col, value) in values.iter().enumerate().skip(first_col) {
            let Some(Some(slot)) = slots.get(col - first_col) else { continue };
            // Only a date column's cells are tried as day numbers (a text cell would be parsed for nothing).
            let t = match is_date[*slot].then(|| serial(value, offset)).flatten() {
                Some(days) => serial_text(days).map(|iso| {
                    serials.entry(*slot).or_insert((0, line, days, iso.clone())).0 += 1;
                    Cow::Owned(iso)
                }),
                None => text(value),
            };
            if let Some(t) = t.filter(|t| !t.is_empty()) {
                row[*slot] = Some(Cell::Text(t));
            }
        }
        // A row of blank cells only is no row, as a CSV line of empty fields; one whose values all lie
        // outside the columns read is counted by the builder.
        if values.iter().any(is_filled) {
            builder.push(&row, line);
        }
    }
    let table = builder.finish(report, ctx, Vec::new());
    for (at, name) in skipped_totals {
        report.warnings.push(format!("row {} is the total row of the Excel table {name:?}: not read as an object", u64::from(at) + 1));
    }
    for (slot, (n, line, days, iso)) in serials {
        report.warnings.push(format!(
            "{} in {} {} Excel day numbers (a date column in General format): read as dates (first at row {line}: {days} = {iso})",
            super::counted(n, "value", "values"),
            spec.and_then(|s| s.names.get(slot)).copied().unwrap_or("?"),
            if n == 1 { "is" } else { "are" }
        ));
    }
    Ok(table)
}

/// Excel's last column (XFD): a cell beyond it is a damaged sheet, not a row to make room for.
const MAX_COLUMNS: u32 = 16_384;

/// A worksheet's rows as its XML streams them: each row that has a cell, with its cells by column.
struct SheetRows<'a, RS: std::io::Read + std::io::Seek> {
    cells: calamine::XlsxCellReader<'a, RS>,
    /// The first cell of the next row, read while finding where this one ends.
    pending: Option<calamine::Cell<DataRef<'a>>>,
    /// The last row returned: rows come in order, as Excel writes them.
    last: Option<u32>,
    /// The sheet's end was read (the reader must not be asked again).
    done: bool,
}

impl<'a, RS: std::io::Read + std::io::Seek> SheetRows<'a, RS> {
    /// The next row that has a value: its row number (from 0) and its values by column (from 0). A row of
    /// empty cells only (formatted, never filled) is as absent as a row without cells, so that formatted
    /// rows above a table do not count as the title rows before its header.
    fn next(&mut self) -> Result<Option<(u32, Vec<DataRef<'a>>)>, String> {
        loop {
            match self.next_with_cells()? {
                Some((_, values)) if values.is_empty() => continue,
                row => return Ok(row),
            }
        }
    }

    /// The next row that has a cell, empty or not.
    fn next_with_cells(&mut self) -> Result<Option<(u32, Vec<DataRef<'a>>)>, String> {
        let mut values = Vec::new();
        let mut at = None;
        loop {
            let cell = match self.pending.take() {
                Some(c) => c,
                None if self.done => break,
                None => match self.cells.next_cell().map_err(|e| e.to_string())? {
                    Some(c) => c,
                    None => {
                        self.done = true;
                        break;
                    }
                },
            };
            let (row, col) = cell.get_position();
            match at {
                None => {
                    if self.last.is_some_and(|last| row <= last) {
                        return Err(format!("row {} comes after row {} in the sheet's XML (not written by Excel)", row + 1, self.last.unwrap_or(0) + 1));
                    }
                    at = Some(row);
                }
                Some(current) if current != row => {
                    self.pending = Some(cell);
                    break;
                }
                Some(_) => {}
            }
            if col >= MAX_COLUMNS {
                return Err(format!("a cell at row {}, column {} (Excel's last column is {MAX_COLUMNS})", row + 1, col + 1));
            }
            let value = cell.get_value();
            if !matches!(value, DataRef::Empty) {
                let col = col as usize;
                if values.len() <= col {
                    values.resize(col + 1, DataRef::Empty);
                }
                values[col] = value.clone();
            }
        }
        self.last = at.or(self.last);
        Ok(at.map(|row| (row, values)))
    }
}

/// The date columns (canonical names) a sheet may hold as Excel day numbers: cells in General format show
/// a date as its serial number (45234.35 for 2023-11-04 08:24). `accountExpires` is a FILETIME, not one.
fn date_columns() -> [&'static str; 4] {
    use crate::model::{AdField, EntraField, ExoField};
    [AdField::WhenCreated.name(), EntraField::CreatedDateTime.name(), ExoField::WhenSoftDeleted.name(), ExoField::WhenMailboxCreated.name()]
}

/// A number in a date column that is a date: Excel's day numbers of 1990-01-01 to 2100-01-01. Others (a
/// FILETIME, a year) stay text, and unreadable as dates.
fn serial(d: &DataRef<'_>, offset: f64) -> Option<f64> {
    let days = match d {
        DataRef::Float(f) => *f + offset,
        DataRef::Int(i) => *i as f64 + offset,
        // A day number stored as text (pasted values): Excel shows "46333.42" in the cell.
        DataRef::String(t) => t.trim().parse::<f64>().ok()? + offset,
        DataRef::SharedString(t) => t.trim().parse::<f64>().ok()? + offset,
        _ => return None,
    };
    (32874.0..=73051.0).contains(&days).then_some(days)
}

/// Excel serial days since 1899-12-30 → ISO 8601 (UTC, as the workbook has no zone).
fn serial_text(days: f64) -> Option<String> {
    let seconds = ((days - 25569.0) * 86400.0).round() as i64;
    Some(chrono::DateTime::from_timestamp(seconds, 0)?.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Whether the zip file at `path` is an Office Open XML package (an .xlsx workbook), and if not, what it
/// is: a zip archive of other files (named, so the user knows what to extract) or a damaged zip.
fn is_workbook_package(path: &Path) -> Result<(), FileError> {
    let damaged = |e: &dyn std::fmt::Display| FileError {
        line: None,
        column: None,
        message: format!("not a readable .xlsx workbook: its zip structure is damaged ({e})"),
        hint: "copy the file again (a transfer may have cut it short), or open it in Excel and save it again as .xlsx, or export the data as CSV".into(),
    };
    let file = std::fs::File::open(path).map_err(|e| damaged(&e))?;
    let archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| damaged(&e))?;
    if archive.index_for_name("[Content_Types].xml").is_some() {
        return Ok(());
    }
    const SHOWN: usize = 5;
    let mut names: Vec<String> = archive.file_names().map(|n| n.map_or_else(|_| "(a name that cannot be read)".into(), |n| n.into_owned())).filter(|n| !n.ends_with('/')).collect();
    names.sort_unstable();
    let more = names.len().saturating_sub(SHOWN);
    let mut held = names.iter().take(SHOWN).map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ");
    if more > 0 {
        held.push_str(&format!(" and {}", crate::counted(more as u64, "more file", "more files")));
    }
    if names.is_empty() {
        held = "no files".into();
    }
    Err(FileError {
        line: None,
        column: None,
        message: format!("a zip archive, not an .xlsx workbook (it holds {held}): exports inside an archive are not read"),
        hint: "extract its files into the folder (and move the archive out), then run again".into(),
    })
}

/// An Excel table's total row (0-based sheet row), by the table's name.
#[derive(Clone, Debug)]
struct TotalRow {
    table: String,
    row: u32,
}

/// The total row of every table in the workbook at `path` that has one: the last row of the table part's
/// `ref` when its `totalsRowCount` is 1. A part that cannot be read adds nothing (its rows are then
/// read as the sheet has them).
fn total_rows(path: &Path) -> Vec<TotalRow> {
    let Ok(file) = std::fs::File::open(path) else { return Vec::new() };
    let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else { return Vec::new() };
    let parts: Vec<String> = archive.file_names().filter_map(Result::ok).filter(|n| n.starts_with("xl/tables/") && n.ends_with(".xml")).map(|n| n.into_owned()).collect();
    let mut out = Vec::new();
    for part in parts {
        let Ok(entry) = archive.by_name(&part) else { continue };
        let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(entry));
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) if e.local_name().as_ref() == "table" => {
                    let attr = |key: &str| e.try_get_attribute(key).ok().flatten().and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()));
                    let count: u32 = attr("totalsRowCount").and_then(|v| v.parse().ok()).unwrap_or(0);
                    let last = attr("ref").and_then(|r| last_row(&r));
                    // Excel's total row is one row (totalsRowCount 0 or 1); another count is a part this
                    // does not understand, and its rows are read as the sheet has them.
                    if let (Some(table), Some(last), 1) = (attr("displayName").or_else(|| attr("name")), last, count) {
                        out.push(TotalRow { table, row: last });
                    }
                    break;
                }
                Ok(quick_xml::events::Event::Eof) | Err(_) => break,
                _ => buf.clear(),
            }
        }
    }
    out
}

/// The 0-based row of a range's last cell: `A1:E4` → 3.
fn last_row(range: &str) -> Option<u32> {
    let cell = range.rsplit(':').next()?;
    let digits = cell.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '$');
    digits.parse::<u32>().ok()?.checked_sub(1)
}

/// Whether a cell holds more than blanks.
fn is_filled(d: &DataRef<'_>) -> bool {
    text(d).is_some_and(|t| !t.trim().is_empty())
}

/// A cell as the text an export would have written.
fn text<'d>(d: &'d DataRef<'_>) -> Option<Cow<'d, str>> {
    Some(match d {
        DataRef::Empty | DataRef::Error(_) => return None,
        DataRef::SharedString(s) => Cow::Borrowed(s),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cow::Borrowed(s.as_str()),
        DataRef::Int(i) => Cow::Owned(i.to_string()),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Cow::Owned(format!("{}", *f as i64)),
        DataRef::Float(f) => Cow::Owned(f.to_string()),
        DataRef::Bool(b) => Cow::Borrowed(if *b { "True" } else { "False" }),
        // calamine knows the workbook's date system (1900 or 1904).
        DataRef::DateTime(dt) => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            Cow::Owned(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::is_workbook_package;
    use std::io::Write;

    fn zip_of(path: &std::path::Path, names: &[&str]) {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
        for name in names {
            zip.start_file(*name, zip::write::SimpleFileOptions::default()).expect("zip");
            zip.write_all(b"UserPrincipalName\r\n").expect("zip");
        }
        zip.finish().expect("zip");
    }

    /// A one-cell workbook at `dir/book.xlsx`.
    fn workbook_in(dir: &std::path::Path) -> std::path::PathBuf {
        let book = dir.join("book.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "UserPrincipalName").expect("write");
        wb.save(&book).expect("save");
        book
    }

    #[test]
    fn a_workbook_is_a_package_and_an_archive_of_exports_is_named_by_its_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(is_workbook_package(&workbook_in(dir.path())).is_ok());

        let archive = dir.path().join("exports.zip");
        zip_of(&archive, &["ad/ad-users.csv", "graph.json"]);
        let e = is_workbook_package(&archive).expect_err("an archive");
        assert_eq!(e.message, r#"a zip archive, not an .xlsx workbook (it holds "ad/ad-users.csv", "graph.json"): exports inside an archive are not read"#);
        assert!(e.hint.contains("extract its files"), "{}", e.hint);

        zip_of(&archive, &["f.csv", "e.csv", "d.csv", "c.csv", "b.csv", "a.csv", "g.csv"]);
        let e = is_workbook_package(&archive).expect_err("an archive");
        assert!(e.message.contains(r#"(it holds "a.csv", "b.csv", "c.csv", "d.csv", "e.csv" and 2 more files)"#), "{}", e.message);

        zip_of(&archive, &[]);
        assert!(is_workbook_package(&archive).expect_err("empty").message.contains("(it holds no files)"));
    }

    #[test]
    fn a_ranges_last_row_is_its_last_cells_row() {
        assert_eq!(super::last_row("A1:E4"), Some(3));
        assert_eq!(super::last_row("$A$1:$XFD$1048576"), Some(1_048_575));
        assert_eq!(super::last_row("B7"), Some(6));
        assert_eq!(super::last_row("A0"), None);
        assert_eq!(super::last_row("A1:"), None);
        assert_eq!(super::last_row(""), None);
    }

    #[test]
    fn a_cut_workbook_is_damaged_not_an_archive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let book = workbook_in(dir.path());
        let bytes = std::fs::read(&book).expect("read");
        // Cut before the central directory at its end: the copy that stopped half-way.
        std::fs::write(&book, &bytes[..bytes.len() / 2]).expect("write");
        let e = is_workbook_package(&book).expect_err("damaged");
        assert!(e.message.starts_with("not a readable .xlsx workbook: its zip structure is damaged ("), "{}", e.message);
        assert!(e.hint.contains("copy the file again"), "{}", e.hint);
    }
}
