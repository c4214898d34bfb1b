//! What every test stands on: [`Server`], the one in-process server wrapper (a fresh temporary
//! database, an adjustable `Config`, an optional manual clock, restart on the same database,
//! the store in reach), the raw HTTP/1.1 [`client`] and its one answer type [`Resp`], checks
//! on wire values ([`checks`]), bad-input tables ([`table`]), the real binary ([`binary`],
//! only for `kill -9` and SIGTERM), and thin helpers per dialect on top of them: [`pb`],
//! [`typed`], [`ineww`], [`rooms`], [`v4`], and [`sessions`] for one account in three of them.
//! The code webhook's tests have a [`receiver`] to deliver to (plain or HTTPS, scripted).

pub mod binary;
pub mod checks;
pub mod client;
pub mod front;
pub mod ineww;
pub mod log;
pub mod pb;
pub mod postgres;
pub mod receiver;
pub mod rooms;
pub mod sessions;
pub mod table;
pub mod traffic;
pub mod typed;
pub mod v4;

pub use client::{Conn, Resp};

use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use switchboard::app::App;
use switchboard::config::Config;
use switchboard::ctx::{Clock, Ids, ManualClock, SystemClock};
use switchboard::server::Running;
use switchboard::store::{accounts, codes, Store};
use tempfile::TempDir;

/// A change to the configuration.
type Adjust = Box<dyn FnOnce(&mut Config)>;

/// Writes a database file before the server opens it.
type Prepare = Box<dyn FnOnce(&Path)>;

/// How to start a [`Server`].
#[derive(Default)]
pub struct Builder {
    /// Changes to the cheap test configuration.
    config: Vec<Adjust>,
    /// The time source, when not the system clock.
    clock: Option<Arc<dyn Clock>>,
    /// The same clock when it is a manual one, for [`Server::advance`].
    manual: Option<Arc<ManualClock>>,
    /// The id source, when not the random one.
    ids: Option<Arc<dyn Ids>>,
    /// Writes the database file before the server opens it.
    prepare: Option<Prepare>,
    /// The database of another server to run on (a second node), instead of a fresh one.
    shared: Option<switchboard::config::Secret>,
    /// On the SQLite file even on a PostgreSQL run.
    sqlite: bool,
}

impl Builder {
    /// Adjusts the configuration (on top of `Config::for_tests`).
    pub fn config(mut self, f: impl FnOnce(&mut Config) + 'static) -> Builder {
        self.config.push(Box::new(f));
        self
    }

    /// Runs the server on a clock that moves only when told, stopped at the current time.
    pub fn manual_clock(self) -> Builder {
        self.manual_clock_at(SystemClock.now())
    }

    /// Runs the server on a clock that moves only when told, stopped at `start`.
    pub fn manual_clock_at(mut self, start: chrono::DateTime<chrono::Utc>) -> Builder {
        let clock = Arc::new(ManualClock::new(start));
        self.clock = Some(clock.clone());
        self.manual = Some(clock);
        self
    }

    /// Runs the server on `clock`.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Builder {
        self.clock = Some(clock);
        self
    }

    /// Draws ids, tokens and codes from `ids`.
    pub fn ids(mut self, ids: Arc<dyn Ids>) -> Builder {
        self.ids = Some(ids);
        self
    }

    /// Writes the database file (given its path) before the server first opens it.
    pub fn database(mut self, prepare: impl FnOnce(&Path) + 'static) -> Builder {
        self.prepare = Some(Box::new(prepare));
        self
    }

    /// Runs on a SQLite file, even on a PostgreSQL run (a database to migrate from).
    pub fn sqlite(mut self) -> Builder {
        self.sqlite = true;
        self
    }

    /// Runs on the PostgreSQL database `url`.
    pub fn on(self, url: String) -> Builder {
        self.config(move |c| c.database_url = Some(switchboard::config::Secret(url)))
    }

    /// Runs on `other`'s PostgreSQL database, as a second node of one deployment.
    pub fn sharing(mut self, other: &Server) -> Builder {
        let url = other.settings.config.database_url.clone();
        self.shared = Some(url.expect("a second node shares a PostgreSQL database"));
        self
    }

    /// Starts the server over a fresh temporary directory.
    pub async fn start(self) -> Server {
        log::keep_log_statements_on();
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = Config::for_tests(dir.path().join("switchboard.db"));
        config.database_url = match (self.shared, self.sqlite) {
            (Some(url), _) => Some(url),
            (None, true) => None,
            (None, false) => postgres::fresh_database().map(switchboard::config::Secret),
        };
        for f in self.config {
            f(&mut config);
        }
        if let Some(prepare) = self.prepare {
            prepare(&config.db);
        }
        let settings = Settings {
            config,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            manual: self.manual,
            ids: self.ids,
        };
        Server::open(dir, settings).await
    }
}

