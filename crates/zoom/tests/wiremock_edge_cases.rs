//! Edge cases the sandbox cannot produce, against wiremock: odd `Retry-After` forms, daily
//! caps with and without headers, error bodies on 200, 5xx, timeouts, garbage, the 401/124
//! re-mint, single-flight minting, paging, downloads, and a user connection's token source.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use jiff::{Timestamp, ToSpan, civil::date};
use secrecy::ExposeSecret;
use serde_json::json;
use wiremock::matchers::{
    basic_auth, bearer_token, body_partial_json, body_string, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};
use zoom::{Auth, Credentials, DeleteOptions, ListMeetingsType, NewMeeting, ZoomClient, ZoomError, next_utc_midnight};

fn init() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

fn creds() -> Credentials {
    Credentials::new("acct_ABCDEFGHIJKLMNOPQRSTU", "client_1", "secret_1")
}

fn auth() -> Auth {
    creds().into()
}

fn client(server: &MockServer) -> ZoomClient {
    ZoomClient::builder()
        .oauth_base(server.uri())
        .api_base(format!("{}/v2", server.uri()))
        .request_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn token_body(token: &str) -> serde_json::Value {
    json!({
        "access_token": token, "token_type": "bearer", "expires_in": 3600,
        "scope": "meeting:write:meeting:admin user:read:user:admin", "api_url": "https://api.zoom.us"
    })
}

async fn mount_token(server: &MockServer, token: &str) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(token)))
        .mount(server)
        .await;
}

async fn count(server: &MockServer, request_path: &str) -> usize {
    server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == request_path).count()
}

async fn api_error(server: &MockServer, template: ResponseTemplate) -> ZoomError {
    mount_token(server, "tok").await;
    Mock::given(method("GET")).and(path("/v2/users/me")).respond_with(template).mount(server).await;
    client(server).get_user(&auth(), "me").await.unwrap_err()
}

#[tokio::test]
async fn token_request_is_form_encoded_with_basic_auth() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(basic_auth("client_1", "secret_1"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("grant_type=account_credentials&account_id=acct_ABCDEFGHIJKLMNOPQRSTU"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("tok")))
        .expect(1)
        .mount(&server)
        .await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen_in_observer = Arc::clone(&seen);
    let client = ZoomClient::builder()
        .oauth_base(server.uri())
        .api_base(format!("{}/v2", server.uri()))
        .on_token_minted(move |c, scopes| {
            seen_in_observer.lock().unwrap().push((c.client_id.clone(), scopes.to_string()));
        })
        .build()
        .unwrap();
    let token = client.token(&creds()).await.unwrap();
    assert_eq!(token.secret().expose_secret(), "tok");
    assert!(token.scopes.contains("user:read:user:admin"));
    assert_eq!(token.api_url.as_deref(), Some("https://api.zoom.us"));
    assert!(!format!("{token:?}").contains("tok\""));
    // Cached: no second request.
    client.token(&creds()).await.unwrap();
    assert_eq!(
        seen.lock().unwrap().clone(),
        vec![("client_1".to_owned(), "meeting:write:meeting:admin user:read:user:admin".to_owned())]
    );
}

#[tokio::test]
async fn concurrent_callers_share_one_mint_and_one_failure() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("tok")).set_delay(Duration::from_millis(200)))
        .mount(&server)
        .await;
    let client = client(&server);
    let calls = (0..50).map(|_| {
        let client = client.clone();
        async move { client.token(&creds()).await }
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(count(&server, "/oauth/token").await, 1);

    // A failing mint is shared too: its waiters do not each retry it.
    let failing = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"reason":"Invalid client_id or client_secret","error":"invalid_client"}))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&failing)
        .await;
    let client = self::client(&failing);
    let calls = (0..20).map(|_| {
        let client = client.clone();
        async move { client.token(&creds()).await }
    });
    for result in futures::future::join_all(calls).await {
        assert!(matches!(result.unwrap_err(), ZoomError::InvalidCredentials { .. }));
    }
    assert_eq!(count(&failing, "/oauth/token").await, 1);
}

