//! CSV exports: Export-Csv (Windows PowerShell 5.1 and 7), csvde, Get-MsolUser, EXO cmdlets.
//! Handles the `#TYPE` line, `,` `;` or tab delimiters, quoted fields with embedded newlines, CRLF.

use super::cell::{Cell, Row, RowBuf};
use super::decode::{self, Head};
use super::{Builder, Ctx, FileError, FileReport, Format, Part};
use crate::values;
use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// How many records are scanned in every column for .NET type names (columns no table reads).
const LOST_SCAN_ROWS: u64 = 500;

pub(super) fn read(path: &Path, head: &Head, report: &mut FileReport, ctx: &Ctx<'_>) -> Result<Option<Part>, FileError> {
    report.format = Format::Csv;
    let io_err = |e: std::io::Error| FileError { line: None, column: None, message: format!("read error: {e}"), hint: String::new() };
    let mut decoded = decode::open_utf8(path, head).map_err(io_err)?;
    if head.lone_cr_lines() {
        decoded = Box::new(decode::CrAsLf(decoded));
    }
    let mut input = BufReader::with_capacity(1 << 20, decoded);

    // `#TYPE Selected.Microsoft…` (Windows PowerShell without -NoTypeInformation), or Excel's `sep=;`
    // (the delimiter, for Excel to open the file right), then the header line.
    let mut skipped_lines = 0u64;
    let mut header_line = Vec::new();
    let mut stated: Option<u8> = None;
    loop {
        header_line.clear();
        if input.read_until(b'\n', &mut header_line).map_err(io_err)? == 0 {
            return Err(FileError {
                line: Some(skipped_lines + 1),
                column: None,
                message: "no header line: the file holds only comments or a #TYPE line".into(),
                hint: "the export returned no objects; check the filter, then re-export".into(),
            });
        }
        if header_line.starts_with(b"#") {
            skipped_lines += 1;
            continue;
        }
        if let Some(rest) = header_line.strip_prefix(b"sep=").filter(|_| skipped_lines == 0) {
            if let [d] = rest.trim_ascii_end() {
                stated = Some(*d);
                skipped_lines += 1;
                continue;
            }
        }
        if header_line.iter().all(u8::is_ascii_whitespace) {
            skipped_lines += 1;
            continue;
        }
        break;
    }
    // The reader's line of a record counts the line feeds before it, and a CRLF's line feed only once
    // the next record is read: one line short after a line that ends in CRLF, right after one that ends
    // in LF (an export written on Linux or macOS, a file of old-Mac CRs read as LFs, or a file that mixes
    // both). Such a record's position is that line feed: `QuoteCount::line_feed_at` says (see `line_of`).
    // The header's errors: taken from the header line.
    let line_base = skipped_lines + u64::from(header_line.ends_with(b"\r\n"));
    let delimiter = stated.unwrap_or_else(|| detect_delimiter(&header_line));
    report.delimiter = Some(match delimiter {
        b'\t' => "tab".to_string(),
        d => (d as char).to_string(),
    });

    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        // Row lengths are checked here (`unequal_lengths`), so that a line of only spaces is skipped.
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(QuoteCount { inner: std::io::Cursor::new(header_line).chain(input), quotes: 0, offset: 0, line_feeds: VecDeque::new() });
    // The file's line of a position the reader gives (1-based, the skipped lines above the header counted).
    // Positions come in order: the line feeds before one are dropped as it is asked.
    let line_of = |reader: &mut csv::Reader<QuoteCount<_>>, p: &csv::Position| p.line() + skipped_lines + u64::from(reader.get_mut().line_feed_at(p.byte()));
    let headers: Vec<String> = match reader.byte_headers() {
        Ok(h) => h.iter().map(|f| String::from_utf8_lossy(f).trim().to_string()).collect(),
        Err(e) => return Err(csv_error(e, |p| p.line() + line_base, &[])),
    };
    let mut builder = Builder::from_headers(headers.clone(), report, ctx);
    if let Some(e) = builder.duplicate_column(&headers, skipped_lines + 1) {
        return Err(e);
    }
    if !builder.is_known() {
        // Count the records anyway so the report says how big the unknown file is.
        let mut record = csv::ByteRecord::new();
        let mut rows = 0;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(e, |p| line_of(&mut reader, p), &headers)),
            }
            // Only to let go of the line feeds behind this record (the count needs no line).
            if let Some(p) = record.position() {
                line_of(&mut reader, p);
            }
            rows += u64::from(!is_blank(&record));
        }
        report.rows = rows;
        return Ok(None);
    }
    let slots = builder.column_slots.clone();
    let width = builder.spec.map(|s| s.len()).unwrap_or(0);
    let mut lost_unused: BTreeMap<usize, u64> = BTreeMap::new();
    let mut record = csv::ByteRecord::new();
    let mut row_buf = RowBuf::default();
    let mut records = 0u64;
    let mut last_line = 0u64;
    // The decoded stream is UTF-8: UTF-16 files shrink to about half.
    let decoded_size = if report.encoding.starts_with("utf-16") { report.bytes / 2 } else { report.bytes };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e, |p| line_of(&mut reader, p), &headers)),
        }
        let line = record.position().map_or(skipped_lines, |p| line_of(&mut reader, p));
        if is_blank(&record) {
            continue;
        }
        if record.len() != headers.len() {
            // Anything else short or long is damage.
            return Err(unequal_lengths(Some(line), headers.len(), record.len()));
        }
        if repeats_header(&record, &headers) {
            return Err(FileError {
                line: Some(line),
                column: None,
                message: format!("the header again (\"{}\", …): two exports were put into one file", headers.first().map(String::as_str).unwrap_or("")),
                hint: "export again into a file of its own, or split the file at that line into two files".into(),
            });
        }
        records += 1;
        last_line = line;
        let mut row: Row<'_> = row_buf.take(width);
        // One UTF-8 check for the whole record (fields end at ASCII delimiters, so each is valid when
        // the record is); only an invalid record is checked field by field, to name the column.
        let whole = std::str::from_utf8(record.as_slice()).ok();
        for (i, field) in record.iter().enumerate() {
            match slots.get(i).copied().flatten() {
                Some(slot) => {
                    let text = match (whole, record.range(i)) {
                        (Some(whole), Some(range)) => &whole[range],
                        _ => std::str::from_utf8(field).map_err(|e| {
                            let (message, hint) = decode::invalid_utf8_hint(&field[e.valid_up_to()..]);
                            FileError { line: Some(line), column: Some(headers[i].clone()), message, hint }
                        })?,
                    };
                    if !text.is_empty() {
                        row[slot] = Some(Cell::Text(Cow::Borrowed(text)));
                    }
                }
                None if records <= LOST_SCAN_ROWS
                    && (field.starts_with(b"System.") || field.starts_with(b"Microsoft."))
                    && std::str::from_utf8(field).is_ok_and(values::is_lost_marker) =>
                {
                    *lost_unused.entry(i).or_default() += 1;
                }
                None => {}
            }
        }
        builder.push(&row, line);
        row_buf.give(row);
        builder.reserve_ahead(record.position().map(|p| p.byte()).unwrap_or(0), decoded_size);
    }
    // With CSV quoting every `"` toggles the quoted state (an escaped quote toggles twice), so an
    // odd count means the input ended inside a quoted field: the file was cut off.
    if reader.get_ref().quotes % 2 == 1 {
        return Err(FileError {
            line: Some(last_line),
            column: None,
            message: "the file ends inside a quoted field: it was cut off (the last record is incomplete)".into(),
            hint: "copy or export the file again completely (Export-Csv -NoTypeInformation -Encoding UTF8)".into(),
        });
    }
    if let Some(warning) = truncation_warning(path, head) {
        report.warnings.push(warning);
    }
    let extra = lost_unused.into_iter().map(|(i, rows)| (headers[i].clone(), rows)).collect();
    Ok(builder.finish(report, ctx, extra))
}

