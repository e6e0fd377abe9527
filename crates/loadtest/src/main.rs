//! Booking load and slots-route benchmark through the HTTP API (issue 5; results in `BENCHMARKS.md`).
//!
//! ```text
//! cargo build --release -p prospo
//! cargo run --release -p loadtest -- --database sqlite|postgres
//!     [--bookings 10000] [--concurrency 64] [--hosts N] [--max-seconds 60]
//!     [--scenario all|booking|slots|team-slots|booking-page] [--slot-requests 500] [--page-requests 2000] [--postgres-url URL] [--bin target/release/prospo]
//!     [--team-members 20] [--team-meetings 1000] [--team-compare 1,5] [--team-days 60]
//! ```
//!
//! It starts `prospo zoom-sandbox` and `prospo serve` as separate processes on 127.0.0.1:0 (fresh
//! temporary data folder; on PostgreSQL a fresh database, dropped afterwards), then:
//!
//! * **booking**: signs up `--hosts` hosts (default: bookings / 100, so that no sandbox app, i.e.
//!   no Zoom user, passes Zoom's 100 creates per UTC day), each with its own sandbox app connected
//!   through `PUT /api/v1/integrations/zoom`, open 00:00–23:59 UTC every day, and a 15-minute Zoom
//!   event type. Then `--concurrency` workers book distinct free slots through
//!   `POST /api/v1/public/{host}/intro/bookings`, round-robin over the hosts, until `--bookings`
//!   are sent or `--max-seconds` pass. Reports bookings/s and latency at the HTTP edge, the time
//!   until the server's `prospo_jobs_pending{queue="zoom"}` is 0, the sandbox's per-app stats (deltas over the load), and the
//!   server's RSS (`VmRSS` idle, `VmHWM` reset through `/proc/PID/clear_refs` before the load).
//! * **slots**: hosts whose meetings are inserted with SQL (the criterion bench's data: a Berlin
//!   host open 08:00–12:00 and 13:00–20:00, a 30-minute event type, step 15, buffers 10/10, at most
//!   40 a day; meetings of 15 minutes with 5-minute buffers spread over each day), then
//!   `GET /api/v1/public/{host}/intro/slots` for a 60-day window in America/New_York, sequentially.
//! * **team-slots** (issue 15; not part of `all`): `--team-members` members in eight time zones, each
//!   with hours of their own and `--team-meetings` meetings they attend (a tenth of them team
//!   meetings hosted by the previous member, so read through `meeting_hosts`), inserted with SQL
//!   over `--team-days` days from tomorrow; one team with round robin event types for the first
//!   `--team-compare` members and for all, a collective one for all, and a personal event type of the
//!   first member with the same rules. Then `GET /api/v1/public/team/{team}/{slug}/slots` for a
//!   60-day window in UTC, sequentially, with the server's CPU per request and the route's phases
//!   (load the event type and members, read busy time, compute, format) timed in this process
//!   through the same library calls.
//! * **booking-page** (issue 17; not part of `all`): the public booking page's HTML,
//!   `GET /{host}/intro`, plain, in German (`?lang=`), in French (`Accept-Language`), embedded
//!   (`?embed=1`, the host's `embed_origins` set), in Portuguese with another time zone, for a host
//!   with more times, and at concurrency 8; each with and without a browser's `Accept-Encoding`,
//!   every answer checked to be that page (see `booking_page.rs`).
//!
//! All traffic stays on 127.0.0.1; the processes are killed at the end (also on error).

mod booking_page;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use futures::StreamExt;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use prospo::scheduling::team_booking;
use prospo::store::Db;
use prospo::store::meetings::NewMeeting;
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(about = "Booking load and slots-route benchmark against prospo serve + the Zoom sandbox")]
struct Args {
    /// sqlite or postgres.
    #[arg(long, default_value = "sqlite")]
    database: String,
    /// Admin URL of the local PostgreSQL server; a fresh database is created on it per run.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres_url: String,
    /// The prospo binary to run.
    #[arg(long, default_value = "target/release/prospo")]
    bin: PathBuf,
    /// all (booking, then slots), booking, slots, team-slots or booking-page.
    #[arg(long, default_value = "all")]
    scenario: String,
    /// Bookings to send (at most).
    #[arg(long, default_value_t = 10_000)]
    bookings: usize,
    /// Hosts to spread them over; default: enough for 100 per host.
    #[arg(long)]
    hosts: Option<usize>,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Upper bound on the booking phase, in seconds.
    #[arg(long, default_value_t = 60)]
    max_seconds: u64,
    /// Upper bound on waiting for the Zoom jobs to drain, in seconds.
    #[arg(long, default_value_t = 300)]
    drain_seconds: u64,
    /// Measured requests per slots host (after 20 warm-up requests).
    #[arg(long, default_value_t = 500)]
    slot_requests: usize,
    /// booking-page: measured requests per variant and coding (after 20 warm-up requests).
    #[arg(long, default_value_t = 2_000)]
    page_requests: usize,
    /// team-slots: members of the team (all of them host the largest event types).
    #[arg(long, default_value_t = 20)]
    team_members: usize,
    /// team-slots: meetings each member attends (hosted or as a team meeting's co-host).
    #[arg(long, default_value_t = 1_000)]
    team_meetings: usize,
    /// team-slots: smaller round robin event types (their hosts: the first N members), measured alongside.
    #[arg(long, value_delimiter = ',', default_value = "1,5")]
    team_compare: Vec<usize>,
    /// team-slots: days from tomorrow the meetings are spread over (the 60-day window reads
    /// those within it and 3 days beyond).
    #[arg(long, default_value_t = 60)]
    team_days: i64,
}

/// Zoom's per-user cap on meeting creates and updates per UTC day.
const PER_HOST_CAP: usize = 100;
/// Bookable 15-minute starts per day when open 00:00–23:59.
const SLOTS_PER_DAY: usize = 95;
const PASSWORD: &str = "correct horse battery staple";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args = Args::parse();
    ensure!(matches!(args.database.as_str(), "sqlite" | "postgres"), "--database is sqlite or postgres");
    ensure!(
        matches!(args.scenario.as_str(), "all" | "booking" | "slots" | "team-slots" | "booking-page"),
        "--scenario is all, booking, slots, team-slots or booking-page"
    );
    ensure!((10..=100_000).contains(&args.page_requests), "--page-requests is 10 to 100000");
    ensure!((1..=50).contains(&args.team_members), "--team-members is 1 to 50 (a team event type's most hosts)");
    ensure!(args.team_meetings <= 20_000, "--team-meetings is at most 20000");
    ensure!((1..=365).contains(&args.team_days), "--team-days is 1 to 365");
    ensure!((1..=1024).contains(&args.concurrency), "--concurrency is 1 to 1024");
    ensure!((1..=200_000).contains(&args.bookings), "--bookings is 1 to 200000");
    ensure!(args.max_seconds <= 600 && args.drain_seconds <= 900, "keep runs bounded");
    let hosts = args.hosts.unwrap_or(args.bookings.div_ceil(PER_HOST_CAP)).max(1);
    ensure!(
        args.bookings.div_ceil(hosts) <= PER_HOST_CAP,
        "{} bookings over {hosts} hosts would pass Zoom's {PER_HOST_CAP} creates per host per day",
        args.bookings
    );
    ensure!(args.bin.exists(), "{} not found: run `cargo build --release -p prospo` first", args.bin.display());

    print_machine();
    let dir = tempfile::tempdir()?;
    let (database_url, pg_name) = match args.database.as_str() {
        "sqlite" => (format!("sqlite://{}", dir.path().join("prospo.db").display()), None),
        _ => {
            let name = format!("prospo_load_{}", uuid::Uuid::new_v4().simple());
            let url = create_pg_database(&args.postgres_url, &name).await?;
            (url, Some(name))
        }
    };
    let result = run(&args, hosts, dir.path(), &database_url).await;
    if let Some(name) = pg_name {
        drop_pg_database(&args.postgres_url, &name).await;
    }
    result
}

