//! Settings → Webhooks: the user's outgoing webhook endpoints, their secrets (shown once), and
//! each endpoint's delivery log with Redeliver.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::{Frame, Moment, PageError, PageResult, flash};
use crate::http::AppState;
use crate::http::pages::PageUser;
use crate::integrations::webhooks::{self, EndpointError, RedeliverError};
use crate::secrets::Binding;
use crate::store::accounts::UserRow;
use crate::store::outgoing_webhooks::{DeliveryStatus, EndpointStatus, EventType};

const PATH: &str = "/settings/webhooks";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PATH, get(webhooks_page).post(add_endpoint))
        .route("/settings/webhooks/{id}/rotate", post(rotate))
        .route("/settings/webhooks/{id}/delete", post(delete))
        .route("/settings/webhooks/{id}/resume", post(resume))
        .route("/settings/webhooks/{id}/deliveries/{delivery_id}/redeliver", post(redeliver))
}

struct EndpointView {
    id: String,
    url: String,
    events: Vec<&'static str>,
    paused: bool,
    failing_since: Option<Moment>,
    deliveries: Vec<DeliveryView>,
}

struct DeliveryView {
    id: String,
    event: &'static str,
    status: &'static str,
    badge: &'static str,
    attempts: i64,
    last_status_code: Option<i64>,
    last_answer: Option<String>,
    created_at: Moment,
    can_redeliver: bool,
}

/// A secret just made and the URL of the endpoint it signs for.
struct NewSecret {
    url: String,
    secret: String,
}

/// An event's checkbox on the add form.
struct EventChoice {
    name: &'static str,
    help: &'static str,
    checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    frame: Frame,
    endpoints: Vec<EndpointView>,
    /// A secret just made, with its endpoint's URL: shown this once.
    new_secret: Option<NewSecret>,
    url: String,
    choices: Vec<EventChoice>,
    /// The add form's problem, beside its field: ("url" or "events", message).
    error: Option<(&'static str, String)>,
}

impl WebhooksPage {
    /// The add form's field with the problem, or "".
    fn error_field(&self) -> &'static str {
        self.error.as_ref().map_or("", |(field, _)| *field)
    }
}

fn help(event: EventType) -> &'static str {
    match event {
        EventType::BookingCreated => "A meeting is booked or scheduled.",
        EventType::BookingRescheduled => "A meeting moves to another time.",
        EventType::BookingCancelled => "A meeting is cancelled.",
        EventType::MeetingZoomReady => "The Zoom meeting exists and its join link is ready.",
        EventType::RecordingReady => "Zoom finished a meeting's cloud recording.",
    }
}

async fn render(
    state: &AppState,
    user: &UserRow,
    frame: Frame,
    new_secret: Option<(String, String)>,
    form: (String, Vec<EventType>, Option<(&'static str, String)>),
) -> PageResult<WebhooksPage> {
    let mut endpoints = Vec::new();
    for row in state.db.webhook_endpoints_of(&user.id).await? {
        let deliveries = state
            .db
            .webhook_deliveries_of(&row.id)
            .await?
            .into_iter()
            .map(|d| DeliveryView {
                event: d.event_type.as_str(),
                status: d.status.as_str(),
                badge: match d.status {
                    DeliveryStatus::Delivered => "badge-green",
                    DeliveryStatus::Pending => "badge-amber",
                    DeliveryStatus::Failed => "badge-red",
                },
                attempts: d.attempts,
                last_status_code: d.last_status_code,
                last_answer: d.last_answer,
                created_at: Moment::of(d.created_at, user),
                can_redeliver: d.body.is_some(),
                id: d.id,
            })
            .collect();
        endpoints.push(EndpointView {
            events: row.events().into_iter().map(EventType::as_str).collect(),
            paused: row.status == EndpointStatus::Paused,
            failing_since: row.failing_since.map(|ms| Moment::of(ms, user)),
            deliveries,
            id: row.id,
            url: row.url,
        });
    }
    let (url, checked, error) = form;
    let choices = EventType::ALL
        .iter()
        .map(|&e| EventChoice { name: e.as_str(), help: help(e), checked: checked.contains(&e) })
        .collect();
    // Named by its endpoint, so a rotation among several endpoints is not ambiguous.
    let new_secret = new_secret.and_then(|(id, secret)| {
        endpoints.iter().find(|e| e.id == id).map(|e| NewSecret { url: e.url.clone(), secret })
    });
    Ok(WebhooksPage { frame, endpoints, new_secret, url, choices, error })
}

/// Carries a secret just made from the POST to the page its redirect loads (so a reload makes
/// nothing): sealed for this user and page, briefly.
const NEW_SECRET_COOKIE: &str = "prospo_new_webhook_secret";

fn new_secret_binding(user_id: &str) -> Binding<'_> {
    Binding { owner: user_id, field: "page.new_webhook_secret" }
}

/// Carries `endpoint_id secret` (an id has no space).
fn with_secret(state: &AppState, user: &UserRow, jar: CookieJar, endpoint_id: &str, secret: &str) -> CookieJar {
    let carried = format!("{endpoint_id} {secret}");
    let sealed = URL_SAFE_NO_PAD.encode(state.secrets.seal_str(&carried, new_secret_binding(&user.id)));
    jar.add(
        Cookie::build((NEW_SECRET_COOKIE, sealed))
            .path(PATH)
            .http_only(true)
            .same_site(SameSite::Strict)
            .max_age(cookie::time::Duration::minutes(2)),
    )
}

async fn webhooks_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let new_secret = jar
        .get(NEW_SECRET_COOKIE)
        .and_then(|cookie| URL_SAFE_NO_PAD.decode(cookie.value()).ok())
        .and_then(|sealed| state.secrets.open_str(&sealed, new_secret_binding(&user.id)).ok())
        .and_then(|carried| {
            let (id, secret) = carried.expose_secret().split_once(' ')?;
            Some((id.to_owned(), secret.to_owned()))
        });
    let jar = jar.remove(Cookie::build(NEW_SECRET_COOKIE).path(PATH));
    let frame = Frame::for_user("Webhooks", "settings", &user, flash);
    let form = (String::new(), vec![EventType::BookingCreated], None);
    Ok((jar, render(&state, &user, frame, new_secret, form).await?).into_response())
}

