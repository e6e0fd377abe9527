//! The real binary: the `listening on` line, secrets absent from logs at trace level, graceful
//! shutdown on SIGTERM, and `keys rotate` re-sealing stored secrets.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use serde_json::json;

use crate::support::smtp_sink::SmtpSink;
use crate::support::{self, connect_body};

struct Server {
    child: Child,
    url: String,
    /// The server's stderr, read as it comes (an unread pipe would fill and block the server).
    logs: std::thread::JoinHandle<String>,
}

/// Starts `prospo serve` on port 0 against `zoom_url` with more command-line options, logging at
/// trace level to a pipe.
fn start_server_with(data_dir: &std::path::Path, zoom_url: &str, options: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_prospo"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(["--zoom-oauth-url", zoom_url, "--zoom-api-url", &format!("{zoom_url}/v2")])
        .args(options)
        .env("PROSPO_LOG", "trace")
        .env_remove("DATABASE_URL")
        .env_remove("PROSPO_SECRET_KEYS")
        .env_remove("PROSPO_SECRET_KEYS_FILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start prospo");
    // Read the logs from the start: trace-level start-up logs (every migration statement) fill a
    // pipe's buffer before the first stdout line, and an unread pipe would block the server.
    let mut stderr = child.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        let mut logs = String::new();
        let _ = stderr.read_to_string(&mut logs);
        logs
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the first line");
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line was {line:?}")).to_owned();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{url}");
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    Server { child, url, logs }
}

fn terminate(mut server: Server) -> (std::process::ExitStatus, String) {
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.child.wait().unwrap();
    (status, server.logs.join().unwrap())
}

/// Signs up Ada and connects a new sandbox app through the API; returns her API token.
async fn sign_up_and_connect(client: &reqwest::Client, server_url: &str, zoom_url: &str) -> String {
    let signup =
        json!({"email": "ada@example.com", "password": "correct horse battery", "name": "Ada", "username": "ada"});
    let body: serde_json::Value =
        client.post(format!("{server_url}/api/v1/signup")).json(&signup).send().await.unwrap().json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    let app: serde_json::Value =
        client.post(format!("{zoom_url}/_sandbox/apps")).json(&json!({})).send().await.unwrap().json().await.unwrap();
    let url = format!("{server_url}/api/v1/integrations/zoom");
    assert_eq!(client.put(&url).bearer_auth(&token).json(&connect_body(&app)).send().await.unwrap().status(), 200);
    token
}

#[tokio::test]
async fn secrets_never_reach_the_logs_even_at_trace_level() {
    support::install_crypto();
    let zoom = zoom_sandbox::spawn(zoom_sandbox::Sandbox::in_memory(), "127.0.0.1:0").await.unwrap();
    let scratch = tempfile::tempdir().unwrap();
    // A data folder Prospo makes itself.
    let data = scratch.path().join("data");
    let server = start_server_with(&data, &zoom.url, &["--allow-private-targets", "127.0.0.1"]);
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{}{path}", server.url);
    let feed = support::feed::FeedServer::start(&support::feed::calendar(&[])).await;

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
    // Calendar credentials: a feed URL (its path is the secret) and a CalDAV password.
    let added = client.post(api("/api/v1/calendars/ics")).bearer_auth(&token).json(&json!({"url": feed.url}));
    assert_eq!(added.send().await.unwrap().status(), 201);
    let caldav = json!({"url": "http://127.0.0.1:9/", "username": "ada", "password": "CalDavPasswordProbe"});
    let refused = client.post(api("/api/v1/calendars/caldav")).bearer_auth(&token).json(&caldav);
    assert_eq!(refused.send().await.unwrap().status(), 503);
    // Links whose path is a credential: their tokens stay out of the request logs.
    let link_tokens = ["ResetTokenProbe4711", "ManageTokenProbe4711", "VerifyTokenProbe4711"];
    for path in
        ["/password/reset/ResetTokenProbe4711", "/booking/ManageTokenProbe4711", "/verify-email/VerifyTokenProbe4711"]
    {
        client.get(api(path)).send().await.unwrap();
    }

    let (status, logs) = terminate(server);
    assert!(status.success(), "SIGTERM ends the server cleanly: {status:?}");
    assert!(logs.contains("zoom connected"), "the logs were captured at trace level");
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{secret}", app["client_id"].as_str().unwrap()));
    let secrets = [secret.as_str(), &basic, "whsec-trace-probe", "correct horse battery", &token];
    for needle in secrets.into_iter().chain(["secret-feed-k3y9", "CalDavPasswordProbe"]) {
        assert!(!logs.contains(needle), "a secret reached the logs: {needle}");
    }
    for needle in link_tokens {
        let leak = logs.lines().find(|line| line.contains(needle));
        assert!(leak.is_none(), "a link's token reached the logs: {leak:?}");
    }
    assert!(logs.contains("/password/reset/…"), "the request was logged, its token redacted");

    // What Prospo wrote is its own user's only.
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(data.as_path()), 0o700, "the data folder");
    for file in ["prospo.db", "secret.keys"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    let outbox = data.join("outbox");
    assert_eq!(mode(&outbox), 0o700, "the outbox folder");
    for mail in std::fs::read_dir(&outbox).unwrap() {
        assert_eq!(mode(&mail.unwrap().path()), 0o600, "a mail file");
    }
}

