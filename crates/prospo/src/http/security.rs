//! Headers every answer carries (contract: "Answers on every page"): no MIME sniffing, no path in
//! the referrer sent to other origins, a Content-Security-Policy that lets no other site frame a
//! page (except an embedded booking page, where its host allows: [`FrameAncestors`]), and
//! `no-store` on pages whose URL or body holds a token.

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, SET_COOKIE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Pages load only their own scripts, styles and images (no inline code), post only to Prospo,
/// and cannot be framed.
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; \
                           form-action 'self'; frame-ancestors 'none'";
/// [`PAGE_POLICY`] up to its `frame-ancestors`, for pages that name their own.
const PAGE_POLICY_FRAMED: &str =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; ";

/// A response extension: the sites that may frame this page (an embedded booking page's host's
/// `embed_origins`). An empty list, or no extension, is `frame-ancestors 'none'`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrameAncestors(pub Vec<String>);

impl FrameAncestors {
    /// The policy's `frame-ancestors` directive. The origins were checked when they were saved; any
    /// that could still change the policy's meaning (a space, `;`, a quote, `*`) is left out.
    fn directive(&self) -> String {
        let safe = |o: &&String| {
            !o.is_empty()
                && o.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '-' | '[' | ']'))
        };
        let origins: Vec<&str> = self.0.iter().filter(safe).map(String::as_str).collect();
        if origins.is_empty() {
            "frame-ancestors 'none'".to_owned()
        } else {
            format!("frame-ancestors {}", origins.join(" "))
        }
    }

    /// `response` framed only by these sites.
    pub fn apply(self, mut response: Response) -> Response {
        response.extensions_mut().insert(self);
        response
    }
}
/// The API's browsable page (Swagger UI) runs inline code of its own; it still cannot be framed.
const DOCS_POLICY: &str = "frame-ancestors 'none'; object-src 'none'; base-uri 'self'";

pub async fn headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let ancestors = response.extensions_mut().remove::<FrameAncestors>();
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    if is_html(headers) {
        let policy = match ancestors {
            _ if path.starts_with("/api/docs") => HeaderValue::from_static(DOCS_POLICY),
            Some(ancestors) => HeaderValue::from_str(&format!("{PAGE_POLICY_FRAMED}{}", ancestors.directive()))
                .unwrap_or(HeaderValue::from_static(PAGE_POLICY)),
            None => HeaderValue::from_static(PAGE_POLICY),
        };
        headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
    if holds_token(&path) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Under an `https` public URL every cookie is `Secure` (the session cookie already is; this also
/// covers the flash message's, and any later one), so none is sent over plain HTTP.
pub async fn secure_cookies(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let cookies: Vec<HeaderValue> = response.headers().get_all(SET_COOKIE).iter().cloned().collect();
    if cookies.is_empty() {
        return response;
    }
    let headers = response.headers_mut();
    headers.remove(SET_COOKIE);
    for cookie in cookies {
        let text = cookie.to_str().unwrap_or_default();
        let secure = text.split(';').any(|part| part.trim().eq_ignore_ascii_case("secure"));
        match HeaderValue::from_str(&format!("{text}; Secure")) {
            Ok(marked) if !secure => headers.append(SET_COOKIE, marked),
            _ => headers.append(SET_COOKIE, cookie),
        };
    }
    response
}

/// `path` with the token of a manage, reset or verification link replaced by `…`, for logs.
pub fn redacted(path: &str) -> String {
    const TOKEN_AFTER: [&str; 4] = ["/booking/", "/password/reset/", "/verify-email/", "/api/v1/bookings/"];
    for prefix in TOKEN_AFTER {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            if rest.is_empty() || prefix == "/verify-email/" && rest == "resend" {
                return path.to_owned();
            }
            return format!("{prefix}…{tail}");
        }
    }
    path.to_owned()
}

fn is_html(headers: &HeaderMap) -> bool {
    headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"))
}

/// Pages and answers whose URL or body holds a token: the invitee's manage pages, reset and
/// verification links, the API tokens page, and the API answers that hand out a token.
fn holds_token(path: &str) -> bool {
    const PREFIXES: [&str; 8] = [
        "/booking/",
        "/password/reset/",
        "/verify-email/",
        "/settings/tokens",
        "/api/v1/bookings/",
        "/api/v1/tokens",
        "/api/v1/login",
        "/api/v1/signup",
    ];
    PREFIXES.iter().any(|prefix| path.starts_with(prefix)) || path.ends_with("/bookings")
}

#[cfg(test)]
mod tests {
    use super::{FrameAncestors, PAGE_POLICY, PAGE_POLICY_FRAMED, holds_token};

    #[test]
    fn framed_pages_keep_the_rest_of_the_policy() {
        let none = format!("{PAGE_POLICY_FRAMED}{}", FrameAncestors::default().directive());
        assert_eq!(none, PAGE_POLICY);
        let listed = FrameAncestors(vec!["https://a.example".into(), "http://127.0.0.1:8080".into()]);
        assert_eq!(listed.directive(), "frame-ancestors https://a.example http://127.0.0.1:8080");
        let sneaky = FrameAncestors(vec!["https://a.example; script-src *".into(), "*".into(), "'self'".into()]);
        assert_eq!(sneaky.directive(), "frame-ancestors 'none'");
    }

    #[test]
    fn tokens_leave_paths_for_logs() {
        use super::redacted;
        assert_eq!(redacted("/booking/SeCrEt/calendar.ics"), "/booking/…/calendar.ics");
        assert_eq!(redacted("/password/reset/SeCrEt"), "/password/reset/…");
        assert_eq!(redacted("/api/v1/bookings/SeCrEt/cancel"), "/api/v1/bookings/…/cancel");
        assert_eq!(redacted("/verify-email/resend"), "/verify-email/resend");
        assert_eq!(redacted("/meetings/abc"), "/meetings/abc");
    }

    #[test]
    fn token_pages_are_recognised() {
        for path in ["/booking/abc", "/password/reset/x", "/verify-email/y", "/settings/tokens", "/api/v1/login"] {
            assert!(holds_token(path), "{path}");
        }
        for path in ["/meetings", "/ada/intro", "/login", "/api/v1/meetings"] {
            assert!(!holds_token(path), "{path}");
        }
        assert!(holds_token("/api/v1/public/ada/intro/bookings"), "a booking's answer carries its manage token");
    }
}
