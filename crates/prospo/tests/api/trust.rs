//! The holes an outside review reproduced, each attacked here against the running server and
//! shown refused (issue 12).

use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

/// A client that keeps cookies but does not follow redirects, to read `Location` as sent.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_token_pages_are_not_stored() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for path in ["/login", "/signup", "/nobody/nothing", "/password/reset/not-a-token"] {
        let answer = app.client.get(app.at(path)).send().await.unwrap();
        let headers = answer.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
    }
    let reset = app.client.get(app.at("/password/reset/not-a-token")).send().await.unwrap();
    assert_eq!(reset.headers()["cache-control"], "no-store");
    let login = app.client.get(app.at("/login")).send().await.unwrap();
    assert!(login.headers().get("cache-control").is_none_or(|v| v != "no-store"), "only token pages");
    let token = app.sign_up("ada").await;
    let tokens = app.client.get(app.at("/api/v1/tokens")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(tokens.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn log_in_follows_only_a_path_of_this_site() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.sign_up("ada").await;
    for (next, expected) in [
        ("/\t/evil.example", "/"),
        ("/\n", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/settings/tokens", "/settings/tokens"),
    ] {
        let form = [("email", "ada@example.com"), ("password", "correct horse battery"), ("next", next)];
        let answer = no_redirects().post(app.at("/login")).form(&form).send().await.unwrap();
        assert_eq!(answer.status(), 303, "{next:?}");
        assert_eq!(answer.headers()["location"], expected, "{next:?}");
    }
}

#[tokio::test]
async fn the_recordings_page_asks_zoom_about_at_most_a_year() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    let zoom = app.connect_zoom(&token).await;
    let client_id = zoom["client_id"].as_str().unwrap();
    let before = app.zoom_stats(client_id).await["api_requests"].as_u64().unwrap();
    // The cookie of a browser session, as a cross-site link would use it.
    let (status, _) = app
        .post_json("/api/v1/login", &json!({"email": "ada@example.com", "password": "correct horse battery"}), None)
        .await;
    assert_eq!(status, 200);
    let page = app.client.get(app.at("/recordings?from=0001-01-01&to=9999-12-31")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let calls = app.zoom_stats(client_id).await["api_requests"].as_u64().unwrap() - before;
    assert!(calls <= 14, "a year is at most 13 one-month windows; the page made {calls} Zoom calls");
    let (status, body) = app.get_json("/api/v1/recordings?from=2020-01-01&to=2026-01-01", Some(&token)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_range")), "{body}");
}

/// The reset link mailed to `email`, read from the outbox.
async fn reset_link(app: &TestApp, email: &str) -> String {
    let forgot = app.client.post(app.at("/password/forgot")).form(&[("email", email)]).send().await.unwrap();
    assert_eq!(forgot.status(), 200);
    let mail = app.queued_mails("password_reset").await.pop().expect("a reset mail");
    let word = mail.text_body.split_whitespace().find(|w| w.contains("/password/reset/")).unwrap().to_owned();
    word.trim_start_matches(|c| c != 'h').to_owned()
}

#[tokio::test]
async fn a_reset_ends_every_token_of_whoever_held_the_account() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Someone registers the victim's address before the victim does, and keeps API tokens.
    let squatter_token = app.sign_up("victim").await;
    let (status, login) = app
        .post_json("/api/v1/login", &json!({"email": "victim@example.com", "password": "correct horse battery"}), None)
        .await;
    assert_eq!(status, 200);
    let login_token = login["token"].as_str().unwrap().to_owned();
    let (status, named) = app.post_json("/api/v1/tokens", &json!({"name": "backdoor"}), Some(&squatter_token)).await;
    assert_eq!(status, 201, "{named}");
    let named_token = named["token"].as_str().unwrap().to_owned();
    for token in [&squatter_token, &login_token, &named_token] {
        assert_eq!(app.get_json("/api/v1/me", Some(token)).await.0, 200);
    }
    // The address's owner resets the password from the mail.
    let link = reset_link(&app, "victim@example.com").await;
    let reset = app.client.post(&link).form(&[("password", "the owner's own password")]).send().await.unwrap();
    assert!(reset.status().is_success() || reset.status().is_redirection(), "{}", reset.status());
    for token in [&squatter_token, &login_token, &named_token] {
        assert_eq!(app.get_json("/api/v1/me", Some(token)).await.0, 401, "a token outlived the reset");
    }
}

#[tokio::test]
async fn a_password_change_ends_every_other_session_and_every_token() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    // A second browser, logged in elsewhere.
    let elsewhere = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = json!({"email": "ada@example.com", "password": "correct horse battery"});
    let answer = elsewhere.post(app.at("/api/v1/login")).json(&login).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(elsewhere.get(app.at("/api/v1/me")).send().await.unwrap().status(), 200);
    // This browser's session asks.
    let here = reqwest::Client::builder().cookie_store(true).build().unwrap();
    assert_eq!(here.post(app.at("/api/v1/login")).json(&login).send().await.unwrap().status(), 200);

    let wrong = json!({"current_password": "not it at all", "new_password": "another good password"});
    let answer = here.post(app.at("/api/v1/me/password")).json(&wrong).send().await.unwrap();
    assert_eq!(answer.status(), 401);
    let short = json!({"current_password": "correct horse battery", "new_password": "short"});
    assert_eq!(here.post(app.at("/api/v1/me/password")).json(&short).send().await.unwrap().status(), 422);
    let change = json!({"current_password": "correct horse battery", "new_password": "another good password"});
    assert_eq!(here.post(app.at("/api/v1/me/password")).json(&change).send().await.unwrap().status(), 204);

    assert_eq!(here.get(app.at("/api/v1/me")).send().await.unwrap().status(), 200, "the asking session stays");
    assert_eq!(elsewhere.get(app.at("/api/v1/me")).send().await.unwrap().status(), 401, "other sessions end");
    assert_eq!(app.get_json("/api/v1/me", Some(&token)).await.0, 401, "tokens end");
    let login = json!({"email": "ada@example.com", "password": "another good password"});
    assert_eq!(app.post_json("/api/v1/login", &login, None).await.0, 200);
}

#[tokio::test]
async fn log_in_tokens_lapse_after_30_idle_days_and_named_tokens_at_their_end() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let login_token = app.sign_up("ada").await;
    let (status, short) =
        app.post_json("/api/v1/tokens", &json!({"name": "one day", "expires_in_days": 1}), Some(&login_token)).await;
    assert_eq!(status, 201, "{short}");
    assert!(short["expires_at"].is_string());
    let (status, forever) = app.post_json("/api/v1/tokens", &json!({"name": "scripts"}), Some(&login_token)).await;
    assert_eq!(status, 201);
    assert!(forever.get("expires_at").is_none());
    for bad in
        [json!({"name": ""}), json!({"name": "x", "expires_in_days": 0}), json!({"name": "x", "expires_in_days": 9999})]
    {
        assert_eq!(app.post_json("/api/v1/tokens", &bad, Some(&login_token)).await.0, 422, "{bad}");
    }
    let (_, listed) = app.get_json("/api/v1/tokens", Some(&login_token)).await;
    let login_entry = listed["tokens"].as_array().unwrap().iter().find(|t| t["current"] == true).unwrap().clone();
    assert!(login_entry["expires_at"].is_string(), "a log-in token shows when it lapses: {listed}");

    let (short, forever) = (short["token"].as_str().unwrap(), forever["token"].as_str().unwrap());
    let days = |n: i64| jiff::SignedDuration::from_hours(24 * n);
    app.state.clock.advance(days(2));
    assert_eq!(app.get_json("/api/v1/me", Some(short)).await.0, 401, "past its end");
    assert_eq!(app.get_json("/api/v1/me", Some(&login_token)).await.0, 200, "used within 30 days");
    app.state.clock.advance(days(29));
    assert_eq!(app.get_json("/api/v1/me", Some(&login_token)).await.0, 200, "each use moves the end");
    app.state.clock.advance(days(31));
    assert_eq!(app.get_json("/api/v1/me", Some(&login_token)).await.0, 401, "31 days unused");
    assert_eq!(app.get_json("/api/v1/me", Some(forever)).await.0, 200, "a named token without an end");
}

