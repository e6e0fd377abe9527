-- The recording set (Zoom's meeting-instance uuid) whose completion was announced as
-- `recording.ready`: whether Prospo learns of it by Zoom's notification or by reading it, it is
-- announced once. NULL until a complete set was seen.
ALTER TABLE meetings ADD COLUMN zoom_recordings_announced TEXT;
