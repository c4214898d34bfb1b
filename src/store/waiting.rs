//! Store calls that refuse to wait. The server runs a short read on the thread that owns the
//! connection (an async worker, where nothing may block); there the store takes a pooled
//! connection only when one is idle and refuses every write, answering
//! [`StoreError::WouldBlock`] at once and changing nothing, and the server runs the command
//! again on the blocking pool.
//!
//! [`StoreError::WouldBlock`]: crate::error::StoreError::WouldBlock

use std::cell::Cell;

thread_local! {
    /// Set while this thread runs a closure under [`without_waiting`].
    static REFUSING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with this thread's store calls refusing to wait (see the module doc).
pub fn without_waiting<T>(f: impl FnOnce() -> T) -> T {
    /// Clears the flag however `f` ends, panics included.
    struct Clear(bool);
    impl Drop for Clear {
        fn drop(&mut self) {
            REFUSING.set(self.0);
        }
    }
    let _clear = Clear(REFUSING.replace(true));
    f()
}

/// Whether this thread's store calls must not wait.
pub(super) fn refused() -> bool {
    REFUSING.get()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, StoreError};
    use crate::store::{settings, Store};

    fn would_block<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
        matches!(r, Err(Error::Store(StoreError::WouldBlock)))
    }

    #[test]
    fn a_write_is_refused_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db"), 2).unwrap();
        let r = without_waiting(|| s.write(|tx| settings::put(tx, "k", b"v")));
        assert!(would_block(r));
        assert_eq!(s.read(|c| settings::get(c, "k")).unwrap(), None);
    }

    #[test]
    fn a_read_runs_on_an_idle_connection_and_is_refused_when_none_is_idle() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db"), 1).unwrap();
        s.write(|tx| settings::put(tx, "k", b"v")).unwrap();
        let read = || s.read(|c| settings::get(c, "k"));
        assert_eq!(without_waiting(read).unwrap(), Some(b"v".to_vec()));
        // The pool's one connection is busy: the read must not wait for it.
        let busy = s.read(|_| Ok(without_waiting(read)));
        assert!(would_block(busy.unwrap()));
        let busy = s.read(|_| Ok(without_waiting(|| s.snapshot(|c| settings::get(c, "k")))));
        assert!(would_block(busy.unwrap()));
    }

    #[test]
    fn the_flag_ends_with_the_closure_even_when_it_panics() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db"), 1).unwrap();
        let panicked = std::panic::catch_unwind(|| without_waiting(|| panic!("boom")));
        assert!(panicked.is_err());
        assert!(!refused());
        s.write(|tx| settings::put(tx, "k", b"v")).unwrap();
        without_waiting(|| {
            without_waiting(|| ());
            assert!(
                refused(),
                "a nested call restores the outer state, not clears it"
            );
        });
        assert!(!refused());
    }
}
