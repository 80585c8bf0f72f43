/*
 * reach.c: reachability. Each side of a session tells the other, in an
 * OBSERVED record, the address and port it sees the connection come from.
 * A node keeps the last REACH_REPORTS reports; an address that peers in two
 * different /16 (IPv6: /48) networks report is a candidate for this node's
 * public address.
 *
 * Dial-back: a node asks a peer (DIALBACK) to dial it at the address that
 * peer reported, with a nonce. The peer dials only the asker's own IP as
 * its session sees it, at most a few times a minute for one peer or one
 * address and in all. The fresh connection is a probe, kept aside (never
 * the peer's session): it says HELLO, then DIALBACK_PROOF with the nonce,
 * and closes. The peer answers DIALBACK_RESULT on the asking session. A
 * proof that arrives makes the address this node's public one; a peer
 * that found nothing there makes it "behind NAT". A peer whose listen port
 * a probe of ours reached may be handed out by peer exchange (pex.c).
 *
 * A peer that cannot be reached by any means (its direct dial failed and
 * no relay could carry a circuit to it) is said once on the screen and as
 * an `unreachable` event, with the reason; again only for an address or a
 * relay not told yet, or after the peer was seen again.
 * See p2pchat-protocol(7).
 */

#include "p2pchat.h"

#include <arpa/inet.h>

#define REACH_REPORTS	16
#define REACH_WAIT_MS		15000	/* for a result and the proof */
#define REACH_ASKS		8	/* dial-backs we wait for at once */
#define REACH_ASKS_MINUTE	16	/* dial-backs we ask for, a minute */
#define REACH_ASKS_SESSION	8	/* DIALBACKs a session gets answered */
#define REACH_DIALS_PEER	3	/* dial-backs a minute for one peer */
#define REACH_DIALS_ALL		30	/* and in all */
#define REACH_PROBES		8	/* probes at once */
#define REACH_RECENT		32	/* dial-backs remembered for the pace */
#define REACH_REACHED		64	/* listen ports reached, remembered */
#define REACH_TOLD		256	/* peers told unreachable, remembered */
#define REACH_TOLD_KEYS		4	/* addresses or relays told, a peer */
#define REACH_RELAY_COLS	16	/* of a relay's name, in the words */

enum reach_state {
	REACH_UNKNOWN,
	REACH_NAT,
	REACH_PUBLIC,
};
static enum reach_state		reach_state;
static char			reach_public[INET6_ADDRSTRLEN + 8];
static char			reach_text[INET6_ADDRSTRLEN + 96];
static char			reach_shown[sizeof reach_text]; /* last told */

/* Peers said to be unreachable, and where (an address, or "via R"). */
static struct reach_told {
	uint8_t		 peer[PEER_ID_LEN];
	int		 used;
	char		 key[REACH_TOLD_KEYS][INET6_ADDRSTRLEN + 72];
	u_int		 nkeys;
} reach_told[REACH_TOLD];
static u_int			reach_ntold;
static u_long			reach_stat_unreachable;

/* The dial-backs we asked for, one a peer. */
static struct reach_ask {
	int		 active;
	uint8_t		 nonce[DIALBACK_NONCE_LEN];
	uint8_t		 peer[PEER_ID_LEN];	/* asked of */
	char		 host[INET6_ADDRSTRLEN];
	u_short		 port;
	int		 ok;			/* the peer says it reached us */
	struct event	*timer;
} reach_asks[REACH_ASKS];
static int64_t			reach_asked[REACH_ASKS_MINUTE]; /* mono ms */

/* A probe: our dial-back to a peer that asked. */
struct reach_probe {
	struct session	*s;
	uint8_t		 nonce[DIALBACK_NONCE_LEN];
	uint8_t		 asker[PEER_ID_LEN];
	char		 host[INET6_ADDRSTRLEN];
	u_short		 port;
	int		 done;
	LIST_ENTRY(reach_probe) entry;
};
static LIST_HEAD(, reach_probe)	reach_probes =
    LIST_HEAD_INITIALIZER(reach_probes);
static u_int			reach_nprobes;

/* Dial-backs made lately, for the pace. */
static struct {
	int64_t		 when;		/* mono ms, 0 for none */
	uint8_t		 peer[PEER_ID_LEN];
	char		 host[INET6_ADDRSTRLEN];
} reach_recent[REACH_RECENT];
static u_int			reach_nrecent;

