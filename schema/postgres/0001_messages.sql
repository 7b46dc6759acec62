-- 0001: chat messages and each room's sequence counter (PostgreSQL; the
-- same tables as ../0001_messages.sql).
--
-- rooms.last_seq is the last sequence number handed out in the room. Every
-- node that appends to a room locks its row (SELECT ... FOR UPDATE) for the
-- length of its transaction, so seqs stay gapless and ordered however many
-- nodes write the room.
CREATE TABLE rooms (
    name       TEXT   NOT NULL PRIMARY KEY CHECK (length(name) > 0),
    last_seq   BIGINT NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    created_ms BIGINT NOT NULL
);

-- One row per stored event. (room, seq) is the order of a room;
-- (room, sender, client_id) makes a resent line a duplicate.
CREATE TABLE messages (
    room      TEXT   NOT NULL REFERENCES rooms (name),
    seq       BIGINT NOT NULL CHECK (seq > 0),
    sender    TEXT   NOT NULL CHECK (length(sender) > 0),
    client_id TEXT   NOT NULL CHECK (length(client_id) > 0),
    text      TEXT   NOT NULL,
    ts_ms     BIGINT NOT NULL,
    PRIMARY KEY (room, seq),
    UNIQUE (room, sender, client_id)
);
