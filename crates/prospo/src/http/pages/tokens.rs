//! Settings → API tokens: create (shown once), list, revoke.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::{Frame, Moment, PageResult, flash};
use crate::accounts;
use crate::http::AppState;
use crate::http::pages::PageUser;
use crate::secrets::Binding;
use crate::store::tokens::TokenLife;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/tokens", get(tokens_page).post(create_token))
        .route("/settings/tokens/{id}/revoke", post(revoke_token))
}

struct TokenView {
    id: String,
    name: String,
    created_at: Moment,
    last_used_at: Option<Moment>,
    expires_at: Option<Moment>,
}

#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
struct TokensPage {
    frame: Frame,
    tokens: Vec<TokenView>,
    /// A token just created: its value is shown this once.
    new_token: Option<String>,
}

async fn render(
    state: &AppState,
    user: &crate::store::accounts::UserRow,
    frame: Frame,
    new_token: Option<String>,
) -> PageResult<TokensPage> {
    let tokens = state
        .db
        .api_tokens(&user.id, state.now_ms())
        .await?
        .into_iter()
        .map(|t| TokenView {
            created_at: Moment::of(t.created_at, user),
            last_used_at: t.last_used_at.map(|ms| Moment::of(ms, user)),
            expires_at: t.ends_at.map(|ms| Moment::of(ms, user)),
            id: t.id,
            name: t.name,
        })
        .collect();
    Ok(TokensPage { frame, tokens, new_token })
}

/// Carries a token just created from the POST to the page its redirect loads (so a reload
/// creates nothing): sealed with the keyring for this user, for this page only, briefly.
const NEW_TOKEN_COOKIE: &str = "prospo_new_token";

fn new_token_binding(user_id: &str) -> Binding<'_> {
    Binding { owner: user_id, field: "page.new_token" }
}

async fn tokens_page(State(state): State<AppState>, PageUser(user): PageUser, jar: CookieJar) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let new_token = jar
        .get(NEW_TOKEN_COOKIE)
        .and_then(|cookie| URL_SAFE_NO_PAD.decode(cookie.value()).ok())
        .and_then(|sealed| state.secrets.open_str(&sealed, new_token_binding(&user.id)).ok())
        .map(|token| token.expose_secret().to_owned());
    let jar = jar.remove(Cookie::build(NEW_TOKEN_COOKIE).path("/settings/tokens"));
    let frame = Frame::for_user("API tokens", "settings", &user, flash);
    Ok((jar, render(&state, &user, frame, new_token).await?).into_response())
}

#[derive(Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    name: String,
    /// Days until it stops working; empty: until revoked.
    #[serde(default)]
    expires_in_days: String,
}

async fn create_token(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<NewTokenForm>,
) -> PageResult<Response> {
    let days = form.expires_in_days.trim().parse::<i64>().ok();
    let life = accounts::named_token_life(&state, days).unwrap_or(TokenLife::Until(None));
    let (_, value) = accounts::issue_api_token(&state, &user.id, &form.name, life).await?;
    let sealed = URL_SAFE_NO_PAD.encode(state.secrets.seal_str(&value, new_token_binding(&user.id)));
    let cookie = Cookie::build((NEW_TOKEN_COOKIE, sealed))
        .path("/settings/tokens")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::minutes(2));
    Ok((jar.add(cookie), Redirect::to("/settings/tokens")).into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let jar = if state.db.delete_api_token(&user.id, &id).await? {
        flash::set(jar, "success", "The token was revoked. It no longer works.")
    } else {
        flash::set(jar, "error", "That token does not exist (it may already be revoked).")
    };
    Ok((jar, Redirect::to("/settings/tokens")).into_response())
}
