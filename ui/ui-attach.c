/*
 * ui-attach.c: the screen attached to a node running in the background.
 * The node's events (the headless JSON Lines contract, on the attach
 * socket) keep a mirror of its peers and conversations in the same structs
 * the screen draws from in-process, and are handed to the same frontend
 * callbacks; history pages come from the database, opened read-only. What
 * the user does goes back as commands, messages and reads. In-process
 * (--no-daemon) the ui_core_* calls go straight to the core instead.
 */

#include "ui.h"

#include <poll.h>

#define UI_ATTACH_READY_MS	10000	/* for the hello and ready events */
#define UI_ATTACH_READ_MAX	(1024 * 1024)	/* read from the node at once */

int			 ui_attached;
static struct bufferevent *ui_attach_bev;
static int		 ui_attach_stopping;	/* /quit stops the node */
static int		 ui_attach_gone;	/* the node closed on us */
static u_int		 ui_attach_search[3];	/* of the last /search */
static struct evbuffer	*ui_attach_early;	/* read with the ready event */

static void	ui_attach_line(char *, size_t);

/* Write a JSON object to the node. */
static void
ui_attach_send(struct json *j)
{
	const char	*line;
	size_t		 len;

	line = json_end(j, &len);
	if (ui_attach_bev != NULL)
		bufferevent_write(ui_attach_bev, line, len);
	buf_free(&j->b);
}

/* A string member of an event, or "". */
static const char *
ui_attach_str(const struct json_field *f, u_int n, const char *key)
{
	const struct json_field	*v;

	if ((v = json_field_get(f, n, key)) == NULL || v->type != JSON_STRING)
		return ("");
	return (v->str);
}

/* A number member of an event, or dflt. */
static long long
ui_attach_num(const struct json_field *f, u_int n, const char *key,
    long long dflt)
{
	const struct json_field	*v;

	if ((v = json_field_get(f, n, key)) == NULL || (v->type != JSON_NUMBER &&
	    v->type != JSON_BOOL))
		return (dflt);
	return (v->num);
}

/* The peer an event names in member key (made if new), or NULL. */
static struct peer *
ui_attach_peer_of(const struct json_field *f, u_int n, const char *key)
{
	uint8_t	 id[PEER_ID_LEN];

	if (strlen(ui_attach_str(f, n, key)) != PEER_HEX_LEN ||
	    hex_decode(ui_attach_str(f, n, key), id, sizeof id) != 0)
		return (NULL);
	if (peer_find(id) != NULL)
		return (peer_find(id));
	return (peer_mirror(id, ""));
}

/*
 * Link a conversation of the mirror to its peer, unless it has one (or is
 * a room's). A conversation read again from the store whose peer the
 * mirror did not know yet has neither and no window until then.
 */
static void
ui_attach_link(struct conv *c, struct peer *p)
{
	if (c->peer != NULL || c->room != NULL || p->conv != NULL)
		return;
	c->peer = p;
	p->conv = c;
	if (ui.running)
		ui_view_sync();
}

/* Hide the conversations read from the store with no peer known yet. */
static void
ui_attach_orphans(void)
{
	struct conv	*c;

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->peer == NULL && c->room == NULL)
			c->shown = 0;
	}
}

/* A peer event: its members into the mirror. */
static struct peer *
ui_attach_peer(const struct json_field *f, u_int n)
{
	struct peer	*p;
	const char	*trust, *contact;
	uint8_t		 id[PEER_ID_LEN];
	int64_t		 id64;

	if (strlen(ui_attach_str(f, n, "id")) != PEER_HEX_LEN ||
	    hex_decode(ui_attach_str(f, n, "id"), id, sizeof id) != 0)
		return (NULL);
	p = peer_mirror(id, ui_attach_str(f, n, "nick"));
	p->mirror_online = strcmp(ui_attach_str(f, n, "state"),
	    "online") == 0;
	free(p->addr);
	p->addr = *ui_attach_str(f, n, "addr") != '\0' ?
	    xstrdup(ui_attach_str(f, n, "addr")) : NULL;
	free(p->name);
	p->name = xstrdup(ui_attach_str(f, n, "name"));
	trust = ui_attach_str(f, n, "trust");
	p->conflict = strcmp(trust, "key-changed") == 0;
	if (strcmp(trust, "blocked") == 0)
		p->trust = TRUST_BLOCKED;
	else if (strcmp(trust, "verified") == 0)
		p->trust = TRUST_VERIFIED;
	else if (!p->conflict)
		p->trust = TRUST_UNVERIFIED;
	contact = ui_attach_str(f, n, "contact");
	p->contact = strcmp(contact, "contact") == 0;
	if (strcmp(contact, "request") == 0 && p->request == 0)
		p->request = now_ms();
	else if (strcmp(contact, "request") != 0)
		p->request = 0;
	if (p->mirror_online)
		p->last_seen = now_ms();
	if (p->conv == NULL && (id64 = ui_attach_num(f, n, "conv", 0)) > 0)
		ui_attach_link(conv_find(id64) != NULL ? conv_find(id64) :
		    conv_add(id64, 0, 0), p);
	return (p);
}

