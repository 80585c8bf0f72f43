/*
 * node.c: the node: the event base, signals, listening sockets, the limits
 * that admit a session, and the dial targets with their backoff. The
 * turn's transaction is txn.c's; the protocol modules are module.c's.
 */

#include "p2pchat.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <signal.h>

struct event_base	*node_base;
static struct event	*node_fill_ev;	/* dial from the book soon */
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

/*
 * A dial target: an address we dial until a session is up, and again with
 * backoff after it ends. It lives only while it is wanted: one the user
 * gave is kept for ever; one where a peer answered is forgotten after
 * TARGET_FAILURES_MAX failures in a row; one dialled from the address book
 * (or on a LAN announcement) is forgotten at its first failure, since the
 * book counts failures and paces the next try itself.
 */
struct target {
	char		*host;
	u_short		 port;
	struct peer	*peer;		/* who answered there last */
	u_int		 backoff;	/* ms, 0 before the first failure */
	u_int		 failures;	/* in a row */
	int		 user;		/* typed by the user: errors shown */
	int		 keep;		/* given by the user or the config */
	int		 book;		/* dialled from the address book */
	struct session	*session;	/* ours there, dialling or up */
	struct session	*pinned;	/* the session node_pin checked */
	struct event	*ev;
	TAILQ_ENTRY(target) entry;
};
static TAILQ_HEAD(, target) node_targets = TAILQ_HEAD_INITIALIZER(node_targets);

#define TARGET_BACKOFF_MIN	1000
#define TARGET_BACKOFF_MAX	300000
#define TARGET_STABLE_MS	60000
#define TARGET_FAILURES_MAX	5

/*
 * Dialling from the address book waits node_book_wait ms after a failed
 * dial, doubled each time a dial fails once the wait is over, and reset
 * when one opens: a book full of dead (or made-up) addresses is tried a
 * round at a time, ever more slowly.
 */
static struct event	*node_book_ev;
static int64_t		 node_book_until;	/* mono ms */
static u_int		 node_book_wait;	/* ms */

/* Listeners are switched off this long when accept() fails. */
#define NODE_ACCEPT_PAUSE_MS	1000
static struct event	*node_accept_ev;
static int64_t		 node_accept_failed;	/* mono ms of the last error */
#define NODE_ACCEPT_QUIET_MS	60000	/* one log line in this long */

static void	node_target_cb(evutil_socket_t, short, void *);
static void	node_pin(struct target *, struct session *, struct peer *);
static struct target *node_target_of(struct session *);
static void	node_target_free(struct target *);
static void	node_fill_cb(evutil_socket_t, short, void *);

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

/* The pause after an accept() error is over: listen again. */
static void
node_accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	u_int	i;

	for (i = 0; i < nitems(node_listeners); i++) {
		if (node_listeners[i] != NULL)
			evconnlistener_enable(node_listeners[i]);
	}
}

/*
 * accept() failed (out of file descriptors, say). The connection stays in
 * the backlog, so the listener would be readable again at once: switch the
 * listeners off for a second rather than spin, and say so once, not again
 * until accept() has worked for NODE_ACCEPT_QUIET_MS.
 */
static void
node_accept_error_cb(struct evconnlistener *l, void *arg)
{
	int	error = EVUTIL_SOCKET_ERROR();
	int64_t	now = mono_us() / 1000;
	u_int	i;

	if (node_accept_failed == 0 ||
	    now - node_accept_failed >= NODE_ACCEPT_QUIET_MS)
		log_warnx("%s: accept: %s; pausing", __func__,
		    evutil_socket_error_to_string(error));
	node_accept_failed = now;
	for (i = 0; i < nitems(node_listeners); i++) {
		if (node_listeners[i] != NULL)
			evconnlistener_disable(node_listeners[i]);
	}
	if (node_accept_ev == NULL)
		node_accept_ev = evtimer_new(node_base, node_accept_resume_cb,
		    NULL);
	timer_add_ms(node_accept_ev, NODE_ACCEPT_PAUSE_MS);
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
	txn_init();
	node_fill_ev = evtimer_new(node_base, node_fill_cb, NULL);
	for (i = 0; i < nitems(sigs); i++) {
		node_signals[i] = evsignal_new(node_base, sigs[i],
		    node_signal_cb, NULL);
		evsignal_add(node_signals[i], NULL);
	}
	if (node_listen(cause) != 0)
		return (-1);
	module_init();
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
	txn_shutdown();
	module_shutdown();
	while ((t = TAILQ_FIRST(&node_targets)) != NULL)
		node_target_free(t);
	if (node_book_ev != NULL)
		event_free(node_book_ev);
	if (node_accept_ev != NULL)
		event_free(node_accept_ev);
	node_book_ev = node_accept_ev = NULL;
	if (node_fill_ev != NULL)
		event_free(node_fill_ev);
	node_fill_ev = NULL;
	for (i = 0; i < nitems(node_listeners); i++) {
		if (node_listeners[i] != NULL)
			evconnlistener_free(node_listeners[i]);
	}
	for (i = 0; i < nitems(node_signals); i++) {
		if (node_signals[i] != NULL)
			event_free(node_signals[i]);
	}
	peer_free_all();
	event_base_free(node_base);
	node_base = NULL;
	free(node_listen_text);
	free(node_nickname);
}

