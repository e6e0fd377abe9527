//! `/api/v1/teams`: teams, their members and event types, and reassigning a team booking.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::event_types::{EventTypeView, view_at};
use crate::domain::teams::Role;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiUser};
use crate::scheduling::meetings::MeetingView;
use crate::scheduling::team_booking::{self, ReassignError};
use crate::scheduling::teams::{self, Invited, TeamError, TeamEventTypeInput};
use crate::store::teams::TeamRow;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, patch_team))
        .routes(routes!(add_member))
        .routes(routes!(remove_member))
        .routes(routes!(list_team_event_types, create_team_event_type))
        .routes(routes!(patch_team_event_type, delete_team_event_type))
        .routes(routes!(reassign))
}

impl From<TeamError> for ApiError {
    fn from(e: TeamError) -> Self {
        let message = e.to_string();
        match e {
            TeamError::NotFound => ApiError::not_found(),
            TeamError::Forbidden | TeamError::OwnerOnly => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            TeamError::Invalid(invalid) if invalid.code == "slug_taken" => {
                ApiError::new(StatusCode::CONFLICT, "slug_taken", invalid.message).with("field", invalid.field)
            }
            TeamError::Invalid(invalid) => {
                ApiError::unprocessable(invalid.code, invalid.message).with("field", invalid.field)
            }
            TeamError::SlugTaken => ApiError::new(StatusCode::CONFLICT, "slug_taken", message),
            TeamError::LastOwner => ApiError::unprocessable("last_owner", message),
            TeamError::Throttled => ApiError {
                retry_after_secs: Some(3600),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_mails", message)
            },
            TeamError::EventType(e) => e.into(),
            TeamError::Store(e) => ApiError::internal(e),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamView {
    id: String,
    name: String,
    slug: String,
    members: Vec<MemberView>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    user_id: String,
    name: String,
    email: String,
    /// `owner`, `admin` or `member`.
    #[schema(value_type = String, example = "member")]
    role: Role,
}

#[derive(Serialize, ToSchema)]
pub struct TeamList {
    teams: Vec<TeamView>,
}

async fn team_view(state: &AppState, team: TeamRow) -> ApiResult<TeamView> {
    let members = state
        .db
        .team_members(&team.id)
        .await?
        .into_iter()
        .map(|m| MemberView { user_id: m.user_id, name: m.name, email: m.email, role: m.role })
        .collect();
    Ok(TeamView { id: team.id, name: team.name, slug: team.slug, members })
}

/// The teams the user belongs to.
#[utoipa::path(get, path = "/teams", tag = "teams", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = TeamList)))]
async fn list_teams(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<TeamList>> {
    let mut teams = Vec::new();
    for team in state.db.teams_of(&user.user.id).await? {
        teams.push(team_view(&state, team).await?);
    }
    Ok(Json(TeamList { teams }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewTeam {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// 3 to 32 lower-case letters, digits or hyphens: `/team/{slug}/…`.
    #[schema(min_length = 3, max_length = 32, pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$")]
    slug: String,
}

/// Creates a team; its creator is its owner.
#[utoipa::path(post, path = "/teams", tag = "teams", request_body = NewTeam, security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = TeamView), (status = 409, description = "slug_taken", body = crate::http::api::ErrorBody),
        (status = 422, body = crate::http::api::ErrorBody)))]
async fn create_team(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewTeam>,
) -> ApiResult<impl IntoResponse> {
    let team = teams::create(&state, &user.user.id, &body.name, &body.slug).await?;
    Ok((StatusCode::CREATED, Json(team_view(&state, team).await?)))
}

/// One team (members only).
#[utoipa::path(get, path = "/teams/{id}", tag = "teams", params(("id" = String, Path)),
    security(("bearer" = []), ("session" = [])), responses((status = 200, body = TeamView), (status = 404)))]
async fn get_team(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult<Json<TeamView>> {
    let (team, _) = teams::membership(&state, &id, &user.user.id).await?;
    Ok(Json(team_view(&state, team).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct TeamChange {
    #[schema(min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(min_length = 3, max_length = 32, pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$")]
    slug: Option<String>,
}

/// Renames a team or changes its slug (owners and admins).
#[utoipa::path(patch, path = "/teams/{id}", tag = "teams", params(("id" = String, Path)), request_body = TeamChange,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = TeamView), (status = 403, body = crate::http::api::ErrorBody), (status = 404),
        (status = 409, body = crate::http::api::ErrorBody), (status = 422, body = crate::http::api::ErrorBody)))]
async fn patch_team(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TeamChange>,
) -> ApiResult<Json<TeamView>> {
    let team = teams::update(&state, &id, &user.user.id, body.name.as_deref(), body.slug.as_deref()).await?;
    Ok(Json(team_view(&state, team).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewMember {
    #[schema(format = Email)]
    email: String,
    /// `owner` (owners only), `admin` or `member` (the default).
    role: Option<RoleName>,
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    Owner,
    Admin,
    Member,
}

#[derive(Serialize, ToSchema)]
pub struct InvitedAnswer {
    invited: String,
}

/// Adds a member by email: an existing user joins at once (201 TEAM); anyone else gets an
/// invitation mail whose sign-up link joins the team (202).
#[utoipa::path(post, path = "/teams/{id}/members", tag = "teams", params(("id" = String, Path)), request_body = NewMember,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = TeamView), (status = 202, body = InvitedAnswer), (status = 403, body = crate::http::api::ErrorBody),
        (status = 404), (status = 422, body = crate::http::api::ErrorBody), (status = 429, body = crate::http::api::ErrorBody)))]
async fn add_member(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewMember>,
) -> ApiResult<Response> {
    let role = body.role.map(|r| match r {
        RoleName::Owner => Role::Owner,
        RoleName::Admin => Role::Admin,
        RoleName::Member => Role::Member,
    });
    match teams::invite(&state, &id, &user.user.id, &body.email, role).await? {
        Invited::Joined => {
            let (team, _) = teams::membership(&state, &id, &user.user.id).await?;
            Ok((StatusCode::CREATED, Json(team_view(&state, team).await?)).into_response())
        }
        Invited::Mailed(email) => Ok((StatusCode::ACCEPTED, Json(InvitedAnswer { invited: email })).into_response()),
    }
}

/// Removes a member; a member may remove themself (leaving). The last owner may not leave.
#[utoipa::path(delete, path = "/teams/{id}/members/{user_id}", tag = "teams", params(("id" = String, Path), ("user_id" = String, Path)),
    security(("bearer" = []), ("session" = [])),
    responses((status = 204), (status = 403, body = crate::http::api::ErrorBody), (status = 404),
        (status = 422, description = "last_owner", body = crate::http::api::ErrorBody)))]
async fn remove_member(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, member)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    teams::remove(&state, &id, &user.user.id, &member).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TeamEventTypeView {
    #[serde(flatten)]
    event_type: EventTypeView,
    team_id: String,
    /// `round_robin` or `collective`.
    scheduling: String,
    max_per_day_per_member: Option<i64>,
    /// The members it may book, in order, and whether each can be offered now.
    hosts: Vec<TeamHostView>,
}

#[derive(Serialize, ToSchema)]
pub struct TeamHostView {
    user_id: String,
    name: String,
    weight: i64,
    bookable: bool,
    /// `bookable`, `zoom_not_connected`, `zoom_needs_attention` or `no_hours`.
    status: String,
    /// What the team page says.
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct TeamEventTypeList {
    event_types: Vec<TeamEventTypeView>,
}

async fn team_event_type_view(
    state: &AppState,
    team: &TeamRow,
    row: crate::store::event_types::EventTypeRow,
) -> ApiResult<TeamEventTypeView> {
    let loaded = team_booking::load(&state.db, team.clone(), row).await?;
    let hosts = loaded
        .members
        .iter()
        .map(|m| TeamHostView {
            user_id: m.user.id.clone(),
            name: m.user.name.clone(),
            weight: m.weight,
            bookable: m.status.is_bookable(),
            status: m.status.code().to_owned(),
            reason: m.status.label().to_owned(),
        })
        .collect();
    let row = loaded.event;
    Ok(TeamEventTypeView {
        team_id: team.id.clone(),
        scheduling: row.scheduling.as_str().to_owned(),
        max_per_day_per_member: row.max_per_day_per_member,
        hosts,
        event_type: view_at(state.team_booking_url(&team.slug, &row.slug), row),
    })
}

/// The team's event types, with who can be booked now.
#[utoipa::path(get, path = "/teams/{id}/event-types", tag = "teams", params(("id" = String, Path)),
    security(("bearer" = []), ("session" = [])), responses((status = 200, body = TeamEventTypeList), (status = 404)))]
