//! iCalendar text → busy times (pure, no I/O).
//!
//! Parsing, time-zone resolution (VTIMEZONE TZIDs, IANA names, Windows/Outlook
//! names, `X-LIC-LOCATION`, `X-MICROSOFT-CDO-TZID`) and RRULE expansion come from
//! [`calcard`]. What calcard gets wrong for busy times is done here:
//!
//! * The feed is split per UID and each master is expanded **alone**; overrides
//!   (RECURRENCE-ID) are matched to the instances of their own master by instant,
//!   so neither other UIDs nor SEQUENCE numbers interfere (calcard keys overrides
//!   by `(SEQUENCE, RECURRENCE-ID)` across the whole calendar).
//! * RDATE and EXDATE are applied here by instant (calcard never excludes an
//!   RDATE, nor lets an override replace one).
//! * `UNTIL` in UTC is rewritten to the series' local time before expansion
//!   (calcard compares it with the floating local time), and a DTSTART in UTC
//!   gets an explicit `TZID=UTC` (calcard would otherwise expand it in the
//!   default zone).
//! * Local times are converted with jiff's "compatible" disambiguation, so a
//!   time in a DST gap or fold still yields an instant.
//! * calcard's expansion limit counts instances from DTSTART; the limit is
//!   estimated per series from its frequency and the window and raised when it
//!   was hit, so old open-ended series still reach the window. At most
//!   [`MAX_INSTANCES_PER_SERIES`] instances per series are kept in the window.
//! * A VTIMEZONE whose TZID calcard cannot map is matched against the IANA zones
//!   by its observances (offsets and transition instants around the window).

use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz;
use calcard::icalendar::timezone::TzResolver;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarFreeBusyType, ICalendarFrequency,
    ICalendarParameter, ICalendarParameterName, ICalendarParameterValue, ICalendarPeriod, ICalendarProperty,
    ICalendarRecurrenceRule, ICalendarStatus, ICalendarTransparency, ICalendarValue,
};
use calcard::{Entry, Parser};
use chrono::{Datelike, NaiveDateTime, Offset, TimeZone as _, Timelike};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, civil};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

/// At most this many instances of one recurring series are returned inside a window.
pub const MAX_INSTANCES_PER_SERIES: usize = 10_000;

/// Upper bound of RRULE instances generated per series from its DTSTART (bounds
/// CPU and memory for pathological rules such as `FREQ=SECONDLY` from 1970).
const MAX_EXPANSION: usize = 400_000;

/// A half-open time range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Window {
    pub fn new(start: Timestamp, end: Timestamp) -> Self {
        Self { start, end }
    }

    /// Whether `[start, end)` overlaps this window (empty ranges never do).
    pub fn overlaps(&self, start: Timestamp, end: Timestamp) -> bool {
        start < end && start < self.end && end > self.start
    }
}

/// One busy range: an event instance (with its UID and SUMMARY) or a free-busy period.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BusyEvent {
    pub start: Timestamp,
    pub end: Timestamp,
    pub uid: Option<String>,
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcsError {
    /// The text holds no `BEGIN:VCALENDAR` (an HTML page, a login form, JSON, ...).
    #[error("not an iCalendar document (no BEGIN:VCALENDAR)")]
    NotICalendar,
    /// The host zone is not an IANA time-zone name known to both jiff and chrono-tz.
    #[error("unknown time zone {0:?}")]
    UnknownZone(String),
}

/// Busy events of an iCalendar text overlapping `window` (half-open), sorted by start.
///
/// `host_zone` (IANA name) is used for floating times, for TZIDs that cannot be
/// resolved, and for all-day (DATE) events, which block the whole day(s) in that
/// zone. Only VEVENTs count; TRANSP:TRANSPARENT and STATUS:CANCELLED events (and
/// cancelled or transparent override instances) are skipped, TENTATIVE is busy.
/// Without DTEND the DURATION is used, else one day for a DATE start and zero
/// length (which blocks nothing) for a date-time start. An override without DTEND
/// and DURATION inherits the duration of its master.
pub fn busy_events(ics: &str, window: Window, host_zone: &str) -> Result<Vec<BusyEvent>, IcsError> {
    let calendars = parse_calendars(ics)?;
    let host = TimeZone::get(host_zone).map_err(|_| IcsError::UnknownZone(host_zone.into()))?;
    let host_ct = chrono_tz::Tz::from_str(host_zone).map_err(|_| IcsError::UnknownZone(host_zone.into()))?;

    let years = guess_years(window);
    let mut tz_components = Vec::new();
    let mut events: Vec<&ICalendarComponent> = Vec::new();
    for cal in &calendars {
        for comp in &cal.components {
            match comp.component_type {
                ICalendarComponentType::VTimezone => {
                    let mut tz = ICalendarComponent {
                        component_type: ICalendarComponentType::VTimezone,
                        entries: comp.entries.clone(),
                        component_ids: Vec::new(),
                    };
                    if tz.timezone().is_none()
                        && let Some(guess) = guess_zone(cal, comp, years)
                    {
                        tracing::debug!(tzid = ?comp_tzid(comp), zone = guess.name(), "VTIMEZONE matched by its observances");
                        tz.entries.push(
                            ICalendarEntry::new(ICalendarProperty::Other("X-LIC-LOCATION".into()))
                                .with_value(guess.name().to_string()),
                        );
                    }
                    tz_components.push(tz);
                }
                ICalendarComponentType::VEvent => events.push(comp),
                _ => {}
            }
        }
    }

    let mut ctx = Ctx::new(host, host_ct, tz_components);

    // Group by UID, keeping the feed's order.
    let mut groups: Vec<(Option<&str>, Vec<&ICalendarComponent>)> = Vec::new();
    let mut by_uid: HashMap<&str, usize> = HashMap::new();
    for comp in events {
        match comp.uid() {
            Some(uid) => match by_uid.get(uid) {
                Some(&i) => groups[i].1.push(comp),
                None => {
                    by_uid.insert(uid, groups.len());
                    groups.push((Some(uid), vec![comp]));
                }
            },
            None => groups.push((None, vec![comp])),
        }
    }

    let mut out = Vec::new();
    for (uid, comps) in groups {
        let (masters, overrides): (Vec<_>, Vec<_>) =
            comps.into_iter().partition(|c| !c.has_property(&ICalendarProperty::RecurrenceId));
        let mut masters = masters.into_iter();
        let mut series = ctx.series(uid, masters.next(), &overrides, window);
        for extra in masters {
            series.extend(ctx.series(uid, Some(extra), &[], window));
        }
        out.extend(series);
    }
    out.sort_by(|a, b| (a.start, a.end, &a.uid).cmp(&(b.start, b.end, &b.uid)));
    out.dedup();
    Ok(out)
}

