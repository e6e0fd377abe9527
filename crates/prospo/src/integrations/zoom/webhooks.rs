//! Zoom event notifications for one connection: verified over the raw bytes, deduplicated, and
//! applied to Prospo's meetings. Handling is a few database writes, well within Zoom's 3 seconds.

use jiff::{SignedDuration, Timestamp};
use zoom::webhook::{self, UrlValidationResponse, WebhookEvent};

use super::ZoomIntegration;
use crate::notifications::meeting_mails::MeetingEvent;
use crate::recordings::file_view;
use crate::scheduling::booking::{Change, change_mails};
use crate::store::zoom_jobs::ZoomOutcome;

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
    pub request_id: Option<&'a str>,
    pub body: &'a [u8],
}

impl ZoomIntegration {
    pub async fn receive_webhook(&self, delivery: Delivery<'_>) -> Result<WebhookAnswer, WebhookRefusal> {
        let connection = self.db.zoom_connection(delivery.connection_id).await.map_err(anyhow::Error::from)?;
        let connection = connection.ok_or(WebhookRefusal::UnknownConnection)?;
        let secret = match self.webhook_secret(&connection) {
            Some(Ok(secret)) => secret,
            Some(Err(_)) | None => return Err(WebhookRefusal::NoSecret),
        };
        webhook::verify_signature(
            &secret,
            delivery.timestamp,
            delivery.signature,
            delivery.body,
            Timestamp::now(),
            TOLERANCE,
        )
        .map_err(WebhookRefusal::Unverified)?;
        let event = webhook::parse_event(delivery.body).map_err(|_| WebhookRefusal::BadBody)?;
        if let WebhookEvent::UrlValidation { plain_token } = &event {
            return Ok(WebhookAnswer::Validation(webhook::url_validation_response(&secret, plain_token)));
        }
        let (name, object, event_ts) = describe(&event);
        let dedup_key = match delivery.request_id.filter(|id| !id.is_empty()) {
            Some(id) => format!("request:{id}"),
            None => format!("{name}:{object}:{}", event_ts.unwrap_or_default()),
        };
        if !self.db.first_webhook_delivery(&connection.id, &dedup_key, name).await.map_err(anyhow::Error::from)? {
            return Ok(WebhookAnswer::Duplicate);
        }
        let host_id = &connection.user_id;
        match event {
            WebhookEvent::RecordingCompleted(e)
                if e.recording.host_id.as_deref() == Some(connection.zoom_user_id.as_str()) =>
            {
                let meeting = match e.recording.id {
                    Some(zoom_id) => self.db.meeting_by_zoom_id(host_id, zoom_id).await.map_err(anyhow::Error::from)?,
                    None => None,
                };
                if let Some(meeting_id) = meeting {
                    let files: Vec<_> =
                        e.recording.recording_files.iter().filter_map(|f| file_view(f, &e.recording.uuid)).collect();
                    let json = serde_json::to_string(&files).map_err(anyhow::Error::from)?;
                    self.db.set_meeting_recordings(&meeting_id, &json).await.map_err(anyhow::Error::from)?;
                }
            }
            WebhookEvent::MeetingDeleted(e) => {
                let Some(meeting_id) =
                    self.db.meeting_by_zoom_id(host_id, e.meeting.id).await.map_err(anyhow::Error::from)?
                else {
                    return Ok(WebhookAnswer::Handled);
                };
                let meeting = self.db.meeting(&meeting_id).await.map_err(anyhow::Error::from)?;
                // Our own delete's echo: the meeting is cancelled, or its delete is pending or done.
                if let Some(m) = meeting.filter(|m| {
                    m.status == "scheduled" && m.zoom_status == "created" && m.zoom_pending_change.is_none()
                }) {
                    self.record_outcome(&m, ZoomOutcome::DeletedInZoom).await?;
                    tracing::warn!(meeting_id = %m.id, "zoom meeting deleted in zoom");
                }
            }
            WebhookEvent::MeetingUpdated(e) => {
                let Some(meeting_id) =
                    self.db.meeting_by_zoom_id(host_id, e.meeting.id).await.map_err(anyhow::Error::from)?
                else {
                    return Ok(WebhookAnswer::Handled);
                };
                let Some(m) = self.db.meeting(&meeting_id).await.map_err(anyhow::Error::from)? else {
                    return Ok(WebhookAnswer::Handled);
                };
                if m.zoom_pending_change.is_some() || m.status != "scheduled" {
                    // Prospo has a change of its own on the way; it wins.
                    return Ok(WebhookAnswer::Handled);
                }
                let start = e.meeting.start_time.map(|t| t.as_millisecond()).unwrap_or(m.start_at);
                let duration_ms = e.meeting.duration.map(|d| d * 60_000).unwrap_or(m.end_at - m.start_at);
                let topic = e.meeting.topic.clone().unwrap_or_else(|| m.topic.clone());
                // The echo of Prospo's own update carries what Prospo already has.
                if start != m.start_at || start + duration_ms != m.end_at || topic != m.topic {
                    let (start_at, end_at) = (start, start + duration_ms);
                    let change = Change {
                        event: MeetingEvent::Rescheduled,
                        start_at,
                        end_at,
                        topic: &topic,
                        cancel_reason: None,
                    };
                    let mails = change_mails(self, &m, change).await.map_err(|e| anyhow::anyhow!(e))?;
                    self.db
                        .follow_zoom_change(&m.id, start_at, end_at, &topic, &mails)
                        .await
                        .map_err(anyhow::Error::from)?;
                    self.notices.wake_sender();
                    tracing::info!(meeting_id = %m.id, "meeting changed in zoom; prospo follows");
                }
            }
            _ => {}
        }
        Ok(WebhookAnswer::Handled)
    }
}

/// (event name, object id, event_ts) for deduplication without a request id.
fn describe(event: &WebhookEvent) -> (&str, String, Option<i64>) {
    match event {
        WebhookEvent::MeetingCreated(e) => ("meeting.created", e.meeting.id.to_string(), e.event_ts),
        WebhookEvent::MeetingUpdated(e) => ("meeting.updated", e.meeting.id.to_string(), e.event_ts),
        WebhookEvent::MeetingDeleted(e) => ("meeting.deleted", e.meeting.id.to_string(), e.event_ts),
        WebhookEvent::RecordingCompleted(e) => ("recording.completed", e.recording.uuid.clone(), e.event_ts),
        WebhookEvent::UrlValidation { .. } => ("endpoint.url_validation", String::new(), None),
        WebhookEvent::Other { event, event_ts, .. } => (event.as_str(), String::new(), *event_ts),
    }
}
