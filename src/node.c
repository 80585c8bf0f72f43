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
	int		 refused;	/* its peer was full (BYE 3) */
	int		 lan;		/* announced on the LAN: up to max_peers */
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

/*
 * Book dials go out NODE_FILL_BURST at a time, a round every
 * NODE_FILL_PACE_MS or so, and never more than peers_target less the
 * sessions open and our dials in flight.
 */
#define NODE_FILL_BURST		4
#define NODE_FILL_PACE_MS	500
#define NODE_FILL_ROWS		2000
static int64_t		 node_fill_next;	/* mono ms of the next round */

/* Counters for /stats. */
static struct {
	u_int		 in_flight_max;	/* most of our dials in flight at once */
	u_long		 book_dials;
	u_long		 refused_sent;	/* BYE 3 at admission */
	u_long		 refused_received;	/* BYE 3 soon after we dialled */
	u_long		 refused_own;	/* our dials closed: we were full */
} node_counts;

/*
 * Peers believed full: one that refused us with BYE 3 soon after a session
 * opened is remembered NODE_FULL_MS, in a small table whose row closest to
 * expiry gives way; one with an open session is full while its HELLO says
 * so (FEATURE_FULL). PEX answers leave them out, book dials try them last.
 */
struct node_fullpeer {
	uint8_t		 id[PEER_ID_LEN];
	int64_t		 until;		/* mono ms */
};
static struct node_fullpeer node_fullpeers[256];
static u_int		 node_nfullpeers;	/* rows ever used */
#define NODE_FULL_MS		120000

/* Our HELLO goes out again when its full bit changes, at most this often. */
#define NODE_FULL_HELLO_MS	1000
static struct event	*node_full_ev;
static int64_t		 node_full_sent;	/* mono ms */

/* Listeners are switched off this long when accept() fails. */
#define NODE_ACCEPT_PAUSE_MS	1000
static struct event	*node_accept_ev;
static int64_t		 node_accept_failed;	/* mono ms of the last error */
#define NODE_ACCEPT_QUIET_MS	60000	/* one log line in this long */

static void	node_target_cb(evutil_socket_t, short, void *);
static void	node_pin(struct target *, struct session *, struct peer *);
static struct target *node_target_of(struct session *);
static struct target *node_target_find(const char *, u_short);
static void	node_target_free(struct target *);
static void	node_fill_cb(evutil_socket_t, short, void *);
static void	node_full_cb(evutil_socket_t, short, void *);
static void	node_full_check(void);

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

