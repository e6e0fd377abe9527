//! Mail: booking, rescheduling and cancelling mail the invitee and the host through a real SMTP
//! sink (or as .eml files without SMTP), each with an invitation that parses back as iCalendar.

use std::collections::BTreeMap;

use base64::Engine;
use icalendar::{Calendar, CalendarComponent, Component, EventLike};
use serde_json::json;

use crate::on_both_backends;
use crate::scheduling::{book, drain_zoom_jobs, host, next_week, slots};
use crate::support::smtp_sink::{ReceivedMail, SmtpSink};
use crate::support::{Backend, TestApp};

const INVITEE: &str = "invitee@example.com";
const HOST: &str = "ada@example.com";

/// The header's value, with RFC 2047 `=?utf-8?b?…?=` words decoded and folded lines joined.
pub fn header(raw: &str, name: &str) -> Option<String> {
    let head = &raw[..raw.find("\r\n\r\n").unwrap_or(raw.len())];
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let line = unfolded.lines().find(|l| l.to_ascii_lowercase().starts_with(&prefix))?;
    let value = line[prefix.len()..].trim();
    if !value.contains("=?") {
        return Some(value.to_owned());
    }
    let mut out = Vec::new();
    let mut previous_encoded = false;
    for word in value.split_whitespace() {
        let encoded = word.starts_with("=?") && word.ends_with("?=");
        // Whitespace between two encoded words is not part of the text; any other is.
        let joined_words = encoded && previous_encoded;
        if !out.is_empty() && !joined_words {
            out.push(b' ');
        }
        previous_encoded = encoded;
        let inner = word.trim_start_matches("=?").trim_end_matches("?=");
        let mut parts = inner.splitn(3, '?');
        let (_charset, encoding, text) = (parts.next(), parts.next(), parts.next().unwrap_or_default());
        match encoding.map(|e| e.to_ascii_lowercase()).as_deref() {
            Some("b") => out.extend(base64::engine::general_purpose::STANDARD.decode(text).unwrap()),
            Some("q") => out
                .extend(quoted_printable::decode(text.replace('_', " "), quoted_printable::ParseMode::Robust).unwrap()),
            _ => out.extend(word.as_bytes()),
        }
    }
    Some(String::from_utf8(out).unwrap())
}

/// The decoded body of the first MIME part whose Content-Type starts with `content_type`.
pub fn part(raw: &str, content_type: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    let at = lower.find(&format!("content-type: {content_type}"))?;
    // The part's headers start after the boundary line before `at`.
    let start = raw[..at].rfind("\r\n--").map(|i| i + 2).unwrap_or(0);
    let headers_end = start + raw[start..].find("\r\n\r\n")?;
    let headers = raw[start..headers_end].to_ascii_lowercase().replace("\r\n ", " ");
    let body_start = headers_end + 4;
    let body_end = body_start + raw[body_start..].find("\r\n--").unwrap_or(raw.len() - body_start);
    let body = &raw[body_start..body_end];
    let decoded = if headers.contains("content-transfer-encoding: base64") {
        let compact: String = body.split_whitespace().collect();
        base64::engine::general_purpose::STANDARD.decode(compact).unwrap()
    } else if headers.contains("content-transfer-encoding: quoted-printable") {
        quoted_printable::decode(body, quoted_printable::ParseMode::Robust).unwrap()
    } else {
        body.as_bytes().to_vec()
    };
    Some(String::from_utf8(decoded).unwrap())
}

/// What a mail's invitation says, read back with a real iCalendar parser.
#[derive(Debug)]
struct Invite {
    method: String,
    uid: String,
    sequence: u32,
    status: Option<String>,
    url: Option<String>,
    location: Option<String>,
    organizer: Option<String>,
    attendees: Vec<String>,
    summary: Option<String>,
}

