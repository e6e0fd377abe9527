//! Booking pages inside another site (`?embed=1`, as `/embed.js` opens them): no Prospo chrome, the
//! options the host site chose, and a `frame-ancestors` of the host's `embed_origins`.
//!
//! The embedded flow needs no cookie (browsers block them in third-party frames): what the frame
//! needs travels in the URL (`embed=1`, `embed_origin`, `theme`, `hide_details`) through the booking
//! form, its refusals and the redirect to the confirmation. The confirmation tells the parent about
//! the booking (`prospo:booked`), addressed to `embed_origin` only when the host lists it.

use serde::Deserialize;

use super::PageResult;
use crate::http::AppState;
use crate::http::security::FrameAncestors;
use crate::profile;
use crate::scheduling::bookable::Bookable;
use crate::store::meetings::MeetingRow;
use crate::timefmt::rfc3339_ms;

/// The embedding options in a booking page's URL.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmbedQuery {
    embed: Option<String>,
    embed_origin: Option<String>,
    theme: Option<String>,
    hide_details: Option<String>,
}

/// The colours the host site asked for; `Auto` follows the reader's system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Auto,
    Light,
    Dark,
}

impl Theme {
    fn parse(raw: Option<&str>) -> Theme {
        match raw {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::Auto,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// What the confirmation tells the parent page.
#[derive(Debug, Clone)]
pub struct Booked {
    /// RFC 3339.
    pub start: String,
    pub manage_url: String,
}

/// A page shown inside a host's site.
#[derive(Debug, Clone)]
pub struct Embed {
    theme: Theme,
    hide_details: bool,
    /// The embedding page's origin as the URL gave it: kept through the flow as it came.
    requested_origin: Option<String>,
    /// That origin when the host lists it: the only one this page sends messages to.
    pub parent_origin: Option<String>,
    /// The host's `embed_origins`: the sites the browser lets frame this page.
    allowed: Vec<String>,
    /// Set on the confirmation right after booking.
    pub booked: Option<Booked>,
}

impl Embed {
    /// `None` unless the URL asks for `embed=1`; `allowed` are the host's `embed_origins`.
    fn of(query: &EmbedQuery, allowed: Vec<String>) -> Option<Embed> {
        if query.embed.as_deref() != Some("1") {
            return None;
        }
        let requested_origin = query.embed_origin.clone().filter(|o| !o.is_empty());
        let parent_origin = requested_origin.clone().filter(|o| allowed.contains(o));
        Some(Embed {
            theme: Theme::parse(query.theme.as_deref()),
            hide_details: query.hide_details.as_deref() == Some("1"),
            requested_origin,
            parent_origin,
            allowed,
            booked: None,
        })
    }

    /// For a booking page: the host's sites, or for a team page its owners' sites.
    pub async fn for_event(state: &AppState, query: &EmbedQuery, event: &Bookable) -> PageResult<Option<Embed>> {
        if query.embed.as_deref() != Some("1") {
            return Ok(None);
        }
        let allowed = match event {
            Bookable::Personal(p) => profile::embed_origins(&p.host),
            Bookable::Team(t) => profile::team_embed_origins(state, &t.team.id).await?,
        };
        Ok(Embed::of(query, allowed))
    }

    /// For a booking's confirmation: the sites of the page it was booked through (the host's, if
    /// that event type is gone).
    pub async fn for_meeting(state: &AppState, query: &EmbedQuery, row: &MeetingRow) -> PageResult<Option<Embed>> {
        if query.embed.as_deref() != Some("1") {
            return Ok(None);
        }
        if let Some(event) = Bookable::of_meeting(&state.db, row).await? {
            return Embed::for_event(state, query, &event).await;
        }
        let allowed = state.db.user_by_id(&row.host_id).await?.map(|host| profile::embed_origins(&host));
        Ok(Embed::of(query, allowed.unwrap_or_default()))
    }

    /// Marks the confirmation of the booking `row`, whose manage page is `manage_url`.
    pub fn mark_booked(&mut self, row: &MeetingRow, manage_url: &str) {
        self.booked = Some(Booked { start: rfc3339_ms(row.start_at), manage_url: manage_url.to_owned() });
    }

    /// The options as URL parameters, for the flow's next pages (form actions, redirects, the
    /// time zone form without JavaScript).
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("embed", "1".to_owned())];
        if let Some(origin) = &self.requested_origin {
            params.push(("embed_origin", origin.clone()));
        }
        if self.theme != Theme::Auto {
            params.push(("theme", self.theme.as_str().to_owned()));
        }
        if self.hide_details {
            params.push(("hide_details", "1".to_owned()));
        }
        params
    }

    /// [`Embed::params`] as a query string (without `?`).
    pub fn query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(self.params()).finish()
    }