/// Counts the `"` bytes that pass through (see the truncation check), and keeps where the line feeds the
/// reader has not reached yet are (see `line_of` in `read`).
struct QuoteCount<R> {
    inner: R,
    quotes: u64,
    /// Bytes passed through so far.
    offset: u64,
    /// The offsets of the line feeds passed through, in order, from the last record read on.
    line_feeds: VecDeque<u64>,
}

impl<R> QuoteCount<R> {
    /// Whether the byte at `offset` is a line feed; the line feeds before it are dropped (positions are asked
    /// in order, so none before it is asked again).
    fn line_feed_at(&mut self, offset: u64) -> bool {
        while self.line_feeds.front().is_some_and(|&at| at < offset) {
            self.line_feeds.pop_front();
        }
        self.line_feeds.front() == Some(&offset)
    }
}

impl<R: Read> Read for QuoteCount<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.quotes += memchr::memchr_iter(b'"', &buf[..n]).count() as u64;
        let offset = self.offset;
        self.line_feeds.extend(memchr::memchr_iter(b'\n', &buf[..n]).map(|i| offset + i as u64));
        self.offset += n as u64;
        Ok(n)
    }
}

/// The delimiter is the one of `,` `;` tab that occurs most often outside quotes in the header.
fn detect_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

/// Export-Csv ends every file with a line break; a file that does not was likely cut off.
fn truncation_warning(path: &Path, head: &Head) -> Option<String> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    use decode::TextEncoding::{Utf16Be, Utf16BeBom, Utf16Le, Utf16LeBom};
    // A UTF-16 character is two bytes, with a BOM or without (the last byte of `\n\0` is no line break).
    let tail = if matches!(head.encoding, Utf16LeBom | Utf16BeBom | Utf16Le | Utf16Be) { 2 } else { 1 };
    if len < tail {
        return None;
    }
    file.seek(SeekFrom::End(-(tail as i64))).ok()?;
    let mut last = vec![0u8; tail as usize];
    file.read_exact(&mut last).ok()?;
    // `\r` alone ends the lines of an old Mac file.
    let newline = match head.encoding {
        Utf16LeBom | Utf16Le => last == [b'\n', 0] || last == [b'\r', 0],
        Utf16BeBom | Utf16Be => last == [0, b'\n'] || last == [0, b'\r'],
        _ => last == [b'\n'] || last == [b'\r'],
    };
    (!newline).then(|| "the file does not end with a line break: it may have been cut off (compare its row count with the source)".to_string())
}

