//! Shared by the integration test binaries: start Prospo in-process on port 0 over a fresh
//! database (SQLite always; PostgreSQL when PROSPO_TEST_POSTGRES_URL is set) and talk HTTP to it.
#![allow(dead_code)] // each test binary uses its own part of this

pub mod feed;
pub mod providers;
pub mod smtp_sink;

use std::path::PathBuf;

use prospo::config::Config;
use prospo::startup::Application;
use prospo::store::Db;
use serde_json::{Value, json};
use tokio::net::TcpListener;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one async test body on SQLite and, when configured, on PostgreSQL.
/// Without PROSPO_TEST_POSTGRES_URL the PostgreSQL half says loudly that it was skipped.
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* async fn $name:ident($backend:ident: Backend) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($backend: $crate::support::Backend) $body

            #[tokio::test]
            async fn sqlite() {
                run($crate::support::Backend::Sqlite).await
            }

            #[tokio::test]
            async fn postgres() {
                if $crate::support::postgres_admin_url().is_none() {
                    eprintln!("SKIPPED {}::postgres: set PROSPO_TEST_POSTGRES_URL to run it", module_path!());
                    return;
                }
                run($crate::support::Backend::Postgres).await
            }
        }
    };
}

pub fn postgres_admin_url() -> Option<String> {
    std::env::var("PROSPO_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())
}

/// A fresh, empty database of the given backend; SQLite lives in `dir`.
pub async fn fresh_database_url(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("prospo.db").display()),
        Backend::Postgres => {
            let admin = postgres_admin_url().expect("PROSPO_TEST_POSTGRES_URL");
            let name = format!("prospo_test_{}", uuid::Uuid::new_v4().simple());
            let db = Db::connect(&admin).await.expect("connect to PROSPO_TEST_POSTGRES_URL");
            let Db::Postgres(pool) = &db else { unreachable!() };
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(pool)
                .await
                .expect("create test database");
            db.close().await;
            let mut url = url::Url::parse(&admin).expect("PROSPO_TEST_POSTGRES_URL is a URL");
            url.set_path(&name);
            url.to_string()
        }
    }
}

/// Also turns on logs when PROSPO_TEST_LOG names a filter (e.g. `prospo=debug`), to debug a test.
pub fn install_crypto() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    if let Ok(filter) = std::env::var("PROSPO_TEST_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    }
}

pub struct TestApp {
    pub url: String,
    /// The Zoom sandbox this app talks to.
    pub zoom: zoom_sandbox::RunningSandbox,
    pub db: Db,
    /// The running application's context: its clock, its queues' wakers.
    pub state: prospo::http::AppState,
    pub data_dir: PathBuf,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        install_crypto();
        let dir = tempfile::tempdir().expect("temp dir");
        let zoom = zoom_sandbox::spawn(zoom_sandbox::Sandbox::in_memory(), "127.0.0.1:0").await.expect("sandbox");
        let mut config = Config::for_data_dir(dir.path());
        config.database_url = fresh_database_url(backend, dir.path()).await;
        config.public_rate_limit = None;
        config.zoom_oauth_url = zoom.url.clone();
        config.zoom_api_url = format!("{}/v2", zoom.url);
        config.poll_interval = std::time::Duration::from_millis(200);
        // The loopback servers the tests start (CalDAV servers, feeds) are reached by this address.
        config.allow_private_targets = "127.0.0.1".parse().expect("allow list");
        adjust(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let app = Application::build(config, listener).await.expect("build app");
        let url = app.url();
        let db = app.state.db.clone();
        let state = app.state.clone();
        let server = tokio::spawn(async move {
            app.run_until(std::future::pending()).await.expect("server");
        });
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        TestApp { url, zoom, db, state, data_dir: dir.path().to_owned(), client, _dir: dir, server }
    }

    /// A second Prospo instance on this one's PostgreSQL database, keyring and Zoom sandbox, as
    /// several instances run in production.
    pub async fn second_instance(&self) -> TestApp {
        self.second_instance_with(|_| {}).await
    }

