/*
 * headless.c: the headless frontend. Commands come one a line on standard
 * input; events go out as JSON Lines on standard output (DESIGN.md, "The
 * headless frontend"). End of input does not stop the node.
 */

#include "p2pchat.h"

#include <poll.h>

#define HEADLESS_LINE_MAX	(1024 * 1024)
#define HEADLESS_OUT_MAX	(16 * 1024 * 1024)
#define HEADLESS_STOP_MS	5000	/* to write what is left at exit */

static struct event		*headless_rd;
static struct evbuffer		*headless_in;
static struct cmd_ctx		 headless_ctx;
static struct event		*headless_flush_ev;

static void	headless_conv(struct conv *, int);

/*
 * Standard output. Events wait in headless_out (at most HEADLESS_OUT_MAX
 * bytes) and are written without blocking when it is a pipe, a socket or
 * a terminal, so a consumer that does not read cannot stop the node. Over
 * the bound, events are dropped until all that waits has been written;
 * then one error event says how many were lost.
 */
static struct evbuffer		*headless_out;
static struct event		*headless_wr;	/* output writable again */
static int			 headless_out_flags = -1; /* to restore */
static u_long			 headless_dropped;
static int			 headless_out_dead;	/* write failed */

/* Add one line to the output, however full it is. */
static void
headless_out_add(const char *line, size_t len)
{
	if (headless_out_dead)
		return;
	if (headless_out == NULL) {
		fwrite(line, 1, len, stdout);
		fflush(stdout);
		return;
	}
	evbuffer_add(headless_out, line, len);
}

/* Once all that waited was read: say how many events were dropped. */
static void
headless_out_dropped(void)
{
	struct json	 j;
	const char	*line;
	char		*msg;
	size_t		 len;

	xasprintf(&msg, "%lu events dropped: standard output was not read",
	    headless_dropped);
	log_warnx("%s: %s", __func__, msg);
	headless_dropped = 0;
	json_begin(&j, "error");
	json_str(&j, "message", msg);
	line = json_end(&j, &len);
	headless_out_add(line, len);
	buf_free(&j.b);
	free(msg);
}

/*
 * Write out what waits, as much as standard output takes now; 0 when all
 * of it is written, -1 when some must wait (for the write event, or for
 * poll at exit).
 */
static int
headless_out_write(void)
{
	int	n;

	while (headless_out != NULL && !headless_out_dead) {
		if (evbuffer_get_length(headless_out) == 0) {
			if (headless_dropped == 0)
				return (0);
			headless_out_dropped();
			continue;
		}
		n = evbuffer_write(headless_out, STDOUT_FILENO);
		if (n > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return (-1);
		log_warnx("%s: standard output: %s; events are no longer "
		    "written", __func__, n == 0 ? "nothing written" :
		    strerror(errno));
		headless_out_dead = 1;
		evbuffer_drain(headless_out, evbuffer_get_length(headless_out));
	}
	return (0);
}

/* Write out the events so far; wait for the output if it is full. */
static void
headless_flush(void)
{
	if (headless_wr != NULL && event_pending(headless_wr, EV_WRITE, NULL))
		return;
	if (headless_out_write() != 0 && headless_wr != NULL)
		event_add(headless_wr, NULL);
}

/* Standard output can take more. */
static void
headless_write_cb(evutil_socket_t fd, short what, void *arg)
{
	headless_flush();
}

/* End of a loop turn: write out the events of the turn at once. */
static void
headless_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	headless_flush();
}

/*
 * Attached clients (server.c): each line goes to the tap too, with 1 for a
 * reply to a command (an error, a listed item, done), 2 for what only the
 * client whose command runs gets (no one when none's does). The tap
 * returns 1 when it took a reply for the client whose command runs:
 * standard output does not get it then.
 */
int	(*headless_tap)(const char *, size_t, int);
static int	 headless_no_stdio;

/*
 * Queue a finished JSON object as one line (written at the turn's end).
 * Over the bound, or while dropping, the event is counted and dropped.
 */
