/*
 * store.c: the SQLite database: identity, peers, addresses, conversations and
 * messages, in one file per profile.
 *
 * WAL mode, foreign keys on. A COMMIT writes the log; with [store] sync =
 * full sync.c then flushes it to disk (in a thread under load, on the loop
 * when the disk is quiet), and checkpoints run in a thread, so a busy loop
 * does not wait for the disk. The schema
 * (data/schema.sql) is embedded at build time; PRAGMA user_version says
 * which version a file holds and older files are migrated forward. A file
 * that is not a database, or is from a newer p2pchat, is refused and left
 * untouched. Statements are prepared once.
 */

#include "p2pchat.h"

#include <sqlite3.h>

extern const char	 store_schema_sql[];

/* The triggers that keep the full-text index in step (schema 2 on). */
#define STORE_FTS_TRIGGERS						\
	"CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages "	\
	"WHEN old.id <= (SELECT indexed FROM fts_state) BEGIN "		\
	"INSERT INTO messages_fts (messages_fts, rowid, body) "		\
	"VALUES ('delete', old.id, old.body); END;"			\
	"CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON "	\
	"messages WHEN old.id <= (SELECT indexed FROM fts_state) BEGIN "	\
	"INSERT INTO messages_fts (messages_fts, rowid, body) "		\
	"VALUES ('delete', old.id, old.body); "				\
	"INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body); "\
	"END;"

/* Migrations from version N to N + 1, indexed by N. */
static const char	*store_migrations[] = {
	NULL,		/* 0: a new file gets the whole schema instead */
	/* 1 to 2: claimed ids in the address book, room log, relay. */
	"ALTER TABLE addresses ADD COLUMN claimed BLOB;"
	"CREATE TABLE room_log (id INTEGER PRIMARY KEY, room_id BLOB NOT NULL"
	" CHECK (length(room_id) = 32), msgid BLOB NOT NULL CHECK "
	"(length(msgid) = 16), ts INTEGER NOT NULL, record BLOB NOT NULL, "
	"UNIQUE (room_id, msgid));"
	"CREATE INDEX room_log_ts ON room_log (room_id, ts);"
	"CREATE TABLE relay (id INTEGER PRIMARY KEY, recipient BLOB NOT NULL "
	"CHECK (length(recipient) = 32), author BLOB NOT NULL CHECK "
	"(length(author) = 32), msgid BLOB NOT NULL CHECK (length(msgid) = "
	"16), kind INTEGER NOT NULL, expires INTEGER NOT NULL, record BLOB "
	"NOT NULL, UNIQUE (recipient, msgid, kind));"
	"CREATE INDEX relay_recipient ON relay (recipient, id);"
	"CREATE INDEX relay_author ON relay (author);"
	"DROP TRIGGER IF EXISTS messages_fts_insert;"
	"CREATE INDEX messages_conv_id ON messages (conv, id);"
	"CREATE TABLE fts_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
	"indexed INTEGER NOT NULL);"
	"INSERT INTO fts_state SELECT 1, coalesce(max(id), 0) FROM messages;"
	"DROP TRIGGER IF EXISTS messages_fts_delete;"
	"DROP TRIGGER IF EXISTS messages_fts_update;"
	STORE_FTS_TRIGGERS,
	/*
	 * 2 to 3: messages unique on (conv, ts, msgid) instead of (conv,
	 * msgid), so that new keys go at the end. SQLite cannot change a
	 * table's constraint, so the table is built again, keeping row ids
	 * (the full-text index refers to them).
	 */
	"CREATE TABLE messages_new (id INTEGER PRIMARY KEY, conv INTEGER NOT "
	"NULL REFERENCES conversations (id) ON DELETE CASCADE, msgid BLOB NOT "
	"NULL CHECK (length(msgid) = 16), author BLOB NOT NULL CHECK "
	"(length(author) = 32), outgoing INTEGER NOT NULL, state INTEGER NOT "
	"NULL, ts INTEGER NOT NULL, stored INTEGER NOT NULL, body TEXT NOT "
	"NULL, UNIQUE (conv, ts, msgid));"
	"INSERT INTO messages_new SELECT id, conv, msgid, author, outgoing, "
	"state, ts, stored, body FROM messages ORDER BY id;"
	"DROP TRIGGER messages_fts_delete;"
	"DROP TRIGGER messages_fts_update;"
	"DROP TABLE messages;"
	"ALTER TABLE messages_new RENAME TO messages;"
	"CREATE INDEX messages_page ON messages (conv, ts, id);"
	"CREATE INDEX messages_outbox ON messages (conv, id) WHERE state < 2;"
	"CREATE INDEX messages_conv_id ON messages (conv, id);"
	STORE_FTS_TRIGGERS,
	/*
	 * 3 to 4: two fewer indexes to keep up on every message. Pages are
	 * read through the unique key (conv, ts, msgid), sorting rows of the
	 * same millisecond by row id; the unread count is kept in the
	 * conversation instead of counted at start.
	 */
	"ALTER TABLE conversations ADD COLUMN unread INTEGER NOT NULL "
	"DEFAULT 0;"
	"UPDATE conversations SET unread = (SELECT count(*) FROM messages "
	"INDEXED BY messages_conv_id WHERE conv = conversations.id AND "
	"id > conversations.last_read AND outgoing = 0);"
	"DROP INDEX messages_page;"
	"DROP INDEX messages_conv_id;",
	/*
	 * 4 to 5: messages not yet delivered in a table of their own, so
	 * that delivery deletes a small row instead of rewriting the message
	 * and its entry in a partial index.
	 */
	"CREATE TABLE outbox (id INTEGER PRIMARY KEY, conv INTEGER NOT NULL, "
	"state INTEGER NOT NULL);"
	"INSERT INTO outbox SELECT id, conv, state FROM messages INDEXED BY "
	"messages_outbox WHERE state < 2 AND outgoing = 1 ORDER BY conv, id;"
	"UPDATE messages SET state = 2 WHERE id IN (SELECT id FROM outbox);"
	"DROP INDEX messages_outbox;",
	/*
	 * 5 to 6: who brought each held relay record (its session's remote
	 * address and network), for bounds an author's fresh keys do not
	 * escape. Rows held before have neither and expire within 7 days.
	 */
	"ALTER TABLE relay ADD COLUMN addr TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE relay ADD COLUMN net TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX relay_addr ON relay (addr);"
	"CREATE INDEX relay_net ON relay (net);",
	/*
	 * 6 to 7: a contact is a key. Nick pins go (every conflict so far
	 * was a nick clash); an address the user dialled pins the key that
	 * answered there; contacts, local names, contact requests, closed
	 * windows, and the nick each message was written under. A peer the
	 * user had a conversation with, verified, or reached at an address
	 * of their own is a contact.
	 */
	"UPDATE peers SET conflict = 0;"
	"ALTER TABLE peers ADD COLUMN contact INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE peers ADD COLUMN name TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE peers ADD COLUMN request INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE peers ADD COLUMN request_addr TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE addresses ADD COLUMN pin INTEGER REFERENCES peers (id) "
	"ON DELETE SET NULL;"
	"UPDATE addresses SET pin = peer WHERE source = 0;"
	"UPDATE peers SET contact = 1 WHERE trust = 1 OR id IN (SELECT pin "
	"FROM addresses WHERE pin IS NOT NULL) OR id IN (SELECT c.peer FROM "
	"conversations c WHERE c.peer IS NOT NULL AND EXISTS (SELECT 1 FROM "
	"messages m WHERE m.conv = c.id));"
	"ALTER TABLE conversations ADD COLUMN shown INTEGER NOT NULL "
	"DEFAULT 1;"
	"ALTER TABLE messages ADD COLUMN nick TEXT;",
	/*
	 * 7 to 8: the DHT's routing table and good nodes, so that a restart
	 * does not need the bootstrap routers.
	 */
	"CREATE TABLE dht_nodes (id BLOB PRIMARY KEY CHECK (length(id) = 20),"
	" addr BLOB NOT NULL CHECK (length(addr) = 6), seen INTEGER NOT NULL);",
	/*
	 * 8 to 9: room posts by author and sequence number, for catch-up
	 * that asks for exactly what it lacks instead of trusting clocks.
	 */
	"CREATE TABLE IF NOT EXISTS room_posts (room_id BLOB NOT NULL CHECK "
	"(length(room_id) = 32), author BLOB NOT NULL CHECK (length(author) "
	"= 32), seq INTEGER NOT NULL, sent_at INTEGER NOT NULL, kind INTEGER "
	"NOT NULL, record BLOB NOT NULL, PRIMARY KEY (room_id, author, seq)) "
	"WITHOUT ROWID;",
};
#define STORE_VERSION	((int)nitems(store_migrations))

/*
 * Messages m with their outbox rows o: a message's state is its outbox
 * row's while it has one (schema 5), else its own. The columns of a
 * message as store_msg_row reads them.
 */
#define STORE_MSG_FROM	"messages m LEFT JOIN outbox o ON o.id = m.id"
#define STORE_MSG_COLS							\
	"m.id, m.conv, m.msgid, m.author, m.outgoing, "			\
	"coalesce(o.state, m.state), m.ts, m.stored, m.body, m.nick"

enum store_stmt {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_IDENTITY_GET,
	S_IDENTITY_PUT,
	S_PEER_ALL,
	S_PEER_INSERT,
	S_PEER_UPDATE,
	S_PEER_TRUST,
	S_PEER_CONFLICT,
	S_PEER_CONTACT,
	S_PEER_NAME,
	S_PEER_REQUEST,
	S_ADDR_PIN,
	S_ADDR_REPIN,
	S_CONV_SHOWN,
	S_CONV_CLEAR,
	S_ADDR_ADD,
	S_ADDR_OK,
	S_ADDR_FAIL,
	S_ADDR_ALL,
	S_ADDR_LEARN,
	S_ADDR_TRIM,
	S_ROOM_ADD,
	S_ROOM_JOINED,
	S_ROOM_LOG_ADD,
	S_ROOM_LOG_SINCE,
	S_ROOM_LOG_LAST,
	S_ROOM_POST_ADD,
	S_ROOM_POST_AFTER,
	S_ROOM_AUTHORS,
	S_RELAY_PUT,
	S_RELAY_COUNT,
	S_RELAY_ACKED,
	S_RELAY_FOR,
	S_RELAY_DEL,
	S_RELAY_EXPIRE,
	S_CONV_NEW_PEER,
	S_CONV_ALL,
	S_CONV_READ,
	S_CONV_UNREAD,
	S_CONV_RECEIVED,
	S_MSG_INSERT,
	S_OUTBOX_ADD,
	S_MSG_FIND,
	S_MSG_RECENT,
	S_MSG_INFLIGHT,
	S_MSG_STATE,
	S_MSG_DELIVER_ONE,
	S_MSG_DELIVERED,
	S_MSG_SENT,
	S_MSG_OUTBOX,
	S_MSG_LAST,
	S_MSG_BEFORE,
	S_MSG_AFTER,
	S_MSG_SEARCH,
	S_MSG_SEARCH_COUNT,
	S_MSG_GET,
	S_FTS_INDEX,
	S_FTS_UPTO,
	S_FTS_DONE,
	S_DHT_CLEAR,
	S_DHT_ADD,
	S_DHT_ALL,
	S__COUNT
};