/* Listen ports our probes reached. */
static struct {
	uint8_t		 peer[PEER_ID_LEN];
	char		 host[INET6_ADDRSTRLEN];
	u_short		 port;
} reach_done[REACH_REACHED];
static u_int			reach_ndone;

static u_long	reach_stat_asked, reach_stat_proved, reach_stat_failed;
static u_long	reach_stat_dialled, reach_stat_refused, reach_stat_busy;

static void	reach_ask_for(struct session *, const char *);
static struct reach_told *reach_told_find(const uint8_t *, int);

struct reach_report {
	struct rec_observed	 seen;		/* what the peer saw */
	uint8_t			 net[6];	/* the reporter's /16 or /48 */
};
static struct reach_report	reach_reports[REACH_REPORTS];
static u_int			reach_nreports;	/* all time */

/* The network prefix of a session's peer: /16 of IPv4, /48 of IPv6. */
static void
reach_net(const struct session *s, uint8_t *net)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	memset(net, 0, 6);
	if (inet_pton(AF_INET, s->host, &a4) == 1)
		memcpy(net, &a4, 2);
	else if (inet_pton(AF_INET6, s->host, &a6) == 1)
		memcpy(net, &a6, 6);
}

/* A session opened: tell the peer where we see it connect from. */
static void
reach_session_open(struct session *s)
{
	struct in_addr		 a4;
	struct in6_addr		 a6;
	struct buf		 b;
	struct reach_told	*rt;

	if ((rt = reach_told_find(s->remote_id, 0)) != NULL)
		rt->used = 0;	/* seen again: tell again */
	buf_init(&b);
	buf_put_u8(&b, REC_OBSERVED);
	if (inet_pton(AF_INET, s->host, &a4) == 1) {
		buf_put_u8(&b, 4);
		buf_put(&b, &a4, 4);
	} else if (inet_pton(AF_INET6, s->host, &a6) == 1) {
		buf_put_u8(&b, 6);
		buf_put(&b, &a6, 16);
	} else {
		buf_free(&b);
		return;
	}
	buf_put_u16(&b, s->port);
	session_send_buf(s, &b);
	buf_free(&b);
}

/* OBSERVED: a peer says where it sees us; keep the report. */
int
reach_observed_record(struct session *s, struct record *r)
{
	struct reach_report	*rr;
	char			 host[INET6_ADDRSTRLEN];

	rr = &reach_reports[reach_nreports++ % REACH_REPORTS];
	rr->seen = r->u.observed;
	reach_net(s, rr->net);
	inet_ntop(rr->seen.family == 4 ? AF_INET : AF_INET6, rr->seen.addr,
	    host, sizeof host);
	log_debug("%s: %s sees us at %s port %u", __func__,
	    peer_name(s->peer), host, rr->seen.port);
	reach_ask_for(s, host);
	return (0);
}

/*
 * How many of the kept reports name an address (not a port: a NAT may map
 * each connection to another) that peers in two different networks gave.
 */
static u_int
reach_candidates(void)
{
	u_int	i, j, n = 0, have;

	have = reach_nreports < REACH_REPORTS ? reach_nreports : REACH_REPORTS;
	for (i = 0; i < have; i++) {
		for (j = 0; j < have; j++) {
			if (reach_reports[i].seen.family !=
			    reach_reports[j].seen.family ||
			    memcmp(reach_reports[i].seen.addr,
			    reach_reports[j].seen.addr, 16) != 0 ||
			    memcmp(reach_reports[i].net, reach_reports[j].net,
			    6) == 0)
				continue;
			n++;
			break;
		}
	}
	return (n);
}

/*
 * The address a peer saw us at last (unconfirmed): its family (4 or 6) into *family and its bytes
 * into addr (16). Returns -1 if no peer has said.
 */
int
reach_observed(uint8_t *family, uint8_t *addr)
{
	const struct rec_observed	*o;

	if (reach_nreports == 0)
		return (-1);
	o = &reach_reports[(reach_nreports - 1) % REACH_REPORTS].seen;
	*family = o->family;
	memcpy(addr, o->addr, 16);
	return (0);
}

/*
 * The reach state in words: "public ADDR:PORT", "behind NAT", "behind NAT
 * (via relay R)" while a relay holds a reservation for us, or "unknown".
 */
