//! `/teams`: the user's teams, their members and invitations, and team event types with who is
//! bookable now and why not (product.md §8).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::view::FieldError;
use super::{Frame, PageResult, flash};
use crate::domain::teams::{Role, Scheduling};
use crate::http::AppState;
use crate::http::pages::PageUser;
use crate::scheduling::event_types::{EventTypeError, EventTypeInput, Location};
use crate::scheduling::team_booking::{self, TeamEvent};
use crate::scheduling::teams::{self, Invited, TeamError, TeamEventTypeInput, TeamScheduling};
use crate::store::accounts::UserRow;
use crate::store::teams::{MemberRow, TeamRow};

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    email: String,
}

async fn revoke_invitation(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> PageResult<Response> {
    let outcome = teams::revoke_invitation(&state, &id, &user.id, &form.email)
        .await
        .map(|()| format!("The invitation to {} is withdrawn; its link no longer works.", form.email));
    answer(&state, &user, jar, format!("members:{id}"), TypedForm::default(), outcome).await
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/teams", get(teams_page).post(create_team))
        .route("/teams/{id}", post(rename_team))
        .route("/teams/{id}/members", post(invite))
        .route("/teams/{id}/members/{user_id}/remove", post(remove_member))
        .route("/teams/{id}/invitations/revoke", post(revoke_invitation))
        .route("/teams/{id}/event-types", post(create_event_type))
        .route("/teams/{id}/event-types/{event_type_id}", post(edit_event_type))
        .route("/teams/{id}/event-types/{event_type_id}/delete", post(delete_event_type))
}

struct TeamCard {
    team: TeamRow,
    you: Role,
    members: Vec<MemberRow>,
    /// Invitations waiting for a sign-up (shown to owners and admins).
    invitations: Vec<InvitationView>,
    event_types: Vec<TeamEvent>,
}

struct InvitationView {
    email: String,
    role: Role,
    expires: String,
}

impl TeamCard {
    fn manages(&self) -> bool {
        self.you.manages()
    }
}

/// Which form a refusal belongs to, its errors and what was typed.
#[derive(Default)]
struct Refused {
    /// `create`, or `rename`, `invite` or `event-type` with the team's id.
    form: String,
    errors: Vec<FieldError>,
    typed: TypedForm,
}

#[derive(Default, Deserialize, Clone)]
#[serde(default)]
pub struct TypedForm {
    name: String,
    slug: String,
    email: String,
    role: String,
    title: String,
    duration_minutes: String,
    location: String,
    scheduling: String,
    max_per_day_per_member: String,
    /// Host user ids, as checked (`hosts` repeated).
    #[serde(skip)]
    hosts: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "teams.html")]
struct TeamsPage {
    frame: Frame,
    user_id: String,
    cards: Vec<TeamCard>,
    refused: Refused,
    public_base: String,
}

impl TeamsPage {
    /// The error of `field` in the form `form`, if it was refused.
    fn error_in(&self, form: &str, field: &str) -> Option<&str> {
        (self.refused.form == form)
            .then(|| self.refused.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str()))
            .flatten()
    }

    /// An error of the form `form` about no field shown.
    fn form_error<const N: usize>(&self, form: &str, fields: &[&str; N]) -> Option<&str> {
        (self.refused.form == form)
            .then(|| self.refused.errors.iter().find(|e| !fields.contains(&e.field)).map(|e| e.message.as_str()))
            .flatten()
    }

    /// What was typed in `form` (empty unless it was refused).
    fn typed(&self, form: &str) -> TypedForm {
        if self.refused.form == form { self.refused.typed.clone() } else { TypedForm::default() }
    }

    fn scheduling_label(scheduling: &Scheduling) -> &'static str {
        match scheduling {
            Scheduling::Collective => "Collective: everyone attends",
            _ => "Round robin: one member hosts",
        }
    }

    /// Whether `user_id` is among the event type's hosts.
    fn hosts(te: &TeamEvent, user_id: &str) -> bool {
        te.members.iter().any(|m| m.user.id == user_id)
    }

    fn location_label(location: &str) -> &'static str {
        Location::parse(location).map(Location::label).unwrap_or("Other")
    }
}

