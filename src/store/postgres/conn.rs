//! One PostgreSQL connection as the store uses it: the client, its prepared statements (each
//! SQL text is prepared once per connection, as SQLite's statement cache does), and the
//! conversions between the store's [`Value`]s and PostgreSQL's types.
//!
//! The store's SQL is written for both engines with SQLite's `?N` placeholders; here they
//! become `$N` before PostgreSQL sees the text.

use crate::error::{Error, StoreError};
use crate::store::sql::{column_error, Param, Value};
use bytes::BytesMut;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, Row, Statement};
use std::collections::HashMap;

/// Most prepared statements a connection keeps; past it the cache starts again (the store's
/// texts are a fixed set of a few dozen, so this only bounds a mistake).
const MOST_STATEMENTS: usize = 512;

/// A pooled PostgreSQL connection with its prepared statements.
pub struct PgConn {
    /// The driver's connection; taken only when this is dropped.
    client: Option<Client>,
    /// Prepared statements by their SQL text as the store wrote it.
    statements: HashMap<String, Statement>,
}

impl PgConn {
    /// Wraps a freshly opened client.
    pub(super) fn new(client: Client) -> PgConn {
        PgConn {
            client: Some(client),
            statements: HashMap::new(),
        }
    }

    /// The driver's connection.
    pub(super) fn client(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a PgConn holds its client until dropped")
    }

    /// The prepared statement for `sql`, preparing it on first use.
    fn statement(&mut self, sql: &str) -> Result<Statement, Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        if self.statements.len() >= MOST_STATEMENTS {
            self.statements.clear();
        }
        let prepared = self.client().prepare(&numbered(sql)).map_err(engine)?;
        self.statements.insert(sql.to_owned(), prepared.clone());
        Ok(prepared)
    }

    /// Runs `sql` with `params`; the number of rows it changed. (Never inlined, here and below:
    /// every statement of the store calls these, and one copy each keeps the binary small.)
    #[inline(never)]
    pub(crate) fn execute(&mut self, sql: &str, params: &[&dyn Param]) -> Result<usize, Error> {
        let statement = self.statement(sql)?;
        let values: Vec<Value<'_>> = params.iter().map(|p| p.value()).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        let n = self.client().execute(&statement, &refs).map_err(engine)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// The rows `sql` selects with `params`.
    #[inline(never)]
    pub(crate) fn query(&mut self, sql: &str, params: &[&dyn Param]) -> Result<Vec<Row>, Error> {
        let statement = self.statement(sql)?;
        let values: Vec<Value<'_>> = params.iter().map(|p| p.value()).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        self.client().query(&statement, &refs).map_err(engine)
    }

    /// Runs `sql`, statements without parameters, as one simple query.
    #[inline(never)]
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), Error> {
        self.client().batch_execute(sql).map_err(engine)
    }
}

impl Drop for PgConn {
    /// Closes the connection on a thread of its own: the blocking client closes by running its
    /// runtime, which it may not do on a thread of the server's (the pool is dropped wherever
    /// the last handle to the store goes, an async task included).
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = std::thread::Builder::new()
                .name("switchboard-pg-close".into())
                .spawn(move || drop(client));
        }
    }
}

/// A driver error as the store's.
pub(crate) fn engine(e: postgres::Error) -> Error {
    Error::Store(StoreError::Engine(Box::new(e)))
}

/// `sql` with SQLite's placeholders (`?N`, or `?` counted from 1) as PostgreSQL's `$N`; quoted
/// strings and identifiers are left alone.
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote: Option<char> = None;
    let mut next = 1;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '?') => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    out.push_str(&digits);
                }
                continue;
            }
            (None, _) => {}
        }
        out.push(c);
    }
    out
}

