//! Settings → Integrations → Zoom, as the help page tells a person to do it, against the Zoom
//! sandbox that [`TestApp`] starts: Set up, Save & Connect, the three errors, Needs attention and
//! Reconnect, Disconnect.

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::accounts::{PASSWORD, sign_up};
use crate::harness::Browser;
use crate::support::{Backend, TestApp};

/// Every required scope in its `:admin` form, as Server-to-Server apps usually hold them.
const REQUIRED_ADMIN_SCOPES: [&str; 8] = [
    "meeting:write:meeting:admin",
    "meeting:read:meeting:admin",
    "meeting:update:meeting:admin",
    "meeting:delete:meeting:admin",
    "user:read:user:admin",
    "cloud_recording:read:list_recording_files:admin",
    "cloud_recording:read:list_user_recordings:admin",
    "cloud_recording:delete:recording_file:admin",
];

fn text(app: &Value, key: &str) -> String {
    app[key].as_str().unwrap_or_else(|| panic!("sandbox app without {key}: {app}")).to_owned()
}

/// Signs up in the browser and opens Settings → Integrations through the navigation.
async fn open_integrations(browser: &Browser, app: &TestApp, username: &str) {
    sign_up(browser, app, "Zoe Zoom", &format!("{username}@example.com"), username, PASSWORD).await;
    browser.wait_for("nav[aria-label='Main']").await;
    browser.goto(&app.at("/settings/tokens")).await;
    browser.wait_for("#tokens-title").await;
    let settings = browser.find("nav[aria-label='Main']").await.find(Locator::LinkText("Settings")).await.unwrap();
    browser.click(&settings, "Settings").await;
    browser.wait_for_path("/settings/integrations").await;
    browser.wait_for("#zoom").await;
}

/// The Zoom card's status badge.
async fn badge(browser: &Browser) -> String {
    browser.text_of("#zoom .card-head .badge").await
}

/// Set up → fill the three fields → Save & Connect.
async fn save_and_connect(browser: &Browser, account_id: &str, client_id: &str, client_secret: &str) {
    browser.fill("Account ID", account_id).await;
    browser.fill("Client ID", client_id).await;
    browser.fill("Client Secret", client_secret).await;
    browser.click_button("Save & Connect").await;
}

/// Connects the sandbox app `zoom` through the page and waits for the Connected card.
async fn connect_in_browser(browser: &Browser, zoom: &Value) {
    browser.click_link("Set up").await;
    browser.wait_for("#zoom-form form").await;
    save_and_connect(browser, &text(zoom, "account_id"), &text(zoom, "client_id"), &text(zoom, "client_secret")).await;
    browser.wait_for_text("#zoom .connected-as", &format!("Connected as {}", text(zoom, "email"))).await;
}

/// The error box of the form: its message (exactly) and the fix under it.
async fn form_error(browser: &Browser, message: &str) -> String {
    browser.wait_for_text("#connect-error .alert-title", message).await;
    let title = browser.find("#connect-error .alert-title").await;
    assert_eq!(title.text().await.unwrap().trim(), message, "the error text must be exactly the help page's");
    let fix = browser.find("#connect-error .alert-fix").await;
    let fix_text = fix.text().await.unwrap();
    assert!(!fix_text.trim().is_empty(), "no fix under {message:?}");
    let (_, title_y, _, title_h) = title.rectangle().await.unwrap();
    let (_, fix_y, _, _) = fix.rectangle().await.unwrap();
    assert!(fix_y >= title_y + title_h - 0.5, "the fix should be under the message");
    assert_eq!(
        browser.find("#connect-error").await.attr("role").await.unwrap().as_deref(),
        Some("alert"),
        "the error should be announced"
    );
    fix_text
}

/// The form kept what was typed, except the secret, which is in neither the field nor the page.
async fn assert_kept_except_secret(browser: &Browser, account_id: &str, client_id: &str, secret: &str) {
    assert_eq!(browser.value_of("Account ID").await, account_id);
    assert_eq!(browser.value_of("Client ID").await, client_id);
    assert_eq!(browser.value_of("Client Secret").await, "", "the secret must never come back");
    assert!(!browser.client.source().await.unwrap().contains(secret), "the secret is in the page source");
    let note = browser.text_of("#secret-again").await;
    assert!(note.contains("paste it again"), "the page says why the secret is empty: {note}");
}

