//! Running a scenario against a server with a load driver: the own client and wrk side by side
//! for the main scenarios (so a reader sees whether the client was the limit), the better of
//! the two (wrk when installed) for the scaling tables.

use crate::client::{self, Shape};
use crate::scenario::Scenario;
use crate::wrk::Wrk;
use crate::{median, Res, Settings, CONNECTIONS};
use serde_json::json;
use std::net::SocketAddr;

/// One load run.
#[derive(Clone, Copy, Default)]
pub struct Run {
    /// Answers per second that counted.
    pub rate: f64,
    /// Answers that did not count (own client: not 200 or not a success; wrk: non-2xx/3xx and
    /// socket errors).
    pub failed: u64,
    /// 99th-percentile latency, ms.
    pub p99_ms: f64,
}

/// What every measurement needs.
pub struct Ctx<'a> {
    pub rt: &'a tokio::runtime::Runtime,
    pub settings: &'a Settings,
    /// `None` when wrk is not installed: the own client drives everything.
    pub wrk: Option<Wrk>,
}

/// Medians over the repetitions of one server under one driver.
#[derive(Clone, Copy, Default)]
pub struct Median {
    pub rate: f64,
    pub p99_ms: f64,
    /// Summed over the repetitions.
    pub failed: u64,
}

impl Median {
    /// The medians of `runs` (failures summed).
    pub fn of(runs: &[Run]) -> Median {
        let mut rates: Vec<f64> = runs.iter().map(|r| r.rate).collect();
        let mut p99s: Vec<f64> = runs.iter().map(|r| r.p99_ms).collect();
        Median {
            rate: median(&mut rates),
            p99_ms: median(&mut p99s),
            failed: runs.iter().map(|r| r.failed).sum(),
        }
    }
}

/// Switchboard and the baseline under one driver.
#[derive(Clone, Copy, Default)]
pub struct Pair {
    pub switchboard: Median,
    pub baseline: Median,
}

impl Pair {
    pub fn ratio(&self) -> f64 {
        self.switchboard.rate / self.baseline.rate
    }
}

/// A main scenario under both drivers.
pub struct Rates {
    pub own: Pair,
    pub wrk: Option<Pair>,
}

impl Rates {
    /// The ratio that counts against the target: wrk's when it ran.
    pub fn ratio(&self) -> f64 {
        self.wrk.as_ref().unwrap_or(&self.own).ratio()
    }
}

/// The two servers under test.
pub struct Targets {
    pub switchboard: SocketAddr,
    pub baseline: SocketAddr,
}

impl Ctx<'_> {
    /// Checks `sc`'s answer from Switchboard and the baseline's echo once.
    pub fn check(&self, sc: &Scenario, t: &Targets) -> Res<()> {
        let shape = Shape::of(sc)?;
        let answer = self.rt.block_on(client::call(t.switchboard, &shape))?;
        (sc.check)(&answer).map_err(|e| format!("{}: {e}", sc.label))?;
        let echoed = sc.body.clone().unwrap_or_else(|| json!({}));
        if self.rt.block_on(client::call(t.baseline, &shape))? != echoed {
            return Err("the baseline did not echo the request".into());
        }
        Ok(())
    }

    /// One run of the own client; `checked` counts only answers showing `sc`'s success (for
    /// Switchboard, not for the baseline's echo).
    pub fn own(&self, sc: &Scenario, addr: SocketAddr, conns: usize, checked: bool) -> Res<Run> {
        let shape = Shape::of(sc)?;
        let secs = self.settings.secs;
        let success = if checked { sc.success } else { None };
        self.rt
            .block_on(client::load(&shape, success, addr, conns, secs))
    }

    /// One run of the preferred driver: wrk (after a 1 s warm-up run) when installed, else the
    /// own client (which warms up by itself).
    pub fn best(&self, sc: &Scenario, addr: SocketAddr, conns: usize, checked: bool) -> Res<Run> {
        match &self.wrk {
            Some(wrk) => {
                wrk.run(sc, addr, conns, 1.0)?;
                wrk.run(sc, addr, conns, self.settings.secs)
            }
            None => self.own(sc, addr, conns, checked),
        }
    }

    /// `BENCH_REPS` repetitions, alternating the baseline (when given) and Switchboard, of the
    /// preferred driver.
    pub fn pair(&self, sc: &Scenario, t: &Targets, connections: usize) -> Res<Pair> {
        let (mut sb, mut base) = (Vec::new(), Vec::new());
        for _ in 0..self.settings.reps {
            base.push(self.best(sc, t.baseline, connections, false)?);
            sb.push(self.best(sc, t.switchboard, connections, true)?);
        }
        Ok(Pair {
            switchboard: Median::of(&sb),
            baseline: Median::of(&base),
        })
    }

    /// Switchboard alone, `BENCH_REPS` runs of the preferred driver.
    pub fn alone(&self, sc: &Scenario, addr: SocketAddr, connections: usize) -> Res<Median> {
        let runs = (0..self.settings.reps)
            .map(|_| self.best(sc, addr, connections, true))
            .collect::<Res<Vec<_>>>()?;
        Ok(Median::of(&runs))
    }

    /// A main scenario: checked once, then `BENCH_REPS` repetitions each running the baseline
    /// and Switchboard under the own client and then under wrk.
    pub fn compare(&self, sc: &Scenario, t: &Targets) -> Res<Rates> {
        self.check(sc, t)?;
        let (mut own_sb, mut own_base, mut wrk_sb, mut wrk_base) = Default::default();
        let push = |v: &mut Vec<Run>, r: Run| {
            v.push(r);
            r.rate
        };
        for rep in 1..=self.settings.reps {
            let b = push(&mut own_base, self.own(sc, t.baseline, CONNECTIONS, false)?);
            let s = push(&mut own_sb, self.own(sc, t.switchboard, CONNECTIONS, true)?);
            let mut line = format!("own client {b:.0} vs {s:.0} req/s ({:.3}×)", s / b);
            if let Some(wrk) = &self.wrk {
                let secs = self.settings.secs;
                let b = push(&mut wrk_base, wrk.run(sc, t.baseline, CONNECTIONS, secs)?);
                let s = push(&mut wrk_sb, wrk.run(sc, t.switchboard, CONNECTIONS, secs)?);
                line += &format!("; wrk {b:.0} vs {s:.0} req/s ({:.3}×)", s / b);
            }
            let reps = self.settings.reps;
            eprintln!(
                "bench: {} rep {rep}/{reps}: baseline vs switchboard: {line}",
                sc.label
            );
        }
        let pair = |sb: &Vec<Run>, base: &Vec<Run>| Pair {
            switchboard: Median::of(sb),
            baseline: Median::of(base),
        };
        Ok(Rates {
            own: pair(&own_sb, &own_base),
            wrk: self.wrk.as_ref().map(|_| pair(&wrk_sb, &wrk_base)),
        })
    }

    /// The body Switchboard answers to `sc` (one request).
    pub fn answer(&self, sc: &Scenario, addr: SocketAddr) -> Res<bytes::Bytes> {
        self.rt.block_on(client::answer(addr, &Shape::of(sc)?))
    }
}
