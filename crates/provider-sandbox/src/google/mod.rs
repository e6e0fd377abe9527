//! Google Calendar API v3, the part Prospo uses: `calendarList.list`, `freebusy.query` and
//! `events.list/get/insert/patch/delete`, with bearer authentication and the scopes each method
//! lists in the discovery document (`spec/google-calendar-v3.discovery.json`).
//!
//! Sandbox simplifications: every calendar is owned by its user (no sharing, so
//! `calendar.app.created` and `calendar.events.owned` reach all of them), recurring events are
//! not expanded (`singleEvents` is accepted and changes nothing), and `calendar.events.freebusy`
//! reads whole events.

mod calendar_list;
mod errors;
mod events;
mod freebusy;
mod times;

use axum::Router;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::state::Data;
use crate::{Provider, Sandbox};
pub(crate) use errors::GoogleError;

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/users/me/calendarList", get(calendar_list::list))
        .route("/freeBusy", post(freebusy::query))
        .route("/calendars/{calendar_id}/events", get(events::list).post(events::insert))
        .route(
            "/calendars/{calendar_id}/events/{event_id}",
            get(events::get).patch(events::patch).delete(events::delete),
        )
}

const FULL: &str = "https://www.googleapis.com/auth/calendar";
const READONLY: &str = "https://www.googleapis.com/auth/calendar.readonly";
const APP_CREATED: &str = "https://www.googleapis.com/auth/calendar.app.created";
const EVENTS: &str = "https://www.googleapis.com/auth/calendar.events";
const EVENTS_READONLY: &str = "https://www.googleapis.com/auth/calendar.events.readonly";
const EVENTS_OWNED: &str = "https://www.googleapis.com/auth/calendar.events.owned";
const EVENTS_OWNED_READONLY: &str = "https://www.googleapis.com/auth/calendar.events.owned.readonly";
const EVENTS_PUBLIC_READONLY: &str = "https://www.googleapis.com/auth/calendar.events.public.readonly";
const EVENTS_FREEBUSY: &str = "https://www.googleapis.com/auth/calendar.events.freebusy";
const FREEBUSY: &str = "https://www.googleapis.com/auth/calendar.freebusy";
const CALENDARLIST: &str = "https://www.googleapis.com/auth/calendar.calendarlist";
const CALENDARLIST_READONLY: &str = "https://www.googleapis.com/auth/calendar.calendarlist.readonly";

/// One API method: its discovery id, its RPC name (in 403 details), the scopes it accepts and
/// the query parameters it reads (every read is checked against them in debug builds).
pub(crate) struct Method {
    pub id: &'static str,
    pub rpc: &'static str,
    pub scopes: &'static [&'static str],
    pub params: &'static [&'static str],
}

const EVENT_READ: &[&str] = &[
    FULL,
    APP_CREATED,
    EVENTS,
    EVENTS_FREEBUSY,
    EVENTS_OWNED,
    EVENTS_OWNED_READONLY,
    EVENTS_PUBLIC_READONLY,
    EVENTS_READONLY,
    READONLY,
];
const EVENT_WRITE: &[&str] = &[FULL, APP_CREATED, EVENTS, EVENTS_OWNED];

pub(crate) const CALENDAR_LIST: Method = Method {
    id: "calendar.calendarList.list",
    rpc: "calendar.v3.CalendarList.List",
    scopes: &[FULL, CALENDARLIST, CALENDARLIST_READONLY, READONLY],
    params: &["maxResults", "minAccessRole", "pageToken", "syncToken"],
};
pub(crate) const FREEBUSY_QUERY: Method = Method {
    id: "calendar.freebusy.query",
    rpc: "calendar.v3.Freebusy.Query",
    scopes: &[FULL, EVENTS_FREEBUSY, FREEBUSY, READONLY],
    params: &[],
};
pub(crate) const EVENTS_LIST: Method = Method {
    id: "calendar.events.list",
    rpc: "calendar.v3.Events.List",
    scopes: EVENT_READ,
    params: &[
        "iCalUID",
        "maxResults",
        "orderBy",
        "pageToken",
        "q",
        "showDeleted",
        "singleEvents",
        "syncToken",
        "timeMax",
        "timeMin",
        "timeZone",
        "updatedMin",
    ],
};
pub(crate) const EVENTS_GET: Method =
    Method { id: "calendar.events.get", rpc: "calendar.v3.Events.Get", scopes: EVENT_READ, params: &["timeZone"] };
pub(crate) const EVENTS_INSERT: Method =
    Method { id: "calendar.events.insert", rpc: "calendar.v3.Events.Insert", scopes: EVENT_WRITE, params: &[] };
pub(crate) const EVENTS_PATCH: Method =
    Method { id: "calendar.events.patch", rpc: "calendar.v3.Events.Patch", scopes: EVENT_WRITE, params: &[] };
pub(crate) const EVENTS_DELETE: Method =
    Method { id: "calendar.events.delete", rpc: "calendar.v3.Events.Delete", scopes: EVENT_WRITE, params: &[] };

/// Every method served, for [`crate::served_parameters`].
pub(crate) const METHODS: [&Method; 7] =
    [&CALENDAR_LIST, &FREEBUSY_QUERY, &EVENTS_LIST, &EVENTS_GET, &EVENTS_INSERT, &EVENTS_PATCH, &EVENTS_DELETE];

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Runs one API call under the state lock: the bearer token, the method's scopes, then `handler`
/// with the caller's email (whose account exists from then on).
pub(crate) fn call(
    sb: &Sandbox,
    headers: &HeaderMap,
    method: &Method,
    handler: impl FnOnce(&mut Data, &str) -> Result<Response, GoogleError>,
) -> Response {
    sb.with_data(|data| {
        let grant = data.auth.authenticate(data.now(), bearer(headers)).map_err(|_| GoogleError::unauthenticated())?;
        if !grant.has_any(method.scopes) {
            return Err(GoogleError::insufficient_scope(method.rpc, method.scopes));
        }
        let email = data.store.ensure_user(Provider::Google, &grant.email).email.clone();
        handler(data, &email)
    })
    .unwrap_or_else(IntoResponse::into_response)
}

/// Query parameters as sent (names may repeat), read as one method reads them.
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
    method: &'static Method,
}

impl Query {
    pub fn parse(raw: Option<&str>, method: &'static Method) -> Query {
        Query { pairs: serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default(), method }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        debug_assert!(self.method.params.contains(&name), "{} reads {name}, which it does not list", self.method.id);
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn flag(&self, name: &str) -> Option<bool> {
        self.get(name).map(|v| v == "true")
    }

    /// An integer parameter within `[min, max]`: above `max` is capped as Google caps page sizes,
    /// below `min` or not a number is 400 `invalid`.
    pub fn int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, GoogleError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n >= min => Ok(Some(n.min(max))),
                _ => Err(GoogleError::invalid(&format!(
                    "Invalid value '{v}'. Values must be within the range: [{min}, {max}]"
                ))
                .at(name)),
            },
        }
    }
}

/// `primary` names the caller's primary calendar; any other id must be one of the caller's.
pub(crate) fn resolve_calendar(data: &Data, email: &str, calendar_id: &str) -> Result<String, GoogleError> {
    let id = if calendar_id == "primary" { email } else { calendar_id };
    match data.store.calendars.get(id) {
        Some(c) if c.owner == email => Ok(c.id.clone()),
        _ => Err(GoogleError::not_found()),
    }
}
