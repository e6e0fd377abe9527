//! Cloud recordings: list a user's, read a meeting's, delete a file, download a file.

use std::collections::HashSet;

use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use jiff::{Timestamp, ToSpan, civil::Date};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::Auth;
use crate::client::{PathSegment, ZoomClient};
use crate::error::{CallKind, Result, ZoomError};
use crate::meetings::{PAGE_SIZE, next_token};
use crate::serde_util::{lenient_i64, opt_timestamp, web_link};

/// One recorded meeting instance with its files.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordingMeeting {
    /// The instance's UUID (each instance of a meeting has its own).
    pub uuid: String,
    /// The numeric meeting id.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub id: Option<i64>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub host_id: Option<String>,
    #[serde(default)]
    pub host_email: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    /// Documented as a string, sent as an integer: both are read.
    #[serde(default, rename = "type", deserialize_with = "lenient_i64")]
    pub meeting_type: Option<i64>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub start_time: Option<Timestamp>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub duration: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub total_size: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub recording_count: Option<i64>,
    #[serde(default, deserialize_with = "web_link")]
    pub share_url: Option<String>,
    #[serde(default)]
    pub recording_play_passcode: Option<SecretString>,
    #[serde(default)]
    pub password: Option<SecretString>,
    /// Only with `include_fields=download_access_token`.
    #[serde(default)]
    pub download_access_token: Option<SecretString>,
    #[serde(default)]
    pub recording_files: Vec<RecordingFile>,
}

/// One file of a recording.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RecordingFile {
    #[serde(default)]
    pub id: Option<String>,
    /// The meeting instance's UUID (not the numeric id).
    #[serde(default)]
    pub meeting_id: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub recording_start: Option<Timestamp>,
    /// `None` while the file is still processing.
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub recording_end: Option<Timestamp>,
    /// `MP4`, `M4A`, `TRANSCRIPT`, `CHAT`, …
    #[serde(default)]
    pub file_type: Option<String>,
    #[serde(default)]
    pub file_extension: Option<String>,
    /// Bytes.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub file_size: Option<i64>,
    #[serde(default, deserialize_with = "web_link")]
    pub play_url: Option<String>,
    #[serde(default, deserialize_with = "web_link")]
    pub download_url: Option<String>,
    /// `completed` or `processing`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub recording_type: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub deleted_time: Option<Timestamp>,
}

/// What `delete_recording_file` does with the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeleteAction {
    /// Move to the trash (recoverable for 30 days; Zoom's default).
    #[default]
    Trash,
    /// Delete permanently.
    Delete,
}

impl DeleteAction {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Trash => "trash",
            Self::Delete => "delete",
        }
    }
}

