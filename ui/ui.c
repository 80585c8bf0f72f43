/*
 * ui.c: the full-screen ncursesw frontend: the frontend callbacks, the
 * terminal (set up, restored on exit, on a fatal error and on SIGTERM,
 * resized on SIGWINCH), its input on the event loop, and the one redraw
 * a loop turn. Callbacks only change state and mark parts dirty; the
 * redraw event, at the lowest priority, draws them after the turn's
 * commit. Nothing here runs a timer: an idle screen makes no wake-ups.
 */

#include "ui.h"

#include <sys/ioctl.h>

#include <langinfo.h>

struct ui_state		 ui;
static SCREEN		*ui_screen;
static u_int		 ui_attention_n;
static char		*ui_attention_text;
static int		 ui_help_keys_shown;
static u_int		 ui_command_lines;
static int		 ui_bell;

/*
 * P2PCHAT_UI_DRAWLOG names a file where the benchmarks read, for each
 * message received, its stored time (milliseconds) and the time the
 * redraw that showed it ended (microseconds; both since the epoch):
 * "STORED DRAWN" a line.
 */
static FILE		*ui_drawlog;
static int64_t		*ui_drawlog_stored;	/* since the last redraw */
static u_int		 ui_drawlog_n, ui_drawlog_size;

/* A list being printed (/peers, /rooms, /addresses), aligned at its end. */
#define UI_TABLE_COLS	8
struct ui_table {
	char		**cells;	/* nrows rows of ncols */
	u_int		  ncols;
	u_int		  nrows;
};
static struct ui_table	 ui_table;

static void	ui_restore(void);

/* Mark parts of the screen dirty and make sure a redraw comes. */
void
ui_dirty(u_int what)
{
	ui.dirty |= what;
	ui.st_dirty++;
	if (ui.ev_redraw != NULL && !event_pending(ui.ev_redraw, EV_TIMEOUT,
	    NULL))
		event_active(ui.ev_redraw, EV_TIMEOUT, 0);
}

