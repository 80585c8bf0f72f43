/*
 * ui-view.c: the conversation pane. Each conversation has a view holding
 * a window of its messages, read from the store a page at a time by key
 * (time, id) as the user scrolls, so a conversation of a million messages
 * costs what an empty one does. The console is a view of lines held in
 * memory. Lines wrap at the pane's width; day-change lines, the unread
 * marker and the state of own messages are drawn with them.
 */

#include "ui.h"

#define UI_VIEW_PAGE	200	/* messages read at once */
#define UI_VIEW_MAX	2000	/* messages held by one view */
#define UI_VIEW_MARGIN	200	/* kept on each side of the anchor */
#define UI_CONSOLE_MAX	2000	/* console lines kept */

/* How lines are laid out at the pane's width. */
struct ui_fmt {
	u_int	w;
	u_int	h;
	u_int	timew;		/* 0: no timestamps (narrow pane) */
	u_int	nickw;
	u_int	textx;
	u_int	textw;
	u_int	markw;
};

static void	ui_view_scroll_down(struct ui_view *, const struct ui_fmt *,
		    u_int);

/* Bumped when a name may have changed: nick widths are found again. */
u_int		 ui_view_nick_gen = 1;

/* Format a time with a configured strftime(3) format. */
static size_t
ui_view_strftime(char *buf, size_t len, enum cfg_key key, int64_t ms)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	size_t		n;

	localtime_r(&t, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(buf, len, cfg_str(key), &tm);
#pragma GCC diagnostic pop
	buf[n] = '\0';
	return (n);
}

/* The local day of a time, as a number that changes with the date. */
static int
ui_view_day(int64_t ms)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	localtime_r(&t, &tm);
	return (tm.tm_year * 400 + tm.tm_yday);
}

/* The name of a view: the console or the conversation's. */
const char *
ui_view_name(struct ui_view *v)
{
	if (v->conv == NULL)
		return ("console");
	return (conv_name(v->conv));
}

/* Unread lines of a view: messages, or console warnings. */
u_int
ui_view_unread(struct ui_view *v)
{
	if (v->conv == NULL)
		return (v->activity);
	return (v->conv->unread);
}

/* The nick shown for a line. */
static const char *
ui_view_nick(struct ui_view *v, struct ui_line *l)
{
	static char	 hex[PEER_HEX_LEN + 1];
	struct peer	*p;

	if (l->outgoing)
		return (node_nick());
	p = v->conv != NULL ? v->conv->peer : NULL;
	if (p == NULL || memcmp(p->id, l->author, PEER_ID_LEN) != 0)
		p = peer_find(l->author);
	if (p != NULL && l->nick != NULL)
		return (peer_name_as(p, l->nick));
	if (p != NULL)
		return (peer_name(p));
	hex_encode(l->author, 4, hex);
	return (hex);
}

/* Note the width of a line's nick in its view's nick column. */
static void
ui_view_nick_note(struct ui_view *v, struct ui_line *l)
{
	const char	*nick;
	u_int		 n;

	if (v->conv == NULL || l->type != UI_LINE_MSG ||
	    v->nick_gen != ui_view_nick_gen || v->nickw >= UI_NICK_MAX)
		return;
	nick = ui_view_nick(v, l);
	if ((n = ui_text_width(nick, strlen(nick))) > v->nickw)
		v->nickw = n;
}

/* The width of the widest nick of the lines a view holds. */
static u_int
ui_view_nick_width(struct ui_view *v)
{
	u_int	i;

	if (v->nick_gen != ui_view_nick_gen) {
		v->nick_gen = ui_view_nick_gen;
		v->nickw = 0;
		for (i = 0; i < v->n && v->nickw < UI_NICK_MAX; i++)
			ui_view_nick_note(v, &v->lines[i]);
	}
	return (v->nickw);
}

