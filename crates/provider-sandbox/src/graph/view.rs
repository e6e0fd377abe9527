//! `calendarView` (events overlapping `[startDateTime, endDateTime)`, paged by `$top`/`$skip`,
//! default 10) and `calendarView/delta` (pages of `Prefer: odata.maxpagesize`, default 10, linked
//! by `$skiptoken`, then an `@odata.deltaLink` whose `$deltatoken` answers only what changed:
//! changed events in the window in full, deleted ones and those moved out of the window as
//! `{"@removed": {"reason": "deleted"}, "id"}`).

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::events::{PROPERTIES, render};
use super::times::{OutputZone, output_zone, parse_bound, preferences};
use super::{
    CALENDAR_VIEW, DEFAULT_CALENDAR_VIEW, DEFAULT_DELTA, DELTA, GraphError, Operation, Query, READ_CALENDARS,
    apply_select, call,
};
use crate::state::Data;
use crate::store::{Event, User};
use crate::{Sandbox, tokens};

const PAGE: usize = 10;
const MAX_PAGE: usize = 1000;

#[derive(Serialize, Deserialize)]
struct SkipToken {
    calendar: String,
    from: Timestamp,
    to: Timestamp,
    offset: usize,
    /// The store's change counter when the round began: its pages show that moment.
    snapshot: u64,
    since: Option<u64>,
    epoch: u32,
}

#[derive(Serialize, Deserialize)]
struct DeltaToken {
    calendar: String,
    from: Timestamp,
    to: Timestamp,
    seq: u64,
    epoch: u32,
}

fn window(query: &Query) -> Result<(Timestamp, Timestamp), GraphError> {
    let (Some(start), Some(end)) = (query.get("startDateTime"), query.get("endDateTime")) else {
        return Err(GraphError::bad_request(
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        ));
    };
    let parse = |value: &str, name: &str| {
        parse_bound(value).ok_or_else(|| {
            GraphError::bad_request(
                "ErrorInvalidParameter",
                format!("The value '{value}' of parameter '{name}' is invalid."),
            )
        })
    };
    Ok((parse(start, "StartDateTime")?, parse(end, "EndDateTime")?))
}

fn calendar_for(data: &Data, user: &User, calendar_id: Option<&str>) -> Result<String, GraphError> {
    let id = calendar_id.unwrap_or(&user.calendars[0]);
    match data.store.calendars.get(id) {
        Some(c) if c.owner == user.email => Ok(c.id.clone()),
        _ => Err(GraphError::not_found()),
    }
}

fn preference_applied(response: &mut Response, applied: &[String]) {
    if !applied.is_empty()
        && let Ok(value) = HeaderValue::from_str(&applied.join(", "))
    {
        response.headers_mut().insert("preference-applied", value);
    }
}

fn zone_applied(out: &OutputZone) -> Vec<String> {
    if out.applied { vec![format!("outlook.timezone=\"{}\"", out.name)] } else { Vec::new() }
}

