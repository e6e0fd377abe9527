//! `prospo demo`: the whole product offline. The Zoom sandbox runs embedded with its state under the
//! data folder; a demo host account and a sandbox Zoom app are made once and found again on the
//! next run, so a newcomer can walk from Set up to a Zoom meeting in minutes.

use std::path::Path;

use zoom_sandbox::{AppInfo, NewApp, RunningSandbox, Sandbox};

use crate::accounts::{self, AccountError, SignUpInput};
use crate::store::Db;

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

/// The demo's sandbox Zoom app: the one made on an earlier run, or a new one.
pub fn demo_zoom_app(sandbox: &Sandbox) -> AppInfo {
    sandbox
        .apps()
        .into_iter()
        .find(|app| app.email == DEMO_ZOOM_EMAIL)
        .unwrap_or_else(|| sandbox.create_app(NewApp { email: Some(DEMO_ZOOM_EMAIL.to_owned()), ..NewApp::default() }))
}

/// Makes sure the demo host account exists.
pub async fn ensure_demo_host(db: &Db) -> anyhow::Result<()> {
    let input = SignUpInput { email: DEMO_EMAIL, password: DEMO_PASSWORD, name: "Demo Host", username: "demo" };
    match accounts::sign_up(db, input).await {
        Ok(_) | Err(AccountError::EmailTaken) => Ok(()),
        Err(e) => Err(anyhow::anyhow!("cannot create the demo host: {e}")),
    }
}
