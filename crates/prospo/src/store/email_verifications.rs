//! Email verification links (stored as token hashes) and their single use.

use super::accounts::LinkKind;
use super::{Db, StoreResult, Tx, on_tx};

impl Db {
    /// Uses a link: marks it used (only one use can win) and the account's email confirmed.
    /// `None` if the link is unknown, used or expired.
    pub async fn use_email_verification(&self, token_hash: &str, now: i64) -> StoreResult<Option<String>> {
        let mut tx = self.begin().await?;
        let Some(user_id) = tx.use_link(LinkKind::EmailVerification, token_hash, now).await? else {
            return Ok(None);
        };
        tx.confirm_email(&user_id, now).await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }

    /// Confirms an account's email without a link (the demo host).
    pub async fn mark_email_verified(&self, user_id: &str, now: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.confirm_email(user_id, now).await?;
        tx.commit().await
    }
}

impl Tx {
    /// Marks the email confirmed and sends the invitations that waited for it.
    async fn confirm_email(&mut self, user_id: &str, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1")
                .bind(user_id)
                .bind(now)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        self.release_held_mails(user_id, now).await?;
        Ok(())
    }
}
