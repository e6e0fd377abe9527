//! Zoom connections: credentials (secret sealed), the connected Zoom user, health. Each
//! connection's periodic health check is its job on the `zoom_check` queue.

use super::jobs::Queue;
use super::outbox::OutgoingMail;
use super::{Db, StoreResult, Tx, on_db, on_tx};
use crate::domain::text_forms::text_forms;

/// Whether the connection works, as the last check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStatus {
    Connected,
    NeedsAttention,
}

text_forms! {
    ConnectionStatus { Connected => "connected", NeedsAttention => "needs_attention" }
}

/// How a connection authenticates with Zoom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoomAuthKind {
    /// The user's own Server-to-Server OAuth app (product.md §1): its client secret sealed here.
    ServerToServer,
    /// Connect with Zoom: user-authorised through the operator's General app; its tokens live in
    /// `oauth_tokens` under the connection's id.
    OAuth,
}

text_forms! {
    ZoomAuthKind { ServerToServer => "server_to_server", OAuth => "oauth" }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ZoomConnectionRow {
    pub id: String,
    pub user_id: String,
    pub kind: ZoomAuthKind,
    pub account_id: String,
    pub client_id: String,
    /// `None` for [`ZoomAuthKind::OAuth`].
    pub client_secret_sealed: Option<Vec<u8>>,
    pub webhook_secret_sealed: Option<Vec<u8>>,
    pub zoom_user_requested: Option<String>,
    pub zoom_user_id: String,
    pub zoom_email: String,
    pub zoom_name: Option<String>,
    pub granted_scopes: String,
    pub status: ConnectionStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub connected_at: i64,
    pub last_checked_at: Option<i64>,
}

macro_rules! select_connection {
    ($clause:literal) => {
        concat!(
            "SELECT id, user_id, kind, account_id, client_id, client_secret_sealed, webhook_secret_sealed, \
             zoom_user_requested, zoom_user_id, zoom_email, zoom_name, granted_scopes, status, error_code, \
             error_message, connected_at, last_checked_at FROM zoom_connections ",
            $clause
        )
    };
}

/// A connection that passed every check of Save & Connect.
pub struct VerifiedConnection<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub account_id: &'a str,
    pub client_id: &'a str,
    /// The S2S app's secret, or the user-authorised grant's tokens.
    pub auth: VerifiedAuth<'a>,
    pub zoom_user_requested: Option<&'a str>,
    pub zoom_user_id: &'a str,
    pub zoom_email: &'a str,
    pub zoom_name: Option<&'a str>,
    pub granted_scopes: &'a str,
    /// When the first periodic check runs.
    pub next_check_at: i64,
}

/// What authenticates a verified connection.
pub enum VerifiedAuth<'a> {
    ClientSecret(&'a [u8]),
    Tokens(&'a super::oauth::SealedTokens<'a>),
}

/// The move from Connected to Needs attention (`$2`: only if no check ran after that instant), which
/// the host is told about; on PostgreSQL the row lock makes one of two racing writers see it.
const BECOMES_NEEDS_ATTENTION_SQL: &str = "UPDATE zoom_connections SET status = 'needs_attention' \
     WHERE id = $1 AND status = 'connected' AND (last_checked_at IS NULL OR last_checked_at < $2)";

impl Db {
    pub async fn zoom_connection_of(&self, user_id: &str) -> StoreResult<Option<ZoomConnectionRow>> {
        const SQL: &str = select_connection!("WHERE user_id = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(user_id).fetch_optional(pool).await)?)
    }

    pub async fn zoom_connection(&self, id: &str) -> StoreResult<Option<ZoomConnectionRow>> {
        const SQL: &str = select_connection!("WHERE id = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn zoom_connections_of_app(
        &self,
        account_id: &str,
        client_id: &str,
    ) -> StoreResult<Vec<ZoomConnectionRow>> {
        const SQL: &str = select_connection!("WHERE account_id = $1 AND client_id = $2");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(account_id).bind(client_id).fetch_all(pool).await)?)
    }

    /// Stores a verified connection, replacing the user's previous one in the same statement (two
    /// submits racing each other still leave one connection: user_id is unique), and arms its
    /// periodic check. The webhook secret belongs to the Zoom app, so it is kept when the app stays
    /// the same.
    /// A user-authorised connection's tokens go in with it (under the row's id, which a reconnect
    /// keeps); switching to an S2S app drops them.
    pub async fn save_zoom_connection(&self, c: VerifiedConnection<'_>, now: i64) -> StoreResult<()> {
        let (kind, secret) = match c.auth {
            VerifiedAuth::ClientSecret(sealed) => (ZoomAuthKind::ServerToServer, Some(sealed)),
            VerifiedAuth::Tokens(_) => (ZoomAuthKind::OAuth, None),
        };
        let mut tx = self.begin().await?;
        let id: String = on_tx!(&mut tx, |conn| {
            sqlx::query_scalar(
                "INSERT INTO zoom_connections (id, user_id, account_id, client_id, client_secret_sealed, \
                 zoom_user_requested, zoom_user_id, zoom_email, zoom_name, granted_scopes, status, connected_at, \
                 last_checked_at, kind) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'connected', $11, $11, $12) \
                 ON CONFLICT (user_id) DO UPDATE SET \
                   webhook_secret_sealed = CASE WHEN zoom_connections.account_id = excluded.account_id \
                     AND zoom_connections.client_id = excluded.client_id \
                     THEN zoom_connections.webhook_secret_sealed ELSE NULL END, \
                   account_id = excluded.account_id, client_id = excluded.client_id, \
                   client_secret_sealed = excluded.client_secret_sealed, \
                   zoom_user_requested = excluded.zoom_user_requested, zoom_user_id = excluded.zoom_user_id, \
                   zoom_email = excluded.zoom_email, zoom_name = excluded.zoom_name, \
                   granted_scopes = excluded.granted_scopes, status = 'connected', error_code = NULL, \
                   error_message = NULL, connected_at = excluded.connected_at, \
                   last_checked_at = excluded.last_checked_at, kind = excluded.kind \
                 RETURNING id",
            )
            .bind(c.id)
            .bind(c.user_id)
            .bind(c.account_id)
            .bind(c.client_id)
            .bind(secret)
            .bind(c.zoom_user_requested)
            .bind(c.zoom_user_id)
            .bind(c.zoom_email)
            .bind(c.zoom_name)
            .bind(c.granted_scopes)
            .bind(now)
            .bind(kind)
            .fetch_one(&mut *conn)
            .await
        })?;
        match c.auth {
            VerifiedAuth::Tokens(tokens) => {
                tx.put_oauth_tokens(&id, c.user_id, super::oauth::OAuthProvider::Zoom, tokens, now).await?;
            }
            VerifiedAuth::ClientSecret(_) => tx.delete_oauth_tokens(&id).await?,
        }
        tx.schedule_job(Queue::ZoomCheck, &id, c.next_check_at, now).await?;
        tx.commit().await
    }

