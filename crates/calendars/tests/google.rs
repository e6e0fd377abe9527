//! The Google Calendar client against the provider sandbox (a Google Calendar v3 emulator
//! with Google's OAuth server; tokens come from driving its consent form and token endpoint),
//! and against wiremock for answers the sandbox does not give: 429 with `Retry-After`, a
//! usage-limit 403, a 5xx, oversized answers (with and without a length), a page token that
//! never ends, and per-calendar free/busy errors.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use calendars::google::{self, GoogleCalendar};
use calendars::{NewEvent, ProviderError, Window};
use jiff::Timestamp;
use provider_sandbox::{Provider, RunningSandbox, Sandbox, spawn};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;
use wiremock::matchers::{bearer_token, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "ya29.test-token";

fn init() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap()
}

fn client(base: &str) -> GoogleCalendar {
    GoogleCalendar::new(http(), base.parse().unwrap(), SecretString::from(TOKEN))
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn window() -> Window {
    Window::new(ts("2026-03-16T00:00:00Z"), ts("2026-03-23T00:00:00Z"))
}

/// Every failure is rendered without the token.
fn no_token(e: &ProviderError) {
    assert!(!format!("{e} {e:?}").contains(TOKEN), "{e:?}");
}

// ---- Against the sandbox ----

const ANA: &str = "ana@example.com";

async fn sandbox() -> RunningSandbox {
    init();
    spawn(Sandbox::in_memory(Provider::Google), "127.0.0.1:0").await.unwrap()
}

/// An access token for `email` with `scopes`: the consent form's Allow, then the code exchange.
async fn token(sb: &RunningSandbox, email: &str, scopes: &[&str]) -> SecretString {
    let app = sb.sandbox.create_client();
    let verifier = "calendars-test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let redirect = "http://127.0.0.1:9/oauth/google/callback";
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let scope = scopes.join(" ");
    let consent = http
        .post(format!("{}/o/oauth2/v2/auth", sb.url))
        .query(&[
            ("client_id", app.client_id.as_str()),
            ("redirect_uri", redirect),
            ("response_type", "code"),
            ("scope", scope.as_str()),
            ("state", "st"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("access_type", "offline"),
            ("login_hint", email),
        ])
        .form(&[("allow", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status(), 302);
    let location = Url::parse(consent.headers()["location"].to_str().unwrap()).unwrap();
    let code = location.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let answer: serde_json::Value = http
        .post(format!("{}/token", sb.url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    SecretString::from(answer["access_token"].as_str().expect("an access token").to_string())
}

async fn connected(sb: &RunningSandbox, email: &str) -> GoogleCalendar {
    GoogleCalendar::new(http(), sb.url.parse().unwrap(), token(sb, email, &google::SCOPES).await)
}

/// An event made in the user's primary calendar behind Prospo's back.
async fn add_event(sb: &RunningSandbox, email: &str, start: &str, end: &str, summary: &str, free: bool) -> String {
    let answer: serde_json::Value = http()
        .post(format!("{}/_sandbox/calendars/{email}/events", sb.url))
        .json(&json!({"start": start, "end": end, "summary": summary, "free": free}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["id"].as_str().unwrap().to_string()
}

/// The primary calendar as the sandbox holds it: (id, start, end, summary, description).
async fn stored_events(sb: &RunningSandbox, email: &str) -> Vec<serde_json::Value> {
    http().get(format!("{}/_sandbox/calendars/{email}/events", sb.url)).send().await.unwrap().json().await.unwrap()
}

async fn control(sb: &RunningSandbox, route: &str, body: serde_json::Value) -> serde_json::Value {
    let resp = http().post(format!("{}/_sandbox/{route}", sb.url)).json(&body).send().await.unwrap();
    assert!(resp.status().is_success(), "{route}: {}", resp.status());
    resp.json().await.unwrap_or(serde_json::Value::Null)
}

#[tokio::test]
async fn calendars_list_the_primary_under_the_account_email() {
    let sb = sandbox().await;
    let g = connected(&sb, ANA).await;
    control(&sb, &format!("users/{ANA}/calendars"), json!({"name": "Side projects"})).await;
    let calendars = g.calendars().await.unwrap();
    assert_eq!(calendars.len(), 2, "{calendars:?}");
    let primary = calendars.iter().find(|c| c.is_default).unwrap();
    assert_eq!(primary.id, ANA);
    assert!(primary.writable);
    assert!(calendars.iter().any(|c| c.name == "Side projects" && !c.is_default && c.writable));
}

#[tokio::test]
async fn free_busy_blocks_busy_events_only() {
    let sb = sandbox().await;
    let g = connected(&sb, ANA).await;
    add_event(&sb, ANA, "2026-03-17T09:00:00Z", "2026-03-17T10:00:00Z", "Busy", false).await;
    add_event(&sb, ANA, "2026-03-17T09:30:00Z", "2026-03-17T11:00:00Z", "Overlapping", false).await;
    add_event(&sb, ANA, "2026-03-18T09:00:00Z", "2026-03-18T10:00:00Z", "Free", true).await;
    let fb = g.free_busy(&[ANA, "nobody@example.org"], window()).await.unwrap();
    let busy: Vec<_> = fb[ANA].as_ref().unwrap().iter().map(|b| (b.start, b.end)).collect();
    assert_eq!(busy, [(ts("2026-03-17T09:00:00Z"), ts("2026-03-17T11:00:00Z"))]);
    assert_eq!(fb["nobody@example.org"], Err(ProviderError::NotFound));
}

#[tokio::test]
async fn free_busy_over_a_long_window_is_asked_in_pieces() {
    let sb = sandbox().await;
    let g = connected(&sb, ANA).await;
    // Across the first 60-day boundary (2026-03-02), and near the end of 200 days.
    add_event(&sb, ANA, "2026-03-01T23:00:00Z", "2026-03-02T01:00:00Z", "Night", false).await;
    add_event(&sb, ANA, "2026-07-10T09:00:00Z", "2026-07-10T10:00:00Z", "Late", false).await;
    let long = Window::new(ts("2026-01-01T00:00:00Z"), ts("2026-07-20T00:00:00Z"));
    let fb = g.free_busy(&[ANA], long).await.unwrap();
    let busy: Vec<_> = fb[ANA].as_ref().unwrap().iter().map(|b| (b.start, b.end)).collect();
    assert_eq!(
        busy,
        [
            (ts("2026-03-01T23:00:00Z"), ts("2026-03-02T01:00:00Z")),
            (ts("2026-07-10T09:00:00Z"), ts("2026-07-10T10:00:00Z"))
        ]
    );
}

fn meeting<'a>(id: &'a str, start: &str, attendees: &'a [(&'a str, &'a str)]) -> NewEvent<'a> {
    let start = ts(start);
    NewEvent {
        meeting_id: id,
        summary: "Intro call",
        description: "Notes: bring the deck",
        start,
        end: start + jiff::SignedDuration::from_mins(30),
        location: Some("https://zoom.us/j/123"),
        attendees,
    }
}

#[tokio::test]
async fn write_back_is_idempotent_and_recognised_as_prospos() {
    let sb = sandbox().await;
    let access = token(&sb, ANA, &google::SCOPES).await;
    let g = GoogleCalendar::new(http(), sb.url.parse().unwrap(), access.clone());
    let invitees = [("Bo Guest", "bo@example.net")];
    let m = "4b1c2d3e-0000-4000-8000-000000000001";
    let id = g.put_event(ANA, &meeting(m, "2026-03-19T14:00:00Z", &invitees)).await.unwrap();
    assert_eq!(id, google::event_id(m));
    // A retried create (the job ran twice) patches the same event.
    assert_eq!(g.put_event(ANA, &meeting(m, "2026-03-19T14:00:00Z", &invitees)).await.unwrap(), id);
    let stored = stored_events(&sb, ANA).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["summary"], "Intro call");
    assert_eq!(stored[0]["description"], "Notes: bring the deck");
    assert_eq!(stored[0]["start"], "2026-03-19T14:00:00Z");
    let raw: serde_json::Value = http()
        .get(format!("{}/calendar/v3/calendars/{ANA}/events/{id}", sb.url))
        .bearer_auth(access.expose_secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["iCalUID"], format!("{m}@prospo"));
    assert_eq!(raw["attendees"][0]["email"], "bo@example.net");
    assert_eq!(raw["attendees"][0]["displayName"], "Bo Guest");

    add_event(&sb, ANA, "2026-03-19T16:00:00Z", "2026-03-19T17:00:00Z", "Dentist", false).await;
    let listed = g.events(ANA, window(), "Europe/Berlin").await.unwrap();
    let uids: Vec<_> = listed.events.iter().map(|e| e.uid.as_deref().unwrap_or("")).collect();
    assert_eq!(uids[0], format!("{m}@prospo"));
    assert!(uids[1].ends_with("@google.com"), "{uids:?}");
    assert_eq!(listed.events[1].title.as_deref(), Some("Dentist"));

    // A reschedule moves it; a cancel deletes it, twice without error.
    g.update_event(ANA, &id, &meeting(m, "2026-03-20T08:00:00Z", &invitees)).await.unwrap();
    let stored = stored_events(&sb, ANA).await;
    let ours = stored.iter().find(|e| e["id"] == id.as_str()).unwrap();
    assert_eq!(ours["start"], "2026-03-20T08:00:00Z");
    assert_eq!(ours["location"], "https://zoom.us/j/123");
    g.delete_event(ANA, &id).await.unwrap();
    g.delete_event(ANA, &id).await.unwrap();
    assert_eq!(stored_events(&sb, ANA).await.len(), 1);
    // Booked again after the cancel: the same id comes back.
    assert_eq!(g.put_event(ANA, &meeting(m, "2026-03-21T08:00:00Z", &invitees)).await.unwrap(), id);
    assert_eq!(stored_events(&sb, ANA).await.len(), 2);
    assert_eq!(
        g.update_event(ANA, "unknownevent1", &meeting(m, "2026-03-21T08:00:00Z", &[])).await,
        Err(ProviderError::NotFound)
    );
}

#[tokio::test]
async fn events_skip_free_ones_and_read_all_day_in_the_host_zone() {
    let sb = sandbox().await;
    let access = token(&sb, ANA, &google::SCOPES).await;
    let g = GoogleCalendar::new(http(), sb.url.parse().unwrap(), access.clone());
    add_event(&sb, ANA, "2026-03-17T09:00:00Z", "2026-03-17T10:00:00Z", "Focus", false).await;
    add_event(&sb, ANA, "2026-03-17T12:00:00Z", "2026-03-17T13:00:00Z", "Lunch (free)", true).await;
    // An all-day event and a cancelled one, made by another Google client.
    for body in [
        json!({"summary": "Offsite", "start": {"date": "2026-03-18"}, "end": {"date": "2026-03-19"}}),
        json!({"summary": "Called off", "status": "cancelled",
               "start": {"dateTime": "2026-03-19T09:00:00Z"}, "end": {"dateTime": "2026-03-19T10:00:00Z"}}),
    ] {
        let resp = http()
            .post(format!("{}/calendar/v3/calendars/primary/events", sb.url))
            .bearer_auth(access.expose_secret())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
    }
    let listed = g.events("primary", window(), "America/New_York").await.unwrap();
    let got: Vec<_> = listed.events.iter().map(|e| (e.title.as_deref().unwrap(), e.start, e.end)).collect();
    assert_eq!(
        got,
        [
            ("Focus", ts("2026-03-17T09:00:00Z"), ts("2026-03-17T10:00:00Z")),
            ("Offsite", ts("2026-03-18T04:00:00Z"), ts("2026-03-19T04:00:00Z")),
        ]
    );
    assert!(listed.sync_token.is_some());
    assert!(matches!(g.events("primary", window(), "Not/AZone").await, Err(ProviderError::Protocol(_))));
}

#[tokio::test]
async fn sync_tokens_mark_changes_and_expire() {
    let sb = sandbox().await;
    let g = connected(&sb, ANA).await;
    add_event(&sb, ANA, "2026-03-17T09:00:00Z", "2026-03-17T10:00:00Z", "Standing", false).await;
    let token = g.events(ANA, window(), "UTC").await.unwrap().sync_token.unwrap();
    let quiet = g.changed_since(ANA, &token).await.unwrap();
    assert!(!quiet.changed);
    add_event(&sb, ANA, "2026-03-18T09:00:00Z", "2026-03-18T10:00:00Z", "New", false).await;
    let moved = g.changed_since(ANA, &quiet.token).await.unwrap();
    assert!(moved.changed);
    assert!(!g.changed_since(ANA, &moved.token).await.unwrap().changed);
    control(&sb, &format!("calendars/{ANA}/sync-reset"), json!({})).await;
    assert_eq!(g.changed_since(ANA, &moved.token).await, Err(ProviderError::Gone));
}

#[tokio::test]
async fn missing_scopes_and_revoked_tokens() {
    let sb = sandbox().await;
    let events_only =
        GoogleCalendar::new(http(), sb.url.parse().unwrap(), token(&sb, ANA, &[google::SCOPE_EVENTS]).await);
    assert!(matches!(events_only.calendars().await, Err(ProviderError::Forbidden(_))));
    assert!(matches!(events_only.free_busy(&[ANA], window()).await, Err(ProviderError::Forbidden(_))));
    assert!(events_only.events(ANA, window(), "UTC").await.is_ok());

    let g = connected(&sb, ANA).await;
    control(&sb, &format!("users/{ANA}/revoke"), json!({})).await;
    let err = g.calendars().await.unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
    no_token(&err);
}

// ---- Against wiremock: what the sandbox does not produce ----

#[tokio::test]
async fn rate_limits_carry_retry_after() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7").set_body_json(json!({
            "error": {"errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded", "message": "Rate Limit Exceeded"}],
                      "code": 429, "message": "Rate Limit Exceeded"}
        })))
        .mount(&server)
        .await;
    let err = client(&server.uri()).calendars().await.unwrap_err();
    assert_eq!(err, ProviderError::RateLimited { retry_after: Some(Duration::from_secs(7)) });
    assert!(err.is_transient());
    no_token(&err);
}

