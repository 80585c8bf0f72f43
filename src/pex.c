/*
 * pex.c: peer exchange and the address book. A node asks every new session
 * for its peers (PEX_REQUEST) and asks one session again every pex_interval
 * seconds; it answers with a random sample of peers reached recently, and
 * a full node sends one to a stranger it refuses, before BYE 3. Learned
 * addresses go into the book in SQLite, and the node dials from the book
 * until it has peers_target sessions, never more than max_peers.
 */

#include "p2pchat.h"

#include <arpa/inet.h>

#define PEX_BOOK_MAX		1000
#define PEX_FAILURES_MAX	5

#define PEX_POOL_MAX		512	/* candidates an answer picks from */
#define PEX_RECENT_MS		(6 * 3600 * 1000LL)
#define PEX_REFUSAL_QUEUED	4096	/* output bytes past which none is sent */
#define PEX_FULL_MIN		2	/* answers topped up with full peers */

static struct event	*pex_timer;
static u_int		 pex_turn;

/* PEX records sent before BYE 3, counted per address for one minute. */
struct pex_refusal {
	uint8_t		 addr[17];	/* session.c's src_addr */
	int64_t		 start;		/* mono ms the minute began */
	u_int		 n;
};
static struct pex_refusal pex_refusals[256];

static struct {
	u_long		 answers;
	u_long		 refusal_sent;
	u_long		 refusal_skipped;
} pex_stats;

/* Ask a session for its peers. */
static void
pex_ask(struct session *s)
{
	u_char	rec = REC_PEX_REQUEST;

	session_send(s, &rec, 1);
}

/*
 * A candidate for an answer: a peer reached recently, at an address we
 * would dial ourselves.
 */
struct pex_cand {
	uint8_t		 id[PEER_ID_LEN];
	uint8_t		 family;
	uint8_t		 addr[16];
	u_short		 port;
	int		 full;		/* believed full (node_peer_full) */
};

/* The candidates of one answer, gathered from sessions and the book. */
struct pex_pool {
	struct session	*to;
	struct pex_cand	*c;
	u_int		 n;
	int64_t		 since;		/* reached after this (Unix ms) */
};

/* Add a candidate unless it is the asker, us, a double, or the pool is full. */
static void
pex_pool_add(struct pex_pool *pp, const uint8_t *id, const char *host,
    u_short port)
{
	struct pex_cand	*c;
	struct peer	*p;
	u_int		 i;

	if (pp->n == PEX_POOL_MAX || port == 0)
		return;
	if (memcmp(id, pp->to->remote_id, PEER_ID_LEN) == 0 ||
	    memcmp(id, identity->ed_pk, PEER_ID_LEN) == 0)
		return;
	if (port == pp->to->listen_port && strcmp(host, pp->to->host) == 0)
		return;
	/* Not a peer whose contact request waits, nor one blocked. */
	if ((p = peer_find(id)) != NULL && !peer_shareable(p))
		return;

	for (i = 0; i < pp->n; i++) {
		if (memcmp(pp->c[i].id, id, PEER_ID_LEN) == 0)
			return;
	}
	c = &pp->c[pp->n];
	memset(c, 0, sizeof *c);
	if (inet_pton(AF_INET, host, c->addr) == 1)
		c->family = 4;
	else if (inet_pton(AF_INET6, host, c->addr) == 1)
		c->family = 6;
	else
		return;
	memcpy(c->id, id, PEER_ID_LEN);
	c->port = port;
	c->full = node_peer_full(id);
	pp->n++;
}

/* Loader callback: a book address where a known peer answered recently. */
static void
pex_pool_book(const struct addr_row *ar, void *arg)
{
	struct pex_pool	*pp = arg;

	if (!ar->has_peer || ar->failures != 0 || ar->last_ok < pp->since)
		return;
	pex_pool_add(pp, ar->peer, ar->host, ar->port);
}

/* Put the candidates not believed full first; returns how many. */
static u_int
pex_partition(struct pex_pool *pp)
{
	struct pex_cand	tmp;
	u_int		i, nf = 0;

	for (i = 0; i < pp->n; i++) {
		if (pp->c[i].full)
			continue;
		tmp = pp->c[nf];
		pp->c[nf] = pp->c[i];
		pp->c[i] = tmp;
		nf++;
	}
	return (nf);
}

