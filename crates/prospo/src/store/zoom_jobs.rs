//! The durable Zoom work: claiming due jobs, recording what Zoom answered, and the per-host daily
//! budget of meeting creates and updates.

use super::outbox::{OutgoingMail, enqueue_mails_sql};
use super::{Db, StoreResult, claim_due, now_ms, on_db};

/// What the Zoom side of a meeting became after one job run.
pub enum ZoomOutcome<'a> {
    Updated {
        sequence: i64,
    },
    Deleted,
    /// Zoom says the meeting no longer exists although Prospo did not delete it.
    DeletedInZoom,
    Failed {
        code: &'a str,
        message: &'a str,
    },
}

/// A Zoom meeting Zoom created (or that we found as ours).
pub struct CreatedZoomMeeting<'a> {
    pub zoom_meeting_id: i64,
    pub uuid: &'a str,
    pub join_url: &'a str,
    pub passcode: Option<&'a str>,
    /// Zoom's dial-in numbers as JSON, when it gave them.
    pub dial_in_json: Option<String>,
}

/// Records a created (or adopted) Zoom meeting. `$6` is the meeting's sequence the job acted on: a
/// change made meanwhile leaves an update pending. A scheduled meeting's first join link raises its
/// sequence, so the follow-up invitation that carries the link replaces the earlier one.
const CREATED_SQL: &str = "UPDATE meetings SET zoom_meeting_id = $2, zoom_uuid = $3, zoom_join_url = $4, zoom_passcode = $5, \
                     zoom_dial_in = $8, zoom_create_unconfirmed = FALSE, zoom_held_until = NULL, zoom_error_code = NULL, \
                     zoom_error_message = NULL, updated_at = $7, \
                     sequence = CASE WHEN status = 'scheduled' AND zoom_join_url IS NULL THEN sequence + 1 ELSE sequence END, \
                     zoom_status = CASE WHEN status = 'cancelled' THEN zoom_status ELSE 'created' END, \
                     zoom_pending_change = CASE WHEN status = 'cancelled' THEN 'delete' \
                       WHEN sequence <> $6 THEN 'update' ELSE NULL END WHERE id = $1";

/// Queues a follow-up mail only while the meeting is as the mail was written for: scheduled, without
/// a join link yet, at the sequence the mail's invitation raises.
const FOLLOW_UP_SQL: &str = "INSERT INTO outbox (id, kind, recipient, subject, text_body, html_body, ics, created_at, send_after) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $8 WHERE EXISTS (SELECT 1 FROM meetings WHERE id = $9 \
     AND status = 'scheduled' AND zoom_join_url IS NULL AND sequence = $10)";

