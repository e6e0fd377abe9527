//! Google Calendar and Microsoft 365 connections: their calendars read through the provider's API
//! with the connection's OAuth access token. Each call gets a token from the OAuth core (refreshed
//! when near expiry); a 401 gets one newer token and one more try; a grant the provider no longer
//! honours is Needs attention with Reconnect.
//!
//! Busy times: the cache is read event by event (Google `events.list` with `singleEvents`, Graph
//! `calendarView`; both expand recurrences) because those carry the UIDs that tell Prospo's own
//! events apart and the change markers (Google's `syncToken`, Graph's delta link) that make the
//! periodic read cheap. The live check at submit asks Google's `freeBusy` for every conflict
//! calendar Prospo does not write into. Push notifications (`events.watch`, Graph subscriptions)
//! are a later step: the `calendar` queue polls every 5 minutes.

use std::future::Future;

use calendars::provider::{NewEvent, ProviderCalendar, ProviderError};
use calendars::{BusyEvent, GoogleCalendar, MicrosoftCalendar, Window};
use secrecy::SecretString;

use super::CalendarError;
use crate::app::App;
use crate::integrations::oauth::access::{self, AccessToken};
use crate::integrations::oauth::{OAuthError, OAuthProvider};
use crate::store::calendars::{CalendarRow, ConnectionRow, Provider};

/// One provider account, with one access token.
#[derive(Clone)]
pub enum Remote {
    Google(GoogleCalendar),
    /// With Graph's base: a delta link stored under another base (the operator moved
    /// `--microsoft-graph-url`, or the demo's sandbox got a new port) is read anew, not followed.
    Microsoft(MicrosoftCalendar, url::Url),
}

impl Remote {
    pub fn with_token(app: &App, provider: OAuthProvider, token: SecretString) -> Result<Remote, CalendarError> {
        let http = app.oauth.http.clone();
        Ok(match provider {
            OAuthProvider::Google => Remote::Google(GoogleCalendar::new(http, app.oauth.google_api.clone(), token)),
            OAuthProvider::Microsoft => {
                let base = app.oauth.microsoft_graph.clone();
                Remote::Microsoft(MicrosoftCalendar::new(http, base.clone(), token), base)
            }
            OAuthProvider::Zoom => {
                return Err(CalendarError::Internal(anyhow::anyhow!("a Zoom grant reads no calendars")));
            }
        })
    }

    /// The account's email and its calendars.
    pub async fn account(&self) -> Result<(String, Vec<ProviderCalendar>), ProviderError> {
        match self {
            Remote::Google(google) => {
                let calendars = google.calendars().await?;
                let email = calendars
                    .iter()
                    .find(|c| c.is_default)
                    .map(|c| c.id.clone())
                    .ok_or_else(|| ProviderError::Protocol("the calendar list has no primary calendar".into()))?;
                Ok((email, calendars))
            }
            Remote::Microsoft(graph, _) => Ok((graph.me().await?, graph.calendars().await?)),
        }
    }

    /// Every busy event of one calendar in the window, and its change marker now.
    pub async fn events(
        &self,
        calendar: &CalendarRow,
        window: Window,
        zone: &str,
    ) -> Result<(Vec<BusyEvent>, Option<String>), ProviderError> {
        match self {
            Remote::Google(google) => {
                let list = google.events(&calendar.href, window, zone).await?;
                Ok((list.events, list.sync_token))
            }
            Remote::Microsoft(graph, _) => {
                // The marker first: a change between the two reads shows at the next check.
                let marker = graph.changed_since(&calendar.href, window, None).await?.token;
                let events = graph.events(&calendar.href, window, zone).await?;
                Ok((events, Some(marker)))
            }
        }
    }

