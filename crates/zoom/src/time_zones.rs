//! Meeting time zones as Zoom knows them. Zoom documents a list of about 140 IDs, several of them
//! old aliases (`Europe/Kiev`, `Asia/Saigon`, `America/Montreal`), and newer names such as
//! `Europe/Kyiv` or `America/Toronto` are not on it. Prospo sends `start_time` in UTC, so the
//! instant is right whatever Zoom does with the zone; the zone it sends is the listed name for the
//! same place, so Zoom shows the meeting in a zone it knows.

use std::sync::OnceLock;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Zoom's list, in its order (`data/time-zones.txt`).
pub fn listed() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../data/time-zones.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    })
}

/// Current names and the aliases Zoom lists for them (tzdb's `backward` links).
const RENAMED: &[(&str, &str)] = &[
    ("Europe/Kyiv", "Europe/Kiev"),
    ("Asia/Ho_Chi_Minh", "Asia/Saigon"),
    ("America/Toronto", "America/Montreal"),
    ("America/Nuuk", "America/Godthab"),
    ("America/Indiana/Indianapolis", "America/Indianapolis"),
    ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("Etc/UTC", "UTC"),
    ("Etc/GMT", "Etc/Greenwich"),
    ("GMT", "Etc/Greenwich"),
];

/// The name to send Zoom for an IANA zone: itself when Zoom lists it, the listed alias of a
/// renamed zone, else a listed zone of the same area that keeps the same offsets over the next two
/// years (`America/Detroit` → `America/New_York`), else any listed zone that does. `None` when no
/// listed zone keeps time like it; then no zone is sent and Zoom uses the host's.
pub fn zoom_time_zone(iana: &str) -> Option<&'static str> {
    let listed = listed();
    if let Some(same) = listed.iter().find(|name| **name == iana) {
        return Some(same);
    }
    if let Some((_, alias)) = RENAMED.iter().find(|(name, _)| *name == iana) {
        return listed.iter().find(|name| *name == alias).copied();
    }
    let zone = TimeZone::get(iana).ok()?;
    let alike: Vec<&'static str> = listed
        .iter()
        .copied()
        .filter(|name| TimeZone::get(name).is_ok_and(|other| keeps_time_alike(&zone, &other)))
        .collect();
    let area = |name: &str| name.split('/').next().map(str::to_owned);
    alike.iter().find(|name| name.contains('/') && area(name) == area(iana)).or(alike.first()).copied()
}

/// Same UTC offset at every sample across the next two years (weekly, so every transition of
/// either zone shows).
fn keeps_time_alike(a: &TimeZone, b: &TimeZone) -> bool {
    const WEEK: SignedDuration = SignedDuration::from_hours(24 * 7);
    let mut at = Timestamp::now();
    for _ in 0..105 {
        if a.to_offset(at) != b.to_offset(at) {
            return false;
        }
        let Ok(next) = at.checked_add(WEEK) else { return true };
        at = next;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_zoom_s() {
        let list = listed();
        assert_eq!(list.len(), 135);
        assert_eq!(list.first(), Some(&"Pacific/Midway"));
        for name in ["Europe/Kiev", "Asia/Saigon", "America/Montreal", "UTC", "Europe/Berlin"] {
            assert!(list.contains(&name), "{name}");
        }
    }

    #[test]
    fn unlisted_zones_become_listed_ones_of_the_same_place() {
        assert_eq!(zoom_time_zone("Europe/Berlin"), Some("Europe/Berlin"));
        assert_eq!(zoom_time_zone("Europe/Kyiv"), Some("Europe/Kiev"));
        assert_eq!(zoom_time_zone("America/Toronto"), Some("America/Montreal"));
        assert_eq!(zoom_time_zone("Asia/Ho_Chi_Minh"), Some("Asia/Saigon"));
        assert_eq!(zoom_time_zone("Etc/UTC"), Some("UTC"));
        // Not renamed, but keeping New York's time: the first listed American zone that does.
        let detroit = zoom_time_zone("America/Detroit").unwrap();
        assert!(["America/Montreal", "America/New_York"].contains(&detroit), "{detroit}");
        assert_eq!(zoom_time_zone("Europe/Vilnius").map(|z| z.starts_with("Europe/")), Some(true));
        assert_eq!(zoom_time_zone("Mars/Olympus"), None);
        for name in jiff::tz::db().available() {
            if let Some(sent) = zoom_time_zone(name.as_str()) {
                assert!(listed().contains(&sent), "{name} → {sent}");
            }
        }
    }
}
