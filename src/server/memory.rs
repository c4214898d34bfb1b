//! Keeping an idle server small on glibc (elsewhere these do nothing).
//!
//! [`tune`]: after the first large free, glibc raises its mmap threshold, so each argon2id
//! hash's multi-MiB working buffer then comes from the heap and stays there (an idle server
//! held ~7 MiB more after one login). A fixed threshold returns such buffers to the system
//! after every hash; two arenas suffice for a few blocking threads.
//!
//! [`trim`]: what a burst of requests freed stays in glibc's heaps until something returns it,
//! and the code pages a burst (or start-up: configuration, migrations, the command line)
//! touched stay mapped — most of an idle server's resident memory is its own binary. The
//! server trims once it has gone a whole housekeeping tick (200 ms) without a request after
//! serving some — having first dropped its cached answers and SQLite's page caches, which
//! held ~12 MiB after the benchmark's loads (idle RSS 17.6 → 5.6 MiB; a cold answer costs
//! one read when traffic returns) — with `malloc_trim`, then `MADV_DONTNEED` over the read-only file mappings (code
//! and constants of the binary and its libraries). Those pages stay in the page cache; the
//! next request maps back the few it needs with minor faults. Measured on an idle server after
//! the benchmark's preparation: see README "Benchmark" (idle RSS).

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
    release_code_pages();
}

/// Unmaps the pages of read-only file mappings that hold only the file's own bytes (code,
/// constants); they stay cached by the kernel and fault back in on use. A mapping that is or
/// was writable, or holds any page of its own (relocated data made read-only afterwards), is
/// never touched: dropping those pages would lose what was written to them.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_code_pages() {
    const MADV_DONTNEED: i32 = 4;
    extern "C" {
        fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
    }
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return;
    };
    let mut candidate: Option<(usize, usize)> = None;
    for line in smaps.lines() {
        if let Some(kb) = line.strip_prefix("Anonymous:") {
            // Only a mapping without a single page of its own is released.
            let own = kb.trim().trim_end_matches("kB").trim() != "0";
            if let (Some((start, end)), false) = (candidate.take(), own) {
                // SAFETY: the range is a whole read-only file mapping of this process with no
                // page of its own, listed by the kernel just now: its pages are the file's
                // bytes, re-read on the next access, and no Rust reference can tell.
                unsafe {
                    madvise(start as *mut std::ffi::c_void, end - start, MADV_DONTNEED);
                }
            }
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
        ) else {
            continue; // a `Key: value` line of the mapping, not a mapping's header
        };
        let path = fields.nth(3).unwrap_or("");
        // `r-xp` or `r--p`: a private mapping of a file that nobody may write.
        let read_only = perms.len() == 4 && perms.as_bytes()[1] == b'-';
        candidate = (read_only && path.starts_with('/')).then_some((start, end));
    }
}

/// Does nothing off glibc.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}

/// Does nothing off glibc.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_a_trim_code_constants_and_relocated_data_still_work() {
        trim();
        // Code, string constants, and data the loader relocated (vtables, statics holding
        // pointers) are all used again: a wrongly dropped relocated page would crash here.
        let shown: Vec<String> = (0..100).map(|i| format!("{i:>3}")).collect();
        assert_eq!(shown[42], " 42");
        let value: serde_json::Value = serde_json::from_str(r#"{"k":[1,"二"]}"#).unwrap();
        assert_eq!(value["k"][1], "二");
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("db"), 2).unwrap();
        let busy = store.read(|c| {
            // A connection in use is passed over, not waited for.
            store.release_memory();
            crate::store::settings::get(c, "absent")
        });
        assert_eq!(busy.unwrap(), None);
        store.release_memory();
        trim();
        let got = store
            .read(|c| crate::store::settings::get(c, "absent"))
            .unwrap();
        assert_eq!(got, None);
    }
}
