//! The reports of a real run on the Contoso fixtures: the workbook read back with calamine against
//! findings.json, findings.csv, remediation.ps1 parsed with a real PowerShell grammar, snapshots of the
//! text outputs, byte-identical reruns, exit codes, templates.

mod common;

use calamine::{open_workbook, Data, Reader, Xlsx};
use hybrid_audit::report::{csv_out, xlsx};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run_raw(dir: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hybrid-audit")).arg("run").arg(dir).arg("--out").arg(out).args(["--as-of", "2026-11-22"]).args(extra).output().expect("run the binary")
}

/// Runs the binary on a fixture tenant; the reports' folder and findings.json.
fn run(shape: &str, extra: &[&str]) -> (tempfile::TempDir, Value) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run_raw(&repo().join("fixtures").join(shape), tmp.path(), extra);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let json = serde_json::from_str(&std::fs::read_to_string(tmp.path().join("findings.json")).expect("findings.json")).expect("JSON");
    (tmp, json)
}

fn findings(audit: &Value) -> &Vec<Value> {
    audit["findings"].as_array().expect("findings")
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// A sheet's rows as text.
fn sheet(book: &mut Xlsx<std::io::BufReader<std::fs::File>>, name: &str) -> Vec<Vec<String>> {
    let range = book.worksheet_range(name).unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range.rows().map(|r| r.iter().map(text).collect()).collect()
}

#[test]
fn every_output_is_written_and_nothing_partial_is_left() {
    for shape in ["contoso-ps51", "contoso-mixed"] {
        let (tmp, _) = run(shape, &[]);
        let mut names: Vec<String> = std::fs::read_dir(tmp.path()).expect("out").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(names, ["audit.xlsx", "findings.csv", "findings.json", "remediation.ps1", "report.html"], "{shape}");
    }
}

#[test]
fn workbook_rows_match_findings_json() {
    for shape in ["contoso-ps51", "contoso-mixed"] {
        let (tmp, audit) = run(shape, &[]);
        let mut book: Xlsx<_> = open_workbook(tmp.path().join("audit.xlsx")).expect("open audit.xlsx");
        assert_eq!(book.sheet_names(), ["Summary", "Findings", "Readiness", "Action plan", "Join", "Checks"]);

        let rows = sheet(&mut book, "Findings");
        assert_eq!(rows[0], xlsx::FINDINGS_HEADER);
        assert_eq!(rows.len() - 1, findings(&audit).len(), "{shape}: one Findings row per finding");
        for (row, f) in rows[1..].iter().zip(findings(&audit)) {
            assert_eq!((row[0].as_str(), row[1].as_str(), row[9].as_str()), (f["severity"].as_str().unwrap(), f["check"].as_str().unwrap(), f["id"].as_str().unwrap()));
            assert_eq!(row[3], f["identity"]["upn"].as_str().unwrap());
            assert_eq!(row[5], f["remediation"].as_str().unwrap());
        }

        let rows = sheet(&mut book, "Readiness");
        assert_eq!(rows[0], xlsx::READINESS_HEADER);
        assert_eq!((rows.len() - 1) as u64, audit["join"]["identities"].as_u64().unwrap(), "{shape}: one Readiness row per identity");
        for verdict in ["blocked", "attention", "ready"] {
            let n = rows[1..].iter().filter(|r| r[1] == verdict).count() as u64;
            assert_eq!(n, audit["readiness"][verdict].as_u64().unwrap(), "{shape}: {verdict}");
        }
        for v in audit["identities"].as_array().unwrap() {
            let ids: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
            assert!(rows.iter().any(|r| r[0] == v["upn"].as_str().unwrap() && r[4] == ids.join("; ")), "{shape}: readiness of {}", v["upn"]);
        }
        // "Exists in (matched by)" is left empty for the identities linked as usual, and only for them: the
        // Summary counts them, no written cell spells the usual linking out, and the others are there.
        let empty = rows[1..].iter().filter(|r| r[5].is_empty()).count();
        let summary = sheet(&mut book, "Summary");
        let usual = summary.iter().find(|r| r[0].starts_with("in AD, Entra and EXO, linked as usual")).expect("the Summary counts them");
        assert_eq!(usual[1], empty.to_string(), "{shape}");
        let join = &audit["join"];
        let most = join["ad_entra"]["source_anchor"].as_u64().unwrap().min(join["entra_exo"]["external_directory_object_id"].as_u64().unwrap());
        assert!(empty > 0 && empty as u64 <= most, "{shape}: {empty} empty, at most {most} linked both ways");
        assert!(rows[1..].iter().all(|r| r[5] != "AD (source anchor), Entra, EXO (ExternalDirectoryObjectId)"), "{shape}");
        let written: Vec<&str> = rows[1..].iter().map(|r| r[5].as_str()).filter(|c| !c.is_empty()).collect();
        for expected in ["Entra, EXO (ExternalDirectoryObjectId)", "AD (source anchor)"] {
            assert!(written.iter().any(|c| c.starts_with(expected)), "{shape}: no row says {expected:?}: {written:?}");
        }

        let rows = sheet(&mut book, "Action plan");
        assert_eq!(rows[0], xlsx::PLAN_HEADER);
        let planned: BTreeSet<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
        let with_fix: BTreeSet<&str> = findings(&audit).iter().filter(|f| !f["remediation"].as_str().unwrap().trim().is_empty()).map(|f| f["id"].as_str().unwrap()).collect();
        assert_eq!(planned, with_fix, "{shape}: every remediation is in the plan");
        assert!(rows[1..].iter().all(|r| r[12].is_empty() && r[13].is_empty() && r[14].is_empty()), "owner / due / status are left empty");

        let rows = sheet(&mut book, "Checks");
        assert_eq!(rows[0], xlsx::CHECKS_HEADER);
        assert_eq!(rows.len() - 1, audit["checks"].as_array().unwrap().len());

        let rows = sheet(&mut book, "Join");
        assert_eq!(rows[0], xlsx::JOIN_HEADER);
        let u = &audit["join"]["unmatched"];
        let unmatched: u64 = ["ad", "entra_cloud_only", "entra_synced", "exo", "exo_previous"].iter().map(|k| u[*k].as_u64().unwrap()).sum();
        assert_eq!((rows.len() - 1) as u64, unmatched, "{shape}: one Join row per unmatched object (no ambiguous match in the fixtures)");
        assert!(rows[1..].iter().all(|r| r[4].contains(':')), "every Join row names its file and line");

        let rows = sheet(&mut book, "Summary");
        let count = |label: &str| rows.iter().find(|r| r[0] == label).map(|r| r[1].clone()).unwrap_or_else(|| panic!("Summary lacks {label}"));
        assert_eq!(count("Findings"), findings(&audit).len().to_string());
        assert_eq!(count("critical"), audit["summary"]["critical"].to_string());
        assert_eq!(count("As of"), "2026-11-22");
        for input in audit["inputs"].as_array().unwrap() {
            assert!(rows.iter().any(|r| r.contains(&input["sha256"].as_str().unwrap().to_string())), "Summary lists {}", input["path"]);
        }
    }
}

/// Every table sheet keeps a width for each of its columns (they are set after the rows: a regression
/// would lose them silently, since calamine does not read widths): as many `<col>` entries, each a custom
/// width, as the header has cells.
#[test]
fn table_sheets_have_a_width_for_every_column() {
    let (tmp, _) = run("contoso-mixed", &[]);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(tmp.path().join("audit.xlsx")).expect("audit.xlsx")).expect("a zip");
    let parts: Vec<String> = zip.file_names().filter_map(Result::ok).filter(|n| n.starts_with("xl/worksheets/sheet")).map(|n| n.into_owned()).collect();
    let mut tables = 0;
    for part in parts {
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(&part).expect("part"), &mut xml).expect("UTF-8 XML");
        // Table sheets have a frozen header row.
        if !xml.contains(r#"state="frozen""#) {
            continue;
        }
        tables += 1;
        // Cells of row 1: references made of column letters and `1`.
        let header_cells = xml.split(r#"<c r=""#).skip(1).filter(|cell| cell.split('"').next().is_some_and(|r| r.trim_start_matches(|c: char| c.is_ascii_uppercase()) == "1")).count();
        // `<col min="5" max="6" width=… customWidth="1"/>`: adjacent columns of one width share an entry.
        let attr = |col: &str, name: &str| -> usize {
            format!(" {col}").split(&format!(r#" {name}=""#)).nth(1).and_then(|v| v.split('"').next()).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{part}: {name} in <col {col}"))
        };
        let cols: Vec<&str> = xml.split("<col ").skip(1).map(|c| c.split("/>").next().unwrap_or("")).collect();
        let covered: usize = cols.iter().map(|c| attr(c, "max") + 1 - attr(c, "min")).sum();
        assert!(header_cells > 0, "{part}: no header row");
        assert_eq!(covered, header_cells, "{part}: columns with a width");
        assert!(cols.iter().all(|c| c.contains(r#"customWidth="1""#)), "{part}: {cols:?}");
    }
    // Findings, Readiness, Action plan, Join, Checks.
    assert_eq!(tables, 5);
}

#[test]
fn csv_has_a_bom_and_one_row_per_finding() {
    let (tmp, audit) = run("contoso-mixed", &[]);
    let bytes = std::fs::read(tmp.path().join("findings.csv")).expect("csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(reader.headers().expect("header").iter().collect::<Vec<_>>(), csv_out::HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(rows.len(), findings(&audit).len());
    for (row, f) in rows.iter().zip(findings(&audit)) {
        assert_eq!(&row[0], f["id"].as_str().unwrap());
        assert_eq!(&row[12], f["remediation"].as_str().unwrap(), "multi-line remediation kept whole");
        let sources: BTreeSet<&str> = f["evidence"].as_array().unwrap().iter().flat_map(|e| e["sources"].as_array().unwrap().iter().map(|s| s.as_str().unwrap())).collect();
        assert_eq!(row[11].split("; ").filter(|s| !s.is_empty()).collect::<BTreeSet<_>>(), sources, "sources joined by '; '");
    }
}

/// Every ERROR or MISSING node of a PowerShell parse, with its position.
fn parse_errors(script: &str) -> Vec<String> {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&tree_sitter_powershell::LANGUAGE.into()).expect("PowerShell grammar");
    let tree = parser.parse(script, None).expect("parse");
    let mut errors = Vec::new();
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let p = node.start_position();
            errors.push(format!("line {} column {}: {} `{}`", p.row + 1, p.column + 1, node.kind(), &script[node.byte_range()].chars().take(80).collect::<String>()));
        }
        stack.extend(node.children(&mut cursor));
    }
    errors
}

#[test]
fn the_grammar_check_sees_a_broken_script() {
    // The parse check itself must be able to fail.
    assert!(!parse_errors("function f {\n    param($a)\n    if ($a) { 'x' }\n").is_empty(), "an unclosed brace");
    assert!(!parse_errors("@{ A = 'x'; B = }\n").is_empty(), "a hashtable entry without a value");
    assert!(parse_errors("function f {\n    param($a)\n    if ($a) { 'x' }\n}\n").is_empty());
}

#[test]
fn remediation_script_parses_and_gates_every_change() {
    for shape in ["contoso-ps51", "contoso-mixed"] {
        let (tmp, audit) = run(shape, &[]);
        let bytes = std::fs::read(tmp.path().join("remediation.ps1")).expect("ps1");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM: Windows PowerShell 5.1 reads UTF-8 only with one");
        let script = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8");
        let errors = parse_errors(&script);
        assert!(errors.is_empty(), "{shape}: remediation.ps1 does not parse:\n{}", errors.join("\n"));
        assert!(script.contains("[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]"));
        assert!(script.contains("$script:Caller.ShouldProcess("), "changes go through ShouldProcess (-WhatIf)");
        let mut proxy_preconditions = 0;
        for f in findings(&audit).iter().filter(|f| !f["remediation"].as_str().unwrap().trim().is_empty()) {
            let id = f["id"].as_str().unwrap();
            assert!(script.contains(&format!("Start-Finding -Id '{id}'")), "{shape}: {id} has its block");
            // A multi-valued AD attribute is re-read live and compared as a set of values.
            if let Some(e) = f["evidence"].as_array().unwrap().iter().find(|e| e["field"] == "ad.proxyAddresses") {
                let block = script.split(&format!("Start-Finding -Id '{id}'")).nth(1).unwrap().split("\n$f = ").next().unwrap();
                let expected = format!("@{{ Field = 'ad.proxyAddresses'; Shell = 'OnPremises'; Expected = '{}'; Set = $true; Live = {{ ,(Get-ADUser -Identity ", e["value"].as_str().unwrap().replace('\'', "''"));
                assert!(block.contains(&expected), "{shape}: {id} re-reads its proxyAddresses:\n{block}");
                proxy_preconditions += 1;
            }
        }
        assert!(proxy_preconditions >= 2, "{shape}: the fixtures' SYNC002 and PROV003 findings read proxyAddresses");
        // A change to another object than the finding's own goes ahead only while that object is as exported:
        // each step containing `step` (its object quoted after `key`) has the guard `guard(object)`.
        // Each finding's block, from its Start-Finding line (preconditions first) to the next finding.
        let blocks = || script.split("\n$f = Start-Finding ").skip(1).map(|b| b.split("\n# --- ").next().unwrap());
        let guarded = |step: &str, key: &str, guard: &dyn Fn(&str) -> String| -> usize {
            let mut n = 0;
            for block in blocks() {
                for line in block.lines().filter(|l| l.starts_with("Invoke-Step ") && l.contains(step)) {
                    let object = line.split(key).nth(1).and_then(|r| r.split("''").next()).unwrap_or_else(|| panic!("{shape}: {line}"));
                    assert!(block.contains(&guard(object)), "{shape}: `{step}` on {object} is not guarded:\n{block}");
                    n += 1;
                }
            }
            n
        };
        // A hard match (setting a cloud user's immutable id): only while that user is still cloud-only.
        let hard_matches = guarded("-OnPremisesImmutableId", "Update-MgUser -UserId ''", &|user| {
            format!("Expected = ''; Live = {{ (Get-MgUser -UserId '{user}' -Property onPremisesImmutableId).OnPremisesImmutableId }}")
        });
        assert!(hard_matches >= 1, "{shape}: the fixtures' SYNC001 finding hard-matches");
        // A hold put on an inactive mailbox: only while that mailbox is still there and held by nothing.
        let inactive_holds = guarded("Set-Mailbox -InactiveMailbox", "-Identity ''", &|mailbox| {
            format!("Expected = 'none'; Live = {{ Get-HoldState (Get-Mailbox -InactiveMailboxOnly -Identity '{mailbox}') }}")
        });
        assert!(inactive_holds >= 1, "{shape}: the fixtures' HOLD003 finding puts a hold on an inactive mailbox");
        // A finding's preconditions are read live only in the shells where it runs a step: `-Acts` names
        // exactly the shells of its Invoke-Step lines (none for a finding of manual steps only).
        for block in blocks() {
            let mut shells: Vec<String> = block
                .lines()
                .filter_map(|l| l.strip_prefix("Invoke-Step $f "))
                .filter_map(|l| l.split('\'').nth(1).map(|shell| if l.contains(" -NeedsMailboxSku ") { format!("{shell}+MailboxSku") } else { shell.to_string() }))
                .collect();
            shells.sort();
            shells.dedup();
            let acts = block.lines().next().unwrap().split("-Acts @(").nth(1).and_then(|r| r.split(')').next()).unwrap_or_else(|| panic!("{shape}: no -Acts:\n{block}"));
            let listed: Vec<&str> = acts.split(", ").filter(|a| !a.is_empty()).map(|a| a.trim_matches('\'')).collect();
            assert_eq!(listed, shells, "{shape}:\n{block}");
        }
        // No change runs unchecked: a step that changes the tenant runs only in a shell where the finding
        // re-reads something live first (a precondition of the other shell says nothing of this one).
        for block in blocks() {
            for line in block.lines().filter(|l| l.starts_with("Invoke-Step ") && !l.contains(" -ReadOnly ")) {
                let shell = line.split('\'').nth(1).unwrap();
                assert!(block.contains(&format!("; Shell = '{shell}'; Expected = ")), "{shape}: a change in {shell} without a live precondition there:\n{block}");
            }
        }
        let lines: Vec<&str> = script.lines().collect();
        for (at, line) in lines.iter().enumerate().filter(|(_, l)| l.starts_with("Invoke-Step ")) {
            // Releasing a hold counts: what it preserved becomes purgeable; so does a step whose own text
            // says it is destructive (GUID004 taking the mailbox's plan away).
            let label = lines[..at].iter().rev().find(|l| l.starts_with("# step ")).expect("a step label");
            let destructive = line.contains("-PermanentlyClear") || line.contains("Remove-") || line.contains(" -Clear ") || line.contains("-LitigationHoldEnabled $false") || label.contains("(destructive");
            assert_eq!(destructive, line.contains(" -Destructive "), "{shape}: {line}");
            // A destructive step resting on values only the other shell reads asks the operator to confirm them.
            let shell = line.split('\'').nth(1).expect("shell");
            let block = &script[..script.find(*line).expect("the line")];
            let block = &block[block.rfind("\n$f = Start-Finding").expect("its finding")..];
            let other = if shell == "OnPremises" { "ExchangeOnline" } else { "OnPremises" };
            let elsewhere = block.contains(&format!("Shell = '{other}'; Expected = "));
            assert_eq!(destructive && elsewhere, line.contains(" -Confirms '"), "{shape}: {line}");
        }
        // Placeholders are never run; the mailbox SKU's runs as the operator's -MailboxSku, in every step it is in.
        let mut sku_steps = 0;
        for step in script.split("\nInvoke-Step ").skip(1) {
            // What runs: the reads before the command (-Prepare, shown with it) and the command (-Action).
            let (line, _) = step.split_once(" {\n").unwrap_or_else(|| panic!("{shape}: {step}"));
            let (_, action) = step.split_once(" -Action {\n").unwrap_or_else(|| panic!("{shape}: {step}"));
            let action = action.split("\n}\n").next().unwrap();
            let prepare = step.split_once(" -Prepare {\n").map_or("", |(_, p)| p.split("\n}").next().unwrap());
            let runs = format!("{prepare}\n{action}");
            assert!(!runs.contains("'<") && !runs.contains("\"<"), "{shape}: a placeholder would run:\n{step}");
            assert_eq!(line.contains(" -NeedsMailboxSku"), runs.contains("$MailboxSku"), "{shape}: {line}");
            sku_steps += usize::from(runs.contains("$MailboxSku"));
            // Every variable shown is one the reads set.
            if let Some(shows) = line.split_once(" -Shows @(").map(|(_, s)| s.split(')').next().unwrap()) {
                for name in shows.split(", ") {
                    assert!(prepare.contains(&format!("${} = ", name.trim_matches('\''))), "{shape}: {name} shown, never read:\n{step}");
                }
            }
        }
        assert!(sku_steps >= 2, "{shape}: the fixtures' LIC001 steps license with -MailboxSku");
        // Per identity, findings in dependency order: holds, previous mailbox, license, directory, sync, move.
        for section in script.split("\n# ==== ").skip(1) {
            let phases: Vec<u8> = section
                .split("\n# --- ")
                .skip(1)
                .filter_map(|block| block.lines().filter_map(|l| l.strip_prefix("# step ")).filter_map(|l| l.split_once('(').map(|(_, p)| p.as_bytes()[0])).filter(u8::is_ascii_digit).min())
                .collect();
            assert!(phases.windows(2).all(|w| w[0] <= w[1]), "{shape}: out of order in {}", section.lines().next().unwrap_or(""));
        }
    }
}

/// Compares an output with its snapshot in tests/snapshots/ (UPDATE_SNAPSHOTS=1 rewrites them).
fn snapshot(name: &str, actual: &str) {
    let path: PathBuf = repo().join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1 to create it)", path.display()));
    if expected != actual {
        let at = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from its snapshot at line {}:\n- {}\n+ {}\n(review, then UPDATE_SNAPSHOTS=1 cargo test --release --test reports)",
            at + 1,
            expected.lines().nth(at).unwrap_or("<end>"),
            actual.lines().nth(at).unwrap_or("<end>")
        );
    }
}

#[test]
fn text_outputs_match_their_snapshots() {
    let (tmp, _) = run("contoso-ps51", &[]);
    for name in ["findings.csv", "remediation.ps1"] {
        let text = std::fs::read_to_string(tmp.path().join(name)).expect(name);
        snapshot(&format!("contoso-ps51.{name}"), &text);
    }
}

/// Runs `shape` once and `reruns` more times: every output byte-identical to the first run's.
fn assert_reruns_identical(shape: &str, reruns: usize) {
    let first = run(shape, &[]).0;
    for _ in 0..reruns {
        let again = run(shape, &[]).0;
        for name in hybrid_audit::report::OUTPUTS {
            assert!(std::fs::read(first.path().join(name)).unwrap() == std::fs::read(again.path().join(name)).unwrap(), "{name} differs between two runs");
        }
    }
}

#[test]
fn reruns_write_identical_bytes() {
    // Several reruns: the workbook's sheets fill on threads, and thread timing must not show.
    assert_reruns_identical("contoso-ps51", 3);
}

#[test]
fn reruns_on_files_read_side_by_side_write_identical_bytes() {
    // Several files per table, read on two threads (Graph pages; active, inactive and soft-deleted
    // mailboxes), and one-line JSON files whose records all share line 1 (their order once changed from
    // run to run). Not the whole fixtures folder: its two tenants are one tenant exported twice, which
    // `run` refuses (each person would be counted twice).
    assert_reruns_identical("contoso-ps51", 5);
    assert_reruns_identical("contoso-mixed", 5);
}

/// The writers' jobs (the workbook's three sheet jobs, the four other outputs) share as many threads as
/// the machine has cores (two here); a consultant's laptop has more. Whatever their number, every output
/// is the same: the workbook's sheets fill on whichever threads and the last one saves it. (A bounded
/// wait: a writer thread that waited for another's job could deadlock; the fixtures are too small to make
/// every interleaving likely: this guards, it does not prove.)
#[test]
fn outputs_do_not_depend_on_the_number_of_writer_threads() {
    let dir = repo().join("fixtures");
    let data = hybrid_audit::ingest::load(&dir, &Default::default()).expect("fixtures load");
    let (sent, written) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for threads in [1, 3, 6] {
            // A fresh audit each time: its digests are pending until a writer asks for them.
            let audit = common::native_audit(&data, &dir).expect("audit");
            let out = tempfile::tempdir().expect("temp dir");
            hybrid_audit::report::write_all_on(&audit, out.path(), &Default::default(), &|_| {}, threads).expect("reports");
            let bytes: Vec<Vec<u8>> = hybrid_audit::report::OUTPUTS.iter().map(|name| std::fs::read(out.path().join(name)).expect("output")).collect();
            let _ = sent.send((threads, bytes));
        }
    });
    let wait = std::time::Duration::from_secs(300);
    let (_, first) = written.recv_timeout(wait).expect("the writers did not finish (one writer thread)");
    for _ in 0..2 {
        let (threads, bytes) = written.recv_timeout(wait).expect("the writers did not finish: a deadlock on the writers' pool?");
        for (name, (a, b)) in hybrid_audit::report::OUTPUTS.iter().zip(first.iter().zip(&bytes)) {
            assert!(a == b, "{name} differs with {threads} writer threads");
        }
    }
}

