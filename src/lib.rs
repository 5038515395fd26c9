//! hybrid-audit: audits Microsoft 365 / Exchange hybrid mailbox provisioning from offline directory
//! exports. Data flows one way: files → detected sources → typed tables → joined identities.

pub mod ingest;
pub mod inspect;
pub mod join;
pub mod model;
pub mod values;
