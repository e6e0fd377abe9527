//! Teams, their members and invitations, the hosts of team event types, and the members attending
//! team meetings.

use super::{Db, StoreResult, Tx, on_db, on_tx};
use crate::domain::teams::Role;
use crate::store::zoom_connections::ConnectionStatus;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub created_at: i64,
}

/// A member as the team's pages and API list them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub username: String,
    pub role: Role,
}

/// A member a team event type may book, with what decides whether they can be offered.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamHostRow {
    pub user_id: String,
    pub name: String,
    pub position: i64,
    pub weight: i64,
    /// The member's Zoom connection, if they have one.
    pub zoom_status: Option<ConnectionStatus>,
}

/// A round robin's counts of one member for one event type.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BookingCount {
    pub host_id: String,
    pub recent: i64,
    pub last_booked_at: Option<i64>,
}

impl Db {
    /// A new team with its creator as owner; `Conflict` when the slug is taken.
    pub async fn create_team(&self, team: &TeamRow, owner_id: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("INSERT INTO teams (id, name, slug, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&team.id)
                .bind(&team.name)
                .bind(&team.slug)
                .bind(team.created_at)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        tx.add_team_member(&team.id, owner_id, Role::Owner, team.created_at).await?;
        tx.commit().await
    }

    pub async fn team(&self, id: &str) -> StoreResult<Option<TeamRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as("SELECT id, name, slug, created_at FROM teams WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })?)
    }

    pub async fn team_by_slug(&self, slug: &str) -> StoreResult<Option<TeamRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as("SELECT id, name, slug, created_at FROM teams WHERE slug = $1")
                .bind(slug)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// The teams `user_id` belongs to, by name.
    pub async fn teams_of(&self, user_id: &str) -> StoreResult<Vec<TeamRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT t.id, t.name, t.slug, t.created_at FROM teams t JOIN team_members m ON m.team_id = t.id \
                 WHERE m.user_id = $1 ORDER BY t.name, t.id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// A team's members: owners first, then admins, then members, each by name.
    pub async fn team_members(&self, team_id: &str) -> StoreResult<Vec<MemberRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT u.id AS user_id, u.name, u.email, u.username, m.role FROM team_members m \
                 JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 \
                 ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, u.name, u.id",
            )
            .bind(team_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// `user_id`'s role in the team, if they are a member.
    pub async fn team_role(&self, team_id: &str, user_id: &str) -> StoreResult<Option<Role>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_scalar("SELECT role FROM team_members WHERE team_id = $1 AND user_id = $2")
                .bind(team_id)
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// Renames a team; `Conflict` when the slug is taken.
    pub async fn update_team(&self, id: &str, name: &str, slug: &str) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query("UPDATE teams SET name = $2, slug = $3 WHERE id = $1")
                .bind(id)
                .bind(name)
                .bind(slug)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    pub async fn add_team_member(&self, team_id: &str, user_id: &str, role: Role, now: i64) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.add_team_member(team_id, user_id, role, now).await?;
        tx.commit().await
    }

