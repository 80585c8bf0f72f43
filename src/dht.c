/*
 * dht.c: a node and client of the BitTorrent Mainline DHT (BEP 5), over
 * IPv4 UDP on the event loop. KRPC messages are bencoded (bencode.c). The
 * routing table holds K nodes in each of 160 buckets by shared prefix with
 * our id; lookups ask ALPHA nodes at a time, nearest first. The node
 * answers ping, find_node, get_peers, announce_peer, get and put (BEP 44
 * mutable items, Ed25519), except in read-only mode (BEP 43). Every answer
 * is bounded by the query's size and paced per address, so the node is no
 * amplifier. Each node publishes its peer record: a mutable item under its
 * identity key with the salt "p2pchat/1" listing its addresses
 * (p2pchat-protocol(7), PEER RECORDS).
 */

#include "p2pchat.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <sha1.h>

#define DHT_ID_LEN		20
#define DHT_K			8
#define DHT_ALPHA		3
#define DHT_BUCKETS		160
#define DHT_NODE_LEN		26	/* compact node info */
#define DHT_PKT_MAX		1500
#define DHT_TID_LEN		2
#define DHT_TOKEN_LEN		8
#define DHT_TOKEN_MAX		32	/* a token we keep from an answer */
#define DHT_SALT_MAX		64
#define DHT_QUERIES_MAX		256	/* outstanding */
#define DHT_QUERY_MS		1500
#define DHT_PINGS_S		32	/* pings of new nodes a second */
#define DHT_LOOKUP_NODES	32	/* candidates a lookup keeps */
#define DHT_LOOKUPS_MAX		16
#define DHT_LOOKUP_ASK_MAX	128	/* queries a lookup sends, at most */
#define DHT_ITEMS_MAX		256	/* items stored for others */
#define DHT_ITEMS_PER_ADDR	8
#define DHT_ITEM_MS		(2 * 3600 * 1000)
#define DHT_PEERS_MAX		512	/* announced peers stored */
#define DHT_PEERS_PER_HASH	32
#define DHT_PEERS_PER_ADDR	16
#define DHT_PEER_MS		(30 * 60 * 1000)
#define DHT_PEERS_FOUND		32	/* peers a get_peers lookup keeps */
#define DHT_AMPLIFY		8	/* answer bytes per query byte */
#define DHT_RATE_SLOTS		256
#define DHT_RATE_ADDR		8192	/* answer bytes a second, an address */
#define DHT_RATE_ALL		262144	/* answer bytes a second, in all */
#define DHT_SECRET_MS		(5 * 60 * 1000)
#define DHT_REPUBLISH_MS	(30 * 60 * 1000)
#define DHT_REPUB_MIN_MS	2000	/* put on few nodes: again soon */
#define DHT_REFRESH_MS		(15 * 60 * 1000)
#define DHT_REBOOT_MS		(30 * 1000)	/* bootstrap again, at most */
#define DHT_REBOOT_MIN_MS	1000		/* at first, doubling */
#define DHT_SAVE_MS		(5 * 60 * 1000)	/* the table to the store */
#define DHT_SAVE_FIRST_MS	3000
#define DHT_SAVED_MAX		64	/* saved nodes used at start */
#define DHT_REACH_MAX		16	/* peers looked up to dial at once */
#define DHT_REACH_PACE_MS	10000	/* a peer looked up again, at most */
#define DHT_REACH_STALE_MS	3000	/* ... when its record named nothing new */
#define DHT_REACH_WAIT_MS	5000	/* for a session after dialling */

/* The public routers, used only where dht_may_go_public() says so. */
static const char *dht_routers[] = {
	"router.bittorrent.com:6881",
	"dht.transmissionbt.com:6881",
	"router.utorrent.com:6881",
	"dht.libtorrent.org:25401",
};

enum dht_kind {
	DHT_PING,
	DHT_FIND_NODE,
	DHT_GET_PEERS,
	DHT_ANNOUNCE,
	DHT_GET,
	DHT_PUT,
};

struct dht_node {
	uint8_t			 id[DHT_ID_LEN];
	struct sockaddr_in	 sa;
	int64_t			 seen;		/* ms; 0: an empty slot */
	u_int			 fails;
};

struct dht_cand {
	uint8_t			 id[DHT_ID_LEN];
	struct sockaddr_in	 sa;
	int			 state;
#define CAND_NEW	0
#define CAND_ASKED	1
#define CAND_ANSWERED	2
#define CAND_FAILED	3
	u_int			 depth;
	u_char			 token[DHT_TOKEN_MAX];
	size_t			 tokenlen;
};

struct dht_lookup {
	enum dht_kind		 kind;		/* FIND_NODE, GET or GET_PEERS */
	uint8_t			 target[DHT_ID_LEN];
	uint8_t			 key[32];	/* DHT_GET: the signer */
	u_char			 salt[DHT_SALT_MAX];
	size_t			 saltlen;
	struct dht_cand		 c[DHT_LOOKUP_NODES];
	u_int			 nc;
	u_int			 inflight;
	u_int			 asked;
	int64_t			 start_us;

	int			 have;		/* the newest good item */
	int64_t			 seq;
	u_char			 v[DHT_VALUE_MAX];
	size_t			 vlen;
	u_int			 hops;

	/* DHT_GET_PEERS: the peers found, and the port to announce. */
	struct sockaddr_in	 peers[DHT_PEERS_FOUND];
	u_int			 npeers;
	u_short			 announce;

	int			 publish;	/* put our record after */
	void			(*done)(struct dht_lookup *);
	void			(*cb)(const uint8_t *,
				    const struct dht_found *, void *);
	void			(*peers_cb)(const uint8_t *,
				    const struct sockaddr_in *, u_int, void *);
	void			*arg;
	TAILQ_ENTRY(dht_lookup)	 entry;
};
TAILQ_HEAD(dht_lookups, dht_lookup);

struct dht_query {
	uint8_t			 tid[DHT_TID_LEN];
	struct sockaddr_in	 to;
	enum dht_kind		 kind;
	int64_t			 sent;		/* ms */
	struct dht_lookup	*lk;
	uint8_t			 id[DHT_ID_LEN]; /* the candidate asked */
	TAILQ_ENTRY(dht_query)	 entry;
};
TAILQ_HEAD(dht_queries, dht_query);

struct dht_item {
	uint8_t			 target[DHT_ID_LEN];
	uint8_t			 k[32];
	u_char			 salt[DHT_SALT_MAX];
	size_t			 saltlen;
	int64_t			 seq;
	uint8_t			 sig[64];
	u_char			 v[DHT_VALUE_MAX];
	size_t			 vlen;
	uint64_t		 from;		/* who stored it (dht_from) */
	int64_t			 stored;	/* ms; 0: an empty slot */
};

struct dht_peer {
	uint8_t			 hash[DHT_ID_LEN];
	uint8_t			 compact[6];
	uint64_t		 from;		/* dht_from */
	int64_t			 stored;	/* ms; 0: an empty slot */
};

struct dht_rate {
	uint64_t		 ip;		/* dht_from */
	int64_t			 last;		/* ms */
	int64_t			 credit;	/* bytes */
};

static int			 dht_fd = -1;
static struct event		*dht_read_ev;
static struct event		*dht_timer;
static uint8_t			 dht_id[DHT_ID_LEN];
static struct dht_node		 dht_table[DHT_BUCKETS][DHT_K];
static struct dht_queries	 dht_queries = TAILQ_HEAD_INITIALIZER(dht_queries);
static u_int			 dht_nqueries;
static struct dht_lookups	 dht_lookups = TAILQ_HEAD_INITIALIZER(dht_lookups);
static u_int			 dht_nlookups;
static uint16_t			 dht_next_tid;
static struct dht_item		 dht_items[DHT_ITEMS_MAX];
static struct dht_peer		 dht_peers[DHT_PEERS_MAX];
static struct dht_rate		 dht_rates[DHT_RATE_SLOTS];
static struct dht_rate		 dht_rate_all;
static uint8_t			 dht_secret[2][32];
static int64_t			 dht_secret_at;
static int			 dht_boot_class = ADDR_PUBLIC;
static struct sockaddr_in	 dht_boot[64];
static u_int			 dht_nboot;
static int64_t			 dht_boot_at;
static int64_t			 dht_boot_wait = DHT_REBOOT_MIN_MS;	/* ms */
static int64_t			 dht_refresh_at;
static int			 dht_joined;	/* the first refresh is over */
static struct sockaddr_in	 dht_saved[DHT_SAVED_MAX];	/* last run's */
static u_int			 dht_nsaved;
static int64_t			 dht_save_at;
static u_int			 dht_last_saved;

/* Peers looked up by id to dial them (dht_reach). */
struct dht_reach {
	uint8_t			 id[PEER_ID_LEN];
	int			 state;
#define REACH_FREE	0
#define REACH_LOOKUP	1
#define REACH_DIAL	2
	int64_t			 at;		/* ms: the last lookup began */
	void			(*fallback)(struct peer *);
	struct event		*ev;
};
static struct dht_reach		 dht_reaches[DHT_REACH_MAX];
static int			 dht_reach_starting;	/* 2: ended at once */

/* The peer record. */
static struct sockaddr_storage	 dht_addrs[DHT_RECORD_ADDRS];
static u_int			 dht_naddrs;
static int			 dht_addrs_set;	/* fed from outside */
static int64_t			 dht_seq;
static int64_t			 dht_publish_at;	/* ms; 0: now */
static int			 dht_publishing;
static int64_t			 dht_repub_wait = DHT_REPUB_MIN_MS;
static int			 dht_pub_few;	/* the last put reached < K */
static u_int			 dht_pub_table;	/* nodes known at that put */

static struct {
	u_long	 queries_in;
	u_long	 answers_dropped;
	u_long	 answers_out;
	u_long	 bad_answers;
	u_long	 puts_acked;
	u_long	 published;
	u_long	 malformed;	/* datagrams that are no KRPC message */
	u_long	 unmatched;	/* answers to no query of ours */
	u_long	 bad_tokens;
	u_long	 bad_sigs;
	u_long	 stale_seqs;
	u_long	 too_big;
	u_long	 refused_full;	/* puts and announces over a bound */
	u_long	 bad_ids;	/* global nodes whose id breaks BEP 42 */
	u_long	 reach_lookups;	/* peers looked up to dial them */
	u_long	 reach_dialled;	/* ... and found and dialled */
} dht_stats;

static void	dht_lookup_step(struct dht_lookup *);
static int	dht_read_only(void);
static void	dht_rekey(const uint8_t *);
static uint64_t	dht_from(const struct sockaddr_in *);
static struct dht_query *dht_query_send(const struct sockaddr_in *,
		    enum dht_kind, const char *, struct buf *,
		    struct dht_lookup *, const uint8_t *);

/* SHA-1 of up to two pieces (node ids and BEP 44 targets). */
static void
dht_sha1(const void *a, size_t alen, const void *b, size_t blen, uint8_t *out)
{
	SHA1_CTX	ctx;

	SHA1Init(&ctx);
	SHA1Update(&ctx, a, alen);
	if (blen != 0)
		SHA1Update(&ctx, b, blen);
	SHA1Final(out, &ctx);
}

