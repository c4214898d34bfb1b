//! Writes whose COMMIT the caller does. The server's write lane runs short write commands one
//! after another on the writer's own thread: under [`deferring`], each `Store::write` runs in
//! its savepoint of the open batch and returns at once, reads go to the writer's connection
//! (so a command sees the batch it is part of), and the lane commits the batch with
//! [`Store::commit_deferred`] when no command is waiting, then answers each command once
//! [`Store::settled`] says its batch is durable.
//!
//! [`Store::commit_deferred`]: super::Store::commit_deferred
//! [`Store::settled`]: super::Store::settled

use std::cell::Cell;

thread_local! {
    /// `Some(batch)` while this thread runs a closure under [`deferring`]: the newest batch
    /// one of its writes joined (0 before any write).
    static DEFERRING: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Runs `f` with this thread's writes left to the caller to commit; answers what `f` returned
/// and the batch its writes joined, if it wrote.
pub fn deferring<T>(f: impl FnOnce() -> T) -> (T, Option<u64>) {
    /// Restores the outer state however `f` ends, panics included.
    struct Restore(Option<u64>);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEFERRING.set(self.0);
        }
    }
    let _restore = Restore(DEFERRING.replace(Some(0)));
    let out = f();
    let batch = DEFERRING.get().filter(|b| *b > 0);
    (out, batch)
}

/// Whether this thread's writes are deferred.
pub(super) fn active() -> bool {
    DEFERRING.get().is_some()
}

/// Notes that a deferred write joined `batch`.
pub(super) fn joined(batch: u64) {
    if let Some(seen) = DEFERRING.get() {
        DEFERRING.set(Some(seen.max(batch)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::store::{settings, Store};

    fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        (Store::open(&dir.path().join("db"), 2).unwrap(), dir)
    }

    #[test]
    fn a_deferred_write_is_seen_by_its_batch_and_nobody_else_until_committed() {
        let (s, _d) = store();
        let (value, batch) = deferring(|| {
            s.write(|tx| settings::put(tx, "k", b"v")).unwrap();
            // The lane's own reads see the open batch.
            s.read(|c| settings::get(c, "k")).unwrap()
        });
        assert_eq!(value, Some(b"v".to_vec()));
        let batch = batch.expect("the write joined a batch");
        // Another connection still sees the last committed state.
        let elsewhere = std::thread::scope(|t| {
            t.spawn(|| s.read(|c| settings::get(c, "k")).unwrap())
                .join()
                .unwrap()
        });
        assert_eq!(elsewhere, None);
        s.commit_deferred();
        s.committed(batch).unwrap();
        assert_eq!(
            s.read(|c| settings::get(c, "k")).unwrap(),
            Some(b"v".to_vec())
        );
    }

    #[test]
    fn a_failed_deferred_write_leaves_nothing_and_its_neighbours_commit() {
        let (s, _d) = store();
        let (_, first) = deferring(|| s.write(|tx| settings::put(tx, "a", b"1")));
        let (failed, _) = deferring(|| {
            s.write(|tx| -> Result<(), Error> {
                settings::put(tx, "b", b"2")?;
                Err(Error::Forbidden)
            })
        });
        assert!(failed.is_err());
        s.commit_deferred();
        s.committed(first.unwrap()).unwrap();
        assert_eq!(
            s.read(|c| settings::get(c, "a")).unwrap(),
            Some(b"1".to_vec())
        );
        assert_eq!(s.read(|c| settings::get(c, "b")).unwrap(), None);
    }

    #[test]
    fn a_plain_writer_commits_a_batch_the_lane_left_open() {
        let (s, _d) = store();
        let (_, batch) = deferring(|| s.write(|tx| settings::put(tx, "a", b"1")));
        // A write from another thread ends the batch: both are durable when it returns.
        std::thread::scope(|t| {
            t.spawn(|| s.write(|tx| settings::put(tx, "b", b"2")).unwrap());
        });
        s.committed(batch.unwrap()).unwrap();
        let other = std::thread::scope(|t| {
            t.spawn(|| s.read(|c| settings::get(c, "a")).unwrap())
                .join()
                .unwrap()
        });
        assert_eq!(other, Some(b"1".to_vec()));
    }

    #[test]
    fn the_state_ends_with_the_closure_even_when_it_panics() {
        let panicked = std::panic::catch_unwind(|| deferring(|| panic!("boom")));
        assert!(panicked.is_err());
        assert!(!active());
        let ((), batch) = deferring(|| assert!(active()));
        assert_eq!(batch, None, "no write, no batch to wait for");
    }
}
