/*
 * punch.c: TCP hole punching. Over a relayed session the two ends tell
 * each other where to dial them (PUNCH_CONNECT: the address a peer saw us
 * at, unconfirmed, and our listening port) and open a direct connection to
 * each other at the same moment: each dials from its listening port (with
 * SO_REUSEPORT, so the NAT's mapping is the listener's), and in a TCP
 * simultaneous open both SYNs cross. The relayed session's initiator
 * measures the round trip of the CONNECT exchange, sends PUNCH_SYNC and
 * dials half a round trip later; the other end dials when SYNC arrives.
 * Up to PUNCH_ATTEMPTS attempts.
 *
 * The relayed session's initiator starts the handshake of the direct one
 * too (whether its socket connected or its listener accepted), so the
 * direct session is dialled the same way as the relayed one and both ends
 * let it replace the relayed one (node_admit, session_hello): messages not
 * yet acknowledged go again on it, and their ids dedupe. See
 * p2pchat-protocol(7), Hole punching.
 */

#include "p2pchat.h"

#include <arpa/inet.h>

#define PUNCH_MAX		32	/* punches at once */
#define PUNCH_START_MS		200	/* after the relayed session opens */
#define PUNCH_ANSWER_MS		5000	/* for the CONNECT answer, or SYNC */
#define PUNCH_ATTEMPT_MS	3000	/* for the direct session */
#define PUNCH_PAUSE_MS		500	/* between attempts */
#define PUNCH_DIALS_MINUTE	30	/* punched dials a minute, in all */

enum punch_phase {
	PUNCH_IDLE,		/* before an attempt, or between two */
	PUNCH_ASKED,		/* CONNECT sent (or answered) */
	PUNCH_DIALLING,		/* SYNC sent or received: dialling */
	PUNCH_DONE,
};

/* A punch on a relayed session. */
struct punch {
	struct session		*s;		/* relayed (held), or NULL */
	uint8_t			 peer[PEER_ID_LEN];
	char			 name[NICK_MAX + 1];
	int			 initiator;
	enum punch_phase	 phase;
	u_int			 attempt;	/* 1..PUNCH_ATTEMPTS */
	int64_t			 asked;		/* CONNECT sent, mono us */
	int64_t			 started;	/* first CONNECT, mono us */
	struct sockaddr_storage	 to;		/* the peer's address */
	socklen_t		 tolen;
	char			 host[INET6_ADDRSTRLEN];
	struct session		*dial;		/* our dial (held), or NULL */
	const char		*reason;	/* why the last attempt failed */
	struct event		*timer;
	TAILQ_ENTRY(punch)	 entry;
};
static TAILQ_HEAD(, punch)	punch_list = TAILQ_HEAD_INITIALIZER(punch_list);
static u_int			punch_n;
static int64_t			punch_dialled[PUNCH_DIALS_MINUTE]; /* mono ms */
static u_long			punch_stat_attempts, punch_stat_direct;
static u_long			punch_stat_failed;

static void	punch_timer_cb(evutil_socket_t, short, void *);

/* Is hole punching on? */
static int
punch_enabled(void)
{
	return (cfg_num(CFG_HOLE_PUNCHING) != 0);
}

/* Is a session relayed (on a circuit's socketpair)? */
static int
punch_relayed(struct session *s)
{
	return (s->host != NULL && strcmp(s->host, CIRCUIT_HOST) == 0);
}

/* The punch with a peer, or NULL. */
static struct punch *
punch_find(const uint8_t *peer)
{
	struct punch	*pu;

	TAILQ_FOREACH(pu, &punch_list, entry) {
		if (memcmp(pu->peer, peer, PEER_ID_LEN) == 0)
			return (pu);
	}
	return (NULL);
}

/* The punch on a relayed session, or NULL. */
static struct punch *
punch_of(struct session *s)
{
	struct punch	*pu;

	TAILQ_FOREACH(pu, &punch_list, entry) {
		if (pu->s == s)
			return (pu);
	}
	return (NULL);
}

/*
 * Let go of our dial, closing it unless it opened or is about to (it is
 * its peer's session: session_hello is handing over to it).
 */
static void
punch_drop_dial(struct punch *pu)
{
	struct session	*d = pu->dial;

	if (d == NULL)
		return;
	pu->dial = NULL;
	if (d->state != SESSION_OPEN && d->state != SESSION_CLOSING &&
	    (d->peer == NULL || d->peer->session != d))
		session_close(d, -1, NULL);
	session_unref(d);
}

/* Free a punch. */
static void
punch_free(struct punch *pu)
{
	TAILQ_REMOVE(&punch_list, pu, entry);
	punch_n--;
	punch_drop_dial(pu);
	if (pu->s != NULL)
		session_unref(pu->s);
	event_free(pu->timer);
	free(pu);
}

