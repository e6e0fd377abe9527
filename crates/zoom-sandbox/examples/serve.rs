//! Serves a Zoom sandbox on loopback until Ctrl-C, printing its URL; used to load it from another
//! process (see `examples/load.rs` and `BENCHMARKS.md`).
//!
//! ```text
//! cargo run --release -p zoom-sandbox --example serve -- [PORT [STATE_FILE]]
//! ```
//!
//! `PORT` 0 (the default) takes any free port. Without `STATE_FILE` the state lives in memory;
//! with it the sandbox loads and keeps saving that JSON file (`Sandbox::open`).

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let usage = "usage: serve [PORT [STATE_FILE]]";
    let mut args = std::env::args().skip(1);
    let port: u16 = match args.next() {
        Some(p) => p.parse().context(usage)?,
        None => 0,
    };
    let sandbox = match args.next() {
        Some(file) => zoom_sandbox::Sandbox::open(std::path::Path::new(&file))?,
        None => zoom_sandbox::Sandbox::in_memory(),
    };
    let running = zoom_sandbox::spawn(sandbox, &format!("127.0.0.1:{port}")).await?;
    println!("{}", running.url);
    tokio::signal::ctrl_c().await?;
    drop(running);
    Ok(())
}
