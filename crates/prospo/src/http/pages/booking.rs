//! The public booking page `/{username}/{slug}` and the invitee's manage page
//! `/booking/{manage_token}` (confirmation, reschedule, cancel, .ics).
//!
//! Both work without JavaScript: the next days' free times are a list of radio buttons, and forms post
//! to these routes, which call the same booking functions as the JSON API. With JavaScript, a month
//! calendar (fed by the public slots route) replaces the list, and the confirmation fills in the Zoom
//! link without a reload.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use jiff::ToSpan;
use jiff::tz::TimeZone;
use serde::Deserialize;

use super::embed::{self, Embed, EmbedQuery};
use super::view::{Badge, FieldError, error_for, time_zones, zoom_badge};
use super::{Flash, Frame, PageError, PageResult, flash};
use crate::domain::accounts::{Email, PersonName};
use crate::domain::lifecycle::ZoomStatus;
use crate::domain::questions::{
    AnswerProblem, LONG_TEXT_MAX_CHARS, QuestionKind, Questions, TEXT_MAX_CHARS, check_answers,
};
use crate::domain::slots::format_in;
use crate::http::AppState;
use crate::http::api::bookings::{check_address, check_email};
use crate::http::client::ClientIp;
use crate::http::error::ApiError;
use crate::notifications::ics::{self, IcsEvent, Method};
use crate::scheduling::bookable::Bookable;
use crate::scheduling::booking::{self, BookingError, BookingInput};
use crate::scheduling::event_types::Location;
use crate::scheduling::meetings::MeetingView;
use crate::store::meetings::MeetingRow;
use crate::timefmt::human_range_ms;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{username}/{slug}", get(booking_page).post(book))
        .route("/team/{team_slug}/{slug}", get(team_booking_page).post(team_book))
        .route("/booking/{token}", get(manage_page))
        .route("/booking/{token}/reschedule", post(reschedule))
        .route("/booking/{token}/cancel", post(cancel))
        .route("/booking/{token}/calendar.ics", get(calendar_file))
        .route("/booking/{token}/add/{calendar}", get(add_to_calendar))
}

/// How many days ahead the list for browsers without JavaScript looks.
const FALLBACK_DAYS: i32 = 14;
/// How many days with free times that list shows at most.
const FALLBACK_DAYS_SHOWN: usize = 7;

/// One day of the list for browsers without JavaScript.
struct SlotDay {
    label: String,
    times: Vec<SlotTime>,
}

struct SlotTime {
    /// RFC 3339 in the viewer's offset, as the slots route answers.
    value: String,
    label: String,
}

/// The day-and-time picker both pages share (`slot_picker.html`).
struct SlotPicker {
    /// The public slots route for this event type; the calendar asks it for one month at a time.
    slots_url: String,
    /// The id of the form the chosen start belongs to.
    form_id: &'static str,
    timezone: String,
    /// The zone was chosen (in the URL), so the browser's own zone is not applied over it.
    zone_chosen: bool,
    days: Vec<SlotDay>,
    /// A start chosen before (kept when the form comes back with an error).
    selected: String,
    zones: &'static [String],
}

impl SlotPicker {
    async fn build(
        state: &AppState,
        event: &Bookable,
        form_id: &'static str,
        zone: &ZoneChoice,
        selected: String,
    ) -> PageResult<SlotPicker> {
        let today = state.clock.now().to_zoned(zone.tz.clone()).date();
        let until = today.checked_add(FALLBACK_DAYS.days()).unwrap_or(today);
        let starts = match event.slots(state, today, until, &zone.tz, state.clock.now()).await {
            Ok(starts) => starts,
            Err(BookingError::Store(e)) => return Err(e.into()),
            Err(e) => return Err(PageError::internal(e)),
        };
        let mut days: Vec<SlotDay> = Vec::new();
        for start in starts {
            let local = start.to_zoned(zone.tz.clone());
            let label = local.strftime("%A %-d %B").to_string();
            if days.last().is_none_or(|d| d.label != label) {
                if days.len() == FALLBACK_DAYS_SHOWN {
                    break;
                }
                days.push(SlotDay { label, times: Vec::new() });
            }
            let time = SlotTime { value: format_in(start, &zone.tz), label: local.strftime("%H:%M").to_string() };
            days.last_mut().expect("pushed above").times.push(time);
        }
        Ok(SlotPicker {
            slots_url: event.slots_url(),
            form_id,
            timezone: zone.name.clone(),
            zone_chosen: zone.chosen,
            days,
            selected,
            zones: time_zones(),
        })
    }

