//! One-click connections (product.md §9) against the Google and Microsoft sandboxes over HTTP:
//! the consent flow with PKCE and a state bound to the session and provider (forged, replayed,
//! cross-provider and other-session callbacks refused, a denied consent storing nothing), busy
//! events blocking slots, bookings written into the chosen calendar and removed on cancel, a
//! revoked grant turning Needs attention with Reconnect, one refresh for two instances, and a
//! reused rotated refresh token recovered by re-reading.

use jiff::Timestamp;
use prospo::integrations::oauth::providers::ClientConfig;
use serde_json::{Value, json};

use crate::calendars::tomorrow_at;
use crate::support::providers::Providers;
use crate::{Backend, TestApp, on_both_backends};

/// Signs the test client's browser session in (the API sign-up gives only a token).
async fn log_in(app: &TestApp, username: &str) {
    let body = json!({"email": format!("{username}@example.com"), "password": "correct horse battery"});
    let (status, answer) = app.post_json("/api/v1/login", &body, None).await;
    assert_eq!(status, 200, "{answer}");
}

/// Goes through the provider's consent page the way a person does: the Connect link, then
/// **Allow** (or Deny). Returns the settings page the callback lands on, and the callback URL.
async fn consent(app: &TestApp, provider: &str, allow: bool) -> (reqwest::Response, String) {
    let page = app.client.get(app.at(&format!("/api/v1/calendars/connect/{provider}"))).send().await.unwrap();
    assert_eq!(page.status(), 200, "the consent page");
    let consent_url = page.url().clone();
    let html = page.text().await.unwrap();
    assert!(html.contains("Allow"), "{html}");
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let decision = if allow { [("allow", "1")] } else { [("deny", "1")] };
    let answer = no_redirects.post(consent_url).form(&decision).send().await.unwrap();
    assert_eq!(answer.status(), 302, "the consent page sends the browser back");
    let callback = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.starts_with(&app.at(&format!("/oauth/{provider}/callback"))), "{callback}");
    (app.client.get(&callback).send().await.unwrap(), callback)
}

/// The flash message of a settings page.
async fn landed(page: reqwest::Response) -> (String, String) {
    let path = page.url().path().to_owned();
    (path, page.text().await.unwrap())
}

