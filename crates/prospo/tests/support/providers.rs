//! The Google and Microsoft sandboxes over HTTP, the operator's OAuth clients registered on them,
//! and an app wired to both: the API and browser tests of one-click connections share them.

use prospo::integrations::oauth::providers::{ClientConfig, OAuthConfig};
use provider_sandbox::{Provider, RunningSandbox, Sandbox};
use serde_json::{Value, json};

use super::{Backend, TestApp};

/// The two provider sandboxes and an app wired to them.
pub struct Providers {
    pub google: RunningSandbox,
    pub microsoft: RunningSandbox,
    pub config: OAuthConfig,
}

impl Providers {
    pub async fn start() -> Providers {
        let google = provider_sandbox::spawn(Sandbox::in_memory(Provider::Google), "127.0.0.1:0").await.unwrap();
        let microsoft = provider_sandbox::spawn(Sandbox::in_memory(Provider::Microsoft), "127.0.0.1:0").await.unwrap();
        let client = |sandbox: &RunningSandbox| {
            let c = sandbox.sandbox.create_client();
            Some(ClientConfig { client_id: c.client_id, client_secret: c.client_secret.into() })
        };
        let config = OAuthConfig {
            google: client(&google),
            google_auth_url: format!("{}/o/oauth2/v2/auth", google.url),
            google_token_url: format!("{}/token", google.url),
            google_api_url: google.url.clone(),
            microsoft: client(&microsoft),
            microsoft_login_url: format!("{}/common", microsoft.url),
            microsoft_graph_url: format!("{}/v1.0", microsoft.url),
            zoom_app: None,
        };
        Providers { google, microsoft, config }
    }

    pub fn of(&self, provider: &str) -> &RunningSandbox {
        if provider == "google" { &self.google } else { &self.microsoft }
    }

    pub async fn app(&self, backend: Backend) -> TestApp {
        let config = self.config.clone();
        TestApp::spawn_with(backend, move |c| c.oauth = config).await
    }

    pub async fn add_event(&self, provider: &str, email: &str, start: &str, end: &str, summary: &str) {
        let response = reqwest::Client::new()
            .post(format!("{}/_sandbox/calendars/{email}/events", self.of(provider).url))
            .json(&json!({"start": start, "end": end, "summary": summary}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }

    pub async fn events(&self, provider: &str, email: &str) -> Vec<Value> {
        let url = format!("{}/_sandbox/calendars/{email}/events", self.of(provider).url);
        let answer: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
        answer.as_array().unwrap().clone()
    }

    pub async fn stats(&self, provider: &str) -> Value {
        reqwest::get(format!("{}/_sandbox/stats", self.of(provider).url)).await.unwrap().json().await.unwrap()
    }

    pub async fn revoke(&self, provider: &str, email: &str) {
        let url = format!("{}/_sandbox/users/{email}/revoke", self.of(provider).url);
        let response = reqwest::Client::new().post(url).send().await.unwrap();
        assert_eq!(response.status(), 204);
    }
}
