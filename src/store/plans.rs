//! Test only: the query plan of every hot statement, read from the store's own `const`s (the
//! text each function prepares), fails on a `SCAN` of a table that grows with users; and every
//! foreign key's column leads an index, so that deleting an account cascades by lookups.
//!
//! On SQLite the planner runs on a new database without statistics (as in production, where
//! `ANALYZE` never runs), so it plans for large tables. On PostgreSQL (the run's
//! `SWITCHBOARD_TEST_DATABASE_URL`) each statement's generic plan — what a prepared statement
//! runs — is read with sequential scans switched off: a `Seq Scan` left in it is a table no
//! index can serve.

use super::sql::{params, Engine};
use super::{
    accounts, codes, contacts, devices, media, outbox, profiles, rooms, throttle, tokens, Store,
};
use crate::domain::{ContactMail, ContactPhone};
use rusqlite::Connection;

/// Scanning these is fine: they hold a fixed handful of rows, whatever the number of users.
/// (`CONSTANT ROW` is a SELECT without a table.)
const SMALL: &[&str] = &["CONSTANT ROW", "counters", "settings"];

/// Every statement a request runs on a hot path: (what, SQL text as prepared), as `engine`
/// runs it.
fn hot(engine: Engine) -> Vec<(&'static str, String)> {
    let (book, prune_accounts) = match engine {
        Engine::Sqlite => (contacts::BOOK, throttle::PRUNE_ACCOUNTS),
        Engine::Postgres => (contacts::BOOK_PG, throttle::PRUNE_ACCOUNTS_PG),
    };
    let fixed: &[(&str, &str)] = &[
        (
            "token by digest (every authenticated request)",
            tokens::FIND,
        ),
        ("token touch", tokens::TOUCH),
        ("session: prune expired tokens", tokens::PRUNE_EXPIRED),
        ("session: prune idle tokens", tokens::PRUNE_IDLE),
        ("session: keep newest tokens", tokens::KEEP_NEWEST),
        ("account by phone", accounts::BY_PHONE),
        ("account by username", accounts::BY_USERNAME),
        ("account by pk (HelpAged user info)", accounts::BY_PK),
        ("account by uid", accounts::BY_UID),
        ("INEWW profile (INEWW session)", profiles::GET),
        ("contacts count by owner", contacts::COUNT),
        ("a whole book (op 1009)", book),
        ("contact get", contacts::GET),
        ("rooms: open count", rooms::COUNT_ACTIVE),
        ("rooms: page", rooms::ACTIVE_PAGE),
        ("rooms: one room", rooms::ROOM),
        ("code: last created for a phone", codes::LAST_CREATED),
        (
            "code: latest unused by phone and purpose",
            codes::LATEST_UNUSED,
        ),
        ("code: retire older", codes::RETIRE),
        ("code by digest (sms validate)", codes::LIVE_DIGEST),
        ("code: prune", codes::PRUNE_CODES),
        ("outbox by phone", outbox::OF_PHONE),
        ("outbox: prune", outbox::PRUNE),
        ("outbox: next due (delivery loop)", outbox::NEXT_DUE),
        ("outbox: claim due rows (delivery loop)", outbox::CLAIM),
        ("outbox: count by state (metrics)", outbox::COUNT),
        ("device by token", devices::BY_TOKEN),
        ("captcha: purge expired", media::PURGE_CAPTCHAS),
        ("login throttle: account's failures", throttle::ACCOUNT),
        ("login throttle: prune quiet accounts", prune_accounts),
        ("login throttle: prune past minutes", throttle::PRUNE_PEERS),
        ("logout of a pair", tokens::DELETE_PAIR),
        ("captcha: take", media::TAKE_CAPTCHA),
    ];
    let mut all: Vec<_> = fixed.iter().map(|&(n, s)| (n, s.to_string())).collect();
    let one = "contact items of one contact";
    all.push((
        one,
        contacts::sql::<ContactPhone>(contacts::ITEMS_OF_CONTACT),
    ));
    all.push((
        one,
        contacts::sql::<ContactMail>(contacts::ITEMS_OF_CONTACT),
    ));
    all
}

