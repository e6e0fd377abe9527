//! The public flow in each language, as invitees see it in Chromium: the page, the calendar the
//! script draws (month and weekday names, times), and a booking made on the German page, whose
//! confirmation and invitee mail are German. Screenshots of each, at desktop and phone size.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Browser, artifacts_dir};
use crate::support::{Backend, TestApp, message};

const LANGUAGES: [&str; 5] = ["en", "de", "fr", "es", "pt"];

/// The invitee's Booked mail once it is queued with its Zoom link: (subject, HTML).
async fn invitee_mail(app: &TestApp, email: &str) -> (String, String) {
    const SQL: &str =
        "SELECT subject, html_body FROM outbox WHERE kind = 'booked' AND recipient = $1 AND html_body LIKE '%/j/%'";
    for _ in 0..150 {
        let found: Option<(String, String)> = match &app.db {
            prospo::store::Db::Sqlite(pool) => sqlx::query_as(SQL).bind(email).fetch_optional(pool).await.unwrap(),
            prospo::store::Db::Postgres(pool) => sqlx::query_as(SQL).bind(email).fetch_optional(pool).await.unwrap(),
        };
        if let Some(found) = found {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no booked mail for {email}");
}

#[tokio::test]
async fn each_language_reads_as_its_own_and_a_german_booking_stays_german() {
    let Some(browser) = Browser::start("languages").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.bookable_host("ada", "Intro call", "intro").await;

    let mut english_month = String::new();
    for lang in LANGUAGES {
        browser.goto(&app.at(&format!("/ada/intro?lang={lang}&timezone=Europe/Berlin"))).await;
        browser.wait_for(".day-button").await;
        assert_eq!(browser.js("return document.documentElement.lang;").await, json!(lang));
        assert_eq!(browser.text_of("#pick-title").await, message(lang, "book-pick"), "{lang}");
        // The calendar the script draws is in the page's language too.
        let month = browser.text_of(".calendar-head h3").await;
        let weekday = browser.text_of(".calendar-grid .weekday").await;
        let status = browser.text_of("[data-slot-status]").await;
        if lang == "en" {
            english_month = month.clone();
            assert_eq!(weekday, "Mon");
        } else {
            assert_ne!(month, english_month, "{lang}: the month is named in the language");
            assert_ne!(weekday, "Mon", "{lang}");
        }
        // The status is the language's message, filled in by the script ("30 Tage mit freien …").
        let count: String = status.chars().take_while(char::is_ascii_digit).collect();
        let key = if count == "1" { "js-days-free-one" } else { "js-days-free-other" };
        let expected = message(lang, key).replace("{ $count }", &count).replace("{ $month }", &month);
        assert_eq!(status, expected, "{lang}");
        browser.click(&browser.find(".day-button").await, "a free day").await;
        let time = browser.wait_for(".time-button").await.text().await.unwrap();
        // English writes a 12-hour clock, the others 24-hour.
        assert_eq!(time.ends_with("AM") || time.ends_with("PM"), lang == "en", "{lang}: {time}");
        assert!(browser.contrast_failures().await.is_empty(), "{lang}: {:?}", browser.contrast_failures().await);
        browser.phone().await;
        browser.assert_no_horizontal_overflow(&format!("the {lang} booking page at 390 px")).await;
        browser.desktop().await;
        browser.screenshots(&format!("language-booking-{lang}")).await;
    }

    // Booking on the German page by clicking, as a German invitee would.
    browser.goto(&app.at("/ada/intro?lang=de&timezone=Europe/Berlin")).await;
    browser.wait_for(".day-button").await;
    browser.click(&browser.find(".day-button").await, "a free day").await;
    browser.click(&browser.wait_for(".time-button").await, "a free time").await;
    browser.fill(&message("de", "book-your-name"), "Lena Fischer").await;
    browser.fill(&message("de", "book-email"), "lena@example.com").await;
    browser.click_button(&message("de", "book-confirm")).await;
    browser.wait_for_text("#booking-title", &message("de", "manage-title-booked")).await;
    assert_eq!(browser.js("return document.documentElement.lang;").await, json!("de"));
    let when = browser.text_of("#booking-when").await;
    assert!(when.contains(" Uhr (Mitteleuropäische Zeit)"), "{when}");
    browser.screenshots("language-confirmation-de").await;
    browser.color_scheme(true).await;
    browser.screenshots("language-confirmation-de-dark").await;
    assert!(browser.contrast_failures().await.is_empty(), "{:?}", browser.contrast_failures().await);
    browser.color_scheme(false).await;

    // Their mail is German, rendered as they would read it.
    let (subject, html) = invitee_mail(&app, "lena@example.com").await;
    assert!(subject.starts_with("Gebucht: Intro call mit ada am "), "{subject}");
    let file = artifacts_dir().join("mail-booked-de.html");
    std::fs::create_dir_all(artifacts_dir()).unwrap();
    std::fs::write(&file, &html).unwrap();
    browser.goto(&format!("file://{}", file.canonicalize().unwrap().display())).await;
    browser.wait_for("a").await;
    let button: Value = browser
        .js("return [...document.querySelectorAll('a')].map(a => a.textContent).includes('Zoom-Meeting beitreten');")
        .await;
    assert_eq!(button, json!(true), "the German join button: {html}");
    assert_eq!(browser.js("return document.documentElement.lang;").await, json!("de"));
    for (width, name) in [(390, "phone"), (1280, "desktop")] {
        browser.resize((width, 844)).await;
        browser.assert_no_horizontal_overflow(&format!("the German mail at {width} px")).await;
        browser.screenshot(&format!("mail-booked-de-{name}")).await;
    }
    browser.desktop().await;

    // The other languages' manage pages and mails, for bookings sent with their `locale`.
    let date = (jiff::Zoned::now().date() + jiff::Span::new().days(9)).to_string();
    let (_, slots) = app
        .get_json(&format!("/api/v1/public/ada/intro/slots?from={date}&to={date}&timezone=America/Sao_Paulo"), None)
        .await;
    for (i, lang) in ["en", "fr", "es", "pt"].into_iter().enumerate() {
        let email = format!("{lang}@example.com");
        let booking = json!({"start": slots["slots"][i], "name": "Invitee", "email": email,
                             "timezone": "America/Sao_Paulo", "locale": lang});
        let (status, booked) = app.post_json("/api/v1/public/ada/intro/bookings", &booking, None).await;
        assert_eq!(status, 201, "{booked}");
        browser.goto(&app.at(&format!("/booking/{}", booked["manage_token"].as_str().unwrap()))).await;
        browser.wait_for("#booking-when").await;
        assert_eq!(browser.js("return document.documentElement.lang;").await, json!(lang));
        assert_eq!(browser.text_of("#booking-title").await, message(lang, "manage-title"), "{lang}");
        assert_eq!(browser.text_of("#reschedule-title").await, message(lang, "reschedule-title"), "{lang}");
        browser.screenshots(&format!("language-manage-{lang}")).await;

        let (subject, html) = invitee_mail(&app, &email).await;
        let booked_word = message(lang, "mail-booked-subject");
        let prefix = booked_word.split("{ $topic }").next().unwrap();
        assert!(subject.starts_with(prefix), "{lang}: {subject}");
        let file = artifacts_dir().join(format!("mail-booked-{lang}.html"));
        std::fs::write(&file, &html).unwrap();
        browser.goto(&format!("file://{}", file.canonicalize().unwrap().display())).await;
        browser.wait_for("a").await;
        assert_eq!(browser.js("return document.documentElement.lang;").await, json!(lang));
        let found = browser
            .client
            .execute(
                "return [...document.querySelectorAll('a')].map(a => a.textContent).includes(arguments[0]);",
                vec![json!(message(lang, "mail-join"))],
            )
            .await
            .unwrap();
        assert_eq!(found, json!(true), "{lang}: the join button reads {}", message(lang, "mail-join"));
        browser.resize((390, 844)).await;
        browser.assert_no_horizontal_overflow(&format!("the {lang} mail at 390 px")).await;
        browser.screenshot(&format!("mail-booked-{lang}-phone")).await;
        browser.desktop().await;
    }
}