/// A public booking POST (to a host that does not exist: only the rate limit is under test).
async fn public_post(app: &TestApp, forwarded_for: Option<&str>) -> u16 {
    let body = json!({"start": "2030-01-01T10:00:00Z", "name": "N", "email": "n@example.com", "timezone": "UTC"});
    let mut request = app.client.post(app.at("/api/v1/public/nobody/intro/bookings")).json(&body);
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.public_rate_limit = Some(60);
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(public_post(&app, Some("198.51.100.1")).await);
    }
    assert!(statuses.contains(&429), "one client runs into its limit: {statuses:?}");
    assert_eq!(public_post(&app, Some("198.51.100.2")).await, 404, "another client is not blocked by it");
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_for_is_ignored() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.public_rate_limit = Some(60)).await;
    let mut statuses = Vec::new();
    for i in 0..40 {
        // A client that names a new address each time still has one limit: its own.
        statuses.push(public_post(&app, Some(&format!("198.51.100.{i}"))).await);
    }
    assert!(statuses.contains(&429), "forged X-Forwarded-For let a client past its limit: {statuses:?}");
}

#[tokio::test]
async fn one_manage_link_makes_at_most_five_changes_a_day() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, zoom) = crate::scheduling::host(&app, "ada").await;
    let offered = crate::scheduling::slots(&app, "ada", &crate::scheduling::next_week(), "UTC").await;
    let (_, booked) = crate::scheduling::book(&app, "ada", &offered[0], "guest@example.com").await;
    let token = booked["manage_token"].as_str().unwrap().to_owned();
    crate::scheduling::drain_zoom_jobs(&app).await;
    let before = app.zoom_stats(zoom["client_id"].as_str().unwrap()).await["meetings_updated"].as_u64().unwrap();
    let mut statuses = Vec::new();
    for i in 0..8 {
        let start = &offered[2 + 2 * (i % 3)];
        let (status, _) =
            app.post_json(&format!("/api/v1/bookings/{token}/reschedule"), &json!({"start": start}), None).await;
        statuses.push(status);
    }
    assert_eq!(statuses[..5], [200; 5], "{statuses:?}");
    assert_eq!(statuses[5..], [429; 3], "{statuses:?}");
    let (status, body) = app.post_json(&format!("/api/v1/bookings/{token}/cancel"), &json!({}), None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("too_many_changes")), "{body}");
    crate::scheduling::drain_zoom_jobs(&app).await;
    let updates =
        app.zoom_stats(zoom["client_id"].as_str().unwrap()).await["meetings_updated"].as_u64().unwrap() - before;
    assert!(updates <= 5, "the link spent {updates} Zoom updates");
    // A day later the link works again.
    app.state.clock.advance(jiff::SignedDuration::from_hours(25));
    let (status, _) = app.post_json(&format!("/api/v1/bookings/{token}/cancel"), &json!({}), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn reset_and_verification_mails_reach_one_address_at_most_three_times_an_hour() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.sign_up("ada").await; // one verification mail
    for _ in 0..10 {
        let answer =
            app.client.post(app.at("/password/forgot")).form(&[("email", "ada@example.com")]).send().await.unwrap();
        assert_eq!(answer.status(), 200, "the answer never changes");
    }
    let count = |kind| app.queued_mails(kind);
    let sent = count("password_reset").await.len() + count("verify_email").await.len();
    assert_eq!(sent, 3, "three account mails an hour");
    app.state.clock.advance(jiff::SignedDuration::from_mins(61));
    let answer =
        app.client.post(app.at("/password/forgot")).form(&[("email", "ada@example.com")]).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(count("password_reset").await.len(), 3, "an hour later, another");
}

