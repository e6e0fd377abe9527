//! "Why is this time not free?": one host-local day's hours and every busy interval with its source
//! (a Prospo meeting, or a connected calendar and the event's title).

use jiff::civil::Date;
use jiff::{Timestamp, tz::TimeZone};

use super::availability::AvailabilityProblem;
use crate::app::App;

pub struct BusyDay {
    pub timezone: String,
    /// The day's hours, `HH:MM` in the host's zone (`24:00` ends the day).
    pub hours: Vec<(String, String)>,
    pub busy: Vec<BusyItem>,
}

pub struct BusyItem {
    pub start_ms: i64,
    pub end_ms: i64,
    pub source: BusySource,
    pub title: Option<String>,
}

pub enum BusySource {
    Meeting { meeting_id: String },
    Calendar { connection_id: String, calendar_id: String, calendar_name: String },
}

pub async fn busy_day(app: &App, host_id: &str, date: Date) -> Result<BusyDay, AvailabilityProblem> {
    let avail = super::availability::load(&app.db, host_id).await?;
    let zone: &TimeZone = avail.time_zone();
    let at = |d: Date| zone.to_timestamp(d.to_datetime(jiff::civil::Time::midnight())).map(Timestamp::as_millisecond);
    let from = at(date).unwrap_or(0);
    let to = date.tomorrow().ok().and_then(|d| at(d).ok()).unwrap_or(from + 24 * 3600 * 1000);
    let hours = avail.intervals_on(date).iter().map(|i| (hh_mm(i.start_minute()), hh_mm(i.end_minute()))).collect();
    let mut busy = Vec::new();
    for row in app.db.busy_meetings(host_id, from, to).await? {
        let title = app.db.meeting(&row.id).await?.map(|m| m.topic);
        busy.push(BusyItem {
            start_ms: row.start_at,
            end_ms: row.end_at,
            source: BusySource::Meeting { meeting_id: row.id },
            title,
        });
    }
    let calendars = app.db.calendars_of_user(host_id).await?;
    for row in app.db.calendar_busy(host_id, from, to).await? {
        let Some(calendar) = calendars.iter().find(|c| c.id == row.calendar_id) else { continue };
        busy.push(BusyItem {
            start_ms: row.start_at,
            end_ms: row.end_at,
            source: BusySource::Calendar {
                connection_id: calendar.connection_id.clone(),
                calendar_id: calendar.id.clone(),
                calendar_name: calendar.name.clone(),
            },
            title: row.title,
        });
    }
    busy.sort_by_key(|b| (b.start_ms, b.end_ms));
    Ok(BusyDay { timezone: avail.time_zone_name().to_owned(), hours, busy })
}

/// `HH:MM`; the end of the day is written `23:59`, as the availability API takes it.
fn hh_mm(minute: u16) -> String {
    if minute >= 24 * 60 {
        return "23:59".to_owned();
    }
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// What a new meeting of the host at `[from, to)` overlaps, as the host reads it ("“Dentist” in
/// Work", "the meeting “Intro call with Sam”"): New meeting warns with it and does not refuse.
pub async fn overlaps(
    app: &App,
    host_id: &str,
    (from, to): (i64, i64),
    except_meeting: &str,
) -> Result<Vec<String>, crate::store::StoreError> {
    let mut found = Vec::new();
    for row in app.db.busy_meetings(host_id, from, to).await? {
        if row.id != except_meeting
            && let Some(meeting) = app.db.meeting(&row.id).await?
        {
            found.push(format!("the meeting “{}”", meeting.topic));
        }
    }
    let calendars = app.db.calendars_of_user(host_id).await?;
    for row in app.db.calendar_busy(host_id, from, to).await? {
        let calendar = calendars.iter().find(|c| c.id == row.calendar_id).map_or("a calendar", |c| c.name.as_str());
        found.push(match row.title {
            Some(title) => format!("“{title}” in {calendar}"),
            None => format!("a busy time in {calendar}"),
        });
    }
    Ok(found)
}
