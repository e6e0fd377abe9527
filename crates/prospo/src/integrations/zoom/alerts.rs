//! Recording Zoom trouble together with the host's alert mail (see [`crate::notifications::host_alerts`]).

use super::ZoomIntegration;
use crate::notifications::host_alerts::{self, AlertMeeting};
use crate::notifications::meeting_mails::Party;
use crate::scheduling::booking::host_party;
use crate::store::meetings::MeetingRow;
use crate::store::outbox::OutgoingMail;
use crate::store::zoom_jobs::ZoomOutcome;

impl ZoomIntegration {
    /// Records a meeting's Zoom outcome; a failure or a deletion in Zoom alerts the host, unless the
    /// failure comes from the host's own disconnect.
    pub async fn record_outcome(&self, meeting: &MeetingRow, outcome: ZoomOutcome<'_>) -> anyhow::Result<()> {
        let about = || AlertMeeting {
            id: &meeting.id,
            topic: &meeting.topic,
            start_at: meeting.start_at,
            end_at: meeting.end_at,
        };
        let alert = match &outcome {
            ZoomOutcome::Failed { code, message } if *code != "zoom_disconnected" => {
                let host = self.alerted_host(&meeting.host_id).await?;
                Some(host_alerts::zoom_work_failed(&self.notices, &host, &about(), message))
            }
            ZoomOutcome::DeletedInZoom => {
                let host = self.alerted_host(&meeting.host_id).await?;
                Some(host_alerts::deleted_in_zoom(&self.notices, &host, &about()))
            }
            _ => None,
        };
        self.db.record_zoom_outcome(&meeting.id, outcome, alert.as_ref()).await?;
        if alert.is_some() {
            self.notices.wake_sender();
        }
        Ok(())
    }

    /// The alert for a connection that needs attention (queued only if it was connected until now).
    pub(super) async fn connection_alert(&self, user_id: &str, problem: &str) -> anyhow::Result<OutgoingMail> {
        let host = self.alerted_host(user_id).await?;
        Ok(host_alerts::connection_needs_attention(&self.notices, &host, problem))
    }

    async fn alerted_host(&self, host_id: &str) -> anyhow::Result<Party> {
        host_party(&self.db, host_id).await.map_err(|e| anyhow::anyhow!(e))
    }
}