static void
headless_send(struct json *j, int reply)
{
	const char	*line;
	size_t		 len;

	line = json_end(j, &len);
	if (headless_tap != NULL && headless_tap(line, len, reply) &&
	    reply) {
		buf_free(&j->b);
		return;
	}
	if (headless_no_stdio) {
		buf_free(&j->b);
		return;
	}
	if (headless_out != NULL && (headless_dropped != 0 ||
	    evbuffer_get_length(headless_out) + len > HEADLESS_OUT_MAX)) {
		if (headless_dropped++ == 0)
			log_warnx("%s: standard output is not read: %zu bytes "
			    "wait; dropping events", __func__,
			    evbuffer_get_length(headless_out));
		buf_free(&j->b);
		return;
	}
	headless_out_add(line, len);
	buf_free(&j->b);
	if (headless_flush_ev == NULL)
		headless_flush();
	else if (!evtimer_pending(headless_flush_ev, NULL))
		timer_add_ms(headless_flush_ev, 0);
}

/* An event for the attached clients alone (screens need more than scripts). */
static void
headless_clients(struct json *j)
{
	const char	*line;
	size_t		 len;

	line = json_end(j, &len);
	if (headless_tap != NULL)
		headless_tap(line, len, 0);
	buf_free(&j->b);
}

/* An event for everyone: standard output and every attached client. */
static void
headless_emit(struct json *j)
{
	headless_send(j, 0);
}

/* A reply to a command: to whoever sent it. */
static void
headless_reply(struct json *j)
{
	headless_send(j, 1);
}

/*
 * Set up standard output. A pipe, a socket or a terminal is made
 * non-blocking and watched; a file (or /dev/null) is written as it is,
 * since it never makes a write wait for a reader.
 */
static void
headless_out_start(void)
{
	struct stat	sb;
	int		flags;

	headless_out = evbuffer_new();
	if (fstat(STDOUT_FILENO, &sb) != 0)
		return;
	if (!S_ISFIFO(sb.st_mode) && !S_ISSOCK(sb.st_mode) &&
	    !isatty(STDOUT_FILENO))
		return;
	if ((flags = fcntl(STDOUT_FILENO, F_GETFL)) == -1 ||
	    fcntl(STDOUT_FILENO, F_SETFL, flags | O_NONBLOCK) == -1)
		return;
	headless_out_flags = flags;
	headless_wr = event_new(node_base, STDOUT_FILENO, EV_WRITE,
	    headless_write_cb, NULL);
}

/*
 * At exit: write what is left, waiting for the reader at most
 * HEADLESS_STOP_MS, then put standard output back as it was. Events after
 * this (sessions closing) go through stdio, unless the reader was stuck.
 */
static void
headless_out_stop(void)
{
	struct pollfd	pfd = { STDOUT_FILENO, POLLOUT, 0 };
	int64_t		deadline = mono_us() + HEADLESS_STOP_MS * 1000LL;
	int64_t		left;

	if (headless_wr != NULL)
		event_free(headless_wr);
	headless_wr = NULL;
	while (headless_out_write() != 0) {
		left = (deadline - mono_us()) / 1000;
		if (left <= 0 || (poll(&pfd, 1, (int)left) == -1 &&
		    errno != EINTR))
			break;
	}
	if (headless_out != NULL && evbuffer_get_length(headless_out) != 0) {
		log_warnx("%s: %zu bytes of events not written: standard "
		    "output was not read", __func__,
		    evbuffer_get_length(headless_out));
		headless_out_dead = 1;	/* nor what comes after */
	}
	if (headless_out_flags != -1)
		fcntl(STDOUT_FILENO, F_SETFL, headless_out_flags);
	headless_out_flags = -1;
	if (headless_out != NULL)
		evbuffer_free(headless_out);
	headless_out = NULL;
}

/* The text name of a message state. */
const char *
headless_state_name(int state)
{
	switch (state) {
	case MSG_PENDING:
		return ("pending");
	case MSG_SENT:
		return ("sent");
	case MSG_DELIVERED:
		return ("delivered");
	default:
		return ("received");
	}
}

static void
headless_ready(const char *listen)
{
	struct json	j;

	json_begin(&j, "ready");
	json_str(&j, "id", identity->hex);
	json_str(&j, "nick", node_nick());
	json_str(&j, "listen", listen);
	json_str(&j, "reach", reach_word());
	headless_emit(&j);
}

