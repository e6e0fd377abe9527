//! Zoom's per-user budget of meeting creates and updates per UTC day, as Prospo counts its use.

use super::{Db, StoreResult, Tx, on_db, on_tx};

impl Tx {
    /// Counts one meeting create or update against the Zoom user's UTC day; returns the day's total.
    pub async fn count_zoom_write(&mut self, zoom_user_id: &str, day: &str) -> StoreResult<i64> {
        let (used,): (i64,) = on_tx!(self, |c| {
            sqlx::query_as(
                "INSERT INTO zoom_daily_usage (zoom_user_id, day, used) VALUES ($1, $2, 1) \
                 ON CONFLICT (zoom_user_id, day) DO UPDATE SET used = zoom_daily_usage.used + 1 RETURNING used",
            )
            .bind(zoom_user_id)
            .bind(day)
            .fetch_one(&mut *c)
            .await
        })?;
        Ok(used)
    }
}

impl Db {
    pub async fn zoom_writes_used(&self, zoom_user_id: &str, day: &str) -> StoreResult<i64> {
        let row: Option<(i64,)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT used FROM zoom_daily_usage WHERE zoom_user_id = $1 AND day = $2")
                .bind(zoom_user_id)
                .bind(day)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(|(used,)| used).unwrap_or(0))
    }
}
