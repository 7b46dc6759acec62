-- 0002: room kinds, the events of the log, members, reactions, mentions and
-- read markers.
--
-- Upgrades a version-1 database in place: ALTER TABLE ... ADD COLUMN changes
-- only the schema (existing rows take the defaults without being rewritten),
-- so no line is copied, renumbered or lost, and the upgrade takes the same
-- time on a large file as on an empty one. Every v1 room becomes a public
-- room with no owner, and every v1 message a line.

-- kind: who may join (public: anyone; private and direct: members only).
-- created_by: the owner who created it; NULL for a room created by a join
-- (every v1 room). direct_key: for a direct room, its users sorted and
-- joined by "\n", so that one set of users has one room.
ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'public'
    CHECK (kind IN ('public', 'private', 'direct'));
ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN created_by TEXT CHECK (length(created_by) > 0);
ALTER TABLE rooms ADD COLUMN direct_key TEXT CHECK (length(direct_key) > 0);
CREATE UNIQUE INDEX rooms_direct_key ON rooms (direct_key) WHERE direct_key IS NOT NULL;

-- Every row of messages is an event of the room's log with its own seq.
-- kind: NULL for a line (most rows, and every v1 row: a line stores
-- nothing here), else edit, delete, react, unreact, member or topic.
-- target: the seq of the line an edit, delete, react or unreact is about.
-- subject, action, role, until_ms: a member event: action is join, leave,
-- invite, remove, ban, unban, mute, unmute or role; role is owner, admin or
-- member; until_ms is 0 for "until lifted".
-- edited_ms, deleted: a line's state; an edit replaces the line's text, a
-- delete erases it (and the edits' text) and keeps the row as a tombstone.
-- No CHECK on these columns: every CHECK runs on every insert and, in
-- PRAGMA quick_check, on every row of the largest table; one `kind IN (...)`
-- doubled the time of both. The store writes them only from its enums.
ALTER TABLE messages ADD COLUMN kind TEXT;
ALTER TABLE messages ADD COLUMN target INTEGER;
ALTER TABLE messages ADD COLUMN subject TEXT;
ALTER TABLE messages ADD COLUMN action TEXT;
ALTER TABLE messages ADD COLUMN role TEXT;
ALTER TABLE messages ADD COLUMN until_ms INTEGER;
ALTER TABLE messages ADD COLUMN edited_ms INTEGER;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
-- The events about a line (a delete erases its edits). Lines have no target,
-- so they add nothing to this index.
CREATE INDEX messages_target ON messages (room, target) WHERE target IS NOT NULL;

-- Who belongs to a room, with what role, and the sanctions in force. A row
-- stays while the user is a member or is banned or muted; is_member = 0 is a
-- ban (or mute) of someone not in the room. banned_until, muted_until: ms
-- since the Unix epoch; 0 = none; 9223372036854775807 = until lifted.
CREATE TABLE members (
    room         TEXT    NOT NULL REFERENCES rooms (name),
    user         TEXT    NOT NULL CHECK (length(user) > 0),
    role         TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    is_member    INTEGER NOT NULL DEFAULT 1 CHECK (is_member IN (0, 1)),
    banned_until INTEGER NOT NULL DEFAULT 0 CHECK (banned_until >= 0),
    muted_until  INTEGER NOT NULL DEFAULT 0 CHECK (muted_until >= 0),
    joined_ms    INTEGER NOT NULL,
    PRIMARY KEY (room, user)
) STRICT, WITHOUT ROWID;
-- The rooms of a user (identify's room list).
CREATE INDEX members_by_user ON members (user, room);

-- The current reactions to a line: one row per (user, emoji).
CREATE TABLE reactions (
    room  TEXT    NOT NULL,
    seq   INTEGER NOT NULL,
    user  TEXT    NOT NULL CHECK (length(user) > 0),
    emoji TEXT    NOT NULL CHECK (length(emoji) > 0),
    PRIMARY KEY (room, seq, emoji, user),
    FOREIGN KEY (room, seq) REFERENCES messages (room, seq)
) STRICT, WITHOUT ROWID;

-- The users a line mentions (never its own sender), by user first: a user's
-- mentions in a room after its read marker are one range.
CREATE TABLE mentions (
    user TEXT    NOT NULL CHECK (length(user) > 0),
    room TEXT    NOT NULL,
    seq  INTEGER NOT NULL,
    PRIMARY KEY (user, room, seq)
) STRICT, WITHOUT ROWID;
-- The mentions of one line (a delete or an edit replaces them).
CREATE INDEX mentions_by_line ON mentions (room, seq);

-- How far each user has read each room: the highest seq it said it read.
CREATE TABLE read_markers (
    user TEXT    NOT NULL CHECK (length(user) > 0),
    room TEXT    NOT NULL REFERENCES rooms (name),
    seq  INTEGER NOT NULL CHECK (seq >= 0),
    PRIMARY KEY (user, room)
) STRICT, WITHOUT ROWID;
