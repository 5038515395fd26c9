//! End to end on `fixtures/`: the real binary on the Contoso tenant in both shapes and on `fixtures/bad/`.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn inspect_json(dir: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_hybrid-audit")).arg("inspect").arg(dir).arg("--json").output().expect("run hybrid-audit");
    assert!(out.status.success(), "exit {:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("inspect --json prints one JSON object")
}

fn expected() -> Value {
    serde_json::from_slice(&std::fs::read(fixtures().join("expected-join.json")).expect("expected-join.json")).expect("json")
}

fn file<'a>(doc: &'a Value, path: &str) -> &'a Value {
    doc["files"].as_array().expect("files").iter().find(|f| f["path"] == path && f.get("sheet").is_none_or(|s| s != "Notes")).unwrap_or_else(|| panic!("{path} not listed"))
}

#[test]
fn both_shapes_are_recognised_file_by_file() {
    let ps51 = inspect_json(&fixtures().join("contoso-ps51"));
    let kinds: Vec<(String, String, String)> = ps51["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| (f["path"].as_str().unwrap_or("").to_string(), f["kind"].as_str().unwrap_or("").to_string(), f["encoding"].as_str().unwrap_or("").to_string()))
        .collect();
    let want = [
        ("ad-users.csv", "ad-users", "utf-8-bom"),
        ("exo-mailboxes-inactive.csv", "exo-mailboxes", "utf-8"),
        ("exo-mailboxes-softdeleted.csv", "exo-mailboxes", "utf-8"),
        ("exo-mailboxes.csv", "exo-mailboxes", "utf-8"),
        ("exo-mailusers.csv", "exo-mailusers", "utf-8"),
        ("exo-statistics.csv", "exo-statistics", "utf-8"),
        ("exo-users.csv", "exo-users", "utf-8"),
        ("graph-users-page1.json", "entra-users", "utf-8"),
        ("graph-users-page2.json", "entra-users", "utf-8"),
        ("subscribed-skus.json", "entra-skus", "utf-8"),
    ];
    let want: Vec<(String, String, String)> = want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(kinds, want);
    assert_eq!(file(&ps51, "exo-mailboxes-softdeleted.csv")["soft_deleted"], 4);
    assert_eq!(file(&ps51, "exo-mailboxes-inactive.csv")["inactive"], 2);
    assert_eq!(file(&ps51, "ad-users.csv")["date_order"], "month-first");

    let mixed = inspect_json(&fixtures().join("contoso-mixed"));
    let row = |path: &str| {
        let f = file(&mixed, path);
        (f["kind"].as_str().unwrap_or("").to_string(), f["format"].as_str().unwrap_or("").to_string(), f["encoding"].as_str().unwrap_or("").to_string(), f["rows"].as_u64().unwrap_or(0))
    };
    assert_eq!(row("ad-users.ldf"), ("ad-users".into(), "ldif".into(), "utf-8".into(), 46));
    assert_eq!(row("entra-users.json"), ("entra-users".into(), "json".into(), "utf-16le-bom".into(), 46));
    assert_eq!(row("exo-mailboxes.json"), ("exo-mailboxes".into(), "json".into(), "utf-8".into(), 41));
    assert_eq!(row("exo-user-single.json"), ("exo-users".into(), "json".into(), "utf-8".into(), 1));
    assert_eq!(row("exo-statistics.xlsx"), ("exo-statistics".into(), "xlsx".into(), "xlsx".into(), 34));
    let notes = mixed["files"].as_array().expect("files").iter().find(|f| f["sheet"] == "Notes").expect("Notes sheet listed");
    assert_eq!(notes["kind"], "unknown");
    assert!(notes["reason"].as_str().unwrap_or("").contains("Note, Author"));
    for doc in [&ps51, &mixed] {
        for f in doc["files"].as_array().expect("files") {
            assert!(f.get("error").is_none(), "{f}");
        }
    }
}

#[test]
fn join_statistics_match_the_independent_expectation_in_both_shapes() {
    let want = expected();
    for shape in ["contoso-ps51", "contoso-mixed"] {
        let doc = inspect_json(&fixtures().join(shape));
        let join = &doc["join"];
        assert_eq!(join["identities"], want["identities"], "{shape}");
        for key in ["ad_entra", "entra_exo", "unmatched"] {
            for (k, v) in want[key].as_object().expect("object") {
                assert_eq!(&join[key][k], v, "{shape}: {key}.{k}");
            }
        }
        assert_eq!(join["previous_mailboxes_linked"], want["previous_mailboxes_linked"], "{shape}");
        assert_eq!(join["ambiguous"], want["ambiguous"], "{shape}");
    }
}

#[test]
fn both_shapes_give_the_same_identities() {
    let mut names_per_shape = Vec::new();
    for shape in ["contoso-ps51", "contoso-mixed"] {
        let data = hybrid_audit::ingest::load(&fixtures().join(shape), &Default::default()).expect("load");
        let joined = hybrid_audit::join::join(&data);
        let mut names: Vec<(String, bool, bool, bool, usize)> = joined
            .identities
            .iter()
            .enumerate()
            .map(|(n, i)| (joined.name(&data, n), i.ad.is_some(), i.entra.is_some(), i.exo.is_some(), i.previous_mailboxes.len()))
            .collect();
        names.sort();
        names_per_shape.push(names);
    }
    assert_eq!(names_per_shape[0], names_per_shape[1]);
    let mut want: Vec<String> = expected()["names"].as_array().expect("names").iter().map(|n| n.as_str().unwrap_or("").to_string()).collect();
    want.sort();
    let got: Vec<String> = names_per_shape[0].iter().map(|n| n.0.clone()).collect();
    assert_eq!(got, want);
}

#[test]
fn bad_fixtures_each_say_what_is_wrong() {
    let doc = inspect_json(&fixtures().join("bad"));
    let f = |p: &str| file(&doc, p).clone();
    let t = f("truncated.csv");
    assert_eq!(t["error"]["line"], 4);
    assert!(t["error"]["message"].as_str().unwrap_or("").contains("expected 7 fields"), "{t}");
    assert_eq!(t["rows"], 0, "nothing of a damaged file is used");
    let w = f("wrong-encoding.csv");
    assert_eq!((w["error"]["line"].clone(), w["error"]["column"].clone()), (Value::from(3), Value::from("DisplayName")));
    assert!(w["error"]["hint"].as_str().unwrap_or("").contains("-Encoding UTF8"));
    let l = f("lost-columns.csv");
    let lost: Vec<&str> = l["lost_columns"].as_array().expect("lost").iter().filter_map(|c| c["column"].as_str()).collect();
    for column in ["proxyAddresses", "msExchMailboxGuid", "mS-DS-ConsistencyGuid", "memberOf"] {
        assert!(lost.contains(&column), "{column} not reported lost: {lost:?}");
    }
    assert!(l["lost_columns"].as_array().expect("lost").iter().any(|c| c["fix"].as_str().unwrap_or("").contains("-join ';'")));
    assert!(l["warnings"].as_array().expect("warnings").iter().any(|w| w.as_str().unwrap_or("").contains("J?rgen")));
    assert_eq!(f("not-an-export.json")["kind"], "unknown");
    assert!(f("empty.csv")["reason"].as_str().unwrap_or("").contains("empty"));
    assert_eq!(f("ps51-semicolon.csv")["delimiter"], ";");
    assert_eq!(f("ps51-semicolon.csv")["rows"], 2);
    assert_eq!((f("utf16-be.csv")["kind"].clone(), f("utf16-be.csv")["encoding"].clone()), (Value::from("entra-users"), Value::from("utf-16be-bom")));
    assert_eq!(f("embedded-newline.csv")["rows"], 2);
    assert_eq!(doc["join"]["ambiguous"], 2, "ann.lee and ben.kay are each in two AD exports with one objectGUID");
    let repeated = f("ps51-semicolon.csv")["warnings"].to_string();
    assert!(repeated.contains("2 objects are also in embedded-newline.csv (same objectGUID"), "the second export of one directory is named: {repeated}");
}

#[test]
fn a_second_export_of_one_directory_is_named_and_a_tenant_alone_is_quiet() {
    // Quiet: each tenant's own files (Graph pages, EXO mailboxes active / inactive / soft-deleted, a
    // single Get-User beside the full one) hold different objects.
    for shape in ["contoso-ps51", "contoso-mixed"] {
        let doc = inspect_json(&fixtures().join(shape));
        for f in doc["files"].as_array().expect("files") {
            assert!(!f["warnings"].to_string().contains("also in"), "{shape}: {f}");
        }
    }
    // Fires: the mixed tenant with the PS 5.1 tenant's AD export beside its LDIF (the same forest twice).
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(fixtures().join("contoso-mixed")).expect("dir").filter_map(|e| e.ok()) {
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    std::fs::copy(fixtures().join("contoso-ps51/ad-users.csv"), dir.path().join("ad-users.csv")).expect("copy");
    let ldif = inspect_json(dir.path())["files"].as_array().expect("files").iter().find(|f| f["path"] == "ad-users.ldf").cloned().expect("ad-users.ldf");
    assert!(ldif["warnings"].to_string().contains("46 objects are also in ad-users.csv (same objectGUID"), "{ldif}");
    // `run` audits no such folder: each of those people would be counted twice (see the next test).
    let out_dir = tempfile::tempdir().expect("temp dir");
    refused(dir.path(), out_dir.path(), "error: ad-users.ldf holds objects ad-users.csv already holds");
}

#[test]
fn human_output_and_exit_codes() {
    let bin = env!("CARGO_BIN_EXE_hybrid-audit");
    let out = Command::new(bin).arg("inspect").arg(fixtures().join("contoso-ps51")).output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("42 by source anchor"), "{text}");
    assert!(text.contains("ad-users.csv") && text.contains("utf-8-bom"));
    let missing = Command::new(bin).arg("inspect").arg(fixtures().join("no-such-folder")).output().expect("run");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-folder"));
    let usage = Command::new(bin).arg("inspect").output().expect("run");
    assert_eq!(usage.status.code(), Some(2));
    let file_not_dir = Command::new(bin).arg("inspect").arg(fixtures().join("expected-join.json")).output().expect("run");
    assert_eq!(file_not_dir.status.code(), Some(2));
}

#[test]
fn inputs_are_never_modified() {
    let dir = fixtures().join("contoso-mixed");
    let before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir).expect("dir").filter_map(|e| e.ok()).map(|e| (e.path(), std::fs::read(e.path()).expect("read"))).collect();
    let _ = inspect_json(&dir);
    for (path, bytes) in before {
        assert_eq!(std::fs::read(&path).expect("read"), bytes, "{} changed", path.display());
    }
}