/// The add form: one checkbox per event, named by the event.
#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    url: String,
    #[serde(rename = "booking.created")]
    booking_created: Option<String>,
    #[serde(rename = "booking.rescheduled")]
    booking_rescheduled: Option<String>,
    #[serde(rename = "booking.cancelled")]
    booking_cancelled: Option<String>,
    #[serde(rename = "meeting.zoom_ready")]
    meeting_zoom_ready: Option<String>,
    #[serde(rename = "recording.ready")]
    recording_ready: Option<String>,
}

impl AddForm {
    fn events(&self) -> Vec<EventType> {
        [
            (&self.booking_created, EventType::BookingCreated),
            (&self.booking_rescheduled, EventType::BookingRescheduled),
            (&self.booking_cancelled, EventType::BookingCancelled),
            (&self.meeting_zoom_ready, EventType::MeetingZoomReady),
            (&self.recording_ready, EventType::RecordingReady),
        ]
        .into_iter()
        .filter(|(ticked, _)| ticked.is_some())
        .map(|(_, e)| e)
        .collect()
    }
}

async fn add_endpoint(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<AddForm>,
) -> PageResult<Response> {
    let events = form.events();
    match webhooks::create_endpoint(&state, &user.id, &form.url, &events).await {
        Ok((row, secret)) => {
            let jar = with_secret(&state, &user, jar, &row.id, secret.expose_secret());
            let jar = flash::set(jar, "success", "The endpoint was added. Copy its signing secret now.");
            Ok((jar, Redirect::to(PATH)).into_response())
        }
        Err(EndpointError::Store(e)) => Err(e.into()),
        Err(e) => {
            let field = if matches!(e, EndpointError::NoEvents) { "events" } else { "url" };
            let frame = Frame::for_user("Webhooks", "settings", &user, None);
            let page =
                render(&state, &user, frame, None, (form.url.clone(), events, Some((field, e.to_string())))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

async fn rotate(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let jar = match webhooks::rotate_secret(&state, &user.id, &id).await? {
        Some(secret) => {
            let jar = with_secret(&state, &user, jar, &id, secret.expose_secret());
            flash::set(jar, "success", "The secret was replaced. Deliveries from now on are signed with the new one.")
        }
        None => return Err(PageError::NotFound),
    };
    Ok((jar, Redirect::to(PATH)).into_response())
}

async fn delete(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let jar = if state.db.delete_webhook_endpoint(&user.id, &id).await? {
        flash::set(jar, "success", "The endpoint was deleted. Nothing more is sent to it.")
    } else {
        flash::set(jar, "error", "That endpoint does not exist (it may already be deleted).")
    };
    Ok((jar, Redirect::to(PATH)).into_response())
}

async fn resume(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> PageResult<Response> {
    if !webhooks::resume(&state, &user.id, &id).await? {
        return Err(PageError::NotFound);
    }
    let jar = flash::set(jar, "success", "The endpoint is active again: it is told of events from now on.");
    Ok((jar, Redirect::to(PATH)).into_response())
}

async fn redeliver(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path((id, delivery_id)): Path<(String, String)>,
) -> PageResult<Response> {
    let jar = match webhooks::redeliver(&state, &user.id, &id, &delivery_id).await {
        Ok(()) => {
            flash::set(jar, "success", "The delivery is on its way again, with the same ids. Its answer shows below.")
        }
        Err(RedeliverError::NotFound) => return Err(PageError::NotFound),
        Err(RedeliverError::Store(e)) => return Err(e.into()),
        Err(e) => flash::set(jar, "error", &e.to_string()),
    };
    Ok((jar, Redirect::to(PATH)).into_response())
}
