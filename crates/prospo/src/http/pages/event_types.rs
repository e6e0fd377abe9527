//! Event types: the list with booking links, and the new/edit form with the product's defaults.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::question_editor::{self, EditorRow, QuestionRow};
use super::view::{FieldError, error_for};
use super::{Frame, PageError, PageResult, flash};
use crate::domain::questions::{QuestionKind, QuestionProblem};
use crate::http::AppState;
use crate::http::pages::PageUser;
use crate::scheduling::event_types::{
    self, AutoRecording, EventTypeError, EventTypeInput, Location, ZoomOptionsInput, reminder_minutes,
};
use crate::store::accounts::UserRow;
use crate::store::event_types::EventTypeRow;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/event-types", get(list_page).post(create))
        .route("/event-types/new", get(new_page))
        .route("/event-types/{id}", get(edit_page).post(update))
        .route("/event-types/{id}/delete", post(delete))
}

/// One row of the list.
struct EventTypeItem {
    id: String,
    title: String,
    duration_minutes: i64,
    location: String,
    booking_url: String,
    /// A Zoom event type while the host has no Zoom connection: it cannot be booked.
    blocked_by_zoom: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "event_types.html")]
struct ListPage {
    frame: Frame,
    items: Vec<EventTypeItem>,
}

impl ListPage {
    /// Some Zoom event type cannot be booked because Zoom is not connected.
    fn any_blocked(&self) -> bool {
        self.items.iter().any(|i| i.blocked_by_zoom)
    }
}

fn location_text(location: &str, detail: Option<&str>) -> String {
    let label = Location::parse(location).map(Location::label).unwrap_or("Other");
    match detail {
        Some(d) if !d.is_empty() => format!("{label} · {d}"),
        _ => label.to_owned(),
    }
}

async fn zoom_connected(state: &AppState, user: &UserRow) -> PageResult<bool> {
    Ok(state.db.zoom_connection_of(&user.id).await?.is_some())
}

async fn list_page(State(state): State<AppState>, PageUser(user): PageUser, jar: CookieJar) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let zoom_connected = zoom_connected(&state, &user).await?;
    let items = state
        .db
        .event_types_of(&user.id)
        .await?
        .into_iter()
        .map(|row| EventTypeItem {
            booking_url: state.booking_url(&user.username, &row.slug),
            location: location_text(&row.location, row.location_detail.as_deref()),
            blocked_by_zoom: row.location == Location::Zoom.as_str() && !zoom_connected,
            id: row.id,
            title: row.title,
            duration_minutes: row.duration_minutes,
        })
        .collect();
    let frame = Frame::for_user("Event types", "event-types", &user, flash);
    Ok((jar, ListPage { frame, items }).into_response())
}

/// The form's values as typed: strings, so a wrong number comes back as it was typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EventTypeForm {
    title: String,
    slug: String,
    description: String,
    duration_minutes: String,
    location: String,
    location_detail: String,
    /// Empty: the same as the duration.
    slot_step_minutes: String,
    buffer_before_minutes: String,
    buffer_after_minutes: String,
    /// In `minimum_notice_unit`s.
    minimum_notice: String,
    /// `minutes`, `hours` or `days`.
    minimum_notice_unit: String,
    booking_window_days: String,
    /// Empty: no daily maximum.
    max_per_day: String,
    zoom_waiting_room: Option<String>,
    zoom_join_before_host: Option<String>,
    zoom_mute_upon_entry: Option<String>,
    zoom_auto_recording: String,
    reminder_10080: Option<String>,
    reminder_1440: Option<String>,
    reminder_60: Option<String>,
    reminder_15: Option<String>,
    /// Reminders set through the API that the form has no box for, kept as they are.
    reminder_other: String,
    /// Ticked: left off the public profile, bookable by link only.
    hidden: Option<String>,
    /// The other fields: the booking questions' indexed rows (`q.{i}.label`, …; see `question_editor`).
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

