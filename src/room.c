/*
 * room.c: rooms, group conversations carried by their members only.
 *
 * A room is named "#name" and may have a secret. Its 32-byte id and its key
 * are BLAKE2b of the name and secret under two different keys. On every
 * session a node sends ROOM_MEMBER, a tag for each room it is in that only
 * a member can compute and that differs on every session; a node that is
 * not a member learns nothing from it. Room records (ROOM_POST, IHAVE,
 * IWANT, MARKS, GRAFT) go only on sessions whose tag proved the peer a
 * member (a link), and from anywhere else they are dropped.
 *
 * Each room keeps a mesh of ROOM_D_LO to ROOM_D_HI of its links, about
 * ROOM_D on average: a new link is taken in below ROOM_D_LO, a lost one
 * replaced up to ROOM_D (ROOM_GRAFT asks the other side to take the link
 * into its mesh too; it does below ROOM_D_HI). A post new to the node is
 * forwarded to its mesh links (one end of a link a moment after the
 * other); the ids of recent posts are gossiped (ROOM_IHAVE) to a few
 * other links, which ask (ROOM_IWANT) for those they lack. An author's
 * own post goes to its mesh links too.
 *
 * Every post carries the author's sequence number, signed with the room id
 * and the author, so it cannot be replayed into another room or under
 * another number. A node that comes back sends each new link its per-author
 * high-water marks (ROOM_MARKS: it has every post up to there); the other
 * side sends exactly the posts above them, author by author, oldest first,
 * paced by the session's output. Nothing depends on clocks. See
 * p2pchat-protocol(7).
 */

#include "p2pchat.h"

#define ROOM_D			6	/* mesh links a room wants, about */
#define ROOM_D_HI		12	/* at most, taking grafts */
#define ROOM_D_LO		4
#define ROOM_GOSSIP		3	/* links told IHAVE a beat */
#define ROOM_BEAT_MS		200
#define ROOM_RECENT_MAX		ROOM_IDS_MAX	/* ids for IHAVE */
#define ROOM_SEEN_MAX		8192	/* a room's seen set */
#define ROOM_AUTHORS_MAX	4096	/* authors a room keeps */
#define ROOM_SESSION_TAGS	32	/* tags a session may send in all */
#define ROOM_MARKS_PER_LINK	16	/* ROOM_MARKS answered on a link */
#define ROOM_NAMES_DAYS		7
#define ROOM_POST_CTX		"p2pchat/1 room post"
#define ROOM_MSGID_CTX		"p2pchat/1 room msgid"
#define ROOM_ID_KEY		"p2pchat/1 room id"
#define ROOM_KEY_KEY		"p2pchat/1 room key"
#define ROOM_TAG_CTX		"p2pchat/1 room member"
#define ROOM_FEED_HIGH		(512 * 1024)	/* queued: a feed stops */
#define ROOM_FEED_BATCH		64	/* posts read at once */
#define ROOM_AD_LEN		81
#define ROOM_DEFER_MS		10	/* the later end of a link waits */
#define ROOM_DEFER_MAX		1024	/* posts waiting for that */
#define ROOM_DIAL_MS		1000	/* a short room dials this often */
#define ROOM_DIAL_BATCH		2	/* dials a room a turn */
#define ROOM_DIAL_AGAIN_MS	30000	/* a member dialled once in this long */
#define ROOM_ASK_QUIET_MS	400	/* no new post: asked link done */
#define ROOM_ASK_MAX_MS		10000	/* asked this long: ask the next */

/* An author seen in a room: it has every post up to high, max at most. */
struct room_author {
	uint8_t			 id[PEER_ID_LEN];
	uint64_t		 high;
	uint64_t		 max;
	uint64_t		 count;
	int64_t			 last_at;	/* its newest sent_at */
	int64_t			 dialled;	/* for a short room (mono) */
	int			 parted;
	RB_ENTRY(room_author)	 entry;
};
RB_HEAD(room_author_tree, room_author);

/* A post id seen lately, oldest evicted first. */
struct room_seen {
	uint8_t			 id[MSGID_LEN];
	RB_ENTRY(room_seen)	 entry;
	TAILQ_ENTRY(room_seen)	 age;
};
RB_HEAD(room_seen_tree, room_seen);

/* What a joined room keeps in memory. */
struct room_state {
	struct room_author_tree	 authors;
	u_int			 nauthors;
	struct room_seen_tree	 seen;
	TAILQ_HEAD(, room_seen)	 age;
	u_int			 nseen;
	u_char			 recent[ROOM_RECENT_MAX][PEER_ID_LEN + 8];
	u_int			 nrecent;
	u_int			 links;
	u_int			 mesh;
	struct room_link	*asking;	/* our marks sent, not done */
	int64_t			 asked_at;
	int64_t			 ask_last;	/* last new post, or ask */
	u_int			 dials;		/* this dial turn */
};

/* An author's high-water mark, as a link's peer has it. */
struct room_mark {
	uint8_t			 author[PEER_ID_LEN];
	uint64_t		 high;
};

/* A session whose peer proved itself a member of a room. */
struct room_link {
	struct session		*s;
	struct room		*r;
	int			 mesh;
	struct room_mark	*marks;		/* sorted by author */
	u_int			 nmarks;
	u_int			 marks_asked;
	int			 marks_told;	/* its ROOM_MARKS came */
	int			 asked;		/* we sent it ours */
	int			 feeding;	/* answering ROOM_MARKS */
	uint8_t			 feed_author[PEER_ID_LEN];
	uint64_t		 feed_seq;	/* sent of feed_author */
	TAILQ_ENTRY(room_link)	 entry;
};
static TAILQ_HEAD(, room_link)	room_links =
    TAILQ_HEAD_INITIALIZER(room_links);

/* The tags a session sent, kept for rooms joined later. */
struct room_peer {
	struct session		*s;
	uint8_t			 tags[ROOM_SESSION_TAGS][32];
	u_int			 ntags;
	int			 old_told;
	TAILQ_ENTRY(room_peer)	 entry;
};
static TAILQ_HEAD(, room_peer)	room_peers =
    TAILQ_HEAD_INITIALIZER(room_peers);

/*
 * A post is forwarded at once on some mesh links and ROOM_DEFER_MS later
 * on the others (room_link_later: on each link one end goes first),
 * unless a copy came from them meanwhile: two members that got a post at
 * the same moment sent it to each other, so a link of a triangle carried
 * it twice.
 */
struct room_defer {
	struct room		*r;
	uint8_t			 author[PEER_ID_LEN];
	uint64_t		 seq;
	u_char			*rec;
	size_t			 len;
	int64_t			 due;
	TAILQ_ENTRY(room_defer)	 entry;
};
static TAILQ_HEAD(, room_defer)	room_defers =
    TAILQ_HEAD_INITIALIZER(room_defers);
static u_int		 room_ndefers;
static struct event	*room_defer_ev;

static struct event	*room_beat;
static struct event	*room_dial_ev;
static void		 room_dial_arm(void);

/* Run the beat in ROOM_BEAT_MS, unless it is due already (or not made). */
static void
room_beat_arm(void)
{
	if (room_beat != NULL && !evtimer_pending(room_beat, NULL))
		timer_add_ms(room_beat, ROOM_BEAT_MS);
}

static struct {
	u_long		 received;
	u_long		 delivered;
	u_long		 duplicates;
	u_long		 sent;
	u_long		 bad;
	u_long		 unproven;
	u_long		 tags_over;
	u_long		 old;
	u_long		 ihave;
	u_long		 iwant;
	u_long		 catchup;
	u_long		 dials;
	u_long		 records_in;
	u_long		 records_out;
} room_stats;

