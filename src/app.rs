//! Assembly: from a [`Config`] to a running context and registry.

use crate::auth::jwt::JwtKeys;
use crate::auth::passwords::Passwords;
use crate::config::Config;
use crate::ctx::{Clock, Ctx, RandomIds, SkippingClock, SystemClock};
use crate::delivery::Delivery;
use crate::dialect;
use crate::registry::{Registry, REGISTRY_TOML};
use crate::store::{outbox, settings, PgSettings, Store};
use std::sync::Arc;

/// Everything the server shares between connections.
pub struct App {
    /// Handler context.
    pub ctx: Arc<Ctx>,
    /// The route registry.
    pub registry: Arc<Registry>,
    /// The outbox's courier (also in the context); the server starts and stops its worker.
    pub delivery: Arc<Delivery>,
}

impl App {
    /// Opens the store, loads the registry and the JWT secret, and sets up code delivery.
    pub fn open(config: Config) -> Result<App, String> {
        App::open_with_clock(config, Arc::new(SystemClock))
    }

    /// [`App::open`] with another time source (in-process replays skip time with one).
    pub fn open_with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<App, String> {
        let registry = registry()?;
        let store = open_store(&config)?;
        let secret = match &config.jwt_secret {
            Some(s) => s.as_bytes().to_vec(),
            None => stored_secret(&store)?,
        };
        let delivery = Arc::new(Delivery::from_config(&config)?);
        let ctx = Ctx {
            jwt: JwtKeys::new(&secret, config.jwt_lifetime_secs),
            passwords: Passwords::new(&config)?,
            store,
            clock,
            ids: Arc::new(RandomIds::new()),
            courier: delivery.clone(),
            config: Arc::new(config),
        };
        Ok(App {
            ctx: Arc::new(ctx),
            registry: Arc::new(registry),
            delivery,
        })
    }
}

/// The store the configuration names: PostgreSQL when `database_url` is set, else the SQLite
/// file `db`.
pub fn open_store(config: &Config) -> Result<Store, String> {
    let Some(url) = &config.database_url else {
        return Store::open(&config.db, config.pool_size)
            .map_err(|e| format!("cannot open database {}: {e}", config.db.display()));
    };
    let ms = std::time::Duration::from_millis;
    let settings = PgSettings {
        url: url.expose().to_owned(),
        pool_size: config.pool_size,
        connect_timeout: ms(config.pg_connect_timeout_ms),
        pool_wait: ms(config.pg_pool_wait_ms),
        statement_timeout: ms(config.pg_statement_timeout_ms),
        write_attempts: config.pg_write_attempts,
    };
    // The driver's errors never hold the password; the URL is not repeated here.
    Store::connect(&settings).map_err(|e| format!("cannot open the PostgreSQL database: {e}"))
}

/// The registry compiled into the binary, every row checked against the decoder of its
/// dialect: a row naming a command that decoder cannot build stops the start-up, named by its
/// file row, dialect, wire key and command.
pub fn registry() -> Result<Registry, String> {
    Registry::parse_with(REGISTRY_TOML, dialect::decodable)
}

/// The JWT secret kept in the database, generated on first start.
fn stored_secret(store: &Store) -> Result<Vec<u8>, String> {
    store
        .write(|tx| match settings::get(tx, "jwt_secret")? {
            Some(s) => Ok(s),
            None => {
                let s: [u8; 32] = rand::random();
                settings::put(tx, "jwt_secret", &s)?;
                Ok(s.to_vec())
            }
        })
        .map_err(|e| format!("cannot load the JWT secret: {e}"))
}

/// Reads codes from a store's outbox, for fixture steps that need one.
pub struct StoreOutbox(pub Store);

impl crate::fixtures::OutboxSource for StoreOutbox {
    fn latest_code(&self, phone: &str) -> Option<String> {
        // The runner asks from an async task; the store blocks (PostgreSQL's client refuses
        // to run on a runtime's thread at all), so the read runs on a thread of its own.
        let read = || self.0.read(|c| outbox::list(c, Some(phone)));
        std::thread::scope(|s| s.spawn(read).join())
            .ok()?
            .ok()
            .and_then(|v| v.last().map(|e| e.code.clone()))
    }
}

/// Lets a fixture's wait step skip an in-process server's clock instead of sleeping.
impl crate::fixtures::ClockSkip for SkippingClock {
    fn skip(&self, secs: u64) {
        self.advance(secs);
    }
}
