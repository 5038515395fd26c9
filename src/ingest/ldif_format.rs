//! LDIF exports (`ldifde -f users.ldf`): `dn:` starts an entry, `attr:: base64` carries binary and
//! non-ASCII values, a line starting with one space continues the previous one, repeated attributes
//! are multi-valued, a blank line ends the entry.

use super::cell::{Cell, Row};
use super::decode::{self, Head};
use super::{Builder, Ctx, FileError, FileReport, Format, Part};
use crate::model::Kind;
use base64::Engine as _;
use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Attributes AD stores as 16 raw bytes.
const BINARY_GUIDS: &[&str] = &["objectguid", "msexchmailboxguid", "msexcharchiveguid", "msdsconsistencyguid"];

struct Entry {
    line: u64,
    attributes: Vec<(String, Cell<'static>)>,
}

pub(super) fn read(path: &Path, head: &Head, report: &mut FileReport, ctx: &Ctx<'_>) -> Result<Option<Part>, FileError> {
    report.format = Format::Ldif;
    let io_err = |e: std::io::Error| FileError { line: None, column: None, message: format!("read error: {e}"), hint: String::new() };
    let input = BufReader::with_capacity(1 << 20, decode::open_utf8(path, head).map_err(io_err)?);
    let mut builder = Builder::with_kind(Kind::AdUsers, Vec::new(), report, ctx);
    let spec = builder.spec;
    let mut entries = 0u64;
    let mut classless_users = 0u64;

    // Each attribute name's slot, looked up once per spelling (an export spells each name one way: ~30
    // names, millions of lines); `Spec::slot` normalises and hashes the name on every call.
    let mut slots: rustc_hash::FxHashMap<String, Option<usize>> = Default::default();
    let mut on_entry = |entry: Entry, builder: &mut Builder| {
        entries += 1;
        // An entry's classes decide whether it is a user as in every AD export (`Table::push`). Without them
        // (`ldifde -l …` without objectClass in the list) an entry with a userPrincipalName is a user (groups
        // and contacts carry none; a computer's is rare and its sAMAccountName ends in `$`).
        if !entry.attributes.iter().any(|(k, _)| k.eq_ignore_ascii_case("objectClass")) {
            let classless_user = entry.attributes.iter().any(|(k, v)| k.eq_ignore_ascii_case("userPrincipalName") && v.as_text().is_some_and(|t| !t.trim().is_empty()))
                && !entry.attributes.iter().any(|(k, v)| k.eq_ignore_ascii_case("sAMAccountName") && v.as_text().is_some_and(|t| t.trim_end().ends_with('$')));
            if !classless_user {
                builder.not_a_user("no objectClass");
                return;
            }
            classless_users += 1;
        }
        let Some(spec) = spec else { return };
        let mut row: Row<'_> = vec![None; spec.len()];
        // Which attribute filled each slot: a repeat of it adds a value; the exact name beats an alias (`displayName` over `cn`).
        let mut filled_by: Vec<Option<String>> = vec![None; spec.len()];
        for (name, value) in entry.attributes {
            let slot = match slots.get(name.as_str()) {
                Some(slot) => *slot,
                None => *slots.entry(name.clone()).or_insert_with(|| spec.slot(&name)),
            };
            let Some(slot) = slot else { continue };
            builder.present[slot] = true;
            let same = filled_by[slot].as_deref().is_some_and(|f| f.eq_ignore_ascii_case(&name));
            if !same && filled_by[slot].is_some() {
                if !super::cell::key_eq(&name, spec.names[slot]) {
                    continue;
                }
                row[slot] = None;
            }
            filled_by[slot] = Some(name);
            row[slot] = Some(match row[slot].take() {
                None => value,
                Some(Cell::List(mut items)) => {
                    items.push(value);
                    Cell::List(items)
                }
                Some(first) => Cell::List(vec![first, value]),
            });
        }
        builder.push(&row, entry.line);
    };

    let mut entry: Option<Entry> = None;
    // The logical line being put together, and the one completed (its buffer reused for the next).
    let (mut logical, mut line) = (String::new(), String::new());
    let mut logical_line = 0u64;
    let mut line_no = 0u64;
    let mut raw = Vec::new();
    let mut reader = input;
    loop {
        raw.clear();
        let n = read_line(&mut reader, &mut raw).map_err(io_err)?;
        line_no += 1;
        let text = if n == 0 {
            None
        } else {
            let trimmed = raw.strip_suffix(b"\n").unwrap_or(&raw);
            let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
            Some(std::str::from_utf8(trimmed).map_err(|e| {
                let (message, hint) = decode::invalid_utf8_hint(&trimmed[e.valid_up_to()..]);
                FileError { line: Some(line_no), column: Some((e.valid_up_to() + 1).to_string()), message, hint }
            })?)
        };
        // A continuation line extends the logical line; anything else completes it.
        if let Some(t) = text {
            if let Some(rest) = t.strip_prefix(' ') {
                if !logical.is_empty() {
                    logical.push_str(rest);
                    continue;
                }
            }
        }
        if !logical.is_empty() {
            line.clear();
            std::mem::swap(&mut logical, &mut line);
            if !line.starts_with('#') {
                let (name, value) = attribute(&line, logical_line)?;
                if name.eq_ignore_ascii_case("dn") {
                    if let Some(done) = entry.take() {
                        on_entry(done, &mut builder);
                    }
                    entry = Some(Entry { line: logical_line, attributes: vec![("distinguishedName".into(), value)] });
                } else if (name.eq_ignore_ascii_case("version") && entry.is_none()) || name.eq_ignore_ascii_case("changetype") || name == "-" {
                    // Header and operation lines carry no attribute.
                } else if entry.is_none() && name == "search" {
                    // OpenLDAP ldapsearch's trailer: `search: N`, then `result: …`.
                } else if entry.is_none() && name == "result" {
                    // `result: 0 Success` ends a complete search; any other code (4 Size limit exceeded,
                    // 3 Time limit exceeded …) ends one that returned only part of the directory.
                    let code = value.as_text().unwrap_or("").trim().to_string();
                    if !code.starts_with("0 ") && code != "0" {
                        return Err(FileError {
                            line: Some(logical_line),
                            column: None,
                            message: format!("the ldapsearch that wrote this file ended with `result: {code}`: it returned only part of the directory"),
                            hint: "search again without the limit: ldapsearch -z 0 with paged results (-E pr=1000/noprompt), or export with ldifde".into(),
                        });
                    }
                } else if let Some(e) = entry.as_mut() {
                    e.attributes.push((name, value));
                } else {
                    return Err(FileError {
                        line: Some(logical_line),
                        column: None,
                        message: format!("attribute {name:?} before any dn: line"),
                        hint: "an LDIF entry starts with `dn:`; export with ldifde -f users.ldf".into(),
                    });
                }
            }
        }
        match text {
            None => break,
            Some(t) if t.trim().is_empty() => {
                if let Some(done) = entry.take() {
                    on_entry(done, &mut builder);
                }
            }
            Some(t) => {
                logical.push_str(t);
                logical_line = line_no;
            }
        }
    }
    if let Some(open) = entry.take() {
        // ldifde and ldapsearch end every entry with an empty line: an entry the file ends in was cut
        // short (read, half an entry makes findings about the attributes it lost).
        return Err(FileError {
            line: Some(line_no.saturating_sub(1).max(open.line)),
            column: None,
            message: format!("the file ends inside the entry that starts at line {} (no empty line after it, as ldifde and ldapsearch end every entry): it was cut off", open.line),
            hint: "export it again (ldifde -f users.ldf …); if the file is complete, add an empty line at its end in a copy".into(),
        });
    }
    if classless_users > 0 {
        report.warnings.push(format!(
            "{classless_users} entr{} without objectClass (ldifde -l without it) read as users for their userPrincipalName: add objectClass to -l, and filter with -r \"(&(objectCategory=person)(objectClass=user))\", to be sure",
            if classless_users == 1 { "y" } else { "ies" }
        ));
    }
    if entries == 0 {
        report.kind = Kind::Unknown;
        report.reason = Some("the LDIF holds no user entries (objectClass user)".into());
        return Ok(None);
    }
    Ok(builder.finish(report, ctx, Vec::new()))
}

/// `BufRead::read_until(b'\n')`, finding the line feed with the `memchr` crate's vectorised search (the
/// standard library's took 12% of this reader's instructions).
fn read_line(reader: &mut impl BufRead, out: &mut Vec<u8>) -> std::io::Result<usize> {
    let start = out.len();
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(out.len() - start);
        }
        let (take, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        out.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if done {
            return Ok(out.len() - start);
        }
    }
}