const char *
reach_word(void)
{
	const char	*relay;

	switch (reach_state) {
	case REACH_PUBLIC:
		xsnprintf(reach_text, sizeof reach_text, "public %s",
		    reach_public);
		return (reach_text);
	case REACH_NAT:
		if ((relay = circuit_relay_name()) == NULL)
			return ("behind NAT");
		xsnprintf(reach_text, sizeof reach_text,
		    "behind NAT (via relay %.*s)",
		    (int)utf8_cut(relay, strlen(relay), REACH_RELAY_COLS),
		    relay);
		return (reach_text);
	default:
		return ("unknown");
	}
}

/* Tell the frontend the reach words if they changed since last told. */
void
reach_update(void)
{
	struct fe_kv	 kv[1];

	if (strcmp(reach_shown, reach_word()) == 0)
		return;
	xsnprintf(reach_shown, sizeof reach_shown, "%s", reach_word());
	log_info("%s: reach is %s", __func__, reach_shown);
	kv[0] = (struct fe_kv){ "reach", reach_shown, 0 };
	fe->item("reach", kv, 1);
}

/* Change the reach state; tell the frontend when it changed. */
static void
reach_set(enum reach_state state, const char *host, u_short port)
{
	reach_state = state;
	if (state == REACH_PUBLIC) {
		if (strchr(host, ':') != NULL)
			xsnprintf(reach_public, sizeof reach_public, "[%s]:%u",
			    host, port);
		else
			xsnprintf(reach_public, sizeof reach_public, "%s:%u",
			    host, port);
	}
	reach_update();
}

/* Put an address as family, bytes; 0, or -1 if host is not numeric. */
static int
reach_put_addr(struct buf *b, const char *host)
{
	uint8_t	a[16];

	if (inet_pton(AF_INET, host, a) == 1) {
		buf_put_u8(b, 4);
		buf_put(b, a, 4);
	} else if (inet_pton(AF_INET6, host, a) == 1) {
		buf_put_u8(b, 6);
		buf_put(b, a, 16);
	} else
		return (-1);
	return (0);
}

/* Does the session's peer IP equal family/addr? */
static int
reach_same_host(const char *host, uint8_t family, const uint8_t *addr)
{
	uint8_t	a[16];

	if (family == 4)
		return (inet_pton(AF_INET, host, a) == 1 &&
		    memcmp(a, addr, 4) == 0);
	return (inet_pton(AF_INET6, host, a) == 1 && memcmp(a, addr, 16) == 0);
}

/* Our dial-back request waiting on a peer, or NULL. */
static struct reach_ask *
reach_ask_find(const uint8_t *peer)
{
	u_int	i;

	for (i = 0; i < REACH_ASKS; i++) {
		if (reach_asks[i].active &&
		    memcmp(reach_asks[i].peer, peer, PEER_ID_LEN) == 0)
			return (&reach_asks[i]);
	}
	return (NULL);
}

/* Our dial-back came to nothing in time: forget it. */
static void
reach_ask_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reach_ask	*ask = arg;

	if (!ask->active)
		return;
	ask->active = 0;
	if (ask->ok)
		log_info("%s: a dial-back said it reached us, no proof came",
		    __func__);
	if (ask->ok && reach_state != REACH_PUBLIC)
		reach_set(REACH_NAT, NULL, 0);
}

/* Ask the peer of a session to dial us back at host, our listen port. */
static void
reach_ask_for(struct session *s, const char *host)
{
	struct buf		 b;
	int64_t			 now = mono_us() / 1000;
	u_int			 i;
	struct reach_ask	*ask = NULL;
	u_int			 j;

	if (node_listen_port() == 0 || s->peer == NULL ||
	    reach_ask_find(s->remote_id) != NULL)
		return;
	for (j = 0; j < REACH_ASKS; j++) {
		if (!reach_asks[j].active) {
			ask = &reach_asks[j];
			break;
		}
	}
	if (ask == NULL)
		return;
	for (i = 0; i < REACH_ASKS_MINUTE; i++) {
		if (reach_asked[i] == 0 || now - reach_asked[i] >= 60000)
			break;
	}
	if (i == REACH_ASKS_MINUTE)
		return;
	buf_init(&b);
	buf_put_u8(&b, REC_DIALBACK);
	random_id(ask->nonce, sizeof ask->nonce);
	buf_put(&b, ask->nonce, sizeof ask->nonce);
	if (reach_put_addr(&b, host) != 0) {
		buf_free(&b);
		return;
	}
	buf_put_u16(&b, node_listen_port());
	reach_asked[i] = now;
	ask->active = 1;
	ask->ok = 0;
	memcpy(ask->peer, s->remote_id, PEER_ID_LEN);
	xsnprintf(ask->host, sizeof ask->host, "%s", host);
	ask->port = node_listen_port();
	timer_add_ms(ask->timer, REACH_WAIT_MS);
	reach_stat_asked++;
	log_debug("%s: asking %s to dial us at %s port %u", __func__,
	    peer_name(s->peer), host, ask->port);
	session_send_buf(s, &b);
	buf_free(&b);
}

