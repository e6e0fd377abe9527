//! Settings → API tokens: create (shown once), use, revoke through the confirmation dialog.

use fantoccini::Locator;

use crate::accounts::{PASSWORD, sign_up};
use crate::harness::Browser;
use crate::support::{Backend, TestApp};

#[tokio::test]
async fn create_and_revoke_an_api_token() {
    let Some(browser) = Browser::start("create_and_revoke_an_api_token").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;

    sign_up(&browser, &app, "Tess Token", "tess@example.com", "tess", PASSWORD).await;
    browser.wait_for("nav[aria-label='Main']").await;
    browser.goto(&app.at("/settings/tokens")).await;
    browser.wait_for("#tokens-title").await;
    assert!(browser.exists(".empty").await, "a new account has no tokens");
    assert!(!browser.exists("#new-token").await);
    browser.screenshots("tokens-empty").await;

    browser.fill("Token name", "CRM sync").await;
    browser.click_button("Create token").await;
    let shown = browser.wait_for("#new-token").await;
    let value = shown.prop("value").await.unwrap().unwrap_or_default();
    assert!(value.len() >= 20, "the new token's value should be shown: {value:?}");
    let row = browser.wait_for_text("table.table tbody tr", "CRM sync").await;
    assert!(row.contains("Never"), "a new token was never used: {row}");
    // Created: relative, with the exact time and its zone on hover.
    let created = browser.find("table.table tbody tr time").await;
    assert_eq!(created.text().await.unwrap(), "just now");
    let exact = created.attr("title").await.unwrap().unwrap_or_default();
    assert!(exact.ends_with(" UTC"), "the exact time with its zone on hover: {exact:?}");
    assert!(created.attr("datetime").await.unwrap().is_some_and(|d| d.ends_with('Z')));
    // The new token is in a monospace font like other machine values.
    let font = browser.js("return getComputedStyle(document.querySelector('#new-token')).fontFamily;").await;
    assert!(font.as_str().unwrap_or_default().contains("monospace"), "{font}");
    browser.screenshots("tokens-created").await;

    // On a phone the table does not scroll sideways, and each value says what it is.
    browser.phone().await;
    browser.assert_no_horizontal_overflow("tokens, phone").await;
    let label = browser
        .js("const cell = document.querySelector('table.table tbody td[data-label=\"Created\"]'); \
             return getComputedStyle(cell, '::before').content;")
        .await;
    assert_eq!(label.as_str(), Some("\"Created\""), "the phone table labels its values");
    browser.desktop().await;

    let (status, me) = app.get_json("/api/v1/me", Some(&value)).await;
    assert_eq!(status, 200, "the new token should work: {me}");

    // Created by a POST that redirected: a reload makes no second token. Shown once: the list page
    // no longer carries the value.
    assert_eq!(browser.path().await, "/settings/tokens");
    browser.client.refresh().await.unwrap();
    browser.wait_for_text("table.table tbody tr", "CRM sync").await;
    assert!(!browser.exists("#new-token").await);
    assert!(!browser.client.source().await.unwrap().contains(&value), "the token value is shown again");
    let rows = browser.client.find_all(Locator::Css("table.table tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 1, "one token, however often the page is reloaded");

    // Revoke, cancelling the confirmation first: nothing happens.
    browser.click_button("Revoke").await;
    let question = browser.client.get_alert_text().await.expect("a confirmation dialog before revoking");
    assert!(question.contains("Revoke “CRM sync”?"), "{question}");
    browser.dismiss_dialog().await;
    assert!(browser.exists("table.table").await);
    assert_eq!(app.get_json("/api/v1/me", Some(&value)).await.0, 200, "dismissing must not revoke");

    // Then accept it.
    browser.click_button("Revoke").await;
    browser.client.get_alert_text().await.expect("a confirmation dialog before revoking");
    browser.accept_dialog().await;
    browser.wait_for_text(".flash[role=status]", "The token was revoked").await;
    let rows = browser.client.find_all(Locator::Css("table.table tbody tr")).await.unwrap();
    for row in rows {
        let text = row.text().await.unwrap();
        assert!(!text.contains("CRM sync"), "the revoked token is still listed: {text}");
    }
    assert!(browser.exists(".empty").await);
    browser.screenshot("tokens-revoked-desktop").await;

    let (status, body) = app.get_json("/api/v1/me", Some(&value)).await;
    assert_eq!(status, 401, "a revoked token must fail: {body}");
}

/// The API page renders Swagger UI under Prospo's own bar, which leads back to the app, and fits a
/// phone.
#[tokio::test]
async fn the_api_page_has_a_way_back_and_fits_a_phone() {
    let Some(browser) = Browser::start("api_docs").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    browser.goto(&app.at("/api/docs/")).await;
    browser.wait_for(".swagger-ui .info").await;
    browser.wait_for_text(".docs-bar", "Back to Prospo").await;
    browser.screenshots("api-docs").await;
    browser.phone().await;
    browser.assert_no_horizontal_overflow("the API page on a phone").await;
    browser.desktop().await;
    browser.click_link("← Back to Prospo").await;
    browser.wait_for_path("/login").await;
}