/* The conversation an event names (made, with its peer, if new). */
static struct conv *
ui_attach_conv_of(const struct json_field *f, u_int n)
{
	struct conv	*c;
	struct peer	*p;
	char		*cause;
	int64_t		 id = ui_attach_num(f, n, "conv", 0);

	if (id <= 0)
		return (NULL);
	if ((c = conv_find(id)) != NULL) {
		if (c->peer == NULL && c->room == NULL &&
		    (p = ui_attach_peer_of(f, n, "peer")) != NULL) {
			c->shown = 1;
			ui_attach_link(c, p);
		}
		return (c);
	}
	if (*ui_attach_str(f, n, "room") != '\0' ||
	    strcmp(ui_attach_str(f, n, "event"), "open") == 0) {
		/* A room joined since we attached: the store has it. */
		if (peer_mirror_convs(&cause) != 0) {
			log_debug("%s: %s", __func__, cause);
			free(cause);
		}
		ui_attach_orphans();
		if ((c = conv_find(id)) != NULL)
			ui_view_sync();
		return (c);
	}
	if ((p = ui_attach_peer_of(f, n, "peer")) == NULL)
		return (NULL);
	if (p->conv != NULL)
		return (p->conv);
	c = conv_add(id, 0, 0);
	ui_attach_link(c, p);
	return (c);
}

/* A conv event: its unread count and whether its window is open. */
static void
ui_attach_conv(const struct json_field *f, u_int n)
{
	struct conv	*c;
	int		 shown;

	if ((c = ui_attach_conv_of(f, n)) == NULL)
		return;
	c->unread = ui_attach_num(f, n, "unread", c->unread);
	if (c->room != NULL && json_field_get(f, n, "members") != NULL) {
		c->room->mirrored = 1;
		c->room->mirror_members = ui_attach_num(f, n, "members", 0);
		c->room->mirror_online = ui_attach_num(f, n, "online", 0);
	}
	c->last_read = ui_attach_num(f, n, "last_read", c->last_read);
	shown = ui_attach_num(f, n, "shown", c->shown);
	if (c->shown && !shown) {
		c->shown = 0;
		ui_frontend.close_conv(c);
	}
	c->shown = shown;
	ui_dirty(UI_D_LIST|UI_D_STATUS|UI_D_TERM|UI_D_CONV);
}

/* A message of an event, with pointers into f. */
static int
ui_attach_msg(const struct json_field *f, u_int n, struct conv *c,
    struct msg *m)
{
	const char	*state = ui_attach_str(f, n, "state");

	memset(m, 0, sizeof *m);
	m->rowid = ui_attach_num(f, n, "rowid", 0);
	m->conv = c->id;
	if (hex_decode(ui_attach_str(f, n, "id"), m->id, MSGID_LEN) != 0)
		return (-1);
	if (hex_decode(ui_attach_str(f, n, "from"), m->author,
	    PEER_ID_LEN) != 0 && hex_decode(ui_attach_str(f, n, "peer"),
	    m->author, PEER_ID_LEN) != 0)
		memcpy(m->author, identity->ed_pk, PEER_ID_LEN);
	m->outgoing = memcmp(m->author, identity->ed_pk, PEER_ID_LEN) == 0;
	if (strcmp(state, "pending") == 0)
		m->state = MSG_PENDING;
	else if (strcmp(state, "sent") == 0)
		m->state = MSG_SENT;
	else if (strcmp(state, "delivered") == 0)
		m->state = MSG_DELIVERED;
	else
		m->state = MSG_RECEIVED;
	m->ts = ui_attach_num(f, n, "ts", 0);
	m->stored = ui_attach_num(f, n, "stored", m->ts);
	snprintf(m->nick, sizeof m->nick, "%s", ui_attach_str(f, n, "nick"));
	m->text = (char *)ui_attach_str(f, n, "text");
	m->len = strlen(m->text);
	return (0);
}

