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
use super::view::{Badge, FieldError, ZoomState, error_for, time_zones, zoom_state};
use super::{Flash, Frame, PageError, PageResult, Visitor, flash, host_locale, location_label, with_lang};
use crate::domain::accounts::{Email, PersonName};
use crate::domain::lifecycle::ZoomStatus;
use crate::domain::questions::{
    AnswerCode, AnswerProblem, LONG_TEXT_MAX_CHARS, QuestionKind, Questions, TEXT_MAX_CHARS, check_answers,
};
use crate::domain::slots::format_in;
use crate::http::AppState;
use crate::http::api::bookings::{check_address, check_email};
use crate::http::client::ClientIp;
use crate::http::error::ApiError;
use crate::i18n::{self, Locale, Tr};
use crate::notifications::ics::{self, IcsEvent, Method};
use crate::scheduling::bookable::Bookable;
use crate::scheduling::booking::{self, BookingError, BookingInput};
use crate::scheduling::meetings::MeetingView;
use crate::store::meetings::MeetingRow;

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
        locale: Locale,
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
            let label = i18n::day_label(locale, &local);
            if days.last().is_none_or(|d| d.label != label) {
                if days.len() == FALLBACK_DAYS_SHOWN {
                    break;
                }
                days.push(SlotDay { label, times: Vec::new() });
            }
            let time = SlotTime { value: format_in(start, &zone.tz), label: i18n::time_label(locale, &local) };
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
    /// "30 min", in the page's language.
    duration: String,
    location: String,
    description: String,
    booking_path: String,
}

