//! A small, bounded load generator for the Zoom sandbox (see `BENCHMARKS.md`).
//!
//! ```text
//! cargo run --release -p zoom-sandbox --example load -- [--url http://127.0.0.1:PORT]
//!     [--duration SECS] [--concurrency N] [--scenarios me,get,create] [--create-apps N]
//! ```
//!
//! Without `--url` it serves a fresh in-memory sandbox in-process on `127.0.0.1:0` (client and
//! server then share one Tokio runtime); with `--url` it drives a sandbox on this machine (only
//! loopback URLs are accepted), e.g. one started by `--example serve`. It creates its own apps
//! through `POST /_sandbox/apps`, mints tokens, then runs each scenario for a fixed time with N
//! concurrent workers on one keep-alive connection each:
//!
//! * `me`: `GET /v2/users/me` (Light);
//! * `get`: `GET /v2/meetings/{id}` over a few pre-created meetings (Light);
//! * `create`: `POST /v2/users/me/meetings` (Medium), spread over `--create-apps` apps so that no
//!   host passes Zoom's 100 creates per day; the run stops early when that budget is spent.
//!
//! Every scenario reports requests/s, p50/p99/max latency and the count of non-2xx answers or
//! transport errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// Creates per host per UTC day allowed by the sandbox's default cap.
const DAILY_CAP: u64 = 100;
const MAX_DURATION_SECS: u64 = 60;
const MAX_CONCURRENCY: usize = 512;
const MAX_CREATE_APPS: usize = 2_000;

struct Options {
    url: Option<String>,
    duration: Duration,
    concurrency: usize,
    scenarios: Vec<String>,
    create_apps: usize,
}

fn usage() -> &'static str {
    "usage: load [--url http://127.0.0.1:PORT] [--duration SECS (1-60, default 10)] \
     [--concurrency N (1-512, default 64)] [--scenarios me,get,create] [--create-apps N (1-2000, default 500)]"
}

