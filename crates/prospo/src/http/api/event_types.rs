//! `/api/v1/event-types`: the host's event types.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::questions::Question;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiUser};
use crate::scheduling::event_types::{self, EventTypeError, EventTypeInput};
use crate::store::event_types::EventTypeRow;
use crate::timefmt::rfc3339_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_event_types, create_event_type)).routes(routes!(
        get_event_type,
        patch_event_type,
        delete_event_type
    ))
}

#[derive(Serialize, ToSchema)]
pub struct EventTypeView {
    id: String,
    title: String,
    slug: String,
    description: String,
    duration_minutes: i64,
    location: String,
    location_detail: Option<String>,
    slot_step_minutes: i64,
    buffer_before_minutes: i64,
    buffer_after_minutes: i64,
    minimum_notice_minutes: i64,
    booking_window_days: i64,
    max_per_day: Option<i64>,
    /// Minutes before the start at which invitees get a reminder, earliest first.
    reminder_minutes: Vec<i64>,
    /// The booking page's questions, in the order it asks them.
    questions: Vec<Question>,
    zoom: ZoomOptionsView,
    /// Left off the public profile; still bookable by its link.
    hidden: bool,
    /// The public booking page.
    booking_url: String,
    created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ZoomOptionsView {
    waiting_room: bool,
    join_before_host: bool,
    mute_upon_entry: bool,
    auto_recording: String,
}

#[derive(Serialize, ToSchema)]
pub struct EventTypeList {
    event_types: Vec<EventTypeView>,
}

fn view(state: &AppState, username: &str, row: EventTypeRow) -> EventTypeView {
    let booking_url = state.booking_url(username, &row.slug);
    view_at(booking_url, row)
}

/// An event type as the API shows it, booked at `booking_url`.
pub(super) fn view_at(booking_url: String, row: EventTypeRow) -> EventTypeView {
    EventTypeView {
        booking_url,
        created_at: rfc3339_ms(row.created_at),
        reminder_minutes: event_types::reminder_minutes(&row),
        questions: row.questions.0.clone(),
        zoom: ZoomOptionsView {
            waiting_room: row.zoom_waiting_room,
            join_before_host: row.zoom_join_before_host,
            mute_upon_entry: row.zoom_mute_upon_entry,
            auto_recording: row.zoom_auto_recording,
        },
        hidden: row.hidden,
        id: row.id,
        title: row.title,
        slug: row.slug,
        description: row.description,
        duration_minutes: row.duration_minutes,
        location: row.location,
        location_detail: row.location_detail,
        slot_step_minutes: row.slot_step_minutes,
        buffer_before_minutes: row.buffer_before_minutes,
        buffer_after_minutes: row.buffer_after_minutes,
        minimum_notice_minutes: row.minimum_notice_minutes,
        booking_window_days: row.booking_window_days,
        max_per_day: row.max_per_day,
    }
}

impl From<EventTypeError> for ApiError {
    fn from(e: EventTypeError) -> Self {
        match e {
            EventTypeError::Invalid(invalid) => {
                ApiError::unprocessable(invalid.code, invalid.message).with("field", invalid.field)
            }
            EventTypeError::Question(problem) => {
                ApiError::unprocessable("invalid_event_type", problem.message.clone()).with("field", problem.field())
            }
            e @ EventTypeError::SlugTaken => ApiError::new(StatusCode::CONFLICT, "slug_taken", e.to_string()),
            EventTypeError::Store(e) => ApiError::internal(e),
        }
    }
}

/// The host's event types.
#[utoipa::path(get, path = "/event-types", tag = "scheduling", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = EventTypeList)))]
async fn list_event_types(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<EventTypeList>> {
    let rows = state.db.event_types_of(&user.user.id).await?;
    Ok(Json(EventTypeList { event_types: rows.into_iter().map(|r| view(&state, &user.user.username, r)).collect() }))
}

/// Creates an event type; omitted fields take the product's defaults.
#[utoipa::path(post, path = "/event-types", tag = "scheduling", request_body = EventTypeInput,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = EventTypeView), (status = 409, description = "slug_taken", body = crate::http::api::ErrorBody),
        (status = 422, body = crate::http::api::ErrorBody)))]
async fn create_event_type(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(input): ApiJson<EventTypeInput>,
) -> ApiResult<impl IntoResponse> {
    let row = event_types::save(&state, &user.user.id, None, input).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &user.user.username, row))))
}

async fn owned(state: &AppState, user: &ApiUser, id: &str) -> ApiResult<EventTypeRow> {
    state.db.event_type_of(&user.user.id, id).await?.ok_or_else(ApiError::not_found)
}

/// One event type.
#[utoipa::path(get, path = "/event-types/{id}", tag = "scheduling", params(("id" = String, Path)),
    security(("bearer" = []), ("session" = [])), responses((status = 200, body = EventTypeView), (status = 404)))]
async fn get_event_type(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<EventTypeView>> {
    let row = owned(&state, &user, &id).await?;
    Ok(Json(view(&state, &user.user.username, row)))
}

/// Changes the given fields.
#[utoipa::path(patch, path = "/event-types/{id}", tag = "scheduling", params(("id" = String, Path)), request_body = EventTypeInput,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = EventTypeView), (status = 404), (status = 409), (status = 422)))]
async fn patch_event_type(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<EventTypeInput>,
) -> ApiResult<Json<EventTypeView>> {
    let existing = owned(&state, &user, &id).await?;
    let row = event_types::save(&state, &user.user.id, Some(existing), input).await?;
    Ok(Json(view(&state, &user.user.username, row)))
}

/// Deletes an event type (meetings booked through it stay).
#[utoipa::path(delete, path = "/event-types/{id}", tag = "scheduling", params(("id" = String, Path)),
    security(("bearer" = []), ("session" = [])), responses((status = 204), (status = 404)))]
async fn delete_event_type(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if state.db.delete_event_type(&user.user.id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
