//! Settings → Profile (bio, time zone, photo, a refused username) and the public profile it makes,
//! light and dark, at AA contrast, with screenshots at desktop and phone size.

use serde_json::json;

use crate::accounts::PASSWORD;
use crate::harness::Browser;
use crate::support::{Backend, TestApp};

#[tokio::test]
async fn profile_edit_then_open_the_public_profile() {
    let Some(browser) = Browser::start("profile_edit_then_open_the_public_profile").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.bookable_host("ada", "Intro call", "intro").await;
    let deep = json!({"title": "Project deep dive", "slug": "deep", "duration_minutes": 60, "location": "phone",
                      "description": "An hour on your project: goals, constraints, and what to build first. Bring your questions and any sketches you have."});
    assert_eq!(app.post_json("/api/v1/event-types", &deep, Some(&token)).await.0, 201);
    let hidden =
        json!({"title": "Board review", "slug": "board", "duration_minutes": 30, "location": "zoom", "hidden": true});
    assert_eq!(app.post_json("/api/v1/event-types", &hidden, Some(&token)).await.0, 201);
    let (status, _) = app.patch_json("/api/v1/me", &json!({"name": "Ada Lovelace"}), Some(&token)).await;
    assert_eq!(status, 200);

    browser.goto(&app.at("/login")).await;
    browser.fill("Email", "ada@example.com").await;
    browser.fill("Password", PASSWORD).await;
    browser.click_button("Log in").await;
    browser.wait_for("nav[aria-label='Main']").await;

    // The tab sits beside the other settings.
    browser.goto(&app.at("/settings/tokens")).await;
    browser.click_link("Profile").await;
    browser.wait_for_path("/settings/profile").await;
    assert_eq!(browser.text_of("h1").await, "Profile");
    assert_eq!(browser.value_of("Name").await, "Ada Lovelace");
    assert_eq!(browser.value_of("Username").await, "ada");

    // A refused username comes back beside its field, with what was typed.
    browser.fill("Username", "settings").await;
    browser.find("#bio").await.send_keys("Typed, not lost").await.unwrap();
    browser.click_button("Save profile").await;
    browser.wait_for_text("#username-error", "taken or reserved").await;
    assert_eq!(browser.value_of("Username").await, "settings");
    assert_eq!(browser.find("#bio").await.prop("value").await.unwrap().unwrap_or_default(), "Typed, not lost");
    assert_eq!(browser.focused().await, "input#username", "focus moves to the refused field");
    assert!(browser.dangling_aria_references().await.is_empty());
    browser.screenshots("profile-settings-error").await;

    // Bio and time zone.
    browser.fill("Username", "ada").await;
    let bio = browser.find("#bio").await;
    bio.clear().await.unwrap();
    bio.send_keys("Mathematician. I help teams turn ideas into working engines.").await.unwrap();
    browser.find("#timezone").await.select_by_value("Europe/Berlin").await.unwrap();
    browser.click_button("Save profile").await;
    browser.wait_for_text(".flash[role=status]", "Profile saved.").await;
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    assert_eq!(me["bio"], "Mathematician. I help teams turn ideas into working engines.");
    assert_eq!(me["timezone"], "Europe/Berlin");
    let zone = browser.find("#timezone").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(zone, "Europe/Berlin", "the saved zone is shown");

    // A photo, uploaded by the plain form.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ada.png");
    let picture = image::RgbImage::from_fn(480, 360, |x, y| image::Rgb([(x / 2) as u8, (y / 2) as u8, 160]));
    picture.save(&file).unwrap();
    browser.find("#photo").await.send_keys(file.to_str().unwrap()).await.unwrap();
    browser.click_button("Upload photo").await;
    browser.wait_for_text(".flash[role=status]", "Photo updated.").await;
    assert!(browser.exists("img.avatar").await, "the new photo is shown");
    browser.button("Remove photo").await;

    // Both themes: AA contrast and screenshots of the settings page and the public profile.
    let mut failures = Vec::new();
    for dark in [false, true] {
        browser.color_scheme(dark).await;
        let theme = if dark { "dark" } else { "light" };
        browser.goto(&app.at("/settings/profile")).await;
        browser.wait_for("#details-title").await;
        failures.extend(browser.contrast_failures().await.into_iter().map(|f| format!("{theme} settings: {f}")));
        browser.screenshots(&format!("profile-settings-{theme}")).await;
        browser.screenshots_at(&format!("profile-settings-details-{theme}"), "#details-title").await;
        browser.screenshots_at(&format!("profile-settings-password-{theme}"), "#password-title").await;
        browser.click_link("View your page").await;
        browser.wait_for_path("/ada").await;
        browser.wait_for(".event-card").await;
        failures.extend(browser.contrast_failures().await.into_iter().map(|f| format!("{theme} profile: {f}")));
        browser.screenshots(&format!("profile-public-{theme}")).await;
    }
    assert!(failures.is_empty(), "text below WCAG AA contrast:\n{}", failures.join("\n"));
    browser.color_scheme(false).await;

    // The public profile: photo, name, bio, the visible event types and nothing hidden.
    assert_eq!(browser.text_of("h1").await, "Ada Lovelace");
    assert!(browser.text_of(".profile-bio").await.contains("working engines"));
    assert!(browser.exists("img.avatar").await);
    let cards = browser.text_of(".event-cards").await;
    assert!(cards.contains("Intro call") && cards.contains("30 min · Zoom"), "{cards}");
    assert!(cards.contains("Project deep dive") && cards.contains("60 min · Phone call"), "{cards}");
    assert!(!cards.contains("Board review"), "a hidden event type is left off: {cards}");
    browser.phone().await;
    browser.assert_no_horizontal_overflow("public profile, phone").await;
    browser.desktop().await;
    browser.click(&browser.find("a.event-card[href='/ada/intro']").await, "the Intro call card").await;
    browser.wait_for_path("/ada/intro").await;
}