#[tokio::test]
async fn usage_limit_403_is_a_rate_limit_and_scope_403_is_forbidden() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calendar/v3/freeBusy"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "error": {"errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded", "message": "User Rate Limit Exceeded"}],
                      "code": 403, "message": "User Rate Limit Exceeded"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "error": {"code": 403, "message": "Request had insufficient authentication scopes.",
                      "errors": [{"message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions"}],
                      "status": "PERMISSION_DENIED",
                      "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                   "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "domain": "googleapis.com"}]}
        })))
        .mount(&server)
        .await;
    let g = client(&server.uri());
    assert_eq!(
        g.free_busy(&["a@example.com"], window()).await.unwrap_err(),
        ProviderError::RateLimited { retry_after: None }
    );
    assert_eq!(g.calendars().await.unwrap_err(), ProviderError::Forbidden("ACCESS_TOKEN_SCOPE_INSUFFICIENT".into()));
}

#[tokio::test]
async fn server_errors_are_unavailable() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>Service Unavailable</html>"))
        .mount(&server)
        .await;
    let err = client(&server.uri()).events("primary", window(), "UTC").await.unwrap_err();
    assert_eq!(err, ProviderError::Unavailable("HTTP 503".into()));
    assert!(err.is_transient());
}

#[tokio::test]
async fn oversized_answers_are_refused() {
    init();
    let server = MockServer::start().await;
    let huge = format!("{{\"items\": [], \"pad\": \"{}\"}}", "x".repeat(calendars::provider::MAX_BODY));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
        .mount(&server)
        .await;
    let err = client(&server.uri()).calendars().await.unwrap_err();
    assert_eq!(err, ProviderError::TooLarge { limit: calendars::provider::MAX_BODY });
}