/* A message or outgoing event: into its conversation's view. */
static void
ui_attach_message(const char *event, const struct json_field *f, u_int n)
{
	struct conv	*c;
	struct msg	 m;

	if ((c = ui_attach_conv_of(f, n)) == NULL ||
	    ui_attach_msg(f, n, c, &m) != 0)
		return;
	if (strcmp(event, "outgoing") == 0) {
		m.outgoing = 1;
		memcpy(m.author, identity->ed_pk, PEER_ID_LEN);
	}
	c->unread = ui_attach_num(f, n, "unread", c->unread);
	c->shown = 1;
	if (c->peer != NULL)
		c->peer->typing = 0;
	ui_frontend.message(c, &m);
}

/* An item of command output: its members as they came. */
static void
ui_attach_item(const char *event, const struct json_field *f, u_int n)
{
	struct fe_kv	kv[JSON_FIELDS];
	u_int		i, k = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(f[i].key, "event") == 0)
			continue;
		kv[k].key = f[i].key;
		kv[k].str = f[i].type == JSON_STRING ? f[i].str : NULL;
		kv[k].num = f[i].num;
		k++;
	}
	ui_frontend.item(event, kv, k);
}

/* A live event or a reply that names a conversation and a message. */
static int
ui_attach_conv_event(const char *ev, const struct json_field *f, u_int n)
{
	struct conv	*c;
	struct peer	*p;
	struct msg	 m;

	if (strcmp(ev, "message") == 0 || strcmp(ev, "outgoing") == 0) {
		ui_attach_message(ev, f, n);
		return (1);
	}
	if (strcmp(ev, "sent") == 0 || strcmp(ev, "delivered") == 0 ||
	    strcmp(ev, "history") == 0 || strcmp(ev, "search") == 0) {
		if ((c = ui_attach_conv_of(f, n)) == NULL ||
		    ui_attach_msg(f, n, c, &m) != 0)
			return (1);
		if (strcmp(ev, "sent") == 0 || strcmp(ev, "delivered") == 0)
			ui_frontend.state(c, &m);
		else
			ui_frontend.list_msg(ev, c, &m);
		return (1);
	}
	if (strcmp(ev, "request") == 0 && json_field_get(f, n,
	    "first") != NULL) {
		if ((p = ui_attach_peer_of(f, n, "peer")) == NULL ||
		    (c = ui_attach_conv_of(f, n)) == NULL ||
		    ui_attach_msg(f, n, c, &m) != 0)
			return (1);
		if (p->request == 0)
			p->request = now_ms();
		ui_frontend.request(c, &m, ui_attach_num(f, n, "first", 0));
		return (1);
	}
	if (strcmp(ev, "open") == 0) {
		if ((c = ui_attach_conv_of(f, n)) != NULL) {
			c->shown = 1;
			ui_frontend.open_conv(c);
		}
		return (1);
	}
	return (0);
}

/* A join or part line: the node's counts of the room's members. */
static void
ui_attach_member(const struct json_field *f, u_int n)
{
	struct conv	*c;
	const char	*name = ui_attach_str(f, n, "room");

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || strcmp(room_name(c->room), name) != 0)
			continue;
		c->room->mirrored = 1;
		c->room->mirror_members = ui_attach_num(f, n, "members", 0);
		c->room->mirror_online = ui_attach_num(f, n, "online", 0);
	}
}

