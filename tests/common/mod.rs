//! Shared by the test crates: the pipeline in-process, a fixture tenant to change.
// Each test crate uses part of it.
#![allow(dead_code)]

use hybrid_audit::audit::{self, Engine};
use hybrid_audit::findings::Audit;
use hybrid_audit::ingest::Dataset;
use std::path::{Path, PathBuf};

/// The audit of `data` (read from `dir`) as of the fixtures' date: join, then every built-in check run
/// natively (the same code the plugins are compiled from).
pub fn native_audit(data: &Dataset, dir: &Path) -> Result<Audit, String> {
    let joined = hybrid_audit::join::join(data);
    let options = audit::Options { as_of: hybrid_audit_sdk::Date::from_ymd(2026, 11, 22).ok_or("date")?, engine: Engine::Native, ..Default::default() };
    audit::run(data, &joined, dir, &options)
}

/// A fixture tenant (`fixtures/<shape>`) copied into `dir/in`, for a run on a changed folder.
pub fn copy_tenant(shape: &str, dir: &Path) -> PathBuf {
    let input = dir.join("in");
    std::fs::create_dir(&input).expect("mkdir");
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(shape)).expect("fixtures") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, input.join(path.file_name().expect("name"))).expect("copy");
    }
    input
}

/// The ps51 tenant copied into `dir/in` with one msExchMailboxGuid mistyped (`…4eZZ`, Theo Thorn's on
/// ad-users.csv line 4): a value that is there but cannot be read.
pub fn ps51_with_mistyped_guid(dir: &Path) -> PathBuf {
    let input = copy_tenant("contoso-ps51", dir);
    let ad = input.join("ad-users.csv");
    let text = std::fs::read_to_string(&ad).expect("read");
    let good = "a7f1bb48-0312-4713-a17f-b856270c4e02";
    assert_eq!(text.matches(good).count(), 1, "Theo's msExchMailboxGuid, once");
    std::fs::write(&ad, text.replace(good, "a7f1bb48-0312-4713-a17f-b856270c4eZZ")).expect("write");
    input
}

/// xorshift64*: damage made from a fixed seed, the same on every run and machine, so a failure names a
/// case that can be made again (no dependency for it).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