/* Work out the layout of lines at the pane's size. */
static void
ui_view_fmt(struct ui_view *v, u_int w, u_int h, struct ui_fmt *f)
{
	char	buf[128];
	u_int	n;

	memset(f, 0, sizeof *f);
	f->w = w;
	f->h = h;
	f->timew = ui_view_strftime(buf, sizeof buf, CFG_TIME_FORMAT,
	    now_ms());
	f->timew = ui_text_width(buf, strlen(buf));
	if (v->conv == NULL)
		f->nickw = 3;
	else {
		f->markw = 3;
		f->nickw = ui_text_width(node_nick(), strlen(node_nick()));
		if (v->conv->peer != NULL) {
			n = ui_text_width(peer_name(v->conv->peer),
			    strlen(peer_name(v->conv->peer)));
			if (n > f->nickw)
				f->nickw = n;
		}
		if ((n = ui_view_nick_width(v)) > f->nickw)
			f->nickw = n;
		if (f->nickw > UI_NICK_MAX)
			f->nickw = UI_NICK_MAX;
		if (f->nickw < 3)
			f->nickw = 3;
	}
	if (f->timew != 0 && f->timew + f->nickw + f->markw + 12 > w)
		f->timew = 0;
	f->textx = (f->timew != 0 ? f->timew + 1 : 0) + f->nickw + 1;
	if (f->textx + f->markw + 1 > w)
		f->textx = 0;
	f->textw = w > f->textx + f->markw ? w - f->textx - f->markw : 1;
}

/* The layout for the view on the screen now. */
static void
ui_view_fmt_screen(struct ui_view *v, struct ui_fmt *f)
{
	u_int	w = 80, h = 20;

	if (ui.w_conv != NULL) {
		w = getmaxx(ui.w_conv);
		h = getmaxy(ui.w_conv);
	}
	ui_view_fmt(v, w, h, f);
}

/* Rows of a line's text (cached for the width). */
static u_int
ui_view_text_rows(struct ui_line *l, const struct ui_fmt *f)
{
	size_t	off = 0, next;
	u_int	rows = 0;

	if (l->rows_w == f->textw && l->rows != 0)
		return (l->rows);
	do {
		ui_text_wrap(l->text + off, l->len - off, f->textw, &next);
		off += next;
		rows++;
	} while (off < l->len);
	l->rows = rows;
	l->rows_w = f->textw;
	return (rows);
}

/* Does a day-change line go above line i? */
static int
ui_view_day_before(struct ui_view *v, u_int i)
{
	if (i == 0)
		return (!v->has_older);
	return (v->lines[i].day != v->lines[i - 1].day);
}

/* Does the unread marker go above line i? */
static int
ui_view_marker_before(struct ui_view *v, u_int i)
{
	if (v->marker < 0)
		return (0);
	if (i == 0)
		return (v->marker == 0 && !v->has_older);
	return (v->lines[i - 1].rowid == v->marker);
}

/* Rows of line i with the lines above it. */
static u_int
ui_view_rows(struct ui_view *v, u_int i, const struct ui_fmt *f)
{
	return (ui_view_day_before(v, i) + ui_view_marker_before(v, i) +
	    ui_view_text_rows(&v->lines[i], f));
}

/* Fill a line from a message; the text is taken (msg) or copied. */
static void
ui_view_line_set(struct ui_line *l, struct msg *m, int take)
{
	struct peer	*p;

	memset(l, 0, sizeof *l);
	l->type = UI_LINE_MSG;
	l->rowid = m->rowid;
	memcpy(l->id, m->id, MSGID_LEN);
	memcpy(l->author, m->author, PEER_ID_LEN);
	l->outgoing = m->outgoing;
	l->state = m->state;
	l->ts = m->ts;
	l->day = ui_view_day(m->ts);
	/* Written under another nick than the author's now: keep it. */
	if (!m->outgoing && *m->nick != '\0' &&
	    ((p = peer_find(m->author)) == NULL || strcmp(p->nick, m->nick) != 0))
		l->nick = xstrdup(m->nick);
	if (take) {
		l->text = m->text;
		m->text = NULL;
	} else
		l->text = xstrndup(m->text != NULL ? m->text : "", m->len);
	l->len = strlen(l->text);
}

/* Free lines [from, to) of a view. */
static void
ui_view_free_lines(struct ui_view *v, u_int from, u_int to)
{
	u_int	i;

	for (i = from; i < to; i++) {
		free(v->lines[i].text);
		free(v->lines[i].nick);
	}
}

/* Make room for count lines at index at. */
static struct ui_line *
ui_view_make_room(struct ui_view *v, u_int at, u_int count)
{
	if (v->n + count > v->alloc) {
		v->alloc = v->n + count + 64;
		v->lines = xreallocarray(v->lines, v->alloc, sizeof *v->lines);
	}
	if (v->n > at)
		memmove(v->lines + at + count, v->lines + at,
		    (v->n - at) * sizeof *v->lines);
	v->n += count;
	return (v->lines + at);
}

