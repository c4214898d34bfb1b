//! Child processes: the Switchboard binary and the baseline, killed when dropped.

use crate::Res;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to stop.
const PATIENCE: Duration = Duration::from_secs(20);

/// How long a server may take to start: long, because a start on a database of 10⁶ seeded
/// accounts is measured too (and today checks every foreign key).
const START_PATIENCE: Duration = Duration::from_secs(600);

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

    /// The database file.
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// Spawns `switchboard serve` and waits for `GET /healthz` to answer 200.
    pub fn start(&self) -> Res<Server> {
        self.serve(&["--db".as_ref(), self.db.as_os_str()])
    }

    /// [`Switchboard::start`] on the PostgreSQL database `url` instead of the file.
    pub fn start_on(&self, url: &str) -> Res<Server> {
        self.serve(&["--database-url".as_ref(), url.as_ref()])
    }

    fn serve(&self, database: &[&std::ffi::OsStr]) -> Res<Server> {
        let addr = free_addr()?;
        let began = Instant::now();
        let child = Command::new(&self.exe)
            .arg("serve")
            .arg("--addr")
            .arg(addr.to_string())
            .args(database)
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
        if began.elapsed() > START_PATIENCE {
            return Err(format!("server not ready on {addr} after {START_PATIENCE:?}").into());
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
