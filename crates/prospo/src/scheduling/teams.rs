//! Teams: creating and renaming them, members and invitations, and team event types. Only
//! members see a team; only owners and admins change it (product.md §8).

use std::collections::BTreeMap;

use crate::accounts::{account_mails_exhausted, hash_token, random_token};
use crate::app::App;
use crate::domain::accounts::{Email, Invalid};
use crate::domain::teams::{Role, Scheduling, TeamSlug, team_name};
use crate::jobs::Queue;
use crate::notifications::account_mails;
use crate::scheduling::event_types::{self, EventTypeError, EventTypeInput};
use crate::store::event_types::EventTypeRow;
use crate::store::teams::{NewInvitation, TeamRow};
use crate::store::{StoreError, new_id};

/// How long an invitation's sign-up link works.
pub const INVITATION_MS: i64 = 7 * 24 * 3600 * 1000;
/// The most members a team event type may book (the slots route reads each one's week).
pub const MAX_HOSTS: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("No such team.")]
    NotFound,
    #[error("Only the team's owners and admins can do this.")]
    Forbidden,
    #[error("{}", .0.message)]
    Invalid(Invalid),
    #[error("This slug is taken. Choose another.")]
    SlugTaken,
    #[error("A team needs an owner: make someone else an owner before the last one leaves.")]
    LastOwner,
    #[error("Only an owner can make someone an owner.")]
    OwnerOnly,
    #[error("Too many invitations to this address in the last hour. Try again later.")]
    Throttled,
    #[error(transparent)]
    EventType(#[from] EventTypeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Invalid> for TeamError {
    fn from(value: Invalid) -> Self {
        TeamError::Invalid(value)
    }
}

/// The team `user_id` belongs to, with their role; `NotFound` for anyone else.
pub async fn membership(app: &App, team_id: &str, user_id: &str) -> Result<(TeamRow, Role), TeamError> {
    let team = app.db.team(team_id).await?.ok_or(TeamError::NotFound)?;
    let role = app.db.team_role(team_id, user_id).await?.ok_or(TeamError::NotFound)?;
    Ok((team, role))
}

async fn managed(app: &App, team_id: &str, user_id: &str) -> Result<(TeamRow, Role), TeamError> {
    let (team, role) = membership(app, team_id, user_id).await?;
    if !role.manages() {
        return Err(TeamError::Forbidden);
    }
    Ok((team, role))
}

pub async fn create(app: &App, owner_id: &str, name: &str, slug: &str) -> Result<TeamRow, TeamError> {
    let team = TeamRow {
        id: new_id(),
        name: team_name(name)?,
        slug: TeamSlug::parse(slug)?.as_str().to_owned(),
        created_at: app.now_ms(),
    };
    match app.db.create_team(&team, owner_id).await {
        Ok(()) => Ok(team),
        Err(StoreError::Conflict(_)) => Err(TeamError::SlugTaken),
        Err(e) => Err(e.into()),
    }
}

pub async fn update(
    app: &App,
    team_id: &str,
    user_id: &str,
    name: Option<&str>,
    slug: Option<&str>,
) -> Result<TeamRow, TeamError> {
    let (team, _) = managed(app, team_id, user_id).await?;
    let name = match name {
        Some(name) => team_name(name)?,
        None => team.name.clone(),
    };
    let slug = match slug {
        Some(slug) => TeamSlug::parse(slug)?.as_str().to_owned(),
        None => team.slug.clone(),
    };
    match app.db.update_team(team_id, &name, &slug).await {
        Ok(()) => Ok(TeamRow { name, slug, ..team }),
        Err(StoreError::Conflict(_)) => Err(TeamError::SlugTaken),
        Err(e) => Err(e.into()),
    }
}

/// What inviting someone did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invited {
    /// They have an account: they are a member now.
    Joined,
    /// They got an invitation mail with a sign-up link.
    Mailed(String),
}