/* CRC-32C (Castagnoli), bit by bit: BEP 42 hashes 4 bytes with it. */
static uint32_t
dht_crc32c(const uint8_t *p, size_t len)
{
	uint32_t	crc = 0xffffffff;
	size_t		i;
	int		bit;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
	}
	return (~crc);
}

/* The 21 bits BEP 42 ties to an IPv4 address and a random r (0 to 7). */
static uint32_t
dht_bep42_prefix(const uint8_t *ip, u_int r)
{
	uint8_t	m[4];

	m[0] = (ip[0] & 0x03) | (uint8_t)(r << 5);
	m[1] = ip[1] & 0x0f;
	m[2] = ip[2] & 0x3f;
	m[3] = ip[3] & 0xff;
	return (dht_crc32c(m, sizeof m));
}

/*
 * Make a node id for a public IPv4 address by BEP 42: the first 21 bits
 * from the CRC-32C of the masked address and r, the last byte the random
 * byte whose low 3 bits are r, the rest random.
 */
void
dht_bep42_id(const uint8_t *ip, uint8_t rnd, uint8_t *id)
{
	uint32_t	crc = dht_bep42_prefix(ip, rnd & 7);

	random_id(id, DHT_ID_LEN);
	id[0] = crc >> 24;
	id[1] = (crc >> 16) & 0xff;
	id[2] = ((crc >> 8) & 0xf8) | (id[2] & 0x07);
	id[19] = rnd;
}

/* Does an id follow BEP 42 for an IPv4 address? */
int
dht_bep42_ok(const uint8_t *ip, const uint8_t *id)
{
	uint32_t	crc = dht_bep42_prefix(ip, id[19] & 7);

	return (id[0] == (crc >> 24) && id[1] == ((crc >> 16) & 0xff) &&
	    (id[2] & 0xf8) == ((crc >> 8) & 0xf8));
}

/* Is the DHT running? */
int
dht_enabled(void)
{
	return (dht_fd != -1);
}

/* The bucket of an id: the bits it shares with ours, or -1 for ours. */
static int
dht_bucket(const uint8_t *id)
{
	u_int	i;
	int	bit;
	uint8_t	x;

	for (i = 0; i < DHT_ID_LEN; i++) {
		if ((x = id[i] ^ dht_id[i]) == 0)
			continue;
		for (bit = 0; (x & 0x80) == 0; bit++)
			x <<= 1;
		return ((int)(i * 8) + bit);
	}
	return (-1);
}

/* Is a nearer to t than b? */
static int
dht_nearer(const uint8_t *t, const uint8_t *a, const uint8_t *b)
{
	u_int	i;

	for (i = 0; i < DHT_ID_LEN; i++) {
		if ((a[i] ^ t[i]) != (b[i] ^ t[i]))
			return ((a[i] ^ t[i]) < (b[i] ^ t[i]));
	}
	return (0);
}

/* May we talk to this address at all? */
static int
dht_sa_ok(const struct sockaddr_in *sa)
{
	int	class;

	if (sa->sin_port == 0)
		return (0);
	class = addr_class(4, (const uint8_t *)&sa->sin_addr);
	return (class != ADDR_BAD && class >= (dht_boot_class == ADDR_PUBLIC ?
	    ADDR_PUBLIC : ADDR_LOOPBACK));
}

/*
 * Learn a node: one that answered us (heard: good), or that queried us or
 * an answer named (questionable until it answers a query of ours). 1 if
 * it is new in the table.
 */
static int
dht_table_add(const uint8_t *id, const struct sockaddr_in *sa, int heard)
{
	struct dht_node	*n, *slot = NULL;
	int		 b, i, j;

	if ((b = dht_bucket(id)) == -1 || !dht_sa_ok(sa))
		return (0);
	/*
	 * BEP 42: a node at a global address must have an id made from it
	 * (loopback and private addresses are exempt, as in libtorrent).
	 */
	if (addr_class(4, (const uint8_t *)&sa->sin_addr) == ADDR_PUBLIC &&
	    !dht_bep42_ok((const uint8_t *)&sa->sin_addr, id)) {
		dht_stats.bad_ids++;
		return (0);
	}
	/* One id for an address and port: the first keeps it. */
	for (i = 0; i < DHT_BUCKETS; i++) {
		for (j = 0; j < DHT_K; j++) {
			n = &dht_table[i][j];
			if (n->seen != 0 && n->sa.sin_port == sa->sin_port &&
			    n->sa.sin_addr.s_addr == sa->sin_addr.s_addr &&
			    (i != b || memcmp(n->id, id, DHT_ID_LEN) != 0))
				return (0);
		}
	}
	for (j = 0; j < DHT_K; j++) {
		n = &dht_table[b][j];
		if (n->seen != 0 && memcmp(n->id, id, DHT_ID_LEN) == 0) {
			if (heard) {
				n->seen = now_ms();
				n->fails = 0;
			}
			return (0);
		}
		if (slot == NULL && (n->seen == 0 || n->fails >= 2))
			slot = n;
	}
	if (slot == NULL)
		return (0);
	memcpy(slot->id, id, DHT_ID_LEN);
	slot->sa = *sa;
	slot->seen = now_ms();
	slot->fails = heard ? 0 : 1;
	return (1);
}

/* A node did not answer. */
static void
dht_table_failed(const uint8_t *id)
{
	int	b, j;

	if ((b = dht_bucket(id)) == -1)
		return;
	for (j = 0; j < DHT_K; j++) {
		if (dht_table[b][j].seen != 0 &&
		    memcmp(dht_table[b][j].id, id, DHT_ID_LEN) == 0)
			dht_table[b][j].fails++;
	}
}

/* How many nodes the table holds. */
static u_int
dht_table_count(void)
{
	u_int	i, j, n = 0;

	for (i = 0; i < DHT_BUCKETS; i++)
		for (j = 0; j < DHT_K; j++)
			n += dht_table[i][j].seen != 0;
	return (n);
}

/*
 * The table's nearest nodes to a target, nearest first, at most max: good
 * ones only (that answered us) or also questionable ones.
 */
static u_int
dht_closest(const uint8_t *t, struct dht_node **out, u_int max, int good)
{
	struct dht_node	*n;
	u_int		 i, j, k, got = 0;

	for (i = 0; i < DHT_BUCKETS; i++) {
		for (j = 0; j < DHT_K; j++) {
			n = &dht_table[i][j];
			if (n->seen == 0 || n->fails >= (good ? 1 : 2))
				continue;
			for (k = got; k > 0 &&
			    dht_nearer(t, n->id, out[k - 1]->id); k--) {
				if (k < max)
					out[k] = out[k - 1];
			}
			if (k < max) {
				out[k] = n;
				if (got < max)
					got++;
			}
		}
	}
	return (got);
}

/*
 * Append compact node info for the nearest nodes, at most max: only nodes
 * that answered us, so nodes that only query (or were only named) are not
 * passed on.
 */
static void
dht_put_nodes(struct buf *b, const uint8_t *t, u_int max)
{
	struct dht_node	*near[DHT_K];
	u_char		 c[DHT_K * DHT_NODE_LEN];
	u_int		 n, i;

	n = dht_closest(t, near, max < DHT_K ? max : DHT_K, 1);
	for (i = 0; i < n; i++) {
		memcpy(c + i * DHT_NODE_LEN, near[i]->id, DHT_ID_LEN);
		memcpy(c + i * DHT_NODE_LEN + 20, &near[i]->sa.sin_addr, 4);
		memcpy(c + i * DHT_NODE_LEN + 24, &near[i]->sa.sin_port, 2);
	}
	bencode_put_cstr(b, "nodes");
	bencode_put_str(b, c, n * DHT_NODE_LEN);
}

/* Send one datagram. */
static void
dht_send(const struct sockaddr_in *to, struct buf *b)
{
	if (dht_fd == -1)
		return;
	if (sendto(dht_fd, b->d, b->size, 0, (const struct sockaddr *)to,
	    sizeof *to) == -1)
		log_debug("%s: %s", __func__, strerror(errno));
}

/* The token for an address (BEP 5), by one of the two secrets. */
static void
dht_token(const struct sockaddr_in *sa, int which, uint8_t *out)
{
	crypto_generichash(out, DHT_TOKEN_LEN, (const u_char *)&sa->sin_addr,
	    4, dht_secret[which], sizeof dht_secret[which]);
}

/* Did we hand out this token to that address, in the last two periods? */
static int
dht_token_ok(const struct sockaddr_in *sa, const u_char *tok, size_t len)
{
	uint8_t	t[DHT_TOKEN_LEN];
	int	i;

	if (len != DHT_TOKEN_LEN)
		return (0);
	for (i = 0; i < 2; i++) {
		dht_token(sa, i, t);
		if (sodium_memcmp(t, tok, DHT_TOKEN_LEN) == 0)
			return (1);
	}
	return (0);
}

/* May we send an answer of this size to this address now? */
static int
dht_rate_ok(const struct sockaddr_in *sa, size_t len)
{
	struct dht_rate	*r;
	uint64_t	 ip = dht_from(sa);
	uint8_t		 h[8];
	int64_t		 now = now_ms();

	crypto_generichash(h, sizeof h, (const u_char *)&ip, sizeof ip,
	    dht_secret[0], sizeof dht_secret[0]);
	r = &dht_rates[h[0]];
	if (r->ip != ip || r->last == 0) {
		r->ip = ip;
		r->last = now;
		r->credit = DHT_RATE_ADDR;
	}
	r->credit += (now - r->last) * DHT_RATE_ADDR / 1000;
	if (r->credit > 2 * DHT_RATE_ADDR)
		r->credit = 2 * DHT_RATE_ADDR;
	r->last = now;
	if (dht_rate_all.last == 0)
		dht_rate_all.last = now;
	dht_rate_all.credit += (now - dht_rate_all.last) * DHT_RATE_ALL / 1000;
	if (dht_rate_all.credit > DHT_RATE_ALL)
		dht_rate_all.credit = DHT_RATE_ALL;
	dht_rate_all.last = now;
	if (r->credit < (int64_t)len || dht_rate_all.credit < (int64_t)len)
		return (0);
	r->credit -= (int64_t)len;
	dht_rate_all.credit -= (int64_t)len;
	return (1);
}

/* Open an answer: d1:ip6:...1:rd2:id20:... */
static void
dht_answer_begin(struct buf *b, const struct sockaddr_in *to)
{
	u_char	ip[6];

	buf_reset(b);
	memcpy(ip, &to->sin_addr, 4);
	memcpy(ip + 4, &to->sin_port, 2);
	buf_put_u8(b, 'd');
	bencode_put_cstr(b, "ip");
	bencode_put_str(b, ip, sizeof ip);
	bencode_put_cstr(b, "r");
	buf_put_u8(b, 'd');
	bencode_put_cstr(b, "id");
	bencode_put_str(b, dht_id, DHT_ID_LEN);
}

/* Close an answer and send it, if it is small enough and paced. */
static void
dht_answer_end(struct buf *b, const struct sockaddr_in *to,
    const struct benc *tid, size_t qlen)
{
	buf_put_u8(b, 'e');
	bencode_put_cstr(b, "t");
	bencode_put_str(b, tid->s, tid->len);
	bencode_put_cstr(b, "y");
	bencode_put_cstr(b, "r");
	buf_put_u8(b, 'e');
	if (b->size > qlen * DHT_AMPLIFY || !dht_rate_ok(to, b->size)) {
		dht_stats.answers_dropped++;
		return;
	}
	dht_stats.answers_out++;
	dht_send(to, b);
}

