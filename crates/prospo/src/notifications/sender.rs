//! The mail queue's work: delivers each outbox mail through SMTP (`--smtp-url`) or, without SMTP, as
//! an `.eml` file under `DATA_DIR/outbox/`, then sets the sent mark with the end of its job. A
//! failed delivery is retried with a growing delay, at most [`MAX_ATTEMPTS`] times; a permanent
//! refusal (SMTP 5xx) fails the mail at once. A crash after delivering and before marking sends that
//! mail again: that is the one duplicate a mail server cannot rule out; a marked mail is never sent.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::app::AppRef;
use crate::jobs::{ClaimedJob, Completion, JobEnd, Work};
use crate::store::outbox::OutboxRow;

/// Where mail goes.
pub enum Delivery {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Each message as `DATA_DIR/outbox/{id}.eml`, for a person to open.
    Files(PathBuf),
}

impl Delivery {
    /// SMTP when a URL is given (`smtp://`, `smtps://`, with `?tls=required` for STARTTLS, and
    /// user:password for auth), else files under `data_dir/outbox`.
    pub fn from_config(smtp_url: Option<&str>, data_dir: &std::path::Path) -> anyhow::Result<Delivery> {
        match smtp_url {
            // The URL may hold a password: the error says which setting is wrong, not its value.
            Some(url) => Ok(Delivery::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("the SMTP URL (--smtp-url / PROSPO_SMTP_URL) is not valid")?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            )),
            None => Ok(Delivery::Files(data_dir.join("outbox"))),
        }
    }
}

/// The mail queue's work: delivers one outbox mail per job.
pub struct MailWork {
    app: AppRef,
    delivery: Delivery,
    from: Mailbox,
}

/// Why a delivery did not happen: a permanent refusal (SMTP 5xx, a bad address) fails the mail at
/// once; anything else is tried again.
struct NotDelivered {
    permanent: bool,
    error: String,
}

impl Work for MailWork {
    async fn run(&self, job: &ClaimedJob) -> Completion {
        let app = &self.app;
        let row = match app.db.outbox_mail(&job.subject).await {
            Ok(Some(row)) if row.sent_at.is_none() => row,
            // Sent already (a crash between delivery and the job's end), or gone.
            Ok(_) => return Completion::End(JobEnd::Done),
            Err(e) => return retry(job, app.now_ms(), format!("cannot read the mail: {e}")),
        };
        match self.deliver(&row).await {
            // The sent mark first: a crash before the job's end finds the mark and sends nothing.
            Ok(()) => match app.db.mark_mail_sent(&row.id, app.now_ms()).await {
                Ok(()) => Completion::End(JobEnd::Done),
                Err(e) => {
                    tracing::error!(mail = %row.id, error = ?e, "mail sent but not marked; it may go twice");
                    retry(job, app.now_ms(), format!("cannot mark the mail sent: {e}"))
                }
            },
            // The error names the failure (connection, refusal); the recipient is not logged.
            Err(NotDelivered { permanent: true, error }) => {
                tracing::warn!(mail = %row.id, kind = %row.kind, error, "mail refused for good");
                Completion::End(JobEnd::Failed { error })
            }
            Err(NotDelivered { permanent: false, error }) => {
                tracing::warn!(mail = %row.id, kind = %row.kind, attempts = job.attempts + 1, error, "mail not sent; will retry");
                retry(job, app.now_ms(), error)
            }
        }
    }
}

fn retry(job: &ClaimedJob, now: i64, error: String) -> Completion {
    Completion::End(JobEnd::Retry { at: now + backoff_ms(job.attempts), error })
}

impl MailWork {
    pub fn new(app: AppRef, delivery: Delivery) -> MailWork {
        let from = app
            .mail
            .public_host()
            .and_then(|host| format!("Prospo <no-reply@{host}>").parse().ok())
            .unwrap_or_else(|| "Prospo <no-reply@localhost>".parse().expect("a valid mailbox"));
        MailWork { app, delivery, from }
    }