fn invite(raw: &str) -> Invite {
    let ics = part(raw, "text/calendar").expect("an invitation is attached");
    let calendar: Calendar = ics.parse().unwrap_or_else(|e| panic!("unparseable .ics: {e}\n{ics}"));
    let event = calendar
        .components
        .iter()
        .find_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .expect("one VEVENT");
    let unfolded = ics.replace("\r\n ", "");
    Invite {
        method: calendar.property_value("METHOD").unwrap_or_default().to_owned(),
        uid: event.get_uid().unwrap().to_owned(),
        sequence: event.get_sequence().unwrap(),
        status: event.property_value("STATUS").map(str::to_owned),
        url: event.get_url().map(str::to_owned),
        location: event.get_location().map(str::to_owned),
        organizer: event.property_value("ORGANIZER").map(str::to_owned),
        attendees: unfolded.lines().filter(|l| l.starts_with("ATTENDEE")).map(str::to_owned).collect(),
        summary: event.get_summary().map(str::to_owned),
    }
}

/// The mails about meetings (without the account's own, such as the sign-up verification).
fn meeting_mails(mails: Vec<ReceivedMail>) -> Vec<ReceivedMail> {
    mails.into_iter().filter(|m| header(&m.raw, "Subject").is_some_and(|s| !s.contains("Prospo"))).collect()
}

/// Mails by the first word of their subject (Booked, Rescheduled, Cancelled, Zoom link).
fn by_kind(mails: &[ReceivedMail]) -> BTreeMap<String, Vec<&ReceivedMail>> {
    let mut kinds: BTreeMap<String, Vec<&ReceivedMail>> = BTreeMap::new();
    for mail in mails {
        let subject = header(&mail.raw, "Subject").expect("a subject");
        let kind = subject.split(':').next().unwrap().to_owned();
        kinds.entry(kind).or_default().push(mail);
    }
    kinds
}

fn recipients(mails: &[&ReceivedMail]) -> Vec<String> {
    let mut all: Vec<String> = mails.iter().flat_map(|m| m.recipients.clone()).collect();
    all.sort();
    all
}