/// What a server was started with; a restart reuses it.
struct Settings {
    /// The configuration.
    config: Config,
    /// The time source.
    clock: Arc<dyn Clock>,
    /// The same clock, when it is a manual one.
    manual: Option<Arc<ManualClock>>,
    /// The id source, when not the random one.
    ids: Option<Arc<dyn Ids>>,
}

/// A server running in this process on 127.0.0.1 over its own temporary database.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The running server.
    running: Running,
    /// What it was started with.
    settings: Settings,
    /// Keeps the database directory for the server's lifetime.
    dir: TempDir,
}

impl Server {
    /// A server with the cheap test configuration over a fresh database.
    pub async fn start() -> Server {
        Server::builder().start().await
    }

    /// A server started another way.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// A server with the test configuration adjusted by `f` over a fresh database.
    pub async fn with(f: impl FnOnce(&mut Config) + 'static) -> Server {
        Server::builder().config(f).start().await
    }

    async fn open(dir: TempDir, settings: Settings) -> Server {
        let (config, clock) = (settings.config.clone(), settings.clock.clone());
        let ids = settings.ids.clone();
        let app = tokio::task::spawn_blocking(move || {
            let mut app = App::open_with_clock(config, clock)?;
            if let Some(ids) = ids {
                let ctx = Arc::get_mut(&mut app.ctx).expect("a freshly opened app");
                ctx.ids = ids;
            }
            Ok::<_, String>(app)
        })
        .await
        .expect("App::open panicked")
        .expect("App::open failed");
        let running = Running::start(app).await.expect("server start");
        let addr = running
            .base_url
            .trim_start_matches("http://")
            .parse()
            .expect("base_url is host:port");
        Server {
            addr,
            running,
            settings,
            dir,
        }
    }

    /// Stops the server gracefully and starts it again on the same database, configuration,
    /// clock and ids (on another port).
    pub async fn restart(self) -> Server {
        self.running.stop().await;
        Server::open(self.dir, self.settings).await
    }

    /// Stops the server gracefully and waits for it (its scheduled backups included).
    pub async fn stop(self) {
        self.running.stop().await;
    }

    /// Stops the server gracefully; answers its directory, which holds the database file
    /// until dropped.
    pub async fn stop_keeping_files(self) -> TempDir {
        self.running.stop().await;
        self.dir
    }

    /// Stops the server gracefully and starts it again on the same database, clock and ids,
    /// with its configuration changed by `f` (on another port).
    pub async fn restart_with(mut self, f: impl FnOnce(&mut Config)) -> Server {
        self.running.stop().await;
        f(&mut self.settings.config);
        Server::open(self.dir, self.settings).await
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.running.base_url
    }

    /// The store behind the server.
    pub fn store(&self) -> &Store {
        &self.running.app.ctx.store
    }

    /// Runs `f` on the store from a thread of its own, as the server does from its blocking
    /// threads: a test's async code must not block its runtime (PostgreSQL's client refuses).
    pub fn on_store<T: Send>(&self, f: impl FnOnce(&Store) -> T + Send) -> T {
        let store = self.store();
        std::thread::scope(|s| s.spawn(|| f(store)).join()).expect("store work panicked")
    }

    /// The database file.
    pub fn db_path(&self) -> &PathBuf {
        &self.settings.config.db
    }

    /// The command line's arguments naming this server's database: `--db FILE`, or
    /// `--database-url URL` on PostgreSQL.
    pub fn database_args(&self) -> [String; 2] {
        match &self.settings.config.database_url {
            Some(url) => ["--database-url".into(), url.expose().to_owned()],
            None => ["--db".into(), self.db_path().display().to_string()],
        }
    }