static const char *store_sql[S__COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_IDENTITY_GET] =
	    "SELECT ed_pk, ed_sk, x_pk, x_sk FROM identity WHERE id = 1",
	[S_IDENTITY_PUT] =
	    "INSERT INTO identity (id, ed_pk, ed_sk, x_pk, x_sk, created) "
	    "VALUES (1, ?, ?, ?, ?, ?)",
	[S_PEER_ALL] =
	    "SELECT id, peer_id, nick, trust, conflict, last_seen, contact, "
	    "name, request, request_addr FROM peers",
	[S_PEER_INSERT] =
	    "INSERT INTO peers (peer_id, nick, conflict, first_seen, "
	    "last_seen) VALUES (?, ?, ?, ?, ?)",
	[S_PEER_UPDATE] =
	    "UPDATE peers SET nick = ?, last_seen = ? WHERE id = ?",
	[S_PEER_TRUST] =
	    "UPDATE peers SET trust = ?1, conflict = CASE WHEN ?1 = 2 "
	    "THEN conflict ELSE 0 END WHERE id = ?2",
	[S_PEER_CONFLICT] = "UPDATE peers SET conflict = ? WHERE id = ?",
	[S_PEER_CONTACT] = "UPDATE peers SET contact = ? WHERE id = ?",
	[S_PEER_NAME] = "UPDATE peers SET name = ? WHERE id = ?",
	[S_PEER_REQUEST] =
	    "UPDATE peers SET request = ?, request_addr = ? WHERE id = ?",
	/* The key that first answered at an address the user gave. */
	[S_ADDR_PIN] =
	    "UPDATE addresses SET peer = ?3, source = CASE WHEN ?4 THEN 0 ELSE "
	    "source END, pin = CASE WHEN ?4 OR source = 0 THEN coalesce(pin, ?3) "
	    "ELSE pin END WHERE host = ?1 AND port = ?2 "
	    "RETURNING CASE WHEN source = 0 THEN coalesce(pin, 0) ELSE 0 END",
	/* The user trusts the key that answered where another was pinned. */
	[S_ADDR_REPIN] =
	    "UPDATE addresses SET pin = ?1 WHERE peer = ?1 AND pin IS NOT NULL",
	[S_CONV_SHOWN] = "UPDATE conversations SET shown = ? WHERE id = ?",
	/* A declined or dropped request's held messages. */
	[S_CONV_CLEAR] =
	    "DELETE FROM messages WHERE conv = ?1 AND outgoing = 0 AND "
	    "NOT EXISTS (SELECT 1 FROM outbox WHERE conv = ?1)",

	[S_ADDR_ADD] =
	    "INSERT INTO addresses (host, port, source, added, peer) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (host, port) DO UPDATE "
	    "SET peer = coalesce(?5, peer)",
	[S_ADDR_OK] =
	    "INSERT INTO addresses (host, port, source, added, peer, last_ok,"
	    " last_try) VALUES (?1, ?2, 0, ?3, ?4, ?3, ?3) ON CONFLICT (host,"
	    " port) DO UPDATE SET peer = ?4, last_ok = ?3, last_try = ?3, "
	    "failures = 0",
	[S_ADDR_FAIL] =
	    "UPDATE addresses SET failures = failures + 1, last_try = ?3 "
	    "WHERE host = ?1 AND port = ?2",
	[S_ADDR_ALL] =
	    "SELECT a.host, a.port, a.source, a.failures, a.last_ok, "
	    "p.peer_id, a.claimed, a.last_try FROM addresses a "
	    "LEFT JOIN peers p ON a.peer = p.id "
	    "ORDER BY a.last_ok DESC, a.failures ASC, a.id ASC",
	[S_ADDR_LEARN] =
	    "INSERT INTO addresses (host, port, source, added, claimed) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (host, port) DO UPDATE "
	    "SET claimed = ?5",
	[S_ADDR_TRIM] =
	    "DELETE FROM addresses WHERE id IN (SELECT id FROM addresses "
	    "WHERE source != 0 ORDER BY (failures >= ?2 AND last_ok < ?3) "
	    "DESC, last_ok ASC, failures DESC LIMIT max(0, (SELECT count(*) "
	    "FROM addresses) - ?1)) OR (source != 0 AND failures >= ?2 AND "
	    "last_ok < ?3)",
	[S_ROOM_ADD] =
	    "INSERT INTO conversations (room, room_secret, joined) "
	    "VALUES (?1, ?2, 1) ON CONFLICT (room) DO UPDATE SET "
	    "room_secret = ?2, joined = 1 RETURNING id",
	[S_ROOM_JOINED] = "UPDATE conversations SET joined = ? WHERE id = ?",
	[S_ROOM_LOG_ADD] =
	    "INSERT OR IGNORE INTO room_log (room_id, msgid, ts, record) "
	    "VALUES (?, ?, ?, ?)",
	[S_ROOM_LOG_SINCE] =
	    "SELECT record, ts, id FROM room_log WHERE room_id = ?1 AND "
	    "(ts, id) > (?2, ?3) ORDER BY ts, id LIMIT ?4",
	[S_ROOM_LOG_LAST] =
	    "SELECT coalesce(max(ts), 0) FROM room_log WHERE room_id = ?",
	[S_ROOM_POST_ADD] =
	    "INSERT OR IGNORE INTO room_posts (room_id, author, seq, sent_at, "
	    "kind, record) VALUES (?, ?, ?, ?, ?, ?)",
	[S_ROOM_POST_AFTER] =
	    "SELECT record, seq FROM room_posts WHERE room_id = ?1 AND "
	    "author = ?2 AND seq > ?3 AND seq <= ?4 ORDER BY seq LIMIT ?5",
	[S_ROOM_AUTHORS] =
	    "SELECT author, max(seq), count(*), max(sent_at), (SELECT kind "
	    "FROM room_posts q WHERE q.room_id = p.room_id AND q.author = "
	    "p.author ORDER BY seq DESC LIMIT 1) FROM room_posts p WHERE "
	    "room_id = ?1 GROUP BY author",
	[S_RELAY_PUT] =
	    "INSERT OR IGNORE INTO relay (recipient, author, msgid, kind, "
	    "expires, record, addr, net) VALUES (?, ?, ?, 0, ?, ?, ?, ?)",
	[S_RELAY_COUNT] =
	    "SELECT (SELECT count(*) FROM relay WHERE author = ?1), "
	    "(SELECT count(*) FROM relay WHERE addr = ?2), "
	    "(SELECT count(*) FROM relay WHERE net = ?3), "
	    "(SELECT count(*) FROM relay)",
	[S_RELAY_ACKED] =
	    "UPDATE OR REPLACE relay SET recipient = ?1, kind = 1, "
	    "expires = ?4, record = ?5 WHERE recipient = ?2 AND msgid = ?3 "
	    "AND kind = 0 AND author = ?1",
	[S_RELAY_FOR] =
	    "SELECT kind, record FROM relay WHERE recipient = ? AND "
	    "expires > ? ORDER BY id",
	[S_RELAY_DEL] =
	    "DELETE FROM relay WHERE recipient = ? AND msgid = ? AND kind = ?",
	[S_RELAY_EXPIRE] = "DELETE FROM relay WHERE expires <= ?",
	[S_CONV_NEW_PEER] = "INSERT INTO conversations (peer) VALUES (?)",
	[S_CONV_ALL] =
	    "SELECT id, peer, room, room_secret, joined, last_read, unread, "
	    "shown FROM conversations ORDER BY id",
	[S_CONV_READ] =
	    "UPDATE conversations SET last_read = ?, unread = 0 WHERE id = ?",
	[S_CONV_UNREAD] = "UPDATE conversations SET unread = ? WHERE id = ?",
	[S_CONV_RECEIVED] =
	    "SELECT count(*), coalesce(sum(length(body)), 0) FROM messages "
	    "WHERE conv = ? AND outgoing = 0",
	/* An outgoing message is stored as delivered, with an outbox row. */
	[S_MSG_INSERT] =
	    "INSERT INTO messages (conv, msgid, author, outgoing, state, ts, "
	    "stored, body, nick) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (conv, ts, msgid) DO NOTHING",
	[S_OUTBOX_ADD] =
	    "INSERT INTO outbox (id, conv, state) VALUES (?, ?, ?)",
	[S_MSG_RECENT] =
	    "SELECT conv, msgid, ts FROM messages ORDER BY id DESC LIMIT ?",
	[S_MSG_FIND] =
	    "SELECT m.id, coalesce(o.state, m.state) FROM " STORE_MSG_FROM
	    " WHERE m.conv = ?1 AND m.msgid = ?2 AND m.ts = ?3",
	/*
	 * CROSS JOIN keeps the outbox the outer loop: left to itself, the
	 * planner scanned the conversation's messages.
	 */
	[S_MSG_INFLIGHT] =
	    "SELECT o.id FROM outbox o CROSS JOIN messages m ON m.id = o.id "
	    "WHERE o.conv = ?1 AND m.msgid = ?2",
	/*
	 * Row ids come from memory: the message id is checked too. Both take
	 * (id, state, conv, msgid); delivery needs no state.
	 */
	[S_MSG_STATE] =
	    "UPDATE outbox SET state = ?2 WHERE id = ?1 AND state < ?2 "
	    "AND conv = ?3 AND ?4 = (SELECT msgid FROM messages WHERE id = ?1)",
	[S_MSG_DELIVER_ONE] =
	    "DELETE FROM outbox WHERE id = ?1 AND conv = ?3 "
	    "AND ?4 = (SELECT msgid FROM messages WHERE id = ?1)",
	/* A run of consecutive row ids, all of them ACKed (store_dl). */
	[S_MSG_DELIVERED] =
	    "DELETE FROM outbox WHERE id BETWEEN ?1 AND ?2 AND conv = ?3",
	[S_MSG_SENT] =
	    "UPDATE outbox SET state = 1 WHERE id > ?2 AND id <= ?3 "
	    "AND conv = ?1 AND state = 0",
	[S_MSG_OUTBOX] =
	    "SELECT m.id, m.conv, m.msgid, m.author, m.outgoing, o.state, "
	    "m.ts, m.stored, m.body, m.nick FROM outbox o CROSS JOIN "
	    "messages m "
	    "ON m.id = o.id WHERE o.conv = ?1 AND o.id > ?2 ORDER BY o.id",
	[S_MSG_LAST] =
	    "SELECT " STORE_MSG_COLS " FROM " STORE_MSG_FROM
	    " WHERE m.conv = ? ORDER BY m.ts DESC, m.id DESC LIMIT ?",
	[S_MSG_BEFORE] =
	    "SELECT " STORE_MSG_COLS " FROM " STORE_MSG_FROM
	    " WHERE m.conv = ?1 AND (m.ts, m.id) < (?2, ?3) "
	    "ORDER BY m.ts DESC, m.id DESC LIMIT ?4",
	[S_MSG_AFTER] =
	    "SELECT " STORE_MSG_COLS " FROM " STORE_MSG_FROM
	    " WHERE m.conv = ?1 AND (m.ts, m.id) > (?2, ?3) "
	    "ORDER BY m.ts ASC, m.id ASC LIMIT ?4",
	[S_MSG_SEARCH] =
	    "SELECT " STORE_MSG_COLS " FROM messages_fts f JOIN messages m "
	    "ON m.id = f.rowid LEFT JOIN outbox o ON o.id = m.id "
	    "WHERE messages_fts MATCH ? ORDER BY f.rowid DESC LIMIT ? OFFSET ?",
	[S_MSG_SEARCH_COUNT] =
	    "SELECT count(*) FROM messages_fts f JOIN messages m "
	    "ON m.id = f.rowid WHERE messages_fts MATCH ?",
	[S_FTS_INDEX] =
	    "INSERT INTO messages_fts (rowid, body) SELECT id, body "
	    "FROM messages WHERE id > ?1 AND id <= ?2",
	[S_FTS_UPTO] =
	    "SELECT (SELECT indexed FROM fts_state), coalesce((SELECT max(id) "
	    "FROM (SELECT id FROM messages WHERE id > (SELECT indexed FROM "
	    "fts_state) ORDER BY id LIMIT ?)), 0), (SELECT coalesce(max(id), "
	    "0) FROM messages)",
	[S_FTS_DONE] = "UPDATE fts_state SET indexed = ? WHERE id = 1",
	[S_MSG_GET] =
	    "SELECT " STORE_MSG_COLS " FROM " STORE_MSG_FROM " WHERE m.id = ?",
	[S_DHT_CLEAR] = "DELETE FROM dht_nodes",
	[S_DHT_ADD] =
	    "INSERT OR REPLACE INTO dht_nodes (id, addr, seen) VALUES (?, ?, ?)",
	[S_DHT_ALL] =
	    "SELECT id, addr, seen FROM dht_nodes ORDER BY seen DESC LIMIT ?",
};