#[test]
fn exit_codes() {
    let fixture = repo().join("fixtures/contoso-ps51");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let code = |extra: &[&str]| run_raw(&fixture, &out, extra).status.code();
    assert_eq!(code(&[]), Some(0), "findings alone are not a failure");
    assert_eq!(code(&["--fail-on", "critical"]), Some(3), "the fixture has critical findings");
    assert_eq!(code(&["--fail-on", "info"]), Some(3));
    assert_eq!(code(&["--fail-on", "bogus"]), Some(2));
    let missing = run_raw(&tmp.path().join("no-such-folder"), &out, &[]);
    assert_eq!(missing.status.code(), Some(2));
    // --out is a file: the reports cannot be written.
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let blocked = run_raw(&fixture, &file, &[]);
    assert_eq!(blocked.status.code(), Some(1), "{}", String::from_utf8_lossy(&blocked.stderr));
    assert!(String::from_utf8_lossy(&blocked.stderr).contains("error:"));
    let quiet = run_raw(&fixture, &out, &["--quiet"]);
    assert_eq!((quiet.status.code(), quiet.stdout.len(), quiet.stderr.len()), (Some(0), 0, 0), "--quiet prints nothing (and no progress off a terminal)");
}

#[test]
fn templates_can_be_replaced_and_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let templates = tmp.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("report.html"), "<!doctype html><title>ours</title><script id=\"audit-data\" type=\"application/json\">__AUDIT_JSON__</script>").unwrap();
    let out = tmp.path().join("out");
    let fixture = repo().join("fixtures/contoso-ps51");
    let ok = run_raw(&fixture, &out, &["--templates", templates.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!doctype html><title>ours</title>"));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(out.join("findings.json")).unwrap()).unwrap();
    assert_eq!(page_data(&html), written, "the page embeds exactly findings.json's data");
    // A template without its token would write a report without data: refused as a usage error.
    std::fs::write(templates.join("report.html"), "<html>no data here</html>").unwrap();
    let bad = run_raw(&fixture, &out, &["--templates", templates.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("__AUDIT_JSON__"));
}

/// The audit a report.html embeds, as its script reads it: `#audit-data`, its findings from the
/// `script.audit-findings` elements that follow, in order; checks their count.
fn page_data(html: &str) -> Value {
    let mut elements = html.split("type=\"application/json\">").skip(1).map(|e| e.split("</script>").next().expect("element"));
    let mut data: Value = serde_json::from_str(elements.next().expect("#audit-data")).expect("#audit-data JSON");
    let findings: Vec<Value> = elements.flat_map(|e| serde_json::from_str::<Vec<Value>>(e).expect("a chunk of findings")).collect();
    let count = data.as_object_mut().unwrap().remove("findings_count").expect("findings_count");
    assert_eq!(count, findings.len());
    data.as_object_mut().unwrap().insert("findings".into(), Value::Array(findings));
    data
}

/// The findings go in chunks (a browser's strings end at ~512 MiB): with chunks of 5 the fixtures' make
/// several, the last one short, and the page's data is still findings.json's, finding for finding.
#[test]
fn the_page_embeds_findings_json_in_chunks() {
    let dir = repo().join("fixtures/contoso-ps51");
    let data = hybrid_audit::ingest::load(&dir, &Default::default()).expect("fixtures load");
    let audit = common::native_audit(&data, &dir).expect("audit");
    assert!(audit.findings.len() > 8 && !audit.findings.len().is_multiple_of(5), "{} findings: not several chunks with a short last one", audit.findings.len());
    let out = tempfile::tempdir().unwrap();
    let page = out.path().join("report.html");
    hybrid_audit::report::html::write_chunked(&audit, &page, &hybrid_audit::report::Templates::default().html, 5).expect("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<script class=\"audit-findings\" type=\"application/json\">").count(), audit.findings.len().div_ceil(5));
    audit.write_json(&out.path().join("findings.json")).unwrap();
    let written: Value = serde_json::from_str(&std::fs::read_to_string(out.path().join("findings.json")).unwrap()).unwrap();
    assert_eq!(page_data(&html), written);
}

/// Outputs that cannot be written whole (here a 20 KiB limit on the size of any file the run writes, which
/// makes writes past it fail as a full disk does): exit code 1, each failed file named with the system's
/// reason, nothing partial left, and no panic printed (rust_xlsxwriter panics on a failed write of a sheet).
#[test]
fn a_full_disk_fails_the_files_it_stops_cleanly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let exe = env!("CARGO_BIN_EXE_hybrid-audit");
    let fixture = repo().join("fixtures/contoso-mixed");
    // SIGXFSZ ignored, so a write past the limit fails with EFBIG instead of ending the process. The checks
    // run natively: the wasm engine's own files (its memory images) would hit the limit first.
    let script = r#"trap '' XFSZ; ulimit -f 20; exec "$0" run "$1" --out "$2" --as-of 2026-11-22 --native"#;
    let run = Command::new("bash").args(["-c", script, exe]).arg(&fixture).arg(&out).output().expect("bash");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
    assert!(stderr.contains("the reports are incomplete"), "{stderr}");
    let left: Vec<String> = std::fs::read_dir(&out).expect("out").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
    assert!(left.iter().all(|n| !n.ends_with(".partial")), "{left:?}");
    for name in hybrid_audit::report::OUTPUTS {
        let failed = stderr.lines().find(|l| l.starts_with("error: cannot write") && l.contains(&format!("/{name}:")));
        // A file is either complete or absent and named in an error with its reason.
        assert_eq!(left.iter().any(|n| n == name), failed.is_none(), "{name}: {left:?}\n{stderr}");
        if let Some(line) = failed {
            assert!(line.contains("too large") || line.contains("os error 27"), "{line}");
        }
    }
    // The workbook's sheets are bigger than the limit: its writer is among the failed ones.
    assert!(stderr.contains("/audit.xlsx: the writer stopped: "), "{stderr}");
}

