-- 0002: room kinds, the events of the log, members, reactions, mentions and
-- read markers (PostgreSQL; the same columns and meanings as
-- ../0002_chat_product.sql). "user" is a reserved word here: quoted.

ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'public'
    CHECK (kind IN ('public', 'private', 'direct'));
ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN created_by TEXT CHECK (length(created_by) > 0);
ALTER TABLE rooms ADD COLUMN direct_key TEXT CHECK (length(direct_key) > 0);
CREATE UNIQUE INDEX rooms_direct_key ON rooms (direct_key) WHERE direct_key IS NOT NULL;

-- kind: NULL for a line, else edit, delete, react, unreact, member or topic.
ALTER TABLE messages ADD COLUMN kind TEXT;
ALTER TABLE messages ADD COLUMN target BIGINT;
ALTER TABLE messages ADD COLUMN subject TEXT;
ALTER TABLE messages ADD COLUMN action TEXT;
ALTER TABLE messages ADD COLUMN role TEXT;
ALTER TABLE messages ADD COLUMN until_ms BIGINT;
ALTER TABLE messages ADD COLUMN edited_ms BIGINT;
ALTER TABLE messages ADD COLUMN deleted SMALLINT NOT NULL DEFAULT 0;
CREATE INDEX messages_target ON messages (room, target) WHERE target IS NOT NULL;

CREATE TABLE members (
    room         TEXT     NOT NULL REFERENCES rooms (name),
    "user"       TEXT     NOT NULL CHECK (length("user") > 0),
    role         TEXT     NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    is_member    SMALLINT NOT NULL DEFAULT 1 CHECK (is_member IN (0, 1)),
    banned_until BIGINT   NOT NULL DEFAULT 0 CHECK (banned_until >= 0),
    muted_until  BIGINT   NOT NULL DEFAULT 0 CHECK (muted_until >= 0),
    joined_ms    BIGINT   NOT NULL,
    PRIMARY KEY (room, "user")
);
CREATE INDEX members_by_user ON members ("user", room);

CREATE TABLE reactions (
    room  TEXT   NOT NULL,
    seq   BIGINT NOT NULL,
    "user" TEXT  NOT NULL CHECK (length("user") > 0),
    emoji TEXT   NOT NULL CHECK (length(emoji) > 0),
    PRIMARY KEY (room, seq, emoji, "user"),
    FOREIGN KEY (room, seq) REFERENCES messages (room, seq)
);

CREATE TABLE mentions (
    "user" TEXT   NOT NULL CHECK (length("user") > 0),
    room   TEXT   NOT NULL,
    seq    BIGINT NOT NULL,
    PRIMARY KEY ("user", room, seq)
);
CREATE INDEX mentions_by_line ON mentions (room, seq);

CREATE TABLE read_markers (
    "user" TEXT   NOT NULL CHECK (length("user") > 0),
    room   TEXT   NOT NULL REFERENCES rooms (name),
    seq    BIGINT NOT NULL CHECK (seq >= 0),
    PRIMARY KEY ("user", room)
);
