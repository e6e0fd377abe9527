//! How instants are written in answers.

/// RFC 3339 in UTC with a `Z`, whole seconds, e.g. `2026-11-28T14:00:00Z`.
pub fn rfc3339_ms(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
        .unwrap_or_default()
}
