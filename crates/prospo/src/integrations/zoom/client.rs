//! The Zoom client and its settings: what the application context holds of Zoom.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::clock::Clock;
use zoom::{Credentials, ZoomClient};

/// Told about every freshly minted token: the app it belongs to (account id, client id), the
/// required scopes it lacks, and when (unix ms) it was minted.
pub type MintedToken = (String, String, Vec<&'static str>, i64);

/// Timeouts for calls made while a person waits on a page.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The Zoom client and how often connections are checked; cheap to clone.
#[derive(Clone)]
pub struct ZoomIntegration {
    pub client: ZoomClient,
    /// How often each connection is checked (jittered by ±10%).
    pub check_interval: Duration,
}

impl ZoomIntegration {
    /// Builds the client. The receiver gets every freshly minted token's missing scopes;
    /// `health::watch_minted_tokens` consumes it.
    pub fn new(
        oauth_base: &str,
        api_base: &str,
        check_interval: Duration,
        clock: Clock,
    ) -> anyhow::Result<(ZoomIntegration, mpsc::UnboundedReceiver<MintedToken>)> {
        let (minted_tx, minted_rx) = mpsc::unbounded_channel();
        let client = ZoomClient::builder()
            .oauth_base(oauth_base.trim_end_matches('/'))
            .api_base(api_base.trim_end_matches('/'))
            .connect_timeout(CONNECT_TIMEOUT)
            .request_timeout(REQUEST_TIMEOUT)
            .on_token_minted(move |creds: &Credentials, scopes: &zoom::Scopes| {
                let _ = minted_tx.send((
                    creds.account_id.clone(),
                    creds.client_id.clone(),
                    scopes.missing_required(),
                    clock.now_ms(),
                ));
            })
            .build()?;
        Ok((ZoomIntegration { client, check_interval }, minted_rx))
    }

    /// The check interval with ±10% jitter, so checks of many connections spread out.
    pub fn jittered_interval_ms(&self) -> i64 {
        use rand::Rng;
        let base = i64::try_from(self.check_interval.as_millis()).unwrap_or(i64::MAX);
        let jitter = base / 10;
        base + if jitter > 0 { rand::rng().random_range(-jitter..=jitter) } else { 0 }
    }
}
