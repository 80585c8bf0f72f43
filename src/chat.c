/*
 * chat.c: direct messages: CHAT, ACK and TYPING, the outbox, and the work
 * that waits for the commit at the end of a loop turn.
 *
 * A message the user sends is stored as pending (in the turn's transaction)
 * before any byte goes out; after the commit it is written to the peer's
 * session (state sent) and becomes delivered when the ACK arrives. Once a
 * session has had the whole outbox, new messages are sent from a copy kept
 * in memory (peer->fresh) instead of being read back. A CHAT
 * received is stored (deduplicated on its id and sent_at) and ACKed only
 * once the commit is durable; the frontend hears of messages then too.
 *
 * What a peer may have stored is bounded by a quota an hour (messages
 * and bytes of text, [limits] in p2pchat.ini), larger for a contact than
 * for a stranger. A CHAT beyond it is neither stored nor ACKed, and the
 * session is closed with BYE 3 once what came before is durable and ACKed.
 *
 * Work that waits for the commit is registered with txn.c. Sending stored
 * messages waits for the commit only (the message is in the database file
 * and survives a crash of this process); ACKs and events wait until the
 * commit is durable.
 */

#include "p2pchat.h"

enum chat_post_type {
	POST_ACK,
	POST_MSG,
	POST_STATE,
	POST_FLUSH,
	POST_RELAY_ACK,
	POST_CLOSE,		/* over quota: close the session */
	POST_REQUEST,		/* a stranger's message, held */
};
struct chat_post {
	enum chat_post_type	 type;
	struct peer		*peer;
	struct session		*session;	/* POST_RELAY_ACK, POST_CLOSE */
	struct conv		*conv;
	struct msg		 m;
	int			 first;		/* POST_REQUEST: its first */
	TAILQ_ENTRY(chat_post)	 entry;
};
TAILQ_HEAD(chat_posts_head, chat_post);
/*
 * Freed posts kept for reuse: a sender queues three per message, thousands
 * at a time in a burst, and calloc took 1.5% of its time.
 */
#define CHAT_SPARE_MAX	4096
static struct chat_posts_head	chat_spare = TAILQ_HEAD_INITIALIZER(chat_spare);
static u_int			chat_nspare;
static struct event		*chat_sent_ev;	/* mark what was sent */

#define CHAT_QUOTA_MS	(3600 * 1000)	/* the quota's window */

static void	chat_run(void *, int);
static void	chat_mark_sent_soon(void);

/*
 * Queue work for after this turn's transaction is committed (POST_FLUSH)
 * or durable (the others). The message text is copied.
 */
static struct chat_post *
chat_post(enum chat_post_type type, struct peer *p, struct conv *c,
    const struct msg *m)
{
	struct chat_post	*cp;

	if ((cp = TAILQ_FIRST(&chat_spare)) != NULL) {
		TAILQ_REMOVE(&chat_spare, cp, entry);
		chat_nspare--;
		memset(cp, 0, sizeof *cp);
	} else
		cp = xcalloc(1, sizeof *cp);
	cp->type = type;
	cp->peer = p;
	cp->conv = c;
	if (m != NULL) {
		cp->m = *m;
		if (m->text != NULL) {
			cp->m.text = xmalloc(m->len + 1);
			memcpy(cp->m.text, m->text, m->len);
			cp->m.text[m->len] = '\0';
		}
	}
	txn_after(type == POST_FLUSH ? TXN_COMMITTED : TXN_DURABLE, chat_run,
	    cp);
	return (cp);
}

/* Report a storage error and say whether there was one. */
static int
chat_store_failed(int rc, char *cause)
{
	if (rc == 0)
		return (0);
	fe_store_error(__func__, cause);
	return (1);
}

/* Send an ACK for a message id. */
static void
chat_send_ack(struct session *s, const uint8_t *id)
{
	u_char	rec[1 + MSGID_LEN];

	rec[0] = REC_ACK;
	memcpy(rec + 1, id, MSGID_LEN);
	session_send(s, rec, sizeof rec);
}

