//! Plugins that misbehave, one per way: each must end as a named check failure while the rest of the
//! run goes on (the built-in checks still report), never as a crash or a silent pass.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hybrid-audit"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/contoso-ps51")
}

/// A manifest (the SDK's layout) with one check, as a wat string literal.
fn manifest(abi: u32, check: &str, fields: &[&str]) -> String {
    fn s(out: &mut Vec<u8>, text: &str) {
        out.extend((text.len() as u32).to_le_bytes());
        out.extend(text.as_bytes());
    }
    let mut b = b"HAM1".to_vec();
    b.extend(abi.to_le_bytes());
    s(&mut b, "hostile");
    s(&mut b, "0.0.1");
    b.extend(1u32.to_le_bytes());
    s(&mut b, check);
    s(&mut b, "hostile-check");
    s(&mut b, "high");
    b.extend((fields.len() as u32).to_le_bytes());
    for f in fields {
        s(&mut b, f);
    }
    b.extend(0u32.to_le_bytes());
    s(&mut b, "# X001 hostile-check");
    b.iter().map(|x| format!("\\{x:02x}")).collect()
}

/// A plugin module: the manifest, exports, and the given evaluate body (and extra items).
fn module(manifest: &str, evaluate_body: &str, extra: &str) -> Vec<u8> {
    let text = format!(
        r#"(module
  {extra}
  (memory (export "memory") 1)
  (@custom "hybrid-audit-manifest" "{manifest}")
  (func (export "hybrid_audit_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "hybrid_audit_evaluate") (param i32) (result i64) {evaluate_body}))"#
    );
    wat::parse_str(&text).unwrap_or_else(|e| panic!("test plugin does not assemble: {e}\n{text}"))
}

struct Outcome {
    code: Option<i32>,
    json: Value,
    stdout: String,
}

fn run_with(plugin: &[u8], extra_args: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().expect("temp dir");
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).expect("mkdir");
    std::fs::write(plugins.join("hostile.wasm"), plugin).expect("write plugin");
    let out = dir.path().join("out");
    let output = Command::new(binary())
        .arg("run")
        .arg(fixtures())
        .arg("--out")
        .arg(&out)
        .args(["--as-of", "2026-11-22", "--plugin-timeout", "1", "--plugins"])
        .arg(&plugins)
        .args(extra_args)
        .output()
        .expect("run the binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "the host panicked: {stderr}");
    let json = std::fs::read_to_string(out.join("findings.json")).unwrap_or_else(|e| panic!("no findings.json ({e}); stderr: {stderr}"));
    Outcome { code: output.status.code(), json: serde_json::from_str(&json).expect("findings.json is JSON"), stdout: String::from_utf8_lossy(&output.stdout).into_owned() }
}

/// The failure recorded for the hostile plugin; also checks the built-in checks still reported.
fn failure_of(o: &Outcome) -> (String, String, Vec<String>) {
    assert_eq!(o.code, Some(1), "a run with a failed check exits 1 (incomplete): {}", o.stdout);
    let builtin_hold = o.json["findings"].as_array().expect("findings").iter().filter(|f| f["check"] == "HOLD001").count();
    assert!(builtin_hold > 0, "the built-in checks must still run and report");
    let failures = o.json["check_failures"].as_array().expect("check_failures");
    let mine: Vec<&Value> = failures.iter().filter(|f| f["source"].as_str().is_some_and(|s| s.ends_with("hostile.wasm"))).collect();
    assert_eq!(mine.len(), 1, "one failure for the hostile plugin: {failures:?}");
    let checks = mine[0]["checks"].as_array().map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect()).unwrap_or_default();
    assert!(o.stdout.contains("CHECKS FAILED"), "the summary says the audit is incomplete");
    (mine[0]["kind"].as_str().unwrap_or("").to_string(), mine[0]["message"].as_str().unwrap_or("").to_string(), checks)
}

fn good_manifest() -> String {
    manifest(hybrid_audit_sdk::ABI_VERSION, "X001", &["exo.present"])
}

#[test]
fn endless_loop_in_evaluate_is_a_timeout() {
    let o = run_with(&module(&good_manifest(), "(loop (br 0)) (i64.const 0)", ""), &[]);
    let (kind, message, checks) = failure_of(&o);
    assert_eq!(kind, "timeout", "{message}");
    assert_eq!(checks, vec!["X001"]);
    assert!(o.json["findings"].as_array().is_some_and(|f| f.iter().all(|f| f["check"] != "X001")));
}

#[test]
fn endless_loop_in_the_start_function_is_a_timeout() {
    let o = run_with(&module(&good_manifest(), "(i64.const 0)", "(func $start (loop (br 0))) (start $start)"), &[]);
    assert_eq!(failure_of(&o).0, "timeout");
}

#[test]
fn growing_memory_without_end_is_oom() {
    let body = "(loop (br_if 0 (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) unreachable";
    let o = run_with(&module(&good_manifest(), body, ""), &["--plugin-memory", "64"]);
    let (kind, message, _) = failure_of(&o);
    assert_eq!(kind, "oom", "{message}");
}

#[test]
fn a_trap_is_a_trap() {
    let o = run_with(&module(&good_manifest(), "unreachable", ""), &[]);
    let (kind, message, _) = failure_of(&o);
    assert_eq!(kind, "trap", "{message}");
    assert!(message.contains("unreachable"), "{message}");
}

#[test]
fn malformed_output_is_invalid_output() {
    // Five 0xff bytes are no postcard Vec<Finding>.
    let garbage = module(&good_manifest(), "(i64.const 5)", r#"(data (i32.const 0) "\ff\ff\ff\ff\ff")"#);
    assert_eq!(failure_of(&run_with(&garbage, &[])).0, "invalid_output");
    // An output region outside the plugin's memory.
    let outside = module(&good_manifest(), "(i64.const 0x7fff000000000064)", "");
    assert_eq!(failure_of(&run_with(&outside, &[])).0, "invalid_output");
    // Could not decode its input.
    let refused = module(&good_manifest(), "(i64.const -1)", "");
    assert_eq!(failure_of(&run_with(&refused, &[])).0, "invalid_output");
}

#[test]
fn evidence_on_an_undeclared_field_is_invalid_output() {
    // One well-formed finding (postcard): identity 0, check "X001", severity high (3), message "m",
    // remediation "", no deadline, evidence [ad.present (field 1), no index, "v"] — but X001 declares
    // only exo.present.
    let finding = r#"\01\00\04X001\03\01m\00\00\01\01\00\01v"#;
    let plugin = module(&good_manifest(), "(i64.const 17)", &format!(r#"(data (i32.const 0) "{finding}")"#));
    let (kind, message, _) = failure_of(&run_with(&plugin, &[]));
    assert_eq!(kind, "invalid_output");
    assert!(message.contains("ad.present") && message.contains("does not declare"), "{message}");
}

#[test]
fn wrong_abi_unknown_field_or_imports_are_incompatible() {
    let wrong_abi = module(&manifest(99, "X001", &["exo.present"]), "(i64.const 0)", "");
    let (kind, message, _) = failure_of(&run_with(&wrong_abi, &[]));
    assert_eq!(kind, "incompatible");
    assert!(message.contains("ABI version 99"), "{message}");

    let unknown_field = module(&manifest(hybrid_audit_sdk::ABI_VERSION, "X001", &["ad.shoeSize"]), "(i64.const 0)", "");
    let (kind, message, _) = failure_of(&run_with(&unknown_field, &[]));
    assert_eq!(kind, "incompatible");
    assert!(message.contains("ad.shoeSize"), "{message}");

    let imports = module(&good_manifest(), "(i64.const 0)", r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))"#);
    let (kind, message, _) = failure_of(&run_with(&imports, &[]));
    assert_eq!(kind, "incompatible");
    assert!(message.contains("fd_write"), "{message}");

    let no_manifest = wat::parse_str(r#"(module (memory (export "memory") 1))"#).expect("assembles");
    let (kind, message, _) = failure_of(&run_with(&no_manifest, &[]));
    assert_eq!(kind, "incompatible");
    assert!(message.contains("manifest"), "{message}");
}

#[test]
fn a_plugin_may_not_take_a_built_in_check_id() {
    let thief = module(&manifest(hybrid_audit_sdk::ABI_VERSION, "HOLD001", &["exo.present"]), "(i64.const 0)", "");
    let (kind, message, _) = failure_of(&run_with(&thief, &[]));
    assert_eq!(kind, "incompatible");
    assert!(message.contains("HOLD001"), "{message}");
}