/* Drop count lines from the front. */
static void
ui_view_drop_front(struct ui_view *v, u_int count)
{
	ui_view_free_lines(v, 0, count);
	memmove(v->lines, v->lines + count, (v->n - count) * sizeof *v->lines);
	ui.st_moved += v->n - count;
	v->n -= count;
	if (v->anchor >= count)
		v->anchor -= count;
	else {
		v->anchor = 0;
		v->skip = 0;
	}
}

/*
 * Keep a view within its size, dropping lines far from the anchor: once
 * it is a page over, down to UI_VIEW_MAX at once. (Trimmed to the line, a
 * view following a flood moved its 2000 lines for every message: a third
 * of an attached screen's time.)
 */
static void
ui_view_trim(struct ui_view *v)
{
	u_int	drop, can;

	if (v->n <= UI_VIEW_MAX + UI_VIEW_PAGE)
		return;
	drop = v->n - UI_VIEW_MAX;
	if (v->anchor > v->n / 2) {
		can = v->anchor > UI_VIEW_MARGIN ? v->anchor - UI_VIEW_MARGIN :
		    0;
		if (drop > can)
			drop = can;
		if (drop == 0)
			return;
		ui_view_drop_front(v, drop);
		v->has_older = 1;
	} else {
		can = v->n - 1 - v->anchor;
		can = can > UI_VIEW_MARGIN ? can - UI_VIEW_MARGIN : 0;
		if (drop > can)
			drop = can;
		if (drop == 0)
			return;
		ui_view_free_lines(v, v->n - drop, v->n);
		v->n -= drop;
		v->has_newer = 1;
		v->follow = 0;
	}
}

/* Read a page of messages; errors go to the console. */
static int
ui_view_page(struct ui_view *v, int dir, int64_t ts, int64_t id,
    struct msg_list *ml)
{
	char	*cause = NULL;

	ui.st_pages++;
	if (store_msg_page(v->conv->id, dir, ts, id, UI_VIEW_PAGE, ml,
	    &cause) != 0) {
		ui_console(UI_LINE_ERROR, "reading messages: %s",
		    cause != NULL ? cause : "?");
		free(cause);
		memset(ml, 0, sizeof *ml);
		return (-1);
	}
	return (0);
}

/* Insert messages at index at, in the list's order or reversed. */
static void
ui_view_insert_list(struct ui_view *v, u_int at, struct msg_list *ml,
    int reverse)
{
	struct ui_line	*l;
	struct msg	*m;
	u_int		 i;

	if (ml->n == 0)
		return;		/* v->lines may still be NULL */
	l = ui_view_make_room(v, at, ml->n);
	for (i = 0; i < ml->n; i++) {
		m = &ml->v[reverse ? ml->n - 1 - i : i];
		ui_view_line_set(&l[i], m, 1);
		ui_view_nick_note(v, &l[i]);
		if (m->rowid > v->max_rowid)
			v->max_rowid = m->rowid;
	}
}

/* Drop every line of a view. */
static void
ui_view_empty(struct ui_view *v)
{
	ui_view_free_lines(v, 0, v->n);
	v->n = 0;
	v->anchor = v->skip = 0;
	v->has_older = v->has_newer = 0;
	v->unseen = 0;
	v->nickw = 0;
}

/* Read the newest page of a conversation. */
static void
ui_view_load_last(struct ui_view *v)
{
	struct msg_list	ml;

	ui_view_empty(v);
	v->loaded = 1;
	v->follow = 1;
	if (v->conv == NULL || ui_view_page(v, 0, 0, 0, &ml) != 0)
		return;
	ui_view_insert_list(v, 0, &ml, 1);
	v->has_older = ml.n == UI_VIEW_PAGE;
	msg_list_free(&ml);
	v->anchor = v->n > 0 ? v->n - 1 : 0;
}

/* Read the page before the first line; returns how many came. */
static u_int
ui_view_load_older(struct ui_view *v)
{
	struct msg_list	ml;
	u_int		n;

	if (v->conv == NULL || !v->has_older)
		return (0);
	if (v->n == 0) {
		ui_view_load_last(v);
		return (v->n);
	}
	if (ui_view_page(v, -1, v->lines[0].ts, v->lines[0].rowid, &ml) != 0)
		return (0);
	ui_view_insert_list(v, 0, &ml, 1);
	v->has_older = ml.n == UI_VIEW_PAGE;
	n = ml.n;
	msg_list_free(&ml);
	v->anchor += n;
	ui_view_trim(v);
	return (n);
}

