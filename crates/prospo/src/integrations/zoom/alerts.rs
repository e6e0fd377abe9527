//! The host's alert mails about Zoom trouble (see [`crate::notifications::host_alerts`]), composed
//! for the transaction that records the trouble; the store queues each only when it is new.

use crate::app::App;
use crate::domain::lifecycle::{ZoomProblem, ZoomProblemCode};
use crate::notifications::host_alerts::{self, AlertMeeting};
use crate::notifications::meeting_mails::host_party;
use crate::store::meetings::MeetingRow;
use crate::store::outbox::OutgoingMail;

/// The alert for a connection that needs attention (queued only if it was connected until now).
pub(super) async fn connection_alert(app: &App, user_id: &str, problem: &str) -> anyhow::Result<OutgoingMail> {
    let host = host_party(&app.db, user_id).await?;
    Ok(host_alerts::connection_needs_attention(&app.mail, &host, problem))
}

/// The alert a meeting's new Zoom problem deserves: its work failed (but not by the host's own
/// disconnect), or its Zoom meeting was deleted in Zoom. Waits are not alerts.
pub(super) async fn meeting_alert(
    app: &App,
    meeting: &MeetingRow,
    problem: &ZoomProblem,
) -> anyhow::Result<Option<OutgoingMail>> {
    let about =
        AlertMeeting { id: &meeting.id, topic: &meeting.topic, start_at: meeting.start_at, end_at: meeting.end_at };
    Ok(match problem.code {
        ZoomProblemCode::ZoomDisconnected => None,
        ZoomProblemCode::DeletedInZoom => {
            let host = host_party(&app.db, &meeting.host_id).await?;
            Some(host_alerts::deleted_in_zoom(&app.mail, &host, &about))
        }
        code if code.stops_work() => {
            let host = host_party(&app.db, &meeting.host_id).await?;
            Some(host_alerts::zoom_work_failed(&app.mail, &host, &about, &problem.message))
        }
        _ => None,
    })
}
