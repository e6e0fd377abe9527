//! Event types, availability, booking and the Zoom meetings that follow them, against the sandbox.

use std::time::Duration;

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

/// A host with Zoom connected, open every day 09:00–17:00 in Europe/Berlin, and a 30-minute Zoom
/// event type `intro` with no notice.
pub async fn host(app: &TestApp, username: &str) -> (String, Value) {
    let token = app.sign_up(username).await;
    let zoom = app.connect_zoom(&token).await;
    let hours = json!([["09:00", "17:00"]]);
    let weekly =
        json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": hours, "sun": hours});
    let (status, body) = app
        .put_json("/api/v1/availability", &json!({"timezone": "Europe/Berlin", "weekly": weekly}), Some(&token))
        .await;
    assert_eq!(status, 200, "{body}");
    let event = json!({"title": "Intro call", "slug": "intro", "duration_minutes": 30, "location": "zoom", "minimum_notice_minutes": 0});
    let (status, body) = app.post_json("/api/v1/event-types", &event, Some(&token)).await;
    assert_eq!(status, 201, "{body}");
    (token, zoom)
}

/// Opens every day 09:00–17:00 UTC.
pub async fn open_every_day(app: &TestApp, token: &str) {
    let hours = json!([["09:00", "17:00"]]);
    let weekly =
        json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": hours, "sun": hours});
    let (status, body) =
        app.put_json("/api/v1/availability", &json!({"timezone": "UTC", "weekly": weekly}), Some(token)).await;
    assert_eq!(status, 200, "{body}");
}

/// A date a week from now, as YYYY-MM-DD.
pub fn next_week() -> String {
    let date = jiff::Zoned::now().date().checked_add(jiff::Span::new().days(7)).unwrap();
    date.to_string()
}

