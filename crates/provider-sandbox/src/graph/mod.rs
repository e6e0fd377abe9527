//! Microsoft Graph v1.0, the part Prospo uses: `/me`, `/me/calendars`, `calendarView` and its
//! `delta`, and event create/update/delete, with bearer authentication and Graph's delegated
//! permissions per endpoint.
//!
//! Sandbox simplifications: no recurrence expansion, no `$filter`/`$search`/`$expand`, and
//! `Calendars.ReadBasic` reads whole events.

mod calendars;
mod errors;
mod events;
mod me;
mod times;
mod view;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::Data;
use crate::store::User;
use crate::{Provider, Sandbox, ids};
pub(crate) use errors::GraphError;

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/me", get(me::get))
        .route("/me/calendars", get(calendars::list))
        .route("/me/calendars/{calendar_id}", get(calendars::get))
        .route("/me/calendar/calendarView", get(view::default_calendar_view))
        .route("/me/calendarView", get(view::default_calendar_view))
        .route("/me/calendars/{calendar_id}/calendarView", get(view::calendar_view))
        .route("/me/calendarView/delta", get(view::default_delta))
        .route("/me/calendars/{calendar_id}/calendarView/delta", get(view::delta))
        .route("/me/calendars/{calendar_id}/calendarView/microsoft.graph.delta()", get(view::delta))
        .route("/me/events", axum::routing::post(events::create_in_default))
        .route("/me/calendar/events", axum::routing::post(events::create_in_default))
        .route("/me/calendars/{calendar_id}/events", axum::routing::post(events::create))
        .route("/me/events/{event_id}", get(events::get).patch(events::patch).delete(events::delete))
}

/// The delegated permissions an endpoint accepts (any one of them).
pub(crate) struct Permissions {
    pub accepted: &'static [&'static str],
    /// Directory endpoints answer `Authorization_RequestDenied`, Outlook ones `ErrorAccessDenied`.
    pub directory: bool,
}

pub(crate) const READ_USER: Permissions = Permissions {
    accepted: &[
        "User.Read",
        "User.ReadWrite",
        "User.ReadBasic.All",
        "User.Read.All",
        "User.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ],
    directory: true,
};
pub(crate) const READ_CALENDARS: Permissions = Permissions {
    accepted: &[
        "Calendars.ReadBasic",
        "Calendars.Read",
        "Calendars.ReadWrite",
        "Calendars.Read.Shared",
        "Calendars.ReadWrite.Shared",
    ],
    directory: false,
};
pub(crate) const WRITE_CALENDARS: Permissions =
    Permissions { accepted: &["Calendars.ReadWrite", "Calendars.ReadWrite.Shared"], directory: false };

/// One operation, keyed as the OpenAPI description keys it (`method path`), and the query
/// options it reads (every read is checked against them in debug builds).
pub(crate) struct Operation {
    pub key: &'static str,
    pub params: &'static [&'static str],
}

pub(crate) const GET_ME: Operation = Operation { key: "get /me", params: &["$select"] };
pub(crate) const LIST_CALENDARS: Operation =
    Operation { key: "get /me/calendars", params: &["$select", "$top", "$skip", "$filter", "$expand"] };
pub(crate) const GET_CALENDAR: Operation = Operation { key: "get /me/calendars/{calendar-id}", params: &["$select"] };
const VIEW_PARAMS: &[&str] = &["startDateTime", "endDateTime", "$select", "$top", "$skip", "$orderby", "$filter"];
pub(crate) const CALENDAR_VIEW: Operation =
    Operation { key: "get /me/calendars/{calendar-id}/calendarView", params: VIEW_PARAMS };
pub(crate) const DEFAULT_CALENDAR_VIEW: Operation = Operation { key: "get /me/calendarView", params: VIEW_PARAMS };
/// `$skiptoken` and `$deltatoken` only come back in the links the sandbox wrote.
const DELTA_PARAMS: &[&str] =
    &["startDateTime", "endDateTime", "$select", "$skiptoken", "$deltatoken", "$filter", "$search"];
pub(crate) const DELTA: Operation =
    Operation { key: "get /me/calendars/{calendar-id}/calendarView/microsoft.graph.delta()", params: DELTA_PARAMS };
pub(crate) const DEFAULT_DELTA: Operation =
    Operation { key: "get /me/calendarView/microsoft.graph.delta()", params: DELTA_PARAMS };
pub(crate) const GET_EVENT: Operation = Operation { key: "get /me/events/{event-id}", params: &["$select"] };
pub(crate) const CREATE_EVENT: Operation = Operation { key: "post /me/calendars/{calendar-id}/events", params: &[] };
pub(crate) const CREATE_DEFAULT_EVENT: Operation = Operation { key: "post /me/events", params: &[] };
pub(crate) const PATCH_EVENT: Operation = Operation { key: "patch /me/events/{event-id}", params: &[] };
pub(crate) const DELETE_EVENT: Operation = Operation { key: "delete /me/events/{event-id}", params: &[] };