#[test]
fn damaged_copies_of_every_fixture_never_panic() {
    // Every fixture cut at several points, and with a byte flipped: each load must finish and report.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut n = 0;
    for shape in ["contoso-ps51", "contoso-mixed"] {
        for entry in std::fs::read_dir(fixtures().join(shape)).expect("dir").filter_map(|e| e.ok()) {
            let bytes = std::fs::read(entry.path()).expect("read");
            let name = entry.file_name().to_string_lossy().to_string();
            for (k, cut) in [1, 7, bytes.len() / 3, bytes.len() / 2, bytes.len().saturating_sub(2)].into_iter().enumerate() {
                let mut damaged = bytes[..cut.min(bytes.len())].to_vec();
                if k % 2 == 1 && !damaged.is_empty() {
                    let at = damaged.len() / 2;
                    damaged[at] ^= 0xA5;
                }
                std::fs::write(dir.path().join(format!("{shape}-{k}-{name}")), damaged).expect("write");
                n += 1;
            }
        }
    }
    let data = hybrid_audit::ingest::load(dir.path(), &Default::default()).expect("load");
    assert!(data.files.len() >= n, "{} reports for {n} files", data.files.len());
    let _ = hybrid_audit::join::join(&data);
    let out = Command::new(env!("CARGO_BIN_EXE_hybrid-audit")).arg("inspect").arg(dir.path()).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn inspect_json_is_byte_identical_across_runs() {
    for shape in ["contoso-ps51", "contoso-mixed", "bad"] {
        let run = || Command::new(env!("CARGO_BIN_EXE_hybrid-audit")).arg("inspect").arg(fixtures().join(shape)).arg("--json").output().expect("run").stdout;
        let first = run();
        for _ in 0..3 {
            assert_eq!(run(), first, "{shape}: output differs between runs");
        }
    }
}

#[test]
fn a_run_under_an_address_space_limit_still_audits() {
    // The plugin host's memory pool reserves tens of GiB of address space up front; under a `ulimit -v`
    // (32 GiB here) it cannot, and the run goes on with memory mapped per batch instead of failing.
    let out_dir = tempfile::tempdir().expect("temp dir");
    let script = "ulimit -v 33554432 && exec \"$0\" run \"$1\" --out \"$2\" --as-of 2026-11-22 --quiet";
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_hybrid-audit"))
        .arg(fixtures().join("contoso-mixed"))
        .arg(out_dir.path())
        .output()
        .expect("run sh");
    assert!(out.status.success(), "exit {:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    let findings: Value = serde_json::from_slice(&std::fs::read(out_dir.path().join("findings.json")).expect("findings.json")).expect("json");
    assert!(findings["check_failures"].as_array().expect("check_failures").is_empty(), "{}", findings["check_failures"]);
    assert!(!findings["findings"].as_array().expect("findings").is_empty());
}

#[test]
fn kept_compiled_plugins_give_the_same_outputs() {
    // The first run compiles the built-in plugin and keeps it; the second loads it; a third compiles
    // afresh and keeps nothing. Every output is the same in all three.
    let cache = tempfile::tempdir().expect("cache");
    let outs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("out")).collect();
    for (i, out) in outs.iter().enumerate() {
        let mut run = Command::new(env!("CARGO_BIN_EXE_hybrid-audit"));
        run.arg("run").arg(fixtures().join("contoso-mixed")).arg("--out").arg(out.path()).args(["--as-of", "2026-11-22", "--quiet"]).env("HYBRID_AUDIT_CACHE_DIR", cache.path());
        if i == 2 {
            run.arg("--no-plugin-cache");
        }
        let done = run.output().expect("run");
        assert!(done.status.success(), "run {i}: {}", String::from_utf8_lossy(&done.stderr));
        let kept: Vec<_> = std::fs::read_dir(cache.path()).expect("cache").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(kept.len(), 1, "after run {i}: {kept:?}");
    }
    for name in ["findings.json", "audit.xlsx", "report.html", "findings.csv", "remediation.ps1"] {
        let read = |d: &tempfile::TempDir| std::fs::read(d.path().join(name)).expect("output");
        assert!(read(&outs[0]) == read(&outs[1]) && read(&outs[0]) == read(&outs[2]), "{name} differs between runs with and without the kept plugin");
    }
}

/// `run` on `input`: exit code, stderr, and whether it wrote findings.json.
fn run_on(input: &Path, out: &Path) -> (Option<i32>, String, bool) {
    run_as_of(input, out, "2026-11-22")
}

/// [`run_on`] with another `--as-of` (given as is, valid or not).
fn run_as_of(input: &Path, out: &Path, as_of: &str) -> (Option<i32>, String, bool) {
    let o = Command::new(env!("CARGO_BIN_EXE_hybrid-audit")).arg("run").arg(input).arg("--out").arg(out).args(["--as-of", as_of, "--quiet"]).output().expect("run");
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned(), out.join("findings.json").exists())
}

