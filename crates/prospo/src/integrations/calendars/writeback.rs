//! Write-back: each meeting as an event in its host's "add bookings" calendar, with the invitation's
//! UID (`{meeting id}@prospo`). One durable `write:{meeting}:{host}` job brings the event in line
//! with the meeting (created with `If-None-Match: *`, updated and deleted with `If-Match` its
//! ETag), so a retry never makes a second event.

use calendars::caldav::{CalDav, CalDavError};

use super::{CalendarError, open_secret, remote};
use crate::app::App;
use crate::domain::lifecycle::MeetingStatus;
use crate::jobs::{ClaimedJob, Completion, JobEnd, backoff_ms};
use crate::notifications::ics::{self, IcsEvent, Method, Person};
use crate::notifications::meeting_mails::{cohost_parties, host_party, spaced_meeting_id};
use crate::store::calendars::{CalendarWriteRow, Provider, WriteStatus};
use crate::store::meetings::MeetingRow;

/// Failed attempts after which a write-back shows as failed (it is still retried, less often).
const ATTEMPTS_BEFORE_FAILED: i64 = 5;

pub async fn run(app: &App, job: &ClaimedJob, meeting_id: &str, host_id: &str) -> Completion {
    match write(app, meeting_id, host_id, job.run_at).await {
        Ok(()) => Completion::End(JobEnd::Done),
        Err(e) => {
            let message = e.to_string();
            let status =
                if job.attempts + 1 >= ATTEMPTS_BEFORE_FAILED { WriteStatus::Failed } else { WriteStatus::Pending };
            if let Err(store) = record_problem(app, meeting_id, host_id, status, &message).await {
                tracing::error!(error = ?store, "cannot record a calendar write-back problem");
            }
            let failing_for = job.first_failure_at.map_or(0, |at| app.now_ms() - at);
            let wait = backoff_ms(job.attempts, failing_for, 5_000, 60_000, 15 * 60_000);
            Completion::End(JobEnd::Retry { at: app.now_ms() + wait, error: message })
        }
    }
}

async fn record_problem(
    app: &App,
    meeting_id: &str,
    host_id: &str,
    status: WriteStatus,
    message: &str,
) -> Result<(), CalendarError> {
    let Some(mut write) = app.db.calendar_write(meeting_id, host_id).await? else { return Ok(()) };
    write.status = status;
    write.error = Some(message.to_owned());
    let mut tx = app.db.begin().await?;
    tx.record_calendar_write(&write).await?;
    tx.commit().await?;
    Ok(())
}

async fn write(app: &App, meeting_id: &str, host_id: &str, job_run_at: i64) -> Result<(), CalendarError> {
    let Some(mut write) = app.db.calendar_write(meeting_id, host_id).await? else { return Ok(()) };
    let meeting = app.db.meeting(meeting_id).await?;
    // A member who no longer attends (the first host of a reassigned booking) loses the event.
    let attends = match &meeting {
        Some(m) => m.host_id == host_id || app.db.meeting_cohosts(meeting_id).await?.iter().any(|c| c == host_id),
        None => false,
    };
    let live = attends && meeting.as_ref().is_some_and(|m| m.status == MeetingStatus::Scheduled);
    if write.calendar_id.is_none() && write.href.is_some() {
        // Its calendar was disconnected: that event stays where it is; write into today's calendar.
        write.href = None;
        write.etag = None;
    }
    // The calendar of an event already written, else the host's "add bookings" calendar now.
    let calendar = match &write.calendar_id {
        Some(id) if write.href.is_some() => app.db.calendar(id).await?,
        _ => app.db.write_calendar_of(host_id).await?,
    };
    let Some(calendar) = calendar else {
        // Nothing to write into (the calendar was removed or unticked): nothing left to do.
        write.status = WriteStatus::Written;
        write.error = None;
        return save(app, &write, job_run_at).await;
    };
    let Some(connection) = app.db.calendar_connection(&calendar.connection_id).await? else { return Ok(()) };
    match connection.provider {
        Provider::CalDav => {}
        Provider::Google | Provider::Microsoft => {
            let live_meeting = meeting.as_ref().filter(|_| live);
            write_remote(app, &connection, &calendar, &mut write, live_meeting).await?;
            write.status = WriteStatus::Written;
            write.error = None;
            return save(app, &write, job_run_at).await;
        }
        Provider::Ics => return Err(CalendarError::NotWritable),
    }
    let dav =
        CalDav::new(app.calendars.http.clone(), connection.account.clone(), open_secret(&app.secrets, &connection)?);
    let href = match &write.href {
        Some(href) => parse(href)?,
        None => event_href(&calendar.href, meeting_id)?,
    };
    match (&meeting, live) {
        (Some(meeting), true) => {
            let body = event_body(app, meeting).await?;
            let etag = put(&dav, &href, &body, write.etag.as_deref()).await?;
            write.calendar_id = Some(calendar.id.clone());
            write.href = Some(href.to_string());
            write.etag = etag;
        }
        _ => {
            if write.href.is_some() {
                delete(&dav, &href, write.etag.as_deref()).await?;
            }
            write.href = None;
            write.etag = None;
        }
    }
    write.status = WriteStatus::Written;
    write.error = None;
    save(app, &write, job_run_at).await
}

