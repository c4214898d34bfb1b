//! A code webhook receiver for the delivery tests: a hyper server on 127.0.0.1, plain HTTP or
//! HTTPS with a certificate from a CA generated for the test, that answers each request as a
//! script says (a status after a delay), checks each signature with the secret, and records
//! every request it got.

use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::rustls;

/// How the receiver answers its `n`-th request (from 0): a delay, then a status.
pub type Script = Arc<dyn Fn(usize) -> (Duration, u16) + Send + Sync>;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    /// `X-Switchboard-Delivery`.
    pub delivery: i64,
    /// `X-Switchboard-Attempt`.
    pub attempt: i64,
    /// Whether `X-Switchboard-Signature` is the HMAC-SHA256 of the body under the secret.
    pub signed: bool,
    /// `Content-Type`.
    pub content_type: String,
    /// The body as JSON.
    pub body: Value,
    /// The status the script answered (a slow answer may have reached nobody).
    pub status: u16,
}

/// Shared between the receiver's connections.
struct State {
    secret: Vec<u8>,
    script: Script,
    hits: Mutex<Vec<Hit>>,
    arrived: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// A receiver running on the test's runtime until dropped.
pub struct Receiver {
    /// `http://127.0.0.1:PORT/sms` or `https://…`.
    pub url: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A receiver's TLS: the CA's certificate (PEM) to trust, and the server's configuration.
pub struct Tls {
    /// The generated CA, PEM.
    pub ca_pem: String,
    config: Arc<rustls::ServerConfig>,
}

impl Tls {
    /// A new CA and a certificate it signs for `127.0.0.1` and `localhost`.
    pub fn generate() -> Tls {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "switchboard test CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(names)
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
        // The process's provider: ring, the only one built in.
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone()], key)
            .unwrap();
        Tls {
            ca_pem: ca_cert.pem(),
            config: Arc::new(config),
        }
    }
}

impl Receiver {
    /// A plain HTTP receiver checking signatures with `secret`.
    pub async fn start(secret: &str, script: Script) -> Receiver {
        Receiver::start_on(secret, script, None).await
    }

    /// An HTTPS receiver with `tls`'s certificate.
    pub async fn start_tls(secret: &str, script: Script, tls: &Tls) -> Receiver {
        Receiver::start_on(secret, script, Some(tls.config.clone())).await
    }

    async fn start_on(
        secret: &str,
        script: Script,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let state = Arc::new(State {
            secret: secret.as_bytes().to_vec(),
            script,
            hits: Mutex::new(Vec::new()),
            arrived: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
        });
        let task = tokio::spawn(accept(listener, state.clone(), tls));
        Receiver {
            url: format!("{scheme}://{addr}/sms"),
            state,
            task,
        }
    }

    /// Every request so far, in arrival order.
    pub fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    /// The 2xx answers given (or meant) for delivery id `id`.
    pub fn accepted(&self, id: i64) -> usize {
        let hits = self.hits();
        hits.iter()
            .filter(|h| h.delivery == id && (200..300).contains(&h.status))
            .count()
    }

    /// The most requests it was answering at once.
    pub fn most_in_flight(&self) -> usize {
        self.state.most_in_flight.load(Ordering::SeqCst)
    }
}

/// A URL where nothing listens: connections are refused.
pub fn nobody_listens() -> String {
    format!("http://127.0.0.1:{}/sms", super::binary::free_port())
}

async fn accept(listener: TcpListener, state: Arc<State>, tls: Option<Arc<rustls::ServerConfig>>) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| answer(state.clone(), req));
            match acceptor {
                Some(acceptor) => {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        let io = TokioIo::new(tls);
                        let _ = http1::Builder::new().serve_connection(io, service).await;
                    }
                }
                None => {
                    let io = TokioIo::new(stream);
                    let _ = http1::Builder::new().serve_connection(io, service).await;
                }
            }
        });
    }
}

async fn answer(
    state: Arc<State>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<bytes::Bytes>>, std::convert::Infallible> {
    let n = state.arrived.fetch_add(1, Ordering::SeqCst);
    let _busy = Busy::enter(&state);
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (delivery, attempt) = (
        header("x-switchboard-delivery"),
        header("x-switchboard-attempt"),
    );
    let (signature, content_type) = (header("x-switchboard-signature"), header("content-type"));
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&state.secret).unwrap();
    mac.update(&body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let (delay, status) = (state.script)(n);
    // Recorded before the delay: a client that gave up may have the answer dropped unsent.
    state.hits.lock().unwrap().push(Hit {
        delivery: delivery.parse().unwrap_or(-1),
        attempt: attempt.parse().unwrap_or(-1),
        signed: signature == expected,
        content_type,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        status,
    });
    tokio::time::sleep(delay).await;
    let mut resp = hyper::Response::new(Full::new(bytes::Bytes::from_static(b"ok")));
    *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    Ok(resp)
}

/// Counts a request in flight while it lives.
struct Busy(Arc<State>);

impl Busy {
    fn enter(state: &Arc<State>) -> Busy {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.most_in_flight.fetch_max(now, Ordering::SeqCst);
        Busy(state.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
