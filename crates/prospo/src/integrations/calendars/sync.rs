//! Reading connected calendars into the busy-time cache: the `calendar` queue's `sync:` jobs, each
//! connection's periodic read (every 5 minutes, skipped cheaply when `getctag`/`sync-token` say
//! nothing changed), and **Sync now**.

use std::collections::HashSet;
use std::time::Duration;

use calendars::{BusyEvent, Window};
use jiff::Timestamp;

use super::{CalendarError, open_secret, remote};
use crate::app::App;
use crate::jobs::{ClaimedJob, Completion, JobEnd, Work};
use crate::notifications::host_alerts;
use crate::notifications::meeting_mails::host_party;
use crate::store::calendars::{BusyRead, CalendarRow, ConnectionRow, Provider};

/// How often each connection is read.
pub const SYNC_EVERY_MS: i64 = 5 * 60_000;
/// How soon a connection that could not be read is tried again.
const RETRY_FAILED_MS: i64 = 60_000;
/// The largest feed or answer Prospo reads (product.md §7).
pub const MAX_CALENDAR_BYTES: usize = 10 * 1024 * 1024;

/// The `calendar` queue: `sync:{connection}` and `write:{meeting}:{host}` jobs.
pub struct CalendarWork(pub crate::app::AppRef);

impl Work for CalendarWork {
    async fn run(&self, job: &ClaimedJob) -> Completion {
        let app = &*self.0;
        if let Some(connection_id) = job.subject.strip_prefix("sync:") {
            return Completion::End(run_sync(app, connection_id).await);
        }
        if let Some(rest) = job.subject.strip_prefix("write:")
            && let Some((meeting_id, host_id)) = rest.split_once(':')
        {
            return super::writeback::run(app, job, meeting_id, host_id).await;
        }
        Completion::End(JobEnd::Failed { error: format!("unknown calendar job {}", job.subject) })
    }
}

async fn run_sync(app: &App, connection_id: &str) -> JobEnd {
    let connection = match app.db.calendar_connection(connection_id).await {
        Ok(Some(connection)) => connection,
        Ok(None) => return JobEnd::Done,
        Err(e) => return JobEnd::Retry { at: app.now_ms() + RETRY_FAILED_MS, error: e.to_string() },
    };
    match sync_connection(app, &connection).await {
        Ok(()) => JobEnd::RunAt(app.now_ms() + SYNC_EVERY_MS),
        // Recorded on the connection (and told to the host); not a failure of the job.
        Err(_) => JobEnd::RunAt(app.now_ms() + RETRY_FAILED_MS),
    }
}

/// Reads every conflict calendar of a connection into the cache. A failure turns the connection to
/// Needs attention (the host is mailed once per episode) and leaves the last known busy times in
/// place, so they keep blocking.
pub async fn sync_connection(app: &App, connection: &ConnectionRow) -> Result<(), CalendarError> {
    match read_connection(app, connection).await {
        Ok(()) => {
            let mut tx = app.db.begin_locked(&connection.user_id).await?;
            tx.calendar_connection_synced(&connection.id, app.now_ms()).await?;
            tx.commit().await?;
            Ok(())
        }
        Err(e @ (CalendarError::Store(_) | CalendarError::Internal(_))) => Err(e),
        Err(e) => {
            record_failure(app, connection, &e).await?;
            Err(e)
        }
    }
}

/// Needs attention with the cause; the host's mail is queued in the same transaction, once.
pub async fn record_failure(app: &App, connection: &ConnectionRow, e: &CalendarError) -> Result<(), CalendarError> {
    let message = e.to_string();
    let mut tx = app.db.begin_locked(&connection.user_id).await?;
    if tx.calendar_connection_failed(&connection.id, e.code(), &message).await? {
        let host = host_party(&app.db, &connection.user_id).await?;
        let label = connection_label(connection);
        let mail = host_alerts::calendar_needs_attention(&app.mail, &host, &label, &message);
        tx.enqueue_mails(std::slice::from_ref(&mail), app.now_ms()).await?;
    }
    tx.commit().await?;
    app.wake(crate::jobs::Queue::Mail);
    tracing::warn!(connection_id = %connection.id, code = e.code(), "a calendar connection cannot be read");
    Ok(())
}

