//! The Zoom worker: brings each meeting's Zoom meeting in line with Prospo's record (create, update
//! with the same join link, delete), durably and at most once per booking.
//!
//! A job is claimed (each by one worker across instances), run, and finished: the job row goes
//! away when nothing is pending, or is re-armed with a backoff. A create is marked as sent before
//! Zoom is called; if its answer is lost, the next run lists the host's meetings and adopts the one
//! carrying the meeting's reference instead of creating a second one.

use std::time::Duration;

use jiff::Timestamp;
use rand::Rng;
use zoom::{
    Credentials, DeleteOptions, ListMeetingsType, MeetingSettings, MeetingUpdate, NewMeeting, RequiredScope, Scopes,
    ZoomError,
};

use super::{ConnectProblem, ZoomIntegration};
use crate::notifications::meeting_mails::MeetingEvent;
use crate::scheduling::booking::{Change, change_mails};
use crate::store::meetings::MeetingRow;
use crate::store::now_ms;
use crate::store::zoom_connections::ZoomConnectionRow;
use crate::store::zoom_jobs::{CreatedZoomMeeting, ZoomOutcome};

/// Zoom's per-user cap on meeting creates and updates per UTC day.
pub const DAILY_WRITE_CAP: i64 = 100;
/// From this many writes in a day the host is warned.
pub const DAILY_WRITE_WARNING: i64 = 80;
/// A claimed job not finished by then may be taken by another worker.
const CLAIM_MS: i64 = 60_000;
/// Work held for a connection that needs attention is looked at again this often.
const ATTENTION_RECHECK_MS: i64 = 60_000;

/// What a run decided about its job.
enum Next {
    /// Done, or re-run at once if another change arrived meanwhile.
    Finished,
    /// Try again at this time; `failed` counts towards the backoff.
    RetryAt { at: i64, failed: bool },
    /// Failed for good until the host clicks Retry.
    GiveUp,
}

impl ZoomIntegration {
    /// Runs due Zoom jobs until the task is dropped.
    pub async fn run_zoom_worker(self, poll: Duration) {
        loop {
            match self.db.claim_zoom_jobs(16, CLAIM_MS).await {
                Ok(ids) if !ids.is_empty() => {
                    let runs = ids.into_iter().map(|id| {
                        let worker = self.clone();
                        async move { worker.run_job(&id).await }
                    });
                    futures::future::join_all(runs).await;
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "cannot claim zoom jobs"),
            }
            tokio::select! {
                () = tokio::time::sleep(poll) => {}
                () = self.wake_jobs.notified() => {}
            }
        }
    }

    /// Wakes the worker: new Zoom work was queued.
    pub fn wake_worker(&self) {
        self.wake_jobs.notify_one();
    }

    async fn run_job(&self, meeting_id: &str) {
        let next = match self.step(meeting_id).await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = ?e, meeting_id, "zoom job failed to run");
                Next::RetryAt { at: now_ms() + 30_000, failed: true }
            }
        };
        let finished = match next {
            Next::Finished => self.db.finish_zoom_job(meeting_id, now_ms(), false).await,
            Next::RetryAt { at, failed } => self.db.finish_zoom_job(meeting_id, at, failed).await,
            Next::GiveUp => self.db.drop_zoom_job(meeting_id).await,
        };
        if let Err(e) = finished {
            tracing::error!(error = ?e, meeting_id, "cannot record the end of a zoom job");
        }
    }

    async fn step(&self, meeting_id: &str) -> anyhow::Result<Next> {
        let Some(meeting) = self.db.meeting(meeting_id).await? else { return Ok(Next::Finished) };
        let Some(change) = meeting.zoom_pending_change.clone() else { return Ok(Next::Finished) };
        let Some(connection) = self.db.zoom_connection_of(&meeting.host_id).await? else {
            let message = "Zoom was disconnected before this change reached Zoom. Connect Zoom again, then Retry.";
            self.record_outcome(&meeting, ZoomOutcome::Failed { code: "zoom_disconnected", message }).await?;
            return Ok(Next::GiveUp);
        };
        if connection.status == "needs_attention" {
            let reason =
                ("connection_needs_attention", "Waiting for Zoom to be reconnected in Settings → Integrations.");
            self.db.record_zoom_wait(meeting_id, None, Some(reason)).await?;
            return Ok(Next::RetryAt { at: now_ms() + ATTENTION_RECHECK_MS, failed: false });
        }
        let creds = match self.credentials(&connection) {
            Ok(creds) => creds,
            Err(_) => {
                self.check_soon(&connection.id).await;
                return Ok(Next::RetryAt { at: now_ms() + ATTENTION_RECHECK_MS, failed: false });
            }
        };
        let job = Job { integration: self, meeting: &meeting, connection: &connection, creds: &creds };
        match change.as_str() {
            "create" => job.create().await,
            "update" => job.update().await,
            _ => job.delete().await,
        }
    }
}

