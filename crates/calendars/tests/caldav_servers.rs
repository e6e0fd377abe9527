//! The CalDAV client against real servers: Radicale and Xandikos.
//!
//! Run with the servers' executables in the environment, e.g.
//! `PROSPO_TEST_RADICALE=/tmp/prospo-caldav-venv/bin/radicale
//!  PROSPO_TEST_XANDIKOS=/tmp/prospo-caldav-venv/bin/xandikos cargo test -p calendars`;
//! without them each test prints `SKIPPED: …` and passes.

use calendars::caldav::{CalDav, CalDavError};
use calendars::ics::{BusyEvent, Window};
use calendars::test_servers::{self, Kind, PASSWORD, TestServer};
use jiff::Timestamp;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

const FIXTURES: &[(&str, &str)] = &[
    ("weekly.ics", include_str!("fixtures/server/weekly.ics")),
    ("transparent.ics", include_str!("fixtures/server/transparent.ics")),
    ("tentative.ics", include_str!("fixtures/server/tentative.ics")),
    ("cancelled.ics", include_str!("fixtures/server/cancelled.ics")),
    ("allday.ics", include_str!("fixtures/server/allday.ics")),
    ("floating.ics", include_str!("fixtures/server/floating.ics")),
    ("overlap.ics", include_str!("fixtures/server/overlap.ics")),
    ("confirmed.ics", include_str!("fixtures/server/confirmed.ics")),
];

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn window() -> Window {
    Window::new(ts("2025-10-13T00:00:00Z"), ts("2025-11-15T00:00:00Z"))
}

/// Busy time as merged intervals, clipped to the window (servers clip free-busy).
fn union(events: &[BusyEvent], w: Window) -> Vec<(String, String)> {
    let mut v: Vec<(Timestamp, Timestamp)> =
        events.iter().map(|e| (e.start.max(w.start), e.end.min(w.end))).filter(|(s, e)| s < e).collect();
    v.sort();
    let mut out: Vec<(Timestamp, Timestamp)> = Vec::new();
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out.into_iter().map(|(s, e)| (s.to_string(), e.to_string())).collect()
}

/// The busy set of the fixtures in the window, host zone UTC.
fn expected_busy() -> Vec<(String, String)> {
    [
        ("2025-10-13T00:00:00Z", "2025-10-13T01:00:00Z"), // overlaps the window start (clipped)
        ("2025-10-14T08:00:00Z", "2025-10-14T09:00:00Z"), // weekly, CEST
        ("2025-10-15T17:00:00Z", "2025-10-15T18:00:00Z"), // tentative
        // Oct 16 EXDATE, Oct 21 moved to Oct 22 15:00 Berlin
        ("2025-10-22T13:00:00Z", "2025-10-22T14:00:00Z"),
        ("2025-10-23T08:00:00Z", "2025-10-23T09:00:00Z"),
        // Oct 28 cancelled; CET from Oct 26
        ("2025-10-30T09:00:00Z", "2025-10-30T10:00:00Z"),
        ("2025-11-03T14:00:00Z", "2025-11-03T15:30:00Z"), // confirmed, DURATION
        ("2025-11-04T09:00:00Z", "2025-11-04T10:00:00Z"),
        ("2025-11-05T10:00:00Z", "2025-11-05T11:00:00Z"), // floating (UTC)
        ("2025-11-06T09:00:00Z", "2025-11-06T10:00:00Z"),
        ("2025-11-11T09:00:00Z", "2025-11-11T10:00:00Z"),
        ("2025-11-12T00:00:00Z", "2025-11-13T00:00:00Z"), // all day (UTC)
        ("2025-11-13T09:00:00Z", "2025-11-13T10:00:00Z"),
    ]
    .iter()
    .map(|(a, b)| (ts(a).to_string(), ts(b).to_string()))
    .collect()
}

async fn seed(server: &TestServer, name: &str) -> Url {
    let cal = server.mkcalendar(name, "Busy fixtures", None).await.unwrap();
    for (file, text) in FIXTURES {
        server.put_ics(&cal, file, text).await.unwrap();
    }
    cal
}

// ---------------------------------------------------------------- discovery

