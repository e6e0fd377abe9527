//! The Zoom queue's work: brings each meeting's Zoom meeting in line with Prospo's record (create,
//! update with the same join link, delete), durably and at most once per booking.
//!
//! A run reads the meeting, does what its pending change asks, and records what Zoom answered as a
//! lifecycle event, in one transaction with the end of its job (and the mails the answer brings).
//! A create is recorded as sent, with the day's count of Zoom writes, before Zoom is called; if its
//! answer is lost, the next run lists the host's meetings and adopts the one carrying the meeting's
//! reference instead of creating a second one.

use crate::integrations::webhooks::events as webhook_events;
use crate::store::outgoing_webhooks::EventType;
use jiff::Timestamp;
use zoom::{
    Auth, DeleteOptions, ListMeetingsType, MeetingSettings, MeetingUpdate, NewMeeting, RequiredScope, Scopes, ZoomError,
};

use super::alerts::meeting_alert;
use super::health::check_soon;
use super::{ConnectProblem, auth};
use crate::app::{App, AppRef};
use crate::domain::lifecycle::{Event, MeetingStatus, PendingChange, ZoomProblem, ZoomProblemCode};
use crate::jobs::{ClaimedJob, Completion, JobEnd, Queue, Work, backoff_ms};
use crate::notifications::meeting_mails::{Change, MeetingEvent, change_mails};
use crate::store::meetings::{ChangeError, CreatedZoomMeeting, Details, MeetingRow, ZoomJob};
use crate::store::outbox::{Cause, MailKind, OutgoingMail};
use crate::store::zoom_connections::{ConnectionStatus, ZoomConnectionRow};

/// Zoom's per-user cap on meeting creates and updates per UTC day.
pub const DAILY_WRITE_CAP: i64 = 100;
/// From this many writes in a day the host is warned.
pub const DAILY_WRITE_WARNING: i64 = 80;
/// Work held for a connection that needs attention is looked at again this often.
const ATTENTION_RECHECK_MS: i64 = 60_000;
/// A delete of a meeting in progress is tried again this much later.
const IN_PROGRESS_RECHECK_MS: i64 = 5 * 60_000;

/// The Zoom queue's work.
pub struct ZoomWork(pub AppRef);

impl Work for ZoomWork {
    async fn run(&self, job: &ClaimedJob) -> Completion {
        if super::retire::is_retirement(&job.subject) {
            return super::retire::run(&self.0, job).await;
        }
        match step(&self.0, job).await {
            Ok(completion) => completion,
            Err(e) => {
                tracing::error!(error = ?e, meeting_id = %job.subject, "zoom job failed to run");
                Completion::End(JobEnd::Retry { at: self.0.now_ms() + 30_000, error: format!("{e:#}") })
            }
        }
    }
}

async fn step(app: &App, job: &ClaimedJob) -> anyhow::Result<Completion> {
    let Some(meeting) = app.db.meeting(&job.subject).await? else { return Ok(Completion::End(JobEnd::Done)) };
    let state = meeting.state();
    // Only `needs_work` states have a running job; anything else is news from a change that
    // committed meanwhile, which already set the job right.
    let Some(change) = state.zoom.pending.filter(|_| state.zoom.needs_work()) else {
        return Ok(Completion::End(match state.zoom.problem.as_ref().filter(|_| state.zoom.awaits_retry()) {
            Some(problem) => JobEnd::Failed { error: problem.code.to_string() },
            None => JobEnd::Done,
        }));
    };
    let run = Run { app, job, meeting };
    let Some(connection) = app.db.zoom_connection_of(&run.meeting.host_id).await? else {
        return run.record(Event::Disconnected, Details::Nothing, run.again()).await;
    };
    if connection.status == ConnectionStatus::NeedsAttention {
        return run.wait_for_attention().await;
    }
    let Ok(auth) = auth(app, &connection) else {
        check_soon(app, &connection.id).await;
        return Ok(Completion::End(JobEnd::RunAt(app.now_ms() + ATTENTION_RECHECK_MS)));
    };
    let mut zoom = ZoomRun { run, connection: &connection, auth: &auth };
    match change {
        PendingChange::Create => zoom.create().await,
        PendingChange::Update => zoom.update().await,
        PendingChange::Delete => zoom.delete().await,
    }
}

