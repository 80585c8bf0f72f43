/*
 * node.c: the node: the event base, signals, listening sockets, the limits
 * that admit a session, the dial targets with their backoff, and the commit
 * at the end of each loop turn.
 */

#include "p2pchat.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <signal.h>

struct event_base	*node_base;
static struct event	*node_commit_ev;
static struct event	*node_sync_ev;
static uint64_t		 node_gen = 1;	/* of the open transaction */
static int		 node_commit_wanted;	/* asked for during a sync */
static struct event	*node_soon_ev;
static struct event	*node_index_ev;
static int64_t		 node_index_first;	/* first unindexed, stored */
static int		 node_index_busy;	/* batches follow */

#define NODE_INDEX_DELAY_MS	1000	/* index new messages after a pause */
#define NODE_INDEX_MAX_MS	10000	/* or this long after the first */
#define NODE_INDEX_BATCH	2000	/* messages indexed per loop turn */
static struct event	*node_signals[5];
static struct evconnlistener *node_listeners[2];
static u_short		 node_port;
static char		*node_listen_text;
static int		 node_quitting;
static char		*node_nickname;

/* Authenticated sessions by remote peer id: one per peer. */
static int
node_session_cmp(struct session *a, struct session *b)
{
	return (memcmp(a->remote_id, b->remote_id, PEER_ID_LEN));
}
RB_HEAD(node_auth_tree, session);
RB_PROTOTYPE_STATIC(node_auth_tree, session, id_entry, node_session_cmp);
RB_GENERATE_STATIC(node_auth_tree, session, id_entry, node_session_cmp);
static struct node_auth_tree	node_auth = RB_INITIALIZER(&node_auth);
static u_int			node_nauth;

/* A dial target: an address we keep dialling until a session is up. */
struct target {
	char		*host;
	u_short		 port;
	struct peer	*peer;		/* who answered there last */
	u_int		 backoff;	/* ms, 0 before the first failure */
	int		 user;		/* typed by the user */
	struct session	*session;	/* dial in progress */
	struct event	*ev;
	TAILQ_ENTRY(target) entry;
};
static TAILQ_HEAD(, target) node_targets = TAILQ_HEAD_INITIALIZER(node_targets);

#define TARGET_BACKOFF_MIN	1000
#define TARGET_BACKOFF_MAX	300000
#define TARGET_STABLE_MS	60000

static void	node_target_cb(evutil_socket_t, short, void *);

/* Our nick: the configured one, or the login name. */
const char *
node_nick(void)
{
	const char	*n;

	if (node_nickname != NULL)
		return (node_nickname);
	n = cfg_str(CFG_NICK);
	if (*n == '\0' && (n = getenv("USER")) == NULL)
		n = "anonymous";
	node_nickname = xstrndup(n, utf8_cut(n, strlen(n), NICK_MAX));
	if (*node_nickname == '\0' || !utf8_valid(node_nickname,
	    strlen(node_nickname), 1)) {
		free(node_nickname);
		node_nickname = xstrdup("anonymous");
	}
	return (node_nickname);
}

/* Change our nick (sent in HELLO to every open session). */
void
node_set_nick(const char *nick)
{
	struct session	*s;
	struct buf	 b;

	free(node_nickname);
	node_nickname = xstrdup(nick);
	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->state != SESSION_OPEN)
			continue;
		buf_init(&b);
		wire_build_hello(&b, nick, node_port, 0,
		    PACKAGE_NAME " " PACKAGE_VERSION);
		session_send_buf(s, &b);
		buf_free(&b);
	}
}

/* The port we listen on (0 if none). */
u_short
node_listen_port(void)
{
	return (node_port);
}

/* The listen address as text, with the real port. */
const char *
node_listen_address(void)
{
	return (node_listen_text ? node_listen_text : "");
}

/* Ask for a commit at the end of this loop turn. */
void
node_schedule_commit(void)
{
	if (node_commit_ev != NULL && !event_pending(node_commit_ev,
	    EV_TIMEOUT, NULL))
		event_active(node_commit_ev, EV_TIMEOUT, 0);
}

