//! The guarded client: validation, redirects, credentials, bounded bodies.

use std::error::Error as _;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::OutboundError;
use crate::allow::{AllowList, HostKey};
use crate::guard::is_forbidden_ip;
use crate::resolve::{GuardError, GuardedResolver, lookup, permitted};

/// Default total time for one [`GuardedClient::send`] (redirects and body included).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default limit on a response body: 10 MiB.
pub const DEFAULT_MAX_BODY: usize = 10 * 1024 * 1024;
/// Redirects followed at most; the next one is [`OutboundError::TooManyRedirects`].
pub const MAX_REDIRECTS: usize = 5;
/// Time allowed to resolve and connect to a server.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The one HTTP client for URLs that users typed (CalDAV servers, ICS feeds,
/// webhooks).
///
/// * Refuses forbidden addresses ([`is_forbidden_ip`](crate::is_forbidden_ip))
///   unless the URL's host and port are in the [`AllowList`]. Names are
///   checked *after* resolution by the resolver that reqwest connects with,
///   so the connection goes to a checked address (no DNS rebinding);
///   IP-literal hosts are checked before each request.
/// * Follows at most [`MAX_REDIRECTS`] redirects itself, checking each target
///   the same way.
/// * Connect timeout [`CONNECT_TIMEOUT`]; a total timeout per request.
/// * Reads bodies as a stream up to the request's limit.
/// * Never logs or reports a password or a URL's path or query (only scheme,
///   host and port, see [`origin_only`]).
///
/// Cloning is cheap and shares the connection pools. Inside are two reqwest
/// clients with the same settings: reqwest's resolver is not told the port,
/// so one client, whose resolver permits every address of allow-listed
/// hosts, is used only for requests whose host *and port* are allow-listed,
/// and the other, whose resolver never returns a forbidden address, for all
/// others.
#[derive(Clone)]
pub struct GuardedClient {
    inner: Arc<Inner>,
}

struct Inner {
    allow: AllowList,
    strict: reqwest::Client,
    allowed: reqwest::Client,
}

impl fmt::Debug for GuardedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardedClient").field("allow", &self.inner.allow.to_string()).finish_non_exhaustive()
    }
}

/// One request. `headers` are sent on every hop, except that
/// `Authorization`, `Cookie` and `Proxy-Authorization` follow a redirect
/// only where [`basic_auth`](Request::basic_auth) would.
pub struct Request {
    /// Method; kept across 301, 302, 307 and 308 redirects, GET after 303.
    pub method: Method,
    /// Target: http or https, no user name or password in it.
    pub url: Url,
    /// Extra headers.
    pub headers: HeaderMap,
    /// Body, resent on 301, 302, 307 and 308 redirects, dropped on 303.
    pub body: Option<Bytes>,
    /// HTTP Basic credentials: user name and password.
    pub basic_auth: Option<(String, SecretString)>,
    /// Total time for the request: redirects and reading the body included.
    pub timeout: Duration,
    /// Largest response body accepted, in bytes.
    pub max_body: usize,
    /// Whether redirects are followed; when not, a 3xx is the response.
    pub follow_redirects: bool,
}

impl Request {
    /// A request without headers, body or credentials, with
    /// [`DEFAULT_TIMEOUT`] and [`DEFAULT_MAX_BODY`].
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            basic_auth: None,
            timeout: DEFAULT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
            follow_redirects: true,
        }
    }

    /// `Request::new(Method::GET, url)`.
    pub fn get(url: Url) -> Self {
        Self::new(Method::GET, url)
    }

    /// Adds a header (appends: an existing one of the same name is kept).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sends HTTP Basic credentials (only over https or to allow-listed hosts).
    pub fn basic_auth(mut self, user: impl Into<String>, password: SecretString) -> Self {
        self.basic_auth = Some((user.into(), password));
        self
    }

    /// Sets the total timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the body limit in bytes.
    pub fn max_body(mut self, max_body: usize) -> Self {
        self.max_body = max_body;
        self
    }

    /// Answers a 3xx as the response instead of following it (webhook deliveries: a redirect is
    /// a failed attempt, never a second target).
    pub fn without_redirects(mut self) -> Self {
        self.follow_redirects = false;
        self
    }
}

