//! The bench's own load client: keep-alive HTTP/1.1 connections sending one scenario's request
//! back to back (timing each), one-off requests for the preparation, and the login-under-load
//! probe.

use crate::scenario::Scenario;
use crate::{Res, PASSWORD, WARMUP};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{header, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rand::Rng;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Sender = SendRequest<Full<Bytes>>;

/// Opens one keep-alive HTTP/1.1 connection.
pub async fn connect(addr: SocketAddr) -> Res<Sender> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One request as the load sends it.
#[derive(Clone)]
pub struct Shape {
    method: Method,
    path: Arc<str>,
    headers: Arc<[(&'static str, String)]>,
    /// `Authorization` values, one picked at random per request.
    auths: Arc<[String]>,
    body: Bytes,
}

impl Shape {
    pub fn of(sc: &Scenario) -> Res<Shape> {
        let body = match &sc.body {
            Some(b) => Bytes::from(serde_json::to_vec(b)?),
            None => Bytes::new(),
        };
        Ok(Shape {
            method: sc.method.clone(),
            path: sc.path.as_str().into(),
            headers: sc.headers.clone().into(),
            auths: sc.auths.clone().into(),
            body,
        })
    }

    pub fn post(path: &str, headers: Vec<(&'static str, String)>, body: &Value) -> Res<Shape> {
        Ok(Shape {
            method: Method::POST,
            path: path.into(),
            headers: headers.into(),
            auths: Arc::new([]),
            body: Bytes::from(serde_json::to_vec(body)?),
        })
    }

    pub fn request(&self) -> Res<Request<Full<Bytes>>> {
        let mut b = Request::builder()
            .method(self.method.clone())
            .uri(&*self.path)
            .header(header::HOST, "bench");
        if !self.body.is_empty() {
            b = b.header(header::CONTENT_TYPE, "application/json");
        }
        for (k, v) in self.headers.iter() {
            b = b.header(*k, v);
        }
        if !self.auths.is_empty() {
            let i = rand::thread_rng().gen_range(0..self.auths.len());
            b = b.header(header::AUTHORIZATION, &self.auths[i]);
        }
        Ok(b.body(Full::new(self.body.clone()))?)
    }
}

/// Sends one request on `sender` and reads the whole answer.
pub async fn send(sender: &mut Sender, req: Request<Full<Bytes>>) -> Res<(StatusCode, Bytes)> {
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    Ok((status, resp.into_body().collect().await?.to_bytes()))
}

/// One request on a new connection; the answer must be a 200 JSON body.
pub async fn call(addr: SocketAddr, shape: &Shape) -> Res<Value> {
    let mut sender = connect(addr).await?;
    let (status, bytes) = send(&mut sender, shape.request()?).await?;
    if status != StatusCode::OK {
        let text = String::from_utf8_lossy(&bytes);
        return Err(format!(
            "{} {} answered HTTP {status}: {text}",
            shape.method, shape.path
        )
        .into());
    }
    Ok(serde_json::from_slice(&bytes)?)
}

pub async fn opcode(addr: SocketAddr, jwt: Option<&str>, body: Value) -> Res<Value> {
    let headers = jwt.map_or(vec![], |t| vec![("authorization", format!("JWT {t}"))]);
    call(addr, &Shape::post("/", headers, &body)?).await
}

pub fn typed_login(phone: &str) -> Value {
    json!({"id": 1, "type": "login", "subtype": "pass", "data": {"phone": phone, "pass": PASSWORD}})
}

pub fn text(v: &Value, whole: &Value) -> Res<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("expected a string in {whole}").into())
}

/// What one load run counted.
#[derive(Default)]
struct Tally {
    ok: u64,
    failed: u64,
    /// Latency of each counted answer, ms.
    millis: Vec<f64>,
}

/// `connections` connections sending `shape` back to back to `addr` for a warm-up and then
/// `secs` measured seconds; only answers that are 200 and contain `success` (when given) count.
pub async fn load(
    shape: &Shape,
    success: Option<&'static [u8]>,
    addr: SocketAddr,
    connections: usize,
    secs: f64,
) -> Res<crate::drive::Run> {
    load_at(shape, success, addr, connections, secs, None).await
}

/// Like [`load`], but at `rate` requests/s in all (when given) instead of back to back: each
/// connection sends on a fixed timetable, and a request sent late because the previous answer
/// came late counts its latency from when the timetable said to send it (as `wrk2` does), so
/// a server that falls behind is not flattered by the requests it delayed.
pub async fn load_at(
    shape: &Shape,
    success: Option<&'static [u8]>,
    addr: SocketAddr,
    connections: usize,
    secs: f64,
    rate: Option<f64>,
) -> Res<crate::drive::Run> {
    let every = rate.map(|r| Duration::from_secs_f64(connections as f64 / r));
    let from = Instant::now() + WARMUP;
    let until = from + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let job = Job {
                addr,
                shape: shape.clone(),
                success,
                every,
            };
            tokio::spawn(job.run(from, until))
        })
        .collect();
    let mut total = Tally::default();
    for task in tasks {
        let t = task.await??;
        total.ok += t.ok;
        total.failed += t.failed;
        total.millis.extend(t.millis);
    }
    Ok(crate::drive::Run {
        rate: total.ok as f64 / secs,
        failed: total.failed,
        p99_ms: p99(&mut total.millis),
    })
}

