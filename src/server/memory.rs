//! Keeping an idle server small on glibc (elsewhere these do nothing).
//!
//! [`tune`]: after the first large free, glibc raises its mmap threshold, so each argon2id
//! hash's multi-MiB working buffer then comes from the heap and stays there (an idle server
//! held ~7 MiB more after one login). A fixed threshold returns such buffers to the system
//! after every hash; two arenas suffice for a few blocking threads.
//!
//! [`trim`]: what a burst of requests freed stays in glibc's heaps until something returns it.
//! The server calls `malloc_trim` once it has gone a whole housekeeping tick (200 ms) without
//! a request after serving some, so an idle box gives back what a burst borrowed.

/// Sets glibc's allocator tunables; call once at start-up, before any other thread exists.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    const M_MMAP_THRESHOLD: i32 = -3;
    const M_ARENA_MAX: i32 = -8;
    extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    // SAFETY: mallopt only adjusts allocator tunables; it is called once at start-up, before
    // any other thread exists.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 256 * 1024);
        mallopt(M_ARENA_MAX, 2);
    }
}

/// Returns the free memory at the top and inside glibc's heaps to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn trim() {
    extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: malloc_trim only releases free memory; it is safe to call from any thread.
    unsafe {
        malloc_trim(0);
    }
}

/// Does nothing off glibc.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}

/// Does nothing off glibc.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim() {}
