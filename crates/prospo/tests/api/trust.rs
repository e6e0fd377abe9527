//! The holes an outside review reproduced, each attacked here against the running server and
//! shown refused (issue 12).

use serde_json::json;

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
    let (status, _) =
        app.post_json("/api/v1/login", &json!({"email": "ada@example.com", "password": "correct horse battery"}), None).await;
    assert_eq!(status, 200);
    let page = app.client.get(app.at("/recordings?from=0001-01-01&to=9999-12-31")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let calls = app.zoom_stats(client_id).await["api_requests"].as_u64().unwrap() - before;
    assert!(calls <= 14, "a year is at most 13 one-month windows; the page made {calls} Zoom calls");
    let (status, body) = app.get_json("/api/v1/recordings?from=2020-01-01&to=2026-01-01", Some(&token)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_range")), "{body}");
}