/// The findings.json a run wrote into `out`.
fn findings_json(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("findings.json")).expect("findings.json")).expect("json")
}

/// `run` on `input` as it is, before a test adds to it: the outputs in `dir/baseline`.
fn baseline_run(input: &Path, dir: &Path) -> PathBuf {
    let baseline = dir.join("baseline");
    assert_eq!(run_on(input, &baseline).0, Some(0));
    baseline
}

/// A fixture tenant copied into `dir`, with the path and text of its file `name` (to change it).
fn tenant_file(shape: &str, dir: &Path, name: &str) -> (PathBuf, PathBuf, String) {
    let input = common::copy_tenant(shape, dir);
    let path = input.join(name);
    let text = std::fs::read_to_string(&path).expect("read");
    (input, path, text)
}

/// `run` on `input` stops with exit code 2 before writing anything, and says `expected` on stderr;
/// the stderr, for more.
fn refused(input: &Path, out: &Path, expected: &str) -> String {
    let (code, stderr, wrote) = run_on(input, out);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!wrote, "no report from a folder it refuses: {stderr}");
    assert!(stderr.contains(expected), "{expected:?} not in: {stderr}");
    stderr
}

#[test]
fn an_export_that_cannot_be_read_stops_the_run_before_any_report() {
    // An AD export saved by Excel in Windows-1252: every AD-side check would be "not evaluated" and the
    // people it holds counted as cloud-only — a report that looks complete and is not.
    let dir = tempfile::tempdir().expect("temp");
    let input = common::copy_tenant("contoso-ps51", dir.path());
    let ad = std::fs::read_to_string(input.join("ad-users.csv")).expect("read").trim_start_matches('\u{feff}').replace("Mia Moore", "Mia M\u{f6}ller");
    let (text, _, _) = encoding_rs::WINDOWS_1252.encode(&ad);
    std::fs::write(input.join("ad-users.csv"), &text).expect("write");
    let stderr = refused(&input, &dir.path().join("out"), "error: ad-users.csv (ad-users): line ");
    assert!(stderr.contains("-Encoding UTF8"), "{stderr}");
    assert!(stderr.contains("nothing was audited"), "{stderr}");
}

#[test]
fn a_second_export_of_one_directory_stops_the_run() {
    // An old copy in a subfolder: each of its people would be counted twice (duplicate addresses,
    // ambiguous links) and the real findings lost.
    let dir = tempfile::tempdir().expect("temp");
    let input = common::copy_tenant("contoso-ps51", dir.path());
    std::fs::create_dir(input.join("old")).expect("mkdir");
    std::fs::copy(input.join("exo-users.csv"), input.join("old/exo-users.csv")).expect("copy");
    refused(&input, &dir.path().join("out"), "old/exo-users.csv holds objects exo-users.csv already holds");
}

