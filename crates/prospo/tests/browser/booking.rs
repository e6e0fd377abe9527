//! Scheduling end to end in the browser, against the Zoom sandbox: the host sets availability and
//! creates a Zoom event type on the pages; an invitee in New York books on the public page by
//! keyboard, gets the join link without a reload, reschedules and cancels on the manage page; the
//! sandbox's meeting follows every step.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::Value;

use crate::accounts::PASSWORD;
use crate::harness::{Browser, WAIT};
use crate::support::{Backend, TestApp};

const INVITEE_ZONE: &str = "America/New_York";

pub async fn log_in(browser: &Browser, app: &TestApp, email: &str) {
    browser.goto(&app.at("/login")).await;
    browser.fill("Email", email).await;
    browser.fill("Password", PASSWORD).await;
    browser.click_button("Log in").await;
    browser.wait_for_path("/meetings").await;
}

async fn select(browser: &Browser, css: &str, value: &str) {
    let select = browser.wait_for(css).await;
    select.select_by_value(value).await.unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
}

async fn sandbox_meetings(app: &TestApp, user_id: &str) -> Vec<Value> {
    let url = format!("{}/_sandbox/meetings?user_id={user_id}", app.zoom.url);
    app.client.get(url).send().await.unwrap().json().await.unwrap()
}

