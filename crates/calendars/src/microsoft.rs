//! A Microsoft Graph (v1.0) calendar client for one connected account: Microsoft 365
//! work or school accounts and Outlook.com personal accounts (an OAuth access token).
//!
//! * [`MicrosoftCalendar::me`]: the account's email address.
//! * [`MicrosoftCalendar::calendars`]: `GET /me/calendars`, every page.
//! * [`MicrosoftCalendar::events`]: `calendarView` of one calendar, times in UTC.
//! * [`MicrosoftCalendar::changed_since`]: `calendarView/delta` as a cheap change marker.
//! * [`MicrosoftCalendar::put_event`], [`MicrosoftCalendar::update_event`],
//!   [`MicrosoftCalendar::delete_event`]: Prospo's own event, created with `transactionId`
//!   `{meeting id}@prospo` so that Graph drops a retried create and Prospo recognises the
//!   event when it reads the calendar back.
//!
//! Paging links (`@odata.nextLink`, `@odata.deltaLink`) are followed only when they stay
//! under the configured base, so the token goes nowhere else. Errors are classified by
//! HTTP status and Graph's `error.code`, never by message text.

use crate::ics::{BusyEvent, Window};
use crate::provider::{
    self, Answer, Api, ChangeCheck, MAX_PAGES, NewEvent, PROSPO_UID_SUFFIX, ProviderCalendar, ProviderError, prospo_uid,
};
use jiff::Timestamp;
use jiff::civil::{self, Date, Time};
use jiff::tz::TimeZone;
use reqwest::header::HeaderName;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use url::Url;

/// Graph's v1.0 endpoint; tests point the client at a sandbox instead.
pub const DEFAULT_BASE: &str = "https://graph.microsoft.com/v1.0";

/// The least delegated permissions that do everything here:
/// * `offline_access`: a refresh token, so the connection outlives the one-hour access token.
/// * `User.Read`: `GET /me` (the account's email address); the least permission for it.
/// * `Calendars.ReadWrite`: creating, updating and deleting events needs it (the least for
///   `POST …/events`), and it covers listing calendars, `calendarView` and `delta`, which
///   alone would need `Calendars.ReadBasic`/`Calendars.Read`. Only the user's own
///   calendars: no `.Shared` permission, no mail.
pub const SCOPES: [&str; 3] = ["offline_access", "User.Read", "Calendars.ReadWrite"];

/// `calendarView` pages: `$top` may be 1 to 1000.
const CALENDAR_VIEW_PAGE: &str = "1000";
/// Properties read from `calendarView` (`createdDateTime` etc. cannot be selected and are not needed).
const EVENT_FIELDS: &str = "id,subject,start,end,isAllDay,isCancelled,showAs,responseStatus,transactionId,iCalUId,originalStartTimeZone,originalEndTimeZone";
/// `delta` cannot `$select`, so its pages carry whole events; kept small to stay far below
/// the answer limit.
const DELTA_PAGE: &str = "odata.maxpagesize=100";
/// Event times come back in UTC (`dateTime` with seven fractional digits and no offset).
const UTC_TIMES: &str = "outlook.timezone=\"UTC\"";
const PREFER: HeaderName = HeaderName::from_static("prefer");

/// One Microsoft account.
#[derive(Debug, Clone)]
pub struct MicrosoftCalendar {
    api: Api,
}

impl MicrosoftCalendar {
    /// `http` is the caller's client (with its timeouts); `base` is [`DEFAULT_BASE`] in production.
    pub fn new(http: reqwest::Client, base: Url, access_token: SecretString) -> Self {
        Self { api: Api::new(http, base, access_token, classify) }
    }

    /// The account's email address (`GET /me`): `mail`, else `userPrincipalName` (accounts
    /// without a mailbox address, such as some Outlook.com ones, have only the latter).
    pub async fn me(&self) -> Result<String, ProviderError> {
        let req = self.api.request(Method::GET, self.api.url(&["me"])).query(&[("$select", "mail,userPrincipalName")]);
        let me: Me = self.api.json(req, "/me").await?;
        me.mail
            .filter(|m| !m.is_empty())
            .or(me.user_principal_name.filter(|u| !u.is_empty()))
            .ok_or_else(|| ProviderError::Protocol("/me has neither mail nor userPrincipalName".into()))
    }

