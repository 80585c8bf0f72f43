/*
 * server.c: the attach socket. A node listens on a UNIX socket in its
 * profile directory (mode 0600 in a 0700 directory; SO_PEERCRED lets only
 * the profile's owner in). Screens and scripts attach there and speak the
 * headless JSON Lines contract both ways: a command line (or a JSON
 * object) a line in, events out, after a hello naming the version.
 *
 * A client can stop only itself: its output is bounded (one that does not
 * read is cut off, the node never waits for it), its lines are bounded
 * (one too long closes it) and its bad JSON gets an error event.
 */

#include "p2pchat.h"

#include <sys/un.h>

#define SERVER_CLIENTS		32		/* attached at once, at most */
#define SERVER_LINE_MAX		(256 * 1024)	/* an input line, at most */
#define SERVER_OUT_MAX		(8 * 1024 * 1024) /* waiting output */
#define SERVER_WRITE_MAX	(1024 * 1024)	/* written at once */

/* One attached client. */
struct server_client {
	u_int			 id;
	struct bufferevent	*bev;
	struct cmd_ctx		 ctx;
	int			 closing;	/* write what waits, then close */
	int			 dead;		/* freed at the next turn */
	uid_t			 uid;
	TAILQ_ENTRY(server_client) entry;
};
TAILQ_HEAD(server_clients, server_client);

static struct server_clients	 server_list =
    TAILQ_HEAD_INITIALIZER(server_list);
static struct evconnlistener	*server_listener;
static char			*server_path;
static u_int			 server_count;
static u_int			 server_next_id = 1;
static struct server_client	*server_current; /* its command runs */
static struct server_clients	 server_dead =	/* freed at the next turn */
    TAILQ_HEAD_INITIALIZER(server_dead);
static struct event		*server_reap_ev;

static void	server_client_close(struct server_client *, const char *);

/* How many clients are attached. */
u_int
server_clients(void)
{
	return (server_count);
}

/* Free the dead clients, at the turn after they died. */
static void
server_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server_client	*c;

	while ((c = TAILQ_FIRST(&server_dead)) != NULL) {
		TAILQ_REMOVE(&server_dead, c, entry);
		bufferevent_free(c->bev);
		free(c);
	}
}

/* Close a client now (no more is written) and free it later. */
static void
server_client_kill(struct server_client *c, const char *why)
{
	if (c->dead)
		return;
	log_info("%s: client %u: %s", __func__, c->id, why);
	c->dead = 1;
	if (server_current == c)
		server_current = NULL;
	bufferevent_disable(c->bev, EV_READ|EV_WRITE);
	bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
	TAILQ_REMOVE(&server_list, c, entry);
	server_count--;
	TAILQ_INSERT_TAIL(&server_dead, c, entry);
	if (!evtimer_pending(server_reap_ev, NULL))
		timer_add_ms(server_reap_ev, 0);
}

/*
 * Queue a line for a client. One whose output is over SERVER_OUT_MAX does
 * not read: it is cut off, not waited for.
 */
static void
server_client_write(struct server_client *c, const char *line, size_t len)
{
	struct evbuffer	*out;

	if (c->dead || c->closing)
		return;
	out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) + len > SERVER_OUT_MAX) {
		server_client_kill(c, "does not read its events: cut off");
		return;
	}
	evbuffer_add(out, line, len);
}

/* Send one event built here to a client. */
static void
server_client_event(struct server_client *c, struct json *j)
{
	const char	*line;
	size_t		 len;

	line = json_end(j, &len);
	server_client_write(c, line, len);
	buf_free(&j->b);
}

/*
 * The headless frontend's tap: an event goes to every client; a reply to
 * the client whose command runs, if one does (then 1: it was taken).
 */
static int
server_tap(const char *line, size_t len, int reply)
{
	struct server_client	*c, *c1;

	if (reply == 2) {
		if (server_current != NULL)
			server_client_write(server_current, line, len);
		return (1);
	}
	if (reply && server_current != NULL) {
		server_client_write(server_current, line, len);
		return (1);
	}
	TAILQ_FOREACH_SAFE(c, &server_list, entry, c1)
		server_client_write(c, line, len);
	return (0);
}

/* Everything written: a closing client goes now. */
static void
server_client_write_cb(struct bufferevent *bev, void *arg)
{
	struct server_client	*c = arg;

	if (c->closing)
		server_client_kill(c, "closed");
}