/*
 * Change our nick (sent in HELLO to every open session, with our features:
 * a later HELLO replaces them, the full bit too).
 */
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
		wire_build_hello(&b, nick, node_port, session_features,
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

/* An attached screen takes the nick and address its node said. */
void
node_mirror(const char *nick, const char *listen)
{
	if (nick != NULL) {
		free(node_nickname);
		node_nickname = xstrdup(nick);
	}
	if (listen != NULL) {
		free(node_listen_text);
		node_listen_text = xstrdup(listen);
	}
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

/* Is a fixed port free to listen on? 0, or -1 and the cause. */
static int
node_port_free(struct sockaddr *sa, socklen_t salen, char **cause)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)sa;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)sa;
	int			 fd, one = 1, rc = 0;

	if ((sa->sa_family == AF_INET && sin->sin_port == 0) ||
	    (sa->sa_family == AF_INET6 && sin6->sin6_port == 0))
		return (0);
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, sa, salen) != 0) {
		xasprintf(cause, "cannot listen on %s: %s", cfg_str(CFG_LISTEN),
		    strerror(errno));
		rc = -1;
	}
	close(fd);
	return (rc);
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
#ifdef SO_REUSEPORT
	/*
	 * A punched dial leaves from this port (so the NAT maps it). A port
	 * another program listens on is still an error: a plain socket
	 * tries it first.
	 */
	if (cfg_num(CFG_HOLE_PUNCHING)) {
		if (node_port_free(sa, salen, cause) != 0) {
			close(fd);
			return (NULL);
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	}
#endif
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
	node_full_ev = evtimer_new(node_base, node_full_cb, NULL);
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
	if (node_full_ev != NULL)
		event_free(node_full_ev);
	node_full_ev = NULL;
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
 * The sessions at which the node is full for a stranger that dials it:
 * peers_full, or twice peers_target (max_peers if that is 0), never more
 * than max_peers.
 */
static u_int
node_full(void)
{
	u_int	full, max;

	max = (u_int)cfg_num(CFG_MAX_PEERS);
	if ((full = (u_int)cfg_num(CFG_PEERS_FULL)) == 0)
		full = 2 * (u_int)cfg_num(CFG_PEERS_TARGET);
	if (full == 0 || full > max)
		full = max;
	return (full);
}

/*
 * Does node_full bound s: a stranger that dialled us (but from an address
 * the LAN announced), or a stranger our
 * own dial reached that nobody asked for (from the book or PEX, or a
 * redial of a stranger that dialled us)? Contacts, the addresses the user
 * or the config gave, peers announced on the LAN (a LAN's nodes all meet)
 * and sessions other modules open (circuits, punched sessions) go up to
 * max_peers.
 */
static int
node_bounded(struct session *s)
{
	struct target	*t;

	if (s->known)
		return (0);
	if (!s->initiator) {
		/* One that dials us from the LAN, whose announcement we heard. */
		t = s->listen_port != 0 ? node_target_find(s->host,
		    s->listen_port) : NULL;
		return (t == NULL || !t->lan);
	}
	return ((t = node_target_of(s)) != NULL && !t->keep && !t->lan);
}

/*
 * Make room for a new authenticated session s, if a limit is reached: the
 * sessions from its address (max_peers_per_address), then from its network
 * (max_peers_per_network), then all of them (max_peers, or node_full for a
 * session node_bounded bounds). The least worth of those sessions is
 * closed if it is worth less than s would be: waiting for HELLO, of a
 * lower class, or of the same class from a network (or address) with more
 * sessions than s would make its own. Equals never push each other out,
 * and peers from one place do not push out those from elsewhere. Returns
 * 0 when there is room.
 */
static int
node_make_room(struct session *s, const char **why)
{
	struct node_worth	 me, victim;
	struct session		*t;
	u_int			 max_net, max;
	int			 scope;

	max_net = (u_int)cfg_num(CFG_MAX_PEERS_PER_NETWORK);
	/* A stranger finds the node full sooner, whoever dialled. */
	max = (u_int)cfg_num(CFG_MAX_PEERS);
	if (node_bounded(s))
		max = node_full();
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
		} else if (node_nauth >= max) {
			scope = 0;
			*why = s->initiator ?
			    "too many peers, closing our dial" :
			    "too many peers";
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
 * an older one dialled the same way (the older is presumed dead, or a
 * punched direct session replaces a relayed one; it hands over at HELLO,
 * see session_hello). A full
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
			session_close(old, BYE_DUPLICATE,
			    "duplicate connection");
		} else if (old->state == SESSION_OPEN) {
			/*
			 * Dialled the same way: the new one takes over when
			 * its HELLO comes (session.c), and the old one carries
			 * the conversation until then. Both ends see the same
			 * directions, so both keep the new one.
			 */
			RB_REMOVE(node_auth_tree, &node_auth, old);
			node_nauth--;
		} else
			session_close(old, BYE_DUPLICATE,
			    "duplicate connection");
	}
	node_source(s);
	s->known = node_known(s);
	if (node_make_room(s, why) != 0) {
		if (s->initiator)
			node_counts.refused_own++;
		else
			node_counts.refused_sent++;
		return (BYE_OVERLOADED);
	}
	RB_INSERT(node_auth_tree, &node_auth, s);
	node_nauth++;
	node_full_check();
	return (-1);
}

