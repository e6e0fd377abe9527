//! An OAuth 2.0 authorization server (authorization code grant with PKCE S256, refresh tokens)
//! that answers like one real provider, chosen by its [`Flavour`]: same paths, parameters, error
//! bodies and refresh-token behaviour.
//!
//! It is usable on its own: the state is one serialisable [`AuthServer`] that a host keeps in its
//! own (locked, persisted) data; the host implements [`AuthHost`] and merges [`routes`] into its
//! router, or only [`authorize_routes`] when its token endpoint also serves grants of its own and
//! hands the others to [`AuthServer::answer_token_request`]. The host then calls
//! [`AuthServer::authenticate`] for every API request.
//!
//! Sandbox choices where the real providers depend on their consoles:
//! - A client registered without redirect URIs accepts any absolute `http(s)` URL without a
//!   fragment; one registered with some accepts exactly those.
//! - Every request is shown the consent page (`prompt` is read but never skips it).
//! - Only `response_mode=query` is served (Microsoft's `form_post` and `fragment` are refused).

mod authorize;
mod consent;
mod errors;
mod flavour;
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

pub use self::flavour::Flavour;
pub use self::token::TokenRequest;

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

/// What an authorization request tells the host about a user.
enum UserEvent {
    /// A consent page was shown for this `login_hint` (lowercase).
    Named(String),
    /// The user consented with this email (trimmed, as typed).
    Consented(String),
}

#[derive(Clone, Serialize, Deserialize)]
struct Client {
    secret: String,
    redirect_uris: Vec<String>,
    /// What a grant carries for a flavour whose scopes are the client's (Zoom).
    #[serde(default)]
    scopes: Vec<String>,
    /// A disabled client's requests are refused (its tokens are revoked separately).
    #[serde(default)]
    disabled: bool,
}

#[derive(Clone, Serialize, Deserialize)]
struct Code {
    client_id: String,
    redirect_uri: String,
    email: String,
    scopes: Vec<String>,
    /// The PKCE S256 challenge (optional for Zoom only).
    code_challenge: Option<String>,
    /// Whether the exchange answers a refresh token (Google `access_type=offline`, Microsoft
    /// `offline_access`, Zoom always).
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
    /// For a flavour whose refresh tokens expire (Zoom).
    #[serde(default)]
    expires_at: Option<Timestamp>,
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

    /// Registers a client with credentials shaped like the provider's. With no redirect URIs,
    /// any absolute `http(s)` URL is accepted.
    pub fn create_client(&mut self, redirect_uris: Vec<String>) -> OAuthClient {
        let client = self.flavour.new_client();
        self.register_client(&client, redirect_uris);
        client
    }

    /// Registers a client whose credentials the host keeps elsewhere too (a state file written
    /// before the host used this server); one registered already is kept as it is.
    pub fn register_client(&mut self, client: &OAuthClient, redirect_uris: Vec<String>) {
        self.clients.entry(client.client_id.clone()).or_insert_with(|| Client {
            secret: client.client_secret.clone(),
            redirect_uris,
            scopes: Vec::new(),
            disabled: false,
        });
    }

    /// The scopes a client's grants carry from now on, for a flavour that takes them from the
    /// client (Zoom: the app's settings). Tokens issued before keep theirs.
    pub fn set_client_scopes(&mut self, client_id: &str, scopes: Vec<String>) {
        if let Some(client) = self.clients.get_mut(client_id) {
            client.scopes = scopes;
        }
    }