    /// Removes a member, unless they are its last owner: `Ok(false)` then. Their place among the
    /// team's event types' hosts goes with them.
    pub async fn remove_team_member(&self, team_id: &str, user_id: &str) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if let Tx::Postgres(t) = &mut tx {
            // Two owners leaving at once must not both pass the count.
            sqlx::query("SELECT id FROM teams WHERE id = $1 FOR UPDATE").bind(team_id).execute(&mut **t).await?;
        }
        let (role, owners): (Option<String>, i64) = on_tx!(&mut tx, |c| {
            sqlx::query_as(
                "SELECT (SELECT role FROM team_members WHERE team_id = $1 AND user_id = $2), \
                 (SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND role = 'owner')",
            )
            .bind(team_id)
            .bind(user_id)
            .fetch_one(&mut *c)
            .await
        })?;
        if role.as_deref() == Some("owner") && owners <= 1 {
            return Ok(false);
        }
        on_tx!(&mut tx, |c| {
            sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
                .bind(team_id)
                .bind(user_id)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "DELETE FROM team_event_hosts WHERE user_id = $2 \
                 AND event_type_id IN (SELECT id FROM event_types WHERE team_id = $1)",
            )
            .bind(team_id)
            .bind(user_id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        tx.commit().await?;
        Ok(true)
    }

    /// Stores an invitation (its link's hash) for an email without an account.
    pub async fn create_team_invitation(&self, invitation: &NewInvitation<'_>) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO team_invitations (token_hash, team_id, email, role, invited_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(invitation.token_hash)
            .bind(invitation.team_id)
            .bind(invitation.email)
            .bind(invitation.role)
            .bind(invitation.invited_by)
            .bind(invitation.now)
            .bind(invitation.expires_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// The team an unused, unexpired invitation for `email` leads to (not using it).
    pub async fn open_team_invitation(&self, token_hash: &str, now: i64) -> StoreResult<Option<(TeamRow, String)>> {
        let row: Option<(String, String, String, i64, String)> = on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT t.id, t.name, t.slug, t.created_at, i.email FROM team_invitations i \
                 JOIN teams t ON t.id = i.team_id WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.map(|(id, name, slug, created_at, email)| (TeamRow { id, name, slug, created_at }, email)))
    }

    /// Uses an invitation once: the user joins its team when it is unused, unexpired and for their
    /// email. Answers the team joined.
    pub async fn accept_team_invitation(
        &self,
        token_hash: &str,
        user_id: &str,
        email: &str,
        now: i64,
    ) -> StoreResult<Option<String>> {
        let mut tx = self.begin().await?;
        let taken: Option<(String, Role)> = on_tx!(&mut tx, |c| {
            sqlx::query_as(
                "UPDATE team_invitations SET used_at = $3 WHERE token_hash = $1 AND email = $2 \
                 AND used_at IS NULL AND expires_at > $3 RETURNING team_id, role",
            )
            .bind(token_hash)
            .bind(email)
            .bind(now)
            .fetch_optional(&mut *c)
            .await
        })?;
        let Some((team_id, role)) = taken else { return Ok(None) };
        tx.add_team_member(&team_id, user_id, role, now).await?;
        tx.commit().await?;
        Ok(Some(team_id))
    }

    /// The hosts of a team event type in their order, with their Zoom connection's status.
    pub async fn team_event_hosts(&self, event_type_id: &str) -> StoreResult<Vec<TeamHostRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT h.user_id, u.name, h.position, h.weight, z.status AS zoom_status FROM team_event_hosts h \
                 JOIN users u ON u.id = h.user_id LEFT JOIN zoom_connections z ON z.user_id = h.user_id \
                 WHERE h.event_type_id = $1 ORDER BY h.position",
            )
            .bind(event_type_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Replaces a team event type's hosts: `(user_id, weight)` in order.
    pub async fn set_team_event_hosts(&self, event_type_id: &str, hosts: &[(String, i64)]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("DELETE FROM team_event_hosts WHERE event_type_id = $1")
                .bind(event_type_id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        for (position, (user_id, weight)) in hosts.iter().enumerate() {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                    "INSERT INTO team_event_hosts (event_type_id, user_id, position, weight) VALUES ($1, $2, $3, $4)",
                )
                .bind(event_type_id)
                .bind(user_id)
                .bind(position as i64)
                .bind(weight)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
            })?;
        }
        tx.commit().await
    }

    /// The members attending a meeting besides its host, in order.
    pub async fn meeting_cohosts(&self, meeting_id: &str) -> StoreResult<Vec<String>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_scalar("SELECT user_id FROM meeting_hosts WHERE meeting_id = $1 ORDER BY position")
                .bind(meeting_id)
                .fetch_all(pool)
                .await
        })?)
    }
}

/// An invitation to write.
pub struct NewInvitation<'a> {
    pub token_hash: &'a str,
    pub team_id: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub invited_by: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