#[tokio::test]
async fn under_an_https_public_url_every_cookie_is_secure() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.public_url = Some("https://prospo.example".parse().unwrap());
    })
    .await;
    app.sign_up("ada").await;
    let form = [("email", "ada@example.com"), ("password", "correct horse battery")];
    let login = no_redirects().post(app.at("/login")).form(&form).send().await.unwrap();
    assert_eq!(login.status(), 303);
    let session = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let logout = no_redirects().post(app.at("/logout")).header("cookie", session).send().await.unwrap();
    assert_eq!(logout.status(), 303);
    let cookies: Vec<&str> = [&login, &logout]
        .into_iter()
        .flat_map(|response| response.headers().get_all("set-cookie"))
        .map(|value| value.to_str().unwrap())
        .collect();
    assert!(cookies.iter().any(|cookie| cookie.starts_with("prospo_flash=")), "{cookies:?}");
    for cookie in cookies {
        assert!(cookie.split(';').any(|part| part.trim() == "Secure"), "{cookie}");
    }
}

/// A meeting made directly through the API with `invitees` (addresses) a week from now.
async fn direct_meeting(app: &TestApp, token: &str, topic: &str, invitees: &[String]) -> (u16, serde_json::Value) {
    let start = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 7)).to_string();
    let invitees: Vec<_> = invitees.iter().map(|email| json!({"email": email})).collect();
    let body = json!({"topic": topic, "start": start, "duration_minutes": 30, "timezone": "UTC", "invitees": invitees});
    app.post_json("/api/v1/meetings", &body, Some(token)).await
}