    pub async fn set_zoom_webhook_secret(&self, id: &str, sealed: Option<&[u8]>) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE zoom_connections SET webhook_secret_sealed = $2 WHERE id = $1")
                .bind(id)
                .bind(sealed)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Records a health check's outcome. `error` is `Some((code, message))` when it needs attention;
    /// `alert` is then queued for the host in the same transaction if the connection was connected
    /// until now (a lasting problem mails once).
    pub async fn record_zoom_health(
        &self,
        id: &str,
        error: Option<(&str, &str)>,
        granted_scopes: Option<&str>,
        alert: Option<&OutgoingMail>,
        now: i64,
    ) -> StoreResult<()> {
        let status = if error.is_some() { ConnectionStatus::NeedsAttention } else { ConnectionStatus::Connected };
        let mut tx = self.begin().await?;
        if let Some(alert) = alert.filter(|_| error.is_some()) {
            tx.alert_if_newly_needs_attention(id, now, alert, now).await?;
        }
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE zoom_connections SET status = $2, error_code = $3, error_message = $4, \
                 granted_scopes = COALESCE($5, granted_scopes), last_checked_at = $6 WHERE id = $1",
            )
            .bind(id)
            .bind(status)
            .bind(error.map(|e| e.0))
            .bind(error.map(|e| e.1))
            .bind(granted_scopes)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        tx.commit().await
    }

    /// Marks a connection Needs attention for scopes a token minted at `minted_at` lacked, unless a
    /// check has run since (it saw the app's newer scopes); `alert` as for [`Db::record_zoom_health`].
    pub async fn record_missing_scopes_since(
        &self,
        id: &str,
        code: &str,
        message: &str,
        minted_at: i64,
        alert: &OutgoingMail,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.alert_if_newly_needs_attention(id, minted_at, alert, now).await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE zoom_connections SET status = 'needs_attention', error_code = $2, error_message = $3 \
                 WHERE id = $1 AND (last_checked_at IS NULL OR last_checked_at < $4)",
            )
            .bind(id)
            .bind(code)
            .bind(message)
            .bind(minted_at)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        tx.commit().await
    }

    /// Sets when a connection's next health check runs (now, after Zoom refused a fresh token or
    /// answered 4711; the next period after a check run on demand).
    pub async fn schedule_zoom_check(&self, id: &str, at: i64, now: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.schedule_job(Queue::ZoomCheck, id, at, now).await?;
        tx.commit().await
    }

    /// Every sealed value, for re-sealing under a new key: (connection id, owner, field, sealed).
    pub async fn sealed_zoom_secrets(&self) -> StoreResult<Vec<(String, String, Vec<u8>, Option<Vec<u8>>)>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as("SELECT id, user_id, client_secret_sealed, webhook_secret_sealed FROM zoom_connections")
                .fetch_all(pool)
                .await
        })?)
    }

    pub async fn replace_sealed_zoom_secrets(
        &self,
        id: &str,
        client_secret_sealed: &[u8],
        webhook_secret_sealed: Option<&[u8]>,
    ) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query(
                "UPDATE zoom_connections SET client_secret_sealed = $2, webhook_secret_sealed = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(client_secret_sealed)
            .bind(webhook_secret_sealed)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}

impl Tx {
    /// Moves a connection from Connected to Needs attention (unless a check ran after `since`) and
    /// queues `alert` if it moved: a lasting problem mails once.
    async fn alert_if_newly_needs_attention(
        &mut self,
        id: &str,
        since: i64,
        alert: &OutgoingMail,
        now: i64,
    ) -> StoreResult<()> {
        let newly = on_tx!(self, |c| {
            sqlx::query(BECOMES_NEEDS_ATTENTION_SQL)
                .bind(id)
                .bind(since)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        if newly == 1 {
            self.enqueue_mails(std::slice::from_ref(alert), now).await?;
        }
        Ok(())
    }

    /// Removes the user's connection and its health check.
    pub async fn delete_zoom_connection(&mut self, connection_id: &str) -> StoreResult<()> {
        self.delete_oauth_tokens(connection_id).await?;
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM zoom_connections WHERE id = $1")
                .bind(connection_id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        self.drop_job(Queue::ZoomCheck, connection_id).await
    }
}