/* Order authors by id. */
static int
room_author_cmp(struct room_author *a, struct room_author *b)
{
	return (memcmp(a->id, b->id, PEER_ID_LEN));
}
RB_GENERATE_STATIC(room_author_tree, room_author, entry, room_author_cmp);

/* Order seen ids. */
static int
room_seen_cmp(struct room_seen *a, struct room_seen *b)
{
	return (memcmp(a->id, b->id, MSGID_LEN));
}
RB_GENERATE_STATIC(room_seen_tree, room_seen, entry, room_seen_cmp);

static struct room_state *room_state(struct room *);
static uint64_t	room_entry(const u_char *);

/* Has a room seen this post id? */
static int
room_seen_has(struct room_state *st, const uint8_t *id)
{
	struct room_seen	find;

	memcpy(find.id, id, MSGID_LEN);
	return (RB_FIND(room_seen_tree, &st->seen, &find) != NULL);
}

/* Mark a post id seen in a room (only ids whose signature checked). */
static void
room_seen_add(struct room_state *st, const uint8_t *id)
{
	struct room_seen	*rs;

	if (room_seen_has(st, id))
		return;
	if (st->nseen >= ROOM_SEEN_MAX) {
		rs = TAILQ_FIRST(&st->age);
		TAILQ_REMOVE(&st->age, rs, age);
		RB_REMOVE(room_seen_tree, &st->seen, rs);
	} else {
		rs = xmalloc(sizeof *rs);
		st->nseen++;
	}
	memcpy(rs->id, id, MSGID_LEN);
	RB_INSERT(room_seen_tree, &st->seen, rs);
	TAILQ_INSERT_TAIL(&st->age, rs, age);
}

/* Find a room's author. */
static struct room_author *
room_author_find(struct room_state *st, const uint8_t *id)
{
	struct room_author	find;

	memcpy(find.id, id, PEER_ID_LEN);
	return (RB_FIND(room_author_tree, &st->authors, &find));
}

/* Find or add a room's author; NULL when the room has too many. */
static struct room_author *
room_author_get(struct room_state *st, const uint8_t *id)
{
	struct room_author	*a;

	if ((a = room_author_find(st, id)) != NULL)
		return (a);
	if (st->nauthors >= ROOM_AUTHORS_MAX)
		return (NULL);
	a = xcalloc(1, sizeof *a);
	memcpy(a->id, id, PEER_ID_LEN);
	RB_INSERT(room_author_tree, &st->authors, a);
	st->nauthors++;
	return (a);
}

/* The seq of a kept post, found (callback of store_room_post_after). */
static void
room_high_cb(const u_char *rec, size_t len, uint64_t seq, void *arg)
{
	struct room_author	*a = arg;

	if (seq == a->high + 1)
		a->high = seq;
}

/* Move an author's high-water mark past the posts kept after it. */
static void
room_author_advance(struct room *r, struct room_author *a)
{
	char		*cause = NULL;
	uint64_t	 before;

	while (a->high < a->max) {
		before = a->high;
		if (store_room_post_after(r->id, a->id, a->high, a->max,
		    ROOM_FEED_BATCH, room_high_cb, a, &cause) != 0) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
			return;
		}
		if (a->high == before || a->high < before + ROOM_FEED_BATCH)
			return;
	}
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

/* An author of the store, loaded (callback of store_room_authors). */
static void
room_load_cb(const uint8_t *id, uint64_t max, uint64_t count, int64_t last,
    int kind, void *arg)
{
	struct room		*r = arg;
	struct room_author	*a;

	if ((a = room_author_get(r->st, id)) == NULL)
		return;
	a->max = max;
	a->count = count;
	a->last_at = last;
	a->parted = kind == ROOM_KIND_PART;
	a->high = count == max ? max : 0;
}