/* The commit-soon timer fired. */
static void
node_soon_cb(evutil_socket_t fd, short what, void *arg)
{
	chat_mark_sent();
	node_schedule_commit();
}

/*
 * Ask for a commit within a second, for writes that nothing waits for
 * (messages marked sent), so they do not cost an fsync of their own. By
 * then most of them are delivered and need no writing: marking every
 * message sent 200 ms after sending it took 9% of a sender's time in a
 * burst, rewriting rows (and their outbox index entries) the ACK was
 * about to rewrite again.
 */
void
node_commit_soon(void)
{
	struct timeval	tv = { 1, 0 };

	if (node_soon_ev != NULL && !evtimer_pending(node_soon_ev, NULL))
		evtimer_add(node_soon_ev, &tv);
}

/*
 * New messages were stored: index them once storing pauses for
 * NODE_INDEX_DELAY_MS (a burst is not slowed by it), but no later than
 * NODE_INDEX_MAX_MS after the first of them (under steady traffic). While
 * batches are under way, they take the new messages too.
 */
static void
node_index_later(void)
{
	int64_t	now, at;

	if (node_index_ev == NULL || node_index_busy)
		return;
	now = mono_us() / 1000;
	if (node_index_first == 0)
		node_index_first = now;
	at = now + NODE_INDEX_DELAY_MS;
	if (at > node_index_first + NODE_INDEX_MAX_MS) {
		if (evtimer_pending(node_index_ev, NULL))
			return;
		at = now;
	}
	timer_add_ms(node_index_ev, at - now);
}

/*
 * Put a batch of new messages into the full-text index, off the message
 * path; more batches follow until it is done. A search indexes the rest
 * itself first.
 */
