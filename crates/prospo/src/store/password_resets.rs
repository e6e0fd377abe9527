//! Password reset links (stored as token hashes) and their single use.

use super::accounts::LinkKind;
use super::{Db, StoreResult, on_db, on_tx};

impl Db {
    /// Whether a link is unused and unexpired (the form is shown only for those).
    pub async fn password_reset_usable(&self, token_hash: &str, now: i64) -> StoreResult<bool> {
        let row: Option<(String,)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.is_some())
    }

    /// Uses a link: marks it used (only one use can win), sets the new password hash, clears the
    /// log-in slow-down and ends the account's browser sessions and API tokens. `None` if the link
    /// is not usable.
    pub async fn use_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> StoreResult<Option<String>> {
        let mut tx = self.begin().await?;
        let Some(user_id) = tx.use_link(LinkKind::PasswordReset, token_hash, now).await? else {
            return Ok(None);
        };
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(&user_id)
                .bind(password_hash)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(&user_id).execute(&mut *c).await?;
            // Whoever held the account before the reset (or pre-registered the address) loses it.
            sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(&user_id).execute(&mut *c).await?;
            // Other links sent earlier stop working too: the password they were for is gone.
            sqlx::query("UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
                .bind(&user_id)
                .bind(now)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        tx.commit().await?;
        Ok(Some(user_id))
    }
}
