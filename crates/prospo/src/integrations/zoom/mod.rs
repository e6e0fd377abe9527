//! The Zoom connection: Save & Connect exactly as the help page describes it, the health checks
//! that move a connection to Needs attention and back, disconnect, and the sealed secrets.

mod alerts;
mod connect;
pub mod health;
mod problem;
pub mod status;
pub mod sync;
pub mod webhooks;

use crate::notifications::Notices;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::{Notify, mpsc};
use zoom::{Credentials, ZoomClient};

pub use connect::{ConnectError, ConnectInput};
pub use problem::ConnectProblem;

use crate::secrets::{Binding, OpenError, SecretBox};
use crate::store::Db;
use crate::store::zoom_connections::ZoomConnectionRow;

pub const CLIENT_SECRET_FIELD: &str = "zoom.client_secret";
pub const WEBHOOK_SECRET_FIELD: &str = "zoom.webhook_secret";

/// Everything the Zoom integration needs; cheap to clone.
#[derive(Clone)]
pub struct ZoomIntegration {
    pub db: Db,
    pub secrets: SecretBox,
    pub client: ZoomClient,
    /// How often each connection is checked (jittered by ±10%).
    pub check_interval: Duration,
    /// Wakes the health-check loop when a check became due early.
    wake_checks: Arc<Notify>,
    /// Wakes the Zoom worker when work was queued.
    wake_jobs: Arc<Notify>,
    /// Links for, and the wake-up of, the mails that scheduling and Zoom work queue.
    pub notices: Notices,
}

