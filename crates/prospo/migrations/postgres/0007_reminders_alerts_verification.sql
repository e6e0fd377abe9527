-- Mail that is not caused by a request: reminders, and what a later mail needs to carry.

-- The invitee's manage token, sealed with the keyring (bound to the meeting), so mails written
-- later (reminders, the host's changes) can carry the manage link; lookups still use the hash.
ALTER TABLE meetings ADD COLUMN manage_token_sealed BYTEA;
-- Zoom's dial-in numbers for the meeting as JSON [{"country_name", "city", "number", "type"}].
ALTER TABLE meetings ADD COLUMN zoom_dial_in TEXT;

-- Minutes before the start at which invitees are reminded, comma-separated ('' for none).
ALTER TABLE event_types ADD COLUMN reminder_minutes TEXT NOT NULL DEFAULT '1440,60';

-- One row per reminder of a meeting. done_at is the sent mark (also set when a reminder is
-- skipped: the meeting was cancelled, or booked too late for it); a reschedule moves due_at and
-- re-arms the reminders still ahead. claimed_until leases a row to one worker across instances.
CREATE TABLE reminders (
    meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    minutes_before BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    done_at BIGINT,
    claimed_until BIGINT,
    PRIMARY KEY (meeting_id, minutes_before)
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE done_at IS NULL;

-- Email verification: accounts made before it existed count as verified.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
UPDATE users SET email_verified_at = created_at;

-- Verification links, like password reset links: only the token's hash, single use, expiring.
CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_verifications_user_id ON email_verifications(user_id);