/// Waits (bounded) until the mail queue has nothing left to send.
pub async fn drain_outbox(app: &TestApp) {
    for _ in 0..300 {
        if app.count("SELECT COUNT(*) FROM jobs WHERE queue = 'mail' AND failed_at IS NULL").await == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the outbox did not drain");
}

on_both_backends! {
    async fn booking_rescheduling_and_cancelling_mail_invitee_and_host_over_smtp(backend: Backend) {
        let sink = SmtpSink::start().await;
        let smtp = sink.url();
        let app = TestApp::spawn_with(backend, |config| config.smtp_url = Some(smtp)).await;
        host(&app, "ada").await;
        let date = next_week();
        let offered = slots(&app, "ada", &date, "America/New_York").await;
        let (status, booked) = book(&app, "ada", &offered[0], INVITEE).await;
        assert_eq!(status, 201, "{booked}");
        let token = booked["manage_token"].as_str().unwrap().to_owned();
        drain_zoom_jobs(&app).await;
        drain_outbox(&app).await;
        let (_, view) = app.get_json(&format!("/api/v1/bookings/{token}"), None).await;
        let join_url = view["meeting"]["zoom"]["join_url"].as_str().unwrap().to_owned();

        let (status, moved) = app.post_json(&format!("/api/v1/bookings/{token}/reschedule"), &json!({"start": offered[2]}), None).await;
        assert_eq!(status, 200, "{moved}");
        drain_zoom_jobs(&app).await;
        drain_outbox(&app).await;
        let (status, _) = app.post_json(&format!("/api/v1/bookings/{token}/cancel"), &json!({"reason": "conflict"}), None).await;
        assert_eq!(status, 200);
        // A second cancel changes nothing and mails nobody.
        let (status, _) = app.post_json(&format!("/api/v1/bookings/{token}/cancel"), &json!({}), None).await;
        assert_eq!(status, 200);
        drain_zoom_jobs(&app).await;
        drain_outbox(&app).await;

        // Drained: every mail is marked sent, so the sink already holds each one.
        sink.wait_for(7).await;
        let mails = meeting_mails(sink.received());
        // The first mail waited for the Zoom meeting, so it brings the link: no second mail.
        assert_eq!(mails.len(), 6, "booked, rescheduled, cancelled × invitee and host");
        let kinds = by_kind(&mails);
        assert_eq!(kinds.keys().cloned().collect::<Vec<_>>(), ["Booked", "Cancelled", "Rescheduled"]);
        let both = vec![HOST.to_owned(), INVITEE.to_owned()];
        let mut uids = Vec::new();
        let mut sequences = Vec::new();
        for kind in ["Booked", "Rescheduled", "Cancelled"] {
            let group = &kinds[kind];
            assert_eq!(recipients(group), both, "{kind}: one mail to the invitee and one to the host");
            for mail in group {
                let text = part(&mail.raw, "text/plain").expect("a text part");
                let html = part(&mail.raw, "text/html").expect("an HTML part");
                assert!(html.contains("<p style=") && html.contains("name=\"viewport\""), "a responsive HTML part");
                let invite = invite(&mail.raw);
                let to_invitee = mail.recipients == [INVITEE];
                // The recipient's zone: the invitee booked in New York, the host's hours are Berlin's.
                let zone = if to_invitee { "America/New_York" } else { "Europe/Berlin" };
                assert!(text.contains(zone), "{kind}: {text}");
                if to_invitee {
                    assert!(text.contains(&format!("/booking/{token}")), "the invitee's manage link: {text}");
                } else {
                    assert!(text.contains("/meetings/"), "the host's meeting page: {text}");
                }
                match kind {
                    "Cancelled" => {
                        assert_eq!(invite.method, "CANCEL");
                        assert_eq!(invite.status.as_deref(), Some("CANCELLED"));
                        assert!(text.contains("Reason: conflict"));
                    }
                    _ => {
                        assert_eq!(invite.method, "REQUEST");
                        assert!(text.contains(&join_url), "{kind}: the join link: {text}");
                        assert!(text.contains("Meeting ID: "));
                        assert!(text.contains("+1 646 558 8656 (US, New York)"), "Zoom's dial-in numbers: {text}");
                        assert_eq!(invite.url.as_deref(), Some(join_url.as_str()));
                        assert_eq!(invite.location.as_deref(), Some(join_url.as_str()));
                    }
                }
                // Each reader sees the other party, in the subject, the body and the invitation.
                let subject = header(&mail.raw, "Subject").unwrap();
                let title = if to_invitee { "Intro call with ada" } else { "Intro call with Invitee" };
                assert!(subject.contains(title), "{kind}: {subject}");
                assert_eq!(invite.summary.as_deref(), Some(title), "{kind}");
                if to_invitee {
                    assert!(!subject.contains("Invitee") && !text.contains("with Invitee"), "{kind}: {subject}\n{text}");
                    assert!(text.contains(&format!("Host: ada <{HOST}>")), "{text}");
                    assert!(header(&mail.raw, "Reply-To").is_some_and(|r| r.contains(HOST)), "{kind}: replies go to the host");
                } else {
                    assert!(text.contains(&format!("Invitee: Invitee <{INVITEE}>")), "{text}");
                    assert!(header(&mail.raw, "Reply-To").is_none(), "{kind}");
                }
                assert!(invite.organizer.as_deref().unwrap_or_default().contains(HOST), "{invite:?}");
                assert!(invite.attendees.iter().any(|a| a.contains(INVITEE)), "{invite:?}");
                uids.push(invite.uid.clone());
                sequences.push(invite.sequence);
            }
        }
        uids.dedup();
        assert_eq!(uids.len(), 1, "one UID across the meeting's life: {uids:?}");
        assert!(uids[0].ends_with("@prospo"));
        assert_eq!(sequences, [1, 1, 2, 2, 3, 3], "SEQUENCE rises with each change (the Zoom meeting's creation is one)");
    }
}

on_both_backends! {
    async fn a_sent_mail_is_never_sent_again(backend: Backend) {
        let sink = SmtpSink::start().await;
        let smtp = sink.url();
        let app = TestApp::spawn_with(backend, |config| config.smtp_url = Some(smtp)).await;
        // Both mails have a job on the mail queue, as after a crash between sending the first
        // and ending its job: only the unsent one goes.
        let insert = "INSERT INTO outbox (id, kind, recipient, subject, text_body, html_body, created_at, send_after, sent_at) \
                      VALUES ($1, 'booked', $2, 'Hello', 'Hi', '<p>Hi</p>', 0, 0, $3)";
        let job = "INSERT INTO jobs (queue, subject, run_at, created_at) VALUES ('mail', $1, 0, 0)";
        let rows = [("sent-before", "old@example.com", Some(1_i64)), ("fresh", "new@example.com", None)];
        for (id, to, sent) in rows {
            match &app.db {
                prospo::store::Db::Sqlite(pool) => {
                    sqlx::query(insert).bind(id).bind(to).bind(sent).execute(pool).await.unwrap();
                    sqlx::query(job).bind(id).execute(pool).await.unwrap();
                }
                prospo::store::Db::Postgres(pool) => {
                    sqlx::query(insert).bind(id).bind(to).bind(sent).execute(pool).await.unwrap();
                    sqlx::query(job).bind(id).execute(pool).await.unwrap();
                }
            }
        }
        app.state.wake(prospo::jobs::Queue::Mail);
        drain_outbox(&app).await;
        let got = sink.received();
        assert_eq!(got.len(), 1, "only the unsent row goes out");
        assert_eq!(got[0].recipients, ["new@example.com"]);
    }
}

/// A restart over the same database finds every mail marked and sends nothing again.
#[tokio::test]
async fn a_restart_does_not_send_again() {
    let sink = SmtpSink::start().await;
    let smtp = sink.url();
    let app = TestApp::spawn_with(Backend::Sqlite, |config| config.smtp_url = Some(smtp.clone())).await;
    host(&app, "ada").await;
    let offered = slots(&app, "ada", &next_week(), "UTC").await;
    let (status, _) = book(&app, "ada", &offered[0], INVITEE).await;
    assert_eq!(status, 201);
    drain_zoom_jobs(&app).await;
    drain_outbox(&app).await;
    let before = sink.wait_for(3).await.len();
    let database_url = format!("sqlite://{}", app.data_dir.join("prospo.db").display());
    let again = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.smtp_url = Some(smtp);
        config.database_url = database_url;
    })
    .await;
    // Mail goes only through a job: with none left, the second instance has nothing to send.
    again.wait_for_due_jobs("mail").await;
    assert_eq!(again.count("SELECT COUNT(*) FROM jobs WHERE queue = 'mail'").await, 0);
    assert_eq!(again.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 0);
    assert_eq!(sink.received().len(), before, "nothing is sent twice");
}

