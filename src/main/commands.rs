//! The command line's one-shot commands that need more than a line in `run`: a backup with
//! its progress, a copy from SQLite to PostgreSQL with its, a configuration check, and
//! replaying fixtures.

use super::runtime;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use switchboard::app::{App, StoreOutbox};
use switchboard::config::Config;
use switchboard::ctx::SkippingClock;
use switchboard::store::backup::{self, BackupError};
use switchboard::store::copy;
use switchboard::store::Store;
use switchboard::{fixtures, server};

/// `switchboard migrate-store`: copies the SQLite file `from` into the PostgreSQL database
/// `to`, with progress on a terminal, and prints each table's count on both sides.
pub fn migrate_store(from: &Path, to: String) -> Result<ExitCode, String> {
    let started = std::time::Instant::now();
    let defaults = Config::default();
    let settings = switchboard::store::PgSettings {
        url: to,
        pool_size: 1,
        connect_timeout: std::time::Duration::from_millis(defaults.pg_connect_timeout_ms),
        pool_wait: std::time::Duration::from_millis(defaults.pg_pool_wait_ms),
        statement_timeout: std::time::Duration::from_millis(defaults.pg_statement_timeout_ms),
        write_attempts: 1,
    };
    let terminal = std::io::stderr().is_terminal();
    let mut last = std::time::Instant::now();
    let counted = copy::sqlite_to_postgres(from, &settings, &mut |table, done, total| {
        let finished = done == total;
        if terminal && (finished || last.elapsed().as_millis() >= 100) {
            last = std::time::Instant::now();
            eprint!("\r\x1b[2Kcopying {table}: {done}/{total} rows");
            if finished {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        }
    })
    .map_err(|e| format!("migrate-store: {e}"))?;
    println!("{:<16} {:>12} {:>12}", "table", "sqlite", "postgresql");
    for c in &counted {
        println!("{:<16} {:>12} {:>12}", c.table, c.sqlite, c.postgres);
    }
    let rows: i64 = counted.iter().map(|c| c.postgres).sum();
    println!(
        "copied {} into PostgreSQL: {} tables, {rows} rows, every count equal, {} ms",
        from.display(),
        counted.len(),
        started.elapsed().as_millis()
    );
    Ok(ExitCode::SUCCESS)
}

/// `switchboard backup`: copies `db` to `out`, with progress on a terminal.
pub fn back_up(db: &Path, out: &Path, force: bool) -> Result<ExitCode, String> {
    let started = std::time::Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let mut shown = None;
    let copied = backup::copy_file(db, out, force, &mut |done, total| {
        let percent = done * 100 / total.max(1);
        if terminal && done < total && shown != Some(percent) {
            shown = Some(percent);
            eprint!(
                "\rbacking up {}: {done}/{total} pages ({percent}%)",
                db.display()
            );
            let _ = std::io::stderr().flush();
        }
    });
    if shown.is_some() {
        eprint!("\r\x1b[2K");
    }
    let copied = copied.map_err(|e| match e {
        BackupError::Exists(p) => format!("{} already exists (--force replaces it)", p.display()),
        e => e.to_string(),
    })?;
    println!(
        "backed up {} to {}: {} bytes, {} pages, {} ms",
        db.display(),
        out.display(),
        copied.bytes,
        copied.pages,
        started.elapsed().as_millis()
    );
    Ok(ExitCode::SUCCESS)
}

/// `switchboard config check`: everything `serve` checks before it opens the database (the
/// file, the environment, the settings together, the log filter, the argon2 cost), then the
/// effective settings with secrets masked.
pub fn config_check(file: Option<&Path>) -> Result<ExitCode, String> {
    let config = Config::load(file)?;
    let _: tracing_subscriber::filter::Targets = config
        .log
        .parse()
        .map_err(|e| format!("bad log filter {:?}: {e}", config.log))?;
    switchboard::auth::passwords::Passwords::new(&config)?;
    let source = file.map_or("no file".to_string(), |f| f.display().to_string());
    println!(
        "# switchboard {}: the settings `serve --config` would run with (defaults, then {source}, \
         then SWITCHBOARD_* variables); secrets masked",
        env!("CARGO_PKG_VERSION")
    );
    print!("{}", config.masked_toml()?);
    Ok(ExitCode::SUCCESS)
}

/// `switchboard replay`: runs fixture files against a target (its nodes in turn) or an
/// in-process server.
pub fn replay(
    targets: Vec<String>,
    outbox: Option<Store>,
    paths: Vec<PathBuf>,
) -> Result<ExitCode, String> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            files.extend(fixtures::discover(&p));
        } else {
            files.push(p);
        }
    }
    let config = Config::default();
    let rt = runtime(&config)?;
    let (passed, failed) = rt.block_on(async move {
        let mut targets = targets.into_iter();
        match targets.next() {
            Some(base_url) => {
                let outbox = outbox.map(|store| {
                    std::sync::Arc::new(StoreOutbox(store))
                        as std::sync::Arc<dyn fixtures::OutboxSource>
                });
                let t = fixtures::Target {
                    base_url,
                    also: targets.collect(),
                    outbox,
                    clock: None,
                };
                Ok::<_, String>(fixtures::replay_files(&files, &t).await)
            }
            None => {
                let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
                let config = Config::for_tests(dir.path().join("replay.db"));
                let clock = std::sync::Arc::new(SkippingClock::default());
                let time = clock.clone();
                let app = tokio::task::spawn_blocking(move || App::open_with_clock(config, time))
                    .await
                    .map_err(|e| e.to_string())??;
                let running = server::Running::start(app)
                    .await
                    .map_err(|e| e.to_string())?;
                let t = fixtures::Target {
                    base_url: running.base_url.clone(),
                    also: Vec::new(),
                    outbox: Some(std::sync::Arc::new(StoreOutbox(
                        running.app.ctx.store.clone(),
                    ))),
                    clock: Some(clock),
                };
                let counts = fixtures::replay_files(&files, &t).await;
                running.stop().await;
                Ok(counts)
            }
        }
    })?;
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
