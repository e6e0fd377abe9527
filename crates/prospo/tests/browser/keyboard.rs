//! Everything reachable and usable by keyboard, with a visible focus ring.

use fantoccini::key::Key;

use crate::accounts::{PASSWORD, assert_signed_in};
use crate::harness::Browser;
use crate::support::{Backend, TestApp};

#[tokio::test]
async fn log_in_by_keyboard_alone() {
    let t0 = std::time::Instant::now();
    let Some(browser) = Browser::start("log_in_by_keyboard_alone").await else { return };
    eprintln!("T {:?} line 11", t0.elapsed());
    let app = TestApp::spawn(Backend::Sqlite).await;
    eprintln!("T {:?} line 12", t0.elapsed());
    app.sign_up("kay").await;
    eprintln!("T {:?} line 13", t0.elapsed());

    browser.goto(&app.at("/login")).await;
    eprintln!("T {:?} line 15", t0.elapsed());
    browser.wait_for("#login-title").await;
    eprintln!("T {:?} line 16", t0.elapsed());
    browser.screenshots("login").await;
    eprintln!("T {:?} line 17", t0.elapsed());

    // Tab past whatever comes before the form (the skip link, the logo) to the email field.
    let mut before = Vec::new();
    eprintln!("T {:?} line 20", t0.elapsed());
    for _ in 0..5 {
        browser.press(Key::Tab).await;
        let focused = browser.focused().await;
        if focused == "input#email" {
            break;
        }
        before.push(focused);
    }
    assert_eq!(browser.focused().await, "input#email", "Tab never reached the email field; it went through {before:?}");
    eprintln!("T {:?} line 29", t0.elapsed());
    assert_focus_ring(&browser).await;
    eprintln!("T {:?} line 30", t0.elapsed());
    browser.screenshot("login-keyboard-focus-desktop").await;
    eprintln!("T {:?} line 31", t0.elapsed());
    browser.type_text("kay@example.com").await;
    eprintln!("T {:?} line 32", t0.elapsed());

    browser.press(Key::Tab).await;
    eprintln!("T {:?} line 34", t0.elapsed());
    assert_eq!(browser.focused().await, "input#password");
    eprintln!("T {:?} line 35", t0.elapsed());
    assert_focus_ring(&browser).await;
    eprintln!("T {:?} line 36", t0.elapsed());
    browser.type_text(PASSWORD).await;
    eprintln!("T {:?} line 37", t0.elapsed());

    browser.press(Key::Tab).await;
    eprintln!("T {:?} line 39", t0.elapsed());
    assert_eq!(browser.focused().await, "button[Log in]");
    eprintln!("T {:?} line 40", t0.elapsed());
    assert_focus_ring(&browser).await;
    eprintln!("T {:?} line 41", t0.elapsed());

    browser.press(Key::Enter).await;
    eprintln!("T {:?} line 43", t0.elapsed());
    assert_signed_in(&browser, "kay").await;
    eprintln!("T {:?} line 44", t0.elapsed());
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
