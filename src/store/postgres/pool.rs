//! How a node reaches PostgreSQL: the settings, the pool's connection manager (each
//! connection set up with the statement timeout and keeping its prepared statements), and a
//! lone connection for the store's copy.

use super::PgConn;
use crate::error::StoreError;
use std::str::FromStr;
use std::time::Duration;

/// How to reach PostgreSQL and how patiently.
#[derive(Debug, Clone)]
pub struct PgSettings {
    /// `postgres://user:password@host:port/database?…` (libpq's URL or key=value form).
    pub url: String,
    /// Most pooled connections of this node.
    pub pool_size: u32,
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// How long a request waits for a pooled connection before its store-failure answer.
    pub pool_wait: Duration,
    /// Longest a statement may run (PostgreSQL's `statement_timeout`), also the bound on a
    /// silent network (`tcp_user_timeout`).
    pub statement_timeout: Duration,
    /// How many times a command is run in all when it conflicted with another node's write or
    /// lost its connection before committing.
    pub write_attempts: u32,
}

/// Opens connections for the pool, each set up with the statement timeout.
#[derive(Debug)]
pub(super) struct Manager {
    config: postgres::Config,
    setup: String,
}

impl Manager {
    /// The manager of connections as `settings` describe them.
    pub(super) fn new(settings: &PgSettings) -> Result<Manager, StoreError> {
        Ok(Manager {
            config: config(settings)?,
            setup: setup(settings),
        })
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        let mut client = self.config.connect(postgres::NoTls)?;
        client.batch_execute(&self.setup)?;
        Ok(PgConn::new(client))
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), postgres::Error> {
        conn.client().simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client().is_closed()
    }
}

/// The driver's settings for `settings`: its URL, with the connect timeout (unless the URL
/// has one), keepalives, and a bound on a silent network.
fn config(settings: &PgSettings) -> Result<postgres::Config, StoreError> {
    let mut config = postgres::Config::from_str(&settings.url)
        .map_err(|e| StoreError::Other(format!("database_url: {e}")))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(settings.connect_timeout);
    }
    config
        .application_name("switchboard")
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .tcp_user_timeout(settings.statement_timeout + Duration::from_secs(5));
    Ok(config)
}

/// What every new connection runs first: the statement timeout, also for a transaction left
/// idle.
fn setup(settings: &PgSettings) -> String {
    format!(
        "SET statement_timeout = {ms}; SET idle_in_transaction_session_timeout = {ms};",
        ms = settings.statement_timeout.as_millis().max(1)
    )
}

/// A connection of its own (not pooled), set up as the pool's are: for the store's copy.
/// No statement timeout: a copy of a large database runs long statements.
pub(crate) fn connection(settings: &PgSettings) -> Result<PgConn, StoreError> {
    let client = config(settings)?.connect(postgres::NoTls).map_err(engine)?;
    Ok(PgConn::new(client))
}

/// A driver error as the store's.
pub(super) fn engine(e: postgres::Error) -> StoreError {
    StoreError::Engine(Box::new(e))
}
