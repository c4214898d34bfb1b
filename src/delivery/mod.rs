//! Delivery of the outbox: verification codes and fall alerts leave the box through the code
//! webhook (docs/code-delivery.md), or, with no webhook configured, stay in the outbox table
//! for `switchboard outbox`.
//!
//! A command writes its outbox row in its own transaction (queued when a webhook is set) and
//! nudges the [`Delivery`] after the commit ([`crate::ctx::Courier`]); a crash between the two
//! loses nothing, since the row is there and due. The [`Worker`], started with the server,
//! takes due rows, POSTs each one and records the outcome in the row:
//!
//! ```text
//!   nudge / next due time ─▶ dispatcher (tokio task) ─ store work on spawn_blocking:
//!                            next_due, claim (attempt counted, row leased)
//!                               │ one OS thread per message, at most IN_FLIGHT at once
//!                               ▼
//!                            POST (ureq, blocking, bounded by the timeout)
//!                            2xx ─▶ delivered │ else ─▶ queued again after a backoff, or failed
//! ```
//!
//! **Client: ureq 3 (blocking) with rustls on ring**, on dedicated threads. Why: it builds with
//! no system OpenSSL and no C toolchain beyond ring's (reqwest 0.13's rustls default brings
//! aws-lc), and it is the smallest maintained client that does HTTPS — its own HTTP/1.1, no
//! URL/IDNA tables, no tower stack — which suits a few POSTs a minute from a small box.
//! Blocking is not a cost here: each message gets its own short-lived thread, never a tokio
//! worker nor a thread of the blocking pool that serves requests, so a slow receiver cannot
//! take threads from the clients.
//!
//! Shutdown: the dispatcher stops claiming, then waits for the POSTs in flight (each bounded
//! by the timeout) to finish and record their outcome; a row still queued is resumed by the
//! next start. The log names the row id, phone, purpose and attempt — never the code, the
//! secret or the URL beyond its host.

mod backoff;
mod payload;
mod webhook;
mod worker;

use webhook::Webhook;

use crate::config::Config;
use crate::ctx::Courier;
use crate::store::Store;
use std::sync::Arc;
use tokio::sync::Notify;

/// Messages POSTed at once, at most.
pub const IN_FLIGHT: usize = 4;

/// The outbox's courier: whether rows are delivered, and the nudge that wakes the worker.
pub struct Delivery {
    /// The webhook, when one is configured.
    webhook: Option<Arc<Webhook>>,
    /// Woken after a command committed rows to deliver, and when a POST has finished.
    wake: Arc<Notify>,
}

impl Delivery {
    /// The courier `config` describes; an error names the webhook setting that cannot work.
    pub fn from_config(config: &Config) -> Result<Delivery, String> {
        Ok(Delivery {
            webhook: Webhook::from_config(config)?.map(Arc::new),
            wake: Arc::new(Notify::new()),
        })
    }

    /// Starts delivering `store`'s queued rows (on the current tokio runtime); `None` when no
    /// webhook is configured.
    pub fn start(&self, store: Store) -> Option<Worker> {
        let webhook = self.webhook.clone()?;
        tracing::info!(host = %webhook.host, "code delivery to the webhook started");
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(worker::run(webhook, store, self.wake.clone(), stopped));
        Some(Worker { stop, task })
    }
}

impl Courier for Delivery {
    fn delivers(&self) -> bool {
        self.webhook.is_some()
    }

    fn nudge(&self) {
        if self.webhook.is_some() {
            self.wake.notify_one();
        }
    }
}

/// The running delivery loop.
pub struct Worker {
    /// Tells the dispatcher to stop.
    stop: tokio::sync::oneshot::Sender<()>,
    /// The dispatcher; it ends once the POSTs in flight have finished.
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    /// Stops claiming rows and waits for the POSTs in flight to finish and be recorded.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "code delivery stopped abnormally");
        }
    }
}
