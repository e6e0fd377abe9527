//! The mail outbox: mails are written inside the transaction of the change that causes it
//! ([`Tx::enqueue_mails`]), each with its job on the mail queue, then sent and marked by the
//! mail worker. Sent mails keep subject, recipient and times; their bodies (which hold reset and
//! manage links) are emptied after a week.

use super::jobs::Queue;
use super::{Db, StoreResult, Tx, on_db, on_tx, values_list};
use crate::domain::text_forms::text_forms;

/// What a mail is about (the outbox's `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    Booked,
    Rescheduled,
    Cancelled,
    ZoomLink,
    Reminder,
    AlertConnection,
    AlertZoomFailed,
    AlertDeletedInZoom,
    PasswordReset,
    VerifyEmail,
}

text_forms! {
    MailKind {
        Booked => "booked",
        Rescheduled => "rescheduled",
        Cancelled => "cancelled",
        ZoomLink => "zoom_link",
        Reminder => "reminder",
        AlertConnection => "alert_connection",
        AlertZoomFailed => "alert_zoom_failed",
        AlertDeletedInZoom => "alert_deleted_in_zoom",
        PasswordReset => "password_reset",
        VerifyEmail => "verify_email",
    }
}

/// A mail to send, rendered when the change that causes it happens.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub kind: MailKind,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// The RFC 5545 calendar attached as `text/calendar`.
    pub ics: Option<String>,
}

/// A mail as the sender reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub kind: MailKind,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub ics: Option<Vec<u8>>,
    pub sent_at: Option<i64>,
}

impl Tx {
    /// Queues mails with the change this transaction makes (both commit, or neither), each with
    /// its job on the mail queue: two statements, however many mails.
    pub async fn enqueue_mails(&mut self, mails: &[OutgoingMail], now: i64) -> StoreResult<()> {
        if mails.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = mails.iter().map(|_| super::new_id()).collect();
        let outbox = format!(
            "INSERT INTO outbox (id, kind, recipient, subject, text_body, html_body, ics, created_at, send_after) VALUES {}",
            values_list(mails.len(), 9)
        );
        let jobs =
            format!("INSERT INTO jobs (queue, subject, run_at, created_at) VALUES {}", values_list(mails.len(), 4));
        on_tx!(self, |c| {
            let mut insert = sqlx::query(sqlx::AssertSqlSafe(outbox.clone()));
            for (id, mail) in ids.iter().zip(mails) {
                insert = insert
                    .bind(id)
                    .bind(mail.kind)
                    .bind(&mail.recipient)
                    .bind(&mail.subject)
                    .bind(&mail.text_body)
                    .bind(&mail.html_body)
                    .bind(mail.ics.as_ref().map(|ics| ics.as_bytes()))
                    .bind(now)
                    .bind(now);
            }
            insert.execute(&mut *c).await?;
            let mut queue = sqlx::query(sqlx::AssertSqlSafe(jobs.clone()));
            for id in &ids {
                queue = queue.bind(Queue::Mail).bind(id).bind(now).bind(now);
            }
            queue.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// The sent mark; a mail that has it is never sent again.
    pub async fn mark_mail_sent(&mut self, id: &str, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE outbox SET sent_at = $2 WHERE id = $1 AND sent_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}

impl Db {
    /// Queues mails on their own (when no other change must commit with them).
    pub async fn enqueue_mails(&self, mails: &[OutgoingMail], now: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.enqueue_mails(mails, now).await?;
        tx.commit().await
    }

    /// The sent mark; a mail that has it is never sent again.
    pub async fn mark_mail_sent(&self, id: &str, now: i64) -> StoreResult<()> {
        let _writer = self.sqlite_writer().await;
        on_db!(self, |pool| {
            sqlx::query("UPDATE outbox SET sent_at = $2 WHERE id = $1 AND sent_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    pub async fn outbox_mail(&self, id: &str) -> StoreResult<Option<OutboxRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT id, kind, recipient, subject, text_body, html_body, ics, sent_at FROM outbox WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })?)
    }

    /// How many mails of these kinds went (or wait to go) to `recipient` since `since`.
    pub async fn mails_to_since(&self, recipient: &str, kinds: &[MailKind], since: i64) -> StoreResult<i64> {
        let marks: Vec<String> = (3..3 + kinds.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT COUNT(*) FROM outbox WHERE recipient = $1 AND created_at > $2 AND kind IN ({})",
            marks.join(", ")
        );
        Ok(on_db!(self, |pool| {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(recipient).bind(since);
            for kind in kinds {
                query = query.bind(*kind);
            }
            query.fetch_one(pool).await
        })?)
    }

    /// How many mails wait to be sent (for tests and operations).
    pub async fn unsent_mails(&self) -> StoreResult<i64> {
        let (n,): (i64,) = on_db!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetch_one(pool).await
        })?;
        Ok(n)
    }

    /// Empties the bodies and attachments of mails sent before `sent_before` (they hold reset and
    /// manage links in plain text); subject, recipient and times stay. Returns how many.
    pub async fn purge_sent_mail_bodies(&self, sent_before: i64, now: i64) -> StoreResult<u64> {
        let purged = on_db!(self, |pool| {
            sqlx::query(
                "UPDATE outbox SET text_body = '', html_body = '', ics = NULL, purged_at = $2 \
                 WHERE sent_at IS NOT NULL AND sent_at < $1 AND purged_at IS NULL",
            )
            .bind(sent_before)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(purged)
    }
}
