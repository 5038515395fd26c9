//! The manifest a plugin carries in its `hybrid-audit-manifest` custom section, built at compile time.
//!
//! Layout (integers little-endian `u32`, strings `u32` length + UTF-8):
//! `b"HAM1"`, ABI version, plugin name, plugin version, check count, then per check: id, name,
//! severity (`high`, or `info / high` when it escalates), count + names of required fields, count +
//! names of optional fields, documentation.

use crate::{Check, Plugin, Severity};

const MAGIC: &[u8; 4] = b"HAM1";

/// The module docs of a source file (its `//!` lines before the first item), without the marker and one
/// following space.
pub fn doc_lines(source: &str) -> impl Iterator<Item = &str> {
    // The module docs: `//!` lines before the first item (blank lines between them allowed).
    let mut seen = false;
    source
        .lines()
        .map(str::trim_start)
        .take_while(move |l| {
            let doc = l.starts_with("//!");
            let go = doc || !seen || l.trim_end().is_empty();
            seen |= doc;
            go
        })
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
}

/// Writes bytes at `at` when `out` is given; returns the new position. One function both measures
/// and fills, so the length and the content cannot disagree.
const fn write(out: &mut [u8], fill: bool, at: usize, bytes: &[u8]) -> usize {
    if fill {
        let mut i = 0;
        while i < bytes.len() {
            out[at + i] = bytes[i];
            i += 1;
        }
    }
    at + bytes.len()
}

const fn write_u32(out: &mut [u8], fill: bool, at: usize, v: u32) -> usize {
    write(out, fill, at, &v.to_le_bytes())
}

const fn write_str(out: &mut [u8], fill: bool, at: usize, s: &[u8]) -> usize {
    let at = write_u32(out, fill, at, s.len() as u32);
    write(out, fill, at, s)
}

const fn is_doc_line(src: &[u8], start: usize, end: usize) -> Option<usize> {
    let mut i = start;
    while i < end && (src[i] == b' ' || src[i] == b'\t') {
        i += 1;
    }
    if i + 3 <= end && src[i] == b'/' && src[i + 1] == b'/' && src[i + 2] == b'!' {
        i += 3;
        if i < end && src[i] == b' ' {
            i += 1;
        }
        Some(i)
    } else {
        None
    }
}

const fn is_blank(src: &[u8], start: usize, end: usize) -> bool {
    let mut i = start;
    while i < end {
        if src[i] != b' ' && src[i] != b'\t' {
            return false;
        }
        i += 1;
    }
    true
}

/// The documentation (the `//!` lines, joined by `\n`), written as one string.
const fn write_doc(out: &mut [u8], fill: bool, at: usize, src: &[u8]) -> usize {
    // First pass measures (and writes the length prefix), second writes the text.
    let mut pass = 0;
    let mut pos = at + 4;
    while pass < 2 {
        let mut line_start = 0;
        let mut first = true;
        pos = at + 4;
        while line_start < src.len() {
            let mut line_end = line_start;
            while line_end < src.len() && src[line_end] != b'\n' {
                line_end += 1;
            }
            let mut text_end = line_end;
            if text_end > line_start && src[text_end - 1] == b'\r' {
                text_end -= 1;
            }
            if let Some(text_start) = is_doc_line(src, line_start, text_end) {
                if !first {
                    pos = write(out, fill && pass == 1, pos, b"\n");
                }
                first = false;
                let mut i = text_start;
                while i < text_end {
                    pos = write(out, fill && pass == 1, pos, &[src[i]]);
                    i += 1;
                }
            } else if !first && !is_blank(src, line_start, text_end) {
                // Module docs come before the first item: the rest of the file (the code and its tests,
                // most of it) is not read — the whole catalog's sources exceeded what the compiler
                // evaluates in a constant.
                break;
            }
            line_start = line_end + 1;
        }
        if pass == 0 {
            write_u32(out, fill, at, (pos - (at + 4)) as u32);
        }
        pass += 1;
    }
    pos
}

const fn write_fields(out: &mut [u8], fill: bool, at: usize, fields: &[crate::Field]) -> usize {
    let mut at = write_u32(out, fill, at, fields.len() as u32);
    let mut i = 0;
    while i < fields.len() {
        at = write_str(out, fill, at, fields[i].name().as_bytes());
        i += 1;
    }
    at
}

const fn severity_text(c: &Check) -> (&'static str, &'static str) {
    match c.escalates_to {
        Some(s) => (c.severity.as_str(), s.as_str()),
        None => (c.severity.as_str(), ""),
    }
}