/// The mails that bring a new Zoom meeting's link, written for the meeting at sequence `written_at`:
/// the booking's first mails rewritten, if they still wait, else follow-ups.
struct LinkMails<'a> {
    first: &'a [OutgoingMail],
    follow_up: &'a [OutgoingMail],
    written_at: i64,
}

/// One run of one meeting's job.
struct Run<'a> {
    app: &'a App,
    job: &'a ClaimedJob,
    /// The meeting as this run last read or wrote it.
    meeting: MeetingRow,
}

impl Run<'_> {
    /// Due again at once: when the recorded state still needs work, it is the next change's turn.
    fn again(&self) -> JobEnd {
        JobEnd::RunAt(self.app.now_ms())
    }

    /// Records `event` with the end of this run's job, in one transaction, with the host's alert
    /// when the event brings a new problem.
    async fn record(&self, event: Event, details: Details<'_>, end: JobEnd) -> anyhow::Result<Completion> {
        self.record_with_mails(event, details, end, None).await
    }

    /// As [`Run::record`], plus `mails` queued if the meeting is still at `mails.1` (its sequence
    /// when they were written), scheduled and without a Zoom link.
    async fn record_with_mails(
        &self,
        event: Event,
        details: Details<'_>,
        end: JobEnd,
        mails: Option<LinkMails<'_>>,
    ) -> anyhow::Result<Completion> {
        let alert = match &event {
            Event::Failed(problem) => meeting_alert(self.app, &self.meeting, problem).await?,
            Event::DeletedInZoom => meeting_alert(self.app, &self.meeting, &deleted_in_zoom()).await?,
            _ => None,
        };
        let now = self.app.now_ms();
        let mut tx = self.app.db.begin().await?;
        let changed = match tx
            .change_meeting_from(self.meeting.clone(), &event, details, ZoomJob::Ends(self.job, end), now)
            .await
        {
            Ok(changed) => changed,
            // The meeting changed while Zoom was called: the next run starts from what it is now.
            Err(ChangeError::Refused(refused)) => {
                tracing::info!(meeting_id = %self.meeting.id, ?event, %refused, "zoom result no longer applies");
                tx.end_job(self.job, &JobEnd::RunAt(now), now).await?;
                tx.commit().await?;
                return Ok(Completion::Settled { failed: false });
            }
            Err(ChangeError::Gone) => {
                tx.commit().await?;
                return Ok(Completion::Settled { failed: false });
            }
            Err(ChangeError::Store(e)) => return Err(e.into()),
        };
        let after = changed.after.state();
        let new_problem =
            after.zoom.problem.as_ref().map(|p| p.code) != changed.before.zoom.problem.as_ref().map(|p| p.code);
        let mut wake_mail = false;
        if let Some(alert) = alert.filter(|_| new_problem) {
            tx.enqueue_mails(std::slice::from_ref(&alert), now).await?;
            wake_mail = true;
        }
        if let Some(mails) = mails
            && changed.before.status == MeetingStatus::Scheduled
            && changed.before.zoom.meeting_id.is_none()
            && changed.before.sequence == mails.written_at
        {
            let refreshed = !mails.first.is_empty()
                && tx.refresh_waiting_mails(&self.meeting.id, MailKind::Booked, mails.first, now).await?;
            if !refreshed {
                tx.enqueue_meeting_mails(self.meeting.mails_of(Cause::Other), mails.follow_up, now).await?;
            }
            wake_mail = refreshed || !mails.follow_up.is_empty();
        }
        // The join link exists now, for the first time.
        let zoom_ready = changed.before.zoom.meeting_id.is_none()
            && changed.after.zoom_meeting_id.is_some()
            && changed.after.zoom_join_url.is_some()
            && changed.after.status == MeetingStatus::Scheduled;
        let webhooks = zoom_ready
            && webhook_events::emit(self.app, &mut tx, EventType::MeetingZoomReady, &changed.after, now).await?;
        tx.commit().await?;
        if wake_mail {
            self.app.wake(Queue::Mail);
        }
        if webhooks {
            self.app.wake(Queue::Webhook);
        }
        Ok(Completion::Settled { failed: after.zoom.awaits_retry() && !changed.before.zoom.awaits_retry() })
    }

    async fn wait_for_attention(&self) -> anyhow::Result<Completion> {
        let problem = problem(
            ZoomProblemCode::ConnectionNeedsAttention,
            "Waiting for Zoom to be reconnected in Settings → Integrations.",
        );
        let until = self.app.now_ms() + ATTENTION_RECHECK_MS;
        self.record(Event::Waiting { problem, until: None }, Details::Nothing, JobEnd::RunAt(until)).await
    }

    async fn fail(&self, code: ZoomProblemCode, message: &str) -> anyhow::Result<Completion> {
        self.record(Event::Failed(problem(code, message)), Details::Nothing, self.again()).await
    }
}

