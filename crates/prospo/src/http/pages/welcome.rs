//! The first page after sign-up: three steps on one page (hours, Zoom, a first event type) that end
//! with the host's booking link, ready to copy. Each step works on its own and can be redone; the
//! page reads what is already set, so coming back shows the steps done.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::view::FieldError;
use super::view::time_zones;
use super::{Frame, PageResult};
use crate::domain::slots::WEEKDAY_KEYS;
use crate::http::AppState;
use crate::http::pages::PageUser;
use crate::scheduling::availability;
use crate::scheduling::event_types::{self, EventTypeError, EventTypeInput, Location};
use crate::store::accounts::UserRow;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/welcome", get(welcome_page))
        .route("/welcome/hours", post(save_hours))
        .route("/welcome/event-type", post(create_event_type))
}

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

struct DayChoice {
    key: &'static str,
    name: &'static str,
    open: bool,
}

/// Step 1 as shown: the zone and one span for the ticked days.
struct HoursStep {
    timezone: String,
    days: Vec<DayChoice>,
    from: String,
    until: String,
    /// Just saved (the page says so beside the step).
    saved: bool,
    error: Option<String>,
}

/// Step 3 as typed.
struct EventStep {
    title: String,
    duration: String,
    location: String,
    location_detail: String,
    error: Option<FieldError>,
}

#[derive(Template, WebTemplate)]
#[template(path = "welcome.html")]
struct WelcomePage {
    frame: Frame,
    first_name: String,
    hours: HoursStep,
    zones: &'static [String],
    zoom_email: Option<String>,
    event: EventStep,
    /// The first event type's booking link, once there is one.
    booking_link: Option<String>,
}

impl WelcomePage {
    fn event_error(&self, field: &str) -> Option<&str> {
        self.event.error.as_ref().filter(|e| e.field == field).map(|e| e.message.as_str())
    }
}

#[derive(Deserialize, Default)]
pub struct WelcomeQuery {
    saved: Option<String>,
}

async fn page(
    state: &AppState,
    user: &UserRow,
    hours: Option<HoursStep>,
    event: Option<EventStep>,
) -> PageResult<WelcomePage> {
    let input = availability::load_input(&state.db, &user.id).await?;
    let hours = match hours {
        Some(hours) => hours,
        None => {
            // The first span of the first open day stands for all (the page offers one span; the
            // Availability page takes more).
            let first = WEEKDAY_KEYS.iter().find_map(|d| input.weekly.get(*d).and_then(|v| v.first()).cloned());
            let [from, until] = first.unwrap_or_else(|| ["09:00".to_owned(), "17:00".to_owned()]);
            HoursStep {
                timezone: input.timezone.clone(),
                days: WEEKDAY_KEYS
                    .iter()
                    .zip(DAY_NAMES)
                    .map(|(key, name)| DayChoice {
                        key,
                        name,
                        open: input.weekly.get(*key).is_some_and(|v| !v.is_empty()),
                    })
                    .collect(),
                from,
                until,
                saved: false,
                error: None,
            }
        }
    };
    let zoom = state.db.zoom_connection_of(&user.id).await?;
    let zoom_email = zoom.map(|z| z.zoom_email);
    let types = state.db.event_types_of(&user.id).await?;
    let booking_link = types.first().map(|t| state.booking_url(&user.username, &t.slug));
    let event = event.unwrap_or_else(|| EventStep {
        title: "30 minute meeting".into(),
        duration: "30".into(),
        location: if zoom_email.is_some() { "zoom".into() } else { String::new() },
        location_detail: String::new(),
        error: None,
    });
    let first_name = user.name.split_whitespace().next().unwrap_or(&user.name).to_owned();
    Ok(WelcomePage {
        frame: Frame::for_user("Welcome", "", user, None),
        first_name,
        hours,
        zones: time_zones(),
        zoom_email,
        event,
        booking_link,
    })
}

async fn welcome_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<WelcomeQuery>,
) -> PageResult<Response> {
    let mut page = page(&state, &user, None, None).await?;
    page.hours.saved = query.saved.as_deref() == Some("hours");
    Ok(page.into_response())
}

/// The hours form's single-valued fields (the repeated `day` is read apart).
struct HoursForm {
    timezone: String,
    from: String,
    until: String,
}

