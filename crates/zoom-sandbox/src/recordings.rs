//! Cloud recordings (zoom/README.md §5): the user's list (from/to, clamped to one month), a
//! meeting's files, deleting (trash or for good), and the files themselves at
//! `/rec/download/{file_id}` (Bearer token), `/rec/play/{file_id}` and `/rec/share/{meeting_id}`
//! (small pages).
//!
//! Files are dated at their meeting's start in the account's time zone, and listing filters on
//! that date. Zoom documents neither the zone of `from`/`to` nor whether `to` is inclusive, so the
//! sandbox takes the strict reading a client must survive: account-zone dates, `to` exclusive. A
//! range longer than a month is clamped as Zoom does: `from` becomes `to` minus one calendar month,
//! and the answer echoes the clamped dates. Without `from` and `to` the range is today..tomorrow
//! (sandbox clock), as the OpenAPI description says; with only `from`, `to` is today.

use axum::Router;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use jiff::civil::Date;
use jiff::{SignedDuration, ToSpan};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::{Caller, authenticate, bearer, call};
use crate::errors::{ZoomError, recording_not_found, validation_failed};
use crate::meetings::Page;
use crate::state::{Data, Meeting, RecordingFile, Token, zoom_time};
use crate::users::resolve_user;
use crate::{Sandbox, ids, scopes, webhooks};

/// How long a webhook's `download_token` works (Zoom: 24 hours).
const DOWNLOAD_TOKEN_SECONDS: i64 = 86_400;

pub(crate) fn file_routes() -> Router<Sandbox> {
    Router::new()
        .route("/rec/download/{file_id}", get(download))
        .route("/rec/play/{file_id}", get(play))
        .route("/rec/share/{meeting_id}", get(share))
}

/// Adds MP4, M4A and TRANSCRIPT files dated at the meeting's start (`processing`: still being
/// processed, no end time). Asking again without `processing` while the meeting's files are all
/// processing completes them instead of adding more. Sends `recording.completed` when the files
/// are complete. `None` when the meeting does not exist.
pub(crate) fn record(sb: &Sandbox, meeting_id: i64, processing: bool) -> Option<Value> {
    let base = sb.base_url();
    let (answer, delivery) = sb.with_data(|data| {
        let m = data.meetings.get_mut(&meeting_id)?;
        let all_processing = !m.recording_files.is_empty() && m.recording_files.iter().all(|f| f.processing);
        if all_processing && !processing {
            m.recording_files.iter_mut().for_each(|f| f.processing = false);
        } else {
            let start = m.start_time;
            let end = start + SignedDuration::from_mins(m.duration.max(1));
            for (file_type, extension, recording_type) in [
                ("MP4", "MP4", "shared_screen_with_speaker_view"),
                ("M4A", "M4A", "audio_only"),
                ("TRANSCRIPT", "VTT", "audio_transcript"),
            ] {
                let mut file = RecordingFile {
                    id: ids::file_id(),
                    file_type: file_type.into(),
                    file_extension: extension.into(),
                    recording_type: recording_type.into(),
                    file_size: 0,
                    recording_start: start,
                    recording_end: end,
                    processing,
                    trashed_at: None,
                };
                file.file_size = content(&file).len() as u64;
                m.recording_files.push(file);
            }
        }
        let m = data.meetings.get(&meeting_id)?;
        let object = render(data, m, &base, Listing::Live);
        let account_id = m.account_id.clone();
        let delivery = if processing {
            None
        } else {
            let client_id = data.app_of_account(&account_id).map(|app| app.client_id.clone());
            let token = client_id.map(|c| download_token(data, &c, None)).unwrap_or_default();
            let mut top = Map::new();
            top.insert("download_token".into(), json!(token));
            let mut payload = Map::new();
            payload.insert("object".into(), object.clone());
            webhooks::prepare(data, &account_id, "recording.completed", payload, top)
        };
        Some((object, delivery))
    })?;
    webhooks::dispatch(sb, delivery);
    Some(answer)
}

/// A token for this app (acting as `user_id` for a General app) that only downloading needs
/// (scopes are not checked there).
fn download_token(data: &mut Data, client_id: &str, user_id: Option<&str>) -> String {
    let token = ids::access_token();
    let t = Token {
        client_id: client_id.to_owned(),
        user_id: user_id.map(str::to_owned),
        scopes: Vec::new(),
        expires_at: data.now() + SignedDuration::from_secs(DOWNLOAD_TOKEN_SECONDS),
        revoked: false,
    };
    data.tokens.insert(token.clone(), t);
    token
}

