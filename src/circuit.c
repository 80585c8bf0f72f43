/*
 * circuit.c: relayed live sessions. A node that relays (`[node] relay`)
 * holds reservations for peers that ask (CIRCUIT_RESERVE) and splices a
 * circuit from a peer to one of them: the bytes of CIRCUIT_DATA records go
 * from one session to the other, counted, for a bounded time. The two ends
 * run the normal handshake end to end inside the circuit, so the relay
 * sees ciphertext and the two peer ids only.
 *
 * At an end, a circuit is a socketpair(2): one end is handed to the
 * session code as an accepted or dialled socket would be, the other is
 * pumped into CIRCUIT_DATA records on the session with the relay, and only
 * while that session's output is short (it goes on from the drained hook).
 * A node with a reservation tells its peers (CIRCUIT_VIA); a peer that
 * has no session with it and a direct one with its relay opens a circuit
 * by itself, with backoff, and at once when a direct dial of it failed;
 * when no relay can carry one, reach.c says the peer cannot be reached.
 * See p2pchat-protocol(7), Relayed circuits.
 */

#include "p2pchat.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#define CIRCUIT_MINE		2	/* reservations a node keeps */
#define CIRCUIT_ENDS		32	/* circuits a node is an end of */
#define CIRCUIT_DATA_MAX	16384	/* bytes in one DATA record */
#define CIRCUIT_QUEUE_MAX	(256 * 1024)	/* queued towards an end */
#define CIRCUIT_PUMP_MAX	(1024 * 1024)	/* unread by a local session */
#define CIRCUIT_TICK_MS		1000
#define CIRCUIT_ANSWER_MS	10000	/* for OPENED or RESERVED */
#define CIRCUIT_VIAS		256	/* peers whose relays we know */
#define CIRCUIT_RETRY_MAX_MS	60000	/* between automatic circuits */

/* Who asked for a circuit at an end. */
#define CIRCUIT_BY_RETRY	0	/* the retries of CIRCUIT_VIA */
#define CIRCUIT_BY_USER		1	/* /connect-via: errors shown */
#define CIRCUIT_BY_DIAL		2	/* a direct dial failed: said if not */

/* Status of RESERVED and OPENED, reason of CLOSE. */
#define CIRC_OK			0
#define CIRC_DISABLED		1
#define CIRC_NO_RESERVATION	2
#define CIRC_FULL		3
#define CIRC_PEER_LIMIT		4
#define CIRC_ADDR_LIMIT		5
#define CIRC_REFUSED		6
#define CIRC_LIMIT		7
#define CIRC_CLOSED		8
#define CIRC_SLOW		9

static const char *circuit_reasons[] = { "ok", "not a relay",
    "no reservation", "relay full", "too many for this peer",
    "too many for this address", "refused", "limit reached", "closed",
    "too slow" };

/* At a relay: a peer that may be reached through it. */
struct circ_resv {
	uint8_t			 id[PEER_ID_LEN];
	struct session		*s;
	int64_t			 expires;	/* Unix ms */
	int64_t			 window;	/* counting asks since */
	u_int			 asks;
	TAILQ_ENTRY(circ_resv)	 entry;
};

/* At a relay: a circuit spliced between two sessions. */
struct circ_splice {
	struct session		*src, *dst;
	uint32_t		 src_id, dst_id;
	int			 open;
	uint64_t		 bytes;
	uint64_t		 limit;
	int64_t			 deadline;	/* Unix ms */
	int64_t			 asked;		/* CONNECT sent, Unix ms */
	TAILQ_ENTRY(circ_splice) entry;
};

/* At an end: a circuit and the socketpair carrying its session. */
struct circ_end {
	struct session		*rs;		/* with the relay */
	uint32_t		 id;
	uint8_t			 peer[PEER_ID_LEN];	/* the far end */
	int			 initiator;
	int			 user;		/* CIRCUIT_BY_* */
	int			 open;
	int64_t			 deadline;	/* for OPENED, Unix ms */
	struct bufferevent	*pump;
	struct session		*local;		/* held (session_ref) */
	char			*via;		/* the relay's name */
	TAILQ_ENTRY(circ_end)	 entry;
};

/* At a node behind a relay: a reservation it holds or asked for. */
struct circ_mine {
	struct session		*s;
	int			 granted;
	int64_t			 renew;		/* Unix ms */
	TAILQ_ENTRY(circ_mine)	 entry;
};

/* The relays a peer said it may be reached through (CIRCUIT_VIA). */
struct circ_via {
	uint8_t			 peer[PEER_ID_LEN];
	uint8_t			 relay[2][PEER_ID_LEN];
	u_int			 n;
	int64_t			 next_try;	/* Unix ms */
	u_int			 tries;
	TAILQ_ENTRY(circ_via)	 entry;
};

static TAILQ_HEAD(, circ_via)	 circuit_vias =
    TAILQ_HEAD_INITIALIZER(circuit_vias);
static u_int			 circuit_nvias;
static TAILQ_HEAD(, circ_resv)	 circuit_resvs =
    TAILQ_HEAD_INITIALIZER(circuit_resvs);
static TAILQ_HEAD(, circ_splice) circuit_splices =
    TAILQ_HEAD_INITIALIZER(circuit_splices);
static TAILQ_HEAD(, circ_end)	 circuit_ends =
    TAILQ_HEAD_INITIALIZER(circuit_ends);
static TAILQ_HEAD(, circ_mine)	 circuit_mine =
    TAILQ_HEAD_INITIALIZER(circuit_mine);
static struct event		*circuit_timer;
static u_long			 circuit_refused;
static u_long			 circuit_spliced;
static uint64_t			 circuit_bytes;