async fn save_hours(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let form = hours_form(&body);
    let open: Vec<String> =
        url::form_urlencoded::parse(&body).filter(|(k, _)| k == "day").map(|(_, v)| v.into_owned()).collect();
    let clock = |typed: &str| crate::domain::slots::normalize_clock(typed).unwrap_or_else(|| typed.trim().to_owned());
    let span = [clock(&form.from), clock(&form.until)];
    let mut input = availability::load_input(&state.db, &user.id).await?;
    input.timezone = form.timezone.trim().to_owned();
    input.weekly = WEEKDAY_KEYS
        .iter()
        .filter(|d| open.iter().any(|o| o == *d))
        .map(|d| ((*d).to_owned(), vec![span.clone()]))
        .collect::<BTreeMap<_, _>>();
    match availability::save(&state, &user.id, &input).await {
        Ok(_) => Ok(Redirect::to("/welcome?saved=hours#step-zoom").into_response()),
        Err(availability::AvailabilityProblem::Invalid(e)) => {
            let hours = HoursStep {
                timezone: input.timezone,
                days: WEEKDAY_KEYS
                    .iter()
                    .zip(DAY_NAMES)
                    .map(|(key, name)| DayChoice { key, name, open: open.iter().any(|o| o == key) })
                    .collect(),
                from: span[0].clone(),
                until: span[1].clone(),
                saved: false,
                error: Some(e.to_string()),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&state, &user, Some(hours), None).await?).into_response())
        }
        Err(availability::AvailabilityProblem::Store(e)) => Err(e.into()),
    }
}

fn hours_form(body: &[u8]) -> HoursForm {
    let mut form = HoursForm { timezone: String::new(), from: String::new(), until: String::new() };
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "timezone" => form.timezone = value.into_owned(),
            "from" => form.from = value.into_owned(),
            "until" => form.until = value.into_owned(),
            _ => {}
        }
    }
    form
}

#[derive(Deserialize)]
pub struct EventForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    location_detail: String,
}

/// A slug from the title: "30 minute meeting" → "30-minute-meeting".
fn slug_of(title: &str) -> String {
    let mut slug = String::new();
    for c in title.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').chars().take(40).collect::<String>();
    if slug.len() < 2 { "meeting".to_owned() } else { slug }
}

async fn create_event_type(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form<EventForm>,
) -> PageResult<Response> {
    let location = match form.location.as_str() {
        "zoom" => Some(Location::Zoom),
        "phone" => Some(Location::Phone),
        "in_person" => Some(Location::InPerson),
        "link" => Some(Location::Link),
        _ => None,
    };
    let refused = |error: FieldError| EventStep {
        title: form.title.clone(),
        duration: form.duration.clone(),
        location: form.location.clone(),
        location_detail: form.location_detail.clone(),
        error: Some(error),
    };
    let Some(location) = location else {
        let step = refused(FieldError::new("location", "Choose where the meeting happens."));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&state, &user, None, Some(step)).await?).into_response());
    };
    let Ok(duration) = form.duration.trim().parse::<i64>() else {
        let step = refused(FieldError::new("duration_minutes", "The duration must be 5 to 720 minutes."));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&state, &user, None, Some(step)).await?).into_response());
    };
    let input = EventTypeInput {
        title: Some(form.title.clone()),
        slug: Some(slug_of(&form.title)),
        duration_minutes: Some(duration),
        location: Some(location),
        location_detail: Some(form.location_detail.clone()),
        ..EventTypeInput::default()
    };
    match event_types::save(&state, &user.id, None, input).await {
        Ok(_) => Ok(Redirect::to("/welcome#step-link").into_response()),
        Err(EventTypeError::Invalid(invalid)) => {
            let step = refused(invalid.into());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&state, &user, None, Some(step)).await?).into_response())
        }
        Err(EventTypeError::SlugTaken) => {
            let step = refused(FieldError::new(
                "title",
                "You already have an event type with this link: give it another title.",
            ));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&state, &user, None, Some(step)).await?).into_response())
        }
        Err(e) => Err(super::PageError::internal(e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_come_from_titles() {
        assert_eq!(super::slug_of("30 minute meeting"), "30-minute-meeting");
        assert_eq!(super::slug_of("  Intro — call!! "), "intro-call");
        assert_eq!(super::slug_of("é"), "meeting");
    }
}
