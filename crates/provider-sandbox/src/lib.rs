//! Stateful emulators of Google Calendar v3 and Microsoft Graph v1.0 calendars, each with its
//! provider's OAuth 2.0 authorization server, for tests, the demo and benchmarks.
//!
//! One [`Sandbox`] plays one [`Provider`] on its own address:
//! - Google: `GET|POST /o/oauth2/v2/auth`, `POST /token`, the API under `/calendar/v3/…`
//!   (Prospo: `--google-auth-url http://ADDR/o/oauth2/v2/auth --google-token-url
//!   http://ADDR/token --google-api-url http://ADDR`).
//! - Microsoft: `GET|POST /common/oauth2/v2.0/authorize`, `POST /common/oauth2/v2.0/token`, the
//!   API under `/v1.0/…` (Prospo: `--microsoft-login-url http://ADDR/common
//!   --microsoft-graph-url http://ADDR/v1.0`).
//!
//! Both serve the unauthenticated control routes under `/_sandbox` (contract.md, "OAuth in the
//! sandboxes"). The OAuth server is the public [`oauth`] module, usable by other emulators.

// The Graph event resource is one large `json!` literal.
#![recursion_limit = "256"]

mod control;
mod google;
mod graph;
mod ids;
pub mod oauth;
pub mod persist;
pub mod serve;
mod state;
mod store;
mod tokens;

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use crate::oauth::OAuthClient;
use crate::oauth::{AuthHost, AuthServer, Flavour};
use crate::persist::Persister;
use crate::state::Data;

/// Which provider a sandbox plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Provider {
    Google,
    Microsoft,
}

impl Provider {
    pub fn flavour(self) -> Flavour {
        match self {
            Provider::Google => Flavour::Google,
            Provider::Microsoft => Flavour::Microsoft,
        }
    }
}

/// A handle on one emulated provider; clones share the same state.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub data: Mutex<Data>,
    base_url: Mutex<String>,
    provider: Provider,
    pub persist: Option<Persister>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(p) = &self.persist {
            p.save_if_dirty(&self.data);
        }
    }
}

impl persist::Persisted for Inner {
    type Data = Data;

    fn persister(&self) -> Option<&Persister> {
        self.persist.as_ref()
    }

    fn data(&self) -> &Mutex<Data> {
        &self.data
    }
}

impl Sandbox {
    /// A sandbox whose state lives only in memory.
    pub fn in_memory(provider: Provider) -> Sandbox {
        Self::build(Data::new(provider), None)
    }

    /// Loads the state from this JSON file if it exists (it must be this provider's); saves it
    /// shortly after every change (temp file + rename) and when the last handle is dropped.
    pub fn open(provider: Provider, state_file: &Path) -> anyhow::Result<Sandbox> {
        let data = match Persister::load::<Data>(state_file)? {
            Some(data) if data.provider != provider => {
                anyhow::bail!("{} holds a {:?} sandbox, not a {provider:?} one", state_file.display(), data.provider)
            }
            Some(data) => data,
            None => Data::new(provider),
        };
        let sandbox = Self::build(data, Some(Persister::new(state_file, "provider-sandbox")));
        if let Some(p) = &sandbox.inner.persist {
            p.start(Arc::downgrade(&sandbox.inner));
            p.save(&sandbox.inner.data)?;
        }
        Ok(sandbox)
    }

    fn build(data: Data, persist: Option<Persister>) -> Sandbox {
        let provider = data.provider;
        Sandbox {
            inner: Arc::new(Inner {
                data: Mutex::new(data),
                base_url: Mutex::new("http://127.0.0.1".into()),
                provider,
                persist,
            }),
        }
    }

    pub fn provider(&self) -> Provider {
        self.inner.provider
    }

    /// The OAuth endpoints, the provider's API and `/_sandbox/…`.
    pub fn router(&self) -> Router {
        let api = match self.provider() {
            Provider::Google => Router::new().nest("/calendar/v3", google::routes()),
            Provider::Microsoft => Router::new().nest("/v1.0", graph::routes()),
        }
        .layer(axum::middleware::from_fn_with_state(self.clone(), count_api_request));
        Router::new()
            .merge(oauth::routes::<Sandbox>(self.provider().flavour()))
            .merge(api)
            .nest("/_sandbox", control::routes())
            .with_state(self.clone())
    }

    /// The base of the links the API answers (`@odata.nextLink`, `@odata.context`), e.g.
    /// `http://127.0.0.1:9091`.
    pub fn set_base_url(&self, url: &str) {
        *self.inner.base_url.lock().unwrap_or_else(|e| e.into_inner()) = url.trim_end_matches('/').to_string();
    }

    /// Registers an OAuth client (same as `POST /_sandbox/oauth-clients`); any redirect URI is
    /// accepted for it.
    pub fn create_client(&self) -> OAuthClient {
        self.with_data(|data| data.auth.create_client(Vec::new()))
    }

    /// Writes the state file now (a no-op for an in-memory sandbox).
    pub fn flush(&self) -> anyhow::Result<()> {
        match &self.inner.persist {
            Some(p) => p.save(&self.inner.data),
            None => Ok(()),
        }
    }

    /// Runs `f` on the locked state and schedules a save.
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

    pub(crate) fn base_url(&self) -> String {
        self.inner.base_url.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl AuthHost for Sandbox {
    fn with_auth<R>(&self, f: impl FnOnce(&mut AuthServer, Timestamp) -> R) -> R {
        self.with_data(|data| {
            let now = data.now();
            f(&mut data.auth, now)
        })
    }

    /// Google and Microsoft know every account already: the page's user exists from then on.
    fn user_named(&self, email: &str) {
        self.user_consented(email);
    }

    fn user_consented(&self, email: &str) {
        self.with_data(|data| {
            data.store.ensure_user(data.provider, email);
        });
    }
}

/// One API operation the sandbox serves and the query parameters it reads, keyed as the
/// vendored descriptions key them: Google by discovery method id (`calendar.events.list`), Graph
/// by `method path` (`get /me/calendars/{calendar-id}/calendarView`). Every read of a parameter
/// is checked against this list in debug builds; the conformance tests check the list against
/// the descriptions.
#[derive(Clone, Copy, Debug)]
pub struct ServedOperation {
    pub provider: Provider,
    pub operation: &'static str,
    pub parameters: &'static [&'static str],
}

pub fn served_parameters() -> Vec<ServedOperation> {
    let google = google::METHODS.iter().map(|m| ServedOperation {
        provider: Provider::Google,
        operation: m.id,
        parameters: m.params,
    });
    let graph = graph::OPERATIONS.iter().map(|o| ServedOperation {
        provider: Provider::Microsoft,
        operation: o.key,
        parameters: o.params,
    });
    google.chain(graph).collect()
}

async fn count_api_request(State(sb): State<Sandbox>, req: Request, next: Next) -> Response {
    sb.with_data(|data| data.api_requests += 1);
    next.run(req).await
}

/// A sandbox served on a socket; dropping it stops the server.
pub type RunningSandbox = serve::Running<Sandbox>;

/// Binds `addr` (e.g. `127.0.0.1:0`), sets the base URL to the bound address and serves in a
/// spawned task.
pub async fn spawn(sandbox: Sandbox, addr: &str) -> anyhow::Result<RunningSandbox> {
    serve::spawn(sandbox, addr, "provider-sandbox", |sandbox, url| {
        sandbox.set_base_url(url);
        sandbox.router()
    })
    .await
}
