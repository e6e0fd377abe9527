//! Everything reachable and usable by keyboard, with a visible focus ring.

use fantoccini::key::Key;

use crate::accounts::{PASSWORD, assert_signed_in};
use crate::harness::Browser;
use crate::support::{Backend, TestApp};

#[tokio::test]
async fn log_in_by_keyboard_alone() {
    let Some(browser) = Browser::start("log_in_by_keyboard_alone").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.sign_up("kay").await;

    browser.goto(&app.at("/login")).await;
    browser.wait_for("#login-title").await;
    browser.screenshots("login").await;

    // Tab past whatever comes before the form (the skip link, the logo) to the email field.
    let mut before = Vec::new();
    for _ in 0..5 {
        browser.press(Key::Tab).await;
        let focused = browser.focused().await;
        if focused == "input#email" {
            break;
        }
        before.push(focused);
    }
    assert_eq!(browser.focused().await, "input#email", "Tab never reached the email field; it went through {before:?}");
    assert_eq!(before.first().map(String::as_str), Some("a[Skip to content]"), "the skip link should come first");
    assert_focus_ring(&browser).await;
    browser.screenshot("login-keyboard-focus-desktop").await;
    browser.type_text("kay@example.com").await;

    browser.press(Key::Tab).await;
    assert_eq!(browser.focused().await, "input#password");
    assert_focus_ring(&browser).await;
    browser.type_text(PASSWORD).await;

    browser.press(Key::Tab).await;
    assert_eq!(browser.focused().await, "button[Log in]");
    assert_focus_ring(&browser).await;

    browser.press(Key::Enter).await;
    assert_signed_in(&browser, "kay").await;
}

/// The focused element shows a ring: an outline or a box shadow.
async fn assert_focus_ring(browser: &Browser) {
    let style = browser
        .js("const s = getComputedStyle(document.activeElement); \
             return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow};")
        .await;
    let outline = style["outline"].as_str() != Some("none") && style["width"].as_str() != Some("0px");
    let shadow = style["shadow"].as_str().is_some_and(|s| s != "none");
    assert!(outline || shadow, "no visible focus ring on {}: {style}", browser.focused().await);
}