#[tokio::test]
async fn connect_zoom_from_settings() {
    let Some(browser) = Browser::start("connect_zoom_from_settings").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let zoom = app.zoom_app(json!({})).await;
    open_integrations(&browser, &app, "zoe").await;

    // The words of the help page, as written.
    assert_eq!(browser.text_of("main h1").await, "Integrations");
    let card = browser
        .client
        .find(Locator::XPath(
            "//section[h2[normalize-space()='Meeting Tools']]//article[.//h3[normalize-space()='Zoom']]",
        ))
        .await
        .expect("the Zoom card under Meeting Tools");
    assert_eq!(card.attr("id").await.unwrap().as_deref(), Some("zoom"));
    assert_eq!(badge(&browser).await, "Not connected");
    let settings_tab = browser.find("nav.tabs a[aria-current=page]").await.text().await.unwrap();
    assert_eq!(settings_tab, "Integrations");
    browser.link("Set up").await;
    assert!(!browser.exists("#zoom-form").await, "the form opens on Set up");
    browser.screenshots("zoom-not-connected").await;

    browser.click_link("Set up").await;
    browser.wait_for("#zoom-form form").await;
    for label in ["Account ID", "Client ID", "Client Secret"] {
        browser.field(label).await;
    }
    browser.button("Save & Connect").await;

    // The secret is masked; Show reveals it and Hide masks it again.
    browser.fill("Account ID", &text(&zoom, "account_id")).await;
    browser.fill("Client ID", &text(&zoom, "client_id")).await;
    browser.fill("Client Secret", &text(&zoom, "client_secret")).await;
    let secret = browser.field("Client Secret").await;
    assert_eq!(secret.attr("type").await.unwrap().as_deref(), Some("password"));
    browser.click_button("Show").await;
    assert_eq!(secret.prop("type").await.unwrap().as_deref(), Some("text"));
    assert_eq!(browser.button("Hide").await.attr("aria-pressed").await.unwrap().as_deref(), Some("true"));
    browser.click_button("Hide").await;
    assert_eq!(secret.prop("type").await.unwrap().as_deref(), Some("password"));
    assert_eq!(browser.button("Show").await.attr("aria-pressed").await.unwrap().as_deref(), Some("false"));
    browser.screenshots_at("zoom-form", "#zoom-form").await;

    browser.click_button("Save & Connect").await;
    let email = text(&zoom, "email");
    let connected = browser.wait_for_text("#zoom .connected-as", "Connected as").await;
    assert_eq!(connected.trim(), format!("Connected as {email}"));
    assert_eq!(browser.path().await, "/settings/integrations");
    assert_eq!(badge(&browser).await, "Connected");
    browser.wait_for_text(".flash[role=status]", "Zoom is connected").await;
    assert!(!browser.exists("#zoom-form").await, "the form closes once connected");
    // Account ID and Client ID may be shown; the secret never.
    let card = browser.text_of("#zoom").await;
    assert!(card.contains(&text(&zoom, "account_id")) && card.contains(&text(&zoom, "client_id")), "{card}");
    assert!(!browser.client.source().await.unwrap().contains(&text(&zoom, "client_secret")));
    // Times: relative, with the exact time and its zone on hover.
    let connected_at = browser.find("#zoom time").await;
    assert_eq!(connected_at.text().await.unwrap(), "just now");
    let exact = connected_at.attr("title").await.unwrap().unwrap_or_default();
    assert!(exact.ends_with(" UTC") && exact.contains(", "), "exact time on hover: {exact:?}");
    for label in ["Update credentials", "Check now", "Disconnect"] {
        assert!(card.contains(label), "the connected card lacks {label:?}: {card}");
    }
    browser.screenshots("zoom-connected").await;

    // The optional webhook set-up folds out under the card.
    browser.click(&browser.find("#zoom details.webhooks > summary").await, "the webhooks disclosure").await;
    let url = browser.find("#webhook-url").await.prop("value").await.unwrap().unwrap_or_default();
    assert!(url.starts_with(&app.url) || url.starts_with("http"), "a webhook URL to paste into Zoom: {url:?}");
    browser.screenshots_at("zoom-webhooks", "#zoom details.webhooks").await;

    // A successful connect makes two Zoom calls: the token and the profile.
    let stats = app.zoom_stats(&text(&zoom, "client_id")).await;
    assert_eq!((stats["token_requests"].as_u64(), stats["api_requests"].as_u64()), (Some(1), Some(1)), "{stats}");
}

