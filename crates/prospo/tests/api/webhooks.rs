//! Zoom event notifications, sent by the sandbox (and by hand for the refusals).

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::scheduling::{drain_zoom_jobs, host, next_week, slots};
use crate::support::{Backend, TestApp};

const SECRET: &str = "whsec-test-token";

/// A host whose Zoom app sends notifications to Prospo, signed with SECRET.
async fn host_with_webhooks(app: &TestApp) -> (String, Value, String) {
    let (token, zoom) = host(app, "ada").await;
    let (status, view) =
        app.patch_json("/api/v1/integrations/zoom", &json!({"webhook_secret": SECRET}), Some(&token)).await;
    assert_eq!(status, 200);
    let webhook_url = view["webhook_url"].as_str().unwrap().to_owned();
    app.patch_zoom_app(
        zoom["client_id"].as_str().unwrap(),
        json!({"webhook_url": webhook_url, "webhook_secret": SECRET}),
    )
    .await;
    (token, zoom, webhook_url)
}

fn sign(ts: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

async fn post(app: &TestApp, url: &str, body: &str, ts: i64, signature: &str, request_id: &str) -> (u16, Value) {
    let response = app
        .client
        .post(url)
        .header("content-type", "application/json")
        .header("x-zm-request-timestamp", ts.to_string())
        .header("x-zm-signature", signature)
        .header("x-zm-request-id", request_id)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    crate::support::read_json(response).await
}

/// A token of the host's Zoom app, to act in "Zoom itself" as a person using Zoom would.
async fn zoom_token(app: &TestApp, zoom: &Value) -> String {
    let form = [("grant_type", "account_credentials"), ("account_id", zoom["account_id"].as_str().unwrap())];
    let minted: Value = app
        .client
        .post(format!("{}/oauth/token", app.zoom.url))
        .basic_auth(zoom["client_id"].as_str().unwrap(), zoom["client_secret"].as_str())
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    minted["access_token"].as_str().unwrap().to_owned()
}

async fn wait_for(app: &TestApp, token: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut meeting = Value::Null;
    for _ in 0..100 {
        (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}"), Some(token)).await;
        if done(&meeting) {
            return meeting;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("condition not reached: {meeting}");
}

#[tokio::test]
async fn url_validation_forgeries_and_stale_timestamps() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, _, url) = host_with_webhooks(&app).await;
    let now = jiff::Timestamp::now().as_second();
    let body = r#"{"event":"endpoint.url_validation","event_ts":1654503849680,"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"}}"#;
    let (status, answer) = post(&app, &url, body, now, &sign(now, body), "r1").await;
    assert_eq!(status, 200);
    assert_eq!(answer["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(b"qgg8vlvZRS6UYooatFL8Aw");
    assert_eq!(answer["encryptedToken"], hex::encode(mac.finalize().into_bytes()));

    let event =
        r#"{"event":"meeting.deleted","event_ts":1,"payload":{"account_id":"x","object":{"id":123,"uuid":"u"}}}"#;
    let (status, _) = post(&app, &url, event, now, &sign(now, "something else"), "r2").await;
    assert_eq!(status, 401, "forged signature");
    let hour_ago = now - 3600;
    let (status, _) = post(&app, &url, event, hour_ago, &sign(hour_ago, event), "r3").await;
    assert_eq!(status, 401, "an hour-old timestamp");
    let (status, _) =
        post(&app, &format!("{}/webhooks/zoom/no-such-connection", app.url), event, now, &sign(now, event), "r4").await;
    assert_eq!(status, 404);
    let (status, first) = post(&app, &url, event, now, &sign(now, event), "r5").await;
    assert_eq!((status, first["status"].as_str()), (200, Some("handled")));
    let (status, again) = post(&app, &url, event, now, &sign(now, event), "r5").await;
    assert_eq!((status, again["status"].as_str()), (200, Some("duplicate")), "a redelivery changes nothing twice");
    // A captured notification replayed with a new (unsigned) request id is still the same one.
    let (status, replay) = post(&app, &url, event, now, &sign(now, event), "r6-replayed").await;
    assert_eq!((status, replay["status"].as_str()), (200, Some("duplicate")), "a replay changes nothing");
}

#[tokio::test]
async fn recording_completed_shows_files_without_asking_zoom() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, zoom, _) = host_with_webhooks(&app).await;
    let offered = slots(&app, "ada", &next_week(), "UTC").await;
    let (_, booked) = crate::scheduling::book(&app, "ada", &offered[0], "x@example.com").await;
    let id = booked["meeting"]["id"].as_str().unwrap().to_owned();
    drain_zoom_jobs(&app).await;
    let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
    assert_eq!(meeting["recording_files"], json!([]));
    let zoom_id = meeting["zoom"]["meeting_id"].as_i64().unwrap();
    let response = app
        .client
        .post(format!("{}/_sandbox/meetings/{zoom_id}/recordings", app.zoom.url))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let meeting = wait_for(&app, &token, &id, |m| m["recording_files"].as_array().is_some_and(|f| f.len() == 3)).await;
    assert!(meeting["recording_files"][0]["download_url"].as_str().unwrap().starts_with("/api/v1/recordings/files/"));
    // The page's polling form reads Prospo's record only: no Zoom call at all.
    let before = app.zoom_stats(zoom["client_id"].as_str().unwrap()).await["api_requests"].clone();
    let (status, polled) = app.get_json(&format!("/api/v1/meetings/{id}?live=false"), Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(polled["recording_files"].as_array().unwrap().len(), 3);
    assert!(polled["zoom_live"].is_null());
    assert_eq!(app.zoom_stats(zoom["client_id"].as_str().unwrap()).await["api_requests"], before);
}

#[tokio::test]
async fn a_meeting_deleted_in_zoom_is_marked_and_never_recreated() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, zoom, _) = host_with_webhooks(&app).await;
    let offered = slots(&app, "ada", &next_week(), "UTC").await;
    let (_, first) = crate::scheduling::book(&app, "ada", &offered[0], "a@example.com").await;
    let (_, second) = crate::scheduling::book(&app, "ada", &offered[2], "b@example.com").await;
    drain_zoom_jobs(&app).await;
    let (first_id, second_id) = (first["meeting"]["id"].as_str().unwrap(), second["meeting"]["id"].as_str().unwrap());

    // Someone deletes the first meeting in Zoom itself.
    let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{first_id}"), Some(&token)).await;
    let zoom_id = meeting["zoom"]["meeting_id"].as_i64().unwrap();
    let access = zoom_token(&app, &zoom).await;
    let response =
        app.client.delete(format!("{}/v2/meetings/{zoom_id}", app.zoom.url)).bearer_auth(&access).send().await.unwrap();
    assert_eq!(response.status(), 204);
    let meeting = wait_for(&app, &token, first_id, |m| m["zoom"]["status"] == "deleted").await;
    assert_eq!(meeting["status"], "scheduled");
    assert_eq!(meeting["zoom"]["error"]["code"], "deleted_in_zoom");

    // Prospo's own cancel of the second meeting comes back as an echo and is not "deleted in Zoom".
    let (status, _) = app.delete(&format!("/api/v1/meetings/{second_id}"), Some(&token)).await;
    assert_eq!(status, 200);
    drain_zoom_jobs(&app).await;
    // Two creates, the delete in Zoom and the echo of this cancel, each answered by Prospo.
    app.wait_for_zoom_webhooks(zoom["client_id"].as_str().unwrap(), 4).await;
    let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{second_id}"), Some(&token)).await;
    assert_eq!(meeting["zoom"]["status"], "deleted");
    assert!(meeting["zoom"].get("error").is_none(), "{meeting}");
    // The deleted one is never re-created.
    drain_zoom_jobs(&app).await;
    let stats = app.zoom_stats(zoom["client_id"].as_str().unwrap()).await;
    assert_eq!(stats["meetings_created"], 2);
    // The host is told once, about the first meeting only (the echo of their own cancel is not news).
    let alerts = app.queued_mails("alert_deleted_in_zoom").await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].recipient, "ada@example.com");
    assert!(alerts[0].subject.starts_with("Deleted in Zoom: Intro call with Invitee"), "{}", alerts[0].subject);
    assert!(alerts[0].text_body.contains(&format!("/meetings/{first_id}")), "{}", alerts[0].text_body);
}

