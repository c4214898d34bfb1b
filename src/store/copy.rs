//! `switchboard migrate-store`: a SQLite database copied into an empty PostgreSQL one, every
//! table row for row with its ids, in one PostgreSQL transaction (all of it lands or none),
//! then checked by counting each table on both sides.
//!
//! The SQLite file is first brought to this binary's schema version (as `serve` would), then
//! read inside one read transaction: a server may keep writing it, the copy is of one moment.
//! The identity sequences are moved past the copied ids afterwards; `counters` is not copied
//! but kept by `schema_pg.sql`'s triggers as the rooms arrive, and compared like a table.

use super::postgres::PgSettings;
use super::sql::Value;
use super::Store;
use crate::error::StoreError;
use std::path::Path;

/// Every table, parents before the tables that refer to them (the order rows are copied in).
pub const TABLES: &[&str] = &[
    "accounts",
    "settings",
    "contacts",
    "contact_phones",
    "contact_mails",
    "tokens",
    "codes",
    "outbox",
    "image_captchas",
    "portraits",
    "devices",
    "device_bindings",
    "notices",
    "notice_reads",
    "ineww_profiles",
    "rooms_profiles",
    "rooms",
    "counters",
    "v4_profiles",
    "login_failures",
    "peer_failures",
];

/// Tables whose rows the copy leaves to PostgreSQL (kept by triggers), compared all the same.
const DERIVED: &[&str] = &["counters"];

/// Each table's id drawn from a sequence on PostgreSQL, moved past the copied ones.
const IDENTITIES: &[(&str, &str)] = &[
    ("accounts", "pk"),
    ("tokens", "id"),
    ("codes", "id"),
    ("outbox", "id"),
    ("devices", "pk"),
    ("notices", "pk"),
    ("rooms", "pk"),
];

/// Rows per INSERT statement.
const BATCH: usize = 200;

/// One table's rows on both sides after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// The table.
    pub table: &'static str,
    /// Its rows in the SQLite file.
    pub sqlite: i64,
    /// Its rows in PostgreSQL.
    pub postgres: i64,
}

/// Copies the SQLite database at `from` into the empty PostgreSQL database `to`; `progress`
/// hears `(table, rows copied, rows in the table)` as it goes. Refuses a PostgreSQL database
/// that already holds rows. Answers each table's count on both sides.
pub fn sqlite_to_postgres(
    from: &Path,
    to: &PgSettings,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<Vec<Counted>, StoreError> {
    if !from.exists() {
        return Err(StoreError::Other(format!(
            "{} does not exist",
            from.display()
        )));
    }
    drop(Store::open(from, 1)?); // brought to this binary's schema version
    Store::connect(to)?; // the schema, created if new
    let mut source = rusqlite::Connection::open(from)?;
    let read = source.transaction()?;
    let mut target = super::postgres::client(to)?;
    let mut tx = target.transaction().map_err(pg)?;
    for table in TABLES {
        let held: i64 = tx
            .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
            .map_err(pg)?
            .get(0);
        if held > 0 && !DERIVED.contains(table) {
            return Err(StoreError::Other(format!(
                "the PostgreSQL database is not empty ({table} holds {held} rows): \
                 migrate-store copies into an empty one only"
            )));
        }
    }
    for table in TABLES.iter().filter(|t| !DERIVED.contains(t)) {
        copy_table(&read, &mut tx, table, progress)?;
    }
    for (table, column) in IDENTITIES {
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                               COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
            ),
            &[],
        )
        .map_err(pg)?;
    }
    let mut counted = Vec::new();
    for table in TABLES {
        let sqlite: i64 =
            read.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
        let postgres: i64 = tx
            .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
            .map_err(pg)?
            .get(0);
        counted.push(Counted {
            table,
            sqlite,
            postgres,
        });
    }
    let (active_sqlite, active_pg) = (
        read.query_row(
            "SELECT value FROM counters WHERE name = 'active_rooms'",
            [],
            |r| r.get::<_, i64>(0),
        )?,
        tx.query_one(
            "SELECT value FROM counters WHERE name = 'active_rooms'",
            &[],
        )
        .map_err(pg)?
        .get::<_, i64>(0),
    );
    if let Some(c) = counted.iter().find(|c| c.sqlite != c.postgres) {
        return Err(StoreError::Other(format!(
            "{} has {} rows in the file but {} in PostgreSQL: nothing was committed",
            c.table, c.sqlite, c.postgres
        )));
    }
    if active_sqlite != active_pg {
        return Err(StoreError::Other(format!(
            "{active_sqlite} open rooms in the file but {active_pg} in PostgreSQL: nothing was committed"
        )));
    }
    tx.commit().map_err(pg)?;
    read.finish()?;
    Ok(counted)
}