/* Add a peer's members to an object. */
static void
headless_peer_fields(struct json *j, struct peer *p)
{
	json_str(j, "id", p->hex);
	json_str(j, "nick", p->nick);
	json_str(j, "state", peer_online(p) ? "online" : "offline");
	json_str(j, "addr", p->addr != NULL ? p->addr : "");
	if (circuit_via(p) != NULL)
		json_str(j, "via", circuit_via(p));
	json_str(j, "trust", peer_trust_name(p));
	json_str(j, "contact", peer_contact_name(p));
	if (*p->name != '\0')
		json_str(j, "name", p->name);
	if (p->conv != NULL)
		json_int(j, "conv", p->conv->id);
}

static void
headless_peer(struct peer *p)
{
	struct json	 j;
	struct conv	*c;
	u_int		 members, online;

	json_begin(&j, "peer");
	headless_peer_fields(&j, p);
	headless_emit(&j);
	if (headless_tap == NULL)
		return;
	/* Attached screens title rooms with counts that presence changes. */
	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || !c->room->joined)
			continue;
		room_counts(c->room, &members, &online);
		json_begin(&j, "conv");
		json_int(&j, "conv", c->id);
		json_str(&j, "room", room_name(c->room));
		json_int(&j, "members", members);
		json_int(&j, "online", online);
		json_int(&j, "unread", c->unread);
		json_int(&j, "last_read", c->last_read);
		json_bool(&j, "shown", conv_visible(c));
		headless_clients(&j);
	}
}

/* Add a message's members to an object. */
static void
headless_msg_fields(struct json *j, struct conv *c, const struct msg *m)
{
	if (c->peer != NULL)
		json_str(j, "peer", c->peer->hex);
	else {
		json_hex(j, "peer", m->author, PEER_ID_LEN);
		json_str(j, "room", room_name(c->room));
	}
	json_hex(j, "id", m->id, MSGID_LEN);
	json_int(j, "ts", m->ts);
	json_int(j, "conv", c->id);
	json_int(j, "rowid", m->rowid);
}

static void
headless_message(struct conv *c, const struct msg *m)
{
	struct json	j;

	json_begin(&j, m->outgoing ? "outgoing" : "message");
	headless_msg_fields(&j, c, m);
	json_strn(&j, "text", m->text, m->len);
	if (m->outgoing)
		json_str(&j, "state", headless_state_name(m->state));
	else {
		json_int(&j, "stored", m->stored);
		json_hex(&j, "from", m->author, PEER_ID_LEN);
		if (*m->nick != '\0')
			json_str(&j, "nick", m->nick);
	}
	json_int(&j, "unread", c->unread);
	headless_emit(&j);
}

/* A stranger's message, held as its contact request (never a message). */
static void
headless_request(struct conv *c, const struct msg *m, int first)
{
	struct json	j;

	json_begin(&j, "request");
	json_hex(&j, "peer", m->author, PEER_ID_LEN);
	json_str(&j, "nick", c->peer != NULL ? c->peer->nick : "");
	json_hex(&j, "id", m->id, MSGID_LEN);
	json_int(&j, "ts", m->ts);
	json_strn(&j, "text", m->text, m->len);
	json_int(&j, "conv", c->id);
	json_bool(&j, "first", first);
	headless_emit(&j);
}

static void
headless_state(struct conv *c, const struct msg *m)
{
	struct json	j;

	json_begin(&j, m->state == MSG_DELIVERED ? "delivered" : "sent");
	if (c->peer != NULL)
		json_str(&j, "peer", c->peer->hex);
	else
		json_str(&j, "room", room_name(c->room));
	json_hex(&j, "id", m->id, MSGID_LEN);
	json_int(&j, "conv", c->id);
	json_int(&j, "rowid", m->rowid);
	json_str(&j, "state", headless_state_name(m->state));
	if (m->state == MSG_DELIVERED)
		headless_emit(&j);
	else
		headless_clients(&j);
}

static void
headless_typing(struct peer *p)
{
	struct json	j;

	json_begin(&j, "typing");
	json_str(&j, "peer", p->hex);
	json_str(&j, "state", p->typing ? "typing" : "stopped");
	headless_emit(&j);
}

/* A peer changed its nick (for screens: their lines keep the old one). */
static void
headless_renamed(struct peer *p, const char *old)
{
	struct json	j;

	json_begin(&j, "renamed");
	json_str(&j, "peer", p->hex);
	json_str(&j, "old", old);
	json_str(&j, "nick", p->nick);
	headless_clients(&j);
}

