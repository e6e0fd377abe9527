//! The deliveries a change causes, written in the change's transaction: one per active endpoint of
//! the host subscribed to the event, all with one event id and one body.

use serde::Serialize;

use crate::app::App;
use crate::integrations::zoom::recordings::FileView;
use crate::jobs::Queue;
use crate::notifications::meeting_mails::manage_token_of;
use crate::scheduling::meetings::{HostView, MeetingView};
use crate::store::meetings::MeetingRow;
use crate::store::outgoing_webhooks::EventType;
use crate::store::{StoreResult, Tx};
use crate::timefmt::rfc3339_ms;

/// The body every endpoint receives (version 1 of the payload: fields are only ever added).
#[derive(Serialize)]
struct Payload<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    created_at: String,
    data: Data,
}

#[derive(Serialize)]
struct Data {
    /// MEETING as the API shows it to the host (it never holds a start link or a secret).
    meeting: MeetingView,
    /// The invitee's manage link, for `booking.*` of a booked meeting.
    #[serde(skip_serializing_if = "Option::is_none")]
    manage_url: Option<String>,
}

/// Queues `event` about `meeting` (as written in `tx`) for the host's endpoints. Returns whether
/// any delivery was written (the caller wakes the queue after its commit).
pub async fn emit(app: &App, tx: &mut Tx, event: EventType, meeting: &MeetingRow, now: i64) -> StoreResult<bool> {
    let endpoints = tx.webhook_endpoints_for(&meeting.host_id, event).await?;
    if endpoints.is_empty() {
        return Ok(false);
    }
    let invitees = tx.invitees_for_webhook(&meeting.id).await?;
    let manage_url =
        if event.is_booking() { manage_token_of(&app.secrets, meeting).map(|t| app.manage_url(&t)) } else { None };
    let mut view = MeetingView::of(meeting, &invitees);
    // As `MeetingView::load` shows a team meeting: its attending members, its host first.
    let hosts = tx.meeting_hosts_for_webhook(&meeting.id).await?;
    view.hosts =
        (!hosts.is_empty()).then(|| hosts.into_iter().map(|(user_id, name)| HostView { user_id, name }).collect());
    let event_id = crate::store::new_id();
    let payload = Payload {
        id: &event_id,
        kind: event.as_str(),
        created_at: rfc3339_ms(now),
        data: Data { meeting: view, manage_url },
    };
    let body = serde_json::to_string(&payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    for endpoint in &endpoints {
        tx.insert_webhook_delivery(endpoint, event, &event_id, &body, now).await?;
    }
    Ok(true)
}

/// How Prospo learnt of a meeting's recording files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingsSeen {
    /// Zoom's `recording.completed`: the set is complete, whatever a late file (a transcript,
    /// which Zoom announces on its own) says.
    Notified,
    /// Read from Zoom (on demand, in a listing, by the periodic check): complete once every file is.
    Read,
}

/// Keeps what Prospo learnt of a meeting's recording files and, when the set `uuid` is complete
/// for the first time, queues `recording.ready` in the same transaction: once per set, whichever
/// way Prospo heard of it.
pub async fn recordings_seen(
    app: &App,
    meeting: &MeetingRow,
    uuid: &str,
    files: &[FileView],
    seen: RecordingsSeen,
) -> anyhow::Result<()> {
    let all_done = files.iter().all(|f| f.status == "completed");
    let complete = !files.is_empty() && (seen == RecordingsSeen::Notified || all_done);
    let json = serde_json::to_string(files)?;
    let now = app.now_ms();
    let mut tx = app.db.begin().await?;
    let ready = tx.keep_meeting_recordings(&meeting.id, &json, complete.then_some(uuid), now).await?;
    let emitted = ready && emit(app, &mut tx, EventType::RecordingReady, meeting, now).await?;
    tx.commit().await?;
    if emitted {
        app.wake(Queue::Webhook);
    }
    Ok(())
}
