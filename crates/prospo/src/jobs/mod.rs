//! The one job runner for every background queue.
//!
//! Each queue's work is a [`Work`]; [`run_queue`] claims due jobs of its queue (each by one worker
//! across all instances, for a lease another instance takes over after a crash), runs up to the
//! queue's concurrency at once, claims again as soon as a slot frees, and ends each run as the work
//! says: done, due again later, retried with a counted failure (failed for good past the queue's
//! cap on attempts), or failed. Shutdown lets running jobs finish. Per queue, `/metrics` shows the
//! work pending, the age of the oldest, and the jobs failed ([`record_depths`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::store::Db;
pub use crate::store::jobs::{ClaimedJob, JobEnd, Queue};

/// How a queue runs.
#[derive(Debug, Clone, Copy)]
pub struct QueueSettings {
    /// Jobs run at once per instance.
    pub concurrency: usize,
    /// How long a claim lasts: longer than any run takes, or two could run one job at once.
    pub lease: Duration,
    /// Failed attempts after which a job is failed for good; `None` retries until the work decides.
    pub max_attempts: Option<i64>,
}

/// How one run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// The runner ends the job as said.
    End(JobEnd),
    /// The work ended the job itself, in the transaction of its own writes; `failed` if it failed
    /// for good.
    Settled { failed: bool },
}

/// One queue's work: runs a claimed job.
pub trait Work: Send + Sync + 'static {
    fn run(&self, job: &ClaimedJob) -> impl Future<Output = Completion> + Send;
}

/// Wakes each queue's runner when work was queued, instead of at its next poll.
#[derive(Clone, Default)]
pub struct Wakers {
    zoom: Arc<Notify>,
    mail: Arc<Notify>,
    zoom_check: Arc<Notify>,
    reminder: Arc<Notify>,
    maintenance: Arc<Notify>,
    calendar: Arc<Notify>,
    webhook: Arc<Notify>,
}

impl Wakers {
    pub fn of(&self, queue: Queue) -> &Arc<Notify> {
        match queue {
            Queue::Zoom => &self.zoom,
            Queue::Mail => &self.mail,
            Queue::ZoomCheck => &self.zoom_check,
            Queue::Reminder => &self.reminder,
            Queue::Maintenance => &self.maintenance,
            Queue::Calendar => &self.calendar,
            Queue::Webhook => &self.webhook,
        }
    }

    pub fn wake(&self, queue: Queue) {
        self.of(queue).notify_one();
    }
}

/// What every runner shares.
#[derive(Clone)]
pub struct RunnerContext {
    pub db: Db,
    pub clock: Clock,
    pub wakers: Wakers,
    /// How often due work is looked for without a wake-up.
    pub poll: Duration,
    pub shutdown: CancellationToken,
}

/// Runs `queue` until shutdown, then waits for its running jobs.
pub async fn run_queue<W: Work>(context: RunnerContext, queue: Queue, settings: QueueSettings, work: Arc<W>) {
    metrics::counter!("prospo_jobs_failed_total", "queue" => queue.as_str()).increment(0);
    let wake = context.wakers.of(queue).clone();
    let mut running: JoinSet<(ClaimedJob, Completion)> = JoinSet::new();
    let lease_ms = i64::try_from(settings.lease.as_millis()).unwrap_or(i64::MAX);
    loop {
        let free = settings.concurrency.saturating_sub(running.len());
        if free > 0 && !context.shutdown.is_cancelled() {
            let now = context.clock.now_ms();
            match context.db.claim_jobs(queue, now, free as i64, lease_ms).await {
                Ok(jobs) => {
                    for job in jobs {
                        let work = work.clone();
                        running.spawn(async move {
                            let completion = run_one(&*work, &job).await;
                            (job, completion)
                        });
                    }
                }
                Err(e) => tracing::error!(queue = %queue, error = ?e, "cannot claim jobs"),
            }
        }
        if context.shutdown.is_cancelled() {
            while let Some(done) = running.join_next().await {
                finish(&context, &settings, done).await;
            }
            return;
        }
        let full = running.len() >= settings.concurrency;
        tokio::select! {
            Some(done) = running.join_next(), if !running.is_empty() => {
                finish(&context, &settings, done).await;
                // Whatever else finished meanwhile is ended too, so that one claim refills every
                // free slot at once.
                while let Some(done) = running.try_join_next() {
                    finish(&context, &settings, done).await;
                }
            }
            () = wake.notified(), if !full => {}
            () = context.clock.moved(), if !full => {}
            () = tokio::time::sleep(context.poll), if !full => {}
            () = context.shutdown.cancelled() => {}
        }
    }
}