async fn connections(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = app.get_json("/api/v1/calendars", Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body["connections"].as_array().unwrap().clone()
}

async fn slots(app: &TestApp, username: &str) -> Vec<Timestamp> {
    let date = tomorrow_at(0, 0).0[..10].to_owned();
    let (status, body) =
        app.get_json(&format!("/api/v1/public/{username}/call/slots?from={date}&to={date}&timezone=UTC"), None).await;
    assert_eq!(status, 200, "{body}");
    body["slots"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().parse().unwrap()).collect()
}

/// Waits (bounded) for the connection's status.
async fn wait_for_status(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    for _ in 0..100 {
        let (_, connection) = app.get_json(&format!("/api/v1/calendars/{id}"), Some(token)).await;
        if connection["status"] == status {
            return connection;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("connection {id} never became {status}");
}

on_both_backends! {
    async fn google_and_microsoft_calendars_block_slots_and_take_bookings(backend: Backend) {
        let providers = Providers::start().await;
        let app = providers.app(backend).await;
        for (username, provider, label) in [("gia", "google", "Google Calendar"), ("mona", "microsoft", "Outlook / Microsoft 365")] {
            let token = app.bookable_host(username, "Call", "call").await;
            log_in(&app, username).await;
            let email = format!("{username}@example.com");
            let (page, _) = consent(&app, provider, true).await;
            let (path, html) = landed(page).await;
            assert_eq!(path, "/settings/calendars");
            assert!(html.contains(&format!("{label} ({email}) is connected.")), "{html}");

            let list = connections(&app, &token).await;
            assert_eq!(list.len(), 1, "{list:?}");
            let connection = &list[0];
            assert_eq!(connection["provider"], provider);
            assert_eq!(connection["account"], email.as_str());
            let primary = connection["calendars"].as_array().unwrap().iter().find(|c| c["write_bookings"] == true).unwrap();
            assert_eq!(primary["check_conflicts"], true, "the primary checks conflicts on a first connection");
            let text = connection.to_string();
            assert!(!text.contains("token") && !text.contains("secret"), "{text}");

            let (ten, _) = tomorrow_at(10, 0);
            let (eleven, _) = tomorrow_at(11, 0);
            assert!(slots(&app, username).await.contains(&ten.parse().unwrap()));
            providers.add_event(provider, &email, &ten, &eleven, "Dentist").await;
            let id = connection["id"].as_str().unwrap();
            let (status, synced) = app.post_json(&format!("/api/v1/calendars/{id}/sync"), &json!({}), Some(&token)).await;
            assert_eq!(status, 200, "{synced}");
            let free = slots(&app, username).await;
            assert!(!free.contains(&ten.parse().unwrap()), "a busy event in {provider} blocks 10:00");
            assert!(!free.contains(&tomorrow_at(10, 30).0.parse().unwrap()), "and 10:30");

            let (fourteen, _) = tomorrow_at(14, 0);
            let body = json!({"start": fourteen, "name": "Sam Okafor", "email": "sam@example.com", "timezone": "UTC"});
            let (status, booked) = app.post_json(&format!("/api/v1/public/{username}/call/bookings"), &body, None).await;
            assert_eq!(status, 201, "{booked}");
            let meeting_id = booked["meeting"]["id"].as_str().unwrap().to_owned();
            let mut written = None;
            for _ in 0..100 {
                app.wait_for_due_jobs("calendar").await;
                let events = providers.events(provider, &email).await;
                written = events.into_iter().find(|e| e["summary"].as_str().is_some_and(|s| s.contains("Call")));
                let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{meeting_id}?live=false"), Some(&token)).await;
                if written.is_some() && meeting["calendar"]["status"] == "written" {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            let written = written.unwrap_or_else(|| panic!("the booking was written into {provider}"));
            assert_eq!(written["start"].as_str().unwrap().parse::<Timestamp>().unwrap(), fourteen.parse::<Timestamp>().unwrap());
            assert!(written["description"].as_str().unwrap().contains("Sam Okafor"), "{written}");

            // The event Prospo wrote is not busy time of its own: 14:00 stays booked only once.
            let (status, _) = app.post_json(&format!("/api/v1/calendars/{id}/sync"), &json!({}), Some(&token)).await;
            assert_eq!(status, 200);
            let (status, _) = app.delete(&format!("/api/v1/meetings/{meeting_id}"), Some(&token)).await;
            assert!(status == 200 || status == 204, "{status}");
            let mut gone = false;
            for _ in 0..100 {
                app.wait_for_due_jobs("calendar").await;
                if providers.events(provider, &email).await.iter().all(|e| e["summary"] == "Dentist") {
                    gone = true;
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(gone, "the cancelled booking's event left {provider}");
        }
    }

}

on_both_backends! {
    async fn the_state_is_bound_to_the_session_and_the_provider_and_used_once(backend: Backend) {
        let providers = Providers::start().await;
        let app = providers.app(backend).await;
        let token = app.sign_up("sol").await;
        log_in(&app, "sol").await;

        // Denied on the consent page: a clear message, nothing stored.
        let (page, _) = consent(&app, "google", false).await;
        let (path, html) = landed(page).await;
        assert_eq!(path, "/settings/calendars");
        assert!(html.contains("Google Calendar was not connected because you chose Deny."), "{html}");
        assert!(connections(&app, &token).await.is_empty());

        // A forged state.
        let page = app.client.get(app.at("/oauth/google/callback?code=made-up&state=forged")).send().await.unwrap();
        assert!(landed(page).await.1.contains("not valid any more"));

        // A callback replayed after it connected the account.
        let (page, callback) = consent(&app, "microsoft", true).await;
        assert!(landed(page).await.1.contains("is connected."));
        let page = app.client.get(&callback).send().await.unwrap();
        assert!(landed(page).await.1.contains("not valid any more"), "a state works once");
        assert_eq!(connections(&app, &token).await.len(), 1);

        // Google's state on Microsoft's callback.
        let start = app.client.get(app.at("/api/v1/calendars/connect/google")).send().await.unwrap();
        let state = start.url().query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
        let page = app.client.get(app.at(&format!("/oauth/microsoft/callback?code=x&state={state}"))).send().await.unwrap();
        assert!(landed(page).await.1.contains("not valid any more"));

        // Another browser (another session of the same user) cannot finish this browser's consent.
        let other = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let (status, _) = crate::support::read_json(
            other
                .post(app.at("/api/v1/login"))
                .json(&json!({"email": "sol@example.com", "password": "correct horse battery"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let start = app.client.get(app.at("/api/v1/calendars/connect/google")).send().await.unwrap();
        let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let answer = no_redirects.post(start.url().clone()).form(&[("allow", "1")]).send().await.unwrap();
        let callback = answer.headers()["location"].to_str().unwrap().to_owned();
        let page = other.get(&callback).send().await.unwrap();
        assert!(landed(page).await.1.contains("not valid any more"), "the state belongs to the first session");
        assert_eq!(connections(&app, &token).await.len(), 1, "nothing more was stored");

        // An API token cannot start a browser consent.
        let (status, body) = app.get_json("/api/v1/calendars/connect/google", Some(&token)).await;
        assert_eq!(status, 403, "{body}");
        let (status, _) = app.get_json("/api/v1/calendars/connect/yahoo", None).await;
        assert_eq!(status, 404);
    }

}

on_both_backends! {
    async fn a_revoked_grant_needs_attention_until_reconnected(backend: Backend) {
        let providers = Providers::start().await;
        let app = providers.app(backend).await;
        let token = app.sign_up("rae").await;
        log_in(&app, "rae").await;
        consent(&app, "google", true).await;
        let id = connections(&app, &token).await[0]["id"].as_str().unwrap().to_owned();
        providers.revoke("google", "rae@example.com").await;

        let (status, _) = app.post_json(&format!("/api/v1/calendars/{id}/sync"), &json!({}), Some(&token)).await;
        assert!(status == 200 || status == 422 || status == 503, "{status}");
        let connection = wait_for_status(&app, &token, &id, "needs_attention").await;
        assert_eq!(connection["error"]["code"], "reconnect_required", "{connection}");
        let page = app.client.get(app.at("/settings/calendars")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Needs attention") && page.contains("Reconnect"), "{page}");

        let (page, _) = consent(&app, "google", true).await;
        assert!(landed(page).await.1.contains("is connected again."));
        wait_for_status(&app, &token, &id, "connected").await;
        assert_eq!(connections(&app, &token).await.len(), 1, "the same connection, reconnected");
    }

}

on_both_backends! {
    async fn a_wrong_client_secret_at_the_operator_stores_nothing(backend: Backend) {
        let providers = Providers::start().await;
        let mut config = providers.config.clone();
        config.google.as_mut().unwrap().client_secret = "not-the-secret".to_owned().into();
        let app = TestApp::spawn_with(backend, move |c| c.oauth = config).await;
        let token = app.sign_up("wes").await;
        log_in(&app, "wes").await;
        let (page, _) = consent(&app, "google", true).await;
        let (_, html) = landed(page).await;
        assert!(html.contains("app credentials. The operator must check its client id and secret."), "{html}");
        assert!(connections(&app, &token).await.is_empty());
    }
}

/// The connection's token row's version and access token expiry.
async fn token_version(app: &TestApp, connection_id: &str) -> i64 {
    app.state.db.oauth_token(connection_id).await.unwrap().unwrap().version
}

async fn expire_access_token(app: &TestApp, connection_id: &str) {
    app.execute(&format!("UPDATE oauth_tokens SET access_expires_at = 0 WHERE connection_id = '{connection_id}'"))
        .await;
}

#[tokio::test]
async fn two_instances_refreshing_one_connection_make_one_refresh() {
    if crate::support::postgres_admin_url().is_none() {
        eprintln!("SKIPPED: set PROSPO_TEST_POSTGRES_URL for the two-instance race");
        return;
    }
    let providers = Providers::start().await;
    let app = providers.app(Backend::Postgres).await;
    let config = providers.config.clone();
    let second = app.second_instance_with(move |c| c.oauth = config).await;
    let token = app.sign_up("tia").await;
    log_in(&app, "tia").await;
    consent(&app, "microsoft", true).await;
    let id = connections(&app, &token).await[0]["id"].as_str().unwrap().to_owned();
    let before = providers.stats("microsoft").await["refreshes"].as_u64().unwrap();
    expire_access_token(&app, &id).await;

    let path = format!("/api/v1/calendars/{id}/sync");
    let empty = json!({});
    let (a, b) =
        tokio::join!(app.post_json(&path, &empty, Some(&token)), second.post_json(&path, &empty, Some(&token)));
    assert_eq!(a.0, 200, "{}", a.1);
    assert_eq!(b.0, 200, "{}", b.1);
    assert_eq!(providers.stats("microsoft").await["refreshes"].as_u64().unwrap(), before + 1, "one refresh");
    assert_eq!(token_version(&app, &id).await, 1);
    for instance in [&app, &second] {
        let (status, connection) = instance.post_json(&path, &json!({}), Some(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(connection["status"], "connected", "{connection}");
    }
}

on_both_backends! {
    async fn a_reused_rotated_refresh_token_is_refused_and_prospo_recovers_by_rereading(backend: Backend) {
        let providers = Providers::start().await;
        let app = providers.app(backend).await;
        let token = app.sign_up("ren").await;
        log_in(&app, "ren").await;
        consent(&app, "microsoft", true).await;
        let id = connections(&app, &token).await[0]["id"].as_str().unwrap().to_owned();
        // What a slow instance read before the refresh: version 0 and its refresh token.
        expire_access_token(&app, &id).await;
        let stale = app.state.db.oauth_token(&id).await.unwrap().unwrap();
        let path = format!("/api/v1/calendars/{id}/sync");
        let (status, _) = app.post_json(&path, &json!({}), Some(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(token_version(&app, &id).await, 1, "refreshed once, the refresh token rotated");

        // The slow instance now refreshes with the used token: Microsoft refuses it, Prospo re-reads
        // the row and takes the rotated tokens instead of declaring the grant dead.
        let token_requests = providers.stats("microsoft").await["token_requests"].as_u64().unwrap();
        let fresh = prospo::integrations::oauth::access::refresh(&app.state, &stale).await.expect("recovered");
        assert_eq!(fresh.version, 1);
        assert_eq!(
            providers.stats("microsoft").await["token_requests"].as_u64().unwrap(),
            token_requests + 1,
            "the used refresh token was sent (and refused)"
        );
        let (status, connection) = app.post_json(&path, &json!({}), Some(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(connection["status"], "connected", "{connection}");
    }
}

/// The Zoom sandbox's General app, as the operator's `--zoom-app-*`.
async fn zoom_general_app(app_zoom_url: &str) -> ClientConfig {
    let answer: Value = reqwest::Client::new()
        .post(format!("{app_zoom_url}/_sandbox/oauth-clients"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    ClientConfig {
        client_id: answer["client_id"].as_str().unwrap().to_owned(),
        client_secret: answer["client_secret"].as_str().unwrap().to_owned().into(),
    }
}

on_both_backends! {
    async fn connect_with_zoom_makes_meetings_on_the_users_account_and_a_revoked_grant_needs_attention(backend: Backend) {
        // The app's Zoom sandbox is made by TestApp; the General app is registered on it first.
        let zoom = zoom_sandbox::spawn(zoom_sandbox::Sandbox::in_memory(), "127.0.0.1:0").await.unwrap();
        let general = zoom_general_app(&zoom.url).await;
        let client_id = general.client_id.clone();
        let zoom_url = zoom.url.clone();
        let app = TestApp::spawn_with(backend, move |c| {
            c.zoom_oauth_url = zoom_url.clone();
            c.zoom_api_url = format!("{zoom_url}/v2");
            c.oauth.zoom_app = Some(general);
        })
        .await;
        let token = app.sign_up("zed").await;
        log_in(&app, "zed").await;
        let page = app.client.get(app.at("/settings/integrations")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Set up") && page.contains("Connect with Zoom"), "both ways are offered");

        let (page, _) = consent(&app, "zoom", true).await;
        let (path, html) = landed(page).await;
        assert_eq!(path, "/settings/integrations");
        assert!(html.contains("Zoom (zed@example.com) is connected."), "{html}");
        let (_, card) = app.get_json("/api/v1/integrations/zoom", Some(&token)).await;
        assert_eq!(card["status"], "connected", "{card}");
        assert_eq!(card["kind"], "oauth");
        assert_eq!(card["email"], "zed@example.com");
        assert!(!card.to_string().contains("token\":"), "{card}");

        // Everything after connecting works as with an S2S app: a booking gets its meeting.
        let hours = json!([["00:00", "23:59"]]);
        let weekly = json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": hours, "sun": hours});
        let (status, _) = app.put_json("/api/v1/availability", &json!({"timezone": "UTC", "weekly": weekly}), Some(&token)).await;
        assert_eq!(status, 200);
        let event = json!({"title": "Call", "slug": "call", "duration_minutes": 30, "location": "zoom", "minimum_notice_minutes": 0});
        let (status, _) = app.post_json("/api/v1/event-types", &event, Some(&token)).await;
        assert_eq!(status, 201);
        let (start, _) = tomorrow_at(9, 0);
        let body = json!({"start": start, "name": "Sam Okafor", "email": "sam@example.com", "timezone": "UTC"});
        let (status, booked) = app.post_json("/api/v1/public/zed/call/bookings", &body, None).await;
        assert_eq!(status, 201, "{booked}");
        let meeting_id = booked["meeting"]["id"].as_str().unwrap().to_owned();
        let mut created = Value::Null;
        for _ in 0..100 {
            let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{meeting_id}?live=false"), Some(&token)).await;
            if meeting["zoom"]["status"] == "created" {
                created = meeting;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(created["zoom"]["status"], "created", "{created}");
        let user_id = card["zoom_user_id"].as_str().unwrap();
        let meetings: Value =
            reqwest::get(format!("{}/_sandbox/meetings?user_id={user_id}", zoom.url)).await.unwrap().json().await.unwrap();
        assert_eq!(meetings.as_array().unwrap().len(), 1, "on the user's own account: {meetings}");

        // The user removes the app in Zoom: the next check says Reconnect.
        let response = reqwest::Client::new()
            .post(format!("{}/_sandbox/apps/{client_id}/revoke-tokens", zoom.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        expire_access_token(&app, card["connection_id"].as_str().unwrap()).await;
        let (status, checked) = app.post_json("/api/v1/integrations/zoom/check", &json!({}), Some(&token)).await;
        assert_eq!(status, 200, "{checked}");
        assert_eq!(checked["status"], "needs_attention", "{checked}");
        assert_eq!(checked["error"]["code"], "reconnect_required", "{checked}");
        let page = app.client.get(app.at("/settings/integrations")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Reconnect") && page.contains("Needs attention"));

        let (page, _) = consent(&app, "zoom", true).await;
        assert!(landed(page).await.1.contains("is connected again."));
        let (_, card) = app.get_json("/api/v1/integrations/zoom", Some(&token)).await;
        assert_eq!(card["status"], "connected", "{card}");
    }
}