#[test]
fn reports_inside_the_input_folder_are_not_read_back() {
    // A copy of the fixture with --out inside it: the second run must see the same inputs as the first.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("exports");
    std::fs::create_dir_all(&input).unwrap();
    for entry in std::fs::read_dir(repo().join("fixtures/contoso-ps51")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, input.join(path.file_name().unwrap())).unwrap();
        }
    }
    let out = input.join("report");
    let inputs = |run: &Output| {
        assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
        let audit: Value = serde_json::from_str(&std::fs::read_to_string(out.join("findings.json")).unwrap()).unwrap();
        audit["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let first = inputs(&run_raw(&input, &out, &[]));
    let second_run = run_raw(&input, &out, &[]);
    assert!(String::from_utf8_lossy(&second_run.stderr).contains("is not read as input"), "the skip is said, not silent");
    assert_eq!(inputs(&second_run), first);

    // --out the input folder itself (also spelled differently): refused before anything is written.
    let before: Vec<_> = std::fs::read_dir(&input).unwrap().map(|e| e.unwrap().file_name()).collect();
    for same in [input.clone(), input.join("report").join("..")] {
        let refused = run_raw(&input, &same, &[]);
        assert_eq!(refused.status.code(), Some(2), "{}", String::from_utf8_lossy(&refused.stderr));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("is the input folder"));
    }
    let after: Vec<_> = std::fs::read_dir(&input).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before, after, "nothing written into the input folder");
}

