//! The real `switchboard serve` process, for what only a process shows: `kill -9` and SIGTERM.
//! It is spoken to with the same raw client as the in-process [`super::Server`].

use super::client::{Conn, Resp};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long start-up and exit may take before the test fails: generous, for busy cores.
const PATIENCE: Duration = Duration::from_secs(30);

/// A `switchboard serve` child process.
pub struct Binary {
    /// The process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Binary {
    /// Starts `switchboard serve` on a free port over `db` with `config_toml` written to a file
    /// next to it, and waits until `/healthz` answers.
    pub async fn start(db: &Path, config_toml: &str) -> Binary {
        let dir = db.parent().expect("db has a parent directory");
        let config = dir.join(format!("config-{}.toml", free_port()));
        std::fs::write(&config, config_toml).expect("write config");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))
            .expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        // The config file is all it is told: not the test runner's own SWITCHBOARD_* variables
        // (CI sets SWITCHBOARD_REQUIRE_TOOLS), which the server would refuse as unknown.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("SWITCHBOARD_") {
                command.env_remove(name);
            }
        }
        let child = command
            .arg("serve")
            .arg("--addr")
            .arg(addr.to_string())
            .arg("--db")
            .arg(db)
            .arg("--config")
            .arg(&config)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("spawn switchboard");
        let mut b = Binary { child, addr };
        b.wait_ready().await;
        b
    }

    /// Polls `/healthz` until it answers 200.
    async fn wait_ready(&mut self) {
        let ready = async {
            loop {
                if let Some(status) = self.child.try_wait().expect("try_wait") {
                    panic!("switchboard exited at start-up: {status}");
                }
                if let Some(r) = self.try_request("GET", "/healthz", b"").await {
                    if r.status == 200 {
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        };
        tokio::time::timeout(PATIENCE, ready)
            .await
            .expect("switchboard did not become ready");
    }

    /// One request on a new keep-alive connection; `None` when nothing answers.
    async fn try_request(&self, method: &str, target: &str, body: &[u8]) -> Option<Resp> {
        let mut conn = Conn::open(self.addr).await.ok()?;
        conn.request(method, target, &[], body).await.ok()
    }

    /// A new connection.
    pub async fn connect(&self) -> Conn {
        Conn::open(self.addr).await.expect("connect")
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let ok = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Waits for the process to exit.
    pub async fn wait_exit(&mut self) -> std::process::ExitStatus {
        let exited = async {
            loop {
                if let Some(s) = self.child.try_wait().expect("try_wait") {
                    return s;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        match tokio::time::timeout(PATIENCE, exited).await {
            Ok(status) => status,
            Err(_) => {
                let _ = self.child.kill();
                panic!("switchboard did not exit within {PATIENCE:?}");
            }
        }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("local addr")
        .port()
}
