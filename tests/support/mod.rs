//! Shared plumbing for the dialect tests: an in-process server over a temporary database and a
//! raw HTTP/1.1 client for it (requests are written byte for byte, answers parsed by hand).

// Every test binary compiles this module on its own and none uses all of it.
#![allow(dead_code)]

pub mod ineww;
pub mod pb;
pub mod typed;

use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use switchboard::app::App;
use switchboard::config::Config;
use switchboard::ctx::{Clock, ManualClock, SystemClock};
use switchboard::server::Running;
use switchboard::store::codes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A running server over a fresh database (or the given one).
pub struct Server {
    pub running: Running,
    pub addr: String,
    /// The manual clock the server runs on, when it was started with one.
    pub clock: Option<Arc<ManualClock>>,
    _dir: tempfile::TempDir,
}

/// How to start a server.
#[derive(Default)]
pub struct Options {
    /// Replaces the system clock.
    pub clock: Option<Arc<ManualClock>>,
    pub rooms_trust_sns_identities: bool,
    /// An existing database (and the directory that holds it) instead of a fresh one.
    pub db: Option<(tempfile::TempDir, PathBuf)>,
}

/// An answer: status, headers and body.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// The value of header `name` (any case; the last one when repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

impl Server {
    pub async fn start() -> Server {
        Server::start_with(Options::default()).await
    }

    pub async fn start_with(o: Options) -> Server {
        let (dir, db) = match o.db {
            Some(d) => d,
            None => {
                let dir = tempfile::tempdir().unwrap();
                let db = dir.path().join("db");
                (dir, db)
            }
        };
        let mut config = Config::for_tests(db);
        config.rooms_trust_sns_identities = o.rooms_trust_sns_identities;
        let time: Arc<dyn Clock> = match &o.clock {
            Some(clock) => clock.clone(),
            None => Arc::new(SystemClock),
        };
        let app = tokio::task::spawn_blocking(move || App::open_with_clock(config, time).unwrap())
            .await
            .unwrap();
        let running = Running::start(app).await.unwrap();
        let addr = running.base_url.trim_start_matches("http://").to_string();
        Server {
            running,
            addr,
            clock: o.clock,
            _dir: dir,
        }
    }

    /// Sends raw request bytes and reads the answer until the server closes.
    pub async fn raw(&self, bytes: Vec<u8>) -> Resp {
        let stream = TcpStream::connect(&self.addr).await.unwrap();
        let (mut rd, mut wr) = stream.into_split();
        let writer = tokio::spawn(async move {
            // The server may answer (413) and close before it has read everything.
            let _ = wr.write_all(&bytes).await;
            wr
        });
        let mut got = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(15), rd.read_to_end(&mut got)).await;
        writer.abort();
        assert!(read.is_ok(), "no complete answer within 15 s");
        parse(&got)
    }

    /// Sends one HTTP/1.1 request (Host, Connection: close, Content-Length, then `headers`).
    pub async fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.raw(bytes).await
    }

    /// The newest code the server queued for `phone`.
    pub fn code_for(&self, phone: &str) -> String {
        let store = &self.running.app.ctx.store;
        let sent = store.read(|c| codes::outbox(c, Some(phone))).unwrap();
        sent.last().expect("a code was queued").code.clone()
    }

    pub async fn healthy(&self) {
        let r = self.send("GET", "/healthz", &[], b"").await;
        assert_eq!(r.status, 200);
    }
}

/// Splits a raw HTTP/1.1 answer (Content-Length framed, or none).
pub fn parse(raw: &[u8]) -> Resp {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut headers = Vec::new();
    let mut len = None;
    for line in lines {
        let (k, v) = line.split_once(':').unwrap();
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("content-length") {
            len = v.parse::<usize>().ok();
        }
        headers.push((k.to_string(), v.to_string()));
    }
    let rest = &raw[end + 4..];
    let body = rest[..len.unwrap_or(rest.len()).min(rest.len())].to_vec();
    Resp {
        status,
        headers,
        body,
    }
}