/* A room's state, made and loaded from the store on first use. */
static struct room_state *
room_state(struct room *r)
{
	struct room_author	*a;
	char			*cause = NULL;

	if (r->st != NULL)
		return (r->st);
	r->st = xcalloc(1, sizeof *r->st);
	RB_INIT(&r->st->authors);
	RB_INIT(&r->st->seen);
	TAILQ_INIT(&r->st->age);
	if (store_room_authors(r->id, room_load_cb, r, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	RB_FOREACH(a, room_author_tree, &r->st->authors) {
		if (a->high < a->max)
			room_author_advance(r, a);
	}
	return (r->st);
}

/* Free a room's state. */
static void
room_state_free(struct room *r)
{
	struct room_state	*st = r->st;
	struct room_author	*a;
	struct room_seen	*rs;

	if (st == NULL)
		return;
	while ((a = RB_MIN(room_author_tree, &st->authors)) != NULL) {
		RB_REMOVE(room_author_tree, &st->authors, a);
		free(a);
	}
	while ((rs = TAILQ_FIRST(&st->age)) != NULL) {
		TAILQ_REMOVE(&st->age, rs, age);
		RB_REMOVE(room_seen_tree, &st->seen, rs);
		free(rs);
	}
	free(st);
	r->st = NULL;
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

/* The id a post is stored and shown under: BLAKE2b-128 of who and which. */
void
room_msgid(const uint8_t *room_id, const uint8_t *author, uint64_t seq,
    uint8_t *id)
{
	crypto_generichash_state	st;
	uint8_t				n[8];
	int				i;

	for (i = 0; i < 8; i++)
		n[i] = (uint8_t)(seq >> (56 - 8 * i));
	crypto_generichash_init(&st, NULL, 0, MSGID_LEN);
	crypto_generichash_update(&st, (const u_char *)ROOM_MSGID_CTX,
	    sizeof ROOM_MSGID_CTX - 1);
	crypto_generichash_update(&st, room_id, 32);
	crypto_generichash_update(&st, author, PEER_ID_LEN);
	crypto_generichash_update(&st, n, sizeof n);
	crypto_generichash_final(&st, id, MSGID_LEN);
}

/* The associated data of a post's ciphertext: record bytes 1 to 81. */
static void
room_post_ad(u_char *ad, const uint8_t *room_id, const uint8_t *author,
    uint64_t seq, uint64_t sent_at, uint8_t kind)
{
	struct buf	b;

	buf_init(&b);
	buf_put(&b, room_id, 32);
	buf_put(&b, author, PEER_ID_LEN);
	buf_put_u64(&b, seq);
	buf_put_u64(&b, sent_at);
	buf_put_u8(&b, kind);
	memcpy(ad, b.d, ROOM_AD_LEN);
	buf_free(&b);
}

/* The bytes an author signs: the context and the record up to sig. */
static void
room_post_signed(struct buf *b, const struct rec_room_post *m)
{
	u_char	ad[ROOM_AD_LEN];

	room_post_ad(ad, m->room_id, m->author, m->seq, m->sent_at, m->kind);
	buf_put(b, ROOM_POST_CTX, sizeof ROOM_POST_CTX - 1);
	buf_put(b, ad, sizeof ad);
	buf_put(b, m->nonce, 24);
	buf_put_u16(b, (uint16_t)m->ctlen);
	buf_put(b, m->ct, m->ctlen);
}

/*
 * Build a signed, sealed ROOM_POST: text (or, for a join or part, the
 * author's nick) under the room key, signed with the author's key.
 */
void
room_post_build(struct buf *b, const uint8_t *room_id, const uint8_t *key,
    const uint8_t *pk, const uint8_t *sk, uint64_t seq, uint64_t sent_at,
    uint8_t kind, const char *text, size_t len)
{
	struct rec_room_post	 m;
	struct buf		 sig;
	uint8_t			 nonce[24];
	u_char			 ad[ROOM_AD_LEN], *ct;
	unsigned long long	 ctlen;

	randombytes_buf(nonce, sizeof nonce);
	room_post_ad(ad, room_id, pk, seq, sent_at, kind);
	ct = xmalloc(len + 16);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ctlen,
	    (const u_char *)text, len, ad, sizeof ad, NULL, nonce, key);
	memset(&m, 0, sizeof m);
	m.room_id = room_id;
	m.author = pk;
	m.seq = seq;
	m.sent_at = sent_at;
	m.kind = kind;
	m.nonce = nonce;
	m.ct = ct;
	m.ctlen = ctlen;
	buf_put_u8(b, REC_ROOM_POST);
	buf_put(b, ad, sizeof ad);
	buf_put(b, nonce, sizeof nonce);
	buf_put_u16(b, (uint16_t)ctlen);
	buf_put(b, ct, ctlen);
	buf_init(&sig);
	room_post_signed(&sig, &m);
	crypto_sign_detached(buf_reserve(b, 64), NULL, sig.d, sig.size, sk);
	buf_free(&sig);
	free(ct);
}

/* Find a room's link on a session. */
static struct room_link *
room_link_find(struct session *s, struct room *r)
{
	struct room_link	*l;

	TAILQ_FOREACH(l, &room_links, entry) {
		if (l->s == s && l->r == r)
			return (l);
	}
	return (NULL);
}

/* Compare marks by author (for bsearch and qsort). */
static int
room_mark_cmp(const void *a, const void *b)
{
	return (memcmp(a, b, PEER_ID_LEN));
}

/* A link's peer's high-water mark for an author (0 if not told). */
static uint64_t
room_link_mark(struct room_link *l, const uint8_t *author)
{
	struct room_mark	*m;

	if (l->nmarks == 0)
		return (0);
	m = bsearch(author, l->marks, l->nmarks, sizeof *m, room_mark_cmp);
	return (m != NULL ? m->high : 0);
}

/* A link's peer now has seq of author: move its mark if that follows. */
static void
room_link_has(struct room_link *l, const uint8_t *author, uint64_t seq)
{
	struct room_mark	*m;
	u_int			 i;

	m = l->nmarks == 0 ? NULL : bsearch(author, l->marks, l->nmarks,
	    sizeof *m, room_mark_cmp);
	if (m != NULL) {
		if (seq == m->high + 1)
			m->high = seq;
		return;
	}
	if (seq != 1 || l->nmarks >= 2 * ROOM_MARKS_MAX)
		return;
	for (i = 0; i < l->nmarks; i++) {
		if (memcmp(l->marks[i].author, author, PEER_ID_LEN) > 0)
			break;
	}
	l->marks = xreallocarray(l->marks, l->nmarks + 1, sizeof *l->marks);
	memmove(&l->marks[i + 1], &l->marks[i],
	    (l->nmarks - i) * sizeof *l->marks);
	memcpy(l->marks[i].author, author, PEER_ID_LEN);
	l->marks[i].high = seq;
	l->nmarks++;
}

/* Send a record on a link, counted. */
static void
room_link_send(struct room_link *l, const u_char *p, size_t len)
{
	if (l->s->state != SESSION_OPEN)
		return;
	if (session_send(l->s, p, len) == 0)
		room_stats.records_out++;
}

/* Send a ROOM_GRAFT: take this link into your mesh. */
static void
room_send_graft(struct room_link *l)
{
	u_char	rec[33];

	rec[0] = REC_ROOM_GRAFT;
	memcpy(rec + 1, l->r->id, 32);
	room_link_send(l, rec, sizeof rec);
}

/* Send our high-water marks for a room on a link. */
static void
room_send_marks(struct room_link *l)
{
	struct room_state	*st = room_state(l->r);
	struct room_author	*a;
	struct buf		 b;
	u_int			 n = 0;

	buf_init(&b);
	buf_put_u8(&b, REC_ROOM_MARKS);
	buf_put(&b, l->r->id, 32);
	buf_put_u16(&b, 0);
	RB_FOREACH(a, room_author_tree, &st->authors) {
		if (a->high == 0)
			continue;
		if (n == ROOM_MARKS_MAX)
			break;
		buf_put(&b, a->id, PEER_ID_LEN);
		buf_put_u64(&b, a->high);
		n++;
	}
	buf_poke_u16(b.d + 33, (uint16_t)n);
	room_link_send(l, b.d, b.size);
	buf_free(&b);
}

/*
 * Catch up from one link at a time: send our marks on the next link not
 * yet asked, unless an answer is still coming on another. Asking every
 * new link at once had each of them send the same history.
 */
static void
room_ask_next(struct room *r)
{
	struct room_state	*st = room_state(r);
	struct room_link	*l;

	if (st->asking != NULL)
		return;
	TAILQ_FOREACH(l, &room_links, entry) {
		if (l->r == r && !l->asked && l->s->state == SESSION_OPEN)
			break;
	}
	if (l == NULL)
		return;
	l->asked = 1;
	st->asking = l;
	st->asked_at = st->ask_last = now_ms();
	room_send_marks(l);
	room_beat_arm();
}

/* Has the link we asked nothing more to send us? */
static int
room_ask_done(struct room_state *st, int64_t now)
{
	struct room_link	*l = st->asking;
	struct room_author	*a;
	u_int			 i;

	if (now - st->ask_last >= ROOM_ASK_QUIET_MS ||
	    now - st->asked_at >= ROOM_ASK_MAX_MS)
		return (1);
	if (!l->marks_told)
		return (0);
	for (i = 0; i < l->nmarks; i++) {
		a = room_author_find(st, l->marks[i].author);
		if (a == NULL || a->high < l->marks[i].high)
			return (0);
	}
	return (1);
}

/* A session proved its peer a member of r: link it, catch up, graft. */
static void
room_link_add(struct session *s, struct room *r)
{
	struct room_state	*st = room_state(r);
	struct room_link	*l;

	if (room_link_find(s, r) != NULL)
		return;
	l = xcalloc(1, sizeof *l);
	l->s = s;
	l->r = r;
	TAILQ_INSERT_TAIL(&room_links, l, entry);
	st->links++;
	room_ask_next(r);
	if (st->mesh < ROOM_D_LO) {
		l->mesh = 1;
		st->mesh++;
		room_send_graft(l);
	}
}

/*
 * Forget a link. Unless the room is being unlinked whole (replace is 0),
 * a mesh link lost is replaced from the others and an ask not done goes
 * to the next link.
 */
static void
room_link_free(struct room_link *l, int replace)
{
	struct room_state	*st = l->r->st;
	struct room_link	*o;
	struct room		*r = l->r;
	int			 mesh = l->mesh, asking = st->asking == l;

	TAILQ_REMOVE(&room_links, l, entry);
	st->links--;
	if (mesh)
		st->mesh--;
	free(l->marks);
	free(l);
	if (asking)
		st->asking = NULL;
	room_dial_arm();
	if (!replace)
		return;
	if (asking)
		room_ask_next(r);
	if (!mesh || st->mesh >= ROOM_D_LO)
		return;
	TAILQ_FOREACH(o, &room_links, entry) {
		if (st->mesh >= ROOM_D)
			break;
		if (o->r == r && !o->mesh && o->s->state == SESSION_OPEN) {
			o->mesh = 1;
			st->mesh++;
			room_send_graft(o);
		}
	}
}

/* How many sessions to members a room has (for the rendezvous). */
int
room_member_sessions(struct room *r)
{
	return (r->st != NULL ? (int)r->st->links : 0);
}

/* Posts of a room not yet received, below the highest seen of each. */
u_int
room_missing(struct room *r)
{
	struct room_state	*st = room_state(r);
	struct room_author	*a;
	uint64_t		 n = 0;

	RB_FOREACH(a, room_author_tree, &st->authors)
		n += a->max - a->count;
	return (n > UINT_MAX ? UINT_MAX : (u_int)n);
}

/* Remember a post's id for the next IHAVE. */
static void
room_recent_add(struct room_state *st, const uint8_t *author, uint64_t seq)
{
	u_char	*e;
	int	 i;

	if (st->nrecent == ROOM_RECENT_MAX)
		return;
	e = st->recent[st->nrecent++];
	memcpy(e, author, PEER_ID_LEN);
	for (i = 0; i < 8; i++)
		e[PEER_ID_LEN + i] = (uint8_t)(seq >> (56 - 8 * i));
	room_beat_arm();
}

/* Tell the user of a join or part line (a signed post of that kind). */
static void
room_member_line(struct room *r, const uint8_t *author, int kind,
    const char *nick, size_t len)
{
	struct fe_kv	kv[6];
	char		id[PEER_HEX_LEN + 1], *n;
	u_int		members, online;

	hex_encode(author, PEER_ID_LEN, id);
	n = xstrndup(nick, len);
	room_counts(r, &members, &online);
	kv[0] = (struct fe_kv){ "room", r->name, 0 };
	kv[1] = (struct fe_kv){ "peer", id, 0 };
	kv[2] = (struct fe_kv){ "nick", n, 0 };
	kv[3] = (struct fe_kv){ "state", kind == ROOM_KIND_JOIN ? "joined" :
	    "parted", 0 };
	kv[4] = (struct fe_kv){ "members", NULL, members };
	kv[5] = (struct fe_kv){ "online", NULL, online };
	fe->item("member", kv, 6);
	free(n);
}

/* Store a post we read: the room's message, or a join or part line. */
static void
room_store_msg(struct room *r, const struct rec_room_post *m,
    const char *text, size_t len)
{
	struct msg	 msg;
	struct peer	*p;
	char		*cause = NULL;
	uint8_t		 id[MSGID_LEN];
	int		 dup;

	if (m->kind != ROOM_KIND_TEXT) {
		if (utf8_valid(text, len, 1))
			room_member_line(r, m->author, m->kind, text, len);
		return;
	}
	room_msgid(m->room_id, m->author, m->seq, id);
	p = peer_find(m->author);
	chat_msg_arrived(&msg, r->conv->id, id, m->author,
	    p != NULL ? p->nick : NULL, m->sent_at, text, len);
	if (memcmp(m->author, identity->ed_pk, PEER_ID_LEN) == 0) {
		msg.outgoing = 1;
		msg.state = MSG_SENT;
	}
	if (store_msg_add(&msg, &dup, &cause) != 0) {
		fe_store_error(__func__, cause);
		return;
	}
	if (!dup) {
		if (!msg.outgoing)
			conv_unread_add(r->conv);
		chat_post_message(r->conv, &msg);
	}
}

/*
 * Keep a post whose signature checked and that decrypted: store it, note
 * its author's marks, show it. 0 if it was new, -1 if not (or not kept).
 */
static int
room_keep(struct room *r, const struct rec_room_post *m, const char *text,
    size_t len, const u_char *rec, size_t reclen)
{
	struct room_state	*st = room_state(r);
	struct room_author	*a;
	char			*cause = NULL;
	uint8_t			 id[MSGID_LEN];
	int			 dup;

	if ((a = room_author_get(st, m->author)) == NULL)
		return (-1);
	room_msgid(m->room_id, m->author, m->seq, id);
	room_seen_add(st, id);
	if (store_room_post_add(r->id, m->author, m->seq,
	    m->sent_at > INT64_MAX ? INT64_MAX : (int64_t)m->sent_at, m->kind,
	    rec, reclen, &dup, &cause) != 0) {
		fe_store_error(__func__, cause);
		return (-1);
	}
	if (dup)
		return (-1);
	a->count++;
	if (m->seq > a->max) {
		a->max = m->seq;
		if (m->kind != ROOM_KIND_TEXT)
			a->parted = m->kind == ROOM_KIND_PART;
	}
	if ((int64_t)m->sent_at > a->last_at && m->sent_at <= INT64_MAX)
		a->last_at = (int64_t)m->sent_at;
	if (m->seq == a->high + 1) {
		a->high = m->seq;
		room_author_advance(r, a);
	}
	room_store_msg(r, m, text, len);
	return (0);
}

/* Send a post on a mesh link unless its peer is known to have it. */
static void
room_spread_one(struct room_link *l, const uint8_t *author, uint64_t seq,
    const u_char *rec, size_t len)
{
	if (room_link_mark(l, author) >= seq)
		return;
	room_link_send(l, rec, len);
	room_link_has(l, author, seq);
	room_stats.sent++;
}

/*
 * Is this link's peer one we forward this author's posts to only after
 * ROOM_DEFER_MS? Both ends of a link work out the same answer, and which
 * end goes first changes from author to author (a bit of a mix of the
 * author's id and both peers' ids), so posts reach most members on a
 * path that waits nowhere; an author's posts all go the same way on a
 * link, so they keep their order.
 */
static int
room_link_later(struct room_link *l, const uint8_t *author)
{
	const uint8_t	*a = identity->ed_pk, *b = l->s->remote_id;
	uint64_t	 x = 0;
	int		 i, low;

	for (i = 0; i < 8; i++)
		x = (x << 8) | (uint8_t)(author[i] ^ a[i] ^ b[i]);
	x *= 0x9e3779b97f4a7c15ULL;
	low = memcmp(a, b, PEER_ID_LEN) < 0;
	/* The top bit says which end goes first: the lower id, or not. */
	return ((x >> 63) ? !low : low);
}

/* The deferred posts are due: send them where no copy came meanwhile. */
static void
room_defer_cb(int fd, short events, void *arg)
{
	struct room_defer	*d;
	struct room_link	*l;
	int64_t			 now = now_ms();

	while ((d = TAILQ_FIRST(&room_defers)) != NULL && d->due <= now) {
		TAILQ_REMOVE(&room_defers, d, entry);
		room_ndefers--;
		TAILQ_FOREACH(l, &room_links, entry) {
			if (l->r == d->r && l->mesh &&
			    room_link_later(l, d->author))
				room_spread_one(l, d->author, d->seq, d->rec,
				    d->len);
		}
		free(d->rec);
		free(d);
	}
	if (d != NULL)
		timer_add_ms(room_defer_ev, d->due - now);
}

/* Forget the deferred posts (at exit). */
static void
room_defer_free(void)
{
	struct room_defer	*d;

	while ((d = TAILQ_FIRST(&room_defers)) != NULL) {
		TAILQ_REMOVE(&room_defers, d, entry);
		free(d->rec);
		free(d);
	}
	room_ndefers = 0;
}

/*
 * Send a post on a room's mesh links but the one it came on: at once on
 * those where this end goes first, ROOM_DEFER_MS later on the others (see
 * struct room_defer). The author's own posts go on the mesh too, all at
 * once: sent on every link, each copy raced the mesh's to the same
 * members.
 */
static void
room_spread(struct room *r, const struct rec_room_post *m, const u_char *rec,
    size_t len, struct room_link *from)
{
	struct room_link	*l;
	struct room_defer	*d;
	int			 later = 0;

	TAILQ_FOREACH(l, &room_links, entry) {
		if (l->r != r || l == from || !l->mesh)
			continue;
		if (from != NULL && room_ndefers < ROOM_DEFER_MAX &&
		    room_link_later(l, m->author)) {
			later = 1;
			continue;
		}
		room_spread_one(l, m->author, m->seq, rec, len);
	}
	if (!later)
		return;
	d = xcalloc(1, sizeof *d);
	d->r = r;
	memcpy(d->author, m->author, PEER_ID_LEN);
	d->seq = m->seq;
	d->rec = xmalloc(len);
	memcpy(d->rec, rec, len);
	d->len = len;
	d->due = now_ms() + ROOM_DEFER_MS;
	TAILQ_INSERT_TAIL(&room_defers, d, entry);
	room_ndefers++;
	if (room_defer_ev != NULL && !evtimer_pending(room_defer_ev, NULL))
		timer_add_ms(room_defer_ev, ROOM_DEFER_MS);
}

/* Which joined room does a tag prove the session's peer a member of? */
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

/* The link a room record names by its room id, or NULL (counted). */
static struct room_link *
room_record_link(struct session *s, const uint8_t *room_id)
{
	struct room_link	*l;

	room_stats.records_in++;
	TAILQ_FOREACH(l, &room_links, entry) {
		if (l->s == s && l->r->joined &&
		    memcmp(l->r->id, room_id, 32) == 0)
			return (l);
	}
	room_stats.unproven++;
	return (NULL);
}

/* A ROOM_POST arrived: from a member, new, signed, sealed: keep, forward. */
int
room_post_record(struct session *s, struct record *rec)
{
	struct rec_room_post	*m = &rec->u.post;
	struct room_link	*l;
	struct room_state	*st;
	struct room_author	*a;
	struct buf		 b;
	uint8_t			 id[MSGID_LEN];
	u_char			 ad[ROOM_AD_LEN], *plain;
	unsigned long long	 plen;
	int			 kept = -1;

	if ((l = room_record_link(s, m->room_id)) == NULL)
		return (0);
	room_stats.received++;
	st = room_state(l->r);
	room_msgid(m->room_id, m->author, m->seq, id);
	if (((a = room_author_find(st, m->author)) != NULL &&
	    m->seq <= a->high) || room_seen_has(st, id)) {
		room_link_has(l, m->author, m->seq);
		room_stats.duplicates++;
		return (0);
	}
	buf_init(&b);
	room_post_signed(&b, m);
	if (!session_check_signature(s, &b, m->sig, m->author, "room")) {
		room_stats.bad++;
		return (0);
	}
	room_link_has(l, m->author, m->seq);
	room_post_ad(ad, m->room_id, m->author, m->seq, m->sent_at, m->kind);
	plain = xmalloc(m->ctlen);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL,
	    m->ct, m->ctlen, ad, sizeof ad, m->nonce, l->r->key) == 0 &&
	    (m->kind != ROOM_KIND_TEXT || plen > 0) &&
	    utf8_valid((char *)plain, plen, 0)) {
		/*
		 * Another member's post, checked: every member keeps it, so
		 * one lost with the power comes back by catch-up. Its commit
		 * waits for the next sync rather than making one of its own
		 * (our own posts, which only we can give again, do not).
		 */
		store_may_wait(1);
		kept = room_keep(l->r, m, (char *)plain, plen, rec->raw,
		    rec->rawlen);
		store_may_wait(0);
	}
	free(plain);
	if (kept != 0) {
		room_stats.duplicates++;
		return (0);
	}
	room_stats.delivered++;
	if (st->asking == l)
		st->ask_last = now_ms();
	room_spread(l->r, m, rec->raw, rec->rawlen, l);
	room_recent_add(st, m->author, m->seq);
	return (0);
}

