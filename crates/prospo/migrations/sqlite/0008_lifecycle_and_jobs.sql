-- no-transaction
-- One typed lifecycle and one job runner.
--
-- * Every enum-like column gets a CHECK, so no code path can write a state that has no name.
--   SQLite adds constraints only by rebuilding a table: each rebuilt table is created anew, filled,
--   and renamed over the old one, with foreign keys off so that dropping the old table does not
--   cascade (https://www.sqlite.org/lang_altertable.html#otheralter); hence no sqlx transaction
--   around this file, and one of our own.
-- * meetings.version: every state change is a read, the pure transition, and a write guarded by
--   this version, so racing changes are applied one after the other.
-- * meetings.calendar_status: room for the calendar write-back (product.md §7).
-- * jobs: one table for all background work (Zoom work, mail, health checks, reminders), claimed,
--   leased, retried and failed the same way. It replaces zoom_jobs and the claim columns of the
--   outbox, reminders and zoom_connections, which are dropped here (stop every instance before
--   starting this version: an older one would keep claiming from what is gone).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

-- Work that a race left pending without a job (a booking committed between the two statements
-- of the old disconnect) is queued again; work that stopped for good keeps its change for Retry.
UPDATE meetings SET zoom_pending_change = CASE
        WHEN status = 'cancelled' THEN 'delete'
        WHEN zoom_meeting_id IS NULL THEN 'create'
        ELSE 'update' END
    WHERE zoom_status = 'failed' AND zoom_pending_change IS NULL;
UPDATE meetings SET zoom_pending_change = 'create'
    WHERE zoom_status = 'pending' AND zoom_pending_change IS NULL AND status = 'scheduled';
UPDATE meetings SET zoom_status = 'deleted'
    WHERE zoom_status = 'pending' AND zoom_pending_change IS NULL;

CREATE TABLE jobs (
    queue TEXT NOT NULL CHECK (queue IN ('zoom', 'mail', 'zoom_check', 'reminder', 'maintenance')),
    subject TEXT NOT NULL,                -- what the job is about: a meeting, a mail, a connection, a reminder
    run_at BIGINT NOT NULL,               -- due from then
    attempts BIGINT NOT NULL DEFAULT 0,   -- failed attempts since the last success
    first_failure_at BIGINT,
    claim TEXT,                           -- the claim of the worker running it ...
    claimed_until BIGINT,                 -- ... until then; after that another instance may take it
    failed_at BIGINT,                     -- failed for good (out of attempts, or refused): not run again
    last_error TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (queue, subject)
);
CREATE INDEX jobs_due ON jobs (queue, run_at) WHERE failed_at IS NULL;

INSERT INTO jobs (queue, subject, run_at, attempts, first_failure_at, created_at)
    SELECT 'zoom', meeting_id, run_at, attempts, first_failure_at, created_at FROM zoom_jobs;
INSERT INTO jobs (queue, subject, run_at, attempts, failed_at, last_error, created_at)
    SELECT 'zoom', id, updated_at, 0,
           CASE WHEN zoom_error_code IN ('zoom_disconnected', 'zoom_unconfirmed', 'zoom_error') THEN updated_at END,
           CASE WHEN zoom_error_code IN ('zoom_disconnected', 'zoom_unconfirmed', 'zoom_error') THEN zoom_error_code END,
           updated_at
    FROM meetings WHERE zoom_pending_change IS NOT NULL AND id NOT IN (SELECT meeting_id FROM zoom_jobs);
INSERT INTO jobs (queue, subject, run_at, attempts, last_error, created_at)
    SELECT 'mail', id, send_after, attempts, last_error, created_at FROM outbox WHERE sent_at IS NULL;
INSERT INTO jobs (queue, subject, run_at, created_at)
    SELECT 'reminder', meeting_id || ':' || minutes_before, due_at, due_at FROM reminders WHERE done_at IS NULL;
INSERT INTO jobs (queue, subject, run_at, created_at)
    SELECT 'zoom_check', id, next_check_at, connected_at FROM zoom_connections;
DROP TABLE zoom_jobs;

CREATE TABLE event_types_new (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    duration_minutes BIGINT NOT NULL,
    location TEXT NOT NULL CHECK (location IN ('zoom', 'phone', 'in_person', 'link')),
    location_detail TEXT,
    slot_step_minutes BIGINT NOT NULL,
    buffer_before_minutes BIGINT NOT NULL,
    buffer_after_minutes BIGINT NOT NULL,
    minimum_notice_minutes BIGINT NOT NULL,
    booking_window_days BIGINT NOT NULL,
    max_per_day BIGINT,
    zoom_waiting_room BOOLEAN NOT NULL,
    zoom_join_before_host BOOLEAN NOT NULL,
    zoom_mute_upon_entry BOOLEAN NOT NULL,
    zoom_auto_recording TEXT NOT NULL CHECK (zoom_auto_recording IN ('none', 'cloud', 'local')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    reminder_minutes TEXT NOT NULL DEFAULT '1440,60',
    UNIQUE (user_id, slug)
);
INSERT INTO event_types_new (id, user_id, slug, title, description, duration_minutes, location, location_detail,
        slot_step_minutes, buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes, booking_window_days,
        max_per_day, zoom_waiting_room, zoom_join_before_host, zoom_mute_upon_entry, zoom_auto_recording, created_at,
        updated_at, reminder_minutes)
    SELECT id, user_id, slug, title, description, duration_minutes, location, location_detail, slot_step_minutes,
        buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes, booking_window_days, max_per_day,
        zoom_waiting_room, zoom_join_before_host, zoom_mute_upon_entry, zoom_auto_recording, created_at, updated_at,
        reminder_minutes
    FROM event_types;
DROP TABLE event_types;
ALTER TABLE event_types_new RENAME TO event_types;

CREATE TABLE meetings_new (
    id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    event_type_id TEXT REFERENCES event_types(id) ON DELETE SET NULL,
    topic TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    buffer_before_ms BIGINT NOT NULL,
    buffer_after_ms BIGINT NOT NULL,
    timezone TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    location TEXT NOT NULL CHECK (location IN ('zoom', 'phone', 'in_person', 'link')),
    location_detail TEXT,
    notes TEXT,
    manage_token_hash TEXT UNIQUE,
    cancel_reason TEXT,
    sequence BIGINT NOT NULL DEFAULT 0,   -- the invitation's SEQUENCE: rises with every change invitees are told
    version BIGINT NOT NULL DEFAULT 0,    -- rises with every write of the state: guards read-apply-write
    zoom_status TEXT NOT NULL CHECK (zoom_status IN ('none', 'pending', 'created', 'failed', 'deleted')),
    zoom_pending_change TEXT CHECK (zoom_pending_change IN ('create', 'update', 'delete')),
    zoom_meeting_id BIGINT,
    zoom_uuid TEXT,
    zoom_join_url TEXT,
    zoom_passcode TEXT,
    zoom_reference TEXT NOT NULL,
    zoom_create_unconfirmed BOOLEAN NOT NULL DEFAULT FALSE,
    zoom_held_until BIGINT,
    zoom_error_code TEXT CHECK (zoom_error_code IN ('connection_needs_attention', 'daily_limit', 'meeting_in_progress',
        'zoom_disconnected', 'zoom_unconfirmed', 'zoom_error', 'deleted_in_zoom')),
    zoom_error_message TEXT,
    zoom_waiting_room BOOLEAN NOT NULL,
    zoom_join_before_host BOOLEAN NOT NULL,
    zoom_mute_upon_entry BOOLEAN NOT NULL,
    zoom_auto_recording TEXT NOT NULL CHECK (zoom_auto_recording IN ('none', 'cloud', 'local')),
    calendar_status TEXT NOT NULL DEFAULT 'none' CHECK (calendar_status IN ('none', 'pending', 'written', 'failed')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    zoom_recordings TEXT,
    zoom_recordings_at BIGINT,
    manage_token_sealed BLOB,
    zoom_dial_in TEXT,
    CHECK (zoom_status <> 'created' OR zoom_meeting_id IS NOT NULL),
    CHECK (zoom_status <> 'none' OR zoom_pending_change IS NULL)
);
INSERT INTO meetings_new (id, host_id, event_type_id, topic, start_at, end_at, buffer_before_ms, buffer_after_ms,
        timezone, status, location, location_detail, notes, manage_token_hash, cancel_reason, sequence, zoom_status,
        zoom_pending_change, zoom_meeting_id, zoom_uuid, zoom_join_url, zoom_passcode, zoom_reference,
        zoom_create_unconfirmed, zoom_held_until, zoom_error_code, zoom_error_message, zoom_waiting_room,
        zoom_join_before_host, zoom_mute_upon_entry, zoom_auto_recording, created_at, updated_at, zoom_recordings,
        zoom_recordings_at, manage_token_sealed, zoom_dial_in)
    SELECT id, host_id, event_type_id, topic, start_at, end_at, buffer_before_ms, buffer_after_ms, timezone, status,
        location, location_detail, notes, manage_token_hash, cancel_reason, sequence, zoom_status, zoom_pending_change,
        zoom_meeting_id, zoom_uuid, zoom_join_url, zoom_passcode, zoom_reference, zoom_create_unconfirmed,
        zoom_held_until, zoom_error_code, zoom_error_message, zoom_waiting_room, zoom_join_before_host,
        zoom_mute_upon_entry, zoom_auto_recording, created_at, updated_at, zoom_recordings, zoom_recordings_at,
        manage_token_sealed, zoom_dial_in
    FROM meetings;
DROP TABLE meetings;
ALTER TABLE meetings_new RENAME TO meetings;
CREATE INDEX meetings_host_start ON meetings(host_id, start_at);
CREATE INDEX meetings_zoom_meeting ON meetings(host_id, zoom_meeting_id);

CREATE TABLE zoom_connections_new (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed BLOB NOT NULL,
    webhook_secret_sealed BLOB,
    zoom_user_requested TEXT,
    zoom_user_id TEXT NOT NULL,
    zoom_email TEXT NOT NULL,
    zoom_name TEXT,
    granted_scopes TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('connected', 'needs_attention')),
    error_code TEXT CHECK (error_code IN ('invalid_account_id', 'invalid_credentials', 'missing_scopes',
        'zoom_user_required', 'zoom_user_not_found')),
    error_message TEXT,
    connected_at BIGINT NOT NULL,
    last_checked_at BIGINT
);
INSERT INTO zoom_connections_new (id, user_id, account_id, client_id, client_secret_sealed, webhook_secret_sealed,
        zoom_user_requested, zoom_user_id, zoom_email, zoom_name, granted_scopes, status, error_code, error_message,
        connected_at, last_checked_at)
    SELECT id, user_id, account_id, client_id, client_secret_sealed, webhook_secret_sealed, zoom_user_requested,
        zoom_user_id, zoom_email, zoom_name, granted_scopes, status, error_code, error_message, connected_at,
        last_checked_at
    FROM zoom_connections;
DROP TABLE zoom_connections;
ALTER TABLE zoom_connections_new RENAME TO zoom_connections;

CREATE TABLE outbox_new (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('booked', 'rescheduled', 'cancelled', 'zoom_link', 'reminder',
        'alert_connection', 'alert_zoom_failed', 'alert_deleted_in_zoom', 'password_reset', 'verify_email')),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,              -- emptied 7 days after sending (it holds reset and manage links)
    html_body TEXT NOT NULL,
    ics BLOB,
    created_at BIGINT NOT NULL,
    send_after BIGINT NOT NULL,
    sent_at BIGINT,
    purged_at BIGINT                      -- when the bodies were emptied
);
INSERT INTO outbox_new (id, kind, recipient, subject, text_body, html_body, ics, created_at, send_after, sent_at)
    SELECT id, kind, recipient, subject, text_body, html_body, ics, created_at, send_after, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE purged_at IS NULL;

DROP INDEX reminders_due;
ALTER TABLE reminders DROP COLUMN claimed_until;

PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
