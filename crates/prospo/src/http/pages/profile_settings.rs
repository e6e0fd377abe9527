//! Settings → Profile: name, username, email, bio, time zone and language; the photo; the password;
//! the sites that may embed the booking pages, with a snippet to copy.
//! Each form calls the same functions as the JSON API; a refused form answers 422 with the page, the
//! error beside its field and the typed values (never a password).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::profile::Avatar;
use super::view::{FieldError, error_for, time_zones};
use super::{Frame, PageResult, flash, host_zone};
use crate::accounts::{self, AccountError};
use crate::domain::profile::Locale;
use crate::http::AppState;
use crate::http::extract::SESSION_COOKIE;
use crate::http::pages::PageUser;
use crate::profile::photo::{self, PhotoError};
use crate::profile::{self as profiles, ProfileChange};
use crate::store::accounts::UserRow;

const PAGE: &str = "/settings/profile";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(profile_page).post(save_profile))
        .route(
            "/settings/profile/photo",
            // The file plus the form's own few bytes.
            post(upload_photo).layer(DefaultBodyLimit::max(photo::MAX_BYTES + 64 * 1024)),
        )
        .route("/settings/profile/photo/delete", post(remove_photo))
        .route("/settings/profile/password", post(change_password))
        .route("/settings/profile/embed", post(save_embed_origins))
}

/// The profile form as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    name: String,
    username: String,
    email: String,
    bio: String,
    timezone: String,
    /// Empty: the invitee's browser decides.
    locale: String,
    /// The Embed section's sites as typed (one per line); `None` shows the stored ones.
    #[serde(skip)]
    embed_origins: Option<String>,
}

/// What the Embed section offers to copy: one of the host's booking pages.
struct EmbedSnippet {
    title: String,
    script_url: String,
    page_url: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "profile_settings.html")]
struct ProfilePage {
    frame: Frame,
    form: ProfileForm,
    error: Option<FieldError>,
    avatar: Avatar,
    has_photo: bool,
    /// The public profile's address; `link_prefix` is its start without the scheme.
    profile_url: String,
    link_prefix: String,
    zones: &'static [String],
    locales: Vec<(&'static str, &'static str)>,
    photo_types: String,
    bio_max: usize,
    /// The Embed section's textarea: the typed sites, else the stored ones.
    embed_text: String,
    embed_max: usize,
    snippet: Option<EmbedSnippet>,
}

impl ProfilePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.error, field)
    }

    fn zone_listed(&self) -> bool {
        self.zones.contains(&self.form.timezone)
    }
}

impl ProfileForm {
    async fn of(state: &AppState, user: &UserRow) -> PageResult<ProfileForm> {
        Ok(ProfileForm {
            name: user.name.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            bio: user.bio.clone().unwrap_or_default(),
            timezone: host_zone(state, user).await?,
            locale: user.locale.clone().unwrap_or_default(),
            embed_origins: None,
        })
    }
}

async fn render(
    state: &AppState,
    user: &UserRow,
    flash: Option<flash::Flash>,
    form: ProfileForm,
    error: Option<FieldError>,
) -> PageResult<ProfilePage> {
    let photo_version = state.db.photo_version(&user.id).await?;
    let base = state.public_url.as_str().trim_end_matches('/').to_owned();
    // The snippet shows the first event type on the public profile (else the first at all).
    let event_types = state.db.event_types_of(&user.id).await?;
    let snippet = event_types.iter().find(|e| !e.hidden).or(event_types.first()).map(|e| EmbedSnippet {
        title: e.title.clone(),
        script_url: format!("{base}/embed.js"),
        page_url: format!("{base}/{}/{}", user.username, e.slug),
    });
    let embed_text = form.embed_origins.clone().unwrap_or_else(|| profiles::embed_origins(user).join("\n"));
    Ok(ProfilePage {
        frame: Frame::for_user("Profile", "settings", user, flash),
        has_photo: photo_version.is_some(),
        avatar: Avatar::of(&user.id, &user.name, photo_version.as_deref()),
        profile_url: format!("{base}/{}", user.username),
        // Without the scheme, so the username field keeps its room.
        link_prefix: format!("{}/", base.split_once("://").map_or(base.as_str(), |(_, rest)| rest)),
        zones: time_zones(),
        locales: Locale::ALL.iter().map(|l| (l.as_str(), l.name())).collect(),
        photo_types: photo::UploadType::CONTENT_TYPES.join(","),
        bio_max: crate::domain::profile::Bio::MAX_CHARS,
        embed_text,
        embed_max: crate::domain::profile::EmbedOrigins::MAX,
        snippet,
        form,
        error,
    })
}