    /// A disabled client gets an error page at the authorization endpoint and `invalid_client`
    /// at the token endpoint; its tokens still work until [`AuthServer::revoke_client`].
    pub fn set_client_enabled(&mut self, client_id: &str, enabled: bool) {
        if let Some(client) = self.clients.get_mut(client_id) {
            client.disabled = !enabled;
        }
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

    /// The client an access token was issued to, live or dead (until dead tokens are swept, a
    /// day after they expire).
    pub fn issued_to(&self, token: &str) -> Option<&str> {
        self.access_tokens.get(token).map(|t| t.client_id.as_str())
    }

    /// Every access token, refresh token and pending code of this user stops working.
    pub fn revoke_user(&mut self, email: &str) {
        let email = email.to_ascii_lowercase();
        self.revoke_tokens_where(|_, e| e == email);
        self.codes.retain(|_, c| c.email != email);
        self.offline_grants.retain(|(_, e)| *e != email);
    }

    /// Every access token, refresh token and pending code of this client stops working.
    pub fn revoke_client(&mut self, client_id: &str) {
        self.revoke_tokens_where(|c, _| c == client_id);
        self.codes.retain(|_, c| c.client_id != client_id);
        self.offline_grants.retain(|(c, _)| c != client_id);
    }

    /// A user's earlier grant to this client ends (for a flavour with one grant per user); codes
    /// not yet exchanged still start new grants.
    fn end_grant(&mut self, client_id: &str, email: &str) {
        self.revoke_tokens_where(|c, e| c == client_id && e == email);
    }

    /// Revokes the access and refresh tokens of the (client, email) pairs `of` picks.
    fn revoke_tokens_where(&mut self, of: impl Fn(&str, &str) -> bool) {
        for t in self.access_tokens.values_mut().filter(|t| of(&t.client_id, &t.email)) {
            t.revoked = true;
        }
        for t in self.refresh_tokens.values_mut().filter(|t| of(&t.client_id, &t.email)) {
            t.revoked = true;
        }
    }

    fn mint_access(&mut self, now: Timestamp, client_id: &str, email: &str, scopes: &[String]) -> String {
        self.sweep(now);
        let token = self.flavour.new_access_token();
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

    fn mint_refresh(&mut self, now: Timestamp, client_id: &str, email: &str, scopes: &[String]) -> String {
        self.offline_grants.insert((client_id.to_string(), email.to_string()));
        let token = self.flavour.new_refresh_token();
        self.refresh_tokens.insert(
            token.clone(),
            RefreshToken {
                client_id: client_id.to_string(),
                email: email.to_string(),
                scopes: scopes.to_vec(),
                revoked: false,
                used: false,
                expires_at: self.flavour.refresh_token_seconds().map(|s| now + SignedDuration::from_secs(s)),
            },
        );
        token
    }

    /// Access tokens dead for more than a day, spent codes and refresh tokens that can no longer
    /// be used are forgotten, so the state does not grow without bound.
    fn sweep(&mut self, now: Timestamp) {
        if self.access_tokens.len() < self.next_sweep {
            return;
        }
        let cutoff = now - SignedDuration::from_secs(86_400);
        self.access_tokens.retain(|_, t| t.expires_at > cutoff);
        self.codes.retain(|_, c| c.expires_at > cutoff);
        self.refresh_tokens.retain(|_, t| t.expires_at.is_none_or(|at| at > cutoff));
        self.next_sweep = (self.access_tokens.len() * 2).max(1024);
    }
}

/// What a host gives the OAuth routes: its locked server and clock, and hooks for users.
pub trait AuthHost: Clone + Send + Sync + 'static {
    /// Runs `f` on the locked server with the host's clock (the sandbox clock, not the wall's).
    fn with_auth<R>(&self, f: impl FnOnce(&mut AuthServer, Timestamp) -> R) -> R;
    /// A consent page was shown for this `login_hint` (lowercase): a host may create the account
    /// ahead of consent. Called outside [`AuthHost::with_auth`].
    fn user_named(&self, email: &str) {
        let _ = email;
    }
    /// The user consented with this email (trimmed, as typed; grants name it lowercase): the host
    /// creates the account if it does not know it. Called outside [`AuthHost::with_auth`],
    /// before the redirect with the code is answered.
    fn user_consented(&self, email: &str);
}

/// The authorization endpoint (GET and POST) and the token endpoint at the flavour's paths.
pub fn routes<H: AuthHost>(flavour: Flavour) -> Router<H> {
    authorize_routes::<H>(flavour).route(flavour.token_path(), post(token_endpoint::<H>))
}

/// The authorization endpoint alone (GET and POST), for a host that serves the token endpoint
/// itself (see [`AuthServer::answer_token_request`]).
pub fn authorize_routes<H: AuthHost>(flavour: Flavour) -> Router<H> {
    Router::new().route(flavour.authorize_path(), get(authorize_get::<H>).post(authorize_post::<H>))
}

async fn authorize_get<H: AuthHost>(State(host): State<H>, RawQuery(query): RawQuery) -> Response {
    authorize(&host, &query.unwrap_or_default(), None)
}

async fn authorize_post<H: AuthHost>(State(host): State<H>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    authorize(&host, &query.unwrap_or_default(), Some(&body))
}

fn authorize<H: AuthHost>(host: &H, query: &str, body: Option<&[u8]>) -> Response {
    let (response, event) = host.with_auth(|server, now| server.authorize(now, query, body));
    match event {
        Some(UserEvent::Named(email)) => host.user_named(&email),
        Some(UserEvent::Consented(email)) => host.user_consented(&email),
        None => {}
    }
    response
}

async fn token_endpoint<H: AuthHost>(
    State(host): State<H>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let query = query.unwrap_or_default();
    let request = TokenRequest { headers: &headers, query: &query, body: &body };
    host.with_auth(|server, now| server.answer_token_request(now, &request, &[]))
}