/// Column `idx` of `row` as a [`Value`].
#[inline(never)]
pub(crate) fn column(row: &Row, idx: usize) -> Result<Value<'_>, Error> {
    let ty = row
        .columns()
        .get(idx)
        .ok_or_else(|| column_error(idx, "no such column".into()))?
        .type_()
        .clone();
    let get = |e: postgres::Error| column_error(idx, e.to_string());
    Ok(match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(idx)
            .map_err(get)?
            .map(Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(idx)
            .map_err(get)?
            .map(|i| Value::Int(i.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(idx)
            .map_err(get)?
            .map(|i| Value::Int(i.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(idx)
            .map_err(get)?
            .map(|b| Value::Int(b.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(idx)
            .map_err(get)?
            .map(Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(idx)
            .map_err(get)?
            .map(|f| Value::Real(f.into())),
        Type::BYTEA => row
            .try_get::<_, Option<&[u8]>>(idx)
            .map_err(get)?
            .map(Value::Blob),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => row
            .try_get::<_, Option<&str>>(idx)
            .map_err(get)?
            .map(Value::Text),
        other => return Err(column_error(idx, format!("type {other} is not read here"))),
    }
    .unwrap_or(Value::Null))
}

/// Whether the constraint `cause` reports broken (class 23: unique, foreign key, check, not
/// null), named as PostgreSQL names it.
pub(crate) fn violated(cause: &(dyn std::error::Error + Send + Sync + 'static)) -> Option<String> {
    let db = cause.downcast_ref::<postgres::Error>()?.as_db_error()?;
    db.code()
        .code()
        .starts_with("23")
        .then(|| db.constraint().unwrap_or(db.message()).to_owned())
}

/// The PostgreSQL client's error behind `e`, if that is what it is.
fn driver_error(e: &Error) -> Option<&postgres::Error> {
    match e {
        Error::Store(StoreError::Engine(cause)) => cause.downcast_ref::<postgres::Error>(),
        _ => None,
    }
}

/// Whether `e` is PostgreSQL giving up a transaction that conflicted with another (a
/// serialization failure or a deadlock): running it again from the start is safe.
pub(crate) fn is_conflict(e: &Error) -> bool {
    use postgres::error::SqlState;
    driver_error(e).and_then(|e| e.code()).is_some_and(|c| {
        *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    })
}

/// Whether `e` is the connection failing (the server went away or is shutting down, the
/// socket broke), not a statement: a type the code got wrong, or the database refusing a
/// change, is not. A restart ends every connection with `57P01` (or `57P02` after a crash)
/// before closing it.
pub(crate) fn is_closed(e: &Error) -> bool {
    use postgres::error::SqlState;
    use std::error::Error as _;
    let Error::Store(StoreError::Engine(cause)) = e else {
        return false;
    };
    let Some(e) = cause.downcast_ref::<postgres::Error>() else {
        return false;
    };
    let shutting_down = e.code().is_some_and(|c| {
        *c == SqlState::ADMIN_SHUTDOWN
            || *c == SqlState::CRASH_SHUTDOWN
            || *c == SqlState::CANNOT_CONNECT_NOW
    });
    shutting_down || e.is_closed() || e.source().is_some_and(|s| s.is::<std::io::Error>())
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().as_str().to_sql(ty, out),
                _ => i.to_sql(&Type::INT8, out),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT4 => (f as f32).to_sql(ty, out),
                _ => f.to_sql(&Type::FLOAT8, out),
            },
            Value::Text(s) => match *ty {
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                _ => s.to_sql(&Type::TEXT, out),
            },
            Value::Blob(b) => b.to_sql(&Type::BYTEA, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            numbered("SELECT a FROM t WHERE b = ?1 AND c = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = $12"
        );
        assert_eq!(
            numbered("VALUES (?, ?, '?', \"?x\")"),
            "VALUES ($1, $2, '?', \"?x\")"
        );
        assert_eq!(
            numbered("x = 'it''s ?' AND y = ?2"),
            "x = 'it''s ?' AND y = $2"
        );
    }
}
