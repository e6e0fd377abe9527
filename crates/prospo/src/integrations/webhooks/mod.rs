//! Outgoing webhooks for integrators (product.md §10): endpoints a user registers, told of their
//! bookings, Zoom links and recordings by signed POSTs that are retried for three days.
//!
//! [`events::emit`] writes the deliveries in the transaction of the change; [`deliver`] sends
//! them on the `webhook` queue; this module manages endpoints and their secrets.

pub mod deliver;
pub mod events;

use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use crate::app::App;
use crate::secrets::{Binding, OpenError};
use crate::store::StoreError;
use crate::store::outgoing_webhooks::{EndpointRow, EventType, NewEndpoint};

const SECRET_FIELD: &str = "webhook.secret";

/// Why an endpoint was refused.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("Enter a valid https:// URL.")]
    InvalidUrl,
    #[error(
        "That URL is not allowed: use https://, and a host that does not resolve to a private or loopback address."
    )]
    UrlNotAllowed,
    #[error("That host name does not resolve.")]
    Unresolvable,
    #[error("Choose at least one event.")]
    NoEvents,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EndpointError {
    pub fn code(&self) -> &'static str {
        match self {
            EndpointError::InvalidUrl => "invalid_url",
            EndpointError::UrlNotAllowed => "url_not_allowed",
            EndpointError::Unresolvable => "url_unresolvable",
            EndpointError::NoEvents => "invalid_events",
            EndpointError::Store(_) => "internal",
        }
    }
}

/// The longest endpoint URL accepted.
pub const MAX_URL_LEN: usize = 2000;

/// Registers an endpoint; returns it with its secret (shown this once).
pub async fn create_endpoint(
    app: &App,
    user_id: &str,
    url: &str,
    events: &[EventType],
) -> Result<(EndpointRow, SecretString), EndpointError> {
    let url = check_url(app, url).await?;
    let mut events = events.to_vec();
    events.sort_by_key(|e| EventType::ALL.iter().position(|x| x == e));
    events.dedup();
    if events.is_empty() {
        return Err(EndpointError::NoEvents);
    }
    let id = crate::store::new_id();
    let secret = new_secret();
    let sealed = seal_secret(app, &id, &secret);
    let endpoint = NewEndpoint { id: &id, user_id, url: url.as_str(), events: &events, secret_sealed: &sealed };
    app.db.insert_webhook_endpoint(&endpoint, app.now_ms()).await?;
    let row = app.db.webhook_endpoint(&id).await?.ok_or(StoreError::Stale("the webhook endpoint"))?;
    Ok((row, secret))
}

/// Gives the endpoint a new secret; `None` when it is not the user's.
pub async fn rotate_secret(app: &App, user_id: &str, id: &str) -> Result<Option<SecretString>, StoreError> {
    let secret = new_secret();
    let sealed = seal_secret(app, id, &secret);
    Ok(app.db.replace_webhook_secret(user_id, id, &sealed).await?.then_some(secret))
}

/// https:// to a public address; plain http:// or a private target only for hosts the operator
/// lists in `--allow-private-targets`. The same rule holds again at every send, after DNS.
async fn check_url(app: &App, url: &str) -> Result<url::Url, EndpointError> {
    let url = url.trim();
    if url.len() > MAX_URL_LEN {
        return Err(EndpointError::InvalidUrl);
    }
    let parsed = url::Url::parse(url).map_err(|_| EndpointError::InvalidUrl)?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() || !parsed.username().is_empty() {
        return Err(EndpointError::InvalidUrl);
    }
    let client = &app.calendars.http;
    if parsed.scheme() == "http" && !client.allow_list().allows_url(&parsed) {
        return Err(EndpointError::UrlNotAllowed);
    }
    match client.check_url(&parsed).await {
        Ok(()) => Ok(parsed),
        Err(outbound::OutboundError::InvalidUrl(_)) => Err(EndpointError::InvalidUrl),
        Err(outbound::OutboundError::Unresolvable) => Err(EndpointError::Unresolvable),
        Err(_) => Err(EndpointError::UrlNotAllowed),
    }
}