/* One event from the node. */
static void
ui_attach_event(const struct json_field *f, u_int n)
{
	const char	*ev = ui_attach_str(f, n, "event"), *old;
	struct peer	*p;

	if (ui_attach_conv_event(ev, f, n))
		return;
	if (strcmp(ev, "hello") == 0) {
		if (ui_attach_num(f, n, "version", 0) != SERVER_VERSION)
			ui_frontend.error("the node speaks another version "
			    "of the attach protocol");
	} else if (strcmp(ev, "ready") == 0) {
		node_mirror(ui_attach_str(f, n, "nick"),
		    ui_attach_str(f, n, "listen"));
		if (ui.running)
			ui_frontend.ready(ui_attach_str(f, n, "listen"));
	} else if (strcmp(ev, "peer") == 0) {
		if ((p = ui_attach_peer(f, n)) == NULL)
			return;
		if (json_field_get(f, n, "n") != NULL)
			ui_frontend.list_peer(p, ui_attach_num(f, n, "n", 0));
		else if (ui.running)
			ui_frontend.peer(p);
	} else if (strcmp(ev, "conv") == 0)
		ui_attach_conv(f, n);
	else if (strcmp(ev, "typing") == 0) {
		if ((p = ui_attach_peer_of(f, n, "peer")) == NULL)
			return;
		p->typing = strcmp(ui_attach_str(f, n, "state"),
		    "typing") == 0;
		ui_frontend.typing(p);
	} else if (strcmp(ev, "renamed") == 0) {
		if ((p = ui_attach_peer_of(f, n, "peer")) == NULL)
			return;
		old = ui_attach_str(f, n, "old");
		p = peer_mirror(p->id, ui_attach_str(f, n, "nick"));
		ui_frontend.renamed(p, old);
	} else if (strcmp(ev, "warning") == 0)
		ui_frontend.warning(ui_attach_str(f, n, "message"),
		    ui_attach_peer_of(f, n, "peer"));
	else if (strcmp(ev, "error") == 0)
		ui_frontend.error(ui_attach_str(f, n, "message"));
	else if (strcmp(ev, "done") == 0) {
		ui_attach_search[0] = ui_attach_num(f, n, "first", 0);
		ui_attach_search[1] = ui_attach_num(f, n, "shown", 0);
		ui_attach_search[2] = ui_attach_num(f, n, "total", 0);
		ui_frontend.done(ui_attach_str(f, n, "command"));
	} else if (*ev != '\0') {
		if (strcmp(ev, "member") == 0)	/* the room title's counts */
			ui_attach_member(f, n);
		if (strcmp(ev, "nick") == 0)	/* /nick: ours changed */
			node_mirror(ui_attach_str(f, n, "nick"), NULL);
		ui_attach_item(ev, f, n);
	}
}

/* One line from the node. */
static void
ui_attach_line(char *line, size_t len)
{
	struct json_field	 f[JSON_FIELDS];
	char			*cause;
	int			 n;

	if ((n = json_parse(line, len, f, &cause)) == -1) {
		log_debug("%s: %s", __func__, cause);
		free(cause);
		return;
	}
	ui_attach_event(f, n);
	json_fields_free(f, n);
}

/* The node has lines for us. */
static void
ui_attach_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		ui_attach_line(line, len);
		free(line);
	}
}

/* The node closed the socket: it stopped (or was killed). */
static void
ui_attach_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF|BEV_EVENT_ERROR)) {
		ui_attach_read_cb(bev, arg);
		ui_attach_gone = 1;
		node_quit();
	}
}

/*
 * Read the hello and the ready event before the screen starts (it shows
 * the node's nick and address from the first frame). What follows stays in
 * the buffer for the loop.
 */
static int
ui_attach_wait_ready(int fd, struct evbuffer *in, char **cause)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	int64_t		 deadline = mono_us() + UI_ATTACH_READY_MS * 1000LL;
	char		*line;
	size_t		 len;
	int		 ready = 0, r;

	while (!ready) {
		while ((line = evbuffer_readln(in, &len,
		    EVBUFFER_EOL_LF)) != NULL) {
			ready = strstr(line, "\"event\":\"ready\"") != NULL;
			ui_attach_line(line, len);
			free(line);
			if (ready)
				return (0);
		}
		if ((r = poll(&pfd, 1, (deadline - mono_us()) / 1000)) == 0) {
			xasprintf(cause, "the node did not answer");
			return (-1);
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 || (r = evbuffer_read(in, fd, 65536)) <= 0) {
			xasprintf(cause, "the node closed the connection");
			return (-1);
		}
	}
	return (0);
}

