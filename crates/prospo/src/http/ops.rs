//! Operations: liveness, readiness, Prometheus metrics, and the answers for unknown routes and panics.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::AppState;
use super::error::ApiError;
use super::pages::PageError;

/// Liveness and readiness, and `/metrics` when it is served on the main listener.
pub fn router(with_metrics: bool) -> Router<AppState> {
    let router = Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz));
    if with_metrics { router.merge(metrics_router()) } else { router }
}

/// `/metrics` alone (for `--metrics-listen`'s own listener).
pub fn metrics_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed: database unreachable");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "The database does not answer.")
                .into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    crate::jobs::record_depths(&state.db, &state.clock).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}

/// The process-wide Prometheus recorder (metrics' recorder is global; tests start many apps).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets(&[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
                .expect("bucket list is not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed")
        })
        .clone()
}

/// Counts requests and their latency per route template (never per raw path: ids would explode cardinality).
pub async fn record_metrics(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Unknown routes: JSON under `/api`, a page elsewhere.
pub async fn not_found(request: Request) -> Response {
    if request.uri().path().starts_with("/api/") {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such API route.").into_response()
    } else {
        PageError::NotFound.into_response()
    }
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a request handler panicked");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side. Please try again.")
        .into_response()
}
