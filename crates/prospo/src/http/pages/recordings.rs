//! Recordings: the host's Zoom cloud recordings over a chosen range, grouped by meeting, each file
//! with play, download (streamed through Prospo) and delete (trash by default, after confirmation).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use jiff::civil::Date;
use serde::Deserialize;
use zoom::DeleteAction;

use super::{Frame, PageResult, flash};
use crate::http::AppState;
use crate::http::pages::PageUser;
use crate::integrations::zoom::recordings::Recordings;
use crate::integrations::zoom::recordings::{FileView, MAX_RANGE_DAYS, RecordedMeeting, RecordingError};
use crate::timefmt::human_ms;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/recordings", get(recordings_page))
        .route("/recordings/files/{file_id}/delete", post(delete_file))
}

/// What the page could show.
enum Listing {
    Meetings(Vec<MeetingBlock>),
    NotConnected,
    NeedsAttention,
    ZoomUnavailable,
}

struct MeetingBlock {
    topic: String,
    when: String,
    meeting_id: Option<String>,
    files: Vec<FileRow>,
}

pub(super) struct FileRow {
    pub(super) id: String,
    pub(super) meeting_uuid: String,
    pub(super) file_type: String,
    pub(super) size: String,
    pub(super) span: String,
    pub(super) processing: bool,
    pub(super) play_url: Option<String>,
    pub(super) download_url: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "recordings.html")]
struct RecordingsPage {
    frame: Frame,
    from: String,
    to: String,
    /// Where a delete returns to: this range.
    back: String,
    listing: Listing,
}

impl RecordingsPage {
    /// A range end as people read it ("1 Nov 2026"); the date fields keep YYYY-MM-DD.
    fn human(date: &str) -> String {
        date.parse::<jiff::civil::Date>()
            .map(|d| d.strftime("%-d %b %Y").to_string())
            .unwrap_or_else(|_| date.to_owned())
    }

    fn range_text(&self) -> String {
        format!("{} and {}", Self::human(&self.from), Self::human(&self.to))
    }
}

#[derive(Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The range asked for, in order, and at most [`MAX_RANGE_DAYS`] long (ending where it ends): a
/// link cannot make the page spend the host's Zoom rate limit.
fn range(query: &RangeQuery, now: jiff::Timestamp) -> (Date, Date) {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let to = query.to.as_deref().and_then(|d| d.parse().ok()).unwrap_or(today);
    let from =
        query.from.as_deref().and_then(|d| d.parse().ok()).unwrap_or(to.saturating_sub(jiff::Span::new().days(30)));
    let (from, to) = if from > to { (to, from) } else { (from, to) };
    (from.max(to.saturating_sub(jiff::Span::new().days(MAX_RANGE_DAYS as i64))), to)
}

fn instant_ms(rfc3339: Option<&str>) -> Option<i64> {
    rfc3339.and_then(|s| s.parse::<jiff::Timestamp>().ok()).map(|t| t.as_millisecond())
}

pub(super) fn file_row(file: FileView, zone: Option<&str>) -> FileRow {
    let start = instant_ms(file.recording_start.as_deref());
    let end = instant_ms(file.recording_end.as_deref());
    let span = match (start, end) {
        (Some(s), Some(e)) => crate::timefmt::human_range_ms(s, e, zone),
        (Some(s), None) => format!("{} – still processing", human_ms(s, zone)),
        _ => String::new(),
    };
    let playable = matches!(file.file_type.as_str(), "MP4" | "M4A");
    FileRow {
        processing: file.status == "processing",
        size: human_size(file.file_size),
        id: file.id,
        meeting_uuid: file.meeting_uuid,
        file_type: file_type_name(&file.file_type),
        span,
        // Zoom's player plays video and audio; a transcript or chat is downloaded instead.
        play_url: file.play_url.filter(|_| playable),
        download_url: file.download_url,
    }
}

