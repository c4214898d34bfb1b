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
    let (record, addr) = proxy(
        "record",
        &[
            "--upstream",
            legacy.base_url(),
            "--out",
            out.to_str().unwrap(),
        ],
        Stdio::piped(),
    )
    .await;
    front::aim(&mut legacy, addr);
    traffic::phonebooks(&legacy, "13000000401").await;
    traffic::v4(&legacy, "13000000402").await;
    let done = stop(record).await;
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

/// Starts `switchboard <command> --listen ADDR <args>` on a free port (its standard output
/// to `stdout`); answers the child and the address once it listens.
async fn proxy(
    command: &str,
    args: &[&str],
    stdout: Stdio,
) -> (std::process::Child, std::net::SocketAddr) {
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = Command::new(BIN)
        .args([command, "--listen", &addr.to_string()])
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn switchboard {command}: {e}"));
    let ready = async {
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), ready)
        .await
        .unwrap_or_else(|_| panic!("switchboard {command} listens"));
    (child, addr)
}

/// Stops a proxy as an operator does (SIGTERM) and answers what it printed.
async fn stop(child: std::process::Child) -> std::process::Output {
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(term.unwrap().success());
    tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap()
}

/// `GET /metrics` of `addr`: the text.
async fn scrape(addr: &str) -> String {
    let mut conn = crate::support::Conn::open(addr.parse().unwrap())
        .await
        .unwrap();
    let r = conn.request("GET", "/metrics", &[], b"").await.unwrap();
    assert_eq!(r.status, 200);
    String::from_utf8_lossy(&r.body).into_owned()
}

/// Scrapes `addr` until `done` holds of the text (at most about 2 s); answers the last text.
async fn scrape_until(addr: &str, done: impl Fn(&str) -> bool) -> String {
    let mut text = scrape(addr).await;
    for _ in 0..100 {
        if done(&text) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        text = scrape(addr).await;
    }
    text
}

/// The count of `switchboard_shadow_exchanges_total` with exactly these labels, 0 when absent.
fn count(text: &str, dialect: &str, command: &str, verdict: &str) -> u64 {
    let series = format!(
        r#"switchboard_shadow_exchanges_total{{dialect="{dialect}",command="{command}",verdict="{verdict}"}} "#
    );
    text.lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0, |n| n.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadow_serves_its_counts_on_its_own_metrics_address() {
    let mut primary = Server::start().await;
    let other = Server::start().await;
    let metrics = format!("127.0.0.1:{}", free_port());
    let (child, addr) = proxy(
        "shadow",
        &[
            "--primary",
            primary.base_url(),
            "--shadow",
            other.base_url(),
            "--metrics-addr",
            &metrics,
        ],
        Stdio::null(),
    )
    .await;
    front::aim(&mut primary, addr);
    for _ in 0..3 {
        let r = primary.get("/api/v4.0/isregister/13000000411").await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    // The mirror runs behind the answers: wait until all three are compared.
    let text = scrape_until(&metrics, |t| count(t, "v4", "phone_exists", "match") == 3).await;
    assert_eq!(count(&text, "v4", "phone_exists", "match"), 3, "{text}");
    assert_eq!(count(&text, "v4", "phone_exists", "differ"), 0, "{text}");
    assert!(text.contains("process_resident_memory_bytes"), "{text}");
    crate::support::checks::promtool_accepts(&text);
    // `/metrics` on the listening address belongs to the primary, not to the proxy.
    let r = primary.get("/metrics").await;
    assert!(!r.text().contains("switchboard_shadow_exchanges"), "{r:?}");
    stop(child).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_shadow_is_backed_off_and_every_exchange_still_counted() {
    let mut primary = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let diffs = dir.path().join("diffs.jsonl");
    let metrics = format!("127.0.0.1:{}", free_port());
    let dead = front::dead_url();
    let (child, addr) = proxy(
        "shadow",
        &[
            "--primary",
            primary.base_url(),
            "--shadow",
            &dead,
            "--metrics-addr",
            &metrics,
            "--out",
            diffs.to_str().unwrap(),
        ],
        Stdio::null(),
    )
    .await;
    front::aim(&mut primary, addr);
    for _ in 0..50 {
        let r = primary.get("/api/v4.0/isregister/13000000412").await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    let text = scrape_until(&metrics, |t| count(t, "v4", "phone_exists", "failed") == 50).await;
    assert_eq!(count(&text, "v4", "phone_exists", "failed"), 50, "{text}");
    stop(child).await;
    // Only the exchanges actually tried have a line of their own: within the backoff's
    // first 200 ms, 50 back-to-back reads are mostly not sent to the dead side at all.
    let written = std::fs::read_to_string(&diffs).unwrap();
    let tried = written
        .lines()
        .filter(|l| l.contains(r#""verdict":"failed""#))
        .count();
    assert!((1..50).contains(&tried), "{tried} tried of 50:\n{written}");
}
