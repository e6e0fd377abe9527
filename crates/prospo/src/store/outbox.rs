//! The mail outbox: mails are written inside the transaction of the change that causes them (see
//! [`enqueue_mails_sql!`]), then claimed, sent and marked by the sender worker.

use super::{Db, StoreResult, claim_due, now_ms, on_db};

/// A mail to send, rendered when the change that causes it happens.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// The RFC 5545 calendar attached as `text/calendar`.
    pub ics: Option<String>,
}

/// A claimed outbox row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub ics: Option<Vec<u8>>,
    pub attempts: i64,
}

/// Inserts mails inside a transaction (`$tx` is a SQLite or PostgreSQL transaction), so the change
/// and its mails are committed, or lost, together.
macro_rules! enqueue_mails_sql {
    ($tx:ident, $mails:expr, $now:expr) => {
        for mail in $mails {
            sqlx::query(
                "INSERT INTO outbox (id, kind, recipient, subject, text_body, html_body, ics, created_at, send_after) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind($crate::store::new_id())
            .bind(&mail.kind)
            .bind(&mail.recipient)
            .bind(&mail.subject)
            .bind(&mail.text_body)
            .bind(&mail.html_body)
            .bind(mail.ics.as_ref().map(|ics| ics.as_bytes().to_vec()))
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        }
    };
}
pub(crate) use enqueue_mails_sql;

impl Db {
    /// Enqueues mails on their own (when no other change must commit with them).
    pub async fn enqueue_mails(&self, mails: &[OutgoingMail]) -> StoreResult<()> {
        let now = now_ms();
        on_db!(self, |pool| async {
            let mut tx = pool.begin().await?;
            enqueue_mails_sql!(tx, mails, now);
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// Leases up to `limit` due, unsent mails for `claim_ms` (each to one sender across instances).
    pub async fn claim_mails(&self, limit: i64, claim_ms: i64) -> StoreResult<Vec<OutboxRow>> {
        let now = now_ms();
        let rows = claim_due!(
            self,
            now,
            now + claim_ms,
            limit,
            "UPDATE outbox SET claimed_until = $2 WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL \
             AND send_after <= $1 AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY send_after LIMIT $3",
            "RETURNING id, kind, recipient, subject, text_body, html_body, ics, attempts"
        )?;
        Ok(rows)
    }

    /// The sent mark; a row that has it is never claimed again.
    pub async fn mark_mail_sent(&self, id: &str) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query(
                "UPDATE outbox SET sent_at = $2, claimed_until = NULL, last_error = NULL WHERE id = $1 AND sent_at IS NULL",
            )
            .bind(id)
            .bind(now_ms())
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// A failed send: counted, and the row becomes due again at `retry_at`.
    pub async fn mark_mail_failed(&self, id: &str, error: &str, retry_at: i64) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2, send_after = $3, claimed_until = NULL \
                 WHERE id = $1 AND sent_at IS NULL",
            )
            .bind(id)
            .bind(error)
            .bind(retry_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// How many mails wait to be sent (for tests and operations).
    pub async fn unsent_mails(&self) -> StoreResult<i64> {
        let (n,): (i64,) = on_db!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetch_one(pool).await
        })?;
        Ok(n)
    }
}
