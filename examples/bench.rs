//! Switchboard benchmark: binary size, start-up time, memory and throughput of the real
//! `switchboard` binary, with throughput and memory compared against a bare hyper + serde_json
//! echo server measured in the same run.
//!
//! ```text
//! cargo run --release --example bench                               # full run, ~75 s + build
//! BENCH_SECS=1 BENCH_REPS=1 cargo run --release --example bench     # quick run
//! ```
//!
//! One run:
//!
//! 1. builds the server (`cargo build --release --bin switchboard`) and reports its size;
//! 2. starts it on a fresh database in a temporary directory (config: `log = "warn"`, every
//!    other setting default), registers 13000000001 (op 1001), logs in (op 1003) and adds 10
//!    contacts with 2 phones and 2 mails each (op 1005), lets it settle and reads its RSS;
//! 3. restarts it 5 times on that database, timing spawn → first `200` of `GET /healthz`;
//! 4. starts it once more next to the baseline (this same executable re-run as
//!    `bench baseline-server <port>`: hyper 1.x HTTP/1.1 on a default multi-thread tokio
//!    runtime that parses each body into a `serde_json::Value` and answers it re-serialised);
//! 5. drives each with 64 keep-alive connections sending back to back (a 0.5 s warm-up, then
//!    `BENCH_SECS` measured), alternating baseline and Switchboard for `BENCH_REPS`
//!    repetitions, in three scenarios: (a) op 1009 listing the 10 contacts, (b) an unknown op,
//!    (c) op 1005 adding one contact (one SQLite transaction, synchronous=FULL, per request).
//!    Only complete `200` answers whose body was read (and, for a and c, that are not a
//!    `"ret":-1` failure) count;
//! 6. reads both servers' peak RSS (VmHWM) and prints a Markdown table.
//!
//! The machine may be shared and noisy, so throughput is reported only as a ratio of medians
//! to the baseline of the same run. `BENCH_SECS` (default 3) and `BENCH_REPS` (default 3)
//! shorten or lengthen the run. The exit code is 0 whenever the bench ran, targets met or not
//! (a miss is printed as `MISSED`); it is non-zero only when the bench could not run.
//! Child servers are killed on every exit path, panics included, and the temporary directory
//! is removed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Res<T> = Result<T, Error>;

/// The account the bench registers.
const PHONE: &str = "13000000001";
/// Its password.
const PASSWORD: &str = "123456";
/// Concurrent keep-alive connections of the load client.
const CONNECTIONS: usize = 64;
/// Load sent before counting starts, in every repetition.
const WARMUP: Duration = Duration::from_millis(500);
/// Fresh starts timed on the prepared database.
const STARTS: usize = 5;
/// Pause after data preparation before the idle RSS is read.
const SETTLE: Duration = Duration::from_secs(1);
/// Kibibytes per mebibyte (`/proc` reports kB meaning KiB).
const KIB_PER_MIB: f64 = 1024.0;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("baseline-server") => baseline::serve(args.get(1).map(String::as_str)),
        Some(other) => Err(format!("unknown argument {other:?}").into()),
        None => run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Run length, from the environment.
struct Settings {
    /// Measured seconds per repetition.
    secs: f64,
    /// Repetitions per scenario (each one baseline run and one Switchboard run).
    reps: usize,
}

impl Settings {
    fn from_env() -> Res<Settings> {
        let s = Settings {
            secs: env_or("BENCH_SECS", 3.0)?,
            reps: env_or("BENCH_REPS", 3)?,
        };
        if s.secs <= 0.0 || s.reps == 0 {
            return Err("BENCH_SECS and BENCH_REPS must be positive".into());
        }
        Ok(s)
    }

    /// The command line that reproduces this run.
    fn command(&self) -> String {
        let set: Vec<String> = ["BENCH_SECS", "BENCH_REPS"]
            .iter()
            .filter_map(|k| std::env::var(k).ok().map(|v| format!("{k}={v} ")))
            .collect();
        format!("{}cargo run --release --example bench", set.concat())
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Res<T> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a valid value").into()),
        Err(_) => Ok(default),
    }
}

