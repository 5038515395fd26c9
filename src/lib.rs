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
pub mod record;
pub mod report;
pub mod values;
