/*
 * room.c: rooms, group conversations carried across the mesh.
 *
 * A room is named "#name" and may have a secret. Its 32-byte id and its key
 * are BLAKE2b of the name and secret under two different keys, so a node
 * that carries a room without knowing its name and secret learns only the
 * id. A message is sealed with XChaCha20-Poly1305 under the room key,
 * signed by its author's Ed25519 key, and flooded to every session with a
 * hop limit; every node checks the signature before forwarding and drops
 * what it has seen (a bounded set of message ids). Members keep the records
 * they saw and answer ROOM_SYNC with those newer than a given time, so a
 * node that comes back gets what it missed. See p2pchat-protocol(7).
 */

#include "p2pchat.h"

#define ROOM_SEEN_MAX	32768
#define ROOM_SYNC_MAX	1000
#define ROOM_SYNC_MARGIN (10 * 60 * 1000)	/* ms */
#define ROOM_SYNC_PER_SESSION 256
#define ROOM_SIG_CTX	"p2pchat/1 room"
#define ROOM_ID_KEY	"p2pchat/1 room id"
#define ROOM_KEY_KEY	"p2pchat/1 room key"

struct mesh_stats	mesh_stats;

/* The set of message ids seen lately, oldest evicted first. */
struct room_seen {
	uint8_t			 id[MSGID_LEN];
	RB_ENTRY(room_seen)	 entry;
	TAILQ_ENTRY(room_seen)	 age;
};
static int
room_seen_cmp(struct room_seen *a, struct room_seen *b)
{
	return (memcmp(a->id, b->id, MSGID_LEN));
}
RB_HEAD(room_seen_tree, room_seen);
RB_GENERATE_STATIC(room_seen_tree, room_seen, entry, room_seen_cmp);
static struct room_seen_tree	room_seen = RB_INITIALIZER(&room_seen);
static TAILQ_HEAD(, room_seen)	room_seen_age =
    TAILQ_HEAD_INITIALIZER(room_seen_age);
static u_int			room_nseen;

/* Has this message id been seen? */
static int
room_seen_has(const uint8_t *id)
{
	struct room_seen	find;

	memcpy(find.id, id, MSGID_LEN);
	return (RB_FIND(room_seen_tree, &room_seen, &find) != NULL);
}

/*
 * Has this message id been seen? Mark it seen if not. Only ids of messages
 * whose signature checked are marked, so a forged copy cannot shadow the
 * real message.
 */
static int
room_seen_check(const uint8_t *id)
{
	struct room_seen	*rs;

	if (room_seen_has(id))
		return (1);
	if (room_nseen >= ROOM_SEEN_MAX) {
		rs = TAILQ_FIRST(&room_seen_age);
		TAILQ_REMOVE(&room_seen_age, rs, age);
		RB_REMOVE(room_seen_tree, &room_seen, rs);
	} else {
		rs = xmalloc(sizeof *rs);
		room_nseen++;
	}
	memcpy(rs->id, id, MSGID_LEN);
	RB_INSERT(room_seen_tree, &room_seen, rs);
	TAILQ_INSERT_TAIL(&room_seen_age, rs, age);
	return (0);
}

/* Derive a room's id and key from its name and secret. */
void
room_keys(const char *name, const char *secret, uint8_t *id, uint8_t *key)
{
	crypto_generichash_state	st;

	crypto_generichash_init(&st, (const u_char *)ROOM_ID_KEY,
	    sizeof ROOM_ID_KEY - 1, 32);
	crypto_generichash_update(&st, (const u_char *)name, strlen(name) + 1);
	crypto_generichash_update(&st, (const u_char *)secret, strlen(secret));
	crypto_generichash_final(&st, id, 32);
	crypto_generichash_init(&st, (const u_char *)ROOM_KEY_KEY,
	    sizeof ROOM_KEY_KEY - 1, 32);
	crypto_generichash_update(&st, (const u_char *)name, strlen(name) + 1);
	crypto_generichash_update(&st, (const u_char *)secret, strlen(secret));
	crypto_generichash_final(&st, key, 32);
}

/* Derive a room object's id and key. */
static void
room_derive(struct room *r)
{
	room_keys(r->name, r->secret, r->id, r->key);
}

/* Make a room object for a conversation. */
static struct room *
room_make(struct conv *c, const char *name, const char *secret, int joined)
{
	struct room	*r;

	r = xcalloc(1, sizeof *r);
	r->name = xstrdup(name);
	r->secret = xstrdup(secret != NULL ? secret : "");
	r->joined = joined;
	r->conv = c;
	room_derive(r);
	c->room = r;
	return (r);
}

