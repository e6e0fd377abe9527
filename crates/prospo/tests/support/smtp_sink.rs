//! A small SMTP server over real TCP for tests: it speaks EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET,
//! NOOP and QUIT, and keeps every message it accepts with its envelope.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub recipients: Vec<String>,
    /// The message as sent after DATA (dot-unstuffed, CRLF line ends).
    pub raw: String,
}

pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    /// Messages refused at the end of DATA.
    refused: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        SmtpSink::answering(None).await
    }

    /// A server that refuses every message at the end of DATA with `reply` (e.g. `550 5.7.1 No`
    /// for a permanent refusal, `451 4.3.0 Try later` for a transient one).
    pub async fn refusing(reply: &'static str) -> SmtpSink {
        SmtpSink::answering(Some(reply)).await
    }

    async fn answering(refusal: Option<&'static str>) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(0));
        let (store, refused_count) = (received.clone(), refused.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (store, refused_count) = (store.clone(), refused_count.clone());
                tokio::spawn(async move {
                    let _ = session(stream, store, refusal, refused_count).await;
                });
            }
        });
        SmtpSink { port, received, refused, task }
    }

    /// How many messages were refused.
    pub fn refused(&self) -> usize {
        *self.refused.lock().unwrap()
    }

    /// The URL Prospo is given: plain SMTP on localhost.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (bounded) until at least `n` messages arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        for _ in 0..300 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("expected {n} mails, got {:?}", self.received().iter().map(|m| &m.recipients).collect::<Vec<_>>());
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<ReceivedMail>>>,
    refusal: Option<&'static str>,
    refused: Arc<Mutex<usize>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink ESMTP ready\r\n").await?;
    let mut from = String::new();
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command.split([' ', ':']).next().unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink greets you\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" | "NOOP" => b"250 OK\r\n",
            "RSET" => {
                from.clear();
                recipients.clear();
                b"250 OK\r\n"
            }
            "MAIL" => {
                from = address_in(&command);
                b"250 OK\r\n"
            }
            "RCPT" => {
                recipients.push(address_in(&command));
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut raw = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 4.5.2).
                    raw.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                if let Some(reply) = refusal {
                    *refused.lock().unwrap() += 1;
                    from.clear();
                    recipients.clear();
                    write.write_all(format!("{reply}\r\n").as_bytes()).await?;
                    continue;
                }
                store.lock().unwrap().push(ReceivedMail {
                    from: std::mem::take(&mut from),
                    recipients: std::mem::take(&mut recipients),
                    raw,
                });
                b"250 OK: queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// The address between `<` and `>` in `MAIL FROM:<a@b> ...` or `RCPT TO:<a@b>`.
fn address_in(command: &str) -> String {
    let start = command.find('<').map(|i| i + 1).unwrap_or(0);
    let end = command[start..].find('>').map(|i| start + i).unwrap_or(command.len());
    command[start..end].to_owned()
}