/// Busy periods of VFREEBUSY components, sorted by start, not clipped.
///
/// FREEBUSY values with FBTYPE BUSY, BUSY-TENTATIVE, BUSY-UNAVAILABLE, an
/// unknown (x-name) FBTYPE or no FBTYPE at all (Xandikos omits it) are busy;
/// FBTYPE=FREE is ignored. Periods are UTC (a value without a zone is read as UTC).
pub fn busy_periods(ics: &str, window: Window) -> Result<Vec<BusyEvent>, IcsError> {
    let calendars = parse_calendars(ics)?;
    let mut out = Vec::new();
    for cal in &calendars {
        for comp in &cal.components {
            if comp.component_type != ICalendarComponentType::VFreebusy {
                continue;
            }
            for entry in comp.properties(&ICalendarProperty::Freebusy) {
                let free = entry.params.iter().any(|p| {
                    p.name == ICalendarParameterName::Fbtype
                        && match &p.value {
                            ICalendarParameterValue::Fbtype(t) => *t == ICalendarFreeBusyType::Free,
                            ICalendarParameterValue::Text(t) => t.eq_ignore_ascii_case("FREE"),
                            _ => false,
                        }
                });
                if free {
                    continue;
                }
                for value in &entry.values {
                    let ICalendarValue::Period(period) = value else {
                        continue;
                    };
                    let range = match period {
                        ICalendarPeriod::Range { start, end } => utc_instant(start).zip(utc_instant(end)),
                        ICalendarPeriod::Duration { start, duration } => utc_instant(start).and_then(|s| {
                            let secs = if duration.neg { 0 } else { duration.as_seconds() };
                            s.checked_add(Span::new().seconds(secs)).ok().map(|e| (s, e))
                        }),
                    };
                    if let Some((start, end)) = range
                        && window.overlaps(start, end)
                    {
                        out.push(BusyEvent { start, end, uid: None, title: None });
                    }
                }
            }
        }
    }
    out.sort_by_key(|e| (e.start, e.end));
    out.dedup();
    Ok(out)
}

/// Whether the text is an iCalendar document with at least one VFREEBUSY component.
pub fn has_vfreebusy(ics: &str) -> bool {
    parse_calendars(ics).is_ok_and(|cals| {
        cals.iter().any(|c| c.components.iter().any(|c| c.component_type == ICalendarComponentType::VFreebusy))
    })
}

fn parse_calendars(ics: &str) -> Result<Vec<ICalendar>, IcsError> {
    if !contains_ignore_ascii_case(ics, "BEGIN:VCALENDAR") {
        return Err(IcsError::NotICalendar);
    }
    let mut parser = Parser::new(ics);
    let mut out = Vec::new();
    loop {
        match parser.entry() {
            Entry::ICalendar(cal)
                if cal.components.first().is_some_and(|c| c.component_type == ICalendarComponentType::VCalendar) =>
            {
                out.push(cal);
            }
            Entry::Eof => break,
            _ => {}
        }
    }
    if out.is_empty() {
        return Err(IcsError::NotICalendar);
    }
    Ok(out)
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    haystack.as_bytes().windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

fn utc_instant(pdt: &PartialDateTime) -> Option<Timestamp> {
    let r = pdt.to_date_time()?;
    let offset = r.offset.map_or(0, |o| o.local_minus_utc() as i64);
    Timestamp::from_second(r.date_time.and_utc().timestamp() - offset).ok()
}

fn comp_tzid(comp: &ICalendarComponent) -> Option<&str> {
    comp.property(&ICalendarProperty::Tzid).and_then(|e| e.values.first()).and_then(|v| v.as_text())
}

fn first_pdt(entry: &ICalendarEntry) -> Option<&PartialDateTime> {
    match entry.values.first() {
        Some(ICalendarValue::PartialDateTime(p)) => Some(p),
        _ => None,
    }
}

/// How long each instance lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dur {
    /// Exact seconds.
    Exact(i64),
    /// Calendar days (wall clock kept across DST) plus exact seconds.
    Nominal { days: i64, secs: i64 },
}

/// The DTSTART/DTEND/DURATION of one component.
struct Timing<'a> {
    start: Timestamp,
    /// The zone the DTSTART's local time is in (the host zone for DATE and floating).
    zone: TimeZone,
    dtstart_tzid: Option<&'a str>,
    dur: Dur,
    /// Whether DTEND or DURATION was given.
    explicit_dur: bool,
}

struct Props<'a> {
    uid: Option<&'a str>,
    title: Option<&'a str>,
    blocks: bool,
}

impl<'a> Props<'a> {
    fn of(comp: &'a ICalendarComponent, uid: Option<&'a str>) -> Self {
        let cancelled = comp.status() == Some(&ICalendarStatus::Cancelled);
        let transparent = comp.transparency() == Some(&ICalendarTransparency::Transparent);
        Props {
            uid,
            title: comp.property(&ICalendarProperty::Summary).and_then(|e| e.values.first()).and_then(|v| v.as_text()),
            blocks: !cancelled && !transparent,
        }
    }

    fn event(&self, start: Timestamp, end: Timestamp) -> BusyEvent {
        BusyEvent { start, end, uid: self.uid.map(str::to_string), title: self.title.map(str::to_string) }
    }
}

struct Ctx {
    host: TimeZone,
    host_ct: chrono_tz::Tz,
    resolver: TzResolver<String>,
    zones: HashMap<&'static str, TimeZone>,
    /// VCALENDAR + VTIMEZONEs + one slot for the master being expanded.
    work: ICalendar,
}

impl Ctx {
    fn new(host: TimeZone, host_ct: chrono_tz::Tz, tz_components: Vec<ICalendarComponent>) -> Self {
        let mut components = Vec::with_capacity(tz_components.len() + 2);
        components.push(ICalendarComponent {
            component_type: ICalendarComponentType::VCalendar,
            entries: Vec::new(),
            component_ids: (1..=tz_components.len() as u32 + 1).collect(),
        });
        components.extend(tz_components);
        let tzcal = ICalendar { components };
        let resolver = tzcal.build_owned_tz_resolver().with_default(host_ct);
        let mut work = tzcal;
        work.components.push(ICalendarComponent::default());
        Ctx { host, host_ct, resolver, zones: HashMap::new(), work }
    }

