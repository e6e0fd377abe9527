//! The client: one shared HTTP client, the token provider, and the request loop that retries
//! once with a fresh token when Zoom answers 401 code 124.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{RequestBuilder, Response, StatusCode};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;

use crate::auth::{AccessToken, Auth, Credentials, TokenObserver, TokenProvider};
use crate::error::{CallKind, Result, ZoomError, classify_api};

/// Default OAuth base (the token endpoint is `{oauth_base}/oauth/token`).
pub const DEFAULT_OAUTH_BASE: &str = "https://zoom.us";
/// Default REST API base.
pub const DEFAULT_API_BASE: &str = "https://api.zoom.us/v2";

/// Builds a [`ZoomClient`]. Every setting has a default suited to production.
pub struct ZoomClientBuilder {
    oauth_base: String,
    api_base: String,
    connect_timeout: Duration,
    request_timeout: Duration,
    download_timeout: Duration,
    refresh_margin: Duration,
    observer: Option<TokenObserver>,
}

impl Default for ZoomClientBuilder {
    fn default() -> Self {
        Self {
            oauth_base: DEFAULT_OAUTH_BASE.to_owned(),
            api_base: DEFAULT_API_BASE.to_owned(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            download_timeout: Duration::from_secs(60 * 60),
            refresh_margin: Duration::from_secs(5 * 60),
            observer: None,
        }
    }
}

impl ZoomClientBuilder {
    pub fn oauth_base(mut self, url: impl Into<String>) -> Self {
        self.oauth_base = url.into();
        self
    }

    pub fn api_base(mut self, url: impl Into<String>) -> Self {
        self.api_base = url.into();
        self
    }

    /// Time allowed to open a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for a whole API or token call, answer body included.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Time allowed for a whole recording download (they can be gigabytes).
    pub fn download_timeout(mut self, timeout: Duration) -> Self {
        self.download_timeout = timeout;
        self
    }

    /// How long before `expires_in` a cached token is replaced (at most half its lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Called with the scopes of every freshly minted token; see [`TokenObserver`].
    pub fn on_token_minted(mut self, observer: impl Fn(&Credentials, &crate::Scopes) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    pub fn build(self) -> Result<ZoomClient, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            // Per read: catches a stalled download, whose overall limit is much longer.
            .read_timeout(self.request_timeout)
            .user_agent(concat!("zoom-rs/", env!("CARGO_PKG_VERSION")))
            .build()?;
        // Downloads follow redirects by hand, so that the token goes to Zoom's hosts only.
        let downloads = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("zoom-rs/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let oauth_base = self.oauth_base.trim_end_matches('/').to_owned();
        let api_base = self.api_base.trim_end_matches('/').to_owned();
        let tokens = TokenProvider::new(http.clone(), &oauth_base, self.refresh_margin, self.observer);
        Ok(ZoomClient {
            inner: Arc::new(Inner {
                http,
                downloads,
                tokens,
                oauth_base,
                api_base,
                download_timeout: self.download_timeout,
            }),
        })
    }
}

/// A Zoom API client. Cheap to clone: clones share the HTTP connection pool and token cache.
#[derive(Clone)]
pub struct ZoomClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Follows no redirects (see [`ZoomClient::download_recording`]).
    downloads: reqwest::Client,
    tokens: TokenProvider,
    oauth_base: String,
    api_base: String,
    download_timeout: Duration,
}

impl fmt::Debug for ZoomClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomClient")
            .field("oauth_base", &self.inner.oauth_base)
            .field("api_base", &self.inner.api_base)
            .finish_non_exhaustive()
    }
}

impl ZoomClient {
    pub fn builder() -> ZoomClientBuilder {
        ZoomClientBuilder::default()
    }

    /// A client for Zoom itself with default settings.
    pub fn new() -> Result<Self, reqwest::Error> {
        Self::builder().build()
    }

    pub fn oauth_base(&self) -> &str {
        &self.inner.oauth_base
    }

    pub fn api_base(&self) -> &str {
        &self.inner.api_base
    }

