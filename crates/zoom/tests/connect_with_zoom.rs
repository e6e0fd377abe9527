//! Connect with Zoom against the sandbox over real HTTP: the consent URL, the code exchange,
//! rotating refreshes, and API calls as the user through a `UserTokens` source.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::BoxFuture;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zoom::oauth::{UserGrant, authorize_url};
use zoom::{AccessToken, Auth, UserAuth, UserTokens, ZoomClient, ZoomError};
use zoom_sandbox::{RunningSandbox, Sandbox};

const REDIRECT: &str = "https://prospo.example/oauth/zoom/callback";
const VERIFIER: &str = "a-verifier-of-forty-three-characters-or-more_0123456789";

struct Env {
    sandbox: RunningSandbox,
    zoom: ZoomClient,
    /// Follows no redirects, so the consent's answer can be read.
    browser: reqwest::Client,
    client_id: String,
    client_secret: SecretString,
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl Env {
    async fn start() -> anyhow::Result<Env> {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let sandbox = zoom_sandbox::spawn(Sandbox::in_memory(), "127.0.0.1:0").await?;
        let zoom = ZoomClient::builder()
            .oauth_base(&sandbox.url)
            .api_base(format!("{}/v2", sandbox.url))
            .request_timeout(Duration::from_secs(10))
            .build()?;
        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        let created: Value = browser
            .post(format!("{}/_sandbox/oauth-clients", sandbox.url))
            .json(&json!({}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let client_id = created["client_id"].as_str().unwrap_or_default().to_owned();
        let client_secret = created["client_secret"].as_str().unwrap_or_default().into();
        Ok(Env { sandbox, zoom, browser, client_id, client_secret })
    }

    /// The user `email` allows the app on the consent page `authorize_url` leads to: the code.
    async fn consent(&self, email: &str, verifier: &str) -> anyhow::Result<String> {
        let url = authorize_url(&self.sandbox.url, &self.client_id, REDIRECT, "st-9", &challenge(verifier));
        let url = format!("{url}&login_hint={email}");
        let page = self.browser.get(&url).send().await?;
        anyhow::ensure!(page.status() == 200, "consent page: {}", page.status());
        let answer = self.browser.post(&url).form(&[("allow", "1")]).send().await?;
        let location = answer.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let back = reqwest::Url::parse(location)?;
        let param = |name: &str| back.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        anyhow::ensure!(param("state").as_deref() == Some("st-9"), "state comes back: {location}");
        param("code").ok_or_else(|| anyhow::anyhow!("no code in {location}"))
    }

    async fn connect(&self, email: &str) -> anyhow::Result<UserGrant> {
        let code = self.consent(email, VERIFIER).await?;
        Ok(self.zoom.exchange_code(&self.client_id, &self.client_secret, &code, REDIRECT, VERIFIER).await?)
    }

    async fn control(&self, path: &str, body: Value) -> anyhow::Result<()> {
        let url = format!("{}/_sandbox{path}", self.sandbox.url);
        self.browser.request(reqwest::Method::POST, url).json(&body).send().await?.error_for_status()?;
        Ok(())
    }

    async fn stats(&self) -> anyhow::Result<Value> {
        let url = format!("{}/_sandbox/apps/{}/stats", self.sandbox.url, self.client_id);
        Ok(self.browser.get(url).send().await?.error_for_status()?.json().await?)
    }
}

/// A user connection's token source as an application would write one (minus the database):
/// the current access token, and on rejection one refresh that stores the rotated refresh token.
struct Connection {
    zoom: ZoomClient,
    client_id: String,
    client_secret: SecretString,
    grant: tokio::sync::Mutex<(AccessToken, SecretString)>,
}

impl Connection {
    fn new(env: &Env, grant: UserGrant) -> Arc<Connection> {
        Arc::new(Connection {
            zoom: env.zoom.clone(),
            client_id: env.client_id.clone(),
            client_secret: env.client_secret.clone(),
            grant: tokio::sync::Mutex::new(Self::held(grant)),
        })
    }

    fn held(grant: UserGrant) -> (AccessToken, SecretString) {
        let expires_at = Timestamp::now() + jiff::SignedDuration::try_from(grant.expires_in).unwrap_or_default();
        let token = AccessToken::new(grant.access_token, expires_at, &grant.scopes.to_string());
        (token, grant.refresh_token)
    }

    fn auth(self: &Arc<Self>) -> Auth {
        Auth::User(UserAuth::new("connection-7", self.clone()))
    }
}

impl UserTokens for Connection {
    fn token(&self) -> BoxFuture<'_, zoom::Result<AccessToken>> {
        Box::pin(async move { Ok(self.grant.lock().await.0.clone()) })
    }

    fn rejected<'a>(&'a self, rejected: &'a AccessToken) -> BoxFuture<'a, zoom::Result<AccessToken>> {
        Box::pin(async move {
            let mut held = self.grant.lock().await;
            if held.0.secret().expose_secret() == rejected.secret().expose_secret() {
                let fresh = self.zoom.refresh(&self.client_id, &self.client_secret, &held.1).await?;
                *held = Self::held(fresh);
            }
            Ok(held.0.clone())
        })
    }
}

#[tokio::test]
async fn a_user_grant_has_the_required_scopes_and_reads_its_own_profile() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let grant = env.connect("grant.user@example.com").await?;
    assert!(grant.scopes.missing_required().is_empty(), "{}", grant.scopes);
    assert!(grant.scopes.missing_recommended().is_empty(), "{}", grant.scopes);
    assert_eq!(grant.expires_in, Duration::from_secs(3600));
    let connection = Connection::new(&env, grant);
    let me = env.zoom.get_user(&connection.auth(), "me").await?;
    assert_eq!(me.email.as_deref(), Some("grant.user@example.com"));
    let listed = env.zoom.list_meetings(&connection.auth(), "me", zoom::ListMeetingsType::Scheduled).await?;
    assert!(listed.is_empty());
    Ok(())
}

#[tokio::test]
async fn refreshing_rotates_and_a_used_refresh_token_is_a_dead_grant() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let first = env.connect("rotate@example.com").await?;
    let second = env.zoom.refresh(&env.client_id, &env.client_secret, &first.refresh_token).await?;
    assert_ne!(second.refresh_token.expose_secret(), first.refresh_token.expose_secret());
    let err = env.zoom.refresh(&env.client_id, &env.client_secret, &first.refresh_token).await.unwrap_err();
    assert!(matches!(err, ZoomError::InvalidGrant { .. }), "{err:?}");
    assert!(err.needs_reconnect() && !err.is_transient());
    env.zoom.refresh(&env.client_id, &env.client_secret, &second.refresh_token).await?;
    let stats = env.stats().await?;
    assert_eq!((stats["token_requests"].as_u64(), stats["refreshes"].as_u64()), (Some(4), Some(2)), "{stats}");