/// The reminders the form offers, as (minutes before, label).
const REMINDER_CHOICES: [(i64, &str); 4] =
    [(10_080, "1 week before"), (1_440, "24 hours before"), (60, "1 hour before"), (15, "15 minutes before")];

impl EventTypeForm {
    fn reminder_boxes(&self) -> [&Option<String>; 4] {
        [&self.reminder_10080, &self.reminder_1440, &self.reminder_60, &self.reminder_15]
    }

    /// Whether the box of the `index`-th choice is ticked (for the template).
    pub fn reminder_checked(&self, index: &usize) -> bool {
        self.reminder_boxes().get(*index).is_some_and(|b| b.is_some())
    }

    /// The booking questions as typed, blank rows left out.
    fn question_rows(&self) -> Vec<QuestionRow> {
        question_editor::rows_of_fields(&self.rest)
    }

    fn reminders(&self) -> Vec<i64> {
        let ticked = REMINDER_CHOICES.iter().zip(self.reminder_boxes()).filter(|(_, b)| b.is_some()).map(|(c, _)| c.0);
        let other = self.reminder_other.split(',').filter_map(|m| m.trim().parse::<i64>().ok());
        ticked.chain(other).collect()
    }

    fn of(row: &EventTypeRow) -> EventTypeForm {
        let on = |b: bool| b.then(|| "on".to_owned());
        let minutes = reminder_minutes(row);
        let (minimum_notice, notice_unit) = notice_in_largest_unit(row.minimum_notice_minutes);
        EventTypeForm {
            title: row.title.clone(),
            slug: row.slug.clone(),
            description: row.description.clone(),
            duration_minutes: row.duration_minutes.to_string(),
            location: row.location.clone(),
            location_detail: row.location_detail.clone().unwrap_or_default(),
            slot_step_minutes: match row.slot_step_minutes {
                0 => String::new(),
                step => step.to_string(),
            },
            buffer_before_minutes: row.buffer_before_minutes.to_string(),
            buffer_after_minutes: row.buffer_after_minutes.to_string(),
            minimum_notice,
            minimum_notice_unit: notice_unit.to_owned(),
            booking_window_days: row.booking_window_days.to_string(),
            max_per_day: row.max_per_day.map(|n| n.to_string()).unwrap_or_default(),
            zoom_waiting_room: on(row.zoom_waiting_room),
            zoom_join_before_host: on(row.zoom_join_before_host),
            zoom_mute_upon_entry: on(row.zoom_mute_upon_entry),
            zoom_auto_recording: row.zoom_auto_recording.clone(),
            reminder_10080: on(minutes.contains(&10_080)),
            reminder_1440: on(minutes.contains(&1_440)),
            reminder_60: on(minutes.contains(&60)),
            reminder_15: on(minutes.contains(&15)),
            reminder_other: minutes
                .iter()
                .filter(|m| !REMINDER_CHOICES.iter().any(|c| c.0 == **m))
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(","),
            rest: question_editor::fields_of(&row.questions),
            hidden: on(row.hidden),
        }
    }