/* Post to a room as ourselves: keep it and send it on every link. */
static int
room_post(struct room *r, uint8_t kind, const char *text, size_t len)
{
	struct room_state	*st = room_state(r);
	struct room_author	*a;
	struct record		 rec;
	struct buf		 b;
	int			 rc = 0;

	if ((a = room_author_get(st, identity->ed_pk)) == NULL)
		return (-1);
	buf_init(&b);
	room_post_build(&b, r->id, r->key, identity->ed_pk, identity->ed_sk,
	    a->max + 1, (uint64_t)now_ms(), kind, text, len);
	if (wire_parse(b.d, b.size, &rec) != 0 ||
	    room_keep(r, &rec.u.post, text, len, b.d, b.size) != 0)
		rc = -1;
	else {
		room_spread(r, &rec.u.post, b.d, b.size, NULL);
		room_recent_add(st, identity->ed_pk, rec.u.post.seq);
	}
	buf_free(&b);
	return (rc);
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
		if (room_post(r, ROOM_KIND_TEXT, text, cut) != 0) {
			xasprintf(cause, "%s: the post could not be kept",
			    r->name);
			return (-1);
		}
		text += cut;
		len -= cut;
	}
	return (0);
}

/* A post of the feed, read from the store: send it. */
static void
room_feed_cb(const u_char *rec, size_t len, uint64_t seq, void *arg)
{
	struct room_link	*l = arg;

	l->feed_seq = seq;
	room_link_send(l, rec, len);
	room_link_has(l, l->feed_author, seq);
	room_stats.catchup++;
}