/// Stores a run's outcome. A run that ends written while the meeting changed again meanwhile (the
/// job was queued anew) stays pending: the next run writes that change.
async fn save(app: &App, write: &CalendarWriteRow, job_run_at: i64) -> Result<(), CalendarError> {
    let mut tx = app.db.begin().await?;
    let mut write = write.clone();
    if write.status == WriteStatus::Written && tx.calendar_write_requeued(&write, job_run_at).await? {
        write.status = WriteStatus::Pending;
    }
    tx.record_calendar_write(&write).await?;
    tx.commit().await?;
    Ok(())
}

fn parse(href: &str) -> Result<url::Url, CalendarError> {
    url::Url::parse(href).map_err(|e| CalendarError::Internal(anyhow::anyhow!("stored event URL: {e}")))
}

/// `{calendar}/prospo-{meeting id}.ics`.
fn event_href(calendar_href: &str, meeting_id: &str) -> Result<url::Url, CalendarError> {
    let base = if calendar_href.ends_with('/') { calendar_href.to_owned() } else { format!("{calendar_href}/") };
    parse(&base)?.join(&format!("prospo-{meeting_id}.ics")).map_err(|e| CalendarError::Internal(anyhow::anyhow!("{e}")))
}

/// Creates or replaces the event. A create that finds the event there (an earlier answer was lost)
/// and an update that finds it changed both re-read its ETag and write once more.
async fn put(dav: &CalDav, href: &url::Url, body: &str, etag: Option<&str>) -> Result<Option<String>, CalendarError> {
    match dav.put_event(href, body, etag).await {
        Err(CalDavError::PreconditionFailed) => {
            let current = dav.etag(href).await?;
            Ok(dav.put_event(href, body, current.as_deref()).await?)
        }
        other => Ok(other?),
    }
}

async fn delete(dav: &CalDav, href: &url::Url, etag: Option<&str>) -> Result<(), CalendarError> {
    match dav.delete_event(href, etag).await {
        Err(CalDavError::PreconditionFailed) => {
            let current = dav.etag(href).await?;
            Ok(dav.delete_event(href, current.as_deref()).await?)
        }
        other => Ok(other?),
    }
}

