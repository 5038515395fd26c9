//! Previous recipient type (PRT001-PRT002)

mod prt001;
mod prt002;

/// This family's checks; `checks/builtin` bundles every family into the one built-in plugin.
pub const CHECKS: &[hybrid_audit_sdk::Check] = &[prt001::CHECK, prt002::CHECK];

use hybrid_audit_sdk::domain::{ps_quote as ps};

use hybrid_audit_sdk::Identity;

/// `PreviousRecipientTypeDetails` when it records a previous mailbox (Get-User shows `None` otherwise).
fn previous_type(i: &Identity) -> Option<&str> {
    i.exo_previous_recipient_type_details.as_deref().map(str::trim).filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("None"))
}

#[cfg(test)]
mod testing {
    pub use hybrid_audit_sdk::testing::run as check;
}