/// The page again with one error: 422, the profile form as `form` holds it.
async fn refused(state: &AppState, user: &UserRow, form: ProfileForm, error: FieldError) -> PageResult<Response> {
    let page = render(state, user, None, form, Some(error)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn profile_page(State(state): State<AppState>, PageUser(user): PageUser, jar: CookieJar) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let form = ProfileForm::of(&state, &user).await?;
    Ok((jar, render(&state, &user, flash, form, None).await?).into_response())
}

async fn save_profile(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<ProfileForm>,
) -> PageResult<Response> {
    let change = ProfileChange {
        name: Some(form.name.clone()),
        username: Some(form.username.clone()),
        email: Some(form.email.clone()),
        timezone: Some(Some(form.timezone.clone())),
        bio: Some(Some(form.bio.clone())),
        locale: Some(Some(form.locale.clone())),
        embed_origins: None,
    };
    let error = match profiles::update(&state, &user, change).await {
        Ok(updated) => {
            let message = if updated.email != user.email {
                format!("Profile saved. We sent a link to {} to confirm it.", updated.email)
            } else {
                "Profile saved.".to_owned()
            };
            return Ok((flash::set(jar, "success", &message), Redirect::to(PAGE)).into_response());
        }
        Err(AccountError::Invalid(invalid)) => FieldError::from(invalid),
        Err(e @ (AccountError::EmailTaken | AccountError::TooManyMails { .. })) => {
            FieldError::new("email", e.to_string())
        }
        Err(e @ AccountError::UsernameTaken) => FieldError::new("username", e.to_string()),
        Err(e) => return Err(e.into()),
    };
    refused(&state, &user, form, error).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct EmbedForm {
    /// One site per line (any white space separates them).
    embed_origins: String,
}

/// Saves the Embed section's sites through the same profile change as `PATCH /api/v1/me`.
async fn save_embed_origins(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<EmbedForm>,
) -> PageResult<Response> {
    let origins: Vec<String> = form.embed_origins.split_whitespace().map(str::to_owned).collect();
    let change = ProfileChange { embed_origins: Some(origins), ..ProfileChange::default() };
    let error = match profiles::update(&state, &user, change).await {
        Ok(_) => {
            let message = "Embedding sites saved.";
            return Ok((flash::set(jar, "success", message), Redirect::to(&format!("{PAGE}#embed"))).into_response());
        }
        Err(AccountError::Invalid(invalid)) => FieldError::from(invalid),
        Err(e) => return Err(e.into()),
    };
    let profile = ProfileForm { embed_origins: Some(form.embed_origins), ..ProfileForm::of(&state, &user).await? };
    refused(&state, &user, profile, error).await
}

/// The uploaded file's type and bytes; `Ok(None)` when no file was chosen.
async fn read_upload(mut multipart: Multipart) -> Result<Option<(Option<String>, axum::body::Bytes)>, PhotoError> {
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE { PhotoError::TooLarge } else { PhotoError::Unreadable }
    };
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        if field.name() != Some("photo") {
            continue;
        }
        let content_type = field.content_type().map(str::to_owned);
        let bytes = field.bytes().await.map_err(too_large)?;
        return Ok((!bytes.is_empty()).then_some((content_type, bytes)));
    }
    Ok(None)
}

async fn upload_photo(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult<Response> {
    let upload = match multipart {
        Ok(multipart) => read_upload(multipart).await,
        Err(_) => Err(PhotoError::Unreadable),
    };
    let result = match upload {
        Ok(Some((content_type, bytes))) => photo::set(&state, &user.id, content_type.as_deref(), bytes).await,
        Ok(None) => {
            let form = ProfileForm::of(&state, &user).await?;
            return refused(&state, &user, form, FieldError::new("photo", "Choose an image file first.")).await;
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok((flash::set(jar, "success", "Photo updated."), Redirect::to(PAGE)).into_response()),
        Err(e @ (PhotoError::Store(_) | PhotoError::Internal(_))) => Err(e.into()),
        Err(e) => {
            let form = ProfileForm::of(&state, &user).await?;
            refused(&state, &user, form, FieldError::new("photo", e.to_string())).await
        }
    }
}

async fn remove_photo(State(state): State<AppState>, PageUser(user): PageUser, jar: CookieJar) -> PageResult<Response> {
    photo::remove(&state, &user.id).await?;
    Ok((flash::set(jar, "success", "Photo removed: your profile shows your initials."), Redirect::to(PAGE))
        .into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> PageResult<Response> {
    let keep = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
    let result =
        accounts::change_password(&state, &user, &form.current_password, &form.new_password, keep.as_deref()).await;
    let error = match result {
        Ok(()) => {
            let message = "Password changed. Your other sessions and every API token were logged out.";
            return Ok((flash::set(jar, "success", message), Redirect::to(PAGE)).into_response());
        }
        Err(AccountError::Invalid(invalid)) => FieldError::new("new_password", invalid.message),
        Err(AccountError::InvalidLogin) => FieldError::new("current_password", "This is not your current password."),
        Err(e) => return Err(e.into()),
    };
    let profile = ProfileForm::of(&state, &user).await?;
    refused(&state, &user, profile, error).await
}