/* Send a KRPC error (small: always within the query's size). */
static void
dht_error(const struct sockaddr_in *to, const struct benc *tid, int code,
    const char *msg)
{
	struct buf	b;

	log_debug("%s: %d %s", __func__, code, msg);
	buf_init(&b);
	buf_put_u8(&b, 'd');
	bencode_put_cstr(&b, "e");
	buf_put_u8(&b, 'l');
	bencode_put_int(&b, code);
	bencode_put_cstr(&b, msg);
	buf_put_u8(&b, 'e');
	bencode_put_cstr(&b, "t");
	bencode_put_str(&b, tid->s, tid->len);
	bencode_put_cstr(&b, "y");
	bencode_put_cstr(&b, "e");
	buf_put_u8(&b, 'e');
	if (dht_rate_ok(to, b.size))
		dht_send(to, &b);
	buf_free(&b);
}

/*
 * The buffer a BEP 44 signature covers: the salt (if any), seq and the
 * value, as bencoded key-value pairs without the dictionary around them.
 */
static void
dht_sig_input(struct buf *b, const u_char *salt, size_t saltlen, int64_t seq,
    const u_char *v, size_t vlen)
{
	if (saltlen != 0) {
		bencode_put_cstr(b, "salt");
		bencode_put_str(b, salt, saltlen);
	}
	bencode_put_cstr(b, "seq");
	bencode_put_int(b, seq);
	bencode_put_cstr(b, "v");
	buf_put(b, v, vlen);
}

/* Check a BEP 44 signature; 0 if good. */
static int
dht_sig_check(const uint8_t *k, const u_char *salt, size_t saltlen,
    int64_t seq, const u_char *v, size_t vlen, const uint8_t *sig)
{
	struct buf	b;
	int		r;

	buf_init(&b);
	dht_sig_input(&b, salt, saltlen, seq, v, vlen);
	r = crypto_sign_verify_detached(sig, b.d, b.size, k);
	buf_free(&b);
	return (r == 0 ? 0 : -1);
}

/*
 * Who stores something, for the bounds of one sender: its IPv4 address,
 * and on a loopback or private address also its port (a DHT of nodes on
 * one host or LAN; from the internet, an address is one sender whatever
 * its ports).
 */
static uint64_t
dht_from(const struct sockaddr_in *sa)
{
	uint64_t	from = sa->sin_addr.s_addr;

	if (addr_class(4, (const uint8_t *)&sa->sin_addr) != ADDR_PUBLIC)
		from |= (uint64_t)ntohs(sa->sin_port) << 32 | 1ULL << 48;
	return (from);
}

/* Find a stored item by target. */
static struct dht_item *
dht_item_find(const uint8_t *target)
{
	u_int	i;
	int64_t	now = now_ms();

	for (i = 0; i < DHT_ITEMS_MAX; i++) {
		if (dht_items[i].stored != 0 &&
		    now - dht_items[i].stored > DHT_ITEM_MS)
			dht_items[i].stored = 0;
		if (dht_items[i].stored != 0 &&
		    memcmp(dht_items[i].target, target, DHT_ID_LEN) == 0)
			return (&dht_items[i]);
	}
	return (NULL);
}

/* A slot for a new item from an address, within the bounds; or NULL. */
static struct dht_item *
dht_item_slot(uint64_t from)
{
	u_int	i, mine = 0;
	struct dht_item	*free_slot = NULL;

	for (i = 0; i < DHT_ITEMS_MAX; i++) {
		if (dht_items[i].stored == 0) {
			if (free_slot == NULL)
				free_slot = &dht_items[i];
		} else if (dht_items[i].from == from)
			mine++;
	}
	if (mine >= DHT_ITEMS_PER_ADDR)
		return (NULL);
	return (free_slot);
}

/*
 * Keep a checked item (a put we accept, or our own record): in its slot if
 * held already, else in a free one within the bounds. 0 if kept.
 */
static int
dht_item_keep(const uint8_t *target, const uint8_t *k, const u_char *salt,
    size_t saltlen, int64_t seq, const uint8_t *sig, const u_char *v,
    size_t vlen, uint64_t from)
{
	struct dht_item	*it;

	if ((it = dht_item_find(target)) == NULL &&
	    (it = dht_item_slot(from)) == NULL)
		return (-1);
	memcpy(it->target, target, DHT_ID_LEN);
	memcpy(it->k, k, 32);
	if (saltlen != 0)	/* no salt may come as NULL */
		memcpy(it->salt, salt, saltlen);
	it->saltlen = saltlen;
	it->seq = seq;
	memcpy(it->sig, sig, 64);
	memcpy(it->v, v, vlen);
	it->vlen = vlen;
	it->from = from;
	it->stored = now_ms();
	return (0);
}

/* Answer get (BEP 44). */
static void
dht_on_get(const struct sockaddr_in *from, const struct benc *tid,
    const struct benc *a, size_t qlen)
{
	const u_char	*target;
	size_t		 len;
	struct dht_item	*it;
	struct buf	 b;
	uint8_t		 tok[DHT_TOKEN_LEN];
	int64_t		 seq = -1;
	int		 n;

	if (bencode_get_str(a, "target", DHT_ID_LEN, DHT_ID_LEN, &target,
	    &len) != 0) {
		dht_error(from, tid, 203, "bad target");
		return;
	}
	bencode_get_int(a, "seq", &seq);
	it = dht_item_find(target);
	dht_token(from, 0, tok);
	buf_init(&b);
	for (n = DHT_K; n >= 0; n--) {
		dht_answer_begin(&b, from);
		if (it != NULL) {
			bencode_put_cstr(&b, "k");
			bencode_put_str(&b, it->k, 32);
		}
		dht_put_nodes(&b, target, (u_int)n);
		if (it != NULL) {
			bencode_put_cstr(&b, "seq");
			bencode_put_int(&b, it->seq);
			if (seq < it->seq) {
				bencode_put_cstr(&b, "sig");
				bencode_put_str(&b, it->sig, 64);
			}
		}
		bencode_put_cstr(&b, "token");
		bencode_put_str(&b, tok, sizeof tok);
		if (it != NULL && seq < it->seq) {
			bencode_put_cstr(&b, "v");
			buf_put(&b, it->v, it->vlen);
		}
		if (b.size + 16 + tid->len <= qlen * DHT_AMPLIFY)
			break;
	}
	dht_answer_end(&b, from, tid, qlen);
	buf_free(&b);
}

/* Answer put (BEP 44): check token, size, signature, seq and cas. */
static void
dht_on_put(const struct sockaddr_in *from, const struct benc *tid,
    const struct benc *a, size_t qlen)
{
	const struct benc	*v;
	const u_char		*k, *sig, *tok, *salt = NULL;
	size_t			 klen, siglen, toklen, saltlen = 0;
	int64_t			 seq, cas;
	uint8_t			 target[DHT_ID_LEN];
	struct dht_item		*it;
	struct buf		 b;

	if (bencode_get_str(a, "token", 1, DHT_TOKEN_MAX, &tok, &toklen) != 0 ||
	    !dht_token_ok(from, tok, toklen)) {
		dht_stats.bad_tokens++;
		dht_error(from, tid, 203, "bad token");
		return;
	}
	if ((v = bencode_get(a, "v")) == NULL || v->rawlen > DHT_VALUE_MAX) {
		dht_stats.too_big++;
		dht_error(from, tid, 205, "message (v field) too big");
		return;
	}
	if (bencode_get_str(a, "k", 32, 32, &k, &klen) != 0 ||
	    bencode_get_str(a, "sig", 64, 64, &sig, &siglen) != 0 ||
	    bencode_get_int(a, "seq", &seq) != 0 || seq < 0) {
		dht_error(from, tid, 203, "immutable items are not stored");
		return;
	}
	if (bencode_get(a, "salt") != 0 &&
	    bencode_get_str(a, "salt", 0, DHT_SALT_MAX, &salt, &saltlen) != 0) {
		dht_stats.too_big++;
		dht_error(from, tid, 207, "salt (salt field) too big");
		return;
	}
	if (dht_sig_check(k, salt, saltlen, seq, v->raw, v->rawlen, sig) != 0) {
		dht_stats.bad_sigs++;
		dht_error(from, tid, 206, "invalid signature");
		return;
	}
	dht_sha1(k, 32, salt, saltlen, target);
	if ((it = dht_item_find(target)) != NULL) {
		if (bencode_get_int(a, "cas", &cas) == 0 && cas != it->seq) {
			dht_error(from, tid, 301, "CAS mismatch");
			return;
		}
		if (seq < it->seq || (seq == it->seq && (v->rawlen != it->vlen ||
		    memcmp(v->raw, it->v, it->vlen) != 0))) {
			dht_stats.stale_seqs++;
			dht_error(from, tid, 302, "sequence number less than "
			    "current");
			return;
		}
	}
	if (dht_item_keep(target, k, salt, saltlen, seq, sig, v->raw,
	    v->rawlen, dht_from(from)) != 0) {
		dht_stats.refused_full++;
		dht_error(from, tid, 202, "storage full");
		return;
	}
	buf_init(&b);
	dht_answer_begin(&b, from);
	dht_answer_end(&b, from, tid, qlen);
	buf_free(&b);
}

/* Answer get_peers: stored peers that fit, else the nearest nodes. */
static void
dht_on_get_peers(const struct sockaddr_in *from, const struct benc *tid,
    const struct benc *a, size_t qlen)
{
	const u_char	*hash;
	size_t		 len, room;
	struct buf	 b;
	uint8_t		 tok[DHT_TOKEN_LEN];
	u_int		 i, n = 0;
	int64_t		 now = now_ms();

	if (bencode_get_str(a, "info_hash", DHT_ID_LEN, DHT_ID_LEN, &hash,
	    &len) != 0) {
		dht_error(from, tid, 203, "bad info_hash");
		return;
	}
	dht_token(from, 0, tok);
	buf_init(&b);
	dht_answer_begin(&b, from);
	dht_put_nodes(&b, hash, 2);
	bencode_put_cstr(&b, "token");
	bencode_put_str(&b, tok, sizeof tok);
	/* Values only as many as the query's size allows. */
	room = qlen * DHT_AMPLIFY > b.size + 32 ? qlen * DHT_AMPLIFY -
	    b.size - 32 : 0;
	for (i = 0; i < DHT_PEERS_MAX && (n + 1) * 8 <= room; i++) {
		if (dht_peers[i].stored == 0 ||
		    now - dht_peers[i].stored > DHT_PEER_MS ||
		    memcmp(dht_peers[i].hash, hash, DHT_ID_LEN) != 0)
			continue;
		if (n++ == 0) {
			bencode_put_cstr(&b, "values");
			buf_put_u8(&b, 'l');
		}
		bencode_put_str(&b, dht_peers[i].compact, 6);
	}
	if (n != 0)
		buf_put_u8(&b, 'e');
	dht_answer_end(&b, from, tid, qlen);
	buf_free(&b);
}