async fn run(args: &Args, hosts: usize, dir: &Path, database_url: &str) -> anyhow::Result<()> {
    let sandbox = Proc::start(
        "zoom-sandbox",
        Command::new(&args.bin).args(["zoom-sandbox", "--listen", "127.0.0.1:0"]),
        "zoom sandbox on ",
        &dir.join("sandbox.log"),
    )?;
    let sandbox_url = sandbox.url.clone();
    let server = Proc::start(
        "prospo serve",
        Command::new(&args.bin).args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            &dir.display().to_string(),
            "--database-url",
            database_url,
            "--zoom-oauth-url",
            &sandbox_url,
            "--zoom-api-url",
            &format!("{sandbox_url}/v2"),
            "--public-rate-limit",
            "off",
            // The calendar host's feeds are served by this process on loopback.
            "--allow-private-targets",
            "127.0.0.1",
        ]),
        "listening on ",
        &dir.join("server.log"),
    )?;
    ensure!(is_loopback(&server.url) && is_loopback(&sandbox_url), "both processes must listen on 127.0.0.1");
    let pid = server.child.id();
    let sandbox_pid = sandbox.child.id();
    let api = Api {
        http: reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(args.concurrency + 8)
            .timeout(Duration::from_secs(30))
            .build()?,
        url: server.url.clone(),
        sandbox: sandbox_url,
    };
    // Let the server settle (migrations done, background tasks idle) before the idle reading.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_start = Mem::read(pid)?;
    println!("server pid {pid}; idle right after start: {}", idle_start.rss_mb());
    let db = Db::connect(database_url).await?;

    if matches!(args.scenario.as_str(), "all" | "booking") {
        booking_load(args, hosts, &api, &db, [pid, sandbox_pid], idle_start).await?;
    }
    if matches!(args.scenario.as_str(), "all" | "slots") {
        slots_routes(args, &api, &db).await?;
    }
    if args.scenario == "team-slots" {
        team_slots_route(args, &api, &db, pid).await?;
    }
    if args.scenario == "booking-page" {
        booking_page::booking_page(args, &api, &db, pid).await?;
    }
    db.close().await;
    drop(server);
    drop(sandbox);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Booking load

struct Host {
    username: String,
    client_id: String,
}

async fn booking_load(
    args: &Args,
    hosts: usize,
    api: &Api,
    db: &Db,
    [pid, sandbox_pid]: [u32; 2],
    idle_start: Mem,
) -> anyhow::Result<()> {
    println!("\n== Booking load: {} bookings over {hosts} hosts, concurrency {}", args.bookings, args.concurrency);
    let setup_started = Instant::now();
    let hosts: Vec<Host> = futures::stream::iter(0..hosts)
        .map(|i| setup_booking_host(api, i))
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    println!("setup: {} hosts in {:.1} s", hosts.len(), setup_started.elapsed().as_secs_f64());
    // Idle again after setup (sign-up's argon2 and the connects are done), then measure the peak
    // of the load alone.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_setup = Mem::read(pid)?;
    let hwm_reset = reset_hwm(pid);
    let before = sandbox_stats(api, &hosts).await?;

    let first_midnight = tomorrow().to_zoned(TimeZone::UTC)?.timestamp();
    let hosts = Arc::new(hosts);
    let next = Arc::new(AtomicUsize::new(0));
    let sampler = RssSampler::start(pid);
    let cpu_pids = [pid.to_string(), sandbox_pid.to_string(), "self".to_owned()];
    let cpu_before: Vec<u64> = cpu_pids.iter().map(|p| cpu_ticks(p)).collect();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.max_seconds);
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (api, hosts, next, total) = (api.clone(), hosts.clone(), next.clone(), args.bookings);
            tokio::spawn(async move {
                let mut out = Outcomes::default();
                loop {
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    if j >= total || Instant::now() >= deadline {
                        return out;
                    }
                    let host = &hosts[j % hosts.len()];
                    let k = j / hosts.len();
                    let minutes = 24 * 60 * (k / SLOTS_PER_DAY) + 15 * (k % SLOTS_PER_DAY);
                    let start = first_midnight + SignedDuration::from_mins(minutes as i64);
                    let body = json!({"start": start.to_string(), "name": format!("Invitee {j}"),
                        "email": format!("invitee{j}@example.com"), "timezone": "UTC"});
                    let path = format!("/api/v1/public/{}/intro/bookings", host.username);
                    let t0 = Instant::now();
                    let status = match api.http.post(api.at(&path)).json(&body).send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let _ = response.bytes().await;
                            status
                        }
                        Err(_) => 0,
                    };
                    out.record(status, t0.elapsed());
                }
            })
        })
        .collect();
    let mut outcomes = Outcomes::default();
    for worker in workers {
        outcomes.merge(worker.await?);
    }
    let load_secs = started.elapsed().as_secs_f64();
    let mem_load = Mem::read(pid)?;
    let cpu_load: Vec<u64> = cpu_pids.iter().map(|p| cpu_ticks(p)).collect();

    // Drain: until no Zoom work is pending (the server's own gauge).
    let drain_deadline = Instant::now() + Duration::from_secs(args.drain_seconds);
    let mut left = zoom_work_pending(api).await?;
    // Every 100 ms: each look costs the server a count over its job table.
    while left > 0 && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = zoom_work_pending(api).await?;
    }
    let drained_secs = started.elapsed().as_secs_f64();
    let cpu_drained: Vec<u64> = cpu_pids.iter().map(|p| cpu_ticks(p)).collect();
    let peak_sampled = sampler.stop().await;
    let mem_end = Mem::read(pid)?;
    let after = sandbox_stats(api, &hosts).await?;
    let created_in_prospo = count(db, "SELECT COUNT(*) FROM meetings WHERE zoom_status = 'created'").await?;
    let not_created = count(db, "SELECT COUNT(*) FROM meetings WHERE zoom_status <> 'created'").await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle_after = Mem::read(pid)?;

    let ok = outcomes.count(201);
    let delta_of =
        |a: &Value, b: &Value, key: &str| a[key].as_u64().unwrap_or(0).saturating_sub(b[key].as_u64().unwrap_or(0));
    let delta = |key: &str| after.iter().zip(&before).map(|(a, b)| delta_of(a, b, key)).sum::<u64>();
    let (tokens, api_calls, created) = (delta("token_requests"), delta("api_requests"), delta("meetings_created"));
    let max_per_app = after.iter().zip(&before).map(|(a, b)| delta_of(a, b, "meetings_created")).max().unwrap_or(0);
    let mut lat = outcomes.latencies.clone();
    lat.sort_unstable();

    println!("\n| Booking load ({}) | value |", args.database);
    println!("|---|---|");
    println!("| hosts × bookings per host (max) | {} × {} |", hosts.len(), args.bookings.div_ceil(hosts.len()));
    println!("| concurrency | {} |", args.concurrency);
    println!("| requests sent | {} |", outcomes.latencies.len());
    println!("| answers | {} |", outcomes.summary());
    println!("| load phase | {load_secs:.2} s |");
    println!("| **bookings/s (201s / load phase)** | **{:.0}** |", ok as f64 / load_secs);
    println!(
        "| latency p50 / p90 / p99 / max | {} / {} / {} / {} |",
        ms(pct(&lat, 50.0)),
        ms(pct(&lat, 90.0)),
        ms(pct(&lat, 99.0)),
        ms(lat.last().copied())
    );
    println!(
        "| Zoom jobs drained, from first booking | {drained_secs:.2} s{} |",
        if left > 0 { format!(" (NOT drained: {left} left)") } else { String::new() }
    );
    println!("| Zoom jobs drained, after last answer | {:.2} s |", drained_secs - load_secs);
    println!(
        "| Zoom API calls (sandbox api_requests) | {api_calls} → **{:.3} per booking** |",
        api_calls as f64 / ok.max(1) as f64
    );
    println!(
        "| token requests | {tokens} ({:.3} per booking; one per app whose cached token was minted at connect) |",
        tokens as f64 / ok.max(1) as f64
    );
    println!("| meetings created in sandbox | {created} (most for one app: {max_per_app}) |");
    println!("| meetings with zoom status created / other | {created_in_prospo} / {not_created} |");
    let per_booking = |ticks: u64| format!("{:.2}", ticks as f64 * 10.0 / ok.max(1) as f64);
    let cpu = |i: usize| {
        format!(
            "{:.1} s + {:.1} s = {} ms/booking",
            (cpu_load[i] - cpu_before[i]) as f64 / 100.0,
            (cpu_drained[i] - cpu_load[i]) as f64 / 100.0,
            per_booking(cpu_drained[i] - cpu_before[i])
        )
    };
    println!("| CPU (user+sys), load phase + drain: prospo serve | {} |", cpu(0));
    println!("| CPU, load phase + drain: zoom-sandbox | {} |", cpu(1));
    println!("| CPU, load phase + drain: this load generator | {} |", cpu(2));
    println!("| RSS idle right after start | {} |", idle_start.rss_mb());
    println!("| RSS idle after setup | {} |", idle_setup.rss_mb());
    println!("| RSS at end of load phase | {} |", mem_load.rss_mb());
    println!(
        "| **peak RSS during load + drain (VmHWM{})** | **{}** (sampled every 50 ms: {:.1} MB) |",
        if hwm_reset { ", reset before the load" } else { ", NOT reset: includes setup" },
        mem_end.hwm_mb(),
        peak_sampled as f64 / 1024.0
    );
    println!("| RSS idle 3 s after drain | {} |", idle_after.rss_mb());
    Ok(())
}