pub async fn slots(app: &TestApp, username: &str, date: &str, tz: &str) -> Vec<String> {
    let (status, body) =
        app.get_json(&format!("/api/v1/public/{username}/intro/slots?from={date}&to={date}&timezone={tz}"), None).await;
    assert_eq!(status, 200, "{body}");
    body["slots"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
}

pub async fn book(app: &TestApp, username: &str, start: &str, email: &str) -> (u16, Value) {
    let body = json!({"start": start, "name": "Invitee", "email": email, "timezone": "America/New_York"});
    app.post_json(&format!("/api/v1/public/{username}/intro/bookings"), &body, None).await
}

/// Lets the Zoom worker meet the sandbox's faults for several rounds: each round moves the clock
/// past the longest backoff (30 s in the first ten minutes) and waits for the work that came due.
async fn runs_into_faults(app: &TestApp) {
    for _ in 0..6 {
        app.wait_for_due_jobs("zoom").await;
        app.state.clock.advance(jiff::SignedDuration::from_secs(31));
    }
    app.wait_for_due_jobs("zoom").await;
}

/// Waits until no Zoom work is queued (work stopped for Retry is not queued), bounded: retries back
/// off up to 30 s. Every meeting's job must match its state throughout.
pub async fn drain_zoom_jobs(app: &TestApp) {
    const QUEUED: &str = "SELECT COUNT(*) FROM jobs WHERE queue = 'zoom' AND failed_at IS NULL";
    for _ in 0..1200 {
        if app.count(QUEUED).await == 0 {
            assert_eq!(app.db.zoom_work_mismatches().await.unwrap(), Vec::<String>::new(), "jobs match states");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    const JOBS: &str = "SELECT subject, run_at, attempts FROM jobs WHERE queue = 'zoom' AND failed_at IS NULL";
    let jobs: Vec<(String, i64, i64)> = match &app.db {
        prospo::store::Db::Sqlite(pool) => sqlx::query_as(JOBS).fetch_all(pool).await.unwrap(),
        prospo::store::Db::Postgres(pool) => sqlx::query_as(JOBS).fetch_all(pool).await.unwrap(),
    };
    panic!("zoom jobs did not drain: {jobs:?}");
}

pub async fn sandbox_meetings(app: &TestApp, user_id: &str) -> Vec<Value> {
    let response =
        app.client.get(format!("{}/_sandbox/meetings?user_id={user_id}", app.zoom.url)).send().await.unwrap();
    response.json::<Vec<Value>>().await.unwrap()
}

on_both_backends! {
    async fn event_types_take_the_defaults_and_validate(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let other = app.sign_up("bob").await;
        let (status, event) = app
            .post_json("/api/v1/event-types", &json!({"title": "Intro", "slug": "Intro-Call", "duration_minutes": 45, "location": "zoom"}), Some(&token))
            .await;
        assert_eq!(status, 201, "{event}");
        assert_eq!(event["slug"], "intro-call");
        assert_eq!(event["slot_step_minutes"], 45, "step defaults to the duration");
        assert_eq!(event["minimum_notice_minutes"], 240);
        assert_eq!(event["booking_window_days"], 60);
        assert_eq!(event["buffer_before_minutes"], 0);
        assert!(event["max_per_day"].is_null());
        assert_eq!(event["booking_url"], format!("{}/ada/intro-call", app.url));
        let id = event["id"].as_str().unwrap();

        let (status, body) = app.post_json("/api/v1/event-types", &json!({"title": "Again", "slug": "intro-call", "duration_minutes": 30, "location": "phone"}), Some(&token)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("slug_taken")));
        for bad in [
            json!({"title": "", "slug": "x", "duration_minutes": 30, "location": "zoom"}),
            json!({"title": "X", "slug": "no spaces", "duration_minutes": 30, "location": "zoom"}),
            json!({"title": "X", "slug": "x", "duration_minutes": 0, "location": "zoom"}),
            json!({"title": "X", "slug": "x", "duration_minutes": 30, "location": "link", "location_detail": "not a url"}),
        ] {
            let (status, body) = app.post_json("/api/v1/event-types", &bad, Some(&token)).await;
            assert_eq!(status, 422, "{bad} → {body}");
        }
        let (status, _) = app.post_json("/api/v1/event-types", &json!({"title": "X", "slug": "x", "duration_minutes": 30, "location": "teleport"}), Some(&token)).await;
        assert_eq!(status, 422);

        let (status, patched) = app.patch_json(&format!("/api/v1/event-types/{id}"), &json!({"buffer_after_minutes": 15, "zoom": {"waiting_room": true}}), Some(&token)).await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!(patched["buffer_after_minutes"], 15);
        assert_eq!(patched["zoom"]["waiting_room"], true);
        assert_eq!(patched["duration_minutes"], 45);
        let (status, _) = app.get_json(&format!("/api/v1/event-types/{id}"), Some(&other)).await;
        assert_eq!(status, 404, "another user's event type");
        let (status, _) = app.delete(&format!("/api/v1/event-types/{id}"), Some(&other)).await;
        assert_eq!(status, 404);
        let (status, _) = app.delete(&format!("/api/v1/event-types/{id}"), Some(&token)).await;
        assert_eq!(status, 204);
    }
}

#[tokio::test]
async fn availability_is_validated() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    let (status, body) = app.get_json("/api/v1/availability", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["timezone"], "UTC");
    let cases = [
        (json!({"timezone": "Mars/Olympus", "weekly": {}}), "unknown_time_zone"),
        (json!({"timezone": "UTC", "weekly": {"mon": [["10:00", "09:00"]]}}), "reversed_interval"),
        (
            json!({"timezone": "UTC", "weekly": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}),
            "overlapping_intervals",
        ),
        (json!({"timezone": "UTC", "weekly": {"mon": [["9am", "12:00"]]}}), "invalid_time"),
        (json!({"timezone": "UTC", "weekly": {"funday": [["09:00", "12:00"]]}}), "unknown_weekday"),
    ];
    for (body, code) in cases {
        let (status, answer) = app.put_json("/api/v1/availability", &body, Some(&token)).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (422, Some(code)), "{body}");
    }
    let good = json!({"timezone": "America/Argentina/Buenos_Aires", "weekly": {"tue": [["09:00", "12:00"], ["13:00", "23:59"]]},
        "overrides": [{"date": "2030-01-01", "intervals": []}]});
    let (status, answer) = app.put_json("/api/v1/availability", &good, Some(&token)).await;
    assert_eq!(status, 200, "{answer}");
    let (_, stored) = app.get_json("/api/v1/availability", Some(&token)).await;
    assert_eq!(stored["timezone"], "America/Argentina/Buenos_Aires");
    assert_eq!(stored["weekly"]["tue"].as_array().unwrap().len(), 2);
}

