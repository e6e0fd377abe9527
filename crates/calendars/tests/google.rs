//! The Google Calendar client against wiremock, for answers a well-behaved server does not
//! give: 429 with `Retry-After`, a usage-limit 403, a 5xx, oversized answers (with and
//! without a length), a page that loops, and per-calendar free/busy errors.

use calendars::google::GoogleCalendar;
use calendars::{ProviderError, Window};
use jiff::Timestamp;
use secrecy::SecretString;
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
