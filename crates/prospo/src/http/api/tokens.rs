//! Personal API tokens: list and revoke.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiUser, Credential};
use crate::timefmt::rfc3339_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_tokens)).routes(routes!(revoke_token))
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    tokens: Vec<TokenInfo>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    id: String,
    name: String,
    created_at: String,
    last_used_at: Option<String>,
    /// Whether this request was made with this token.
    current: bool,
}

/// The user's API tokens, newest first (never their values).
#[utoipa::path(get, path = "/tokens", tag = "tokens", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = TokenList), (status = 401, body = crate::http::api::ErrorBody)))]
async fn list_tokens(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<TokenList>> {
    let current = match &user.credential {
        Credential::ApiToken { id } => Some(id.as_str()),
        Credential::Session(_) => None,
    };
    let tokens = state
        .db
        .api_tokens(&user.user.id)
        .await?
        .into_iter()
        .map(|t| TokenInfo {
            current: current == Some(t.id.as_str()),
            created_at: rfc3339_ms(t.created_at),
            last_used_at: t.last_used_at.map(rfc3339_ms),
            id: t.id,
            name: t.name,
        })
        .collect();
    Ok(Json(TokenList { tokens }))
}

/// Revokes one of the user's tokens.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::http::api::ErrorBody)))]
async fn revoke_token(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    if state.db.delete_api_token(&user.user.id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
