//! When a failed delivery is tried again: exponential backoff with jitter, bounded.

use rand::Rng;

/// Delays between attempts: `base · 2^(n−1)` after the `n`-th failure, at most `max`, and of
/// that a random point in its upper half ("equal jitter"), so that messages that failed
/// together (a receiver that was down) do not all come back at the same instant, while below
/// the cap each delay is still at least the previous one's longest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay's cap before jitter after the first failure, in milliseconds.
    pub base_ms: u64,
    /// The longest delay, in milliseconds.
    pub max_ms: u64,
}

impl Backoff {
    /// The delay after the `failures`-th failed attempt (from 1), in milliseconds.
    pub fn delay_ms(&self, failures: u32) -> u64 {
        self.delay_at(failures, rand::thread_rng().gen())
    }

    /// [`Backoff::delay_ms`] with the jitter given: `jitter` in `[0, 1]` picks the point in
    /// the upper half.
    fn delay_at(&self, failures: u32, jitter: f64) -> u64 {
        let doublings = failures.saturating_sub(1).min(63);
        let full = self
            .base_ms
            .saturating_mul(1u64 << doublings)
            .min(self.max_ms);
        let half = full / 2;
        let spread = (full - half) as f64 * jitter.clamp(0.0, 1.0);
        half.saturating_add(spread as u64).min(full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        base_ms: 1_000,
        max_ms: 60_000,
    };

    #[test]
    fn delays_double_from_the_base_within_their_upper_half() {
        assert_eq!((B.delay_at(1, 0.0), B.delay_at(1, 1.0)), (500, 1_000));
        assert_eq!((B.delay_at(2, 0.0), B.delay_at(2, 1.0)), (1_000, 2_000));
        assert_eq!((B.delay_at(3, 0.0), B.delay_at(3, 1.0)), (2_000, 4_000));
    }

    #[test]
    fn delays_never_pass_the_cap_even_after_very_many_failures() {
        for failures in [7, 10, 64, 1_000, u32::MAX] {
            let d = B.delay_ms(failures);
            assert!((30_000..=60_000).contains(&d), "{failures}: {d}");
        }
        let huge = Backoff {
            base_ms: u64::MAX / 2,
            max_ms: u64::MAX,
        };
        assert_eq!(huge.delay_at(200, 1.0), u64::MAX);
        assert_eq!(huge.delay_at(200, 0.0), u64::MAX / 2);
    }

    #[test]
    fn delays_grow_each_at_least_the_longest_before_it_until_the_cap() {
        // Below the cap (1 s · 2^5 = 32 s < 60 s), no draw of a later delay is shorter.
        for failures in 1..6 {
            assert!(B.delay_at(failures + 1, 0.0) >= B.delay_at(failures, 1.0));
        }
        // Beyond it, the shortest possible delay still never shrinks.
        for failures in 1..40 {
            assert!(B.delay_at(failures + 1, 0.0) >= B.delay_at(failures, 0.0));
        }
    }

    #[test]
    fn delays_are_jittered() {
        let draws: std::collections::HashSet<u64> = (0..50).map(|_| B.delay_ms(4)).collect();
        assert!(draws.len() > 10, "{draws:?}");
        assert!(draws.iter().all(|d| (4_000..=8_000).contains(d)));
    }
}
