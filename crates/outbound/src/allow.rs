//! The operator's allow list (`--allow-private-targets HOST[:PORT],…`).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// Hosts that may be reached even though they resolve to (or are) private,
/// loopback or otherwise forbidden addresses.
///
/// Parsed from `HOST[:PORT],HOST2,…` (whitespace around entries and empty
/// entries are ignored). An entry without a port allows every port of that
/// host. Hosts compare case-insensitively and without a trailing dot; IP
/// entries compare as addresses (`[::1]`, `::1` and `[0:0::1]` are the same
/// entry; IPv6 with a port needs brackets: `[::1]:8080`).
///
/// An entry matches the URL's host *as written*: `localhost` does not allow
/// `http://127.0.0.1/`, list both if both are used. For an allowed host every
/// address it resolves to may be used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    host: HostKey,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HostKey {
    Name(String),
    Ip(IpAddr),
}

impl HostKey {
    /// Normalises a host as found in a URL or an allow-list entry.
    pub(crate) fn parse(host: &str) -> HostKey {
        let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        match bare.parse::<IpAddr>() {
            Ok(ip) => HostKey::Ip(ip),
            Err(_) => HostKey::Name(bare.trim_end_matches('.').to_ascii_lowercase()),
        }
    }

    pub(crate) fn from_url_host(host: url::Host<&str>) -> HostKey {
        match host {
            url::Host::Domain(d) => HostKey::parse(d),
            url::Host::Ipv4(ip) => HostKey::Ip(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => HostKey::Ip(IpAddr::V6(ip)),
        }
    }
}

impl fmt::Display for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostKey::Name(n) => f.write_str(n),
            HostKey::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
            HostKey::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
        }
    }
}

/// Why an allow-list string could not be parsed (names the offending entry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid allow-list entry {entry:?}: {reason}")]
pub struct ParseAllowListError {
    /// The entry as written.
    pub entry: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl AllowList {
    /// The empty list: every forbidden address is refused.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `host` (a URL host or a name as given to a resolver; brackets
    /// around IPv6 optional) on `port` is allow-listed.
    pub fn allows(&self, host: &str, port: u16) -> bool {
        self.allows_key(&HostKey::parse(host), port)
    }

    /// Whether the host and port (explicit or the scheme's default) of `url`
    /// are allow-listed. A URL without a host is never allowed.
    pub fn allows_url(&self, url: &url::Url) -> bool {
        match (url.host(), url.port_or_known_default()) {
            (Some(host), Some(port)) => self.allows_key(&HostKey::from_url_host(host), port),
            _ => false,
        }
    }

    /// This list plus every port of `hosts` (e.g. `prospo demo`'s own loopback names).
    pub fn with_hosts(mut self, hosts: &[&str]) -> Self {
        for host in hosts {
            let entry = Entry { host: HostKey::parse(host), port: None };
            if !self.entries.contains(&entry) {
                self.entries.push(entry);
            }
        }
        self
    }

    /// Whether some entry names `host`, whatever its port.
    pub fn lists_host(&self, host: &str) -> bool {
        let key = HostKey::parse(host);
        self.entries.iter().any(|e| e.host == key)
    }

    pub(crate) fn allows_key(&self, key: &HostKey, port: u16) -> bool {
        self.entries.iter().any(|e| &e.host == key && e.port.is_none_or(|p| p == port))
    }
}

impl FromStr for AllowList {
    type Err = ParseAllowListError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut entries = Vec::new();
        for raw in s.split(',') {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let entry = parse_entry(raw).map_err(|reason| ParseAllowListError { entry: raw.to_owned(), reason })?;
            if !entries.contains(&entry) {
                entries.push(entry);
            }
        }
        Ok(AllowList { entries })
    }
}