/*
 * Stop reading from a client and close it once what waits is written
 * (the reason goes first, as an error event, if there is one).
 */
static void
server_client_close(struct server_client *c, const char *why)
{
	struct json	j;

	if (c->dead || c->closing)
		return;
	if (why != NULL) {
		json_begin(&j, "error");
		json_str(&j, "message", why);
		server_client_event(c, &j);
		if (c->dead)
			return;
	}
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		server_client_kill(c, why != NULL ? why : "end of input");
}

/* An error event for one client. */
static void
server_client_error(struct server_client *c, const char *msg)
{
	struct json	j;

	json_begin(&j, "error");
	json_str(&j, "message", msg);
	server_client_event(c, &j);
}

/*
 * Read one line a client sent. A plain line is a command, as on the
 * headless standard input; one that starts with { is a JSON object:
 *	{"hello":"p2pchat","version":1}
 *	{"command":"LINE","conv":ID}	a command, with its open conversation
 *	{"read":ID,"upto":ROWID}	the user read a conversation
 *	{"send":"TEXT","conv":ID}	a message typed in a conversation
 * Returns 0 and the kind (SERVER_LINE_*) with f filled in (free it with
 * json_fields_free, *n members), or -1 with cause set.
 */
int
server_line(const char *line, size_t len, struct json_field *f, int *n,
    char **cause)
{
	const struct json_field	*v;

	*n = 0;
	if (len == 0 || line[0] != '{')
		return (0);
	if ((*n = json_parse(line, len, f, cause)) == -1) {
		*n = 0;
		return (-1);
	}
	if ((v = json_field_get(f, *n, "hello")) != NULL) {
		if ((v = json_field_get(f, *n, "version")) == NULL ||
		    v->type != JSON_NUMBER) {
			xasprintf(cause, "hello: no version");
			goto fail;
		}
		if (v->num != SERVER_VERSION) {
			xasprintf(cause, "hello: version %lld; this node "
			    "speaks %d", v->num, SERVER_VERSION);
			goto fail;
		}
		return (1);
	}
	if ((v = json_field_get(f, *n, "command")) != NULL) {
		if (v->type != JSON_STRING) {
			xasprintf(cause, "command: not a string");
			goto fail;
		}
		if ((v = json_field_get(f, *n, "conv")) != NULL &&
		    v->type != JSON_NUMBER) {
			xasprintf(cause, "conv: not a number");
			goto fail;
		}
		return (2);
	}
	if ((v = json_field_get(f, *n, "read")) != NULL) {
		if (v->type != JSON_NUMBER ||
		    (v = json_field_get(f, *n, "upto")) == NULL ||
		    v->type != JSON_NUMBER) {
			xasprintf(cause, "read: needs numbers read and upto");
			goto fail;
		}
		return (3);
	}
	if ((v = json_field_get(f, *n, "send")) != NULL) {
		if (v->type != JSON_STRING ||
		    (v = json_field_get(f, *n, "conv")) == NULL ||
		    v->type != JSON_NUMBER) {
			xasprintf(cause, "send: needs a string send and a "
			    "number conv");
			goto fail;
		}
		return (4);
	}
	xasprintf(cause, "no hello, command, read or send member");
fail:
	json_fields_free(f, *n);
	*n = 0;
	return (-1);
}

/* Run a command line for a client: its replies go to it alone. */
static void
server_client_run(struct server_client *c, const char *line, int64_t conv)
{
	c->ctx.conv = conv > 0 ? conv_find(conv) : NULL;
	server_current = c;
	cmd_run(&c->ctx, line);
	if (server_current == c)
		server_current = NULL;
	c->ctx.conv = NULL;
}

/* Send a message a client's user typed in conversation id. */
static void
server_client_send(struct server_client *c, int64_t id, const char *text)
{
	struct conv	*cv;
	char		*cause = NULL;

	if ((cv = conv_find(id)) == NULL ||
	    (cv->peer == NULL && cv->room == NULL)) {
		server_client_error(c, "send: no such conversation");
		return;
	}
	server_current = c;
	if (cmd_send(cv, text, &cause) != 0) {
		server_client_error(c, cause != NULL ? cause : "not sent");
		free(cause);
	}
	if (server_current == c)
		server_current = NULL;
}

