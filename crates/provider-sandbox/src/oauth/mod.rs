//! An OAuth 2.0 authorization server (authorization code grant with PKCE S256, refresh tokens)
//! that answers like one real provider, chosen by its [`Flavour`]: same paths, parameters, error
//! bodies and refresh-token behaviour.
//!
//! It is usable on its own: the state is one serialisable [`AuthServer`] that a host keeps in its
//! own (locked, persisted) data; the host implements [`AuthHost`] and merges [`routes`] into its
//! router. The host then calls [`AuthServer::authenticate`] for every API request.
//!
//! Sandbox choices where the real providers depend on their consoles:
//! - A client registered without redirect URIs accepts any absolute `http(s)` URL without a
//!   fragment; one registered with some accepts exactly those.
//! - Every request is shown the consent page (`prompt` is read but never skips it).
//! - Only `response_mode=query` is served (Microsoft's `form_post` and `fragment` are refused).

mod authorize;
mod errors;
mod token;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ids;

/// Which provider the server plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flavour {
    /// `accounts.google.com` / `oauth2.googleapis.com`: refresh tokens are reusable; a code
    /// exchange answers one (with `access_type=offline`) only the first time a user authorizes a
    /// client, or again when the request had `prompt=consent`.
    Google,
    /// `login.microsoftonline.com/common`: every refresh answers a new refresh token and the used
    /// one is refused afterwards; a refresh token needs the `offline_access` scope.
    Microsoft,
}

impl Flavour {
    /// The authorization endpoint's path (GET shows the consent page, POST answers it).
    pub fn authorize_path(self) -> &'static str {
        match self {
            Flavour::Google => "/o/oauth2/v2/auth",
            Flavour::Microsoft => "/common/oauth2/v2.0/authorize",
        }
    }

    /// The token endpoint's path.
    pub fn token_path(self) -> &'static str {
        match self {
            Flavour::Google => "/token",
            Flavour::Microsoft => "/common/oauth2/v2.0/token",
        }
    }

    /// Access token lifetime in seconds, as the provider announces it in `expires_in`.
    pub fn access_token_seconds(self) -> i64 {
        match self {
            Flavour::Google => 3599,
            Flavour::Microsoft => 3600,
        }
    }

    /// How long an authorization code may wait before it is exchanged.
    pub fn code_seconds(self) -> i64 {
        600
    }

    pub(crate) fn display_name(self) -> &'static str {
        match self {
            Flavour::Google => "Google",
            Flavour::Microsoft => "Microsoft",
        }
    }
}

/// A registered OAuth client (it is an emulator: the secret is not hidden).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: String,
}

/// Counters of the token endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthStats {
    /// Every request to the token endpoint, whatever its outcome.
    pub token_requests: u64,
    /// Every `grant_type=refresh_token` request, whatever its outcome.
    pub refreshes: u64,
}

/// What a valid access token stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The user's email address (lowercase).
    pub email: String,
    pub client_id: String,
    /// The granted scopes, as the token response listed them.
    pub scopes: Vec<String>,
}

impl Grant {
    /// Whether any of `accepted` was granted (case-insensitive, as both providers compare).
    pub fn has_any(&self, accepted: &[&str]) -> bool {
        self.scopes.iter().any(|s| accepted.iter().any(|a| a.eq_ignore_ascii_case(s)))
    }
}

/// Why a bearer token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BearerProblem {
    /// No `Authorization: Bearer …` header.
    Missing,
    /// Not a token this server issued.
    Unknown,
    /// Past its lifetime on the host's clock.
    Expired,
    /// Its user's grants were revoked.
    Revoked,
}