/* Send one stored message on a session. */
static int
chat_send_one(struct session *s, struct msg *m)
{
	struct buf	 b;
	int		 rc;

	buf_init(&b);
	wire_build_chat(&b, m->id, (uint64_t)m->ts, m->text, m->len);
	rc = session_send_buf(s, &b);
	buf_free(&b);
	if (rc == 0)
		s->outbox_sent = m->rowid;
	return (rc);
}

/* Keep a copy of a message just stored, to send after the commit. */
static void
chat_fresh_add(struct peer *p, const struct msg *m)
{
	struct msg_list	*ml = &p->fresh;
	struct msg	*c;

	if (ml->n == 0 || (ml->n >= 8 && (ml->n & (ml->n - 1)) == 0))
		ml->v = xreallocarray(ml->v, ml->n < 8 ? 8 : ml->n * 2,
		    sizeof *ml->v);
	c = &ml->v[ml->n++];
	*c = *m;
	c->text = xmalloc(m->len + 1);
	memcpy(c->text, m->text, m->len);
	c->text[m->len] = '\0';
}

/*
 * Send a peer every outbox message its session has not had yet. They are
 * shown as sent now; the store marks them so a moment later
 * (chat_mark_sent), in one statement, by when most are delivered already.
 * If the session had all of the outbox before, what is new since is the
 * messages stored in the transaction just committed: those are sent from
 * memory. Otherwise (a new session, or one that could not take it all)
 * the outbox is read from the store.
 */
static void
chat_flush(struct peer *p)
{
	struct session	*s = p->session;
	struct msg_list	 ml;
	char		*cause = NULL;
	int64_t		 first;
	u_int		 i, n = 0;

	if (s == NULL || s->state != SESSION_OPEN || p->conv == NULL) {
		msg_list_free(&p->fresh);
		return;
	}
	first = s->outbox_sent;
	if (s->outbox_drained && p->fresh.n != 0) {
		ml = p->fresh;
		memset(&p->fresh, 0, sizeof p->fresh);
	} else {
		msg_list_free(&p->fresh);
		if (chat_store_failed(store_msg_outbox(p->conv->id,
		    s->outbox_sent, &ml, &cause), cause))
			return;
	}
	for (i = 0; i < ml.n && s->state == SESSION_OPEN; i++) {
		if (chat_send_one(s, &ml.v[i]) != 0)
			break;
		n++;
	}
	s->outbox_drained = (n == ml.n);
	if (n != 0) {
		if (p->sent_upto == 0 || first < p->sent_after)
			p->sent_after = first;
		if (s->outbox_sent > p->sent_upto)
			p->sent_upto = s->outbox_sent;
		chat_mark_sent_soon();
	}
	for (i = 0; i < n; i++) {
		if (ml.v[i].state != MSG_PENDING)
			continue;
		ml.v[i].state = MSG_SENT;
		free(ml.v[i].text);
		ml.v[i].text = NULL;
		/* Shown after the message, which waits for the same sync. */
		chat_post(POST_STATE, p, p->conv, &ml.v[i]);
	}
	msg_list_free(&ml);
}

/* Mark what was sent as sent in the store (the timer below). */
static void
chat_mark_sent_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p;
	char		*cause = NULL;

	TAILQ_FOREACH(p, &peer_list, list) {
		if (p->sent_upto == 0 || p->conv == NULL)
			continue;
		if (chat_store_failed(store_msg_sent(p->conv->id,
		    p->sent_after, p->sent_upto, &cause) < 0, cause))
			return;
		p->sent_after = p->sent_upto = 0;
	}
}

/*
 * Mark messages sent within a second, so they do not cost an fsync of
 * their own. By then most of them are delivered and need no writing:
 * marking every message sent 200 ms after sending it took 9% of a
 * sender's time in a burst, rewriting rows (and their outbox index
 * entries) the ACK was about to rewrite again.
 */
