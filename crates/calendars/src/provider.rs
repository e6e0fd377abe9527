//! What the Google Calendar and Microsoft Graph clients share: the error type,
//! the event Prospo writes, bearer requests with bounded answers, error
//! classification by status, and time helpers.
//!
//! Requests go through the caller's [`reqwest::Client`] (which carries the
//! timeouts) with the access token as a Bearer header; answers are read in
//! chunks and refused beyond [`MAX_BODY`]. Nothing here puts the token, a URL
//! or a body into an error or a log line: errors carry statuses and the
//! provider's reason codes only.

use bytes::Bytes;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use reqwest::header::{ACCEPT, HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use std::str::FromStr;
use std::time::Duration;
use url::Url;

/// Largest answer accepted: 10 MiB (product rule: calendar answers over 10 MB are refused).
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// Pages followed in one listing before the answer is called a loop.
pub(crate) const MAX_PAGES: usize = 200;

/// The UID suffix of every event Prospo writes: `{meeting id}@prospo`.
pub const PROSPO_UID_SUFFIX: &str = "@prospo";

/// The iCalendar UID of the event that mirrors a meeting.
pub fn prospo_uid(meeting_id: &str) -> String {
    format!("{meeting_id}{PROSPO_UID_SUFFIX}")
}

/// Everything a Google or Microsoft calendar call can end in, other than success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// 401: the access token expired or was revoked; refresh it and retry once.
    #[error("the calendar provider refused the access token")]
    Unauthorized,
    /// 403 that is not a rate limit: missing scope or no access, with the provider's reason code.
    #[error("the calendar provider refused access ({0})")]
    Forbidden(String),
    /// 404: no such calendar or event.
    #[error("the calendar or event was not found at the provider")]
    NotFound,
    /// 410: the sync token or delta link expired (start a full read), or the event was deleted.
    #[error("the sync token expired or the event was deleted")]
    Gone,
    /// 429, a usage-limit 403 (Google), or a 503 that says when to come back.
    #[error("the calendar provider is rate limiting{}", retry_after.map(|d| format!("; retry in {} s", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    /// A 5xx, a timeout or a connection failure.
    #[error("the calendar provider is unavailable: {0}")]
    Unavailable(String),
    /// The answer exceeded [`MAX_BODY`].
    #[error("the calendar provider's answer is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// An answer that does not follow the provider's API (or a request it refused as malformed).
    #[error("unexpected answer from the calendar provider: {0}")]
    Protocol(String),
}

impl ProviderError {
    /// Worth retrying later without anything changing on the user's side.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Unavailable(_))
    }
}

/// One event as Prospo writes it into a host's calendar (the same for Google and Microsoft).
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// Prospo's meeting id: the event's UID is `{meeting_id}@prospo`.
    pub meeting_id: &'a str,
    pub summary: &'a str,
    /// Plain text: notes, the join link, meeting ID and passcode.
    pub description: &'a str,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The join URL, shown as the event's location.
    pub location: Option<&'a str>,
    /// Invitees as (name, email).
    pub attendees: &'a [(&'a str, &'a str)],
}

/// One calendar of a connected account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCalendar {
    /// The provider's calendar id (Google: the primary calendar's id is the account email).
    pub id: String,
    pub name: String,
    /// Prospo may write events into it.
    pub writable: bool,
    /// The account's primary (Google) or default (Microsoft) calendar.
    pub is_default: bool,
}

/// The answer of a cheap change check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeCheck {
    /// Something in the calendar changed since the token was issued.
    pub changed: bool,
    /// The token to pass to the next check (Google sync token, Microsoft delta link).
    pub token: String,
}

/// An answer read whole (at most [`MAX_BODY`] bytes).
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn parse<T: DeserializeOwned>(&self, what: &str) -> Result<T, ProviderError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            // The category only: serde's message could quote the answer.
            let why = match e.classify() {
                serde_json::error::Category::Io => "read error",
                serde_json::error::Category::Syntax => "syntax error",
                serde_json::error::Category::Data => "unexpected shape",
                serde_json::error::Category::Eof => "truncated",
            };
            ProviderError::Protocol(format!("{what}: not the documented JSON ({why})"))
        })
    }
}

/// Turns a non-2xx answer into an error; each provider reads its own error body.
pub(crate) type Classifier = fn(&Answer) -> ProviderError;

/// One account at one provider: the caller's HTTP client, the API base and the token.
#[derive(Clone)]
pub(crate) struct Api {
    http: reqwest::Client,
    base: Url,
    token: SecretString,
    classify: Classifier,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("base", &self.base.as_str()).finish_non_exhaustive()
    }
}

impl Api {
    pub fn new(http: reqwest::Client, base: Url, token: SecretString, classify: Classifier) -> Self {
        Self { http, base, token, classify }
    }

