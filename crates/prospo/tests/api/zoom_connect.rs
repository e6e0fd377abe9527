//! Settings → Integrations → Zoom through the API, against the Zoom sandbox.

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Backend, TestApp, connect_body};

const REQUIRED: [&str; 8] = [
    "meeting:write:meeting",
    "meeting:read:meeting",
    "meeting:update:meeting",
    "meeting:delete:meeting",
    "user:read:user",
    "cloud_recording:read:list_recording_files",
    "cloud_recording:read:list_user_recordings",
    "cloud_recording:delete:recording_file",
];

async fn zoom_status(app: &TestApp, token: &str) -> Value {
    let (status, body) = app.get_json("/api/v1/integrations/zoom", Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn error_of(body: &Value) -> (&str, &str) {
    (body["error"]["code"].as_str().unwrap_or_default(), body["error"]["message"].as_str().unwrap_or_default())
}

on_both_backends! {
    async fn save_and_connect_makes_two_zoom_calls_and_shows_the_email(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        assert_eq!(zoom_status(&app, &token).await["status"], "not_connected");

        let zoom = app.zoom_app(json!({"email": "ada@zoom.example"})).await;
        // A pasted trailing space or newline is forgiven.
        let body = json!({
            "account_id": format!("{} ", zoom["account_id"].as_str().unwrap()),
            "client_id": format!("\n{}", zoom["client_id"].as_str().unwrap()),
            "client_secret": format!("{}\n", zoom["client_secret"].as_str().unwrap()),
        });
        let (status, view) = app.put_json("/api/v1/integrations/zoom", &body, Some(&token)).await;
        assert_eq!(status, 200, "{view}");
        assert_eq!(view["status"], "connected");
        assert_eq!(view["email"], "ada@zoom.example");
        assert_eq!(view["zoom_user_id"], zoom["user_id"]);
        assert_eq!(view["account_id"], zoom["account_id"]);
        assert_eq!(view["client_id"], zoom["client_id"]);
        assert_eq!(view["missing_recommended_scopes"], json!([]));
        let connection_id = view["connection_id"].as_str().unwrap();
        assert_eq!(view["webhook_url"], format!("{}/webhooks/zoom/{connection_id}", app.url));
        assert!(!view.to_string().contains(zoom["client_secret"].as_str().unwrap()), "secret in an answer");

        let stats = app.zoom_stats(zoom["client_id"].as_str().unwrap()).await;
        assert_eq!((stats["token_requests"].as_i64(), stats["api_requests"].as_i64()), (Some(1), Some(1)), "{stats}");
    }
}

on_both_backends! {
    async fn a_malformed_account_id_never_reaches_zoom(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let zoom = app.zoom_app(json!({})).await;
        for bad in ["abc def ghi jkl mno pq", "ada@example.com", "https://zoom.us/account/x", "\"q6gBJVO5TzexKYTb_I2rpg\"", "short"] {
            let body = json!({"account_id": bad, "client_id": zoom["client_id"], "client_secret": zoom["client_secret"]});
            let (status, answer) = app.put_json("/api/v1/integrations/zoom", &body, Some(&token)).await;
            assert_eq!(status, 422);
            assert_eq!(error_of(&answer), ("invalid_account_id", "Invalid Account ID format"));
            assert!(answer["error"]["fix"].as_str().is_some());
        }
        let stats = app.zoom_stats(zoom["client_id"].as_str().unwrap()).await;
        assert_eq!(stats["token_requests"], 0);
        assert_eq!(zoom_status(&app, &token).await["status"], "not_connected");
    }
}

on_both_backends! {
    async fn wrong_credentials_all_say_invalid_credentials(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let zoom = app.zoom_app(json!({})).await;
        let other = app.zoom_app(json!({})).await;
        let deactivated = app.zoom_app(json!({"activated": false})).await;
        let secret_upper = zoom["client_secret"].as_str().unwrap().to_uppercase();
        let cases = [
            json!({"account_id": zoom["account_id"], "client_id": zoom["client_id"], "client_secret": "wrong-secret"}),
            json!({"account_id": zoom["account_id"], "client_id": zoom["client_id"], "client_secret": secret_upper}),
            json!({"account_id": other["account_id"], "client_id": zoom["client_id"], "client_secret": zoom["client_secret"]}),
            json!({"account_id": "AAAAAAAAAAAAAAAAAAAAAA", "client_id": zoom["client_id"], "client_secret": zoom["client_secret"]}),
            connect_body(&deactivated),
            json!({"account_id": zoom["account_id"], "client_id": "", "client_secret": zoom["client_secret"]}),
            json!({"account_id": zoom["account_id"], "client_id": zoom["client_id"], "client_secret": "two words"}),
        ];
        for body in cases {
            let (status, answer) = app.put_json("/api/v1/integrations/zoom", &body, Some(&token)).await;
            assert_eq!(status, 422, "{body}");
            assert_eq!(error_of(&answer), ("invalid_credentials", "Invalid credentials"), "{body}");
        }
        assert_eq!(zoom_status(&app, &token).await["status"], "not_connected");
    }
}

on_both_backends! {
    async fn missing_scopes_are_named_in_the_tables_order(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let scopes: Vec<String> = REQUIRED
            .iter()
            .filter(|s| !["user:read:user", "meeting:write:meeting", "cloud_recording:delete:recording_file"].contains(s))
            .map(|s| format!("{s}:admin"))
            .collect();
        let zoom = app.zoom_app(json!({"scopes": scopes})).await;
        let (status, answer) = app.put_json("/api/v1/integrations/zoom", &connect_body(&zoom), Some(&token)).await;
        assert_eq!(status, 422);
        assert_eq!(
            error_of(&answer),
            ("missing_scopes", "Your Zoom app is missing required permissions: meeting:write:meeting, user:read:user, cloud_recording:delete:recording_file")
        );
        assert_eq!(answer["error"]["missing_scopes"], json!(["meeting:write:meeting", "user:read:user", "cloud_recording:delete:recording_file"]));
        assert_eq!(zoom_status(&app, &token).await["status"], "not_connected");
    }
}

#[tokio::test]
async fn classic_and_master_scopes_satisfy_and_the_recommended_one_is_noted() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    let classic = app.zoom_app(json!({"scopes": ["meeting:write:admin", "meeting:read:admin", "user:read:admin", "recording:read:admin", "recording:write:admin"]})).await;
    let (status, view) = app.put_json("/api/v1/integrations/zoom", &connect_body(&classic), Some(&token)).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["missing_recommended_scopes"], json!([]), "meeting:read:admin covers listing");

    let master: Vec<String> = REQUIRED.iter().map(|s| format!("{s}:master")).collect();
    let zoom = app.zoom_app(json!({"scopes": master})).await;
    let (status, view) = app.put_json("/api/v1/integrations/zoom", &connect_body(&zoom), Some(&token)).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["missing_recommended_scopes"], json!(["meeting:read:list_meetings"]));
}

