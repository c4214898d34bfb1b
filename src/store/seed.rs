//! Filler data for measurements: many accounts, each with a few contacts, written straight
//! into a database so that the benchmark can show how cost grows with its size (`bench seed`).
//!
//! The database is opened (created, migrated) with [`Store::open`], so the schema is the real
//! one; then one plain connection inserts through prepared statements, one transaction per
//! [`BATCH`] accounts. Every filler account has the password `123456` under one fixed,
//! precomputed argon2id hash ([`FILLER_HASH`]), so seeding hashes nothing; its phone is `14`
//! followed by 9 digits (numbered on from the filler accounts already there, so seeding twice
//! adds), and every uid is a v4 UUID (sequence-prefixed: see `Uids`). Each contact has one phone and one mail. Not used by the
//! server.

use super::Store;
use crate::error::StoreError;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection};
use std::path::Path;
use std::time::{Duration, Instant};

/// Accounts per transaction.
pub const BATCH: u64 = 10_000;

/// argon2id (m=7168 KiB, t=5, p=1: the default cost) of `123456`, every filler's password.
pub const FILLER_HASH: &str =
    "$argon2id$v=19$m=7168,t=5,p=1$t/RcNYyTBzbEwaM/uqAndw$NCG3qwYNNQvZmG/oHq9043ADbx+QkgPx6Sygr4lo9MM";

/// The first filler phone; filler `i` has `FIRST_PHONE + i`.
const FIRST_PHONE: u64 = 14_000_000_000;

/// Most filler accounts one database can hold (the phones `14` + 9 digits).
const MAX_FILLERS: u64 = 1_000_000_000;

/// What a seeding wrote, and how long it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// Accounts inserted.
    pub accounts: u64,
    /// Contacts inserted (each with one phone and one mail).
    pub contacts: u64,
    /// Wall time, open to final checkpoint.
    pub elapsed: Duration,
}

/// Inserts `accounts` filler accounts with `contacts` contacts each into the database at
/// `path` (created if absent), calling `progress` with the running account count after every
/// committed transaction.
pub fn seed(
    path: &Path,
    accounts: u64,
    contacts: u32,
    mut progress: impl FnMut(u64),
) -> Result<Seeded, StoreError> {
    let began = Instant::now();
    drop(Store::open(path, 1)?);
    let mut conn = Connection::open(path)?;
    // The data is consistent by construction; the final checkpoint makes it durable.
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         PRAGMA synchronous = OFF;
         PRAGMA wal_autocheckpoint = 100000;
         PRAGMA cache_size = -1048576;",
    )?;
    let first: u64 = conn.query_row(
        "SELECT COUNT(*) FROM accounts WHERE phone >= '14000000000' AND phone < '15'",
        [],
        |r| r.get(0),
    )?;
    if first + accounts > MAX_FILLERS {
        return Err(StoreError::Other(format!(
            "{first} filler accounts already; {accounts} more do not fit in 14 + 9 digits"
        )));
    }
    let created_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    let mut uids = Uids {
        next: created_at as u64,
        rng: rand::rngs::StdRng::from_entropy(),
    };
    let mut done = 0;
    while done < accounts {
        let n = BATCH.min(accounts - done);
        let tx = conn.transaction()?;
        insert_batch(&tx, first + done, n, contacts, created_at, &mut uids)?;
        tx.commit()?;
        done += n;
        progress(done);
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(Seeded {
        accounts,
        contacts: accounts * u64::from(contacts),
        elapsed: began.elapsed(),
    })
}

/// v4 UUIDs (version and variant bits set, the last 74 bits random) whose first 48 bits count
/// up from the seeding's start time in microseconds, so that each unique index on a uid grows
/// at its end instead of splitting pages at random (which made seeding 1 000 000 accounts
/// several times slower). A lookup walks a tree of the same depth either way.
struct Uids<R> {
    next: u64,
    rng: R,
}

impl<R: Rng> Uids<R> {
    /// The next uid, dashed.
    fn next(&mut self) -> String {
        let mut bytes: [u8; 16] = self.rng.gen();
        bytes[..6].copy_from_slice(&self.next.to_be_bytes()[2..]);
        self.next += 1;
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    }
}

/// Fillers `from .. from + n`, in the caller's transaction.
fn insert_batch(
    tx: &Connection,
    from: u64,
    n: u64,
    contacts: u32,
    created_at: i64,
    uids: &mut Uids<impl Rng>,
) -> Result<(), StoreError> {
    let mut account = tx.prepare_cached(
        "INSERT INTO accounts (uid, phone, name, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut contact = tx.prepare_cached(
        "INSERT INTO contacts (uid, owner_pk, name, intime) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut phone = tx.prepare_cached(
        "INSERT INTO contact_phones (pid, contact_uid, phone, intime) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut mail = tx.prepare_cached(
        "INSERT INTO contact_mails (mid, contact_uid, mail, intime) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let intime = "20260101000000";
    for i in from..from + n {
        let phone_number = (FIRST_PHONE + i).to_string();
        account.execute(params![
            uids.next(),
            phone_number,
            format!("filler{i}"),
            FILLER_HASH,
            created_at
        ])?;
        let owner = tx.last_insert_rowid();
        for j in 0..contacts {
            let c = uids.next();
            contact.execute(params![c, owner, format!("contact{j}"), intime])?;
            let number = format!("139{:08}", (i * 7 + u64::from(j)) % 100_000_000);
            phone.execute(params![uids.next(), c, number, intime])?;
            let address = format!("f{i}.{j}@example.com");
            mail.execute(params![uids.next(), c, address, intime])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::params as sql_params;
    use crate::store::{accounts, contacts};

    fn count(store: &Store, table: &str) -> i64 {
        store
            .read(|c| {
                let sql = format!("SELECT COUNT(*) FROM {table}");
                c.one(&sql, sql_params![], |r| r.get(0))
            })
            .unwrap()
    }

    #[test]
    fn seeding_writes_the_counts_asked_and_a_second_seeding_adds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let mut reported = Vec::new();
        let s = seed(&path, 25, 3, |n| reported.push(n)).unwrap();
        assert_eq!((s.accounts, s.contacts), (25, 75));
        assert_eq!(reported, vec![25]);
        seed(&path, 5, 2, |_| {}).unwrap();
        let store = Store::open(&path, 1).unwrap();
        assert_eq!(count(&store, "accounts"), 30);
        assert_eq!(count(&store, "contacts"), 85);
        assert_eq!(count(&store, "contact_phones"), 85);
        assert_eq!(count(&store, "contact_mails"), 85);
        let (last, hash) = store
            .read(|c| accounts::by_phone(c, "14000000029"))
            .unwrap()
            .expect("the 30th filler");
        assert_eq!(hash, FILLER_HASH);
        assert_eq!(last.uid.get_version_num(), 4);
        let book = store.read(|c| contacts::count(c, last.pk)).unwrap();
        assert_eq!(book, 2);
        let problems: i64 = store
            .read(|c| {
                c.one(
                    "SELECT COUNT(*) FROM pragma_foreign_key_check",
                    sql_params![],
                    |r| r.get(0),
                )
            })
            .unwrap();
        assert_eq!(problems, 0);
    }

    #[test]
    fn the_filler_hash_is_the_password_123456() {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let parsed = PasswordHash::new(FILLER_HASH).unwrap();
        assert!(argon2::Argon2::default()
            .verify_password(b"123456", &parsed)
            .is_ok());
    }
}
