//! Connected calendars (product.md §7): CalDAV accounts and ICS feeds, read into a busy-time cache
//! by the `calendar` queue, checked live at submit, and written back with each booking.
//!
//! Every URL a host gives (and every URL a CalDAV server answers with) is fetched through the one
//! guarded outbound client, so no connection reaches a private address unless the operator lists
//! it in `--allow-private-targets`.

pub mod conflicts;
pub mod connect;
pub mod oauth_connect;
pub mod remote;
pub mod sync;
pub mod writeback;

use secrecy::SecretString;

use crate::app::App;
use crate::secrets::{Binding, SecretBox};
use crate::store::calendars::ConnectionRow;
use crate::store::{Db, StoreError};

/// The field a connection's secret is sealed under (the CalDAV password, or the feed URL).
pub const SECRET_FIELD: &str = "calendar.secret";

/// The outbound side every calendar feature shares.
pub struct CalendarIntegration {
    pub http: outbound::GuardedClient,
}

impl CalendarIntegration {
    pub fn new(allow: outbound::AllowList) -> CalendarIntegration {
        CalendarIntegration { http: outbound::GuardedClient::new(allow, concat!("Prospo/", env!("CARGO_PKG_VERSION"))) }
    }
}

/// Why a calendar could not be connected, read or written. Each has the API's code.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("{0}")]
    InvalidUrl(String),
    #[error("This address points into a private network, which Prospo does not reach.")]
    NotAllowed,
    #[error("The server refused this username and password. For iCloud and Fastmail, use an app password.")]
    AuthFailed,
    #[error("No calendars were found at this address. Check the URL, or pick the preset of your provider.")]
    NotFound,
    #[error("This address does not answer with an iCalendar feed.")]
    IcsInvalid,
    #[error("The calendar is larger than 10 MB, which Prospo does not read.")]
    TooLarge,
    #[error("The calendar server did not answer: {0}. Try again in a minute.")]
    Unavailable(String),
    #[error("This calendar is read-only, so bookings cannot be added to it.")]
    NotWritable,
    /// The provider no longer honours the connection's grant (revoked, a permission removed).
    #[error("{0}")]
    Reconnect(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl CalendarError {
    /// The code the API and the connection card show.
    pub fn code(&self) -> &'static str {
        match self {
            CalendarError::InvalidUrl(_) => "invalid_url",
            CalendarError::NotAllowed => "url_not_allowed",
            CalendarError::AuthFailed => "caldav_auth_failed",
            CalendarError::NotFound => "caldav_not_found",
            CalendarError::IcsInvalid => "ics_invalid",
            CalendarError::TooLarge => "ics_too_large",
            CalendarError::Unavailable(_) => "calendar_unavailable",
            CalendarError::NotWritable => "not_writable",
            CalendarError::Reconnect(_) => "reconnect_required",
            CalendarError::Store(_) | CalendarError::Internal(_) => "internal",
        }
    }
}

impl From<outbound::OutboundError> for CalendarError {
    fn from(e: outbound::OutboundError) -> Self {
        use outbound::OutboundError as O;
        match e {
            O::InvalidUrl(message) => CalendarError::InvalidUrl(message),
            O::Unresolvable => {
                CalendarError::InvalidUrl("This server's name does not resolve. Check the address.".into())
            }
            O::NotAllowed => CalendarError::NotAllowed,
            O::InsecureCredentials => CalendarError::InvalidUrl(
                "Prospo sends calendar passwords only over https://. Use the server's https:// address.".into(),
            ),
            O::TooLarge { .. } => CalendarError::TooLarge,
            O::TooManyRedirects => CalendarError::Unavailable("too many redirects".into()),
            O::Timeout => CalendarError::Unavailable("no answer in time".into()),
            O::Unreachable(why) => CalendarError::Unavailable(why),
        }
    }
}

impl From<calendars::caldav::CalDavError> for CalendarError {
    fn from(e: calendars::caldav::CalDavError) -> Self {
        use calendars::caldav::CalDavError as C;
        match e {
            C::AuthFailed => CalendarError::AuthFailed,
            C::NotFound => CalendarError::NotFound,
            C::Outbound(e) => e.into(),
            C::Unavailable(why) => CalendarError::Unavailable(why),
            C::PreconditionFailed => CalendarError::Unavailable("the event changed meanwhile".into()),
            C::Protocol(why) => CalendarError::Unavailable(format!("an answer Prospo could not read ({why})")),
        }
    }
}

/// Opens a connection's sealed secret.
pub fn open_secret(secrets: &SecretBox, connection: &ConnectionRow) -> anyhow::Result<SecretString> {
    let sealed = connection
        .secret_sealed
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("calendar connection {} has no secret of its own", connection.id))?;
    secrets
        .open_str(sealed, Binding { owner: &connection.user_id, field: SECRET_FIELD })
        .map_err(|e| anyhow::anyhow!("calendar connection {}: {e}", connection.id))
}

/// Re-seals every calendar secret with `new_box`'s current key (after `keys rotate`).
pub async fn reseal_all(db: &Db, old_box: &SecretBox, new_box: &SecretBox) -> anyhow::Result<usize> {
    let mut count = 0;
    for (id, owner, sealed) in db.sealed_calendar_secrets().await? {
        let binding = Binding { owner: &owner, field: SECRET_FIELD };
        let plain = old_box.open(&sealed, binding).map_err(|e| anyhow::anyhow!("calendar connection {id}: {e}"))?;
        db.replace_sealed_calendar_secret(&id, &new_box.seal(&plain, binding)).await?;
        count += 1;
    }
    Ok(count)
}

/// The span the cache covers for a host: from a day ago to the end of their longest booking window
/// (at least 60 days) and two days more, so every slot the booking pages offer is covered.
pub async fn cache_span(app: &App, user_id: &str) -> Result<(i64, i64), StoreError> {
    const DAY_MS: i64 = 24 * 3600 * 1000;
    let longest = app.db.event_types_of(user_id).await?.iter().map(|e| e.booking_window_days).max().unwrap_or(60);
    let now = app.now_ms();
    Ok((now - DAY_MS, now + (longest.clamp(60, 366) + 2) * DAY_MS))
}

/// The zone floating and all-day events are read in: the host's availability zone.
pub async fn host_zone(app: &App, user_id: &str) -> Result<String, StoreError> {
    Ok(crate::scheduling::availability::load_input(&app.db, user_id).await?.timezone)
}

/// The feed's host, as CONNECTION's `account` shows an ICS feed.
pub fn feed_host(url: &url::Url) -> String {
    url.host_str().unwrap_or_default().to_owned()
}

/// `webcal://` is `https://`.
pub fn parse_calendar_url(raw: &str) -> Result<url::Url, CalendarError> {
    let raw = raw.trim();
    let raw = match raw.strip_prefix("webcal://") {
        Some(rest) => format!("https://{rest}"),
        None => raw.to_owned(),
    };
    let url = url::Url::parse(&raw)
        .map_err(|_| CalendarError::InvalidUrl("Give the full address, starting with https://.".into()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CalendarError::InvalidUrl("Give an https:// address.".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CalendarError::InvalidUrl(
            "Put the username and password in their fields, not in the address.".into(),
        ));
    }
    Ok(url)
}