fn parse_entry(raw: &str) -> Result<Entry, &'static str> {
    if raw.contains("://") || raw.contains(['/', '@', '?', '#']) {
        return Err("expected HOST or HOST:PORT, not a URL");
    }
    let (host, port) = if let Some(rest) = raw.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or("missing ']'")?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("expected ':' after ']'")?),
        };
        if inside.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("not an IPv6 address inside brackets");
        }
        (inside, port)
    } else if raw.matches(':').count() > 1 {
        if raw.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("not an IPv6 address (write [ADDR]:PORT for a port)");
        }
        (raw, None)
    } else {
        match raw.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (raw, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(0) | Err(_) => return Err("port must be a number from 1 to 65535"),
            Ok(p) => Some(p),
        },
    };
    let host = HostKey::parse(host);
    if let HostKey::Name(name) = &host {
        if name.is_empty() {
            return Err("empty host");
        }
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')) {
            return Err("host may only contain letters, digits, '-', '_' and '.'");
        }
    }
    Ok(Entry { host, port })
}

impl fmt::Display for AllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}", e.host)?;
            if let Some(p) = e.port {
                write!(f, ":{p}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(s: &str) -> AllowList {
        s.parse().unwrap()
    }

    #[test]
    fn empty_and_none() {
        assert!(list("").is_empty());
        assert!(list(" , ,").is_empty());
        assert_eq!(AllowList::none(), list(""));
        assert!(!AllowList::none().allows("localhost", 80));
    }

    #[test]
    fn host_without_port_allows_every_port() {
        let a = list("localhost");
        assert!(a.allows("localhost", 80));
        assert!(a.allows("localhost", 8443));
        assert!(a.allows("LOCALHOST", 1));
        assert!(a.allows("localhost.", 1));
        assert!(!a.allows("127.0.0.1", 80));
        assert!(!a.allows("localhost.example", 80));
    }

    #[test]
    fn host_with_port_allows_only_that_port() {
        let a = list("127.0.0.1:8080, CalDAV.Internal:5232");
        assert!(a.allows("127.0.0.1", 8080));
        assert!(!a.allows("127.0.0.1", 8081));
        assert!(a.allows("caldav.internal", 5232));
        assert!(a.allows("CALDAV.INTERNAL", 5232));
        assert!(!a.allows("caldav.internal", 80));
        assert!(a.lists_host("caldav.internal"));
        assert!(!a.lists_host("localhost"));
        assert_eq!(a.to_string(), "127.0.0.1:8080,caldav.internal:5232");
    }

    #[test]
    fn ipv6_entries() {
        let a = list("[::1]:8080,fd00::5,[fe80::1]");
        assert!(a.allows("[::1]", 8080));
        assert!(a.allows("::1", 8080));
        assert!(a.allows("0:0::1", 8080));
        assert!(!a.allows("::1", 80));
        assert!(a.allows("[fd00::5]", 1234));
        assert!(a.allows("fe80::1", 1));
        assert_eq!(a.to_string(), "[::1]:8080,[fd00::5],[fe80::1]");
    }

    #[test]
    fn allows_url_uses_default_ports() {
        let a = list("localhost:80,example.internal:443,[::1]");
        assert!(a.allows_url(&"http://localhost/x".parse().unwrap()));
        assert!(!a.allows_url(&"https://localhost/x".parse().unwrap()));
        assert!(a.allows_url(&"https://Example.Internal/x".parse().unwrap()));
        assert!(a.allows_url(&"http://[::1]:9000/".parse().unwrap()));
        assert!(!a.allows_url(&"http://127.0.0.1/".parse().unwrap()));
    }

    #[test]
    fn rejects_bad_entries() {
        for bad in [
            "localhost:",
            "localhost:0",
            "localhost:65536",
            "localhost:http",
            ":8080",
            "http://localhost",
            "user@localhost",
            "localhost/path",
            "[::1",
            "[::1]8080",
            "[nothost]:80",
            "::1:zz",
            "bad host",
            "host,[::1]x",
        ] {
            assert!(bad.parse::<AllowList>().is_err(), "{bad:?} must be rejected");
        }
        let err = "ok,localhost:0".parse::<AllowList>().unwrap_err();
        assert_eq!(err.entry, "localhost:0");
    }

    #[test]
    fn duplicates_collapse() {
        assert_eq!(list("a,a,A").to_string(), "a");
    }
}
