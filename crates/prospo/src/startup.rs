//! Building the application on a bound listener, so tests run it on port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::app::{App, AppRef};
use crate::clock::Clock;
use crate::config::Config;
use crate::http::{self, AppState};
use crate::integrations::calendars::CalendarIntegration;
use crate::integrations::calendars::sync::CalendarWork;
use crate::integrations::webhooks::deliver::WebhookWork;
use crate::integrations::zoom::ZoomIntegration;
use crate::integrations::zoom::health::{ZoomCheckWork, watch_minted_tokens};
use crate::integrations::zoom::sync::ZoomWork;
use crate::jobs::{Queue, QueueSettings, RunnerContext, Wakers, run_queue};
use crate::limits::PublicRateLimits;
use crate::maintenance::{self, MaintenanceWork};
use crate::notifications::Notices;
use crate::notifications::reminders::ReminderWork;
use crate::notifications::sender::{self, Delivery, MailWork};
use crate::secrets::SecretBox;
use crate::store::Db;

/// A built application, ready to serve on its listener.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    /// `--metrics-listen`: `/metrics` on a listener of its own (not on the main one).
    metrics: Option<(TcpListener, axum::Router)>,
    header_read_timeout: Duration,
    pub state: AppState,
    pub addr: SocketAddr,
    /// Stops the job runners: running jobs finish; unfinished work resumes on the next start
    /// because it is claimed and recorded in the database.
    shutdown: CancellationToken,
    runners: Vec<tokio::task::JoinHandle<()>>,
    /// Reads the Zoom client's news of minted tokens until it is stopped.
    watcher: tokio::task::JoinHandle<()>,
}

/// How each queue runs (per instance).
fn settings(queue: Queue) -> QueueSettings {
    let minutes = |m: u64| Duration::from_secs(m * 60);
    match queue {
        // Zoom work retries until it is done or the work stops for Retry (product.md §2).
        Queue::Zoom => QueueSettings { concurrency: 32, lease: minutes(5), max_attempts: None },
        Queue::Mail => QueueSettings { concurrency: 8, lease: minutes(5), max_attempts: Some(sender::MAX_ATTEMPTS) },
        Queue::ZoomCheck => QueueSettings { concurrency: 4, lease: minutes(2), max_attempts: None },
        Queue::Reminder => QueueSettings { concurrency: 8, lease: minutes(2), max_attempts: Some(10) },
        Queue::Maintenance => QueueSettings { concurrency: 1, lease: minutes(10), max_attempts: None },
        // Syncs reschedule themselves; write-backs retry until done (product.md §7).
        Queue::Calendar => QueueSettings { concurrency: 8, lease: minutes(5), max_attempts: None },
        // Deliveries retry for three days, then fail (product.md §10).
        Queue::Webhook => QueueSettings { concurrency: 8, lease: minutes(2), max_attempts: None },
    }
}

impl Application {
    pub async fn build(config: Config, listener: TcpListener) -> anyhow::Result<Application> {
        let addr = listener.local_addr()?;
        let public_url = match &config.public_url {
            Some(url) => url.clone(),
            None => url::Url::parse(&format!("http://{addr}")).context("bound address is not a URL")?,
        };
        let db = Db::connect(&config.database_url).await?;
        if config.migrate {
            db.migrate().await?;
        }
        let delivery = Delivery::from_config(config.smtp_url.as_deref(), &config.data_dir)?;
        let clock = Clock::system();
        let (zoom, minted_tokens) = ZoomIntegration::new(
            &config.zoom_oauth_url,
            &config.zoom_api_url,
            config.zoom_check_interval,
            clock.clone(),
        )?;
        let demo_feed_url = config
            .demo_feed
            .then(|| format!("{}{}", public_url.as_str().trim_end_matches('/'), crate::demo::DEMO_FEED_PATH));
        let oauth = crate::integrations::oauth::OAuthIntegration::new(&config.oauth, &config.zoom_oauth_url)?;
        let secrets = SecretBox::new(config.key_source.load()?);
        let app: AppRef = Arc::new_cyclic(|me| App {
            me: me.clone(),
            db,
            secrets,
            zoom,
            calendars: CalendarIntegration::new(config.allow_private_targets.clone()),
            oauth,
            mail: Notices::new(&public_url),
            public_url,
            limits: config.public_rate_limit.map(PublicRateLimits::new),
            trusted_proxies: config.trusted_proxies.clone(),
            clock,
            jobs: Wakers::default(),
            demo_feed_url,
            busy_cache: Default::default(),
        });
        maintenance::arm(&app.db, app.now_ms()).await?;
        let state = AppState { app: app.clone(), metrics: http::ops_metrics_handle() };
        let metrics = match &config.metrics_listen {
            Some(listen) => {
                let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
                Some((listener, http::metrics_router(state.clone())))
            }
            None => None,
        };
        let router = http::router(state.clone(), metrics.is_none())?;
        let shutdown = CancellationToken::new();
        let context = RunnerContext {
            db: app.db.clone(),
            clock: app.clock.clone(),
            wakers: app.jobs.clone(),
            poll: config.poll_interval,
            shutdown: shutdown.clone(),
        };
        let queue = |queue: Queue| (context.clone(), queue, settings(queue));
        let watcher = tokio::spawn(watch_minted_tokens(app.clone(), minted_tokens));
        let runners = vec![
            spawn(queue(Queue::Zoom), ZoomWork(app.clone())),
            spawn(queue(Queue::Mail), MailWork::new(app.clone(), delivery)),
            spawn(queue(Queue::ZoomCheck), ZoomCheckWork(app.clone())),
            spawn(queue(Queue::Reminder), ReminderWork(app.clone())),
            spawn(queue(Queue::Maintenance), MaintenanceWork(app.clone())),
            spawn(queue(Queue::Calendar), CalendarWork(app.clone())),
            spawn(queue(Queue::Webhook), WebhookWork(app.clone())),
        ];
        let header_read_timeout = config.header_read_timeout;
        Ok(Application { listener, router, metrics, header_read_timeout, state, addr, shutdown, runners, watcher })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where `/metrics` is served when it has its own listener.
    pub fn metrics_url(&self) -> Option<String> {
        self.metrics.as_ref().and_then(|(l, _)| l.local_addr().ok()).map(|a| format!("http://{a}"))
    }

    /// Serves until `shutdown` resolves; requests in flight finish first, then running jobs.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let timeout = self.header_read_timeout;
        let metrics = self.metrics.map(|(listener, router)| {
            tokio::spawn(http::serve::serve(listener, router, timeout, std::future::pending()))
        });
        http::serve::serve(self.listener, self.router, timeout, shutdown).await;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        self.watcher.abort();
        self.shutdown.cancel();
        let runners = futures::future::join_all(self.runners);
        if tokio::time::timeout(Duration::from_secs(30), runners).await.is_err() {
            tracing::warn!("running jobs did not finish within 30 s; their claims lapse and they run again");
        }
        self.state.db.close().await;
        Ok(())
    }
}

fn spawn<W: crate::jobs::Work>(
    (context, queue, settings): (RunnerContext, Queue, QueueSettings),
    work: W,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run_queue(context, queue, settings, Arc::new(work)))
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