static sqlite3		*store_db;
static sqlite3_stmt	*store_stmts[S__COUNT];
static int		 store_in_tx;
static int		 store_tx_lazy;	/* only writes that may wait */
static int		 store_wait_ok;	/* writes now may wait (a copy) */
static int		 store_added;	/* messages added since asked */
static int		 store_reader;	/* opened read-only (a screen) */
static char		*store_path;

/*
 * Outgoing messages not yet delivered, by id: row ids for the ACKs, so an
 * ACK costs a lookup here and a queued row id (store_dl). Filled when an
 * outgoing message is stored or read from the outbox (every message is,
 * before it is sent); an ACK for a message not here is looked up in the
 * outbox.
 *
 * An open-addressing hash table with linear probing, at most half full; a
 * free slot has row id 0. The ids are this node's own random ids (a peer's
 * ACK only looks up), so their first bytes are the hash. A tree was used
 * first: with 100,000 messages in flight its lookups took 14% of the
 * sender's time, mostly cache misses on the way down.
 */
struct store_flight {
	uint8_t		 id[MSGID_LEN];
	int64_t		 conv;
	int64_t		 rowid;		/* 0: free slot */
};
#define STORE_FLIGHTS_MIN	1024
static struct store_flight	*store_fl;
static size_t			 store_fl_size;	/* a power of two */
static size_t			 store_fl_n;

/* The first slot for a key. */
static size_t
store_flight_slot(int64_t conv, const uint8_t *id)
{
	uint64_t	h;

	memcpy(&h, id, sizeof h);
	h ^= (uint64_t)conv * 0x9e3779b97f4a7c15ULL;
	return (h & (store_fl_size - 1));
}

/* The slot holding a key, or the free slot where it would go. */
static struct store_flight *
store_flight_lookup(int64_t conv, const uint8_t *id)
{
	struct store_flight	*f;
	size_t			 i;

	i = store_flight_slot(conv, id);
	for (;;) {
		f = &store_fl[i];
		if (f->rowid == 0 || (f->conv == conv &&
		    memcmp(f->id, id, MSGID_LEN) == 0))
			return (f);
		i = (i + 1) & (store_fl_size - 1);
	}
}

/* Rebuild the table with size slots. */
static void
store_flight_resize(size_t size)
{
	struct store_flight	*old = store_fl, *f;
	size_t			 oldsize = store_fl_size, i;

	store_fl = xcalloc(size, sizeof *store_fl);
	store_fl_size = size;
	for (i = 0; i < oldsize; i++) {
		if (old[i].rowid == 0)
			continue;
		f = store_flight_lookup(old[i].conv, old[i].id);
		*f = old[i];
	}
	free(old);
}

/* Remember an outgoing message in flight. */
static void
store_flight_add(const struct msg *m)
{
	struct store_flight	*f;

	if (store_fl_size == 0)
		store_flight_resize(STORE_FLIGHTS_MIN);
	else if ((store_fl_n + 1) * 2 > store_fl_size)
		store_flight_resize(store_fl_size * 2);
	/* Each flush reads back rows stored moments ago: mostly known. */
	f = store_flight_lookup(m->conv, m->id);
	if (f->rowid == 0) {
		memcpy(f->id, m->id, MSGID_LEN);
		f->conv = m->conv;
		store_fl_n++;
	}
	f->rowid = m->rowid;
}

/* Take slot f out, moving later ones of its run back into the gap. */
static void
store_flight_remove(struct store_flight *f)
{
	size_t	gap = f - store_fl, i = gap, home, mask = store_fl_size - 1;

	for (;;) {
		i = (i + 1) & mask;
		if (store_fl[i].rowid == 0)
			break;
		home = store_flight_slot(store_fl[i].conv, store_fl[i].id);
		/* Move it unless its home is cyclically in (gap, i]. */
		if (((i - home) & mask) >= ((i - gap) & mask)) {
			store_fl[gap] = store_fl[i];
			gap = i;
		}
	}
	memset(&store_fl[gap], 0, sizeof store_fl[gap]);
	if (--store_fl_n * 8 < store_fl_size &&
	    store_fl_size > STORE_FLIGHTS_MIN)
		store_flight_resize(store_fl_size / 2);
}

/* Find (and with del, forget) an outgoing message in flight. */
static int64_t
store_flight_find(int64_t conv, const uint8_t *id, int del)
{
	struct store_flight	*f;
	int64_t			 rowid;

	if (store_fl_n == 0)
		return (0);
	f = store_flight_lookup(conv, id);
	if ((rowid = f->rowid) != 0 && del)
		store_flight_remove(f);
	return (rowid);
}

/* How many messages in flight the table holds (for tests). */
size_t
store_flights_held(void)
{
	return (store_fl_n);
}

/*
 * Messages ACKed in the open transaction whose outbox rows are not yet
 * deleted. An ACK for a message in flight only queues its row id here;
 * store_dl_flush deletes the rows with one statement per run of
 * consecutive row ids (a burst's ACKs come in the order the messages
 * went) before the commit and before any other statement runs, so nothing
 * reads a message still shown in flight. One statement per ACK took 3%
 * of a sender's time in a burst.
 */
struct store_dl {
	int64_t		 rowid;
	int64_t		 conv;
};
static struct store_dl	*store_dl;
static size_t		 store_dl_n, store_dl_size;
static int		 store_dl_failed;	/* fails the commit */

static int
store_dl_cmp(const void *a, const void *b)
{
	const struct store_dl	*x = a, *y = b;

	return (x->rowid < y->rowid ? -1 : x->rowid > y->rowid);
}

/* Queue row id (of conversation conv) to be marked delivered. */
static void
store_dl_add(int64_t rowid, int64_t conv)
{
	if (store_dl_n == store_dl_size) {
		store_dl_size = store_dl_size == 0 ? 256 : store_dl_size * 2;
		store_dl = xreallocarray(store_dl, store_dl_size,
		    sizeof *store_dl);
	}
	store_dl[store_dl_n].rowid = rowid;
	store_dl[store_dl_n].conv = conv;
	store_dl_n++;
}

static int	store_exec(enum store_stmt, char **);

/* Mark the queued messages delivered: out of the outbox. */
static int
store_dl_flush(char **cause)
{
	sqlite3_stmt	*st = store_stmts[S_MSG_DELIVERED];
	size_t		 i, j, n = store_dl_n;

	if (n == 0)
		return (0);
	store_dl_n = 0;
	for (i = 1; i < n; i++) {
		if (store_dl[i].rowid < store_dl[i - 1].rowid) {
			qsort(store_dl, n, sizeof *store_dl, store_dl_cmp);
			break;
		}
	}
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n; j++) {
			if (store_dl[j].rowid != store_dl[j - 1].rowid + 1 ||
			    store_dl[j].conv != store_dl[i].conv)
				break;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, store_dl[i].rowid);
		sqlite3_bind_int64(st, 2, store_dl[j - 1].rowid);
		sqlite3_bind_int64(st, 3, store_dl[i].conv);
		if (store_exec(S_MSG_DELIVERED, cause) != 0) {
			store_dl_failed = 1;
			return (-1);
		}
	}
	if (store_dl_size > 4096 && n < store_dl_size / 8) {
		free(store_dl);
		store_dl = NULL;
		store_dl_size = 0;
	}
	return (0);
}