/// Waits until the sandbox's meetings for `user_id` satisfy `done`.
async fn wait_for_sandbox(app: &TestApp, user_id: &str, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + WAIT * 2;
    loop {
        let meetings = sandbox_meetings(app, user_id).await;
        if done(&meetings) {
            return meetings;
        }
        assert!(Instant::now() < deadline, "the sandbox never showed {what}: {meetings:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn start_of(meeting: &Value) -> jiff::Timestamp {
    meeting["start_time"].as_str().unwrap().parse().unwrap()
}

/// Presses Tab until the element matching `css` has focus (at most `limit` times).
async fn tab_to(browser: &Browser, css: &str, limit: usize) {
    for _ in 0..limit {
        let found = browser
            .client
            .execute("return document.activeElement && document.activeElement.matches(arguments[0]);", vec![css.into()])
            .await
            .unwrap();
        if found == Value::Bool(true) {
            return;
        }
        browser.press(Key::Tab).await;
    }
    panic!("Tab never reached {css}; focus is on {}", browser.focused().await);
}

/// Waits for the calendar to finish loading, then moves to the next month if the day is not in this one.
pub async fn show_day(browser: &Browser, day_css: &str) {
    let deadline = Instant::now() + WAIT;
    let idle = "const c = document.querySelector('[data-calendar]'); \
                return !!c && !c.hasAttribute('aria-busy') && !!c.querySelector('.calendar-grid');";
    while browser.js(idle).await != Value::Bool(true) {
        assert!(Instant::now() < deadline, "the calendar never loaded: {}", browser.body_text().await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !browser.exists(day_css).await {
        browser.click(&browser.find("button[aria-label='Next month']").await, "Next month").await;
    }
    browser.wait_for(day_css).await;
}

async fn value(browser: &Browser, css: &str) -> String {
    browser.find(css).await.prop("value").await.unwrap().unwrap_or_default()
}

#[tokio::test]
async fn host_sets_up_and_an_invitee_books_reschedules_and_cancels() {
    let Some(host) = Browser::start("booking_host").await else { return };
    let Some(invitee) = Browser::start("booking_invitee").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    let zoom = app.connect_zoom(&token).await;
    let zoom_user = zoom["user_id"].as_str().unwrap().to_owned();

    // The host lands on Meetings, empty.
    log_in(&host, &app, "ada@example.com").await;
    host.wait_for_text(".empty", "No upcoming meetings").await;
    host.screenshots("meetings-empty").await;

    // Availability: Europe/Berlin, Monday's 09:00–17:00 copied to every day.
    host.click_link("Availability").await;
    host.wait_for_path("/availability").await;
    select(&host, "#timezone", "Europe/Berlin").await;
    // Typed as people type them: "9am", "5pm".
    host.fill("Monday from", "9am").await;
    host.fill("Monday until", "5pm").await;
    host.click_button("Copy Monday to all days").await;
    host.screenshots("availability").await;
    host.click_button("Save availability").await;
    host.wait_for_text(".flash", "availability is saved").await;
    let (_, saved) = app.get_json("/api/v1/availability", Some(&token)).await;
    assert_eq!(saved["timezone"], "Europe/Berlin");
    for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        assert_eq!(saved["weekly"][day], serde_json::json!([["09:00", "17:00"]]), "{day}: {saved}");
    }

    // A reversed interval comes back as typed with the error beside its day.
    host.fill("Sunday from", "18:00").await;
    host.click_button("Save availability").await;
    host.wait_for_text("#availability-error", "Sunday: 18:00–17:00 ends before it starts").await;
    assert_eq!(host.value_of("Sunday from").await, "18:00");
    assert!(host.exists(".day[data-day=sun].has-error").await, "the error is marked on Sunday");
    host.screenshots("availability-error").await;

    // Event types: empty, then a Zoom event type with no notice; a bad link is refused first.
    host.click_link("Event types").await;
    host.wait_for_text(".empty", "No event types yet").await;
    host.screenshots("event-types-empty").await;
    let new_event_type = host.find(".empty").await.find(Locator::LinkText("New event type")).await.unwrap();
    host.click(&new_event_type, "New event type").await;
    host.wait_for_path("/event-types/new").await;
    assert_eq!(host.value_of("Duration (minutes)").await, "30", "the default duration shows");
    assert_eq!(host.value_of("Minimum notice").await, "4", "the default notice shows, in hours");
    assert_eq!(value(&host, "#minimum_notice_unit").await, "hours");
    assert!(!host.find("[data-location-detail]").await.is_displayed().await.unwrap(), "no location detail for Zoom");
    host.fill("Link", "portfolio-review").await;
    assert_eq!(host.text_of("[data-slug-preview]").await, "portfolio-review", "the link preview follows the slug");
    host.fill("Link", "intro").await;
    assert_eq!(host.value_of("Booking window (days ahead)").await, "60", "the default window shows");
    host.fill("Title", "Intro call").await;
    host.fill("Link", "Intro Call!").await;
    host.fill("Minimum notice", "0").await;
    host.click_button("Create event type").await;
    host.wait_for_text("#slug-error", "lower-case letters").await;
    assert_eq!(host.value_of("Title").await, "Intro call", "typed values stay");
    assert_eq!(host.value_of("Minimum notice").await, "0", "typed values stay");
    host.screenshots("event-type-form-error").await;
    host.fill("Link", "intro").await;
    // Reminders: 24 hours and 1 hour before unless changed; add one 15 minutes before.
    assert!(
        host.exists("input[name=reminder_1440]:checked").await && host.exists("input[name=reminder_60]:checked").await
    );
    assert!(!host.exists("input[name=reminder_15]:checked").await);
    host.click(&host.find("input[name=reminder_15]").await, "the 15-minute reminder").await;
    host.screenshots_at("event-type-reminders", "#reminders-help").await;
    host.click_button("Create event type").await;
    host.wait_for_text(".flash", "“Intro call” is saved").await;
    let (_, types) = app.get_json("/api/v1/event-types", Some(&token)).await;
    assert_eq!(types["event_types"][0]["reminder_minutes"], serde_json::json!([1440, 60, 15]), "{types}");
    let link = value(&host, ".copy-row input").await;
    assert!(link.ends_with("/ada/intro"), "{link}");
    host.screenshots("event-types").await;

    // The invitee opens the booking page and reads times in New York.
    invitee.goto(&app.at("/ada/intro")).await;
    invitee.wait_for_text("#event-title", "Intro call").await;
    select(&invitee, "#book-form-timezone", INVITEE_ZONE).await;
    let target = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get(INVITEE_ZONE).unwrap())
        .date()
        .checked_add(jiff::Span::new().days(7))
        .unwrap()
        .to_string();
    let day_css = format!(".day-button[data-date='{target}']");
    show_day(&invitee, &day_css).await;
    invitee.screenshots("booking-page").await;

    // Keyboard: Tab from the zone picker to the day, Enter; the first time gets focus, Enter.
    // The days are one Tab stop; arrow keys move between them (the ARIA date-grid pattern).
    invitee.js("document.querySelector('#book-form-timezone').focus();").await;
    tab_to(&invitee, ".day-button[tabindex='0']", 60).await;
    let stops = invitee.js("return document.querySelectorAll(\".day-button[tabindex='0']\").length;").await;
    assert_eq!(stops, Value::from(1), "one Tab stop for the whole month");
    let ring = invitee.js("return getComputedStyle(document.activeElement).outlineWidth;").await;
    assert_eq!(ring, Value::from("3px"), "the focused day shows a strong ring");
    for _ in 0..40 {
        let date = invitee.js("return document.activeElement.dataset.date || '';").await;
        if date.as_str() == Some(target.as_str()) {
            break;
        }
        invitee.press(Key::Right).await;
    }
    let on = invitee.js("return document.activeElement.dataset.date || '';").await;
    assert_eq!(on.as_str(), Some(target.as_str()), "ArrowRight reaches the day");
    invitee.press(Key::Enter).await;
    invitee.wait_for(".time-button").await;
    tab_to(&invitee, ".time-button", 5).await;
    let first_time = invitee.find(".time-button").await;
    let chosen = first_time.attr("data-start").await.unwrap().unwrap();
    invitee.press(Key::Enter).await;
    invitee.wait_for_text("[data-picked-text]", "(Eastern Time)").await;
    assert_eq!(invitee.focused().await, "input#name", "after picking a time the name field has focus");
    assert!(chosen.starts_with(&target) && (chosen.ends_with("-05:00") || chosen.ends_with("-04:00")), "{chosen}");
    invitee.fill("Your name", "Grace Hopper").await;
    invitee.fill("Email", "grace@example.com").await;
    invitee.screenshots("booking-form").await;
    invitee.click_button("Confirm").await;

    // The confirmation: the time in New York, then the join link without a reload.
    invitee.wait_for_text("#booking-title", "You are booked").await;
    let chosen_at: jiff::Timestamp = chosen.parse().unwrap();
    let expected = prospo::i18n::when(
        prospo::i18n::Locale::En,
        chosen_at.as_millisecond(),
        chosen_at.as_millisecond() + 30 * 60_000,
        Some(INVITEE_ZONE),
    );
    assert_eq!(invitee.text_of("#booking-when").await, expected);
    assert!(expected.ends_with("(Eastern Time)"), "the zone by its common name: {expected}");
    invitee.js("window.__sameDocument = true;").await;
    let join = invitee.wait_for("#join-link").await;
    let join_url = join.attr("href").await.unwrap().unwrap();
    assert!(join_url.starts_with(&app.zoom.url) || join_url.contains("/j/"), "a sandbox join link: {join_url}");
    assert_eq!(invitee.js("return window.__sameDocument === true;").await, Value::Bool(true), "no reload");
    assert!(!invitee.body_text().await.contains("start_url"), "no start link for invitees");
    invitee.screenshots("booking-confirmed").await;
    // A calm confirmation: a Join button, where the invitation went, calendar links, and the
    // changes behind the private link rather than open on the page.
    assert_eq!(invitee.text_of("#join-link").await, "Join Zoom meeting");
    let body = invitee.body_text().await;
    assert!(body.contains("An invitation was sent to grace@example.com"), "{body}");
    assert!(!invitee.exists("#reschedule").await && !invitee.exists("#cancel-title").await, "no open change forms");
    invitee.link("Reschedule or cancel").await;
    let opened = |label: &'static str| {
        let (invitee, app) = (&invitee, &app);
        async move {
            let href = invitee.link(label).await.attr("href").await.unwrap().unwrap();
            let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let answer = client.get(app.at(&href)).send().await.unwrap();
            assert!(answer.status().is_redirection(), "{label}: {}", answer.status());
            answer.headers()["location"].to_str().unwrap().to_owned()
        }
    };
    let google = opened("Google").await;
    let dates = format!(
        "{}/{}",
        chosen_at.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y%m%dT%H%M%SZ"),
        (chosen_at + jiff::SignedDuration::from_mins(30)).to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y%m%dT%H%M%SZ")
    );
    let google_url = url::Url::parse(&google).unwrap();
    let query: std::collections::HashMap<_, _> = google_url.query_pairs().into_owned().collect();
    assert_eq!(google_url.host_str(), Some("calendar.google.com"));
    assert_eq!(query["dates"], dates);
    assert_eq!(query["text"], "Intro call with ada", "the invitee reads the host's name");
    assert!(query["details"].contains(&join_url), "{google}");
    let outlook = opened("Outlook").await;
    assert!(outlook.starts_with("https://outlook.live.com/calendar/"), "{outlook}");
    let manage_path = invitee.path().await;
    let manage_token = manage_path.trim_start_matches("/booking/").to_owned();

    let in_zoom = wait_for_sandbox(&app, &zoom_user, "the booked meeting", |m| m.len() == 1).await;
    assert_eq!(start_of(&in_zoom[0]), chosen_at, "the Zoom meeting is at the booked instant");
    let zoom_id = in_zoom[0]["id"].as_i64();

    // Add to calendar: an .ics with the meeting's UID and UTC times.
    let ics = app.client.get(app.at(&format!("/booking/{manage_token}/calendar.ics"))).send().await.unwrap();
    assert_eq!(ics.headers()["content-type"], "text/calendar; charset=utf-8");
    let ics = ics.text().await.unwrap();
    assert!(ics.contains("BEGIN:VEVENT\r\n") && ics.contains("@prospo\r\n"), "{ics}");
    let dtstart = chosen_at.to_zoned(jiff::tz::TimeZone::UTC).strftime("DTSTART:%Y%m%dT%H%M%SZ").to_string();
    assert!(ics.contains(&dtstart), "{ics}");

    // The host sees the booking with its Zoom link ready, and its details.
    host.click_link("Meetings").await;
    host.wait_for_text(".zoom-state", "Zoom link ready").await;
    host.wait_for_text(".item-meta", "grace@example.com").await;
    host.screenshots("meetings").await;
    host.click_link("Details of Intro call with Grace Hopper").await;
    host.wait_for_text("#zoom-title", "Zoom meeting").await;
    host.button("Start").await;
    host.screenshots("meeting-details").await;
    host.goto(&app.at("/meetings/new")).await;
    host.wait_for("#topic").await;
    host.screenshots("meeting-new").await;

    // Reschedule on the manage page: another time that day; the same Zoom meeting moves.
    invitee.goto(&app.at(&manage_path)).await;
    show_day(&invitee, &day_css).await;
    invitee.click(&invitee.find(&day_css).await, &day_css).await;
    let times = invitee.client.find_all(Locator::Css(".time-button")).await.unwrap();
    assert!(times.len() >= 2, "several times that day");
    let moved = times[1].attr("data-start").await.unwrap().unwrap();
    invitee.click(&times[1], "the second time").await;
    invitee.screenshots("booking-manage").await;
    invitee.click_button("Reschedule to this time").await;
    invitee.wait_for_text(".flash", "Your booking moved").await;
    let moved_at: jiff::Timestamp = moved.parse().unwrap();
    let in_zoom =
        wait_for_sandbox(&app, &zoom_user, "the moved meeting", |m| m.len() == 1 && start_of(&m[0]) == moved_at).await;
    assert_eq!(in_zoom[0]["id"].as_i64(), zoom_id, "the same Zoom meeting");
    invitee.goto(&app.at(&manage_path)).await;
    assert_eq!(invitee.find("#join-link").await.attr("href").await.unwrap().unwrap(), join_url, "same join link");

    // Cancel, after a confirmation; the Zoom meeting goes.
    invitee.click(&invitee.find("summary").await, "the cancel disclosure").await;
    invitee.find("textarea#reason").await.send_keys("Something came up").await.unwrap();
    invitee.click_button("Yes, cancel the booking").await;
    invitee.wait_for_text("#booking-title", "This booking is cancelled").await;
    invitee.screenshots("booking-cancelled").await;
    wait_for_sandbox(&app, &zoom_user, "no meeting", <[Value]>::is_empty).await;

    host.goto(&app.at("/meetings?when=cancelled")).await;
    host.wait_for_text(".zoom-state", "Cancelled").await;
    assert_eq!(host.text_of("nav.tabs a[aria-current=page]").await, "Cancelled");
    host.screenshots("meetings-cancelled").await;
    host.goto(&app.at("/meetings")).await;
    host.wait_for_text(".empty", "No upcoming meetings").await;
}

#[tokio::test]
async fn booking_page_without_zoom_says_so_and_unknown_pages_are_404() {
    let Some(browser) = Browser::start("booking_page_without_zoom").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("bob").await;
    let event = serde_json::json!({"title": "Intro call", "slug": "intro", "duration_minutes": 30, "location": "zoom"});
    let (status, body) = app.post_json("/api/v1/event-types", &event, Some(&token)).await;
    assert_eq!(status, 201, "{body}");

    browser.goto(&app.at("/bob/intro")).await;
    // The invitee is told the times cannot be booked, not about the host's Zoom setup.
    let alert = browser.wait_for_text(".alert", "These times cannot be booked right now").await;
    assert!(!alert.contains("Zoom"), "{alert}");
    assert!(!browser.exists("[data-slot-picker]").await, "no calendar when nothing can be booked");
    browser.screenshots("booking-page-no-zoom").await;

    browser.goto(&app.at("/bob/nothing-here")).await;
    browser.wait_for_text("h1", "Page not found").await;
    let response = app.client.get(app.at("/nobody/intro")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let response = app.client.get(app.at("/api/nothing")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("\"not_found\""), "API paths answer in JSON");
    for path in ["/static/style.css", "/settings/integrations", "/api/openapi.json", "/event-types"] {
        let response = app.client.get(app.at(path)).send().await.unwrap();
        assert!(response.status().is_success() || response.status().is_redirection(), "{path}: {}", response.status());
    }

    // The no-JavaScript path of the booking page: a list of times in a form (here: none offered).
    let page = app.client.get(app.at("/bob/intro")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("These times cannot be booked right now") && !page.contains("connected Zoom"));
}

/// Without JavaScript: the booking page offers times as radio buttons in its form, booking and a
/// taken slot work by form posts, and the host schedules a meeting with the New meeting form.
#[tokio::test]
async fn pages_work_without_javascript() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("cyd").await;
    app.connect_zoom(&token).await;
    let hours = serde_json::json!([["09:00", "17:00"]]);
    let weekly = serde_json::json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": hours, "sun": hours});
    let (status, body) = app
        .put_json("/api/v1/availability", &serde_json::json!({"timezone": "UTC", "weekly": weekly}), Some(&token))
        .await;
    assert_eq!(status, 200, "{body}");
    let event = serde_json::json!({"title": "Intro call", "slug": "intro", "duration_minutes": 30, "location": "zoom", "minimum_notice_minutes": 0});
    let (status, body) = app.post_json("/api/v1/event-types", &event, Some(&token)).await;
    assert_eq!(status, 201, "{body}");
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let page = client.get(app.at("/cyd/intro?timezone=America/New_York")).send().await.unwrap().text().await.unwrap();
    let marker = "name=\"start\" value=\"";
    let at = page.find(marker).expect("times as radio buttons") + marker.len();
    let start = page[at..].split('"').next().unwrap().to_owned();
    assert!(start.ends_with("-05:00") || start.ends_with("-04:00"), "times in the invitee's zone: {start}");
    let form = |email: &str| {
        vec![
            ("start", start.clone()),
            ("timezone", INVITEE_ZONE.to_owned()),
            ("name", "Ned".to_owned()),
            ("email", email.to_owned()),
            ("notes", String::new()),
        ]
    };
    let booked = client.post(app.at("/cyd/intro")).form(&form("ned@example.com")).send().await.unwrap();
    assert_eq!(booked.status(), 303);
    let manage = booked.headers()["location"].to_str().unwrap().to_owned();
    assert!(manage.starts_with("/booking/"), "{manage}");
    let taken = client.post(app.at("/cyd/intro")).form(&form("other@example.com")).send().await.unwrap();
    assert_eq!(taken.status(), 409);
    assert!(taken.text().await.unwrap().contains("This time was just taken. Please pick another one."));
    let invalid = client.post(app.at("/cyd/intro")).form(&form("not-an-email")).send().await.unwrap();
    assert_eq!(invalid.status(), 422);
    assert!(invalid.text().await.unwrap().contains("id=\"email-error\""), "the error sits under the email field");
    let confirmation = client.get(app.at(&manage)).send().await.unwrap().text().await.unwrap();
    assert!(confirmation.contains("(Eastern Time)"), "{confirmation}");
    assert!(!confirmation.contains("start_url") && !confirmation.contains("/s/"), "no start link for invitees");

    // The host logs in and schedules a meeting directly.
    let login = [("email", "cyd@example.com"), ("password", PASSWORD), ("next", "/meetings")];
    let response = client.post(app.at("/login")).form(&login).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let next_week = jiff::Zoned::now().date().checked_add(jiff::Span::new().days(7)).unwrap();
    let new_meeting = [
        ("topic", "Quarterly review".to_owned()),
        ("start", format!("{next_week}T10:00")),
        ("timezone", "Europe/Berlin".to_owned()),
        ("duration_minutes", "45".to_owned()),
        ("invitees", "a@example.com, b@example.com".to_owned()),
        ("zoom_waiting_room", "on".to_owned()),
        ("zoom_auto_recording", "cloud".to_owned()),
    ];
    let created = client.post(app.at("/meetings")).form(&new_meeting).send().await.unwrap();
    assert_eq!(created.status(), 303, "{}", created.text().await.unwrap());
    let details = created.headers()["location"].to_str().unwrap().to_owned();
    let page = client.get(app.at(&details)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Quarterly review") && page.contains("b@example.com"), "{page}");
    // Typed in Berlin (UTC+1 in winter, +2 in summer); shown in the host's zone, UTC here.
    assert!(page.contains("09:00 – 09:45 UTC") || page.contains("08:00 – 08:45 UTC"), "{page}");
    let mut bad = new_meeting.to_vec();
    bad[3] = ("duration_minutes", "2".to_owned());
    let refused = client.post(app.at("/meetings")).form(&bad).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains("id=\"duration_minutes-error\"") && text.contains("Quarterly review"),
        "error under the field, values kept"
    );
}

/// Date overrides typed on the Availability page are saved and shown again; a row with hours but
/// no date (a date the browser could not read) is refused and kept, never silently dropped; a
/// Closed date's hours cannot be typed; no blank row waits by default.
#[tokio::test]
async fn date_overrides_typed_on_the_page_are_kept() {
    let Some(host) = Browser::start("overrides").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    log_in(&host, &app, "ada@example.com").await;
    host.goto(&app.at("/availability")).await;
    host.wait_for_path("/availability").await;
    assert!(!host.exists(".overrides .override").await, "no blank override row by default");
    let row = |n: usize, part: &str| format!(".overrides .override:nth-child({n}) [name$='.{part}']");
    let set = |css: String, value: &'static str| {
        let host = &host;
        async move {
            let script = format!(
                "const e = document.querySelector(\"{css}\"); e.value = '{value}'; \
                 e.dispatchEvent(new Event('input', {{bubbles: true}})); e.dispatchEvent(new Event('change', {{bubbles: true}}));"
            );
            host.js(&script).await;
        }
    };
    let disabled = |css: String| {
        let host = &host;
        async move { host.js(&format!("return document.querySelector(\"{css}\").disabled;")).await == Value::Bool(true) }
    };
    host.click_button("+ Add a date override").await;
    set(row(1, "date"), "2031-12-24").await;
    assert!(disabled(row(1, "start")).await, "a Closed date's From is switched off");
    host.click_button("+ Add a date override").await;
    set(row(2, "date"), "2031-12-28").await;
    set(row(2, "kind"), "hours").await;
    assert!(!disabled(row(2, "start")).await, "Other hours can be typed");
    host.find(&row(2, "start")).await.send_keys("10:00").await.unwrap();
    host.find(&row(2, "end")).await.send_keys("12:00").await.unwrap();
    host.click_button("+ Add a date override").await;
    set(row(3, "kind"), "hours").await;
    host.find(&row(3, "start")).await.send_keys("13:00").await.unwrap();
    host.find(&row(3, "end")).await.send_keys("14:00").await.unwrap();
    host.click_button("Save availability").await;
    host.wait_for_text("#availability-error", "has hours but no date").await;
    let (_, saved) = app.get_json("/api/v1/availability", Some(&token)).await;
    assert_eq!(saved["overrides"], serde_json::json!([]), "nothing saved while a row is refused: {saved}");
    let mut kept = Vec::new();
    for n in 1..=3 {
        kept.push(value(&host, &row(n, "start")).await);
    }
    assert_eq!(kept, ["", "10:00", "13:00"], "every row comes back as typed");

    host.click(&host.find(".overrides .override:nth-child(3) [data-remove-row]").await, "Remove").await;
    host.screenshots("availability-overrides").await;
    host.click_button("Save availability").await;
    host.wait_for_text(".flash", "availability is saved").await;
    let (_, saved) = app.get_json("/api/v1/availability", Some(&token)).await;
    assert_eq!(
        saved["overrides"],
        serde_json::json!([{"date": "2031-12-24", "intervals": []}, {"date": "2031-12-28", "intervals": [["10:00", "12:00"]]}]),
        "{saved}"
    );
    assert_eq!(value(&host, &row(1, "date")).await, "2031-12-24");
    assert_eq!(value(&host, &row(2, "date")).await, "2031-12-28");
}