#[test]
fn files_that_are_not_exports_are_named_and_left_out() {
    let dir = tempfile::tempdir().expect("temp");
    let input = common::copy_tenant("contoso-ps51", dir.path());
    std::fs::write(input.join("README.txt"), "Exports of 2026-11-21, run by M. Admin on DC01.\n").expect("write");
    std::fs::write(input.join("export.ps1"), "Connect-ExchangeOnline\nGet-EXOMailbox -ResultSize Unlimited | Export-Csv x.csv\n").expect("write");
    let (code, stderr, wrote) = run_on(&input, &dir.path().join("out"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(wrote);
    assert!(stderr.contains("note: README.txt is not used") && stderr.contains("note: export.ps1 is not used"), "{stderr}");
    // A folder of nothing but such files has nothing to audit: a usage error, not an empty "all ready" report.
    let only = dir.path().join("only");
    std::fs::create_dir(&only).expect("mkdir");
    std::fs::copy(input.join("README.txt"), only.join("README.txt")).expect("copy");
    refused(&only, &dir.path().join("out2"), "none of the files is an export");
}

#[test]
fn exports_of_the_on_premises_exchange_organization_are_left_out() {
    // The customer's folder also holds the Exchange Management Shell's Get-Mailbox and Get-RemoteMailbox:
    // the same people as the AD export, on-prem. Read as Exchange Online recipients they were duplicate
    // addresses (SYNC002 2 → 18 findings on this tenant), second mailboxes and holds nobody has in the cloud.
    let dir = tempfile::tempdir().expect("temp");
    let input = common::copy_tenant("contoso-ps51", dir.path());
    let baseline = baseline_run(&input, dir.path());
    let ad = std::fs::read_to_string(input.join("ad-users.csv")).expect("read");
    let mut reader = csv::Reader::from_reader(ad.trim_start_matches('\u{feff}').split_once('\n').expect("#TYPE line").1.as_bytes());
    let header = reader.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (mut mailboxes, mut remote) = (String::new(), String::new());
    mailboxes.push_str("\"Name\",\"Alias\",\"UserPrincipalName\",\"PrimarySmtpAddress\",\"EmailAddresses\",\"RecipientTypeDetails\",\"ExchangeGuid\",\"Database\",\"LitigationHoldEnabled\",\"InPlaceHolds\",\"DistinguishedName\",\"OrganizationalUnit\"\r\n");
    remote.push_str("\"Name\",\"Alias\",\"UserPrincipalName\",\"PrimarySmtpAddress\",\"EmailAddresses\",\"RecipientTypeDetails\",\"ExchangeGuid\",\"RemoteRoutingAddress\"\r\n");
    for row in reader.records() {
        let row = row.expect("row");
        let v = |name: &str| row[col(name)].to_string();
        let addresses = v("proxyAddresses").replace(';', " ");
        match v("msExchRecipientTypeDetails").as_str() {
            "1" => mailboxes.push_str(&format!(
                "\"{}\",\"{}\",\"{}\",\"{}\",\"{addresses}\",\"UserMailbox\",\"{}\",\"DB01\",\"False\",\"\",\"{}\",\"contoso.com/Staff\"\r\n",
                v("Name"), v("mailNickname"), v("UserPrincipalName"), v("mail"), v("msExchMailboxGuid"), v("DistinguishedName")
            )),
            "2147483648" => remote.push_str(&format!(
                "\"{}\",\"{}\",\"{}\",\"{}\",\"{addresses}\",\"RemoteUserMailbox\",\"{}\",\"{}\"\r\n",
                v("Name"), v("mailNickname"), v("UserPrincipalName"), v("mail"), v("msExchMailboxGuid"), v("targetAddress")
            )),
            _ => {}
        }
    }
    assert!(mailboxes.lines().count() > 2 && remote.lines().count() > 10, "{mailboxes}\n{remote}");
    std::fs::write(input.join("onprem-mailboxes.csv"), mailboxes).expect("write");
    std::fs::write(input.join("onprem-remote-mailboxes.csv"), remote).expect("write");
    let out = dir.path().join("out");
    let (code, stderr, wrote) = run_on(&input, &out);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(wrote);
    assert!(stderr.contains("note: onprem-mailboxes.csv is not used: an export of the on-premises Exchange organization"), "{stderr}");
    assert!(stderr.contains("DistinguishedName at line 2 is \"CN="), "{stderr}");
    assert!(stderr.contains("note: onprem-remote-mailboxes.csv is not used") && stderr.contains("of a type only on-premises Exchange has (first at line 2: RemoteUserMailbox)"), "{stderr}");
    assert_eq!(findings_json(&out)["findings"], findings_json(&baseline)["findings"], "the audit is the one without those files");
    // An Exchange Online export that says where its objects live is read as before.
    let hosted = "\"ExternalDirectoryObjectId\",\"UserPrincipalName\",\"PrimarySmtpAddress\",\"RecipientTypeDetails\",\"LitigationHoldEnabled\",\"DistinguishedName\"\r\n\
                  \"5b1f6c2a-9d7e-4f3a-b8c0-d1e2f3a4b5c6\",\"new.hire@contoso.com\",\"new.hire@contoso.com\",\"UserMailbox\",\"False\",\
                  \"CN=new.hire,OU=contoso.onmicrosoft.com,OU=Microsoft Exchange Hosted Organizations,DC=EURPR05A003,DC=PROD,DC=OUTLOOK,DC=COM\"\r\n";
    let only = dir.path().join("hosted");
    std::fs::create_dir(&only).expect("mkdir");
    std::fs::write(only.join("exo.csv"), hosted).expect("write");
    let doc = inspect_json(&only);
    assert_eq!(file(&doc, "exo.csv")["kind"], "exo-mailboxes", "{doc}");
}

#[test]
fn ad_groups_contacts_and_computers_in_the_ad_export_change_no_finding() {
    // The AD export taken with Get-ADObject (or csvde without a filter): a mail-enabled group, a mail
    // contact and a computer among the users. Read as people, the group and the contact were PROV007
    // findings (a mail recipient without userPrincipalName) and the computer an unmatched AD user.
    let dir = tempfile::tempdir().expect("temp");
    let (input, path, text) = tenant_file("contoso-ps51", dir.path(), "ad-users.csv");
    let baseline = baseline_run(&input, dir.path());
    let header = text.lines().nth(1).expect("header");
    let columns: Vec<&str> = header.split("\",\"").map(|c| c.trim_matches('"')).collect();
    let object = |values: &[(&str, &str)]| {
        let cells: Vec<String> = columns.iter().map(|c| format!("\"{}\"", values.iter().find(|(k, _)| k == c).map_or("", |(_, v)| v))).collect();
        cells.join(",") + "\r\n"
    };
    let mut more = text.clone();
    more += &object(&[("DistinguishedName", "CN=All Staff,OU=Groups,DC=contoso,DC=com"), ("ObjectClass", "group"), ("ObjectGUID", "21111111-2222-3333-4444-555555555555"), ("mail", "allstaff@contoso.com"), ("mailNickname", "allstaff"), ("proxyAddresses", "SMTP:allstaff@contoso.com"), ("msExchRecipientTypeDetails", "1073741833")]);
    more += &object(&[("DistinguishedName", "CN=Partner,OU=Contacts,DC=contoso,DC=com"), ("ObjectClass", "contact"), ("ObjectGUID", "11111111-2222-3333-4444-555555555555"), ("mail", "partner@fabrikam.com"), ("targetAddress", "SMTP:partner@fabrikam.com"), ("msExchRecipientTypeDetails", "64")]);
    more += &object(&[("DistinguishedName", "CN=WS001,OU=Computers,DC=contoso,DC=com"), ("ObjectClass", "computer"), ("ObjectGUID", "31111111-2222-3333-4444-555555555555"), ("SamAccountName", "WS001$"), ("Enabled", "True")]);
    std::fs::write(&path, more).expect("write");
    let out = dir.path().join("out");
    let (code, stderr, wrote) = run_on(&input, &out);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(wrote);
    let (after, before) = (findings_json(&out), findings_json(&baseline));
    assert_eq!(after["findings"], before["findings"]);
    assert_eq!(after["join"], before["join"], "the same people, joined the same way");
    let ad = after["inputs"].as_array().expect("inputs").iter().find(|i| i["path"] == "ad-users.csv").expect("ad-users.csv");
    assert!(ad["warnings"].to_string().contains("objects that are not users were not read: 1 computer, 1 contact, 1 group"), "{ad}");
}

#[test]
fn a_deleted_users_export_beside_the_users_changes_no_finding() {
    // Five of the tenant's users again, deleted (Graph's deleted items), in a file of their own: read as
    // current users they added 24 findings on this tenant (SYNC002 2 → 22).
    let dir = tempfile::tempdir().expect("temp");
    let (input, _, page) = tenant_file("contoso-ps51", dir.path(), "graph-users-page2.json");
    let baseline = baseline_run(&input, dir.path());
    let page: Value = serde_json::from_str(page.trim_start_matches('\u{feff}')).expect("json");
    let deleted: Vec<Value> = page["value"].as_array().expect("value")[..5]
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut u = u.clone();
            u["id"] = format!("dddddddd-0000-0000-0000-00000000000{i}").into();
            u["deletedDateTime"] = "2026-11-01T10:00:00Z".into();
            u
        })
        .collect();
    std::fs::write(input.join("graph-deleted-users.json"), serde_json::json!({ "value": deleted }).to_string()).expect("write");
    let out = dir.path().join("out");
    let (code, stderr, _) = run_on(&input, &out);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("note: graph-deleted-users.json is not used: 5 deleted users (deletedDateTime set"), "{stderr}");
    assert_eq!(findings_json(&out)["findings"], findings_json(&baseline)["findings"]);
}

