//! Meetings: create, get, update (PATCH), delete, list.

use std::collections::HashSet;

use jiff::Timestamp;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::Auth;
use crate::client::{PathSegment, ZoomClient};
use crate::error::{CallKind, Result, ZoomError};
use crate::serde_util::{lenient_i64, opt_timestamp, secret_web_link, web_link, zoom_utc};

/// `POST /users/{userId}/meetings` body. `None` fields are left to Zoom's defaults.
///
/// `start_time` is sent in UTC with a trailing `Z`, so Zoom reads it as an instant and uses
/// `timezone` only for display; a local time without `Z` plus a zone would be read in that
/// zone, and mixing the two shifts meetings by the zone's offset.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NewMeeting {
    pub topic: String,
    /// 1 instant, 2 scheduled (Zoom's default), 3 recurring without time, 8 recurring.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub meeting_type: Option<i64>,
    #[serde(serialize_with = "zoom_utc", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    /// Minutes.
    #[serde(rename = "duration", skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    /// IANA zone shown to participants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agenda: Option<String>,
    /// Passcode; when `None` Zoom generates one if the account requires it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_password: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_for: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<MeetingSettings>,
}

/// `PATCH /meetings/{meetingId}` body: only the fields that are `Some` change.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MeetingUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(serialize_with = "zoom_utc", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    #[serde(rename = "duration", skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agenda: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<MeetingSettings>,
}

/// `auto_recording`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoRecording {
    Local,
    Cloud,
    None,
    /// A value this library does not know (only ever read, never worth sending).
    #[serde(other)]
    Unknown,
}

/// Meeting settings, both sent and read. Unknown fields in answers are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MeetingSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_video: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_video: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_before_host: Option<bool>,
    /// Minutes before the start participants may join: 0, 5 or 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jbh_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_room: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mute_upon_entry: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_recording: Option<AutoRecording>,
    /// `both`, `telephony` or `voip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_type: Option<i64>,
    /// `;`-separated emails or ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative_hosts: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_notification: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_authentication: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_pmi: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_meeting: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_invitees: Option<Vec<Invitee>>,
    /// Read-only: dial-in numbers Zoom offers for the meeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_dial_in_numbers: Option<Vec<DialInNumber>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitee {
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialInNumber {
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub country_name: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
    /// `toll` or `tollfree`.
    #[serde(default, rename = "type")]
    pub number_type: Option<String>,
}

/// A meeting as Zoom returns it from create and get.
#[derive(Debug, Clone, Deserialize)]
pub struct Meeting {
    pub id: i64,
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub host_id: Option<String>,
    #[serde(default)]
    pub host_email: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "lenient_i64")]
    pub meeting_type: Option<i64>,
    /// `waiting`, `started`, …
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub start_time: Option<Timestamp>,
    /// Minutes.
    #[serde(default, deserialize_with = "lenient_i64")]
    pub duration: Option<i64>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub agenda: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub created_at: Option<Timestamp>,
    /// Carries the host's key and expires after about two hours: a secret, masked in `Debug`.
    #[serde(default, deserialize_with = "secret_web_link")]
    pub start_url: Option<SecretString>,
    #[serde(default, deserialize_with = "web_link")]
    pub join_url: Option<String>,
    #[serde(default, deserialize_with = "web_link")]
    pub registration_url: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub h323_password: Option<String>,
    #[serde(default)]
    pub pstn_password: Option<String>,
    #[serde(default)]
    pub encrypted_password: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub pmi: Option<i64>,
    #[serde(default)]
    pub pre_schedule: Option<bool>,
    #[serde(default)]
    pub occurrences: Option<Vec<Occurrence>>,
    #[serde(default)]
    pub settings: Option<MeetingSettings>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Occurrence {
    pub occurrence_id: String,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub start_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub duration: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
}

/// One meeting of a user's list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MeetingSummary {
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
    /// Zoom cuts it to 250 characters in lists.
    #[serde(default)]
    pub agenda: Option<String>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "web_link")]
    pub join_url: Option<String>,
}

/// Which meetings `list_meetings` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListMeetingsType {
    /// Unexpired previous, live and upcoming scheduled meetings (Zoom's default).
    #[default]
    Scheduled,
    Live,
    Upcoming,
    UpcomingMeetings,
    PreviousMeetings,
}

impl ListMeetingsType {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Live => "live",
            Self::Upcoming => "upcoming",
            Self::UpcomingMeetings => "upcoming_meetings",
            Self::PreviousMeetings => "previous_meetings",
        }
    }
}

/// `DELETE /meetings/{meetingId}` query parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeleteOptions {
    /// Email the host and alternative hosts about the cancellation.
    pub schedule_for_reminder: bool,
    /// Email registrants about the cancellation.
    pub cancel_meeting_reminder: bool,
    /// Delete one occurrence of a recurring meeting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurrence_id: Option<String>,
}

#[derive(Deserialize)]
struct MeetingPage {
    #[serde(default)]
    meetings: Vec<MeetingSummary>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// Zoom's largest page.
pub(crate) const PAGE_SIZE: &str = "300";

impl ZoomClient {
    /// `POST /users/{user}/meetings` → 201 with the meeting.
    pub async fn create_meeting(&self, auth: &Auth, user: &str, meeting: &NewMeeting) -> Result<Meeting> {
        let url =
            self.api_url(&[PathSegment::Literal("users"), PathSegment::Id(user), PathSegment::Literal("meetings")]);
        self.json(auth, CallKind::MeetingWrite, |http| http.post(&url).json(meeting)).await
    }

