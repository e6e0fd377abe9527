//! Server-rendered pages. Each page template extends `base.html` and carries a [`Frame`].

mod accounts;
mod availability;
mod booking;
mod calendars;
mod embed;
mod event_types;
mod flash;
mod integrations;
mod language;
mod meetings;
mod oauth;
mod page_user;
mod profile;
mod profile_settings;
mod question_editor;
mod recordings;
mod teams;
mod tokens;
mod view;
mod webhooks;
mod welcome;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub use flash::Flash;
pub use language::{LangLink, Visitor, error_language, host_locale, location_label, with_lang};
pub use page_user::PageUser;

use super::AppState;
use crate::store::accounts::UserRow;
use crate::timefmt::{human_ms, rfc3339_ms};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .merge(accounts::router())
        .merge(tokens::router())
        .merge(webhooks::router())
        .merge(integrations::router())
        .merge(calendars::router())
        .merge(oauth::router())
        .merge(welcome::router())
        .merge(event_types::router())
        .merge(availability::router())
        .merge(meetings::router())
        .merge(recordings::router())
        .merge(profile_settings::router())
        .merge(teams::router())
        // Last: `/{username}` and `/{username}/{slug}` take only what no static route above matches.
        .merge(profile::router())
        .merge(booking::router())
}

async fn home(user: Option<PageUser>) -> Redirect {
    match user {
        Some(_) => Redirect::to("/meetings"),
        None => Redirect::to("/login"),
    }
}

/// What the layout needs besides the page's own content.
pub struct Frame {
    pub title: String,
    /// Which navigation entry is current ("meetings", "settings", ...).
    pub active: &'static str,
    pub user: Option<NavUser>,
    pub flash: Option<Flash>,
    /// Public pages that need room (the booking calendar) use a wider column.
    pub wide: bool,
    /// Shown inside another site (`?embed=1`): no navigation, the site's options.
    pub embed: Option<embed::Embed>,
    /// The page's language (host pages: English).
    pub t: crate::i18n::Tr,
    /// A public page in the other languages (empty on host pages).
    pub languages: Vec<LangLink>,
}

pub struct NavUser {
    pub name: String,
    pub email: String,
    /// The email is not confirmed yet: every page offers to send the link again.
    pub unverified: bool,
}

impl Frame {
    pub fn public(title: impl Into<String>) -> Frame {
        Frame {
            title: title.into(),
            active: "",
            user: None,
            flash: None,
            wide: false,
            embed: None,
            t: crate::i18n::Tr::EN,
            languages: Vec::new(),
        }
    }

    /// A public page for invitees, in `locale`, with links to it in the other languages.
    pub fn for_invitee(title: impl Into<String>, visitor: &Visitor, locale: crate::i18n::Locale) -> Frame {
        Frame { t: crate::i18n::Tr::new(locale), languages: visitor.links(locale), ..Frame::public(title) }
    }

    /// The words of the page's script, as a JSON data block's text.
    pub fn script_messages(&self) -> String {
        language::script_messages(self.t)
    }

    pub fn for_user(title: impl Into<String>, active: &'static str, user: &UserRow, flash: Option<Flash>) -> Frame {
        Frame {
            title: title.into(),
            active,
            user: Some(NavUser {
                name: user.name.clone(),
                email: user.email.clone(),
                unverified: user.email_verified_at.is_none(),
            }),
            flash,
            wide: false,
            embed: None,
            t: crate::i18n::Tr::EN,
            languages: Vec::new(),
        }
    }
}

/// An instant as a page shows it: `<time datetime="{{ m.datetime }}" data-relative>{{ m.text }}</time>`;
/// app.js turns the text into "5 minutes ago" and keeps this exact text as its title.
pub struct Moment {
    /// RFC 3339, for `datetime`.
    pub datetime: String,
    /// For people, with its zone: "Sat 28 Nov 2026, 14:14 UTC".
    pub text: String,
}

impl Moment {
    /// `ms` in the user's time zone (UTC when they have none).
    pub fn of(ms: i64, user: &UserRow) -> Moment {
        Moment { datetime: rfc3339_ms(ms), text: human_ms(ms, user.timezone.as_deref()) }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Frame,
    heading: String,
    detail: String,
}

/// Errors of page handlers: a redirect to log in, or an error page in the frame.
#[derive(Debug)]
pub enum PageError {
    LoginRequired {
        next: String,
    },
    NotFound,
    Internal,
    /// A form sent again while its first sending is still being answered.
    StillWorking,
}

impl PageError {
    pub fn internal(cause: impl std::fmt::Debug) -> PageError {
        tracing::error!(error = ?cause, "internal error on a page");
        PageError::Internal
    }
}

impl<E: Into<anyhow::Error>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError::internal(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, heading) = match self {
            PageError::LoginRequired { next } => {
                let target = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                return Redirect::to(&target).into_response();
            }
            PageError::NotFound => (StatusCode::NOT_FOUND, "error-page-not-found"),
            PageError::StillWorking => (StatusCode::CONFLICT, "error-page-still-working"),
            PageError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "error-page-internal"),
        };
        // In the visitor's language: an invitee's link to a booking that is gone lands here.
        let t = language::error_tr();
        let (heading, detail) = (t.get(heading), t.get(&format!("{heading}-detail")));
        let page = ErrorPage { frame: Frame { t, ..Frame::public(heading.clone()) }, heading, detail };
        (status, page).into_response()
    }
}

pub type PageResult<T> = Result<T, PageError>;

/// `path` when it is a path of this site, else `fallback`: no scheme, no host, no backslash, and no
/// control or space characters (browsers drop tabs and line breaks, so `/<TAB>/evil.example` reads
/// as `//evil.example`; a line break cannot go in a `Location` at all). For every redirect whose
/// target comes from the request.
pub fn local_path_or<'a>(path: &'a str, fallback: &'a str) -> &'a str {
    let local = path.starts_with('/')
        && !path.starts_with("//")
        && path.chars().all(|c| c.is_ascii_graphic() && c != '\\')
        && url::Url::parse("https://prospo.invalid")
            .and_then(|base| base.join(path))
            .is_ok_and(|joined| joined.host_str() == Some("prospo.invalid"));
    if local { path } else { fallback }
}

/// The zone the host reads times in on every page: their own, else their availability's.
pub async fn host_zone(state: &AppState, user: &crate::store::accounts::UserRow) -> PageResult<String> {
    match user.timezone.as_deref().filter(|z| !z.is_empty()) {
        Some(zone) => Ok(zone.to_owned()),
        None => Ok(crate::scheduling::availability::load_input(&state.db, &user.id).await?.timezone),
    }
}
