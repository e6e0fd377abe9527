//! Token cache and single-flight minting.
//!
//! Each credential has a slot holding its current token and, while one is being minted, the
//! shared mint future. Every caller that needs a token while a mint is in flight awaits that
//! same future, so there is exactly one token request per credential at a time, and a failed
//! mint answers all of its waiters at once instead of being repeated by each of them.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{CredentialKey, Credentials};
use crate::error::{Result, ZoomError, classify_token};
use crate::scopes::Scopes;

/// Called once for every freshly minted token, with the scopes it carries, so an application
/// can compare them with what it needs (Zoom drops scopes when an app changes). It runs on the
/// task that awaited the mint: keep it quick and non-blocking.
pub type TokenObserver = Arc<dyn Fn(&Credentials, &Scopes) + Send + Sync>;

/// A Zoom access token. `Debug` never shows the token itself.
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    /// The scopes granted when the token was minted.
    pub scopes: Scopes,
    pub minted_at: Timestamp,
    pub expires_at: Timestamp,
    /// The regional API base Zoom reported (`api_url`), for information.
    pub api_url: Option<String>,
    /// When the cache stops handing this token out and mints a new one.
    refresh_at: Timestamp,
    /// Until when it is still handed out if that refresh fails transiently.
    usable_until: Timestamp,
    /// Tells tokens apart without comparing secrets (for "replace the token that failed").
    serial: u64,
}

