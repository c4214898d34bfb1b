//! The `switchboard` command: serve, back up, read the outbox, set levels, print routes, replay
//! fixtures, check a configuration.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use switchboard::app::{self, App};
use switchboard::config::{Config, LogFormat};
use switchboard::store::{accounts, outbox, throttle, Store};
use switchboard::{proxy, server};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

#[path = "main/commands.rs"]
mod commands;

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Five legacy mobile-app backends in one binary"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve every dialect over HTTP.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        addr: Option<String>,
        /// Database file (default ./switchboard.db).
        #[arg(long)]
        db: Option<PathBuf>,
        /// PostgreSQL database to run on instead of the file (docs/deployment.md).
        #[arg(long, value_name = "postgres://…")]
        database_url: Option<String>,
        /// TOML configuration file (see config.example.toml).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Copy a database, live or not, to a file (SQLite's online backup): the copy holds the
    /// database as it was when the backup began and appears only once complete and checked.
    Backup {
        /// Database file (default: the configuration's `db`, ./switchboard.db).
        #[arg(long)]
        db: Option<PathBuf>,
        /// TOML configuration file whose `db` is backed up when --db is not given.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The backup file to write.
        #[arg(long)]
        out: PathBuf,
        /// Replace --out when it exists (refused otherwise).
        #[arg(long)]
        force: bool,
    },
    /// Copy a SQLite database into an empty PostgreSQL one (every table, ids kept, in one
    /// transaction), then count each table on both sides (docs/deployment.md).
    MigrateStore {
        /// The SQLite database file.
        #[arg(long, value_name = "PATH.db")]
        from: PathBuf,
        /// The PostgreSQL database, empty (its schema is created when missing).
        #[arg(long, value_name = "postgres://…")]
        to: String,
    },
    /// Print the outbox as JSON lines: each code or fall alert with its delivery state
    /// (kept, queued, delivered, failed), attempts and last error.
    Outbox {
        #[command(flatten)]
        db: Database,
        /// Only messages for this phone.
        #[arg(long)]
        phone: Option<String>,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// Print the route table (Markdown) from the registry.
    Routes,
    /// Check a configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCmd,
    },
    /// Replay fixture files against a server; without --target, against an in-process server
    /// on a fresh temporary database.
    Replay {
        /// Base URL of a running server, e.g. http://127.0.0.1:8080. Given more than once
        /// (nodes of one deployment), each fixture's steps go to the nodes in turn.
        #[arg(long)]
        target: Vec<String>,
        /// With --target: the target's database (`--db FILE` or `--database-url URL`), for
        /// steps that read the outbox.
        #[command(flatten)]
        database: Database,
        /// Fixture files or directories.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Forward to a legacy server and write its traffic as fixtures, one file per client
    /// session (docs/migration.md).
    Record(proxy::cli::RecordArgs),
    /// Answer from a primary server, mirror to a shadow and compare (docs/migration.md).
    Shadow(proxy::cli::ShadowArgs),
    /// Print match rates per command and the top differences of a `shadow --out` file.
    ShadowReport {
        /// The JSON-lines file `shadow --out` wrote.
        file: PathBuf,
    },
}

/// The database an operator's command works on: a SQLite file, or PostgreSQL.
#[derive(clap::Args)]
struct Database {
    /// Database file.
    #[arg(long)]
    db: Option<PathBuf>,
    /// PostgreSQL database instead of a file (also from SWITCHBOARD_DATABASE_URL).
    #[arg(long, env = "SWITCHBOARD_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

impl Database {
    /// Whether either option was given.
    fn is_given(&self) -> bool {
        self.db.is_some() || self.database_url.is_some()
    }