#[tokio::test]
async fn tokens_are_refreshed_before_expiry_and_forgotten_on_request() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "short", "token_type": "bearer", "expires_in": 1, "scope": ""
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    client.token(&creds()).await.unwrap();
    client.token(&creds()).await.unwrap();
    assert_eq!(count(&server, "/oauth/token").await, 1);
    // Refreshed at half the lifetime at the latest.
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.token(&creds()).await.unwrap();
    assert_eq!(count(&server, "/oauth/token").await, 2);
    client.mint_token(&creds()).await.unwrap();
    assert_eq!(count(&server, "/oauth/token").await, 3);
    client.forget(&creds());
    client.token(&creds()).await.unwrap();
    assert_eq!(count(&server, "/oauth/token").await, 4);
    // A rotated secret is another cache entry.
    let rotated = Credentials::new(creds().account_id, creds().client_id, "secret_2");
    client.token(&rotated).await.unwrap();
    assert_eq!(count(&server, "/oauth/token").await, 5);
}

#[tokio::test]
async fn code_124_remints_once_and_retries() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body("old")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_token(&server, "new").await;
    Mock::given(method("GET"))
        .and(path("/v2/users/me"))
        .and(bearer_token("old"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"code":124,"message":"Invalid access token."})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/users/me"))
        .and(bearer_token("new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id":"u1","email":"a@b.c","type":1})))
        .mount(&server)
        .await;
    let client = client(&server);
    let user = client.get_user(&auth(), "me").await.unwrap();
    assert_eq!(user.email.as_deref(), Some("a@b.c"));
    assert_eq!(count(&server, "/oauth/token").await, 2);
    assert_eq!(count(&server, "/v2/users/me").await, 2);
    // The fresh token is cached: no more mints.
    client.get_user(&auth(), "me").await.unwrap();
    assert_eq!(count(&server, "/oauth/token").await, 2);
}

#[tokio::test]
async fn code_124_after_the_retry_is_invalid_token() {
    init();
    let server = MockServer::start().await;
    let err = api_error(
        &server,
        ResponseTemplate::new(401).set_body_json(json!({"code":124,"message":"Access token is expired."})),
    )
    .await;
    assert_eq!(err, ZoomError::InvalidToken);
    assert!(err.needs_reconnect());
    assert_eq!(count(&server, "/oauth/token").await, 2);
    assert_eq!(count(&server, "/v2/users/me").await, 2);
}

#[tokio::test]
async fn per_second_429_with_retry_after_seconds() {
    init();
    let server = MockServer::start().await;
    let before = Timestamp::now();
    let err = api_error(
        &server,
        ResponseTemplate::new(429)
            .insert_header("x-ratelimit-type", "QPS")
            .insert_header("retry-after", "3")
            .set_body_json(json!({"code":429,"message":"per-second"})),
    )
    .await;
    let ZoomError::RateLimited { retry_at, daily } = err else { panic!("{err:?}") };
    assert!(!daily);
    assert!(retry_at >= before + 3.seconds() && retry_at <= Timestamp::now() + 3.seconds());
    assert!(err.is_transient());
}

#[tokio::test]
async fn daily_429_with_iso_retry_after() {
    init();
    let server = MockServer::start().await;
    let midnight = next_utc_midnight(Timestamp::now());
    let err = api_error(
        &server,
        ResponseTemplate::new(429)
            .insert_header("x-ratelimit-category", "Heavy")
            .insert_header("x-ratelimit-type", "Daily-limit")
            .insert_header("x-ratelimit-limit", "30000")
            .insert_header("x-ratelimit-remaining", "0")
            .insert_header("retry-after", midnight.to_string().as_str())
            .set_body_json(json!({"code":429,"message":"daily"})),
    )
    .await;
    assert_eq!(err, ZoomError::RateLimited { retry_at: midnight, daily: true });
    assert_eq!(err.retry_at(), Some(midnight));
}

#[tokio::test]
async fn daily_429_with_http_date_retry_after() {
    init();
    let server = MockServer::start().await;
    let midnight = next_utc_midnight(Timestamp::now());
    let http_date = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&midnight).unwrap();
    let err = api_error(
        &server,
        ResponseTemplate::new(429)
            .insert_header("retry-after", http_date.as_str())
            .set_body_json(json!({"code":429,"message":"daily"})),
    )
    .await;
    assert_eq!(err, ZoomError::RateLimited { retry_at: midnight, daily: true });
}

#[tokio::test]
async fn daily_429_without_headers_waits_for_utc_midnight() {
    init();
    let server = MockServer::start().await;
    // Zoom's real per-user cap answer: a category and counters, no type, no Retry-After.
    let err = api_error(
        &server,
        ResponseTemplate::new(429)
            .insert_header("x-ratelimit-category", "Light")
            .set_body_json(json!({"code":429,"message":"You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."})),
    )
    .await;
    assert_eq!(err, ZoomError::RateLimited { retry_at: next_utc_midnight(Timestamp::now()), daily: true });
}

