//! ExchangeGuid and archive GUID agreement (GUID001-GUID004)

hybrid_audit_sdk::plugin!("guid", []);