async fn discovery(server: &TestServer) {
    let work = server.mkcalendar("work", "Work", Some("#3366CCFF")).await.unwrap();
    let personal = server.mkcalendar("personal", "Personal", None).await.unwrap();
    let tasks = server.mkcalendar_with("tasks", "Tasks", None, &["VTODO"]).await.unwrap();
    let dav = server.caldav();

    let mut names_seen = Vec::new();
    let work_no_slash: Url = work.as_str().trim_end_matches('/').parse().unwrap();
    for (label, url) in [
        ("root", server.base_url()),
        ("well-known", server.base_url().join(".well-known/caldav").unwrap()),
        ("principal", server.principal_url()),
        ("home", server.home_url()),
        ("calendar", work.clone()),
        ("calendar without trailing slash", work_no_slash),
    ] {
        let t0 = Instant::now();
        let found =
            dav.discover(&url).await.unwrap_or_else(|e| panic!("{} discover from {label}: {e}", server.kind.name()));
        println!("{} discover from {label}: {:?}, {found:#?}", server.kind.name(), t0.elapsed());
        assert_eq!(found.principal, server.principal_url(), "{label}");
        let names: Vec<&str> = found.calendars.iter().map(|c| c.name.as_str()).collect();
        assert!(names.contains(&"Work") && names.contains(&"Personal"), "{label}: {names:?}");
        assert!(!names.contains(&"Tasks"), "VTODO-only calendars are not offered: {names:?}");
        assert!(found.calendars.iter().all(|c| c.href != tasks));
        let w = found.calendars.iter().find(|c| c.name == "Work").unwrap();
        assert_eq!(w.href, work);
        assert!(w.color.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("#3366CCFF")), "{:?}", w.color);
        let p = found.calendars.iter().find(|c| c.name == "Personal").unwrap();
        assert_eq!(p.href, personal);
        assert!(found.calendars.iter().all(|c| c.writable));
        assert!(found.calendars.iter().all(|c| c.change_marker.is_some()), "{label}");
        assert_eq!(found.calendars.iter().filter(|c| c.is_default).count(), 1);
        let default = found.calendars.iter().find(|c| c.is_default).unwrap();
        match server.kind {
            // Xandikos --defaults names /user/calendars/calendar/ in schedule-default-calendar-URL.
            Kind::Xandikos => assert_eq!(default.href, server.calendar_url("calendar")),
            // Radicale offers none: the first writable calendar.
            Kind::Radicale => assert_eq!(default.href, found.calendars[0].href),
        }
        names_seen.push(names.len());
    }
    assert!(names_seen.windows(2).all(|w| w[0] == w[1]), "same calendars from every URL: {names_seen:?}");

    let marker = dav.change_marker(&work).await.unwrap();
    assert!(marker.is_some());
    server.put_ics(&work, "one.ics", FIXTURES[2].1).await.unwrap();
    let after = dav.change_marker(&work).await.unwrap();
    assert_ne!(marker, after, "the change marker moves when the calendar changes");
    let missing = server.calendar_url("no-such-calendar");
    assert!(matches!(dav.change_marker(&missing).await, Err(CalDavError::NotFound)));
}

#[tokio::test]
async fn radicale_discovery() {
    let Some(server) = TestServer::from_env(Kind::Radicale) else { return };
    discovery(&server).await;
}

#[tokio::test]
async fn xandikos_discovery() {
    let Some(server) = TestServer::from_env(Kind::Xandikos) else { return };
    discovery(&server).await;
}

#[tokio::test]
async fn radicale_wrong_password_is_auth_failed() {
    let Some(server) = TestServer::from_env(Kind::Radicale) else { return };
    let cal = server.mkcalendar("work", "Work", None).await.unwrap();
    let bad = server.caldav_with(test_servers::USER, "wrong-password");
    assert!(matches!(bad.discover(&server.base_url()).await, Err(CalDavError::AuthFailed)));
    assert!(matches!(bad.events(&cal, window(), "UTC").await, Err(CalDavError::AuthFailed)));
    assert!(matches!(bad.free_busy(&cal, window()).await, Err(CalDavError::AuthFailed)));
    assert!(matches!(
        bad.put_event(&cal.join("x.ics").unwrap(), FIXTURES[2].1, None).await,
        Err(CalDavError::AuthFailed)
    ));
    let unknown = server.caldav_with("nobody", PASSWORD);
    assert!(matches!(unknown.discover(&server.principal_url()).await, Err(CalDavError::AuthFailed)));
}

#[tokio::test]
async fn xandikos_accepts_any_password() {
    // Xandikos runs without authentication in these tests (its --htpasswd needs
    // its self-signed TLS): any credentials work.
    let Some(server) = TestServer::from_env(Kind::Xandikos) else { return };
    let any = server.caldav_with("someone", "anything");
    let found = any.discover(&server.base_url()).await.unwrap();
    assert!(!found.calendars.is_empty());
}

