//! Password reset links (stored as token hashes) and their single use.

use super::accounts::use_link_sql;
use super::{Db, StoreResult, now_ms, on_db};

impl Db {
    /// Whether a link is unused and unexpired (the form is shown only for those).
    pub async fn password_reset_usable(&self, token_hash: &str) -> StoreResult<bool> {
        let row: Option<(String,)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now_ms())
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.is_some())
    }

    /// Uses a link: marks it used (only one use can win), sets the new password hash, clears the
    /// log-in slow-down and ends the account's browser sessions. `None` if the link is not usable.
    pub async fn use_password_reset(&self, token_hash: &str, password_hash: &str) -> StoreResult<Option<String>> {
        let now = now_ms();
        let user: Option<String> = on_db!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let Some(user_id) = use_link_sql!(tx, "password_resets", token_hash, now) else {
                return Ok::<_, sqlx::Error>(None);
            };
            sqlx::query("UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(&user_id)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(&user_id).execute(&mut *tx).await?;
            // Other links sent earlier stop working too: the password they were for is gone.
            sqlx::query("UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
                .bind(&user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(user_id))
        }
        .await)?;
        Ok(user)
    }
}