    fn zone_listed(&self) -> bool {
        self.zones.contains(&self.timezone)
    }
}

/// The viewer's zone: from the URL (`?timezone=`), else a fallback (UTC, or the invitee's own).
struct ZoneChoice {
    name: String,
    tz: TimeZone,
    chosen: bool,
}

impl ZoneChoice {
    /// `fallback_is_choice`: the fallback is the invitee's own zone (from their booking), so the
    /// browser's zone is not applied over it.
    fn of(requested: Option<&str>, fallback: &str, fallback_is_choice: bool) -> ZoneChoice {
        if let Some(name) = requested.filter(|z| !z.trim().is_empty())
            && let Ok(tz) = booking::parse_time_zone(name)
        {
            return ZoneChoice { name: tz.iana_name().unwrap_or(name.trim()).to_owned(), tz, chosen: true };
        }
        let tz = TimeZone::get(fallback).unwrap_or(TimeZone::UTC);
        ZoneChoice { name: tz.iana_name().unwrap_or("UTC").to_owned(), tz, chosen: fallback_is_choice }
    }
}

/// What the event is, for both pages.
struct EventSummary {
    title: String,
    host_name: String,
    duration_minutes: i64,
    location: String,
    description: String,
    booking_path: String,
}

impl EventSummary {
    fn of(event: &Bookable) -> EventSummary {
        let e = event.event();
        EventSummary {
            title: e.title.clone(),
            host_name: event.host_name().to_owned(),
            duration_minutes: e.duration_minutes,
            location: Location::parse(&e.location).map(Location::label).unwrap_or("Other").to_owned(),
            description: e.description.clone(),
            booking_path: event.path(),
        }
    }
}

/// The booking form, as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BookForm {
    start: String,
    timezone: String,
    name: String,
    email: String,
    notes: String,
    /// The other fields: the answers are `answers.{QUESTION_ID}`.
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

impl BookForm {
    fn typed_answer(&self, question_id: &str) -> Option<&str> {
        self.rest.get(&format!("answers.{question_id}")).map(String::as_str)
    }

    /// The answers as the booking takes them: text as typed, a checkbox ticked or not.
    fn answers(&self, questions: &Questions) -> BTreeMap<String, serde_json::Value> {
        questions
            .0
            .iter()
            .filter_map(|q| {
                let typed = self.typed_answer(&q.id);
                let value = match q.kind {
                    QuestionKind::Checkbox => serde_json::Value::Bool(typed.is_some()),
                    _ => serde_json::Value::String(typed?.to_owned()),
                };
                Some((q.id.clone(), value))
            })
            .collect()
    }
}

/// One booking question on the page, with what was typed and its error.
struct QuestionField {
    /// `answers.{id}`, the input's name; `answer-{id}` is its element id.
    name: String,
    html_id: String,
    label: String,
    kind: QuestionKind,
    required: bool,
    options: Vec<String>,
    value: String,
    error: Option<String>,
}

impl QuestionField {
    fn list(questions: &Questions, form: &BookForm, problems: &[AnswerProblem]) -> Vec<QuestionField> {
        questions
            .0
            .iter()
            .map(|q| QuestionField {
                name: format!("answers.{}", q.id),
                html_id: format!("answer-{}", q.id),
                label: q.label.clone(),
                kind: q.kind,
                required: q.required,
                options: q.options.clone(),
                value: form.typed_answer(&q.id).unwrap_or_default().to_owned(),
                error: problems.iter().find(|p| p.question_id == q.id).map(|p| p.message.clone()),
            })
            .collect()
    }