/// The plan lines of `sql` that scan a table outside [`SMALL`] (tables by name or alias).
fn scans(conn: &Connection, sql: &str) -> Vec<String> {
    let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    // Parameters stay unbound (NULL): the plan does not depend on them.
    let mut rows = st.raw_query();
    let mut found = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        let detail: String = r.get(3).unwrap();
        let table = detail.strip_prefix("SCAN ");
        if table.is_some_and(|t| !SMALL.iter().any(|s| t.starts_with(s))) {
            found.push(detail);
        }
    }
    found
}

/// A SQLite store, whatever the run's engine: these plans are SQLite's.
fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Store::open(&dir.path().join("db"), 1).unwrap(), dir)
}

#[test]
fn no_hot_statement_scans_a_table_that_grows_with_users() {
    let (store, _dir) = store();
    let found: Vec<String> = store
        .read(|c| {
            let found = hot(Engine::Sqlite).into_iter().flat_map(|(what, sql)| {
                scans(c.as_sqlite().expect("plans are SQLite's"), &sql)
                    .into_iter()
                    .map(move |line| format!("{what}: {line}"))
            });
            Ok(found.collect())
        })
        .unwrap();
    assert!(found.is_empty(), "hot statements scan: {found:#?}");
}

#[test]
fn the_plan_check_sees_a_scan_when_there_is_one() {
    let (store, _dir) = store();
    let old_outbox = "SELECT phone FROM outbox WHERE ?1 IS NULL OR phone = ?1 ORDER BY id";
    let counted = "SELECT COUNT(*) FROM rooms r WHERE r.created_at > ?1";
    let (a, b) = store
        .read(|c| {
            Ok((
                scans(c.as_sqlite().unwrap(), old_outbox),
                scans(c.as_sqlite().unwrap(), counted),
            ))
        })
        .unwrap();
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(b.len(), 1, "{b:?}");
    assert!(store
        .read(|c| Ok(scans(c.as_sqlite().unwrap(), rooms::COUNT_ACTIVE)))
        .unwrap()
        .is_empty());
}

#[test]
fn every_foreign_key_column_leads_an_index_so_deleting_an_account_cascades_by_lookups() {
    let (store, _dir) = store();
    let missing: Vec<String> = store
        .read(|c| {
            let one = |sql: &str, p: &str| -> Vec<(String, i64)> {
                let mut st = c.as_sqlite().unwrap().prepare(sql).unwrap();
                let rows = st.query_map([p], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
                rows.map(Result::unwrap).collect()
            };
            let tables = one(
                "SELECT name, 0 FROM sqlite_schema WHERE type = 'table' AND ?1 = ?1",
                "",
            );
            let mut missing = Vec::new();
            for (table, _) in tables {
                // (column, 1 when it is the INTEGER PRIMARY KEY, the rowid)
                let keys = one(
                    "SELECT f.\"from\", EXISTS (SELECT 1 FROM pragma_table_info(?1) t
                         WHERE t.name = f.\"from\" AND t.pk = 1 AND t.type = 'INTEGER')
                     FROM pragma_foreign_key_list(?1) f",
                    &table,
                );
                let leading = one(
                    "SELECT (SELECT COALESCE(name, '') FROM pragma_index_info(l.name)
                             WHERE seqno = 0), 0
                     FROM pragma_index_list(?1) l",
                    &table,
                );
                for (column, rowid) in keys {
                    if rowid == 0 && !leading.iter().any(|(l, _)| *l == column) {
                        missing.push(format!("{table}.{column}"));
                    }
                }
            }
            Ok(missing)
        })
        .unwrap();
    assert!(missing.is_empty(), "no index leads with {missing:?}");
}

