//! Availability: the host's time zone, weekly hours (several intervals a day) and date overrides.
//!
//! The form posts indexed fields (`mon.0.start`, `ov.1.date`, …) so rows can be added and removed in
//! the browser; without JavaScript each day and the overrides carry one spare empty row.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Router, body::Bytes};
use axum_extra::extract::CookieJar;

use super::view::time_zones;
use super::{Frame, PageResult, flash};
use crate::domain::slots::{AvailabilityError, AvailabilityInput, OverrideInput, WEEKDAY_KEYS};
use crate::http::AppState;
use crate::http::pages::PageUser;
use crate::scheduling::availability::{self, AvailabilityProblem};
use crate::store::accounts::UserRow;

pub fn router() -> Router<AppState> {
    Router::new().route("/availability", get(availability_page).post(save))
}

const WEEKDAY_NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// One weekday's row of the form.
struct DayRow {
    key: &'static str,
    name: &'static str,
    /// As typed; ends with one empty row (the spare for adding hours without JavaScript).
    intervals: Vec<[String; 2]>,
    error: Option<String>,
}

/// One interval of a date override (several rows may share a date).
struct OverrideRow {
    date: String,
    closed: bool,
    start: String,
    end: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "availability.html")]
struct AvailabilityPage {
    frame: Frame,
    timezone: String,
    /// The host never saved hours: the browser's zone is offered as a suggestion.
    suggest_browser_zone: bool,
    days: Vec<DayRow>,
    overrides: Vec<OverrideRow>,
    /// A problem with what was sent, shown above the form.
    error: Option<String>,
    timezone_error: bool,
    /// The override dates errors are about.
    override_error_dates: Vec<String>,
    zones: &'static [String],
    /// "Why is this time not free?" for the date asked for, if any.
    busy: Option<BusyPanel>,
}

/// One day's hours and busy intervals with their sources, in the host's zone.
struct BusyPanel {
    date: String,
    /// The date as people read it: "Fri 4 Dec 2026".
    label: String,
    /// "09:00–17:00", or "Closed".
    hours: String,
    timezone: String,
    lines: Vec<BusyLine>,
    /// The date could not be read.
    invalid: bool,
}

struct BusyLine {
    when: String,
    source: String,
    title: Option<String>,
    link: Option<String>,
}

fn blank() -> [String; 2] {
    [String::new(), String::new()]
}

impl AvailabilityPage {
    /// The stored zone is one the picker lists (else it is shown as an extra first option).
    fn zone_listed(&self) -> bool {
        self.zones.contains(&self.timezone)
    }

    fn new(frame: Frame, input: &AvailabilityInput, suggest_browser_zone: bool, errors: &[AvailabilityError]) -> Self {
        // Which day (or override date) each error is about, so its mark sits beside it.
        let about = |e: &AvailabilityError| match e {
            AvailabilityError::InvalidTime { day, .. }
            | AvailabilityError::ReversedInterval { day, .. }
            | AvailabilityError::EmptyInterval { day, .. }
            | AvailabilityError::OverlappingIntervals { day, .. } => day.clone(),
            AvailabilityError::DuplicateOverride(date) => date.to_string(),
            _ => String::new(),
        };
        let message = match errors {
            [] => None,
            [one] => Some(one.to_string()),
            many => Some(format!(
                "{} problems: {}",
                many.len(),
                many.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
            )),
        };
        let days = WEEKDAY_KEYS
            .iter()
            .zip(WEEKDAY_NAMES)
            .map(|(key, name)| {
                let mut intervals = input.weekly.get(*key).cloned().unwrap_or_default();
                intervals.push(blank());
                let error = errors.iter().find(|e| about(e) == name).map(ToString::to_string);
                DayRow { key, name, intervals, error }
            })
            .collect();
        let mut overrides: Vec<OverrideRow> = input
            .overrides
            .iter()
            .flat_map(|o| {
                if o.intervals.is_empty() {
                    vec![OverrideRow { date: o.date.clone(), closed: true, start: String::new(), end: String::new() }]
                } else {
                    o.intervals
                        .iter()
                        .map(|[start, end]| OverrideRow {
                            date: o.date.clone(),
                            closed: false,
                            start: start.clone(),
                            end: end.clone(),
                        })
                        .collect()
                }
            })
            .collect();
        overrides.push(OverrideRow { date: String::new(), closed: true, start: String::new(), end: String::new() });
        let override_error_dates =
            errors.iter().map(about).filter(|d| !d.is_empty() && !WEEKDAY_NAMES.contains(&d.as_str())).collect();
        AvailabilityPage {
            frame,
            timezone: input.timezone.clone(),
            suggest_browser_zone,
            days,
            overrides,
            timezone_error: errors.iter().any(|e| matches!(e, AvailabilityError::UnknownTimeZone(_))),
            override_error_dates,
            error: message,
            zones: time_zones(),
            busy: None,
        }
    }
}