/*
 * Where a session comes from, as keys to count by: its address, and its
 * network (an IPv4 /24, an IPv6 /48), each a family byte and 16 bytes. An
 * IPv4-mapped IPv6 address counts as the IPv4 address.
 */
static void
node_source(struct session *s)
{
	struct in_addr	 in;
	struct in6_addr	 in6;

	memset(s->src_addr, 0, sizeof s->src_addr);
	if (inet_pton(AF_INET, s->host, &in) == 1) {
		s->src_addr[0] = 4;
		memcpy(s->src_addr + 1, &in, 4);
	} else if (inet_pton(AF_INET6, s->host, &in6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&in6)) {
			s->src_addr[0] = 4;
			memcpy(s->src_addr + 1, in6.s6_addr + 12, 4);
		} else {
			s->src_addr[0] = 6;
			memcpy(s->src_addr + 1, in6.s6_addr, 16);
		}
	}
	memcpy(s->src_net, s->src_addr, sizeof s->src_net);
	if (s->src_addr[0] == 4)
		s->src_net[4] = 0;
	else if (s->src_addr[0] == 6)
		memset(s->src_net + 7, 0, 10);
}

/* Is a session's peer one we know: a contact (peer.c)? */
static int
node_known(struct session *s)
{
	struct peer	*p;

	if ((p = peer_find(s->remote_id)) == NULL)
		return (0);
	return (peer_contact(p));
}

/*
 * What an authenticated session is worth when the node must make room:
 * its class (0 waiting for HELLO, 1 a stranger, 2 a known peer), how many
 * sessions its network and its address hold, and its last activity.
 */
struct node_worth {
	struct session	*s;
	int		 class;
	u_int		 net;
	u_int		 addr;
	int64_t		 active;
};

/* The class of a session. */
static int
node_class(struct session *s)
{
	if (s->state == SESSION_HELLO)
		return (0);
	if (s->known || (s->peer != NULL && s->peer->trust == TRUST_VERIFIED) ||
	    s->outbox_sent > 0)
		return (2);
	return (1);
}

/*
 * Is a worth less than b (closed first)? The lower class; then the more
 * crowded network, then the more crowded address; then the one idle
 * longest.
 */
static int
node_worth_less(const struct node_worth *a, const struct node_worth *b)
{
	if (a->class != b->class)
		return (a->class < b->class);
	if (a->net != b->net)
		return (a->net > b->net);
	if (a->addr != b->addr)
		return (a->addr > b->addr);
	return (a->active < b->active);
}

/* Order worths by network, then address, to count them in runs. */
static int
node_worth_cmp(const void *a0, const void *b0)
{
	const struct node_worth	*a = a0, *b = b0;
	int			 rc;

	if ((rc = memcmp(a->s->src_net, b->s->src_net, 17)) != 0)
		return (rc);
	return (memcmp(a->s->src_addr, b->s->src_addr, 17));
}

/*
 * The least worth of the authenticated sessions in the scope (0 all, 1
 * the network of s, 2 the address of s), or NULL if there is none.
 */
