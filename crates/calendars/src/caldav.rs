//! A CalDAV client (RFC 4791, RFC 6638 bits, RFC 6764 discovery) over
//! [`outbound::GuardedClient`].
//!
//! Every request sends HTTP Basic credentials, `Content-Type:
//! application/xml; charset=utf-8` for XML bodies (`text/calendar;
//! charset=utf-8` for PUT), a `Depth` header where the method needs one, a
//! total timeout of [`DEFAULT_TIMEOUT`] (see [`CalDav::with_timeout`]) and
//! accepts answers up to [`MAX_BODY`] bytes. Answers are parsed
//! namespace-aware; hrefs are resolved against the URL that answered.
//!
//! Server quirks handled: relative hrefs; 207 propstats with 404 for missing
//! properties; content types with repeated parameters (Radicale); free-busy
//! answered as `application/octet-stream` and without FBTYPE (Xandikos); a
//! calendar-query is widened by a day on each side so that floating and
//! all-day events the server places in another zone are still returned, and
//! the exact window is applied after expansion here.

use crate::ics::{self, BusyEvent, Window};
use crate::xml::{self, Element};
use bytes::Bytes;
use outbound::{GuardedClient, OutboundError, Request, Response};
use reqwest::header::{CONTENT_TYPE, ETAG, HeaderName, HeaderValue, IF_MATCH, IF_NONE_MATCH};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use std::time::Duration;
use url::Url;

/// Total time allowed per request unless [`CalDav::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer accepted: 10 MiB.
pub const MAX_BODY: usize = 10 * 1024 * 1024;

pub const NS_DAV: &str = "DAV:";
pub const NS_CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub const NS_CS: &str = "http://calendarserver.org/ns/";
pub const NS_APPLE: &str = "http://apple.com/ns/ical/";

/// A CalDAV account: one guarded HTTP client and one set of credentials.
#[derive(Clone, Debug)]
pub struct CalDav {
    http: GuardedClient,
    username: String,
    password: SecretString,
    timeout: Duration,
}

/// What [`CalDav::discover`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The current user's principal (the pasted calendar's own URL when the
    /// server names no principal at all).
    pub principal: Url,
    /// Calendars that hold events, in the server's order.
    pub calendars: Vec<RemoteCalendar>,
}

/// One calendar collection that supports VEVENT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteCalendar {
    /// Absolute URL of the collection.
    pub href: Url,
    /// DAV:displayname, else the last path segment.
    pub name: String,
    /// Apple calendar-color as given (usually `#RRGGBB` or `#RRGGBBAA`).
    pub color: Option<String>,
    /// current-user-privilege-set holds write, write-content or all (true when
    /// the server does not report privileges).
    pub writable: bool,
    /// The server's schedule-default-calendar-URL, else the first writable calendar.
    pub is_default: bool,
    /// CS:getctag, else DAV:sync-token: changes whenever the calendar's content does.
    pub change_marker: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CalDavError {
    /// 401: the user name or password was refused.
    #[error("the calendar server refused the user name or password")]
    AuthFailed,
    /// No calendar service or no calendar at this address (or a 404/409 on a calendar).
    #[error("no calendar service or no calendar found at this address")]
    NotFound,
    /// 412: the resource changed on the server (stale ETag) or already exists.
    #[error("the event changed on the calendar server (precondition failed)")]
    PreconditionFailed,
    /// Timeout, connection failure or a 5xx answer.
    #[error("the calendar server is unavailable: {0}")]
    Unavailable(String),
    /// Refused before anything was sent, or the answer was too large:
    /// NotAllowed, InvalidUrl, Unresolvable, InsecureCredentials, TooLarge, TooManyRedirects.
    #[error(transparent)]
    Outbound(OutboundError),
    /// An answer that does not follow the protocol.
    #[error("unexpected answer from the calendar server: {0}")]
    Protocol(String),
}

impl From<OutboundError> for CalDavError {
    fn from(e: OutboundError) -> Self {
        match e {
            OutboundError::Timeout => CalDavError::Unavailable("the server did not answer in time".into()),
            OutboundError::Unreachable(s) => CalDavError::Unavailable(s),
            other => CalDavError::Outbound(other),
        }
    }
}

fn method(name: &'static str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("valid method name")
}

