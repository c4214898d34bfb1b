//! The answer cache: the bytes a short read answered, kept for the identical request.
//!
//! A short read (a command flagged `short_read`) answers from the store, its token and
//! nothing else — no clock, no client address. So the same request (method, target, every
//! header, body: compared byte for byte, never by a hash alone) answers the same bytes while
//! 1. the store's generation is the one read before the command ran — it moves at every
//!    COMMIT, before the writers in it are answered, and when another process's commit is
//!    noticed (`Store::notice_outside_writes`, run every [`WATCH_EVERY`]) — and was even
//!    then: it is odd while a COMMIT runs, when one read may see the COMMIT and another not
//!    (keeping the older answer over the newer one made a client see a contact, then lose it
//!    — `every_read_sees_every_write…` failed about once in 80 stressed runs); and
//! 2. the clock is before the command's `valid_until` — its token's expiry, idle limit and
//!    next recorded use (an idle-limited token is touched at most every 15 s: a hit never
//!    skips a touch that is due).
//!
//! So every acknowledged write is seen by the next read on any connection (a test hammers
//! this), a revoked or expired token is refused at once, and a cached answer is exactly what
//! running the command again would answer. Any COMMIT empties the cache (one generation is
//! kept): simple, and what a read-mostly legacy client needs — it polls its book and profile
//! far more often than it writes. Only successes are kept; the cache holds at most
//! `answer_cache_bytes` (keys and bodies; `0` turns it off) and empties when full.
//!
//! Measured with `wrk` (64 connections) on a 10-contact op 1009, 2 shared cores: server CPU
//! per request 54 µs answered inline without the cache, 12 µs from it (README "Benchmark").
//! The routes look an answer up as soon as the body is read, before decoding it
//! ([`Answers::early`]): per request under callgrind, op 1009 23 849 → 19 210 instructions,
//! the rooms page 22 975 → 17 002; the unknown op, which never hits, pays ~270 for the
//! fast-hash filter.
//!
//! Several nodes on one database (a PostgreSQL engine is planned) would need the generation
//! kept in the database; until then a multi-node deployment sets `answer_cache_bytes = 0`.

use crate::dialect::Reply;
use rustc_hash::FxHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// How often the server asks the store whether another process has committed.
pub const WATCH_EVERY: Duration = Duration::from_millis(200);

/// Byte cost of an entry besides its key and body.
const ENTRY_OVERHEAD: usize = 96;

/// Cached answers of one store generation.
pub struct Answers {
    /// Most bytes held; 0 keeps nothing.
    limit: usize,
    /// The entries and their generation.
    inner: Mutex<Generation>,
    /// A bit per [`quick`] hash (modulo its size) of every entry: a request whose bit is clear
    /// is turned away without taking the lock — which the two worker threads otherwise took
    /// in turn on every request, passing its cache line between cores. Bits are set under
    /// the lock after an entry is kept and cleared when the entries are dropped; a stale set
    /// bit only costs the locked look-up, a bit cleared too early only a miss.
    filter: [AtomicU64; FILTER_WORDS],
}

/// Words of [`Answers::filter`]: 4 096 bits, a few percent of them set by a few hundred entries.
const FILTER_WORDS: usize = 64;

/// Entries all computed at one generation.
#[derive(Default)]
struct Generation {
    /// The store generation every entry was computed at.
    number: u64,
    /// Request identity → until when, and the answer.
    entries: HashMap<Box<[u8]>, (i64, Reply)>,
    /// A fast hash of each entry's method, target and body: a request none of them matches
    /// is not looked up at all (see [`Answers::early`]).
    quick: HashSet<u64, BuildHasherDefault<FxHasher>>,
    /// Bytes held (keys, bodies, overhead).
    bytes: usize,
}

