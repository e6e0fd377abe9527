//! The Zoom connection: Save & Connect exactly as the help page describes it, the health checks
//! that move a connection to Needs attention and back, the Zoom work that keeps each meeting's Zoom
//! meeting in step, webhooks, recordings, disconnect, and the sealed secrets.

mod alerts;
pub mod client;
mod connect;
pub mod health;
pub mod oauth_connect;
mod problem;
pub mod recordings;
pub mod retire;
pub mod status;
pub mod sync;
pub mod webhooks;

use secrecy::SecretString;
use zoom::{Auth, Credentials};

pub use client::ZoomIntegration;
pub use connect::{ConnectError, ConnectInput, connect};
pub use problem::ConnectProblem;

use crate::app::App;
use crate::domain::lifecycle::{Event, ZoomStatus};
use crate::jobs::Queue;
use crate::secrets::{Binding, OpenError, SecretBox};
use crate::store::Db;
use crate::store::meetings::{ChangeError, Details, MeetingList, ZoomJob};
use crate::store::zoom_connections::{ZoomAuthKind, ZoomConnectionRow};

pub const CLIENT_SECRET_FIELD: &str = "zoom.client_secret";
pub const WEBHOOK_SECRET_FIELD: &str = "zoom.webhook_secret";

/// The stored credentials of a connection, secret opened.
/// (A user-authorised connection has none: `Malformed`.)
pub fn credentials(app: &App, row: &ZoomConnectionRow) -> Result<Credentials, OpenError> {
    let sealed = row.client_secret_sealed.as_deref().ok_or(OpenError::Malformed)?;
    let secret = open_secret(&app.secrets, sealed, &row.user_id, CLIENT_SECRET_FIELD)?;
    Ok(Credentials::new(row.account_id.clone(), row.client_id.clone(), secret))
}

/// How Zoom calls authenticate for this connection: its S2S app, or its user's OAuth tokens.
pub fn auth(app: &App, row: &ZoomConnectionRow) -> Result<Auth, OpenError> {
    match row.kind {
        ZoomAuthKind::ServerToServer => credentials(app, row).map(Auth::App),
        ZoomAuthKind::OAuth => {
            let app = app.me.upgrade().ok_or(OpenError::Malformed)?;
            let tokens = oauth_connect::ConnectionTokens { app, connection_id: row.id.clone() };
            Ok(Auth::User(zoom::UserAuth::new(row.id.clone(), std::sync::Arc::new(tokens))))
        }
    }
}

pub fn webhook_secret(app: &App, row: &ZoomConnectionRow) -> Option<Result<SecretString, OpenError>> {
    row.webhook_secret_sealed
        .as_deref()
        .map(|sealed| open_secret(&app.secrets, sealed, &row.user_id, WEBHOOK_SECRET_FIELD))
}

fn open_secret(secrets: &SecretBox, sealed: &[u8], user_id: &str, field: &str) -> Result<SecretString, OpenError> {
    secrets.open_str(sealed, Binding { owner: user_id, field })
}

fn seal(secrets: &SecretBox, secret: &str, user_id: &str, field: &str) -> Vec<u8> {
    secrets.seal_str(secret, Binding { owner: user_id, field })
}

/// Stores (or, with an empty value, removes) the Zoom app's webhook secret token.
pub async fn set_webhook_secret(app: &App, row: &ZoomConnectionRow, secret: &str) -> anyhow::Result<()> {
    let secret = secret.trim();
    let sealed = (!secret.is_empty()).then(|| seal(&app.secrets, secret, &row.user_id, WEBHOOK_SECRET_FIELD));
    app.db.set_zoom_webhook_secret(&row.id, sealed.as_deref()).await?;
    Ok(())
}

/// Disconnect: optionally deletes the upcoming Zoom meetings Prospo created, then, in one
/// transaction holding the host's lock (so no booking commits in between), stops every meeting's
/// owed Zoom work for Retry and erases the stored credentials; cached tokens are forgotten.
pub async fn disconnect(app: &App, user_id: &str, delete_upcoming: bool) -> anyhow::Result<bool> {
    let Some(row) = app.db.zoom_connection_of(user_id).await? else { return Ok(false) };
    let auth = auth(app, &row).ok();
    if delete_upcoming && let Some(auth) = &auth {
        delete_upcoming_meetings(app, user_id, auth).await?;
    }
    let now = app.now_ms();
    let mut tx = app.db.begin_locked(user_id).await?;
    for meeting_id in tx.meetings_with_zoom_work(user_id).await? {
        match tx.change_meeting(&meeting_id, &Event::Disconnected, Details::Nothing, ZoomJob::DueNow, now).await {
            Ok(_) | Err(ChangeError::Refused(_) | ChangeError::Gone) => {}
            Err(ChangeError::Store(e)) => return Err(e.into()),
        }
    }
    tx.delete_zoom_connection(&row.id).await?;
    tx.commit().await?;
    if let Some(Auth::App(creds)) = &auth {
        app.zoom.client.forget(creds);
    }
    tracing::info!(user_id, connection_id = %row.id, delete_upcoming, "zoom disconnected");
    Ok(true)
}

/// Best effort: a meeting Zoom does not delete now keeps its Zoom meeting and says so.
async fn delete_upcoming_meetings(app: &App, user_id: &str, auth: &Auth) -> anyhow::Result<()> {
    let options = zoom::DeleteOptions::default();
    for meeting in app.db.meetings_of(user_id, MeetingList::Upcoming, app.now_ms()).await? {
        let Some(zoom_id) = meeting.zoom_meeting_id.filter(|_| meeting.zoom_status == ZoomStatus::Created) else {
            continue;
        };
        match app.zoom.client.delete_meeting(auth, zoom_id, &options).await {
            Ok(()) | Err(zoom::ZoomError::NotFound { .. } | zoom::ZoomError::MeetingEnded) => {
                match app.db.change_meeting(&meeting.id, &Event::Deleted, Details::Nothing, app.now_ms()).await {
                    Ok(_) | Err(ChangeError::Refused(_) | ChangeError::Gone) => {}
                    Err(ChangeError::Store(e)) => return Err(e.into()),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, meeting_id = %meeting.id, "could not delete a zoom meeting on disconnect");
            }
        }
    }
    Ok(())
}

/// Makes every queued Zoom job of a host due now (after a reconnect: work held while the
/// connection needed attention can go).
pub async fn wake_work_of(app: &App, host_id: &str) -> anyhow::Result<()> {
    app.db.wake_jobs_where(Queue::Zoom, "SELECT id FROM meetings WHERE host_id = $1", host_id, app.now_ms()).await?;
    app.wake(Queue::Zoom);
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