/*
 * Set our HELLO's full bit (FEATURE_FULL) from node_full and, if it
 * changed, send our HELLO again on every open session. Returns 1 if sent.
 */
static int
node_full_send(void)
{
	struct session	*s;
	struct buf	 b;
	uint32_t	 was = session_features;

	if (node_nauth >= node_full())
		session_features |= FEATURE_FULL;
	else
		session_features &= ~FEATURE_FULL;
	if (session_features == was)
		return (0);
	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->state != SESSION_OPEN)
			continue;
		buf_init(&b);
		wire_build_hello(&b, node_nick(), node_port, session_features,
		    PACKAGE_NAME " " PACKAGE_VERSION);
		session_send_buf(s, &b);
		buf_free(&b);
	}
	node_full_sent = mono_us() / 1000;
	return (1);
}

/* The full bit's timer: send the change, if any, and rest a while. */
static void
node_full_cb(evutil_socket_t fd, short what, void *arg)
{
	if (!node_quitting)
		node_full_send();
}

/*
 * The authenticated sessions changed: check the full bit after this turn
 * (never from inside a session's own path), at most once in
 * NODE_FULL_HELLO_MS, so that peers leave a full node out of their PEX.
 */
static void
node_full_check(void)
{
	int64_t	now = mono_us() / 1000, at;

	if (node_full_ev == NULL || node_quitting ||
	    evtimer_pending(node_full_ev, NULL))
		return;
	at = node_full_sent + NODE_FULL_HELLO_MS;
	timer_add_ms(node_full_ev, at > now ? at - now : 0);
}

/* Remember that a peer refused us for want of room. */
static void
node_full_remember(const uint8_t *id)
{
	struct node_fullpeer	*f, *old = NULL;
	u_int			 i;

	for (i = 0; i < node_nfullpeers; i++) {
		f = &node_fullpeers[i];
		if (memcmp(f->id, id, PEER_ID_LEN) == 0)
			break;
		if (old == NULL || f->until < old->until)
			old = f;
	}
	if (i == node_nfullpeers) {
		if (node_nfullpeers < nitems(node_fullpeers))
			f = &node_fullpeers[node_nfullpeers++];
		else
			f = old;
		memcpy(f->id, id, PEER_ID_LEN);
	}
	f->until = mono_us() / 1000 + NODE_FULL_MS;
}

/*
 * Is a peer believed full: its open session's HELLO says so, or it
 * refused us in the last NODE_FULL_MS?
 */
