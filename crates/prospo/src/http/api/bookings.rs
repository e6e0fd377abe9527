//! Public booking routes (no auth): slots, booking, and the invitee's manage link.

use std::collections::BTreeMap;
use std::net::IpAddr;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::slots::format_in;
use crate::http::AppState;
use crate::http::client::ClientIp;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::scheduling::bookable::Bookable;
use crate::scheduling::booking::{self, BookingError, BookingInput};
use crate::scheduling::meetings::MeetingView;
use crate::scheduling::team_booking;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(slots))
        .routes(routes!(create_booking))
        .routes(routes!(team_slots))
        .routes(routes!(create_team_booking))
        .routes(routes!(get_booking))
        .routes(routes!(reschedule_booking))
        .routes(routes!(cancel_booking))
}

impl From<BookingError> for ApiError {
    fn from(e: BookingError) -> Self {
        let message = e.to_string();
        match e {
            BookingError::Invalid(invalid) => {
                ApiError::unprocessable(invalid.code, invalid.message).with("field", invalid.field)
            }
            BookingError::Answers(problems) => match problems.into_iter().next() {
                Some(p) => ApiError::unprocessable(p.code.as_str(), p.message.clone()).with("field", p.field()),
                None => ApiError::unprocessable("invalid_answer", message),
            },
            BookingError::SlotTaken => ApiError::new(StatusCode::CONFLICT, "slot_taken", message),
            BookingError::NotAvailable => ApiError::unprocessable("not_available", message),
            BookingError::ZoomNotConnected => ApiError::new(StatusCode::CONFLICT, "zoom_not_connected", message),
            BookingError::Cancelled => ApiError::new(StatusCode::CONFLICT, "meeting_cancelled", message),
            BookingError::TooManyChanges => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_changes", message),
            BookingError::MailQuota => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "mail_quota", message),
            BookingError::CalendarUnavailable => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "calendar_unavailable", message)
            }
            BookingError::Store(e) => ApiError::internal(e),
            BookingError::Internal(e) => ApiError::internal(e),
        }
    }
}

async fn public_event(state: &AppState, username: &str, slug: &str) -> ApiResult<Bookable> {
    let event = booking::find_public_event(&state.db, username, slug).await?.ok_or_else(ApiError::not_found)?;
    Ok(Bookable::Personal(Box::new(event)))
}