static void
node_index_cb(evutil_socket_t fd, short what, void *arg)
{
	char	*cause;
	int	 more;

	node_index_busy = 0;
	node_index_first = 0;
	if (store_begin(&cause) != 0 ||
	    store_index(NODE_INDEX_BATCH, &more, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		return;
	}
	node_schedule_commit();
	if (more) {
		node_index_busy = 1;
		timer_add_ms(node_index_ev, 10);
	}
}

/*
 * Make transaction gen durable on this thread (the disk is quiet). What the
 * commit let go (messages to send) is written out first, so the peer has
 * it while we wait; what waited for the sync is written out after.
 */
static void
node_sync_inline(uint64_t gen)
{
	char	*cause;
	int	 ok = 1;

	session_write_all();
	if (sync_inline(&cause) != 0) {
		fe_store_error(__func__, cause);
		ok = 0;
	}
	chat_synced(gen, ok);
	session_write_all();
	if (fe->flush != NULL)
		fe->flush();
}

/*
 * End of a loop turn: commit the turn's transaction (generation
 * node_gen), send what waited for the commit, and start the sync that makes
 * it durable; what waits for that runs in node_synced_cb. While a sync runs
 * no commit is made: the next turns add to the open transaction, which is
 * committed when the sync is over (group commit sized by the disk).
 */
static void
node_commit_cb(evutil_socket_t fd, short what, void *arg)
{
	char		*cause;
	uint64_t	 gen = node_gen;
	int		 ok = 1, was_open, durable;

	if (sync_busy()) {
		node_commit_wanted = 1;
		return;
	}
	node_commit_wanted = 0;
	if (conv_store_unread(&cause) != 0)
		fe_store_error(__func__, cause);	/* the messages still go */
	if (!(was_open = store_pending()) && !chat_waiting())
		return;
	/* Only marks and indexing written: the next sync takes them. */
	durable = was_open && !store_lazy() && sync_durable();
	if (store_commit(&cause) != 0) {
		fe_store_error(__func__, cause);
		ok = 0;
	}
	node_gen++;
	chat_committed(gen, ok);
	if (ok && durable && sync_quiet())
		node_sync_inline(gen);
	else if (ok && durable) {
		sync_request();
		session_write_all();	/* now, not after the next poll */
	} else
		chat_synced(gen, ok);	/* earlier ones are durable already */
	if (ok && store_take_added())
		node_index_later();
}

/* The sync thread finished: what waited for durability can go. */
static void
node_synced_cb(evutil_socket_t fd, short what, void *arg)
{
	char	*cause = NULL;
	int	 rc;

	if ((rc = sync_done(&cause)) == 0)
		return;
	if (rc < 0)
		fe_store_error(__func__, cause);
	chat_synced(node_gen - 1, rc > 0);
	session_write_all();		/* the ACKs that waited */
	if (fe->flush != NULL)
		fe->flush();
	if (node_commit_wanted)
		node_schedule_commit();
}

/* The generation of the transaction open now (or the next one). */
uint64_t
node_commit_gen(void)
{
	return (node_gen);
}

/* New connection on a listening socket. */
static void
node_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	int	one = 1;

	if (node_quitting) {
		evutil_closesocket(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	session_accept(fd, sa, salen);
}

/* Listener error (out of file descriptors, say): pause briefly. */
static void
node_accept_error_cb(struct evconnlistener *l, void *arg)
{
	log_warnx("%s: accept: %s", __func__, strerror(errno));
}

/* Bind and listen on one address. */
static struct evconnlistener *
node_listen_one(struct sockaddr *sa, socklen_t salen, char **cause)
{
	struct evconnlistener	*l;
	evutil_socket_t		 fd;
	int			 one = 1;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (NULL);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, sa, salen) != 0 || listen(fd, 512) != 0) {
		xasprintf(cause, "cannot listen on %s: %s", cfg_str(CFG_LISTEN),
		    strerror(errno));
		close(fd);
		return (NULL);
	}
	l = evconnlistener_new(node_base, node_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (l == NULL)
		fatalx("evconnlistener_new");
	evconnlistener_set_error_cb(l, node_accept_error_cb);
	return (l);
}

/* Find the port a listener got. */
static u_short
node_bound_port(struct evconnlistener *l)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;
	char			host[INET6_ADDRSTRLEN];
	u_short			port = 0;

	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss,
	    &len) == 0)
		addr_sockaddr_host((struct sockaddr *)&ss, host, sizeof host,
		    &port);
	return (port);
}

/* Listen on the configured address: "*" is every IPv4 and IPv6 address. */
static int
node_listen(char **cause)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr_storage	 ss;
	int			 sslen = sizeof ss;
	char			*host, *err;
	u_short			 port;

	if (addr_parse(cfg_str(CFG_LISTEN), &host, &port, cause) != 0)
		return (-1);
	memset(&sin, 0, sizeof sin);
	if (strcmp(host, "*") == 0 || *host == '\0') {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		node_listeners[0] = node_listen_one((struct sockaddr *)&sin,
		    sizeof sin, cause);
		if (node_listeners[0] == NULL)
			goto fail;
		port = node_bound_port(node_listeners[0]);
		memset(&sin6, 0, sizeof sin6);
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		node_listeners[1] = node_listen_one((struct sockaddr *)&sin6,
		    sizeof sin6, &err);
		if (node_listeners[1] == NULL) {
			log_info("%s: no IPv6: %s", __func__, err);
			free(err);
		}
		xasprintf(&node_listen_text, "0.0.0.0:%u", port);
	} else {
		memset(&ss, 0, sizeof ss);
		if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
			sin.sin_family = AF_INET;
			sin.sin_port = htons(port);
			memcpy(&ss, &sin, sizeof sin);
			sslen = sizeof sin;
		} else if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
			memset(&sin6, 0, sizeof sin6);
			inet_pton(AF_INET6, host, &sin6.sin6_addr);
			sin6.sin6_family = AF_INET6;
			sin6.sin6_port = htons(port);
			memcpy(&ss, &sin6, sizeof sin6);
			sslen = sizeof sin6;
		} else {
			xasprintf(cause, "listen address \"%s\" is not a "
			    "numeric ADDR:PORT", cfg_str(CFG_LISTEN));
			goto fail;
		}
		node_listeners[0] = node_listen_one((struct sockaddr *)&ss,
		    sslen, cause);
		if (node_listeners[0] == NULL)
			goto fail;
		port = node_bound_port(node_listeners[0]);
		if (ss.ss_family == AF_INET6)
			xasprintf(&node_listen_text, "[%s]:%u", host, port);
		else
			xasprintf(&node_listen_text, "%s:%u", host, port);
	}
	node_port = port;
	free(host);
	return (0);
