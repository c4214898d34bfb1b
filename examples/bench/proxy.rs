//! The proxies' overhead (`BENCH_ONLY=proxy`): p99 and rate of scenario a (op 1009, a read
//! through the store) asked of Switchboard directly, through `switchboard record` in front of
//! it, and through `switchboard shadow` whose shadow side is dead (refuses connections) or
//! hung (accepts and never answers). Printed as a table, not written to the README.

use crate::{client, proc, scenario, Res};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How each target is measured: connections, and a total rate (`None`: back to back). One
/// client alone; 16 clients at a steady 5 000 requests/s (a quarter of what `record` forwards
/// back to back here), the latency a proxy adds to a server that is not saturated; and 16
/// back to back, where the proxy's own CPU competes with the server's on the two cores.
const LOADS: [(usize, Option<f64>); 3] = [(1, None), (16, Some(5_000.0)), (16, None)];

/// A proxy child process, killed when dropped.
struct Proxy(Child);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.0.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `switchboard <args> --listen ADDR` and waits until it accepts connections.
fn start(exe: &Path, args: &[String]) -> Res<(Proxy, SocketAddr)> {
    let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let child = Command::new(exe)
        .args(args)
        .args(["--listen", &addr.to_string(), "--log", "warn"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()?;
    let mut proxy = Proxy(child);
    let began = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        if let Some(status) = proxy.0.try_wait()? {
            return Err(format!("{args:?} exited at start-up ({status})").into());
        }
        if began.elapsed() > Duration::from_secs(20) {
            return Err(format!("{args:?} not listening after 20 s").into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok((proxy, addr))
}

/// The proxy phase: measures each target and prints the table.
pub fn phase(
    rt: &tokio::runtime::Runtime,
    sb: &proc::Switchboard,
    exe: &Path,
    dir: &Path,
    prepared: &scenario::Prepared,
    secs: f64,
) -> Res<()> {
    let server = sb.start()?;
    let upstream = format!("http://{}", server.addr);
    let sc = scenario::all(prepared)
        .into_iter()
        .next()
        .ok_or("no scenario a")?;
    let shape = client::Shape::of(&sc)?;
    // A hung shadow side: accepts, never reads, never answers.
    let hung = TcpListener::bind("127.0.0.1:0")?;
    let hung_url = format!("http://{}", hung.local_addr()?);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        while let Ok((s, _)) = hung.accept() {
            held.push(s);
        }
    });
    let dead_url = format!("http://{}", TcpListener::bind("127.0.0.1:0")?.local_addr()?);
    let recorded = dir.join("recorded");
    let targets: Vec<(&str, Vec<String>)> = vec![
        ("directly", vec![]),
        (
            "through record",
            vec![
                "record".into(),
                "--upstream".into(),
                upstream.clone(),
                "--out".into(),
                recorded.display().to_string(),
            ],
        ),
        (
            "through shadow, dead shadow side",
            vec![
                "shadow".into(),
                "--primary".into(),
                upstream.clone(),
                "--shadow".into(),
                dead_url,
            ],
        ),
        (
            "through shadow, hung shadow side",
            vec![
                "shadow".into(),
                "--primary".into(),
                upstream.clone(),
                "--shadow".into(),
                hung_url,
            ],
        ),
    ];
    let mut rows = Vec::new();
    for (name, args) in targets {
        let (proxy, addr) = match args.is_empty() {
            true => (None, server.addr),
            false => {
                let (p, a) = start(exe, &args)?;
                (Some(p), a)
            }
        };
        for (conns, rate) in LOADS {
            let run = rt.block_on(client::load_at(&shape, sc.success, addr, conns, secs, rate))?;
            let load = match rate {
                Some(r) => format!("{conns} at {r:.0}/s"),
                None => format!("{conns}"),
            };
            eprintln!("bench: proxy phase: {name}, {load} connections: {:.0} req/s, p99 {:.3} ms, {} failed", run.rate, run.p99_ms, run.failed);
            rows.push((name, load, run));
        }
        drop(proxy);
    }
    server.stop()?;
    println!(
        "\n**Proxy overhead: scenario {} ({secs} s per run)**\n",
        sc.label
    );
    println!("| target | connections | requests/s | p99 | p99 added | failed |");
    println!("|---|---|---|---|---|---|");
    for (name, conns, run) in &rows {
        let direct = rows.iter().find(|(n, c, _)| *n == "directly" && c == conns);
        let added = direct.map_or(0.0, |(_, _, d)| run.p99_ms - d.p99_ms);
        println!(
            "| {name} | {conns} | {:.0} | {:.3} ms | {added:+.3} ms | {} |",
            run.rate, run.p99_ms, run.failed
        );
    }
    Ok(())
}
