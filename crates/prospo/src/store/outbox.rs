//! The mail outbox: mails are written inside the transaction of the change that causes it
//! ([`Tx::enqueue_mails`]), each with its job on the mail queue, then sent and marked by the
//! mail worker. Sent mails keep subject, recipient and times; their bodies (which hold reset and
//! manage links) are emptied after a week.

use super::jobs::Queue;
use super::{Db, StoreResult, Tx, on_db, on_tx, values_list};
use crate::domain::lifecycle::MeetingStatus;
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
    /// Where answers go (the host, on invitee mails).
    pub reply_to: Option<String>,
    /// Sent no sooner than this long after it is queued (a booking's first mail waits for its
    /// Zoom link, see [`Tx::refresh_waiting_mails`]).
    pub delay_ms: i64,
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
    pub reply_to: Option<String>,
    pub sent_at: Option<i64>,
}

/// Whose action causes a meeting's mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The host's (a meeting made directly, a change or cancel from the pages or API): the mails
    /// to other people count towards the host's daily quota.
    Host { daily_quota: i64 },
    /// An invitee's (booking, manage link) or Prospo's own (Zoom follow-ups, reminders, Zoom's news).
    Other,
}

/// The meeting a batch of mails is about.
#[derive(Debug, Clone, Copy)]
pub struct MailsOf<'a> {
    pub meeting_id: &'a str,
    pub host_id: &'a str,
    /// Made by the host directly (no booking page): its invitations wait while the host's email
    /// is unconfirmed.
    pub direct: bool,
    pub cause: Cause,
}

/// What became of a meeting's mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// Queued (some perhaps held until the host confirms their email).
    Queued { held: bool },
    /// Nothing written: the mails would take the host past their daily quota.
    OverQuota,
}

/// One outbox row to write.
struct Entry<'a> {
    mail: &'a OutgoingMail,
    meeting_id: Option<&'a str>,
    caused_by: Option<&'a str>,
    held: bool,
}

impl Tx {
    /// Queues mails with the change this transaction makes (both commit, or neither), each with
    /// its job on the mail queue: two statements, however many mails.
    pub async fn enqueue_mails(&mut self, mails: &[OutgoingMail], now: i64) -> StoreResult<()> {
        let entries: Vec<Entry> =
            mails.iter().map(|mail| Entry { mail, meeting_id: None, caused_by: None, held: false }).collect();
        self.write_mails(&entries, now).await
    }