    fn zone_of(&mut self, tz: Tz) -> TimeZone {
        match tz {
            Tz::Floating => self.host.clone(),
            Tz::Fixed(off) => jiff::tz::Offset::from_seconds(off.local_minus_utc())
                .map(TimeZone::fixed)
                .unwrap_or_else(|_| self.host.clone()),
            Tz::Tz(ct) => {
                let name = ct.name();
                if let Some(z) = self.zones.get(name) {
                    return z.clone();
                }
                let z = TimeZone::get(name).unwrap_or_else(|_| {
                    tracing::warn!(zone = name, "time zone unknown to jiff, using the host zone");
                    self.host.clone()
                });
                self.zones.insert(name, z.clone());
                z
            }
        }
    }

    fn zone_for(&mut self, tzid: Option<&str>) -> TimeZone {
        let tz = self.resolver.resolve_or_default(tzid);
        self.zone_of(tz)
    }

    /// The instant of a DATE / DATE-TIME value: UTC and offsets as given, DATE
    /// at midnight in the host zone, local times in `tzid` (else `fallback`, else host).
    fn instant(&mut self, pdt: &PartialDateTime, tzid: Option<&str>, fallback: Option<&str>) -> Option<Timestamp> {
        let r = pdt.to_date_time()?;
        if let Some(off) = r.offset {
            return Timestamp::from_second(r.date_time.and_utc().timestamp() - off.local_minus_utc() as i64).ok();
        }
        let zone = if pdt.has_time() { self.zone_for(tzid.or(fallback)) } else { self.host.clone() };
        local_to_ts(&r.date_time, &zone)
    }

