//! One error type for every Zoom answer, classified by HTTP status and Zoom `code`.
//!
//! Zoom localises its `message` texts (a real 3001 came back in Russian), so nothing here branches
//! on a message, with one exception: Zoom's per-user daily cap shares its codes (300, and 429
//! without a rate-limit type) with validation failures and "too many concurrent requests", and
//! only its text tells them apart. A text not recognised as the cap falls to the side that cannot
//! stall work for a day: a visible failure for 300, a short retry for 429. Messages never contain
//! a credential or a token, and neither does anything else in this type.

use jiff::{Timestamp, ToSpan, civil::DateTime, tz::TimeZone};
use reqwest::{StatusCode, header::HeaderMap};
use serde::Deserialize;

/// Everything a Zoom call can end in, other than success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoomError {
    /// The token endpoint refused the client id / secret pair, the grant type, or the app
    /// (`invalid_client`, `unsupported_grant_type`, a deactivated app).
    #[error("Zoom refused the app credentials ({error})")]
    InvalidCredentials {
        /// Zoom's `error` field, e.g. `invalid_client`.
        error: String,
    },
    /// The token endpoint answered `invalid_request`: a malformed or unknown Account ID.
    #[error("Zoom refused the token request: malformed or unknown account ({reason})")]
    InvalidRequest {
        /// Zoom's `reason` field (informational, possibly localised).
        reason: String,
    },
    /// A user's grant is dead: the [`crate::UserTokens`] source found its refresh token used
    /// (Zoom rotates them), revoked or expired. The user has to connect again.
    #[error("Zoom refused the grant ({reason})")]
    InvalidGrant {
        /// Why, in words safe to log: the token source's own description, never Zoom's `reason`
        /// text, which can repeat the code or token.
        reason: String,
    },
    /// 400 code 4711: the token lacks a scope; Zoom lists the ones that would be accepted.
    #[error("Zoom access token lacks scopes; acceptable: [{}]", acceptable.join(", "))]
    MissingScopes { acceptable: Vec<String> },
    /// 401 code 124, still after a freshly minted token was tried.
    #[error("Zoom rejected the access token (401 code 124)")]
    InvalidToken,
    /// 404, or codes 3001 (meeting), 1001 (user), 3301 (recording).
    #[error("Zoom resource not found (status {status}, code {code:?})")]
    NotFound { status: u16, code: Option<i64> },
    /// Code 3007: the meeting has already ended.
    #[error("Zoom meeting has already ended (code 3007)")]
    MeetingEnded,
    /// Code 3002: the meeting is in progress.
    #[error("Zoom meeting is in progress (code 3002)")]
    MeetingInProgress,
    /// A per-second limit (`daily == false`) or a daily cap (`daily == true`).
    #[error("Zoom rate limit reached ({}); retry at {retry_at}", if *daily { "daily" } else { "per-second" })]
    RateLimited { retry_at: Timestamp, daily: bool },
    /// Zoom did not answer usefully: 5xx, a timeout, a connection error.
    #[error("Zoom is unavailable: {detail}")]
    Unavailable { status: Option<u16>, detail: String },
    /// A success status whose body is not what the endpoint documents (garbage, wrong shape).
    #[error("Zoom answered {status} with an unexpected body: {detail}")]
    UnexpectedBody { status: u16, detail: String },
    /// A download URL that does not point at Zoom (or at the configured bases): the bearer
    /// token is never sent anywhere else.
    #[error("refusing to send a Zoom token to a URL that is not Zoom's")]
    UntrustedUrl,
    /// Any other answer.
    #[error("Zoom answered {status} (code {code:?}): {message}")]
    Other { status: u16, code: Option<i64>, message: String },
}

impl ZoomError {
    /// Worth retrying later without any change on the user's side: Zoom unavailable or a
    /// rate limit (use [`ZoomError::retry_at`] for when).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::RateLimited { .. })
    }

    /// The earliest moment a retry can succeed, for rate limits.
    pub fn retry_at(&self) -> Option<Timestamp> {
        match self {
            Self::RateLimited { retry_at, .. } => Some(*retry_at),
            _ => None,
        }
    }

    /// The credentials, the account or the token's scopes need the user's attention.
    pub fn needs_reconnect(&self) -> bool {
        matches!(
            self,
            Self::InvalidCredentials { .. }
                | Self::InvalidRequest { .. }
                | Self::InvalidGrant { .. }
                | Self::MissingScopes { .. }
                | Self::InvalidToken
        )
    }

    /// Classifies a transport failure. The URL is dropped from the detail: a download URL may
    /// carry a token in its query.
    pub(crate) fn transport(err: reqwest::Error) -> Self {
        let kind = if err.is_timeout() {
            "timed out"
        } else if err.is_connect() {
            "connection failed"
        } else {
            "transport error"
        };
        Self::Unavailable { status: None, detail: format!("{kind}: {}", err.without_url()) }
    }
}