/*
 * Forget every message in flight, and the deliveries queued (closing, or
 * after a rollback).
 */
static void
store_flight_clear(void)
{
	free(store_fl);
	store_fl = NULL;
	store_fl_size = store_fl_n = 0;
	free(store_dl);
	store_dl = NULL;
	store_dl_size = store_dl_n = 0;
}

/* Describe the last SQLite error. */
static char *
store_error(const char *what)
{
	char	*cause;

	xasprintf(&cause, "%s: %s: %s", store_path ? store_path : "database",
	    what, store_db ? sqlite3_errmsg(store_db) : "no database");
	return (cause);
}

/*
 * The ids of the last STORE_SEEN_MAX messages stored, by conversation, with
 * their sent_at. The messages table is unique on (conv, ts, msgid), so
 * that inserts stay at the end of its index (a unique index on the random
 * id alone made bulk inserts four times slower); a copy of a message sent
 * again with the same id under another sent_at is caught here instead. The
 * set is filled from the newest rows on the first message stored. Beyond
 * it, only a peer's own message sent again long after, under another
 * time, would be stored twice.
 */
#define STORE_SEEN_MAX		8192
#define STORE_SEEN_BUCKETS	16384	/* a power of two */
static sqlite3_stmt	*store_stmt(enum store_stmt);
struct store_seen {
	int64_t			 conv;
	int64_t			 ts;
	uint8_t			 id[MSGID_LEN];
	int32_t			 next;		/* in its bucket, -1 at the end */
	int			 used;		/* in a bucket */
};
static struct store_seen	*store_seen_ring;	/* oldest at next */
static int32_t			*store_seen_bucket;	/* first in each */
static u_int			 store_seen_next;

/* The bucket of a message id (ids are random: their first bytes do). */
static u_int
store_seen_hash(int64_t conv, const uint8_t *id)
{
	uint32_t	h;

	memcpy(&h, id, sizeof h);
	return ((h ^ (uint32_t)conv * 0x9e3779b1U) & (STORE_SEEN_BUCKETS - 1));
}

/* The remembered entry for a message id, or NULL. */
static struct store_seen *
store_seen_find(int64_t conv, const uint8_t *id)
{
	struct store_seen	*e;
	int32_t			 i;

	i = store_seen_bucket[store_seen_hash(conv, id)];
	for (; i != -1; i = e->next) {
		e = &store_seen_ring[i];
		if (e->conv == conv && memcmp(e->id, id, MSGID_LEN) == 0)
			return (e);
	}
	return (NULL);
}

/* Take slot e out of its bucket. */
static void
store_seen_unlink(struct store_seen *e)
{
	int32_t	*ip, self = (int32_t)(e - store_seen_ring);

	ip = &store_seen_bucket[store_seen_hash(e->conv, e->id)];
	while (*ip != self)
		ip = &store_seen_ring[*ip].next;
	*ip = e->next;
	e->used = 0;
}

/* Put an id into slot e of the ring, unless it is remembered already. */
static void
store_seen_put(struct store_seen *e, int64_t conv, const uint8_t *id,
    int64_t ts)
{
	u_int	h;

	if (e->used)
		store_seen_unlink(e);
	if (store_seen_find(conv, id) != NULL)
		return;
	e->conv = conv;
	e->ts = ts;
	memcpy(e->id, id, MSGID_LEN);
	h = store_seen_hash(conv, id);
	e->next = store_seen_bucket[h];
	store_seen_bucket[h] = (int32_t)(e - store_seen_ring);
	e->used = 1;
}

/*
 * Fill the set, once, from the newest rows: the newest in the last slot,
 * older ones below it, so the oldest is the first the ring reuses.
 */
static void
store_seen_load(void)
{
	sqlite3_stmt	*st;
	u_int		 slot = STORE_SEEN_MAX, i;

	if (store_seen_ring != NULL)
		return;
	store_seen_ring = xcalloc(STORE_SEEN_MAX, sizeof *store_seen_ring);
	store_seen_bucket = xreallocarray(NULL, STORE_SEEN_BUCKETS,
	    sizeof *store_seen_bucket);
	for (i = 0; i < STORE_SEEN_BUCKETS; i++)
		store_seen_bucket[i] = -1;
	st = store_stmt(S_MSG_RECENT);
	sqlite3_bind_int(st, 1, STORE_SEEN_MAX);
	while (slot > 0 && sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != MSGID_LEN)
			continue;
		slot--;
		store_seen_put(&store_seen_ring[slot],
		    sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
		    sqlite3_column_int64(st, 2));
	}
	sqlite3_reset(st);
	store_seen_next = 0;
}

/* Remember a stored message's id (the oldest remembered goes). */
static void
store_seen_add(int64_t conv, const uint8_t *id, int64_t ts)
{
	store_seen_load();
	store_seen_put(&store_seen_ring[store_seen_next], conv, id, ts);
	store_seen_next = (store_seen_next + 1) % STORE_SEEN_MAX;
}

/* Forget every remembered id (at close, or after a rollback). */
static void
store_seen_clear(void)
{
	free(store_seen_ring);
	free(store_seen_bucket);
	store_seen_ring = NULL;
	store_seen_bucket = NULL;
	store_seen_next = 0;
}

/* The sent_at under which a message id was stored lately, or -1. */
static int64_t
store_seen_ts(int64_t conv, const uint8_t *id)
{
	struct store_seen	*e;

	store_seen_load();
	if ((e = store_seen_find(conv, id)) == NULL)
		return (-1);
	return (e->ts);
}

/*
 * A statement that writes is about to run: open the turn's transaction if
 * none is open (txn.c commits it at the end of the loop turn).
 */
