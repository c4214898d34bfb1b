//! Capturing what the server logs: a thread-local subscriber whose lines the test reads back.

use std::io::Write;
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::SubscriberExt as _;

/// Installs, once per test binary, a global subscriber that keeps nothing but wants every
/// line at INFO. `tracing` decides once per log statement, for the whole process, whether
/// anyone wants it, and when only one subscriber is installed it asks the thread that first
/// reaches the statement: a thread with no capture (another test's, a blocking thread) then
/// switched that statement off for every capture after it (tokio-rs/tracing#3611), and a
/// capture came back empty now and then when tests ran in parallel. With this one always
/// installed, the statement stays on and each capture sees its own thread's lines.
pub fn keep_log_statements_on() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let global =
            tracing_subscriber::registry().with(tracing_subscriber::filter::LevelFilter::INFO);
        // `SWITCHBOARD_TEST_LOG=1`: what servers log outside a capture goes to stderr (to see
        // why a test's request failed).
        let shown = std::env::var_os("SWITCHBOARD_TEST_LOG")
            .map(|_| tracing_subscriber::fmt::layer().with_writer(std::io::stderr));
        let _ = tracing::subscriber::set_global_default(global.with(shown));
    });
}

/// Captures the lines logged on this thread until the guard drops. A `#[tokio::test]` runs
/// the server's tasks on the test's own thread, so the capture holds this test's lines only,
/// whatever the other tests of the binary log at the same time.
pub fn captured() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    keep_log_statements_on();
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = buf.clone();
    let only_ours =
        tracing_subscriber::filter::Targets::new().with_target("switchboard", tracing::Level::INFO);
    let lines = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(move || Sink(sink.clone()));
    let subscriber = tracing_subscriber::registry().with(lines).with(only_ours);
    (buf, tracing::subscriber::set_default(subscriber))
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every captured line.
pub fn lines(log: &Mutex<Vec<u8>>) -> Vec<String> {
    String::from_utf8_lossy(&log.lock().unwrap())
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The captured lines that contain `needle`.
pub fn lines_with(log: &Mutex<Vec<u8>>, needle: &str) -> Vec<String> {
    lines(log)
        .into_iter()
        .filter(|l| l.contains(needle))
        .collect()
}

/// The first captured line that contains `needle`, waiting up to 2 s for it: a request's line
/// is written when its connection task gets its turn again, which may be after the client
/// has read the answer.
pub async fn line_with(log: &Mutex<Vec<u8>>, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        if let Some(line) = lines_with(log, needle).into_iter().next() {
            return line;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no line with {needle} in {:?}",
            lines(log)
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}