#[tokio::test]
async fn code_300_on_create_is_the_daily_cap() {
    init();
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("POST"))
        .and(path("/v2/users/host%40example.com/meetings"))
        .and(body_partial_json(json!({"topic":"Intro","start_time":"2026-12-01T09:00:00Z","timezone":"Europe/Berlin"})))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"code":300,"message":"A maximum of 100 meetings can be created/updated for a single user in one day."})))
        .mount(&server)
        .await;
    let meeting = NewMeeting {
        topic: "Intro".into(),
        start_time: Some("2026-12-01T10:00:00+01:00".parse().unwrap()),
        duration_minutes: Some(30),
        timezone: Some("Europe/Berlin".into()),
        ..Default::default()
    };
    let err = client(&server).create_meeting(&auth(), "host@example.com", &meeting).await.unwrap_err();
    assert_eq!(err, ZoomError::RateLimited { retry_at: next_utc_midnight(Timestamp::now()), daily: true });
}

#[tokio::test]
async fn a_200_carrying_an_error_code_is_an_error() {
    init();
    let server = MockServer::start().await;
    let err = api_error(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"code":200,"message":"You do not have the right permissions"})),
    )
    .await;
    assert_eq!(
        err,
        ZoomError::Other { status: 200, code: Some(200), message: "You do not have the right permissions".into() }
    );
}

