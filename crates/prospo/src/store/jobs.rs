//! The `jobs` table: every piece of background work (Zoom work, mail, health checks, reminders) is
//! one row, written in the transaction of the change that causes it, claimed by one worker across
//! all instances for a lease, and finished, retried or failed under that claim.

use super::{Db, StoreResult, Tx, new_id, on_db, on_tx};
use crate::domain::text_forms::text_forms;

/// The background queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    /// Bringing each meeting's Zoom meeting in line with Prospo's record.
    Zoom,
    /// Sending the outbox.
    Mail,
    /// Health checks of Zoom connections.
    ZoomCheck,
    /// Queuing reminder mails when they come due.
    Reminder,
    /// Housekeeping: emptying old mail bodies, dropping expired sessions.
    Maintenance,
    /// Reading connected calendars into the busy-time cache, and writing bookings into them.
    Calendar,
    /// Outgoing webhook deliveries, one job per delivery.
    Webhook,
}

text_forms! {
    Queue { Zoom => "zoom", Mail => "mail", ZoomCheck => "zoom_check", Reminder => "reminder", Maintenance => "maintenance", Calendar => "calendar", Webhook => "webhook" }
}

/// A job one worker holds until its lease ends.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub queue: Queue,
    pub subject: String,
    /// Failed attempts since the last success.
    pub attempts: i64,
    pub first_failure_at: Option<i64>,
    /// This claim's token: every write that ends the run names it.
    pub claim: String,
    /// The due time it was claimed at: a different one at the end means the job was queued again
    /// during the run ([`Tx::schedule_job`]), and that newer schedule is kept.
    pub run_at: i64,
}

/// How a claimed run ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEnd {
    /// Nothing left to do: the row goes.
    Done,
    /// Due again at this time; not a failure (a wait, or the next periodic run).
    RunAt(i64),
    /// A failed attempt, tried again at this time.
    Retry { at: i64, error: String },
    /// Failed for good: kept, visible, not run again until something revives it.
    Failed { error: String },
}

/// Per queue: work due or running, and when the oldest of it became due.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueDepth {
    pub queue: Queue,
    pub pending: i64,
    pub oldest_due_at: Option<i64>,
}

const CLAIM_SQL: &str = "UPDATE jobs SET claim = $4, claimed_until = $2 WHERE queue = $5 AND subject IN \
     (SELECT subject FROM jobs WHERE queue = $5 AND failed_at IS NULL AND run_at <= $1 \
     AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY run_at LIMIT $3";
const CLAIM_RETURNING: &str = ") RETURNING subject, attempts, first_failure_at, run_at";

/// Ends a run, under its claim; `$3` the claim, `$4` the time, `$5` the error (for Retry/Failed).
/// A job queued again during the run (its `run_at` is no longer the one claimed) keeps the
/// earlier of the two due times, so the new work is not pushed back.
const RUN_AT_SQL: &str = "UPDATE jobs SET run_at = CASE WHEN run_at <> $5 AND run_at < $4 THEN run_at ELSE $4 END, \
     claim = NULL, claimed_until = NULL WHERE queue = $1 AND subject = $2 AND claim = $3";
const RETRY_SQL: &str = "UPDATE jobs SET run_at = CASE WHEN run_at <> $7 AND run_at < $4 THEN run_at ELSE $4 END, \
     attempts = attempts + 1, first_failure_at = COALESCE(first_failure_at, $6), last_error = $5, claim = NULL, \
     claimed_until = NULL WHERE queue = $1 AND subject = $2 AND claim = $3";
const FAILED_SQL: &str = "UPDATE jobs SET failed_at = $4, last_error = $5, claim = NULL, claimed_until = NULL \
     WHERE queue = $1 AND subject = $2 AND claim = $3";
/// Done removes the job unless it was queued again during the run: then only the claim goes, and
/// the new work runs.
const DONE_SQL: &str = "DELETE FROM jobs WHERE queue = $1 AND subject = $2 AND claim = $3 AND run_at = $4";
const RELEASE_SQL: &str =
    "UPDATE jobs SET claim = NULL, claimed_until = NULL WHERE queue = $1 AND subject = $2 AND claim = $3";

/// The statement that ends a claimed run as `$end` says, under its claim; expanded once per
/// backend by `on_db!` / `on_tx!`.
macro_rules! end_job_query {
    ($job:expr, $end:expr, $now:expr) => {{
        let (job, now) = ($job, $now);
        match $end {
            JobEnd::Done => sqlx::query(DONE_SQL).bind(job.queue).bind(&job.subject).bind(&job.claim).bind(job.run_at),
            JobEnd::RunAt(at) => {
                sqlx::query(RUN_AT_SQL).bind(job.queue).bind(&job.subject).bind(&job.claim).bind(*at).bind(job.run_at)
            }
            JobEnd::Retry { at, error } => sqlx::query(RETRY_SQL)
                .bind(job.queue)
                .bind(&job.subject)
                .bind(&job.claim)
                .bind(*at)
                .bind(error.as_str())
                .bind(now)
                .bind(job.run_at),
            JobEnd::Failed { error } => sqlx::query(FAILED_SQL)
                .bind(job.queue)
                .bind(&job.subject)
                .bind(&job.claim)
                .bind(now)
                .bind(error.as_str()),
        }
    }};
}