async fn team_event(state: &AppState, team_slug: &str, slug: &str) -> ApiResult<Bookable> {
    let event = team_booking::find_team_event(&state.db, team_slug, slug).await?.ok_or_else(ApiError::not_found)?;
    Ok(Bookable::Team(Box::new(event)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotsQuery {
    /// First date (inclusive) in `timezone`, YYYY-MM-DD.
    #[param(format = Date)]
    from: String,
    /// Last date (inclusive) in `timezone`, at most 62 days after `from`.
    #[param(format = Date)]
    to: String,
    /// The invitee's IANA time zone.
    timezone: String,
}

#[derive(Serialize, ToSchema)]
pub struct SlotsAnswer {
    timezone: String,
    /// Starts in `timezone`'s offset, ascending, unique.
    slots: Vec<String>,
    /// Why nothing can be booked, when that is so (e.g. the host has not connected Zoom).
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<String>,
}

fn parse_date(field: &'static str, raw: &str) -> ApiResult<Date> {
    raw.parse::<Date>()
        .map_err(|_| ApiError::unprocessable("invalid_date", format!("`{field}` must be a date, YYYY-MM-DD.")))
}

/// Free slot starts of an event type.
#[utoipa::path(get, path = "/public/{username}/{slug}/slots", tag = "booking", params(("username" = String, Path), ("slug" = String, Path), SlotsQuery),
    responses((status = 200, body = SlotsAnswer), (status = 404), (status = 422, body = crate::http::api::ErrorBody)))]
async fn slots(
    State(state): State<AppState>,
    Path((username, slug)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<SlotsQuery>,
) -> ApiResult<Json<SlotsAnswer>> {
    let event = public_event(&state, &username, &slug).await?;
    slots_of(&state, &event, query).await
}

/// The slots answer of a personal or team page.
async fn slots_of(state: &AppState, event: &Bookable, query: SlotsQuery) -> ApiResult<Json<SlotsAnswer>> {
    let tz = booking::parse_time_zone(&query.timezone)?;
    let (from, to) = (parse_date("from", &query.from)?, parse_date("to", &query.to)?);
    let timezone = tz.iana_name().unwrap_or(query.timezone.trim()).to_owned();
    if !event.can_book() {
        let notice = Some(BookingError::ZoomNotConnected.to_string());
        return Ok(Json(SlotsAnswer { timezone, slots: Vec::new(), notice }));
    }
    let starts = event.slots(state, from, to, &tz, state.clock.now()).await?;
    Ok(Json(SlotsAnswer { timezone, slots: starts.into_iter().map(|t| format_in(t, &tz)).collect(), notice: None }))
}

#[derive(Deserialize, ToSchema)]
pub struct BookingRequest {
    /// RFC 3339, one of the offered slots.
    #[schema(format = DateTime)]
    start: String,
    name: String,
    #[schema(format = Email)]
    email: String,
    /// The invitee's IANA time zone.
    timezone: String,
    notes: Option<String>,
    /// Answers to the event type's questions by question id: a string (at most 1000 characters,
    /// 5000 for `long_text`; for `choice` one of its options) or, for `checkbox`, a boolean.
    /// A missing required answer is 422 `answer_required`; a wrong type, an unknown option, a text
    /// too long or an unknown id is 422 `invalid_answer` (both with `field` = `answers.{id}`).
    #[schema(value_type = Option<Object>, additional_properties = true)]
    answers: Option<BTreeMap<String, serde_json::Value>>,
    /// The language of the invitee's mails and pages: `en`, `de`, `fr`, `es` or `pt` (422
    /// `invalid_locale` otherwise). Without it, English.
    #[schema(example = "de")]
    locale: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BookingAnswer {
    meeting: MeetingView,
    /// The invitee's private manage link token (shown once).
    #[serde(skip_serializing_if = "Option::is_none")]
    manage_token: Option<String>,
}

fn limited(retry_after_secs: u64) -> ApiError {
    ApiError {
        retry_after_secs: Some(retry_after_secs as i64),
        ..ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests. Please wait a moment and try again.",
        )
    }
}

pub fn check_address(state: &AppState, address: IpAddr) -> ApiResult<()> {
    match &state.limits {
        Some(limits) => limits.check_address(address).map_err(limited),
        None => Ok(()),
    }
}

/// One invitee email may book a host only so often (guards the host's Zoom budget).
pub fn check_email(state: &AppState, host_id: &str, email: &str) -> ApiResult<()> {
    match &state.limits {
        Some(limits) => limits.check_email(host_id, email).map_err(limited),
        None => Ok(()),
    }
}

/// Books a slot: 201, 409 `slot_taken`, 422 `not_available`, 429 when rate-limited.
#[utoipa::path(post, path = "/public/{username}/{slug}/bookings", tag = "booking", params(("username" = String, Path), ("slug" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key and body answers the first answer again (kept a day); the same key with another body is 422 `idempotency_key_reused`.")),
    request_body = BookingRequest,
    responses((status = 201, body = BookingAnswer),
        (status = 409, description = "`slot_taken`, `zoom_not_connected`, or `idempotency_key_in_use`", body = crate::http::api::ErrorBody),
        (status = 422, description = "`not_available`, `answer_required`, `invalid_answer`, `idempotency_key_reused`, or a field refused", body = crate::http::api::ErrorBody),
        (status = 429, description = "rate-limited, or the host's `mail_quota` is spent", body = crate::http::api::ErrorBody)))]
async fn create_booking(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    Path((username, slug)): Path<(String, String)>,
    ApiJson(body): ApiJson<BookingRequest>,
) -> ApiResult<impl IntoResponse> {
    check_address(&state, address)?;
    let event = public_event(&state, &username, &slug).await?;
    book_on(&state, &event, body).await
}

/// Books through a personal or team page: 201 with the meeting as its invitee sees it.
async fn book_on(
    state: &AppState,
    event: &Bookable,
    body: BookingRequest,
) -> ApiResult<(StatusCode, Json<BookingAnswer>)> {
    check_email(state, event.limit_key(), &body.email)?;
    // Without one, the language the host's invitee mails start in (their profile's).
    let locale = body.locale.as_deref().map(crate::i18n::Locale::parse).transpose().map_err(BookingError::from)?;
    let locale = locale.or_else(|| event.host_locale().and_then(|l| l.parse().ok()));
    let input = BookingInput {
        start: body.start,
        name: body.name,
        email: body.email,
        timezone: body.timezone,
        notes: body.notes,
        answers: body.answers.unwrap_or_default(),
        locale,
    };
    let (row, token) = event.book(state, input).await?;
    let meeting = MeetingView::load(&state.db, &row).await?.for_invitee();
    Ok((StatusCode::CREATED, Json(BookingAnswer { meeting, manage_token: Some(token) })))
}

