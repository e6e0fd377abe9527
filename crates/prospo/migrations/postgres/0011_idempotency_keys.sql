-- Idempotency-Key on the public booking route and POST /api/v1/meetings: the first answer to a key,
-- replayed to a retry with the same body. The key is stored hashed together with who sent it and
-- where; the answer (which may hold a manage link) is sealed with the keyring. Kept a day.
CREATE TABLE idempotency_keys (
    key_hash TEXT PRIMARY KEY,            -- SHA-256 of (caller, method, path, key)
    request_hash TEXT NOT NULL,           -- SHA-256 of the body
    status BIGINT,                        -- NULL while the first request is being answered
    answer_sealed BYTEA,
    created_at BIGINT NOT NULL,
    CHECK (status IS NULL OR (status BETWEEN 200 AND 499))
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
