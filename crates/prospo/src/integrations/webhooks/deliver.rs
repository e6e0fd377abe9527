//! Sending deliveries on the `webhook` queue: one signed POST per attempt through the guarded
//! outbound client (no redirects followed: a 3xx is a failed attempt), retried with backoff for
//! three days, then failed. An endpoint failing for three days in a row is paused and its owner
//! mailed once; a redelivery to it is one attempt, and its 2xx makes the endpoint active again.

use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use super::open_secret;
use crate::app::{App, AppRef};
use crate::jobs::{ClaimedJob, Completion, JobEnd, Work, backoff_ms};
use crate::notifications::compose::{Para, compose};
use crate::store::outbox::MailKind;
use crate::store::outgoing_webhooks::{Attempt, DeliveryRow, DeliveryStatus, EndpointRow, EndpointStatus};

/// How long a delivery is retried, and how long an endpoint may fail before it is paused.
pub const RETRY_FOR_MS: i64 = 3 * 24 * 3600 * 1000;
/// The longest answer excerpt kept in the log.
pub const EXCERPT_BYTES: usize = 1024;
/// Largest answer read from an endpoint.
const MAX_ANSWER: usize = 64 * 1024;
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub struct WebhookWork(pub AppRef);

impl Work for WebhookWork {
    async fn run(&self, job: &ClaimedJob) -> Completion {
        match deliver(&self.0, job).await {
            Ok(completion) => completion,
            Err(e) => {
                let at = self.0.now_ms() + 60_000;
                Completion::End(JobEnd::Retry { at, error: format!("{e:#}") })
            }
        }
    }
}

async fn deliver(app: &App, job: &ClaimedJob) -> anyhow::Result<Completion> {
    let Some(delivery) = app.db.webhook_delivery(&job.subject).await? else { return Ok(Completion::End(JobEnd::Done)) };
    let Some(endpoint) = app.db.webhook_endpoint(&delivery.endpoint_id).await? else {
        return Ok(Completion::End(JobEnd::Done));
    };
    if delivery.status != DeliveryStatus::Pending {
        return Ok(Completion::End(JobEnd::Done));
    }
    let Some(body) = delivery.body.as_deref() else {
        return settle_without_attempt(app, job, &delivery, "The body was purged after 7 days.").await;
    };
    // A paused endpoint is sent only a fresh job (a Redeliver, no failed attempt yet), once: the
    // owner's test of a fix. What was queued before the pause is not retried.
    let trial = endpoint.status == EndpointStatus::Paused;
    if trial && job.attempts > 0 {
        return settle_without_attempt(app, job, &delivery, "The endpoint is paused.").await;
    }
    let now = app.now_ms();
    let answer = send(app, &endpoint, &delivery, body, now).await?;
    // Read before the transaction: told if this failure pauses the endpoint.
    let owner = if answer.delivered { None } else { app.db.user_by_id(&endpoint.user_id).await? };
    let mut paused = false;
    let mut tx = app.db.begin().await?;
    let (end, failed) = if answer.delivered {
        tx.record_webhook_attempt(&delivery.id, &answer.attempt(DeliveryStatus::Delivered), now).await?;
        if trial {
            tx.resume_webhook_endpoint(&endpoint.id).await?;
            tracing::info!(endpoint_id = %endpoint.id, "paused webhook endpoint answered a redelivery; active again");
        } else {
            tx.webhook_endpoint_answered(&endpoint.id).await?;
        }
        (JobEnd::Done, false)
    } else if trial {
        // The answer the owner asked for, shown in the log; not a fault of Prospo's queue.
        tx.record_webhook_attempt(&delivery.id, &answer.attempt(DeliveryStatus::Failed), now).await?;
        (JobEnd::Done, false)
    } else {
        let failing_for = job.first_failure_at.map_or(0, |at| now - at);
        let (status, end) = if failing_for >= RETRY_FOR_MS {
            (DeliveryStatus::Failed, JobEnd::Failed { error: answer.excerpt.clone() })
        } else {
            let wait = backoff_ms(job.attempts, failing_for, 10_000, 60_000, 30 * 60_000);
            (DeliveryStatus::Pending, JobEnd::Retry { at: now + wait, error: answer.excerpt.clone() })
        };
        tx.record_webhook_attempt(&delivery.id, &answer.attempt(status), now).await?;
        if tx.webhook_endpoint_failed(&endpoint.id, now, RETRY_FOR_MS).await? {
            paused = true;
            if let Some(owner) = &owner {
                tx.enqueue_mails(&[paused_mail(app, &owner.email, &owner.name, &endpoint.url)], now).await?;
            }
            tracing::warn!(endpoint_id = %endpoint.id, "webhook endpoint paused after three days of failures");
        }
        (end, status == DeliveryStatus::Failed)
    };
    tx.end_job(job, &end, now).await?;
    tx.commit().await?;
    if paused {
        app.wake(crate::jobs::Queue::Mail);
    }
    Ok(Completion::Settled { failed })
}

