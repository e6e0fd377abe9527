//! A stateful Zoom emulator for tests, the demo and benchmarks.
//!
//! One router serves what Zoom serves on two hosts: `POST /oauth/token` (Server-to-Server OAuth,
//! and a General app's authorization-code and refresh grants), `GET|POST /oauth/authorize` (the
//! General app's consent page) and the REST API under `/v2`, plus the recording file links
//! (`/rec/download/…`, `/rec/play/…`), the join/start links (`/j/…`, `/s/…`) and the
//! unauthenticated control routes under `/_sandbox`. Behaviour follows `shared/zoom/README.md`;
//! where it is silent, the choices are documented in the module that makes them.
//!
//! # Connect with Zoom (a General app)
//!
//! | route | body / answer |
//! |---|---|
//! | `POST /_sandbox/oauth-clients` | `{"scopes"?: [..], "redirect_uris"?: [..], "activated"?: bool}` → 201 `{"client_id", "client_secret"}`. Default scopes: the eight required and the recommended one in their user-level form (`meeting:write:meeting` …); no `redirect_uris`: any absolute `http(s)` URL |
//! | `GET /oauth/authorize?response_type=code&client_id&redirect_uri&state&code_challenge&code_challenge_method=S256&login_hint?` | the consent page (HTML) for the user `login_hint` names, listing the app's scopes; without `login_hint` it asks for the email. Unknown client, disabled app or bad `redirect_uri`: a 400 error page, no redirect |
//! | `POST` the same URL, form `allow=1` (and `email` without `login_hint`) | 302 to `redirect_uri?code=…&state=…`; the user is the oldest one with that email in any account, else a new user owning a new account. `deny=1`: 302 `redirect_uri?error=access_denied&state=…` |
//! | `POST /oauth/token` `grant_type=authorization_code&code&redirect_uri&code_verifier` | HTTP Basic client auth → `{"access_token", "token_type":"bearer", "refresh_token", "expires_in":3600, "scope", "api_url"}` |
//! | `POST /oauth/token` `grant_type=refresh_token&refresh_token` | the same, with a new refresh token; the used one is refused afterwards: 400 `{"reason":"Invalid Token!","error":"invalid_grant"}` |
//! | `PATCH /_sandbox/apps/{client_id}` | `{"scopes"?, "activated"?}` on a General app: the scopes of tokens issued from then on (codes and refreshes); deactivating ends every token |
//! | `POST /_sandbox/apps/{client_id}/revoke-tokens` | every access and refresh token of the app stops working → 204 |
//! | `POST /_sandbox/users/{email}/revoke` | every access and refresh token of that user's grants stops working → 204 (404 for an unknown email) |
//! | `GET /_sandbox/apps/{client_id}/stats` | also for a General app; `refreshes` counts successful refresh grants |
//!
//! Tokens of a General app act as the user who authorised it: `me` is that user, and a
//! user-level scope names no other user (400 code 4711 listing the `:admin` scope). The
//! authorization server is `provider_sandbox::oauth` playing `Flavour::Zoom`, whose docs hold
//! Zoom's record behind codes, PKCE and refresh tokens; what is Zoom's own is in `user_oauth.rs`.

mod api;
mod control;
mod errors;
mod faults;
mod ids;
mod limits;
mod meetings;
mod oauth;
mod recordings;
mod scopes;
mod state;
mod user_oauth;
mod users;
mod webhooks;

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use provider_sandbox::oauth::Flavour;

use crate::state::{App, AppKind, Data};
use provider_sandbox::persist::{Persisted, Persister};

/// A handle on one emulated Zoom; clones share the same state.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub data: Mutex<Data>,
    pub live: Mutex<faults::Live>,
    pub persist: Option<Persister>,
    http: OnceLock<reqwest::Client>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(p) = &self.persist {
            p.save_if_dirty(&self.data);
        }
    }
}

impl Persisted for Inner {
    type Data = Data;

    fn persister(&self) -> Option<&Persister> {
        self.persist.as_ref()
    }

    fn data(&self) -> &Mutex<Data> {
        &self.data
    }
}

/// What `POST /_sandbox/apps` accepts; every field is optional.
#[derive(Default, Clone, serde::Deserialize)]
pub struct NewApp {
    pub scopes: Option<Vec<String>>,
    pub email: Option<String>,
    pub activated: Option<bool>,
    pub plan: Option<String>,
    pub daily_cap: Option<u32>,
    /// The account's time zone (IANA; default UTC): recordings lists read their dates in it.
    pub timezone: Option<String>,
}

/// What `POST /_sandbox/oauth-clients` accepts (a General app); every field is optional.
#[derive(Default, Clone, serde::Deserialize)]
pub struct NewOAuthClient {
    /// Default: the eight required and the recommended scope, user-level.
    pub scopes: Option<Vec<String>>,
    /// Allowed `redirect_uri`s; none: any absolute `http(s)` URL.
    pub redirect_uris: Option<Vec<String>>,
    pub activated: Option<bool>,
}

/// A General app's credentials.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OAuthClientInfo {
    pub client_id: String,
    pub client_secret: String,
}

/// A sandbox app with its credentials (it is an emulator: the secret is not hidden).
#[derive(Clone, Debug, serde::Serialize)]
pub struct AppInfo {
    pub account_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub user_id: String,
    pub email: String,
    pub scopes: Vec<String>,
}