impl Tx {
    pub async fn add_team_member(&mut self, team_id: &str, user_id: &str, role: Role, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO team_members (team_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (team_id, user_id) DO NOTHING",
            )
            .bind(team_id)
            .bind(user_id)
            .bind(role)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Locks the members `user_ids` (on PostgreSQL; SQLite has one writer) in id order, so two
    /// bookings locking overlapping sets cannot deadlock.
    pub async fn lock_users(&mut self, user_ids: &[String]) -> StoreResult<()> {
        if let Tx::Postgres(t) = self {
            let mut ids = user_ids.to_vec();
            ids.sort();
            ids.dedup();
            sqlx::query("SELECT id FROM users WHERE id = ANY($1) ORDER BY id FOR UPDATE")
                .bind(&ids)
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }

    /// Records the members attending a meeting besides its host.
    pub async fn insert_meeting_cohosts(&mut self, meeting_id: &str, user_ids: &[String]) -> StoreResult<()> {
        for (position, user_id) in user_ids.iter().enumerate() {
            on_tx!(self, |c| {
                sqlx::query("INSERT INTO meeting_hosts (meeting_id, user_id, position) VALUES ($1, $2, $3)")
                    .bind(meeting_id)
                    .bind(user_id)
                    .bind(position as i64 + 1)
                    .execute(&mut *c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        Ok(())
    }

    /// Round robin counts for an event type: per member, bookings created since `since` that are
    /// not cancelled, and when they were last given one.
    pub async fn booking_counts(&mut self, event_type_id: &str, since: i64) -> StoreResult<Vec<BookingCount>> {
        Ok(on_tx!(self, |c| {
            sqlx::query_as(
                "SELECT host_id, \
                 SUM(CASE WHEN created_at >= $2 AND status = 'scheduled' THEN 1 ELSE 0 END) AS recent, \
                 MAX(created_at) AS last_booked_at FROM meetings WHERE event_type_id = $1 GROUP BY host_id",
            )
            .bind(event_type_id)
            .bind(since)
            .fetch_all(&mut *c)
            .await
        })?)
    }
}

impl Db {
    /// The attending members of team meetings, in one query: `(meeting_id, user_id, name)`, each
    /// meeting's host first; none for meetings that are not a team's.
    pub async fn team_meetings_hosts(&self, ids: &[String]) -> StoreResult<Vec<(String, String, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let marks = marks.join(", ");
        let sql = format!(
            "SELECT m.id, u.id, u.name, 0 AS position FROM meetings m \
             JOIN event_types e ON e.id = m.event_type_id AND e.team_id IS NOT NULL \
             JOIN users u ON u.id = m.host_id WHERE m.id IN ({marks}) \
             UNION ALL SELECT h.meeting_id, u.id, u.name, h.position FROM meeting_hosts h \
             JOIN users u ON u.id = h.user_id WHERE h.meeting_id IN ({marks}) ORDER BY 1, 4"
        );
        let rows: Vec<(String, String, String, i64)> = on_db!(self, |pool| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for id in ids {
                query = query.bind(id);
            }
            query.fetch_all(pool).await
        })?;
        Ok(rows.into_iter().map(|(meeting, user, name, _)| (meeting, user, name)).collect())
    }

    /// A team's invitations not used yet and not expired, newest first.
    pub async fn open_team_invitations(&self, team_id: &str, now: i64) -> StoreResult<Vec<InvitationRow>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as(
                "SELECT email, role, expires_at FROM team_invitations WHERE team_id = $1 AND used_at IS NULL \
                 AND expires_at > $2 ORDER BY created_at DESC",
            )
            .bind(team_id)
            .bind(now)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Withdraws every open invitation of a team for `email`: their links stop working.
    pub async fn revoke_team_invitations(&self, team_id: &str, email: &str) -> StoreResult<bool> {
        let revoked = on_db!(self, |pool| {
            sqlx::query("DELETE FROM team_invitations WHERE team_id = $1 AND email = $2 AND used_at IS NULL")
                .bind(team_id)
                .bind(email)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(revoked > 0)
    }
}

/// An invitation still waiting for its sign-up.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub email: String,
    pub role: Role,
    pub expires_at: i64,
}
