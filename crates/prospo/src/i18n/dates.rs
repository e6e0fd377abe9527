//! Dates and times for invitees, from CLDR (ICU4X's compiled data): weekday and month names, the
//! language's order of fields, its 12- or 24-hour clock, and time zone names. One set of
//! formatters per language, built once.

use std::sync::LazyLock;

use icu_datetime::fieldsets::{self, T, YMDE};
use icu_datetime::input::{Date, Time, TimeZone, UtcOffset};
use icu_datetime::{DateTimeFormatter, DateTimeFormatterPreferences, NoCalendarFormatter};
use icu_time::zone::ZoneNameTimestamp;

use super::{Locale, Tr};

struct Formatters {
    /// "Tuesday, December 8, 2026" / "Dienstag, 8. Dezember 2026".
    date: DateTimeFormatter<YMDE>,
    /// "Tuesday, December 8" (the picker's days, which are all near).
    day: DateTimeFormatter<fieldsets::MDE>,
    /// "3:00 PM" / "15:00".
    time: NoCalendarFormatter<T>,
    /// "Central European Time" / "Mitteleuropäische Zeit".
    zone: NoCalendarFormatter<fieldsets::zone::GenericLong>,
}

static FORMATTERS: LazyLock<Vec<Formatters>> = LazyLock::new(|| Locale::ALL.iter().map(|l| formatters(*l)).collect());

fn formatters(locale: Locale) -> Formatters {
    let id: icu_locale_core::Locale = locale.cldr().parse().expect("the five codes are locales");
    let prefs = DateTimeFormatterPreferences::from(&id);
    // Compiled data holds every field set for these languages: a failure is a build defect.
    Formatters {
        date: DateTimeFormatter::try_new(prefs, YMDE::long()).expect("CLDR dates"),
        day: DateTimeFormatter::try_new(prefs, fieldsets::MDE::long()).expect("CLDR days"),
        time: NoCalendarFormatter::try_new(prefs, T::hm()).expect("CLDR times"),
        zone: NoCalendarFormatter::try_new(prefs, fieldsets::zone::GenericLong).expect("CLDR zone names"),
    }
}

fn of(locale: Locale) -> &'static Formatters {
    &FORMATTERS[Locale::ALL.iter().position(|l| *l == locale).unwrap_or(0)]
}

fn icu_date(z: &jiff::Zoned) -> Option<Date<icu_calendar::Iso>> {
    Date::try_new_iso(z.year().into(), z.month() as u8, z.day() as u8).ok()
}

/// "Tuesday, December 8" in `locale`.
pub fn day_label(locale: Locale, z: &jiff::Zoned) -> String {
    icu_date(z).map(|d| of(locale).day.format(&d).to_string()).unwrap_or_default()
}

/// "3:00 PM" (English) or "15:00" (German) in `locale`.
pub fn time_label(locale: Locale, z: &jiff::Zoned) -> String {
    match Time::try_new(z.hour() as u8, z.minute() as u8, 0, 0) {
        Ok(time) => of(locale).time.format(&time).to_string(),
        Err(_) => z.strftime("%H:%M").to_string(),
    }
}

/// The zone's common name at that instant ("Central European Time"), else its IANA name.
pub fn zone_name(locale: Locale, z: &jiff::Zoned) -> String {
    let iana = z.time_zone().iana_name().unwrap_or("UTC");
    let Ok(offset) = UtcOffset::try_from_seconds(z.offset().seconds()) else { return iana.to_owned() };
    let info = TimeZone::from_iana_id(iana)
        .with_offset(Some(offset))
        .with_zone_name_timestamp(ZoneNameTimestamp::from_epoch_seconds(z.timestamp().as_second()));
    of(locale).zone.format(&info).to_string()
}

/// A meeting's span for an invitee: "Tuesday, December 8, 2026, 3:00 PM – 3:30 PM (Central
/// European Time)", the order of the parts from the language's `when-range` message.
pub fn when(locale: Locale, start_ms: i64, end_ms: i64, zone: Option<&str>) -> String {
    let tz = zone.and_then(|z| jiff::tz::TimeZone::get(z).ok()).unwrap_or(jiff::tz::TimeZone::UTC);
    let at = |ms: i64| jiff::Timestamp::from_millisecond(ms).ok().map(|t| t.to_zoned(tz.clone()));
    let (Some(start), Some(end)) = (at(start_ms), at(end_ms)) else { return String::new() };
    let date = icu_date(&start).map(|d| of(locale).date.format(&d).to_string()).unwrap_or_default();
    Tr::new(locale).args(
        "when-range",
        &[
            ("date", date),
            ("start", time_label(locale, &start)),
            ("end", time_label(locale, &end)),
            ("zone", zone_name(locale, &start)),
        ],
    )
}

/// A span of minutes as people say it: "1 week", "2 days", "24 hours", "90 minutes".
pub fn span(locale: Locale, minutes: i64) -> String {
    let t = Tr::new(locale);
    match minutes {
        m if m >= 10_080 && m % 10_080 == 0 => t.count("span-weeks", m / 10_080),
        // A day reads as 24 hours: "starts in 24 hours" is what reminders say.
        m if m > 1_440 && m % 1_440 == 0 => t.count("span-days", m / 1_440),
        m if m >= 60 && m % 60 == 0 => t.count("span-hours", m / 60),
        m => t.count("span-minutes", m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zoned(rfc3339: &str, zone: &str) -> jiff::Zoned {
        rfc3339.parse::<jiff::Timestamp>().unwrap().to_zoned(jiff::tz::TimeZone::get(zone).unwrap())
    }

    #[test]
    fn each_language_writes_its_own_days_and_clock() {
        let z = zoned("2026-12-08T14:00:00Z", "Europe/Berlin");
        assert_eq!(day_label(Locale::En, &z), "Tuesday, December 8");
        assert_eq!(day_label(Locale::De, &z), "Dienstag, 8. Dezember");
        assert_eq!(day_label(Locale::Fr, &z), "mardi 8 décembre");
        assert_eq!(time_label(Locale::En, &z), "3:00\u{202f}PM");
        assert_eq!(time_label(Locale::De, &z), "15:00");
        assert_eq!(time_label(Locale::Es, &z), "15:00");
        assert_eq!(zone_name(Locale::En, &z), "Central European Time");
        assert_eq!(zone_name(Locale::De, &z), "Mitteleuropäische Zeit");
        assert_eq!(zone_name(Locale::En, &zoned("2026-12-08T14:00:00Z", "UTC")), "Coordinated Universal Time");
        assert_eq!(zone_name(Locale::De, &zoned("2026-12-08T14:00:00Z", "UTC")), "Koordinierte Weltzeit");
    }

    #[test]
    fn a_span_reads_in_the_language() {
        let start = "2026-12-08T14:00:00Z".parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let end = start + 30 * 60_000;
        let de = when(Locale::De, start, end, Some("Europe/Berlin"));
        assert!(de.contains("Dienstag, 8. Dezember 2026") && de.contains("15:00") && de.contains("15:30"), "{de}");
        let en = when(Locale::En, start, end, Some("America/New_York"));
        assert!(en.contains("December 8, 2026") && en.contains("9:00") && en.contains("Eastern Time"), "{en}");
    }
}