static struct session *
node_victim(struct session *s, int scope, struct node_worth *out)
{
	struct node_worth	*v, *best = NULL;
	struct session		*t;
	u_int			 n = 0, i, j, k;

	if (node_nauth == 0)
		return (NULL);
	v = xcalloc(node_nauth, sizeof *v);
	RB_FOREACH(t, node_auth_tree, &node_auth)
		v[n++].s = t;
	qsort(v, n, sizeof *v, node_worth_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && memcmp(v[j].s->src_net, v[i].s->src_net,
		    17) == 0; j++)
			;
		for (k = i; k < j; k++)
			v[k].net = j - i;
	}
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && memcmp(v[j].s->src_addr, v[i].s->src_addr,
		    17) == 0; j++)
			;
		for (k = i; k < j; k++)
			v[k].addr = j - i;
	}
	for (i = 0; i < n; i++) {
		t = v[i].s;
		if ((scope == 1 && memcmp(t->src_net, s->src_net, 17) != 0) ||
		    (scope == 2 && memcmp(t->src_addr, s->src_addr, 17) != 0))
			continue;
		v[i].class = node_class(t);
		v[i].active = t->state == SESSION_HELLO ? t->opened :
		    t->last_active;
		if (best == NULL || node_worth_less(&v[i], best))
			best = &v[i];
	}
	t = NULL;
	if (best != NULL) {
		*out = *best;
		t = best->s;
	}
	free(v);
	return (t);
}

/*
 * Make room for a new authenticated session s, if a limit is reached: the
 * sessions from its address (max_peers_per_address), then from its network
 * (max_peers_per_network), then all of them (max_peers). The least worth
 * of those sessions is closed if it is worth less than s would be: waiting
 * for HELLO, of a lower class, or of the same class from a network (or
 * address) with more sessions than s would make its own. Equals never
 * push each other out, and peers from one place do not push out those
 * from elsewhere. Returns 0 when there is room.
 */
static int
node_make_room(struct session *s, const char **why)
{
	struct node_worth	 me, victim;
	struct session		*t;
	u_int			 max_net;
	int			 scope;

	max_net = (u_int)cfg_num(CFG_MAX_PEERS_PER_NETWORK);
	for (;;) {
		memset(&me, 0, sizeof me);
		me.s = s;
		me.class = s->known ? 2 : 1;
		/*
		 * Activity orders the sessions held, never the newcomer: it
		 * displaces none of its own class and crowding.
		 */
		me.active = 0;
		RB_FOREACH(t, node_auth_tree, &node_auth) {
			if (memcmp(t->src_net, s->src_net, 17) == 0)
				me.net++;
			if (memcmp(t->src_addr, s->src_addr, 17) == 0)
				me.addr++;
		}
		if (me.addr >= (u_int)cfg_num(CFG_MAX_PEERS_PER_ADDRESS)) {
			scope = 2;
			*why = "too many peers from one address";
		} else if (me.net >= max_net) {
			scope = 1;
			*why = "too many peers from one network";
		} else if (node_nauth >= (u_int)cfg_num(CFG_MAX_PEERS)) {
			scope = 0;
			*why = "too many peers";
		} else
			return (0);
		me.net++;
		me.addr++;
		if (node_victim(s, scope, &victim) == NULL ||
		    !node_worth_less(&victim, &me))
			return (-1);
		t = victim.s;
		log_info("%s: closing %s:%u (class %d, %u from its network) "
		    "for %s:%u: %s", __func__, t->host, t->port, victim.class,
		    victim.net, s->host, s->port, *why);
		session_close(t, BYE_OVERLOADED, "making room for a peer");
	}
}

/*
 * A session authenticated. Return -1 to admit it, or the BYE reason to
 * close it with. When both sides dial each other at once, both keep the
 * session whose initiator has the smaller peer id; a new session replaces
 * an older one dialled the same way (the older is presumed dead). A full
 * node makes room by closing a session worth less (node_make_room).
 */