#[tokio::test]
async fn server_errors_are_unavailable() {
    init();
    let server = MockServer::start().await;
    let err = api_error(&server, ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>")).await;
    assert!(matches!(err, ZoomError::Unavailable { status: Some(502), .. }));
    assert!(err.is_transient());
}

#[tokio::test]
async fn timeouts_are_unavailable() {
    init();
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/v2/users/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id":"u1"})).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let client = ZoomClient::builder()
        .oauth_base(server.uri())
        .api_base(format!("{}/v2", server.uri()))
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client.get_user(&auth(), "me").await.unwrap_err();
    let ZoomError::Unavailable { status: None, detail } = &err else { panic!("{err:?}") };
    assert!(detail.starts_with("timed out"), "{detail}");
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    init();
    // A port that was just free: nothing listens there any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = ZoomClient::builder().oauth_base(&uri).api_base(format!("{uri}/v2")).build().unwrap();
    let err = client.token(&creds()).await.unwrap_err();
    assert!(matches!(err, ZoomError::Unavailable { status: None, .. }), "{err:?}");
}

#[tokio::test]
async fn garbage_json_is_an_unexpected_body() {
    init();
    let server = MockServer::start().await;
    let err = api_error(&server, ResponseTemplate::new(200).set_body_string("{\"id\": tru")).await;
    assert!(matches!(err, ZoomError::UnexpectedBody { status: 200, .. }), "{err:?}");

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>login</html>"))
        .mount(&server)
        .await;
    let err = client(&server).token(&creds()).await.unwrap_err();
    assert!(matches!(err, ZoomError::UnexpectedBody { status: 200, .. }), "{err:?}");
}

#[tokio::test]
async fn not_found_ended_and_in_progress() {
    init();
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    for (id, status, code) in [(1_i64, 404, 3001), (2, 400, 3007), (3, 400, 3002)] {
        Mock::given(method("DELETE"))
            .and(path(format!("/v2/meetings/{id}")))
            .and(query_param("schedule_for_reminder", "true"))
            .and(query_param("cancel_meeting_reminder", "false"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({"code":code,"message":"…"})))
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let options = DeleteOptions { schedule_for_reminder: true, ..Default::default() };
    let auth = auth();
    let del = |id| client.delete_meeting(&auth, id, &options);
    assert_eq!(del(1).await.unwrap_err(), ZoomError::NotFound { status: 404, code: Some(3001) });
    assert_eq!(del(2).await.unwrap_err(), ZoomError::MeetingEnded);
    assert_eq!(del(3).await.unwrap_err(), ZoomError::MeetingInProgress);
}

#[tokio::test]
async fn list_meetings_follows_every_page() {
    init();
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    let page = |ids: &[i64], next: &str| {
        ResponseTemplate::new(200).set_body_json(json!({
            "page_size": 300, "total_records": 3, "next_page_token": next,
            "meetings": ids.iter().map(|id| json!({"id": id, "uuid": format!("u{id}"), "type": 2, "pmi": "123"})).collect::<Vec<_>>()
        }))
    };
    Mock::given(method("GET"))
        .and(path("/v2/users/me/meetings"))
        .and(query_param("type", "upcoming"))
        .and(query_param("page_size", "300"))
        .and(query_param_is_missing("next_page_token"))
        .respond_with(page(&[1, 2], "t1"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/users/me/meetings"))
        .and(query_param("next_page_token", "t1"))
        .respond_with(page(&[3], ""))
        .mount(&server)
        .await;
    let meetings = client(&server).list_meetings(&auth(), "me", ListMeetingsType::Upcoming).await.unwrap();
    assert_eq!(meetings.iter().map(|m| m.id).collect::<Vec<_>>(), vec![1, 2, 3]);
}

#[tokio::test]
async fn recordings_are_listed_in_month_windows_and_deduplicated() {
    init();
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    let file = |id: &str| json!({"id": id, "file_type": "MP4", "status": "completed"});
    let meeting = |uuid: &str, start: &str, files: &[&str]| {
        json!({"uuid": uuid, "id": 1, "type": 2, "start_time": start,
               "recording_files": files.iter().map(|id| file(id)).collect::<Vec<_>>()})
    };
    // Windows padded a day before and two after, each starting on the last day of the one before.
    Mock::given(method("GET"))
        .and(path("/v2/users/u1/recordings"))
        .and(query_param("from", "2025-12-31"))
        .and(query_param("to", "2026-01-30"))
        .and(query_param_is_missing("next_page_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"next_page_token":"p2","meetings":[
            meeting("before", "2025-12-31T10:00:00Z", &["f0"]), meeting("a", "2026-01-01T10:00:00Z", &["f1"])]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/users/u1/recordings"))
        .and(query_param("from", "2025-12-31"))
        .and(query_param("next_page_token", "p2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"next_page_token":"","meetings":[meeting("b", "2026-01-30T23:00:00Z", &["f2"])]}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/users/u1/recordings"))
        .and(query_param("from", "2026-01-30"))
        .and(query_param("to", "2026-02-12"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"meetings":[
            meeting("b", "2026-01-30T23:00:00Z", &["f2", "f3"]), meeting("c", "2026-02-10T22:00:00Z", &["f4"]),
            meeting("after", "2026-02-11T01:00:00Z", &["f5"])]})))
        .mount(&server)
        .await;
    let recordings =
        client(&server).list_user_recordings(&auth(), "u1", date(2026, 1, 1), date(2026, 2, 10)).await.unwrap();
    let uuids: Vec<_> = recordings.iter().map(|m| m.uuid.as_str()).collect();
    assert_eq!(uuids, vec!["a", "b", "c"], "each once; the padding's extra days dropped");
    let files_of_b: Vec<_> = recordings[1].recording_files.iter().map(|f| f.id.as_deref().unwrap()).collect();
    assert_eq!(files_of_b, vec!["f2", "f3"], "files deduplicated by id");
    assert_eq!(count(&server, "/v2/users/u1/recordings").await, 3);
}

#[tokio::test]
async fn recording_uuids_are_double_encoded_where_zoom_needs_it() {
    init();
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("DELETE"))
        .and(path("/v2/meetings/%252Fab%252F%252Fcd%253D%253D/recordings/file-1"))
        .and(query_param("action", "delete"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/meetings/ab%2Bcd%2Fef%3D%3D/recordings"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"uuid":"ab+cd/ef==","type":"2","recording_files":[]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    client.delete_recording_file(&auth(), "/ab//cd==", "file-1", zoom::DeleteAction::Delete).await.unwrap();
    let r = client.get_meeting_recordings(&auth(), "ab+cd/ef==").await.unwrap();
    assert_eq!(r.meeting_type, Some(2));
}

#[tokio::test]
async fn downloads_follow_redirects_with_the_bearer_token_and_stream() {
    init();
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/rec/download/abc"))
        .and(bearer_token("tok"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{}/cdn/abc", server.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let body = vec![7_u8; 256 * 1024];
    Mock::given(method("GET"))
        .and(path("/cdn/abc"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body.clone()))
        .mount(&server)
        .await;
    let client = client(&server);
    let url = format!("{}/rec/download/abc", server.uri());
    let mut stream = Box::pin(client.download_recording_stream(&auth(), &url).await.unwrap());
    let received = AtomicUsize::new(0);
    while let Some(chunk) = stream.next().await {
        received.fetch_add(chunk.unwrap().len(), Ordering::Relaxed);
    }
    assert_eq!(received.into_inner(), body.len());

    // Never to a host that is not Zoom's.
    let err = client.download_recording(&auth(), "https://example.com/rec/download/abc").await.unwrap_err();
    assert_eq!(err, ZoomError::UntrustedUrl);
}

/// A redirect off Zoom's hosts is refused and that host is never called; a redirect within them
/// keeps the token (reqwest alone drops it on a change of host).
#[tokio::test]
async fn download_redirects_stay_on_zoom_hosts() {
    init();
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("GET"))
        .and(path("/rec/download/away"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{}/steal", elsewhere.uri()).as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rec/download/hop"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/rec/final"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rec/final"))
        .and(bearer_token("tok"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"video".to_vec()))
        .mount(&server)
        .await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&elsewhere).await;
    let client = client(&server);

    let err = client.download_recording(&auth(), &format!("{}/rec/download/away", server.uri())).await.unwrap_err();
    assert_eq!(err, ZoomError::UntrustedUrl);
    assert!(elsewhere.received_requests().await.unwrap().is_empty(), "the other host is never called");

    let response = client.download_recording(&auth(), &format!("{}/rec/download/hop", server.uri())).await.unwrap();
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"video");
}

/// A download's 401 (Zoom sends them with valid tokens too) mints one new token and tries again;
/// a second 401 is the token problem it seems.
#[tokio::test]
async fn a_download_401_mints_a_new_token_once() {
    init();
    let server = MockServer::start().await;
    let minted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&minted);
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(move |_: &wiremock::Request| {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(token_body(&format!("tok{n}")))
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rec/download/f"))
        .and(bearer_token("tok0"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Unauthorized"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rec/download/f"))
        .and(bearer_token("tok1"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"ok".to_vec()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rec/download/never"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let client = client(&server);
    let response = client.download_recording(&auth(), &format!("{}/rec/download/f", server.uri())).await.unwrap();
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"ok");
    assert_eq!(minted.load(Ordering::SeqCst), 2);

    let err = client.download_recording(&auth(), &format!("{}/rec/download/never", server.uri())).await.unwrap_err();
    assert_eq!(err, ZoomError::InvalidToken);
    assert_eq!(count(&server, "/rec/download/never").await, 2, "one retry, not a loop");
}

#[tokio::test]
async fn missing_scopes_list_the_acceptable_ones() {
    init();
    let server = MockServer::start().await;
    let err = api_error(
        &server,
        ResponseTemplate::new(400).set_body_json(json!({"code":4711,"message":"Invalid access token, does not contain scopes:[user:read:user, user:read:user:admin]."})),
    )
    .await;
    assert_eq!(
        err,
        ZoomError::MissingScopes { acceptable: vec!["user:read:user".into(), "user:read:user:admin".into()] }
    );
}

#[tokio::test]
async fn errors_never_show_secrets() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": 12345, "expires_in": "secret_1"})),
        )
        .mount(&server)
        .await;
    let err = client(&server).token(&creds()).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("secret_1") && !shown.contains("12345"), "{shown}");
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_unexpired_token() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "first", "token_type": "bearer", "expires_in": 2, "scope": ""
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/oauth/token")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let client = client(&server);
    client.token(&creds()).await.unwrap();
    // Past the refresh moment (half the lifetime), before expiry: the refresh fails, the
    // current token is still handed out.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let token = client.token(&creds()).await.unwrap();
    assert_eq!(token.secret().expose_secret(), "first");
    assert_eq!(count(&server, "/oauth/token").await, 2);
    // Expired: the failure is the answer.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let err = client.token(&creds()).await.unwrap_err();
    assert!(matches!(err, ZoomError::Unavailable { status: Some(503), .. }), "{err:?}");
    // A forced mint never falls back.
    assert!(client.mint_token(&creds()).await.is_err());
}

#[tokio::test]
async fn links_that_are_not_web_addresses_are_dropped() {
    init();
    let server = MockServer::start().await;
    mount_token(&server, "tok").await;
    Mock::given(method("POST"))
        .and(path("/v2/users/me/meetings"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": 85746065432_i64, "topic": "Intro", "type": 2, "start_time": "2026-12-01T09:00:00Z", "duration": 30,
            "join_url": "javascript:alert(document.cookie)",
            "start_url": "data:text/html,<script>alert(1)</script>",
            "registration_url": "https://zoom.us/meeting/register/x",
        })))
        .mount(&server)
        .await;
    let meeting = NewMeeting { topic: "Intro".into(), ..Default::default() };
    let created = client(&server).create_meeting(&auth(), "me", &meeting).await.unwrap();
    assert_eq!(created.join_url, None);
    assert!(created.start_url.is_none());
    assert_eq!(created.registration_url.as_deref(), Some("https://zoom.us/meeting/register/x"));
}