/// What a person calls Zoom's file types.
fn file_type_name(zoom_type: &str) -> String {
    match zoom_type {
        "MP4" => "Video",
        "M4A" => "Audio only",
        "TRANSCRIPT" => "Transcript",
        "CHAT" => "Chat",
        "CC" => "Captions",
        "TIMELINE" => "Timeline",
        "SUMMARY" => "Summary",
        "CSV" => "Poll results",
        other => return other.to_owned(),
    }
    .to_owned()
}

fn meeting_block(meeting: RecordedMeeting, zone: Option<&str>) -> MeetingBlock {
    MeetingBlock {
        when: instant_ms(meeting.start.as_deref()).map(|ms| human_ms(ms, zone)).unwrap_or_default(),
        topic: if meeting.topic.is_empty() { "Zoom meeting".into() } else { meeting.topic },
        meeting_id: meeting.meeting_id,
        files: meeting.files.into_iter().map(|f| file_row(f, zone)).collect(),
    }
}

async fn recordings_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Query(query): Query<RangeQuery>,
) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let (from, to) = range(&query, state.clock.now());
    // The host's zone, as on the meeting page: the same file reads the same time everywhere.
    let zone = super::host_zone(&state, &user).await?;
    let listing = match Recordings(&state).recordings(&user.id, from, to).await {
        Ok(meetings) => Listing::Meetings(meetings.into_iter().map(|m| meeting_block(m, Some(&zone))).collect()),
        Err(RecordingError::NotConnected) => Listing::NotConnected,
        // A lost scope or credential shows as Needs attention, not as an error page.
        Err(RecordingError::NeedsAttention) => Listing::NeedsAttention,
        Err(RecordingError::ZoomUnavailable) => Listing::ZoomUnavailable,
        Err(RecordingError::NotFound | RecordingError::RangeTooLong) => Listing::Meetings(Vec::new()),
        Err(RecordingError::Internal(e)) => return Err(e.into()),
    };
    let frame = Frame::for_user("Recordings", "recordings", &user, flash);
    let back = format!("/recordings?from={from}&to={to}");
    Ok((jar, RecordingsPage { frame, from: from.to_string(), to: to.to_string(), back, listing }).into_response())
}

#[derive(Deserialize)]
pub struct DeleteForm {
    meeting_uuid: String,
    #[serde(default)]
    action: String,
    /// The page to return to (a local path only).
    #[serde(default)]
    back: String,
}

async fn delete_file(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(file_id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> PageResult<Response> {
    let (action, done) = match form.action.as_str() {
        "delete" => (DeleteAction::Delete, "The file was deleted permanently."),
        _ => (DeleteAction::Trash, "The file was moved to Zoom's trash (recoverable there for 30 days)."),
    };
    let jar = match Recordings(&state).delete_recording(&user.id, &form.meeting_uuid, &file_id, action).await {
        Ok(()) => flash::set(jar, "success", done),
        Err(RecordingError::NotFound) => flash::set(jar, "error", "That file does not exist (it may already be gone)."),
        Err(RecordingError::NotConnected) => flash::set(jar, "error", "Zoom is not connected."),
        Err(RecordingError::ZoomUnavailable) => {
            flash::set(jar, "error", "Zoom did not answer. Nothing was deleted; please try again.")
        }
        Err(e @ RecordingError::NeedsAttention) => flash::set(jar, "error", &e.to_string()),
        Err(e @ RecordingError::RangeTooLong) => flash::set(jar, "error", &e.to_string()),
        Err(RecordingError::Internal(e)) => return Err(e.into()),
    };
    Ok((jar, Redirect::to(super::local_path_or(&form.back, "/recordings"))).into_response())
}

/// Bytes as people read them.
fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut size = bytes as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_like_a_person_would_say_them() {
        assert_eq!(super::human_size(512), "512 B");
        assert_eq!(super::human_size(1536), "1.5 KB");
        assert_eq!(super::human_size(5 * 1024 * 1024), "5.0 MB");
    }
}