#[test]
fn a_previous_report_inside_the_exports_is_not_read() {
    // `run . --out report` in the exports' folder, then next month `--out report-2`: the first run's
    // outputs were read as inputs (a note for each file and workbook sheet, and at 800k identities tens of
    // megabytes parsed for nothing). One note for the folder now.
    let dir = tempfile::tempdir().expect("temp");
    let input = common::copy_tenant("contoso-ps51", dir.path());
    let first = input.join("report");
    assert_eq!(run_on(&input, &first).0, Some(0));
    let second = input.join("report-2");
    let (code, stderr, wrote) = run_on(&input, &second);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(wrote);
    let notes: Vec<&str> = stderr.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(
        notes,
        ["note: report is not used: a previous run's reports (findings.json written by hybrid-audit, audit.xlsx, report.html, findings.csv, remediation.ps1): not read as input — anything else in the folder is"]
    );
    assert_eq!(findings_json(&second)["findings"], findings_json(&first)["findings"]);
    // An export kept beside the reports is still read (moved there: the audit is the same as with it at the top).
    std::fs::rename(input.join("subscribed-skus.json"), first.join("subscribed-skus.json")).expect("move");
    let (code, stderr, _) = run_on(&input, &dir.path().join("out-moved"));
    assert_eq!(code, Some(0), "{stderr}");
    let moved = findings_json(&dir.path().join("out-moved"));
    assert!(moved["inputs"].to_string().contains("report/subscribed-skus.json"), "{}", moved["inputs"]);
    assert_eq!(moved["findings"], findings_json(&first)["findings"]);
    std::fs::rename(first.join("subscribed-skus.json"), input.join("subscribed-skus.json")).expect("move back");
    // A folder that only looks like one (a findings.json of something else beside a findings.csv) is read.
    let other = input.join("other");
    std::fs::create_dir(&other).expect("mkdir");
    std::fs::write(other.join("findings.json"), "{\"schema_version\": 1, \"tool\": {\"name\": \"another-tool\"}}").expect("write");
    std::fs::write(other.join("findings.csv"), "a,b\n1,2\n").expect("write");
    let (_, stderr, _) = run_on(&input, &dir.path().join("out3"));
    assert!(stderr.contains("note: other/findings.json is not used") && stderr.contains("note: other/findings.csv is not used"), "{stderr}");
}

#[test]
fn an_ad_export_of_one_ou_is_said_to_look_partial() {
    // Get-ADUser -SearchBase of the Resources OU alone: the 37 synced users elsewhere read as deleted in AD
    // (SYNC003). The run goes on (a real orphan looks the same) and says what it sees.
    let dir = tempfile::tempdir().expect("temp");
    let (input, path, text) = tenant_file("contoso-ps51", dir.path(), "ad-users.csv");
    let lines: Vec<&str> = text.split("\r\n").collect();
    let resources: Vec<&str> = lines[..2].iter().copied().chain(lines[2..].iter().copied().filter(|l| l.contains("OU=Resources"))).collect();
    std::fs::write(&path, resources.join("\r\n") + "\r\n").expect("write");
    let out = dir.path().join("out");
    let (code, stderr, wrote) = run_on(&input, &out);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(wrote);
    let said = "37 of the 43 synced Entra users have no AD object in the AD export, and all of its 6 objects lie under OU=Resources,OU=Contoso,DC=contoso,DC=com";
    let doc = findings_json(&out);
    let ad = doc["inputs"].as_array().expect("inputs").iter().find(|i| i["path"] == "ad-users.csv").expect("ad-users.csv");
    assert!(ad["warnings"].to_string().contains(said), "{ad}");
    let shown = Command::new(env!("CARGO_BIN_EXE_hybrid-audit")).arg("inspect").arg(&input).output().expect("inspect");
    assert!(String::from_utf8_lossy(&shown.stdout).contains(said));
    let doc = inspect_json(&input);
    assert!(doc["join_warnings"][0].as_str().is_some_and(|w| w.starts_with(said)) && doc["run_stops"] == serde_json::json!([]), "{doc}");
    // One of them in the domain's Users container instead: the export is not one OU's, nothing is said.
    let spread = resources.join("\r\n").replacen("OU=Resources,OU=Contoso,DC=contoso", "CN=Users,DC=contoso", 1) + "\r\n";
    std::fs::write(&path, spread).expect("write");
    let (_, _, _) = run_on(&input, &dir.path().join("out2"));
    let doc = findings_json(&dir.path().join("out2"));
    assert!(!doc["inputs"].to_string().contains("synced Entra users have no AD object"), "{}", doc["inputs"]);
}

