//! HTTP framing over raw sockets: every request the server can parse is answered, whatever the
//! client does with its side of the socket — half-close, pipelining, absolute-form targets,
//! bodies larger than the limit or sent where nobody reads them — and body memory is bounded.

use crate::support::pb::*;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use switchboard::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MIB: usize = 1024 * 1024;
const WAIT: Duration = Duration::from_secs(10);

/// Sends `bytes`, shuts the write side down (as `nc` and scripted clients do), and reads
/// until the server closes the connection.
async fn half_closed(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    s.shutdown().await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut out))
        .await
        .expect("the server closes after answering a half-closed connection")
        .expect("no reset");
    out
}

fn post(target: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut b = format!(
        "POST {target} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n{extra}\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    b.extend_from_slice(body);
    b
}

fn chunked(target: &str, body: &[u8]) -> Vec<u8> {
    let mut b = format!(
        "POST {target} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        body.len()
    )
    .into_bytes();
    b.extend_from_slice(body);
    b.extend_from_slice(b"\r\n0\r\n\r\n");
    b
}

/// Each response's status and body, in order.
fn responses(mut bytes: &[u8]) -> Vec<(u16, Value)> {
    let mut out = Vec::new();
    while let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = std::str::from_utf8(&bytes[..at]).unwrap();
        let status = head[9..12].parse().unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .map_or(0, |v| v.parse().unwrap());
        let body = &bytes[at + 4..at + 4 + len];
        out.push((status, serde_json::from_slice(body).unwrap_or(Value::Null)));
        bytes = &bytes[at + 4 + len..];
    }
    out
}

const UNKNOWN_OP: &[u8] = br#"{"op":9999}"#;

fn no_method() -> Value {
    json!({"ret": -1, "msg": "no method"})
}

#[tokio::test]
async fn a_request_followed_by_a_half_close_is_answered() {
    let app = spawn_app().await;
    let got = half_closed(app.addr, &post("/", "", UNKNOWN_OP)).await;
    assert_eq!(responses(&got), vec![(200, no_method())]);
}

#[tokio::test]
async fn a_chunked_request_followed_by_a_half_close_is_answered() {
    let app = spawn_app().await;
    let got = half_closed(app.addr, &chunked("/phonebooks", UNKNOWN_OP)).await;
    assert_eq!(responses(&got), vec![(200, no_method())]);
}

#[tokio::test]
async fn an_absolute_form_target_is_served_like_its_path() {
    let app = spawn_app().await;
    let got = half_closed(app.addr, &post("http://t/", "", UNKNOWN_OP)).await;
    assert_eq!(responses(&got), vec![(200, no_method())]);
    let got = half_closed(
        app.addr,
        b"GET http://t/healthz HTTP/1.1\r\nHost: t\r\n\r\n",
    )
    .await;
    assert_eq!(responses(&got), vec![(200, json!({"status": "ok"}))]);
}