static void	circuit_end_free(struct circ_end *, int);
static void	circuit_unreachable(struct circ_end *, const char *,
		    const char *);
static int	circuit_start(struct peer *, const uint8_t *, int, char **);
static void	circuit_send_via(struct session *);
static void	circuit_wake(void);

/* The name of a status or reason code. */
static const char *
circuit_reason(uint8_t code)
{
	if (code < nitems(circuit_reasons))
		return (circuit_reasons[code]);
	return ("unknown reason");
}

/* Send a record of a circuit id and a code (OPENED or CLOSE). */
static void
circuit_send_code(struct session *s, uint8_t type, uint32_t id, uint8_t code)
{
	struct buf	b;

	buf_init(&b);
	buf_put_u8(&b, type);
	buf_put_u32(&b, id);
	buf_put_u8(&b, code);
	session_send_buf(s, &b);
	buf_free(&b);
}

/* Send CONNECT: a circuit id, a role, a peer id. */
static void
circuit_send_connect(struct session *s, uint32_t id, uint8_t role,
    const uint8_t *peer)
{
	struct buf	b;

	buf_init(&b);
	buf_put_u8(&b, REC_CIRCUIT_CONNECT);
	buf_put_u32(&b, id);
	buf_put_u8(&b, role);
	buf_put(&b, peer, PEER_ID_LEN);
	session_send_buf(s, &b);
	buf_free(&b);
}

/* Send DATA on a session. */
static void
circuit_send_data(struct session *s, uint32_t id, const u_char *p, size_t len)
{
	struct buf	b;

	buf_init(&b);
	buf_put_u8(&b, REC_CIRCUIT_DATA);
	buf_put_u32(&b, id);
	buf_put(&b, p, len);
	session_send_buf(s, &b);
	buf_free(&b);
}

/* Is a circuit id in use on a session, in either direction? */
static int
circuit_id_used(struct session *s, uint32_t id)
{
	struct circ_splice	*c;
	struct circ_end		*e;

	TAILQ_FOREACH(c, &circuit_splices, entry) {
		if ((c->src == s && c->src_id == id) ||
		    (c->dst == s && c->dst_id == id))
			return (1);
	}
	TAILQ_FOREACH(e, &circuit_ends, entry) {
		if (e->rs == s && e->id == id)
			return (1);
	}
	return (0);
}

/* Pick a fresh circuit id for a session. */
static uint32_t
circuit_new_id(struct session *s)
{
	uint32_t	id;

	do
		random_id(&id, sizeof id);
	while (id == 0 || circuit_id_used(s, id));
	return (id);
}

/* Is a session itself relayed? */
static int
circuit_relayed(struct session *s)
{
	return (strcmp(s->host, CIRCUIT_HOST) == 0);
}

/* ---- At a relay. ---- */

/* Free a splice, telling each end still there why. */
static void
circuit_splice_free(struct circ_splice *c, uint8_t reason)
{
	if (c->src != NULL && c->src->state == SESSION_OPEN)
		circuit_send_code(c->src, c->open ? REC_CIRCUIT_CLOSE :
		    REC_CIRCUIT_OPENED, c->src_id, reason);
	if (c->dst != NULL && c->dst->state == SESSION_OPEN)
		circuit_send_code(c->dst, REC_CIRCUIT_CLOSE, c->dst_id,
		    reason);
	log_debug("%s: circuit %08x/%08x closed: %s, %llu bytes", __func__,
	    c->src_id, c->dst_id, circuit_reason(reason),
	    (unsigned long long)c->bytes);
	TAILQ_REMOVE(&circuit_splices, c, entry);
	free(c);
}

/* The live reservation of a peer, or NULL. */
static struct circ_resv *
circuit_resv_find(const uint8_t *id)
{
	struct circ_resv	*v;

	TAILQ_FOREACH(v, &circuit_resvs, entry) {
		if (memcmp(v->id, id, PEER_ID_LEN) == 0)
			return (v);
	}
	return (NULL);
}

/* Answer RESERVED. */
static void
circuit_send_reserved(struct session *s, uint8_t status, uint32_t seconds)
{
	struct buf	b;

	if (status != CIRC_OK)
		circuit_refused++;
	buf_init(&b);
	buf_put_u8(&b, REC_CIRCUIT_RESERVED);
	buf_put_u8(&b, status);
	buf_put_u32(&b, seconds);
	session_send_buf(s, &b);
	buf_free(&b);
}

/* The status a new reservation for a session would get. */
static uint8_t
circuit_resv_check(struct session *s)
{
	struct circ_resv	*v;
	u_int			 n = 0, same = 0;

	TAILQ_FOREACH(v, &circuit_resvs, entry) {
		n++;
		if (strcmp(v->s->host, s->host) == 0)
			same++;
	}
	if (n >= (u_int)cfg_num(CFG_RELAY_RESERVATIONS))
		return (CIRC_FULL);
	if (same >= (u_int)cfg_num(CFG_RELAY_RESERVATIONS_PER_ADDRESS))
		return (CIRC_ADDR_LIMIT);
	return (CIRC_OK);
}

