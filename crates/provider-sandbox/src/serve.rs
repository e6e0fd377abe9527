//! Serving a sandbox on a socket, for tests, the demo and benchmarks (every sandbox alike).

/// A sandbox served on a socket; dropping it stops the server.
pub struct Running<S> {
    /// `http://HOST:PORT`, no trailing slash.
    pub url: String,
    pub sandbox: S,
    task: tokio::task::JoinHandle<()>,
}

impl<S> Drop for Running<S> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `addr` (e.g. `127.0.0.1:0`), lets `wire` tell the sandbox its base URL and give its
/// routes, and serves them in a spawned task.
pub async fn spawn<S>(
    sandbox: S,
    addr: &str,
    label: &'static str,
    wire: impl FnOnce(&S, &str) -> axum::Router,
) -> anyhow::Result<Running<S>> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let router = wire(&sandbox, &url);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, sandbox = label, "sandbox server stopped");
        }
    });
    Ok(Running { url, sandbox, task })
}
