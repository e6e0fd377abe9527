//! Settings → Calendars: connected calendars with their status, what each calendar is used for,
//! Sync now, Remove, and the forms to add a CalDAV account or an ICS feed (product.md §7).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Router, body::Bytes};
use axum_extra::extract::CookieJar;
use secrecy::SecretString;
use serde::Deserialize;

use super::{Frame, Moment, PageResult, flash};
use crate::http::AppState;
use crate::http::api::calendars::masked_feed;
use crate::http::pages::PageUser;
use crate::integrations::calendars::sync::connection_label;
use crate::integrations::calendars::{CalendarError, connect, sync};
use crate::store::accounts::UserRow;
use crate::store::calendars::{CalendarRow, ConnectionRow, ConnectionStatus, Provider};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/calendars", get(calendars_page))
        .route("/settings/calendars/caldav", post(add_caldav))
        .route("/settings/calendars/ics", post(add_ics))
        .route("/settings/calendars/choices", post(save_choices))
        .route("/settings/calendars/{id}/sync", post(sync_now))
        .route("/settings/calendars/{id}/remove", post(remove))
}

/// Providers whose CalDAV address is known: the preset fills the URL field.
pub struct Preset {
    pub key: &'static str,
    pub name: &'static str,
    pub url: &'static str,
    pub help: &'static str,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        key: "icloud",
        name: "iCloud",
        url: "https://caldav.icloud.com/",
        help: "Use your Apple ID and an app-specific password from account.apple.com → Sign-In and Security.",
    },
    Preset {
        key: "fastmail",
        name: "Fastmail",
        url: "https://caldav.fastmail.com/",
        help: "Use your Fastmail address and an app password (Settings → Privacy & Security → App passwords).",
    },
    Preset {
        key: "nextcloud",
        name: "Nextcloud",
        url: "https://YOUR-SERVER/remote.php/dav/",
        help: "Replace YOUR-SERVER with your Nextcloud's address; an app password is under Settings → Security.",
    },
    Preset {
        key: "other",
        name: "Other CalDAV server",
        url: "",
        help: "Paste the server's address, your principal's, or one calendar's: Prospo finds the rest.",
    },
];

struct ConnectionCard {
    id: String,
    label: String,
    needs_attention: bool,
    error: Option<String>,
    account: String,
    url: Option<String>,
    last_synced: Option<Moment>,
    calendars: Vec<CalendarRow>,
    read_only: bool,
    /// Google and Microsoft: where **Reconnect** starts the consent again.
    reconnect_url: Option<String>,
}

/// A provider the operator set up for one-click connections.
struct OneClick {
    id: &'static str,
    title: &'static str,
    button: &'static str,
    url: &'static str,
    about: &'static str,
}

/// The one-click connections this Prospo offers (product.md §9): none without the operator's apps.
fn one_click(state: &AppState) -> Vec<OneClick> {
    use crate::integrations::oauth::OAuthProvider;
    let mut offers = Vec::new();
    if state.oauth.offers(OAuthProvider::Google) {
        offers.push(OneClick {
            id: "google",
            title: "Google Calendar",
            button: "Connect Google Calendar",
            url: "/api/v1/calendars/connect/google",
            about: "Sign in with Google: Prospo reads your busy times and adds bookings to the calendar you choose.",
        });
    }
    if state.oauth.offers(OAuthProvider::Microsoft) {
        offers.push(OneClick {
            id: "microsoft",
            title: "Outlook / Microsoft 365",
            button: "Connect Outlook / Microsoft 365",
            url: "/api/v1/calendars/connect/microsoft",
            about: "Work, school or Outlook.com accounts: Prospo reads your busy times and adds bookings to the calendar you choose.",
        });
    }
    offers
}