fn frame(user: &UserRow, flash: Option<super::Flash>) -> Frame {
    Frame::for_user("Availability", "availability", user, flash)
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    busy_date: Option<String>,
}

async fn availability_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    axum::extract::Query(query): axum::extract::Query<PageQuery>,
) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let never_saved = state.db.availability_of(&user.id).await?.is_none();
    let input = availability::load_input(&state.db, &user.id).await?;
    let mut page = AvailabilityPage::new(frame(&user, flash), &input, never_saved, &[]);
    if let Some(raw) = query.busy_date.filter(|d| !d.trim().is_empty()) {
        page.busy = Some(busy_panel(&state, &user, raw.trim()).await?);
    }
    Ok((jar, page).into_response())
}

async fn busy_panel(state: &AppState, user: &UserRow, raw: &str) -> PageResult<BusyPanel> {
    use crate::scheduling::busy_day::{BusySource, busy_day};
    let Ok(date) = raw.parse::<jiff::civil::Date>() else {
        let timezone = String::new();
        return Ok(BusyPanel {
            date: raw.to_owned(),
            label: raw.to_owned(),
            hours: String::new(),
            timezone,
            lines: Vec::new(),
            invalid: true,
        });
    };
    let day = busy_day(state, &user.id, date).await.map_err(super::PageError::internal)?;
    let zone = jiff::tz::TimeZone::get(&day.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let clock = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_zoned(zone.clone()).strftime("%H:%M").to_string())
            .unwrap_or_default()
    };
    let hours = if day.hours.is_empty() {
        "Closed".to_owned()
    } else {
        day.hours.iter().map(|(a, b)| format!("{a}–{b}")).collect::<Vec<_>>().join(", ")
    };
    let lines = day
        .busy
        .into_iter()
        .map(|b| {
            let when = format!("{}–{}", clock(b.start_ms), clock(b.end_ms));
            match b.source {
                BusySource::Meeting { meeting_id } => BusyLine {
                    when,
                    source: "Prospo meeting".to_owned(),
                    title: b.title,
                    link: Some(format!("/meetings/{meeting_id}")),
                },
                BusySource::Calendar { calendar_name, .. } => {
                    BusyLine { when, source: format!("Calendar “{calendar_name}”"), title: b.title, link: None }
                }
            }
        })
        .collect();
    let label = date.strftime("%a %-d %b %Y").to_string();
    Ok(BusyPanel { date: date.to_string(), label, hours, timezone: day.timezone, lines, invalid: false })
}

