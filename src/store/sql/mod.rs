//! The store's statements, engine-neutral: a table module writes one SQL text and runs it on a
//! [`Tx`], whichever engine is behind it (SQLite's file or PostgreSQL). Parameters go in as
//! [`Param`]s (`params![…]`), columns come out as [`Column`]s; both travel as one [`Value`],
//! SQLite's five storage classes, so a statement means the same thing on either engine.
//!
//! The SQL is the subset both engines read alike: `?N` placeholders (PostgreSQL gets them
//! renumbered `$N`, [`super::postgres`]), `INSERT … ON CONFLICT`, `RETURNING` instead of
//! `last_insert_rowid()`. Where the engines differ in meaning (SQLite's `lower` folds ASCII
//! only, its `MAX(a, b)`), the module picks the text with [`Tx::engine`].

use super::postgres::PgConn;
use crate::error::{Error, StoreError};
use std::cell::RefCell;

/// One parameter or column value, as SQLite stores it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// SQL NULL.
    Null,
    /// Any integer (and a PostgreSQL boolean, as 0 or 1).
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// UTF-8 text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

/// The engine behind a [`Tx`], for the few statements whose text must differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// The SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// What a statement's parameter can be.
pub trait Param: Sync {
    /// The value bound for this parameter.
    fn value(&self) -> Value<'_>;
}

/// The parameters of one statement: `params![a, b]`, each a [`Param`] (exported as
/// `store::sql::params`).
#[macro_export]
macro_rules! sql_params {
    () => { &[] as &[&dyn $crate::store::sql::Param] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::store::sql::Param),+] as &[&dyn $crate::store::sql::Param] };
}
pub use crate::sql_params as params;

mod values;

/// What a column can be read as.
pub trait Column: Sized {
    /// The column's value as `Self`, or why it is not one.
    fn from_value(v: Value<'_>) -> Result<Self, String>;
}

/// One row a statement selected.
pub enum Row<'r> {
    /// A row of SQLite's.
    Sqlite(&'r rusqlite::Row<'r>),
    /// A row of PostgreSQL's.
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// Column `idx` (from 0) as a `T`.
    pub fn get<T: Column>(&self, idx: usize) -> Result<T, Error> {
        T::from_value(self.value(idx)?).map_err(|why| column_error(idx, why))
    }

    /// Column `idx` (from 0) as it is stored.
    pub fn value(&self, idx: usize) -> Result<Value<'_>, Error> {
        Ok(match self {
            Row::Sqlite(r) => sqlite_value(r.get_ref(idx)?),
            Row::Postgres(r) => super::postgres::column(r, idx)?,
        })
    }
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> Value<'_> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        // Text SQLite holds that is not UTF-8 cannot have come from here: read as bytes.
        ValueRef::Text(t) => std::str::from_utf8(t).map_or(Value::Blob(t), Value::Text),
        ValueRef::Blob(b) => Value::Blob(b),
    }
}

/// A column that is not what the code reads it as: a store failure naming the column.
pub(super) fn column_error(idx: usize, why: String) -> Error {
    Error::Store(StoreError::Other(format!("column {idx}: {why}")))
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(i),
            Value::Real(f) => ValueRef::Real(f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// An open connection inside a read or a write transaction, as [`super::Store::read`] and
/// [`super::Store::write`] hand it to their closures. Handlers name this, never a driver.
pub struct Tx<'c> {
    conn: Conn<'c>,
}

enum Conn<'c> {
    Sqlite(&'c rusqlite::Connection),
    Postgres(RefCell<&'c mut PgConn>),
}

/// The parameters as SQLite binds them.
fn sqlite_params<'p>(
    params: &'p [&'p dyn Param],
) -> rusqlite::ParamsFromIter<impl Iterator<Item = Value<'p>>> {
    rusqlite::params_from_iter(params.iter().map(|p| p.value()))
}