/// One `name: value`, `name:: base64` or `name:< url` line.
fn attribute(line: &str, line_no: u64) -> Result<(String, Cell<'static>), FileError> {
    let Some(colon) = memchr::memchr(b':', line.as_bytes()) else {
        if line.trim() == "-" {
            return Ok(("-".into(), Cell::Null));
        }
        return Err(FileError { line: Some(line_no), column: None, message: format!("expected `attribute: value`, found {line:?}"), hint: "the LDIF is damaged; export it again with ldifde".into() });
    };
    let name = line[..colon].to_string();
    let rest = &line[colon + 1..];
    if let Some(b64) = rest.strip_prefix(':') {
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|e| FileError {
            line: Some(line_no),
            column: Some(name.clone()),
            message: format!("invalid base64 after `{name}::`: {e}"),
            hint: "the LDIF is damaged; export it again with ldifde".into(),
        })?;
        let binary = BINARY_GUIDS.contains(&crate::values::normalise_key(&name).as_str());
        return Ok((name, match (binary, String::from_utf8(bytes)) {
            (false, Ok(text)) => Cell::Text(Cow::Owned(text)),
            (_, Ok(text)) => Cell::Bytes(text.into_bytes()),
            (_, Err(e)) => Cell::Bytes(e.into_bytes()),
        }));
    }
    if rest.starts_with('<') {
        return Ok((name, Cell::Null));
    }
    Ok((name, Cell::Text(Cow::Owned(rest.trim_start().to_string()))))
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_are_read_whole_across_buffer_ends_and_without_a_last_line_feed() {
        // A 4-byte buffer: every line spans several fills.
        let text = b"dn: CN=A,DC=x\r\nsAMAccountName: a\n\nlast line without a feed";
        let mut reader = std::io::BufReader::with_capacity(4, &text[..]);
        let mut lines = Vec::new();
        loop {
            let mut line = Vec::new();
            let n = super::read_line(&mut reader, &mut line).expect("read");
            if n == 0 {
                break;
            }
            assert_eq!(n, line.len());
            lines.push(String::from_utf8(line).expect("UTF-8"));
        }
        assert_eq!(lines, ["dn: CN=A,DC=x\r\n", "sAMAccountName: a\n", "\n", "last line without a feed"]);
    }
}