/// What was typed into one of the add forms, and where a problem shows.
#[derive(Default)]
struct AddForm {
    preset: String,
    url: String,
    username: String,
    name: String,
    /// (field, message)
    error: Option<(&'static str, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendars.html")]
struct CalendarsPage {
    frame: Frame,
    connections: Vec<ConnectionCard>,
    caldav: AddForm,
    ics: AddForm,
    presets: &'static [Preset],
    one_click: Vec<OneClick>,
    /// `prospo demo`: its own feed, offered in the ICS form.
    demo_feed_url: Option<String>,
}

impl CalendarsPage {
    /// The CalDAV form's field a problem is about ("" when none).
    fn caldav_error_field(&self) -> &'static str {
        self.caldav.error.as_ref().map_or("", |(field, _)| field)
    }

    fn has_write_calendar(&self) -> bool {
        self.connections.iter().flat_map(|c| &c.calendars).any(|c| c.write_bookings)
    }
}

async fn page(
    state: &AppState,
    user: &UserRow,
    frame: Frame,
    caldav: AddForm,
    ics: AddForm,
) -> PageResult<CalendarsPage> {
    let connections = state.db.calendar_connections_of(&user.id).await?;
    let calendars = state.db.calendars_of_user(&user.id).await?;
    let cards = connections
        .iter()
        .map(|c| card(state, user, c, calendars.iter().filter(|cal| cal.connection_id == c.id).cloned().collect()))
        .collect();
    Ok(CalendarsPage {
        frame,
        connections: cards,
        caldav: AddForm { preset: if caldav.preset.is_empty() { "icloud".into() } else { caldav.preset }, ..caldav },
        ics,
        presets: PRESETS,
        one_click: one_click(state),
        demo_feed_url: state.demo_feed_url.clone(),
    })
}

fn card(state: &AppState, user: &UserRow, connection: &ConnectionRow, calendars: Vec<CalendarRow>) -> ConnectionCard {
    ConnectionCard {
        id: connection.id.clone(),
        label: connection_label(connection),
        needs_attention: connection.status == ConnectionStatus::NeedsAttention,
        error: connection.error_message.clone(),
        account: connection.account.clone(),
        url: match connection.provider {
            Provider::CalDav => connection.url.clone(),
            Provider::Ics => Some(masked_feed(state, connection)),
            Provider::Google | Provider::Microsoft => None,
        },
        last_synced: connection.last_synced_at.map(|ms| Moment::of(ms, user)),
        calendars,
        read_only: connection.provider == Provider::Ics,
        reconnect_url: connection
            .provider
            .oauth()
            .filter(|p| state.oauth.offers(*p))
            .map(|p| format!("/api/v1/calendars/connect/{p}")),
    }
}

async fn calendars_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let frame = Frame::for_user("Calendars", "settings", &user, flash);
    Ok((jar, page(&state, &user, frame, AddForm::default(), AddForm::default()).await?).into_response())
}

/// Where a connect problem shows.
fn field_of(e: &CalendarError) -> &'static str {
    match e {
        CalendarError::AuthFailed => "password",
        _ => "url",
    }
}