/* Write bytes straight to the terminal (after ncurses has flushed). */
void
ui_term_write(const char *s)
{
	size_t	len = strlen(s);
	ssize_t	n;

	while (len > 0) {
		n = write(STDOUT_FILENO, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= n;
	}
}

/* Set a notice in the status bar until the next key. */
void
ui_notice(int error, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	free(ui.notice);
	ui.notice = ui_text_clean(s, strlen(s));
	ui.notice_error = error;
	free(s);
	ui_dirty(UI_D_STATUS);
}

/* Add lines to the console; shown as a notice when it is not open. */
void
ui_console(enum ui_line_type type, const char *fmt, ...)
{
	va_list	 ap;
	char	*s, *line, *next;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	for (line = s; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		ui_view_add(ui.views[0], type, line);
		ui_command_lines++;
	}
	if (ui.cur != ui.views[0])
		ui_notice(type != UI_LINE_INFO, "%s", s);
	free(s);
	ui_dirty(ui.cur == ui.views[0] ? UI_D_CONV|UI_D_LIST : UI_D_LIST);
}

/* A message arrived outside the open conversation: bell, notification. */
void
ui_attention(struct conv *c, const struct msg *m)
{
	char	*s;

	ui_attention_n++;
	xasprintf(&s, "%s: %.*s", conv_name(c), (int)utf8_cut(m->text,
	    m->len, 160), m->text);
	free(ui_attention_text);
	ui_attention_text = ui_text_clean(s, strlen(s));
	free(s);
	ui_dirty(UI_D_TERM);
}

/* Ring the bell and send a notification for what arrived this turn. */
static void
ui_attention_flush(void)
{
	const char	*how = cfg_str(CFG_NOTIFY);
	char		*s, *text;

	if (ui_bell && ui_attention_n == 0 && cfg_num(CFG_BELL))
		ui_term_write("\a");
	ui_bell = 0;
	if (ui_attention_n == 0)
		return;
	if (ui_attention_n > 1)
		xasprintf(&text, "%u new messages", ui_attention_n);
	else
		text = xstrdup(ui_attention_text);
	if (cfg_num(CFG_BELL))
		ui_term_write("\a");
	if (strcmp(how, "osc9") == 0) {
		xasprintf(&s, "\033]9;p2pchat: %s\a", text);
		ui_term_write(s);
		free(s);
	} else if (strcmp(how, "osc777") == 0) {
		xasprintf(&s, "\033]777;notify;p2pchat;%s\a", text);
		ui_term_write(s);
		free(s);
	}
	free(text);
	ui_attention_n = 0;
}

/* Put the unread count into the terminal's title when it changed. */
static void
ui_title_update(void)
{
	struct conv	*c;
	u_int		 n = 0;
	char		 s[64];

	if (!cfg_num(CFG_TITLE))
		return;
	TAILQ_FOREACH(c, &convs, entry)
		n += c->unread;
	if (n == ui.title_unread && ui.st_redraws > 1)
		return;
	ui.title_unread = n;
	if (n == 0)
		snprintf(s, sizeof s, "\033]2;p2pchat\007");
	else
		snprintf(s, sizeof s, "\033]2;p2pchat (%u)\007", n);
	ui_term_write(s);
}

/* A message received, for P2PCHAT_UI_DRAWLOG. */
static void
ui_drawlog_add(const struct msg *m)
{
	if (ui_drawlog == NULL || m->outgoing)
		return;
	if (ui_drawlog_n == ui_drawlog_size) {
		ui_drawlog_size = ui_drawlog_size == 0 ? 256 :
		    ui_drawlog_size * 2;
		ui_drawlog_stored = xreallocarray(ui_drawlog_stored,
		    ui_drawlog_size, sizeof *ui_drawlog_stored);
	}
	ui_drawlog_stored[ui_drawlog_n++] = m->stored;
}

/* A redraw ended: the messages it showed, with the time. */
static void
ui_drawlog_flush(void)
{
	struct timespec	ts;
	long long	drawn;
	u_int		i;

	if (ui_drawlog == NULL || ui_drawlog_n == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	drawn = ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
	for (i = 0; i < ui_drawlog_n; i++)
		fprintf(ui_drawlog, "%lld %lld\n",
		    (long long)ui_drawlog_stored[i], drawn);
	fflush(ui_drawlog);
	ui_drawlog_n = 0;
}

/* The redraw event: once a loop turn, after the commit. */
static void
ui_redraw_cb(evutil_socket_t fd, short what, void *arg)
{
	u_int	d;

	if (!ui.running)
		return;
	if (store_pending() && !ui.deferred) {
		ui.deferred = 1;
		event_active(ui.ev_redraw, EV_TIMEOUT, 0);
		return;
	}
	ui.deferred = 0;
	d = ui_screen_draw();
	ui_drawlog_flush();
	ui.st_redraws++;
	if (ui.st_first_draw == 0)
		ui.st_first_draw = now_ms();
	if (d & UI_D_TERM)
		ui_title_update();
	ui_attention_flush();
}

/* The terminal has bytes for us. */
static void
ui_stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	u_char	buf[4096];
	ssize_t	n;

	n = read(fd, buf, sizeof buf);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		log_info("%s: the terminal went away", __func__);
		event_del(ui.ev_stdin);
		node_quit();
		return;
	}
	ui.st_reads++;
	ui_keys_feed(buf, n);
}

/* SIGWINCH: take the new size and lay the screen out again. */
static void
ui_winch(void)
{
	struct winsize	ws;

	if (!ui.running)
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	ui_dirty(UI_D_ALL);
}

/* Give the terminal back as it was. Safe to call more than once. */
static void
ui_restore(void)
{
	if (!ui.running)
		return;
	ui.running = 0;
	endwin();
	ui_term_write("\033[?2004l");
	if (cfg_num(CFG_TITLE))
		ui_term_write("\033[23;0t");
}

/* The frontend: the node is ready. */
static void
ui_fe_ready(const char *listen)
{
	ui_dirty(UI_D_STATUS);
}

/* A peer came online, went offline or changed trust. */
static void
ui_fe_peer(struct peer *p)
{
	struct ui_view	*v;
	int		 on = peer_online(p);

	ui.st_events++;
	ui_view_nick_gen++;		/* its name may have changed */
	if (p->conv != NULL && conv_visible(p->conv)) {
		v = ui_view_get(p->conv);
		if (v->online != on) {
			v->online = on;
			if (on)
				ui_console(UI_LINE_INFO, "%s (%.8s) is online "
				    "from %s", peer_name(p), p->hex,
				    p->addr != NULL ? p->addr : "?");
			else
				ui_console(UI_LINE_INFO, "%s (%.8s) went "
				    "offline", peer_name(p), p->hex);
		}
	}
	ui_dirty(UI_D_LIST|UI_D_TITLE|UI_D_STATUS);
}

