//! Directory synchronisation (SYNC001-SYNC003)

mod sync001;
mod sync002;
mod sync003;

/// This family's checks; `checks/builtin` bundles every family into the one built-in plugin.
pub const CHECKS: &[hybrid_audit_sdk::Check] = &[sync001::CHECK, sync002::CHECK, sync003::CHECK];

use hybrid_audit_sdk::domain::{ad_account, ps_quote as ps};

#[cfg(test)]
mod testing {
    pub use hybrid_audit_sdk::testing::{guid, run as check};
}
