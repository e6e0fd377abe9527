-- The durable outbox: every mail is written in the same transaction as the change that causes it,
-- and a worker sends it later with retries. sent_at is the sent mark: a row that has it is never
-- sent again; claimed_until leases a row to one sender across instances.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,                   -- booked, rescheduled, cancelled, zoom_link, password_reset
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    ics BLOB,                            -- the calendar attachment, when the mail has one
    created_at BIGINT NOT NULL,
    send_after BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT,
    claimed_until BIGINT,
    last_error TEXT
);

CREATE INDEX outbox_due ON outbox (send_after) WHERE sent_at IS NULL;
