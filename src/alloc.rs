//! The allocator both executables use (mimalloc v3, linked through the `mimalloc` crate), tuned for a
//! batch run whose memory peak is the product's limit.
//!
//! mimalloc keeps freed pages resident for `purge_delay` ms (1000 by default in v3) before it gives them
//! back, so memory freed while the tables grow (the old buffer of a grown `Vec`, a file's read buffers,
//! per-record scratch) still counts in the peak. Purging at once measured, at 800k identities, ingest +
//! join peak RSS 1,507 → 1,321 MiB with no measurable change in time (see README, benchmark).

/// `mi_option_purge_delay` in mimalloc v3's `mimalloc.h` (`libmimalloc-sys`' own constants are those
/// of v2); a test checks it is the option whose default is 1000 ms.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Called first thing in `main`, before any thread starts (mimalloc documents `mi_option_set` as not
/// thread-safe): freed memory goes back to the system at once.
pub fn purge_freed_memory_at_once() {
    // SAFETY: a plain integer option, set while the process has one thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn purge_delay_is_the_option_we_set() {
        // SAFETY: reads an integer option nothing in the test process sets.
        let default = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        // 1000 unless the environment overrides it (MIMALLOC_PURGE_DELAY).
        let expected = std::env::var("MIMALLOC_PURGE_DELAY").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
        assert_eq!(default, expected, "option {} is not mimalloc v3's purge_delay: update MI_OPTION_PURGE_DELAY", super::MI_OPTION_PURGE_DELAY);
    }
}
