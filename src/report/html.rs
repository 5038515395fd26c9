//! report.html: the template (`reports/report.html`) with the audit embedded once, as compact JSON in
//! `<script type="application/json">` elements: the audit without its findings in `#audit-data`, then
//! the findings in chunks of [`CHUNK`], each in a `script.audit-findings` element, in order. One element
//! would hold one JavaScript string, and a browser's strings end at ~512 MiB (V8: 2^29 − 24 characters):
//! a pre-migration tenant's 447,616 findings made a 726 MB page that showed none. Every `<` of the JSON
//! is written `\u003c`, so no value (customer data) can close the element or open another; the page puts
//! values in with `textContent`.

use crate::findings::{Audit, CheckEntry, CheckFailure, Finding, IdentityVerdict, Inputs, NotEvaluated, PluginEntry, Readiness, Summary, Tool};
use crate::join::JoinStats;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Findings per `script.audit-findings` element (~16 MB of JSON at the benchmark's 1.6 KB a finding).
pub const CHUNK: usize = 10_000;

/// `#audit-data`: every field of the audit findings.json has but its findings, and how many follow (the
/// page refuses to show fewer). A test checks this is findings.json's data, field for field.
#[derive(Serialize)]
struct Head<'a> {
    schema_version: u32,
    tool: &'a Tool,
    as_of: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    routing_domains: &'a [String],
    plugins: &'a [PluginEntry],
    inputs: &'a Inputs,
    join: &'a JoinStats,
    checks: &'a [CheckEntry],
    not_evaluated: &'a [NotEvaluated],
    check_failures: &'a [CheckFailure],
    readiness: &'a Readiness,
    summary: &'a Summary,
    identities: &'a [IdentityVerdict],
    findings_count: usize,
}

pub fn write(audit: &Audit, path: &Path, template: &str) -> Result<(), String> {
    write_chunked(audit, path, template, CHUNK)
}

/// [`write`] with `chunk` findings per element (tests make several chunks of a small audit).
pub fn write_chunked(audit: &Audit, path: &Path, template: &str, chunk: usize) -> Result<(), String> {
    let (head, tail) = template.split_once(super::HTML_TOKEN).ok_or_else(|| format!("the report template lacks {}", super::HTML_TOKEN))?;
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let e = |e: std::io::Error| e.to_string();
    out.write_all(head.as_bytes()).map_err(e)?;
    let a = audit;
    let data = Head {
        schema_version: a.schema_version,
        tool: &a.tool,
        as_of: &a.as_of,
        routing_domains: &a.routing_domains,
        plugins: &a.plugins,
        inputs: &a.inputs,
        join: &a.join,
        checks: &a.checks,
        not_evaluated: &a.not_evaluated,
        check_failures: &a.check_failures,
        readiness: &a.readiness,
        summary: &a.summary,
        identities: &a.identities,
        findings_count: a.findings.len(),
    };
    serde_json::to_writer(EscapeLt(&mut out), &data).map_err(|e| e.to_string())?;
    // The token sits inside `#audit-data`: each chunk closes the element before it and opens its own,
    // which the template's `</script>` closes.
    for findings in a.findings.chunks(chunk.max(1)) {
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
