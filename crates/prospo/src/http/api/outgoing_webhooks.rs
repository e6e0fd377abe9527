//! `/api/v1/webhooks`: the user's outgoing webhook endpoints, their secrets and delivery logs.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiUser};
use crate::integrations::webhooks::{self, EndpointError};
use crate::store::outgoing_webhooks::{DeliveryRow, EndpointRow, EventType};
use crate::timefmt::rfc3339_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(delete_webhook))
        .routes(routes!(rotate_secret))
        .routes(routes!(list_deliveries))
        .routes(routes!(redeliver))
        .routes(routes!(resume_webhook))
}

/// An event an endpoint can subscribe to.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy)]
pub enum WebhookEvent {
    #[serde(rename = "booking.created")]
    BookingCreated,
    #[serde(rename = "booking.rescheduled")]
    BookingRescheduled,
    #[serde(rename = "booking.cancelled")]
    BookingCancelled,
    #[serde(rename = "meeting.zoom_ready")]
    MeetingZoomReady,
    #[serde(rename = "recording.ready")]
    RecordingReady,
}

impl From<WebhookEvent> for EventType {
    fn from(e: WebhookEvent) -> Self {
        match e {
            WebhookEvent::BookingCreated => EventType::BookingCreated,
            WebhookEvent::BookingRescheduled => EventType::BookingRescheduled,
            WebhookEvent::BookingCancelled => EventType::BookingCancelled,
            WebhookEvent::MeetingZoomReady => EventType::MeetingZoomReady,
            WebhookEvent::RecordingReady => EventType::RecordingReady,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewWebhook {
    /// `https://…`; `http://` and private targets only for hosts in `--allow-private-targets`.
    #[schema(min_length = 1, max_length = 2000)]
    url: String,
    #[schema(min_items = 1)]
    events: Vec<WebhookEvent>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedWebhook {
    id: String,
    url: String,
    #[schema(value_type = Vec<WebhookEvent>)]
    events: Vec<EventType>,
    /// Signs every delivery: shown this once.
    secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookInfo {
    id: String,
    url: String,
    #[schema(value_type = Vec<WebhookEvent>)]
    events: Vec<EventType>,
    /// `active`, or `paused` after three days of failed deliveries.
    #[schema(value_type = String, example = "active")]
    status: crate::store::outgoing_webhooks::EndpointStatus,
    created_at: String,
    /// The first failed attempt since its last 2xx answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    failing_since: Option<String>,
}

impl From<EndpointRow> for WebhookInfo {
    fn from(row: EndpointRow) -> Self {
        WebhookInfo {
            events: row.events(),
            id: row.id,
            url: row.url,
            status: row.status,
            created_at: rfc3339_ms(row.created_at),
            failing_since: row.failing_since.map(rfc3339_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    webhooks: Vec<WebhookInfo>,
}

#[derive(Serialize, ToSchema)]
pub struct RotatedSecret {
    /// Signs every delivery from now on: shown this once.
    secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryInfo {
    id: String,
    /// The body's `id`: the same on every retry and redelivery.
    event_id: String,
    #[schema(value_type = WebhookEvent)]
    event: EventType,
    /// `pending`, `delivered` or `failed`.
    #[schema(value_type = String, example = "delivered")]
    status: crate::store::outgoing_webhooks::DeliveryStatus,
    attempts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_status_code: Option<i64>,
    /// The first kilobyte of the last answer, or why the attempt failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_answer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_attempt_at: Option<String>,
    created_at: String,
}

impl From<DeliveryRow> for DeliveryInfo {
    fn from(row: DeliveryRow) -> Self {
        DeliveryInfo {
            id: row.id,
            event_id: row.event_id,
            event: row.event_type,
            status: row.status,
            attempts: row.attempts,
            last_status_code: row.last_status_code,
            last_answer: row.last_answer,
            last_attempt_at: row.last_attempt_at.map(rfc3339_ms),
            created_at: rfc3339_ms(row.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    deliveries: Vec<DeliveryInfo>,
}

impl From<EndpointError> for ApiError {
    fn from(e: EndpointError) -> Self {
        match e {
            EndpointError::Store(e) => e.into(),
            other => ApiError::unprocessable(other.code(), other.to_string()),
        }
    }
}

/// Registers an endpoint; its signing secret is in this answer only.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = NewWebhook, security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = CreatedWebhook), (status = 401, body = crate::http::api::ErrorBody),
        (status = 422, description = "invalid_url, url_unresolvable, url_not_allowed (a private or loopback target, or plain http://, to a host not in `--allow-private-targets`), invalid_events", body = crate::http::api::ErrorBody)))]
async fn create_webhook(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewWebhook>,
) -> ApiResult<(StatusCode, Json<CreatedWebhook>)> {
    let events: Vec<EventType> = body.events.into_iter().map(EventType::from).collect();
    let (row, secret) = webhooks::create_endpoint(&state, &user.user.id, &body.url, &events).await?;
    let created =
        CreatedWebhook { events: row.events(), id: row.id, url: row.url, secret: secret.expose_secret().to_owned() };
    Ok((StatusCode::CREATED, Json(created)))
}

/// The user's endpoints, oldest first (never their secrets).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = WebhookList), (status = 401, body = crate::http::api::ErrorBody)))]
async fn list_webhooks(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<WebhookList>> {
    let rows = state.db.webhook_endpoints_of(&user.user.id).await?;
    Ok(Json(WebhookList { webhooks: rows.into_iter().map(WebhookInfo::from).collect() }))
}

/// Removes an endpoint with its delivery log; nothing more is sent to it.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)), security(("bearer" = []), ("session" = [])),
    responses((status = 204), (status = 401, body = crate::http::api::ErrorBody), (status = 404, body = crate::http::api::ErrorBody)))]
async fn delete_webhook(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    if state.db.delete_webhook_endpoint(&user.user.id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// A new signing secret, shown this once; deliveries from now on are signed with it.
#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "webhooks", params(("id" = String, Path)), security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = RotatedSecret), (status = 401, body = crate::http::api::ErrorBody), (status = 404, body = crate::http::api::ErrorBody)))]
async fn rotate_secret(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<RotatedSecret>> {
    let secret = webhooks::rotate_secret(&state, &user.user.id, &id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(RotatedSecret { secret: secret.expose_secret().to_owned() }))
}

/// The endpoint's latest 50 deliveries, newest first.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = String, Path)), security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = DeliveryList), (status = 401, body = crate::http::api::ErrorBody), (status = 404, body = crate::http::api::ErrorBody)))]
async fn list_deliveries(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<DeliveryList>> {
    let endpoint = state.db.webhook_endpoint_of(&user.user.id, &id).await?.ok_or_else(ApiError::not_found)?;
    let rows = state.db.webhook_deliveries_of(&endpoint.id).await?;
    Ok(Json(DeliveryList { deliveries: rows.into_iter().map(DeliveryInfo::from).collect() }))
}

/// Sends a delivery again: the same delivery id and body, signed with the current secret. To a
/// paused endpoint it is one attempt, whose 2xx answer makes the endpoint active again.
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("id" = String, Path), ("delivery_id" = String, Path)), security(("bearer" = []), ("session" = [])),
    responses((status = 202), (status = 401, body = crate::http::api::ErrorBody), (status = 404, body = crate::http::api::ErrorBody),
        (status = 409, description = "`body_purged`: the body is gone (bodies are kept 7 days)", body = crate::http::api::ErrorBody)))]
async fn redeliver(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, delivery_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    webhooks::redeliver(&state, &user.user.id, &id, &delivery_id).await.map_err(|e| match e {
        webhooks::RedeliverError::NotFound => ApiError::not_found(),
        webhooks::RedeliverError::Store(e) => e.into(),
        other => ApiError::new(StatusCode::CONFLICT, other.code(), other.to_string()),
    })?;
    Ok(StatusCode::ACCEPTED)
}

/// Makes a paused endpoint active again: told of events from now on (none were queued for it while
/// it was paused). Idempotent.
#[utoipa::path(post, path = "/webhooks/{id}/resume", tag = "webhooks", params(("id" = String, Path)), security(("bearer" = []), ("session" = [])),
    responses((status = 204), (status = 401, body = crate::http::api::ErrorBody), (status = 404, body = crate::http::api::ErrorBody)))]
async fn resume_webhook(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    if webhooks::resume(&state, &user.user.id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
