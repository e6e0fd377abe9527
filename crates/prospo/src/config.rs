//! Runtime configuration, resolved from the command line and environment by `cli`.

use std::path::PathBuf;
use std::time::Duration;

use crate::secrets::KeySource;

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    /// `None`: `http://` + the address actually bound.
    pub public_url: Option<url::Url>,
    pub zoom_oauth_url: String,
    pub zoom_api_url: String,
    pub smtp_url: Option<String>,
    /// Booking, reschedule and cancel POSTs per minute per client address; `None` is off.
    pub public_rate_limit: Option<u32>,
    /// Apply pending migrations at start.
    pub migrate: bool,
    pub key_source: KeySource,
    /// How often each Zoom connection's health is checked (jittered).
    pub zoom_check_interval: Duration,
    /// How often due background work is looked for.
    pub poll_interval: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where `/metrics` is served instead of the main listener, if anywhere.
    pub metrics_listen: Option<String>,
    /// How long a client has to send a request's head.
    pub header_read_timeout: Duration,
    /// Hosts whose calendar and webhook URLs may resolve to private addresses.
    pub allow_private_targets: outbound::AllowList,
    /// `prospo demo`: serve the demo calendar feed and offer it on Settings → Calendars.
    pub demo_feed: bool,
    /// The operator's OAuth apps (product.md §9).
    pub oauth: crate::integrations::oauth::providers::OAuthConfig,
}

impl Config {
    /// Defaults for a data folder: SQLite inside it, real Zoom, no SMTP.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Config {
        let data_dir = data_dir.into();
        Config {
            database_url: default_database_url(&data_dir),
            key_source: KeySource::File { path: data_dir.join("secret.keys"), create_if_missing: true },
            data_dir,
            public_url: None,
            zoom_oauth_url: "https://zoom.us".into(),
            zoom_api_url: "https://api.zoom.us/v2".into(),
            smtp_url: None,
            public_rate_limit: Some(60),
            migrate: true,
            zoom_check_interval: Duration::from_secs(3600),
            poll_interval: Duration::from_secs(15),
            trusted_proxies: Vec::new(),
            metrics_listen: None,
            header_read_timeout: crate::http::serve::HEADER_READ_TIMEOUT,
            allow_private_targets: outbound::AllowList::none(),
            demo_feed: false,
            oauth: Default::default(),
        }
    }
}

pub fn default_database_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}", data_dir.join("prospo.db").display())
}
