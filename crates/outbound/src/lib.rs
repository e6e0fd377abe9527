//! One guarded HTTP client through which every URL a user typed is fetched
//! (CalDAV servers, ICS feeds, webhooks).
//!
//! ```no_run
//! # async fn demo() -> Result<(), outbound::OutboundError> {
//! use outbound::{AllowList, GuardedClient, Request};
//! let allow: AllowList = "localhost,127.0.0.1:5232".parse().expect("allow list");
//! let client = GuardedClient::new(allow, "Prospo/1.0");
//! let url: url::Url = "https://example.com/feed.ics".parse().expect("url");
//! client.check_url(&url).await?;
//! let resp = client.send(Request::get(url).max_body(1 << 20)).await?;
//! println!("{} {} bytes", resp.status, resp.body.len());
//! # Ok(()) }
//! ```
//!
//! See [`GuardedClient`] for the rules, [`is_forbidden_ip`] for the refused
//! addresses and [`AllowList`] for the exceptions.

mod allow;
mod client;
mod guard;
mod resolve;

pub use allow::{AllowList, ParseAllowListError};
pub use client::{
    CONNECT_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_TIMEOUT, GuardedClient, MAX_REDIRECTS, Request, Response,
    credentials_may_follow, origin_only,
};
pub use guard::is_forbidden_ip;

/// Why a request was not made or did not complete. No variant's message
/// contains a password or a URL's path or query.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// Not an http(s) URL, user info in it, no host, or a redirect to such a URL.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// The host does not resolve (within 2 s).
    #[error("the host name does not resolve")]
    Unresolvable,
    /// The target is a private, loopback or otherwise internal address and
    /// not allow-listed.
    #[error("the address is not allowed (private, loopback or internal network)")]
    NotAllowed,
    /// Credentials would go over plain http:// to a host that is not allow-listed.
    #[error("credentials are only sent over https://")]
    InsecureCredentials,
    /// More than [`MAX_REDIRECTS`] redirects.
    #[error("too many redirects (more than {MAX_REDIRECTS})")]
    TooManyRedirects,
    /// The request's total timeout or the connect timeout ran out.
    #[error("the server did not answer in time")]
    Timeout,
    /// Connection refused or reset, TLS failure, protocol error; the message
    /// names only scheme, host and port.
    #[error("the server could not be reached: {0}")]
    Unreachable(String),
    /// The response body is larger than the request's limit.
    #[error("the response is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}