    /// A second instance as [`TestApp::second_instance`], with more settings changed by `adjust`.
    pub async fn second_instance_with(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let database_url = match &self.db {
            Db::Postgres(pool) => {
                let options = pool.connect_options();
                format!("postgres://postgres@127.0.0.1:{}/{}", options.get_port(), options.get_database().unwrap())
            }
            Db::Sqlite(_) => panic!("a second instance shares a PostgreSQL database"),
        };
        let zoom_url = self.zoom.url.clone();
        // Instances sharing a database share its keyring too.
        let keys = self.data_dir.join("secret.keys");
        TestApp::spawn_with(Backend::Sqlite, |c| {
            c.key_source = prospo::secrets::KeySource::File { path: keys, create_if_missing: false };
            c.database_url = database_url;
            c.zoom_oauth_url = zoom_url.clone();
            c.zoom_api_url = format!("{zoom_url}/v2");
            adjust(c);
        })
        .await
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.post(self.at(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        read_json(response).await
    }

    pub async fn get_json(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.get(self.at(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read_json(request.send().await.expect("request")).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.delete(self.at(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read_json(request.send().await.expect("request")).await
    }

    /// Signs up a user named `username`, confirms its email with the link it was mailed, and
    /// returns its API token.
    pub async fn sign_up(&self, username: &str) -> String {
        let token = self.sign_up_unconfirmed(username).await;
        let email = format!("{username}@example.com");
        let mails = self.queued_mails("verify_email").await;
        let mail = mails.iter().rev().find(|mail| mail.recipient == email).expect("a verification mail");
        let link = mail.text_body.split_whitespace().find(|word| word.contains("/verify-email/")).expect("a link");
        // The link names the public URL, which need not be this server's address.
        let path = &link[link.find("/verify-email/").unwrap()..];
        let page = self.client.get(self.at(path)).send().await.unwrap();
        assert_eq!(page.status(), 200, "the verification link works");
        token
    }

    /// Signs up a user named `username` whose email stays unconfirmed; returns its API token.
    pub async fn sign_up_unconfirmed(&self, username: &str) -> String {
        let (status, body) = self
            .post_json(
                "/api/v1/signup",
                &json!({"email": format!("{username}@example.com"), "password": "correct horse battery", "name": username, "username": username}),
                None,
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }
}

impl TestApp {
    /// A new sandbox Zoom app (its own account and owner user), with `body` as for `POST /_sandbox/apps`.
    pub async fn zoom_app(&self, body: Value) -> Value {
        let response = self.client.post(format!("{}/_sandbox/apps", self.zoom.url)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    pub async fn patch_zoom_app(&self, client_id: &str, body: Value) {
        let response =
            self.client.patch(format!("{}/_sandbox/apps/{client_id}", self.zoom.url)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    pub async fn zoom_stats(&self, client_id: &str) -> Value {
        let response =
            self.client.get(format!("{}/_sandbox/apps/{client_id}/stats", self.zoom.url)).send().await.unwrap();
        response.json().await.unwrap()
    }

    /// Waits (bounded) until the sandbox has finished delivering `n` event notifications of the app
    /// `client_id` (each answered by Prospo, so its effect is committed).
    pub async fn wait_for_zoom_webhooks(&self, client_id: &str, n: u64) {
        let mut finished = 0;
        for _ in 0..150 {
            finished = self.zoom_stats(client_id).await["webhooks_finished"].as_u64().unwrap_or(0);
            if finished >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the sandbox finished {finished} of {n} webhook deliveries");
    }

    /// A Zoom meeting that took place `days` ago: made an hour ahead (a meeting cannot be made in
    /// the past), moved back by its host, and followed in Zoom. Returns its id and Zoom's id.
    pub async fn past_zoom_meeting(&self, token: &str, topic: &str, days: i64, invitees: Value) -> (String, i64) {
        let minute = |t: jiff::Timestamp| t.round(jiff::Unit::Minute).unwrap().to_string();
        let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
        let body = json!({"topic": topic, "start": minute(soon), "duration_minutes": 30, "timezone": "UTC",
                          "invitees": invitees});
        let (status, made) = self.post_json("/api/v1/meetings", &body, Some(token)).await;
        assert_eq!(status, 201, "{made}");
        let id = made["id"].as_str().unwrap().to_owned();
        let then = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days);
        let (status, moved) =
            self.patch_json(&format!("/api/v1/meetings/{id}"), &json!({"start": minute(then)}), Some(token)).await;
        assert_eq!(status, 200, "{moved}");
        for _ in 0..150 {
            let (_, meeting) = self.get_json(&format!("/api/v1/meetings/{id}?live=false"), Some(token)).await;
            if meeting["zoom"]["status"] == "created" && meeting["zoom"]["pending_change"].is_null() {
                return (id, meeting["zoom"]["meeting_id"].as_i64().unwrap());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the Zoom meeting of {id} was never brought up to date");
    }

    /// A host `username` with Zoom connected, open every day all day (UTC), and a 30-minute Zoom
    /// event type at `/USERNAME/SLUG` bookable at once (no notice); returns the host's token.
    pub async fn bookable_host(&self, username: &str, title: &str, slug: &str) -> String {
        let token = self.sign_up(username).await;
        self.connect_zoom(&token).await;
        let hours = json!([["00:00", "23:59"]]);
        let weekly =
            json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": hours, "sun": hours});
        let (status, body) =
            self.put_json("/api/v1/availability", &json!({"timezone": "UTC", "weekly": weekly}), Some(&token)).await;
        assert_eq!(status, 200, "{body}");
        let event = json!({"title": title, "slug": slug, "duration_minutes": 30, "location": "zoom", "minimum_notice_minutes": 0});
        let (status, body) = self.post_json("/api/v1/event-types", &event, Some(&token)).await;
        assert_eq!(status, 201, "{body}");
        token
    }

    /// Connects Zoom for the user with this token through the API; returns the sandbox app.
    pub async fn connect_zoom(&self, token: &str) -> Value {
        let app = self.zoom_app(json!({})).await;
        let (status, body) = self.put_json("/api/v1/integrations/zoom", &connect_body(&app), Some(token)).await;
        assert_eq!(status, 200, "{body}");
        app
    }

    pub async fn put_json(&self, path: &str, body: &Value, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.put(self.at(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read_json(request.send().await.expect("request")).await
    }

    pub async fn patch_json(&self, path: &str, body: &Value, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.patch(self.at(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read_json(request.send().await.expect("request")).await
    }
}

impl TestApp {
    /// Runs a `SELECT COUNT(*) …` on whichever backend the app uses.
    pub async fn count(&self, sql: &'static str) -> i64 {
        match &self.db {
            Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
            Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        }
    }
}

/// A mail in the outbox, as queued.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueuedMail {
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
}

impl TestApp {
    /// Runs a statement on whichever backend the app uses (tests use it to let time pass).
    pub async fn execute(&self, sql: &str) {
        match &self.db {
            Db::Sqlite(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(pool).await.map(|_| ()),
            Db::Postgres(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(pool).await.map(|_| ()),
        }
        .unwrap();
    }

    /// Waits (bounded) until no job of `queue` is due by the application's clock.
    pub async fn wait_for_due_jobs(&self, queue: &str) {
        let sql = format!(
            "SELECT COUNT(*) FROM jobs WHERE queue = '{queue}' AND failed_at IS NULL AND run_at <= {}",
            self.state.now_ms()
        );
        for _ in 0..150 {
            if self.count_owned(sql.clone()).await == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{queue} jobs stayed due");
    }

    /// Runs a query with one integer answer, built at run time.
    pub async fn count_owned(&self, sql: String) -> i64 {
        match &self.db {
            Db::Sqlite(pool) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap(),
            Db::Postgres(pool) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap(),
        }
    }

    /// The outbox's mails of one kind, oldest first.
    pub async fn queued_mails(&self, kind: &'static str) -> Vec<QueuedMail> {
        const SQL: &str =
            "SELECT kind, recipient, subject, text_body FROM outbox WHERE kind = $1 ORDER BY created_at, recipient";
        match &self.db {
            Db::Sqlite(pool) => sqlx::query_as(SQL).bind(kind).fetch_all(pool).await.unwrap(),
            Db::Postgres(pool) => sqlx::query_as(SQL).bind(kind).fetch_all(pool).await.unwrap(),
        }
    }
}

/// The Save & Connect body for a sandbox app.
pub fn connect_body(app: &Value) -> Value {
    json!({"account_id": app["account_id"], "client_id": app["client_id"], "client_secret": app["client_secret"]})
}

pub async fn read_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, value)
}

/// A single-line message of a language's Fluent file (`locales/{lang}.ftl`), as the file writes it:
/// tests read what a page or mail should say in that language from the same source the app does.
pub fn message(lang: &str, key: &str) -> String {
    let path = format!("{}/locales/{lang}.ftl", env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let prefix = format!("{key} = ");
    let line = file.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{key} in {path}"));
    line[prefix.len()..].to_owned()
}
