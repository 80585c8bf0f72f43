/*
 * session.c: one TCP connection to a peer, on a libevent bufferevent: the
 * Noise XX handshake, framing, encryption, HELLO, keepalive and close.
 *
 * A session reads its socket itself (io.c) into a buffer of its own and
 * writes through a bufferevent. Records are dispatched through the record
 * table (wire.c); what the protocol modules do when a session opens or
 * closes is in the module table (module.c). Nothing here names a module.
 *
 * session_close() marks a session closing before anything else (so nothing
 * it calls can close it again), and a timer frees it once the BYE is
 * flushed (or after two seconds): callbacks that hold a session across a
 * loop turn take a reference (session_ref).
 */

#include "p2pchat.h"

#include <arpa/inet.h>

struct sessions		 sessions = TAILQ_HEAD_INITIALIZER(sessions);
uint32_t		 session_features;
static u_int		 session_nhandshake;
static u_int		 session_nopen;
static u_char		 session_plain[FRAME_MAX];

#define SESSION_HANDSHAKE_MS	10000
#define SESSION_IDLE_MS		30000
#define SESSION_DEAD_MS		90000
#define SESSION_TICK_MS		10000
#define SESSION_OUT_MAX		(16 * 1024 * 1024)
#define SESSION_IN_MAX		(4 * (FRAME_MAX + 2))
/*
 * The most written to the socket in one go. libevent's default, 16 KiB,
 * is a quarter of what a burst stores per loop turn (IO_READ_MAX of
 * commands): the rest waited in the output buffer and the peer sat idle
 * until the sender ran out of input.
 */
#define SESSION_WRITE_MAX	(256 * 1024)
#define SESSION_READ_MAX	IO_READ_MAX
/* Below this much queued output, modules pacing an answer send more. */
#define SESSION_DRAIN_LOW	(256 * 1024)
#define SESSION_FRAMES_PER_TURN	256
#define SESSION_BAD_SIGS	3

static void	session_read_cb(evutil_socket_t, short, void *);
static void	session_write_cb(struct bufferevent *, void *);
static void	session_event_cb(struct bufferevent *, short, void *);
static void	session_timer_cb(evutil_socket_t, short, void *);
static void	session_handshake_done(struct session *);
static void	session_lost(struct session *, const char *);
static void	session_more_cb(evutil_socket_t, short, void *);

/* Arm the session timer in ms. */
static void
session_timer(struct session *s, int64_t ms)
{
	timer_add_ms(s->timer, ms);
}

/* Count connections in the handshake from one address. */
static u_int
session_count_host(const char *host)
{
	struct session	*s;
	u_int		 n = 0;

	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->state <= SESSION_HANDSHAKE && strcmp(s->host, host) == 0)
			n++;
	}
	return (n);
}

/* Make a session around a bufferevent. */
static struct session *
session_new(struct bufferevent *bev, int initiator, const char *host,
    u_short port, const char *dial)
{
	struct session	*s;

	s = xcalloc(1, sizeof *s);
	s->bev = bev;
	s->initiator = initiator;
	s->host = xstrdup(host);
	s->port = port;
	s->dial = dial != NULL ? xstrdup(dial) : NULL;
	s->opened = s->last_rx = s->last_active = now_ms();
	s->bye_reason = -1;
	s->state = SESSION_CONNECTING;
	s->timer = evtimer_new(node_base, session_timer_cb, s);
	s->more = evtimer_new(node_base, session_more_cb, s);
	s->in = evbuffer_new();
	bufferevent_setcb(bev, NULL, session_write_cb, session_event_cb, s);
	bufferevent_setwatermark(bev, EV_WRITE, SESSION_DRAIN_LOW, 0);
	bufferevent_set_max_single_write(bev, SESSION_WRITE_MAX);
	TAILQ_INSERT_TAIL(&sessions, s, entry);
	session_nhandshake++;
	session_timer(s, SESSION_HANDSHAKE_MS);
	return (s);
}

/* Hold a session across a loop turn (it is freed when the last goes). */
void
session_ref(struct session *s)
{
	s->refs++;
}

/* Drop a hold; free a closed session nobody holds. */
void
session_unref(struct session *s)
{
	if (--s->refs == 0 && s->state == SESSION_CLOSING && s->bev == NULL)
		free(s);
}

