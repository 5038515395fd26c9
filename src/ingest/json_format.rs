//! JSON exports: Graph REST pages (`{"value":[…], "@odata.nextLink"}`), plain arrays (`ConvertTo-Json`),
//! a single object; camelCase or PascalCase keys.
//!
//! The file is streamed: a byte scanner finds each record's object, and only that object is parsed, with
//! the keys the table reads typed and every other key skipped unparsed. Memory stays flat whatever the
//! file size.

use super::cell::{Cell, Row, RowBuf, Spec};
use super::decode::{self, Head};
use super::{Builder, Ctx, FileError, FileReport, Format, Part};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

const BLOCK: usize = 4 << 20;

pub(super) fn read(path: &Path, head: &Head, report: &mut FileReport, ctx: &Ctx<'_>) -> Result<Option<Part>, FileError> {
    report.format = Format::Json;
    let input = decode::open_utf8(path, head).map_err(|e| FileError { line: None, column: None, message: format!("read error: {e}"), hint: String::new() })?;
    let mut builder: Option<Builder> = None;
    let mut keys = KeyCache::default();
    let mut records = 0u64;
    let mut row_buf = RowBuf::default();
    let decoded_size = if report.encoding.starts_with("utf-16") { report.bytes / 2 } else { report.bytes };
    let mut next_link = false;
    let shape = for_each_record(input, &mut next_link, |bytes, (line, first_column), offset| {
        records += 1;
        // One UTF-8 check per record (fast on ASCII) instead of one per string inside the parser.
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let before = &bytes[..e.valid_up_to()];
            let line = line + memchr::memchr_iter(b'\n', before).count() as u64;
            let column = match before.iter().rposition(|&b| b == b'\n') {
                Some(nl) => e.valid_up_to() - nl,
                None => first_column as usize + e.valid_up_to(),
            };
            let (message, hint) = decode::invalid_utf8_hint(&bytes[e.valid_up_to()..]);
            FileError { line: Some(line), column: Some(column.to_string()), message, hint }
        })?;
        if builder.is_none() {
            let first: Cell<'_> = serde_json::from_str(text).map_err(|e| json_error(&e, line, first_column))?;
            let Cell::Map(entries) = &first else {
                return Err(FileError { line: Some(line), column: None, message: "a record is not a JSON object".into(), hint: String::new() });
            };
            let keys: Vec<String> = entries.iter().map(|(k, _)| k.to_string()).collect();
            builder = Some(Builder::from_headers(keys, report, ctx));
        }
        let Some(b) = builder.as_mut() else { return Ok(()) };
        let Some(spec) = b.spec else { return Ok(()) };
        let mut row: Row<'_> = row_buf.take(spec.len());
        let mut de = serde_json::Deserializer::from_str(text);
        RecordSeed { spec, row: &mut row, seen: &mut b.present, keys: &mut keys }.deserialize(&mut de).map_err(|e| json_error(&e, line, first_column))?;
        de.end().map_err(|e| json_error(&e, line, first_column))?;
        b.push(&row, line);
        row_buf.give(row);
        b.reserve_ahead(offset, decoded_size);
        Ok(())
    })?;
    report.next_page = next_link;
    let Some(builder) = builder else {
        report.rows = 0;
        report.reason = Some(match shape {
            Shape::Empty => "the JSON holds no records (an empty array or page)".to_string(),
            Shape::NotRecords => "the JSON is not an export: it holds no objects of users, recipients or SKUs".to_string(),
        });
        return Ok(None);
    };
    if !builder.is_known() {
        report.rows = records;
        return Ok(None);
    }
    Ok(builder.finish(report, ctx, Vec::new()))
}

