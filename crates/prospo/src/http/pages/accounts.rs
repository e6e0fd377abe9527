//! Sign-up, log-in, log-out and password reset pages.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::{Frame, PageResult, flash};
use crate::accounts::{self, AccountError, SignUpInput};
use crate::http::AppState;
use crate::http::client::ClientIp;
use crate::http::extract::SESSION_COOKIE;
use crate::http::pages::{PageUser, local_path_or};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup_submit))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/password/forgot", get(forgot_page).post(forgot_submit))
        .route("/password/reset/{token}", get(reset_page).post(reset_submit))
        .route("/verify-email/resend", post(resend_verification))
        .route("/verify-email/{token}", get(verify_email))
}

#[derive(Default, Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// The browser's zone, filled in by the page's script.
    #[serde(default)]
    timezone: String,
    /// A team invitation's token, from the link in its mail.
    #[serde(default)]
    invite: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
struct SignUpPage {
    frame: Frame,
    form: SignUpForm,
    error: Option<FieldError>,
    /// The team an invitation link joins.
    joining: Option<String>,
}

/// An error shown under one field; that input gets focus.
struct FieldError {
    field: &'static str,
    message: String,
}

impl SignUpPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|e| e.field == field).map(|e| e.message.as_str())
    }
}

#[derive(Deserialize, Default)]
pub struct SignUpQuery {
    invite: Option<String>,
}

/// The team an open invitation joins, and the email it is for.
async fn invitation(state: &AppState, token: &str) -> PageResult<Option<(String, String)>> {
    if token.is_empty() {
        return Ok(None);
    }
    let open = state.db.open_team_invitation(&accounts::hash_token(token), state.now_ms()).await?;
    Ok(open.map(|(team, email)| (team.name, email)))
}

async fn signup_page(
    State(state): State<AppState>,
    user: Option<PageUser>,
    Query(query): Query<SignUpQuery>,
) -> PageResult<Response> {
    if user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let invite = query.invite.unwrap_or_default();
    let joining = invitation(&state, &invite).await?;
    let form = SignUpForm {
        email: joining.as_ref().map(|(_, email)| email.clone()).unwrap_or_default(),
        invite,
        ..SignUpForm::default()
    };
    let joining = joining.map(|(team, _)| team);
    Ok(SignUpPage { frame: Frame::public("Create your account"), form, error: None, joining }.into_response())
}

async fn signup_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<SignUpForm>,
) -> PageResult<Response> {
    let input = SignUpInput {
        email: &form.email,
        password: &form.password,
        name: &form.name,
        username: &form.username,
        // A zone the browser names but Prospo does not know is no reason to refuse a sign-up.
        timezone: Some(form.timezone.as_str()).filter(|z| jiff::tz::TimeZone::get(z.trim()).is_ok()),
        invite: Some(form.invite.as_str()),
    };
    let error = match accounts::sign_up(&state, input).await {
        Ok(user) => {
            // The welcome page takes it from here (the email notice stands on every page).
            let session = accounts::start_session(&state, &user.id).await?;
            return Ok((state.session_cookie(jar, session), Redirect::to("/welcome")).into_response());
        }
        Err(AccountError::Invalid(invalid)) => FieldError { field: invalid.field, message: invalid.message },
        Err(e @ AccountError::EmailTaken) => FieldError { field: "email", message: e.to_string() },
        Err(e @ AccountError::UsernameTaken) => FieldError { field: "username", message: e.to_string() },
        Err(e) => return Err(e.into()),
    };
    // Keep what was typed, except the password.
    let form = SignUpForm { password: String::new(), ..form };
    let joining = invitation(&state, &form.invite).await?.map(|(team, _)| team);
    let page = SignUpPage { frame: Frame::public("Create your account"), form, error: Some(error), joining };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    frame: Frame,
    email: String,
    next: String,
    error: Option<String>,
}

async fn login_page(user: Option<PageUser>, jar: CookieJar, Query(query): Query<LoginQuery>) -> Response {
    if user.is_some() {
        return Redirect::to("/").into_response();
    }
    let (jar, flash) = flash::take(jar);
    let frame = Frame { flash, ..Frame::public("Log in") };
    let page =
        LoginPage { frame, email: String::new(), next: safe_next(query.next.as_deref()).to_owned(), error: None };
    (jar, page).into_response()
}

