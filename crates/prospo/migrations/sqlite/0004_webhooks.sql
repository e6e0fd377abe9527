-- Zoom event notifications: what was handled (so a redelivery changes nothing), and the recording
-- files the last recording.completed brought, shown on the meeting without asking Zoom.
CREATE TABLE zoom_webhook_deliveries (
    connection_id TEXT NOT NULL REFERENCES zoom_connections(id) ON DELETE CASCADE,
    dedup_key TEXT NOT NULL,              -- x-zm-request-id, else event + object + timestamp
    event TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (connection_id, dedup_key)
);

ALTER TABLE meetings ADD COLUMN zoom_recordings TEXT;          -- JSON list of FILE
ALTER TABLE meetings ADD COLUMN zoom_recordings_at BIGINT;
