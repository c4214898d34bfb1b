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

/// A new store holding one account, the `n`th uid, with this phone; answers its pk.
pub fn store_with_account(n: u128, phone: &str) -> (Store, i64, tempfile::TempDir) {
    let (store, dir) = store();
    let pk = store
        .write(|tx| account(tx, Uuid::from_u128(n), phone))
        .unwrap();
    (store, pk, dir)
}
