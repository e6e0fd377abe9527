//! Recordings: the page lists a recorded meeting's files, confirms, and moves one to Zoom's trash.

use serde_json::{Value, json};

use crate::accounts::{PASSWORD, sign_up};
use crate::harness::Browser;
use crate::support::{Backend, TestApp};

#[tokio::test]
async fn the_recordings_page_lists_confirms_and_deletes_a_file() {
    let Some(browser) = Browser::start("the_recordings_page_lists_confirms_and_deletes_a_file").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;

    // The empty state before Zoom is connected says what to do next.
    sign_up(&browser, &app, "Rita Record", "rita@example.com", "rita", PASSWORD).await;
    browser.wait_for("nav[aria-label='Main']").await;
    browser.goto(&app.at("/recordings")).await;
    browser.wait_for_text(".empty", "Connect Zoom").await;

    // Zoom connected and a meeting recorded ten days ago (through the API, as the host).
    let (_, login) =
        app.post_json("/api/v1/login", &json!({"email": "rita@example.com", "password": PASSWORD}), None).await;
    let token = login["token"].as_str().unwrap().to_owned();
    let zoom = app.connect_zoom(&token).await;
    // The host reads times in New York (their availability's zone).
    let hours = json!({"timezone": "America/New_York", "weekly": {"mon": [["09:00", "17:00"]]}});
    assert_eq!(app.put_json("/api/v1/availability", &hours, Some(&token)).await.0, 200);
    let (_, zoom_id) = app.past_zoom_meeting(&token, "Quarterly review", 10, json!([])).await;
    let response = app
        .client
        .post(format!("{}/_sandbox/meetings/{zoom_id}/recordings", app.zoom.url))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    browser.goto(&app.at("/recordings")).await;
    browser.wait_for_text("main h2", "Quarterly review").await;
    let page = browser.body_text().await;
    for file_type in ["Video", "Audio only", "Transcript"] {
        assert!(page.contains(file_type), "{file_type} listed: {page}");
    }
    assert!(!page.contains("TRANSCRIPT") && !page.contains("MP4"), "people's names for file types: {page}");
    let plays = "return [...document.querySelectorAll('main tbody tr')].map(r => \
                 [r.querySelector('.cell-name').textContent, !!r.querySelector('a[target=_blank]')]);";
    let rows = browser.js(plays).await;
    assert_eq!(rows, json!([["Video", true], ["Audio only", true], ["Transcript", false]]), "no Play on a transcript");
    let recorded = "return document.querySelector('main tbody td[data-label=Recorded]').textContent;";
    let listed_at = browser.js(recorded).await;
    assert!(listed_at.as_str().unwrap().contains("America/New_York"), "the host's zone: {listed_at}");
    assert!(browser.exists("a[href^='/meetings/']").await, "linked to the Prospo meeting");
    let html = browser.js("return document.documentElement.outerHTML").await;
    assert!(!html.to_string().contains("/rec/download/"), "Zoom's download link is never on the page");
    browser.screenshots("recordings-list").await;
    // At 1280 px nothing in the table breaks inside a word: badges, sizes and buttons on one line.
    let wrapped = browser
        .js("return [...document.querySelectorAll('.table .badge, .table td.nowrap, .table .actions .actions-row > .button, .table .actions summary')]\
             .filter(e => { const r = document.createRange(); r.selectNodeContents(e); \
                 const lines = new Set([...r.getClientRects()].map(c => Math.round(c.top))); return lines.size > 1; })\
             .map(e => e.textContent.trim());")
        .await;
    assert_eq!(wrapped, serde_json::json!([]), "these wrap inside the table");

    // The meeting's details page lists the same files.
    browser.click(&browser.find("a[href^='/meetings/']").await, "the meeting link").await;
    browser.wait_for("#recordings").await;
    let section = browser.text_of("#recordings").await;
    for file_type in ["Video", "Audio only", "Transcript"] {
        assert!(section.contains(file_type), "{file_type} on the meeting page: {section}");
    }
    assert_eq!(browser.js(recorded).await, listed_at, "the same file reads the same time on both pages");
    browser.screenshots_at("meeting-recordings", "#recordings").await;
    browser.goto(&app.at("/recordings")).await;
    browser.wait_for_text("main h2", "Quarterly review").await;

    // Delete the first file: the confirmation opens with trash chosen, then the file is gone.
    browser.click(&browser.find("details.confirm > summary").await, "Delete").await;
    browser.wait_for("details.confirm[open] input[value='trash']:checked").await;
    browser.screenshots_at("recordings-delete-confirm", "details.confirm[open]").await;
    // The dialog reads as a panel: wide enough for its choices, left-aligned, not squeezed.
    let panel = browser
        .js("const p = document.querySelector('details.confirm[open] .confirm-panel'); \
             return [p.getBoundingClientRect().width, getComputedStyle(p).textAlign];")
        .await;
    assert!(panel[0].as_f64().is_some_and(|w| w >= 300.0), "the delete dialog is squeezed: {panel}");
    assert_eq!(panel[1], serde_json::Value::from("left"), "{panel}");
    browser.click(&browser.find("details.confirm[open] button[type='submit']").await, "the confirmed delete").await;
    browser.wait_for_text(".flash", "moved to Zoom's trash").await;
    let stats: Value = app.zoom_stats(zoom["client_id"].as_str().unwrap()).await;
    assert_eq!(stats["recording_files_deleted"], 1);
    let rows = browser.js("return document.querySelectorAll('main tbody tr').length").await;
    assert_eq!(rows, json!(2), "two files left");
    browser.screenshots("recordings-after-delete").await;
}
