//! Connect with Zoom: a General (user-managed) app's authorization-code flow.
//!
//! `GET /oauth/authorize` is the consent page for the user `login_hint` names (or an email field
//! without one); its one form POSTs the same URL with `allow=1` (or `deny=1`) and is answered 302
//! to `redirect_uri` with `code` and `state` (or `error=access_denied`). The user is the oldest
//! one with that email in any account, else a new user in a new account of its own. `POST
//! /oauth/token` then takes `grant_type=authorization_code` and `grant_type=refresh_token`
//! (see [`exchange_code`] and [`refresh`]). Tokens act as that one user, with the app's scopes
//! at the moment they are issued.
//!
//! Zoom's record (zoom/README.md, Zoom's OAuth error list) and the sandbox's choices:
//! - Codes live 5 minutes ("Code is expired", 4733) and are used once; any exchange naming a
//!   code consumes it, so a wrong verifier cannot be retried with the code. An unknown, used or
//!   expired code is Zoom's `{"reason":"Invalid authorization code {code}","error":"invalid_request"}`.
//! - The exchange repeats the authorization's `redirect_uri` exactly, else "Redirect URI
//!   mismatch." (4709, `invalid_request`); PKCE is S256 and optional at the authorization, as
//!   Zoom's is; a verifier that does not match is `invalid_grant` (Zoom's body is not on record).
//! - Refresh tokens rotate on every use and live 90 days; a used, revoked, expired or unknown one
//!   is `{"reason":"Invalid Token!","error":"invalid_grant"}`, as seen live. A used one does not
//!   revoke the grant (two holders racing to refresh lose one answer, not the connection).
//! - A new authorization of the same user for the same app ends the earlier grant's tokens
//!   ("the last token issued is considered valid", 4741).
//! - A deactivated app's tokens stop working and its token requests are `invalid_client`, as
//!   for a Server-to-Server app.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::SignedDuration;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::oauth::{Params, TOKEN_TTL_SECONDS, oauth_error, sweep_dead_tokens};
use crate::state::{AppKind, AuthCode, Data, RefreshToken, Token};
use crate::{Sandbox, control, ids};

pub(crate) const CODE_TTL_SECONDS: i64 = 5 * 60;
pub(crate) const REFRESH_TTL_SECONDS: i64 = 90 * 86_400;

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new().route("/oauth/authorize", get(show).post(answer))
}

async fn show(State(sb): State<Sandbox>, RawQuery(query): RawQuery) -> Response {
    authorize(&sb, query.as_deref().unwrap_or(""), None)
}

async fn answer(State(sb): State<Sandbox>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    authorize(&sb, query.as_deref().unwrap_or(""), Some(&body))
}

/// What a valid authorization request asks for.
struct Request {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    code_challenge: Option<String>,
    login_hint: Option<String>,
    /// The app's scopes, which the consent page lists and the grant carries.
    scopes: Vec<String>,
}

/// Zoom's error page, which never redirects to an unchecked `redirect_uri`.
struct ErrorPage(String);

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let body = format!("<h1>Zoom sandbox: something went wrong</h1>\n<p role=\"alert\">{}</p>", esc(&self.0));
        (StatusCode::BAD_REQUEST, page("Error", &body)).into_response()
    }
}