fail:
	free(host);
	return (-1);
}

/* A signal arrived. */
static void
node_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	switch (sig) {
	case SIGINT:
	case SIGTERM:
		node_quit();
		break;
	case SIGHUP:
		log_reopen();
		break;
	case SIGWINCH:
		if (node_winch_hook != NULL)
			node_winch_hook();
		break;
	}
}

void	(*node_winch_hook)(void);

/* libevent's own warnings go to the log, never onto the screen. */
static void
node_event_log(int severity, const char *msg)
{
	log_write(severity >= EVENT_LOG_WARN ? LOG_WARN : LOG_DEBUG,
	    "libevent: %s", msg);
}

/* Make the event base, signal events and listeners. */
int
node_init(char **cause)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
	u_int			 i;

	signal(SIGPIPE, SIG_IGN);
	event_set_log_callback(node_event_log);
	if ((node_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	event_base_priority_init(node_base, 3);
	/*
	 * The commit runs at the I/O events' priority, after the callbacks
	 * already active this turn. At a lower one it starved while input
	 * kept coming: a sender stored a whole burst of commands before it
	 * sent any, and its peer sat idle meanwhile.
	 */
	node_commit_ev = event_new(node_base, -1, 0, node_commit_cb, NULL);
	event_priority_set(node_commit_ev, 1);
	if (sync_fd() != -1) {
		node_sync_ev = event_new(node_base, sync_fd(),
		    EV_READ|EV_PERSIST, node_synced_cb, NULL);
		event_priority_set(node_sync_ev, 1);
		event_add(node_sync_ev, NULL);
	}
	node_soon_ev = evtimer_new(node_base, node_soon_cb, NULL);
	node_index_ev = evtimer_new(node_base, node_index_cb, NULL);
	if (store_take_added())
		node_index_later();
	for (i = 0; i < nitems(sigs); i++) {
		node_signals[i] = evsignal_new(node_base, sigs[i],
		    node_signal_cb, NULL);
		evsignal_add(node_signals[i], NULL);
	}
	if (node_listen(cause) != 0)
		return (-1);
	pex_init();
	lan_init();
	return (0);
}

/* Leave the loop after a clean shutdown. */
void
node_quit(void)
{
	if (node_quitting)
		return;
	node_quitting = 1;
	event_base_loopexit(node_base, NULL);
}

/* Is the node shutting down? */
int
node_is_quitting(void)
{
	return (node_quitting);
}

/* Run the loop until /quit or a signal. */
void
node_loop(void)
{
	event_base_dispatch(node_base);
}

/* Close everything: BYE to every session, flush, commit, free. */
void
node_shutdown(void)
{
	struct target	*t;
	struct timeval	 tv = { 0, 300000 };
	struct session	*s;
	char		*cause;
	u_int		 i;

	node_quitting = 1;
	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->state != SESSION_CLOSING)
			session_close(s, BYE_NORMAL, "shutting down");
	}
	/* Give the BYEs a moment to go out. */
	if (!TAILQ_EMPTY(&sessions)) {
		event_base_loopexit(node_base, &tv);
		event_base_dispatch(node_base);
	}
	session_free_all();
	if (store_commit(&cause) != 0 || sync_now(&cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		chat_committed(node_gen, 0);
	} else {
		chat_committed(node_gen, 1);
		chat_synced(node_gen, 1);
	}
	chat_shutdown();
	while ((t = TAILQ_FIRST(&node_targets)) != NULL) {
		TAILQ_REMOVE(&node_targets, t, entry);
		event_free(t->ev);
		free(t->host);
		free(t);
	}
	for (i = 0; i < nitems(node_listeners); i++) {
		if (node_listeners[i] != NULL)
			evconnlistener_free(node_listeners[i]);
	}
	for (i = 0; i < nitems(node_signals); i++) {
		if (node_signals[i] != NULL)
			event_free(node_signals[i]);
	}
	event_free(node_commit_ev);
	if (node_sync_ev != NULL)
		event_free(node_sync_ev);
	node_sync_ev = NULL;
	event_free(node_soon_ev);
	event_free(node_index_ev);
	node_commit_ev = node_soon_ev = node_index_ev = NULL;
	mesh_shutdown();
	pex_shutdown();
	lan_shutdown();
	peer_free_all();
	event_base_free(node_base);
	node_base = NULL;
	free(node_listen_text);
	free(node_nickname);
}