/*
 * Answer a link's ROOM_MARKS while its output has room: author by author,
 * every post above the peer's mark, oldest first.
 */
static void
room_feed_run(struct room_link *l)
{
	struct room_state	*st = room_state(l->r);
	struct room_author	*a, find;
	char			*cause = NULL;
	uint64_t		 from, before;

	while (l->feeding && l->s->state == SESSION_OPEN &&
	    session_queued(l->s) < ROOM_FEED_HIGH) {
		memcpy(find.id, l->feed_author, PEER_ID_LEN);
		if ((a = RB_NFIND(room_author_tree, &st->authors, &find)) ==
		    NULL) {
			l->feeding = 0;
			break;
		}
		if (memcmp(a->id, l->feed_author, PEER_ID_LEN) != 0) {
			memcpy(l->feed_author, a->id, PEER_ID_LEN);
			l->feed_seq = 0;
		}
		from = room_link_mark(l, a->id);
		if (l->feed_seq > from)
			from = l->feed_seq;
		before = l->feed_seq;
		if (from < a->max && store_room_post_after(l->r->id, a->id,
		    from, a->max, ROOM_FEED_BATCH, room_feed_cb, l,
		    &cause) != 0) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
			l->feeding = 0;
			break;
		}
		if (from >= a->max || l->feed_seq == before ||
		    l->feed_seq < before + ROOM_FEED_BATCH) {
			/* This author is done: on to the next. */
			if ((a = RB_NEXT(room_author_tree, &st->authors, a)) ==
			    NULL) {
				l->feeding = 0;
				break;
			}
			memcpy(l->feed_author, a->id, PEER_ID_LEN);
			l->feed_seq = 0;
		}
	}
}

/*
 * Take a peer's marks into a link's: what was sent on the link since the
 * peer wrote them (or came from it) stays known, so it is not sent again.
 */
