//! Zoom event notifications: signature check, URL validation answer, typed envelopes.

use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::recordings::RecordingMeeting;
use crate::serde_util::{lenient_i64, opt_timestamp, web_link};

type HmacSha256 = Hmac<Sha256>;

/// Why a notification was refused or could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("x-zm-request-timestamp is missing or not a number of seconds")]
    BadTimestamp,
    #[error("x-zm-request-timestamp is too far from now")]
    StaleTimestamp,
    #[error("x-zm-signature is missing or not `v0=<hex>`")]
    BadSignatureFormat,
    #[error("x-zm-signature does not match")]
    SignatureMismatch,
    #[error("notification body is not a Zoom event: {0}")]
    BadBody(String),
}

fn mac(secret: &SecretString) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

/// Checks `x-zm-signature` (`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed with
/// the app's secret token) in constant time, and refuses a timestamp (seconds) more than
/// `tolerance` away from `now` in either direction, which bounds replays.
pub fn verify_signature(
    secret: &SecretString,
    timestamp_header: &str,
    signature_header: &str,
    raw_body: &[u8],
    now: Timestamp,
    tolerance: SignedDuration,
) -> Result<(), WebhookError> {
    let timestamp = timestamp_header.trim();
    let seconds: i64 = timestamp.parse().map_err(|_| WebhookError::BadTimestamp)?;
    let sent = Timestamp::from_second(seconds).map_err(|_| WebhookError::BadTimestamp)?;
    if now.duration_since(sent).abs() > tolerance.abs() {
        return Err(WebhookError::StaleTimestamp);
    }
    let provided = signature_header
        .trim()
        .strip_prefix("v0=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(WebhookError::BadSignatureFormat)?;
    let mut mac = mac(secret);
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(raw_body);
    mac.verify_slice(&provided).map_err(|_| WebhookError::SignatureMismatch)
}

/// The answer to `endpoint.url_validation`, serialised as Zoom expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UrlValidationResponse {
    pub plain_token: String,
    /// Hex HMAC-SHA256 of `plain_token` keyed with the secret token (hex, not base64).
    pub encrypted_token: String,
}

pub fn url_validation_response(secret: &SecretString, plain_token: &str) -> UrlValidationResponse {
    let mut mac = mac(secret);
    mac.update(plain_token.as_bytes());
    UrlValidationResponse {
        plain_token: plain_token.to_owned(),
        encrypted_token: hex::encode(mac.finalize().into_bytes()),
    }
}

/// A parsed notification. Events this library does not model are `Other`.
#[derive(Debug, Clone)]
pub enum WebhookEvent {
    UrlValidation { plain_token: String },
    MeetingCreated(MeetingEvent),
    MeetingUpdated(MeetingUpdatedEvent),
    MeetingDeleted(MeetingEvent),
    RecordingCompleted(RecordingCompletedEvent),
    Other { event: String, event_ts: Option<i64>, payload: serde_json::Value },
}

/// The meeting as a notification describes it: only `id` is always there.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WebhookMeeting {
    #[serde(deserialize_with = "required_i64")]
    pub id: i64,
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub host_id: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "lenient_i64")]
    pub meeting_type: Option<i64>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub start_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub duration: Option<i64>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default, deserialize_with = "web_link")]
    pub join_url: Option<String>,
}

fn required_i64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    lenient_i64(d)?.ok_or_else(|| serde::de::Error::custom("missing meeting id"))
}

/// `meeting.created` and `meeting.deleted`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingEvent {
    pub event_ts: Option<i64>,
    pub account_id: Option<String>,
    pub operator: Option<String>,
    /// `meeting.deleted`: `all` or `single` (one occurrence).
    pub operation: Option<String>,
    pub meeting: WebhookMeeting,
}

