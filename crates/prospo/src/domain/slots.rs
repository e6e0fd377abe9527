//! Bookable slots: a host's weekly hours and date overrides, minus existing meetings and their buffers,
//! limited by minimum notice, booking window and a daily maximum.
//!
//! Everything here is pure: the current time and every input are arguments, nothing reads a clock,
//! a database or the network, so the same inputs always give the same slots.
//!
//! # Wall-clock times and daylight saving
//!
//! Hours are written in the host's wall-clock time; a slot is an absolute instant. A wall-clock time
//! becomes an instant as *the first moment the host's clock shows that time or later*:
//! - normally that is the one instant the clock shows it;
//! - in a fold (clocks go back and show an hour twice) it is the first pass;
//! - in a gap (clocks jump forward and skip an hour) it is the moment of the jump.
//!
//! Interval ends follow that rule, so "09:00–17:00" on a day that loses an hour is seven hours long and
//! on a day that gains one, nine. Slot starts lie on a grid in wall-clock time (the interval's start,
//! then every `step`), and a grid time must be one the clock really shows: a grid time inside a gap
//! offers no slot (no phantom 02:30 on the spring-forward night), and one inside a fold offers only
//! its first pass (no second 01:00 on the fall-back night). Every slot lasts exactly `duration` in
//! absolute time and must end by the interval's end.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Span, Timestamp};
use serde::{Deserialize, Serialize};

/// Weekday keys as the API spells them, Monday first (the order of `Weekday::to_monday_zero_offset`).
pub const WEEKDAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MINUTES_PER_DAY: u16 = 24 * 60;

// ---------------------------------------------------------------------------------------------
// Input as the API and the store see it
// ---------------------------------------------------------------------------------------------

/// The body of `PUT /api/v1/availability`, unvalidated: `{"timezone", "weekly": {"mon": [["09:00",
/// "17:00"]], ...}, "overrides": [{"date": "YYYY-MM-DD", "intervals": [...]}]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityInput {
    pub timezone: String,
    /// Weekday key (`mon` … `sun`) to intervals; a missing key is a closed day.
    #[serde(default)]
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
    #[serde(default)]
    pub overrides: Vec<OverrideInput>,
}

/// One date override: other hours on that date, or closed when `intervals` is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideInput {
    pub date: String,
    #[serde(default)]
    pub intervals: Vec<[String; 2]>,
}

/// Why availability was refused. `code()` is the API's error code (answered with 422), the
/// `Display` text is the message shown to the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvailabilityError {
    #[error("\"{0}\" is not a time zone we know. Use an IANA name such as Europe/Berlin.")]
    UnknownTimeZone(String),
    #[error("\"{0}\" is not a weekday. Use mon, tue, wed, thu, fri, sat or sun.")]
    UnknownWeekday(String),
    #[error("{day}: \"{value}\" is not a time. Use HH:MM from 00:00 to 23:59.")]
    InvalidTime { day: String, value: String },
    #[error("\"{0}\" is not a date. Use YYYY-MM-DD.")]
    InvalidDate(String),
    #[error("A date override has hours but no date: pick its date, or remove the row.")]
    MissingOverrideDate,
    #[error("{0} has more than one override.")]
    DuplicateOverride(Date),
    #[error("{day}: {start}–{end} ends before it starts.")]
    ReversedInterval { day: String, start: String, end: String },
    #[error("{day}: {start}–{end} is empty.")]
    EmptyInterval { day: String, start: String, end: String },
    #[error("{day}: {first} overlaps {second}.")]
    OverlappingIntervals { day: String, first: String, second: String },
}

impl AvailabilityError {
    /// A stable, machine-readable code for the API's error body.
    pub fn code(&self) -> &'static str {
        match self {
            AvailabilityError::UnknownTimeZone(_) => "unknown_time_zone",
            AvailabilityError::UnknownWeekday(_) => "unknown_weekday",
            AvailabilityError::InvalidTime { .. } => "invalid_time",
            AvailabilityError::InvalidDate(_) | AvailabilityError::MissingOverrideDate => "invalid_date",
            AvailabilityError::DuplicateOverride(_) => "duplicate_override",
            AvailabilityError::ReversedInterval { .. } => "reversed_interval",
            AvailabilityError::EmptyInterval { .. } => "empty_interval",
            AvailabilityError::OverlappingIntervals { .. } => "overlapping_intervals",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validated availability
// ---------------------------------------------------------------------------------------------

/// A half-open `[start, end)` span of one day's wall-clock time, in whole minutes from midnight.
/// `end` may be 1440 (24:00, written "23:59" or "24:00"): until the end of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalInterval {
    start: u16,
    end: u16,
}

impl LocalInterval {
    /// Minutes from midnight; `start < end <= 1440`, or `None`.
    pub fn new(start: u16, end: u16) -> Option<LocalInterval> {
        (start < end && end <= MINUTES_PER_DAY).then_some(LocalInterval { start, end })
    }

    pub fn start_minute(self) -> u16 {
        self.start
    }

    pub fn end_minute(self) -> u16 {
        self.end
    }

    /// Parses `["HH:MM", "HH:MM"]`; `day` names the day in error messages.
    fn parse(day: &str, [start, end]: &[String; 2]) -> Result<LocalInterval, AvailabilityError> {
        let invalid = |value: &str| AvailabilityError::InvalidTime { day: day.to_owned(), value: value.to_owned() };
        let start_min = parse_hh_mm(start).filter(|&m| m < MINUTES_PER_DAY).ok_or_else(|| invalid(start))?;
        let end_min = parse_hh_mm(end).ok_or_else(|| invalid(end))?;
        // Compared as written, before "23:59" becomes 24:00, so ["23:59", "23:59"] is empty, not a minute.
        if end_min < start_min {
            return Err(AvailabilityError::ReversedInterval {
                day: day.to_owned(),
                start: start.clone(),
                end: end.clone(),
            });
        }
        if end_min == start_min {
            return Err(AvailabilityError::EmptyInterval {
                day: day.to_owned(),
                start: start.clone(),
                end: end.clone(),
            });
        }
        // The API cannot write 24:00 in a day's time format, so "23:59" as an end means the end of the day.
        let end_min = if end_min == MINUTES_PER_DAY - 1 { MINUTES_PER_DAY } else { end_min };
        Ok(LocalInterval { start: start_min, end: end_min })
    }

    /// The API's form; the end of the day is written "23:59" as the contract has it.
    fn to_strings(self) -> [String; 2] {
        let hh_mm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        let end = if self.end == MINUTES_PER_DAY { "23:59".to_owned() } else { hh_mm(self.end) };
        [hh_mm(self.start), end]
    }

    fn label(self) -> String {
        let [start, end] = self.to_strings();
        format!("{start}–{end}")
    }
}

/// "HH:MM" with two digits each, 00:00 to 24:00.
fn parse_hh_mm(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digit = |i: usize| u16::from(b[i] - b'0');
    let (hours, minutes) = (digit(0) * 10 + digit(1), digit(3) * 10 + digit(4));
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= MINUTES_PER_DAY).then_some(total)
}

/// Sorts one day's intervals and refuses overlaps (touching ones, like 09:00–12:00 and 12:00–17:00,
/// are fine and stay separate: each starts its own slot grid).
fn parse_day(day: &str, raw: &[[String; 2]]) -> Result<Vec<LocalInterval>, AvailabilityError> {
    let mut intervals = raw.iter().map(|pair| LocalInterval::parse(day, pair)).collect::<Result<Vec<_>, _>>()?;
    intervals.sort_unstable();
    if let Some(w) = intervals.windows(2).find(|w| w[1].start < w[0].end) {
        return Err(AvailabilityError::OverlappingIntervals {
            day: day.to_owned(),
            first: w[0].label(),
            second: w[1].label(),
        });
    }
    Ok(intervals)
}

/// Per weekday, sorted non-overlapping intervals of wall-clock time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeeklyHours([Vec<LocalInterval>; 7]);

impl WeeklyHours {
    pub fn on(&self, weekday: Weekday) -> &[LocalInterval] {
        &self.0[weekday_index(weekday)]
    }
}