/// How the host knows a connection: "CalDAV (sam)" or "ICS feed (calendar.google.com)".
pub fn connection_label(connection: &ConnectionRow) -> String {
    match connection.provider {
        Provider::CalDav => format!("CalDAV ({})", connection.account),
        Provider::Ics => format!("ICS feed ({})", connection.account),
        Provider::Google => format!("Google Calendar ({})", connection.account),
        Provider::Microsoft => format!("Outlook / Microsoft 365 ({})", connection.account),
    }
}

async fn read_connection(app: &App, connection: &ConnectionRow) -> Result<(), CalendarError> {
    let calendars = app.db.calendars_of_connection(&connection.id).await?;
    let zone = super::host_zone(app, &connection.user_id).await?;
    let span = super::cache_span(app, &connection.user_id).await?;
    let source = Source::of(app, connection)?;
    for calendar in calendars.iter().filter(|c| c.check_conflicts) {
        let covered = calendar.cached_from.is_some_and(|f| f <= span.0)
            && calendar.cached_until.is_some_and(|u| u >= span.1 - 24 * 3600 * 1000);
        let (busy, marker, free_busy) = match &source {
            Source::CalDav(dav) => {
                let href = url::Url::parse(&calendar.href).map_err(|e| anyhow::anyhow!("stored calendar URL: {e}"))?;
                let marker = dav.change_marker(&href).await?;
                if covered && marker.is_some() && marker == calendar.change_marker {
                    let mut tx = app.db.begin_locked(&connection.user_id).await?;
                    tx.confirm_calendar_cache(&calendar.id, None, app.now_ms()).await?;
                    tx.commit().await?;
                    continue;
                }
                let (busy, free_busy) = read_caldav(dav, calendar, &href, span, &zone).await?;
                (busy, marker, free_busy)
            }
            Source::Feed(url) => (read_feed(app, url, span, &zone).await?, None, false),
            // Google and Microsoft: a cheap change check (sync token, delta link), then the
            // events of the span when something changed or the span moved on.
            Source::OAuth(connection) => {
                let window = window_of(span)?;
                if covered && let Some(marker) = calendar.change_marker.as_deref() {
                    let check = |r: remote::Remote| async move { r.unchanged_since(calendar, marker, window).await };
                    if let Some(marker) = remote::with_remote(app, connection, check).await? {
                        let mut tx = app.db.begin_locked(&connection.user_id).await?;
                        tx.confirm_calendar_cache(&calendar.id, Some(&marker), app.now_ms()).await?;
                        tx.commit().await?;
                        continue;
                    }
                }
                let zone = zone.as_str();
                let read = |r: remote::Remote| async move { r.events(calendar, window, zone).await };
                let (busy, marker) = remote::with_remote(app, connection, read).await?;
                (busy, marker, false)
            }
        };
        let busy = without_own_events(app, &connection.user_id, busy).await?;
        let mut tx = app.db.begin_locked(&connection.user_id).await?;
        tx.replace_calendar_busy(calendar, &busy_read(&busy, span, marker.as_deref(), free_busy), app.now_ms()).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Where a connection's calendars are read from.
pub enum Source {
    CalDav(calendars::caldav::CalDav),
    Feed(url::Url),
    /// Google or Microsoft, through the OAuth core.
    OAuth(ConnectionRow),
}

impl Source {
    pub fn of(app: &App, connection: &ConnectionRow) -> Result<Source, CalendarError> {
        Ok(match connection.provider {
            Provider::Google | Provider::Microsoft => Source::OAuth(connection.clone()),
            Provider::CalDav => Source::CalDav(calendars::caldav::CalDav::new(
                app.calendars.http.clone(),
                connection.account.clone(),
                open_secret(&app.secrets, connection)?,
            )),
            Provider::Ics => {
                use secrecy::ExposeSecret;
                let secret = open_secret(&app.secrets, connection)?;
                Source::Feed(
                    url::Url::parse(secret.expose_secret()).map_err(|e| anyhow::anyhow!("stored feed URL: {e}"))?,
                )
            }
        })
    }

    /// Busy events of one calendar in `[from, to)`, read live.
    pub async fn read(
        &self,
        app: &App,
        calendar: &CalendarRow,
        span: (i64, i64),
        zone: &str,
    ) -> Result<Vec<BusyEvent>, CalendarError> {
        match self {
            Source::CalDav(dav) => {
                let href = url::Url::parse(&calendar.href).map_err(|e| anyhow::anyhow!("stored calendar URL: {e}"))?;
                Ok(read_caldav(dav, calendar, &href, span, zone).await?.0)
            }
            Source::Feed(url) => read_feed(app, url, span, zone).await,
            Source::OAuth(connection) => {
                let window = window_of(span)?;
                remote::with_remote(app, connection, |r| async move { r.live_busy(calendar, window, zone).await }).await
            }
        }
    }
}

/// A CalDAV calendar's busy events: a free-busy-query where the server answers it, else the
/// events themselves (expanded here). The calendar Prospo writes into is always read event by
/// event: free-busy answers carry no UID, so Prospo's own events could not be told apart.
async fn read_caldav(
    dav: &calendars::caldav::CalDav,
    calendar: &CalendarRow,
    href: &url::Url,
    span: (i64, i64),
    zone: &str,
) -> Result<(Vec<BusyEvent>, bool), CalendarError> {
    let window = window_of(span)?;
    if calendar.free_busy && !calendar.write_bookings {
        if let Some(busy) = dav.free_busy(href, window).await? {
            return Ok((busy, true));
        }
        return Ok((dav.events(href, window, zone).await?, false));
    }
    Ok((dav.events(href, window, zone).await?, calendar.free_busy))
}

/// Downloads and reads an ICS feed (at most 10 MB).
pub async fn read_feed(
    app: &App,
    url: &url::Url,
    span: (i64, i64),
    zone: &str,
) -> Result<Vec<BusyEvent>, CalendarError> {
    let request = outbound::Request::new(reqwest::Method::GET, url.clone())
        .timeout(Duration::from_secs(15))
        .max_body(MAX_CALENDAR_BYTES);
    let response = app.calendars.http.send(request).await?;
    if !response.status.is_success() {
        return Err(match response.status.as_u16() {
            401 | 403 | 404 | 410 => CalendarError::IcsInvalid,
            status => CalendarError::Unavailable(format!("the feed answered {status}")),
        });
    }
    let text = std::str::from_utf8(&response.body).map_err(|_| CalendarError::IcsInvalid)?;
    calendars::ics::busy_events(text, window_of(span)?, zone).map_err(|_| CalendarError::IcsInvalid)
}

pub fn window_of((from, to): (i64, i64)) -> Result<Window, CalendarError> {
    let at = |ms| Timestamp::from_millisecond(ms).map_err(|e| CalendarError::Internal(anyhow::anyhow!("{e}")));
    Ok(Window { start: at(from)?, end: at(to)? })
}

/// Prospo's own events (UID `{id}@prospo` for one of the host's meetings) are never busy time.
pub async fn without_own_events(
    app: &App,
    host_id: &str,
    busy: Vec<BusyEvent>,
) -> Result<Vec<BusyEvent>, CalendarError> {
    let candidates: Vec<String> = busy
        .iter()
        .filter_map(|b| b.uid.as_deref()?.strip_suffix("@prospo").map(str::to_owned))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if candidates.is_empty() {
        return Ok(busy);
    }
    let own: HashSet<String> = app.db.meetings_of_host_among(host_id, &candidates).await?.into_iter().collect();
    Ok(busy
        .into_iter()
        .filter(|b| !b.uid.as_deref().and_then(|u| u.strip_suffix("@prospo")).is_some_and(|id| own.contains(id)))
        .collect())
}

/// The cache rows of a read.
pub fn busy_read<'a>(busy: &[BusyEvent], span: (i64, i64), marker: Option<&'a str>, free_busy: bool) -> BusyRead<'a> {
    BusyRead {
        busy: busy.iter().map(|b| (b.start.as_millisecond(), b.end.as_millisecond(), b.title.clone())).collect(),
        from: span.0,
        until: span.1,
        change_marker: marker,
        free_busy,
    }
}