    /// Opens it with one connection: `--db` when given, else the PostgreSQL URL.
    fn open(self) -> Result<Store, String> {
        let mut config = Config {
            pool_size: 1,
            ..Config::default()
        };
        match (self.db, self.database_url) {
            (Some(db), _) => config.db = db,
            (None, Some(url)) => {
                config.database_url = Some(switchboard::config::Secret(url));
            }
            (None, None) => return Err("give --db FILE or --database-url URL".into()),
        }
        app::open_store(&config)
    }
}

#[derive(Subcommand)]
enum UserCmd {
    /// Set an account's level (how the first administrator is made).
    SetLevel {
        #[command(flatten)]
        db: Database,
        /// The account's phone.
        #[arg(long)]
        phone: String,
        /// The new level.
        #[arg(long)]
        level: i64,
    },
    /// Lift an account's login lock and forget its failed password checks.
    Unlock {
        #[command(flatten)]
        db: Database,
        /// The account's phone.
        #[arg(long)]
        phone: String,
    },
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Load the configuration as `serve` would (the file, then SWITCHBOARD_* variables), check
    /// it, and print the effective settings as TOML with every secret masked.
    Check {
        /// TOML configuration file (without it: the defaults and the environment).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("switchboard: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Cmd::Serve {
            addr,
            db,
            database_url,
            config,
        } => {
            let mut config = Config::load(config.as_deref())?;
            if let Some(a) = addr {
                config.addr = a;
            }
            if let Some(d) = db {
                config.db = d;
            }
            if let Some(url) = database_url {
                config.database_url = Some(switchboard::config::Secret(url));
            }
            serve(config)
        }
        Cmd::Backup {
            db,
            config,
            out,
            force,
        } => {
            let db = match db {
                Some(d) => d,
                None => Config::load(config.as_deref())?.db,
            };
            commands::back_up(&db, &out, force)
        }
        Cmd::MigrateStore { from, to } => commands::migrate_store(&from, to),
        Cmd::Outbox { db, phone } => {
            let store = db.open()?;
            let entries = store
                .read(|c| outbox::list(c, phone.as_deref()))
                .map_err(|e| e.to_string())?;
            for e in entries {
                println!("{}", serde_json::to_string(&e).map_err(|e| e.to_string())?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::User {
            command: UserCmd::SetLevel { db, phone, level },
        } => {
            let store = db.open()?;
            let found = store
                .write(|tx| accounts::set_level(tx, &phone, level))
                .map_err(|e| e.to_string())?;
            if !found {
                return Err(format!("no account with phone {phone}"));
            }
            println!("{phone} is now at level {level}");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::User {
            command: UserCmd::Unlock { db, phone },
        } => {
            let store = db.open()?;
            let had = store
                .write(|tx| match accounts::by_phone(tx, &phone)? {
                    Some((account, _)) => throttle::clear_account(tx, account.pk).map(Some),
                    None => Ok(None),
                })
                .map_err(|e| e.to_string())?;
            match had {
                None => Err(format!("no account with phone {phone}")),
                Some(true) => {
                    println!("{phone} is unlocked; its failed password checks are forgotten");
                    Ok(ExitCode::SUCCESS)
                }
                Some(false) => {
                    println!("{phone} had no failed password checks to forget");
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        Cmd::Routes => {
            print!("{}", app::registry()?.markdown());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Replay {
            target,
            database,
            files,
        } => {
            let outbox = match !target.is_empty() && database.is_given() {
                // Opened here: PostgreSQL's client may not connect from the runtime replay
                // then starts.
                true => Some(database.open()?),
                false => None,
            };
            commands::replay(target, outbox, files)
        }
        Cmd::Record(args) => proxy::cli::record(args),
        Cmd::Shadow(args) => proxy::cli::shadow(args),
        Cmd::ShadowReport { file } => proxy::cli::shadow_report(&file),
        Cmd::Config {
            command: ConfigCmd::Check { config },
        } => commands::config_check(config.as_deref()),
    }
}

/// The server's runtime: worker threads, and at most `blocking_threads` for SQLite and
/// password hashing.
fn runtime(config: &Config) -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(config.blocking_threads.max(1))
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

fn serve(config: Config) -> Result<ExitCode, String> {
    server::memory::tune();
    let filter: tracing_subscriber::filter::Targets = config
        .log
        .parse()
        .map_err(|e| format!("bad log filter {:?}: {e}", config.log))?;
    let (text, json) = match config.log_format {
        LogFormat::Text => (Some(tracing_subscriber::fmt::layer()), None),
        LogFormat::Json => (None, Some(tracing_subscriber::fmt::layer().json())),
    };
    tracing_subscriber::registry()
        .with(text)
        .with(json)
        .with(filter)
        .init();
    let rt = runtime(&config)?;
    rt.block_on(async move {
        let addr = config.addr.clone();
        let db = match config.database_url {
            Some(_) => "PostgreSQL (database_url)".to_owned(),
            None => config.db.display().to_string(),
        };
        let app = tokio::task::spawn_blocking(move || App::open(config))
            .await
            .map_err(|e| e.to_string())??;
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        tracing::info!(%addr, %db, "switchboard listening");
        server::run(
            listener,
            std::sync::Arc::new(app),
            server::shutdown_signal(),
        )
        .await
        .map_err(|e| e.to_string())?;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}