    fn is_long(&self) -> bool {
        self.kind == QuestionKind::LongText
    }

    fn is_choice(&self) -> bool {
        self.kind == QuestionKind::Choice
    }

    fn is_checkbox(&self) -> bool {
        self.kind == QuestionKind::Checkbox
    }

    /// The longest answer the field takes.
    fn max_chars(&self) -> usize {
        if self.is_long() { LONG_TEXT_MAX_CHARS } else { TEXT_MAX_CHARS }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "booking_page.html")]
struct BookingPage {
    frame: Frame,
    event: EventSummary,
    /// `None` when the event cannot be booked (a Zoom event type whose host has no Zoom).
    picker: Option<SlotPicker>,
    form: BookForm,
    /// Every refusal at once: each field's beside it, the rest above the form.
    errors: Vec<FieldError>,
    /// The event type's questions, each with its answer as typed and its error.
    questions: Vec<QuestionField>,
    /// Fresh for every rendering: sending this form again lands on the booking it made.
    idempotency_key: String,
    idempotency_field: &'static str,
}

/// The form's own fields: their errors show beside them.
fn is_form_field(field: &str) -> bool {
    matches!(field, "name" | "email" | "notes")
}

impl BookingPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// An error about no single input (slot taken, not available, rate limited) shows above the form.
    fn form_error(&self) -> Option<&str> {
        self.errors.iter().find(|e| !is_form_field(e.field)).map(|e| e.message.as_str())
    }

    /// Where the form posts: inside another site, with the embedding options.
    fn book_action(&self) -> String {
        match &self.frame.embed {
            Some(embed) => embed.link(&self.event.booking_path),
            None => self.event.booking_path.clone(),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct PickerQuery {
    timezone: Option<String>,
}

/// `/api/…` never reaches a person's booking page: an unknown API route answers in JSON.
fn api_not_found(username: &str) -> Option<Response> {
    (username == "api").then(|| ApiError::not_found().into_response())
}

async fn public_event(state: &AppState, username: &str, slug: &str) -> PageResult<Bookable> {
    let event = booking::find_public_event(&state.db, username, slug).await?.ok_or(PageError::NotFound)?;
    Ok(Bookable::Personal(Box::new(event)))
}

async fn team_event(state: &AppState, team_slug: &str, slug: &str) -> PageResult<Bookable> {
    let event = crate::scheduling::team_booking::find_team_event(&state.db, team_slug, slug)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok(Bookable::Team(Box::new(event)))
}

async fn render_booking_page(
    state: &AppState,
    event: &Bookable,
    zone: ZoneChoice,
    form: BookForm,
    errors: Vec<FieldError>,
    answer_problems: &[AnswerProblem],
) -> PageResult<BookingPage> {
    let picker = if event.can_book() {
        // A start that was refused (taken or not available) is not offered again.
        let keep = errors.iter().all(|e| is_form_field(e.field));
        let selected = if keep { form.start.clone() } else { String::new() };
        Some(SlotPicker::build(state, event, "book-form", &zone, selected).await?)
    } else {
        None
    };
    let summary = EventSummary::of(event);
    let frame = Frame { wide: true, ..Frame::public(format!("{} with {}", summary.title, summary.host_name)) };
    let idempotency_key = uuid::Uuid::new_v4().to_string();
    let idempotency_field = crate::http::IDEMPOTENCY_FORM_FIELD;
    let questions = QuestionField::list(&event.event().questions, &form, answer_problems);
    Ok(BookingPage { frame, event: summary, picker, form, errors, questions, idempotency_key, idempotency_field })
}

async fn booking_page(
    State(state): State<AppState>,
    Path((username, slug)): Path<(String, String)>,
    Query(query): Query<PickerQuery>,
    Query(embed): Query<EmbedQuery>,
) -> PageResult<Response> {
    if let Some(response) = api_not_found(&username) {
        return Ok(response);
    }
    let event = public_event(&state, &username, &slug).await?;
    show_booking_page(&state, &event, query, embed).await
}

async fn team_booking_page(
    State(state): State<AppState>,
    Path((team_slug, slug)): Path<(String, String)>,
    Query(query): Query<PickerQuery>,
    Query(embed): Query<EmbedQuery>,
) -> PageResult<Response> {
    let event = team_event(&state, &team_slug, &slug).await?;
    show_booking_page(&state, &event, query, embed).await
}

async fn show_booking_page(
    state: &AppState,
    event: &Bookable,
    query: PickerQuery,
    embed: EmbedQuery,
) -> PageResult<Response> {
    let zone = ZoneChoice::of(query.timezone.as_deref(), "UTC", false);
    let embed = Embed::for_event(state, &embed, event).await?;
    let mut page = render_booking_page(state, event, zone, BookForm::default(), Vec::new(), &[]).await?;
    let ancestors = embed::place(&mut page.frame, embed);
    Ok(embed::framed(ancestors, page.into_response()))
}

/// How a refused booking reads on the page, and its status.
fn refusal(e: BookingError) -> PageResult<(StatusCode, FieldError)> {
    let message = e.to_string();
    Ok(match e {
        BookingError::Invalid(invalid) => (StatusCode::UNPROCESSABLE_ENTITY, invalid.into()),
        BookingError::Answers(_) => (StatusCode::UNPROCESSABLE_ENTITY, FieldError::new("form", message)),
        BookingError::SlotTaken => (StatusCode::CONFLICT, FieldError::new("start", message)),
        BookingError::NotAvailable => (StatusCode::UNPROCESSABLE_ENTITY, FieldError::new("start", message)),
        BookingError::ZoomNotConnected | BookingError::Cancelled => {
            (StatusCode::CONFLICT, FieldError::new("form", message))
        }
        BookingError::TooManyChanges | BookingError::MailQuota => {
            (StatusCode::TOO_MANY_REQUESTS, FieldError::new("form", message))
        }
        BookingError::CalendarUnavailable => (StatusCode::SERVICE_UNAVAILABLE, FieldError::new("form", message)),
        BookingError::Store(e) => return Err(e.into()),
        BookingError::Internal(e) => return Err(e.into()),
    })
}

fn limited(e: ApiError) -> (StatusCode, FieldError) {
    (e.status, FieldError::new("form", e.message))
}

async fn book(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    Path((username, slug)): Path<(String, String)>,
    Query(embed): Query<EmbedQuery>,
    Form(form): Form<BookForm>,
) -> PageResult<Response> {
    if let Some(response) = api_not_found(&username) {
        return Ok(response);
    }
    let event = public_event(&state, &username, &slug).await?;
    submit_booking(&state, address, &event, form, embed).await
}

async fn team_book(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    Path((team_slug, slug)): Path<(String, String)>,
    Query(embed): Query<EmbedQuery>,
    Form(form): Form<BookForm>,
) -> PageResult<Response> {
    let event = team_event(&state, &team_slug, &slug).await?;
    submit_booking(&state, address, &event, form, embed).await
}

async fn submit_booking(
    state: &AppState,
    address: std::net::IpAddr,
    event: &Bookable,
    form: BookForm,
    embed: EmbedQuery,
) -> PageResult<Response> {
    let embed = Embed::for_event(state, &embed, event).await?;
    // What the form alone shows to be missing is said all at once (the booking re-checks it).
    let mut missing: Vec<FieldError> = Vec::new();
    if form.start.trim().is_empty() {
        missing.push(FieldError::new("start", "Pick a day and a time first."));
    }
    if let Err(invalid) = PersonName::parse(&form.name) {
        missing.push(invalid.into());
    }
    if let Err(invalid) = Email::parse(&form.email) {
        missing.push(invalid.into());
    }
    let questions = &event.event().questions;
    let answers = form.answers(questions);
    let mut answer_problems = check_answers(questions, &answers).err().unwrap_or_default();
    let (status, errors) = if !missing.is_empty() || !answer_problems.is_empty() {
        (StatusCode::UNPROCESSABLE_ENTITY, missing)
    } else if let Err(e) =
        check_address(state, address).and_then(|()| check_email(state, event.limit_key(), &form.email))
    {
        let (status, error) = limited(e);
        (status, vec![error])
    } else {
        let input = BookingInput {
            start: form.start.clone(),
            name: form.name.clone(),
            email: form.email.clone(),
            timezone: form.timezone.clone(),
            notes: Some(form.notes.clone()),
            answers,
        };
        match event.book(state, input).await {
            Ok((_, token)) => {
                // Inside another site the confirmation stays embedded: no cookie carries that.
                let target = format!("/booking/{token}?booked=1");
                let target = embed.as_ref().map_or_else(|| target.clone(), |e| e.link(&target));
                return Ok(Redirect::to(&target).into_response());
            }
            Err(BookingError::Answers(problems)) => {
                answer_problems = problems;
                (StatusCode::UNPROCESSABLE_ENTITY, Vec::new())
            }
            Err(e) => {
                let (status, error) = refusal(e)?;
                (status, vec![error])
            }
        }
    };
    let zone = ZoneChoice::of(Some(&form.timezone), "UTC", false);
    let mut page = render_booking_page(state, event, zone, form, errors, &answer_problems).await?;
    let ancestors = embed::place(&mut page.frame, embed);
    Ok(embed::framed(ancestors, (status, page).into_response()))
}

/// The Zoom side of a booking as its invitee sees it (never a start link).
struct InviteeZoom {
    badge: Option<Badge>,
    join_url: Option<String>,
    passcode: Option<String>,
    /// Still being created: the page polls until the link is there.
    pending: bool,
    failed: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "booking_manage.html")]
struct ManagePage {
    frame: Frame,
    token: String,
    just_booked: bool,
    cancelled: bool,
    /// Start and end in the invitee's zone.
    when: String,
    event: Option<EventSummary>,
    topic: String,
    zoom: Option<InviteeZoom>,
    location_detail: Option<String>,
    manage_url: String,
    picker: Option<SlotPicker>,
    error: Option<FieldError>,
    /// Where the invitation went (the confirmation says so).
    invitee_email: Option<String>,
}

/// Which calendar's "new event" form `/booking/{token}/add/{calendar}` opens.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum WebCalendar {
    Google,
    Outlook,
}