/// Booking-form errors are shown all at once beside their fields, before anything is sent, with
/// the focus on the first; the server says the same when the page's script is not there.
#[tokio::test]
async fn booking_form_errors_show_together_beside_their_fields() {
    let Some(invitee) = Browser::start("booking_form_errors").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.bookable_host("ada", "Intro call", "intro").await;

    invitee.goto(&app.at("/ada/intro")).await;
    invitee.wait_for_text("#event-title", "Intro call").await;
    let target = (jiff::Zoned::now().date() + jiff::Span::new().days(3)).to_string();
    let day_css = format!(".day-button[data-date='{target}']");
    show_day(&invitee, &day_css).await;
    invitee.click(&invitee.find(&day_css).await, "the day").await;
    invitee.wait_for(".time-button").await;
    invitee.click(&invitee.find(".time-button").await, "the first time").await;
    invitee.wait_for("[data-picked-text]").await;
    invitee.fill("Email", "not-an-address").await;
    invitee.click_button("Confirm").await;

    let name_error = invitee.wait_for_text("#name-error", "Enter your name").await;
    let email_error = invitee.wait_for_text("#email-error", "Enter an email address").await;
    assert!(!name_error.is_empty() && !email_error.is_empty());
    assert_eq!(invitee.focused().await, "input#name", "the first problem has the focus");
    assert_eq!(invitee.path().await, "/ada/intro", "nothing was sent");
    assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 0);
    invitee.screenshots("booking-form-errors").await;

    // Fixed, it books.
    invitee.fill("Your name", "Grace Hopper").await;
    invitee.fill("Email", "grace@example.com").await;
    invitee.click_button("Confirm").await;
    invitee.wait_for_text("#booking-title", "You are booked").await;

    // Without the script the server answers every problem at once too.
    let form = [("start", ""), ("timezone", "UTC"), ("name", ""), ("email", "nope"), ("notes", "")];
    let page = app.client.post(app.at("/ada/intro")).form(&form).send().await.unwrap();
    assert_eq!(page.status(), 422);
    let page = page.text().await.unwrap();
    for message in ["Pick a day and a time first.", "Enter your name", "Enter an email address like"] {
        assert!(page.contains(message), "{message} missing");
    }
}