impl<'c> Tx<'c> {
    /// Statements on SQLite connection `conn`.
    pub(super) fn sqlite(conn: &'c rusqlite::Connection) -> Tx<'c> {
        Tx {
            conn: Conn::Sqlite(conn),
        }
    }

    /// Statements on PostgreSQL connection `conn`.
    pub(super) fn postgres(conn: &'c mut PgConn) -> Tx<'c> {
        Tx {
            conn: Conn::Postgres(RefCell::new(conn)),
        }
    }

    /// Which engine runs the statements.
    pub fn engine(&self) -> Engine {
        match self.conn {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (its pragmas); `None` on PostgreSQL.
    #[cfg(test)]
    pub(super) fn as_sqlite(&self) -> Option<&'c rusqlite::Connection> {
        match self.conn {
            Conn::Sqlite(c) => Some(c),
            Conn::Postgres(_) => None,
        }
    }

    /// Runs `sql` (a cached statement) with `params`; answers how many rows it changed.
    #[inline(never)]
    pub fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<usize, Error> {
        match &self.conn {
            Conn::Sqlite(c) => Ok(c.prepare_cached(sql)?.execute(sqlite_params(params))?),
            Conn::Postgres(c) => c.borrow_mut().execute(sql, params),
        }
    }

    /// The first row `sql` selects with `params`, mapped by `map`; `None` when it selects none.
    pub fn first<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        map: impl FnOnce(&Row<'_>) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        let mut map = Some(map);
        let mut out = None;
        self.visit(sql, params, true, &mut |r| {
            if let Some(map) = map.take() {
                out = Some(map(r)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row `sql` selects with `params`, mapped by `map`; an error when it selects
    /// none (a statement that always yields a row: a count, an `INSERT … RETURNING`).
    pub fn one<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        map: impl FnOnce(&Row<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.first(sql, params, map)?
            .ok_or_else(|| Error::Store(StoreError::Other(format!("no row from {sql}"))))
    }

    /// Every row `sql` selects with `params`, each given to `each` in order.
    pub fn each(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut each: impl FnMut(&Row<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.visit(sql, params, false, &mut each)
    }

    /// Every row `sql` selects with `params`, mapped by `map`.
    pub fn rows<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut map: impl FnMut(&Row<'_>) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        self.visit(sql, params, false, &mut |r| {
            out.push(map(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Gives `visit` the rows `sql` selects with `params` (only the first when `first`). One
    /// copy for every statement of the store, not one per caller: the engines' code is most
    /// of what a statement compiles to.
    #[inline(never)]
    fn visit(
        &self,
        sql: &str,
        params: &[&dyn Param],
        first: bool,
        visit: &mut dyn FnMut(&Row<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        match &self.conn {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(sqlite_params(params))?;
                while let Some(r) = rows.next()? {
                    visit(&Row::Sqlite(r))?;
                    if first {
                        break;
                    }
                }
                Ok(())
            }
            Conn::Postgres(c) => {
                let rows = c.borrow_mut().query(sql, params)?;
                let take = if first { 1 } else { rows.len() };
                rows.iter()
                    .take(take)
                    .try_for_each(|r| visit(&Row::Postgres(r)))
            }
        }
    }

    /// Runs `sql`, several statements without parameters (no cache).
    pub fn batch(&self, sql: &str) -> Result<(), Error> {
        match &self.conn {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(c) => c.borrow_mut().batch(sql),
        }
    }
}

/// Whether `e` is the engine refusing a change that breaks a constraint (a unique key taken,
/// a reference to nothing, a check).
pub(super) fn is_constraint(e: &Error) -> bool {
    violated(e).is_some()
}

/// The constraint `e` reports broken, as the engine names it (SQLite: its message, e.g.
/// `UNIQUE constraint failed: accounts.username`; PostgreSQL: the constraint's name, e.g.
/// `accounts_username_key`), when `e` is a constraint violation.
pub(super) fn violated(e: &Error) -> Option<String> {
    let Error::Store(StoreError::Engine(cause)) = e else {
        return None;
    };
    if let Some(e) = cause.downcast_ref::<rusqlite::Error>() {
        return match e {
            rusqlite::Error::SqliteFailure(f, m)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Some(m.clone().unwrap_or_default())
            }
            _ => None,
        };
    }
    super::postgres::violated(cause.as_ref())
}

/// Whether the violation `e` is of the unique key on `table.column` (each engine names it
/// its own way: see [`violated`]).
pub(super) fn is_unique_on(e: &Error, table: &str, column: &str) -> bool {
    violated(e).is_some_and(|v| {
        v.contains(&format!("{table}.{column}")) || v.starts_with(&format!("{table}_{column}_"))
    })
}
