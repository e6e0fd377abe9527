//! `/api/v1/me/photo`: the profile photo, sent as the image's bytes.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::ApiUser;
use crate::profile::photo::{self, PhotoError};

pub fn router() -> OpenApiRouter<AppState> {
    // The one route whose body may be larger than the API's 256 KiB.
    OpenApiRouter::new().routes(routes!(put_photo, delete_photo)).layer(DefaultBodyLimit::max(photo::MAX_BYTES))
}

impl From<PhotoError> for ApiError {
    fn from(e: PhotoError) -> Self {
        let status = match &e {
            PhotoError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PhotoError::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PhotoError::TooManyPixels { .. } | PhotoError::Unreadable => StatusCode::UNPROCESSABLE_ENTITY,
            PhotoError::Store(_) | PhotoError::Internal(_) => return ApiError::internal(e),
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

/// Sets the profile photo from the image's bytes (PNG, JPEG or WebP, at most 2 MB and 4096 pixels a
/// side). It is cropped to a square, resized to 256 × 256 and shown on the public profile.
#[utoipa::path(put, path = "/me/photo", tag = "accounts", security(("bearer" = []), ("session" = [])),
    request_body(description = "The image file's bytes, at most 2 MB (2097152 bytes) and 4096 pixels a side.",
        content(("image/png"), ("image/jpeg"), ("image/webp"))),
    responses((status = 204, description = "Stored."),
              (status = 413, description = "photo_too_large: over 2 MB", body = crate::http::api::ErrorBody),
              (status = 415, description = "unsupported_photo_type: not image/png, image/jpeg or image/webp", body = crate::http::api::ErrorBody),
              (status = 422, description = "photo_too_many_pixels (over 4096 pixels a side) or invalid_photo (not a readable image of its type)", body = crate::http::api::ErrorBody)))]
async fn put_photo(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let bytes = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => PhotoError::TooLarge.into(),
        _ => ApiError::unprocessable("invalid_photo", "The photo could not be read."),
    })?;
    photo::set(&state, &user.user.id, content_type, bytes).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the profile photo (the profile then shows initials).
#[utoipa::path(delete, path = "/me/photo", tag = "accounts", security(("bearer" = []), ("session" = [])),
    responses((status = 204, description = "Removed (or there was none).")))]
async fn delete_photo(State(state): State<AppState>, user: ApiUser) -> ApiResult<StatusCode> {
    photo::remove(&state, &user.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
