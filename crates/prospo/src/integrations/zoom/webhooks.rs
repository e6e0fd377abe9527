//! Zoom event notifications for one connection: verified over the raw bytes, deduplicated, and
//! applied to Prospo's meetings. Handling is a few database writes, well within Zoom's 3 seconds.

use crate::integrations::webhooks::events as webhook_events;
use crate::store::outgoing_webhooks::EventType;
use jiff::SignedDuration;
use sha2::{Digest, Sha256};
use zoom::webhook::{self, UrlValidationResponse, WebhookEvent};

use super::alerts::meeting_alert;
use super::recordings::file_view;
use super::webhook_secret;
use crate::app::App;
use crate::domain::lifecycle::{Event, ZoomProblem, ZoomProblemCode};
use crate::jobs::Queue;
use crate::notifications::meeting_mails::{Change, MeetingEvent, change_mails};
use crate::store::meetings::{ChangeError, Details, MeetingRow, ZoomJob};
use crate::store::outbox::Cause;

/// Zoom's timestamps may be this far from our clock, either way.
pub const TOLERANCE: SignedDuration = SignedDuration::from_mins(5);

#[derive(Debug, thiserror::Error)]
pub enum WebhookRefusal {
    #[error("Unknown connection.")]
    UnknownConnection,
    #[error("No webhook secret token is set for this connection.")]
    NoSecret,
    #[error("The signature does not verify ({0}).")]
    Unverified(webhook::WebhookError),
    #[error("The body is not a Zoom event.")]
    BadBody,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What to answer Zoom.
pub enum WebhookAnswer {
    Validation(UrlValidationResponse),
    Handled,
    Duplicate,
}

/// The request as it arrived.
pub struct Delivery<'a> {
    pub connection_id: &'a str,
    pub timestamp: &'a str,
    pub signature: &'a str,
    pub body: &'a [u8],
}

pub async fn receive(app: &App, delivery: Delivery<'_>) -> Result<WebhookAnswer, WebhookRefusal> {
    let connection = app.db.zoom_connection(delivery.connection_id).await.map_err(anyhow::Error::from)?;
    let connection = connection.ok_or(WebhookRefusal::UnknownConnection)?;
    let secret = match webhook_secret(app, &connection) {
        Some(Ok(secret)) => secret,
        Some(Err(_)) | None => return Err(WebhookRefusal::NoSecret),
    };
    webhook::verify_signature(
        &secret,
        delivery.timestamp,
        delivery.signature,
        delivery.body,
        app.clock.now(),
        TOLERANCE,
    )
    .map_err(WebhookRefusal::Unverified)?;
    let event = webhook::parse_event(delivery.body).map_err(|_| WebhookRefusal::BadBody)?;
    if let WebhookEvent::UrlValidation { plain_token } = &event {
        return Ok(WebhookAnswer::Validation(webhook::url_validation_response(&secret, plain_token)));
    }
    // Deduplicated on what was signed, not on `x-zm-request-id` (which is not signed): a replay of
    // a captured notification with a new request id changes nothing.
    let name = event_name(&event);
    let dedup_key = format!("body:{}", hex::encode(Sha256::digest(delivery.body)));
    let first = app.db.first_webhook_delivery(&connection.id, &dedup_key, name, app.now_ms()).await;
    if !first.map_err(anyhow::Error::from)? {
        return Ok(WebhookAnswer::Duplicate);
    }
    let host_id = &connection.user_id;
    match event {
        WebhookEvent::RecordingCompleted(e)
            if e.recording.host_id.as_deref() == Some(connection.zoom_user_id.as_str()) =>
        {
            let meeting = match e.recording.id {
                Some(zoom_id) => app.db.meeting_by_zoom_id(host_id, zoom_id).await.map_err(anyhow::Error::from)?,
                None => None,
            };
            if let Some(meeting) = meeting {
                let files: Vec<_> =
                    e.recording.recording_files.iter().filter_map(|f| file_view(f, &e.recording.uuid)).collect();
                let seen = webhook_events::RecordingsSeen::Notified;
                webhook_events::recordings_seen(app, &meeting, &e.recording.uuid, &files, seen).await?;
            }
        }
        WebhookEvent::MeetingDeleted(e) => {
            if let Some(m) = app.db.meeting_by_zoom_id(host_id, e.meeting.id).await.map_err(anyhow::Error::from)? {
                deleted_in_zoom(app, &m).await?;
            }
        }
        WebhookEvent::MeetingUpdated(e) => {
            if let Some(m) = app.db.meeting_by_zoom_id(host_id, e.meeting.id).await.map_err(anyhow::Error::from)? {
                let start = e.meeting.start_time.map(|t| t.as_millisecond()).unwrap_or(m.start_at);
                let duration_ms = e.meeting.duration.map(|d| d * 60_000).unwrap_or(m.end_at - m.start_at);
                let topic = e.meeting.topic.clone().unwrap_or_else(|| m.topic.clone());
                // The echo of Prospo's own update carries what Prospo already has.
                if start != m.start_at || start + duration_ms != m.end_at || topic != m.topic {
                    changed_in_zoom(app, &m, start, start + duration_ms, &topic).await?;
                }
            }
        }
        _ => {}
    }
    Ok(WebhookAnswer::Handled)
}

