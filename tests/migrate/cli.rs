//! The commands as an operator runs them: `switchboard record` in front of a server, stopped
//! with SIGTERM, then `switchboard replay` of what it wrote — the real binary throughout.

use crate::support::binary::free_port;
use crate::support::{front, traffic, Server};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_then_replay_from_the_command_line() {
    let mut legacy = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recorded");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let record = Command::new(BIN)
        .args([
            "record",
            "--listen",
            &addr.to_string(),
            "--upstream",
            legacy.base_url(),
        ])
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn switchboard record");
    let ready = async {
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), ready)
        .await
        .expect("record listens");
    front::aim(&mut legacy, addr);
    traffic::phonebooks(&legacy, "13000000401").await;
    traffic::v4(&legacy, "13000000402").await;
    let term = Command::new("kill")
        .args(["-TERM", &record.id().to_string()])
        .status();
    assert!(term.unwrap().success());
    let done = tokio::task::spawn_blocking(move || record.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(done.status.success(), "{done:?}");
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(
        said.contains("exchanges recorded into 2 fixture files"),
        "{said}"
    );
    let replay = Command::new(BIN)
        .arg("replay")
        .arg(&out)
        .output()
        .expect("run replay");
    let said = String::from_utf8_lossy(&replay.stdout);
    assert!(replay.status.success(), "{said}");
    assert!(said.contains("2 passed, 0 failed"), "{said}");
}