#[tokio::test]
async fn a_change_made_in_zoom_shows_on_the_prospo_meeting() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, zoom, _) = host_with_webhooks(&app).await;
    let offered = slots(&app, "ada", &next_week(), "UTC").await;
    let (_, booked) = crate::scheduling::book(&app, "ada", &offered[0], "a@example.com").await;
    let id = booked["meeting"]["id"].as_str().unwrap().to_owned();
    drain_zoom_jobs(&app).await;
    let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
    let zoom_id = meeting["zoom"]["meeting_id"].as_i64().unwrap();
    let moved: jiff::Timestamp = offered[0].parse::<jiff::Timestamp>().unwrap() + jiff::SignedDuration::from_hours(2);
    let access = zoom_token(&app, &zoom).await;
    let response = app
        .client
        .patch(format!("{}/v2/meetings/{zoom_id}", app.zoom.url))
        .bearer_auth(&access)
        .json(&json!({"start_time": moved.to_string(), "duration": 45, "topic": "Moved in Zoom"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let meeting = wait_for(&app, &token, &id, |m| m["topic"] == "Moved in Zoom").await;
    assert_eq!(meeting["start"], moved.to_string());
    assert_eq!(meeting["end"], (moved + jiff::SignedDuration::from_mins(45)).to_string());
    assert_eq!(meeting["zoom"]["status"], "created");
    assert!(meeting["zoom"].get("pending_change").is_none(), "Prospo does not send the change back: {meeting}");
    // Invitee and host hear of the new time, as for any reschedule.
    let mut told: Vec<String> = app.queued_mails("rescheduled").await.into_iter().map(|m| m.recipient).collect();
    told.sort();
    assert_eq!(told, ["a@example.com", "ada@example.com"]);
}