/* Attach to the node on socket fd: hello, then the mirror's first state. */
int
ui_attach_start(int fd, char **cause)
{
	struct evbuffer	*in;
	struct json	 j;
	const char	*line;
	size_t		 len;
	ssize_t		 n;

	ui_attached = 1;
	json_begin(&j, "hello");
	json_str(&j, "hello", "p2pchat");
	json_int(&j, "version", SERVER_VERSION);
	line = json_end(&j, &len);
	n = write(fd, line, len);
	buf_free(&j.b);
	if (n != (ssize_t)len) {
		xasprintf(cause, "writing to the node: %s", strerror(errno));
		return (-1);
	}
	in = evbuffer_new();
	if (ui_attach_wait_ready(fd, in, cause) != 0) {
		evbuffer_free(in);
		return (-1);
	}
	evutil_make_socket_nonblocking(fd);
	ui_attach_bev = bufferevent_socket_new(node_base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (ui_attach_bev == NULL)
		fatalx("bufferevent_socket_new");
	/* All that waits, not 16 KiB a turn: the redraw comes after. */
	bufferevent_set_max_single_read(ui_attach_bev, UI_ATTACH_READ_MAX);
	ui_attach_early = in;	/* a socket's input takes nothing added */
	bufferevent_setcb(ui_attach_bev, ui_attach_read_cb, NULL,
	    ui_attach_event_cb, NULL);
	bufferevent_enable(ui_attach_bev, EV_READ);
	return (0);
}

/* The rest of what came with the ready event, once the screen is up. */
void
ui_attach_flush(void)
{
	char	*line;
	size_t	 len;

	if (ui_attach_early == NULL)
		return;
	while ((line = evbuffer_readln(ui_attach_early, &len,
	    EVBUFFER_EOL_LF)) != NULL) {
		ui_attach_line(line, len);
		free(line);
	}
	evbuffer_free(ui_attach_early);
	ui_attach_early = NULL;
	if (ui_attach_bev != NULL)
		ui_attach_read_cb(ui_attach_bev, NULL);
}

/*
 * Leave: close the socket and end the loop. After it, 1 if the node was
 * asked to stop (the caller waits for it to let go of the profile).
 */
int
ui_attach_stop(void)
{
	if (ui_attach_bev != NULL) {
		bufferevent_flush(ui_attach_bev, EV_WRITE, BEV_FLUSH);
		bufferevent_free(ui_attach_bev);
	}
	ui_attach_bev = NULL;
	return (ui_attach_stopping);
}

/* Did the node go away under us? */
int
ui_attach_lost(void)
{
	return (ui_attach_gone && !ui_attach_stopping);
}

/* Detach: the node runs on. */
void
ui_attach_detach(void)
{
	node_quit();
}

/* The detach key, and /detach. */
void
ui_attach_detach_key(int arg)
{
	if (!ui_attached) {
		ui_notice(1, "not attached: this screen runs its node itself "
		    "(--no-daemon or [ui] daemon = no)");
		return;
	}
	ui_attach_detach();
}

/* /quit: stop the node, detach, or ask which ([ui] quit). */
void
ui_attach_quit(void)
{
	const char	*how = cfg_str(CFG_UI_QUIT);

	if (strcmp(how, "stop") == 0)
		ui_attach_stop_node();
	else if (strcmp(how, "detach") == 0)
		ui_attach_detach();
	else {
		ui.mode = UI_MODE_QUIT;
		ui_dirty(UI_D_INPUT);
	}
}

/* A key while /quit asks. */
void
ui_attach_quit_key(int key)
{
	if (key == 's' || key == 'S')
		ui_attach_stop_node();
	else if (key == 'd' || key == 'D')
		ui_attach_detach();
	else if (key != 'n' && key != 'N' && key != UK_ESC &&
	    key != UK_C('c') && key != UK_C('g'))
		return;
	ui.mode = UI_MODE_EDIT;
	ui_dirty(UI_D_INPUT);
}

/* Stop the node, then leave when it closes the socket. */
void
ui_attach_stop_node(void)
{
	struct json	j;

	ui_attach_stopping = 1;
	json_begin(&j, "command");
	json_str(&j, "command", "/quit");
	ui_attach_send(&j);
}

/* A signal for the screen's loop: SIGWINCH resizes, the rest detach. */
static void
ui_attach_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	if (sig == SIGWINCH) {
		if (node_winch_hook != NULL)
			node_winch_hook();
		return;
	}
	ui_attach_detach();
}

/*
 * The screen of p2pchat with no options, attached to the node of home on
 * socket fd: the mirror from the events, history from the database read
 * read-only. Returns the exit status.
 */