    /// The account's calendars (`GET /me/calendars`, every page). Writable: `canEdit`;
    /// default: `isDefaultCalendar`.
    pub async fn calendars(&self) -> Result<Vec<ProviderCalendar>, ProviderError> {
        let mut req = self
            .api
            .request(Method::GET, self.api.url(&["me", "calendars"]))
            .query(&[("$select", "id,name,canEdit,isDefaultCalendar")]);
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: Page<Calendar> = self.api.json(req, "calendars").await?;
            out.extend(page.value.into_iter().map(|c| ProviderCalendar {
                name: c.name.filter(|n| !n.is_empty()).unwrap_or_else(|| c.id.clone()),
                writable: c.can_edit == Some(true),
                is_default: c.is_default_calendar == Some(true),
                id: c.id,
            }));
            match page.next_link {
                Some(next) => req = self.api.request(Method::GET, self.api.own_link(&next)?),
                None => return Ok(out),
            }
        }
        Err(too_many_pages())
    }

    /// Busy events of the calendar overlapping the window (`GET
    /// /me/calendars/{id}/calendarView` in UTC, every page), skipping cancelled ones,
    /// `showAs: free` and invitations the account declined; tentative ones are busy.
    /// All-day events block their days in `host_zone` (an IANA name). The UID is the
    /// `transactionId` when it is Prospo's (`{meeting id}@prospo`), else the `iCalUId`.
    pub async fn events(
        &self,
        calendar_id: &str,
        window: Window,
        host_zone: &str,
    ) -> Result<Vec<BusyEvent>, ProviderError> {
        let tz = provider::host_zone(host_zone)?;
        let (start, end) = (provider::rfc3339(window.start), provider::rfc3339(window.end));
        let mut req =
            self.api.request(Method::GET, self.api.url(&["me", "calendars", calendar_id, "calendarView"])).query(&[
                ("startDateTime", start.as_str()),
                ("endDateTime", end.as_str()),
                ("$select", EVENT_FIELDS),
                ("$top", CALENDAR_VIEW_PAGE),
            ]);
        let mut events = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: Page<Event> = self.api.json(req.header(PREFER, UTC_TIMES), "calendarView").await?;
            for e in &page.value {
                if let Some(b) = busy(e, &tz)?
                    && window.overlaps(b.start, b.end)
                {
                    events.push(b);
                }
            }
            match page.next_link {
                Some(next) => req = self.api.request(Method::GET, self.api.own_link(&next)?),
                None => {
                    events.sort_by(|a, b| (a.start, a.end, &a.uid).cmp(&(b.start, b.end, &b.uid)));
                    return Ok(events);
                }
            }
        }
        Err(too_many_pages())
    }

    /// Whether anything in the calendar's view of `window` changed since `delta_link`,
    /// and the new delta link (`calendarView/delta`, every page). Without a link this is
    /// the first round (a full read of the view, counted as changed) that yields one; the
    /// window is encoded in the link, so later checks cover the first round's window.
    /// [`ProviderError::Gone`] when Graph no longer knows the link: start a new round.
    pub async fn changed_since(
        &self,
        calendar_id: &str,
        window: Window,
        delta_link: Option<&str>,
    ) -> Result<ChangeCheck, ProviderError> {
        let mut changed = delta_link.is_none();
        let mut req = match delta_link {
            Some(link) => self.api.request(Method::GET, self.api.own_link(link)?),
            None => {
                let url = self.api.url(&["me", "calendars", calendar_id, "calendarView", "delta"]);
                let (start, end) = (provider::rfc3339(window.start), provider::rfc3339(window.end));
                self.api
                    .request(Method::GET, url)
                    .query(&[("startDateTime", start.as_str()), ("endDateTime", end.as_str())])
            }
        };
        for _ in 0..MAX_PAGES {
            let page: DeltaPage = self.api.json(req.header(PREFER, DELTA_PAGE), "calendarView/delta").await?;
            changed |= !page.value.is_empty();
            match (page.next_link, page.delta_link) {
                (Some(next), _) => req = self.api.request(Method::GET, self.api.own_link(&next)?),
                (None, Some(token)) => {
                    self.api.own_link(&token)?;
                    return Ok(ChangeCheck { changed, token });
                }
                (None, None) => {
                    return Err(ProviderError::Protocol("a delta page with neither nextLink nor deltaLink".into()));
                }
            }
        }
        Err(too_many_pages())
    }

    /// Creates the meeting's event in the calendar (`POST /me/calendars/{id}/events`) with
    /// `transactionId` `{meeting id}@prospo`, times in UTC and a plain-text body. Returns
    /// Graph's event id.
    ///
    /// Invitees are not sent as `attendees`: Graph then makes Outlook send its own meeting
    /// invitations (and updates and cancellations later), and Prospo already mails every
    /// invitee its invitation and `.ics`. They are listed in the body instead, so the host
    /// still sees who is coming; the event is a plain appointment on the host's calendar.
    pub async fn put_event(&self, calendar_id: &str, event: &NewEvent<'_>) -> Result<String, ProviderError> {
        let body = EventBody::new(event, Some(prospo_uid(event.meeting_id)));
        let req = self.api.request(Method::POST, self.api.url(&["me", "calendars", calendar_id, "events"])).json(&body);
        let created: Created = self.api.json(req, "created event").await?;
        Ok(created.id)
    }

    /// Replaces the event's subject, body, times and location (`PATCH /me/events/{id}`).
    pub async fn update_event(&self, event_id: &str, event: &NewEvent<'_>) -> Result<(), ProviderError> {
        let req = self
            .api
            .request(Method::PATCH, self.api.url(&["me", "events", event_id]))
            .json(&EventBody::new(event, None));
        let answer = self.api.call(req).await?;
        if answer.status.is_success() { Ok(()) } else { Err(self.api.error(&answer)) }
    }

    /// Deletes the event (`DELETE /me/events/{id}`); one that is already gone counts as deleted.
    pub async fn delete_event(&self, event_id: &str) -> Result<(), ProviderError> {
        let answer = self.api.call(self.api.request(Method::DELETE, self.api.url(&["me", "events", event_id]))).await?;
        match answer.status {
            s if s.is_success() => Ok(()),
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(()),
            _ => Err(self.api.error(&answer)),
        }
    }
}