#[test]
fn the_workbook_and_the_summary_name_identities_a_check_could_not_evaluate() {
    // One mistyped msExchMailboxGuid (ad-users.csv line 4): the GUID checks are not evaluated on Theo.
    let dir = tempfile::tempdir().expect("tempdir");
    let input = common::ps51_with_mistyped_guid(dir.path());
    let out = dir.path().join("out");
    let run = run_raw(&input, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("not evaluated on some identities") && stdout.contains("GUID002 remote-mailbox-without-exchangeguid: 1 identity (1 finding withheld), e.g. theo.thorn@contoso.com (msExchMailboxGuid at ad-users.csv:4)"), "{stdout}");
    let audit: Value = serde_json::from_str(&std::fs::read_to_string(out.join("findings.json")).expect("json")).expect("JSON");
    // The GUID002 the mistyped value made (medium) is withheld, and counted so for --fail-on.
    let guid002 = audit["partly_evaluated"].as_array().expect("partly").iter().find(|p| p["check"] == "GUID002").expect("GUID002");
    assert_eq!(guid002["withheld"]["medium"], 1, "{guid002}");
    let pairs: usize = audit["partly_evaluated"].as_array().expect("partly").iter().map(|p| p["listed"].as_array().map_or(0, Vec::len)).sum();
    let mut book: Xlsx<_> = open_workbook(out.join("audit.xlsx")).expect("open audit.xlsx");
    let summary = sheet(&mut book, "Summary");
    assert!(summary.iter().any(|r| r[0] == "Partly evaluated"), "the Summary's head says the audit is partly evaluated");
    let theo: Vec<&Vec<String>> = summary.iter().filter(|r| r.get(2).is_some_and(|c| c == "theo.thorn@contoso.com")).collect();
    assert_eq!(theo.len(), pairs, "one Summary row per check and identity");
    assert!(theo.iter().all(|r| r[3] == "msExchMailboxGuid" && r[6] == "ad-users.csv:4"), "{theo:?}");
    let readiness = sheet(&mut book, "Readiness");
    let row = readiness.iter().find(|r| r[0] == "theo.thorn@contoso.com").expect("Theo's readiness row");
    assert!(row[5].ends_with(&format!("{pairs} checks not evaluated: values could not be read (Summary)")), "{row:?}");
    // The same inputs give the same bytes, the lists of what was not evaluated included.
    for again in 0..2 {
        let out2 = dir.path().join(format!("out{again}"));
        assert_eq!(run_raw(&input, &out2, &[]).status.code(), Some(0));
        for name in hybrid_audit::report::OUTPUTS {
            assert!(std::fs::read(out.join(name)).unwrap() == std::fs::read(out2.join(name)).unwrap(), "{name} differs between two runs");
        }
    }
}