/* RESERVE: a peer asks to be reachable through us. */
int
circuit_reserve_record(struct session *s, struct record *r)
{
	struct circ_resv	*v;
	int64_t			 now = now_ms();
	int64_t			 life;
	uint8_t			 status;

	life = cfg_num(CFG_RELAY_RESERVATION_LIFETIME);
	if (!cfg_num(CFG_RELAY) || circuit_relayed(s)) {
		circuit_send_reserved(s, CIRC_DISABLED, 0);
		return (0);
	}
	if ((v = circuit_resv_find(s->remote_id)) == NULL) {
		if ((status = circuit_resv_check(s)) != CIRC_OK) {
			log_info("%s: refused %s: %s", __func__,
			    peer_name(s->peer), circuit_reason(status));
			circuit_send_reserved(s, status, 0);
			return (0);
		}
		v = xcalloc(1, sizeof *v);
		memcpy(v->id, s->remote_id, PEER_ID_LEN);
		v->s = s;
		v->window = now;
		TAILQ_INSERT_TAIL(&circuit_resvs, v, entry);
		circuit_wake();
	}
	if (now - v->window >= life * 1000) {
		v->window = now;
		v->asks = 0;
	}
	if (v->asks >= (u_int)cfg_num(CFG_RELAY_RESERVATIONS_PER_PEER)) {
		log_info("%s: refused %s: %s", __func__, peer_name(s->peer),
		    circuit_reason(CIRC_PEER_LIMIT));
		circuit_send_reserved(s, CIRC_PEER_LIMIT, 0);
		return (0);
	}
	v->asks++;
	v->expires = now + life * 1000;
	log_info("%s: %s reserved for %llds", __func__, peer_name(s->peer),
	    (long long)life);
	circuit_send_reserved(s, CIRC_OK, (uint32_t)life);
	return (0);
}

/* Count the splices a peer is an end of. */
static u_int
circuit_count_peer(const uint8_t *id)
{
	struct circ_splice	*c;
	u_int			 n = 0;

	TAILQ_FOREACH(c, &circuit_splices, entry) {
		if (memcmp(c->src->remote_id, id, PEER_ID_LEN) == 0 ||
		    memcmp(c->dst->remote_id, id, PEER_ID_LEN) == 0)
			n++;
	}
	return (n);
}

/* CONNECT to a relay: splice a circuit to a peer with a reservation. */
static void
circuit_splice_new(struct session *s, struct rec_circuit *rc)
{
	struct circ_resv	*v;
	struct circ_splice	*c;
	u_int			 n = 0;
	uint8_t			 status = CIRC_OK;
	int			 contact;

	TAILQ_FOREACH(c, &circuit_splices, entry)
		n++;
	v = circuit_resv_find(rc->peer);
	if (!cfg_num(CFG_RELAY) || circuit_relayed(s))
		status = CIRC_DISABLED;
	else if (v == NULL || v->s == s)
		status = CIRC_NO_RESERVATION;
	else if (n >= (u_int)cfg_num(CFG_RELAY_CIRCUITS))
		status = CIRC_FULL;
	else if (circuit_count_peer(s->remote_id) >=
	    (u_int)cfg_num(CFG_RELAY_CIRCUITS_PER_PEER) ||
	    circuit_count_peer(rc->peer) >=
	    (u_int)cfg_num(CFG_RELAY_CIRCUITS_PER_PEER))
		status = CIRC_PEER_LIMIT;
	else if (circuit_id_used(s, rc->circuit))
		status = CIRC_REFUSED;
	if (status != CIRC_OK) {
		log_info("%s: refused %s: %s", __func__, peer_name(s->peer),
		    circuit_reason(status));
		circuit_refused++;
		circuit_send_code(s, REC_CIRCUIT_OPENED, rc->circuit, status);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->src = s;
	c->src_id = rc->circuit;
	c->dst = v->s;
	c->dst_id = circuit_new_id(v->s);
	contact = peer_contact(s->peer) || peer_contact(v->s->peer);
	c->limit = cfg_num(contact ? CFG_RELAY_CONTACT_BYTES :
	    CFG_RELAY_CIRCUIT_BYTES);
	c->asked = now_ms();
	c->deadline = c->asked + 1000 * cfg_num(contact ?
	    CFG_RELAY_CONTACT_SECONDS : CFG_RELAY_CIRCUIT_SECONDS);
	TAILQ_INSERT_TAIL(&circuit_splices, c, entry);
	circuit_wake();
	log_info("%s: circuit %08x from %s to %s", __func__, c->src_id,
	    peer_name(s->peer), peer_name(v->s->peer));
	circuit_send_connect(c->dst, c->dst_id, 1, s->remote_id);
}

/* The splice a record on a session names, or NULL; *from_src its side. */
static struct circ_splice *
circuit_splice_find(struct session *s, uint32_t id, int *from_src)
{
	struct circ_splice	*c;

	TAILQ_FOREACH(c, &circuit_splices, entry) {
		if (c->src == s && c->src_id == id) {
			*from_src = 1;
			return (c);
		}
		if (c->dst == s && c->dst_id == id) {
			*from_src = 0;
			return (c);
		}
	}
	return (NULL);
}

/* DATA through a splice: count it, and pass it on or close. */
static void
circuit_splice_data(struct circ_splice *c, int from_src, struct rec_circuit *rc)
{
	struct session	*to = from_src ? c->dst : c->src;
	uint32_t	 id = from_src ? c->dst_id : c->src_id;

	if (!c->open) {
		circuit_splice_free(c, CIRC_REFUSED);
		return;
	}
	c->bytes += rc->len;
	circuit_bytes += rc->len;
	if (c->bytes > c->limit) {
		circuit_splice_free(c, CIRC_LIMIT);
		return;
	}
	if (session_queued(to) > CIRCUIT_QUEUE_MAX) {
		circuit_splice_free(c, CIRC_SLOW);
		return;
	}
	circuit_send_data(to, id, rc->data, rc->len);
}

/* ---- At an end. ---- */

/* The end a record on a session names, or NULL. */
static struct circ_end *
circuit_end_find(struct session *s, uint32_t id)
{
	struct circ_end	*e;

	TAILQ_FOREACH(e, &circuit_ends, entry) {
		if (e->rs == s && e->id == id)
			return (e);
	}
	return (NULL);
}

/* Read from the pump into DATA records while the relay's session drains. */
static void
circuit_pump_read(struct bufferevent *bev, void *arg)
{
	struct circ_end	*e = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	u_char		 chunk[CIRCUIT_DATA_MAX];
	size_t		 n;

	while ((n = evbuffer_get_length(in)) != 0) {
		if (session_queued(e->rs) > CIRCUIT_QUEUE_MAX) {
			bufferevent_disable(bev, EV_READ);
			return;
		}
		if (n > sizeof chunk)
			n = sizeof chunk;
		evbuffer_remove(in, chunk, n);
		/* Under CIRCUIT_QUEUE_MAX: the send cannot close e->rs. */
		circuit_send_data(e->rs, e->id, chunk, n);
	}
}

/* The local session's end closed, or failed. */
static void
circuit_pump_event(struct bufferevent *bev, short what, void *arg)
{
	circuit_end_free(arg, CIRC_CLOSED);
}

/* Make the socketpair of an end and start a session on it. */
static int
circuit_end_start(struct circ_end *e)
{
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		log_warnx("%s: socketpair: %s", __func__, strerror(errno));
		return (-1);
	}
	evutil_make_socket_nonblocking(sv[0]);
	evutil_make_socket_nonblocking(sv[1]);
	e->pump = bufferevent_socket_new(node_base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE);
	if (e->pump == NULL) {
		close(sv[0]);
		close(sv[1]);
		return (-1);
	}
	bufferevent_setcb(e->pump, circuit_pump_read, NULL,
	    circuit_pump_event, e);
	bufferevent_setwatermark(e->pump, EV_READ, 0, CIRCUIT_DATA_MAX * 4);
	bufferevent_enable(e->pump, EV_READ|EV_WRITE);
	if ((e->local = session_attach(sv[1], e->initiator,
	    CIRCUIT_HOST)) == NULL)
		return (-1);
	session_ref(e->local);
	e->open = 1;
	return (0);
}