async fn cards(state: &AppState, user: &UserRow) -> PageResult<Vec<TeamCard>> {
    let mut cards = Vec::new();
    for team in state.db.teams_of(&user.id).await? {
        let Some(you) = state.db.team_role(&team.id, &user.id).await? else { continue };
        let members = state.db.team_members(&team.id).await?;
        let invitations = if you.manages() {
            let zone = super::host_zone(state, user).await?;
            state
                .db
                .open_team_invitations(&team.id, state.now_ms())
                .await?
                .into_iter()
                .map(|i| InvitationView {
                    email: i.email,
                    role: i.role,
                    expires: crate::timefmt::human_ms(i.expires_at, Some(&zone)),
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut event_types = Vec::new();
        for row in state.db.team_event_types(&team.id).await? {
            event_types.push(team_booking::load(&state.db, team.clone(), row).await?);
        }
        cards.push(TeamCard { team, you, members, invitations, event_types });
    }
    Ok(cards)
}

async fn render(
    state: &AppState,
    user: &UserRow,
    flash: Option<flash::Flash>,
    refused: Refused,
) -> PageResult<TeamsPage> {
    let frame = Frame::for_user("Teams", "teams", user, flash);
    let public_base = state.team_pages_url();
    Ok(TeamsPage { frame, user_id: user.id.clone(), cards: cards(state, user).await?, refused, public_base })
}

async fn teams_page(State(state): State<AppState>, PageUser(user): PageUser, jar: CookieJar) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    Ok((jar, render(&state, &user, flash, Refused::default()).await?).into_response())
}

/// A refusal re-renders the page (422 or 409) with the errors beside the fields and what was typed;
/// anything else lands back on the page with a notice.
async fn answer(
    state: &AppState,
    user: &UserRow,
    jar: CookieJar,
    form: String,
    typed: TypedForm,
    outcome: Result<String, TeamError>,
) -> PageResult<Response> {
    let error = match outcome {
        Ok(notice) => return Ok((flash::set(jar, "success", &notice), Redirect::to("/teams")).into_response()),
        Err(TeamError::Store(e)) => return Err(e.into()),
        Err(TeamError::EventType(EventTypeError::Store(e))) => return Err(e.into()),
        Err(TeamError::NotFound) => return Err(super::PageError::NotFound),
        Err(e) => e,
    };
    let status = match &error {
        TeamError::SlugTaken | TeamError::EventType(EventTypeError::SlugTaken) => StatusCode::CONFLICT,
        TeamError::Forbidden | TeamError::OwnerOnly => StatusCode::FORBIDDEN,
        TeamError::Throttled => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let field = match &error {
        TeamError::Invalid(invalid) => invalid.field,
        TeamError::EventType(EventTypeError::Invalid(invalid)) => invalid.field,
        TeamError::SlugTaken | TeamError::EventType(EventTypeError::SlugTaken) => "slug",
        _ => "form",
    };
    let message = match &error {
        TeamError::EventType(e) => e.to_string(),
        e => e.to_string(),
    };
    let refused = Refused { form, errors: vec![FieldError::new(field, message)], typed };
    Ok((status, render(state, user, None, refused).await?).into_response())
}

async fn create_team(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<TypedForm>,
) -> PageResult<Response> {
    let outcome =
        teams::create(&state, &user.id, &form.name, &form.slug).await.map(|t| format!("Team {} created.", t.name));
    answer(&state, &user, jar, "create".to_owned(), form, outcome).await
}

async fn rename_team(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<TypedForm>,
) -> PageResult<Response> {
    let outcome = teams::update(&state, &id, &user.id, Some(&form.name), Some(&form.slug))
        .await
        .map(|_| "Team saved.".to_owned());
    answer(&state, &user, jar, format!("rename:{id}"), form, outcome).await
}

async fn invite(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(form): Form<TypedForm>,
) -> PageResult<Response> {
    let role = form.role.parse::<Role>().ok();
    let outcome = teams::invite(&state, &id, &user.id, &form.email, role).await.map(|invited| match invited {
        Invited::Joined => format!("{} joined the team.", form.email.trim()),
        Invited::Mailed(email) => format!("Invitation sent to {email}. Their sign-up link works for 7 days."),
    });
    answer(&state, &user, jar, format!("invite:{id}"), form, outcome).await
}

async fn remove_member(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path((id, member)): Path<(String, String)>,
) -> PageResult<Response> {
    let leaving = member == user.id;
    let outcome = teams::remove(&state, &id, &user.id, &member)
        .await
        .map(|()| if leaving { "You left the team.".to_owned() } else { "Member removed.".to_owned() });
    answer(&state, &user, jar, format!("members:{id}"), TypedForm::default(), outcome).await
}

async fn create_event_type(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let typed = event_type_form(&body);
    let input = TeamEventTypeInput {
        event_type: EventTypeInput {
            title: Some(typed.title.clone()),
            slug: Some(typed.slug.clone()),
            duration_minutes: Some(typed.duration_minutes.trim().parse().unwrap_or(0)),
            location: Some(Location::parse(&typed.location).unwrap_or(Location::Zoom)),
            ..EventTypeInput::default()
        },
        scheduling: Some(scheduling_of(&typed)),
        hosts: Some(typed.hosts.clone()),
        weights: None,
        max_per_day_per_member: None,
    };
    let outcome = teams::create_event_type(&state, &id, &user.id, input).await.map(|e| format!("{} created.", e.title));
    answer(&state, &user, jar, format!("event-type:{id}"), typed, outcome).await
}

/// A form's fields as sent: `hosts` repeats (one per checked member), so the pairs are read as
/// they come.
fn event_type_form(body: &[u8]) -> TypedForm {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    TypedForm {
        title: value("title"),
        slug: value("slug"),
        duration_minutes: value("duration_minutes"),
        location: value("location"),
        scheduling: value("scheduling"),
        max_per_day_per_member: value("max_per_day_per_member"),
        hosts: pairs.iter().filter(|(k, _)| k == "hosts").map(|(_, v)| v.clone()).collect(),
        ..TypedForm::default()
    }
}

fn scheduling_of(typed: &TypedForm) -> TeamScheduling {
    match typed.scheduling.as_str() {
        "collective" => TeamScheduling::Collective,
        _ => TeamScheduling::RoundRobin,
    }
}

async fn edit_event_type(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path((id, event_type_id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> PageResult<Response> {
    let typed = event_type_form(&body);
    let limit = match typed.max_per_day_per_member.trim() {
        "" => 0,
        raw => raw.parse().unwrap_or(-1),
    };
    let input = TeamEventTypeInput {
        event_type: EventTypeInput {
            title: Some(typed.title.clone()),
            duration_minutes: Some(typed.duration_minutes.trim().parse().unwrap_or(0)),
            ..EventTypeInput::default()
        },
        scheduling: Some(scheduling_of(&typed)),
        hosts: Some(typed.hosts.clone()),
        weights: None,
        max_per_day_per_member: Some(limit),
    };
    let outcome = teams::update_event_type(&state, &id, &user.id, &event_type_id, input)
        .await
        .map(|e| format!("{} saved.", e.title));
    answer(&state, &user, jar, format!("edit:{event_type_id}"), typed, outcome).await
}

async fn delete_event_type(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Path((id, event_type_id)): Path<(String, String)>,
) -> PageResult<Response> {
    let outcome = teams::delete_event_type(&state, &id, &user.id, &event_type_id)
        .await
        .map(|()| "Event type deleted.".to_owned());
    answer(&state, &user, jar, format!("event-types:{id}"), TypedForm::default(), outcome).await
}