/* Answer a DIALBACK with a DIALBACK_RESULT. */
static void
reach_answer(struct session *s, const uint8_t *nonce, uint8_t status)
{
	struct buf	b;

	buf_init(&b);
	buf_put_u8(&b, REC_DIALBACK_RESULT);
	buf_put(&b, nonce, DIALBACK_NONCE_LEN);
	buf_put_u8(&b, status);
	session_send_buf(s, &b);
	buf_free(&b);
}

/* Tell the asker of a probe how it went, on its session if still open. */
static void
reach_probe_result(struct reach_probe *pr, uint8_t status)
{
	struct peer	*p;

	pr->done = 1;
	if ((p = peer_find(pr->asker)) != NULL && p->session != NULL &&
	    p->session->state == SESSION_OPEN)
		reach_answer(p->session, pr->nonce, status);
}

/* Within the pace? Counts dial-backs of the last minute. */
static int
reach_paced(const uint8_t *peer, const char *host)
{
	int64_t	now = mono_us() / 1000;
	u_int	i, by_peer = 0, all = 0;

	if (reach_nprobes >= REACH_PROBES)
		return (0);
	for (i = 0; i < REACH_RECENT; i++) {
		if (reach_recent[i].when == 0 ||
		    now - reach_recent[i].when >= 60000)
			continue;
		all++;
		if (memcmp(reach_recent[i].peer, peer, PEER_ID_LEN) == 0)
			by_peer++;
	}
	if (all >= REACH_DIALS_ALL || by_peer >= REACH_DIALS_PEER)
		return (0);
	i = reach_nrecent++ % REACH_RECENT;
	reach_recent[i].when = now;
	memcpy(reach_recent[i].peer, peer, PEER_ID_LEN);
	xsnprintf(reach_recent[i].host, sizeof reach_recent[i].host, "%s",
	    host);
	return (1);
}

/* Dial a probe to the asker at host:port; NULL if it cannot start. */
static struct session *
reach_probe_dial(const char *host, u_short port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct session		*s;
	char			*dial, *cause;
	socklen_t		 len;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof *sin;
		xasprintf(&dial, "%s:%u", host, port);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof *sin6;
		xasprintf(&dial, "[%s]:%u", host, port);
	} else
		return (NULL);
	s = session_dial((struct sockaddr *)&ss, len, dial, &cause);
	free(dial);
	if (s == NULL) {
		log_debug("%s: %s", __func__, cause);
		free(cause);
		return (NULL);
	}
	s->aside = 1;
	return (s);
}

/*
 * DIALBACK: a peer asks to be dialled. Only its own IP as this session
 * sees it; paced; a session gets at most REACH_ASKS_SESSION answers.
 */
int
reach_dialback_record(struct session *s, struct record *r)
{
	struct rec_dialback	*d = &r->u.dialback;
	struct reach_probe	*pr;

	if (++s->dialbacks > REACH_ASKS_SESSION)
		return (0);
	if (!reach_same_host(s->host, d->family, d->addr)) {
		log_info("%s: %s asked for a dial-back to another address",
		    __func__, peer_name(s->peer));
		reach_stat_refused++;
		reach_answer(s, d->nonce, DIALBACK_REFUSED);
		return (0);
	}
	if (!reach_paced(s->remote_id, s->host)) {
		reach_stat_busy++;
		reach_answer(s, d->nonce, DIALBACK_BUSY);
		return (0);
	}
	pr = xcalloc(1, sizeof *pr);
	memcpy(pr->nonce, d->nonce, DIALBACK_NONCE_LEN);
	memcpy(pr->asker, s->remote_id, PEER_ID_LEN);
	xsnprintf(pr->host, sizeof pr->host, "%s", s->host);
	pr->port = d->port;
	LIST_INSERT_HEAD(&reach_probes, pr, entry);
	reach_nprobes++;
	reach_stat_dialled++;
	log_debug("%s: dialling %s back at %s port %u", __func__,
	    peer_name(s->peer), pr->host, pr->port);
	if ((pr->s = reach_probe_dial(pr->host, pr->port)) == NULL) {
		reach_probe_result(pr, DIALBACK_FAILED);
		LIST_REMOVE(pr, entry);
		reach_nprobes--;
		free(pr);
	}
	return (0);
}