async fn setup_booking_host(api: &Api, i: usize) -> anyhow::Result<Host> {
    let username = format!("loadhost{i}");
    let (token, client_id) = connected_host(api, &username, json!({})).await?;
    let all_day = json!([["00:00", "23:59"]]);
    let weekly = json!({"mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day, "sat": all_day, "sun": all_day});
    api.send(reqwest::Method::PUT, "/api/v1/availability", &json!({"timezone": "UTC", "weekly": weekly}), &token, 200)
        .await?;
    let event = json!({"title": "Intro call", "slug": "intro", "duration_minutes": 15, "location": "zoom",
        "minimum_notice_minutes": 0, "booking_window_days": 365});
    api.send(reqwest::Method::POST, "/api/v1/event-types", &event, &token, 201).await?;
    Ok(Host { username, client_id })
}

/// Signs up `username`, creates a sandbox app (`app` as for `POST /_sandbox/apps`) and connects it.
/// Returns the API token and the app's client id.
async fn connected_host(api: &Api, username: &str, app: Value) -> anyhow::Result<(String, String)> {
    let signup = json!({"email": format!("{username}@example.com"), "password": PASSWORD, "name": username, "username": username});
    let body = api.send_json(reqwest::Method::POST, &api.at("/api/v1/signup"), &signup, None, 201).await?;
    let token = body["token"].as_str().context("signup answered no token")?.to_owned();
    let zoom_app =
        api.send_json(reqwest::Method::POST, &format!("{}/_sandbox/apps", api.sandbox), &app, None, 201).await?;
    let connect = json!({"account_id": zoom_app["account_id"], "client_id": zoom_app["client_id"], "client_secret": zoom_app["client_secret"]});
    api.send(reqwest::Method::PUT, "/api/v1/integrations/zoom", &connect, &token, 200).await?;
    Ok((token, zoom_app["client_id"].as_str().context("app without client_id")?.to_owned()))
}

async fn sandbox_stats(api: &Api, hosts: &[Host]) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::with_capacity(hosts.len());
    for host in hosts {
        let url = format!("{}/_sandbox/apps/{}/stats", api.sandbox, host.client_id);
        out.push(api.http.get(url).send().await?.error_for_status()?.json().await?);
    }
    Ok(out)
}

#[derive(Default)]
struct Outcomes {
    latencies: Vec<Duration>,
    statuses: std::collections::BTreeMap<u16, usize>,
}

impl Outcomes {
    fn record(&mut self, status: u16, latency: Duration) {
        self.latencies.push(latency);
        *self.statuses.entry(status).or_default() += 1;
    }

    fn merge(&mut self, other: Outcomes) {
        self.latencies.extend(other.latencies);
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
    }

    fn count(&self, status: u16) -> usize {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    fn summary(&self) -> String {
        let parts: Vec<String> = self
            .statuses
            .iter()
            .map(|(s, n)| if *s == 0 { format!("{n} transport errors") } else { format!("{n} × {s}") })
            .collect();
        parts.join(", ")
    }
}

// ---------------------------------------------------------------------------------------------
// Slots route

const SLOTS_HOST_TZ: &str = "Europe/Berlin";
const SLOTS_VIEWER_TZ: &str = "America/New_York";
const WINDOW_DAYS: i64 = 60;

async fn slots_routes(args: &Args, api: &Api, db: &Db) -> anyhow::Result<()> {
    let rounds = 10;
    println!(
        "\n== Slots route: 60-day window, {} sequential requests per host after 20 warm-up each, \
         round-robin over the hosts in {rounds} rounds",
        args.slot_requests
    );
    // (name, meetings per day, cap on the total)
    let cases: [(&str, i64, Option<usize>); 7] = [
        ("empty", 0, None),
        ("slots1000", 17, Some(1_000)),
        ("dense4", 4, None),
        ("dense8", 8, None),
        ("dense16", 16, None),
        ("dense32", 32, None),
        ("dense64", 64, None),
    ];
    let from = tomorrow();
    let to = from.checked_add(Span::new().days(WINDOW_DAYS - 1))?;
    // The busy range the route reads (the viewer's dates widened by 2 and 3 days, as `public_slots` does).
    let viewer = TimeZone::get(SLOTS_VIEWER_TZ)?;
    let lo = from.to_zoned(viewer.clone())?.timestamp().as_millisecond() - 2 * 86_400_000;
    let hi = to.to_zoned(viewer)?.timestamp().as_millisecond() + 3 * 86_400_000;
    let mut hosts = Vec::new();
    for (name, per_day, cap) in cases {
        let (host_id, inserted, _) = setup_slots_host(api, db, name, per_day, cap, from).await?;
        let url = api.at(&format!("/api/v1/public/{name}/intro/slots?from={from}&to={to}&timezone={SLOTS_VIEWER_TZ}"));
        let body = api.http.get(&url).send().await?.error_for_status()?.bytes().await?;
        let value: Value = serde_json::from_slice(&body)?;
        let slots = value["slots"].as_array().map(Vec::len).unwrap_or(0);
        hosts.push(SlotsHost { name, per_day, host_id, inserted, slots, bytes: body.len(), url });
    }
    // Two connected ICS feeds of 500 events each (a tenth of them weekly series), no meetings: the
    // calendars' cache is read on every request (warm after the connect that read them).
    let (host, cold) = setup_calendar_host(api, db, "calendars1000", from).await?;
    println!(
        "calendar host: 2 feeds × {FEED_EVENTS} events ({} busy rows cached); cold read (POST /calendars/ics: \
         download, parse, expand, store) {} and {}",
        host.inserted,
        ms(Some(cold[0])),
        ms(Some(cold[1]))
    );
    hosts.push(host);
    for host in &hosts {
        for _ in 0..20 {
            let _ = api.http.get(&host.url).send().await?.bytes().await?;
        }
    }
    // Rounds over all hosts, so that noise from other work on the machine hits every host alike.
    let mut http = vec![Vec::new(); hosts.len()];
    let mut query = vec![Vec::new(); hosts.len()];
    for _ in 0..rounds {
        for (i, host) in hosts.iter().enumerate() {
            for _ in 0..args.slot_requests.div_ceil(rounds) {
                let t0 = Instant::now();
                let response = api.http.get(&host.url).send().await?;
                ensure!(response.status() == 200, "slots answered {}", response.status());
                let _ = response.bytes().await?;
                http[i].push(t0.elapsed());
            }
            for _ in 0..5 {
                let t0 = Instant::now();
                std::hint::black_box(db.busy_meetings(&host.host_id, lo, hi).await?);
                query[i].push(t0.elapsed());
            }
        }
    }
    println!(
        "\n| Slots route ({}) | meetings/day | meetings in DB | slots answered | body | median | p99 | busy query alone, median |",
        args.database
    );
    println!("|---|---|---|---|---|---|---|---|");
    for ((host, http), query) in hosts.iter().zip(&mut http).zip(&mut query) {
        http.sort_unstable();
        query.sort_unstable();
        println!(
            "| {} | {} | {} | {} | {:.1} KB | {} | {} | {} |",
            host.name,
            host.per_day,
            host.inserted,
            host.slots,
            host.bytes as f64 / 1024.0,
            ms(pct(http, 50.0)),
            ms(pct(http, 99.0)),
            ms(pct(query, 50.0))
        );
    }
    Ok(())
}

/// Events per calendar feed of the calendar host.
const FEED_EVENTS: usize = 500;

/// A host like the criterion bench's without meetings, with two ICS feeds connected (served here).
async fn setup_calendar_host(
    api: &Api,
    db: &Db,
    username: &'static str,
    from: Date,
) -> anyhow::Result<(SlotsHost, [Duration; 2])> {
    let (_, inserted, token) = setup_slots_host(api, db, username, 0, None, from).await?;
    ensure!(inserted == 0);
    let mut cold = [Duration::ZERO; 2];
    for (i, seed) in [0i64, 1].into_iter().enumerate() {
        let url = serve_feed(feed_text(from, seed)).await?;
        let t0 = Instant::now();
        let body = json!({"url": url, "name": format!("Feed {seed}")});
        api.send_json(reqwest::Method::POST, &api.at("/api/v1/calendars/ics"), &body, Some(&token), 201).await?;
        cold[i] = t0.elapsed();
    }
    let host = db.user_by_username(username).await?.context("the calendar host")?;
    let to = from.checked_add(Span::new().days(WINDOW_DAYS + 3))?;
    let rows = db
        .calendar_busy(
            &host.id,
            Timestamp::now().as_millisecond(),
            to.to_zoned(TimeZone::UTC)?.timestamp().as_millisecond(),
        )
        .await?
        .len();
    let url = api.at(&format!(
        "/api/v1/public/{username}/intro/slots?from={from}&to={}&timezone={SLOTS_VIEWER_TZ}",
        from.checked_add(Span::new().days(WINDOW_DAYS - 1))?
    ));
    let body = api.http.get(&url).send().await?.error_for_status()?.bytes().await?;
    let value: Value = serde_json::from_slice(&body)?;
    let slots = value["slots"].as_array().map(Vec::len).unwrap_or(0);
    Ok((
        SlotsHost { name: username, per_day: 0, host_id: host.id, inserted: rows, slots, bytes: body.len(), url },
        cold,
    ))
}

/// 500 events over the 60 days in Berlin time: 450 single ones of 45 minutes at varying hours and
/// 50 weekly series of an hour (with an EXDATE each), as a real calendar mixes them.
fn feed_text(from: Date, seed: i64) -> String {
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//loadtest//EN\r\n");
    let single = FEED_EVENTS - FEED_EVENTS / 10;
    for i in 0..single as i64 {
        let day = from.checked_add(Span::new().days(i % WINDOW_DAYS)).unwrap_or(from);
        let hour = 8 + (i * 7 + seed * 3) % 11;
        let minute = (i * 15 + seed * 30) % 60;
        let start = format!("{}T{hour:02}{minute:02}00", day.strftime("%Y%m%d"));
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:single-{seed}-{i}@loadtest\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART;TZID=Europe/Berlin:{start}\r\nDURATION:PT45M\r\nSUMMARY:Busy {i}\r\nEND:VEVENT\r\n"
        ));
    }
    for i in 0..(FEED_EVENTS / 10) as i64 {
        let day = from.checked_add(Span::new().days(i % 7)).unwrap_or(from);
        let hour = 8 + (i + seed) % 10;
        let start = format!("{}T{hour:02}3000", day.strftime("%Y%m%d"));
        let skipped =
            format!("{}T{hour:02}3000", day.checked_add(Span::new().days(14)).unwrap_or(day).strftime("%Y%m%d"));
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:weekly-{seed}-{i}@loadtest\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART;TZID=Europe/Berlin:{start}\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=9\r\n\
             EXDATE;TZID=Europe/Berlin:{skipped}\r\nSUMMARY:Weekly {i}\r\nEND:VEVENT\r\n"
        ));
    }
    ics.push_str("END:VCALENDAR\r\n");
    ics
}

