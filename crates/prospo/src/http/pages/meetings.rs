//! Meetings: upcoming and past, details with the live Zoom meeting, Start, reschedule, cancel,
//! Retry, and New meeting. Every change goes through the same functions as the JSON API.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::view::{Badge, FieldError, error_for, local_input_value, local_to_rfc3339, time_zones, zoom_badge};
use super::{Flash, Frame, PageError, PageResult, flash};
use crate::domain::lifecycle::ZoomStatus;
use crate::domain::teams::{Role, Scheduling};
use crate::http::AppState;
use crate::http::pages::PageUser;
use crate::integrations::zoom::recordings::Recordings;
use crate::integrations::zoom::sync::{DAILY_WRITE_CAP, DAILY_WRITE_WARNING, utc_day};
use crate::scheduling::booking::{self, BookingError, DirectMeetingInput};
use crate::scheduling::event_types::{AutoRecording, Location};
use crate::scheduling::meetings::{self, LiveZoomError, MeetingView, ZoomLive};
use crate::scheduling::team_booking::{self, ReassignError};
use crate::store::accounts::UserRow;
use crate::store::meetings::{MeetingList, MeetingRow};
use crate::timefmt::{human_ms, human_range_ms};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list_page).post(create))
        .route("/meetings/new", get(new_page))
        .route("/meetings/{id}", get(details_page))
        .route("/meetings/{id}/start", post(start))
        .route("/meetings/{id}/reschedule", post(reschedule))
        .route("/meetings/{id}/cancel", post(cancel))
        .route("/meetings/{id}/retry", post(retry))
        .route("/meetings/{id}/reassign", post(reassign))
}

use super::host_zone;

/// A meeting as the list and the details page show it.
struct MeetingItem {
    id: String,
    when: String,
    topic: String,
    /// "Name <email>, …".
    invitees: String,
    location: String,
    badge: Option<Badge>,
    join_url: Option<String>,
    /// The host can fetch a start link now.
    can_start: bool,
    /// A failed or held Zoom create or change can be retried now.
    can_retry: bool,
    cancelled: bool,
    /// Over: nothing to start, move or cancel any more.
    ended: bool,
    /// Cancelled, Ended, In progress or Scheduled.
    status: &'static str,
    /// The day it starts on, in the host's zone (the list groups by it).
    day: String,
}

impl MeetingItem {
    fn of(view: &MeetingView, row: &MeetingRow, zone: &str, now_ms: i64) -> MeetingItem {
        let zoom = view.zoom.as_ref();
        let ended = row.end_at <= now_ms;
        let scheduled = row.is_scheduled();
        let live = scheduled && !ended;
        let status = match () {
            _ if !scheduled => "Cancelled",
            _ if ended => "Ended",
            _ if row.start_at <= now_ms => "In progress",
            _ => "Scheduled",
        };
        let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let day = jiff::Timestamp::from_millisecond(row.start_at)
            .map(|t| t.to_zoned(tz).strftime("%A %-d %B %Y").to_string())
            .unwrap_or_default();
        MeetingItem {
            id: view.id.clone(),
            when: human_range_ms(row.start_at, row.end_at, Some(zone)),
            topic: view.topic.clone(),
            invitees: view.invitees.iter().map(|i| i.display()).collect::<Vec<_>>().join(", "),
            location: Location::parse(&view.location).map(Location::label).unwrap_or("Other").to_owned(),
            badge: zoom_badge(view),
            join_url: zoom.and_then(|z| z.join_url.clone()).filter(|_| live),
            can_start: live && zoom.is_some_and(|z| z.status == ZoomStatus::Created),
            can_retry: live
                && zoom.is_some_and(|z| z.status == ZoomStatus::Failed || z.held_until.is_some() || z.error.is_some()),
            cancelled: !scheduled,
            ended,
            status,
            day,
        }
    }
}

/// The meetings of one day, as the list shows them.
struct DayGroup {
    day: String,
    items: Vec<MeetingItem>,
}

