//! The built-in plugin: every check family in one wasm module.
//!
//! One module rather than one per family: the SDK runtime (allocator, formatting, postcard) is compiled
//! by cranelift once instead of seven times, and each identity of a batch is decoded once for all 27
//! checks instead of once per family — measured in the benchmark (see the README). The families stay
//! separate crates for their code, docs and unit tests.

hybrid_audit_sdk::plugin!(
    "builtin",
    checks_of [
        hybrid_audit_checks_hold::CHECKS,
        hybrid_audit_checks_guid::CHECKS,
        hybrid_audit_checks_prt::CHECKS,
        hybrid_audit_checks_lic::CHECKS,
        hybrid_audit_checks_prov::CHECKS,
        hybrid_audit_checks_sync::CHECKS,
        hybrid_audit_checks_res::CHECKS,
    ]
);

#[cfg(test)]
mod tests {
    use hybrid_audit_sdk::testing::assert_documented;

    #[test]
    fn the_whole_catalog_documented_once_each() {
        let checks = super::PLUGIN.checks;
        assert_eq!(checks.len(), 27, "domain.md §4 lists 27 checks");
        let mut ids: Vec<&str> = checks.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), checks.len(), "check ids are unique");
        for check in checks {
            assert_documented(check);
        }
    }
}