pub type Result<T, E = ZoomError> = std::result::Result<T, E>;

/// Zoom's generic API error body: `{"code": 3001, "message": "…"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ApiErrorBody {
    pub code: i64,
    #[serde(default)]
    pub message: String,
    /// Present on "Validation Failed" answers (code 300).
    #[serde(default)]
    pub errors: Option<serde_json::Value>,
}

impl ApiErrorBody {
    /// Parses an error body; `None` when it is not one (empty, not JSON, no numeric `code`).
    pub(crate) fn parse(body: &[u8]) -> Option<Self> {
        serde_json::from_slice(body).ok()
    }
}

/// What kind of call produced an answer; it changes what code 300 means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// Meeting create or update: counted against the per-user daily cap.
    MeetingWrite,
    Other,
}

/// Classifies an API (`/v2`) answer that is an error: any non-2xx status, or a 2xx whose body
/// carries an error `code`. Returns `None` for a success.
pub(crate) fn classify_api(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    kind: CallKind,
    now: Timestamp,
) -> Option<ZoomError> {
    let parsed = ApiErrorBody::parse(body);
    if status.is_success() && parsed.is_none() {
        return None;
    }
    let code = parsed.as_ref().map(|b| b.code);
    let message = parsed.as_ref().map(|b| b.message.clone()).unwrap_or_default();
    let status_u16 = status.as_u16();

    if status == StatusCode::TOO_MANY_REQUESTS {
        return Some(rate_limited(headers, &message, now));
    }
    if status.is_server_error() {
        return Some(ZoomError::Unavailable { status: Some(status_u16), detail: format!("HTTP {status_u16}") });
    }
    match code {
        Some(4711) => {
            return Some(ZoomError::MissingScopes { acceptable: parse_scope_list(&message) });
        }
        Some(124) => return Some(ZoomError::InvalidToken),
        Some(3001 | 1001 | 3301) => {
            return Some(ZoomError::NotFound { status: status_u16, code });
        }
        Some(3007) => return Some(ZoomError::MeetingEnded),
        Some(3002) => return Some(ZoomError::MeetingInProgress),
        // Code 300 on a meeting create/update is the per-user daily cap only when it says so ("A
        // maximum of {n} meetings can be created/updated for a single user in one day"); Zoom also
        // answers 300 for an invalid `schedule_for`, login domains or body, and "Validation
        // Failed" (with `errors`). Those are refusals, shown as such.
        Some(300)
            if kind == CallKind::MeetingWrite
                && !is_qps(headers)
                && parsed.as_ref().is_some_and(|b| b.errors.is_none())
                && reads_as_daily_cap(&message) =>
        {
            return Some(ZoomError::RateLimited {
                retry_at: retry_after(headers, now).unwrap_or_else(|| next_utc_midnight(now)),
                daily: true,
            });
        }
        _ => {}
    }
    match status {
        StatusCode::UNAUTHORIZED if code.is_none() => Some(ZoomError::InvalidToken),
        StatusCode::NOT_FOUND => Some(ZoomError::NotFound { status: status_u16, code }),
        _ => Some(ZoomError::Other { status: status_u16, code, message }),
    }
}

/// The token endpoint's error body: `{"reason": "…", "error": "invalid_client"}`.
#[derive(Debug, Deserialize)]
struct TokenErrorBody {
    #[serde(default)]
    error: String,
    #[serde(default)]
    reason: String,
}

/// Classifies a non-2xx answer of `POST /oauth/token`.
pub(crate) fn classify_token(status: StatusCode, headers: &HeaderMap, body: &[u8], now: Timestamp) -> ZoomError {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return rate_limited(headers, "", now);
    }
    if status.is_server_error() {
        return ZoomError::Unavailable {
            status: Some(status.as_u16()),
            detail: format!("token endpoint answered HTTP {}", status.as_u16()),
        };
    }
    let parsed: Option<TokenErrorBody> = serde_json::from_slice(body).ok();
    match parsed {
        Some(b) if b.error == "invalid_request" => ZoomError::InvalidRequest { reason: b.reason },
        // `invalid_client` (wrong id/secret, another account's id, deactivated app),
        // `unsupported_grant_type` (credentials of a non-S2S app), and the app-disabled
        // variants all mean the same to a caller: these credentials do not work.
        Some(b)
            if matches!(
                b.error.as_str(),
                "invalid_client" | "unsupported_grant_type" | "unauthorized_client" | "access_denied"
            ) =>
        {
            ZoomError::InvalidCredentials { error: b.error }
        }
        Some(b) => {
            ZoomError::Other { status: status.as_u16(), code: None, message: format!("{}: {}", b.error, b.reason) }
        }
        None => ZoomError::Other {
            status: status.as_u16(),
            code: None,
            message: "token endpoint answered without an error body".to_owned(),
        },
    }
}