/* A stored room conversation was loaded. */
void
room_loaded(struct conv *c, const char *name, const char *secret, int joined)
{
	room_make(c, name, secret, joined);
}

/* The name of a room, with its '#'. */
const char *
room_name(struct room *r)
{
	return (r->name);
}

/* Find a room by name, joined or not. */
struct room *
room_find(const char *name)
{
	struct conv	*c;

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room != NULL && strcmp(c->room->name, name) == 0)
			return (c->room);
	}
	return (NULL);
}

/* Find a joined room by id. */
static struct room *
room_find_id(const uint8_t *id)
{
	struct conv	*c;

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room != NULL && c->room->joined &&
		    memcmp(c->room->id, id, 32) == 0)
			return (c->room);
	}
	return (NULL);
}

/* Check a room name: '#', then 1 to 63 bytes of printable UTF-8, no space. */
static int
room_name_ok(const char *name, char **cause)
{
	size_t	len = strlen(name);

	if (name[0] != '#' || len < 2 || len > ROOM_NAME_MAX ||
	    !utf8_valid(name, len, 1) || strchr(name, ' ') != NULL) {
		xasprintf(cause, "a room name is # and 1 to %d bytes without "
		    "spaces", ROOM_NAME_MAX - 1);
		return (-1);
	}
	return (0);
}

/* Find a joined room's conversation by name. */
struct conv *
room_conv(const char *name, char **cause)
{
	struct room	*r;

	if ((r = room_find(name)) == NULL || !r->joined) {
		xasprintf(cause, "not in room %s (use /join %s)", name, name);
		return (NULL);
	}
	return (r->conv);
}

/* The bytes an author signs for a room message. */
static void
room_signed_part(struct buf *b, const struct rec_room *m)
{
	buf_put(b, ROOM_SIG_CTX, sizeof ROOM_SIG_CTX - 1);
	buf_put(b, m->room_id, 32);
	buf_put(b, m->msg_id, MSGID_LEN);
	buf_put(b, m->author, PEER_ID_LEN);
	buf_put_u64(b, m->sent_at);
	buf_put(b, m->nonce, 24);
	buf_put_u16(b, (uint16_t)m->ctlen);
	buf_put(b, m->ct, m->ctlen);
}

/* The associated data of a room message's ciphertext. */
static void
room_ad(u_char *ad, const uint8_t *room_id, const uint8_t *msg_id,
    const uint8_t *author, uint64_t sent_at)
{
	struct buf	b;

	buf_init(&b);
	buf_put(&b, room_id, 32);
	buf_put(&b, msg_id, MSGID_LEN);
	buf_put(&b, author, PEER_ID_LEN);
	buf_put_u64(&b, sent_at);
	memcpy(ad, b.d, 88);
	buf_free(&b);
}

/* Send a room record to every open session but one, with hops set. */
static void
room_flood(const u_char *rec, size_t len, uint8_t hops, struct session *from)
{
	struct session	*s;
	u_char		*copy;

	copy = xmalloc(len);
	memcpy(copy, rec, len);
	copy[1 + 32 + 16 + 32 + 8] = hops;
	TAILQ_FOREACH(s, &sessions, entry) {
		if (s == from || s->state != SESSION_OPEN)
			continue;
		if (session_send(s, copy, len) == 0)
			mesh_stats.room_forwarded++;
	}
	free(copy);
}

/* Store a room message we can read; post it for the frontend. */
static void
room_store(struct room *r, const struct rec_room *m, const char *text,
    size_t len, const u_char *rec, size_t reclen)
{
	struct msg	 msg;
	char		*cause = NULL;
	int		 dup, rc;

	chat_msg_arrived(&msg, r->conv->id, m->msg_id, m->author, m->sent_at,
	    text, len);
	/* Our own, come back through the mesh (in a ROOM_SYNC, say). */
	if (memcmp(m->author, identity->ed_pk, PEER_ID_LEN) == 0) {
		msg.outgoing = 1;
		msg.state = MSG_SENT;
	}
	rc = store_begin(&cause);
	if (rc == 0)
		rc = store_msg_add(&msg, &dup, &cause);
	if (rc == 0)
		rc = store_room_log_add(m->room_id, m->msg_id, msg.ts, rec,
		    reclen, &cause);
	if (rc != 0) {
		fe_store_error(__func__, cause);
		return;
	}
	if (!dup) {
		if (!msg.outgoing)
			conv_unread_add(r->conv);
		chat_post_message(r->conv, &msg);
	}
}