/// A record of one field of spaces or tabs only: a blank line, no row.
/// A line of only spaces or tabs (an editor's last line), or of empty fields only (`,,,,` as Excel
/// leaves under a table it saved): no row.
fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(|b| *b == b' ' || *b == b'\t'))
}

/// A record that is the header again (a BOM before it, as where a second export was appended).
fn repeats_header(record: &csv::ByteRecord, headers: &[String]) -> bool {
    record.len() == headers.len()
        && record.iter().zip(headers).enumerate().all(|(i, (field, header))| {
            // After a BOM the reader takes a quoted name as unquoted text, quotes and all.
            let field = match field.strip_prefix(b"\xEF\xBB\xBF").filter(|_| i == 0) {
                Some(rest) => rest.strip_prefix(b"\"").and_then(|r| r.strip_suffix(b"\"")).unwrap_or(rest),
                None => field,
            };
            field.trim_ascii() == header.as_bytes()
        })
}

fn unequal_lengths(line: Option<u64>, expected: usize, len: usize) -> FileError {
    FileError {
        line,
        column: None,
        message: format!(
            "expected {expected} fields as in the header, found {len}{}",
            if len < expected { " (an unterminated quoted field or a truncated last line?)" } else { " (an unescaped quote or delimiter inside a value?)" }
        ),
        hint: "the file is damaged or was cut off; export it again (Export-Csv -NoTypeInformation -Encoding UTF8)".to_string(),
    }
}

/// `line_of`: the file's line of a position the reader gives (see `read`).
fn csv_error(e: csv::Error, mut line_of: impl FnMut(&csv::Position) -> u64, headers: &[String]) -> FileError {
    let hint = "the file is damaged or was cut off; export it again (Export-Csv -NoTypeInformation -Encoding UTF8)".to_string();
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => unequal_lengths(pos.as_ref().map(&mut line_of), *expected_len as usize, *len as usize),
        csv::ErrorKind::Utf8 { pos, err } => FileError {
            line: pos.as_ref().map(&mut line_of),
            column: headers.get(err.field()).cloned(),
            message: "not valid UTF-8".into(),
            hint: decode::invalid_utf8_hint(&[]).1,
        },
        _ => FileError { line: None, column: None, message: e.to_string(), hint },
    }
}
