-- p2pchat database schema. This file is embedded into the binary and run on
-- a new database; store.c migrates older databases forward and sets
-- PRAGMA user_version to the version below.
-- schema-version: 9

-- This node's long-term keys (one row).
CREATE TABLE identity (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	ed_pk		BLOB NOT NULL CHECK (length(ed_pk) = 32),
	ed_sk		BLOB NOT NULL CHECK (length(ed_sk) = 64),
	x_pk		BLOB NOT NULL CHECK (length(x_pk) = 32),
	x_sk		BLOB NOT NULL CHECK (length(x_sk) = 32),
	created		INTEGER NOT NULL
);

-- Every peer ever authenticated: its key (the identity), nick and trust.
-- trust: 0 unverified, 1 verified, 2 blocked.
-- conflict: 1 when this key answered at an address the user dialled,
-- where another key is pinned (schema 7; before, a nick clash).
-- contact: 1 once the user dialled it, accepted it, wrote to it or
-- verified it (schema 7). name: the user's local name for it, '' for none.
-- request: when its contact request began (Unix ms), 0 for none;
-- request_addr: the address it came from.
CREATE TABLE peers (
	id		INTEGER PRIMARY KEY,
	peer_id		BLOB NOT NULL UNIQUE CHECK (length(peer_id) = 32),
	nick		TEXT NOT NULL DEFAULT '',
	trust		INTEGER NOT NULL DEFAULT 0,
	conflict	INTEGER NOT NULL DEFAULT 0,
	first_seen	INTEGER NOT NULL,
	last_seen	INTEGER NOT NULL,
	contact		INTEGER NOT NULL DEFAULT 0,
	name		TEXT NOT NULL DEFAULT '',
	request		INTEGER NOT NULL DEFAULT 0,
	request_addr	TEXT NOT NULL DEFAULT ''
);
CREATE INDEX peers_nick ON peers (nick);

-- The address book. peer is NULL until a session there authenticates;
-- claimed is the peer id a peer exchange gave for the address (schema 2).
-- source: 0 typed or configured, 1 peer exchange, 2 LAN discovery.
-- pin: the key that first answered at an address the user gave (schema 7).
CREATE TABLE addresses (
	id		INTEGER PRIMARY KEY,
	peer		INTEGER REFERENCES peers (id) ON DELETE CASCADE,
	host		TEXT NOT NULL,
	port		INTEGER NOT NULL,
	source		INTEGER NOT NULL DEFAULT 0,
	added		INTEGER NOT NULL,
	last_ok		INTEGER NOT NULL DEFAULT 0,
	last_try	INTEGER NOT NULL DEFAULT 0,
	failures	INTEGER NOT NULL DEFAULT 0,
	claimed		BLOB,
	pin		INTEGER REFERENCES peers (id) ON DELETE SET NULL,
	UNIQUE (host, port)
);

-- A conversation is with one peer or in one room.
-- shown: 0 once the user closed its window (/close), until a message comes
-- (schema 7).
-- last_read: messages.id of the last message the user has seen; unread:
-- messages received since, kept with each commit that stores some
-- (schema 4; counting them at start took an index on every message).
CREATE TABLE conversations (
	id		INTEGER PRIMARY KEY,
	peer		INTEGER UNIQUE REFERENCES peers (id) ON DELETE CASCADE,
	room		TEXT UNIQUE,
	room_secret	TEXT,
	joined		INTEGER NOT NULL DEFAULT 1,
	last_read	INTEGER NOT NULL DEFAULT 0,
	unread		INTEGER NOT NULL DEFAULT 0,
	shown		INTEGER NOT NULL DEFAULT 1,
	CHECK ((peer IS NULL) != (room IS NULL))
);