/// Graph's generated functions and implicit-remoting proxies ignore the script's $ErrorActionPreference
/// (msgraph-sdk-powershell#1129): their failures stayed non-terminating, a failed step counted as done
/// and a failed live read as empty. The header gives every command -ErrorAction Stop, before any step.
#[test]
fn every_command_of_the_script_stops_on_an_error() {
    let (dir, _) = run("contoso-ps51", &[]);
    let script = std::fs::read_to_string(dir.path().join("remediation.ps1")).expect("ps1");
    let default = script.find("$defaults['*:ErrorAction'] = 'Stop'\n$PSDefaultParameterValues = $defaults").expect("the default is set");
    let first_step = script.find("Start-Finding -Id").expect("a finding");
    assert!(default < first_step);
}

#[test]
fn a_value_past_excels_cell_limit_is_cut_in_the_workbook_not_fatal() {
    // A user principal name of 40,000 characters (a mangled export): it names an identity on Readiness,
    // Findings, Join. Excel holds 32,767 characters a cell: audit.xlsx failed to be written at all.
    let dir = tempfile::tempdir().expect("tempdir");
    let input = common::copy_tenant("contoso-ps51", dir.path());
    let path = input.join("exo-mailboxes.csv");
    let text = std::fs::read_to_string(&path).expect("read");
    let long = format!("{}@contoso.com", "a".repeat(40_000));
    let text = text.replacen("\"DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}@contoso.onmicrosoft.com\"", &format!("\"{long}\""), 1);
    assert!(text.contains(&long), "the fixture's discovery mailbox row");
    std::fs::write(&path, text).expect("write");
    let out = dir.path().join("out");
    let run = run_raw(&input, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let mut book: Xlsx<_> = open_workbook(out.join("audit.xlsx")).expect("workbook");
    let cut: Vec<String> = sheet(&mut book, "Readiness").into_iter().flatten().filter(|c| c.starts_with("aaaa")).collect();
    assert_eq!(cut.len(), 1, "the identity's row");
    assert!(cut[0].len() <= 32_767 && cut[0].ends_with("(cut at Excel's cell limit; the full text is in findings.json)"), "{}", &cut[0][cut[0].len() - 80..]);
}

#[test]
fn the_script_reads_no_precondition_key_that_a_precondition_lacks() {
    // Under Set-StrictMode 3 a key a hashtable lacks is an error when read as a property ($p.Set on the 95 of
    // 103 preconditions without Set stopped the script at its first live read). Every `$p.Key` the header
    // reads must be written in every precondition the script holds.
    let (tmp, _) = run("contoso-ps51", &[]);
    let script = std::fs::read_to_string(tmp.path().join("remediation.ps1")).expect("script");
    let header = std::fs::read_to_string(repo().join("reports/remediation-header.ps1")).expect("header");
    let mut keys: Vec<&str> = header.split("$p.").skip(1).map(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("")).collect();
    keys.sort();
    keys.dedup();
    assert!(keys.contains(&"Live") && keys.contains(&"Expected"), "{keys:?}");
    let preconditions: Vec<&str> = script.lines().filter(|l| l.trim_start().starts_with("@{ Field = ")).collect();
    assert!(preconditions.len() > 50, "{}", preconditions.len());
    for p in preconditions {
        for key in &keys {
            assert!(p.contains(&format!(" {key} = ")), "{key} read as a property, missing in: {p}");
        }
    }
}
