//! The webhook: its settings, checked at start-up, and one POST with ureq.
//!
//! TLS is rustls (ring) with Mozilla's root certificates compiled in, plus the certificates of
//! `code_webhook_ca_file` when it is set: a receiver with a private or self-signed CA is
//! trusted that way, never by turning verification off (there is no such setting). Proxies
//! come from the usual `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` variables; redirects are not
//! followed (a 3xx is a failed attempt).

use super::backoff::Backoff;
use super::payload;
use crate::config::{Config, Secret};
use crate::store::outbox::Claimed;
use std::time::Duration;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

/// Most bytes of a receiver's answer read (and dropped) so that its connection can be reused.
const ANSWER_LIMIT: u64 = 64 * 1024;

/// Where and how codes are POSTed.
pub struct Webhook {
    /// The URL, as configured (it may hold a token: never logged).
    url: String,
    /// Its host, the only part of the URL that the log shows.
    pub host: String,
    /// The HMAC-SHA256 key of the signature.
    secret: Secret,
    /// The HTTP client: TLS roots, timeout, no redirects, statuses as answers.
    agent: ureq::Agent,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// Delays between attempts.
    pub backoff: Backoff,
    /// Attempts after which a message has failed.
    pub max_attempts: i64,
}

impl Webhook {
    /// The webhook `config` describes, or `None` when no URL is set; an error names the
    /// setting that is wrong (an unreadable CA file, one without a certificate).
    pub fn from_config(config: &Config) -> Result<Option<Webhook>, String> {
        config.check_webhook()?;
        let (Some(url), Some(secret)) = (&config.code_webhook_url, &config.code_webhook_secret)
        else {
            return Ok(None);
        };
        let uri: ureq::http::Uri = url.parse().map_err(|e| format!("code_webhook_url: {e}"))?;
        let host = uri.host().unwrap_or_default().to_string();
        if uri.scheme_str() == Some("http") && !is_loopback(&host) {
            tracing::warn!(%host, "code_webhook_url is plain http: codes cross the network unencrypted");
        }
        let roots = match &config.code_webhook_ca_file {
            Some(path) => RootCerts::from(public_roots().chain(ca_file(path)?)),
            None => RootCerts::from(public_roots()),
        };
        let timeout = Duration::from_millis(config.code_webhook_timeout_ms);
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build()
            .new_agent();
        Ok(Some(Webhook {
            url: url.clone(),
            host,
            secret: secret.clone(),
            agent,
            timeout,
            backoff: Backoff {
                base_ms: config.code_webhook_retry_base_ms,
                max_ms: config.code_webhook_retry_max_ms,
            },
            max_attempts: i64::from(config.code_webhook_max_attempts),
        }))
    }

    /// POSTs one row, blocking up to the timeout: `Ok` on a 2xx answer, else why not — a text
    /// that never holds the body sent or received (a receiver may echo the code).
    pub fn post(&self, row: &Claimed) -> Result<(), String> {
        let body = payload::body(row);
        let signature = payload::signature(self.secret.expose().as_bytes(), &body);
        let sent = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("X-Switchboard-Signature", &signature)
            .header("X-Switchboard-Delivery", row.id.to_string())
            .header("X-Switchboard-Attempt", row.attempts.to_string())
            .send(&body[..]);
        match sent {
            Ok(mut answer) => {
                let status = answer.status();
                let _ = answer
                    .body_mut()
                    .with_config()
                    .limit(ANSWER_LIMIT)
                    .read_to_vec();
                match status.is_success() {
                    true => Ok(()),
                    false => Err(format!("HTTP {status}")),
                }
            }
            Err(ureq::Error::Timeout(_)) => {
                Err(format!("timed out after {} ms", self.timeout.as_millis()))
            }
            Err(ureq::Error::Io(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Mozilla's roots, as certificates (to add to, with `code_webhook_ca_file`).
fn public_roots() -> impl Iterator<Item = Certificate<'static>> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()))
}

/// The certificates of a PEM file; an error when it cannot be read or holds none.
fn ca_file(path: &std::path::Path) -> Result<Vec<Certificate<'static>>, String> {
    let shown = path.display();
    let pem = std::fs::read(path)
        .map_err(|e| format!("cannot read code_webhook_ca_file {shown}: {e}"))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(format!("code_webhook_ca_file {shown}: {e}")),
        }
    }
    if certs.is_empty() {
        return Err(format!(
            "code_webhook_ca_file {shown} holds no PEM certificate"
        ));
    }
    Ok(certs)
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;