fn too_many_pages() -> ProviderError {
    ProviderError::Protocol(format!("more than {MAX_PAGES} pages"))
}

/// The busy range of one calendarView event, or `None` when it does not block time.
fn busy(e: &Event, tz: &TimeZone) -> Result<Option<BusyEvent>, ProviderError> {
    let declined = e.response_status.as_ref().and_then(|r| r.response.as_deref()) == Some("declined");
    if e.is_cancelled == Some(true) || e.show_as.as_deref() == Some("free") || declined {
        return Ok(None);
    }
    let (Some(start), Some(end)) = (&e.start, &e.end) else {
        return Err(ProviderError::Protocol("an event without start or end".into()));
    };
    let (start, end) = if e.is_all_day == Some(true) {
        match (
            all_day_date(start, e.original_start_time_zone.as_deref())?,
            all_day_date(end, e.original_end_time_zone.as_deref())?,
        ) {
            (Some(s), Some(e)) => provider::whole_days(s, e, tz)?,
            // A custom legacy zone: keep the span Outlook reports.
            _ => (instant(start)?, instant(end)?),
        }
    } else {
        (instant(start)?, instant(end)?)
    };
    let uid = e.transaction_id.clone().filter(|t| t.ends_with(PROSPO_UID_SUFFIX)).or_else(|| e.ical_uid.clone());
    Ok(Some(BusyEvent { start, end, uid, title: e.subject.clone() }))
}

/// `dateTimeTimeZone` as an instant: `2026-03-20T09:00:00.0000000` in `timeZone` (UTC as
/// asked; an IANA or Windows name should Graph ignore the preference).
fn instant(w: &When) -> Result<Timestamp, ProviderError> {
    let dt = civil_time(w)?;
    let tz = match w.time_zone.as_deref() {
        None | Some("UTC") => TimeZone::UTC,
        Some(name) => {
            provider::zone(name).ok_or_else(|| ProviderError::Protocol("an event time in an unknown zone".into()))?
        }
    };
    dt.to_zoned(tz).map(|z| z.timestamp()).map_err(|_| ProviderError::Protocol("an event time out of range".into()))
}

fn civil_time(w: &When) -> Result<civil::DateTime, ProviderError> {
    w.date_time.parse().map_err(|_| ProviderError::Protocol("an event time that is not ISO 8601".into()))
}