/* Read the page after the last line; returns how many came. */
static u_int
ui_view_load_newer(struct ui_view *v)
{
	struct msg_list	 ml;
	struct ui_line	*last;
	u_int		 n;

	if (v->conv == NULL || !v->has_newer || v->n == 0)
		return (0);
	last = &v->lines[v->n - 1];
	if (ui_view_page(v, 1, last->ts, last->rowid, &ml) != 0)
		return (0);
	ui_view_insert_list(v, v->n, &ml, 0);
	v->has_newer = ml.n == UI_VIEW_PAGE;
	n = ml.n;
	msg_list_free(&ml);
	ui_view_trim(v);
	return (n);
}

/*
 * Read the pages around one message: returns its index, or -1 if it is
 * not there. With first, read from the start of the conversation instead
 * (rowid is ignored) and return 0.
 */
static int
ui_view_load_around(struct ui_view *v, int64_t rowid, int first)
{
	struct msg_list	 before, after;
	struct msg	 m;
	char		*cause = NULL;
	int		 rc, at;

	ui_view_empty(v);
	v->loaded = 1;
	v->follow = 0;
	memset(&before, 0, sizeof before);
	if (first) {
		if (ui_view_page(v, 1, INT64_MIN, INT64_MIN, &after) != 0)
			return (-1);
		ui_view_insert_list(v, 0, &after, 0);
		v->has_newer = after.n == UI_VIEW_PAGE;
		msg_list_free(&after);
		return (v->n != 0 ? 0 : -1);
	}
	if ((rc = store_msg_get(rowid, &m, &cause)) != 1) {
		if (rc < 0) {
			ui_console(UI_LINE_ERROR, "reading a message: %s",
			    cause);
			free(cause);
		}
		return (-1);
	}
	if (m.conv != v->conv->id ||
	    ui_view_page(v, -1, m.ts, m.rowid, &before) != 0 ||
	    ui_view_page(v, 1, m.ts, m.rowid, &after) != 0) {
		msg_list_free(&before);
		free(m.text);
		return (-1);
	}
	ui_view_insert_list(v, 0, &before, 1);
	at = v->n;
	ui_view_line_set(ui_view_make_room(v, v->n, 1), &m, 1);
	ui_view_nick_note(v, &v->lines[v->n - 1]);
	if (m.rowid > v->max_rowid)
		v->max_rowid = m.rowid;
	ui_view_insert_list(v, v->n, &after, 0);
	v->has_older = before.n == UI_VIEW_PAGE;
	v->has_newer = after.n == UI_VIEW_PAGE;
	msg_list_free(&before);
	msg_list_free(&after);
	return (at);
}

/*
 * Put line i at the top of the pane, with up to context rows of the lines
 * above it, then pin the view to the bottom if that reached the end.
 */
static void
ui_view_place(struct ui_view *v, u_int i, u_int context)
{
	struct ui_fmt	f;
	u_int		r;

	ui_view_fmt_screen(v, &f);
	v->anchor = i;
	v->skip = 0;
	v->follow = 0;
	r = ui_view_rows(v, i, &f);
	if (r + context < f.h)
		ui_view_scroll_down(v, &f, f.h - r - context);
}

/* Open a conversation at its first unread line, or at its end. */
static void
ui_view_load(struct ui_view *v)
{
	struct conv	*c = v->conv;
	int		 at;

	v->marker = -1;
	v->hit = 0;
	if (c == NULL || c->unread == 0) {
		if (c != NULL)
			ui_view_load_last(v);
		v->loaded = 1;
		return;
	}
	v->marker = c->last_read;
	if (c->last_read > 0 && (at = ui_view_load_around(v, c->last_read,
	    0)) >= 0) {
		if ((u_int)at + 1 < v->n)
			ui_view_place(v, at + 1, 1);
		else
			ui_view_place(v, at, 0);
		return;
	}
	v->marker = 0;
	if (ui_view_load_around(v, 0, 1) == 0)
		ui_view_place(v, 0, 0);
	else
		ui_view_load_last(v);
}

