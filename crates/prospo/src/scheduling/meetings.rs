//! MEETING as the API answers it and the pages show it.

use secrecy::ExposeSecret;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::domain::lifecycle::{
    CalendarStatus, Event, MeetingStatus, PendingChange, Refused, ZoomProblemCode, ZoomStatus,
};
use crate::domain::questions::Answer;
use crate::integrations::zoom::auth;
use crate::jobs::Queue;
use crate::store::meetings::{ChangeError, Details, InviteeRow, MeetingList, MeetingRow};
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
    #[schema(value_type = String, example = "scheduled")]
    pub status: MeetingStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type_id: Option<String>,
    /// `zoom`, `phone`, `in_person` or `link`.
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_detail: Option<String>,
    pub invitees: Vec<InviteeView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// For a booking whose event type asked questions: the answers, in the questions' order, with
    /// each question's label as it read when booked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<Answer>,
    /// Why it was cancelled, when whoever cancelled said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    /// `null` when the meeting is not a Zoom meeting.
    pub zoom: Option<ZoomView>,
    /// The invitations wait until the host confirms their email address.
    pub invitations_held: bool,
    /// The write-back into the host's "add bookings" calendar.
    pub calendar: CalendarView,
    /// A team booking's attending members, its host (whose Zoom account holds it) first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<HostView>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HostView {
    pub user_id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarView {
    /// `none`, `pending`, `written` or `failed`.
    #[schema(value_type = String, example = "written")]
    pub status: CalendarStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InviteeView {
    pub name: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The language they booked in (`en`, `de`, `fr`, `es`, `pt`): their pages and mails use it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl InviteeView {
    /// `Grace Hopper <grace@example.com>`, or the address alone when it is also the name.
    pub fn display(&self) -> String {
        if self.name.trim().is_empty() || self.name.eq_ignore_ascii_case(&self.email) {
            self.email.clone()
        } else {
            format!("{} <{}>", self.name, self.email)
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZoomView {
    #[schema(value_type = String, example = "created")]
    pub status: ZoomStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passcode: Option<String>,
    /// `create`, `update` or `delete`: what still has to reach Zoom.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub pending_change: Option<PendingChange>,
    /// Held by Zoom's daily limit until then (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ZoomErrorView>,
}

impl ZoomView {
    /// Zoom is creating the meeting now (nothing stops or holds it).
    pub fn is_being_created(&self) -> bool {
        self.status == ZoomStatus::Pending && self.error.is_none()
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ZoomErrorView {
    #[schema(value_type = String)]
    pub code: ZoomProblemCode,
    pub message: String,
}

impl MeetingView {
    pub fn of(row: &MeetingRow, invitees: &[InviteeRow]) -> MeetingView {
        let live = row.zoom_status != ZoomStatus::Deleted;
        let zoom = (row.zoom_status != ZoomStatus::None).then(|| ZoomView {
            status: row.zoom_status,
            meeting_id: row.zoom_meeting_id,
            // A deleted Zoom meeting's link no longer works: never show it.
            join_url: row.zoom_join_url.clone().filter(|_| live),
            passcode: row.zoom_passcode.clone().filter(|_| live),
            pending_change: row.zoom_pending_change,
            held_until: row.zoom_held_until.map(rfc3339_ms),
            error: row
                .zoom_error_code
                .map(|code| ZoomErrorView { code, message: row.zoom_error_message.clone().unwrap_or_default() }),
        });
        MeetingView {
            id: row.id.clone(),
            topic: row.topic.clone(),
            start: rfc3339_ms(row.start_at),
            end: rfc3339_ms(row.end_at),
            timezone: row.timezone.clone(),
            status: row.status,
            event_type_id: row.event_type_id.clone(),
            location: row.location.clone(),
            location_detail: row.location_detail.clone(),
            invitees: invitees
                .iter()
                .map(|i| InviteeView {
                    name: i.name.clone(),
                    email: i.email.clone(),
                    timezone: i.timezone.clone(),
                    locale: i.locale.clone(),
                })
                .collect(),
            notes: row.notes.clone(),
            answers: row.answers.0.clone(),
            cancel_reason: row.cancel_reason.clone(),
            zoom,
            invitations_held: row.invitations_held,
            calendar: CalendarView { status: row.calendar_status, error: None },
            hosts: None,
        }
    }

    pub async fn load(db: &Db, row: &MeetingRow) -> Result<MeetingView, StoreError> {
        let invitees = db.invitees_of(&row.id).await?;
        let mut view = MeetingView::of(row, &invitees);
        if row.event_type_id.is_some() {
            let hosts = db.team_meetings_hosts(std::slice::from_ref(&row.id)).await?;
            view.hosts = (!hosts.is_empty())
                .then(|| hosts.into_iter().map(|(_, user_id, name)| HostView { user_id, name }).collect());
        }
        if row.calendar_status != CalendarStatus::None {
            view.calendar.error = db.calendar_write(&row.id, &row.host_id).await?.and_then(|w| w.error);
        }
        Ok(view)
    }

    /// The meeting as its invitee may see it: the Zoom side's state, but not the host-side error
    /// text (it can name the host's Zoom app, scopes or account).
    pub fn for_invitee(mut self) -> MeetingView {
        if let Some(zoom) = &mut self.zoom {
            zoom.error = None;
        }
        self.calendar.error = None;
        self
    }

    /// One list of a host's meetings with their invitees: two queries, whatever the count.
    pub async fn list(
        db: &Db,
        host_id: &str,
        list: MeetingList,
        now: i64,
    ) -> Result<Vec<(MeetingRow, MeetingView)>, StoreError> {
        let rows = db.meetings_of(host_id, list, now).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut invitees: std::collections::HashMap<String, Vec<InviteeRow>> = std::collections::HashMap::new();
        for invitee in db.invitees_of_meetings(&ids).await? {
            invitees.entry(invitee.meeting_id.clone()).or_default().push(invitee);
        }
        let mut hosts: std::collections::HashMap<String, Vec<HostView>> = std::collections::HashMap::new();
        for (meeting_id, user_id, name) in db.team_meetings_hosts(&ids).await? {
            hosts.entry(meeting_id).or_default().push(HostView { user_id, name });
        }
        Ok(rows
            .into_iter()
            .map(|row| {
                let mut view = MeetingView::of(&row, invitees.get(&row.id).map(Vec::as_slice).unwrap_or_default());
                view.hosts = hosts.remove(&row.id);
                (row, view)
            })
            .collect())
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
async fn zoom_meeting(app: &App, row: &MeetingRow) -> Result<Option<zoom::Meeting>, LiveZoomError> {
    let (Some(zoom_id), ZoomStatus::Created) = (row.zoom_meeting_id, row.zoom_status) else { return Ok(None) };
    let connection = app.db.zoom_connection_of(&row.host_id).await?.ok_or(LiveZoomError::NotConnected)?;
    let auth = auth(app, &connection).map_err(|_| LiveZoomError::NotConnected)?;
    let live = app
        .zoom
        .client
        .get_meeting(&auth, zoom_id)
        .await
        .map_err(|e| LiveZoomError::Unavailable(format!("Zoom did not answer: {e}")))?;
    Ok(Some(live))
}

/// The live Zoom meeting behind `row`, for the host's details (API and page).
pub async fn live_zoom_meeting(app: &App, row: &MeetingRow) -> Result<Option<ZoomLive>, LiveZoomError> {
    let Some(live) = zoom_meeting(app, row).await? else { return Ok(None) };
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
pub async fn start_link(app: &App, row: &MeetingRow) -> Result<String, LiveZoomError> {
    if !row.is_scheduled() {
        return Err(LiveZoomError::NotReady);
    }
    let live = zoom_meeting(app, row).await.map_err(|e| match e {
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
pub async fn retry_zoom(app: &App, row: &MeetingRow) -> Result<(), StoreError> {
    match app.db.change_meeting(&row.id, &Event::Retry, Details::Nothing, app.now_ms()).await {
        Ok(_) => app.wake(Queue::Zoom),
        Err(ChangeError::Refused(Refused::NothingToRetry) | ChangeError::Gone) => {}
        Err(ChangeError::Refused(refused)) => tracing::info!(meeting_id = %row.id, %refused, "nothing to retry"),
        Err(ChangeError::Store(e)) => return Err(e),
    }
    Ok(())
}