/// The calendar day an all-day boundary stands for. Graph keeps all-day events at midnight
/// of the zone they were made in; shown in UTC that is midnight only for UTC-like zones, so
/// other boundaries are moved back into the event's original zone. `None` when that zone
/// is unknown (`tzone://Microsoft/Custom`).
fn all_day_date(w: &When, original_zone: Option<&str>) -> Result<Option<Date>, ProviderError> {
    let dt = civil_time(w)?;
    if dt.time() == Time::midnight() {
        return Ok(Some(dt.date()));
    }
    let Some(zone) = original_zone.and_then(provider::zone) else {
        return Ok(None);
    };
    Ok(Some(instant(w)?.to_zoned(zone).date()))
}

/// Graph's `dateTimeTimeZone` for a write: seven fractional digits, no offset, in UTC.
fn graph_time(t: Timestamp) -> GraphTime {
    let dt = t.to_zoned(TimeZone::UTC).datetime();
    GraphTime {
        date_time: format!("{}.{:07}", dt.strftime("%Y-%m-%dT%H:%M:%S"), dt.subsec_nanosecond() / 100),
        time_zone: "UTC",
    }
}

/// The body text: Prospo's description, then who is invited (see [`MicrosoftCalendar::put_event`]).
fn body_text(event: &NewEvent<'_>) -> String {
    let mut text = event.description.to_string();
    if !event.attendees.is_empty() {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str("Invitees:");
        for &(name, email) in event.attendees {
            if name.is_empty() {
                text.push_str(&format!("\n{email}"));
            } else {
                text.push_str(&format!("\n{name} <{email}>"));
            }
        }
    }
    text
}

/// Graph's error body: `{"error": {"code": "ErrorItemNotFound", "message": "…", "innerError": {…}}}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: Option<String>,
}

