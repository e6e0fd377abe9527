-- The public profile (product.md §10): a short bio, the language invitees' pages default to, the
-- sites allowed to embed the host's booking pages, and a photo.
ALTER TABLE users ADD COLUMN bio TEXT;
ALTER TABLE users ADD COLUMN locale TEXT CHECK (locale IN ('en', 'de', 'fr', 'es', 'pt'));
-- Exact origins ("https://host[:port]") as a JSON array, read and written whole.
ALTER TABLE users ADD COLUMN embed_origins TEXT NOT NULL DEFAULT '[]';

-- The photo as served: already resized and re-encoded (never the upload itself), one per user.
-- `version` (a hash of the bytes) is part of its URL, so a new photo shows at once while each
-- version may be cached for good.
CREATE TABLE profile_photos (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Hidden event types are left off the public profile; their links still book.
ALTER TABLE event_types ADD COLUMN hidden BOOLEAN NOT NULL DEFAULT FALSE;
