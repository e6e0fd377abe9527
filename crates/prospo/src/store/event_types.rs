//! Event types: what invitees can book.

use super::{Db, StoreError, StoreResult, on_db};
use crate::domain::questions::Questions;
use crate::domain::teams::Scheduling;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventTypeRow {
    pub id: String,
    /// The owner of a personal event type; whoever created a team's.
    pub user_id: String,
    /// The team of a team event type.
    pub team_id: Option<String>,
    pub scheduling: Scheduling,
    /// A team event type's limit per member and day.
    pub max_per_day_per_member: Option<i64>,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub duration_minutes: i64,
    pub location: String,
    pub location_detail: Option<String>,
    pub slot_step_minutes: i64,
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub minimum_notice_minutes: i64,
    pub booking_window_days: i64,
    pub max_per_day: Option<i64>,
    pub zoom_waiting_room: bool,
    pub zoom_join_before_host: bool,
    pub zoom_mute_upon_entry: bool,
    pub zoom_auto_recording: String,
    /// Minutes before the start at which invitees are reminded, comma-separated ('' for none).
    pub reminder_minutes: String,
    /// The booking questions (stored as JSON).
    #[sqlx(try_from = "String")]
    pub questions: Questions,
    /// Left off the public profile; its link still books.
    pub hidden: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! select_event_type {
    ($clause:literal) => {
        concat!(
            "SELECT id, user_id, team_id, scheduling, max_per_day_per_member, slug, title, description, duration_minutes, location, location_detail, \
             slot_step_minutes, buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes, \
             booking_window_days, max_per_day, zoom_waiting_room, zoom_join_before_host, zoom_mute_upon_entry, \
             zoom_auto_recording, reminder_minutes, questions, hidden, created_at, updated_at FROM event_types ",
            $clause
        )
    };
}

impl Db {
    /// Inserts or replaces (same id) an event type; `Conflict` when the user already has the slug.
    pub async fn save_event_type(&self, e: &EventTypeRow, now: i64) -> StoreResult<()> {
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO event_types (id, user_id, slug, title, description, duration_minutes, location, \
                 location_detail, slot_step_minutes, buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes, \
                 booking_window_days, max_per_day, zoom_waiting_room, zoom_join_before_host, zoom_mute_upon_entry, \
                 zoom_auto_recording, reminder_minutes, created_at, updated_at, questions, hidden, team_id, scheduling, \
                 max_per_day_per_member) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $21, $22, \
                 $23, $24, $25) \
                 ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, title = excluded.title, \
                 description = excluded.description, duration_minutes = excluded.duration_minutes, \
                 location = excluded.location, location_detail = excluded.location_detail, \
                 slot_step_minutes = excluded.slot_step_minutes, buffer_before_minutes = excluded.buffer_before_minutes, \
                 buffer_after_minutes = excluded.buffer_after_minutes, minimum_notice_minutes = excluded.minimum_notice_minutes, \
                 booking_window_days = excluded.booking_window_days, max_per_day = excluded.max_per_day, \
                 zoom_waiting_room = excluded.zoom_waiting_room, zoom_join_before_host = excluded.zoom_join_before_host, \
                 zoom_mute_upon_entry = excluded.zoom_mute_upon_entry, zoom_auto_recording = excluded.zoom_auto_recording, \
                 reminder_minutes = excluded.reminder_minutes, questions = excluded.questions, hidden = excluded.hidden, updated_at = excluded.updated_at, \
                 max_per_day_per_member = excluded.max_per_day_per_member",
            )
            .bind(&e.id)
            .bind(&e.user_id)
            .bind(&e.slug)
            .bind(&e.title)
            .bind(&e.description)
            .bind(e.duration_minutes)
            .bind(&e.location)
            .bind(&e.location_detail)
            .bind(e.slot_step_minutes)
            .bind(e.buffer_before_minutes)
            .bind(e.buffer_after_minutes)
            .bind(e.minimum_notice_minutes)
            .bind(e.booking_window_days)
            .bind(e.max_per_day)
            .bind(e.zoom_waiting_room)
            .bind(e.zoom_join_before_host)
            .bind(e.zoom_mute_upon_entry)
            .bind(&e.zoom_auto_recording)
            .bind(&e.reminder_minutes)
            .bind(now)
            .bind(e.questions.to_json())
            .bind(e.hidden)
            .bind(&e.team_id)
            .bind(e.scheduling)
            .bind(e.max_per_day_per_member)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(StoreError::from)
    }

    pub async fn event_types_of(&self, user_id: &str) -> StoreResult<Vec<EventTypeRow>> {
        const SQL: &str = select_event_type!("WHERE user_id = $1 AND team_id IS NULL ORDER BY created_at, id");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(user_id).fetch_all(pool).await)?)
    }

    pub async fn event_type_of(&self, user_id: &str, id: &str) -> StoreResult<Option<EventTypeRow>> {
        const SQL: &str = select_event_type!("WHERE user_id = $1 AND id = $2 AND team_id IS NULL");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(user_id).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn event_type_by_slug(&self, user_id: &str, slug: &str) -> StoreResult<Option<EventTypeRow>> {
        const SQL: &str = select_event_type!("WHERE user_id = $1 AND slug = $2 AND team_id IS NULL");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(user_id).bind(slug).fetch_optional(pool).await)?)
    }

    pub async fn delete_event_type(&self, user_id: &str, id: &str) -> StoreResult<bool> {
        let affected = on_db!(self, |pool| {
            sqlx::query("DELETE FROM event_types WHERE user_id = $1 AND id = $2 AND team_id IS NULL")
                .bind(user_id)
                .bind(id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(affected > 0)
    }

    /// Any event type by id, personal or a team's.
    pub async fn event_type(&self, id: &str) -> StoreResult<Option<EventTypeRow>> {
        const SQL: &str = select_event_type!("WHERE id = $1");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(id).fetch_optional(pool).await)?)
    }

    /// A team's event types, oldest first.
    pub async fn team_event_types(&self, team_id: &str) -> StoreResult<Vec<EventTypeRow>> {
        const SQL: &str = select_event_type!("WHERE team_id = $1 ORDER BY created_at, id");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(team_id).fetch_all(pool).await)?)
    }

    pub async fn team_event_type(&self, team_id: &str, id: &str) -> StoreResult<Option<EventTypeRow>> {
        const SQL: &str = select_event_type!("WHERE team_id = $1 AND id = $2");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(team_id).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn team_event_type_by_slug(&self, team_id: &str, slug: &str) -> StoreResult<Option<EventTypeRow>> {
        const SQL: &str = select_event_type!("WHERE team_id = $1 AND slug = $2");
        Ok(on_db!(self, |pool| sqlx::query_as(SQL).bind(team_id).bind(slug).fetch_optional(pool).await)?)
    }

    pub async fn delete_team_event_type(&self, team_id: &str, id: &str) -> StoreResult<bool> {
        let affected = on_db!(self, |pool| {
            sqlx::query("DELETE FROM event_types WHERE team_id = $1 AND id = $2")
                .bind(team_id)
                .bind(id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(affected > 0)
    }
}
