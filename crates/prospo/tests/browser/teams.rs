//! Teams in the browser, against the Zoom sandbox: the owner builds a team of three on /teams
//! (create, invite, a round robin event type) and sees every member bookable; six invitees book
//! the team page and the meetings spread two each, each on its host's own sandbox account; a host
//! reassigns a booking on the meeting page and the Zoom meeting moves accounts; a member whose
//! Zoom app is deactivated shows as needing attention; a collective page offers only the hours
//! its members share.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::booking::{log_in, show_day};
use crate::harness::{Browser, WAIT};
use crate::support::{Backend, TestApp};

/// A member: name, token, user id and their own sandbox Zoom app.
struct Member {
    name: &'static str,
    token: String,
    id: String,
    zoom: Value,
}

impl Member {
    fn zoom_user(&self) -> &str {
        self.zoom["user_id"].as_str().unwrap()
    }

    fn email(&self) -> String {
        format!("{}@example.com", self.name)
    }
}

/// A user `name` with Zoom connected on a sandbox app of their own, open `hours` (UTC) every day.
async fn member(app: &TestApp, name: &'static str, hours: Value) -> Member {
    let token = app.sign_up(name).await;
    let zoom = app.connect_zoom(&token).await;
    let weekly =
        json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": hours, "sun": hours});
    let (status, body) =
        app.put_json("/api/v1/availability", &json!({"timezone": "UTC", "weekly": weekly}), Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    Member { name, token, id: me["id"].as_str().unwrap().to_owned(), zoom }
}

/// The day a week from now (UTC), as `YYYY-MM-DD`.
fn next_week() -> String {
    (jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date() + jiff::Span::new().days(7)).to_string()
}

async fn sandbox_meetings(app: &TestApp, zoom_user: &str) -> Vec<Value> {
    let url = format!("{}/_sandbox/meetings?user_id={zoom_user}", app.zoom.url);
    app.client.get(url).send().await.unwrap().json().await.unwrap()
}

fn zoom_ids(meetings: &[Value]) -> Vec<i64> {
    let mut ids: Vec<i64> = meetings.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    ids
}

/// Waits (bounded) until no Zoom job is left to run and each member's sandbox account holds
/// exactly the Zoom meetings of the bookings Prospo says they host; returns those ids per member.
async fn wait_for_zoom(app: &TestApp, members: &[&Member]) -> Vec<Vec<i64>> {
    const QUEUED: &str = "SELECT COUNT(*) FROM jobs WHERE queue = 'zoom' AND failed_at IS NULL";
    let deadline = Instant::now() + WAIT * 4;
    loop {
        let queued = app.count(QUEUED).await;
        let mut seen = Vec::new();
        let mut settled = queued == 0;
        for m in members {
            let hosted = hosted_zoom_ids(app, m).await;
            let on_account = zoom_ids(&sandbox_meetings(app, m.zoom_user()).await);
            settled &= hosted.iter().all(Option::is_some)
                && hosted.iter().flatten().copied().collect::<Vec<_>>() == on_account;
            seen.push((m.name, hosted, on_account));
        }
        if settled {
            return seen.into_iter().map(|(_, _, on_account)| on_account).collect();
        }
        assert!(
            Instant::now() < deadline,
            "Zoom never caught up ({queued} jobs queued); (member, hosted, on their account): {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The Zoom meeting ids of the upcoming meetings `member` hosts, sorted (`None` while a change
/// has still to reach Zoom).
async fn hosted_zoom_ids(app: &TestApp, member: &Member) -> Vec<Option<i64>> {
    let mut ids = Vec::new();
    for id in hosted_meetings(app, member).await {
        let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}?live=false"), Some(&member.token)).await;
        let zoom = &meeting["zoom"];
        let settled = zoom["status"] == "created" && zoom["pending_change"].is_null();
        ids.push(zoom["meeting_id"].as_i64().filter(|_| settled));
    }
    ids.sort_unstable();
    ids
}

/// The ids of `member`'s upcoming meetings (on a round robin page, those they host).
async fn hosted_meetings(app: &TestApp, member: &Member) -> Vec<String> {
    let (status, list) = app.get_json("/api/v1/meetings?when=upcoming", Some(&member.token)).await;
    assert_eq!(status, 200, "{list}");
    list["meetings"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect()
}

/// Shows times in UTC on a booking page, whatever zone the browser is in.
async fn times_in_utc(browser: &Browser) {
    let select = browser.wait_for("#book-form-timezone").await;
    if select.prop("value").await.unwrap().as_deref() != Some("UTC") {
        select.select_by_value("UTC").await.expect("pick UTC");
    }
}

/// Opens the day `date` on the booking page shown and returns the offered starts.
async fn open_day(browser: &Browser, date: &str) -> Vec<String> {
    times_in_utc(browser).await;
    let day = format!(".day-button[data-date='{date}']");
    show_day(browser, &day).await;
    browser.click(&browser.find(&day).await, "the day").await;
    browser.wait_for(".time-button").await;
    let starts = browser.js("return [...document.querySelectorAll('.time-button')].map(b => b.dataset.start);").await;
    starts.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
}

/// Books the time starting at `start` on the day opened, as `name` <`email`>.
async fn book(browser: &Browser, start: &str, name: &str, email: &str) {
    let time = browser.find(&format!(".time-button[data-start='{start}']")).await;
    browser.click(&time, "the time").await;
    browser.wait_for_text("[data-picked-text]", "(UTC)").await;
    browser.fill("Your name", name).await;
    browser.fill("Email", email).await;
    browser.click_button("Confirm").await;
    browser.wait_for_text("#booking-title", "You are booked").await;
}

/// Each host of the team event type `title` on /teams with the badge beside them.
async fn badges(browser: &Browser, title: &str) -> Vec<(String, String)> {
    let list = browser.wait_for(&format!("ul.host-list[aria-label='Hosts of {title}']")).await;
    let mut found = Vec::new();
    for item in list.find_all(Locator::Css("li")).await.unwrap() {
        let name = item.find(Locator::Css(".host-name")).await.unwrap().text().await.unwrap();
        let badge = item.find(Locator::Css(".badge")).await.unwrap().text().await.unwrap();
        found.push((name.trim().to_owned(), badge.trim().to_owned()));
    }
    found
}

/// Light and dark: no text below AA contrast on the page shown.
async fn assert_contrast(browser: &Browser, page: &str) {
    let mut failures = Vec::new();
    for dark in [false, true] {
        browser.color_scheme(dark).await;
        for problem in browser.contrast_failures().await {
            failures.push(format!("{} {page}: {problem}", if dark { "dark" } else { "light" }));
        }
    }
    browser.color_scheme(false).await;
    assert!(failures.is_empty(), "text below WCAG AA contrast:\n{}", failures.join("\n"));
}

/// Screenshots at both sizes, and no sideways scrolling on the phone.
async fn screenshots_without_overflow(browser: &Browser, name: &str) {
    browser.screenshots(name).await;
    browser.phone().await;
    browser.assert_no_horizontal_overflow(&format!("{name} at 390 px")).await;
    browser.desktop().await;
}

#[tokio::test]
async fn a_round_robin_team_built_on_the_page_books_each_member_on_their_own_zoom() {
    let Some(host) = Browser::start("teams_host").await else { return };
    let Some(invitee) = Browser::start("teams_invitee").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let all_day = json!([["00:00", "23:59"]]);
    let ada = member(&app, "ada", all_day.clone()).await;
    let bob = member(&app, "bob", all_day.clone()).await;
    let cyd = member(&app, "cyd", all_day).await;
    let everyone = [&ada, &bob, &cyd];

    // The owner builds the team on /teams.
    log_in(&host, &app, &ada.email()).await;
    host.goto(&app.at("/teams")).await;
    host.wait_for_text(".empty", "You are not in a team yet").await;
    host.fill("Team name", "Sales").await;
    host.fill("Slug", "sales").await;
    host.click_button("Create team").await;
    host.wait_for_text(".flash", "Team Sales created.").await;
    for other in [&bob, &cyd] {
        host.fill("Invite by email", &other.email()).await;
        host.click_button("Invite").await;
        host.wait_for_text(".flash", &format!("{} joined the team.", other.email())).await;
    }
    let members = host
        .js("return [...document.querySelectorAll('.team-card tbody .cell-name')].map(c => c.textContent.trim());")
        .await;
    assert_eq!(members, json!(["ada (you)", "bob", "cyd"]), "everyone joined at once");

    host.click(&host.find("details.disclosure > summary").await, "New team event type").await;
    host.fill("Title", "Product demo").await;
    host.fill("Link", "demo").await;
    assert_eq!(host.value_of("Duration (minutes)").await, "30", "the default duration shows");
    host.click(&host.find("input[name=scheduling][value=round_robin]").await, "Round robin").await;
    let books = host.js("return [...document.querySelectorAll('input[name=hosts]')].map(c => c.checked);").await;
    assert_eq!(books, json!([true, true, true]), "every member is booked unless unticked");
    assert_contrast(&host, "/teams with the new event type form").await;
    host.screenshots_at("teams-new-event-type", "details.disclosure[open]").await;
    host.click_button("Create event type").await;
    host.wait_for_text(".flash", "Product demo created.").await;
    host.wait_for_text(".team-event-type", "Round robin: one member hosts · 30 min · Zoom").await;
    let bookable: Vec<(String, String)> =
        ["ada", "bob", "cyd"].iter().map(|n| (n.to_string(), "Bookable".to_owned())).collect();
    assert_eq!(badges(&host, "Product demo").await, bookable);
    assert!(!host.exists(".team-event-type .alert-warning").await, "no warning while everyone is bookable");
    assert_eq!(host.dangling_aria_references().await, Vec::<String>::new());
    assert_contrast(&host, "/teams").await;
    screenshots_without_overflow(&host, "teams").await;
    host.screenshots_at("teams-event-types", ".team-event-types").await;
    let page = host.link("Product demo").await.attr("href").await.unwrap().unwrap();
    assert_eq!(page, "/team/sales/demo");

    // Six invitees book the team page, each a different time next week.
    let date = next_week();
    let mut booked = Vec::new();
    for i in 0..6 {
        invitee.goto(&app.at("/team/sales/demo")).await;
        invitee.wait_for_text("#event-title", "Product demo").await;
        let offered = open_day(&invitee, &date).await;
        assert_eq!(offered.len(), 48, "three members open all day: half-hours all day, {offered:?}");
        if i == 0 {
            assert_contrast(&invitee, "/team/sales/demo").await;
            screenshots_without_overflow(&invitee, "team-booking-page").await;
        }
        let start = offered[8 + 2 * i].clone();
        book(&invitee, &start, &format!("Invitee {i}"), &format!("invitee{i}@example.com")).await;
        booked.push(start);
    }

    // Two each, each on the host's own sandbox account, at the times booked.
    let on_accounts = wait_for_zoom(&app, &everyone).await;
    let mut starts = Vec::new();
    for (m, ids) in everyone.iter().zip(&on_accounts) {
        assert_eq!(ids.len(), 2, "{} hosts two of the six: {on_accounts:?}", m.name);
        for meeting in sandbox_meetings(&app, m.zoom_user()).await {
            assert_eq!(meeting["topic"].as_str().map(|t| t.contains("Product demo")), Some(true), "{meeting}");
            starts.push(meeting["start_time"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap());
        }
    }
    starts.sort();
    let mut expected: Vec<jiff::Timestamp> = booked.iter().map(|s| s.parse().unwrap()).collect();
    expected.sort();
    assert_eq!(starts, expected, "the sandbox holds the six times booked");

    // Bob gives one of his bookings to cyd on its meeting page.
    let moving = hosted_meetings(&app, &bob).await[0].clone();
    let (_, before) = app.get_json(&format!("/api/v1/meetings/{moving}?live=false"), Some(&bob.token)).await;
    let first_zoom_id = before["zoom"]["meeting_id"].as_i64().unwrap();
    let first_join = before["zoom"]["join_url"].as_str().unwrap().to_owned();
    host.click_button("Log out").await;
    log_in(&host, &app, &bob.email()).await;
    host.goto(&app.at(&format!("/meetings/{moving}"))).await;
    let choices =
        host.js("return [...document.querySelectorAll('#reassign-to option')].map(o => o.textContent.trim());").await;
    assert_eq!(choices, json!(["ada", "cyd"]), "the other members");
    host.find("#reassign-to").await.select_by_value(&cyd.id).await.expect("choose cyd");
    host.screenshots_at("meeting-reassign", "#reassign-to").await;
    host.click_button("Reassign").await;
    host.wait_for_path("/meetings").await;
    host.wait_for_text(".flash", "cyd hosts this booking now.").await;

    let on_accounts = wait_for_zoom(&app, &everyone).await;
    let counts: Vec<usize> = on_accounts.iter().map(Vec::len).collect();
    assert_eq!(counts, [2, 1, 3], "ada, bob, cyd after the move: {on_accounts:?}");
    assert!(!on_accounts[1].contains(&first_zoom_id), "gone from bob's account");
    let (_, after) = app.get_json(&format!("/api/v1/meetings/{moving}?live=false"), Some(&cyd.token)).await;
    assert_eq!(after["hosts"][0]["user_id"], cyd.id.as_str(), "{after}");
    assert_eq!(after["zoom"]["status"], "created", "{after}");
    let moved_to = after["zoom"]["meeting_id"].as_i64().unwrap();
    assert!(on_accounts[2].contains(&moved_to), "made on cyd's account");
    assert_ne!(after["zoom"]["join_url"].as_str(), Some(first_join.as_str()), "a new join link");
    let on_cyd = sandbox_meetings(&app, cyd.zoom_user()).await;
    let made = on_cyd.iter().find(|m| m["id"] == moved_to).unwrap();
    assert_eq!(
        made["start_time"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap(),
        before["start"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap(),
        "at the booked time"
    );
    assert_eq!(app.get_json(&format!("/api/v1/meetings/{moving}"), Some(&bob.token)).await.0, 404, "bob's no more");

    // Cyd's Zoom app is switched off: /teams says so, and bob's other booking cannot go to cyd.
    app.patch_zoom_app(cyd.zoom["client_id"].as_str().unwrap(), json!({"activated": false})).await;
    let (status, check) = app.post_json("/api/v1/integrations/zoom/check", &json!({}), Some(&cyd.token)).await;
    assert_eq!((status, check["status"].as_str()), (200, Some("needs_attention")), "{check}");
    host.goto(&app.at("/teams")).await;
    let shown = badges(&host, "Product demo").await;
    assert_eq!(
        shown,
        [
            ("ada".to_owned(), "Bookable".to_owned()),
            ("bob".to_owned(), "Bookable".to_owned()),
            ("cyd".to_owned(), "Not bookable: Zoom needs attention".to_owned())
        ]
    );
    assert!(host.exists(".host-list li:nth-child(3) .badge-amber").await, "the warning colour");
    assert_contrast(&host, "/teams with a member needing attention").await;
    screenshots_without_overflow(&host, "teams-needs-attention").await;
    let staying = hosted_meetings(&app, &bob).await;
    assert_eq!(staying.len(), 1, "{staying:?}");
    host.goto(&app.at(&format!("/meetings/{}", staying[0]))).await;
    let choices = host
        .js("return [...document.querySelectorAll('#reassign-to option')].map(o => [o.textContent.trim(), o.disabled]);")
        .await;
    assert_eq!(choices, json!([["ada", false], ["cyd (Not bookable: Zoom needs attention)", true]]));
}

#[tokio::test]
async fn a_collective_team_page_offers_only_the_hours_its_members_share() {
    let Some(invitee) = Browser::start("teams_collective").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = member(&app, "ada", json!([["09:00", "13:00"]])).await;
    let bob = member(&app, "bob", json!([["11:00", "17:00"]])).await;
    let (status, team) =
        app.post_json("/api/v1/teams", &json!({"name": "Panel", "slug": "panel"}), Some(&ada.token)).await;
    assert_eq!(status, 201, "{team}");
    let team_id = team["id"].as_str().unwrap();
    let (status, body) = app
        .post_json(&format!("/api/v1/teams/{team_id}/members"), &json!({"email": bob.email()}), Some(&ada.token))
        .await;
    assert_eq!(status, 201, "{body}");
    let event = json!({"title": "Panel interview", "slug": "interview", "duration_minutes": 60, "location": "zoom",
        "minimum_notice_minutes": 0, "scheduling": "collective", "hosts": [ada.id, bob.id]});
    let (status, body) = app.post_json(&format!("/api/v1/teams/{team_id}/event-types"), &event, Some(&ada.token)).await;
    assert_eq!(status, 201, "{body}");

    let date = next_week();
    invitee.goto(&app.at("/team/panel/interview")).await;
    invitee.wait_for_text("#event-title", "Panel interview").await;
    let offered = open_day(&invitee, &date).await;
    let common = [format!("{date}T11:00:00+00:00"), format!("{date}T12:00:00+00:00")];
    assert_eq!(offered, common, "only 11:00–13:00 is free for both");
    let labels =
        invitee.js("return [...document.querySelectorAll('.time-button')].map(b => b.textContent.trim());").await;
    let labels: Vec<String> = serde_json::from_value(labels).unwrap();
    assert!(labels.len() == 2 && labels[0].starts_with("11:00") && labels[1].starts_with("12:00"), "{labels:?}");
    assert_contrast(&invitee, "/team/panel/interview").await;
    screenshots_without_overflow(&invitee, "team-booking-collective").await;

    // Booked at 11:00, it books both; 12:00 is all that is left.
    book(&invitee, &common[0], "Candidate", "cand@example.com").await;
    let (_, list) = app.get_json("/api/v1/meetings?when=upcoming", Some(&bob.token)).await;
    assert_eq!(list["meetings"].as_array().unwrap().len(), 1, "bob attends it: {list}");
    let id = list["meetings"][0]["id"].as_str().unwrap();
    let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}?live=false"), Some(&ada.token)).await;
    let hosts: Vec<&str> =
        meeting["hosts"].as_array().unwrap().iter().map(|h| h["user_id"].as_str().unwrap()).collect();
    assert_eq!(hosts, [ada.id.as_str(), bob.id.as_str()], "both attend, the organiser first");
    invitee.goto(&app.at("/team/panel/interview")).await;
    invitee.wait_for_text("#event-title", "Panel interview").await;
    assert_eq!(open_day(&invitee, &date).await, [common[1].clone()]);
}
