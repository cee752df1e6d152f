//! Giving the C heap's freed memory back to the system.
//!
//! A call leaves tens of megabytes freed but kept inside glibc's malloc:
//! GStreamer's streaming threads each allocate from an arena of their own,
//! and an arena gives memory back only from its top, which a few live
//! allocations keep pinned. `malloc_trim(0)` walks every arena and returns
//! each whole free page (`madvise(MADV_DONTNEED)`), so a box that waits
//! after a call costs about what it did before one.

/// Returns the C heap's free pages to the system; call it when much was
/// just freed (the capture torn down, the start-up's warm-up done). Takes a
/// few milliseconds; only glibc has `malloc_trim`, elsewhere nothing is done.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    trim();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn trim() {
    // SAFETY: malloc_trim takes no pointers and is thread-safe (it locks
    // each arena in turn); 0 keeps no extra padding at the heap's top.
    let returned = unsafe { libc::malloc_trim(0) };
    tracing::debug!(returned = returned != 0, "heap trimmed");
}