fn parse_options() -> anyhow::Result<Options> {
    let mut opts = Options {
        url: None,
        duration: Duration::from_secs(10),
        concurrency: 64,
        scenarios: vec!["me".into(), "get".into(), "create".into()],
        create_apps: 500,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value\n{}", usage()));
        match arg.as_str() {
            "--url" => opts.url = Some(value()?.trim_end_matches('/').to_string()),
            "--duration" => {
                let secs: u64 = value()?.parse().context("--duration")?;
                opts.duration = Duration::from_secs(secs.clamp(1, MAX_DURATION_SECS));
            }
            "--concurrency" => {
                opts.concurrency = value()?.parse::<usize>().context("--concurrency")?.clamp(1, MAX_CONCURRENCY)
            }
            "--scenarios" => opts.scenarios = value()?.split(',').map(|s| s.trim().to_string()).collect(),
            "--create-apps" => {
                opts.create_apps = value()?.parse::<usize>().context("--create-apps")?.clamp(1, MAX_CREATE_APPS)
            }
            "-h" | "--help" => {
                println!("{}", usage());
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{}", usage()),
        }
    }
    if let Some(s) = opts.scenarios.iter().find(|s| !["me", "get", "create"].contains(&s.as_str())) {
        bail!("unknown scenario {s}: me, get or create");
    }
    if let Some(url) = &opts.url {
        let host = url.strip_prefix("http://").unwrap_or("").split(['/', ':']).next().unwrap_or("");
        if !["127.0.0.1", "localhost"].contains(&host) {
            bail!("--url must be http://127.0.0.1:PORT or http://localhost:PORT (loopback only)");
        }
    }
    Ok(opts)
}

/// One app with a fresh access token.
struct Caller {
    token: String,
}

async fn new_caller(client: &reqwest::Client, base: &str) -> anyhow::Result<Caller> {
    let app: Value =
        client.post(format!("{base}/_sandbox/apps")).json(&json!({})).send().await?.error_for_status()?.json().await?;
    let field = |name: &str| app[name].as_str().map(str::to_string).with_context(|| format!("app without {name}"));
    let (account_id, client_id, secret) = (field("account_id")?, field("client_id")?, field("client_secret")?);
    let token: Value = client
        .post(format!("{base}/oauth/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "account_credentials"), ("account_id", account_id.as_str())])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = token["access_token"].as_str().context("no access_token")?.to_string();
    Ok(Caller { token })
}

fn meeting_body(i: u64) -> String {
    json!({"topic": format!("load {i}"), "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 30}).to_string()
}

/// What one worker asks for its n-th request; `None` ends the worker.
type NextRequest = dyn Fn(&reqwest::Client, u64) -> Option<reqwest::RequestBuilder> + Send + Sync;

struct Outcome {
    name: &'static str,
    elapsed: Duration,
    latencies_us: Vec<u64>,
    errors: u64,
}

impl Outcome {
    fn print(&self) {
        let mut l = self.latencies_us.clone();
        l.sort_unstable();
        let total = l.len() as u64 + self.errors;
        let pct = |p: f64| -> f64 {
            if l.is_empty() {
                return 0.0;
            }
            let idx = ((l.len() as f64 * p).ceil() as usize).clamp(1, l.len()) - 1;
            l[idx] as f64 / 1000.0
        };
        println!(
            "| {:<32} | {:>8} | {:>9.0} | {:>8.2} | {:>8.2} | {:>8.2} | {:>6} | {:>6.2} |",
            self.name,
            total,
            l.len() as f64 / self.elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.99),
            l.last().map_or(0.0, |m| *m as f64 / 1000.0),
            self.errors,
            self.elapsed.as_secs_f64(),
        );
    }
}

/// Runs `concurrency` workers until `duration` has passed or `next` says stop; each worker has
/// its own client (one keep-alive connection).
async fn run(name: &'static str, concurrency: usize, duration: Duration, next: Arc<NextRequest>) -> Outcome {
    let counter = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (counter, errors, first_error, next) = (counter.clone(), errors.clone(), first_error.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().expect("http client");
            let mut latencies = Vec::with_capacity(16_384);
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let Some(req) = next(&client, n) else { break };
                let t = Instant::now();
                let result = async {
                    let resp = req.send().await?;
                    let status = resp.status();
                    let body = resp.bytes().await?;
                    Ok::<_, reqwest::Error>((status, body))
                }
                .await;
                let us = t.elapsed().as_micros() as u64;
                match result {
                    Ok((status, _)) if status.is_success() => latencies.push(us),
                    other => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        let mut first = first_error.lock().unwrap_or_else(|e| e.into_inner());
                        if first.is_none() {
                            *first = Some(match other {
                                Ok((status, body)) => format!("{status}: {}", String::from_utf8_lossy(&body)),
                                Err(e) => e.to_string(),
                            });
                        }
                    }
                }
            }
            latencies
        }));
    }
    let mut latencies_us = Vec::new();
    for task in tasks {
        latencies_us.extend(task.await.unwrap_or_default());
    }
    let elapsed = start.elapsed();
    if let Some(e) = first_error.lock().unwrap_or_else(|e| e.into_inner()).take() {
        eprintln!("{name}: first error: {e}");
    }
    Outcome { name, elapsed, latencies_us, errors: errors.load(Ordering::Relaxed) }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let opts = parse_options()?;
    let _server;
    let base = match &opts.url {
        Some(url) => url.clone(),
        None => {
            let running = zoom_sandbox::spawn(zoom_sandbox::Sandbox::in_memory(), "127.0.0.1:0").await?;
            let url = running.url.clone();
            _server = running;
            url
        }
    };
    let mode = if opts.url.is_some() { "external" } else { "in-process" };
    let setup = reqwest::Client::new();
    let main_caller = new_caller(&setup, &base).await?;
    let me: Value = setup
        .get(format!("{base}/v2/users/me"))
        .bearer_auth(&main_caller.token)
        .send()
        .await?
        .error_for_status()
        .context("GET /v2/users/me with a fresh token")?
        .json()
        .await?;
    eprintln!(
        "sandbox {base} ({mode}); user {}; {} workers, {} s per scenario",
        me["id"].as_str().unwrap_or("?"),
        opts.concurrency,
        opts.duration.as_secs()
    );

    let mut outcomes = Vec::new();
    for scenario in &opts.scenarios {
        let outcome = match scenario.as_str() {
            "me" => {
                let (url, auth) = (format!("{base}/v2/users/me"), format!("Bearer {}", main_caller.token));
                let next: Arc<NextRequest> =
                    Arc::new(move |c: &reqwest::Client, _| Some(c.get(&url).header("authorization", &auth)));
                run("GET /v2/users/me", opts.concurrency, opts.duration, next).await
            }
            "get" => {
                // A few meetings (well under the daily cap) on the main app to read back.
                let mut ids = Vec::new();
                for i in 0..20 {
                    let m: Value = setup
                        .post(format!("{base}/v2/users/me/meetings"))
                        .bearer_auth(&main_caller.token)
                        .header("content-type", "application/json")
                        .body(meeting_body(i))
                        .send()
                        .await?
                        .error_for_status()?
                        .json()
                        .await?;
                    ids.push(m["id"].as_i64().context("meeting without id")?);
                }
                let urls: Vec<String> = ids.iter().map(|id| format!("{base}/v2/meetings/{id}")).collect();
                let auth = format!("Bearer {}", main_caller.token);
                let next: Arc<NextRequest> = Arc::new(move |c: &reqwest::Client, n| {
                    Some(c.get(&urls[n as usize % urls.len()]).header("authorization", &auth))
                });
                run("GET /v2/meetings/{id}", opts.concurrency, opts.duration, next).await
            }
            "create" => {
                let t = Instant::now();
                let mut auths = Vec::with_capacity(opts.create_apps);
                for _ in 0..opts.create_apps {
                    auths.push(format!("Bearer {}", new_caller(&setup, &base).await?.token));
                }
                eprintln!("created {} apps with tokens in {:.2} s", auths.len(), t.elapsed().as_secs_f64());
                let url = format!("{base}/v2/users/me/meetings");
                let budget = auths.len() as u64 * DAILY_CAP;
                // Request n goes to app n / 100: each host gets at most its daily cap.
                let next: Arc<NextRequest> = Arc::new(move |c: &reqwest::Client, n| {
                    (n < budget).then(|| {
                        c.post(&url)
                            .header("authorization", &auths[(n / DAILY_CAP) as usize])
                            .header("content-type", "application/json")
                            .body(meeting_body(n))
                    })
                });
                run("POST /v2/users/me/meetings", opts.concurrency, opts.duration, next).await
            }
            _ => unreachable!("checked in parse_options"),
        };
        outcomes.push(outcome);
    }

    println!();
    println!("mode: {mode}, concurrency: {}, duration: {} s", opts.concurrency, opts.duration.as_secs());
    println!(
        "| {:<32} | {:>8} | {:>9} | {:>8} | {:>8} | {:>8} | {:>6} | {:>6} |",
        "scenario", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "secs"
    );
    println!("|{:-<34}|{:->10}|{:->11}|{:->10}|{:->10}|{:->10}|{:->8}|{:->8}|", "", "", "", "", "", "", "", "");
    for outcome in &outcomes {
        outcome.print();
    }
    Ok(())
}