    /// `{base}/{segments…}`, each segment percent-encoded (calendar ids hold `@`, `#`, `/`, `+`).
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Whether a link from an answer (a next page, a delta link) stays under the
    /// configured base: the token is never sent anywhere else.
    pub fn is_own(&self, url: &Url) -> bool {
        let base_path = self.base.path().trim_end_matches('/');
        url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
            && url.path().strip_prefix(base_path).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    /// A link from an answer, checked with [`Api::is_own`].
    pub fn own_link(&self, link: &str) -> Result<Url, ProviderError> {
        let url = Url::parse(link).map_err(|_| ProviderError::Protocol("a paging link is not a URL".into()))?;
        if !self.is_own(&url) {
            return Err(ProviderError::Protocol("a paging link points outside the API".into()));
        }
        Ok(url)
    }

    pub fn request(&self, method: Method, url: Url) -> RequestBuilder {
        self.http.request(method, url).bearer_auth(self.token.expose_secret()).header(ACCEPT, "application/json")
    }

    /// Sends and reads the answer, whatever its status.
    pub async fn call(&self, req: RequestBuilder) -> Result<Answer, ProviderError> {
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = read_bounded(resp).await?;
        Ok(Answer { status, headers, body })
    }

    /// Sends, refuses non-2xx answers with the provider's classification, parses the JSON.
    pub async fn json<T: DeserializeOwned>(&self, req: RequestBuilder, what: &str) -> Result<T, ProviderError> {
        let answer = self.call(req).await?;
        if !answer.status.is_success() {
            return Err(self.error(&answer));
        }
        answer.parse(what)
    }

    pub fn error(&self, answer: &Answer) -> ProviderError {
        (self.classify)(answer)
    }
}

/// Reads the body in chunks, refusing it as soon as it passes [`MAX_BODY`].
async fn read_bounded(mut resp: reqwest::Response) -> Result<Bytes, ProviderError> {
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(ProviderError::TooLarge { limit: MAX_BODY });
    }
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        if buf.len() + chunk.len() > MAX_BODY {
            return Err(ProviderError::TooLarge { limit: MAX_BODY });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

/// A transport failure; the URL is left out (delta links carry state tokens).
fn transport(err: reqwest::Error) -> ProviderError {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "the answer was cut off"
    } else {
        "transport error"
    };
    ProviderError::Unavailable(kind.to_string())
}

/// Classification shared by both providers, by status; `reason` is the
/// provider's error code (already checked by [`reason_code`]).
pub(crate) fn classify_status(status: StatusCode, headers: &HeaderMap, reason: Option<String>) -> ProviderError {
    let retry_after = retry_after(headers);
    match status.as_u16() {
        401 => ProviderError::Unauthorized,
        403 => ProviderError::Forbidden(reason.unwrap_or_else(|| "forbidden".into())),
        404 => ProviderError::NotFound,
        410 => ProviderError::Gone,
        429 => ProviderError::RateLimited { retry_after },
        503 if retry_after.is_some() => ProviderError::RateLimited { retry_after },
        s if s >= 500 => ProviderError::Unavailable(format!("HTTP {s}")),
        s => ProviderError::Protocol(match reason {
            Some(r) => format!("HTTP {s} ({r})"),
            None => format!("HTTP {s}"),
        }),
    }
}

/// A provider error code fit to be shown: a short identifier (`insufficientPermissions`,
/// `ErrorAccessDenied`), never free text that could echo a request.
pub(crate) fn reason_code(s: &str) -> Option<String> {
    let ok = !s.is_empty()
        && s.len() <= 80
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    ok.then(|| s.to_string())
}

/// Longest wait taken from a `Retry-After` header.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// `Retry-After` as delta-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, Timestamp::now())
}

fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value).ok()?;
        at.duration_since(now).max(SignedDuration::ZERO).unsigned_abs()
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// RFC 3339 in UTC, whole seconds (both providers ignore fractions in query bounds).
pub(crate) fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An IANA name, or a Windows/Outlook name (`Pacific Standard Time`) mapped to IANA.
pub(crate) fn zone(name: &str) -> Option<TimeZone> {
    if let Ok(tz) = TimeZone::get(name) {
        return Some(tz);
    }
    let mapped = calcard::common::timezone::Tz::from_str(name).ok()?;
    TimeZone::get(&mapped.name()?).ok()
}

/// The host's zone, in which all-day events are read.
pub(crate) fn host_zone(name: &str) -> Result<TimeZone, ProviderError> {
    TimeZone::get(name).map_err(|_| ProviderError::Protocol(format!("unknown host time zone {name:?}")))
}

/// An all-day span `[start, end)` (end exclusive) as instants in `tz`; an empty or
/// inverted span blocks the start day.
pub(crate) fn whole_days(start: Date, end: Date, tz: &TimeZone) -> Result<(Timestamp, Timestamp), ProviderError> {
    let end = if end > start { end } else { start.tomorrow().map_err(|_| out_of_range())? };
    let at = |d: Date| d.to_zoned(tz.clone()).map(|z| z.timestamp()).map_err(|_| out_of_range());
    Ok((at(start)?, at(end)?))
}

