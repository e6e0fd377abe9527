//! The operator's OAuth settings (`--google-*`, `--microsoft-*`, `--zoom-app-*`) as provider apps.

use secrecy::SecretString;

use super::{ClientAuth, OAuthProvider, ProviderApp};

/// A client id and secret the operator registered.
#[derive(Clone)]
pub struct ClientConfig {
    pub client_id: String,
    pub client_secret: SecretString,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// Everything the operator set for OAuth connections. Without a client, no button.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    pub google: Option<ClientConfig>,
    pub google_auth_url: String,
    pub google_token_url: String,
    pub google_api_url: String,
    pub microsoft: Option<ClientConfig>,
    pub microsoft_login_url: String,
    pub microsoft_graph_url: String,
    pub zoom_app: Option<ClientConfig>,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        OAuthConfig {
            google: None,
            google_auth_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            google_token_url: "https://oauth2.googleapis.com/token".into(),
            google_api_url: "https://www.googleapis.com".into(),
            microsoft: None,
            microsoft_login_url: "https://login.microsoftonline.com/common".into(),
            microsoft_graph_url: "https://graph.microsoft.com/v1.0".into(),
            zoom_app: None,
        }
    }
}

fn parse(what: &str, raw: &str) -> anyhow::Result<url::Url> {
    url::Url::parse(raw).map_err(|e| anyhow::anyhow!("{what} {raw:?} is not a URL: {e}"))
}

impl OAuthConfig {
    /// The provider apps of the configured clients. `zoom_oauth_url` is where Zoom's authorize
    /// and token endpoints live (the same base as Server-to-Server tokens).
    pub fn apps(&self, zoom_oauth_url: &str) -> anyhow::Result<Vec<ProviderApp>> {
        let mut apps = Vec::new();
        if let Some(client) = &self.google {
            apps.push(ProviderApp {
                provider: OAuthProvider::Google,
                client_id: client.client_id.clone(),
                client_secret: client.client_secret.clone(),
                authorize_url: parse("--google-auth-url", &self.google_auth_url)?,
                token_url: parse("--google-token-url", &self.google_token_url)?,
                scopes: &calendars::google::SCOPES,
                client_auth: ClientAuth::Body,
                // A refresh token comes back only with offline access, and again on a reconnect
                // only when consent is asked anew.
                extra_params: &[("access_type", "offline"), ("prompt", "consent")],
            });
        }
        if let Some(client) = &self.microsoft {
            let login = self.microsoft_login_url.trim_end_matches('/');
            apps.push(ProviderApp {
                provider: OAuthProvider::Microsoft,
                client_id: client.client_id.clone(),
                client_secret: client.client_secret.clone(),
                authorize_url: parse("--microsoft-login-url", &format!("{login}/oauth2/v2.0/authorize"))?,
                token_url: parse("--microsoft-login-url", &format!("{login}/oauth2/v2.0/token"))?,
                scopes: &calendars::microsoft::SCOPES,
                client_auth: ClientAuth::Body,
                extra_params: &[("response_mode", "query")],
            });
        }
        if let Some(client) = &self.zoom_app {
            let base = zoom_oauth_url.trim_end_matches('/');
            apps.push(ProviderApp {
                provider: OAuthProvider::Zoom,
                client_id: client.client_id.clone(),
                client_secret: client.client_secret.clone(),
                authorize_url: parse("--zoom-oauth-url", &format!("{base}/oauth/authorize"))?,
                token_url: parse("--zoom-oauth-url", &format!("{base}/oauth/token"))?,
                // Zoom takes a General app's scopes from its Marketplace settings, not the request;
                // the grant's scopes get Save & Connect's check after the consent.
                scopes: &[],
                client_auth: ClientAuth::Basic,
                extra_params: &[],
            });
        }
        Ok(apps)
    }
}
