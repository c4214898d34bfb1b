//! The load client: keep-alive HTTP/1.1 connections sending one scenario's request back to
//! back, the preparation requests, and the login-under-load probe.

use crate::scenario::{self, Prepared, Scenario};
use crate::{median, Res, Settings, CONNECTIONS, PASSWORD, PHONE, WARMUP};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{header, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Sender = SendRequest<Full<Bytes>>;

/// The phone of the account whose logins the login probe measures.
pub const LOGIN_PHONE: &str = "13000000002";

/// Opens one keep-alive HTTP/1.1 connection.
async fn connect(addr: SocketAddr) -> Res<Sender> {
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
struct Shape {
    method: Method,
    path: Arc<str>,
    headers: Arc<[(&'static str, String)]>,
    body: Bytes,
}

impl Shape {
    fn of(sc: &Scenario) -> Res<Shape> {
        let body = match &sc.body {
            Some(b) => Bytes::from(serde_json::to_vec(b)?),
            None => Bytes::new(),
        };
        Ok(Shape {
            method: sc.method.clone(),
            path: sc.path.as_str().into(),
            headers: sc.headers.clone().into(),
            body,
        })
    }

    fn post(path: &str, headers: Vec<(&'static str, String)>, body: &Value) -> Res<Shape> {
        Ok(Shape {
            method: Method::POST,
            path: path.into(),
            headers: headers.into(),
            body: Bytes::from(serde_json::to_vec(body)?),
        })
    }

    fn request(&self) -> Res<Request<Full<Bytes>>> {
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
        Ok(b.body(Full::new(self.body.clone()))?)
    }
}

/// Sends one request on `sender` and reads the whole answer.
async fn send(sender: &mut Sender, req: Request<Full<Bytes>>) -> Res<(StatusCode, Bytes)> {
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    Ok((status, resp.into_body().collect().await?.to_bytes()))
}

/// One request on a new connection; the answer must be a 200 JSON body.
async fn call(addr: SocketAddr, shape: &Shape) -> Res<Value> {
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

async fn opcode(addr: SocketAddr, jwt: Option<&str>, body: Value) -> Res<Value> {
    let headers = jwt.map_or(vec![], |t| vec![("authorization", format!("JWT {t}"))]);
    call(addr, &Shape::post("/", headers, &body)?).await
}

/// Registers, logs in through three dialects and adds 10 contacts; also registers the
/// account the login probe uses.
pub async fn prepare(addr: SocketAddr) -> Res<Prepared> {
    for phone in [PHONE, LOGIN_PHONE] {
        let register = json!({"op": 1001, "phone": phone, "password": PASSWORD, "name": "bench"});
        scenario::succeeded(&opcode(addr, None, register).await?)?;
    }
    let answer = opcode(
        addr,
        None,
        json!({"op": 1003, "phone": PHONE, "password": PASSWORD}),
    )
    .await?;
    scenario::succeeded(&answer)?;
    let jwt = text(&answer["token"]["access_token"], &answer)?;
    let users: Vec<Value> = (0..10)
        .map(|i| scenario::contact(&format!("contact{i}"), 2))
        .collect();
    let add = json!({"op": 1005, "users": users});
    scenario::succeeded(&opcode(addr, Some(&jwt), add.clone()).await?)?;
    // The login probe reads a book of its own, which scenario c does not grow.
    let probe = json!({"op": 1003, "phone": LOGIN_PHONE, "password": PASSWORD});
    let probe = opcode(addr, None, probe).await?;
    scenario::succeeded(&probe)?;
    let probe_jwt = text(&probe["token"]["access_token"], &probe)?;
    scenario::succeeded(&opcode(addr, Some(&probe_jwt), add).await?)?;
    let typed = call(
        addr,
        &Shape::post("/api/user/login", vec![], &typed_login(PHONE))?,
    )
    .await?;
    let ineww_login = json!({"account": PHONE, "password": PASSWORD});
    let ineww = call(addr, &Shape::post("/ineww/session", vec![], &ineww_login)?).await?;
    prepare_rooms(addr).await?;
    Ok(Prepared {
        jwt,
        probe_jwt,
        typed: text(&typed["data"]["token"], &typed)?,
        ineww: (
            text(&ineww["data"]["user"]["uid"], &ineww)?,
            text(&ineww["data"]["token"]["access_token"], &ineww)?,
        ),
    })
}

/// A rooms user who opens `scenario::ROOMS` active rooms.
async fn prepare_rooms(addr: SocketAddr) -> Res<()> {
    let user = json!({"username": "benchroom", "password": PASSWORD, "nickname": "bench"});
    let answer = call(addr, &Shape::post("/users/", vec![], &user)?).await?;
    let token = text(&answer["token"], &answer)?;
    for i in 0..scenario::ROOMS {
        let room = json!({"room_alias": format!("bench{i}"), "active": true, "token": token});
        let shape = Shape::post("/rooms/", vec![], &room)?;
        let mut sender = connect(addr).await?;
        let (status, bytes) = send(&mut sender, shape.request()?).await?;
        if status != StatusCode::CREATED {
            let text = String::from_utf8_lossy(&bytes);
            return Err(format!("creating room {i} answered HTTP {status}: {text}").into());
        }
    }
    Ok(())
}

fn typed_login(phone: &str) -> Value {
    json!({"id": 1, "type": "login", "subtype": "pass", "data": {"phone": phone, "pass": PASSWORD}})
}

fn text(v: &Value, whole: &Value) -> Res<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("expected a string in {whole}").into())
}

/// The two servers under test.
pub struct Targets {
    pub switchboard: SocketAddr,
    pub baseline: SocketAddr,
}

/// Median requests/s of each server, and answers that did not count.
pub struct Rates {
    pub switchboard: f64,
    pub baseline: f64,
    pub failed: u64,
}

/// Checks both servers' answer to the scenario once, then runs the interleaved reps.
pub async fn compare(sc: &Scenario, t: &Targets, settings: &Settings) -> Res<Rates> {
    let shape = Shape::of(sc)?;
    (sc.check)(&call(t.switchboard, &shape).await?).map_err(|e| format!("{}: {e}", sc.label))?;
    let echoed = sc.body.clone().unwrap_or_else(|| json!({}));
    if call(t.baseline, &shape).await? != echoed {
        return Err("the baseline did not echo the request".into());
    }
    let (mut sb, mut base, mut failed) = (Vec::new(), Vec::new(), 0);
    for rep in 1..=settings.reps {
        let b = load(&shape, None, t.baseline, settings.secs).await?;
        let s = load(&shape, sc.success, t.switchboard, settings.secs).await?;
        eprintln!(
            "bench: {} rep {rep}/{}: baseline {:.0} req/s, switchboard {:.0} req/s ({:.2}×)",
            sc.label,
            settings.reps,
            b.rate,
            s.rate,
            s.rate / b.rate
        );
        failed += b.failed + s.failed;
        base.push(b.rate);
        sb.push(s.rate);
    }
    Ok(Rates {
        switchboard: median(&mut sb),
        baseline: median(&mut base),
        failed,
    })
}

/// What one load run counted.
#[derive(Default)]
struct Tally {
    ok: u64,
    failed: u64,
}

/// One load run's rate.
struct Run {
    rate: f64,
    failed: u64,
}

/// `CONNECTIONS` connections sending `shape` back to back to `addr`.
async fn load(
    shape: &Shape,
    success: Option<&'static [u8]>,
    addr: SocketAddr,
    secs: f64,
) -> Res<Run> {
    let from = Instant::now() + WARMUP;
    let until = from + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let job = Job {
                addr,
                shape: shape.clone(),
                success,
            };
            tokio::spawn(job.run(from, until))
        })
        .collect();
    let mut total = Tally::default();
    for task in tasks {
        let t = task.await??;
        total.ok += t.ok;
        total.failed += t.failed;
    }
    Ok(Run {
        rate: total.ok as f64 / secs,
        failed: total.failed,
    })
}

/// One connection's share of a load run.
struct Job {
    addr: SocketAddr,
    shape: Shape,
    success: Option<&'static [u8]>,
}

impl Job {
    /// Sends until `until`, counting answers completed in `from..until`.
    async fn run(self, from: Instant, until: Instant) -> Res<Tally> {
        let mut sender = connect(self.addr).await?;
        let mut tally = Tally::default();
        while Instant::now() < until {
            let (status, answer) = send(&mut sender, self.shape.request()?).await?;
            let now = Instant::now();
            if now < from || now > until {
                continue;
            }
            if status == StatusCode::OK && self.counts(&answer) {
                tally.ok += 1;
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
    let login = Shape::post("/api/user/login", vec![], &typed_login(LOGIN_PHONE))?;
    let from = Instant::now() + WARMUP;
    let until = from + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = (0..logins)
        .map(|_| {
            let job = Job {
                addr,
                shape: login.clone(),
                success: Some(b"\"status\":0"),
            };
            tokio::spawn(job.run(from, until))
        })
        .collect();
    let healthz = Shape {
        method: Method::GET,
        path: "/healthz".into(),
        headers: Arc::new([]),
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

fn p99(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get((v.len() * 99).div_ceil(100).saturating_sub(1))
        .copied()
        .unwrap_or(0.0)
}