on_both_backends! {
    async fn zoom_user_is_asked_for_when_me_is_refused(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let zoom = app.zoom_app(json!({"email": "admin@corp.example"})).await;
        let client_id = zoom["client_id"].as_str().unwrap();
        app.patch_zoom_app(client_id, json!({"me_missing": true})).await;
        let (status, answer) = app.put_json("/api/v1/integrations/zoom", &connect_body(&zoom), Some(&token)).await;
        assert_eq!((status, error_of(&answer).0), (422, "zoom_user_required"));

        let response = app.client.post(format!("{}/_sandbox/apps/{client_id}/users", app.zoom.url)).json(&json!({"email": "ada@corp.example"})).send().await.unwrap();
        assert_eq!(response.status(), 201);
        let mut body = connect_body(&zoom);
        body["zoom_user"] = json!("nobody@corp.example");
        let (status, answer) = app.put_json("/api/v1/integrations/zoom", &body, Some(&token)).await;
        assert_eq!((status, error_of(&answer).0), (422, "zoom_user_not_found"));
        body["zoom_user"] = json!("Ada@Corp.example");
        let (status, view) = app.put_json("/api/v1/integrations/zoom", &body, Some(&token)).await;
        assert_eq!(status, 200, "{view}");
        assert_eq!(view["email"], "ada@corp.example");
    }
}

