//! `/api/v1/integrations/zoom`: the Zoom connection through the API. Never returns a secret.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::integrations::zoom as integration;
use crate::integrations::zoom::status::ZoomStatus;
use crate::integrations::zoom::{ConnectError, ConnectInput, ConnectProblem};
use crate::timefmt::rfc3339_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_zoom, put_zoom, patch_zoom, delete_zoom)).routes(routes!(check_zoom))
}

#[derive(Serialize, ToSchema)]
pub struct ZoomIntegrationView {
    /// `not_connected`, `connected` or `needs_attention`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    /// `server_to_server` (the user's own app) or `oauth` (Connect with Zoom).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "^(server_to_server|oauth)$")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zoom_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connected_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_checked_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ProblemView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    missing_recommended_scopes: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connection_id: Option<String>,
    /// Paste into the Zoom app's Event Subscriptions.
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_secret_set: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ProblemView {
    code: &'static str,
    message: String,
    fix: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    missing_scopes: Option<Vec<String>>,
}

impl ProblemView {
    fn of(problem: &ConnectProblem) -> ProblemView {
        ProblemView {
            code: problem.code(),
            message: problem.message(),
            fix: problem.fix(),
            missing_scopes: problem.missing_scopes().map(<[String]>::to_vec),
        }
    }
}

fn view(state: &AppState, status: ZoomStatus) -> ZoomIntegrationView {
    let mut view = ZoomIntegrationView {
        status: status.state.as_str(),
        email: None,
        kind: None,
        zoom_user_id: None,
        account_id: None,
        client_id: None,
        connected_at: None,
        last_checked_at: None,
        error: None,
        missing_recommended_scopes: None,
        connection_id: None,
        webhook_url: None,
        webhook_secret_set: None,
    };
    if let Some(app) = status.connection {
        view.webhook_url = Some(state.webhook_url(&app.connection_id));
        view.email = Some(app.email);
        view.kind = Some(if app.user_authorised { "oauth" } else { "server_to_server" });
        view.zoom_user_id = Some(app.zoom_user_id);
        view.account_id = Some(app.account_id);
        view.client_id = Some(app.client_id);
        view.connected_at = Some(rfc3339_ms(app.connected_at));
        view.last_checked_at = app.last_checked_at.map(rfc3339_ms);
        view.error = app.problem.as_ref().map(ProblemView::of);
        view.missing_recommended_scopes = Some(app.missing_recommended);
        view.connection_id = Some(app.connection_id);
        view.webhook_secret_set = Some(app.has_webhook_secret);
    }
    view
}

async fn current_view(state: &AppState, user_id: &str) -> ApiResult<Json<ZoomIntegrationView>> {
    let row = state.db.zoom_connection_of(user_id).await?;
    Ok(Json(view(state, ZoomStatus::of(row.as_ref()))))
}

/// The user's Zoom connection.
#[utoipa::path(get, path = "/integrations/zoom", tag = "zoom", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ZoomIntegrationView), (status = 401, body = crate::http::api::ErrorBody)))]
async fn get_zoom(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<ZoomIntegrationView>> {
    current_view(&state, &user.user.id).await
}

#[derive(Deserialize, ToSchema)]
pub struct ConnectRequest {
    account_id: String,
    client_id: String,
    /// Empty on update keeps the stored secret.
    #[serde(default)]
    #[schema(value_type = String)]
    client_secret: SecretString,
    /// An email: schedule as this user of the app's Zoom account instead of the app's creator.
    zoom_user: Option<String>,
}

/// Save & Connect (or Update credentials): token, scope check, profile, then store.
#[utoipa::path(put, path = "/integrations/zoom", tag = "zoom", request_body = ConnectRequest,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ZoomIntegrationView),
        (status = 422, description = "invalid_account_id, invalid_credentials, missing_scopes, zoom_user_required, zoom_user_not_found", body = crate::http::api::ErrorBody),
        (status = 503, description = "zoom_unavailable: nothing was saved", body = crate::http::api::ErrorBody)))]
async fn put_zoom(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<ConnectRequest>,
) -> ApiResult<Json<ZoomIntegrationView>> {
    let input = ConnectInput {
        account_id: body.account_id,
        client_id: body.client_id,
        client_secret: body.client_secret,
        zoom_user: body.zoom_user,
    };
    integration::connect(&state, &user.user.id, input).await.map_err(connect_error)?;
    current_view(&state, &user.user.id).await
}

pub fn connect_error(error: ConnectError) -> ApiError {
    match error {
        ConnectError::Problem(problem) => {
            let mut e = ApiError::unprocessable(problem.code(), problem.message()).with("fix", problem.fix());
            if let Some(missing) = problem.missing_scopes() {
                e = e.with("missing_scopes", missing.to_vec());
            }
            e
        }
        e @ ConnectError::ZoomUnavailable => zoom_unavailable(e.to_string()),
        ConnectError::Internal(e) => ApiError::internal(e),
    }
}

pub fn zoom_unavailable(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "zoom_unavailable", message)
}

#[derive(Deserialize, ToSchema)]
pub struct WebhookSecretRequest {
    /// The Zoom app's secret token for event notifications; empty removes it.
    #[schema(value_type = String)]
    webhook_secret: SecretString,
}

/// Sets the webhook secret token (stored encrypted).
#[utoipa::path(patch, path = "/integrations/zoom", tag = "zoom", request_body = WebhookSecretRequest,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ZoomIntegrationView), (status = 404, description = "not_connected", body = crate::http::api::ErrorBody)))]
async fn patch_zoom(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<WebhookSecretRequest>,
) -> ApiResult<Json<ZoomIntegrationView>> {
    use secrecy::ExposeSecret;
    let row = state.db.zoom_connection_of(&user.user.id).await?.ok_or_else(not_connected)?;
    integration::set_webhook_secret(&state, &row, body.webhook_secret.expose_secret()).await?;
    current_view(&state, &user.user.id).await
}

pub fn not_connected() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_connected",
        "Zoom is not connected. Connect it under Settings → Integrations.",
    )
}

/// Runs the health check now, with a freshly minted token.
#[utoipa::path(post, path = "/integrations/zoom/check", tag = "zoom", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ZoomIntegrationView), (status = 404, description = "not_connected", body = crate::http::api::ErrorBody)))]
async fn check_zoom(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<ZoomIntegrationView>> {
    let row = state.db.zoom_connection_of(&user.user.id).await?.ok_or_else(not_connected)?;
    integration::health::check_now(&state, &row).await?;
    current_view(&state, &user.user.id).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisconnectQuery {
    /// Also delete upcoming Zoom meetings that Prospo created.
    #[serde(default)]
    delete_upcoming: bool,
}

/// Disconnect: erases the stored credentials and cached tokens.
#[utoipa::path(delete, path = "/integrations/zoom", tag = "zoom", params(DisconnectQuery),
    security(("bearer" = []), ("session" = [])), responses((status = 204)))]
async fn delete_zoom(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(query): ApiQuery<DisconnectQuery>,
) -> ApiResult<StatusCode> {
    integration::disconnect(&state, &user.user.id, query.delete_upcoming).await?;
    Ok(StatusCode::NO_CONTENT)
}