/// Zoom says the meeting is gone although Prospo did not delete it: marked so, the host told, and
/// never created again. The echo of Prospo's own delete is refused by the lifecycle.
async fn deleted_in_zoom(app: &App, meeting: &MeetingRow) -> anyhow::Result<()> {
    let problem = ZoomProblem {
        code: ZoomProblemCode::DeletedInZoom,
        message: "The Zoom meeting was deleted in Zoom.".to_owned(),
    };
    let alert = meeting_alert(app, meeting, &problem).await?;
    let now = app.now_ms();
    let mut tx = app.db.begin().await?;
    match tx.change_meeting(&meeting.id, &Event::DeletedInZoom, Details::Nothing, ZoomJob::DueNow, now).await {
        Ok(changed) => {
            if changed.before.zoom.problem.map(|p| p.code) != Some(ZoomProblemCode::DeletedInZoom) {
                tx.enqueue_mails(alert.as_slice(), now).await?;
            }
            tx.commit().await?;
            app.wake(Queue::Mail);
            tracing::warn!(meeting_id = %meeting.id, "zoom meeting deleted in zoom");
        }
        Err(ChangeError::Refused(_) | ChangeError::Gone) => {}
        Err(ChangeError::Store(e)) => return Err(e.into()),
    }
    Ok(())
}

/// A change made in Zoom itself: Prospo's record (and its reminders) follows it, and its mails tell
/// the invitees and the host. Refused while Prospo has a change of its own on the way (it wins).
async fn changed_in_zoom(
    app: &App,
    meeting: &MeetingRow,
    start_at: i64,
    end_at: i64,
    topic: &str,
) -> anyhow::Result<()> {
    let change = Change { event: MeetingEvent::Rescheduled, start_at, end_at, topic, cancel_reason: None };
    let mails = change_mails(app, meeting, change).await?;
    let now = app.now_ms();
    let mut tx = app.db.begin().await?;
    let details = Details::Times { start_at, end_at, topic };
    match tx.change_meeting(&meeting.id, &Event::ChangedInZoom, details, ZoomJob::DueNow, now).await {
        Ok(changed) => {
            tx.move_reminders(&meeting.id, start_at, now).await?;
            // The mails were written for the meeting as read; a change in between speaks for itself.
            if changed.before.sequence == meeting.sequence {
                tx.enqueue_meeting_mails(meeting.mails_of(Cause::Other), &mails, now).await?;
            }
            webhook_events::emit(app, &mut tx, EventType::BookingRescheduled, &changed.after, now).await?;
            tx.commit().await?;
            app.wake(Queue::Mail);
            app.wake(Queue::Webhook);
            tracing::info!(meeting_id = %meeting.id, "meeting changed in zoom; prospo follows");
        }
        Err(ChangeError::Refused(_) | ChangeError::Gone) => {}
        Err(ChangeError::Store(e)) => return Err(e.into()),
    }
    Ok(())
}

/// The event's name, as recorded with the delivery.
fn event_name(event: &WebhookEvent) -> &str {
    match event {
        WebhookEvent::MeetingCreated(_) => "meeting.created",
        WebhookEvent::MeetingUpdated(_) => "meeting.updated",
        WebhookEvent::MeetingDeleted(_) => "meeting.deleted",
        WebhookEvent::RecordingCompleted(_) => "recording.completed",
        WebhookEvent::UrlValidation { .. } => "endpoint.url_validation",
        WebhookEvent::Other { event, .. } => event.as_str(),
    }
}