#[test]
fn an_as_of_before_the_exports_is_said_with_the_file_that_shows_it() {
    // --as-of 2026-01-01 for exports of November 2026 (a mistyped year): every deadline counted from a day
    // before the data. Said with the file whose date shows it, in the summary and in findings.json.
    let dir = tempfile::tempdir().expect("temp");
    let out = dir.path().join("out");
    let (code, stderr, _) = run_as_of(&fixtures().join("contoso-ps51"), &out, "2026-01-01");
    assert_eq!(code, Some(0), "{stderr}");
    let doc = findings_json(&out);
    let warned: Vec<&Value> = doc["inputs"].as_array().expect("inputs").iter().filter(|i| i["warnings"].to_string().contains("is after --as-of 2026-01-01")).collect();
    assert_eq!(warned.len(), 1, "{}", doc["inputs"]);
    // inspect names that date, for the operator to give as --as-of.
    let doc = inspect_json(&fixtures().join("contoso-ps51"));
    assert_eq!(doc["newest_date"], serde_json::json!({"date": "2026-11-22", "field": "assignedPlans.assignedDateTime", "at": "graph-users-page1.json:1"}));
    // The fixtures' own as-of is near their dates: nothing said.
    let (_, _, _) = run_on(&fixtures().join("contoso-ps51"), &dir.path().join("out2"));
    assert!(!findings_json(&dir.path().join("out2"))["inputs"].to_string().contains("--as-of"));
}