/// Brings a Google or Microsoft event in line: written (created, or updated by the provider's
/// event id kept in `href`) for a live meeting, else deleted.
async fn write_remote(
    app: &App,
    connection: &crate::store::calendars::ConnectionRow,
    calendar: &crate::store::calendars::CalendarRow,
    write: &mut CalendarWriteRow,
    meeting: Option<&MeetingRow>,
) -> Result<(), CalendarError> {
    let calendar_id = calendar.href.as_str();
    let event_id = write.href.clone();
    match meeting {
        Some(meeting) => {
            let (description, people) = event_text(app, meeting).await?;
            let attendees: Vec<(&str, &str)> = people.iter().map(|(n, e)| (n.as_str(), e.as_str())).collect();
            let at =
                |ms| jiff::Timestamp::from_millisecond(ms).map_err(|e| CalendarError::Internal(anyhow::anyhow!("{e}")));
            let event = calendars::NewEvent {
                meeting_id: &meeting.id,
                summary: &meeting.topic,
                description: &description,
                start: at(meeting.start_at)?,
                end: at(meeting.end_at)?,
                location: meeting.zoom_join_url.as_deref().or(meeting.location_detail.as_deref()),
                attendees: &attendees,
            };
            let (event, event_id) = (&event, event_id.as_deref());
            let id =
                remote::with_remote(
                    app,
                    connection,
                    |r| async move { r.put_event(calendar_id, event_id, event).await },
                )
                .await?;
            write.calendar_id = Some(calendar.id.clone());
            write.href = Some(id);
        }
        None => {
            if let Some(event_id) = event_id.as_deref() {
                remote::with_remote(app, connection, |r| async move { r.delete_event(calendar_id, event_id).await })
                    .await?;
            }
            write.href = None;
        }
    }
    write.etag = None;
    Ok(())
}

/// The event's text (the invitees, notes and answers, the Zoom link, ID and passcode once known)
/// and who attends besides the host: the invitees and a team meeting's other members.
async fn event_text(app: &App, meeting: &MeetingRow) -> Result<(String, Vec<(String, String)>), CalendarError> {
    let invitees = app.db.invitees_of(&meeting.id).await?;
    let mut lines: Vec<String> = invitees.iter().map(|i| format!("Invitee: {} <{}>", i.name, i.email)).collect();
    if let Some(notes) = &meeting.notes {
        lines.push(format!("Notes: {notes}"));
    }
    lines.extend(meeting.answers.0.iter().map(|a| format!("{}: {}", a.label, a.value_text())));
    if let Some(url) = &meeting.zoom_join_url {
        lines.push(format!("Join Zoom meeting: {url}"));
        if let Some(id) = meeting.zoom_meeting_id {
            lines.push(format!("Meeting ID: {}", spaced_meeting_id(id)));
        }
        if let Some(passcode) = &meeting.zoom_passcode {
            lines.push(format!("Passcode: {passcode}"));
        }
    } else if let Some(detail) = &meeting.location_detail {
        lines.push(format!("Where: {detail}"));
    }
    lines.push(format!("Booked with Prospo: {}", app.mail.meeting_url(&meeting.id)));
    // A team meeting's other members attend too.
    let cohosts = cohost_parties(&app.db, &meeting.id).await?;
    let people = invitees
        .iter()
        .map(|i| (i.name.clone(), i.email.clone()))
        .chain(cohosts.iter().map(|c| (c.name.clone(), c.email.clone())))
        .collect();
    Ok((lines.join("\n"), people))
}

/// The event as an iCalendar resource, with the host as organizer.
async fn event_body(app: &App, meeting: &MeetingRow) -> Result<String, CalendarError> {
    let host = host_party(&app.db, &meeting.host_id).await?;
    let (description, people) = event_text(app, meeting).await?;
    let attendees: Vec<Person> = people.iter().map(|(name, email)| Person { name, email }).collect();
    Ok(ics::resource(&IcsEvent {
        meeting_id: &meeting.id,
        sequence: meeting.sequence,
        start_ms: meeting.start_at,
        end_ms: meeting.end_at,
        stamp_ms: app.now_ms(),
        summary: &meeting.topic,
        join_url: meeting.zoom_join_url.as_deref(),
        description: &description,
        cancelled: false,
        method: Method::Publish,
        organizer: Some(Person { name: &host.name, email: &host.email }),
        attendees: &attendees,
    }))
}
