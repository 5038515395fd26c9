//! Holds: what keeps a mailbox (and what stops it from being removed).

mod hold001;

hybrid_audit_sdk::plugin!("hold", [hold001::CHECK]);