async fn mails_to(app: &TestApp, recipient: &str) -> Vec<(String, bool, bool)> {
    let sql = format!(
        "SELECT kind, held, sent_at IS NOT NULL FROM outbox WHERE recipient = '{recipient}' ORDER BY created_at, kind"
    );
    match &app.db {
        prospo::store::Db::Sqlite(pool) => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await.unwrap(),
        prospo::store::Db::Postgres(pool) => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await.unwrap(),
    }
}

#[tokio::test]
async fn an_unconfirmed_account_invites_no_one_until_it_confirms() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up_unconfirmed("ada").await;
    app.connect_zoom(&token).await;
    let (status, kept) = direct_meeting(&app, &token, "Kept", &["victim@example.com".into()]).await;
    assert_eq!(status, 201, "{kept}");
    assert_eq!(kept["invitations_held"], true);
    let (_, dropped) = direct_meeting(&app, &token, "Dropped", &["other@example.com".into()]).await;
    let id = dropped["id"].as_str().unwrap();
    let (status, _) = app.delete(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
    assert_eq!(status, 200);
    crate::scheduling::drain_zoom_jobs(&app).await;
    app.wait_for_due_jobs("mail").await;

    for recipient in ["victim@example.com", "other@example.com"] {
        let mails = mails_to(&app, recipient).await;
        assert!(!mails.is_empty() && mails.iter().all(|(_, held, sent)| *held && !sent), "{recipient}: {mails:?}");
    }
    assert!(
        mails_to(&app, "ada@example.com").await.iter().any(|(kind, held, _)| kind == "booked" && !held),
        "the host's own mail is never held"
    );
    let id = kept["id"].as_str().unwrap();
    let form = [("email", "ada@example.com"), ("password", "correct horse battery")];
    app.client.post(app.at("/login")).form(&form).send().await.unwrap();
    let page = app.client.get(app.at(&format!("/meetings/{id}"))).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Invitations wait for your email confirmation"));

    let mails = app.queued_mails("verify_email").await;
    let link = mails[0].text_body.split_whitespace().find(|word| word.contains("/verify-email/")).unwrap();
    assert_eq!(app.client.get(link).send().await.unwrap().status(), 200);
    app.wait_for_due_jobs("mail").await;
    let victim = mails_to(&app, "victim@example.com").await;
    assert!(victim.iter().any(|(kind, _, _)| kind == "booked"), "{victim:?}");
    assert!(victim.iter().all(|(_, held, sent)| !held && *sent), "sent once confirmed: {victim:?}");
    assert_eq!(mails_to(&app, "other@example.com").await, vec![], "a meeting cancelled meanwhile sends nothing");
    let (_, kept) = app.get_json(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
    assert_eq!(kept["invitations_held"], false);
}

#[tokio::test]
async fn bookings_of_an_unconfirmed_host_are_mailed_at_once() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up_unconfirmed("ada").await;
    app.connect_zoom(&token).await;
    let event = json!({"title": "Intro call", "slug": "intro", "duration_minutes": 30, "location": "zoom", "minimum_notice_minutes": 0});
    app.post_json("/api/v1/event-types", &event, Some(&token)).await;
    crate::scheduling::open_every_day(&app, &token).await;
    let offered = crate::scheduling::slots(&app, "ada", &crate::scheduling::next_week(), "UTC").await;
    let (status, booked) = crate::scheduling::book(&app, "ada", &offered[0], "invitee@example.com").await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["meeting"]["invitations_held"], false);
    let mails = mails_to(&app, "invitee@example.com").await;
    assert!(mails.iter().any(|(kind, held, _)| kind == "booked" && !held), "{mails:?}");
}