/* A ROOM_MSG arrived: check, deduplicate, read if joined, forward. */
static int
room_recv(struct session *s, struct record *rec)
{
	struct rec_room	*m = &rec->u.room;
	struct room	*r;
	struct buf	 b;
	u_char		 ad[88], *plain;
	unsigned long long plen;

	mesh_stats.room_received++;
	if (room_seen_has(m->msg_id)) {
		mesh_stats.room_duplicates++;
		return (0);
	}
	buf_init(&b);
	room_signed_part(&b, m);
	if (!session_check_signature(s, &b, m->sig, m->author, "room")) {
		mesh_stats.room_bad++;
		return (0);
	}
	room_seen_check(m->msg_id);
	if ((r = room_find_id(m->room_id)) != NULL) {
		room_ad(ad, m->room_id, m->msg_id, m->author, m->sent_at);
		plain = xmalloc(m->ctlen);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen,
		    NULL, m->ct, m->ctlen, ad, sizeof ad, m->nonce, r->key)
		    == 0 && plen > 0 && utf8_valid((char *)plain, plen, 0))
			room_store(r, m, (char *)plain, plen, rec->raw,
			    rec->rawlen);
		free(plain);
	}
	if (m->hops > 1)
		room_flood(rec->raw, rec->rawlen, m->hops - 1, s);
	return (0);
}

/* Build, store and flood one room message. */
static int
room_send_one(struct room *r, const char *text, size_t len, char **cause)
{
	struct rec_room	 m;
	struct record	 rec;
	struct buf	 b, sig;
	uint8_t		 msg_id[MSGID_LEN], nonce[24];
	u_char		 ad[88], *ct;
	unsigned long long ctlen;

	random_id(msg_id, sizeof msg_id);
	randombytes_buf(nonce, sizeof nonce);
	memset(&m, 0, sizeof m);
	m.room_id = r->id;
	m.msg_id = msg_id;
	m.author = identity->ed_pk;
	m.sent_at = (uint64_t)now_ms();
	m.hops = ROOM_HOPS;
	m.nonce = nonce;
	ct = xmalloc(len + 16);
	room_ad(ad, r->id, msg_id, identity->ed_pk, m.sent_at);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ctlen,
	    (const u_char *)text, len, ad, sizeof ad, NULL, nonce, r->key);
	m.ct = ct;
	m.ctlen = ctlen;
	buf_init(&sig);
	room_signed_part(&sig, &m);
	buf_init(&b);
	buf_put_u8(&b, REC_ROOM_MSG);
	buf_put(&b, r->id, 32);
	buf_put(&b, msg_id, MSGID_LEN);
	buf_put(&b, identity->ed_pk, PEER_ID_LEN);
	buf_put_u64(&b, m.sent_at);
	buf_put_u8(&b, ROOM_HOPS);
	buf_put(&b, nonce, 24);
	buf_put_u16(&b, (uint16_t)ctlen);
	buf_put(&b, ct, ctlen);
	crypto_sign_detached(buf_reserve(&b, 64), NULL, sig.d, sig.size,
	    identity->ed_sk);
	buf_free(&sig);
	free(ct);
	room_seen_check(msg_id);
	if (wire_parse(b.d, b.size, &rec) != 0)
		fatalx("%s: own room record does not parse", __func__);
	room_store(r, &rec.u.room, text, len, b.d, b.size);
	room_flood(b.d, b.size, ROOM_HOPS, NULL);
	buf_free(&b);
	return (0);
}

/* Send text to a room, split like direct messages. */
int
room_send(struct room *r, const char *text, size_t len, char **cause)
{
	size_t	cut;

	if (chat_check_text(text, len, cause) != 0)
		return (-1);
	while (len > 0) {
		cut = utf8_cut(text, len, TEXT_MAX);
		if (room_send_one(r, text, cut, cause) != 0)
			return (-1);
		text += cut;
		len -= cut;
	}
	return (0);
}