/* One line from a client. */
static void
server_client_line(struct server_client *c, char *line, size_t len)
{
	struct json_field	 f[JSON_FIELDS];
	struct conv		*cv;
	char			*cause;
	int			 kind, n;
	int64_t			 id;

	while (len != 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (len == 0)
		return;
	if (strlen(line) != len) {
		server_client_error(c, "a line with a NUL byte was dropped");
		return;
	}
	kind = server_line(line, len, f, &n, &cause);
	switch (kind) {
	case -1:
		server_client_error(c, cause);
		free(cause);
		return;
	case 0:
		server_client_run(c, line, 0);
		return;
	case 2:
		id = json_field_get(f, n, "conv") != NULL ?
		    json_field_get(f, n, "conv")->num : 0;
		server_client_run(c, json_field_get(f, n, "command")->str,
		    id);
		break;
	case 3:
		id = json_field_get(f, n, "read")->num;
		if ((cv = conv_find(id)) == NULL) {
			server_client_error(c, "read: no such conversation");
			break;
		}
		conv_mark_read(cv, json_field_get(f, n, "upto")->num);
		headless_unread(cv);
		break;
	case 4:
		server_client_send(c, json_field_get(f, n, "conv")->num,
		    json_field_get(f, n, "send")->str);
		break;
	}
	json_fields_free(f, n);
}

/*
 * A client sent something: run each whole line. A line longer than
 * SERVER_LINE_MAX is refused and the client closed; end of input closes
 * it once its replies are written.
 */
static void
server_client_read_cb(struct bufferevent *bev, void *arg)
{
	struct server_client	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line;
	size_t			 len;

	while (!c->dead && !c->closing && (line = evbuffer_readln(in, &len,
	    EVBUFFER_EOL_LF)) != NULL) {
		server_client_line(c, line, len);
		free(line);
		if (node_is_quitting())
			return;
	}
	if (c->dead || c->closing)
		return;
	if (evbuffer_get_length(in) > SERVER_LINE_MAX) {
		evbuffer_drain(in, evbuffer_get_length(in));
		server_client_close(c, "input line longer than 256 KiB: "
		    "closed");
	}
}

/* End of a client's input, or an error. */
static void
server_client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct server_client	*c = arg;

	if (what & BEV_EVENT_EOF) {
		server_client_read_cb(bev, c);
		if (!c->dead && !c->closing) {
			/* A last line without a newline still counts. */
			struct evbuffer	*in = bufferevent_get_input(bev);
			size_t		 len = evbuffer_get_length(in);
			char		*line;

			if (len != 0 && len <= SERVER_LINE_MAX) {
				line = xmalloc(len + 1);
				evbuffer_remove(in, line, len);
				line[len] = '\0';
				server_client_line(c, line, len);
				free(line);
			}
		}
		if (!c->dead && !c->closing)
			server_client_close(c, NULL);
		return;
	}
	server_client_kill(c, (what & BEV_EVENT_ERROR) ?
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()) : "gone");
}

/* The hello: the protocol's name and version, and who we are. */
static void
server_client_hello(struct server_client *c)
{
	struct json	j;

	json_begin(&j, "hello");
	json_str(&j, "protocol", "p2pchat-attach");
	json_int(&j, "version", SERVER_VERSION);
	json_str(&j, "agent", "p2pchat " PACKAGE_VERSION);
	json_int(&j, "pid", (long long)getpid());
	json_int(&j, "client", c->id);
	server_client_event(c, &j);
	server_current = c;
	headless_attached();
	server_current = NULL;
}

/* Refuse a connection with one error line. */
static void
server_refuse(int fd, const char *why)
{
	struct json	 j;
	const char	*line;
	size_t		 len;

	json_begin(&j, "error");
	json_str(&j, "message", why);
	line = json_end(&j, &len);
	if (write(fd, line, len) < 0)
		log_debug("%s: %s", __func__, strerror(errno));
	buf_free(&j.b);
	close(fd);
}

/*
 * A client connects. Only the profile's owner (the node's own uid, by
 * SO_PEERCRED) attaches; the rest are refused, as are clients over
 * SERVER_CLIENTS.
 */