/* Answer announce_peer: keep the peer, within the bounds. */
static void
dht_on_announce(const struct sockaddr_in *from, const struct benc *tid,
    const struct benc *a, size_t qlen)
{
	const u_char	*hash, *tok;
	size_t		 len, toklen;
	int64_t		 port, implied = 0, now = now_ms();
	struct dht_peer	*slot = NULL, *p;
	u_int		 i, per_hash = 0, per_addr = 0;
	struct buf	 b;
	uint8_t		 compact[6];

	if (bencode_get_str(a, "info_hash", DHT_ID_LEN, DHT_ID_LEN, &hash,
	    &len) != 0 ||
	    bencode_get_str(a, "token", 1, DHT_TOKEN_MAX, &tok, &toklen) != 0 ||
	    !dht_token_ok(from, tok, toklen)) {
		dht_stats.bad_tokens++;
		dht_error(from, tid, 203, "bad token");
		return;
	}
	bencode_get_int(a, "implied_port", &implied);
	if (implied)
		port = ntohs(from->sin_port);
	else if (bencode_get_int(a, "port", &port) != 0 || port < 1 ||
	    port > 65535) {
		dht_error(from, tid, 203, "bad port");
		return;
	}
	memcpy(compact, &from->sin_addr, 4);
	buf_poke_u16(compact + 4, (uint16_t)port);
	for (i = 0; i < DHT_PEERS_MAX; i++) {
		p = &dht_peers[i];
		if (p->stored != 0 && now - p->stored > DHT_PEER_MS)
			p->stored = 0;
		if (p->stored == 0) {
			if (slot == NULL)
				slot = p;
			continue;
		}
		if (memcmp(p->hash, hash, DHT_ID_LEN) == 0) {
			if (memcmp(p->compact, compact, 6) == 0) {
				slot = p;	/* an update */
				per_hash = per_addr = 0;
				break;
			}
			per_hash++;
		}
		if (p->from == dht_from(from))
			per_addr++;
	}
	if (slot == NULL || per_hash >= DHT_PEERS_PER_HASH ||
	    per_addr >= DHT_PEERS_PER_ADDR) {
		dht_stats.refused_full++;
		dht_error(from, tid, 202, "storage full");
		return;
	}
	memcpy(slot->hash, hash, DHT_ID_LEN);
	memcpy(slot->compact, compact, 6);
	slot->from = dht_from(from);
	slot->stored = now;
	buf_init(&b);
	dht_answer_begin(&b, from);
	dht_answer_end(&b, from, tid, qlen);
	buf_free(&b);
}

/*
 * Ping a node new in the table (it queried us): good once it answers.
 * At most DHT_PINGS_S a second, so queries from many addresses make few.
 */
static void
dht_ping_new(const struct sockaddr_in *to, const uint8_t *id)
{
	static int64_t	sec;
	static u_int	n;
	int64_t		now = now_ms() / 1000;

	if (now != sec) {
		sec = now;
		n = 0;
	}
	if (n >= DHT_PINGS_S || dht_nqueries >= DHT_QUERIES_MAX / 2)
		return;
	n++;
	dht_query_send(to, DHT_PING, "ping", NULL, NULL, id);
}

/* A query arrived. */
static void
dht_on_query(const struct sockaddr_in *from, const struct benc *m,
    const struct benc *tid, size_t qlen)
{
	const struct benc	*a;
	const u_char		*q, *id, *target;
	size_t			 qn, len;
	int64_t			 ro = 0;
	struct buf		 b;

	dht_stats.queries_in++;
	if (dht_read_only())
		return;
	if (bencode_get_str(m, "q", 1, 32, &q, &qn) != 0 ||
	    (a = bencode_get(m, "a")) == NULL ||
	    bencode_get_str(a, "id", DHT_ID_LEN, DHT_ID_LEN, &id, &len) != 0) {
		dht_error(from, tid, 203, "protocol error");
		return;
	}
	bencode_get_int(m, "ro", &ro);
	if (ro == 0 && dht_table_add(id, from, 0) == 1)
		dht_ping_new(from, id);
#define Q(s) (qn == strlen(s) && memcmp(q, s, qn) == 0)
	if (Q("ping")) {
		buf_init(&b);
		dht_answer_begin(&b, from);
		dht_answer_end(&b, from, tid, qlen);
		buf_free(&b);
	} else if (Q("find_node")) {
		if (bencode_get_str(a, "target", DHT_ID_LEN, DHT_ID_LEN,
		    &target, &len) != 0) {
			dht_error(from, tid, 203, "bad target");
			return;
		}
		buf_init(&b);
		dht_answer_begin(&b, from);
		dht_put_nodes(&b, target, DHT_K);
		dht_answer_end(&b, from, tid, qlen);
		buf_free(&b);
	} else if (Q("get_peers"))
		dht_on_get_peers(from, tid, a, qlen);
	else if (Q("announce_peer"))
		dht_on_announce(from, tid, a, qlen);
	else if (Q("get"))
		dht_on_get(from, tid, a, qlen);
	else if (Q("put"))
		dht_on_put(from, tid, a, qlen);
	else
		dht_error(from, tid, 204, "method unknown");
#undef Q
}

/* Send a query; the args are a bencoded dictionary's inside, sorted. */
static struct dht_query *
dht_query_send(const struct sockaddr_in *to, enum dht_kind kind,
    const char *name, struct buf *args, struct dht_lookup *lk,
    const uint8_t *id)
{
	struct dht_query	*q;
	struct buf		 b;

	if (dht_fd == -1 || dht_nqueries >= DHT_QUERIES_MAX ||
	    !dht_sa_ok(to))
		return (NULL);
	q = xcalloc(1, sizeof *q);
	dht_next_tid++;
	q->tid[0] = dht_next_tid >> 8;
	q->tid[1] = dht_next_tid & 0xff;
	q->to = *to;
	q->kind = kind;
	q->sent = now_ms();
	q->lk = lk;
	if (id != NULL)
		memcpy(q->id, id, DHT_ID_LEN);
	buf_init(&b);
	buf_put_u8(&b, 'd');
	bencode_put_cstr(&b, "a");
	buf_put_u8(&b, 'd');
	bencode_put_cstr(&b, "id");
	bencode_put_str(&b, dht_id, DHT_ID_LEN);
	if (args != NULL)
		buf_put(&b, args->d, args->size);
	buf_put_u8(&b, 'e');
	bencode_put_cstr(&b, "q");
	bencode_put_cstr(&b, name);
	if (dht_read_only()) {
		bencode_put_cstr(&b, "ro");
		bencode_put_int(&b, 1);
	}
	bencode_put_cstr(&b, "t");
	bencode_put_str(&b, q->tid, DHT_TID_LEN);
	bencode_put_cstr(&b, "y");
	bencode_put_cstr(&b, "q");
	buf_put_u8(&b, 'e');
	dht_send(to, &b);
	buf_free(&b);
	TAILQ_INSERT_TAIL(&dht_queries, q, entry);
	dht_nqueries++;
	if (!evtimer_pending(dht_timer, NULL))
		timer_add_ms(dht_timer, 250);
	return (q);
}

/* Ask a node for the nodes nearest a target (bootstrap, no lookup). */
static void
dht_find_node(const struct sockaddr_in *to, const uint8_t *target,
    struct dht_lookup *lk, const uint8_t *id)
{
	struct buf	args;

	buf_init(&args);
	bencode_put_cstr(&args, "target");
	bencode_put_str(&args, target, DHT_ID_LEN);
	dht_query_send(to, DHT_FIND_NODE, "find_node", &args, lk, id);
	buf_free(&args);
}

/* Add a candidate to a lookup, keeping the nearest DHT_LOOKUP_NODES. */
static void
dht_cand_add(struct dht_lookup *lk, const uint8_t *id,
    const struct sockaddr_in *sa, u_int depth)
{
	u_int	i, at;

	if (memcmp(id, dht_id, DHT_ID_LEN) == 0 || !dht_sa_ok(sa))
		return;
	for (i = 0; i < lk->nc; i++) {
		if (memcmp(lk->c[i].id, id, DHT_ID_LEN) == 0)
			return;
	}
	for (at = 0; at < lk->nc && !dht_nearer(lk->target, id,
	    lk->c[at].id); at++)
		;
	if (at >= DHT_LOOKUP_NODES)
		return;
	if (lk->nc == DHT_LOOKUP_NODES) {
		if (lk->c[lk->nc - 1].state == CAND_ASKED)
			return;		/* keep what is in flight */
		lk->nc--;
	}
	memmove(&lk->c[at + 1], &lk->c[at], (lk->nc - at) * sizeof lk->c[0]);
	memset(&lk->c[at], 0, sizeof lk->c[at]);
	memcpy(lk->c[at].id, id, DHT_ID_LEN);
	lk->c[at].sa = *sa;
	lk->c[at].depth = depth;
	lk->nc++;
}

/* Take the compact nodes of an answer into the table (and a lookup). */
static int
dht_take_nodes(const struct benc *r, struct dht_lookup *lk, u_int depth)
{
	const u_char		*p;
	size_t			 len, i;
	struct sockaddr_in	 sa;

	if (bencode_get(r, "nodes") == NULL)
		return (0);
	if (bencode_get_str(r, "nodes", 0, 16 * DHT_NODE_LEN, &p, &len) != 0 ||
	    len % DHT_NODE_LEN != 0)
		return (-1);
	for (i = 0; i < len; i += DHT_NODE_LEN) {
		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		memcpy(&sa.sin_addr, p + i + 20, 4);
		memcpy(&sa.sin_port, p + i + 24, 2);
		dht_table_add(p + i, &sa, 0);
		if (lk != NULL)
			dht_cand_add(lk, p + i, &sa, depth + 1);
	}
	return (0);
}

/* The candidate of a lookup with this id, or NULL. */
static struct dht_cand *
dht_cand_find(struct dht_lookup *lk, const uint8_t *id)
{
	u_int	i;

	for (i = 0; i < lk->nc; i++) {
		if (memcmp(lk->c[i].id, id, DHT_ID_LEN) == 0)
			return (&lk->c[i]);
	}
	return (NULL);
}

/* A get answer's item: checked, and kept if it is the newest. */
static int
dht_take_item(struct dht_lookup *lk, const struct benc *r, u_int depth)
{
	const struct benc	*v;
	const u_char		*k, *sig;
	size_t			 klen, siglen;
	int64_t			 seq;

	if ((v = bencode_get(r, "v")) == NULL)
		return (0);
	if (v->rawlen > DHT_VALUE_MAX ||
	    bencode_get_str(r, "k", 32, 32, &k, &klen) != 0 ||
	    bencode_get_str(r, "sig", 64, 64, &sig, &siglen) != 0 ||
	    bencode_get_int(r, "seq", &seq) != 0 || seq < 0) {
		log_debug("%s: a malformed item", __func__);
		return (-1);
	}
	/* The key must be the one asked for, and the signature good. */
	if (memcmp(k, lk->key, 32) != 0 || dht_sig_check(k, lk->salt,
	    lk->saltlen, seq, v->raw, v->rawlen, sig) != 0) {
		log_debug("%s: an item with a bad key or signature", __func__);
		return (-1);
	}
	if (lk->have && seq <= lk->seq)
		return (0);
	lk->have = 1;
	lk->seq = seq;
	memcpy(lk->v, v->raw, v->rawlen);
	lk->vlen = v->rawlen;
	lk->hops = depth;
	return (0);
}