on_both_backends! {
    async fn zoom_unavailable_saves_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let zoom = app.zoom_app(json!({})).await;
        for fault in [json!({"fail_rate": 1.0, "fail_status": 503}), json!({"fail_rate": 1.0, "fail_status": 429}), json!({"drop_after_commit_rate": 1.0, "fail_rate": 1.0, "fail_status": 500})] {
            let response = app.client.put(format!("{}/_sandbox/faults", app.zoom.url)).json(&fault).send().await.unwrap();
            assert!(response.status().is_success());
            let (status, answer) = app.put_json("/api/v1/integrations/zoom", &connect_body(&zoom), Some(&token)).await;
            assert_eq!((status, error_of(&answer).0), (503, "zoom_unavailable"), "{fault}");
            assert!(error_of(&answer).1.contains("Nothing was saved"));
        }
        app.client.put(format!("{}/_sandbox/faults", app.zoom.url)).json(&json!({})).send().await.unwrap();
        assert_eq!(zoom_status(&app, &token).await["status"], "not_connected");
        let (status, _) = app.put_json("/api/v1/integrations/zoom", &connect_body(&zoom), Some(&token)).await;
        assert_eq!(status, 200);
    }
}

on_both_backends! {
    async fn update_replaces_only_after_the_new_credentials_pass(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let first = app.connect_zoom(&token).await;
        // A blank secret keeps the stored one.
        let body = json!({"account_id": first["account_id"], "client_id": first["client_id"], "client_secret": ""});
        let (status, view) = app.put_json("/api/v1/integrations/zoom", &body, Some(&token)).await;
        assert_eq!(status, 200, "{view}");
        // Bad new credentials leave the old connection in place.
        let second = app.zoom_app(json!({"email": "second@zoom.example"})).await;
        let bad = json!({"account_id": second["account_id"], "client_id": second["client_id"], "client_secret": "nope"});
        let (status, _) = app.put_json("/api/v1/integrations/zoom", &bad, Some(&token)).await;
        assert_eq!(status, 422);
        let view = zoom_status(&app, &token).await;
        assert_eq!((view["status"].as_str(), view["client_id"].as_str()), (Some("connected"), first["client_id"].as_str()));
        // Good ones replace it.
        let (status, view) = app.put_json("/api/v1/integrations/zoom", &connect_body(&second), Some(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(view["email"], "second@zoom.example");
        assert_eq!(view["client_id"], second["client_id"]);
    }
}

on_both_backends! {
    async fn double_submits_leave_one_connection(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let zoom = app.zoom_app(json!({})).await;
        let body = connect_body(&zoom);
        let (a, b) = tokio::join!(
            app.put_json("/api/v1/integrations/zoom", &body, Some(&token)),
            app.put_json("/api/v1/integrations/zoom", &body, Some(&token)),
        );
        assert_eq!((a.0, b.0), (200, 200));
        let count = app.count("SELECT COUNT(*) FROM zoom_connections").await;
        assert_eq!(count, 1);
    }
}

on_both_backends! {
    async fn another_user_sees_and_changes_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = app.sign_up("ada").await;
        let bob = app.sign_up("bob").await;
        app.connect_zoom(&ada).await;
        assert_eq!(zoom_status(&app, &bob).await["status"], "not_connected");
        let (status, _) = app.delete("/api/v1/integrations/zoom", Some(&bob)).await;
        assert_eq!(status, 204);
        let (status, answer) = app.post_json("/api/v1/integrations/zoom/check", &json!({}), Some(&bob)).await;
        assert_eq!((status, error_of(&answer).0), (404, "not_connected"));
        let (status, _) = app.patch_json("/api/v1/integrations/zoom", &json!({"webhook_secret": "x"}), Some(&bob)).await;
        assert_eq!(status, 404);
        assert_eq!(zoom_status(&app, &ada).await["status"], "connected");
        let (status, _) = app.get_json("/api/v1/integrations/zoom", None).await;
        assert_eq!(status, 401);
    }
}

on_both_backends! {
    async fn check_now_follows_deactivation_and_scope_removal(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let zoom = app.connect_zoom(&token).await;
        let client_id = zoom["client_id"].as_str().unwrap();
        let empty = json!({});
        let check = || app.post_json("/api/v1/integrations/zoom/check", &empty, Some(&token));

        app.patch_zoom_app(client_id, json!({"activated": false})).await;
        let (status, view) = check().await;
        assert_eq!(status, 200);
        assert_eq!(view["status"], "needs_attention");
        assert_eq!(view["error"]["message"], "Invalid credentials");
        app.patch_zoom_app(client_id, json!({"activated": true})).await;
        let (_, view) = check().await;
        assert_eq!(view["status"], "connected", "{view}");
        assert!(view.get("error").is_none());

        let fewer: Vec<String> = REQUIRED.iter().filter(|s| **s != "meeting:update:meeting").map(|s| format!("{s}:admin")).collect();
        app.patch_zoom_app(client_id, json!({"scopes": fewer})).await;
        let (_, view) = check().await;
        assert_eq!(view["status"], "needs_attention");
        assert_eq!(view["error"]["message"], "Your Zoom app is missing required permissions: meeting:update:meeting");
        let all: Vec<String> = REQUIRED.iter().map(|s| format!("{s}:admin")).collect();
        app.patch_zoom_app(client_id, json!({"scopes": all})).await;
        let (_, view) = check().await;
        assert_eq!(view["status"], "connected");
    }
}

#[tokio::test]
async fn the_periodic_check_notices_a_deactivated_app() {
    let app =
        TestApp::spawn_with(Backend::Sqlite, |c| c.zoom_check_interval = std::time::Duration::from_millis(500)).await;
    let token = app.sign_up("ada").await;
    let zoom = app.connect_zoom(&token).await;
    app.patch_zoom_app(zoom["client_id"].as_str().unwrap(), json!({"activated": false})).await;
    let mut view = Value::Null;
    for _ in 0..50 {
        view = zoom_status(&app, &token).await;
        if view["status"] == "needs_attention" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(view["status"], "needs_attention", "{view}");
    assert_eq!(view["error"]["code"], "invalid_credentials");
    assert!(view["last_checked_at"].is_string());
}

on_both_backends! {
    async fn disconnect_erases_the_credentials(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        app.connect_zoom(&token).await;
        let (status, _) = app.delete("/api/v1/integrations/zoom?delete_upcoming=true", Some(&token)).await;
        assert_eq!(status, 204);
        assert_eq!(zoom_status(&app, &token).await["status"], "not_connected");
        let count = app.count("SELECT COUNT(*) FROM zoom_connections").await;
        assert_eq!(count, 0);
    }
}

on_both_backends! {
    async fn secrets_are_sealed_and_never_answered(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let zoom = app.connect_zoom(&token).await;
        let secret = zoom["client_secret"].as_str().unwrap();
        let (status, view) = app.patch_json("/api/v1/integrations/zoom", &json!({"webhook_secret": "whsec-plain-value"}), Some(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(view["webhook_secret_set"], true);
        assert!(!view.to_string().contains("whsec-plain-value"));
        let rows: Vec<(Vec<u8>, Option<Vec<u8>>)> = match &app.db {
            prospo::store::Db::Sqlite(pool) => sqlx::query_as("SELECT client_secret_sealed, webhook_secret_sealed FROM zoom_connections").fetch_all(pool).await.unwrap(),
            prospo::store::Db::Postgres(pool) => sqlx::query_as("SELECT client_secret_sealed, webhook_secret_sealed FROM zoom_connections").fetch_all(pool).await.unwrap(),
        };
        let (client_sealed, webhook_sealed) = &rows[0];
        let contains = |hay: &[u8], needle: &str| hay.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!contains(client_sealed, secret));
        assert!(!contains(webhook_sealed.as_ref().unwrap(), "whsec-plain-value"));
        assert_eq!(client_sealed[0], 1, "sealed values start with their version byte");
    }
}

#[tokio::test]
async fn the_sqlite_file_never_holds_the_client_secret() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    let zoom = app.connect_zoom(&token).await;
    app.db.close().await;
    let mut bytes = std::fs::read(app.data_dir.join("prospo.db")).unwrap();
    bytes.extend(std::fs::read(app.data_dir.join("prospo.db-wal")).unwrap_or_default());
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(haystack.contains(zoom["client_id"].as_str().unwrap()), "the check reads the right file");
    assert!(!haystack.contains(zoom["client_secret"].as_str().unwrap()));
}
