//! `hybrid-audit inspect`: what each file was read as, and how the join came out.

use crate::ingest::{Dataset, FileReport};
use crate::join::{Joined, Side};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
pub struct InspectJson<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    pub root: String,
    pub files: &'a [FileReport],
    pub join: &'a crate::join::JoinStats,
    pub ambiguities: Vec<AmbiguityJson>,
    /// Why `run` would stop on this folder after the join (two directories' exports), if it would.
    pub run_stops: Vec<String>,
    /// What the join makes of the AD export (one OU's, or no anchor links), said with it by `run`.
    pub join_warnings: Vec<String>,
    /// The newest date the exports hold (shortly before they were taken): a day for `run --as-of`.
    pub newest_date: Option<NewestDate>,
}

#[derive(Serialize)]
pub struct NewestDate {
    /// YYYY-MM-DD (UTC).
    pub date: String,
    pub field: &'static str,
    /// `file:line`.
    pub at: String,
}

fn newest_date(data: &Dataset) -> Option<NewestDate> {
    let (at, field, src) = crate::ingest::newest_date(data)?;
    let file = data.files.get(src.file as usize)?;
    Some(NewestDate { date: crate::values::format_date(at), field, at: format!("{}:{}", file.display(), src.line) })
}

#[derive(Serialize)]
pub struct AmbiguityJson {
    pub key: crate::join::MatchKey,
    pub value: String,
    pub objects: Vec<String>,
}

/// Names an object for people: its side, UPN (or best key), file and line.
pub fn describe(data: &Dataset, joined: &Joined, obj: crate::join::ObjRef) -> String {
    let i = obj.index as usize;
    let (name, src) = match obj.side {
        Side::Ad => {
            let u = &data.ad_users[i];
            let t = &data.ad_users;
            (t.text(u.user_principal_name).or(t.text(u.sam_account_name)).or(t.text(u.distinguished_name)).unwrap_or("?").to_string(), u.src)
        }
        Side::Entra => {
            let u = &data.entra_users[i];
            (data.entra_users.text(u.user_principal_name).unwrap_or("?").to_string(), u.src)
        }
        Side::Exo => {
            let o = &joined.exo_objects[i];
            let src = data.exo_recipients.row(o.first_row()).src;
            (o.user_principal_name(data).or(o.primary_smtp_address(data)).unwrap_or("?").to_string(), src)
        }
    };
    let at = src.and_then(|s| data.files.get(s.file as usize).map(|f| format!("{}:{}", f.display(), s.line))).unwrap_or_default();
    format!("{:?} {name} ({at})", obj.side).to_lowercase()
}