on_both_backends! {
    async fn book_reschedule_cancel_follow_one_zoom_meeting(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (host_token, zoom) = host(&app, "ada").await;
        let date = next_week();
        let offered = slots(&app, "ada", &date, "America/New_York").await;
        assert!(!offered.is_empty());
        // 09:00 in Berlin is 03:00 in New York (or 04:00 across their different DST dates): offsets are New York's.
        assert!(offered.iter().all(|s| s.ends_with("-05:00") || s.ends_with("-04:00")), "{offered:?}");
        let (status, booked) = book(&app, "ada", &offered[0], "invitee@example.com").await;
        assert_eq!(status, 201, "{booked}");
        let token = booked["manage_token"].as_str().unwrap().to_owned();
        assert_eq!(booked["meeting"]["zoom"]["status"], "pending");
        assert_eq!(booked["meeting"]["zoom"]["pending_change"], "create");

        drain_zoom_jobs(&app).await;
        let (_, view) = app.get_json(&format!("/api/v1/bookings/{token}"), None).await;
        let meeting = &view["meeting"];
        assert_eq!(meeting["zoom"]["status"], "created", "{view}");
        let join_url = meeting["zoom"]["join_url"].as_str().unwrap().to_owned();
        let zoom_id = meeting["zoom"]["meeting_id"].as_i64().unwrap();
        let in_zoom = sandbox_meetings(&app, zoom["user_id"].as_str().unwrap()).await;
        assert_eq!(in_zoom.len(), 1);
        let start_utc: jiff::Timestamp = offered[0].parse().unwrap();
        let zoom_start: jiff::Timestamp = in_zoom[0]["start_time"].as_str().unwrap().parse().unwrap();
        assert_eq!(zoom_start, start_utc, "the Zoom meeting is at the booked instant");
        assert_eq!(meeting["start"], start_utc.to_string());

        // Reschedule through the manage link: the same Zoom meeting moves, the join link stays.
        let (status, moved) = app.post_json(&format!("/api/v1/bookings/{token}/reschedule"), &json!({"start": offered[2]}), None).await;
        assert_eq!(status, 200, "{moved}");
        drain_zoom_jobs(&app).await;
        let in_zoom = sandbox_meetings(&app, zoom["user_id"].as_str().unwrap()).await;
        assert_eq!(in_zoom.len(), 1);
        assert_eq!(in_zoom[0]["id"].as_i64(), Some(zoom_id));
        let moved_start: jiff::Timestamp = offered[2].parse().unwrap();
        let zoom_start: jiff::Timestamp = in_zoom[0]["start_time"].as_str().unwrap().parse().unwrap();
        assert_eq!(zoom_start, moved_start);
        let (_, view) = app.get_json(&format!("/api/v1/bookings/{token}"), None).await;
        assert_eq!(view["meeting"]["zoom"]["join_url"], join_url.as_str());
        // The old time is free again, the new one taken.
        let again = slots(&app, "ada", &date, "America/New_York").await;
        assert!(again.contains(&offered[0]) && !again.contains(&offered[2]));

        let (status, cancelled) = app.post_json(&format!("/api/v1/bookings/{token}/cancel"), &json!({"reason": "conflict"}), None).await;
        assert_eq!(status, 200, "{cancelled}");
        assert_eq!(cancelled["meeting"]["status"], "cancelled");
        drain_zoom_jobs(&app).await;
        assert!(sandbox_meetings(&app, zoom["user_id"].as_str().unwrap()).await.is_empty(), "cancel deletes the Zoom meeting");
        // Cancelled meetings leave the upcoming list for their own.
        let (_, upcoming) = app.get_json("/api/v1/meetings?when=upcoming", Some(&host_token)).await;
        assert_eq!(upcoming["meetings"], json!([]));
        let (_, listed) = app.get_json("/api/v1/meetings?when=cancelled", Some(&host_token)).await;
        assert_eq!(listed["meetings"][0]["id"], cancelled["meeting"]["id"]);
        assert_eq!(listed["meetings"][0]["invitees"][0]["email"], "invitee@example.com");
        let (_, view) = app.get_json(&format!("/api/v1/bookings/{token}"), None).await;
        assert_eq!(view["meeting"]["zoom"]["status"], "deleted");
        assert!(view["meeting"]["zoom"].get("error").is_none());
        assert!(view["meeting"]["zoom"].get("join_url").is_none(), "a deleted meeting's link is not shown");
        let stats = app.zoom_stats(zoom["client_id"].as_str().unwrap()).await;
        assert_eq!((stats["meetings_created"].as_i64(), stats["meetings_updated"].as_i64(), stats["meetings_deleted"].as_i64()), (Some(1), Some(1), Some(1)));
    }
}

on_both_backends! {
    async fn twelve_invitees_racing_for_one_slot_get_one_booking(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        host(&app, "ada").await;
        let offered = slots(&app, "ada", &next_week(), "UTC").await;
        let start = offered[3].clone();
        let attempts = (0..12).map(|i| {
            let start = start.clone();
            let app = &app;
            async move { book(app, "ada", &start, &format!("racer{i}@example.com")).await }
        });
        let results = futures::future::join_all(attempts).await;
        let created = results.iter().filter(|(s, _)| *s == 201).count();
        let taken: Vec<_> = results.iter().filter(|(s, _)| *s == 409).collect();
        assert_eq!(created, 1, "{results:?}");
        assert_eq!(taken.len(), 11, "{results:?}");
        assert!(taken.iter().all(|(_, body)| body["error"]["code"] == "slot_taken"));
    }
}

