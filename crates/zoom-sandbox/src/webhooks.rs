//! Event notifications to an app's `webhook_url`, signed with its `webhook_secret` as Zoom signs
//! them (zoom/README.md §7).
//!
//! Delivery runs in a background task. A 5xx answer or a network error is retried three times,
//! after 1 s, 2 s and 4 s (Zoom waits 5, 20 and 60 minutes; compressed so tests can watch it);
//! any other answer ends the delivery. `x-zm-request-timestamp` is the wall clock, not the
//! sandbox clock, so that receivers' five-minute freshness check passes whatever the sandbox
//! clock says; `event_ts` is the sandbox clock.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::Sandbox;
use crate::ids;
use crate::state::Data;

const RETRY_DELAYS: [Duration; 3] = [Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(4)];

/// One event ready to send.
pub(crate) struct Delivery {
    /// The app whose `webhooks_finished` counts this delivery.
    client_id: String,
    url: String,
    secret: String,
    body: String,
}

/// Builds `event` for the app of `account_id` if it has a webhook URL and secret.
/// `payload` gets `account_id`, `operator` and `operator_id` added; `top` holds extra top-level
/// fields (e.g. `download_token`).
pub(crate) fn prepare(
    data: &Data,
    account_id: &str,
    event: &str,
    mut payload: Map<String, Value>,
    top: Map<String, Value>,
) -> Option<Delivery> {
    let app = data.app_of_account(account_id)?;
    let url = app.webhook_url.clone().filter(|u| !u.is_empty())?;
    let secret = app.webhook_secret.clone().filter(|s| !s.is_empty())?;
    let owner = data.users.get(&app.owner_id)?;
    payload.insert("account_id".into(), json!(account_id));
    payload.insert("operator".into(), json!(owner.email));
    payload.insert("operator_id".into(), json!(owner.id));
    let mut envelope = Map::new();
    envelope.insert("event".into(), json!(event));
    envelope.insert("event_ts".into(), json!(data.now().as_millisecond()));
    envelope.extend(top);
    envelope.insert("payload".into(), Value::Object(payload));
    Some(Delivery { client_id: app.client_id.clone(), url, secret, body: Value::Object(envelope).to_string() })
}

/// Sends in the background (needs a Tokio runtime; handlers always run in one).
pub(crate) fn dispatch(sb: &Sandbox, delivery: Option<Delivery>) {
    let Some(delivery) = delivery else { return };
    let client = sb.http().clone();
    let sb = sb.clone();
    tokio::spawn(async move {
        let mut answered = false;
        for delay in std::iter::once(Duration::ZERO).chain(RETRY_DELAYS) {
            tokio::time::sleep(delay).await;
            if !should_retry(send_once(&client, &delivery).await) {
                answered = true;
                break;
            }
        }
        if !answered {
            tracing::warn!(url = %delivery.url, "webhook delivery failed after retries");
        }
        sb.with_data(|data| {
            if let Some(app) = data.apps.get_mut(&delivery.client_id) {
                app.stats.webhooks_finished += 1;
            }
        });
    });
}

async fn send_once(client: &reqwest::Client, d: &Delivery) -> Result<u16, reqwest::Error> {
    let timestamp = jiff::Timestamp::now().as_second().to_string();
    let response = client
        .post(&d.url)
        .header("content-type", "application/json; charset=utf-8")
        .header("user-agent", "Zoom Marketplace/1.0a")
        .header("x-zm-request-timestamp", &timestamp)
        .header("x-zm-signature", signature(&d.secret, &timestamp, &d.body))
        .header("x-zm-request-id", ids::request_id())
        .body(d.body.clone())
        .send()
        .await?;
    Ok(response.status().as_u16())
}

fn should_retry(outcome: Result<u16, reqwest::Error>) -> bool {
    match outcome {
        Ok(status) => status >= 500,
        Err(_) => true,
    }
}

/// `v0=` + hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}")).
fn signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}
