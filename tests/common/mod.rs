//! Shared by the test crates that run the pipeline in-process.

use hybrid_audit::audit::{self, Engine};
use hybrid_audit::findings::Audit;
use hybrid_audit::ingest::Dataset;
use std::path::Path;

/// The audit of `data` (read from `dir`) as of the fixtures' date: join, then every built-in check run
/// natively (the same code the plugins are compiled from).
pub fn native_audit(data: &Dataset, dir: &Path) -> Result<Audit, String> {
    let joined = hybrid_audit::join::join(data);
    let options = audit::Options { as_of: hybrid_audit_sdk::Date::from_ymd(2026, 11, 22).ok_or("date")?, engine: Engine::Native, ..Default::default() };
    audit::run(data, &joined, dir, &options)
}