/// Which files an answer shows: the live ones, or those in the trash.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Listing {
    Live,
    Trash,
}

fn listed(f: &RecordingFile, listing: Listing) -> bool {
    f.trashed_at.is_some() == (listing == Listing::Trash)
}

/// Zoom's recording meeting object. `type` is an integer, as real Zoom answers (the OpenAPI
/// document says string).
fn render(data: &Data, m: &Meeting, base: &str, listing: Listing) -> Value {
    let files: Vec<&RecordingFile> = m.recording_files.iter().filter(|f| listed(f, listing)).collect();
    let host_email = data.users.get(&m.host_id).map(|u| u.email.clone()).unwrap_or_default();
    json!({
        "uuid": m.uuid,
        "id": m.id,
        "account_id": m.account_id,
        "host_id": m.host_id,
        "host_email": host_email,
        "topic": m.topic,
        "type": m.kind,
        "start_time": zoom_time(m.start_time),
        "timezone": m.timezone,
        "duration": m.duration,
        "total_size": files.iter().map(|f| f.file_size).sum::<u64>(),
        "recording_count": files.len(),
        "share_url": format!("{base}/rec/share/{}", m.id),
        "recording_play_passcode": m.recording_passcode,
        "recording_files": files.iter().map(|f| render_file(m, f, base)).collect::<Vec<_>>(),
    })
}

fn render_file(m: &Meeting, f: &RecordingFile, base: &str) -> Value {
    let mut v = json!({
        "id": f.id,
        "meeting_id": m.uuid,
        "recording_start": zoom_time(f.recording_start),
        "recording_end": if f.processing { String::new() } else { zoom_time(f.recording_end) },
        "file_type": f.file_type,
        "file_extension": f.file_extension,
        "file_size": f.file_size,
        "play_url": format!("{base}/rec/play/{}", f.id),
        "download_url": format!("{base}/rec/download/{}", f.id),
        "status": if f.processing { "processing" } else { "completed" },
        "recording_type": f.recording_type,
    });
    if let Some(t) = f.trashed_at {
        v["deleted_time"] = json!(zoom_time(t));
    }
    v
}

/// The file's bytes: a WebVTT transcript, or filler for audio and video.
fn content(f: &RecordingFile) -> Vec<u8> {
    match f.file_type.as_str() {
        "TRANSCRIPT" => format!(
            "WEBVTT\n\n1\n00:00:00.000 --> 00:00:04.000\nSandbox: this is a sandbox recording.\n\n\
             2\n00:00:04.000 --> 00:00:08.000\nSandbox: file {}.\n",
            f.id
        )
        .into_bytes(),
        "M4A" => f.id.bytes().cycle().take(64 * 1024).collect(),
        _ => f.id.bytes().cycle().take(256 * 1024).collect(),
    }
}

#[derive(Deserialize)]
pub(crate) struct ListParams {
    from: Option<String>,
    to: Option<String>,
    page_size: Option<String>,
    next_page_token: Option<String>,
    trash: Option<String>,
    meeting_id: Option<String>,
}

