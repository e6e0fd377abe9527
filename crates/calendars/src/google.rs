//! A Google Calendar API v3 client for one connected account (an OAuth access token).
//!
//! * [`GoogleCalendar::calendars`]: `calendarList.list`, every page.
//! * [`GoogleCalendar::free_busy`]: `freebusy.query`, split to Google's limits and merged; a
//!   calendar Google reports an error for is an error, never an empty busy list.
//! * [`GoogleCalendar::events`]: `events.list` expanded to instances, read in UTC, with the
//!   `nextSyncToken` that [`GoogleCalendar::changed_since`] uses as a cheap change marker.
//! * [`GoogleCalendar::put_event`], [`GoogleCalendar::update_event`],
//!   [`GoogleCalendar::delete_event`]: Prospo's own event, at an id derived from the meeting
//!   id (see [`event_id`]), so a retried create never makes a second event.
//!
//! Errors are classified by HTTP status and Google's `reason` codes (never by message
//! text): a 403 whose reason is a usage limit is [`ProviderError::RateLimited`], any other
//! 403 is [`ProviderError::Forbidden`] with the reason (`ACCESS_TOKEN_SCOPE_INSUFFICIENT`,
//! `forbiddenForNonOrganizer`, ...).

use crate::ics::{BusyEvent, Window};
use crate::provider::{
    self, Answer, Api, ChangeCheck, MAX_PAGES, NewEvent, ProviderCalendar, ProviderError, prospo_uid,
};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use url::Url;

/// Google's API host; tests point the client at a sandbox instead.
pub const DEFAULT_BASE: &str = "https://www.googleapis.com";

/// `calendarList.list` accepts `calendar`, `calendar.readonly`, `calendar.calendarlist` and
/// this one, the only one limited to reading the list of calendars.
pub const SCOPE_CALENDAR_LIST: &str = "https://www.googleapis.com/auth/calendar.calendarlist.readonly";
/// `freebusy.query` accepts `calendar`, `calendar.readonly`, `calendar.freebusy` and this one;
/// `calendar.events` does not cover it. `calendar.freebusy` is described as "your availability
/// in your calendars"; this one as "the availability on Google calendars you have access to",
/// which includes calendars shared with the host that they check for conflicts. Both read
/// availability only, never event details.
pub const SCOPE_FREE_BUSY: &str = "https://www.googleapis.com/auth/calendar.events.freebusy";
/// `events.list`, `insert`, `patch` and `delete` all accept this (events only: no calendar
/// settings, sharing or deletion). `calendar.events.owned` would be narrower but refuses
/// calendars the host may write without owning them (accessRole `writer`, e.g. a shared
/// team calendar), which [`ProviderCalendar::writable`] offers.
pub const SCOPE_EVENTS: &str = "https://www.googleapis.com/auth/calendar.events";
/// The least scopes that do all of the above. No `openid`/`email`: the primary calendar's id
/// is the account's email address.
pub const SCOPES: [&str; 3] = [SCOPE_CALENDAR_LIST, SCOPE_FREE_BUSY, SCOPE_EVENTS];

/// `calendarExpansionMax`: at most 50 calendars per `freebusy.query`.
const FREE_BUSY_MAX_CALENDARS: usize = 50;
/// Google documents no largest `timeMax - timeMin` but refuses long ones with
/// `timeRangeTooLong` (observed from about 90 days); windows are asked in 60-day pieces.
const FREE_BUSY_MAX_SPAN: SignedDuration = SignedDuration::from_hours(60 * 24);
/// `events.list` pages hold at most 2500 events, `calendarList.list` pages 250 entries.
const EVENTS_PAGE: &str = "2500";
const CALENDAR_LIST_PAGE: &str = "250";
/// Google mails nobody: Prospo sends invitees its own invitation and `.ics`. (Google warns
/// that invitees' own calendars then do not get the event; that is the intent here.)
const SEND_UPDATES_NONE: (&str, &str) = ("sendUpdates", "none");

/// Usage-limit reasons of 403 answers (Calendar API "Handle API errors"): retry later.
const USAGE_LIMIT_REASONS: &[&str] =
    &["rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded", "quotaExceeded"];

