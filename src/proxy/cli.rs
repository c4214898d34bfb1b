//! The command line of `switchboard record`, `shadow` and `shadow-report`: their arguments
//! (flattened into `main.rs`'s commands) and what each runs.

use super::shadow::{self, Counters, Rules};
use super::{record, Settings, Upstream};
use crate::server::metrics::{self, Collected};
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// What every proxy takes.
#[derive(Debug, clap::Args)]
pub struct ProxyArgs {
    /// Address to listen on, e.g. 0.0.0.0:8080.
    #[arg(long)]
    pub listen: String,
    /// Request bodies longer than this many bytes are refused (413 in their dialect).
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    pub body_limit: usize,
    /// Connecting to an upstream must succeed within this many milliseconds (else 502).
    #[arg(long, default_value_t = 2_000)]
    pub connect_timeout_ms: u64,
    /// A whole exchange with an upstream must end within this many milliseconds (else 502).
    #[arg(long, default_value_t = 30_000)]
    pub timeout_ms: u64,
    /// Log filter, as `serve`'s `log` setting (e.g. `info`, `switchboard=debug`).
    #[arg(long, default_value = "info")]
    pub log: String,
}

impl ProxyArgs {
    fn settings(&self) -> Settings {
        Settings {
            body_limit: self.body_limit,
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            timeout: Duration::from_millis(self.timeout_ms),
            keep: self.body_limit.max(Settings::default().keep),
        }
    }
}

/// `switchboard record`.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    #[command(flatten)]
    pub proxy: ProxyArgs,
    /// The legacy server, http://host:port.
    #[arg(long)]
    pub upstream: String,
    /// Directory the fixture files are written to.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace every password and secret with a generated one (consistently).
    #[arg(long)]
    pub redact: bool,
    /// Exchanges waiting to be written at most; more are dropped and counted.
    #[arg(long, default_value_t = 10_000)]
    pub queue: usize,
}

/// Runs `switchboard record` until SIGINT or SIGTERM.
pub fn record(args: RecordArgs) -> Result<ExitCode, String> {
    let upstream = Upstream::parse(&args.upstream)?;
    let options = record::Options {
        out: args.out,
        redact: args.redact,
        queue: args.queue,
    };
    let settings = args.proxy.settings();
    let listen = args.proxy.listen.clone();
    run(&args.proxy.log, async move {
        let listener = bind(&listen).await?;
        tracing::info!(listen = %listen, %upstream, out = %options.out.display(), "recording");
        let report = record::run(
            listener,
            upstream,
            settings,
            options,
            crate::server::shutdown_signal(),
        )
        .await?;
        tracing::info!(%report, "recording stopped");
        println!("{report}");
        Ok(ExitCode::SUCCESS)
    })
}

/// `switchboard shadow`.
#[derive(Debug, clap::Args)]
pub struct ShadowArgs {
    #[command(flatten)]
    pub proxy: ProxyArgs,
    /// The server that answers the clients, http://host:port.
    #[arg(long)]
    pub primary: String,
    /// The server each request is mirrored to and compared with, http://host:port.
    #[arg(long)]
    pub shadow: String,
    /// Append the differences to this JSON-lines file (read by `shadow-report`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Mirror writes too (logins, codes, every change), not only reads: for a test deployment
    /// of the shadow, never one holding real data.
    #[arg(long)]
    pub mirror_writes: bool,
    /// The rules file of deliberate differences (default: the built-in
    /// deploy/shadow-rules.toml).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// The shadow's own connect timeout, in milliseconds.
    #[arg(long, default_value_t = 1_000)]
    pub shadow_connect_timeout_ms: u64,
    /// The shadow's own answer timeout, in milliseconds.
    #[arg(long, default_value_t = 5_000)]
    pub shadow_timeout_ms: u64,
    /// Exchanges waiting to be mirrored at most; more are dropped and counted.
    #[arg(long, default_value_t = 1_000)]
    pub queue: usize,
    /// Seconds between summary lines in the log (and the diff file).
    #[arg(long, default_value_t = 60)]
    pub summary_secs: u64,
    /// Serve `GET /metrics` (the comparison counts by dialect, command and verdict) on this
    /// address of its own; every path of `--listen` belongs to the primary.
    #[arg(long)]
    pub metrics_addr: Option<String>,
}

/// Runs `switchboard shadow` until SIGINT or SIGTERM.
pub fn shadow(args: ShadowArgs) -> Result<ExitCode, String> {
    let primary = Upstream::parse(&args.primary)?;
    let rules = match &args.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Rules::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Rules::builtin(),
    };
    let settings = args.proxy.settings();
    let options = shadow::Options {
        shadow: Upstream::parse(&args.shadow)?,
        shadow_settings: Settings {
            connect_timeout: Duration::from_millis(args.shadow_connect_timeout_ms),
            timeout: Duration::from_millis(args.shadow_timeout_ms),
            ..settings.clone()
        },
        out: args.out,
        mirror_writes: args.mirror_writes,
        rules,
        queue: args.queue,
        summary_every: Duration::from_secs(args.summary_secs.max(1)),
    };
    let listen = args.proxy.listen.clone();
    let metrics_addr = args.metrics_addr;
    run(&args.proxy.log, async move {
        let listener = bind(&listen).await?;
        tracing::info!(listen = %listen, %primary, shadow = %options.shadow,
            rules = options.rules.rules.len(), mirror_writes = options.mirror_writes, "shadowing");
        let counters = std::sync::Arc::new(Counters::default());
        let metrics = match &metrics_addr {
            Some(addr) => {
                let exported = shadow::counters::Exported(counters.clone());
                let collected = Collected::new(vec![Box::new(exported)]);
                tracing::info!(metrics = %addr, "serving /metrics");
                Some(metrics::serve(
                    bind(addr).await?,
                    std::sync::Arc::new(collected),
                ))
            }
            None => None,
        };
        shadow::run(
            listener,
            primary,
            settings,
            options,
            counters.clone(),
            crate::server::shutdown_signal(),
        )
        .await?;
        if let Some(task) = metrics {
            task.abort();
        }
        println!("{}", counters.summary());
        Ok(ExitCode::SUCCESS)
    })
}

/// `switchboard shadow-report FILE`: prints the report of a diff file.
pub fn shadow_report(file: &std::path::Path) -> Result<ExitCode, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    print!("{}", shadow::report::report(&text)?);
    Ok(ExitCode::SUCCESS)
}

/// Sets up logging and a runtime, and runs `main` on it.
fn run(
    log: &str,
    main: impl Future<Output = Result<ExitCode, String>>,
) -> Result<ExitCode, String> {
    let filter: tracing_subscriber::filter::Targets = log
        .parse()
        .map_err(|e| format!("bad log filter {log:?}: {e}"))?;
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer())
        .with(filter)
        .init();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?
        .block_on(main)
}

async fn bind(addr: &str) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))
}