/* Ask a session for what a room missed since its newest logged message. */
static void
room_sync_ask(struct session *s, struct room *r)
{
	struct buf	b;

	int64_t		since, now = now_ms();

	/*
	 * Times are the authors' clocks: ask from a margin before the newest
	 * (duplicates are dropped), and never from the future.
	 */
	since = store_room_log_last(r->id);
	if (since > now)
		since = now;
	since = since > ROOM_SYNC_MARGIN ? since - ROOM_SYNC_MARGIN : 0;
	buf_init(&b);
	buf_put_u8(&b, REC_ROOM_SYNC);
	buf_put(&b, r->id, 32);
	buf_put_u64(&b, (uint64_t)since);
	session_send_buf(s, &b);
	buf_free(&b);
}

/* ROOM_SYNC reply: send one logged record. */
static void
room_sync_one(const u_char *rec, size_t len, void *arg)
{
	struct session	*s = arg;
	u_char		*copy;

	if (len < 1 + 32 + 16 + 32 + 8 + 1 || rec[0] != REC_ROOM_MSG)
		return;
	copy = xmalloc(len);
	memcpy(copy, rec, len);
	copy[1 + 32 + 16 + 32 + 8] = ROOM_HOPS;
	session_send(s, copy, len);
	free(copy);
}

/* A ROOM_SYNC arrived: answer from the log of a room we are in. */
static int
room_sync(struct session *s, struct rec_room_sync *q)
{
	char	*cause;

	if (room_find_id(q->room_id) == NULL)
		return (0);
	if (++s->syncs > ROOM_SYNC_PER_SESSION) {
		log_info("%s: %s asks too often", __func__, peer_name(s->peer));
		return (0);
	}
	if (store_room_log_since(q->room_id, q->since > INT64_MAX ?
	    INT64_MAX : (int64_t)q->since, ROOM_SYNC_MAX, room_sync_one, s,
	    &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	return (0);
}

/* Handle room records. */
int
room_record(struct session *s, struct record *r)
{
	if (r->type == REC_ROOM_MSG)
		return (room_recv(s, r));
	return (room_sync(s, &r->u.sync));
}

/* A session opened: ask it for what our rooms missed. */
void
room_session_open(struct session *s)
{
	struct conv	*c;

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room != NULL && c->room->joined)
			room_sync_ask(s, c->room);
	}
}

/* Free rooms and the seen set at exit. */
void
room_shutdown(void)
{
	struct room_seen	*rs;
	struct conv		*c;

	while ((rs = TAILQ_FIRST(&room_seen_age)) != NULL) {
		TAILQ_REMOVE(&room_seen_age, rs, age);
		RB_REMOVE(room_seen_tree, &room_seen, rs);
		free(rs);
	}
	room_nseen = 0;
	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL)
			continue;
		sodium_memzero(c->room->key, sizeof c->room->key);
		free(c->room->name);
		free(c->room->secret);
		free(c->room);
		c->room = NULL;
	}
}

/*
 * Join a room, or give a room already known a new secret, and ask every
 * open session for what it missed (for /join).
 */
struct room *
room_join(const char *name, const char *secret, char **cause)
{
	struct room	*r;
	struct session	*s;
	int64_t		 conv;

	if (room_name_ok(name, cause) != 0)
		return (NULL);
	if (store_begin(cause) != 0 ||
	    store_room_add(name, secret, &conv, cause) != 0)
		return (NULL);
	if ((r = room_find(name)) != NULL) {
		free(r->secret);
		r->secret = xstrdup(secret);
		r->joined = 1;
		room_derive(r);
	} else
		r = room_make(conv_add(conv, 0, 0), name, secret, 1);
	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->state == SESSION_OPEN)
			room_sync_ask(s, r);
	}
	return (r);
}

/* Leave a room; its conversation and history are kept (for /part). */
int
room_part(struct room *r, char **cause)
{
	if (store_begin(cause) != 0 ||
	    store_room_joined(r->conv->id, 0, cause) != 0)
		return (-1);
	r->joined = 0;
	return (0);
}

/* Mesh records: rooms and relay. */
int
mesh_record(struct session *s, struct record *r)
{
	switch (r->type) {
	case REC_ROOM_MSG:
	case REC_ROOM_SYNC:
		return (room_record(s, r));
	case REC_RELAY:
	case REC_RELAY_ACK:
		return (relay_record(s, r));
	}
	return (0);
}

/* A session opened: rooms catch up, relayed mail is handed over. */
void
mesh_session_open(struct session *s)
{
	room_session_open(s);
	relay_session_open(s);
}

/* Free mesh state at exit. */
void
mesh_shutdown(void)
{
	room_shutdown();
}