/* Keep a peer of a get_peers lookup, once, within the bound. */
static void
dht_peer_found(struct dht_lookup *lk, const u_char *compact)
{
	struct sockaddr_in	sa;
	u_int			i;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	memcpy(&sa.sin_addr, compact, 4);
	memcpy(&sa.sin_port, compact + 4, 2);
	if (sa.sin_port == 0 || lk->npeers >= DHT_PEERS_FOUND ||
	    addr_class(4, compact) == ADDR_BAD)
		return;
	for (i = 0; i < lk->npeers; i++) {
		if (memcmp(&lk->peers[i], &sa, sizeof sa) == 0)
			return;
	}
	lk->peers[lk->npeers++] = sa;
}

/* A get_peers answer's values: compact peers, 6 bytes each. */
static int
dht_take_values(struct dht_lookup *lk, const struct benc *r)
{
	const struct benc	*v, *e;

	if ((v = bencode_get(r, "values")) == NULL)
		return (0);
	if (v->type != BENC_LIST)
		return (-1);
	for (e = v->child; e != NULL; e = e->next) {
		if (e->type == BENC_STR && e->len == 6)
			dht_peer_found(lk, e->s);
	}
	return (0);
}

/* An answer to a query of ours. */
static void
dht_on_answer(struct dht_query *q, const struct benc *m)
{
	const struct benc	*r;
	const u_char		*id, *tok;
	size_t			 len, toklen;
	struct dht_lookup	*lk = q->lk;
	struct dht_cand		*c = NULL;
	int64_t			 ro = 0;
	int			 rc;

	if ((r = bencode_get(m, "r")) == NULL || r->type != BENC_DICT ||
	    bencode_get_str(r, "id", DHT_ID_LEN, DHT_ID_LEN, &id, &len) != 0)
		goto bad;
	/* A lookup's candidate must answer with the id it was given. */
	if (lk != NULL && (c = dht_cand_find(lk, q->id)) != NULL &&
	    memcmp(id, q->id, DHT_ID_LEN) != 0)
		goto bad;
	bencode_get_int(m, "ro", &ro);
	if (ro == 0)
		dht_table_add(id, &q->to, 1);
	if (q->kind == DHT_PUT) {
		dht_stats.puts_acked++;
		return;
	}
	rc = dht_take_nodes(r, lk, c != NULL ? c->depth : 0);
	/*
	 * Taking the nodes inserts candidates, moving those after them: find
	 * ours again (asked, it is never the one dropped), or the token and
	 * the state would go to another node.
	 */
	if (c != NULL)
		c = dht_cand_find(lk, q->id);
	if (rc != 0)
		goto bad;
	/* A bootstrap node answered: look ourselves up to fill the table. */
	if (lk == NULL && dht_refresh_at > now_ms() + 1000)
		dht_refresh_at = 0;
	if (c == NULL)
		return;
	if (bencode_get_str(r, "token", 1, DHT_TOKEN_MAX, &tok, &toklen) == 0) {
		memcpy(c->token, tok, toklen);
		c->tokenlen = toklen;
	}
	if (lk->kind == DHT_GET && dht_take_item(lk, r, c->depth) != 0)
		goto bad;
	if (lk->kind == DHT_GET_PEERS && dht_take_values(lk, r) != 0)
		goto bad;
	c->state = CAND_ANSWERED;
	return;
bad:
	dht_stats.bad_answers++;
	if (c != NULL)
		c->state = CAND_FAILED;
}

/* Find and unlink the query an answer or error is for. */
static struct dht_query *
dht_query_match(const struct sockaddr_in *from, const struct benc *tid)
{
	struct dht_query	*q;

	if (tid->len != DHT_TID_LEN)
		return (NULL);
	TAILQ_FOREACH(q, &dht_queries, entry) {
		if (memcmp(q->tid, tid->s, DHT_TID_LEN) == 0 &&
		    q->to.sin_addr.s_addr == from->sin_addr.s_addr &&
		    q->to.sin_port == from->sin_port) {
			TAILQ_REMOVE(&dht_queries, q, entry);
			dht_nqueries--;
			return (q);
		}
	}
	return (NULL);
}

/* A query is over (answered, failed or timed out): its lookup goes on. */
static void
dht_query_done(struct dht_query *q, int failed)
{
	struct dht_lookup	*lk = q->lk;
	struct dht_cand		*c;

	if (failed)
		dht_table_failed(q->id);
	if (lk != NULL) {
		if (failed && (c = dht_cand_find(lk, q->id)) != NULL &&
		    c->state == CAND_ASKED)
			c->state = CAND_FAILED;
		lk->inflight--;
		dht_lookup_step(lk);
	}
	free(q);
}

/* Parse one datagram: 0 if it is a well-formed KRPC message. */
int
dht_parse(const u_char *p, size_t len)
{
	static struct benc_doc	 doc;
	const struct benc	*m, *tid, *y;

	if ((m = bencode_parse(&doc, p, len)) == NULL || m->type != BENC_DICT)
		return (-1);
	if ((tid = bencode_get(m, "t")) == NULL || tid->type != BENC_STR ||
	    tid->len == 0 || tid->len > 16)
		return (-1);
	if ((y = bencode_get(m, "y")) == NULL || y->type != BENC_STR ||
	    y->len != 1)
		return (-1);
	return (0);
}

/* One datagram from an address: a query, or an answer to one of ours. */
void
dht_input(const struct sockaddr_in *from, const u_char *pkt, size_t n)
{
	static struct benc_doc	 doc;
	const struct benc	*m, *tid, *y;
	struct dht_query	*q;

	if (n == 0) {
		dht_stats.malformed++;
		return;
	}
	if (n > DHT_PKT_MAX) {
		dht_stats.too_big++;
		return;
	}
	if ((m = bencode_parse(&doc, pkt, n)) == NULL ||
	    m->type != BENC_DICT ||
	    (tid = bencode_get(m, "t")) == NULL ||
	    tid->type != BENC_STR || tid->len == 0 || tid->len > 16 ||
	    (y = bencode_get(m, "y")) == NULL || y->type != BENC_STR ||
	    y->len != 1) {
		dht_stats.malformed++;
		return;
	}
	if (y->s[0] == 'q')
		dht_on_query(from, m, tid, n);
	else if ((y->s[0] == 'r' || y->s[0] == 'e') &&
	    (q = dht_query_match(from, tid)) != NULL) {
		if (y->s[0] == 'r')
			dht_on_answer(q, m);
		dht_query_done(q, y->s[0] == 'e');
	} else
		dht_stats.unmatched++;
}

/* Datagrams arrived. */
static void
dht_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sockaddr_in	 from;
	socklen_t		 fromlen = sizeof from;
	u_char			 pkt[DHT_PKT_MAX];
	ssize_t			 n;
	u_int			 turn;

	if (!evtimer_pending(dht_timer, NULL))
		timer_add_ms(dht_timer, 5000);	/* it may have slept */
	for (turn = 0; turn < 64; turn++) {
		fromlen = sizeof from;
		n = recvfrom(fd, pkt, sizeof pkt, MSG_TRUNC,
		    (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return;
		if (from.sin_family != AF_INET || !dht_sa_ok(&from))
			continue;
		dht_input(&from, pkt, (size_t)n);
	}
}

/* Ask the next nearest candidates; finish when the K nearest answered. */
static void
dht_lookup_step(struct dht_lookup *lk)
{
	struct dht_cand	*c;
	struct buf	 args;
	u_int		 i, good;

	for (i = 0, good = 0; i < lk->nc && good < DHT_K &&
	    lk->inflight < DHT_ALPHA; i++) {
		c = &lk->c[i];
		if (c->state == CAND_FAILED)
			continue;
		good++;
		if (c->state != CAND_NEW || lk->asked >= DHT_LOOKUP_ASK_MAX)
			continue;
		buf_init(&args);
		if (lk->kind == DHT_GET) {
			bencode_put_cstr(&args, "target");
			bencode_put_str(&args, lk->target, DHT_ID_LEN);
			if (dht_query_send(&c->sa, DHT_GET, "get", &args, lk,
			    c->id) == NULL)
				c->state = CAND_FAILED;
		} else if (lk->kind == DHT_GET_PEERS) {
			bencode_put_cstr(&args, "info_hash");
			bencode_put_str(&args, lk->target, DHT_ID_LEN);
			if (dht_query_send(&c->sa, DHT_GET_PEERS, "get_peers",
			    &args, lk, c->id) == NULL)
				c->state = CAND_FAILED;
		} else {
			bencode_put_cstr(&args, "target");
			bencode_put_str(&args, lk->target, DHT_ID_LEN);
			if (dht_query_send(&c->sa, DHT_FIND_NODE, "find_node",
			    &args, lk, c->id) == NULL)
				c->state = CAND_FAILED;
		}
		buf_free(&args);
		if (c->state == CAND_NEW) {
			c->state = CAND_ASKED;
			lk->inflight++;
			lk->asked++;
		}
	}
	if (lk->inflight != 0)
		return;
	TAILQ_REMOVE(&dht_lookups, lk, entry);
	dht_nlookups--;
	if (lk->done != NULL)
		lk->done(lk);
	free(lk);
}

/* Start a lookup from the table's nearest nodes. */
static struct dht_lookup *
dht_lookup_new(enum dht_kind kind, const uint8_t *target, char **cause)
{
	struct dht_lookup	*lk;
	struct dht_node		*near[DHT_LOOKUP_NODES];
	u_int			 i, n;

	if (dht_fd == -1) {
		xasprintf(cause, "the DHT is off");
		return (NULL);
	}
	if (dht_nlookups >= DHT_LOOKUPS_MAX) {
		xasprintf(cause, "too many DHT lookups at once");
		return (NULL);
	}
	/* More than K: if the nearest do not answer, the next are there. */
	if ((n = dht_closest(target, near, DHT_LOOKUP_NODES, 0)) == 0) {
		xasprintf(cause, "the DHT has no nodes yet");
		return (NULL);
	}
	lk = xcalloc(1, sizeof *lk);
	lk->kind = kind;
	memcpy(lk->target, target, DHT_ID_LEN);
	lk->start_us = mono_us();
	for (i = 0; i < n; i++)
		dht_cand_add(lk, near[i]->id, &near[i]->sa, 1);
	TAILQ_INSERT_TAIL(&dht_lookups, lk, entry);
	dht_nlookups++;
	return (lk);
}

/*
 * Start a get lookup with what this node holds itself: it is one of the
 * nodes nearest the target, and may be the only one that has the item.
 */
static void
dht_lookup_local(struct dht_lookup *lk)
{
	struct dht_item	*it;

	if ((it = dht_item_find(lk->target)) == NULL ||
	    memcmp(it->k, lk->key, 32) != 0)
		return;
	lk->have = 1;
	lk->seq = it->seq;
	memcpy(lk->v, it->v, it->vlen);
	lk->vlen = it->vlen;
	lk->hops = 0;
}

/* A get_peers lookup finished: announce (if asked), then hand it over. */
static void
dht_get_peers_done(struct dht_lookup *lk)
{
	struct buf	args;
	u_int		i, good;

	for (i = 0, good = 0; lk->announce != 0 && i < lk->nc &&
	    good < DHT_K; i++) {
		if (lk->c[i].state != CAND_ANSWERED || lk->c[i].tokenlen == 0)
			continue;
		good++;
		buf_init(&args);
		bencode_put_cstr(&args, "implied_port");
		bencode_put_int(&args, 0);
		bencode_put_cstr(&args, "info_hash");
		bencode_put_str(&args, lk->target, DHT_ID_LEN);
		bencode_put_cstr(&args, "port");
		bencode_put_int(&args, lk->announce);
		bencode_put_cstr(&args, "token");
		bencode_put_str(&args, lk->c[i].token, lk->c[i].tokenlen);
		dht_query_send(&lk->c[i].sa, DHT_ANNOUNCE, "announce_peer",
		    &args, NULL, lk->c[i].id);
		buf_free(&args);
	}
	lk->peers_cb(lk->target, lk->peers, lk->npeers, lk->arg);
}

/*
 * Look up the peers announced on an info hash (BEP 5 get_peers), and
 * announce port on it on the nearest nodes if port is not 0. The peers
 * this node holds itself count too. cb is called when done.
 */
int
dht_get_peers(const uint8_t *hash, u_short port, void (*cb)(const uint8_t *,
    const struct sockaddr_in *, u_int, void *), void *arg, char **cause)
{
	struct dht_lookup	*lk;
	int64_t			 now = now_ms();
	u_int			 i;

	if ((lk = dht_lookup_new(DHT_GET_PEERS, hash, cause)) == NULL)
		return (-1);
	lk->announce = port;
	lk->done = dht_get_peers_done;
	lk->peers_cb = cb;
	lk->arg = arg;
	for (i = 0; i < DHT_PEERS_MAX; i++) {
		if (dht_peers[i].stored != 0 &&
		    now - dht_peers[i].stored <= DHT_PEER_MS &&
		    memcmp(dht_peers[i].hash, hash, DHT_ID_LEN) == 0)
			dht_peer_found(lk, dht_peers[i].compact);
	}
	dht_lookup_step(lk);
	return (0);
}

/* Parse a peer record's value: d1:al<compact>...e1:vi1ee; 0 if good. */
int
dht_record_parse(const u_char *p, size_t len, struct dht_found *f)
{
	static struct benc_doc	 doc;
	const struct benc	*root, *a, *e;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	f->naddrs = 0;
	root = bencode_parse(&doc, p, len);
	/* A byte string holding the dictionary (some clients put that). */
	if (root != NULL && root->type == BENC_STR)
		root = bencode_parse(&doc, root->s, root->len);
	if (root == NULL ||
	    root->type != BENC_DICT || (a = bencode_get(root, "a")) == NULL ||
	    a->type != BENC_LIST)
		return (-1);
	for (e = a->child; e != NULL; e = e->next) {
		if (e->type != BENC_STR || f->naddrs >= DHT_RECORD_ADDRS)
			continue;
		if (e->len == 6) {
			sin = (void *)&f->addrs[f->naddrs];
			memset(sin, 0, sizeof *sin);
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, e->s, 4);
			memcpy(&sin->sin_port, e->s + 4, 2);
		} else if (e->len == 18) {
			sin6 = (void *)&f->addrs[f->naddrs];
			memset(sin6, 0, sizeof *sin6);
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, e->s, 16);
			memcpy(&sin6->sin6_port, e->s + 16, 2);
		} else
			continue;
		if (((struct sockaddr_in *)&f->addrs[f->naddrs])->sin_port != 0)
			f->naddrs++;
	}
	return (0);
}