/* Move the view down (towards newer lines) by rows. */
static void
ui_view_scroll_down(struct ui_view *v, const struct ui_fmt *f, u_int rows)
{
	u_int	d;

	while (rows > 0 && v->n > 0) {
		if (v->skip > 0) {
			d = v->skip < rows ? v->skip : rows;
			v->skip -= d;
			rows -= d;
			continue;
		}
		if (v->anchor + 1 >= v->n && ui_view_load_newer(v) == 0)
			break;
		v->anchor++;
		v->skip = ui_view_rows(v, v->anchor, f);
	}
	if (v->n == 0 || (v->anchor + 1 >= v->n && v->skip == 0 &&
	    !v->has_newer)) {
		v->follow = 1;
		v->unseen = 0;
	}
}

/* Move the view up (towards older lines) by rows. */
static void
ui_view_scroll_up(struct ui_view *v, const struct ui_fmt *f, u_int rows)
{
	u_int	r, d;

	if (v->n == 0)
		return;
	v->follow = 0;
	while (rows > 0) {
		r = ui_view_rows(v, v->anchor, f);
		if (v->skip + 1 < r) {
			d = r - 1 - v->skip;
			if (d > rows)
				d = rows;
			v->skip += d;
			rows -= d;
			continue;
		}
		if (v->anchor == 0 && ui_view_load_older(v) == 0)
			break;
		v->anchor--;
		v->skip = 0;
		rows--;
	}
}

/* Scroll by rows: up if positive, down if negative; 0 is a page up. */
void
ui_view_scroll(struct ui_view *v, int rows)
{
	struct ui_fmt	f;

	ui_view_fmt_screen(v, &f);
	if (v->follow) {
		v->anchor = v->n > 0 ? v->n - 1 : 0;
		v->skip = 0;
	}
	if (rows > 0)
		ui_view_scroll_up(v, &f, rows);
	else if (rows < 0)
		ui_view_scroll_down(v, &f, -rows);
	ui_dirty(UI_D_CONV|UI_D_STATUS);
}

/* Go to the first line of a view. */
void
ui_view_top(struct ui_view *v)
{
	if (v->conv != NULL && (v->has_older || !v->loaded)) {
		if (ui_view_load_around(v, 0, 1) != 0)
			return;
	}
	if (v->n != 0)
		ui_view_place(v, 0, 0);
	ui_dirty(UI_D_CONV|UI_D_STATUS);
}

/* Go to the newest line of a view. */
void
ui_view_bottom(struct ui_view *v)
{
	if (v->conv != NULL && (v->has_newer || !v->loaded))
		ui_view_load_last(v);
	v->follow = 1;
	v->unseen = 0;
	v->anchor = v->n > 0 ? v->n - 1 : 0;
	v->skip = 0;
	ui_dirty(UI_D_CONV|UI_D_STATUS);
}

/* Show a message in its context, highlighted. */
int
ui_view_jump(struct ui_view *v, int64_t rowid)
{
	struct ui_fmt	f;
	int		at;
	u_int		r;

	if (v->conv == NULL || (at = ui_view_load_around(v, rowid, 0)) < 0)
		return (-1);
	v->hit = rowid;
	ui_view_fmt_screen(v, &f);
	r = ui_view_rows(v, at, &f);
	ui_view_place(v, at, r < f.h ? (f.h - r) / 2 : 0);
	ui_dirty(UI_D_CONV|UI_D_STATUS);
	return (0);
}

/*
 * Make sure the rows above the anchor fill the pane, reading older pages
 * if needed; if the top of the conversation comes first, move the anchor
 * down. Returns the rows from the top of the lines to the anchor.
 */
static u_int
ui_view_fill(struct ui_view *v, const struct ui_fmt *f)
{
	u_int	total, i, r, tries;

	for (tries = 0; tries < 2; tries++) {
		r = ui_view_rows(v, v->anchor, f);
		if (v->skip >= r)
			v->skip = r - 1;
		total = r - v->skip;
		i = v->anchor;
		while (total < f->h) {
			if (i == 0) {
				r = ui_view_load_older(v);
				if (r == 0)
					break;
				i += r;
				continue;
			}
			total += ui_view_rows(v, --i, f);
		}
		if (total >= f->h || v->follow)
			return (total);
		if (v->anchor + 1 >= v->n && v->skip == 0 && !v->has_newer) {
			v->follow = 1;
			return (total);
		}
		ui_view_scroll_down(v, f, f->h - total);
	}
	return (total);
}