#[derive(Deserialize)]
struct RecordingPage {
    #[serde(default)]
    meetings: Vec<RecordingMeeting>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// The windows to ask Zoom for so that every recording dated `from..=to` (UTC) is listed, whatever
/// Zoom's reading of its dates: Zoom clamps a range longer than a month to its last month, and
/// documents neither the zone of `from`/`to` (the account's, as seen) nor whether `to` is
/// inclusive. So the range starts a day early (zones reach UTC−12) and ends two days late (UTC+14,
/// and an exclusive `to`), each window is under a month, and each starts on the previous one's
/// last day (an exclusive `to` loses nothing).
pub(crate) fn month_windows(from: Date, to: Date) -> Vec<(Date, Date)> {
    if from > to {
        return Vec::new();
    }
    let from = from.yesterday().unwrap_or(from);
    let to = to.checked_add(2.days()).unwrap_or(to);
    let mut windows = Vec::new();
    let mut start = from;
    loop {
        let end = start.checked_add(1.month()).and_then(|d| d.yesterday()).map_or(to, |d| d.min(to));
        windows.push((start, end));
        if end >= to {
            return windows;
        }
        start = end;
    }
}

/// Adds a window's meetings to `found`: an instance seen before gains only files it lacked.
fn merge(found: &mut Vec<RecordingMeeting>, page: Vec<RecordingMeeting>) {
    for meeting in page {
        match found.iter_mut().find(|m| m.uuid == meeting.uuid) {
            Some(known) => {
                for file in meeting.recording_files {
                    if file.id.is_none() || !known.recording_files.iter().any(|f| f.id == file.id) {
                        known.recording_files.push(file);
                    }
                }
            }
            None => found.push(meeting),
        }
    }
}

/// Whether a listed meeting's start falls on `from..=to` (UTC); undated ones are kept.
fn starts_within(meeting: &RecordingMeeting, from: Date, to: Date) -> bool {
    meeting.start_time.is_none_or(|t| {
        let day = t.to_zoned(jiff::tz::TimeZone::UTC).date();
        from <= day && day <= to
    })
}

impl ZoomClient {
    /// `GET /users/{user}/recordings` for the meetings that started on the inclusive UTC dates
    /// `from..=to`, however long the range: one request series per window of `month_windows`,
    /// every page followed, each meeting instance once (by UUID, its files by id) in the order
    /// first seen.
    pub async fn list_user_recordings(
        &self,
        auth: &Auth,
        user: &str,
        from: Date,
        to: Date,
    ) -> Result<Vec<RecordingMeeting>> {
        let url =
            self.api_url(&[PathSegment::Literal("users"), PathSegment::Id(user), PathSegment::Literal("recordings")]);
        let mut meetings = Vec::new();
        for (window_from, window_to) in month_windows(from, to) {
            let (window_from, window_to) = (window_from.to_string(), window_to.to_string());
            let mut seen_tokens = HashSet::new();
            let mut next: Option<String> = None;
            loop {
                let page: RecordingPage = self
                    .json(auth, CallKind::Other, |http| {
                        let mut query =
                            vec![("from", window_from.as_str()), ("to", window_to.as_str()), ("page_size", PAGE_SIZE)];
                        if let Some(token) = &next {
                            query.push(("next_page_token", token));
                        }
                        http.get(&url).query(&query)
                    })
                    .await?;
                merge(&mut meetings, page.meetings);
                match next_token(page.next_page_token, &mut seen_tokens)? {
                    Some(token) => next = Some(token),
                    None => break,
                }
            }
        }
        meetings.retain(|m| starts_within(m, from, to));
        Ok(meetings)
    }

    /// `GET /meetings/{id or uuid}/recordings`: a numeric id means the latest instance.
    pub async fn get_meeting_recordings(&self, auth: &Auth, meeting_id_or_uuid: &str) -> Result<RecordingMeeting> {
        let url = self.api_url(&[
            PathSegment::Literal("meetings"),
            PathSegment::MeetingUuid(meeting_id_or_uuid),
            PathSegment::Literal("recordings"),
        ]);
        self.json(auth, CallKind::Other, |http| http.get(&url)).await
    }

    /// `DELETE /meetings/{uuid}/recordings/{file_id}?action=trash|delete` → 204.
    pub async fn delete_recording_file(
        &self,
        auth: &Auth,
        meeting_uuid: &str,
        file_id: &str,
        action: DeleteAction,
    ) -> Result<()> {
        let url = self.api_url(&[
            PathSegment::Literal("meetings"),
            PathSegment::MeetingUuid(meeting_uuid),
            PathSegment::Literal("recordings"),
            PathSegment::Id(file_id),
        ]);
        self.no_content(auth, CallKind::Other, |http| http.delete(&url).query(&[("action", action.as_str())])).await
    }