/* A peer lookup finished: hand what it found to the caller. */
static void
dht_lookup_peer_done(struct dht_lookup *lk)
{
	struct dht_found	f;

	memset(&f, 0, sizeof f);
	f.asked = lk->asked;
	f.ms = (mono_us() - lk->start_us) / 1000;
	if (lk->have && dht_record_parse(lk->v, lk->vlen, &f) == 0) {
		f.found = 1;
		f.seq = lk->seq;
		f.hops = lk->hops;
	}
	lk->cb(lk->key, &f, lk->arg);
}

/* The BEP 44 target of a peer's record. */
static void
dht_record_target(const uint8_t *pk, uint8_t *target)
{
	dht_sha1(pk, 32, DHT_RECORD_SALT, strlen(DHT_RECORD_SALT), target);
}

/* Look up a peer's record by its id; cb is called when done. */
int
dht_lookup_peer(const uint8_t *pk, void (*cb)(const uint8_t *,
    const struct dht_found *, void *), void *arg, char **cause)
{
	struct dht_lookup	*lk;
	uint8_t			 target[DHT_ID_LEN];

	dht_record_target(pk, target);
	if ((lk = dht_lookup_new(DHT_GET, target, cause)) == NULL)
		return (-1);
	memcpy(lk->key, pk, 32);
	lk->saltlen = strlen(DHT_RECORD_SALT);
	memcpy(lk->salt, DHT_RECORD_SALT, lk->saltlen);
	lk->done = dht_lookup_peer_done;
	lk->cb = cb;
	lk->arg = arg;
	dht_lookup_local(lk);
	dht_lookup_step(lk);
	return (0);
}

/* A reach is over: a peer still not online gets the fallback, if any. */
static void
dht_reach_end(struct dht_reach *r)
{
	struct peer	*p;
	void		(*fallback)(struct peer *) = r->fallback;

	r->state = REACH_FREE;
	r->fallback = NULL;
	if (r->ev != NULL)
		evtimer_del(r->ev);
	if ((p = peer_find(r->id)) != NULL && !peer_online(p) &&
	    fallback != NULL)
		fallback(p);
}

/* The wait for a session after dialling what a lookup found is over. */
static void
dht_reach_cb(evutil_socket_t fd, short what, void *arg)
{
	dht_reach_end(arg);
}

/* A reach's lookup finished: dial what it found, then wait a little. */
static void
dht_reach_found(const uint8_t *id, const struct dht_found *f, void *arg)
{
	struct dht_reach	*r = arg;
	struct peer		*p;
	char			 host[64];
	u_short			 port;
	u_int			 i, dials = 0;

	/* Over before dht_reach returned (nobody asked): it falls back. */
	if (dht_reach_starting) {
		dht_reach_starting = 2;
		return;
	}
	if (!f->found || f->naddrs == 0 || (p = peer_find(id)) == NULL ||
	    peer_online(p) || dht_fd == -1) {
		dht_reach_end(r);
		return;
	}
	for (i = 0; i < f->naddrs; i++) {
		addr_sockaddr_host((const struct sockaddr *)&f->addrs[i], host,
		    sizeof host, &port);
		dials += node_dial_candidate(host, port, 1);
	}
	/*
	 * Only addresses already dialled (or waiting out a backoff): the
	 * record is not new yet; the peer may be looked up again soon.
	 */
	if (dials == 0) {
		r->at = now_ms() - DHT_REACH_PACE_MS + DHT_REACH_STALE_MS;
		dht_reach_end(r);
		return;
	}
	dht_stats.reach_dialled++;
	r->state = REACH_DIAL;
	if (r->ev == NULL)
		r->ev = evtimer_new(node_base, dht_reach_cb, r);
	timer_add_ms(r->ev, DHT_REACH_WAIT_MS);
}

/*
 * Reach a peer that is not connected: look its record up by id and dial
 * the addresses it names. If that gives no session within a few seconds,
 * fallback (if not NULL) is called. 0 if a lookup runs (or one did: the
 * fallback is then called, or not, once it is over); -1 if none could
 * (the DHT off, no nodes, the peer looked up too recently, too many at
 * once), for the caller to fall back now.
 */
int
dht_reach(struct peer *p, void (*fallback)(struct peer *))
{
	struct dht_reach	*r = NULL, *free_r = NULL;
	int64_t			 now = now_ms();
	char			*cause;
	u_int			 i;

	if (dht_fd == -1 || p->trust == TRUST_BLOCKED ||
	    memcmp(p->id, identity->ed_pk, PEER_ID_LEN) == 0)
		return (-1);
	for (i = 0; i < nitems(dht_reaches); i++) {
		if (dht_reaches[i].at != 0 &&
		    memcmp(dht_reaches[i].id, p->id, PEER_ID_LEN) == 0)
			r = &dht_reaches[i];
		else if (dht_reaches[i].state == REACH_FREE && (free_r == NULL ||
		    dht_reaches[i].at < free_r->at))
			free_r = &dht_reaches[i];
	}
	if (r != NULL && r->state != REACH_FREE) {
		if (r->fallback == NULL)
			r->fallback = fallback;
		return (0);
	}
	if (r != NULL && now - r->at < DHT_REACH_PACE_MS)
		return (-1);
	if (r == NULL && (r = free_r) == NULL)
		return (-1);
	memcpy(r->id, p->id, PEER_ID_LEN);
	r->at = now;
	r->fallback = fallback;
	r->state = REACH_LOOKUP;
	dht_reach_starting = 1;
	if (dht_lookup_peer(p->id, dht_reach_found, r, &cause) != 0) {
		log_debug("%s: %s", __func__, cause);
		free(cause);
		dht_reach_starting = 2;
	}
	if (dht_reach_starting == 2) {
		dht_reach_starting = 0;
		r->state = REACH_FREE;
		r->fallback = NULL;
		return (-1);
	}
	dht_reach_starting = 0;
	dht_stats.reach_lookups++;
	return (0);
}

/* A dial target of a peer failed again: look the peer up by id. */
static void
dht_peer_unreachable(struct peer *p)
{
	dht_reach(p, NULL);
}

/*
 * Our record's value: a byte string holding the bencoded dictionary of
 * the addresses (the form libtorrent's API puts and reads).
 */
static void
dht_record_value(struct buf *out)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	u_char				 c[18];
	struct buf			 d, *b = &d;
	u_int				 i;

	buf_init(&d);
	buf_put_u8(b, 'd');
	bencode_put_cstr(b, "a");
	buf_put_u8(b, 'l');
	for (i = 0; i < dht_naddrs; i++) {
		if (dht_addrs[i].ss_family == AF_INET) {
			sin = (const void *)&dht_addrs[i];
			memcpy(c, &sin->sin_addr, 4);
			memcpy(c + 4, &sin->sin_port, 2);
			bencode_put_str(b, c, 6);
		} else {
			sin6 = (const void *)&dht_addrs[i];
			memcpy(c, &sin6->sin6_addr, 16);
			memcpy(c + 16, &sin6->sin6_port, 2);
			bencode_put_str(b, c, 18);
		}
	}
	buf_put_u8(b, 'e');
	bencode_put_cstr(b, "v");
	bencode_put_int(b, 1);
	buf_put_u8(b, 'e');
	bencode_put_str(out, d.d, d.size);
	buf_free(&d);
}

