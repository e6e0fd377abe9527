//! Personal API tokens: create (named, with an optional end), list and revoke.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiUser, Credential};
use crate::store::tokens::TokenLife;
use crate::timefmt::rfc3339_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_tokens, create_token)).routes(routes!(revoke_token))
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
    /// When it stops working (a log-in token: 30 days after its last use); absent: until revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    /// Whether this request was made with this token.
    current: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// Days until it stops working; absent: until revoked.
    #[schema(minimum = 1, maximum = 3650)]
    expires_in_days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    id: String,
    name: String,
    /// The token's value: shown this once.
    token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
}

/// A named token for scripts and other tools, with an optional end.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewToken, security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = CreatedToken), (status = 401, body = crate::http::api::ErrorBody),
              (status = 422, description = "invalid_name, invalid_expiry", body = crate::http::api::ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::unprocessable("invalid_name", "Give the token a name of up to 100 characters."));
    }
    let life = accounts::named_token_life(&state, body.expires_in_days)
        .ok_or_else(|| ApiError::unprocessable("invalid_expiry", "`expires_in_days` is 1 to 3650."))?;
    let (id, token) = accounts::issue_api_token(&state, &user.user.id, name, life).await?;
    let expires_at = match life {
        TokenLife::Until(end) => end.map(rfc3339_ms),
        TokenLife::Idle { .. } => None,
    };
    Ok((StatusCode::CREATED, Json(CreatedToken { id, name: name.to_owned(), token, expires_at })))
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
        .api_tokens(&user.user.id, state.now_ms())
        .await?
        .into_iter()
        .map(|t| TokenInfo {
            current: current == Some(t.id.as_str()),
            created_at: rfc3339_ms(t.created_at),
            last_used_at: t.last_used_at.map(rfc3339_ms),
            expires_at: t.ends_at.map(rfc3339_ms),
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