static void
chat_mark_sent_soon(void)
{
	struct timeval	tv = { 1, 0 };

	if (chat_sent_ev != NULL && !evtimer_pending(chat_sent_ev, NULL))
		evtimer_add(chat_sent_ev, &tv);
}

/* Send a peer's outbox after the commit of this turn's transaction. */
static void
chat_flush_later(struct peer *p)
{
	if (!p->flush_queued) {
		p->flush_queued = 1;
		chat_post(POST_FLUSH, p, p->conv, NULL);
	}
}

/*
 * A session opened: send what waited in the outbox, after the commit (the
 * open transaction may hold messages stored this turn, which must not go
 * out before they are in the database file).
 */
static void
chat_session_open(struct session *s)
{
	chat_flush_later(s->peer);
}

/* Do one piece of queued work (if ok) and free it. */
static void
chat_run(void *arg, int ok)
{
	struct chat_post	*cp = arg;
	struct session		*s;

	if (cp->type == POST_FLUSH) {
		cp->peer->flush_queued = 0;
		if (!ok)	/* rolled back: not stored, not to be sent */
			msg_list_free(&cp->peer->fresh);
	}
	if (cp->type == POST_CLOSE) {	/* even if rolled back */
		if (cp->peer->quota_closing == cp->session)
			cp->peer->quota_closing = NULL;
		session_close(cp->session, BYE_OVERLOADED, "over quota");
	}
	s = cp->peer != NULL ? cp->peer->session : NULL;
	if (ok) {
		switch (cp->type) {
		case POST_ACK:
			if (s != NULL && s->state == SESSION_OPEN)
				chat_send_ack(s, cp->m.id);
			break;
		case POST_MSG:
			fe->message(cp->conv, &cp->m);
			break;
		case POST_REQUEST:
			if (fe->request != NULL)
				fe->request(cp->conv, &cp->m, cp->first);
			break;
		case POST_STATE:
			fe->state(cp->conv, &cp->m);
			break;
		case POST_FLUSH:
			if (peer_online(cp->peer))
				chat_flush(cp->peer);
			else {
				/* Find and dial it first; relays if not. */
				msg_list_free(&cp->peer->fresh);
				if (dht_reach(cp->peer, relay_offline_send) != 0)
					relay_offline_send(cp->peer);
			}
			break;
		case POST_RELAY_ACK:
			relay_ack_after_commit(cp->session, cp->m.author,
			    cp->m.id);
			break;
		case POST_CLOSE:
			break;
		}
	}
	if (cp->session != NULL)
		session_unref(cp->session);
	free(cp->m.text);
	if (chat_nspare < CHAT_SPARE_MAX) {
		TAILQ_INSERT_HEAD(&chat_spare, cp, entry);
		chat_nspare++;
	} else
		free(cp);
}

/* Make the timer that marks messages sent. */
static void
chat_init(void)
{
	chat_sent_ev = evtimer_new(node_base, chat_mark_sent_cb, NULL);
}

/* Free the spare posts (shutting down, after the last commit ran). */
static void
chat_shutdown(void)
{
	struct chat_post	*cp;

	if (chat_sent_ev != NULL)
		event_free(chat_sent_ev);
	chat_sent_ev = NULL;

	while ((cp = TAILQ_FIRST(&chat_spare)) != NULL) {
		TAILQ_REMOVE(&chat_spare, cp, entry);
		free(cp);
	}
	chat_nspare = 0;
}

/*
 * Show a stored message after the commit (rooms, relayed mail); a closed
 * window opens again.
 */
void
chat_post_message(struct conv *c, const struct msg *m)
{
	conv_show(c);
	chat_post(POST_MSG, NULL, c, m);
}

