//! `/api/v1/meetings`: the host's meetings, their live Zoom meeting, start links, changes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::zoom_integration::{not_connected, zoom_unavailable};
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::scheduling::booking::{self, DirectMeetingInput};
use crate::scheduling::event_types::{AutoRecording, ZoomOptionsInput};
use crate::scheduling::meetings::{self, LiveZoomError, MeetingView, ZoomLive};
use crate::store::meetings::MeetingRow;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_meetings, create_meeting))
        .routes(routes!(get_meeting, patch_meeting, delete_meeting))
        .routes(routes!(start_meeting))
        .routes(routes!(retry_zoom))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[serde(default)]
    #[param(inline)]
    when: When,
}

/// Which meetings: `upcoming` (default) and `past` are scheduled meetings, by their end.
#[derive(Deserialize, ToSchema, Clone, Copy, Default)]
#[serde(rename_all = "lowercase")]
pub enum When {
    #[default]
    Upcoming,
    Past,
    Cancelled,
}

#[derive(Serialize, ToSchema)]
pub struct MeetingList {
    meetings: Vec<MeetingView>,
}

/// Upcoming (soonest first), past or cancelled (latest first) meetings.
#[utoipa::path(get, path = "/meetings", tag = "meetings", params(ListQuery), security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MeetingList), (status = 422)))]
async fn list_meetings(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<MeetingList>> {
    use crate::store::meetings::MeetingList as Which;
    let list = match query.when {
        When::Upcoming => Which::Upcoming,
        When::Past => Which::Past,
        When::Cancelled => Which::Cancelled,
    };
    let listed = MeetingView::list(&state.db, &user.user.id, list, state.now_ms()).await?;
    Ok(Json(MeetingList { meetings: listed.into_iter().map(|(_, view)| view).collect() }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewMeetingRequest {
    topic: String,
    /// RFC 3339, not in the past.
    #[schema(format = DateTime)]
    start: String,
    #[schema(minimum = 5, maximum = 720)]
    duration_minutes: i64,
    /// IANA time zone shown with the meeting.
    timezone: String,
    #[serde(default)]
    #[schema(max_items = 50)]
    invitees: Vec<InviteeRequest>,
    zoom: Option<ZoomOptionsInput>,
}

#[derive(Deserialize, ToSchema)]
pub struct InviteeRequest {
    name: Option<String>,
    email: String,
}

/// New meeting: a Zoom meeting scheduled directly, without a booking page.
#[utoipa::path(post, path = "/meetings", tag = "meetings", request_body = NewMeetingRequest, security(("bearer" = []), ("session" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key and body answers the first answer again (kept a day); the same key with another body is 422 `idempotency_key_reused`.")),
    responses((status = 201, body = MeetingView),
        (status = 409, description = "`zoom_not_connected`, or `idempotency_key_in_use` while the first request with this key is answered", body = crate::http::api::ErrorBody),
        (status = 422, description = "`too_many_invitees`, `start_in_past`, `idempotency_key_reused`, or a field refused", body = crate::http::api::ErrorBody),
        (status = 429, description = "`mail_quota`: the account's daily mail quota is spent", body = crate::http::api::ErrorBody)))]
async fn create_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewMeetingRequest>,
) -> ApiResult<impl IntoResponse> {
    let zoom = body.zoom.unwrap_or_default();
    let input = DirectMeetingInput {
        topic: body.topic,
        start: body.start,
        duration_minutes: body.duration_minutes,
        timezone: body.timezone,
        invitees: body.invitees.into_iter().map(|i| (i.name, i.email)).collect(),
        waiting_room: zoom.waiting_room.unwrap_or(false),
        join_before_host: zoom.join_before_host.unwrap_or(false),
        mute_upon_entry: zoom.mute_upon_entry.unwrap_or(false),
        auto_recording: zoom.auto_recording.unwrap_or(AutoRecording::None).as_str().to_owned(),
    };
    let row = booking::create_direct(&state, &user.user, input).await.map_err(|e| match e {
        booking::BookingError::ZoomNotConnected => {
            ApiError::new(StatusCode::CONFLICT, "zoom_not_connected", booking::HOST_NEEDS_ZOOM)
        }
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(MeetingView::load(&state.db, &row).await?)))
}

async fn owned(state: &AppState, user: &ApiUser, id: &str) -> ApiResult<MeetingRow> {
    state.db.meeting_of(&user.user.id, id).await?.ok_or_else(ApiError::not_found)
}

#[derive(Serialize, ToSchema)]
pub struct MeetingDetails {
    #[serde(flatten)]
    meeting: MeetingView,
    /// What Zoom answers now (never the start link); `null` until the Zoom meeting is created.
    zoom_live: Option<ZoomLive>,
    /// Set when Zoom could not be asked just now.
    #[serde(skip_serializing_if = "Option::is_none")]
    zoom_live_error: Option<String>,
    /// Recording files Zoom announced with `recording.completed` (no Zoom call; see
    /// `/meetings/{id}/recordings` for the current list).
    recording_files: Vec<crate::integrations::zoom::recordings::FileView>,
}

/// MEETING plus the live Zoom meeting.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DetailsQuery {
    /// `false` skips asking Zoom (`zoom_live` is then `null`): for cheap polling.
    live: Option<bool>,
}

