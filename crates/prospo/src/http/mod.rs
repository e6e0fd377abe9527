//! HTTP: the router, its middleware stack, and the state every handler shares.

pub mod api;
pub mod client;
pub mod error;
pub mod extract;
mod idempotency;
pub use idempotency::{FORM_FIELD as IDEMPOTENCY_FORM_FIELD, KEEP_MS as IDEMPOTENCY_KEEP_MS};
mod ops;
pub use ops::metrics_handle as ops_metrics_handle;

/// The metrics listener's router (`--metrics-listen`).
pub fn metrics_router(state: AppState) -> Router {
    ops::metrics_router().with_state(state)
}
pub mod pages;
mod security;
pub mod serve;
mod statics;
mod webhooks;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, StatusCode, header};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::{App, AppRef};

/// What every handler shares: the application context, and the metrics it renders. Dereferences to
/// [`App`], so handlers read `state.db`, `state.clock`, ….
#[derive(Clone)]
pub struct AppState {
    pub app: AppRef,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

impl AppState {
    fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    pub fn session_cookie(&self, jar: CookieJar, value: String) -> CookieJar {
        let cookie = Cookie::build((extract::SESSION_COOKIE, value))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure_cookies())
            .path("/")
            .max_age(time_days(crate::accounts::SESSION_DAYS));
        jar.add(cookie)
    }

    pub fn clear_session_cookie(&self, jar: CookieJar) -> CookieJar {
        jar.remove(Cookie::build(extract::SESSION_COOKIE).path("/"))
    }
}

fn time_days(days: i64) -> cookie::time::Duration {
    cookie::time::Duration::days(days)
}

/// `prospo demo`'s calendar feed, served only there.
fn demo_router(state: &AppState) -> Router<AppState> {
    if state.demo_feed_url.is_none() {
        return Router::new();
    }
    Router::new().route(
        crate::demo::DEMO_FEED_PATH,
        axum::routing::get(|State(state): State<AppState>| async move {
            ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], crate::demo::demo_feed(state.clock.now()))
        }),
    )
}

/// Largest request body accepted anywhere.
pub(crate) const BODY_LIMIT: usize = 256 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The application's routes; `/metrics` among them unless it has a listener of its own.
pub fn router(state: AppState, metrics_here: bool) -> anyhow::Result<Router> {
    let (api, openapi) = api::router();
    let request_id = HeaderName::from_static("x-request-id");
    let csrf = CsrfLayer::new().add_trusted_origin(state.public_url.origin().ascii_serialization())?;
    let middleware = ServiceBuilder::new()
        .layer(CatchPanicLayer::custom(ops::panic_response))
        .layer(SetSensitiveHeadersLayer::new([header::AUTHORIZATION, header::COOKIE, header::SET_COOKIE]))
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            // The path without its tokens: manage, reset and verification links are credentials.
            tracing::debug_span!("request", method = %request.method(), path = %security::redacted(request.uri().path()))
        }))
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CompressionLayer::new())
        .layer(csrf)
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    let https = state.public_url.scheme() == "https";
    let router = Router::new()
        .merge(api)
        .merge(
            Router::new()
                .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
                .layer(axum::middleware::from_fn(statics::api_docs_page)),
        )
        .merge(pages::router())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::guard))
        .merge(ops::router(metrics_here))
        .merge(statics::router())
        .merge(webhooks::router())
        .merge(demo_router(&state))
        .fallback(ops::not_found)
        .layer(axum::middleware::from_fn(pages::error_language))
        .layer(axum::middleware::from_fn(ops::record_metrics))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(middleware)
        .with_state(state);
    Ok(if https { router.layer(axum::middleware::from_fn(security::secure_cookies)) } else { router })
}
