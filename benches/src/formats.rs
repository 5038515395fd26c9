//! The AD export in the other shapes a consultant receives it in, each ingested and joined in its own child
//! process beside the UTF-8 CSV the generator writes: a UTF-16LE CSV (Windows PowerShell's `Out-File` /
//! `Export-Csv -Encoding Unicode`) and an .xlsx workbook (the CSV saved from Excel). A reader that holds a
//! whole file, or a sheet, in memory shows in the peak; one that decodes slowly, in the time.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The AD export's file in the generated tenant.
const AD_FILE: &str = "ad-users.csv";

/// The shapes measured, the generator's own first.
pub const SHAPES: [(&str, &str); 3] = [("csv", "UTF-8 CSV (PowerShell 7 Export-Csv)"), ("csv-utf16", "UTF-16LE CSV (Windows PowerShell Out-File)"), ("xlsx", ".xlsx workbook, one sheet")];

/// A folder for `shape` beside `tenant`: the tenant's other files linked, the AD export in that shape.
/// Returns the folder and the AD file's size.
pub fn make(tenant: &Path, shape: &str) -> io::Result<(PathBuf, u64)> {
    let source = tenant.join(AD_FILE);
    if shape == "csv" {
        return Ok((tenant.to_path_buf(), std::fs::metadata(&source)?.len()));
    }
    let folder = tenant.with_extension(format!("ad-{shape}"));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder)?;
    for entry in std::fs::read_dir(tenant)? {
        let path = entry?.path();
        let name = path.file_name().ok_or_else(|| io::Error::other("a file without a name"))?;
        if name != AD_FILE {
            // The same bytes without a copy; a copy where links are refused.
            std::fs::hard_link(&path, folder.join(name)).or_else(|_| std::fs::copy(&path, folder.join(name)).map(|_| ()))?;
        }
    }
    let target = match shape {
        "csv-utf16" => {
            let target = folder.join(AD_FILE);
            let text = String::from_utf8(std::fs::read(&source)?).map_err(io::Error::other)?;
            let mut out = BufWriter::new(std::fs::File::create(&target)?);
            out.write_all(&[0xFF, 0xFE])?;
            for unit in text.encode_utf16() {
                out.write_all(&unit.to_le_bytes())?;
            }
            out.flush()?;
            target
        }
        "xlsx" => {
            let target = folder.join("ad-users.xlsx");
            write_xlsx(&source, &target)?;
            target
        }
        other => return Err(io::Error::other(format!("unknown shape {other}"))),
    };
    Ok((folder, std::fs::metadata(target)?.len()))
}

/// The CSV as one worksheet of text cells, as Excel keeps a column it was told is text (GUIDs, the
/// 19-digit accountExpires).
fn write_xlsx(source: &Path, target: &Path) -> io::Result<()> {
    let failed = |e: rust_xlsxwriter::XlsxError| io::Error::other(e.to_string());
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(source)?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let mut sheet = book.new_worksheet_with_constant_memory().map_err(failed)?;
    sheet.set_name("ad-users").map_err(failed)?;
    let mut record = csv::StringRecord::new();
    let mut row = 0u32;
    while reader.read_record(&mut record)? {
        for (col, field) in record.iter().enumerate() {
            if !field.is_empty() {
                sheet.write_string(row, col as u16, field).map_err(failed)?;
            }
        }
        row += 1;
    }
    book.push_worksheet(sheet);
    book.save(target).map_err(failed)
}
