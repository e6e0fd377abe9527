//! Zoom event notifications: deduplication and what they change on meetings.

use super::{Db, StoreResult, on_db};

impl Db {
    /// Records a delivery; false when it was handled before (a redelivery).
    pub async fn first_webhook_delivery(
        &self,
        connection_id: &str,
        dedup_key: &str,
        event: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let inserted = on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO zoom_webhook_deliveries (connection_id, dedup_key, event, received_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (connection_id, dedup_key) DO NOTHING",
            )
            .bind(connection_id)
            .bind(dedup_key)
            .bind(event)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(inserted == 1)
    }

    pub async fn set_meeting_recordings(&self, meeting_id: &str, files_json: &str, now: i64) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE meetings SET zoom_recordings = $2, zoom_recordings_at = $3 WHERE id = $1")
                .bind(meeting_id)
                .bind(files_json)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn meeting_recordings_snapshot(&self, meeting_id: &str) -> StoreResult<Option<String>> {
        let row: Option<(Option<String>,)> = on_db!(self, |pool| {
            sqlx::query_as("SELECT zoom_recordings FROM meetings WHERE id = $1")
                .bind(meeting_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.and_then(|(json,)| json))
    }
}