    /// The cached token for these credentials, minted if there is none or it is about to
    /// expire. Concurrent callers share one mint.
    pub async fn token(&self, creds: &Credentials) -> Result<AccessToken> {
        self.inner.tokens.token(creds).await
    }

    /// A freshly minted token, replacing the cached one (e.g. to re-read scopes after the app
    /// changed). Joins a mint already in flight instead of starting a second one.
    pub async fn mint_token(&self, creds: &Credentials) -> Result<AccessToken> {
        self.inner.tokens.mint_token(creds).await
    }

    /// Forgets every cached token of this Zoom app (account and client id, any secret).
    pub fn forget(&self, creds: &Credentials) {
        self.inner.tokens.forget(creds);
    }

    /// `{api_base}/{segments…}`; each segment is percent-encoded here.
    pub(crate) fn api_url(&self, segments: &[PathSegment<'_>]) -> String {
        let mut url = self.inner.api_base.clone();
        for segment in segments {
            url.push('/');
            match segment {
                PathSegment::Literal(s) => url.push_str(s),
                PathSegment::Id(s) => url.push_str(&encode_segment(s)),
                PathSegment::MeetingUuid(s) => url.push_str(&encode_meeting_uuid(s)),
            }
        }
        url
    }

    pub(crate) fn download_timeout(&self) -> Duration {
        self.inner.download_timeout
    }

    pub(crate) fn downloads(&self) -> &reqwest::Client {
        &self.inner.downloads
    }

    /// The token a call starts with: the cache's for an app, the source's for a user.
    pub(crate) async fn token_for(&self, auth: &Auth) -> Result<AccessToken> {
        match auth {
            Auth::App(creds) => self.inner.tokens.token(creds).await,
            Auth::User(user) => user.tokens.token().await,
        }
    }

    /// A token to try once more after Zoom refused `rejected` (401 code 124).
    pub(crate) async fn replace_rejected(&self, auth: &Auth, rejected: &AccessToken) -> Result<AccessToken> {
        match auth {
            Auth::App(creds) => self.inner.tokens.replace_rejected(creds, rejected).await,
            Auth::User(user) => user.tokens.rejected(rejected).await,
        }
    }

    /// Whether `url` may receive a bearer token: a Zoom host over HTTPS, or the configured
    /// API/OAuth origin (the sandbox in tests).
    pub(crate) fn trusted_url(&self, url: &reqwest::Url) -> bool {
        let origin_of = |base: &str| reqwest::Url::parse(base).ok().map(|u| u.origin());
        if [&self.inner.api_base, &self.inner.oauth_base]
            .iter()
            .any(|base| origin_of(base).is_some_and(|o| o == url.origin()))
        {
            return true;
        }
        url.scheme() == "https" && url.host_str().is_some_and(|h| h == "zoom.us" || h.ends_with(".zoom.us"))
    }

    /// Sends an authenticated request and decodes a JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        auth: &Auth,
        kind: CallKind,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<T> {
        self.execute(auth, kind, build, |response| async move {
            let (status, body) = read_success(response, kind).await?;
            serde_json::from_slice(&body).map_err(|e| decode_error(status, &e))
        })
        .await
    }

    /// Sends an authenticated request whose success carries no body (204).
    pub(crate) async fn no_content(
        &self,
        auth: &Auth,
        kind: CallKind,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<()> {
        self.execute(auth, kind, build, |response| async move { read_success(response, kind).await.map(drop) }).await
    }

    /// The request loop: the current token first; on 401 code 124 that token is given up and
    /// the request sent once more with a fresh one. A second 124 is returned as `InvalidToken`.
    async fn execute<T, F, Fut>(
        &self,
        auth: &Auth,
        kind: CallKind,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
        finish: F,
    ) -> Result<T>
    where
        F: Fn(Response) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut token = self.token_for(auth).await?;
        let mut retried = false;
        loop {
            let response = build(&self.inner.http)
                .bearer_auth(token.secret().expose_secret())
                .send()
                .await
                .map_err(ZoomError::transport)?;
            let result = if response.status().is_success() {
                finish(response).await
            } else {
                Err(read_error(response, kind).await)
            };
            match result {
                Err(ZoomError::InvalidToken) if !retried => {
                    tracing::info!(auth = auth.label(), "Zoom rejected an access token (code 124); trying a fresh one");
                    retried = true;
                    token = self.replace_rejected(auth, &token).await?;
                }
                other => return other,
            }
        }
    }
}

/// Reads a 2xx body; a body that carries an error `code` is still an error.
async fn read_success(response: Response, kind: CallKind) -> Result<(StatusCode, bytes::Bytes)> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(ZoomError::transport)?;
    match classify_api(status, &headers, &body, kind, Timestamp::now()) {
        Some(err) => Err(err),
        None => Ok((status, body)),
    }
}