/// Reads the indexed form fields into the API's input; rows left empty are dropped.
fn parse_form(body: &[u8]) -> AvailabilityInput {
    let mut timezone = String::new();
    // (day or "ov", row index) → field → value; the BTreeMap keeps rows in index order.
    let mut rows: BTreeMap<(String, u32), BTreeMap<String, String>> = BTreeMap::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if key == "timezone" {
            timezone = value.trim().to_owned();
            continue;
        }
        let mut parts = key.splitn(3, '.');
        if let (Some(group), Some(Ok(index)), Some(field)) =
            (parts.next(), parts.next().map(str::parse::<u32>), parts.next())
        {
            rows.entry((group.to_owned(), index)).or_default().insert(field.to_owned(), value.trim().to_owned());
        }
    }
    let mut weekly: BTreeMap<String, Vec<[String; 2]>> = BTreeMap::new();
    let mut overrides: Vec<OverrideInput> = Vec::new();
    for ((group, _), fields) in rows {
        let get = |f: &str| fields.get(f).cloned().unwrap_or_default();
        // "9am", "5:30pm", "930": kept as typed when it is no time, so it is refused and shown.
        let clock = |f: &str| {
            let typed = get(f);
            crate::domain::slots::normalize_clock(&typed).unwrap_or(typed)
        };
        let (start, end) = (clock("start"), clock("end"));
        if group == "ov" {
            let date = get("date");
            let closed = get("kind") != "hours";
            // A row left blank is no override; one with hours but no date (a date the browser
            // could not read, say) is kept, so that it is refused and shown rather than lost.
            if date.is_empty() && (closed || (start.is_empty() && end.is_empty())) {
                continue;
            }
            let at = match overrides.iter().position(|o| o.date == date) {
                Some(at) => at,
                None => {
                    overrides.push(OverrideInput { date: date.clone(), intervals: Vec::new() });
                    overrides.len() - 1
                }
            };
            if !closed {
                overrides[at].intervals.push([start, end]);
            }
        } else if WEEKDAY_KEYS.contains(&group.as_str()) && !(start.is_empty() && end.is_empty()) {
            weekly.entry(group).or_default().push([start, end]);
        }
    }
    AvailabilityInput { timezone, weekly, overrides }
}

async fn save(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    body: Bytes,
) -> PageResult<Response> {
    let input = parse_form(&body);
    match availability::save(&state, &user.id, &input).await {
        Ok(_) => {
            let jar = flash::set(jar, "success", "Your availability is saved. Booking pages show the new times now.");
            Ok((jar, Redirect::to("/availability")).into_response())
        }
        Err(AvailabilityProblem::Invalid(first)) => {
            let errors = every_problem(&input, first);
            let page = AvailabilityPage::new(frame(&user, None), &input, false, &errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(AvailabilityProblem::Store(e)) => Err(e.into()),
    }
}

/// Every problem of a refused availability, not just the first: each day and each override date
/// is checked alone (in UTC: the hours do not depend on the zone), so the page marks them all.
fn every_problem(input: &AvailabilityInput, first: AvailabilityError) -> Vec<AvailabilityError> {
    use crate::domain::slots::Availability;
    let alone = |weekly: BTreeMap<String, Vec<[String; 2]>>, overrides: Vec<OverrideInput>| {
        Availability::parse(&AvailabilityInput { timezone: "UTC".into(), weekly, overrides }).err()
    };
    let mut errors: Vec<AvailabilityError> = Vec::new();
    if matches!(first, AvailabilityError::UnknownTimeZone(_)) {
        errors.push(first.clone());
    }
    for day in WEEKDAY_KEYS {
        if let Some(intervals) = input.weekly.get(day) {
            errors.extend(alone(BTreeMap::from([(day.to_owned(), intervals.clone())]), Vec::new()));
        }
    }
    for o in &input.overrides {
        errors.extend(alone(BTreeMap::new(), vec![o.clone()]));
    }
    // What shows only across rows (the same date twice) is the first error itself.
    if !errors.contains(&first) {
        errors.push(first);
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_rows_become_weekly_hours_and_overrides() {
        let body = "timezone=Europe%2FBerlin&mon.0.start=09%3A00&mon.0.end=12%3A00&mon.3.start=13%3A00&mon.3.end=17%3A00\
                    &mon.4.start=&mon.4.end=&tue.0.start=&tue.0.end=\
                    &ov.0.date=2026-12-24&ov.0.kind=closed&ov.0.start=&ov.0.end=\
                    &ov.1.date=2026-12-31&ov.1.kind=hours&ov.1.start=10%3A00&ov.1.end=12%3A00\
                    &ov.2.date=&ov.2.kind=closed";
        let input = parse_form(body.as_bytes());
        assert_eq!(input.timezone, "Europe/Berlin");
        assert_eq!(input.weekly.len(), 1);
        assert_eq!(
            input.weekly["mon"],
            vec![["09:00".to_owned(), "12:00".to_owned()], ["13:00".into(), "17:00".into()]]
        );
        assert_eq!(input.overrides.len(), 2);
        assert!(input.overrides[0].intervals.is_empty());
        assert_eq!(input.overrides[1].intervals, vec![["10:00".to_owned(), "12:00".to_owned()]]);
    }
}
