//! Verification codes: issuing one (a minute apart per phone, its digest stored and the code
//! put in the outbox in one transaction) and redeeming one (single use, five wrong tries,
//! three minutes), each in one transaction.

use crate::auth::token_digest;
use crate::ctx::Ctx;
use crate::domain::Phone;
use crate::error::{Error, Result};
use crate::store::{codes, outbox, Tx};

/// How long a code stays valid, in seconds.
pub const CODE_TTL_SECS: i64 = 180;

/// How long a phone must wait between two codes, in seconds.
pub const THROTTLE_SECS: i64 = 60;

/// Wrong tries after which a code is dead.
pub const MAX_ATTEMPTS: i64 = 5;

/// Stores a new code for `phone` and puts it in the outbox, in one transaction, then nudges
/// the courier; refuses a second code within a minute (any purpose, any dialect) without
/// sending anything. `proof` turns the code into what the client will present (the code
/// itself, or a salted hash of it).
pub fn issue(
    ctx: &Ctx,
    phone: &Phone,
    purpose: &str,
    length: usize,
    proof: impl FnOnce(&str) -> String,
) -> Result<()> {
    let now = ctx.now_secs();
    let code = ctx.ids.digits(length);
    let presented = proof(&code);
    ctx.store.write(|tx| {
        if let Some(last) = codes::last_created(tx, phone.as_str())? {
            if now - last < THROTTLE_SECS {
                return Err(Error::Throttled);
            }
        }
        codes::insert(
            tx,
            phone.as_str(),
            purpose,
            &token_digest(&presented),
            now,
            now + CODE_TTL_SECS,
        )?;
        send(ctx, tx, phone.as_str(), &code, purpose, now)
    })?;
    ctx.courier.nudge();
    Ok(())
}

/// Puts a message (a code, a fall alert) for `phone` in the outbox inside the caller's
/// transaction, queued for delivery when the courier delivers. The caller nudges the courier
/// after its commit.
pub fn send(ctx: &Ctx, tx: &Tx, phone: &str, code: &str, purpose: &str, now: i64) -> Result<()> {
    let msg = outbox::Message {
        phone,
        code,
        purpose,
    };
    outbox::push(tx, &msg, ctx.courier.delivers(), now)
}

/// Checks `code` against the newest code for the phone and purpose inside the caller's
/// transaction. The outer `Result` is a store failure; the inner one is the verdict, so that
/// the caller can commit the counted wrong try while still failing the command.
pub fn consume(conn: &Tx, now: i64, phone: &str, purpose: &str, code: &str) -> Result<Result<()>> {
    let Some(row) = codes::latest_unused(conn, phone, purpose)? else {
        return Ok(Err(Error::BadCode));
    };
    if row.expires_at <= now || row.attempts >= MAX_ATTEMPTS {
        return Ok(Err(Error::BadCode));
    }
    if row.code_hash != token_digest(code) {
        codes::add_attempt(conn, row.id)?;
        return Ok(Err(Error::BadCode));
    }
    codes::mark_used(conn, row.id)?;
    Ok(Ok(()))
}

/// Uses up the code for `phone` and `purpose` and runs `then` in the same transaction: both
/// happen or neither does. A wrong code fails with [`Error::BadCode`] while its counted try is
/// still committed.
pub fn redeem<T>(
    ctx: &Ctx,
    phone: &str,
    purpose: &str,
    code: &str,
    mut then: impl FnMut(&Tx) -> Result<T>,
) -> Result<T> {
    let now = ctx.now_secs();
    ctx.store
        .write(|tx| match consume(tx, now, phone, purpose, code)? {
            Err(e) => Ok(Err(e)),
            Ok(()) => then(tx).map(Ok),
        })?
}

/// Whether a code that could still succeed exists (cheap check before slow work).
pub fn usable_exists(conn: &Tx, now: i64, phone: &str, purpose: &str) -> Result<bool> {
    Ok(codes::latest_unused(conn, phone, purpose)?
        .is_some_and(|r| r.expires_at > now && r.attempts < MAX_ATTEMPTS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctx::Courier;
    use crate::handlers::testing;
    use crate::store::outbox::State;
    use crate::store::Store;
    use std::sync::{Arc, Mutex};

    /// A courier that delivers, and notes at each nudge the outbox rows a reader then sees.
    struct Watching {
        store: Store,
        seen_at_nudges: Mutex<Vec<usize>>,
    }

    impl Courier for Watching {
        fn delivers(&self) -> bool {
            true
        }

        fn nudge(&self) {
            let rows = self.store.read(|c| outbox::list(c, None)).unwrap().len();
            self.seen_at_nudges.lock().unwrap().push(rows);
        }
    }

    fn phone() -> Phone {
        Phone::parse("13000000001", "phone").unwrap()
    }

    #[test]
    fn an_issued_code_is_queued_by_its_command_and_the_courier_nudged_once_it_is_committed() {
        let (mut ctx, clock, _d) = testing::ctx();
        let courier = Arc::new(Watching {
            store: ctx.store.clone(),
            seen_at_nudges: Mutex::new(Vec::new()),
        });
        ctx.courier = courier.clone();
        issue(&ctx, &phone(), "reset", 6, str::to_string).unwrap();
        let rows = ctx.store.read(|c| outbox::list(c, None)).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].state, rows[0].attempts), (State::Queued, 0));
        assert_eq!(*courier.seen_at_nudges.lock().unwrap(), [1]);
        // A refused command queues nothing and nudges nobody.
        clock.advance(chrono::Duration::seconds(10));
        assert!(issue(&ctx, &phone(), "reset", 6, str::to_string).is_err());
        assert_eq!(ctx.store.read(|c| outbox::list(c, None)).unwrap().len(), 1);
        assert_eq!(courier.seen_at_nudges.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_message_is_kept_without_delivery_and_goes_with_its_commands_transaction() {
        let (ctx, _, _d) = testing::ctx();
        ctx.store
            .write(|tx| send(&ctx, tx, "13000000002", "event-1", "fall_alert", 5))
            .unwrap();
        let failed: Result<()> = ctx.store.write(|tx| {
            send(&ctx, tx, "13000000003", "event-2", "fall_alert", 5)?;
            Err(Error::Forbidden)
        });
        assert!(failed.is_err());
        let rows = ctx.store.read(|c| outbox::list(c, None)).unwrap();
        let seen: Vec<_> = rows.iter().map(|r| (r.phone.as_str(), r.state)).collect();
        assert_eq!(seen, [("13000000002", State::Kept)]);
    }
}