/// The lines of `sql`'s generic plan on PostgreSQL that scan a table outside [`SMALL`] even
/// with sequential scans switched off (`c` as [`pg_planning`] set it up).
fn pg_scans(c: &super::Tx<'_>, sql: &str) -> Result<Vec<String>, crate::error::Error> {
    c.batch(&format!(
        "PREPARE hot AS {}",
        super::postgres::numbered(sql)
    ))?;
    let n: i64 = c.one(
        "SELECT cardinality(parameter_types) FROM pg_prepared_statements WHERE name = 'hot'",
        params![],
        |r| r.get(0),
    )?;
    let execute = match n {
        0 => "EXPLAIN EXECUTE hot".to_owned(),
        _ => format!(
            "EXPLAIN EXECUTE hot({})",
            vec!["NULL"; usize::try_from(n).unwrap()].join(", ")
        ),
    };
    let plan: Vec<String> = c.rows(&execute, params![], |r| r.get(0))?;
    c.batch("DEALLOCATE hot")?;
    Ok(plan
        .into_iter()
        .filter(|line| {
            let table = line.split("Seq Scan on ").nth(1);
            let table = table.and_then(|t| t.split_whitespace().next());
            table.is_some_and(|t| !SMALL.contains(&t))
        })
        .map(|line| line.trim().to_owned())
        .collect())
}

/// Runs `f` on a PostgreSQL store set up for [`pg_scans`], or does nothing on a SQLite run.
fn pg_planning<T>(f: impl Fn(&super::Tx<'_>) -> Result<T, crate::error::Error>) -> Option<T> {
    if !super::testing::on_postgres() {
        return None;
    }
    let (store, _dir) = super::testing::store();
    let out = store.read(|c| {
        c.batch("SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan")?;
        f(c)
    });
    Some(out.unwrap())
}

#[test]
fn on_postgresql_no_hot_statement_needs_a_sequential_scan_of_a_table_that_grows() {
    let found = pg_planning(|c| {
        let mut found = Vec::new();
        for (what, sql) in hot(Engine::Postgres) {
            found.extend(
                pg_scans(c, &sql)?
                    .into_iter()
                    .map(|l| format!("{what}: {l}")),
            );
        }
        Ok(found)
    });
    if let Some(found) = found {
        assert!(found.is_empty(), "hot statements scan: {found:#?}");
    }
}

#[test]
fn on_postgresql_the_plan_check_sees_a_scan_when_there_is_one() {
    let counted = "SELECT COUNT(*) FROM rooms r WHERE r.created_at > ?1";
    let unindexed = "SELECT pk FROM accounts WHERE password_hash = ?1";
    let found = pg_planning(|c| {
        Ok((
            pg_scans(c, counted)?,
            pg_scans(c, unindexed)?,
            pg_scans(c, rooms::COUNT_ACTIVE)?,
        ))
    });
    if let Some((counted, unindexed, active)) = found {
        assert_eq!(counted.len(), 1, "{counted:?}");
        assert_eq!(unindexed.len(), 1, "{unindexed:?}");
        assert!(active.is_empty(), "{active:?}");
    }
}

#[test]
fn on_postgresql_every_foreign_key_column_leads_an_index() {
    if !super::testing::on_postgres() {
        return;
    }
    let (store, _dir) = super::testing::store();
    let missing: Vec<String> = store
        .read(|c| {
            c.rows(
                "SELECT k.conrelid::regclass::text || '.' || a.attname
                 FROM pg_constraint k
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                 WHERE k.contype = 'f' AND NOT EXISTS (
                     SELECT 1 FROM pg_index i
                     WHERE i.indrelid = k.conrelid AND i.indkey[0] = k.conkey[1])
                 ORDER BY 1",
                params![],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert!(missing.is_empty(), "no index leads with {missing:?}");
}
