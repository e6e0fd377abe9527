//! Settings → Webhooks in Chromium: the empty page, a refused form, an endpoint added through the
//! form (its secret shown once), a booking's delivery in the log, Redeliver, Rotate secret, a
//! paused endpoint with its mail, Resume and Delete; by keyboard, in contrast, at phone width and
//! in the dark scheme.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use fantoccini::key::Key;
use jiff::SignedDuration;
use serde_json::json;

use crate::booking::log_in;
use crate::harness::{Browser, artifacts_dir};
use crate::support::{Backend, TestApp};

/// A local endpoint: records each delivery's `Prospo-Delivery` header; answers 500 while `failing`.
#[derive(Clone, Default)]
struct Receiver {
    deliveries: Arc<Mutex<Vec<String>>>,
    failing: Arc<AtomicBool>,
}

async fn hook(State(receiver): State<Receiver>, headers: HeaderMap) -> StatusCode {
    let id = headers.get("prospo-delivery").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    receiver.deliveries.lock().unwrap().push(id);
    if receiver.failing.load(Ordering::SeqCst) { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let receiver = Receiver::default();
        let router = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (receiver, url)
    }

    /// Waits (bounded) until `n` requests came; returns them.
    async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let got = self.deliveries.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("fewer than {n} deliveries came: {:?}", self.deliveries.lock().unwrap());
    }
}

/// Reloads the page until an element matching `css` holds `text` (the log fills in as the queue
/// sends).
async fn reload_until(browser: &Browser, css: &str, text: &str) {
    let script = format!(
        "return [...document.querySelectorAll({})].some(e => e.textContent.includes({}));",
        json!(css),
        json!(text)
    );
    for _ in 0..100 {
        if browser.js(&script).await == json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        browser.client.refresh().await.unwrap();
    }
    panic!("no {css} ever said {text:?}: {}", browser.body_text().await);
}

/// No text below AA contrast, and nothing wider than a phone, at this state of the page.
async fn looks_right(browser: &Browser, what: &str) {
    let failures = browser.contrast_failures().await;
    assert!(failures.is_empty(), "{what}: contrast: {failures:?}");
    assert!(
        browser.dangling_aria_references().await.is_empty(),
        "{what}: {:?}",
        browser.dangling_aria_references().await
    );
    browser.phone().await;
    browser.assert_no_horizontal_overflow(&format!("{what}, phone")).await;
    browser.desktop().await;
}

/// Opens the `<details>` confirmation whose summary reads `summary` (inside the first endpoint)
/// and presses its `confirm` button.
async fn confirm(browser: &Browser, summary: &str, confirm: &str) {
    let xpath = format!("//summary[normalize-space()='{summary}']");
    let opener = browser.client.find(fantoccini::Locator::XPath(&xpath)).await.expect(summary);
    browser.click(&opener, summary).await;
    browser.click_button(confirm).await;
}

