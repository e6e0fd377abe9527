//! Connected calendars through the API (product.md §7) with an ICS feed the test serves itself:
//! busy times block slots, a conflict that appears after the page was read is caught at submit,
//! failures turn the connection to Needs attention (one mail), stale knowledge refuses bookings,
//! bad URLs are refused with nothing stored, and no secret comes back.

use jiff::{SignedDuration, Timestamp, ToSpan};
use serde_json::{Value, json};

use crate::support::feed::{FeedServer, calendar};
use crate::{TestApp, on_both_backends};

/// Tomorrow at `hh:mm` UTC, as (RFC 3339, iCalendar UTC form).
pub fn tomorrow_at(hh: i8, mm: i8) -> (String, String) {
    let date = jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).date().checked_add(1.day()).unwrap();
    let at = date.at(hh, mm, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp();
    (at.to_string(), at.strftime("%Y%m%dT%H%M%SZ").to_string())
}

fn tomorrow() -> String {
    jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).date().checked_add(1.day()).unwrap().to_string()
}

async fn slots(app: &TestApp, username: &str) -> Vec<String> {
    let date = tomorrow();
    let (status, body) =
        app.get_json(&format!("/api/v1/public/{username}/call/slots?from={date}&to={date}&timezone=UTC"), None).await;
    assert_eq!(status, 200, "{body}");
    body["slots"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
}

async fn book(app: &TestApp, username: &str, start: &str) -> (u16, Value) {
    let body = json!({"start": start, "name": "Sam Okafor", "email": "sam@example.com", "timezone": "UTC"});
    app.post_json(&format!("/api/v1/public/{username}/call/bookings"), &body, None).await
}

fn has_slot(slots: &[String], start: &str) -> bool {
    let start: Timestamp = start.parse().unwrap();
    slots.iter().any(|s| s.parse::<Timestamp>().unwrap() == start)
}

async fn add_feed(app: &TestApp, token: &str, url: &str) -> (u16, Value) {
    app.post_json("/api/v1/calendars/ics", &json!({"url": url, "name": "Work"}), Some(token)).await
}

on_both_backends! {
    async fn a_feed_blocks_its_busy_times_and_a_late_conflict_is_refused_at_submit(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.bookable_host("ada", "Call", "call").await;
        let (ten, ten_ics) = tomorrow_at(10, 0);
        let (_, eleven_ics) = tomorrow_at(11, 0);
        let feed = FeedServer::start(&calendar(&[(&ten_ics, &eleven_ics, "Dentist")])).await;
        let (eleven_thirty, _) = tomorrow_at(11, 30);
        assert!(has_slot(&slots(&app, "ada").await, &ten), "free before the feed is connected");

        let (status, connection) = add_feed(&app, &token, &feed.url).await;
        assert_eq!(status, 201, "{connection}");
        assert_eq!(connection["provider"], "ics");
        assert_eq!(connection["status"], "connected");
        assert_eq!(connection["account"], "127.0.0.1");
        assert_eq!(connection["calendars"][0]["check_conflicts"], true);
        assert_eq!(connection["calendars"][0]["writable"], false);
        assert!(connection["last_synced_at"].is_string());
        // The feed URL is a credential: only its host and last four characters come back.
        let text = connection.to_string();
        assert!(!text.contains("secret-feed-k3y9"), "{text}");
        assert_eq!(connection["url"], "http://127.0.0.1/….ics");

        let offered = slots(&app, "ada").await;
        assert!(!has_slot(&offered, &ten), "the busy event blocks its slot");
        assert!(has_slot(&offered, &eleven_thirty));
        let (status, body) = book(&app, "ada", &ten).await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("slot_taken")), "{body}");

        // A conflict that appears after the page was read: the live check at submit finds it.
        let (start, end) = (tomorrow_at(11, 30).1, tomorrow_at(12, 0).1);
        feed.set_feed(&calendar(&[(&ten_ics, &eleven_ics, "Dentist"), (&start, &end, "Call with the bank")]));
        assert!(has_slot(&slots(&app, "ada").await, &eleven_thirty), "the cache has not seen it yet");
        let (status, body) = book(&app, "ada", &eleven_thirty).await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("slot_taken")), "{body}");
        assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 0);

        // A free time books.
        let (fourteen, _) = tomorrow_at(14, 0);
        let (status, body) = book(&app, "ada", &fourteen).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["meeting"]["calendar"]["status"], "none", "a feed is never written to");
    }
}