/*
 * A session authenticated. Return -1 to admit it, or the BYE reason to
 * close it with. When both sides dial each other at once, both keep the
 * session whose initiator has the smaller peer id; a new session replaces
 * an older one dialled the same way (the older is presumed dead).
 */
int
node_admit(struct session *s, const char **why)
{
	struct session		*old;
	struct peer		*p;
	const uint8_t		*s_init, *old_init;

	if ((p = peer_find(s->remote_id)) != NULL &&
	    p->trust == TRUST_BLOCKED) {
		*why = "blocked";
		return (BYE_BLOCKED);
	}
	if ((old = RB_FIND(node_auth_tree, &node_auth, s)) != NULL) {
		if (old->initiator != s->initiator) {
			s_init = s->initiator ? identity->ed_pk : s->remote_id;
			old_init = old->initiator ? identity->ed_pk :
			    old->remote_id;
			if (memcmp(s_init, old_init, PEER_ID_LEN) > 0) {
				*why = "duplicate connection";
				return (BYE_DUPLICATE);
			}
		}
		session_close(old, BYE_DUPLICATE, "duplicate connection");
	}
	if (node_nauth >= (u_int)cfg_num(CFG_MAX_PEERS)) {
		*why = "too many peers";
		return (BYE_OVERLOADED);
	}
	RB_INSERT(node_auth_tree, &node_auth, s);
	node_nauth++;
	return (-1);
}

/* Find or make the target for an address. */
static struct target *
node_target(const char *host, u_short port, int user)
{
	struct target	*t;

	TAILQ_FOREACH(t, &node_targets, entry) {
		if (t->port == port && strcmp(t->host, host) == 0) {
			t->user |= user;
			return (t);
		}
	}
	t = xcalloc(1, sizeof *t);
	t->host = xstrdup(host);
	t->port = port;
	t->user = user;
	t->ev = evtimer_new(node_base, node_target_cb, t);
	TAILQ_INSERT_TAIL(&node_targets, t, entry);
	return (t);
}

/* Forget a target. */
static void
node_target_free(struct target *t)
{
	TAILQ_REMOVE(&node_targets, t, entry);
	event_free(t->ev);
	free(t->host);
	free(t);
}

/* Schedule the next dial of a target after its backoff, with jitter. */
static void
node_target_retry(struct target *t)
{
	u_int		ms;

	if (node_quitting)
		return;
	if (t->backoff == 0)
		t->backoff = TARGET_BACKOFF_MIN;
	else if ((t->backoff *= 2) > TARGET_BACKOFF_MAX)
		t->backoff = TARGET_BACKOFF_MAX;
	/* 75% to 125% of the backoff. */
	ms = t->backoff * 3 / 4 + randombytes_uniform(t->backoff / 2 + 1);
	timer_add_ms(t->ev, ms);
	log_debug("%s: %s:%u in %u ms", __func__, t->host, t->port, ms);
}

