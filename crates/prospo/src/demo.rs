//! `prospo demo`: the whole product offline. The Zoom sandbox runs embedded with its state under the
//! data folder; a demo host account and a sandbox Zoom app are made once and found again on the
//! next run, so a newcomer can walk from Set up to a Zoom meeting in minutes.

use std::path::Path;

use zoom_sandbox::{AppInfo, NewApp, RunningSandbox, Sandbox};

use crate::accounts::{self, AccountError, SignUpInput};
use crate::app::App;
use crate::domain::teams::Role;
use crate::integrations::zoom::{self, ConnectInput};
use crate::scheduling::availability;
use crate::scheduling::event_types::{self, EventTypeInput, Location};
use crate::scheduling::teams::{self, TeamEventTypeInput, TeamScheduling};

pub const DEMO_EMAIL: &str = "demo@prospo.example";
/// A fixed password is fine here: the demo serves a local emulator on the loopback address.
pub const DEMO_PASSWORD: &str = "prospo-demo";
/// The owner of the sandbox Zoom app, so a second run finds the same app.
pub const DEMO_ZOOM_EMAIL: &str = "demo.host@zoom.example";

/// Starts the embedded sandbox, its state kept in `DATA_DIR/zoom-sandbox.json`.
pub async fn start_sandbox(data_dir: &Path, listen: &str) -> anyhow::Result<RunningSandbox> {
    std::fs::create_dir_all(data_dir)?;
    let sandbox = Sandbox::open(&data_dir.join("zoom-sandbox.json"))?;
    zoom_sandbox::spawn(sandbox, listen).await
}

/// The Google and Microsoft sandboxes of the demo, each with the OAuth client Prospo uses there.
pub struct ProviderSandboxes {
    pub google: provider_sandbox::RunningSandbox,
    pub google_client: provider_sandbox::OAuthClient,
    pub microsoft: provider_sandbox::RunningSandbox,
    pub microsoft_client: provider_sandbox::OAuthClient,
}

impl ProviderSandboxes {
    pub fn flush(&self) -> anyhow::Result<()> {
        self.google.sandbox.flush()?;
        self.microsoft.sandbox.flush()
    }
}

/// The sandbox OAuth clients made on the first run, kept beside the sandboxes' state so a second
/// run's connections still refresh.
#[derive(serde::Serialize, serde::Deserialize)]
struct DemoClients {
    google: (String, String),
    microsoft: (String, String),
}

/// Starts the embedded Google and Microsoft sandboxes (state in `DATA_DIR/google-sandbox.json` and
/// `DATA_DIR/microsoft-sandbox.json`) on loopback ports of their own.
pub async fn start_provider_sandboxes(data_dir: &Path) -> anyhow::Result<ProviderSandboxes> {
    use provider_sandbox::{OAuthClient, Provider, Sandbox, spawn};
    std::fs::create_dir_all(data_dir)?;
    let google = Sandbox::open(Provider::Google, &data_dir.join("google-sandbox.json"))?;
    let microsoft = Sandbox::open(Provider::Microsoft, &data_dir.join("microsoft-sandbox.json"))?;
    let clients_file = data_dir.join("demo-oauth-clients.json");
    let clients = match std::fs::read(&clients_file).ok().and_then(|b| serde_json::from_slice::<DemoClients>(&b).ok()) {
        Some(clients) => clients,
        None => {
            let pair = |c: OAuthClient| (c.client_id, c.client_secret);
            let clients =
                DemoClients { google: pair(google.create_client()), microsoft: pair(microsoft.create_client()) };
            google.flush()?;
            microsoft.flush()?;
            std::fs::write(&clients_file, serde_json::to_vec_pretty(&clients)?)?;
            clients
        }
    };
    let client = |(client_id, client_secret): (String, String)| OAuthClient { client_id, client_secret };
    Ok(ProviderSandboxes {
        google: spawn(google, "127.0.0.1:0").await?,
        google_client: client(clients.google),
        microsoft: spawn(microsoft, "127.0.0.1:0").await?,
        microsoft_client: client(clients.microsoft),
    })
}

