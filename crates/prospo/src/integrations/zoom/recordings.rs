//! Cloud recordings: read from Zoom when asked, limited to the connection's own Zoom user (admin
//! scopes could reach other users of the account), streamed through Prospo for download (Zoom's
//! download links need the account's token, which never reaches a browser), and deleted to Zoom's
//! trash unless permanent deletion is asked for. Every read of a Prospo meeting's files is kept
//! with it, and tells its host's endpoints `recording.ready` once the set is complete.

use bytes::Bytes;
use futures::Stream;
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;
use zoom::{Auth, DeleteAction, RecordingFile, RecordingMeeting, ZoomError};

use super::auth;
use super::health::check;
use crate::app::App;
use crate::integrations::webhooks::events::{RecordingsSeen, recordings_seen};
use crate::store::zoom_connections::ZoomConnectionRow;

/// A recorded meeting instance with its files, as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordedMeeting {
    pub zoom_meeting_id: Option<i64>,
    pub zoom_uuid: String,
    pub topic: String,
    /// UTC, `Z`.
    pub start: Option<String>,
    /// The Prospo meeting this recording belongs to, when one matches.
    pub meeting_id: Option<String>,
    pub files: Vec<FileView>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct FileView {
    pub id: String,
    pub meeting_uuid: String,
    /// `MP4`, `M4A`, `TRANSCRIPT`, …
    pub file_type: String,
    /// Bytes.
    pub file_size: i64,
    /// `completed` or `processing`.
    pub status: String,
    pub recording_start: Option<String>,
    /// Empty while processing.
    pub recording_end: Option<String>,
    pub play_url: Option<String>,
    /// Prospo's streaming route (never Zoom's link).
    pub download_url: String,
}

/// How long after a meeting's end the periodic check looks for its recordings.
const AWAIT_RECORDINGS_MS: i64 = 3 * 24 * 3600 * 1000;

/// Longest range listed at once (Zoom is asked one month at a time).
pub const MAX_RANGE_DAYS: i32 = 366;

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("`from` must be on or before `to`, at most 366 days apart.")]
    RangeTooLong,
    #[error("Zoom is not connected.")]
    NotConnected,
    #[error("Not found.")]
    NotFound,
    #[error("Zoom did not answer. Please try again.")]
    ZoomUnavailable,
    /// Zoom refused the app (e.g. a recording scope was removed): the card says what to fix.
    #[error("Zoom needs attention: reconnect it in Settings → Integrations.")]
    NeedsAttention,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Which files: the connection's own Zoom user's, never another user's of the same account.
fn is_own(recording: &RecordingMeeting, connection: &ZoomConnectionRow) -> bool {
    recording.host_id.as_deref() == Some(connection.zoom_user_id.as_str())
}

pub fn file_view(file: &RecordingFile, uuid: &str) -> Option<FileView> {
    let id = file.id.clone()?;
    let query: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("meeting_uuid", uuid).finish();
    Some(FileView {
        download_url: format!("/api/v1/recordings/files/{id}/download?{query}"),
        id,
        meeting_uuid: uuid.to_owned(),
        file_type: file.file_type.clone().unwrap_or_default(),
        file_size: file.file_size.unwrap_or(0),
        status: file.status.clone().unwrap_or_else(|| "completed".into()),
        recording_start: file.recording_start.map(|t| t.to_string()),
        recording_end: file.recording_end.map(|t| t.to_string()),
        play_url: file.play_url.clone(),
    })
}

/// The recordings of a host, read from Zoom with their connection.
pub struct Recordings<'a>(pub &'a App);

