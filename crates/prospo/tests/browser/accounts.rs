//! Sign-up, log-out and log-in as a person does them.

use crate::harness::Browser;
use crate::support::{Backend, TestApp};

const NAVIGATION: [&str; 5] = ["Meetings", "Event types", "Availability", "Recordings", "Settings"];
pub const PASSWORD: &str = "correct horse battery";

/// Fills in and sends the sign-up form.
pub async fn sign_up(browser: &Browser, app: &TestApp, name: &str, email: &str, username: &str, password: &str) {
    browser.goto(&app.at("/signup")).await;
    browser.fill("Name", name).await;
    browser.fill("Email", email).await;
    browser.fill("Username", username).await;
    browser.fill("Password", password).await;
    browser.click_button("Create account").await;
}

/// Checks the page shows the signed-in layout: the main navigation and the user's name.
pub async fn assert_signed_in(browser: &Browser, name: &str) {
    browser.wait_for("nav[aria-label='Main']").await;
    let nav = browser.find("nav[aria-label='Main']").await.text().await.unwrap();
    for entry in NAVIGATION {
        assert!(nav.contains(entry), "navigation lacks {entry:?}: {nav:?}");
    }
    let account = browser.find(".account-name").await.prop("textContent").await.unwrap().unwrap_or_default();
    assert_eq!(account.trim(), name);
    browser.button("Log out").await;
}

#[tokio::test]
async fn sign_up_lands_signed_in_with_a_welcome() {
    let Some(browser) = Browser::start("sign_up_lands_signed_in_with_a_welcome").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;

    browser.goto(&app.at("/signup")).await;
    browser.wait_for("#signup-title").await;
    assert_eq!(browser.dangling_aria_references().await, Vec::<String>::new(), "aria references to missing ids");
    browser.screenshots("signup").await;

    sign_up(&browser, &app, "Ada Lovelace", "ada@example.com", "ada", PASSWORD).await;
    // One welcome: the getting-started page (the email notice stands above it), no flash besides.
    browser.wait_for_path("/welcome").await;
    browser.wait_for_text("h1", "Welcome, Ada").await;
    assert!(!browser.exists(".flash").await, "no second banner");
    browser.wait_for_text(".verify-note", "ada@example.com").await;
    assert_signed_in(&browser, "Ada Lovelace").await;
    browser.screenshots("signed-in").await;

    // On a phone the navigation is a top bar with the logo and a Menu button; the menu opens as a
    // list of every entry (Settings included, nothing off-screen) and Log out, and Escape closes it.
    browser.phone().await;
    let bar = browser.js("return document.querySelector('.sidebar').getBoundingClientRect().height;").await;
    let bar = bar.as_f64().unwrap_or(f64::MAX);
    assert!(bar <= 72.0, "the closed phone top bar is {bar}px tall");
    let rows = browser
        .js("const top = e => Math.round(document.querySelector(e).getBoundingClientRect().top); \
             return [top('.sidebar .brand'), top('[data-nav-toggle]')];")
        .await;
    assert!((rows[0].as_i64().unwrap() - rows[1].as_i64().unwrap()).abs() <= 12, "logo and Menu share a row: {rows}");
    assert!(!browser.find(".nav").await.is_displayed().await.unwrap(), "the menu starts closed");
    browser.screenshot("phone-menu-closed").await;
    browser.click_button("Menu").await;
    assert_eq!(browser.find("[data-nav-toggle]").await.attr("aria-expanded").await.unwrap().as_deref(), Some("true"));
    for entry in NAVIGATION {
        assert!(browser.link(entry).await.is_displayed().await.unwrap(), "{entry} shows in the open menu");
    }
    browser.button("Log out").await;
    let settings_right = browser
        .js("return document.querySelector('.nav li:last-child a').getBoundingClientRect().right <= window.innerWidth;")
        .await;
    assert_eq!(settings_right, serde_json::Value::Bool(true), "Settings is on screen");
    browser.assert_no_horizontal_overflow("signed in, phone, menu open").await;
    browser.screenshot("phone-menu-open").await;
    browser.press(fantoccini::key::Key::Escape).await;
    assert!(!browser.find(".nav").await.is_displayed().await.unwrap(), "Escape closes the menu");
    assert_eq!(browser.focused().await, "button[Menu]", "focus returns to the Menu button");
    browser.desktop().await;

    // The flash shows once.
    browser.client.refresh().await.unwrap();
    browser.wait_for("nav[aria-label='Main']").await;
    assert!(!browser.exists(".flash").await, "the welcome should show only once");
}