    /// The same input the JSON API takes; numbers that are not numbers are refused here.
    fn to_input(&self) -> Result<EventTypeInput, FieldError> {
        fn number(field: &'static str, raw: &str) -> Result<Option<i64>, FieldError> {
            match raw.trim() {
                "" => Ok(None),
                n => n.parse().map(Some).map_err(|_| FieldError::new(field, "Enter a whole number.")),
            }
        }
        let required = |field: &'static str, raw: &str| -> Result<i64, FieldError> {
            number(field, raw)?.ok_or_else(|| FieldError::new(field, "Enter a whole number."))
        };
        let location =
            Location::parse(&self.location).ok_or_else(|| FieldError::new("location", "Choose a location."))?;
        let duration = required("duration_minutes", &self.duration_minutes)?;
        Ok(EventTypeInput {
            title: Some(self.title.clone()),
            slug: Some(self.slug.clone()),
            description: Some(self.description.clone()),
            duration_minutes: Some(duration),
            location: Some(location),
            location_detail: Some(self.location_detail.clone()),
            // An empty step follows the duration.
            slot_step_minutes: Some(number("slot_step_minutes", &self.slot_step_minutes)?.unwrap_or(duration)),
            buffer_before_minutes: Some(required("buffer_before_minutes", &self.buffer_before_minutes)?),
            buffer_after_minutes: Some(required("buffer_after_minutes", &self.buffer_after_minutes)?),
            minimum_notice_minutes: Some(
                required("minimum_notice_minutes", &self.minimum_notice)?
                    .saturating_mul(minutes_per(&self.minimum_notice_unit)),
            ),
            booking_window_days: Some(required("booking_window_days", &self.booking_window_days)?),
            // 0 clears the maximum.
            max_per_day: Some(number("max_per_day", &self.max_per_day)?.unwrap_or(0)),
            zoom: Some(ZoomOptionsInput {
                waiting_room: Some(self.zoom_waiting_room.is_some()),
                join_before_host: Some(self.zoom_join_before_host.is_some()),
                mute_upon_entry: Some(self.zoom_mute_upon_entry.is_some()),
                auto_recording: Some(AutoRecording::parse(&self.zoom_auto_recording)),
            }),
            reminder_minutes: Some(self.reminders()),
            questions: Some(self.question_rows().iter().map(QuestionRow::to_input).collect()),
            hidden: Some(self.hidden.is_some()),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "event_type_form.html")]
struct FormPage {
    frame: Frame,
    /// `None` while creating.
    id: Option<String>,
    form: EventTypeForm,
    error: Option<FieldError>,
    zoom_connected: bool,
    /// Where the booking page will be: `https://host/username/`.
    link_prefix: String,
    /// The path part of it, `/username/`, shown before the slug input.
    link_path_prefix: String,
    locations: Vec<(&'static str, &'static str)>,
    reminder_choices: [(i64, &'static str); 4],
    /// A booking question refused, shown beside its row.
    question_problem: Option<QuestionProblem>,
    question_kinds: &'static [QuestionKind],
}

impl FormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.error, field)
    }

    /// The question editor's rows: the questions as typed, then a spare empty row.
    fn question_rows(&self) -> Vec<EditorRow> {
        question_editor::editor_rows(self.form.question_rows(), self.question_problem.as_ref())
    }

    /// A refusal about the list of questions as a whole (too many).
    fn questions_error(&self) -> Option<&str> {
        self.question_problem.as_ref().filter(|p| p.index.is_none()).map(|p| p.message.as_str())
    }

    /// The field that gets focus: the one in error.
    fn focus_field(&self) -> &'static str {
        self.error.as_ref().map(|e| e.field).unwrap_or("")
    }

    /// An error that belongs to no single field shows above the form.
    fn form_error(&self) -> Option<&str> {
        const FIELDS: [&str; 13] = [
            "title",
            "slug",
            "description",
            "duration_minutes",
            "location",
            "location_detail",
            "slot_step_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "minimum_notice_minutes",
            "booking_window_days",
            "max_per_day",
            "zoom_auto_recording",
        ];
        self.error.as_ref().filter(|e| !FIELDS.contains(&e.field)).map(|e| e.message.as_str())
    }
}

async fn form_page(
    state: &AppState,
    user: &UserRow,
    id: Option<String>,
    form: EventTypeForm,
    error: Option<FieldError>,
) -> PageResult<FormPage> {
    let title = if id.is_some() { "Edit event type" } else { "New event type" };
    Ok(FormPage {
        frame: Frame::for_user(title, "event-types", user, None),
        id,
        form,
        error,
        zoom_connected: zoom_connected(state, user).await?,
        link_prefix: state.booking_url(&user.username, ""),
        link_path_prefix: format!("/{}/", user.username),
        locations: [Location::Zoom, Location::Phone, Location::InPerson, Location::Link]
            .into_iter()
            .map(|l| (l.as_str(), l.label()))
            .collect(),
        reminder_choices: REMINDER_CHOICES,
        question_problem: None,
        question_kinds: QuestionKind::ALL,
    })
}