pub(crate) async fn list_user(
    State(sb): State<Sandbox>,
    Path(user_id): Path<String>,
    Query(params): Query<ListParams>,
    headers: HeaderMap,
) -> Response {
    let base = sb.base_url();
    call(&sb, &headers, &scopes::LIST_USER_RECORDINGS, |caller, _| {
        sb.with_data(|data| {
            let host = resolve_user(data, caller, &user_id)?;
            let host_id = host.id.clone();
            let zone = jiff::tz::TimeZone::get(&host.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
            let today = data.now().to_zoned(zone.clone()).date();
            let (from, to) = range(&params, today)?;
            let only = match params.meeting_id.as_deref().filter(|s| !s.is_empty()) {
                None => None,
                Some(id) => Some(id.parse::<i64>().map_err(|_| validation_failed("meeting_id"))?),
            };
            let listing = if params.trash.as_deref() == Some("true") { Listing::Trash } else { Listing::Live };
            let mut meetings: Vec<&Meeting> = data
                .meetings
                .values()
                .filter(|m| {
                    let day = m.start_time.to_zoned(zone.clone()).date();
                    m.host_id == host_id
                        && day >= from
                        && day < to
                        && only.is_none_or(|id| id == m.id)
                        && m.recording_files.iter().any(|f| listed(f, listing))
                })
                .collect();
            meetings.sort_by_key(|m| std::cmp::Reverse((m.start_time, m.id)));
            let page =
                Page::from_params(params.page_size.as_deref(), params.next_page_token.as_deref(), meetings.len())?;
            let items: Vec<Value> = meetings[page.range()].iter().map(|m| render(data, m, &base, listing)).collect();
            let mut body = page.fields();
            body.insert("from".into(), json!(from.to_string()));
            body.insert("to".into(), json!(to.to_string()));
            body.insert("meetings".into(), Value::Array(items));
            Ok(axum::Json(Value::Object(body)).into_response())
        })
    })
}

fn range(params: &ListParams, today: Date) -> Result<(Date, Date), ZoomError> {
    let parse = |s: &Option<String>, field: &str| -> Result<Option<Date>, ZoomError> {
        match s.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s.parse::<Date>().map(Some).map_err(|_| validation_failed(field)),
        }
    };
    let (from, to) = match (parse(&params.from, "from")?, parse(&params.to, "to")?) {
        (None, None) => (today, today.checked_add(1.day()).unwrap_or(today)),
        (Some(from), None) => (from, today),
        (None, Some(to)) => (to, to),
        (Some(from), Some(to)) => (from, to),
    };
    if from > to {
        return Err(validation_failed("from"));
    }
    let earliest = to.checked_sub(1.month()).unwrap_or(from);
    Ok((from.max(earliest), to))
}

/// A meeting by numeric id (its latest instance: the sandbox has one per meeting) or by UUID,
/// which arrives double-encoded when it starts with `/` or contains `//`; else 404 code 3301
/// (4711 for another user's meeting with a user-level token).
fn find_recorded<'a>(data: &'a Data, caller: &Caller, key: &str) -> Result<&'a Meeting, ZoomError> {
    let mut key = key.to_string();
    while key.contains('%') {
        let decoded = percent_encoding::percent_decode_str(&key).decode_utf8_lossy().into_owned();
        if decoded == key {
            break;
        }
        key = decoded;
    }
    let found = match key.parse::<i64>() {
        Ok(id) => data.meetings.get(&id),
        Err(_) => data.meetings.values().find(|m| m.uuid == key),
    };
    let m = found.filter(|m| m.account_id == caller.account_id).ok_or_else(recording_not_found)?;
    caller.may_act_for(&m.host_id)?;
    Ok(m)
}

#[derive(Deserialize)]
pub(crate) struct MeetingParams {
    include_fields: Option<String>,
}

pub(crate) async fn list_meeting(
    State(sb): State<Sandbox>,
    Path(meeting_id): Path<String>,
    Query(params): Query<MeetingParams>,
    headers: HeaderMap,
) -> Response {
    let base = sb.base_url();
    call(&sb, &headers, &scopes::LIST_RECORDING_FILES, |caller, _| {
        sb.with_data(|data| {
            let m = find_recorded(data, caller, &meeting_id)?;
            if !m.recording_files.iter().any(|f| listed(f, Listing::Live)) {
                return Err(recording_not_found());
            }
            let mut v = render(data, m, &base, Listing::Live);
            v["password"] = json!(m.password);
            v["participant_audio_files"] = json!([]);
            if params.include_fields.as_deref() == Some("download_access_token") {
                let (client_id, user_id) = (caller.client_id.clone(), caller.user_id.clone());
                v["download_access_token"] = json!(download_token(data, &client_id, user_id.as_deref()));
            }
            Ok(axum::Json(v).into_response())
        })
    })
}

#[derive(Deserialize)]
pub(crate) struct DeleteParams {
    action: Option<String>,
}

