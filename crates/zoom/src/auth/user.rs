//! How a call authenticates: as a Server-to-Server app, whose tokens this crate mints and
//! caches, or as one user who authorised a General app, whose tokens someone else keeps.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::{AccessToken, Credentials};
use crate::error::Result;

/// Who a call acts as.
#[derive(Clone)]
pub enum Auth {
    /// A Server-to-Server OAuth app: tokens minted with `account_credentials` and cached by the
    /// client.
    App(Credentials),
    /// A user who authorised a General app: tokens come from [`UserTokens`].
    User(UserAuth),
}

impl From<Credentials> for Auth {
    fn from(creds: Credentials) -> Self {
        Self::App(creds)
    }
}

impl From<UserAuth> for Auth {
    fn from(user: UserAuth) -> Self {
        Self::User(user)
    }
}

impl Auth {
    /// What logs may name: the client id of an app, the label of a user connection.
    pub fn label(&self) -> &str {
        match self {
            Self::App(creds) => &creds.client_id,
            Self::User(user) => &user.label,
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::App(creds) => f.debug_tuple("App").field(creds).finish(),
            Self::User(user) => f.debug_tuple("User").field(user).finish(),
        }
    }
}

/// A user-authorised connection: where its tokens come from, and a name for logs.
#[derive(Clone)]
pub struct UserAuth {
    /// For logs: a connection id, never a token.
    pub label: String,
    pub tokens: Arc<dyn UserTokens>,
}

impl UserAuth {
    pub fn new(label: impl Into<String>, tokens: Arc<dyn UserTokens>) -> Self {
        Self { label: label.into(), tokens }
    }
}

impl fmt::Debug for UserAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserAuth").field("label", &self.label).finish_non_exhaustive()
    }
}

/// The source of a user connection's access tokens. It refreshes them (with
/// [`crate::ZoomClient::refresh`]) and stores the rotated refresh token; the client only asks.
pub trait UserTokens: Send + Sync {
    /// The current access token (the source refreshes it when it is near expiry).
    fn token(&self) -> BoxFuture<'_, Result<AccessToken>>;
    /// Zoom refused `rejected` (401 code 124): a fresh token, or an error if none can be had.
    fn rejected<'a>(&'a self, rejected: &'a AccessToken) -> BoxFuture<'a, Result<AccessToken>>;
}
