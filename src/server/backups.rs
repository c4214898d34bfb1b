//! Scheduled backups: with `backup_dir` set, the server copies its live database there every
//! `backup_every` as `switchboard-<UTC time>.db` ([`file_name`]) while it keeps serving, then
//! deletes the oldest files so named beyond `backup_keep` ([`prune`]); no other file there is
//! ever deleted.
//!
//! ```text
//! start ── wait (backup_every after the newest backup there; none: at once) ── backup ── prune
//!       ── wait backup_every ── backup ── prune ── …            stop: lets a running one finish
//! ```
//! The copy ([`crate::store::backup`]) and the pruning run on a blocking thread, never on an
//! async worker. A failure is logged and tried again at the next tick; it never stops the
//! server.

use crate::config::Config;
use crate::store::backup::{self, Copied};
use chrono::{DateTime, NaiveDateTime, Utc};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How a backup's UTC time is written in its name, between [`PREFIX`] and [`SUFFIX`].
const STAMP: &str = "%Y%m%dT%H%M%SZ";
const PREFIX: &str = "switchboard-";
const SUFFIX: &str = ".db";

/// The running schedule (or none, when `backup_dir` is unset).
pub struct Schedule {
    /// Tells the schedule to end after any backup in progress.
    stop: Option<oneshot::Sender<()>>,
    /// The schedule's task.
    task: Option<JoinHandle<()>>,
}

impl Schedule {
    /// Starts backing up `config.db` into `config.backup_dir`, when that is set.
    pub fn start(config: &Config) -> Schedule {
        let Some(dir) = config.backup_dir.clone() else {
            return Schedule {
                stop: None,
                task: None,
            };
        };
        let plan = Plan {
            db: config.db.clone(),
            dir,
            every: config.backup_every,
            keep: config.backup_keep.max(1),
        };
        let (stop, stopped) = oneshot::channel();
        Schedule {
            stop: Some(stop),
            task: Some(tokio::spawn(plan.run(stopped))),
        }
    }

    /// Ends the schedule; a backup in progress finishes first (it is a whole copy).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// What to back up, where, how often, and how many to keep.
#[derive(Clone)]
struct Plan {
    /// The live database.
    db: PathBuf,
    /// Where the backups go.
    dir: PathBuf,
    /// Time between two backups.
    every: Duration,
    /// Backups kept.
    keep: usize,
}

impl Plan {
    /// Backs up at every tick until `stopped`.
    async fn run(self, mut stopped: oneshot::Receiver<()>) {
        let dir = self.dir.clone();
        let newest = tokio::task::spawn_blocking(move || newest(&dir))
            .await
            .ok()
            .flatten();
        let mut wait = first_wait(newest, wall_clock(), self.every);
        tracing::info!(
            dir = %self.dir.display(),
            every = %humantime::format_duration(self.every),
            keep = self.keep,
            first_in_secs = wait.as_secs(),
            "scheduled backups on"
        );
        loop {
            tokio::select! {
                biased;
                _ = &mut stopped => return,
                _ = tokio::time::sleep(wait) => {}
            }
            let plan = self.clone();
            let began = Instant::now();
            let done = tokio::task::spawn_blocking(move || plan.once(wall_clock()))
                .await
                .unwrap_or_else(|e| Err(format!("the backup thread failed: {e}")));
            let ms = began.elapsed().as_millis() as u64;
            match done {
                Ok(Made {
                    path,
                    copied,
                    pruned,
                }) => tracing::info!(
                    path = %path.display(),
                    bytes = copied.bytes,
                    pages = copied.pages,
                    ms,
                    pruned,
                    "backup written"
                ),
                Err(error) => tracing::warn!(
                    dir = %self.dir.display(),
                    error,
                    retry_in_secs = self.every.as_secs(),
                    "backup failed"
                ),
            }
            wait = self.every;
        }
    }

    /// One backup taken `at`, then the pruning (blocking).
    fn once(&self, at: DateTime<Utc>) -> Result<Made, String> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        let path = self.dir.join(file_name(at));
        let copied =
            backup::copy_file(&self.db, &path, false, &mut |_, _| {}).map_err(|e| e.to_string())?;
        let pruned = prune(&self.dir, self.keep)
            .map_err(|e| format!("backup written, pruning failed: {e}"))?
            .len();
        Ok(Made {
            path,
            copied,
            pruned,
        })
    }
}

/// What one scheduled backup did.
struct Made {
    /// The new backup.
    path: PathBuf,
    /// Its pages and bytes.
    copied: Copied,
    /// Old backups deleted after it.
    pruned: usize,
}

/// Now by the system clock: backups are named by wall-clock time, whatever clock the handlers
/// run on.
fn wall_clock() -> DateTime<Utc> {
    SystemTime::now().into()
}

/// The name of a backup taken `at`: `switchboard-20261205T140000Z.db`.
fn file_name(at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.format(STAMP))
}

/// When the backup named `name` was taken, if `name` is exactly one of [`file_name`]'s.
fn taken_at(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let at = NaiveDateTime::parse_from_str(stamp, STAMP).ok()?.and_utc();
    (at.format(STAMP).to_string() == stamp).then_some(at)
}

/// The backups in `dir` (regular files named by [`file_name`]), oldest first.
fn backups(dir: &Path) -> std::io::Result<Vec<(DateTime<Utc>, PathBuf)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(at) = name.to_str().and_then(taken_at) else {
            continue;
        };
        if entry.file_type()?.is_file() {
            found.push((at, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// When the newest backup in `dir` was taken; `None` when there is none (or no `dir`).
fn newest(dir: &Path) -> Option<DateTime<Utc>> {
    backups(dir).ok()?.pop().map(|(at, _)| at)
}

/// How long to wait for the first backup: until `every` after the newest one, at once when
/// that is past or there is none, never longer than `every` (a clock set back).
fn first_wait(newest: Option<DateTime<Utc>>, now: DateTime<Utc>, every: Duration) -> Duration {
    let Some(newest) = newest else {
        return Duration::ZERO;
    };
    let since = (now - newest).to_std().unwrap_or(Duration::ZERO);
    every.saturating_sub(since)
}

/// Deletes the oldest backups in `dir` beyond the newest `keep`; answers the deleted paths.
fn prune(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let found = backups(dir)?;
    let excess = found.len().saturating_sub(keep);
    let mut deleted = Vec::new();
    for (_, path) in found.into_iter().take(excess) {
        std::fs::remove_file(&path)?;
        deleted.push(path);
    }
    Ok(deleted)
}

#[cfg(test)]
#[path = "backups_tests.rs"]
mod tests;
