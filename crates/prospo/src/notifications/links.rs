//! The public links mails carry.

/// Built from the public URL; cheap to clone.
#[derive(Clone)]
pub struct Notices {
    public_base: std::sync::Arc<str>,
}

impl Notices {
    pub fn new(public_url: &url::Url) -> Notices {
        Notices { public_base: public_url.as_str().trim_end_matches('/').into() }
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

    pub fn calendars_url(&self) -> String {
        format!("{}/settings/calendars", self.public_base)
    }

    /// A team invitation's sign-up link.
    pub fn team_invitation_url(&self, token: &str) -> String {
        format!("{}/signup?invite={token}", self.public_base)
    }

    /// The teams page.
    pub fn teams_url(&self) -> String {
        format!("{}/teams", self.public_base)
    }

    /// The host's page of a meeting.
    pub fn meeting_url(&self, meeting_id: &str) -> String {
        format!("{}/meetings/{meeting_id}", self.public_base)
    }

    /// The public URL's host, for the sender's address.
    pub fn public_host(&self) -> Option<String> {
        url::Url::parse(&self.public_base).ok().and_then(|u| u.host_str().map(str::to_owned))
    }
}