/// Copies one table's rows, in rowid order, a batch of rows per statement.
fn copy_table(
    read: &rusqlite::Transaction<'_>,
    tx: &mut postgres::Transaction<'_>,
    table: &str,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<(), StoreError> {
    let columns: Vec<String> = read
        .prepare(&format!(
            "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let total: i64 = read.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
    let total = u64::try_from(total).unwrap_or_default();
    let list = columns.join(", ");
    let mut select = read.prepare(&format!("SELECT {list} FROM {table}"))?;
    let mut rows = select.query([])?;
    let mut batch: Vec<Vec<OwnedValue>> = Vec::with_capacity(BATCH);
    let mut done = 0u64;
    progress(table, 0, total);
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            values.push(OwnedValue::from(row.get_ref(i)?));
        }
        batch.push(values);
        if batch.len() == BATCH {
            insert(tx, table, &list, columns.len(), &batch)?;
            done += batch.len() as u64;
            batch.clear();
            progress(table, done, total);
        }
    }
    if !batch.is_empty() {
        insert(tx, table, &list, columns.len(), &batch)?;
        done += batch.len() as u64;
    }
    progress(table, done, total);
    Ok(())
}

/// A [`Value`] that owns its text or bytes (rows are read a batch ahead of their INSERT).
#[derive(Debug, Clone, PartialEq)]
enum OwnedValue {
    /// NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A float.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl From<rusqlite::types::ValueRef<'_>> for OwnedValue {
    fn from(v: rusqlite::types::ValueRef<'_>) -> OwnedValue {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => OwnedValue::Null,
            ValueRef::Integer(i) => OwnedValue::Int(i),
            ValueRef::Real(f) => OwnedValue::Real(f),
            ValueRef::Text(t) => match std::str::from_utf8(t) {
                Ok(s) => OwnedValue::Text(s.to_owned()),
                Err(_) => OwnedValue::Blob(t.to_vec()),
            },
            ValueRef::Blob(b) => OwnedValue::Blob(b.to_vec()),
        }
    }
}

impl OwnedValue {
    fn value(&self) -> Value<'_> {
        match self {
            OwnedValue::Null => Value::Null,
            OwnedValue::Int(i) => Value::Int(*i),
            OwnedValue::Real(f) => Value::Real(*f),
            OwnedValue::Text(s) => Value::Text(s),
            OwnedValue::Blob(b) => Value::Blob(b),
        }
    }
}

/// `INSERT INTO table (list) VALUES (…), (…)` for `rows`, ids as they were.
fn insert(
    tx: &mut postgres::Transaction<'_>,
    table: &str,
    list: &str,
    width: usize,
    rows: &[Vec<OwnedValue>],
) -> Result<(), StoreError> {
    let mut sql = format!("INSERT INTO {table} ({list}) OVERRIDING SYSTEM VALUE VALUES ");
    let mut n = 0;
    for (r, _) in rows.iter().enumerate() {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    let values: Vec<Value<'_>> = rows.iter().flatten().map(OwnedValue::value).collect();
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> = values.iter().map(|v| v as _).collect();
    tx.execute(&sql, &params).map_err(pg)?;
    Ok(())
}

fn pg(e: postgres::Error) -> StoreError {
    StoreError::Engine(Box::new(e))
}
