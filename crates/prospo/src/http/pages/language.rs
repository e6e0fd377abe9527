//! The language a public page is shown in, from the request (product.md §10): `?lang=`, else a
//! booking's own `locale`, else the language the host chose for their pages, else
//! `Accept-Language`, else English; and the links that show the same page in another language.

use axum::extract::FromRequestParts;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use axum::http::uri::Uri;

use crate::i18n::{self, Locale, Tr};

/// What a public page's request says about languages.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// `?lang=`, when it names a language Prospo has.
    asked: Option<Locale>,
    /// The browser's most wanted language that Prospo has.
    accepted: Option<Locale>,
    uri: Uri,
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Visitor, Self::Rejection> {
        let asked = parts
            .uri
            .query()
            .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang"))
            // An unknown code is ignored, not refused: a shared link with a stale code still opens.
            .and_then(|(_, v)| v.trim().parse().ok());
        let accepted =
            parts.headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(i18n::from_accept_language);
        Ok(Visitor { asked, accepted, uri: parts.uri.clone() })
    }
}

impl Visitor {
    /// The language to show: asked, else the booking's, else the host's choice ("what your
    /// public pages start in"; none means the browser's), else the browser's.
    pub fn locale(&self, booking: Option<Locale>, host: Option<Locale>) -> Locale {
        self.asked.or(booking).or(host).or(self.accepted).unwrap_or(Locale::En)
    }

    /// The language picked in the URL, which forms carry on (it becomes the booking's `locale`).
    pub fn asked(&self) -> Option<Locale> {
        self.asked
    }

    /// This page in each language: the same path and query with `lang` set.
    pub fn links(&self, shown: Locale) -> Vec<LangLink> {
        let kept: Vec<(String, String)> = self
            .uri
            .query()
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().filter(|(k, _)| k != "lang").collect())
            .unwrap_or_default();
        Locale::ALL
            .iter()
            .map(|&locale| {
                let mut query = url::form_urlencoded::Serializer::new(String::new());
                query.extend_pairs(&kept);
                query.append_pair("lang", locale.as_str());
                LangLink {
                    code: locale.as_str(),
                    name: locale.name(),
                    href: format!("{}?{}", self.uri.path(), query.finish()),
                    current: locale == shown,
                }
            })
            .collect()
    }
}

tokio::task_local! {
    /// The language of the request being answered, for its error page: errors are answered where
    /// no request is at hand (`PageError` becomes a response on its own).
    static ERROR_LANGUAGE: Locale;
}

/// Answers every request with its language at hand for an error page (`?lang=`, else the
/// browser's, else English).
pub async fn error_language(
    visitor: Visitor,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    ERROR_LANGUAGE.scope(visitor.locale(None, None), next.run(request)).await
}

/// The error page's language.
pub fn error_tr() -> Tr {
    ERROR_LANGUAGE.try_with(|l| Tr::new(*l)).unwrap_or(Tr::EN)
}

/// An event type's stored location as invitees read it.
pub fn location_label(t: Tr, stored: &str) -> String {
    use crate::scheduling::event_types::Location;
    t.get(match Location::parse(stored) {
        Some(Location::Zoom) => "location-zoom",
        Some(Location::Phone) => "location-phone",
        Some(Location::InPerson) => "location-in-person",
        Some(Location::Link) => "location-link",
        None => "location-other",
    })
}

/// A link or redirect on a public page keeps a language picked in the URL or a form.
pub fn with_lang(path: String, asked: Option<Locale>) -> String {
    match asked {
        Some(locale) => format!("{path}{}lang={locale}", if path.contains('?') { '&' } else { '?' }),
        None => path,
    }
}

/// The host's language, when they chose one (the public pages' default).
pub fn host_locale(stored: Option<&str>) -> Option<Locale> {
    stored.and_then(|l| l.parse().ok())
}

/// A link to this page in one language, named in that language.
pub struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

/// The words the page's script shows, in the page's language, as JSON for a data block
/// (`<script type="application/json">`, which no policy blocks since it never runs). Variables
/// stay as `{name}` marks for the script to fill in.
pub fn script_messages(t: Tr) -> String {
    let marks: Vec<(&str, String)> =
        ["count", "month", "day", "zone", "passcode"].iter().map(|n| (*n, format!("{{{n}}}"))).collect();
    let messages: serde_json::Map<String, serde_json::Value> = i18n::script_keys()
        .iter()
        .map(|key| (key.trim_start_matches("js-").to_owned(), serde_json::Value::String(t.args(key, &marks))))
        .collect();
    // `<` escaped, so no text can close the data block early.
    serde_json::Value::Object(messages).to_string().replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visitor(uri: &str, accept: Option<&str>) -> Visitor {
        let mut request = axum::http::Request::builder().uri(uri);
        if let Some(accept) = accept {
            request = request.header(ACCEPT_LANGUAGE, accept);
        }
        let (mut parts, ()) = request.body(()).unwrap().into_parts();
        futures::executor::block_on(Visitor::from_request_parts(&mut parts, &())).unwrap()
    }

    #[test]
    fn the_url_then_the_booking_then_the_host_then_the_browser() {
        let v = visitor("/ada/intro?lang=fr", Some("de"));
        assert_eq!(v.locale(Some(Locale::Es), Some(Locale::Pt)), Locale::Fr);
        let v = visitor("/ada/intro", Some("de;q=0.5, es;q=0.9"));
        assert_eq!(v.locale(Some(Locale::Pt), None), Locale::Pt);
        assert_eq!(v.locale(None, Some(Locale::Fr)), Locale::Fr);
        assert_eq!(v.locale(None, None), Locale::Es);
        let v = visitor("/ada/intro?lang=xx", Some("it"));
        assert_eq!(v.asked(), None);
        assert_eq!(v.locale(None, Some(Locale::De)), Locale::De);
        assert_eq!(v.locale(None, None), Locale::En);
        assert_eq!(visitor("/ada?lang=%20pt", None).asked(), Some(Locale::Pt));
    }

    #[test]
    fn links_keep_the_query() {
        let v = visitor("/ada/intro?timezone=Europe%2FBerlin&lang=de&embed=1", None);
        let links = v.links(Locale::De);
        assert_eq!(links.len(), 5);
        let fr = links.iter().find(|l| l.code == "fr").unwrap();
        assert_eq!(fr.href, "/ada/intro?timezone=Europe%2FBerlin&embed=1&lang=fr");
        assert!(links.iter().find(|l| l.code == "de").unwrap().current);
    }

    #[test]
    fn script_messages_keep_their_marks_and_cannot_close_the_block() {
        let json = script_messages(Tr::EN);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["days-free-other"], "{count} days with free times in {month}.");
        assert_eq!(parsed.as_object().unwrap().len(), 19, "every js- message of en.ftl: {parsed}");
        assert!(parsed.get("book-confirm").is_none() && parsed.get("confirm").is_none(), "only the script's");
        assert!(!json.contains('<'));
    }
}