#[tokio::test]
async fn keys_rotate_reseals_stored_secrets() {
    support::install_crypto();
    let zoom = zoom_sandbox::spawn(zoom_sandbox::Sandbox::in_memory(), "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let feed = support::feed::FeedServer::start(&support::feed::calendar(&[])).await;
    let allow = ["--allow-private-targets", "127.0.0.1"];
    let server = start_server_with(dir.path(), &zoom.url, &allow);
    let client = reqwest::Client::new();
    let token = sign_up_and_connect(&client, &server.url, &zoom.url).await;
    let added = client.post(format!("{}/api/v1/calendars/ics", server.url)).bearer_auth(&token);
    let added: serde_json::Value = added.json(&json!({"url": feed.url})).send().await.unwrap().json().await.unwrap();
    let feed_id = added["id"].as_str().unwrap_or_else(|| panic!("{added}")).to_owned();
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
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("key 2 added; 2 stored secrets re-encrypted"), "{said}");
    let keys = std::fs::read_to_string(dir.path().join("secret.keys")).unwrap();
    assert_eq!(keys.lines().count(), 2);

    // The sealed secret now names key 2, and the restarted server still uses it.
    let db = prospo::store::Db::connect(&format!("sqlite://{}", dir.path().join("prospo.db").display())).await.unwrap();
    let sealed = db.sealed_zoom_secrets().await.unwrap();
    assert_eq!(sealed[0].2[1..5], 2u32.to_be_bytes());
    let calendar_secrets = db.sealed_calendar_secrets().await.unwrap();
    assert_eq!(calendar_secrets[0].2[1..5], 2u32.to_be_bytes(), "the feed URL is re-sealed too");
    db.close().await;
    let server = start_server_with(dir.path(), &zoom.url, &allow);
    let check = format!("{}/api/v1/integrations/zoom/check", server.url);
    let view: serde_json::Value = client.post(&check).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(view["status"], "connected", "{view}");
    let sync = format!("{}/api/v1/calendars/{feed_id}/sync", server.url);
    let view: serde_json::Value = client.post(&sync).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(view["status"], "connected", "the re-sealed feed URL still opens: {view}");
    assert!(feed.hits() >= 2);
    terminate(server);
}