on_both_backends! {
    async fn without_smtp_mails_are_eml_files(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        host(&app, "ada").await;
        let offered = slots(&app, "ada", &next_week(), "UTC").await;
        let (status, _) = book(&app, "ada", &offered[0], INVITEE).await;
        assert_eq!(status, 201);
        drain_zoom_jobs(&app).await;
        drain_outbox(&app).await;
        let dir = app.data_dir.join("outbox");
        let files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        assert_eq!(files.len(), 3, "the sign-up's verification, then Booked (with the Zoom link) to the invitee and the host");
        let (account, files): (Vec<String>, Vec<String>) =
            files.into_iter().partition(|raw| header(raw, "Subject").unwrap() == "Confirm your email for Prospo");
        assert_eq!(account.len(), 1);
        let mut to: Vec<String> = files.iter().map(|raw| header(raw, "To").unwrap()).collect();
        to.sort();
        assert_eq!(to, [HOST, INVITEE]);
        for raw in &files {
            assert!(part(raw, "text/plain").is_some() && part(raw, "text/html").is_some());
            let invite = invite(raw);
            assert_eq!(invite.method, "REQUEST");
            assert!(part(raw, "text/plain").unwrap().contains("Join Zoom meeting: http"), "one mail, with the link");
        }
    }
}