// ---------------------------------------------------------------- not CalDAV

/// A local HTTP server answering every request with `answer` (or never, when `None`).
async fn fake_server(answer: Option<&'static str>) -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = sock.read(&mut buf).await;
                match answer {
                    Some(a) => {
                        let _ = sock.write_all(a.as_bytes()).await;
                        let _ = sock.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}/some/page").parse().unwrap()
}

#[tokio::test]
async fn a_web_page_is_not_found_and_a_silent_server_unavailable() {
    let client = test_servers::local_client();
    let dav = CalDav::new(client, "user", secrecy::SecretString::from("pw".to_string()));
    let html = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 38\r\n\
                Connection: close\r\n\r\n<html><body>Hello there</body></html>\n";
    let url = fake_server(Some(html)).await;
    assert!(matches!(dav.discover(&url).await, Err(CalDavError::NotFound)));
    let not_found = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let url = fake_server(Some(not_found)).await;
    assert!(matches!(dav.discover(&url).await, Err(CalDavError::NotFound)));
    assert!(matches!(dav.free_busy(&url, window()).await, Ok(None)));
    let error = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let url = fake_server(Some(error)).await;
    assert!(matches!(dav.discover(&url).await, Err(CalDavError::Unavailable(_))));

    let url = fake_server(None).await;
    let t0 = Instant::now();
    let quick = dav.clone().with_timeout(Duration::from_millis(300));
    assert!(matches!(quick.events(&url, window(), "UTC").await, Err(CalDavError::Unavailable(_))));
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());

    // Not allow-listed: refused before anything is sent.
    let strict = CalDav::new(
        outbound::GuardedClient::new(outbound::AllowList::default(), "t"),
        "user",
        secrecy::SecretString::from("pw".to_string()),
    );
    let r = strict.discover(&url).await;
    assert!(
        matches!(
            r,
            Err(CalDavError::Outbound(
                outbound::OutboundError::NotAllowed | outbound::OutboundError::InsecureCredentials
            ))
        ),
        "{r:?}"
    );
    // Without credentials the address itself is refused.
    let anonymous = CalDav::new(
        outbound::GuardedClient::new(outbound::AllowList::default(), "t"),
        "",
        secrecy::SecretString::from(String::new()),
    );
    let r = anonymous.discover(&url).await;
    assert!(matches!(r, Err(CalDavError::Outbound(outbound::OutboundError::NotAllowed))), "{r:?}");
}

// ---------------------------------------------------------------- busy times

async fn busy_times(server: &TestServer) {
    let cal = seed(server, "busy").await;
    let dav = server.caldav();
    let w = window();

    let t0 = Instant::now();
    let events = dav.events(&cal, w, "UTC").await.unwrap();
    let t_events = t0.elapsed();
    let t0 = Instant::now();
    let fb = dav.free_busy(&cal, w).await.unwrap();
    let t_fb = t0.elapsed();
    println!(
        "{}: calendar-query {t_events:?} ({} events), free-busy {t_fb:?} ({:?} periods)",
        server.kind.name(),
        events.len(),
        fb.as_ref().map(Vec::len)
    );

    assert_eq!(union(&events, w), expected_busy(), "{} calendar-query", server.kind.name());
    match &fb {
        Some(periods) => {
            assert_eq!(union(periods, w), union(&events, w), "{}: free-busy = calendar-query", server.kind.name());
            assert!(periods.iter().all(|p| p.uid.is_none()));
        }
        None => println!(
            "NOTE: {} does not answer free-busy-query; the calendar-query fallback answered",
            server.kind.name()
        ),
    }
    // UIDs and titles are kept; the moved instance carries its own title.
    let moved = events.iter().find(|e| e.start == ts("2025-10-22T13:00:00Z")).unwrap();
    assert_eq!(moved.uid.as_deref(), Some("weekly-dst@server"));
    assert_eq!(moved.title.as_deref(), Some("Weekly sync (moved)"));
    assert!(events.iter().all(|e| e.uid.as_deref() != Some("transparent@server")));
    assert!(events.iter().all(|e| e.uid.as_deref() != Some("cancelled@server")));
    // Unclipped: the event overlapping the window's start keeps its real start.
    assert!(events.iter().any(|e| e.start == ts("2025-10-12T22:00:00Z")));

    // In another host zone, floating and all-day events move with it — and the
    // widened query still finds them.
    let ny = dav.events(&cal, w, "America/New_York").await.unwrap();
    let get = |uid: &str| ny.iter().find(|e| e.uid.as_deref() == Some(uid)).map(|e| (e.start, e.end));
    assert_eq!(get("allday@server"), Some((ts("2025-11-12T05:00:00Z"), ts("2025-11-13T05:00:00Z"))));
    assert_eq!(get("floating@server"), Some((ts("2025-11-05T15:00:00Z"), ts("2025-11-05T16:00:00Z"))));

    // A narrow window sees only what overlaps it.
    let narrow = Window::new(ts("2025-10-22T13:30:00Z"), ts("2025-10-22T14:30:00Z"));
    let n = dav.events(&cal, narrow, "UTC").await.unwrap();
    assert_eq!(n.len(), 1, "{n:?}");
    if let Some(p) = dav.free_busy(&cal, narrow).await.unwrap() {
        assert_eq!(union(&p, narrow), union(&n, narrow));
    }
}