static void
store_write(enum store_stmt s)
{
	char	*cause;

	if (store_in_tx || s == S_BEGIN || s == S_COMMIT || s == S_ROLLBACK ||
	    sqlite3_stmt_readonly(store_stmts[s]))
		return;
	if (store_begin(&cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		return;
	}
	txn_begun();
}

/* Get a prepared statement, reset and with its bindings cleared. */
static sqlite3_stmt *
store_stmt(enum store_stmt s)
{
	sqlite3_stmt	*st = store_stmts[s];
	char		*cause;

	store_write(s);

	/* Storing a message needs no row marked; anything else may. */
	if (store_dl_n != 0 && s != S_MSG_INSERT && s != S_OUTBOX_ADD &&
	    store_dl_flush(&cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	switch (s) {
	case S_MSG_INFLIGHT:
	case S_MSG_STATE:
	case S_MSG_DELIVER_ONE:
	case S_MSG_SENT:
	case S_CONV_UNREAD:
	case S_FTS_INDEX:
	case S_FTS_UPTO:
	case S_FTS_DONE:
		break;
	default:
		if (!store_wait_ok)
			store_tx_lazy = 0;
		break;
	}

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (st);
}

/*
 * SQLite virtual machine steps run by all statements since the last call:
 * a measure of work that does not depend on the machine (for tests).
 */
uint64_t
store_vm_steps(void)
{
	uint64_t	n = 0;
	int		i;

	for (i = 0; i < S__COUNT; i++) {
		if (store_stmts[i] != NULL)
			n += sqlite3_stmt_status(store_stmts[i],
			    SQLITE_STMTSTATUS_VM_STEP, 1);
	}
	return (n);
}

/* Run a statement that returns no rows. */
static int
store_exec(enum store_stmt s, char **cause)
{
	sqlite3_stmt	*st = store_stmts[s];
	int		 rc;

	store_write(s);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		if (cause != NULL)
			*cause = store_error(store_sql[s]);
		return (-1);
	}
	return (0);
}

/*
 * Read PRAGMA user_version; -1 with cause if it cannot be read or is
 * negative (p2pchat never writes one: not its file).
 */
static int
store_user_version(char **cause)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	if (sqlite3_prepare_v2(store_db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK) {
		*cause = store_error("reading the schema version");
		return (-1);
	}
	if (sqlite3_step(st) != SQLITE_ROW)
		*cause = store_error("reading the schema version");
	else if ((v = sqlite3_column_int(st, 0)) < 0) {
		xasprintf(cause, "%s: not a p2pchat database (schema version "
		    "%d); it was left as it is", store_path, v);
		v = -1;
	}
	sqlite3_finalize(st);
	return (v);
}

/* Check that the file really is a database by reading its schema. */
static int
store_probe(char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(store_db, "SELECT count(*) FROM sqlite_master",
	    NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "%s: not a usable p2pchat database (%s); "
		    "it was left as it is", store_path, err ? err : "?");
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

/* Create the schema in a new file, or migrate an old one forward. */
static int
store_migrate(int version, char **cause)
{
	char	*err = NULL, *sql;
	int	 v;

	if (sqlite3_exec(store_db, "BEGIN IMMEDIATE", NULL, NULL, &err) !=
	    SQLITE_OK)
		goto fail;
	if (version == 0) {
		if (sqlite3_exec(store_db, store_schema_sql, NULL, NULL, &err)
		    != SQLITE_OK)
			goto fail;
	} else {
		for (v = version; v < STORE_VERSION; v++) {
			log_info("%s: migrating schema %d to %d", __func__,
			    v, v + 1);
			if (sqlite3_exec(store_db, store_migrations[v], NULL,
			    NULL, &err) != SQLITE_OK)
				goto fail;
		}
	}
	xasprintf(&sql, "PRAGMA user_version = %d", STORE_VERSION);
	if (sqlite3_exec(store_db, sql, NULL, NULL, &err) != SQLITE_OK) {
		free(sql);
		goto fail;
	}
	free(sql);
	if (sqlite3_exec(store_db, "COMMIT", NULL, NULL, &err) != SQLITE_OK)
		goto fail;
	return (0);
fail:
	xasprintf(cause, "%s: creating the schema: %s", store_path,
	    err ? err : sqlite3_errmsg(store_db));
	sqlite3_free(err);
	sqlite3_exec(store_db, "ROLLBACK", NULL, NULL, NULL);
	return (-1);
}

/* After a commit: the log holds frames pages; maybe checkpoint. */
static int
store_wal_hook(__unused void *arg, __unused sqlite3 *db,
    __unused const char *name, int frames)
{
	sync_wal_frames(frames);
	return (SQLITE_OK);
}

/*
 * The log (p2pchat.db-wal) is SQLite's own: p2pchat reads and writes it
 * only through SQLite's interfaces. While the node runs, a log that a
 * checkpoint has copied back whole starts again from its beginning at the
 * next commit (SQLite overwrites the blocks the file has) and is cut back
 * to STORE_WAL_LIMIT bytes if it grew past that (PRAGMA
 * journal_size_limit). A checkpoint starts at SYNC_CHECKPOINT_FRAMES (1000)
 * pages, about 4 MiB, and a log that checkpoints keep up with ends about
 * twice that (the commits made while one runs; 8 MB after a burst of 1500
 * messages in tests/regress/wal.sh): 16 MiB does not cut such a log, whose
 * commits then overwrite blocks the file already has (an append costs
 * each fdatasync a size and block map update), and bounds what a burst
 * that outran the checkpoints leaves on disk. At a
 * clean exit the log is copied back and cut to nothing (store_wal_close),
 * and SQLite deletes it when the last connection closes.
 */
#define STORE_WAL_LIMIT		(16 * 1024 * 1024)

/*
 * Before closing: copy the whole log into the database file (synced) and
 * truncate it. Another process reading (sqlite3(1)) is not waited for:
 * the log is then left to SQLite as it is, and nothing is lost.
 */
static void
store_wal_close(void)
{
	int	nlog = -1, nckpt = -1;

	sqlite3_busy_timeout(store_db, 0);
	if (sqlite3_wal_checkpoint_v2(store_db, "main",
	    SQLITE_CHECKPOINT_TRUNCATE, &nlog, &nckpt) != SQLITE_OK) {
		log_info("%s: log not checkpointed at exit (%s): left to "
		    "SQLite", store_path, sqlite3_errmsg(store_db));
	}
}

/*
 * Move fsync and checkpoints off the loop (sync.c). A COMMIT then only
 * writes the log (synchronous NORMAL) and the sync thread makes it durable
 * with [store] sync = full. Without threads, SQLite does both inside the
 * COMMIT, as it would by itself.
 */
static int
store_threads(const char *path)
{
	char	*cause = NULL;
	int	 durable = strcmp(cfg_str(CFG_SYNC), "normal") != 0;

	if (sync_start(path, durable, &cause) != 0) {
		log_warnx("%s: no sync thread (%s): commits wait for the disk",
		    path, cause);
		free(cause);
		return (sqlite3_exec(store_db, durable ?
		    "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
		    NULL, NULL, NULL) == SQLITE_OK ? 0 : -1);
	}
	sqlite3_wal_hook(store_db, store_wal_hook, NULL);
	return (sqlite3_exec(store_db, "PRAGMA synchronous = NORMAL", NULL,
	    NULL, NULL) == SQLITE_OK ? 0 : -1);
}

/* Open (creating if need be) the database at path. */
int
store_open(const char *path, char **cause)
{
	char	*err = NULL, *sql;
	int	 version, i, rc, flags = SQLITE_OPEN_READWRITE;

	/*
	 * This connection is used by the loop's thread alone (the checkpoint
	 * thread has its own): no mutex on every call, and no global memory
	 * statistics, which take a mutex on every allocation.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	flags |= SQLITE_OPEN_NOMUTEX;
	store_path = xstrdup(path);
	if (access(path, F_OK) != 0)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &store_db, flags, NULL) != SQLITE_OK) {
		*cause = store_error("opening");
		goto fail;
	}
	sqlite3_extended_result_codes(store_db, 1);
	sqlite3_busy_timeout(store_db, 2000);
	if (store_probe(cause) != 0)
		goto fail;
	if ((version = store_user_version(cause)) < 0)
		goto fail;
	if (version > STORE_VERSION) {
		xasprintf(cause, "%s: written by a newer p2pchat (schema %d, "
		    "this one knows %d); it was left as it is", path, version,
		    STORE_VERSION);
		goto fail;
	}
	/*
	 * A memory map: reads of database pages cost no system call
	 * (measured: pread was the top syscall on the message path). The
	 * page cache stays small (2 MiB, SQLite's default): growing a 16 MiB
	 * one a page at a time cost a malloc and page faults per page, 8% of
	 * a receiver's time during a burst; the WAL reads a small cache adds
	 * cost less (bench-e2e: 36-50k messages/s with 16 MiB, 44-53k with 2).
	 */
	if (sqlite3_exec(store_db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; "
	    "PRAGMA cache_size = -2048; PRAGMA mmap_size = 268435456; "
	    "PRAGMA synchronous = FULL", NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, err);
		sqlite3_free(err);
		goto fail;
	}
	xasprintf(&sql, "PRAGMA journal_size_limit = %d", STORE_WAL_LIMIT);
	rc = sqlite3_exec(store_db, sql, NULL, NULL, &err);
	free(sql);
	if (rc != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, err);
		sqlite3_free(err);
		goto fail;
	}
	if (version < STORE_VERSION && store_migrate(version, cause) != 0)
		goto fail;
	if (store_threads(path) != 0)
		goto fail;
	for (i = 0; i < S__COUNT; i++) {
		if (sqlite3_prepare_v3(store_db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &store_stmts[i], NULL) !=
		    SQLITE_OK) {
			*cause = store_error(store_sql[i]);
			goto fail;
		}
	}
	store_added = 1;	/* there may be rows left to index */
	return (0);
fail:
	store_close();
	return (-1);
}

/*
 * Open the database of a running node read-only, as an attached screen
 * does to read history pages: WAL lets this reader and the node's writer
 * go on without blocking each other. Nothing is created or migrated.
 */
int
store_open_reader(const char *path, char **cause)
{
	int	 i, version;

	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	store_path = xstrdup(path);
	store_reader = 1;
	if (sqlite3_open_v2(path, &store_db, SQLITE_OPEN_READONLY|
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*cause = store_error("opening");
		goto fail;
	}
	sqlite3_extended_result_codes(store_db, 1);
	sqlite3_busy_timeout(store_db, 2000);
	if ((version = store_user_version(cause)) < 0)
		goto fail;
	if (version != STORE_VERSION) {
		xasprintf(cause, "%s: schema %d, this p2pchat knows %d", path,
		    version, STORE_VERSION);
		goto fail;
	}
	if (sqlite3_exec(store_db, "PRAGMA mmap_size = 268435456; "
	    "PRAGMA query_only = ON", NULL, NULL, NULL) != SQLITE_OK) {
		*cause = store_error("PRAGMA");
		goto fail;
	}
	for (i = 0; i < S__COUNT; i++) {
		if (sqlite3_prepare_v3(store_db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &store_stmts[i], NULL) !=
		    SQLITE_OK) {
			*cause = store_error(store_sql[i]);
			goto fail;
		}
	}
	return (0);
fail:
	store_close();
	return (-1);
}

/* Close the database, committing an open transaction. */
void
store_close(void)
{
	char	*cause;
	int	 i, opened = store_stmts[S__COUNT - 1] != NULL;

	if (store_reader) {
		for (i = 0; i < S__COUNT; i++) {
			if (store_stmts[i] != NULL)
				sqlite3_finalize(store_stmts[i]);
			store_stmts[i] = NULL;
		}
		if (store_db != NULL)
			sqlite3_close(store_db);
		store_db = NULL;
		free(store_path);
		store_path = NULL;
		store_reader = 0;
		return;
	}
	if (store_db != NULL && store_in_tx)
		store_commit(NULL);
	store_flight_clear();
	store_seen_clear();
	if (sync_now(&cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	sync_stop();
	for (i = 0; i < S__COUNT; i++) {
		if (store_stmts[i] != NULL)
			sqlite3_finalize(store_stmts[i]);
		store_stmts[i] = NULL;
	}
	if (store_db != NULL) {
		/* Not a file store_open refused: it is left as it is. */
		if (opened)
			store_wal_close();
		if (sqlite3_close(store_db) != SQLITE_OK)
			log_warnx("%s: closing: %s", store_path,
			    sqlite3_errmsg(store_db));
	}
	store_db = NULL;
	free(store_path);
	store_path = NULL;
}

/* Start a transaction unless one is open (group commit). */
int
store_begin(char **cause)
{
	if (store_in_tx)
		return (0);
	if (store_exec(S_BEGIN, cause) != 0)
		return (-1);
	store_in_tx = 1;
	store_tx_lazy = 1;
	return (0);
}

/* Commit the open transaction, if any. */
int
store_commit(char **cause)
{
	if (!store_in_tx)
		return (0);
	if (store_dl_failed && cause != NULL)
		*cause = xstrdup("marking messages delivered failed");
	if (store_dl_failed || store_dl_flush(cause) != 0 ||
	    store_exec(S_COMMIT, cause) != 0) {
		store_exec(S_ROLLBACK, NULL);
		store_in_tx = 0;
		store_dl_failed = 0;
		/*
		 * The map may hold row ids of messages that are not stored
		 * after all (and the ids may be given again): forget it all.
		 * ACKs find the others through the outbox.
		 */
		store_flight_clear();
		store_seen_clear();
		return (-1);
	}
	store_in_tx = 0;
	return (0);
}

/* Were messages added since the last call (so indexing is due)? */
int
store_take_added(void)
{
	int	added = store_added;

	store_added = 0;
	return (added);
}

/*
 * Put up to max stored messages that are not yet in the full-text index
 * into it, in the open transaction. *more is set when some are left.
 */
int
store_index(u_int max, int *more, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_FTS_UPTO);
	int64_t		 from = 0, upto = 0, last = 0;

	*more = 0;
	sqlite3_bind_int(st, 1, max);
	if (sqlite3_step(st) == SQLITE_ROW) {
		from = sqlite3_column_int64(st, 0);
		upto = sqlite3_column_int64(st, 1);
		last = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (upto <= from)
		return (0);
	st = store_stmt(S_FTS_INDEX);
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, upto);
	if (store_exec(S_FTS_INDEX, cause) != 0)
		return (-1);
	st = store_stmt(S_FTS_DONE);
	sqlite3_bind_int64(st, 1, upto);
	if (store_exec(S_FTS_DONE, cause) != 0)
		return (-1);
	*more = upto < last;
	return (0);
}

/* Index everything not yet indexed (before a search); the turn commits. */
int
store_index_all(char **cause)
{
	int	more;

	do {
		if (store_index(50000, &more, cause) != 0)
			return (-1);
	} while (more);
	return (0);
}

/* Is a transaction open? */
int
store_pending(void)
{
	return (store_in_tx);
}

/*
 * Has the open transaction only written what may wait for a later sync to
 * reach the disk? Delivery and "sent" marks (a mark lost with the power is
 * made again when the message is sent again and ACKed again; the peer
 * keeps one copy), unread counts and the full-text index (which is in
 * step with its own progress mark in the same transaction). Nothing that
 * anyone is told about once durable.
 */
int
store_lazy(void)
{
	return (store_in_tx && store_tx_lazy);
}

/*
 * Say that the writes from now until store_may_wait(0) may wait for a
 * later sync, whatever they write: a copy of what others keep too (a room
 * post someone else wrote), which a crash that loses it gets back from
 * them. It cannot make a transaction lazy that wrote anything else.
 */
void
store_may_wait(int on)
{
	store_wait_ok = on;
}

/* Copy a blob column of an exact size; -1 if it is not that size. */
static int
store_blob(sqlite3_stmt *st, int col, void *dst, size_t len)
{
	if ((size_t)sqlite3_column_bytes(st, col) != len)
		return (-1);
	memcpy(dst, sqlite3_column_blob(st, col), len);
	return (0);
}

/* Load the identity: 1 found, 0 none yet, -1 error. */
int
store_identity_get(struct identity *id, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_IDENTITY_GET);
	int		 rc, found = 0;

	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (store_blob(st, 0, id->ed_pk, 32) != 0 ||
		    store_blob(st, 1, id->ed_sk, 64) != 0 ||
		    store_blob(st, 2, id->x_pk, 32) != 0 ||
		    store_blob(st, 3, id->x_sk, 32) != 0) {
			xasprintf(cause, "%s: identity keys are damaged",
			    store_path);
			sqlite3_reset(st);
			return (-1);
		}
		found = 1;
	} else if (rc != SQLITE_DONE) {
		*cause = store_error("reading the identity");
		sqlite3_reset(st);
		return (-1);
	}
	sqlite3_reset(st);
	return (found);
}

/* Save a new identity. */
int
store_identity_put(const struct identity *id, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_IDENTITY_PUT);

	sqlite3_bind_blob(st, 1, id->ed_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, id->ed_sk, 64, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, id->x_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, id->x_sk, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now_ms());
	return (store_exec(S_IDENTITY_PUT, cause));
}

/* Load every known peer, calling fn for each. */
int
store_peer_load(void (*fn)(const struct peer_row *, void *), void *arg,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_PEER_ALL);
	struct peer_row	 pr;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&pr, 0, sizeof pr);
		pr.dbid = sqlite3_column_int64(st, 0);
		if (store_blob(st, 1, pr.id, PEER_ID_LEN) != 0)
			continue;
		pr.nick = (const char *)sqlite3_column_text(st, 2);
		pr.trust = sqlite3_column_int(st, 3);
		pr.conflict = sqlite3_column_int(st, 4);
		pr.last_seen = sqlite3_column_int64(st, 5);
		pr.contact = sqlite3_column_int(st, 6);
		pr.name = (const char *)sqlite3_column_text(st, 7);
		pr.request = sqlite3_column_int64(st, 8);
		pr.request_addr = (const char *)sqlite3_column_text(st, 9);
		fn(&pr, arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error("loading peers");
		return (-1);
	}
	return (0);
}