/// A parser error inside one record, placed in the file (the record's first line starts mid-line).
fn json_error(e: &serde_json::Error, record_line: u64, first_column: u64) -> FileError {
    let column = if e.line() <= 1 { first_column + e.column() as u64 - 1 } else { e.column() as u64 };
    // The parser's own "at line … column …" counts within the record: the file's position is given instead.
    let text = e.to_string();
    let what = text.rsplit_once(" at line ").map_or(text.as_str(), |(what, _)| what);
    FileError {
        line: Some(record_line + e.line().max(1) as u64 - 1),
        column: Some(column.to_string()),
        message: format!("invalid JSON: {what}"),
        hint: "the file is damaged or was cut off; export it again (ConvertTo-Json -Depth 6 | Set-Content -Encoding UTF8)".into(),
    }
}

pub(super) enum Shape {
    Empty,
    NotRecords,
}

/// Calls `on_record` with the bytes, start (line, column) and end offset of each record object, streaming the input.
/// Records are the elements of a top-level array, the elements of a top-level object's `value` array
/// (Graph pages), or the top-level object itself.
/// `next_link`: set when the input is a Graph page that announces another (`@odata.nextLink`).
pub(super) fn for_each_record<R: Read>(input: R, next_link: &mut bool, on_record: impl FnMut(&[u8], (u64, u64), u64) -> Result<(), FileError>) -> Result<Shape, FileError> {
    scan(input, next_link, on_record, Stride::Chunks)
}

/// How the scanner crosses a record's inside.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Stride {
    /// A byte (or a string) at a time: the reference, and what every byte outside a record gets.
    #[cfg_attr(not(test), allow(dead_code))]
    Bytes,
    /// 64 bytes at a time where a chunk holds no backslash: its quotes, brackets and newlines found as bit
    /// masks, string contents skipped as a whole. A record's last byte is left to the byte loop, so both
    /// strides find the same records, lines and errors (tested against each other). The benchmark's 600 MB of
    /// Graph users (compact, one line): the scan 0.40 → 0.23 s; 30 MB indented as ConvertTo-Json writes it:
    /// 0.046 → 0.012 s.
    Chunks,
}

