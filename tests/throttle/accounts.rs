//! Per account: failed password checks in any dialect and on any password path count toward
//! one lock; the lock refuses the right password everywhere until its cooldown ends; each
//! failure after a lock doubles the cooldown up to an hour; a success forgets the failures;
//! the counters live in the database.

use super::*;
use crate::support::ineww;

/// Another account, never guessed at.
const OTHER: &str = "13000000002";

#[tokio::test]
async fn four_failures_across_dialects_do_not_lock_the_account() {
    // Arrange
    let s = with_account().await;

    // Act: one wrong password in each of four dialects
    for d in [
        Dialect::PhoneBooks,
        Dialect::HelpAged,
        Dialect::Rooms,
        Dialect::V4,
    ] {
        let r = d.login(&s, PHONE, WRONG, None).await;
        assert!(!d.accepted(&r), "{d:?}: a wrong password is refused");
    }

    // Assert: the fifth check is still made, and the right password passes
    let r = Dialect::Ineww.login(&s, PHONE, RIGHT, None).await;
    assert_accepted(Dialect::Ineww, &r);
}

#[tokio::test]
async fn guessing_in_five_dialects_locks_the_account_in_every_dialect() {
    // Arrange: the account (made through PhoneBooks) and another one
    let s = with_account().await;
    s.pb().register(OTHER).await;

    // Act: one wrong password in each dialect, each checked and refused as wrong
    for d in DIALECTS {
        let r = d.login(&s, PHONE, WRONG, None).await;
        assert_answer(
            &r,
            d.wrong_password(),
            &format!("{d:?}: a wrong password, checked"),
        );
    }

    // Assert: the right password is refused in every dialect with its throttled answer...
    for d in DIALECTS {
        let r = d.login(&s, PHONE, RIGHT, None).await;
        assert_throttled(d, &r);
    }
    // ...while the lock is the account's alone
    for d in DIALECTS {
        let r = d.login(&s, OTHER, RIGHT, None).await;
        assert_accepted(d, &r);
    }
}

#[tokio::test]
async fn the_right_password_is_refused_to_the_last_second_of_the_lock_and_accepted_after_it() {
    // Arrange: locked now, for one minute
    let s = locked_account().await;

    // Act + Assert
    let r = Dialect::PhoneBooks.login(&s, PHONE, RIGHT, None).await;
    assert_throttled(Dialect::PhoneBooks, &r);
    lock_holds_to_its_last_second(&s, Dialect::PhoneBooks, 60).await;
    let r = Dialect::PhoneBooks.login(&s, PHONE, RIGHT, None).await;
    assert_accepted(Dialect::PhoneBooks, &r);
}

#[tokio::test]
async fn a_success_after_the_lock_forgets_the_failures_so_four_more_do_not_lock_again() {
    // Arrange: a lock that has just ended, and a login that succeeds
    let s = locked_account().await;
    s.advance(60);
    let r = Dialect::HelpAged.login(&s, PHONE, RIGHT, None).await;
    assert_accepted(Dialect::HelpAged, &r);

    // Act: four more failures at the same instant (without the success forgetting the first
    // five, the first of them would lock the account again, for two minutes)
    fail_times(&s, 4).await;

    // Assert
    let r = Dialect::HelpAged.login(&s, PHONE, RIGHT, None).await;
    assert_accepted(Dialect::HelpAged, &r);
}

#[tokio::test]
async fn each_failure_after_a_lock_doubles_the_cooldown_from_one_minute_to_at_most_an_hour() {
    // Arrange: locked for one minute
    let s = locked_account().await;

    // Act + Assert: each lock holds to its last second; then a wrong password is checked again
    // (INEWW tells 401 from 429) and locks for the next, doubled, cooldown
    for cooldown in [60, 120, 240, 480, 960, 1920, 3600, 3600] {
        lock_holds_to_its_last_second(&s, Dialect::Ineww, cooldown).await;
        let r = Dialect::Ineww.login(&s, PHONE, WRONG, None).await;
        assert_wrong_password_checked(&r, &format!("after a lock of {cooldown} s"));
    }
    lock_holds_to_its_last_second(&s, Dialect::Ineww, 3600).await;
    let r = Dialect::Ineww.login(&s, PHONE, RIGHT, None).await;
    assert_accepted(Dialect::Ineww, &r);
}

/// Advances the clock to the last second of a lock of `secs` that began now, shows the right
/// password refused there, and advances to the lock's end.
async fn lock_holds_to_its_last_second(s: &Server, d: Dialect, secs: i64) {
    s.advance(secs - 1);
    let r = d.login(s, PHONE, RIGHT, None).await;
    assert_throttled(d, &r);
    s.advance(1);
}

#[tokio::test]
async fn a_wrong_old_password_of_a_password_change_counts_and_a_locked_change_is_refused() {
    // Arrange: an INEWW session opened before any failure
    let s = with_account().await;
    let me = ineww::user(&Dialect::Ineww.login(&s, PHONE, RIGHT, None).await);
    let change = |old: &str| json!({"re_pwd": old, "pwd": "112233"});

    // Act: five wrong old passwords
    for i in 1..=5 {
        let r = s
            .json("PUT", "/ineww/user/pwd", &me.headers(), change(WRONG))
            .await;
        assert_wrong_password_checked(&r, &format!("password change {i}"));
    }

    // Assert: the right old password is refused, the password unchanged, logins locked too
    let r = s
        .json("PUT", "/ineww/user/pwd", &me.headers(), change(RIGHT))
        .await;
    assert_throttled(Dialect::Ineww, &r);
    refused_then_accepted_after(&s, 60).await;
}

#[tokio::test]
async fn failures_and_locks_survive_a_restart_because_they_live_in_the_database() {
    // Arrange: four failures, then a restart on the same database (and clock)
    let s = with_account().await;
    fail_times(&s, 4).await;
    let s = s.restart().await;

    // Act: the fifth failure, counted with the four from before the restart
    fail_times(&s, 1).await;
    let s = s.restart().await;

    // Assert: the lock holds after another restart, and ends on time
    let r = Dialect::Ineww.login(&s, PHONE, RIGHT, None).await;
    assert_throttled(Dialect::Ineww, &r);
    refused_then_accepted_after(&s, 60).await;
}

/// The right password refused through PhoneBooks now, and accepted `secs` later.
async fn refused_then_accepted_after(s: &Server, secs: i64) {
    let r = Dialect::PhoneBooks.login(s, PHONE, RIGHT, None).await;
    assert_throttled(Dialect::PhoneBooks, &r);
    s.advance(secs);
    let r = Dialect::PhoneBooks.login(s, PHONE, RIGHT, None).await;
    assert_accepted(Dialect::PhoneBooks, &r);
}
