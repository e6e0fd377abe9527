//! Mail that no request sends at that moment: reminders before meetings, alerts to hosts about Zoom
//! trouble, and the email verification that follows sign-up. Reminder times are reached by moving
//! the application's clock forward, as if the time had come.

use serde_json::json;

use crate::on_both_backends;
use crate::scheduling::{book, drain_zoom_jobs, host, next_week, slots};
use crate::support::{Backend, TestApp};

const INVITEE: &str = "invitee@example.com";
const HOST: &str = "ada@example.com";

/// Moves the application's clock to just past `minutes_before` before `start`, and waits until
/// the reminder queue has done what came due.
async fn time_comes(app: &TestApp, start: &str, minutes_before: i64) {
    let start = start.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    let target = start - minutes_before * 60_000 + 1_000;
    let ahead = target - app.state.now_ms();
    if ahead > 0 {
        app.state.clock.advance(jiff::SignedDuration::from_millis(ahead));
    }
    app.wait_for_due_jobs("reminder").await;
}

async fn reminders_of(app: &TestApp, meeting_id: &str) -> Vec<(i64, Option<i64>)> {
    let sql = "SELECT minutes_before, done_at FROM reminders WHERE meeting_id = $1 ORDER BY minutes_before DESC";
    match &app.db {
        prospo::store::Db::Sqlite(pool) => sqlx::query_as(sql).bind(meeting_id).fetch_all(pool).await.unwrap(),
        prospo::store::Db::Postgres(pool) => sqlx::query_as(sql).bind(meeting_id).fetch_all(pool).await.unwrap(),
    }
}

on_both_backends! {
    async fn reminders_go_once_to_invitees_and_never_for_cancelled_meetings(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (token, _) = host(&app, "ada").await;
        let offered = slots(&app, "ada", &next_week(), "America/New_York").await;
        let (_, booked) = book(&app, "ada", &offered[0], INVITEE).await;
        let (_, other) = book(&app, "ada", &offered[2], "other@example.com").await;
        let manage = booked["manage_token"].as_str().unwrap().to_owned();
        let id = booked["meeting"]["id"].as_str().unwrap().to_owned();
        let other_id = other["meeting"]["id"].as_str().unwrap().to_owned();
        drain_zoom_jobs(&app).await;
        // The defaults: 24 hours and 1 hour before, both still ahead.
        assert_eq!(reminders_of(&app, &id).await, [(1440, None), (60, None)]);

        time_comes(&app, &offered[0], 1440).await;
        let sent = app.queued_mails("reminder").await;
        assert_eq!(sent.len(), 1, "one reminder, to the invitee only: {sent:?}");
        assert_eq!(sent[0].recipient, INVITEE);
        assert!(sent[0].subject.starts_with("Reminder: Intro call with ada"), "the invitee reads the host's name: {}", sent[0].subject);
        let text = &sent[0].text_body;
        assert!(text.starts_with("Your meeting starts in 24 hours."), "{text}");
        assert!(text.contains("America/New_York"), "the invitee's zone: {text}");
        assert!(text.contains("Join Zoom meeting: http"), "the join link: {text}");
        assert!(text.contains(&format!("/booking/{manage}")), "the manage link: {text}");
        assert!(text.contains("Dial in by phone:"), "Zoom's dial-in numbers: {text}");
        assert!(reminders_of(&app, &id).await[0].1.is_some(), "marked done");
        assert_eq!(app.db.job(prospo::jobs::Queue::Reminder, &format!("{id}:1440")).await.unwrap(), None, "its job is done");

        // A cancelled meeting's reminders never go, even once their time comes.
        let (status, _) = app.delete(&format!("/api/v1/meetings/{other_id}"), Some(&token)).await;
        assert_eq!(status, 200);
        assert!(reminders_of(&app, &other_id).await.iter().all(|(_, done)| done.is_some()));
        time_comes(&app, &offered[2], 60).await;
        let sent = app.queued_mails("reminder").await;
        assert!(sent.iter().all(|m| m.recipient == INVITEE), "none for the cancelled meeting: {sent:?}");
        // By then the first meeting has started too: its 1-hour reminder, late, is dropped.
        assert_eq!(sent.len(), 1, "the 24-hour reminder once, nothing more: {sent:?}");
        assert!(reminders_of(&app, &id).await.iter().all(|(_, done)| done.is_some()));
    }
}

on_both_backends! {
    async fn a_reschedule_moves_the_reminders_and_arms_them_again(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        host(&app, "ada").await;
        let offered = slots(&app, "ada", &next_week(), "UTC").await;
        let (_, booked) = book(&app, "ada", &offered[0], INVITEE).await;
        let manage = booked["manage_token"].as_str().unwrap().to_owned();
        let id = booked["meeting"]["id"].as_str().unwrap().to_owned();
        drain_zoom_jobs(&app).await;
        time_comes(&app, &offered[0], 60).await;
        let sent = app.queued_mails("reminder").await;
        assert_eq!(sent.len(), 2, "the 24-hour reminder, late, and the 1-hour one: {sent:?}");
        assert!(sent.iter().any(|m| m.text_body.starts_with("Your meeting is coming up.")), "the late one says so");

        let (status, _) =
            app.post_json(&format!("/api/v1/bookings/{manage}/reschedule"), &json!({"start": offered[2]}), None).await;
        assert_eq!(status, 200);
        // The 1-hour reminder waits for the new time, though it was sent for the old one; the
        // 24-hour one's new time has passed.
        let reminders = reminders_of(&app, &id).await;
        assert!(reminders[0].1.is_some() && reminders[1] == (60, None), "{reminders:?}");
        let new_start = offered[2].parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let due: i64 = app.count_owned(format!("SELECT due_at FROM reminders WHERE meeting_id = '{id}' AND minutes_before = 60")).await;
        assert_eq!(due, new_start - 3_600_000);
        time_comes(&app, &offered[2], 60).await;
        let sent = app.queued_mails("reminder").await;
        assert_eq!(sent.len(), 3, "a reminder for the new time");
        let when = prospo::timefmt::human_range_ms(new_start, new_start + 1_800_000, Some("America/New_York"));
        assert!(sent[2].text_body.contains(&when), "the new time: {}", sent[2].text_body);
    }
}

