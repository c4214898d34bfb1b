//! Test helpers over a real store: a temporary database, and accounts made with nothing but a
//! uid and a phone (no password anyone knows).

use super::{accounts, PgSettings, Store, Tx};
use crate::error::Error;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use uuid::Uuid;

/// The variable naming a PostgreSQL server to test on (as the integration suite's).
const URL_VAR: &str = "SWITCHBOARD_TEST_DATABASE_URL";

/// A store over a new database: a file in a temporary directory (keep the directory alive
/// with it), or, with `SWITCHBOARD_TEST_DATABASE_URL` set, a fresh PostgreSQL database there,
/// so that the handlers' and the store's own tests run on both engines.
pub fn store() -> (Store, tempfile::TempDir) {
    pooled(1)
}

/// [`store`] with a pool of `size` connections (`db` in the directory, on SQLite).
pub fn pooled(size: u32) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = match fresh_postgres(size) {
        Some(settings) => Store::connect(&settings).unwrap(),
        None => Store::open(&dir.path().join("db"), size).unwrap(),
    };
    (store, dir)
}

/// Settings for a fresh, empty PostgreSQL database with a pool of `size`, or `None` when the
/// run is on SQLite.
pub fn fresh_postgres(size: u32) -> Option<PgSettings> {
    let admin = std::env::var(URL_VAR).ok().filter(|v| !v.is_empty())?;
    Some(PgSettings {
        url: fresh_database(&admin),
        pool_size: size.max(2),
        connect_timeout: Duration::from_secs(5),
        pool_wait: Duration::from_secs(5),
        statement_timeout: Duration::from_secs(5),
        write_attempts: 20,
    })
}

/// Whether [`store`] gives PostgreSQL stores in this run.
pub fn on_postgres() -> bool {
    std::env::var(URL_VAR).is_ok_and(|v| !v.is_empty())
}

/// Creates an empty database on the server `admin` names; its URL.
fn fresh_database(admin: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "sbunit_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let config = admin.parse::<postgres::Config>().unwrap();
    let mut client = config.connect(postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    // The driver's Config has no URL form; key=value is what it parses too.
    let mut url = format!("dbname={name}");
    for (key, value) in [
        ("host", config.get_hosts().first().map(host)),
        ("port", config.get_ports().first().map(u16::to_string)),
        ("user", config.get_user().map(str::to_owned)),
        (
            "password",
            config
                .get_password()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
        ),
    ] {
        if let Some(v) = value {
            url.push_str(&format!(" {key}='{v}'"));
        }
    }
    url
}

fn host(h: &postgres::config::Host) -> String {
    match h {
        postgres::config::Host::Tcp(name) => name.clone(),
        postgres::config::Host::Unix(path) => path.display().to_string(),
    }
}

/// Inserts an account with this uid and phone in the caller's transaction; answers its pk.
pub fn account(tx: &Tx, uid: Uuid, phone: &str) -> Result<i64, Error> {
    accounts::insert(
        tx,
        &accounts::NewAccount {
            uid,
            phone,
            email: None,
            name: None,
            password_hash: "x",
            created_at: 0,
        },
    )
}

/// A new store holding one account (uid 1, phone 13000000001); answers its pk.
pub fn store_with_account() -> (Store, i64, tempfile::TempDir) {
    let (store, dir) = store();
    let pk = store
        .write(|tx| account(tx, Uuid::from_u128(1), "13000000001"))
        .unwrap();
    (store, pk, dir)
}