/// `DELETE /meetings/{id}/recordings/{file_id}`: `action=trash` (the default) or `delete`.
/// A file already in the trash can still be deleted for good; trashing it again is 404 3301.
pub(crate) async fn delete_file(
    State(sb): State<Sandbox>,
    Path((meeting_id, file_id)): Path<(String, String)>,
    Query(params): Query<DeleteParams>,
    headers: HeaderMap,
) -> Response {
    call(&sb, &headers, &scopes::DELETE_RECORDING_FILE, |caller, _| {
        let permanent = match params.action.as_deref() {
            None | Some("trash") => false,
            Some("delete") => true,
            Some(_) => return Err(validation_failed("action")),
        };
        sb.with_data(|data| {
            let id = find_recorded(data, caller, &meeting_id)?.id;
            let now = data.now();
            let m = data.meetings.get_mut(&id).ok_or_else(recording_not_found)?;
            let pos = m.recording_files.iter().position(|f| f.id == file_id).ok_or_else(recording_not_found)?;
            let was_live = m.recording_files[pos].trashed_at.is_none();
            if permanent {
                m.recording_files.remove(pos);
            } else if was_live {
                m.recording_files[pos].trashed_at = Some(now);
            } else {
                return Err(recording_not_found());
            }
            if was_live && let Some(app) = data.apps.get_mut(&caller.client_id) {
                app.stats.recording_files_deleted += 1;
            }
            Ok(StatusCode::NO_CONTENT.into_response())
        })
    })
}

/// `DELETE /meetings/{id}/recordings`: every live file of the meeting, same `action`.
pub(crate) async fn delete_all(
    State(sb): State<Sandbox>,
    Path(meeting_id): Path<String>,
    Query(params): Query<DeleteParams>,
    headers: HeaderMap,
) -> Response {
    call(&sb, &headers, &scopes::DELETE_MEETING_RECORDINGS, |caller, _| {
        let permanent = match params.action.as_deref() {
            None | Some("trash") => false,
            Some("delete") => true,
            Some(_) => return Err(validation_failed("action")),
        };
        sb.with_data(|data| {
            let id = find_recorded(data, caller, &meeting_id)?.id;
            let now = data.now();
            let m = data.meetings.get_mut(&id).ok_or_else(recording_not_found)?;
            let live = m.recording_files.iter().filter(|f| f.trashed_at.is_none()).count() as u64;
            if live == 0 {
                return Err(recording_not_found());
            }
            if permanent {
                m.recording_files.retain(|f| f.trashed_at.is_some());
            } else {
                m.recording_files.iter_mut().for_each(|f| {
                    f.trashed_at.get_or_insert(now);
                });
            }
            if let Some(app) = data.apps.get_mut(&caller.client_id) {
                app.stats.recording_files_deleted += live;
            }
            Ok(StatusCode::NO_CONTENT.into_response())
        })
    })
}

/// The file's bytes for a valid token of the owning account (the `Authorization: Bearer` header,
/// or `?access_token=` as older docs and webhook `download_token`s use); else 401 code 124.
async fn download(
    State(sb): State<Sandbox>,
    Path(file_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query_token: Option<String> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(query.as_deref().unwrap_or(""))
            .ok()
            .and_then(|q| q.into_iter().find(|(k, _)| k == "access_token").map(|(_, v)| v));
    let token = bearer(&headers).map(str::to_string).or(query_token);
    let holder = match authenticate(&sb, token.as_deref()) {
        Ok(holder) => holder,
        Err(e) => return e.into_response(),
    };
    let found = sb.with_data(|data| {
        data.meetings
            .values()
            .filter(|m| m.account_id == holder.account_id)
            .filter(|m| holder.user_id.as_ref().is_none_or(|user| *user == m.host_id))
            .flat_map(|m| m.recording_files.iter())
            .find(|f| f.id == file_id && f.trashed_at.is_none())
            .cloned()
    });
    let Some(file) = found else {
        return recording_not_found().into_response();
    };
    let mime = match file.file_type.as_str() {
        "MP4" => "video/mp4",
        "M4A" => "audio/mp4",
        _ => "text/vtt",
    };
    let name = format!("{}.{}", file.id, file.file_extension.to_ascii_lowercase());
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        content(&file),
    )
        .into_response()
}

async fn play(Path(file_id): Path<String>) -> Html<String> {
    Html(format!(
        "<!doctype html><title>Zoom sandbox recording</title>\
         <p>Playing recording file {file_id} (sandbox).</p>"
    ))
}

async fn share(Path(meeting_id): Path<String>) -> Html<String> {
    Html(format!(
        "<!doctype html><title>Zoom sandbox recording</title>\
         <p>Shared recordings of meeting {meeting_id} (sandbox).</p>"
    ))
}
