//! Zoom connections: credentials (secret sealed), the connected Zoom user, health.

use super::outbox::{OutgoingMail, enqueue_mails_sql};
use super::{Db, StoreResult, claim_due, now_ms, on_db};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ZoomConnectionRow {
    pub id: String,
    pub user_id: String,
    pub account_id: String,
    pub client_id: String,
    pub client_secret_sealed: Vec<u8>,
    pub webhook_secret_sealed: Option<Vec<u8>>,
    pub zoom_user_requested: Option<String>,
    pub zoom_user_id: String,
    pub zoom_email: String,
    pub zoom_name: Option<String>,
    pub granted_scopes: String,
    pub status: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub connected_at: i64,
    pub last_checked_at: Option<i64>,
    pub next_check_at: i64,
}

macro_rules! select_connection {
    ($clause:literal) => {
        concat!(
            "SELECT id, user_id, account_id, client_id, client_secret_sealed, webhook_secret_sealed, \
             zoom_user_requested, zoom_user_id, zoom_email, zoom_name, granted_scopes, status, error_code, \
             error_message, connected_at, last_checked_at, next_check_at FROM zoom_connections ",
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
    pub client_secret_sealed: &'a [u8],
    pub zoom_user_requested: Option<&'a str>,
    pub zoom_user_id: &'a str,
    pub zoom_email: &'a str,
    pub zoom_name: Option<&'a str>,
    pub granted_scopes: &'a str,
    pub next_check_at: i64,
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

    /// Stores a verified connection, replacing the user's previous one in the same statement:
    /// two submits racing each other still leave one connection (user_id is unique).
    /// The webhook secret belongs to the Zoom app, so it is kept when the app stays the same.
    pub async fn save_zoom_connection(&self, c: VerifiedConnection<'_>) -> StoreResult<()> {
        let now = now_ms();
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO zoom_connections (id, user_id, account_id, client_id, client_secret_sealed, \
                 zoom_user_requested, zoom_user_id, zoom_email, zoom_name, granted_scopes, status, connected_at, \
                 last_checked_at, next_check_at) \
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
                   last_checked_at = excluded.last_checked_at, next_check_at = excluded.next_check_at, \
                   check_claimed_until = NULL",
            )
            .bind(c.id)
            .bind(c.user_id)
            .bind(c.account_id)
            .bind(c.client_id)
            .bind(c.client_secret_sealed)
            .bind(c.zoom_user_requested)
            .bind(c.zoom_user_id)
            .bind(c.zoom_email)
            .bind(c.zoom_name)
            .bind(c.granted_scopes)
            .bind(now)
            .bind(c.next_check_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn delete_zoom_connection(&self, user_id: &str) -> StoreResult<Option<ZoomConnectionRow>> {
        let existing = self.zoom_connection_of(user_id).await?;
        on_db!(self, |pool| {
            sqlx::query("DELETE FROM zoom_connections WHERE user_id = $1").bind(user_id).execute(pool).await.map(|_| ())
        })?;
        Ok(existing)
    }

    pub async fn set_zoom_webhook_secret(&self, id: &str, sealed: Option<&[u8]>) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE zoom_connections SET webhook_secret_sealed = $2 WHERE id = $1")
                .bind(id)
                .bind(sealed)
                .execute(pool)
                .await
                .map(|_| ())
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
        next_check_at: i64,
        alert: Option<&OutgoingMail>,
    ) -> StoreResult<()> {
        let status = if error.is_some() { "needs_attention" } else { "connected" };
        let now = now_ms();
        on_db!(self, |pool| async {
            let mut tx = pool.begin().await?;
            if let Some(alert) = alert.filter(|_| error.is_some()) {
                let newly = sqlx::query(BECOMES_NEEDS_ATTENTION_SQL).bind(id).bind(now).execute(&mut *tx).await?;
                if newly.rows_affected() == 1 {
                    enqueue_mails_sql!(tx, std::slice::from_ref(alert), now);
                }
            }
            sqlx::query(
                "UPDATE zoom_connections SET status = $2, error_code = $3, error_message = $4, \
                 granted_scopes = COALESCE($5, granted_scopes), last_checked_at = $6, next_check_at = $7, \
                 check_claimed_until = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(status)
            .bind(error.map(|e| e.0))
            .bind(error.map(|e| e.1))
            .bind(granted_scopes)
            .bind(now)
            .bind(next_check_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
        .await)?;
        Ok(())
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
    ) -> StoreResult<()> {
        let now = now_ms();
        on_db!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let newly = sqlx::query(BECOMES_NEEDS_ATTENTION_SQL).bind(id).bind(minted_at).execute(&mut *tx).await?;
            if newly.rows_affected() == 1 {
                enqueue_mails_sql!(tx, std::slice::from_ref(alert), now);
            }
            sqlx::query(
                "UPDATE zoom_connections SET status = 'needs_attention', error_code = $2, error_message = $3 \
                 WHERE id = $1 AND (last_checked_at IS NULL OR last_checked_at < $4)",
            )
            .bind(id)
            .bind(code)
            .bind(message)
            .bind(minted_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// Makes a connection's health check due now (after Zoom refused a fresh token, or a 4711).
    pub async fn make_zoom_check_due(&self, id: &str) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE zoom_connections SET next_check_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now_ms())
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Claims up to `limit` connections whose check is due, so that across all instances each
    /// is checked once; a claim lapses after `claim_ms` if its instance dies.
    pub async fn claim_due_zoom_checks(&self, limit: i64, claim_ms: i64) -> StoreResult<Vec<ZoomConnectionRow>> {
        let now = now_ms();
        let ids: Vec<(String,)> = claim_due!(
            self,
            now,
            now + claim_ms,
            limit,
            "UPDATE zoom_connections SET check_claimed_until = $2 WHERE id IN (SELECT id FROM zoom_connections \
             WHERE next_check_at <= $1 AND (check_claimed_until IS NULL OR check_claimed_until < $1) \
             ORDER BY next_check_at LIMIT $3",
            "RETURNING id"
        )?;
        let mut rows = Vec::with_capacity(ids.len());
        for (id,) in ids {
            if let Some(row) = self.zoom_connection(&id).await? {
                rows.push(row);
            }
        }
        Ok(rows)
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
            .map(|_| ())
        })?;
        Ok(())
    }
}
