//! Event types: validated input with the product page's defaults, and the one function that saves.

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::domain::accounts::Invalid;
use crate::domain::questions::{QuestionInput, QuestionProblem, Questions, parse_questions};
use crate::domain::teams::Scheduling;
use crate::store::event_types::EventTypeRow;
use crate::store::{StoreError, new_id};

use std::ops::RangeInclusive;

/// Defaults the product page fixes.
pub const DEFAULT_NOTICE_MINUTES: i64 = 4 * 60;
pub const DEFAULT_WINDOW_DAYS: i64 = 60;
/// Reminders 24 hours and 1 hour before, unless an event type says otherwise.
pub const DEFAULT_REMINDER_MINUTES: [i64; 2] = [1440, 60];
/// Reminders an event type may have, and how early the earliest may be (a week).
pub const MAX_REMINDERS: usize = 5;
pub const REMINDER_RANGE: RangeInclusive<i64> = 5..=10_080;
/// What an event type's numbers may be; the API document declares the same (a test holds them
/// together, `http::api::document`).
pub const DURATION_MINUTES: RangeInclusive<i64> = 5..=720;
pub const BUFFER_MINUTES: RangeInclusive<i64> = 0..=240;
pub const NOTICE_MINUTES: RangeInclusive<i64> = 0..=60 * 24 * 60;
pub const WINDOW_DAYS: RangeInclusive<i64> = 1..=365;
/// 0 clears the maximum.
pub const MAX_PER_DAY: RangeInclusive<i64> = 1..=100;
pub const TITLE_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Zoom,
    Phone,
    InPerson,
    Link,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Zoom => "zoom",
            Location::Phone => "phone",
            Location::InPerson => "in_person",
            Location::Link => "link",
        }
    }

    pub fn parse(s: &str) -> Option<Location> {
        [Location::Zoom, Location::Phone, Location::InPerson, Location::Link].into_iter().find(|l| l.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Location::Zoom => "Zoom",
            Location::Phone => "Phone call",
            Location::InPerson => "In person",
            Location::Link => "Custom link",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AutoRecording {
    None,
    Cloud,
    Local,
}

impl AutoRecording {
    pub fn as_str(self) -> &'static str {
        match self {
            AutoRecording::None => "none",
            AutoRecording::Cloud => "cloud",
            AutoRecording::Local => "local",
        }
    }

    pub fn parse(s: &str) -> AutoRecording {
        match s {
            "cloud" => AutoRecording::Cloud,
            "local" => AutoRecording::Local,
            _ => AutoRecording::None,
        }
    }
}

/// Zoom options of an event type (or of a meeting scheduled directly); omitted ones keep their value.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ZoomOptionsInput {
    pub waiting_room: Option<bool>,
    pub join_before_host: Option<bool>,
    pub mute_upon_entry: Option<bool>,
    pub auto_recording: Option<AutoRecording>,
}

/// An event type as the API and the form send it: every field optional so PATCH can reuse it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EventTypeInput {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    #[schema(minimum = 5, maximum = 720)]
    pub duration_minutes: Option<i64>,
    pub location: Option<Location>,
    pub location_detail: Option<String>,
    #[schema(minimum = 5, maximum = 720)]
    pub slot_step_minutes: Option<i64>,
    #[schema(minimum = 0, maximum = 240)]
    pub buffer_before_minutes: Option<i64>,
    #[schema(minimum = 0, maximum = 240)]
    pub buffer_after_minutes: Option<i64>,
    #[schema(minimum = 0, maximum = 86400)]
    pub minimum_notice_minutes: Option<i64>,
    #[schema(minimum = 1, maximum = 365)]
    pub booking_window_days: Option<i64>,
    /// `null`, omitted or 0: no daily maximum.
    #[schema(minimum = 0, maximum = 100)]
    pub max_per_day: Option<i64>,
    pub zoom: Option<ZoomOptionsInput>,
    /// Minutes before the start at which invitees get a reminder (`[]` for none; default `[1440, 60]`).
    #[schema(max_items = 5, inline)]
    pub reminder_minutes: Option<Vec<i64>>,
    /// The booking page's questions, in order (at most 10; `[]` for none). Replaces the list:
    /// send a kept question with its `id`.
    #[schema(max_items = 10)]
    pub questions: Option<Vec<QuestionInput>>,
    /// Left off the public profile (still bookable by its link); default false.
    pub hidden: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum EventTypeError {
    #[error("{}", .0.message)]
    Invalid(Invalid),
    #[error("You already have an event type at this link. Choose another slug.")]
    SlugTaken,
    /// A booking question (or the list of them) refused.
    #[error(transparent)]
    Question(#[from] QuestionProblem),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, message: impl Into<String>) -> EventTypeError {
    EventTypeError::Invalid(Invalid { field, code: "invalid_event_type", message: message.into() })
}

fn in_range(
    field: &'static str,
    value: i64,
    range: std::ops::RangeInclusive<i64>,
    what: &str,
) -> Result<i64, EventTypeError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(invalid(field, format!("{what} must be between {} and {}.", range.start(), range.end())))
    }
}

