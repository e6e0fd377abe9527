//! Mail: what Prospo tells invitees and hosts, written to the durable outbox together with the change
//! that causes it ([`crate::store::outbox`]) and sent by [`sender`] through SMTP or as `.eml` files.

pub mod account_mails;
pub mod compose;
pub mod host_alerts;
pub mod ics;
pub mod meeting_mails;
pub mod sender;

use std::sync::Arc;

use tokio::sync::Notify;

/// What mail writers need besides the database: the public links mails carry, and a way to wake the
/// sender so a fresh mail goes out at once rather than at the next poll.
#[derive(Clone)]
pub struct Notices {
    public_base: Arc<str>,
    wake: Arc<Notify>,
}

impl Notices {
    pub fn new(public_url: &url::Url) -> Notices {
        Notices { public_base: public_url.as_str().trim_end_matches('/').into(), wake: Arc::new(Notify::new()) }
    }

    /// The invitee's private manage link (the same as the booking pages give).
    pub fn manage_url(&self, manage_token: &str) -> String {
        format!("{}/booking/{manage_token}", self.public_base)
    }

    /// A password reset link.
    pub fn reset_url(&self, token: &str) -> String {
        format!("{}/password/reset/{token}", self.public_base)
    }

    /// An email verification link.
    pub fn verify_url(&self, token: &str) -> String {
        format!("{}/verify-email/{token}", self.public_base)
    }

    /// The host's Zoom settings.
    pub fn integrations_url(&self) -> String {
        format!("{}/settings/integrations", self.public_base)
    }

    /// The host's page of a meeting.
    pub fn meeting_url(&self, meeting_id: &str) -> String {
        format!("{}/meetings/{meeting_id}", self.public_base)
    }

    /// The public URL's host, for the sender's address.
    pub fn public_host(&self) -> Option<String> {
        url::Url::parse(&self.public_base).ok().and_then(|u| u.host_str().map(str::to_owned))
    }

    /// New mail was queued.
    pub fn wake_sender(&self) {
        self.wake.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }
}
