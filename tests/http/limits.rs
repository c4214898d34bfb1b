//! The body limit and the timeouts, over raw sockets: a body past the limit (declared, chunked,
//! or never sent) is answered 413 in the envelope, one just under it is read, a body that stops
//! arriving and headers that never end are cut off by their own timeout, and bytes that are not
//! HTTP get a 400 — the server healthy after each.

use crate::support::{client, Server};
use serde_json::json;

const MIB: usize = 1024 * 1024;

/// Request head for a POST to /phonebooks with extra header lines.
fn head(extra: &str) -> Vec<u8> {
    format!(
        "POST /phonebooks HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// A JSON login body padded to `len` bytes.
fn padded(len: usize) -> Vec<u8> {
    let start = br#"{"op":1003,"phone":"13000000001","password":"123456","pad":""#;
    let mut body = start.to_vec();
    body.resize(len - 2, b'a');
    body.extend_from_slice(br#""}"#);
    body
}

/// A POST to /phonebooks of `body`, declared by Content-Length.
fn declared(body: &[u8]) -> Vec<u8> {
    let mut bytes = head(&format!("Content-Length: {}\r\n", body.len()));
    bytes.extend_from_slice(body);
    bytes
}

/// Asserts PhoneBooks' 413 envelope.
#[track_caller]
fn assert_too_large(r: &client::Resp) {
    assert_eq!(r.status, 413, "{r:?}");
    assert_eq!(
        r.json(),
        json!({"ret": -1, "msg": "request body too large"})
    );
}

#[tokio::test]
async fn a_nine_mib_body_is_answered_413_with_the_envelope() {
    let app = Server::start().await;

    let r = app.raw(&declared(&padded(9 * MIB))).await;

    assert_too_large(&r);
    app.healthy().await;
}

#[tokio::test]
async fn a_chunked_body_growing_past_the_limit_is_answered_413_with_the_envelope() {
    let app = Server::start().await;
    let mut body = b"{".to_vec();
    body.extend(vec![b' '; 9 * MIB]);
    body.push(b'}');
    let head = "POST /phonebooks HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n";

    let r = app
        .raw(&client::chunked(head, &body, 64 * 1024, true))
        .await;

    assert_too_large(&r);
    app.healthy().await;
}

#[tokio::test]
async fn a_body_just_under_the_limit_is_read_and_judged_on_its_content() {
    let app = Server::with(|c| c.body_limit = 64 * 1024).await;

    let r = app.raw(&declared(&padded(64 * 1024))).await;

    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    assert_eq!(v["ret"], -1);
    assert!(v["msg"].as_str().unwrap().contains("pad"), "{v}");
}

#[tokio::test]
async fn a_declared_nine_mib_body_that_never_arrives_is_answered_413_at_once() {
    // The request timeout is twice the client's patience: an answer that waited for the body
    // (which never comes) would come too late to be read.
    let app =
        Server::with(|c| c.request_timeout_ms = 2 * client::READ_TIMEOUT.as_millis() as u64).await;
    let mut bytes = head(&format!("Content-Length: {}\r\n", 9 * MIB));
    bytes.extend_from_slice(br#"{"op":1003"#);

    let r = app.raw(&bytes).await;

    assert_too_large(&r);
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_answered_with_the_envelope_after_the_request_timeout() {
    let app = Server::with(|c| c.request_timeout_ms = 500).await;
    let mut bytes = head("Content-Length: 100\r\n");
    bytes.extend_from_slice(br#"{"op":1003"#);

    let r = app.raw(&bytes).await;

    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    assert_eq!(v["ret"], -1);
    assert!(v["msg"].as_str().unwrap().contains("in time"), "{v}");
    app.healthy().await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected_after_the_header_timeout() {
    // Arrange: a header timeout of 300 ms, and a request timeout of 2 s that a second client
    // runs into — a yardstick on the server's own clock, shorter than the default header
    // timeout (5 s) that would apply if the configured one did not.
    let app = Server::with(|c| (c.header_timeout_ms, c.request_timeout_ms) = (300, 2_000)).await;
    let mut unfinished = app.connect().await;
    unfinished
        .write(b"POST /phonebooks HTTP/1.1\r\nHost: te")
        .await
        .unwrap();
    let mut yardstick = app.connect().await;
    let mut stalled = head("Content-Length: 100\r\n");
    stalled.extend_from_slice(br#"{"op":1003"#);
    yardstick.write(&stalled).await.unwrap();

    // Act: whichever the server ends first
    let header_timeout_first = tokio::select! {
        biased;
        closed = unfinished.closed() => {
            assert!(closed, "the server never hung up on the unfinished head");
            true
        }
        r = yardstick.response() => {
            let r = r.expect("the stalled body is answered");
            assert!(r.json()["msg"].as_str().unwrap().contains("in time"), "{r:?}");
            false
        }
    };

    // Assert
    assert!(
        header_timeout_first,
        "the 2 s request timeout fired before the 300 ms header timeout"
    );
    app.healthy().await;
}

#[tokio::test]
async fn bytes_that_are_not_http_get_a_400_and_the_server_stays_healthy() {
    let app = Server::start().await;

    let r = app.raw(b"\x00\x01\x02 this is not HTTP\r\n\r\n").await;

    assert_eq!(r.status, 400, "{r:?}");
    app.healthy().await;
}

#[tokio::test]
async fn a_head_of_60_kib_is_served_and_one_past_64_kib_is_answered_431() {
    let app = Server::start().await;
    let body = br#"{"op":9999}"#;
    let with_header = |bytes: usize| {
        let extra = format!(
            "X-Pad: {}\r\nContent-Length: {}\r\n",
            "a".repeat(bytes),
            body.len()
        );
        let mut request = head(&extra);
        request.extend_from_slice(body);
        request
    };

    let served = app.raw(&with_header(60 * 1024)).await;
    let refused = app.raw(&with_header(70 * 1024)).await;

    assert_eq!(served.status, 200, "{served:?}");
    assert_eq!(served.json()["msg"], "no method");
    assert_eq!(refused.status, 431, "{refused:?}");
    app.healthy().await;
}