async fn managed(state: &AppState, token: &str) -> ApiResult<crate::store::meetings::MeetingRow> {
    booking::by_manage_token(&state.db, token).await?.ok_or_else(ApiError::not_found)
}

/// The booking as its invitee sees it (never a start link).
#[utoipa::path(get, path = "/bookings/{manage_token}", tag = "booking", params(("manage_token" = String, Path)),
    responses((status = 200, body = BookingAnswer), (status = 404)))]
async fn get_booking(State(state): State<AppState>, Path(token): Path<String>) -> ApiResult<Json<BookingAnswer>> {
    let row = managed(&state, &token).await?;
    Ok(Json(BookingAnswer { meeting: MeetingView::load(&state.db, &row).await?.for_invitee(), manage_token: None }))
}

#[derive(Deserialize, ToSchema)]
pub struct RescheduleRequest {
    start: String,
}

/// Moves the booking (same Zoom meeting and join link).
#[utoipa::path(post, path = "/bookings/{manage_token}/reschedule", tag = "booking", params(("manage_token" = String, Path)),
    request_body = RescheduleRequest,
    responses((status = 200, body = BookingAnswer), (status = 409), (status = 422), (status = 429)))]
async fn reschedule_booking(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    Path(token): Path<String>,
    ApiJson(body): ApiJson<RescheduleRequest>,
) -> ApiResult<Json<BookingAnswer>> {
    check_address(&state, address)?;
    let row = managed(&state, &token).await?;
    let row = booking::reschedule_by_invitee(&state, &row, &body.start).await?;
    Ok(Json(BookingAnswer { meeting: MeetingView::load(&state.db, &row).await?.for_invitee(), manage_token: None }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct CancelRequest {
    reason: Option<String>,
}

/// Cancels the booking; its Zoom meeting is deleted.
#[utoipa::path(post, path = "/bookings/{manage_token}/cancel", tag = "booking", params(("manage_token" = String, Path)),
    request_body = CancelRequest, responses((status = 200, body = BookingAnswer), (status = 404), (status = 429)))]
async fn cancel_booking(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<BookingAnswer>> {
    check_address(&state, address)?;
    let row = managed(&state, &token).await?;
    // The body is optional: an empty one cancels without a reason.
    let request: CancelRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CancelRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", "The request body is not valid JSON.")
        })?
    };
    let reason = request.reason;
    let row = booking::cancel(&state, &row, reason.as_deref(), booking::By::Invitee).await?;
    Ok(Json(BookingAnswer { meeting: MeetingView::load(&state.db, &row).await?.for_invitee(), manage_token: None }))
}

/// Free slot starts of a team event type: any offered member free (round robin), or all
/// (collective).
#[utoipa::path(get, path = "/public/team/{team_slug}/{slug}/slots", tag = "booking",
    params(("team_slug" = String, Path), ("slug" = String, Path), SlotsQuery),
    responses((status = 200, body = SlotsAnswer), (status = 404), (status = 422, body = crate::http::api::ErrorBody)))]
async fn team_slots(
    State(state): State<AppState>,
    Path((team_slug, slug)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<SlotsQuery>,
) -> ApiResult<Json<SlotsAnswer>> {
    let event = team_event(&state, &team_slug, &slug).await?;
    slots_of(&state, &event, query).await
}

/// Books a team slot: round robin assigns one member, collective books them all.
#[utoipa::path(post, path = "/public/team/{team_slug}/{slug}/bookings", tag = "booking",
    params(("team_slug" = String, Path), ("slug" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "As for personal bookings.")),
    request_body = BookingRequest,
    responses((status = 201, body = BookingAnswer),
        (status = 409, description = "`slot_taken`, `zoom_not_connected`, or `idempotency_key_in_use`", body = crate::http::api::ErrorBody),
        (status = 422, description = "`not_available`, `answer_required`, `invalid_answer`, `idempotency_key_reused`, or a field refused", body = crate::http::api::ErrorBody),
        (status = 429, description = "rate-limited", body = crate::http::api::ErrorBody),
        (status = 503, description = "`calendar_unavailable`", body = crate::http::api::ErrorBody)))]
async fn create_team_booking(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    Path((team_slug, slug)): Path<(String, String)>,
    ApiJson(body): ApiJson<BookingRequest>,
) -> ApiResult<impl IntoResponse> {
    check_address(&state, address)?;
    let event = team_event(&state, &team_slug, &slug).await?;
    book_on(&state, &event, body).await
}