/* Say how a punch ended: the event, the counters, the log. */
static void
punch_finish(struct punch *pu, int direct, const char *reason)
{
	struct fe_kv	 kv[5];
	char		 hex[PEER_HEX_LEN + 1];
	int64_t		 ms = 0;

	if (pu->phase == PUNCH_DONE)
		return;
	pu->phase = PUNCH_DONE;
	evtimer_del(pu->timer);
	if (direct)
		punch_stat_direct++;
	else
		punch_stat_failed++;
	if (pu->started != 0)
		ms = (mono_us() - pu->started) / 1000;
	hex_encode(pu->peer, PEER_ID_LEN, hex);
	kv[0] = (struct fe_kv){ "peer", hex, 0 };
	kv[1] = (struct fe_kv){ "result", direct ? "direct" : "failed", 0 };
	kv[2] = (struct fe_kv){ "attempts", NULL, pu->attempt };
	kv[3] = (struct fe_kv){ "reason", reason, 0 };
	kv[4] = (struct fe_kv){ "ms", NULL, ms };
	log_info("%s: %s: %s after %u attempts, %lld ms: %s", __func__,
	    pu->name, direct ? "direct" : "failed", pu->attempt,
	    (long long)ms, reason);
	fe->item("punch", kv, nitems(kv));
}

/* Put our own address (as a peer saw it) and listening port. */
static int
punch_put_self(struct buf *b)
{
	uint8_t	family, addr[16];

	if (node_listen_port() == 0 || reach_observed(&family, addr) != 0)
		return (-1);
	buf_put_u8(b, family);
	buf_put(b, addr, family == 4 ? 4 : 16);
	buf_put_u16(b, node_listen_port());
	return (0);
}

/* Send PUNCH_CONNECT for the current attempt. */
static int
punch_send_connect(struct punch *pu)
{
	struct buf	b;
	int		rc;

	buf_init(&b);
	buf_put_u8(&b, REC_PUNCH_CONNECT);
	buf_put_u8(&b, (uint8_t)pu->attempt);
	if ((rc = punch_put_self(&b)) == 0)
		rc = session_send_buf(pu->s, &b);
	buf_free(&b);
	return (rc);
}

/* Send PUNCH_SYNC for the current attempt. */
static void
punch_send_sync(struct punch *pu)
{
	u_char	rec[2];

	rec[0] = REC_PUNCH_SYNC;
	rec[1] = (uint8_t)pu->attempt;
	session_send(pu->s, rec, sizeof rec);
}

/* Is there room in the pace for one more punched dial? */
static int
punch_paced(void)
{
	int64_t	now = mono_us() / 1000;
	u_int	i;

	for (i = 0; i < nitems(punch_dialled); i++) {
		if (punch_dialled[i] == 0 || now - punch_dialled[i] >= 60000) {
			punch_dialled[i] = now;
			return (0);
		}
	}
	return (-1);
}

/* Make a socket bound to our listening address and port, for family. */
static int
punch_socket(int family, char **cause)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	char			*host;
	u_short			 port;
	int			 fd, one = 1;

	if (addr_parse(node_listen_address(), &host, &port, cause) != 0)
		return (-1);
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(node_listen_port());
		len = sizeof *sin;
		if (strcmp(host, "0.0.0.0") != 0 &&
		    inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			xasprintf(cause, "we do not listen on IPv4");
			goto fail;
		}
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(node_listen_port());
		len = sizeof *sin6;
		if (strcmp(host, "0.0.0.0") != 0 &&
		    inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			xasprintf(cause, "we do not listen on IPv6");
			goto fail;
		}
	}
	free(host);
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
#ifdef SO_REUSEPORT
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
#endif
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		xasprintf(cause, "bind to port %u: %s", node_listen_port(),
		    strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
fail:
	free(host);
	return (-1);
}

/* Dial the peer from our listening port, now. */
static void
punch_dial(struct punch *pu)
{
	char	*cause;
	int	 fd;

	punch_drop_dial(pu);
	if (punch_paced() != 0) {
		log_info("%s: %s: over the pace of punched dials", __func__,
		    pu->name);
		return;
	}
	if ((fd = punch_socket(pu->to.ss_family, &cause)) == -1 ||
	    (pu->dial = session_dial_fd(fd, (struct sockaddr *)&pu->to,
	    pu->tolen, pu->initiator, &cause)) == NULL) {
		/* The peer's SYN may have come first: the listener has it. */
		log_info("%s: %s: %s", __func__, pu->name, cause);
		free(cause);
		return;
	}
	session_ref(pu->dial);
	log_debug("%s: %s: attempt %u to %s", __func__, pu->name, pu->attempt,
	    pu->host);
}

