//! `/api/v1/calendars…` and `/api/v1/availability/busy`: connected calendars (product.md §7).
//! Never returns a password or a feed URL.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::App;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery, ApiUser};
use crate::integrations::calendars::{CalendarError, connect, sync};
use crate::scheduling::busy_day::{BusySource, busy_day};
use crate::store::calendars::{CalendarRow, ConnectionRow, Provider};
use crate::timefmt::rfc3339_ms;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_connections))
        .routes(routes!(add_caldav))
        .routes(routes!(add_ics))
        .routes(routes!(get_connection, delete_connection))
        .routes(routes!(patch_calendar))
        .routes(routes!(sync_connection))
        .routes(routes!(busy))
        .routes(routes!(connect_provider))
}

/// Starts a one-click connection (product.md §9): 302 to the provider's consent page. Session
/// only: the `state` it sends is bound to this browser's session and to the provider, and the
/// provider comes back to `/oauth/{provider}/callback`.
#[utoipa::path(get, path = "/calendars/connect/{provider}", tag = "calendars",
    params(("provider" = String, Path, description = "`google`, `microsoft` or `zoom`", pattern = "^(google|microsoft|zoom)$")),
    security(("session" = [])),
    responses((status = 302, description = "to the provider's consent page"),
        (status = 401, description = "not signed in", body = crate::http::api::ErrorBody),
        (status = 403, description = "session_required: an API token cannot start a browser sign-in", body = crate::http::api::ErrorBody),
        (status = 404, description = "not_found: no such provider, or the operator has not set it up", body = crate::http::api::ErrorBody)))]
async fn connect_provider(
    State(state): State<AppState>,
    user: ApiUser,
    Path(provider): Path<String>,
) -> ApiResult<axum::response::Response> {
    use crate::integrations::oauth::{OAuthProvider, flow};
    use axum::response::IntoResponse;
    let crate::http::extract::Credential::Session(session) = &user.credential else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "session_required",
            "Connect from the settings page in a browser: the provider's consent page needs your session.",
        ));
    };
    let provider: OAuthProvider = provider.parse().map_err(|_| ApiError::not_found())?;
    if !state.oauth.offers(provider) {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", "This provider is not set up on this Prospo."));
    }
    let url = flow::begin(&state, provider, &user.user.id, session, &user.user.email)
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    Ok((
        StatusCode::FOUND,
        [(axum::http::header::LOCATION, url.to_string()), (axum::http::header::CACHE_CONTROL, "no-store".to_owned())],
    )
        .into_response())
}

/// CONNECTION: a CalDAV account, an ICS feed, or a Google or Microsoft account, with its calendars.
#[derive(Serialize, ToSchema)]
pub struct ConnectionView {
    id: String,
    /// `caldav`, `ics`, `google` or `microsoft`.
    #[schema(value_type = String, pattern = "^(caldav|ics|google|microsoft)$")]
    provider: &'static str,
    /// `connected` or `needs_attention`.
    status: &'static str,
    /// The CalDAV username, the feed's host, or the Google or Microsoft account's email.
    account: String,
    /// The CalDAV address given; for a feed, its host and the last four characters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_synced_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ConnectionError>,
    calendars: Vec<CalendarView>,
}