/// A user connection's token source that hands out `current` and, when told it was rejected,
/// the next of `fresh` (or `InvalidToken` when there is none).
struct ScriptedTokens {
    current: std::sync::Mutex<String>,
    fresh: std::sync::Mutex<Vec<&'static str>>,
    rejected: AtomicUsize,
}

impl ScriptedTokens {
    fn auth(current: &str, fresh: Vec<&'static str>) -> (Auth, Arc<ScriptedTokens>) {
        let tokens = Arc::new(ScriptedTokens {
            current: std::sync::Mutex::new(current.to_owned()),
            fresh: std::sync::Mutex::new(fresh),
            rejected: AtomicUsize::new(0),
        });
        (Auth::User(zoom::UserAuth::new("connection-1", tokens.clone())), tokens)
    }

    fn token_now(&self) -> zoom::AccessToken {
        let secret = self.current.lock().unwrap().clone();
        zoom::AccessToken::new(secret, Timestamp::now() + 1.hour(), "user:read:user meeting:read:meeting")
    }
}

impl zoom::UserTokens for ScriptedTokens {
    fn token(&self) -> futures::future::BoxFuture<'_, zoom::Result<zoom::AccessToken>> {
        Box::pin(async move { Ok(self.token_now()) })
    }

    fn rejected<'a>(
        &'a self,
        rejected: &'a zoom::AccessToken,
    ) -> futures::future::BoxFuture<'a, zoom::Result<zoom::AccessToken>> {
        Box::pin(async move {
            self.rejected.fetch_add(1, Ordering::SeqCst);
            assert_eq!(rejected.secret().expose_secret(), self.current.lock().unwrap().as_str());
            let next = self.fresh.lock().unwrap().pop().ok_or(ZoomError::InvalidToken)?;
            *self.current.lock().unwrap() = next.to_owned();
            Ok(self.token_now())
        })
    }
}