/// Shows neither header values, the URL's path and query, nor the password.
impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &origin_only(&self.url))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .field("basic_auth", &self.basic_auth.as_ref().map(|(u, _)| u))
            .field("timeout", &self.timeout)
            .field("max_body", &self.max_body)
            .field("follow_redirects", &self.follow_redirects)
            .finish()
    }
}

/// A complete response (any status; non-2xx is not an error here).
pub struct Response {
    /// Status of the final response.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// The final URL, after redirects.
    pub url: Url,
    /// The whole body (at most the request's `max_body` bytes).
    pub body: Bytes,
}

/// Shows neither header values nor the URL's path and query.
impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("url", &origin_only(&self.url))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// `scheme://host[:port]` of `url`, without user, path, query or fragment:
/// the only part of a user-typed URL that may appear in logs and errors.
pub fn origin_only(url: &Url) -> String {
    let mut s = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        s.push_str(&format!(":{port}"));
    }
    s
}

impl GuardedClient {
    /// A client refusing forbidden addresses except for `allow`, sending
    /// `user_agent` (replaced by `prospo-outbound` if it is not a valid
    /// header value).
    ///
    /// # Panics
    /// If the TLS backend cannot be initialised (reqwest's client builder fails).
    pub fn new(allow: AllowList, user_agent: &str) -> Self {
        let user_agent =
            HeaderValue::from_str(user_agent).unwrap_or_else(|_| HeaderValue::from_static("prospo-outbound"));
        let strict = build(GuardedResolver::strict(), user_agent.clone());
        let allowed = if allow.is_empty() {
            strict.clone()
        } else {
            build(GuardedResolver::bypassing(allow.clone()), user_agent)
        };
        Self { inner: Arc::new(Inner { allow, strict, allowed }) }
    }

    /// The allow list this client was made with.
    pub fn allow_list(&self) -> &AllowList {
        &self.inner.allow
    }

    /// Validates a URL a user typed: http(s) only, no user name or password
    /// ([`OutboundError::InvalidUrl`]), the host resolves within 2 s
    /// ([`OutboundError::Unresolvable`]), and, unless host and port are
    /// allow-listed, at least one of its addresses is permitted
    /// ([`OutboundError::NotAllowed`]) — the same rule [`send`](Self::send)
    /// applies, which connects only to the permitted ones. IP-literal hosts
    /// are judged without resolving.
    pub async fn check_url(&self, url: &Url) -> Result<(), OutboundError> {
        validate_url(url, "URL")?;
        let allowed = self.inner.allow.allows_url(url);
        match url.host() {
            Some(url::Host::Domain(name)) => {
                let addrs = lookup(name).await.map_err(guard_error)?;
                if !allowed {
                    permitted(addrs).map_err(guard_error)?;
                }
                Ok(())
            }
            _ => self.check_literal(url),
        }
    }

    /// Sends `req`, following redirects, and reads the whole body.
    ///
    /// Errors: [`InvalidUrl`](OutboundError::InvalidUrl) (also for a
    /// redirect to a non-http(s) URL or one with user info),
    /// [`InsecureCredentials`](OutboundError::InsecureCredentials) (Basic auth
    /// over http:// to a host and port not allow-listed; nothing is sent),
    /// [`NotAllowed`](OutboundError::NotAllowed),
    /// [`Unresolvable`](OutboundError::Unresolvable),
    /// [`TooManyRedirects`](OutboundError::TooManyRedirects),
    /// [`Timeout`](OutboundError::Timeout) (the request's total timeout; the
    /// connect timeout), [`Unreachable`](OutboundError::Unreachable),
    /// [`TooLarge`](OutboundError::TooLarge).
    ///
    /// Credentials (Basic auth and the `Authorization`, `Cookie` and
    /// `Proxy-Authorization` headers) follow a redirect only to the same
    /// origin as `req.url`, or to an https URL of the same registrable
    /// domain (see [`credentials_may_follow`]); once dropped they stay
    /// dropped for the rest of the chain.
    pub async fn send(&self, req: Request) -> Result<Response, OutboundError> {
        let timeout = req.timeout;
        match tokio::time::timeout(timeout, self.send_inner(req)).await {
            Ok(result) => result,
            Err(_) => Err(OutboundError::Timeout),
        }
    }