pub(super) async fn calendar_view(
    State(sb): State<Sandbox>,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Response {
    view(&sb, Some(calendar_id), &CALENDAR_VIEW, &headers, &uri, raw.as_deref())
}

pub(super) async fn default_calendar_view(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Response {
    view(&sb, None, &DEFAULT_CALENDAR_VIEW, &headers, &uri, raw.as_deref())
}

fn view(
    sb: &Sandbox,
    calendar_id: Option<String>,
    operation: &'static Operation,
    headers: &HeaderMap,
    uri: &Uri,
    raw: Option<&str>,
) -> Response {
    let query = Query::parse(raw, operation);
    let base = sb.base_url();
    let out = output_zone(headers);
    call(sb, headers, &READ_CALENDARS, |data, user| {
        query.refuse_unsupported()?;
        let calendar_id = calendar_for(data, user, calendar_id.as_deref())?;
        let (from, to) = window(&query)?;
        let select = query.select(&PROPERTIES, "event")?;
        let top = query.count("$top", MAX_PAGE)?.unwrap_or(PAGE).max(1);
        let skip = query.count("$skip", usize::MAX)?.unwrap_or(0);
        let descending = match query.get("$orderby").map(str::trim) {
            None | Some("start/dateTime") | Some("start/dateTime asc") => false,
            Some("start/dateTime desc") => true,
            Some(other) => {
                return Err(GraphError::bad_request(
                    "BadRequest",
                    format!("This sandbox orders calendarView by start/dateTime only, not '{other}'."),
                ));
            }
        };
        let calendar = &data.store.calendars[&calendar_id];
        let mut events: Vec<&Event> =
            calendar.events.values().filter(|e| !e.deleted && e.overlaps(Some(from), Some(to), &out.tz)).collect();
        events.sort_by(|a, b| (a.start.instant(&out.tz), &a.id).cmp(&(b.start.instant(&out.tz), &b.id)));
        if descending {
            events.reverse();
        }
        let value: Vec<Value> = events
            .iter()
            .skip(skip)
            .take(top)
            .map(|e| {
                let mut v = render(user, e, &out);
                apply_select(&mut v, select.as_deref());
                v
            })
            .collect();
        let mut body = json!({
            "@odata.context": format!("{base}/v1.0/$metadata#users('{}')/calendars('{}')/calendarView", user.id, calendar.id),
            "value": value,
        });
        if skip + top < events.len() {
            let next = query.with(&[("$top", top.to_string()), ("$skip", (skip + top).to_string())]);
            body["@odata.nextLink"] = json!(format!("{base}{}?{next}", uri.path()));
        }
        let mut response = axum::Json(body).into_response();
        preference_applied(&mut response, &zone_applied(&out));
        Ok(response)
    })
}

pub(super) async fn delta(
    State(sb): State<Sandbox>,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Response {
    delta_round(&sb, Some(calendar_id), &DELTA, &headers, &uri, raw.as_deref())
}

pub(super) async fn default_delta(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Response {
    delta_round(&sb, None, &DEFAULT_DELTA, &headers, &uri, raw.as_deref())
}

/// Where a delta request stands: the window, the page, and which changes it reports.
struct Round {
    from: Timestamp,
    to: Timestamp,
    offset: usize,
    snapshot: u64,
    since: Option<u64>,
}

fn round(data: &Data, query: &Query, calendar_id: &str) -> Result<Round, GraphError> {
    let calendar = &data.store.calendars[calendar_id];
    let fresh =
        |c: &str, epoch: u32, seq: u64| c == calendar.id && epoch == calendar.sync_epoch && seq <= data.store.seq;
    if let Some(token) = query.get("$skiptoken") {
        let t: SkipToken = tokens::decode(token).ok_or_else(GraphError::sync_state_not_found)?;
        if !fresh(&t.calendar, t.epoch, t.snapshot) {
            return Err(GraphError::sync_state_not_found());
        }
        return Ok(Round { from: t.from, to: t.to, offset: t.offset, snapshot: t.snapshot, since: t.since });
    }
    if let Some(token) = query.get("$deltatoken") {
        let t: DeltaToken = tokens::decode(token).ok_or_else(GraphError::sync_state_not_found)?;
        if !fresh(&t.calendar, t.epoch, t.seq) {
            return Err(GraphError::sync_state_not_found());
        }
        return Ok(Round { from: t.from, to: t.to, offset: 0, snapshot: data.store.seq, since: Some(t.seq) });
    }
    let (from, to) = window(query)?;
    Ok(Round { from, to, offset: 0, snapshot: data.store.seq, since: None })
}

fn delta_round(
    sb: &Sandbox,
    calendar_id: Option<String>,
    operation: &'static Operation,
    headers: &HeaderMap,
    uri: &Uri,
    raw: Option<&str>,
) -> Response {
    let query = Query::parse(raw, operation);
    let base = sb.base_url();
    let out = output_zone(headers);
    let page_size = preferences(headers)
        .into_iter()
        .find(|(k, _)| k == "odata.maxpagesize")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .filter(|n| (1..=MAX_PAGE).contains(n));
    call(sb, headers, &READ_CALENDARS, |data, user| {
        query.refuse_unsupported()?;
        let calendar_id = calendar_for(data, user, calendar_id.as_deref())?;
        let select = query.select(&PROPERTIES, "event")?;
        let r = round(data, &query, &calendar_id)?;
        let calendar = &data.store.calendars[&calendar_id];
        let in_window = |e: &Event| !e.deleted && e.overlaps(Some(r.from), Some(r.to), &out.tz);
        let full = |e: &Event| {
            let mut v = render(user, e, &out);
            apply_select(&mut v, select.as_deref());
            v["@odata.type"] = json!("#microsoft.graph.event");
            v
        };
        let items: Vec<Value> = match r.since {
            None => {
                let mut events: Vec<&Event> =
                    calendar.events.values().filter(|e| e.changed <= r.snapshot && in_window(e)).collect();
                events.sort_by(|a, b| (a.start.instant(&out.tz), &a.id).cmp(&(b.start.instant(&out.tz), &b.id)));
                events.into_iter().map(full).collect()
            }
            Some(since) => {
                let mut events: Vec<&Event> =
                    calendar.events.values().filter(|e| e.changed > since && e.changed <= r.snapshot).collect();
                events.sort_by_key(|e| (e.changed, e.id.clone()));
                events
                    .into_iter()
                    .map(|e| {
                        if in_window(e) {
                            full(e)
                        } else {
                            json!({"@odata.type": "#microsoft.graph.event", "id": e.id, "@removed": {"reason": "deleted"}})
                        }
                    })
                    .collect()
            }
        };
        let size = page_size.unwrap_or(PAGE);
        let page: Vec<Value> = items.iter().skip(r.offset).take(size).cloned().collect();
        let mut body = json!({
            "@odata.context": format!("{base}/v1.0/$metadata#Collection(event)"),
            "value": page,
        });
        let link = format!("{base}{}", uri.path());
        if r.offset + size < items.len() {
            let token = SkipToken {
                calendar: calendar.id.clone(),
                from: r.from,
                to: r.to,
                offset: r.offset + size,
                snapshot: r.snapshot,
                since: r.since,
                epoch: calendar.sync_epoch,
            };
            body["@odata.nextLink"] = json!(format!("{link}?$skiptoken={}", tokens::encode(&token)));
        } else {
            let token = DeltaToken {
                calendar: calendar.id.clone(),
                from: r.from,
                to: r.to,
                seq: r.snapshot,
                epoch: calendar.sync_epoch,
            };
            body["@odata.deltaLink"] = json!(format!("{link}?$deltatoken={}", tokens::encode(&token)));
        }
        let mut response = axum::Json(body).into_response();
        let mut applied = zone_applied(&out);
        if let Some(n) = page_size {
            applied.push(format!("odata.maxpagesize={n}"));
        }
        preference_applied(&mut response, &applied);
        Ok(response)
    })
}
