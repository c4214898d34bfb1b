//! Unit tests of the group-commit writer: atomicity within a batch, panics, visibility, and
//! who flushes.

use super::*;
use std::sync::Arc;

fn writer() -> (Arc<Writer>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection::open(dir.path().join("db")).unwrap();
    conn.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER UNIQUE);")
        .unwrap();
    (Arc::new(Writer::new(conn)), dir)
}

fn count(w: &Writer) -> i64 {
    w.write(|c| Ok(c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
        .unwrap()
}

#[test]
fn in_wal_mode_the_syncer_flushes_and_elsewhere_each_commit_syncs_itself() {
    let synchronous = |w: &Writer| -> i64 {
        let b = w.lock();
        b.conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap()
    };
    let (w, _d) = writer();
    assert!(w.syncer.is_some());
    assert_eq!(synchronous(&w), 1, "NORMAL: the syncer flushes the WAL");
    let memory = Connection::open_in_memory().unwrap();
    memory.execute_batch("PRAGMA synchronous = FULL").unwrap();
    let w = Writer::new(memory);
    assert!(w.syncer.is_none());
    assert_eq!(synchronous(&w), 2, "FULL, as configured");
}

#[test]
fn a_failing_command_leaves_nothing_while_its_batch_neighbours_commit() {
    let (w, _d) = writer();
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let w = w.clone();
            std::thread::spawn(move || {
                w.write(|c| {
                    c.execute("INSERT INTO t VALUES (?1)", [i])?;
                    if i % 2 == 1 {
                        return Err(Error::Forbidden);
                    }
                    Ok(())
                })
            })
        })
        .collect();
    let oks = threads
        .into_iter()
        .map(|t| t.join().unwrap().is_ok())
        .filter(|ok| *ok)
        .count();
    assert_eq!(oks, 16);
    assert_eq!(count(&w), 16);
}

#[test]
fn a_panicking_command_is_rolled_back_and_the_writer_keeps_working() {
    let (w, _d) = writer();
    let w2 = w.clone();
    let r = std::thread::spawn(move || {
        w2.write(|c| -> Result<(), Error> {
            c.execute("INSERT INTO t VALUES (1)", [])?;
            panic!("boom");
        })
    })
    .join();
    assert!(r.is_err());
    w.write(|c| Ok(c.execute("INSERT INTO t VALUES (2)", [])?))
        .unwrap();
    assert_eq!(count(&w), 1);
}

#[test]
fn a_write_is_visible_to_a_fresh_connection_once_acknowledged() {
    let (w, d) = writer();
    w.write(|c| Ok(c.execute("INSERT INTO t VALUES (7)", [])?))
        .unwrap();
    let other = Connection::open(d.path().join("db")).unwrap();
    let n: i64 = other
        .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}
