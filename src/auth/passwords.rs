//! argon2id password hashing on a small pool of low-priority threads.
//!
//! Hashing is deliberately slow and memory-hungry. It runs on `hashing_concurrency` dedicated
//! threads (so a burst of logins cannot exhaust memory) whose scheduling priority is lowered
//! (nice 10), so that while they saturate the CPU the async workers still answer cheap
//! requests promptly. At most `hash_queue` hashes wait for a thread: one more is refused at
//! once ([`Error::Unavailable`]), so a flood of logins cannot queue without end nor hold every
//! blocking thread. Callers block until their hash is done: call only from blocking threads
//! (handlers run there).

use crate::config::Config;
use crate::error::{Error, StoreError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

/// Hashes and verifies passwords as argon2id PHC strings.
pub struct Passwords {
    /// Cost parameters for new hashes (verification reads them from the stored hash).
    params: Params,
    /// A hash checked against unknown accounts, so that a miss costs as much as a hit
    /// (made on first need, not at start-up).
    decoy: OnceLock<String>,
    /// The threads that do the hashing.
    pool: HashPool,
}

impl Passwords {
    /// A hasher with the configured cost.
    pub fn new(config: &Config) -> Result<Passwords, String> {
        let params = Params::new(
            config.argon2_m_cost_kib,
            config.argon2_t_cost,
            config.argon2_p_cost,
            None,
        )
        .map_err(|e| format!("bad argon2 parameters: {e}"))?;
        Ok(Passwords {
            params,
            decoy: OnceLock::new(),
            pool: HashPool {
                size: config.hashing_concurrency.max(1),
                queue: OnceLock::new(),
                in_flight: Arc::new(AtomicUsize::new(0)),
                max_waiting: config.hash_queue,
            },
        })
    }

    /// A new PHC string for `password` with a fresh random salt.
    pub fn hash(&self, password: &str) -> Result<String, Error> {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|e| Error::Store(StoreError::Other(format!("salt: {e}"))))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        let password = password.to_string();
        self.pool
            .run(move || {
                argon
                    .hash_password(password.as_bytes(), &salt)
                    .map(|h| h.to_string())
                    .map_err(|e| format!("argon2: {e}"))
            })?
            .map_err(|e| Error::Store(StoreError::Other(e)))
    }

    /// Whether `password` matches the stored PHC string; `None` spends the same time and
    /// fails. [`Error::Unavailable`] when the hash queue is full (nothing was checked).
    pub fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, Error> {
        let phc = match stored {
            Some(s) => s.to_string(),
            None => self.decoy()?,
        };
        let password = password.to_string();
        let ok = self.pool.run(move || {
            PasswordHash::new(&phc).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })?;
        Ok(ok && stored.is_some())
    }
}

impl Passwords {
    /// The decoy hash, made at its first need (a failure to make it is not remembered).
    fn decoy(&self) -> Result<String, Error> {
        if let Some(d) = self.decoy.get() {
            return Ok(d.clone());
        }
        let made = self.hash("switchboard decoy")?;
        Ok(self.decoy.get_or_init(|| made).clone())
    }
}

/// A job for the hashing threads.
type Job = Box<dyn FnOnce() + Send>;

/// `size` low-priority threads, started on first use, taking jobs from one queue.
struct HashPool {
    /// Threads to start.
    size: usize,
    /// The queue's sending end, once the threads run (`None` if none could be started).
    queue: OnceLock<Option<Mutex<mpsc::Sender<Job>>>>,
    /// Jobs handed to the pool and not yet finished (running or waiting for a thread).
    in_flight: Arc<AtomicUsize>,
    /// Most jobs that may wait for a thread; one more is refused.
    max_waiting: usize,
}