    let wrong: SecretString = "not-the-secret".into();
    let err = env.zoom.refresh(&env.client_id, &wrong, &second.refresh_token).await.unwrap_err();
    assert!(matches!(err, ZoomError::InvalidCredentials { .. }), "{err:?}");
    Ok(())
}

#[tokio::test]
async fn a_code_is_refused_when_reused_with_a_wrong_verifier_or_another_redirect() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let exchange = |code: String, redirect: &'static str, verifier: &'static str| {
        let (zoom, id, secret) = (env.zoom.clone(), env.client_id.clone(), env.client_secret.clone());
        async move { zoom.exchange_code(&id, &secret, &code, redirect, verifier).await }
    };
    let code = env.consent("codes@example.com", VERIFIER).await?;
    exchange(code.clone(), REDIRECT, VERIFIER).await?;
    let reused = exchange(code.clone(), REDIRECT, VERIFIER).await.unwrap_err();
    assert!(matches!(reused, ZoomError::InvalidGrant { .. }), "{reused:?}");
    assert!(!format!("{reused} {reused:?}").contains(&code), "the code is never repeated: {reused:?}");

    let code = env.consent("codes@example.com", VERIFIER).await?;
    let wrong = exchange(code, REDIRECT, "another-verifier-that-is-long-enough-to-be-valid-0").await.unwrap_err();
    assert!(matches!(wrong, ZoomError::InvalidGrant { .. }), "{wrong:?}");

    let code = env.consent("codes@example.com", VERIFIER).await?;
    let elsewhere = exchange(code, "https://prospo.example/other", VERIFIER).await.unwrap_err();
    assert!(matches!(elsewhere, ZoomError::InvalidRequest { .. }), "{elsewhere:?}");
    Ok(())
}

#[tokio::test]
async fn an_expired_access_token_is_replaced_through_the_source_once() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let connection = Connection::new(&env, env.connect("expiry@example.com").await?);
    env.zoom.get_user(&connection.auth(), "me").await?;
    let clock = format!("{}/_sandbox/clock", env.sandbox.url);
    env.browser.put(clock).json(&json!({"offset_seconds": 3601})).send().await?.error_for_status()?;
    // The source still holds the old token (by the wall clock it is valid): Zoom refuses it with
    // 124, the source refreshes, the call goes through.
    let me = env.zoom.get_user(&connection.auth(), "me").await?;
    assert_eq!(me.email.as_deref(), Some("expiry@example.com"));
    assert_eq!(env.stats().await?["refreshes"], 1);
    Ok(())
}

#[tokio::test]
async fn a_revoked_grant_ends_in_the_sources_error() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let connection = Connection::new(&env, env.connect("revoked@example.com").await?);
    env.zoom.get_user(&connection.auth(), "me").await?;
    env.control("/users/revoked@example.com/revoke", json!({})).await?;
    let err = env.zoom.get_user(&connection.auth(), "me").await.unwrap_err();
    assert!(matches!(err, ZoomError::InvalidGrant { .. }), "{err:?}");
    Ok(())
}
