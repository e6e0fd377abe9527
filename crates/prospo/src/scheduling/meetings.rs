//! MEETING as the API answers it and the pages show it.

use serde::Serialize;
use utoipa::ToSchema;

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
