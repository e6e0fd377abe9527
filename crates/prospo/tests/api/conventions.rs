use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

on_both_backends! {
    async fn health_readiness_and_metrics_answer(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let health = app.client.get(app.at("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let ready = app.client.get(app.at("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        let metrics = app.client.get(app.at("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains("http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"}"), "{metrics}");
        assert!(metrics.contains("http_request_duration_seconds_bucket"), "{metrics}");
    }
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.db.close().await;
    let (status, body) = app.get_json("/readyz", None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("database_unavailable")));
}

#[tokio::test]
async fn malformed_bodies_get_json_errors() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let send = |body: String, content_type: &'static str| {
        app.client.post(app.at("/api/v1/signup")).header("content-type", content_type).body(body).send()
    };
    let cases = [
        (send("{not json".into(), "application/json").await.unwrap(), 400, "malformed_json"),
        (send(r#"{"email": 5}"#.into(), "application/json").await.unwrap(), 422, "invalid_body"),
        (send(r#"{"email": "a@b.co"}"#.into(), "application/json").await.unwrap(), 422, "invalid_body"),
        (send("{}".into(), "text/plain").await.unwrap(), 415, "unsupported_media_type"),
        (send("x".repeat(300 * 1024), "application/json").await.unwrap(), 413, "body_too_large"),
    ];
    for (response, status, code) in cases {
        assert_eq!(response.status().as_u16(), status);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code);
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn unknown_routes_are_404_json_under_api_and_a_page_elsewhere() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, body) = app.get_json("/api/v1/no-such-thing", None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let page = app.client.get(app.at("/no/such/page")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn openapi_document_describes_the_routes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, doc) = app.get_json("/api/openapi.json", None).await;
    assert_eq!(status, 200);
    for path in
        ["/api/v1/signup", "/api/v1/login", "/api/v1/logout", "/api/v1/me", "/api/v1/tokens", "/api/v1/tokens/{id}"]
    {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
    let docs = app.client.get(app.at("/api/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let page = docs.text().await.unwrap();
    assert!(page.contains("Back to Prospo") && page.contains("name=\"viewport\""), "a way back, phone-readable");
    for asset in ["/api/docs/swagger-ui-bundle.js", "/api/docs/swagger-initializer.js", "/static/api-docs.css"] {
        assert_eq!(app.client.get(app.at(asset)).send().await.unwrap().status(), 200, "{asset}");
    }
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app
        .client
        .post(app.at("/logout"))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let same_origin = app.client.post(app.at("/logout")).header("origin", app.url.clone()).send().await.unwrap();
    assert!(same_origin.status().is_redirection() || same_origin.status().is_success());
}

#[tokio::test]
async fn session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.sign_up("ada").await;
    let response = app
        .client
        .post(app.at("/api/v1/login"))
        .json(&json!({"email": "ada@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("prospo_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
}

/// The router and the document name the same API: each documented path answers (an undocumented
/// method gets 405 whose `Allow` lists exactly the documented ones), and no API route is added
/// outside the documented routers.
#[tokio::test]
async fn the_router_and_the_document_list_the_same_routes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, doc) = app.get_json("/api/openapi.json", None).await;
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 25, "{}", paths.len());
    for (path, item) in paths {
        let concrete: String = path
            .split('/')
            .map(|segment| if segment.starts_with('{') { "x" } else { segment })
            .collect::<Vec<_>>()
            .join("/");
        let mut documented: Vec<String> =
            item.as_object().unwrap().keys().filter(|k| k.as_str() != "parameters").map(|k| k.to_uppercase()).collect();
        if documented.iter().any(|m| m == "GET") {
            documented.push("HEAD".into());
        }
        documented.sort();
        let probe = app.client.request(reqwest::Method::OPTIONS, app.at(&concrete)).send().await.unwrap();
        assert_eq!(probe.status(), 405, "{path}: OPTIONS is no documented method");
        let mut allowed: Vec<String> =
            probe.headers()["allow"].to_str().unwrap().split(',').map(|m| m.trim().to_owned()).collect();
        allowed.sort();
        assert_eq!(allowed, documented, "{path}: the router's methods are the documented ones");
    }
    // Routes under /api come only from the documented routers (utoipa-axum's `routes!`).
    let api_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![api_dir];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap();
                let in_api = path.components().any(|c| c.as_os_str() == "api");
                assert!(!source.contains(".route(\"/api"), "{}: an /api route outside the document", path.display());
                assert!(!(in_api && source.contains(".route(")), "{}: a plain .route( in the API", path.display());
            }
        }
    }
}
