//! Cache prefetch hints, for loops that visit data lying far apart in memory in an order they know ahead:
//! the checks' encoding (each identity's rows in several tables) and the workbook's Readiness sheet (the
//! roster in verdict-then-name order). A hint only: on x86-64 `prefetcht0`, elsewhere nothing.

/// Asks the CPU to bring in the cache lines of `len` bytes from `start`.
#[inline(always)]
pub(crate) fn range(start: *const u8, len: usize) {
    #[cfg(target_arch = "x86_64")]
    if len > 0 {
        let line = |p: *const u8| {
            // SAFETY: a prefetch is a hint: it never faults (any address may be given), reads no value
            // into the program and writes nothing.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast()) }
        };
        let mut offset = 0;
        while offset < len {
            line(start.wrapping_add(offset));
            offset += 64;
        }
        line(start.wrapping_add(len - 1));
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (start, len);
}

/// The cache lines of one value.
#[inline(always)]
pub(crate) fn value<T>(value: &T) {
    range((value as *const T).cast(), std::mem::size_of::<T>());
}

/// The cache lines of a slice's items.
#[inline(always)]
pub(crate) fn slice<T>(items: &[T]) {
    range(items.as_ptr().cast(), std::mem::size_of_val(items));
}