    async fn deliver(&self, row: &OutboxRow) -> Result<(), NotDelivered> {
        let message = self.message(row).map_err(|e| NotDelivered { permanent: true, error: format!("{e:#}") })?;
        match &self.delivery {
            Delivery::Smtp(transport) => {
                transport.send(message).await.map_err(|e| NotDelivered {
                    permanent: e.is_permanent(),
                    error: format!("SMTP delivery failed: {e}"),
                })?;
                tracing::info!(mail = %row.id, kind = %row.kind, "mail sent");
            }
            Delivery::Files(dir) => {
                write_eml(dir, &row.id, &message.formatted())
                    .await
                    .map_err(|e| NotDelivered { permanent: false, error: format!("{e:#}") })?;
                tracing::info!(mail = %row.id, kind = %row.kind, dir = %dir.display(), "mail written (no SMTP set)");
            }
        }
        Ok(())
    }

    /// multipart/alternative text + HTML, inside multipart/mixed with the invitation when there is one.
    fn message(&self, row: &OutboxRow) -> anyhow::Result<Message> {
        let to: Mailbox = row.recipient.parse().context("the recipient address is not valid")?;
        let alternative = MultiPart::alternative_plain_html(row.text_body.clone(), row.html_body.clone());
        let mut builder = Message::builder().from(self.from.clone()).to(to).subject(row.subject.clone());
        // A reply-to that no longer parses is dropped, not a reason to hold the mail.
        if let Some(reply_to) = row.reply_to.as_deref().and_then(|r| r.parse::<Mailbox>().ok()) {
            builder = builder.reply_to(reply_to);
        }
        let message = match &row.ics {
            Some(ics) => {
                let ics = String::from_utf8_lossy(ics).into_owned();
                let method = if ics.contains("\r\nMETHOD:CANCEL\r\n") { "CANCEL" } else { "REQUEST" };
                let content_type = ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))?;
                let invite = Attachment::new("invite.ics".to_owned()).body(ics, content_type);
                builder.multipart(MultiPart::mixed().multipart(alternative).singlepart(invite))?
            }
            None => builder.multipart(alternative)?,
        };
        Ok(message)
    }
}

/// Named by the mail's id (writing a mail twice replaces the file, it does not add one), written
/// beside it first and renamed, so a reader never sees half a mail.
async fn write_eml(dir: &std::path::Path, id: &str, bytes: &[u8]) -> anyhow::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let path = dir.join(format!("{id}.eml"));
    let partial = dir.join(format!(".{id}.eml.partial"));
    tokio::fs::write(&partial, bytes).await.with_context(|| format!("cannot write {}", partial.display()))?;
    tokio::fs::rename(&partial, &path).await.with_context(|| format!("cannot move the mail to {}", path.display()))
}

/// Sent mail bodies hold reset and manage links in plain text: they are emptied this long after
/// sending (subject, recipient and times stay).
pub const KEEP_SENT_BODIES_MS: i64 = 7 * 24 * 3600 * 1000;

/// Failed deliveries after which a mail is failed for good: about a day of a mail server down.
pub const MAX_ATTEMPTS: i64 = 30;

/// 5 s, doubling per failure, at most an hour (a mail server that is briefly down costs little delay).
fn backoff_ms(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.clamp(0, 10)).unwrap_or(10);
    (5_000_i64 << doublings).min(3_600_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_with_tls_and_auth_build_a_transport() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let dir = std::path::Path::new("/nonexistent");
        for url in
            ["smtp://127.0.0.1:2525", "smtp://u:p@mail.example.com?tls=required", "smtps://u:p%40x@mail.example.com"]
        {
            assert!(matches!(Delivery::from_config(Some(url), dir), Ok(Delivery::Smtp(_))), "{url}");
        }
        let error = Delivery::from_config(Some("ftp://u:secret@x"), dir).err().unwrap();
        assert!(!format!("{error:#}").contains("secret"), "the password stays out of errors");
        assert!(matches!(Delivery::from_config(None, dir), Ok(Delivery::Files(d)) if d.ends_with("outbox")));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_ms(0), 5_000);
        assert_eq!(backoff_ms(1), 10_000);
        assert_eq!(backoff_ms(20), 3_600_000);
    }
}
