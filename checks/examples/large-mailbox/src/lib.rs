//! An organisation's own checks, run by `hybrid-audit run --plugins DIR` next to the built-in ones.

mod ex001;

hybrid_audit_sdk::plugin!("example-checks", [ex001::CHECK]);