fn authorize(sb: &Sandbox, query: &str, body: Option<&[u8]>) -> Response {
    let params = Params::new(body.unwrap_or_default(), query);
    sb.with_data(|data| {
        let req = match check(data, &params) {
            Ok(req) => req,
            Err(page) => return page.into_response(),
        };
        let action = format!("/oauth/authorize?{query}");
        let posted = body.is_some();
        if posted && params.get("deny").is_some() {
            let mut answer = vec![("error", "access_denied".to_owned())];
            answer.extend(req.state.clone().map(|s| ("state", s)));
            return redirect(&req.redirect_uri, &answer);
        }
        if !(posted && params.get("allow").is_some()) {
            return consent_page(&req, &action, None, StatusCode::OK);
        }
        let email = params.get("email").or_else(|| req.login_hint.clone()).unwrap_or_default();
        let email = email.trim();
        if !plausible_email(email) {
            let problem = "Enter the email address of the Zoom account to sign in with.";
            return consent_page(&req, &action, Some(problem), StatusCode::BAD_REQUEST);
        }
        let user_id = user_for(data, email);
        let code = ids::authorization_code();
        let now = data.now();
        data.codes.retain(|_, c| c.expires_at > now);
        data.codes.insert(
            code.clone(),
            AuthCode {
                client_id: req.client_id.clone(),
                user_id,
                redirect_uri: req.redirect_uri.clone(),
                code_challenge: req.code_challenge.clone(),
                expires_at: now + SignedDuration::from_secs(CODE_TTL_SECONDS),
            },
        );
        let mut answer = vec![("code", code)];
        answer.extend(req.state.clone().map(|s| ("state", s)));
        redirect(&req.redirect_uri, &answer)
    })
}

/// Checks the request in Zoom's order: the app, the redirect URI, then what is asked.
fn check(data: &Data, params: &Params) -> Result<Request, ErrorPage> {
    let client_id = params.get("client_id").unwrap_or_default();
    let app = data
        .apps
        .get(&client_id)
        .filter(|app| app.kind == AppKind::General)
        .ok_or_else(|| ErrorPage(format!("Invalid client_id: {client_id} (4,702)")))?;
    if !app.activated {
        return Err(ErrorPage("The app has been disabled (4,717)".into()));
    }
    let redirect_uri = params.get("redirect_uri").unwrap_or_default();
    if !redirect_allowed(&redirect_uri, &app.redirect_uris) {
        return Err(ErrorPage(format!("Invalid redirect: {redirect_uri} (4,709)")));
    }
    if params.get("response_type").as_deref() != Some("code") {
        return Err(ErrorPage("Unsupported response_type; use response_type=code (4,700)".into()));
    }
    let code_challenge = params.get("code_challenge").filter(|c| !c.is_empty());
    if code_challenge.is_some() && params.get("code_challenge_method").as_deref() != Some("S256") {
        return Err(ErrorPage("Unsupported code_challenge_method; use S256 (4,700)".into()));
    }
    Ok(Request {
        client_id,
        redirect_uri,
        state: params.get("state"),
        code_challenge,
        login_hint: params.get("login_hint").map(|h| h.trim().to_owned()).filter(|h| plausible_email(h)),
        scopes: app.scopes.clone(),
    })
}

/// An absolute `http(s)` URL without a fragment; exactly a registered one when the app lists
/// some.
fn redirect_allowed(uri: &str, registered: &[String]) -> bool {
    let Ok(url) = reqwest::Url::parse(uri) else { return false };
    let well_formed = matches!(url.scheme(), "http" | "https") && url.host().is_some() && url.fragment().is_none();
    well_formed && (registered.is_empty() || registered.iter().any(|r| r == uri))
}

fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

/// The oldest user with this email, else a new user who owns a new account.
fn user_for(data: &mut Data, email: &str) -> String {
    if let Some(user) = data.users_by_email(email).first() {
        return user.id.clone();
    }
    let account_id = ids::account_or_user_id();
    let user = control::new_user(data, &account_id, Some(email.to_owned()), true, None);
    let id = user.id.clone();
    data.users.insert(id.clone(), user);
    id
}

fn redirect(redirect_uri: &str, params: &[(&str, String)]) -> Response {
    let Ok(mut url) = reqwest::Url::parse(redirect_uri) else {
        return ErrorPage(format!("Invalid redirect: {redirect_uri} (4,709)")).into_response();
    };
    {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in params {
            pairs.append_pair(k, v);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string()), (header::CACHE_CONTROL, "no-store".into())])
        .into_response()
}

