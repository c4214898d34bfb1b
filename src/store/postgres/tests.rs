//! The PostgreSQL engine's own behaviour, on the run's PostgreSQL server
//! (`SWITCHBOARD_TEST_DATABASE_URL`); on a SQLite run these do nothing.

use super::{Fate, PgStore};
use crate::error::Error;
use crate::store::sql::params;
use crate::store::{testing, Backend};
use std::cell::Cell;

/// A PostgreSQL store on a fresh database, or `None` on a SQLite run.
fn pg_store() -> Option<PgStore> {
    match testing::store().0.engine {
        Backend::Postgres(p) => Some(p),
        Backend::Sqlite(_) => None,
    }
}

#[test]
fn what_became_of_a_transaction_is_read_back_by_its_id() {
    let Some(pg) = pg_store() else {
        return;
    };
    let xid = "SELECT txid_current()";
    let committed: i64 = pg.write(|tx| tx.one(xid, params![], |r| r.get(0))).unwrap();
    let rolled_back = Cell::new(0);
    let failed = pg.write(|tx| {
        rolled_back.set(tx.one(xid, params![], |r| r.get(0))?);
        Err::<(), _>(Error::NotFound("anything"))
    });

    assert!(failed.is_err());
    assert!(matches!(pg.fate(committed), Some(Fate::Committed)));
    assert!(matches!(pg.fate(rolled_back.get()), Some(Fate::Aborted)));
}

#[test]
fn a_write_whose_connection_was_ended_before_its_commit_runs_again_on_another() {
    let Some(pg) = pg_store() else {
        return;
    };
    pg.write(|tx| tx.batch("CREATE TABLE runs (n BIGINT)"))
        .unwrap();
    let attempts = Cell::new(0);

    // The first attempt's own connection is ended under it, as a restart ends it.
    let n = pg
        .write(|tx| {
            attempts.set(attempts.get() + 1);
            if attempts.get() == 1 {
                tx.batch("SELECT pg_terminate_backend(pg_backend_pid())")?;
            }
            tx.execute("INSERT INTO runs VALUES (?1)", params![attempts.get()])?;
            tx.one("SELECT COUNT(*) FROM runs", params![], |r| r.get::<i64>(0))
        })
        .unwrap();

    assert_eq!(attempts.get(), 2);
    assert_eq!(n, 1, "only the second attempt's row is there");
}

#[test]
fn four_nodes_starting_at_once_on_an_empty_database_apply_the_schema_once() {
    let Some(settings) = testing::fresh_postgres(1) else {
        return;
    };
    let at_once = std::sync::Barrier::new(4);
    let opened: Vec<Result<PgStore, _>> = std::thread::scope(|s| {
        let nodes: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    at_once.wait();
                    PgStore::open(&settings)
                })
            })
            .collect();
        nodes.into_iter().map(|n| n.join().unwrap()).collect()
    });

    let stores: Vec<PgStore> = opened
        .into_iter()
        .map(|o| o.unwrap_or_else(|e| panic!("a node did not start: {e}")))
        .collect();
    let count = |sql: &str| stores[3].read(|c| c.one(sql, params![], |r| r.get::<i64>(0)));
    assert_eq!(count("SELECT COUNT(*) FROM schema_version").unwrap(), 1);
    assert_eq!(
        count("SELECT version FROM schema_version").unwrap(),
        crate::store::SCHEMA_VERSION
    );
}
