//! Every main page, light and dark, at WCAG AA contrast (computed styles in Chromium), with a
//! screenshot of each at desktop and phone size in `test-artifacts/`.

use serde_json::json;

use crate::accounts::PASSWORD;
use crate::harness::Browser;
use crate::support::{Backend, TestApp};

#[tokio::test]
async fn every_main_page_meets_aa_contrast_in_both_themes() {
    let Some(browser) = Browser::start("contrast").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.bookable_host("ada", "Intro call", "intro").await;
    let (_, types) = app.get_json("/api/v1/event-types", Some(&token)).await;
    let event = types["event_types"][0].clone();
    let date = (jiff::Zoned::now().date() + jiff::Span::new().days(3)).to_string();
    let (_, slots) =
        app.get_json(&format!("/api/v1/public/ada/intro/slots?from={date}&to={date}&timezone=UTC"), None).await;
    let booking =
        json!({"start": slots["slots"][0], "name": "Grace Hopper", "email": "grace@example.com", "timezone": "UTC"});
    let (_, booked) = app.post_json("/api/v1/public/ada/intro/bookings", &booking, None).await;
    let manage = booked["manage_token"].as_str().unwrap().to_owned();
    let meeting = booked["meeting"]["id"].as_str().unwrap().to_owned();
    let (_, team) =
        app.post_json("/api/v1/teams", &json!({"name": "Ada's team", "slug": "ada-team"}), Some(&token)).await;
    let team_event = json!({"title": "Team intro", "slug": "intro", "duration_minutes": 30, "location": "zoom",
                            "minimum_notice_minutes": 0, "scheduling": "round_robin"});
    let path = format!("/api/v1/teams/{}/event-types", team["id"].as_str().unwrap());
    assert_eq!(app.post_json(&path, &team_event, Some(&token)).await.0, 201);

    // (screenshot name, path)
    let public = [
        ("login", "/login".to_owned()),
        ("signup", "/signup".to_owned()),
        ("password-forgot", "/password/forgot".to_owned()),
        ("booking-page", "/ada/intro".to_owned()),
        ("booking-confirmed", format!("/booking/{manage}?booked=1")),
        ("booking-manage", format!("/booking/{manage}")),
        ("profile-public", "/ada".to_owned()),
        ("team-booking-page", "/team/ada-team/intro".to_owned()),
    ];
    let signed_in = [
        ("meetings", "/meetings".to_owned()),
        ("meetings-past", "/meetings?when=past".to_owned()),
        ("meeting-details", format!("/meetings/{meeting}")),
        ("meeting-new", "/meetings/new".to_owned()),
        ("event-types", "/event-types".to_owned()),
        ("event-type-new", "/event-types/new".to_owned()),
        ("event-type-edit", format!("/event-types/{}", event["id"].as_str().unwrap())),
        ("availability", "/availability".to_owned()),
        ("integrations", "/settings/integrations".to_owned()),
        ("recordings", "/recordings".to_owned()),
        ("tokens", "/settings/tokens".to_owned()),
        ("calendars", "/settings/calendars".to_owned()),
        ("profile", "/settings/profile".to_owned()),
        ("welcome", "/welcome".to_owned()),
        ("teams", "/teams".to_owned()),
        ("availability-busy-day", format!("/availability?busy_date={date}#busy-day")),
    ];
    let mut failures = Vec::new();
    for dark in [false, true] {
        browser.color_scheme(dark).await;
        let theme = if dark { "dark" } else { "light" };
        for (i, (name, path)) in public.iter().chain(signed_in.iter()).enumerate() {
            if i == public.len() {
                browser.goto(&app.at("/login")).await;
                browser.fill("Email", "ada@example.com").await;
                browser.fill("Password", PASSWORD).await;
                browser.click_button("Log in").await;
                browser.wait_for("nav[aria-label='Main']").await;
            }
            browser.goto(&app.at(path)).await;
            browser.wait_for("main").await;
            for problem in browser.contrast_failures().await {
                failures.push(format!("{theme} {path}: {problem}"));
            }
            browser.screenshots(&format!("theme-{theme}-{name}")).await;
        }
        // Log out for the next theme's public pages.
        browser.client.delete_all_cookies().await.unwrap();
    }
    assert!(failures.is_empty(), "text below WCAG AA contrast:\n{}", failures.join("\n"));
}