impl AccessToken {
    /// A token obtained outside the cache, e.g. by a [`UserTokens`](crate::UserTokens) source
    /// from a user's grant: `scope` is Zoom's space-separated `scope` field. It is handed out
    /// as it is until `expires_at`; refreshing it is the source's business.
    pub fn new(secret: impl Into<SecretString>, expires_at: Timestamp, scope: &str) -> Self {
        Self {
            secret: secret.into(),
            scopes: Scopes::parse(scope),
            minted_at: Timestamp::now(),
            expires_at,
            api_url: None,
            refresh_at: expires_at,
            usable_until: expires_at,
            serial: NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    fn fresh_at(&self, now: Timestamp) -> bool {
        now < self.refresh_at
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[REDACTED]")
            .field("scopes", &self.scopes)
            .field("minted_at", &self.minted_at)
            .field("expires_at", &self.expires_at)
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

type MintFuture = Shared<BoxFuture<'static, Result<AccessToken>>>;

#[derive(Default)]
struct SlotState {
    token: Option<AccessToken>,
    in_flight: Option<MintFuture>,
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
}

impl Slot {
    fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        // The state is always left consistent, so a panic elsewhere does not poison it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What the caller will accept.
enum Want {
    /// A cached token still before its refresh moment.
    Cached,
    /// A token minted from now on (joining a mint already in flight counts).
    Fresh,
    /// Anything but the token with this serial, which Zoom just rejected.
    Replacing(u64),
}

/// What a mint needs; cloned into each mint future so the future holds no reference back to
/// the provider (and no cycle through the slot that stores it).
#[derive(Clone)]
struct Minter {
    http: reqwest::Client,
    token_url: String,
    refresh_margin: SignedDuration,
    observer: Option<TokenObserver>,
}

pub(crate) struct TokenProvider {
    minter: Minter,
    slots: Mutex<HashMap<CredentialKey, Arc<Slot>>>,
}

static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

impl TokenProvider {
    pub(crate) fn new(
        http: reqwest::Client,
        oauth_base: &str,
        refresh_margin: Duration,
        observer: Option<TokenObserver>,
    ) -> Self {
        Self {
            minter: Minter {
                http,
                token_url: format!("{oauth_base}/oauth/token"),
                refresh_margin: SignedDuration::try_from(refresh_margin).unwrap_or(SignedDuration::from_mins(5)),
                observer,
            },
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// A cached token, minted when there is none or it is within the refresh margin.
    pub(crate) async fn token(&self, creds: &Credentials) -> Result<AccessToken> {
        self.get(creds, Want::Cached).await
    }

    /// A freshly minted token (joining a mint already in flight).
    pub(crate) async fn mint_token(&self, creds: &Credentials) -> Result<AccessToken> {
        self.get(creds, Want::Fresh).await
    }

    /// A token other than `rejected`: when several calls see the same token rejected at
    /// once, the first starts a mint and the others join it or take its result.
    pub(crate) async fn replace_rejected(&self, creds: &Credentials, rejected: &AccessToken) -> Result<AccessToken> {
        self.get(creds, Want::Replacing(rejected.serial)).await
    }

    /// Drops every cached token of this Zoom app (any secret). A mint in flight finishes
    /// into a slot nobody looks at any more.
    pub(crate) fn forget(&self, creds: &Credentials) {
        let key = creds.cache_key();
        self.slots.lock().unwrap_or_else(PoisonError::into_inner).retain(|k, _| !k.same_app(&key));
    }

    fn slot(&self, creds: &Credentials) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(creds.cache_key()).or_default())
    }

    async fn get(&self, creds: &Credentials, want: Want) -> Result<AccessToken> {
        let slot = self.slot(creds);
        let mint = {
            let mut state = slot.lock();
            let now = Timestamp::now();
            if let Some(token) = &state.token {
                let usable = match want {
                    Want::Cached => token.fresh_at(now),
                    Want::Fresh => false,
                    Want::Replacing(serial) => token.serial != serial && token.fresh_at(now),
                };
                if usable {
                    return Ok(token.clone());
                }
                if matches!(want, Want::Replacing(serial) if token.serial == serial) {
                    state.token = None;
                }
            }
            match &state.in_flight {
                Some(mint) => mint.clone(),
                None => {
                    let mint = self.minter.clone().mint_into(creds.clone(), Arc::downgrade(&slot));
                    state.in_flight = Some(mint.clone());
                    mint
                }
            }
        };
        match mint.await {
            // A refresh that fails for a passing reason (Zoom down, rate limited) is no reason
            // to fail a call while the current token has not expired yet.
            Err(err) if matches!(want, Want::Cached) && err.is_transient() => {
                let now = Timestamp::now();
                let still_valid = slot.lock().token.clone().filter(|token| now < token.usable_until);
                still_valid.ok_or(err)
            }
            result => result,
        }
    }
}

/// How close to `expires_at` a token may still be handed out when a refresh failed: enough
/// for the request to reach Zoom before the token expires.
const EXPIRY_SLACK: SignedDuration = SignedDuration::from_secs(30);

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    expires_in: i64,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    api_url: Option<String>,
}

impl Minter {
    /// A shared future that mints, stores the token in the slot and tells the observer.
    fn mint_into(self, creds: Credentials, slot: Weak<Slot>) -> MintFuture {
        async move {
            let result = self.mint(&creds).await;
            if let Some(slot) = slot.upgrade() {
                let mut state = slot.lock();
                state.in_flight = None;
                if let Ok(token) = &result {
                    state.token = Some(token.clone());
                }
            }
            if let (Ok(token), Some(observer)) = (&result, &self.observer) {
                observer(&creds, &token.scopes);
            }
            result
        }
        .boxed()
        .shared()
    }

    async fn mint(&self, creds: &Credentials) -> Result<AccessToken> {
        tracing::debug!(client_id = %creds.client_id, "minting a Zoom access token");
        let response = self
            .http
            .post(&self.token_url)
            .basic_auth(&creds.client_id, Some(creds.client_secret.expose_secret()))
            .form(&[("grant_type", "account_credentials"), ("account_id", creds.account_id.as_str())])
            .send()
            .await
            .map_err(ZoomError::transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(ZoomError::transport)?;
        let now = Timestamp::now();
        if !status.is_success() {
            return Err(classify_token(status, &headers, &body, now));
        }
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| crate::client::decode_error(status, &e))?;
        let lifetime = SignedDuration::from_secs(parsed.expires_in.max(0));
        // Refresh a few minutes early, but never so early that a short-lived token is
        // refreshed at once.
        let margin = self.refresh_margin.min(lifetime / 2);
        Ok(AccessToken {
            secret: parsed.access_token,
            scopes: Scopes::parse(&parsed.scope),
            minted_at: now,
            expires_at: now.checked_add(lifetime).unwrap_or(Timestamp::MAX),
            api_url: parsed.api_url,
            refresh_at: now.checked_add(lifetime - margin).unwrap_or(Timestamp::MAX),
            usable_until: now.checked_add(lifetime - EXPIRY_SLACK.min(lifetime / 10)).unwrap_or(Timestamp::MAX),
            serial: NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
        })
    }
}