    fn timing<'c>(&mut self, comp: &'c ICalendarComponent, rid_fallback: bool) -> Option<Timing<'c>> {
        let (dtstart, tzid) = match comp.property(&ICalendarProperty::Dtstart) {
            Some(e) => (first_pdt(e)?, e.tz_id()),
            None if rid_fallback => {
                let e = comp.property(&ICalendarProperty::RecurrenceId)?;
                (first_pdt(e)?, e.tz_id())
            }
            None => return None,
        };
        let all_day = !dtstart.has_time();
        let start = self.instant(dtstart, tzid, None)?;
        let zone = if all_day {
            self.host.clone()
        } else if dtstart.tz_hour.is_some() && tzid.is_none() {
            TimeZone::UTC
        } else {
            self.zone_for(tzid)
        };
        let mut explicit_dur = true;
        let dur = if let Some(e) = comp.property(&ICalendarProperty::Dtend)
            && let Some(dtend) = first_pdt(e)
        {
            let end_tzid = e.tz_id();
            if all_day && !dtend.has_time() {
                let (Some(s), Some(en)) = (dtstart.to_date_time(), dtend.to_date_time()) else {
                    return None;
                };
                Dur::Nominal { days: (en.date_time.date() - s.date_time.date()).num_days().max(0), secs: 0 }
            } else {
                let end = self.instant(dtend, end_tzid, tzid)?;
                Dur::Exact(end.as_second().saturating_sub(start.as_second()).max(0))
            }
        } else if let Some(ICalendarValue::Duration(d)) =
            comp.property(&ICalendarProperty::Duration).and_then(|e| e.values.first())
        {
            if d.neg {
                Dur::Exact(0)
            } else {
                let days = d.weeks as i64 * 7 + d.days as i64;
                let secs = d.hours as i64 * 3600 + d.minutes as i64 * 60 + d.seconds as i64;
                if days == 0 { Dur::Exact(secs) } else { Dur::Nominal { days, secs } }
            }
        } else {
            explicit_dur = false;
            if all_day { Dur::Nominal { days: 1, secs: 0 } } else { Dur::Exact(0) }
        };
        Some(Timing { start, zone, dtstart_tzid: tzid, dur, explicit_dur })
    }

    /// All busy events of one master (or lone override) and its overrides inside `window`.
    fn series(
        &mut self,
        uid: Option<&str>,
        master: Option<&ICalendarComponent>,
        overrides: &[&ICalendarComponent],
        window: Window,
    ) -> Vec<BusyEvent> {
        let mut out = Vec::new();
        let master_timing = master.and_then(|m| self.timing(m, false));
        let master_tzid = master_timing.as_ref().and_then(|t| t.dtstart_tzid);

        // Overrides: their RECURRENCE-ID instants and their own events.
        struct Ov<'a> {
            rid: Timestamp,
            start: Timestamp,
            dur: Dur,
            zone: TimeZone,
            props: Props<'a>,
            future: bool,
        }
        let mut ovs: Vec<Ov<'_>> = Vec::new();
        for ov in overrides {
            let Some(rid_entry) = ov.property(&ICalendarProperty::RecurrenceId) else {
                continue;
            };
            let Some(rid_pdt) = first_pdt(rid_entry) else {
                continue;
            };
            let rid_tzid = rid_entry.tz_id().or(master_tzid);
            let Some(rid) = self.instant(rid_pdt, rid_tzid, None) else {
                continue;
            };
            let Some(mut t) = self.timing(ov, true) else {
                continue;
            };
            if !t.explicit_dur
                && let Some(mt) = &master_timing
            {
                t.dur = mt.dur;
            }
            let future = rid_entry.params.iter().any(|p| p.name == ICalendarParameterName::Range);
            ovs.push(Ov { rid, start: t.start, dur: t.dur, zone: t.zone, props: Props::of(ov, uid), future });
        }
        for ov in &ovs {
            let end = end_of(ov.start, ov.dur, &ov.zone);
            if ov.props.blocks && window.overlaps(ov.start, end) {
                out.push(ov.props.event(ov.start, end));
            }
        }

        if let (Some(master), Some(mt)) = (master, &master_timing) {
            let props = Props::of(master, uid);
            // start → explicit end (RDATE periods)
            let mut instances: BTreeMap<Timestamp, Option<Timestamp>> = BTreeMap::new();
            let rrules: Vec<&ICalendarEntry> = master.properties(&ICalendarProperty::Rrule).collect();
            if rrules.is_empty() {
                instances.insert(mt.start, None);
            } else {
                for rrule in rrules {
                    match self.expand_rrule(master, rrule, mt, window) {
                        Some(starts) => instances.extend(starts.into_iter().map(|s| (s, None))),
                        None => {
                            instances.insert(mt.start, None);
                        }
                    }
                }
            }
            for entry in master.properties(&ICalendarProperty::Rdate) {
                let tzid = entry.tz_id();
                for value in &entry.values {
                    match value {
                        ICalendarValue::PartialDateTime(p) => {
                            if let Some(s) = self.instant(p, tzid, master_tzid) {
                                instances.entry(s).or_insert(None);
                            }
                        }
                        ICalendarValue::Period(ICalendarPeriod::Range { start, end }) => {
                            if let (Some(s), Some(e)) =
                                (self.instant(start, tzid, master_tzid), self.instant(end, tzid, master_tzid))
                            {
                                instances.insert(s, Some(e));
                            }
                        }
                        ICalendarValue::Period(ICalendarPeriod::Duration { start, duration }) => {
                            if let Some(s) = self.instant(start, tzid, master_tzid) {
                                let secs = if duration.neg { 0 } else { duration.as_seconds() };
                                instances.insert(s, s.checked_add(Span::new().seconds(secs)).ok());
                            }
                        }
                        _ => {}
                    }
                }
            }
            let mut excluded: HashSet<Timestamp> = HashSet::new();
            for entry in master.properties(&ICalendarProperty::Exdate) {
                let tzid = entry.tz_id();
                for value in &entry.values {
                    if let ICalendarValue::PartialDateTime(p) = value
                        && let Some(s) = self.instant(p, tzid, master_tzid)
                    {
                        excluded.insert(s);
                    }
                }
            }
            excluded.extend(ovs.iter().map(|o| o.rid));
            let mut future: Vec<&Ov<'_>> = ovs.iter().filter(|o| o.future).collect();
            future.sort_by_key(|o| o.rid);

            let mut kept = 0usize;
            for (start, explicit_end) in instances {
                if excluded.contains(&start) {
                    continue;
                }
                // RANGE=THISANDFUTURE: later instances follow the latest such override.
                let (start, end, blocks, ev_props) = match future.iter().rev().find(|o| o.rid < start) {
                    Some(o) => {
                        let delta = o.start.as_second() - o.rid.as_second();
                        let Ok(s) = start.checked_add(Span::new().seconds(delta)) else {
                            continue;
                        };
                        (s, end_of(s, o.dur, &o.zone), o.props.blocks, &o.props)
                    }
                    None => {
                        let end = explicit_end.unwrap_or_else(|| end_of(start, mt.dur, &mt.zone));
                        (start, end, props.blocks, &props)
                    }
                };
                if start >= window.end {
                    if future.is_empty() {
                        break;
                    }
                    continue;
                }
                if blocks && window.overlaps(start, end) {
                    out.push(ev_props.event(start, end));
                    kept += 1;
                    if kept >= MAX_INSTANCES_PER_SERIES {
                        tracing::warn!(
                            uid,
                            "recurring series truncated to {MAX_INSTANCES_PER_SERIES} instances in the window"
                        );
                        break;
                    }
                }
            }
        }
        out
    }

    /// Instance starts of one RRULE of `master`, from DTSTART up to at least the
    /// window's end (or the rule's end). `None` when calcard refuses the rule.
    fn expand_rrule(
        &mut self,
        master: &ICalendarComponent,
        rrule: &ICalendarEntry,
        mt: &Timing<'_>,
        window: Window,
    ) -> Option<Vec<Timestamp>> {
        let ICalendarValue::RecurrenceRule(rule) = rrule.values.first()? else {
            return None;
        };
        let dtstart_entry = master.property(&ICalendarProperty::Dtstart)?;
        let dtstart = first_pdt(dtstart_entry)?;

        let mut dt_entry = dtstart_entry.clone();
        if !dtstart.has_time() {
            dt_entry.params.retain(|p| p.name != ICalendarParameterName::Tzid);
        } else if dtstart.tz_hour.is_some() {
            // A UTC (or offset) DTSTART: calcard would expand it in the default zone.
            let mut p = dtstart.clone();
            let r = dtstart.to_date_time()?;
            let utc = r.date_time - chrono::TimeDelta::seconds(r.offset.map_or(0, |o| o.local_minus_utc()) as i64);
            set_naive(&mut p, &utc);
            dt_entry.values = vec![ICalendarValue::PartialDateTime(Box::new(p))];
            dt_entry.params.retain(|p| p.name != ICalendarParameterName::Tzid);
            dt_entry.params.push(ICalendarParameter::new(ICalendarParameterName::Tzid, "UTC".to_string()));
        }
        let start_zone = if dtstart.has_time() && dtstart.tz_hour.is_some() { TimeZone::UTC } else { mt.zone.clone() };

        let mut rule: ICalendarRecurrenceRule = (**rule).clone();
        if let Some(until) = &rule.until {
            let mut u = until.clone();
            if until.has_time() && until.tz_hour.is_some() {
                // UNTIL in UTC → the series' local time (calcard compares floating times).
                let ts = utc_instant(until)?;
                let local = start_zone.to_datetime(ts);
                u = PartialDateTime {
                    year: Some(local.year() as u16),
                    month: Some(local.month() as u8),
                    day: Some(local.day() as u8),
                    hour: Some(local.hour() as u8),
                    minute: Some(local.minute() as u8),
                    second: Some(local.second() as u8),
                    ..Default::default()
                };
                if !dtstart.has_time() {
                    u.hour = Some(23);
                    u.minute = Some(59);
                    u.second = Some(59);
                }
            } else if !until.has_time() && dtstart.has_time() {
                // A DATE UNTIL with a DATE-TIME DTSTART: the whole day counts.
                u.hour = Some(23);
                u.minute = Some(59);
                u.second = Some(59);
            }
            rule.until = Some(u);
        }

        let mut limit = estimate_instances(&rule, mt.start, window.end);
        let last = self.work.components.len() - 1;
        let comp_id = last as u32;
        self.work.components[last] = ICalendarComponent {
            component_type: ICalendarComponentType::VEvent,
            entries: vec![dt_entry, ICalendarEntry::new(ICalendarProperty::Rrule).with_value(rule)],
            component_ids: Vec::new(),
        };
        loop {
            let expanded = self.work.expand_dates(self.host_ct, limit);
            if expanded.errors.iter().any(|e| e.comp_id == comp_id) {
                tracing::debug!(errors = ?expanded.errors, "calcard refused a recurrence rule");
                return None;
            }
            let mut starts = Vec::with_capacity(expanded.events.len());
            for ev in &expanded.events {
                if ev.comp_id != comp_id {
                    continue;
                }
                let s = if ev.start.timezone().is_floating() {
                    // calcard falls back to floating for local times in a gap or fold.
                    local_to_ts(&ev.start.naive_local(), &start_zone)
                } else {
                    Timestamp::from_second(ev.start.timestamp()).ok()
                };
                starts.extend(s);
            }
            let hit_limit = starts.len() >= limit;
            let before_end = starts.last().is_none_or(|s| *s < window.end);
            if hit_limit && before_end && limit < MAX_EXPANSION {
                limit = (limit * 4).min(MAX_EXPANSION);
                continue;
            }
            if hit_limit && before_end {
                tracing::warn!(limit, "recurrence expansion stopped before the window's end");
            }
            return Some(starts);
        }
    }
}

