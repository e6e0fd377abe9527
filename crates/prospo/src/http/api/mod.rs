//! The JSON API under `/api/v1`, with its OpenAPI document generated from the handlers.

mod accounts;
mod availability;
pub mod bookings;
pub mod calendars;
mod document;
mod event_types;
mod meetings;
mod outgoing_webhooks;
mod photos;
mod recordings;
mod teams;
mod tokens;
pub mod zoom_integration;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use super::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(title = "Prospo API", description = "Everything the Prospo pages do. Errors are `{\"error\": {\"code\", \"message\"}}`."),
    modifiers(&Security),
    components(schemas(ErrorBody, ErrorDetail))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(super::extract::SESSION_COOKIE))),
        );
    }
}

/// The error envelope every 4xx and 5xx answer uses.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documents the envelope that `ApiError` writes
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// Machine-readable, snake_case.
    code: String,
    /// For people.
    message: String,
}

/// Routes under `/api/v1` and the OpenAPI document describing them.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .merge(accounts::router())
        .merge(photos::router())
        .merge(tokens::router())
        .merge(zoom_integration::router())
        .merge(event_types::router())
        .merge(availability::router())
        .merge(calendars::router())
        .merge(bookings::router())
        .merge(meetings::router())
        .merge(teams::router())
        .merge(recordings::router())
        .merge(outgoing_webhooks::router());
    let (router, mut document) =
        OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1).fallback(api_not_found).split_for_parts();
    // After the routes are in: the shared statuses are read off each operation.
    document::SharedStatuses.modify(&mut document);
    (router, document)
}

async fn api_not_found() -> ApiError {
    ApiError::new(axum::http::StatusCode::NOT_FOUND, "not_found", "No such API route.")
}