static void
room_marks_merge(struct room_link *l, const struct rec_room_list *m)
{
	struct room_mark	*v;
	u_int			 i, n;

	n = l->nmarks + m->count;
	v = xreallocarray(NULL, n + 1, sizeof *v);
	if (l->nmarks != 0)
		memcpy(v, l->marks, l->nmarks * sizeof *v);
	for (i = 0; i < m->count; i++) {
		memcpy(v[l->nmarks + i].author, m->v + i * 40, PEER_ID_LEN);
		v[l->nmarks + i].high = room_entry(m->v + i * 40);
	}
	qsort(v, n, sizeof *v, room_mark_cmp);
	/* One entry an author, the highest; no more than a link keeps. */
	l->nmarks = 0;
	for (i = 0; i < n; i++) {
		if (l->nmarks > 0 && memcmp(v[l->nmarks - 1].author,
		    v[i].author, PEER_ID_LEN) == 0) {
			if (v[i].high > v[l->nmarks - 1].high)
				v[l->nmarks - 1].high = v[i].high;
			continue;
		}
		if (l->nmarks == 2 * ROOM_MARKS_MAX)
			break;
		v[l->nmarks++] = v[i];
	}
	free(l->marks);
	l->marks = v;
}

/* A ROOM_MARKS arrived: take the peer's marks, send what it lacks. */
int
room_marks_record(struct session *s, struct record *rec)
{
	struct rec_room_list	*m = &rec->u.list;
	struct room_link	*l;

	if ((l = room_record_link(s, m->room_id)) == NULL)
		return (0);
	if (++l->marks_asked > ROOM_MARKS_PER_LINK) {
		log_info("%s: %s asks too often", __func__, peer_name(s->peer));
		return (0);
	}
	room_marks_merge(l, m);
	l->marks_told = 1;
	l->feeding = 1;
	memset(l->feed_author, 0, sizeof l->feed_author);
	l->feed_seq = 0;
	room_feed_run(l);
	return (0);
}

/* Read an (author, seq) entry of an IHAVE or IWANT. */
static uint64_t
room_entry(const u_char *e)
{
	uint64_t	seq = 0;
	int		i;

	for (i = 0; i < 8; i++)
		seq = (seq << 8) | e[PEER_ID_LEN + i];
	return (seq);
}

/* A ROOM_IHAVE arrived: ask for the posts it names that we lack. */
int
room_ihave_record(struct session *s, struct record *rec)
{
	struct rec_room_list	*m = &rec->u.list;
	struct room_link	*l;
	struct room_state	*st;
	struct room_author	*a;
	struct buf		 b;
	const u_char		*e;
	uint8_t			 id[MSGID_LEN];
	uint64_t		 seq;
	u_int			 i, n = 0;

	if ((l = room_record_link(s, m->room_id)) == NULL)
		return (0);
	st = room_state(l->r);
	buf_init(&b);
	buf_put_u8(&b, REC_ROOM_IWANT);
	buf_put(&b, l->r->id, 32);
	buf_put_u16(&b, 0);
	for (i = 0; i < m->count; i++) {
		e = m->v + i * 40;
		seq = room_entry(e);
		if (seq == 0)
			continue;
		room_link_has(l, e, seq);
		if ((a = room_author_find(st, e)) != NULL && seq <= a->high)
			continue;
		room_msgid(l->r->id, e, seq, id);
		if (room_seen_has(st, id))
			continue;
		buf_put(&b, e, 40);
		n++;
	}
	if (n != 0) {
		buf_poke_u16(b.d + 33, (uint16_t)n);
		room_link_send(l, b.d, b.size);
		room_stats.iwant++;
	}
	buf_free(&b);
	return (0);
}

/* A post asked for by IWANT, read from the store: send it. */
static void
room_iwant_cb(const u_char *rec, size_t len, uint64_t seq, void *arg)
{
	struct room_link	*l = arg;

	room_link_send(l, rec, len);
}

/* A ROOM_IWANT arrived: send the posts it names, while output has room. */
int
room_iwant_record(struct session *s, struct record *rec)
{
	struct rec_room_list	*m = &rec->u.list;
	struct room_link	*l;
	const u_char		*e;
	char			*cause = NULL;
	uint64_t		 seq;
	u_int			 i;

	if ((l = room_record_link(s, m->room_id)) == NULL)
		return (0);
	for (i = 0; i < m->count; i++) {
		if (session_queued(s) >= ROOM_FEED_HIGH)
			break;
		e = m->v + i * 40;
		if ((seq = room_entry(e)) == 0 || room_link_mark(l, e) >= seq)
			continue;
		if (store_room_post_after(l->r->id, e, seq - 1, seq, 1,
		    room_iwant_cb, l, &cause) != 0) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
			break;
		}
		room_link_has(l, e, seq);
	}
	return (0);
}

/* A ROOM_GRAFT arrived: take the link into our mesh, if there is room. */
int
room_graft_record(struct session *s, struct record *rec)
{
	struct room_link	*l;
	struct room_state	*st;

	if ((l = room_record_link(s, rec->u.list.room_id)) == NULL)
		return (0);
	st = room_state(l->r);
	if (!l->mesh && st->mesh < ROOM_D_HI) {
		l->mesh = 1;
		st->mesh++;
	}
	return (0);
}

/* The room_peer of a session, made if asked. */
static struct room_peer *
room_peer_get(struct session *s, int make)
{
	struct room_peer	*rp;

	TAILQ_FOREACH(rp, &room_peers, entry) {
		if (rp->s == s)
			return (rp);
	}
	if (!make)
		return (NULL);
	rp = xcalloc(1, sizeof *rp);
	rp->s = s;
	TAILQ_INSERT_TAIL(&room_peers, rp, entry);
	return (rp);
}

/* A ROOM_MEMBER arrived: keep its tags, link the rooms they prove. */
int
room_member_record(struct session *s, struct record *rec)
{
	struct rec_room_list	*m = &rec->u.list;
	struct room_peer	*rp = room_peer_get(s, 1);
	struct room		*r;
	u_int			 i;

	for (i = 0; i < m->count; i++) {
		if (rp->ntags >= ROOM_SESSION_TAGS) {
			room_stats.tags_over += m->count - i;
			break;
		}
		memcpy(rp->tags[rp->ntags++], m->v + i * 32, 32);
		if ((r = room_proven(s, m->v + i * 32)) != NULL)
			room_link_add(s, r);
	}
	return (0);
}

/* Send our tags, for r or for every joined room, on a session. */
static void
room_send_tags(struct session *s, struct room *only)
{
	struct conv	*c;
	struct buf	 b;
	u_int		 n = 0;

	buf_init(&b);
	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || !c->room->joined ||
		    (only != NULL && c->room != only))
			continue;
		if (n == 0) {
			buf_put_u8(&b, REC_ROOM_MEMBER);
			buf_put_u8(&b, 0);
		}
		room_member_tag(c->room->key, s->hh, s->hhlen,
		    identity->ed_pk, buf_reserve(&b, 32));
		if (++n == ROOM_TAGS_MAX) {
			b.d[1] = (uint8_t)n;
			session_send_buf(s, &b);
			buf_reset(&b);
			n = 0;
		}
	}
	if (n != 0) {
		b.d[1] = (uint8_t)n;
		session_send_buf(s, &b);
	}
	buf_free(&b);
}

/*
 * A ROOM_MSG or ROOM_SYNC (the flooded rooms of earlier releases): not
 * carried any more. The user is told once a session.
 */
static int
room_old_record(struct session *s)
{
	struct room_peer	*rp = room_peer_get(s, 1);
	char			*msg;

	room_stats.old++;
	if (rp->old_told)
		return (0);
	rp->old_told = 1;
	xasprintf(&msg, "%s runs an older p2pchat: its rooms (ROOM_MSG) are "
	    "no longer carried; it must upgrade to share rooms",
	    s->peer != NULL ? peer_name(s->peer) : s->host);
	log_info("%s: %s", __func__, msg);
	if (fe->warning != NULL)
		fe->warning(msg, s->peer);
	free(msg);
	return (0);
}