impl HashPool {
    /// Runs `f` on a hashing thread and waits for its result.
    fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
        let unavailable = || Error::Store(StoreError::Other("hashing threads unavailable".into()));
        let queue = self.queue().as_ref().ok_or_else(unavailable)?;
        // Each thread runs one job; beyond them, `max_waiting` may queue.
        if self.in_flight.fetch_add(1, Ordering::AcqRel) >= self.size + self.max_waiting {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            return Err(Error::Unavailable);
        }
        let done = Finished(self.in_flight.clone());
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            let result = f();
            // Counted out before the caller hears back, and even if `f` panics.
            drop(done);
            let _ = tx.send(result);
        });
        queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| unavailable())?;
        rx.recv().map_err(|_| unavailable())
    }

    fn queue(&self) -> &Option<Mutex<mpsc::Sender<Job>>> {
        self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            let rx = Arc::new(Mutex::new(rx));
            let started = (0..self.size)
                .filter(|i| {
                    let rx = rx.clone();
                    std::thread::Builder::new()
                        .name(format!("argon2-{i}"))
                        .spawn(move || work(&rx))
                        .is_ok()
                })
                .count();
            (started > 0).then(|| Mutex::new(tx))
        })
    }
}

/// Counts a job out of the pool when dropped.
struct Finished(Arc<AtomicUsize>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A hashing thread: lower its priority, then run jobs until the queue closes.
fn work(rx: &Mutex<mpsc::Receiver<Job>>) {
    lower_priority();
    loop {
        let job = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match job {
            // A panicking job drops its reply channel (its caller sees an error); the thread
            // lives on.
            Ok(job) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

/// Nice 10 for the calling thread (on Linux the nice value is per thread).
#[cfg(target_os = "linux")]
fn lower_priority() {
    extern "C" {
        fn setpriority(which: i32, who: u32, prio: i32) -> i32;
    }
    const PRIO_PROCESS: i32 = 0;
    // SAFETY: setpriority only changes the calling thread's scheduling priority (who = 0).
    unsafe {
        setpriority(PRIO_PROCESS, 0, 10);
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Passwords {
        Passwords::new(&Config::for_tests("x".into())).unwrap()
    }

    #[test]
    fn a_hash_is_an_argon2id_phc_string_with_the_configured_cost() {
        let h = cheap().hash("123456").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{h}");
    }

    #[test]
    fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let p = cheap();
        let h = p.hash("123456").unwrap();
        assert!(p.verify("123456", Some(&h)).unwrap());
        assert!(!p.verify("1234567", Some(&h)).unwrap());
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        let p = cheap();
        assert_ne!(p.hash("123456").unwrap(), p.hash("123456").unwrap());
    }

    #[test]
    fn many_threads_hashing_at_once_all_get_their_own_answer() {
        let p = std::sync::Arc::new(cheap());
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let p = p.clone();
                std::thread::spawn(move || {
                    let pw = format!("password-{i}");
                    let h = p.hash(&pw).unwrap();
                    p.verify(&pw, Some(&h)).unwrap() && !p.verify("other", Some(&h)).unwrap()
                })
            })
            .collect();
        assert!(threads.into_iter().all(|t| t.join().unwrap()));
    }

    #[test]
    fn beyond_the_queue_bound_a_hash_is_refused_at_once() {
        let mut config = Config::for_tests("x".into());
        config.hashing_concurrency = 1;
        config.hash_queue = 1;
        let p = std::sync::Arc::new(Passwords::new(&config).unwrap());
        // Hold the only hashing thread until released.
        let (release, held) = mpsc::channel::<()>();
        let (started, running) = mpsc::channel::<()>();
        let busy = {
            let p = p.clone();
            std::thread::spawn(move || {
                p.pool.run(move || {
                    started.send(()).unwrap();
                    held.recv().unwrap();
                })
            })
        };
        running.recv().unwrap();
        // One job may wait for the thread; the next is refused without waiting.
        let waiter = {
            let p = p.clone();
            std::thread::spawn(move || p.hash("queued"))
        };
        while p.pool.in_flight.load(Ordering::Acquire) < 2 {
            std::thread::yield_now();
        }
        assert!(matches!(p.hash("refused"), Err(Error::Unavailable)));
        assert!(matches!(p.verify("x", None), Err(Error::Unavailable)));
        release.send(()).unwrap();
        busy.join().unwrap().unwrap();
        assert!(waiter.join().unwrap().is_ok());
        assert!(p.hash("after").is_ok(), "the queue frees as jobs start");
    }

    #[test]
    fn an_unknown_account_never_verifies_even_with_the_decoy_password() {
        assert!(!cheap().verify("switchboard decoy", None).unwrap());
    }
}