/// Each day's Open switch closes it (its hours go) or opens it with 09:00–17:00.
#[tokio::test]
async fn availability_days_switch_open_and_closed() {
    let Some(host) = Browser::start("availability_day_switch").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    log_in(&host, &app, "ada@example.com").await;
    host.goto(&app.at("/availability")).await;
    host.wait_for(".day[data-day=mon] [data-day-open]:checked").await;
    assert!(!host.exists(".day[data-day=sat] [data-day-open]:checked").await, "Saturday starts closed");
    host.click(&host.find(".day[data-day=mon] [data-day-open]").await, "Monday's switch").await;
    assert!(!host.exists(".day[data-day=mon] .interval").await, "Monday's hours go");
    host.click(&host.find(".day[data-day=sat] [data-day-open]").await, "Saturday's switch").await;
    assert_eq!(host.value_of("Saturday from").await, "09:00");
    // Two mistakes at once: both are marked, beside their days.
    host.fill("Tuesday from", "18:00").await;
    host.fill("Wednesday from", "25:00").await;
    host.click_button("Save availability").await;
    host.wait_for_text("#availability-error", "2 problems").await;
    assert!(host.exists(".day[data-day=tue].has-error .error-text").await, "Tuesday is marked");
    assert!(host.exists(".day[data-day=wed].has-error .error-text").await, "Wednesday is marked");
    assert_eq!(host.value_of("Wednesday from").await, "25:00", "typed values stay");
    host.fill("Tuesday from", "9am").await;
    host.fill("Wednesday from", "9am").await;
    host.click_button("Save availability").await;
    host.wait_for_text(".flash", "availability is saved").await;
    let (_, saved) = app.get_json("/api/v1/availability", Some(&token)).await;
    assert!(saved["weekly"].get("mon").is_none(), "{saved}");
    assert_eq!(saved["weekly"]["sat"], serde_json::json!([["09:00", "17:00"]]), "{saved}");
    assert_eq!(saved["weekly"]["tue"], serde_json::json!([["09:00", "17:00"]]), "{saved}");
}

