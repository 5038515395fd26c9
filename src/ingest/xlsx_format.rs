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
    let mut workbook: Xlsx<_> = match calamine::open_workbook(path) {
        Ok(w) => w,
        Err(e) => {
            base.error = Some(FileError {
                line: None,
                column: None,
                message: format!("not a readable .xlsx workbook: {e}"),
                hint: "open it in Excel and save it again as .xlsx, or export the data as CSV".into(),
            });
            return vec![(base, None)];
        }
    };
    let mut out = Vec::new();
    for name in workbook.sheet_names() {
        let mut report = base.clone();
        report.sheet = Some(name.clone());
        let range = match workbook.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                report.error = Some(FileError { line: None, column: None, message: format!("sheet {name:?} cannot be read: {e}"), hint: String::new() });
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
        // A title above the table (Export-Excel -Title, a hand-made heading): rows of one cell before a
        // row of several are not the header.
        let filled = |r: &[Data]| r.iter().filter(|d| text(d).is_some_and(|t| !t.trim().is_empty())).count();
        for _ in 0..3 {
            match rows.peek() {
                Some(next) if filled(header) <= 1 && filled(next) >= 2 => {
                    header = rows.next().unwrap_or(header);
                    first_row += 1;
                }
                _ => break,
            }
        }
        let headers: Vec<String> = header.iter().map(|d| text(d).map(|c| c.into_owned()).unwrap_or_default().trim().to_string()).collect();
        let mut builder = Builder::from_headers(headers, &mut report, ctx);
        if !builder.is_known() {
            report.rows = rows.count() as u64;
            out.push((report, None));
            continue;
        }
        let slots = builder.column_slots.clone();
        let width = builder.spec.map(|s| s.len()).unwrap_or(0);
        for (i, values) in rows.enumerate() {
            let mut row: Row<'_> = vec![None; width];
            for (col, value) in values.iter().enumerate() {
                if let (Some(Some(slot)), Some(t)) = (slots.get(col), text(value)) {
                    if !t.is_empty() {
                        row[*slot] = Some(Cell::Text(t));
                    }
                }
            }
            // Excel row numbers: the header is the range's first row.
            builder.push(&row, first_row + i as u64 + 2);
        }
        let table = builder.finish(&mut report, ctx, Vec::new());
        out.push((report, table));
    }
    if out.is_empty() {
        base.reason = Some("the workbook has no sheets".into());
        out.push((base, None));
    }
    out
}

/// A cell as the text an export would have written.
fn text(d: &Data) -> Option<Cow<'_, str>> {
    Some(match d {
        Data::Empty | Data::Error(_) => return None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cow::Borrowed(s.as_str()),
        Data::Int(i) => Cow::Owned(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Cow::Owned(format!("{}", *f as i64)),
        Data::Float(f) => Cow::Owned(f.to_string()),
        Data::Bool(b) => Cow::Borrowed(if *b { "True" } else { "False" }),
        Data::DateTime(dt) => {
            // Excel serial days since 1899-12-30 → ISO 8601 (UTC, as the workbook has no zone).
            let seconds = ((dt.as_f64() - 25569.0) * 86400.0).round() as i64;
            let ts = chrono::DateTime::from_timestamp(seconds, 0)?;
            Cow::Owned(ts.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        }
    })
}