fn by_day(items: Vec<MeetingItem>) -> Vec<DayGroup> {
    let mut groups: Vec<DayGroup> = Vec::new();
    for item in items {
        match groups.last_mut() {
            Some(group) if group.day == item.day => group.items.push(item),
            _ => groups.push(DayGroup { day: item.day.clone(), items: vec![item] }),
        }
    }
    groups
}

/// Which tab of the meetings page is shown: `upcoming`, `past` or `cancelled`.
struct ListTab(&'static str);

impl ListTab {
    fn of(list: MeetingList) -> ListTab {
        ListTab(match list {
            MeetingList::Upcoming => "upcoming",
            MeetingList::Past => "past",
            MeetingList::Cancelled => "cancelled",
        })
    }

    fn is(&self, tab: &str) -> bool {
        self.0 == tab
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    when: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "meetings.html")]
struct ListPage {
    frame: Frame,
    list: ListTab,
    groups: Vec<DayGroup>,
    zoom_connected: bool,
    zone: String,
    /// Zoom meeting creates and updates used today (UTC) on the host's Zoom user.
    zoom_writes_today: i64,
    near_daily_cap: bool,
    daily_cap: i64,
}

async fn list_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let list = match query.when.as_deref() {
        Some("past") => MeetingList::Past,
        Some("cancelled") => MeetingList::Cancelled,
        _ => MeetingList::Upcoming,
    };
    let zone = host_zone(&state, &user).await?;
    let listed = MeetingView::list(&state.db, &user.id, list, state.now_ms()).await?;
    let now = state.now_ms();
    let groups = by_day(listed.iter().map(|(row, view)| MeetingItem::of(view, row, &zone, now)).collect());
    let connection = state.db.zoom_connection_of(&user.id).await?;
    // Near Zoom's daily cap the host is warned before creates and updates start to wait.
    let zoom_writes_today = match &connection {
        Some(c) => state.db.zoom_writes_used(&c.zoom_user_id, &utc_day(state.now_ms())).await?,
        None => 0,
    };
    let frame = Frame::for_user("Meetings", "meetings", &user, flash);
    let page = ListPage {
        frame,
        list: ListTab::of(list),
        groups,
        zoom_connected: connection.is_some(),
        zone,
        zoom_writes_today,
        near_daily_cap: zoom_writes_today >= DAILY_WRITE_WARNING,
        daily_cap: DAILY_WRITE_CAP,
    };
    Ok((jar, page).into_response())
}

/// New meeting, as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewMeetingForm {
    topic: String,
    /// `datetime-local`, read in `timezone`.
    start: String,
    timezone: String,
    duration_minutes: String,
    /// Emails, separated by commas, spaces or lines.
    invitees: String,
    zoom_waiting_room: Option<String>,
    zoom_join_before_host: Option<String>,
    zoom_mute_upon_entry: Option<String>,
    zoom_auto_recording: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "meeting_new.html")]
struct NewPage {
    frame: Frame,
    form: NewMeetingForm,
    error: Option<FieldError>,
    zoom_connected: bool,
    zones: &'static [String],
}

impl NewPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.error, field)
    }

    fn focus_field(&self) -> &'static str {
        self.error.as_ref().map(|e| e.field).unwrap_or("")
    }
}

async fn new_page(State(state): State<AppState>, PageUser(user): PageUser) -> PageResult<NewPage> {
    let form = NewMeetingForm {
        timezone: host_zone(&state, &user).await?,
        duration_minutes: "30".into(),
        zoom_auto_recording: AutoRecording::None.as_str().into(),
        ..NewMeetingForm::default()
    };
    new_meeting_page(&state, &user, form, None).await
}

async fn new_meeting_page(
    state: &AppState,
    user: &UserRow,
    form: NewMeetingForm,
    error: Option<FieldError>,
) -> PageResult<NewPage> {
    Ok(NewPage {
        frame: Frame::for_user("New meeting", "meetings", user, None),
        form,
        error,
        zoom_connected: state.db.zoom_connection_of(&user.id).await?.is_some(),
        zones: time_zones(),
    })
}