#[tokio::test]
async fn radicale_free_busy_equals_calendar_query() {
    let Some(server) = TestServer::from_env(Kind::Radicale) else { return };
    busy_times(&server).await;
}

#[tokio::test]
async fn xandikos_free_busy_equals_calendar_query() {
    let Some(server) = TestServer::from_env(Kind::Xandikos) else { return };
    busy_times(&server).await;
}

// ---------------------------------------------------------------- write-back

fn booking(summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Prospo//test//EN\r\nBEGIN:VEVENT\r\n\
         UID:booking-1@prospo.test\r\nDTSTAMP:20251001T000000Z\r\nDTSTART:20251020T140000Z\r\n\
         DTEND:20251020T143000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

async fn write_back(server: &TestServer) {
    let cal = server.mkcalendar("bookings", "Bookings", None).await.unwrap();
    let dav = server.caldav();
    let href = cal.join("booking-1.ics").unwrap();
    let name = server.kind.name();

    assert_eq!(dav.etag(&href).await.unwrap(), None);
    let marker0 = dav.change_marker(&cal).await.unwrap();
    let t0 = Instant::now();
    let etag1 = dav.put_event(&href, &booking("Call with Ada"), None).await.unwrap();
    println!("{name}: PUT (create) {:?}, ETag {etag1:?}", t0.elapsed());
    let etag1 = etag1.expect("an ETag after create");
    assert_eq!(dav.etag(&href).await.unwrap().as_deref(), Some(etag1.as_str()));
    assert_ne!(dav.change_marker(&cal).await.unwrap(), marker0);

    // Create-only twice: the second is refused.
    assert!(matches!(dav.put_event(&href, &booking("Again"), None).await, Err(CalDavError::PreconditionFailed)));

    let events = dav.events(&cal, window(), "UTC").await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].title.as_deref(), Some("Call with Ada"));

    // Update with the current ETag.
    let etag2 = dav.put_event(&href, &booking("Call with Ada (moved)"), Some(&etag1)).await.unwrap();
    let etag2 = etag2.expect("an ETag after update");
    assert_ne!(etag1, etag2);
    let events = dav.events(&cal, window(), "UTC").await.unwrap();
    assert_eq!(events[0].title.as_deref(), Some("Call with Ada (moved)"));

    // A stale ETag: 412 for PUT and DELETE.
    assert!(matches!(
        dav.put_event(&href, &booking("Stale"), Some(&etag1)).await,
        Err(CalDavError::PreconditionFailed)
    ));
    assert!(matches!(dav.delete_event(&href, Some(&etag1)).await, Err(CalDavError::PreconditionFailed)));

    dav.delete_event(&href, Some(&etag2)).await.unwrap();
    assert_eq!(dav.etag(&href).await.unwrap(), None);
    assert!(dav.events(&cal, window(), "UTC").await.unwrap().is_empty());
    // Deleting what is gone is fine.
    dav.delete_event(&href, None).await.unwrap();
    dav.delete_event(&href, Some(&etag2)).await.unwrap();

    // PUT into a calendar that does not exist.
    let nowhere = server.calendar_url("nowhere").join("x.ics").unwrap();
    let r = dav.put_event(&nowhere, &booking("Lost"), None).await;
    assert!(matches!(r, Err(CalDavError::NotFound) | Err(CalDavError::Protocol(_))), "{name}: {r:?}");
}

#[tokio::test]
async fn radicale_put_update_delete_with_etags() {
    let Some(server) = TestServer::from_env(Kind::Radicale) else { return };
    write_back(&server).await;
}

#[tokio::test]
async fn xandikos_put_update_delete_with_etags() {
    let Some(server) = TestServer::from_env(Kind::Xandikos) else { return };
    write_back(&server).await;
}
