//! Email verification links (stored as token hashes) and their single use.

use super::accounts::use_link_sql;
use super::{Db, StoreResult, now_ms, on_db};

impl Db {
    /// Uses a link: marks it used (only one use can win) and the account's email confirmed.
    /// `None` if the link is unknown, used or expired.
    pub async fn use_email_verification(&self, token_hash: &str) -> StoreResult<Option<String>> {
        let now = now_ms();
        let user = on_db!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let Some(user_id) = use_link_sql!(tx, "email_verifications", token_hash, now) else {
                return Ok::<_, sqlx::Error>(None);
            };
            sqlx::query("UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1")
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

    /// Confirms an account's email without a link (the demo host).
    pub async fn mark_email_verified(&self, user_id: &str) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1")
                .bind(user_id)
                .bind(now_ms())
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }
}
