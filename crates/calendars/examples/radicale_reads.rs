//! How long one CalDAV read takes against a real Radicale (results in BENCHMARKS.md):
//! `PROSPO_TEST_RADICALE=/path/to/radicale cargo run --release -p calendars --features test-servers --example radicale_reads`
//!
//! Loads 500 events (a tenth of them weekly series) into one calendar, then times, over 20 runs
//! each: discovery, the change marker, a free-busy-query over 60 days, a calendar-query over 60
//! days expanded here (the cold read of a calendar), and the one-hour calendar-query a booking's
//! submit-time check makes.

use std::time::{Duration, Instant};

use calendars::Window;
use calendars::test_servers::{Kind, TestServer};
use jiff::{SignedDuration, Timestamp};

fn median(mut v: Vec<Duration>) -> String {
    v.sort_unstable();
    format!("{:.2} ms", v[v.len() / 2].as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let Some(server) = TestServer::from_env(Kind::Radicale) else { return };
    let calendar = server.mkcalendar("bench", "Bench", None).await.expect("mkcalendar");
    let start = Timestamp::now();
    for i in 0..500i64 {
        let at = start + SignedDuration::from_hours(24 * (i % 60) + 8 + i % 10);
        let stamp = |t: Timestamp| t.strftime("%Y%m%dT%H%M%SZ").to_string();
        let rule = if i % 10 == 0 { "RRULE:FREQ=WEEKLY;COUNT=9\r\n" } else { "" };
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:e{i}@bench\r\n\
             DTSTAMP:20260101T000000Z\r\nDTSTART:{}\r\nDTEND:{}\r\n{rule}SUMMARY:Busy {i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            stamp(at),
            stamp(at + SignedDuration::from_mins(45))
        );
        server.put_ics(&calendar, &format!("e{i}.ics"), &ics).await.expect("put");
    }
    let dav = server.caldav();
    let window = Window { start, end: start + SignedDuration::from_hours(24 * 60) };
    let narrow = Window {
        start: start + SignedDuration::from_hours(24 * 7),
        end: start + SignedDuration::from_hours(24 * 7 + 1),
    };
    let (mut discover, mut marker, mut free_busy, mut events, mut live) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut busy_fb, mut busy_ev) = (0, 0);
    for _ in 0..20 {
        let t = Instant::now();
        dav.discover(&server.base_url()).await.expect("discover");
        discover.push(t.elapsed());
        let t = Instant::now();
        dav.change_marker(&calendar).await.expect("marker");
        marker.push(t.elapsed());
        let t = Instant::now();
        busy_fb = dav.free_busy(&calendar, window).await.expect("free-busy").expect("supported").len();
        free_busy.push(t.elapsed());
        let t = Instant::now();
        busy_ev = dav.events(&calendar, window, "UTC").await.expect("events").len();
        events.push(t.elapsed());
        let t = Instant::now();
        dav.events(&calendar, narrow, "UTC").await.expect("narrow");
        live.push(t.elapsed());
    }
    println!("Radicale 3.9, 500 events ({busy_ev} busy instances in 60 days; free-busy gave {busy_fb} periods)");
    println!("| read | median of 20 |");
    println!("|---|---|");
    println!("| discovery from the server root | {} |", median(discover));
    println!("| change marker (PROPFIND getctag) | {} |", median(marker));
    println!("| free-busy-query, 60 days | {} |", median(free_busy));
    println!("| calendar-query, 60 days, expanded here (cold read) | {} |", median(events));
    println!("| calendar-query, one hour (submit-time check) | {} |", median(live));
}
