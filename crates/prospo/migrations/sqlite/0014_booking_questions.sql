-- Booking questions (product.md §10). An event type's questions, as a JSON array
-- [{"id", "label", "kind", "required", "options"?}] in the order the booking page asks them;
-- kept beside the event type because it is always read and written with it.
ALTER TABLE event_types ADD COLUMN questions TEXT NOT NULL DEFAULT '[]';
-- A booking's answers, as a JSON array [{"question_id", "label", "value"}] in question order. The
-- labels are copied when booking, so later edits of the event type leave old answers as they were.
ALTER TABLE meetings ADD COLUMN answers TEXT NOT NULL DEFAULT '[]';
