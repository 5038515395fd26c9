//! The allocator both executables use (mimalloc v3, linked through the `mimalloc` crate), tuned for a
//! batch run whose memory peak is the product's limit.
//!
//! mimalloc keeps freed pages resident for `purge_delay` ms (1000 by default in v3) before it gives them
//! back, so memory freed while the tables grow (the old buffer of a grown `Vec`, a file's read buffers,
//! per-record scratch) still counts in the peak. Purging at once measured, at 800k identities, ingest +
//! join peak RSS 1,507 → 1,321 MiB with no measurable change in time (see README, benchmark). But at
//! once means an `madvise` (and a TLB shootdown on every core) each time a page empties: the checks
//! stage, whose per-record scratch fills and empties pages all the time, spent 5-8% of its time there.
//! A delay of 100 ms keeps such a page for the next record and still returns the tables' old buffers
//! long before the peak. 800k identities (2026-11-24, bench `child-checks`, 4 rounds per setting, same
//! binary): checks 2.26–2.33 s purging at once, 2.17–2.28 s at 10 ms, 2.09–2.13 s at 100 ms (mimalloc's
//! own 1000 ms: 2.06–2.13 s); whole-run peak RSS (`child-run`, twice each) 1,354–1,359 MiB at once,
//! 1,365–1,371 at 100 ms, 1,392–1,395 at 1000 ms.

/// `mi_option_purge_delay` in mimalloc v3's `mimalloc.h` (`libmimalloc-sys`' own constants are those
/// of v2); a test checks it is the option whose default is 1000 ms.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long an emptied page is kept for reuse before it is given back.
const PURGE_DELAY_MS: std::ffi::c_long = 100;

/// Called first thing in `main`, before any thread starts (mimalloc documents `mi_option_set` as not
/// thread-safe): freed memory goes back to the system within `PURGE_DELAY_MS` (100 ms).
pub fn purge_freed_memory_soon() {
    // SAFETY: a plain integer option, set while the process has one thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) }
}

/// Called first thing in `main`: this process's memory is mapped in 4 KiB pages only, never in transparent
/// huge pages.
///
/// mimalloc asks for huge pages on its arenas (`madvise(MADV_HUGEPAGE)`), and with Linux's THP `defrag`
/// setting at its default (`madvise`) a page fault in such a region that finds no free 2 MiB page stalls
/// to reclaim and compact memory first. The exports a run reads fill the page cache just before the
/// tables are built, so free memory is in small pieces exactly when ingest touches its ~1.4 GB: at 800k
/// identities (2026-11-25, bench `child-ingest`, 3 alternating pairs) system time 2.4–3.6 → 0.8–1.0 s,
/// ingest + join 4.6–5.2 → 3.9–4.1 s, peak RSS 1,385–1,393 → 1,348–1,356 MB. The price is TLB misses where
/// the tables are read far apart: the checks stage 1.39–1.49 → 1.42–1.48 s (`child-checks`, 8 rounds
/// each), the reports unchanged. The setting is inherited by child processes; nothing here starts any.
pub fn small_pages_only() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: a plain system call with integer arguments; on failure (a kernel before 3.15) the
        // process keeps the system's setting, which is only slower.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
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
