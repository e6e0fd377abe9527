//! `GET /me`: the signed-in user's profile (the default property set, or `$select`).

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{GET_ME, Query, READ_USER, apply_select, call};
use crate::Sandbox;

/// The default properties; any of them (and a few more, answered as null) may be `$select`ed.
const PROPERTIES: [&str; 16] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
    "accountEnabled",
    "department",
    "mailNickname",
    "userType",
    "otherMails",
];

pub(super) async fn get(State(sb): State<Sandbox>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let query = Query::parse(raw.as_deref(), &GET_ME);
    let base = sb.base_url();
    call(&sb, &headers, &READ_USER, |_, user| {
        let select = query.select(&PROPERTIES, "user")?;
        let (given, surname) = user.given_and_surname();
        let mut body = json!({
            "businessPhones": [],
            "displayName": user.display_name,
            "givenName": given,
            "jobTitle": null,
            "mail": user.email,
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": null,
            "surname": surname,
            "userPrincipalName": user.email,
            "id": user.id,
        });
        let context = match &select {
            Some(names) => {
                for name in names {
                    if let Some(obj) = body.as_object_mut() {
                        obj.entry(name.clone()).or_insert(Value::Null);
                    }
                }
                format!("{base}/v1.0/$metadata#users({})/$entity", names.join(","))
            }
            None => format!("{base}/v1.0/$metadata#users/$entity"),
        };
        apply_select(&mut body, select.as_deref());
        body["@odata.context"] = json!(context);
        Ok(axum::Json(body).into_response())
    })
}