async fn mount_me_for(server: &MockServer, token: &str, template: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/v2/users/me"))
        .and(bearer_token(token))
        .respond_with(template)
        .mount(server)
        .await;
}

fn invalid_token() -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(json!({"code":124,"message":"Invalid access token."}))
}

#[tokio::test]
async fn a_user_connection_asks_its_source_once_after_code_124_and_never_mints() {
    init();
    let server = MockServer::start().await;
    mount_me_for(&server, "stale", invalid_token()).await;
    let me = ResponseTemplate::new(200).set_body_json(json!({"id":"u1","email":"a@b.c","type":1}));
    mount_me_for(&server, "renewed", me).await;
    let (auth, tokens) = ScriptedTokens::auth("stale", vec!["renewed"]);
    let client = client(&server);
    assert_eq!(client.get_user(&auth, "me").await.unwrap().email.as_deref(), Some("a@b.c"));
    assert_eq!(tokens.rejected.load(Ordering::SeqCst), 1);
    assert_eq!(count(&server, "/v2/users/me").await, 2);
    assert_eq!(count(&server, "/oauth/token").await, 0, "a user's tokens come from its source only");

    // Refused again after the fresh token: InvalidToken, and the source asked only once more.
    let (auth, tokens) = ScriptedTokens::auth("stale", vec!["stale"]);
    assert_eq!(client.get_user(&auth, "me").await.unwrap_err(), ZoomError::InvalidToken);
    assert_eq!(tokens.rejected.load(Ordering::SeqCst), 1);
    // A source that has nothing fresh ends the call with its own error.
    let (auth, _) = ScriptedTokens::auth("stale", vec![]);
    assert_eq!(client.get_user(&auth, "me").await.unwrap_err(), ZoomError::InvalidToken);
}

#[tokio::test]
async fn a_user_download_refused_with_401_asks_the_source_once() {
    init();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rec/download/f"))
        .and(bearer_token("stale"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rec/download/f"))
        .and(bearer_token("renewed"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"mp4".to_vec()))
        .mount(&server)
        .await;
    let (auth, tokens) = ScriptedTokens::auth("stale", vec!["renewed"]);
    let url = format!("{}/rec/download/f", server.uri());
    let response = client(&server).download_recording(&auth, &url).await.unwrap();
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"mp4");
    assert_eq!(tokens.rejected.load(Ordering::SeqCst), 1);
}
