/*
 * relay.c: sealed delivery through other peers.
 *
 * A direct message to a peer with no session is also handed, sealed to the
 * recipient (crypto_box_seal to the X25519 form of its Ed25519 id) and
 * signed by the author, to the peers the author has sessions with. They
 * hold it, if its recipient is a peer they know, and hand it to the
 * recipient when it connects. The recipient stores it like a direct
 * message and answers with a RELAY_ACK signed by itself, which travels back
 * the same way, taking the held message's place; the author then marks the
 * message delivered. A relaying node learns who wrote to whom, when, and
 * the size; not the text.
 *
 * What a node holds is bounded by who brought it, since keys cost nothing:
 * per author (the session's peer), per remote address and per /24 or /48
 * of it, and in total, for at most 7 days. An ACK is held only in place of
 * a message held, so ACKs signed by fresh keys take no room.
 */

#include "p2pchat.h"

#include <arpa/inet.h>

#define RELAY_PER_AUTHOR	256
#define RELAY_PER_ADDR		256
#define RELAY_PER_NET		1024
#define RELAY_TOTAL		20000
#define RELAY_TTL_MS		(7LL * 24 * 3600 * 1000)
#define RELAY_SIG_CTX		"p2pchat/1 relay"
#define RELAY_ACK_CTX		"p2pchat/1 relay ack"
#define RELAY_KIND_MSG		0
#define RELAY_KIND_ACK		1
#define RELAY_STRANGERS		32	/* new authors an hour */
#define RELAY_EXPIRE_EVERY	60000	/* ms between sweeps of old records */

static struct {
	u_long		 held;
	u_long		 refused;
	u_long		 delivered;
} relay_stats;

static const struct relay_bounds relay_bounds = {
	.per_author = RELAY_PER_AUTHOR,
	.per_addr = RELAY_PER_ADDR,
	.per_net = RELAY_PER_NET,
	.total = RELAY_TOTAL,
};

/* The bytes the author of a RELAY signs. */
static void
relay_signed_part(struct buf *b, const struct rec_relay *m)
{
	buf_put(b, RELAY_SIG_CTX, sizeof RELAY_SIG_CTX - 1);
	buf_put(b, m->recipient, PEER_ID_LEN);
	buf_put(b, m->author, PEER_ID_LEN);
	buf_put(b, m->msg_id, MSGID_LEN);
	buf_put_u64(b, m->expires);
	buf_put_u16(b, (uint16_t)m->sealed_len);
	buf_put(b, m->sealed, m->sealed_len);
}

/* The bytes the recipient of a message signs in its RELAY_ACK. */
static void
relay_ack_signed_part(struct buf *b, const struct rec_relay_ack *a)
{
	buf_put(b, RELAY_ACK_CTX, sizeof RELAY_ACK_CTX - 1);
	buf_put(b, a->author, PEER_ID_LEN);
	buf_put(b, a->recipient, PEER_ID_LEN);
	buf_put(b, a->msg_id, MSGID_LEN);
	buf_put_u64(b, a->expires);
}

/* Build the sealed, signed RELAY record for one stored message. */
static int
relay_build(struct buf *b, struct peer *to, const struct msg *m)
{
	struct rec_relay	 r;
	struct buf		 plain, sig;
	uint8_t			 xpk[32];
	u_char			*sealed;
	size_t			 slen;

	if (crypto_sign_ed25519_pk_to_curve25519(xpk, to->id) != 0)
		return (-1);
	/* The author and id inside the seal: re-signing the envelope under
	 * another id makes it fail to deliver. */
	buf_init(&plain);
	buf_put(&plain, identity->ed_pk, PEER_ID_LEN);
	buf_put(&plain, m->id, MSGID_LEN);
	buf_put_u64(&plain, (uint64_t)m->ts);
	buf_put(&plain, m->text, m->len);
	slen = plain.size + crypto_box_SEALBYTES;
	sealed = xmalloc(slen);
	crypto_box_seal(sealed, plain.d, plain.size, xpk);
	buf_free(&plain);
	memset(&r, 0, sizeof r);
	r.recipient = to->id;
	r.author = identity->ed_pk;
	r.msg_id = m->id;
	r.expires = (uint64_t)(now_ms() + RELAY_TTL_MS);
	r.sealed = sealed;
	r.sealed_len = slen;
	buf_put_u8(b, REC_RELAY);
	buf_put(b, r.recipient, PEER_ID_LEN);
	buf_put(b, r.author, PEER_ID_LEN);
	buf_put(b, r.msg_id, MSGID_LEN);
	buf_put_u64(b, r.expires);
	buf_put_u16(b, (uint16_t)slen);
	buf_put(b, sealed, slen);
	buf_init(&sig);
	relay_signed_part(&sig, &r);
	crypto_sign_detached(buf_reserve(b, 64), NULL, sig.d, sig.size,
	    identity->ed_sk);
	buf_free(&sig);
	free(sealed);
	return (0);
}

