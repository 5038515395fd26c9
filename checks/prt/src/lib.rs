//! Previous recipient type (PRT001-PRT002)

hybrid_audit_sdk::plugin!("prt", []);