    /// Runs `switchboard SUBCOMMAND <this server's database> ARGS…`, asserts it succeeded and
    /// answers what it printed.
    #[track_caller]
    pub fn cli(&self, subcommand: &str, args: &[&str]) -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg(subcommand)
            .args(self.database_args())
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run switchboard {subcommand}: {e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Now on the server's clock, in unix seconds.
    pub fn clock_secs(&self) -> i64 {
        self.settings.clock.now().timestamp()
    }

    /// Lets `secs` seconds pass on the server's manual clock.
    pub fn advance(&self, secs: i64) {
        let clock = self
            .settings
            .manual
            .as_ref()
            .expect("a server on a manual clock");
        clock.advance(chrono::Duration::seconds(secs));
    }

    /// A new connection to the server.
    pub async fn connect(&self) -> Conn {
        Conn::open(self.addr).await.expect("connect")
    }

    /// Writes `bytes` on a new connection and answers the first response (see
    /// [`Conn::exchange`]).
    pub async fn raw(&self, bytes: &[u8]) -> Resp {
        let mut conn = self.connect().await;
        conn.exchange(bytes)
            .await
            .unwrap_or_else(|e| panic!("{e} (request {:?})", head_of(bytes)))
    }

    /// The head of a request to this server: the request line, `Host`, `Connection: close`
    /// and `headers` as given (no blank line yet).
    fn head(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> String {
        let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        head.push_str("Connection: close\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head
    }

    /// Sends one HTTP/1.1 request on a new connection: `Host`, `Connection: close`, `headers`
    /// as given, `Content-Length` and `body`.
    pub async fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        let head = self.head(method, target, headers);
        let mut bytes = format!("{head}Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        bytes.extend_from_slice(body);
        self.raw(&bytes).await
    }

    /// `method target` with `body` sent as chunks of 64 KiB (`Transfer-Encoding: chunked`,
    /// no Content-Length).
    pub async fn send_chunked(&self, method: &str, target: &str, body: &[u8]) -> Resp {
        let head = self.head(method, target, &[]);
        self.raw(&client::chunked(&head, body, 64 * 1024, true))
            .await
    }

    /// `GET target`.
    pub async fn get(&self, target: &str) -> Resp {
        self.send("GET", target, &[], b"").await
    }

    /// `method target` with a JSON body (`Content-Type: application/json`) and `headers`.
    pub async fn json(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> Resp {
        let all = [&[("Content-Type", "application/json")], headers].concat();
        self.send(method, target, &all, body.to_string().as_bytes())
            .await
    }

    /// Asserts that the server answers `GET /healthz` with 200 `{"status":"ok"}`.
    pub async fn healthy(&self) {
        let r = self.get("/healthz").await;
        assert_eq!(r.status, 200, "healthz: {r:?}");
        assert_eq!(r.json(), json!({"status": "ok"}));
    }

    /// Every outbox entry for `phone`, oldest first.
    pub fn outbox(&self, phone: &str) -> Vec<codes::OutboxEntry> {
        self.on_store(|s| s.read(|c| codes::outbox(c, Some(phone))))
            .expect("outbox read")
    }

    /// The newest code queued for `phone`.
    #[track_caller]
    pub fn code_for(&self, phone: &str) -> String {
        self.outbox(phone)
            .last()
            .unwrap_or_else(|| panic!("no code was queued for {phone}"))
            .code
            .clone()
    }

    /// A single integer from a query on the store.
    pub fn count(&self, sql: &str, params: &[&dyn switchboard::store::sql::Param]) -> i64 {
        self.on_store(|s| s.read(|c| c.one(sql, params, |r| r.get(0))))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// How many rows `table` holds.
    pub fn rows(&self, table: &str) -> i64 {
        self.count(&format!("SELECT COUNT(*) FROM {table}"), &[])
    }

    /// The account row of `phone`, if any.
    pub fn account(&self, phone: &str) -> Option<switchboard::domain::Account> {
        self.on_store(|s| s.read(|c| accounts::by_phone(c, phone)))
            .expect("account read")
            .map(|(a, _)| a)
    }

    /// Sets an account's level in the store (what `switchboard user set-level` does).
    pub fn set_level(&self, phone: &str, level: i64) {
        let done = self
            .on_store(|s| s.write(|tx| accounts::set_level(tx, phone, level)))
            .expect("set_level");
        assert!(done, "no account {phone}");
    }

    /// How many tokens (of any dialect) an account holds.
    pub fn token_count(&self, account_pk: i64) -> i64 {
        self.count(
            "SELECT COUNT(*) FROM tokens WHERE account_pk = ?1",
            &[&account_pk],
        )
    }

    /// Sets the expiry of every token of `kind` to a second ago (by the system clock).
    pub fn expire_tokens(&self, kind: &str) {
        let past = SystemClock.now().timestamp() - 1;
        self.on_store(|s| {
            s.write(|tx| {
                let sql = "UPDATE tokens SET expires_at = ?1 WHERE kind = ?2";
                tx.execute(sql, switchboard::store::sql::params![past, kind])
            })
        })
        .expect("expire tokens");
    }
}

/// The request line of some request bytes, for failure messages.
fn head_of(bytes: &[u8]) -> String {
    let line = bytes.split(|b| *b == b'\r').next().unwrap_or_default();
    String::from_utf8_lossy(&line[..line.len().min(120)]).into_owned()
}
