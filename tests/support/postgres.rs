//! The suite on PostgreSQL: with `SWITCHBOARD_TEST_DATABASE_URL` set (a server where the tests
//! may create databases, e.g. `postgres://postgres@127.0.0.1:5432/postgres`), every
//! [`super::Server`] runs on a fresh database of its own there instead of a SQLite file.
//! `.ci/run` runs the whole suite a second time that way, on a throwaway cluster.
//!
//! The few tests about the SQLite file itself (its backups, its WAL, upgrades of old files)
//! say so with [`sqlite_only`] and are skipped on PostgreSQL.

use std::sync::atomic::{AtomicU32, Ordering};

/// The variable naming the PostgreSQL server to test on.
pub const URL_VAR: &str = "SWITCHBOARD_TEST_DATABASE_URL";

/// Whether this run is on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var_os(URL_VAR).is_some_and(|v| !v.is_empty())
}

/// `true` (and a line on stderr saying why the test did nothing) when the run is on
/// PostgreSQL: for tests of the SQLite file itself.
pub fn sqlite_only(what: &str) -> bool {
    let skip = on_postgres();
    if skip {
        eprintln!("skipped on PostgreSQL: {what} is SQLite's");
    }
    skip
}

/// A new, empty database on the test server, as a URL; `None` when the run is on SQLite.
/// The first call of a run drops the databases earlier runs left (below).
pub fn fresh_database() -> Option<String> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    static TIDY: std::sync::Once = std::sync::Once::new();
    let admin = std::env::var(URL_VAR).ok().filter(|v| !v.is_empty())?;
    TIDY.call_once(|| {
        let url = admin.clone();
        std::thread::spawn(move || drop_leftovers(&url))
            .join()
            .expect("leftovers dropped");
    });
    let name = format!(
        "sbtest_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    // The blocking client runs a runtime of its own: not on a thread inside the test's.
    // Two statements: neither may run inside a transaction, which one batch would be.
    let statements = [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ];
    let url = admin.clone();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{URL_VAR}: cannot connect: {e}"));
        for sql in statements {
            client
                .batch_execute(&sql)
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        }
    })
    .join()
    .expect("database created");
    Some(with_database(&admin, &name))
}

/// Drops the databases of test processes that have ended (`sbtest_PID_N` here, `sbunit_PID_N`
/// from the unit tests, which `cargo test` runs first): nothing else drops them, and a
/// developer's server filled up with thousands (24 GB) before this. A live process's
/// databases are kept. (The PIDs are this machine's, where the tests run.)
fn drop_leftovers(admin: &str) {
    let mut client = postgres::Client::connect(admin, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{URL_VAR}: cannot connect: {e}"));
    let names = client
        .query(
            "SELECT datname::text FROM pg_database WHERE datname ~ '^sb(test|unit)_[0-9]+_[0-9]+$'",
            &[],
        )
        .expect("database names");
    for row in names {
        let name: String = row.get(0);
        let pid = name.split('_').nth(1).unwrap_or_default();
        let ended = !std::path::Path::new("/proc").join(pid).exists();
        if ended {
            // A failure here only leaves the database for the next run.
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|j| start + j))
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..authority_end])
}

/// A TCP forwarder to the test's PostgreSQL that can be cut (every open connection dropped,
/// every new one closed at once) and restored: the database "going away" under a server.
pub struct Cuttable {
    /// Where it listens.
    pub addr: std::net::SocketAddr,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::AbortHandle,
}

impl Cuttable {
    /// Forwards to the server of `url`, from a thread and runtime of its own (the test's
    /// runtime may be blocked waiting for the store, whose connections go through here).
    pub async fn to(url: &str) -> Cuttable {
        let target = authority(url).to_owned();
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("address");
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let open = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (c, o) = (cut.clone(), open.clone());
        let (started, handle) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the forwarder's runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
                let accept = tokio::spawn(async move {
                    while let Ok((mut client, _)) = listener.accept().await {
                        if c.load(Ordering::SeqCst) {
                            continue; // dropped: closed at once
                        }
                        let target = target.clone();
                        let task = tokio::spawn(async move {
                            if let Ok(mut server) = tokio::net::TcpStream::connect(&target).await {
                                let _ =
                                    tokio::io::copy_bidirectional(&mut client, &mut server).await;
                            }
                        });
                        o.lock().expect("open list").push(task.abort_handle());
                    }
                });
                let _ = started.send(accept.abort_handle());
                let _ = accept.await;
            });
        });
        let accept = handle.recv().expect("the forwarder started");
        Cuttable {
            addr,
            cut,
            open,
            accept,
        }
    }

    /// `url` going through this forwarder.
    pub fn url(&self, url: &str) -> String {
        url.replacen(authority(url), &self.addr.to_string(), 1)
    }

    /// Drops every open connection and refuses new ones.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for task in self.open.lock().expect("open list").drain(..) {
            task.abort();
        }
    }

    /// Forwards again.
    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for Cuttable {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// The `host:port` of a `postgres://[user[:password]@]host:port/…` URL.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest)
}
