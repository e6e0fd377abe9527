//! Per-run (not persisted) settings and the middleware in front of `/oauth/token` and `/v2`:
//! it counts requests per app, then injects the configured faults.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::Sandbox;
use crate::errors::ZoomError;
use crate::limits::QpsWindows;
use crate::{api, oauth};

#[derive(Default)]
pub(crate) struct Live {
    pub base_url: String,
    pub faults: Faults,
    pub qps: QpsWindows,
}

/// What `PUT /_sandbox/faults` sets; `{}` clears everything.
#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct Faults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_after_commit_rate: Option<f64>,
}

pub(crate) async fn count_and_fault(State(sb): State<Sandbox>, req: Request, next: Next) -> Response {
    count(&sb, &req);
    let faults = sb.live().faults.clone();
    if let Some(ms) = faults.latency_ms.filter(|ms| *ms > 0) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if hit(faults.fail_rate) {
        let status =
            faults.fail_status.and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = status.canonical_reason().unwrap_or("Error");
        return ZoomError::new(status, i64::from(status.as_u16()), format!("{message}.")).into_response();
    }
    let is_write = req.method() != Method::GET && req.method() != Method::HEAD;
    let response = next.run(req).await;
    if is_write && hit(faults.drop_after_commit_rate) {
        return dropped_connection();
    }
    response
}

/// `token_requests`: every token request naming the app's client id, whatever its outcome.
/// `api_requests`: every `/v2` request carrying one of the app's tokens (even a dead one).
fn count(sb: &Sandbox, req: &Request) {
    if req.uri().path() == "/oauth/token" {
        if let Some((client_id, _)) = oauth::basic_credentials(req.headers()) {
            sb.with_data(|data| {
                if let Some(app) = data.apps.get_mut(&client_id) {
                    app.stats.token_requests += 1;
                }
            });
        }
    } else if let Some(token) = api::bearer(req.headers()) {
        sb.with_data(|data| {
            let client_id = match data.tokens.get(token) {
                Some(t) => Some(t.client_id.clone()),
                None => data.auth.issued_to(token).map(str::to_owned),
            };
            if let Some(app) = client_id.and_then(|c| data.apps.get_mut(&c)) {
                app.stats.api_requests += 1;
            }
        });
    }
}

fn hit(rate: Option<f64>) -> bool {
    rate.is_some_and(|r| r > 0.0 && rand::random::<f64>() < r)
}

/// A response whose body fails before its first byte: hyper then closes the connection without
/// writing the already-buffered head, so the client sees the connection drop with no answer.
fn dropped_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("sandbox fault: connection dropped"))
    });
    Response::new(Body::from_stream(failing))
}