/* A message was stored (received, or sent by us). */
static void
ui_fe_message(struct conv *c, const struct msg *m)
{
	struct ui_view	*v;

	ui.st_events++;
	if (!conv_visible(c))
		return;
	ui_drawlog_add(m);
	v = ui_view_get(c);
	ui_view_message(v, m);
	if (v == ui.cur)
		ui_dirty(UI_D_CONV|UI_D_STATUS);
	else if (!m->outgoing)
		ui_attention(c, m);
	ui_dirty(UI_D_LIST|UI_D_STATUS|UI_D_TERM);
}

/* An own message was sent or delivered. */
static void
ui_fe_state(struct conv *c, const struct msg *m)
{
	struct ui_view	*v;

	ui.st_events++;
	if (!conv_visible(c))
		return;
	v = ui_view_get(c);
	ui_view_state(v, m);
	if (v == ui.cur)
		ui_dirty(UI_D_CONV);
}

/* A peer started or stopped typing. */
static void
ui_fe_typing(struct peer *p)
{
	if (p->conv != NULL && ui.cur->conv == p->conv)
		ui_dirty(UI_D_TITLE);
}

/*
 * A peer changed its nick from old: say so in its conversation (unless a
 * local name hides both), and let the lines it wrote before keep old.
 */
static void
ui_fe_renamed(struct peer *p, const char *old)
{
	struct ui_view	*v;
	struct ui_line	*l;
	char		*s;
	u_int		 i, j;

	for (i = 1; i < ui.nviews; i++) {
		v = ui.views[i];
		for (j = 0; j < v->n; j++) {
			l = &v->lines[j];
			if (l->type == UI_LINE_MSG && !l->outgoing &&
			    l->nick == NULL &&
			    memcmp(l->author, p->id, PEER_ID_LEN) == 0)
				l->nick = xstrdup(old);
		}
	}
	ui_view_nick_gen++;
	if (*p->name == '\0' && p->conv != NULL && conv_visible(p->conv)) {
		xasprintf(&s, "%s is now known as %s", peer_name_as(p, old),
		    peer_name(p));
		v = ui_view_get(p->conv);
		if (v->loaded) {
			ui_view_add(v, UI_LINE_INFO, s);
			if (v == ui.cur)
				ui_dirty(UI_D_CONV);
		}
		free(s);
	}
	ui_dirty(UI_D_ALL & ~UI_D_CLEAR);
}

/*
 * A stranger's message, held: the first of its request gets one line
 * asking the user to decide; the rest wait quietly in /requests.
 */
static void
ui_fe_request(struct conv *c, const struct msg *m, int first)
{
	struct peer	*p = c->peer;

	if (!first || p == NULL)
		return;
	ui_console(UI_LINE_WARN, "%s (%.8s) asks to chat: /accept %.8s or "
	    "/decline %.8s (/requests lists them)", peer_name(p), p->hex,
	    p->hex, p->hex);
	ui_attention(c, m);
}

/* /close: the window goes; the conversation and its history stay. */
static void
ui_fe_close_conv(struct conv *c)
{
	ui_view_close(c);
}

/* An error to show. */
static void
ui_fe_error(const char *msg)
{
	ui_console(UI_LINE_ERROR, "%s", msg);
}

/* A warning to show (a changed key is loud: it rings the bell too). */
static void
ui_fe_warning(const char *msg, struct peer *p)
{
	ui_console(UI_LINE_WARN, "%s", msg);
	if (p != NULL && p->conflict) {
		ui_bell = 1;
		ui_dirty(UI_D_TERM);
	}
}

/* Look up a member of an item. */
static const char *
ui_fe_kv(const struct fe_kv *kv, u_int n, const char *key)
{
	u_int	i;

	for (i = 0; i < n; i++) {
		if (strcmp(kv[i].key, key) == 0)
			return (kv[i].str != NULL ? kv[i].str : "");
	}
	return ("");
}

/* A time for a person: "today 14:03", "2026-12-01 14:03" or "never". */
static void
ui_when(int64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)(ms / 1000), now = time(NULL);
	struct tm	tm, today;

	if (ms <= 0) {
		snprintf(buf, len, "never");
		return;
	}
	localtime_r(&t, &tm);
	localtime_r(&now, &today);
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(buf, len, "today %H:%M", &tm);
	else
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