/// `text` with every GUID changed (its first eight digits), and contoso's domains made fabrikam's: the
/// same shape of export, of another directory.
fn of_another_directory(text: &str) -> String {
    let shape = |w: &[u8]| w.len() == 36 && w.iter().enumerate().all(|(i, b)| if [8, 13, 18, 23].contains(&i) { *b == b'-' } else { b.is_ascii_hexdigit() });
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes.len() - i >= 36 && shape(&bytes[i..i + 36]) {
            out.extend_from_slice(b"fabfabfa");
            out.extend_from_slice(&bytes[i + 8..i + 36]);
            i += 36;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8").replace("contoso", "fabrikam")
}

#[test]
fn exports_of_two_directories_stop_the_run() {
    // The consultant's folder mixes two customers: this tenant's Entra and Exchange Online exports with
    // another forest's AD export. Nobody joins: run, and every synced user was an orphan (SYNC003) and
    // every AD user unsynced — a report of false findings.
    let dir = tempfile::tempdir().expect("temp");
    let (input, path, text) = tenant_file("contoso-ps51", dir.path(), "ad-users.csv");
    std::fs::write(&path, of_another_directory(&text)).expect("write");
    let stderr = refused(&input, &dir.path().join("out"), "error: the AD export and the Entra export share nobody: none of the 43 synced Entra users");
    assert!(stderr.contains("userPrincipalName domains in AD: fabrikam.com (45); in Entra: contoso.com (43), contoso.onmicrosoft.com (3)"), "{stderr}");
    assert!(stderr.contains("nothing was audited"), "{stderr}");
    let shown = Command::new(env!("CARGO_BIN_EXE_hybrid-audit")).arg("inspect").arg(&input).output().expect("inspect");
    assert!(String::from_utf8_lossy(&shown.stdout).contains("warning: the AD export and the Entra export share nobody"), "inspect says it too");
    let doc = inspect_json(&input);
    assert_eq!(doc["run_stops"].as_array().map(Vec::len), Some(1), "{}", doc["run_stops"]);
    assert_eq!(doc["join_warnings"], serde_json::json!([]), "not also called one OU's export");
    // Another tenant's Exchange Online exports beside this tenant's Entra export: no mailbox has its user.
    let second = dir.path().join("exo");
    std::fs::create_dir(&second).expect("mkdir");
    let (input, _, _) = tenant_file("contoso-ps51", &second, "ad-users.csv");
    for name in ["exo-mailboxes.csv", "exo-mailboxes-softdeleted.csv", "exo-mailboxes-inactive.csv", "exo-mailusers.csv", "exo-users.csv", "exo-statistics.csv"] {
        let text = std::fs::read_to_string(input.join(name)).expect("read");
        std::fs::write(input.join(name), of_another_directory(&text)).expect("write");
    }
    refused(&input, &dir.path().join("out2"), "error: the Entra export and the Exchange Online exports share nobody");
    // One directory whose synced users link to no AD object by source anchor (every GUID changed, the names
    // kept: a custom sourceAnchor, or an export that lost the anchor's column): not two directories. The run
    // goes on and says so with the AD export.
    let third = dir.path().join("anchor");
    std::fs::create_dir(&third).expect("mkdir");
    let (input, path, text) = tenant_file("contoso-ps51", &third, "ad-users.csv");
    std::fs::write(&path, of_another_directory(&text).replace("fabrikam", "contoso")).expect("write");
    let out = dir.path().join("out3");
    let (code, stderr, _) = run_on(&input, &out);
    assert_eq!(code, Some(0), "{stderr}");
    let ad = findings_json(&out)["inputs"].as_array().expect("inputs").iter().find(|i| i["path"] == "ad-users.csv").cloned().expect("ad-users.csv");
    assert!(ad["warnings"].to_string().contains("none of the 43 synced Entra users joins an AD object by source anchor"), "{ad}");
    assert!(!ad["warnings"].to_string().contains("lie under"), "not said to be partial as well: {ad}");
}

#[test]
fn graph_pages_without_the_last_one_stop_the_run() {
    // Page 1 announces page 2 (@odata.nextLink); without page 2 its people would be missing unseen.
    let dir = tempfile::tempdir().expect("temp");
    let input = common::copy_tenant("contoso-ps51", dir.path());
    std::fs::remove_file(input.join("graph-users-page2.json")).expect("remove");
    refused(&input, &dir.path().join("out"), "error: graph-users-page1.json (entra-users): this Graph page announces a next page");
}

#[test]
fn an_export_with_a_nul_byte_is_damaged_not_binary() {
    // A bad copy: one NUL in an otherwise readable CSV. It was "not a text export (binary…)", left out
    // with a note; now an error with its line, and the run stops. A binary file not named as an export
    // (Thumbs.db) is still only noted.
    let dir = tempfile::tempdir().expect("temp");
    let input = common::copy_tenant("contoso-ps51", dir.path());
    let mut users = std::fs::read(input.join("exo-users.csv")).expect("read");
    let second_line = users.iter().position(|&b| b == b'\n').expect("line") + 5;
    users[second_line] = 0;
    std::fs::write(input.join("exo-users.csv"), users).expect("write");
    std::fs::write(input.join("Thumbs.db"), [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0]).expect("write");
    let stderr = refused(&input, &dir.path().join("out"), "error: exo-users.csv: line 2: text with a NUL byte in it");
    assert!(stderr.contains("note: Thumbs.db is not used: not a text export"), "{stderr}");
}

#[test]
fn a_json_export_damaged_before_its_first_record_stops_the_run() {
    // The damage decided the file's kind too: it was "not used" (exit 0) and the audit ran without the
    // mailboxes (44 -> 24 findings). Cut off, a `NaN`, or a comment line above the data.
    let dir = tempfile::tempdir().expect("temp");
    let input = common::copy_tenant("contoso-mixed", dir.path());
    let path = input.join("exo-mailboxes.json");
    let json = std::fs::read(&path).expect("read");
    std::fs::write(&path, &json[..600]).expect("write");
    refused(&input, &dir.path().join("out1"), "error: exo-mailboxes.json: line ");
    let text = String::from_utf8(json.clone()).expect("utf-8");
    std::fs::write(&path, text.replacen("\"Alias\": \"alice.anders\"", "\"Alias\": NaN", 1)).expect("write");
    let stderr = refused(&input, &dir.path().join("out2"), "error: exo-mailboxes.json: line 5, column ");
    assert!(stderr.contains("invalid JSON: expected value —"), "the file's position only, not the parser's within the record: {stderr}");
    std::fs::write(&path, format!("// exported by admin\n{text}")).expect("write");
    refused(&input, &dir.path().join("out3"), "named .json, but its text does not start with `{` or `[`");
}

#[test]
fn an_object_twice_in_one_file_stops_the_run() {
    // Rows pasted twice: 10 ambiguous identities, SYNC002 2 -> 37, real findings lost (HOLD001, LIC006).
    let dir = tempfile::tempdir().expect("temp");
    let (input, path, text) = tenant_file("contoso-ps51", dir.path(), "ad-users.csv");
    let rows: Vec<&str> = text.lines().skip(2).take(3).collect();
    std::fs::write(&path, format!("{text}{}\n", rows.join("\n"))).expect("write");
    let lines = text.lines().count();
    let stderr = refused(&input, &dir.path().join("out"), "error: ad-users.csv (ad-users): line ");
    assert!(stderr.contains(&format!("twice (lines 3 and {}), and 2 more", lines + 1)), "{stderr}");
}

#[test]
fn a_column_named_twice_stops_the_run() {
    // `Guid` renamed `ExchangeGuid`: the first of the two won, 28 false high GUID001 findings.
    let dir = tempfile::tempdir().expect("temp");
    let (input, path, text) = tenant_file("contoso-ps51", dir.path(), "exo-mailboxes.csv");
    std::fs::write(&path, text.replacen("\"Guid\",\"ExchangeGuid\"", "\"ExchangeGuid\",\"ExchangeGuid\"", 1)).expect("write");
    refused(&input, &dir.path().join("out"), "line 1, column ExchangeGuid: the header names column \"ExchangeGuid\" twice (columns 10 and 11)");
    // In another letter case too.
    std::fs::write(&path, text.replacen("\"Guid\",\"ExchangeGuid\"", "\"EXCHANGEGUID\",\"ExchangeGuid\"", 1)).expect("write");
    refused(&input, &dir.path().join("out2"), "twice (columns 10 and 11, as \"ExchangeGuid\")");
}

#[test]
fn an_ldif_cut_between_two_lines_stops_the_run() {
    // Cut after a complete line inside the last entry: half an entry was read (a false PROV001).
    let dir = tempfile::tempdir().expect("temp");
    let (input, path, text) = tenant_file("contoso-mixed", dir.path(), "ad-users.ldf");
    let body = text.trim_end();
    let cut = &body[..body.rfind("\r\n").expect("lines")];
    std::fs::write(&path, format!("{cut}\r\n")).expect("write");
    refused(&input, &dir.path().join("out"), "the file ends inside the entry that starts at line ");
}

#[test]
fn an_as_of_date_not_in_yyyy_mm_dd_is_a_usage_error() {
    // `26-11-22` was the year 26: every deadline ~730,000 days away, severities shifted, exit 0.
    let dir = tempfile::tempdir().expect("temp");
    for (bad, says) in [("26-11-22", "four-digit year"), ("2026-2-3", "four-digit year"), ("+2026-11-22", "four-digit year"), ("0000-01-01", "outside 2000-2199"), ("9999-12-31", "outside 2000-2199"), ("2026-02-30", "not a calendar date")] {
        let (code, stderr, _) = run_as_of(&fixtures().join("contoso-ps51"), &dir.path().join("out"), bad);
        assert_eq!(code, Some(2), "{bad}: {stderr}");
        assert!(stderr.contains(says), "{bad}: {stderr}");
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_report_that_cannot_be_written_leaves_no_earlier_copy_behind() {
    // Run 2 could not write report.html (its temp name blocked): run 1's report.html, of another as-of
    // date, stayed beside run 2's other reports, and the error named report.html, not what blocked it.
    let dir = tempfile::tempdir().expect("temp");
    let out = dir.path().join("out");
    let (code, stderr, _) = run_on(&fixtures().join("contoso-ps51"), &out);
    assert_eq!(code, Some(0), "{stderr}");
    std::fs::create_dir(out.join(".report.html.partial")).expect("block the temp name");
    let (code, stderr, _) = run_as_of(&fixtures().join("contoso-ps51"), &out, "2027-03-01");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(".report.html.partial"), "{stderr}");
    assert!(!out.join("report.html").exists(), "run 1's report.html left beside run 2's reports");
    let json: Value = serde_json::from_slice(&std::fs::read(out.join("findings.json")).expect("findings.json")).expect("json");
    assert_eq!(json["as_of"], "2027-03-01");
}

#[test]
fn what_the_walk_passes_over_is_noted_and_never_read_for_ever() {
    // A hidden export was skipped unnoted (44 -> 31 findings); a link to /dev/zero was hashed for ever;
    // a dangling link was "empty (0 bytes)".
    let dir = tempfile::tempdir().expect("temp");
    let input = common::copy_tenant("contoso-ps51", dir.path());
    std::fs::rename(input.join("exo-statistics.csv"), input.join(".exo-statistics.csv")).expect("hide");
    std::os::unix::fs::symlink("/dev/zero", input.join("huge.csv")).expect("link");
    std::os::unix::fs::symlink(input.join("gone.csv"), input.join("exo-extra.csv")).expect("link");
    std::os::unix::fs::symlink(".", input.join("again")).expect("link");
    let (code, stderr, wrote) = run_on(&input, &dir.path().join("out"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(wrote);
    for note in [
        "note: .exo-statistics.csv is not used: a hidden file",
        "note: huge.csv is not used: not a regular file",
        "note: exo-extra.csv is not used: a link to nothing",
    ] {
        assert!(stderr.contains(note), "{note:?} not in {stderr}");
    }
    let json: Value = serde_json::from_slice(&std::fs::read(dir.path().join("out/findings.json")).expect("json")).expect("json");
    let paths: Vec<&str> = json["inputs"].as_array().expect("inputs").iter().filter_map(|i| i["path"].as_str()).collect();
    assert!(!paths.iter().any(|p| p.starts_with("again/")), "a folder reached twice is read once: {paths:?}");
    assert!(paths.contains(&"huge.csv") && paths.contains(&".exo-statistics.csv"), "{paths:?}");
}

#[test]
fn archives_and_concatenated_csv_stop_the_run_and_a_row_of_commas_is_no_row() {
    let dir = tempfile::tempdir().expect("temp");
    let (input, path, text) = tenant_file("contoso-ps51", dir.path(), "exo-mailboxes.csv");
    // A row of empty fields, as Excel leaves under a table: no phantom object, the same audit.
    let width = text.lines().nth(1).expect("header").split("\",\"").count();
    std::fs::write(&path, format!("{text}{}\r\n", ",".repeat(width - 1))).expect("write");
    let (code, stderr, _) = run_on(&input, &dir.path().join("out0"));
    assert_eq!(code, Some(0), "{stderr}");
    let findings = |d: &str| -> usize { serde_json::from_slice::<Value>(&std::fs::read(dir.path().join(d).join("findings.json")).expect("json")).expect("json")["findings"].as_array().map_or(0, Vec::len) };
    assert_eq!(run_on(&fixtures().join("contoso-ps51"), &dir.path().join("base")).0, Some(0));
    assert_eq!(findings("out0"), findings("base"));
    // A second export appended, BOM and header included.
    std::fs::write(&path, format!("{text}\u{feff}{}", text.trim_start_matches('\u{feff}'))).expect("write");
    refused(&input, &dir.path().join("out1"), "the header again (\"ExternalDirectoryObjectId\", …): two exports were put into one file");
    // Compressed: gzip, and a zip that is no workbook.
    std::fs::write(&path, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]).expect("write");
    refused(&input, &dir.path().join("out2"), "error: exo-mailboxes.csv: a gzip-compressed file");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
    zip.start_file("exo-mailboxes.csv", zip::write::SimpleFileOptions::default()).expect("zip");
    std::io::Write::write_all(&mut zip, text.as_bytes()).expect("zip");
    zip.finish().expect("zip");
    refused(&input, &dir.path().join("out3"), "error: exo-mailboxes.csv: a zip archive, not an .xlsx workbook (it holds \"exo-mailboxes.csv\"): exports inside an archive are not read");
}

#[test]
fn lines_are_counted_alike_whatever_ends_them() {
    // The reader's line of a record lags by one after a line that ends in CRLF: calibrated on CRLF, every
    // line of an LF file (PowerShell 7 on Linux or macOS) was one too far, and of an old-Mac CR file line 2;
    // calibrated on the header line, a file mixing both had every other line wrong.
    let dir = tempfile::tempdir().expect("temp");
    let findings = |out: &Path| -> Value { serde_json::from_slice::<Value>(&std::fs::read(out.join("findings.json")).expect("json")).expect("json")["findings"].clone() };
    let base = dir.path().join("base");
    assert_eq!(run_on(&fixtures().join("contoso-ps51"), &base).0, Some(0));
    // "mixed": every other line ends in LF (a file edited or pasted together): each record's own offset.
    for (name, end) in [("lf", "\n"), ("cr", "\r"), ("mixed", "")] {
        let sub = dir.path().join(name);
        std::fs::create_dir(&sub).expect("mkdir");
        let input = common::copy_tenant("contoso-ps51", &sub);
        for entry in std::fs::read_dir(&input).expect("dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "csv") {
                let text = std::fs::read_to_string(&path).expect("read");
                assert!(text.contains("\r\n"), "{}: the fixture's lines end in CRLF", path.display());
                let text = if end.is_empty() {
                    text.split("\r\n").enumerate().map(|(i, l)| if i % 2 == 0 { format!("{l}\r\n") } else { format!("{l}\n") }).collect::<String>().trim_end().to_string() + "\r\n"
                } else {
                    text.replace("\r\n", end)
                };
                std::fs::write(&path, text).expect("write");
            }
        }
        let (code, stderr, _) = run_on(&input, &sub.join("out"));
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(findings(&sub.join("out")), findings(&base), "{name}: the same findings, evidence lines included");
    }
}