static void
server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct server_client	*c;
	struct ucred		 uc;
	socklen_t		 uclen = sizeof uc;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &uclen) != 0) {
		log_warnx("%s: SO_PEERCRED: %s", __func__, strerror(errno));
		close(fd);
		return;
	}
	if (uc.uid != getuid()) {
		log_warnx("%s: uid %lu (pid %ld) refused: the profile is uid "
		    "%lu's", __func__, (u_long)uc.uid, (long)uc.pid,
		    (u_long)getuid());
		server_refuse(fd, "permission denied: not the profile's owner");
		return;
	}
	if (server_count >= SERVER_CLIENTS) {
		log_warnx("%s: %u clients attached: pid %ld refused", __func__,
		    server_count, (long)uc.pid);
		server_refuse(fd, "too many clients attached");
		return;
	}
	evutil_make_socket_nonblocking(fd);
	c = xcalloc(1, sizeof *c);
	c->id = server_next_id++;
	c->uid = uc.uid;
	c->bev = bufferevent_socket_new(node_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatalx("bufferevent_socket_new");
	bufferevent_setwatermark(c->bev, EV_READ, 0, SERVER_LINE_MAX + 1);
	/*
	 * What waits goes in one write a turn, not libevent's 16 KiB: under a
	 * burst a turn made more events than that, and the rest waited for
	 * later turns (a screen saw messages 130 ms late).
	 */
	bufferevent_set_max_single_write(c->bev, SERVER_WRITE_MAX);
	bufferevent_setcb(c->bev, server_client_read_cb,
	    server_client_write_cb, server_client_event_cb, c);
	TAILQ_INSERT_TAIL(&server_list, c, entry);
	server_count++;
	log_info("%s: client %u attached (pid %ld)", __func__, c->id,
	    (long)uc.pid);
	server_client_hello(c);
	if (!c->dead)
		bufferevent_enable(c->bev, EV_READ);
}

/* accept() failed: log it; EMFILE is retried by libevent's next turn. */
static void
server_error_cb(struct evconnlistener *l, void *arg)
{
	log_warnx("%s: accept: %s", __func__,
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/*
 * Listen on SERVER_SOCKET in the profile directory home. The profile lock
 * is held, so a socket there is a stale one of a node that was killed: it
 * is removed. Anything else by that name is refused.
 */
int
server_start(const char *home, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	int			 fd;

	xasprintf(&server_path, "%s/%s", home, SERVER_SOCKET);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(server_path) >= sizeof sun.sun_path) {
		xasprintf(cause, "%s: path too long for a socket",
		    server_path);
		goto fail;
	}
	memcpy(sun.sun_path, server_path, strlen(server_path) + 1);
	if (lstat(server_path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			xasprintf(cause, "%s exists and is not a socket",
			    server_path);
			goto fail;
		}
		log_info("%s: removing the stale %s", __func__, server_path);
		if (unlink(server_path) != 0) {
			xasprintf(cause, "%s: %s", server_path,
			    strerror(errno));
			goto fail;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0 ||
	    chmod(server_path, 0600) != 0 || listen(fd, 16) != 0) {
		xasprintf(cause, "%s: %s", server_path, strerror(errno));
		close(fd);
		goto fail;
	}
	evutil_make_socket_nonblocking(fd);
	server_listener = evconnlistener_new(node_base, server_accept_cb,
	    NULL, LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (server_listener == NULL)
		fatalx("evconnlistener_new");
	evconnlistener_set_error_cb(server_listener, server_error_cb);
	server_reap_ev = evtimer_new(node_base, server_reap_cb, NULL);
	headless_tap = server_tap;
	log_info("%s: attach socket %s", __func__, server_path);
	return (0);
fail:
	free(server_path);
	server_path = NULL;
	return (-1);
}

/*
 * Stop: write what waits to each client (without waiting for it), close
 * them and remove the socket.
 */
void
server_stop(void)
{
	struct server_client	*c;
	struct evbuffer		*out;

	headless_tap = NULL;
	server_current = NULL;
	if (server_listener != NULL)
		evconnlistener_free(server_listener);
	server_listener = NULL;
	while ((c = TAILQ_FIRST(&server_list)) != NULL) {
		TAILQ_REMOVE(&server_list, c, entry);
		if (!c->dead) {
			out = bufferevent_get_output(c->bev);
			evbuffer_write(out, bufferevent_getfd(c->bev));
		}
		bufferevent_free(c->bev);
		free(c);
	}
	server_count = 0;
	server_reap_cb(-1, 0, NULL);
	if (server_reap_ev != NULL)
		event_free(server_reap_ev);
	server_reap_ev = NULL;
	if (server_path != NULL)
		unlink(server_path);
	free(server_path);
	server_path = NULL;
}
