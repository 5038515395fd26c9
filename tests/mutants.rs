//! Damaged exports never crash a run. Each fixture file is damaged in many seeded ways (cut short, a byte
//! changed, a quote / separator / line break / NUL / invalid UTF-8 / absurd number or date put in, a line
//! dropped or doubled) and the whole pipeline runs on the tenant with that one file replaced: ingest,
//! join, every built-in check (natively: the same code as the plugins), and on some of them every report.
//! It must not panic, and the damaged file must be accounted for: rows read, an error naming where, or
//! the reason it was not used.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use common::Rng;

const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\r\n",
    b"\n",
    b",",
    b";",
    b"\t",
    b"\0",
    b"{",
    b"]",
    b"\xff\xfe",
    b"\xc3",
    b"::",
    b"-",
    b"1e999",
    b"99999999999999999999999",
    b"-9223372036854775808",
    b"\"\\/Date(-999999999999999)\\/\"",
    b"31/31/9999 25:61:61",
    b"0000-00-00T00:00:00Z",
    b"{00000000-0000-0000-0000-000000000000}",
    b"System.Byte[]",
    b"SMTP:",
    b"X500:/o=(",
    b"\"value\":[",
    b"dn:: ",
    b" ",
];

fn mutate(original: &[u8], rng: &mut Rng) -> (String, Vec<u8>) {
    let mut bytes = original.to_vec();
    let at = rng.below(bytes.len() + 1);
    let what = match rng.below(6) {
        0 => {
            bytes.truncate(at);
            format!("cut at byte {at}")
        }
        1 if !bytes.is_empty() => {
            let at = at.min(bytes.len() - 1);
            let value = rng.next() as u8;
            bytes[at] = value;
            format!("byte {at} set to {value:#04x}")
        }
        2 | 3 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            bytes.splice(at..at, token.iter().copied());
            format!("{:?} put in at byte {at}", String::from_utf8_lossy(token))
        }
        _ => {
            let lines: Vec<&[u8]> = original.split_inclusive(|&b| b == b'\n').collect();
            let n = rng.below(lines.len());
            let mut out = Vec::with_capacity(original.len() + 200);
            let double = rng.below(2) == 0;
            for (i, line) in lines.iter().enumerate() {
                if i != n || double {
                    out.extend_from_slice(line);
                }
                if i == n && double {
                    out.extend_from_slice(line);
                }
            }
            bytes = out;
            format!("line {} {}", n + 1, if double { "doubled" } else { "dropped" })
        }
    };
    (what, bytes)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("fixture folder") {
        let path = entry.expect("entry").path();
        if path.is_file() && path.extension().is_some_and(|e| e != "md") {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).expect("copy");
        }
    }
}

/// The whole pipeline on `dir`; the damaged file `name` must have a report that accounts for it.
fn run_all(dir: &Path, name: &str, reports: bool) -> Result<(), String> {
    let data = hybrid_audit::ingest::load(dir, &Default::default()).map_err(|e| e.to_string())?;
    let file = data.files.iter().find(|f| f.path == name).ok_or_else(|| format!("{name} has no report"))?;
    let accounted = file.rows > 0 || file.reason.is_some() || file.error.as_ref().is_some_and(|e| !e.message.is_empty());
    if !accounted {
        return Err(format!("{name}: no rows, no error, no reason: {file:?}"));
    }
    let result = common::native_audit(&data, dir)?;
    if reports {
        let out = tempfile::tempdir().map_err(|e| e.to_string())?;
        hybrid_audit::report::write_all(&result, out.path(), &Default::default(), &|_| {}).map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))?;
    }
    Ok(())
}

#[test]
fn damaged_exports_never_crash_a_run() {
    const MUTANTS_PER_FILE: usize = 40;
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    // The panic message is in the failure list; the default hook would print each one besides.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let mut runs = 0;
    for shape in ["contoso-ps51", "contoso-mixed"] {
        let mut names: Vec<String> = std::fs::read_dir(fixtures.join(shape)).expect("shape").filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| !n.ends_with(".md")).collect();
        names.sort();
        for (f, name) in names.iter().enumerate() {
            let original = std::fs::read(fixtures.join(shape).join(name)).expect("fixture");
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((f as u64 + 1) << 32) ^ shape.len() as u64);
            for m in 0..MUTANTS_PER_FILE {
                let (what, bytes) = mutate(&original, &mut rng);
                let dir = tempfile::tempdir().expect("temp dir");
                copy_dir(&fixtures.join(shape), dir.path());
                std::fs::write(dir.path().join(name), &bytes).expect("write mutant");
                let outcome = catch_unwind(AssertUnwindSafe(|| run_all(dir.path(), name, m % 6 == 0)));
                runs += 1;
                let problem = match outcome {
                    Ok(Ok(())) => continue,
                    Ok(Err(e)) => e,
                    Err(panic) => format!("PANIC: {}", panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()),
                };
                failures.push(format!("{shape}/{name} mutant {m} ({what}): {problem}"));
            }
        }
    }
    let _ = std::panic::take_hook();
    assert!(runs >= 600, "only {runs} runs");
    assert!(failures.is_empty(), "{} of {runs} damaged tenants failed:\n{}", failures.len(), failures.join("\n"));
}