/// 32 random bytes, hex: `whsec_…`.
fn new_secret() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(format!("whsec_{}", hex::encode(bytes)))
}

fn seal_secret(app: &App, endpoint_id: &str, secret: &SecretString) -> Vec<u8> {
    app.secrets.seal_str(secret.expose_secret(), Binding { owner: endpoint_id, field: SECRET_FIELD })
}

pub(crate) fn open_secret(app: &App, endpoint: &EndpointRow) -> Result<SecretString, OpenError> {
    app.secrets.open_str(&endpoint.secret_sealed, Binding { owner: &endpoint.id, field: SECRET_FIELD })
}

/// Why a delivery cannot be sent again.
#[derive(Debug, thiserror::Error)]
pub enum RedeliverError {
    #[error("No such delivery.")]
    NotFound,
    #[error("This delivery's body was purged (bodies are kept 7 days), so it cannot be sent again.")]
    BodyPurged,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RedeliverError {
    pub fn code(&self) -> &'static str {
        match self {
            RedeliverError::NotFound => "not_found",
            RedeliverError::BodyPurged => "body_purged",
            RedeliverError::Store(_) => "internal",
        }
    }
}

/// Sends a delivery of the user's endpoint again, now: same delivery id, same body, signed with
/// the current secret. To a paused endpoint it is one attempt, a test of the owner's fix: a 2xx
/// answer makes the endpoint active again, a failure leaves it paused (see [`deliver`]). Asking
/// is not taken as proof by itself, as GitHub's and Stripe's redeliveries change no endpoint.
pub async fn redeliver(app: &App, user_id: &str, endpoint_id: &str, delivery_id: &str) -> Result<(), RedeliverError> {
    let endpoint = app.db.webhook_endpoint_of(user_id, endpoint_id).await?.ok_or(RedeliverError::NotFound)?;
    let delivery = app.db.webhook_delivery(delivery_id).await?.filter(|d| d.endpoint_id == endpoint.id);
    let delivery = delivery.ok_or(RedeliverError::NotFound)?;
    if delivery.body.is_none() {
        return Err(RedeliverError::BodyPurged);
    }
    let now = app.now_ms();
    let mut tx = app.db.begin().await?;
    tx.redeliver_webhook(&delivery.id, now).await?;
    tx.commit().await?;
    app.wake(crate::jobs::Queue::Webhook);
    Ok(())
}

/// Makes the user's paused endpoint active again (told of events from now on; what happened
/// while it was paused was not queued for it). False when it is not the user's.
pub async fn resume(app: &App, user_id: &str, endpoint_id: &str) -> Result<bool, StoreError> {
    let Some(endpoint) = app.db.webhook_endpoint_of(user_id, endpoint_id).await? else { return Ok(false) };
    let mut tx = app.db.begin().await?;
    tx.resume_webhook_endpoint(&endpoint.id).await?;
    tx.commit().await?;
    Ok(true)
}

/// Re-seals every endpoint's secret with `new_box`'s current key (after `keys rotate`).
pub async fn reseal_all(
    db: &crate::store::Db,
    old_box: &crate::secrets::SecretBox,
    new_box: &crate::secrets::SecretBox,
) -> anyhow::Result<usize> {
    let sealed = db.sealed_webhook_secrets().await?;
    for (id, user_id, secret) in &sealed {
        let binding = Binding { owner: id, field: SECRET_FIELD };
        let plain = old_box.open(secret, binding).map_err(|e| anyhow::anyhow!("webhook endpoint {id}: {e}"))?;
        db.replace_webhook_secret(user_id, id, &new_box.seal(&plain, binding)).await?;
    }
    Ok(sealed.len())
}