/* Add a peer and its conversation; returns both row ids. */
int
store_peer_add(const uint8_t *id, const char *nick, int conflict,
    int64_t *dbid, int64_t *conv, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_PEER_INSERT);
	int64_t		 now = now_ms();

	sqlite3_bind_blob(st, 1, id, PEER_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, nick, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, conflict);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
	if (store_exec(S_PEER_INSERT, cause) != 0)
		return (-1);
	*dbid = sqlite3_last_insert_rowid(store_db);
	st = store_stmt(S_CONV_NEW_PEER);
	sqlite3_bind_int64(st, 1, *dbid);
	if (store_exec(S_CONV_NEW_PEER, cause) != 0)
		return (-1);
	*conv = sqlite3_last_insert_rowid(store_db);
	return (0);
}

/* Record that a peer was seen now, with its current nick. */
int
store_peer_seen(int64_t dbid, const char *nick, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_PEER_UPDATE);

	sqlite3_bind_text(st, 1, nick, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_ms());
	sqlite3_bind_int64(st, 3, dbid);
	return (store_exec(S_PEER_UPDATE, cause));
}

/* Set a peer's trust state. */
int
store_peer_trust(int64_t dbid, int trust, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_PEER_TRUST);

	sqlite3_bind_int(st, 1, trust);
	sqlite3_bind_int64(st, 2, dbid);
	return (store_exec(S_PEER_TRUST, cause));
}

/*
 * Mark a peer in conflict (1: another key is pinned at an address the
 * user dialled and this one answered there) or clear it (0).
 */
int
store_peer_conflict(int64_t dbid, int conflict, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_PEER_CONFLICT);

	sqlite3_bind_int(st, 1, conflict);
	sqlite3_bind_int64(st, 2, dbid);
	return (store_exec(S_PEER_CONFLICT, cause));
}

/* Make a peer a contact (1) or not (0). */
int
store_peer_contact(int64_t dbid, int contact, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_PEER_CONTACT);

	sqlite3_bind_int(st, 1, contact);
	sqlite3_bind_int64(st, 2, dbid);
	return (store_exec(S_PEER_CONTACT, cause));
}

/* Give a peer a local name ("" for none). */
int
store_peer_name(int64_t dbid, const char *name, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_PEER_NAME);

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, dbid);
	return (store_exec(S_PEER_NAME, cause));
}

/* A peer's contact request: since when (Unix ms, 0 for none) and from. */
int
store_peer_request(int64_t dbid, int64_t since, const char *addr,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_PEER_REQUEST);

	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, dbid);
	return (store_exec(S_PEER_REQUEST, cause));
}

/*
 * A peer answered at an address: if the user gave it (source 0, or user
 * now, which makes it so), pin the peer there unless a key is pinned
 * already. *pin is the peer pinned there now (its row id), or 0 for an
 * address the user did not give.
 */
int
store_addr_pin(const char *host, u_short port, int64_t dbid, int user,
    int64_t *pin, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ADDR_PIN);
	int		 rc;

	*pin = 0;
	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, port);
	sqlite3_bind_int64(st, 3, dbid);
	sqlite3_bind_int(st, 4, user);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*pin = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error("pinning an address");
		return (-1);
	}
	return (0);
}

/*
 * Pin a peer at every address the user gave where it answered last, in
 * place of the key pinned there (/trust of a changed key).
 */
int
store_addr_repin(int64_t dbid, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ADDR_REPIN);

	sqlite3_bind_int64(st, 1, dbid);
	return (store_exec(S_ADDR_REPIN, cause));
}

/* Show (1) or close (0) a conversation's window, for the next start too. */
int
store_conv_shown(int64_t conv, int shown, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_CONV_SHOWN);

	sqlite3_bind_int(st, 1, shown);
	sqlite3_bind_int64(st, 2, conv);
	return (store_exec(S_CONV_SHOWN, cause));
}

/*
 * Delete the messages received in a conversation (a declined or dropped
 * contact request's); nothing of ours is deleted. *n: how many went.
 */
int
store_conv_clear(int64_t conv, int *n, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_CONV_CLEAR);

	sqlite3_bind_int64(st, 1, conv);
	if (store_exec(S_CONV_CLEAR, cause) != 0)
		return (-1);
	*n = sqlite3_changes(store_db);
	return (0);
}

/* Load every conversation, calling fn for each. */
int
store_conv_load(void (*fn)(const struct conv_row *, void *), void *arg,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_CONV_ALL);
	struct conv_row	 cr;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&cr, 0, sizeof cr);
		cr.id = sqlite3_column_int64(st, 0);
		cr.peer = sqlite3_column_int64(st, 1);
		cr.room = (const char *)sqlite3_column_text(st, 2);
		cr.secret = (const char *)sqlite3_column_text(st, 3);
		cr.joined = sqlite3_column_int(st, 4);
		cr.last_read = sqlite3_column_int64(st, 5);
		cr.unread = sqlite3_column_int(st, 6);
		cr.shown = sqlite3_column_int(st, 7);
		fn(&cr, arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error("loading conversations");
		return (-1);
	}
	return (0);
}

/* Remember the last message the user has read in a conversation. */
int
store_conv_read(int64_t conv, int64_t last_read, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_CONV_READ);

	sqlite3_bind_int64(st, 1, last_read);
	sqlite3_bind_int64(st, 2, conv);
	return (store_exec(S_CONV_READ, cause));
}

/* Store a conversation's count of unread messages. */
int
store_conv_unread(int64_t conv, u_int unread, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_CONV_UNREAD);

	sqlite3_bind_int64(st, 1, unread);
	sqlite3_bind_int64(st, 2, conv);
	return (store_exec(S_CONV_UNREAD, cause));
}

/* How many messages, and bytes of text, a conversation holds received. */
int
store_conv_received(int64_t conv, int64_t *n, int64_t *bytes, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_CONV_RECEIVED);
	int		 rc;

	sqlite3_bind_int64(st, 1, conv);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		*bytes = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		*cause = store_error("counting a conversation's messages");
		return (-1);
	}
	return (0);
}

/*
 * Store a message. *dup is set when the conversation already had it (the
 * same id and sent_at); then m->rowid and m->state are the stored ones.
 */