/* Draw the row of a line that holds the time and the nick. */
static void
ui_view_draw_prefix(struct ui_view *v, WINDOW *w, struct ui_line *l,
    const struct ui_fmt *f)
{
	char		 buf[128];
	const char	*nick;
	attr_t		 a;
	short		 pair;
	u_int		 n;
	enum ui_colour	 c;

	if (f->timew != 0) {
		ui_view_strftime(buf, sizeof buf, CFG_TIME_FORMAT, l->ts);
		a = ui_screen_attr(UI_C_TIME, &pair);
		n = ui_text_put(w, buf, strlen(buf), f->timew, a, pair);
		ui_text_fill(w, f->timew + 1 - n, 0, 0);
	}
	if (l->type != UI_LINE_MSG) {
		c = l->type == UI_LINE_ERROR ? UI_C_ERROR :
		    l->type == UI_LINE_WARN ? UI_C_WARN : UI_C_INFO;
		a = ui_screen_attr(c, &pair);
		ui_text_put(w, "-!-", 3, 3, a, pair);
		ui_text_fill(w, 1, 0, 0);
		return;
	}
	nick = ui_view_nick(v, l);
	n = ui_text_width(nick, strlen(nick));
	if (n < f->nickw)
		ui_text_fill(w, f->nickw - n, 0, 0);
	if (l->outgoing) {
		a = A_BOLD;
		pair = 0;
	} else {
		a = ui_screen_attr(UI_C_NICK, &pair);
		if (ui.colours)
			pair = ui_screen_nick_pair(l->author);
	}
	if (n <= f->nickw)
		ui_text_put(w, nick, strlen(nick), f->nickw, a, pair);
	else {
		/* Too wide: cut, a wide character may leave a gap. */
		n = ui_text_put(w, nick, strlen(nick), f->nickw - 1, a, pair);
		ui_text_fill(w, f->nickw - 1 - n, a, pair);
		if (ui.utf8)
			ui_text_put(w, "\xe2\x80\xa6", 3, 1, a, pair);
		else
			ui_text_put(w, "+", 1, 1, a, pair);
	}
	ui_text_fill(w, 1, 0, 0);
}

/* Draw the mark of an own message: pending, sent or delivered. */
static void
ui_view_draw_mark(WINDOW *w, int y, struct ui_line *l, const struct ui_fmt *f)
{
	const char	*s;
	attr_t		 a;
	short		 pair;

	switch (l->state) {
	case MSG_PENDING:
		s = "..";
		a = ui_screen_attr(UI_C_WARN, &pair);
		break;
	case MSG_SENT:
		s = "->";
		a = ui_screen_attr(UI_C_TIME, &pair);
		break;
	default:
		s = "ok";
		a = ui_screen_attr(UI_C_MARK, &pair);
		break;
	}
	wmove(w, y, f->w - 2);
	ui_text_put(w, s, 2, 2, a, pair);
}

/* Draw a day-change or unread line. */
static void
ui_view_draw_rule(WINDOW *w, int y, struct ui_line *l, int unread,
    const struct ui_fmt *f)
{
	char	 date[128], *s;
	attr_t	 a;
	short	 pair;
	u_int	 n;

	if (unread) {
		s = xstrdup("-- unread --");
		a = ui_screen_attr(UI_C_UNREAD, &pair);
	} else {
		ui_view_strftime(date, sizeof date, CFG_DATE_FORMAT, l->ts);
		xasprintf(&s, "-- %s --", date);
		a = ui_screen_attr(UI_C_DAY, &pair);
	}
	wmove(w, y, 0);
	n = ui_text_put(w, s, strlen(s), f->w, a, pair);
	if (unread && n < f->w)
		whline(w, ACS_HLINE | a | COLOR_PAIR(pair), f->w - n);
	free(s);
}

/*
 * Draw line i with its first row at y0; rows outside the pane are
 * skipped.
 */