/// The whole benchmark.
fn run() -> Res<()> {
    if cfg!(debug_assertions) {
        eprintln!("bench: warning: built without --release; the load client may be the limit");
    }
    let settings = Settings::from_env()?;
    let load_before = loadavg();
    let exe = build_server()?;
    let mut table = report::Table::default();
    table.binary_size(std::fs::metadata(&exe)?.len());
    let dir = tempfile::tempdir()?;
    let sb = proc::Switchboard::new(exe, dir.path())?;
    let rt = tokio::runtime::Runtime::new()?;
    let token = prepare(&rt, &sb, &mut table)?;
    startups(&sb, &mut table)?;
    throughput(&rt, &sb, &token, &settings, &mut table)?;
    table.print(&settings, &load_before, &loadavg());
    Ok(())
}

/// Builds the server binary with cargo and answers its path.
fn build_server() -> Res<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    eprintln!("bench: cargo build --release --bin switchboard");
    let out = std::process::Command::new(cargo)
        .args(["build", "--release", "--bin", "switchboard"])
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(&manifest)
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("building the server failed ({})", out.status).into());
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "switchboard")
        .filter_map(|m| m["executable"].as_str().map(PathBuf::from))
        .next_back()
        .ok_or_else(|| "cargo reported no switchboard executable".into())
}

/// Fresh database: register, log in, add the contacts; then the idle RSS. Answers the JWT.
fn prepare(
    rt: &tokio::runtime::Runtime,
    sb: &proc::Switchboard,
    t: &mut report::Table,
) -> Res<String> {
    let server = sb.start()?;
    eprintln!("bench: preparing data on {}", server.addr);
    let token = rt.block_on(client::prepare(server.addr))?;
    std::thread::sleep(SETTLE);
    t.idle_after_preparation(&proc::memory(server.id())?);
    server.stop()?;
    Ok(token)
}

/// Times `STARTS` fresh starts on the prepared database.
fn startups(sb: &proc::Switchboard, t: &mut report::Table) -> Res<()> {
    let mut millis = Vec::new();
    let mut memory = Vec::new();
    for _ in 0..STARTS {
        let server = sb.start()?;
        millis.push(server.startup.as_secs_f64() * 1000.0);
        memory.push(proc::memory(server.id())?);
        server.stop()?;
    }
    eprintln!("bench: start-up times (ms): {millis:.1?}");
    memory.sort_by_key(|m| m.rss);
    t.startup(median(&mut millis), &memory[memory.len() / 2]);
    Ok(())
}

/// The three load scenarios, then both servers' peak RSS.
fn throughput(
    rt: &tokio::runtime::Runtime,
    sb: &proc::Switchboard,
    token: &str,
    settings: &Settings,
    t: &mut report::Table,
) -> Res<()> {
    let server = sb.start()?;
    let base = proc::Baseline::start()?;
    for scenario in scenario::all() {
        let targets = client::Targets {
            switchboard: server.addr,
            baseline: base.addr,
            token: token.into(),
        };
        let rates = rt
            .block_on(client::compare(&scenario, &targets, settings))
            .map_err(|e| format!("scenario {}: {e}", scenario.label))?;
        t.scenario(&scenario, &rates);
    }
    let sb_peak = proc::memory(server.id())?.hwm;
    let base_peak = proc::memory(base.id())?.hwm;
    t.peak_after_load(sb_peak, base_peak);
    base.stop()?;
    server.stop()
}

/// The median of `v` (which it sorts); 0 when empty.
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The 1-minute load average, to show how busy the machine was.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// The request bodies and what a correct Switchboard answer to each looks like.
mod scenario {
    use super::Res;
    use serde_json::{json, Value};

    /// One load scenario.
    pub struct Scenario {
        /// Label in the table.
        pub label: &'static str,
        /// The body sent to both servers.
        pub body: Value,
        /// Checks one Switchboard answer before the load.
        pub check: fn(&Value) -> Res<()>,
        /// Answers containing this count as failures during the load.
        pub failure: Option<&'static [u8]>,
        /// Required Switchboard/baseline ratio, if any.
        pub target: Option<f64>,
    }

    const FAILED: &[u8] = b"\"ret\":-1";

    pub fn all() -> Vec<Scenario> {
        vec![
            Scenario {
                label: "a. op 1009, list 10 contacts",
                body: json!({"op": 1009}),
                check: ten_contacts,
                failure: Some(FAILED),
                target: Some(0.30),
            },
            Scenario {
                label: "b. unknown op 9999",
                body: json!({"op": 9999}),
                check: no_method,
                failure: None,
                target: Some(0.9),
            },
            Scenario {
                label: "c. op 1005, add 1 contact",
                body: json!({"op": 1005, "users": [contact("bench", 1)]}),
                check: succeeded,
                failure: Some(FAILED),
                target: None,
            },
        ]
    }