/* A ROOM_MSG arrived. */
int
room_msg_record(struct session *s, struct record *r)
{
	return (room_old_record(s));
}

/* A ROOM_SYNC arrived. */
int
room_sync_record(struct session *s, struct record *r)
{
	return (room_old_record(s));
}

/* The beat's catch-up part: an asked link done, ask the next. */
static int
room_beat_ask(void)
{
	struct conv		*c;
	struct room_state	*st;
	int64_t			 now = now_ms();
	int			 again = 0;

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || (st = c->room->st) == NULL ||
		    st->asking == NULL)
			continue;
		if (room_ask_done(st, now)) {
			st->asking = NULL;
			room_ask_next(c->room);
		}
		if (st->asking != NULL)
			again = 1;
	}
	return (again);
}

/*
 * The beat: catch-up goes on to the next link; gossip recent post ids
 * (IHAVE) to a few non-mesh links.
 */
static void
room_beat_cb(int fd, short events, void *arg)
{
	struct conv		*c;
	struct room_link	*l, *pick[ROOM_GOSSIP];
	struct room_state	*st;
	struct buf		 b;
	u_int			 i, k, n, seen, count;

	if (room_beat_ask())
		room_beat_arm();
	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || (st = c->room->st) == NULL ||
		    st->nrecent == 0)
			continue;
		/* Reservoir-pick up to ROOM_GOSSIP links outside the mesh. */
		n = seen = 0;
		TAILQ_FOREACH(l, &room_links, entry) {
			if (l->r != c->room || l->mesh)
				continue;
			if (n < ROOM_GOSSIP)
				pick[n++] = l;
			else if ((k = randombytes_uniform(seen + 1)) <
			    ROOM_GOSSIP)
				pick[k] = l;
			seen++;
		}
		for (k = 0; k < n; k++) {
			buf_init(&b);
			buf_put_u8(&b, REC_ROOM_IHAVE);
			buf_put(&b, c->room->id, 32);
			buf_put_u16(&b, 0);
			count = 0;
			for (i = 0; i < st->nrecent; i++) {
				if (room_link_mark(pick[k], st->recent[i]) >=
				    room_entry(st->recent[i]))
					continue;
				buf_put(&b, st->recent[i], 40);
				count++;
			}
			if (count != 0) {
				buf_poke_u16(b.d + 33, (uint16_t)count);
				room_link_send(pick[k], b.d, b.size);
				room_stats.ihave++;
			}
			buf_free(&b);
		}
		st->nrecent = 0;
	}
}

/* An address of the book: dial it if it is a member a short room lacks. */
static void
room_dial_one(const struct addr_row *ar, void *arg)
{
	struct conv		*c;
	struct room_state	*st;
	struct room_author	*a;
	struct peer		*p;
	const uint8_t		*id;
	int64_t			 now = mono_us() / 1000;
	u_int			*budget = arg;

	if (*budget == 0 || ar->port == 0)
		return;
	if (ar->has_peer)
		id = ar->peer;
	else if (ar->has_claim)
		id = ar->claim;
	else
		return;
	if (memcmp(id, identity->ed_pk, PEER_ID_LEN) == 0)
		return;
	if ((p = peer_find(id)) != NULL &&
	    (p->session != NULL || p->trust == TRUST_BLOCKED))
		return;
	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || !c->room->joined ||
		    (st = c->room->st) == NULL || st->links >= ROOM_D ||
		    st->dials >= ROOM_DIAL_BATCH)
			continue;
		if ((a = room_author_find(st, id)) == NULL || a->parted ||
		    (a->dialled != 0 && now - a->dialled < ROOM_DIAL_AGAIN_MS))
			continue;
		if (node_dial_book(ar) != 1)
			return;
		a->dialled = now;
		st->dials++;
		(*budget)--;
		room_stats.dials++;
		return;
	}
}

/* Has a short room a member it could dial now (no session, not lately)? */
static int
room_dial_wanted(struct room_state *st, int64_t now)
{
	struct room_author	*a;
	struct peer		*p;

	RB_FOREACH(a, room_author_tree, &st->authors) {
		if (a->parted || memcmp(a->id, identity->ed_pk,
		    PEER_ID_LEN) == 0 ||
		    (a->dialled != 0 && now - a->dialled < ROOM_DIAL_AGAIN_MS))
			continue;
		if ((p = peer_find(a->id)) == NULL || p->session == NULL)
			return (1);
	}
	return (0);
}

/* Run the dial turn in ROOM_DIAL_MS, unless it is due already. */
static void
room_dial_arm(void)
{
	if (room_dial_ev != NULL && !evtimer_pending(room_dial_ev, NULL))
		timer_add_ms(room_dial_ev, ROOM_DIAL_MS);
}

/*
 * The dial turn: a joined room with fewer than ROOM_D links dials, a few
 * a turn and each at most every ROOM_DIAL_AGAIN_MS, the members it knows
 * (its authors) that have an address in the book (dialled before, or
 * given by a peer exchange), so one who came in through a single member
 * finds the others.
 */
static void
room_dial_cb(int fd, short events, void *arg)
{
	struct conv	*c;
	u_int		 open, handshaking, budget = 0, short_rooms = 0;
	char		*cause = NULL;
	int64_t		 now = mono_us() / 1000;

	if (node_is_quitting() || !cfg_num(CFG_ROOM_DIAL))
		return;
	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || !c->room->joined || c->room->st == NULL)
			continue;
		c->room->st->dials = 0;
		if (c->room->st->links < ROOM_D) {
			short_rooms++;
			/* The DHT may know members the book does not. */
			rendezvous_want(c->room);
			if (room_dial_wanted(c->room->st, now))
				budget += ROOM_DIAL_BATCH;
		}
	}
	/* The turn sleeps while no room is short of links. */
	if (short_rooms == 0)
		return;
	room_dial_arm();
	session_counts(&open, &handshaking);
	if (open + handshaking >= (u_int)cfg_num(CFG_MAX_PEERS))
		return;
	if (budget == 0)
		return;
	if (budget > (u_int)cfg_num(CFG_MAX_PEERS) - open - handshaking)
		budget = (u_int)cfg_num(CFG_MAX_PEERS) - open - handshaking;
	if (store_addr_load(room_dial_one, &budget, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
}

/* Start: the beat timer, the dial turn. */
static void
room_init(void)
{
	room_dial_ev = evtimer_new(node_base, room_dial_cb, NULL);
	room_dial_arm();
	room_beat = evtimer_new(node_base, room_beat_cb, NULL);
	room_defer_ev = evtimer_new(node_base, room_defer_cb, NULL);
	session_features |= FEATURE_ROOMS;
}

/* A session's output drained: its feeds go on. */
static void
room_session_drained(struct session *s)
{
	struct room_link	*l;

	TAILQ_FOREACH(l, &room_links, entry) {
		if (l->s == s && l->feeding)
			room_feed_run(l);
	}
}

/* A session closed: forget its links and tags. */
static void
room_session_closed(struct session *s)
{
	struct room_link	*l, *next;
	struct room_peer	*rp;

	TAILQ_FOREACH_SAFE(l, &room_links, entry, next) {
		if (l->s == s)
			room_link_free(l, 1);
	}
	if ((rp = room_peer_get(s, 0)) != NULL) {
		TAILQ_REMOVE(&room_peers, rp, entry);
		free(rp);
	}
}

/* A session opened: show it which rooms we are in. */
static void
room_session_open(struct session *s)
{
	room_send_tags(s, NULL);
}

/* Free rooms, links and tags at exit. */
static void
room_shutdown(void)
{
	struct room_link	*l;
	struct room_peer	*rp;
	struct conv		*c;

	while ((l = TAILQ_FIRST(&room_links)) != NULL) {
		TAILQ_REMOVE(&room_links, l, entry);
		free(l->marks);
		free(l);
	}
	while ((rp = TAILQ_FIRST(&room_peers)) != NULL) {
		TAILQ_REMOVE(&room_peers, rp, entry);
		free(rp);
	}
	if (room_beat != NULL)
		event_free(room_beat);
	room_beat = NULL;
	room_defer_free();
	if (room_dial_ev != NULL)
		event_free(room_dial_ev);
	room_dial_ev = NULL;
	if (room_defer_ev != NULL)
		event_free(room_defer_ev);
	room_defer_ev = NULL;
	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL)
			continue;
		room_state_free(c->room);
		sodium_memzero(c->room->key, sizeof c->room->key);
		free(c->room->name);
		free(c->room->secret);
		free(c->room);
		c->room = NULL;
	}
}

