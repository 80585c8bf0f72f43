/*
 * pex.c: peer exchange and the address book. A node asks every new session
 * for its peers (PEX_REQUEST) and asks one session again every pex_interval
 * seconds; it answers with up to 64 peers it has a session with. Learned
 * addresses go into the book in SQLite, and the node dials from the book
 * until it has peers_target sessions, never more than max_peers.
 */

#include "p2pchat.h"

#include <arpa/inet.h>

#define PEX_BOOK_MAX		1000
#define PEX_FAILURES_MAX	5

static struct event	*pex_timer;
static u_int		 pex_turn;

/* Ask a session for its peers. */
static void
pex_ask(struct session *s)
{
	u_char	rec = REC_PEX_REQUEST;

	session_send(s, &rec, 1);
}

/* Answer a PEX_REQUEST with the peers we have sessions with. */
static void
pex_answer(struct session *to)
{
	struct session	*s;
	struct buf	 b;
	uint8_t		 a[16];
	u_short		 port;
	int		 n = 0, fam;

	buf_init(&b);
	buf_put_u8(&b, REC_PEX);
	buf_put_u8(&b, 0);
	TAILQ_FOREACH(s, &sessions, entry) {
		if (n == PEX_MAX)
			break;
		if (s == to || s->state != SESSION_OPEN)
			continue;
		/* Not a peer whose contact request waits, nor one blocked. */
		if (s->peer != NULL && !peer_shareable(s->peer))
			continue;
		/*
		 * Only an address that was reached: a session we dialled,
		 * or a listen port that our dial-back reached (reach.c).
		 */
		if (s->initiator)
			port = s->port;
		else
			port = reach_reached(s) ? s->listen_port : 0;
		if (port == 0)
			continue;
		if (inet_pton(AF_INET, s->host, a) == 1)
			fam = 4;
		else if (inet_pton(AF_INET6, s->host, a) == 1)
			fam = 6;
		else
			continue;
		buf_put(&b, s->remote_id, PEER_ID_LEN);
		buf_put_u8(&b, (uint8_t)fam);
		buf_put(&b, a, fam == 4 ? 4 : 16);
		buf_put_u16(&b, port);
		n++;
	}
	b.d[1] = (uint8_t)n;
	session_send_buf(to, &b);
	buf_free(&b);
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

const struct module pex_module = {
	.name = "pex",
	.init = pex_init,
	.session_open = pex_session_open,
	.session_closed = pex_session_closed,
	.shutdown = pex_shutdown,
};