/*
 * /query: every screen learns of the conversation (it may be new: a peer
 * known only by the id typed), then the asking screen opens the window.
 */
static void
headless_open_conv(struct conv *c)
{
	struct json	 j;
	const char	*line;
	size_t		 len;

	if (c->peer != NULL) {
		json_begin(&j, "peer");
		headless_peer_fields(&j, c->peer);
		headless_clients(&j);
	}
	headless_conv(c, -1);
	json_begin(&j, "open");
	json_int(&j, "conv", c->id);
	line = json_end(&j, &len);
	if (headless_tap != NULL)
		headless_tap(line, len, 2);	/* the asker, or no one */
	buf_free(&j.b);
}

/* /close: every screen closes the window (conv with shown false). */
static void
headless_close_conv(struct conv *c)
{
	struct json	j;

	json_begin(&j, "conv");
	json_int(&j, "conv", c->id);
	json_int(&j, "unread", c->unread);
	json_int(&j, "last_read", c->last_read);
	json_bool(&j, "shown", 0);
	headless_clients(&j);
}

static void
headless_error(const char *msg)
{
	struct json	j;

	json_begin(&j, "error");
	json_str(&j, "message", msg);
	headless_reply(&j);
}

static void
headless_warning(const char *msg, struct peer *p)
{
	struct json	j;

	json_begin(&j, "warning");
	json_str(&j, "message", msg);
	if (p != NULL) {
		json_str(&j, "peer", p->hex);
		json_str(&j, "nick", p->nick);
	}
	headless_emit(&j);
}

static void
headless_item(const char *event, const struct fe_kv *kv, u_int n)
{
	struct json	j;
	u_int		i;

	json_begin(&j, event);
	for (i = 0; i < n; i++) {
		if (kv[i].str != NULL)
			json_str(&j, kv[i].key, kv[i].str);
		else
			json_int(&j, kv[i].key, kv[i].num);
	}
	headless_reply(&j);
}

static void
headless_list_peer(struct peer *p, u_int n)
{
	struct json	j;

	json_begin(&j, "peer");
	json_int(&j, "n", n);
	headless_peer_fields(&j, p);
	headless_reply(&j);
}

static void
headless_list_msg(const char *event, struct conv *c, const struct msg *m)
{
	struct json	j;

	json_begin(&j, event);
	headless_msg_fields(&j, c, m);
	json_hex(&j, "from", m->author, PEER_ID_LEN);
	json_strn(&j, "text", m->text, m->len);
	json_str(&j, "state", headless_state_name(m->state));
	headless_reply(&j);
}

static void
headless_done(const char *command)
{
	struct json	j;

	u_int		first, shown, total;

	json_begin(&j, "done");
	json_str(&j, "command", command);
	if (strcmp(command, "search") == 0) {
		cmd_search_page(&first, &shown, &total);
		json_int(&j, "first", first);
		json_int(&j, "shown", shown);
		json_int(&j, "total", total);
	}
	headless_reply(&j);
}

const struct frontend headless_frontend = {
	.name = "headless",
	.ready = headless_ready,
	.peer = headless_peer,
	.message = headless_message,
	.state = headless_state,
	.typing = headless_typing,
	.request = headless_request,
	.error = headless_error,
	.warning = headless_warning,
	.item = headless_item,
	.list_peer = headless_list_peer,
	.list_msg = headless_list_msg,
	.done = headless_done,
	.renamed = headless_renamed,
	.open_conv = headless_open_conv,
	.close_conv = headless_close_conv,
	.flush = headless_flush,
};

/*
 * Standard input is readable: read a piece (up to IO_READ_MAX, more of a
 * burst than libevent would take) and run each whole line as a command. At
 * end of input (or an error) stop reading and keep running.
 */
static void
headless_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evbuffer	*in = headless_in;
	char		*line;
	size_t		 len;
	ssize_t		 n;

	n = io_read(fd, in, IO_READ_MAX);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)) {
		event_del(headless_rd);
		log_info("%s: end of standard input", __func__);
		/* A last line without a newline still counts. */
		if (evbuffer_get_length(in) != 0)
			evbuffer_add(in, "\n", 1);
	}
	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		if (len != 0)
			cmd_run(&headless_ctx, line);
		free(line);
		if (node_is_quitting())
			return;
	}
	if (evbuffer_get_length(in) > HEADLESS_LINE_MAX) {
		evbuffer_drain(in, evbuffer_get_length(in));
		headless_error("input line longer than 1 MiB dropped");
	}
}

