//! The AD export in the other shapes a consultant receives it in, each ingested and joined in its own child
//! process beside the UTF-8 CSV the generator writes: a UTF-16LE CSV (Windows PowerShell's `Out-File` /
//! `Export-Csv -Encoding Unicode`), an .xlsx workbook (the CSV saved from Excel) and `ldifde` LDIF (binary
//! GUIDs base64, long lines folded). A reader that holds a whole file, or a sheet, in memory shows in the
//! peak; one that decodes slowly, in the time.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The AD export's file in the generated tenant.
const AD_FILE: &str = "ad-users.csv";

/// The shapes measured, the generator's own first.
pub const SHAPES: [(&str, &str); 4] = [
    ("csv", "UTF-8 CSV (PowerShell 7 Export-Csv)"),
    ("csv-utf16", "UTF-16LE CSV (Windows PowerShell Out-File)"),
    ("xlsx", ".xlsx workbook, one sheet"),
    ("ldif", "ldifde LDIF"),
];

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
        "ldif" => {
            let target = folder.join("ad-users.ldf");
            write_ldif(&source, &target)?;
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

/// The CSV's users as `ldifde -f` writes them: one entry per user, GUIDs as their 16 bytes in base64
/// (`attr:: …`), multi-valued proxyAddresses one line each, whenCreated as generalized time, lines folded
/// at 78 characters with a leading space.
fn write_ldif(source: &Path, target: &Path) -> io::Result<()> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut reader = csv::Reader::from_path(source)?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| io::Error::other(format!("no {name} column")));
    let mut out = BufWriter::new(std::fs::File::create(target)?);
    let mut line = String::new();
    let mut emit = |out: &mut BufWriter<std::fs::File>, name: &str, value: &str| -> io::Result<()> {
        line.clear();
        let safe = value.is_ascii() && !value.starts_with([' ', ':', '<']);
        if safe {
            line.push_str(name);
            line.push_str(": ");
            line.push_str(value);
        } else {
            line.push_str(name);
            line.push_str(":: ");
            line.push_str(&b64.encode(value));
        }
        write_folded(out, &line)
    };
    let guid_columns = [("ObjectGUID", "objectGUID"), ("msExchMailboxGuid", "msExchMailboxGuid"), ("msExchArchiveGUID", "msExchArchiveGUID"), ("mS-DS-ConsistencyGuid", "mS-DS-ConsistencyGuid")];
    let text_columns = [
        ("DisplayName", "displayName"),
        ("userAccountControl", "userAccountControl"),
        ("accountExpires", "accountExpires"),
        ("SamAccountName", "sAMAccountName"),
        ("UserPrincipalName", "userPrincipalName"),
        ("mail", "mail"),
        ("mailNickname", "mailNickname"),
        ("targetAddress", "targetAddress"),
        ("homeMDB", "homeMDB"),
        ("msExchHomeServerName", "msExchHomeServerName"),
        ("msExchRecipientTypeDetails", "msExchRecipientTypeDetails"),
        ("msExchRemoteRecipientType", "msExchRemoteRecipientType"),
        ("msExchRecipientDisplayType", "msExchRecipientDisplayType"),
    ];
    let texts: Vec<(usize, &str)> = text_columns.iter().map(|(c, a)| col(c).map(|i| (i, *a))).collect::<io::Result<_>>()?;
    let guids: Vec<(usize, &str)> = guid_columns.iter().map(|(c, a)| col(c).map(|i| (i, *a))).collect::<io::Result<_>>()?;
    let (dn, cn, created, proxies) = (col("DistinguishedName")?, col("Name")?, col("whenCreated")?, col("proxyAddresses")?);
    for record in reader.records() {
        let record = record?;
        emit(&mut out, "dn", &record[dn])?;
        out.write_all(b"changetype: add\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\n")?;
        emit(&mut out, "cn", &record[cn])?;
        let when = chrono::NaiveDateTime::parse_from_str(&record[created], "%m/%d/%Y %I:%M:%S %p").map_err(|e| io::Error::other(format!("whenCreated {:?}: {e}", &record[created])))?;
        writeln!(out, "whenCreated: {}.0Z", when.format("%Y%m%d%H%M%S"))?;
        for &(i, attribute) in &texts {
            if !record[i].is_empty() {
                emit(&mut out, attribute, &record[i])?;
            }
        }
        for &(i, attribute) in &guids {
            if !record[i].is_empty() {
                let guid = hybrid_audit::values::Guid::parse_text(&record[i]).ok_or_else(|| io::Error::other(format!("{attribute} {:?} is no GUID", &record[i])))?;
                writeln!(out, "{attribute}:: {}", guid.to_immutable_id())?;
            }
        }
        for proxy in record[proxies].split(';').filter(|p| !p.is_empty()) {
            emit(&mut out, "proxyAddresses", proxy)?;
        }
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// One LDIF line, folded as ldifde folds it: 78 characters, then continuation lines of a space and 77
/// (on characters: a fold never splits a UTF-8 sequence).
fn write_folded(out: &mut impl Write, line: &str) -> io::Result<()> {
    let (mut rest, mut width, mut continued) = (line, 78, false);
    loop {
        let cut = rest.char_indices().nth(width).map_or(rest.len(), |(i, _)| i);
        if continued {
            out.write_all(b" ")?;
        }
        out.write_all(&rest.as_bytes()[..cut])?;
        out.write_all(b"\n")?;
        rest = &rest[cut..];
        if rest.is_empty() {
            return Ok(());
        }
        (width, continued) = (77, true);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_line_folds_at_78_then_77_and_unfolds_to_itself() {
        let line = format!("homeMDB: {}ö{}", "x".repeat(68), "y".repeat(150));
        let mut out = Vec::new();
        super::write_folded(&mut out, &line).expect("write");
        let text = String::from_utf8(out).expect("UTF-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.iter().map(|l| l.chars().count()).collect::<Vec<_>>(), [78, 78, 74]);
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')));
        assert_eq!(lines[0].chars().last(), Some('ö'), "the 78th character, kept whole");
        assert_eq!(lines.iter().enumerate().map(|(i, l)| if i == 0 { *l } else { &l[1..] }).collect::<String>(), line);
        let mut short = Vec::new();
        super::write_folded(&mut short, "cn: A").expect("write");
        assert_eq!(short, b"cn: A\n");
    }
}