#[tokio::test]
async fn an_account_causes_at_most_200_mails_to_others_a_day() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    app.connect_zoom(&token).await;
    let fifty = |batch: usize| (0..50).map(|i| format!("p{batch}-{i}@example.com")).collect::<Vec<_>>();
    for batch in 0..4 {
        let (status, body) = direct_meeting(&app, &token, "Town hall", &fifty(batch)).await;
        assert_eq!(status, 201, "{body}");
    }
    let meetings = app.count("SELECT COUNT(*) FROM meetings").await;
    let (status, body) = direct_meeting(&app, &token, "One more", &["late@example.com".into()]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("mail_quota")), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, meetings, "nothing written");
    assert_eq!(mails_to(&app, "late@example.com").await, vec![]);

    // Moving a meeting mails its invitees: the host's change counts too.
    let (_, list) = app.get_json("/api/v1/meetings", Some(&token)).await;
    let id = list["meetings"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) =
        app.patch_json(&format!("/api/v1/meetings/{id}"), &json!({"topic": "Renamed"}), Some(&token)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("mail_quota")), "{body}");

    // Bookings are not counted: invitees cause them.
    let event = json!({"title": "Intro call", "slug": "intro", "duration_minutes": 30, "location": "zoom", "minimum_notice_minutes": 0});
    app.post_json("/api/v1/event-types", &event, Some(&token)).await;
    crate::scheduling::open_every_day(&app, &token).await;
    let offered = crate::scheduling::slots(&app, "ada", &crate::scheduling::next_week(), "UTC").await;
    let (status, _) = crate::scheduling::book(&app, "ada", &offered[0], "invitee@example.com").await;
    assert_eq!(status, 201);

    // A new UTC day, a new allowance.
    let now = jiff::Timestamp::now();
    app.state.clock.advance(zoom::next_utc_midnight(now).duration_since(now));
    let (status, body) = direct_meeting(&app, &token, "One more", &["late@example.com".into()]).await;
    assert_eq!(status, 201, "{body}");
}

