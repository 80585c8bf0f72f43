#!/bin/sh
# store.sh: a damaged or newer database, one without an identity, and a
# profile other users can reach are refused and left untouched.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

if command -v timeout > /dev/null 2>&1; then
	TIMEOUT="timeout 60"
else
	TIMEOUT=""
fi

# refused NAME DIR PATTERN [ARGS...]: p2pchat on profile DIR exits 1
# with PATTERN on stderr and never becomes ready. It is sent /quit, so
# one that starts anyway ends and the test fails rather than hangs.
refused() {
	_n=$1 _d=$2 _p=$3
	shift 3
	echo /quit | $TIMEOUT "$P2PCHAT" --headless -d "$_d" -l 127.0.0.1:0 \
	    "$@" > "$T/$_n.stdout" 2> "$T/$_n.stderr"
	_rc=$?
	[ $_rc -eq 1 ] || fail "$_n: exit status $_rc, expected 1"
	grep -q '"event":"ready"' "$T/$_n.stdout" && fail "$_n: started anyway"
	grep -q -- "$_p" "$T/$_n.stderr" || \
	    fail "$_n: error \"$(cat "$T/$_n.stderr")\" does not match \"$_p\""
}

# A file of random bytes where the database should be.
mkdir -m 700 "$T/junk"
head -c 65536 /dev/urandom > "$T/junk/p2pchat.db"
chmod 600 "$T/junk/p2pchat.db"
sum1=$(cksum < "$T/junk/p2pchat.db")
"$P2PCHAT" --headless -d "$T/junk" -l 127.0.0.1:0 < /dev/null \
    > "$T/junk.stdout" 2> "$T/junk.stderr"
[ $? -eq 1 ] || fail "corrupt database: exit status not 1"
grep -q "not a usable p2pchat database" "$T/junk.stderr" || \
    fail "corrupt database error: $(cat "$T/junk.stderr")"
grep -q "left as it is" "$T/junk.stderr" || fail "does not say it is kept"
[ "$(cksum < "$T/junk/p2pchat.db")" = "$sum1" ] || \
    fail "corrupt database was modified"
[ -e "$T/junk/p2pchat.db-wal" ] && [ -s "$T/junk/p2pchat.db-wal" ] && \
    fail "a WAL was written next to the corrupt database"

# A real database whose header was damaged after the first page.
start_node good -l 127.0.0.1:0
stop_node good
id1=$good_id
cp "$T/good/p2pchat.db" "$T/good.db.bak"
printf 'XXXXXXXXXXXXXXXX' | dd of="$T/good/p2pchat.db" bs=1 seek=0 \
    conv=notrunc 2>/dev/null
sum1=$(cksum < "$T/good/p2pchat.db")
"$P2PCHAT" --headless -d "$T/good" -l 127.0.0.1:0 < /dev/null \
    > "$T/hdr.stdout" 2> "$T/hdr.stderr"
[ $? -eq 1 ] || fail "damaged header: exit status not 1"
[ "$(cksum < "$T/good/p2pchat.db")" = "$sum1" ] || \
    fail "damaged database was modified"

# A database truncated to nothing has no identity: refused and kept, with
# no new identity made in it; --new-identity makes one.
start_node empty -l 127.0.0.1:0
stop_node empty
id0=$empty_id
: > "$T/empty/p2pchat.db"
refused empty "$T/empty" \
    "$T/empty/p2pchat.db has no identity: the file is empty (0 bytes)"
grep -q -- "--new-identity" "$T/empty.stderr" || \
    fail "the empty database error does not name --new-identity"
[ -s "$T/empty/p2pchat.db" ] && fail "something was written to the empty file"
start_node empty -l 127.0.0.1:0 --new-identity
[ -n "$empty_id" ] && [ "$empty_id" != "$id0" ] || \
    fail "--new-identity: id \"$empty_id\", the old one was $id0"
stop_node empty
# It is kept: the flag never replaces an identity the file has.
id0=$empty_id
start_node empty -l 127.0.0.1:0 --new-identity
[ "$empty_id" = "$id0" ] || fail "--new-identity replaced an identity"
stop_node empty

