//! The forwarding `record` and `shadow` share: each request goes to the upstream unchanged
//! through a pooled HTTP/1.1 client, its answer comes back unchanged and streamed, and an
//! [`Observer`] is handed the whole [`Exchange`] once the answer's last byte went out.
//!
//! ```text
//! client ─▶ Forwarder ──(Tee: copy kept)──▶ upstream        502 in the dialect's envelope
//!        ◀──────────────(Tee: copy kept)◀──               ◀ when it is dead or too slow
//!                 └─▶ Observer::observe(Exchange)   (must not block: a try_send)
//! ```

use super::classify;
use super::tee::{BoxError, Captured, Tee, TooLong};
use super::upstream::{strip_hop_by_hop, Upstream};
use crate::dialect::{Reply, Wire};
use crate::error::Error;
use crate::registry::Registry;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// The body type on both sides of the proxy.
pub type ProxyBody = UnsyncBoxBody<Bytes, BoxError>;

/// The pooled upstream client.
pub type UpstreamClient = Client<HttpConnector, ProxyBody>;

/// Limits and timeouts of the forwarding.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A request body longer than this is refused (413 in its dialect's envelope).
    pub body_limit: usize,
    /// Connecting to the upstream must succeed within this.
    pub connect_timeout: Duration,
    /// The whole exchange — request sent, answer's last byte received — within this; else a
    /// 502 (or, once the answer has begun, the connection is cut).
    pub timeout: Duration,
    /// How much of an answer observers are handed (the rest goes through uncopied).
    pub keep: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            body_limit: 8 * 1024 * 1024,
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(30),
            keep: 8 * 1024 * 1024,
        }
    }
}

/// One request and its upstream answer, as they went through.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Numbered from 1 at each start.
    pub id: u64,
    /// The client connection it came on, numbered from 1.
    pub conn: u64,
    /// The client's address.
    pub client: IpAddr,
    /// When the request arrived.
    pub at: SystemTime,
    /// The request's method.
    pub method: Method,
    /// Path and query, as sent.
    pub uri: Uri,
    /// The request's headers (hop-by-hop ones left out).
    pub request_headers: HeaderMap,
    /// The request's body.
    pub request_body: Bytes,
    /// The answer's status.
    pub status: u16,
    /// The answer's headers (hop-by-hop ones left out).
    pub response_headers: HeaderMap,
    /// The answer's body, up to [`Settings::keep`] bytes.
    pub response_body: Bytes,
    /// The answer was longer than what was kept.
    pub truncated: bool,
}

/// Handed every completed exchange, on the connection's task: it must not block.
pub trait Observer: Send + Sync + 'static {
    /// One exchange went through.
    fn observe(&self, exchange: Exchange);
}

/// A pooled HTTP/1.1 client with the connect timeout.
pub fn client(settings: &Settings) -> UpstreamClient {
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(settings.connect_timeout));
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .build(connector)
}

/// Forwards requests to one upstream and tells an observer what went through.
pub struct Forwarder {
    /// Where requests go.
    pub upstream: Upstream,
    /// Limits and timeouts.
    pub settings: Settings,
    /// The pooled client.
    client: UpstreamClient,
    /// The registry, to tell dialects apart for the 502 envelope.
    registry: Arc<Registry>,
    /// Told of each exchange.
    observer: Arc<dyn Observer>,
}

/// Numbers exchanges.
static EXCHANGE_IDS: AtomicU64 = AtomicU64::new(1);

/// The request half of an exchange, waiting for its answer's end.
struct Pending {
    exchange: Exchange,
    request: Arc<Mutex<Option<Captured<Incoming>>>>,
    observer: Arc<dyn Observer>,
}

impl Pending {
    /// Hands the exchange over once both bodies went through whole.
    fn done(mut self, answer: Captured<Incoming>) {
        let request = self.request.lock().map(|mut r| r.take()).ok().flatten();
        match request {
            Some(r) if r.complete && answer.complete => {
                self.exchange.request_body = r.bytes;
                self.exchange.response_body = answer.bytes;
                self.exchange.truncated = answer.truncated;
                self.observer.observe(self.exchange);
            }
            _ => tracing::debug!(id = self.exchange.id, "exchange cut short: not observed"),
        }
    }
}

impl Forwarder {
    /// A forwarder to `upstream`.
    pub fn new(
        upstream: Upstream,
        settings: Settings,
        registry: Arc<Registry>,
        observer: Arc<dyn Observer>,
    ) -> Forwarder {
        Forwarder {
            client: client(&settings),
            upstream,
            settings,
            registry,
            observer,
        }
    }