/// Serves `body` as a calendar feed on a loopback port until the process ends; returns its URL.
async fn serve_feed(body: String) -> anyhow::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/feed.ics", listener.local_addr()?);
    let body = std::sync::Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body.as_bytes()).await;
            });
        }
    });
    Ok(url)
}

struct SlotsHost {
    name: &'static str,
    per_day: i64,
    host_id: String,
    inserted: usize,
    slots: usize,
    bytes: usize,
    url: String,
}

/// A host like the criterion bench's, with its meetings inserted directly with SQL (no Zoom jobs).
async fn setup_slots_host(
    api: &Api,
    db: &Db,
    username: &str,
    per_day: i64,
    cap: Option<usize>,
    from: Date,
) -> anyhow::Result<(String, usize, String)> {
    let (token, _) = connected_host(api, username, json!({})).await?;
    let hours = json!([["08:00", "12:00"], ["13:00", "20:00"]]);
    let weekly =
        json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": hours, "sun": hours});
    let day = |i: i64| from.checked_add(Span::new().days(i)).map(|d| d.to_string());
    let overrides = json!([{"date": day(10)?, "intervals": []}, {"date": day(20)?, "intervals": [["12:00", "14:00"]]}]);
    let availability = json!({"timezone": SLOTS_HOST_TZ, "weekly": weekly, "overrides": overrides});
    api.send(reqwest::Method::PUT, "/api/v1/availability", &availability, &token, 200).await?;
    let event = json!({"title": "Intro call", "slug": "intro", "duration_minutes": 30, "location": "zoom",
        "slot_step_minutes": 15, "buffer_before_minutes": 10, "buffer_after_minutes": 10, "max_per_day": 40,
        "minimum_notice_minutes": 0, "booking_window_days": 365});
    let event = api.send(reqwest::Method::POST, "/api/v1/event-types", &event, &token, 201).await?;
    let event_type_id = event["id"].as_str().context("event type without id")?.to_owned();

    let tz = TimeZone::get(SLOTS_HOST_TZ)?;
    let spacing = 24 * 60 / per_day.max(1);
    let mut meetings = Vec::new();
    for d in 0..WINDOW_DAYS {
        let midnight = from.checked_add(Span::new().days(d))?.to_zoned(tz.clone())?.timestamp();
        for k in 0..per_day {
            let start = midnight + SignedDuration::from_mins(k * spacing);
            let end = start + SignedDuration::from_mins(spacing.min(30) / 2);
            meetings.push((start.as_millisecond(), end.as_millisecond(), k % 2 == 0));
        }
    }
    if let Some(cap) = cap {
        meetings.truncate(cap);
    }
    let host_id = insert_meetings(db, username, &event_type_id, &meetings).await?;
    Ok((host_id, meetings.len(), token))
}

