//! One-click connections in the browser (product.md §9), against the Google, Microsoft and Zoom
//! sandboxes: Connect → the provider's consent page → Allow (or Deny) → back on the settings page
//! with what happened. Google's busy time blocks the booking page and the booking lands in the
//! Google calendar chosen for it; a revoked Zoom grant needs attention until Reconnect.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use jiff::ToSpan;
use serde_json::{Value, json};

use crate::harness::{Browser, DESKTOP, PHONE, WAIT};
use crate::support::providers::Providers;
use crate::support::{Backend, TestApp};
use prospo::integrations::oauth::providers::ClientConfig;

/// `POST /_sandbox/{path}` on a sandbox, expecting `status`.
async fn control(base: &str, path: &str, body: Value, status: u16) {
    let response = reqwest::Client::new().post(format!("{base}/_sandbox/{path}")).json(&body).send().await.unwrap();
    assert_eq!(response.status(), status, "{path}: {}", response.text().await.unwrap());
}

fn tomorrow() -> jiff::civil::Date {
    jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).date().checked_add(1.day()).unwrap()
}

fn at(hh: i8, mm: i8) -> jiff::Timestamp {
    tomorrow().at(hh, mm, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp()
}

/// The start times the booking page offers for tomorrow (UTC viewer).
async fn offered_times(browser: &Browser) -> Vec<jiff::Timestamp> {
    let day = format!(".day-button[data-date='{}']", tomorrow());
    crate::booking::show_day(browser, &day).await;
    browser.click(&browser.find(&day).await, "tomorrow").await;
    browser.wait_for(".time-button").await;
    let mut times = Vec::new();
    for button in browser.client.find_all(Locator::Css(".time-button")).await.unwrap() {
        times.push(button.attr("data-start").await.unwrap().unwrap().parse().unwrap());
    }
    times
}

/// On a provider's consent page (reached from a Connect link): checks who is signed in, then
/// clicks **Allow** or **Deny** and waits to be back on `back`.
async fn consent(browser: &Browser, email: &str, decision: &str, back: &str) {
    browser.wait_for_text("h1", "sandbox").await;
    browser.wait_for_text("p", &format!("Signed in as {email}")).await;
    browser.click_button(decision).await;
    browser.wait_for_path(back).await;
}

/// The connection card on Settings → Calendars whose title starts with `label`.
fn card_xpath(label: &str) -> String {
    format!("//article[contains(@class, 'integration-card')][.//h3[starts-with(normalize-space(), '{label}')]]")
}

async fn card_text(browser: &Browser, label: &str) -> String {
    match browser.client.find(Locator::XPath(&card_xpath(label))).await {
        Ok(card) => card.text().await.unwrap(),
        Err(e) => panic!("no {label} card: {e}\n{}", browser.body_text().await),
    }
}

/// A full-page PNG at `size` as `test-artifacts/<name>.png` (the harness's shots are the viewport).
async fn full_page(browser: &Browser, name: &str, size: (u32, u32)) {
    browser.resize(size).await;
    let height = browser.js("return document.documentElement.scrollHeight;").await.as_u64().unwrap() as u32;
    browser.resize((size.0, height.max(size.1))).await;
    browser.screenshot(name).await;
    browser.resize(size).await;
}

/// In the light and the dark scheme: no sideways scrolling at phone width; 1280×800 and 390×844
/// shots `oauth-<name>-<theme>-desktop` and `-phone` of the top of the page, and one more pair
/// scrolled to each of `parts` (`(suffix, css)`); full-page shots `…-full-desktop` and
/// `…-full-phone`. Adds the texts below AA contrast to `failures` (asserted at the end of the
/// test, so that one bad colour does not hide the rest of the flow). Leaves the light scheme on.
async fn review(browser: &Browser, name: &str, parts: &[(&str, &str)], failures: &mut Vec<String>) {
    for dark in [false, true] {
        browser.color_scheme(dark).await;
        let theme = if dark { "dark" } else { "light" };
        failures.extend(browser.contrast_failures().await.into_iter().map(|f| format!("{name}, {theme}: {f}")));
        browser.js("window.scrollTo(0, 0);").await;
        browser.screenshots(&format!("oauth-{name}-{theme}")).await;
        for (suffix, css) in parts {
            browser.screenshots_at(&format!("oauth-{name}-{suffix}-{theme}"), css).await;
        }
        full_page(browser, &format!("oauth-{name}-{theme}-full-desktop"), DESKTOP).await;
        full_page(browser, &format!("oauth-{name}-{theme}-full-phone"), PHONE).await;
        browser.phone().await;
        browser.assert_no_horizontal_overflow(&format!("{name} ({theme}) at 390 px")).await;
        browser.desktop().await;
    }
    browser.color_scheme(false).await;
}

#[tokio::test]
async fn google_and_microsoft_connect_in_one_click_and_bookings_follow_into_google() {
    let Some(host) = Browser::start("oauth_calendars_host").await else { return };
    let Some(invitee) = Browser::start("oauth_calendars_invitee").await else { return };
    let sandboxes = Providers::start().await;
    let config = sandboxes.config.clone();
    let app = TestApp::spawn_with(Backend::Sqlite, move |c| c.oauth = config).await;
    app.bookable_host("gia", "Call", "call").await;
    let email = "gia@example.com";
    // A second Google calendar, so the card shows a choice.
    control(&sandboxes.google.url, &format!("users/{email}/calendars"), json!({"name": "Family"}), 201).await;

    crate::booking::log_in(&host, &app, email).await;
    host.goto(&app.at("/settings/calendars")).await;
    host.wait_for_text(".empty", "No calendar connected yet").await;
    let mut contrast = Vec::new();
    host.link("Connect Google Calendar").await;
    host.link("Connect Outlook / Microsoft 365").await;
    review(&host, "calendars-empty", &[("add", "#add-title")], &mut contrast).await;

    // Denied on Google's consent page: the reason, and no card.
    host.click_link("Connect Google Calendar").await;
    consent(&host, email, "Deny", "/settings/calendars").await;
    let flash = host.wait_for_text(".flash", "was not connected").await;
    assert!(flash.starts_with("Google Calendar was not connected because you chose Deny."), "{flash}");
    assert!(host.exists(".flash.flash-error").await, "a refusal reads as an error");
    assert!(!host.exists("article.integration-card").await, "a denied consent adds no card");
    host.wait_for_text(".empty", "No calendar connected yet").await;
    review(&host, "calendars-denied", &[], &mut contrast).await;

    // Allowed: Google, then Microsoft.
    host.click_link("Connect Google Calendar").await;
    consent(&host, email, "Allow", "/settings/calendars").await;
    host.wait_for_text(".flash.flash-success", &format!("Google Calendar ({email}) is connected.")).await;
    let google = card_text(&host, "Google Calendar").await;
    assert!(google.contains("Connected") && google.contains("Family") && google.contains(email), "{google}");

    host.click_link("Connect Outlook / Microsoft 365").await;
    consent(&host, email, "Allow", "/settings/calendars").await;
    host.wait_for_text(".flash.flash-success", &format!("Outlook / Microsoft 365 ({email}) is connected.")).await;
    let microsoft = card_text(&host, "Outlook / Microsoft 365").await;
    assert!(microsoft.contains("Connected") && microsoft.contains("Calendar"), "{microsoft}");
    assert!(card_text(&host, "Google Calendar").await.contains("Connected"), "Google stays connected");

    // Bookings go to Google's primary calendar (connected first); Microsoft's only checks conflicts.
    let write = format!("{}//tr[.//input[@name='write' and @checked]]/th", card_xpath("Google Calendar"));
    let chosen = host.client.find(Locator::XPath(&write)).await.expect("a Google calendar takes the bookings");
    assert_eq!(chosen.text().await.unwrap().trim(), email, "the primary calendar has Add bookings here");
    let checked = host.client.find_all(Locator::Css("input[name=write]:checked")).await.unwrap();
    assert_eq!(checked.len(), 1, "one calendar takes the bookings");

    // A busy event in Google tomorrow 10:00–11:00, read with Sync now on Google's card.
    let busy = json!({"start": at(10, 0).to_string(), "end": at(11, 0).to_string(), "summary": "Dentist"});
    control(&sandboxes.google.url, &format!("calendars/{email}/events"), busy, 201).await;
    let sync = format!("{}//button[normalize-space()='Sync now']", card_xpath("Google Calendar"));
    host.click(&host.client.find(Locator::XPath(&sync)).await.unwrap(), "Sync now on Google's card").await;
    host.wait_for_text(".flash", "Synced just now").await;
    review(
        &host,
        "calendars-connected",
        &[("microsoft", "#calendar-choices article:nth-of-type(2)"), ("add", "#add-title")],
        &mut contrast,
    )
    .await;

    // The booking page leaves 10:00 and 10:30 out; 14:00 books.
    invitee.goto(&app.at("/gia/call?timezone=UTC")).await;
    invitee.wait_for_text("#event-title", "Call").await;
    let times = offered_times(&invitee).await;
    assert!(!times.contains(&at(10, 0)) && !times.contains(&at(10, 30)), "Google's busy time is offered: {times:?}");
    assert!(times.contains(&at(14, 0)), "{times:?}");
    let fourteen = invitee.find(&format!(".time-button[data-start^='{}T14:00']", tomorrow())).await;
    invitee.click(&fourteen, "14:00").await;
    invitee.fill("Your name", "Sam Okafor").await;
    invitee.fill("Email", "sam@example.com").await;
    invitee.click_button("Confirm").await;
    invitee.wait_for_text("#booking-title", "You are booked").await;

    // The booking appears in Google's primary calendar, and only there.
    let deadline = Instant::now() + WAIT * 2;
    let written = loop {
        let events = sandboxes.events("google", email).await;
        if let Some(event) = events.iter().find(|e| e["summary"].as_str().is_some_and(|s| s.contains("Call"))) {
            break event.clone();
        }
        assert!(Instant::now() < deadline, "the booking never reached Google: {events:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(written["start"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap(), at(14, 0), "{written}");
    assert!(written["description"].as_str().unwrap_or_default().contains("Sam Okafor"), "{written}");
    let in_microsoft = sandboxes.events("microsoft", email).await;
    assert!(in_microsoft.is_empty(), "nothing is written to Microsoft: {in_microsoft:?}");
    assert!(contrast.is_empty(), "text below WCAG AA contrast:\n{}", contrast.join("\n"));
}

/// The Zoom card's status badge.
async fn zoom_badge(browser: &Browser) -> String {
    browser.text_of("#zoom .card-head .badge").await
}

#[tokio::test]
async fn connect_with_zoom_needs_attention_after_a_revoke_until_reconnected() {
    let Some(browser) = Browser::start("oauth_zoom").await else { return };
    // The app's Zoom sandbox plays the operator's General app, registered before the app starts.
    let zoom = zoom_sandbox::spawn(zoom_sandbox::Sandbox::in_memory(), "127.0.0.1:0").await.unwrap();
    let general: Value = reqwest::Client::new()
        .post(format!("{}/_sandbox/oauth-clients", zoom.url))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = general["client_id"].as_str().unwrap().to_owned();
    let app_client = ClientConfig {
        client_id: client_id.clone(),
        client_secret: general["client_secret"].as_str().unwrap().to_owned().into(),
    };
    let zoom_url = zoom.url.clone();
    let app = TestApp::spawn_with(Backend::Sqlite, move |c| {
        c.zoom_oauth_url = zoom_url.clone();
        c.zoom_api_url = format!("{zoom_url}/v2");
        c.oauth.zoom_app = Some(app_client);
    })
    .await;
    app.sign_up("zed").await;
    let email = "zed@example.com";
    crate::booking::log_in(&browser, &app, email).await;
    browser.goto(&app.at("/settings/integrations")).await;
    browser.wait_for("#zoom").await;
    let mut contrast = Vec::new();
    assert_eq!(zoom_badge(&browser).await, "Not connected");
    browser.link("Set up").await;
    browser.link("Connect with Zoom").await;
    review(&browser, "integrations-not-connected", &[], &mut contrast).await;

    // Denied on Zoom's consent page.
    browser.click_link("Connect with Zoom").await;
    consent(&browser, email, "Deny", "/settings/integrations").await;
    let flash = browser.wait_for_text(".flash.flash-error", "was not connected").await;
    assert_eq!(flash.trim(), "Zoom was not connected because you chose Deny. Connect it again whenever you like.");
    assert_eq!(zoom_badge(&browser).await, "Not connected", "a denied consent stores nothing");
    browser.link("Connect with Zoom").await;

    // Allowed.
    browser.click_link("Connect with Zoom").await;
    consent(&browser, email, "Allow", "/settings/integrations").await;
    browser.wait_for_text(".flash.flash-success", &format!("Zoom ({email}) is connected.")).await;
    assert_eq!(zoom_badge(&browser).await, "Connected");
    assert_eq!(browser.text_of("#zoom .connected-as").await, format!("Connected as {email}"));
    let card = browser.text_of("#zoom").await;
    assert!(card.contains("Your Zoom sign-in"), "{card}");
    assert!(card.contains("Use my own Zoom app") && card.contains("Check now"), "{card}");
    review(&browser, "integrations-connected", &[], &mut contrast).await;

    // The user removes the app in Zoom: Check now says Needs attention, with Reconnect.
    control(&zoom.url, &format!("apps/{client_id}/revoke-tokens"), json!({}), 204).await;
    browser.click_button("Check now").await;
    browser.wait_for_text(".flash", "needs your attention").await;
    assert_eq!(zoom_badge(&browser).await, "Needs attention");
    assert!(!browser.exists("#zoom .connected-as").await, "{}", browser.text_of("#zoom").await);
    browser.link("Reconnect").await;
    review(&browser, "integrations-needs-attention", &[], &mut contrast).await;

    browser.click_link("Reconnect").await;
    consent(&browser, email, "Allow", "/settings/integrations").await;
    browser.wait_for_text(".flash.flash-success", "is connected again.").await;
    assert_eq!(zoom_badge(&browser).await, "Connected");
    assert_eq!(browser.text_of("#zoom .connected-as").await, format!("Connected as {email}"));
    assert!(!browser.exists("#zoom .alert-warning").await, "the problem is gone");
    assert!(contrast.is_empty(), "text below WCAG AA contrast:\n{}", contrast.join("\n"));
}
