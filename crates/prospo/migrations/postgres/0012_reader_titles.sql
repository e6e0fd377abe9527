-- A booked meeting keeps its event type's title, so that each reader's mail names the other party:
-- the invitee reads "Intro call with HOST", the host "Intro call with INVITEE" (the topic).
-- NULL for meetings a host makes directly (their topic names no one).
ALTER TABLE meetings ADD COLUMN booked_title TEXT;
UPDATE meetings SET booked_title = (SELECT e.title FROM event_types e WHERE e.id = meetings.event_type_id)
WHERE event_type_id IS NOT NULL;
-- Invitee mails answer to the host.
ALTER TABLE outbox ADD COLUMN reply_to TEXT;