/// The demo's General app in the Zoom sandbox, for Connect with Zoom: the one made on an earlier
/// run, or a new one.
pub fn demo_zoom_oauth_client(sandbox: &Sandbox) -> zoom_sandbox::OAuthClientInfo {
    sandbox
        .oauth_clients()
        .into_iter()
        .next()
        .unwrap_or_else(|| sandbox.create_oauth_client(zoom_sandbox::NewOAuthClient::default()))
}

/// The demo's sandbox Zoom app: the one made on an earlier run, or a new one.
pub fn demo_zoom_app(sandbox: &Sandbox) -> AppInfo {
    sandbox
        .apps()
        .into_iter()
        .find(|app| app.email == DEMO_ZOOM_EMAIL)
        .unwrap_or_else(|| sandbox.create_app(NewApp { email: Some(DEMO_ZOOM_EMAIL.to_owned()), ..NewApp::default() }))
}

/// The demo host's booking page path.
pub const DEMO_BOOKING_PATH: &str = "/demo/intro";

/// Makes sure the demo host exists, with hours every day and a Zoom event type to book.
pub async fn ensure_demo_host(app: &App) -> anyhow::Result<()> {
    let db = &app.db;
    let input = SignUpInput {
        email: DEMO_EMAIL,
        password: DEMO_PASSWORD,
        name: "Demo Host",
        username: "demo",
        timezone: None,
        invite: None,
    };
    let created = match accounts::sign_up(app, input).await {
        // The demo's address is made up: it counts as confirmed (its verification mail still shows
        // in the outbox folder, like every mail).
        Ok(host) => {
            db.mark_email_verified(&host.id, app.now_ms()).await?;
            true
        }
        Err(AccountError::EmailTaken) => false,
        Err(e) => anyhow::bail!("cannot create the demo host: {e}"),
    };
    let host = db.user_by_email(DEMO_EMAIL).await?.ok_or_else(|| anyhow::anyhow!("demo host missing"))?;
    // Open every day, so the demo can be booked at once whatever day it is tried on.
    if created || db.availability_of(&host.id).await?.is_none() {
        let mut hours = availability::default_input("UTC");
        for day in ["sat", "sun"] {
            hours.weekly.insert(day.to_owned(), vec![["09:00".to_owned(), "17:00".to_owned()]]);
        }
        availability::save(app, &host.id, &hours).await.map_err(|e| anyhow::anyhow!("demo availability: {e}"))?;
    }
    if db.event_type_by_slug(&host.id, "intro").await?.is_none() {
        let intro = EventTypeInput {
            title: Some("Intro call".into()),
            slug: Some("intro".into()),
            description: Some("A 30-minute video call on Zoom.".into()),
            duration_minutes: Some(30),
            location: Some(Location::Zoom),
            minimum_notice_minutes: Some(0),
            ..EventTypeInput::default()
        };
        event_types::save(app, &host.id, None, intro).await.map_err(|e| anyhow::anyhow!("demo event type: {e}"))?;
    }
    Ok(())
}

/// The demo team's round robin page.
pub const DEMO_TEAM_PATH: &str = "/team/demo-team/intro";

/// Teammates of the demo host, each with their own sandbox Zoom app already connected, so the team
/// page books at once and shows the demo host as not bookable until they connect Zoom too.
const TEAMMATES: [(&str, &str, &str); 2] =
    [("ana@prospo.example", "Ana Teammate", "ana-demo"), ("ben@prospo.example", "Ben Teammate", "ben-demo")];