/* Start an attempt (the initiator): send CONNECT and wait for its answer. */
static void
punch_attempt(struct punch *pu)
{
	pu->attempt++;
	punch_stat_attempts++;
	pu->asked = mono_us();
	if (pu->started == 0)
		pu->started = pu->asked;
	if (punch_send_connect(pu) != 0) {
		punch_finish(pu, 0, "no address of ours is known");
		return;
	}
	pu->phase = PUNCH_ASKED;
	timer_add_ms(pu->timer, PUNCH_ANSWER_MS);
}

/* An attempt failed: another, or the end. */
static void
punch_attempt_failed(struct punch *pu, const char *reason)
{
	punch_drop_dial(pu);
	pu->reason = reason;
	if (pu->attempt >= PUNCH_ATTEMPTS || pu->s == NULL) {
		punch_finish(pu, 0, pu->s == NULL ? "relayed session closed" :
		    reason);
		return;
	}
	pu->phase = PUNCH_IDLE;
	if (pu->initiator)
		timer_add_ms(pu->timer, PUNCH_PAUSE_MS);
}

/* The timer: start, dial (half a round trip after SYNC), or time out. */
static void
punch_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct punch	*pu = arg;

	switch (pu->phase) {
	case PUNCH_IDLE:
		if (pu->initiator && pu->s != NULL)
			punch_attempt(pu);
		break;
	case PUNCH_ASKED:
		punch_attempt_failed(pu, "no answer over the relay");
		break;
	case PUNCH_DIALLING:
		if (pu->dial == NULL && pu->initiator && pu->asked != 0) {
			pu->asked = 0;	/* the half round trip is over */
			punch_dial(pu);
			timer_add_ms(pu->timer, PUNCH_ATTEMPT_MS);
			break;
		}
		punch_attempt_failed(pu, "no direct connection");
		break;
	case PUNCH_DONE:
		break;
	}
	if (pu->phase == PUNCH_DONE && pu->s == NULL)
		punch_free(pu);
}

/* Take the peer's address from a CONNECT; -1 if we would not dial it. */
static int
punch_take_addr(struct punch *pu, const struct rec_punch *rp)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&pu->to;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&pu->to;

	if (addr_class(rp->family, rp->addr) != ADDR_PUBLIC)
		return (-1);
	memset(&pu->to, 0, sizeof pu->to);
	if (rp->family == 4) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, rp->addr, 4);
		sin->sin_port = htons(rp->port);
		pu->tolen = sizeof *sin;
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, rp->addr, 16);
		sin6->sin6_port = htons(rp->port);
		pu->tolen = sizeof *sin6;
	}
	inet_ntop(rp->family == 4 ? AF_INET : AF_INET6, rp->addr, pu->host,
	    sizeof pu->host);
	return (0);
}

/*
 * PUNCH_CONNECT. To the responder: an attempt starts; answer with our own
 * address. To the initiator: the answer; the round trip is measured, SYNC
 * goes out and we dial half a round trip later. One attempt at a time, at
 * most PUNCH_ATTEMPTS on a session; anything else is ignored.
 */
int
punch_connect_record(struct session *s, struct record *r)
{
	struct rec_punch	*rp = &r->u.punch;
	struct punch		*pu;
	int64_t			 rtt;

	if ((pu = punch_of(s)) == NULL)
		return (0);
	if (pu->initiator ? (pu->phase != PUNCH_ASKED ||
	    rp->attempt != pu->attempt) : (pu->phase != PUNCH_IDLE ||
	    rp->attempt != pu->attempt + 1))
		return (0);
	if (punch_take_addr(pu, rp) != 0) {
		punch_finish(pu, 0, "the peer gave an address not public");
		return (0);
	}
	if (!pu->initiator) {
		pu->attempt = rp->attempt;
		punch_stat_attempts++;
		if (pu->started == 0)
			pu->started = mono_us();
		if (punch_send_connect(pu) != 0) {
			punch_finish(pu, 0, "no address of ours is known");
			return (0);
		}
		pu->phase = PUNCH_ASKED;
		timer_add_ms(pu->timer, PUNCH_ANSWER_MS);
		return (0);
	}
	rtt = mono_us() - pu->asked;
	punch_send_sync(pu);
	pu->phase = PUNCH_DIALLING;
	pu->asked = mono_us();	/* nonzero: the dial is still to come */
	evtimer_del(pu->timer);
	log_debug("%s: %s: round trip %lld us", __func__, pu->name,
	    (long long)rtt);
	timer_add_ms(pu->timer, rtt / 2000);
	return (0);
}