/// Seeds a host's meetings through the store's own insert (as a booking writes them), without Zoom
/// work: the slots route reads them as any other meetings.
async fn insert_meetings(
    db: &Db,
    username: &str,
    event_type_id: &str,
    meetings: &[(i64, i64, bool)],
) -> anyhow::Result<String> {
    let host = db.user_by_username(username).await?.context("the seeded host")?;
    let now = Timestamp::now().as_millisecond();
    let mut tx = db.begin().await?;
    for (start, end, counting) in meetings {
        let id = uuid::Uuid::new_v4().to_string();
        let meeting = NewMeeting {
            zoom_reference: id.replace('-', "")[..12].to_owned(),
            id,
            host_id: host.id.clone(),
            event_type_id: counting.then(|| event_type_id.to_owned()),
            topic: "Seeded".into(),
            booked_title: None,
            start_at: *start,
            end_at: *end,
            buffer_before_ms: 300_000,
            buffer_after_ms: 300_000,
            timezone: "UTC".into(),
            location: "zoom".into(),
            location_detail: None,
            notes: None,
            manage_token_hash: None,
            manage_token_sealed: None,
            reminder_minutes: Vec::new(),
            zoom: false,
            zoom_waiting_room: false,
            zoom_join_before_host: false,
            zoom_mute_upon_entry: false,
            zoom_auto_recording: "none".into(),
            answers: Default::default(),
            invitees: Vec::new(),
            cohosts: Vec::new(),
        };
        tx.insert_meeting(&meeting, now).await?;
    }
    tx.commit().await?;
    Ok(host.id)
}

// ---------------------------------------------------------------------------------------------
// Team slots route (issue 15)

const TEAM_SLUG: &str = "loadteam";
/// The members' time zones, in turn.
const TEAM_ZONES: [&str; 8] = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Europe/London",
];
/// Bookings of the event type one member takes per day at most.
const TEAM_DAILY_MAX: i64 = 6;

struct TeamSeat {
    username: String,
    token: String,
    user_id: String,
    tz: TimeZone,
}

/// One slots route measured.
struct TeamCase {
    label: String,
    hosts: usize,
    /// The team event type's slug; `None` for the personal event type.
    slug: Option<String>,
    url: String,
    read: usize,
    slots: usize,
    bytes: usize,
}

/// Phases of the team slots route, timed here with the same library calls as the server.
#[derive(Default)]
struct Phases {
    /// The team, its event type, its hosts and each host's user row and hours.
    load: Vec<Duration>,
    /// Each offered member's meetings and calendar cache.
    busy: Vec<Duration>,
    /// Each member's slots and their union (round robin) or intersection (collective).
    compute: Vec<Duration>,
    /// Formatting the starts and serialising the answer.
    answer: Vec<Duration>,
}

