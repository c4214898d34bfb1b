//! Pacing a connection after a refusal for a full password lane: the refusal goes out at
//! once, and the connection's next request waits a moment, so a login flood cannot spend the
//! CPU that honest requests need.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Why a hashing command was refused when the password lane was full (the log's detail).
pub const LANE_FULL: &str = "password lane full: every hashing slot is taken";

/// How long a connection waits before its next request is served after one was refused for a
/// full password lane. The refusal itself goes out at once; pacing the connection that sent
/// it keeps a login flood from spending the CPU that honest requests need.
const LANE_FULL_PACE: Duration = Duration::from_millis(100);

/// One connection's pacing: until when its next request waits.
#[derive(Default)]
pub struct Pace {
    /// Whether a pause is set: read without the lock by every request.
    held: AtomicBool,
    /// Until when.
    until: Mutex<Option<tokio::time::Instant>>,
}

impl Pace {
    /// Waits out the pause a refusal set, if any.
    pub async fn wait(&self) {
        if !self.held.load(Ordering::Relaxed) {
            return;
        }
        self.held.store(false, Ordering::Relaxed);
        let until = self.until.lock().map(|mut g| g.take()).unwrap_or(None);
        if let Some(until) = until {
            tokio::time::sleep_until(until).await;
        }
    }

    /// Pauses the connection's next request.
    pub fn hold(&self) {
        if let Ok(mut g) = self.until.lock() {
            *g = Some(tokio::time::Instant::now() + LANE_FULL_PACE);
            self.held.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn after_a_hold_the_next_request_waits_the_pace_and_only_the_next() {
        let pace = Pace::default();
        let start = Instant::now();
        pace.wait().await;
        assert_eq!(Instant::now(), start, "nothing held: no wait");
        pace.hold();
        pace.wait().await;
        assert_eq!(Instant::now() - start, LANE_FULL_PACE);
        pace.wait().await;
        assert_eq!(
            Instant::now() - start,
            LANE_FULL_PACE,
            "a hold paces one request"
        );
    }
}