/* PUNCH_SYNC (to the responder): dial now. */
int
punch_sync_record(struct session *s, struct record *r)
{
	struct punch	*pu;

	if ((pu = punch_of(s)) == NULL || pu->initiator ||
	    pu->phase != PUNCH_ASKED || r->u.punch.attempt != pu->attempt)
		return (0);
	pu->phase = PUNCH_DIALLING;
	pu->asked = 0;
	evtimer_del(pu->timer);
	punch_dial(pu);
	timer_add_ms(pu->timer, PUNCH_ATTEMPT_MS);
	return (0);
}

/* A direct session with the peer opened: the punch worked. */
static void
punch_direct(struct punch *pu, struct session *d)
{
	if (pu->phase == PUNCH_DONE)
		return;
	if (pu->attempt == 0)
		pu->attempt = 1;
	punch_finish(pu, 1, d == pu->dial ? "our dial connected" :
	    "the peer's dial reached our listener");
	punch_drop_dial(pu);
}

/*
 * A session opened. A relayed one, with a peer that punches too, gets a
 * punch (its initiator starts it soon); a direct one ends a punch with its
 * peer.
 */
static void
punch_session_open(struct session *s)
{
	struct punch	*pu;

	if (!punch_relayed(s)) {
		if ((pu = punch_find(s->remote_id)) != NULL) {
			punch_direct(pu, s);
			if (pu->s == NULL)
				punch_free(pu);
		}
		return;
	}
	if (!punch_enabled() || (s->features & FEATURE_PUNCH) == 0 ||
	    punch_n >= PUNCH_MAX)
		return;
	if ((pu = punch_find(s->remote_id)) != NULL) {
		if (pu->s != NULL)
			return;
		punch_free(pu);		/* of a relayed session gone */
	}
	pu = xcalloc(1, sizeof *pu);
	pu->s = s;
	session_ref(s);
	memcpy(pu->peer, s->remote_id, PEER_ID_LEN);
	xsnprintf(pu->name, sizeof pu->name, "%s", peer_name(s->peer));
	pu->initiator = s->initiator;
	pu->timer = evtimer_new(node_base, punch_timer_cb, pu);
	TAILQ_INSERT_TAIL(&punch_list, pu, entry);
	punch_n++;
	if (pu->initiator)
		timer_add_ms(pu->timer, PUNCH_START_MS);
}

/*
 * An open session is closing. The relayed one of a punch: if the peer is
 * on a direct session now (the hand-over), the punch worked; while a dial
 * is on its way the punch waits for it; otherwise it is over.
 */
static void
punch_session_closed(struct session *s)
{
	struct punch	*pu;
	struct peer	*p = s->peer;

	if ((pu = punch_of(s)) == NULL)
		return;
	if (p != NULL && p->session != NULL && p->session != s &&
	    !punch_relayed(p->session))
		punch_direct(pu, p->session);
	session_unref(pu->s);
	pu->s = NULL;
	if (pu->phase == PUNCH_DIALLING)
		return;		/* the timer ends it */
	if (pu->phase != PUNCH_DONE && pu->attempt != 0)
		punch_finish(pu, 0, "relayed session closed");
	punch_free(pu);
}

/*
 * A connection was accepted from host: while we dial a peer there in a
 * punch that we lead, its SYN may have reached our listener first; we
 * start the handshake as if our own dial had connected.
 */
static int
punch_accept_initiator(const char *host)
{
	struct punch	*pu;

	TAILQ_FOREACH(pu, &punch_list, entry) {
		if (pu->initiator && pu->phase == PUNCH_DIALLING &&
		    strcmp(pu->host, host) == 0)
			return (1);
	}
	return (0);
}

/* Say in HELLO that we punch. */
static void
punch_init(void)
{
	if (punch_enabled())
		session_features |= FEATURE_PUNCH;
}

/* Free every punch at exit. */
static void
punch_shutdown(void)
{
	struct punch	*pu;

	while ((pu = TAILQ_FIRST(&punch_list)) != NULL)
		punch_free(pu);
}

/* The counters, for /stats. */
static void
punch_stats(struct stats *st)
{
	stats_add(st, "punch_attempts", punch_stat_attempts);
	stats_add(st, "punch_direct", punch_stat_direct);
	stats_add(st, "punch_failed", punch_stat_failed);
}

const struct module punch_module = {
	.name = "punch",
	.init = punch_init,
	.session_open = punch_session_open,
	.session_closed = punch_session_closed,
	.shutdown = punch_shutdown,
	.stats = punch_stats,
	.accept_initiator = punch_accept_initiator,
};
