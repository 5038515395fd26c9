//! report.html: the template (`reports/report.html`) with the audit embedded once, as compact JSON in
//! `<script type="application/json">` elements: the audit without its findings in `#audit-data`, then
//! the findings in chunks of [`CHUNK`], each in a `script.audit-findings` element, in order. One element
//! would hold one JavaScript string, and a browser's strings end at ~512 MiB (V8: 2^29 − 24 characters):
//! a pre-migration tenant's 447,616 findings made a 726 MB page that showed none. Every `<` of the JSON
//! is written `\u003c`, so no value (customer data) can close the element or open another; the page puts
//! values in with `textContent`.

use crate::findings::{Audit, Finding};
use std::io::Write;
use std::path::Path;

/// Findings per `script.audit-findings` element (~16 MB of JSON at the benchmark's 1.6 KB a finding).
pub const CHUNK: usize = 10_000;

pub fn write(audit: &Audit, path: &Path, template: &str) -> Result<(), String> {
    write_chunked(audit, path, template, CHUNK)
}

/// [`write()`] with `chunk` findings per element (tests make several chunks of a small audit).
pub fn write_chunked(audit: &Audit, path: &Path, template: &str, chunk: usize) -> Result<(), String> {
    let (head, tail) = template.split_once(super::HTML_TOKEN).ok_or_else(|| format!("the report template lacks {}", super::HTML_TOKEN))?;
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let e = |e: std::io::Error| e.to_string();
    out.write_all(head.as_bytes()).map_err(e)?;
    // `#audit-data`: findings.json's object with `findings_count` in place of the findings.
    serde_json::to_writer(EscapeLt(&mut out), &audit.head()).map_err(|e| e.to_string())?;
    // The token sits inside `#audit-data`: each chunk closes the element before it and opens its own,
    // which the template's `</script>` closes.
    for findings in audit.findings.chunks(chunk.max(1)) {
        out.write_all(b"</script>\n<script class=\"audit-findings\" type=\"application/json\">").map_err(e)?;
        serde_json::to_writer(EscapeLt(&mut out), findings as &[Finding]).map_err(|e| e.to_string())?;
    }
    out.write_all(tail.as_bytes()).map_err(e)?;
    out.flush().map_err(e)
}

/// Writes JSON with every `<` as `\u003c` (`<` only ever occurs inside JSON strings, where the escape
/// means the same character).
struct EscapeLt<W: Write>(W);

impl<W: Write> Write for EscapeLt<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(at) = memchr::memchr(b'<', rest) {
            self.0.write_all(&rest[..at])?;
            self.0.write_all(b"\\u003c")?;
            rest = &rest[at + 1..];
        }
        self.0.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_less_than_sign_survives() {
        let mut out = Vec::new();
        serde_json::to_writer(EscapeLt(&mut out), &serde_json::json!({"m": "</script><img src=x onerror=alert(1)>"})).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('<'), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["m"], "</script><img src=x onerror=alert(1)>");
    }
}
