//! Making commits durable off the writer's path: the writer's connection commits with
//! `synchronous = NORMAL` (the COMMIT writes its frames to the WAL without waiting for the
//! disk), and this thread then `fdatasync`s the WAL file and only after that lets anyone be
//! answered. Every acknowledged write is on disk exactly as with `synchronous = FULL` — the
//! WAL holds the commit frame, synced, before the answer — but the writer goes on with the
//! next batch while the disk flushes the last one, and one flush covers every batch committed
//! meanwhile.
//!
//! Measured on op 1005 (one contact) under `wrk`, 64 connections, 5 s, three alternating
//! runs on 2 cores: `FULL`, the write lane waiting on each COMMIT's fsync, 23 600–24 400
//! writes/s; this syncer with the lane's batches of 64, 23 000–24 000 (the clients all wait
//! on the same flush, so the lane still idles); with batches of 32, so that one batch is
//! flushed while the next is written, 27 000–29 600.
//! Checkpoints keep their own syncs (`NORMAL` syncs the WAL before copying it into the
//! database and the database after), so a WAL restart never loses an acknowledged commit.

use std::fs::File;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

/// What runs once a batch is durable: `Err` with why when the flush failed.
pub type AfterDurable = Box<dyn FnOnce(Result<(), String>) + Send>;

/// Which commits are on disk, shared by the syncer and everyone waiting.
#[derive(Default)]
pub struct Durability {
    /// The newest batch known durable, and the ranges whose flush failed.
    state: Mutex<Synced>,
    /// Signalled after each flush.
    flushed: Condvar,
}

/// The syncer's progress.
#[derive(Default)]
struct Synced {
    /// Every batch up to this one is durable (or failed, below).
    through: u64,
    /// Recent ranges of batches whose flush failed, with the error.
    failed: Vec<(u64, u64, String)>,
}

impl Synced {
    fn outcome(&self, epoch: u64) -> Result<(), String> {
        match self
            .failed
            .iter()
            .find(|(a, b, _)| (*a..=*b).contains(&epoch))
        {
            Some((_, _, why)) => Err(why.clone()),
            None => Ok(()),
        }
    }
}

impl Durability {
    /// Waits until batch `epoch` is durable; `Err` if its flush failed.
    pub fn wait(&self, epoch: u64) -> Result<(), String> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while s.through < epoch {
            s = self.flushed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.outcome(epoch)
    }

    /// Records a flush of everything up to `through`.
    fn flushed(&self, from: u64, through: u64, result: &Result<(), String>) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.through = s.through.max(through);
        if let Err(why) = result {
            s.failed.push((from, through, why.clone()));
            if s.failed.len() > 64 {
                s.failed.remove(0);
            }
        }
        drop(s);
        self.flushed.notify_all();
    }
}

/// A message to the syncer thread.
enum Msg {
    /// Batch `epoch` has committed (or failed to).
    Committed(u64),
    /// Run this once batch `epoch` is durable.
    After(u64, AfterDurable),
}

/// The handle the writer sends its commits to; the thread ends when it is dropped.
pub struct Syncer {
    tx: Mutex<mpsc::Sender<Msg>>,
}

impl Syncer {
    /// Starts the thread that flushes `wal` and records it in `durability`.
    pub fn start(wal: PathBuf, durability: Arc<Durability>) -> std::io::Result<Syncer> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("switchboard-sync".into())
            .spawn(move || run(&wal, &durability, &rx))?;
        Ok(Syncer { tx: Mutex::new(tx) })
    }

    fn send(&self, msg: Msg) {
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(msg);
        }
    }

    /// Notes that batch `epoch` has committed.
    pub fn committed(&self, epoch: u64) {
        self.send(Msg::Committed(epoch));
    }

    /// Runs `then` once batch `epoch` (already committed) is durable.
    pub fn after(&self, epoch: u64, then: AfterDurable) {
        self.send(Msg::After(epoch, then));
    }
}

/// The thread: gathers what arrived, flushes once for all of it, then records and answers.
fn run(wal: &std::path::Path, durability: &Durability, rx: &mpsc::Receiver<Msg>) {
    let mut through = 0u64;
    let mut waiting: Vec<(u64, AfterDurable)> = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut target = through;
        let mut take = |msg: Msg| match msg {
            Msg::Committed(e) => target = target.max(e),
            Msg::After(e, then) => waiting.push((e, then)),
        };
        take(first);
        while let Ok(msg) = rx.try_recv() {
            take(msg);
        }
        if target > through {
            let result = flush(wal);
            if let Err(why) = &result {
                tracing::error!(error = %why, "the WAL could not be flushed to disk");
            }
            durability.flushed(through + 1, target, &result);
            through = target;
        }
        let (ready, later): (Vec<_>, Vec<_>) = waiting.drain(..).partition(|(e, _)| *e <= through);
        waiting = later;
        for (epoch, then) in ready {
            let outcome = durability
                .state
                .lock()
                .map(|s| s.outcome(epoch))
                .unwrap_or_else(|_| Ok(()));
            then(outcome);
        }
    }
}

/// `fdatasync` of the WAL file: it flushes the file's pages, whichever descriptor wrote them.
fn flush(wal: &std::path::Path) -> Result<(), String> {
    match File::open(wal) {
        Ok(f) => f.sync_data().map_err(|e| e.to_string()),
        // No WAL yet: nothing was written that could be lost.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_answered_once_flushed_and_waiters_wake_then() {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("db-wal");
        std::fs::write(&wal, b"frames").unwrap();
        let durability = Arc::new(Durability::default());
        let syncer = Syncer::start(wal, durability.clone()).unwrap();
        let (tx, rx) = mpsc::channel();
        syncer.committed(1);
        syncer.committed(2);
        syncer.after(2, Box::new(move |r| tx.send(r).unwrap()));
        assert_eq!(rx.recv().unwrap(), Ok(()));
        assert_eq!(durability.wait(2), Ok(()), "batch 2 is durable");
        // A later batch is not durable before its commit is reported.
        let waiter = std::thread::spawn({
            let durability = durability.clone();
            move || durability.wait(3)
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished(), "batch 3 has not committed yet");
        syncer.committed(3);
        assert_eq!(waiter.join().unwrap(), Ok(()));
    }

    #[test]
    fn a_failed_flush_is_reported_to_the_batches_it_covered() {
        let dir = tempfile::tempdir().unwrap();
        // A WAL path under a file: opening it fails with something other than NotFound.
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let durability = Arc::new(Durability::default());
        let syncer = Syncer::start(blocker.join("db-wal"), durability.clone()).unwrap();
        let (tx, rx) = mpsc::channel();
        syncer.committed(1);
        syncer.after(1, Box::new(move |r| tx.send(r).unwrap()));
        assert!(rx.recv().unwrap().is_err());
        assert!(durability.wait(1).is_err());
    }
}