/// The server is killed (SIGKILL) after a booking committed and before its mail went out (the mail
/// server was down); after a restart each mail arrives exactly once.
#[tokio::test]
async fn mail_of_a_booking_survives_a_crash_and_goes_out_once() {
    support::install_crypto();
    let zoom = zoom_sandbox::spawn(zoom_sandbox::Sandbox::in_memory(), "127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A port where nothing listens: every delivery fails until the restart.
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let smtp_down = format!("smtp://127.0.0.1:{down}");
    let mut server = start_server_with(dir.path(), &zoom.url, &["--smtp-url", &smtp_down]);
    let client = reqwest::Client::new();
    let token = sign_up_and_connect(&client, &server.url, &zoom.url).await;
    let db_url = format!("sqlite://{}", dir.path().join("prospo.db").display());
    // Her confirmation link cannot reach her (the mail server is down); until she confirms, her
    // invitations would wait.
    let db = prospo::store::Db::connect(&db_url).await.unwrap();
    let ada = db.user_by_email("ada@example.com").await.unwrap().unwrap();
    db.mark_email_verified(&ada.id, jiff::Timestamp::now().as_millisecond()).await.unwrap();
    db.close().await;
    let start = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(72)).unwrap();
    let meeting = json!({"topic": "Kickoff", "start": start.to_string(), "duration_minutes": 30, "timezone": "UTC",
                         "invitees": [{"name": "Grace", "email": "grace@example.com"}]});
    let made = client.post(format!("{}/api/v1/meetings", server.url)).bearer_auth(&token).json(&meeting).send().await;
    let made: serde_json::Value = made.unwrap().json().await.unwrap();
    // The Zoom meeting exists, so the first mails (held back for it) carry its link (behind the
    // dead mail server).
    let view = format!("{}/api/v1/meetings/{}?live=false", server.url, made["id"].as_str().unwrap());
    let mut got = serde_json::Value::Null;
    for _ in 0..150 {
        got = client.get(&view).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        if got["zoom"]["join_url"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(got["zoom"]["join_url"].is_string(), "the Zoom meeting was never created: {got}");
    assert!(Command::new("kill").args(["-KILL", &server.child.id().to_string()]).status().unwrap().success());
    server.child.wait().unwrap();

    let db = prospo::store::Db::connect(&db_url).await.unwrap();
    let unsent = db.unsent_mails().await.unwrap();
    db.close().await;
    assert_eq!(unsent, 3, "the verification, and Booked (with the link) to the host and the invitee, wait");

    let sink = SmtpSink::start().await;
    let server = start_server_with(dir.path(), &zoom.url, &["--smtp-url", &sink.url()]);
    // Verification, then Booked to the invitee and the host.
    // Every row marked sent means its mail was accepted: the sink then holds all there will be.
    let db = prospo::store::Db::connect(&db_url).await.unwrap();
    for _ in 0..300 {
        if db.unsent_mails().await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(db.unsent_mails().await.unwrap(), 0, "the restarted server never sent the waiting mail");
    db.close().await;
    let mut got: Vec<(String, String)> = sink
        .received()
        .iter()
        .map(|m| {
            let subject = crate::notifications::header(&m.raw, "Subject").unwrap_or_default();
            (m.recipients.join(","), subject.split(':').next().unwrap_or_default().to_owned())
        })
        .collect();
    got.sort();
    let expected = [
        ("ada@example.com", "Booked"),
        ("ada@example.com", "Confirm your email for Prospo"),
        ("grace@example.com", "Booked"),
    ];
    assert_eq!(got, expected.map(|(to, kind)| (to.to_owned(), kind.to_owned())), "each mail exactly once");
    terminate(server);
}

/// `prospo demo` seeds a team whose round robin page books at once (the teammates' Zoom is
/// connected to sandbox apps of their own), and a second start finds the same team again.
#[tokio::test]
async fn the_demo_team_page_books_offline_and_survives_a_restart() {
    support::install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    for run in 0..2 {
        let Demo { mut child, url, .. } = start_demo(dir.path());
        let date = jiff::Zoned::now().date().checked_add(jiff::Span::new().days(7)).unwrap();
        let slots: serde_json::Value = client
            .get(format!("{url}/api/v1/public/team/demo-team/intro/slots?from={date}&to={date}&timezone=UTC"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let offered = slots["slots"].as_array().cloned().unwrap_or_default();
        // Open every day 09:00–17:00 UTC: 16 half hours.
        assert_eq!(offered.len(), 16, "run {run}: the teammates' hours are offered: {slots}");
        let body = json!({"start": offered[run], "name": "Grace", "email": format!("grace{run}@example.com"), "timezone": "UTC"});
        let response =
            client.post(format!("{url}/api/v1/public/team/demo-team/intro/bookings")).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201, "run {run}: {}", response.text().await.unwrap());
        let page = client.get(format!("{url}/team/demo-team/intro")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Team intro"));
        assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
        assert!(child.wait().unwrap().success(), "run {run}: the demo stops cleanly");
    }
}

/// A running `prospo demo` and the addresses it printed.
struct Demo {
    child: Child,
    url: String,
    google: String,
    microsoft: String,
}

/// Starts `prospo demo` on port 0 with its state in `dir`; waits for its `listening on` line.
fn start_demo(dir: &std::path::Path) -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_prospo"))
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("DATABASE_URL")
        .env_remove("PROSPO_SECRET_KEYS")
        .env_remove("PROSPO_SECRET_KEYS_FILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prospo demo");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (mut google, mut microsoft) = (String::new(), String::new());
    for _ in 0..30 {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read a line");
        let line = line.trim();
        if let Some(found) = line.strip_prefix("google sandbox on ") {
            google = found.to_owned();
        } else if let Some(found) = line.strip_prefix("microsoft sandbox on ") {
            microsoft = found.to_owned();
        } else if let Some(url) = line.strip_prefix("listening on ") {
            let url = url.to_owned();
            std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
            assert!(!google.is_empty() && !microsoft.is_empty(), "the demo names its Google and Microsoft sandboxes");
            return Demo { child, url, google, microsoft };
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the demo never said where it listens");
}

/// Follows a Connect button of the running demo through the sandbox's consent page (**Allow**);
/// returns the settings page's path and text it lands on.
async fn connect_in_demo(client: &reqwest::Client, url: &str, provider: &str) -> (String, String) {
    let consent = client.get(format!("{url}/api/v1/calendars/connect/{provider}")).send().await.unwrap();
    assert_eq!(consent.status(), 200, "{provider}: the sandbox consent page");
    let consent_url = consent.url().clone();
    assert!(consent.text().await.unwrap().contains("Allow"));
    let landed = client.post(consent_url).form(&[("allow", "1")]).send().await.unwrap();
    (landed.url().path().to_owned(), landed.text().await.unwrap())
}

#[tokio::test]
async fn the_demo_connects_google_microsoft_and_zoom_offline_and_keeps_them_across_a_restart() {
    support::install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let tomorrow = jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).date().tomorrow().unwrap();
    let at = |h: i8| tomorrow.at(h, 0, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp();
    for run in 0..2 {
        let Demo { mut child, url, google, microsoft } = start_demo(dir.path());
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let login = json!({"email": "demo@prospo.example", "password": "prospo-demo"});
        let response = client.post(format!("{url}/api/v1/login")).json(&login).send().await.unwrap();
        assert_eq!(response.status(), 200);

        if run == 0 {
            for (provider, back, said) in [
                ("zoom", "/settings/integrations", "Zoom ("),
                ("google", "/settings/calendars", "Google Calendar (demo@prospo.example) is connected."),
                ("microsoft", "/settings/calendars", "Outlook / Microsoft 365 (demo@prospo.example) is connected."),
            ] {
                let (path, text) = connect_in_demo(&client, &url, provider).await;
                assert_eq!(path, back, "{provider}");
                assert!(text.contains(said), "{provider}: {text}");
            }
            // Each Google or Microsoft account's primary calendar starts checked for conflicts.
            let connections: serde_json::Value =
                client.get(format!("{url}/api/v1/calendars")).send().await.unwrap().json().await.unwrap();
            for connection in connections["connections"].as_array().unwrap() {
                assert_eq!(connection["calendars"][0]["check_conflicts"], true, "{connection}");
            }
        }
        // A busy event in each sandbox calendar blocks its hour on the demo's booking page.
        let sandbox = if run == 0 { &google } else { &microsoft };
        let event =
            json!({"start": at(10 + run as i8).to_string(), "end": at(11 + run as i8).to_string(), "summary": "Busy"});
        let response = client
            .post(format!("{sandbox}/_sandbox/calendars/demo@prospo.example/events"))
            .json(&event)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let connections: serde_json::Value =
            client.get(format!("{url}/api/v1/calendars")).send().await.unwrap().json().await.unwrap();
        let connections = connections["connections"].as_array().unwrap().clone();
        assert_eq!(connections.len(), 2, "run {run}: {connections:?}");
        for connection in &connections {
            let id = connection["id"].as_str().unwrap();
            let synced: serde_json::Value = client
                .post(format!("{url}/api/v1/calendars/{id}/sync"))
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(synced["status"], "connected", "run {run}: the tokens still work: {synced}");
        }
        let slots: serde_json::Value = client
            .get(format!("{url}/api/v1/public/demo/intro/slots?from={tomorrow}&to={tomorrow}&timezone=UTC"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let offered: Vec<jiff::Timestamp> =
            slots["slots"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().parse().unwrap()).collect();
        assert!(offered.contains(&at(9)), "run {run}: Zoom is connected, the page books: {slots}");
        for busy in 0..=run {
            assert!(!offered.contains(&at(10 + busy as i8)), "run {run}: the sandbox event blocks its hour: {slots}");
        }
        assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
        assert!(child.wait().unwrap().success(), "run {run}: the demo stops cleanly");
    }
}

#[tokio::test]
async fn oauth_codes_states_and_tokens_never_reach_the_logs_even_at_trace_level() {
    use provider_sandbox::{Provider, Sandbox};
    support::install_crypto();
    let zoom = zoom_sandbox::spawn(zoom_sandbox::Sandbox::in_memory(), "127.0.0.1:0").await.unwrap();
    let graph = provider_sandbox::spawn(Sandbox::in_memory(Provider::Microsoft), "127.0.0.1:0").await.unwrap();
    let graph_client = graph.sandbox.create_client();
    let scratch = tempfile::tempdir().unwrap();
    let data = scratch.path().join("data");
    let login_url = format!("{}/common", graph.url);
    let graph_url = format!("{}/v1.0", graph.url);
    let options = [
        "--microsoft-client-id",
        &graph_client.client_id,
        "--microsoft-client-secret",
        &graph_client.client_secret,
        "--microsoft-login-url",
        &login_url,
        "--microsoft-graph-url",
        &graph_url,
    ];
    let server = start_server_with(&data, &zoom.url, &options);
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let api = |path: &str| format!("{}{path}", server.url);
    let signup =
        json!({"email": "kim@example.com", "password": "correct horse battery", "name": "Kim", "username": "kim"});
    assert_eq!(browser.post(api("/api/v1/signup")).json(&signup).send().await.unwrap().status(), 201);
    let login = json!({"email": "kim@example.com", "password": "correct horse battery"});
    assert_eq!(browser.post(api("/api/v1/login")).json(&login).send().await.unwrap().status(), 200);

    let consent = browser.get(api("/api/v1/calendars/connect/microsoft")).send().await.unwrap();
    let consent_url = consent.url().clone();
    let state = consent_url.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let challenge = consent_url.query_pairs().find(|(k, _)| k == "code_challenge").unwrap().1.into_owned();
    let answer = no_redirects.post(consent_url).form(&[("allow", "1")]).send().await.unwrap();
    let callback = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    let code = callback.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let landed = browser.get(callback).send().await.unwrap();
    assert!(landed.text().await.unwrap().contains("is connected."));
    // A refresh too: the access token is made to look expired.
    let db = prospo::store::Db::connect(&format!("sqlite://{}", data.join("prospo.db").display())).await.unwrap();
    if let prospo::store::Db::Sqlite(pool) = &db {
        sqlx::query("UPDATE oauth_tokens SET access_expires_at = 0").execute(pool).await.unwrap();
    }
    let connections: serde_json::Value =
        browser.get(api("/api/v1/calendars")).send().await.unwrap().json().await.unwrap();
    let id = connections["connections"][0]["id"].as_str().unwrap();
    let synced: serde_json::Value = browser
        .post(api(&format!("/api/v1/calendars/{id}/sync")))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(synced["status"], "connected", "{synced}");
    let stats: serde_json::Value =
        reqwest::get(format!("{}/_sandbox/stats", graph.url)).await.unwrap().json().await.unwrap();
    assert!(stats["refreshes"].as_u64().unwrap() >= 1, "a refresh happened: {stats}");

    let (status, logs) = terminate(server);
    assert!(status.success());
    assert!(logs.contains("refreshed an OAuth access token"), "the logs were captured at trace level");
    for needle in [code.as_str(), &state, &challenge, &graph_client.client_secret] {
        assert!(!logs.contains(needle), "an OAuth secret reached the logs: {needle}");
    }
    for field in ["refresh_token=", "code_verifier=", "\"access_token\":\"", "\"refresh_token\":\""] {
        assert!(!logs.contains(field), "a token field reached the logs: {field}");
    }
}
