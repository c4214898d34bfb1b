//! Tests of [`super`]: a backup under a write after every step finishes and holds one moment;
//! the copy is one checked file; refusals leave nothing behind.

use super::*;
use crate::store::{settings, Store};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Files in `dir`, by name, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A WAL database with `rows` rows in `log` (each ~200 bytes, so many pages) and their count
/// in `meta`; every later write keeps `meta.n` equal to the rows in `log`.
fn ledger(path: &Path, rows: i64) -> Connection {
    let c = Connection::open(path).unwrap();
    c.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE log (id INTEGER PRIMARY KEY, body BLOB NOT NULL);
         CREATE TABLE meta (k TEXT PRIMARY KEY, n INTEGER NOT NULL);
         INSERT INTO meta VALUES ('n', 0);",
    )
    .unwrap();
    for _ in 0..rows {
        add_row(&c);
    }
    c
}

/// One transaction: a row in `log` and `meta.n` moved on with it.
fn add_row(c: &Connection) {
    c.execute_batch(
        "BEGIN IMMEDIATE;
         INSERT INTO log (body) VALUES (randomblob(200));
         UPDATE meta SET n = n + 1 WHERE k = 'n';
         COMMIT;",
    )
    .unwrap();
}

fn count(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_backup_with_a_commit_between_every_step_finishes_and_holds_the_moment_it_began() {
    // Arrange: a database of many pages and a writer committing without pause
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let setup = ledger(&db, 2_000);
    let before = count(&setup, "SELECT COUNT(*) FROM log");
    drop(setup);
    let commits = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, commits, stop) = (db.clone(), commits.clone(), stop.clone());
        std::thread::spawn(move || {
            let c = Connection::open(&db).unwrap();
            c.busy_timeout(Duration::from_secs(5)).unwrap();
            while !stop.load(Ordering::Relaxed) {
                add_row(&c);
                commits.fetch_add(1, Ordering::SeqCst);
            }
        })
    };

    // Act: one page per step, and each step waits for another commit before the next
    let out = dir.path().join("copy.db");
    let mut steps = 0u64;
    let copied = copy_in_steps(&db, &out, false, 1, &mut |_, _| {
        steps += 1;
        let seen = commits.load(Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(30);
        while commits.load(Ordering::SeqCst) == seen {
            assert!(Instant::now() < deadline, "the writer stopped committing");
            std::thread::yield_now();
        }
    });
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();

    // Assert: it ended, with writes between its steps, and the copy is one whole moment
    let copied = copied.expect("the backup finished under load");
    assert!(steps > 100, "only {steps} steps: not a multi-step backup");
    assert!(commits.load(Ordering::SeqCst) >= steps);
    let copy = Connection::open(&out).unwrap();
    let rows = count(&copy, "SELECT COUNT(*) FROM log");
    assert_eq!(rows, count(&copy, "SELECT n FROM meta"), "a torn copy");
    assert!(
        rows >= before,
        "a write committed before the backup is missing"
    );
    let live = Connection::open(&db).unwrap();
    assert!(
        count(&live, "SELECT COUNT(*) FROM log") > rows + 100,
        "the writes during the backup are not in the copy"
    );
    assert_eq!(count(&copy, "PRAGMA page_count") as u64, copied.pages);
}

#[test]
fn the_copy_is_one_checked_file_that_opens_as_a_store_with_the_data() {
    // Arrange: a live store with a value in it
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("live.db"), 1).unwrap();
    store.write(|tx| settings::put(tx, "k", b"v")).unwrap();
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let out = backups.join("copy.db");

    // Act
    let mut reports = Vec::new();
    let copied = copy_file(
        &dir.path().join("live.db"),
        &out,
        false,
        &mut |done, total| reports.push((done, total)),
    )
    .unwrap();

    // Assert: a single file of the reported size, owner-only, rollback mode, whole
    assert_eq!(
        names(&backups),
        ["copy.db"],
        "a partial or -wal file left behind"
    );
    let meta = std::fs::metadata(&out).unwrap();
    assert_eq!(meta.len(), copied.bytes);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o077, 0, "readable by others");
    }
    assert_eq!(reports.last(), Some(&(copied.pages, copied.pages)));
    let copy = Connection::open(&out).unwrap();
    let mode: String = copy
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
    drop(copy);
    let reopened = Store::open(&out, 1).unwrap();
    let got = reopened.read(|c| settings::get(c, "k")).unwrap();
    assert_eq!(got, Some(b"v".to_vec()));
}

#[test]
fn a_database_no_one_has_open_is_copied_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("closed.db");
    let store = Store::open(&db, 1).unwrap();
    store.write(|tx| settings::put(tx, "k", b"v")).unwrap();
    store.close();
    drop(store);
    // The last pooled connection may close on r2d2's worker thread a moment after the drop
    // (its connection-adding task still held the pool when the pool was built), and SQLite
    // removes the WAL only at the last close: wait for it, so the source really is closed.
    let wal = dir.path().join("closed.db-wal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while wal.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(!wal.exists(), "the WAL outlived every connection");

    let out = dir.path().join("copy.db");
    copy_file(&db, &out, false, &mut |_, _| {}).unwrap();

    assert_eq!(
        names(dir.path()),
        ["closed.db", "copy.db"],
        "files left behind"
    );
    let copy = Store::open(&out, 1).unwrap();
    assert_eq!(
        copy.read(|c| settings::get(c, "k")).unwrap(),
        Some(b"v".to_vec())
    );
}

#[test]
fn an_existing_destination_is_kept_unless_replacing_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    drop(ledger(&db, 3));
    let out = dir.path().join("copy.db");
    std::fs::write(&out, b"precious").unwrap();

    let refused = copy_file(&db, &out, false, &mut |_, _| {});
    assert!(
        matches!(refused, Err(BackupError::Exists(_))),
        "{refused:?}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    assert_eq!(names(dir.path()), ["copy.db", "live.db"]);

    copy_file(&db, &out, true, &mut |_, _| {}).unwrap();
    let copy = Connection::open(&out).unwrap();
    assert_eq!(count(&copy, "SELECT n FROM meta"), 3);
}

#[test]
fn a_missing_source_is_refused_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("absent.db");
    let out = dir.path().join("copy.db");

    let r = copy_file(&db, &out, false, &mut |_, _| {});

    assert!(matches!(r, Err(BackupError::NoSource(_))), "{r:?}");
    assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
}

#[test]
fn a_source_that_is_not_a_database_leaves_no_partial_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.txt");
    std::fs::write(&db, vec![b'x'; 8192]).unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let out = dir.path().join("copy.db");

    let garbage = copy_file(&db, &out, false, &mut |_, _| {});
    let nothing = copy_file(&empty, &out, false, &mut |_, _| {});

    assert!(
        matches!(garbage, Err(BackupError::Engine(_))),
        "{garbage:?}"
    );
    assert!(
        matches!(nothing, Err(BackupError::EmptySource(_))),
        "{nothing:?}"
    );
    assert_eq!(names(dir.path()), ["empty.db", "notes.txt"]);
}

#[test]
fn a_destination_directory_that_does_not_exist_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    drop(ledger(&db, 1));
    let out = dir.path().join("no").join("such").join("copy.db");

    let r = copy_file(&db, &out, false, &mut |_, _| {});

    let Err(BackupError::Io { path, .. }) = r else {
        panic!("{r:?}")
    };
    assert_eq!(path, dir.path().join("no").join("such"));
    assert!(!out.exists());
}
