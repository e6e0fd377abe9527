//! The client against the Zoom sandbox over real HTTP, set up through the sandbox's control
//! routes (`/_sandbox/...`) as any other team would.

use std::time::Duration;

use jiff::{Timestamp, ToSpan, civil::Date, tz::TimeZone};
use serde_json::{Value, json};
use zoom::{
    Auth, Credentials, DeleteAction, DeleteOptions, ListMeetingsType, MeetingUpdate, NewMeeting, RequiredScope,
    ZoomClient, ZoomError, next_utc_midnight,
};
use zoom_sandbox::{RunningSandbox, Sandbox};

struct Env {
    sandbox: RunningSandbox,
    zoom: ZoomClient,
    control: reqwest::Client,
}

struct App {
    creds: Credentials,
    auth: Auth,
    info: Value,
}

impl Env {
    async fn start() -> anyhow::Result<Env> {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let sandbox = zoom_sandbox::spawn(Sandbox::in_memory(), "127.0.0.1:0").await?;
        let zoom = ZoomClient::builder()
            .oauth_base(&sandbox.url)
            .api_base(format!("{}/v2", sandbox.url))
            .request_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Env { sandbox, zoom, control: reqwest::Client::new() })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/_sandbox{path}", self.sandbox.url)
    }

    async fn app(&self, body: Value) -> anyhow::Result<App> {
        let response = self.control.post(self.url("/apps")).json(&body).send().await?;
        anyhow::ensure!(response.status() == 201, "create app: {}", response.status());
        let info: Value = response.json().await?;
        let creds = Credentials::new(
            info["account_id"].as_str().unwrap(),
            info["client_id"].as_str().unwrap(),
            info["client_secret"].as_str().unwrap(),
        );
        Ok(App { auth: Auth::from(creds.clone()), creds, info })
    }

    async fn patch_app(&self, app: &App, body: Value) -> anyhow::Result<()> {
        let response =
            self.control.patch(self.url(&format!("/apps/{}", app.creds.client_id))).json(&body).send().await?;
        anyhow::ensure!(response.status() == 200, "patch app: {}", response.status());
        Ok(())
    }

    async fn revoke_tokens(&self, app: &App) -> anyhow::Result<()> {
        let response =
            self.control.post(self.url(&format!("/apps/{}/revoke-tokens", app.creds.client_id))).send().await?;
        anyhow::ensure!(response.status() == 204, "revoke: {}", response.status());
        Ok(())
    }

    async fn stats(&self, app: &App) -> anyhow::Result<Value> {
        Ok(self
            .control
            .get(self.url(&format!("/apps/{}/stats", app.creds.client_id)))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    async fn record(&self, meeting_id: i64) -> anyhow::Result<Value> {
        let response =
            self.control.post(self.url(&format!("/meetings/{meeting_id}/recordings"))).json(&json!({})).send().await?;
        anyhow::ensure!(response.status() == 201, "record: {}", response.status());
        Ok(response.json().await?)
    }
}

fn meeting_at(topic: &str, start: Timestamp) -> NewMeeting {
    NewMeeting {
        topic: topic.into(),
        meeting_type: Some(2),
        start_time: Some(start),
        duration_minutes: Some(30),
        timezone: Some("Europe/Berlin".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn hundred_concurrent_calls_on_a_cold_credential_mint_once() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let app = env.app(json!({})).await?;
    let calls = (0..100).map(|_| {
        let zoom = env.zoom.clone();
        let auth = app.auth.clone();
        async move { zoom.get_user(&auth, "me").await }
    });
    for user in futures::future::join_all(calls).await {
        assert_eq!(user?.email.as_deref(), app.info["email"].as_str());
    }
    let stats = env.stats(&app).await?;
    assert_eq!(stats["token_requests"], 1);
    assert_eq!(stats["api_requests"], 100);
    Ok(())
}

#[tokio::test]
async fn revoked_tokens_are_replaced_by_exactly_one_remint() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let app = env.app(json!({})).await?;
    env.zoom.get_user(&app.auth, "me").await?;
    env.revoke_tokens(&app).await?;
    let user = env.zoom.get_user(&app.auth, "me").await?;
    assert_eq!(user.id, app.info["user_id"].as_str().unwrap());
    let stats = env.stats(&app).await?;
    assert_eq!(stats["token_requests"], 2);
    assert_eq!(stats["api_requests"], 3);
    Ok(())
}

#[tokio::test]
async fn token_endpoint_errors_are_classified() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let app = env.app(json!({})).await?;
    let other = env.app(json!({})).await?;
    let with = |account: &str, secret: &str| Credentials::new(account, app.creds.client_id.clone(), secret);

    let wrong_secret = with(&app.creds.account_id, "not-the-secret");
    let err = env.zoom.token(&wrong_secret).await.unwrap_err();
    assert!(matches!(err, ZoomError::InvalidCredentials { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("not-the-secret"));

    let secret = app.info["client_secret"].as_str().unwrap();
    let other_account = with(&other.creds.account_id, secret);
    let err = env.zoom.token(&other_account).await.unwrap_err();
    assert!(matches!(err, ZoomError::InvalidCredentials { .. }), "{err:?}");

    let malformed = with("not an account!", secret);
    let err = env.zoom.token(&malformed).await.unwrap_err();
    assert!(matches!(err, ZoomError::InvalidRequest { .. }), "{err:?}");

    let unknown = with("AAAAAAAAAAAAAAAAAAAAAA", secret);
    let err = env.zoom.token(&unknown).await.unwrap_err();
    assert!(matches!(err, ZoomError::InvalidRequest { .. }), "{err:?}");

    env.patch_app(&app, json!({"activated": false})).await?;
    let err = env.zoom.token(&app.creds).await.unwrap_err();
    assert!(matches!(err, ZoomError::InvalidCredentials { .. }), "{err:?}");
    assert!(err.needs_reconnect());
    Ok(())
}

#[tokio::test]
async fn deactivation_kills_cached_tokens() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let app = env.app(json!({})).await?;
    env.zoom.get_user(&app.auth, "me").await?;
    env.patch_app(&app, json!({"activated": false})).await?;
    // The cached token is refused (124), the re-mint is refused too.
    let err = env.zoom.get_user(&app.auth, "me").await.unwrap_err();
    assert!(matches!(err, ZoomError::InvalidCredentials { .. }), "{err:?}");
    assert_eq!(env.stats(&app).await?["token_requests"], 2);
    Ok(())
}

#[tokio::test]
async fn missing_scopes_are_seen_in_fresh_tokens_and_in_4711() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let app = env.app(json!({})).await?;
    let token = env.zoom.token(&app.creds).await?;
    assert!(token.scopes.missing_required().is_empty());
    assert!(token.scopes.missing_recommended().is_empty());

    let without_create: Vec<String> = RequiredScope::REQUIRED
        .iter()
        .filter(|s| **s != RequiredScope::MeetingWrite)
        .map(|s| format!("{}:admin", s.name()))
        .collect();
    env.patch_app(&app, json!({"scopes": without_create})).await?;
    let fresh = env.zoom.mint_token(&app.creds).await?;
    assert_eq!(fresh.scopes.missing_required(), vec!["meeting:write:meeting"]);
    assert_eq!(fresh.scopes.missing_recommended(), vec!["meeting:read:list_meetings"]);

    let err =
        env.zoom.create_meeting(&app.auth, "me", &meeting_at("x", Timestamp::now() + 1.hour())).await.unwrap_err();
    let ZoomError::MissingScopes { acceptable } = &err else { panic!("{err:?}") };
    assert!(acceptable.iter().any(|s| s == "meeting:write:meeting:admin"), "{acceptable:?}");
    assert!(err.needs_reconnect());
    Ok(())
}

#[tokio::test]
async fn classic_scopes_are_enough() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let classic = [
        "meeting:write:admin",
        "meeting:read:admin",
        "user:read:admin",
        "recording:read:admin",
        "recording:write:admin",
    ];
    let app = env.app(json!({"scopes": classic})).await?;
    let token = env.zoom.token(&app.creds).await?;
    assert!(token.scopes.missing_required().is_empty());
    let meeting = env.zoom.create_meeting(&app.auth, "me", &meeting_at("classic", Timestamp::now() + 1.hour())).await?;
    env.zoom.get_meeting(&app.auth, meeting.id).await?;
    Ok(())
}

