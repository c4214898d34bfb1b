//! The baseline: bare hyper 1.x, body → `serde_json::Value` → body.

use crate::Res;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{header, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;

/// Serves on `127.0.0.1:<port>` until killed, on a default multi-thread runtime.
pub fn serve(port: Option<&str>) -> Res<()> {
    let port: u16 = port.ok_or("usage: bench baseline-server <port>")?.parse()?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(echo);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

/// Parses the body as JSON and answers it re-serialised (an empty body as `{}`); 400 when
/// it is not JSON.
async fn echo(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let parsed = match req.into_body().collect().await.map(|b| b.to_bytes()) {
        Ok(b) if b.is_empty() => Some(serde_json::json!({})),
        Ok(b) => serde_json::from_slice::<serde_json::Value>(&b).ok(),
        Err(_) => None,
    };
    let (status, body) = match parsed.and_then(|v| serde_json::to_vec(&v).ok()) {
        Some(body) => (StatusCode::OK, body),
        None => (StatusCode::BAD_REQUEST, Vec::new()),
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}
