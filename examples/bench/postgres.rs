//! The PostgreSQL mode (`BENCH_ONLY=postgres`, with `BENCH_DATABASE_URL` naming a PostgreSQL
//! server where the bench may create a database): scenarios a (op 1009, a read) and c (op 1005,
//! a durable write) against one node and against two nodes on one PostgreSQL, as ratios to the
//! bare baseline of the same run. Two nodes get half the connections each, driven at once; their
//! rates add up. Written to README between its own markers (docs/deployment.md reads it).

use crate::drive::{Ctx, Median, Run};
use crate::scenario::{self, Scenario};
use crate::{median, prepare, proc, readme, Res, CONNECTIONS};
use std::path::Path;

/// What the mode measured: per scenario, the baseline, one node and two nodes.
pub struct Measured {
    pub rows: Vec<Row>,
    pub server: String,
}

/// One scenario's medians, and where the CPU went during its runs.
pub struct Row {
    pub label: &'static str,
    pub baseline: Median,
    pub one: Median,
    pub two: Median,
    /// Shares of the machine's CPU while one node, then two nodes, were driven.
    pub one_cpu: Cpu,
    pub two_cpu: Cpu,
}

/// Shares of the whole machine's CPU time (all cores = 1.0) over some runs.
#[derive(Clone, Copy, Default)]
pub struct Cpu {
    /// PostgreSQL's processes.
    pub postgres: f64,
    /// The Switchboard node or nodes.
    pub nodes: f64,
}

/// CPU ticks (utime + stime, 1/100 s) of PostgreSQL's processes and of `nodes`.
fn ticks(nodes: &[u32]) -> (u64, u64) {
    let (mut pg, mut sb) = (0, 0);
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let used = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let t = used(11) + used(12);
        if nodes.contains(&pid) {
            sb += t;
        } else if &stat[open + 1..close] == "postgres" {
            pg += t;
        }
    }
    (pg, sb)
}

/// Runs `f`, answering what it answered and the CPU shares while it ran.
fn measured<T>(nodes: &[u32], f: impl FnOnce() -> Res<T>) -> Res<(T, Cpu)> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let (before, began) = (ticks(nodes), std::time::Instant::now());
    let out = f()?;
    let (after, wall) = (ticks(nodes), began.elapsed().as_secs_f64());
    let share = |a: u64, b: u64| (b.saturating_sub(a)) as f64 / 100.0 / wall / cores;
    let cpu = Cpu {
        postgres: share(before.0, after.0),
        nodes: share(before.1, after.1),
    };
    Ok((out, cpu))
}

/// The mode: a fresh database, the data prepared through the first node, then the runs.
pub fn phase(ctx: &Ctx, exe: &Path, dir: &Path) -> Res<()> {
    let admin = std::env::var("BENCH_DATABASE_URL").map_err(|_| {
        "BENCH_ONLY=postgres needs BENCH_DATABASE_URL (a server to create a database on)"
    })?;
    let (url, server) = fresh_database(&admin)?;
    let sb = proc::Switchboard::new(exe.to_path_buf(), dir)?;
    let first = sb.start_on(&url)?;
    eprintln!("bench: postgres: preparing data through {}", first.addr);
    let prepared = ctx.rt.block_on(prepare::everything(first.addr))?;
    let second = sb.start_on(&url)?;
    let base = proc::Baseline::start()?;
    let all = scenario::all(&prepared);
    let wanted = all
        .into_iter()
        .filter(|s| s.label.starts_with("a.") || s.label.starts_with("c."));
    let mut rows = Vec::new();
    for sc in wanted {
        let mut runs: [Vec<Run>; 3] = Default::default();
        let (mut one_cpu, mut two_cpu) = (Vec::new(), Vec::new());
        let nodes = [first.id(), second.id()];
        for rep in 1..=ctx.settings.reps {
            runs[0].push(ctx.best(&sc, base.addr, CONNECTIONS, false)?);
            let (one, cpu) =
                measured(&nodes[..1], || ctx.best(&sc, first.addr, CONNECTIONS, true))?;
            runs[1].push(one);
            one_cpu.push(cpu);
            let (two, cpu) = measured(&nodes, || both(ctx, &sc, [first.addr, second.addr], dir))?;
            runs[2].push(two);
            two_cpu.push(cpu);
            let [b, o, t] = [&runs[0], &runs[1], &runs[2]].map(|r| r[r.len() - 1].rate);
            eprintln!(
                "bench: postgres: {} rep {rep}: baseline {b:.0}, one node {o:.0} ({:.3}×), two nodes {t:.0} ({:.3}×) req/s",
                sc.label,
                o / b,
                t / b
            );
        }
        let [baseline, one, two] = runs.map(|r| Median::of(&r));
        rows.push(Row {
            label: sc.label,
            baseline,
            one,
            two,
            one_cpu: median_cpu(&one_cpu),
            two_cpu: median_cpu(&two_cpu),
        });
    }
    base.stop()?;
    second.stop()?;
    first.stop()?;
    let measured = Measured { rows, server };
    let section = section(&measured, ctx);
    println!("\n{section}");
    readme::write_between(readme::PG_BEGIN, readme::PG_END, &section)?;
    eprintln!("bench: wrote README.md's PostgreSQL section");
    Ok(())
}