    /// A contact with `n` phones and `n` mails.
    pub fn contact(name: &str, n: usize) -> Value {
        let phones: Vec<Value> = (0..n)
            .map(|i| json!({"phone": format!("1350376880{i}")}))
            .collect();
        let mails: Vec<Value> = (0..n)
            .map(|i| json!({"mail": format!("{name}.{i}@example.com")}))
            .collect();
        json!({"name": name, "phones": phones, "mails": mails})
    }

    /// `ret` 0, else an error quoting the answer.
    pub fn succeeded(v: &Value) -> Res<()> {
        if v["ret"] == 0 {
            Ok(())
        } else {
            Err(format!("unexpected answer {v}").into())
        }
    }

    fn ten_contacts(v: &Value) -> Res<()> {
        succeeded(v)?;
        let users = v["users"].as_array().map(Vec::as_slice).unwrap_or_default();
        let full = |u: &Value| {
            u["phones"].as_array().map(Vec::len) == Some(2)
                && u["mails"].as_array().map(Vec::len) == Some(2)
        };
        if users.len() == 10 && users.iter().all(full) {
            Ok(())
        } else {
            Err(format!("op 1009 did not list 10 contacts with 2 phones and 2 mails: {v}").into())
        }
    }

    fn no_method(v: &Value) -> Res<()> {
        if *v == json!({"ret": -1, "msg": "no method"}) {
            Ok(())
        } else {
            Err(format!("unknown op answered {v}").into())
        }
    }
}

/// Child processes: the Switchboard binary and the baseline, killed when dropped.
mod proc {
    use super::Res;
    use std::net::SocketAddr;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    /// How long a server may take to start or to stop.
    const PATIENCE: Duration = Duration::from_secs(20);

    /// A running child server; dropping it kills it.
    pub struct Server {
        child: Child,
        /// Where it listens.
        pub addr: SocketAddr,
        /// Spawn → ready.
        pub startup: Duration,
    }

    impl Server {
        pub fn id(&self) -> u32 {
            self.child.id()
        }

