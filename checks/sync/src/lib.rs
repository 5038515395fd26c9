//! Directory synchronisation (SYNC001-SYNC003)

hybrid_audit_sdk::plugin!("sync", []);