async fn team_slots_route(args: &Args, api: &Api, db: &Db, pid: u32) -> anyhow::Result<()> {
    let n = args.team_members;
    let mut sizes: Vec<usize> = args.team_compare.iter().copied().filter(|k| (1..n).contains(k)).collect();
    sizes.push(n);
    sizes.sort_unstable();
    sizes.dedup();
    let rounds = 10;
    println!(
        "\n== Team slots route: {n} members × {} meetings over {} days, 60-day window in UTC, {} sequential \
         requests per route after 20 warm-up each, in {rounds} rounds",
        args.team_meetings, args.team_days, args.slot_requests
    );
    let from = tomorrow();
    let to = from.checked_add(Span::new().days(WINDOW_DAYS - 1))?;
    let started = Instant::now();
    let members: Vec<TeamSeat> = futures::stream::iter(0..n)
        .map(|i| setup_team_member(api, db, i, from))
        .buffered(4)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let owner = &members[0].token;
    let team = api
        .send(reqwest::Method::POST, "/api/v1/teams", &json!({"name": "Load team", "slug": TEAM_SLUG}), owner, 201)
        .await?;
    let team_id = team["id"].as_str().context("team without id")?.to_owned();
    for member in &members[1..] {
        let body = json!({"email": format!("{}@example.com", member.username)});
        api.send(reqwest::Method::POST, &format!("/api/v1/teams/{team_id}/members"), &body, owner, 201).await?;
    }
    let ids: Vec<String> = members.iter().map(|m| m.user_id.clone()).collect();
    let mut event_ids = std::collections::BTreeMap::new();
    let mut team_types: Vec<(String, &'static str, usize)> =
        sizes.iter().map(|&k| (format!("rr{k}"), "round_robin", k)).collect();
    team_types.push((format!("col{n}"), "collective", n));
    for (slug, scheduling, k) in &team_types {
        let mut event = event_rules(slug);
        event["scheduling"] = json!(scheduling);
        event["hosts"] = json!(ids[..*k]);
        event["max_per_day_per_member"] = json!(TEAM_DAILY_MAX);
        let view = api
            .send(reqwest::Method::POST, &format!("/api/v1/teams/{team_id}/event-types"), &event, owner, 201)
            .await?;
        let bookable = view["hosts"].as_array().map(|h| h.iter().filter(|h| h["bookable"] == json!(true)).count());
        ensure!(bookable == Some(*k), "{slug}: {bookable:?} of {k} hosts bookable: {view}");
        let row = db.team_event_type_by_slug(&team_id, slug).await?.context("the team event type")?;
        event_ids.insert(slug.clone(), row.id);
    }
    let mut personal = event_rules("solo");
    personal["max_per_day"] = json!(TEAM_DAILY_MAX);
    api.send(reqwest::Method::POST, "/api/v1/event-types", &personal, owner, 201).await?;
    println!(
        "setup: {n} members, a team, {} event types in {:.1} s",
        team_types.len() + 1,
        started.elapsed().as_secs_f64()
    );

    let seeding = Instant::now();
    let counting = &event_ids[&format!("rr{n}")];
    let collective = &event_ids[&format!("col{n}")];
    for (i, member) in members.iter().enumerate() {
        let cohost = (n > 1).then(|| members[(i + 1) % n].user_id.as_str());
        seed_team_meetings(db, i, member, cohost, args, from, [counting, collective]).await?;
    }
    if let Db::Postgres(pool) = db {
        // What autovacuum does within a minute of such an insert: the planner sees 18,000 meetings,
        // not an empty table.
        sqlx::query("ANALYZE meetings, meeting_hosts").execute(pool).await?;
    }
    let (lo, hi) = team_busy_range(from, to)?;
    let mut read = Vec::with_capacity(n);
    for member in &members {
        read.push(db.busy_meetings(&member.user_id, lo, hi).await?.len());
    }
    println!(
        "seeded {} meetings in {:.1} s; meetings the 60-day window reads per member: {}–{}",
        n * args.team_meetings - if n > 1 { n * (args.team_meetings / 10) } else { 0 },
        seeding.elapsed().as_secs_f64(),
        read.iter().min().unwrap_or(&0),
        read.iter().max().unwrap_or(&0)
    );

    let query = format!("from={from}&to={to}&timezone=UTC");
    let mut cases = vec![TeamCase {
        label: "personal event type of member 0".into(),
        hosts: 1,
        slug: None,
        url: api.at(&format!("/api/v1/public/{}/solo/slots?{query}", members[0].username)),
        read: read[0],
        slots: 0,
        bytes: 0,
    }];
    for (slug, scheduling, k) in &team_types {
        cases.push(TeamCase {
            label: format!("{} `{slug}`", scheduling.replace('_', " ")),
            hosts: *k,
            slug: Some(slug.clone()),
            url: api.at(&format!("/api/v1/public/team/{TEAM_SLUG}/{slug}/slots?{query}")),
            read: read[..*k].iter().sum(),
            slots: 0,
            bytes: 0,
        });
    }
    for case in &mut cases {
        let body = api.http.get(&case.url).send().await?.error_for_status()?.bytes().await?;
        let value: Value = serde_json::from_slice(&body)?;
        ensure!(value.get("notice").is_none(), "{}: {}", case.label, value["notice"]);
        case.slots = value["slots"].as_array().map(Vec::len).unwrap_or(0);
        case.bytes = body.len();
        if let Some(slug) = &case.slug {
            // The phases below recompute what the route answers: check they agree.
            let (_, slots) = team_phases(db, slug, from, to).await?;
            ensure!(slots == case.slots, "{}: the route answered {} slots, the phases {slots}", case.label, case.slots);
        }
        for _ in 0..20 {
            let _ = api.http.get(&case.url).send().await?.bytes().await?;
        }
    }

    let server = pid.to_string();
    let mut http = vec![Vec::new(); cases.len()];
    let mut cpu = vec![0u64; cases.len()];
    let mut phases: Vec<Phases> = cases.iter().map(|_| Phases::default()).collect();
    for _ in 0..rounds {
        for (i, case) in cases.iter().enumerate() {
            let ticks = cpu_ticks(&server);
            for _ in 0..args.slot_requests.div_ceil(rounds) {
                let t0 = Instant::now();
                let response = api.http.get(&case.url).send().await?;
                ensure!(response.status() == 200, "team slots answered {}", response.status());
                let _ = response.bytes().await?;
                http[i].push(t0.elapsed());
            }
            cpu[i] += cpu_ticks(&server) - ticks;
            if let Some(slug) = &case.slug {
                for _ in 0..3 {
                    let (t, _) = team_phases(db, slug, from, to).await?;
                    let p = &mut phases[i];
                    p.load.push(t[0]);
                    p.busy.push(t[1]);
                    p.compute.push(t[2]);
                    p.answer.push(t[3]);
                }
            }
        }
    }
    println!(
        "\n| Team slots ({}) | hosts | hosts' meetings in the window | slots answered | body | median | p95 | p99 | server CPU per request | \
         phases here, medians: load | busy reads | compute | answer |",
        args.database
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for ((case, http), (cpu, p)) in cases.iter().zip(&mut http).zip(cpu.iter().zip(&mut phases)) {
        http.sort_unstable();
        let median = |v: &mut Vec<Duration>| {
            v.sort_unstable();
            ms(pct(v, 50.0))
        };
        println!(
            "| {} | {} | {} | {} | {:.1} KB | {} | {} | {} | {:.2} ms | {} | {} | {} | {} |",
            case.label,
            case.hosts,
            case.read,
            case.slots,
            case.bytes as f64 / 1024.0,
            ms(pct(http, 50.0)),
            ms(pct(http, 95.0)),
            ms(pct(http, 99.0)),
            *cpu as f64 * 10.0 / http.len().max(1) as f64,
            median(&mut p.load),
            median(&mut p.busy),
            median(&mut p.compute),
            median(&mut p.answer),
        );
    }
    print_busy_plan(db, &members[0].user_id, counting, lo, hi).await
}

/// The event type fields every measured event type shares: 30 minutes on a 15-minute step, 5-minute
/// buffers, an hour's notice, a phone call (no Zoom needed).
fn event_rules(slug: &str) -> Value {
    json!({"title": format!("Load {slug}"), "slug": slug, "duration_minutes": 30, "location": "phone",
        "slot_step_minutes": 15, "buffer_before_minutes": 5, "buffer_after_minutes": 5,
        "minimum_notice_minutes": 60, "booking_window_days": 365})
}

/// Member `i`: signed up, with hours of their own in one of [`TEAM_ZONES`] and a day off.
async fn setup_team_member(api: &Api, db: &Db, i: usize, from: Date) -> anyhow::Result<TeamSeat> {
    let username = format!("member{i}");
    let signup = json!({"email": format!("{username}@example.com"), "password": PASSWORD, "name": format!("Member {i}"),
        "username": username});
    let body = api.send_json(reqwest::Method::POST, &api.at("/api/v1/signup"), &signup, None, 201).await?;
    let token = body["token"].as_str().context("signup answered no token")?.to_owned();
    let zone = TEAM_ZONES[i % TEAM_ZONES.len()];
    let hours = match i % 3 {
        0 => json!([["09:00", "17:00"]]),
        1 => json!([["08:00", "12:00"], ["13:00", "18:00"]]),
        _ => json!([["10:00", "19:00"]]),
    };
    let saturday = if i.is_multiple_of(4) { json!([["10:00", "14:00"]]) } else { json!([]) };
    let weekly =
        json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": saturday, "sun": []});
    let day_off = from.checked_add(Span::new().days(5 + (i as i64 % 20)))?;
    let availability =
        json!({"timezone": zone, "weekly": weekly, "overrides": [{"date": day_off.to_string(), "intervals": []}]});
    api.send(reqwest::Method::PUT, "/api/v1/availability", &availability, &token, 200).await?;
    let user = db.user_by_username(&username).await?.context("the member")?;
    Ok(TeamSeat { username, token, user_id: user.id, tz: TimeZone::get(zone)? })
}

/// Inserts the meetings member `i` attends: `--team-meetings`, of which a tenth (with a co-host) are
/// team meetings they host with `cohost` (each member also attends a tenth as the previous member's
/// co-host). Starts between 07:00 and 19:00 of their own days, 15–60 minutes, some with 5-minute
/// buffers, overlapping each other at random; a third of the rest were booked through the round
/// robin event type for all (`counting`), so they count toward its daily limit.
async fn seed_team_meetings(
    db: &Db,
    i: usize,
    member: &TeamSeat,
    cohost: Option<&str>,
    args: &Args,
    from: Date,
    [counting, team]: [&str; 2],
) -> anyhow::Result<()> {
    let team_meetings = if cohost.is_some() { args.team_meetings / 10 } else { 0 };
    let hosted = args.team_meetings - team_meetings;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
    let now = Timestamp::now().as_millisecond();
    let mut tx = db.begin().await?;
    for j in 0..hosted {
        let day = (j as i64 * args.team_days) / hosted as i64;
        let midnight = from.checked_add(Span::new().days(day))?.to_zoned(member.tz.clone())?.timestamp();
        let start = midnight + SignedDuration::from_mins(7 * 60 + 5 * rng.below(144) as i64);
        let end = start + SignedDuration::from_mins([15, 30, 45, 60][rng.below(4) as usize]);
        let buffer = 300_000 * rng.below(2) as i64;
        // Evenly spaced: exactly `team_meetings` of the `hosted`.
        let is_team = j * team_meetings / hosted != (j + 1) * team_meetings / hosted;
        let event_type_id =
            if is_team { Some(team.to_owned()) } else { j.is_multiple_of(3).then(|| counting.to_owned()) };
        let id = uuid::Uuid::new_v4().to_string();
        let meeting = NewMeeting {
            zoom_reference: id.replace('-', "")[..12].to_owned(),
            id,
            host_id: member.user_id.clone(),
            event_type_id,
            topic: "Seeded".into(),
            booked_title: None,
            start_at: start.as_millisecond(),
            end_at: end.as_millisecond(),
            buffer_before_ms: buffer,
            buffer_after_ms: buffer,
            timezone: "UTC".into(),
            location: "phone".into(),
            location_detail: None,
            notes: None,
            manage_token_hash: None,
            manage_token_sealed: None,
            reminder_minutes: Vec::new(),
            zoom: false,
            zoom_waiting_room: false,
            zoom_join_before_host: false,
            zoom_mute_upon_entry: false,
            zoom_auto_recording: "none".into(),
            answers: Default::default(),
            invitees: Vec::new(),
            cohosts: cohost.filter(|_| is_team).map(|c| vec![c.to_owned()]).unwrap_or_default(),
        };
        tx.insert_meeting(&meeting, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The busy range the team route reads for a window in UTC (as `team_booking::team_slots` widens it).
fn team_busy_range(from: Date, to: Date) -> anyhow::Result<(i64, i64)> {
    let day_ms = 24 * 3600 * 1000;
    let midnight = |d: Date| d.to_zoned(TimeZone::UTC).map(|z| z.timestamp().as_millisecond());
    Ok((midnight(from)? - 2 * day_ms, midnight(to)? + 3 * day_ms))
}

/// One team slots answer computed here, phase by phase, with the library calls the route makes
/// (`team_booking::find_team_event`, then `team_booking::team_slots`'s reads and computation, then
/// formatting). Returns the phases' times and the number of slots.
async fn team_phases(db: &Db, slug: &str, from: Date, to: Date) -> anyhow::Result<([Duration; 4], usize)> {
    use prospo::domain::slots::{self, Busy};
    use prospo::domain::teams::Scheduling;
    use std::collections::BTreeSet;

    let t0 = Instant::now();
    let event = team_booking::find_team_event(db, TEAM_SLUG, slug).await?.context("the team event type")?;
    let t1 = Instant::now();
    let (lo, hi) = team_busy_range(from, to)?;
    let rules = event.rules();
    let now = Timestamp::now();
    // As the route does: each member read, then computed, and a collective stops at the first
    // empty intersection.
    let (mut reading, mut computing) = (Duration::ZERO, Duration::ZERO);
    let mut combined: Option<BTreeSet<Timestamp>> = None;
    for member in event.offered() {
        let t = Instant::now();
        let mut busy: Vec<Busy> = db
            .busy_meetings(&member.user.id, lo, hi)
            .await?
            .iter()
            .filter_map(|row| {
                let busy = Busy::new(
                    Timestamp::from_millisecond(row.start_at).ok()?,
                    Timestamp::from_millisecond(row.end_at).ok()?,
                )
                .with_buffers(
                    SignedDuration::from_millis(row.buffer_before_ms),
                    SignedDuration::from_millis(row.buffer_after_ms),
                );
                Some(if row.event_type_id.as_deref() == Some(event.event.id.as_str()) { busy.counting() } else { busy })
            })
            .collect();
        busy.extend(db.calendar_busy_spans(&member.user.id, lo, hi).await?.into_iter().filter_map(|(start, end)| {
            Some(Busy::new(Timestamp::from_millisecond(start).ok()?, Timestamp::from_millisecond(end).ok()?))
        }));
        let t_read = Instant::now();
        reading += t_read - t;
        let availability = slots::Availability::parse(&member.availability)?;
        let starts: BTreeSet<Timestamp> =
            slots::slots(&availability, &rules, &busy, now, from, to, &TimeZone::UTC).into_iter().collect();
        combined = Some(match (combined, event.event.scheduling) {
            (None, _) => starts,
            (Some(acc), Scheduling::Collective) => acc.intersection(&starts).copied().collect(),
            (Some(mut acc), _) => {
                acc.extend(starts);
                acc
            }
        });
        computing += t_read.elapsed();
        if event.event.scheduling == Scheduling::Collective && combined.as_ref().is_some_and(BTreeSet::is_empty) {
            break;
        }
    }
    let t3 = Instant::now();
    let starts: Vec<Timestamp> = combined.unwrap_or_default().into_iter().collect();
    let formatted: Vec<String> = starts.iter().map(|t| slots::format_in(*t, &TimeZone::UTC)).collect();
    let body = serde_json::to_vec(&json!({"timezone": "UTC", "slots": formatted}))?;
    std::hint::black_box(body);
    let t4 = Instant::now();
    Ok(([t1 - t0, reading, computing, t4 - t3], starts.len()))
}

/// The meetings query's condition as it was before it became two index lookups (the `OR` that
/// PostgreSQL planned as a scan), kept for the variants compared below.
macro_rules! busy_where {
    () => {
        "(host_id = $1 OR id IN (SELECT meeting_id FROM meeting_hosts WHERE user_id = $1)) AND status = 'scheduled' \
         AND end_at > $2 AND start_at < $3"
    };
}

/// How the database runs the route's meetings query for one member, and what its parts cost: the
/// query as the route sends it, SQLite's or PostgreSQL's own work (a count), the same rows without
/// the co-host branch, without the two strings, and as one aggregated row.
async fn print_busy_plan(db: &Db, user_id: &str, event_type_id: &str, lo: i64, hi: i64) -> anyhow::Result<()> {
    let lines: Vec<String> = match db {
        Db::Sqlite(pool) => {
            let sql = format!("EXPLAIN QUERY PLAN {}", prospo::store::meetings::BUSY_SQL);
            let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(user_id)
                .bind(lo)
                .bind(hi)
                .bind("")
                .fetch_all(pool)
                .await?;
            rows.into_iter().map(|r| r.3).collect()
        }
        Db::Postgres(pool) => {
            let sql = format!("EXPLAIN ANALYZE {}", prospo::store::meetings::BUSY_SQL);
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(user_id)
                .bind(lo)
                .bind(hi)
                .bind("")
                .fetch_all(pool)
                .await?
        }
    };
    println!("\nmeetings query plan for one member:");
    for line in lines {
        println!("    {line}");
    }

    // 60 of each, interleaved in a rotating order; medians.
    let mut times = vec![Vec::new(); 6];
    let mut rows = [0usize; 6];
    for round in 0..60 {
        for k in 0..6 {
            let variant = (round + k) % 6;
            let t = Instant::now();
            rows[variant] = busy_variant(db, variant, user_id, event_type_id, lo, hi).await?;
            times[variant].push(t.elapsed());
        }
    }
    let labels = [
        "the first query, with OR (6 columns, 2 of them strings)",
        "COUNT(*) with the same condition (the database's own work, no rows out)",
        "the same columns, own meetings only (no co-host branch)",
        "4 integers and the event-type test as an integer (no strings)",
        "the same intervals as one aggregated row",
        "own meetings UNION ALL co-hosted ones (two index lookups: the route's query now)",
    ];
    println!(
        "\n| Meetings query for one member ({}) | rows | median |",
        if matches!(db, Db::Sqlite(_)) { "sqlite" } else { "postgres" }
    );
    println!("|---|---|---|");
    for ((label, t), n) in labels.iter().zip(&mut times).zip(rows) {
        t.sort_unstable();
        println!("| {label} | {n} | {} |", ms(pct(t, 50.0)));
    }
    Ok(())
}

const ROUTE: &str = concat!(
    "SELECT id, event_type_id, start_at, end_at, buffer_before_ms, buffer_after_ms FROM meetings WHERE ",
    busy_where!(),
    " AND id <> $4 ORDER BY start_at"
);
const COUNT: &str = concat!("SELECT COUNT(*) FROM meetings WHERE ", busy_where!());
const HOST_ONLY: &str = "SELECT id, event_type_id, start_at, end_at, buffer_before_ms, buffer_after_ms FROM meetings \
     WHERE host_id = $1 AND status = 'scheduled' AND end_at > $2 AND start_at < $3 ORDER BY start_at";
const INTEGERS: &str = concat!(
    "SELECT start_at, end_at, buffer_before_ms, buffer_after_ms, \
     CAST(CASE WHEN event_type_id = $4 THEN 1 ELSE 0 END AS BIGINT) FROM meetings WHERE ",
    busy_where!(),
    " ORDER BY start_at"
);
const ONE_ROW_SQLITE: &str = concat!(
    "SELECT group_concat(CAST(start_at AS TEXT) || ' ' || CAST(end_at AS TEXT), ',') FROM (SELECT start_at, end_at FROM meetings WHERE ",
    busy_where!(),
    " ORDER BY start_at)"
);
const ONE_ROW_PG: &str = concat!(
    "SELECT string_agg(CAST(start_at AS TEXT) || ' ' || CAST(end_at AS TEXT), ',' ORDER BY start_at) FROM meetings WHERE ",
    busy_where!()
);

/// The route's query written as two index lookups: own meetings, then those attended as co-host.
const UNION: &str = "SELECT id, event_type_id, start_at, end_at, buffer_before_ms, buffer_after_ms FROM meetings \
     WHERE host_id = $1 AND status = 'scheduled' AND end_at > $2 AND start_at < $3 AND id <> $4 UNION ALL \
     SELECT m.id, m.event_type_id, m.start_at, m.end_at, m.buffer_before_ms, m.buffer_after_ms FROM meeting_hosts h \
     JOIN meetings m ON m.id = h.meeting_id WHERE h.user_id = $1 AND m.host_id <> $1 AND m.status = 'scheduled' \
     AND m.end_at > $2 AND m.start_at < $3 AND m.id <> $4 ORDER BY start_at";

type BusyFull = (String, Option<String>, i64, i64, i64, i64);

/// Runs one of [`print_busy_plan`]'s query variants; returns the meetings it read.
async fn busy_variant(
    db: &Db,
    variant: usize,
    user_id: &str,
    event_type_id: &str,
    lo: i64,
    hi: i64,
) -> anyhow::Result<usize> {
    Ok(match (db, variant) {
        (Db::Sqlite(pool), 0) => {
            sqlx::query_as::<_, BusyFull>(ROUTE).bind(user_id).bind(lo).bind(hi).bind("").fetch_all(pool).await?.len()
        }
        (Db::Postgres(pool), 0) => {
            sqlx::query_as::<_, BusyFull>(ROUTE).bind(user_id).bind(lo).bind(hi).bind("").fetch_all(pool).await?.len()
        }
        (Db::Sqlite(pool), 1) => {
            sqlx::query_scalar::<_, i64>(COUNT).bind(user_id).bind(lo).bind(hi).fetch_one(pool).await? as usize
        }
        (Db::Postgres(pool), 1) => {
            sqlx::query_scalar::<_, i64>(COUNT).bind(user_id).bind(lo).bind(hi).fetch_one(pool).await? as usize
        }
        (Db::Sqlite(pool), 2) => {
            sqlx::query_as::<_, BusyFull>(HOST_ONLY).bind(user_id).bind(lo).bind(hi).fetch_all(pool).await?.len()
        }
        (Db::Postgres(pool), 2) => {
            sqlx::query_as::<_, BusyFull>(HOST_ONLY).bind(user_id).bind(lo).bind(hi).fetch_all(pool).await?.len()
        }
        (Db::Sqlite(pool), 3) => sqlx::query_as::<_, (i64, i64, i64, i64, i64)>(INTEGERS)
            .bind(user_id)
            .bind(lo)
            .bind(hi)
            .bind(event_type_id)
            .fetch_all(pool)
            .await?
            .len(),
        (Db::Postgres(pool), 3) => sqlx::query_as::<_, (i64, i64, i64, i64, i64)>(INTEGERS)
            .bind(user_id)
            .bind(lo)
            .bind(hi)
            .bind(event_type_id)
            .fetch_all(pool)
            .await?
            .len(),
        (Db::Sqlite(pool), 5) => {
            sqlx::query_as::<_, BusyFull>(UNION).bind(user_id).bind(lo).bind(hi).bind("").fetch_all(pool).await?.len()
        }
        (Db::Postgres(pool), 5) => {
            sqlx::query_as::<_, BusyFull>(UNION).bind(user_id).bind(lo).bind(hi).bind("").fetch_all(pool).await?.len()
        }
        (Db::Sqlite(pool), _) => sqlx::query_scalar::<_, Option<String>>(ONE_ROW_SQLITE)
            .bind(user_id)
            .bind(lo)
            .bind(hi)
            .fetch_one(pool)
            .await?
            .map_or(0, |s| s.split(',').count()),
        (Db::Postgres(pool), _) => sqlx::query_scalar::<_, Option<String>>(ONE_ROW_PG)
            .bind(user_id)
            .bind(lo)
            .bind(hi)
            .fetch_one(pool)
            .await?
            .map_or(0, |s| s.split(',').count()),
    })
}

/// xorshift64: the seeded meetings are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The server's `prospo_jobs_pending{queue="zoom"}`: Zoom work due or running.
async fn zoom_work_pending(api: &Api) -> anyhow::Result<i64> {
    let text = api.http.get(format!("{}/metrics", api.url)).send().await?.text().await?;
    let line = text
        .lines()
        .find(|l| l.starts_with("prospo_jobs_pending{queue=\"zoom\"}"))
        .context("no prospo_jobs_pending for the zoom queue in /metrics")?;
    Ok(line.rsplit(' ').next().unwrap_or("0").trim().parse::<f64>()? as i64)
}

// ---------------------------------------------------------------------------------------------
// Plumbing

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    url: String,
    sandbox: String,
}

impl Api {
    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        token: &str,
        expect: u16,
    ) -> anyhow::Result<Value> {
        self.send_json(method, &self.at(path), body, Some(token), expect).await
    }

    async fn send_json(
        &self,
        method: reqwest::Method,
        url: &str,
        body: &Value,
        token: Option<&str>,
        expect: u16,
    ) -> anyhow::Result<Value> {
        let mut request = self.http.request(method.clone(), url).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.with_context(|| format!("{method} {url}"))?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        if status != expect {
            bail!("{method} {url} answered {status}, expected {expect}: {text}");
        }
        Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text)? })
    }
}