# The profile holds the secret key. A directory other users can write in
# is refused, naming it, its mode and the chmod to run, and left as it
# is; one they can only read is made private (as before) with a log line.
chmod 777 "$T/empty"
refused dir777 "$T/empty" \
    "$T/empty: mode 0777 lets other users write.*chmod 700 $T/empty"
[ "$(stat -c %a "$T/empty")" = 777 ] || fail "the 0777 directory was changed"
chmod 755 "$T/empty"
start_node empty -l 127.0.0.1:0
stop_node empty
[ "$(stat -c %a "$T/empty")" = 700 ] || fail "the 0755 directory not made 0700"
grep -q "$T/empty was mode 0755, made 0700" "$T/empty/p2pchat.log" || \
    fail "no log line for the directory made private"
# A database (or its log) others can read is refused as ssh refuses such
# a private key: it may have been copied already.
db=$T/empty/p2pchat.db
chmod 644 "$db"
sum1=$(cksum < "$db")
refused db644 "$T/empty" \
    "$db: mode 0644 lets other users read or change the secret key"
grep -q "run \"chmod 600 $db\"" "$T/db644.stderr" || \
    fail "the 0644 database error does not give the chmod"
[ "$(stat -c %a "$db")" = 644 ] || fail "the 0644 database was changed"
[ "$(cksum < "$db")" = "$sum1" ] || fail "the 0644 database was modified"
chmod 600 "$db"
# A clean exit removes the log; one left by a crash holds pages too.
[ -e "$db-wal" ] || : > "$db-wal"
chmod 640 "$db-wal"
refused wal640 "$T/empty" "$db-wal: mode 0640 .*chmod 600 $db-wal"
chmod 600 "$db-wal"
start_node empty -l 127.0.0.1:0
[ "$empty_id" = "$id0" ] || fail "identity changed after the mode checks"
stop_node empty