/* Make an end for a circuit on a relay's session. */
static struct circ_end *
circuit_end_new(struct session *rs, uint32_t id, const uint8_t *peer,
    int initiator)
{
	struct circ_end	*e;

	e = xcalloc(1, sizeof *e);
	e->rs = rs;
	e->id = id;
	memcpy(e->peer, peer, PEER_ID_LEN);
	e->initiator = initiator;
	e->deadline = now_ms() + CIRCUIT_ANSWER_MS;
	e->via = xstrdup(peer_name(rs->peer));
	TAILQ_INSERT_TAIL(&circuit_ends, e, entry);
	circuit_wake();
	return (e);
}

/* Free an end; tell the relay with a CLOSE of reason (-1 for none). */
static void
circuit_end_free(struct circ_end *e, int reason)
{
	struct session	*local = e->local;

	TAILQ_REMOVE(&circuit_ends, e, entry);
	if (reason >= 0 && e->rs != NULL && e->rs->state == SESSION_OPEN)
		circuit_send_code(e->rs, REC_CIRCUIT_CLOSE, e->id,
		    (uint8_t)reason);
	if (e->pump != NULL)
		bufferevent_free(e->pump);	/* the local session sees EOF */
	if (local != NULL) {
		if (local->state != SESSION_CLOSING)
			session_close(local, BYE_NORMAL, "circuit closed");
		session_unref(local);
	}
	free(e->via);
	free(e);
}

/* A circuit opened for a failed dial failed too: say so, once. */
static void
circuit_unreachable(struct circ_end *e, const char *reason,
    const char *detail)
{
	struct peer	*p;
	char		*where;

	if ((p = peer_find(e->peer)) == NULL)
		return;
	xasprintf(&where, "via %s", e->via);
	reach_unreachable(p, reason, detail, where);
	free(where);
}

/* Do we hold a reservation on the relay of this session? */
static int
circuit_reserved_on(struct session *s)
{
	struct circ_mine	*m;

	TAILQ_FOREACH(m, &circuit_mine, entry) {
		if (m->s == s && m->granted)
			return (1);
	}
	return (0);
}

/* CONNECT from a relay: a peer opens a circuit to us. */
static void
circuit_end_incoming(struct session *s, struct rec_circuit *rc)
{
	struct circ_end	*e;
	struct peer	*p = peer_find(rc->peer);
	u_int		 n = 0;

	TAILQ_FOREACH(e, &circuit_ends, entry)
		n++;
	if (!circuit_reserved_on(s) || n >= CIRCUIT_ENDS ||
	    memcmp(rc->peer, identity->ed_pk, PEER_ID_LEN) == 0 ||
	    (p != NULL && p->trust == TRUST_BLOCKED) ||
	    circuit_id_used(s, rc->circuit)) {
		circuit_send_code(s, REC_CIRCUIT_OPENED, rc->circuit,
		    CIRC_REFUSED);
		return;
	}
	e = circuit_end_new(s, rc->circuit, rc->peer, 0);
	if (circuit_end_start(e) != 0) {
		circuit_send_code(s, REC_CIRCUIT_OPENED, rc->circuit,
		    CIRC_REFUSED);
		circuit_end_free(e, -1);
		return;
	}
	log_info("%s: circuit %08x from %.16s via %s", __func__, e->id,
	    p != NULL ? p->hex : "a new peer", e->via);
	circuit_send_code(s, REC_CIRCUIT_OPENED, rc->circuit, CIRC_OK);
}

