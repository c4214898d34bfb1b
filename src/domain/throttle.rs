//! Limits on password guessing, as values and pure state changes: how many failed password
//! checks an account or a peer address may have before it is refused without checking
//! ([`ThrottlePolicy`]), and what one more failure does to an account's state
//! ([`AccountFailures`]) or a peer's ([`PeerFailures`]). The store keeps the states; the login
//! handlers ask and record. No clock is read here: callers pass `now` (unix seconds).

/// The limits, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failed checks of one account, close together, that lock it.
    pub account_failures: u32,
    /// How close together (seconds): a failure this long after the last one and after the end
    /// of the last lock starts the count again.
    pub account_window_secs: i64,
    /// The first lock's length (seconds); each further failure doubles it.
    pub cooldown_min_secs: i64,
    /// The longest lock (seconds).
    pub cooldown_max_secs: i64,
    /// Failed logins one peer address may have in one minute, across all accounts.
    pub peer_failures_per_minute: u32,
}

impl Default for ThrottlePolicy {
    /// 5 failures within 15 minutes lock an account for 1 minute, doubling to at most 1 hour;
    /// 30 failures a minute stop a peer for the rest of that minute.
    fn default() -> Self {
        ThrottlePolicy {
            account_failures: 5,
            account_window_secs: 15 * 60,
            cooldown_min_secs: 60,
            cooldown_max_secs: 60 * 60,
            peer_failures_per_minute: 30,
        }
    }
}

/// One account's recent failed password checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountFailures {
    /// Failures counted since the count last started.
    pub failures: u32,
    /// When the last failure was, unix seconds.
    pub last_failure: i64,
    /// Until when checks are refused, unix seconds (0: never locked).
    pub locked_until: i64,
}

impl AccountFailures {
    /// Whether a check at `now` is refused without looking at the password, and until when.
    pub fn locked(&self, now: i64) -> Option<i64> {
        (now < self.locked_until).then_some(self.locked_until)
    }

    /// The state after one more failed check at `now`: counted (from zero again when the last
    /// failure and the last lock are both older than the window), and locked once the count
    /// reaches the limit — 1 cooldown at the limit, doubling with each further failure.
    pub fn after_failure(self, now: i64, p: &ThrottlePolicy) -> AccountFailures {
        let quiet_since = self.last_failure.max(self.locked_until);
        let failures = if now - quiet_since > p.account_window_secs {
            1
        } else {
            self.failures.saturating_add(1)
        };
        let locked_until = match failures.checked_sub(p.account_failures.max(1)) {
            None => self.locked_until,
            Some(beyond) => {
                let doubling = 1i64.checked_shl(beyond.min(32)).unwrap_or(i64::MAX);
                let cooldown = p
                    .cooldown_min_secs
                    .saturating_mul(doubling)
                    .min(p.cooldown_max_secs);
                now + cooldown
            }
        };
        AccountFailures {
            failures,
            last_failure: now,
            locked_until,
        }
    }
}

/// One peer address's failed logins in the current minute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeerFailures {
    /// The minute they count in (unix seconds / 60).
    pub minute: i64,
    /// Failures in that minute.
    pub failures: u32,
}

impl PeerFailures {
    /// Whether the peer's logins are refused at `now`: it reached the limit this minute.
    pub fn limited(&self, now: i64, p: &ThrottlePolicy) -> bool {
        self.minute == now.div_euclid(60) && self.failures >= p.peer_failures_per_minute
    }

    /// The state after one more failed login at `now`.
    pub fn after_failure(self, now: i64) -> PeerFailures {
        let minute = now.div_euclid(60);
        let failures = if self.minute == minute {
            self.failures.saturating_add(1)
        } else {
            1
        };
        PeerFailures { minute, failures }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ThrottlePolicy = ThrottlePolicy {
        account_failures: 5,
        account_window_secs: 900,
        cooldown_min_secs: 60,
        cooldown_max_secs: 3600,
        peer_failures_per_minute: 30,
    };

    /// Fails `n` times, one second apart from `start`.
    fn fail(mut s: AccountFailures, start: i64, n: u32) -> AccountFailures {
        for i in 0..n {
            s = s.after_failure(start + i as i64, &P);
        }
        s
    }

    #[test]
    fn four_failures_do_not_lock_and_the_fifth_locks_for_a_minute() {
        let s = fail(AccountFailures::default(), 1000, 4);
        assert_eq!(s.locked(1004), None);
        let s = s.after_failure(1004, &P);
        assert_eq!(s.locked(1004), Some(1064));
        assert_eq!(s.locked(1064), None);
    }

    #[test]
    fn each_further_failure_doubles_the_cooldown_up_to_an_hour() {
        let mut s = fail(AccountFailures::default(), 0, 5);
        let mut now = s.locked_until;
        let mut lengths = vec![60];
        for _ in 0..8 {
            s = s.after_failure(now, &P);
            lengths.push(s.locked_until - now);
            now = s.locked_until;
        }
        assert_eq!(lengths, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    }

    #[test]
    fn failures_further_apart_than_the_window_start_the_count_again() {
        let s = fail(AccountFailures::default(), 0, 4);
        let s = s.after_failure(3 + 901, &P);
        assert_eq!(s.failures, 1);
        assert_eq!(s.locked(905), None);
    }

    #[test]
    fn a_long_lock_does_not_reset_the_count_while_it_lasts() {
        let mut s = fail(AccountFailures::default(), 0, 10);
        assert!(s.locked_until - 9 >= 960, "{s:?}");
        let after = s.locked_until + 1;
        s = s.after_failure(after, &P);
        assert_eq!(s.failures, 11);
        assert_eq!(s.locked_until - after, 3600);
    }

    #[test]
    fn a_peer_is_limited_for_the_rest_of_the_minute_it_reached_the_limit_in() {
        let mut s = PeerFailures::default();
        for i in 0..29 {
            s = s.after_failure(600 + i);
        }
        assert!(!s.limited(629, &P));
        s = s.after_failure(629);
        assert!(s.limited(630, &P) && s.limited(659, &P));
        assert!(!s.limited(660, &P));
        assert_eq!(s.after_failure(660).failures, 1);
    }
}