/// `grant_type=authorization_code`: `code`, `redirect_uri` and the PKCE `code_verifier`.
pub(crate) fn exchange_code(data: &mut Data, client_id: &str, params: &Params, base_url: &str) -> Response {
    let code = params.get("code").unwrap_or_default();
    let invalid_code = || oauth_error(&format!("Invalid authorization code {code}"), "invalid_request");
    let now = data.now();
    let Some(grant) = data.codes.remove(&code).filter(|c| c.client_id == client_id && now < c.expires_at) else {
        return invalid_code();
    };
    if params.get("redirect_uri").as_deref() != Some(grant.redirect_uri.as_str()) {
        return oauth_error("Redirect URI mismatch.", "invalid_request");
    }
    if let Some(challenge) = &grant.code_challenge
        && !params.get("code_verifier").is_some_and(|v| verifier_matches(&v, challenge))
    {
        return oauth_error("Invalid code_verifier.", "invalid_grant");
    }
    if !data.users.contains_key(&grant.user_id) {
        return invalid_code();
    }
    end_grant(data, client_id, &grant.user_id);
    issue(data, client_id, &grant.user_id, base_url)
}

/// RFC 7636: 43 to 128 unreserved characters whose SHA-256, unpadded base64url, is the challenge.
fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// `grant_type=refresh_token`: the refresh token is used up and a new one answered with the new
/// access token.
pub(crate) fn refresh(data: &mut Data, client_id: &str, params: &Params, base_url: &str) -> Response {
    let presented = params.get("refresh_token").unwrap_or_default();
    let now = data.now();
    let live = data.refresh_tokens.get(&presented).filter(|t| t.client_id == client_id && now < t.expires_at);
    let Some(user_id) = live.map(|t| t.user_id.clone()).filter(|u| data.users.contains_key(u)) else {
        return oauth_error("Invalid Token!", "invalid_grant");
    };
    data.refresh_tokens.remove(&presented);
    if let Some(app) = data.apps.get_mut(client_id) {
        app.stats.refreshes += 1;
    }
    issue(data, client_id, &user_id, base_url)
}

/// A new access token and refresh token for one user's grant, with the app's current scopes.
fn issue(data: &mut Data, client_id: &str, user_id: &str, base_url: &str) -> Response {
    let scopes = data.apps.get(client_id).map(|app| app.scopes.clone()).unwrap_or_default();
    let now = data.now();
    let (access_token, refresh_token) = (ids::access_token(), ids::access_token());
    sweep_dead_tokens(data);
    data.tokens.insert(
        access_token.clone(),
        Token {
            client_id: client_id.to_owned(),
            user_id: Some(user_id.to_owned()),
            scopes: scopes.clone(),
            expires_at: now + SignedDuration::from_secs(TOKEN_TTL_SECONDS),
            revoked: false,
        },
    );
    data.refresh_tokens.insert(
        refresh_token.clone(),
        RefreshToken {
            client_id: client_id.to_owned(),
            user_id: user_id.to_owned(),
            expires_at: now + SignedDuration::from_secs(REFRESH_TTL_SECONDS),
        },
    );
    axum::Json(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "refresh_token": refresh_token,
        "expires_in": TOKEN_TTL_SECONDS,
        "scope": scopes.join(" "),
        "api_url": base_url,
    }))
    .into_response()
}

/// Every token of one user's grant to one app stops working.
fn end_grant(data: &mut Data, client_id: &str, user_id: &str) {
    let of_grant = |c: &str, u: &str| c == client_id && u == user_id;
    data.tokens
        .values_mut()
        .filter(|t| t.user_id.as_deref().is_some_and(|u| of_grant(&t.client_id, u)))
        .for_each(|t| t.revoked = true);
    data.refresh_tokens.retain(|_, t| !of_grant(&t.client_id, &t.user_id));
}

/// Every grant of these users, to any app, ends: access tokens, refresh tokens and codes.
pub(crate) fn revoke_users(data: &mut Data, user_ids: &[String]) {
    let listed = |u: &str| user_ids.iter().any(|id| id == u);
    data.tokens.values_mut().filter(|t| t.user_id.as_deref().is_some_and(listed)).for_each(|t| t.revoked = true);
    data.refresh_tokens.retain(|_, t| !listed(&t.user_id));
    data.codes.retain(|_, c| !listed(&c.user_id));
}