/// A booking error as a page shows it: under its field, or above the form.
fn field_error(e: BookingError) -> Result<FieldError, PageError> {
    Ok(match e {
        BookingError::Invalid(invalid) => invalid.into(),
        BookingError::Store(e) => return Err(e.into()),
        BookingError::Internal(e) => return Err(e.into()),
        BookingError::ZoomNotConnected => FieldError::new("form", booking::HOST_NEEDS_ZOOM),
        e => FieldError::new("form", e.to_string()),
    })
}

fn status_of(e: &BookingError) -> StatusCode {
    match e {
        BookingError::SlotTaken | BookingError::ZoomNotConnected | BookingError::Cancelled => StatusCode::CONFLICT,
        BookingError::TooManyChanges | BookingError::MailQuota => StatusCode::TOO_MANY_REQUESTS,
        BookingError::CalendarUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

async fn create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<NewMeetingForm>,
) -> PageResult<Response> {
    let result = async {
        let start = local_to_rfc3339(&form.start, &form.timezone)?;
        let duration_minutes = form.duration_minutes.trim().parse().map_err(|_| {
            BookingError::Invalid(crate::domain::accounts::Invalid {
                field: "duration_minutes",
                code: "invalid_duration",
                message: "The duration must be 5 to 720 minutes.".into(),
            })
        })?;
        let input = DirectMeetingInput {
            topic: form.topic.clone(),
            start,
            duration_minutes,
            timezone: form.timezone.clone(),
            invitees: form
                .invitees
                .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(|email| (None, email.to_owned()))
                .collect(),
            waiting_room: form.zoom_waiting_room.is_some(),
            join_before_host: form.zoom_join_before_host.is_some(),
            mute_upon_entry: form.zoom_mute_upon_entry.is_some(),
            auto_recording: AutoRecording::parse(&form.zoom_auto_recording).as_str().to_owned(),
        };
        booking::create_direct(&state, &user, input).await
    }
    .await;
    match result {
        Ok(row) => {
            let mut message = if row.invitations_held {
                "The meeting is scheduled. Its invitations go out once you confirm your email address.".to_owned()
            } else {
                "The meeting is scheduled. Its Zoom meeting is being created.".to_owned()
            };
            let span = (row.start_at, row.end_at);
            let overlaps = crate::scheduling::busy_day::overlaps(&state, &user.id, span, &row.id).await?;
            if !overlaps.is_empty() {
                message.push_str(&format!(" Note: it overlaps {}.", overlaps.join(", ")));
            }
            let jar = flash::set(jar, "success", &message);
            Ok((jar, Redirect::to(&format!("/meetings/{}", row.id))).into_response())
        }
        Err(e) => {
            let status = status_of(&e);
            let mut error = field_error(e)?;
            // Email problems are about the invitees field on this form.
            if error.field == "email" {
                error.field = "invitees";
            }
            Ok((status, new_meeting_page(&state, &user, form, Some(error)).await?).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "meeting_details.html")]
struct DetailsPage {
    frame: Frame,
    item: MeetingItem,
    meeting: MeetingView,
    zoom_live: Option<ZoomLive>,
    /// When Zoom has the meeting starting, in the host's zone.
    zoom_live_start: Option<String>,
    zoom_live_error: Option<String>,
    /// The reschedule form, as typed or prefilled.
    reschedule_start: String,
    reschedule_duration: String,
    zone: String,
    error: Option<FieldError>,
    zones: &'static [String],
    /// This meeting's recording files, read from Zoom now; `None` before the meeting started.
    files: Option<Vec<super::recordings::FileRow>>,
    recordings_error: Option<String>,
    /// Where a delete returns to: this page.
    back: String,
    /// For a round robin team booking: the members it can go to instead.
    reassign_to: Vec<ReassignChoice>,
}

/// A member a round robin booking can be given to.
struct ReassignChoice {
    user_id: String,
    name: String,
    /// Why not, when they cannot be offered.
    unavailable: Option<&'static str>,
}

/// The other members of a round robin booking's event type, when `user` may reassign it.
async fn reassign_choices(state: &AppState, user: &UserRow, row: &MeetingRow) -> PageResult<Vec<ReassignChoice>> {
    if !row.is_scheduled() || row.end_at <= state.now_ms() {
        return Ok(Vec::new());
    }
    let Some(team_event) = team_booking::event_of_meeting(&state.db, row).await? else { return Ok(Vec::new()) };
    let admin = state.db.team_role(&team_event.team.id, &user.id).await?.is_some_and(Role::manages);
    if team_event.event.scheduling != Scheduling::RoundRobin || !(admin || row.host_id == user.id) {
        return Ok(Vec::new());
    }
    Ok(team_event
        .members
        .iter()
        .filter(|m| m.user.id != row.host_id)
        .map(|m| ReassignChoice {
            user_id: m.user.id.clone(),
            name: m.user.name.clone(),
            unavailable: (!m.status.is_bookable()).then(|| m.status.label()),
        })
        .collect())
}

impl DetailsPage {
    /// Zoom's word for a meeting's state, as the host reads it.
    fn zoom_state(&self, status: &str) -> String {
        match status {
            "waiting" => "not started yet".to_owned(),
            "started" => "in progress".to_owned(),
            "finished" | "ended" => "ended".to_owned(),
            other => other.replace('_', " "),
        }
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.error, field)
    }
}

async fn owned(state: &AppState, user: &UserRow, id: &str) -> PageResult<MeetingRow> {
    state.db.meeting_of(&user.id, id).await?.ok_or(PageError::NotFound)
}

struct RescheduleValues {
    start: String,
    duration: String,
    zone: String,
    error: Option<FieldError>,
}

async fn details(
    state: &AppState,
    user: &UserRow,
    row: &MeetingRow,
    flash: Option<Flash>,
    typed: Option<RescheduleValues>,
) -> PageResult<DetailsPage> {
    let zone = host_zone(state, user).await?;
    let meeting = MeetingView::load(&state.db, row).await?;
    let (zoom_live, zoom_live_error) = match meetings::live_zoom_meeting(state, row).await {
        Ok(live) => (live, None),
        Err(LiveZoomError::Store(e)) => return Err(e.into()),
        Err(e) => (None, Some(e.to_string())),
    };
    let typed = typed.unwrap_or_else(|| RescheduleValues {
        start: local_input_value(row.start_at, &zone),
        duration: ((row.end_at - row.start_at) / 60_000).to_string(),
        zone: zone.clone(),
        error: None,
    });
    let (files, recordings_error) = match row.zoom_meeting_id.filter(|_| row.start_at <= state.now_ms()) {
        Some(zoom_id) => match Recordings(state).meeting_recordings(&user.id, zoom_id).await {
            Ok(found) => (Some(found.into_iter().map(|f| super::recordings::file_row(f, Some(&zone))).collect()), None),
            Err(crate::integrations::zoom::recordings::RecordingError::Internal(e)) => return Err(e.into()),
            Err(e) => (Some(Vec::new()), Some(e.to_string())),
        },
        None => (None, None),
    };
    let zoom_live_start = zoom_live
        .as_ref()
        .and_then(|live| live.start_time.as_deref())
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| human_ms(t.as_millisecond(), Some(&zone)));
    Ok(DetailsPage {
        frame: Frame::for_user(meeting.topic.clone(), "meetings", user, flash),
        zoom_live_start,
        item: MeetingItem::of(&meeting, row, &zone, state.now_ms()),
        meeting,
        zoom_live,
        zoom_live_error,
        reschedule_start: typed.start,
        reschedule_duration: typed.duration,
        zone: typed.zone,
        error: typed.error,
        zones: time_zones(),
        files,
        recordings_error,
        back: format!("/meetings/{}", row.id),
        reassign_to: reassign_choices(state, user, row).await?,
    })
}

async fn details_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let row = owned(&state, &user, &id).await?;
    Ok((jar, details(&state, &user, &row, flash, None).await?).into_response())
}