/*
 * Whether a message of len bytes from p, come from addr, may be stored:
 * within its quota, and for a stranger's, within the bounds of contact
 * requests (contact.c). 0 or -1; then says what becomes of a refused one.
 */
int
chat_admit(struct peer *p, const char *addr, size_t len, const char *then)
{
	if (chat_quota_check(p, len, then) != 0)
		return (-1);
	if (contact_holds(p) && contact_admit(p, addr) != 0)
		return (-1);
	return (0);
}

/*
 * A message from p was stored in c (not a duplicate): count it in the
 * quota and show it after the commit, or, from a stranger, hold it as
 * part of its contact request.
 */
void
chat_stored(struct peer *p, struct conv *c, struct msg *m)
{
	struct chat_post	*cp;

	chat_quota_add(p, m->len);
	p->typing = 0;
	if (contact_holds(p)) {
		cp = chat_post(POST_REQUEST, p, c, m);
		cp->first = contact_held_add(p);
		return;
	}
	conv_unread_add(c);
	conv_show(c);
	chat_post(POST_MSG, p, c, m);
}

/* Send an end-to-end relay ACK on a session after the commit. */
void
chat_post_relay_ack(struct session *s, const uint8_t *author,
    const uint8_t *msg_id)
{
	struct chat_post	*cp;
	struct msg		 m;

	memset(&m, 0, sizeof m);
	memcpy(m.author, author, PEER_ID_LEN);
	memcpy(m.id, msg_id, MSGID_LEN);
	cp = chat_post(POST_RELAY_ACK, NULL, NULL, &m);
	cp->session = s;
	session_ref(s);
}

/*
 * Fill *m for a message that arrived in conversation conv (a CHAT, a room
 * message, a relayed one), to be stored as received: id and author from
 * the wire, sent_at by the author's clock, text not copied; nick is what
 * the author calls itself now (NULL if it is not known).
 */
void
chat_msg_arrived(struct msg *m, int64_t conv, const uint8_t *id,
    const uint8_t *author, const char *nick, uint64_t sent_at,
    const char *text, size_t len)
{
	size_t	n;

	memset(m, 0, sizeof *m);
	m->conv = conv;
	memcpy(m->id, id, MSGID_LEN);
	memcpy(m->author, author, PEER_ID_LEN);
	m->outgoing = 0;
	m->state = MSG_RECEIVED;
	m->ts = sent_at > INT64_MAX ? INT64_MAX : (int64_t)sent_at;
	m->stored = now_ms();
	m->text = (char *)text;
	m->len = len;
	if (nick != NULL) {
		n = strlen(nick);	/* at most NICK_MAX */
		memcpy(m->nick, nick, n < NICK_MAX ? n : NICK_MAX);
		m->nick[n < NICK_MAX ? n : NICK_MAX] = '\0';
	}
}

/*
 * Whether a message of len bytes from the stranger p fits in what it may
 * have stored in all (counted from the store once a run, then kept): 0,
 * or -1 once said why.
 */
static int
chat_total_ok(struct peer *p, size_t len, const char *then)
{
	long long	 max_msgs, max_bytes;
	char		*cause;

	if (!p->total_known && p->conv != NULL) {
		if (store_conv_received(p->conv->id, &p->total_msgs,
		    &p->total_bytes, &cause) != 0) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
			return (0);
		}
		p->total_known = 1;
	}
	max_msgs = cfg_num(CFG_STRANGER_MESSAGES_TOTAL);
	max_bytes = cfg_num(CFG_STRANGER_BYTES_TOTAL);
	if (p->total_msgs < max_msgs &&
	    p->total_bytes + (long long)len <= max_bytes)
		return (0);
	if (p->quota_told != 2) {
		p->quota_told = 2;
		fe_errorf("%s, not a contact, has %lld messages stored, the most "
		    "it may (/accept it); %s", peer_name(p),
		    (long long)p->total_msgs, then);
		log_warnx("%s: %s is over its total: %lld messages, %lld "
		    "bytes", __func__, p->hex, (long long)p->total_msgs,
		    (long long)p->total_bytes);
	}
	return (-1);
}

