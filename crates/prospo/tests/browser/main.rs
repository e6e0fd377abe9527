//! Browser tests: headless Chromium against Prospo's pages, through chromedriver.
//!
//! Run with `PROSPO_E2E=1 cargo test -p prospo --test browser` (needs Debian's `chromium` and
//! `chromium-driver`). Without `PROSPO_E2E=1` every test prints `SKIPPED` and passes.
//! Screenshots land in `<workspace>/test-artifacts/`.

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod booking;
mod harness;
mod integrations;
mod keyboard;
mod recordings;
mod tokens;
