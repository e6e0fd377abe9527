//! HTTP: the router, its middleware stack, and the state every handler shares.

pub mod api;
pub mod error;
pub mod extract;
mod ops;
pub use ops::metrics_handle as ops_metrics_handle;
pub mod pages;
pub mod rate_limit;
mod statics;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
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

use crate::integrations::zoom::ZoomIntegration;
use crate::secrets::SecretBox;
use crate::store::Db;

/// What every handler shares: cheap to clone (pools and `Arc`s).
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub secrets: SecretBox,
    pub public_url: Arc<url::Url>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    pub zoom: ZoomIntegration,
    /// Guards of the public booking routes; `None` when turned off.
    pub rate_limits: Option<Arc<rate_limit::PublicRateLimits>>,
}

impl AppState {
    /// Where a connection's Zoom app sends its event notifications.
    pub fn webhook_url(&self, connection_id: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        format!("{base}/webhooks/zoom/{connection_id}")
    }

    /// An event type's public booking page.
    pub fn booking_url(&self, username: &str, slug: &str) -> String {
        format!("{}/{username}/{slug}", self.public_url.as_str().trim_end_matches('/'))
    }

    /// An invitee's private manage link.
    pub fn manage_url(&self, manage_token: &str) -> String {
        format!("{}/booking/{manage_token}", self.public_url.as_str().trim_end_matches('/'))
    }

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

/// Largest request body accepted anywhere.
const BODY_LIMIT: usize = 256 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn router(state: AppState) -> anyhow::Result<Router> {
    let (api, openapi) = api::router();
    let request_id = HeaderName::from_static("x-request-id");
    let csrf = CsrfLayer::new().add_trusted_origin(state.public_url.origin().ascii_serialization())?;
    let middleware = ServiceBuilder::new()
        .layer(CatchPanicLayer::custom(ops::panic_response))
        .layer(SetSensitiveHeadersLayer::new([header::AUTHORIZATION, header::COOKIE, header::SET_COOKIE]))
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CompressionLayer::new())
        .layer(csrf)
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    Ok(Router::new()
        .merge(api)
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        .merge(pages::router())
        .merge(ops::router())
        .merge(statics::router())
        .merge(webhooks::router())
        .fallback(ops::not_found)
        .layer(axum::middleware::from_fn(ops::record_metrics))
        .layer(middleware)
        .with_state(state))
}