impl Sandbox {
    /// A sandbox whose state lives only in memory.
    pub fn in_memory() -> Sandbox {
        Self::build(Data::default(), None)
    }

    /// Loads the state from this JSON file if it exists; saves it shortly after every change
    /// (temp file + rename) and when the last handle is dropped.
    pub fn open(state_file: &Path) -> anyhow::Result<Sandbox> {
        let mut data = Persister::load(state_file)?.unwrap_or_default();
        user_oauth::sync_clients(&mut data);
        let sandbox = Self::build(data, Some(Persister::new(state_file, "zoom-sandbox")));
        if let Some(p) = &sandbox.inner.persist {
            p.start(Arc::downgrade(&sandbox.inner));
            p.save(&sandbox.inner.data)?;
        }
        Ok(sandbox)
    }

    fn build(data: Data, persist: Option<Persister>) -> Sandbox {
        Sandbox {
            inner: Arc::new(Inner {
                data: Mutex::new(data),
                live: Mutex::new(faults::Live::default()),
                persist,
                http: OnceLock::new(),
            }),
        }
    }

    /// Every route: `POST /oauth/token`, `/oauth/authorize`, `/v2/…`, `/_sandbox/…`,
    /// `/rec/download/{file_id}`, `/rec/play/{file_id}`, `/rec/share/{meeting_id}`, `/j/{id}`,
    /// `/s/{id}`. Faults apply to `/oauth/token` and `/v2` only.
    pub fn router(&self) -> Router {
        let zoom = Router::new()
            .merge(oauth::routes())
            .nest("/v2", api::routes())
            .layer(axum::middleware::from_fn_with_state(self.clone(), faults::count_and_fault));
        Router::new()
            .merge(zoom)
            .merge(provider_sandbox::oauth::authorize_routes::<Sandbox>(Flavour::Zoom))
            .merge(recordings::file_routes())
            .merge(meetings::link_routes())
            .nest("/_sandbox", control::routes())
            .with_state(self.clone())
    }

    /// The base used in join, start, download and play URLs, e.g. `http://127.0.0.1:9090`.
    pub fn set_base_url(&self, url: &str) {
        self.live().base_url = url.trim_end_matches('/').to_string();
    }

    /// Creates an app, its account and its owner user (same as `POST /_sandbox/apps`).
    pub fn create_app(&self, req: NewApp) -> AppInfo {
        self.with_data(|data| control::create_app(data, req))
    }

    /// Creates a General app (same as `POST /_sandbox/oauth-clients`).
    pub fn create_oauth_client(&self, req: NewOAuthClient) -> OAuthClientInfo {
        self.with_data(|data| control::create_oauth_client(data, req))
    }

    /// Every General app with its credentials, oldest first.
    pub fn oauth_clients(&self) -> Vec<OAuthClientInfo> {
        self.with_data(|data| {
            let mut apps: Vec<&App> = data.apps.values().filter(|a| a.kind == AppKind::General).collect();
            apps.sort_by_key(|a| a.created_at);
            apps.iter()
                .map(|a| OAuthClientInfo { client_id: a.client_id.clone(), client_secret: a.client_secret.clone() })
                .collect()
        })
    }

    /// Every Server-to-Server app with its credentials, oldest first.
    pub fn apps(&self) -> Vec<AppInfo> {
        self.with_data(|data| {
            let mut apps: Vec<&App> = data.apps.values().filter(|a| a.kind == AppKind::ServerToServer).collect();
            apps.sort_by_key(|a| a.created_at);
            apps.iter().map(|a| app_info(data, a)).collect()
        })
    }

    /// Writes the state file now (a no-op for an in-memory sandbox).
    pub fn flush(&self) -> anyhow::Result<()> {
        match &self.inner.persist {
            Some(p) => p.save(&self.inner.data),
            None => Ok(()),
        }
    }

    /// Runs `f` on the locked state and schedules a save: nearly every request changes something
    /// (at least a counter).
    pub(crate) fn with_data<R>(&self, f: impl FnOnce(&mut Data) -> R) -> R {
        let result = {
            let mut data = self.inner.data.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut data)
        };
        if let Some(p) = &self.inner.persist {
            p.mark_dirty();
        }
        result
    }

    pub(crate) fn live(&self) -> std::sync::MutexGuard<'_, faults::Live> {
        self.inner.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn base_url(&self) -> String {
        self.live().base_url.clone()
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        self.inner.http.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(3))
                .build()
                .expect("building the webhook HTTP client")
        })
    }
}

pub(crate) fn app_info(data: &Data, app: &App) -> AppInfo {
    AppInfo {
        account_id: app.account_id.clone(),
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
        user_id: app.owner_id.clone(),
        email: data.users.get(&app.owner_id).map(|u| u.email.clone()).unwrap_or_default(),
        scopes: app.scopes.clone(),
    }
}

/// A sandbox served on a socket; dropping it stops the server.
pub type RunningSandbox = provider_sandbox::serve::Running<Sandbox>;

/// Binds `addr` (e.g. `127.0.0.1:0`), sets the base URL to the bound address and serves in a
/// spawned task.
pub async fn spawn(sandbox: Sandbox, addr: &str) -> anyhow::Result<RunningSandbox> {
    provider_sandbox::serve::spawn(sandbox, addr, "zoom-sandbox", |sandbox, url| {
        sandbox.set_base_url(url);
        sandbox.router()
    })
    .await
}