    /// Whether the calendar changed since `marker`, with the marker to keep. `None` when the
    /// marker is too old to tell (read everything).
    pub async fn unchanged_since(
        &self,
        calendar: &CalendarRow,
        marker: &str,
        window: Window,
    ) -> Result<Option<String>, ProviderError> {
        let check = match self {
            Remote::Google(google) => google.changed_since(&calendar.href, marker).await,
            Remote::Microsoft(_, base) if !marker.starts_with(base.as_str().trim_end_matches('/')) => return Ok(None),
            Remote::Microsoft(graph, _) => graph.changed_since(&calendar.href, window, Some(marker)).await,
        };
        match check {
            Ok(check) if !check.changed => Ok(Some(check.token)),
            Ok(_) | Err(ProviderError::Gone) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Busy times of the span at submit: Google's free/busy for calendars Prospo does not write
    /// into, the events themselves for the one it does (free/busy has no UIDs).
    pub async fn live_busy(
        &self,
        calendar: &CalendarRow,
        window: Window,
        zone: &str,
    ) -> Result<Vec<BusyEvent>, ProviderError> {
        match self {
            Remote::Google(google) if !calendar.write_bookings => {
                let mut answer = google.free_busy(&[calendar.href.as_str()], window).await?;
                answer.remove(&calendar.href).unwrap_or(Ok(Vec::new()))
            }
            _ => Ok(self.events(calendar, window, zone).await?.0),
        }
    }

    /// Writes the meeting's event; the provider's event id comes back.
    pub async fn put_event(
        &self,
        calendar_id: &str,
        event_id: Option<&str>,
        event: &NewEvent<'_>,
    ) -> Result<String, ProviderError> {
        match (self, event_id) {
            (Remote::Google(google), Some(id)) => {
                google.update_event(calendar_id, id, event).await.map(|()| id.to_owned())
            }
            (Remote::Google(google), None) => google.put_event(calendar_id, event).await,
            (Remote::Microsoft(graph, _), Some(id)) => graph.update_event(id, event).await.map(|()| id.to_owned()),
            (Remote::Microsoft(graph, _), None) => graph.put_event(calendar_id, event).await,
        }
    }

    /// Deletes an event Prospo wrote (one already gone counts as deleted).
    pub async fn delete_event(&self, calendar_id: &str, event_id: &str) -> Result<(), ProviderError> {
        match self {
            Remote::Google(google) => google.delete_event(calendar_id, event_id).await,
            Remote::Microsoft(graph, _) => graph.delete_event(event_id).await,
        }
    }
}

/// The OAuth provider of a calendar connection.
pub fn oauth_provider(connection: &ConnectionRow) -> Result<OAuthProvider, CalendarError> {
    connection
        .provider
        .oauth()
        .ok_or_else(|| CalendarError::Internal(anyhow::anyhow!("connection {} is not an OAuth one", connection.id)))
}

/// Runs `call` with the connection's access token; after a 401, once more with a newer token.
pub async fn with_remote<T, F, Fut>(app: &App, connection: &ConnectionRow, call: F) -> Result<T, CalendarError>
where
    F: Fn(Remote) -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let provider = oauth_provider(connection)?;
    let token: AccessToken = access::access_token(app, &connection.id).await.map_err(oauth_error)?;
    match call(Remote::with_token(app, provider, token.secret.clone())?).await {
        Err(ProviderError::Unauthorized) => {
            let newer = access::replace_rejected(app, &connection.id, &token).await.map_err(oauth_error)?;
            call(Remote::with_token(app, provider, newer.secret)?).await.map_err(|e| provider_error(connection, e))
        }
        other => other.map_err(|e| provider_error(connection, e)),
    }
}

fn name(connection: &ConnectionRow) -> &'static str {
    match connection.provider {
        Provider::Microsoft => "Microsoft",
        _ => "Google",
    }
}

pub fn oauth_error(e: OAuthError) -> CalendarError {
    match e {
        OAuthError::Unavailable { .. } => CalendarError::Unavailable(e.to_string()),
        OAuthError::Store(e) => CalendarError::Store(e),
        OAuthError::Internal(e) => CalendarError::Internal(e),
        e => CalendarError::Reconnect(e.to_string()),
    }
}

fn provider_error(connection: &ConnectionRow, e: ProviderError) -> CalendarError {
    let provider = name(connection);
    match e {
        ProviderError::Unauthorized => {
            CalendarError::Reconnect(format!("{provider} no longer accepts Prospo's access. Reconnect it."))
        }
        ProviderError::Forbidden(reason) => CalendarError::Reconnect(format!(
            "{provider} refused Prospo access to this calendar ({reason}). Reconnect and allow every permission."
        )),
        ProviderError::NotFound | ProviderError::Gone => {
            CalendarError::Unavailable(format!("{provider} no longer has this calendar"))
        }
        ProviderError::TooLarge { .. } => CalendarError::TooLarge,
        ProviderError::RateLimited { .. } => CalendarError::Unavailable(format!("{provider} asks Prospo to slow down")),
        ProviderError::Unavailable(why) => CalendarError::Unavailable(format!("{provider}: {why}")),
        ProviderError::Protocol(why) => {
            CalendarError::Unavailable(format!("an answer from {provider} Prospo could not read ({why})"))
        }
    }
}
