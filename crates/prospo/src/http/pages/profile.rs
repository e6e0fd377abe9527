//! The public profile `/{username}` (the host's photo, name, bio and visible event types) and the
//! photo itself at `/photos/{user_id}/{version}`, cached for good: a new photo has a new version.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Frame, PageError, PageResult, Visitor, host_locale, location_label, with_lang};
use crate::http::AppState;
use crate::profile::{self, photo};

pub fn router() -> Router<AppState> {
    Router::new().route("/{username}", get(profile_page)).route("/photos/{user_id}/{version}", get(photo_file))
}

/// How much of a description the profile shows.
const EXCERPT_CHARS: usize = 160;

/// A photo or, without one, the name's initials.
pub struct Avatar {
    pub photo_url: Option<String>,
    pub initials: String,
}

impl Avatar {
    pub fn of(user_id: &str, name: &str, photo_version: Option<&str>) -> Avatar {
        Avatar { photo_url: photo_version.map(|v| photo::path(user_id, v)), initials: profile::initials(name) }
    }
}

struct EventCard {
    title: String,
    /// "30 min", in the page's language.
    duration: String,
    location: String,
    excerpt: String,
    path: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public_profile.html")]
struct ProfilePage {
    frame: Frame,
    name: String,
    bio: Option<String>,
    avatar: Avatar,
    events: Vec<EventCard>,
}

/// The start of a description, cut at a word and marked when cut.
fn excerpt(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= EXCERPT_CHARS {
        return text;
    }
    let cut: String = text.chars().take(EXCERPT_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head).trim_end_matches([',', '.', ';', ':']);
    format!("{cut}…")
}

async fn profile_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(username): Path<String>,
) -> PageResult<Response> {
    let Some(found) = profile::public_profile(&state, &username).await? else {
        return Err(PageError::NotFound);
    };
    let host = found.host;
    let locale = visitor.locale(None, host_locale(host.locale.as_deref()));
    let t = crate::i18n::Tr::new(locale);
    let events = found
        .event_types
        .into_iter()
        .map(|e| EventCard {
            location: location_label(t, &e.location),
            excerpt: excerpt(&e.description),
            path: with_lang(format!("/{}/{}", host.username, e.slug), visitor.asked()),
            title: e.title,
            duration: t.count("duration-minutes", e.duration_minutes),
        })
        .collect();
    let page = ProfilePage {
        frame: Frame::for_invitee(host.name.clone(), &visitor, locale),
        avatar: Avatar::of(&host.id, &host.name, found.photo_version.as_deref()),
        name: host.name,
        bio: host.bio,
        events,
    };
    Ok(page.into_response())
}

/// A year: each URL's bytes never change.
const PHOTO_CACHE: &str = "public, max-age=31536000, immutable";

async fn photo_file(
    State(state): State<AppState>,
    Path((user_id, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> PageResult<Response> {
    let stored = state.db.photo_of(&user_id).await?.filter(|p| p.version == version).ok_or(PageError::NotFound)?;
    let etag = format!("\"{}\"", stored.version);
    let cache = [(header::ETAG, etag.clone()), (header::CACHE_CONTROL, PHOTO_CACHE.to_owned())];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    Ok((cache, [(header::CONTENT_TYPE, stored.content_type)], stored.bytes).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(super::excerpt("A  short\ntext."), "A short text.");
        let long = "word ".repeat(60);
        let cut = super::excerpt(&long);
        assert!(cut.ends_with("word…") && cut.chars().count() <= 161, "{cut}");
    }
}