    /// `path` with the options added to its query.
    pub fn link(&self, path: &str) -> String {
        let joiner = if path.contains('?') { '&' } else { '?' };
        format!("{path}{joiner}{}", self.query())
    }

    /// The `<body>` classes embedded.css styles.
    pub fn classes(&self) -> String {
        let mut classes = format!("embedded theme-{}", self.theme.as_str());
        if self.hide_details {
            classes.push_str(" hide-details");
        }
        classes
    }

    /// The sites that may frame the page.
    pub fn ancestors(&self) -> FrameAncestors {
        FrameAncestors(self.allowed.clone())
    }
}

/// Shows the page of `frame` inside another site when `embed` says so; returns the sites that may
/// frame it, for [`framed`].
pub fn place(frame: &mut super::Frame, embed: Option<Embed>) -> Option<FrameAncestors> {
    let ancestors = embed.as_ref().map(Embed::ancestors);
    frame.embed = embed;
    ancestors
}

/// `response` with its `frame-ancestors`: the host's sites when embedded, else `'none'`.
pub fn framed(ancestors: Option<FrameAncestors>, response: axum::response::Response) -> axum::response::Response {
    match ancestors {
        Some(ancestors) => ancestors.apply(response),
        None => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &str) -> EmbedQuery {
        let mut query = EmbedQuery::default();
        for (key, value) in url::form_urlencoded::parse(pairs.as_bytes()) {
            let value = Some(value.into_owned());
            match key.as_ref() {
                "embed" => query.embed = value,
                "embed_origin" => query.embed_origin = value,
                "theme" => query.theme = value,
                "hide_details" => query.hide_details = value,
                _ => {}
            }
        }
        query
    }

    #[test]
    fn only_embed_1_embeds() {
        assert!(Embed::of(&query(""), vec![]).is_none());
        assert!(Embed::of(&query("embed=yes"), vec![]).is_none());
        assert!(Embed::of(&query("embed=1"), vec![]).is_some());
    }

    #[test]
    fn messages_go_only_to_a_listed_origin() {
        let allowed = vec!["https://a.example".to_owned()];
        let listed = Embed::of(&query("embed=1&embed_origin=https%3A%2F%2Fa.example"), allowed.clone()).unwrap();
        assert_eq!(listed.parent_origin.as_deref(), Some("https://a.example"));
        let other = Embed::of(&query("embed=1&embed_origin=https%3A%2F%2Fevil.example"), allowed).unwrap();
        assert_eq!(other.parent_origin, None);
        // Kept as asked, so the next page decides the same way.
        assert_eq!(other.query(), "embed=1&embed_origin=https%3A%2F%2Fevil.example");
    }

    #[test]
    fn options_survive_the_flow() {
        let embed =
            Embed::of(&query("embed=1&theme=dark&hide_details=1&embed_origin=http%3A%2F%2F127.0.0.1%3A9"), vec![])
                .unwrap();
        assert_eq!(
            embed.link("/booking/x?booked=1"),
            "/booking/x?booked=1&embed=1&embed_origin=http%3A%2F%2F127.0.0.1%3A9&theme=dark&hide_details=1"
        );
        assert_eq!(embed.classes(), "embedded theme-dark hide-details");
        let plain = Embed::of(&query("embed=1&theme=neon"), vec![]).unwrap();
        assert_eq!(plain.link("/ada/intro"), "/ada/intro?embed=1");
        assert_eq!(plain.classes(), "embedded theme-auto");
    }
}