/* CONNECT: to a relay (role 0) or from one (role 1). */
int
circuit_connect_record(struct session *s, struct record *r)
{
	if (r->u.circuit.code == 0)
		circuit_splice_new(s, &r->u.circuit);
	else
		circuit_end_incoming(s, &r->u.circuit);
	return (0);
}

/* OPENED: the answer to a CONNECT we sent (as relay, or as an end). */
int
circuit_opened_record(struct session *s, struct record *r)
{
	struct rec_circuit	*rc = &r->u.circuit;
	struct circ_splice	*c;
	struct circ_end		*e;
	int			 from_src;

	c = circuit_splice_find(s, rc->circuit, &from_src);
	if (c != NULL && !from_src && !c->open) {
		if (rc->code != CIRC_OK) {
			circuit_refused++;
			circuit_splice_free(c, CIRC_REFUSED);
			return (0);
		}
		c->open = 1;
		circuit_spliced++;
		circuit_send_code(c->src, REC_CIRCUIT_OPENED, c->src_id,
		    CIRC_OK);
		return (0);
	}
	if ((e = circuit_end_find(s, rc->circuit)) == NULL || e->open ||
	    !e->initiator)
		return (0);
	if (rc->code != CIRC_OK) {
		if (e->user == CIRCUIT_BY_USER)
			fe_errorf("%s refused a circuit: %s", e->via,
			    circuit_reason(rc->code));
		else if (e->user == CIRCUIT_BY_DIAL)
			circuit_unreachable(e, "refused",
			    circuit_reason(rc->code));
		else
			log_info("%s: %s refused a circuit: %s", __func__,
			    e->via, circuit_reason(rc->code));
		circuit_end_free(e, -1);
		return (0);
	}
	if (circuit_end_start(e) != 0)
		circuit_end_free(e, CIRC_CLOSED);
	return (0);
}

/* DATA: through a splice, or into an end's socketpair. */
int
circuit_data_record(struct session *s, struct record *r)
{
	struct rec_circuit	*rc = &r->u.circuit;
	struct circ_splice	*c;
	struct circ_end		*e;
	int			 from_src;

	if ((c = circuit_splice_find(s, rc->circuit, &from_src)) != NULL) {
		circuit_splice_data(c, from_src, rc);
		return (0);
	}
	if ((e = circuit_end_find(s, rc->circuit)) == NULL)
		return (0);	/* closed meanwhile */
	if (!e->open || evbuffer_get_length(bufferevent_get_output(e->pump)) >
	    CIRCUIT_PUMP_MAX) {
		circuit_end_free(e, e->open ? CIRC_SLOW : CIRC_REFUSED);
		return (0);
	}
	bufferevent_write(e->pump, rc->data, rc->len);
	return (0);
}

/* CLOSE: pass it on through a splice, or end our circuit. */
int
circuit_close_record(struct session *s, struct record *r)
{
	struct rec_circuit	*rc = &r->u.circuit;
	struct circ_splice	*c;
	struct circ_end		*e;
	int			 from_src;

	if ((c = circuit_splice_find(s, rc->circuit, &from_src)) != NULL) {
		if (from_src)
			c->src = NULL;
		else
			c->dst = NULL;
		circuit_splice_free(c, rc->code);
		return (0);
	}
	if ((e = circuit_end_find(s, rc->circuit)) != NULL) {
		log_info("%s: circuit %08x via %s: %s", __func__, e->id,
		    e->via, circuit_reason(rc->code));
		circuit_end_free(e, -1);
	}
	return (0);
}

/* ---- Reservations a node holds. ---- */

/* Should we ask this peer for a reservation? */
static int
circuit_want(struct session *s)
{
	struct circ_mine	*m;
	u_int			 i, n = 0;

	if (circuit_relayed(s))
		return (0);
	TAILQ_FOREACH(m, &circuit_mine, entry)
		n++;
	if (n >= CIRCUIT_MINE)
		return (0);
	if (cfg_list_count(CFG_RELAYS) == 0)
		return ((s->features & FEATURE_RELAY) != 0);
	for (i = 0; i < cfg_list_count(CFG_RELAYS); i++) {
		if (s->dial != NULL &&
		    strcmp(cfg_list_get(CFG_RELAYS, i), s->dial) == 0)
			return (1);
	}
	return (0);
}

/* Ask a relay for a reservation (or its renewal). */
static void
circuit_ask(struct circ_mine *m)
{
	struct buf	b;

	m->renew = now_ms() + CIRCUIT_ANSWER_MS;	/* ask again then */
	buf_init(&b);
	buf_put_u8(&b, REC_CIRCUIT_RESERVE);
	session_send_buf(m->s, &b);
	buf_free(&b);
}

/* RESERVED: the relay's answer. */
int
circuit_reserved_record(struct session *s, struct record *r)
{
	struct rec_circuit	*rc = &r->u.circuit;
	struct circ_mine	*m;
	struct session		*t;

	TAILQ_FOREACH(m, &circuit_mine, entry) {
		if (m->s == s)
			break;
	}
	if (m == NULL)
		return (0);
	if (rc->code != CIRC_OK || rc->seconds == 0) {
		log_info("%s: %s: %s", __func__, peer_name(s->peer),
		    circuit_reason(rc->code));
		TAILQ_REMOVE(&circuit_mine, m, entry);
		free(m);
		reach_update();
		return (0);
	}
	m->renew = now_ms() + (int64_t)rc->seconds * 500;
	if (m->granted)
		return (0);
	log_info("%s: reachable via %s", __func__, peer_name(s->peer));
	m->granted = 1;
	reach_update();
	TAILQ_FOREACH(t, &sessions, entry) {
		if (t->state == SESSION_OPEN && t != s)
			circuit_send_via(t);
	}
	return (0);
}