int
node_peer_full(const uint8_t *id)
{
	struct peer	*p;
	int64_t		 now;
	u_int		 i;

	if ((p = peer_find(id)) != NULL && p->session != NULL &&
	    p->session->state == SESSION_OPEN)
		return ((p->session->features & FEATURE_FULL) != 0);
	if (node_nfullpeers == 0)
		return (0);
	now = mono_us() / 1000;
	for (i = 0; i < node_nfullpeers; i++) {
		if (memcmp(node_fullpeers[i].id, id, PEER_ID_LEN) == 0)
			return (node_fullpeers[i].until > now);
	}
	return (0);
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

/* Our dials in flight: a target's session not yet open. */
static u_int
node_in_flight(void)
{
	struct target	*t;
	u_int		 n = 0;

	TAILQ_FOREACH(t, &node_targets, entry) {
		if (t->session != NULL && t->session->state < SESSION_OPEN)
			n++;
	}
	return (n);
}

/* How many more dials the node wants: peers_target less open and in flight. */
static u_int
node_short(void)
{
	u_int	open, handshaking, target, have;

	session_counts(&open, &handshaking);
	target = (u_int)cfg_num(CFG_PEERS_TARGET);
	if (target > (u_int)cfg_num(CFG_MAX_PEERS))
		target = (u_int)cfg_num(CFG_MAX_PEERS);
	have = open + node_in_flight();
	return (have >= target ? 0 : target - have);
}

/* The book rows worth a dial now, copied from the loader. */
struct node_rows {
	struct addr_row	*r;
	u_int		 n;
};

/*
 * Loader callback: keep a row whose peer is not connected (nor blocked),
 * nor believed full (the one that answered there, or the one named).
 */
static void
node_fill_one(const struct addr_row *ar, void *arg)
{
	struct node_rows	*nr = arg;
	struct peer		*p;

	if (nr->n == NODE_FILL_ROWS || ar->port == 0)
		return;
	if ((ar->has_peer && node_peer_full(ar->peer)) ||
	    (ar->has_claim && node_peer_full(ar->claim)))
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
	nr->r[nr->n] = *ar;
	nr->r[nr->n].host = xstrdup(ar->host);
	nr->n++;
}

/*
 * Dial from the address book until there are peers_target sessions, a few
 * at a time: addresses where a session opened first, most recent first;
 * then the others in a random order, so that nodes told the same addresses
 * do not all dial the same few. Peers believed full are left alone.
 */
void
node_fill(void)
{
	struct node_rows	 nr;
	struct addr_row		 tmp;
	int64_t			 now = mono_us() / 1000;
	u_int			 need, i, j, first;
	char			*cause;

	if (node_is_quitting() || (need = node_short()) == 0)
		return;
	if (now < node_fill_next) {
		if (!evtimer_pending(node_fill_ev, NULL))
			timer_add_ms(node_fill_ev, node_fill_next - now);
		return;
	}
	if (need > NODE_FILL_BURST)
		need = NODE_FILL_BURST;
	nr.n = 0;
	nr.r = xcalloc(NODE_FILL_ROWS, sizeof *nr.r);
	if (store_addr_load(node_fill_one, &nr, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	for (first = 0; first < nr.n && nr.r[first].last_ok > 0; first++)
		;
	for (i = first; i + 1 < nr.n; i++) {
		j = i + randombytes_uniform(nr.n - i);
		tmp = nr.r[i];
		nr.r[i] = nr.r[j];
		nr.r[j] = tmp;
	}
	for (i = 0; i < nr.n && need > 0; i++) {
		if (node_dial_book(&nr.r[i]) == 1) {
			node_counts.book_dials++;
			need--;
			node_fill_next = now + NODE_FILL_PACE_MS * 3 / 4 +
			    randombytes_uniform(NODE_FILL_PACE_MS / 2 + 1);
		}
	}
	for (i = 0; i < nr.n; i++)
		free((char *)nr.r[i].host);
	free(nr.r);
	/* Still short with addresses left: another round when it is due. */
	if (node_fill_next > now && node_short() != 0 &&
	    !evtimer_pending(node_fill_ev, NULL))
		timer_add_ms(node_fill_ev, node_fill_next - now);
}

/* Our dials, the most in flight at once, and refusals, for /stats. */
void
node_stats(struct stats *st)
{
	stats_add(st, "dials_in_flight", node_in_flight());
	stats_add(st, "dials_in_flight_max", node_counts.in_flight_max);
	stats_add(st, "book_dials", (long long)node_counts.book_dials);
	stats_add(st, "refused_sent", (long long)node_counts.refused_sent);
	stats_add(st, "refused_received",
	    (long long)node_counts.refused_received);
	stats_add(st, "refused_own", (long long)node_counts.refused_own);
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
	u_int			 n;

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
	if (t->session == NULL)
		return (-1);
	if ((n = node_in_flight()) > node_counts.in_flight_max)
		node_counts.in_flight_max = n;
	return (0);
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

/*
 * Does a target whose peer was full (BYE 3) rest? A stranger's, while the
 * node has the sessions it wants; and while the peer is still believed
 * full, a stranger's that nobody asked for, or one the config gave (whose
 * peer is pinned as a contact) while the node has a session or a dial in
 * flight to learn other addresses from. An address the user typed, and a
 * contact's that nobody gave, are dialled again while the node is short.
 */
static int
node_target_rests(struct target *t, int stranger)
{
	u_int	open, handshaking;

	if (stranger && node_short() == 0)
		return (1);
	if (t->user || t->peer == NULL || !node_peer_full(t->peer->id))
		return (0);
	if (!t->keep)
		return (stranger);
	session_counts(&open, &handshaking);
	return (open > 0 || node_in_flight() > 0);
}

/*
 * A target's backoff expired: dial again, unless its peer is a stranger
 * and the target rests (its backoff growing): while the node is full, if
 * nobody asked for the target; or if its peer was full (node_target_rests).
 */
static void
node_target_cb(evutil_socket_t fd, short what, void *arg)
{
	struct target	*t = arg;
	int		 stranger;

	stranger = t->peer == NULL || !peer_contact(t->peer);
	if (stranger && !t->keep && !t->lan && node_nauth >= node_full()) {
		node_target_retry(t);
		return;
	}
	if (t->refused && node_target_rests(t, stranger)) {
		node_target_retry(t);
		return;
	}
	node_target_try(t);
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
	if (t->peer != NULL && t->peer->session == NULL)
		module_dial_failed(t->peer, s->dial, why);
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
	if (was == SESSION_HELLO && s->bye_reason == BYE_OVERLOADED &&
	    !s->bye_received && !t->keep && !t->lan) {
		/*
		 * We were full when our own dial opened (node_make_room): not
		 * the address's fault, and no failure. A book dial is
		 * forgotten; a redial rests while the node is full.
		 */
		if (t->book || t->peer == NULL) {
			node_target_free(t);
			return;
		}
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
	int		 stable, refused;

	if (RB_FIND(node_auth_tree, &node_auth, s) == s) {
		RB_REMOVE(node_auth_tree, &node_auth, s);
		node_nauth--;
		node_full_check();
	}
	if (s->peer == NULL || s->peer->session != s || node_quitting)
		return;
	if (s->bye_reason == BYE_DUPLICATE || s->bye_reason == BYE_BLOCKED)
		return;
	stable = now_ms() - s->peer->up_since >= TARGET_STABLE_MS;
	/* Refused by a full peer: dial the addresses it gave instead. */
	refused = s->bye_received && s->bye_reason == BYE_OVERLOADED &&
	    !stable;
	if (refused) {
		node_counts.refused_received++;
		node_full_remember(s->remote_id);
		node_fill_soon();
	}
	TAILQ_FOREACH(t, &node_targets, entry) {
		if (t->peer != s->peer)
			continue;
		t->refused = refused;
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
 * Dial an address (learned from the book; or wanted: a LAN announcement,
 * a room member or a contact found on the DHT, dialled even when the node
 * is full, as LAN peers are) unless it is being dialled, waiting out a
 * backoff, or its peer is connected; from the book not while the node is
 * full. Returns 1 when a dial started. Its target is forgotten if it fails.
 */
int
node_dial_candidate(const char *host, u_short port, int wanted)
{
	struct target	*t;

	if (node_own_address(host, port))
		return (0);
	/* Full: no stranger from the book (a LAN's peers all meet). */
	if (!wanted && node_nauth + node_in_flight() >= node_full())
		return (0);
	if ((t = node_target_find(host, port)) != NULL && (t->session != NULL ||
	    evtimer_pending(t->ev, NULL) ||
	    (t->peer != NULL && t->peer->session != NULL)))
		return (0);
	if (t == NULL) {
		t = node_target(host, port);
		t->book = 1;
	}
	t->lan |= wanted;
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
	struct target	*t;
	int64_t		 wait;

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
	if (node_dial_candidate(ar->host, ar->port, 0) != 1)
		return (0);
	if (ar->has_peer && (t = node_target_find(ar->host, ar->port)) != NULL)
		t->peer = peer_find(ar->peer);	/* who answered there */
	return (1);
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