#[derive(Clone, Serialize, Deserialize)]
struct Client {
    secret: String,
    redirect_uris: Vec<String>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Code {
    client_id: String,
    redirect_uri: String,
    email: String,
    scopes: Vec<String>,
    code_challenge: String,
    /// Whether the exchange answers a refresh token (Google `access_type=offline`, Microsoft
    /// `offline_access`).
    offline: bool,
    expires_at: Timestamp,
    used: bool,
}

#[derive(Clone, Serialize, Deserialize)]
struct AccessToken {
    client_id: String,
    email: String,
    scopes: Vec<String>,
    expires_at: Timestamp,
    revoked: bool,
}

#[derive(Clone, Serialize, Deserialize)]
struct RefreshToken {
    client_id: String,
    email: String,
    scopes: Vec<String>,
    revoked: bool,
    /// Set once a rotating flavour has exchanged it.
    used: bool,
}

/// The whole state of one authorization server; serialise it with the host's data.
#[derive(Serialize, Deserialize)]
pub struct AuthServer {
    flavour: Flavour,
    clients: BTreeMap<String, Client>,
    codes: HashMap<String, Code>,
    access_tokens: HashMap<String, AccessToken>,
    refresh_tokens: HashMap<String, RefreshToken>,
    /// Google: the (client, user) pairs that were already given a refresh token.
    #[serde(default)]
    offline_grants: BTreeSet<(String, String)>,
    stats: AuthStats,
    /// Token count at which dead access tokens are next swept (doubling keeps minting O(1)).
    #[serde(skip)]
    next_sweep: usize,
}

impl AuthServer {
    pub fn new(flavour: Flavour) -> AuthServer {
        AuthServer {
            flavour,
            clients: BTreeMap::new(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            offline_grants: BTreeSet::new(),
            stats: AuthStats::default(),
            next_sweep: 0,
        }
    }

    pub fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// Registers a client. With no redirect URIs, any absolute `http(s)` URL is accepted.
    pub fn create_client(&mut self, redirect_uris: Vec<String>) -> OAuthClient {
        let client_id = match self.flavour {
            Flavour::Google => ids::google_client_id(),
            Flavour::Microsoft => ids::guid(),
        };
        let client_secret = match self.flavour {
            Flavour::Google => format!("GOCSPX-{}", ids::alnum(28)),
            Flavour::Microsoft => format!("{}~{}", ids::alnum(3), ids::client_secret()),
        };
        self.clients.insert(client_id.clone(), Client { secret: client_secret.clone(), redirect_uris });
        OAuthClient { client_id, client_secret }
    }

    pub fn stats(&self) -> AuthStats {
        self.stats
    }

    /// Resolves a bearer token (the value after `Bearer `) on the host's clock.
    pub fn authenticate(&self, now: Timestamp, token: Option<&str>) -> Result<Grant, BearerProblem> {
        let token = token.ok_or(BearerProblem::Missing)?;
        let t = self.access_tokens.get(token).ok_or(BearerProblem::Unknown)?;
        if t.revoked {
            return Err(BearerProblem::Revoked);
        }
        if now >= t.expires_at {
            return Err(BearerProblem::Expired);
        }
        Ok(Grant { email: t.email.clone(), client_id: t.client_id.clone(), scopes: t.scopes.clone() })
    }

    /// Every access token, refresh token and pending code of this user stops working.
    pub fn revoke_user(&mut self, email: &str) {
        let email = email.to_ascii_lowercase();
        for t in self.access_tokens.values_mut().filter(|t| t.email == email) {
            t.revoked = true;
        }
        for t in self.refresh_tokens.values_mut().filter(|t| t.email == email) {
            t.revoked = true;
        }
        self.codes.retain(|_, c| c.email != email);
        self.offline_grants.retain(|(_, e)| *e != email);
    }

    fn mint_access(&mut self, now: Timestamp, client_id: &str, email: &str, scopes: &[String]) -> String {
        self.sweep(now);
        let token = match self.flavour {
            Flavour::Google => format!("ya29.a0{}", ids::random_b64(120)),
            // Shaped like a JWT (clients must not parse Graph tokens, but some check the dots).
            Flavour::Microsoft => {
                format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}.{}", ids::random_b64(240), ids::random_b64(180))
            }
        };
        let expires_at = now + SignedDuration::from_secs(self.flavour.access_token_seconds());
        self.access_tokens.insert(
            token.clone(),
            AccessToken {
                client_id: client_id.to_string(),
                email: email.to_string(),
                scopes: scopes.to_vec(),
                expires_at,
                revoked: false,
            },
        );
        token
    }

    fn mint_refresh(&mut self, client_id: &str, email: &str, scopes: &[String]) -> String {
        self.offline_grants.insert((client_id.to_string(), email.to_string()));
        let token = match self.flavour {
            Flavour::Google => format!("1//0{}", ids::random_b64(75)),
            Flavour::Microsoft => format!("1.A{}", ids::random_b64(300)),
        };
        self.refresh_tokens.insert(
            token.clone(),
            RefreshToken {
                client_id: client_id.to_string(),
                email: email.to_string(),
                scopes: scopes.to_vec(),
                revoked: false,
                used: false,
            },
        );
        token
    }

    /// Access tokens dead for more than a day and spent codes are forgotten, so the state does
    /// not grow without bound.
    fn sweep(&mut self, now: Timestamp) {
        if self.access_tokens.len() < self.next_sweep {
            return;
        }
        let cutoff = now - SignedDuration::from_secs(86_400);
        self.access_tokens.retain(|_, t| t.expires_at > cutoff);
        self.codes.retain(|_, c| c.expires_at > cutoff);
        self.next_sweep = (self.access_tokens.len() * 2).max(1024);
    }
}

/// What a host gives the OAuth routes: its locked server and clock, and a hook for new users.
pub trait AuthHost: Clone + Send + Sync + 'static {
    /// Runs `f` on the locked server with the host's clock (the sandbox clock, not the wall's).
    fn with_auth<R>(&self, f: impl FnOnce(&mut AuthServer, Timestamp) -> R) -> R;
    /// A consent page named this email, or the user consented: the host creates the account if
    /// it does not know it. Called outside [`AuthHost::with_auth`].
    fn user_seen(&self, email: &str);
}

/// The authorization endpoint (GET and POST) and the token endpoint at the flavour's paths.
pub fn routes<H: AuthHost>(flavour: Flavour) -> Router<H> {
    Router::new()
        .route(flavour.authorize_path(), get(authorize_get::<H>).post(authorize_post::<H>))
        .route(flavour.token_path(), post(token_endpoint::<H>))
}

async fn authorize_get<H: AuthHost>(State(host): State<H>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let (response, seen) = host.with_auth(|server, now| server.authorize(now, &query, None));
    if let Some(email) = seen {
        host.user_seen(&email);
    }
    response
}

async fn authorize_post<H: AuthHost>(State(host): State<H>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let query = query.unwrap_or_default();
    let (response, seen) = host.with_auth(|server, now| server.authorize(now, &query, Some(&body)));
    if let Some(email) = seen {
        host.user_seen(&email);
    }
    response
}

async fn token_endpoint<H: AuthHost>(State(host): State<H>, headers: HeaderMap, body: Bytes) -> Response {
    host.with_auth(|server, now| server.token(now, &headers, &body))
}
