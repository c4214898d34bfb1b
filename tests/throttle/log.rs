//! The request log of throttled logins: each line says it was the throttle (`detail="login
//! throttled: …"`) and why, and no line carries a password.

use super::*;
use crate::support::log::{captured, lines};

/// The last request line logged for `path`.
#[track_caller]
fn last_line_for(all: &[String], path: &str) -> String {
    let needle = format!("path=\"{path}\"");
    all.iter()
        .rfind(|l| l.contains(&needle))
        .unwrap_or_else(|| panic!("no line for {path}: {all:?}"))
        .clone()
}

#[tokio::test]
async fn a_throttled_login_logs_that_it_was_the_throttle_in_every_dialect_and_never_the_password() {
    // Arrange: an account with a password no other line could contain, locked by five wrong
    // ones (as unique), one per dialect
    let (log, _capture) = captured();
    let s = Server::builder().manual_clock().start().await;
    let right = format!("pw{}", uuid::Uuid::new_v4().simple());
    let wrong = format!("pw{}", uuid::Uuid::new_v4().simple());
    s.pb().register_bare(PHONE, &right).await;
    for d in DIALECTS {
        let r = d.login(&s, PHONE, &wrong, None).await;
        assert!(!d.accepted(&r), "{d:?}: {r:?}");
    }

    // Act: the right password in every dialect, during the lock
    for d in DIALECTS {
        let r = d.login(&s, PHONE, &right, None).await;
        assert_throttled(d, &r);
    }

    // Assert: each dialect's last line (its throttled login) says why
    let all = lines(&log);
    for d in DIALECTS {
        let line = last_line_for(&all, d.request(PHONE, "", None).path);
        assert!(line.contains(" INFO "), "{line}");
        assert!(
            line.contains(&format!("status={}", d.throttled().0)),
            "{d:?}: {line}"
        );
        assert!(
            line.contains("detail=\"login throttled: account locked"),
            "{d:?}: {line}"
        );
    }
    for secret in [&right, &wrong] {
        let leaks: Vec<&String> = all.iter().filter(|l| l.contains(secret.as_str())).collect();
        assert!(leaks.is_empty(), "a password in the log: {leaks:?}");
    }
}

#[tokio::test]
async fn a_login_refused_for_its_client_address_logs_that_the_address_was_over_its_failures() {
    // Arrange: one address over its failures for this minute
    let (log, _capture) = captured();
    let s = with_account().await;
    for i in 0..30 {
        let r = Dialect::Ineww
            .login(&s, &format!("131{i:08}"), WRONG, Some("203.0.113.5"))
            .await;
        assert_eq!(r.status, 401, "failure {}: {r:?}", i + 1);
    }

    // Act
    let r = Dialect::Rooms
        .login(&s, PHONE, RIGHT, Some("203.0.113.5"))
        .await;

    // Assert
    assert_throttled(Dialect::Rooms, &r);
    let line = last_line_for(&lines(&log), "/login/");
    assert!(line.contains("status=429"), "{line}");
    assert!(line.contains("client=203.0.113.5"), "{line}");
    assert!(
        line.contains("detail=\"login throttled: client address over 30 failed logins"),
        "{line}"
    );
}
