//! The host's profile: changing its fields (name, username, email, time zone, bio, language,
//! embedding sites) and its photo ([`photo`]). Pages and JSON handlers both call these functions.

pub mod photo;

use crate::accounts::{self, AccountError, VERIFY_LINK_MS};
use crate::app::App;
use crate::domain::accounts::{Email, PersonName, Username};
use crate::domain::profile::{Bio, EmbedOrigins, Locale, ZoneName};
use crate::domain::teams::Role;
use crate::jobs::Queue;
use crate::notifications::account_mails;
use crate::store::StoreError;
use crate::store::accounts::{NewLink, Taken, UserRow};
use crate::store::event_types::EventTypeRow;
use crate::store::profiles::{ProfileUpdate, ProfileUpdateError};

/// A change to the profile: `None` keeps a field; for the clearable ones `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub name: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub timezone: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub locale: Option<Option<String>>,
    pub embed_origins: Option<Vec<String>>,
}

/// The profile after a change, every field valid.
struct Validated {
    name: String,
    username: String,
    email: String,
    timezone: Option<String>,
    bio: Option<String>,
    locale: Option<Locale>,
    embed_origins: String,
}

/// Checks every field before anything is written, so a refused change changes nothing.
fn validate(app: &App, user: &UserRow, change: ProfileChange) -> Result<Validated, AccountError> {
    let text = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let name = match change.name {
        Some(name) => PersonName::parse(&name)?.as_str().to_owned(),
        None => user.name.clone(),
    };
    let username = match change.username {
        Some(username) => Username::parse(&username)?.as_str().to_owned(),
        None => user.username.clone(),
    };
    let email = match change.email {
        Some(email) => Email::parse(&email)?.as_str().to_owned(),
        None => user.email.clone(),
    };
    let timezone = match change.timezone {
        Some(zone) => text(zone).map(|z| ZoneName::parse(&z)).transpose()?.map(|z| z.as_str().to_owned()),
        None => user.timezone.clone(),
    };
    let bio = match change.bio {
        Some(bio) => Bio::parse(bio.as_deref().unwrap_or_default())?.map(|b| b.as_str().to_owned()),
        None => user.bio.clone(),
    };
    let locale = match change.locale {
        Some(locale) => text(locale).map(|l| Locale::parse(&l)).transpose()?,
        None => user.locale.as_deref().and_then(|l| l.parse().ok()),
    };
    // The operator's `--allow-private-targets`: the one allow list, which the outbound client holds.
    let allow = app.calendars.http.allow_list();
    let embed_origins = match change.embed_origins {
        Some(origins) => EmbedOrigins::parse(&origins, |host, port| allow.allows(host, port))?.to_json(),
        None => user.embed_origins.clone(),
    };
    Ok(Validated { name, username, email, timezone, bio, locale, embed_origins })
}

/// Changes the signed-in user's profile, all of it or (when anything is refused) none of it. A new
/// email is unconfirmed until the link mailed to it is used; that mail counts towards the address's
/// hourly share of account mails, and past it the change is refused.
pub async fn update(app: &App, user: &UserRow, change: ProfileChange) -> Result<UserRow, AccountError> {
    let profile = validate(app, user, change)?;
    let email_changed = profile.email != user.email;
    if email_changed && accounts::account_mails_exhausted(app, &profile.email).await? {
        return Err(AccountError::TooManyMails { retry_after_secs: 3600 });
    }
    let now = app.now_ms();
    let token = accounts::random_token();
    let token_hash = accounts::hash_token(&token);
    let mail = account_mails::confirm_new_email(&profile.email, &profile.name, &app.mail.verify_url(&token));
    let link = NewLink { token_hash: &token_hash, expires_at: now + VERIFY_LINK_MS, mail: &mail };
    let update = ProfileUpdate {
        name: &profile.name,
        username: &profile.username,
        email: &profile.email,
        timezone: profile.timezone.as_deref(),
        bio: profile.bio.as_deref(),
        locale: profile.locale.map(Locale::as_str),
        embed_origins: &profile.embed_origins,
        verification: email_changed.then_some(&link),
    };
    app.db.update_profile(&user.id, &update, now).await.map_err(|e| match e {
        ProfileUpdateError::Taken(Taken::Email) => AccountError::EmailTaken,
        ProfileUpdateError::Taken(Taken::Username) => AccountError::UsernameTaken,
        ProfileUpdateError::Store(e) => AccountError::Store(e),
    })?;
    if email_changed {
        app.wake(Queue::Mail);
    }
    let updated = app.db.user_by_id(&user.id).await?;
    Ok(updated.ok_or_else(|| anyhow::anyhow!("the account was deleted while its profile changed"))?)
}

/// The stored embedding sites.
pub fn embed_origins(user: &UserRow) -> Vec<String> {
    EmbedOrigins::from_json(&user.embed_origins)
}

/// Where a team's booking pages may be embedded: every site any of its owners lists. Owners answer
/// for the team's pages (they name and remove it); a member's own sites cover only their own pages.
pub async fn team_embed_origins(app: &App, team_id: &str) -> Result<Vec<String>, StoreError> {
    let mut origins: Vec<String> = Vec::new();
    for member in app.db.team_members(team_id).await?.into_iter().filter(|m| m.role == Role::Owner) {
        let Some(owner) = app.db.user_by_id(&member.user_id).await? else { continue };
        for origin in embed_origins(&owner) {
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
    }
    Ok(origins)
}

/// What the public profile `/{username}` shows.
pub struct PublicProfile {
    pub host: UserRow,
    /// The current photo's version, if the host has one.
    pub photo_version: Option<String>,
    /// The event types not hidden from the profile, oldest first.
    pub event_types: Vec<EventTypeRow>,
}

/// The public profile of `username`; `None` when no account has it.
pub async fn public_profile(app: &App, username: &str) -> Result<Option<PublicProfile>, StoreError> {
    let Some(host) = app.db.user_by_username(username).await? else { return Ok(None) };
    let photo_version = app.db.photo_version(&host.id).await?;
    let event_types = app.db.event_types_of(&host.id).await?.into_iter().filter(|e| !e.hidden).collect();
    Ok(Some(PublicProfile { host, photo_version, event_types }))
}

/// Up to two initials of a name ("Ada Lovelace" → "AL"), for a profile without a photo.
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let first = words.first().and_then(|w| w.chars().next());
    let last = words.get(1..).and_then(|rest| rest.last()).and_then(|w| w.chars().next());
    first.into_iter().chain(last).flat_map(char::to_uppercase).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn initials_take_the_first_and_last_names() {
        assert_eq!(super::initials("Ada Lovelace"), "AL");
        assert_eq!(super::initials("  grace  brewster murray hopper "), "GH");
        assert_eq!(super::initials("Ørjan"), "Ø");
        assert_eq!(super::initials(""), "");
    }
}