/// Classifies a non-2xx answer by status and Graph's `error.code`.
fn classify(answer: &Answer) -> ProviderError {
    let code = serde_json::from_slice::<ErrorBody>(&answer.body)
        .ok()
        .and_then(|b| b.error.code)
        .and_then(|c| provider::reason_code(&c));
    match code.as_deref().map(str::to_ascii_lowercase).as_deref() {
        // A malformed id names nothing that exists.
        Some("erroritemnotfound" | "errorinvalididmalformed") => ProviderError::NotFound,
        // The delta link is no longer known: a new round is needed.
        Some("syncstatenotfound" | "syncstateinvalid" | "resyncrequired") => ProviderError::Gone,
        // The account has no Exchange Online mailbox (Graph answers 404): no calendar at all.
        Some("mailboxnotenabledforrestapi" | "mailboxnotsupportedforrestapi") => {
            ProviderError::Forbidden(code.unwrap_or_default())
        }
        _ => provider::classify_status(answer.status, &answer.headers, code),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Me {
    mail: Option<String>,
    user_principal_name: Option<String>,
}

/// A collection page: `value` and, when more follow, `@odata.nextLink`.
#[derive(Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

#[derive(Deserialize)]
struct DeltaPage {
    #[serde(default)]
    value: Vec<IgnoredAny>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    delta_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Calendar {
    id: String,
    name: Option<String>,
    can_edit: Option<bool>,
    is_default_calendar: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    subject: Option<String>,
    start: Option<When>,
    end: Option<When>,
    is_all_day: Option<bool>,
    is_cancelled: Option<bool>,
    show_as: Option<String>,
    response_status: Option<ResponseStatus>,
    transaction_id: Option<String>,
    #[serde(rename = "iCalUId")]
    ical_uid: Option<String>,
    original_start_time_zone: Option<String>,
    original_end_time_zone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct When {
    date_time: String,
    time_zone: Option<String>,
}

#[derive(Deserialize)]
struct ResponseStatus {
    response: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

/// The event Prospo writes (create: with `transactionId`, which Graph cannot change later).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventBody<'a> {
    subject: &'a str,
    body: ItemBody,
    start: GraphTime,
    end: GraphTime,
    /// An empty name clears a join link an earlier version had.
    location: Location<'a>,
    show_as: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    transaction_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemBody {
    content_type: &'static str,
    content: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GraphTime {
    date_time: String,
    time_zone: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    display_name: &'a str,
}

impl<'a> EventBody<'a> {
    fn new(event: &NewEvent<'a>, transaction_id: Option<String>) -> Self {
        Self {
            subject: event.summary,
            body: ItemBody { content_type: "text", content: body_text(event) },
            start: graph_time(event.start),
            end: graph_time(event.end),
            location: Location { display_name: event.location.unwrap_or("") },
            show_as: "busy",
            transaction_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};
    use serde_json::json;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn answer(status: u16, body: serde_json::Value) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.to_string().into(),
        }
    }

    fn graph_error(code: &str, message: &str) -> serde_json::Value {
        json!({"error": {"code": code, "message": message,
            "innerError": {"date": "2026-03-20T09:00:00", "request-id": "b0a2c9f2-0000-4000-8000-000000000000"}}})
    }

    #[test]
    fn graph_times() {
        let w = |dt: &str, tz: &str| When { date_time: dt.into(), time_zone: Some(tz.into()) };
        assert_eq!(instant(&w("2016-12-09T20:30:00.0000000", "UTC")).unwrap(), ts("2016-12-09T20:30:00Z"));
        assert_eq!(
            instant(&w("2019-03-15T12:00:00.0000000", "Pacific Standard Time")).unwrap(),
            ts("2019-03-15T19:00:00Z")
        );
        assert_eq!(instant(&w("2019-03-15T12:00:00", "Europe/Paris")).unwrap(), ts("2019-03-15T11:00:00Z"));
        assert!(instant(&w("2019-03-15T12:00:00Z+", "UTC")).is_err());
        assert!(instant(&w("2019-03-15T12:00:00", "tzone://Microsoft/Custom")).is_err());
        let g = graph_time(ts("2026-03-20T09:00:00.1234567Z"));
        assert_eq!((g.date_time.as_str(), g.time_zone), ("2026-03-20T09:00:00.1234567", "UTC"));
        assert_eq!(graph_time(ts("2026-03-20T09:00:00Z")).date_time, "2026-03-20T09:00:00.0000000");
    }

    #[test]
    fn calendar_view_events_become_busy_times() {
        let host = TimeZone::get("Europe/Berlin").unwrap();
        let e = |v: serde_json::Value| busy(&serde_json::from_value::<Event>(v).unwrap(), &host).unwrap();
        let utc = |dt: &str| json!({"dateTime": dt, "timeZone": "UTC"});

        let timed = e(json!({"subject": "Review", "showAs": "tentative", "iCalUId": "040000008200E00074C5B7101A82E008",
            "transactionId": null, "start": utc("2026-03-20T09:00:00.0000000"), "end": utc("2026-03-20T10:00:00.0000000")}))
        .unwrap();
        assert_eq!((timed.start, timed.end), (ts("2026-03-20T09:00:00Z"), ts("2026-03-20T10:00:00Z")));
        assert_eq!(timed.uid.as_deref(), Some("040000008200E00074C5B7101A82E008"));

        let ours = e(json!({"transactionId": "m1@prospo", "iCalUId": "0400",
            "start": utc("2026-03-20T09:00:00.0000000"), "end": utc("2026-03-20T09:30:00.0000000")}))
        .unwrap();
        assert_eq!(ours.uid.as_deref(), Some("m1@prospo"));
        let other_app = e(json!({"transactionId": "7E163156-7762-4BEB-A1C6-729EA81755A7", "iCalUId": "0400",
            "start": utc("2026-03-20T09:00:00.0000000"), "end": utc("2026-03-20T09:30:00.0000000")}))
        .unwrap();
        assert_eq!(other_app.uid.as_deref(), Some("0400"));

        // An all-day event made in Tokyo, shown in UTC: 15:00 the day before.
        let tokyo = e(json!({"isAllDay": true, "originalStartTimeZone": "Tokyo Standard Time",
            "originalEndTimeZone": "Tokyo Standard Time",
            "start": utc("2026-03-19T15:00:00.0000000"), "end": utc("2026-03-20T15:00:00.0000000")}))
        .unwrap();
        assert_eq!((tokyo.start, tokyo.end), (ts("2026-03-19T23:00:00Z"), ts("2026-03-20T23:00:00Z")));
        // Shown at midnight: the day as given, blocked in the host's zone.
        let floating = e(json!({"isAllDay": true, "originalStartTimeZone": "UTC",
            "start": utc("2026-03-20T00:00:00.0000000"), "end": utc("2026-03-22T00:00:00.0000000")}))
        .unwrap();
        assert_eq!((floating.start, floating.end), (ts("2026-03-19T23:00:00Z"), ts("2026-03-21T23:00:00Z")));
        let custom = e(json!({"isAllDay": true, "originalStartTimeZone": "tzone://Microsoft/Custom",
            "start": utc("2026-03-19T15:00:00.0000000"), "end": utc("2026-03-20T15:00:00.0000000")}))
        .unwrap();
        assert_eq!((custom.start, custom.end), (ts("2026-03-19T15:00:00Z"), ts("2026-03-20T15:00:00Z")));

        let when = utc("2026-03-20T09:00:00.0000000");
        assert_eq!(e(json!({"isCancelled": true, "start": when, "end": when})), None);
        assert_eq!(e(json!({"showAs": "free", "start": when, "end": when})), None);
        assert_eq!(
            e(
                json!({"responseStatus": {"response": "declined", "time": "2026-03-01T00:00:00Z"}, "start": when, "end": when})
            ),
            None
        );
        assert!(e(json!({"showAs": "oof", "start": when, "end": when})).is_some());
    }

    #[test]
    fn event_bodies() {
        let attendees = [("Ana", "ana@example.com"), ("", "bo@example.com")];
        let event = NewEvent {
            meeting_id: "m1",
            summary: "Intro",
            description: "Join: https://zoom.us/j/1",
            start: ts("2026-03-20T09:00:00Z"),
            end: ts("2026-03-20T09:30:00Z"),
            location: Some("https://zoom.us/j/1"),
            attendees: &attendees,
        };
        let create = serde_json::to_value(EventBody::new(&event, Some(prospo_uid("m1")))).unwrap();
        assert_eq!(
            create,
            json!({
                "subject": "Intro",
                "body": {"contentType": "text", "content": "Join: https://zoom.us/j/1\n\nInvitees:\nAna <ana@example.com>\nbo@example.com"},
                "start": {"dateTime": "2026-03-20T09:00:00.0000000", "timeZone": "UTC"},
                "end": {"dateTime": "2026-03-20T09:30:00.0000000", "timeZone": "UTC"},
                "location": {"displayName": "https://zoom.us/j/1"},
                "showAs": "busy",
                "transactionId": "m1@prospo"
            })
        );
        assert!(create.get("attendees").is_none(), "Graph would mail invitations");
        let patch =
            serde_json::to_value(EventBody::new(&NewEvent { location: None, attendees: &[], ..event }, None)).unwrap();
        assert!(patch.get("transactionId").is_none());
        assert_eq!(patch["location"]["displayName"], "");
        assert_eq!(patch["body"]["content"], "Join: https://zoom.us/j/1");
    }

    /// Bodies and codes as Graph's error reference and the API pages show them.
    #[test]
    fn error_classification() {
        assert_eq!(
            classify(&answer(
                401,
                graph_error("InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
            )),
            ProviderError::Unauthorized
        );
        assert_eq!(
            classify(&answer(
                403,
                graph_error("ErrorAccessDenied", "Access is denied. Check credentials and try again.")
            )),
            ProviderError::Forbidden("ErrorAccessDenied".into())
        );
        assert_eq!(
            classify(&answer(
                404,
                graph_error("ErrorItemNotFound", "The specified object was not found in the store.")
            )),
            ProviderError::NotFound
        );
        assert_eq!(
            classify(&answer(400, graph_error("ErrorInvalidIdMalformed", "Id is malformed."))),
            ProviderError::NotFound
        );
        assert_eq!(
            classify(&answer(
                404,
                graph_error(
                    "MailboxNotEnabledForRESTAPI",
                    "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
                )
            )),
            ProviderError::Forbidden("MailboxNotEnabledForRESTAPI".into())
        );
        assert_eq!(
            classify(&answer(
                400,
                graph_error(
                    "syncStateNotFound",
                    "The sync state generation is not found. The delta token is expired and data must be synchronized again."
                )
            )),
            ProviderError::Gone
        );
        assert_eq!(classify(&answer(410, graph_error("SyncStateNotFound", "x"))), ProviderError::Gone);
        let mut throttled =
            answer(429, graph_error("ApplicationThrottled", "Application is over its MailboxConcurrency limit."));
        throttled.headers.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(
            classify(&throttled),
            ProviderError::RateLimited { retry_after: Some(std::time::Duration::from_secs(3)) }
        );
        assert_eq!(
            classify(&answer(503, graph_error("ServiceNotAvailable", "The service is temporarily unavailable."))),
            ProviderError::Unavailable("HTTP 503".into())
        );
        assert_eq!(
            classify(&answer(400, graph_error("ErrorInvalidRequest", "Your request is invalid."))),
            ProviderError::Protocol("HTTP 400 (ErrorInvalidRequest)".into())
        );
    }
}