/*
 * Seal each message of a list to its recipient once, and hand it to one
 * session, or (s NULL) to every open session but the recipient's.
 */
static void
relay_send_list(struct session *s, struct peer *to, const struct msg_list *ml)
{
	struct session	*t;
	struct buf	 b;
	u_int		 i;

	for (i = 0; i < ml->n && i < RELAY_PER_AUTHOR; i++) {
		buf_init(&b);
		if (relay_build(&b, to, &ml->v[i]) != 0) {
			buf_free(&b);
			continue;
		}
		if (s != NULL)
			session_send_buf(s, &b);
		else {
			TAILQ_FOREACH(t, &sessions, entry) {
				if (t->state == SESSION_OPEN && t->peer != to &&
				    peer_contact(t->peer))
					session_send_buf(t, &b);
			}
		}
		buf_free(&b);
	}
}

/* Hand all our undelivered messages for offline peers to one session. */
static void
relay_hand_over(struct session *s)
{
	struct peer	*p;
	struct msg_list	 ml;
	char		*cause;

	/* Our mail goes to contacts only: a stranger is owed nothing. */
	if (!peer_contact(s->peer))
		return;
	TAILQ_FOREACH(p, &peer_list, list) {
		if (p->session != NULL || p->conv == NULL || p == s->peer)
			continue;
		if (store_msg_outbox(p->conv->id, 0, &ml, &cause) != 0) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
			continue;
		}
		relay_send_list(s, p, &ml);
		msg_list_free(&ml);
	}
}