/*
 * DIALBACK_PROOF: only on a probe that came to us, after its HELLO. The
 * nonce of our dial-back request from that peer makes us reachable.
 */
int
reach_proof_record(struct session *s, struct record *r)
{
	struct reach_ask	*ask;

	if (s->state == SESSION_OPEN && !s->aside)
		return (0);	/* not on a session of its own: ignored */
	if (s->aside != 2 || s->initiator)
		return (-1);	/* HELLO first */
	if ((ask = reach_ask_find(s->remote_id)) != NULL &&
	    sodium_memcmp(r->u.dialback.nonce, ask->nonce,
	    DIALBACK_NONCE_LEN) == 0) {
		ask->active = 0;
		evtimer_del(ask->timer);
		reach_stat_proved++;
		reach_set(REACH_PUBLIC, ask->host, ask->port);
	}
	session_close(s, -1, NULL);
	return (0);
}

/* DIALBACK_RESULT: how our dial-back went, by the peer's word. */
int
reach_result_record(struct session *s, struct record *r)
{
	struct rec_dialback	*d = &r->u.dialback;
	struct reach_ask	*ask;

	if ((ask = reach_ask_find(s->remote_id)) == NULL ||
	    sodium_memcmp(d->nonce, ask->nonce, DIALBACK_NONCE_LEN) != 0)
		return (0);
	log_debug("%s: %s: dial-back status %u", __func__,
	    peer_name(s->peer), d->status);
	if (d->status == DIALBACK_OK) {
		ask->ok = 1;	/* the proof comes on the probe */
		return (0);
	}
	ask->active = 0;
	evtimer_del(ask->timer);
	if (d->status == DIALBACK_FAILED) {
		reach_stat_failed++;
		if (reach_state != REACH_PUBLIC)
			reach_set(REACH_NAT, NULL, 0);
	}
	return (0);
}

/* Remember that a probe reached a peer's listen port. */
static void
reach_remember(const struct reach_probe *pr)
{
	u_int	i;

	for (i = 0; i < REACH_REACHED && i < reach_ndone; i++) {
		if (memcmp(reach_done[i].peer, pr->asker, PEER_ID_LEN) == 0 &&
		    strcmp(reach_done[i].host, pr->host) == 0 &&
		    reach_done[i].port == pr->port)
			return;
	}
	i = reach_ndone++ % REACH_REACHED;
	memcpy(reach_done[i].peer, pr->asker, PEER_ID_LEN);
	xsnprintf(reach_done[i].host, sizeof reach_done[i].host, "%s",
	    pr->host);
	reach_done[i].port = pr->port;
}

/* Did a probe of ours reach this session's peer at its listen port? */
int
reach_reached(struct session *s)
{
	u_int	i;

	for (i = 0; i < REACH_REACHED && i < reach_ndone; i++) {
		if (memcmp(reach_done[i].peer, s->remote_id, PEER_ID_LEN) == 0 &&
		    strcmp(reach_done[i].host, s->host) == 0 &&
		    reach_done[i].port == s->listen_port)
			return (1);
	}
	return (0);
}

/* The probe of a session, or NULL. */
static struct reach_probe *
reach_probe_of(struct session *s)
{
	struct reach_probe	*pr;

	LIST_FOREACH(pr, &reach_probes, entry) {
		if (pr->s == s)
			return (pr);
	}
	return (NULL);
}

/*
 * A session authenticated or closed aside. Ours (a probe) proves the nonce
 * to the asker if it answered with the asker's key; one that came to us
 * from the peer we asked is taken aside to wait for its proof.
 */
static int
reach_session_aside(struct session *s, int event)
{
	struct reach_probe	*pr = reach_probe_of(s);
	struct buf		 b;

	if (event == MODULE_ASIDE_CLOSED) {
		if (pr == NULL)
			return (0);
		if (!pr->done)
			reach_probe_result(pr, DIALBACK_FAILED);
		LIST_REMOVE(pr, entry);
		reach_nprobes--;
		free(pr);
		return (0);
	}
	if (pr != NULL) {
		if (memcmp(s->remote_id, pr->asker, PEER_ID_LEN) != 0) {
			reach_probe_result(pr, DIALBACK_FAILED);
			session_close(s, -1, NULL);
			return (1);
		}
		buf_init(&b);
		buf_put_u8(&b, REC_DIALBACK_PROOF);
		buf_put(&b, pr->nonce, DIALBACK_NONCE_LEN);
		session_send_buf(s, &b);
		buf_free(&b);
		reach_remember(pr);
		reach_probe_result(pr, DIALBACK_OK);
		session_close(s, -1, NULL);
		return (1);
	}
	return (!s->initiator && reach_ask_find(s->remote_id) != NULL);
}

