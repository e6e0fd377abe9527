-- Calendar connections (product.md §7): a CalDAV account or an ICS feed of one user.
-- The secret (CalDAV app password, or the whole feed URL, which is a credential) is sealed by the
-- keyring's SecretBox, bound to the user and the field.
CREATE TABLE calendar_connections (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('caldav', 'ics')),
    account TEXT NOT NULL,              -- the CalDAV username, or the feed's host
    url TEXT,                           -- the CalDAV URL as given (never the feed URL: that is sealed)
    secret_sealed BYTEA NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('connected', 'needs_attention')),
    error_code TEXT,
    error_message TEXT,
    alerted BOOLEAN NOT NULL DEFAULT FALSE,   -- the host was mailed about the current episode
    created_at BIGINT NOT NULL,
    last_synced_at BIGINT                     -- every conflict calendar of it was read then
);
CREATE INDEX calendar_connections_user ON calendar_connections(user_id);

-- The calendars of a connection, with what the host chose for each and the cache's state.
CREATE TABLE calendars (
    id TEXT PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES calendar_connections(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    href TEXT NOT NULL,                 -- the collection's absolute URL ('' for an ICS feed)
    name TEXT NOT NULL,
    color TEXT,
    writable BOOLEAN NOT NULL,
    check_conflicts BOOLEAN NOT NULL,
    write_bookings BOOLEAN NOT NULL,
    free_busy BOOLEAN NOT NULL DEFAULT TRUE,  -- still worth asking with a free-busy-query
    change_marker TEXT,                 -- getctag / sync-token at the last full read
    cached_from BIGINT,                 -- the cache holds busy times of [cached_from, cached_until)
    cached_until BIGINT,
    synced_at BIGINT,                   -- when the cache was last confirmed current
    UNIQUE (connection_id, href)
);
CREATE INDEX calendars_user ON calendars(user_id);
-- At most one "add bookings" calendar per user.
CREATE UNIQUE INDEX calendars_one_write_per_user ON calendars(user_id) WHERE write_bookings;

-- The cache: busy times of each conflict calendar (Prospo's own events for the user's meetings
-- are never stored here).
CREATE TABLE calendar_busy (
    calendar_id TEXT NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    title TEXT
);
CREATE INDEX calendar_busy_user_start ON calendar_busy(user_id, start_at);
CREATE INDEX calendar_busy_calendar ON calendar_busy(calendar_id);

-- Write-back of one meeting into one host's "add bookings" calendar, keyed by (meeting, host) so
-- team bookings can write one event per attending member. The job of queue `calendar`
-- `write:{meeting}:{host}` brings the event in line with the meeting.
CREATE TABLE calendar_writes (
    meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    host_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    calendar_id TEXT REFERENCES calendars(id) ON DELETE SET NULL,
    href TEXT,                          -- the event's URL once written
    etag TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'written', 'failed')),
    error TEXT,
    PRIMARY KEY (meeting_id, host_id)
);

-- The `calendar` queue (syncs and write-backs) joins the jobs table's CHECK (and `webhook`, next).
ALTER TABLE jobs DROP CONSTRAINT jobs_queue_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_queue_check
    CHECK (queue IN ('zoom', 'mail', 'zoom_check', 'reminder', 'maintenance', 'calendar', 'webhook'));