/* Add a row to the list being printed; the strings are copied. */
static void
ui_table_add(u_int n, const char **cols)
{
	struct ui_table	*t = &ui_table;
	u_int		 i;

	if (t->nrows == 0)
		t->ncols = n;
	if (n != t->ncols)
		fatalx("%s: %u columns, not %u", __func__, n, t->ncols);
	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof *t->cells);
	for (i = 0; i < n; i++)
		t->cells[t->nrows * t->ncols + i] = ui_text_clean(cols[i],
		    strlen(cols[i]));
	t->nrows++;
}

/* Forget the list being printed. */
static void
ui_table_free(void)
{
	struct ui_table	*t = &ui_table;
	u_int		 i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof *t);
}

/*
 * Print the list under a header, each column as wide as its widest
 * cell; or, when it is empty, say so.
 */
static void
ui_table_print(const char *const *header, const char *empty)
{
	struct ui_table	*t = &ui_table;
	struct buf	 b;
	u_int		 w[UI_TABLE_COLS], i, j, n, k;
	const char	*c;

	if (t->nrows == 0) {
		ui_console(UI_LINE_INFO, "%s", empty);
		ui_table_free();
		return;
	}
	for (j = 0; j < t->ncols; j++)
		w[j] = ui_text_width(header[j], strlen(header[j]));
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->ncols; j++) {
			c = t->cells[i * t->ncols + j];
			if ((n = ui_text_width(c, strlen(c))) > w[j])
				w[j] = n;
		}
	}
	buf_init(&b);
	for (i = 0; i <= t->nrows; i++) {
		buf_reset(&b);
		for (j = 0; j < t->ncols; j++) {
			c = i == 0 ? header[j] : t->cells[(i - 1) * t->ncols +
			    j];
			buf_put(&b, c, strlen(c));
			if (j + 1 == t->ncols)
				break;
			n = ui_text_width(c, strlen(c));
			for (k = n; k < w[j] + 2; k++)
				buf_put_u8(&b, ' ');
		}
		while (b.size > 0 && b.d[b.size - 1] == ' ')
			b.size--;
		buf_put_u8(&b, '\0');
		ui_console(UI_LINE_INFO, "%s", (char *)b.d);
	}
	buf_free(&b);
	ui_table_free();
}

/* An item of /addresses or /rooms: a row of its list. */
static int
ui_fe_item_row(const char *event, const struct fe_kv *kv, u_int n)
{
	const char	*cols[UI_TABLE_COLS];
	char		 ok[32], tried[32], fails[16], unread[16], peer[16];
	char		 first[80];
	const char	*c;
	long long	 last_ok = 0, last_try = 0, failures = 0, count = 0;
	u_int		 i;

	for (i = 0; i < n; i++) {
		if (strcmp(kv[i].key, "last_ok") == 0)
			last_ok = kv[i].num;
		else if (strcmp(kv[i].key, "last_try") == 0)
			last_try = kv[i].num;
		else if (strcmp(kv[i].key, "failures") == 0)
			failures = kv[i].num;
		else if (strcmp(kv[i].key, "unread") == 0)
			count = kv[i].num;
	}
	if (strcmp(event, "address") == 0) {
		ui_when(last_ok, ok, sizeof ok);
		ui_when(last_try, tried, sizeof tried);
		snprintf(fails, sizeof fails, "%lld", failures);
		cols[0] = ui_fe_kv(kv, n, "addr");
		cols[1] = ui_fe_kv(kv, n, "source");
		cols[2] = ok;
		cols[3] = tried;
		cols[4] = fails;
		snprintf(peer, sizeof peer, "%.8s", ui_fe_kv(kv, n, "peer"));
		cols[5] = *peer != '\0' ? peer : "unknown";
		ui_table_add(6, cols);
		return (1);
	}
	if (strcmp(event, "request") == 0) {
		snprintf(peer, sizeof peer, "%.8s", ui_fe_kv(kv, n, "peer"));
		cols[0] = ui_fe_kv(kv, n, "nick");
		cols[1] = peer;
		cols[2] = ui_fe_kv(kv, n, "addr");
		c = ui_fe_kv(kv, n, "text");
		snprintf(first, sizeof first, "%.*s%s",
		    (int)utf8_cut(c, strlen(c), 40), c,
		    strlen(c) > 40 ? "..." : "");
		cols[3] = first;
		ui_table_add(4, cols);
		return (1);
	}
	if (strcmp(event, "room") == 0) {
		snprintf(unread, sizeof unread, "%lld", count);
		cols[0] = ui_fe_kv(kv, n, "room");
		cols[1] = unread;
		snprintf(peer, sizeof peer, "%.8s", ui_fe_kv(kv, n, "id"));
		cols[2] = peer;
		ui_table_add(3, cols);
		return (1);
	}
	return (0);
}

