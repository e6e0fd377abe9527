//! The sandbox's data: what Zoom would keep (accounts, users, apps, tokens, meetings, recordings)
//! plus the sandbox clock. Everything here is serialised as-is into the state file.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use provider_sandbox::oauth::AuthServer;
use serde::{Deserialize, Serialize};

use crate::user_oauth;

/// Default scopes of a new app: the eight Prospo requires and the recommended one, `:admin` form.
pub(crate) const DEFAULT_SCOPES: [&str; 9] = [
    "meeting:write:meeting:admin",
    "meeting:read:meeting:admin",
    "meeting:update:meeting:admin",
    "meeting:delete:meeting:admin",
    "user:read:user:admin",
    "cloud_recording:read:list_recording_files:admin",
    "cloud_recording:read:list_user_recordings:admin",
    "cloud_recording:delete:recording_file:admin",
    "meeting:read:list_meetings:admin",
];

/// Default scopes of a new General app (Connect with Zoom): the same nine in their user-level
/// form, which act on the authorising user's own data only.
pub(crate) const DEFAULT_USER_SCOPES: [&str; 9] = [
    "meeting:write:meeting",
    "meeting:read:meeting",
    "meeting:update:meeting",
    "meeting:delete:meeting",
    "user:read:user",
    "cloud_recording:read:list_recording_files",
    "cloud_recording:read:list_user_recordings",
    "cloud_recording:delete:recording_file",
    "meeting:read:list_meetings",
];

/// Per-user create/update cap when the app does not set one (Zoom: 100 per UTC day).
pub(crate) const DEFAULT_DAILY_CAP: u32 = 100;

#[derive(Serialize, Deserialize)]
pub(crate) struct Data {
    /// Apps by client id. Every app is its own account, so an account id maps to one app.
    pub apps: BTreeMap<String, App>,
    /// Users by user id.
    pub users: BTreeMap<String, User>,
    /// Meetings by numeric id, deleted ones included (they answer 3001 but keep their recordings).
    pub meetings: BTreeMap<i64, Meeting>,
    /// Server-to-Server access tokens and recording download tokens by their opaque value.
    pub tokens: HashMap<String, Token>,
    /// General apps' authorization server: their clients, codes, access and refresh tokens.
    #[serde(default = "user_oauth::new_auth_server")]
    pub auth: AuthServer,
    /// The user each email's grants act as (lowercase email → user id), chosen at consent.
    #[serde(default)]
    pub oauth_users: BTreeMap<String, String>,
    /// Per-user create/update counts for one UTC day of the sandbox clock.
    pub daily_counts: HashMap<String, DailyCount>,
    /// What `PUT /_sandbox/clock` set: the sandbox clock is the wall clock plus this.
    pub clock_offset_seconds: i64,
    /// Token count at which dead tokens are next swept (doubling keeps minting O(1) amortised).
    #[serde(skip)]
    pub next_token_sweep: usize,
}

