//! Outgoing webhooks: a user's endpoints and their deliveries (not Zoom's incoming notifications,
//! which live in `webhooks`). A delivery is written in the transaction of the change it announces,
//! with its job on the `webhook` queue (subject: the delivery id).

use super::jobs::Queue;
use super::{Db, StoreResult, Tx, new_id, on_db, on_tx};
use crate::domain::text_forms::text_forms;

/// What an endpoint can be told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    BookingCreated,
    BookingRescheduled,
    BookingCancelled,
    MeetingZoomReady,
    RecordingReady,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointStatus {
    Active,
    /// Failing for three days: nothing more is sent to it.
    Paused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

text_forms! {
    EventType {
        BookingCreated => "booking.created",
        BookingRescheduled => "booking.rescheduled",
        BookingCancelled => "booking.cancelled",
        MeetingZoomReady => "meeting.zoom_ready",
        RecordingReady => "recording.ready",
    }
    EndpointStatus { Active => "active", Paused => "paused" }
    DeliveryStatus { Pending => "pending", Delivered => "delivered", Failed => "failed" }
}

impl EventType {
    /// Events about the booking itself carry the invitee's manage link.
    pub fn is_booking(self) -> bool {
        matches!(self, EventType::BookingCreated | EventType::BookingRescheduled | EventType::BookingCancelled)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EndpointRow {
    pub id: String,
    pub user_id: String,
    pub url: String,
    /// Space-separated event types (see [`EndpointRow::events`]).
    #[sqlx(rename = "events")]
    pub events_text: String,
    pub secret_sealed: Vec<u8>,
    pub status: EndpointStatus,
    pub failing_since: Option<i64>,
    pub created_at: i64,
}

impl EndpointRow {
    pub fn events(&self) -> Vec<EventType> {
        self.events_text.split(' ').filter_map(|e| e.parse().ok()).collect()
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub endpoint_id: String,
    pub event_type: EventType,
    pub event_id: String,
    /// `None` once purged.
    pub body: Option<String>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_answer: Option<String>,
    pub last_attempt_at: Option<i64>,
    pub created_at: i64,
}

/// An endpoint to write; its secret sealed already.
pub struct NewEndpoint<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub url: &'a str,
    pub events: &'a [EventType],
    pub secret_sealed: &'a [u8],
}

/// One attempt's outcome, as the delivery log shows it.
pub struct Attempt<'a> {
    pub status: DeliveryStatus,
    pub status_code: Option<i64>,
    pub answer: &'a str,
}

const ENDPOINT_COLUMNS: &str = "id, user_id, url, events, secret_sealed, status, failing_since, created_at";
const DELIVERY_COLUMNS: &str = "id, endpoint_id, event_type, event_id, body, status, attempts, last_status_code, \
     last_answer, last_attempt_at, created_at";

/// Deliveries the log shows per endpoint.
pub const DELIVERY_LOG_LENGTH: i64 = 50;

impl Db {
    pub async fn insert_webhook_endpoint(&self, endpoint: &NewEndpoint<'_>, now: i64) -> StoreResult<()> {
        let events: Vec<&str> = endpoint.events.iter().map(|e| e.as_str()).collect();
        on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO webhook_endpoints (id, user_id, url, events, secret_sealed, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'active', $6)",
            )
            .bind(endpoint.id)
            .bind(endpoint.user_id)
            .bind(endpoint.url)
            .bind(events.join(" "))
            .bind(endpoint.secret_sealed)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// A user's endpoints, oldest first.
    pub async fn webhook_endpoints_of(&self, user_id: &str) -> StoreResult<Vec<EndpointRow>> {
        let sql =
            format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE user_id = $1 ORDER BY created_at, id");
        Ok(on_db!(self, |pool| { sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(pool).await })?)
    }

    /// The endpoint, if it is this user's.
    pub async fn webhook_endpoint_of(&self, user_id: &str, id: &str) -> StoreResult<Option<EndpointRow>> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND user_id = $2");
        Ok(on_db!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(user_id).fetch_optional(pool).await
        })?)
    }

    pub async fn webhook_endpoint(&self, id: &str) -> StoreResult<Option<EndpointRow>> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1");
        Ok(on_db!(self, |pool| { sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await })?)
    }

    /// Removes the endpoint with its deliveries; their jobs find nothing and end.
    pub async fn delete_webhook_endpoint(&self, user_id: &str, id: &str) -> StoreResult<bool> {
        let deleted = on_db!(self, |pool| {
            sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(deleted == 1)
    }

    /// Replaces the endpoint's sealed secret, if it is this user's.
    pub async fn replace_webhook_secret(&self, user_id: &str, id: &str, sealed: &[u8]) -> StoreResult<bool> {
        let replaced = on_db!(self, |pool| {
            sqlx::query("UPDATE webhook_endpoints SET secret_sealed = $3 WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .bind(sealed)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(replaced == 1)
    }

    /// Every endpoint's sealed secret, by endpoint id (for `keys rotate`).
    pub async fn sealed_webhook_secrets(&self) -> StoreResult<Vec<(String, String, Vec<u8>)>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_as("SELECT id, user_id, secret_sealed FROM webhook_endpoints ORDER BY id").fetch_all(pool).await
        })?)
    }

    /// The endpoint's latest deliveries, newest first.
    pub async fn webhook_deliveries_of(&self, endpoint_id: &str) -> StoreResult<Vec<DeliveryRow>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT {DELIVERY_LOG_LENGTH}"
        );
        Ok(on_db!(self, |pool| { sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(endpoint_id).fetch_all(pool).await })?)
    }

    pub async fn webhook_delivery(&self, id: &str) -> StoreResult<Option<DeliveryRow>> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1");
        Ok(on_db!(self, |pool| { sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await })?)
    }

    /// Empties the bodies of deliveries made before `before` (they hold manage links); the log
    /// keeps the rest. Returns how many.
    pub async fn purge_webhook_bodies(&self, before: i64) -> StoreResult<u64> {
        Ok(on_db!(self, |pool| {
            sqlx::query("UPDATE webhook_deliveries SET body = NULL WHERE created_at < $1 AND body IS NOT NULL")
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?)
    }

    /// The earliest start among the user's Zoom meetings that ended in `[since, now]` with no
    /// recording announced yet, when an active endpoint of theirs awaits `recording.ready`: what
    /// the periodic check asks Zoom about. `None`: nothing to ask.
    pub async fn awaited_recordings_since(&self, user_id: &str, since: i64, now: i64) -> StoreResult<Option<i64>> {
        Ok(on_db!(self, |pool| {
            sqlx::query_scalar::<_, Option<i64>>(
                "SELECT MIN(m.start_at) FROM meetings m WHERE m.host_id = $1 AND m.zoom_meeting_id IS NOT NULL \
                 AND m.zoom_recordings_announced IS NULL AND m.status = 'scheduled' AND m.end_at >= $2 \
                 AND m.end_at <= $3 AND EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.user_id = $1 \
                 AND w.status = 'active' AND (' ' || w.events || ' ') LIKE '% recording.ready %')",
            )
            .bind(user_id)
            .bind(since)
            .bind(now)
            .fetch_one(pool)
            .await
        })?)
    }
}

impl Tx {
    /// The user's active endpoints subscribed to `event`.
    pub async fn webhook_endpoints_for(&mut self, user_id: &str, event: EventType) -> StoreResult<Vec<String>> {
        let rows: Vec<(String, String)> = on_tx!(self, |c| {
            sqlx::query_as("SELECT id, events FROM webhook_endpoints WHERE user_id = $1 AND status = 'active'")
                .bind(user_id)
                .fetch_all(&mut *c)
                .await
        })?;
        Ok(rows
            .into_iter()
            .filter(|(_, events)| events.split(' ').any(|e| e == event.as_str()))
            .map(|(id, _)| id)
            .collect())
    }

    /// Writes a delivery of `body` to the endpoint, with its job due now; returns its id.
    pub async fn insert_webhook_delivery(
        &mut self,
        endpoint_id: &str,
        event: EventType,
        event_id: &str,
        body: &str,
        now: i64,
    ) -> StoreResult<String> {
        let id = new_id();
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, endpoint_id, event_type, event_id, body, status, attempts, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6)",
            )
            .bind(&id)
            .bind(endpoint_id)
            .bind(event.as_str())
            .bind(event_id)
            .bind(body)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        self.schedule_job(Queue::Webhook, &id, now, now).await?;
        Ok(id)
    }

    /// Records one attempt of a delivery.
    pub async fn record_webhook_attempt(&mut self, id: &str, attempt: &Attempt<'_>, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_status_code = $3, \
                 last_answer = $4, last_attempt_at = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(attempt.status.as_str())
            .bind(attempt.status_code)
            .bind(attempt.answer)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Marks a delivery failed without an attempt (its endpoint is paused, or its body purged).
    pub async fn fail_webhook_delivery(&mut self, id: &str, why: &str) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE webhook_deliveries SET status = 'failed', last_answer = $2 WHERE id = $1")
                .bind(id)
                .bind(why)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Sends the delivery again (same id, same body), now.
    pub async fn redeliver_webhook(&mut self, id: &str, now: i64) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE webhook_deliveries SET status = 'pending' WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        self.schedule_job(Queue::Webhook, id, now, now).await
    }

    /// Makes a paused endpoint active again, as if it had never failed.
    pub async fn resume_webhook_endpoint(&mut self, id: &str) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE webhook_endpoints SET status = 'active', failing_since = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// The endpoint answered 2xx: it is not failing any more.
    pub async fn webhook_endpoint_answered(&mut self, id: &str) -> StoreResult<()> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// The endpoint failed an attempt: failing since its first failure in a row; paused once that
    /// is `pause_after_ms` ago. Returns whether this call paused it (so the owner is told once).
    pub async fn webhook_endpoint_failed(&mut self, id: &str, now: i64, pause_after_ms: i64) -> StoreResult<bool> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2) WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        let paused = on_tx!(self, |c| {
            sqlx::query(
                "UPDATE webhook_endpoints SET status = 'paused' WHERE id = $1 AND status = 'active' \
                 AND failing_since <= $2",
            )
            .bind(id)
            .bind(now - pause_after_ms)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(paused == 1)
    }

    /// Keeps a meeting's recording files as Zoom last told or answered them (written only when they
    /// changed). Returns true when `complete` names a recording set (Zoom's meeting-instance uuid)
    /// not announced before: it becomes ready now, once, however many reads and notifications
    /// tell of it (the conditional update decides, so two at once cannot both win).
    pub async fn keep_meeting_recordings(
        &mut self,
        meeting_id: &str,
        files_json: &str,
        complete: Option<&str>,
        now: i64,
    ) -> StoreResult<bool> {
        on_tx!(self, |c| {
            sqlx::query(
                "UPDATE meetings SET zoom_recordings = $2, zoom_recordings_at = $3 WHERE id = $1 \
                 AND (zoom_recordings IS NULL OR zoom_recordings <> $2)",
            )
            .bind(meeting_id)
            .bind(files_json)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        let Some(uuid) = complete else { return Ok(false) };
        let announced = on_tx!(self, |c| {
            sqlx::query(
                "UPDATE meetings SET zoom_recordings_announced = $2 WHERE id = $1 \
                 AND (zoom_recordings_announced IS NULL OR zoom_recordings_announced <> $2)",
            )
            .bind(meeting_id)
            .bind(uuid)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(announced == 1)
    }

    /// A team meeting's attending members, its host first, read inside the change's transaction
    /// (a new booking's co-hosts are not committed yet); empty for a personal meeting.
    pub async fn meeting_hosts_for_webhook(&mut self, meeting_id: &str) -> StoreResult<Vec<(String, String)>> {
        let rows: Vec<(String, String, i64)> = on_tx!(self, |c| {
            sqlx::query_as(
                "SELECT u.id, u.name, 0 AS position FROM meetings m \
                 JOIN event_types e ON e.id = m.event_type_id AND e.team_id IS NOT NULL \
                 JOIN users u ON u.id = m.host_id WHERE m.id = $1 \
                 UNION ALL SELECT u.id, u.name, h.position FROM meeting_hosts h \
                 JOIN users u ON u.id = h.user_id WHERE h.meeting_id = $1 ORDER BY 3",
            )
            .bind(meeting_id)
            .fetch_all(&mut *c)
            .await
        })?;
        Ok(rows.into_iter().map(|(id, name, _)| (id, name)).collect())
    }

    /// The meeting's invitees, read inside the change's transaction (a new booking's are not
    /// committed yet).
    pub async fn invitees_for_webhook(&mut self, meeting_id: &str) -> StoreResult<Vec<super::meetings::InviteeRow>> {
        Ok(on_tx!(self, |c| {
            sqlx::query_as(
                "SELECT id, meeting_id, name, email, timezone, locale FROM invitees WHERE meeting_id = $1 \
                 ORDER BY created_at, id",
            )
            .bind(meeting_id)
            .fetch_all(&mut *c)
            .await
        })?)
    }
}