int
store_msg_add(struct msg *m, int *dup, char **cause)
{
	sqlite3_stmt	*st;
	int		 outbox = m->outgoing && m->state < MSG_DELIVERED;
	int64_t		 ts = m->ts, seen;

	/* The id stored lately under another time: the same message. */
	if ((seen = store_seen_ts(m->conv, m->id)) != -1 && seen != m->ts) {
		ts = seen;
		goto dup;
	}
	st = store_stmt(S_MSG_INSERT);
	sqlite3_bind_int64(st, 1, m->conv);
	sqlite3_bind_blob(st, 2, m->id, MSGID_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, m->author, PEER_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, m->outgoing);
	sqlite3_bind_int(st, 5, outbox ? MSG_DELIVERED : m->state);
	sqlite3_bind_int64(st, 6, m->ts);
	sqlite3_bind_int64(st, 7, m->stored);
	sqlite3_bind_text(st, 8, m->text, (int)m->len, SQLITE_STATIC);
	if (*m->nick != '\0')
		sqlite3_bind_text(st, 9, m->nick, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 9);
	if (store_exec(S_MSG_INSERT, cause) != 0)
		return (-1);
	if (sqlite3_changes(store_db) == 1) {
		*dup = 0;
		m->rowid = sqlite3_last_insert_rowid(store_db);
		store_added = 1;
		store_seen_add(m->conv, m->id, m->ts);
		if (outbox) {
			st = store_stmt(S_OUTBOX_ADD);
			sqlite3_bind_int64(st, 1, m->rowid);
			sqlite3_bind_int64(st, 2, m->conv);
			sqlite3_bind_int(st, 3, m->state);
			if (store_exec(S_OUTBOX_ADD, cause) != 0)
				return (-1);
			store_flight_add(m);
		}
		return (0);
	}
dup:
	*dup = 1;
	st = store_stmt(S_MSG_FIND);
	sqlite3_bind_int64(st, 1, m->conv);
	sqlite3_bind_blob(st, 2, m->id, MSGID_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ts);
	if (sqlite3_step(st) == SQLITE_ROW) {
		m->rowid = sqlite3_column_int64(st, 0);
		m->state = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return (0);
}

/* Move the outgoing message at row id forward; 1 if it changed. */
static int
store_msg_set_state(int64_t id, int64_t conv, const uint8_t *msgid,
    int state, char **cause)
{
	enum store_stmt	 which;
	sqlite3_stmt	*st;

	which = state >= MSG_DELIVERED ? S_MSG_DELIVER_ONE : S_MSG_STATE;
	st = store_stmt(which);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, state);
	sqlite3_bind_int64(st, 3, conv);
	sqlite3_bind_blob(st, 4, msgid, MSGID_LEN, SQLITE_STATIC);
	if (store_exec(which, cause) != 0)
		return (-1);
	return (sqlite3_changes(store_db) != 0);
}

/*
 * Move an outgoing message forward to state; 1 if it changed. The row id
 * comes from the map of messages in flight, or else from the outbox. A
 * delivery in flight is only queued (store_dl) and leaves the map.
 */
int
store_msg_state(int64_t conv, const uint8_t *msgid, int state, char **cause)
{
	sqlite3_stmt	*st;
	int64_t		 id;
	int		 rc;

	if ((id = store_flight_find(conv, msgid,
	    state >= MSG_DELIVERED)) != 0) {
		if (state < MSG_DELIVERED)
			return (store_msg_set_state(id, conv, msgid, state,
			    cause));
		store_dl_add(id, conv);
		return (1);
	}
	st = store_stmt(S_MSG_INFLIGHT);
	sqlite3_bind_int64(st, 1, conv);
	sqlite3_bind_blob(st, 2, msgid, MSGID_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		*cause = store_error("finding a message");
		return (-1);
	}
	if (id == 0)
		return (0);
	return (store_msg_set_state(id, conv, msgid, state, cause));
}

/* Mark pending messages with row ids in (after, upto] sent. */
int
store_msg_sent(int64_t conv, int64_t after, int64_t upto, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_MSG_SENT);

	sqlite3_bind_int64(st, 1, conv);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, upto);
	if (store_exec(S_MSG_SENT, cause) != 0)
		return (-1);
	return (sqlite3_changes(store_db));
}

/* Fill a message from a row of the common message columns. */
static void
store_msg_row(sqlite3_stmt *st, struct msg *m)
{
	const char	*text;

	memset(m, 0, sizeof *m);
	m->rowid = sqlite3_column_int64(st, 0);
	m->conv = sqlite3_column_int64(st, 1);
	store_blob(st, 2, m->id, MSGID_LEN);
	store_blob(st, 3, m->author, PEER_ID_LEN);
	m->outgoing = sqlite3_column_int(st, 4);
	m->state = sqlite3_column_int(st, 5);
	m->ts = sqlite3_column_int64(st, 6);
	m->stored = sqlite3_column_int64(st, 7);
	text = (const char *)sqlite3_column_text(st, 8);
	m->len = sqlite3_column_bytes(st, 8);
	m->text = xmalloc(m->len + 1);
	if (m->len != 0)
		memcpy(m->text, text, m->len);
	m->text[m->len] = '\0';
	if ((text = (const char *)sqlite3_column_text(st, 9)) != NULL)
		snprintf(m->nick, sizeof m->nick, "%s", text);
}

/* Run a message query, collecting rows into a list. */
static int
store_msg_collect(sqlite3_stmt *st, struct msg_list *ml, char **cause)
{
	u_int	size = 0;
	int	rc;

	memset(ml, 0, sizeof *ml);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ml->n == size) {
			size = size == 0 ? 16 : size * 2;
			ml->v = xreallocarray(ml->v, size, sizeof *ml->v);
		}
		store_msg_row(st, &ml->v[ml->n++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error("reading messages");
		msg_list_free(ml);
		return (-1);
	}
	return (0);
}

/* Outgoing messages not yet delivered, after row id after, oldest first. */
int
store_msg_outbox(int64_t conv, int64_t after, struct msg_list *ml,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_MSG_OUTBOX);
	u_int		 i;

	sqlite3_bind_int64(st, 1, conv);
	sqlite3_bind_int64(st, 2, after);
	if (store_msg_collect(st, ml, cause) != 0)
		return (-1);
	for (i = 0; i < ml->n; i++)
		store_flight_add(&ml->v[i]);
	return (0);
}

/*
 * A page of n messages by key: the last n (dir 0), those before (ts, id)
 * (dir < 0) newest first, or those after it (dir > 0) oldest first.
 */
int
store_msg_page(int64_t conv, int dir, int64_t ts, int64_t id, u_int n,
    struct msg_list *ml, char **cause)
{
	sqlite3_stmt	*st;

	if (dir == 0) {
		st = store_stmt(S_MSG_LAST);
		sqlite3_bind_int64(st, 1, conv);
		sqlite3_bind_int(st, 2, n);
	} else {
		st = store_stmt(dir < 0 ? S_MSG_BEFORE : S_MSG_AFTER);
		sqlite3_bind_int64(st, 1, conv);
		sqlite3_bind_int64(st, 2, ts);
		sqlite3_bind_int64(st, 3, id);
		sqlite3_bind_int(st, 4, n);
	}
	return (store_msg_collect(st, ml, cause));
}

/* One message by row id: 1 found, 0 not, -1 error. */
int
store_msg_get(int64_t rowid, struct msg *m, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_MSG_GET);
	int		 rc;

	sqlite3_bind_int64(st, 1, rowid);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store_msg_row(st, m);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		*cause = store_error("reading a message");
		return (-1);
	}
	return (rc == SQLITE_ROW);
}

/*
 * Full-text search. The user's text is searched as a set of words, each
 * quoted, so that FTS5 syntax in it is taken literally.
 */
int
store_msg_search(const char *text, u_int n, struct msg_list *ml,
    char **cause)
{
	return (store_msg_search_from(text, 0, n, ml, NULL, cause));
}

/*
 * Search from the newest: n matches after the first offset ones, and
 * with total, how many match in all.
 */
int
store_msg_search_from(const char *text, u_int offset, u_int n,
    struct msg_list *ml, u_int *total, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_MSG_SEARCH);
	struct buf	 q;
	const char	*p = text, *e;
	int		 rc;

	buf_init(&q);
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		if (q.size != 0)
			buf_put_u8(&q, ' ');
		buf_put_u8(&q, '"');
		for (; p < e; p++) {
			if (*p == '"')
				buf_put_u8(&q, '"');
			buf_put_u8(&q, *p);
		}
		buf_put_u8(&q, '"');
	}
	if (q.size == 0) {
		buf_free(&q);
		xasprintf(cause, "nothing to search for");
		return (-1);
	}
	if (store_index_all(cause) != 0) {
		buf_free(&q);
		return (-1);
	}
	st = store_stmt(S_MSG_SEARCH);
	sqlite3_bind_text(st, 1, (const char *)q.d, (int)q.size,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, n);
	sqlite3_bind_int(st, 3, offset);
	rc = store_msg_collect(st, ml, cause);
	if (rc == 0 && total != NULL) {
		st = store_stmt(S_MSG_SEARCH_COUNT);
		sqlite3_bind_text(st, 1, (const char *)q.d, (int)q.size,
		    SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			*total = (u_int)sqlite3_column_int64(st, 0);
		else
			*total = offset + ml->n;
		sqlite3_reset(st);
	}
	buf_free(&q);
	return (rc);
}

/* Free a message list. */
void
msg_list_free(struct msg_list *ml)
{
	u_int	i;

	for (i = 0; i < ml->n; i++)
		free(ml->v[i].text);
	free(ml->v);
	memset(ml, 0, sizeof *ml);
}

/* Add an address to the book (peer_dbid 0 when not known yet). */
int
store_addr_add(const char *host, u_short port, int source, int64_t peer_dbid,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ADDR_ADD);

	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, port);
	sqlite3_bind_int(st, 3, source);
	sqlite3_bind_int64(st, 4, now_ms());
	if (peer_dbid != 0)
		sqlite3_bind_int64(st, 5, peer_dbid);
	return (store_exec(S_ADDR_ADD, cause));
}

/* Record a successful session to an address. */
int
store_addr_ok(const char *host, u_short port, int64_t peer_dbid, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ADDR_OK);

	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, port);
	sqlite3_bind_int64(st, 3, now_ms());
	sqlite3_bind_int64(st, 4, peer_dbid);
	return (store_exec(S_ADDR_OK, cause));
}

/* Record a failed dial to an address. */
int
store_addr_fail(const char *host, u_short port, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ADDR_FAIL);

	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, port);
	sqlite3_bind_int64(st, 3, now_ms());
	return (store_exec(S_ADDR_FAIL, cause));
}