const XML: &str = "application/xml; charset=utf-8";
const ICS: &str = "text/calendar; charset=utf-8";

/// A property to ask for: (prefix, element).
type Prop = (&'static str, &'static str);

const P_CUP: Prop = ("D", "current-user-principal");
const P_HOME: Prop = ("C", "calendar-home-set");
const P_RTYPE: Prop = ("D", "resourcetype");
const P_NAME: Prop = ("D", "displayname");
const P_COMPS: Prop = ("C", "supported-calendar-component-set");
const P_COLOR: Prop = ("A", "calendar-color");
const P_PRIVS: Prop = ("D", "current-user-privilege-set");
const P_CTAG: Prop = ("CS", "getctag");
const P_SYNC: Prop = ("D", "sync-token");
const P_INBOX: Prop = ("C", "schedule-inbox-URL");
const P_DEFAULT: Prop = ("C", "schedule-default-calendar-URL");
const P_ETAG: Prop = ("D", "getetag");

const CALENDAR_PROPS: &[Prop] = &[P_RTYPE, P_NAME, P_COMPS, P_COLOR, P_PRIVS, P_CTAG, P_SYNC];

fn propfind_body(props: &[Prop]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:propfind xmlns:D=\"DAV:\" \
         xmlns:C=\"urn:ietf:params:xml:ns:caldav\" xmlns:CS=\"http://calendarserver.org/ns/\" \
         xmlns:A=\"http://apple.com/ns/ical/\"><D:prop>",
    );
    for (prefix, name) in props {
        s.push_str(&format!("<{prefix}:{name}/>"));
    }
    s.push_str("</D:prop></D:propfind>");
    s
}