pub async fn invite(
    app: &App,
    team_id: &str,
    inviter_id: &str,
    email: &str,
    role: Option<Role>,
) -> Result<Invited, TeamError> {
    let (team, inviter_role) = managed(app, team_id, inviter_id).await?;
    let email = Email::parse(email)?;
    let role = role.unwrap_or(Role::Member);
    if role == Role::Owner && inviter_role != Role::Owner {
        return Err(TeamError::OwnerOnly);
    }
    let inviter = app.db.user_by_id(inviter_id).await?.map(|u| u.name).unwrap_or_else(|| "A teammate".to_owned());
    let now = app.now_ms();
    if let Some(user) = app.db.user_by_email(email.as_str()).await? {
        app.db.add_team_member(team_id, &user.id, role, now).await?;
        if !account_mails_exhausted(app, &user.email).await? {
            let mail = account_mails::added_to_team(&user.email, &inviter, &team.name, &app.mail.teams_url());
            app.db.enqueue_mails(&[mail], now).await?;
            app.wake(Queue::Mail);
        }
        return Ok(Invited::Joined);
    }
    if account_mails_exhausted(app, email.as_str()).await? {
        return Err(TeamError::Throttled);
    }
    let token = random_token();
    let hash = hash_token(&token);
    app.db
        .create_team_invitation(&NewInvitation {
            token_hash: &hash,
            team_id,
            email: email.as_str(),
            role,
            invited_by: inviter_id,
            now,
            expires_at: now + INVITATION_MS,
        })
        .await?;
    let link = app.mail.team_invitation_url(&token);
    let mail = account_mails::team_invitation(email.as_str(), &inviter, &team.name, &link);
    app.db.enqueue_mails(&[mail], now).await?;
    app.wake(Queue::Mail);
    Ok(Invited::Mailed(email.as_str().to_owned()))
}

/// Withdraws the open invitations of `email` (owners and admins).
pub async fn revoke_invitation(app: &App, team_id: &str, user_id: &str, email: &str) -> Result<(), TeamError> {
    managed(app, team_id, user_id).await?;
    if app.db.revoke_team_invitations(team_id, email).await? { Ok(()) } else { Err(TeamError::NotFound) }
}

/// Removes a member (a member may remove themself: leaving). The last owner cannot go.
pub async fn remove(app: &App, team_id: &str, by_user_id: &str, member_id: &str) -> Result<(), TeamError> {
    let (_, role) = membership(app, team_id, by_user_id).await?;
    if by_user_id != member_id && !role.manages() {
        return Err(TeamError::Forbidden);
    }
    // An admin cannot remove an owner.
    if by_user_id != member_id
        && role != Role::Owner
        && app.db.team_role(team_id, member_id).await? == Some(Role::Owner)
    {
        return Err(TeamError::OwnerOnly);
    }
    if app.db.team_role(team_id, member_id).await?.is_none() {
        return Err(TeamError::NotFound);
    }
    if !app.db.remove_team_member(team_id, member_id).await? {
        return Err(TeamError::LastOwner);
    }
    Ok(())
}

/// A round robin weight, as the API document declares it (the map's values).
#[derive(utoipa::ToSchema)]
#[schema(minimum = 1, maximum = 100)]
pub struct Weight(pub i64);

/// How a team event type books, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamScheduling {
    RoundRobin,
    Collective,
}

/// A team event type as the API sends it: the event type's fields and the team's.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct TeamEventTypeInput {
    #[serde(flatten)]
    pub event_type: EventTypeInput,
    /// Required when creating one.
    pub scheduling: Option<TeamScheduling>,
    /// Members it may book, in order (default: every member; for collective the first organises,
    /// default the member who creates it).
    pub hosts: Option<Vec<String>>,
    /// Round robin weights by member (1 to 100, default 1).
    #[schema(value_type = Option<BTreeMap<String, Weight>>)]
    pub weights: Option<BTreeMap<String, i64>>,
    /// Bookings one member takes per day at most (1 to 100; null or 0 for no limit).
    #[schema(minimum = 0, maximum = 100)]
    pub max_per_day_per_member: Option<i64>,
}

fn invalid(field: &'static str, code: &'static str, message: &str) -> TeamError {
    TeamError::Invalid(Invalid::new(field, code, message))
}

pub async fn create_event_type(
    app: &App,
    team_id: &str,
    user_id: &str,
    input: TeamEventTypeInput,
) -> Result<EventTypeRow, TeamError> {
    let (team, _) = managed(app, team_id, user_id).await?;
    let Some(scheduling) = input.scheduling.map(TeamScheduling::stored) else {
        return Err(invalid("scheduling", "invalid_scheduling", "Choose `round_robin` or `collective` scheduling."));
    };
    let members = app.db.team_members(&team.id).await?;
    // By default every member; the creator first (a collective's default organiser).
    let mut everyone: Vec<(String, i64)> = members.iter().map(|m| (m.user_id.clone(), 1)).collect();
    everyone.sort_by_key(|(id, _)| id != user_id);
    let hosts = hosts_of(&members, input.hosts, input.weights, everyone)?;
    let base = EventTypeRow {
        team_id: Some(team.id.clone()),
        scheduling,
        max_per_day_per_member: per_member_limit(input.max_per_day_per_member)?.flatten(),
        ..event_types::defaults(user_id)
    };
    let row = event_types::save_row(app, true, base, input.event_type).await?;
    app.db.set_team_event_hosts(&row.id, &hosts).await?;
    Ok(row)
}