#[tokio::test]
async fn not_found_and_users_by_email() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let app = env.app(json!({"email": "owner@example.com"})).await?;
    let user = env.zoom.get_user(&app.auth, "owner@example.com").await?;
    assert_eq!(user.id, app.info["user_id"].as_str().unwrap());

    let err = env.zoom.get_user(&app.auth, "nobody+x@example.com").await.unwrap_err();
    assert_eq!(err, ZoomError::NotFound { status: 404, code: Some(1001) });

    let err = env.zoom.get_meeting(&app.auth, 12_345_678_901).await.unwrap_err();
    assert_eq!(err, ZoomError::NotFound { status: 404, code: Some(3001) });

    env.patch_app(&app, json!({"me_missing": true})).await?;
    let err = env.zoom.get_user(&app.auth, "me").await.unwrap_err();
    assert!(matches!(err, ZoomError::NotFound { code: Some(1001), .. }), "{err:?}");
    Ok(())
}

#[tokio::test]
async fn daily_cap_retries_at_the_next_utc_midnight() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let app = env.app(json!({"daily_cap": 1})).await?;
    let start = Timestamp::now() + 2.hours();
    let meeting = env.zoom.create_meeting(&app.auth, "me", &meeting_at("first", start)).await?;
    let err = env.zoom.create_meeting(&app.auth, "me", &meeting_at("second", start)).await.unwrap_err();
    assert_eq!(err, ZoomError::RateLimited { retry_at: next_utc_midnight(Timestamp::now()), daily: true });
    let update = MeetingUpdate { topic: Some("renamed".into()), ..Default::default() };
    let err = env.zoom.update_meeting(&app.auth, meeting.id, &update).await.unwrap_err();
    assert!(matches!(err, ZoomError::RateLimited { daily: true, .. }), "{err:?}");
    assert!(err.is_transient());
    Ok(())
}

