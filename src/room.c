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
 * node that comes back gets what it missed. A ROOM_SYNC carries no room id:
 * it names its room by a tag only a member can compute, different on every
 * session, and is answered only when the tag proves the asker a member. An
 * answer is paced by the session's output (a feed sends more as it drains),
 * and a session is sent each logged record of a room once at most. See
 * p2pchat-protocol(7).
 */

#include "p2pchat.h"

#define ROOM_SEEN_MAX	32768
#define ROOM_SYNC_MAX	1000
#define ROOM_SYNC_MARGIN (10 * 60 * 1000)	/* ms */
#define ROOM_SYNC_PER_SESSION 256
#define ROOM_SIG_CTX	"p2pchat/1 room"
#define ROOM_ID_KEY	"p2pchat/1 room id"
#define ROOM_KEY_KEY	"p2pchat/1 room key"
#define ROOM_TAG_CTX	"p2pchat/1 room member"
#define ROOM_FEED_HIGH	(512 * 1024)	/* queued output a feed stops at */
#define ROOM_FEED_BATCH	64		/* records read from the log at once */

/*
 * A ROOM_SYNC being answered on a session: the log of room from (ts, id)
 * on, left more records at most. Once done it stays, to remember how far
 * this session was sent (nothing is sent twice).
 */
struct room_feed {
	struct session		*s;
	struct room		*r;
	int64_t			 ts;		/* last sent (or asked from) */
	int64_t			 id;
	u_int			 left;
	TAILQ_ENTRY(room_feed)	 entry;
};
static TAILQ_HEAD(, room_feed)	room_feeds = TAILQ_HEAD_INITIALIZER(room_feeds);

static struct {
	u_long		 received;
	u_long		 duplicates;
	u_long		 forwarded;
	u_long		 bad;
	u_long		 syncs;
	u_long		 sync_unproven;
} room_stats;

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

/*
 * The tag by which the node with identity key author shows, on the session
 * with handshake hash hh, that it knows a room's key: BLAKE2b-256 keyed
 * with the room key of ROOM_TAG_CTX, hh and author. A tag says nothing of
 * the room to anyone else, differs on every session, and cannot be sent
 * back as the other side's (the author is in it).
 */
void
room_member_tag(const uint8_t *key, const uint8_t *hh, size_t hhlen,
    const uint8_t *author, uint8_t *tag)
{
	crypto_generichash_state	st;

	crypto_generichash_init(&st, key, 32, 32);
	crypto_generichash_update(&st, (const u_char *)ROOM_TAG_CTX,
	    sizeof ROOM_TAG_CTX - 1);
	crypto_generichash_update(&st, hh, hhlen);
	crypto_generichash_update(&st, author, PEER_ID_LEN);
	crypto_generichash_final(&st, tag, 32);
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

/* Send a room message to every open session but one, with hops set. */
static void
room_flood(const struct rec_room *m, uint8_t hops, struct session *from)
{
	struct rec_room	 copy = *m;
	struct session	*s;
	struct buf	 b;

	copy.hops = hops;
	buf_init(&b);
	wire_build_room(&b, &copy);
	TAILQ_FOREACH(s, &sessions, entry) {
		if (s == from || s->state != SESSION_OPEN)
			continue;
		if (session_send_buf(s, &b) == 0)
			room_stats.forwarded++;
	}
	buf_free(&b);
}

/* Store a room message we can read; post it for the frontend. */
static void
room_store(struct room *r, const struct rec_room *m, const char *text,
    size_t len, const u_char *rec, size_t reclen)
{
	struct msg	 msg;
	struct peer	*p;
	char		*cause = NULL;
	int		 dup, rc;

	p = peer_find(m->author);
	chat_msg_arrived(&msg, r->conv->id, m->msg_id, m->author,
	    p != NULL ? p->nick : NULL, m->sent_at, text, len);
	/* Our own, come back through the mesh (in a ROOM_SYNC, say). */
	if (memcmp(m->author, identity->ed_pk, PEER_ID_LEN) == 0) {
		msg.outgoing = 1;
		msg.state = MSG_SENT;
	}
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

	room_stats.received++;
	if (room_seen_has(m->msg_id)) {
		room_stats.duplicates++;
		return (0);
	}
	buf_init(&b);
	room_signed_part(&b, m);
	if (!session_check_signature(s, &b, m->sig, m->author, "room")) {
		room_stats.bad++;
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
		room_flood(m, m->hops - 1, s);
	return (0);
}

/* Build, store and flood one room message. */
static int
room_send_one(struct room *r, const char *text, size_t len, char **cause)
{
	struct rec_room	 m;
	struct buf	 b, sig;
	uint8_t		 msg_id[MSGID_LEN], nonce[24], sigbytes[64];
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
	crypto_sign_detached(sigbytes, NULL, sig.d, sig.size, identity->ed_sk);
	buf_free(&sig);
	m.sig = sigbytes;
	buf_init(&b);
	wire_build_room(&b, &m);
	room_seen_check(msg_id);
	room_store(r, &m, text, len, b.d, b.size);
	room_flood(&m, ROOM_HOPS, NULL);
	buf_free(&b);
	free(ct);
	return (0);
}

/* Send text to a room, split like direct messages. */
int
room_send(struct room *r, const char *text, size_t len, char **cause)
{
	size_t	cut;

	if (!r->joined) {
		xasprintf(cause, "you left %s: /join %s to send to it again",
		    r->name, r->name);
		return (-1);
	}
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
	uint8_t		tag[32];
	int64_t		since, now = now_ms();

	/*
	 * Times are the authors' clocks: ask from a margin before the newest
	 * (duplicates are dropped), and never from the future.
	 */
	since = store_room_log_last(r->id);
	if (since > now)
		since = now;
	since = since > ROOM_SYNC_MARGIN ? since - ROOM_SYNC_MARGIN : 0;
	room_member_tag(r->key, s->hh, s->hhlen, identity->ed_pk, tag);
	buf_init(&b);
	buf_put_u8(&b, REC_ROOM_SYNC);
	buf_put(&b, tag, sizeof tag);
	buf_put_u64(&b, (uint64_t)since);
	session_send_buf(s, &b);
	buf_free(&b);
}

/* A feed's log record: send it with a fresh hop count, and move on. */
static void
room_feed_one(const u_char *rec, size_t len, int64_t ts, int64_t id,
    void *arg)
{
	struct room_feed	*f = arg;
	struct record		 r;
	struct buf		 b;

	f->ts = ts;
	f->id = id;
	f->left--;
	if (wire_parse(rec, len, &r) != 0 || r.type != REC_ROOM_MSG)
		return;
	r.u.room.hops = ROOM_HOPS;
	buf_init(&b);
	wire_build_room(&b, &r.u.room);
	session_send_buf(f->s, &b);
	buf_free(&b);
}

/* Send what a feed has left while the session's output has room. */
static void
room_feed_run(struct room_feed *f)
{
	char	*cause;
	u_int	 before, batch;

	while (f->left != 0 && f->s->state == SESSION_OPEN &&
	    session_queued(f->s) < ROOM_FEED_HIGH) {
		before = f->left;
		batch = f->left < ROOM_FEED_BATCH ? f->left : ROOM_FEED_BATCH;
		if (store_room_log_since(f->r->id, f->ts, f->id, batch,
		    room_feed_one, f, &cause) != 0) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
			f->left = 0;
		} else if (before - f->left < batch)
			f->left = 0;	/* the end of the log */
	}
}

/* Which joined room does a session's member tag prove? */
static struct room *
room_proven(struct session *s, const uint8_t *tag)
{
	struct conv	*c;
	uint8_t		 want[32];

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || !c->room->joined)
			continue;
		room_member_tag(c->room->key, s->hh, s->hhlen, s->remote_id,
		    want);
		if (sodium_memcmp(want, tag, sizeof want) == 0)
			return (c->room);
	}
	return (NULL);
}