/// Every operation served, for [`crate::served_parameters`].
pub(crate) const OPERATIONS: [&Operation; 12] = [
    &GET_ME,
    &LIST_CALENDARS,
    &GET_CALENDAR,
    &CALENDAR_VIEW,
    &DEFAULT_CALENDAR_VIEW,
    &DELTA,
    &DEFAULT_DELTA,
    &GET_EVENT,
    &CREATE_EVENT,
    &CREATE_DEFAULT_EVENT,
    &PATCH_EVENT,
    &DELETE_EVENT,
];

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// Runs one API call under the state lock: the bearer token, the permissions, then `handler`
/// with the caller (whose account exists from then on). Every answer carries Graph's
/// `request-id` headers.
pub(crate) fn call(
    sb: &Sandbox,
    headers: &HeaderMap,
    permissions: &Permissions,
    handler: impl FnOnce(&mut Data, &User) -> Result<Response, GraphError>,
) -> Response {
    let mut response = sb
        .with_data(|data| {
            let grant = data.auth.authenticate(data.now(), bearer(headers)).map_err(GraphError::unauthenticated)?;
            if !grant.has_any(permissions.accepted) {
                return Err(if permissions.directory {
                    GraphError::insufficient_privileges()
                } else {
                    GraphError::access_denied()
                });
            }
            let user = data.store.ensure_user(Provider::Microsoft, &grant.email).clone();
            handler(data, &user)
        })
        .unwrap_or_else(IntoResponse::into_response);
    let request_id = ids::guid();
    let client_request_id = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| request_id.clone(), str::to_string);
    for (name, value) in [("request-id", request_id), ("client-request-id", client_request_id)] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// OData query options as sent, read as one operation reads them.
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
    operation: &'static Operation,
}

impl Query {
    pub fn parse(raw: Option<&str>, operation: &'static Operation) -> Query {
        Query { pairs: serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default(), operation }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        debug_assert!(
            self.operation.params.contains(&name),
            "{} reads {name}, which it does not list",
            self.operation.key
        );
        self.pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A non-negative integer option (`$top`, `$skip`), at most `max`.
    pub fn count(&self, name: &str, max: usize) -> Result<Option<usize>, GraphError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => match v.parse::<usize>() {
                Ok(n) => Ok(Some(n.min(max))),
                Err(_) => Err(GraphError::bad_request("BadRequest", format!("Invalid {name} value '{v}'."))),
            },
        }
    }

    /// `$select`: the properties asked for, checked against those the resource has.
    pub fn select(&self, known: &[&str], type_name: &str) -> Result<Option<Vec<String>>, GraphError> {
        let Some(list) = self.get("$select") else { return Ok(None) };
        let names: Vec<String> = list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if let Some(bad) = names.iter().find(|n| !known.iter().any(|k| k.eq_ignore_ascii_case(n))) {
            return Err(GraphError::bad_request(
                "BadRequest",
                format!("Could not find a property named '{bad}' on type 'microsoft.graph.{type_name}'."),
            ));
        }
        Ok(Some(names))
    }

    /// The operation's options this sandbox does not serve: refused rather than silently ignored.
    pub fn refuse_unsupported(&self) -> Result<(), GraphError> {
        for option in ["$filter", "$search", "$expand"] {
            if self.operation.params.contains(&option) && self.get(option).is_some() {
                return Err(GraphError::bad_request(
                    "BadRequest",
                    format!("The query option '{option}' is not supported by this sandbox."),
                ));
            }
        }
        Ok(())
    }

    /// The same query with these options set (for `@odata.nextLink`); option names keep their
    /// `$`, as Graph writes its links.
    pub fn with(&self, options: &[(&str, String)]) -> String {
        let kept = self.pairs.iter().filter(|(k, _)| !options.iter().any(|(name, _)| k.eq_ignore_ascii_case(name)));
        kept.map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(options.iter().map(|(k, v)| (*k, v.as_str())))
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'$').remove(b':');

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

/// Keeps only the selected properties (plus `id` and `@odata.etag`, which Graph always returns).
pub(crate) fn apply_select(value: &mut serde_json::Value, select: Option<&[String]>) {
    let (Some(select), Some(obj)) = (select, value.as_object_mut()) else { return };
    obj.retain(|k, _| k == "id" || k == "@odata.etag" || select.iter().any(|s| s.eq_ignore_ascii_case(k)));
}