#[tokio::test]
async fn pipelined_requests_of_every_framing_are_all_answered_in_order() {
    let app = spawn_app().await;
    let mut bytes = post("/", "", UNKNOWN_OP);
    bytes.extend(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    bytes.extend(chunked("/", br#"{"op":1003}"#));
    bytes.extend(post("http://t/phonebooks", "", UNKNOWN_OP));
    bytes.extend(b"GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n");

    let got = responses(&half_closed(app.addr, &bytes).await);

    let statuses: Vec<u16> = got.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, vec![200, 200, 200, 200, 404], "{got:?}");
    assert_eq!(got[0].1, no_method());
    assert_eq!(got[1].1, json!({"status": "ok"}));
    assert_eq!(got[2].1["ret"], -1);
    assert_eq!(got[3].1, no_method());
}

#[tokio::test]
async fn an_http_1_0_request_is_answered_and_closed() {
    let app = spawn_app().await;
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    assert!(out.starts_with(b"HTTP/1.0 200 OK\r\n"), "{out:?}");
}

#[tokio::test]
async fn an_idle_connection_that_half_closes_is_closed() {
    let app = spawn_app().await;
    let got = half_closed(app.addr, b"").await;
    assert!(got.is_empty());
}

/// Sends the head of a body declared (or chunked) past the limit and only part of the body,
/// then reads: the 413 must come without the rest of the body.
async fn early_413(addr: SocketAddr, head: String, part: Vec<u8>) -> RawResp {
    let mut bytes = head.into_bytes();
    bytes.extend(part);
    raw(addr, bytes, WAIT).await
}

#[tokio::test]
async fn a_declared_oversized_body_gets_its_413_with_connection_close_before_it_is_sent() {
    let app = spawn_app().await;
    let head = format!(
        "POST /ineww/session HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        9 * MIB
    );
    let r = early_413(app.addr, head, vec![b'{'; MIB]).await;
    assert_eq!(r.status(), Some(413), "{}", r.text());
    assert!(r.text().to_ascii_lowercase().contains("connection: close"));
    assert_eq!(r.json()["code"], "413001");
}

#[tokio::test]
async fn a_chunked_body_crossing_the_limit_gets_its_413_before_it_ends() {
    let app = spawn_app_with(|c| Config {
        body_limit: MIB,
        body_memory: 4 * MIB,
        ..c
    })
    .await;
    let head = "POST /api/v4.0/login HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    let mut part = Vec::new();
    for _ in 0..20 {
        part.extend(format!("{:x}\r\n", 64 * 1024).as_bytes());
        part.extend(vec![b'a'; 64 * 1024]);
        part.extend(b"\r\n");
    }
    // No last chunk: the body has not ended when the answer must come.
    let r = early_413(app.addr, head.to_string(), part).await;
    assert_eq!(r.status(), Some(413), "{}", r.text());
    assert!(r.text().to_ascii_lowercase().contains("connection: close"));
}

#[tokio::test]
async fn a_large_body_sent_where_nobody_reads_it_is_answered_not_reset() {
    let app = spawn_app().await;
    for target in ["/nowhere", "/healthz", "/ineww/nowhere", "/api/user/info"] {
        let body = vec![b'x'; 4 * MIB];
        let mut s = TcpStream::connect(app.addr).await.unwrap();
        // The whole body first, then the answer: a client that writes before it reads.
        s.write_all(&post(target, "", &body)).await.unwrap();
        let r = read_answer(&mut s, WAIT).await;
        assert!(r.status().is_some(), "{target}: {:?}", r.text());
    }
}

#[tokio::test]
async fn a_body_that_parses_into_too_many_values_is_refused_as_a_bad_body() {
    let app = spawn_app().await;
    let mut body = b"[".to_vec();
    for _ in 0..(2 * MIB) {
        body.extend(b"0,");
    }
    body.extend(b"0]");
    let r = raw(app.addr, post("/", "", &body), WAIT).await;
    assert_eq!(r.status(), Some(200), "{}", r.text());
    assert_eq!(r.json()["ret"], -1);
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn bodies_waiting_for_memory_are_served_when_it_frees() {
    let app = spawn_app_with(|c| Config {
        body_limit: MIB,
        body_memory: 2 * MIB + 64 * 1024,
        ..c
    })
    .await;
    let body = {
        let mut b = br#"{"op":9999,"pad":""#.to_vec();
        b.resize(MIB - 2, b'a');
        b.extend(br#""}"#);
        b
    };
    let sends = (0..6).map(|_| raw(app.addr, post("/", "", &body), WAIT));
    for r in futures_join(sends).await {
        assert_eq!(r.status(), Some(200), "{}", r.text());
        assert_eq!(r.json(), no_method());
    }
}

/// Runs the futures concurrently and collects their outputs in order.
async fn futures_join<F: std::future::Future + Send + 'static>(
    fs: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