/* Dial a target now, unless its peer is already connected. */
static int
node_target_dial(struct target *t, char **cause)
{
	struct sockaddr_storage	 ss;
	struct addrinfo		 hints, *ai;
	char			 portstr[8], *dial;
	int			 error;

	if (t->session != NULL)
		return (0);
	if (t->peer != NULL && t->peer->session != NULL)
		return (0);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof portstr, "%u", t->port);
	if ((error = getaddrinfo(t->host, portstr, &hints, &ai)) != 0) {
		xasprintf(cause, "%s: %s", t->host, gai_strerror(error));
		return (-1);
	}
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	xasprintf(&dial, "%s:%u", t->host, t->port);
	t->session = session_dial((struct sockaddr *)&ss, ai->ai_addrlen,
	    dial, cause);
	freeaddrinfo(ai);
	free(dial);
	return (t->session == NULL ? -1 : 0);
}

/* A target's backoff expired: dial again. */
static void
node_target_cb(evutil_socket_t fd, short what, void *arg)
{
	struct target	*t = arg;
	char		*cause;

	if (node_target_dial(t, &cause) != 0) {
		log_info("%s: %s", __func__, cause);
		free(cause);
		node_target_retry(t);
	}
}

/* Find the target whose dial made this session. */
static struct target *
node_target_of(struct session *s)
{
	struct target	*t;

	TAILQ_FOREACH(t, &node_targets, entry) {
		if (t->session == s)
			return (t);
	}
	return (NULL);
}

/* Is HOST:PORT this node's own listener, as seen from this machine? */
static int
node_own_address(const char *host, u_short port)
{
	if (port != node_port)
		return (0);
	return (addr_host_class(host) == ADDR_LOOPBACK ||
	    strcmp(host, "localhost") == 0 || strcmp(host, "0.0.0.0") == 0 ||
	    strcmp(host, "::") == 0);
}

/*
 * Dial "HOST:PORT" and keep dialling it with backoff until it answers.
 * Dialling our own listening address is refused.
 */
int
node_connect(const char *addr, int user, char **cause)
{
	struct target	*t;
	char		*host;
	u_short		 port;

	if (addr_parse(addr, &host, &port, cause) != 0)
		return (-1);
	if (port == 0 || *host == '\0') {
		xasprintf(cause, "\"%s\": give a host and a port", addr);
		free(host);
		return (-1);
	}
	if (node_own_address(host, port)) {
		xasprintf(cause, "%s is this node's own address", addr);
		free(host);
		return (-1);
	}
	t = node_target(host, port, user);
	free(host);
	if (node_target_dial(t, cause) != 0) {
		node_target_retry(t);
		return (-1);
	}
	return (0);
}

/* A dial failed before a session opened. */
void
node_dial_failed(struct session *s, const char *why)
{
	struct target	*t;

	if ((t = node_target_of(s)) == NULL)
		return;
	t->session = NULL;
	if (strcmp(why, "that address is this node") == 0) {
		fe_errorf("%s:%u: %s", t->host, t->port, why);
		node_target_free(t);
		return;
	}
	if (t->user && t->backoff == 0)
		fe_errorf("cannot connect to %s:%u: %s (retrying)", t->host,
		    t->port, why);
	log_info("%s: %s:%u: %s", __func__, t->host, t->port, why);
	node_target_retry(t);
}