impl EventSummary {
    fn of(event: &Bookable, t: Tr) -> EventSummary {
        let e = event.event();
        EventSummary {
            title: e.title.clone(),
            host_name: event.host_name().to_owned(),
            duration: t.count("duration-minutes", e.duration_minutes),
            location: location_label(t, &e.location),
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
    /// The language the page was shown in (the booking keeps it).
    lang: String,
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

/// The message for a refused answer, as the page's form can cause it: left out, or not usable.
fn answer_problem_key(problem: &AnswerProblem, kind: QuestionKind) -> &'static str {
    match (&problem.code, kind) {
        (AnswerCode::AnswerRequired, QuestionKind::Checkbox) => "error-answer-tick",
        (AnswerCode::AnswerRequired, QuestionKind::Choice) => "error-answer-choose",
        (AnswerCode::AnswerRequired, _) => "error-answer-text",
        (AnswerCode::InvalidAnswer, _) => "error-answer-invalid",
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
    fn list(questions: &Questions, form: &BookForm, problems: &[AnswerProblem], t: Tr) -> Vec<QuestionField> {
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
                error: problems.iter().find(|p| p.question_id == q.id).map(|p| t.get(answer_problem_key(p, q.kind))),
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
    (visitor, locale): (&Visitor, Locale),
) -> PageResult<BookingPage> {
    let t = Tr::new(locale);
    let picker = if event.can_book() {
        // A start that was refused (taken or not available) is not offered again.
        let keep = errors.iter().all(|e| is_form_field(e.field));
        let selected = if keep { form.start.clone() } else { String::new() };
        Some(SlotPicker::build(state, event, "book-form", &zone, selected, locale).await?)
    } else {
        None
    };
    let summary = EventSummary::of(event, t);
    let title = t.args("book-page-title", &[("event", summary.title.clone()), ("host", summary.host_name.clone())]);
    let frame = Frame { wide: true, ..Frame::for_invitee(title, visitor, locale) };
    let idempotency_key = uuid::Uuid::new_v4().to_string();
    let idempotency_field = crate::http::IDEMPOTENCY_FORM_FIELD;
    let questions = QuestionField::list(&event.event().questions, &form, answer_problems, t);
    Ok(BookingPage { frame, event: summary, picker, form, errors, questions, idempotency_key, idempotency_field })
}

async fn booking_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((username, slug)): Path<(String, String)>,
    Query(query): Query<PickerQuery>,
    Query(embed): Query<EmbedQuery>,
) -> PageResult<Response> {
    if let Some(response) = api_not_found(&username) {
        return Ok(response);
    }
    let event = public_event(&state, &username, &slug).await?;
    show_booking_page(&state, &event, query, embed, &visitor).await
}

async fn team_booking_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((team_slug, slug)): Path<(String, String)>,
    Query(query): Query<PickerQuery>,
    Query(embed): Query<EmbedQuery>,
) -> PageResult<Response> {
    let event = team_event(&state, &team_slug, &slug).await?;
    show_booking_page(&state, &event, query, embed, &visitor).await
}

async fn show_booking_page(
    state: &AppState,
    event: &Bookable,
    query: PickerQuery,
    embed: EmbedQuery,
    visitor: &Visitor,
) -> PageResult<Response> {
    let zone = ZoneChoice::of(query.timezone.as_deref(), "UTC", false);
    let embed = Embed::for_event(state, &embed, event).await?;
    let locale = visitor.locale(None, host_locale(event.host_locale()));
    let mut page =
        render_booking_page(state, event, zone, BookForm::default(), Vec::new(), &[], (visitor, locale)).await?;
    let ancestors = embed::place(&mut page.frame, embed);
    Ok(embed::framed(ancestors, page.into_response()))
}

/// How a refused booking reads on the page, and its status.
fn refusal(e: BookingError, t: Tr) -> PageResult<(StatusCode, FieldError)> {
    let message = t.get(match &e {
        BookingError::Invalid(invalid) => match invalid.field {
            "name" => "error-name",
            "email" => "error-email",
            _ => "error-not-available",
        },
        BookingError::Answers(_) => "error-answer-invalid",
        BookingError::SlotTaken => "error-slot-taken",
        BookingError::NotAvailable => "error-not-available",
        BookingError::ZoomNotConnected => "error-not-bookable",
        BookingError::Cancelled => "error-cancelled",
        BookingError::TooManyChanges => "error-too-many-changes",
        // A host's mail budget is theirs to mind: the invitee reads "try later".
        BookingError::MailQuota => "error-not-bookable",
        BookingError::CalendarUnavailable => "error-calendar-unavailable",
        BookingError::Store(_) | BookingError::Internal(_) => "error-not-bookable",
    });
    Ok(match e {
        BookingError::Invalid(invalid) => (StatusCode::UNPROCESSABLE_ENTITY, FieldError::new(invalid.field, message)),
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

fn limited(e: ApiError, t: Tr) -> (StatusCode, FieldError) {
    let message = if e.status == StatusCode::TOO_MANY_REQUESTS { t.get("error-too-many-requests") } else { e.message };
    (e.status, FieldError::new("form", message))
}

async fn book(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    visitor: Visitor,
    Path((username, slug)): Path<(String, String)>,
    Query(embed): Query<EmbedQuery>,
    Form(form): Form<BookForm>,
) -> PageResult<Response> {
    if let Some(response) = api_not_found(&username) {
        return Ok(response);
    }
    let event = public_event(&state, &username, &slug).await?;
    submit_booking(&state, address, &event, form, embed, &visitor).await
}

async fn team_book(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    visitor: Visitor,
    Path((team_slug, slug)): Path<(String, String)>,
    Query(embed): Query<EmbedQuery>,
    Form(form): Form<BookForm>,
) -> PageResult<Response> {
    let event = team_event(&state, &team_slug, &slug).await?;
    submit_booking(&state, address, &event, form, embed, &visitor).await
}

async fn submit_booking(
    state: &AppState,
    address: std::net::IpAddr,
    event: &Bookable,
    form: BookForm,
    embed: EmbedQuery,
    visitor: &Visitor,
) -> PageResult<Response> {
    let embed = Embed::for_event(state, &embed, event).await?;
    // The language the form was shown in, which the booking keeps.
    let picked = form.lang.parse::<Locale>().ok();
    let locale = picked.unwrap_or_else(|| visitor.locale(None, host_locale(event.host_locale())));
    let t = Tr::new(locale);
    // What the form alone shows to be missing is said all at once (the booking re-checks it).
    let mut missing: Vec<FieldError> = Vec::new();
    if form.start.trim().is_empty() {
        missing.push(FieldError::new("start", t.get("error-pick-first")));
    }
    if PersonName::parse(&form.name).is_err() {
        missing.push(FieldError::new("name", t.get("error-name")));
    }
    if Email::parse(&form.email).is_err() {
        missing.push(FieldError::new("email", t.get("error-email")));
    }
    let questions = &event.event().questions;
    let answers = form.answers(questions);
    let mut answer_problems = check_answers(questions, &answers).err().unwrap_or_default();
    let (status, errors) = if !missing.is_empty() || !answer_problems.is_empty() {
        (StatusCode::UNPROCESSABLE_ENTITY, missing)
    } else if let Err(e) =
        check_address(state, address).and_then(|()| check_email(state, event.limit_key(), &form.email))
    {
        let (status, error) = limited(e, t);
        (status, vec![error])
    } else {
        let input = BookingInput {
            start: form.start.clone(),
            name: form.name.clone(),
            email: form.email.clone(),
            timezone: form.timezone.clone(),
            notes: Some(form.notes.clone()),
            answers,
            locale: Some(locale),
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
                let (status, error) = refusal(e, t)?;
                (status, vec![error])
            }
        }
    };
    let zone = ZoneChoice::of(Some(&form.timezone), "UTC", false);
    let mut page = render_booking_page(state, event, zone, form, errors, &answer_problems, (visitor, locale)).await?;
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
    /// "Intro call with Ada · 30 min · Zoom", or the host's title for a meeting booked by hand.
    event_line: String,
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
    let view = MeetingView::load(&state.db, &row).await?;
    let t = Tr::new(booking_locale(&view).unwrap_or(Locale::En));
    let summary = invitee_topic(&state, &row, t).await?;
    let manage_url = state.manage_url(&token);
    let place = row.zoom_join_url.clone().or_else(|| row.location_detail.clone());
    let manage_line = t.arg("ics-manage", "url", &manage_url);
    let details = match &place {
        Some(place) => format!("{}\n{manage_line}", t.arg("ics-join", "place", place)),
        None => manage_line,
    };
    let (google, outlook) =
        calendar_links(&summary, row.start_at, row.end_at, &details, place.as_deref().unwrap_or_default());
    Ok(Redirect::to(match calendar {
        WebCalendar::Google => &google,
        WebCalendar::Outlook => &outlook,
    })
    .into_response())
}

/// The booking's title as its invitee reads it: "Intro call with HOST" (the host's own title for
/// a meeting they made by hand).
async fn invitee_topic(state: &AppState, row: &MeetingRow, t: Tr) -> PageResult<String> {
    let host = state.db.user_by_id(&row.host_id).await?;
    Ok(match (&row.booked_title, &host) {
        (Some(booked), Some(host)) => {
            t.args("invitee-topic", &[("event", booked.clone()), ("host", host.name.clone())])
        }
        _ => row.topic.clone(),
    })
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
    (visitor, asked): (&Visitor, Option<Locale>),
) -> PageResult<ManagePage> {
    let view = MeetingView::load(&state.db, row).await?;
    let invitee_zone = view.invitees.first().and_then(|i| i.timezone.clone());
    let zone = ZoneChoice::of(
        query.timezone.as_deref(),
        invitee_zone.as_deref().unwrap_or(&view.timezone),
        invitee_zone.is_some(),
    );
    let event = event_of(state, row).await?;
    let booked_in = booking_locale(&view);
    let host = event.as_ref().and_then(|e| host_locale(e.host_locale()));
    let locale = asked.unwrap_or_else(|| visitor.locale(booked_in, host));
    let t = Tr::new(locale);
    let cancelled = !row.is_scheduled();
    let picker = match &event {
        Some(event) if !cancelled && event.can_book() => {
            Some(SlotPicker::build(state, event, "reschedule-form", &zone, String::new(), locale).await?)
        }
        _ => None,
    };
    let zoom = view.zoom.as_ref().map(|z| InviteeZoom {
        badge: invitee_zoom_badge(&view, t),
        join_url: z.join_url.clone().filter(|_| !cancelled),
        passcode: z.passcode.clone().filter(|_| !cancelled),
        pending: !cancelled && z.status == ZoomStatus::Pending,
        failed: matches!(z.status, ZoomStatus::Failed | ZoomStatus::Deleted).then(|| t.get("zoom-failed")),
    });
    let title = t.get(if query.booked.is_some() && !cancelled { "manage-title-booked" } else { "manage-title" });
    let summary = event.as_ref().map(|e| EventSummary::of(e, t));
    let event_line = match &summary {
        Some(e) => t.args(
            "manage-event-line",
            &[
                ("event", e.title.clone()),
                ("host", e.host_name.clone()),
                ("duration", e.duration.clone()),
                ("location", e.location.clone()),
            ],
        ),
        None => view.topic.clone(),
    };
    let manage_url = state.manage_url(token);
    Ok(ManagePage {
        frame: Frame { wide: true, flash, ..Frame::for_invitee(title, visitor, locale) },
        token: token.to_owned(),
        just_booked: query.booked.is_some() && !cancelled,
        cancelled,
        when: i18n::when(locale, row.start_at, row.end_at, Some(&zone.name)),
        event: summary,
        event_line,
        zoom,
        location_detail: view.location_detail.clone(),
        manage_url,
        picker,
        error,
        invitee_email: view.invitees.first().map(|i| i.email.clone()),
    })
}

/// The language the invitee booked in.
fn booking_locale(view: &MeetingView) -> Option<Locale> {
    view.invitees.first().and_then(|i| i.locale.as_deref()).and_then(|l| l.parse().ok())
}

/// The Zoom state as an invitee reads it, in their language (a host's failure reason is not
/// theirs to read).
fn invitee_zoom_badge(view: &MeetingView, t: Tr) -> Option<Badge> {
    let state = zoom_state(view)?;
    let text = match &state {
        ZoomState::Cancelled => t.get("badge-cancelled"),
        ZoomState::HeldUntil(time) => t.arg("badge-held-until", "time", &format!("{time} UTC")),
        ZoomState::Failed(_) | ZoomState::Deleted => t.get("zoom-failed"),
        ZoomState::ChangePending => t.get("badge-change-pending"),
        ZoomState::Ready => t.get("badge-zoom-ready"),
        ZoomState::Creating => t.get("badge-creating"),
    };
    Some(Badge { class: state.class(), text })
}

async fn manage_page(
    State(state): State<AppState>,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
    Query(query): Query<ManageQuery>,
    Query(embed): Query<EmbedQuery>,
) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let row = managed(&state, &token).await?;
    let mut embed = Embed::for_meeting(&state, &embed, &row).await?;
    let mut page = render_manage_page(&state, &token, &row, query, flash, None, (&visitor, None)).await?;
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
    /// The language the page was shown in: the answer keeps it.
    lang: String,
}

async fn reschedule(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<RescheduleForm>,
) -> PageResult<Response> {
    let row = managed(&state, &token).await?;
    let asked = form.lang.parse::<Locale>().ok();
    let t = Tr::new(asked.unwrap_or(Locale::En));
    remember_language(&state, &row, asked).await?;
    let (status, error) = if form.start.trim().is_empty() {
        (StatusCode::UNPROCESSABLE_ENTITY, FieldError::new("start", t.get("error-pick-new-first")))
    } else if let Err(e) = check_address(&state, address) {
        limited(e, t)
    } else {
        match booking::reschedule_by_invitee(&state, &row, &form.start).await {
            Ok(moved) => {
                let when = i18n::when(t.locale(), moved.start_at, moved.end_at, Some(&form.timezone));
                let jar = flash::set(jar, "success", &t.arg("flash-moved", "when", &when));
                let target = with_lang(format!("/booking/{token}?timezone={}", urlencode(&form.timezone)), asked);
                return Ok((jar, Redirect::to(&target)).into_response());
            }
            Err(e) => refusal(e, t)?,
        }
    };
    let query = ManageQuery { timezone: Some(form.timezone), booked: None };
    let page = render_manage_page(&state, &token, &row, query, None, Some(error), (&visitor, asked)).await?;
    Ok((status, page).into_response())
}

/// The language the manage page was shown in, when the invitee acts on it, is theirs from now on:
/// the mails of the change (and later ones) come in it.
async fn remember_language(state: &AppState, row: &MeetingRow, shown: Option<Locale>) -> PageResult<()> {
    if let Some(locale) = shown {
        state.db.set_invitees_locale(&row.id, locale).await?;
    }
    Ok(())
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    reason: String,
    /// The language the page was shown in: the answer keeps it.
    lang: String,
}

async fn cancel(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    visitor: Visitor,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<CancelForm>,
) -> PageResult<Response> {
    let row = managed(&state, &token).await?;
    let asked = form.lang.parse::<Locale>().ok();
    let t = Tr::new(asked.unwrap_or(Locale::En));
    remember_language(&state, &row, asked).await?;
    let refused = match check_address(&state, address) {
        Err(e) => Some(limited(e, t)),
        Ok(()) => match booking::cancel(&state, &row, Some(&form.reason), booking::By::Invitee).await {
            Err(e) => Some(refusal(e, t)?),
            Ok(_) => None,
        },
    };
    if let Some((status, error)) = refused {
        let query = ManageQuery::default();
        let page = render_manage_page(&state, &token, &row, query, None, Some(error), (&visitor, asked)).await?;
        return Ok((status, page).into_response());
    }
    let jar = flash::set(jar, "success", &t.get("flash-cancelled"));
    let target = with_lang(format!("/booking/{token}"), asked);
    Ok((jar, Redirect::to(&target)).into_response())
}

/// **Add to calendar**: the booking as an .ics file.
async fn calendar_file(State(state): State<AppState>, Path(token): Path<String>) -> PageResult<Response> {
    let row = managed(&state, &token).await?;
    let view = MeetingView::load(&state.db, &row).await?;
    let t = Tr::new(booking_locale(&view).unwrap_or(Locale::En));
    let summary = invitee_topic(&state, &row, t).await?;
    let join_url = view.zoom.as_ref().and_then(|z| z.join_url.clone());
    let manage_line = t.arg("ics-manage", "url", &state.manage_url(&token));
    let description = match &join_url {
        Some(url) => format!("{}\n{manage_line}", t.arg("mail-join-line", "url", url)),
        None => manage_line,
    };
    let body = ics::calendar(&IcsEvent {
        meeting_id: &row.id,
        sequence: row.sequence,
        start_ms: row.start_at,
        end_ms: row.end_at,
        stamp_ms: state.now_ms(),
        summary: &summary,
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
