//! The sandbox probed over HTTP, as Prospo's client sees it.

mod common;

use std::time::Duration;

use common::{Env, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn code(v: &Value) -> i64 {
    v["code"].as_i64().unwrap_or(-1)
}

#[tokio::test]
async fn token_endpoint_answers_like_zoom() {
    let env = start().await;
    let app = env.app(json!({})).await;
    let other = env.app(json!({})).await;
    let good = [("grant_type", "account_credentials"), ("account_id", app.account_id.as_str())];

    let (status, v) = env.token_response(&app.client_id, &app.client_secret, &good).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 3600);
    assert!(v["scope"].as_str().unwrap().split(' ').any(|s| s == "meeting:write:meeting:admin"));
    assert_eq!(v["api_url"], env.sandbox.url);

    let invalid_client = json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"});
    let (status, v) = env.token_response(&app.client_id, "wrong", &good).await;
    assert_eq!((status, v), (StatusCode::BAD_REQUEST, invalid_client.clone()));

    let another = [("grant_type", "account_credentials"), ("account_id", other.account_id.as_str())];
    let (status, v) = env.token_response(&app.client_id, &app.client_secret, &another).await;
    assert_eq!((status, v), (StatusCode::BAD_REQUEST, invalid_client.clone()));

    let padded = format!("{} ", app.account_id);
    let malformed = [("grant_type", "account_credentials"), ("account_id", padded.as_str())];
    let (status, v) = env.token_response(&app.client_id, &app.client_secret, &malformed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v, json!({"reason": "Bad Request", "error": "invalid_request"}));

    let unknown = [("grant_type", "account_credentials"), ("account_id", "AAAAAAAAAAAAAAAAAAAAAA")];
    let (status, v) = env.token_response(&app.client_id, &app.client_secret, &unknown).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v, json!({"reason": "Account does not exist", "error": "invalid_request"}));

    let grant = [("grant_type", "client_credentials"), ("account_id", app.account_id.as_str())];
    let (status, v) = env.token_response(&app.client_id, &app.client_secret, &grant).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "unsupported_grant_type");

    let first = env.token(&app).await;
    let second = env.token(&app).await;
    assert_ne!(first, second);
    let (status, _, _) = env.api(&first, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK, "earlier tokens stay valid");

    let path = format!("/apps/{}", app.client_id);
    env.control(Method::PATCH, &path, json!({"activated": false})).await;
    let (status, v) = env.token_response(&app.client_id, &app.client_secret, &good).await;
    assert_eq!((status, v), (StatusCode::BAD_REQUEST, invalid_client));
    let (status, _, v) = env.api(&second, Method::GET, "/users/me", None).await;
    assert_eq!((status, code(&v)), (StatusCode::UNAUTHORIZED, 124));

    let (status, _, v) = env.api("garbage", Method::GET, "/users/me", None).await;
    assert_eq!((status, code(&v)), (StatusCode::UNAUTHORIZED, 124));
    let r = env.http.get(env.url(&format!("/v2/users/me?access_token={first}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("query parameter"));

    // Every token request naming the client id counts, whatever its outcome.
    assert_eq!(env.stats(&app).await["token_requests"], 9);
    assert_eq!(env.stats(&app).await["api_requests"], 2);
}

#[tokio::test]
async fn tokens_expire_on_the_sandbox_clock_and_can_be_revoked() {
    let env = start().await;
    let app = env.app(json!({})).await;
    let token = env.token(&app).await;
    env.control(Method::PUT, "/clock", json!({"offset_seconds": 3599})).await;
    let (status, _, _) = env.api(&token, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK);
    env.control(Method::PUT, "/clock", json!({"offset_seconds": 3601})).await;
    let (status, _, v) = env.api(&token, Method::GET, "/users/me", None).await;
    assert_eq!((status, code(&v)), (StatusCode::UNAUTHORIZED, 124));

    let fresh = env.token(&app).await;
    let (status, _) = env.control(Method::POST, &format!("/apps/{}/revoke-tokens", app.client_id), json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, v) = env.api(&fresh, Method::GET, "/users/me", None).await;
    assert_eq!((status, code(&v)), (StatusCode::UNAUTHORIZED, 124));
    let after = env.token(&app).await;
    let (status, _, _) = env.api(&after, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn users_me_email_and_me_missing() {
    let env = start().await;
    let app = env.app(json!({"email": "owner@example.com"})).await;
    let (status, added) =
        env.control(Method::POST, &format!("/apps/{}/users", app.client_id), json!({"email": "b@example.com"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let token = env.token(&app).await;

    let (status, headers, me) = env.api(&token, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], app.user_id.as_str());
    assert_eq!(me["email"], "owner@example.com");
    assert_eq!(me["account_id"], app.account_id.as_str());
    assert_eq!(headers["x-ratelimit-category"], "Light");
    assert_eq!(headers["x-ratelimit-type"], "QPS");

    let (status, _, b) = env.api(&token, Method::GET, "/users/B@example.com", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(b["id"], added["user_id"]);

    let (status, _, v) = env.api(&token, Method::GET, "/users/nobody@example.com", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v, json!({"code": 1001, "message": "User does not exist: nobody@example.com."}));

    env.control(Method::PATCH, &format!("/apps/{}", app.client_id), json!({"me_missing": true})).await;
    let (status, _, v) = env.api(&token, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v, json!({"code": 1001, "message": "User does not exist: me."}));
}

#[tokio::test]
async fn meeting_create_patch_get_delete() {
    let env = start().await;
    let app = env.app(json!({})).await;
    let token = env.token(&app).await;

    let local = env
        .create_meeting(
            &token,
            &app.email,
            json!({"topic": "Intro", "type": 2, "start_time": "2030-01-15T10:00:00",
                   "timezone": "Europe/Berlin", "duration": 30, "agenda": "a",
                   "settings": {"waiting_room": true, "auto_recording": "cloud"}}),
        )
        .await;
    assert_eq!(local["start_time"], "2030-01-15T09:00:00Z", "local time in the given timezone");
    assert_eq!(local["timezone"], "Europe/Berlin");
    let utc = env
        .create_meeting(&token, "me", json!({"start_time": "2030-01-15T10:00:00Z", "timezone": "Europe/Berlin"}))
        .await;
    assert_eq!(utc["start_time"], "2030-01-15T10:00:00Z", "a trailing Z is UTC");

    let id = local["id"].as_i64().unwrap();
    assert!((1_000_000_000..100_000_000_000).contains(&id));
    assert_eq!(local["uuid"].as_str().unwrap().len(), 24);
    assert_eq!(local["host_id"], app.user_id.as_str());
    assert_eq!(local["host_email"], app.email.as_str());
    assert_eq!(local["status"], "waiting");
    assert_eq!(local["settings"]["waiting_room"], true);
    assert_eq!(local["settings"]["auto_recording"], "cloud");
    assert!(local["settings"]["global_dial_in_numbers"].as_array().is_some_and(|a| !a.is_empty()));
    let join_url = local["join_url"].as_str().unwrap().to_string();
    assert!(join_url.starts_with(&format!("{}/j/{id}?pwd=", env.sandbox.url)));
    assert!(local["start_url"].as_str().unwrap().contains("zak="));

    let path = format!("/meetings/{id}");
    let (status, headers, v) = env
        .api(&token, Method::PATCH, &path, Some(json!({"start_time": "2030-01-16T08:00:00Z", "topic": "Moved"})))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(headers["x-ratelimit-type"], "Daily-limit");
    assert_eq!(headers["x-ratelimit-remaining"], "97");

    let (status, _, got) = env.api(&token, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["start_time"], "2030-01-16T08:00:00Z");
    assert_eq!(got["topic"], "Moved");
    assert_eq!(got["join_url"], join_url.as_str());

    let delete = format!("{path}?schedule_for_reminder=false&cancel_meeting_reminder=true");
    let (status, _, _) = env.api(&token, Method::DELETE, &delete, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, v) = env.api(&token, Method::DELETE, &delete, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v, json!({"code": 3001, "message": format!("Meeting does not exist: {id}.")}));
    let (status, _, v) = env.api(&token, Method::GET, &path, None).await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, 3001));

    let stats = env.stats(&app).await;
    assert_eq!(stats["meetings_created"], 2);
    assert_eq!(stats["meetings_updated"], 1);
    assert_eq!(stats["meetings_deleted"], 1);

    let (_, listed) = env.control(Method::GET, &format!("/meetings?user_id={}", app.user_id), json!({})).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // Started and finished meetings cannot be deleted.
    let other = utc["id"].as_i64().unwrap();
    env.control(Method::PATCH, &format!("/meetings/{other}"), json!({"status": "started"})).await;
    let (status, _, v) = env.api(&token, Method::DELETE, &format!("/meetings/{other}"), None).await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, 3002));
    env.control(Method::PATCH, &format!("/meetings/{other}"), json!({"status": "finished"})).await;
    let (status, _, v) = env.api(&token, Method::DELETE, &format!("/meetings/{other}"), None).await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, 3007));
}

#[tokio::test]
async fn scopes_are_enforced_with_4711_and_classic_scopes_work() {
    let env = start().await;
    let narrow = env.app(json!({"scopes": ["user:read:user:admin"]})).await;
    let token = env.token(&narrow).await;
    let (status, _, v) = env.api(&token, Method::POST, "/users/me/meetings", Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        v,
        json!({"code": 4711, "message": "Invalid access token, does not contain scopes:[meeting:write:meeting, meeting:write:meeting:admin]."})
    );

    let classic = env.app(json!({"scopes": ["meeting:write:admin", "user:read:admin"]})).await;
    let token = env.token(&classic).await;
    let created = env.create_meeting(&token, "me", json!({"topic": "Classic"})).await;
    let (status, _, _) = env.api(&token, Method::DELETE, &format!("/meetings/{}", created["id"]), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "meeting:write:admin covers delete");
    let (status, _, v) = env.api(&token, Method::GET, "/users/me/recordings", None).await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, 4711));

    let master = env.app(json!({"scopes": ["meeting:read:list_meetings:master"]})).await;
    let token = env.token(&master).await;
    let (status, _, _) = env.api(&token, Method::GET, "/users/me/meetings", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn meeting_list_pages_and_cuts_agendas() {
    let env = start().await;
    let app = env.app(json!({})).await;
    let token = env.token(&app).await;
    let agenda = "x".repeat(400);
    for i in 0..5 {
        let start = format!("2031-03-0{}T10:00:00Z", i + 1);
        env.create_meeting(&token, "me", json!({"start_time": start, "agenda": agenda})).await;
    }
    let mut seen = Vec::new();
    let mut next = String::new();
    loop {
        let path = format!("/users/me/meetings?page_size=2&next_page_token={next}");
        let (status, headers, v) = env.api(&token, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(headers["x-ratelimit-category"], "Medium");
        assert_eq!(v["total_records"], 5);
        for m in v["meetings"].as_array().unwrap() {
            assert_eq!(m["agenda"].as_str().unwrap().len(), 250);
            seen.push(m["start_time"].as_str().unwrap().to_string());
        }
        next = v["next_page_token"].as_str().unwrap().to_string();
        if next.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len(), 5);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn recordings_list_clamps_to_a_month_and_trash_counts_as_deleted() {
    let env = start().await;
    let app = env.app(json!({})).await;
    let token = env.token(&app).await;
    // Meetings 40 and 5 days before 2030-06-30.
    let old = env.create_meeting(&token, "me", json!({"start_time": "2030-05-21T10:00:00Z"})).await;
    let recent = env.create_meeting(&token, "me", json!({"start_time": "2030-06-25T10:00:00Z"})).await;
    for m in [&old, &recent] {
        let (status, rec) = env.control(Method::POST, &format!("/meetings/{}/recordings", m["id"]), json!({})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(rec["recording_files"].as_array().unwrap().len(), 3);
    }

    // 41 days asked; Zoom clamps `from` to one month before `to` and says so.
    let (status, _, v) = env.api(&token, Method::GET, "/users/me/recordings?from=2030-05-20&to=2030-06-30", None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["from"], "2030-05-30");
    assert_eq!(v["to"], "2030-06-30");
    let meetings = v["meetings"].as_array().unwrap();
    assert_eq!(meetings.len(), 1);
    assert_eq!(meetings[0]["id"], recent["id"]);
    assert_eq!(meetings[0]["type"], 2, "integer type, as real Zoom answers");
    let files = meetings[0]["recording_files"].as_array().unwrap();
    let types: Vec<&str> = files.iter().map(|f| f["file_type"].as_str().unwrap()).collect();
    assert_eq!(types, ["MP4", "M4A", "TRANSCRIPT"]);
    assert_eq!(files[0]["recording_start"], "2030-06-25T10:00:00Z");
    assert_eq!(files[0]["meeting_id"], recent["uuid"]);

    // Downloading needs a Bearer token and yields `file_size` bytes.
    let url = files[0]["download_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/rec/download/", env.sandbox.url)));
    let r = env.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(&r.json().await.unwrap()), 124);
    let r = env.http.get(url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().len() as u64, files[0]["file_size"].as_u64().unwrap());
    let play = env.http.get(files[0]["play_url"].as_str().unwrap()).send().await.unwrap();
    assert!(play.text().await.unwrap().contains("<p>"));

    // A meeting's recordings by UUID (double-encoded), then trash one file.
    let uuid = recent["uuid"].as_str().unwrap();
    let once = percent_encoding::utf8_percent_encode(uuid, percent_encoding::NON_ALPHANUMERIC).to_string();
    let twice = percent_encoding::utf8_percent_encode(&once, percent_encoding::NON_ALPHANUMERIC).to_string();
    let (status, _, v) = env.api(&token, Method::GET, &format!("/meetings/{twice}/recordings"), None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["recording_count"], 3);
    let file_id = files[0]["id"].as_str().unwrap();
    let delete = format!("/meetings/{}/recordings/{file_id}?action=trash", recent["id"]);
    let (status, _, _) = env.api(&token, Method::DELETE, &delete, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, v) = env.api(&token, Method::DELETE, &delete, None).await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, 3301));
    let (_, _, v) = env.api(&token, Method::GET, &format!("/meetings/{}/recordings", recent["id"]), None).await;
    assert_eq!(v["recording_files"].as_array().unwrap().len(), 2, "trashed files are not listed");
    assert_eq!(env.stats(&app).await["recording_files_deleted"], 1);

    let (status, _, v) = env.api(&token, Method::GET, "/meetings/123456789/recordings", None).await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, 3301));

    // Files still processing have no end; asking again completes them.
    let path = format!("/meetings/{}/recordings", old["id"]);
    let (status, _) = env.control(Method::POST, &path, json!({"processing": true})).await;
    assert_eq!(status, StatusCode::CREATED);
    let fresh = env.create_meeting(&token, "me", json!({"start_time": "2030-06-28T10:00:00Z"})).await;
    let path = format!("/meetings/{}/recordings", fresh["id"]);
    let (_, rec) = env.control(Method::POST, &path, json!({"processing": true})).await;
    assert_eq!(rec["recording_files"][0]["status"], "processing");
    assert_eq!(rec["recording_files"][0]["recording_end"], "");
    let (_, rec) = env.control(Method::POST, &path, json!({})).await;
    assert_eq!(rec["recording_files"].as_array().unwrap().len(), 3);
    assert_eq!(rec["recording_files"][0]["status"], "completed");
}