/* Free a session (the struct itself waits while it is held). */
static void
session_free(struct session *s)
{
	TAILQ_REMOVE(&sessions, s, entry);
	if (s->state <= SESSION_HANDSHAKE)
		session_nhandshake--;
	if (s->hs != NULL)
		noise_hs_free(s->hs);
	noise_cipher_wipe(&s->tx);
	noise_cipher_wipe(&s->rx);
	if (s->rd != NULL)
		event_free(s->rd);
	s->rd = NULL;
	event_free(s->more);
	if (s->in != NULL)
		evbuffer_free(s->in);
	s->in = NULL;
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	s->bev = NULL;
	event_free(s->timer);
	free(s->host);
	free(s->dial);
	s->host = s->dial = NULL;
	s->state = SESSION_CLOSING;
	if (s->refs == 0)
		free(s);
}

/* Free every session (at exit). */
void
session_free_all(void)
{
	struct session	*s;

	while ((s = TAILQ_FIRST(&sessions)) != NULL) {
		if (s->state != SESSION_CLOSING)
			session_close(s, BYE_NORMAL, "shutting down");
		session_free(s);
	}
}

/*
 * Write a frame (a handshake message) on bev: a two-byte length, then the
 * bytes. The benches' client writes its handshake with it too.
 */
void
session_frame_write(struct bufferevent *bev, const u_char *p, size_t len)
{
	u_char	hdr[2];

	buf_poke_u16(hdr, (uint16_t)len);
	bufferevent_write(bev, hdr, 2);
	bufferevent_write(bev, p, len);
}

/* Encrypt one record into a frame on the session's output. */
static int
session_seal(struct session *s, const u_char *rec, size_t len)
{
	static u_char		 frame[2 + FRAME_MAX];
	struct evbuffer		*out = bufferevent_get_output(s->bev);

	if (len == 0 || len > RECORD_MAX)
		fatalx("%s: record of %zu bytes", __func__, len);
	/*
	 * Sealed here and appended, not sealed in reserved space: reserving
	 * a frame's room in one piece made libevent allocate a new 1 KiB
	 * chain every few frames, while appending fills 4 KiB chains.
	 */
	buf_poke_u16(frame, (uint16_t)(len + NOISE_TAGLEN));
	if (noise_encrypt(&s->tx, rec, len, frame + 2) != 0)
		return (-1);	/* the counter ran out */
	if (evbuffer_add(out, frame, len + NOISE_TAGLEN + 2) != 0)
		fatalx("%s: evbuffer_add", __func__);
	return (0);
}

/*
 * Send one record on a session that has keys and is not closing. A peer
 * that lets SESSION_OUT_MAX bytes pile up unread is closed.
 */
int
session_send(struct session *s, const u_char *rec, size_t len)
{
	if (s->state < SESSION_HELLO || s->state == SESSION_CLOSING)
		return (-1);
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) >
	    SESSION_OUT_MAX) {
		session_close(s, BYE_OVERLOADED, "peer is not reading");
		return (-1);
	}
	if (session_seal(s, rec, len) != 0) {
		session_close(s, -1, NULL);
		return (-1);
	}
	return (0);
}

/* The bytes queued on a session's output, not yet written. */
size_t
session_queued(struct session *s)
{
	return (evbuffer_get_length(bufferevent_get_output(s->bev)));
}

/* The output drained below SESSION_DRAIN_LOW: paced answers go on. */
static void
session_write_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	if (s->state == SESSION_OPEN)
		module_session_drained(s);
}

/* Send a record held in a buf. */
int
session_send_buf(struct session *s, struct buf *b)
{
	return (session_send(s, b->d, b->size));
}

/* The zero timer after close: free when the output has drained. */
static void
session_reap_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		session_free(s);
}

/*
 * Close a session: send BYE with reason (unless reason is -1 or the session
 * has no keys yet), tell the frontend the peer left, and free it soon.
 */