#[tokio::test]
async fn starts_that_were_never_bookable_are_422() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    host(&app, "ada").await;
    let date = next_week();
    let offered = slots(&app, "ada", &date, "UTC").await;
    let first: jiff::Timestamp = offered[0].parse().unwrap();
    let off_grid = (first + jiff::SignedDuration::from_mins(7)).to_string();
    let night = format!("{date}T23:30:00Z");
    let too_far = "2099-01-05T10:00:00Z".to_owned();
    for start in [off_grid, night, too_far] {
        let (status, body) = book(&app, "ada", &start, "x@example.com").await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("not_available")), "{start}");
    }
    let (status, body) = book(&app, "ada", "tomorrow at nine", "x@example.com").await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_start")));
    let (status, _) =
        app.get_json(&format!("/api/v1/public/nobody/intro/slots?from={date}&to={date}&timezone=UTC"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_zoom_event_type_without_zoom_cannot_be_booked() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    let event = json!({"title": "Intro call", "slug": "intro", "duration_minutes": 30, "location": "zoom", "minimum_notice_minutes": 0});
    app.post_json("/api/v1/event-types", &event, Some(&token)).await;
    let date = next_week();
    let (status, body) =
        app.get_json(&format!("/api/v1/public/ada/intro/slots?from={date}&to={date}&timezone=UTC"), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["slots"], json!([]));
    let notice = body["notice"].as_str().unwrap();
    assert!(notice.contains("cannot be booked right now") && !notice.contains("Zoom"), "{notice}");
    let (status, body) = book(&app, "ada", &format!("{date}T10:00:00Z"), "x@example.com").await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("zoom_not_connected")));
    assert!(!body["error"]["message"].as_str().unwrap().contains("Zoom"), "{body}");
    // The host making a meeting directly is told what to do.
    let direct =
        json!({"topic": "Sync", "start": format!("{date}T10:00:00Z"), "duration_minutes": 30, "timezone": "UTC"});
    let (status, body) = app.post_json("/api/v1/meetings", &direct, Some(&token)).await;
    assert_eq!(status, 409);
    assert!(body["error"]["message"].as_str().unwrap().contains("Connect Zoom"), "{body}");
}

on_both_backends! {
    async fn lost_answers_and_failures_never_make_a_second_zoom_meeting(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (_, zoom) = host(&app, "ada").await;
        let offered = slots(&app, "ada", &next_week(), "UTC").await;
        let faults = json!({"drop_after_commit_rate": 0.5, "fail_rate": 0.2, "fail_status": 503});
        let set_faults = |body: Value| {
            let request = app.client.put(format!("{}/_sandbox/faults", app.zoom.url)).json(&body);
            async move { assert!(request.send().await.unwrap().status().is_success()) }
        };
        set_faults(faults.clone()).await;
        let mut tokens = Vec::new();
        for (i, start) in offered.iter().take(8).enumerate() {
            let (status, body) = book(&app, "ada", start, &format!("guest{i}@example.com")).await;
            assert_eq!(status, 201, "{body}");
            tokens.push(body["manage_token"].as_str().unwrap().to_owned());
        }
        // The worker runs into the faults for several rounds (time moved past each backoff);
        // then Zoom recovers and the work drains.
        runs_into_faults(&app).await;
        set_faults(json!({})).await;
        app.state.clock.advance(jiff::SignedDuration::from_secs(31));
        drain_zoom_jobs(&app).await;
        let in_zoom = sandbox_meetings(&app, zoom["user_id"].as_str().unwrap()).await;
        assert_eq!(in_zoom.len(), 8, "exactly one Zoom meeting per booking");
        for token in &tokens {
            let (_, view) = app.get_json(&format!("/api/v1/bookings/{token}"), None).await;
            assert_eq!(view["meeting"]["zoom"]["status"], "created", "{view}");
        }
        set_faults(faults).await;
        for token in &tokens {
            let (status, _) = app.post_json(&format!("/api/v1/bookings/{token}/cancel"), &json!({}), None).await;
            assert_eq!(status, 200);
        }
        runs_into_faults(&app).await;
        set_faults(json!({})).await;
        app.state.clock.advance(jiff::SignedDuration::from_secs(31));
        drain_zoom_jobs(&app).await;
        assert!(sandbox_meetings(&app, zoom["user_id"].as_str().unwrap()).await.is_empty(), "no Zoom meeting left behind");
    }
}

