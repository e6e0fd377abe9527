//! Browser tests: headless Chromium against Prospo's pages, through chromedriver.
//!
//! Run with `PROSPO_E2E=1 cargo test -p prospo --test browser` (needs Debian's `chromium` and
//! `chromium-driver`). Without `PROSPO_E2E=1` every test prints `SKIPPED` and passes.
//! Screenshots land in `<workspace>/test-artifacts/`.

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod booking;
mod calendars;
mod contrast;
mod embed;
mod harness;
mod harness_self_test;
mod integrations;
mod keyboard;
mod languages;
mod mails;
mod oauth;
mod onboarding;
mod profile;
mod questions;
mod recordings;
mod teams;
mod tokens;
mod webhooks;

/// Every click goes through `Browser::click`, which waits for the page a click loads: a bare
/// `Element::click` (or answering a dialog without the harness) would race that navigation.
#[test]
fn no_bare_clicks() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    for entry in std::fs::read_dir(&dir).expect("tests/browser") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n == "harness.rs" || n == "main.rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("read a test file");
        for (n, line) in source.lines().enumerate() {
            for bare in [".click()", "accept_alert()", "dismiss_alert()"] {
                assert!(
                    !line.contains(bare),
                    "{}:{}: {bare} bypasses the harness's wait for navigation; use Browser::click, \
                     accept_dialog or dismiss_dialog",
                    path.display(),
                    n + 1
                );
            }
        }
    }
}