void
session_close(struct session *s, int reason, const char *text)
{
	struct buf		 b;
	struct peer		*p = s->peer;
	enum session_state	 was = s->state;

	if (s->state == SESSION_CLOSING)
		return;
	/* First: nothing below may close it again. */
	s->state = SESSION_CLOSING;
	log_debug("%s: %s:%u reason %d: %s", __func__, s->host, s->port,
	    reason, text ? text : "");
	/* No BYE for a peer that is not reading: it would only pile up. */
	if (reason >= 0 && was >= SESSION_HELLO &&
	    evbuffer_get_length(bufferevent_get_output(s->bev)) <=
	    SESSION_OUT_MAX) {
		buf_init(&b);
		wire_build_bye(&b, (uint8_t)reason, text ? text : "");
		session_seal(s, b.d, b.size);
		buf_free(&b);
	}
	if (reason >= 0)
		s->bye_reason = reason;
	if (was <= SESSION_HANDSHAKE)
		session_nhandshake--;
	if (was == SESSION_OPEN)
		session_nopen--;
	if (was == SESSION_OPEN)
		module_session_closed(s);
	if (s->aside)
		module_session_aside(s, MODULE_ASIDE_CLOSED);
	if (was >= SESSION_HELLO)
		node_session_gone(s);
	node_session_closed(s, was);
	if (p != NULL && p->session == s) {
		p->session = NULL;
		p->typing = 0;
		if (was == SESSION_OPEN)
			fe->peer(p);
	}
	if (s->rd != NULL)
		event_del(s->rd);
	evtimer_del(s->more);
	bufferevent_setcb(s->bev, NULL, session_reap_cb, NULL, s);
	evtimer_del(s->timer);
	session_timer(s, evbuffer_get_length(bufferevent_get_output(s->bev))
	    == 0 ? 0 : 2000);
}

/* Make the handshake state and, as initiator, send message 1. */
static void
session_start(struct session *s)
{
	u_char	msg[64];
	size_t	len;

	s->state = SESSION_HANDSHAKE;
	s->hs = noise_hs_new(P2PCHAT_NOISE, s->initiator,
	    (const uint8_t *)P2PCHAT_PROLOGUE, strlen(P2PCHAT_PROLOGUE),
	    identity->x_sk, NULL);
	if (s->hs == NULL)
		fatalx("%s: noise_hs_new", __func__);
	if (s->initiator) {
		if (noise_hs_write(s->hs, NULL, 0, msg, sizeof msg, &len) != 0)
			fatalx("%s: noise_hs_write", __func__);
		session_frame_write(s->bev, msg, len);
	}
	s->rd = event_new(node_base, bufferevent_getfd(s->bev),
	    EV_READ|EV_PERSIST, session_read_cb, s);
	event_add(s->rd, NULL);
	bufferevent_enable(s->bev, EV_WRITE);
}