fn out_of_range() -> ProviderError {
    ProviderError::Protocol("an all-day event outside the supported date range".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn status_classification() {
        let none = HeaderMap::new();
        let c = |s: u16, h: &HeaderMap, r: Option<&str>| {
            classify_status(StatusCode::from_u16(s).unwrap(), h, r.map(str::to_string))
        };
        assert_eq!(c(401, &none, None), ProviderError::Unauthorized);
        assert_eq!(c(403, &none, Some("x")), ProviderError::Forbidden("x".into()));
        assert_eq!(c(404, &none, None), ProviderError::NotFound);
        assert_eq!(c(410, &none, None), ProviderError::Gone);
        assert_eq!(c(429, &none, None), ProviderError::RateLimited { retry_after: None });
        assert_eq!(
            c(503, &headers(&[("retry-after", "7")]), None),
            ProviderError::RateLimited { retry_after: Some(Duration::from_secs(7)) }
        );
        assert_eq!(c(503, &none, None), ProviderError::Unavailable("HTTP 503".into()));
        assert_eq!(c(400, &none, Some("timeRangeEmpty")), ProviderError::Protocol("HTTP 400 (timeRangeEmpty)".into()));
        assert!(c(502, &none, None).is_transient());
        assert!(!c(403, &none, None).is_transient());
    }

    #[test]
    fn retry_after_forms() {
        let now: Timestamp = "2026-03-20T09:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Fri, 20 Mar 2026 09:01:00 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Fri, 20 Mar 2026 08:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("999999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn reason_codes_are_identifiers_only() {
        assert_eq!(reason_code("insufficientPermissions").as_deref(), Some("insufficientPermissions"));
        assert_eq!(reason_code("ACCESS_TOKEN_SCOPE_INSUFFICIENT").as_deref(), Some("ACCESS_TOKEN_SCOPE_INSUFFICIENT"));
        assert_eq!(reason_code("Request had insufficient authentication scopes."), None);
        assert_eq!(reason_code(""), None);
        assert_eq!(reason_code(&"a".repeat(81)), None);
    }

    fn api(base: &str) -> Api {
        Api::new(reqwest::Client::new(), base.parse().unwrap(), SecretString::from("t"), |_| ProviderError::NotFound)
    }

    #[test]
    fn urls_encode_segments_and_links_stay_under_the_base() {
        let g = api("https://www.googleapis.com");
        assert_eq!(
            g.url(&["calendar", "v3", "calendars", "en.usa#holiday@group.v.calendar.google.com", "events"]).as_str(),
            "https://www.googleapis.com/calendar/v3/calendars/en.usa%23holiday@group.v.calendar.google.com/events"
        );
        let m = api("https://graph.microsoft.com/v1.0/");
        assert_eq!(
            m.url(&["me", "calendars", "AAMk/AG+Vi=", "calendarView"]).as_str(),
            "https://graph.microsoft.com/v1.0/me/calendars/AAMk%2FAG+Vi=/calendarView"
        );
        assert!(m.own_link("https://graph.microsoft.com/v1.0/me/calendarView/delta?$skiptoken=x").is_ok());
        for foreign in [
            "https://evil.example/v1.0/me",
            "http://graph.microsoft.com/v1.0/me",
            "https://graph.microsoft.com/beta/me",
            "https://graph.microsoft.com/v1.00/me",
            "https://graph.microsoft.com:8443/v1.0/me",
            "not a url",
        ] {
            assert!(m.own_link(foreign).is_err(), "{foreign}");
        }
    }

    #[test]
    fn zones_by_iana_or_windows_name() {
        assert_eq!(
            zone("Europe/Berlin").and_then(|z| z.iana_name().map(str::to_string)).as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(
            zone("Pacific Standard Time").and_then(|z| z.iana_name().map(str::to_string)).as_deref(),
            Some("America/Los_Angeles")
        );
        assert!(zone("tzone://Microsoft/Custom").is_none());
        assert!(host_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn whole_days_in_a_zone() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let d = |s: &str| s.parse::<Date>().unwrap();
        let (s, e) = whole_days(d("2026-03-08"), d("2026-03-09"), &tz).unwrap();
        assert_eq!(s, "2026-03-08T05:00:00Z".parse::<Timestamp>().unwrap());
        // The DST day is 23 hours long.
        assert_eq!(e, "2026-03-09T04:00:00Z".parse::<Timestamp>().unwrap());
        let (s2, e2) = whole_days(d("2026-03-08"), d("2026-03-08"), &tz).unwrap();
        assert_eq!((s2, e2), (s, e));
        assert_eq!(rfc3339("2026-03-08T05:00:00.5Z".parse().unwrap()), "2026-03-08T05:00:00Z");
    }

    #[test]
    fn prospo_uids() {
        assert_eq!(prospo_uid("m1"), "m1@prospo");
    }
}