pub(crate) async fn read_error(response: Response, kind: CallKind) -> ZoomError {
    let status = response.status();
    let headers = response.headers().clone();
    // An error body that cannot be read still has a status worth classifying.
    let body = response.bytes().await.unwrap_or_default();
    classify_api(status, &headers, &body, kind, Timestamp::now()).unwrap_or(ZoomError::Other {
        status: status.as_u16(),
        code: None,
        message: String::new(),
    })
}

/// A decoding failure, described by position only: serde's messages may quote the input,
/// and the input may be a token answer.
pub(crate) fn decode_error(status: StatusCode, err: &serde_json::Error) -> ZoomError {
    ZoomError::UnexpectedBody {
        status: status.as_u16(),
        detail: format!("{:?} error at line {} column {}", err.classify(), err.line(), err.column()),
    }
}

/// One piece of an API path.
pub(crate) enum PathSegment<'a> {
    /// A fixed part, already URL-safe.
    Literal(&'a str),
    /// A user id, email, file id or numeric meeting id: percent-encoded once.
    Id(&'a str),
    /// A meeting id or UUID: double-encoded where Zoom needs it.
    MeetingUuid(&'a str),
}

/// Everything but unreserved characters, so `/`, `+`, `=`, `@`-less surprises, `%`, `?`,
/// `#` and spaces can never change the path's meaning.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Zoom wants a meeting UUID that begins with `/` or contains `//` encoded twice; any other
/// UUID (or numeric id) is encoded once.
pub fn encode_meeting_uuid(uuid: &str) -> String {
    let once = encode_segment(uuid);
    if uuid.starts_with('/') || uuid.contains("//") { encode_segment(&once) } else { once }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_uuids_are_encoded_as_zoom_wants() {
        assert_eq!(encode_meeting_uuid("85746065432"), "85746065432");
        assert_eq!(encode_meeting_uuid("aDYlohsHRtCd4ii1uC2+hA=="), "aDYlohsHRtCd4ii1uC2%2BhA%3D%3D");
        assert_eq!(encode_meeting_uuid("ewFXquTBRG+/ic60Mpq00g=="), "ewFXquTBRG%2B%2Fic60Mpq00g%3D%3D");
        assert_eq!(encode_meeting_uuid("/ajXp112QmuoKj4854875=="), "%252FajXp112QmuoKj4854875%253D%253D");
        assert_eq!(encode_meeting_uuid("abc//def+g=="), "abc%252F%252Fdef%252Bg%253D%253D");
    }

    #[test]
    fn emails_are_single_encoded() {
        assert_eq!(encode_segment("a+b@example.com"), "a%2Bb%40example.com");
    }

    #[test]
    fn download_urls_must_be_zoom_or_configured() {
        let client =
            ZoomClient::builder().api_base("http://127.0.0.1:9/v2").oauth_base("http://127.0.0.1:9").build().unwrap();
        let ok = |u: &str| client.trusted_url(&reqwest::Url::parse(u).unwrap());
        assert!(ok("https://zoom.us/rec/download/x"));
        assert!(ok("https://us06web.zoom.us/rec/download/x"));
        assert!(ok("http://127.0.0.1:9/rec/download/x"));
        assert!(!ok("http://zoom.us/rec/download/x"));
        assert!(!ok("https://evilzoom.us/rec/download/x"));
        assert!(!ok("https://zoom.us.evil.com/x"));
        assert!(!ok("http://127.0.0.1:10/rec/download/x"));
    }
}
