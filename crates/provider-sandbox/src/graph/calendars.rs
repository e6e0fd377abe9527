//! `GET /me/calendars` (paged by `$top`/`$skip`, default 10) and `GET /me/calendars/{id}`.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{GET_CALENDAR, GraphError, LIST_CALENDARS, Query, READ_CALENDARS, apply_select, call};
use crate::Sandbox;
use crate::store::{Calendar, User};

const PROPERTIES: [&str; 14] = [
    "id",
    "name",
    "color",
    "hexColor",
    "isDefaultCalendar",
    "changeKey",
    "canShare",
    "canViewPrivateItems",
    "canEdit",
    "allowedOnlineMeetingProviders",
    "defaultOnlineMeetingProvider",
    "isTallyingResponses",
    "isRemovable",
    "owner",
];

const PAGE: usize = 10;

pub(super) fn render(user: &User, calendar: &Calendar) -> Value {
    json!({
        "@odata.etag": format!("W/\"{}\"", calendar.created),
        "id": calendar.id,
        "name": calendar.name,
        "color": "auto",
        "hexColor": "",
        "isDefaultCalendar": calendar.primary,
        "changeKey": format!("{}", calendar.created),
        "canShare": true,
        "canViewPrivateItems": true,
        "canEdit": true,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "isTallyingResponses": true,
        "isRemovable": !calendar.primary,
        "owner": {"name": user.display_name, "address": user.email},
    })
}

pub(super) async fn list(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = Query::parse(raw.as_deref(), &LIST_CALENDARS);
    let base = sb.base_url();
    call(&sb, &headers, &READ_CALENDARS, |data, user| {
        query.refuse_unsupported()?;
        let select = query.select(&PROPERTIES, "calendar")?;
        let top = query.count("$top", 1000)?.unwrap_or(PAGE).max(1);
        let skip = query.count("$skip", usize::MAX)?.unwrap_or(0);
        let calendars: Vec<&Calendar> = user.calendars.iter().filter_map(|id| data.store.calendars.get(id)).collect();
        let value: Vec<Value> = calendars
            .iter()
            .skip(skip)
            .take(top)
            .map(|c| {
                let mut v = render(user, c);
                apply_select(&mut v, select.as_deref());
                v
            })
            .collect();
        let mut body = json!({
            "@odata.context": format!("{base}/v1.0/$metadata#users('{}')/calendars", user.id),
            "value": value,
        });
        if skip + top < calendars.len() {
            let next = query.with(&[("$top", top.to_string()), ("$skip", (skip + top).to_string())]);
            body["@odata.nextLink"] = json!(format!("{base}{}?{next}", uri.path()));
        }
        Ok(axum::Json(body).into_response())
    })
}

pub(super) async fn get(
    State(sb): State<Sandbox>,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let query = Query::parse(raw.as_deref(), &GET_CALENDAR);
    let base = sb.base_url();
    call(&sb, &headers, &READ_CALENDARS, |data, user| {
        let select = query.select(&PROPERTIES, "calendar")?;
        let calendar = data
            .store
            .calendars
            .get(&calendar_id)
            .filter(|c| c.owner == user.email)
            .ok_or_else(GraphError::not_found)?;
        let mut v = render(user, calendar);
        apply_select(&mut v, select.as_deref());
        v["@odata.context"] = json!(format!("{base}/v1.0/$metadata#users('{}')/calendars/$entity", user.id));
        Ok(axum::Json(v).into_response())
    })
}