#[tokio::test]
async fn meeting_lifecycle() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let app = env.app(json!({})).await?;
    let auth = &app.auth;
    let start: Timestamp = (Timestamp::now() + 48.hours()).round(jiff::Unit::Minute)?;
    let mut new = meeting_at("Intro call", start);
    new.agenda = Some("a".repeat(300));
    let created = env.zoom.create_meeting(auth, "me", &new).await?;
    assert!(created.id > 0);
    assert_eq!(created.topic.as_deref(), Some("Intro call"));
    assert_eq!(created.start_time, Some(start));
    assert_eq!(created.timezone.as_deref(), Some("Europe/Berlin"));
    assert!(created.join_url.is_some() && created.start_url.is_some());
    assert!(created.uuid.is_some());

    let fetched = env.zoom.get_meeting(auth, created.id).await?;
    assert_eq!(fetched.start_time, Some(start));
    assert_eq!(fetched.duration, Some(30));

    let moved = start + 1.hour();
    let update = MeetingUpdate {
        topic: Some("Intro call (moved)".into()),
        start_time: Some(moved),
        duration_minutes: Some(45),
        ..Default::default()
    };
    env.zoom.update_meeting(auth, created.id, &update).await?;
    let fetched = env.zoom.get_meeting(auth, created.id).await?;
    assert_eq!(fetched.topic.as_deref(), Some("Intro call (moved)"));
    assert_eq!(fetched.start_time, Some(moved));
    assert_eq!(fetched.duration, Some(45));

    let listed = env.zoom.list_meetings(auth, "me", ListMeetingsType::Scheduled).await?;
    let summary = listed.iter().find(|m| m.id == created.id).expect("listed");
    assert_eq!(summary.agenda.as_deref().map(str::len), Some(250));

    let options = DeleteOptions { schedule_for_reminder: true, ..Default::default() };
    env.zoom.delete_meeting(auth, created.id, &options).await?;
    let err = env.zoom.delete_meeting(auth, created.id, &options).await.unwrap_err();
    assert_eq!(err, ZoomError::NotFound { status: 404, code: Some(3001) });
    let err = env.zoom.get_meeting(auth, created.id).await.unwrap_err();
    assert!(matches!(err, ZoomError::NotFound { .. }));

    let stats = env.stats(&app).await?;
    assert_eq!(stats["meetings_created"], 1);
    assert_eq!(stats["meetings_updated"], 1);
    assert_eq!(stats["meetings_deleted"], 1);
    Ok(())
}