/// One connection's share of a load run.
struct Job {
    addr: SocketAddr,
    shape: Shape,
    success: Option<&'static [u8]>,
    /// The timetable's step, when paced.
    every: Option<Duration>,
}

impl Job {
    /// Sends until `until`, counting answers completed in `from..until`.
    async fn run(self, from: Instant, until: Instant) -> Res<Tally> {
        let mut sender = connect(self.addr).await?;
        let mut tally = Tally::default();
        // Connections start spread over one step, not all at once.
        let mut due = Instant::now()
            + self.every.map_or(Duration::ZERO, |e| {
                e.mul_f64(rand::thread_rng().gen::<f64>())
            });
        while Instant::now() < until {
            let start = match self.every {
                Some(every) => {
                    // Behind the timetable (the last answer came late): the wait counts. On
                    // time: the timer's own lateness (up to a millisecond) does not.
                    let behind = Instant::now() >= due;
                    if !behind {
                        tokio::time::sleep_until(due.into()).await;
                    }
                    let start = if behind { due } else { Instant::now() };
                    due += every;
                    start
                }
                None => Instant::now(),
            };
            let (status, answer) = send(&mut sender, self.shape.request()?).await?;
            let now = Instant::now();
            if now < from || now > until {
                continue;
            }
            if status == StatusCode::OK && self.counts(&answer) {
                tally.ok += 1;
                tally.millis.push((now - start).as_secs_f64() * 1000.0);
            } else {
                tally.failed += 1;
            }
        }
        Ok(tally)
    }

    fn counts(&self, answer: &[u8]) -> bool {
        self.success
            .is_none_or(|m| answer.windows(m.len()).any(|w| w == m))
    }
}

/// What the login probe saw.
pub struct LoginLoad {
    /// Successful HelpAged logins per second.
    pub logins_per_s: f64,
    /// 99th-percentile latency of `GET /healthz`, ms.
    pub p99_healthz_ms: f64,
    /// 99th-percentile latency of a cheap request (unknown op), ms.
    pub p99_cheap_ms: f64,
    /// 99th-percentile latency of a read through the store (op 1009, 10 contacts), ms.
    pub p99_read_ms: f64,
    /// Probe requests timed.
    pub samples: usize,
}

/// `logins` connections log in back to back (argon2id at the server's cost; beyond the hash
/// queue a login is refused at once) while one probe connection cycles `GET /healthz`, an
/// unknown op and op 1009 with `jwt` (a read through the store), timing each.
pub async fn login_probe(addr: SocketAddr, logins: usize, secs: f64, jwt: &str) -> Res<LoginLoad> {
    let phone = crate::prepare::LOGIN_PHONE;
    let login = Shape::post("/api/user/login", vec![], &typed_login(phone))?;
    let from = Instant::now() + WARMUP;
    let until = from + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = (0..logins)
        .map(|_| {
            let job = Job {
                addr,
                shape: login.clone(),
                success: Some(b"\"status\":0"),
                every: None,
            };
            tokio::spawn(job.run(from, until))
        })
        .collect();
    let healthz = Shape {
        method: Method::GET,
        path: "/healthz".into(),
        headers: Arc::new([]),
        auths: Arc::new([]),
        body: Bytes::new(),
    };
    let cheap = Shape::post("/", vec![], &json!({"op": 9999}))?;
    let auth = vec![("authorization", format!("JWT {jwt}"))];
    let read = Shape::post("/", auth, &json!({"op": 1009}))?;
    let mut sender = connect(addr).await?;
    let (mut h, mut c, mut r) = (Vec::new(), Vec::new(), Vec::new());
    while Instant::now() < until {
        for (shape, times) in [(&healthz, &mut h), (&cheap, &mut c), (&read, &mut r)] {
            let start = Instant::now();
            let (status, _) = send(&mut sender, shape.request()?).await?;
            if status == StatusCode::OK && start >= from {
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut ok = 0;
    for task in tasks {
        ok += task.await??.ok;
    }
    Ok(LoginLoad {
        logins_per_s: ok as f64 / secs,
        samples: h.len() + c.len() + r.len(),
        p99_healthz_ms: p99(&mut h),
        p99_cheap_ms: p99(&mut c),
        p99_read_ms: p99(&mut r),
    })
}

/// The 99th percentile of `v` (which it sorts); 0 when empty.
pub fn p99(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get((v.len() * 99).div_ceil(100).saturating_sub(1))
        .copied()
        .unwrap_or(0.0)
}

/// The body of one answer to `shape` on a new connection, whatever its status.
pub async fn answer(addr: SocketAddr, shape: &Shape) -> Res<Bytes> {
    let mut sender = connect(addr).await?;
    Ok(send(&mut sender, shape.request()?).await?.1)
}