async fn list_team_event_types(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<TeamEventTypeList>> {
    let (team, _) = teams::membership(&state, &id, &user.user.id).await?;
    let mut event_types = Vec::new();
    for row in state.db.team_event_types(&team.id).await? {
        event_types.push(team_event_type_view(&state, &team, row).await?);
    }
    Ok(Json(TeamEventTypeList { event_types }))
}

/// Creates a team event type (owners and admins); its page is `/team/{team slug}/{slug}`.
#[utoipa::path(post, path = "/teams/{id}/event-types", tag = "teams", params(("id" = String, Path)), request_body = TeamEventTypeInput,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = TeamEventTypeView), (status = 403, body = crate::http::api::ErrorBody), (status = 404),
        (status = 409, description = "slug_taken", body = crate::http::api::ErrorBody), (status = 422, body = crate::http::api::ErrorBody)))]
async fn create_team_event_type(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TeamEventTypeInput>,
) -> ApiResult<impl IntoResponse> {
    let row = teams::create_event_type(&state, &id, &user.user.id, body).await?;
    let (team, _) = teams::membership(&state, &id, &user.user.id).await?;
    Ok((StatusCode::CREATED, Json(team_event_type_view(&state, &team, row).await?)))
}

/// Changes the fields sent of a team event type (owners and admins); `hosts` replaces the list
/// (weights kept for members who stay), `weights` sets the weights given.
#[utoipa::path(patch, path = "/teams/{id}/event-types/{event_type_id}", tag = "teams",
    params(("id" = String, Path), ("event_type_id" = String, Path)), request_body = TeamEventTypeInput,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = TeamEventTypeView), (status = 403, body = crate::http::api::ErrorBody), (status = 404),
        (status = 409, description = "slug_taken", body = crate::http::api::ErrorBody), (status = 422, body = crate::http::api::ErrorBody)))]