/* Make the first k of c[0..n) a random sample (Fisher-Yates, cut short). */
static void
pex_sample(struct pex_cand *c, u_int n, u_int k)
{
	struct pex_cand	tmp;
	u_int		i, j;

	for (i = 0; i < k && i < n; i++) {
		j = i + randombytes_uniform(n - i);
		tmp = c[i];
		c[i] = c[j];
		c[j] = tmp;
	}
}

/*
 * Answer with a random sample of at most pex_answer peers reached
 * recently: those we have a session with at an address that was reached
 * (one we dialled, or a listen port our dial-back reached, reach.c), then
 * book addresses where a session opened in the last PEX_RECENT_MS. Each
 * asker gets its own sample, never itself. Peers believed full
 * (node_peer_full) are left out, unless fewer than PEX_FULL_MIN others are
 * left: then a few of them top the answer up to that, since their refusal
 * PEX is still the way to their own peers.
 */
static void
pex_answer(struct session *to)
{
	struct pex_pool	 pp;
	struct session	*s;
	struct buf	 b;
	char		*cause;
	u_int		 i, k, nf, k1, k2;
	u_short		 port;

	memset(&pp, 0, sizeof pp);
	pp.to = to;
	pp.c = xcalloc(PEX_POOL_MAX, sizeof *pp.c);
	pp.since = now_ms() - PEX_RECENT_MS;
	TAILQ_FOREACH(s, &sessions, entry) {
		if (s == to || s->state != SESSION_OPEN)
			continue;
		if (s->initiator)
			port = s->port;
		else
			port = reach_reached(s) ? s->listen_port : 0;
		pex_pool_add(&pp, s->remote_id, s->host, port);
	}
	if (store_addr_load(pex_pool_book, &pp, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	k = (u_int)cfg_num(CFG_PEX_ANSWER);
	if (k > PEX_MAX)
		k = PEX_MAX;
	/* Those not full first, then a sample of each part. */
	nf = pex_partition(&pp);
	k1 = k < nf ? k : nf;
	pex_sample(pp.c, nf, k1);
	k2 = 0;
	if (k1 < PEX_FULL_MIN && k1 == nf) {
		k2 = PEX_FULL_MIN - k1;
		if (k2 > k - k1)
			k2 = k - k1;
		if (k2 > pp.n - nf)
			k2 = pp.n - nf;
		pex_sample(pp.c + nf, pp.n - nf, k2);
	}
	k = k1 + k2;
	buf_init(&b);
	buf_put_u8(&b, REC_PEX);
	buf_put_u8(&b, (uint8_t)k);
	for (i = 0; i < k; i++) {
		buf_put(&b, pp.c[i].id, PEER_ID_LEN);
		buf_put_u8(&b, pp.c[i].family);
		buf_put(&b, pp.c[i].addr, pp.c[i].family == 4 ? 4 : 16);
		buf_put_u16(&b, pp.c[i].port);
	}
	session_send_buf(to, &b);
	buf_free(&b);
	free(pp.c);
}

/*
 * May a full node send a PEX before BYE 3 to this session's address? At
 * most pex_refusals a minute to one address, counted in a small table
 * whose oldest row gives way to a new address.
 */
static int
pex_refusal_allowed(struct session *s)
{
	struct pex_refusal	*r, *old = NULL;
	int64_t			 now = mono_us() / 1000;
	u_int			 i;

	for (i = 0; i < nitems(pex_refusals); i++) {
		r = &pex_refusals[i];
		if (r->start != 0 && memcmp(r->addr, s->src_addr,
		    sizeof r->addr) == 0)
			break;
		if (old == NULL || r->start < old->start)
			old = r;
	}
	if (i == nitems(pex_refusals)) {
		r = old;
		memcpy(r->addr, s->src_addr, sizeof r->addr);
		r->start = now;
		r->n = 0;
	}
	if (now - r->start >= 60000) {
		r->start = now;
		r->n = 0;
	}
	if (r->n >= (u_int)cfg_num(CFG_PEX_REFUSALS))
		return (0);
	r->n++;
	return (1);
}

/*
 * A session is refused for want of room: send it a sample of peers first,
 * so it has somewhere else to go; BYE 3 follows. Bounded per address, and
 * not onto an output that has not drained. Our own dial that we close
 * (we were full) gets none: its far end was not looking for peers.
 */
static void
pex_session_refused(struct session *s)
{
	if (s->initiator)
		return;
	if (session_queued(s) > PEX_REFUSAL_QUEUED ||
	    !pex_refusal_allowed(s)) {
		pex_stats.refusal_skipped++;
		return;
	}
	pex_answer(s);
	pex_stats.refusal_sent++;
}

/* One PEX entry: check it against the rules and add it to the book. */
static void
pex_learn(struct session *from, const struct rec_pex_entry *e, int *added)
{
	char	 host[INET6_ADDRSTRLEN], *cause;
	int	 class, from_class;

	if (e->port == 0)
		return;
	if (memcmp(e->id, identity->ed_pk, PEER_ID_LEN) == 0 ||
	    memcmp(e->id, from->remote_id, PEER_ID_LEN) == 0)
		return;
	class = addr_class(e->family, e->addr);
	from_class = addr_host_class(from->host);
	if (class == ADDR_BAD)
		return;
	if (class == ADDR_LOOPBACK && from_class != ADDR_LOOPBACK)
		return;
	if (class == ADDR_PRIVATE && from_class != ADDR_PRIVATE &&
	    from_class != ADDR_LOOPBACK)
		return;
	inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->addr, host,
	    sizeof host);
	if (store_addr_learn(host, e->port, ADDR_SOURCE_PEX, e->id,
	    &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		return;
	}
	(*added)++;
}

/* PEX_REQUEST: answer with the peers we know. */
int
pex_request_record(struct session *s, struct record *r)
{
	if (++s->pex_asked > 64)
		return (0);	/* ignore a peer that keeps asking */
	pex_answer(s);
	pex_stats.answers++;
	return (0);
}

/* PEX: learn the addresses (those we would dial), and dial if short. */
int
pex_pex_record(struct session *s, struct record *r)
{
	char	*cause;
	int	 i, added = 0;

	for (i = 0; i < r->u.pex.count; i++)
		pex_learn(s, &r->u.pex.entries[i], &added);
	if (added != 0) {
		if (store_addr_trim(PEX_BOOK_MAX, PEX_FAILURES_MAX,
		    now_ms() - 86400000LL, &cause) != 0) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
		}
		node_fill_soon();
	}
	return (0);
}

/* A session opened: ask it for its peers. */
static void
pex_session_open(struct session *s)
{
	pex_ask(s);
}

/* An open session closed: dial from the book if sessions are short now. */
static void
pex_session_closed(struct session *s)
{
	if (!node_is_quitting() && s->peer->session == s)
		node_fill_soon();
}

/* The periodic timer: ask one session again, and fill. */
static void
pex_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s;
	struct timeval	 tv;
	u_int		 i = 0, open = 0;

	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->state == SESSION_OPEN)
			open++;
	}
	if (open != 0) {
		pex_turn++;
		TAILQ_FOREACH(s, &sessions, entry) {
			if (s->state == SESSION_OPEN && i++ == pex_turn % open) {
				pex_ask(s);
				break;
			}
		}
	}
	node_fill();
	tv.tv_sec = cfg_num(CFG_PEX_INTERVAL);
	tv.tv_usec = randombytes_uniform(1000000);
	evtimer_add(pex_timer, &tv);
}

/* Start the exchange timer, and dial from the book soon. */
static void
pex_init(void)
{
	struct timeval	tv;

	pex_timer = evtimer_new(node_base, pex_timer_cb, NULL);
	tv.tv_sec = cfg_num(CFG_PEX_INTERVAL);
	tv.tv_usec = randombytes_uniform(1000000);
	evtimer_add(pex_timer, &tv);
	node_fill_soon();
}

/* Stop it. */
static void
pex_shutdown(void)
{
	if (pex_timer != NULL)
		event_free(pex_timer);
	pex_timer = NULL;
}

/* The exchange's counters, for /stats. */
static void
pex_stats_put(struct stats *st)
{
	stats_add(st, "pex_answers", (long long)pex_stats.answers);
	stats_add(st, "pex_refusals_sent", (long long)pex_stats.refusal_sent);
	stats_add(st, "pex_refusals_skipped",
	    (long long)pex_stats.refusal_skipped);
}

const struct module pex_module = {
	.name = "pex",
	.init = pex_init,
	.session_open = pex_session_open,
	.session_closed = pex_session_closed,
	.shutdown = pex_shutdown,
	.stats = pex_stats_put,
	.session_refused = pex_session_refused,
};
