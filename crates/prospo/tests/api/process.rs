//! The real binary: the `listening on` line, secrets absent from logs at trace level, graceful
//! shutdown on SIGTERM, and `keys rotate` re-sealing stored secrets.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use serde_json::json;

use crate::support::{self, connect_body};

struct Server {
    child: Child,
    url: String,
}

/// Starts `prospo serve` on port 0 against `zoom_url`, logging at trace level to a pipe.
fn start_server(data_dir: &std::path::Path, zoom_url: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_prospo"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(["--zoom-oauth-url", zoom_url, "--zoom-api-url", &format!("{zoom_url}/v2")])
        .env("PROSPO_LOG", "trace")
        .env_remove("DATABASE_URL")
        .env_remove("PROSPO_SECRET_KEYS")
        .env_remove("PROSPO_SECRET_KEYS_FILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start prospo");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the first line");
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line was {line:?}")).to_owned();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{url}");
    Server { child, url }
}

fn terminate(mut server: Server) -> (std::process::ExitStatus, String) {
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.child.wait().unwrap();
    let mut logs = String::new();
    server.child.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    (status, logs)
}

#[tokio::test]
async fn secrets_never_reach_the_logs_even_at_trace_level() {
    support::install_crypto();
    let zoom = zoom_sandbox::spawn(zoom_sandbox::Sandbox::in_memory(), "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), &zoom.url);
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{}{path}", server.url);

    let signup =
        json!({"email": "ada@example.com", "password": "correct horse battery", "name": "Ada", "username": "ada"});
    let body: serde_json::Value =
        client.post(api("/api/v1/signup")).json(&signup).send().await.unwrap().json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    let app: serde_json::Value =
        client.post(format!("{}/_sandbox/apps", zoom.url)).json(&json!({})).send().await.unwrap().json().await.unwrap();
    let secret = app["client_secret"].as_str().unwrap().to_owned();
    let wrong =
        json!({"account_id": app["account_id"], "client_id": app["client_id"], "client_secret": format!("{secret}x")});
    let response = client.put(api("/api/v1/integrations/zoom")).bearer_auth(&token).json(&wrong).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let response = client
        .put(api("/api/v1/integrations/zoom"))
        .bearer_auth(&token)
        .json(&connect_body(&app))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let webhook = json!({"webhook_secret": "whsec-trace-probe"});
    client.patch(api("/api/v1/integrations/zoom")).bearer_auth(&token).json(&webhook).send().await.unwrap();
    client.post(api("/api/v1/integrations/zoom/check")).bearer_auth(&token).send().await.unwrap();

    let (status, logs) = terminate(server);
    assert!(status.success(), "SIGTERM ends the server cleanly: {status:?}");
    assert!(logs.contains("zoom connected"), "the logs were captured at trace level");
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{secret}", app["client_id"].as_str().unwrap()));
    for needle in [secret.as_str(), &basic, "whsec-trace-probe", "correct horse battery", &token] {
        assert!(!logs.contains(needle), "a secret reached the logs: {needle}");
    }
}

#[tokio::test]
async fn keys_rotate_reseals_stored_secrets() {
    support::install_crypto();
    let zoom = zoom_sandbox::spawn(zoom_sandbox::Sandbox::in_memory(), "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), &zoom.url);
    let client = reqwest::Client::new();
    let signup =
        json!({"email": "ada@example.com", "password": "correct horse battery", "name": "Ada", "username": "ada"});
    let body: serde_json::Value =
        client.post(format!("{}/api/v1/signup", server.url)).json(&signup).send().await.unwrap().json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    let app: serde_json::Value =
        client.post(format!("{}/_sandbox/apps", zoom.url)).json(&json!({})).send().await.unwrap().json().await.unwrap();
    let url = format!("{}/api/v1/integrations/zoom", server.url);
    assert_eq!(client.put(&url).bearer_auth(&token).json(&connect_body(&app)).send().await.unwrap().status(), 200);
    terminate(server);

    let output = Command::new(env!("CARGO_BIN_EXE_prospo"))
        .args(["keys", "rotate", "--data-dir"])
        .arg(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("PROSPO_SECRET_KEYS")
        .env_remove("PROSPO_SECRET_KEYS_FILE")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("key 2 added; 1 stored secrets re-encrypted"));
    let keys = std::fs::read_to_string(dir.path().join("secret.keys")).unwrap();
    assert_eq!(keys.lines().count(), 2);

    // The sealed secret now names key 2, and the restarted server still uses it.
    let db = prospo::store::Db::connect(&format!("sqlite://{}", dir.path().join("prospo.db").display())).await.unwrap();
    let sealed = db.sealed_zoom_secrets().await.unwrap();
    assert_eq!(sealed[0].2[1..5], 2u32.to_be_bytes());
    db.close().await;
    let server = start_server(dir.path(), &zoom.url);
    let check = format!("{}/api/v1/integrations/zoom/check", server.url);
    let view: serde_json::Value = client.post(&check).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(view["status"], "connected", "{view}");
    terminate(server);
}