/// Google event ids Prospo chooses start with this (letters within base32hex's `a`-`v`).
const EVENT_ID_PREFIX: &str = "prospo";
/// Google event ids are 5 to 1024 characters.
const EVENT_ID_MAX: usize = 1024;
const BASE32HEX: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// The Google event id of a meeting's event: `prospo` and the meeting id in base32hex
/// (lowercase, unpadded), which uses only the characters Google allows (`a`-`v`, `0`-`9`).
pub fn event_id(meeting_id: &str) -> String {
    let bytes = meeting_id.as_bytes();
    let mut out = String::with_capacity(EVENT_ID_PREFIX.len() + bytes.len().div_ceil(5) * 8);
    out.push_str(EVENT_ID_PREFIX);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32HEX[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32HEX[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The meeting id an [`event_id`] was made from; `None` for any other event id.
pub fn meeting_id_of(event_id: &str) -> Option<String> {
    let encoded = event_id.strip_prefix(EVENT_ID_PREFIX)?;
    let mut out = Vec::with_capacity(encoded.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in encoded.bytes() {
        let v = BASE32HEX.iter().position(|&x| x == c)? as u32;
        acc = ((acc << 5) | v) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // What is left must be the zero padding of the last character.
    if bits >= 5 || acc & ((1 << bits) - 1) != 0 {
        return None;
    }
    String::from_utf8(out).ok().filter(|s| !s.is_empty())
}

/// Events of one calendar in a window, and the token of this listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventList {
    /// Busy instances overlapping the window, sorted by start.
    pub events: Vec<BusyEvent>,
    /// `nextSyncToken` of the last page, for [`GoogleCalendar::changed_since`].
    pub sync_token: Option<String>,
}

/// Busy periods per requested calendar id, or that calendar's own error.
pub type FreeBusy = BTreeMap<String, Result<Vec<BusyEvent>, ProviderError>>;

/// One Google account.
#[derive(Debug, Clone)]
pub struct GoogleCalendar {
    api: Api,
}

impl GoogleCalendar {
    /// `http` is the caller's client (with its timeouts); `base` is [`DEFAULT_BASE`] in production.
    pub fn new(http: reqwest::Client, base: Url, access_token: SecretString) -> Self {
        Self { api: Api::new(http, base, access_token, classify) }
    }

    fn events_url(&self, calendar_id: &str, event_id: Option<&str>) -> Url {
        match event_id {
            Some(e) => self.api.url(&["calendar", "v3", "calendars", calendar_id, "events", e]),
            None => self.api.url(&["calendar", "v3", "calendars", calendar_id, "events"]),
        }
    }

    /// The account's calendars (`GET /calendar/v3/users/me/calendarList`, every page).
    /// Writable: accessRole `owner` or `writer`. The primary one (`is_default`) has the
    /// account's email address as its id.
    pub async fn calendars(&self) -> Result<Vec<ProviderCalendar>, ProviderError> {
        let url = self.api.url(&["calendar", "v3", "users", "me", "calendarList"]);
        let mut out = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut req = self.api.request(Method::GET, url.clone()).query(&[("maxResults", CALENDAR_LIST_PAGE)]);
            if let Some(t) = &page_token {
                req = req.query(&[("pageToken", t)]);
            }
            let page: CalendarListPage = self.api.json(req, "calendarList").await?;
            out.extend(page.items.into_iter().filter(|e| e.deleted != Some(true)).map(|e| ProviderCalendar {
                name: e.summary_override.or(e.summary).unwrap_or_else(|| e.id.clone()),
                writable: matches!(e.access_role.as_deref(), Some("owner" | "writer")),
                is_default: e.primary == Some(true),
                id: e.id,
            }));
            match page.next_page_token {
                Some(t) => page_token = Some(t),
                None => return Ok(out),
            }
        }
        Err(too_many_pages())
    }

    /// Busy periods of each calendar in the window (`POST /calendar/v3/freeBusy`), asked in
    /// pieces of at most 50 calendars and 60 days, merged per calendar. The outer error is
    /// the whole request's (token, rate limit, outage); a calendar Google reports errors for
    /// (no access, not found) gets its own error, and so does one missing from the answer.
    pub async fn free_busy(&self, calendar_ids: &[&str], window: Window) -> Result<FreeBusy, ProviderError> {
        let url = self.api.url(&["calendar", "v3", "freeBusy"]);
        let mut out: FreeBusy = calendar_ids.iter().map(|id| (id.to_string(), Ok(Vec::new()))).collect();
        for span in spans(window) {
            for chunk in calendar_ids.chunks(FREE_BUSY_MAX_CALENDARS) {
                let body = FreeBusyRequest {
                    time_min: provider::rfc3339(span.start),
                    time_max: provider::rfc3339(span.end),
                    time_zone: "UTC",
                    items: chunk.iter().map(|id| FreeBusyItem { id }).collect(),
                };
                let answer: FreeBusyResponse =
                    self.api.json(self.api.request(Method::POST, url.clone()).json(&body), "freeBusy").await?;
                for id in chunk {
                    if out.get(*id).is_some_and(Result::is_err) {
                        continue;
                    }
                    let result: Result<Vec<BusyEvent>, ProviderError> = match answer.calendars.get(*id) {
                        None => Err(ProviderError::Protocol("freeBusy left out a requested calendar".into())),
                        Some(c) if !c.errors.is_empty() => Err(calendar_error(&c.errors)),
                        Some(c) => c.busy.iter().filter_map(|p| period(p, span).transpose()).collect(),
                    };
                    match result {
                        Ok(periods) => {
                            if let Some(Ok(busy)) = out.get_mut(*id) {
                                busy.extend(periods);
                            }
                        }
                        Err(e) => {
                            out.insert(id.to_string(), Err(e));
                        }
                    }
                }
            }
        }
        for busy in out.values_mut().flatten() {
            *busy = merge(std::mem::take(busy));
        }
        Ok(out)
    }

    /// Busy event instances overlapping the window (`GET …/calendars/{id}/events` with
    /// `singleEvents=true&timeZone=UTC`, every page), skipping cancelled and transparent
    /// ("free") events and invitations the account declined; tentative ones are busy.
    /// All-day events block their days in `host_zone` (an IANA name). The UID is the event's
    /// `iCalUID`, or `{meeting id}@prospo` for an event at an [`event_id`].
    pub async fn events(&self, calendar_id: &str, window: Window, host_zone: &str) -> Result<EventList, ProviderError> {
        let tz = provider::host_zone(host_zone)?;
        let url = self.events_url(calendar_id, None);
        let (time_min, time_max) = (provider::rfc3339(window.start), provider::rfc3339(window.end));
        let mut events = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut req = self.api.request(Method::GET, url.clone()).query(&[
                ("timeMin", time_min.as_str()),
                ("timeMax", time_max.as_str()),
                ("singleEvents", "true"),
                ("timeZone", "UTC"),
                ("maxResults", EVENTS_PAGE),
            ]);
            if let Some(t) = &page_token {
                req = req.query(&[("pageToken", t)]);
            }
            let page: EventsPage = self.api.json(req, "events").await?;
            for e in &page.items {
                if let Some(b) = busy(e, &tz)?
                    && window.overlaps(b.start, b.end)
                {
                    events.push(b);
                }
            }
            match page.next_page_token {
                Some(t) => page_token = Some(t),
                None => {
                    events.sort_by(|a, b| (a.start, a.end, &a.uid).cmp(&(b.start, b.end, &b.uid)));
                    return Ok(EventList { events, sync_token: page.next_sync_token });
                }
            }
        }
        Err(too_many_pages())
    }

    /// Whether anything in the calendar changed since `sync_token` (from [`EventList`] or an
    /// earlier check): an incremental `events.list`, every page, with the listing's other
    /// parameters as Google requires. [`ProviderError::Gone`] (410) when the token expired:
    /// read the calendar again with [`GoogleCalendar::events`].
    pub async fn changed_since(&self, calendar_id: &str, sync_token: &str) -> Result<ChangeCheck, ProviderError> {
        let url = self.events_url(calendar_id, None);
        let mut changed = false;
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut req = self.api.request(Method::GET, url.clone()).query(&[
                ("syncToken", sync_token),
                ("singleEvents", "true"),
                ("timeZone", "UTC"),
                ("maxResults", EVENTS_PAGE),
            ]);
            if let Some(t) = &page_token {
                req = req.query(&[("pageToken", t)]);
            }
            let page: EventsPage = self.api.json(req, "events").await?;
            changed |= !page.items.is_empty();
            match (page.next_page_token, page.next_sync_token) {
                (Some(t), _) => page_token = Some(t),
                (None, Some(token)) => return Ok(ChangeCheck { changed, token }),
                (None, None) => {
                    return Err(ProviderError::Protocol("the last events page has no nextSyncToken".into()));
                }
            }
        }
        Err(too_many_pages())
    }

    /// Writes the meeting's event at [`event_id`] with iCalUID `{meeting id}@prospo`
    /// (`POST …/events?sendUpdates=none`). When the id exists already (409: a retried create,
    /// or an event deleted earlier) the event is patched instead, back to `confirmed`.
    /// Returns the Google event id.
    ///
    /// Google advises giving only one of `id` and `iCalUID`; both are given so that the UID
    /// matches the invitation's `.ics`, and [`GoogleCalendar::events`] recognises the event
    /// by its id too, should Google keep a UID of its own.
    pub async fn put_event(&self, calendar_id: &str, event: &NewEvent<'_>) -> Result<String, ProviderError> {
        let id = event_id(event.meeting_id);
        if id.len() > EVENT_ID_MAX {
            return Err(ProviderError::Protocol("the meeting id is too long for a Google event id".into()));
        }
        let body = EventBody::new(event, Some(&id));
        let req = self.api.request(Method::POST, self.events_url(calendar_id, None)).query(&[SEND_UPDATES_NONE]);
        let answer = self.api.call(req.json(&body)).await?;
        match answer.status {
            s if s.is_success() => Ok(id),
            StatusCode::CONFLICT => {
                self.update_event(calendar_id, &id, event).await?;
                Ok(id)
            }
            _ => Err(self.api.error(&answer)),
        }
    }

    /// Replaces the event's title, description, times, location and attendees
    /// (`PATCH …/events/{event_id}?sendUpdates=none`); a deleted event comes back.
    pub async fn update_event(
        &self,
        calendar_id: &str,
        event_id: &str,
        event: &NewEvent<'_>,
    ) -> Result<(), ProviderError> {
        let req = self
            .api
            .request(Method::PATCH, self.events_url(calendar_id, Some(event_id)))
            .query(&[SEND_UPDATES_NONE])
            .json(&EventBody::new(event, None));
        let answer = self.api.call(req).await?;
        if answer.status.is_success() { Ok(()) } else { Err(self.api.error(&answer)) }
    }

    /// Deletes the event (`DELETE …/events/{event_id}?sendUpdates=none`); one that is
    /// already gone (404, 410) counts as deleted.
    pub async fn delete_event(&self, calendar_id: &str, event_id: &str) -> Result<(), ProviderError> {
        let req =
            self.api.request(Method::DELETE, self.events_url(calendar_id, Some(event_id))).query(&[SEND_UPDATES_NONE]);
        let answer = self.api.call(req).await?;
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

/// The window cut into pieces Google accepts in one `freebusy.query`.
fn spans(window: Window) -> Vec<Window> {
    let mut out = Vec::new();
    let mut start = window.start;
    while start < window.end {
        let end = start.checked_add(FREE_BUSY_MAX_SPAN).map_or(window.end, |e| e.min(window.end));
        out.push(Window::new(start, end));
        start = end;
    }
    out
}

/// One free/busy period, clipped to the span asked; `None` when nothing is left.
fn period(p: &TimePeriod, span: Window) -> Result<Option<BusyEvent>, ProviderError> {
    let start = parse_instant(&p.start)?.max(span.start);
    let end = parse_instant(&p.end)?.min(span.end);
    Ok((start < end).then_some(BusyEvent { start, end, uid: None, title: None }))
}

/// Overlapping or touching periods as one (pieces of one event split at a span boundary).
fn merge(mut periods: Vec<BusyEvent>) -> Vec<BusyEvent> {
    periods.sort_by_key(|p| (p.start, p.end));
    let mut out: Vec<BusyEvent> = Vec::with_capacity(periods.len());
    for p in periods {
        match out.last_mut() {
            Some(last) if p.start <= last.end => last.end = last.end.max(p.end),
            _ => out.push(p),
        }
    }
    out
}

/// A calendar's own `errors` in a free/busy answer.
fn calendar_error(errors: &[ErrorItem]) -> ProviderError {
    let reason = errors.iter().find_map(|e| e.reason.as_deref()).and_then(provider::reason_code);
    match reason.as_deref() {
        Some("notFound") => ProviderError::NotFound,
        Some(r @ ("internalError" | "backendError")) => ProviderError::Unavailable(r.to_string()),
        Some(r) => ProviderError::Protocol(format!("freeBusy error {r}")),
        None => ProviderError::Protocol("freeBusy error without a reason".into()),
    }
}

fn parse_instant(s: &str) -> Result<Timestamp, ProviderError> {
    s.parse().map_err(|_| ProviderError::Protocol("a time that is not RFC 3339".into()))
}

/// The busy range of one listed event, or `None` when it does not block time.
fn busy(e: &Event, tz: &TimeZone) -> Result<Option<BusyEvent>, ProviderError> {
    let declined =
        e.attendees.iter().any(|a| a.is_self == Some(true) && a.response_status.as_deref() == Some("declined"));
    if e.status.as_deref() == Some("cancelled") || e.transparency.as_deref() == Some("transparent") || declined {
        return Ok(None);
    }
    let (Some(start), Some(end)) = (&e.start, &e.end) else {
        return Err(ProviderError::Protocol("an event without start or end".into()));
    };
    let (start, end) = match (start, end) {
        (When { date_time: Some(s), .. }, When { date_time: Some(e), .. }) => (parse_instant(s)?, parse_instant(e)?),
        (When { date: Some(s), .. }, When { date: Some(e), .. }) => {
            let day =
                |d: &str| d.parse().map_err(|_| ProviderError::Protocol("an all-day date that is not a date".into()));
            provider::whole_days(day(s)?, day(e)?, tz)?
        }
        _ => return Err(ProviderError::Protocol("an event whose start and end are of different kinds".into())),
    };
    let uid = e.id.as_deref().and_then(meeting_id_of).map(|m| prospo_uid(&m)).or_else(|| e.ical_uid.clone());
    Ok(Some(BusyEvent { start, end, uid, title: e.summary.clone() }))
}

/// Google's error body: `{"error": {"code", "message", "errors": [{"domain", "reason"}],
/// "status", "details": [{"@type": "….ErrorInfo", "reason"}]}}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    errors: Vec<ErrorItem>,
    status: Option<String>,
    #[serde(default)]
    details: Vec<ErrorInfo>,
}

#[derive(Deserialize)]
struct ErrorItem {
    reason: Option<String>,
}

#[derive(Deserialize)]
struct ErrorInfo {
    #[serde(rename = "@type")]
    kind: Option<String>,
    reason: Option<String>,
}

/// Classifies a non-2xx answer by status and Google's reason codes.
fn classify(answer: &Answer) -> ProviderError {
    let parsed: Option<ErrorBody> = serde_json::from_slice(&answer.body).ok();
    let detail = parsed.as_ref().map(|b| &b.error);
    let reasons: Vec<&str> =
        detail.map(|d| d.errors.iter().filter_map(|e| e.reason.as_deref()).collect()).unwrap_or_default();
    let info = detail.and_then(|d| {
        d.details
            .iter()
            .find(|i| i.kind.as_deref().is_some_and(|k| k.ends_with("google.rpc.ErrorInfo")))
            .and_then(|i| i.reason.as_deref())
    });
    let usage_limit = reasons.iter().any(|r| USAGE_LIMIT_REASONS.contains(r)) || info == Some("RATE_LIMIT_EXCEEDED");
    if usage_limit && matches!(answer.status.as_u16(), 403 | 429) {
        return ProviderError::RateLimited { retry_after: provider::retry_after(&answer.headers) };
    }
    // ErrorInfo's reason is the most specific (ACCESS_TOKEN_SCOPE_INSUFFICIENT rather than
    // insufficientPermissions), then the legacy reason, then the canonical status.
    let reason = info
        .or_else(|| reasons.first().copied())
        .or_else(|| detail.and_then(|d| d.status.as_deref()))
        .and_then(provider::reason_code);
    provider::classify_status(answer.status, &answer.headers, reason)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CalendarListPage {
    #[serde(default)]
    items: Vec<CalendarListEntry>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CalendarListEntry {
    id: String,
    summary: Option<String>,
    summary_override: Option<String>,
    access_role: Option<String>,
    primary: Option<bool>,
    deleted: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FreeBusyRequest<'a> {
    time_min: String,
    time_max: String,
    time_zone: &'static str,
    items: Vec<FreeBusyItem<'a>>,
}

#[derive(Serialize)]
struct FreeBusyItem<'a> {
    id: &'a str,
}

#[derive(Deserialize)]
struct FreeBusyResponse {
    #[serde(default)]
    calendars: BTreeMap<String, FreeBusyCalendar>,
}

#[derive(Deserialize)]
struct FreeBusyCalendar {
    #[serde(default)]
    busy: Vec<TimePeriod>,
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct TimePeriod {
    start: String,
    end: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventsPage {
    #[serde(default)]
    items: Vec<Event>,
    next_page_token: Option<String>,
    next_sync_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    id: Option<String>,
    status: Option<String>,
    summary: Option<String>,
    #[serde(rename = "iCalUID")]
    ical_uid: Option<String>,
    transparency: Option<String>,
    start: Option<When>,
    end: Option<When>,
    #[serde(default)]
    attendees: Vec<Attendee>,
}

/// `EventDateTime`: `date` for all-day events, else `dateTime`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct When {
    date: Option<String>,
    date_time: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attendee {
    #[serde(rename = "self")]
    is_self: Option<bool>,
    response_status: Option<String>,
}

/// The event resource Prospo writes (insert: with `id` and `iCalUID`; patch: without).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "iCalUID", skip_serializing_if = "Option::is_none")]
    ical_uid: Option<String>,
    summary: &'a str,
    description: &'a str,
    /// `null` clears a join link an earlier version had.
    location: Option<&'a str>,
    start: EventTime,
    end: EventTime,
    attendees: Vec<EventAttendee<'a>>,
    /// Brings back an event deleted (cancelled) earlier.
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventTime {
    date_time: String,
    time_zone: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventAttendee<'a> {
    email: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    display_name: &'a str,
}

impl<'a> EventBody<'a> {
    fn new(event: &NewEvent<'a>, id: Option<&'a str>) -> Self {
        let time = |t: Timestamp| EventTime { date_time: provider::rfc3339(t), time_zone: "UTC" };
        Self {
            id,
            ical_uid: id.map(|_| prospo_uid(event.meeting_id)),
            summary: event.summary,
            description: event.description,
            location: event.location,
            start: time(event.start),
            end: time(event.end),
            attendees: event
                .attendees
                .iter()
                .map(|&(name, email)| EventAttendee { email, display_name: name })
                .collect(),
            status: "confirmed",
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

    #[test]
    fn event_ids_are_base32hex_and_reversible() {
        let id = event_id("5f0c8a9e-2b1d-4c3e-9f7a-1b2c3d4e5f60");
        assert!(id.starts_with("prospo"));
        assert!(id.len() >= 5 && id.len() <= EVENT_ID_MAX);
        assert!(id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)), "{id}");
        assert_eq!(meeting_id_of(&id).as_deref(), Some("5f0c8a9e-2b1d-4c3e-9f7a-1b2c3d4e5f60"));
        // RFC 4648 base32hex test vectors, lowercase and unpadded.
        for (plain, encoded) in [
            ("f", "co"),
            ("fo", "cpng"),
            ("foo", "cpnmu"),
            ("foob", "cpnmuog"),
            ("fooba", "cpnmuoj1"),
            ("foobar", "cpnmuoj1e8"),
        ] {
            assert_eq!(event_id(plain), format!("prospo{encoded}"));
            assert_eq!(meeting_id_of(&format!("prospo{encoded}")).as_deref(), Some(plain));
        }
        assert_eq!(event_id("m1").len(), 10);
        // Google's own ids, a stray last character and other alphabets are not Prospo's.
        assert_eq!(meeting_id_of("2tdcb4eepthqj01qltpi4txfcs"), None);
        assert_eq!(meeting_id_of("prospocp1"), None);
        assert_eq!(meeting_id_of("prospocpnmuoj1e8w"), None);
        assert_eq!(meeting_id_of("prospo"), None);
    }

    #[test]
    fn free_busy_spans_and_merge() {
        let w = Window::new(ts("2026-01-01T00:00:00Z"), ts("2026-05-02T00:00:00Z"));
        let s = spans(w);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].start, w.start);
        assert_eq!(s[2].end, w.end);
        assert!(s.windows(2).all(|p| p[0].end == p[1].start));
        assert!(spans(Window::new(w.start, w.start)).is_empty());
        let b = |a: &str, z: &str| BusyEvent { start: ts(a), end: ts(z), uid: None, title: None };
        let merged = merge(vec![
            b("2026-03-01T10:00:00Z", "2026-03-02T00:00:00Z"),
            b("2026-03-01T09:00:00Z", "2026-03-01T09:30:00Z"),
            b("2026-03-02T00:00:00Z", "2026-03-02T01:00:00Z"),
        ]);
        assert_eq!(
            merged,
            vec![b("2026-03-01T09:00:00Z", "2026-03-01T09:30:00Z"), b("2026-03-01T10:00:00Z", "2026-03-02T01:00:00Z")]
        );
        let span = Window::new(ts("2026-03-01T00:00:00Z"), ts("2026-03-02T00:00:00Z"));
        let p = TimePeriod { start: "2026-02-28T23:00:00Z".into(), end: "2026-03-01T01:00:00+00:00".into() };
        assert_eq!(period(&p, span).unwrap(), Some(b("2026-03-01T00:00:00Z", "2026-03-01T01:00:00Z")));
    }

    #[test]
    fn listed_events_become_busy_times() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let e = |v: serde_json::Value| busy(&serde_json::from_value::<Event>(v).unwrap(), &tz).unwrap();
        let timed = e(json!({
            "id": "2tdcb4eepthqj01qltpi4txfcs", "status": "tentative", "summary": "Dentist",
            "iCalUID": "2tdcb4eepthqj01qltpi4txfcs@google.com",
            "start": {"dateTime": "2026-03-20T09:00:00Z", "timeZone": "UTC"},
            "end": {"dateTime": "2026-03-20T10:00:00Z", "timeZone": "UTC"}
        }))
        .unwrap();
        assert_eq!((timed.start, timed.end), (ts("2026-03-20T09:00:00Z"), ts("2026-03-20T10:00:00Z")));
        assert_eq!(timed.uid.as_deref(), Some("2tdcb4eepthqj01qltpi4txfcs@google.com"));
        assert_eq!(timed.title.as_deref(), Some("Dentist"));

        let all_day = e(json!({"start": {"date": "2026-03-20"}, "end": {"date": "2026-03-21"}})).unwrap();
        assert_eq!((all_day.start, all_day.end), (ts("2026-03-19T23:00:00Z"), ts("2026-03-20T23:00:00Z")));

        let ours = e(json!({
            "id": event_id("m-42"), "iCalUID": "something-else@google.com",
            "start": {"dateTime": "2026-03-20T09:00:00+01:00"}, "end": {"dateTime": "2026-03-20T09:30:00+01:00"}
        }))
        .unwrap();
        assert_eq!(ours.uid.as_deref(), Some("m-42@prospo"));
        assert_eq!(ours.start, ts("2026-03-20T08:00:00Z"));

        let when = json!({"dateTime": "2026-03-20T09:00:00Z"});
        assert_eq!(e(json!({"status": "cancelled", "start": when, "end": when})), None);
        assert_eq!(e(json!({"transparency": "transparent", "start": when, "end": when})), None);
        assert_eq!(
            e(json!({"start": when, "end": when, "attendees": [
                {"email": "me@example.com", "self": true, "responseStatus": "declined"},
                {"email": "boss@example.com", "responseStatus": "accepted"}
            ]})),
            None
        );
        let mixed: Event = serde_json::from_value(
            json!({"start": {"date": "2026-03-20"}, "end": {"dateTime": "2026-03-20T09:00:00Z"}}),
        )
        .unwrap();
        assert!(matches!(busy(&mixed, &tz), Err(ProviderError::Protocol(_))));
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
            location: None,
            attendees: &attendees,
        };
        let id = event_id("m1");
        let insert = serde_json::to_value(EventBody::new(&event, Some(&id))).unwrap();
        assert_eq!(
            insert,
            json!({
                "id": id, "iCalUID": "m1@prospo", "summary": "Intro", "description": "Join: https://zoom.us/j/1",
                "location": null, "status": "confirmed",
                "start": {"dateTime": "2026-03-20T09:00:00Z", "timeZone": "UTC"},
                "end": {"dateTime": "2026-03-20T09:30:00Z", "timeZone": "UTC"},
                "attendees": [{"email": "ana@example.com", "displayName": "Ana"}, {"email": "bo@example.com"}]
            })
        );
        let patch = serde_json::to_value(EventBody::new(&event, None)).unwrap();
        assert!(patch.get("id").is_none() && patch.get("iCalUID").is_none());
    }

    /// Bodies as the Calendar API's "Handle API errors" page shows them.
    #[test]
    fn error_classification() {
        let usage = |reason: &str, code: u16| {
            json!({"error": {"errors": [{"domain": "usageLimits", "reason": reason, "message": "Rate Limit Exceeded"}],
                             "code": code, "message": "Rate Limit Exceeded"}})
        };
        for r in ["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"] {
            assert_eq!(classify(&answer(403, usage(r, 403))), ProviderError::RateLimited { retry_after: None }, "{r}");
        }
        assert_eq!(
            classify(&answer(429, usage("rateLimitExceeded", 429))),
            ProviderError::RateLimited { retry_after: None }
        );
        let mut with_wait = answer(429, usage("rateLimitExceeded", 429));
        with_wait.headers.insert("retry-after", HeaderValue::from_static("12"));
        assert_eq!(
            classify(&with_wait),
            ProviderError::RateLimited { retry_after: Some(std::time::Duration::from_secs(12)) }
        );

        let scope = json!({"error": {
            "code": 403, "message": "Request had insufficient authentication scopes.",
            "errors": [{"message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions"}],
            "status": "PERMISSION_DENIED",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                         "domain": "googleapis.com", "metadata": {"service": "calendar-json.googleapis.com"}}]}});
        assert_eq!(classify(&answer(403, scope)), ProviderError::Forbidden("ACCESS_TOKEN_SCOPE_INSUFFICIENT".into()));
        let organizer = json!({"error": {"errors": [{"domain": "calendar", "reason": "forbiddenForNonOrganizer",
            "message": "Shared properties can only be changed by the organizer of the event."}], "code": 403,
            "message": "Shared properties can only be changed by the organizer of the event."}});
        assert_eq!(classify(&answer(403, organizer)), ProviderError::Forbidden("forbiddenForNonOrganizer".into()));

        let auth = json!({"error": {"errors": [{"domain": "global", "reason": "authError", "message": "Invalid Credentials",
            "locationType": "header", "location": "Authorization"}], "code": 401, "message": "Invalid Credentials"}});
        assert_eq!(classify(&answer(401, auth)), ProviderError::Unauthorized);
        let not_found = json!({"error": {"errors": [{"domain": "global", "reason": "notFound", "message": "Not Found"}],
            "code": 404, "message": "Not Found"}});
        assert_eq!(classify(&answer(404, not_found)), ProviderError::NotFound);
        let sync = json!({"error": {"errors": [{"domain": "calendar", "reason": "fullSyncRequired",
            "message": "Sync token is no longer valid, a full sync is required."}], "code": 410,
            "message": "Sync token is no longer valid, a full sync is required."}});
        assert_eq!(classify(&answer(410, sync)), ProviderError::Gone);
        let range = json!({"error": {"errors": [{"domain": "calendar", "reason": "timeRangeEmpty",
            "message": "The specified time range is empty.", "locationType": "parameter", "location": "timeMax"}],
            "code": 400, "message": "The specified time range is empty."}});
        assert_eq!(classify(&answer(400, range)), ProviderError::Protocol("HTTP 400 (timeRangeEmpty)".into()));
        let backend = json!({"error": {"errors": [{"domain": "global", "reason": "backendError", "message": "Backend Error"}],
            "code": 500, "message": "Backend Error"}});
        assert_eq!(classify(&answer(500, backend)), ProviderError::Unavailable("HTTP 500".into()));
        let html = Answer { status: StatusCode::BAD_GATEWAY, headers: HeaderMap::new(), body: "<html>".into() };
        assert_eq!(classify(&html), ProviderError::Unavailable("HTTP 502".into()));
    }

    #[test]
    fn free_busy_calendar_errors() {
        let e = |reason: &str| calendar_error(&[ErrorItem { reason: Some(reason.into()) }]);
        assert_eq!(e("notFound"), ProviderError::NotFound);
        assert_eq!(e("internalError"), ProviderError::Unavailable("internalError".into()));
        assert_eq!(
            e("tooManyCalendarsRequested"),
            ProviderError::Protocol("freeBusy error tooManyCalendarsRequested".into())
        );
    }
}