# A database from a newer p2pchat.
if command -v sqlite3 > /dev/null; then
	cp "$T/good.db.bak" "$T/good/p2pchat.db"
	rm -f "$T/good/p2pchat.db-wal" "$T/good/p2pchat.db-shm"
	v=$(sqlite3 "$T/good/p2pchat.db" "PRAGMA user_version")
	sqlite3 "$T/good/p2pchat.db" "PRAGMA user_version = 99" || \
	    fail "sqlite3 could not set user_version"
	sum1=$(cksum < "$T/good/p2pchat.db")
	"$P2PCHAT" --headless -d "$T/good" -l 127.0.0.1:0 < /dev/null \
	    > "$T/new.stdout" 2> "$T/new.stderr"
	[ $? -eq 1 ] || fail "newer database: exit status not 1"
	grep -q "written by a newer p2pchat (schema 99" "$T/new.stderr" || \
	    fail "newer database error: $(cat "$T/new.stderr")"
	[ "$(cksum < "$T/good/p2pchat.db")" = "$sum1" ] || \
	    fail "newer database was modified"
	# A negative version is no p2pchat's: refused with a message (it was
	# an unset error string), the file kept.
	sqlite3 "$T/good/p2pchat.db" "PRAGMA user_version = -1"
	sum1=$(cksum < "$T/good/p2pchat.db")
	refused negative "$T/good" \
	    "good/p2pchat.db: not a p2pchat database (schema version -1)"
	[ "$(cksum < "$T/good/p2pchat.db")" = "$sum1" ] || \
	    fail "database of version -1 was modified"
	# Put the version back: the identity is intact.
	sqlite3 "$T/good/p2pchat.db" "PRAGMA user_version = $v"
	start_node good -l 127.0.0.1:0
	[ "$good_id" = "$id1" ] || fail "identity lost"
	stop_node good

	# A database whose identity row was deleted: refused, not started
	# with a new identity under the old peers and history, and kept.
	cp "$T/good/p2pchat.db" "$T/good.db.id"
	sqlite3 "$T/good/p2pchat.db" "DELETE FROM identity" || \
	    fail "sqlite3 could not delete the identity"
	sum1=$(cksum < "$T/good/p2pchat.db")
	refused noid "$T/good" \
	    "good/p2pchat.db has no identity: its identity row is missing"
	[ "$(cksum < "$T/good/p2pchat.db")" = "$sum1" ] || \
	    fail "database without an identity was modified"
	[ "$(sqlite3 "$T/good/p2pchat.db" "SELECT count(*) FROM identity")" \
	    = 0 ] || fail "an identity was written after all"
	cp "$T/good.db.id" "$T/good/p2pchat.db"

	# A schema 1 database is migrated forward, keeping its identity.
	cp "$T/good.db.bak" "$T/good/p2pchat.db"
	rm -f "$T/good/p2pchat.db-wal" "$T/good/p2pchat.db-shm"
	# Its messages table is the old one (unique on conversation and id),
	# holding a message that is in the full-text index, an older one
	# the user has read (so one is unread), and one sent and not yet
	# delivered (in the outbox).
	sqlite3 "$T/good/p2pchat.db" "DROP TABLE outbox;
	    DROP TABLE room_log; DROP TABLE relay; DROP TABLE dht_nodes;
	    DROP TRIGGER messages_fts_delete; DROP TRIGGER messages_fts_update;
	    DROP TABLE messages; DROP TABLE fts_state;
	    CREATE TABLE messages (id INTEGER PRIMARY KEY, conv INTEGER NOT NULL
	    REFERENCES conversations (id) ON DELETE CASCADE, msgid BLOB NOT NULL
	    CHECK (length(msgid) = 16), author BLOB NOT NULL CHECK
	    (length(author) = 32), outgoing INTEGER NOT NULL, state INTEGER NOT
	    NULL, ts INTEGER NOT NULL, stored INTEGER NOT NULL, body TEXT NOT
	    NULL, UNIQUE (conv, msgid));
	    CREATE INDEX messages_page ON messages (conv, ts, id);
	    CREATE INDEX messages_outbox ON messages (conv, id) WHERE state < 2;
	    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
	    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body); END;
	    INSERT INTO peers (peer_id, nick, first_seen, last_seen)
	    VALUES (zeroblob(32), 'old', 1, 1);
	    INSERT INTO conversations (peer, last_read) VALUES (1, 5);
	    INSERT INTO messages VALUES (3, 1, randomblob(16), zeroblob(32), 0,
	    3, 1600000000000, 1600000000000, 'read before');
	    INSERT INTO messages VALUES (7, 1, zeroblob(16), zeroblob(32), 0, 3,
	    1700000000000, 1700000000000, 'kept across the migration');
	    INSERT INTO messages VALUES (9, 1, randomblob(16), zeroblob(32), 1,
	    1, 1700000000001, 1700000000001, 'waiting to be delivered');
	    DROP TABLE addresses;
	    CREATE TABLE addresses (id INTEGER PRIMARY KEY, peer INTEGER
	    REFERENCES peers (id) ON DELETE CASCADE, host TEXT NOT NULL, port
	    INTEGER NOT NULL, source INTEGER NOT NULL DEFAULT 0, added INTEGER
	    NOT NULL, last_ok INTEGER NOT NULL DEFAULT 0, last_try INTEGER NOT
	    NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
	    UNIQUE (host, port));
	    ALTER TABLE peers DROP COLUMN contact;
	    ALTER TABLE peers DROP COLUMN name;
	    ALTER TABLE peers DROP COLUMN request;
	    ALTER TABLE peers DROP COLUMN request_addr;
	    ALTER TABLE conversations DROP COLUMN shown;
	    ALTER TABLE conversations DROP COLUMN unread; PRAGMA user_version = 1" \
	    || fail "could not make a schema 1 file"
	start_node good -l 127.0.0.1:0
	[ "$good_id" = "$id1" ] || fail "identity lost in the migration"
	# The message is there, and found by a search.
	send good "/search migration"
	wait_for good '"event":"done","command":"search"'
	grep '"event":"history"' "$T/good.out" | grep -q "kept across" || \
	    fail "the message is not found after the migration"
	# All are listed, oldest first, through the schema 4 page query; the
	# one not yet delivered is still sent, its state now in the outbox.
	: > "$T/good.out"
	send good "/history old"
	wait_for good '"event":"done","command":"history"'
	[ "$(grep '"event":"history"' "$T/good.out" | sed 's/.*"text":"//;
	    s/".*//' | tr '\n' '/')" = \
	    "read before/kept across the migration/waiting to be delivered/" ] ||
	    fail "history after the migration: $(cat "$T/good.out")"
	grep '"text":"waiting to be delivered"' "$T/good.out" | \
	    grep -q '"state":"sent"' || fail "the outbox message is not sent"
	stop_node good
	[ "$(sqlite3 "$T/good/p2pchat.db" "PRAGMA user_version")" = "$v" ] || \
	    fail "not migrated to schema $v"
	for m in "1 to 2" "2 to 3" "3 to 4" "4 to 5" "5 to 6"; do
		grep -q "migrating schema $m" "$T/good/p2pchat.log" || \
		    fail "the log does not say it migrated $m"
	done
	# Schema 8: the DHT's saved nodes.
	grep -q "migrating schema 7 to 8" "$T/good/p2pchat.log" || \
	    fail "the log does not say it migrated 7 to 8"
	[ "$(sqlite3 "$T/good/p2pchat.db" "SELECT count(*) FROM sqlite_master
	    WHERE name = 'dht_nodes'")" = 1 ] || fail "no dht_nodes table"
	sqlite3 "$T/good/p2pchat.db" "SELECT sql FROM sqlite_master WHERE
	    name = 'messages'" | grep -q "UNIQUE (conv, ts, msgid)" || \
	    fail "messages not rebuilt with the schema 3 key"
	[ "$(sqlite3 "$T/good/p2pchat.db" "SELECT id || body FROM messages
	    WHERE msgid = zeroblob(16)")" = "7kept across the migration" ] || \
	    fail "the message or its row id changed in the migration"
	# Schema 4 keeps the unread count (1) instead of two more indexes.
	[ "$(sqlite3 "$T/good/p2pchat.db" "SELECT unread FROM conversations
	    WHERE peer = 1")" = 1 ] || fail "unread count not 1 after migrating"
	[ "$(sqlite3 "$T/good/p2pchat.db" "SELECT count(*) FROM sqlite_master
	    WHERE name IN ('messages_page', 'messages_conv_id')")" = 0 ] ||
	    fail "the indexes schema 4 drops are still there"
	# Schema 5: the outbox is a table of its own, without the index.
	[ "$(sqlite3 "$T/good/p2pchat.db" "SELECT o.id || o.state || m.state
	    FROM outbox o JOIN messages m USING (id)")" = 912 ] ||
	    fail "the outbox after migrating is not message 9, sent"
	[ "$(sqlite3 "$T/good/p2pchat.db" "SELECT count(*) FROM sqlite_master
	    WHERE name = 'messages_outbox'")" = 0 ] ||
	    fail "the index schema 5 drops is still there"
	# Schema 6: held relay records say who brought them, indexed.
	[ "$(sqlite3 "$T/good/p2pchat.db" "SELECT count(*) FROM
	    pragma_table_info('relay') WHERE name IN ('addr', 'net')")" = 2 ] ||
	    fail "the relay table has no addr and net columns"
	[ "$(sqlite3 "$T/good/p2pchat.db" "SELECT count(*) FROM sqlite_master
	    WHERE name IN ('relay_addr', 'relay_net')")" = 2 ] ||
	    fail "the indexes schema 6 adds are missing"
	[ "$(sqlite3 "$T/good/p2pchat.db" "PRAGMA integrity_check")" = ok ] || \
	    fail "integrity check failed after the migration"
else
	echo "sqlite3 CLI missing: newer-version case not run" >&2
fi
pass
