//! The suite on PostgreSQL: with `SWITCHBOARD_TEST_DATABASE_URL` set (a server where the tests
//! may create databases, e.g. `postgres://postgres@127.0.0.1:5432/postgres`), every
//! [`super::Server`] runs on a fresh database of its own there instead of a SQLite file.
//! `.ci/run` runs the whole suite a second time that way, on a throwaway cluster.
//!
//! The few tests about the SQLite file itself (its backups, its WAL, upgrades of old files)
//! say so with [`sqlite_only`] and are skipped on PostgreSQL.

use std::sync::atomic::{AtomicU32, Ordering};

/// The variable naming the PostgreSQL server to test on.
pub const URL_VAR: &str = "SWITCHBOARD_TEST_DATABASE_URL";

/// Whether this run is on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var_os(URL_VAR).is_some_and(|v| !v.is_empty())
}

/// `true` (and a line on stderr saying why the test did nothing) when the run is on
/// PostgreSQL: for tests of the SQLite file itself.
pub fn sqlite_only(what: &str) -> bool {
    let skip = on_postgres();
    if skip {
        eprintln!("skipped on PostgreSQL: {what} is SQLite's");
    }
    skip
}

/// A new, empty database on the test server, as a URL; `None` when the run is on SQLite.
pub fn fresh_database() -> Option<String> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let admin = std::env::var(URL_VAR).ok().filter(|v| !v.is_empty())?;
    let name = format!(
        "sbtest_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    // The blocking client runs a runtime of its own: not on a thread inside the test's.
    // Two statements: neither may run inside a transaction, which one batch would be.
    let statements = [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ];
    let url = admin.clone();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{URL_VAR}: cannot connect: {e}"));
        for sql in statements {
            client
                .batch_execute(&sql)
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        }
    })
    .join()
    .expect("database created");
    Some(with_database(&admin, &name))
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|j| start + j))
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..authority_end])
}
