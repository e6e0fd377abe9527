//! How instants are written in answers (RFC 3339, UTC) and on pages (for people, with their zone).

/// RFC 3339 in UTC with a `Z`, e.g. `2026-11-28T14:00:00Z`.
pub fn rfc3339_ms(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
        .unwrap_or_default()
}

/// For people: the minute with its day and zone, e.g. `Sat 28 Nov 2026, 14:14 UTC`, or in an IANA
/// zone `Sat 28 Nov 2026, 15:14 (Europe/Berlin)`. An unknown zone falls back to UTC.
pub fn human_ms(ms: i64, zone: Option<&str>) -> String {
    let Ok(instant) = jiff::Timestamp::from_millisecond(ms) else { return String::new() };
    match zone.filter(|z| !z.is_empty() && *z != "UTC").and_then(|z| jiff::tz::TimeZone::get(z).ok()) {
        Some(tz) => {
            let name = tz.iana_name().unwrap_or("UTC").to_owned();
            format!("{} ({name})", instant.to_zoned(tz).strftime("%a %-d %b %Y, %H:%M"))
        }
        None => format!("{} UTC", instant.to_zoned(jiff::tz::TimeZone::UTC).strftime("%a %-d %b %Y, %H:%M")),
    }
}

/// A meeting's span for people: `Tue 3 Dec 2026, 15:00 – 15:30 (Europe/Berlin)` (UTC: `… 15:30 UTC`).
pub fn human_range_ms(start_ms: i64, end_ms: i64, zone: Option<&str>) -> String {
    let start = human_ms(start_ms, zone);
    let Ok(end) = jiff::Timestamp::from_millisecond(end_ms) else { return start };
    let tz = zone.and_then(|z| jiff::tz::TimeZone::get(z).ok()).unwrap_or(jiff::tz::TimeZone::UTC);
    let end = end.to_zoned(tz).strftime("%H:%M").to_string();
    // `human_ms` ends in " UTC" or " (Zone)"; the end time goes just before that.
    match start.rfind(" (").or_else(|| start.strip_suffix(" UTC").map(|s| s.len())) {
        Some(at) => format!("{} – {end}{}", &start[..at], &start[at..]),
        None => start,
    }
}

/// A span of minutes for people, in English: `1 week`, `2 days`, `24 hours`, `1 hour`, `90 minutes`.
pub fn human_minutes(minutes: i64) -> String {
    crate::i18n::span(crate::i18n::Locale::En, minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-28T14:14:55.400Z
    const MS: i64 = 1_795_875_295_400;

    #[test]
    fn machine_and_human_forms() {
        assert_eq!(rfc3339_ms(MS), "2026-11-28T14:14:55Z");
        assert_eq!(human_ms(MS, None), "Sat 28 Nov 2026, 14:14 UTC");
        assert_eq!(human_ms(MS, Some("UTC")), "Sat 28 Nov 2026, 14:14 UTC");
        assert_eq!(human_ms(MS, Some("Europe/Berlin")), "Sat 28 Nov 2026, 15:14 (Europe/Berlin)");
        assert_eq!(human_ms(MS, Some("Not/A_Zone")), "Sat 28 Nov 2026, 14:14 UTC");
        assert_eq!(human_ms(MS - 13 * 86_400_000, None), "Sun 15 Nov 2026, 14:14 UTC");
        assert_eq!(human_range_ms(MS, MS + 1_800_000, None), "Sat 28 Nov 2026, 14:14 – 14:44 UTC");
        assert_eq!(
            human_range_ms(MS, MS + 1_800_000, Some("Europe/Berlin")),
            "Sat 28 Nov 2026, 15:14 – 15:44 (Europe/Berlin)"
        );
    }

    #[test]
    fn minute_spans() {
        assert_eq!(human_minutes(10_080), "1 week");
        assert_eq!(human_minutes(2_880), "2 days");
        assert_eq!(human_minutes(1_440), "24 hours");
        assert_eq!(human_minutes(60), "1 hour");
        assert_eq!(human_minutes(90), "90 minutes");
        assert_eq!(human_minutes(1), "1 minute");
    }
}