/* Messages to an offline peer were stored: give the new ones to relays. */
void
relay_offline_send(struct peer *p)
{
	struct msg_list	 ml;
	char		*cause;

	if (store_msg_outbox(p->conv->id, p->relayed, &ml, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		return;
	}
	relay_send_list(NULL, p, &ml);
	if (ml.n != 0)
		p->relayed = ml.v[ml.n - 1].rowid;
	msg_list_free(&ml);
}

/*
 * Hand one held record to the session of its recipient. A held ACK is done
 * with once handed over (its author sends the message again otherwise); a
 * held message waits for its recipient's ACK.
 */
static void
relay_send_held(int kind, const u_char *rec, size_t len, void *arg)
{
	struct session	*s = arg;
	struct record	 r;
	char		*cause;

	if (session_send(s, rec, len) != 0 || kind != RELAY_KIND_ACK)
		return;
	if (wire_parse(rec, len, &r) != 0 || r.type != REC_RELAY_ACK)
		return;
	if (store_relay_del(s->remote_id, r.u.relay_ack.msg_id,
	    RELAY_KIND_ACK, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
}

/* A session opened: hand over what we hold for it, and our own mail. */
static void
relay_session_open(struct session *s)
{
	static int64_t	 last_sweep;
	char		*cause;

	if (now_ms() - last_sweep > RELAY_EXPIRE_EVERY) {
		last_sweep = now_ms();
		if (store_relay_expire(&cause) != 0) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
		}
	}
	if (store_relay_for(s->remote_id, relay_send_held, s, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	relay_hand_over(s);
}

/* Send a RELAY_ACK for a message we received through a relay. */
static void
relay_ack_send(struct session *s, const uint8_t *author,
    const uint8_t *msg_id)
{
	struct rec_relay_ack	a;
	struct buf		b, sig;

	a.author = author;
	a.recipient = identity->ed_pk;
	a.msg_id = msg_id;
	a.expires = (uint64_t)(now_ms() + RELAY_TTL_MS);
	buf_init(&b);
	buf_put_u8(&b, REC_RELAY_ACK);
	buf_put(&b, author, PEER_ID_LEN);
	buf_put(&b, identity->ed_pk, PEER_ID_LEN);
	buf_put(&b, msg_id, MSGID_LEN);
	buf_put_u64(&b, a.expires);
	buf_init(&sig);
	relay_ack_signed_part(&sig, &a);
	crypto_sign_detached(buf_reserve(&b, 64), NULL, sig.d, sig.size,
	    identity->ed_sk);
	buf_free(&sig);
	session_send_buf(s, &b);
	buf_free(&b);
}

/*
 * May a relayed message from a peer never met create it? At most
 * RELAY_STRANGERS an hour; the rest are not ACKed, so their authors
 * hand them over again later.
 */
static int
relay_stranger_ok(void)
{
	static int64_t	window;
	static u_int	count;
	int64_t		now = now_ms();

	if (now - window > 3600000) {
		window = now;
		count = 0;
	}
	if (count >= RELAY_STRANGERS) {
		log_info("%s: too many new authors this hour", __func__);
		return (0);
	}
	count++;
	return (1);
}

/* A sealed message for us: open it, store it, ACK it end to end. */
static int
relay_deliver(struct session *s, struct rec_relay *r)
{
	struct peer		*author;
	struct msg		 m;
	struct rec_sealed	 in;
	u_char			*plain, xpk[32], xsk[32];
	size_t			 plen;
	char			*cause = NULL;
	int		 dup, rc;

	if ((author = peer_find(r->author)) != NULL &&
	    author->trust == TRUST_BLOCKED)
		return (0);
	plen = r->sealed_len - crypto_box_SEALBYTES;
	plain = xmalloc(plen);
	if (crypto_sign_ed25519_pk_to_curve25519(xpk, identity->ed_pk) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(xsk, identity->ed_sk) != 0)
		rc = -1;
	else
		rc = crypto_box_seal_open(plain, r->sealed, r->sealed_len, xpk,
		    xsk);
	sodium_memzero(xsk, sizeof xsk);
	/* The author and id inside the seal must be the envelope's. */
	if (rc != 0 || wire_parse_sealed(plain, plen, &in) != 0 ||
	    memcmp(in.author, r->author, PEER_ID_LEN) != 0 ||
	    memcmp(in.msg_id, r->msg_id, MSGID_LEN) != 0) {
		log_info("%s: a relayed message did not open", __func__);
		free(plain);
		return (0);
	}
	/*
	 * Strangers cost a peer and a conversation: only so many an hour,
	 * counted once their message has opened.
	 */
	if (author == NULL && !relay_stranger_ok()) {
		free(plain);
		return (0);
	}
	if (author == NULL &&
	    (author = peer_learn(r->author, &cause)) == NULL) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		free(plain);
		return (0);
	}
	/* Over the author's quota: not stored nor ACKed; the relay keeps it. */
	if (chat_admit(author, s->host, in.len, "relayed message refused") !=
	    0) {
		free(plain);
		return (0);
	}
	chat_msg_arrived(&m, author->conv->id, r->msg_id, r->author,
	    author->nick, in.sent_at, in.text, in.len);
	rc = store_msg_add(&m, &dup, &cause);
	if (rc != 0) {
		fe_store_error(__func__, cause);
		free(plain);
		return (0);
	}
	if (!dup) {
		relay_stats.delivered++;
		chat_stored(author, author->conv, &m);
	}
	chat_post_relay_ack(s, r->author, r->msg_id);
	free(plain);
	return (0);
}

/*
 * The network of a remote address, as text: its /24 if IPv4, its /48 if
 * IPv6 (a site), else the address itself.
 */
static void
relay_net(const char *host, char *out, size_t len)
{
	struct in_addr	 in4;
	struct in6_addr	 in6;
	char		 a[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET, host, &in4) == 1) {
		in4.s_addr &= htonl(0xffffff00);
		inet_ntop(AF_INET, &in4, a, sizeof a);
		xsnprintf(out, len, "%s/24", a);
	} else if (inet_pton(AF_INET6, host, &in6) == 1) {
		memset(in6.s6_addr + 6, 0, sizeof in6.s6_addr - 6);
		inet_ntop(AF_INET6, &in6, a, sizeof a);
		xsnprintf(out, len, "%s/48", a);
	} else
		xsnprintf(out, len, "%s", host);
}

/*
 * Hold a RELAY from its author's session s for its recipient, until the
 * recipient connects or the record expires (at most RELAY_TTL_MS from now).
 */
static void
relay_hold(struct session *s, struct record *rec)
{
	struct rec_relay	*r = &rec->u.relay;
	char			 net[INET6_ADDRSTRLEN + 4], *cause = NULL;
	int64_t			 expires;
	int			 rc;

	expires = now_ms() + RELAY_TTL_MS;
	if (r->expires < (uint64_t)expires)
		expires = (int64_t)r->expires;
	relay_net(s->host, net, sizeof net);
	rc = store_relay_put(r->recipient, r->author, r->msg_id, expires,
	    rec->raw, rec->rawlen, s->host, net, &relay_bounds, &cause);
	if (rc < 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	} else if (rc == 1)
		relay_stats.held++;
	else {
		log_debug("%s: not held (bounds, or held already)", __func__);
		relay_stats.refused++;
	}
}

/* A RELAY arrived: for us, deliver; from its author, hold or pass on. */
static int
relay_recv(struct session *s, struct record *rec)
{
	struct rec_relay	*r = &rec->u.relay;
	struct peer		*to;
	struct buf		 b;

	buf_init(&b);
	relay_signed_part(&b, r);
	if (!session_check_signature(s, &b, r->sig, r->author, "relay"))
		return (0);
	if (memcmp(r->recipient, identity->ed_pk, PEER_ID_LEN) == 0)
		return (relay_deliver(s, r));
	/* We relay only for the peers we have a session with. */
	if (memcmp(r->author, s->remote_id, PEER_ID_LEN) != 0)
		return (0);
	/* And only to peers we know, that may come to fetch it. */
	if ((to = peer_find(r->recipient)) == NULL ||
	    to->trust == TRUST_BLOCKED) {
		relay_stats.refused++;
		return (0);
	}
	if (peer_online(to)) {
		session_send(to->session, rec->raw, rec->rawlen);
		return (0);
	}
	relay_hold(s, rec);
	return (0);
}

/*
 * A RELAY_ACK arrived: ours means delivered; else pass it on, or hold it
 * in the place of the message it acknowledges.
 */
static int
relay_ack_recv(struct session *s, struct record *rec)
{
	struct rec_relay_ack	*a = &rec->u.relay_ack;
	struct peer		*p;
	struct buf		 b;
	char			*cause = NULL;
	int			 rc;

	buf_init(&b);
	relay_ack_signed_part(&b, a);
	if (!session_check_signature(s, &b, a->sig, a->recipient, "relay ack"))
		return (0);
	if (memcmp(a->author, identity->ed_pk, PEER_ID_LEN) == 0) {
		if ((p = peer_find(a->recipient)) != NULL)
			chat_delivered(p, a->msg_id);
		return (0);
	}
	if ((p = peer_find(a->author)) != NULL && peer_online(p)) {
		rc = store_relay_del(a->recipient, a->msg_id, RELAY_KIND_MSG,
		    &cause);
		session_send(p->session, rec->raw, rec->rawlen);
	} else {
		rc = store_relay_acked(a->author, a->recipient, a->msg_id,
		    now_ms() + RELAY_TTL_MS, rec->raw, rec->rawlen, &cause);
		if (rc == 0)
			relay_stats.refused++;
	}
	if (rc < 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	return (0);
}

/* A RELAY arrived. */
int
relay_msg_record(struct session *s, struct record *r)
{
	return (relay_recv(s, r));
}

/* A RELAY_ACK arrived. */
int
relay_ack_record(struct session *s, struct record *r)
{
	return (relay_ack_recv(s, r));
}

/* Send an end-to-end ACK after the commit (called from chat.c). */
void
relay_ack_after_commit(struct session *s, const uint8_t *author,
    const uint8_t *msg_id)
{
	if (s != NULL && s->state == SESSION_OPEN)
		relay_ack_send(s, author, msg_id);
}

/* The relay counters, for /stats. */
static void
relay_stats_put(struct stats *st)
{
	stats_add(st, "relay_held", (long long)relay_stats.held);
	stats_add(st, "relay_refused", (long long)relay_stats.refused);
	stats_add(st, "relay_delivered", (long long)relay_stats.delivered);
}

const struct module relay_module = {
	.name = "relay",
	.session_open = relay_session_open,
	.stats = relay_stats_put,
};