-- Messages, both ways. msgid is the 16-byte id on the wire.
-- state: 2 delivered (outgoing), 3 received (incoming); an outgoing
-- message not yet delivered has a row in outbox, whose state counts.
-- ts is the author's sent_at (Unix ms); stored the local time stored.
-- nick: what the author called itself when it arrived (schema 7), so that
-- old lines keep the nick they were written under; NULL for our own.
-- A message is the same message when its conversation, sent_at and id
-- match: keying the uniqueness on ts first keeps new keys at the end of
-- the index (ids are random), so a batch of inserts touches a few index
-- pages instead of one per message (schema 3). The same index serves
-- history pages, in (ts, id) order: SQLite sorts only the rows of one
-- millisecond by id (schema 4 dropped the index on (conv, ts, id)).
CREATE TABLE messages (
	id		INTEGER PRIMARY KEY,
	conv		INTEGER NOT NULL REFERENCES conversations (id)
			    ON DELETE CASCADE,
	msgid		BLOB NOT NULL CHECK (length(msgid) = 16),
	author		BLOB NOT NULL CHECK (length(author) = 32),
	outgoing	INTEGER NOT NULL,
	state		INTEGER NOT NULL,
	ts		INTEGER NOT NULL,
	stored		INTEGER NOT NULL,
	body		TEXT NOT NULL,
	nick		TEXT,
	UNIQUE (conv, ts, msgid)
);
-- The outbox (schema 5): outgoing messages not yet delivered, in order,
-- with their state: 0 pending, 1 sent. Small: only messages in flight are
-- in it. Delivery deletes the row here; the message's own row was stored
-- as delivered and is not written again (rewriting it and an index entry
-- on every ACK took a sixth of a sender's time in a burst). An ACK finds
-- its row through a map in memory of the outbox rows the node has stored
-- or read (after a restart, through a scan of this table, which has no
-- index but its row ids). id is the message's row id; there is no foreign
-- key (checking it cost every message a lookup): nothing deletes messages,
-- and whatever does must delete their outbox rows with them.
CREATE TABLE outbox (
	id		INTEGER PRIMARY KEY,
	conv		INTEGER NOT NULL,
	state		INTEGER NOT NULL
);

-- Full-text index of message bodies. New rows are indexed in batches, in
-- the background soon after they are stored and before every search
-- (store_index); fts_state.indexed is the last messages.id indexed, moved
-- in the same transaction. Deletes and edits of indexed rows are kept in
-- step by triggers (schema 2).
CREATE VIRTUAL TABLE messages_fts USING fts5 (body, content = 'messages',
    content_rowid = 'id');
CREATE TABLE fts_state (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	indexed		INTEGER NOT NULL
);
INSERT INTO fts_state (id, indexed) VALUES (1, 0);
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
    WHEN old.id <= (SELECT indexed FROM fts_state) BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, body)
	    VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages
    WHEN old.id <= (SELECT indexed FROM fts_state) BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, body)
	    VALUES ('delete', old.id, old.body);
	INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;

-- Room messages as they travelled (signed, sealed with the room key), kept
-- by members to answer ROOM_SYNC (schema 2).
CREATE TABLE room_log (
	id		INTEGER PRIMARY KEY,
	room_id		BLOB NOT NULL CHECK (length(room_id) = 32),
	msgid		BLOB NOT NULL CHECK (length(msgid) = 16),
	ts		INTEGER NOT NULL,
	record		BLOB NOT NULL,
	UNIQUE (room_id, msgid)
);
CREATE INDEX room_log_ts ON room_log (room_id, ts);

-- Room posts by author and sequence number, kept by members to answer
-- ROOM_MARKS and ROOM_IWANT (schema 9); kind 0 text, 1 join, 2 part.
CREATE TABLE room_posts (
	room_id		BLOB NOT NULL CHECK (length(room_id) = 32),
	author		BLOB NOT NULL CHECK (length(author) = 32),
	seq		INTEGER NOT NULL,
	sent_at		INTEGER NOT NULL,
	kind		INTEGER NOT NULL,
	record		BLOB NOT NULL,
	PRIMARY KEY (room_id, author, seq)
) WITHOUT ROWID;

-- Sealed direct messages (kind 0) and end-to-end ACKs (kind 1) held for a
-- peer that is away, to hand over when it connects (schema 2). recipient
-- is the peer it is held for (a message's recipient, an ACK's author);
-- author, addr and net say who brought it, for the bounds: the message's
-- author, whose session it came on, that session's remote address and
-- its /24 or /48 (schema 6). An ACK takes the row of the message it
-- acknowledges, and keeps these.
CREATE TABLE relay (
	id		INTEGER PRIMARY KEY,
	recipient	BLOB NOT NULL CHECK (length(recipient) = 32),
	author		BLOB NOT NULL CHECK (length(author) = 32),
	msgid		BLOB NOT NULL CHECK (length(msgid) = 16),
	kind		INTEGER NOT NULL,
	expires		INTEGER NOT NULL,
	record		BLOB NOT NULL,
	addr		TEXT NOT NULL DEFAULT '',
	net		TEXT NOT NULL DEFAULT '',
	UNIQUE (recipient, msgid, kind)
);
CREATE INDEX relay_recipient ON relay (recipient, id);
CREATE INDEX relay_author ON relay (author);
CREATE INDEX relay_addr ON relay (addr);
CREATE INDEX relay_net ON relay (net);

-- The DHT's routing table and good nodes (schema 8): the node id, the
-- compact IPv4 address and port (4 + 2 bytes, network order) and when it
-- was last heard from (ms since the epoch). A restart joins through them.
CREATE TABLE dht_nodes (
	id		BLOB PRIMARY KEY CHECK (length(id) = 20),
	addr		BLOB NOT NULL CHECK (length(addr) = 6),
	seen		INTEGER NOT NULL
);