fn set_naive(p: &mut PartialDateTime, n: &NaiveDateTime) {
    p.year = Some(n.year() as u16);
    p.month = Some(n.month() as u8);
    p.day = Some(n.day() as u8);
    p.hour = Some(n.hour() as u8);
    p.minute = Some(n.minute() as u8);
    p.second = Some(n.second() as u8);
    p.tz_hour = None;
    p.tz_minute = None;
    p.tz_minus = false;
}

fn local_to_ts(n: &NaiveDateTime, zone: &TimeZone) -> Option<Timestamp> {
    let dt = civil::DateTime::new(
        i16::try_from(n.year()).ok()?,
        n.month() as i8,
        n.day() as i8,
        n.hour() as i8,
        n.minute() as i8,
        n.second().min(59) as i8,
        0,
    )
    .ok()?;
    zone.to_ambiguous_timestamp(dt).compatible().ok()
}

fn end_of(start: Timestamp, dur: Dur, zone: &TimeZone) -> Timestamp {
    match dur {
        Dur::Exact(secs) => start.checked_add(Span::new().seconds(secs)).unwrap_or(start),
        Dur::Nominal { days, secs } => start
            .to_zoned(zone.clone())
            .checked_add(Span::new().days(days))
            .ok()
            .map(|z| z.timestamp())
            .and_then(|t| t.checked_add(Span::new().seconds(secs)).ok())
            .unwrap_or(start),
    }
}

/// A generous guess of how many instances lie between DTSTART and `until`.
fn estimate_instances(rule: &ICalendarRecurrenceRule, dtstart: Timestamp, until: Timestamp) -> usize {
    let period: f64 = match rule.freq {
        ICalendarFrequency::Yearly => 365.25 * 86400.0,
        ICalendarFrequency::Monthly => 30.44 * 86400.0,
        ICalendarFrequency::Weekly => 7.0 * 86400.0,
        ICalendarFrequency::Daily => 86400.0,
        ICalendarFrequency::Hourly => 3600.0,
        ICalendarFrequency::Minutely => 60.0,
        ICalendarFrequency::Secondly => 1.0,
    };
    let interval = rule.interval.unwrap_or(1).max(1) as f64;
    let span = (until.as_second() - dtstart.as_second()).max(0) as f64;
    let periods = span / period / interval + 2.0;
    let f = |n: usize| n.max(1) as f64;
    let mut per = f(rule.bymonthday.len())
        * f(rule.byyearday.len())
        * f(rule.byweekno.len())
        * f(rule.byhour.len())
        * f(rule.byminute.len())
        * f(rule.bysecond.len());
    let weekdays = f(rule.byday.len());
    per *= match rule.freq {
        ICalendarFrequency::Monthly if rule.byday.iter().any(|d| d.ordwk.is_none()) => weekdays * 5.0,
        ICalendarFrequency::Yearly if rule.byday.iter().any(|d| d.ordwk.is_none()) => {
            weekdays * if rule.bymonth.is_empty() { 53.0 } else { 5.0 * rule.bymonth.len() as f64 }
        }
        ICalendarFrequency::Yearly => weekdays * f(rule.bymonth.len()),
        _ => weekdays,
    };
    if !rule.bysetpos.is_empty() {
        per = per.min(rule.bysetpos.len() as f64);
    }
    let mut n = periods * per * 1.1 + 16.0;
    if let Some(count) = rule.count {
        n = n.min(count as f64 + 1.0);
    }
    (n.min(MAX_EXPANSION as f64) as usize).max(1)
}

/// Years (inclusive) around the window used to match unknown VTIMEZONEs.
fn guess_years(window: Window) -> (i32, i32) {
    let a = window.start.to_zoned(TimeZone::UTC).year() as i32;
    let b = window.end.to_zoned(TimeZone::UTC).year() as i32;
    (a - 1, b.min(a + 2))
}

fn utc_offset_secs(p: &PartialDateTime) -> Option<i32> {
    let h = p.tz_hour? as i32;
    let m = p.tz_minute.unwrap_or(0) as i32;
    let s = h * 3600 + m * 60;
    Some(if p.tz_minus { -s } else { s })
}

