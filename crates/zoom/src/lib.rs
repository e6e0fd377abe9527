//! A client for Zoom's REST API, as a Server-to-Server OAuth app or as a user who authorised a
//! General app. It knows nothing of any application using it.
//!
//! - [`ZoomClient`]: one shared HTTP client with connect, read and overall timeouts, a token
//!   cache per [`Credentials`] with one mint in flight per credential, and one retry with a
//!   fresh token when Zoom answers 401 code 124.
//! - [`Auth`]: what every endpoint takes. [`Auth::App`] uses the token cache; [`Auth::User`]
//!   asks a [`UserTokens`] source for its token, and for a fresh one when Zoom refuses it. The
//!   source keeps and refreshes the user's grant: this crate neither runs the authorization-code
//!   flow nor refreshes user tokens (an application's own OAuth client does), and a source
//!   whose grant is dead answers [`ZoomError::InvalidGrant`].
//! - [`Scopes`] and [`RequiredScope`]: whether a token's scopes satisfy what an app needs.
//! - Typed endpoints for users, meetings and cloud recordings.
//! - [`ZoomError`]: every answer classified by HTTP status and Zoom `code`, never by message.
//! - [`webhook`]: signature verification, URL validation and typed event envelopes.
//!
//! # Tokens
//!
//! [`ZoomClient::token`] hands out the cached token and mints one when there is none or it is
//! within the refresh margin (5 minutes, at most half its lifetime) of `expires_in`. All callers
//! waiting for a credential share one mint, including its failure. If a refresh fails for a
//! transient reason while the old token has not expired, the old token is still used.
//! To be told the scopes of every freshly minted token (e.g. to flag a connection whose app
//! lost a scope), set [`ZoomClientBuilder::on_token_minted`]; [`AccessToken::scopes`] gives
//! the same for one token.
//!
//! # Retries
//!
//! The client retries only the 401/124 case, once. Everything else is the caller's decision:
//! [`ZoomError::is_transient`] and [`ZoomError::retry_at`] say whether and when.

mod auth;
mod client;
mod error;
mod meetings;
mod recordings;
mod scopes;
mod serde_util;
mod time_zones;
mod users;
pub mod webhook;

pub use auth::{AccessToken, Auth, CredentialKey, Credentials, TokenObserver, UserAuth, UserTokens};
pub use client::{DEFAULT_API_BASE, DEFAULT_OAUTH_BASE, ZoomClient, ZoomClientBuilder, encode_meeting_uuid};
pub use error::{Result, ZoomError, next_utc_midnight};
pub use meetings::{
    AutoRecording, DeleteOptions, DialInNumber, Invitee, ListMeetingsType, Meeting, MeetingSettings, MeetingSummary,
    MeetingUpdate, NewMeeting, Occurrence,
};
pub use recordings::{DeleteAction, RecordingFile, RecordingMeeting};
pub use scopes::{RequiredScope, Scopes};
pub use time_zones::zoom_time_zone;
pub use users::User;
