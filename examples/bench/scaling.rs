//! The scaling phases: how throughput grows with the database (filler accounts seeded before
//! the server starts), with the answer (books of 10, 100, 1 000 contacts) and with the number
//! of connections; and op 1009's p99 and the peak RSS while logins hash passwords.

use crate::client::{self, LoginLoad};
use crate::drive::{Ctx, Median, Pair, Targets};
use crate::scenario::{self, Prepared};
use crate::{prepare, proc, seeding, Res, CONNECTIONS};
use std::path::{Path, PathBuf};

/// One database size.
pub struct SizeRow {
    /// Filler accounts seeded before the start (the 100 bench accounts come on top).
    pub fillers: u64,
    /// Seconds the seeding took (`None` when nothing was seeded).
    pub seed_secs: Option<f64>,
    /// Database file plus WAL after the phase (filler and bench accounts), bytes.
    pub db_bytes: u64,
    /// Spawn → first `/healthz` 200 of a restart on that database, ms.
    pub cold_start_ms: f64,
    /// Op 1009, 10 contacts, a random one of the 100 bench accounts.
    pub list: Median,
    /// HelpAged `GET /api/user/info?token=`.
    pub info: Median,
}

/// For each size: a fresh database seeded with that many filler accounts (3 contacts each), the
/// bench accounts prepared through the API, a timed restart (a new process; the file is in the
/// OS page cache, as it is after any restart), then op 1009 and the HelpAged info read under
/// `CONNECTIONS` connections. Each database is removed afterwards.
pub fn database_sizes(ctx: &Ctx, exe: &Path, dir: &Path, sizes: &[u64]) -> Res<Vec<SizeRow>> {
    let mut rows = Vec::new();
    for &fillers in sizes {
        let sub = dir.join(format!("size-{fillers}"));
        std::fs::create_dir_all(&sub)?;
        let sb = proc::Switchboard::new(exe.to_path_buf(), &sub)?;
        let seed_secs = match fillers {
            0 => None,
            n => {
                let seeded = seeding::seed(sb.db(), n, seeding::DEFAULT_CONTACTS)?;
                Some(seeded.elapsed.as_secs_f64())
            }
        };
        let server = sb.start()?;
        let (jwts, typed) = ctx.rt.block_on(prepare::for_size(server.addr))?;
        // Timed on a restart, so that every size starts on an existing database.
        server.stop()?;
        let server = sb.start()?;
        let cold_start_ms = server.startup.as_secs_f64() * 1000.0;
        eprintln!("bench: {fillers} filler accounts: cold start {cold_start_ms:.1} ms");
        let list = scenario::list("op 1009", &jwts);
        let info = scenario::info(&typed);
        for sc in [&list, &info] {
            let answer = ctx
                .rt
                .block_on(client::call(server.addr, &client::Shape::of(sc)?))?;
            (sc.check)(&answer)?;
        }
        let row = SizeRow {
            fillers,
            seed_secs,
            db_bytes: 0,
            cold_start_ms,
            list: ctx.alone(&list, server.addr, CONNECTIONS)?,
            info: ctx.alone(&info, server.addr, CONNECTIONS)?,
        };
        eprintln!(
            "bench: {fillers} filler accounts: op 1009 {:.0} req/s, info {:.0} req/s",
            row.list.rate, row.info.rate
        );
        server.stop()?;
        rows.push(SizeRow {
            db_bytes: file_sizes(sb.db()),
            ..row
        });
        std::fs::remove_dir_all(&sub)?;
    }
    Ok(rows)
}

/// The database file and its WAL, in bytes.
fn file_sizes(db: &Path) -> u64 {
    let mut wal = PathBuf::from(db).into_os_string();
    wal.push("-wal");
    [db.as_os_str(), wal.as_os_str()]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// One book size.
pub struct AnswerRow {
    pub contacts: usize,
    /// Body bytes of one answer.
    pub bytes: usize,
    pub run: Median,
}

/// Op 1009 for each of the prepared books, from one account each.
pub fn answer_sizes(ctx: &Ctx, p: &Prepared, addr: std::net::SocketAddr) -> Res<Vec<AnswerRow>> {
    let mut rows = Vec::new();
    for (contacts, jwt) in &p.books {
        let sc = scenario::book(jwt);
        let body = ctx.answer(&sc, addr)?;
        let v: serde_json::Value = serde_json::from_slice(&body)?;
        let listed = v["users"].as_array().map_or(0, Vec::len);
        if listed != *contacts {
            return Err(format!("op 1009 listed {listed} contacts, not {contacts}").into());
        }
        let run = ctx.alone(&sc, addr, CONNECTIONS)?;
        eprintln!("bench: op 1009, {contacts} contacts: {:.0} req/s", run.rate);
        rows.push(AnswerRow {
            contacts: *contacts,
            bytes: body.len(),
            run,
        });
    }
    Ok(rows)
}

/// Connection counts the connections table measures.
pub const LEVELS: [usize; 4] = [1, 16, 64, 256];

/// Op 1009 (a random one of the 100 accounts) at each level, Switchboard and the baseline.
pub fn connections(ctx: &Ctx, p: &Prepared, t: &Targets) -> Res<Vec<(usize, Pair)>> {
    let sc = scenario::list("op 1009", &p.jwts);
    let mut rows = Vec::new();
    for level in LEVELS {
        let pair = ctx.pair(&sc, t, level)?;
        eprintln!(
            "bench: {level} connections: switchboard {:.0} req/s p99 {:.2} ms, baseline {:.0}",
            pair.switchboard.rate, pair.switchboard.p99_ms, pair.baseline.rate
        );
        rows.push((level, pair));
    }
    Ok(rows)
}

/// On a fresh start, `BENCH_LOGINS` connections log in through HelpAged back to back while a probe
/// times `/healthz`, an unknown op and op 1009; answers what the probe saw and the server's
/// peak RSS (VmHWM, KiB) at the end.
pub fn under_logins(ctx: &Ctx, sb: &proc::Switchboard, p: &Prepared) -> Res<(LoginLoad, u64)> {
    let server = sb.start()?;
    let secs = ctx.settings.secs;
    let logins = ctx.settings.logins;
    let probe = client::login_probe(server.addr, logins, secs, &p.probe_jwt);
    let load = ctx.rt.block_on(probe)?;
    let hwm = proc::memory(server.id())?.hwm;
    server.stop()?;
    Ok((load, hwm))
}