impl Db {
    /// [`ZoomOutcome::Created`] with the follow-up mails that bring the link, in one transaction, so
    /// the link and its mails are recorded together. `before_sequence` is the meeting's sequence the
    /// mails were written against.
    pub async fn record_zoom_created(
        &self,
        meeting_id: &str,
        sequence: i64,
        created: &CreatedZoomMeeting<'_>,
        follow_up: &[OutgoingMail],
        before_sequence: i64,
    ) -> StoreResult<()> {
        let now = now_ms();
        on_db!(self, |pool| async {
            let mut tx = pool.begin().await?;
            // Before the update: the conditions look at the meeting as it was.
            for mail in follow_up {
                sqlx::query(FOLLOW_UP_SQL)
                    .bind(super::new_id())
                    .bind(&mail.kind)
                    .bind(&mail.recipient)
                    .bind(&mail.subject)
                    .bind(&mail.text_body)
                    .bind(&mail.html_body)
                    .bind(mail.ics.as_ref().map(|ics| ics.as_bytes().to_vec()))
                    .bind(now)
                    .bind(meeting_id)
                    .bind(before_sequence)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(CREATED_SQL)
                .bind(meeting_id)
                .bind(created.zoom_meeting_id)
                .bind(created.uuid)
                .bind(created.join_url)
                .bind(created.passcode)
                .bind(sequence)
                .bind(now)
                .bind(&created.dial_in_json)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// Claims up to `limit` due jobs (each job by one worker across all instances), returning their meeting ids.
    pub async fn claim_zoom_jobs(&self, limit: i64, claim_ms: i64) -> StoreResult<Vec<String>> {
        let now = now_ms();
        let rows: Vec<(String,)> = claim_due!(
            self,
            now,
            now + claim_ms,
            limit,
            "UPDATE zoom_jobs SET claimed_until = $2 WHERE meeting_id IN (SELECT meeting_id FROM zoom_jobs \
             WHERE run_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY run_at LIMIT $3",
            "RETURNING meeting_id"
        )?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Writes down, before calling Zoom, that a create is being sent: if its answer is lost, the next
    /// run looks for the meeting instead of creating a second one.
    pub async fn mark_zoom_create_sent(&self, meeting_id: &str) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE meetings SET zoom_create_unconfirmed = TRUE WHERE id = $1")
                .bind(meeting_id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Records what a meeting's Zoom side became. `alert` (for a failure, or a deletion in Zoom) is
    /// queued for the host in the same transaction, only when the meeting did not already show this
    /// trouble: a lasting problem mails once.
    pub async fn record_zoom_outcome(
        &self,
        meeting_id: &str,
        outcome: ZoomOutcome<'_>,
        alert: Option<&OutgoingMail>,
    ) -> StoreResult<()> {
        let now = now_ms();
        let trouble = match &outcome {
            ZoomOutcome::Failed { code, .. } => Some(*code),
            ZoomOutcome::DeletedInZoom => Some("deleted_in_zoom"),
            _ => None,
        };
        on_db!(self, |pool| {
            async {
            let mut tx = pool.begin().await?;
            if let Some(alert) = alert.filter(|_| trouble.is_some()) {
                let shown: Option<(Option<String>,)> =
                    sqlx::query_as("SELECT zoom_error_code FROM meetings WHERE id = $1")
                        .bind(meeting_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if shown.is_some_and(|(code,)| code.as_deref() != trouble) {
                    enqueue_mails_sql!(tx, std::slice::from_ref(alert), now);
                }
            }
            match outcome {
                ZoomOutcome::Updated { sequence } => sqlx::query(
                    "UPDATE meetings SET zoom_status = 'created', zoom_held_until = NULL, zoom_error_code = NULL, \
                     zoom_error_message = NULL, updated_at = $3, \
                     zoom_pending_change = CASE WHEN sequence <> $2 THEN zoom_pending_change ELSE NULL END WHERE id = $1",
                )
                .bind(meeting_id)
                .bind(sequence)
                .bind(now),
                ZoomOutcome::Deleted => sqlx::query(
                    "UPDATE meetings SET zoom_status = 'deleted', zoom_pending_change = NULL, zoom_held_until = NULL, \
                     zoom_create_unconfirmed = FALSE, zoom_error_code = NULL, zoom_error_message = NULL, updated_at = $2 \
                     WHERE id = $1",
                )
                .bind(meeting_id)
                .bind(now),
                ZoomOutcome::DeletedInZoom => sqlx::query(
                    "UPDATE meetings SET zoom_status = 'deleted', zoom_pending_change = NULL, zoom_held_until = NULL, \
                     zoom_error_code = 'deleted_in_zoom', \
                     zoom_error_message = 'The Zoom meeting was deleted in Zoom. Prospo did not create another one.', \
                     updated_at = $2 WHERE id = $1",
                )
                .bind(meeting_id)
                .bind(now),
                ZoomOutcome::Failed { code, message } => sqlx::query(
                    "UPDATE meetings SET zoom_status = CASE WHEN zoom_status = 'created' AND zoom_pending_change = 'update' \
                     THEN 'created' ELSE 'failed' END, zoom_error_code = $2, zoom_error_message = $3, \
                     zoom_held_until = NULL, updated_at = $4 WHERE id = $1",
                )
                .bind(meeting_id)
                .bind(code)
                .bind(message)
                .bind(now),
            }
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
        .await
        })?;
        Ok(())
    }

    /// Shows why a meeting's Zoom work waits (`held_until`, and the reason as its error) without failing it.
    /// Only while work is pending: a disconnect that ended the work meanwhile keeps its own reason.
    pub async fn record_zoom_wait(
        &self,
        meeting_id: &str,
        held_until: Option<i64>,
        reason: Option<(&str, &str)>,
    ) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query(
                "UPDATE meetings SET zoom_held_until = $2, zoom_error_code = $3, zoom_error_message = $4 \
                 WHERE id = $1 AND zoom_pending_change IS NOT NULL",
            )
            .bind(meeting_id)
            .bind(held_until)
            .bind(reason.map(|r| r.0))
            .bind(reason.map(|r| r.1))
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Ends a job run: the job goes away when nothing is pending any more, else it is re-armed at
    /// `run_at` (re-created if a cancel removed it while Zoom was being called, so a meeting created
    /// meanwhile is still deleted). `failed_attempt` counts towards the backoff.
    pub async fn finish_zoom_job(&self, meeting_id: &str, run_at: i64, failed_attempt: bool) -> StoreResult<()> {
        let now = now_ms();
        on_db!(self, |pool| async {
            sqlx::query(
                "DELETE FROM zoom_jobs WHERE meeting_id = $1 AND NOT EXISTS \
                 (SELECT 1 FROM meetings WHERE id = $1 AND zoom_pending_change IS NOT NULL)",
            )
            .bind(meeting_id)
            .execute(pool)
            .await?;
            sqlx::query(
                "INSERT INTO zoom_jobs (meeting_id, run_at, attempts, first_failure_at, created_at) \
                 SELECT $1, $2, CASE WHEN $3 THEN 1 ELSE 0 END, CASE WHEN $3 THEN $4 ELSE NULL END, $4 \
                 WHERE EXISTS (SELECT 1 FROM meetings WHERE id = $1 AND zoom_pending_change IS NOT NULL) \
                 ON CONFLICT (meeting_id) DO UPDATE SET claimed_until = NULL, run_at = excluded.run_at, \
                 attempts = CASE WHEN $3 THEN zoom_jobs.attempts + 1 ELSE 0 END, \
                 first_failure_at = CASE WHEN $3 THEN COALESCE(zoom_jobs.first_failure_at, $4) ELSE NULL END",
            )
            .bind(meeting_id)
            .bind(run_at)
            .bind(failed_attempt)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
        }
        .await)?;
        Ok(())
    }

    /// Drops a meeting's job (its work failed for good and waits for the host's Retry).
    pub async fn drop_zoom_job(&self, meeting_id: &str) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("DELETE FROM zoom_jobs WHERE meeting_id = $1").bind(meeting_id).execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// The job's attempt count and first failure, for the backoff.
    pub async fn zoom_job_attempts(&self, meeting_id: &str) -> StoreResult<Option<(i64, Option<i64>)>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as("SELECT attempts, first_failure_at FROM zoom_jobs WHERE meeting_id = $1")
                .bind(meeting_id)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// Re-arms a meeting's Zoom work now (Retry, or a reconnect releasing held work).
    pub async fn retry_zoom_work(&self, meeting_id: &str) -> StoreResult<()> {
        let now = now_ms();
        on_db!(self, |pool| {
            async {
            sqlx::query(
                "UPDATE meetings SET zoom_status = CASE WHEN zoom_status = 'failed' THEN 'pending' ELSE zoom_status END, \
                 zoom_pending_change = COALESCE(zoom_pending_change, CASE WHEN status = 'cancelled' THEN 'delete' \
                   WHEN zoom_meeting_id IS NULL THEN 'create' ELSE 'update' END), \
                 zoom_error_code = NULL, zoom_error_message = NULL, zoom_held_until = NULL WHERE id = $1",
            )
            .bind(meeting_id)
            .execute(pool)
            .await?;
            sqlx::query(
                "INSERT INTO zoom_jobs (meeting_id, run_at, created_at) VALUES ($1, $2, $2) \
                 ON CONFLICT (meeting_id) DO UPDATE SET run_at = excluded.run_at, attempts = 0, first_failure_at = NULL",
            )
            .bind(meeting_id)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
        }
        .await
        })?;
        Ok(())
    }

    /// Makes every queued Zoom job of a host due now (after a reconnect).
    pub async fn wake_zoom_jobs_of(&self, host_id: &str) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query(
                "UPDATE zoom_jobs SET run_at = $2 WHERE meeting_id IN (SELECT id FROM meetings WHERE host_id = $1)",
            )
            .bind(host_id)
            .bind(now_ms())
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// After a disconnect: queued Zoom work ends as failed with that reason.
    pub async fn fail_zoom_work_of(&self, host_id: &str, code: &str, message: &str) -> StoreResult<()> {
        on_db!(self, |pool| async {
            sqlx::query(
                "UPDATE meetings SET zoom_status = CASE WHEN zoom_status = 'created' AND status = 'scheduled' \
                 AND zoom_pending_change IS NULL THEN 'created' ELSE 'failed' END, \
                 zoom_error_code = $2, zoom_error_message = $3, zoom_held_until = NULL, zoom_pending_change = NULL \
                 WHERE host_id = $1 AND id IN (SELECT meeting_id FROM zoom_jobs)",
            )
            .bind(host_id)
            .bind(code)
            .bind(message)
            .execute(pool)
            .await?;
            sqlx::query("DELETE FROM zoom_jobs WHERE meeting_id IN (SELECT id FROM meetings WHERE host_id = $1)")
                .bind(host_id)
                .execute(pool)
                .await
                .map(|_| ())
        }
        .await)?;
        Ok(())
    }

    /// Counts one meeting create or update against the Zoom user's UTC day; returns the day's total.
    pub async fn count_zoom_write(&self, zoom_user_id: &str, day: &str) -> StoreResult<i64> {
        let (used,): (i64,) = on_db!(self, |pool| {
            sqlx::query_as(
                "INSERT INTO zoom_daily_usage (zoom_user_id, day, used) VALUES ($1, $2, 1) \
                 ON CONFLICT (zoom_user_id, day) DO UPDATE SET used = zoom_daily_usage.used + 1 RETURNING used",
            )
            .bind(zoom_user_id)
            .bind(day)
            .fetch_one(pool)
            .await
        })?;
        Ok(used)
    }

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
