//! Building the application on a bound listener, so tests run it on port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::http::{self, AppState};
use crate::integrations::zoom::ZoomIntegration;
use crate::notifications::Notices;
use crate::notifications::sender::{Delivery, Sender};
use crate::secrets::SecretBox;
use crate::store::Db;

/// A built application, ready to serve on its listener.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pub state: AppState,
    pub addr: SocketAddr,
    /// Background work (health checks, ...): stopped when serving stops; unfinished work resumes
    /// on the next start because it is claimed and recorded in the database.
    background: Vec<tokio::task::JoinHandle<()>>,
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
        let secrets = SecretBox::new(config.key_source.load()?);
        let notices = Notices::new(&public_url);
        let delivery = Delivery::from_config(config.smtp_url.as_deref(), &config.data_dir)?;
        let (zoom, minted_tokens) = ZoomIntegration::new(
            db.clone(),
            secrets.clone(),
            &config.zoom_oauth_url,
            &config.zoom_api_url,
            config.zoom_check_interval,
            notices.clone(),
        )?;
        let db_for_mail = db.clone();
        let state = AppState {
            db,
            secrets,
            public_url: Arc::new(public_url),
            metrics: http::ops_metrics_handle(),
            zoom: zoom.clone(),
            rate_limits: config.public_rate_limit.map(|n| Arc::new(http::rate_limit::PublicRateLimits::new(n))),
        };
        let router = http::router(state.clone())?;
        let background = vec![
            tokio::spawn(zoom.clone().watch_minted_tokens(minted_tokens)),
            tokio::spawn(zoom.clone().run_health_checks(config.poll_interval)),
            tokio::spawn(zoom.clone().run_zoom_worker(config.poll_interval)),
            tokio::spawn(crate::scheduling::reminders::run_reminders(zoom, config.poll_interval)),
            tokio::spawn(Sender::new(db_for_mail, delivery, notices).run(config.poll_interval)),
        ];
        Ok(Application { listener, router, state, addr, background })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until `shutdown` resolves; requests in flight finish first.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await?;
        self.background.iter().for_each(tokio::task::JoinHandle::abort);
        self.state.db.close().await;
        Ok(())
    }
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
