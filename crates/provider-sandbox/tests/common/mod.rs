//! Shared helpers: a running sandbox, an OAuth client, the consent and token flows, and
//! authenticated API calls over real HTTP.

#![allow(dead_code)] // each test binary uses a different part of these helpers

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use provider_sandbox::oauth::Flavour;
use provider_sandbox::{OAuthClient, Provider, RunningSandbox, Sandbox, spawn};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

pub const GOOGLE_SCOPES: &str = "https://www.googleapis.com/auth/calendar.events.owned https://www.googleapis.com/auth/calendar.freebusy https://www.googleapis.com/auth/calendar.calendarlist.readonly";
pub const GRAPH_SCOPES: &str = "offline_access User.Read Calendars.ReadWrite";

pub struct Env {
    pub running: RunningSandbox,
    pub http: Client,
    pub client: OAuthClient,
    pub provider: Provider,
}

pub struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
    pub body: Value,
}

pub fn verifier() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The query parameters of a `Location` header.
pub fn location_params(headers: &HeaderMap) -> Vec<(String, String)> {
    let location = headers.get("location").expect("a Location header").to_str().unwrap();
    let url = url::Url::parse(location).unwrap();
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

pub fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

pub async fn start(provider: Provider) -> Env {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let running = spawn(Sandbox::in_memory(provider), "127.0.0.1:0").await.expect("sandbox starts");
    let client = running.sandbox.create_client();
    let http = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Env { running, http, client, provider }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.url)
    }

    pub fn flavour(&self) -> Flavour {
        self.provider.flavour()
    }

    pub fn api_prefix(&self) -> &'static str {
        match self.provider {
            Provider::Google => "/calendar/v3",
            Provider::Microsoft => "/v1.0",
        }
    }

    /// The authorization request's query for this client.
    pub fn authorize_query(&self, email: Option<&str>, scopes: &str, challenge: &str, state: &str) -> String {
        let mut pairs = vec![
            ("client_id", self.client.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", scopes),
            ("state", state),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ];
        if let Some(email) = email {
            pairs.push(("login_hint", email));
        }
        match self.provider {
            Provider::Google => {
                pairs.push(("access_type", "offline"));
                pairs.push(("prompt", "consent"));
            }
            Provider::Microsoft => pairs.push(("response_mode", "query")),
        }
        serde_urlencoded::to_string(pairs).unwrap()
    }

    pub fn authorize_url(&self, query: &str) -> String {
        self.url(&format!("{}?{query}", self.flavour().authorize_path()))
    }

    /// POSTs the consent form (`form` plus whatever the test adds) to the authorization URL.
    pub async fn consent(&self, query: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(self.authorize_url(query)).form(form).send().await.unwrap()
    }

    /// Consents for `email` and answers the code and its verifier.
    pub async fn code(&self, email: &str, scopes: &str) -> (String, String) {
        let verifier = verifier();
        let query = self.authorize_query(Some(email), scopes, &challenge(&verifier), "st4te");
        let r = self.consent(&query, &[("allow", "1")]).await;
        assert_eq!(r.status(), StatusCode::FOUND, "{}", r.text().await.unwrap());
        let params = location_params(r.headers());
        assert_eq!(param(&params, "state"), Some("st4te"));
        (param(&params, "code").expect("a code").to_string(), verifier)
    }

    pub async fn token_request(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self.http.post(self.url(self.flavour().token_path())).form(form).send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap())
    }

    pub async fn exchange(&self, code: &str, verifier: &str) -> (StatusCode, Value) {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("client_id", &self.client.client_id),
            ("client_secret", &self.client.client_secret),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &self.client.client_id),
            ("client_secret", &self.client.client_secret),
        ])
        .await
    }

    /// The whole flow for `email` with `scopes`.
    pub async fn login_with(&self, email: &str, scopes: &str) -> Tokens {
        let (code, verifier) = self.code(email, scopes).await;
        let (status, body) = self.exchange(&code, &verifier).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Tokens {
            access: body["access_token"].as_str().unwrap().to_string(),
            refresh: body["refresh_token"].as_str().map(str::to_string),
            body,
        }
    }

    pub async fn login(&self, email: &str) -> Tokens {
        let scopes = match self.provider {
            Provider::Google => GOOGLE_SCOPES,
            Provider::Microsoft => GRAPH_SCOPES,
        };
        self.login_with(email, scopes).await
    }

    /// An API call under the provider's prefix; answers status, headers and JSON (Null if none).
    pub async fn api_with(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Value) {
        let url =
            if path.starts_with("http") { path.to_string() } else { self.url(&format!("{}{path}", self.api_prefix())) };
        let mut req = self.http.request(method, url).bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        (status, headers, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn api(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (status, _, v) = self.api_with(token, method, path, body, &[]).await;
        (status, v)
    }

    pub async fn control(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self.http.request(method, self.url(&format!("/_sandbox{path}"))).json(&body).send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A busy (or free) event in the user's primary calendar, by the control route.
    pub async fn seed(&self, email: &str, start: &str, end: &str, summary: &str) -> String {
        let (status, v) = self
            .control(
                Method::POST,
                &format!("/calendars/{email}/events"),
                json!({"start": start, "end": end, "summary": summary}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v["id"].as_str().unwrap().to_string()
    }

    pub async fn stats(&self) -> Value {
        self.control(Method::GET, "/stats", json!({})).await.1
    }
}