/// Fetches a fresh start link and sends the host there (303); it is never stored or shown.
async fn start(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let row = owned(&state, &user, &id).await?;
    match meetings::start_link(&state, &row).await {
        Ok(start_url) => Ok(Redirect::to(&start_url).into_response()),
        Err(LiveZoomError::Store(e)) => Err(e.into()),
        Err(e) => {
            let jar = flash::set(jar, "error", &e.to_string());
            Ok((jar, Redirect::to(&format!("/meetings/{id}"))).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct RescheduleForm {
    #[serde(default)]
    start: String,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    timezone: String,
}

async fn reschedule(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<RescheduleForm>,
) -> PageResult<Response> {
    let row = owned(&state, &user, &id).await?;
    let result = async {
        let start = local_to_rfc3339(&form.start, &form.timezone)?;
        let duration = form.duration_minutes.trim().parse::<i64>().ok();
        booking::change_by_host(&state, &row, Some(&start), duration.or(Some(0)), None).await
    }
    .await;
    match result {
        Ok(changed) => {
            let when = human_range_ms(changed.start_at, changed.end_at, Some(&form.timezone));
            let jar =
                flash::set(jar, "success", &format!("Moved to {when}. The Zoom meeting follows; its join link stays."));
            Ok((jar, Redirect::to(&format!("/meetings/{id}"))).into_response())
        }
        Err(e) => {
            let status = status_of(&e);
            let error = field_error(e)?;
            let typed = RescheduleValues {
                start: form.start,
                duration: form.duration_minutes,
                zone: form.timezone,
                error: Some(error),
            };
            Ok((status, details(&state, &user, &row, None, Some(typed)).await?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct CancelForm {
    reason: Option<String>,
}

async fn cancel(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> PageResult<Response> {
    let row = owned(&state, &user, &id).await?;
    booking::cancel(&state, &row, form.reason.as_deref(), booking::By::Host).await.map_err(PageError::internal)?;
    let jar = flash::set(jar, "success", "The meeting is cancelled. Its Zoom meeting is being deleted.");
    Ok((jar, Redirect::to(&format!("/meetings/{id}"))).into_response())
}

async fn retry(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let row = owned(&state, &user, &id).await?;
    meetings::retry_zoom(&state, &row).await?;
    let jar = flash::set(jar, "success", "Retrying with Zoom now.");
    Ok((jar, Redirect::to(&format!("/meetings/{id}"))).into_response())
}

#[derive(Deserialize)]
pub struct ReassignForm {
    #[serde(default)]
    user_id: String,
}

async fn reassign(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<ReassignForm>,
) -> PageResult<Response> {
    let row = owned(&state, &user, &id).await?;
    let jar = match team_booking::reassign(&state, &row, &form.user_id, &user.id).await {
        Ok(moved) => {
            let name = state.db.user_by_id(&moved.host_id).await?.map(|u| u.name).unwrap_or_default();
            let message = format!(
                "{name} hosts this booking now. A Zoom meeting is made on their account and the invitee gets its link."
            );
            flash::set(jar, "success", &message)
        }
        Err(ReassignError::Booking(BookingError::Store(e))) => return Err(e.into()),
        Err(ReassignError::Booking(BookingError::Internal(e))) => return Err(e.into()),
        Err(e) => flash::set(jar, "error", &e.to_string()),
    };
    // The first host no longer sees the booking; the page of the list does.
    let back = if state.db.meeting_of(&user.id, &id).await?.is_some() {
        format!("/meetings/{id}")
    } else {
        "/meetings".to_owned()
    };
    Ok((jar, Redirect::to(&back)).into_response())
}