/* The get before our put finished: put the record to the nearest. */
static void
dht_publish_done(struct dht_lookup *lk)
{
	struct buf	 v, sin, args;
	struct fe_kv	 kv[2];
	uint8_t		 sig[64];
	u_int		 i, good, sent = 0;
	int64_t		 seq;

	dht_publishing = 0;
	seq = now_ms() / 1000;
	if (seq <= dht_seq)
		seq = dht_seq + 1;
	if (lk->have && seq <= lk->seq)
		seq = lk->seq + 1;
	dht_seq = seq;
	buf_init(&v);
	dht_record_value(&v);
	buf_init(&sin);
	dht_sig_input(&sin, lk->salt, lk->saltlen, seq, v.d, v.size);
	crypto_sign_detached(sig, NULL, sin.d, sin.size, identity->ed_sk);
	buf_free(&sin);
	/* We hold our own record too: a get that reaches us finds it. */
	dht_item_keep(lk->target, identity->ed_pk, lk->salt, lk->saltlen, seq,
	    sig, v.d, v.size, 0);
	for (i = 0, good = 0; i < lk->nc && good < DHT_K; i++) {
		if (lk->c[i].state != CAND_ANSWERED || lk->c[i].tokenlen == 0)
			continue;
		good++;
		buf_init(&args);
		bencode_put_cstr(&args, "k");
		bencode_put_str(&args, identity->ed_pk, 32);
		bencode_put_cstr(&args, "salt");
		bencode_put_str(&args, lk->salt, lk->saltlen);
		bencode_put_cstr(&args, "seq");
		bencode_put_int(&args, seq);
		bencode_put_cstr(&args, "sig");
		bencode_put_str(&args, sig, sizeof sig);
		bencode_put_cstr(&args, "token");
		bencode_put_str(&args, lk->c[i].token, lk->c[i].tokenlen);
		bencode_put_cstr(&args, "v");
		buf_put(&args, v.d, v.size);
		if (dht_query_send(&lk->c[i].sa, DHT_PUT, "put", &args, NULL,
		    lk->c[i].id) != NULL)
			sent++;
		buf_free(&args);
	}
	buf_free(&v);
	if (sent == 0) {
		dht_publish_at = now_ms() + dht_boot_wait;
		return;
	}
	/*
	 * Put on fewer than K nodes (a young table, or a small DHT): put
	 * again after 2 s, 4 s and so on, or as soon as the table has grown,
	 * until K hold it.
	 */
	dht_pub_table = dht_table_count();
	dht_pub_few = sent < DHT_K;
	if (dht_pub_few) {
		dht_publish_at = now_ms() + dht_repub_wait;
		dht_repub_wait = dht_repub_wait * 2 > DHT_REPUBLISH_MS ?
		    DHT_REPUBLISH_MS : dht_repub_wait * 2;
	} else {
		dht_publish_at = now_ms() + DHT_REPUBLISH_MS;
		dht_repub_wait = DHT_REPUB_MIN_MS;
	}
	dht_stats.published++;
	log_info("%s: record seq %lld put on %u nodes", __func__,
	    (long long)seq, sent);
	kv[0] = (struct fe_kv){ "seq", NULL, seq };
	kv[1] = (struct fe_kv){ "nodes", NULL, sent };
	fe->item("dht_published", kv, 2);
}

/* Publish our record: get it first (for the newest seq), then put. */
static void
dht_publish(void)
{
	struct dht_lookup	*lk;
	uint8_t			 target[DHT_ID_LEN];
	char			*cause;

	if (dht_publishing || dht_naddrs == 0)
		return;
	dht_record_target(identity->ed_pk, target);
	if ((lk = dht_lookup_new(DHT_GET, target, &cause)) == NULL) {
		free(cause);
		return;
	}
	memcpy(lk->key, identity->ed_pk, 32);
	lk->saltlen = strlen(DHT_RECORD_SALT);
	memcpy(lk->salt, DHT_RECORD_SALT, lk->saltlen);
	lk->done = dht_publish_done;
	dht_publishing = 1;
	dht_lookup_local(lk);
	dht_lookup_step(lk);
}

/* Is an address one the rest of the DHT can reach us at? */
static int
dht_addr_publishable(int family, const uint8_t *a)
{
	int	class = addr_class(family == AF_INET ? 4 : 6, a);

	if (class == ADDR_PUBLIC) {
		if (family == AF_INET)	/* documentation, benchmarking */
			return (!((a[0] == 192 && a[1] == 0 && a[2] == 2) ||
			    (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
			    (a[0] == 203 && a[1] == 0 && a[2] == 113) ||
			    (a[0] == 198 && (a[1] & 0xfe) == 18)));
		return ((a[0] & 0xe0) == 0x20 && !(a[0] == 0x20 &&
		    a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8));
	}
	/* A DHT of loopback or private nodes: such addresses do. */
	return (class != ADDR_BAD && class == dht_boot_class);
}

/* Add an address to a list, if publishable and new. */
static void
dht_addr_add(struct sockaddr_storage *list, u_int *n,
    const struct sockaddr *sa, u_short port)
{
	struct sockaddr_storage	 ss;
	const uint8_t		*a;
	u_int			 i;

	if (*n >= DHT_RECORD_ADDRS || port == 0)
		return;
	memset(&ss, 0, sizeof ss);
	if (sa->sa_family == AF_INET) {
		memcpy(&ss, sa, sizeof (struct sockaddr_in));
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		a = (const uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&ss, sa, sizeof (struct sockaddr_in6));
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		((struct sockaddr_in6 *)&ss)->sin6_scope_id = 0;
		((struct sockaddr_in6 *)&ss)->sin6_flowinfo = 0;
		a = (const uint8_t *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	} else
		return;
	if (!dht_addr_publishable(sa->sa_family, a))
		return;
	for (i = 0; i < *n; i++) {
		if (memcmp(&list[i], &ss, sizeof ss) == 0)
			return;
	}
	list[(*n)++] = ss;
}

/*
 * The addresses to publish, until the reachability code feeds better ones:
 * the listen address, or with a wildcard every interface's, where it is
 * publishable.
 */
static void
dht_default_addresses(void)
{
	struct sockaddr_storage	 list[DHT_RECORD_ADDRS];
	struct addrinfo		 hints, *ai;
	struct ifaddrs		*ifs, *ifa;
	char			*host, *cause;
	u_int			 n = 0;
	u_short			 port = node_listen_port();

	if (dht_addrs_set || port == 0)
		return;
	if (addr_parse(node_listen_address(), &host, &port, &cause) != 0) {
		free(cause);
		return;
	}
	port = node_listen_port();
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_NUMERICHOST;
	if (*host != '\0' && strcmp(host, "*") != 0 &&
	    getaddrinfo(host, NULL, &hints, &ai) == 0) {
		if (!(ai->ai_family == AF_INET && ((struct sockaddr_in *)
		    ai->ai_addr)->sin_addr.s_addr == INADDR_ANY) &&
		    !(ai->ai_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(
		    &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr))) {
			dht_addr_add(list, &n, ai->ai_addr, port);
			freeaddrinfo(ai);
			goto out;
		}
		freeaddrinfo(ai);
	}
	if (getifaddrs(&ifs) == 0) {
		for (ifa = ifs; ifa != NULL; ifa = ifa->ifa_next) {
			if (ifa->ifa_addr != NULL)
				dht_addr_add(list, &n, ifa->ifa_addr, port);
		}
		freeifaddrs(ifs);
	}
out:
	free(host);
	dht_set_addresses(list, n);
	dht_addrs_set = 0;
}

/*
 * Set the addresses the record publishes (the reachability code calls
 * this); a change is published at once, with a higher seq.
 */
void
dht_set_addresses(const struct sockaddr_storage *list, u_int n)
{
	const struct sockaddr_in	*sin;
	u_int				 i;

	if (n > DHT_RECORD_ADDRS)
		n = DHT_RECORD_ADDRS;
	for (i = 0; i < n && dht_fd != -1; i++) {
		sin = (const struct sockaddr_in *)&list[i];
		if (list[i].ss_family == AF_INET && addr_class(4,
		    (const uint8_t *)&sin->sin_addr) == ADDR_PUBLIC) {
			dht_rekey((const uint8_t *)&sin->sin_addr);
			break;
		}
	}
	dht_addrs_set = 1;
	if (n == dht_naddrs && memcmp(list, dht_addrs, n * sizeof *list) == 0)
		return;
	memcpy(dht_addrs, list, n * sizeof *list);
	dht_naddrs = n;
	dht_publish_at = 0;
}

/* BEP 43: read-only unless the node has an address to publish. */
static int
dht_read_only(void)
{
	const char	*v = cfg_str(CFG_DHT_READ_ONLY);

	if (strcmp(v, "yes") == 0)
		return (1);
	if (strcmp(v, "no") == 0)
		return (0);
	return (dht_naddrs == 0);
}

/*
 * May the node use the public routers? Only with no bootstrap configured
 * and a global unicast address that is not a documentation one, so a
 * machine on a private or test network sends nothing beyond itself.
 */
static int
dht_may_go_public(void)
{
	struct ifaddrs	*ifs, *ifa;
	const uint8_t	*a;
	int		 ok = 0;

	if (getifaddrs(&ifs) != 0)
		return (0);
	for (ifa = ifs; ifa != NULL && !ok; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET)
			a = (const uint8_t *)&((struct sockaddr_in *)
			    ifa->ifa_addr)->sin_addr;
		else if (ifa->ifa_addr->sa_family == AF_INET6)
			a = (const uint8_t *)&((struct sockaddr_in6 *)
			    ifa->ifa_addr)->sin6_addr;
		else
			continue;
		ok = addr_class(ifa->ifa_addr->sa_family == AF_INET ? 4 : 6,
		    a) == ADDR_PUBLIC && dht_addr_publishable(
		    ifa->ifa_addr->sa_family, a);
	}
	freeifaddrs(ifs);
	return (ok);
}

/* Resolve one bootstrap HOST:PORT into the list (IPv4). */
static void
dht_boot_add(const char *s)
{
	struct addrinfo	 hints, *ai, *p;
	char		*host, *cause, port[8];
	u_short		 pn;

	if (addr_parse(s, &host, &pn, &cause) != 0) {
		free(cause);
		return;
	}
	xsnprintf(port, sizeof port, "%u", pn);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0) {
		log_info("%s: %s does not resolve", __func__, s);
		free(host);
		return;
	}
	for (p = ai; p != NULL && dht_nboot < nitems(dht_boot); p = p->ai_next)
		memcpy(&dht_boot[dht_nboot++], p->ai_addr, sizeof dht_boot[0]);
	freeaddrinfo(ai);
	free(host);
}

/* Read the bootstrap list; the class of its nodes bounds whom we talk to. */
static void
dht_boot_load(void)
{
	u_int	i;
	int	class, lowest = ADDR_PUBLIC;

	dht_nboot = 0;
	if (cfg_list_count(CFG_DHT_BOOTSTRAP) != 0) {
		for (i = 0; i < cfg_list_count(CFG_DHT_BOOTSTRAP); i++)
			dht_boot_add(cfg_list_get(CFG_DHT_BOOTSTRAP, i));
	} else if (dht_may_go_public()) {
		for (i = 0; i < nitems(dht_routers); i++)
			dht_boot_add(dht_routers[i]);
	}
	for (i = 0; i < dht_nboot; i++) {
		class = addr_class(4, (uint8_t *)&dht_boot[i].sin_addr);
		if (class != ADDR_BAD && class < lowest)
			lowest = class;
	}
	/* The last run's nodes: a DHT it joined (configured then). */
	for (i = 0; i < dht_nsaved; i++) {
		class = addr_class(4, (uint8_t *)&dht_saved[i].sin_addr);
		if (class < lowest)
			lowest = class;
	}
	dht_boot_class = lowest;
}