/* Report a failed dial to the frontend and the address book. */
static void
session_dial_failed(struct session *s, const char *why)
{
	char	*cause;

	if (s->dial == NULL || s->aside)
		return;
	node_dial_failed(s, why);
	if (store_addr_fail(s->host, s->port, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
}

/* Process one handshake message. */
static int
session_handshake(struct session *s, const u_char *p, size_t len)
{
	u_char	 out[256], payload[256];
	size_t	 olen, plen;

	if (noise_hs_my_turn(s->hs))
		return (-1);
	if (noise_hs_read(s->hs, p, len, payload, sizeof payload, &plen) != 0)
		return (-1);
	if (!s->initiator && !noise_hs_done(s->hs)) {
		/* Message 1: no payload; answer with message 2. */
		if (plen != 0)
			return (-1);
		if (noise_hs_write(s->hs, identity->payload,
		    IDENTITY_PAYLOAD_LEN, out, sizeof out, &olen) != 0)
			return (-1);
		session_frame_write(s->bev, out, olen);
		return (0);
	}
	if (identity_payload_check(payload, plen,
	    noise_hs_remote_static(s->hs), s->remote_id) != 0) {
		if (plen == IDENTITY_PAYLOAD_LEN &&
		    memcmp(payload, identity->ed_pk, PEER_ID_LEN) == 0)
			session_dial_failed(s, "that address is this node");
		return (-1);
	}
	if (s->initiator) {
		/* Message 2 read: send message 3. */
		if (noise_hs_write(s->hs, identity->payload,
		    IDENTITY_PAYLOAD_LEN, out, sizeof out, &olen) != 0)
			return (-1);
		session_frame_write(s->bev, out, olen);
	}
	if (!noise_hs_done(s->hs))
		return (-1);
	if (noise_hs_split(s->hs, &s->tx, &s->rx) != 0)
		return (-1);
	s->hhlen = noise_hs_hash(s->hs, s->hh);
	noise_hs_free(s->hs);
	s->hs = NULL;
	session_handshake_done(s);
	return (0);
}

/* The handshake is complete: admit the peer and send HELLO. */
static void
session_handshake_done(struct session *s)
{
	struct buf	 b;
	const char	*nick = node_nick();
	int		 reason;
	const char	*why;

	session_nhandshake--;
	s->state = SESSION_HELLO;
	evtimer_del(s->timer);
	session_timer(s, SESSION_HANDSHAKE_MS);
	buf_init(&b);
	wire_build_hello(&b, nick, node_listen_port(), session_features,
	    PACKAGE_NAME " " PACKAGE_VERSION);
	session_send_buf(s, &b);
	buf_free(&b);
	if (module_session_aside(s, MODULE_ASIDE_CLAIM)) {
		s->aside = 1;	/* a probe: never the peer's session */
		return;
	}
	if ((reason = node_admit(s, &why)) != -1) {
		/* Full: somewhere else to go, then BYE 3. */
		if (reason == BYE_OVERLOADED)
			module_session_refused(s);
		session_close(s, reason, why);
	}
}

/* The first HELLO arrived: the session is open. */
static int
session_hello(struct session *s, struct rec_hello *h)
{
	struct peer	*p;
	struct session	*old;
	char		*cause;

	s->listen_port = h->listen_port;
	if (s->aside) {
		s->aside = 2;	/* HELLO seen; it stays in SESSION_HELLO */
		return (0);
	}
	s->features = h->features;
	if ((p = peer_authenticated(s->remote_id, h->nick, &cause)) == NULL) {
		fe->error(cause);
		free(cause);
		session_close(s, BYE_OVERLOADED, "cannot store peer");
		return (0);
	}
	if (p->trust == TRUST_BLOCKED) {
		session_close(s, BYE_BLOCKED, "blocked");
		return (0);
	}
	s->peer = p;
	if ((old = p->session) != NULL && old != s) {
		/*
		 * A hand-over: the peer is on the new session before the old
		 * one closes, so it never shows offline and its typing state
		 * stays as it was.
		 */
		p->session = s;
		session_close(old, BYE_DUPLICATE, "replaced");
		if (s->state == SESSION_CLOSING)
			return (0);	/* closed by what old's close did */
	}
	p->session = s;
	s->state = SESSION_OPEN;
	session_nopen++;
	evtimer_del(s->timer);
	session_timer(s, SESSION_TICK_MS);
	node_session_open(s);
	return (0);
}

/* HELLO: the first opens the session; a later one changes nick or port. */
int
session_hello_record(struct session *s, struct record *r)
{
	char	*cause;

	if (s->state == SESSION_HELLO)
		return (session_hello(s, &r->u.hello));
	if (peer_set_nick(s->peer, r->u.hello.nick)) {
		if (store_peer_seen(s->peer->dbid, s->peer->nick,
		    &cause) != 0) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
		}
		fe->peer(s->peer);
	}
	s->listen_port = r->u.hello.listen_port;
	s->features = r->u.hello.features;
	return (0);
}

/* PING: answer with a PONG of the same token. */
int
session_ping_record(struct session *s, struct record *r)
{
	struct buf	b;

	buf_init(&b);
	buf_put_u8(&b, REC_PONG);
	buf_put_u64(&b, r->u.token);
	session_send_buf(s, &b);
	buf_free(&b);
	return (0);
}

/* PONG: the session's timer counts any record as a sign of life. */
int
session_pong_record(struct session *s, struct record *r)
{
	return (0);
}

/* BYE: the peer is leaving. */
int
session_bye_record(struct session *s, struct record *r)
{
	static const char *reasons[] = { "normal", "protocol error",
	    "duplicate", "overloaded", "blocked" };
	uint8_t		 n = r->u.bye.reason;

	if (n < nitems(reasons))
		log_info("%s: %s said bye, %s (%u): %s", __func__,
		    peer_name(s->peer), reasons[n], n, r->u.bye.text);
	else
		log_info("%s: %s said bye, unknown (%u): %s", __func__,
		    peer_name(s->peer), n, r->u.bye.text);
	s->bye_reason = r->u.bye.reason;
	s->bye_received = 1;
	session_close(s, -1, NULL);
	return (0);
}

/*
 * Handle one decrypted record through the record table: 0 if handled or
 * ignored, -1 for a protocol error.
 */
static int
session_record(struct session *s, const u_char *p, size_t len)
{
	const struct record_type	*rt;
	struct record			 r;
	int				 rc;

	rt = wire_record_type(p[0]);
	if (rt == NULL)
		return (s->state < SESSION_OPEN ? -1 : 0);  /* HELLO first */
	if ((int)s->state < rt->state)
		return (-1);
	if ((rc = wire_parse(p, len, &r)) != 0) {
		log_debug("%s: malformed %s from %s:%u", __func__, rt->name,
		    s->host, s->port);
		return (-1);
	}
	if (r.type != REC_PING && r.type != REC_PONG)
		s->last_active = now_ms();	/* node_admit ranks by it */
	return (rt->handle(s, &r));
}

/* Handle one frame: a handshake message, or a transport message. */
static int
session_frame(struct session *s, const u_char *p, size_t len)
{
	if (s->state == SESSION_HANDSHAKE)
		return (session_handshake(s, p, len));
	if (len < NOISE_TAGLEN + 1)
		return (-1);
	if (noise_decrypt(&s->rx, p, len, session_plain) != 0) {
		log_debug("%s: %s:%u: decryption failed", __func__, s->host,
		    s->port);
		session_close(s, -1, NULL);
		return (0);
	}
	return (session_record(s, session_plain, len - NOISE_TAGLEN));
}

/*
 * The socket is readable (or frames wait from an earlier turn): read, up to
 * the input's bound, then split frames and handle each.
 */
static void
session_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	struct evbuffer	*in = s->in;
	const u_char	*body;
	size_t		 blen, used, room;
	ssize_t		 n = 1;
	u_int		 frames = 0;
	int		 rc;

	room = SESSION_IN_MAX - evbuffer_get_length(in);
	if (room != 0) {
		n = io_read(fd, in, room < SESSION_READ_MAX ? room :
		    SESSION_READ_MAX);
		if (n > 0)
			s->last_rx = now_ms();
		else if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			n = 1;
	}
	while (s->state != SESSION_CLOSING) {
		/*
		 * Take turns with other sessions and the terminal: the rest
		 * waits for a zero timer, which runs after the loop has polled
		 * (an event made active again here would run in this same
		 * turn, and a flooding peer would starve every other one).
		 */
		if (frames++ == SESSION_FRAMES_PER_TURN) {
			timer_add_ms(s->more, 0);
			return;		/* an end of file is read again */
		}
		rc = session_frame_pull(in, &body, &blen, &used);
		if (rc == 0)
			break;
		if (rc == -1 || session_frame(s, body, blen) != 0) {
			session_close(s, BYE_PROTOCOL, "protocol error");
			return;
		}
		if (s->state != SESSION_CLOSING)
			evbuffer_drain(in, used);
	}
	if (n <= 0 && s->state != SESSION_CLOSING)
		session_lost(s, n == 0 ? "connection closed" : strerror(errno));
}

