//! `GET /users/me/calendarList`: the caller's calendars, the primary one first, paged, with a
//! `nextSyncToken` on the last page (a later sync answers the calendars added since).

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{CALENDAR_LIST, GoogleError, Query, call};
use crate::store::Calendar;
use crate::{Sandbox, tokens};

const ACCESS_ROLES: [&str; 4] = ["freeBusyReader", "reader", "writer", "owner"];

#[derive(Serialize, Deserialize)]
struct PageToken {
    offset: usize,
    since: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct SyncToken {
    list_of: String,
    seq: u64,
}

fn entry(calendar: &Calendar) -> Value {
    let mut entry = json!({
        "kind": "calendar#calendarListEntry",
        "etag": format!("\"{}\"", calendar.created),
        "id": calendar.id,
        "summary": calendar.name,
        "timeZone": calendar.time_zone,
        "colorId": if calendar.primary { "14" } else { "7" },
        "backgroundColor": if calendar.primary { "#9fe1e7" } else { "#42d692" },
        "foregroundColor": "#000000",
        "selected": true,
        "accessRole": "owner",
        "defaultReminders": if calendar.primary { json!([{"method": "popup", "minutes": 10}]) } else { json!([]) },
        "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
    });
    if calendar.primary {
        entry["primary"] = json!(true);
        entry["notificationSettings"] = json!({"notifications": [
            {"type": "eventCreation", "method": "email"},
            {"type": "eventChange", "method": "email"},
            {"type": "eventCancellation", "method": "email"},
            {"type": "eventResponse", "method": "email"},
        ]});
    }
    entry
}

pub(super) async fn list(State(sb): State<Sandbox>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let query = Query::parse(raw.as_deref(), &CALENDAR_LIST);
    call(&sb, &headers, &CALENDAR_LIST, |data, email| {
        let max = query.int("maxResults", 1, 250)?.unwrap_or(100) as usize;
        if let Some(role) = query.get("minAccessRole")
            && !ACCESS_ROLES.contains(&role)
        {
            return Err(GoogleError::invalid(&format!("Invalid value for minAccessRole: {role}")).at("minAccessRole"));
        }
        let page: Option<PageToken> = match query.get("pageToken") {
            Some(t) => Some(tokens::decode(t).ok_or_else(|| GoogleError::invalid("Invalid page token value."))?),
            None => None,
        };
        let since = match (query.get("syncToken"), &page) {
            (_, Some(page)) => page.since,
            (Some(token), None) => {
                if query.get("minAccessRole").is_some() {
                    return Err(GoogleError::bad_request("The minAccessRole parameter cannot be used with syncToken."));
                }
                let token: SyncToken = tokens::decode(token)
                    .filter(|t: &SyncToken| t.list_of == email)
                    .ok_or_else(GoogleError::full_sync_required)?;
                Some(token.seq)
            }
            (None, None) => None,
        };
        let user = &data.store.users[email];
        let calendars: Vec<&Calendar> = user
            .calendars
            .iter()
            .filter_map(|id| data.store.calendars.get(id))
            .filter(|c| since.is_none_or(|s| c.created > s))
            .collect();
        let offset = page.as_ref().map_or(0, |p| p.offset);
        let items: Vec<Value> = calendars.iter().skip(offset).take(max).map(|c| entry(c)).collect();
        let mut body = json!({
            "kind": "calendar#calendarList",
            "etag": format!("\"p{}\"", data.store.seq),
        });
        if offset + items.len() < calendars.len() {
            body["nextPageToken"] = json!(tokens::encode(&PageToken { offset: offset + items.len(), since }));
        } else {
            body["nextSyncToken"] =
                json!(tokens::encode(&SyncToken { list_of: email.to_string(), seq: data.store.seq }));
        }
        body["items"] = json!(items);
        Ok(axum::Json(body).into_response())
    })
}