struct Job<'a> {
    integration: &'a ZoomIntegration,
    meeting: &'a MeetingRow,
    connection: &'a ZoomConnectionRow,
    creds: &'a Credentials,
}

impl Job<'_> {
    async fn create(&self) -> anyhow::Result<Next> {
        let db = &self.integration.db;
        if self.meeting.zoom_create_unconfirmed {
            match self.find_our_meeting().await {
                Ok(Some(found)) => return self.adopt(found).await,
                Ok(None) => {} // Zoom never made it: creating is safe.
                Err(FindError::NoListScope) => {
                    let message = "Zoom did not confirm that the meeting was created, and this Zoom app cannot list \
                                   meetings (scope meeting:read:list_meetings) to check. Look in Zoom, then Retry.";
                    self.integration
                        .record_outcome(self.meeting, ZoomOutcome::Failed { code: "zoom_unconfirmed", message })
                        .await?;
                    return Ok(Next::GiveUp);
                }
                Err(FindError::Zoom(e)) => return self.on_error(e).await,
            }
        }
        if let Some(next) = self.hold_for_daily_cap().await? {
            return Ok(next);
        }
        db.mark_zoom_create_sent(&self.meeting.id).await?;
        self.count_write().await?;
        let request = NewMeeting {
            topic: self.meeting.topic.clone(),
            meeting_type: Some(2),
            start_time: Timestamp::from_millisecond(self.meeting.start_at).ok(),
            duration_minutes: Some(self.duration_minutes()),
            timezone: Some(self.meeting.timezone.clone()),
            agenda: Some(agenda(&self.meeting.zoom_reference)),
            settings: Some(self.settings()),
            ..NewMeeting::default()
        };
        match self.integration.client.create_meeting(self.creds, &self.connection.zoom_user_id, &request).await {
            Ok(created) => {
                self.record_created(&created).await?;
                tracing::info!(meeting_id = %self.meeting.id, zoom_meeting_id = created.id, "zoom meeting created");
                Ok(Next::Finished)
            }
            Err(e) => self.on_error(e).await,
        }
    }

    async fn update(&self) -> anyhow::Result<Next> {
        let Some(zoom_id) = self.meeting.zoom_meeting_id else { return self.create().await };
        if let Some(next) = self.hold_for_daily_cap().await? {
            return Ok(next);
        }
        self.count_write().await?;
        let update = MeetingUpdate {
            topic: Some(self.meeting.topic.clone()),
            start_time: Timestamp::from_millisecond(self.meeting.start_at).ok(),
            duration_minutes: Some(self.duration_minutes()),
            timezone: Some(self.meeting.timezone.clone()),
            ..MeetingUpdate::default()
        };
        match self.integration.client.update_meeting(self.creds, zoom_id, &update).await {
            Ok(()) => {
                let outcome = ZoomOutcome::Updated { sequence: self.meeting.sequence };
                self.integration.record_outcome(self.meeting, outcome).await?;
                Ok(Next::Finished)
            }
            Err(ZoomError::NotFound { .. }) => self.deleted_in_zoom().await,
            Err(e) => self.on_error(e).await,
        }
    }

    async fn delete(&self) -> anyhow::Result<Next> {
        let db = &self.integration.db;
        let zoom_id = match self.meeting.zoom_meeting_id {
            Some(id) => id,
            None if self.meeting.zoom_create_unconfirmed => match self.find_our_meeting().await {
                Ok(Some(found)) => found.0,
                Ok(None) => {
                    self.integration.record_outcome(self.meeting, ZoomOutcome::Deleted).await?;
                    return Ok(Next::Finished);
                }
                Err(FindError::NoListScope) => {
                    let message = "This booking was cancelled, but Zoom never confirmed whether its meeting was \
                                   created. Check Zoom for a meeting with this topic and delete it.";
                    self.integration
                        .record_outcome(self.meeting, ZoomOutcome::Failed { code: "zoom_unconfirmed", message })
                        .await?;
                    return Ok(Next::GiveUp);
                }
                Err(FindError::Zoom(e)) => return self.on_error(e).await,
            },
            None => {
                self.integration.record_outcome(self.meeting, ZoomOutcome::Deleted).await?;
                return Ok(Next::Finished);
            }
        };
        let options =
            DeleteOptions { schedule_for_reminder: false, cancel_meeting_reminder: false, occurrence_id: None };
        match self.integration.client.delete_meeting(self.creds, zoom_id, &options).await {
            // Already gone or already over: either way no Zoom meeting is left behind.
            Ok(()) | Err(ZoomError::NotFound { .. } | ZoomError::MeetingEnded) => {
                self.integration.record_outcome(self.meeting, ZoomOutcome::Deleted).await?;
                Ok(Next::Finished)
            }
            Err(ZoomError::MeetingInProgress) => {
                let reason =
                    ("meeting_in_progress", "The Zoom meeting is in progress; Prospo deletes it once it ends.");
                db.record_zoom_wait(&self.meeting.id, None, Some(reason)).await?;
                Ok(Next::RetryAt { at: now_ms() + 5 * 60_000, failed: false })
            }
            Err(e) => self.on_error(e).await,
        }
    }

    /// The Zoom meeting carrying this meeting's reference, if Zoom has one.
    async fn find_our_meeting(&self) -> Result<Option<(i64, zoom::MeetingSummary)>, FindError> {
        if !Scopes::parse(&self.connection.granted_scopes).satisfies(RequiredScope::ListMeetings) {
            return Err(FindError::NoListScope);
        }
        let client = &self.integration.client;
        let listed = client
            .list_meetings(self.creds, &self.connection.zoom_user_id, ListMeetingsType::Scheduled)
            .await
            .map_err(FindError::Zoom)?;
        let needle = reference_marker(&self.meeting.zoom_reference);
        Ok(listed.into_iter().find(|m| m.agenda.as_deref().is_some_and(|a| a.contains(&needle))).map(|m| (m.id, m)))
    }

    /// Records the created Zoom meeting together with the follow-up mails that bring its link to the
    /// invitees and the host (the booking mails said it follows), in one write: a crash loses neither.
    /// The mails are written against the meeting as read now; if it changes before the write (moved,
    /// cancelled), they are not queued and the change's own mails speak instead.
    async fn record_created(&self, zoom_meeting: &zoom::Meeting) -> anyhow::Result<()> {
        let created = CreatedZoomMeeting {
            zoom_meeting_id: zoom_meeting.id,
            uuid: zoom_meeting.uuid.as_deref().unwrap_or_default(),
            join_url: zoom_meeting.join_url.as_deref().unwrap_or_default(),
            passcode: zoom_meeting.password.as_deref(),
            dial_in_json: zoom_meeting
                .settings
                .as_ref()
                .and_then(|s| s.global_dial_in_numbers.as_ref())
                .filter(|numbers| !numbers.is_empty())
                .and_then(|numbers| serde_json::to_string(numbers).ok()),
        };
        let db = &self.integration.db;
        let mut follow_up = Vec::new();
        let mut before_sequence = self.meeting.sequence;
        if let Some(current) = db.meeting(&self.meeting.id).await?
            && current.status == "scheduled"
            && current.zoom_join_url.is_none()
            && !created.join_url.is_empty()
        {
            before_sequence = current.sequence;
            // The meeting as it will be once recorded: with its link, one sequence higher.
            let after = MeetingRow {
                zoom_join_url: Some(created.join_url.to_owned()),
                zoom_meeting_id: Some(created.zoom_meeting_id),
                zoom_passcode: created.passcode.map(str::to_owned),
                zoom_dial_in: created.dial_in_json.clone(),
                sequence: current.sequence + 1,
                ..current.clone()
            };
            let change = Change {
                event: MeetingEvent::ZoomLinkReady,
                start_at: after.start_at,
                end_at: after.end_at,
                topic: &after.topic,
                cancel_reason: None,
            };
            follow_up = change_mails(self.integration, &after, change).await?;
        }
        db.record_zoom_created(&self.meeting.id, self.meeting.sequence, &created, &follow_up, before_sequence).await?;
        if !follow_up.is_empty() {
            self.integration.notices.wake_sender();
        }
        Ok(())
    }

    /// Records a meeting found by its reference as ours. Its join link comes from Zoom's full record.
    async fn adopt(&self, (zoom_id, _summary): (i64, zoom::MeetingSummary)) -> anyhow::Result<Next> {
        match self.integration.client.get_meeting(self.creds, zoom_id).await {
            Ok(found) => {
                self.record_created(&found).await?;
                tracing::info!(meeting_id = %self.meeting.id, zoom_meeting_id = found.id, "adopted a zoom meeting whose create answer was lost");
                Ok(Next::Finished)
            }
            Err(e) => self.on_error(e).await,
        }
    }

    async fn deleted_in_zoom(&self) -> anyhow::Result<Next> {
        self.integration.record_outcome(self.meeting, ZoomOutcome::DeletedInZoom).await?;
        tracing::warn!(meeting_id = %self.meeting.id, "zoom meeting was deleted in zoom; not re-creating it");
        Ok(Next::Finished)
    }

    /// Past the day's cap, creates and updates wait, visibly, for 00:00 UTC.
    async fn hold_for_daily_cap(&self) -> anyhow::Result<Option<Next>> {
        let used = self.integration.db.zoom_writes_used(&self.connection.zoom_user_id, &utc_day(now_ms())).await?;
        if used < DAILY_WRITE_CAP {
            return Ok(None);
        }
        let midnight = zoom::next_utc_midnight(Timestamp::now()).as_millisecond();
        self.hold_until(midnight).await.map(Some)
    }

    async fn hold_until(&self, until: i64) -> anyhow::Result<Next> {
        let reason = (
            "daily_limit",
            "Zoom allows 100 meeting creates and updates per day for this Zoom user; this change waits until 00:00 UTC.",
        );
        self.integration.db.record_zoom_wait(&self.meeting.id, Some(until), Some(reason)).await?;
        Ok(Next::RetryAt { at: until, failed: false })
    }

    async fn count_write(&self) -> anyhow::Result<()> {
        self.integration.db.count_zoom_write(&self.connection.zoom_user_id, &utc_day(now_ms())).await?;
        Ok(())
    }

    /// Decides what a Zoom error means for this job.
    async fn on_error(&self, error: ZoomError) -> anyhow::Result<Next> {
        let db = &self.integration.db;
        match &error {
            ZoomError::RateLimited { retry_at, daily: true } => self.hold_until(retry_at.as_millisecond()).await,
            ZoomError::RateLimited { retry_at, daily: false } => {
                Ok(Next::RetryAt { at: retry_at.as_millisecond(), failed: false })
            }
            ZoomError::Unavailable { .. } => {
                tracing::warn!(error = %error, meeting_id = %self.meeting.id, "zoom unavailable; retrying");
                let (attempts, first_failure) = db.zoom_job_attempts(&self.meeting.id).await?.unwrap_or((0, None));
                Ok(Next::RetryAt { at: now_ms() + backoff_ms(attempts, first_failure), failed: true })
            }
            _ if ConnectProblem::from_zoom_error(&error).is_some() => {
                // A fresh token was refused or a scope is missing: the health check runs at once.
                self.integration.check_soon(&self.connection.id).await;
                let reason =
                    ("connection_needs_attention", "Waiting for Zoom to be reconnected in Settings → Integrations.");
                db.record_zoom_wait(&self.meeting.id, None, Some(reason)).await?;
                Ok(Next::RetryAt { at: now_ms() + ATTENTION_RECHECK_MS, failed: false })
            }
            _ => {
                let message = match &error {
                    ZoomError::NotFound { .. } => {
                        "Zoom does not know this Zoom user any more. Reconnect Zoom, then Retry.".to_owned()
                    }
                    ZoomError::MeetingEnded => "The Zoom meeting has already ended.".to_owned(),
                    other => format!("Zoom refused the change ({other}). Retry, or check the meeting in Zoom."),
                };
                tracing::warn!(error = %error, meeting_id = %self.meeting.id, "zoom work failed");
                self.integration
                    .record_outcome(self.meeting, ZoomOutcome::Failed { code: "zoom_error", message: &message })
                    .await?;
                Ok(Next::GiveUp)
            }
        }
    }

    fn duration_minutes(&self) -> u32 {
        u32::try_from((self.meeting.end_at - self.meeting.start_at) / 60_000).unwrap_or(30)
    }

    fn settings(&self) -> MeetingSettings {
        MeetingSettings {
            waiting_room: Some(self.meeting.zoom_waiting_room),
            join_before_host: Some(self.meeting.zoom_join_before_host),
            mute_upon_entry: Some(self.meeting.zoom_mute_upon_entry),
            auto_recording: Some(match self.meeting.zoom_auto_recording.as_str() {
                "cloud" => zoom::AutoRecording::Cloud,
                "local" => zoom::AutoRecording::Local,
                _ => zoom::AutoRecording::None,
            }),
            ..MeetingSettings::default()
        }
    }
}

