//! The signed-in user of a page, by session cookie only. Pages that need one redirect to /login.

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

use super::PageError;
use crate::accounts;
use crate::http::AppState;
use crate::http::extract::SESSION_COOKIE;
use crate::store::accounts::UserRow;

/// The signed-in user of a page.
#[derive(Debug, Clone)]
pub struct PageUser(pub UserRow);

impl<S> OptionalFromRequestParts<S> for PageUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let state = AppState::from_ref(state);
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Ok(None);
        };
        let user = accounts::user_for_session(&state, cookie.value()).await.map_err(PageError::internal)?;
        Ok(user.map(PageUser))
    }
}

impl<S> FromRequestParts<S> for PageUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match <PageUser as OptionalFromRequestParts<S>>::from_request_parts(parts, state).await? {
            Some(user) => Ok(user),
            None => Err(PageError::LoginRequired { next: parts.uri.path().to_owned() }),
        }
    }
}