async fn count(db: &Db, sql: &'static str) -> anyhow::Result<i64> {
    Ok(match db {
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
    })
}

/// A child process, killed (and reaped) when dropped.
struct Proc {
    child: Child,
    url: String,
}

impl Proc {
    /// Starts the command and waits for the stdout line starting with `marker` (the rest is its URL).
    /// Stderr goes to `log`; the rest of stdout is drained in the background.
    fn start(name: &str, command: &mut Command, marker: &str, log: &Path) -> anyhow::Result<Proc> {
        let log = std::fs::File::create(log)?;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        let marker = marker.to_owned();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix(&marker) {
                    let _ = tx.send(url.trim().to_owned());
                    break;
                }
            }
            for _ in lines {}
        });
        let mut proc = Proc { child, url: String::new() };
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => proc.url = url,
            Err(_) => bail!("{name} did not print its address within 60 s"),
        }
        Ok(proc)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_loopback(url: &str) -> bool {
    url.starts_with("http://127.0.0.1:")
}

#[derive(Clone, Copy)]
struct Mem {
    rss_kb: u64,
    hwm_kb: u64,
}

impl Mem {
    fn read(pid: u32) -> anyhow::Result<Mem> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Ok(Mem { rss_kb: field("VmRSS:"), hwm_kb: field("VmHWM:") })
    }

    fn rss_mb(&self) -> String {
        format!("{:.1} MB", self.rss_kb as f64 / 1024.0)
    }

    fn hwm_mb(&self) -> String {
        format!("{:.1} MB", self.hwm_kb as f64 / 1024.0)
    }
}