/*
 * Whether a message of len bytes from peer p fits in its quota for this
 * hour: 0 if it does, -1 if not. The hour starts with the first message
 * counted; the counts live with the peer, so a peer that went over is
 * still over when it reconnects. The user is told once an hour, with then
 * saying what became of the message.
 */
int
chat_quota_check(struct peer *p, size_t len, const char *then)
{
	int64_t		 now = mono_us() / 1000;
	long long	 max_msgs, max_bytes;
	int		 contact = peer_contact(p);

	if ((p->quota_msgs == 0 && !p->quota_told) ||
	    now - p->quota_start >= CHAT_QUOTA_MS || now < p->quota_start) {
		p->quota_start = now;
		p->quota_msgs = 0;
		p->quota_bytes = 0;
		p->quota_told = 0;
	}
	max_msgs = cfg_num(contact ? CFG_MESSAGES_PER_HOUR :
	    CFG_STRANGER_MESSAGES_PER_HOUR);
	max_bytes = cfg_num(contact ? CFG_BYTES_PER_HOUR :
	    CFG_STRANGER_BYTES_PER_HOUR);
	if ((long long)p->quota_msgs < max_msgs &&
	    (long long)(p->quota_bytes + len) <= max_bytes &&
	    (contact || chat_total_ok(p, len, then) == 0))
		return (0);
	if (p->quota_told == 2)
		return (-1);	/* over the total: said already */
	if (!p->quota_told) {
		p->quota_told = 1;
		if ((long long)p->quota_msgs >= max_msgs)
			fe_errorf("%s sent more than %lld messages this hour; "
			    "%s", peer_name(p), max_msgs, then);
		else
			fe_errorf("%s sent more than %lld bytes this hour; %s",
			    peer_name(p), max_bytes, then);
		log_warnx("%s: %s is over its quota (%s): %u messages, %zu "
		    "bytes this hour", __func__, p->hex, contact ? "contact" :
		    "stranger", p->quota_msgs, p->quota_bytes);
	}
	return (-1);
}

/* Count a message of len bytes from peer p, just stored, in its quota. */
void
chat_quota_add(struct peer *p, size_t len)
{
	p->quota_msgs++;
	p->quota_bytes += len;
	if (p->total_known) {
		p->total_msgs++;
		p->total_bytes += len;
	}
}

/*
 * A CHAT went over the quota: close the session with BYE 3, once the
 * messages before it are durable and their ACKs written (a close now
 * would leave them unacknowledged, to be sent again into the same quota).
 */
static void
chat_close_later(struct session *s)
{
	struct peer		*p = s->peer;
	struct chat_post	*cp;

	if (p->quota_closing == s)
		return;
	log_info("%s: closing %s:%u, over quota", __func__, s->host, s->port);
	p->quota_closing = s;
	cp = chat_post(POST_CLOSE, p, p->conv, NULL);
	cp->session = s;
	session_ref(s);
}

/*
 * A CHAT arrived: store it (once) and ACK it after the commit; over the
 * quota, neither (the sender keeps it) and close the session.
 */
static int
chat_recv(struct session *s, struct rec_chat *rc)
{
	struct peer	*p = s->peer;
	struct msg	 m;
	char		*cause = NULL;
	int		 dup, err;

	if (chat_admit(p, s->host, rc->len, "session closed") != 0) {
		chat_close_later(s);
		return (0);
	}
	chat_msg_arrived(&m, p->conv->id, rc->id, p->id, p->nick, rc->sent_at,
	    (const char *)rc->text, rc->len);
	err = store_msg_add(&m, &dup, &cause);
	if (chat_store_failed(err, cause))
		return (0);	/* no ACK: the peer sends it again */
	if (!dup)
		chat_stored(p, p->conv, &m);
	m.text = NULL;
	chat_post(POST_ACK, p, p->conv, &m);
	return (0);
}