#[tokio::test]
async fn without_the_list_scope_a_lost_create_is_reported_not_repeated() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    let scopes: Vec<String> = [
        "meeting:write:meeting",
        "meeting:read:meeting",
        "meeting:update:meeting",
        "meeting:delete:meeting",
        "user:read:user",
        "cloud_recording:read:list_recording_files",
        "cloud_recording:read:list_user_recordings",
        "cloud_recording:delete:recording_file",
    ]
    .iter()
    .map(|s| format!("{s}:admin"))
    .collect();
    let zoom = app.zoom_app(json!({"scopes": scopes})).await;
    let (status, _) =
        app.put_json("/api/v1/integrations/zoom", &crate::support::connect_body(&zoom), Some(&token)).await;
    assert_eq!(status, 200);
    let event = json!({"title": "Intro call", "slug": "intro", "duration_minutes": 30, "location": "zoom", "minimum_notice_minutes": 0});
    app.post_json("/api/v1/event-types", &event, Some(&token)).await;
    open_every_day(&app, &token).await;
    let offered = slots(&app, "ada", &next_week(), "UTC").await;
    app.client
        .put(format!("{}/_sandbox/faults", app.zoom.url))
        .json(&json!({"drop_after_commit_rate": 1.0}))
        .send()
        .await
        .unwrap();
    let (_, booked) = book(&app, "ada", &offered[0], "x@example.com").await;
    let id = booked["meeting"]["id"].as_str().unwrap().to_owned();
    drain_zoom_jobs(&app).await;
    let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
    assert_eq!(meeting["zoom"]["status"], "failed", "{meeting}");
    assert_eq!(meeting["zoom"]["error"]["code"], "zoom_unconfirmed");
    let alerts = app.queued_mails("alert_zoom_failed").await;
    assert_eq!(alerts.len(), 1, "the host hears of the failure: {alerts:?}");
    assert_eq!(alerts[0].recipient, "ada@example.com");
    assert!(alerts[0].text_body.contains(&format!("/meetings/{id}")), "{}", alerts[0].text_body);
    assert_eq!(sandbox_meetings(&app, zoom["user_id"].as_str().unwrap()).await.len(), 1, "created once, not repeated");
}

