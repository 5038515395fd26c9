//! Provisioning (PROV001-PROV007)

hybrid_audit_sdk::plugin!("prov", []);
