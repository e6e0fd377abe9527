//! The application context: everything the domain functions, the background work and the HTTP
//! handlers share, built once and passed around behind one `Arc`.

use std::sync::Arc;

use crate::clock::Clock;
use crate::integrations::calendars::CalendarIntegration;
use crate::integrations::zoom::client::ZoomIntegration;
use crate::jobs::{Queue, Wakers};
use crate::limits::PublicRateLimits;
use crate::notifications::links::Notices;
use crate::secrets::SecretBox;
use crate::store::Db;

pub struct App {
    /// This context's own handle, for work that outlives a borrow of it (the token source of a
    /// user-authorised Zoom connection, handed to the Zoom client).
    pub me: std::sync::Weak<App>,
    pub db: Db,
    /// Seals and opens stored secrets (Zoom secrets, manage tokens).
    pub secrets: SecretBox,
    pub zoom: ZoomIntegration,
    /// Connected calendars: the guarded outbound client they are read and written through.
    pub calendars: CalendarIntegration,
    /// The operator's OAuth apps (Google, Microsoft, Zoom General app) and their HTTP client.
    pub oauth: crate::integrations::oauth::OAuthIntegration,
    /// The public links mails carry.
    pub mail: Notices,
    pub public_url: url::Url,
    /// Guards of the public booking routes; `None` when turned off.
    pub limits: Option<PublicRateLimits>,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub clock: Clock,
    pub jobs: Wakers,
    /// `prospo demo`: the demo calendar feed's URL, offered (not connected) on Settings → Calendars.
    pub demo_feed_url: Option<String>,
    /// Team members' busy times between slots requests.
    pub busy_cache: crate::scheduling::busy_cache::BusyCache,
}

/// The shared handle.
pub type AppRef = Arc<App>;

impl App {
    /// Now, in unix milliseconds, by the application's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Work was queued for `queue`: its runner looks now instead of at its next poll.
    pub fn wake(&self, queue: Queue) {
        self.jobs.wake(queue);
    }

    /// Where a connection's Zoom app sends its event notifications.
    pub fn webhook_url(&self, connection_id: &str) -> String {
        format!("{}/webhooks/zoom/{connection_id}", self.base())
    }

    /// An event type's public booking page.
    pub fn booking_url(&self, username: &str, slug: &str) -> String {
        format!("{}/{username}/{slug}", self.base())
    }

    /// Where a team's public pages live: `{this}/{team slug}/{slug}`.
    pub fn team_pages_url(&self) -> String {
        format!("{}/team", self.base())
    }

    /// A team event type's public booking page.
    pub fn team_booking_url(&self, team_slug: &str, slug: &str) -> String {
        format!("{}/team/{team_slug}/{slug}", self.base())
    }

    /// An invitee's private manage link.
    pub fn manage_url(&self, manage_token: &str) -> String {
        self.mail.manage_url(manage_token)
    }

    fn base(&self) -> &str {
        self.public_url.as_str().trim_end_matches('/')
    }
}