pub fn to_json(root: &str, data: &Dataset, joined: &Joined) -> String {
    let (stops, doubt) = crate::join::verdict(data, joined);
    let doc = InspectJson {
        tool: "hybrid-audit",
        version: env!("CARGO_PKG_VERSION"),
        root: root.to_string(),
        files: &data.files,
        join: &joined.stats,
        ambiguities: joined
            .ambiguities
            .iter()
            .map(|a| AmbiguityJson { key: a.key, value: a.value.clone(), objects: a.objects.iter().map(|o| describe(data, joined, *o)).collect() })
            .collect(),
        run_stops: stops,
        join_warnings: doubt.into_iter().collect(),
        newest_date: newest_date(data),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

pub fn to_text(root: &str, data: &Dataset, joined: &Joined) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "hybrid-audit inspect {root}\n");
    let width = data.files.iter().map(|f| f.display().chars().count()).max().unwrap_or(4).clamp(4, 60);
    let _ = writeln!(out, "{:<width$}  {:<15} {:<6} {:<13} {:>9}  STATUS", "FILE", "KIND", "FORMAT", "ENCODING", "ROWS");
    for f in &data.files {
        let status = if f.error.is_some() {
            "ERROR: not used"
        } else if f.kind == crate::model::Kind::Unknown {
            "not recognised"
        } else if !f.lost_columns.is_empty() || !f.warnings.is_empty() {
            "read, with warnings"
        } else {
            "ok"
        };
        let format = format!("{:?}", f.format).to_lowercase();
        let _ = writeln!(out, "{:<width$}  {:<15} {:<6} {:<13} {:>9}  {status}", f.display(), f.kind.as_str(), format, f.encoding, f.rows);
        let pad = "      ";
        if let Some(e) = &f.error {
            let _ = writeln!(out, "{pad}error: {e}");
        }
        if let Some(r) = &f.reason {
            let _ = writeln!(out, "{pad}why: {r}");
        }
        let mut facts = Vec::new();
        if let Some(d) = &f.delimiter {
            facts.push(format!("delimiter '{d}'"));
        }
        if let Some(o) = f.date_order {
            facts.push(format!("dates {}", serde_json::to_value(o).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()));
        }
        if let (Some(s), Some(i)) = (f.soft_deleted, f.inactive) {
            facts.push(format!("{s} soft-deleted, {i} inactive"));
        }
        if !facts.is_empty() {
            let _ = writeln!(out, "{pad}{}", facts.join("; "));
        }
        for l in &f.lost_columns {
            let used = if l.used { "" } else { " (no check reads it)" };
            let _ = writeln!(out, "{pad}lost column {}{used}: {} rows hold a .NET type name instead of data — export it with {}", l.column, l.rows, l.fix);
        }
        if !f.missing_fields.is_empty() && f.error.is_none() && f.kind != crate::model::Kind::Unknown {
            let _ = writeln!(out, "{pad}not in this export: {}", f.missing_fields.join(", "));
        }
        for w in &f.warnings {
            let _ = writeln!(out, "{pad}warning: {w}");
        }
    }
    let s = &joined.stats;
    let _ = writeln!(out, "\nJoin: {} identities from {} AD users, {} Entra users, {} EXO objects ({} rows)", s.identities, s.ad_users, s.entra_users, s.exo_objects, s.exo_rows);
    let _ = writeln!(out, "  AD ↔ Entra : {} by source anchor, {} by UPN, {} by primary SMTP", s.ad_entra.source_anchor, s.ad_entra.user_principal_name, s.ad_entra.primary_smtp_address);
    let _ = writeln!(
        out,
        "  Entra ↔ EXO: {} by ExternalDirectoryObjectId, {} by UPN, {} by primary SMTP; {} soft-deleted/inactive mailboxes linked to their user",
        s.entra_exo.external_directory_object_id, s.entra_exo.user_principal_name, s.entra_exo.primary_smtp_address, s.previous_mailboxes_linked
    );
    if s.ad_exo != Default::default() {
        let _ = writeln!(out, "  AD ↔ EXO (no Entra export): {} by UPN, {} by primary SMTP", s.ad_exo.user_principal_name, s.ad_exo.primary_smtp_address);
    }
    let u = &s.unmatched;
    let _ = writeln!(
        out,
        "  unmatched  : AD {} · Entra cloud-only {} · Entra synced without AD object {} · EXO {} · soft-deleted/inactive without user {}",
        u.ad, u.entra_cloud_only, u.entra_synced, u.exo, u.exo_previous
    );
    let _ = writeln!(out, "  statistics : {} matched to a mailbox, {} unmatched", s.statistics_matched, s.statistics_unmatched);
    let _ = writeln!(out, "  ambiguous  : {}", s.ambiguous);
    for a in &joined.ambiguities {
        let objs: Vec<String> = a.objects.iter().map(|o| describe(data, joined, *o)).collect();
        let _ = writeln!(out, "    {:?} {:?} matches {}", a.key, a.value, objs.join(" / "));
    }
    let _ = writeln!(
        out,
        "  cross-identity: {}, {}",
        crate::counted(s.duplicate_addresses, "duplicate address", "duplicate addresses"),
        crate::counted(s.soft_match_candidates, "soft-match candidate or address conflict", "soft-match candidates or address conflicts")
    );
    let (stops, doubt) = crate::join::verdict(data, joined);
    for why in &stops {
        let _ = writeln!(out, "  warning: {why} (`run` stops here)");
    }
    if let Some(why) = doubt {
        let _ = writeln!(out, "  warning: {why}");
    }
    if let Some(newest) = newest_date(data) {
        let _ = writeln!(out, "\nNewest date in the exports: {} ({} at {}): they were taken on or after that day — give the day they were taken to `run --as-of`", newest.date, newest.field, newest.at);
    }
    let problems = data.files.iter().filter(|f| f.error.is_some()).count();
    let unknown = data.files.iter().filter(|f| f.error.is_none() && f.kind == crate::model::Kind::Unknown).count();
    if problems + unknown > 0 {
        let _ = writeln!(out, "\n{problems} file(s) could not be read and {unknown} not recognised: their rows are not in the join.");
    }
    out
}
