//! The context every handler gets: store, clock, id generator, token signer, password hasher,
//! the outbox's courier and policy. Tests build it with a manual clock and sequential ids.

use crate::auth::jwt::JwtKeys;
use crate::auth::passwords::Passwords;
use crate::config::Config;
use crate::store::Store;
use chrono::{DateTime, FixedOffset, Utc};
use rand::Rng;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Everything a handler may touch.
pub struct Ctx {
    /// The SQLite store.
    pub store: Store,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// The source of ids, tokens and codes.
    pub ids: Arc<dyn Ids>,
    /// Signs and checks the opcode dialect's JWTs.
    pub jwt: JwtKeys,
    /// Hashes and checks passwords (argon2id).
    pub passwords: Passwords,
    /// Whether outbox rows are delivered, and the nudge after a command committed some.
    pub courier: Arc<dyn Courier>,
    /// The configuration the server started with.
    pub config: Arc<Config>,
}

impl Ctx {
    /// Now, from the context's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Now as unix seconds.
    pub fn now_secs(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// Now as a 14-digit `%Y%m%d%H%M%S` stamp in the configured local time.
    pub fn intime(&self) -> String {
        self.now()
            .with_timezone(&self.offset())
            .format("%Y%m%d%H%M%S")
            .to_string()
    }

    /// A unix time as `YYYY-MM-DD HH:MM:SS` in the configured local time.
    pub fn local_datetime(&self, secs: i64) -> String {
        DateTime::from_timestamp(secs, 0)
            .unwrap_or_default()
            .with_timezone(&self.offset())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.config.utc_offset_minutes * 60)
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
    }
}

/// The delivery side of the outbox, as handlers see it: a handler writes its outbox rows in its
/// own transaction (queued when [`Courier::delivers`]) and nudges the courier after the commit.
/// What delivers them (the webhook, over HTTP) is none of the handler's business.
pub trait Courier: Send + Sync {
    /// Whether new rows are queued for delivery; `false`: the outbox table is the channel.
    fn delivers(&self) -> bool;
    /// A command has committed rows to deliver: look now rather than at the next due time.
    fn nudge(&self);
}

/// No delivery: rows are kept in the outbox table (read with `switchboard outbox`).
pub struct KeepInOutbox;

impl Courier for KeepInOutbox {
    fn delivers(&self) -> bool {
        false
    }

    fn nudge(&self) {}
}

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(std::time::SystemTime::now())
    }
}

/// The system clock plus the seconds skipped so far: an in-process fixture replay skips a
/// wait (such as the one-code-a-minute throttle) instead of sleeping through it.
#[derive(Default)]
pub struct SkippingClock(std::sync::atomic::AtomicI64);

impl SkippingClock {
    /// Moves the clock forward for good.
    pub fn advance(&self, secs: u64) {
        let secs = i64::try_from(secs).unwrap_or(i64::MAX / 2);
        self.0.fetch_add(secs, Ordering::Relaxed);
    }
}

impl Clock for SkippingClock {
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now() + chrono::Duration::seconds(self.0.load(Ordering::Relaxed))
    }
}

/// A clock that only moves when told to, for tests of expiry.
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock(Mutex::new(start))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A source of ids, opaque tokens and verification codes.
pub trait Ids: Send + Sync {
    /// A time-based UUID (v1), as the original servers issued.
    fn uuid(&self) -> Uuid;
    /// 32 lowercase hex digits of randomness, for opaque tokens and secrets.
    fn hex32(&self) -> String;
    /// `n` random decimal digits, for verification codes.
    fn digits(&self, n: usize) -> String;
    /// `n` random characters of `alphabet` (captcha codes and salts).
    fn text(&self, alphabet: &str, n: usize) -> String;
}

/// Random ids from the operating system's generator.
pub struct RandomIds {
    node: [u8; 6],
}

impl RandomIds {
    /// A generator with a random UUID node id (no MAC address leaks into ids).
    pub fn new() -> RandomIds {
        let mut node: [u8; 6] = rand::random();
        node[0] |= 0x01; // multicast bit: marks a random node id (RFC 4122 §4.5)
        RandomIds { node }
    }
}

impl Default for RandomIds {
    fn default() -> Self {
        RandomIds::new()
    }
}

impl Ids for RandomIds {
    fn uuid(&self) -> Uuid {
        Uuid::now_v1(&self.node)
    }

    fn hex32(&self) -> String {
        hex::encode(rand::random::<[u8; 16]>())
    }

    fn digits(&self, n: usize) -> String {
        let mut rng = rand::thread_rng();
        (0..n)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect()
    }

    fn text(&self, alphabet: &str, n: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let mut rng = rand::thread_rng();
        (0..n)
            .map(|_| chars[rng.gen_range(0..chars.len())])
            .collect()
    }
}

/// Predictable ids for tests: counters, and codes made of one repeated digit sequence.
#[derive(Default)]
pub struct SequentialIds(AtomicU64);

impl Ids for SequentialIds {
    fn uuid(&self) -> Uuid {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        Uuid::from_u128(u128::from(n) | (1u128 << 76))
    }

    fn hex32(&self) -> String {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{n:032x}")
    }

    fn digits(&self, n: usize) -> String {
        "123456789".chars().cycle().take(n).collect()
    }

    fn text(&self, alphabet: &str, n: usize) -> String {
        alphabet.chars().cycle().take(n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_uuids_are_version_one() {
        assert_eq!(RandomIds::new().uuid().get_version_num(), 1);
    }

    #[test]
    fn random_codes_have_the_requested_length_and_only_digits() {
        let c = RandomIds::new().digits(6);
        assert_eq!(c.len(), 6);
        assert!(c.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn random_tokens_are_32_hex_digits() {
        let t = RandomIds::new().hex32();
        assert_eq!(t.len(), 32);
        assert!(t.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let c = ManualClock::new(DateTime::from_timestamp(1_000, 0).unwrap());
        assert_eq!(c.now().timestamp(), 1_000);
        c.advance(chrono::Duration::seconds(61));
        assert_eq!(c.now().timestamp(), 1_061);
    }
}
