//! Online backup: a consistent copy of a live database file, taken with SQLite's backup API
//! while the server keeps writing to it, and put under its final name only once it is whole.
//!
//! ```text
//! source: BEGIN; read ── step ── step ── … ── step ── end          (one snapshot throughout)
//! copy:   <dir>/.<name>.XXXX.partial ← pages ─ journal_mode=DELETE ─ integrity_check ─ fsync
//!         ─ rename to <dir>/<name> ─ fsync <dir>
//! ```
//! SQLite restarts an online backup whenever another connection writes between two of its
//! steps, so under a steady write load a backup of many steps may never end. Here the source
//! connection holds one read transaction across all the steps: in WAL mode the writers go on
//! appending to the WAL, no step sees their commits, nothing restarts, and the copy is the
//! database exactly as it was when that transaction began. The price is that checkpoints
//! cannot move past that moment while the copy runs, so the WAL grows until it ends.
//!
//! The copy is a single self-contained file (rollback-journal mode, no `-wal` beside it) that
//! passes `PRAGMA integrity_check`, readable by its owner only (it holds password hashes).

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Pages copied per step: 1 MiB of 4 KiB pages between two progress reports.
const STEP_PAGES: i32 = 256;

/// How long a step that finds a lock busy waits before it tries again, and how many times.
const BUSY_PAUSE: Duration = Duration::from_millis(10);
const BUSY_TRIES: u32 = 1_000;

/// What a finished backup wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// Database pages copied.
    pub pages: u64,
    /// Size of the copy, in bytes.
    pub bytes: u64,
}

/// Why a backup was not made. Whatever the reason, nothing is left under the final name.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The source file does not exist (a backup never creates it).
    #[error("no database at {0}")]
    NoSource(PathBuf),
    /// The source exists but holds no database page.
    #[error("{0} is empty, not a database")]
    EmptySource(PathBuf),
    /// The destination exists and replacing it was not asked for.
    #[error("{0} already exists")]
    Exists(PathBuf),
    /// A file operation on the copy failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The database engine failed (reading the source, or writing the copy).
    #[error("backup failed: {0}")]
    Engine(crate::error::Cause),
    /// The finished copy did not pass `PRAGMA integrity_check`; it was deleted.
    #[error("the copy failed its integrity check: {0}")]
    Damaged(String),
    /// The backup kept restarting or kept finding its locks busy.
    #[error("the backup could not finish: {0}")]
    Stuck(String),
}

impl From<rusqlite::Error> for BackupError {
    fn from(e: rusqlite::Error) -> Self {
        BackupError::Engine(Box::new(e))
    }
}

/// Copies the database at `db` to `out` while other connections (the server's) keep writing
/// to it. The copy holds the database as it was when the backup began: every write committed
/// before this call is in it, none committed after it began. `progress` is called after every
/// step with (pages done, pages total). An existing `out` is refused unless `replace`.
pub fn copy_file(
    db: &Path,
    out: &Path,
    replace: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Copied, BackupError> {
    copy_in_steps(db, out, replace, STEP_PAGES, progress)
}

/// [`copy_file`] with `step_pages` pages per step (tests take one page at a time).
fn copy_in_steps(
    db: &Path,
    out: &Path,
    replace: bool,
    step_pages: i32,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Copied, BackupError> {
    if !db.is_file() {
        return Err(BackupError::NoSource(db.to_path_buf()));
    }
    if !replace && out.symlink_metadata().is_ok() {
        return Err(BackupError::Exists(out.to_path_buf()));
    }
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BackupError::Io { path, source }
    };
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned());
    let partial = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.as_deref().unwrap_or("backup")))
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(io(dir))?;
    let pages = {
        let mut copy = Connection::open(partial.path())?;
        let pages = copy_pages(db, &mut copy, step_pages, progress)?;
        seal(copy)?;
        pages
    };
    partial.as_file().sync_all().map_err(io(partial.path()))?;
    let persisted = match replace {
        true => partial.persist(out),
        false => partial.persist_noclobber(out),
    };
    persisted.map_err(|e| match e.error.kind() {
        std::io::ErrorKind::AlreadyExists => BackupError::Exists(out.to_path_buf()),
        _ => io(out)(e.error),
    })?;
    sync_dir(dir).map_err(io(dir))?;
    let bytes = std::fs::metadata(out).map_err(io(out))?.len();
    Ok(Copied { pages, bytes })
}

/// Copies every page of `db`, as of one read transaction, into `copy`; answers the count.
fn copy_pages(
    db: &Path,
    copy: &mut Connection,
    step_pages: i32,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<u64, BackupError> {
    // Never created (a missing file is an error, not a new database) and only read. Not
    // read-only: a read-only connection to a WAL database that nobody else has open would
    // leave its `-wal` and `-shm` behind, where the last read-write one removes them.
    let source = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    source.busy_timeout(Duration::from_secs(5))?;
    // The snapshot: taken at the first read, held until `snapshot` is dropped.
    let snapshot = source.unchecked_transaction()?;
    let total: u64 = snapshot.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    if total == 0 {
        return Err(BackupError::EmptySource(db.to_path_buf()));
    }
    let backup = Backup::new(&snapshot, copy)?;
    let (mut busy, mut restarts, mut last_remaining) = (0, 0, i64::MAX);
    loop {
        let step = backup.step(step_pages)?;
        let p = backup.progress();
        let (remaining, count) = (i64::from(p.remaining), i64::from(p.pagecount));
        if remaining > last_remaining {
            restarts += 1;
            if restarts > 3 {
                return Err(BackupError::Stuck("it kept restarting".into()));
            }
        }
        last_remaining = remaining;
        match step {
            StepResult::Done => {
                progress(count as u64, count as u64);
                return Ok(count as u64);
            }
            StepResult::More => {
                busy = 0;
                progress((count - remaining).max(0) as u64, count as u64);
            }
            _ => {
                busy += 1;
                if busy > BUSY_TRIES {
                    return Err(BackupError::Stuck("its locks stayed busy".into()));
                }
                std::thread::sleep(BUSY_PAUSE);
            }
        }
    }
}

/// Makes the finished copy one self-contained file and checks it, then closes it.
fn seal(copy: Connection) -> Result<(), BackupError> {
    // The pages came with the source's WAL flag; a backup needs no `-wal` beside it.
    copy.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
    let verdict: Vec<String> = copy
        .prepare("PRAGMA integrity_check")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if verdict != ["ok"] {
        return Err(BackupError::Damaged(verdict.join("; ")));
    }
    copy.close().map_err(|(_, e)| e)?;
    Ok(())
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
#[path = "backup_tests.rs"]
mod tests;