const fn encode(out: &mut [u8], fill: bool, plugin: &Plugin) -> usize {
    let mut at = write(out, fill, 0, MAGIC);
    at = write_u32(out, fill, at, crate::ABI_VERSION);
    at = write_str(out, fill, at, plugin.name.as_bytes());
    at = write_str(out, fill, at, plugin.version.as_bytes());
    at = write_u32(out, fill, at, plugin.checks.len() as u32);
    let mut i = 0;
    while i < plugin.checks.len() {
        let c = &plugin.checks[i];
        at = write_str(out, fill, at, c.id.as_bytes());
        at = write_str(out, fill, at, c.name.as_bytes());
        let (base, escalated) = severity_text(c);
        if escalated.is_empty() {
            at = write_str(out, fill, at, base.as_bytes());
        } else {
            let len = base.len() + 3 + escalated.len();
            at = write_u32(out, fill, at, len as u32);
            at = write(out, fill, at, base.as_bytes());
            at = write(out, fill, at, b" / ");
            at = write(out, fill, at, escalated.as_bytes());
        }
        at = write_fields(out, fill, at, c.fields);
        at = write_fields(out, fill, at, c.optional);
        at = write_doc(out, fill, at, c.source.as_bytes());
        i += 1;
    }
    at
}

/// The manifest's length in bytes.
pub const fn len(plugin: &Plugin) -> usize {
    encode(&mut [], false, plugin)
}

/// The manifest; `N` must be [`len`].
pub const fn bytes<const N: usize>(plugin: &Plugin) -> [u8; N] {
    let mut out = [0u8; N];
    encode(&mut out, true, plugin);
    out
}

/// A check as a manifest describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckEntry {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub escalates_to: Option<Severity>,
    pub fields: Vec<String>,
    pub optional: Vec<String>,
    pub doc: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub abi: u32,
    pub name: String,
    pub version: String,
    pub checks: Vec<CheckEntry>,
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err("manifest ends early".to_string());
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<String, String> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| "manifest string is not UTF-8".to_string())
    }

    fn strings(&mut self) -> Result<Vec<String>, String> {
        let n = self.u32()?;
        if n as usize > self.bytes.len() {
            return Err("manifest list longer than the manifest".to_string());
        }
        (0..n).map(|_| self.string()).collect()
    }
}

/// Reads a manifest. The ABI version is read first, so a manifest of another version is reported as
/// such (its layout may differ after it).
pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
    let mut r = Reader { bytes };
    if r.take(4)? != MAGIC {
        return Err("not a hybrid-audit manifest (bad magic)".to_string());
    }
    let abi = r.u32()?;
    if abi != crate::ABI_VERSION {
        return Ok(Manifest { abi, name: String::new(), version: String::new(), checks: Vec::new() });
    }
    let name = r.string()?;
    let version = r.string()?;
    let count = r.u32()?;
    let mut checks = Vec::new();
    for _ in 0..count {
        let id = r.string()?;
        let check_name = r.string()?;
        let severity_text = r.string()?;
        let mut parts = severity_text.split(" / ");
        let severity = parts.next().and_then(Severity::parse).ok_or_else(|| format!("check {id}: unknown severity {severity_text:?}"))?;
        let escalates_to = match parts.next() {
            Some(s) => Some(Severity::parse(s).ok_or_else(|| format!("check {id}: unknown severity {severity_text:?}"))?),
            None => None,
        };
        let fields = r.strings()?;
        let optional = r.strings()?;
        let doc = r.string()?;
        checks.push(CheckEntry { id, name: check_name, severity, escalates_to, fields, optional, doc });
    }
    if !r.bytes.is_empty() {
        return Err("bytes after the last check".to_string());
    }
    Ok(Manifest { abi, name, version, checks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, Field, Findings, Identity};

    fn nothing(_: &Identity, _: &Context, _: &mut Findings) {}

    // Indented and blank lines within the docs; a `//!` after the first item is no module doc.
    const SOURCE: &str = "//! # T001\n//!\n\n//! ## What it does\r\n//!Fires.\n  //! indented\nuse x;\n//! after an item\n";
    const PLUGIN: Plugin = Plugin {
        name: "test",
        version: "1.2.3",
        checks: &[Check {
            id: "T001",
            name: "test-check",
            severity: Severity::Info,
            escalates_to: Some(Severity::High),
            fields: &[Field::AdEnabled, Field::ExoHolds],
            optional: &[Field::EntraId],
            source: SOURCE,
            run: nothing,
        }],
    };
    const LEN: usize = len(&PLUGIN);
    const BYTES: [u8; LEN] = bytes::<LEN>(&PLUGIN);

    #[test]
    fn const_manifest_parses_back() {
        let m = parse(&BYTES).expect("parses");
        assert_eq!(m.abi, crate::ABI_VERSION);
        assert_eq!((m.name.as_str(), m.version.as_str()), ("test", "1.2.3"));
        let c = &m.checks[0];
        assert_eq!((c.severity, c.escalates_to), (Severity::Info, Some(Severity::High)));
        assert_eq!(c.fields, vec!["ad.Enabled", "exo.holds"]);
        assert_eq!(c.optional, vec!["entra.id"]);
        assert_eq!(c.doc, "# T001\n\n## What it does\nFires.\nindented");
        assert_eq!(c.doc, PLUGIN.checks[0].doc());
        assert!(parse(&BYTES[..LEN - 1]).is_err());
    }
}