/* Drop a room's links (it was left, or its key changed). */
static void
room_unlink(struct room *r)
{
	struct room_link	*l, *next;

	TAILQ_FOREACH_SAFE(l, &room_links, entry, next) {
		if (l->r == r)
			room_link_free(l, 0);
	}
}

/*
 * Join a room, or give a room already known a new secret: post a join
 * line, show every open session our tag, and link those whose tags prove
 * them members (for /join).
 */
struct room *
room_join(const char *name, const char *secret, char **cause)
{
	struct room		*r;
	struct room_peer	*rp;
	struct session		*s;
	int64_t			 conv;
	int			 was = 0;
	u_int			 i;

	if (room_name_ok(name, cause) != 0)
		return (NULL);
	if (store_room_add(name, secret, &conv, cause) != 0)
		return (NULL);
	if ((r = room_find(name)) != NULL) {
		was = r->joined && strcmp(r->secret, secret) == 0;
		if (!was) {
			room_unlink(r);
			room_state_free(r);
		}
		free(r->secret);
		r->secret = xstrdup(secret);
		r->joined = 1;
		room_derive(r);
	} else
		r = room_make(conv_add(conv, 0, 0), name, secret, 1);
	room_state(r);
	room_dial_arm();
	if (!was)
		room_post(r, ROOM_KIND_JOIN, node_nick(), strlen(node_nick()));
	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->state == SESSION_OPEN)
			room_send_tags(s, r);
	}
	TAILQ_FOREACH(rp, &room_peers, entry) {
		if (rp->s->state != SESSION_OPEN)
			continue;
		for (i = 0; i < rp->ntags; i++) {
			if (room_proven(rp->s, rp->tags[i]) == r)
				room_link_add(rp->s, r);
		}
	}
	return (r);
}

/* Leave a room: a part line, then no links; history is kept (/part). */
int
room_part(struct room *r, char **cause)
{
	if (store_room_joined(r->conv->id, 0, cause) != 0)
		return (-1);
	room_post(r, ROOM_KIND_PART, node_nick(), strlen(node_nick()));
	room_unlink(r);
	r->joined = 0;
	return (0);
}

/* Is a room's author a member now, and is it online? */
static int
room_member_now(struct room *r, struct room_author *a, int64_t since, int *on)
{
	struct peer	*p;

	if (a->parted || a->last_at < since)
		return (0);
	if (memcmp(a->id, identity->ed_pk, PEER_ID_LEN) == 0)
		*on = r->joined;
	else
		*on = (p = peer_find(a->id)) != NULL && peer_online(p);
	return (1);
}

/* A room's members and how many of them are online (for the title). */
void
room_counts(struct room *r, u_int *members, u_int *online)
{
	struct room_state	*st = room_state(r);
	struct room_author	*a;
	int64_t			 since;
	int			 on;

	if (r->mirrored) {	/* an attached screen: the node's counts */
		*members = r->mirror_members;
		*online = r->mirror_online;
		return;
	}
	*members = *online = 0;
	since = now_ms() - (int64_t)ROOM_NAMES_DAYS * 86400 * 1000;
	RB_FOREACH(a, room_author_tree, &st->authors) {
		if (room_member_now(r, a, since, &on)) {
			(*members)++;
			*online += on;
		}
	}
}

/*
 * List a room's members: authors seen in it in the last days that have not
 * parted, with presence, then a summary (for /names).
 */
int
room_names(struct room *r, char **cause)
{
	struct room_state	*st = room_state(r);
	struct room_author	*a;
	struct peer		*p;
	struct fe_kv		 kv[5];
	char			 id[PEER_HEX_LEN + 1];
	const char		*nick;
	int64_t			 since;
	u_int			 members = 0, online = 0;
	int			 on;

	since = now_ms() - (int64_t)ROOM_NAMES_DAYS * 86400 * 1000;
	RB_FOREACH(a, room_author_tree, &st->authors) {
		if (!room_member_now(r, a, since, &on))
			continue;
		p = peer_find(a->id);
		if (memcmp(a->id, identity->ed_pk, PEER_ID_LEN) == 0)
			nick = node_nick();
		else
			nick = p != NULL ? peer_name(p) : "";
		members++;
		online += on;
		hex_encode(a->id, PEER_ID_LEN, id);
		kv[0] = (struct fe_kv){ "room", r->name, 0 };
		kv[1] = (struct fe_kv){ "id", id, 0 };
		kv[2] = (struct fe_kv){ "nick", nick, 0 };
		kv[3] = (struct fe_kv){ "online", NULL, on };
		fe->item("name", kv, 4);
	}
	kv[0] = (struct fe_kv){ "room", r->name, 0 };
	kv[1] = (struct fe_kv){ "members", NULL, members };
	kv[2] = (struct fe_kv){ "online", NULL, online };
	kv[3] = (struct fe_kv){ "missing", NULL, room_missing(r) };
	kv[4] = (struct fe_kv){ "links", NULL, st->links };
	fe->item("names", kv, 5);
	return (0);
}

/* The room counters, for /stats. */
static void
room_stats_put(struct stats *st)
{
	struct conv	*c;
	long long	 links = 0, mesh = 0;

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room != NULL && c->room->st != NULL) {
			links += c->room->st->links;
			mesh += c->room->st->mesh;
		}
	}
	stats_add(st, "room_received", (long long)room_stats.received);
	stats_add(st, "room_delivered", (long long)room_stats.delivered);
	stats_add(st, "room_duplicates", (long long)room_stats.duplicates);
	stats_add(st, "room_forwarded", (long long)room_stats.sent);
	stats_add(st, "room_bad_signatures", (long long)room_stats.bad);
	stats_add(st, "room_records_in", (long long)room_stats.records_in);
	stats_add(st, "room_records_out", (long long)room_stats.records_out);
	stats_add(st, "room_records_unproven", (long long)room_stats.unproven);
	stats_add(st, "room_tags_over", (long long)room_stats.tags_over);
	stats_add(st, "room_old_records", (long long)room_stats.old);
	stats_add(st, "room_ihave", (long long)room_stats.ihave);
	stats_add(st, "room_iwant", (long long)room_stats.iwant);
	stats_add(st, "room_catchup_sent", (long long)room_stats.catchup);
	stats_add(st, "room_dials", (long long)room_stats.dials);
	stats_add(st, "room_links", links);
	stats_add(st, "room_mesh", mesh);
}

const struct module room_module = {
	.name = "room",
	.init = room_init,
	.session_open = room_session_open,
	.session_closed = room_session_closed,
	.session_drained = room_session_drained,
	.shutdown = room_shutdown,
	.stats = room_stats_put,
};
