//! Housekeeping on the maintenance queue: one job, run hourly, that empties the bodies of mail sent
//! more than a week ago (they hold reset and manage links) and of webhook deliveries made more than
//! a week ago (they hold manage links too), drops expired sessions and forgets
//! idempotency keys after a day.

use crate::app::AppRef;
use crate::jobs::{ClaimedJob, Completion, JobEnd, Queue, Work};
use crate::notifications::sender::KEEP_SENT_BODIES_MS;
use crate::store::Db;

/// The one maintenance job.
pub const SUBJECT: &str = "housekeeping";
const EVERY_MS: i64 = 3600 * 1000;

pub struct MaintenanceWork(pub AppRef);

impl Work for MaintenanceWork {
    async fn run(&self, _job: &ClaimedJob) -> Completion {
        let app = &self.0;
        let now = app.now_ms();
        let done = async {
            let purged = app.db.purge_sent_mail_bodies(now - KEEP_SENT_BODIES_MS, now).await?;
            let webhook_bodies = app.db.purge_webhook_bodies(now - KEEP_SENT_BODIES_MS).await?;
            let sessions = app.db.delete_expired_sessions(now).await?;
            let keys = app.db.delete_idempotency_keys_before(now - crate::http::IDEMPOTENCY_KEEP_MS).await?;
            tracing::info!(
                purged_mail_bodies = purged,
                purged_webhook_bodies = webhook_bodies,
                expired_sessions = sessions,
                idempotency_keys = keys,
                "housekeeping done"
            );
            anyhow::Ok(())
        };
        match done.await {
            Ok(()) => Completion::End(JobEnd::RunAt(now + EVERY_MS)),
            Err(e) => Completion::End(JobEnd::Retry { at: now + 5 * 60_000, error: format!("{e:#}") }),
        }
    }
}

/// Makes sure the housekeeping job exists (at start).
pub async fn arm(db: &Db, now: i64) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    tx.ensure_job(Queue::Maintenance, SUBJECT, now, now).await?;
    tx.commit().await?;
    Ok(())
}
