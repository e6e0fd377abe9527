-- The language an invitee booked in (product.md §10): their pages and mails stay in it. NULL for
-- invitees added by the host or booked before languages existed: they read English, or their
-- browser's language on the pages.
ALTER TABLE invitees ADD COLUMN locale TEXT CHECK (locale IN ('en', 'de', 'fr', 'es', 'pt'));
