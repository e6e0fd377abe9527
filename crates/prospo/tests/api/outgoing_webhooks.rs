//! Outgoing webhooks: a local receiver (allowed by `allow_private_targets`) gets signed deliveries
//! of every event, survives a 500, and gets a redelivery with the same ids; URLs are checked;
//! secrets are never listed; other users see 404; failing endpoints pause; bodies are purged.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use jiff::SignedDuration;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::on_both_backends;
use crate::scheduling::{drain_zoom_jobs, host, next_week, slots};
use crate::support::TestApp;

const ZOOM_SECRET: &str = "whsec-test-token";

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Hit {
    signature: String,
    event: String,
    delivery: String,
    body: String,
}

impl Hit {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Clone)]
struct Receiver {
    hits: Arc<Mutex<Vec<Hit>>>,
    /// Answers 500 to this many requests first.
    failures: Arc<Mutex<usize>>,
    url: String,
}

async fn hook(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    receiver.hits.lock().unwrap().push(Hit {
        signature: header("prospo-signature"),
        event: header("prospo-event"),
        delivery: header("prospo-delivery"),
        body,
    });
    let mut failures = receiver.failures.lock().unwrap();
    if *failures > 0 {
        *failures -= 1;
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

impl Receiver {
    async fn start(failures: usize) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let receiver =
            Receiver { hits: Default::default(), failures: Arc::new(Mutex::new(failures)), url: url.clone() };
        let router = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        receiver
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Waits (bounded) until `n` requests of `event` came.
    async fn wait_for(&self, event: &str, n: usize) -> Vec<Hit> {
        for _ in 0..300 {
            let hits: Vec<Hit> = self.hits().into_iter().filter(|h| h.event == event).collect();
            if hits.len() >= n {
                return hits;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{event}: fewer than {n} deliveries came: {:?}", self.hits());
    }
}

/// Checks `t=UNIX,v1=HEX(HMAC-SHA256(secret, t + "." + body))`.
fn signed_with(hit: &Hit, secret: &str) -> bool {
    let Some((t, v1)) = hit.signature.split_once(',') else { return false };
    let (Some(t), Some(v1)) = (t.strip_prefix("t="), v1.strip_prefix("v1=")) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", hit.body).as_bytes());
    hex::encode(mac.finalize().into_bytes()) == v1
}

const EVERY_EVENT: &[&str] =
    &["booking.created", "booking.rescheduled", "booking.cancelled", "meeting.zoom_ready", "recording.ready"];

async fn register(app: &TestApp, token: &str, url: &str) -> Value {
    subscribe(app, token, url, EVERY_EVENT).await
}

async fn subscribe(app: &TestApp, token: &str, url: &str, events: &[&str]) -> Value {
    let (status, created) =
        app.post_json("/api/v1/webhooks", &json!({"url": url, "events": events}), Some(token)).await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn deliveries(app: &TestApp, token: &str, endpoint: &str) -> Vec<Value> {
    let (status, list) = app.get_json(&format!("/api/v1/webhooks/{endpoint}/deliveries"), Some(token)).await;
    assert_eq!(status, 200, "{list}");
    list["deliveries"].as_array().unwrap().clone()
}

/// Waits (bounded) until the endpoint's deliveries satisfy `done`.
async fn wait_deliveries(app: &TestApp, token: &str, endpoint: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..300 {
        let list = deliveries(app, token, endpoint).await;
        if done(&list) {
            return list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the deliveries never got there: {:?}", deliveries(app, token, endpoint).await);
}

on_both_backends! {
    async fn a_local_receiver_gets_every_event_signed_survives_a_500_and_gets_redeliveries(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (token, zoom) = host(&app, "ada").await;
        // Zoom tells Prospo of recordings, which tells the receiver.
        let (_, view) =
            app.patch_json("/api/v1/integrations/zoom", &json!({"webhook_secret": ZOOM_SECRET}), Some(&token)).await;
        let zoom_webhook = view["webhook_url"].as_str().unwrap().to_owned();
        app.patch_zoom_app(zoom["client_id"].as_str().unwrap(), json!({"webhook_url": zoom_webhook, "webhook_secret": ZOOM_SECRET}))
            .await;
        let receiver = Receiver::start(1).await;
        let created = register(&app, &token, &receiver.url).await;
        let endpoint = created["id"].as_str().unwrap().to_owned();
        let secret = created["secret"].as_str().unwrap().to_owned();

        let offered = slots(&app, "ada", &next_week(), "UTC").await;
        let (status, booked) = crate::scheduling::book(&app, "ada", &offered[0], "invitee@example.com").await;
        assert_eq!(status, 201, "{booked}");
        let manage = booked["manage_token"].as_str().unwrap().to_owned();
        let meeting_id = booked["meeting"]["id"].as_str().unwrap().to_owned();

        // The first attempt gets a 500; the retry, due within a minute, gets 200.
        receiver.wait_for("booking.created", 1).await;
        let failed = wait_deliveries(&app, &token, &endpoint, |d| d.iter().any(|d| d["attempts"] == 1)).await;
        let failed = failed.iter().find(|d| d["event"] == "booking.created").unwrap();
        assert_eq!(failed["status"], "pending");
        assert_eq!(failed["last_status_code"], 500);
        app.state.clock.advance(SignedDuration::from_secs(60));
        let created_hits = receiver.wait_for("booking.created", 2).await;
        assert_eq!(created_hits[0].delivery, created_hits[1].delivery);
        assert_eq!(created_hits[0].json()["id"], created_hits[1].json()["id"]);
        let booked_body = created_hits[1].json();
        assert_eq!(booked_body["type"], "booking.created");
        assert_eq!(booked_body["data"]["meeting"]["id"], meeting_id.as_str());
        assert!(booked_body["data"]["manage_url"].as_str().unwrap().ends_with(&format!("/booking/{manage}")));

        drain_zoom_jobs(&app).await;
        let ready = receiver.wait_for("meeting.zoom_ready", 1).await;
        let ready_body = ready[0].json();
        assert!(ready_body["data"]["meeting"]["zoom"]["join_url"].as_str().is_some(), "{ready_body}");
        assert!(ready_body["data"].get("manage_url").is_none());
        let zoom_id = ready_body["data"]["meeting"]["zoom"]["meeting_id"].as_i64().unwrap();

        let (status, moved) =
            app.post_json(&format!("/api/v1/bookings/{manage}/reschedule"), &json!({"start": offered[2]}), None).await;
        assert_eq!(status, 200, "{moved}");
        let rescheduled = receiver.wait_for("booking.rescheduled", 1).await;
        let start: jiff::Timestamp = offered[2].parse().unwrap();
        assert_eq!(rescheduled[0].json()["data"]["meeting"]["start"], start.to_string());

        let response = app
            .client
            .post(format!("{}/_sandbox/meetings/{zoom_id}/recordings", app.zoom.url))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        receiver.wait_for("recording.ready", 1).await;

        let (status, _) = app.post_json(&format!("/api/v1/bookings/{manage}/cancel"), &json!({}), None).await;
        assert_eq!(status, 200);
        let cancelled = receiver.wait_for("booking.cancelled", 1).await;
        assert_eq!(cancelled[0].json()["data"]["meeting"]["status"], "cancelled");

        for hit in receiver.hits() {
            assert!(signed_with(&hit, &secret), "bad signature on {hit:?}");
            assert_eq!(hit.json()["type"], hit.event.as_str());
            assert!(!hit.body.contains("start_url") && !hit.body.contains(&secret), "{}", hit.body);
        }

        // Redelivery: the same delivery and event ids again, signed with the current secret.
        let (status, rotated) = app.post_json(&format!("/api/v1/webhooks/{endpoint}/rotate-secret"), &json!({}), Some(&token)).await;
        assert_eq!(status, 200, "{rotated}");
        let new_secret = rotated["secret"].as_str().unwrap().to_owned();
        assert_ne!(new_secret, secret);
        let list = deliveries(&app, &token, &endpoint).await;
        assert_eq!(list.len(), 5);
        assert_eq!(list.last().unwrap()["event"], "booking.created", "newest first");
        assert!(list.iter().all(|d| d["status"] == "delivered"), "{list:?}");
        let first = &created_hits[0].delivery;
        let (status, _) =
            app.post_json(&format!("/api/v1/webhooks/{endpoint}/deliveries/{first}/redeliver"), &json!({}), Some(&token)).await;
        assert_eq!(status, 202);
        let again = receiver.wait_for("booking.created", 3).await;
        assert_eq!(&again[2].delivery, first);
        assert_eq!(again[2].json()["id"], created_hits[0].json()["id"]);
        assert!(signed_with(&again[2], &new_secret));
    }
}

on_both_backends! {
    async fn urls_are_checked_secrets_never_listed_and_others_get_404(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        for url in ["http://example.com/hook", "https://10.0.0.1/hook", "https://127.0.0.2/hook", "http://127.0.0.2:9/x"] {
            let (status, body) =
                app.post_json("/api/v1/webhooks", &json!({"url": url, "events": ["booking.created"]}), Some(&token)).await;
            assert_eq!(status, 422, "{url}: {body}");
            assert_eq!(body["error"]["code"], "url_not_allowed", "{url}: {body}");
        }
        let (status, body) = app.post_json("/api/v1/webhooks", &json!({"url": "https://127.0.0.1/x", "events": []}), Some(&token)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_events")), "{body}");
        let (status, _) = app.post_json("/api/v1/webhooks", &json!({"url": "http://127.0.0.1:9/x", "events": ["booking.created"]}), None).await;
        assert_eq!(status, 401);

        let created = register(&app, &token, "http://127.0.0.1:9/hook").await;
        let id = created["id"].as_str().unwrap();
        let secret = created["secret"].as_str().unwrap();
        let (status, list) = app.get_json("/api/v1/webhooks", Some(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(list["webhooks"][0]["id"], id);
        assert_eq!(list["webhooks"][0]["status"], "active");
        assert!(!list.to_string().contains(secret) && list["webhooks"][0].get("secret").is_none());
        let stored = app.count_owned(format!("SELECT COUNT(*) FROM webhook_endpoints WHERE CAST(secret_sealed AS TEXT) LIKE '%{secret}%'")).await;
        assert_eq!(stored, 0, "the secret is sealed");

        let other = app.sign_up("grace").await;
        assert_eq!(app.get_json(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&other)).await.0, 404);
        assert_eq!(app.post_json(&format!("/api/v1/webhooks/{id}/rotate-secret"), &json!({}), Some(&other)).await.0, 404);
        assert_eq!(app.post_json(&format!("/api/v1/webhooks/{id}/deliveries/x/redeliver"), &json!({}), Some(&other)).await.0, 404);
        assert_eq!(app.delete(&format!("/api/v1/webhooks/{id}"), Some(&other)).await.0, 404);
        let (_, theirs) = app.get_json("/api/v1/webhooks", Some(&other)).await;
        assert_eq!(theirs["webhooks"], json!([]));
        // `/metrics` lists the webhook queue like the others.
        let metrics = app.client.get(app.at("/metrics")).send().await.unwrap().text().await.unwrap();
        for name in ["prospo_jobs_pending", "prospo_jobs_oldest_seconds", "prospo_jobs_failed_total"] {
            assert!(metrics.contains(&format!("{name}{{queue=\"webhook\"}}")), "{name}:\n{metrics}");
        }
        assert_eq!(app.delete(&format!("/api/v1/webhooks/{id}"), Some(&token)).await.0, 204);
        assert_eq!(app.delete(&format!("/api/v1/webhooks/{id}"), Some(&token)).await.0, 404);
    }
}

on_both_backends! {
    async fn an_endpoint_failing_for_three_days_is_paused_once_and_bodies_go_after_a_week(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (token, _) = host(&app, "ada").await;
        let receiver = Receiver::start(usize::MAX).await;
        let endpoint = subscribe(&app, &token, &receiver.url, &["booking.created"]).await["id"].as_str().unwrap().to_owned();
        let offered = slots(&app, "ada", &next_week(), "UTC").await;
        let (status, _) = crate::scheduling::book(&app, "ada", &offered[0], "invitee@example.com").await;
        assert_eq!(status, 201);
        wait_deliveries(&app, &token, &endpoint, |d| d.iter().any(|d| d["attempts"] == 1)).await;

        // Three days of failures: the delivery fails for good and the endpoint pauses.
        app.state.clock.advance(SignedDuration::from_hours(72) + SignedDuration::from_mins(1));
        let list = wait_deliveries(&app, &token, &endpoint, |d| d.iter().any(|d| d["status"] == "failed")).await;
        assert_eq!(list[0]["last_status_code"], 500);
        let (_, endpoints) = app.get_json("/api/v1/webhooks", Some(&token)).await;
        assert_eq!(endpoints["webhooks"][0]["status"], "paused", "{endpoints}");
        let paused = || async {
            app.queued_mails("alert_connection").await.into_iter().filter(|m| m.subject.contains("webhook")).count()
        };
        assert_eq!(paused().await, 1);
        // Paused: the next booking sends it nothing.
        let (status, _) = crate::scheduling::book(&app, "ada", &offered[3], "second@example.com").await;
        assert_eq!(status, 201);
        assert_eq!(deliveries(&app, &token, &endpoint).await.len(), 1);
        assert_eq!(paused().await, 1, "the owner is mailed once");

        // A redelivery to the paused endpoint is one attempt, a test of a fix: failed again, it
        // stays paused, and nothing is retried.
        let id = deliveries(&app, &token, &endpoint).await[0]["id"].as_str().unwrap().to_owned();
        let tried = receiver.hits().len();
        let (status, _) =
            app.post_json(&format!("/api/v1/webhooks/{endpoint}/deliveries/{id}/redeliver"), &json!({}), Some(&token)).await;
        assert_eq!(status, 202);
        receiver.wait_for("booking.created", tried + 1).await;
        wait_deliveries(&app, &token, &endpoint, |d| d[0]["status"] == "failed" && d[0]["attempts"].as_i64() > Some(1)).await;
        app.state.clock.advance(SignedDuration::from_hours(1));
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(receiver.hits().len(), tried + 1, "no retries while paused");
        let (_, endpoints) = app.get_json("/api/v1/webhooks", Some(&token)).await;
        assert_eq!(endpoints["webhooks"][0]["status"], "paused", "a failed test keeps it paused");
        assert_eq!(paused().await, 1, "and mails nobody again");

        // A week on, housekeeping empties the body: it held the manage link.
        let hits = receiver.hits().len();
        app.state.clock.advance(SignedDuration::from_hours(24 * 7));
        for _ in 0..300 {
            if app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE body IS NULL").await == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE body IS NULL").await, 1);
        let id = deliveries(&app, &token, &endpoint).await[0]["id"].as_str().unwrap().to_owned();
        let (status, body) =
            app.post_json(&format!("/api/v1/webhooks/{endpoint}/deliveries/{id}/redeliver"), &json!({}), Some(&token)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("body_purged")), "{body}");
        assert_eq!(receiver.hits().len(), hits);

        // Nothing left to redeliver: Resume makes it active, and the next booking is sent to it.
        let other = app.sign_up("grace").await;
        assert_eq!(app.post_json(&format!("/api/v1/webhooks/{endpoint}/resume"), &json!({}), Some(&other)).await.0, 404);
        assert_eq!(app.post_json(&format!("/api/v1/webhooks/{endpoint}/resume"), &json!({}), Some(&token)).await.0, 204);
        let (_, endpoints) = app.get_json("/api/v1/webhooks", Some(&token)).await;
        assert_eq!(endpoints["webhooks"][0]["status"], "active", "{endpoints}");
        *receiver.failures.lock().unwrap() = 0;
        // The clock is ten days on: a day three weeks from the real today.
        let later = jiff::Zoned::now().date().checked_add(jiff::Span::new().days(21)).unwrap().to_string();
        let offered = slots(&app, "ada", &later, "UTC").await;
        let (status, _) = crate::scheduling::book(&app, "ada", &offered[0], "third@example.com").await;
        assert_eq!(status, 201);
        receiver.wait_for("booking.created", hits + 1).await;
        wait_deliveries(&app, &token, &endpoint, |d| d.len() == 2 && d[0]["status"] == "delivered").await;
    }
}

on_both_backends! {
    async fn the_settings_page_adds_shows_the_secret_once_and_keeps_a_refused_form(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let body = json!({"email": "ada@example.com", "password": "correct horse battery"});
        assert_eq!(app.post_json("/api/v1/login", &body, None).await.0, 200);
        let app = &app;
        let page = |path: &'static str| async move {
            let response = app.client.get(app.at(path)).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        };
        let (status, html) = page("/settings/webhooks").await;
        assert_eq!(status, 200);
        assert!(html.contains("No endpoint yet."), "{html}");

        let form = [("url", "http://example.com/hook"), ("booking.created", "on"), ("recording.ready", "on")];
        let refused = app.client.post(app.at("/settings/webhooks")).form(&form).send().await.unwrap();
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains("That URL is not allowed") && html.contains(r#"value="http://example.com/hook""#), "{html}");
        assert!(html.contains(r#"name="recording.ready" checked"#), "ticked events stay ticked");

        let form = [("url", "http://127.0.0.1:9/hook"), ("booking.created", "on")];
        let added = app.client.post(app.at("/settings/webhooks")).form(&form).send().await.unwrap();
        assert_eq!(added.status(), 200);
        let html = added.text().await.unwrap();
        assert!(html.contains("Your signing secret") && html.contains("whsec_"), "{html}");
        assert!(html.contains("http://127.0.0.1:9/hook") && html.contains("Nothing delivered yet."));
        let (_, again) = page("/settings/webhooks").await;
        assert!(!again.contains("whsec_"), "the secret is shown once");
        let (_, list) = app.get_json("/api/v1/webhooks", Some(&token)).await;
        assert_eq!(list["webhooks"][0]["events"], json!(["booking.created"]));
    }
}

/// Asks the Zoom sandbox to record `zoom_id` (`processing`: files not ready yet, and no
/// `recording.completed`); asked again while they process, it completes them.
async fn record(app: &TestApp, zoom_id: i64, processing: bool) {
    let response = app
        .client
        .post(format!("{}/_sandbox/meetings/{zoom_id}/recordings", app.zoom.url))
        .json(&json!({"processing": processing}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

/// The meeting's files as Prospo last stored them (what the details page shows without Zoom).
async fn stored_files(app: &TestApp, token: &str, id: &str) -> usize {
    let (status, meeting) = app.get_json(&format!("/api/v1/meetings/{id}?live=false"), Some(token)).await;
    assert_eq!(status, 200, "{meeting}");
    meeting["recording_files"].as_array().unwrap().len()
}

async fn read_files(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let (status, body) = app.get_json(&format!("/api/v1/meetings/{id}/recordings"), Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body["files"].as_array().unwrap().clone()
}

on_both_backends! {
    async fn recording_ready_is_told_once_per_recording_whether_read_or_notified(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (token, zoom) = host(&app, "ada").await;
        let receiver = Receiver::start(0).await;
        subscribe(&app, &token, &receiver.url, &["recording.ready"]).await;
        let ready_count = || app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE event_type = 'recording.ready'");
        let invitees = json!([{"email": "guest@example.com"}]);
        let (read_first, read_zoom_id) = app.past_zoom_meeting(&token, "Read first", 3, invitees.clone()).await;
        let (told_first, told_zoom_id) = app.past_zoom_meeting(&token, "Told first", 2, invitees).await;
        drain_zoom_jobs(&app).await;

        // Read on demand while Zoom still processes the files: kept, but not ready.
        record(&app, read_zoom_id, true).await;
        let files = read_files(&app, &token, &read_first).await;
        assert!(files.len() == 3 && files.iter().all(|f| f["status"] == "processing"), "{files:?}");
        assert_eq!(stored_files(&app, &token, &read_first).await, 3);
        assert_eq!(ready_count().await, 0);
        // Completed (no Zoom webhook is set up yet): the next read tells the endpoint, once.
        record(&app, read_zoom_id, false).await;
        assert!(read_files(&app, &token, &read_first).await.iter().all(|f| f["status"] == "completed"));
        let hits = receiver.wait_for("recording.ready", 1).await;
        assert_eq!(hits[0].json()["data"]["meeting"]["id"], read_first.as_str());
        read_files(&app, &token, &read_first).await;
        let today = jiff::Zoned::now().date();
        let from = today.saturating_sub(jiff::Span::new().days(7));
        let (status, listed) = app.get_json(&format!("/api/v1/recordings?from={from}&to={today}"), Some(&token)).await;
        assert_eq!(status, 200, "{listed}");
        assert_eq!(ready_count().await, 1, "a second read of the same recording tells nothing");

        // Zoom's notifications from here on.
        let (_, view) =
            app.patch_json("/api/v1/integrations/zoom", &json!({"webhook_secret": ZOOM_SECRET}), Some(&token)).await;
        let zoom_webhook = view["webhook_url"].as_str().unwrap().to_owned();
        app.patch_zoom_app(zoom["client_id"].as_str().unwrap(), json!({"webhook_url": zoom_webhook, "webhook_secret": ZOOM_SECRET}))
            .await;
        // A notification of a recording already read: its files are kept, nothing more is told.
        record(&app, read_zoom_id, false).await;
        for _ in 0..300 {
            if stored_files(&app, &token, &read_first).await == 6 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(stored_files(&app, &token, &read_first).await, 6, "the notification was applied");
        assert_eq!(ready_count().await, 1);

        // Notified first, then read (on demand and in a listing): told once.
        record(&app, told_zoom_id, false).await;
        let hits = receiver.wait_for("recording.ready", 2).await;
        assert_eq!(hits[1].json()["data"]["meeting"]["id"], told_first.as_str());
        assert_eq!(read_files(&app, &token, &told_first).await.len(), 3);
        let (status, _) = app.get_json(&format!("/api/v1/recordings?from={from}&to={today}"), Some(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(ready_count().await, 2);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(receiver.hits().len(), 2, "{:?}", receiver.hits());
    }
}

on_both_backends! {
    async fn a_collective_team_booking_names_its_hosts_in_the_payload(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let mut members = Vec::new();
        for name in ["ada", "bob"] {
            let token = app.sign_up(name).await;
            app.connect_zoom(&token).await;
            let hours = json!([["00:00", "23:59"]]);
            let weekly = json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": hours, "sun": hours});
            let (status, body) = app.put_json("/api/v1/availability", &json!({"timezone": "UTC", "weekly": weekly}), Some(&token)).await;
            assert_eq!(status, 200, "{body}");
            let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
            members.push((token, me["id"].as_str().unwrap().to_owned()));
        }
        let ((ada, ada_id), (_, bob_id)) = (&members[0], &members[1]);
        let (status, team) = app.post_json("/api/v1/teams", &json!({"name": "Panel", "slug": "panel"}), Some(ada)).await;
        assert_eq!(status, 201, "{team}");
        let team_id = team["id"].as_str().unwrap();
        let (status, body) = app.post_json(&format!("/api/v1/teams/{team_id}/members"), &json!({"email": "bob@example.com"}), Some(ada)).await;
        assert_eq!(status, 201, "{body}");
        let event = json!({"title": "Panel interview", "slug": "panel", "duration_minutes": 60, "location": "zoom",
            "minimum_notice_minutes": 0, "scheduling": "collective", "hosts": [ada_id, bob_id]});
        let (status, body) = app.post_json(&format!("/api/v1/teams/{team_id}/event-types"), &event, Some(ada)).await;
        assert_eq!(status, 201, "{body}");
        let receiver = Receiver::start(0).await;
        subscribe(&app, ada, &receiver.url, &["booking.created"]).await;

        let date = next_week();
        let (status, offered) = app.get_json(&format!("/api/v1/public/team/panel/panel/slots?from={date}&to={date}&timezone=UTC"), None).await;
        assert_eq!(status, 200, "{offered}");
        let body = json!({"start": offered["slots"][0], "name": "Candidate", "email": "cand@example.com", "timezone": "UTC"});
        let (status, booking) = app.post_json("/api/v1/public/team/panel/panel/bookings", &body, None).await;
        assert_eq!(status, 201, "{booking}");

        let hit = receiver.wait_for("booking.created", 1).await.remove(0).json();
        let hosts = &hit["data"]["meeting"]["hosts"];
        assert_eq!(hosts, &json!([{"user_id": ada_id, "name": "ada"}, {"user_id": bob_id, "name": "bob"}]), "{hit}");
        // The same view as the API's: the organiser's GET of the meeting shows the same hosts.
        let id = booking["meeting"]["id"].as_str().unwrap();
        let (_, shown) = app.get_json(&format!("/api/v1/meetings/{id}?live=false"), Some(ada)).await;
        assert_eq!(&shown["hosts"], hosts);
        // A personal booking has no hosts list, as in the API.
        let (personal, _) = host(&app, "cyd").await;
        let receiver = Receiver::start(0).await;
        subscribe(&app, &personal, &receiver.url, &["booking.created"]).await;
        let offered = slots(&app, "cyd", &next_week(), "UTC").await;
        let (status, _) = crate::scheduling::book(&app, "cyd", &offered[0], "x@example.com").await;
        assert_eq!(status, 201);
        let hit = receiver.wait_for("booking.created", 1).await.remove(0).json();
        assert!(hit["data"]["meeting"].get("hosts").is_none(), "{hit}");
    }
}

on_both_backends! {
    async fn the_periodic_check_finds_recordings_that_zoom_did_not_announce(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| c.zoom_check_interval = std::time::Duration::from_millis(300)).await;
        let (token, _) = host(&app, "ada").await;
        let invitees = json!([{"email": "guest@example.com"}]);
        let (id, zoom_id) = app.past_zoom_meeting(&token, "Weekly review", 1, invitees).await;
        drain_zoom_jobs(&app).await;
        let receiver = Receiver::start(0).await;
        subscribe(&app, &token, &receiver.url, &["recording.ready"]).await;
        // Recorded in Zoom, with no Zoom webhook set up: nobody reads it, the periodic check finds it.
        record(&app, zoom_id, false).await;
        let hits = receiver.wait_for("recording.ready", 1).await;
        assert_eq!(hits[0].json()["data"]["meeting"]["id"], id.as_str());
        assert_eq!(stored_files(&app, &token, &id).await, 3);
        // Later checks tell nothing twice.
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE event_type = 'recording.ready'").await, 1);
    }
}