fn scan<R: Read>(mut input: R, next_link: &mut bool, mut on_record: impl FnMut(&[u8], (u64, u64), u64) -> Result<(), FileError>, stride: Stride) -> Result<Shape, FileError> {
    // `store[..filled]` holds the unscanned tail of the stream; the storage is zeroed once and reused.
    let mut store: Vec<u8> = vec![0; BLOCK * 2];
    let mut filled = 0usize;
    let mut pos = 0usize;
    let mut depth = 0u32;
    let mut in_string = false;
    let mut escape_pending = false;
    let mut line = 1u64;
    let mut container: Option<u32> = None;
    let mut top_object: Option<(usize, (u64, u64))> = None;
    let mut page = false;
    let mut record: Option<(usize, (u64, u64))> = None;
    let mut string_start = 0usize;
    let mut last_string_is_value = false;
    let mut emitted = 0u64;
    let mut other_values = false;
    let mut eof = false;
    // Bytes dropped from the front of `buf` so far: `drained + pos` is the offset in the stream.
    let mut drained = 0u64;
    // Stream offset where the current line starts (for the column of a record's first byte).
    let mut line_start = 0u64;
    // Chunks are not tried before this position (one with a backslash, a record's closing byte).
    let mut bytes_until = 0usize;
    loop {
        let buf = &store[..filled];
        if pos >= buf.len() {
            if eof {
                break;
            }
            // Keep only what an unfinished record (or a single top-level object) still needs.
            let mut keep = pos.min(filled);
            if let Some((s, _)) = record {
                keep = keep.min(s);
            }
            if let (Some((s, _)), false) = (top_object, page) {
                keep = keep.min(s);
            }
            if in_string {
                keep = keep.min(string_start);
            }
            store.copy_within(keep..filled, 0);
            filled -= keep;
            drained += keep as u64;
            pos -= keep;
            string_start = string_start.saturating_sub(keep);
            bytes_until = bytes_until.saturating_sub(keep);
            record = record.map(|(s, l)| (s - keep, l));
            top_object = top_object.map(|(s, l)| (s.saturating_sub(keep), l));
            if store.len() < filled + BLOCK {
                // A record longer than the buffer: grow it (rare: records are a few KB).
                store.resize(filled + BLOCK, 0);
            }
            let n = read_full(&mut input, &mut store[filled..filled + BLOCK]).map_err(|e| FileError { line: Some(line), column: None, message: format!("read error: {e}"), hint: String::new() })?;
            filled += n;
            if n == 0 {
                eof = true;
            }
            if escape_pending && pos < filled {
                pos += 1;
                escape_pending = false;
            }
            continue;
        }
        // Inside a record (strictly: a malformed one may close back to the container's depth and go on).
        let whole_chunk = (stride == Stride::Chunks && record.is_some() && container.is_some_and(|c| depth > c) && pos >= bytes_until).then(|| buf[pos..].first_chunk::<64>()).flatten();
        if let Some(chunk) = whole_chunk {
            let m = Masks::of(chunk);
            if m.backslash != 0 {
                // Escapes are the byte loop's.
                bytes_until = pos + 64;
                continue;
            }
            let inside = prefix_xor(m.quote) ^ if in_string { !0 } else { 0 };
            let mut brackets = (m.open | m.close) & !inside;
            // Up to the bracket that closes the record (left to the byte loop), or the whole chunk.
            let mut stop = 64;
            while brackets != 0 {
                let i = brackets.trailing_zeros() as usize;
                brackets &= brackets - 1;
                if m.open >> i & 1 == 1 {
                    depth += 1;
                } else if Some(depth - 1) == container {
                    stop = i;
                    break;
                } else {
                    depth -= 1;
                }
            }
            let before = if stop == 64 { !0 } else { (1u64 << stop) - 1 };
            let newlines = m.newline & !inside & before;
            if newlines != 0 {
                line += u64::from(newlines.count_ones());
                line_start = drained + (pos + 64 - newlines.leading_zeros() as usize) as u64;
            }
            in_string = stop == 64 && inside >> 63 == 1;
            pos += stop;
            bytes_until = pos + 1;
            continue;
        }
        if in_string {
            match memchr::memchr2(b'"', b'\\', &buf[pos..]) {
                None => pos = buf.len(),
                Some(k) => {
                    pos += k;
                    if buf[pos] == b'\\' {
                        if pos + 1 < buf.len() {
                            pos += 2;
                        } else {
                            escape_pending = true;
                            pos = buf.len();
                        }
                    } else {
                        in_string = false;
                        if depth == 1 && top_object.is_some() {
                            let key = &buf[string_start..pos];
                            last_string_is_value = key == b"value";
                            *next_link |= key == b"@odata.nextLink";
                        }
                        pos += 1;
                    }
                }
            }
            continue;
        }
        match buf[pos] {
            b'"' => {
                in_string = true;
                string_start = pos + 1;
            }
            b'{' => {
                if depth == 0 {
                    top_object = Some((pos, (line, drained + pos as u64 - line_start + 1)));
                    // A document of its own: pages appended to one file by a paging loop each say whether
                    // another follows (the file's last one decides), and an object after a page is no page.
                    page = false;
                    *next_link = false;
                }
                if Some(depth) == container && record.is_none() {
                    record = Some((pos, (line, drained + pos as u64 - line_start + 1)));
                }
                depth += 1;
            }
            b'[' => {
                if depth == 0 {
                    container = Some(1);
                } else if depth == 1 && top_object.is_some() && last_string_is_value && container.is_none() {
                    container = Some(2);
                    page = true;
                }
                depth += 1;
            }
            c @ (b'}' | b']') => {
                if depth == 0 {
                    return Err(FileError { line: Some(line), column: None, message: format!("unbalanced '{}'", c as char), hint: "the file is not valid JSON".into() });
                }
                depth -= 1;
                if c == b'}' && Some(depth) == container {
                    if let Some((s, l)) = record.take() {
                        on_record(&buf[s..=pos], l, drained + pos as u64)?;
                        emitted += 1;
                    }
                } else if c == b']' && page && depth == 1 {
                    container = None;
                } else if c == b'}' && depth == 0 && !page {
                    if let Some((s, l)) = top_object.take() {
                        on_record(&buf[s..=pos], l, drained + pos as u64)?;
                        emitted += 1;
                    }
                }
            }
            b'\n' => {
                line += 1;
                line_start = drained + pos as u64 + 1;
            }
            b' ' | b'\t' | b'\r' | b',' | b':' => {}
            _ => {
                if Some(depth) == container {
                    other_values = true;
                }
            }
        }
        pos += 1;
    }
    if depth != 0 || in_string {
        return Err(FileError {
            line: Some(line),
            column: None,
            message: "the JSON ends inside an unfinished value".into(),
            hint: "the file was cut off; export it again".into(),
        });
    }
    Ok(if emitted == 0 && !other_values && container.is_some() || emitted == 0 && store[..filled].iter().all(u8::is_ascii_whitespace) {
        Shape::Empty
    } else {
        Shape::NotRecords
    })
}