    /// Forwards one request; answers the upstream's answer, or a 502 or 413 in the
    /// request's dialect.
    pub async fn handle(
        &self,
        req: Request<Incoming>,
        conn: u64,
        client: IpAddr,
    ) -> Response<ProxyBody> {
        let id = EXCHANGE_IDS.fetch_add(1, Ordering::Relaxed);
        let deadline = tokio::time::Instant::now() + self.settings.timeout;
        let (parts, body) = req.into_parts();
        let limit = self.settings.body_limit;
        let declared = parts.headers.get(http::header::CONTENT_LENGTH);
        let declared = declared.and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return self.refuse(&parts, Bytes::new(), Error::TooLarge);
        }
        let slot = Arc::new(Mutex::new(None));
        let keep = slot.clone();
        let on_request = Box::new(move |c| {
            if let Ok(mut s) = keep.lock() {
                *s = Some(c);
            }
        });
        let tee = Tee::new(body, limit, Some(limit), Some(deadline), on_request);
        let mut up = Request::new(tee.boxed_unsync());
        *up.method_mut() = parts.method.clone();
        *up.headers_mut() = forwarded_headers(&parts.headers, client);
        *up.uri_mut() = match self.upstream.uri(&parts.uri) {
            Ok(uri) => uri,
            Err(e) => return self.refuse(&parts, Bytes::new(), Error::BadFrame(e)),
        };
        let answer = tokio::time::timeout_at(deadline, self.client.request(up)).await;
        let why = match answer {
            Ok(Ok(resp)) => {
                return self.pass_back(
                    resp,
                    parts,
                    slot,
                    Meta {
                        id,
                        conn,
                        client,
                        deadline,
                    },
                )
            }
            Ok(Err(e)) if caused_by_too_long(&e) => {
                return self.refuse(&parts, Bytes::new(), Error::TooLarge)
            }
            Ok(Err(e)) => chain(&e),
            Err(_) => format!("no answer within {} ms", self.settings.timeout.as_millis()),
        };
        let body = recover_body(&slot, limit).await;
        tracing::warn!(id, upstream = %self.upstream, method = %parts.method,
            path = parts.uri.path(), error = %why, "upstream failed: answered 502");
        self.refuse(&parts, body, Error::Upstream(why))
    }

    /// The upstream's answer, streamed back; the observer is told at its end.
    fn pass_back(
        &self,
        resp: Response<Incoming>,
        parts: http::request::Parts,
        slot: Arc<Mutex<Option<Captured<Incoming>>>>,
        meta: Meta,
    ) -> Response<ProxyBody> {
        let (mut head, body) = resp.into_parts();
        strip_hop_by_hop(&mut head.headers);
        let mut request_headers = parts.headers;
        strip_hop_by_hop(&mut request_headers);
        let pending = Pending {
            exchange: Exchange {
                id: meta.id,
                conn: meta.conn,
                client: meta.client,
                at: SystemTime::now(),
                method: parts.method,
                uri: parts.uri,
                request_headers,
                request_body: Bytes::new(),
                status: head.status.as_u16(),
                response_headers: head.headers.clone(),
                response_body: Bytes::new(),
                truncated: false,
            },
            request: slot,
            observer: self.observer.clone(),
        };
        let on_answer = Box::new(move |c| pending.done(c));
        let tee = Tee::new(
            body,
            self.settings.keep,
            None,
            Some(meta.deadline),
            on_answer,
        );
        Response::from_parts(head, tee.boxed_unsync())
    }

    /// An answer of the proxy's own, in the request's dialect.
    fn refuse(&self, parts: &http::request::Parts, body: Bytes, e: Error) -> Response<ProxyBody> {
        let wire = Wire {
            method: &parts.method,
            path: parts.uri.path(),
            query: parts.uri.query(),
            headers: &parts.headers,
        };
        let decoded = classify::decode(&self.registry, &wire, &body);
        let rooms = decoded.dialect == Some(crate::registry::Dialect::Rooms);
        let reply = classify::refusal(decoded, e);
        reply_response(reply, rooms)
    }
}

/// What a [`Pending`] exchange starts with.
struct Meta {
    id: u64,
    conn: u64,
    client: IpAddr,
    deadline: tokio::time::Instant,
}

/// The request's headers for the upstream: hop-by-hop ones left out, the client's address
/// appended to `X-Forwarded-For` (so that a Switchboard behind the proxy throttles each
/// client, not the proxy).
pub(crate) fn forwarded_headers(headers: &HeaderMap, client: IpAddr) -> HeaderMap {
    let mut out = headers.clone();
    strip_hop_by_hop(&mut out);
    out.remove(http::header::EXPECT);
    let mut forwarded: Vec<String> = out
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    forwarded.push(client.to_string());
    let forwarded = forwarded.join(", ");
    out.remove("x-forwarded-for");
    if let Ok(v) = HeaderValue::from_str(&forwarded) {
        out.insert("x-forwarded-for", v);
    }
    out
}

/// A [`Reply`] as a response (rooms answers carry the CORS headers, as the server's do).
pub fn reply_response(reply: Reply, rooms: bool) -> Response<ProxyBody> {
    let mut resp = Response::new(Full::new(reply.body).map_err(|e| match e {}).boxed_unsync());
    *resp.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY);
    if let Some(ct) = reply.content_type {
        resp.headers_mut()
            .insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    if rooms {
        for (name, value) in crate::dialect::rooms::CORS {
            resp.headers_mut()
                .insert(*name, HeaderValue::from_static(value));
        }
    }
    resp
}

/// What the request body was, when the upstream failed: the bytes it read, and the rest
/// read here (briefly) when it never read them — the envelope may need them (HelpAged's `id`,
/// `POST /` told apart by its body).
async fn recover_body(slot: &Mutex<Option<Captured<Incoming>>>, limit: usize) -> Bytes {
    let captured = slot.lock().ok().and_then(|mut s| s.take());
    let Some(captured) = captured else {
        return Bytes::new();
    };
    let Some(rest) = captured.rest else {
        return captured.bytes;
    };
    let room = limit.saturating_sub(captured.bytes.len());
    let read = tokio::time::timeout(Duration::from_secs(1), Limited::new(rest, room).collect());
    match read.await {
        Ok(Ok(more)) => [captured.bytes, more.to_bytes()].concat().into(),
        _ => captured.bytes,
    }
}

/// Whether the request failed because its body passed the limit.
fn caused_by_too_long(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(e);
    while let Some(s) = source {
        if s.is::<TooLong>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// An error with its causes, for the log.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
