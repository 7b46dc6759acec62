-- 0001: chat messages and each room's sequence counter.
--
-- rooms.last_seq is the last sequence number handed out in the room. It is
-- kept apart from the messages so that numbers survive restarts and never
-- repeat, even if old messages are pruned one day.
CREATE TABLE rooms (
    name       TEXT    NOT NULL PRIMARY KEY CHECK (length(name) > 0),
    last_seq   INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    created_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- One row per stored chat line. (room, seq) is the order of a room;
-- (room, sender, client_id) makes a resent line (same client id) a duplicate
-- instead of a second message.
CREATE TABLE messages (
    room      TEXT    NOT NULL REFERENCES rooms (name),
    seq       INTEGER NOT NULL CHECK (seq > 0),
    sender    TEXT    NOT NULL CHECK (length(sender) > 0),
    client_id TEXT    NOT NULL CHECK (length(client_id) > 0),
    text      TEXT    NOT NULL,
    ts_ms     INTEGER NOT NULL,
    PRIMARY KEY (room, seq),
    UNIQUE (room, sender, client_id)
) STRICT, WITHOUT ROWID;