/// The page again (422, or 503 when the server did not answer) with the problem beside its field
/// and what was typed (never the password).
async fn refused(
    state: &AppState,
    user: &UserRow,
    e: CalendarError,
    caldav: AddForm,
    ics: AddForm,
) -> PageResult<Response> {
    let status = match &e {
        CalendarError::Store(_) | CalendarError::Internal(_) => return Err(super::PageError::internal(e)),
        CalendarError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let frame = Frame::for_user("Calendars", "settings", user, None);
    Ok((status, page(state, user, frame, caldav, ics).await?).into_response())
}

#[derive(Deserialize)]
pub struct CalDavForm {
    #[serde(default)]
    preset: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn add_caldav(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    axum::Form(form): axum::Form<CalDavForm>,
) -> PageResult<Response> {
    let password = SecretString::from(form.password);
    match connect::connect_caldav(&state, &user.id, &form.url, &form.username, password).await {
        Ok(id) => {
            let count = state.db.calendars_of_connection(&id).await?.len();
            let message = format!(
                "Connected: {count} calendar{} found. Choose below which ones to check for conflicts.",
                if count == 1 { "" } else { "s" }
            );
            Ok((flash::set(jar, "success", &message), Redirect::to("/settings/calendars")).into_response())
        }
        Err(e) => {
            let typed = AddForm {
                preset: form.preset,
                url: form.url,
                username: form.username,
                name: String::new(),
                error: Some((field_of(&e), e.to_string())),
            };
            refused(&state, &user, e, typed, AddForm::default()).await
        }
    }
}

#[derive(Deserialize)]
pub struct IcsForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    name: String,
}

async fn add_ics(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    axum::Form(form): axum::Form<IcsForm>,
) -> PageResult<Response> {
    match connect::connect_ics(&state, &user.id, &form.url, Some(&form.name)).await {
        Ok(_) => {
            let message = "Feed added: its busy times now block your booking pages.";
            Ok((flash::set(jar, "success", message), Redirect::to("/settings/calendars")).into_response())
        }
        Err(e) => {
            let typed = AddForm {
                url: form.url,
                name: form.name,
                error: Some(("ics_url", e.to_string())),
                ..AddForm::default()
            };
            refused(&state, &user, e, AddForm::default(), typed).await
        }
    }
}

/// The choices form: `check` once per calendar to check for conflicts, `write` the one calendar to
/// add bookings to (or `none`).
async fn save_choices(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    body: Bytes,
) -> PageResult<Response> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let checked: Vec<&str> = pairs.iter().filter(|(k, _)| k == "check").map(|(_, v)| v.as_str()).collect();
    let write = pairs.iter().find(|(k, _)| k == "write").map(|(_, v)| v.as_str()).unwrap_or("none");
    let calendars = state.db.calendars_of_user(&user.id).await?;
    // The write calendar first, so turning it on elsewhere happens once.
    let mut ordered: Vec<&CalendarRow> = calendars.iter().collect();
    ordered.sort_by_key(|c| c.id != write);
    for calendar in ordered {
        let check = checked.contains(&calendar.id.as_str());
        let wants_write = calendar.id == write && calendar.writable;
        if check != calendar.check_conflicts || wants_write != calendar.write_bookings {
            match connect::set_choices(&state, calendar, Some(check), Some(wants_write)).await {
                Ok(()) | Err(CalendarError::NotWritable) => {}
                Err(e) => return Err(super::PageError::internal(e)),
            }
        }
    }
    let jar = flash::set(jar, "success", "Calendar choices saved.");
    Ok((jar, Redirect::to("/settings/calendars")).into_response())
}

async fn owned(state: &AppState, user: &UserRow, id: &str) -> PageResult<ConnectionRow> {
    match state.db.calendar_connection(id).await? {
        Some(connection) if connection.user_id == user.id => Ok(connection),
        _ => Err(super::PageError::NotFound),
    }
}

async fn sync_now(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let connection = owned(&state, &user, &id).await?;
    let jar = match sync::sync_connection(&state, &connection).await {
        Ok(()) => flash::set(jar, "success", "Synced just now."),
        Err(e @ (CalendarError::Store(_) | CalendarError::Internal(_))) => return Err(super::PageError::internal(e)),
        Err(e) => flash::set(jar, "error", &format!("Could not read {}: {e}", connection_label(&connection))),
    };
    Ok((jar, Redirect::to("/settings/calendars")).into_response())
}

async fn remove(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let connection = owned(&state, &user, &id).await?;
    connect::disconnect(&state, &connection).await.map_err(super::PageError::internal)?;
    let message =
        format!("{} removed. Events Prospo already added stay in that calendar.", connection_label(&connection));
    Ok((flash::set(jar, "success", &message), Redirect::to("/settings/calendars")).into_response())
}
