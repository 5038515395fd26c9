//! report.html: the template (`reports/report.html`) with the audit embedded once, as compact JSON in a
//! `<script type="application/json">` element. Every `<` of the JSON is written `\u003c`, so no value
//! (customer data) can close the element or open another; the page puts values in with `textContent`.

use crate::findings::Audit;
use std::io::Write;
use std::path::Path;

pub fn write(audit: &Audit, path: &Path, template: &str) -> Result<(), String> {
    let (head, tail) = template.split_once(super::HTML_TOKEN).ok_or_else(|| format!("the report template lacks {}", super::HTML_TOKEN))?;
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
    serde_json::to_writer(EscapeLt(&mut out), audit).map_err(|e| e.to_string())?;
    out.write_all(tail.as_bytes()).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
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
