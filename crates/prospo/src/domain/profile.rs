//! What a host's profile holds besides sign-up's fields: a short bio, a language, a default time
//! zone, and the sites that may embed their booking pages. Each is parsed here into a valid value.

use std::fmt;
use std::str::FromStr;

use super::accounts::Invalid;

/// A short bio for the public profile: trimmed, at most [`Bio::MAX_CHARS`] characters; line breaks
/// are kept, other control characters refused. Empty means none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bio(String);

impl Bio {
    pub const MAX_CHARS: usize = 500;

    /// `None` for an empty bio. The limit counts the characters as sent, so it is the one the API
    /// document states.
    pub fn parse(raw: &str) -> Result<Option<Bio>, Invalid> {
        let bio = raw.trim().replace("\r\n", "\n");
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(Invalid::new("bio", "invalid_bio", "Keep the bio to 500 characters or fewer."));
        }
        if bio.chars().any(|c| c.is_control() && c != '\n') {
            return Err(Invalid::new("bio", "invalid_bio", "The bio may hold text and line breaks only."));
        }
        Ok((!bio.is_empty()).then_some(Bio(bio)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The languages Prospo's public pages and invitee mails come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    En,
    De,
    Fr,
    Es,
    Pt,
}

impl Locale {
    pub const ALL: [Locale; 5] = [Locale::En, Locale::De, Locale::Fr, Locale::Es, Locale::Pt];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
            Locale::Es => "es",
            Locale::Pt => "pt",
        }
    }

    /// The CLDR locale its dates and times are written in (CLDR's `pt` is Brazilian Portuguese;
    /// said here so nobody wonders).
    pub fn cldr(self) -> &'static str {
        match self {
            Locale::Pt => "pt-BR",
            other => other.as_str(),
        }
    }

    /// The language's own name, for pickers.
    pub fn name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::De => "Deutsch",
            Locale::Fr => "Français",
            Locale::Es => "Español",
            Locale::Pt => "Português",
        }
    }

    pub fn parse(raw: &str) -> Result<Locale, Invalid> {
        raw.parse()
    }
}

impl FromStr for Locale {
    type Err = Invalid;