/* A join or part line in its room's window; the title counts members. */
static void
ui_member_line(const struct fe_kv *kv, u_int n)
{
	struct conv	*c;
	struct ui_view	*v;
	const char	*room = ui_fe_kv(kv, n, "room");
	char		*s;

	ui_dirty(UI_D_TITLE);
	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || strcmp(room_name(c->room), room) != 0)
			continue;
		v = ui_view_get(c);
		if (!v->loaded)
			break;
		xasprintf(&s, "%s %s %s", ui_fe_kv(kv, n, "nick"),
		    strcmp(ui_fe_kv(kv, n, "state"), "joined") == 0 ?
		    "joined" : "left", room);
		ui_view_add(v, UI_LINE_INFO, s);
		free(s);
		if (v == ui.cur)
			ui_dirty(UI_D_CONV);
		break;
	}
}

/* Command output: one item. */
static void
ui_fe_item(const char *event, const struct fe_kv *kv, u_int n)
{
	struct buf	 b;
	char		 num[32];
	u_int		 i;

	if (strcmp(event, "member") == 0) {
		ui_member_line(kv, n);
		return;
	}
	if (ui_fe_item_row(event, kv, n))
		return;
	if (strcmp(event, "help") == 0) {
		ui_console(UI_LINE_INFO, "/%s %s -- %s", ui_fe_kv(kv, n,
		    "command"), ui_fe_kv(kv, n, "usage"), ui_fe_kv(kv, n,
		    "help"));
	} else if (strcmp(event, "verify") == 0) {
		ui_console(UI_LINE_INFO, "safety number with %s: %s (%s). "
		    "Compare it with %s by another channel, then /verify %s "
		    "yes", ui_fe_kv(kv, n, "nick"), ui_fe_kv(kv, n,
		    "safety_number"), ui_fe_kv(kv, n, "trust"),
		    ui_fe_kv(kv, n, "nick"), ui_fe_kv(kv, n, "nick"));
	} else if (strcmp(event, "trust") == 0) {
		ui_console(UI_LINE_INFO, "peer %.8s is now %s", ui_fe_kv(kv,
		    n, "peer"), ui_fe_kv(kv, n, "trust"));
	} else if (strcmp(event, "nick") == 0) {
		ui_console(UI_LINE_INFO, "you are now known as %s",
		    ui_fe_kv(kv, n, "nick"));
		ui_dirty(UI_D_ALL & ~UI_D_CLEAR);
	} else if (strcmp(event, "accepted") == 0) {
		ui_console(UI_LINE_INFO, "%s (%.8s) is a contact now",
		    ui_fe_kv(kv, n, "nick"), ui_fe_kv(kv, n, "peer"));
	} else if (strcmp(event, "rename") == 0) {
		if (*ui_fe_kv(kv, n, "name") != '\0')
			ui_console(UI_LINE_INFO, "peer %.8s is shown as %s",
			    ui_fe_kv(kv, n, "peer"), ui_fe_kv(kv, n, "name"));
		else
			ui_console(UI_LINE_INFO, "peer %.8s is shown by its "
			    "nick, %s, again", ui_fe_kv(kv, n, "peer"),
			    ui_fe_kv(kv, n, "nick"));
		ui_dirty(UI_D_ALL & ~UI_D_CLEAR);
	} else if (strcmp(event, "closed") == 0) {
		ui_console(UI_LINE_INFO, "closed the window of %s (its history "
		    "is kept; /query opens it again)", ui_fe_kv(kv, n,
		    "conversation"));
	} else if (strcmp(event, "id") == 0) {
		ui_console(UI_LINE_INFO, "you are %s, id %s, listening on %s, "
		    "%s", ui_fe_kv(kv, n, "nick"), ui_fe_kv(kv, n, "id"),
		    ui_fe_kv(kv, n, "listen"), ui_fe_kv(kv, n, "reach"));
	} else if (strcmp(event, "reach") == 0) {
		ui_dirty(UI_D_STATUS);	/* the status bar shows it */
	} else if (strcmp(event, "unreachable") == 0) {
		ui_console(UI_LINE_WARN, "%s (%.8s) cannot be reached: %s "
		    "(%s: %s)", ui_fe_kv(kv, n, "nick"), ui_fe_kv(kv, n,
		    "peer"), ui_fe_kv(kv, n, "reason"), ui_fe_kv(kv, n,
		    "where"), ui_fe_kv(kv, n, "detail"));
	} else {
		buf_init(&b);
		buf_put(&b, event, strlen(event));
		buf_put(&b, ":", 1);
		for (i = 0; i < n; i++) {
			buf_put(&b, " ", 1);
			buf_put(&b, kv[i].key, strlen(kv[i].key));
			buf_put(&b, "=", 1);
			if (kv[i].str != NULL)
				buf_put(&b, kv[i].str, strlen(kv[i].str));
			else {
				snprintf(num, sizeof num, "%lld", kv[i].num);
				buf_put(&b, num, strlen(num));
			}
		}
		buf_put_u8(&b, '\0');
		ui_console(UI_LINE_INFO, "%s", (char *)b.d);
		buf_free(&b);
	}
}

