//! Slot computation over a 60-day window (issue 5): a host with 1,000 existing meetings, and a host with
//! 16 separate busy meetings on every day of the window. A third group doubles the meetings per day
//! to show the cost grows linearly with meetings, not with their density.
//!
//! `cargo bench -p prospo --bench slots`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use prospo::domain::slots::{Availability, AvailabilityInput, Busy, OverrideInput, SlotRules, WEEKDAY_KEYS, slots};

/// Berlin host (its DST change falls inside the window), invitee in New York (theirs too).
const HOST: &str = "Europe/Berlin";
const VIEWER: &str = "America/New_York";
const NOW: &str = "2026-03-01T06:00:00Z";
const DAYS: i64 = 60;

fn start_date() -> Date {
    date(2026, 3, 1)
}

fn day(i: i64) -> Date {
    start_date().checked_add(Span::new().days(i)).unwrap()
}

fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

/// `hours` on every day of the week, plus a couple of overrides like a real host has.
fn availability(hours: &[(&str, &str)]) -> Availability {
    let intervals: Vec<[String; 2]> = hours.iter().map(|(s, e)| [s.to_string(), e.to_string()]).collect();
    let input = AvailabilityInput {
        timezone: HOST.into(),
        weekly: WEEKDAY_KEYS.iter().map(|k| (k.to_string(), intervals.clone())).collect(),
        overrides: vec![
            OverrideInput { date: day(10).to_string(), intervals: vec![] },
            OverrideInput { date: day(20).to_string(), intervals: vec![["12:00".into(), "14:00".into()]] },
        ],
    };
    Availability::parse(&input).unwrap()
}

/// `per_day` separate meetings (at most 30 minutes, 5-minute buffers) on each of the 60 days, spread
/// evenly over the host's day with gaps between them; every other one booked through this event type.
fn meetings(per_day: i64) -> Vec<Busy> {
    let tz = TimeZone::get(HOST).unwrap();
    let spacing = 24 * 60 / per_day;
    (0..DAYS)
        .flat_map(|d| (0..per_day).map(move |k| (d, k)))
        .map(|(d, k)| {
            let start = day(d).to_zoned(tz.clone()).unwrap().timestamp() + mins(k * spacing);
            let busy = Busy::new(start, start + mins(spacing.min(30) / 2)).with_buffers(mins(5), mins(5));
            if k % 2 == 0 { busy.counting() } else { busy }
        })
        .collect()
}

fn rules() -> SlotRules {
    SlotRules {
        step: mins(15),
        buffer_before: mins(10),
        buffer_after: mins(10),
        max_per_day: Some(40),
        ..SlotRules::new(mins(30))
    }
}

fn run(c: &mut Criterion, name: &str, avail: &Availability, busy: &[Busy]) {
    let (rules, now, viewer) = (rules(), NOW.parse::<Timestamp>().unwrap(), TimeZone::get(VIEWER).unwrap());
    let (from, to) = (start_date(), day(DAYS - 1));
    let count = slots(avail, &rules, busy, now, from, to, &viewer).len();
    eprintln!("{name}: {} meetings, {count} slots", busy.len());
    c.bench_function(name, |b| {
        b.iter(|| slots(black_box(avail), &rules, black_box(busy), now, from, to, &viewer));
    });
}

fn sixty_days(c: &mut Criterion) {
    // 1,000 meetings over the window: 16 or 17 on each of the 60 days.
    let avail = availability(&[("08:00", "12:00"), ("13:00", "20:00")]);
    let mut busy = meetings(17);
    busy.truncate(1_000);
    run(c, "60 days, 1000 meetings", &avail, &busy);
    run(c, "60 days, 16 meetings every day", &avail, &meetings(16));
}

fn density(c: &mut Criterion) {
    let avail = availability(&[("08:00", "12:00"), ("13:00", "20:00")]);
    let (rules, now, viewer) = (rules(), NOW.parse::<Timestamp>().unwrap(), TimeZone::get(VIEWER).unwrap());
    let mut group = c.benchmark_group("60 days, meetings per day");
    for per_day in [4, 8, 16, 32, 64] {
        let busy = meetings(per_day);
        group.bench_with_input(BenchmarkId::from_parameter(per_day), &busy, |b, busy| {
            b.iter(|| slots(black_box(&avail), &rules, black_box(busy), now, start_date(), day(DAYS - 1), &viewer));
        });
    }
    group.finish();
}

criterion_group!(benches, sixty_days, density);
criterion_main!(benches);
