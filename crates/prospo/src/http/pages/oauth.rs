//! `/oauth/{provider}/callback`: where Google, Microsoft and Zoom send the user back after their
//! consent page. The connection is stored (or nothing is), and the user lands on the settings page
//! with what happened. The URL holds a code: never cached, never logged.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;

use super::flash;
use crate::http::AppState;
use crate::http::extract::SESSION_COOKIE;
use crate::integrations::oauth::flow::{self, Callback};
use crate::integrations::oauth::{OAuthError, OAuthProvider};

pub fn router() -> Router<AppState> {
    Router::new().route("/oauth/{provider}/callback", get(callback))
}

async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    jar: CookieJar,
    Query(answer): Query<Callback>,
) -> Response {
    let Ok(provider) = provider.parse::<OAuthProvider>() else {
        return super::PageError::NotFound.into_response();
    };
    let back = match provider {
        OAuthProvider::Zoom => "/settings/integrations",
        OAuthProvider::Google | OAuthProvider::Microsoft => "/settings/calendars",
    };
    let session = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    let jar = match finish(&state, provider, &session, &answer).await {
        Ok(message) => flash::set(jar, "success", &message),
        Err(e) => {
            if matches!(e, OAuthError::Store(_) | OAuthError::Internal(_)) {
                tracing::error!(error = ?e, %provider, "an OAuth connection could not be stored");
            } else {
                tracing::info!(code = e.code(), %provider, "an OAuth connection was not made");
            }
            flash::set(jar, "error", &e.to_string())
        }
    };
    ([(header::CACHE_CONTROL, "no-store")], jar, Redirect::to(back)).into_response()
}

async fn finish(
    state: &AppState,
    provider: OAuthProvider,
    session: &str,
    answer: &Callback,
) -> Result<String, OAuthError> {
    let completed = flow::complete(state, provider, session, answer).await?;
    match provider {
        OAuthProvider::Google | OAuthProvider::Microsoft => {
            crate::integrations::calendars::oauth_connect::connect(state, provider, completed).await
        }
        OAuthProvider::Zoom => crate::integrations::zoom::oauth_connect::connect(state, completed).await,
    }
}