/*
 * The first frame in an input buffer, left in place (the caller drains
 * *used bytes once it is done with *body): 1 and the frame, 0 if it is not
 * all there yet, -1 if the buffer does not start with a valid frame. The
 * benches read frames with it too.
 */
int
session_frame_pull(struct evbuffer *in, const u_char **body, size_t *blen,
    size_t *used)
{
	const u_char	*p;
	size_t		 have;

	if (evbuffer_get_length(in) < 2)
		return (0);
	p = evbuffer_pullup(in, 2);
	have = ((size_t)p[0] << 8 | p[1]) + 2;
	if (evbuffer_get_length(in) < have)
		have = 2;	/* the length alone is checked */
	p = evbuffer_pullup(in, have);
	return (wire_frame(p, have, body, blen, used));
}

/* Frames left from an earlier turn: go on with them (and read more). */
static void
session_more_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;

	if (s->state != SESSION_CLOSING && s->rd != NULL)
		session_read_cb(event_get_fd(s->rd), EV_READ, s);
}

/* The connection is gone (closed by the peer, or an error). */
static void
session_lost(struct session *s, const char *why)
{
	if (s->state == SESSION_CONNECTING)
		session_dial_failed(s, why);
	else if (s->state == SESSION_HANDSHAKE && s->dial != NULL)
		session_dial_failed(s, "closed during the handshake");
	session_close(s, -1, NULL);
}

/* Connected, or failed while connecting or writing. */
static void
session_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;

	if (what & BEV_EVENT_CONNECTED) {
		session_start(s);
		return;
	}
	session_lost(s, what & BEV_EVENT_ERROR ?
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()) :
	    "connection closed");
}

/* Handshake deadline, keepalive, and the reaper after close. */
static void
session_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session	*s = arg;
	struct buf	 b;
	int64_t		 idle;

	if (s->state == SESSION_CLOSING) {
		session_free(s);
		return;
	}
	if (s->state != SESSION_OPEN) {
		if (s->dial != NULL)
			session_dial_failed(s, "handshake timed out");
		session_close(s, -1, NULL);
		return;
	}
	idle = now_ms() - s->last_rx;
	if (idle >= SESSION_DEAD_MS) {
		session_close(s, BYE_NORMAL, "no answer for 90 seconds");
		return;
	}
	if (idle >= SESSION_IDLE_MS) {
		buf_init(&b);
		buf_put_u8(&b, REC_PING);
		buf_put_u64(&b, ++s->ping_token);
		session_send_buf(s, &b);
		buf_free(&b);
	}
	session_timer(s, SESSION_TICK_MS);
}

