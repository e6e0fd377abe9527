//! Shared helpers: a running sandbox, an app, and authenticated calls over real HTTP.

#![allow(dead_code)] // each test binary uses a different part of these helpers

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use zoom_sandbox::{RunningSandbox, Sandbox, spawn};

pub struct Env {
    pub sandbox: RunningSandbox,
    pub http: Client,
}

pub struct TestApp {
    pub account_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub user_id: String,
    pub email: String,
}

pub async fn start() -> Env {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let sandbox = spawn(Sandbox::in_memory(), "127.0.0.1:0").await.expect("sandbox starts");
    Env { sandbox, http: Client::new() }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.url)
    }

    pub async fn control(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self.http.request(method, self.url(&format!("/_sandbox{path}"))).json(&body).send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn app(&self, body: Value) -> TestApp {
        let (status, v) = self.control(Method::POST, "/apps", body).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        TestApp {
            account_id: s("account_id"),
            client_id: s("client_id"),
            client_secret: s("client_secret"),
            user_id: s("user_id"),
            email: s("email"),
        }
    }

    pub async fn token_response(&self, client_id: &str, secret: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url("/oauth/token"))
            .basic_auth(client_id, Some(secret))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap())
    }

    pub async fn token(&self, app: &TestApp) -> String {
        let (status, v) = self
            .token_response(
                &app.client_id,
                &app.client_secret,
                &[("grant_type", "account_credentials"), ("account_id", &app.account_id)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v["access_token"].as_str().unwrap().to_string()
    }

    /// An authenticated `/v2` call; answers the status, headers and JSON body (Null when empty).
    pub async fn api(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut req = self.http.request(method, self.url(&format!("/v2{path}"))).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        (status, headers, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn create_meeting(&self, token: &str, user: &str, body: Value) -> Value {
        let (status, _, v) = self.api(token, Method::POST, &format!("/users/{user}/meetings"), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v
    }

    pub async fn stats(&self, app: &TestApp) -> Value {
        self.control(Method::GET, &format!("/apps/{}/stats", app.client_id), json!({})).await.1
    }
}
