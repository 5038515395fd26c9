//! Licensing (LIC001-LIC006)

hybrid_audit_sdk::plugin!("lic", []);