/// Both nodes at once, half the connections each, with wrk when installed (one run each, in
/// parallel) or the own client; the rates add up, the p99 is the worse of the two.
fn both(ctx: &Ctx, sc: &Scenario, nodes: [std::net::SocketAddr; 2], dir: &Path) -> Res<Run> {
    let half = CONNECTIONS / 2;
    let runs: Vec<Res<Run>> = match &ctx.wrk {
        Some(wrk) => {
            let drivers = [
                wrk.in_dir(&dir.join("wrk-a"))?,
                wrk.in_dir(&dir.join("wrk-b"))?,
            ];
            for (d, n) in drivers.iter().zip(nodes) {
                d.run(sc, n, half, 1.0)?; // warm-up, as `best` does
            }
            let secs = ctx.settings.secs;
            std::thread::scope(|s| {
                let handles: Vec<_> = drivers
                    .iter()
                    .zip(nodes)
                    .map(|(d, n)| {
                        s.spawn(move || d.run(sc, n, half, secs).map_err(|e| e.to_string()))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .map_err(|_| "a wrk thread panicked".to_string())
                            .and_then(|r| r)
                            .map_err(Into::into)
                    })
                    .collect()
            })
        }
        None => {
            let shape = crate::client::Shape::of(sc)?;
            let (secs, success) = (ctx.settings.secs, sc.success);
            ctx.rt.block_on(async {
                let a = crate::client::load(&shape, success, nodes[0], half, secs);
                let b = crate::client::load(&shape, success, nodes[1], half, secs);
                let (a, b) = tokio::join!(a, b);
                vec![a, b]
            })
        }
    };
    let mut total = Run::default();
    for run in runs {
        let run = run?;
        total.rate += run.rate;
        total.failed += run.failed;
        total.p99_ms = total.p99_ms.max(run.p99_ms);
    }
    Ok(total)
}

fn median_cpu(shares: &[Cpu]) -> Cpu {
    let mut pg: Vec<f64> = shares.iter().map(|c| c.postgres).collect();
    let mut sb: Vec<f64> = shares.iter().map(|c| c.nodes).collect();
    Cpu {
        postgres: median(&mut pg),
        nodes: median(&mut sb),
    }
}

/// A new empty database on the server `admin` names; answers its URL and the server's version.
fn fresh_database(admin: &str) -> Res<(String, String)> {
    let name = "switchboard_bench";
    let mut client = postgres::Client::connect(admin, postgres::NoTls)?;
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))?;
    client.batch_execute(&format!("CREATE DATABASE {name}"))?;
    let version: String = client.query_one("SHOW server_version", &[])?.get(0);
    let (base, query) = admin.split_once('?').map_or((admin, ""), |(b, q)| (b, q));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut url = format!("{}/{name}", &base[..path]);
    if !query.is_empty() {
        url = format!("{url}?{query}");
    }
    Ok((url, format!("PostgreSQL {version}")))
}

/// The README section: the table, and what it says.
fn section(m: &Measured, ctx: &Ctx) -> String {
    let driver = ctx
        .wrk
        .as_ref()
        .map_or("the own client".to_string(), |w| w.version.clone());
    let mut s = format!(
        "Run {} on {} ({} cores), {} on the same machine, driven by {driver}: {CONNECTIONS} \
         connections (two nodes: {} each, at once), {} s × {} repetitions, medians. Command: \
         `BENCH_ONLY=postgres BENCH_DATABASE_URL=postgres://… cargo run --release --example bench`.\n\n",
        readme::today(),
        readme::cpu_model(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        m.server,
        CONNECTIONS / 2,
        ctx.settings.secs,
        ctx.settings.reps,
    );
    s += "| scenario | bare baseline req/s | one node req/s (ratio) p99 | two nodes req/s (ratio) p99 | two ÷ one | CPU, one node: PostgreSQL / node | CPU, two nodes: PostgreSQL / nodes |\n";
    s += "|---|---|---|---|---|---|---|\n";
    let pct = |c: Cpu| format!("{:.0}% / {:.0}%", c.postgres * 100.0, c.nodes * 100.0);
    for r in &m.rows {
        s += &format!(
            "| {} | {:.0} | {:.0} ({:.3}×) {:.2} ms | {:.0} ({:.3}×) {:.2} ms | {:.2}× | {} | {} |\n",
            r.label,
            r.baseline.rate,
            r.one.rate,
            r.one.rate / r.baseline.rate,
            r.one.p99_ms,
            r.two.rate,
            r.two.rate / r.baseline.rate,
            r.two.p99_ms,
            r.two.rate / r.one.rate,
            pct(r.one_cpu),
            pct(r.two_cpu),
        );
    }
    s += "\nCPU is the share of the whole machine (every core) used while the nodes were driven, \
          by PostgreSQL's processes and by the Switchboard nodes; the load driver and the \
          kernel's own work take the rest. Everything here shares one machine: a second node \
          adds no cores, so two nodes show what the database and the nodes cost together, not \
          what two machines reach.\n";
    s += &limits(m);
    let failed: u64 = m.rows.iter().map(|r| r.one.failed + r.two.failed).sum();
    s += &format!("\nAnswers that were not the scenario's success: {failed}.\n");
    s
}

/// Where the limit is, from the one-node runs: CPU time per request on each side, and so how
/// many requests a second one core of each serves.
fn limits(m: &Measured) -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let mut s = String::from(
        "\nWhere the limit is (one node, CPU time per request = share × cores ÷ rate):\n\n",
    );
    for r in &m.rows {
        if r.one.rate <= 0.0 {
            continue;
        }
        let micros = |share: f64| share * cores / r.one.rate * 1e6;
        let (pg, node) = (micros(r.one_cpu.postgres), micros(r.one_cpu.nodes));
        s += &format!(
            "- {}: PostgreSQL {pg:.0} µs, the node {node:.0} µs a request; one core of \
             PostgreSQL serves about {:.0} a second, one core of nodes about {:.0}. More nodes \
             (on machines of their own) add only the second; the database server's cores bound \
             the whole cluster.\n",
            r.label,
            1e6 / pg.max(1.0),
            1e6 / node.max(1.0),
        );
    }
    s
}
