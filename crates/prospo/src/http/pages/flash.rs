//! One-shot messages shown on the next page, carried in a short-lived cookie.

use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

const COOKIE: &str = "prospo_flash";

#[derive(Debug, Clone)]
pub struct Flash {
    /// "success" or "error": picks the banner's colour and icon.
    pub kind: &'static str,
    pub message: String,
}

pub fn set(jar: CookieJar, kind: &'static str, message: &str) -> CookieJar {
    let value: String = url::form_urlencoded::byte_serialize(format!("{kind}:{message}").as_bytes()).collect();
    jar.add(Cookie::build((COOKIE, value)).path("/").http_only(true).same_site(SameSite::Lax))
}

/// Reads the message (if any) and removes it, so it shows once.
pub fn take(jar: CookieJar) -> (CookieJar, Option<Flash>) {
    let Some(cookie) = jar.get(COOKIE) else {
        return (jar, None);
    };
    let decoded: String =
        url::form_urlencoded::parse(format!("v={}", cookie.value()).as_bytes()).map(|(_, v)| v.into_owned()).collect();
    let flash = decoded.split_once(':').map(|(kind, message)| Flash {
        kind: if kind == "error" { "error" } else { "success" },
        message: message.to_owned(),
    });
    (jar.remove(Cookie::build(COOKIE).path("/")), flash)
}