impl Recordings<'_> {
    async fn connection_and_auth(&self, user_id: &str) -> Result<(ZoomConnectionRow, Auth), RecordingError> {
        let connection = self
            .0
            .db
            .zoom_connection_of(user_id)
            .await
            .map_err(anyhow::Error::from)?
            .ok_or(RecordingError::NotConnected)?;
        let auth = auth(self.0, &connection).map_err(|_| RecordingError::NotConnected)?;
        Ok((connection, auth))
    }

    /// Zoom errors while reading recordings. A credential or scope problem runs the health check at
    /// once, so the card (and this answer) says Needs attention rather than showing an error.
    async fn recording_error(&self, connection: &ZoomConnectionRow, error: ZoomError) -> RecordingError {
        match error {
            ZoomError::NotFound { .. } => RecordingError::NotFound,
            e if e.needs_reconnect() => {
                if let Err(check_error) = check(self.0, connection, true).await {
                    tracing::error!(error = ?check_error, "health check after a refused recordings call failed");
                }
                RecordingError::NeedsAttention
            }
            e => {
                tracing::warn!(error = %e, "zoom recordings call failed");
                RecordingError::ZoomUnavailable
            }
        }
    }

    /// The user's recordings from `from` to `to` (inclusive), grouped by meeting instance and
    /// linked to Prospo meetings where the Zoom meeting id matches.
    pub async fn recordings(
        &self,
        user_id: &str,
        from: Date,
        to: Date,
    ) -> Result<Vec<RecordedMeeting>, RecordingError> {
        // Zoom is asked one month at a time: an unbounded range would spend the host's rate limit.
        if from > to || (to - from).get_days() > MAX_RANGE_DAYS {
            return Err(RecordingError::RangeTooLong);
        }
        let (connection, auth) = self.connection_and_auth(user_id).await?;
        let listed = match self.0.zoom.client.list_user_recordings(&auth, &connection.zoom_user_id, from, to).await {
            Ok(listed) => listed,
            Err(e) => return Err(self.recording_error(&connection, e).await),
        };
        let mut out = Vec::new();
        for recording in listed.iter().filter(|r| is_own(r, &connection)) {
            let meeting = match recording.id {
                Some(zoom_id) => self.0.db.meeting_by_zoom_id(user_id, zoom_id).await.map_err(anyhow::Error::from)?,
                None => None,
            };
            let files: Vec<FileView> =
                recording.recording_files.iter().filter_map(|f| file_view(f, &recording.uuid)).collect();
            if let Some(meeting) = &meeting {
                recordings_seen(self.0, meeting, &recording.uuid, &files, RecordingsSeen::Read).await?;
            }
            out.push(RecordedMeeting {
                zoom_meeting_id: recording.id,
                zoom_uuid: recording.uuid.clone(),
                topic: recording.topic.clone().unwrap_or_default(),
                start: recording.start_time.map(|t| t.to_string()),
                meeting_id: meeting.map(|m| m.id),
                files,
            });
        }
        Ok(out)
    }

    /// One Prospo meeting's recording files (of its latest instance), read from Zoom now and kept.
    pub async fn meeting_recordings(
        &self,
        user_id: &str,
        zoom_meeting_id: i64,
    ) -> Result<Vec<FileView>, RecordingError> {
        let (connection, auth) = self.connection_and_auth(user_id).await?;
        match self.0.zoom.client.get_meeting_recordings(&auth, &zoom_meeting_id.to_string()).await {
            Ok(recording) if is_own(&recording, &connection) => {
                let files: Vec<FileView> =
                    recording.recording_files.iter().filter_map(|f| file_view(f, &recording.uuid)).collect();
                let meeting =
                    self.0.db.meeting_by_zoom_id(user_id, zoom_meeting_id).await.map_err(anyhow::Error::from)?;
                if let Some(meeting) = &meeting {
                    recordings_seen(self.0, meeting, &recording.uuid, &files, RecordingsSeen::Read).await?;
                }
                Ok(files)
            }
            Ok(_) | Err(ZoomError::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(self.recording_error(&connection, e).await),
        }
    }

    /// The periodic check's part, for hosts whose Zoom does not notify Prospo: when an endpoint of
    /// theirs awaits `recording.ready` for Zoom meetings that ended in the last three days, one
    /// listing over those days keeps their files (and announces each complete set). Hosts without
    /// such an endpoint, or with nothing awaited, cost Zoom nothing.
    pub async fn poll_awaited(&self, user_id: &str) -> Result<(), RecordingError> {
        let now = self.0.now_ms();
        let since = now - AWAIT_RECORDINGS_MS;
        let earliest = self.0.db.awaited_recordings_since(user_id, since, now).await.map_err(anyhow::Error::from)?;
        let Some(earliest) = earliest else { return Ok(()) };
        let day = |ms: i64| jiff::Timestamp::from_millisecond(ms).map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date());
        let (from, to) = (day(earliest).map_err(anyhow::Error::from)?, day(now).map_err(anyhow::Error::from)?);
        self.recordings(user_id, from, to).await.map(|_| ())
    }

    /// Finds a file of the user's own recording, or `NotFound`.
    async fn own_file(
        &self,
        user_id: &str,
        meeting_uuid: &str,
        file_id: &str,
    ) -> Result<(ZoomConnectionRow, Auth, RecordingFile), RecordingError> {
        let (connection, auth) = self.connection_and_auth(user_id).await?;
        let recording = match self.0.zoom.client.get_meeting_recordings(&auth, meeting_uuid).await {
            Ok(recording) => recording,
            Err(e) => return Err(self.recording_error(&connection, e).await),
        };
        if !is_own(&recording, &connection) {
            return Err(RecordingError::NotFound);
        }
        let file = recording
            .recording_files
            .into_iter()
            .find(|f| f.id.as_deref() == Some(file_id))
            .ok_or(RecordingError::NotFound)?;
        Ok((connection, auth, file))
    }

    /// The file's bytes streamed from Zoom, with its type and size.
    pub async fn download_recording(
        &self,
        user_id: &str,
        meeting_uuid: &str,
        file_id: &str,
    ) -> Result<(RecordingFile, impl Stream<Item = Result<Bytes, reqwest::Error>> + Send + 'static), RecordingError>
    {
        let (connection, auth, file) = self.own_file(user_id, meeting_uuid, file_id).await?;
        let url = file.download_url.clone().ok_or(RecordingError::NotFound)?;
        match self.0.zoom.client.download_recording(&auth, &url).await {
            Ok(response) => Ok((file, response.bytes_stream())),
            Err(e) => Err(self.recording_error(&connection, e).await),
        }
    }

    /// Moves a file to Zoom's trash, or deletes it permanently; Zoom's 404 means already gone.
    pub async fn delete_recording(
        &self,
        user_id: &str,
        meeting_uuid: &str,
        file_id: &str,
        action: DeleteAction,
    ) -> Result<(), RecordingError> {
        let (connection, auth, _) = self.own_file(user_id, meeting_uuid, file_id).await?;
        match self.0.zoom.client.delete_recording_file(&auth, meeting_uuid, file_id, action).await {
            Ok(()) | Err(ZoomError::NotFound { .. }) => Ok(()),
            Err(e) => match self.recording_error(&connection, e).await {
                RecordingError::NotFound => Ok(()),
                other => Err(other),
            },
        }
    }
}