async fn settle_without_attempt(
    app: &App,
    job: &ClaimedJob,
    delivery: &DeliveryRow,
    why: &str,
) -> anyhow::Result<Completion> {
    let now = app.now_ms();
    let mut tx = app.db.begin().await?;
    tx.fail_webhook_delivery(&delivery.id, why).await?;
    tx.end_job(job, &JobEnd::Done, now).await?;
    tx.commit().await?;
    Ok(Completion::Settled { failed: true })
}

/// What one attempt came to.
struct Answer {
    delivered: bool,
    status_code: Option<i64>,
    excerpt: String,
}

impl Answer {
    fn attempt(&self, status: DeliveryStatus) -> Attempt<'_> {
        Attempt { status, status_code: self.status_code, answer: &self.excerpt }
    }
}

async fn send(
    app: &App,
    endpoint: &EndpointRow,
    delivery: &DeliveryRow,
    body: &str,
    now: i64,
) -> anyhow::Result<Answer> {
    let secret = open_secret(app, endpoint).map_err(|e| anyhow::anyhow!("cannot open the endpoint's secret: {e}"))?;
    let url = url::Url::parse(&endpoint.url)?;
    let timestamp = now / 1000;
    let signature = signature(secret.expose_secret(), timestamp, body);
    let header = |v: &str| reqwest::header::HeaderValue::from_str(v);
    let request = outbound::Request::new(reqwest::Method::POST, url)
        .header(reqwest::header::CONTENT_TYPE, reqwest::header::HeaderValue::from_static("application/json"))
        .header("prospo-signature".parse()?, header(&format!("t={timestamp},v1={signature}"))?)
        .header("prospo-event".parse()?, header(delivery.event_type.as_str())?)
        .header("prospo-delivery".parse()?, header(&delivery.id)?)
        .body(body.to_owned())
        .timeout(TIMEOUT)
        .max_body(MAX_ANSWER)
        .without_redirects();
    Ok(match app.calendars.http.send(request).await {
        Ok(response) => Answer {
            delivered: response.status.is_success(),
            status_code: Some(i64::from(response.status.as_u16())),
            excerpt: excerpt(&response.body),
        },
        // The error names only scheme, host and port, never the URL's path.
        Err(e) => Answer { delivered: false, status_code: None, excerpt: e.to_string() },
    })
}

/// `HEX(HMAC-SHA256(secret, "{t}.{body}"))`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The answer's first [`EXCERPT_BYTES`], cut on a character boundary.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_BYTES)]);
    text.trim_end_matches('\u{FFFD}').to_owned()
}

fn paused_mail(app: &App, to: &str, name: &str, url: &str) -> crate::store::outbox::OutgoingMail {
    let origin = url::Url::parse(url).map(|u| outbound::origin_only(&u)).unwrap_or_default();
    compose(
        MailKind::AlertConnection,
        to,
        "Your webhook endpoint is paused".to_owned(),
        &[
            Para::text(format!("Hello {name},")),
            Para::text(format!(
                "Your webhook endpoint at {origin} has not accepted a delivery for three days, so Prospo paused \
                 it: events from now on are not sent to it."
            )),
            Para::text(
                "Its delivery log shows the answers it gave. Once it is fixed, press Redeliver on a delivery to \
                 test it: if the endpoint accepts it, it is active again. Or press Resume.",
            ),
            Para::button(
                "Open Settings → Webhooks",
                format!("{}/settings/webhooks", app.public_url.as_str().trim_end_matches('/')),
            ),
        ],
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        // echo -n '1700000000.{}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, "{}"),
            "35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }

    #[test]
    fn excerpts_are_bounded_on_a_character_boundary() {
        let long = "é".repeat(1000);
        let cut = excerpt(long.as_bytes());
        assert!(cut.len() <= EXCERPT_BYTES);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