/// A client that opens a connection and sends half a request head cannot keep it: the server
/// closes it once the header-read timeout passes (10 s by default; 1 s here), and keeps answering
/// everyone else meanwhile.
#[tokio::test]
async fn a_half_sent_request_is_dropped_at_the_header_read_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.header_read_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let addr = app.url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: prospo\r\nX-Slow: ").await.unwrap();

    let answer = app.client.get(app.at("/healthz")).send().await.unwrap();
    assert_eq!(answer.status(), 200, "others are served while the slow client dawdles");

    // Bounded wait for the close (not a timing assertion: only that it happens at all).
    let mut rest = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), slow.read_to_end(&mut rest)).await;
    let closed = match read {
        Ok(Ok(_)) => true,
        Ok(Err(ref error)) => {
            matches!(error.kind(), std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe)
        }
        Err(_) => false,
    };
    assert!(closed, "the half-sent request's connection is still open: {read:?}");
    let text = String::from_utf8_lossy(&rest);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "no answer but a 408 to half a head: {text}");
}

async fn post_with_key(
    app: &TestApp,
    path: &str,
    body: &serde_json::Value,
    key: &str,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.post(app.at(path)).header("Idempotency-Key", key).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

on_both_backends! {
    /// A booking retried after a lost answer gets the first answer (the same meeting and manage
    /// link), not `409 slot_taken` for the booking it made; another body under the key is refused.
    async fn a_retried_booking_gets_its_first_answer(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (token, _) = crate::scheduling::host(&app, "ada").await;
        crate::scheduling::open_every_day(&app, &token).await;
        let start = crate::scheduling::slots(&app, "ada", &crate::scheduling::next_week(), "UTC").await[0].clone();
        let body = json!({"start": start, "name": "Sam Okafor", "email": "sam@example.com", "timezone": "UTC"});
        let path = "/api/v1/public/ada/intro/bookings";

        let first = post_with_key(&app, path, &body, "retry-me-1", None).await;
        assert_eq!(first.status(), 201);
        let first: serde_json::Value = first.json().await.unwrap();
        let again = post_with_key(&app, path, &body, "retry-me-1", None).await;
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let again: serde_json::Value = again.json().await.unwrap();
        assert_eq!(again["meeting"]["id"], first["meeting"]["id"]);
        assert_eq!(again["manage_token"], first["manage_token"]);
        assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 1);

        let other = json!({"start": start, "name": "Someone Else", "email": "else@example.com", "timezone": "UTC"});
        let reused = post_with_key(&app, path, &other, "retry-me-1", None).await;
        assert_eq!(reused.status(), 422);
        let reused: serde_json::Value = reused.json().await.unwrap();
        assert_eq!(reused["error"]["code"], "idempotency_key_reused");
        let bad = post_with_key(&app, path, &body, "not a key", None).await;
        assert_eq!(bad.status(), 422);
        // Without a key, the retry is a new request and meets its own booking.
        let (status, plain) = app.post_json(path, &body, None).await;
        assert_eq!((status, plain["error"]["code"].as_str()), (409, Some("slot_taken")));

        // The kept answer holds the manage link, so it is kept sealed.
        let manage = first["manage_token"].as_str().unwrap().to_owned();
        let plaintext = match &app.db {
            prospo::store::Db::Sqlite(pool) => sqlx::query_scalar::<_, Vec<u8>>("SELECT answer_sealed FROM idempotency_keys").fetch_one(pool).await.unwrap(),
            prospo::store::Db::Postgres(pool) => sqlx::query_scalar::<_, Vec<u8>>("SELECT answer_sealed FROM idempotency_keys").fetch_one(pool).await.unwrap(),
        };
        assert!(!String::from_utf8_lossy(&plaintext).contains(&manage), "the manage link is not stored in the clear");
    }
}