int
node_admit(struct session *s, const char **why)
{
	struct session		*old;
	struct peer		*p;
	const uint8_t		*s_init, *old_init;
	struct target		*t;

	/*
	 * A known key answered where we dialled: check the pin now, even if
	 * this session is about to lose a dial race to one of its own.
	 */
	if ((p = peer_find(s->remote_id)) != NULL &&
	    (t = node_target_of(s)) != NULL)
		node_pin(t, s, p);
	if (p != NULL && p->trust == TRUST_BLOCKED) {
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
	node_source(s);
	s->known = node_known(s);
	if (node_make_room(s, why) != 0)
		return (BYE_OVERLOADED);
	RB_INSERT(node_auth_tree, &node_auth, s);
	node_nauth++;
	return (-1);
}

/* Find a target by address. */
static struct target *
node_target_find(const char *host, u_short port)
{
	struct target	*t;

	TAILQ_FOREACH(t, &node_targets, entry) {
		if (t->port == port && strcmp(t->host, host) == 0)
			return (t);
	}
	return (NULL);
}

/* Find or make the target for an address. */
static struct target *
node_target(const char *host, u_short port)
{
	struct target	*t;

	if ((t = node_target_find(host, port)) != NULL)
		return (t);
	t = xcalloc(1, sizeof *t);
	t->host = xstrdup(host);
	t->port = port;
	t->ev = evtimer_new(node_base, node_target_cb, t);
	TAILQ_INSERT_TAIL(&node_targets, t, entry);
	return (t);
}

/* Forget a target (its session, if any, no longer points back). */
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

/* Loader callback: dial book entries while sessions are short. */
static void
node_fill_one(const struct addr_row *ar, void *arg)
{
	u_int		*need = arg;
	struct peer	*p;

	if (*need == 0 || ar->port == 0)
		return;
	if (ar->has_claim &&
	    memcmp(ar->claim, identity->ed_pk, PEER_ID_LEN) == 0)
		return;
	if (ar->has_claim && (p = peer_find(ar->claim)) != NULL &&
	    (p->session != NULL || p->trust == TRUST_BLOCKED))
		return;
	if (ar->has_peer && (p = peer_find(ar->peer)) != NULL &&
	    (p->session != NULL || p->trust == TRUST_BLOCKED))
		return;
	if (node_dial_book(ar) == 1)
		(*need)--;
}

/* Dial from the address book until there are peers_target sessions. */
void
node_fill(void)
{
	u_int	 open, handshaking, need, target, max;
	char	*cause;

	if (node_is_quitting())
		return;
	session_counts(&open, &handshaking);
	target = (u_int)cfg_num(CFG_PEERS_TARGET);
	max = (u_int)cfg_num(CFG_MAX_PEERS);
	if (target > max)
		target = max;
	if (open + handshaking >= target)
		return;
	need = target - open - handshaking;
	if (store_addr_load(node_fill_one, &need, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
}

/* Fill soon (after this loop turn, once the book is committed). */
void
node_fill_soon(void)
{
	struct timeval	tv = { 0, 100000 };

	if (node_fill_ev != NULL && !evtimer_pending(node_fill_ev, NULL))
		evtimer_add(node_fill_ev, &tv);
}

/* The fill timer. */
static void
node_fill_cb(evutil_socket_t fd, short what, void *arg)
{
	node_fill();
}

/* The wait after failed book dials is over: dial from the book again. */
static void
node_book_cb(evutil_socket_t fd, short what, void *arg)
{
	node_fill_soon();
}

/* A dial from the address book failed: wait longer before the next. */
static void
node_book_failed(void)
{
	int64_t	now = mono_us() / 1000;

	if (now < node_book_until)
		return;		/* the same round */
	if (node_book_wait == 0)
		node_book_wait = TARGET_BACKOFF_MIN;
	else if ((node_book_wait *= 2) > TARGET_BACKOFF_MAX)
		node_book_wait = TARGET_BACKOFF_MAX;
	node_book_until = now + node_book_wait;
	if (node_book_ev == NULL)
		node_book_ev = evtimer_new(node_base, node_book_cb, NULL);
	timer_add_ms(node_book_ev, node_book_wait);
	log_debug("%s: next book dial in %u ms", __func__, node_book_wait);
}

/*
 * A dial of t failed: dial it again after its backoff, or forget it if
 * nobody needs it any more.
 */
static void
node_target_failed(struct target *t)
{
	if (node_quitting)
		return;
	t->failures++;
	if (t->book)
		node_book_failed();
	/* Its peer may have moved: let the modules find it (the DHT). */
	if (t->peer != NULL && t->failures >= 2)
		module_peer_unreachable(t->peer);
	if (!t->keep && (t->book || t->peer == NULL ||
	    t->failures >= TARGET_FAILURES_MAX)) {
		log_debug("%s: %s:%u: forgotten after %u failures", __func__,
		    t->host, t->port, t->failures);
		node_target_free(t);
		return;
	}
	node_target_retry(t);
}

/*
 * Dial a target now, unless it has a session or its peer is connected (or
 * blocked). Returns -1 if no dial could start.
 */
static int
node_target_dial(struct target *t, char **cause)
{
	struct sockaddr_storage	 ss;
	struct addrinfo		 hints, *ai;
	char			 portstr[8], *dial;
	int			 error;

	if (t->session != NULL)
		return (0);
	if (t->peer != NULL && (t->peer->session != NULL ||
	    t->peer->trust == TRUST_BLOCKED))
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

/* Dial a target; on failure, count it (which may free the target). */
static int
node_target_try(struct target *t)
{
	char	*cause;

	if (node_target_dial(t, &cause) == 0)
		return (0);
	log_info("%s: %s", __func__, cause);
	free(cause);
	node_target_failed(t);
	return (-1);
}

/* A target's backoff expired: dial again. */
static void
node_target_cb(evutil_socket_t fd, short what, void *arg)
{
	node_target_try(arg);
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
 * Did this dial reach this node itself? Its far end proved in the
 * handshake that it holds our own static key.
 */
static int
node_session_self(struct session *s)
{
	const uint8_t	*rs;

	if ((rs = noise_hs_remote_static(s->hs)) == NULL)
		return (0);
	return (memcmp(rs, identity->x_pk, sizeof identity->x_pk) == 0);
}

/*
 * Dial "HOST:PORT" (typed by the user, or a bootstrap address from the
 * config) and keep dialling it with backoff until it answers, for as long
 * as the node runs. Dialling our own listening address is refused.
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
	t = node_target(host, port);
	free(host);
	t->user |= user;
	t->keep = 1;
	t->book = 0;
	if (node_target_dial(t, cause) != 0) {
		node_target_failed(t);
		return (-1);
	}
	return (0);
}

/* A dial failed before a session opened: say why (node_session_closed acts). */
void
node_dial_failed(struct session *s, const char *why)
{
	struct target	*t;

	if ((t = node_target_of(s)) == NULL || node_session_self(s))
		return;
	if (t->user && t->failures == 0)
		fe_errorf("cannot connect to %s:%u: %s (retrying)", t->host,
		    t->port, why);
	log_info("%s: %s:%u: %s", __func__, t->host, t->port, why);
}

/*
 * A session is closing, whatever the reason: session_close calls this for
 * every session before its state changes. The target that dialled it
 * forgets it, here and nowhere else, and decides what comes next. One that
 * opened is redialled by node_session_gone; one that lost a race with the
 * peer's own dial to us is not a failure.
 */
void
node_session_closed(struct session *s, int was)
{
	struct target	*t;
	struct peer	*p;

	if ((t = node_target_of(s)) == NULL)
		return;
	t->session = NULL;
	t->pinned = NULL;
	if (was == SESSION_OPEN || node_quitting)
		return;
	if (node_session_self(s)) {
		fe_errorf("%s:%u: that address is this node", t->host, t->port);
		node_target_free(t);
		return;
	}
	if (was == SESSION_HELLO && (p = peer_find(s->remote_id)) != NULL)
		t->peer = p;
	if (s->bye_reason == BYE_BLOCKED) {
		if (!t->keep)
			node_target_free(t);
		return;
	}
	if (s->bye_reason == BYE_DUPLICATE) {
		/* Idle while the peer is connected the other way. */
		node_target_retry(t);
		return;
	}
	node_target_failed(t);
}

/*
 * A session we dialled opened at an address: one the user gave pins the
 * first key that answers there, and that key is a contact. Another key
 * there is the loud warning, with both safety numbers; that peer is kept
 * apart (no contact, its messages held) until the user trusts it.
 */
static void
node_pin(struct target *t, struct session *s, struct peer *p)
{
	struct peer	*was;
	char		*cause, *msg, sn_was[80], sn_now[80];
	int64_t		 pin;

	if (t->pinned == s)
		return;		/* checked when the handshake ended */
	t->pinned = s;
	if (store_addr_pin(s->host, s->port, p->dbid, t->keep, &pin,
	    &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		return;
	}
	if (pin == 0 || pin == p->dbid) {
		if (pin != 0 && !p->conflict)
			peer_make_contact(p);
		return;
	}
	if (!p->conflict) {
		p->conflict = 1;
		if (store_peer_conflict(p->dbid, 1, &cause) != 0) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
		}
	}
	if (p->conflict_told)
		return;
	p->conflict_told = 1;
	if ((was = peer_find_dbid(pin)) == NULL)
		return;
	identity_safety_number(identity->ed_pk, was->id, sn_was, sizeof sn_was);
	identity_safety_number(identity->ed_pk, p->id, sn_now, sizeof sn_now);
	xasprintf(&msg, "ANOTHER KEY at %s:%u: %.16s answered, where %s "
	    "(%.16s) is pinned. Safety numbers: pinned %s, new %s. Kept apart: "
	    "ask its owner by another channel, then /trust %.8s if the key is "
	    "theirs", s->host, s->port, p->hex, peer_name(was), was->hex,
	    sn_was, sn_now, p->hex);
	fe->warning(msg, p);
	log_warnx("%s: %s", __func__, msg);
	free(msg);
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
		t->peer = p;
		t->failures = 0;
		if (t->book)
			node_book_wait = 0;
		t->book = 0;
		evtimer_del(t->ev);
		rc = store_addr_ok(s->host, s->port, p->dbid, &cause);
		if (rc == 0)
			node_pin(t, s, p);
	} else if (s->listen_port != 0 &&
	    addr_host_class(s->host) != ADDR_BAD) {	/* not relayed */
		t = node_target(s->host, s->listen_port);
		t->peer = p;
		t->failures = 0;
		evtimer_del(t->ev);
		rc = store_addr_add(s->host, s->listen_port, 1, p->dbid,
		    &cause);
	}
	if (rc != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	log_info("%s: %s (%.16s) online at %s", __func__, peer_name(p),
	    p->hex, p->addr);
	fe->peer(p);
	module_session_open(s);
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

/*
 * Start dialling: the configured bootstrap peers now, and addresses from
 * the book (remembered peers first) a few at a time, up to peers_target
 * sessions.
 */
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
}

/*
 * Dial an address (learned from the book or a LAN announcement) unless it
 * is being dialled, waiting out a backoff, or its peer is connected.
 * Returns 1 when a dial started. Its target is forgotten if it fails.
 */
int
node_dial_candidate(const char *host, u_short port)
{
	struct target	*t;

	if (node_own_address(host, port))
		return (0);
	if ((t = node_target_find(host, port)) != NULL && (t->session != NULL ||
	    evtimer_pending(t->ev, NULL) ||
	    (t->peer != NULL && t->peer->session != NULL)))
		return (0);
	if (t == NULL) {
		t = node_target(host, port);
		t->book = 1;
	}
	if (node_target_try(t) != 0)
		return (0);
	return (t->session != NULL);
}

/*
 * Dial an address from the book, paced: not while the wait after failed
 * book dials runs, nor before its own backoff (from its failures in a row)
 * is over; and never again once an address nobody ever answered at has
 * failed TARGET_FAILURES_MAX times. Returns 1 when a dial started.
 */
int
node_dial_book(const struct addr_row *ar)
{
	int64_t	wait;

	if (mono_us() / 1000 < node_book_until)
		return (0);
	if (ar->failures > 0) {
		if (!ar->has_peer && ar->failures >= TARGET_FAILURES_MAX)
			return (0);
		wait = TARGET_BACKOFF_MAX;
		if (ar->failures < 10)
			wait = (int64_t)TARGET_BACKOFF_MIN << (ar->failures - 1);
		if (wait > TARGET_BACKOFF_MAX)
			wait = TARGET_BACKOFF_MAX;
		if (now_ms() < ar->last_try + wait)
			return (0);
	}
	return (node_dial_candidate(ar->host, ar->port));
}

/* Dial a peer's known addresses again now (after /trust unblocks it). */
void
node_redial(struct peer *p)
{
	struct target	*t, *t1;

	if (p->session != NULL)
		return;
	TAILQ_FOREACH_SAFE(t, &node_targets, entry, t1) {
		if (t->peer != p)
			continue;
		t->backoff = 0;
		evtimer_del(t->ev);
		node_target_try(t);
	}
	node_fill_soon();
}