/// One 64-byte chunk's bytes of interest to the scanner, as bit masks (bit i: byte i).
#[derive(Default, PartialEq, Debug)]
struct Masks {
    quote: u64,
    backslash: u64,
    /// `{` and `[`.
    open: u64,
    /// `}` and `]`.
    close: u64,
    newline: u64,
}

impl Masks {
    /// SSE2, part of every x86-64 processor: 16 bytes compared at once.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn of(chunk: &[u8; 64]) -> Masks {
        use std::arch::x86_64::*;
        let mut m = Masks::default();
        // SAFETY: SSE2 is in the x86-64 baseline every build of this target assumes; each load reads the
        // 16 bytes of one part of `chunk` and has no alignment requirement.
        #[allow(unsafe_code)]
        unsafe {
            let at = |b: u8| _mm_set1_epi8(b as i8);
            let (quote, backslash, newline, fold, open, close) = (at(b'"'), at(b'\\'), at(b'\n'), at(0xDF), at(b'['), at(b']'));
            for (k, part) in chunk.chunks_exact(16).enumerate() {
                let v = _mm_loadu_si128(part.as_ptr().cast());
                // `{` `}` are `[` `]` with bit 5 set: cleared, one comparison finds both.
                let folded = _mm_and_si128(v, fold);
                let bits = |eq: __m128i| u64::from(_mm_movemask_epi8(eq) as u16) << (16 * k);
                m.quote |= bits(_mm_cmpeq_epi8(v, quote));
                m.backslash |= bits(_mm_cmpeq_epi8(v, backslash));
                m.newline |= bits(_mm_cmpeq_epi8(v, newline));
                m.open |= bits(_mm_cmpeq_epi8(folded, open));
                m.close |= bits(_mm_cmpeq_epi8(folded, close));
            }
        }
        m
    }

    /// A byte at a time (other processors; on x86-64 the test reference for the SSE2 version).
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn of_bytes(chunk: &[u8; 64]) -> Masks {
        let mut m = Masks::default();
        for (i, &b) in chunk.iter().enumerate() {
            m.quote |= u64::from(b == b'"') << i;
            m.backslash |= u64::from(b == b'\\') << i;
            m.open |= u64::from(b == b'{' || b == b'[') << i;
            m.close |= u64::from(b == b'}' || b == b']') << i;
            m.newline |= u64::from(b == b'\n') << i;
        }
        m
    }

    #[cfg(not(target_arch = "x86_64"))]
    #[inline]
    fn of(chunk: &[u8; 64]) -> Masks {
        Masks::of_bytes(chunk)
    }
}

/// Bit i of the result: the parity of bits 0..=i of `x`. Of the quote mask: the bytes inside a string,
/// from its opening quote to before its closing one.
#[inline]
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

