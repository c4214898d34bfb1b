//! `switchboard migrate-store`: a SQLite database copied into an empty PostgreSQL one, every
//! table row for row with its ids, in one PostgreSQL transaction (all of it lands or none),
//! then checked by counting each table on both sides.
//!
//! The SQLite file is first brought to this binary's schema version (as `serve` would), then
//! read inside one read transaction: a server may keep writing it, the copy is of one moment.
//! The identity sequences are moved past the copied ids afterwards; `counters` is not copied
//! but kept by `schema_pg.sql`'s triggers as the rooms arrive, and compared like a table.

use super::postgres::{store_error, PgSettings};
use super::sql::{params, Param, Tx, Value};
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
    drop(Store::connect(to)?); // the schema, created if new
    let source = rusqlite::Connection::open(from)?;
    source.execute_batch("BEGIN")?; // one moment of the file, whatever a server writes
    let read = Tx::sqlite(&source);
    let mut conn = super::postgres::connection(to)?;
    let write = Tx::postgres(&mut conn);
    write.batch("BEGIN").map_err(store_error)?;
    let copied = copy_all(&read, &write, progress);
    match copied {
        Ok(counted) => {
            write.batch("COMMIT").map_err(store_error)?;
            Ok(counted)
        }
        Err(e) => {
            let _ = write.batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Every table's rows, the sequences, and the counts compared; the caller commits.
fn copy_all(
    read: &Tx<'_>,
    write: &Tx<'_>,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<Vec<Counted>, StoreError> {
    for table in TABLES {
        let held = count(write, table)?;
        if held > 0 && !DERIVED.contains(table) {
            return Err(StoreError::Other(format!(
                "the PostgreSQL database is not empty ({table} holds {held} rows): \
                 migrate-store copies into an empty one only"
            )));
        }
    }
    for table in TABLES.iter().filter(|t| !DERIVED.contains(t)) {
        copy_table(read, write, table, progress)?;
    }
    for (table, column) in IDENTITIES {
        let next = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                           COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
        );
        write
            .one(&next, params![], |_| Ok(()))
            .map_err(store_error)?;
    }
    let mut counted = Vec::new();
    for table in TABLES {
        let (sqlite, postgres) = (count(read, table)?, count(write, table)?);
        if sqlite != postgres {
            return Err(StoreError::Other(format!(
                "{table} has {sqlite} rows in the file but {postgres} in PostgreSQL: \
                 nothing was committed"
            )));
        }
        counted.push(Counted {
            table,
            sqlite,
            postgres,
        });
    }
    let open = "SELECT value FROM counters WHERE name = 'active_rooms'";
    let open_rooms = |tx: &Tx<'_>| {
        tx.one(open, params![], |r| r.get::<i64>(0))
            .map_err(store_error)
    };
    let (in_file, in_postgres) = (open_rooms(read)?, open_rooms(write)?);
    if in_file != in_postgres {
        return Err(StoreError::Other(format!(
            "{in_file} open rooms in the file but {in_postgres} in PostgreSQL: nothing was committed"
        )));
    }
    Ok(counted)
}

/// How many rows `table` holds.
fn count(tx: &Tx<'_>, table: &str) -> Result<i64, StoreError> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    tx.one(&sql, params![], |r| r.get(0)).map_err(store_error)
}

/// Copies one table's rows, a batch of rows per INSERT.
fn copy_table(
    read: &Tx<'_>,
    write: &Tx<'_>,
    table: &str,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<(), StoreError> {
    let columns: Vec<String> = read
        .rows(
            &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
            params![],
            |r| r.get(0),
        )
        .map_err(store_error)?;
    let total = u64::try_from(count(read, table)?).unwrap_or_default();
    let list = columns.join(", ");
    let mut batch: Vec<OwnedValue> = Vec::with_capacity(BATCH * columns.len());
    let mut done = 0u64;
    progress(table, 0, total);
    read.each(&format!("SELECT {list} FROM {table}"), params![], |row| {
        for i in 0..columns.len() {
            batch.push(OwnedValue::from(row.value(i)?));
        }
        if batch.len() == BATCH * columns.len() {
            insert(write, table, &list, columns.len(), &batch)?;
            done += BATCH as u64;
            batch.clear();
            progress(table, done, total);
        }
        Ok(())
    })
    .map_err(store_error)?;
    if !batch.is_empty() {
        insert(write, table, &list, columns.len(), &batch).map_err(store_error)?;
        done += (batch.len() / columns.len()) as u64;
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

impl From<Value<'_>> for OwnedValue {
    fn from(v: Value<'_>) -> OwnedValue {
        match v {
            Value::Null => OwnedValue::Null,
            Value::Int(i) => OwnedValue::Int(i),
            Value::Real(f) => OwnedValue::Real(f),
            Value::Text(s) => OwnedValue::Text(s.to_owned()),
            Value::Blob(b) => OwnedValue::Blob(b.to_vec()),
        }
    }
}

impl Param for OwnedValue {
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

/// `INSERT INTO table (list) VALUES (…), (…)` for `values` (rows of `width`), ids as they were.
fn insert(
    write: &Tx<'_>,
    table: &str,
    list: &str,
    width: usize,
    values: &[OwnedValue],
) -> Result<(), crate::error::Error> {
    let rows = values.len() / width;
    let mut sql = format!("INSERT INTO {table} ({list}) OVERRIDING SYSTEM VALUE VALUES ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            let n = r * width + c + 1;
            sql.push_str(&if c == 0 {
                format!("?{n}")
            } else {
                format!(", ?{n}")
            });
        }
        sql.push(')');
    }
    let params: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
    write.execute(&sql, &params)?;
    Ok(())
}