/// Finds an IANA zone whose offsets match the STANDARD/DAYLIGHT observances of
/// a VTIMEZONE around `years` (mid-month samples and both sides of every transition).
fn guess_zone(cal: &ICalendar, vtz: &ICalendarComponent, years: (i32, i32)) -> Option<chrono_tz::Tz> {
    // (utc instant, offset before, offset after)
    let mut transitions: Vec<(i64, i32, i32)> = Vec::new();
    for &cid in &vtz.component_ids {
        let Some(obs) = cal.components.get(cid as usize) else {
            continue;
        };
        if !matches!(obs.component_type, ICalendarComponentType::Standard | ICalendarComponentType::Daylight) {
            continue;
        }
        let offset = |prop: &ICalendarProperty| obs.property(prop).and_then(first_pdt).and_then(utc_offset_secs);
        let (Some(from), Some(to)) = (offset(&ICalendarProperty::Tzoffsetfrom), offset(&ICalendarProperty::Tzoffsetto))
        else {
            continue;
        };
        let Some(dtstart) = obs.property(&ICalendarProperty::Dtstart).and_then(first_pdt) else {
            continue;
        };
        let Some(start) = dtstart.to_date_time() else {
            continue;
        };
        let mut onsets = vec![start.date_time];
        if let Some(ICalendarValue::RecurrenceRule(rule)) =
            obs.property(&ICalendarProperty::Rrule).and_then(|e| e.values.first())
        {
            let mut rule = (**rule).clone();
            if let Some(until) = &rule.until
                && let Some(r) = until.to_date_time()
            {
                let local = r.date_time + chrono::TimeDelta::seconds(if r.offset.is_some() { from as i64 } else { 0 });
                let mut u = until.clone();
                set_naive(&mut u, &local);
                rule.until = Some(u);
            }
            let mut p = dtstart.clone();
            set_naive(&mut p, &start.date_time);
            let mini = ICalendar {
                components: vec![
                    ICalendarComponent {
                        component_type: ICalendarComponentType::VCalendar,
                        entries: Vec::new(),
                        component_ids: vec![1],
                    },
                    ICalendarComponent {
                        component_type: ICalendarComponentType::VEvent,
                        entries: vec![
                            ICalendarEntry::new(ICalendarProperty::Dtstart)
                                .with_value(ICalendarValue::PartialDateTime(Box::new(p))),
                            ICalendarEntry::new(ICalendarProperty::Rrule).with_value(rule),
                        ],
                        component_ids: Vec::new(),
                    },
                ],
            };
            let yearly_span = (years.1 - start.date_time.year() + 2).max(1) as usize;
            for ev in mini.expand_dates(Tz::Floating, yearly_span * 400).events {
                let n = ev.start.naive_local();
                if n.year() > years.1 + 1 {
                    break;
                }
                onsets.push(n);
            }
        }
        for e in obs.properties(&ICalendarProperty::Rdate) {
            for v in &e.values {
                if let ICalendarValue::PartialDateTime(p) = v
                    && let Some(r) = p.to_date_time()
                {
                    onsets.push(r.date_time);
                }
            }
        }
        for local in onsets {
            transitions.push((local.and_utc().timestamp() - from as i64, from, to));
        }
    }
    if transitions.is_empty() {
        return None;
    }
    transitions.sort();
    transitions.dedup();
    let offset_at = |t: i64| -> i32 {
        match transitions.iter().rev().find(|(at, _, _)| *at <= t) {
            Some((_, _, to)) => *to,
            None => transitions[0].1,
        }
    };
    let mut samples = Vec::new();
    for y in years.0..=years.1 {
        for m in 1..=12 {
            for d in [1, 15] {
                if let Some(dt) = chrono::NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(12, 0, 0)) {
                    samples.push(dt.and_utc().timestamp());
                }
            }
        }
    }
    let lo = chrono::NaiveDate::from_ymd_opt(years.0, 1, 1)?.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
    let hi = chrono::NaiveDate::from_ymd_opt(years.1 + 1, 1, 1)?.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
    for &(at, _, _) in &transitions {
        if (lo..hi).contains(&at) {
            samples.push(at - 1);
            samples.push(at + 1);
        }
    }
    let expected: Vec<i32> = samples.iter().map(|&t| offset_at(t)).collect();
    let matches = |tz: &chrono_tz::Tz| {
        samples.iter().zip(&expected).all(|(&t, &want)| {
            chrono::DateTime::from_timestamp(t, 0)
                .is_some_and(|dt| tz.offset_from_utc_datetime(&dt.naive_utc()).fix().local_minus_utc() == want)
        })
    };
    const PREFERRED: [chrono_tz::Tz; 16] = [
        chrono_tz::Tz::Europe__Berlin,
        chrono_tz::Tz::Europe__London,
        chrono_tz::Tz::Europe__Helsinki,
        chrono_tz::Tz::America__New_York,
        chrono_tz::Tz::America__Chicago,
        chrono_tz::Tz::America__Denver,
        chrono_tz::Tz::America__Phoenix,
        chrono_tz::Tz::America__Los_Angeles,
        chrono_tz::Tz::America__Sao_Paulo,
        chrono_tz::Tz::Asia__Kolkata,
        chrono_tz::Tz::Asia__Shanghai,
        chrono_tz::Tz::Asia__Tokyo,
        chrono_tz::Tz::Australia__Sydney,
        chrono_tz::Tz::Pacific__Auckland,
        chrono_tz::Tz::Africa__Johannesburg,
        chrono_tz::Tz::UTC,
    ];
    PREFERRED
        .iter()
        .chain(chrono_tz::TZ_VARIANTS.iter().filter(|t| !t.name().starts_with("Etc/")))
        .chain(chrono_tz::TZ_VARIANTS.iter())
        .find(|tz| matches(tz))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUITE: &str = include_str!("../tests/fixtures/suite.ics");
    const FREEBUSY: &str = include_str!("../tests/fixtures/freebusy.ics");

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn window(a: &str, b: &str) -> Window {
        Window::new(ts(a), ts(b))
    }

    fn summary(events: &[BusyEvent]) -> Vec<(String, String, String)> {
        events.iter().map(|e| (e.start.to_string(), e.end.to_string(), e.uid.clone().unwrap_or_default())).collect()
    }

    fn row(start: &str, end: &str, uid: &str) -> (String, String, String) {
        (ts(start).to_string(), ts(end).to_string(), uid.to_string())
    }

    #[test]
    fn suite_gives_exact_utc_instants() {
        let events =
            busy_events(SUITE, window("2025-10-13T00:00:00Z", "2026-01-01T00:00:00Z"), "America/New_York").unwrap();
        let mut expected = vec![
            row("2025-10-12T22:00Z", "2025-10-13T01:00Z", "overlap-start@test"),
            // weekly TU,TH in Berlin: CEST until Oct 26, then CET; EXDATE Oct 16,
            // Oct 21 moved to Oct 22 15:00, Oct 28 cancelled, UNTIL (UTC) inclusive.
            row("2025-10-14T08:00Z", "2025-10-14T09:00Z", "weekly-dst@test"),
            row("2025-10-22T13:00Z", "2025-10-22T14:00Z", "weekly-dst@test"),
            row("2025-10-23T08:00Z", "2025-10-23T09:00Z", "weekly-dst@test"),
            row("2025-10-30T09:00Z", "2025-10-30T10:00Z", "weekly-dst@test"),
            // COUNT=3, same SEQUENCE and RECURRENCE-ID as the override above: untouched.
            row("2025-10-14T08:00Z", "2025-10-14T08:30Z", "count@test"),
            row("2025-10-21T08:00Z", "2025-10-21T08:30Z", "count@test"),
            row("2025-10-28T09:00Z", "2025-10-28T09:30Z", "count@test"),
            // Outlook zone name, UNTIL in UTC equal to the last instance.
            row("2025-11-03T09:00Z", "2025-11-03T09:15Z", "until@test"),
            row("2025-11-04T09:00Z", "2025-11-04T09:15Z", "until@test"),
            row("2025-11-05T09:00Z", "2025-11-05T09:15Z", "until@test"),
            // BYMONTHDAY with a UTC DTSTART (not the host zone).
            row("2025-10-15T12:00Z", "2025-10-15T13:00Z", "monthday@test"),
            row("2025-11-15T12:00Z", "2025-11-15T13:00Z", "monthday@test"),
            row("2025-12-15T12:00Z", "2025-12-15T13:00Z", "monthday@test"),
            // BYSETPOS=-1 over weekdays: last weekday of the month, New York.
            row("2025-10-31T20:00Z", "2025-10-31T21:00Z", "lastweekday@test"),
            row("2025-11-28T21:00Z", "2025-11-28T22:00Z", "lastweekday@test"),
            row("2025-12-31T21:00Z", "2025-12-31T22:00Z", "lastweekday@test"),
            // RDATE (one excluded by EXDATE) and an RDATE period.
            row("2025-10-20T07:00Z", "2025-10-20T07:30Z", "rdate@test"),
            row("2025-10-27T08:00Z", "2025-10-27T08:30Z", "rdate@test"),
            row("2025-11-10T12:00Z", "2025-11-10T15:00Z", "rdate@test"),
            // A made-up TZID, matched to US Eastern by its observances.
            row("2025-10-31T13:00Z", "2025-10-31T14:00Z", "custom-tz@test"),
            row("2025-11-03T14:00Z", "2025-11-03T15:00Z", "custom-tz@test"),
            row("2025-10-15T17:00Z", "2025-10-15T18:00Z", "tentative@test"),
            // All-day events block whole days in the host zone.
            row("2025-11-12T05:00Z", "2025-11-13T05:00Z", "allday@test"),
            row("2025-11-20T05:00Z", "2025-11-21T05:00Z", "allday-nodtend@test"),
            row("2025-11-01T04:00Z", "2025-11-03T05:00Z", "allday-dst@test"),
            // Floating time in the host zone.
            row("2025-11-05T15:00Z", "2025-11-05T16:00Z", "floating@test"),
        ];
        expected.sort();
        let mut got = summary(&events);
        got.sort();
        assert_eq!(got, expected);
        // Sorted by start, titles kept (the moved instance has its own).
        assert!(events.windows(2).all(|w| w[0].start <= w[1].start));
        let moved = events.iter().find(|e| e.start == ts("2025-10-22T13:00Z")).unwrap();
        assert_eq!(moved.title.as_deref(), Some("Weekly sync (moved)"));
    }

    #[test]
    fn window_is_half_open() {
        // A window starting exactly when "before@test" ends, and ending when the
        // first weekly instance starts.
        let events =
            busy_events(SUITE, window("2025-10-13T00:00:00Z", "2025-10-14T08:00:00Z"), "America/New_York").unwrap();
        assert_eq!(summary(&events), vec![row("2025-10-12T22:00Z", "2025-10-13T01:00Z", "overlap-start@test")]);
    }

    #[test]
    fn floating_and_all_day_follow_the_host_zone() {
        let events = busy_events(SUITE, window("2025-11-05T00:00:00Z", "2025-11-06T00:00:00Z"), "Asia/Tokyo").unwrap();
        let floating = events.iter().find(|e| e.uid.as_deref() == Some("floating@test")).unwrap();
        assert_eq!((floating.start, floating.end), (ts("2025-11-05T01:00Z"), ts("2025-11-05T02:00Z")));
        let events =
            busy_events(SUITE, window("2025-11-11T00:00:00Z", "2025-11-14T00:00:00Z"), "Europe/Berlin").unwrap();
        let allday = events.iter().find(|e| e.uid.as_deref() == Some("allday@test")).unwrap();
        assert_eq!((allday.start, allday.end), (ts("2025-11-11T23:00Z"), ts("2025-11-12T23:00Z")));
    }

    #[test]
    fn not_an_icalendar_is_refused() {
        let html = "<!doctype html><html><body><h1>Sign in</h1></body></html>";
        let w = window("2025-10-13T00:00:00Z", "2025-10-20T00:00:00Z");
        assert_eq!(busy_events(html, w, "UTC"), Err(IcsError::NotICalendar));
        assert_eq!(busy_periods(html, w), Err(IcsError::NotICalendar));
        assert_eq!(busy_events("", w, "UTC"), Err(IcsError::NotICalendar));
        let bare = "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20251014T080000Z\r\nDTEND:20251014T090000Z\r\nEND:VEVENT\r\n";
        assert_eq!(busy_events(bare, w, "UTC"), Err(IcsError::NotICalendar));
        assert_eq!(busy_events(SUITE, w, "Mars/Olympus"), Err(IcsError::UnknownZone("Mars/Olympus".into())));
        // An empty calendar is fine.
        let empty = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";
        assert_eq!(busy_events(empty, w, "UTC"), Ok(vec![]));
    }

    #[test]
    fn free_busy_with_and_without_fbtype() {
        let periods = busy_periods(FREEBUSY, window("2025-10-13T00:00:00Z", "2025-10-20T00:00:00Z")).unwrap();
        let got: Vec<(String, String)> = periods.iter().map(|e| (e.start.to_string(), e.end.to_string())).collect();
        let want: Vec<(String, String)> = [
            ("2025-10-12T23:00Z", "2025-10-13T01:00Z"),
            ("2025-10-14T08:00Z", "2025-10-14T09:00Z"),
            ("2025-10-15T17:00Z", "2025-10-15T18:00Z"),
            ("2025-10-16T10:00Z", "2025-10-16T11:00Z"),
            ("2025-10-17T00:00Z", "2025-10-17T06:00Z"),
            ("2025-10-18T12:00Z", "2025-10-18T13:00Z"),
            ("2025-10-19T23:00Z", "2025-10-20T01:00Z"),
        ]
        .iter()
        .map(|(a, b)| (ts(a).to_string(), ts(b).to_string()))
        .collect();
        assert_eq!(got, want);
        assert!(periods.iter().all(|p| p.uid.is_none() && p.title.is_none()));
        assert!(has_vfreebusy(FREEBUSY));
        assert!(!has_vfreebusy(SUITE));
    }

    #[test]
    fn old_open_ended_series_reach_the_window() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:old@test\r\nDTSTART:19900101T090000Z\r\n\
                   DURATION:PT1H\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let events = busy_events(ics, window("2025-10-13T00:00:00Z", "2025-10-20T00:00:00Z"), "UTC").unwrap();
        assert_eq!(events.len(), 7);
        assert_eq!(events[0].start, ts("2025-10-13T09:00Z"));
        // Hourly since 2000: well above the first estimate's order of magnitude is fine too.
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:hourly@test\r\nDTSTART:20200101T000000Z\r\n\
                   DURATION:PT15M\r\nRRULE:FREQ=HOURLY;BYMINUTE=0,30\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let events = busy_events(ics, window("2025-10-13T00:00:00Z", "2025-10-14T00:00:00Z"), "UTC").unwrap();
        assert_eq!(events.len(), 48);
    }

    #[test]
    fn at_most_ten_thousand_instances_per_series() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:minutely@test\r\nDTSTART:20251001T000000Z\r\n\
                   DURATION:PT30S\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let events = busy_events(ics, window("2025-10-01T00:00:00Z", "2025-10-31T00:00:00Z"), "UTC").unwrap();
        assert_eq!(events.len(), MAX_INSTANCES_PER_SERIES);
    }

    #[test]
    fn local_times_in_a_dst_gap_or_fold() {
        let ics = "BEGIN:VCALENDAR\r\n\
                   BEGIN:VEVENT\r\nUID:gap@test\r\nDTSTART;TZID=Europe/Berlin:20250330T023000\r\n\
                   DURATION:PT1H\r\nEND:VEVENT\r\n\
                   BEGIN:VEVENT\r\nUID:fold@test\r\nDTSTART;TZID=Europe/Berlin:20251026T023000\r\n\
                   DURATION:PT1H\r\nEND:VEVENT\r\n\
                   BEGIN:VEVENT\r\nUID:daily-gap@test\r\nDTSTART;TZID=Europe/Berlin:20250328T023000\r\n\
                   DURATION:PT30M\r\nRRULE:FREQ=DAILY;COUNT=4\r\nEND:VEVENT\r\n\
                   END:VCALENDAR\r\n";
        let events = busy_events(ics, window("2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"), "UTC").unwrap();
        let get = |uid: &str| -> Vec<String> {
            events.iter().filter(|e| e.uid.as_deref() == Some(uid)).map(|e| e.start.to_string()).collect()
        };
        // The gap 02:00–03:00 is skipped forward (03:30 CEST), the fold takes the earlier (CEST).
        assert_eq!(get("gap@test"), vec![ts("2025-03-30T01:30Z").to_string()]);
        assert_eq!(get("fold@test"), vec![ts("2025-10-26T00:30Z").to_string()]);
        assert_eq!(
            get("daily-gap@test"),
            ["2025-03-28T01:30Z", "2025-03-29T01:30Z", "2025-03-30T01:30Z", "2025-03-31T00:30Z"]
                .iter()
                .map(|s| ts(s).to_string())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn override_without_master_and_thisandfuture() {
        let ics = "BEGIN:VCALENDAR\r\n\
                   BEGIN:VEVENT\r\nUID:lone@test\r\nRECURRENCE-ID:20251014T080000Z\r\n\
                   DTSTART:20251014T100000Z\r\nDTEND:20251014T110000Z\r\nEND:VEVENT\r\n\
                   BEGIN:VEVENT\r\nUID:future@test\r\nDTSTART:20251013T080000Z\r\nDTEND:20251013T090000Z\r\n\
                   RRULE:FREQ=DAILY;COUNT=5\r\nEND:VEVENT\r\n\
                   BEGIN:VEVENT\r\nUID:future@test\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:20251015T080000Z\r\n\
                   DTSTART:20251015T120000Z\r\nDTEND:20251015T123000Z\r\nEND:VEVENT\r\n\
                   END:VCALENDAR\r\n";
        let events = busy_events(ics, window("2025-10-13T00:00:00Z", "2025-10-20T00:00:00Z"), "UTC").unwrap();
        let mut got = summary(&events);
        got.sort();
        let mut want = vec![
            row("2025-10-14T10:00Z", "2025-10-14T11:00Z", "lone@test"),
            row("2025-10-13T08:00Z", "2025-10-13T09:00Z", "future@test"),
            row("2025-10-14T08:00Z", "2025-10-14T09:00Z", "future@test"),
            row("2025-10-15T12:00Z", "2025-10-15T12:30Z", "future@test"),
            row("2025-10-16T12:00Z", "2025-10-16T12:30Z", "future@test"),
            row("2025-10-17T12:00Z", "2025-10-17T12:30Z", "future@test"),
        ];
        want.sort();
        assert_eq!(got, want);
    }

    /// 400 single events and 100 open-ended weekly series in Berlin since 2024.
    fn big_feed() -> String {
        let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Prospo//big//EN\r\n");
        let base = ts("2025-10-13T00:00:00Z");
        for i in 0..400 {
            let start = base.checked_add(Span::new().hours(3 * i)).unwrap();
            let end = start.checked_add(Span::new().hours(1)).unwrap();
            let f = |t: Timestamp| t.strftime("%Y%m%dT%H%M%SZ").to_string();
            s.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:single-{i}@big\r\nDTSTAMP:20251001T000000Z\r\nSUMMARY:Single {i}\r\n\
                 DTSTART:{}\r\nDTEND:{}\r\nEND:VEVENT\r\n",
                f(start),
                f(end)
            ));
        }
        for i in 0..100 {
            // 2024-01-01 was a Monday.
            s.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:weekly-{i}@big\r\nDTSTAMP:20251001T000000Z\r\nSUMMARY:Weekly {i}\r\n\
                 DTSTART;TZID=Europe/Berlin:2024010{}T090000\r\nDURATION:PT45M\r\nRRULE:FREQ=WEEKLY\r\n\
                 END:VEVENT\r\n",
                1 + i % 5
            ));
        }
        s.push_str("END:VCALENDAR\r\n");
        s
    }

    #[test]
    fn five_hundred_event_feed() {
        let feed = big_feed();
        let w = window("2025-10-13T00:00:00Z", "2025-12-22T00:00:00Z");
        let t0 = std::time::Instant::now();
        let events = busy_events(&feed, w, "America/New_York").unwrap();
        let elapsed = t0.elapsed();
        let t1 = std::time::Instant::now();
        let parsed = parse_calendars(&feed).unwrap();
        let parse_only = t1.elapsed();
        assert_eq!(
            parsed[0].components.iter().filter(|c| c.component_type == ICalendarComponentType::VEvent).count(),
            500
        );
        println!(
            "500-event feed ({} bytes): parse+expand {elapsed:?} (parse alone {parse_only:?}), {} busy events",
            feed.len(),
            events.len()
        );
        assert_eq!(events.len(), 400 + 100 * 10);
        let singles = events.iter().filter(|e| e.uid.as_deref().is_some_and(|u| u.starts_with("single-"))).count();
        assert_eq!(singles, 400);
        let s399 = events.iter().find(|e| e.uid.as_deref() == Some("single-399@big")).unwrap();
        assert_eq!((s399.start, s399.end), (ts("2025-12-01T21:00Z"), ts("2025-12-01T22:00Z")));
        // weekly-7 is on Wednesdays at 09:00 Berlin: CEST then CET.
        let w7: Vec<Timestamp> =
            events.iter().filter(|e| e.uid.as_deref() == Some("weekly-7@big")).map(|e| e.start).collect();
        assert_eq!(w7.len(), 10);
        assert_eq!(w7[0], ts("2025-10-15T07:00Z"));
        assert_eq!(w7[2], ts("2025-10-29T08:00Z"));
        assert_eq!(w7[9], ts("2025-12-17T08:00Z"));
        let e = events.iter().find(|e| e.uid.as_deref() == Some("weekly-7@big")).unwrap();
        assert_eq!((e.title.as_deref(), e.end), (Some("Weekly 7"), ts("2025-10-15T07:45Z")));
    }
}
