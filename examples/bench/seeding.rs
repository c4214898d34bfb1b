//! The `seed` sub-command (`bench -- seed --db PATH --accounts N [--contacts K]`) and the
//! seeding the database-size phase does in-process: filler accounts written straight into a
//! Switchboard database through `switchboard::store::seed`, with progress on stderr.

use crate::Res;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Contacts per filler account unless `--contacts` says otherwise.
pub const DEFAULT_CONTACTS: u32 = 3;

/// Runs `seed --db PATH --accounts N [--contacts K]`.
pub fn command(args: &[String]) -> Res<()> {
    let usage = "usage: bench seed --db PATH --accounts N [--contacts K]";
    let (mut db, mut accounts, mut contacts) = (None, None, DEFAULT_CONTACTS);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(usage)?;
        match flag.as_str() {
            "--db" => db = Some(PathBuf::from(value)),
            "--accounts" => accounts = Some(value.replace('_', "").parse()?),
            "--contacts" => contacts = value.parse()?,
            _ => return Err(format!("{usage} (unknown {flag:?})").into()),
        }
    }
    let (db, accounts) = (db.ok_or(usage)?, accounts.ok_or(usage)?);
    let seeded = seed(&db, accounts, contacts)?;
    println!(
        "seeded {} accounts with {} contacts (1 phone, 1 mail each) into {} in {:.1} s",
        seeded.accounts,
        seeded.contacts,
        db.display(),
        seeded.elapsed.as_secs_f64()
    );
    Ok(())
}

/// Seeds `accounts` fillers with `contacts` each into `db`, printing progress.
pub fn seed(db: &Path, accounts: u64, contacts: u32) -> Res<switchboard::store::seed::Seeded> {
    let began = Instant::now();
    let step = (accounts / 10).max(switchboard::store::seed::BATCH);
    let mut next = step;
    let seeded = switchboard::store::seed::seed(db, accounts, contacts, |n| {
        if n >= next || n == accounts {
            let s = began.elapsed().as_secs_f64();
            eprintln!("bench: seeded {n}/{accounts} accounts ({s:.1} s)");
            next = n + step;
        }
    })?;
    Ok(seeded)
}
