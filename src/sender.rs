//! Delivery of verification codes. SMS cannot be sent from here: the default sender writes
//! each code to the outbox table (read with `switchboard outbox`) and to the log; a webhook
//! sender also POSTs `{"phone","code","purpose"}` to a configured `http://` URL.

use crate::store::{codes, Store};
use std::sync::Arc;

/// One code to deliver.
#[derive(Debug, Clone)]
pub struct CodeMessage {
    /// Destination phone.
    pub phone: String,
    /// The code in clear.
    pub code: String,
    /// What it is for (`register`, `reset`, …).
    pub purpose: String,
    /// When it was issued, unix seconds.
    pub at: i64,
}

/// Something that delivers verification codes. Called from blocking threads after the
/// command's transaction has committed.
pub trait CodeSender: Send + Sync {
    /// Delivers one code; failures are logged by the sender, never shown to the client.
    fn deliver(&self, msg: &CodeMessage);
}

/// Writes codes to the outbox table and the log.
pub struct OutboxSender {
    /// Where the outbox lives.
    store: Store,
}

impl OutboxSender {
    /// A sender writing to `store`'s outbox.
    pub fn new(store: Store) -> OutboxSender {
        OutboxSender { store }
    }
}

impl CodeSender for OutboxSender {
    fn deliver(&self, msg: &CodeMessage) {
        let r = self
            .store
            .write(|tx| codes::push_outbox(tx, &msg.phone, &msg.code, &msg.purpose, msg.at));
        match r {
            Ok(()) => {
                tracing::info!(phone = %msg.phone, purpose = %msg.purpose, "code queued in outbox")
            }
            Err(e) => tracing::error!(error = %e, phone = %msg.phone, "outbox write failed"),
        }
    }
}

/// Queues in the outbox, then POSTs the message as JSON to a webhook.
pub struct WebhookSender {
    /// The outbox, kept as the record of what was sent.
    outbox: OutboxSender,
    /// `http://host:port/path` to POST to.
    url: Arc<str>,
}

impl WebhookSender {
    /// A sender for `url` (plain `http://` only).
    pub fn new(store: Store, url: &str) -> Result<WebhookSender, String> {
        if !url.starts_with("http://") {
            return Err(format!(
                "code_webhook_url must be an http:// URL, got {url}"
            ));
        }
        Ok(WebhookSender {
            outbox: OutboxSender::new(store),
            url: url.into(),
        })
    }
}

impl CodeSender for WebhookSender {
    fn deliver(&self, msg: &CodeMessage) {
        self.outbox.deliver(msg);
        let body =
            serde_json::json!({"phone": msg.phone, "code": msg.code, "purpose": msg.purpose});
        let url = self.url.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if let Err(e) = post_json(&url, body.to_string()).await {
                        tracing::error!(error = %e, %url, "code webhook failed");
                    }
                });
            }
            Err(_) => tracing::error!("code webhook skipped: no runtime"),
        }
    }
}

/// POSTs a JSON body to an `http://` URL and checks for a 2xx answer.
async fn post_json(url: &str, body: String) -> Result<(), String> {
    use http_body_util::{BodyExt, Full};
    let uri: hyper::Uri = url.parse().map_err(|e| format!("bad url: {e}"))?;
    let host = uri.host().ok_or("url has no host")?.to_string();
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    .map_err(|_| "connect timed out".to_string())?
    .map_err(|e| e.to_string())?;
    let (mut send, conn) = hyper::client::conn::http1::handshake::<_, Full<bytes::Bytes>>(
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let req = hyper::Request::post(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
        .header("host", host)
        .header("content-type", "application/json")
        .body(Full::new(bytes::Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let resp = tokio::time::timeout(std::time::Duration::from_secs(10), send.send_request(req))
        .await
        .map_err(|_| "webhook timed out".to_string())?
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let _ = resp.into_body().collect().await;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("webhook answered {status}"))
    }
}