        /// SIGTERM, then waits for the exit.
        pub fn stop(mut self) -> Res<()> {
            let pid = self.child.id().to_string();
            Command::new("kill").args(["-TERM", &pid]).status()?;
            let deadline = Instant::now() + PATIENCE;
            while self.child.try_wait()?.is_none() {
                if Instant::now() > deadline {
                    return Err(format!("process {pid} ignored SIGTERM").into());
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Ok(())
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            if let Ok(None) = self.child.try_wait() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }

    /// How to start the Switchboard binary on the bench's database.
    pub struct Switchboard {
        exe: PathBuf,
        db: PathBuf,
        config: PathBuf,
    }

    impl Switchboard {
        /// Writes `bench.toml` into `dir`; the database will be `dir/bench.db`.
        pub fn new(exe: PathBuf, dir: &Path) -> Res<Switchboard> {
            let config = dir.join("bench.toml");
            std::fs::write(&config, "log = \"warn\"\n")?;
            Ok(Switchboard {
                exe,
                db: dir.join("bench.db"),
                config,
            })
        }

        /// Spawns `switchboard serve` and waits for `GET /healthz` to answer 200.
        pub fn start(&self) -> Res<Server> {
            let addr = free_addr()?;
            let began = Instant::now();
            let child = Command::new(&self.exe)
                .arg("serve")
                .arg("--addr")
                .arg(addr.to_string())
                .arg("--db")
                .arg(&self.db)
                .arg("--config")
                .arg(&self.config)
                .stdin(Stdio::null())
                .stdout(std::io::stderr())
                .spawn()?;
            ready(child, addr, began, healthz_ok)
        }
    }

    /// The baseline echo server: this executable re-run as `baseline-server <port>`.
    pub struct Baseline;

    impl Baseline {
        pub fn start() -> Res<Server> {
            let addr = free_addr()?;
            let began = Instant::now();
            let child = Command::new(std::env::current_exe()?)
                .arg("baseline-server")
                .arg(addr.port().to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()?;
            ready(child, addr, began, |a| {
                std::net::TcpStream::connect(a).is_ok()
            })
        }
    }

    /// Polls `probe` about every millisecond until it holds, the child exits or time runs out.
    fn ready(
        child: Child,
        addr: SocketAddr,
        began: Instant,
        probe: fn(SocketAddr) -> bool,
    ) -> Res<Server> {
        let mut server = Server {
            child,
            addr,
            startup: Duration::ZERO,
        };
        while !probe(addr) {
            if let Some(status) = server.child.try_wait()? {
                return Err(format!("server exited during start-up ({status})").into());
            }
            if began.elapsed() > PATIENCE {
                return Err(format!("server not ready on {addr} after {PATIENCE:?}").into());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        server.startup = began.elapsed();
        Ok(server)
    }

    /// Whether `GET /healthz` answers 200 right now.
    fn healthz_ok(addr: SocketAddr) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(addr) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let req = "GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
        let mut answer = Vec::new();
        s.write_all(req.as_bytes()).is_ok()
            && s.read_to_end(&mut answer).is_ok()
            && answer.starts_with(b"HTTP/1.1 200")
    }

    /// A local address nobody listens on at the moment.
    fn free_addr() -> Res<SocketAddr> {
        Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?)
    }

    /// A process's memory, in KiB, from `/proc/<pid>/status`.
    pub struct Memory {
        /// Resident now (`VmRSS`): anonymous + file-backed (code) + shared.
        pub rss: u64,
        /// Anonymous part (`RssAnon`): heap, stacks.
        pub anon: u64,
        /// File-backed part (`RssFile`): mapped pages of the binary and libraries.
        pub file: u64,
        /// Peak resident (`VmHWM`).
        pub hwm: u64,
    }

    pub fn memory(pid: u32) -> Res<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kib = |key: &str| -> Res<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .ok_or_else(|| format!("no {key} in /proc/{pid}/status").into())
        };
        Ok(Memory {
            rss: kib("VmRSS")?,
            anon: kib("RssAnon")?,
            file: kib("RssFile")?,
            hwm: kib("VmHWM")?,
        })
    }
}

/// The hyper client: one-off calls, data preparation, and the 64-connection load.
mod client {
    use super::scenario::{self, Scenario};
    use super::{median, Res, Settings, CONNECTIONS, PASSWORD, PHONE, WARMUP};
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper::client::conn::http1::SendRequest;
    use hyper::{header, Request, StatusCode};
    use hyper_util::rt::TokioIo;
    use serde_json::{json, Value};
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    type Sender = SendRequest<Full<Bytes>>;

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

    /// `POST /` with `body`, and `Authorization: JWT <token>` when a token is given.
    fn request(body: Bytes, token: Option<&str>) -> Res<Request<Full<Bytes>>> {
        let mut b = Request::post("/")
            .header(header::HOST, "bench")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("JWT {t}"));
        }
        Ok(b.body(Full::new(body))?)
    }

    /// Sends one request on `sender` and reads the whole answer.
    async fn send(sender: &mut Sender, req: Request<Full<Bytes>>) -> Res<(StatusCode, Bytes)> {
        sender.ready().await?;
        let resp = sender.send_request(req).await?;
        let status = resp.status();
        Ok((status, resp.into_body().collect().await?.to_bytes()))
    }

