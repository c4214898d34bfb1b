//! The SQLite engine: one file in WAL mode, a pool of reading connections (r2d2), and one
//! writing connection whose commands share COMMITs ([`super::writer`], group commit). The
//! default engine, and the only one with the write lane and the answer cache's generation.

use super::sql::Tx;
use super::{deferred, migrations, waiting, writer};
use crate::error::{Error, StoreError};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// `PRAGMA data_version` of `conn`: it changes when another connection commits.
fn data_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

/// Set on every connection: durability of every acknowledged commit, foreign keys, a wait
/// instead of an error when another process holds the write lock, and a page cache of 512 KiB
/// (SQLite's default, 2 MiB, held per connection — six of them — kept 1.7 MiB more resident on
/// an idle server after the benchmark's preparation; reads mostly come from the answer cache,
/// and the OS keeps the file's pages anyway).
const PRAGMAS: &str = "PRAGMA foreign_keys = ON;
     PRAGMA synchronous = FULL;
     PRAGMA busy_timeout = 5000;
     PRAGMA cache_size = -512;";

/// Set on the writer's connection only: the journal of each command's SAVEPOINT (the
/// original of every page the command changes, kept so that a failing command can roll back
/// alone) lives in memory, not in a temporary file. In a file it cost 18 `pwrite` calls per
/// op 1005 (one contact): measured with `strace -c` under `wrk`, 213 108 writes for 11 901
/// requests. It holds at most a batch's changed pages and is dropped at each COMMIT.
const WRITER_PRAGMAS: &str = "PRAGMA temp_store = MEMORY;";

/// The SQLite engine's handle (cheap to clone).
#[derive(Clone)]
pub struct SqliteStore {
    /// Pooled connections, each set up with WAL, foreign keys and a busy timeout.
    pool: r2d2::Pool<SqliteConnectionManager>,
    /// The one writing connection, batching concurrent commands into shared commits.
    writer: Arc<writer::Writer>,
    /// A connection that only watches `PRAGMA data_version`, and the last value it read: it
    /// changes when another connection — another process's included — commits.
    watch: Arc<Mutex<(Connection, i64)>>,
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path, pool_size: u32) -> Result<SqliteStore, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode = WAL;")?;
        migrations::migrate(&mut conn)?;
        conn.execute_batch(PRAGMAS)?;
        conn.execute_batch(WRITER_PRAGMAS)?;
        let manager = SqliteConnectionManager::file(path).with_init(|c| c.execute_batch(PRAGMAS));
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(1))
            .build(manager)?;
        let watcher = Connection::open(path)?;
        let version = data_version(&watcher)?;
        Ok(SqliteStore {
            pool,
            writer: Arc::new(writer::Writer::new(conn)),
            watch: Arc::new(Mutex::new((watcher, version))),
        })
    }

    /// The store's generation: it moves on at every COMMIT of this process (before the
    /// writers in it are answered) and when [`Store::notice_outside_writes`] sees another
    /// process's. An answer computed from reads that began at generation `g` is current while
    /// the generation is still `g` (the answer cache's rule).
    pub fn generation(&self) -> u64 {
        self.writer.generation()
    }

    /// Moves the generation on if another process (the command line against the live file)
    /// has committed since the last call. The server calls it a few times a second.
    pub fn notice_outside_writes(&self) -> Result<(), StoreError> {
        let mut watch = self
            .watch
            .lock()
            .map_err(|_| StoreError::Other("watch poisoned".into()))?;
        let version = data_version(&watch.0)?;
        if version != watch.1 {
            watch.1 = version;
            self.writer.changed();
        }
        Ok(())
    }

    /// Hands back what SQLite holds in memory beyond its open statements (each idle
    /// connection's page cache, the writer's included); called when the server goes idle.
    /// Connections busy with a command keep theirs.
    pub fn release_memory(&self) {
        let mut idle = Vec::new();
        while let Some(conn) = self.pool.try_get() {
            let _ = conn.execute_batch("PRAGMA shrink_memory;");
            idle.push(conn); // held, so the next `try_get` returns another one
        }
        drop(idle);
        let _ = self
            .writer
            .read(|conn| Ok(conn.execute_batch("PRAGMA shrink_memory;")?));
    }

    /// Runs `f` on a pooled connection (reads see one consistent snapshot per statement).
    pub fn read<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, Error>) -> Result<T, Error> {
        if deferred::active() {
            return self.writer.read(|c| f(&Tx::sqlite(c)));
        }
        let conn = self.connection()?;
        f(&Tx::sqlite(&conn))
    }

    /// A pooled connection: under [`without_waiting`] only an idle one, else wait for one.
    fn connection(&self) -> Result<r2d2::PooledConnection<SqliteConnectionManager>, Error> {
        if waiting::refused() {
            self.pool
                .try_get()
                .ok_or(Error::Store(StoreError::WouldBlock))
        } else {
            Ok(self.pool.get()?)
        }
    }

    /// Runs `f` on a pooled connection inside one read transaction: every statement sees the
    /// same snapshot, so an answer assembled from several queries (contacts by uid, then each
    /// one's phones and mails) never mixes states around a concurrent write.
    pub fn snapshot<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, Error>) -> Result<T, Error> {
        if deferred::active() {
            // Inside the writer's transaction, which nobody else changes while `f` runs.
            return self.writer.read(|c| f(&Tx::sqlite(c)));
        }
        let conn = self.connection()?;
        // DEFERRED: the snapshot is taken at the first read and held until the end.
        let tx = conn.unchecked_transaction()?;
        let out = f(&Tx::sqlite(&tx))?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` atomically: when it returns `Ok` its writes are durably committed before this
    /// returns; when it returns `Err` nothing it wrote remains.
    pub fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, Error>) -> Result<T, Error> {
        if waiting::refused() {
            return Err(Error::Store(StoreError::WouldBlock));
        }
        self.writer.write(|c| f(&Tx::sqlite(c)))
    }

    /// The writer's batch sizes and COMMIT latency, for `/metrics`.
    pub fn write_metrics(&self) -> writer::WriteMetrics {
        self.writer.metrics()
    }

    /// Commits the batch the write lane's deferred writes left open (see [`deferred`]).
    pub fn commit_deferred(&self) {
        self.writer.commit_open();
    }

    /// Whether batch `batch` (as [`deferring`] answered it) committed, once it has ended: an
    /// error if its COMMIT failed. It may not be on disk yet: answer its commands from
    /// [`Store::when_durable`].
    pub fn committed(&self, batch: u64) -> Result<(), Error> {
        self.writer.committed(batch)
    }

    /// Runs `then` once batch `batch`, committed, is on disk (`Err` with why if the flush
    /// failed): every acknowledged write is durable, as with `synchronous = FULL`.
    pub fn when_durable(&self, batch: u64, then: impl FnOnce(Result<(), String>) + Send + 'static) {
        self.writer.when_durable(batch, Box::new(then))
    }

    /// Checkpoints the WAL into the main file; called at shutdown.
    pub fn close(&self) {
        self.writer.checkpoint();
    }
}