/// A URL-safe slug: lower-case letters, digits and hyphens.
pub fn parse_slug(raw: &str) -> Result<String, EventTypeError> {
    let slug = raw.trim().to_lowercase();
    let valid = !slug.is_empty()
        && slug.len() <= 64
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if valid {
        Ok(slug)
    } else {
        Err(invalid("slug", "Use 1 to 64 lower-case letters, digits or hyphens for the link."))
    }
}

/// Applies `input` over `base` (a new event type's defaults, or the stored one for PATCH) and validates the result.
pub fn apply(mut base: EventTypeRow, input: EventTypeInput) -> Result<EventTypeRow, EventTypeError> {
    if let Some(title) = input.title {
        base.title = title.trim().to_owned();
    }
    if base.title.is_empty() || base.title.chars().count() > TITLE_MAX_CHARS {
        return Err(invalid("title", "Give the event type a title (up to 200 characters)."));
    }
    if let Some(slug) = input.slug {
        base.slug = parse_slug(&slug)?;
    } else {
        base.slug = parse_slug(&base.slug)?;
    }
    if let Some(description) = input.description {
        base.description = description.trim().chars().take(5000).collect();
    }
    let duration_changed = input.duration_minutes.is_some();
    if let Some(duration) = input.duration_minutes {
        base.duration_minutes = in_range("duration_minutes", duration, DURATION_MINUTES, "The duration")?;
    }
    match input.slot_step_minutes {
        Some(step) => base.slot_step_minutes = in_range("slot_step_minutes", step, DURATION_MINUTES, "The slot step")?,
        // The step follows the duration unless it was set on its own.
        None if duration_changed && base.slot_step_minutes == 0 => base.slot_step_minutes = base.duration_minutes,
        None => {}
    }
    if base.slot_step_minutes == 0 {
        base.slot_step_minutes = base.duration_minutes;
    }
    if let Some(location) = input.location {
        base.location = location.as_str().to_owned();
    }
    if let Some(detail) = input.location_detail {
        let detail = detail.trim();
        base.location_detail = (!detail.is_empty()).then(|| detail.chars().take(500).collect());
    }
    if base.location == "link" {
        let ok = base
            .location_detail
            .as_deref()
            .and_then(|d| url::Url::parse(d).ok())
            .is_some_and(|u| u.scheme() == "https" || u.scheme() == "http");
        if !ok {
            return Err(invalid(
                "location_detail",
                "A custom link location needs a web address starting with https://.",
            ));
        }
    }
    if let Some(v) = input.buffer_before_minutes {
        base.buffer_before_minutes = in_range("buffer_before_minutes", v, BUFFER_MINUTES, "The buffer before")?;
    }
    if let Some(v) = input.buffer_after_minutes {
        base.buffer_after_minutes = in_range("buffer_after_minutes", v, BUFFER_MINUTES, "The buffer after")?;
    }
    if let Some(v) = input.minimum_notice_minutes {
        base.minimum_notice_minutes =
            in_range("minimum_notice_minutes", v, NOTICE_MINUTES, "The minimum notice (minutes)")?;
    }
    if let Some(v) = input.booking_window_days {
        base.booking_window_days = in_range("booking_window_days", v, WINDOW_DAYS, "The booking window (days)")?;
    }
    match input.max_per_day {
        // 0 clears the maximum (JSON cannot tell an omitted field from null here).
        Some(0) => base.max_per_day = None,
        Some(v) => base.max_per_day = Some(in_range("max_per_day", v, MAX_PER_DAY, "The daily maximum")?),
        None => {}
    }
    if let Some(minutes) = input.reminder_minutes {
        base.reminder_minutes = parse_reminders(minutes)?;
    }
    if let Some(hidden) = input.hidden {
        base.hidden = hidden;
    }
    if let Some(questions) = input.questions {
        base.questions = parse_questions(questions, new_question_id)?;
    }
    if let Some(zoom) = input.zoom {
        base.zoom_waiting_room = zoom.waiting_room.unwrap_or(base.zoom_waiting_room);
        base.zoom_join_before_host = zoom.join_before_host.unwrap_or(base.zoom_join_before_host);
        base.zoom_mute_upon_entry = zoom.mute_upon_entry.unwrap_or(base.zoom_mute_upon_entry);
        if let Some(recording) = zoom.auto_recording {
            base.zoom_auto_recording = recording.as_str().to_owned();
        }
    }
    Ok(base)
}