impl Answers {
    /// A cache of at most `limit` bytes (0: off).
    pub fn new(limit: usize) -> Answers {
        Answers {
            limit,
            inner: Mutex::new(Generation::default()),
            filter: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    /// Whether it keeps anything.
    pub fn enabled(&self) -> bool {
        self.limit > 0
    }

    /// The answer kept for this request, looked up before the request is even decoded: if
    /// it was computed at `generation` and holds at `now`. A request whose method, target and
    /// body match no entry's is turned away after one fast hash (most requests that are not
    /// short reads: the unknown op costs ~100 instructions here instead of the ~2 000 of
    /// building and hashing its whole key); one that may match is compared byte for byte.
    pub fn early(
        &self,
        parts: &http::request::Parts,
        body: &[u8],
        generation: u64,
        now: impl FnOnce() -> i64,
    ) -> Option<Reply> {
        if !self.enabled() || !steady(generation) {
            return None;
        }
        let quick = quick(parts, body);
        let (word, bit) = filter_bit(quick);
        if self.filter[word].load(Ordering::Relaxed) & bit == 0 {
            return None;
        }
        {
            let inner = self.inner.lock().ok()?;
            if inner.number != generation || !inner.quick.contains(&quick) {
                return None;
            }
        }
        self.get(&key(parts, body), generation, now())
    }

    /// The answer kept for `key`, if it was computed at `generation` and holds at `now`.
    pub fn get(&self, key: &[u8], generation: u64, now: i64) -> Option<Reply> {
        let inner = self.inner.lock().ok()?;
        if inner.number != generation {
            return None;
        }
        let (valid_until, reply) = inner.entries.get(key)?;
        (now < *valid_until).then(|| reply.clone())
    }

    /// Drops every entry and the tables' memory: the server forgets its answers when it goes
    /// idle (see `server::memory`), so a box between bursts does not keep a burst's answers.
    pub fn forget(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            *inner = Generation::default();
            self.clear_filter();
        }
    }

    /// Keeps `reply` for `key`, computed from reads that began at `generation`. An older
    /// generation's entries are dropped first; a full cache starts over.
    pub fn put(
        &self,
        source: (&http::request::Parts, &[u8]),
        reply: &Reply,
        generation: u64,
        valid_until: i64,
    ) {
        if !self.enabled() || !steady(generation) {
            return;
        }
        let key = key(source.0, source.1);
        let cost = key.len() + reply.body.len() + ENTRY_OVERHEAD;
        if cost > self.limit {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.number > generation {
            return; // computed before a commit the cache already knows of
        }
        if inner.number < generation || inner.bytes + cost > self.limit {
            *inner = Generation {
                number: generation,
                ..Generation::default()
            };
            self.clear_filter();
        }
        let key_len = key.len();
        inner.bytes += cost;
        let quick = quick(source.0, source.1);
        inner.quick.insert(quick);
        let (word, bit) = filter_bit(quick);
        self.filter[word].fetch_or(bit, Ordering::Relaxed);
        if let Some((_, old)) = inner.entries.insert(key, (valid_until, reply.clone())) {
            inner.bytes -= key_len + old.body.len() + ENTRY_OVERHEAD;
        }
    }
}

impl Answers {
    fn clear_filter(&self) {
        for word in &self.filter {
            word.store(0, Ordering::Relaxed);
        }
    }
}

/// Whether no COMMIT was running at `generation` (the store's generation is odd while one
/// runs): only then do all reads that began at it see the same state, and may be kept.
fn steady(generation: u64) -> bool {
    generation.is_multiple_of(2)
}

/// The word and bit of [`Answers::filter`] for a [`quick`] hash.
fn filter_bit(quick: u64) -> (usize, u64) {
    // The top bits: FxHash mixes them best.
    let n = (quick >> (64 - (FILTER_WORDS * 64).trailing_zeros())) as usize;
    (n / 64, 1 << (n % 64))
}

/// A fast, non-cryptographic hash of a request's method, target and body (not its headers):
/// the cache's first filter. Equal requests always hash alike; a collision only costs the
/// full comparison.
fn quick(parts: &http::request::Parts, body: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    parts.method.as_str().hash(&mut h);
    parts
        .uri
        .path_and_query()
        .map_or("", |p| p.as_str())
        .hash(&mut h);
    body.hash(&mut h);
    h.finish()
}

/// A request's identity: method, target (path and query), every header in order, and the
/// body, each length-prefixed so that no two requests share one.
pub fn key(parts: &http::request::Parts, body: &[u8]) -> Box<[u8]> {
    let mut key = Vec::with_capacity(256 + body.len());
    let mut field = |bytes: &[u8]| {
        key.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        key.extend_from_slice(bytes);
    };
    field(parts.method.as_str().as_bytes());
    field(
        parts
            .uri
            .path_and_query()
            .map_or("", |p| p.as_str())
            .as_bytes(),
    );
    for (name, value) in &parts.headers {
        field(name.as_str().as_bytes());
        field(value.as_bytes());
    }
    field(body);
    key.into_boxed_slice()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn reply(body: &'static str) -> Reply {
        Reply::new(
            200,
            Some("application/json"),
            Bytes::from_static(body.as_bytes()),
        )
    }

    fn parts(uri: &str, headers: &[(&str, &str)]) -> http::request::Parts {
        let mut b = http::Request::builder().method("POST").uri(uri);
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn a_forgotten_answer_is_computed_again() {
        let a = Answers::new(1 << 20);
        let p = parts("/", &[]);
        a.put((&p, b"{}"), &reply("x"), 6, 100);
        assert!(a.early(&p, b"{}", 6, || 1).is_some());
        a.forget();
        assert!(a.early(&p, b"{}", 6, || 1).is_none());
        assert_eq!(a.inner.lock().unwrap().bytes, 0);
        a.put((&p, b"{}"), &reply("y"), 6, 100);
        assert_eq!(a.early(&p, b"{}", 6, || 1).unwrap().body, "y");
    }

    #[test]
    fn an_answer_holds_for_its_generation_until_its_deadline() {
        let a = Answers::new(1 << 20);
        let p = parts("/", &[]);
        let k = key(&p, b"{}");
        a.put((&p, b"{}"), &reply("x"), 6, 100);
        assert_eq!(a.early(&p, b"{}", 6, || 99).unwrap().body, "x");
        assert!(a.early(&p, b"{ }", 6, || 99).is_none(), "another body");
        assert_eq!(a.get(&k, 6, 99).unwrap().body, "x");
        assert!(a.get(&k, 6, 100).is_none(), "past valid_until");
        assert!(a.get(&k, 8, 99).is_none(), "after a commit");
        // An answer computed before a commit the cache knows of is not kept.
        a.put((&p, b"{}\n"), &reply("y"), 8, 100);
        a.put((&p, b"{}"), &reply("stale"), 6, 100);
        assert!(a.get(&k, 8, 0).is_none());
        assert!(
            a.get(&k, 6, 0).is_none(),
            "the older generation was dropped"
        );
    }

    #[test]
    fn requests_differing_in_any_part_have_different_keys() {
        let base = key(&parts("/p?token=a", &[("authorization", "JWT a")]), b"{}");
        for other in [
            key(&parts("/p?token=b", &[("authorization", "JWT a")]), b"{}"),
            key(&parts("/p?token=a", &[("authorization", "JWT b")]), b"{}"),
            key(&parts("/p?token=a", &[("authorization", "JWT a")]), b"{ }"),
            key(
                &parts("/p?token=a", &[("authorization", "JWT a"), ("x", "")]),
                b"{}",
            ),
            // The same bytes split differently between header value and body.
            key(&parts("/p?token=a", &[("authorization", "JWT a{")]), b"}"),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn it_holds_no_more_than_its_limit_and_nothing_when_off() {
        let a = Answers::new(2 * (ENTRY_OVERHEAD + 40));
        let all: Vec<_> = (0..3).map(|i| parts(&format!("/{i}"), &[])).collect();
        let keys: Vec<_> = all.iter().map(|p| key(p, b"")).collect();
        for p in &all {
            a.put((p, b""), &reply("0123456789"), 2, i64::MAX);
        }
        let held = keys.iter().filter(|k| a.get(k, 2, 0).is_some()).count();
        assert!((1..3).contains(&held), "held {held}");
        assert!(a.inner.lock().unwrap().bytes <= a.limit);
        let off = Answers::new(0);
        off.put((&all[0], b""), &reply("x"), 2, i64::MAX);
        assert!(off.get(&keys[0], 2, 0).is_none());
    }

    #[test]
    fn nothing_is_kept_or_served_while_a_commit_runs() {
        let a = Answers::new(1 << 20);
        let p = parts("/", &[]);
        a.put((&p, b"{}"), &reply("during"), 7, 100);
        assert!(
            a.get(&key(&p, b"{}"), 7, 0).is_none(),
            "kept at an odd generation"
        );
        a.put((&p, b"{}"), &reply("before"), 6, 100);
        assert!(a.early(&p, b"{}", 6, || 0).is_some());
        assert!(
            a.early(&p, b"{}", 7, || 0).is_none(),
            "served during a commit"
        );
    }
}
