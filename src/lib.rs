//! hybrid-audit: audits Microsoft 365 / Exchange hybrid mailbox provisioning from offline directory
//! exports. Data flows one way: files → detected sources → typed tables → joined identities →
//! checks (wasm plugins) → findings → writers.

pub mod alloc;
pub mod audit;
pub mod digests;
pub mod findings;
pub mod host;
pub mod ingest;
pub mod inspect;
pub mod join;
pub mod model;
mod prefetch;
pub mod record;
pub mod report;
pub mod values;

/// `n` and the words that agree with it: `1 row carries`, `2 rows carry` (every count a person reads).
pub fn counted(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}