    /// Queues a meeting's mails like [`Tx::enqueue_mails`]. Mails to anyone but the host are counted
    /// against the host's quota when the host causes them (refused whole past it), and held while
    /// the host's email is unconfirmed if the meeting was made directly.
    pub async fn enqueue_meeting_mails(
        &mut self,
        of: MailsOf<'_>,
        mails: &[OutgoingMail],
        now: i64,
    ) -> StoreResult<Queued> {
        let (host_email, verified): (String, Option<i64>) = on_tx!(self, |c| {
            sqlx::query_as("SELECT email, email_verified_at FROM users WHERE id = $1")
                .bind(of.host_id)
                .fetch_one(&mut *c)
                .await
        })?;
        let to_others = |mail: &OutgoingMail| !mail.recipient.eq_ignore_ascii_case(&host_email);
        let hold = of.direct && verified.is_none();
        let counted = matches!(of.cause, Cause::Host { .. });
        if let Cause::Host { daily_quota } = of.cause {
            let wanted = mails.iter().filter(|mail| to_others(mail)).count() as i64;
            let day_start = now - now.rem_euclid(24 * 3600 * 1000);
            if wanted > 0 && self.mails_caused_since(of.host_id, day_start).await? + wanted > daily_quota {
                return Ok(Queued::OverQuota);
            }
        }
        let entries: Vec<Entry> = mails
            .iter()
            .map(|mail| Entry {
                mail,
                meeting_id: Some(of.meeting_id),
                caused_by: (counted && to_others(mail)).then_some(of.host_id),
                held: hold && to_others(mail),
            })
            .collect();
        let held = entries.iter().any(|entry| entry.held);
        self.write_mails(&entries, now).await?;
        if held {
            on_tx!(self, |c| {
                sqlx::query("UPDATE meetings SET invitations_held = TRUE WHERE id = $1")
                    .bind(of.meeting_id)
                    .execute(&mut *c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        Ok(Queued::Queued { held })
    }

    async fn mails_caused_since(&mut self, host_id: &str, since: i64) -> StoreResult<i64> {
        Ok(on_tx!(self, |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE caused_by = $1 AND created_at >= $2")
                .bind(host_id)
                .bind(since)
                .fetch_one(&mut *c)
                .await
        })?)
    }

    /// Writes outbox rows, and a job for each one not held.
    async fn write_mails(&mut self, entries: &[Entry<'_>], now: i64) -> StoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = entries.iter().map(|_| super::new_id()).collect();
        let outbox = format!(
            "INSERT INTO outbox (id, kind, recipient, subject, text_body, html_body, ics, created_at, send_after, \
             meeting_id, caused_by, held, reply_to) VALUES {}",
            values_list(entries.len(), 13)
        );
        let due: Vec<(&String, i64)> = ids
            .iter()
            .zip(entries)
            .filter(|(_, entry)| !entry.held)
            .map(|(id, entry)| (id, now + entry.mail.delay_ms))
            .collect();
        let jobs =
            format!("INSERT INTO jobs (queue, subject, run_at, created_at) VALUES {}", values_list(due.len(), 4));
        on_tx!(self, |c| {
            let mut insert = sqlx::query(sqlx::AssertSqlSafe(outbox.clone()));
            for (id, entry) in ids.iter().zip(entries) {
                let mail = entry.mail;
                insert = insert
                    .bind(id)
                    .bind(mail.kind)
                    .bind(&mail.recipient)
                    .bind(&mail.subject)
                    .bind(&mail.text_body)
                    .bind(&mail.html_body)
                    .bind(mail.ics.as_ref().map(|ics| ics.as_bytes()))
                    .bind(now)
                    .bind(now + mail.delay_ms)
                    .bind(entry.meeting_id)
                    .bind(entry.caused_by)
                    .bind(entry.held)
                    .bind(&mail.reply_to);
            }
            insert.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
        if due.is_empty() {
            return Ok(());
        }
        on_tx!(self, |c| {
            let mut queue = sqlx::query(sqlx::AssertSqlSafe(jobs.clone()));
            for (id, run_at) in &due {
                queue = queue.bind(Queue::Mail).bind(*id).bind(*run_at).bind(now);
            }
            queue.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Rewrites a meeting's mails of `kind` that are still waiting (none sent, none being sent) with
    /// `mails`, one per recipient, and makes them due now; `false` (nothing changed) if any went or
    /// is going, or the recipients differ. A booking's first mail waits a moment for its Zoom link
    /// this way, so that one mail brings it instead of two.
    pub async fn refresh_waiting_mails(
        &mut self,
        meeting_id: &str,
        kind: MailKind,
        mails: &[OutgoingMail],
        now: i64,
    ) -> StoreResult<bool> {
        // PostgreSQL: lock the rows, so that a sender marking one sent, or claiming its job, is
        // either seen here or waits for this transaction (SQLite has one writer at a time).
        let lock = if matches!(self, Tx::Postgres(_)) { " FOR UPDATE" } else { "" };
        let waiting: Vec<(String, String, Option<i64>)> = on_tx!(self, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, recipient, sent_at FROM outbox WHERE meeting_id = $1 AND kind = $2 ORDER BY id{lock}"
            )))
            .bind(meeting_id)
            .bind(kind)
            .fetch_all(&mut *c)
            .await
        })?;
        let mut recipients: Vec<&str> = waiting.iter().map(|(_, r, _)| r.as_str()).collect();
        let mut wanted: Vec<&str> = mails.iter().map(|m| m.recipient.as_str()).collect();
        recipients.sort_unstable();
        wanted.sort_unstable();
        if waiting.is_empty() || recipients != wanted || waiting.iter().any(|(_, _, sent)| sent.is_some()) {
            return Ok(false);
        }
        for (id, _, _) in &waiting {
            let claimed: Option<Option<String>> = on_tx!(self, |c| {
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT claim FROM jobs WHERE queue = $1 AND subject = $2{lock}"
                )))
                .bind(Queue::Mail)
                .bind(id)
                .fetch_optional(&mut *c)
                .await
            })?;
            if matches!(claimed, Some(Some(_))) {
                return Ok(false);
            }
        }
        for (id, recipient, _) in &waiting {
            let Some(mail) = mails.iter().find(|m| &m.recipient == recipient) else { return Ok(false) };
            on_tx!(self, |c| {
                sqlx::query(
                    "UPDATE outbox SET subject = $1, text_body = $2, html_body = $3, ics = $4, reply_to = $5, \
                     send_after = $6 WHERE id = $7",
                )
                .bind(&mail.subject)
                .bind(&mail.text_body)
                .bind(&mail.html_body)
                .bind(mail.ics.as_ref().map(|ics| ics.as_bytes()))
                .bind(&mail.reply_to)
                .bind(now)
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
            })?;
            on_tx!(self, |c| {
                sqlx::query("UPDATE jobs SET run_at = $1 WHERE queue = $2 AND subject = $3")
                    .bind(now)
                    .bind(Queue::Mail)
                    .bind(id)
                    .execute(&mut *c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        Ok(true)
    }

    /// Sends what waited for the host to confirm their email: the held mails of their scheduled
    /// meetings get their jobs; those of meetings cancelled meanwhile are dropped (their invitees
    /// never heard of them). Returns how many mails were released.
    pub async fn release_held_mails(&mut self, host_id: &str, now: i64) -> StoreResult<usize> {
        let held: Vec<(String, MeetingStatus)> = on_tx!(self, |c| {
            sqlx::query_as(
                "SELECT o.id, m.status FROM outbox o JOIN meetings m ON m.id = o.meeting_id \
                 WHERE o.held AND m.host_id = $1 ORDER BY o.created_at, o.id",
            )
            .bind(host_id)
            .fetch_all(&mut *c)
            .await
        })?;
        let mut released = 0;
        for (id, status) in &held {
            let sql = if *status == MeetingStatus::Scheduled {
                released += 1;
                "UPDATE outbox SET held = FALSE WHERE id = $1"
            } else {
                "DELETE FROM outbox WHERE id = $1"
            };
            on_tx!(self, |c| sqlx::query(sql).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
            if *status == MeetingStatus::Scheduled {
                on_tx!(self, |c| {
                    sqlx::query("INSERT INTO jobs (queue, subject, run_at, created_at) VALUES ($1, $2, $3, $3)")
                        .bind(Queue::Mail)
                        .bind(id)
                        .bind(now)
                        .execute(&mut *c)
                        .await
                        .map(|r| r.rows_affected())
                })?;
            }
        }
        on_tx!(self, |c| {
            sqlx::query("UPDATE meetings SET invitations_held = FALSE WHERE host_id = $1 AND invitations_held")
                .bind(host_id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(released)
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
                "SELECT id, kind, recipient, subject, text_body, html_body, ics, reply_to, sent_at FROM outbox WHERE id = $1",
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

    /// How many mails wait to be sent, those held for an unconfirmed host aside (for tests and
    /// operations).
    pub async fn unsent_mails(&self) -> StoreResult<i64> {
        let (n,): (i64,) = on_db!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND NOT held").fetch_one(pool).await
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