    async fn send_inner(&self, req: Request) -> Result<Response, OutboundError> {
        let Request {
            mut method,
            mut url,
            mut headers,
            mut body,
            basic_auth: mut creds,
            timeout: _,
            max_body,
            follow_redirects,
        } = req;
        validate_url(&url, "URL")?;
        if creds.is_some() && url.scheme() == "http" && !self.inner.allow.allows_url(&url) {
            return Err(OutboundError::InsecureCredentials);
        }
        let original = url.clone();
        let mut credentials_kept = true;

        for hop in 0..=MAX_REDIRECTS {
            self.check_literal(&url)?;
            let client = if self.inner.allow.allows_url(&url) { &self.inner.allowed } else { &self.inner.strict };
            tracing::debug!(%method, target = %origin_only(&url), hop, "outbound request");
            let mut builder = client.request(method.clone(), url.clone()).headers(headers.clone());
            if let Some(body) = &body {
                builder = builder.body(body.clone());
            }
            if let Some((user, password)) = &creds {
                builder = builder.basic_auth(user, Some(password.expose_secret()));
            }
            let resp = builder.send().await.map_err(|e| map_reqwest(e, &url))?;
            let status = resp.status();

            let location = match resp.headers().get(header::LOCATION) {
                Some(loc) if follow_redirects && is_redirect(status) => loc,
                _ => {
                    let headers = resp.headers().clone();
                    let body = read_body(resp, max_body, &url).await?;
                    return Ok(Response { status, headers, url, body });
                }
            };
            if hop == MAX_REDIRECTS {
                tracing::debug!(target = %origin_only(&url), "too many redirects");
                return Err(OutboundError::TooManyRedirects);
            }
            let next = location
                .to_str()
                .ok()
                .and_then(|loc| url.join(loc).ok())
                .ok_or_else(|| OutboundError::InvalidUrl("redirect with an unreadable Location".into()))?;
            validate_url(&next, "redirect target")?;
            drop(resp);

            if status == StatusCode::SEE_OTHER {
                if method != Method::HEAD {
                    method = Method::GET;
                }
                body = None;
                for h in
                    [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::TRANSFER_ENCODING]
                {
                    headers.remove(h);
                }
            }
            if credentials_kept {
                let insecure = next.scheme() == "http" && !self.inner.allow.allows_url(&next);
                if insecure || !credentials_may_follow(&original, &next) {
                    credentials_kept = false;
                    if creds.take().is_some() {
                        tracing::debug!(
                            target = %origin_only(&next),
                            "credentials not forwarded across the redirect"
                        );
                    }
                    for h in [header::AUTHORIZATION, header::COOKIE, header::PROXY_AUTHORIZATION] {
                        headers.remove(h);
                    }
                }
            }
            tracing::debug!(
                status = status.as_u16(),
                from = %origin_only(&url),
                to = %origin_only(&next),
                "following redirect"
            );
            url = next;
        }
        unreachable!("the loop returns on its last hop")
    }

    /// An IP-literal host is checked here (it never reaches the resolver).
    fn check_literal(&self, url: &Url) -> Result<(), OutboundError> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
            _ => return Ok(()),
        };
        if is_forbidden_ip(ip) && !self.inner.allow.allows_url(url) {
            tracing::debug!(target = %origin_only(url), "refused: address not allowed");
            return Err(OutboundError::NotAllowed);
        }
        Ok(())
    }
}

fn build(resolver: GuardedResolver, user_agent: HeaderValue) -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(user_agent)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .no_proxy()
        .dns_resolver(resolver)
        .build()
        .expect("building the HTTP client (TLS backend)")
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

/// http or https, a host, no user name or password.
fn validate_url(url: &Url, what: &str) -> Result<(), OutboundError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(OutboundError::InvalidUrl(format!("{what}: only http:// and https:// are supported")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(OutboundError::InvalidUrl(format!(
            "{what}: a user name or password inside the URL is not accepted"
        )));
    }
    if url.host().is_none() {
        return Err(OutboundError::InvalidUrl(format!("{what}: no host")));
    }
    Ok(())
}