enum FindError {
    NoListScope,
    Zoom(ZoomError),
}

/// The marker put at the start of the agenda (Zoom keeps the first 250 characters in lists).
pub fn reference_marker(reference: &str) -> String {
    format!("[prospo:{reference}]")
}

fn agenda(reference: &str) -> String {
    format!("{} Scheduled with Prospo.", reference_marker(reference))
}

/// The UTC day (`YYYY-MM-DD`) Zoom's daily cap counts in.
pub fn utc_day(ms: i64) -> String {
    Timestamp::from_millisecond(ms).map(|t| t.strftime("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// 1 s doubling with jitter, capped at 30 s for the first ten minutes of failures and 5 minutes after.
fn backoff_ms(attempts: i64, first_failure: Option<i64>) -> i64 {
    let failing_for = first_failure.map(|t| now_ms() - t).unwrap_or(0);
    let cap = if failing_for < 10 * 60_000 { 30_000 } else { 300_000 };
    let base = 1_000i64.saturating_mul(1i64 << attempts.clamp(0, 20)).min(cap);
    let jitter = rand::rng().random_range(0..=base / 4);
    (base - base / 8 + jitter).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert!((875..=1250).contains(&backoff_ms(0, None)));
        assert!((1750..=2500).contains(&backoff_ms(1, None)));
        assert!(backoff_ms(10, None) <= 30_000);
        assert!(backoff_ms(10, Some(now_ms() - 11 * 60_000)) <= 300_000);
        assert!(backoff_ms(12, Some(now_ms() - 11 * 60_000)) > 30_000);
    }

    #[test]
    fn the_reference_opens_the_agenda() {
        assert!(agenda("AB12CD34").starts_with("[prospo:AB12CD34]"));
        assert!(agenda("AB12CD34").len() < 250);
    }
}