#[tokio::test]
async fn sign_up_errors_keep_what_was_typed_except_the_password() {
    let Some(browser) = Browser::start("sign_up_errors_keep_what_was_typed_except_the_password").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;

    // A 9-character password.
    sign_up(&browser, &app, "Grace Hopper", "grace@example.com", "grace", "123456789").await;
    let error = browser.wait_for_text("#password-error", "at least 10 characters").await;
    assert!(error.contains("Use a password of at least 10 characters."), "{error}");
    assert_eq!(browser.path().await, "/signup");
    assert_eq!(browser.value_of("Name").await, "Grace Hopper");
    assert_eq!(browser.value_of("Email").await, "grace@example.com");
    assert_eq!(browser.value_of("Username").await, "grace");
    assert_eq!(browser.value_of("Password").await, "", "the password must never come back");
    assert!(!browser.client.source().await.unwrap().contains("123456789"), "the password is in the page source");
    let password = browser.field("Password").await;
    assert_eq!(password.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    let described_by = password.attr("aria-describedby").await.unwrap().unwrap_or_default();
    assert!(described_by.split_whitespace().any(|id| id == "password-error"), "{described_by}");
    // The error line sits under the field.
    let (_, field_y, _, field_h) = password.rectangle().await.unwrap();
    let (_, error_y, _, _) = browser.find("#password-error").await.rectangle().await.unwrap();
    assert!(error_y >= field_y + field_h, "the error should be under the password field");
    assert_eq!(browser.focused().await, "input#password", "focus should move to the field in error");
    assert_eq!(browser.dangling_aria_references().await, Vec::<String>::new(), "aria references to missing ids");
    assert!(!browser.exists("#password-help").await, "the help text gives way to the error");
    browser.screenshots("signup-error-password").await;

    // An email already in use.
    app.sign_up("taken").await;
    sign_up(&browser, &app, "Someone Else", "taken@example.com", "someone", PASSWORD).await;
    let error = browser.wait_for_text("#email-error", "already exists").await;
    assert!(error.contains("An account with this email already exists."), "{error}");
    assert_eq!(browser.value_of("Email").await, "taken@example.com");
    assert_eq!(browser.value_of("Name").await, "Someone Else");
    assert_eq!(browser.value_of("Password").await, "");
    assert_eq!(browser.focused().await, "input#email");
    assert!(!browser.exists("#password-error").await);
}

#[tokio::test]
async fn log_out_then_log_in() {
    let Some(browser) = Browser::start("log_out_then_log_in").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;

    sign_up(&browser, &app, "Alan Turing", "alan@example.com", "alan", PASSWORD).await;
    assert_signed_in(&browser, "Alan Turing").await;

    browser.click_button("Log out").await;
    browser.wait_for_path("/login").await;
    browser.wait_for_text(".flash[role=status]", "You are logged out.").await;
    assert!(!browser.exists("nav[aria-label='Main']").await);
    browser.screenshots("logged-out").await;

    // Signed-in pages now send to the log-in page.
    browser.goto(&app.at("/settings/tokens")).await;
    browser.wait_for_path("/login").await;

    browser.fill("Email", "alan@example.com").await;
    browser.fill("Password", "not the password").await;
    browser.click_button("Log in").await;
    let alert = browser.wait_for_text(".alert[role=alert]", "not right").await;
    assert!(alert.contains("The email or password is not right."), "{alert}");
    assert_eq!(browser.path().await, "/login");
    assert!(!browser.exists("nav[aria-label='Main']").await);
    assert_eq!(browser.value_of("Email").await, "alan@example.com");
    assert_eq!(browser.value_of("Password").await, "");
    assert_eq!(browser.focused().await, "input#password", "the email is there: focus goes to the password");
    browser.screenshots("login-error").await;

    browser.fill("Password", PASSWORD).await;
    browser.click_button("Log in").await;
    assert_signed_in(&browser, "Alan Turing").await;
    // `next` brought us back where we were going.
    assert_eq!(browser.path().await, "/settings/tokens");
}

/// The reset link of the reset mail written to `DATA_DIR/outbox/` (no SMTP in tests), waiting for it.
async fn mailed_reset_link(app: &TestApp) -> String {
    let dir = app.data_dir.join("outbox");
    for _ in 0..100 {
        let files: Vec<_> = std::fs::read_dir(&dir).map(|d| d.filter_map(Result::ok).collect()).unwrap_or_default();
        for file in files.iter().filter(|f| f.path().extension().is_some_and(|e| e == "eml")) {
            // Undo quoted-printable soft line breaks; the token itself is base64url.
            let raw = std::fs::read_to_string(file.path()).unwrap().replace("=\r\n", "");
            let Some(at) = raw.find("/password/reset/") else { continue };
            let token: String =
                raw[at + 16..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
            return app.at(&format!("/password/reset/{token}"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no reset mail in {}", dir.display());
}

#[tokio::test]
async fn password_reset_from_the_log_in_page_works_once() {
    let Some(browser) = Browser::start("password_reset_from_the_log_in_page_works_once").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.sign_up("ada").await;

    browser.goto(&app.at("/login")).await;
    browser.click_link("Forgot your password?").await;
    browser.wait_for_path("/password/forgot").await;
    browser.fill("Email", "ada@example.com").await;
    browser.click_button("Send the link").await;
    let answer = browser.wait_for_text("[role=status]", "If an account exists").await;
    assert!(answer.contains("we sent a link"), "{answer}");
    browser.screenshots("password-forgot-sent").await;

    let link = mailed_reset_link(&app).await;
    browser.goto(&link).await;
    browser.fill("New password", "a brand new password").await;
    browser.click_button("Save the new password").await;
    browser.wait_for_path("/login").await;
    browser.wait_for_text(".flash[role=status]", "Your password is changed").await;
    browser.fill("Email", "ada@example.com").await;
    browser.fill("Password", "a brand new password").await;
    browser.click_button("Log in").await;
    browser.wait_for("nav[aria-label='Main']").await;

    // The link works once.
    browser.click_button("Log out").await;
    browser.wait_for_text(".flash[role=status]", "You are logged out.").await;
    browser.goto(&link).await;
    let error = browser.wait_for_text("[role=alert]", "expired or was already used").await;
    assert!(error.contains("Ask for a new one"), "{error}");
    assert!(!browser.exists("input#password").await);
}

#[tokio::test]
async fn a_new_account_confirms_its_email_from_the_mailed_link() {
    let Some(browser) = Browser::start("a_new_account_confirms_its_email_from_the_mailed_link").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;

    sign_up(&browser, &app, "Ada Lovelace", "ada@example.com", "ada", PASSWORD).await;
    let note = browser.wait_for_text(".verify-note", "Please confirm your email").await;
    assert!(note.contains("ada@example.com"), "{note}");
    browser.screenshots("verify-note").await;

    // Send it again: a second link is mailed; either works.
    browser.click_button("Send it again").await;
    browser.wait_for_text(".flash[role=status]", "We sent a new confirmation link to ada@example.com").await;
    let mails = app.queued_mails("verify_email").await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let link = mails[1].text_body.split_whitespace().find(|w| w.contains("/verify-email/")).unwrap().to_owned();

    browser.goto(&link).await;
    browser.wait_for_text("h1", "Your email is confirmed").await;
    browser.screenshots("verify-done").await;
    browser.goto(&app.at("/meetings")).await;
    browser.wait_for("nav[aria-label='Main']").await;
    assert!(!browser.exists(".verify-note").await, "the notice is gone once confirmed");

    // The same link again: it worked once.
    browser.goto(&link).await;
    let error = browser.wait_for_text("[role=alert]", "expired or was already used").await;
    assert!(error.contains("confirmation link"), "{error}");
}

/// The sign-up page sends the browser's time zone, and the new host's hours start in it.
#[tokio::test]
async fn sign_up_sends_the_browser_s_zone_for_the_first_hours() {
    let Some(browser) = Browser::start("sign_up_zone").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    browser.goto(&app.at("/signup")).await;
    browser.wait_for("#signup-title").await;
    let zone = browser.js("return Intl.DateTimeFormat().resolvedOptions().timeZone;").await;
    let sent = browser.js("return document.querySelector('input[name=timezone]').value;").await;
    assert_eq!(sent, zone, "the page fills in the browser's zone");
    // As a browser in New York would.
    browser.js("document.querySelector('input[name=timezone]').value = 'America/New_York';").await;
    browser.fill("Name", "Ada Lovelace").await;
    browser.fill("Email", "ada@example.com").await;
    browser.fill("Username", "ada").await;
    browser.fill("Password", PASSWORD).await;
    browser.click_button("Create account").await;
    browser.wait_for_path("/welcome").await;
    let shown = browser.js("return document.querySelector('#welcome-timezone').value;").await;
    assert_eq!(shown, serde_json::Value::from("America/New_York"), "the welcome page shows the zone");
    let (status, login) = app
        .post_json("/api/v1/login", &serde_json::json!({"email": "ada@example.com", "password": PASSWORD}), None)
        .await;
    assert_eq!(status, 200);
    let (_, hours) = app.get_json("/api/v1/availability", login["token"].as_str()).await;
    assert_eq!(hours["timezone"], "America/New_York", "{hours}");
    assert_eq!(hours["weekly"]["mon"], serde_json::json!([["09:00", "17:00"]]));
}