/* Command output: a peer in a list. */
static void
ui_fe_list_peer(struct peer *p, u_int n)
{
	const char	*cols[UI_TABLE_COLS];
	char		 num[16], seen[32], id[16];

	snprintf(num, sizeof num, "%u", n);
	snprintf(id, sizeof id, "%.8s", p->hex);
	if (peer_online(p))
		snprintf(seen, sizeof seen, "now");
	else
		ui_when(p->last_seen, seen, sizeof seen);
	cols[0] = num;
	cols[1] = peer_name(p);
	cols[2] = peer_online(p) ? "online" : "offline";
	cols[3] = peer_trust_name(p);
	cols[4] = peer_contact_name(p);
	cols[5] = seen;
	cols[6] = id;
	cols[7] = p->addr != NULL ? p->addr : "";
	ui_table_add(8, cols);
}

/* Command output: a message of /history or /search, numbered for /goto. */
static void
ui_fe_list_msg(const char *event, struct conv *c, const struct msg *m)
{
	struct peer	*p;
	char		 when[32], name[NICK_MAX + 32];
	struct tm	 tm;
	time_t		 t = (time_t)(m->ts / 1000);
	u_int		 k;

	k = ui_search_add(c, m);
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
	if (m->outgoing)
		snprintf(name, sizeof name, "%s", node_nick());
	else if ((p = peer_find(m->author)) != NULL)
		snprintf(name, sizeof name, "%s", peer_name(p));
	else
		snprintf(name, sizeof name, "?");
	ui_console(UI_LINE_INFO, "[%u] %s %s <%s> %.*s", k, when,
	    conv_name(c), name, (int)utf8_cut(m->text, m->len, 400), m->text);
}

/* The end of a page of /search: how many of how many, and what next. */
static void
ui_fe_search_done(void)
{
	u_int	first, shown, total, left;

	ui_core_search_page(&first, &shown, &total);
	if (first == 0)
		ui_console(UI_LINE_INFO, "%u of %u matches", shown, total);
	else
		ui_console(UI_LINE_INFO, "%u-%u of %u matches", first + 1,
		    first + shown, total);
	left = total > first + shown ? total - (first + shown) : 0;
	if (left != 0)
		ui_console(UI_LINE_INFO, "/search -n shows the next %u; "
		    "/goto N shows result N in its conversation",
		    left < 100 ? left : 100);
	else
		ui_console(UI_LINE_INFO, "/goto N shows result N in its "
		    "conversation");
}