fn weekday_index(weekday: Weekday) -> usize {
    // to_monday_zero_offset is 0..=6 by construction.
    weekday.to_monday_zero_offset() as usize
}

/// A host's validated availability: weekly hours and date overrides in one IANA time zone.
#[derive(Debug, Clone)]
pub struct Availability {
    tz: TimeZone,
    tz_name: String,
    weekly: WeeklyHours,
    /// Date to that day's intervals, replacing the weekly ones; empty = closed.
    overrides: BTreeMap<Date, Vec<LocalInterval>>,
}

impl Availability {
    /// Validates the API's body: a known zone, `mon` … `sun` keys, "HH:MM" times, no reversed, empty
    /// or overlapping intervals, one override per date.
    pub fn parse(input: &AvailabilityInput) -> Result<Availability, AvailabilityError> {
        let name = input.timezone.trim();
        let unknown = || AvailabilityError::UnknownTimeZone(input.timezone.clone());
        // IANA names are plain ASCII paths; refusing anything else keeps odd strings away from the
        // zoneinfo lookup.
        let plausible = !name.is_empty()
            && name.len() <= 64
            && !name.contains("..")
            && !name.starts_with('/')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
        if !plausible {
            return Err(unknown());
        }
        let tz = TimeZone::get(name).map_err(|_| unknown())?;
        let tz_name = tz.iana_name().unwrap_or(name).to_owned();

        let mut weekly = WeeklyHours::default();
        for (key, raw) in &input.weekly {
            let index = WEEKDAY_KEYS
                .iter()
                .position(|k| k.eq_ignore_ascii_case(key.trim()))
                .ok_or_else(|| AvailabilityError::UnknownWeekday(key.clone()))?;
            weekly.0[index] = parse_day(WEEKDAY_NAMES[index], raw)?;
        }

        let mut overrides = BTreeMap::new();
        for o in &input.overrides {
            if o.date.trim().is_empty() {
                return Err(AvailabilityError::MissingOverrideDate);
            }
            let date: Date = o.date.trim().parse().map_err(|_| AvailabilityError::InvalidDate(o.date.clone()))?;
            let intervals = parse_day(&date.to_string(), &o.intervals)?;
            if overrides.insert(date, intervals).is_some() {
                return Err(AvailabilityError::DuplicateOverride(date));
            }
        }
        Ok(Availability { tz, tz_name, weekly, overrides })
    }

