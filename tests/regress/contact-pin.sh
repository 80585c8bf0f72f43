#!/bin/sh
# contact-pin.sh: a contact is a key, never a nick (issue 15). A verified
# peer that takes another contact's nick and gives it back stays verified,
# with no warning; the two are told apart by id. What is pinned is an
# address the user dialled: another key answering there is the one loud
# warning, and that peer is kept apart (its messages held) until /trust.
# A profile of schema 6 whose peer was "key-changed" by a nick clash is
# migrated back to what it was.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

# alice is under test; the others take messages from anyone.
for n in alice bob carol bob2; do
	mkdir -m 700 "$T/$n"
	printf '[node]\nlan_discovery = no\naccept = anyone\n' \
	    > "$T/$n/p2pchat.ini"
done
printf '[node]\nlan_discovery = no\n' > "$T/alice/p2pchat.ini"

start_node bob -l 127.0.0.1:0
start_node carol -l 127.0.0.1:0
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$bob_port"
send alice "/connect 127.0.0.1:$carol_port"
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\""
wait_for alice "\"id\":\"$carol_id\".*\"state\":\"online\""
send alice "/verify bob yes"
wait_for alice '"event":"verify".*"trust":"verified"'

# 1. bob calls himself carol, then bob again: no warning, still verified.
send bob "/nick carol"
wait_for alice "\"event\":\"peer\",\"id\":\"$bob_id\",\"nick\":\"carol\""
line=$(peer_line alice "$bob_id")
echo "$line" | grep -q '"trust":"verified"' || fail "bob as carol: $line"
line=$(peer_line alice "$carol_id")
echo "$line" | grep -q '"trust":"unverified","contact":"contact"' || \
    fail "carol: $line"
# The nick names neither: an id prefix does.
send alice "/msg carol which one"
wait_for alice '"event":"error".*2 peers call themselves \\"carol\\"'
send bob "/nick bob"
wait_for alice "\"event\":\"peer\",\"id\":\"$bob_id\",\"nick\":\"bob\""
line=$(peer_line alice "$bob_id")
echo "$line" | grep -q '"trust":"verified"' || fail "bob again: $line"
[ "$(count alice '"event":"warning"')" -eq 0 ] || \
    fail "a nick change raised a warning: $(grep warning "$T/alice.out")"
send alice "/msg bob still you"
wait_for bob '"event":"message".*"text":"still you"'

# A local name wins on this side and in commands.
send alice "/rename $bob_id robert"
wait_for alice '"event":"rename".*"name":"robert"'
send alice "/msg robert by name"
wait_for bob '"event":"message".*"text":"by name"'
send alice "/nick x y"
wait_for alice '"event":"error".*a nick cannot hold a space'

# 2. Another key at the address alice dialled: bob's port, a new profile.
stop_node bob
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"offline\""
start_node bob2 -l "127.0.0.1:$bob_port"
wait_for alice '"event":"warning".*ANOTHER KEY at 127.0.0.1:'"$bob_port" 30
grep '"event":"warning"' "$T/alice.out" | grep -q "Safety numbers: pinned" ||
    fail "the warning gives no safety numbers"
line=$(peer_line alice "$bob2_id")
echo "$line" | grep -q '"trust":"key-changed","contact":"stranger"' || \
    fail "bob2: $line"
wait_for bob2 "\"id\":\"$alice_id\".*\"state\":\"online\""
send bob2 "/msg $alice_id it is me, honest"
wait_for alice '"event":"request".*"text":"it is me, honest"'
send alice "/accept $bob2_id"
wait_for alice '"event":"error".*then /trust it'
send alice "/trust $bob2_id"
wait_for alice '"event":"message".*"text":"it is me, honest"'
line=$(peer_line alice "$bob2_id")
echo "$line" | grep -q '"trust":"unverified","contact":"contact"' || \
    fail "bob2 after /trust: $line"
line=$(peer_line alice "$bob_id")
echo "$line" | grep -q '"trust":"verified"' || fail "bob after: $line"

# The new key is pinned now: a restart warns no more.
stop_node alice
: > "$T/alice.out"
start_node alice -l 127.0.0.1:0
wait_for alice "\"id\":\"$bob2_id\".*\"state\":\"online\"" 30
line=$(peer_line alice "$bob2_id")
echo "$line" | grep -q '"trust":"unverified","contact":"contact"' || \
    fail "bob2 after a restart: $line"
[ "$(count alice '"event":"warning"')" -eq 0 ] || fail "warned again"
stop_node alice

# 3. Back to schema 6, with bob "key-changed" by a nick clash as it was
# then: the migration restores him (verified) and keeps carol a contact.
sqlite3 "$T/alice/p2pchat.db" "
    CREATE TABLE a6 (id INTEGER PRIMARY KEY, peer INTEGER REFERENCES
    peers (id) ON DELETE CASCADE, host TEXT NOT NULL, port INTEGER NOT
    NULL, source INTEGER NOT NULL DEFAULT 0, added INTEGER NOT NULL,
    last_ok INTEGER NOT NULL DEFAULT 0, last_try INTEGER NOT NULL DEFAULT
    0, failures INTEGER NOT NULL DEFAULT 0, claimed BLOB, UNIQUE (host,
    port));
    INSERT INTO a6 SELECT id, peer, host, port, source, added, last_ok,
    last_try, failures, claimed FROM addresses;
    DROP TABLE addresses; ALTER TABLE a6 RENAME TO addresses;
    ALTER TABLE peers DROP COLUMN contact; ALTER TABLE peers DROP COLUMN name;
    ALTER TABLE peers DROP COLUMN request;
    ALTER TABLE peers DROP COLUMN request_addr;
    ALTER TABLE conversations DROP COLUMN shown;
    ALTER TABLE messages DROP COLUMN nick;
    UPDATE peers SET conflict = 1 WHERE hex(peer_id) = upper('$bob_id');
    PRAGMA user_version = 6" || fail "could not make a schema 6 file"
: > "$T/alice.out"
start_node alice -l 127.0.0.1:0
line=$(peer_line alice "$bob_id")
echo "$line" | grep -q '"trust":"verified","contact":"contact"' || \
    fail "bob after the migration: $line"
line=$(peer_line alice "$carol_id")
echo "$line" | grep -q '"contact":"contact"' || \
    fail "carol after the migration: $line"
[ "$(count alice '"event":"warning"')" -eq 0 ] || fail "warned on migration"

stop_node alice
stop_node bob2
stop_node carol
pass
