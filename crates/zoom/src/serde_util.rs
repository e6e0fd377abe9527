//! Lenient deserialisers for fields Zoom types inconsistently.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, de::Error};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Int(i64),
    Float(f64),
    Text(String),
}

/// An integer sent as a number or a numeric string (recording `type` is documented as a
/// string and sent as an integer; `pmi` is an integer in one answer and a string in another).
/// `null`, `""` and missing become `None`.
pub(crate) fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<NumberOrString>::deserialize(d)? {
        None => Ok(None),
        Some(NumberOrString::Int(i)) => Ok(Some(i)),
        // Sizes are documented as `number`; whole floats are accepted.
        Some(NumberOrString::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(Some(f as i64)),
        Some(NumberOrString::Float(f)) => Err(D::Error::custom(format!("not an integer: {f}"))),
        Some(NumberOrString::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(NumberOrString::Text(s)) => {
            s.trim().parse().map(Some).map_err(|_| D::Error::custom("not an integer string"))
        }
    }
}

/// An instant that may be missing, `null` or `""` (a recording still in progress has
/// `"recording_end": ""`).
pub(crate) fn opt_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => s.trim().parse().map(Some).map_err(D::Error::custom),
    }
}

/// A link Prospo puts in an `href` (join, start, play, download, share): kept only when it is an
/// absolute `https` or `http` URL, so a `javascript:` or `data:` value from the answer never
/// becomes one. Anything else reads as absent.
pub(crate) fn web_link<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|link| is_web_link(link)))
}

/// [`web_link`] for a link that is a credential (the host's start link).
pub(crate) fn secret_web_link<'de, D: Deserializer<'de>>(d: D) -> Result<Option<secrecy::SecretString>, D::Error> {
    Ok(web_link(d)?.map(secrecy::SecretString::from))
}

fn is_web_link(link: &str) -> bool {
    reqwest::Url::parse(link).is_ok_and(|url| matches!(url.scheme(), "https" | "http") && url.host().is_some())
}

/// Zoom's `start_time` format: UTC with a trailing `Z` and whole seconds. With the `Z`,
/// Zoom reads the instant as UTC and uses `timezone` for display only.
pub(crate) fn zoom_utc<S: serde::Serializer>(ts: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match ts {
        Some(ts) => s.serialize_str(&ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_are_kept() {
        #[derive(Deserialize)]
        struct L {
            #[serde(default, deserialize_with = "web_link")]
            link: Option<String>,
        }
        let link = |json: &str| serde_json::from_str::<L>(json).unwrap().link;
        assert_eq!(link(r#"{"link":"https://zoom.us/j/1?pwd=x"}"#).as_deref(), Some("https://zoom.us/j/1?pwd=x"));
        assert_eq!(link(r#"{"link":"http://127.0.0.1:9/j/1"}"#).as_deref(), Some("http://127.0.0.1:9/j/1"));
        for refused in
            ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "//evil.example/j", "/j/1", ""]
        {
            assert_eq!(link(&format!(r#"{{"link":"{refused}"}}"#)), None, "{refused}");
        }
        assert_eq!(link("{}"), None);
    }

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "lenient_i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "opt_timestamp")]
        t: Option<Timestamp>,
    }

    fn parse(json: &str) -> T {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn lenient_numbers_and_times() {
        assert_eq!(parse(r#"{"n":2}"#).n, Some(2));
        assert_eq!(parse(r#"{"n":"2"}"#).n, Some(2));
        assert_eq!(parse(r#"{"n":1024.0}"#).n, Some(1024));
        assert_eq!(parse(r#"{"n":null,"t":""}"#).n, None);
        assert_eq!(parse("{}").t, None);
        assert_eq!(parse(r#"{"t":"2022-06-25T08:00:00Z"}"#).t, Some("2022-06-25T08:00:00Z".parse().unwrap()));
        assert!(serde_json::from_str::<T>(r#"{"n":"x"}"#).is_err());
    }
}