/* Command output ends. */
static void
ui_fe_done(const char *command)
{
	static const char *const peers[] = { "#", "NICK", "STATE", "TRUST",
	    "CONTACT", "LAST SEEN", "ID", "ADDRESS" };
	static const char *const requests[] = { "NICK", "ID", "FROM",
	    "FIRST MESSAGE" };
	static const char *const rooms[] = { "ROOM", "UNREAD", "ID" };
	static const char *const addrs[] = { "ADDRESS", "FROM", "LAST OK",
	    "LAST TRIED", "FAILED", "PEER" };

	if (strcmp(command, "peers") == 0)
		ui_table_print(peers, "no peers yet: /connect HOST:PORT to "
		    "reach one, /id for your own address");
	else if (strcmp(command, "blocked") == 0)
		ui_table_print(peers, "no blocked keys");
	else if (strcmp(command, "requests") == 0)
		ui_table_print(requests, "no contact requests");
	else if (strcmp(command, "rooms") == 0)
		ui_table_print(rooms, "no rooms: /join #name to make one");
	else if (strcmp(command, "addresses") == 0)
		ui_table_print(addrs, "no addresses yet: /connect HOST:PORT "
		    "adds one");
	else if (strcmp(command, "search") == 0 && ui_command_lines != 0)
		ui_fe_search_done();
	else if (strcmp(command, "search") == 0 ||
	    strcmp(command, "history") == 0) {
		if (ui_command_lines == 0)
			ui_console(UI_LINE_INFO, "no messages found");
		else
			ui_console(UI_LINE_INFO, "/goto N shows result N in "
			    "its conversation");
	} else if (strcmp(command, "help") == 0 && !ui_help_keys_shown &&
	    ui_command_lines > 1) {
		ui_console(UI_LINE_INFO, "/goto N|NAME -- Show result N of "
		    "the last /search or /history in its conversation, or "
		    "go to a window by name");
		ui_console(UI_LINE_INFO, "/clear -- Clear the console");
	}
	ui_help_keys_shown = 0;
	if (ui.cur != ui.views[0] && ui_command_lines > 1)
		ui_notice(0, "/%s: %u lines in the console (M-1)", command,
		    ui_command_lines);
	ui_command_lines = 0;
}

/* /help keys */
static void
ui_fe_help_keys(void)
{
	ui_help_keys_shown = 1;
	ui_keys_help();
}

/* /query: open a conversation. */
static void
ui_fe_open_conv(struct conv *c)
{
	ui_view_open(ui_view_get(c));
}

const struct frontend ui_frontend = {
	.name = "screen",
	.ready = ui_fe_ready,
	.peer = ui_fe_peer,
	.message = ui_fe_message,
	.state = ui_fe_state,
	.typing = ui_fe_typing,
	.renamed = ui_fe_renamed,
	.request = ui_fe_request,
	.error = ui_fe_error,
	.warning = ui_fe_warning,
	.item = ui_fe_item,
	.list_peer = ui_fe_list_peer,
	.list_msg = ui_fe_list_msg,
	.done = ui_fe_done,
	.help_keys = ui_fe_help_keys,
	.open_conv = ui_fe_open_conv,
	.close_conv = ui_fe_close_conv,
};

/* Commands of the screen alone: /goto and /clear. Returns 1 if run. */
int
ui_local_command(const char *line)
{
	size_t	n = strcspn(line + 1, " \t");

	ui_command_lines = 0;
	if (n == 4 && strncmp(line + 1, "goto", 4) == 0) {
		ui_search_goto(line + 5);
		return (1);
	}
	if (n == 5 && strncmp(line + 1, "clear", 5) == 0) {
		ui_view_clear(ui.views[0]);
		return (1);
	}
	if (n == 6 && strncmp(line + 1, "detach", 6) == 0) {
		ui_attach_detach_key(0);
		return (1);
	}
	if (n == 4 && strncmp(line + 1, "quit", 4) == 0 && ui_attached) {
		ui_attach_quit();
		return (1);
	}
	if (ui_attached && strncmp(line, "/help keys", 10) == 0 &&
	    (line[10] == '\0' || line[10] == ' ')) {
		ui_fe_help_keys();
		ui_fe_done("help");
		return (1);
	}
	return (0);
}

/* The first screen of a new profile: how to reach someone. */
static void
ui_welcome(void)
{
	ui_console(UI_LINE_INFO, "No peers yet. To reach someone, one of you "
	    "dials the other:");
	ui_console(UI_LINE_INFO, "  give them your address %s and your id "
	    "%s;", node_listen_address(), identity->hex);
	ui_console(UI_LINE_INFO, "  they type /connect %s, or you type "
	    "/connect HOST:PORT with theirs.", node_listen_address());
	ui_console(UI_LINE_INFO, "Once they are online, M-2 opens their "
	    "window. man p2pchat, section EXAMPLES, explains the rest.");
}