/// A 429. `X-RateLimit-Type` says which limit: `QPS` is a short wait, `Daily-limit` lasts until
/// `Retry-After` (or 00:00 UTC). Without the header it is the per-user daily cap when its text
/// says so (Zoom sends that one bare), else a short retry ("Too many concurrent requests").
fn rate_limited(headers: &HeaderMap, message: &str, now: Timestamp) -> ZoomError {
    let daily = match rate_limit_type(headers) {
        Some(kind) if kind.eq_ignore_ascii_case("qps") => false,
        Some(_) => true,
        None => reads_as_daily_cap(message),
    };
    if daily {
        ZoomError::RateLimited {
            retry_at: retry_after(headers, now).unwrap_or_else(|| next_utc_midnight(now)),
            daily: true,
        }
    } else {
        ZoomError::RateLimited {
            retry_at: retry_after(headers, now).unwrap_or_else(|| now.checked_add(SHORT_WAIT).unwrap_or(now)),
            daily: false,
        }
    }
}

/// How long a 429 without `Retry-After` that is not a daily cap waits.
const SHORT_WAIT: jiff::SignedDuration = jiff::SignedDuration::from_secs(2);

fn rate_limit_type(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-ratelimit-type").and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

fn is_qps(headers: &HeaderMap) -> bool {
    rate_limit_type(headers).is_some_and(|v| v.eq_ignore_ascii_case("qps"))
}

/// Whether a message is Zoom's daily cap: "You have exceeded the daily rate limit (100) of Meeting
/// Create/Update API requests…", "…maximum daily rate limit…", "A maximum of {n} meetings can be
/// created/updated for a single user in one day."
fn reads_as_daily_cap(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("daily") || message.contains("in one day") || message.contains("per day")
}

/// `Retry-After` as delta-seconds, an ISO-8601 instant (Zoom's daily limits, e.g.
/// `2020-05-31T00:00:00Z`, read as UTC when it has no offset) or an HTTP date. Moments in the
/// past become `now`.
fn retry_after(headers: &HeaderMap, now: Timestamp) -> Option<Timestamp> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    let at = parse_retry_after(value, now)?;
    Some(at.max(now))
}

pub(crate) fn parse_retry_after(value: &str, now: Timestamp) -> Option<Timestamp> {
    if let Ok(secs) = value.parse::<i64>() {
        return now.checked_add(secs.clamp(0, 7 * 86_400).seconds()).ok();
    }
    if let Ok(ts) = value.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Ok(dt) = value.parse::<DateTime>() {
        return dt.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp());
    }
    jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value).ok()
}

/// The next 00:00 UTC strictly after `now`, when Zoom's daily caps reset.
pub fn next_utc_midnight(now: Timestamp) -> Timestamp {
    let today = now.to_zoned(TimeZone::UTC).date();
    today.tomorrow().ok().and_then(|d| d.to_zoned(TimeZone::UTC).ok()).map(|z| z.timestamp()).unwrap_or(Timestamp::MAX)
}

