//! Runs the walkthrough of `checks/README.md` line by line, as a new user would: `cargo new`, the SDK,
//! the example check, a wasm build, `hybrid-audit checks` and `hybrid-audit run --plugins`.

use std::path::Path;
use std::process::Command;

#[test]
fn readme_walkthrough_builds_and_runs_a_user_plugin() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(repo.join("checks/README.md")).expect("checks/README.md");
    let block = readme
        .split("<!-- walkthrough:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- walkthrough:end -->").next())
        .expect("the walkthrough markers");
    let script: String = block.lines().filter(|l| !l.starts_with("```")).collect::<Vec<_>>().join("\n");
    assert!(script.contains("cargo new") && script.contains("--plugins"), "walkthrough:\n{script}");

    let work = tempfile::tempdir().expect("temp dir");
    let binary = Path::new(env!("CARGO_BIN_EXE_hybrid-audit"));
    let path = format!("{}:{}", binary.parent().expect("bin dir").display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new("bash");
    cmd.arg("-euo").arg("pipefail").arg("-c").arg(&script).current_dir(work.path()).env("HYBRID_AUDIT", repo).env("PATH", path);
    // A user's shell has none of the outer cargo's settings (its target dir above all).
    for (key, _) in std::env::vars() {
        if (key.starts_with("CARGO_") && key != "CARGO_HOME") || key.starts_with("RUST") && key != "RUSTUP_HOME" {
            cmd.env_remove(&key);
        }
    }
    let output = cmd.output().expect("bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the walkthrough failed\nstdout:\n{stdout}\nstderr:\n{stderr}");

    // `hybrid-audit checks` listed the user's check next to the built-in ones.
    assert!(stdout.lines().any(|l| l.starts_with("EX001") && l.contains("large-mailbox") && l.contains("plugins/my_checks.wasm")), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("HOLD001")), "{stdout}");

    let json = std::fs::read_to_string(work.path().join("my-checks/report/findings.json")).expect("findings.json");
    let audit: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let ex: Vec<&serde_json::Value> = audit["findings"].as_array().expect("findings").iter().filter(|f| f["check"] == "EX001").collect();
    assert!(!ex.is_empty(), "the user check reported nothing: {}", audit["check_failures"]);
    for f in &ex {
        let evidence = f["evidence"].as_array().expect("evidence");
        assert!(evidence.iter().any(|e| e["field"] == "exo.TotalItemSize" && e["sources"][0].as_str().is_some_and(|s| s.starts_with("exo-statistics.csv:"))), "{f}");
    }
    assert!(audit["plugins"].as_array().expect("plugins").iter().any(|p| p["name"] == "example-checks"));
    // In the script a plugin's commands are printed for the operator, never run; the built-in ones run.
    let script = std::fs::read_to_string(work.path().join("my-checks/report/remediation.ps1")).expect("remediation.ps1");
    for f in &ex {
        let id = f["id"].as_str().expect("id");
        let block = script.split("\n# --- ").find(|b| b.starts_with(id)).unwrap_or_else(|| panic!("no block for {id}"));
        assert!(block.contains("Write-ManualStep") && !block.contains("Invoke-Step"), "{block}");
    }
    assert!(script.contains("Invoke-Step $f"), "the built-in checks' steps still run");
}