/* The relays we hold a reservation on, as a CIRCUIT_VIA for a session. */
static void
circuit_send_via(struct session *to)
{
	struct circ_mine	*m;
	struct buf		 b;
	u_char			 a[16];
	u_short			 port;
	int			 fam;
	uint8_t			 n = 0;

	buf_init(&b);
	buf_put_u8(&b, REC_CIRCUIT_VIA);
	buf_put_u8(&b, 0);
	TAILQ_FOREACH(m, &circuit_mine, entry) {
		if (!m->granted || m->s == to || n == 2)
			continue;
		port = m->s->initiator ? m->s->port : m->s->listen_port;
		if (inet_pton(AF_INET, m->s->host, a) == 1)
			fam = 4;
		else if (inet_pton(AF_INET6, m->s->host, a) == 1)
			fam = 6;
		else
			continue;
		if (port == 0)
			continue;
		buf_put(&b, m->s->remote_id, PEER_ID_LEN);
		buf_put_u8(&b, (uint8_t)fam);
		buf_put(&b, a, fam == 4 ? 4 : 16);
		buf_put_u16(&b, port);
		n++;
	}
	b.d[1] = n;
	if (n != 0)
		session_send_buf(to, &b);
	buf_free(&b);
}

/* The relays known for a peer, or NULL. */
static struct circ_via *
circuit_via_find(const uint8_t *id)
{
	struct circ_via	*v;

	TAILQ_FOREACH(v, &circuit_vias, entry) {
		if (memcmp(v->peer, id, PEER_ID_LEN) == 0)
			return (v);
	}
	return (NULL);
}

/*
 * VIA: a peer says which relays it may be reached through. One entry a
 * peer, the last it sent; CIRCUIT_VIAS in all, the oldest dropped first.
 */
int
circuit_via_record(struct session *s, struct record *r)
{
	struct rec_circuit	*rc = &r->u.circuit;
	struct circ_via		*v;
	const u_char		*p = rc->via;
	u_int			 i;

	if ((v = circuit_via_find(s->remote_id)) == NULL) {
		if (circuit_nvias == CIRCUIT_VIAS) {
			v = TAILQ_FIRST(&circuit_vias);
			TAILQ_REMOVE(&circuit_vias, v, entry);
			circuit_nvias--;
		} else
			v = xmalloc(sizeof *v);
		memset(v, 0, sizeof *v);
		memcpy(v->peer, s->remote_id, PEER_ID_LEN);
		TAILQ_INSERT_TAIL(&circuit_vias, v, entry);
		circuit_wake();
		circuit_nvias++;
	}
	v->n = 0;
	for (i = 0; i < rc->nvia; i++) {
		if (memcmp(p, identity->ed_pk, PEER_ID_LEN) != 0 &&
		    memcmp(p, s->remote_id, PEER_ID_LEN) != 0)
			memcpy(v->relay[v->n++], p, PEER_ID_LEN);
		p += PEER_ID_LEN;
		p += 1 + (*p == 4 ? 4 : 16) + 2;
	}
	log_debug("%s: %s names %u relays", __func__, peer_name(s->peer),
	    v->n);
	return (0);
}

/* Open a circuit to a peer that named its relays, if one is connected. */
static void
circuit_retry(struct circ_via *v, int64_t now)
{
	struct peer	*p = peer_find(v->peer), *rp;
	struct circ_end	*e;
	char		*cause;
	u_int		 i, ms;

	if (p != NULL && (p->session != NULL || p->trust == TRUST_BLOCKED))
		return;
	if (now < v->next_try)
		return;
	TAILQ_FOREACH(e, &circuit_ends, entry) {
		if (memcmp(e->peer, v->peer, PEER_ID_LEN) == 0)
			return;
	}
	for (i = 0; i < v->n; i++) {
		rp = peer_find(v->relay[i]);
		if (rp == NULL || rp->session == NULL ||
		    rp->session->state != SESSION_OPEN ||
		    circuit_relayed(rp->session))
			continue;
		ms = 1000U << (v->tries < 6 ? v->tries : 6);
		v->next_try = now + (ms < CIRCUIT_RETRY_MAX_MS ? ms :
		    CIRCUIT_RETRY_MAX_MS);
		v->tries++;
		if (circuit_start(rp, v->peer, CIRCUIT_BY_RETRY,
		    &cause) != 0) {
			log_debug("%s: %s", __func__, cause);
			free(cause);
		}
		return;
	}
}

/* ---- Hooks and commands. ---- */

/* Open a circuit through a relay to a peer id, for one of CIRCUIT_BY_*. */
static int
circuit_start(struct peer *relay, const uint8_t *target, int user,
    char **cause)
{
	struct session	*rs = relay->session;
	struct peer	*p = peer_find(target);
	struct circ_end	*e;
	u_int		 n = 0;

	if (rs == NULL || rs->state != SESSION_OPEN || circuit_relayed(rs)) {
		xasprintf(cause, "%s: no direct session", peer_name(relay));
		return (-1);
	}
	if (memcmp(target, identity->ed_pk, PEER_ID_LEN) == 0 ||
	    memcmp(target, relay->id, PEER_ID_LEN) == 0) {
		xasprintf(cause, "not through %s to itself or to us",
		    peer_name(relay));
		return (-1);
	}
	if (p != NULL && peer_online(p)) {
		xasprintf(cause, "%s is online already", peer_name(p));
		return (-1);
	}
	TAILQ_FOREACH(e, &circuit_ends, entry)
		n++;
	if (n >= CIRCUIT_ENDS) {
		xasprintf(cause, "too many circuits (%u)", n);
		return (-1);
	}
	e = circuit_end_new(rs, circuit_new_id(rs), target, 1);
	e->user = user;
	circuit_send_connect(rs, e->id, 0, target);
	return (0);
}

