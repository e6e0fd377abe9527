-- Outgoing webhooks for integrators (product.md §10): a user's endpoints, and one delivery per
-- event and endpoint. A delivery is written in the transaction of the change it announces; its
-- job on the `webhook` queue (subject: the delivery id) sends it until it is answered 2xx or
-- three days have passed.

-- The signing secret is sealed like every secret; it is shown once, at creation and rotation.
-- `failing_since`: the first failed attempt since the endpoint last answered 2xx; three days of
-- failures pause it (and mail its owner, once: the move to 'paused' happens once).
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    events TEXT NOT NULL,               -- space-separated event types
    secret_sealed BYTEA NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    failing_since BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_user ON webhook_endpoints(user_id);

-- `event_id` is the body's `id`: the same on every retry and redelivery, and for every endpoint
-- told of one event. `body` is NULL once purged (after 7 days, like sent mail: it holds manage
-- links). `last_answer` is a bounded excerpt of the endpoint's last answer.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_type TEXT NOT NULL CHECK (event_type IN ('booking.created', 'booking.rescheduled',
        'booking.cancelled', 'meeting.zoom_ready', 'recording.ready')),
    event_id TEXT NOT NULL,
    body TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status_code BIGINT,
    last_answer TEXT,
    last_attempt_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, created_at);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries(created_at);