/// Opens Google Calendar's or Outlook's new-event form filled in with the booking as it is now
/// (the Zoom link may have come after the confirmation page loaded).
async fn add_to_calendar(
    State(state): State<AppState>,
    Path((token, calendar)): Path<(String, WebCalendar)>,
) -> PageResult<Response> {
    let row = managed(&state, &token).await?;
    // The invitee reads the host's name, as in their mail.
    let host = state.db.user_by_id(&row.host_id).await?;
    let summary = match (&row.booked_title, &host) {
        (Some(booked), Some(host)) => format!("{booked} with {}", host.name),
        _ => row.topic.clone(),
    };
    let manage_url = state.manage_url(&token);
    let place = row.zoom_join_url.clone().or_else(|| row.location_detail.clone());
    let details = match &place {
        Some(place) => format!("Join: {place}\nReschedule or cancel: {manage_url}"),
        None => format!("Reschedule or cancel: {manage_url}"),
    };
    let (google, outlook) =
        calendar_links(&summary, row.start_at, row.end_at, &details, place.as_deref().unwrap_or_default());
    Ok(Redirect::to(match calendar {
        WebCalendar::Google => &google,
        WebCalendar::Outlook => &outlook,
    })
    .into_response())
}

/// Links that open a calendar's "new event" form filled in with the booking.
fn calendar_links(title: &str, start_ms: i64, end_ms: i64, details: &str, location: &str) -> (String, String) {
    let stamp = |ms: i64, format: &str| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_zoned(TimeZone::UTC).strftime(format).to_string())
            .unwrap_or_default()
    };
    let google = url::Url::parse_with_params(
        "https://calendar.google.com/calendar/render",
        [
            ("action", "TEMPLATE"),
            ("text", title),
            ("dates", &format!("{}/{}", stamp(start_ms, "%Y%m%dT%H%M%SZ"), stamp(end_ms, "%Y%m%dT%H%M%SZ"))),
            ("details", details),
            ("location", location),
        ],
    );
    let outlook = url::Url::parse_with_params(
        "https://outlook.live.com/calendar/0/deeplink/compose",
        [
            ("path", "/calendar/action/compose"),
            ("rru", "addevent"),
            ("subject", title),
            ("startdt", &stamp(start_ms, "%Y-%m-%dT%H:%M:%SZ")),
            ("enddt", &stamp(end_ms, "%Y-%m-%dT%H:%M:%SZ")),
            ("body", details),
            ("location", location),
        ],
    );
    (google.map(String::from).unwrap_or_default(), outlook.map(String::from).unwrap_or_default())
}

