//! Recordings through the API, against the sandbox's recorded meetings.

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::scheduling::{drain_zoom_jobs, host};
use crate::support::{Backend, TestApp};

/// A Zoom meeting held ten days ago through Prospo, then recorded in the sandbox.
async fn recorded_meeting(app: &TestApp, token: &str) -> (String, Value) {
    let invitees = json!([{"email": "guest@example.com"}]);
    let (id, zoom_id) = app.past_zoom_meeting(token, "Recorded call", 10, invitees).await;
    drain_zoom_jobs(app).await;
    let response = app
        .client
        .post(format!("{}/_sandbox/meetings/{zoom_id}/recordings", app.zoom.url))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    (id, response.json().await.unwrap())
}

on_both_backends! {
    async fn recordings_are_listed_streamed_and_trashed(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (token, zoom) = host(&app, "ada").await;
        let (meeting_id, recording) = recorded_meeting(&app, &token).await;

        let (status, body) = app.get_json(&format!("/api/v1/meetings/{meeting_id}/recordings"), Some(&token)).await;
        assert_eq!(status, 200, "{body}");
        let files = body["files"].as_array().unwrap();
        let types: Vec<&str> = files.iter().map(|f| f["file_type"].as_str().unwrap()).collect();
        assert!(types.contains(&"MP4") && types.contains(&"M4A") && types.contains(&"TRANSCRIPT"), "{types:?}");
        let mp4 = files.iter().find(|f| f["file_type"] == "MP4").unwrap().clone();
        let download = mp4["download_url"].as_str().unwrap();
        assert!(download.starts_with("/api/v1/recordings/files/"), "Prospo's own route: {download}");
        assert!(!body.to_string().contains("/rec/download/"), "Zoom's download link never reaches a browser");

        // A 41-day range, split into Zoom's month windows.
        let today = jiff::Zoned::now().date();
        let from = today.saturating_sub(jiff::Span::new().days(40));
        let (status, list) = app.get_json(&format!("/api/v1/recordings?from={from}&to={today}"), Some(&token)).await;
        assert_eq!(status, 200, "{list}");
        let meetings = list["meetings"].as_array().unwrap();
        assert_eq!(meetings.len(), 1, "{list}");
        assert_eq!(meetings[0]["meeting_id"], meeting_id.as_str());
        assert_eq!(meetings[0]["zoom_uuid"], recording["uuid"]);

        // The download streams the file's bytes through Prospo.
        let response = app.client.get(app.at(download)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let bytes = response.bytes().await.unwrap();
        assert_eq!(bytes.len() as i64, mp4["file_size"].as_i64().unwrap());

        // Delete moves it to Zoom's trash; a second delete is fine (already gone).
        let file_id = mp4["id"].as_str().unwrap();
        let uuid = url::form_urlencoded::byte_serialize(mp4["meeting_uuid"].as_str().unwrap().as_bytes()).collect::<String>();
        let (status, _) = app.delete(&format!("/api/v1/recordings/files/{file_id}?meeting_uuid={uuid}"), Some(&token)).await;
        assert_eq!(status, 204);
        let stats = app.zoom_stats(zoom["client_id"].as_str().unwrap()).await;
        assert_eq!(stats["recording_files_deleted"], 1);
        let (_, body) = app.get_json(&format!("/api/v1/meetings/{meeting_id}/recordings"), Some(&token)).await;
        assert!(body["files"].as_array().unwrap().iter().all(|f| f["id"] != file_id));
        let (status, _) = app.delete(&format!("/api/v1/recordings/files/{file_id}?meeting_uuid={uuid}&action=nope"), Some(&token)).await;
        assert_eq!(status, 422);
    }
}

#[tokio::test]
async fn another_user_gets_404_for_everything() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, _) = host(&app, "ada").await;
    let (meeting_id, _) = recorded_meeting(&app, &token).await;
    let (_, body) = app.get_json(&format!("/api/v1/meetings/{meeting_id}/recordings"), Some(&token)).await;
    let file = body["files"][0].clone();
    let uuid =
        url::form_urlencoded::byte_serialize(file["meeting_uuid"].as_str().unwrap().as_bytes()).collect::<String>();

    // Bob has no Zoom connection, then one of his own: neither reaches Ada's recordings.
    let bob = app.sign_up("bob").await;
    let (status, body) = app.get_json("/api/v1/recordings", Some(&bob)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_connected")));
    app.connect_zoom(&bob).await;
    let download = file["download_url"].as_str().unwrap();
    let file_id = file["id"].as_str().unwrap();
    let (status, _) = app.get_json(&format!("/api/v1/meetings/{meeting_id}/recordings"), Some(&bob)).await;
    assert_eq!(status, 404);
    let response = app.client.get(app.at(download)).bearer_auth(&bob).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let (status, _) = app.delete(&format!("/api/v1/recordings/files/{file_id}?meeting_uuid={uuid}"), Some(&bob)).await;
    assert_eq!(status, 404);
    let (_, list) = app.get_json("/api/v1/recordings", Some(&bob)).await;
    assert_eq!(list["meetings"], json!([]));
}