async fn patch_team_event_type(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, event_type_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<TeamEventTypeInput>,
) -> ApiResult<Json<TeamEventTypeView>> {
    let row = teams::update_event_type(&state, &id, &user.user.id, &event_type_id, body).await?;
    let (team, _) = teams::membership(&state, &id, &user.user.id).await?;
    Ok(Json(team_event_type_view(&state, &team, row).await?))
}

/// Deletes a team event type (meetings booked through it stay).
#[utoipa::path(delete, path = "/teams/{id}/event-types/{event_type_id}", tag = "teams",
    params(("id" = String, Path), ("event_type_id" = String, Path)), security(("bearer" = []), ("session" = [])),
    responses((status = 204), (status = 403, body = crate::http::api::ErrorBody), (status = 404)))]
async fn delete_team_event_type(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, event_type_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    teams::delete_event_type(&state, &id, &user.user.id, &event_type_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ReassignRequest {
    user_id: String,
}

impl From<ReassignError> for ApiError {
    fn from(e: ReassignError) -> Self {
        let message = e.to_string();
        match e {
            ReassignError::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            ReassignError::NotRoundRobin => ApiError::unprocessable("not_round_robin", message),
            ReassignError::NotAHost => ApiError::unprocessable("not_a_host", message).with("field", "user_id"),
            ReassignError::AlreadyHost => ApiError::unprocessable("already_host", message).with("field", "user_id"),
            ReassignError::NotBookable(_) => ApiError::unprocessable("not_bookable", message).with("field", "user_id"),
            ReassignError::ZoomBusy => ApiError::new(StatusCode::CONFLICT, "zoom_busy", message),
            ReassignError::Booking(e) => e.into(),
        }
    }
}

/// Gives a round robin booking to another member free at its time (a team admin or the assigned
/// host): the Zoom meeting moves to the new member's account, calendars follow, the invitee is told.
#[utoipa::path(post, path = "/meetings/{id}/reassign", tag = "meetings", params(("id" = String, Path)), request_body = ReassignRequest,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MeetingView), (status = 403, body = crate::http::api::ErrorBody), (status = 404),
        (status = 409, description = "`slot_taken`, `zoom_busy` or `meeting_cancelled`", body = crate::http::api::ErrorBody),
        (status = 422, description = "`not_round_robin`, `not_a_host`, `already_host`, `not_bookable`, `not_available`", body = crate::http::api::ErrorBody),
        (status = 503, body = crate::http::api::ErrorBody)))]
async fn reassign(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReassignRequest>,
) -> ApiResult<Json<MeetingView>> {
    let row = state.db.meeting(&id).await?.ok_or_else(ApiError::not_found)?;
    // Visible to its hosts and to the admins of its team; 404 for everyone else.
    if state.db.meeting_of(&user.user.id, &id).await?.is_none() {
        let team = team_booking::event_of_meeting(&state.db, &row).await?;
        let admin = match &team {
            Some(t) => state.db.team_role(&t.team.id, &user.user.id).await?.is_some_and(Role::manages),
            None => false,
        };
        if !admin {
            return Err(ApiError::not_found());
        }
    }
    let row = team_booking::reassign(&state, &row, &body.user_id, &user.user.id).await?;
    Ok(Json(MeetingView::load(&state.db, &row).await?))
}