/* A dial's error in a word: "refused", "timed out", or as it was. */
const char *
reach_dial_word(const char *why)
{
	if (strstr(why, "refused") != NULL)
		return ("refused");
	if (strstr(why, "timed out") != NULL)
		return ("timed out");
	return (why);
}

/* The told entry of a peer, made (the oldest dropped) if asked. */
static struct reach_told *
reach_told_find(const uint8_t *id, int make)
{
	struct reach_told	*rt;
	u_int			 i;

	for (i = 0; i < REACH_TOLD; i++) {
		rt = &reach_told[i];
		if (rt->used && memcmp(rt->peer, id, PEER_ID_LEN) == 0)
			return (rt);
	}
	if (!make)
		return (NULL);
	rt = &reach_told[reach_ntold++ % REACH_TOLD];
	memset(rt, 0, sizeof *rt);
	rt->used = 1;
	memcpy(rt->peer, id, PEER_ID_LEN);
	return (rt);
}

/*
 * Say that a peer cannot be reached, for a reason ("no relay", "refused",
 * "timed out", "symmetric NAT"), with the detail of what failed where
 * (key: "HOST:PORT" dialled, or "via R"). Once for each key until the
 * peer is seen again.
 */
void
reach_unreachable(struct peer *p, const char *reason, const char *detail,
    const char *key)
{
	struct reach_told	*rt;
	struct fe_kv		 kv[6];
	u_int			 i;

	if (p->session != NULL || node_is_quitting())
		return;
	rt = reach_told_find(p->id, 1);
	for (i = 0; i < rt->nkeys && i < REACH_TOLD_KEYS; i++) {
		if (strcmp(rt->key[i], key) == 0)
			return;		/* told already */
	}
	xsnprintf(rt->key[rt->nkeys++ % REACH_TOLD_KEYS], sizeof rt->key[0],
	    "%s", key);
	reach_stat_unreachable++;
	log_info("%s: %s (%.16s) cannot be reached: %s (%s: %s)", __func__,
	    peer_name(p), p->hex, reason, key, detail);
	kv[0] = (struct fe_kv){ "peer", p->hex, 0 };
	kv[1] = (struct fe_kv){ "nick", peer_name(p), 0 };
	kv[2] = (struct fe_kv){ "reason", reason, 0 };
	kv[3] = (struct fe_kv){ "where", key, 0 };
	kv[4] = (struct fe_kv){ "detail", detail, 0 };
	kv[5] = (struct fe_kv){ "reach", reach_word(), 0 };
	fe->item("unreachable", kv, nitems(kv));
}

/* Start: the timer of our dial-back request. */
static void
reach_init(void)
{
	u_int	i;

	xsnprintf(reach_shown, sizeof reach_shown, "%s", reach_word());
	for (i = 0; i < REACH_ASKS; i++) {
		reach_asks[i].timer = evtimer_new(node_base,
		    reach_ask_timeout_cb, &reach_asks[i]);
	}
}

/* Stop. */
static void
reach_shutdown(void)
{
	u_int	i;

	for (i = 0; i < REACH_ASKS; i++) {
		if (reach_asks[i].timer != NULL)
			event_free(reach_asks[i].timer);
		reach_asks[i].timer = NULL;
		reach_asks[i].active = 0;
	}
}

/* The reachability counters, for /stats. */
static void
reach_stats(struct stats *st)
{
	stats_add(st, "observed_reports", reach_nreports);
	stats_add(st, "observed_candidates", reach_candidates());
	stats_add(st, "dialback_asked", reach_stat_asked);
	stats_add(st, "dialback_proved", reach_stat_proved);
	stats_add(st, "dialback_failed", reach_stat_failed);
	stats_add(st, "dialback_dialled", reach_stat_dialled);
	stats_add(st, "dialback_refused", reach_stat_refused);
	stats_add(st, "dialback_busy", reach_stat_busy);
	stats_add(st, "unreachable", reach_stat_unreachable);
}

const struct module reach_module = {
	.name = "reach",
	.init = reach_init,
	.session_open = reach_session_open,
	.shutdown = reach_shutdown,
	.stats = reach_stats,
	.session_aside = reach_session_aside,
};