/// Told about every freshly minted token: the app it belongs to, the scopes it lacks, and when
/// (unix ms) it was minted.
pub type MintedToken = (String, String, Vec<&'static str>, i64);

/// Timeouts for calls made while a person waits on a page.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

impl ZoomIntegration {
    /// Builds the Zoom client and the integration. The receiver gets every freshly minted token's
    /// missing scopes; [`ZoomIntegration::watch_minted_tokens`] consumes it.
    pub fn new(
        db: Db,
        secrets: SecretBox,
        oauth_base: &str,
        api_base: &str,
        check_interval: Duration,
        notices: Notices,
    ) -> anyhow::Result<(ZoomIntegration, mpsc::UnboundedReceiver<MintedToken>)> {
        let (minted_tx, minted_rx) = mpsc::unbounded_channel();
        let client = ZoomClient::builder()
            .oauth_base(oauth_base.trim_end_matches('/'))
            .api_base(api_base.trim_end_matches('/'))
            .connect_timeout(CONNECT_TIMEOUT)
            .request_timeout(REQUEST_TIMEOUT)
            .on_token_minted(move |creds: &Credentials, scopes: &zoom::Scopes| {
                let _ = minted_tx.send((
                    creds.account_id.clone(),
                    creds.client_id.clone(),
                    scopes.missing_required(),
                    crate::store::now_ms(),
                ));
            })
            .build()?;
        let integration = ZoomIntegration {
            db,
            secrets,
            client,
            check_interval,
            wake_checks: Arc::new(Notify::new()),
            wake_jobs: Arc::new(Notify::new()),
            notices,
        };
        Ok((integration, minted_rx))
    }

    /// The stored credentials of a connection, secret opened.
    pub fn credentials(&self, row: &ZoomConnectionRow) -> Result<Credentials, OpenError> {
        let secret = self.open_secret(&row.client_secret_sealed, &row.user_id, CLIENT_SECRET_FIELD)?;
        Ok(Credentials::new(row.account_id.clone(), row.client_id.clone(), secret))
    }

    pub fn webhook_secret(&self, row: &ZoomConnectionRow) -> Option<Result<SecretString, OpenError>> {
        row.webhook_secret_sealed.as_deref().map(|sealed| self.open_secret(sealed, &row.user_id, WEBHOOK_SECRET_FIELD))
    }

    fn open_secret(&self, sealed: &[u8], user_id: &str, field: &str) -> Result<SecretString, OpenError> {
        self.secrets.open_str(sealed, Binding { owner: user_id, field })
    }

    fn seal(&self, secret: &str, user_id: &str, field: &str) -> Vec<u8> {
        self.secrets.seal_str(secret, Binding { owner: user_id, field })
    }

    /// Stores (or, with an empty value, removes) the Zoom app's webhook secret token.
    pub async fn set_webhook_secret(&self, row: &ZoomConnectionRow, secret: &str) -> anyhow::Result<()> {
        let secret = secret.trim();
        let sealed = (!secret.is_empty()).then(|| self.seal(secret, &row.user_id, WEBHOOK_SECRET_FIELD));
        self.db.set_zoom_webhook_secret(&row.id, sealed.as_deref()).await?;
        Ok(())
    }

    /// Disconnect: optionally deletes the upcoming Zoom meetings Prospo created, ends queued Zoom work
    /// as failed, then erases the stored credentials and forgets cached tokens.
    pub async fn disconnect(&self, user_id: &str, delete_upcoming: bool) -> anyhow::Result<bool> {
        let Some(row) = self.db.zoom_connection_of(user_id).await? else { return Ok(false) };
        let creds = self.credentials(&row).ok();
        if delete_upcoming && let Some(creds) = &creds {
            self.delete_upcoming_meetings(user_id, creds).await?;
        }
        let message = "Zoom was disconnected before this change reached Zoom.";
        self.db.fail_zoom_work_of(user_id, "zoom_disconnected", message).await?;
        self.db.delete_zoom_connection(user_id).await?;
        if let Some(creds) = &creds {
            self.client.forget(creds);
        }
        tracing::info!(user_id, connection_id = %row.id, delete_upcoming, "zoom disconnected");
        Ok(true)
    }

    /// Best effort: a meeting Zoom does not delete now keeps its Zoom meeting and says so.
    async fn delete_upcoming_meetings(&self, user_id: &str, creds: &Credentials) -> anyhow::Result<()> {
        use crate::store::zoom_jobs::ZoomOutcome;
        let options = zoom::DeleteOptions::default();
        for meeting in self.db.meetings_of(user_id, true, crate::store::now_ms()).await? {
            let Some(zoom_id) = meeting.zoom_meeting_id.filter(|_| meeting.zoom_status == "created") else { continue };
            match self.client.delete_meeting(creds, zoom_id, &options).await {
                Ok(()) | Err(zoom::ZoomError::NotFound { .. } | zoom::ZoomError::MeetingEnded) => {
                    self.record_outcome(&meeting, ZoomOutcome::Deleted).await?;
                }
                Err(e) => {
                    tracing::warn!(error = %e, meeting_id = %meeting.id, "could not delete a zoom meeting on disconnect");
                }
            }
        }
        Ok(())
    }

    /// Re-seals every stored Zoom secret with `new_box`'s current key (after `keys rotate`).
    pub async fn reseal_all(db: &Db, old_box: &SecretBox, new_box: &SecretBox) -> anyhow::Result<usize> {
        let mut count = 0;
        for (id, owner, client_secret, webhook_secret) in db.sealed_zoom_secrets().await? {
            let reseal = |sealed: &[u8], field: &str| -> anyhow::Result<Vec<u8>> {
                let binding = Binding { owner: &owner, field };
                let plain = old_box.open(sealed, binding).map_err(|e| anyhow::anyhow!("connection {id}: {e}"))?;
                Ok(new_box.seal(&plain, binding))
            };
            let client_secret = reseal(&client_secret, CLIENT_SECRET_FIELD)?;
            let webhook_secret = webhook_secret.map(|s| reseal(&s, WEBHOOK_SECRET_FIELD)).transpose()?;
            db.replace_sealed_zoom_secrets(&id, &client_secret, webhook_secret.as_deref()).await?;
            count += 1 + usize::from(webhook_secret.is_some());
        }
        Ok(count)
    }
}