#[utoipa::path(get, path = "/meetings/{id}", tag = "meetings", params(("id" = String, Path), DetailsQuery), security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MeetingDetails), (status = 404)))]
async fn get_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<DetailsQuery>,
) -> ApiResult<Json<MeetingDetails>> {
    let row = owned(&state, &user, &id).await?;
    let meeting = MeetingView::load(&state.db, &row).await?;
    let live = if query.live.unwrap_or(true) { meetings::live_zoom_meeting(&state, &row).await } else { Ok(None) };
    let (zoom_live, zoom_live_error) = match live {
        Ok(live) => (live, None),
        Err(LiveZoomError::Store(e)) => return Err(e.into()),
        Err(e) => (None, Some(e.to_string())),
    };
    let recording_files = match state.db.meeting_recordings_snapshot(&row.id).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(Json(MeetingDetails { meeting, zoom_live, zoom_live_error, recording_files }))
}

impl From<LiveZoomError> for ApiError {
    fn from(e: LiveZoomError) -> Self {
        let message = e.to_string();
        match e {
            LiveZoomError::NotConnected => not_connected(),
            LiveZoomError::NotReady => ApiError::new(StatusCode::CONFLICT, "zoom_not_ready", message),
            LiveZoomError::Unavailable(_) => zoom_unavailable(message),
            LiveZoomError::Store(e) => ApiError::internal(e),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StartLink {
    /// Carries the host's key; expires after two hours. Never stored.
    start_url: String,
}

/// A fresh start link from Zoom, for the host only.
#[utoipa::path(post, path = "/meetings/{id}/start", tag = "meetings", params(("id" = String, Path)), security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = StartLink), (status = 404), (status = 409, description = "zoom_not_ready"), (status = 503)))]
async fn start_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<StartLink>> {
    let row = owned(&state, &user, &id).await?;
    if row.host_id != user.user.id {
        // The start link starts the meeting as its Zoom account's owner: only the host gets it.
        return Err(ApiError::not_found());
    }
    let start_url = meetings::start_link(&state, &row).await?;
    Ok(Json(StartLink { start_url }))
}

/// Retries a failed (or held) Zoom create or change now.
#[utoipa::path(post, path = "/meetings/{id}/zoom/retry", tag = "meetings", params(("id" = String, Path)), security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MeetingView), (status = 404)))]
async fn retry_zoom(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<MeetingView>> {
    let row = owned(&state, &user, &id).await?;
    meetings::retry_zoom(&state, &row).await?;
    let row = owned(&state, &user, &id).await?;
    Ok(Json(MeetingView::load(&state.db, &row).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct MeetingChange {
    start: Option<String>,
    duration_minutes: Option<i64>,
    topic: Option<String>,
}

/// Reschedules or renames; the same Zoom meeting is updated, so the join link stays valid.
#[utoipa::path(patch, path = "/meetings/{id}", tag = "meetings", params(("id" = String, Path)), request_body = MeetingChange,
    security(("bearer" = []), ("session" = [])), responses((status = 200, body = MeetingView), (status = 404), (status = 409), (status = 422)))]
async fn patch_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MeetingChange>,
) -> ApiResult<Json<MeetingView>> {
    let row = owned(&state, &user, &id).await?;
    let row =
        booking::change_by_host(&state, &row, body.start.as_deref(), body.duration_minutes, body.topic.as_deref())
            .await?;
    Ok(Json(MeetingView::load(&state.db, &row).await?))
}

/// Cancels; the Zoom meeting is deleted.
#[utoipa::path(delete, path = "/meetings/{id}", tag = "meetings", params(("id" = String, Path)), security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MeetingView), (status = 404)))]
async fn delete_meeting(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<MeetingView>> {
    let row = owned(&state, &user, &id).await?;
    let row = booking::cancel(&state, &row, None, booking::By::Host).await?;
    Ok(Json(MeetingView::load(&state.db, &row).await?))
}
