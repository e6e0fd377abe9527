//! `POST /webhooks/zoom/{connection_id}`: Zoom's event notifications.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use super::AppState;
use super::error::ApiError;
use crate::integrations::zoom as integration;
use crate::integrations::zoom::webhooks::{Delivery, WebhookAnswer, WebhookRefusal};

pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/zoom/{connection_id}", post(receive))
}

async fn receive(
    State(state): State<AppState>,
    Path(connection_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let delivery = Delivery {
        connection_id: &connection_id,
        timestamp: header("x-zm-request-timestamp").unwrap_or_default(),
        signature: header("x-zm-signature").unwrap_or_default(),
        body: &body,
    };
    match integration::webhooks::receive(&state, delivery).await {
        Ok(WebhookAnswer::Validation(answer)) => Json(answer).into_response(),
        Ok(WebhookAnswer::Handled) => Json(json!({"status": "handled"})).into_response(),
        Ok(WebhookAnswer::Duplicate) => Json(json!({"status": "duplicate"})).into_response(),
        Err(e @ WebhookRefusal::UnknownConnection) => {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string()).into_response()
        }
        Err(e @ (WebhookRefusal::NoSecret | WebhookRefusal::Unverified(_))) => {
            tracing::warn!(connection_id, reason = %e, "refused a zoom notification");
            ApiError::new(StatusCode::UNAUTHORIZED, "invalid_signature", e.to_string()).into_response()
        }
        Err(e @ WebhookRefusal::BadBody) => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", e.to_string()).into_response()
        }
        Err(WebhookRefusal::Internal(e)) => ApiError::internal(e).into_response(),
    }
}