/// The zone picker names zones as people know them, with offset and local time; a search narrows
/// it; changing the zone keeps the picked day; times read in the viewer's clock (12-hour in en-US).
#[tokio::test]
async fn the_zone_picker_is_searchable_and_keeps_the_picked_day() {
    let Some(invitee) = Browser::start("zone_picker").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.bookable_host("ada", "Intro call", "intro").await;
    invitee.goto(&app.at("/ada/intro")).await;
    invitee.wait_for_text("#event-title", "Intro call").await;
    select(&invitee, "#book-form-timezone", INVITEE_ZONE).await;
    let label = invitee
        .js("return document.querySelector(\"#book-form-timezone option[value='America/New_York']\").textContent;")
        .await;
    let label = label.as_str().unwrap_or_default().to_owned();
    assert!(
        label.starts_with("Eastern Time – New York · UTC−5 · ")
            || label.starts_with("Eastern Time – New York · UTC−4 · "),
        "{label}"
    );
    assert!(label.ends_with("AM") || label.ends_with("PM"), "the time there now, in the viewer's clock: {label}");
    let target = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get(INVITEE_ZONE).unwrap())
        .date()
        .checked_add(jiff::Span::new().days(7))
        .unwrap()
        .to_string();
    let day_css = format!(".day-button[data-date='{target}']");
    show_day(&invitee, &day_css).await;
    invitee.click(&invitee.find(&day_css).await, "the day").await;
    let first = invitee.wait_for(".time-button").await.text().await.unwrap();
    assert!(first.ends_with(" AM") || first.ends_with(" PM"), "12-hour times for en-US: {first}");
    invitee.screenshots("zone-picker").await;

    invitee.click(&invitee.find("input.zone-search").await, "the zone search").await;
    invitee.type_text("tokyo").await;
    let visible = invitee
        .js("return [...document.querySelectorAll('#book-form-timezone option')].filter(o => !o.hidden).length;")
        .await;
    assert!(visible.as_i64().is_some_and(|n| (1..=3).contains(&n)), "the search narrows the list: {visible}");
    invitee.press(Key::Enter).await;
    let zone = invitee.js("return document.querySelector('#book-form-timezone').value;").await;
    assert_eq!(zone, Value::from("Asia/Tokyo"));
    show_day(&invitee, &day_css).await;
    let pressed = invitee.wait_for(".day-button[aria-pressed='true']").await.attr("data-date").await.unwrap();
    assert_eq!(pressed.as_deref(), Some(target.as_str()), "the picked day stays picked");
    invitee.wait_for(".time-button").await;
}