#[tokio::test]
async fn webhooks_page_adds_delivers_redelivers_rotates_pauses_and_deletes() {
    let Some(browser) = Browser::start("webhooks_page").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.bookable_host("ada", "Intro call", "intro").await;
    log_in(&browser, &app, "ada@example.com").await;

    // Empty.
    browser.goto(&app.at("/settings/webhooks")).await;
    browser.wait_for("#endpoints-title").await;
    assert!(browser.text_of(".empty").await.contains("No endpoint yet."));
    assert!(!browser.exists("#new-secret").await);
    looks_right(&browser, "empty").await;
    browser.screenshots("webhooks-empty").await;

    // Refused (422): the message beside the URL field, the typed value and ticks kept.
    browser.fill("Endpoint URL", "http://example.com/hook").await;
    browser.click(&browser.find("input[name='booking.cancelled']").await, "booking.cancelled").await;
    browser.click_button("Add endpoint").await;
    let error = browser.wait_for(".field.has-error #webhook-error").await;
    assert!(error.text().await.unwrap().contains("That URL is not allowed"));
    assert_eq!(browser.value_of("Endpoint URL").await, "http://example.com/hook");
    let url_field = browser.field("Endpoint URL").await;
    assert_eq!(url_field.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert!(url_field.attr("aria-describedby").await.unwrap().unwrap_or_default().contains("webhook-error"));
    let ticked = browser.js("return document.querySelector(\"input[name='booking.cancelled']\").checked;").await;
    assert_eq!(ticked, json!(true), "the ticked event stays ticked");
    assert_eq!(browser.focused().await, "input#webhook-url", "focus lands on the field to fix");
    looks_right(&browser, "refused").await;
    browser.screenshots_at("webhooks-refused", "#add-title").await;
    browser.desktop().await;

    // Added through the form: the secret is shown once, beside a Copy button.
    let (receiver, url) = Receiver::start().await;
    browser.fill("Endpoint URL", &url).await;
    browser.click_button("Add endpoint").await;
    let secret = browser.wait_for("#new-secret").await.prop("value").await.unwrap().unwrap_or_default();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert!(browser.text_of(".card-success").await.contains(&url), "the secret names its endpoint");
    assert!(browser.text_of(".flash").await.contains("Copy its signing secret now"));
    assert!(browser.body_text().await.contains("Nothing delivered yet."));
    looks_right(&browser, "added").await;
    browser.screenshots("webhooks-added").await;
    browser.client.refresh().await.unwrap();
    browser.wait_for("#endpoints-title").await;
    assert!(!browser.exists("#new-secret").await, "shown once");
    assert!(!browser.client.source().await.unwrap().contains(&secret));

    // A booking: its delivery is in the log, delivered.
    let date = (jiff::Zoned::now().date() + jiff::Span::new().days(3)).to_string();
    let (_, slots) =
        app.get_json(&format!("/api/v1/public/ada/intro/slots?from={date}&to={date}&timezone=UTC"), None).await;
    let booking =
        json!({"start": slots["slots"][0], "name": "Sam Okafor", "email": "sam@example.com", "timezone": "UTC"});
    let (status, booked) = app.post_json("/api/v1/public/ada/intro/bookings", &booking, None).await;
    assert_eq!(status, 201, "{booked}");
    let first = receiver.wait_for(1).await;
    reload_until(&browser, "table.table tbody tr", "delivered").await;
    let row = browser.text_of("table.table tbody tr").await;
    assert!(row.contains("booking.created") && row.contains("200"), "{row}");
    looks_right(&browser, "log").await;
    browser.screenshots("webhooks-log").await;

    // Keyboard: from the top, Tab reaches Redeliver, Rotate secret, Delete and the add form.
    browser.js("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);").await;
    let mut seen = Vec::new();
    for _ in 0..60 {
        browser.press(Key::Tab).await;
        seen.push(browser.focused().await);
    }
    for wanted in
        ["button[Redeliver]", "summary[Rotate secret]", "summary[Delete]", "input#webhook-url", "button[Add endpoint]"]
    {
        assert!(seen.iter().any(|s| s == wanted), "Tab never reached {wanted}: {seen:?}");
    }
    let ring = browser.js("const s = getComputedStyle(document.activeElement); return s.outlineStyle !== 'none' || s.boxShadow !== 'none';").await;
    assert_eq!(ring, json!(true), "a visible focus ring on {:?}", seen.last());

    // Redeliver: the same delivery id again.
    browser.click_button("Redeliver").await;
    assert!(browser.text_of(".flash").await.contains("on its way again"));
    let again = receiver.wait_for(2).await;
    assert_eq!(again[1], first[0]);

    // Rotate: a new secret, shown once.
    confirm(&browser, "Rotate secret", "Yes, rotate").await;
    let rotated = browser.wait_for("#new-secret").await.prop("value").await.unwrap().unwrap_or_default();
    assert!(rotated.starts_with("whsec_") && rotated != secret);
    browser.screenshots("webhooks-rotated").await;

    // Three days of refusals pause it: the page says so, and the owner gets one mail.
    receiver.failing.store(true, Ordering::SeqCst);
    let booking = json!({"start": slots["slots"][2], "name": "Kim Lee", "email": "kim@example.com", "timezone": "UTC"});
    assert_eq!(app.post_json("/api/v1/public/ada/intro/bookings", &booking, None).await.0, 201);
    receiver.wait_for(3).await;
    app.state.clock.advance(SignedDuration::from_hours(72) + SignedDuration::from_mins(1));
    reload_until(&browser, ".alert-title", "Paused: this endpoint").await;
    looks_right(&browser, "paused").await;
    browser.screenshots_at("webhooks-paused", "article.card").await;
    browser.desktop().await;
    browser.color_scheme(true).await;
    assert!(browser.contrast_failures().await.is_empty(), "dark: {:?}", browser.contrast_failures().await);
    browser.screenshots_at("webhooks-paused-dark", "article.card").await;
    browser.color_scheme(false).await;
    browser.desktop().await;
    paused_mail(&browser, &app).await;

    // Redeliver while it still fails: one attempt, still paused. Once it answers, it is active.
    browser.goto(&app.at("/settings/webhooks")).await;
    let tries = receiver.deliveries.lock().unwrap().len();
    browser.click_button("Redeliver").await;
    receiver.wait_for(tries + 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    browser.client.refresh().await.unwrap();
    assert!(browser.body_text().await.contains("Paused: this endpoint"), "a failed test keeps it paused");
    assert_eq!(receiver.deliveries.lock().unwrap().len(), tries + 1, "one attempt, no retries while paused");
    receiver.failing.store(false, Ordering::SeqCst);
    browser.click_button("Redeliver").await;
    receiver.wait_for(tries + 2).await;
    reload_until(&browser, ".card-head .badge", "Active").await;
    assert!(!browser.body_text().await.contains("Paused: this endpoint"));

    // Delete, through its confirmation: the empty page again, and nothing more is sent.
    confirm(&browser, "Delete", "Yes, delete").await;
    assert!(browser.text_of(".flash").await.contains("deleted"));
    assert!(browser.text_of(".empty").await.contains("No endpoint yet."));
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_endpoints").await, 0);
}

/// The "endpoint paused" mail as its reader sees it, at phone and desktop width.
async fn paused_mail(browser: &Browser, app: &TestApp) {
    const SQL: &str = "SELECT html_body FROM outbox WHERE subject LIKE '%webhook%'";
    let html = match &app.db {
        prospo::store::Db::Sqlite(pool) => sqlx::query_scalar::<_, String>(SQL).fetch_all(pool).await.unwrap(),
        prospo::store::Db::Postgres(pool) => sqlx::query_scalar::<_, String>(SQL).fetch_all(pool).await.unwrap(),
    };
    assert_eq!(html.len(), 1, "one mail for the pause");
    let file = artifacts_dir().join("mail-webhook-paused.html");
    std::fs::create_dir_all(artifacts_dir()).unwrap();
    std::fs::write(&file, &html[0]).unwrap();
    browser.goto(&format!("file://{}", file.canonicalize().unwrap().display())).await;
    browser.wait_for("a").await;
    for (width, name) in [(390, "phone"), (1280, "desktop")] {
        browser.resize((width, 844)).await;
        browser.assert_no_horizontal_overflow(&format!("the mail at {width} px")).await;
        browser.screenshot(&format!("mail-webhook-paused-{name}")).await;
    }
    browser.desktop().await;
    let text = browser.body_text().await;
    assert!(text.contains("127.0.0.1"), "it names the endpoint: {text}");
    assert!(text.contains("Redeliver") && text.contains("Resume"), "it says how to get it going again: {text}");
    assert!(
        browser
            .link("Open Settings → Webhooks")
            .await
            .attr("href")
            .await
            .unwrap()
            .unwrap()
            .ends_with("/settings/webhooks")
    );
}