impl ManagePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.error, field)
    }
}

#[derive(Deserialize, Default)]
pub struct ManageQuery {
    timezone: Option<String>,
    booked: Option<String>,
}

async fn managed(state: &AppState, token: &str) -> PageResult<MeetingRow> {
    booking::by_manage_token(&state.db, token).await?.ok_or(PageError::NotFound)
}

/// The event type the booking came through, with its host (for the picker and the heading).
async fn event_of(state: &AppState, row: &MeetingRow) -> PageResult<Option<Bookable>> {
    Ok(Bookable::of_meeting(&state.db, row).await?)
}

async fn render_manage_page(
    state: &AppState,
    token: &str,
    row: &MeetingRow,
    query: ManageQuery,
    flash: Option<Flash>,
    error: Option<FieldError>,
) -> PageResult<ManagePage> {
    let view = MeetingView::load(&state.db, row).await?;
    let invitee_zone = view.invitees.first().and_then(|i| i.timezone.clone());
    let zone = ZoneChoice::of(
        query.timezone.as_deref(),
        invitee_zone.as_deref().unwrap_or(&view.timezone),
        invitee_zone.is_some(),
    );
    let event = event_of(state, row).await?;
    let cancelled = !row.is_scheduled();
    let picker = match &event {
        Some(event) if !cancelled && event.can_book() => {
            Some(SlotPicker::build(state, event, "reschedule-form", &zone, String::new()).await?)
        }
        _ => None,
    };
    let zoom = view.zoom.as_ref().map(|z| InviteeZoom {
        badge: zoom_badge(&view),
        join_url: z.join_url.clone().filter(|_| !cancelled),
        passcode: z.passcode.clone().filter(|_| !cancelled),
        pending: !cancelled && z.status == ZoomStatus::Pending,
        failed: matches!(z.status, ZoomStatus::Failed | ZoomStatus::Deleted).then(|| {
            "The Zoom meeting could not be set up. The host sees this on their meetings page; please contact them for a link.".to_owned()
        }),
    });
    let title = if query.booked.is_some() && !cancelled { "You are booked" } else { "Your booking" };
    let manage_url = state.manage_url(token);
    Ok(ManagePage {
        frame: Frame { wide: true, flash, ..Frame::public(title) },
        token: token.to_owned(),
        just_booked: query.booked.is_some() && !cancelled,
        cancelled,
        when: human_range_ms(row.start_at, row.end_at, Some(&zone.name)),
        event: event.as_ref().map(EventSummary::of),
        topic: view.topic.clone(),
        zoom,
        location_detail: view.location_detail.clone(),
        manage_url,
        picker,
        error,
        invitee_email: view.invitees.first().map(|i| i.email.clone()),
    })
}

