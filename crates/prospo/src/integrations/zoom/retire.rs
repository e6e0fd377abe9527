//! Deleting the first host's Zoom meeting of a reassigned booking: a job of the Zoom queue,
//! `retire:{meeting}:{first host}:{zoom meeting id}`, queued in the reassign's transaction.
//!
//! It waits until the new host's Zoom meeting exists (a live booking never goes without one), or
//! the booking is cancelled or over, then deletes the old one with the first host's connection.
//! Zoom's 404 counts as done, so a retry after a lost answer is harmless.

use zoom::{DeleteOptions, ZoomError};

use super::auth;
use crate::app::App;
use crate::domain::lifecycle::ZoomStatus;
use crate::jobs::{ClaimedJob, Completion, JobEnd, backoff_ms};

const PREFIX: &str = "retire:";
/// How often a retirement looks whether the new Zoom meeting exists yet.
const WAIT_MS: i64 = 5_000;

pub fn subject(meeting_id: &str, first_host_id: &str, zoom_meeting_id: i64) -> String {
    format!("{PREFIX}{meeting_id}:{first_host_id}:{zoom_meeting_id}")
}

/// Whether a Zoom-queue job is a retirement (its subject is not a meeting id).
pub fn is_retirement(subject: &str) -> bool {
    subject.starts_with(PREFIX)
}

struct Retirement<'a> {
    meeting_id: &'a str,
    host_id: &'a str,
    zoom_meeting_id: i64,
}

fn parse(subject: &str) -> Option<Retirement<'_>> {
    let mut parts = subject.strip_prefix(PREFIX)?.split(':');
    let (meeting_id, host_id, zoom) = (parts.next()?, parts.next()?, parts.next()?);
    Some(Retirement { meeting_id, host_id, zoom_meeting_id: zoom.parse().ok()? })
}

pub async fn run(app: &App, job: &ClaimedJob) -> Completion {
    match step(app, job).await {
        Ok(end) => Completion::End(end),
        Err(e) => {
            tracing::error!(error = ?e, subject = %job.subject, "zoom retirement failed to run");
            Completion::End(JobEnd::Retry { at: app.now_ms() + 30_000, error: format!("{e:#}") })
        }
    }
}

async fn step(app: &App, job: &ClaimedJob) -> anyhow::Result<JobEnd> {
    let Some(retirement) = parse(&job.subject) else {
        return Ok(JobEnd::Failed { error: "unreadable retirement".to_owned() });
    };
    let now = app.now_ms();
    if let Some(meeting) = app.db.meeting(retirement.meeting_id).await?
        && meeting.is_scheduled()
        && meeting.end_at > now
        && meeting.zoom_status != ZoomStatus::Created
    {
        return Ok(JobEnd::RunAt(now + WAIT_MS));
    }
    let Some(connection) = app.db.zoom_connection_of(retirement.host_id).await? else {
        tracing::warn!(subject = %job.subject, "the first host disconnected Zoom; their meeting stays in their account");
        return Ok(JobEnd::Done);
    };
    let auth = auth(app, &connection)?;
    let options = DeleteOptions { schedule_for_reminder: false, cancel_meeting_reminder: false, occurrence_id: None };
    match app.zoom.client.delete_meeting(&auth, retirement.zoom_meeting_id, &options).await {
        Ok(()) | Err(ZoomError::NotFound { .. } | ZoomError::MeetingEnded) => {
            tracing::info!(
                meeting_id = retirement.meeting_id,
                zoom_meeting_id = retirement.zoom_meeting_id,
                "first host's zoom meeting deleted"
            );
            Ok(JobEnd::Done)
        }
        Err(ZoomError::MeetingInProgress) => Ok(JobEnd::RunAt(now + 5 * 60_000)),
        Err(e) => {
            let failing_for = job.first_failure_at.map_or(0, |t| now - t);
            let at = now + backoff_ms(job.attempts, failing_for, 1_000, 30_000, 900_000);
            Ok(JobEnd::Retry { at, error: e.to_string() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_reads_back() {
        let s = subject("m-1", "u-2", 8123);
        assert!(is_retirement(&s));
        let r = parse(&s).unwrap();
        assert_eq!((r.meeting_id, r.host_id, r.zoom_meeting_id), ("m-1", "u-2", 8123));
        assert!(!is_retirement("6f0c1b9e-0000-4000-8000-000000000000"));
    }
}