    /// One request on a new connection; the answer must be a 200 JSON body.
    pub async fn call(addr: SocketAddr, token: Option<&str>, body: &Value) -> Res<Value> {
        let mut sender = connect(addr).await?;
        let req = request(serde_json::to_vec(body)?.into(), token)?;
        let (status, bytes) = send(&mut sender, req).await?;
        if status != StatusCode::OK {
            let text = String::from_utf8_lossy(&bytes);
            return Err(format!("{body} answered HTTP {status}: {text}").into());
        }
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Registers, logs in and adds 10 contacts; answers the JWT.
    pub async fn prepare(addr: SocketAddr) -> Res<String> {
        let register = json!({"op": 1001, "phone": PHONE, "password": PASSWORD, "name": "bench"});
        scenario::succeeded(&call(addr, None, &register).await?)?;
        let login = json!({"op": 1003, "phone": PHONE, "password": PASSWORD});
        let answer = call(addr, None, &login).await?;
        scenario::succeeded(&answer)?;
        let token = answer["token"]["access_token"]
            .as_str()
            .ok_or_else(|| format!("login answered no token: {answer}"))?
            .to_string();
        let users: Vec<Value> = (0..10)
            .map(|i| scenario::contact(&format!("contact{i}"), 2))
            .collect();
        let add = json!({"op": 1005, "users": users});
        scenario::succeeded(&call(addr, Some(&token), &add).await?)?;
        Ok(token)
    }

    /// The two servers under test and the JWT sent to both.
    pub struct Targets {
        pub switchboard: SocketAddr,
        pub baseline: SocketAddr,
        pub token: Arc<str>,
    }

    /// Median requests/s of each server, and answers that did not count.
    pub struct Rates {
        pub switchboard: f64,
        pub baseline: f64,
        pub failed: u64,
    }

    /// Checks both servers' answer to the scenario once, then runs the interleaved reps.
    pub async fn compare(sc: &Scenario, t: &Targets, settings: &Settings) -> Res<Rates> {
        let sb_answer = call(t.switchboard, Some(&t.token), &sc.body).await?;
        (sc.check)(&sb_answer).map_err(|e| format!("{}: {e}", sc.label))?;
        if call(t.baseline, Some(&t.token), &sc.body).await? != sc.body {
            return Err("the baseline did not echo the request".into());
        }
        let (mut sb, mut base, mut failed) = (Vec::new(), Vec::new(), 0);
        for rep in 1..=settings.reps {
            let b = load(sc, t.baseline, &t.token, settings.secs).await?;
            let s = load(sc, t.switchboard, &t.token, settings.secs).await?;
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

    /// `CONNECTIONS` connections sending `sc.body` back to back to `addr`.
    async fn load(sc: &Scenario, addr: SocketAddr, token: &Arc<str>, secs: f64) -> Res<Run> {
        let body = Bytes::from(serde_json::to_vec(&sc.body)?);
        let from = Instant::now() + WARMUP;
        let until = from + Duration::from_secs_f64(secs);
        let tasks: Vec<_> = (0..CONNECTIONS)
            .map(|_| {
                let job = Job {
                    addr,
                    body: body.clone(),
                    token: token.clone(),
                    failure: sc.failure,
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
        body: Bytes,
        token: Arc<str>,
        failure: Option<&'static [u8]>,
    }

    impl Job {
        /// Sends until `until`, counting answers completed in `from..until`.
        async fn run(self, from: Instant, until: Instant) -> Res<Tally> {
            let mut sender = connect(self.addr).await?;
            let mut tally = Tally::default();
            while Instant::now() < until {
                let req = request(self.body.clone(), Some(&self.token))?;
                let (status, answer) = send(&mut sender, req).await?;
                let now = Instant::now();
                if now < from || now > until {
                    continue;
                }
                if status == StatusCode::OK && !self.failed(&answer) {
                    tally.ok += 1;
                } else {
                    tally.failed += 1;
                }
            }
            Ok(tally)
        }

        fn failed(&self, answer: &[u8]) -> bool {
            self.failure
                .is_some_and(|m| answer.windows(m.len()).any(|w| w == m))
        }
    }
}

/// The baseline: bare hyper 1.x, body → `serde_json::Value` → body.
mod baseline {
    use super::Res;
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper::body::Incoming;
    use hyper::{header, Request, Response, StatusCode};
    use hyper_util::rt::TokioIo;
    use std::convert::Infallible;

    /// Serves on `127.0.0.1:<port>` until killed, on a default multi-thread runtime.
    pub fn serve(port: Option<&str>) -> Res<()> {
        let port: u16 = port.ok_or("usage: bench baseline-server <port>")?.parse()?;
        let rt = tokio::runtime::Runtime::new()?;
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            loop {
                let (stream, _) = listener.accept().await?;
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(echo);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        })
    }

    /// Parses the body as JSON and answers it re-serialised; 400 when it is not JSON.
    async fn echo(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let parsed = match req.into_body().collect().await {
            Ok(b) => serde_json::from_slice::<serde_json::Value>(&b.to_bytes()).ok(),
            Err(_) => None,
        };
        let (status, body) = match parsed.and_then(|v| serde_json::to_vec(&v).ok()) {
            Some(body) => (StatusCode::OK, body),
            None => (StatusCode::BAD_REQUEST, Vec::new()),
        };
        let mut resp = Response::new(Full::new(Bytes::from(body)));
        *resp.status_mut() = status;
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
        Ok(resp)
    }
}

/// The Markdown table.
mod report {
    use super::client::Rates;
    use super::proc::Memory;
    use super::scenario::Scenario;
    use super::{Settings, CONNECTIONS, KIB_PER_MIB, STARTS, WARMUP};

    /// One line of the table.
    struct Row {
        measure: String,
        switchboard: String,
        baseline: String,
        ratio: String,
        target: String,
        met: Option<bool>,
    }

    /// The rows gathered during the run.
    #[derive(Default)]
    pub struct Table {
        rows: Vec<Row>,
        notes: Vec<String>,
    }

    const NONE: &str = "–";

    fn mib(kib: f64) -> String {
        format!("{:.1} MiB", kib / KIB_PER_MIB)
    }

    /// VmRSS with its anonymous and file-backed parts.
    fn rss(m: &Memory) -> String {
        let [rss, anon, file] = [m.rss, m.anon, m.file].map(|k| mib(k as f64));
        format!("{rss} (anon {anon}, file {file})")
    }

    impl Table {
        fn push(&mut self, measure: &str, sb: String, target: &str, met: Option<bool>) {
            self.rows.push(Row {
                measure: measure.into(),
                switchboard: sb,
                baseline: NONE.into(),
                ratio: NONE.into(),
                target: if target.is_empty() { NONE } else { target }.into(),
                met,
            });
        }

        pub fn binary_size(&mut self, bytes: u64) {
            let kib = bytes as f64 / 1024.0;
            let met = kib <= 8.0 * KIB_PER_MIB;
            self.push("release binary size", mib(kib), "≤ 8 MiB", Some(met));
        }

        pub fn idle_after_preparation(&mut self, m: &Memory) {
            let met = m.rss as f64 <= 8.0 * KIB_PER_MIB;
            let label = "idle RSS after start-up + data preparation (VmRSS)";
            self.push(label, rss(m), "≤ 8 MiB", Some(met));
            let label = "peak RSS of start-up + preparation (VmHWM; argon2 in 1001 and 1003)";
            self.push(label, mib(m.hwm as f64), "", None);
        }

        pub fn startup(&mut self, millis: f64, m: &Memory) {
            let label = format!("start-up, spawn → first /healthz 200 (median of {STARTS})");
            let met = millis <= 20.0;
            self.push(&label, format!("{millis:.1} ms"), "≤ 20 ms", Some(met));
            let label = format!("RSS right after a start on the prepared db (median of {STARTS})");
            self.push(&label, rss(m), "", None);
        }

        pub fn scenario(&mut self, sc: &Scenario, r: &Rates) {
            let ratio = r.switchboard / r.baseline;
            self.rows.push(Row {
                measure: format!("{}: requests/s (median)", sc.label),
                switchboard: format!("{:.0}", r.switchboard),
                baseline: format!("{:.0}", r.baseline),
                ratio: format!("{ratio:.3}×"),
                target: sc.target.map_or(NONE.into(), |t| format!("≥ {t:.2}×")),
                met: sc.target.map(|t| ratio >= t),
            });
            if r.failed > 0 {
                let n = r.failed;
                self.notes
                    .push(format!("{}: {n} failed answers were not counted", sc.label));
            }
        }

        pub fn peak_after_load(&mut self, sb: u64, base: u64) {
            self.rows.push(Row {
                measure: format!("peak RSS after the {CONNECTIONS}-connection load (VmHWM)"),
                switchboard: mib(sb as f64),
                baseline: mib(base as f64),
                ratio: format!("{:.2}×", sb as f64 / base as f64),
                target: "≤ 24 MiB".into(),
                met: Some(sb as f64 <= 24.0 * KIB_PER_MIB),
            });
        }

        pub fn print(&self, s: &Settings, load_before: &str, load_after: &str) {
            println!("\n## Switchboard benchmark\n");
            println!("command: `{}`\n", s.command());
            println!(
                "{} s measured per repetition after {} s warm-up, repetitions: {}, interleaved \
                 with the baseline, {CONNECTIONS} keep-alive connections; {} CPUs, \
                 1-min load average {load_before} before and {load_after} after.\n",
                s.secs,
                WARMUP.as_secs_f64(),
                s.reps,
                std::thread::available_parallelism().map_or(0, |n| n.get()),
            );
            println!("| measure | switchboard | baseline | ratio | target | met? |");
            println!("|---|---|---|---|---|---|");
            for r in &self.rows {
                let met = r.met.map_or(NONE, |m| if m { "yes" } else { "MISSED" });
                println!(
                    "| {} | {} | {} | {} | {} | {met} |",
                    r.measure, r.switchboard, r.baseline, r.ratio, r.target
                );
            }
            for n in &self.notes {
                println!("\nnote: {n}");
            }
        }
    }
}