async fn login_submit(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> PageResult<Response> {
    let (status, message) = match accounts::log_in(&state, &form.email, &form.password, client).await {
        Ok(user) => {
            let session = accounts::start_session(&state, &user.id).await?;
            let target = safe_next(Some(&form.next)).to_owned();
            return Ok((state.session_cookie(jar, session), Redirect::to(&target)).into_response());
        }
        Err(e @ AccountError::InvalidLogin) => (StatusCode::UNAUTHORIZED, e.to_string()),
        Err(e @ AccountError::Throttled { .. }) => (StatusCode::TOO_MANY_REQUESTS, e.to_string()),
        Err(e) => return Err(e.into()),
    };
    let page = LoginPage { frame: Frame::public("Log in"), email: form.email, next: form.next, error: Some(message) };
    Ok((status, page).into_response())
}

async fn logout(State(state): State<AppState>, jar: CookieJar) -> PageResult<Response> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        accounts::end_session(&state, cookie.value()).await?;
    }
    let jar = flash::set(state.clear_session_cookie(jar), "success", "You are logged out.");
    Ok((jar, Redirect::to("/login")).into_response())
}

/// Only a path of this site is followed after log-in, never another site.
fn safe_next(next: Option<&str>) -> &str {
    next.map_or("/", |path| local_path_or(path, "/"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(super::safe_next(Some("/settings/tokens")), "/settings/tokens");
        assert_eq!(super::safe_next(Some("//evil.example")), "/");
        assert_eq!(super::safe_next(Some("https://evil.example")), "/");
        assert_eq!(super::safe_next(None), "/");
        for evil in ["/\t/evil.example", "/\n", "/\\evil.example", "/ /evil.example", "/%09/x\r"] {
            assert_eq!(super::safe_next(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(super::safe_next(Some("/meetings?when=past")), "/meetings?when=past");
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    frame: Frame,
    sent: bool,
}

async fn forgot_page() -> Response {
    ForgotPage { frame: Frame::public("Reset your password"), sent: false }.into_response()
}

#[derive(Default, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Always the same answer, whatever the email: it must not tell whether an account exists.
async fn forgot_submit(State(state): State<AppState>, Form(form): Form<ForgotForm>) -> PageResult<Response> {
    accounts::request_password_reset(&state, &form.email).await?;
    Ok(ForgotPage { frame: Frame::public("Reset your password"), sent: true }.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "password_reset.html")]
struct ResetPage {
    frame: Frame,
    token: String,
    usable: bool,
    error: Option<String>,
}

const UNUSABLE: &str = "This reset link has expired or was already used. Ask for a new one.";

async fn reset_page(State(state): State<AppState>, Path(token): Path<String>) -> PageResult<Response> {
    let usable = accounts::reset_link_usable(&state, &token).await?;
    let error = (!usable).then(|| UNUSABLE.to_owned());
    let status = if usable { StatusCode::OK } else { StatusCode::GONE };
    let page = ResetPage { frame: Frame::public("Set a new password"), token, usable, error };
    Ok((status, page).into_response())
}

#[derive(Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

async fn reset_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> PageResult<Response> {
    let (status, usable, message) = match accounts::reset_password(&state, &token, &form.password).await {
        Ok(()) => {
            let jar = flash::set(jar, "success", "Your password is changed. Log in with the new one.");
            return Ok((jar, Redirect::to("/login")).into_response());
        }
        Err(AccountError::Invalid(invalid)) => (StatusCode::UNPROCESSABLE_ENTITY, true, invalid.message),
        Err(e @ AccountError::ResetLinkUnusable) => (StatusCode::GONE, false, e.to_string()),
        Err(e) => return Err(e.into()),
    };
    let page = ResetPage { frame: Frame::public("Set a new password"), token, usable, error: Some(message) };
    Ok((status, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "verify_email.html")]
struct VerifyPage {
    frame: Frame,
    verified: bool,
    signed_in: bool,
}

/// The link in the verification mail. Opening it confirms the email (a mail scanner opening it
/// first confirms no more than that the mail arrived).
async fn verify_email(
    State(state): State<AppState>,
    user: Option<PageUser>,
    Path(token): Path<String>,
) -> PageResult<Response> {
    let verified = accounts::verify_email(&state, &token).await?;
    let status = if verified { StatusCode::OK } else { StatusCode::GONE };
    let page = VerifyPage { frame: Frame::public("Confirm your email"), verified, signed_in: user.is_some() };
    Ok((status, page).into_response())
}

/// Send it again, from the notice an unconfirmed account sees on every page.
async fn resend_verification(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
) -> PageResult<Response> {
    let jar = match accounts::resend_verification(&state, &user).await {
        Ok(()) => flash::set(jar, "success", &format!("We sent a new confirmation link to {}.", user.email)),
        Err(AccountError::Throttled { .. }) => flash::set(
            jar,
            "error",
            &format!("We sent {} several links this hour. Please use one of those, or try again later.", user.email),
        ),
        Err(e) => return Err(e.into()),
    };
    Ok((jar, Redirect::to("/")).into_response())
}
