/*
 * ui-screen.c: the layout of the screen and the parts around the
 * conversation: the window list on the left, the title line above the
 * conversation, the status bar. ui_screen_draw() is the one redraw of a
 * loop turn: it draws what is dirty, wnoutrefresh()es each window and
 * calls doupdate() once.
 */

#include "ui.h"

#define UI_LIST_MIN	14
#define UI_LIST_MAX	26
#define UI_LIST_HIDE	50	/* no window list below this many columns */

/* Colours and the attributes that stand in for them in monochrome. */
static const struct {
	short	fg;
	short	bg;
	attr_t	attr;		/* with colour */
	attr_t	mono;		/* without */
} ui_screen_palette[] = {
	[UI_C_NONE] = { -1, -1, 0, 0 },
	[UI_C_BAR] = { COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE },
	[UI_C_TIME] = { -1, -1, A_DIM, A_DIM },
	[UI_C_DAY] = { COLOR_CYAN, -1, 0, A_BOLD },
	[UI_C_UNREAD] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[UI_C_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[UI_C_WARN] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[UI_C_INFO] = { COLOR_CYAN, -1, 0, 0 },
	[UI_C_ONLINE] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[UI_C_MARK] = { COLOR_GREEN, -1, 0, 0 },
	[UI_C_HIT] = { COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE },
	[UI_C_NICK + 0] = { COLOR_RED, -1, 0, A_BOLD },
	[UI_C_NICK + 1] = { COLOR_GREEN, -1, 0, A_BOLD },
	[UI_C_NICK + 2] = { COLOR_YELLOW, -1, 0, A_BOLD },
	[UI_C_NICK + 3] = { COLOR_BLUE, -1, A_BOLD, A_BOLD },
	[UI_C_NICK + 4] = { COLOR_MAGENTA, -1, 0, A_BOLD },
	[UI_C_NICK + 5] = { COLOR_CYAN, -1, 0, A_BOLD },
};

/* Set up the colour pairs, when the screen has colours. */
void
ui_screen_colours(void)
{
	u_int	i;

	if (!ui.colours)
		return;
	start_color();
	use_default_colors();
	for (i = 1; i < nitems(ui_screen_palette); i++)
		init_pair(i, ui_screen_palette[i].fg, ui_screen_palette[i].bg);
}

/* The attributes and colour pair for a kind of text. */
attr_t
ui_screen_attr(enum ui_colour c, short *pair)
{
	if (!ui.colours) {
		*pair = 0;
		return (ui_screen_palette[c].mono);
	}
	*pair = c;
	return (ui_screen_palette[c].attr);
}

/* The colour of a nick, from its peer id. */
short
ui_screen_nick_pair(const uint8_t *id)
{
	return (UI_C_NICK + (id[0] ^ id[1]) % UI_NICK_COLOURS);
}

/* Free the windows. */
void
ui_screen_free(void)
{
	WINDOW	**w[] = { &ui.w_list, &ui.w_title, &ui.w_conv, &ui.w_status,
		    &ui.w_input };
	u_int	  i;

	for (i = 0; i < nitems(w); i++) {
		if (*w[i] != NULL)
			delwin(*w[i]);
		*w[i] = NULL;
	}
}

/* The width of the window list for the names it holds. */
static u_int
ui_screen_list_width(void)
{
	const char	*name;
	u_int		 i, w, max = 0;

	if (ui.sx < UI_LIST_HIDE)
		return (0);
	for (i = 0; i < ui.nviews; i++) {
		name = ui_view_name(ui.views[i]);
		if ((w = ui_text_width(name, strlen(name))) > max)
			max = w;
	}
	w = max + 10;		/* "  12 * " and " 99" */
	if (w < UI_LIST_MIN)
		w = UI_LIST_MIN;
	if (w > UI_LIST_MAX)
		w = UI_LIST_MAX;
	if (w > ui.sx / 3)
		w = ui.sx / 3;
	return (w);
}

/* Make the windows for the terminal's size. */
void
ui_screen_layout(void)
{
	u_int	x, h;

	ui_screen_free();
	ui.sx = COLS > 0 ? COLS : 1;
	ui.sy = LINES > 0 ? LINES : 1;
	ui.list_w = ui_screen_list_width();
	h = ui.sy > 3 ? ui.sy - 3 : 1;
	x = ui.list_w != 0 ? ui.list_w + 1 : 0;
	if (ui.list_w != 0)
		ui.w_list = newwin(h + 1, ui.list_w + 1, 0, 0);
	ui.w_title = newwin(1, ui.sx - x, 0, x);
	ui.w_conv = newwin(h, ui.sx - x, 1, x);
	ui.w_status = newwin(1, ui.sx, ui.sy > 1 ? ui.sy - 2 : 0, 0);
	ui.w_input = newwin(1, ui.sx, ui.sy - 1, 0);
	if (ui.w_title == NULL || ui.w_conv == NULL || ui.w_status == NULL ||
	    ui.w_input == NULL)
		fatalx("%s: no windows for %ux%u", __func__, ui.sx, ui.sy);
	leaveok(ui.w_list != NULL ? ui.w_list : ui.w_title, TRUE);
	leaveok(ui.w_title, TRUE);
	leaveok(ui.w_conv, TRUE);
	leaveok(ui.w_status, TRUE);
}

/* Draw the window list: number, state mark, name, unread count. */
static void
ui_screen_draw_list(void)
{
	WINDOW		*w = ui.w_list;
	struct ui_view	*v;
	struct peer	*p;
	const char	*name;
	char		 num[16], count[16];
	u_int		 i, y, first = 0, h, namew, unread;
	attr_t		 a, base;
	short		 pair, bpair;
	int		 mark;

	werase(w);
	h = getmaxy(w);
	if (ui.cur != NULL && ui.cur->number > h)
		first = ui.cur->number - h;
	for (i = first, y = 0; i < ui.nviews && y < h; i++, y++) {
		v = ui.views[i];
		p = v->conv != NULL ? v->conv->peer : NULL;
		unread = ui_view_unread(v);
		base = v == ui.cur ? A_REVERSE : 0;
		bpair = 0;
		if (unread != 0 && v != ui.cur)
			base |= A_BOLD;
		wmove(w, y, 0);
		snprintf(num, sizeof num, "%3u ", v->number);
		ui_text_put(w, num, strlen(num), 4, base, bpair);
		if (v->conv == NULL)
			mark = ' ';
		else if (v->conv->room != NULL)
			mark = '#';
		else if (p->trust == TRUST_BLOCKED)
			mark = 'x';
		else if (p->conflict)
			mark = '!';
		else
			mark = peer_online(p) ? '*' : 'o';
		a = base;
		pair = bpair;
		if (mark == '*')
			a |= ui_screen_attr(UI_C_ONLINE, &pair);
		else if (mark == '!')
			a |= ui_screen_attr(UI_C_ERROR, &pair);
		num[0] = mark;
		num[1] = ' ';
		ui_text_put(w, num, 2, 2, a, pair);
		name = ui_view_name(v);
		namew = ui.list_w > 10 ? ui.list_w - 10 : 1;
		namew -= ui_text_put(w, name, strlen(name), namew, base, bpair);
		ui_text_fill(w, namew + 1, base, bpair);
		count[0] = '\0';
		if (unread > 999)
			snprintf(count, sizeof count, "+++");
		else if (unread != 0)
			snprintf(count, sizeof count, "%u", unread);
		ui_text_fill(w, 3 - strlen(count), base, bpair);
		a = base;
		pair = bpair;
		if (v != ui.cur)
			a |= ui_screen_attr(UI_C_UNREAD, &pair);
		ui_text_put(w, count, strlen(count), 3, a, pair);
	}
	mvwvline(w, 0, ui.list_w, ACS_VLINE, h);
	wnoutrefresh(w);
}

/*
 * Draw the title line: who the conversation is with and its trust, or a
 * room's members and how many are online.
 */
static void
ui_screen_draw_title(void)
{
	WINDOW		*w = ui.w_title;
	struct ui_view	*v = ui.cur;
	struct peer	*p;
	char		*s;
	attr_t		 a;
	short		 pair;
	u_int		 used, members, online;

	a = ui_screen_attr(UI_C_BAR, &pair);
	werase(w);
	wmove(w, 0, 0);
	if (v->conv == NULL)
		xasprintf(&s, " p2pchat %s console -- /help lists commands, "
		    "/help keys the keys", PACKAGE_VERSION);
	else if ((p = v->conv->peer) != NULL) {
		/* Typing first: the address is what a narrow title loses. */
		xasprintf(&s, " %s (%.8s) -- %s -- %s%s%s%s", peer_name(p),
		    p->hex, peer_trust_name(p),
		    p->typing ? "typing... -- " : "",
		    peer_online(p) ? "online" : "offline",
		    peer_online(p) && p->addr != NULL ? " " : "",
		    peer_online(p) && p->addr != NULL ? p->addr : "");
	} else if (v->conv->room != NULL) {
		room_counts(v->conv->room, &members, &online);
		xasprintf(&s, " %s, %u member%s, %u online",
		    conv_name(v->conv), members, members == 1 ? "" : "s",
		    online);
	} else
		xasprintf(&s, " %s", conv_name(v->conv));
	used = ui_text_put(w, s, strlen(s), getmaxx(w), a, pair);
	free(s);
	ui_text_fill(w, getmaxx(w) - used, a, pair);
	wnoutrefresh(w);
}

/* Add text to the status bar if it fits; returns columns used. */
static u_int
ui_screen_status_add(WINDOW *w, const char *s, u_int left, attr_t a,
    short pair)
{
	return (ui_text_put(w, s, strlen(s), left, a, pair));
}

/* Known peers, for "N/M online". */
static u_int
ui_screen_peers_known(void)
{
	struct peer	*p;
	u_int		 n = 0;

	TAILQ_FOREACH(p, &peer_list, list)
		n++;
	return (n);
}

/* The activity part of the status bar: unread windows, scrolling. */
static void
ui_screen_status_activity(struct buf *b)
{
	struct ui_view	*v;
	char		 buf[NICK_MAX + 64];
	u_int		 i;

	for (i = 0; i < ui.nviews; i++) {
		v = ui.views[i];
		if (v == ui.cur || ui_view_unread(v) == 0)
			continue;
		snprintf(buf, sizeof buf, " [%u:%s]", v->number,
		    ui_view_name(v));
		buf_put(b, buf, strlen(buf));
	}
	if (ui.cur->unseen != 0)
		snprintf(buf, sizeof buf, " -- more (%u) --", ui.cur->unseen);
	else if (!ui.cur->follow)
		snprintf(buf, sizeof buf, " -- scrolled --");
	else
		*buf = '\0';
	buf_put(b, buf, strlen(buf));
}

/*
 * Draw the status bar: who we are, peers online of those known, the
 * reach words (the listen address when it is not known), activity, or a
 * notice. When it is narrow the address goes first: the activity is what
 * the user needs to see.
 */
static void
ui_screen_draw_status(void)
{
	WINDOW		*w = ui.w_status;
	struct buf	 act;
	char		*s, *addr;
	const char	*reach;
	attr_t		 a, ua;
	short		 pair, upair;
	u_int		 left = ui.sx, need;

	a = ui_screen_attr(UI_C_BAR, &pair);
	werase(w);
	wmove(w, 0, 0);
	if (ui.notice != NULL) {
		xasprintf(&s, " %s %.8s |", node_nick(), identity->hex);
		left -= ui_screen_status_add(w, s, left, a, pair);
		free(s);
		left -= ui_screen_status_add(w, " ", left, a, pair);
		if (ui.notice_error)
			ua = ui_screen_attr(UI_C_ERROR, &upair);
		else {
			ua = A_BOLD;
			upair = pair;
		}
		if (!ui.colours)
			ua |= A_REVERSE;
		left -= ui_screen_status_add(w, ui.notice, left, a | ua,
		    upair);
		ui_text_fill(w, left, a, pair);
		wnoutrefresh(w);
		return;
	}
	buf_init(&act);
	ui_screen_status_activity(&act);
	xasprintf(&s, " %s %.8s | %u/%u online |", node_nick(), identity->hex,
	    peer_count_online(), ui_screen_peers_known());
	reach = reach_word();
	if (strncmp(reach, "public ", 7) == 0 ||
	    strncmp(reach, "behind ", 7) == 0)
		xasprintf(&addr, " %s |", reach);	/* has the address */
	else
		xasprintf(&addr, " %s | %s |", node_listen_address(), reach);
	need = ui_text_width(s, strlen(s)) + ui_text_width(addr, strlen(addr)) +
	    ui_text_width((char *)act.d, act.size);
	left -= ui_screen_status_add(w, s, left, a, pair);
	if (need <= ui.sx || act.size == 0)
		left -= ui_screen_status_add(w, addr, left, a, pair);
	left -= ui_text_put(w, (char *)act.d, act.size, left, a | A_BOLD,
	    pair);
	free(addr);
	free(s);
	buf_free(&act);
	ui_text_fill(w, left, a, pair);
	wnoutrefresh(w);
}

/* The one redraw of a loop turn; returns what was dirty. */
u_int
ui_screen_draw(void)
{
	u_int	d = ui.dirty;

	ui.dirty = 0;
	if (d & UI_D_LAYOUT) {
		ui_screen_layout();
		d |= UI_D_ALL;
	} else if (ui.list_w != ui_screen_list_width()) {
		ui_screen_layout();
		d |= UI_D_ALL;
	}
	if (d & UI_D_CLEAR)
		clearok(curscr, TRUE);
	if (d & UI_D_CONV) {
		ui_view_draw(ui.cur, ui.w_conv);
		wnoutrefresh(ui.w_conv);
	}
	if (ui_view_read(ui.cur))
		d |= UI_D_LIST|UI_D_STATUS|UI_D_TERM;
	if ((d & UI_D_LIST) && ui.w_list != NULL)
		ui_screen_draw_list();
	if (d & UI_D_TITLE)
		ui_screen_draw_title();
	if (d & UI_D_STATUS)
		ui_screen_draw_status();
	ui_input_draw(ui.w_input);
	wnoutrefresh(ui.w_input);
	doupdate();
	return (d);
}
