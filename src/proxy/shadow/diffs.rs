//! The JSON-lines file of differences: one line per exchange that did not match (the request
//! id, dialect, command, verdict, rule, the first differing path and both answers), and a
//! `summary` line of every count, written periodically and at exit, that `shadow-report`
//! reads. Lines are written by their own thread behind a bounded queue; a full queue drops
//! the line and counts it.

use serde_json::Value;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;

/// Lines waiting for the disk at most.
const QUEUE: usize = 4096;

/// Where diff lines go.
pub struct Diffs {
    queue: Option<SyncSender<Value>>,
    thread: Option<JoinHandle<()>>,
    dropped: AtomicU64,
}

impl Diffs {
    /// Appends to `path` (made, readable by its owner only, when missing).
    pub fn open(path: &Path) -> Result<Diffs, String> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("switchboard-shadow-diffs".into())
            .spawn(move || write(rx, file))
            .map_err(|e| format!("cannot start the diff writer: {e}"))?;
        Ok(Diffs {
            queue: Some(tx),
            thread: Some(thread),
            dropped: AtomicU64::new(0),
        })
    }

    /// Queues one line; never waits.
    pub fn line(&self, line: Value) {
        let Some(queue) = &self.queue else { return };
        if let Err(TrySendError::Full(_)) = queue.try_send(line) {
            let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                tracing::warn!(dropped = n, "diff file queue full: lines dropped");
            }
        }
    }

    /// Writes what is queued and closes the file.
    pub fn close(mut self) {
        self.queue.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn write(rx: Receiver<Value>, file: std::fs::File) {
    let mut out = std::io::BufWriter::new(file);
    while let Ok(line) = rx.recv() {
        let ok = writeln!(out, "{line}").and_then(|_| out.flush());
        if let Err(e) = ok {
            tracing::warn!(error = %e, "cannot write the diff file");
        }
    }
    let _ = out.flush();
}
