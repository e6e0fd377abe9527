//! Embedding in Chromium: a host's website on another loopback origin loads `/embed.js`, shows the
//! booking page inline (sized to its content) and as a pop-up (keyboard: focus inside, Escape
//! closes, focus returns); the invitee books inside the frame and the website receives
//! `prospo:booked`. A website on an origin the host does not list cannot frame the page.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::booking::{log_in, show_day};
use crate::harness::{Browser, WAIT};
use crate::support::{Backend, TestApp};

/// The host's website: a header with a pop-up button, the inline page, and an element that opens
/// the pop-up; it writes every `prospo:booked` it hears into `#events` and counts the messages
/// and frame loads it sees.
const WEBSITE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Acme Consulting</title>
  <style>
    body { margin: 0; font-family: Georgia, serif; color: #222; background: #fffdf7; }
    header { display: flex; justify-content: space-between; align-items: center; flex-wrap: wrap; gap: 12px; padding: 16px 24px; background: #2f3e46; color: #fff; }
    header h1 { margin: 0; font-size: 1.4rem; }
    main { max-width: 1100px; margin: 0 auto; padding: 16px; }
    #open-pop-up { text-decoration: underline; cursor: pointer; }
    #events { white-space: pre-wrap; overflow-wrap: anywhere; }
  </style>
  <script src="PROSPO/embed.js" defer></script>
</head>
<body>
  <header>
    <h1>Acme Consulting</h1>
    <div id="pop-up" data-prospo-popup data-prospo-url="PROSPO/ada/intro" data-prospo-text="Book a call"></div>
  </header>
  <main>
    <p>Pick a time for an intro call below, or <span id="open-pop-up" data-prospo-open="PROSPO/ada/intro" data-prospo-theme="dark" data-prospo-hide-details>open the booking pop-up</span>.</p>
    <div id="inline" data-prospo-inline data-prospo-url="PROSPO/ada/intro"><a href="PROSPO/ada/intro">Book an intro call</a></div>
    <pre id="events"></pre>
  </main>
  <script>
    window.resizes = 0;
    window.frameLoads = 0;
    document.addEventListener("prospo:booked", (event) => {
      document.getElementById("events").textContent += JSON.stringify({ on: event.target.id, ...event.detail }) + "\n";
    });
    window.addEventListener("message", (event) => {
      if (event.data && event.data.type === "prospo:resize") window.resizes += 1;
    });
    document.addEventListener("load", (event) => { if (event.target.tagName === "IFRAME") window.frameLoads += 1; }, true);
  </script>
</body>
</html>
"#;

/// Serves [`WEBSITE`] at `/` on a loopback port of its own; returns its origin.
async fn website(prospo: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the website");
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let page = WEBSITE.replace("PROSPO", prospo);
    let router = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve the website") });
    origin
}

/// Waits until `script` (run in the current frame) returns `true`.
async fn wait_until(browser: &Browser, script: &str, what: &str) {
    let deadline = Instant::now() + WAIT;
    while browser.js(script).await != Value::Bool(true) {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn enter(browser: &Browser, css: &str) {
    browser.find(css).await.enter_frame().await.unwrap_or_else(|e| panic!("enter the frame {css}: {e}"));
}

async fn leave(browser: &Browser) {
    browser.client.enter_parent_frame().await.expect("back to the website");
}

#[tokio::test]
async fn a_website_embeds_the_booking_page_inline_and_as_a_pop_up_and_hears_of_the_booking() {
    let Some(browser) = Browser::start("embed").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.bookable_host("ada", "Intro call", "intro").await;
    let prospo = app.url.trim_end_matches('/').to_owned();
    let listed = website(&prospo).await;
    let unlisted = website(&prospo).await;
    // http:// is allowed for 127.0.0.1 here: the tests run with --allow-private-targets 127.0.0.1.
    let (status, body) = app.patch_json("/api/v1/me", &json!({"embed_origins": [listed]}), Some(&token)).await;
    assert_eq!(status, 200, "{body}");

    // Inline: the frame loads the page embedded and takes its content's height.
    browser.goto(&format!("{listed}/")).await;
    browser.wait_for("#inline iframe").await;
    wait_until(&browser, "return window.resizes > 0;", "the inline frame reports its height").await;
    enter(&browser, "#inline iframe").await;
    browser.wait_for_text("#event-title", "Intro call").await;
    assert!(!browser.exists("[data-prospo-nav]").await, "no Prospo navigation inside the frame");
    leave(&browser).await;
    wait_until(
        &browser,
        "return document.querySelector('#inline iframe').style.height !== '640px';",
        "the inline frame is sized by its page",
    )
    .await;
    browser.screenshots("embed-inline").await;

    // The invitee books inside the frame.
    enter(&browser, "#inline iframe").await;
    let target = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .checked_add(jiff::Span::new().days(7))
        .unwrap()
        .to_string();
    let day_css = format!(".day-button[data-date='{target}']");
    show_day(&browser, &day_css).await;
    let scrolls = browser.js("return document.documentElement.scrollHeight > window.innerHeight + 1;").await;
    assert_eq!(scrolls, Value::Bool(false), "the frame grows with its page instead of scrolling");
    browser.click(&browser.find(&day_css).await, "the day").await;
    let time = browser.wait_for(".time-button").await;
    let chosen = time.attr("data-start").await.unwrap().unwrap();
    browser.click(&time, "the first time").await;
    browser.fill("Your name", "Grace Hopper").await;
    browser.fill("Email", "grace@example.com").await;
    browser.click_button("Confirm").await;
    browser.wait_for_text("#booking-title", "You are booked").await;
    assert!(!browser.exists("[data-prospo-nav]").await, "the confirmation stays embedded");
    leave(&browser).await;

    // The website hears of it, addressed to its own origin.
    wait_until(&browser, "return document.getElementById('events').textContent.length > 0;", "prospo:booked").await;
    let heard: Value = serde_json::from_str(browser.text_of("#events").await.lines().next().unwrap()).unwrap();
    assert_eq!(heard["on"], "inline", "dispatched on the element: {heard}");
    let start: jiff::Timestamp = heard["start"].as_str().unwrap().parse().unwrap();
    assert_eq!(start, chosen.parse::<jiff::Timestamp>().unwrap(), "{heard}");
    let manage_url = heard["manage_url"].as_str().unwrap();
    let token = manage_url.rsplit_once("/booking/").expect("a manage link").1;
    let (status, booking) = app.get_json(&format!("/api/v1/bookings/{token}"), None).await;
    assert_eq!(status, 200, "the manage link works: {booking}");
    browser.screenshots("embed-inline-booked").await;

    // Pop-up button: focus moves into the dialog, Escape closes it, focus comes back.
    browser.goto(&format!("{listed}/")).await;
    let button = browser.wait_for("#pop-up button").await;
    browser.click(&button, "Book a call").await;
    browser.wait_for("dialog[open] iframe").await;
    assert_eq!(browser.js("return document.activeElement.getAttribute('aria-label');").await, json!("Close"));
    enter(&browser, "dialog[open] iframe").await;
    browser.wait_for_text("#event-title", "Intro call").await;
    leave(&browser).await;
    browser.screenshots("embed-pop-up").await;
    browser.press(Key::Escape).await;
    wait_until(&browser, "return !document.querySelector('dialog');", "Escape closes the pop-up").await;
    assert_eq!(browser.js("return document.activeElement.textContent;").await, json!("Book a call"), "focus returns");

    // Any element opens it too, by keyboard; Escape inside the frame closes it as well.
    browser.js("document.getElementById('open-pop-up').focus();").await;
    assert_eq!(browser.focused().await, "span#open-pop-up", "the element is reachable by Tab");
    browser.press(Key::Enter).await;
    browser.wait_for("dialog[open] iframe").await;
    enter(&browser, "dialog[open] iframe").await;
    browser.wait_for("#pick-title").await;
    assert!(!browser.find(".booking-event").await.is_displayed().await.unwrap(), "data-prospo-hide-details");
    let background = browser.js("return getComputedStyle(document.body).backgroundColor;").await;
    assert_eq!(background, json!("rgb(15, 18, 22)"), "data-prospo-theme=dark, whatever the system prefers");
    let failures = browser.contrast_failures().await;
    assert!(failures.is_empty(), "the dark theme reads well: {failures:?}");
    leave(&browser).await;
    browser.screenshots("embed-pop-up-dark").await;
    enter(&browser, "dialog[open] iframe").await;
    browser.js("document.querySelector('#book-form-timezone').focus();").await;
    browser.press(Key::Escape).await;
    leave(&browser).await;
    wait_until(&browser, "return !document.querySelector('dialog');", "Escape in the frame closes the pop-up").await;
    assert_eq!(browser.focused().await, "span#open-pop-up", "focus returns to what opened it");

    // A website the host does not list: Chromium refuses to show the page in its frame.
    browser.goto(&format!("{unlisted}/")).await;
    wait_until(&browser, "return window.frameLoads > 0;", "the unlisted website's frame settles").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(browser.js("return window.resizes;").await, json!(0), "the refused frame says nothing");
    enter(&browser, "#inline iframe").await;
    let inside = browser.js("return [location.href, !!document.querySelector('#book-form, #event-title')];").await;
    leave(&browser).await;
    assert_eq!(inside[1], json!(false), "no booking page in a refused frame: {inside}");
    assert!(!inside[0].as_str().unwrap_or_default().contains("/ada/intro"), "{inside}");
    browser.screenshot("embed-refused-desktop").await;

    // The host's side: Settings → Profile → Embed lists the site and offers the code.
    log_in(&browser, &app, "ada@example.com").await;
    browser.goto(&app.at("/settings/profile")).await;
    let sites = browser.find("#embed_origins").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(sites, listed);
    let snippet = browser.find("#snippet-inline").await.prop("value").await.unwrap().unwrap_or_default();
    assert!(snippet.contains(&format!("data-prospo-url=\"{prospo}/ada/intro\"")), "{snippet}");
    browser.screenshots_at("settings-embed", "#embed").await;
}
