//! The Microsoft Graph client against wiremock, for answers a well-behaved server does not
//! give: 429 and 503 with `Retry-After`, a 5xx, an oversized answer, an expired delta link,
//! and paging links that point away from the API (the token must not follow them).

use calendars::microsoft::MicrosoftCalendar;
use calendars::{ProviderError, Window};
use jiff::Timestamp;
use secrecy::SecretString;
use serde_json::json;
use std::time::Duration;
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