int
ui_attach_run(const char *home, int fd)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
	struct event		*ev[nitems(sigs)];
	char			*path, *cause;
	int			 stopping, lost, found;
	int64_t			 deadline;
	u_int			 i;

	signal(SIGPIPE, SIG_IGN);
	xasprintf(&path, "%s/p2pchat.db", home);
	found = store_open_reader(path, &cause);
	free(path);
	if (found != 0)
		goto fail;
	/* A new profile's identity is committed at its node's first turn. */
	deadline = mono_us() + UI_ATTACH_READY_MS * 1000LL;
	while ((found = identity_load(0, &cause)) == 0 &&
	    mono_us() < deadline)
		usleep(10000);
	if (found != 1) {
		if (found == 0)
			cause = xstrdup("the profile has no identity");
		goto fail_store;
	}
	if (peer_load(&cause) != 0)
		goto fail_store;
	if ((node_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	event_base_priority_init(node_base, 3);
	for (i = 0; i < nitems(sigs); i++) {
		ev[i] = evsignal_new(node_base, sigs[i], ui_attach_signal_cb,
		    NULL);
		evsignal_add(ev[i], NULL);
	}
	fe = &ui_frontend;
	if (ui_attach_start(fd, &cause) != 0 || ui_start(&cause) != 0)
		goto fail_store;
	ui_attach_flush();
	event_base_dispatch(node_base);
	ui_stop();
	stopping = ui_attach_stop();
	lost = ui_attach_lost();
	for (i = 0; i < nitems(sigs); i++)
		event_free(ev[i]);
	room_module.shutdown();		/* the rooms the store gave */
	peer_free_all();
	conv_free_all();
	identity_free();
	store_close();
	if (stopping && client_wait_stopped(home, &cause) != 0) {
		fprintf(stderr, "p2pchat: %s\n", cause);
		free(cause);
		return (1);
	}
	if (lost) {
		fprintf(stderr, "p2pchat: the node on %s stopped\n", home);
		return (1);
	}
	if (!stopping)
		printf("[detached: the node on %s runs on; p2pchat attaches "
		    "again]\n", home);
	return (0);

fail_store:
	store_close();
fail:
	fprintf(stderr, "p2pchat: %s\n", cause);
	free(cause);
	return (1);
}

/* Run a command line: here, or by the node for the open conversation. */
void
ui_core_run(struct conv *c, const char *line)
{
	struct cmd_ctx	ctx;
	struct json	j;

	if (!ui_attached) {
		memset(&ctx, 0, sizeof ctx);
		ctx.conv = c;
		cmd_run(&ctx, line);
		return;
	}
	json_begin(&j, "command");
	json_str(&j, "command", line);
	if (c != NULL)
		json_int(&j, "conv", c->id);
	ui_attach_send(&j);
}

/* Send a message typed in a conversation. */
int
ui_core_send(struct conv *c, const char *text, char **cause)
{
	struct json	j;

	if (!ui_attached)
		return (cmd_send(c, text, cause));
	json_begin(&j, "send");
	json_str(&j, "send", text);
	json_int(&j, "conv", c->id);
	ui_attach_send(&j);
	return (0);
}

/* The user read a conversation up to a row id (all screens are told). */
void
ui_core_read(struct conv *c, int64_t rowid)
{
	struct json	j;

	if (!ui_attached) {
		conv_mark_read(c, rowid);
		return;
	}
	c->unread = 0;
	if (rowid > c->last_read)
		c->last_read = rowid;
	json_begin(&j, "read");
	json_int(&j, "read", c->id);
	json_int(&j, "upto", rowid);
	ui_attach_send(&j);
}

/* Tell a peer we are typing (1) or stopped (0). */
int
ui_core_typing(struct peer *p, int on, char **cause)
{
	char	*line;

	if (!ui_attached)
		return (chat_typing(p, on, cause));
	xasprintf(&line, "/typing %s %s", p->hex, on ? "on" : "off");
	ui_core_run(NULL, line);
	free(line);
	return (0);
}

/* The page of the last /search: first, shown, total. */
void
ui_core_search_page(u_int *first, u_int *shown, u_int *total)
{
	if (!ui_attached) {
		cmd_search_page(first, shown, total);
		return;
	}
	*first = ui_attach_search[0];
	*shown = ui_attach_search[1];
	*total = ui_attach_search[2];
}
