//! Browser sessions, stored in our own database so that every instance sees them.

use super::{Db, StoreResult, on_db};

impl Db {
    pub async fn create_session(&self, id_hash: &str, user_id: &str, expires_at: i64, now: i64) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(id_hash)
                .bind(user_id)
                .bind(now)
                .bind(expires_at)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// The user a live session belongs to.
    pub async fn session_user(&self, id_hash: &str, now: i64) -> StoreResult<Option<String>> {
        let row: Option<(String,)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT user_id FROM sessions WHERE id_hash = $1 AND expires_at > $2")
                .bind(id_hash)
                .bind(now)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(|(user_id,)| user_id))
    }

    pub async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: i64) -> StoreResult<u64> {
        let done = on_db!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(done)
    }
}