fn ical_utc(t: jiff::Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// One `DAV:response` of a multistatus.
#[derive(Debug)]
struct MsResponse {
    href: Url,
    /// The response-level status, if any (`HTTP/1.1 404 Not Found`).
    status: Option<u16>,
    /// Properties from 2xx propstats.
    props: Vec<Element>,
    /// Where relative hrefs inside properties are resolved.
    base: Url,
}

impl MsResponse {
    fn prop(&self, ns: &str, name: &str) -> Option<&Element> {
        self.props.iter().find(|p| p.is(ns, name))
    }

    fn text(&self, ns: &str, name: &str) -> Option<String> {
        self.prop(ns, name).and_then(|p| p.text_trimmed()).map(str::to_string)
    }

    /// The first DAV:href inside a property, resolved.
    fn href_prop(&self, ns: &str, name: &str) -> Option<Url> {
        let p = self.prop(ns, name)?;
        let href = p.child(NS_DAV, "href")?.text_trimmed()?;
        self.base.join(href).ok()
    }

    fn has_type(&self, ns: &str, name: &str) -> bool {
        self.prop(NS_DAV, "resourcetype").is_some_and(|rt| rt.child(ns, name).is_some())
    }

    fn is_calendar(&self) -> bool {
        self.has_type(NS_CALDAV, "calendar")
    }

    /// The calendar this response describes, if it is one holding events.
    fn calendar(&self) -> Option<RemoteCalendar> {
        if !self.is_calendar() {
            return None;
        }
        if let Some(set) = self.prop(NS_CALDAV, "supported-calendar-component-set")
            && !set
                .children_named(NS_CALDAV, "comp")
                .any(|c| c.attr("name").is_some_and(|n| n.eq_ignore_ascii_case("VEVENT")))
        {
            return None;
        }
        let name = self.text(NS_DAV, "displayname").unwrap_or_else(|| last_segment(&self.href));
        let writable = match self.prop(NS_DAV, "current-user-privilege-set") {
            Some(set) => set.children_named(NS_DAV, "privilege").any(|p| {
                p.children
                    .iter()
                    .any(|c| c.ns == NS_DAV && matches!(c.name.as_str(), "write" | "write-content" | "all"))
            }),
            None => true,
        };
        Some(RemoteCalendar {
            href: self.href.clone(),
            name,
            color: self.text(NS_APPLE, "calendar-color"),
            writable,
            is_default: false,
            change_marker: self.text(NS_CS, "getctag").or_else(|| self.text(NS_DAV, "sync-token")),
        })
    }
}

fn last_segment(url: &Url) -> String {
    let seg = url.path_segments().and_then(|mut s| s.rfind(|s| !s.is_empty())).unwrap_or("");
    percent_decode(seg)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Whether two URLs name the same collection (trailing slash and default port ignored).
fn same_resource(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
        && percent_decode(a.path().trim_end_matches('/')) == percent_decode(b.path().trim_end_matches('/'))
}

fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

fn parse_multistatus(body: &[u8], base: &Url) -> Result<Vec<MsResponse>, CalDavError> {
    let text = String::from_utf8_lossy(body);
    let root = xml::parse(&text).map_err(CalDavError::Protocol)?;
    if !root.is(NS_DAV, "multistatus") {
        return Err(CalDavError::Protocol(format!("expected DAV:multistatus, got {}", root.name)));
    }
    let mut out = Vec::new();
    for resp in root.children.into_iter().filter(|c| c.is(NS_DAV, "response")) {
        let Some(href) = resp.child(NS_DAV, "href").and_then(|h| h.text_trimmed()) else {
            continue;
        };
        let Ok(href) = base.join(href) else {
            continue;
        };
        let status = resp.child(NS_DAV, "status").and_then(|s| status_code(&s.text));
        let mut props = Vec::new();
        for ps in resp.children.into_iter().filter(|c| c.is(NS_DAV, "propstat")) {
            let ok =
                ps.child(NS_DAV, "status").and_then(|s| status_code(&s.text)).is_none_or(|c| (200..300).contains(&c));
            if !ok {
                continue;
            }
            for p in ps.children.into_iter().filter(|c| c.is(NS_DAV, "prop")) {
                props.extend(p.children);
            }
        }
        out.push(MsResponse { href, status, props, base: base.clone() });
    }
    Ok(out)
}

/// The response for `url` in a Depth 0 answer (the first one if none matches).
fn take_self(mut responses: Vec<MsResponse>, url: &Url) -> Option<MsResponse> {
    let i = responses.iter().position(|r| same_resource(&r.href, url)).unwrap_or(0);
    (i < responses.len()).then(|| responses.swap_remove(i))
}

/// `webcal://` and `webcals://` are read as `https://`.
fn normalize_input(url: &Url) -> Result<Url, CalDavError> {
    let s = url.as_str();
    let rest = s
        .strip_prefix("webcals://")
        .or_else(|| s.strip_prefix("webcal://"))
        .or_else(|| s.strip_prefix("caldavs://"))
        .or_else(|| s.strip_prefix("caldav://"));
    match rest {
        Some(rest) => Url::parse(&format!("https://{rest}"))
            .map_err(|e| CalDavError::Outbound(OutboundError::InvalidUrl(e.to_string()))),
        None => Ok(url.clone()),
    }
}

/// The media type of a Content-Type header, lower-cased, parameters dropped.
fn media_type(resp: &Response) -> String {
    resp.headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn quote_etag(etag: &str) -> String {
    let e = etag.trim();
    if e.starts_with('"') || e.starts_with("W/") { e.to_string() } else { format!("\"{e}\"") }
}

impl CalDav {
    pub fn new(http: GuardedClient, username: impl Into<String>, password: SecretString) -> Self {
        Self { http, username: username.into(), password, timeout: DEFAULT_TIMEOUT }
    }

    /// The same account with another total timeout per request (e.g. a short
    /// one for a check while a booking is being submitted).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn send(
        &self,
        method: Method,
        url: &Url,
        depth: Option<&'static str>,
        body: Option<(String, &'static str)>,
        extra: &[(HeaderName, HeaderValue)],
    ) -> Result<Response, CalDavError> {
        let mut req = Request::new(method, url.clone()).timeout(self.timeout).max_body(MAX_BODY);
        if !self.username.is_empty() {
            req = req.basic_auth(self.username.clone(), self.password.clone());
        }
        if let Some(depth) = depth {
            req = req.header(HeaderName::from_static("depth"), HeaderValue::from_static(depth));
        }
        if let Some((body, content_type)) = body {
            req = req.header(CONTENT_TYPE, HeaderValue::from_static(content_type)).body(Bytes::from(body));
        }
        for (name, value) in extra {
            req = req.header(name.clone(), value.clone());
        }
        let resp = self.http.send(req).await?;
        if resp.status == StatusCode::UNAUTHORIZED {
            return Err(CalDavError::AuthFailed);
        }
        if resp.status.is_server_error() {
            return Err(CalDavError::Unavailable(format!("HTTP {}", resp.status.as_u16())));
        }
        Ok(resp)
    }

    /// PROPFIND; `Ok(None)` when the answer is not a multistatus (404, 405, an HTML page, ...).
    async fn propfind(
        &self,
        url: &Url,
        depth: &'static str,
        props: &[Prop],
    ) -> Result<Option<(Url, Vec<MsResponse>)>, CalDavError> {
        let resp = self.send(method("PROPFIND"), url, Some(depth), Some((propfind_body(props), XML)), &[]).await?;
        if resp.status != StatusCode::MULTI_STATUS {
            tracing::debug!(status = resp.status.as_u16(), "PROPFIND answered without multistatus");
            return Ok(None);
        }
        match parse_multistatus(&resp.body, &resp.url) {
            Ok(r) => Ok(Some((resp.url, r))),
            Err(e) => {
                tracing::debug!(error = %e, "PROPFIND answer is not a multistatus");
                Ok(None)
            }
        }
    }

    async fn propfind_self(&self, url: &Url, props: &[Prop]) -> Result<Option<(Url, MsResponse)>, CalDavError> {
        Ok(self
            .propfind(url, "0", props)
            .await?
            .and_then(|(final_url, r)| take_self(r, &final_url).map(|r| (final_url, r))))
    }

    /// Finds the principal, its calendar home and the calendars holding events
    /// from whatever URL was pasted: a server root (then `/.well-known/caldav`
    /// is tried too), a principal, a calendar home or one calendar
    /// (`webcal://` is read as `https://`).
    ///
    /// current-user-principal → calendar-home-set → PROPFIND Depth 1 of the
    /// home: calendar collections supporting VEVENT with displayname,
    /// calendar-color, current-user-privilege-set, getctag / sync-token.
    /// `is_default` follows schedule-default-calendar-URL (on the principal or
    /// its schedule inbox) when offered, else the first writable calendar.
    /// When the URL is itself a calendar, all calendars of its home are still
    /// offered if they can be found, else just that one.
    ///
    /// Errors: [`CalDavError::AuthFailed`], [`CalDavError::NotFound`] (no
    /// CalDAV service or no calendar), the transport errors.
    pub async fn discover(&self, url: &Url) -> Result<Discovered, CalDavError> {
        let url = normalize_input(url)?;
        const PROBE: &[Prop] = &[P_CUP, P_HOME, P_RTYPE, P_NAME, P_COMPS, P_COLOR, P_PRIVS, P_CTAG, P_SYNC];

        let mut principal: Option<Url> = None;
        let mut home: Option<Url> = None;
        let mut pasted_calendar: Option<RemoteCalendar> = None;

        let mut candidates = vec![url.clone()];
        if let Ok(wk) = url.join("/.well-known/caldav") {
            candidates.push(wk);
        }
        if let Ok(root) = url.join("/") {
            candidates.push(root);
        }
        let mut tried: Vec<Url> = Vec::new();
        for candidate in candidates {
            if tried.iter().any(|t| same_resource(t, &candidate)) {
                continue;
            }
            tried.push(candidate.clone());
            let Some((_, r)) = self.propfind_self(&candidate, PROBE).await? else {
                continue;
            };
            if pasted_calendar.is_none() && tried.len() == 1 {
                pasted_calendar = r.calendar();
            }
            principal = r.href_prop(NS_DAV, "current-user-principal");
            if principal.is_none() && r.has_type(NS_DAV, "principal") {
                principal = Some(r.href.clone());
            }
            home = r.href_prop(NS_CALDAV, "calendar-home-set");
            if principal.is_some() || home.is_some() || pasted_calendar.is_some() {
                break;
            }
        }

        // The principal: its calendar home, inbox and default calendar.
        let mut default_calendar: Option<Url> = None;
        if let Some(p) = &principal
            && let Some((_, r)) = self.propfind_self(p, &[P_HOME, P_INBOX, P_DEFAULT]).await?
        {
            if let Some(h) = r.href_prop(NS_CALDAV, "calendar-home-set") {
                home = Some(h);
            }
            default_calendar = r.href_prop(NS_CALDAV, "schedule-default-calendar-URL");
            if default_calendar.is_none()
                && let Some(inbox) = r.href_prop(NS_CALDAV, "schedule-inbox-URL")
                && let Some((_, ir)) = self.propfind_self(&inbox, &[P_DEFAULT]).await?
            {
                default_calendar = ir.href_prop(NS_CALDAV, "schedule-default-calendar-URL");
            }
        }

        let mut calendars = Vec::new();
        if let Some(h) = &home
            && let Some((_, responses)) = self.propfind(h, "1", CALENDAR_PROPS).await?
        {
            calendars.extend(
                responses
                    .iter()
                    .filter(|r| r.status.is_none_or(|s| (200..300).contains(&s)))
                    .filter_map(MsResponse::calendar),
            );
        }
        if let Some(pasted) = pasted_calendar.clone()
            && !calendars.iter().any(|c| same_resource(&c.href, &pasted.href))
        {
            calendars.insert(0, pasted);
        }
        if calendars.is_empty() {
            return Err(CalDavError::NotFound);
        }
        let default_index = default_calendar
            .as_ref()
            .and_then(|d| calendars.iter().position(|c| same_resource(&c.href, d)))
            .or_else(|| calendars.iter().position(|c| c.writable));
        if let Some(i) = default_index {
            calendars[i].is_default = true;
        }
        let principal =
            principal.or_else(|| pasted_calendar.map(|c| c.href)).unwrap_or_else(|| calendars[0].href.clone());
        Ok(Discovered { principal, calendars })
    }

    /// The calendar's CS:getctag, else its DAV:sync-token (PROPFIND Depth 0);
    /// `None` when the server offers neither. [`CalDavError::NotFound`] for 404.
    pub async fn change_marker(&self, calendar: &Url) -> Result<Option<String>, CalDavError> {
        let resp = self
            .send(method("PROPFIND"), calendar, Some("0"), Some((propfind_body(&[P_CTAG, P_SYNC]), XML)), &[])
            .await?;
        match resp.status {
            StatusCode::MULTI_STATUS => {}
            StatusCode::NOT_FOUND | StatusCode::GONE => return Err(CalDavError::NotFound),
            s => return Err(CalDavError::Protocol(format!("PROPFIND answered HTTP {}", s.as_u16()))),
        }
        let responses = parse_multistatus(&resp.body, &resp.url)?;
        let Some(r) = take_self(responses, &resp.url) else {
            return Err(CalDavError::Protocol("empty multistatus".into()));
        };
        if r.status == Some(404) {
            return Err(CalDavError::NotFound);
        }
        Ok(r.text(NS_CS, "getctag").or_else(|| r.text(NS_DAV, "sync-token")))
    }

    /// Busy periods from a free-busy-query REPORT (RFC 4791 section 7.10) on
    /// the calendar, as the server computed them (clipped to the window by
    /// most servers). `Ok(None)` when the server does not support it: a 4xx
    /// other than 401, a 501, or an answer that is not a VFREEBUSY.
    pub async fn free_busy(&self, calendar: &Url, window: Window) -> Result<Option<Vec<BusyEvent>>, CalDavError> {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<C:free-busy-query xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\
             <C:time-range start=\"{}\" end=\"{}\"/></C:free-busy-query>",
            ical_utc(window.start),
            ical_utc(window.end)
        );
        let resp = match self.send(method("REPORT"), calendar, Some("1"), Some((body, XML)), &[]).await {
            Err(CalDavError::Unavailable(s)) if s == "HTTP 501" => return Ok(None),
            other => other?,
        };
        if !resp.status.is_success() {
            tracing::debug!(status = resp.status.as_u16(), "free-busy-query not supported");
            return Ok(None);
        }
        // Any content type: Xandikos says application/octet-stream.
        let text = String::from_utf8_lossy(&resp.body);
        if !ics::has_vfreebusy(&text) {
            tracing::debug!(content_type = media_type(&resp), "free-busy-query answer is not a VFREEBUSY");
            return Ok(None);
        }
        Ok(ics::busy_periods(&text, window).ok())
    }

    /// Busy events of the calendar overlapping `window`: a calendar-query
    /// REPORT with a VEVENT time-range filter (widened by a day each side),
    /// calendar data not expanded by the server, expanded here with
    /// [`ics::busy_events`] in `host_zone`. UIDs and titles are kept.
    pub async fn events(&self, calendar: &Url, window: Window, host_zone: &str) -> Result<Vec<BusyEvent>, CalDavError> {
        let day = jiff::SignedDuration::from_hours(24);
        let start = window.start.checked_sub(day).unwrap_or(window.start);
        let end = window.end.checked_add(day).unwrap_or(window.end);
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<C:calendar-query xmlns:D=\"DAV:\" \
             xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:prop><D:getetag/><C:calendar-data/></D:prop>\
             <C:filter><C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">\
             <C:time-range start=\"{}\" end=\"{}\"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>",
            ical_utc(start),
            ical_utc(end)
        );
        let resp = self.send(method("REPORT"), calendar, Some("1"), Some((body, XML)), &[]).await?;
        match resp.status {
            StatusCode::MULTI_STATUS => {}
            StatusCode::NOT_FOUND | StatusCode::GONE => return Err(CalDavError::NotFound),
            s => return Err(CalDavError::Protocol(format!("calendar-query answered HTTP {}", s.as_u16()))),
        }
        let responses = parse_multistatus(&resp.body, &resp.url)?;
        let mut out = Vec::new();
        for r in &responses {
            let Some(data) = r.prop(NS_CALDAV, "calendar-data") else {
                continue;
            };
            match ics::busy_events(&data.text, window, host_zone) {
                Ok(events) => out.extend(events),
                Err(ics::IcsError::UnknownZone(z)) => {
                    return Err(CalDavError::Protocol(format!("unknown host time zone {z:?}")));
                }
                Err(e) => tracing::warn!(error = %e, "skipping a calendar object that does not parse"),
            }
        }
        out.sort_by(|a, b| (a.start, a.end, &a.uid).cmp(&(b.start, b.end, &b.uid)));
        Ok(out)
    }

    /// PUT an iCalendar object: with `If-None-Match: *` when `etag` is `None`
    /// (create only), else `If-Match: etag` (update only that version).
    /// Returns the new ETag when the server gives one, else asks for it with a
    /// PROPFIND (servers omit it when they changed the data).
    ///
    /// [`CalDavError::PreconditionFailed`] for 412 (exists already / changed),
    /// [`CalDavError::NotFound`] for 404/409 (no such calendar).
    pub async fn put_event(&self, href: &Url, ics: &str, etag: Option<&str>) -> Result<Option<String>, CalDavError> {
        let condition = match etag {
            None => (IF_NONE_MATCH, HeaderValue::from_static("*")),
            Some(e) => (
                IF_MATCH,
                HeaderValue::from_str(&quote_etag(e)).map_err(|_| CalDavError::Protocol("invalid ETag".into()))?,
            ),
        };
        let resp = self.send(Method::PUT, href, None, Some((ics.to_string(), ICS)), &[condition]).await?;
        match resp.status {
            s if s.is_success() => {}
            StatusCode::PRECONDITION_FAILED => return Err(CalDavError::PreconditionFailed),
            StatusCode::NOT_FOUND | StatusCode::CONFLICT => return Err(CalDavError::NotFound),
            s => return Err(CalDavError::Protocol(format!("PUT answered HTTP {}", s.as_u16()))),
        }
        match resp.headers.get(ETAG).and_then(|v| v.to_str().ok()).map(str::trim) {
            Some(e) if !e.is_empty() => Ok(Some(e.to_string())),
            _ => self.etag(href).await,
        }
    }

    /// The resource's current ETag (PROPFIND Depth 0 getetag); `None` when it does not exist.
    pub async fn etag(&self, href: &Url) -> Result<Option<String>, CalDavError> {
        let resp = self.send(method("PROPFIND"), href, Some("0"), Some((propfind_body(&[P_ETAG]), XML)), &[]).await?;
        match resp.status {
            StatusCode::MULTI_STATUS => {}
            StatusCode::NOT_FOUND | StatusCode::GONE => return Ok(None),
            s => return Err(CalDavError::Protocol(format!("PROPFIND answered HTTP {}", s.as_u16()))),
        }
        let responses = parse_multistatus(&resp.body, &resp.url)?;
        Ok(take_self(responses, &resp.url).filter(|r| r.status != Some(404)).and_then(|r| r.text(NS_DAV, "getetag")))
    }

    /// DELETE, with `If-Match: etag` when given. 404 and 410 count as done.
    pub async fn delete_event(&self, href: &Url, etag: Option<&str>) -> Result<(), CalDavError> {
        let mut extra = Vec::new();
        if let Some(e) = etag {
            extra.push((
                IF_MATCH,
                HeaderValue::from_str(&quote_etag(e)).map_err(|_| CalDavError::Protocol("invalid ETag".into()))?,
            ));
        }
        let resp = self.send(Method::DELETE, href, None, None, &extra).await?;
        match resp.status {
            s if s.is_success() => Ok(()),
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(()),
            StatusCode::PRECONDITION_FAILED => Err(CalDavError::PreconditionFailed),
            s => Err(CalDavError::Protocol(format!("DELETE answered HTTP {}", s.as_u16()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multistatus_relative_hrefs_and_missing_props() {
        let base: Url = "http://127.0.0.1:5232/user/".parse().unwrap();
        let body = br#"<?xml version="1.0" encoding="utf-8"?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:ICAL="http://apple.com/ns/ical/">
 <response><href>/user/</href>
  <propstat><prop><resourcetype><collection/><principal/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat>
  <propstat><prop><CS:getctag/><C:supported-calendar-component-set/></prop><status>HTTP/1.1 404 Not Found</status></propstat>
 </response>
 <response><href>work%20cal/</href>
  <propstat><prop>
   <resourcetype><collection/><C:calendar/></resourcetype>
   <ICAL:calendar-color>#ff0000ff</ICAL:calendar-color>
   <C:supported-calendar-component-set><C:comp name="VEVENT"/><C:comp name="VTODO"/></C:supported-calendar-component-set>
   <current-user-privilege-set><privilege><read/></privilege><privilege><write-content/></privilege></current-user-privilege-set>
   <CS:getctag>"ctag-1"</CS:getctag><sync-token>http://x/sync/1</sync-token>
  </prop><status>HTTP/1.1 200 OK</status></propstat>
 </response>
 <response><href>/user/tasks/</href>
  <propstat><prop>
   <resourcetype><collection/><C:calendar/></resourcetype><displayname>Tasks</displayname>
   <C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set>
  </prop><status>HTTP/1.1 200 OK</status></propstat>
 </response>
 <response><href>/user/ro/</href>
  <propstat><prop>
   <resourcetype><collection/><C:calendar/></resourcetype><displayname>Holidays</displayname>
   <current-user-privilege-set><privilege><read/></privilege></current-user-privilege-set>
   <sync-token>tok</sync-token>
  </prop><status>HTTP/1.1 200 OK</status></propstat>
 </response>
</multistatus>"#;
        let rs = parse_multistatus(body, &base).unwrap();
        assert_eq!(rs.len(), 4);
        assert!(rs[0].has_type(NS_DAV, "principal"));
        assert!(rs[0].prop(NS_CS, "getctag").is_none());
        assert!(rs[0].calendar().is_none());
        let work = rs[1].calendar().unwrap();
        assert_eq!(work.href.as_str(), "http://127.0.0.1:5232/user/work%20cal/");
        assert_eq!(work.name, "work cal");
        assert_eq!(work.color.as_deref(), Some("#ff0000ff"));
        assert!(work.writable);
        assert_eq!(work.change_marker.as_deref(), Some("\"ctag-1\""));
        assert!(rs[2].calendar().is_none(), "VTODO-only calendars are not offered");
        let ro = rs[3].calendar().unwrap();
        assert!(!ro.writable);
        assert_eq!(ro.change_marker.as_deref(), Some("tok"));
    }

    #[test]
    fn urls_and_etags() {
        let w: Url = "webcal://example.com/cal.ics".parse().unwrap();
        assert_eq!(normalize_input(&w).unwrap().as_str(), "https://example.com/cal.ics");
        let a: Url = "http://Host:80/a/b".parse().unwrap();
        let b: Url = "http://host/a/b/".parse().unwrap();
        assert!(same_resource(&a, &b));
        assert!(!same_resource(&a, &"http://host/a/".parse().unwrap()));
        assert_eq!(quote_etag("abc"), "\"abc\"");
        assert_eq!(quote_etag("\"abc\""), "\"abc\"");
        assert_eq!(quote_etag("W/\"abc\""), "W/\"abc\"");
        assert_eq!(status_code("HTTP/1.1 404 Not Found"), Some(404));
        assert_eq!(percent_decode("a%20b%zz"), "a b%zz");
    }
}