static void
ui_view_draw_line(struct ui_view *v, WINDOW *w, u_int i, int y0,
    const struct ui_fmt *f)
{
	struct ui_line	*l = &v->lines[i];
	size_t		 off = 0, len, next;
	int		 y = y0, h = (int)f->h;
	attr_t		 a = 0;
	short		 pair = 0;

	if (ui_view_day_before(v, i)) {
		if (y >= 0 && y < h)
			ui_view_draw_rule(w, y, l, 0, f);
		y++;
	}
	if (ui_view_marker_before(v, i)) {
		if (y >= 0 && y < h)
			ui_view_draw_rule(w, y, l, 1, f);
		y++;
	}
	if (l->type == UI_LINE_ERROR)
		a = ui_screen_attr(UI_C_ERROR, &pair);
	else if (l->type == UI_LINE_WARN)
		a = ui_screen_attr(UI_C_WARN, &pair);
	else if (v->hit != 0 && l->rowid == v->hit)
		a = ui_screen_attr(UI_C_HIT, &pair);
	do {
		len = ui_text_wrap(l->text + off, l->len - off, f->textw,
		    &next);
		if (y >= 0 && y < h) {
			wmove(w, y, 0);
			if (off == 0 && f->textx != 0)
				ui_view_draw_prefix(v, w, l, f);
			else
				wmove(w, y, f->textx);
			ui_text_put(w, l->text + off, len, f->textw, a, pair);
			if (off == 0 && l->type == UI_LINE_MSG && l->outgoing)
				ui_view_draw_mark(w, y, l, f);
		}
		off += next;
		y++;
	} while (off < l->len);
}

/* Draw a view into the conversation pane. */
void
ui_view_draw(struct ui_view *v, WINDOW *w)
{
	struct ui_fmt	 f;
	u_int		 total, i, r;
	int		 y;
	const char	*hint;

	werase(w);
	if (!v->loaded)
		ui_view_load(v);
	ui_view_fmt(v, getmaxx(w), getmaxy(w), &f);
	if (v->n == 0) {
		if (v->conv != NULL) {
			hint = "No messages yet: type one and press Enter.";
			mvwaddnstr(w, 0, 0, hint, f.w);
		}
		return;
	}
	if (v->follow) {
		v->anchor = v->n - 1;
		v->skip = 0;
	}
	total = ui_view_fill(v, &f);
	y = total >= f.h ? (int)f.h - 1 : (int)total - 1;
	for (i = v->anchor + 1; i > 0 && y >= 0; i--) {
		r = ui_view_rows(v, i - 1, &f);
		if (i - 1 == v->anchor)
			r -= v->skip;
		ui_view_draw_line(v, w, i - 1, y - (int)r + 1, &f);
		y -= r;
	}
}

/* A message was stored or sent in a conversation. */
void
ui_view_message(struct ui_view *v, const struct msg *m)
{
	struct ui_line	*l;
	u_int		 at;

	if (!v->loaded)
		return;
	if (v->has_newer) {
		v->unseen++;
		return;
	}
	at = v->n;
	while (at > 0 && (v->lines[at - 1].ts > m->ts ||
	    (v->lines[at - 1].ts == m->ts && v->lines[at - 1].rowid >
	    m->rowid)))
		at--;
	l = ui_view_make_room(v, at, 1);
	ui_view_line_set(l, (struct msg *)m, 0);
	ui_view_nick_note(v, l);
	if (m->rowid > v->max_rowid)
		v->max_rowid = m->rowid;
	if (v->follow) {
		v->anchor = v->n - 1;
		v->skip = 0;
	} else {
		if (at <= v->anchor && v->n > 1)
			v->anchor++;
		v->unseen++;
	}
	ui_view_trim(v);
}

/* A message changed state (sent, delivered): find it by its id. */
void
ui_view_state(struct ui_view *v, const struct msg *m)
{
	u_int	i;

	for (i = v->n; i > 0; i--) {
		if (memcmp(v->lines[i - 1].id, m->id, MSGID_LEN) == 0) {
			if (m->state > v->lines[i - 1].state)
				v->lines[i - 1].state = m->state;
			return;
		}
	}
}

/* Add a line to the console. */
void
ui_view_add(struct ui_view *v, enum ui_line_type type, const char *text)
{
	struct ui_line	*l;

	if (v->n >= UI_CONSOLE_MAX)
		ui_view_drop_front(v, UI_VIEW_PAGE);
	l = ui_view_make_room(v, v->n, 1);
	memset(l, 0, sizeof *l);
	l->type = type;
	l->rowid = ++v->seq;
	l->ts = now_ms();
	l->day = ui_view_day(l->ts);
	l->text = xstrdup(text);
	l->len = strlen(text);
	if (v->follow) {
		v->anchor = v->n - 1;
		v->skip = 0;
	} else if (v == ui.cur)
		v->unseen++;
	if (v != ui.cur && type != UI_LINE_INFO)
		v->activity++;
}

/* Drop the console's lines. */
void
ui_view_clear(struct ui_view *v)
{
	if (v->conv != NULL)
		return;
	ui_view_empty(v);
	v->follow = 1;
	ui_dirty(UI_D_CONV|UI_D_STATUS);
}

