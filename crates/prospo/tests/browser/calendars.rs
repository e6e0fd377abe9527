//! Settings → Calendars in the browser against a real Radicale: add a CalDAV account, choose the
//! calendars, a busy event blocks its time on the booking page, the booking appears in Radicale
//! with its join link, moves with a reschedule and goes with a cancel.

use std::time::{Duration, Instant};

use calendars::test_servers::{Kind, PASSWORD, TestServer, USER};
use fantoccini::Locator;
use jiff::ToSpan;
use serde_json::Value;

use crate::harness::{Browser, WAIT};
use crate::support::{Backend, TestApp};

fn tomorrow() -> jiff::civil::Date {
    jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).date().checked_add(1.day()).unwrap()
}

fn at(hh: i8) -> jiff::Timestamp {
    tomorrow().at(hh, 0, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp()
}

fn ics_utc(t: jiff::Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Waits until the booking's event in Radicale satisfies `done` (GET status, body).
async fn wait_for_event(server: &TestServer, url: &url::Url, what: &str, done: impl Fn(u16, &str) -> bool) -> String {
    let deadline = Instant::now() + WAIT * 2;
    loop {
        let (status, body) = server.raw("GET", url, &[], None).await.unwrap();
        if done(status, &body) {
            return body.replace("\r\n ", "");
        }
        assert!(Instant::now() < deadline, "Radicale never showed {what}: {status} {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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

#[tokio::test]
async fn a_host_connects_radicale_and_bookings_follow_into_the_calendar() {
    host_connects_caldav(Kind::Radicale).await;
}

#[tokio::test]
async fn a_host_connects_xandikos_and_bookings_follow_into_the_calendar() {
    host_connects_caldav(Kind::Xandikos).await;
}

async fn host_connects_caldav(kind: Kind) {
    let name = kind.name().to_ascii_lowercase();
    let Some(host) = Browser::start(&format!("calendars_host_{name}")).await else { return };
    let Some(invitee) = Browser::start(&format!("calendars_invitee_{name}")).await else { return };
    let Some(server) = TestServer::from_env(kind) else { return };
    // Screenshots once, of the Radicale run.
    let shoot = kind == Kind::Radicale;
    let work = server.mkcalendar("work", "Work", Some("#2563EBFF")).await.unwrap();
    server.mkcalendar("personal", "Personal", Some("#16A34AFF")).await.unwrap();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.bookable_host("ada", "Call", "call").await;

    crate::booking::log_in(&host, &app, "ada@example.com").await;
    host.goto(&app.at("/settings/integrations")).await;
    host.click_link("Calendars").await;
    host.wait_for_path("/settings/calendars").await;
    host.wait_for_text(".empty", "No calendar connected yet").await;
    assert_eq!(host.value_of("Server address").await, "https://caldav.icloud.com/", "iCloud is the first preset");
    if shoot {
        host.screenshots("calendars-empty").await;
    }

    let preset = host.wait_for("#caldav-preset").await;
    preset.select_by_value("other").await.unwrap();
    assert_eq!(host.value_of("Server address").await, "", "the generic preset clears the iCloud address");
    host.fill("Server address", server.base_url().as_str()).await;
    host.fill("Username", USER).await;
    if kind == Kind::Radicale {
        // A wrong password (Xandikos, as the tests run it, takes any): the page again, the typed
        // address kept, the password asked again.
        host.fill("App password", "wrong-password").await;
        host.click_button("Connect").await;
        host.wait_for_text("#caldav-error", "refused this username and password").await;
        assert_eq!(host.value_of("Server address").await, server.base_url().as_str());
        assert_eq!(host.value_of("App password").await, "", "a refused form never keeps the password");
        host.screenshots("calendars-auth-failed").await;
    }

    host.fill("App password", PASSWORD).await;
    host.click_button("Connect").await;
    host.wait_for_text(".flash", "calendars found").await;
    let body = host.body_text().await;
    assert!(body.contains("Work") && body.contains("Personal") && body.contains("Connected"), "{body}");
    assert!(!body.contains(PASSWORD));

    // Check Work for conflicts and add bookings there.
    let (_, connections) = app.get_json("/api/v1/calendars", Some(&token)).await;
    let work_id = connections["connections"][0]["calendars"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Work")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let check = host.find(&format!("input[name=check][value='{work_id}']")).await;
    if check.prop("checked").await.unwrap().as_deref() != Some("true") {
        host.click(&check, "check Work for conflicts").await;
    }
    host.click(&host.find(&format!("input[name=write][value='{work_id}']")).await, "add bookings to Work").await;
    host.click_button("Save choices").await;
    host.wait_for_text(".flash", "Calendar choices saved").await;
    let (_, connections) = app.get_json("/api/v1/calendars", Some(&token)).await;
    let chosen = connections["connections"][0]["calendars"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == work_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        (chosen["check_conflicts"].clone(), chosen["write_bookings"].clone()),
        (Value::Bool(true), Value::Bool(true))
    );

    // A busy event at 10:00–11:00 tomorrow, read with Sync now.
    let busy = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:dentist@test\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART:{}\r\nDTEND:{}\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        ics_utc(at(10)),
        ics_utc(at(11))
    );
    server.put_ics(&work, "dentist.ics", &busy).await.unwrap();
    host.click_button("Sync now").await;
    host.wait_for_text(".flash", "Synced just now").await;
    if shoot {
        host.screenshots("calendars-connected").await;
    }

    // Availability → Why is this time not free? names the event and its calendar.
    host.goto(&app.at(&format!("/availability?busy_date={}#busy-day", tomorrow()))).await;
    let why = host.wait_for_text(".busy-day", "Dentist").await;
    assert!(why.contains("10:00–11:00") && why.contains("Calendar “Work”"), "{why}");
    if shoot {
        host.screenshots_at("availability-busy-day", "#busy-day").await;
    }

    // The booking page leaves 10:00 and 10:30 out, and books 11:00.
    invitee.goto(&app.at("/ada/call?timezone=UTC")).await;
    invitee.wait_for_text("#event-title", "Call").await;
    let times = offered_times(&invitee).await;
    assert!(!times.contains(&at(10)) && !times.contains(&(at(10) + jiff::SignedDuration::from_mins(30))), "{times:?}");
    assert!(times.contains(&at(11)), "{times:?}");
    if shoot {
        // The desktop time column scrolls: a cue says more times are below, until the end.
        assert!(invitee.exists(".time-list.has-more").await, "a long column shows that it scrolls");
        assert!(invitee.find(".more-times").await.is_displayed().await.unwrap());
        invitee.js("const l = document.querySelector('.time-list'); l.scrollTop = l.scrollHeight; l.dispatchEvent(new Event('scroll'));").await;
        assert!(!invitee.exists(".time-list.has-more").await, "no cue at the end");
    }
    let eleven = invitee.find(&format!(".time-button[data-start^='{}T11:00']", tomorrow())).await;
    invitee.click(&eleven, "11:00").await;
    invitee.fill("Your name", "Sam Okafor").await;
    invitee.fill("Email", "sam@example.com").await;
    invitee.click_button("Confirm").await;
    invitee.wait_for_text("#booking-title", "You are booked").await;
    let join = invitee.wait_for("#join-link").await.attr("href").await.unwrap().unwrap();
    let manage_path = invitee.path().await;

    let (_, list) = app.get_json("/api/v1/meetings", Some(&token)).await;
    let meeting_id = list["meetings"][0]["id"].as_str().unwrap().to_owned();
    let event_url = work.join(&format!("prospo-{meeting_id}.ics")).unwrap();
    let event = wait_for_event(&server, &event_url, "the booking with its join link", |s, b| {
        s == 200 && b.replace("\r\n ", "").contains(&join)
    })
    .await;
    assert!(event.contains(&format!("DTSTART:{}", ics_utc(at(11)))), "{event}");

    // Reschedule to 13:00 on the manage page: the event moves.
    invitee.goto(&app.at(&manage_path)).await;
    let thirteen = at(13);
    let times = offered_times(&invitee).await;
    assert!(times.contains(&thirteen), "{times:?}");
    let button = invitee.find(&format!(".time-button[data-start^='{}T13:00']", tomorrow())).await;
    invitee.click(&button, "13:00").await;
    invitee.click_button("Reschedule to this time").await;
    invitee.wait_for_text(".flash", "Your booking moved").await;
    let wanted = format!("DTSTART:{}", ics_utc(thirteen));
    wait_for_event(&server, &event_url, "the moved event", |s, b| s == 200 && b.contains(&wanted)).await;

    // Cancel: the event goes.
    invitee.click(&invitee.find("summary").await, "the cancel disclosure").await;
    invitee.click_button("Yes, cancel the booking").await;
    invitee.wait_for_text("#booking-title", "This booking is cancelled").await;
    wait_for_event(&server, &event_url, "no event", |s, _| s == 404).await;

    // New meeting over the dentist: scheduled, with a warning (hosts may overlap on purpose).
    host.goto(&app.at("/meetings/new")).await;
    host.fill("Topic", "Planning").await;
    host.js(&format!("document.querySelector('#start').value = '{}T10:15';", tomorrow())).await;
    host.find("#timezone").await.select_by_value("UTC").await.unwrap();
    host.click_button("Schedule meeting").await;
    host.wait_for_text(".flash", "Note: it overlaps “Dentist” in Work.").await;

    // Phone width, both themes: the settings page stays readable.
    host.goto(&app.at("/settings/calendars")).await;
    host.wait_for("#calendar-choices").await;
    host.assert_no_horizontal_overflow("calendars at 1280").await;
    host.phone().await;
    host.assert_no_horizontal_overflow("calendars at 390").await;
    if shoot {
        host.screenshots("calendars-phone").await;
    }
    for dark in [false, true] {
        host.color_scheme(dark).await;
        let failures = host.contrast_failures().await;
        assert!(failures.is_empty(), "contrast (dark: {dark}): {failures:?}");
    }
}