/// Reads the body as a stream, refusing more than `limit` bytes.
async fn read_body(mut resp: reqwest::Response, limit: usize, url: &Url) -> Result<Bytes, OutboundError> {
    let too_large = OutboundError::TooLarge { limit };
    let announced = resp.content_length();
    if announced.is_some_and(|len| len > limit as u64) {
        tracing::debug!(target = %origin_only(url), limit, "response body too large");
        return Err(too_large);
    }
    let capacity = announced.unwrap_or(0).min(1 << 20) as usize;
    let mut buf = BytesMut::with_capacity(capacity.min(limit));
    while let Some(chunk) = resp.chunk().await.map_err(|e| map_reqwest(e, url))? {
        if buf.len() + chunk.len() > limit {
            tracing::debug!(target = %origin_only(url), limit, "response body too large");
            return Err(too_large);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Whether credentials given for `original` may be sent to `target` after a
/// redirect: the same origin (scheme, host, port), or `target` is https and
/// both hosts are names of the same registrable domain.
///
/// The registrable domain is *approximated* by the last two DNS labels
/// (`caldav.icloud.com` and `p12-caldav.icloud.com` share `icloud.com`),
/// or the last three when the top-level label is a two-letter country code
/// and the second is a common second-level suffix such as `co`, `com`,
/// `org` (`a.example.co.uk` shares `example.co.uk`, not `co.uk`). This is
/// not the Public Suffix List: hosts under other multi-label public suffixes
/// (say `*.github.io`) are treated as one domain.
pub fn credentials_may_follow(original: &Url, target: &Url) -> bool {
    if original.scheme() == target.scheme()
        && original.port_or_known_default() == target.port_or_known_default()
        && original
            .host()
            .map(HostKey::from_url_host)
            .is_some_and(|h| Some(h) == target.host().map(HostKey::from_url_host))
    {
        return true;
    }
    if target.scheme() != "https" {
        return false;
    }
    match (original.domain(), target.domain()) {
        (Some(a), Some(b)) => registrable_domain(a).is_some_and(|ra| Some(ra) == registrable_domain(b)),
        _ => false,
    }
}

/// Second-level labels under which a country-code TLD registers names.
const SECOND_LEVEL: &[&str] = &[
    "ac", "co", "com", "edu", "gov", "ltd", "me", "mil", "net", "ne", "nic", "or", "org", "plc", "sch", "go", "gob",
    "gv", "in", "nom",
];

fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    let n = labels.len();
    let take = if labels[n - 1].len() == 2 && SECOND_LEVEL.contains(&labels[n - 2]) { 3 } else { 2 };
    if n < take {
        return None;
    }
    Some(labels[n - take..].join("."))
}

fn guard_error(e: GuardError) -> OutboundError {
    match e {
        GuardError::Unresolvable => OutboundError::Unresolvable,
        GuardError::NotAllowed => OutboundError::NotAllowed,
    }
}

/// Maps a reqwest error by its source chain; the message of
/// [`OutboundError::Unreachable`] carries only the origin of `url`.
fn map_reqwest(err: reqwest::Error, url: &Url) -> OutboundError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(e) = source {
        if let Some(g) = e.downcast_ref::<GuardError>() {
            tracing::debug!(target = %origin_only(url), reason = %g, "refused");
            return guard_error(*g);
        }
        source = e.source();
    }
    if err.is_timeout() {
        return OutboundError::Timeout;
    }
    let err = err.without_url();
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(e) = source {
        let s = e.to_string();
        if !parts.contains(&s) {
            parts.push(s);
        }
        source = e.source();
    }
    let message = format!("{}: {}", origin_only(url), redact(&parts.join(": "), url));
    tracing::debug!(%message, "outbound request failed");
    OutboundError::Unreachable(message)
}

/// Removes the URL, its path and its query from `text`, should a library
/// have put them there.
fn redact(text: &str, url: &Url) -> String {
    let mut out = text.replace(url.as_str(), "…");
    if let Some(q) = url.query().filter(|q| !q.is_empty()) {
        out = out.replace(q, "…");
    }
    if url.path().len() > 1 {
        out = out.replace(url.path(), "…");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        s.parse().unwrap()
    }

    #[test]
    fn credentials_follow_same_origin_and_registrable_domain() {
        let orig = u("https://caldav.icloud.com/123/calendars/");
        assert!(credentials_may_follow(&orig, &u("https://caldav.icloud.com/other")));
        assert!(credentials_may_follow(&orig, &u("https://caldav.icloud.com:443/x")));
        assert!(credentials_may_follow(&orig, &u("https://p12-caldav.icloud.com/123/")));
        assert!(credentials_may_follow(&orig, &u("https://ICLOUD.com./x")));
        assert!(!credentials_may_follow(&orig, &u("http://p12-caldav.icloud.com/")));
        assert!(!credentials_may_follow(&orig, &u("https://caldav.icloud.com.evil.com/")));
        assert!(!credentials_may_follow(&orig, &u("https://evil.com/")));
        assert!(!credentials_may_follow(&orig, &u("https://8.8.8.8/")));

        let http = u("http://localhost:8080/dav");
        assert!(credentials_may_follow(&http, &u("http://localhost:8080/other")));
        assert!(credentials_may_follow(&http, &u("http://LOCALHOST:8080/other")));
        assert!(!credentials_may_follow(&http, &u("http://localhost:8081/dav")));
        assert!(!credentials_may_follow(&http, &u("https://localhost:8080/dav")));
        assert!(!credentials_may_follow(&http, &u("http://127.0.0.1:8080/dav")));

        let ip = u("https://1.2.3.4/");
        assert!(credentials_may_follow(&ip, &u("https://1.2.3.4:443/a")));
        assert!(!credentials_may_follow(&ip, &u("https://1.2.3.5/")));
    }

    #[test]
    fn registrable_domain_approximation() {
        assert_eq!(registrable_domain("caldav.icloud.com").as_deref(), Some("icloud.com"));
        assert_eq!(registrable_domain("icloud.com").as_deref(), Some("icloud.com"));
        assert_eq!(registrable_domain("a.b.example.co.uk").as_deref(), Some("example.co.uk"));
        assert_eq!(registrable_domain("co.uk"), None);
        assert_eq!(registrable_domain("example.de").as_deref(), Some("example.de"));
        assert_eq!(registrable_domain("localhost"), None);
        let a = u("https://dav.example.co.uk/");
        assert!(!credentials_may_follow(&a, &u("https://evil.co.uk/")));
        assert!(credentials_may_follow(&a, &u("https://www.example.co.uk/")));
    }

    #[test]
    fn origin_only_hides_path_query_and_user() {
        assert_eq!(
            origin_only(&u("https://user:pw@feeds.example.com/secret/token.ics?key=abc#x")),
            "https://feeds.example.com"
        );
        assert_eq!(origin_only(&u("http://[::1]:8080/a")), "http://[::1]:8080");
    }

    #[test]
    fn redact_removes_path_and_query() {
        let url = u("https://feeds.example.com/private/abc123.ics?token=s3cr3t");
        let text = format!("failed for {url} (path /private/abc123.ics, token=s3cr3t)");
        let out = redact(&text, &url);
        assert!(!out.contains("abc123"), "{out}");
        assert!(!out.contains("s3cr3t"), "{out}");
    }

    #[test]
    fn validate_url_rules() {
        assert!(validate_url(&u("https://example.com/"), "URL").is_ok());
        assert!(validate_url(&u("http://example.com/"), "URL").is_ok());
        for bad in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "https://user@example.com/",
            "https://user:pw@example.com/",
            "https://:pw@example.com/",
            "data:text/plain,hi",
        ] {
            let err = validate_url(&u(bad), "URL").unwrap_err();
            assert!(matches!(err, OutboundError::InvalidUrl(_)), "{bad}");
            assert!(!err.to_string().contains("pw"), "{err}");
        }
    }

    #[test]
    fn request_debug_hides_secrets() {
        let req = Request::get(u("https://feeds.example.com/secret.ics?token=abc"))
            .header(header::AUTHORIZATION, HeaderValue::from_static("Bearer xyz"))
            .basic_auth("alice", SecretString::from("hunter2"));
        let dbg = format!("{req:?}");
        for secret in ["secret.ics", "token", "abc", "xyz", "hunter2"] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
        assert_eq!(req.timeout, DEFAULT_TIMEOUT);
        assert_eq!(req.max_body, DEFAULT_MAX_BODY);
    }
}
