-- One typed lifecycle and one job runner (see the SQLite twin of this file for the reasons).
-- * CHECK constraints on every enum-like column.
-- * meetings.version guards every read-apply-write of a meeting's state.
-- * meetings.calendar_status: room for the calendar write-back.
-- * jobs: one table for all background work; it replaces zoom_jobs and the claim columns of the
--   outbox, reminders and zoom_connections (stop every instance before starting this version).

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

ALTER TABLE event_types
    ADD CONSTRAINT event_types_location CHECK (location IN ('zoom', 'phone', 'in_person', 'link')),
    ADD CONSTRAINT event_types_auto_recording CHECK (zoom_auto_recording IN ('none', 'cloud', 'local'));

ALTER TABLE meetings
    ADD COLUMN version BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN calendar_status TEXT NOT NULL DEFAULT 'none',
    ADD CONSTRAINT meetings_status CHECK (status IN ('scheduled', 'cancelled')),
    ADD CONSTRAINT meetings_location CHECK (location IN ('zoom', 'phone', 'in_person', 'link')),
    ADD CONSTRAINT meetings_zoom_status CHECK (zoom_status IN ('none', 'pending', 'created', 'failed', 'deleted')),
    ADD CONSTRAINT meetings_zoom_pending_change CHECK (zoom_pending_change IN ('create', 'update', 'delete')),
    ADD CONSTRAINT meetings_zoom_error_code CHECK (zoom_error_code IN ('connection_needs_attention', 'daily_limit',
        'meeting_in_progress', 'zoom_disconnected', 'zoom_unconfirmed', 'zoom_error', 'deleted_in_zoom')),
    ADD CONSTRAINT meetings_zoom_auto_recording CHECK (zoom_auto_recording IN ('none', 'cloud', 'local')),
    ADD CONSTRAINT meetings_calendar_status CHECK (calendar_status IN ('none', 'pending', 'written', 'failed')),
    ADD CONSTRAINT meetings_created_has_id CHECK (zoom_status <> 'created' OR zoom_meeting_id IS NOT NULL),
    ADD CONSTRAINT meetings_no_zoom_no_work CHECK (zoom_status <> 'none' OR zoom_pending_change IS NULL);
CREATE INDEX meetings_zoom_meeting ON meetings(host_id, zoom_meeting_id);

DROP INDEX zoom_connections_next_check;
ALTER TABLE zoom_connections
    DROP COLUMN next_check_at,
    DROP COLUMN check_claimed_until,
    ADD CONSTRAINT zoom_connections_status CHECK (status IN ('connected', 'needs_attention')),
    ADD CONSTRAINT zoom_connections_error_code CHECK (error_code IN ('invalid_account_id', 'invalid_credentials',
        'missing_scopes', 'zoom_user_required', 'zoom_user_not_found'));

DROP INDEX outbox_due;
ALTER TABLE outbox
    DROP COLUMN attempts,
    DROP COLUMN claimed_until,
    DROP COLUMN last_error,
    ADD COLUMN purged_at BIGINT,
    ADD CONSTRAINT outbox_kind CHECK (kind IN ('booked', 'rescheduled', 'cancelled', 'zoom_link', 'reminder',
        'alert_connection', 'alert_zoom_failed', 'alert_deleted_in_zoom', 'password_reset', 'verify_email'));
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE purged_at IS NULL;

DROP INDEX reminders_due;
ALTER TABLE reminders DROP COLUMN claimed_until;