#[tokio::test]
async fn past_the_daily_cap_creates_wait_for_midnight_utc() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    let zoom = app.zoom_app(json!({})).await;
    app.put_json("/api/v1/integrations/zoom", &crate::support::connect_body(&zoom), Some(&token)).await;
    let event = json!({"title": "Intro call", "slug": "intro", "duration_minutes": 30, "location": "zoom", "minimum_notice_minutes": 0});
    app.post_json("/api/v1/event-types", &event, Some(&token)).await;
    app.patch_zoom_app(zoom["client_id"].as_str().unwrap(), json!({"daily_cap": 1})).await;
    open_every_day(&app, &token).await;
    let offered = slots(&app, "ada", &next_week(), "UTC").await;
    book(&app, "ada", &offered[0], "a@example.com").await;
    let (_, second) = book(&app, "ada", &offered[1], "b@example.com").await;
    let id = second["meeting"]["id"].as_str().unwrap().to_owned();
    let mut meeting = Value::Null;
    for _ in 0..100 {
        (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
        if meeting["zoom"]["held_until"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let midnight = zoom::next_utc_midnight(jiff::Timestamp::now()).to_string();
    assert_eq!(meeting["zoom"]["held_until"], midnight, "{meeting}");
    assert_eq!(meeting["zoom"]["status"], "pending");
    assert_eq!(meeting["zoom"]["pending_change"], "create");
    assert_eq!(meeting["zoom"]["error"]["code"], "daily_limit");
    // The invitee sees that Zoom is pending, not the host's trouble with their account.
    let manage = second["manage_token"].as_str().unwrap();
    let (status, theirs) = app.get_json(&format!("/api/v1/bookings/{manage}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(theirs["meeting"]["zoom"]["status"], "pending", "{theirs}");
    assert!(theirs["meeting"]["zoom"]["error"].is_null(), "{theirs}");
}

on_both_backends! {
    async fn meetings_api_shows_live_zoom_and_a_fresh_start_link_to_the_host_only(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (token, _) = host(&app, "ada").await;
        let other = app.sign_up("bob").await;
        let offered = slots(&app, "ada", &next_week(), "UTC").await;
        let (_, booked) = book(&app, "ada", &offered[0], "x@example.com").await;
        let id = booked["meeting"]["id"].as_str().unwrap().to_owned();
        let manage = booked["manage_token"].as_str().unwrap().to_owned();
        drain_zoom_jobs(&app).await;

        let (status, list) = app.get_json("/api/v1/meetings?when=upcoming", Some(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(list["meetings"].as_array().unwrap().len(), 1);
        let (_, past) = app.get_json("/api/v1/meetings?when=past", Some(&token)).await;
        assert_eq!(past["meetings"], json!([]));
        let (status, details) = app.get_json(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(details["zoom_live"]["join_url"], details["zoom"]["join_url"]);
        assert!(details["zoom_live"]["passcode"].is_string());
        assert!(!details.to_string().contains("start_url"));
        let (status, start) = app.post_json(&format!("/api/v1/meetings/{id}/start"), &json!({}), Some(&token)).await;
        assert_eq!(status, 200);
        let start_url = start["start_url"].as_str().unwrap().to_owned();
        let (_, invitee_view) = app.get_json(&format!("/api/v1/bookings/{manage}"), None).await;
        assert!(!invitee_view.to_string().contains(&start_url));
        assert!(!invitee_view.to_string().contains("start_url"));
        for path in [format!("/api/v1/meetings/{id}"), format!("/api/v1/meetings/{id}/start")] {
            let (status, _) = if path.ends_with("start") { app.post_json(&path, &json!({}), Some(&other)).await } else { app.get_json(&path, Some(&other)).await };
            assert_eq!(status, 404, "{path}");
        }

        // The host reschedules directly and cancels.
        let (status, moved) = app.patch_json(&format!("/api/v1/meetings/{id}"), &json!({"start": offered[4], "topic": "Renamed"}), Some(&token)).await;
        assert_eq!(status, 200, "{moved}");
        assert_eq!(moved["topic"], "Renamed");
        let (status, cancelled) = app.delete(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
        assert_eq!((status, cancelled["status"].as_str()), (200, Some("cancelled")));
    }
}

#[tokio::test]
async fn new_meeting_schedules_a_zoom_meeting_directly() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, zoom) = host(&app, "ada").await;
    let body = json!({"topic": "Board sync", "start": "2031-03-03T16:00:00+01:00", "duration_minutes": 45, "timezone": "Europe/Berlin",
        "invitees": [{"name": "Bo", "email": "bo@example.com"}], "zoom": {"waiting_room": true, "auto_recording": "cloud"}});
    let (status, meeting) = app.post_json("/api/v1/meetings", &body, Some(&token)).await;
    assert_eq!(status, 201, "{meeting}");
    assert_eq!(meeting["start"], "2031-03-03T15:00:00Z");
    assert_eq!(meeting["end"], "2031-03-03T15:45:00Z");
    drain_zoom_jobs(&app).await;
    let in_zoom = sandbox_meetings(&app, zoom["user_id"].as_str().unwrap()).await;
    assert_eq!(in_zoom.len(), 1);
    assert_eq!(in_zoom[0]["settings"]["waiting_room"], true);
    assert_eq!(in_zoom[0]["settings"]["auto_recording"], "cloud");
    let (status, body) = app
        .post_json(
            "/api/v1/meetings",
            &json!({"topic": "", "start": "2031-03-03T16:00:00Z", "duration_minutes": 45, "timezone": "UTC"}),
            Some(&token),
        )
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_topic")));
}

/// Zoom documents its own list of meeting zones: a zone tzdata renamed (Europe/Kyiv) or merged
/// (America/Toronto onto America/Montreal's offsets) reaches Zoom under the name it lists.
#[tokio::test]
async fn meetings_reach_zoom_in_a_time_zone_zoom_lists() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, zoom) = host(&app, "ada").await;
    for (zone, start) in
        [("Europe/Kyiv", "2031-03-03T10:00:00+02:00"), ("America/Toronto", "2031-03-04T10:00:00-05:00")]
    {
        let body = json!({"topic": zone, "start": start, "duration_minutes": 30, "timezone": zone});
        let (status, meeting) = app.post_json("/api/v1/meetings", &body, Some(&token)).await;
        assert_eq!(status, 201, "{meeting}");
    }
    drain_zoom_jobs(&app).await;
    let in_zoom = sandbox_meetings(&app, zoom["user_id"].as_str().unwrap()).await;
    let zone_of = |topic: &str| in_zoom.iter().find(|m| m["topic"] == topic).map(|m| m["timezone"].clone());
    assert_eq!(zone_of("Europe/Kyiv"), Some(json!("Europe/Kiev")), "{in_zoom:?}");
    let toronto = zone_of("America/Toronto").unwrap();
    assert!(toronto == "America/Toronto" || toronto == "America/Montreal", "{toronto}");
    let stats = app.zoom_stats(zoom["client_id"].as_str().unwrap()).await;
    assert_eq!(stats["unlisted_timezones"], json!([]), "every zone sent is on Zoom's list");
}

/// Zoom refuses to change a meeting that has started (400 code 3000): the host is told plainly, once,
/// and Prospo does not keep retrying.
#[tokio::test]
async fn a_change_to_a_started_zoom_meeting_is_reported_not_retried() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, _zoom) = host(&app, "ada").await;
    let body = json!({"topic": "Live", "start": "2031-03-03T10:00:00Z", "duration_minutes": 30, "timezone": "UTC"});
    let (_, meeting) = app.post_json("/api/v1/meetings", &body, Some(&token)).await;
    let id = meeting["id"].as_str().unwrap().to_owned();
    drain_zoom_jobs(&app).await;
    let (_, made) = app.get_json(&format!("/api/v1/meetings/{id}?live=false"), Some(&token)).await;
    let zoom_id = made["zoom"]["meeting_id"].as_i64().unwrap();
    let response = app
        .client
        .patch(format!("{}/_sandbox/meetings/{zoom_id}", app.zoom.url))
        .json(&json!({"status": "started"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let (status, _) =
        app.patch_json(&format!("/api/v1/meetings/{id}"), &json!({"topic": "Live, renamed"}), Some(&token)).await;
    assert_eq!(status, 200);
    drain_zoom_jobs(&app).await;
    let (_, after) = app.get_json(&format!("/api/v1/meetings/{id}?live=false"), Some(&token)).await;
    // The Zoom meeting stays as it was; the change waits, stopped, for the host's Retry.
    assert_eq!(
        (after["zoom"]["status"].as_str(), after["zoom"]["pending_change"].as_str()),
        (Some("created"), Some("update")),
        "{after}"
    );
    assert_eq!(after["zoom"]["error"]["code"], "zoom_error");
    let message = after["zoom"]["error"]["message"].as_str().unwrap();
    assert!(message.contains("once it has started"), "{message}");
    assert_eq!(app.count("SELECT COUNT(*) FROM jobs WHERE queue = 'zoom' AND failed_at IS NULL").await, 0);
}

#[tokio::test]
async fn public_posts_are_rate_limited_per_address_and_per_email() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.public_rate_limit = Some(60)).await;
    host(&app, "ada").await;
    let offered = slots(&app, "ada", &next_week(), "UTC").await;
    let mut statuses = Vec::new();
    for start in offered.iter().take(11) {
        let (status, _) = book(&app, "ada", start, "same@example.com").await;
        statuses.push(status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 10, "{statuses:?}");
    assert_eq!(statuses[10], 429);
    // The address's burst of 30 runs out too.
    let mut last = 0;
    for i in 0..25 {
        (last, _) = book(&app, "ada", &offered[0], &format!("g{i}@example.com")).await;
    }
    assert_eq!(last, 429);
}

#[tokio::test]
async fn work_waits_while_zoom_needs_attention_and_fails_on_disconnect() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, zoom) = host(&app, "ada").await;
    let client_id = zoom["client_id"].as_str().unwrap().to_owned();
    let offered = slots(&app, "ada", &next_week(), "UTC").await;

    // The app is deactivated and the card says so: bookings are still taken, their Zoom work waits.
    app.patch_zoom_app(&client_id, json!({"activated": false})).await;
    let (_, view) = app.post_json("/api/v1/integrations/zoom/check", &json!({}), Some(&token)).await;
    assert_eq!(view["status"], "needs_attention");
    let (status, booked) = book(&app, "ada", &offered[0], "a@example.com").await;
    assert_eq!(status, 201);
    let id = booked["meeting"]["id"].as_str().unwrap().to_owned();
    let mut meeting = Value::Null;
    for _ in 0..50 {
        (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
        if meeting["zoom"]["error"]["code"] == "connection_needs_attention" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(meeting["zoom"]["status"], "pending", "{meeting}");
    assert_eq!(meeting["zoom"]["error"]["code"], "connection_needs_attention");

    // Reactivate and reconnect: the held work goes through.
    app.patch_zoom_app(&client_id, json!({"activated": true})).await;
    let (status, _) =
        app.put_json("/api/v1/integrations/zoom", &crate::support::connect_body(&zoom), Some(&token)).await;
    assert_eq!(status, 200);
    drain_zoom_jobs(&app).await;
    let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
    assert_eq!(meeting["zoom"]["status"], "created", "{meeting}");
    assert!(meeting["zoom"].get("error").is_none());

    // Queued work when Zoom is disconnected ends as failed with that reason.
    app.patch_zoom_app(&client_id, json!({"activated": false})).await;
    app.post_json("/api/v1/integrations/zoom/check", &json!({}), Some(&token)).await;
    let (_, second) = book(&app, "ada", &offered[1], "b@example.com").await;
    let second_id = second["meeting"]["id"].as_str().unwrap().to_owned();
    let (status, _) = app.delete("/api/v1/integrations/zoom", Some(&token)).await;
    assert_eq!(status, 204);
    let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{second_id}"), Some(&token)).await;
    assert_eq!(meeting["zoom"]["status"], "failed", "{meeting}");
    assert_eq!(meeting["zoom"]["error"]["code"], "zoom_disconnected");
    // The host's own disconnect is no news to them: no Zoom failure alert (the earlier
    // deactivation alerted about the connection, once per episode).
    assert!(app.queued_mails("alert_zoom_failed").await.is_empty());
    assert_eq!(app.queued_mails("alert_connection").await.len(), 2);
}

#[tokio::test]
async fn disconnect_can_delete_upcoming_zoom_meetings() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, zoom) = host(&app, "ada").await;
    let offered = slots(&app, "ada", &next_week(), "UTC").await;
    for (i, start) in offered.iter().take(2).enumerate() {
        book(&app, "ada", start, &format!("g{i}@example.com")).await;
    }
    drain_zoom_jobs(&app).await;
    assert_eq!(sandbox_meetings(&app, zoom["user_id"].as_str().unwrap()).await.len(), 2);
    let (status, _) = app.delete("/api/v1/integrations/zoom?delete_upcoming=true", Some(&token)).await;
    assert_eq!(status, 204);
    assert!(sandbox_meetings(&app, zoom["user_id"].as_str().unwrap()).await.is_empty());
    let (_, list) = app.get_json("/api/v1/meetings", Some(&token)).await;
    assert!(list["meetings"].as_array().unwrap().iter().all(|m| m["zoom"]["status"] == "deleted"), "{list}");
}

/// Two Prospo instances on one PostgreSQL: one booking per slot, one Zoom meeting per booking.
#[tokio::test]
async fn two_instances_on_one_postgres_share_the_work_safely() {
    let Some(_) = crate::support::postgres_admin_url() else {
        eprintln!(
            "SKIPPED two_instances_on_one_postgres_share_the_work_safely: set PROSPO_TEST_POSTGRES_URL to run it"
        );
        return;
    };
    let first = TestApp::spawn(Backend::Postgres).await;
    let second = first.second_instance().await;
    let (_, zoom) = host(&first, "ada").await;
    let offered = slots(&first, "ada", &next_week(), "UTC").await;
    let racers = (0..12).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        let start = offered[0].clone();
        async move { book(app, "ada", &start, &format!("r{i}@example.com")).await.0 }
    });
    let statuses = futures::future::join_all(racers).await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 11, "{statuses:?}");
    // More bookings, handled by whichever instance's worker claims them first.
    for (i, start) in offered.iter().skip(1).take(10).enumerate() {
        let app = if i % 2 == 0 { &first } else { &second };
        assert_eq!(book(app, "ada", start, &format!("m{i}@example.com")).await.0, 201);
    }
    drain_zoom_jobs(&first).await;
    let stats = first.zoom_stats(zoom["client_id"].as_str().unwrap()).await;
    assert_eq!(stats["meetings_created"], 11, "each job ran once: {stats}");
    assert_eq!(sandbox_meetings(&first, zoom["user_id"].as_str().unwrap()).await.len(), 11);
}