/// `POST /api/v1/meetings` honours a key per account: a retry makes no second meeting, and another
/// account's same key is its own.
#[tokio::test]
async fn a_retried_direct_meeting_is_made_once_per_account() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = app.sign_up("ada").await;
    let bob = app.sign_up("bob").await;
    app.connect_zoom(&ada).await;
    app.connect_zoom(&bob).await;
    let body =
        json!({"topic": "Board sync", "start": "2031-03-03T16:00:00Z", "duration_minutes": 30, "timezone": "UTC"});
    let first: serde_json::Value =
        post_with_key(&app, "/api/v1/meetings", &body, "k-1", Some(&ada)).await.json().await.unwrap();
    let again = post_with_key(&app, "/api/v1/meetings", &body, "k-1", Some(&ada)).await;
    assert_eq!(again.status(), 201);
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let bobs = post_with_key(&app, "/api/v1/meetings", &body, "k-1", Some(&bob)).await;
    assert_eq!(bobs.status(), 201);
    let bobs: serde_json::Value = bobs.json().await.unwrap();
    assert_ne!(bobs["id"], first["id"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 2);
    // A refusal is an answer too: the same invalid body under a new key is refused again, and the
    // key then replays that refusal.
    let invalid = json!({"topic": "", "start": "2031-03-03T16:00:00Z", "duration_minutes": 30, "timezone": "UTC"});
    for _ in 0..2 {
        let refused = post_with_key(&app, "/api/v1/meetings", &invalid, "k-2", Some(&ada)).await;
        assert_eq!(refused.status(), 422);
    }
}

/// The booking page's form carries a fresh key; sending the same form twice (a lost answer, a
/// double submit) lands on the one booking it made.
#[tokio::test]
async fn the_booking_form_sent_twice_makes_one_booking() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (token, _) = crate::scheduling::host(&app, "ada").await;
    crate::scheduling::open_every_day(&app, &token).await;
    let start = crate::scheduling::slots(&app, "ada", &crate::scheduling::next_week(), "UTC").await[0].clone();
    let page = app.client.get(app.at("/ada/intro")).send().await.unwrap().text().await.unwrap();
    let key = page
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form carries a key")
        .to_owned();
    let other_render = app.client.get(app.at("/ada/intro")).send().await.unwrap().text().await.unwrap();
    assert!(!other_render.contains(&key), "each rendering has its own key");
    let form = [
        ("start", start.as_str()),
        ("timezone", "UTC"),
        ("name", "Sam"),
        ("email", "sam@example.com"),
        ("notes", ""),
        ("idempotency_key", key.as_str()),
    ];
    let mut locations = Vec::new();
    for _ in 0..2 {
        let answer = no_redirects().post(app.at("/ada/intro")).form(&form).send().await.unwrap();
        assert_eq!(answer.status(), 303);
        locations.push(answer.headers()["location"].to_str().unwrap().to_owned());
    }
    assert_eq!(locations[0], locations[1]);
    assert!(locations[0].starts_with("/booking/"), "{locations:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 1);
}

/// Sent mails keep their links a week, idempotent answers a day: housekeeping empties the one and
/// forgets the other.
#[tokio::test]
async fn housekeeping_empties_sent_mail_and_forgets_idempotency_keys() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    let body = json!({"topic": "Sync", "start": "2031-03-03T16:00:00Z", "duration_minutes": 30, "timezone": "UTC"});
    let answer = post_with_key(&app, "/api/v1/meetings", &body, "kept-a-day", Some(&token)).await;
    assert_eq!(answer.status(), 409, "no Zoom yet: refused, and that answer is kept");
    assert_eq!(app.count("SELECT COUNT(*) FROM idempotency_keys").await, 1);
    for _ in 0..150 {
        if app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 0, "the verification mail went");
    assert!(app.count("SELECT COUNT(*) FROM outbox WHERE text_body LIKE '%/verify-email/%'").await > 0);

    app.state.clock.advance(jiff::SignedDuration::from_hours(8 * 24));
    app.wait_for_due_jobs("maintenance").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM idempotency_keys").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE text_body LIKE '%/verify-email/%'").await, 0);
    assert!(
        app.count("SELECT COUNT(*) FROM outbox WHERE purged_at IS NOT NULL AND subject <> ''").await > 0,
        "subjects kept"
    );
}