/// A run that calls Zoom with the host's connection.
struct ZoomRun<'a> {
    run: Run<'a>,
    connection: &'a ZoomConnectionRow,
    auth: &'a Auth,
}

impl ZoomRun<'_> {
    fn app(&self) -> &App {
        self.run.app
    }

    fn meeting(&self) -> &MeetingRow {
        &self.run.meeting
    }

    async fn create(&mut self) -> anyhow::Result<Completion> {
        if self.meeting().zoom_create_unconfirmed {
            match self.find_our_meeting().await {
                Ok(Some(found)) => return self.adopt(found).await,
                Ok(None) => {} // Zoom never made it: creating is safe.
                Err(FindError::NoListScope) => {
                    let message = "Zoom did not confirm that the meeting was created, and this Zoom app cannot list \
                                   meetings (scope meeting:read:list_meetings) to check. Look in Zoom, then Retry.";
                    return self.run.fail(ZoomProblemCode::ZoomUnconfirmed, message).await;
                }
                Err(FindError::Zoom(e)) => return self.on_error(e).await,
            }
        }
        // Written down before Zoom is called, with the day's count of Zoom writes: if the answer is
        // lost, the next run looks for the meeting instead of creating a second one. A change that
        // made the create moot (a cancel) is refused here, and nothing is sent.
        let now = self.app().now_ms();
        let mut tx = self.app().db.begin().await?;
        let sent =
            tx.change_meeting_from(self.meeting().clone(), &Event::CreateSent, Details::Nothing, ZoomJob::Keep, now);
        match sent.await {
            Ok(sent) => self.run.meeting = sent.after,
            Err(ChangeError::Refused(_) | ChangeError::Gone) => {
                return Ok(Completion::End(self.run.again()));
            }
            Err(ChangeError::Store(e)) => return Err(e.into()),
        }
        if tx.count_zoom_write(&self.connection.zoom_user_id, &utc_day(now)).await? > DAILY_WRITE_CAP {
            drop(tx); // Past the day's cap: nothing was sent or counted.
            return self.hold_for_daily_cap().await;
        }
        tx.commit().await?;
        let request = NewMeeting {
            topic: self.meeting().topic.clone(),
            meeting_type: Some(2),
            start_time: Timestamp::from_millisecond(self.meeting().start_at).ok(),
            duration_minutes: Some(self.duration_minutes()),
            timezone: self.zoom_time_zone(),
            agenda: Some(agenda(&self.meeting().zoom_reference)),
            settings: Some(self.settings()),
            ..NewMeeting::default()
        };
        match self.app().zoom.client.create_meeting(self.auth, &self.connection.zoom_user_id, &request).await {
            Ok(created) => {
                let completion = self.record_created(&created).await?;
                tracing::info!(meeting_id = %self.meeting().id, zoom_meeting_id = created.id, "zoom meeting created");
                Ok(completion)
            }
            Err(e) => self.on_error(e).await,
        }
    }

    async fn update(&mut self) -> anyhow::Result<Completion> {
        let Some(zoom_id) = self.meeting().zoom_meeting_id else { return self.create().await };
        let now = self.app().now_ms();
        let mut tx = self.app().db.begin().await?;
        if tx.count_zoom_write(&self.connection.zoom_user_id, &utc_day(now)).await? > DAILY_WRITE_CAP {
            drop(tx);
            return self.hold_for_daily_cap().await;
        }
        tx.commit().await?;
        let update = MeetingUpdate {
            topic: Some(self.meeting().topic.clone()),
            start_time: Timestamp::from_millisecond(self.meeting().start_at).ok(),
            duration_minutes: Some(self.duration_minutes()),
            timezone: self.zoom_time_zone(),
            ..MeetingUpdate::default()
        };
        match self.app().zoom.client.update_meeting(self.auth, zoom_id, &update).await {
            Ok(()) => {
                let event = Event::Updated { based_on_sequence: self.meeting().sequence };
                self.run.record(event, Details::Nothing, self.run.again()).await
            }
            Err(ZoomError::NotFound { .. }) => self.deleted_in_zoom().await,
            // Zoom's 3000 on a PATCH: the meeting has started and no longer takes changes.
            Err(ZoomError::Other { code: Some(3000), .. }) => {
                let message = "Zoom does not change a meeting once it has started, so this change is in Prospo \
                               only. Retry after the meeting ends, or check the meeting in Zoom.";
                self.run.fail(ZoomProblemCode::ZoomError, message).await
            }
            Err(e) => self.on_error(e).await,
        }
    }

    async fn delete(&self) -> anyhow::Result<Completion> {
        let zoom_id = match self.meeting().zoom_meeting_id {
            Some(id) => id,
            None if self.meeting().zoom_create_unconfirmed => match self.find_our_meeting().await {
                Ok(Some(found)) => found.0,
                Ok(None) => return self.run.record(Event::Deleted, Details::Nothing, self.run.again()).await,
                Err(FindError::NoListScope) => {
                    let message = "This booking was cancelled, but Zoom never confirmed whether its meeting was \
                                   created. Check Zoom for a meeting with this topic and delete it.";
                    return self.run.fail(ZoomProblemCode::ZoomUnconfirmed, message).await;
                }
                Err(FindError::Zoom(e)) => return self.on_error(e).await,
            },
            None => return self.run.record(Event::Deleted, Details::Nothing, self.run.again()).await,
        };
        let options =
            DeleteOptions { schedule_for_reminder: false, cancel_meeting_reminder: false, occurrence_id: None };
        match self.app().zoom.client.delete_meeting(self.auth, zoom_id, &options).await {
            // Already gone or already over: either way no Zoom meeting is left behind.
            Ok(()) | Err(ZoomError::NotFound { .. } | ZoomError::MeetingEnded) => {
                self.run.record(Event::Deleted, Details::Nothing, self.run.again()).await
            }
            Err(ZoomError::MeetingInProgress) => {
                let problem = problem(
                    ZoomProblemCode::MeetingInProgress,
                    "The Zoom meeting is in progress; Prospo deletes it once it ends.",
                );
                let until = self.app().now_ms() + IN_PROGRESS_RECHECK_MS;
                self.run.record(Event::Waiting { problem, until: None }, Details::Nothing, JobEnd::RunAt(until)).await
            }
            Err(e) => self.on_error(e).await,
        }
    }

    /// The Zoom meeting carrying this meeting's reference, if Zoom has one.
    async fn find_our_meeting(&self) -> Result<Option<(i64, zoom::MeetingSummary)>, FindError> {
        if !Scopes::parse(&self.connection.granted_scopes).satisfies(RequiredScope::ListMeetings) {
            return Err(FindError::NoListScope);
        }
        let listed = self
            .app()
            .zoom
            .client
            .list_meetings(self.auth, &self.connection.zoom_user_id, ListMeetingsType::Scheduled)
            .await
            .map_err(FindError::Zoom)?;
        let needle = reference_marker(&self.meeting().zoom_reference);
        Ok(listed.into_iter().find(|m| m.agenda.as_deref().is_some_and(|a| a.contains(&needle))).map(|m| (m.id, m)))
    }

    /// Records the created Zoom meeting together with the follow-up mails that bring its link to the
    /// invitees and the host (the booking mails said it follows), in one transaction: a crash loses
    /// neither. The mails are written against the meeting as read now; if it changes before the
    /// write (moved, cancelled), they are not queued and the change's own mails speak instead.
    async fn record_created(&self, zoom_meeting: &zoom::Meeting) -> anyhow::Result<Completion> {
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
        let app = self.app();
        let mut follow_up = Vec::new();
        let mut first = Vec::new();
        // Written for the meeting as this run read it; queued only if it is still so (see
        // `record_with_mails`).
        let read = self.meeting();
        let written_at = read.sequence;
        if read.is_scheduled() && read.zoom_join_url.is_none() && !created.join_url.is_empty() {
            // The meeting as it will be once recorded: with its link, one sequence higher.
            let after = MeetingRow {
                zoom_join_url: Some(created.join_url.to_owned()),
                zoom_meeting_id: Some(created.zoom_meeting_id),
                zoom_passcode: created.passcode.map(str::to_owned),
                zoom_dial_in: created.dial_in_json.clone(),
                sequence: read.sequence + 1,
                ..read.clone()
            };
            follow_up = change_mails(app, &after, Change::of(MeetingEvent::ZoomLinkReady, &after)).await?;
            // The booking's first mails, if they still wait, are sent with the link instead.
            first = change_mails(app, &after, Change::of(MeetingEvent::Booked, &after)).await?;
        }
        let event =
            Event::Created { zoom_meeting_id: created.zoom_meeting_id, based_on_sequence: self.meeting().sequence };
        let mails = Some(LinkMails { first: &first, follow_up: &follow_up, written_at });
        self.run.record_with_mails(event, Details::ZoomMeeting(&created), self.run.again(), mails).await
    }

    /// Records a meeting found by its reference as ours. Its join link comes from Zoom's full record.
    async fn adopt(&self, (zoom_id, _summary): (i64, zoom::MeetingSummary)) -> anyhow::Result<Completion> {
        match self.app().zoom.client.get_meeting(self.auth, zoom_id).await {
            Ok(found) => {
                let completion = self.record_created(&found).await?;
                tracing::info!(meeting_id = %self.meeting().id, zoom_meeting_id = found.id, "adopted a zoom meeting whose create answer was lost");
                Ok(completion)
            }
            Err(e) => self.on_error(e).await,
        }
    }

    async fn deleted_in_zoom(&self) -> anyhow::Result<Completion> {
        tracing::warn!(meeting_id = %self.meeting().id, "zoom meeting was deleted in zoom; not re-creating it");
        self.run.record(Event::DeletedInZoom, Details::Nothing, self.run.again()).await
    }

    /// Past the day's cap, creates and updates wait, visibly, for 00:00 UTC.
    async fn hold_for_daily_cap(&self) -> anyhow::Result<Completion> {
        let midnight = zoom::next_utc_midnight(self.app().clock.now()).as_millisecond();
        self.hold_until(midnight).await
    }

    async fn hold_until(&self, until: i64) -> anyhow::Result<Completion> {
        let problem = problem(
            ZoomProblemCode::DailyLimit,
            "Zoom allows 100 meeting creates and updates per day for this Zoom user; this change waits until 00:00 UTC.",
        );
        self.run.record(Event::Waiting { problem, until: Some(until) }, Details::Nothing, JobEnd::RunAt(until)).await
    }

    /// Decides what a Zoom error means for this job.
    async fn on_error(&self, error: ZoomError) -> anyhow::Result<Completion> {
        let now = self.app().now_ms();
        match &error {
            ZoomError::RateLimited { retry_at, daily: true } => self.hold_until(retry_at.as_millisecond()).await,
            ZoomError::RateLimited { retry_at, daily: false } => {
                // A concurrency or per-second limit: wait at least Zoom's hint, backing off as attempts
                // mount so a busy account is not hammered.
                let job = self.run.job;
                let failing_for = job.first_failure_at.map_or(0, |t| now - t);
                let backoff = now + backoff_ms(job.attempts, failing_for, 1_000, 30_000, 300_000);
                let at = retry_at.as_millisecond().max(backoff);
                Ok(Completion::End(JobEnd::Retry { at, error: error.to_string() }))
            }
            ZoomError::Unavailable { .. } => {
                tracing::warn!(error = %error, meeting_id = %self.meeting().id, "zoom unavailable; retrying");
                let job = self.run.job;
                let failing_for = job.first_failure_at.map_or(0, |t| now - t);
                let at = now + backoff_ms(job.attempts, failing_for, 1_000, 30_000, 300_000);
                Ok(Completion::End(JobEnd::Retry { at, error: error.to_string() }))
            }
            _ if ConnectProblem::from_zoom_error(&error).is_some() => {
                // A fresh token was refused or a scope is missing: the health check runs at once.
                check_soon(self.app(), &self.connection.id).await;
                self.run.wait_for_attention().await
            }
            _ => {
                let message = match &error {
                    ZoomError::NotFound { .. } => {
                        "Zoom does not know this Zoom user any more. Reconnect Zoom, then Retry.".to_owned()
                    }
                    ZoomError::MeetingEnded => "The Zoom meeting has already ended.".to_owned(),
                    other => format!("Zoom refused the change ({other}). Retry, or check the meeting in Zoom."),
                };
                tracing::warn!(error = %error, meeting_id = %self.meeting().id, "zoom work failed");
                self.run.fail(ZoomProblemCode::ZoomError, &message).await
            }
        }
    }

    /// The meeting's zone under the name Zoom lists for it (`start_time` goes in UTC regardless).
    fn zoom_time_zone(&self) -> Option<String> {
        zoom::zoom_time_zone(&self.meeting().timezone).map(str::to_owned)
    }

    fn duration_minutes(&self) -> u32 {
        u32::try_from((self.meeting().end_at - self.meeting().start_at) / 60_000).unwrap_or(30)
    }

    fn settings(&self) -> MeetingSettings {
        MeetingSettings {
            waiting_room: Some(self.meeting().zoom_waiting_room),
            join_before_host: Some(self.meeting().zoom_join_before_host),
            mute_upon_entry: Some(self.meeting().zoom_mute_upon_entry),
            auto_recording: Some(match self.meeting().zoom_auto_recording.as_str() {
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

fn problem(code: ZoomProblemCode, message: &str) -> ZoomProblem {
    ZoomProblem { code, message: message.to_owned() }
}

/// The problem a meeting deleted in Zoom shows (the lifecycle writes its text).
fn deleted_in_zoom() -> ZoomProblem {
    problem(ZoomProblemCode::DeletedInZoom, "The Zoom meeting was deleted in Zoom. Prospo did not create another one.")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_opens_the_agenda() {
        assert!(agenda("AB12CD34").starts_with("[prospo:AB12CD34]"));
        assert!(agenda("AB12CD34").len() < 250);
    }
}