    /// `GET /meetings/{id}`.
    pub async fn get_meeting(&self, auth: &Auth, meeting_id: i64) -> Result<Meeting> {
        let url = self.meeting_url(meeting_id);
        self.json(auth, CallKind::Other, |http| http.get(&url)).await
    }

    /// `PATCH /meetings/{id}` → 204.
    pub async fn update_meeting(&self, auth: &Auth, meeting_id: i64, update: &MeetingUpdate) -> Result<()> {
        let url = self.meeting_url(meeting_id);
        self.no_content(auth, CallKind::MeetingWrite, |http| http.patch(&url).json(update)).await
    }

    /// `DELETE /meetings/{id}` → 204. A meeting already gone is `NotFound`.
    pub async fn delete_meeting(&self, auth: &Auth, meeting_id: i64, options: &DeleteOptions) -> Result<()> {
        let url = self.meeting_url(meeting_id);
        self.no_content(auth, CallKind::Other, |http| http.delete(&url).query(options)).await
    }

    /// `GET /users/{user}/meetings`, every page (300 a page), in Zoom's order.
    pub async fn list_meetings(
        &self,
        auth: &Auth,
        user: &str,
        list_type: ListMeetingsType,
    ) -> Result<Vec<MeetingSummary>> {
        let url =
            self.api_url(&[PathSegment::Literal("users"), PathSegment::Id(user), PathSegment::Literal("meetings")]);
        let mut meetings = Vec::new();
        let mut seen_tokens = HashSet::new();
        let mut next: Option<String> = None;
        loop {
            let page: MeetingPage = self
                .json(auth, CallKind::Other, |http| {
                    let mut query = vec![("type", list_type.as_str()), ("page_size", PAGE_SIZE)];
                    if let Some(token) = &next {
                        query.push(("next_page_token", token));
                    }
                    http.get(&url).query(&query)
                })
                .await?;
            meetings.extend(page.meetings);
            match next_token(page.next_page_token, &mut seen_tokens)? {
                Some(token) => next = Some(token),
                None => return Ok(meetings),
            }
        }
    }

    fn meeting_url(&self, meeting_id: i64) -> String {
        self.api_url(&[PathSegment::Literal("meetings"), PathSegment::Id(&meeting_id.to_string())])
    }
}

/// The next page token, or `None` at the end. A token Zoom already gave would loop forever,
/// so it is an error.
pub(crate) fn next_token(token: Option<String>, seen: &mut HashSet<String>) -> Result<Option<String>> {
    match token.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) if !seen.insert(t.clone()) => {
            Err(ZoomError::UnexpectedBody { status: 200, detail: "Zoom repeated a next_page_token".to_owned() })
        }
        Some(t) => Ok(Some(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_meeting_sends_utc_with_z_and_the_display_zone() {
        let m = NewMeeting {
            topic: "Intro".into(),
            meeting_type: Some(2),
            start_time: Some("2026-03-29T00:30:00.5+01:00".parse().unwrap()),
            duration_minutes: Some(30),
            timezone: Some("Europe/Berlin".into()),
            settings: Some(MeetingSettings {
                waiting_room: Some(true),
                auto_recording: Some(AutoRecording::Cloud),
                ..Default::default()
            }),
            ..Default::default()
        };
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "topic": "Intro", "type": 2, "start_time": "2026-03-28T23:30:00Z",
                "duration": 30, "timezone": "Europe/Berlin",
                "settings": {"waiting_room": true, "auto_recording": "cloud"}
            })
        );
    }

    #[test]
    fn meeting_parses_a_real_answer_and_masks_the_start_url() {
        let m: Meeting = serde_json::from_str(r#"{"uuid":"V1MIniokQsWFElPmiVbp6Q==","id":91033400269,"host_id":"CfM2Y-oFRm-L3ZUBrUBBEw","topic":"test","type":2,"status":"waiting","start_time":"2022-06-25T08:00:00Z","duration":60,"timezone":"Europe/Minsk","created_at":"2022-06-24T14:00:53Z","start_url":"https://zoom.us/s/91033400269?zak=eyJ0eXAiOiJKV1Qi","join_url":"https://zoom.us/j/91033400269?pwd=x","password":"Fshh7d","pmi":"8603532991","settings":{"host_video":true,"auto_recording":"none","jbh_time":0,"brand_new_field":{"x":1},"global_dial_in_numbers":[{"country":"US","number":"+1 555","type":"toll"}]},"pre_schedule":false,"unknown":[1]}"#).unwrap();
        assert_eq!(m.id, 91_033_400_269);
        assert_eq!(m.pmi, Some(8_603_532_991));
        assert_eq!(m.settings.as_ref().unwrap().auto_recording, Some(AutoRecording::None));
        assert!(!format!("{m:?}").contains("zak="));
    }

    #[test]
    fn repeated_page_tokens_are_refused() {
        let mut seen = HashSet::new();
        assert_eq!(next_token(Some("a".into()), &mut seen).unwrap(), Some("a".into()));
        assert_eq!(next_token(Some(String::new()), &mut seen).unwrap(), None);
        assert!(next_token(Some("a".into()), &mut seen).is_err());
    }
}