/*
 * Open a circuit through the relay peer to the peer with id target, for
 * the user; the session opens when the relay answers.
 */
int
circuit_open(struct peer *relay, const uint8_t *target, char **cause)
{
	return (circuit_start(relay, target, CIRCUIT_BY_USER, cause));
}

/* Is a relay's peer connected directly, so that it can carry a circuit? */
static int
circuit_relay_up(struct peer *rp)
{
	return (rp != NULL && rp->session != NULL &&
	    rp->session->state == SESSION_OPEN &&
	    !circuit_relayed(rp->session));
}

/*
 * A direct dial of a peer at addr failed: open a circuit through one of
 * its relays at once, or say that none can carry one.
 */
static void
circuit_dial_failed(struct peer *p, const char *addr, const char *why)
{
	struct circ_via	*v;
	struct circ_end	*e;
	struct peer	*rp;
	char		*cause;
	u_int		 i;

	if (p->session != NULL || p->trust == TRUST_BLOCKED)
		return;
	TAILQ_FOREACH(e, &circuit_ends, entry) {
		if (memcmp(e->peer, p->id, PEER_ID_LEN) == 0)
			return;		/* one is on its way */
	}
	if ((v = circuit_via_find(p->id)) != NULL) {
		for (i = 0; i < v->n; i++) {
			rp = peer_find(v->relay[i]);
			if (!circuit_relay_up(rp))
				continue;
			if (circuit_start(rp, p->id, CIRCUIT_BY_DIAL,
			    &cause) != 0) {
				log_debug("%s: %s", __func__, cause);
				free(cause);
				continue;
			}
			log_info("%s: %s: %s; a circuit via %s", __func__,
			    addr, why, peer_name(rp));
			return;
		}
	}
	reach_unreachable(p, "no relay", reach_dial_word(why), addr);
}

/* The name of the first relay that holds a reservation for us, or NULL. */
const char *
circuit_relay_name(void)
{
	struct circ_mine	*m;

	TAILQ_FOREACH(m, &circuit_mine, entry) {
		if (m->granted)
			return (peer_name(m->s->peer));
	}
	return (NULL);
}

/* The relay a peer's session runs through, or NULL. */
const char *
circuit_via(struct peer *p)
{
	struct circ_end	*e;

	if (p->session == NULL)
		return (NULL);
	TAILQ_FOREACH(e, &circuit_ends, entry) {
		if (e->local == p->session)
			return (e->via);
	}
	return (NULL);
}

/* /connect-via RELAY PEERID */
int
cmd_connect_via(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct peer	*relay, *p;
	uint8_t		 id[PEER_ID_LEN];

	if ((relay = peer_resolve(argv[0], cause)) == NULL)
		return (-1);
	if (strlen(argv[1]) == PEER_HEX_LEN &&
	    hex_decode(argv[1], id, sizeof id) == 0)
		;
	else if ((p = peer_resolve(argv[1], cause)) != NULL)
		memcpy(id, p->id, PEER_ID_LEN);
	else
		return (-1);
	return (circuit_open(relay, id, cause));
}

/* A session opened: a relayed one is checked and named, a relay asked. */
static void
circuit_session_open(struct session *s)
{
	struct circ_end		*e;
	struct circ_mine	*m;
	struct circ_via		*v;

	TAILQ_FOREACH(e, &circuit_ends, entry) {
		if (e->local == s)
			break;
	}
	if (e != NULL) {
		if (memcmp(s->remote_id, e->peer, PEER_ID_LEN) != 0) {
			log_info("%s: circuit %08x via %s reached another "
			    "peer", __func__, e->id, e->via);
			session_close(s, BYE_PROTOCOL, "not the peer asked");
			return;
		}
		free(s->peer->addr);
		xasprintf(&s->peer->addr, "via %s", e->via);
		log_info("%s: %s online via %s", __func__, peer_name(s->peer),
		    e->via);
		fe->peer(s->peer);
		if ((v = circuit_via_find(s->remote_id)) != NULL)
			v->tries = 0;
		circuit_send_via(s);
		return;
	}
	circuit_send_via(s);
	if (circuit_want(s)) {
		m = xcalloc(1, sizeof *m);
		m->s = s;
		TAILQ_INSERT_TAIL(&circuit_mine, m, entry);
		circuit_wake();
		circuit_ask(m);
	}
}

/* An open session closed: drop what refers to it. */
static void
circuit_session_closed(struct session *s)
{
	struct circ_resv	*v, *v1;
	struct circ_splice	*c, *c1;
	struct circ_end		*e, *e1;
	struct circ_mine	*m, *m1;

	TAILQ_FOREACH_SAFE(m, &circuit_mine, entry, m1) {
		if (m->s == s) {
			TAILQ_REMOVE(&circuit_mine, m, entry);
			free(m);
			reach_update();
		}
	}
	TAILQ_FOREACH_SAFE(v, &circuit_resvs, entry, v1) {
		if (v->s == s) {
			TAILQ_REMOVE(&circuit_resvs, v, entry);
			free(v);
		}
	}
	TAILQ_FOREACH_SAFE(c, &circuit_splices, entry, c1) {
		if (c->src == s || c->dst == s) {
			if (c->src == s)
				c->src = NULL;
			else
				c->dst = NULL;
			circuit_splice_free(c, CIRC_CLOSED);
		}
	}
	TAILQ_FOREACH_SAFE(e, &circuit_ends, entry, e1) {
		if (e->rs == s)
			e->rs = NULL;
		if (e->rs == NULL || e->local == s)
			circuit_end_free(e, CIRC_CLOSED);
	}
}