async fn manage_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(token): Path<String>,
    Query(query): Query<ManageQuery>,
    Query(embed): Query<EmbedQuery>,
) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let row = managed(&state, &token).await?;
    let mut embed = Embed::for_meeting(&state, &embed, &row).await?;
    let mut page = render_manage_page(&state, &token, &row, query, flash, None).await?;
    if let Some(embed) = embed.as_mut().filter(|_| page.just_booked) {
        embed.mark_booked(&row, &page.manage_url);
    }
    let ancestors = embed::place(&mut page.frame, embed);
    Ok(embed::framed(ancestors, (jar, page).into_response()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RescheduleForm {
    start: String,
    timezone: String,
}

async fn reschedule(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<RescheduleForm>,
) -> PageResult<Response> {
    let row = managed(&state, &token).await?;
    let (status, error) = if form.start.trim().is_empty() {
        (StatusCode::UNPROCESSABLE_ENTITY, FieldError::new("start", "Pick a new day and time first."))
    } else if let Err(e) = check_address(&state, address) {
        limited(e)
    } else {
        match booking::reschedule_by_invitee(&state, &row, &form.start).await {
            Ok(moved) => {
                let when = human_range_ms(moved.start_at, moved.end_at, Some(&form.timezone));
                let message = format!("Your booking moved to {when}. The join link stays the same.");
                let jar = flash::set(jar, "success", &message);
                let target = format!("/booking/{token}?timezone={}", urlencode(&form.timezone));
                return Ok((jar, Redirect::to(&target)).into_response());
            }
            Err(e) => refusal(e)?,
        }
    };
    let query = ManageQuery { timezone: Some(form.timezone), booked: None };
    Ok((status, render_manage_page(&state, &token, &row, query, None, Some(error)).await?).into_response())
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    reason: String,
}

async fn cancel(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<CancelForm>,
) -> PageResult<Response> {
    let row = managed(&state, &token).await?;
    if let Err(e) = check_address(&state, address) {
        let (status, error) = limited(e);
        let page = render_manage_page(&state, &token, &row, ManageQuery::default(), None, Some(error)).await?;
        return Ok((status, page).into_response());
    }
    if let Err(e) = booking::cancel(&state, &row, Some(&form.reason), booking::By::Invitee).await {
        let (status, error) = refusal(e)?;
        let page = render_manage_page(&state, &token, &row, ManageQuery::default(), None, Some(error)).await?;
        return Ok((status, page).into_response());
    }
    let jar = flash::set(jar, "success", "Your booking is cancelled, and its Zoom meeting is being removed.");
    Ok((jar, Redirect::to(&format!("/booking/{token}"))).into_response())
}

/// **Add to calendar**: the booking as an .ics file.
async fn calendar_file(State(state): State<AppState>, Path(token): Path<String>) -> PageResult<Response> {
    let row = managed(&state, &token).await?;
    let view = MeetingView::load(&state.db, &row).await?;
    let join_url = view.zoom.as_ref().and_then(|z| z.join_url.clone());
    let manage_url = state.manage_url(&token);
    let description = match &join_url {
        Some(url) => format!("Join Zoom meeting: {url}\nReschedule or cancel: {manage_url}"),
        None => format!("Reschedule or cancel: {manage_url}"),
    };
    let body = ics::calendar(&IcsEvent {
        meeting_id: &row.id,
        sequence: row.sequence,
        start_ms: row.start_at,
        end_ms: row.end_at,
        stamp_ms: state.now_ms(),
        summary: &row.topic,
        join_url: join_url.as_deref(),
        description: &description,
        cancelled: !row.is_scheduled(),
        method: Method::Publish,
        organizer: None,
        attendees: &[],
    });
    let headers = [
        (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"prospo-booking.ics\""),
        (header::CACHE_CONTROL, "no-store"),
    ];
    Ok((headers, body).into_response())
}