/// Without `Content-Length` the limit applies while reading the chunks.
#[tokio::test]
async fn oversized_chunked_answers_are_refused() {
    init();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        if sock.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b' '; 1024 * 1024];
        for _ in 0..12 {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if sock.write_all(&framed).await.is_err() {
                return;
            }
        }
        let _ = sock.write_all(b"0\r\n\r\n").await;
    });
    let err = client(&base).calendars().await.unwrap_err();
    assert_eq!(err, ProviderError::TooLarge { limit: calendars::provider::MAX_BODY });
}

#[tokio::test]
async fn a_page_token_that_never_ends_is_refused() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [], "nextPageToken": "again"})))
        .mount(&server)
        .await;
    assert!(matches!(client(&server.uri()).calendars().await, Err(ProviderError::Protocol(_))));
}

#[tokio::test]
async fn free_busy_errors_belong_to_their_calendar() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calendar/v3/freeBusy"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#freeBusy", "timeMin": "2026-03-16T00:00:00.000Z", "timeMax": "2026-03-23T00:00:00.000Z",
            "calendars": {
                "me@example.com": {"busy": [{"start": "2026-03-17T09:00:00Z", "end": "2026-03-17T10:00:00Z"}]},
                "gone@example.com": {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []},
                "flaky@example.com": {"errors": [{"domain": "global", "reason": "backendError"}], "busy": []}
            }
        })))
        .mount(&server)
        .await;
    let ids = ["me@example.com", "gone@example.com", "flaky@example.com", "missing@example.com"];
    let fb = client(&server.uri()).free_busy(&ids, window()).await.unwrap();
    let mine = fb["me@example.com"].as_ref().unwrap();
    assert_eq!((mine.len(), mine[0].start), (1, ts("2026-03-17T09:00:00Z")));
    assert_eq!(fb["gone@example.com"], Err(ProviderError::NotFound));
    assert_eq!(fb["flaky@example.com"], Err(ProviderError::Unavailable("backendError".into())));
    assert!(matches!(fb["missing@example.com"], Err(ProviderError::Protocol(_))), "never silently empty");
}