/* Walk the address book, best first. */
int
store_addr_load(void (*fn)(const struct addr_row *, void *), void *arg,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ADDR_ALL);
	struct addr_row	 ar;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&ar, 0, sizeof ar);
		ar.host = (const char *)sqlite3_column_text(st, 0);
		ar.port = (u_short)sqlite3_column_int(st, 1);
		ar.source = sqlite3_column_int(st, 2);
		ar.failures = sqlite3_column_int(st, 3);
		ar.last_ok = sqlite3_column_int64(st, 4);
		ar.has_peer = store_blob(st, 5, ar.peer, PEER_ID_LEN) == 0;
		ar.has_claim = store_blob(st, 6, ar.claim, PEER_ID_LEN) == 0;
		ar.last_try = sqlite3_column_int64(st, 7);
		if (ar.host != NULL)
			fn(&ar, arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error("loading addresses");
		return (-1);
	}
	return (0);
}

/* Add an address learned from a peer, with the peer id it was given for. */
int
store_addr_learn(const char *host, u_short port, int source,
    const uint8_t *claim, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ADDR_LEARN);

	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, port);
	sqlite3_bind_int(st, 3, source);
	sqlite3_bind_int64(st, 4, now_ms());
	sqlite3_bind_blob(st, 5, claim, PEER_ID_LEN, SQLITE_STATIC);
	return (store_exec(S_ADDR_LEARN, cause));
}

/*
 * Bound the address book: drop learned addresses that keep failing and have
 * not worked lately, then the worst learned ones beyond max rows.
 */
int
store_addr_trim(u_int max, u_int failures, int64_t older_than, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ADDR_TRIM);

	sqlite3_bind_int(st, 1, max);
	sqlite3_bind_int(st, 2, failures);
	sqlite3_bind_int64(st, 3, older_than);
	return (store_exec(S_ADDR_TRIM, cause));
}

/* Join (or rejoin) a room; returns its conversation id. */
int
store_room_add(const char *name, const char *secret, int64_t *conv,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ROOM_ADD);
	int		 rc;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, secret, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*conv = sqlite3_column_int64(st, 0);
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error("joining a room");
		return (-1);
	}
	return (0);
}

/* Mark a room joined or left. */
int
store_room_joined(int64_t conv, int joined, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ROOM_JOINED);

	sqlite3_bind_int(st, 1, joined);
	sqlite3_bind_int64(st, 2, conv);
	return (store_exec(S_ROOM_JOINED, cause));
}

/* Keep a room message record to answer ROOM_SYNC later. */
int
store_room_log_add(const uint8_t *room_id, const uint8_t *msgid, int64_t ts,
    const u_char *rec, size_t len, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ROOM_LOG_ADD);

	sqlite3_bind_blob(st, 1, room_id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, msgid, MSGID_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ts);
	sqlite3_bind_blob(st, 4, rec, (int)len, SQLITE_STATIC);
	return (store_exec(S_ROOM_LOG_ADD, cause));
}

/* Call fn for each logged record of a room after since, oldest first. */
int
store_room_log_since(const uint8_t *room_id, int64_t ts, int64_t id,
    u_int limit, void (*fn)(const u_char *, size_t, int64_t, int64_t, void *),
    void *arg, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ROOM_LOG_SINCE);
	int		 rc;

	sqlite3_bind_blob(st, 1, room_id, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ts);
	sqlite3_bind_int64(st, 3, id);
	sqlite3_bind_int(st, 4, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fn(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0),
		    sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
		    arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error("reading the room log");
		return (-1);
	}
	return (0);
}

/* Keep a room post; *dup is set if it was kept already. */
int
store_room_post_add(const uint8_t *room_id, const uint8_t *author,
    uint64_t seq, int64_t sent_at, int kind, const u_char *rec, size_t len,
    int *dup, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ROOM_POST_ADD);

	sqlite3_bind_blob(st, 1, room_id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, author, PEER_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, seq > INT64_MAX ? INT64_MAX : (int64_t)seq);
	sqlite3_bind_int64(st, 4, sent_at);
	sqlite3_bind_int(st, 5, kind);
	sqlite3_bind_blob(st, 6, rec, (int)len, SQLITE_STATIC);
	if (store_exec(S_ROOM_POST_ADD, cause) != 0)
		return (-1);
	*dup = sqlite3_changes(store_db) == 0;
	return (0);
}

/*
 * Call fn for each kept post of author in a room with a seq in (after,
 * upto], at most limit of them, lowest first.
 */
int
store_room_post_after(const uint8_t *room_id, const uint8_t *author,
    uint64_t after, uint64_t upto, u_int limit,
    void (*fn)(const u_char *, size_t, uint64_t, void *), void *arg,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ROOM_POST_AFTER);
	int		 rc;

	sqlite3_bind_blob(st, 1, room_id, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, author, PEER_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, after > INT64_MAX ? INT64_MAX :
	    (int64_t)after);
	sqlite3_bind_int64(st, 4, upto > INT64_MAX ? INT64_MAX :
	    (int64_t)upto);
	sqlite3_bind_int(st, 5, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fn(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0),
		    (uint64_t)sqlite3_column_int64(st, 1), arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error("reading room posts");
		return (-1);
	}
	return (0);
}

/*
 * Call fn for each author of a room's kept posts: its highest seq, how
 * many it has, its latest sent_at and the kind of its highest post.
 */
int
store_room_authors(const uint8_t *room_id,
    void (*fn)(const uint8_t *, uint64_t, uint64_t, int64_t, int, void *),
    void *arg, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_ROOM_AUTHORS);
	int		 rc;

	sqlite3_bind_blob(st, 1, room_id, 32, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != PEER_ID_LEN)
			continue;
		fn(sqlite3_column_blob(st, 0),
		    (uint64_t)sqlite3_column_int64(st, 1),
		    (uint64_t)sqlite3_column_int64(st, 2),
		    sqlite3_column_int64(st, 3), sqlite3_column_int(st, 4), arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error("reading room authors");
		return (-1);
	}
	return (0);
}

/* The newest timestamp logged for a room (0 if none). */
int64_t
store_room_log_last(const uint8_t *room_id)
{
	sqlite3_stmt	*st = store_stmt(S_ROOM_LOG_LAST);
	int64_t		 ts = 0;

	sqlite3_bind_blob(st, 1, room_id, 32, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		ts = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (ts);
}

/*
 * Hold a RELAY for its recipient, brought by its author from address addr
 * in network net. Returns 1 if stored, 0 if it was there already or a
 * bound (per author, address, network, in total) refuses it.
 */
int
store_relay_put(const uint8_t *recipient, const uint8_t *author,
    const uint8_t *msgid, int64_t expires, const u_char *rec, size_t len,
    const char *addr, const char *net, const struct relay_bounds *rb,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_RELAY_COUNT);
	u_int		 na = 0, nd = 0, nn = 0, nt = 0;

	sqlite3_bind_blob(st, 1, author, PEER_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, net, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		na = sqlite3_column_int(st, 0);
		nd = sqlite3_column_int(st, 1);
		nn = sqlite3_column_int(st, 2);
		nt = sqlite3_column_int(st, 3);
	}
	sqlite3_reset(st);
	if (na >= rb->per_author || nd >= rb->per_addr ||
	    nn >= rb->per_net || nt >= rb->total)
		return (0);
	st = store_stmt(S_RELAY_PUT);
	sqlite3_bind_blob(st, 1, recipient, PEER_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, author, PEER_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, msgid, MSGID_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, expires);
	sqlite3_bind_blob(st, 5, rec, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, net, -1, SQLITE_STATIC);
	if (store_exec(S_RELAY_PUT, cause) != 0)
		return (-1);
	return (sqlite3_changes(store_db) > 0);
}

/*
 * A RELAY_ACK from recipient for author's message msgid: put it in the
 * place of that message if it is held (keeping who brought it, so it
 * counts against the same bounds), to hand to author. Returns 1 if it
 * was, 0 if no such message is held.
 */
int
store_relay_acked(const uint8_t *author, const uint8_t *recipient,
    const uint8_t *msgid, int64_t expires, const u_char *rec, size_t len,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_RELAY_ACKED);

	sqlite3_bind_blob(st, 1, author, PEER_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, recipient, PEER_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, msgid, MSGID_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, expires);
	sqlite3_bind_blob(st, 5, rec, (int)len, SQLITE_STATIC);
	if (store_exec(S_RELAY_ACKED, cause) != 0)
		return (-1);
	return (sqlite3_changes(store_db) > 0);
}

/* Call fn for each unexpired relay record held for a recipient. */
int
store_relay_for(const uint8_t *recipient,
    void (*fn)(int, const u_char *, size_t, void *), void *arg, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_RELAY_FOR);
	int		 rc;

	sqlite3_bind_blob(st, 1, recipient, PEER_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_ms());
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fn(sqlite3_column_int(st, 0), sqlite3_column_blob(st, 1),
		    sqlite3_column_bytes(st, 1), arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error("reading relayed messages");
		return (-1);
	}
	return (0);
}

/* Forget a relay record. */
int
store_relay_del(const uint8_t *recipient, const uint8_t *msgid, int kind,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_RELAY_DEL);

	sqlite3_bind_blob(st, 1, recipient, PEER_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, msgid, MSGID_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, kind);
	return (store_exec(S_RELAY_DEL, cause));
}

/* Drop expired relay records. */
int
store_relay_expire(char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_RELAY_EXPIRE);

	sqlite3_bind_int64(st, 1, now_ms());
	return (store_exec(S_RELAY_EXPIRE, cause));
}

/* Forget the saved DHT nodes (before saving the table again). */
int
store_dht_clear(char **cause)
{
	store_stmt(S_DHT_CLEAR);
	return (store_exec(S_DHT_CLEAR, cause));
}

/* Save one DHT node: its id, compact IPv4 address and port, when seen. */
int
store_dht_add(const uint8_t *id, const uint8_t *compact, int64_t seen,
    char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_DHT_ADD);

	sqlite3_bind_blob(st, 1, id, 20, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, compact, 6, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, seen);
	return (store_exec(S_DHT_ADD, cause));
}

/* Call fn for the saved DHT nodes, most recently seen first, at most max. */
int
store_dht_load(void (*fn)(const uint8_t *, const uint8_t *, int64_t, void *),
    void *arg, u_int max, char **cause)
{
	sqlite3_stmt	*st = store_stmt(S_DHT_ALL);
	uint8_t		 id[20], compact[6];
	int		 rc;

	sqlite3_bind_int(st, 1, (int)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (store_blob(st, 0, id, sizeof id) == 0 &&
		    store_blob(st, 1, compact, sizeof compact) == 0)
			fn(id, compact, sqlite3_column_int64(st, 2), arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error("loading DHT nodes");
		return (-1);
	}
	return (0);
}