/// The acceptable scopes out of a 4711 message: `…does not contain scopes:[a, b].`
/// The bracket is structural, not prose, so reading it does not depend on the language.
fn parse_scope_list(message: &str) -> Vec<String> {
    let Some(open) = message.find('[') else {
        return Vec::new();
    };
    let rest = &message[open + 1..];
    let inner = rest.find(']').map_or(rest, |close| &rest[..close]);
    inner.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-11-28T14:10:05Z".parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn scope_list_is_read_from_the_bracket() {
        assert_eq!(
            parse_scope_list(
                "Invalid access token, does not contain scopes:[meeting:write:meeting, meeting:write:meeting:admin]."
            ),
            vec!["meeting:write:meeting", "meeting:write:meeting:admin"]
        );
        assert!(parse_scope_list("no bracket").is_empty());
    }

    #[test]
    fn retry_after_formats() {
        let n = now();
        assert_eq!(parse_retry_after("7", n), Some(n + 7.seconds()));
        let iso: Timestamp = "2026-11-29T00:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("2026-11-29T00:00:00Z", n), Some(iso));
        assert_eq!(parse_retry_after("2026-11-29T00:00:00", n), Some(iso));
        assert_eq!(parse_retry_after("Sun, 29 Nov 2026 00:00:00 GMT", n), Some(iso));
        assert_eq!(parse_retry_after("soon", n), None);
    }

    #[test]
    fn next_midnight_is_strictly_after() {
        let midnight: Timestamp = "2026-11-29T00:00:00Z".parse().unwrap();
        assert_eq!(next_utc_midnight(now()), midnight);
        assert_eq!(next_utc_midnight(midnight), "2026-11-30T00:00:00Z".parse().unwrap());
    }

    #[test]
    fn classification_by_status_and_code() {
        let n = now();
        let none = HeaderMap::new();
        let c = |status: u16, body: &str, kind| {
            classify_api(StatusCode::from_u16(status).unwrap(), &none, body.as_bytes(), kind, n)
        };
        assert_eq!(c(200, r#"{"id":1}"#, CallKind::Other), None);
        assert_eq!(c(204, "", CallKind::Other), None);
        assert_eq!(
            c(200, r#"{"code":3001,"message":"x"}"#, CallKind::Other),
            Some(ZoomError::NotFound { status: 200, code: Some(3001) })
        );
        assert_eq!(c(400, r#"{"code":3007,"message":"Конференция"}"#, CallKind::Other), Some(ZoomError::MeetingEnded));
        assert_eq!(c(400, r#"{"code":3002,"message":""}"#, CallKind::Other), Some(ZoomError::MeetingInProgress));
        assert_eq!(
            c(401, r#"{"code":124,"message":"Invalid access token."}"#, CallKind::Other),
            Some(ZoomError::InvalidToken)
        );
        let cap = r#"{"code":300,"message":"A maximum of 100 meetings can be created/updated for a single user in one day."}"#;
        assert_eq!(
            c(400, cap, CallKind::MeetingWrite),
            Some(ZoomError::RateLimited { retry_at: next_utc_midnight(n), daily: true })
        );
        for refusal in [
            "The value that you entered for the schedule_for field is invalid. Enter a valid value and try again.",
            "Request Body should be a valid JSON object.",
            "Invalid enforce_login_domains, separate multiple domains by semicolon.",
        ] {
            let body = json!({"code": 300, "message": refusal}).to_string();
            assert!(
                matches!(c(400, &body, CallKind::MeetingWrite), Some(ZoomError::Other { code: Some(300), .. })),
                "{refusal}"
            );
        }
        assert!(matches!(
            c(400, r#"{"code":300,"message":"Validation Failed.","errors":[]}"#, CallKind::MeetingWrite),
            Some(ZoomError::Other { code: Some(300), .. })
        ));
        assert!(matches!(c(400, r#"{"code":300,"message":"x"}"#, CallKind::Other), Some(ZoomError::Other { .. })));
        assert!(matches!(c(503, "<html>", CallKind::Other), Some(ZoomError::Unavailable { status: Some(503), .. })));
        assert!(matches!(c(404, "", CallKind::Other), Some(ZoomError::NotFound { code: None, .. })));
    }

    #[test]
    fn a_429_without_a_type_is_daily_only_when_it_says_so() {
        let none = HeaderMap::new();
        let c = |message: &str| {
            let body = json!({"code": 429, "message": message}).to_string();
            classify_api(StatusCode::TOO_MANY_REQUESTS, &none, body.as_bytes(), CallKind::MeetingWrite, now())
        };
        assert_eq!(
            c(
                "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."
            ),
            Some(ZoomError::RateLimited { retry_at: next_utc_midnight(now()), daily: true })
        );
        assert_eq!(
            c("Too many concurrent requests. A request to disassociate this user has already been made."),
            Some(ZoomError::RateLimited { retry_at: now() + 2.seconds(), daily: false })
        );
        let typed = headers(&[("x-ratelimit-type", "Daily-limit"), ("retry-after", "2026-11-30T00:00:00Z")]);
        assert_eq!(
            classify_api(StatusCode::TOO_MANY_REQUESTS, &typed, b"{}", CallKind::Other, now()),
            Some(ZoomError::RateLimited { retry_at: "2026-11-30T00:00:00Z".parse().unwrap(), daily: true })
        );
    }

    #[test]
    fn qps_429_uses_retry_after() {
        let h = headers(&[("x-ratelimit-type", "QPS"), ("retry-after", "2")]);
        assert_eq!(
            classify_api(StatusCode::TOO_MANY_REQUESTS, &h, b"{}", CallKind::Other, now()),
            Some(ZoomError::RateLimited { retry_at: now() + 2.seconds(), daily: false })
        );
    }

    #[test]
    fn token_endpoint_errors() {
        let none = HeaderMap::new();
        let c = |body: &str| classify_token(StatusCode::BAD_REQUEST, &none, body.as_bytes(), now());
        assert!(matches!(
            c(r#"{"reason":"Invalid client_id or client_secret","error":"invalid_client"}"#),
            ZoomError::InvalidCredentials { .. }
        ));
        assert!(matches!(
            c(r#"{"reason":"unsupported grant type","error":"unsupported_grant_type"}"#),
            ZoomError::InvalidCredentials { .. }
        ));
        assert!(matches!(
            c(r#"{"reason":"Account does not exist","error":"invalid_request"}"#),
            ZoomError::InvalidRequest { .. }
        ));
    }
}