/// Runs one job; a panic is a failed attempt like any other, not a lost job.
async fn run_one<W: Work>(work: &W, job: &ClaimedJob) -> Completion {
    match std::panic::AssertUnwindSafe(work.run(job)).catch_unwind().await {
        Ok(completion) => completion,
        Err(_) => {
            tracing::error!(queue = %job.queue, subject = %job.subject, "a job panicked");
            Completion::End(JobEnd::Retry { at: 0, error: "the job panicked".into() })
        }
    }
}

async fn finish(
    context: &RunnerContext,
    settings: &QueueSettings,
    done: Result<(ClaimedJob, Completion), tokio::task::JoinError>,
) {
    let Ok((job, completion)) = done else {
        // Cancelled or panicked outside `run_one`: the claim runs out and another run follows.
        tracing::error!("a job task ended without an answer");
        return;
    };
    let end = match completion {
        Completion::Settled { failed } => {
            if failed {
                count_failure(&job);
            }
            return;
        }
        Completion::End(JobEnd::Retry { at: _, error })
            if settings.max_attempts.is_some_and(|max| job.attempts + 1 >= max) =>
        {
            JobEnd::Failed { error: format!("{error} (gave up after {} attempts)", job.attempts + 1) }
        }
        Completion::End(JobEnd::Retry { at, error }) => JobEnd::Retry { at: at.max(context.clock.now_ms()), error },
        Completion::End(end) => end,
    };
    if let JobEnd::Failed { error } = &end {
        tracing::error!(queue = %job.queue, subject = %job.subject, error, "job failed for good");
        count_failure(&job);
    }
    if let Err(e) = context.db.end_job(&job, &end, context.clock.now_ms()).await {
        tracing::error!(queue = %job.queue, subject = %job.subject, error = ?e, "cannot record the end of a job");
    }
}

fn count_failure(job: &ClaimedJob) {
    metrics::counter!("prospo_jobs_failed_total", "queue" => job.queue.as_str()).increment(1);
}

/// Sets the per-queue gauges from the database, just before `/metrics` renders them.
pub async fn record_depths(db: &Db, clock: &Clock) {
    let now = clock.now_ms();
    let depths = match db.queue_depths(now).await {
        Ok(depths) => depths,
        Err(e) => {
            tracing::warn!(error = ?e, "cannot read the job queues for metrics");
            return;
        }
    };
    for &queue in Queue::ALL {
        let depth = depths.iter().find(|d| d.queue == queue);
        let pending = depth.map_or(0, |d| d.pending);
        let oldest = depth.and_then(|d| d.oldest_due_at).map_or(0.0, |due| (now - due).max(0) as f64 / 1000.0);
        metrics::gauge!("prospo_jobs_pending", "queue" => queue.as_str()).set(pending as f64);
        metrics::gauge!("prospo_jobs_oldest_seconds", "queue" => queue.as_str()).set(oldest);
    }
}

/// 1 s doubling with jitter, capped at 30 s for the first ten minutes of failures and 5 minutes
/// after (product.md §2, for Zoom); other queues pass their own base and caps.
pub fn backoff_ms(attempts: i64, failing_for_ms: i64, base_ms: i64, early_cap_ms: i64, late_cap_ms: i64) -> i64 {
    use rand::Rng;
    let cap = if failing_for_ms < 10 * 60_000 { early_cap_ms } else { late_cap_ms };
    let base = base_ms.saturating_mul(1i64 << attempts.clamp(0, 20)).min(cap);
    let jitter = rand::rng().random_range(0..=base / 4);
    (base - base / 8 + jitter).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert!((875..=1250).contains(&backoff_ms(0, 0, 1_000, 30_000, 300_000)));
        assert!((1750..=2500).contains(&backoff_ms(1, 0, 1_000, 30_000, 300_000)));
        assert!(backoff_ms(10, 0, 1_000, 30_000, 300_000) <= 30_000);
        assert!(backoff_ms(12, 11 * 60_000, 1_000, 30_000, 300_000) > 30_000);
        assert!(backoff_ms(30, 11 * 60_000, 1_000, 30_000, 300_000) <= 300_000);
    }

    #[test]
    fn queue_names_round_trip() {
        for &queue in Queue::ALL {
            assert_eq!(queue.as_str().parse::<Queue>().unwrap(), queue);
        }
    }
}