    /// Exactly one of the codes, as the API document lists them.
    fn from_str(raw: &str) -> Result<Locale, Invalid> {
        Locale::ALL
            .into_iter()
            .find(|l| l.as_str() == raw)
            .ok_or_else(|| Invalid::new("locale", "invalid_locale", "Choose one of en, de, fr, es or pt."))
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An IANA time zone name jiff knows ("Europe/Berlin"), as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneName(String);

impl ZoneName {
    pub fn parse(raw: &str) -> Result<ZoneName, Invalid> {
        let name = raw.trim();
        match jiff::tz::TimeZone::get(name) {
            Ok(_) if !name.is_empty() => Ok(ZoneName(name.to_owned())),
            _ => Err(Invalid::new(
                "timezone",
                "unknown_time_zone",
                "This is not a time zone we know. Use an IANA name such as Europe/Berlin.",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One site allowed to embed the host's booking pages: an exact origin, `https://host[:port]`
/// (lower-case host, no default port), or `http://` for a host the operator allow-lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedOrigin(String);

/// The host's embedding sites: at most [`EmbedOrigins::MAX`], without repeats.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmbedOrigins(Vec<EmbedOrigin>);

impl EmbedOrigin {
    /// `allow_http(host, port)`: whether plain `http://` may be used for this host (the operator's
    /// `--allow-private-targets`).
    pub fn parse(raw: &str, allow_http: impl Fn(&str, u16) -> bool) -> Result<EmbedOrigin, Invalid> {
        let bad = |why: &str| {
            Invalid::new(
                "embed_origins",
                "invalid_embed_origin",
                format!("{raw:?} is not a site origin: {why} Write it as https://example.com (a port may follow)."),
            )
        };
        let text = raw.trim();
        // Characters that would change a CSP `frame-ancestors` list, and wildcards.
        if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control() || ";,*'\"\\".contains(c)) {
            return Err(bad("wildcards, spaces, quotes, commas and semicolons are not allowed."));
        }
        let (scheme, rest) = text.split_once("://").ok_or_else(|| bad("it needs https://."))?;
        let scheme = scheme.to_ascii_lowercase();
        if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
            return Err(bad("only the scheme, host and port: no path, query, fragment or user."));
        }
        let url = url::Url::parse(&format!("{scheme}://{rest}")).map_err(|_| bad("the host is not valid."))?;
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("the host is missing."))?;
        let port = url.port_or_known_default().ok_or_else(|| bad("it needs https://."))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_http(host, port) => {}
            "http" => return Err(bad("plain http:// is allowed only for hosts the operator lists.")),
            _ => return Err(bad("it needs https://.")),
        }
        Ok(EmbedOrigin(url.origin().ascii_serialization()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl EmbedOrigins {
    pub const MAX: usize = 20;

    pub fn parse<S: AsRef<str>>(raw: &[S], allow_http: impl Fn(&str, u16) -> bool) -> Result<EmbedOrigins, Invalid> {
        if raw.len() > Self::MAX {
            return Err(Invalid::new(
                "embed_origins",
                "too_many_embed_origins",
                format!("List at most {} sites.", Self::MAX),
            ));
        }
        let mut origins: Vec<EmbedOrigin> = Vec::with_capacity(raw.len());
        for entry in raw {
            let origin = EmbedOrigin::parse(entry.as_ref(), &allow_http)?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(EmbedOrigins(origins))
    }

    /// As stored: a JSON array of strings.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.as_strs()).expect("a list of strings serialises")
    }

    /// The stored JSON array (trusted: it was written by [`EmbedOrigins::to_json`]).
    pub fn from_json(stored: &str) -> Vec<String> {
        serde_json::from_str(stored).unwrap_or_default()
    }

    pub fn as_strs(&self) -> Vec<&str> {
        self.0.iter().map(EmbedOrigin::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn https_only(_: &str, _: u16) -> bool {
        false
    }

    #[test]
    fn bios_are_trimmed_and_bounded() {
        assert_eq!(Bio::parse("  Hi\r\nthere ").unwrap().unwrap().as_str(), "Hi\nthere");
        assert_eq!(Bio::parse("   ").unwrap(), None);
        assert!(Bio::parse(&"a".repeat(500)).unwrap().is_some());
        assert_eq!(Bio::parse(&"a".repeat(501)).unwrap_err().code, "invalid_bio");
        assert!(Bio::parse("bell\u{7}").is_err());
    }

    #[test]
    fn locales_are_the_five_languages() {
        assert_eq!(Locale::parse("de").unwrap(), Locale::De);
        for bad in ["", "it", "en-US", "english", " de", "DE"] {
            assert_eq!(Locale::parse(bad).unwrap_err().field, "locale", "{bad:?}");
        }
    }

    #[test]
    fn zones_are_iana_names() {
        assert_eq!(
            ZoneName::parse(" America/Argentina/Buenos_Aires ").unwrap().as_str(),
            "America/Argentina/Buenos_Aires"
        );
        assert!(ZoneName::parse("Mars/Base").is_err());
        assert!(ZoneName::parse("").is_err());
    }

    #[test]
    fn embed_origins_are_exact_https_origins() {
        let ok = |raw: &str| EmbedOrigin::parse(raw, https_only).map(|o| o.as_str().to_owned());
        assert_eq!(ok("https://Example.com").unwrap(), "https://example.com");
        assert_eq!(ok("https://example.com:443").unwrap(), "https://example.com");
        assert_eq!(ok("https://shop.example.com:8443").unwrap(), "https://shop.example.com:8443");
        for bad in [
            "example.com",
            "https://example.com/",
            "https://example.com/page",
            "https://*.example.com",
            "https://example.com; script-src *",
            "https://example.com?x",
            "https://user@example.com",
            "http://example.com",
            "ftp://example.com",
            "https://",
            "*",
            "'self'",
        ] {
            assert_eq!(ok(bad).unwrap_err().code, "invalid_embed_origin", "{bad:?}");
        }
    }

    #[test]
    fn allow_listed_hosts_may_use_http() {
        let local = |host: &str, _: u16| host == "127.0.0.1";
        assert_eq!(EmbedOrigin::parse("http://127.0.0.1:8000", local).unwrap().as_str(), "http://127.0.0.1:8000");
        assert!(EmbedOrigin::parse("http://example.com", local).is_err());
    }

    #[test]
    fn at_most_twenty_without_repeats() {
        let many: Vec<String> = (0..21).map(|i| format!("https://site{i}.example")).collect();
        assert_eq!(EmbedOrigins::parse(&many, https_only).unwrap_err().code, "too_many_embed_origins");
        let twice = ["https://a.example", "https://A.example:443"];
        let origins = EmbedOrigins::parse(&twice, https_only).unwrap();
        assert_eq!(origins.as_strs(), ["https://a.example"]);
        assert_eq!(EmbedOrigins::from_json(&origins.to_json()), ["https://a.example"]);
    }
}
