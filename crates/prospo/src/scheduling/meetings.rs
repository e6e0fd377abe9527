//! MEETING as the API answers it and the pages show it.

use secrecy::ExposeSecret;
use serde::Serialize;
use utoipa::ToSchema;

use crate::integrations::zoom::ZoomIntegration;
use crate::store::meetings::{InviteeRow, MeetingRow};
use crate::store::{Db, StoreError};
use crate::timefmt::rfc3339_ms;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingView {
    pub id: String,
    pub topic: String,
    /// UTC, `Z`.
    pub start: String,
    /// UTC, `Z`.
    pub end: String,
    pub timezone: String,
    /// `scheduled` or `cancelled`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type_id: Option<String>,
    /// `zoom`, `phone`, `in_person` or `link`.
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_detail: Option<String>,
    pub invitees: Vec<InviteeView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// `null` when the meeting is not a Zoom meeting.
    pub zoom: Option<ZoomView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InviteeView {
    pub name: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZoomView {
    /// `pending`, `created`, `failed` or `deleted`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passcode: Option<String>,
    /// `create`, `update` or `delete`: what still has to reach Zoom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_change: Option<String>,
    /// Held by Zoom's daily limit until then (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ZoomErrorView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZoomErrorView {
    pub code: String,
    pub message: String,
}

impl MeetingView {
    pub fn of(row: &MeetingRow, invitees: &[InviteeRow]) -> MeetingView {
        let zoom = (row.zoom_status != "none").then(|| ZoomView {
            status: row.zoom_status.clone(),
            meeting_id: row.zoom_meeting_id,
            // A deleted Zoom meeting's link no longer works: never show it.
            join_url: (row.zoom_status != "deleted").then(|| row.zoom_join_url.clone()).flatten(),
            passcode: (row.zoom_status != "deleted").then(|| row.zoom_passcode.clone()).flatten(),
            pending_change: row.zoom_pending_change.clone(),
            held_until: row.zoom_held_until.map(rfc3339_ms),
            error: row
                .zoom_error_code
                .clone()
                .map(|code| ZoomErrorView { code, message: row.zoom_error_message.clone().unwrap_or_default() }),
        });
        MeetingView {
            id: row.id.clone(),
            topic: row.topic.clone(),
            start: rfc3339_ms(row.start_at),
            end: rfc3339_ms(row.end_at),
            timezone: row.timezone.clone(),
            status: row.status.clone(),
            event_type_id: row.event_type_id.clone(),
            location: row.location.clone(),
            location_detail: row.location_detail.clone(),
            invitees: invitees
                .iter()
                .map(|i| InviteeView { name: i.name.clone(), email: i.email.clone(), timezone: i.timezone.clone() })
                .collect(),
            notes: row.notes.clone(),
            zoom,
        }
    }

    pub async fn load(db: &Db, row: &MeetingRow) -> Result<MeetingView, StoreError> {
        let invitees = db.invitees_of(&row.id).await?;
        Ok(MeetingView::of(row, &invitees))
    }
}

/// The Zoom meeting as Zoom answers it now (never the start link).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZoomLive {
    pub status: Option<String>,
    pub topic: Option<String>,
    pub start_time: Option<String>,
    pub duration: Option<i64>,
    pub timezone: Option<String>,
    pub join_url: Option<String>,
    pub passcode: Option<String>,
    pub dial_in: Vec<DialIn>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DialIn {
    pub country: Option<String>,
    pub city: Option<String>,
    pub number: Option<String>,
}

/// Why Zoom could not be asked about a meeting.
#[derive(Debug, thiserror::Error)]
pub enum LiveZoomError {
    #[error("Zoom is not connected. Connect it under Settings → Integrations.")]
    NotConnected,
    #[error("This meeting has no Zoom meeting to start yet.")]
    NotReady,
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads the meeting from Zoom with the host's connection; `None` until the Zoom meeting exists.
async fn zoom_meeting(
    db: &Db,
    zoom: &ZoomIntegration,
    row: &MeetingRow,
) -> Result<Option<zoom::Meeting>, LiveZoomError> {
    let (Some(zoom_id), "created") = (row.zoom_meeting_id, row.zoom_status.as_str()) else { return Ok(None) };
    let connection = db.zoom_connection_of(&row.host_id).await?.ok_or(LiveZoomError::NotConnected)?;
    let creds = zoom.credentials(&connection).map_err(|_| LiveZoomError::NotConnected)?;
    let live = zoom
        .client
        .get_meeting(&creds, zoom_id)
        .await
        .map_err(|e| LiveZoomError::Unavailable(format!("Zoom did not answer: {e}")))?;
    Ok(Some(live))
}

/// The live Zoom meeting behind `row`, for the host's details (API and page).
pub async fn live_zoom_meeting(
    db: &Db,
    zoom: &ZoomIntegration,
    row: &MeetingRow,
) -> Result<Option<ZoomLive>, LiveZoomError> {
    let Some(live) = zoom_meeting(db, zoom, row).await? else { return Ok(None) };
    let dial_in = live
        .settings
        .as_ref()
        .and_then(|s| s.global_dial_in_numbers.as_ref())
        .map(|numbers| {
            numbers
                .iter()
                .map(|n| DialIn { country: n.country.clone(), city: n.city.clone(), number: n.number.clone() })
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(ZoomLive {
        status: live.status,
        topic: live.topic,
        start_time: live.start_time.map(|t| t.to_string()),
        duration: live.duration,
        timezone: live.timezone,
        join_url: live.join_url,
        passcode: live.password,
        dial_in,
    }))
}

/// A fresh start link for the host (it carries the host's key and expires after two hours, so it is
/// fetched on demand and never stored).
pub async fn start_link(db: &Db, zoom: &ZoomIntegration, row: &MeetingRow) -> Result<String, LiveZoomError> {
    if row.status != "scheduled" {
        return Err(LiveZoomError::NotReady);
    }
    let live = zoom_meeting(db, zoom, row).await.map_err(|e| match e {
        LiveZoomError::Unavailable(_) => LiveZoomError::Unavailable("Zoom did not answer. Please try again.".into()),
        e => e,
    })?;
    let live = live.ok_or(LiveZoomError::NotReady)?;
    let start_url = live
        .start_url
        .ok_or_else(|| LiveZoomError::Unavailable("Zoom gave no start link. Please try again.".into()))?;
    Ok(start_url.expose_secret().to_owned())
}

/// Retries a failed (or held) Zoom create or change now; nothing to do otherwise.
pub async fn retry_zoom(db: &Db, zoom: &ZoomIntegration, row: &MeetingRow) -> Result<(), StoreError> {
    if row.zoom_status != "none" && (row.zoom_pending_change.is_some() || row.zoom_status == "failed") {
        db.retry_zoom_work(&row.id).await?;
        zoom.wake_worker();
    }
    Ok(())
}
