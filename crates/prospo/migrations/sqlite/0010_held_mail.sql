-- Mails a host's action causes to other people: counted per host and UTC day (at most 200), and,
-- while the host's email is unconfirmed, the invitations of meetings made directly wait here
-- (held, with no job) until the host confirms.
ALTER TABLE outbox ADD COLUMN meeting_id TEXT;
ALTER TABLE outbox ADD COLUMN caused_by TEXT;
ALTER TABLE outbox ADD COLUMN held BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX outbox_caused_by ON outbox (caused_by, created_at) WHERE caused_by IS NOT NULL;
CREATE INDEX outbox_held ON outbox (meeting_id) WHERE held;

ALTER TABLE meetings ADD COLUMN invitations_held BOOLEAN NOT NULL DEFAULT FALSE;
