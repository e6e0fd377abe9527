//! Zoom event notifications: deduplication and what they change on meetings.

use super::outbox::{OutgoingMail, enqueue_mails_sql};
use super::reminders::move_reminders_sql;
use super::{Db, StoreError, StoreResult, now_ms, on_db};

impl Db {
    /// Records a delivery; false when it was handled before (a redelivery).
    pub async fn first_webhook_delivery(&self, connection_id: &str, dedup_key: &str, event: &str) -> StoreResult<bool> {
        let inserted = on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO zoom_webhook_deliveries (connection_id, dedup_key, event, received_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (connection_id, dedup_key) DO NOTHING",
            )
            .bind(connection_id)
            .bind(dedup_key)
            .bind(event)
            .bind(now_ms())
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(StoreError::from_sqlx)?;
        Ok(inserted == 1)
    }

    pub async fn set_meeting_recordings(&self, meeting_id: &str, files_json: &str) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE meetings SET zoom_recordings = $2, zoom_recordings_at = $3 WHERE id = $1")
                .bind(meeting_id)
                .bind(files_json)
                .bind(now_ms())
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

    /// A change made in Zoom: Prospo's record (and its reminders) follows it, and its mails tell
    /// invitees and host (no Zoom job: Zoom already has it).
    pub async fn follow_zoom_change(
        &self,
        meeting_id: &str,
        start_at: i64,
        end_at: i64,
        topic: &str,
        mails: &[OutgoingMail],
    ) -> StoreResult<()> {
        let now = now_ms();
        on_db!(self, |pool| async {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE meetings SET start_at = $2, end_at = $3, topic = $4, sequence = sequence + 1, updated_at = $5 \
                 WHERE id = $1 AND status = 'scheduled' AND zoom_pending_change IS NULL",
            )
            .bind(meeting_id)
            .bind(start_at)
            .bind(end_at)
            .bind(topic)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if moved.rows_affected() == 1 {
                move_reminders_sql!(tx, meeting_id, start_at, now);
                enqueue_mails_sql!(tx, mails, now);
            }
            tx.commit().await
        }
        .await)?;
        Ok(())
    }
}
