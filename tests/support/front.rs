//! A proxy (`switchboard record`, `shadow`, or the bare forwarder) running in this process in
//! front of test servers: [`Front`] starts one on a free port and stops it, and [`aim`] points a
//! [`Server`]'s helpers at it, so that the dialect helpers' requests go through the proxy
//! while codes are still read from the server's own outbox (as a phone would get its SMS).

use super::{client, Resp};
use serde_json::Value;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use switchboard::proxy::{Exchange, Forwarder, Observer, Settings, Upstream};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What a proxy is told to stop with.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A proxy serving on 127.0.0.1 until stopped.
pub struct Front<T> {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<T>,
}

impl<T: Send + 'static> Front<T> {
    /// Starts `run` on a fresh listener with a shutdown signal.
    pub async fn start<F, Fut>(run: F) -> Front<T>
    where
        F: FnOnce(TcpListener, Shutdown) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown: Shutdown = Box::pin(async move {
            let _ = stopped.await;
        });
        let task = tokio::spawn(run(listener, shutdown));
        Front {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Tells it to stop and waits for what it answers.
    pub async fn stop(mut self) -> T {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.expect("the proxy task panicked")
    }

    /// One request on a new connection (`Host`, `Connection: close`, `headers`, the body).
    pub async fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        let host = self.addr.to_string();
        let all = [&[("Host", host.as_str()), ("Connection", "close")], headers].concat();
        let mut conn = client::Conn::open(self.addr)
            .await
            .expect("connect to the proxy");
        conn.exchange(&client::request(method, target, &all, body))
            .await
            .unwrap_or_else(|e| panic!("{method} {target} through the proxy: {e}"))
    }

    /// A JSON request.
    pub async fn json(&self, method: &str, target: &str, body: &Value) -> Resp {
        let ct = [("Content-Type", "application/json")];
        self.send(method, target, &ct, body.to_string().as_bytes())
            .await
    }
}

/// An observer that keeps every exchange.
#[derive(Default)]
pub struct Kept(pub std::sync::Mutex<Vec<Exchange>>);

impl Observer for Kept {
    fn observe(&self, exchange: Exchange) {
        self.0.lock().unwrap().push(exchange);
    }
}

/// The bare forwarder to `upstream` with `settings`, exchanges kept in `kept`.
pub async fn forwarder(upstream: &str, settings: Settings, kept: Arc<Kept>) -> Front<()> {
    let registry = Arc::new(switchboard::app::registry().expect("registry"));
    let upstream = Upstream::parse(upstream).expect("upstream URL");
    let fwd = Arc::new(Forwarder::new(upstream, settings, registry, kept));
    Front::start(move |listener, shutdown| switchboard::proxy::serve(listener, fwd, shutdown)).await
}

/// A URL nothing listens on.
pub fn dead_url() -> String {
    format!("http://127.0.0.1:{}", super::binary::free_port())
}

/// Points `server`'s request helpers at `front`: what they send goes through the proxy.
pub fn aim(server: &mut super::Server, front: SocketAddr) {
    server.addr = front;
}

/// A stand-in server in front of `upstream` that answers as it does, except that in the
/// answers to `GET path` (query aside) `from` becomes `to`: a server that differs from
/// another in one command.
pub async fn altering(
    upstream: SocketAddr,
    path: &'static str,
    from: &'static str,
    to: &'static str,
) -> Front<()> {
    use http_body_util::{BodyExt, Full};
    Front::start(move |listener, shutdown| async move {
        let serve = async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let target = parts
                            .uri
                            .path_and_query()
                            .map_or("/", |p| p.as_str())
                            .to_string();
                        let headers: Vec<(String, String)> = parts
                            .headers
                            .iter()
                            .filter(|(k, _)| {
                                !["host", "connection", "content-length"].contains(&k.as_str())
                            })
                            .filter_map(|(k, v)| {
                                Some((k.to_string(), v.to_str().ok()?.to_string()))
                            })
                            .collect();
                        let mut all: Vec<(&str, &str)> = vec![("Connection", "close")];
                        all.extend(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                        let mut conn = client::Conn::open(upstream).await.expect("upstream");
                        let resp = conn
                            .exchange(&client::request(
                                parts.method.as_str(),
                                &target,
                                &all,
                                &body,
                            ))
                            .await
                            .expect("upstream answer");
                        let mut out = resp.body.clone();
                        if parts.method == hyper::Method::GET && parts.uri.path() == path {
                            out = String::from_utf8_lossy(&out).replace(from, to).into_bytes();
                        }
                        let mut answer = hyper::Response::new(Full::new(bytes::Bytes::from(out)));
                        *answer.status_mut() = hyper::StatusCode::from_u16(resp.status).unwrap();
                        for (k, v) in &resp.headers {
                            if !["content-length", "connection", "transfer-encoding"]
                                .contains(&k.to_ascii_lowercase().as_str())
                            {
                                answer.headers_mut().append(
                                    hyper::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                                    v.parse().unwrap(),
                                );
                            }
                        }
                        Ok::<_, std::convert::Infallible>(answer)
                    },
                );
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                );
            }
        };
        tokio::select! {
            _ = serve => {},
            _ = shutdown => {},
        }
    })
    .await
}

/// A server that accepts connections and never answers (a hung legacy or shadow side).
pub async fn silent() -> Front<()> {
    Front::start(|listener, shutdown| async move {
        let hold = async move {
            let mut open = Vec::new();
            while let Ok((s, _)) = listener.accept().await {
                open.push(s);
            }
        };
        tokio::select! {
            _ = hold => {},
            _ = shutdown => {},
        }
    })
    .await
}