#[tokio::test]
async fn event_types_choose_their_reminders_and_late_bookings_skip_passed_ones() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, _) = host(&app, "ada").await;
    let (_, types) = app.get_json("/api/v1/event-types", Some(&token)).await;
    let intro = &types["event_types"][0];
    assert_eq!(intro["reminder_minutes"], json!([1440, 60]), "the defaults");
    let path = format!("/api/v1/event-types/{}", intro["id"].as_str().unwrap());
    for bad in [json!([1]), json!([20_000]), json!([5, 10, 15, 20, 25, 30])] {
        let (status, body) = app.patch_json(&path, &json!({"reminder_minutes": bad}), Some(&token)).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["error"]["field"], "reminder_minutes", "{body}");
    }
    let (status, body) = app.patch_json(&path, &json!({"reminder_minutes": [120, 15, 120]}), Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["reminder_minutes"], json!([120, 15]), "earliest first, no repeats");
    let offered = slots(&app, "ada", &next_week(), "UTC").await;
    let (_, booked) = book(&app, "ada", &offered[0], INVITEE).await;
    let id = booked["meeting"]["id"].as_str().unwrap();
    assert_eq!(reminders_of(&app, id).await, [(120, None), (15, None)]);

    // A meeting made 30 minutes ahead: both default reminders' times have passed, so none is sent.
    let start = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_mins(30)).unwrap();
    let body = json!({"topic": "Soon", "start": start.to_string(), "duration_minutes": 30, "timezone": "UTC",
                      "invitees": [{"email": "soon@example.com"}]});
    let (status, made) = app.post_json("/api/v1/meetings", &body, Some(&token)).await;
    assert_eq!(status, 201, "{made}");
    let soon = made["id"].as_str().unwrap();
    let reminders = reminders_of(&app, soon).await;
    assert_eq!(reminders.len(), 2);
    assert!(reminders.iter().all(|(_, done)| done.is_some()), "{reminders:?}");
    for minutes in [1440, 60] {
        let job = app.db.job(prospo::jobs::Queue::Reminder, &format!("{soon}:{minutes}")).await.unwrap();
        assert_eq!(job, None, "nothing queued for a reminder whose time has passed");
    }
    app.wait_for_due_jobs("reminder").await;
    assert!(app.queued_mails("reminder").await.is_empty());
}

on_both_backends! {
    async fn a_connection_that_needs_attention_alerts_the_host_once_per_episode(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let zoom = app.connect_zoom(&token).await;
        let client_id = zoom["client_id"].as_str().unwrap();
        let empty = json!({});
        let check = || app.post_json("/api/v1/integrations/zoom/check", &empty, Some(&token));

        app.patch_zoom_app(client_id, json!({"activated": false})).await;
        assert_eq!(check().await.1["status"], "needs_attention");
        assert_eq!(check().await.1["status"], "needs_attention");
        let alerts = app.queued_mails("alert_connection").await;
        assert_eq!(alerts.len(), 1, "a lasting problem mails once: {alerts:?}");
        assert_eq!(alerts[0].recipient, HOST);
        assert_eq!(alerts[0].subject, "Your Zoom connection needs attention");
        assert!(alerts[0].text_body.contains("What Zoom said: Invalid credentials"), "{}", alerts[0].text_body);
        assert!(alerts[0].text_body.contains("/settings/integrations"));

        app.patch_zoom_app(client_id, json!({"activated": true})).await;
        assert_eq!(check().await.1["status"], "connected");
        app.patch_zoom_app(client_id, json!({"activated": false})).await;
        assert_eq!(check().await.1["status"], "needs_attention");
        assert_eq!(app.queued_mails("alert_connection").await.len(), 2, "a new episode mails again");
    }
}

on_both_backends! {
    async fn sign_up_mails_a_verification_link_that_works_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up_unconfirmed("ada").await;
        let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
        assert_eq!(me["email_verified"], false);
        let mails = app.queued_mails("verify_email").await;
        assert_eq!(mails.len(), 1, "{mails:?}");
        assert_eq!(mails[0].recipient, HOST);
        let link = mails[0]
            .text_body
            .split_whitespace()
            .find(|w| w.contains("/verify-email/"))
            .expect("a verification link")
            .to_owned();
        assert!(link.starts_with(&app.url), "{link}");
        let token_part = link.rsplit('/').next().unwrap();
        assert_eq!(app.count_owned(format!("SELECT COUNT(*) FROM email_verifications WHERE token_hash = '{token_part}'")).await, 0, "only a hash is stored");

        let page = app.client.get(&link).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().await.unwrap().contains("Your email is confirmed"));
        let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
        assert_eq!(me["email_verified"], true);
        let again = app.client.get(&link).send().await.unwrap();
        assert_eq!(again.status().as_u16(), 410, "a link works once");
        assert_eq!(app.client.get(app.at("/verify-email/not-a-token")).send().await.unwrap().status().as_u16(), 410);
    }
}
