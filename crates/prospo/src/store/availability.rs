//! A host's weekly hours and date overrides, stored as validated JSON.

use super::{Db, StoreResult, Tx, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AvailabilityRow {
    pub user_id: String,
    pub timezone: String,
    pub weekly: String,
    pub overrides: String,
    pub updated_at: i64,
}

impl Db {
    pub async fn availability_of(&self, user_id: &str) -> StoreResult<Option<AvailabilityRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT user_id, timezone, weekly, overrides, updated_at FROM availability WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(pool)
            .await
        })?)
    }

    pub async fn save_availability(
        &self,
        user_id: &str,
        timezone: &str,
        weekly: &str,
        overrides: &str,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.put_availability(user_id, (timezone, weekly, overrides), now).await?;
        tx.commit().await
    }
}

impl Tx {
    /// Writes a user's hours, `(zone, weekly JSON, overrides JSON)`, over any they had.
    pub async fn put_availability(
        &mut self,
        user_id: &str,
        (timezone, weekly, overrides): (&str, &str, &str),
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO availability (user_id, timezone, weekly, overrides, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (user_id) DO UPDATE SET timezone = excluded.timezone, weekly = excluded.weekly, \
                 overrides = excluded.overrides, updated_at = excluded.updated_at",
            )
            .bind(user_id)
            .bind(timezone)
            .bind(weekly)
            .bind(overrides)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }
}
