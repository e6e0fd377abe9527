//! The reminder queue's work: when a reminder comes due, its mails are queued to the invitees and
//! the reminder marked done in the same transaction, so each is sent once. A reminder that comes
//! too late (the meeting has started, say after downtime) is marked done without a mail.

use super::meeting_mails::{Change, MeetingEvent, change_mails};
use crate::app::{App, AppRef};
use crate::jobs::{ClaimedJob, Completion, JobEnd, Queue, Work};
use crate::store::outbox::Cause;
use crate::store::reminders::parse_reminder_subject;

/// A reminder this close to its time still says "starts in 1 hour"; a later one says "soon".
const ON_TIME_MS: i64 = 5 * 60 * 1000;
/// A reminder whose mails could not be written is tried again this much later.
const RETRY_MS: i64 = 60_000;

pub struct ReminderWork(pub AppRef);

impl Work for ReminderWork {
    async fn run(&self, job: &ClaimedJob) -> Completion {
        match remind(&self.0, job).await {
            Ok(completion) => completion,
            Err(e) => {
                tracing::warn!(reminder = %job.subject, error = ?e, "reminder not queued; will retry");
                Completion::End(JobEnd::Retry { at: self.0.now_ms() + RETRY_MS, error: format!("{e:#}") })
            }
        }
    }
}

async fn remind(app: &App, job: &ClaimedJob) -> anyhow::Result<Completion> {
    let Some((meeting_id, minutes_before)) = parse_reminder_subject(&job.subject) else {
        return Ok(Completion::End(JobEnd::Failed { error: "not a reminder".into() }));
    };
    // A deleted meeting takes its reminders with it.
    let (Some(reminder), Some(meeting)) =
        (app.db.reminder(meeting_id, minutes_before).await?, app.db.meeting(meeting_id).await?)
    else {
        return Ok(Completion::End(JobEnd::Done));
    };
    let now = app.now_ms();
    let mails = if meeting.start_at <= now || !meeting.is_scheduled() {
        Vec::new()
    } else {
        let on_time = now - reminder.due_at <= ON_TIME_MS;
        change_mails(app, &meeting, Change::of(MeetingEvent::Reminder(on_time.then_some(minutes_before)), &meeting))
            .await?
    };
    let mut tx = app.db.begin().await?;
    let queued = tx.complete_reminder(job, &reminder, meeting.mails_of(Cause::Other), &mails, now).await?;
    tx.commit().await?;
    if queued && !mails.is_empty() {
        app.wake(Queue::Mail);
    }
    Ok(Completion::Settled { failed: false })
}