/// `meeting.updated`: `meeting` holds the changed fields, `old_meeting` their previous values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingUpdatedEvent {
    pub event_ts: Option<i64>,
    pub account_id: Option<String>,
    pub operator: Option<String>,
    /// `single` or `all` for recurring meetings.
    pub scope: Option<String>,
    pub meeting: WebhookMeeting,
    pub old_meeting: Option<WebhookMeeting>,
}

/// `recording.completed`.
#[derive(Debug, Clone)]
pub struct RecordingCompletedEvent {
    pub event_ts: Option<i64>,
    pub account_id: Option<String>,
    /// A token that authorises downloading these files for a while.
    pub download_token: Option<SecretString>,
    pub recording: RecordingMeeting,
}

#[derive(Deserialize)]
struct Envelope {
    event: String,
    #[serde(default)]
    event_ts: Option<i64>,
    #[serde(default)]
    download_token: Option<SecretString>,
    #[serde(default)]
    payload: serde_json::Value,
}

#[derive(Deserialize)]
struct Payload<T> {
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    object: T,
    #[serde(default)]
    old_object: Option<WebhookMeeting>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidationPayload {
    plain_token: String,
}

/// Parses a notification body (after [`verify_signature`]). Unknown fields are ignored.
pub fn parse_event(raw_body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let envelope: Envelope = serde_json::from_slice(raw_body).map_err(bad_body)?;
    let event_ts = envelope.event_ts;
    let payload = envelope.payload;
    Ok(match envelope.event.as_str() {
        "endpoint.url_validation" => {
            let p: ValidationPayload = serde_json::from_value(payload).map_err(bad_body)?;
            WebhookEvent::UrlValidation { plain_token: p.plain_token }
        }
        "meeting.created" | "meeting.deleted" => {
            let p: Payload<WebhookMeeting> = serde_json::from_value(payload).map_err(bad_body)?;
            let event = MeetingEvent {
                event_ts,
                account_id: p.account_id,
                operator: p.operator,
                operation: p.operation,
                meeting: p.object,
            };
            if envelope.event == "meeting.created" {
                WebhookEvent::MeetingCreated(event)
            } else {
                WebhookEvent::MeetingDeleted(event)
            }
        }
        "meeting.updated" => {
            let p: Payload<WebhookMeeting> = serde_json::from_value(payload).map_err(bad_body)?;
            WebhookEvent::MeetingUpdated(MeetingUpdatedEvent {
                event_ts,
                account_id: p.account_id,
                operator: p.operator,
                scope: p.scope,
                meeting: p.object,
                old_meeting: p.old_object,
            })
        }
        "recording.completed" => {
            let p: Payload<RecordingMeeting> = serde_json::from_value(payload).map_err(bad_body)?;
            WebhookEvent::RecordingCompleted(RecordingCompletedEvent {
                event_ts,
                account_id: p.account_id,
                download_token: envelope.download_token,
                recording: p.object,
            })
        }
        _ => WebhookEvent::Other { event: envelope.event, event_ts, payload },
    })
}

fn bad_body(e: serde_json::Error) -> WebhookError {
    WebhookError::BadBody(format!("{:?} error at line {}", e.classify(), e.line()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretString {
        SecretString::from("whsec_test")
    }

    fn sign(ts: &str, body: &str) -> String {
        let mut m = mac(&secret());
        m.update(format!("v0:{ts}:{body}").as_bytes());
        format!("v0={}", hex::encode(m.finalize().into_bytes()))
    }

    #[test]
    fn signature_is_checked_with_tolerance() {
        let body = r#"{"event":"meeting.created"}"#;
        let now = Timestamp::from_second(1_739_923_528).unwrap();
        let tol = SignedDuration::from_mins(5);
        let sig = sign("1739923528", body);
        assert_eq!(verify_signature(&secret(), "1739923528", &sig, body.as_bytes(), now, tol), Ok(()));
        assert_eq!(
            verify_signature(&secret(), "1739923528", &sig, b"{}", now, tol),
            Err(WebhookError::SignatureMismatch)
        );
        let late = now + SignedDuration::from_secs(301);
        let early = now - SignedDuration::from_secs(301);
        for when in [late, early] {
            assert_eq!(
                verify_signature(&secret(), "1739923528", &sig, body.as_bytes(), when, tol),
                Err(WebhookError::StaleTimestamp)
            );
        }
        // Milliseconds are not seconds: far off, refused.
        assert!(matches!(
            verify_signature(&secret(), "1739923528000", &sig, body.as_bytes(), now, tol),
            Err(WebhookError::StaleTimestamp | WebhookError::BadTimestamp)
        ));
        assert_eq!(
            verify_signature(&secret(), "1739923528", "sha256=00", body.as_bytes(), now, tol),
            Err(WebhookError::BadSignatureFormat)
        );
        assert_eq!(verify_signature(&secret(), "x", &sig, body.as_bytes(), now, tol), Err(WebhookError::BadTimestamp));
    }

    #[test]
    fn url_validation_is_hex_hmac_of_the_plain_token() {
        let r = url_validation_response(&secret(), "qgg8vlvZRS6UYooatFL8Aw");
        let mut m = mac(&secret());
        m.update(b"qgg8vlvZRS6UYooatFL8Aw");
        assert_eq!(r.encrypted_token, hex::encode(m.finalize().into_bytes()));
        assert_eq!(r.encrypted_token.len(), 64);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
        assert!(json["encryptedToken"].is_string());
    }

    #[test]
    fn envelopes_are_parsed_tolerantly() {
        let v = parse_event(
            br#"{"payload":{"plainToken":"abc"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#,
        )
        .unwrap();
        assert!(matches!(v, WebhookEvent::UrlValidation { plain_token } if plain_token == "abc"));

        let c = parse_event(br#"{"event":"meeting.created","event_ts":1,"payload":{"account_id":"a","operator":"o@x","object":{"uuid":"u==","id":85746065432,"host_id":"h","topic":"t","type":2,"start_time":"2026-01-01T10:00:00Z","duration":30,"timezone":"UTC","join_url":"https://zoom.us/j/1","settings":{"use_pmi":false}}}}"#).unwrap();
        let WebhookEvent::MeetingCreated(c) = c else { panic!("created") };
        assert_eq!(c.meeting.id, 85_746_065_432);

        let u = parse_event(br#"{"event":"meeting.updated","event_ts":2,"payload":{"account_id":"a","operator":"o","scope":"all","object":{"id":"85746065432","topic":"new"},"old_object":{"id":85746065432,"topic":"old"},"time_stamp":3}}"#).unwrap();
        let WebhookEvent::MeetingUpdated(u) = u else { panic!("updated") };
        assert_eq!(u.old_meeting.unwrap().topic.as_deref(), Some("old"));

        let d = parse_event(
            br#"{"event":"meeting.deleted","payload":{"object":{"id":1,"uuid":"x"},"operation":"single"}}"#,
        )
        .unwrap();
        assert!(
            matches!(d, WebhookEvent::MeetingDeleted(MeetingEvent { operation: Some(ref o), .. }) if o == "single")
        );

        let r = parse_event(br#"{"event":"recording.completed","event_ts":4,"download_token":"tok","payload":{"account_id":"a","object":{"uuid":"u","id":1,"type":2,"recording_files":[{"id":"f","meeting_id":"u","file_type":"MP4","status":"completed","recording_end":""}]}}}"#).unwrap();
        let WebhookEvent::RecordingCompleted(r) = r else { panic!("recording") };
        assert_eq!(r.recording.recording_files.len(), 1);
        assert!(!format!("{r:?}").contains("tok\""));

        assert!(matches!(
            parse_event(br#"{"event":"meeting.started","payload":{}}"#).unwrap(),
            WebhookEvent::Other { .. }
        ));
        assert!(parse_event(b"not json").is_err());
    }
}
