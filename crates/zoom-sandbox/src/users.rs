//! `GET /users/{userId}`: `me` is the app's owner (unless the app sets `me_missing`), or for a
//! General app's token the user who authorised it; an id or email finds any user of the caller's
//! account, which a user-level token may name only for itself.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::api::{Caller, call};
use crate::errors::{ZoomError, user_not_found};
use crate::state::{Data, User, zoom_time};
use crate::{Sandbox, scopes};

pub(crate) async fn get_user(State(sb): State<Sandbox>, Path(user_id): Path<String>, headers: HeaderMap) -> Response {
    let endpoint = if user_id == "me" { &scopes::GET_USER_ME } else { &scopes::GET_USER };
    let base = sb.base_url();
    call(&sb, &headers, endpoint, |caller, _| {
        sb.with_data(|data| {
            let user = resolve_user(data, caller, &user_id)?;
            Ok(axum::Json(render(data, user, &base)).into_response())
        })
    })
}

/// Finds `me`, a user id or an email within the caller's account, else 404 code 1001; a user the
/// caller may not act for is 4711 (see [`Caller::may_act_for`]).
pub(crate) fn resolve_user<'a>(data: &'a Data, caller: &Caller, user_id: &str) -> Result<&'a User, ZoomError> {
    let found = match (user_id, &caller.user_id) {
        ("me", Some(me)) => data.users.get(me),
        ("me", None) => {
            data.apps.get(&caller.client_id).filter(|app| !app.me_missing).and_then(|app| data.users.get(&app.owner_id))
        }
        _ => data.find_user(&caller.account_id, user_id),
    };
    let user = found.ok_or_else(|| user_not_found(user_id))?;
    caller.may_act_for(&user.id)?;
    Ok(user)
}

fn render(data: &Data, user: &User, base: &str) -> Value {
    let created = zoom_time(user.created_at);
    let account_number = data
        .app_of_account(&user.account_id)
        .map(|a| a.owner_id.bytes().fold(0i64, |n, b| (n * 31 + i64::from(b)) % 1_000_000_000))
        .unwrap_or_default();
    json!({
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": format!("{} {}", user.first_name, user.last_name),
        "email": user.email,
        "type": 2,
        "role_name": if user.owner { "Owner" } else { "Member" },
        "role_id": if user.owner { "0" } else { "2" },
        "pmi": user.pmi,
        "use_pmi": false,
        "personal_meeting_url": format!("{base}/j/{}", user.pmi),
        "timezone": user.timezone,
        "verified": 1,
        "dept": "",
        "created_at": created,
        "user_created_at": created,
        "last_login_time": created,
        "last_client_version": "6.2.0.46690(mac)",
        "language": "en-US",
        "phone_number": "",
        "status": "active",
        "account_id": user.account_id,
        "account_number": account_number,
        "cluster": "us06",
        "login_types": [100],
        "group_ids": [],
        "im_group_ids": [],
        "jid": format!("{}@xmpp.zoom.us", user.id.to_ascii_lowercase()),
    })
}
