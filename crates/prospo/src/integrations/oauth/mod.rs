//! One OAuth core for every provider a user connects with one button (product.md §9): Google
//! Calendar, Microsoft 365 and Connect with Zoom.
//!
//! - [`flow`]: the authorization code flow with PKCE (S256) and a `state` bound to the session and
//!   the provider, valid 10 minutes and used once.
//! - [`token_endpoint`]: the provider's token endpoint (code exchange, refresh), its errors typed.
//! - [`access`]: a connection's access token, refreshed shortly before expiry with one refresh in
//!   flight per connection across instances, the new refresh token stored before the new access
//!   token is used.

pub mod access;
pub mod flow;
pub mod providers;
pub mod token_endpoint;

use std::time::Duration;

use secrecy::SecretString;

pub use crate::store::oauth::OAuthProvider;

/// Timeouts of token endpoint calls (a person may be waiting on the callback).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body (Google, Microsoft).
    Body,
    /// HTTP Basic (Zoom).
    Basic,
}

/// An OAuth app the operator registered with a provider.
#[derive(Clone)]
pub struct ProviderApp {
    pub provider: OAuthProvider,
    pub client_id: String,
    pub client_secret: SecretString,
    pub authorize_url: url::Url,
    pub token_url: url::Url,
    /// The scopes asked for, each needed (see the provider's client for why each).
    pub scopes: &'static [&'static str],
    pub client_auth: ClientAuth,
    /// Provider-specific authorization parameters (Google: offline access, so a refresh token
    /// comes back; Microsoft: the answer in the query).
    pub extra_params: &'static [(&'static str, &'static str)],
}

impl std::fmt::Debug for ProviderApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderApp")
            .field("provider", &self.provider)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// The operator's apps (a provider without one shows no button) and the HTTP client their token
/// endpoints and APIs are called with. Their URLs are the operator's, not a user's, so this is
/// not the guarded outbound client; answers are still read with a size bound.
#[derive(Clone)]
pub struct OAuthIntegration {
    pub http: reqwest::Client,
    apps: Vec<ProviderApp>,
    /// Google's API base (`--google-api-url`).
    pub google_api: url::Url,
    /// Microsoft Graph's base (`--microsoft-graph-url`).
    pub microsoft_graph: url::Url,
}

impl OAuthIntegration {
    pub fn new(config: &providers::OAuthConfig, zoom_oauth_url: &str) -> anyhow::Result<OAuthIntegration> {
        let apps = config.apps(zoom_oauth_url)?;
        let google_api = url::Url::parse(&config.google_api_url)
            .map_err(|e| anyhow::anyhow!("--google-api-url is not a URL: {e}"))?;
        let microsoft_graph = url::Url::parse(&config.microsoft_graph_url)
            .map_err(|e| anyhow::anyhow!("--microsoft-graph-url is not a URL: {e}"))?;
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Prospo/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(OAuthIntegration { http, apps, google_api, microsoft_graph })
    }

    /// The operator's app for a provider, if configured.
    pub fn app(&self, provider: OAuthProvider) -> Option<&ProviderApp> {
        self.apps.iter().find(|a| a.provider == provider)
    }

    pub fn offers(&self, provider: OAuthProvider) -> bool {
        self.app(provider).is_some()
    }
}

/// Why an OAuth step failed. Messages never carry a code, a state or a token.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The operator has not configured this provider.
    #[error("This provider is not set up on this Prospo.")]
    NotOffered,
    /// A callback whose `state` is unknown, used, expired, or of another session or provider.
    #[error(
        "This sign-in link is not valid any more (it was used, it expired, or it belongs to another browser). Start again."
    )]
    InvalidState,
    /// The user declined on the provider's consent page.
    #[error("{0} was not connected because you chose Deny. Connect it again whenever you like.")]
    Denied(&'static str),
    /// The user unticked a permission Prospo needs.
    #[error("{provider} did not grant every permission Prospo needs ({missing}). Connect again and allow them all.")]
    MissingScopes { provider: &'static str, missing: String },
    /// The provider refuses the grant: revoked, expired, or a refresh token already used.
    #[error("{0} no longer accepts Prospo's access. Reconnect it.")]
    Revoked(&'static str),
    /// The provider refuses the operator's client id or secret.
    #[error("{0} refused this Prospo's app credentials. The operator must check its client id and secret.")]
    InvalidClient(&'static str),
    /// The provider answered an error Prospo has no better word for.
    #[error("{provider} refused: {code}.")]
    Refused { provider: &'static str, code: String },
    /// No answer, a 5xx, or an answer Prospo could not read.
    #[error("{provider} did not answer: {why}. Try again in a minute.")]
    Unavailable { provider: &'static str, why: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl OAuthError {
    /// The code the API, the page and the connection card show.
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::NotOffered => "not_offered",
            OAuthError::InvalidState => "invalid_state",
            OAuthError::Denied(_) => "access_denied",
            OAuthError::MissingScopes { .. } => "missing_scopes",
            OAuthError::Revoked(_) => "reconnect_required",
            OAuthError::InvalidClient(_) => "invalid_client",
            OAuthError::Refused { .. } => "provider_refused",
            OAuthError::Unavailable { .. } => "provider_unavailable",
            OAuthError::Store(_) | OAuthError::Internal(_) => "internal",
        }
    }
}

/// What the Connect buttons call a provider's product.
pub fn product_name(provider: OAuthProvider) -> &'static str {
    match provider {
        OAuthProvider::Google => "Google Calendar",
        OAuthProvider::Microsoft => "Outlook / Microsoft 365",
        OAuthProvider::Zoom => "Zoom",
    }
}

/// How people know a provider.
pub fn provider_name(provider: OAuthProvider) -> &'static str {
    match provider {
        OAuthProvider::Google => "Google",
        OAuthProvider::Microsoft => "Microsoft",
        OAuthProvider::Zoom => "Zoom",
    }
}