#[tokio::test]
async fn the_101st_create_of_a_day_is_refused_until_midnight() {
    let env = start().await;
    let app = env.app(json!({})).await;
    let token = env.token(&app).await;
    for _ in 0..100 {
        env.create_meeting(&token, "me", json!({})).await;
    }
    let (status, headers, v) = env.api(&token, Method::POST, "/users/me/meetings", Some(json!({}))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(code(&v), 429);
    assert!(v["message"].as_str().unwrap().contains("daily rate limit (100)"));
    assert_eq!(headers["x-ratelimit-type"], "Daily-limit");
    assert_eq!(headers["x-ratelimit-limit"], "100");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    let tomorrow = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date().tomorrow().unwrap();
    assert_eq!(headers["retry-after"], format!("{tomorrow}T00:00:00Z").as_str());

    // The next UTC day (sandbox clock) has a fresh allowance.
    env.control(Method::PUT, "/clock", json!({"offset_seconds": 86_400})).await;
    let token = env.token(&app).await;
    env.create_meeting(&token, "me", json!({})).await;
}

#[tokio::test]
async fn per_second_limits_apply_only_with_a_plan() {
    let env = start().await;
    let free = env.app(json!({"plan": "free"})).await;
    let token = env.token(&free).await;
    let calls = (0..6).map(|_| env.api(&token, Method::GET, "/users/me/meetings", None));
    let answers = futures::future::join_all(calls).await;
    let limited: Vec<_> = answers.iter().filter(|(s, _, _)| *s == StatusCode::TOO_MANY_REQUESTS).collect();
    assert!(!limited.is_empty(), "free plan: 2 Medium calls per second");
    let (_, headers, v) = limited[0];
    assert_eq!(headers["x-ratelimit-type"], "QPS");
    assert_eq!(headers["x-ratelimit-limit"], "2");
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(code(v), 429);

    let unlimited = env.app(json!({})).await;
    let token = env.token(&unlimited).await;
    let calls = (0..20).map(|_| env.api(&token, Method::GET, "/users/me/meetings", None));
    let answers = futures::future::join_all(calls).await;
    assert!(answers.iter().all(|(s, _, _)| *s == StatusCode::OK));
}

#[tokio::test]
async fn faults_fail_and_drop_after_commit() {
    let env = start().await;
    let app = env.app(json!({})).await;
    let token = env.token(&app).await;

    env.control(Method::PUT, "/faults", json!({"fail_rate": 1.0, "fail_status": 503})).await;
    let (status, _, v) = env.api(&token, Method::GET, "/users/me", None).await;
    assert_eq!((status, code(&v)), (StatusCode::SERVICE_UNAVAILABLE, 503));
    let (status, _) = env.control(Method::GET, "/faults", json!({})).await;
    assert_eq!(status, StatusCode::OK, "control routes never fail");

    env.control(Method::PUT, "/faults", json!({"drop_after_commit_rate": 1.0})).await;
    let sent = env
        .http
        .post(env.url("/v2/users/me/meetings"))
        .bearer_auth(&token)
        .json(&json!({"topic": "Lost answer"}))
        .send()
        .await;
    assert!(sent.is_err(), "the client sees the connection drop: {sent:?}");

    env.control(Method::PUT, "/faults", json!({})).await;
    let (_, listed) = env.control(Method::GET, &format!("/meetings?user_id={}", app.user_id), json!({})).await;
    assert_eq!(listed[0]["topic"], "Lost answer", "the write happened");
    assert_eq!(env.stats(&app).await["meetings_created"], 1);
}

#[tokio::test]
async fn webhooks_are_signed_and_retried() {
    use axum::http::HeaderMap;
    use hmac::{Hmac, Mac};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let env: Env = start().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(HeaderMap, String)>();
    let calls = Arc::new(AtomicUsize::new(0));
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let tx = tx.clone();
            let calls = calls.clone();
            async move {
                tx.send((headers, body)).unwrap();
                // The first delivery fails, to see the retry.
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    let app = env.app(json!({})).await;
    env.control(
        Method::PATCH,
        &format!("/apps/{}", app.client_id),
        json!({"webhook_url": hook, "webhook_secret": "s3cret"}),
    )
    .await;
    let token = env.token(&app).await;
    let meeting = env.create_meeting(&token, "me", json!({"topic": "Hooked"})).await;

    let (headers, body) = recv(&mut rx).await;
    let (headers2, body2) = recv(&mut rx).await;
    assert_eq!(body, body2, "the retry carries the same event");
    for (headers, body) in [(&headers, &body), (&headers2, &body2)] {
        let ts = headers["x-zm-request-timestamp"].to_str().unwrap();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(format!("v0:{ts}:{body}").as_bytes());
        let expected = format!("v0={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(headers["x-zm-signature"].to_str().unwrap(), expected);
        assert!(headers.contains_key("x-zm-request-id"));
    }
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["event"], "meeting.created");
    assert!(event["event_ts"].as_i64().unwrap() > 1_600_000_000_000);
    assert_eq!(event["payload"]["account_id"], app.account_id.as_str());
    assert_eq!(event["payload"]["operator_id"], app.user_id.as_str());
    assert_eq!(event["payload"]["object"]["id"], meeting["id"]);

    env.control(Method::POST, &format!("/meetings/{}/recordings", meeting["id"]), json!({})).await;
    let (_, body) = recv(&mut rx).await;
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["event"], "recording.completed");
    let download_token = event["download_token"].as_str().unwrap();
    let file = &event["payload"]["object"]["recording_files"][0];
    let r = env.http.get(file["download_url"].as_str().unwrap()).bearer_auth(download_token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let path = format!("/meetings/{}", meeting["id"]);
    env.api(&token, Method::PATCH, &path, Some(json!({"topic": "Renamed"}))).await;
    let (_, body) = recv(&mut rx).await;
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["event"], "meeting.updated");
    assert_eq!(event["payload"]["object"]["topic"], "Renamed");
    assert_eq!(event["payload"]["old_object"]["topic"], "Hooked");
    assert!(event["payload"]["time_stamp"].is_i64());
}

#[tokio::test]
async fn state_survives_a_restart() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zoom-sandbox.json");
    let (app, meeting_id) = {
        let running = zoom_sandbox::spawn(zoom_sandbox::Sandbox::open(&file).unwrap(), "127.0.0.1:0").await.unwrap();
        let env = Env { sandbox: running, http: reqwest::Client::new() };
        let app = env.app(json!({"email": "keep@example.com"})).await;
        let token = env.token(&app).await;
        let m = env.create_meeting(&token, "me", json!({"topic": "Kept"})).await;
        env.sandbox.sandbox.flush().unwrap();
        (app, m["id"].as_i64().unwrap())
    };
    let reopened = zoom_sandbox::Sandbox::open(&file).unwrap();
    let apps = reopened.apps();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].client_id, app.client_id);
    assert_eq!(apps[0].email, "keep@example.com");
    let env =
        Env { sandbox: zoom_sandbox::spawn(reopened, "127.0.0.1:0").await.unwrap(), http: reqwest::Client::new() };
    let token = env.token(&app).await;
    let (status, _, v) = env.api(&token, Method::GET, &format!("/meetings/{meeting_id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["topic"], "Kept");
    assert!(v["join_url"].as_str().unwrap().starts_with(&env.sandbox.url), "links use the new base");
}

async fn recv(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<(axum::http::HeaderMap, String)>,
) -> (axum::http::HeaderMap, String) {
    tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap()
}
