//! CalDAV calendars against real servers (Radicale and Xandikos, started per test on loopback
//! ports): discovery, a busy event blocking its slot, the booking written into the host's calendar
//! with its Zoom link, moved on reschedule and removed on cancel; Prospo's own event never blocks
//! its meeting; wrong passwords and unreachable servers store nothing.

use std::time::Duration;

use calendars::test_servers::{Kind, PASSWORD, TestServer, USER};
use serde_json::{Value, json};

use crate::calendars::tomorrow_at;
use crate::{Backend, TestApp, on_both_backends};

fn busy_ics(uid: &str, start: &str, end: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

async fn offered(app: &TestApp, start: &str) -> bool {
    let date = &start[..10];
    let (status, body) =
        app.get_json(&format!("/api/v1/public/ada/call/slots?from={date}&to={date}&timezone=UTC"), None).await;
    assert_eq!(status, 200, "{body}");
    let start: jiff::Timestamp = start.parse().unwrap();
    body["slots"].as_array().unwrap().iter().any(|s| s.as_str().unwrap().parse::<jiff::Timestamp>().unwrap() == start)
}

async fn book(app: &TestApp, start: &str) -> (u16, Value) {
    let body = json!({"start": start, "name": "Sam Okafor", "email": "sam@example.com", "timezone": "UTC", "notes": "About the roof"});
    app.post_json("/api/v1/public/ada/call/bookings", &body, None).await
}

/// The meeting once its Zoom meeting and its calendar event are both done.
async fn settled(app: &TestApp, token: &str, id: &str, want: &str) -> Value {
    let mut meeting = Value::Null;
    for _ in 0..100 {
        let (_, details) = app.get_json(&format!("/api/v1/meetings/{id}?live=false"), Some(token)).await;
        meeting = details;
        let zoom_done = meeting["zoom"]["status"] != "pending";
        if zoom_done && meeting["calendar"]["status"] == want {
            return meeting;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("meeting {id} did not reach calendar status {want}: {meeting}");
}

async fn event_in(server: &TestServer, calendar: &url::Url, meeting_id: &str) -> (u16, String) {
    server.raw("GET", &calendar.join(&format!("prospo-{meeting_id}.ics")).unwrap(), &[], None).await.unwrap()
}

async fn full_flow(backend: Backend, kind: Kind) {
    let Some(server) = TestServer::from_env(kind) else { return };
    let work = server.mkcalendar("work", "Work", Some("#3366CCFF")).await.unwrap();
    server.mkcalendar("personal", "Personal", None).await.unwrap();
    let app = TestApp::spawn(backend).await;
    let token = app.bookable_host("ada", "Call", "call").await;

    if kind == Kind::Radicale {
        let wrong = json!({"url": server.base_url().as_str(), "username": USER, "password": "wrong"});
        let (status, body) = app.post_json("/api/v1/calendars/caldav", &wrong, Some(&token)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("caldav_auth_failed")), "{body}");
        assert_eq!(app.count("SELECT COUNT(*) FROM calendar_connections").await, 0);
    }

    // From the server's root: Prospo finds the principal, the home and every calendar.
    let add = json!({"url": server.base_url().as_str(), "username": USER, "password": PASSWORD});
    let (status, connection) = app.post_json("/api/v1/calendars/caldav", &add, Some(&token)).await;
    assert_eq!(status, 201, "{connection}");
    assert_eq!(connection["provider"], "caldav");
    assert_eq!(connection["account"], USER);
    assert!(!connection.to_string().contains(PASSWORD));
    let calendars = connection["calendars"].as_array().unwrap();
    let names: Vec<&str> = calendars.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Work") && names.contains(&"Personal"), "{names:?}");
    assert_eq!(calendars.iter().filter(|c| c["write_bookings"] == true).count(), 1, "one primary writes bookings");
    assert_eq!(calendars.iter().filter(|c| c["check_conflicts"] == true).count(), 1);
    let id = connection["id"].as_str().unwrap().to_owned();
    let work_id = calendars.iter().find(|c| c["name"] == "Work").unwrap()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/calendars/{id}/calendars/{work_id}");
    let (status, changed) =
        app.patch_json(&path, &json!({"check_conflicts": true, "write_bookings": true}), Some(&token)).await;
    assert_eq!(status, 200, "{changed}");
    let writers: Vec<&Value> =
        changed["calendars"].as_array().unwrap().iter().filter(|c| c["write_bookings"] == true).collect();
    assert_eq!(writers.len(), 1);
    assert_eq!(writers[0]["id"], work_id.as_str());

    // A busy event blocks its slot once read.
    let (ten, ten_ics) = tomorrow_at(10, 0);
    let (_, eleven_ics) = tomorrow_at(11, 0);
    server.put_ics(&work, "dentist.ics", &busy_ics("dentist-1", &ten_ics, &eleven_ics, "Dentist")).await.unwrap();
    let (status, synced) = app.post_json(&format!("/api/v1/calendars/{id}/sync"), &json!({}), Some(&token)).await;
    assert_eq!((status, synced["status"].as_str()), (200, Some("connected")), "{synced}");
    assert!(!offered(&app, &ten).await, "the busy event blocks its slot");
    let (status, body) = book(&app, &ten).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("slot_taken")), "{body}");

    // A booking lands in the Work calendar with its Zoom link.
    let (fourteen, _) = tomorrow_at(14, 0);
    let (status, booked) = book(&app, &fourteen).await;
    assert_eq!(status, 201, "{booked}");
    let manage = booked["manage_token"].as_str().unwrap().to_owned();
    let meeting_id = booked["meeting"]["id"].as_str().unwrap().to_owned();
    let meeting = settled(&app, &token, &meeting_id, "written").await;
    let join_url = meeting["zoom"]["join_url"].as_str().expect("zoom join url").to_owned();
    let (status, event) = event_in(&server, &work, &meeting_id).await;
    assert_eq!(status, 200, "{event}");
    let unfolded = event.replace("\r\n ", "");
    assert!(unfolded.contains(&format!("UID:{meeting_id}@prospo")), "{unfolded}");
    assert!(unfolded.contains(&join_url), "the join link is in the event: {unfolded}");
    assert!(unfolded.contains("SCHEDULE-AGENT=CLIENT"), "{unfolded}");
    assert!(unfolded.contains("Sam Okafor") && unfolded.contains("About the roof"), "{unfolded}");
    assert!(!unfolded.contains("METHOD:"), "a stored resource has no METHOD");

    // Prospo's own event never blocks the meeting it mirrors (nor counts as a calendar conflict).
    let (_, synced) = app.post_json(&format!("/api/v1/calendars/{id}/sync"), &json!({}), Some(&token)).await;
    assert_eq!(synced["status"], "connected");
    let date = &fourteen[..10];
    let (_, day) = app.get_json(&format!("/api/v1/availability/busy?date={date}"), Some(&token)).await;
    let sources: Vec<&str> = day["busy"].as_array().unwrap().iter().map(|b| b["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["calendar", "meeting"], "{day}");

    // Reschedule moves the event; cancel removes it.
    let (fifteen, fifteen_ics) = tomorrow_at(15, 0);
    let (status, moved) =
        app.post_json(&format!("/api/v1/bookings/{manage}/reschedule"), &json!({"start": fifteen}), None).await;
    assert_eq!(status, 200, "{moved}");
    settled(&app, &token, &meeting_id, "written").await;
    let (_, event) = event_in(&server, &work, &meeting_id).await;
    assert!(event.contains(&format!("DTSTART:{fifteen_ics}")), "{event}");
    let (status, _) = app.post_json(&format!("/api/v1/bookings/{manage}/cancel"), &json!({}), None).await;
    assert_eq!(status, 200);
    settled(&app, &token, &meeting_id, "written").await;
    let (status, _) = event_in(&server, &work, &meeting_id).await;
    assert_eq!(status, 404, "the cancelled booking's event is gone");
    assert_eq!(app.count("SELECT COUNT(*) FROM jobs WHERE queue = 'calendar' AND subject LIKE 'write:%'").await, 0);
}

on_both_backends! {
    async fn radicale_discovery_busy_times_and_write_back(backend: Backend) {
        full_flow(backend, Kind::Radicale).await;
    }
}

on_both_backends! {
    async fn xandikos_discovery_busy_times_and_write_back(backend: Backend) {
        full_flow(backend, Kind::Xandikos).await;
    }
}

on_both_backends! {
    async fn a_calendar_url_or_principal_finds_the_calendars_and_bad_servers_store_nothing(backend: Backend) {
        let Some(server) = TestServer::from_env(Kind::Radicale) else { return };
        let work = server.mkcalendar("work", "Work", None).await.unwrap();
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        for url in [work.as_str().to_owned(), server.principal_url().to_string()] {
            let add = json!({"url": url, "username": USER, "password": PASSWORD});
            let (status, connection) = app.post_json("/api/v1/calendars/caldav", &add, Some(&token)).await;
            assert_eq!(status, 201, "{url}: {connection}");
            assert!(connection["calendars"].as_array().unwrap().iter().any(|c| c["name"] == "Work"), "{connection}");
            let path = format!("/api/v1/calendars/{}", connection["id"].as_str().unwrap());
            assert_eq!(app.delete(&path, Some(&token)).await.0, 204);
        }
        let cases = [
            // Nothing listens there.
            (json!({"url": "http://127.0.0.1:9/", "username": USER, "password": PASSWORD}), 503, "calendar_unavailable"),
            // A web server that is not CalDAV: Prospo's own home page.
            (json!({"url": app.at("/login"), "username": USER, "password": PASSWORD}), 422, "caldav_not_found"),
            // Not listed in --allow-private-targets.
            (json!({"url": format!("http://localhost:{}/", server.port), "username": USER, "password": PASSWORD}), 422, "url_not_allowed"),
            // A password never travels over plain http to a host that is not listed.
            (json!({"url": "http://caldav.example.com/", "username": USER, "password": PASSWORD}), 422, "invalid_url"),
        ];
        for (body, status, code) in cases {
            let (got, answer) = app.post_json("/api/v1/calendars/caldav", &body, Some(&token)).await;
            assert_eq!((got, answer["error"]["code"].as_str()), (status, Some(code)), "{body}: {answer}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM calendar_connections").await, 0);
    }
}

on_both_backends! {
    async fn a_wrong_password_later_turns_the_connection_to_needs_attention(backend: Backend) {
        let Some(server) = TestServer::from_env(Kind::Radicale) else { return };
        server.mkcalendar("work", "Work", None).await.unwrap();
        let app = TestApp::spawn(backend).await;
        let token = app.bookable_host("ada", "Call", "call").await;
        let add = json!({"url": server.base_url().as_str(), "username": USER, "password": PASSWORD});
        let (_, connection) = app.post_json("/api/v1/calendars/caldav", &add, Some(&token)).await;
        let id = connection["id"].as_str().unwrap().to_owned();
        // The first background read is done before the password changes.
        app.wait_for_due_jobs("calendar").await;
        // The password changes on the server side (an app password revoked): re-seal a wrong one.
        let sealed = app.state.secrets.seal_str(
            "revoked",
            prospo::secrets::Binding { owner: connection_owner(&app).await.as_str(), field: "calendar.secret" },
        );
        match &app.db {
            prospo::store::Db::Sqlite(pool) => {
                sqlx::query("UPDATE calendar_connections SET secret_sealed = $1").bind(&sealed).execute(pool).await.unwrap();
            }
            prospo::store::Db::Postgres(pool) => {
                sqlx::query("UPDATE calendar_connections SET secret_sealed = $1").bind(&sealed).execute(pool).await.unwrap();
            }
        }
        let (_, synced) = app.post_json(&format!("/api/v1/calendars/{id}/sync"), &json!({}), Some(&token)).await;
        assert_eq!(synced["status"], "needs_attention", "{synced}");
        assert_eq!(synced["error"]["code"], "caldav_auth_failed");
        assert_eq!(app.queued_mails("alert_connection").await.len(), 1);
    }
}

async fn connection_owner(app: &TestApp) -> String {
    match &app.db {
        prospo::store::Db::Sqlite(pool) => {
            sqlx::query_scalar("SELECT user_id FROM calendar_connections").fetch_one(pool).await.unwrap()
        }
        prospo::store::Db::Postgres(pool) => {
            sqlx::query_scalar("SELECT user_id FROM calendar_connections").fetch_one(pool).await.unwrap()
        }
    }
}