/// A General app's refresh tokens and codes are gone (its access tokens are revoked with every
/// other token of the app).
pub(crate) fn revoke_client(data: &mut Data, client_id: &str) {
    data.refresh_tokens.retain(|_, t| t.client_id != client_id);
    data.codes.retain(|_, c| c.client_id != client_id);
}

/// Minimal HTML escaping for text and attribute values.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} – Zoom (sandbox)</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1b1b; background: #fff; }}\n\
         main {{ max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }}\n\
         fieldset {{ border: 1px solid #767676; border-radius: 6px; margin: 1rem 0; padding: .5rem 1rem; }}\n\
         label, input[type=email] {{ font: inherit; }}\n\
         input[type=email] {{ display: block; width: 100%; max-width: 24rem; padding: .4rem; margin: .25rem 0 1rem; }}\n\
         code {{ font-size: .85em; overflow-wrap: anywhere; }}\n\
         button {{ font: inherit; padding: .5rem 1.5rem; margin: .5rem .75rem .5rem 0; border-radius: 4px; \
         border: 1px solid #0b5cff; cursor: pointer; }}\n\
         button[name=allow] {{ background: #0b5cff; color: #fff; }}\n\
         button[name=deny] {{ background: #fff; color: #0b5cff; }}\n\
         button:focus-visible, input:focus-visible {{ outline: 3px solid #f2a900; outline-offset: 2px; }}\n\
         </style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    ))
}

fn consent_page(req: &Request, action: &str, problem: Option<&str>, status: StatusCode) -> Response {
    let mut body = String::from("<h1>Zoom sandbox: authorize an app</h1>\n");
    if let Some(problem) = problem {
        body.push_str(&format!("<p role=\"alert\"><strong>{}</strong></p>\n", esc(problem)));
    }
    body.push_str(&format!(
        "<p>The app <strong>{}</strong> would like access to your Zoom account.</p>\n\
         <form method=\"post\" action=\"{}\">\n",
        esc(&req.client_id),
        esc(action)
    ));
    match &req.login_hint {
        Some(email) => body.push_str(&format!("<p>Signed in as <strong>{}</strong>.</p>\n", esc(email))),
        None => body.push_str(
            "<label for=\"email\">Email address</label>\n\
             <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required>\n",
        ),
    }
    body.push_str("<fieldset>\n<legend>This app will be able to:</legend>\n<ul>\n");
    for scope in &req.scopes {
        body.push_str(&format!("<li>{} <code>{}</code></li>\n", esc(describe(scope)), esc(scope)));
    }
    body.push_str(
        "</ul>\n</fieldset>\n<button type=\"submit\" name=\"allow\" value=\"1\">Allow</button>\n\
         <button type=\"submit\" name=\"deny\" value=\"1\" formnovalidate>Deny</button>\n</form>\n",
    );
    (status, page("Authorize", &body)).into_response()
}

/// What a scope lets the app do, in the words of Zoom's consent page.
fn describe(scope: &str) -> &'static str {
    let base = scope.strip_suffix(":admin").or_else(|| scope.strip_suffix(":master")).unwrap_or(scope);
    match base {
        "meeting:write:meeting" => "Create meetings",
        "meeting:read:meeting" => "View meetings",
        "meeting:update:meeting" => "Update meetings",
        "meeting:delete:meeting" => "Delete meetings",
        "meeting:read:list_meetings" => "List meetings",
        "user:read:user" => "View your profile",
        "cloud_recording:read:list_recording_files" => "View a meeting's cloud recording files",
        "cloud_recording:read:list_user_recordings" => "List cloud recordings",
        "cloud_recording:delete:recording_file" => "Delete cloud recording files",
        "cloud_recording:read:recording" => "View cloud recordings",
        _ => "Use this permission:",
    }
}