/* Accept a connection: admit it unless a limit says no. */
void
session_accept(evutil_socket_t fd, struct sockaddr *sa, int salen)
{
	struct bufferevent	*bev;
	char			 host[INET6_ADDRSTRLEN];
	u_short			 port;

	addr_sockaddr_host(sa, host, sizeof host, &port);
	if (session_nhandshake >= (u_int)cfg_num(CFG_MAX_HANDSHAKES) ||
	    session_count_host(host) >= (u_int)cfg_num(CFG_MAX_PER_ADDRESS)) {
		log_debug("%s: refusing %s:%u: too many handshakes", __func__,
		    host, port);
		evutil_closesocket(fd);
		return;
	}
	bev = bufferevent_socket_new(node_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		evutil_closesocket(fd);
		return;
	}
	session_start(session_new(bev, module_accept_initiator(host), host,
	    port, NULL));
}

/*
 * Start a session on a stream socket that is already connected (one end of
 * a relayed circuit's socketpair): no address, no dial, no redial.
 */
struct session *
session_attach(int fd, int initiator, const char *host)
{
	struct bufferevent	*bev;
	struct session		*s;

	bev = bufferevent_socket_new(node_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return (NULL);
	}
	s = session_new(bev, initiator, host, 0, NULL);
	session_start(s);
	return (s);
}

/* Dial a numeric address. */
struct session *
session_dial(struct sockaddr *sa, int salen, const char *dial, char **cause)
{
	struct bufferevent	*bev;
	struct session		*s;
	char			 host[INET6_ADDRSTRLEN];
	u_short			 port;

	addr_sockaddr_host(sa, host, sizeof host, &port);
	bev = bufferevent_socket_new(node_base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		xasprintf(cause, "%s: cannot make a socket", dial);
		return (NULL);
	}
	s = session_new(bev, 1, host, port, dial);
	if (bufferevent_socket_connect(bev, sa, salen) != 0) {
		xasprintf(cause, "%s: %s", dial, strerror(errno));
		session_close(s, -1, NULL);
		return (NULL);
	}
	return (s);
}

/*
 * Dial from a socket the caller made and bound (a punched connection, from
 * the listening port): no target, no redial. In a simultaneous open both
 * ends dialled, so the caller says which one starts the handshake.
 */
struct session *
session_dial_fd(int fd, struct sockaddr *sa, int salen, int initiator,
    char **cause)
{
	struct bufferevent	*bev;
	struct session		*s;
	char			 host[INET6_ADDRSTRLEN];
	u_short			 port;

	addr_sockaddr_host(sa, host, sizeof host, &port);
	bev = bufferevent_socket_new(node_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		xasprintf(cause, "%s:%u: cannot make a bufferevent", host,
		    port);
		return (NULL);
	}
	s = session_new(bev, initiator, host, port, NULL);
	if (bufferevent_socket_connect(bev, sa, salen) != 0) {
		xasprintf(cause, "%s:%u: %s", host, port, strerror(errno));
		session_close(s, -1, NULL);
		return (NULL);
	}
	return (s);
}

/*
 * Check the Ed25519 signature sig by key over the bytes in signed_part
 * (then freed) of a mesh record from this session: 1 if good. The third
 * bad one ends the session with BYE reason 1 (room and relay records count
 * together).
 */
int
session_check_signature(struct session *s, struct buf *signed_part,
    const uint8_t *sig, const uint8_t *key, const char *what)
{
	int	ok;

	ok = crypto_sign_verify_detached(sig, signed_part->d,
	    signed_part->size, key) == 0;
	buf_free(signed_part);
	if (ok)
		return (1);
	log_info("%s: bad %s signature from %s", __func__, what,
	    s->peer != NULL ? peer_name(s->peer) : s->host);
	if (++s->bad_sigs >= SESSION_BAD_SIGS)
		session_close(s, BYE_PROTOCOL, "bad signatures");
	return (0);
}

/* Count open sessions and those in the handshake. */
void
session_counts(u_int *open, u_int *handshaking)
{
	*open = session_nopen;
	*handshaking = session_nhandshake;
}
