//! `/api/v1/recordings` and a meeting's recordings: read from Zoom, streamed, deleted.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use zoom::DeleteAction;

use super::zoom_integration::{not_connected, zoom_unavailable};
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiQuery, ApiUser};
use crate::integrations::zoom::recordings::Recordings;
use crate::integrations::zoom::recordings::{FileView, RecordedMeeting, RecordingError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_recordings))
        .routes(routes!(meeting_recordings))
        .routes(routes!(download_file))
        .routes(routes!(delete_file))
}

impl From<RecordingError> for ApiError {
    fn from(e: RecordingError) -> Self {
        match e {
            RecordingError::NotConnected => not_connected(),
            RecordingError::NotFound => ApiError::not_found(),
            e @ RecordingError::ZoomUnavailable => zoom_unavailable(e.to_string()),
            e @ RecordingError::NeedsAttention => {
                ApiError::new(StatusCode::CONFLICT, "zoom_needs_attention", e.to_string())
            }
            e @ RecordingError::RangeTooLong => ApiError::unprocessable("invalid_range", e.to_string()),
            RecordingError::Internal(e) => ApiError::internal(e),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day (UTC), YYYY-MM-DD; default 30 days before `to`.
    #[param(format = Date)]
    from: Option<String>,
    /// Last day (UTC), YYYY-MM-DD; default today. At most 366 days after `from`.
    #[param(format = Date)]
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordingList {
    meetings: Vec<RecordedMeeting>,
}

/// The host's cloud recordings over a range, grouped by meeting instance.
#[utoipa::path(get, path = "/recordings", tag = "recordings", params(RangeQuery), security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = RecordingList), (status = 404, description = "not_connected"), (status = 422), (status = 503)))]
async fn list_recordings(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> ApiResult<Json<RecordingList>> {
    let today = state.clock.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let parse = |raw: Option<&str>, default: jiff::civil::Date| match raw {
        Some(raw) => raw
            .parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::unprocessable("invalid_date", "Dates are YYYY-MM-DD.")),
        None => Ok(default),
    };
    let to = parse(query.to.as_deref(), today)?;
    let from = parse(query.from.as_deref(), to.saturating_sub(jiff::Span::new().days(30)))?;
    Ok(Json(RecordingList { meetings: Recordings(&state).recordings(&user.user.id, from, to).await? }))
}

#[derive(Serialize, ToSchema)]
pub struct FileList {
    files: Vec<FileView>,
}

/// A meeting's recording files, read from Zoom now.
#[utoipa::path(get, path = "/meetings/{id}/recordings", tag = "recordings", params(("id" = String, Path)),
    security(("bearer" = []), ("session" = [])), responses((status = 200, body = FileList), (status = 404), (status = 503)))]
async fn meeting_recordings(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<FileList>> {
    let meeting = state.db.meeting_of(&user.user.id, &id).await?.ok_or_else(ApiError::not_found)?;
    let files = match meeting.zoom_meeting_id {
        Some(zoom_id) => Recordings(&state).meeting_recordings(&user.user.id, zoom_id).await?,
        None => Vec::new(),
    };
    Ok(Json(FileList { files }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    /// The meeting instance's UUID.
    meeting_uuid: String,
}

/// What deleting a file does.
#[derive(Deserialize, ToSchema, Clone, Copy, Default)]
#[serde(rename_all = "lowercase")]
pub enum FileAction {
    /// To Zoom's trash (restorable there for 30 days).
    #[default]
    Trash,
    /// For good.
    Delete,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// The meeting instance's UUID.
    meeting_uuid: String,
    #[serde(default)]
    #[param(inline)]
    action: FileAction,
}

/// The file's bytes, streamed from Zoom through Prospo (never a redirect).
#[utoipa::path(get, path = "/recordings/files/{file_id}/download", tag = "recordings", params(("file_id" = String, Path), FileQuery),
    security(("bearer" = []), ("session" = [])), responses((status = 200, description = "the file"), (status = 404), (status = 503)))]
async fn download_file(
    State(state): State<AppState>,
    user: ApiUser,
    Path(file_id): Path<String>,
    ApiQuery(query): ApiQuery<FileQuery>,
) -> ApiResult<Response> {
    let (file, stream) = Recordings(&state).download_recording(&user.user.id, &query.meeting_uuid, &file_id).await?;
    let extension = file.file_extension.clone().unwrap_or_else(|| "bin".into()).to_lowercase();
    let content_type = match extension.as_str() {
        "mp4" => "video/mp4",
        "m4a" => "audio/mp4",
        "vtt" => "text/vtt",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    let name: String =
        format!("{}-{file_id}.{extension}", file.file_type.as_deref().unwrap_or("recording").to_lowercase())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
            .collect();
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(size) = file.file_size
        && let Ok(value) = HeaderValue::from_str(&size.to_string())
    {
        headers.insert(header::CONTENT_LENGTH, value);
    }
    Ok(response)
}

/// Moves the file to Zoom's trash (default) or deletes it permanently (`action=delete`).
#[utoipa::path(delete, path = "/recordings/files/{file_id}", tag = "recordings", params(("file_id" = String, Path), DeleteQuery),
    security(("bearer" = []), ("session" = [])), responses((status = 204), (status = 404), (status = 422), (status = 503)))]
async fn delete_file(
    State(state): State<AppState>,
    user: ApiUser,
    Path(file_id): Path<String>,
    ApiQuery(query): ApiQuery<DeleteQuery>,
) -> ApiResult<StatusCode> {
    let action = match query.action {
        FileAction::Trash => DeleteAction::Trash,
        FileAction::Delete => DeleteAction::Delete,
    };
    Recordings(&state).delete_recording(&user.user.id, &query.meeting_uuid, &file_id, action).await?;
    Ok(StatusCode::NO_CONTENT)
}