    /// Starts downloading a recording file: the bearer token goes in the header (never the
    /// query), and the answer is returned unread so the caller can stream it. The download
    /// timeout replaces the shorter API timeout. Only Zoom hosts over HTTPS, or the configured
    /// bases, ever receive the token: redirects ("`download_url` may be a redirect") are followed
    /// while they stay on those hosts, the token added again at each; one elsewhere is refused.
    /// A 401, with or without Zoom's code 124 (seen with valid tokens, ZoomNet#348), asks for a new
    /// token once and starts again from `download_url`.
    pub async fn download_recording(&self, auth: &Auth, download_url: &str) -> Result<reqwest::Response> {
        const MAX_REDIRECTS: usize = 5;
        let first = reqwest::Url::parse(download_url).map_err(|_| ZoomError::UntrustedUrl)?;
        if !self.trusted_url(&first) {
            return Err(ZoomError::UntrustedUrl);
        }
        let timeout = self.download_timeout();
        let mut token = self.token_for(auth).await?;
        let mut reminted = false;
        let mut url = first.clone();
        let mut redirects = 0;
        loop {
            let response = self
                .downloads()
                .get(url.clone())
                .bearer_auth(token.secret().expose_secret())
                .timeout(timeout)
                .send()
                .await
                .map_err(ZoomError::transport)?;
            let status = response.status();
            if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED {
                redirects += 1;
                let next = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|location| url.join(location).ok());
                let Some(next) = next.filter(|_| redirects <= MAX_REDIRECTS) else {
                    let detail = format!("download redirect {redirects} leads nowhere usable");
                    return Err(ZoomError::Unavailable { status: Some(status.as_u16()), detail });
                };
                if !self.trusted_url(&next) {
                    return Err(ZoomError::UntrustedUrl);
                }
                url = next;
                continue;
            }
            if status == reqwest::StatusCode::UNAUTHORIZED {
                if reminted {
                    return Err(ZoomError::InvalidToken);
                }
                tracing::info!(auth = auth.label(), "Zoom refused a download with 401; trying a fresh token once");
                reminted = true;
                token = self.replace_rejected(auth, &token).await?;
                (url, redirects) = (first.clone(), 0);
                continue;
            }
            if status.is_success() {
                return Ok(response);
            }
            return Err(crate::client::read_error(response, CallKind::Other).await);
        }
    }

    /// [`ZoomClient::download_recording`] as a stream of chunks; transport failures midway
    /// are `Unavailable`.
    pub async fn download_recording_stream(
        &self,
        auth: &Auth,
        download_url: &str,
    ) -> Result<impl Stream<Item = Result<Bytes>> + Send + 'static> {
        let response = self.download_recording(auth, download_url).await?;
        Ok(response.bytes_stream().map_err(ZoomError::transport))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn windows_are_padded_under_a_month_and_overlap_by_a_day() {
        let w = month_windows(date(2026, 1, 1), date(2026, 2, 10));
        assert_eq!(w, vec![(date(2025, 12, 31), date(2026, 1, 30)), (date(2026, 1, 30), date(2026, 2, 12))]);
        let w = month_windows(date(2026, 1, 31), date(2026, 4, 1));
        for pair in w.windows(2) {
            assert_eq!(pair[0].1, pair[1].0, "each window starts on the last day of the one before");
        }
        for (start, end) in &w {
            assert!(*end < start.checked_add(1.month()).unwrap(), "{start}..{end} is under a month");
        }
        assert_eq!(w.first().unwrap().0, date(2026, 1, 30));
        assert_eq!(w.last().unwrap().1, date(2026, 4, 3));
        assert_eq!(month_windows(date(2026, 5, 5), date(2026, 5, 5)), vec![(date(2026, 5, 4), date(2026, 5, 7))]);
        assert!(month_windows(date(2026, 5, 6), date(2026, 5, 5)).is_empty());
    }

    #[test]
    fn recording_parses_integer_type_and_processing_files() {
        let m: RecordingMeeting = serde_json::from_str(r#"{"uuid":"ab+/cd==","id":123,"type":2,"start_time":"2026-01-01T10:00:00Z","recording_files":[{"id":"f1","meeting_id":"ab+/cd==","recording_start":"2026-01-01T10:00:01Z","recording_end":"","file_type":"MP4","file_size":1024,"status":"processing","download_url":"https://zoom.us/rec/download/x"}],"extra":true}"#).unwrap();
        assert_eq!(m.meeting_type, Some(2));
        assert_eq!(m.recording_files[0].recording_end, None);
        let s: RecordingMeeting = serde_json::from_str(r#"{"uuid":"u","type":"8","recording_files":[]}"#).unwrap();
        assert_eq!(s.meeting_type, Some(8));
    }
}
