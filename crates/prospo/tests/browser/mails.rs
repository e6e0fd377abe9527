//! Mails as their reader sees them: a booking's HTML mail rendered in Chromium at phone and
//! desktop width (one column, no sideways scrolling, a Join Zoom meeting button).

use std::time::Duration;

use serde_json::json;

use crate::harness::{Browser, artifacts_dir};
use crate::support::{Backend, TestApp};

#[tokio::test]
async fn a_booking_mail_reads_well_on_a_phone() {
    let Some(browser) = Browser::start("mail_booked").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.bookable_host("ada", "Portfolio review", "review").await;
    let date = (jiff::Zoned::now().date() + jiff::Span::new().days(3)).to_string();
    let (_, slots) =
        app.get_json(&format!("/api/v1/public/ada/review/slots?from={date}&to={date}&timezone=UTC"), None).await;
    let start = slots["slots"][0].as_str().unwrap().to_owned();
    let booking = json!({"start": start, "name": "Sam Okafor", "email": "sam@example.com", "timezone": "UTC", "notes": "About the deck"});
    let (status, _) = app.post_json("/api/v1/public/ada/review/bookings", &booking, None).await;
    assert_eq!(status, 201);

    // The invitee's first mail, once it carries the Zoom link.
    const SQL: &str = "SELECT html_body FROM outbox WHERE kind = 'booked' AND recipient = 'sam@example.com' AND html_body LIKE '%Join Zoom meeting%'";
    let mut html = None;
    for _ in 0..100 {
        html = match &app.db {
            prospo::store::Db::Sqlite(pool) => sqlx::query_scalar::<_, String>(SQL).fetch_optional(pool).await.unwrap(),
            prospo::store::Db::Postgres(pool) => {
                sqlx::query_scalar::<_, String>(SQL).fetch_optional(pool).await.unwrap()
            }
        };
        if html.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let html = html.expect("the booking mail with its Zoom link");
    let file = artifacts_dir().join("mail-booked-invitee.html");
    std::fs::create_dir_all(artifacts_dir()).unwrap();
    std::fs::write(&file, &html).unwrap();
    browser.goto(&format!("file://{}", file.canonicalize().unwrap().display())).await;
    browser.wait_for("a").await;

    for (width, name) in [(390, "phone"), (1280, "desktop")] {
        browser.resize((width, 844)).await;
        browser.assert_no_horizontal_overflow(&format!("the mail at {width} px")).await;
        let button = browser
            .js("const a = [...document.querySelectorAll('a')].find(a => a.textContent === 'Join Zoom meeting'); \
                 if (!a) return null; const r = a.getBoundingClientRect(); const s = getComputedStyle(a); \
                 return {right: r.right, height: r.height, display: s.display, bg: s.backgroundColor, vw: innerWidth};")
            .await;
        assert!(button.is_object(), "a Join Zoom meeting button: {html}");
        assert_eq!(button["display"], "inline-block", "{button}");
        assert!(button["height"].as_f64().unwrap() >= 40.0, "big enough to tap: {button}");
        assert!(button["right"].as_f64().unwrap() <= button["vw"].as_f64().unwrap(), "{button}");
        let column = browser.js("return document.querySelector('table table').getBoundingClientRect().width;").await;
        assert!(column.as_f64().unwrap() <= 560.5, "one column, at most 560 px: {column}");
        browser.screenshot(&format!("mail-booked-{name}")).await;
    }
    let text = browser.body_text().await;
    assert!(text.contains("Portfolio review with ada"), "the invitee reads the host's name: {text}");
    assert!(!text.contains("Sam Okafor"), "not their own: {text}");
}