/* A session opened: remember the address, tell the frontend, send mail. */
void
node_session_open(struct session *s)
{
	struct peer	*p = s->peer;
	struct target	*t;
	char		*cause = NULL;
	int		 rc = 0;

	p->up_since = now_ms();
	free(p->addr);
	xasprintf(&p->addr, "%s:%u", s->host, s->port);
	if ((t = node_target_of(s)) != NULL) {
		t->session = NULL;
		t->peer = p;
		evtimer_del(t->ev);
		rc = store_begin(&cause) == 0 ? store_addr_ok(s->host, s->port,
		    p->dbid, &cause) : -1;
	} else if (s->listen_port != 0) {
		t = node_target(s->host, s->listen_port, 0);
		t->peer = p;
		evtimer_del(t->ev);
		rc = store_begin(&cause) == 0 ? store_addr_add(s->host,
		    s->listen_port, 1, p->dbid, &cause) : -1;
	}
	if (rc != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	log_info("%s: %s (%.16s) online at %s", __func__, peer_name(p),
	    p->hex, p->addr);
	fe->peer(p);
	chat_session_open(s);
	pex_session_open(s);
	mesh_session_open(s);
	node_schedule_commit();
}

/* An authenticated session is closing: redial its peer's addresses. */
void
node_session_gone(struct session *s)
{
	struct target	*t;
	int		 stable;

	if (RB_FIND(node_auth_tree, &node_auth, s) == s) {
		RB_REMOVE(node_auth_tree, &node_auth, s);
		node_nauth--;
	}
	if (s->peer == NULL || s->peer->session != s || node_quitting)
		return;
	pex_schedule_fill();
	if (s->bye_reason == BYE_DUPLICATE || s->bye_reason == BYE_BLOCKED)
		return;
	stable = now_ms() - s->peer->up_since >= TARGET_STABLE_MS;
	TAILQ_FOREACH(t, &node_targets, entry) {
		if (t->peer != s->peer)
			continue;
		if (stable)
			t->backoff = 0;
		if (!evtimer_pending(t->ev, NULL))
			node_target_retry(t);
	}
}

/* Loader callback: dial each stored address of a known peer. */
static void
node_load_addr(const struct addr_row *ar, void *arg)
{
	struct target	*t;

	if (!ar->has_peer || ar->port == 0)
		return;
	t = node_target(ar->host, ar->port, 0);
	t->peer = peer_find(ar->peer);
	if (t->peer != NULL && t->peer->trust == TRUST_BLOCKED)
		return;
	evtimer_del(t->ev);
	event_active(t->ev, EV_TIMEOUT, 0);
}

/* Start dialling: configured bootstrap peers and remembered addresses. */
void
node_start_dialling(void)
{
	char	*cause;
	u_int	 i;

	for (i = 0; i < cfg_list_count(CFG_BOOTSTRAP); i++) {
		if (node_connect(cfg_list_get(CFG_BOOTSTRAP, i), 0,
		    &cause) != 0) {
			log_info("%s: %s", __func__, cause);
			free(cause);
		}
	}
	if (store_addr_load(node_load_addr, NULL, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	pex_schedule_fill();
}

/*
 * Dial an address from the book unless it is being dialled, waiting out a
 * backoff, or its peer is connected. Returns 1 when a dial started.
 */
int
node_dial_candidate(const char *host, u_short port)
{
	struct target	*t;
	char		*cause;

	if (node_own_address(host, port))
		return (0);
	TAILQ_FOREACH(t, &node_targets, entry) {
		if (t->port == port && strcmp(t->host, host) == 0)
			break;
	}
	if (t != NULL && (t->session != NULL ||
	    evtimer_pending(t->ev, NULL) ||
	    (t->peer != NULL && t->peer->session != NULL)))
		return (0);
	if (t == NULL)
		t = node_target(host, port, 0);
	if (node_target_dial(t, &cause) != 0) {
		log_info("%s: %s", __func__, cause);
		free(cause);
		node_target_retry(t);
		return (0);
	}
	return (t->session != NULL);
}

/* Dial a peer's known addresses again now (after /trust unblocks it). */
void
node_redial(struct peer *p)
{
	struct target	*t;
	char		*cause;

	if (p->session != NULL)
		return;
	TAILQ_FOREACH(t, &node_targets, entry) {
		if (t->peer != p)
			continue;
		t->backoff = 0;
		evtimer_del(t->ev);
		if (node_target_dial(t, &cause) != 0) {
			log_info("%s: %s", __func__, cause);
			free(cause);
			node_target_retry(t);
		}
	}
}