#[tokio::test]
async fn list_meetings_pages_through_more_than_one_page() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let app = env.app(json!({"daily_cap": 400})).await?;
    let start = Timestamp::now() + 24.hours();
    for i in 0..305 {
        env.zoom.create_meeting(&app.auth, "me", &meeting_at(&format!("m{i}"), start + i.minutes())).await?;
    }
    let listed = env.zoom.list_meetings(&app.auth, "me", ListMeetingsType::Scheduled).await?;
    assert_eq!(listed.len(), 305);
    let mut ids: Vec<_> = listed.iter().map(|m| m.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 305);
    Ok(())
}

#[tokio::test]
async fn recordings_over_41_days_then_delete_and_download() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let app = env.app(json!({})).await?;
    let auth = &app.auth;
    let from: Date = Timestamp::now().to_zoned(TimeZone::UTC).date().checked_sub(60.days())?;
    let to = from.checked_add(40.days())?;
    let mut uuids = Vec::new();
    for offset in [0, 20, 40] {
        let day = from.checked_add(offset.days())?;
        let start = day.at(10, 0, 0, 0).to_zoned(TimeZone::UTC)?.timestamp();
        let meeting = env.zoom.create_meeting(auth, "me", &meeting_at(&format!("day {offset}"), start)).await?;
        let recording = env.record(meeting.id).await?;
        uuids.push(recording["uuid"].as_str().unwrap().to_owned());
    }

    let listed = env.zoom.list_user_recordings(auth, "me", from, to).await?;
    let mut listed_uuids: Vec<_> = listed.iter().map(|m| m.uuid.clone()).collect();
    listed_uuids.sort();
    let mut expected = uuids.clone();
    expected.sort();
    assert_eq!(listed_uuids, expected, "all three, from both month windows");
    assert!(listed.iter().all(|m| m.recording_files.len() >= 3));
    // One month ending at `to` does not reach the first meeting: the windows are needed.
    let one_query = env.zoom.list_user_recordings(auth, "me", to.checked_sub(30.days())?, to).await?;
    assert!(!one_query.iter().any(|m| m.uuid == uuids[0]));

    let first = env.zoom.get_meeting_recordings(auth, &uuids[0]).await?;
    assert_eq!(first.uuid, uuids[0]);
    let file = first.recording_files.iter().find(|f| f.file_type.as_deref() == Some("MP4")).expect("an MP4");
    assert_eq!(file.status.as_deref(), Some("completed"));

    let response = env.zoom.download_recording(auth, file.download_url.as_deref().unwrap()).await?;
    let bytes = response.bytes().await?;
    assert_eq!(Some(bytes.len() as i64), file.file_size);

    let file_id = file.id.clone().unwrap();
    env.zoom.delete_recording_file(auth, &uuids[0], &file_id, DeleteAction::Trash).await?;
    assert_eq!(env.stats(&app).await?["recording_files_deleted"], 1);
    let after = env.zoom.get_meeting_recordings(auth, &uuids[0]).await?;
    assert!(!after.recording_files.iter().any(|f| f.id.as_deref() == Some(file_id.as_str())));

    let other = after.recording_files[0].id.clone().unwrap();
    env.zoom.delete_recording_file(auth, &uuids[0], &other, DeleteAction::Delete).await?;
    let err = env.zoom.delete_recording_file(auth, &uuids[0], &other, DeleteAction::Delete).await.unwrap_err();
    assert!(matches!(err, ZoomError::NotFound { .. }), "{err:?}");
    Ok(())
}

#[tokio::test]
async fn sandbox_faults_are_unavailable() -> anyhow::Result<()> {
    let env = Env::start().await?;
    let app = env.app(json!({})).await?;
    env.zoom.token(&app.creds).await?;
    let faults = |body: Value| env.control.put(env.url("/faults")).json(&body).send();
    faults(json!({"fail_rate": 1.0, "fail_status": 503})).await?.error_for_status()?;
    let err = env.zoom.get_user(&app.auth, "me").await.unwrap_err();
    assert!(matches!(err, ZoomError::Unavailable { status: Some(503), .. }), "{err:?}");
    assert!(err.is_transient());
    faults(json!({})).await?.error_for_status()?;
    env.zoom.get_user(&app.auth, "me").await?;
    Ok(())
}