/* Ask every bootstrap node for the nodes near us. */
static void
dht_bootstrap(void)
{
	u_int	i;

	dht_boot_at = now_ms();
	for (i = 0; i < dht_nboot; i++)
		dht_find_node(&dht_boot[i], dht_id, NULL, NULL);
	for (i = 0; i < dht_nsaved; i++)
		dht_find_node(&dht_saved[i], dht_id, NULL, NULL);
}

/* Save the nodes that answered us to the store (replacing the last). */
static void
dht_save(void)
{
	struct dht_node	*n;
	uint8_t		 c[6];
	u_int		 i, j, saved = 0;
	char		*cause;

	if (store_dht_clear(&cause) != 0)
		goto fail;
	for (i = 0; i < DHT_BUCKETS; i++) {
		for (j = 0; j < DHT_K; j++) {
			n = &dht_table[i][j];
			if (n->seen == 0 || n->fails != 0)
				continue;
			memcpy(c, &n->sa.sin_addr, 4);
			memcpy(c + 4, &n->sa.sin_port, 2);
			if (store_dht_add(n->id, c, n->seen, &cause) != 0)
				goto fail;
			saved++;
		}
	}
	dht_last_saved = saved;
	return;
fail:
	log_warnx("%s: %s", __func__, cause);
	free(cause);
}

/* A node saved by the last run: a bootstrap node of this one. */
static void
dht_saved_cb(const uint8_t *id, const uint8_t *c, int64_t seen, void *arg)
{
	struct sockaddr_in	*sa;

	if (dht_nsaved >= nitems(dht_saved))
		return;
	sa = &dht_saved[dht_nsaved];
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	memcpy(&sa->sin_addr, c, 4);
	memcpy(&sa->sin_port, c + 4, 2);
	if (sa->sin_port != 0 &&
	    addr_class(4, (const uint8_t *)&sa->sin_addr) != ADDR_BAD)
		dht_nsaved++;
}

/* Load the nodes the last run saved. */
static void
dht_saved_load(void)
{
	char	*cause;

	dht_nsaved = 0;
	if (store_dht_load(dht_saved_cb, NULL, DHT_SAVED_MAX, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
}

/* Our node id: random, until a public address gives a BEP 42 one. */
static void
dht_make_id(void)
{
	random_id(dht_id, sizeof dht_id);
}

/*
 * A public IPv4 address of ours is known: take a BEP 42 id for it unless
 * ours already is one, and put the routing table in the new id's buckets.
 */
static void
dht_rekey(const uint8_t *ip)
{
	static struct dht_node	 old[DHT_BUCKETS][DHT_K];
	uint8_t			 rnd;
	u_int			 i, j;

	if (dht_bep42_ok(ip, dht_id))
		return;
	randombytes_buf(&rnd, 1);
	memcpy(old, dht_table, sizeof old);
	memset(dht_table, 0, sizeof dht_table);
	dht_bep42_id(ip, rnd, dht_id);
	for (i = 0; i < DHT_BUCKETS; i++) {
		for (j = 0; j < DHT_K; j++) {
			if (old[i][j].seen == 0)
				continue;
			dht_table_add(old[i][j].id, &old[i][j].sa,
			    old[i][j].fails == 0);
		}
	}
	dht_refresh_at = 0;		/* look ourselves up again */
	log_info("%s: a BEP 42 node id for our public address", __func__);
}

/*
 * A lookup of our own id is over: the table knows our neighbourhood, so
 * the record goes to the nodes nearest it, not only the first we met.
 */
static void
dht_refresh_done(struct dht_lookup *lk)
{
	if (!dht_joined) {
		dht_joined = 1;
		dht_publish_at = 0;
		if (!evtimer_pending(dht_timer, NULL))
			timer_add_ms(dht_timer, 0);
	}
}

/* The timer: time out queries, rotate secrets, refresh, publish. */
static void
dht_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dht_query	*q, *q1;
	struct dht_lookup	*lk;
	int64_t			 now = now_ms();
	char			*cause;

	TAILQ_FOREACH_SAFE(q, &dht_queries, entry, q1) {
		if (now - q->sent < DHT_QUERY_MS)
			continue;
		TAILQ_REMOVE(&dht_queries, q, entry);
		dht_nqueries--;
		dht_query_done(q, 1);
	}
	if (now - dht_secret_at > DHT_SECRET_MS) {
		memcpy(dht_secret[1], dht_secret[0], sizeof dht_secret[1]);
		randombytes_buf(dht_secret[0], sizeof dht_secret[0]);
		dht_secret_at = now;
	}
	/*
	 * Few nodes known: ask the bootstrap nodes again, after 1 s, 2 s, 4 s
	 * and so on up to DHT_REBOOT_MS (a first answer lost, or a bootstrap
	 * node not up yet, costs seconds, not half a minute).
	 */
	if (dht_table_count() < DHT_K && now - dht_boot_at > dht_boot_wait) {
		dht_bootstrap();
		dht_boot_wait = dht_boot_wait * 2 > DHT_REBOOT_MS ?
		    DHT_REBOOT_MS : dht_boot_wait * 2;
	}
	if (dht_table_count() != 0 && now > dht_refresh_at) {
		dht_refresh_at = now + DHT_REFRESH_MS;
		if ((lk = dht_lookup_new(DHT_FIND_NODE, dht_id,
		    &cause)) != NULL) {
			lk->done = dht_refresh_done;
			dht_lookup_step(lk);
		} else
			free(cause);
	}
	if (now >= dht_save_at) {
		dht_save();
		dht_save_at = now + (dht_last_saved != 0 ? DHT_SAVE_MS :
		    DHT_SAVE_FIRST_MS);
	}
	dht_default_addresses();
	/* Put on few nodes, and the table has grown since: put again now. */
	if (dht_pub_few && dht_table_count() >= dht_pub_table + DHT_K / 2)
		dht_publish_at = now;
	if (dht_joined && dht_table_count() != 0 && now >= dht_publish_at)
		dht_publish();
	/*
	 * With nothing to ask, no node known and nobody to bootstrap from,
	 * sleep until a query is sent or a packet comes: an idle node uses
	 * no CPU.
	 */
	if (dht_nqueries == 0 && dht_table_count() == 0 && dht_nboot == 0 &&
	    dht_nsaved == 0)
		return;
	timer_add_ms(dht_timer, dht_nqueries != 0 ? 250 : dht_pub_few ? 1000 :
	    5000);
}

/* Open the DHT socket and join through the bootstrap nodes. */
static void
dht_init(void)
{
	struct sockaddr_in	 sin;
	struct addrinfo		 hints, *ai;
	char			*host = NULL, *cause;
	u_short			 port;

	if (!cfg_num(CFG_DHT_ENABLE))
		return;
	dht_saved_load();
	dht_boot_load();
	dht_make_id();
	randombytes_buf(dht_secret, sizeof dht_secret);
	dht_secret_at = now_ms();
	port = cfg_num(CFG_DHT_PORT) != 0 ? (u_short)cfg_num(CFG_DHT_PORT) :
	    node_listen_port();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (addr_parse(node_listen_address(), &host, &port, &cause) == 0) {
		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_INET;
		hints.ai_flags = AI_NUMERICHOST;
		if (getaddrinfo(host, NULL, &hints, &ai) == 0) {
			sin.sin_addr = ((struct sockaddr_in *)
			    ai->ai_addr)->sin_addr;
			freeaddrinfo(ai);
		}
		free(host);
	} else
		free(cause);
	dht_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (dht_fd == -1 ||
	    bind(dht_fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		log_warnx("%s: DHT off: UDP port %u: %s", __func__,
		    ntohs(sin.sin_port), strerror(errno));
		if (dht_fd != -1)
			close(dht_fd);
		dht_fd = -1;
		return;
	}
	dht_read_ev = event_new(node_base, dht_fd, EV_READ | EV_PERSIST,
	    dht_read_cb, NULL);
	event_add(dht_read_ev, NULL);
	dht_timer = evtimer_new(node_base, dht_timer_cb, NULL);
	dht_refresh_at = now_ms() + 500;
	dht_save_at = now_ms() + DHT_SAVE_FIRST_MS;
	dht_bootstrap();
	timer_add_ms(dht_timer, 250);
}

/* Close the socket and drop every query and lookup. */
static void
dht_shutdown(void)
{
	struct dht_query	*q;
	struct dht_lookup	*lk;
	u_int			 i;

	while ((q = TAILQ_FIRST(&dht_queries)) != NULL) {
		TAILQ_REMOVE(&dht_queries, q, entry);
		free(q);
	}
	dht_nqueries = 0;
	while ((lk = TAILQ_FIRST(&dht_lookups)) != NULL) {
		TAILQ_REMOVE(&dht_lookups, lk, entry);
		free(lk);
	}
	dht_nlookups = 0;
	dht_joined = 0;
	for (i = 0; i < nitems(dht_reaches); i++) {
		if (dht_reaches[i].ev != NULL)
			event_free(dht_reaches[i].ev);
		memset(&dht_reaches[i], 0, sizeof dht_reaches[i]);
	}
	if (dht_fd != -1 && dht_table_count() != 0)
		dht_save();	/* store_close commits it */
	if (dht_read_ev != NULL)
		event_free(dht_read_ev);
	if (dht_timer != NULL)
		event_free(dht_timer);
	dht_read_ev = dht_timer = NULL;
	if (dht_fd != -1)
		close(dht_fd);
	dht_fd = -1;
}

/* Counters for /stats. */
static void
dht_stats_cb(struct stats *st)
{
	u_int	i, items = 0;

	if (dht_fd == -1)
		return;
	for (i = 0; i < DHT_ITEMS_MAX; i++)
		items += dht_items[i].stored != 0;
	stats_add(st, "dht_nodes", dht_table_count());
	stats_add(st, "dht_queries_in", dht_stats.queries_in);
	stats_add(st, "dht_answers_out", dht_stats.answers_out);
	stats_add(st, "dht_answers_dropped", dht_stats.answers_dropped);
	stats_add(st, "dht_bad_answers", dht_stats.bad_answers);
	stats_add(st, "dht_items", items);
	stats_add(st, "dht_published", dht_stats.published);
	stats_add(st, "dht_puts_acked", dht_stats.puts_acked);
	stats_add(st, "dht_malformed", dht_stats.malformed);
	stats_add(st, "dht_unmatched", dht_stats.unmatched);
	stats_add(st, "dht_bad_tokens", dht_stats.bad_tokens);
	stats_add(st, "dht_bad_sigs", dht_stats.bad_sigs);
	stats_add(st, "dht_stale_seqs", dht_stats.stale_seqs);
	stats_add(st, "dht_too_big", dht_stats.too_big);
	stats_add(st, "dht_refused_full", dht_stats.refused_full);
	stats_add(st, "dht_bad_ids", dht_stats.bad_ids);
	stats_add(st, "dht_saved", dht_last_saved);
	stats_add(st, "dht_reach_lookups", dht_stats.reach_lookups);
	stats_add(st, "dht_reach_dialled", dht_stats.reach_dialled);
}

const struct module dht_module = {
	.name = "dht",
	.init = dht_init,
	.shutdown = dht_shutdown,
	.stats = dht_stats_cb,
	.peer_unreachable = dht_peer_unreachable,
};