/// Meeting details name an invitee without a name by the address alone (not `x <x>`), and a
/// cancelled meeting shows why it was cancelled (page and API).
#[tokio::test]
async fn meeting_details_show_invitees_once_and_the_cancellation_reason() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, _) = host(&app, "ada").await;
    let body = json!({"topic": "Sync", "start": "2031-03-03T16:00:00Z", "duration_minutes": 30, "timezone": "UTC",
                      "invitees": [{"email": "grace@example.com"}]});
    let (status, meeting) = app.post_json("/api/v1/meetings", &body, Some(&token)).await;
    assert_eq!(status, 201, "{meeting}");
    let id = meeting["id"].as_str().unwrap();
    let login = [("email", "ada@example.com"), ("password", "correct horse battery")];
    assert!(app.client.post(app.at("/login")).form(&login).send().await.unwrap().status().is_success());
    let page = app.client.get(app.at(&format!("/meetings/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("grace@example.com"), "{page}");
    assert!(!page.contains("grace@example.com &lt;grace@example.com&gt;"), "the address once");

    let cancelled = app
        .client
        .post(app.at(&format!("/meetings/{id}/cancel")))
        .form(&[("reason", "Moved to Friday")])
        .send()
        .await
        .unwrap();
    assert!(cancelled.status().is_success(), "{}", cancelled.status());
    let page = app.client.get(app.at(&format!("/meetings/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Cancellation reason") && page.contains("Moved to Friday"), "{page}");
    let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}?live=false"), Some(&token)).await;
    assert_eq!(meeting["cancel_reason"], "Moved to Friday");
}

/// A meeting that is over reads as over: "Ended", no Start, Reschedule or Cancel, no live Zoom
/// state; the lists are grouped by day.
#[tokio::test]
async fn an_ended_meeting_does_not_look_live() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, _) = host(&app, "ada").await;
    let (id, _) = app.past_zoom_meeting(&token, "Retro", 2, json!([{"email": "grace@example.com"}])).await;
    let login = [("email", "ada@example.com"), ("password", "correct horse battery")];
    assert!(app.client.post(app.at("/login")).form(&login).send().await.unwrap().status().is_success());
    let page = app.client.get(app.at(&format!("/meetings/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<dd>Ended</dd>"), "{page}");
    for live in ["/start\"", "Reschedule", "Cancel this meeting", "In Zoom now"] {
        assert!(!page.contains(live), "{live} on an ended meeting");
    }
    let past = app.client.get(app.at("/meetings?when=past")).send().await.unwrap().text().await.unwrap();
    assert!(past.contains("class=\"day-heading\"") && past.contains(">Ended</span>"), "{past}");
    let upcoming = app.client.get(app.at("/meetings")).send().await.unwrap().text().await.unwrap();
    assert!(!upcoming.contains("Retro"), "not among the upcoming");
}