/*
 * A ROOM_SYNC arrived: if its tag proves the asker a member of a room we
 * are in, answer from the log, paced, and never with a record this
 * session was sent already.
 */
int
room_sync_record(struct session *s, struct record *r)
{
	struct rec_room_sync	*q = &r->u.sync;
	struct room_feed	*f;
	struct room		*room;
	int64_t			 since;

	if ((room = room_proven(s, q->tag)) == NULL) {
		room_stats.sync_unproven++;
		return (0);
	}
	if (++s->syncs > ROOM_SYNC_PER_SESSION) {
		log_info("%s: %s asks too often", __func__, peer_name(s->peer));
		return (0);
	}
	since = q->since > INT64_MAX ? INT64_MAX : (int64_t)q->since;
	TAILQ_FOREACH(f, &room_feeds, entry) {
		if (f->s == s && f->r == room)
			break;
	}
	if (f == NULL) {
		f = xcalloc(1, sizeof *f);
		f->s = s;
		f->r = room;
		f->ts = since;
		f->id = INT64_MAX;	/* after every record at since */
		TAILQ_INSERT_TAIL(&room_feeds, f, entry);
	} else if (since > f->ts) {
		f->ts = since;
		f->id = INT64_MAX;
	}
	f->left = ROOM_SYNC_MAX;
	room_stats.syncs++;
	room_feed_run(f);
	return (0);
}

/* A session's output drained: its feeds go on. */
static void
room_session_drained(struct session *s)
{
	struct room_feed	*f;

	TAILQ_FOREACH(f, &room_feeds, entry) {
		if (f->s == s && f->left != 0)
			room_feed_run(f);
	}
}

/* A session closed: forget its feeds. */
static void
room_session_closed(struct session *s)
{
	struct room_feed	*f, *next;

	TAILQ_FOREACH_SAFE(f, &room_feeds, entry, next) {
		if (f->s == s) {
			TAILQ_REMOVE(&room_feeds, f, entry);
			free(f);
		}
	}
}

/* A ROOM_MSG arrived. */
int
room_msg_record(struct session *s, struct record *r)
{
	return (room_recv(s, r));
}

/* A session opened: ask it for what our rooms missed. */
static void
room_session_open(struct session *s)
{
	struct conv	*c;

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room != NULL && c->room->joined)
			room_sync_ask(s, c->room);
	}
}

/* Free rooms and the seen set at exit. */
static void
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
	if (store_room_add(name, secret, &conv, cause) != 0)
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
	if (store_room_joined(r->conv->id, 0, cause) != 0)
		return (-1);
	r->joined = 0;
	return (0);
}

/* The room counters, for /stats. */
static void
room_stats_put(struct stats *st)
{
	stats_add(st, "room_received", (long long)room_stats.received);
	stats_add(st, "room_duplicates", (long long)room_stats.duplicates);
	stats_add(st, "room_forwarded", (long long)room_stats.forwarded);
	stats_add(st, "room_bad_signatures", (long long)room_stats.bad);
	stats_add(st, "room_syncs", (long long)room_stats.syncs);
	stats_add(st, "room_syncs_unproven",
	    (long long)room_stats.sync_unproven);
}

const struct module room_module = {
	.name = "room",
	.session_open = room_session_open,
	.session_closed = room_session_closed,
	.session_drained = room_session_drained,
	.shutdown = room_shutdown,
	.stats = room_stats_put,
};
