//! Recipient types (RES001-RES002)

hybrid_audit_sdk::plugin!("res", []);