/// User + system CPU time of a process (`/proc/PID/stat`, in clock ticks of 10 ms).
fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12)
}

/// Resets the process's VmHWM to its current RSS (Linux: `echo 5 > /proc/PID/clear_refs`).
fn reset_hwm(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Samples VmRSS every 50 ms; `stop` returns the largest reading (kB).
struct RssSampler {
    stop: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<u64>,
}

impl RssSampler {
    fn start(pid: u32) -> RssSampler {
        let stop = Arc::new(tokio::sync::Notify::new());
        let notified = stop.clone();
        let task = tokio::spawn(async move {
            let mut peak = 0;
            loop {
                peak = peak.max(Mem::read(pid).map(|m| m.rss_kb).unwrap_or(0));
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(50)) => {}
                    () = notified.notified() => return peak,
                }
            }
        });
        RssSampler { stop, task }
    }

    async fn stop(self) -> u64 {
        self.stop.notify_one();
        self.task.await.unwrap_or(0)
    }
}

fn tomorrow() -> Date {
    Timestamp::now().to_zoned(TimeZone::UTC).date().tomorrow().expect("a tomorrow")
}

fn pct(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

fn ms(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.2} ms", d.as_secs_f64() * 1000.0)).unwrap_or_else(|| "–".into())
}

fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned()))
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {cores} cores, {cpu}; load average {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
}

async fn create_pg_database(admin: &str, name: &str) -> anyhow::Result<String> {
    ensure!(admin.contains("@127.0.0.1") || admin.contains("@localhost"), "use a PostgreSQL server on this machine");
    let db = Db::connect(admin).await?;
    let Db::Postgres(pool) = &db else { bail!("--postgres-url is not a PostgreSQL URL") };
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(pool).await?;
    db.close().await;
    let mut url = url::Url::parse(admin)?;
    url.set_path(name);
    Ok(url.to_string())
}

async fn drop_pg_database(admin: &str, name: &str) {
    if let Ok(db) = Db::connect(admin).await {
        if let Db::Postgres(pool) = &db {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(pool)
                .await;
        }
        db.close().await;
    }
}