/* Start the screen. */
int
ui_start(char **cause)
{
	const char	*nc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		xasprintf(cause, "the screen needs a terminal (or use "
		    "--headless)");
		return (-1);
	}
	ui.st_start = now_ms();
	nc = getenv("P2PCHAT_UI_DRAWLOG");
	if (nc != NULL && *nc != '\0' && ui_drawlog == NULL &&
	    (ui_drawlog = fopen(nc, "w")) == NULL)
		log_warnx("%s: %s: %s", __func__, nc, strerror(errno));
	if ((ui_screen = newterm(NULL, stdout, stdin)) == NULL) {
		xasprintf(cause, "cannot use the terminal (TERM=%s)",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		return (-1);
	}
	set_term(ui_screen);
	ui.running = 1;
	log_set_fatal_hook(ui_restore);
	raw();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	typeahead(-1);
	ui.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	nc = getenv("NO_COLOR");
	ui.colours = has_colors() && cfg_num(CFG_COLOURS) &&
	    (nc == NULL || *nc == '\0');
	ui_screen_colours();
	node_winch_hook = ui_winch;

	ui_term_write("\033[?2004h");
	if (cfg_num(CFG_TITLE))
		ui_term_write("\033[22;0t");

	ui.ev_stdin = event_new(node_base, STDIN_FILENO, EV_READ|EV_PERSIST,
	    ui_stdin_cb, NULL);
	event_add(ui.ev_stdin, NULL);
	ui.ev_redraw = event_new(node_base, -1, 0, ui_redraw_cb, NULL);
	event_priority_set(ui.ev_redraw, 2);

	ui_view_sync();
	ui.cur = ui.views[0];
	ui_console(UI_LINE_INFO, "p2pchat %s: you are %s (%.8s), listening "
	    "on %s", PACKAGE_VERSION, node_nick(), identity->hex,
	    node_listen_address());
	ui_console(UI_LINE_INFO, "M-1..M-0 (or Esc then a digit) and C-n/C-p "
	    "switch windows, C-g goes to one by name; /help lists commands, "
	    "/help keys the keys");
	if (TAILQ_EMPTY(&peer_list))
		ui_welcome();
	ui_command_lines = 0;
	ui_dirty(UI_D_ALL);
	return (0);
}

/* Write the counters for P2PCHAT_UI_STATS. */
static void
ui_stats_write(void)
{
	const char	*path = getenv("P2PCHAT_UI_STATS");
	FILE		*f;

	if (path == NULL || *path == '\0' || (f = fopen(path, "w")) == NULL)
		return;
	fprintf(f, "redraws %llu\n", ui.st_redraws);
	fprintf(f, "dirty_marks %llu\n", ui.st_dirty);
	fprintf(f, "reads %llu\n", ui.st_reads);
	fprintf(f, "keys %llu\n", ui.st_keys);
	fprintf(f, "events %llu\n", ui.st_events);
	fprintf(f, "pages %llu\n", ui.st_pages);
	fprintf(f, "lines_moved %llu\n", ui.st_moved);
	fprintf(f, "start_ms %lld\n", (long long)ui.st_start);
	fprintf(f, "first_draw_ms %lld\n", (long long)ui.st_first_draw);
	fprintf(f, "start_to_draw_ms %lld\n", (long long)(ui.st_first_draw -
	    ui.st_start));
	fprintf(f, "stop_ms %lld\n", (long long)now_ms());
	fclose(f);
}

/* Stop the screen and give the terminal back. */
void
ui_stop(void)
{
	ui_stats_write();
	if (ui.ev_stdin != NULL)
		event_free(ui.ev_stdin);
	if (ui.ev_redraw != NULL)
		event_free(ui.ev_redraw);
	ui.ev_stdin = ui.ev_redraw = NULL;
	ui_screen_free();
	ui_restore();
	if (ui_screen != NULL)
		delscreen(ui_screen);
	ui_screen = NULL;
	node_winch_hook = NULL;
	log_set_fatal_hook(NULL);
	ui_view_free_all();
	ui_input_free();
	ui_keys_reset();
	ui_search_reset();
	ui_table_free();
	free(ui.notice);
	ui.notice = NULL;
	free(ui_attention_text);
	ui_attention_text = NULL;
}
