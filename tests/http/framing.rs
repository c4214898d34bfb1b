//! HTTP framing over raw sockets: every request the server can parse is answered, whatever the
//! client does with its side of the socket — half-close, pipelining, absolute-form targets,
//! bodies larger than the limit or sent where nobody reads them — and body memory is bounded.

use crate::support::{client, Conn, Resp, Server};
use serde_json::{json, Value};

const MIB: usize = 1024 * 1024;

/// Sends `bytes`, shuts the write side down (as `nc` and scripted clients do), and reads every
/// answer until the server closes the connection: each one's status and JSON body.
async fn half_closed(app: &Server, bytes: &[u8]) -> Vec<(u16, Value)> {
    let mut conn = app.connect().await;
    conn.write(bytes).await.unwrap();
    conn.half_close().await;
    let answers = conn
        .until_closed()
        .await
        .expect("the server closes after answering a half-closed connection");
    answers
        .iter()
        .map(|r| {
            (
                r.status,
                serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            )
        })
        .collect()
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
    let head = format!("POST {target} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n");
    client::chunked(&head, body, body.len(), true)
}

const UNKNOWN_OP: &[u8] = br#"{"op":9999}"#;

fn no_method() -> Value {
    json!({"ret": -1, "msg": "no method"})
}

#[tokio::test]
async fn a_request_followed_by_a_half_close_is_answered() {
    let app = Server::start().await;
    let got = half_closed(&app, &post("/", "", UNKNOWN_OP)).await;
    assert_eq!(got, vec![(200, no_method())]);
}

#[tokio::test]
async fn a_chunked_request_followed_by_a_half_close_is_answered() {
    let app = Server::start().await;
    let got = half_closed(&app, &chunked("/phonebooks", UNKNOWN_OP)).await;
    assert_eq!(got, vec![(200, no_method())]);
}

#[tokio::test]
async fn an_absolute_form_target_is_served_like_its_path() {
    let app = Server::start().await;
    let got = half_closed(&app, &post("http://t/", "", UNKNOWN_OP)).await;
    assert_eq!(got, vec![(200, no_method())]);
    let got = half_closed(&app, b"GET http://t/healthz HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert_eq!(got, vec![(200, json!({"status": "ok"}))]);
}

#[tokio::test]
async fn pipelined_requests_of_every_framing_are_all_answered_in_order() {
    let app = Server::start().await;
    let mut bytes = post("/", "", UNKNOWN_OP);
    bytes.extend(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    bytes.extend(chunked("/", br#"{"op":1003}"#));
    bytes.extend(post("http://t/phonebooks", "", UNKNOWN_OP));
    bytes.extend(b"GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n");

    let got = half_closed(&app, &bytes).await;

    let statuses: Vec<u16> = got.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, vec![200, 200, 200, 200, 404], "{got:?}");
    assert_eq!(got[0].1, no_method());
    assert_eq!(got[1].1, json!({"status": "ok"}));
    assert_eq!(got[2].1["ret"], -1);
    assert_eq!(got[3].1, no_method());
}

#[tokio::test]
async fn an_http_1_0_request_is_answered_and_closed() {
    let app = Server::start().await;
    let mut conn = app.connect().await;
    conn.write(b"GET /healthz HTTP/1.0\r\n\r\n").await.unwrap();
    let out = conn.rest().await;
    assert!(out.starts_with(b"HTTP/1.0 200 OK\r\n"), "{out:?}");
}

#[tokio::test]
async fn an_idle_connection_that_half_closes_is_closed() {
    let app = Server::start().await;
    let got = half_closed(&app, b"").await;
    assert!(got.is_empty());
}

/// Sends the head of a body declared (or chunked) past the limit and only part of the body,
/// then reads: the 413, with `Connection: close`, must come without the rest of the body.
async fn early_413(app: &Server, head: String, part: Vec<u8>) -> Resp {
    let mut bytes = head.into_bytes();
    bytes.extend(part);
    let r = app.raw(&bytes).await;
    assert_eq!(r.status, 413, "{r:?}");
    assert_eq!(r.header("connection"), Some("close"), "{r:?}");
    r
}

#[tokio::test]
async fn a_declared_oversized_body_gets_its_413_with_connection_close_before_it_is_sent() {
    let app = Server::start().await;
    let head = format!(
        "POST /ineww/session HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        9 * MIB
    );
    let r = early_413(&app, head, vec![b'{'; MIB]).await;
    assert_eq!(r.json()["code"], "413001");
}

#[tokio::test]
async fn a_chunked_body_crossing_the_limit_gets_its_413_before_it_ends() {
    let app = Server::with(|c| (c.body_limit, c.body_memory) = (MIB, 4 * MIB)).await;
    // Twenty 64 KiB chunks and no last chunk: the body has not ended when the answer must come.
    let part = client::chunked("", &vec![b'a'; 20 * 64 * 1024], 64 * 1024, false);
    let head = "POST /api/v4.0/login HTTP/1.1\r\nHost: t\r\n";
    early_413(&app, head.to_string(), part).await;
}

#[tokio::test]
async fn a_large_body_sent_where_nobody_reads_it_is_answered_not_reset() {
    let app = Server::start().await;
    for target in ["/nowhere", "/healthz", "/ineww/nowhere", "/api/user/info"] {
        let body = vec![b'x'; 4 * MIB];
        let mut conn = app.connect().await;
        // The whole body first, then the answer: a client that writes before it reads.
        conn.write(&post(target, "", &body)).await.unwrap();
        let r = conn.response().await;
        assert!(r.is_ok(), "{target}: {r:?}");
    }
}

#[tokio::test]
async fn a_body_that_parses_into_too_many_values_is_refused_as_a_bad_body() {
    let app = Server::start().await;
    let mut body = b"[".to_vec();
    for _ in 0..(2 * MIB) {
        body.extend(b"0,");
    }
    body.extend(b"0]");
    let r = app.raw(&post("/", "", &body)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["ret"], -1);
    app.healthy().await;
}

#[tokio::test]
async fn bodies_waiting_for_memory_are_served_when_it_frees() {
    let app = Server::with(|c| (c.body_limit, c.body_memory) = (MIB, 2 * MIB + 64 * 1024)).await;
    let body = {
        let mut b = br#"{"op":9999,"pad":""#.to_vec();
        b.resize(MIB - 2, b'a');
        b.extend(br#""}"#);
        b
    };
    // Six bodies of 1 MiB at once where only two fit: all are served, none refused.
    let request = post("/", "", &body);
    let (addr, mut sends) = (app.addr, Vec::new());
    for _ in 0..6 {
        let request = request.clone();
        sends.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await.expect("connect");
            conn.exchange(&request).await
        }));
    }
    for send in sends {
        let r = send.await.unwrap().expect("an answer");
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.json(), no_method());
    }
}