fn read_full<R: Read>(input: &mut R, out: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < out.len() {
        match input.read(&mut out[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The slot of the key at each position of the previous record: exports write every record's keys in
/// the same order, so a key is usually matched by one comparison instead of a normalised lookup.
#[derive(Default)]
struct KeyCache {
    by_position: Vec<(String, Option<usize>)>,
}

impl KeyCache {
    fn slot(&mut self, spec: &Spec, position: usize, key: &str) -> Option<usize> {
        if let Some((cached, slot)) = self.by_position.get(position) {
            if cached == key {
                return *slot;
            }
        }
        let slot = spec.slot(key);
        if position < self.by_position.len() {
            self.by_position[position] = (key.to_string(), slot);
        } else if position == self.by_position.len() {
            self.by_position.push((key.to_string(), slot));
        }
        slot
    }
}

/// Fills the slots of one record; keys the table does not read are skipped without building values.
struct RecordSeed<'s, 'de> {
    spec: &'static Spec,
    row: &'s mut Row<'de>,
    seen: &'s mut Vec<bool>,
    keys: &'s mut KeyCache,
}

impl<'s, 'de> DeserializeSeed<'de> for RecordSeed<'s, 'de> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'s, 'de> Visitor<'de> for RecordSeed<'s, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut position = 0;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let slot = self.keys.slot(self.spec, position, &key);
            position += 1;
            match slot {
                Some(slot) => {
                    let value: Cell<'de> = map.next_value()?;
                    self.seen[slot] = true;
                    // An exact name wins over an alias already seen (`displayName` over `Name`).
                    if self.row[slot].is_none() || super::cell::key_eq(&key, self.spec.names[slot]) {
                        self.row[slot] = match value {
                            Cell::Null => None,
                            v => Some(v),
                        };
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> de::Deserialize<'de> for Cell<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CellVisitor)
    }
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = Cell<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Owned(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Borrowed(if v { "True" } else { "False" })))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell<'de>, E> {
        Ok(Cell::Text(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell<'de>, E> {
        let text = if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { v.to_string() };
        Ok(Cell::Text(Cow::Owned(text)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Cell<'de>, E> {
        Ok(Cell::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Cell<'de>, E> {
        Ok(Cell::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Cell<'de>, D::Error> {
        d.deserialize_any(CellVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cell<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Cell<'de>>()? {
            items.push(item);
        }
        Ok(Cell::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cell<'de>, A::Error> {
        let mut entries = Vec::new();
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let v: Cell<'de> = map.next_value()?;
            entries.push((k, v));
        }
        Ok(Cell::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything the scanner reports of an input: each record (bytes, start, end offset), the outcome and
    /// whether a next page was announced.
    type Scanned = (Vec<(Vec<u8>, (u64, u64), u64)>, Result<&'static str, FileError>, bool);

    fn scanned(text: &[u8], stride: Stride) -> Scanned {
        let (mut out, mut next) = (Vec::new(), false);
        let shape = scan(text, &mut next, |b, at, end| {
            out.push((b.to_vec(), at, end));
            Ok(())
        }, stride);
        (out, shape.map(|s| if matches!(s, Shape::Empty) { "empty" } else { "not records" }), next)
    }

    /// Each record's text and first line, and the outcome, as `read` gets them.
    fn records(text: &str) -> (Vec<(String, u64)>, Result<&'static str, FileError>) {
        let (found, outcome, _) = scanned(text.as_bytes(), Stride::Chunks);
        (found.into_iter().map(|(b, (line, _), _)| (String::from_utf8_lossy(&b).into_owned(), line)).collect(), outcome)
    }

    #[test]
    fn finds_records_in_every_shape() {
        let (r, _) = records("[\n {\"a\": \"x}\"},\n {\"b\": [1,{\"c\":2}]}\n]");
        assert_eq!(r, vec![("{\"a\": \"x}\"}".to_string(), 2), ("{\"b\": [1,{\"c\":2}]}".to_string(), 3)]);
        let (r, _) = records("{\"@odata.context\":\"x\",\"value\":[{\"id\":1},{\"id\":2}],\"@odata.nextLink\":\"https://x/value\"}");
        assert_eq!(r.len(), 2);
        let (r, _) = records("{\"id\": \"1\", \"value\": \"not an array\"}");
        assert_eq!(r.len(), 1, "a single object is one record");
        let (r, _) = records("{\"s\": \"a\\\"}\\\\\"}");
        assert_eq!(r.len(), 1, "escapes inside strings");
        let (r, shape) = records("[]");
        assert!(r.is_empty());
        assert_eq!(shape, Ok("empty"));
        let (_, shape) = records("[{\"a\":1}");
        assert!(shape.is_err(), "truncated");
    }

    /// Records and whether the file's pages announce another, as `read` sees them.
    fn pages(text: &str) -> (Vec<String>, bool) {
        let (found, outcome, next) = scanned(text.as_bytes(), Stride::Chunks);
        assert!(outcome.is_ok(), "{outcome:?}");
        (found.into_iter().map(|(b, _, _)| String::from_utf8_lossy(&b).into_owned()).collect(), next)
    }

    #[test]
    fn pages_appended_to_one_file_each_say_whether_another_follows() {
        // A paging loop that appends each response to one file (`Invoke-MgGraphRequest … | Out-File -Append`):
        // the pages follow one another, each with its own `@odata.nextLink` (before or after `value`, as Graph
        // and hand-made files put it). The file announces a next page only if its last page does.
        let page = |ids: &[u32], next: Option<&str>| {
            let users: Vec<String> = ids.iter().map(|i| format!("{{\"id\":\"{i}\"}}")).collect();
            match next {
                Some("before") => format!("{{\"@odata.nextLink\":\"https://x/value\",\"value\":[{}]}}", users.join(",")),
                Some(_) => format!("{{\"value\":[{}],\"@odata.nextLink\":\"https://x/value\"}}", users.join(",")),
                None => format!("{{\"@odata.context\":\"x\",\"value\":[{}]}}", users.join(",")),
            }
        };
        for first in ["before", "after"] {
            let (r, next) = pages(&format!("{}\r\n{}\r\n", page(&[1, 2], Some(first)), page(&[3], None)));
            assert_eq!((r.len(), next), (3, false), "the last page is in the file ({first})");
            let (r, next) = pages(&format!("{}\n{}\n", page(&[1], None), page(&[2, 3], Some(first))));
            assert_eq!((r.len(), next), (3, true), "the file's last page announces another ({first})");
        }
        // A plain object after a page is a record of its own, not part of the page.
        let (r, next) = pages(&format!("{}\n{{\"id\":\"4\"}}", page(&[1], Some("after"))));
        assert_eq!(r, ["{\"id\":\"1\"}", "{\"id\":\"4\"}"]);
        assert!(!next, "the object after the page is no page announcing another");
    }

    /// A small deterministic generator (xorshift), so a failure can be replayed.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    #[test]
    fn chunks_find_what_the_byte_loop_finds() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let compare = |text: &[u8], what: &str| {
            let (bytes, chunks) = (scanned(text, Stride::Bytes), scanned(text, Stride::Chunks));
            assert_eq!(bytes, chunks, "{what}: {:?}", String::from_utf8_lossy(&text[..text.len().min(400)]));
            bytes
        };
        // Damaged and odd inputs: pieces of JSON in any order, strings holding brackets, escapes and newlines.
        let pieces: [&[u8]; 15] = [b"{", b"}", b"[", b"]", b"\"", b"\\", b"\n", b"abcdefghijklmnopqrstuvwxyz", b",", b":", b"value", b"@odata.nextLink", b" ", b"\\\"", b"\r\n    "];
        for case in 0..5_000 {
            let mut text: Vec<u8> = if case % 2 == 0 { b"[{\"a\":\"".to_vec() } else { Vec::new() };
            for _ in 0..rng.below(400) {
                text.extend_from_slice(pieces[rng.below(pieces.len() as u64) as usize]);
            }
            let _ = compare(&text, "pieces");
        }
        // Well-formed records, compact or indented, as an array or a Graph page.
        let record = |rng: &mut Rng| {
            let mut r = b"{\"id\":\"".to_vec();
            for _ in 0..rng.below(200) {
                let alphabet = b"ab{}[] \\,:";
                r.push(alphabet[rng.below(alphabet.len() as u64) as usize]);
                if r.last() == Some(&b'\\') {
                    r.push(b"\"\\n/"[rng.below(4) as usize]);
                }
            }
            let gap: &[u8] = if rng.below(2) == 0 { b"" } else { b"\n      " };
            r.extend_from_slice(b"\",");
            r.extend_from_slice(gap);
            r.extend_from_slice(b"\"list\": [1, {\"m\": []}, \"}\"],");
            r.extend_from_slice(gap);
            r.extend_from_slice(b"\"n\": {\"o\": [\"]\"]}}");
            r
        };
        for case in 0..1_500 {
            let records: Vec<Vec<u8>> = (0..rng.below(30)).map(|_| record(&mut rng)).collect();
            let list = records.join(&b",\n  "[..]);
            let text = if case % 2 == 0 { [&b"["[..], &list, b"]"].concat() } else { [&b"{\"value\": ["[..], &list, b"], \"@odata.nextLink\": \"x\"}"].concat() };
            let (found, outcome, _) = compare(&text, "records");
            assert_eq!((found.len(), outcome.is_ok()), (records.len(), true));
        }
        // Past the read buffer's blocks (4 MiB): records cut by a refill, in both strides.
        let records: Vec<Vec<u8>> = (0..70_000).map(|_| record(&mut rng)).collect();
        let text = [&b"[\n"[..], &records.join(&b",\n"[..]), b"\n]"].concat();
        assert!(text.len() > 2 * BLOCK);
        let (found, outcome, _) = compare(&text, "blocks");
        assert_eq!((found.len(), outcome.is_ok()), (70_000, true));
    }

    #[test]
    fn masks_of_a_chunk_as_byte_by_byte() {
        let mut rng = Rng(7);
        for _ in 0..50_000 {
            let mut chunk = [0u8; 64];
            for b in &mut chunk {
                // Mostly the bytes of interest and their neighbours with bit 5 or 7 flipped.
                *b = match rng.below(3) {
                    0 => rng.below(256) as u8,
                    _ => b"\"\\{}[]\n\x7b\x5b\xdb\xfb\x02\x22\x3c\x7c"[rng.below(15) as usize],
                };
            }
            assert_eq!(Masks::of(&chunk), Masks::of_bytes(&chunk), "{chunk:?}");
        }
    }

    #[test]
    fn prefix_xor_is_the_running_parity() {
        let mut rng = Rng(11);
        for _ in 0..1000 {
            let x = rng.below(u64::MAX) ^ rng.below(u64::MAX) << 32;
            let mut parity = 0u64;
            let expected = (0..64).fold(0u64, |acc, i| {
                parity ^= x >> i & 1;
                acc | parity << i
            });
            assert_eq!(prefix_xor(x), expected);
        }
    }

    #[test]
    fn records_spanning_blocks() {
        let big: String = (0..3000).map(|i| format!("{{\"id\":\"{i}\",\"pad\":\"{}\\\"x\"}}", "y".repeat(2000 + i % 7))).collect::<Vec<_>>().join(",\n");
        let text = format!("[{big}]");
        let (r, shape) = records(&text);
        assert!(shape.is_ok());
        assert_eq!(r.len(), 3000);
        assert!(r[2999].0.starts_with("{\"id\":\"2999\""));
        assert_eq!(r[2999].1, 3000);
    }
}