#[tokio::test]
async fn each_zoom_error_shows_its_text_and_fix_and_keeps_all_but_the_secret() {
    let Some(browser) = Browser::start("each_zoom_error_shows_its_text_and_fix").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let zoom = app.zoom_app(json!({})).await;
    let (account_id, client_id, secret) =
        (text(&zoom, "account_id"), text(&zoom, "client_id"), text(&zoom, "client_secret"));
    open_integrations(&browser, &app, "erin").await;
    browser.click_link("Set up").await;
    browser.wait_for("#zoom-form form").await;

    // 1. An Account ID that cannot be one: refused before Zoom is called.
    save_and_connect(&browser, "not an id", &client_id, &secret).await;
    let fix = form_error(&browser, "Invalid Account ID format").await;
    assert!(fix.contains("Account ID"), "{fix}");
    assert_kept_except_secret(&browser, "not an id", &client_id, &secret).await;
    assert_eq!(browser.focused().await, "input#account_id", "focus moves to the field in error");
    let field = browser.field("Account ID").await;
    assert_eq!(field.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(field.attr("aria-describedby").await.unwrap().as_deref(), Some("connect-error"));
    assert_eq!(browser.dangling_aria_references().await, Vec::<String>::new());
    assert_eq!(badge(&browser).await, "Not connected", "nothing is stored");
    let stats = app.zoom_stats(&client_id).await;
    assert_eq!(stats["token_requests"].as_u64(), Some(0), "a malformed Account ID never reaches Zoom: {stats}");
    browser.screenshots_at("zoom-error-account-id", "#zoom-form").await;

    // 2. The right app but a wrong secret.
    let wrong = "wrongSecretValue123";
    save_and_connect(&browser, &account_id, &client_id, wrong).await;
    let fix = form_error(&browser, "Invalid credentials").await;
    assert!(fix.contains("case-sensitive"), "{fix}");
    assert_kept_except_secret(&browser, &account_id, &client_id, wrong).await;
    assert_eq!(browser.focused().await, "input#client_secret", "the secret must be typed again");
    assert_eq!(browser.dangling_aria_references().await, Vec::<String>::new());
    assert_eq!(badge(&browser).await, "Not connected");
    browser.screenshots_at("zoom-error-credentials", "#zoom-form").await;

    // 3. An app without two of the required scopes.
    let scopes: Vec<&str> = REQUIRED_ADMIN_SCOPES
        .into_iter()
        .filter(|s| !matches!(*s, "meeting:write:meeting:admin" | "user:read:user:admin"))
        .collect();
    let partial = app.zoom_app(json!({ "scopes": scopes })).await;
    let (partial_account, partial_client, partial_secret) =
        (text(&partial, "account_id"), text(&partial, "client_id"), text(&partial, "client_secret"));
    save_and_connect(&browser, &partial_account, &partial_client, &partial_secret).await;
    let fix =
        form_error(&browser, "Your Zoom app is missing required permissions: meeting:write:meeting, user:read:user")
            .await;
    assert!(fix.contains("deactivate and reactivate"), "{fix}");
    assert_kept_except_secret(&browser, &partial_account, &partial_client, &partial_secret).await;
    assert_eq!(badge(&browser).await, "Not connected");
    browser.screenshots_at("zoom-error-scopes", "#zoom-form").await;

    // And then the right values connect.
    save_and_connect(&browser, &account_id, &client_id, &secret).await;
    browser.wait_for_text("#zoom .connected-as", &format!("Connected as {}", text(&zoom, "email"))).await;
}

#[tokio::test]
async fn a_deactivated_app_needs_attention_until_reconnected() {
    let Some(browser) = Browser::start("a_deactivated_app_needs_attention_until_reconnected").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let zoom = app.zoom_app(json!({})).await;
    let client_id = text(&zoom, "client_id");
    open_integrations(&browser, &app, "nora").await;
    connect_in_browser(&browser, &zoom).await;

    app.patch_zoom_app(&client_id, json!({"activated": false})).await;
    browser.click_button("Check now").await;
    browser.wait_for_text("#zoom .card-head .badge", "Needs attention").await;
    let problem = browser.text_of("#zoom .alert-warning .alert-title").await;
    assert_eq!(problem, "Invalid credentials");
    assert!(!browser.text_of("#zoom .alert-warning .alert-fix").await.is_empty(), "the fix shows under it");
    assert!(!browser.exists("#zoom .connected-as").await);
    browser.link("Reconnect").await;
    browser.screenshots("zoom-needs-attention").await;

    // Reactivated in Zoom; Reconnect opens the form with what is stored, never the secret.
    app.patch_zoom_app(&client_id, json!({"activated": true})).await;
    browser.click_link("Reconnect").await;
    browser.wait_for("#zoom-form form").await;
    assert_eq!(browser.value_of("Account ID").await, text(&zoom, "account_id"));
    assert_eq!(browser.value_of("Client ID").await, client_id);
    assert_eq!(browser.value_of("Client Secret").await, "");
    let help = browser.text_of("#zoom-form .secret-help").await;
    assert!(help.contains("Leave empty to keep the stored secret"), "{help}");
    browser.screenshots_at("zoom-reconnect-form", "#zoom-form").await;

    // A blank secret keeps the stored one.
    browser.click_button("Save & Connect").await;
    browser.wait_for_text("#zoom .card-head .badge", "Connected").await;
    let connected = browser.text_of("#zoom .connected-as").await;
    assert_eq!(connected, format!("Connected as {}", text(&zoom, "email")));
    assert!(!browser.exists("#zoom .alert-warning").await);
}

#[tokio::test]
async fn disconnect_returns_to_set_up() {
    let Some(browser) = Browser::start("disconnect_returns_to_set_up").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let zoom = app.zoom_app(json!({})).await;
    open_integrations(&browser, &app, "dora").await;
    connect_in_browser(&browser, &zoom).await;

    // Disconnect asks first, in a panel with the choice to delete upcoming meetings.
    let confirm = browser.find("#zoom details.confirm").await;
    assert_eq!(confirm.attr("open").await.unwrap(), None);
    browser.click(&browser.find("#zoom details.confirm > summary").await, "Disconnect").await;
    assert!(confirm.attr("open").await.unwrap().is_some(), "Disconnect opens the confirmation");
    let choice = browser
        .client
        .find(Locator::XPath(
            "//label[contains(normalize-space(), 'Also delete upcoming Zoom meetings that Prospo created')]/input[@type='checkbox']",
        ))
        .await
        .expect("the delete-upcoming checkbox");
    assert!(!choice.is_selected().await.unwrap(), "meetings stay in Zoom unless asked");
    browser.button("Yes, disconnect").await;
    browser.screenshots_at("zoom-disconnect-confirm", "#zoom").await;

    // Closing it again does nothing.
    browser.click(&browser.find("#zoom details.confirm > summary").await, "Disconnect").await;
    assert_eq!(confirm.attr("open").await.unwrap(), None);
    assert_eq!(badge(&browser).await, "Connected");

    browser.click(&browser.find("#zoom details.confirm > summary").await, "Disconnect").await;
    browser.click_button("Yes, disconnect").await;
    browser.wait_for_text(".flash[role=status]", "Zoom is disconnected").await;
    assert_eq!(badge(&browser).await, "Not connected");
    browser.link("Set up").await;
    assert!(!browser.exists("#zoom .connected-as").await);
    browser.screenshots("zoom-disconnected").await;

    // The same app connects again from scratch.
    connect_in_browser(&browser, &zoom).await;
}