/// A new question's id: short, as it keys the answers.
fn new_question_id() -> String {
    format!("q{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// Reminders, earliest first, without repeats; each between 5 minutes and a week before.
fn parse_reminders(mut minutes: Vec<i64>) -> Result<String, EventTypeError> {
    minutes.sort_unstable_by(|a, b| b.cmp(a));
    minutes.dedup();
    if minutes.len() > MAX_REMINDERS || minutes.iter().any(|m| !REMINDER_RANGE.contains(m)) {
        return Err(invalid(
            "reminder_minutes",
            format!(
                "Choose up to {MAX_REMINDERS} reminders, each {} to {} minutes before the meeting.",
                REMINDER_RANGE.start(),
                REMINDER_RANGE.end()
            ),
        ));
    }
    Ok(join_minutes(&minutes))
}

fn join_minutes(minutes: &[i64]) -> String {
    minutes.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// An event type's reminders in minutes before the start, earliest first.
pub fn reminder_minutes(event: &EventTypeRow) -> Vec<i64> {
    event.reminder_minutes.split(',').filter_map(|m| m.trim().parse().ok()).collect()
}

/// A new event type's starting point: the product page's defaults.
pub fn defaults(user_id: &str) -> EventTypeRow {
    EventTypeRow {
        id: new_id(),
        user_id: user_id.to_owned(),
        team_id: None,
        scheduling: Scheduling::Personal,
        max_per_day_per_member: None,
        slug: String::new(),
        title: String::new(),
        description: String::new(),
        duration_minutes: 30,
        location: Location::Zoom.as_str().to_owned(),
        location_detail: None,
        slot_step_minutes: 0,
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        minimum_notice_minutes: DEFAULT_NOTICE_MINUTES,
        booking_window_days: DEFAULT_WINDOW_DAYS,
        max_per_day: None,
        zoom_waiting_room: false,
        zoom_join_before_host: false,
        zoom_mute_upon_entry: false,
        zoom_auto_recording: AutoRecording::None.as_str().to_owned(),
        reminder_minutes: join_minutes(&DEFAULT_REMINDER_MINUTES),
        questions: Questions::default(),
        hidden: false,
        created_at: 0,
        updated_at: 0,
    }
}

/// Creates (`existing` = None) or changes an event type.
pub async fn save(
    app: &App,
    user_id: &str,
    existing: Option<EventTypeRow>,
    input: EventTypeInput,
) -> Result<EventTypeRow, EventTypeError> {
    let creating = existing.is_none();
    save_row(app, creating, existing.unwrap_or_else(|| defaults(user_id)), input).await
}

/// Saves `base` (a new row when `creating`) with `input` applied: the one place an event type,
/// personal or a team's, is validated and written.
pub async fn save_row(
    app: &App,
    creating: bool,
    base: EventTypeRow,
    input: EventTypeInput,
) -> Result<EventTypeRow, EventTypeError> {
    if creating
        && (input.title.is_none()
            || input.slug.is_none()
            || input.duration_minutes.is_none()
            || input.location.is_none())
    {
        return Err(invalid("title", "An event type needs a title, a slug, a duration and a location."));
    }
    let row = apply(base, input)?;
    let db = &app.db;
    match db.save_event_type(&row, app.now_ms()).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Err(EventTypeError::SlugTaken),
        Err(e) => return Err(e.into()),
    }
    Ok(db.event_type(&row.id).await?.unwrap_or(row))
}