/*
 * Our message id to peer p was acknowledged (directly, or end to end
 * through a relay): mark it delivered and say so after the commit.
 */
void
chat_delivered(struct peer *p, const uint8_t *id)
{
	struct msg	 m;
	char		*cause = NULL;
	int		 rc;

	if (p->conv == NULL)
		return;
	rc = store_msg_state(p->conv->id, id, MSG_DELIVERED, &cause);
	if (chat_store_failed(rc < 0 ? -1 : 0, cause) || rc == 0)
		return;
	memset(&m, 0, sizeof m);
	m.conv = p->conv->id;
	memcpy(m.id, id, MSGID_LEN);
	memcpy(m.author, identity->ed_pk, PEER_ID_LEN);
	m.outgoing = 1;
	m.state = MSG_DELIVERED;
	chat_post(POST_STATE, p, p->conv, &m);
}

/* CHAT: a message from the peer. */
int
chat_chat_record(struct session *s, struct record *r)
{
	return (chat_recv(s, &r->u.chat));
}

/* ACK: the peer stored one of our messages. */
int
chat_ack_record(struct session *s, struct record *r)
{
	chat_delivered(s->peer, r->u.ack);
	return (0);
}

/* TYPING: the peer started or stopped typing. */
int
chat_typing_record(struct session *s, struct record *r)
{
	s->peer->typing = r->u.typing;
	fe->typing(s->peer);
	return (0);
}

/* Check text a user typed: not empty, valid UTF-8 (rooms use it too). */
int
chat_check_text(const char *text, size_t len, char **cause)
{
	if (len == 0 || strspn(text, " \t\n") == len) {
		xasprintf(cause, "empty message not sent");
		return (-1);
	}
	if (!utf8_valid(text, len, 0)) {
		xasprintf(cause, "message is not valid UTF-8");
		return (-1);
	}
	return (0);
}

/*
 * Send text to a peer: stored as pending now, sent after the commit. Text
 * longer than the 16384-byte limit of one CHAT is split at UTF-8
 * boundaries into several messages, in order.
 */
int
chat_send(struct peer *p, const char *text, size_t len, char **cause)
{
	struct msg	 m;
	size_t		 cut;
	int		 dup;

	if (chat_check_text(text, len, cause) != 0)
		return (-1);
	/* Writing to a peer makes it a contact, and accepts its request. */
	if (!peer_contact(p) && !p->conflict &&
	    contact_accept(p, cause) != 0)
		return (-1);
	/* Queued first: what was stored goes even if a later part fails. */
	chat_flush_later(p);
	while (len > 0) {
		cut = utf8_cut(text, len, TEXT_MAX);
		memset(&m, 0, sizeof m);
		m.conv = p->conv->id;
		random_id(m.id, MSGID_LEN);
		memcpy(m.author, identity->ed_pk, PEER_ID_LEN);
		m.outgoing = 1;
		m.state = MSG_PENDING;
		m.ts = m.stored = now_ms();
		m.text = (char *)text;
		m.len = cut;
		if (store_msg_add(&m, &dup, cause) != 0)
			return (-1);
		chat_fresh_add(p, &m);
		chat_post(POST_MSG, p, p->conv, &m);
		text += cut;
		len -= cut;
	}
	return (0);
}

/* Tell a peer we are typing (1) or stopped (0). */
int
chat_typing(struct peer *p, int state, char **cause)
{
	u_char	rec[2];

	if (!peer_online(p)) {
		xasprintf(cause, "%s is not online", peer_name(p));
		return (-1);
	}
	rec[0] = REC_TYPING;
	rec[1] = state ? 1 : 0;
	return (session_send(p->session, rec, sizeof rec));
}

const struct module chat_module = {
	.name = "chat",
	.init = chat_init,
	.session_open = chat_session_open,
	.shutdown = chat_shutdown,
};
