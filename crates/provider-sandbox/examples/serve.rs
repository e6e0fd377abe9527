//! Serves a Google or Microsoft sandbox on loopback until Ctrl-C, printing its URL and an OAuth
//! client's credentials; for trying a client by hand against it.
//!
//! ```text
//! cargo run -p provider-sandbox --example serve -- google|microsoft [PORT [STATE_FILE]]
//! ```
//!
//! `PORT` 0 (the default) takes any free port. Without `STATE_FILE` the state lives in memory;
//! with it the sandbox loads and keeps saving that JSON file (`Sandbox::open`).

use anyhow::Context;
use provider_sandbox::{Provider, Sandbox, spawn};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let usage = "usage: serve google|microsoft [PORT [STATE_FILE]]";
    let mut args = std::env::args().skip(1);
    let provider = match args.next().as_deref() {
        Some("google") => Provider::Google,
        Some("microsoft") => Provider::Microsoft,
        _ => anyhow::bail!(usage),
    };
    let port: u16 = match args.next() {
        Some(p) => p.parse().context(usage)?,
        None => 0,
    };
    let sandbox = match args.next() {
        Some(file) => Sandbox::open(provider, std::path::Path::new(&file))?,
        None => Sandbox::in_memory(provider),
    };
    let client = sandbox.create_client();
    let running = spawn(sandbox, &format!("127.0.0.1:{port}")).await?;
    println!("{}", running.url);
    println!("Client ID: {}", client.client_id);
    println!("Client Secret: {}", client.client_secret);
    tokio::signal::ctrl_c().await?;
    drop(running);
    Ok(())
}