async fn new_page(State(state): State<AppState>, PageUser(user): PageUser) -> PageResult<FormPage> {
    let form = EventTypeForm::of(&event_types::defaults(&user.id));
    form_page(&state, &user, None, form, None).await
}

async fn edit_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
) -> PageResult<FormPage> {
    let row = state.db.event_type_of(&user.id, &id).await?.ok_or(PageError::NotFound)?;
    form_page(&state, &user, Some(id), EventTypeForm::of(&row), None).await
}

async fn create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<EventTypeForm>,
) -> PageResult<Response> {
    save(&state, &user, jar, None, form).await
}

async fn update(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<EventTypeForm>,
) -> PageResult<Response> {
    let existing = state.db.event_type_of(&user.id, &id).await?.ok_or(PageError::NotFound)?;
    save(&state, &user, jar, Some(existing), form).await
}

/// Creates or changes through the same function as the API; errors re-show the form as typed.
async fn save(
    state: &AppState,
    user: &UserRow,
    jar: CookieJar,
    existing: Option<EventTypeRow>,
    form: EventTypeForm,
) -> PageResult<Response> {
    let id = existing.as_ref().map(|e| e.id.clone());
    let (status, error) = match form.to_input() {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok(input) => match event_types::save(state, &user.id, existing, input).await {
            Ok(row) => {
                let message = format!("“{}” is saved. Its booking page is live.", row.title);
                let jar = flash::set(jar, "success", &message);
                return Ok((jar, Redirect::to("/event-types")).into_response());
            }
            Err(EventTypeError::Invalid(invalid)) => (StatusCode::UNPROCESSABLE_ENTITY, invalid.into()),
            Err(e @ EventTypeError::SlugTaken) => (StatusCode::CONFLICT, FieldError::new("slug", e.to_string())),
            Err(EventTypeError::Question(problem)) => {
                let mut page = form_page(state, user, id, form, None).await?;
                page.question_problem = Some(problem);
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
            Err(EventTypeError::Store(e)) => return Err(e.into()),
        },
    };
    Ok((status, form_page(state, user, id, form, Some(error)).await?).into_response())
}

async fn delete(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let jar = if state.db.delete_event_type(&user.id, &id).await? {
        flash::set(jar, "success", "The event type was deleted. Meetings booked through it stay.")
    } else {
        flash::set(jar, "error", "That event type does not exist (it may already be deleted).")
    };
    Ok((jar, Redirect::to("/event-types")).into_response())
}

/// Minutes in one notice unit of the form (`minutes` when unknown).
fn minutes_per(unit: &str) -> i64 {
    match unit {
        "days" => 24 * 60,
        "hours" => 60,
        _ => 1,
    }
}

/// A notice as the form shows it: in days or hours when it is a whole number of them.
fn notice_in_largest_unit(minutes: i64) -> (String, &'static str) {
    match minutes {
        m if m > 0 && m % (24 * 60) == 0 => ((m / (24 * 60)).to_string(), "days"),
        m if m > 0 && m % 60 == 0 => ((m / 60).to_string(), "hours"),
        m => (m.to_string(), "minutes"),
    }
}

#[cfg(test)]
mod notice_tests {
    use super::*;

    #[test]
    fn notices_read_in_the_largest_whole_unit_and_back() {
        assert_eq!(notice_in_largest_unit(240), ("4".to_owned(), "hours"));
        assert_eq!(notice_in_largest_unit(2880), ("2".to_owned(), "days"));
        assert_eq!(notice_in_largest_unit(90), ("90".to_owned(), "minutes"));
        assert_eq!(notice_in_largest_unit(0), ("0".to_owned(), "minutes"));
        for minutes in [0, 15, 90, 240, 1440, 4320] {
            let (value, unit) = notice_in_largest_unit(minutes);
            assert_eq!(value.parse::<i64>().unwrap() * minutes_per(unit), minutes);
        }
    }
}