/// Makes sure the demo team exists: the demo host (owner), two teammates, and a round robin Zoom
/// event type at [`DEMO_TEAM_PATH`].
pub async fn ensure_demo_team(app: &App, sandbox: &Sandbox) -> anyhow::Result<()> {
    let db = &app.db;
    let owner = db.user_by_email(DEMO_EMAIL).await?.ok_or_else(|| anyhow::anyhow!("demo host missing"))?;
    let mut members = Vec::new();
    for (email, name, username) in TEAMMATES {
        let input = SignUpInput { email, password: DEMO_PASSWORD, name, username, timezone: None, invite: None };
        match accounts::sign_up(app, input).await {
            Ok(user) => {
                db.mark_email_verified(&user.id, app.now_ms()).await?;
                let mut hours = availability::default_input("UTC");
                for day in ["sat", "sun"] {
                    hours.weekly.insert(day.to_owned(), vec![["09:00".to_owned(), "17:00".to_owned()]]);
                }
                availability::save(app, &user.id, &hours).await.map_err(|e| anyhow::anyhow!("demo hours: {e}"))?;
            }
            Err(AccountError::EmailTaken) => {}
            Err(e) => anyhow::bail!("cannot create the demo teammate {email}: {e}"),
        }
        let user = db.user_by_email(email).await?.ok_or_else(|| anyhow::anyhow!("demo teammate missing"))?;
        if db.zoom_connection_of(&user.id).await?.is_none() {
            let zoom_email = format!("{username}@zoom.example");
            let app_info =
                sandbox.apps().into_iter().find(|a| a.email == zoom_email).unwrap_or_else(|| {
                    sandbox.create_app(NewApp { email: Some(zoom_email.clone()), ..NewApp::default() })
                });
            let input = ConnectInput {
                account_id: app_info.account_id,
                client_id: app_info.client_id,
                client_secret: app_info.client_secret.into(),
                zoom_user: None,
            };
            zoom::connect(app, &user.id, input).await.map_err(|e| anyhow::anyhow!("demo teammate's Zoom: {e}"))?;
        }
        members.push(user);
    }
    let team = match db.team_by_slug("demo-team").await? {
        Some(team) => team,
        None => teams::create(app, &owner.id, "Demo team", "demo-team").await?,
    };
    for member in &members {
        db.add_team_member(&team.id, &member.id, Role::Member, app.now_ms()).await?;
    }
    if db.team_event_type_by_slug(&team.id, "intro").await?.is_none() {
        let input = TeamEventTypeInput {
            event_type: EventTypeInput {
                title: Some("Team intro".into()),
                slug: Some("intro".into()),
                description: Some("A 30-minute Zoom call with whoever on the team is free.".into()),
                duration_minutes: Some(30),
                location: Some(Location::Zoom),
                minimum_notice_minutes: Some(0),
                ..EventTypeInput::default()
            },
            scheduling: Some(TeamScheduling::RoundRobin),
            ..TeamEventTypeInput::default()
        };
        teams::create_event_type(app, &team.id, &owner.id, input).await?;
    }
    Ok(())
}

/// Where `prospo demo` serves its calendar feed (not a username: `_` is not allowed in those).
pub const DEMO_FEED_PATH: &str = "/_demo/calendar.ics";

/// The demo calendar: a few busy times this week in the demo host's hours (UTC), so a newcomer who
/// connects it sees them block slots. Made fresh on every read, relative to `now`.
pub fn demo_feed(now: jiff::Timestamp) -> String {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let day = |n: i64| today.checked_add(jiff::Span::new().days(n)).unwrap_or(today);
    let stamp = now.strftime("%Y%m%dT%H%M%SZ");
    let events = [
        (day(1), "100000", "113000", "Dentist"),
        (day(2), "140000", "153000", "Quarterly planning"),
        (day(3), "090000", "100000", "Gym"),
        (day(4), "120000", "130000", "Lunch with Ana"),
    ];
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Prospo//Demo calendar//EN\r\n");
    for (i, (date, start, end, summary)) in events.iter().enumerate() {
        let date = date.strftime("%Y%m%d");
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:demo-{i}@prospo.example\r\nDTSTAMP:{stamp}\r\nDTSTART:{date}T{start}Z\r\n\
             DTEND:{date}T{end}Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n"
        ));
    }
    // A weekly series, as most real calendars have.
    let monday = day(0).strftime("%Y%m%d");
    ics.push_str(&format!(
        "BEGIN:VEVENT\r\nUID:demo-weekly@prospo.example\r\nDTSTAMP:{stamp}\r\nDTSTART:{monday}T160000Z\r\n\
         DTEND:{monday}T163000Z\r\nRRULE:FREQ=WEEKLY;COUNT=8\r\nSUMMARY:Weekly 1:1\r\nEND:VEVENT\r\n"
    ));
    ics.push_str("END:VCALENDAR\r\n");
    ics
}
