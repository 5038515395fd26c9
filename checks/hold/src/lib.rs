//! Holds: what keeps a mailbox (and what stops it from being removed).

mod hold001;
mod hold002;
mod hold003;

/// This family's checks; `checks/builtin` bundles every family into the one built-in plugin.
pub const CHECKS: &[hybrid_audit_sdk::Check] = &[hold001::CHECK, hold002::CHECK, hold003::CHECK];

use hybrid_audit_sdk::domain::{ps_quote as ps};

#[cfg(test)]
mod testing {
    pub use hybrid_audit_sdk::testing::run as check;
}
