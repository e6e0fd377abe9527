//! The reminder worker: claims due reminders and queues their mails to the invitees, marking each
//! reminder done in the same transaction, so each is sent once. A reminder that comes too late (the
//! meeting has started, say after downtime) is marked done without a mail.

use std::time::Duration;

use super::booking::{Change, change_mails};
use crate::integrations::zoom::ZoomIntegration;
use crate::notifications::meeting_mails::MeetingEvent;
use crate::store::now_ms;
use crate::store::reminders::DueReminder;

/// How long a claimed reminder stays with one worker before another may take it over.
const CLAIM_MS: i64 = 2 * 60 * 1000;
/// Reminders claimed per round.
const BATCH: i64 = 32;
/// A reminder this close to its time still says "starts in 1 hour"; a later one says "soon".
const ON_TIME_MS: i64 = 5 * 60 * 1000;

/// Queues due reminders until the task is dropped.
pub async fn run_reminders(zoom: ZoomIntegration, poll: Duration) {
    loop {
        match send_due_reminders(&zoom).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = ?e, "cannot claim reminders"),
        }
        tokio::time::sleep(poll).await;
    }
}

/// One round: claims due reminders and queues their mails. Returns how many were claimed.
pub async fn send_due_reminders(zoom: &ZoomIntegration) -> anyhow::Result<usize> {
    let due = zoom.db.claim_reminders(BATCH, CLAIM_MS).await?;
    let mut queued = false;
    for reminder in &due {
        match remind(zoom, reminder).await {
            Ok(sent) => queued |= sent,
            // Left claimed: another round retries it once the claim runs out.
            Err(e) => tracing::warn!(meeting_id = %reminder.meeting_id, error = ?e, "reminder not queued; will retry"),
        }
    }
    if queued {
        zoom.notices.wake_sender();
    }
    Ok(due.len())
}

async fn remind(zoom: &ZoomIntegration, reminder: &DueReminder) -> anyhow::Result<bool> {
    // A deleted meeting takes its reminders with it.
    let Some(meeting) = zoom.db.meeting(&reminder.meeting_id).await? else { return Ok(false) };
    let now = now_ms();
    let mails = if meeting.start_at <= now {
        Vec::new()
    } else {
        let on_time = now - reminder.due_at <= ON_TIME_MS;
        let change = Change {
            event: MeetingEvent::Reminder(on_time.then_some(reminder.minutes_before)),
            start_at: meeting.start_at,
            end_at: meeting.end_at,
            topic: &meeting.topic,
            cancel_reason: None,
        };
        change_mails(zoom, &meeting, change).await?
    };
    let completed = zoom.db.complete_reminder(reminder, &mails).await?;
    Ok(completed && !mails.is_empty())
}