on_both_backends! {
    async fn an_unreadable_feed_needs_attention_keeps_blocking_and_refuses_once_stale(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.bookable_host("ada", "Call", "call").await;
        let (ten, ten_ics) = tomorrow_at(10, 0);
        let (_, eleven_ics) = tomorrow_at(11, 0);
        let feed = FeedServer::start(&calendar(&[(&ten_ics, &eleven_ics, "Dentist")])).await;
        let (_, connection) = add_feed(&app, &token, &feed.url).await;
        let id = connection["id"].as_str().unwrap().to_owned();

        feed.fail_with(500);
        let (status, synced) = app.post_json(&format!("/api/v1/calendars/{id}/sync"), &json!({}), Some(&token)).await;
        assert_eq!(status, 200, "{synced}");
        assert_eq!(synced["status"], "needs_attention");
        assert_eq!(synced["error"]["code"], "calendar_unavailable");
        // The last known busy times keep blocking.
        assert!(!has_slot(&slots(&app, "ada").await, &ten));
        // Within 15 minutes of the last good read, a booking elsewhere goes through on the cache.
        let (fourteen, _) = tomorrow_at(14, 0);
        let (status, body) = book(&app, "ada", &fourteen).await;
        assert_eq!(status, 201, "{body}");
        let (status, _) = app.post_json(&format!("/api/v1/calendars/{id}/sync"), &json!({}), Some(&token)).await;
        assert_eq!(status, 200);
        let alerts = app.queued_mails("alert_connection").await;
        assert_eq!(alerts.len(), 1, "the host is told once per episode");
        assert!(alerts[0].subject.contains("calendar needs attention"), "{}", alerts[0].subject);
        assert!(!alerts[0].text_body.contains("secret-feed"), "no feed URL in mail");

        // Older than 15 minutes and still unreadable: refused, never accepted blindly.
        app.state.clock.advance(SignedDuration::from_mins(16));
        let (fifteen, _) = tomorrow_at(15, 0);
        let (status, body) = book(&app, "ada", &fifteen).await;
        assert_eq!((status, body["error"]["code"].as_str()), (503, Some("calendar_unavailable")), "{body}");

        // Readable again: Connected, and bookings go through.
        feed.set_feed(&calendar(&[(&ten_ics, &eleven_ics, "Dentist")]));
        let (_, synced) = app.post_json(&format!("/api/v1/calendars/{id}/sync"), &json!({}), Some(&token)).await;
        assert_eq!(synced["status"], "connected");
        assert!(synced.get("error").is_none());
        let (status, body) = book(&app, "ada", &fifteen).await;
        assert_eq!(status, 201, "{body}");
    }
}

on_both_backends! {
    async fn refused_feed_addresses_store_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let feed = FeedServer::start("<html><body>Sign in</body></html>").await;
        let cases = [
            // Not listed in --allow-private-targets: `localhost` resolves to loopback.
            (format!("http://localhost:{}/secret-feed-k3y9.ics", feed.port), 422, "url_not_allowed"),
            ("http://10.1.2.3/feed.ics".to_owned(), 422, "url_not_allowed"),
            ("ftp://example.com/feed.ics".to_owned(), 422, "invalid_url"),
            ("https://user:pw@example.com/feed.ics".to_owned(), 422, "invalid_url"),
            ("https://no-such-host.invalid/feed.ics".to_owned(), 422, "invalid_url"),
            ("not a url".to_owned(), 422, "invalid_url"),
            (feed.url.clone(), 422, "ics_invalid"),
            // A resolvable server that does not answer.
            ("http://127.0.0.1:9/feed.ics".to_owned(), 503, "calendar_unavailable"),
        ];
        for (url, status, code) in cases {
            let (got, body) = add_feed(&app, &token, &url).await;
            assert_eq!((got, body["error"]["code"].as_str()), (status, Some(code)), "{url}: {body}");
        }
        feed.serve_huge(11 * 1024 * 1024);
        let (status, body) = add_feed(&app, &token, &feed.url).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("ics_too_large")), "{body}");
        assert_eq!(app.count("SELECT COUNT(*) FROM calendar_connections").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM calendars").await, 0);
        let (status, body) = app.get_json("/api/v1/calendars", Some(&token)).await;
        assert_eq!((status, body["connections"].as_array().map(Vec::len)), (200, Some(0)));
    }
}

on_both_backends! {
    async fn the_busy_day_names_every_source(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.bookable_host("ada", "Call", "call").await;
        let (_, ten_ics) = tomorrow_at(10, 0);
        let (_, eleven_ics) = tomorrow_at(11, 0);
        let feed = FeedServer::start(&calendar(&[(&ten_ics, &eleven_ics, "Dentist")])).await;
        let (_, connection) = add_feed(&app, &token, &feed.url).await;
        let (fourteen, _) = tomorrow_at(14, 0);
        let (status, booked) = book(&app, "ada", &fourteen).await;
        assert_eq!(status, 201, "{booked}");

        let (status, day) = app.get_json(&format!("/api/v1/availability/busy?date={}", tomorrow()), Some(&token)).await;
        assert_eq!(status, 200, "{day}");
        assert_eq!(day["timezone"], "UTC");
        assert_eq!(day["hours"], json!([["00:00", "23:59"]]));
        let busy = day["busy"].as_array().unwrap();
        assert_eq!(busy.len(), 2, "{day}");
        assert_eq!(busy[0]["source"], "calendar");
        assert_eq!(busy[0]["title"], "Dentist");
        assert_eq!(busy[0]["connection_id"], connection["id"]);
        assert_eq!(busy[0]["calendar_id"], connection["calendars"][0]["id"]);
        assert_eq!(busy[1]["source"], "meeting");
        assert_eq!(busy[1]["meeting_id"], booked["meeting"]["id"]);
        let (status, body) = app.get_json("/api/v1/availability/busy?date=tomorrow", Some(&token)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_date")));

        // Removing the connection removes its busy times; Bob sees none of Ada's connections.
        let bob = app.sign_up("bob").await;
        let path = format!("/api/v1/calendars/{}", connection["id"].as_str().unwrap());
        assert_eq!(app.get_json(&path, Some(&bob)).await.0, 404);
        assert_eq!(app.delete(&path, Some(&bob)).await.0, 404);
        assert_eq!(app.delete(&path, Some(&token)).await.0, 204);
        assert_eq!(app.count("SELECT COUNT(*) FROM calendar_busy").await, 0);
    }
}