/* A session's output drained: pump what waits for the relay. */
static void
circuit_session_drained(struct session *s)
{
	struct circ_end	*e, *e1;

	TAILQ_FOREACH_SAFE(e, &circuit_ends, entry, e1) {
		if (e->rs == s && e->pump != NULL) {
			bufferevent_enable(e->pump, EV_READ);
			circuit_pump_read(e->pump, e);
		}
	}
}

/*
 * Run the tick (if it sleeps): something now waits for it. With nothing
 * to expire, time out or renew it sleeps, so an idle node uses no CPU.
 */
static void
circuit_wake(void)
{
	if (circuit_timer != NULL && !evtimer_pending(circuit_timer, NULL))
		timer_add_ms(circuit_timer, CIRCUIT_TICK_MS);
}

/* Once a second: expire, time out, renew. */
static void
circuit_tick(evutil_socket_t fd, short what, void *arg)
{
	struct circ_resv	*v, *v1;
	struct circ_splice	*c, *c1;
	struct circ_end		*e, *e1;
	struct circ_mine	*m;
	struct circ_via		*w;
	int64_t			 now = now_ms();

	TAILQ_FOREACH_SAFE(v, &circuit_resvs, entry, v1) {
		if (now >= v->expires) {
			TAILQ_REMOVE(&circuit_resvs, v, entry);
			free(v);
		}
	}
	TAILQ_FOREACH_SAFE(c, &circuit_splices, entry, c1) {
		if (now >= c->deadline)
			circuit_splice_free(c, CIRC_LIMIT);
		else if (!c->open && now >= c->asked + CIRCUIT_ANSWER_MS)
			circuit_splice_free(c, CIRC_REFUSED);
	}
	TAILQ_FOREACH_SAFE(e, &circuit_ends, entry, e1) {
		if (!e->open && now >= e->deadline) {
			if (e->user == CIRCUIT_BY_USER)
				fe_errorf("%s did not answer a circuit",
				    e->via);
			else if (e->user == CIRCUIT_BY_DIAL)
				circuit_unreachable(e, "timed out",
				    "the relay did not answer");
			circuit_end_free(e, CIRC_CLOSED);
		}
	}
	TAILQ_FOREACH(m, &circuit_mine, entry) {
		if (now >= m->renew)
			circuit_ask(m);
	}
	TAILQ_FOREACH(w, &circuit_vias, entry)
		circuit_retry(w, now);
	if (TAILQ_EMPTY(&circuit_resvs) && TAILQ_EMPTY(&circuit_splices) &&
	    TAILQ_EMPTY(&circuit_ends) && TAILQ_EMPTY(&circuit_mine) &&
	    TAILQ_EMPTY(&circuit_vias))
		return;
	timer_add_ms(circuit_timer, CIRCUIT_TICK_MS);
}

/* Say in HELLO whether we relay, and start the timer. */
static void
circuit_init(void)
{
	if (cfg_num(CFG_RELAY))
		session_features |= FEATURE_RELAY;
	circuit_timer = evtimer_new(node_base, circuit_tick, NULL);
}

/* Free everything at exit. */
static void
circuit_shutdown(void)
{
	struct circ_resv	*v;
	struct circ_splice	*c;
	struct circ_end		*e;
	struct circ_mine	*m;
	struct circ_via		*w;

	while ((e = TAILQ_FIRST(&circuit_ends)) != NULL)
		circuit_end_free(e, -1);
	while ((c = TAILQ_FIRST(&circuit_splices)) != NULL) {
		TAILQ_REMOVE(&circuit_splices, c, entry);
		free(c);
	}
	while ((v = TAILQ_FIRST(&circuit_resvs)) != NULL) {
		TAILQ_REMOVE(&circuit_resvs, v, entry);
		free(v);
	}
	while ((m = TAILQ_FIRST(&circuit_mine)) != NULL) {
		TAILQ_REMOVE(&circuit_mine, m, entry);
		free(m);
	}
	while ((w = TAILQ_FIRST(&circuit_vias)) != NULL) {
		TAILQ_REMOVE(&circuit_vias, w, entry);
		free(w);
	}
	circuit_nvias = 0;
	if (circuit_timer != NULL)
		event_free(circuit_timer);
	circuit_timer = NULL;
}

/* The relay's counters, for /stats. */
static void
circuit_stats(struct stats *st)
{
	struct circ_resv	*v;
	struct circ_splice	*c;
	struct circ_end		*e;
	u_int			 nv = 0, nc = 0, ne = 0;

	TAILQ_FOREACH(v, &circuit_resvs, entry)
		nv++;
	TAILQ_FOREACH(c, &circuit_splices, entry)
		nc += c->open;
	TAILQ_FOREACH(e, &circuit_ends, entry)
		ne += e->open;
	stats_add(st, "circuit_reservations", nv);
	stats_add(st, "circuit_splices", nc);
	stats_add(st, "circuit_splices_total", circuit_spliced);
	stats_add(st, "circuit_refused", circuit_refused);
	stats_add(st, "circuit_bytes", (long long)circuit_bytes);
	stats_add(st, "circuit_ends", ne);
}

const struct module circuit_module = {
	.name = "circuit",
	.init = circuit_init,
	.session_open = circuit_session_open,
	.session_closed = circuit_session_closed,
	.session_drained = circuit_session_drained,
	.shutdown = circuit_shutdown,
	.stats = circuit_stats,
	.dial_failed = circuit_dial_failed,
};
