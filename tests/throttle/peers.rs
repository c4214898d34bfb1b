//! Per client address: 30 failed logins in a minute, across accounts and dialects, stop every
//! login from that address — the right password of an untouched account too — until the
//! minute ends. The address is the connection's, or, from a trusted proxy (loopback by
//! default), the last untrusted hop of `X-Forwarded-For`: these in-process tests connect from
//! 127.0.0.1 and play clients with that header; where loopback is not trusted, the header
//! changes nothing.

use super::*;
use crate::support::checks::now_secs;

/// The address that guesses.
const GUESSER: &str = "203.0.113.5";

/// Another client address.
const BYSTANDER: &str = "198.51.100.7";

/// A server on a manual clock stopped at the first second of a minute (the peer limit counts
/// per calendar minute), with [`PHONE`] registered.
async fn at_the_start_of_a_minute(trusted_proxies: Option<&'static str>) -> Server {
    let start = chrono::DateTime::from_timestamp(now_secs() / 60 * 60, 0).expect("a valid time");
    let mut builder = Server::builder().manual_clock_at(start);
    if let Some(net) = trusted_proxies {
        builder = builder.config(move |c| c.trusted_proxies = vec![net.parse().expect("a net")]);
    }
    let s = builder.start().await;
    s.pb().register(PHONE).await;
    s
}

/// Fails a login of `phone` through `d` from `from`, asserting it was checked (not throttled:
/// INEWW and rooms tell 429 apart; every dialect refuses).
async fn fail_once(s: &Server, d: Dialect, phone: &str, from: &str, what: &str) {
    let r = d.login(s, phone, WRONG, Some(from)).await;
    assert!(
        !d.accepted(&r) && r.status != 429,
        "{what} through {d:?}: a checked failure, got HTTP {} {}",
        r.status,
        r.text()
    );
}

#[tokio::test]
async fn an_address_failing_thirty_logins_is_refused_for_the_rest_of_the_minute_while_another_logs_in(
) {
    // Arrange: thirty phones, every third of them registered
    let s = at_the_start_of_a_minute(None).await;
    let phones: Vec<String> = (0..30).map(|i| format!("131{i:08}")).collect();
    for p in phones.iter().step_by(3) {
        s.pb().register(p).await;
    }

    // Act: one wrong password for each phone from one address, spread over the dialects; after
    // 29 the address may still log in
    for (i, p) in phones.iter().enumerate() {
        if i == 29 {
            let r = Dialect::Rooms.login(&s, PHONE, RIGHT, Some(GUESSER)).await;
            assert_accepted(Dialect::Rooms, &r);
        }
        fail_once(
            &s,
            DIALECTS[i % 5],
            p,
            GUESSER,
            &format!("failure {}", i + 1),
        )
        .await;
    }

    // Assert: from that address the right password of an untouched account is refused in
    // every dialect...
    for d in DIALECTS {
        let r = d.login(&s, PHONE, RIGHT, Some(GUESSER)).await;
        assert_throttled(d, &r);
    }
    // ...while another address logs in...
    for d in DIALECTS {
        let r = d.login(&s, PHONE, RIGHT, Some(BYSTANDER)).await;
        assert_accepted(d, &r);
    }
    // ...until the minute ends
    s.advance(59);
    let r = Dialect::Ineww.login(&s, PHONE, RIGHT, Some(GUESSER)).await;
    assert_throttled(Dialect::Ineww, &r);
    s.advance(1);
    for d in DIALECTS {
        let r = d.login(&s, PHONE, RIGHT, Some(GUESSER)).await;
        assert_accepted(d, &r);
    }
}

#[tokio::test]
async fn a_client_that_is_not_a_trusted_proxy_cannot_escape_the_limit_by_naming_other_addresses() {
    // Arrange: only 10.0.0.0/8 is trusted, so the tests' own 127.0.0.1 is the client
    let s = at_the_start_of_a_minute(Some("10.0.0.0/8")).await;

    // Act: thirty failures (unregistered phones), each naming a different address
    for i in 0..30 {
        let named = format!("203.0.113.{}", i + 1);
        let phone = format!("132{i:08}");
        fail_once(
            &s,
            Dialect::Ineww,
            &phone,
            &named,
            &format!("failure {}", i + 1),
        )
        .await;
    }

    // Assert: naming yet another address does not help, in any dialect
    for d in DIALECTS {
        let r = d.login(&s, PHONE, RIGHT, Some(BYSTANDER)).await;
        assert_throttled(d, &r);
    }
    s.advance(60);
    let r = Dialect::Ineww
        .login(&s, PHONE, RIGHT, Some(BYSTANDER))
        .await;
    assert_accepted(Dialect::Ineww, &r);
}