/// A booking's first mail waits up to 15 s for its Zoom meeting; when Zoom is slower it goes
/// without the link, and a follow-up brings the link once the meeting exists.
#[tokio::test]
async fn when_zoom_is_slower_than_the_first_mail_a_follow_up_brings_the_link() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    host(&app, "ada").await;
    let faults = |body: serde_json::Value| {
        let request = app.client.put(format!("{}/_sandbox/faults", app.zoom.url)).json(&body);
        async move { assert!(request.send().await.unwrap().status().is_success()) }
    };
    faults(json!({"fail_rate": 1.0, "fail_status": 503})).await;
    let offered = slots(&app, "ada", &next_week(), "UTC").await;
    let (status, _) = book(&app, "ada", &offered[0], INVITEE).await;
    assert_eq!(status, 201);
    const SENT_BOOKED: &str = "SELECT COUNT(*) FROM outbox WHERE kind = 'booked' AND sent_at IS NOT NULL";
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.count(SENT_BOOKED).await, 0, "the first mails wait for Zoom");

    app.state.clock.advance(jiff::SignedDuration::from_secs(16));
    for _ in 0..150 {
        if app.count(SENT_BOOKED).await == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.count(SENT_BOOKED).await, 2, "past 15 s they go without the link");
    let booked = app.queued_mails("booked").await;
    assert!(booked.iter().all(|m| m.text_body.contains("link follows")), "{booked:?}");

    faults(json!({})).await;
    app.state.clock.advance(jiff::SignedDuration::from_secs(31));
    drain_zoom_jobs(&app).await;
    drain_outbox(&app).await;
    let follow_ups = app.queued_mails("zoom_link").await;
    assert_eq!(follow_ups.len(), 2, "a follow-up to the invitee and the host brings the link");
    assert!(follow_ups.iter().all(|m| m.text_body.contains("Join Zoom meeting: http")));
}

on_both_backends! {
    async fn a_password_reset_link_is_mailed_and_works_once(backend: Backend) {
        let sink = SmtpSink::start().await;
        let smtp = sink.url();
        let app = TestApp::spawn_with(backend, |config| config.smtp_url = Some(smtp)).await;
        app.sign_up("ada").await;
        let forgot = |email: &'static str| {
            let request = app.client.post(app.at("/password/forgot")).form(&[("email", email)]);
            async move {
                let response = request.send().await.unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            }
        };
        // The answer is the same whether or not an account has the email.
        for email in ["nobody@example.com", "not an email", HOST] {
            let (status, page) = forgot(email).await;
            assert_eq!(status, 200, "{email}");
            assert!(page.contains("If an account exists for this email, we sent a link"), "{email}");
        }
        drain_outbox(&app).await;
        let mails: Vec<ReceivedMail> = sink
            .received()
            .into_iter()
            .filter(|m| header(&m.raw, "Subject").as_deref() == Some("Reset your Prospo password"))
            .collect();
        assert_eq!(mails.len(), 1, "only the existing account gets a mail");
        assert_eq!(mails[0].recipients, [HOST]);
        let text = part(&mails[0].raw, "text/plain").unwrap();
        let link = text.split_whitespace().find(|w| w.contains("/password/reset/")).expect("a reset link").to_owned();
        assert!(link.starts_with(&app.url));
        let token = link.rsplit('/').next().unwrap().to_owned();
        let stored: Vec<(String,)> = match &app.db {
            prospo::store::Db::Sqlite(pool) => sqlx::query_as("SELECT token_hash FROM password_resets").fetch_all(pool).await.unwrap(),
            prospo::store::Db::Postgres(pool) => sqlx::query_as("SELECT token_hash FROM password_resets").fetch_all(pool).await.unwrap(),
        };
        assert!(stored.iter().all(|(hash,)| hash != &token), "only a hash of the token is stored");

        let page = app.client.get(&link).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        let reset = |password: &'static str| {
            let request = app.client.post(&link).form(&[("password", password)]);
            async move { request.send().await.unwrap() }
        };
        assert_eq!(reset("short").await.status().as_u16(), 422, "at least 10 characters");
        let done = reset("a brand new password").await;
        assert_eq!(done.url().path(), "/login", "the reset ends on the log-in page");
        let app = &app;
        let login = |password: &'static str| {
            let body = json!({"email": HOST, "password": password});
            async move { app.post_json("/api/v1/login", &body, None).await }
        };
        assert_eq!(login("a brand new password").await.0, 200);
        assert_eq!(login("correct horse battery").await.0, 401, "the old password is gone");
        // The link works once.
        assert_eq!(reset("another new password").await.status().as_u16(), 410);
        assert_eq!(app.client.get(&link).send().await.unwrap().status().as_u16(), 410);
        assert_eq!(login("another new password").await.0, 401);
    }
}