/*
 * Standard input that epoll cannot watch (a regular file, /dev/null): run
 * its lines now, then carry on as after end of input.
 */
static int
headless_read_file(void)
{
	struct stat	 sb;
	char		*line = NULL;
	size_t		 size = 0;
	ssize_t		 n;

	if (fstat(STDIN_FILENO, &sb) != 0)
		return (1);
	if (!S_ISREG(sb.st_mode) && !(S_ISCHR(sb.st_mode) &&
	    !isatty(STDIN_FILENO)))
		return (0);
	while (!node_is_quitting() &&
	    (n = getline(&line, &size, stdin)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n != 0)
			cmd_run(&headless_ctx, line);
	}
	free(line);
	return (1);
}

/*
 * A conversation's members: its id, whose it is, its unread count; to
 * everyone (reply 0), to the asker (1) or to the attached clients (-1).
 */
static void
headless_conv(struct conv *c, int reply)
{
	struct json	j;
	u_int		members, online;

	json_begin(&j, "conv");
	json_int(&j, "conv", c->id);
	if (c->peer != NULL)
		json_str(&j, "peer", c->peer->hex);
	else if (c->room != NULL) {
		json_str(&j, "room", room_name(c->room));
		room_counts(c->room, &members, &online);
		json_int(&j, "members", members);
		json_int(&j, "online", online);
	}
	json_int(&j, "unread", c->unread);
	json_int(&j, "last_read", c->last_read);
	json_bool(&j, "shown", conv_visible(c));
	if (reply == -1)
		headless_clients(&j);
	else
		headless_send(&j, reply);
}

/* A conversation was read: every client is told its count (now 0). */
void
headless_unread(struct conv *c)
{
	headless_conv(c, 0);
}

/*
 * A client attached (server.c runs this as its command): the ready event,
 * then each known peer and each conversation with its unread count, the
 * counts that waited while no one was attached.
 */
void
headless_attached(void)
{
	struct peer	*p;
	struct conv	*c;
	struct json	 j;

	json_begin(&j, "ready");
	json_str(&j, "id", identity->hex);
	json_str(&j, "nick", node_nick());
	json_str(&j, "listen", node_listen_address());
	json_str(&j, "reach", reach_word());
	headless_reply(&j);
	TAILQ_FOREACH(p, &peer_list, list) {
		json_begin(&j, "peer");
		headless_peer_fields(&j, p);
		headless_reply(&j);
	}
	TAILQ_FOREACH(c, &convs, entry) {
		if (c->peer != NULL || c->room != NULL)
			headless_conv(c, 1);
	}
}

/*
 * Start: with HEADLESS_STDIO read commands on standard input and write
 * events to standard output; with HEADLESS_NO_STDIO (the daemon) neither,
 * the events go to attached clients only.
 */
void
headless_start(int mode)
{
	if (mode == HEADLESS_NO_STDIO) {
		headless_no_stdio = 1;
		return;
	}
	headless_out_start();
	/*
	 * A zero timer runs after the loop's next poll, with the turn's
	 * other events written; an event at a lower priority than the
	 * sockets' would wait as long as a flooding peer kept them busy.
	 */
	headless_flush_ev = evtimer_new(node_base, headless_flush_cb, NULL);
	headless_ready(node_listen_address());
	if (headless_read_file())
		return;
	evutil_make_socket_nonblocking(STDIN_FILENO);
	headless_in = evbuffer_new();
	headless_rd = event_new(node_base, STDIN_FILENO, EV_READ|EV_PERSIST,
	    headless_read_cb, NULL);
	event_add(headless_rd, NULL);
}

/* Stop reading commands. */
void
headless_stop(void)
{
	if (headless_rd != NULL)
		event_free(headless_rd);
	headless_rd = NULL;
	if (headless_in != NULL)
		evbuffer_free(headless_in);
	headless_in = NULL;
	if (headless_flush_ev != NULL)
		event_free(headless_flush_ev);
	headless_flush_ev = NULL;
	headless_out_stop();
}
