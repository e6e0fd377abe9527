//! Busy times of connected calendars at submit: one live read per conflict calendar of just the
//! slot's span (the booking page reads the cache: `Db::calendar_busy_spans`).

use std::time::Duration;

use jiff::Timestamp;

use super::CalendarError;
use super::sync::Source;
use crate::app::App;
use crate::domain::slots::Busy;
use crate::store::calendars::{CachedBusy, CalendarRow};

/// How long a submit waits for the live check of the host's calendars (product.md §7).
pub const LIVE_CHECK_TIMEOUT: Duration = Duration::from_secs(3);
/// A cache older than this, of a calendar that cannot be read at submit, refuses the booking.
pub const STALE_AFTER_MS: i64 = 15 * 60_000;

fn as_busy(row: &CachedBusy) -> Option<Busy> {
    Some(Busy::new(Timestamp::from_millisecond(row.start_at).ok()?, Timestamp::from_millisecond(row.end_at).ok()?))
}

/// The host's calendar busy times over `[from, to)` at submit: read live from every conflict
/// calendar (all at once, at most 3 s). A calendar that cannot be read turns Needs attention and
/// counts with its cache, unless that cache is older than 15 minutes: then the booking is refused
/// (`calendar_unavailable`) rather than accepted blindly.
pub async fn at_submit(app: &App, host_id: &str, from: i64, to: i64) -> Result<Vec<Busy>, CalendarError> {
    let calendars: Vec<CalendarRow> =
        app.db.calendars_of_user(host_id).await?.into_iter().filter(|c| c.check_conflicts).collect();
    if calendars.is_empty() {
        return Ok(Vec::new());
    }
    let zone = super::host_zone(app, host_id).await?;
    let reads = calendars.iter().map(|calendar| live_read(app, calendar, (from, to), &zone));
    let results = futures::future::join_all(reads).await;
    let mut busy = Vec::new();
    let mut cached_rows: Option<Vec<CachedBusy>> = None;
    for (calendar, result) in calendars.iter().zip(results) {
        match result {
            Ok(events) => busy.extend(events.iter().filter_map(|e| {
                Some(Busy::new(e.start, e.end))
                    .filter(|_| e.start.as_millisecond() < to && e.end.as_millisecond() > from)
            })),
            Err(e @ (CalendarError::Store(_) | CalendarError::Internal(_))) => return Err(e),
            Err(e) => {
                if let Some(connection) = app.db.calendar_connection(&calendar.connection_id).await? {
                    super::sync::record_failure(app, &connection, &e).await?;
                }
                let fresh = calendar.synced_at.is_some_and(|at| app.now_ms() - at <= STALE_AFTER_MS);
                if !fresh {
                    return Err(CalendarError::Unavailable("a connected calendar cannot be read".into()));
                }
                let rows = match &mut cached_rows {
                    Some(rows) => rows,
                    None => cached_rows.insert(app.db.calendar_busy(host_id, from, to).await?),
                };
                busy.extend(rows.iter().filter(|r| r.calendar_id == calendar.id).filter_map(as_busy));
            }
        }
    }
    Ok(busy)
}

async fn live_read(
    app: &App,
    calendar: &CalendarRow,
    span: (i64, i64),
    zone: &str,
) -> Result<Vec<calendars::BusyEvent>, CalendarError> {
    let Some(connection) = app.db.calendar_connection(&calendar.connection_id).await? else { return Ok(Vec::new()) };
    let source = Source::of(app, &connection)?;
    let read = async {
        let events = source.read(app, calendar, span, zone).await?;
        super::sync::without_own_events(app, &calendar.user_id, events).await
    };
    match tokio::time::timeout(LIVE_CHECK_TIMEOUT, read).await {
        Ok(result) => result,
        Err(_) => Err(CalendarError::Unavailable("no answer within 3 seconds".into())),
    }
}