    /// The normalised API form (sorted, "23:59" for the end of the day), for storing and answering GET.
    pub fn to_input(&self) -> AvailabilityInput {
        let strings = |ivs: &[LocalInterval]| ivs.iter().map(|iv| iv.to_strings()).collect::<Vec<_>>();
        let weekly = (0..7)
            .filter(|&i| !self.weekly.0[i].is_empty())
            .map(|i| (WEEKDAY_KEYS[i].to_owned(), strings(&self.weekly.0[i])))
            .collect();
        let overrides = self
            .overrides
            .iter()
            .map(|(date, ivs)| OverrideInput { date: date.to_string(), intervals: strings(ivs) })
            .collect();
        AvailabilityInput { timezone: self.tz_name.clone(), weekly, overrides }
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The zone's IANA name as the time zone database spells it.
    pub fn time_zone_name(&self) -> &str {
        &self.tz_name
    }

    pub fn weekly(&self) -> &WeeklyHours {
        &self.weekly
    }

    /// The intervals that apply on `date` (host-local): its override if it has one, else its weekday's.
    pub fn intervals_on(&self, date: Date) -> &[LocalInterval] {
        match self.overrides.get(&date) {
            Some(intervals) => intervals,
            None => self.weekly.on(date.weekday()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rules and existing meetings
// ---------------------------------------------------------------------------------------------

/// An event type's scheduling rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotRules {
    /// Length of a meeting. Must be positive (the event type validates it); otherwise no slots.
    pub duration: SignedDuration,
    /// Distance between grid starts in wall-clock time, from each interval's start. Must be positive.
    pub step: SignedDuration,
    /// Free time this event type needs before and after its meetings.
    pub buffer_before: SignedDuration,
    pub buffer_after: SignedDuration,
    /// A slot starts at least this long after `now`.
    pub minimum_notice: SignedDuration,
    /// A slot starts before the same host wall-clock time this many days after `now`.
    pub booking_window_days: u32,
    /// At most this many meetings of this event type per host-local day.
    pub max_per_day: Option<u32>,
}

impl SlotRules {
    /// The product's defaults: step = duration, no buffers, 4 hours' notice, 60 days ahead, no daily
    /// maximum.
    pub fn new(duration: SignedDuration) -> SlotRules {
        SlotRules {
            duration,
            step: duration,
            buffer_before: SignedDuration::ZERO,
            buffer_after: SignedDuration::ZERO,
            minimum_notice: SignedDuration::from_hours(4),
            booking_window_days: 60,
            max_per_day: None,
        }
    }

    fn usable(&self) -> bool {
        self.duration.is_positive() && self.step.as_secs() > 0
    }
}

/// An existing meeting of the host (cancelled ones are left out by the caller).
///
/// A candidate slot `[s, e)` is free iff `[s - rules.buffer_before, e + rules.buffer_after)` does not
/// overlap `[start - buffer_before, end + buffer_after)` of any existing meeting: each side keeps the
/// buffers its own event type asked for (the meeting's are stored with it, so editing an event type
/// later does not move old buffers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub start: Timestamp,
    pub end: Timestamp,
    pub buffer_before: SignedDuration,
    pub buffer_after: SignedDuration,
    /// Booked through the event type whose slots are asked for, so it counts toward `max_per_day`
    /// on the host-local day it starts.
    pub counts_toward_daily_max: bool,
}

impl Busy {
    /// A meeting without buffers that does not count toward the daily maximum.
    pub fn new(start: Timestamp, end: Timestamp) -> Busy {
        Busy {
            start,
            end,
            buffer_before: SignedDuration::ZERO,
            buffer_after: SignedDuration::ZERO,
            counts_toward_daily_max: false,
        }
    }

    pub fn with_buffers(self, before: SignedDuration, after: SignedDuration) -> Busy {
        Busy { buffer_before: before, buffer_after: after, ..self }
    }

    /// Marks it as booked through this event type.
    pub fn counting(self) -> Busy {
        Busy { counts_toward_daily_max: true, ..self }
    }

    /// The time it blocks, buffers included; `None` when that is empty.
    fn blocked(&self) -> Option<(Timestamp, Timestamp)> {
        let (start, end) = (plus(self.start, -self.buffer_before), plus(self.end, self.buffer_after));
        (start < end).then_some((start, end))
    }
}

/// What a requested start is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bookability {
    Bookable,
    /// It would be a slot but an existing meeting (with buffers) overlaps it, or its day already has
    /// `max_per_day` meetings: someone was faster (API 409 `slot_taken`).
    Taken,
    /// Never a slot: off the grid, outside hours, too soon or beyond the window (API 422 `not_available`).
    NotAvailable,
}

// ---------------------------------------------------------------------------------------------
// The computation
// ---------------------------------------------------------------------------------------------

/// Free slot starts whose date in `viewer_tz` is in `from..=to`, ascending and unique.
///
/// A start `t` is a slot iff it is on the host's wall-clock grid inside that day's availability (see
/// the module docs), `t >= now + minimum_notice`, `t` is before the booking window's end, its
/// host-local day has fewer than `max_per_day` meetings of this event type, and no existing meeting
/// overlaps it (buffers on both sides, see [`Busy`]).
///
/// Cost: O(busy · log busy) to prepare, then O(log busy) per grid time of the host days that cover
/// the range, so linear in meetings whatever their density. Notice and window bound the days looked
/// at, but a huge window with a huge `from..=to` would still walk every day: the route should cap
/// the range it accepts (a few months).
pub fn slots(
    avail: &Availability,
    rules: &SlotRules,
    busy: &[Busy],
    now: Timestamp,
    from: Date,
    to: Date,
    viewer_tz: &TimeZone,
) -> Vec<Timestamp> {
    if !rules.usable() || from > to {
        return Vec::new();
    }
    let (earliest, latest) = bookable_range(avail, rules, now);
    // Instants of the viewer's days, narrowed to what notice and window allow; they only choose which
    // host days to look at, membership is decided on the viewer-local date below.
    let lo = first_instant_at(viewer_tz, from.into()).unwrap_or(Timestamp::MIN).max(earliest);
    let hi =
        to.tomorrow().ok().and_then(|d| first_instant_at(viewer_tz, d.into())).unwrap_or(Timestamp::MAX).min(latest);
    if lo >= hi {
        return Vec::new();
    }
    let host = &avail.tz;
    // A day either side: host dates are not monotone in time where clocks fall back over midnight.
    let first_day = host.to_datetime(lo).date().yesterday().unwrap_or(Date::MIN);
    let last_day = host.to_datetime(hi).date().tomorrow().unwrap_or(Date::MAX);

    // No clock is more than 26 hours off UTC (jiff's offsets stay within ±25:59:59), so a start more
    // than that inside the viewer's dates read as UTC is on one of them without a time zone lookup.
    let utc_day_start = |d: Date| d.to_zoned(TimeZone::UTC).map(|z| z.timestamp()).ok();
    let margin = SignedDuration::from_hours(26);
    let surely_lo = utc_day_start(from).map_or(Timestamp::MAX, |t| plus(t, margin));
    let surely_hi = to.tomorrow().ok().and_then(utc_day_start).map_or(Timestamp::MIN, |t| plus(t, -margin));
    let viewer_day_in_range =
        |t: Timestamp| (surely_lo <= t && t < surely_hi) || (from..=to).contains(&viewer_tz.to_datetime(t).date());

    let blocked = merged_blocks(busy);
    let per_day = meetings_per_day(avail, rules, busy, lo, hi);
    let mut out = Vec::new();
    let mut day = first_day;
    while day <= last_day {
        if !per_day.get(&day).is_some_and(|&n| at_cap(rules, n)) {
            for_each_grid_slot(avail, rules, day, |t| {
                if t >= earliest
                    && t < latest
                    && viewer_day_in_range(t)
                    && !overlaps(&blocked, candidate_block(rules, t))
                {
                    out.push(t);
                }
            });
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    // Already ascending (grid times map to instants monotonically); kept as a cheap guarantee.
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether `start` can be booked now; agrees with [`slots`] (a start it returns is `Bookable`, any
/// other start is not). A day already at `max_per_day` answers `Taken`: the start was offered and
/// another booking just filled the day, which is what the invitee should hear.
pub fn is_bookable(
    avail: &Availability,
    rules: &SlotRules,
    busy: &[Busy],
    now: Timestamp,
    start: Timestamp,
) -> Bookability {
    if !rules.usable() {
        return Bookability::NotAvailable;
    }
    let (earliest, latest) = bookable_range(avail, rules, now);
    if start < earliest || start >= latest {
        return Bookability::NotAvailable;
    }
    // A grid slot always shows its own day's date on the host's clock.
    let day = avail.tz.to_datetime(start).date();
    let mut on_grid = false;
    for_each_grid_slot(avail, rules, day, |t| on_grid |= t == start);
    if !on_grid {
        return Bookability::NotAvailable;
    }
    let booked_that_day =
        busy.iter().filter(|b| b.counts_toward_daily_max && avail.tz.to_datetime(b.start).date() == day).count();
    let (s, e) = candidate_block(rules, start);
    let overlapped = busy.iter().filter_map(Busy::blocked).any(|(bs, be)| bs < e && s < be);
    if overlapped || at_cap(rules, u32::try_from(booked_that_day).unwrap_or(u32::MAX)) {
        Bookability::Taken
    } else {
        Bookability::Bookable
    }
}

/// `start` as RFC 3339 in `tz`'s offset at that instant, e.g. `2026-03-09T09:00:00-04:00` (the slots
/// route's format).
pub fn format_in(start: Timestamp, tz: &TimeZone) -> String {
    start.display_with_offset(tz.to_offset(start)).to_string()
}

/// `[now + notice, window end)`: the instants a slot may start in. The window ends at the same host
/// wall-clock time `booking_window_days` days later (a calendar day, so DST does not shift it).
fn bookable_range(avail: &Availability, rules: &SlotRules, now: Timestamp) -> (Timestamp, Timestamp) {
    let earliest = plus(now, rules.minimum_notice);
    let latest = Span::new()
        .try_days(i64::from(rules.booking_window_days))
        .and_then(|days| now.to_zoned(avail.tz.clone()).checked_add(days))
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX);
    (earliest, latest)
}

fn at_cap(rules: &SlotRules, booked: u32) -> bool {
    rules.max_per_day.is_some_and(|max| booked >= max)
}

/// The time a candidate at `t` needs free: the meeting plus this event type's buffers.
fn candidate_block(rules: &SlotRules, t: Timestamp) -> (Timestamp, Timestamp) {
    (plus(t, -rules.buffer_before), plus(plus(t, rules.duration), rules.buffer_after))
}

/// Calls `f` with each grid start of host-local `day` that lies inside one of its intervals, in
/// ascending order, ignoring notice, window, busy time and the daily maximum.
fn for_each_grid_slot(avail: &Availability, rules: &SlotRules, day: Date, mut f: impl FnMut(Timestamp)) {
    let tz = &avail.tz;
    let midnight = DateTime::from(day);
    let wall = |minute: u16| midnight.checked_add(SignedDuration::from_mins(i64::from(minute))).ok();
    for iv in avail.intervals_on(day) {
        let (Some(start_dt), Some(end_dt)) = (wall(iv.start), wall(iv.end)) else {
            continue;
        };
        let (Some(open), Some(close)) = (first_instant_at(tz, start_dt), first_instant_at(tz, end_dt)) else {
            continue;
        };
        let fits = |t: Timestamp| t.checked_add(rules.duration).is_ok_and(|end| end <= close);
        // Usually the offset does not change inside an interval: the clock then runs straight from the
        // interval's start, so grid time `start + k·step` is the instant `open + k·step`, with no time
        // zone lookup per grid time (they were most of the cost).
        let steady = tz.following(open).next().is_none_or(|transition| transition.timestamp() >= close);
        if steady && instant_shown(tz, start_dt) == Some(open) {
            let mut t = Ok(open);
            while let Ok(start) = t {
                if !fits(start) {
                    break;
                }
                f(start);
                t = start.checked_add(rules.step);
            }
            continue;
        }
        // Across a change, each grid time is looked up on its own.
        let end_secs = i64::from(iv.end) * 60;
        let mut secs = i64::from(iv.start) * 60;
        while secs < end_secs {
            let start = midnight.checked_add(SignedDuration::from_secs(secs)).ok().and_then(|dt| instant_shown(tz, dt));
            if let Some(t) = start.filter(|&t| t >= open && fits(t)) {
                f(t);
            }
            secs += rules.step.as_secs();
        }
    }
}

/// The first instant the clock in `tz` shows `dt`: in a fold its first pass; `None` in a gap (the
/// clock never shows it).
fn instant_shown(tz: &TimeZone, dt: DateTime) -> Option<Timestamp> {
    match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } | AmbiguousOffset::Fold { before: offset, .. } => {
            offset.to_timestamp(dt).ok()
        }
        AmbiguousOffset::Gap { .. } => None,
    }
}

/// The first instant the clock in `tz` shows `dt` or later: like [`instant_shown`], and in a gap the
/// moment of the jump.
fn first_instant_at(tz: &TimeZone, dt: DateTime) -> Option<Timestamp> {
    match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Gap { after, .. } => {
            // Read with the later offset, `dt` falls just before the jump; the next transition is it.
            let before_jump = after.to_timestamp(dt).ok()?;
            tz.following(before_jump).next().map(|transition| transition.timestamp())
        }
        _ => instant_shown(tz, dt),
    }
}

/// Busy time, buffers included, as sorted disjoint intervals (touching ones merged), so one binary
/// search answers whether a candidate overlaps any.
fn merged_blocks(busy: &[Busy]) -> Vec<(Timestamp, Timestamp)> {
    let mut blocks: Vec<_> = busy.iter().filter_map(Busy::blocked).collect();
    blocks.sort_unstable();
    let mut merged: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(blocks.len());
    for (start, end) in blocks {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn overlaps(merged: &[(Timestamp, Timestamp)], (start, end): (Timestamp, Timestamp)) -> bool {
    let i = merged.partition_point(|&(_, block_end)| block_end <= start);
    merged.get(i).is_some_and(|&(block_start, _)| block_start < end)
}

/// Meetings of this event type per host-local day, for those starting near `[lo, hi)` (three days'
/// margin covers the day either side that `slots` looks at); nothing to count without a daily maximum.
fn meetings_per_day(
    avail: &Availability,
    rules: &SlotRules,
    busy: &[Busy],
    lo: Timestamp,
    hi: Timestamp,
) -> HashMap<Date, u32> {
    let mut per_day = HashMap::new();
    if rules.max_per_day.is_none() {
        return per_day;
    }
    let margin = SignedDuration::from_hours(72);
    let (lo, hi) = (plus(lo, -margin), plus(hi, margin));
    for b in busy.iter().filter(|b| b.counts_toward_daily_max && lo <= b.start && b.start < hi) {
        *per_day.entry(avail.tz.to_datetime(b.start).date()).or_insert(0) += 1;
    }
    per_day
}

/// `t + d`, saturating at the ends of time instead of failing.
fn plus(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(if d.is_negative() { Timestamp::MIN } else { Timestamp::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    type Hours<'a> = &'a [(&'a str, &'a str)];

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn mins(m: i64) -> SignedDuration {
        SignedDuration::from_mins(m)
    }

    fn pairs(hours: Hours) -> Vec<[String; 2]> {
        hours.iter().map(|(s, e)| [s.to_string(), e.to_string()]).collect()
    }

    fn input(zone: &str, weekly: &[(&str, Hours)], overrides: &[(&str, Hours)]) -> AvailabilityInput {
        AvailabilityInput {
            timezone: zone.to_owned(),
            weekly: weekly.iter().map(|(day, hours)| (day.to_string(), pairs(hours))).collect(),
            overrides: overrides
                .iter()
                .map(|(date, hours)| OverrideInput { date: date.to_string(), intervals: pairs(hours) })
                .collect(),
        }
    }

    fn avail(zone: &str, weekly: &[(&str, Hours)], overrides: &[(&str, Hours)]) -> Availability {
        Availability::parse(&input(zone, weekly, overrides)).unwrap()
    }

    fn every_day(zone: &str, hours: Hours) -> Availability {
        let weekly: Vec<_> = WEEKDAY_KEYS.iter().map(|&k| (k, hours)).collect();
        avail(zone, &weekly, &[])
    }

    /// No notice and a long window, so only the hours under test decide.
    fn rules(duration_min: i64) -> SlotRules {
        SlotRules {
            minimum_notice: SignedDuration::ZERO,
            booking_window_days: 400,
            ..SlotRules::new(mins(duration_min))
        }
    }

    const NOW: &str = "2026-01-01T00:00:00Z";

    fn run(a: &Availability, r: &SlotRules, busy: &[Busy], from: Date, to: Date, viewer: &str) -> Vec<Timestamp> {
        slots(a, r, busy, ts(NOW), from, to, &tz(viewer))
    }

    fn utc(slots: &[Timestamp]) -> Vec<String> {
        slots.iter().map(|t| t.to_string()).collect()
    }

    fn shown_in(slots: &[Timestamp], zone: &str) -> Vec<String> {
        let zone = tz(zone);
        slots.iter().map(|&t| format_in(t, &zone)).collect()
    }

    fn bookable(a: &Availability, r: &SlotRules, busy: &[Busy], start: &str) -> Bookability {
        is_bookable(a, r, busy, ts(NOW), ts(start))
    }

    #[test]
    fn time_zones_load_from_the_database() {
        for name in ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Adelaide", "Asia/Kathmandu"] {
            assert_eq!(tz(name).iana_name(), Some(name));
        }
    }

    #[test]
    fn basic_weekday_hours() {
        // Wednesday's intervals arrive unsorted; 2026-03-02 is a Monday.
        let a =
            avail("UTC", &[("mon", &[("09:00", "12:00")]), ("wed", &[("14:00", "15:00"), ("09:00", "10:00")])], &[]);
        let got = run(&a, &rules(60), &[], date(2026, 3, 2), date(2026, 3, 8), "UTC");
        assert_eq!(
            utc(&got),
            [
                "2026-03-02T09:00:00Z",
                "2026-03-02T10:00:00Z",
                "2026-03-02T11:00:00Z",
                "2026-03-04T09:00:00Z",
                "2026-03-04T14:00:00Z"
            ]
        );
        // A step shorter than the meeting: starts every 30 minutes while the meeting still fits.
        let r = SlotRules { step: mins(30), ..rules(60) };
        let got = run(&a, &r, &[], date(2026, 3, 2), date(2026, 3, 2), "UTC");
        assert_eq!(
            utc(&got),
            [
                "2026-03-02T09:00:00Z",
                "2026-03-02T09:30:00Z",
                "2026-03-02T10:00:00Z",
                "2026-03-02T10:30:00Z",
                "2026-03-02T11:00:00Z"
            ]
        );
        assert_eq!(bookable(&a, &r, &[], "2026-03-02T10:30:00Z"), Bookability::Bookable);
        assert_eq!(bookable(&a, &r, &[], "2026-03-02T10:45:00Z"), Bookability::NotAvailable, "off the grid");
        assert_eq!(bookable(&a, &r, &[], "2026-03-02T11:30:00Z"), Bookability::NotAvailable, "runs past 12:00");
        assert_eq!(bookable(&a, &r, &[], "2026-03-03T09:00:00Z"), Bookability::NotAvailable, "Tuesday is closed");
        assert_eq!(bookable(&a, &r, &[], "2026-03-02T10:30:00.5Z"), Bookability::NotAvailable);
    }

    #[test]
    fn override_closed_and_other_hours() {
        let weekdays: Vec<_> = WEEKDAY_KEYS[..5].iter().map(|&k| (k, &[("09:00", "17:00")][..])).collect();
        let a = avail(
            "UTC",
            &weekdays,
            &[("2026-03-03", &[]), ("2026-03-04", &[("13:00", "15:00")]), ("2026-03-07", &[("10:00", "11:00")])],
        );
        let got = run(&a, &rules(60), &[], date(2026, 3, 3), date(2026, 3, 8), "UTC");
        let on = |d: &str| got.iter().filter(|t| t.to_string().starts_with(d)).count();
        assert_eq!(on("2026-03-03"), 0, "closed by override");
        assert_eq!(on("2026-03-04"), 2, "other hours");
        assert_eq!(on("2026-03-05"), 8);
        assert_eq!(on("2026-03-06"), 8);
        assert_eq!(on("2026-03-07"), 1, "a Saturday opened by override");
        assert_eq!(on("2026-03-08"), 0);
        assert_eq!(utc(&got[..2]), ["2026-03-04T13:00:00Z", "2026-03-04T14:00:00Z"]);
        assert_eq!(bookable(&a, &rules(60), &[], "2026-03-03T09:00:00Z"), Bookability::NotAvailable);
    }

    #[test]
    fn end_2359_means_end_of_day() {
        let a = every_day("UTC", &[("22:00", "23:59")]);
        let got = run(&a, &rules(60), &[], date(2026, 3, 2), date(2026, 3, 2), "UTC");
        assert_eq!(utc(&got), ["2026-03-02T22:00:00Z", "2026-03-02T23:00:00Z"]);
        assert_eq!(a.intervals_on(date(2026, 3, 2)), [LocalInterval::new(22 * 60, 24 * 60).unwrap()]);
        assert_eq!(a.to_input().weekly["mon"], [["22:00".to_string(), "23:59".to_string()]]);
        // "24:00" is understood too and written back as "23:59".
        let b = every_day("UTC", &[("22:00", "24:00")]);
        assert_eq!(b.to_input(), a.to_input());
    }

    #[test]
    fn notice_and_window() {
        let a = every_day("UTC", &[("09:00", "17:00")]);
        let r = SlotRules { booking_window_days: 2, ..SlotRules::new(mins(60)) }; // 4 hours' notice
        let now = ts("2026-03-02T10:30:00Z");
        let got = slots(&a, &r, &[], now, date(2026, 3, 1), date(2026, 3, 10), &tz("UTC"));
        let starts = utc(&got);
        assert_eq!(starts.len(), 2 + 8 + 2);
        assert_eq!(starts[0], "2026-03-02T15:00:00Z", "first start at least 4 hours ahead");
        assert_eq!(starts.last().unwrap(), "2026-03-04T10:00:00Z", "last start before now + 2 days");
        let check = |s: &str| is_bookable(&a, &r, &[], now, ts(s));
        assert_eq!(check("2026-03-02T14:00:00Z"), Bookability::NotAvailable, "too soon");
        assert_eq!(check("2026-03-02T15:00:00Z"), Bookability::Bookable);
        assert_eq!(check("2026-03-04T10:00:00Z"), Bookability::Bookable);
        assert_eq!(check("2026-03-04T11:00:00Z"), Bookability::NotAvailable, "beyond the window");

        // The window counts calendar days in the host's zone: across spring-forward one day is 23 hours.
        let a = every_day("America/New_York", &[("09:00", "17:00")]);
        let r = SlotRules { booking_window_days: 1, minimum_notice: SignedDuration::ZERO, ..SlotRules::new(mins(60)) };
        let now = ts("2026-03-07T17:00:00Z"); // 12:00 EST
        let got = slots(&a, &r, &[], now, date(2026, 3, 8), date(2026, 3, 8), &tz("America/New_York"));
        assert_eq!(
            shown_in(&got, "America/New_York"),
            ["2026-03-08T09:00:00-04:00", "2026-03-08T10:00:00-04:00", "2026-03-08T11:00:00-04:00"]
        );
    }

    #[test]
    fn buffers_on_both_sides() {
        let a = every_day("UTC", &[("09:00", "12:00")]);
        let day = date(2026, 3, 2);
        let meeting = Busy::new(ts("2026-03-02T10:00:00Z"), ts("2026-03-02T10:30:00Z"));
        let got = run(&a, &rules(30), &[meeting], day, day, "UTC");
        assert_eq!(
            utc(&got),
            [
                "2026-03-02T09:00:00Z",
                "2026-03-02T09:30:00Z",
                "2026-03-02T10:30:00Z",
                "2026-03-02T11:00:00Z",
                "2026-03-02T11:30:00Z"
            ],
            "touching a meeting is fine"
        );

        // This event type's buffers.
        let r = SlotRules { buffer_before: mins(15), buffer_after: mins(15), ..rules(30) };
        let got = run(&a, &r, &[meeting], day, day, "UTC");
        assert_eq!(utc(&got), ["2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z", "2026-03-02T11:30:00Z"]);

        // The existing meeting's own buffer (30 minutes after it) as well.
        let buffered = meeting.with_buffers(SignedDuration::ZERO, mins(30));
        let got = run(&a, &rules(30), &[buffered], day, day, "UTC");
        assert_eq!(
            utc(&got),
            ["2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z", "2026-03-02T11:00:00Z", "2026-03-02T11:30:00Z"]
        );
        let got = run(&a, &r, &[buffered], day, day, "UTC");
        assert_eq!(utc(&got), ["2026-03-02T09:00:00Z", "2026-03-02T11:30:00Z"]);

        assert_eq!(bookable(&a, &r, &[buffered], "2026-03-02T09:30:00Z"), Bookability::Taken);
        assert_eq!(bookable(&a, &r, &[buffered], "2026-03-02T11:00:00Z"), Bookability::Taken);
        assert_eq!(bookable(&a, &r, &[buffered], "2026-03-02T09:45:00Z"), Bookability::NotAvailable);
        assert_eq!(bookable(&a, &r, &[buffered], "2026-03-02T11:30:00Z"), Bookability::Bookable);
    }

    #[test]
    fn daily_maximum_counts_this_event_types_meetings_per_host_day() {
        let a = every_day("UTC", &[("09:00", "12:00")]);
        let r = SlotRules { max_per_day: Some(2), ..rules(60) };
        let meeting = |s: &str, e: &str| Busy::new(ts(s), ts(e));
        let busy = [
            meeting("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z").counting(),
            meeting("2026-03-02T11:00:00Z", "2026-03-02T12:00:00Z").counting(),
            meeting("2026-03-03T09:00:00Z", "2026-03-03T10:00:00Z").counting(),
            // Another event type's meeting blocks its time but does not count toward this maximum.
            meeting("2026-03-03T10:00:00Z", "2026-03-03T11:00:00Z"),
        ];
        let got = run(&a, &r, &busy, date(2026, 3, 2), date(2026, 3, 4), "UTC");
        assert_eq!(
            utc(&got),
            ["2026-03-03T11:00:00Z", "2026-03-04T09:00:00Z", "2026-03-04T10:00:00Z", "2026-03-04T11:00:00Z"]
        );
        // 10:00 on the full day was free, and is now "just taken".
        assert_eq!(bookable(&a, &r, &busy, "2026-03-02T10:00:00Z"), Bookability::Taken);
        assert_eq!(bookable(&a, &r, &busy, "2026-03-03T11:00:00Z"), Bookability::Bookable);

        // The day is the host's: 23:30 UTC on the 2nd is 00:30 on the 3rd in Berlin.
        let a = every_day("Europe/Berlin", &[("09:00", "12:00")]);
        let r = SlotRules { max_per_day: Some(1), ..rules(60) };
        let late = [meeting("2026-03-02T23:30:00Z", "2026-03-02T23:45:00Z").counting()];
        let got = run(&a, &r, &late, date(2026, 3, 2), date(2026, 3, 3), "Europe/Berlin");
        assert_eq!(
            shown_in(&got, "Europe/Berlin"),
            ["2026-03-02T09:00:00+01:00", "2026-03-02T10:00:00+01:00", "2026-03-02T11:00:00+01:00"]
        );
    }

    #[test]
    fn new_york_spring_forward_week() {
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT.
        let a = every_day("America/New_York", &[("01:00", "03:00")]);
        let got = run(&a, &rules(60), &[], date(2026, 3, 7), date(2026, 3, 9), "America/New_York");
        assert_eq!(
            utc(&got),
            [
                "2026-03-07T06:00:00Z",
                "2026-03-07T07:00:00Z",
                "2026-03-08T06:00:00Z", // 01:00 EST, ending at 03:00 EDT; no phantom 02:00
                "2026-03-09T05:00:00Z",
                "2026-03-09T06:00:00Z"
            ]
        );
        assert_eq!(
            shown_in(&got, "America/New_York"),
            [
                "2026-03-07T01:00:00-05:00",
                "2026-03-07T02:00:00-05:00",
                "2026-03-08T01:00:00-05:00",
                "2026-03-09T01:00:00-04:00",
                "2026-03-09T02:00:00-04:00"
            ]
        );
        let got = run(&a, &rules(30), &[], date(2026, 3, 8), date(2026, 3, 8), "America/New_York");
        assert_eq!(utc(&got), ["2026-03-08T06:00:00Z", "2026-03-08T06:30:00Z"]);
        assert_eq!(bookable(&a, &rules(30), &[], "2026-03-08T07:00:00Z"), Bookability::NotAvailable);

        // Ordinary hours all week: eight slots a day, 09:00 local on either side of the change.
        let a = every_day("America/New_York", &[("09:00", "17:00")]);
        let got = run(&a, &rules(60), &[], date(2026, 3, 2), date(2026, 3, 15), "America/New_York");
        assert_eq!(got.len(), 14 * 8);
        let local = shown_in(&got, "America/New_York");
        assert!(local.iter().all(|s| (9..17).any(|h| s[11..].starts_with(&format!("{h:02}:00:00")))));
        assert!(local.contains(&"2026-03-07T09:00:00-05:00".to_string()));
        assert!(local.contains(&"2026-03-08T09:00:00-04:00".to_string()));
    }

    #[test]
    fn new_york_fall_back_week() {
        // 2026-11-01: 02:00 EDT falls back to 01:00 EST, so 01:00–01:59 happens twice.
        let a = every_day("America/New_York", &[("01:00", "03:00")]);
        let got = run(&a, &rules(60), &[], date(2026, 10, 31), date(2026, 11, 2), "America/New_York");
        assert_eq!(
            shown_in(&got, "America/New_York"),
            [
                "2026-10-31T01:00:00-04:00",
                "2026-10-31T02:00:00-04:00",
                "2026-11-01T01:00:00-04:00", // the first 01:00 only: no duplicate
                "2026-11-01T02:00:00-05:00",
                "2026-11-02T01:00:00-05:00",
                "2026-11-02T02:00:00-05:00"
            ]
        );
        assert_eq!(utc(&got[2..4]), ["2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z"]);
        assert_eq!(bookable(&a, &rules(60), &[], "2026-11-01T06:00:00Z"), Bookability::NotAvailable, "second 01:00");

        let got = run(&a, &rules(30), &[], date(2026, 11, 1), date(2026, 11, 1), "America/New_York");
        assert_eq!(
            utc(&got),
            ["2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:30:00Z"]
        );
    }

    #[test]
    fn berlin_spring_forward_week() {
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST.
        let a = every_day("Europe/Berlin", &[("01:00", "04:00")]);
        let got = run(&a, &rules(60), &[], date(2026, 3, 28), date(2026, 3, 30), "Europe/Berlin");
        assert_eq!(
            utc(&got),
            [
                "2026-03-28T00:00:00Z",
                "2026-03-28T01:00:00Z",
                "2026-03-28T02:00:00Z",
                "2026-03-29T00:00:00Z", // 01:00 CET
                "2026-03-29T01:00:00Z", // 03:00 CEST; 02:00 does not exist
                "2026-03-29T23:00:00Z",
                "2026-03-30T00:00:00Z",
                "2026-03-30T01:00:00Z"
            ]
        );
        assert_eq!(shown_in(&got[3..5], "Europe/Berlin"), ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00"]);
    }

    #[test]
    fn berlin_fall_back_week() {
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET.
        let a = every_day("Europe/Berlin", &[("01:00", "04:00")]);
        let got = run(&a, &rules(60), &[], date(2026, 10, 24), date(2026, 10, 26), "Europe/Berlin");
        assert_eq!(
            shown_in(&got, "Europe/Berlin"),
            [
                "2026-10-24T01:00:00+02:00",
                "2026-10-24T02:00:00+02:00",
                "2026-10-24T03:00:00+02:00",
                "2026-10-25T01:00:00+02:00",
                "2026-10-25T02:00:00+02:00", // the first 02:00 only
                "2026-10-25T03:00:00+01:00",
                "2026-10-26T01:00:00+01:00",
                "2026-10-26T02:00:00+01:00",
                "2026-10-26T03:00:00+01:00"
            ]
        );
        assert_eq!(utc(&got[3..6]), ["2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"]);
    }

    #[test]
    fn viewer_in_another_zone_across_both_dst_changes() {
        // Host in Berlin (CEST from 03-29), invitee in Los Angeles (PDT from 03-08): three weeks in March
        // when the difference is 8 hours instead of 9.
        let a = every_day("Europe/Berlin", &[("09:00", "11:00")]);
        let got = run(&a, &rules(60), &[], date(2026, 3, 6), date(2026, 3, 30), "America/Los_Angeles");
        let local = shown_in(&got, "America/Los_Angeles");
        assert_eq!(local.len(), 25 * 2, "{local:?}");
        let day = |d: &str| local.iter().filter(|s| s.starts_with(d)).cloned().collect::<Vec<_>>();
        assert_eq!(day("2026-03-06"), ["2026-03-06T00:00:00-08:00", "2026-03-06T01:00:00-08:00"]);
        // Los Angeles changes at 10:00 UTC on the 8th, after Berlin's 09:00 and 10:00 (08:00, 09:00 UTC).
        assert_eq!(day("2026-03-08"), ["2026-03-08T00:00:00-08:00", "2026-03-08T01:00:00-08:00"]);
        assert_eq!(day("2026-03-09"), ["2026-03-09T01:00:00-07:00", "2026-03-09T02:00:00-07:00"]);
        assert_eq!(day("2026-03-28"), ["2026-03-28T01:00:00-07:00", "2026-03-28T02:00:00-07:00"]);
        assert_eq!(day("2026-03-29"), ["2026-03-29T00:00:00-07:00", "2026-03-29T01:00:00-07:00"]);
        assert_eq!(local.last().unwrap(), "2026-03-30T01:00:00-07:00", "`to` is inclusive, the 31st is not");
    }

    #[test]
    fn half_hour_and_45_minute_offsets() {
        // Kolkata, +05:30 all year.
        let a = every_day("Asia/Kolkata", &[("09:00", "12:00")]);
        let got = run(&a, &rules(60), &[], date(2026, 3, 2), date(2026, 3, 2), "UTC");
        assert_eq!(utc(&got), ["2026-03-02T03:30:00Z", "2026-03-02T04:30:00Z", "2026-03-02T05:30:00Z"]);

        // A New York host seen from Kolkata, and a Kathmandu (+05:45) host seen from Berlin.
        let a = every_day("America/New_York", &[("09:00", "10:00")]);
        let got = run(&a, &rules(60), &[], date(2026, 3, 2), date(2026, 3, 2), "Asia/Kolkata");
        assert_eq!(shown_in(&got, "Asia/Kolkata"), ["2026-03-02T19:30:00+05:30"]);
        let a = every_day("Asia/Kathmandu", &[("09:00", "10:00")]);
        let got = run(&a, &rules(60), &[], date(2026, 3, 2), date(2026, 3, 2), "Europe/Berlin");
        assert_eq!(shown_in(&got, "Europe/Berlin"), ["2026-03-02T04:15:00+01:00"]);
        assert_eq!(shown_in(&got, "Asia/Kathmandu"), ["2026-03-02T09:00:00+05:45"]);

        // Adelaide, +10:30 in summer and +09:30 in winter, changing at 03:00 → 02:00 on 2026-04-05 and
        // 02:00 → 03:00 on 2026-10-04.
        let a = every_day("Australia/Adelaide", &[("01:00", "04:00")]);
        let got = run(&a, &rules(60), &[], date(2026, 4, 5), date(2026, 4, 5), "Australia/Adelaide");
        assert_eq!(
            shown_in(&got, "Australia/Adelaide"),
            ["2026-04-05T01:00:00+10:30", "2026-04-05T02:00:00+10:30", "2026-04-05T03:00:00+09:30"]
        );
        assert_eq!(utc(&got), ["2026-04-04T14:30:00Z", "2026-04-04T15:30:00Z", "2026-04-04T17:30:00Z"]);
        let got = run(&a, &rules(60), &[], date(2026, 10, 4), date(2026, 10, 4), "Australia/Adelaide");
        assert_eq!(shown_in(&got, "Australia/Adelaide"), ["2026-10-04T01:00:00+09:30", "2026-10-04T03:00:00+10:30"]);
        assert_eq!(utc(&got), ["2026-10-03T15:30:00Z", "2026-10-03T16:30:00Z"]);
    }

    #[test]
    fn interval_ends_inside_a_gap_are_the_moment_of_the_jump() {
        // 01:00–02:30 on New York's spring-forward day: the clock passes 02:30 at 03:00 EDT (07:00 UTC).
        let a = avail("America/New_York", &[("sun", &[("01:00", "02:30")])], &[]);
        let got = run(&a, &rules(30), &[], date(2026, 3, 8), date(2026, 3, 8), "UTC");
        assert_eq!(utc(&got), ["2026-03-08T06:00:00Z", "2026-03-08T06:30:00Z"]);
        // And a start inside the gap opens at the jump: 02:30–04:00 offers 03:00, 03:30 EDT.
        let a = avail("America/New_York", &[("sun", &[("02:30", "04:00")])], &[]);
        let got = run(&a, &rules(30), &[], date(2026, 3, 8), date(2026, 3, 8), "America/New_York");
        assert_eq!(shown_in(&got, "America/New_York"), ["2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"]);
    }

    #[test]
    fn validation_errors() {
        let err = |i: AvailabilityInput| Availability::parse(&i).unwrap_err();
        let mon = |hours: Hours| input("Europe/Berlin", &[("mon", hours)], &[]);

        for zone in ["Mars/Olympus", "", " ", "../../etc/passwd", "/etc/localtime", "Europe/Berlin;"] {
            let e = err(input(zone, &[], &[]));
            assert_eq!(e.code(), "unknown_time_zone", "{zone:?}");
        }
        assert_eq!(err(input("UTC", &[("monday", &[])], &[])), AvailabilityError::UnknownWeekday("monday".into()));
        let lower = Availability::parse(&input("europe/berlin", &[], &[])).unwrap();
        assert_eq!(lower.time_zone_name(), "Europe/Berlin", "the database's spelling is kept");
        for bad in ["9:00", "12:60", "25:00", "24:00", "ab:cd", "12:00:00"] {
            let e = err(mon(&[(bad, "23:00")]));
            assert_eq!(e, AvailabilityError::InvalidTime { day: "Monday".into(), value: bad.into() });
        }
        assert_eq!(err(mon(&[("09:00", "24:01")])).code(), "invalid_time");
        assert_eq!(
            err(mon(&[("17:00", "09:00")])),
            AvailabilityError::ReversedInterval { day: "Monday".into(), start: "17:00".into(), end: "09:00".into() }
        );
        assert_eq!(err(mon(&[("09:00", "09:00")])).code(), "empty_interval");
        assert_eq!(err(mon(&[("23:59", "23:59")])).code(), "empty_interval");
        let overlap = err(mon(&[("11:00", "13:00"), ("09:00", "12:00")]));
        assert_eq!(
            overlap,
            AvailabilityError::OverlappingIntervals {
                day: "Monday".into(),
                first: "09:00–12:00".into(),
                second: "11:00–13:00".into()
            }
        );
        assert_eq!(overlap.to_string(), "Monday: 09:00–12:00 overlaps 11:00–13:00.");
        assert!(Availability::parse(&mon(&[("09:00", "12:00"), ("12:00", "17:00")])).is_ok(), "touching is fine");

        let o = |date: &str, hours: Hours| input("UTC", &[], &[(date, hours)]);
        assert_eq!(err(o("2026-13-01", &[])), AvailabilityError::InvalidDate("2026-13-01".into()));
        assert_eq!(err(o("2026-03-02", &[("10:00", "09:00")])).code(), "reversed_interval");
        let twice = input("UTC", &[], &[("2026-03-02", &[]), ("2026-03-02", &[("09:00", "10:00")])]);
        assert_eq!(err(twice), AvailabilityError::DuplicateOverride(date(2026, 3, 2)));
    }

    #[test]
    fn parses_the_api_body() {
        let body = r#"{"timezone": "Europe/Berlin",
            "weekly": {"mon": [["13:00","17:00"], ["09:00","12:00"]], "fri": [["09:00","23:59"]]},
            "overrides": [{"date": "2026-12-24", "intervals": []}, {"date": "2026-12-27", "intervals": [["10:00","12:00"]]}]}"#;
        let parsed: AvailabilityInput = serde_json::from_str(body).unwrap();
        let a = Availability::parse(&parsed).unwrap();
        assert_eq!(a.time_zone_name(), "Europe/Berlin");
        assert_eq!(a.weekly().on(Weekday::Monday).len(), 2);
        assert!(a.weekly().on(Weekday::Tuesday).is_empty());
        assert!(a.intervals_on(date(2026, 12, 24)).is_empty(), "a Thursday, closed by override");
        assert_eq!(a.intervals_on(date(2026, 12, 27)), [LocalInterval::new(600, 720).unwrap()]);
        let normalised = serde_json::to_value(a.to_input()).unwrap();
        assert_eq!(normalised["weekly"]["mon"], serde_json::json!([["09:00", "12:00"], ["13:00", "17:00"]]));
        assert_eq!(Availability::parse(&a.to_input()).unwrap().to_input(), a.to_input(), "round trip");
    }

    #[test]
    fn unusable_rules_and_empty_ranges_give_nothing() {
        let a = every_day("UTC", &[("09:00", "17:00")]);
        let zero_step = SlotRules { step: SignedDuration::ZERO, ..rules(30) };
        assert!(run(&a, &zero_step, &[], date(2026, 3, 2), date(2026, 3, 2), "UTC").is_empty());
        assert!(run(&a, &rules(0), &[], date(2026, 3, 2), date(2026, 3, 2), "UTC").is_empty());
        assert!(run(&a, &rules(30), &[], date(2026, 3, 3), date(2026, 3, 2), "UTC").is_empty());
        assert!(run(&a, &rules(30), &[], date(2025, 3, 3), date(2025, 3, 9), "UTC").is_empty(), "in the past");
        assert_eq!(bookable(&a, &zero_step, &[], "2026-03-02T09:00:00Z"), Bookability::NotAvailable);
    }

    mod properties {
        use super::super::*;
        use super::{mins, ts};
        use proptest::prelude::*;

        const ZONES: &[&str] = &[
            "UTC",
            "America/New_York",
            "America/Los_Angeles",
            "Europe/Berlin",
            "Asia/Kolkata",
            "Asia/Kathmandu",
            "Australia/Adelaide",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "America/Santiago",
        ];

        fn hh_mm(minute: u16) -> String {
            if minute == MINUTES_PER_DAY { "23:59".into() } else { format!("{:02}:{:02}", minute / 60, minute % 60) }
        }

        /// Up to three sorted, disjoint intervals on a 5-minute grid.
        fn day_hours() -> impl Strategy<Value = Vec<[String; 2]>> {
            prop::collection::btree_set(0u16..=288, 0..=6).prop_map(|bounds| {
                let bounds: Vec<u16> = bounds.into_iter().map(|b| b * 5).collect();
                bounds.chunks_exact(2).map(|c| [hh_mm(c[0]), hh_mm(c[1])]).collect()
            })
        }

        #[derive(Debug, Clone)]
        struct Case {
            input: AvailabilityInput,
            rules: SlotRules,
            busy: Vec<Busy>,
            now: Timestamp,
            from: Date,
            to: Date,
            viewer: &'static str,
        }

        fn case() -> impl Strategy<Value = Case> {
            // Days of 2026 next to the DST changes of the zones above, and any day.
            let day_of_year =
                prop_oneof![0i64..365, prop::sample::select(vec![63i64, 65, 84, 86, 92, 95, 273, 276, 295, 302])];
            let now = (day_of_year, 0i64..288).prop_map(|(d, five)| {
                ts("2026-01-01T00:00:00Z").checked_add(SignedDuration::from_hours(24 * d) + mins(5 * five)).unwrap()
            });
            let weekly = prop::collection::vec(day_hours(), 7);
            let overrides = prop::collection::btree_map(-2i64..12, day_hours(), 0..4);
            let rules = (
                prop::sample::select(vec![15i64, 30, 45, 60, 90]),
                prop::option::of(prop::sample::select(vec![15i64, 30, 60])),
                (0i64..=4, 0i64..=4, 0i64..=48),
                (0u32..=14, prop::option::of(1u32..=3)),
            )
                .prop_map(|(duration, step, (before, after, notice), (window, max))| SlotRules {
                    duration: mins(duration),
                    step: mins(step.unwrap_or(duration)),
                    buffer_before: mins(15 * before),
                    buffer_after: mins(15 * after),
                    minimum_notice: SignedDuration::from_hours(notice),
                    booking_window_days: window,
                    max_per_day: max,
                });
            let busy = prop::collection::vec((-576i64..4608, 1i64..=36, 0i64..=6, 0i64..=6, any::<bool>()), 0..30);
            let zones = || prop::sample::select(ZONES);
            (now, zones(), zones(), weekly, overrides, rules, busy, -1i64..6, 0i64..4).prop_map(
                |(now, host, viewer, weekly, overrides, rules, busy, from_offset, days)| {
                    let today = now.to_zoned(TimeZone::get(viewer).unwrap()).date();
                    let shift = |d: i64| today.checked_add(Span::new().days(d)).unwrap();
                    let input = AvailabilityInput {
                        timezone: host.to_owned(),
                        weekly: WEEKDAY_KEYS.iter().map(|k| k.to_string()).zip(weekly).collect(),
                        overrides: overrides
                            .into_iter()
                            .map(|(d, intervals)| OverrideInput { date: shift(d).to_string(), intervals })
                            .collect(),
                    };
                    let busy = busy
                        .into_iter()
                        .map(|(start, len, before, after, counts)| {
                            let start = now.checked_add(mins(5 * start)).unwrap();
                            let b = Busy::new(start, start.checked_add(mins(5 * len)).unwrap())
                                .with_buffers(mins(5 * before), mins(5 * after));
                            Busy { counts_toward_daily_max: counts, ..b }
                        })
                        .collect();
                    let from = shift(from_offset);
                    Case { input, rules, busy, now, from, to: shift(from_offset + days), viewer }
                },
            )
        }

        /// The first instant the host's clock shows `minute` of `day`, or later; computed through jiff's
        /// own disambiguation rather than the module's helper.
        fn boundary(tz: &TimeZone, day: Date, minute: u16) -> Timestamp {
            let dt = DateTime::from(day).checked_add(mins(i64::from(minute))).unwrap();
            let ambiguous = tz.to_ambiguous_timestamp(dt);
            match ambiguous.offset() {
                AmbiguousOffset::Gap { .. } => {
                    let after_jump = ambiguous.later().unwrap();
                    tz.preceding(after_jump).next().unwrap().timestamp()
                }
                _ => ambiguous.earlier().unwrap(),
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(192))]

            #[test]
            fn slots_keep_every_rule(c in case()) {
                let avail = Availability::parse(&c.input).unwrap();
                let host = avail.time_zone().clone();
                let viewer = TimeZone::get(c.viewer).unwrap();
                let r = &c.rules;
                let got = slots(&avail, r, &c.busy, c.now, c.from, c.to, &viewer);

                prop_assert!(got.windows(2).all(|w| w[0] < w[1]), "ascending and unique");
                let window_end = c.now.to_zoned(host.clone())
                    .checked_add(Span::new().days(i64::from(r.booking_window_days))).unwrap().timestamp();
                for &t in &got {
                    let local = host.to_datetime(t);
                    let (day, minute) = (local.date(), local.hour() as u16 * 60 + local.minute() as u16);
                    prop_assert_eq!(local.second(), 0);
                    prop_assert_eq!(host.to_ambiguous_timestamp(local).earlier().unwrap(), t, "first pass of a fold");
                    let end = t.checked_add(r.duration).unwrap();
                    let inside = avail.intervals_on(day).iter().any(|iv| {
                        iv.start_minute() <= minute
                            && minute < iv.end_minute()
                            && i64::from(minute - iv.start_minute()) * 60 % r.step.as_secs() == 0
                            && boundary(&host, day, iv.start_minute()) <= t
                            && end <= boundary(&host, day, iv.end_minute())
                    });
                    prop_assert!(inside, "{} is not inside the hours of {}", t, day);
                    let (s, e) = (t - r.buffer_before, end + r.buffer_after);
                    for b in &c.busy {
                        let (bs, be) = (b.start - b.buffer_before, b.end + b.buffer_after);
                        prop_assert!(!(bs < e && s < be && bs < be), "{} overlaps {:?}", t, b);
                    }
                    prop_assert!(t >= c.now + r.minimum_notice, "notice");
                    prop_assert!(t < window_end, "window");
                    prop_assert!((c.from..=c.to).contains(&viewer.to_datetime(t).date()), "viewer's dates");
                    if let Some(max) = r.max_per_day {
                        let booked = c.busy.iter()
                            .filter(|b| b.counts_toward_daily_max && host.to_datetime(b.start).date() == day)
                            .count();
                        prop_assert!(booked < max as usize, "{} is on a full day", t);
                    }
                    prop_assert_eq!(is_bookable(&avail, r, &c.busy, c.now, t), Bookability::Bookable);
                }
            }

            #[test]
            fn is_bookable_agrees_with_slots(c in case()) {
                let avail = Availability::parse(&c.input).unwrap();
                let viewer = TimeZone::get(c.viewer).unwrap();
                let r = &c.rules;
                let got = slots(&avail, r, &c.busy, c.now, c.from, c.to, &viewer);
                let open = slots(&avail, r, &[], c.now, c.from, c.to, &viewer);
                // Every 5 minutes over the viewer's dates: the grids of all these zones land on it.
                let mut t = c.from.to_zoned(viewer.clone()).unwrap().timestamp();
                let end = c.to.tomorrow().unwrap().to_zoned(viewer.clone()).unwrap().timestamp();
                while t < end {
                    let answer = is_bookable(&avail, r, &c.busy, c.now, t);
                    prop_assert_eq!(answer == Bookability::Bookable, got.binary_search(&t).is_ok(), "{} {:?}", t, answer);
                    prop_assert_eq!(answer != Bookability::NotAvailable, open.binary_search(&t).is_ok(), "{} {:?}", t, answer);
                    t += mins(5);
                }
            }
        }
    }
}

/// A wall-clock time as people type it, as `HH:MM`: `9`, `9am`, `9 AM`, `9:30pm`, `930`, `0930`,
/// `21.15`, `12am` (midnight), `12pm` (noon); `None` when it is not one. `24:00` ends a day.
pub fn normalize_clock(raw: &str) -> Option<String> {
    let text = raw.trim().to_ascii_lowercase().replace(' ', "");
    let (digits, meridiem) = if let Some(rest) = text.strip_suffix("am").or_else(|| text.strip_suffix('a')) {
        (rest.to_owned(), Some(false))
    } else if let Some(rest) = text.strip_suffix("pm").or_else(|| text.strip_suffix('p')) {
        (rest.to_owned(), Some(true))
    } else {
        (text, None)
    };
    let (hours, minutes): (u32, u32) = match digits.split_once([':', '.', 'h']) {
        Some((h, m)) if !h.is_empty() && h.len() <= 2 && (m.len() == 2 || m.is_empty()) => {
            (h.parse().ok()?, if m.is_empty() { 0 } else { m.parse().ok()? })
        }
        Some(_) => return None,
        None if (1..=2).contains(&digits.len()) => (digits.parse().ok()?, 0),
        None if (3..=4).contains(&digits.len()) => {
            let (h, m) = digits.split_at(digits.len() - 2);
            (h.parse().ok()?, m.parse().ok()?)
        }
        None => return None,
    };
    if !digits.chars().all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | 'h')) || minutes > 59 {
        return None;
    }
    let hours = match meridiem {
        Some(pm) if (1..=12).contains(&hours) => hours % 12 + if pm { 12 } else { 0 },
        Some(_) => return None,
        None if hours <= 23 || (hours == 24 && minutes == 0) => hours,
        None => return None,
    };
    Some(format!("{hours:02}:{minutes:02}"))
}

#[cfg(test)]
mod clock_input_tests {
    use super::normalize_clock;

    #[test]
    fn times_as_people_type_them() {
        for (typed, clock) in [
            ("9", "09:00"),
            ("9am", "09:00"),
            ("9 AM", "09:00"),
            ("9:30pm", "21:30"),
            ("930", "09:30"),
            ("0930", "09:30"),
            ("17:00", "17:00"),
            ("21.15", "21:15"),
            ("12am", "00:00"),
            ("12pm", "12:00"),
            ("12:30 a", "00:30"),
            ("24:00", "24:00"),
            ("23:59", "23:59"),
            ("8h", "08:00"),
        ] {
            assert_eq!(normalize_clock(typed).as_deref(), Some(clock), "{typed}");
        }
        for bad in ["", "noon", "25:00", "13pm", "0am", "9:7", "9:75", "12345", "24:30", "-1", "9x"] {
            assert_eq!(normalize_clock(bad), None, "{bad}");
        }
    }
}