#[tokio::test]
async fn a_lost_recording_scope_means_needs_attention_not_an_error() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, zoom) = host(&app, "ada").await;
    let without: Vec<String> = [
        "meeting:write:meeting",
        "meeting:read:meeting",
        "meeting:update:meeting",
        "meeting:delete:meeting",
        "user:read:user",
        "cloud_recording:read:list_recording_files",
        "cloud_recording:delete:recording_file",
    ]
    .iter()
    .map(|s| format!("{s}:admin"))
    .collect();
    app.patch_zoom_app(zoom["client_id"].as_str().unwrap(), json!({"scopes": without})).await;
    // The cached token still holds the scope until it is re-minted; revoking makes Zoom refuse it now.
    let response = app
        .client
        .post(format!("{}/_sandbox/apps/{}/revoke-tokens", app.zoom.url, zoom["client_id"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, body) = app.get_json("/api/v1/recordings", Some(&token)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("zoom_needs_attention")), "{body}");
    let (_, card) = app.get_json("/api/v1/integrations/zoom", Some(&token)).await;
    assert_eq!(card["status"], "needs_attention");
    assert_eq!(
        card["error"]["message"],
        "Your Zoom app is missing required permissions: cloud_recording:read:list_user_recordings"
    );
}

/// Zoom reads `from`/`to` in the account's zone and may treat `to` as exclusive (the sandbox does
/// both): a recording is still listed on the UTC day it was made, in an account far from UTC, and
/// not on the days around it.
#[tokio::test]
async fn recordings_are_listed_on_their_utc_day_whatever_the_account_zone() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    // A zone whose date differs from UTC's right now: +14 late in the UTC day, −11 early in it.
    let zone = if jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).hour() >= 10 {
        "Pacific/Kiritimati"
    } else {
        "Pacific/Pago_Pago"
    };
    let zoom = app.zoom_app(json!({"timezone": zone})).await;
    let (status, body) =
        app.put_json("/api/v1/integrations/zoom", &crate::support::connect_body(&zoom), Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    let (meeting_id, _) = recorded_meeting(&app, &token).await;
    let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{meeting_id}?live=false"), Some(&token)).await;
    let start: jiff::Timestamp = meeting["start"].as_str().unwrap().parse().unwrap();
    let day = start.to_zoned(jiff::tz::TimeZone::UTC).date();
    assert_ne!(day, start.to_zoned(jiff::tz::TimeZone::get(zone).unwrap()).date(), "the account's date differs");

    let listed = |from: jiff::civil::Date, to: jiff::civil::Date| {
        let (app, token) = (&app, &token);
        async move {
            let (status, list) = app.get_json(&format!("/api/v1/recordings?from={from}&to={to}"), Some(token)).await;
            assert_eq!(status, 200, "{list}");
            list["meetings"].as_array().unwrap().len()
        }
    };
    assert_eq!(listed(day, day).await, 1, "its own day, alone");
    assert_eq!(listed(day.yesterday().unwrap(), day).await, 1, "a range ending on its day");
    assert_eq!(listed(day.tomorrow().unwrap(), day.checked_add(jiff::Span::new().days(3)).unwrap()).await, 0);
    assert_eq!(listed(day.checked_sub(jiff::Span::new().days(3)).unwrap(), day.yesterday().unwrap()).await, 0);
}