/* The view is at its newest line: mark it read. Returns 1 if it was. */
int
ui_view_read(struct ui_view *v)
{
	struct conv	*c = v->conv;

	if (v->conv == NULL) {
		if (v->activity == 0)
			return (0);
		v->activity = 0;
		return (1);
	}
	if (!v->loaded || !v->follow || v->has_newer)
		return (0);
	v->unseen = 0;
	if (c->unread == 0 && v->max_rowid <= c->last_read)
		return (0);
	ui_core_read(c, v->max_rowid);
	return (1);
}

/* Switch the pane to a view. */
void
ui_view_open(struct ui_view *v)
{
	struct ui_view	*old = ui.cur;

	if (old == v) {
		ui_dirty(UI_D_ALL & ~UI_D_LAYOUT & ~UI_D_CLEAR);
		return;
	}
	if (old != NULL && old->conv != NULL && old->conv->unread == 0) {
		old->marker = -1;
		old->hit = 0;
	}
	ui.cur = v;
	if (v->conv != NULL && (!v->loaded || v->conv->unread != 0))
		ui_view_load(v);
	v->activity = 0;
	ui_input_typing();
	ui_dirty(UI_D_ALL & ~UI_D_LAYOUT & ~UI_D_CLEAR);
}

/* The view of a conversation (NULL: the console). */
struct ui_view *
ui_view_get(struct conv *c)
{
	u_int	i;

	for (i = 0; i < ui.nviews; i++) {
		if (ui.views[i]->conv == c)
			return (ui.views[i]);
	}
	ui_view_sync();
	for (i = 0; i < ui.nviews; i++) {
		if (ui.views[i]->conv == c)
			return (ui.views[i]);
	}
	return (ui.views[0]);
}

/* The view with a window number, or NULL. */
struct ui_view *
ui_view_number(u_int n)
{
	if (n == 0 || n > ui.nviews)
		return (NULL);
	return (ui.views[n - 1]);
}

/* Make a new view. */
static struct ui_view *
ui_view_new(struct conv *c)
{
	struct ui_view	*v;

	v = xcalloc(1, sizeof *v);
	v->conv = c;
	v->follow = 1;
	v->marker = -1;
	v->online = 0;
	ui.views = xreallocarray(ui.views, ui.nviews + 1, sizeof *ui.views);
	ui.views[ui.nviews++] = v;
	v->number = ui.nviews;
	if (c == NULL)
		v->loaded = 1;
	return (v);
}

/* Give every conversation a view: the console first, then in order. */
void
ui_view_sync(void)
{
	struct conv	*c;
	u_int		 i;

	if (ui.nviews == 0)
		ui_view_new(NULL);
	TAILQ_FOREACH(c, &convs, entry) {
		if (!conv_visible(c))
			continue;
		for (i = 1; i < ui.nviews; i++) {
			if (ui.views[i]->conv == c)
				break;
		}
		if (i == ui.nviews) {
			ui_view_new(c);
			ui_dirty(UI_D_LIST|UI_D_STATUS);
		}
	}
}

/*
 * Close a conversation's window (/close): its view goes, the windows after
 * it move up one, and the pane shows the console if it showed this one.
 */
void
ui_view_close(struct conv *c)
{
	struct ui_view	*v;
	u_int		 i;

	for (i = 1; i < ui.nviews; i++) {
		if (ui.views[i]->conv == c)
			break;
	}
	if (i == ui.nviews)
		return;
	v = ui.views[i];
	if (ui.cur == v)
		ui_view_open(ui.views[0]);
	memmove(ui.views + i, ui.views + i + 1,
	    (ui.nviews - i - 1) * sizeof *ui.views);
	ui.nviews--;
	for (; i < ui.nviews; i++)
		ui.views[i]->number = i + 1;
	ui_view_free_lines(v, 0, v->n);
	free(v->lines);
	free(v);
	ui_dirty(UI_D_ALL & ~UI_D_CLEAR);
}

/* Free every view. */
void
ui_view_free_all(void)
{
	u_int	i;

	for (i = 0; i < ui.nviews; i++) {
		ui_view_free_lines(ui.views[i], 0, ui.views[i]->n);
		free(ui.views[i]->lines);
		free(ui.views[i]);
	}
	free(ui.views);
	ui.views = NULL;
	ui.nviews = 0;
	ui.cur = NULL;
}
