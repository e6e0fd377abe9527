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
        .routes(routes!(me, patch_me))
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
    /// A team invitation's token (from its sign-up link): the account joins that team when the
    /// invitation is for this email, unused and under 7 days old.
    invite: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct User {
    id: String,
    email: String,
    name: String,
    username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<String>,
    /// Whether the email was confirmed through the link Prospo mailed (at sign-up, or after a change).
    email_verified: bool,
    /// The public profile's short bio.
    #[serde(skip_serializing_if = "Option::is_none")]
    bio: Option<String>,
    /// The language invitees' pages and mails default to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<LocaleCode>)]
    locale: Option<String>,
    /// Sites allowed to embed the booking pages (CSP `frame-ancestors`), as exact origins.
    embed_origins: Vec<String>,
}

/// A language of the public pages.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // documents the codes `domain::profile::Locale` parses
enum LocaleCode {
    En,
    De,
    Fr,
    Es,
    Pt,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            email_verified: row.email_verified_at.is_some(),
            embed_origins: crate::profile::embed_origins(&row),
            id: row.id,
            email: row.email,
            name: row.name,
            username: row.username,
            timezone: row.timezone,
            bio: row.bio,
            locale: row.locale,
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
        invite: body.invite.as_deref(),
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

/// A profile change: only the fields sent change; `null` clears `timezone`, `bio` and `locale`.
#[derive(Deserialize, ToSchema)]
pub struct ProfilePatch {
    /// 1 to 100 characters (trimmed).
    name: Option<String>,
    /// 3 to 32 lower-case letters, digits and hyphens, not a path the app uses. Booking links
    /// change with it: the old ones stop working.
    username: Option<String>,
    /// A new email is unconfirmed until the link mailed to it is used (at most 3 account mails an
    /// address an hour: past that, 429 `too_many_mails`).
    #[schema(format = Email)]
    email: Option<String>,
    /// IANA zone (e.g. `Europe/Berlin`): the zone the host reads times in.
    #[serde(default, deserialize_with = "nullable")]
    timezone: Option<Option<String>>,
    /// Shown on the public profile.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(max_length = 500)]
    bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<LocaleCode>)]
    locale: Option<Option<String>>,
    /// Exact origins `https://host[:port]` (no path, wildcard or `;`); `http://` only for hosts
    /// the operator lists in `--allow-private-targets`.
    #[schema(max_items = 20)]
    embed_origins: Option<Vec<String>>,
}

/// A field that may be absent (keep), `null` (clear) or a value.
fn nullable<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// Changes the signed-in user's profile: all the fields sent, or (when one is refused) none.
#[utoipa::path(patch, path = "/me", request_body = ProfilePatch, tag = "accounts",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = User),
              (status = 409, description = "email_taken or username_taken", body = crate::http::api::ErrorBody),
              (status = 422, description = "invalid_name, invalid_username, invalid_email, unknown_time_zone, invalid_bio, invalid_locale, invalid_embed_origin, too_many_embed_origins (with `field`)", body = crate::http::api::ErrorBody),
              (status = 429, description = "too_many_mails: the new address got its hour's share of account mails; with Retry-After", body = crate::http::api::ErrorBody)))]
async fn patch_me(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<ProfilePatch>,
) -> ApiResult<Json<User>> {
    let change = crate::profile::ProfileChange {
        name: body.name,
        username: body.username,
        email: body.email,
        timezone: body.timezone,
        bio: body.bio,
        locale: body.locale,
        embed_origins: body.embed_origins,
    };
    let updated = crate::profile::update(&state, &user.user, change).await?;
    Ok(Json(updated.into()))
}