#[tokio::test]
async fn free_busy_requests_stay_within_googles_limits() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/calendar/v3/freeBusy"))
        .respond_with(|req: &wiremock::Request| {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            let calendars: serde_json::Map<String, serde_json::Value> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| (i["id"].as_str().unwrap().to_string(), json!({"busy": []})))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({"calendars": calendars}))
        })
        .mount(&server)
        .await;
    let ids: Vec<String> = (0..51).map(|i| format!("c{i}@example.com")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let long = Window::new(ts("2026-01-01T00:00:00Z"), ts("2026-04-15T00:00:00Z"));
    let fb = client(&server.uri()).free_busy(&ids, long).await.unwrap();
    assert_eq!(fb.len(), 51);
    assert!(fb.values().all(Result::is_ok));
    let requests = server.received_requests().await.unwrap();
    // 104 days in two spans, 51 calendars in two chunks.
    assert_eq!(requests.len(), 4);
    for r in &requests {
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert!(body["items"].as_array().unwrap().len() <= 50);
        let (min, max) = (ts(body["timeMin"].as_str().unwrap()), ts(body["timeMax"].as_str().unwrap()));
        assert!(max.duration_since(min) <= jiff::SignedDuration::from_hours(60 * 24));
        assert_eq!(body["timeZone"], "UTC");
    }
}

#[tokio::test]
async fn sync_token_expiry_is_gone() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/primary/events"))
        .and(query_param("syncToken", "old"))
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({
            "error": {"errors": [{"domain": "calendar", "reason": "fullSyncRequired",
                                  "message": "Sync token is no longer valid, a full sync is required."}],
                      "code": 410, "message": "Sync token is no longer valid, a full sync is required."}
        })))
        .mount(&server)
        .await;
    assert_eq!(client(&server.uri()).changed_since("primary", "old").await.unwrap_err(), ProviderError::Gone);
}
