//! A server running in this process on a random local port, for tests and in-process replay.

use super::run;
use crate::app::App;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A server running in this process on a random local port (tests, in-process replay).
pub struct Running {
    /// Base URL, `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The shared state, for reaching the store in tests.
    pub app: Arc<App>,
    /// Dropping or sending stops the server.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The server task.
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// Starts `app` on `127.0.0.1:0`.
    pub async fn start(app: App) -> std::io::Result<Running> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let app = Arc::new(app);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(run(listener, app.clone(), async move {
            let _ = stopped.await;
        }));
        Ok(Running {
            base_url,
            app,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}
