-- Teams (product.md §8): members with roles, invitations, team event types with their hosts, and
-- the members attending each team meeting.
--
-- A team event type is a row of event_types with a team_id (user_id is whoever created it), so
-- every rule and column of an event type applies to it unchanged. Its slug is unique within its
-- team, and a personal slug within its user.
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,          -- the first path segment after /team/
    created_at BIGINT NOT NULL
);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

-- An invitation for an email without an account: its sign-up link (only its hash kept) joins the
-- team once, within 7 days, and only for that email.
CREATE TABLE team_invitations (
    token_hash TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    invited_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX team_invitations_team ON team_invitations(team_id);

ALTER TABLE event_types
    ADD COLUMN team_id TEXT REFERENCES teams(id) ON DELETE CASCADE,
    ADD COLUMN scheduling TEXT NOT NULL DEFAULT 'personal'
        CHECK (scheduling IN ('personal', 'round_robin', 'collective')),
    ADD COLUMN max_per_day_per_member BIGINT,
    ADD CONSTRAINT event_types_team_scheduling CHECK ((team_id IS NULL) = (scheduling = 'personal'));
ALTER TABLE event_types DROP CONSTRAINT event_types_user_id_slug_key;
CREATE UNIQUE INDEX event_types_personal_slug ON event_types(user_id, slug) WHERE team_id IS NULL;
CREATE UNIQUE INDEX event_types_team_slug ON event_types(team_id, slug) WHERE team_id IS NOT NULL;

-- Who a team event type may book, in order (for collective, the first is the organiser), with
-- the round robin's weight.
CREATE TABLE team_event_hosts (
    event_type_id TEXT NOT NULL REFERENCES event_types(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    weight BIGINT NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 100),
    PRIMARY KEY (event_type_id, user_id)
);
CREATE INDEX team_event_hosts_user ON team_event_hosts(user_id);

-- The members attending a team meeting besides its host (meetings.host_id: the assigned member,
-- or the collective's organiser, whose Zoom account holds the meeting). Their time is busy too.
CREATE TABLE meeting_hosts (
    meeting_id TEXT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_hosts_user ON meeting_hosts(user_id);
-- Round robin counts and ties read a member's bookings of one event type.
CREATE INDEX meetings_event_type_host ON meetings(event_type_id, host_id, created_at);

-- Rises with every change of a user's busy time (their meetings, team meetings they attend, their
-- calendars' cache or choices), in the change's transaction: team slots keep each member's busy
-- times in memory and read only these to know whether they still hold (on every instance).
CREATE TABLE busy_versions (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    version BIGINT NOT NULL
);
