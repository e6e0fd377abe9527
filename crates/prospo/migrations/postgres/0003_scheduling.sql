-- Scheduling: event types, availability, meetings with their invitees, and the durable Zoom work.

CREATE TABLE event_types (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    duration_minutes BIGINT NOT NULL,
    location TEXT NOT NULL,               -- zoom | phone | in_person | link
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
    zoom_auto_recording TEXT NOT NULL,    -- none | cloud | local
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, slug)
);

-- Weekly hours and date overrides as validated JSON: read and written whole, never queried into.
CREATE TABLE availability (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    timezone TEXT NOT NULL,
    weekly TEXT NOT NULL,
    overrides TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    event_type_id TEXT REFERENCES event_types(id) ON DELETE SET NULL,
    topic TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    buffer_before_ms BIGINT NOT NULL,     -- kept per meeting: editing the event type later does not move old buffers
    buffer_after_ms BIGINT NOT NULL,
    timezone TEXT NOT NULL,
    status TEXT NOT NULL,                 -- scheduled | cancelled
    location TEXT NOT NULL,
    location_detail TEXT,
    notes TEXT,
    manage_token_hash TEXT UNIQUE,        -- the invitee's private manage link; only its hash
    cancel_reason TEXT,
    sequence BIGINT NOT NULL DEFAULT 0,   -- rises with every change (calendar invites)
    -- The Zoom side. zoom_status: none (not a Zoom meeting) | pending | created | failed | deleted
    zoom_status TEXT NOT NULL,
    zoom_pending_change TEXT,             -- create | update | delete: what the Zoom job still has to do
    zoom_meeting_id BIGINT,
    zoom_uuid TEXT,
    zoom_join_url TEXT,
    zoom_passcode TEXT,
    zoom_reference TEXT NOT NULL,         -- short reference put in the agenda to recognise our meeting
    zoom_create_unconfirmed BOOLEAN NOT NULL DEFAULT FALSE, -- a create was sent and its answer lost
    zoom_held_until BIGINT,
    zoom_error_code TEXT,
    zoom_error_message TEXT,
    zoom_waiting_room BOOLEAN NOT NULL,
    zoom_join_before_host BOOLEAN NOT NULL,
    zoom_mute_upon_entry BOOLEAN NOT NULL,
    zoom_auto_recording TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX meetings_host_start ON meetings(host_id, start_at);

CREATE TABLE invitees (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    timezone TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX invitees_meeting ON invitees(meeting_id);

-- At most one Zoom job per meeting: it brings Zoom in line with the meeting's pending change.
-- Written in the same transaction as the change; claimed with SKIP LOCKED on PostgreSQL.
CREATE TABLE zoom_jobs (
    meeting_id TEXT PRIMARY KEY REFERENCES meetings(id) ON DELETE CASCADE,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    first_failure_at BIGINT,
    claimed_until BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX zoom_jobs_run_at ON zoom_jobs(run_at);

-- Zoom allows 100 meeting creates and updates per host user per UTC day.
CREATE TABLE zoom_daily_usage (
    zoom_user_id TEXT NOT NULL,
    day TEXT NOT NULL,                    -- YYYY-MM-DD in UTC
    used BIGINT NOT NULL,
    PRIMARY KEY (zoom_user_id, day)
);
