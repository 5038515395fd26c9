//! findings.csv: one row per finding, UTF-8 with a byte-order mark so Excel opens it as UTF-8; list values
//! joined by `; `.

use super::evidence_text;
use crate::findings::Audit;
use std::io::Write;
use std::path::Path;

pub const HEADER: [&str; 15] = [
    "id",
    "severity",
    "check",
    "name",
    "identity",
    "ad_object_guid",
    "entra_id",
    "exo_guid",
    "exchange_guid",
    "message",
    "evidence",
    "sources",
    "remediation",
    "deadline",
    "days_left",
];

/// A text cell Excel would run as a formula (`=`, `+`, `-`, `@`, tab, CR first — "CSV injection" from a
/// crafted value in the customer's directory) gets a leading `'`, which Excel shows as text. Numbers
/// (`-3` days left) stay numbers.
fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    if risky {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

pub fn write(audit: &Audit, path: &Path) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(b"\xEF\xBB\xBF").map_err(|e| e.to_string())?;
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(HEADER).map_err(|e| e.to_string())?;
    let mut sources: Vec<String> = Vec::new();
    for f in &audit.findings {
        sources.clear();
        sources.extend(f.evidence.iter().flat_map(|e| e.sources.iter().map(|s| s.to_string())));
        sources.sort_unstable();
        sources.dedup();
        let id = &f.identity;
        let days = f.days_left.map(|d| d.to_string()).unwrap_or_default();
        let evidence = evidence_text(f);
        let joined_sources = sources.join("; ");
        w.write_record(
            [
                f.id.as_str(),
                f.severity.as_str(),
                &f.check,
                &f.name,
                &id.upn,
                &guid_text(id.ad_object_guid),
                &guid_text(id.entra_id),
                &guid_text(id.exo_guid),
                &guid_text(id.exchange_guid),
                &f.message,
                &evidence,
                &joined_sources,
                &f.remediation,
                f.deadline.as_deref().unwrap_or(""),
                &days,
            ]
            .map(inert)
            .iter()
            .map(|c| c.as_bytes()),
        )
        .map_err(|e| e.to_string())?;
    }
    let mut out = w.into_inner().map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}

fn guid_text(g: Option<crate::values::Guid>) -> String {
    g.map(|g| g.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn formulas_are_made_text_and_numbers_stay() {
        assert_eq!(inert("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("-3"), "-3");
        assert_eq!(inert("pete.park@contoso.com"), "pete.park@contoso.com");
    }
}