impl Default for Data {
    fn default() -> Data {
        Data {
            apps: BTreeMap::new(),
            users: BTreeMap::new(),
            meetings: BTreeMap::new(),
            tokens: HashMap::new(),
            auth: user_oauth::new_auth_server(),
            oauth_users: BTreeMap::new(),
            daily_counts: HashMap::new(),
            clock_offset_seconds: 0,
            next_token_sweep: 0,
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct App {
    #[serde(default)]
    pub kind: AppKind,
    /// A Server-to-Server app's own account; a General app's developer account, which has no
    /// users (the users who authorise it each belong to their own account).
    pub account_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// The Server-to-Server app's owner (`me`); empty for a General app.
    pub owner_id: String,
    pub scopes: Vec<String>,
    pub activated: bool,
    pub plan: Option<Plan>,
    pub daily_cap: Option<u32>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub me_missing: bool,
    /// A General app's allowed redirect URIs; empty: any absolute `http(s)` URL.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    pub stats: Stats,
    /// Wall-clock creation time at full precision: it orders `Sandbox::apps()`.
    pub created_at: Timestamp,
}

impl App {
    pub fn daily_cap(&self) -> u32 {
        self.daily_cap.unwrap_or(DEFAULT_DAILY_CAP)
    }
}

/// Zoom Marketplace app types the sandbox plays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AppKind {
    /// Server-to-Server OAuth: `account_credentials` tokens acting for its own account.
    #[default]
    ServerToServer,
    /// A user-managed General app: authorization-code grants, each acting as the one user who
    /// authorised it.
    General,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Plan {
    Free,
    Pro,
    Business,
}

impl Plan {
    /// Accepts Zoom's plan names; Education, Enterprise and Partners share Business+'s limits.
    pub fn parse(name: &str) -> Option<Plan> {
        match name.to_ascii_lowercase().as_str() {
            "free" | "basic" => Some(Plan::Free),
            "pro" => Some(Plan::Pro),
            "business" | "business+" | "education" | "enterprise" | "partners" => Some(Plan::Business),
            _ => None,
        }
    }
}

#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct Stats {
    pub token_requests: u64,
    /// Successful `refresh_token` grants (General apps).
    #[serde(default)]
    pub refreshes: u64,
    pub api_requests: u64,
    pub meetings_created: u64,
    pub meetings_updated: u64,
    pub meetings_deleted: u64,
    pub recording_files_deleted: u64,
    /// Event notifications whose delivery has ended (answered, or given up after the retries):
    /// a test waits on this instead of guessing how long the receiver takes.
    #[serde(default)]
    pub webhooks_finished: u64,
    /// Meeting time zones sent that are not on Zoom's documented list (Zoom's answer to them is
    /// unknown, so the sandbox accepts them and keeps count for tests).
    #[serde(default)]
    pub unlisted_timezones: Vec<String>,
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct User {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub pmi: i64,
    pub timezone: String,
    pub created_at: Timestamp,
    pub owner: bool,
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Token {
    pub client_id: String,
    /// The user a General app's download token acts as; `None` for a Server-to-Server app's.
    #[serde(default)]
    pub user_id: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: Timestamp,
    pub revoked: bool,
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct DailyCount {
    /// The UTC date (`YYYY-MM-DD`) of the sandbox clock these counts belong to.
    pub day: String,
    pub count: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum MeetingState {
    Waiting,
    Started,
    Finished,
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Meeting {
    pub id: i64,
    pub uuid: String,
    pub host_id: String,
    pub account_id: String,
    pub topic: String,
    #[serde(rename = "type")]
    pub kind: i64,
    pub start_time: Timestamp,
    pub duration: i64,
    pub timezone: String,
    pub agenda: String,
    pub created_at: Timestamp,
    pub password: String,
    pub h323_password: String,
    pub encrypted_password: String,
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub state: MeetingState,
    pub deleted: bool,
    pub recording_files: Vec<RecordingFile>,
    pub recording_passcode: String,
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct RecordingFile {
    pub id: String,
    pub file_type: String,
    pub file_extension: String,
    pub recording_type: String,
    pub file_size: u64,
    pub recording_start: Timestamp,
    pub recording_end: Timestamp,
    pub processing: bool,
    /// Set when moved to trash; trashed files are no longer listed (except with `trash=true`).
    pub trashed_at: Option<Timestamp>,
}

impl Data {
    /// The sandbox clock: wall clock plus the offset, truncated to whole seconds as Zoom shows times.
    pub fn now(&self) -> Timestamp {
        let now = Timestamp::now() + SignedDuration::from_secs(self.clock_offset_seconds);
        Timestamp::from_second(now.as_second()).unwrap_or(now)
    }

    /// The Server-to-Server app of an account (General apps belong to no user's account).
    pub fn app_of_account(&self, account_id: &str) -> Option<&App> {
        self.apps.values().find(|a| a.kind == AppKind::ServerToServer && a.account_id == account_id)
    }

    /// Users with this email (case-insensitive), in any account, oldest first.
    pub fn users_by_email(&self, email: &str) -> Vec<&User> {
        let mut found: Vec<&User> = self.users.values().filter(|u| u.email.eq_ignore_ascii_case(email)).collect();
        found.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        found
    }

    /// Resolves a user id or email (case-insensitive) within one account.
    pub fn find_user(&self, account_id: &str, id_or_email: &str) -> Option<&User> {
        self.users.get(id_or_email).filter(|u| u.account_id == account_id).or_else(|| {
            self.users.values().find(|u| u.account_id == account_id && u.email.eq_ignore_ascii_case(id_or_email))
        })
    }
}

/// Zoom's time format in answers: UTC with a trailing `Z`, whole seconds.
pub(crate) fn zoom_time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
