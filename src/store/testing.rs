//! Test helpers over a real store: a temporary database, and accounts made with nothing but a
//! uid and a phone (no password anyone knows).

use super::{accounts, Store, Tx};
use crate::error::Error;
use uuid::Uuid;

/// A store over a new database in a temporary directory; keep the directory alive with it.
pub fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Store::open(&dir.path().join("db"), 1).unwrap(), dir)
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