impl Db {
    /// Claims up to `limit` due jobs of `queue` until `now + lease_ms`. SQLite has one writer, so
    /// the statement is atomic alone; PostgreSQL skips rows another instance is claiming.
    pub async fn claim_jobs(&self, queue: Queue, now: i64, limit: i64, lease_ms: i64) -> StoreResult<Vec<ClaimedJob>> {
        let claim = new_id();
        let rows: Vec<(String, i64, Option<i64>, i64)> = match self {
            Db::Sqlite(pool) => {
                // In turn with the write transactions (see `SqliteTx`).
                let _writer = self.sqlite_writer().await;
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{CLAIM_SQL}{CLAIM_RETURNING}")))
                    .bind(now)
                    .bind(now + lease_ms)
                    .bind(limit)
                    .bind(&claim)
                    .bind(queue)
                    .fetch_all(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{CLAIM_SQL} FOR UPDATE SKIP LOCKED{CLAIM_RETURNING}")))
                    .bind(now)
                    .bind(now + lease_ms)
                    .bind(limit)
                    .bind(&claim)
                    .bind(queue)
                    .fetch_all(pool)
                    .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(|(subject, attempts, first_failure_at, run_at)| ClaimedJob {
                queue,
                subject,
                attempts,
                first_failure_at,
                claim: claim.clone(),
                run_at,
            })
            .collect())
    }

    /// Ends a claimed run on its own: one statement (see [`Tx::end_job`]).
    pub async fn end_job(&self, job: &ClaimedJob, end: &JobEnd, now: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.end_job(job, end, now).await?;
        tx.commit().await
    }

    /// How much work waits per queue (for `/metrics`).
    pub async fn queue_depths(&self, now: i64) -> StoreResult<Vec<QueueDepth>> {
        // One indexed range per queue (jobs_due), not a scan of the whole table.
        let mut depths = Vec::with_capacity(Queue::ALL.len());
        for &queue in Queue::ALL {
            let (pending, oldest_due_at): (i64, Option<i64>) = on_db!(self, |pool| {
                sqlx::query_as(
                    "SELECT COUNT(*), MIN(run_at) FROM jobs WHERE queue = $1 AND failed_at IS NULL AND run_at <= $2",
                )
                .bind(queue)
                .bind(now)
                .fetch_one(pool)
                .await
            })?;
            depths.push(QueueDepth { queue, pending, oldest_due_at });
        }
        Ok(depths)
    }

    /// The job of `queue`/`subject`, if any: (run_at, attempts, failed_at, last_error). For tests
    /// and operations.
    pub async fn job(
        &self,
        queue: Queue,
        subject: &str,
    ) -> StoreResult<Option<(i64, i64, Option<i64>, Option<String>)>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as("SELECT run_at, attempts, failed_at, last_error FROM jobs WHERE queue = $1 AND subject = $2")
                .bind(queue)
                .bind(subject)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// Makes every job of `queue` whose subject is in `subjects_sql` (a `SELECT` of subjects with
    /// `$1` bound to `arg`) due now, unless it failed for good.
    pub(crate) async fn wake_jobs_where(
        &self,
        queue: Queue,
        subjects_sql: &'static str,
        arg: &str,
        now: i64,
    ) -> StoreResult<()> {
        let sql = format!(
            "UPDATE jobs SET run_at = $2 WHERE queue = $3 AND failed_at IS NULL AND subject IN ({subjects_sql})"
        );
        on_db!(self, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(arg)
                .bind(now)
                .bind(queue)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}

impl Tx {
    /// Queues `queue`/`subject` to run at `run_at`. An existing job becomes a fresh one due then
    /// (attempts and failure forgotten), but keeps its claim: a run under way finishes first, so
    /// one subject never runs twice at once.
    pub async fn schedule_job(&mut self, queue: Queue, subject: &str, run_at: i64, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO jobs (queue, subject, run_at, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (queue, subject) DO UPDATE SET run_at = excluded.run_at, attempts = 0, \
                 first_failure_at = NULL, failed_at = NULL, last_error = NULL",
            )
            .bind(queue)
            .bind(subject)
            .bind(run_at)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Marks `queue`/`subject` failed for good (kept and visible until revived), whoever holds it.
    pub async fn fail_job(&mut self, queue: Queue, subject: &str, error: &str, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO jobs (queue, subject, run_at, failed_at, last_error, created_at) VALUES ($1, $2, $3, $3, $4, $3) \
                 ON CONFLICT (queue, subject) DO UPDATE SET failed_at = excluded.failed_at, \
                 last_error = excluded.last_error, claim = NULL, claimed_until = NULL",
            )
            .bind(queue)
            .bind(subject)
            .bind(now)
            .bind(error)
            .execute(&mut *c)
            .await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Queues `queue`/`subject` at `run_at` unless it is queued already.
    pub async fn ensure_job(&mut self, queue: Queue, subject: &str, run_at: i64, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO jobs (queue, subject, run_at, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (queue, subject) DO NOTHING",
            )
            .bind(queue)
            .bind(subject)
            .bind(run_at)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Removes `queue`/`subject`, whoever holds it.
    pub async fn drop_job(&mut self, queue: Queue, subject: &str) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM jobs WHERE queue = $1 AND subject = $2")
                .bind(queue)
                .bind(subject)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Ends a claimed run as `end` says. Only under its own claim: a job another worker took over
    /// (the lease ran out) is left to that worker. Returns whether the claim still held.
    pub async fn end_job(&mut self, job: &ClaimedJob, end: &JobEnd, now: i64) -> StoreResult<bool> {
        let ended = on_tx!(self, |c| end_job_query!(job, end, now).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        if ended == 0 && *end == JobEnd::Done {
            // Queued again during the run: keep it, without this claim.
            let released = on_tx!(self, |c| {
                sqlx::query(RELEASE_SQL)
                    .bind(job.queue)
                    .bind(&job.subject)
                    .bind(&job.claim)
                    .execute(&mut *c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
            return Ok(released == 1);
        }
        Ok(ended == 1)
    }
}