#[derive(Serialize, ToSchema)]
pub struct ConnectionError {
    code: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarView {
    id: String,
    name: String,
    check_conflicts: bool,
    write_bookings: bool,
    writable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConnectionList {
    connections: Vec<ConnectionView>,
}

pub fn connection_view(app: &App, connection: &ConnectionRow, calendars: &[CalendarRow]) -> ConnectionView {
    let url = match connection.provider {
        Provider::CalDav => connection.url.clone(),
        Provider::Ics => Some(masked_feed(app, connection)),
        Provider::Google | Provider::Microsoft => None,
    };
    ConnectionView {
        id: connection.id.clone(),
        provider: connection.provider.as_str(),
        status: connection.status.as_str(),
        account: connection.account.clone(),
        url,
        last_synced_at: connection.last_synced_at.map(rfc3339_ms),
        error: connection.error_code.as_ref().map(|code| ConnectionError {
            code: code.clone(),
            message: connection.error_message.clone().unwrap_or_default(),
        }),
        calendars: calendars
            .iter()
            .filter(|c| c.connection_id == connection.id)
            .map(|c| CalendarView {
                id: c.id.clone(),
                name: c.name.clone(),
                check_conflicts: c.check_conflicts,
                write_bookings: c.write_bookings,
                writable: c.writable,
                color: c.color.clone(),
            })
            .collect(),
    }
}

/// `https://calendar.example.com/…abcd`: enough to recognise a feed, never enough to read it.
pub fn masked_feed(app: &App, connection: &ConnectionRow) -> String {
    use secrecy::ExposeSecret;
    let Ok(secret) = crate::integrations::calendars::open_secret(&app.secrets, connection) else {
        return format!("https://{}/…", connection.account);
    };
    let feed = secret.expose_secret();
    let scheme = if feed.starts_with("http://") { "http" } else { "https" };
    let chars: Vec<char> = feed.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("{scheme}://{}/…{tail}", connection.account)
}

pub fn calendar_error(e: CalendarError) -> ApiError {
    let code = e.code();
    match e {
        CalendarError::Unavailable(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, e.to_string()),
        CalendarError::Store(e) => ApiError::internal(e),
        CalendarError::Internal(e) => ApiError::internal(e),
        e => ApiError::unprocessable(code, e.to_string()),
    }
}

async fn view_of(state: &AppState, user_id: &str, id: &str) -> ApiResult<Json<ConnectionView>> {
    let connection = owned(state, user_id, id).await?;
    let calendars = state.db.calendars_of_connection(&connection.id).await?;
    Ok(Json(connection_view(state, &connection, &calendars)))
}

async fn owned(state: &AppState, user_id: &str, id: &str) -> ApiResult<ConnectionRow> {
    match state.db.calendar_connection(id).await? {
        Some(connection) if connection.user_id == user_id => Ok(connection),
        _ => Err(ApiError::not_found()),
    }
}

/// The user's calendar connections.
#[utoipa::path(get, path = "/calendars", tag = "calendars", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ConnectionList)))]
async fn list_connections(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<ConnectionList>> {
    let connections = state.db.calendar_connections_of(&user.user.id).await?;
    let calendars = state.db.calendars_of_user(&user.user.id).await?;
    Ok(Json(ConnectionList {
        connections: connections.iter().map(|c| connection_view(&state, c, &calendars)).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CalDavRequest {
    /// The server root, a principal or one calendar (`webcal://` is read as `https://`).
    #[schema(max_length = 2000)]
    url: String,
    #[schema(max_length = 200)]
    username: String,
    /// An app password where the provider has them (iCloud, Fastmail). Stored encrypted.
    #[schema(value_type = String)]
    password: SecretString,
}

/// Connects a CalDAV account after discovering its calendars; nothing is stored when that fails.
#[utoipa::path(post, path = "/calendars/caldav", tag = "calendars", request_body = CalDavRequest,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ConnectionView),
        (status = 422, description = "caldav_auth_failed, caldav_not_found, invalid_url, url_not_allowed", body = crate::http::api::ErrorBody),
        (status = 503, description = "calendar_unavailable: the server did not answer", body = crate::http::api::ErrorBody)))]
async fn add_caldav(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<CalDavRequest>,
) -> ApiResult<(StatusCode, Json<ConnectionView>)> {
    if body.url.len() > 2000 {
        return Err(ApiError::unprocessable("invalid_url", "The address is too long."));
    }
    let id = connect::connect_caldav(&state, &user.user.id, &body.url, &body.username, body.password)
        .await
        .map_err(calendar_error)?;
    Ok((StatusCode::CREATED, view_of(&state, &user.user.id, &id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct IcsRequest {
    /// The secret iCal address (`webcal://` is read as `https://`). Stored encrypted.
    #[schema(max_length = 2000)]
    url: String,
    #[schema(max_length = 100)]
    name: Option<String>,
}

/// Connects a read-only ICS feed once it was read; nothing is stored when that fails.
#[utoipa::path(post, path = "/calendars/ics", tag = "calendars", request_body = IcsRequest,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ConnectionView),
        (status = 422, description = "invalid_url, ics_invalid, ics_too_large, url_not_allowed", body = crate::http::api::ErrorBody),
        (status = 503, description = "calendar_unavailable", body = crate::http::api::ErrorBody)))]
async fn add_ics(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<IcsRequest>,
) -> ApiResult<(StatusCode, Json<ConnectionView>)> {
    if body.url.len() > 2000 {
        return Err(ApiError::unprocessable("invalid_url", "The address is too long."));
    }
    let id =
        connect::connect_ics(&state, &user.user.id, &body.url, body.name.as_deref()).await.map_err(calendar_error)?;
    Ok((StatusCode::CREATED, view_of(&state, &user.user.id, &id).await?))
}

#[utoipa::path(get, path = "/calendars/{connection_id}", tag = "calendars", params(("connection_id" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ConnectionView), (status = 404, body = crate::http::api::ErrorBody)))]
async fn get_connection(
    State(state): State<AppState>,
    user: ApiUser,
    Path(connection_id): Path<String>,
) -> ApiResult<Json<ConnectionView>> {
    view_of(&state, &user.user.id, &connection_id).await
}

/// Removes the connection; events Prospo already wrote stay in the calendar.
#[utoipa::path(delete, path = "/calendars/{connection_id}", tag = "calendars", params(("connection_id" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 204), (status = 404, body = crate::http::api::ErrorBody)))]
async fn delete_connection(
    State(state): State<AppState>,
    user: ApiUser,
    Path(connection_id): Path<String>,
) -> ApiResult<StatusCode> {
    let connection = owned(&state, &user.user.id, &connection_id).await?;
    connect::disconnect(&state, &connection).await.map_err(calendar_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct CalendarChoices {
    check_conflicts: Option<bool>,
    /// `true` turns it off on every other calendar of the user.
    write_bookings: Option<bool>,
}

/// What one calendar is used for.
#[utoipa::path(patch, path = "/calendars/{connection_id}/calendars/{calendar_id}", tag = "calendars",
    params(("connection_id" = String, Path), ("calendar_id" = String, Path)), request_body = CalendarChoices,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ConnectionView), (status = 404, body = crate::http::api::ErrorBody),
        (status = 422, description = "not_writable", body = crate::http::api::ErrorBody)))]
async fn patch_calendar(
    State(state): State<AppState>,
    user: ApiUser,
    Path((connection_id, calendar_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<CalendarChoices>,
) -> ApiResult<Json<ConnectionView>> {
    let connection = owned(&state, &user.user.id, &connection_id).await?;
    let calendar = match state.db.calendar(&calendar_id).await? {
        Some(calendar) if calendar.connection_id == connection.id => calendar,
        _ => return Err(ApiError::not_found()),
    };
    connect::set_choices(&state, &calendar, body.check_conflicts, body.write_bookings).await.map_err(calendar_error)?;
    view_of(&state, &user.user.id, &connection_id).await
}

/// Reads the connection's calendars now (a failure shows on the connection, as on the card).
#[utoipa::path(post, path = "/calendars/{connection_id}/sync", tag = "calendars", params(("connection_id" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ConnectionView), (status = 404, body = crate::http::api::ErrorBody)))]
async fn sync_connection(
    State(state): State<AppState>,
    user: ApiUser,
    Path(connection_id): Path<String>,
) -> ApiResult<Json<ConnectionView>> {
    let connection = owned(&state, &user.user.id, &connection_id).await?;
    match sync::sync_connection(&state, &connection).await {
        Ok(()) => {}
        Err(CalendarError::Store(e)) => return Err(e.into()),
        Err(CalendarError::Internal(e)) => return Err(e.into()),
        // Recorded on the connection, which the answer shows.
        Err(_) => {}
    }
    view_of(&state, &user.user.id, &connection_id).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BusyQuery {
    /// YYYY-MM-DD, a day in the host's zone.
    #[param(format = Date)]
    date: String,
}

#[derive(Serialize, ToSchema)]
pub struct BusyDayView {
    timezone: String,
    /// The day's hours, `[["HH:MM","HH:MM"]]` in `timezone`.
    hours: Vec<[String; 2]>,
    busy: Vec<BusyView>,
}

#[derive(Serialize, ToSchema)]
pub struct BusyView {
    start: String,
    end: String,
    /// `meeting` or `calendar`.
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    meeting_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connection_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    calendar_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    calendar_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
}

/// Why is this time not free? One day's hours and every busy interval with its source.
#[utoipa::path(get, path = "/availability/busy", tag = "scheduling", params(BusyQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = BusyDayView), (status = 422, description = "invalid_date", body = crate::http::api::ErrorBody)))]
async fn busy(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(query): ApiQuery<BusyQuery>,
) -> ApiResult<Json<BusyDayView>> {
    let date: jiff::civil::Date =
        query.date.trim().parse().map_err(|_| {
            ApiError::unprocessable("invalid_date", "Give the date as YYYY-MM-DD.").with("field", "date")
        })?;
    let day = busy_day(&state, &user.user.id, date).await?;
    Ok(Json(BusyDayView {
        timezone: day.timezone,
        hours: day.hours.into_iter().map(|(a, b)| [a, b]).collect(),
        busy: day
            .busy
            .into_iter()
            .map(|b| {
                let mut view = BusyView {
                    start: rfc3339_ms(b.start_ms),
                    end: rfc3339_ms(b.end_ms),
                    source: "meeting",
                    meeting_id: None,
                    connection_id: None,
                    calendar_id: None,
                    calendar_name: None,
                    title: b.title,
                };
                match b.source {
                    BusySource::Meeting { meeting_id } => view.meeting_id = Some(meeting_id),
                    BusySource::Calendar { connection_id, calendar_id, calendar_name } => {
                        view.source = "calendar";
                        view.connection_id = Some(connection_id);
                        view.calendar_id = Some(calendar_id);
                        view.calendar_name = Some(calendar_name);
                    }
                }
                view
            })
            .collect(),
    }))
}
