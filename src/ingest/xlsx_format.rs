//! .xlsx workbooks (calamine): each sheet whose first row is the header of a known export is read;
//! every other sheet is reported as unknown with the reason.

use super::cell::{Cell, Row};
use super::{Builder, Ctx, FileError, FileReport, Format, Part};
use calamine::{Data, Reader, Xlsx};
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
    let mut out = Vec::new();
    for name in workbook.sheet_names() {
        let mut report = base.clone();
        report.sheet = Some(name.clone());
        let range = match workbook.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                // A damaged sheet may be the export: the run stops rather than audit without it.
                report.damaged = true;
                report.error = Some(FileError { line: None, column: None, message: format!("sheet {name:?} cannot be read: {e}"), hint: "open the workbook in Excel and save it again as .xlsx, or export the data as CSV".into() });
                out.push((report, None));
                continue;
            }
        };
        let mut first_row = range.start().map(|(r, _)| r as u64).unwrap_or(0);
        let mut rows = range.rows().peekable();
        let Some(mut header) = rows.next() else {
            report.reason = Some("the sheet is empty".into());
            out.push((report, None));
            continue;
        };
        // A title above the table (Export-Excel -Title, a hand-made heading), and blank rows under it:
        // rows of at most one cell before a row of several are not the header.
        let filled = |r: &[Data]| r.iter().filter(|d| text(d).is_some_and(|t| !t.trim().is_empty())).count();
        for _ in 0..3 {
            match rows.peek() {
                Some(_) if filled(header) <= 1 => {
                    header = rows.next().unwrap_or(header);
                    first_row += 1;
                }
                _ => break,
            }
        }
        let headers: Vec<String> = header.iter().map(|d| text(d).map(|c| c.into_owned()).unwrap_or_default().trim().to_string()).collect();
        let mut builder = Builder::from_headers(headers.clone(), &mut report, ctx);
        if let Some(e) = builder.duplicate_column(&headers, first_row + 1) {
            report.error = Some(e);
            out.push((report, None));
            continue;
        }
        if !builder.is_known() {
            report.rows = rows.count() as u64;
            out.push((report, None));
            continue;
        }
        let slots = builder.column_slots.clone();
        let width = builder.spec.map(|s| s.len()).unwrap_or(0);
        let spec = builder.spec;
        let is_date: Vec<bool> = (0..width).map(|slot| spec.is_some_and(|s| date_columns().contains(&s.names[slot]))).collect();
        // Per date column: how many serial numbers were read as dates, and the first (row, number, date).
        let mut serials: std::collections::BTreeMap<usize, (u64, u64, f64, String)> = Default::default();
        for (i, values) in rows.enumerate() {
            let mut row: Row<'_> = vec![None; width];
            // Excel row numbers: the header is the range's first row.
            let line = first_row + i as u64 + 2;
            for (col, value) in values.iter().enumerate() {
                let Some(Some(slot)) = slots.get(col) else { continue };
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
            builder.push(&row, line);
        }
        let table = builder.finish(&mut report, ctx, Vec::new());
        for (slot, (n, line, days, iso)) in serials {
            report.warnings.push(format!(
                "{} in {} {} Excel day numbers (a date column in General format): read as dates (first at row {line}: {days} = {iso})",
                super::counted(n, "value", "values"),
                spec.and_then(|s| s.names.get(slot)).copied().unwrap_or("?"),
                if n == 1 { "is" } else { "are" }
            ));
        }
        out.push((report, table));
    }
    if out.is_empty() {
        base.reason = Some("the workbook has no sheets".into());
        out.push((base, None));
    }
    out
}

/// The date columns (canonical names) a sheet may hold as Excel day numbers: cells in General format show
/// a date as its serial number (45234.35 for 2023-11-04 08:24). `accountExpires` is a FILETIME, not one.
fn date_columns() -> [&'static str; 4] {
    use crate::model::{AdField, EntraField, ExoField};
    [AdField::WhenCreated.name(), EntraField::CreatedDateTime.name(), ExoField::WhenSoftDeleted.name(), ExoField::WhenMailboxCreated.name()]
}

/// A number in a date column that is a date: Excel's day numbers of 1990-01-01 to 2100-01-01. Others (a
/// FILETIME, a year) stay text, and unreadable as dates.
fn serial(d: &Data, offset: f64) -> Option<f64> {
    let days = match d {
        Data::Float(f) => *f + offset,
        Data::Int(i) => *i as f64 + offset,
        // A day number stored as text (pasted values): Excel shows "46333.42" in the cell.
        Data::String(t) => t.trim().parse::<f64>().ok()? + offset,
        _ => return None,
    };
    (32874.0..=73051.0).contains(&days).then_some(days)
}

/// Excel serial days since 1899-12-30 → ISO 8601 (UTC, as the workbook has no zone).
fn serial_text(days: f64) -> Option<String> {
    let seconds = ((days - 25569.0) * 86400.0).round() as i64;
    Some(chrono::DateTime::from_timestamp(seconds, 0)?.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// A cell as the text an export would have written.
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

fn text(d: &Data) -> Option<Cow<'_, str>> {
    Some(match d {
        Data::Empty | Data::Error(_) => return None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cow::Borrowed(s.as_str()),
        Data::Int(i) => Cow::Owned(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Cow::Owned(format!("{}", *f as i64)),
        Data::Float(f) => Cow::Owned(f.to_string()),
        Data::Bool(b) => Cow::Borrowed(if *b { "True" } else { "False" }),
        // calamine knows the workbook's date system (1900 or 1904).
        Data::DateTime(dt) => {
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

    #[test]
    fn a_workbook_is_a_package_and_an_archive_of_exports_is_named_by_its_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let book = dir.path().join("book.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "UserPrincipalName").expect("write");
        wb.save(&book).expect("save");
        assert!(is_workbook_package(&book).is_ok());

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
    fn a_cut_workbook_is_damaged_not_an_archive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let book = dir.path().join("book.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "UserPrincipalName").expect("write");
        wb.save(&book).expect("save");
        let bytes = std::fs::read(&book).expect("read");
        // Cut before the central directory at its end: the copy that stopped half-way.
        std::fs::write(&book, &bytes[..bytes.len() / 2]).expect("write");
        let e = is_workbook_package(&book).expect_err("damaged");
        assert!(e.message.starts_with("not a readable .xlsx workbook: its zip structure is damaged ("), "{}", e.message);
        assert!(e.hint.contains("copy the file again"), "{}", e.hint);
    }
}
