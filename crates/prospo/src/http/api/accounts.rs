//! Sign-up, log-in, log-out and the current user.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::{self, SignUpInput};
use crate::http::AppState;
use crate::http::client::ClientIp;
use crate::http::error::ApiResult;
use crate::http::extract::{ApiJson, ApiUser, Credential};
use crate::store::accounts::UserRow;
use crate::store::tokens::TokenLife;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
}

#[derive(Deserialize, ToSchema)]
pub struct SignUpRequest {
    #[schema(format = Email)]
    email: String,
    /// At least 10 characters, any characters.
    #[schema(min_length = 10, max_length = 1024)]
    password: String,
    name: String,
    /// Lower-case letters, digits and hyphens; part of booking links.
    username: String,
    /// IANA zone (the sign-up page sends the browser's): hours start as Monday–Friday 09:00–17:00
    /// there; UTC when absent.
    timezone: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct User {
    id: String,
    email: String,
    name: String,
    username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<String>,
    /// Whether the email was confirmed through the link Prospo mailed at sign-up.
    email_verified: bool,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            email_verified: row.email_verified_at.is_some(),
            id: row.id,
            email: row.email,
            name: row.name,
            username: row.username,
            timezone: row.timezone,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SignUpResponse {
    user: User,
    /// A new API token, shown this once.
    token: String,
}

/// Creates an account and returns an API token for it.
#[utoipa::path(post, path = "/signup", request_body = SignUpRequest, tag = "accounts",
    responses((status = 201, body = SignUpResponse), (status = 409, description = "email_taken or username_taken", body = crate::http::api::ErrorBody),
              (status = 422, description = "weak_password, invalid_email, invalid_username, invalid_name", body = crate::http::api::ErrorBody)))]
async fn signup(State(state): State<AppState>, ApiJson(body): ApiJson<SignUpRequest>) -> ApiResult<impl IntoResponse> {
    let input = SignUpInput {
        email: &body.email,
        password: &body.password,
        name: &body.name,
        username: &body.username,
        timezone: body.timezone.as_deref(),
    };
    let user = accounts::sign_up(&state, input).await?;
    let life = TokenLife::Idle { days: accounts::LOGIN_TOKEN_IDLE_DAYS };
    let (_, token) = accounts::issue_api_token(&state, &user.id, "Sign-up", life).await?;
    Ok((StatusCode::CREATED, Json(SignUpResponse { user: user.into(), token })))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    email: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// A new API token, shown this once.
    token: String,
}

/// Logs in: returns a new API token and sets a session cookie.
#[utoipa::path(post, path = "/login", request_body = LoginRequest, tag = "accounts",
    responses((status = 200, body = LoginResponse), (status = 401, description = "invalid_login", body = crate::http::api::ErrorBody),
              (status = 429, description = "too_many_attempts, with Retry-After", body = crate::http::api::ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let user = accounts::log_in(&state, &body.email, &body.password, client).await?;
    let life = TokenLife::Idle { days: accounts::LOGIN_TOKEN_IDLE_DAYS };
    let (_, token) = accounts::issue_api_token(&state, &user.id, "API log-in", life).await?;
    let session = accounts::start_session(&state, &user.id).await?;
    Ok((state.session_cookie(jar, session), Json(LoginResponse { token })))
}

/// Ends the browser session (an API token stays valid until revoked).
#[utoipa::path(post, path = "/logout", tag = "accounts", responses((status = 204)))]
async fn logout(State(state): State<AppState>, jar: CookieJar, user: Option<ApiUser>) -> ApiResult<impl IntoResponse> {
    if let Some(ApiUser { credential: Credential::Session(value), .. }) = user {
        accounts::end_session(&state, &value).await?;
    }
    Ok((state.clear_session_cookie(jar), StatusCode::NO_CONTENT))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    current_password: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 1024)]
    new_password: String,
}

/// Changes the password. Every other session and every API token of the account stop working
/// (this request's token too, if it used one), as after a reset.
#[utoipa::path(post, path = "/me/password", request_body = PasswordChange, tag = "accounts",
    security(("bearer" = []), ("session" = [])),
    responses((status = 204), (status = 401, description = "invalid_login: the current password is not right", body = crate::http::api::ErrorBody),
              (status = 422, description = "weak_password", body = crate::http::api::ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    let keep = match &user.credential {
        Credential::Session(value) => Some(value.as_str()),
        Credential::ApiToken { .. } => None,
    };
    accounts::change_password(&state, &user.user, &body.current_password, &body.new_password, keep).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/me", tag = "accounts", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = User), (status = 401, body = crate::http::api::ErrorBody)))]
async fn me(user: ApiUser) -> Json<User> {
    Json(user.user.into())
}
