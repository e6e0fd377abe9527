//! The Microsoft Graph client against the provider sandbox (a Graph v1.0 calendar emulator
//! with Microsoft's OAuth server; tokens come from driving its consent form and token
//! endpoint), and against wiremock for answers the sandbox does not give: 429 and 503 with
//! `Retry-After`, a 5xx, an oversized answer, an expired delta link, and paging links that
//! point away from the API (the token must not follow them).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use calendars::microsoft::{self, MicrosoftCalendar};
use calendars::{NewEvent, ProviderError, Window};
use jiff::Timestamp;
use provider_sandbox::{Provider, RunningSandbox, Sandbox, spawn};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;
use url::Url;
use wiremock::matchers::{bearer_token, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "EwBwA8l6BAAU-test-token";

fn init() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap()
}

fn client(server: &MockServer) -> MicrosoftCalendar {
    MicrosoftCalendar::new(http(), format!("{}/v1.0", server.uri()).parse().unwrap(), SecretString::from(TOKEN))
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn window() -> Window {
    Window::new(ts("2026-03-16T00:00:00Z"), ts("2026-03-23T00:00:00Z"))
}

fn graph_error(code: &str, message: &str) -> serde_json::Value {
    json!({"error": {"code": code, "message": message,
        "innerError": {"date": "2026-03-20T09:00:00", "request-id": "b0a2c9f2-0000-4000-8000-000000000000"}}})
}

// ---- Against the sandbox ----

const ANA: &str = "ana@contoso.example";

async fn sandbox() -> RunningSandbox {
    init();
    spawn(Sandbox::in_memory(Provider::Microsoft), "127.0.0.1:0").await.unwrap()
}

/// An access token for `email` with `scopes`: the consent form's Allow, then the code exchange.
async fn token(sb: &RunningSandbox, email: &str, scopes: &[&str]) -> SecretString {
    let app = sb.sandbox.create_client();
    let verifier = "calendars-test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let redirect = "http://127.0.0.1:9/oauth/microsoft/callback";
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let scope = scopes.join(" ");
    let consent = http
        .post(format!("{}/common/oauth2/v2.0/authorize", sb.url))
        .query(&[
            ("client_id", app.client_id.as_str()),
            ("redirect_uri", redirect),
            ("response_type", "code"),
            ("response_mode", "query"),
            ("scope", scope.as_str()),
            ("state", "st"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
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
        .post(format!("{}/common/oauth2/v2.0/token", sb.url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
            ("code_verifier", verifier),
            ("scope", scope.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    SecretString::from(answer["access_token"].as_str().expect("an access token").to_string())
}

fn graph(sb: &RunningSandbox, access: SecretString) -> MicrosoftCalendar {
    MicrosoftCalendar::new(http(), format!("{}/v1.0", sb.url).parse().unwrap(), access)
}

async fn connected(sb: &RunningSandbox, email: &str) -> MicrosoftCalendar {
    graph(sb, token(sb, email, &microsoft::SCOPES).await)
}

/// An event made in the user's default calendar behind Prospo's back.
async fn add_event(sb: &RunningSandbox, email: &str, start: &str, end: &str, summary: &str, free: bool) {
    let resp = http()
        .post(format!("{}/_sandbox/calendars/{email}/events", sb.url))
        .json(&json!({"start": start, "end": end, "summary": summary, "free": free}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
}

async fn stored_events(sb: &RunningSandbox, email: &str) -> Vec<serde_json::Value> {
    http().get(format!("{}/_sandbox/calendars/{email}/events", sb.url)).send().await.unwrap().json().await.unwrap()
}

async fn control(sb: &RunningSandbox, route: &str) {
    let resp = http().post(format!("{}/_sandbox/{route}", sb.url)).json(&json!({})).send().await.unwrap();
    assert!(resp.status().is_success(), "{route}: {}", resp.status());
}

async fn default_calendar(m: &MicrosoftCalendar) -> String {
    m.calendars().await.unwrap().into_iter().find(|c| c.is_default).expect("a default calendar").id
}

#[tokio::test]
async fn the_account_and_its_calendars() {
    let sb = sandbox().await;
    let m = connected(&sb, ANA).await;
    assert_eq!(m.me().await.unwrap(), ANA);
    let calendars = m.calendars().await.unwrap();
    let default = calendars.iter().find(|c| c.is_default).unwrap();
    assert!(default.writable);
    assert!(!default.name.is_empty());
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
async fn write_back_without_outlook_invitations() {
    let sb = sandbox().await;
    let access = token(&sb, ANA, &microsoft::SCOPES).await;
    let m = graph(&sb, access.clone());
    let calendar = default_calendar(&m).await;
    let invitees = [("Bo Guest", "bo@example.net")];
    let id = m.put_event(&calendar, &meeting("m-7", "2026-03-19T14:00:00Z", &invitees)).await.unwrap();
    // A retried create with the same transactionId gives the same event.
    assert_eq!(m.put_event(&calendar, &meeting("m-7", "2026-03-19T14:00:00Z", &invitees)).await.unwrap(), id);
    let stored = stored_events(&sb, ANA).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["start"], "2026-03-19T14:00:00Z");
    assert_eq!(stored[0]["summary"], "Intro call");
    let body = stored[0]["description"].as_str().unwrap();
    assert!(body.starts_with("Notes: bring the deck") && body.contains("Bo Guest <bo@example.net>"), "{body}");

    let raw: serde_json::Value = http()
        .get(format!("{}/v1.0/me/events/{id}", sb.url))
        .bearer_auth(access.expose_secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["transactionId"], "m-7@prospo");
    assert_eq!(raw["attendees"].as_array().map_or(0, Vec::len), 0, "attendees would make Outlook mail them");

    add_event(&sb, ANA, "2026-03-19T16:00:00Z", "2026-03-19T17:00:00Z", "Dentist", false).await;
    let events = m.events(&calendar, window(), "Europe/Berlin").await.unwrap();
    let got: Vec<_> = events.iter().map(|e| (e.title.as_deref().unwrap(), e.uid.clone())).collect();
    assert_eq!(got[0], ("Intro call", Some("m-7@prospo".to_string())));
    assert_eq!(got[1].0, "Dentist");
    assert_ne!(got[1].1.as_deref(), Some("m-7@prospo"));

    m.update_event(&id, &meeting("m-7", "2026-03-20T08:00:00Z", &[])).await.unwrap();
    let stored = stored_events(&sb, ANA).await;
    let ours = stored.iter().find(|e| e["summary"] == "Intro call").unwrap();
    assert_eq!(ours["start"], "2026-03-20T08:00:00Z");
    m.delete_event(&id).await.unwrap();
    m.delete_event(&id).await.unwrap();
    assert_eq!(stored_events(&sb, ANA).await.len(), 1);
    assert_eq!(m.update_event(&id, &meeting("m-7", "2026-03-20T08:00:00Z", &[])).await, Err(ProviderError::NotFound));
}

#[tokio::test]
async fn events_skip_free_ones_and_read_all_day_in_the_host_zone() {
    let sb = sandbox().await;
    let access = token(&sb, ANA, &microsoft::SCOPES).await;
    let m = graph(&sb, access.clone());
    let calendar = default_calendar(&m).await;
    add_event(&sb, ANA, "2026-03-17T09:00:00Z", "2026-03-17T10:00:00Z", "Focus", false).await;
    add_event(&sb, ANA, "2026-03-17T12:00:00Z", "2026-03-17T13:00:00Z", "Lunch (free)", true).await;
    // An all-day event made in Outlook in Tokyo.
    let resp = http()
        .post(format!("{}/v1.0/me/calendars/{calendar}/events", sb.url))
        .bearer_auth(access.expose_secret())
        .json(&json!({"subject": "Offsite", "isAllDay": true,
            "start": {"dateTime": "2026-03-18T00:00:00", "timeZone": "Tokyo Standard Time"},
            "end": {"dateTime": "2026-03-19T00:00:00", "timeZone": "Tokyo Standard Time"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let events = m.events(&calendar, window(), "America/New_York").await.unwrap();
    let got: Vec<_> = events.iter().map(|e| (e.title.as_deref().unwrap(), e.start, e.end)).collect();
    assert_eq!(
        got,
        [
            ("Focus", ts("2026-03-17T09:00:00Z"), ts("2026-03-17T10:00:00Z")),
            ("Offsite", ts("2026-03-18T04:00:00Z"), ts("2026-03-19T04:00:00Z")),
        ]
    );
    assert_eq!(m.events("AAMkNoSuchCalendar", window(), "UTC").await, Err(ProviderError::NotFound));
}

#[tokio::test]
async fn delta_links_mark_changes_and_expire() {
    let sb = sandbox().await;
    let m = connected(&sb, ANA).await;
    let calendar = default_calendar(&m).await;
    for i in 0..3 {
        let day = format!("2026-03-1{}", 6 + i);
        add_event(&sb, ANA, &format!("{day}T09:00:00Z"), &format!("{day}T10:00:00Z"), "Standing", false).await;
    }
    let first = m.changed_since(&calendar, window(), None).await.unwrap();
    assert!(first.changed);
    let quiet = m.changed_since(&calendar, window(), Some(&first.token)).await.unwrap();
    assert!(!quiet.changed);
    add_event(&sb, ANA, "2026-03-20T09:00:00Z", "2026-03-20T10:00:00Z", "New", false).await;
    let moved = m.changed_since(&calendar, window(), Some(&quiet.token)).await.unwrap();
    assert!(moved.changed);
    assert!(!m.changed_since(&calendar, window(), Some(&moved.token)).await.unwrap().changed);
    control(&sb, &format!("calendars/{ANA}/sync-reset")).await;
    assert_eq!(m.changed_since(&calendar, window(), Some(&moved.token)).await, Err(ProviderError::Gone));
}

#[tokio::test]
async fn missing_permissions_and_revoked_tokens() {
    let sb = sandbox().await;
    let read_only = graph(&sb, token(&sb, ANA, &["offline_access", "User.Read", "Calendars.Read"]).await);
    let calendar = default_calendar(&read_only).await;
    assert_eq!(
        read_only.put_event(&calendar, &meeting("m-1", "2026-03-19T14:00:00Z", &[])).await,
        Err(ProviderError::Forbidden("ErrorAccessDenied".into()))
    );
    let m = connected(&sb, ANA).await;
    control(&sb, &format!("users/{ANA}/revoke")).await;
    let err = m.me().await.unwrap_err();
    assert_eq!(err, ProviderError::Unauthorized);
}

// ---- Against wiremock: what the sandbox does not produce ----

#[tokio::test]
async fn throttling_carries_retry_after() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .and(bearer_token(TOKEN))
        .respond_with(
            ResponseTemplate::new(429).insert_header("retry-after", "4").set_body_json(graph_error(
                "ApplicationThrottled",
                "Application is over its MailboxConcurrency limit.",
            )),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/calendars"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "9")
                .set_body_json(graph_error("ServiceNotAvailable", "The service is temporarily unavailable.")),
        )
        .mount(&server)
        .await;
    let m = client(&server);
    let err = m.me().await.unwrap_err();
    assert_eq!(err, ProviderError::RateLimited { retry_after: Some(Duration::from_secs(4)) });
    assert!(!format!("{err} {err:?}").contains(TOKEN));
    assert_eq!(
        m.calendars().await.unwrap_err(),
        ProviderError::RateLimited { retry_after: Some(Duration::from_secs(9)) }
    );
}

#[tokio::test]
async fn server_errors_are_unavailable() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(504)).mount(&server).await;
    let err = client(&server).events("AAMkAGI2", window(), "UTC").await.unwrap_err();
    assert_eq!(err, ProviderError::Unavailable("HTTP 504".into()));
}

#[tokio::test]
async fn oversized_answers_are_refused() {
    init();
    let server = MockServer::start().await;
    let huge = format!("{{\"value\": [], \"pad\": \"{}\"}}", "x".repeat(calendars::provider::MAX_BODY));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).calendars().await.unwrap_err(),
        ProviderError::TooLarge { limit: calendars::provider::MAX_BODY }
    );
}

#[tokio::test]
async fn links_away_from_the_api_are_not_followed() {
    init();
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/calendars"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [{"id": "AAMkAGI2", "name": "Calendar", "canEdit": true, "isDefaultCalendar": true}],
            "@odata.nextLink": format!("{}/v1.0/me/calendars?$skip=1", elsewhere.uri())
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&elsewhere).await;
    let m = client(&server);
    assert!(matches!(m.calendars().await, Err(ProviderError::Protocol(_))));
    let foreign_delta = format!("{}/v1.0/me/calendarView/delta?$deltatoken=x", elsewhere.uri());
    assert!(matches!(
        m.changed_since("AAMkAGI2", window(), Some(&foreign_delta)).await,
        Err(ProviderError::Protocol(_))
    ));
    elsewhere.verify().await;
}

#[tokio::test]
async fn an_expired_delta_link_is_gone() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/calendars/AAMkAGI2/calendarView/delta"))
        .and(query_param("$deltatoken", "old"))
        .respond_with(ResponseTemplate::new(410).set_body_json(graph_error(
            "SyncStateNotFound",
            "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
        )))
        .mount(&server)
        .await;
    let link = format!("{}/v1.0/me/calendars/AAMkAGI2/calendarView/delta?$deltatoken=old", server.uri());
    assert_eq!(
        client(&server).changed_since("AAMkAGI2", window(), Some(&link)).await.unwrap_err(),
        ProviderError::Gone
    );
}

/// The calendarView asks for UTC and follows `@odata.nextLink` with the same preference.
#[tokio::test]
async fn calendar_view_pages_ask_for_utc() {
    init();
    let server = MockServer::start().await;
    let next = format!("{}/v1.0/me/calendars/AAMkAGI2/calendarView?$skip=1", server.uri());
    Mock::given(method("GET"))
        .and(path("/v1.0/me/calendars/AAMkAGI2/calendarView"))
        .and(query_param("$skip", "1"))
        .and(header("prefer", "outlook.timezone=\"UTC\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{
            "subject": "Second", "start": {"dateTime": "2026-03-18T09:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2026-03-18T10:00:00.0000000", "timeZone": "UTC"}}]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/calendars/AAMkAGI2/calendarView"))
        .and(query_param("startDateTime", "2026-03-16T00:00:00Z"))
        .and(header("prefer", "outlook.timezone=\"UTC\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{
            "subject": "First", "start": {"dateTime": "2026-03-17T09:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2026-03-17T10:00:00.0000000", "timeZone": "UTC"}}], "@odata.nextLink": next})))
        .mount(&server)
        .await;
    let events = client(&server).events("AAMkAGI2", window(), "UTC").await.unwrap();
    let titles: Vec<_> = events.iter().map(|e| e.title.as_deref().unwrap()).collect();
    assert_eq!(titles, ["First", "Second"]);
}