/// Changes the fields sent of a team event type (owners and admins).
pub async fn update_event_type(
    app: &App,
    team_id: &str,
    user_id: &str,
    event_type_id: &str,
    input: TeamEventTypeInput,
) -> Result<EventTypeRow, TeamError> {
    let (team, _) = managed(app, team_id, user_id).await?;
    let existing = app.db.team_event_type(&team.id, event_type_id).await?.ok_or(TeamError::NotFound)?;
    let members = app.db.team_members(&team.id).await?;
    let current: Vec<(String, i64)> =
        app.db.team_event_hosts(event_type_id).await?.into_iter().map(|h| (h.user_id, h.weight)).collect();
    let changes_hosts = input.hosts.is_some() || input.weights.is_some();
    let hosts = hosts_of(&members, input.hosts, input.weights, current)?;
    let base = EventTypeRow {
        scheduling: input.scheduling.map(TeamScheduling::stored).unwrap_or(existing.scheduling),
        max_per_day_per_member: per_member_limit(input.max_per_day_per_member)?
            .unwrap_or(existing.max_per_day_per_member),
        ..existing
    };
    let row = event_types::save_row(app, false, base, input.event_type).await?;
    if changes_hosts {
        app.db.set_team_event_hosts(&row.id, &hosts).await?;
    }
    Ok(row)
}

impl TeamScheduling {
    fn stored(self) -> Scheduling {
        match self {
            TeamScheduling::RoundRobin => Scheduling::RoundRobin,
            TeamScheduling::Collective => Scheduling::Collective,
        }
    }
}

/// The hosts `(user_id, weight)` in order: `hosts` (members only, duplicates dropped) or `current`,
/// with `weights` applied (1 to 100, for hosts only).
fn hosts_of(
    members: &[crate::store::teams::MemberRow],
    hosts: Option<Vec<String>>,
    weights: Option<BTreeMap<String, i64>>,
    current: Vec<(String, i64)>,
) -> Result<Vec<(String, i64)>, TeamError> {
    let mut chosen: Vec<(String, i64)> = match hosts {
        Some(hosts) => {
            let mut seen: Vec<(String, i64)> = Vec::new();
            for host in hosts {
                if !members.iter().any(|m| m.user_id == host) {
                    return Err(invalid("hosts", "not_a_member", "Every host must be a member of the team."));
                }
                if !seen.iter().any(|(id, _)| *id == host) {
                    let weight = current.iter().find(|(id, _)| *id == host).map_or(1, |(_, w)| *w);
                    seen.push((host, weight));
                }
            }
            seen
        }
        None => current,
    };
    if chosen.is_empty() || chosen.len() > MAX_HOSTS {
        return Err(invalid("hosts", "invalid_hosts", "Choose 1 to 50 members to host it."));
    }
    for (id, weight) in weights.unwrap_or_default() {
        if !(1..=100).contains(&weight) {
            return Err(invalid("weights", "invalid_weight", "Weights are whole numbers from 1 to 100."));
        }
        let Some(host) = chosen.iter_mut().find(|(host, _)| *host == id) else {
            return Err(invalid("weights", "not_a_host", "Weights are given for the event type's hosts only."));
        };
        host.1 = weight;
    }
    Ok(chosen)
}

/// A per-member daily limit as sent: `None` when not sent, `Some(None)` for no limit (0).
fn per_member_limit(sent: Option<i64>) -> Result<Option<Option<i64>>, TeamError> {
    match sent {
        None => Ok(None),
        Some(0) => Ok(Some(None)),
        Some(n) if event_types::MAX_PER_DAY.contains(&n) => Ok(Some(Some(n))),
        Some(_) => Err(invalid(
            "max_per_day_per_member",
            "invalid_max_per_day",
            "The daily limit per member is 1 to 100 bookings.",
        )),
    }
}

pub async fn delete_event_type(app: &App, team_id: &str, user_id: &str, event_type_id: &str) -> Result<(), TeamError> {
    managed(app, team_id, user_id).await?;
    if app.db.delete_team_event_type(team_id, event_type_id).await? { Ok(()) } else { Err(TeamError::NotFound) }
}
