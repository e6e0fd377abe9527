//! The sender worker: claims due outbox rows, delivers each through SMTP (`--smtp-url`) or, without
//! SMTP, as an `.eml` file under `DATA_DIR/outbox/`, then sets the sent mark. A failed delivery is
//! retried with a growing delay. A crash after delivering and before marking sends that mail again:
//! that is the one duplicate a mail server cannot rule out; a marked row is never sent.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Notices;
use crate::store::outbox::OutboxRow;
use crate::store::{Db, now_ms};

/// How long a claimed row stays with one sender before another may take it over.
const CLAIM_MS: i64 = 5 * 60 * 1000;
/// Rows claimed per round.
const BATCH: i64 = 16;

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

pub struct Sender {
    pub db: Db,
    pub delivery: Delivery,
    pub notices: Notices,
    pub from: Mailbox,
}

impl Sender {
    pub fn new(db: Db, delivery: Delivery, notices: Notices) -> Sender {
        let from = notices
            .public_host()
            .and_then(|host| format!("Prospo <no-reply@{host}>").parse().ok())
            .unwrap_or_else(|| "Prospo <no-reply@localhost>".parse().expect("a valid mailbox"));
        Sender { db, delivery, notices, from }
    }

    /// Sends due mail until the task is dropped; woken early when mail is queued.
    pub async fn run(self, poll: Duration) {
        if let Delivery::Files(dir) = &self.delivery
            && let Err(e) = tokio::fs::create_dir_all(dir).await
        {
            tracing::error!(error = %e, dir = %dir.display(), "cannot create the mail outbox folder");
        }
        loop {
            match self.send_due().await {
                Ok(0) => {}
                Ok(_) => continue,
                Err(e) => tracing::error!(error = ?e, "cannot claim outbox mail"),
            }
            tokio::select! {
                () = tokio::time::sleep(poll) => {}
                () = self.notices.woken() => {}
            }
        }
    }

    /// One round: claims due rows and delivers them. Returns how many were claimed.
    pub async fn send_due(&self) -> anyhow::Result<usize> {
        let rows = self.db.claim_mails(BATCH, CLAIM_MS).await?;
        for row in &rows {
            match self.deliver(row).await {
                Ok(()) => self.db.mark_mail_sent(&row.id).await?,
                Err(e) => {
                    let retry_at = now_ms() + backoff_ms(row.attempts);
                    // The error names the failure (connection, refusal); the recipient is not logged.
                    tracing::warn!(mail = %row.id, kind = %row.kind, attempts = row.attempts + 1, error = %e, "mail not sent; will retry");
                    self.db.mark_mail_failed(&row.id, &format!("{e:#}"), retry_at).await?;
                }
            }
        }
        Ok(rows.len())
    }

    async fn deliver(&self, row: &OutboxRow) -> anyhow::Result<()> {
        let message = self.message(row)?;
        match &self.delivery {
            Delivery::Smtp(transport) => {
                transport.send(message).await.context("SMTP delivery failed")?;
                tracing::info!(mail = %row.id, kind = %row.kind, "mail sent");
            }
            Delivery::Files(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                // Named by the row id: writing a mail twice replaces the file, it does not add one.
                // Written beside it first and renamed, so a reader never sees half a mail.
                let path = dir.join(format!("{}.eml", row.id));
                let partial = dir.join(format!(".{}.eml.partial", row.id));
                tokio::fs::write(&partial, message.formatted())
                    .await
                    .with_context(|| format!("cannot write {}", partial.display()))?;
                tokio::fs::rename(&partial, &path)
                    .await
                    .with_context(|| format!("cannot move the mail to {}", path.display()))?;
                tracing::info!(mail = %row.id, kind = %row.kind, path = %path.display(), "mail written (no SMTP set)");
            }
        }
        Ok(())
    }

    /// multipart/alternative text + HTML, inside multipart/mixed with the invitation when there is one.
    fn message(&self, row: &OutboxRow) -> anyhow::Result<Message> {
        let to: Mailbox = row.recipient.parse().context("the recipient address is not valid")?;
        let alternative = MultiPart::alternative_plain_html(row.text_body.clone(), row.html_body.clone());
        let builder = Message::builder().from(self.from.clone()).to(to).subject(row.subject.clone());
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
