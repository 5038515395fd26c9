//! Recipient types (RES001-RES002)

mod res001;
mod res002;

/// This family's checks; `checks/builtin` bundles every family into the one built-in plugin.
pub const CHECKS: &[hybrid_audit_sdk::Check] = &[res001::CHECK, res002::CHECK];

use hybrid_audit_sdk::domain::{ps_quote as ps, onprem_name, ad_account, cloud_recipient};


#[cfg(test)]
mod testing {
    pub use hybrid_audit_sdk::testing::run as check;
}
