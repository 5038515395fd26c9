//! Compiles the built-in check plugins (`checks/<family>`) to wasm32 and embeds them in the binary,
//! so a consultant gets one file. A nested cargo build with its own target directory (under OUT_DIR,
//! so the outer build's lock is never contended), release profile, no debug info.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Check crates: every family, bundled by `checks/builtin` into the one built-in plugin.
const FAMILIES: &[&str] = &["hold", "guid", "prt", "lic", "prov", "sync", "res", "builtin"];
const PLUGIN_PACKAGE: &str = "hybrid-audit-checks";
const PLUGIN_FILE: &str = "hybrid_audit_checks.wasm";
const TARGET: &str = "wasm32-unknown-unknown";

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for dir in ["checks/sdk", "Cargo.lock"].iter().map(|d| d.to_string()).chain(FAMILIES.iter().map(|f| format!("checks/{f}"))) {
        println!("cargo:rerun-if-changed={dir}");
    }
    let target_dir = out_dir.join("wasm-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&manifest_dir)
        .args(["build", "--release", "--locked", "--target", TARGET, "--target-dir"])
        .arg(&target_dir)
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "debuginfo")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort");
    // The outer build's settings are for the host, not for wasm.
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_TARGET", "CARGO_TARGET_DIR", "CARGO_BUILD_RUSTFLAGS", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER"] {
        cmd.env_remove(var);
    }
    cmd.args(["-p", PLUGIN_PACKAGE]);
    let output = cmd.output().unwrap_or_else(|e| panic!("could not run cargo to build the check plugins: {e}"));
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("may not be installed") || stderr.contains("can't find crate for `core`") || stderr.contains("can't find crate for `std`") {
            panic!("the built-in checks compile to wasm32, whose Rust target is missing: run `rustup target add {TARGET}` (or `bash .ci/setup`)\n\n{stderr}");
        }
        panic!("building the check plugins for {TARGET} failed:\n{stderr}");
    }
    let wasm = target_dir.join(TARGET).join("release").join(PLUGIN_FILE);
    assert!(Path::new(&wasm).exists(), "the check plugin {} was not produced", wasm.display());
    let code = format!("/// The built-in plugin: (name, wasm bytes).\npub const BUILTIN: &[(&str, &[u8])] = &[(\"builtin\", include_bytes!({:?}))];\n", wasm.display().to_string());
    std::fs::write(out_dir.join("builtin_plugins.rs"), code).expect("write builtin_plugins.rs");
}
