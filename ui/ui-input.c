/*
 * ui-input.c: the input line. An editor of wide characters measured with
 * wcwidth (CJK and emoji take two columns, combining marks stay with the
 * character before them), emacs keys, a kill buffer, history, completion
 * of commands and nicks, the go-to prompt and the question asked before
 * a long paste is sent. Enter sends text to the open conversation or
 * runs a command.
 */

#include "ui.h"

#define UI_INPUT_MAX		65536	/* characters in the line */
#define UI_INPUT_HISTORY	500
#define UI_INPUT_PASTE_MAX	(1024 * 1024)

/* A line being edited. */
struct ui_edit {
	wchar_t		*buf;
	size_t		 len;
	size_t		 alloc;
	size_t		 cur;
	size_t		 off;		/* first character shown */
};

static struct ui_edit	 ui_input_line;
static struct ui_edit	 ui_input_prompt;
static struct ui_edit	*ui_input_ed = &ui_input_line;

static char		**ui_input_hist;
static u_int		  ui_input_nhist;
static u_int		  ui_input_hpos;
static wchar_t		 *ui_input_saved;
static size_t		  ui_input_nsaved;

static wchar_t		 *ui_input_kill;
static size_t		  ui_input_nkill;

static int		  ui_input_completing;
static size_t		  ui_input_cstart;
static char		 *ui_input_cprefix;
static int		  ui_input_cidx;

static char		 *ui_input_pasted;
static u_int		  ui_input_paste_lines;
static u_int		  ui_input_goto_sel;

static const char	 *ui_input_local[] = { "goto", "clear" };

static struct peer	 *ui_input_typing_peer;	/* told we are typing */

/*
 * Tell the open conversation's peer whether we are typing: while the input
 * line holds text that is not a command. Sent only when the state changes
 * (no timer: it stops when the line is sent, cleared or left).
 */
void
ui_input_typing(void)
{
	struct ui_edit	*e = &ui_input_line;
	struct peer	*p = NULL;
	char		*cause = NULL;

	if (ui.cur != NULL && ui.cur->conv != NULL &&
	    ui.cur->conv->peer != NULL && ui.mode == UI_MODE_EDIT &&
	    e->len != 0 && e->buf[0] != L'/')
		p = ui.cur->conv->peer;
	if (p == ui_input_typing_peer)
		return;
	if (ui_input_typing_peer != NULL && peer_online(ui_input_typing_peer))
		ui_core_typing(ui_input_typing_peer, 0, &cause);
	free(cause);
	cause = NULL;
	ui_input_typing_peer = NULL;
	if (p != NULL && peer_online(p) && ui_core_typing(p, 1, &cause) == 0)
		ui_input_typing_peer = p;
	free(cause);
}

/* Replace characters [from, to) of a line with n new ones. */
static void
ui_input_splice(struct ui_edit *e, size_t from, size_t to, const wchar_t *w,
    size_t n)
{
	size_t	need;

	if (e->len - (to - from) + n > UI_INPUT_MAX)
		return;
	need = e->len - (to - from) + n + 1;
	if (need > e->alloc) {
		e->alloc = need + 64;
		e->buf = xreallocarray(e->buf, e->alloc, sizeof *e->buf);
	}
	memmove(e->buf + from + n, e->buf + to, (e->len - to) * sizeof *w);
	if (n != 0)
		memcpy(e->buf + from, w, n * sizeof *w);
	e->len = e->len - (to - from) + n;
	e->buf[e->len] = L'\0';
	if (e->cur >= to)
		e->cur = e->cur - (to - from) + n;
	else if (e->cur > from)
		e->cur = from;
	if (e == &ui_input_line)
		ui_input_typing();
}

/* Set a line to a UTF-8 string. */
static void
ui_input_set(struct ui_edit *e, const char *s)
{
	wchar_t	 wc;
	size_t	 len = strlen(s), i = 0;
	uint32_t cp;
	int	 n;

	e->len = e->cur = e->off = 0;
	while (i < len) {
		if ((n = utf8_decode((const u_char *)s + i, len - i, &cp)) < 1)
			n = 1, cp = 0xfffd;
		wc = (wchar_t)cp;
		ui_input_splice(e, e->len, e->len, &wc, 1);
		i += n;
	}
	e->cur = e->len;
}

/* A line as UTF-8 (to free). */
static char *
ui_input_text(struct ui_edit *e)
{
	char	*s;
	size_t	 size = e->len * 4 + 1;

	s = xmalloc(size);
	ui_text_encode(e->buf, e->len, s, size);
	return (s);
}

/* Is a character part of the one before it (a combining mark)? */
static int
ui_input_joins(wchar_t wc)
{
	return (wc != L'\n' && ui_text_wcwidth(wc) == 0);
}

/* The start of the character cluster before pos. */
static size_t
ui_input_prev(struct ui_edit *e, size_t pos)
{
	if (pos == 0)
		return (0);
	pos--;
	while (pos > 0 && ui_input_joins(e->buf[pos]))
		pos--;
	return (pos);
}

/* The end of the character cluster at pos. */
static size_t
ui_input_next(struct ui_edit *e, size_t pos)
{
	if (pos >= e->len)
		return (e->len);
	pos++;
	while (pos < e->len && ui_input_joins(e->buf[pos]))
		pos++;
	return (pos);
}

/* Is a character a word character for word movement? */
static int
ui_input_wordc(wchar_t wc)
{
	return (wc != L' ' && wc != L'\n' && wc != L'\t');
}

/* The start of the word before pos. */
static size_t
ui_input_word_back(struct ui_edit *e, size_t pos)
{
	while (pos > 0 && !ui_input_wordc(e->buf[pos - 1]))
		pos--;
	while (pos > 0 && ui_input_wordc(e->buf[pos - 1]))
		pos--;
	return (pos);
}

/* The end of the word after pos. */
static size_t
ui_input_word_fwd(struct ui_edit *e, size_t pos)
{
	while (pos < e->len && !ui_input_wordc(e->buf[pos]))
		pos++;
	while (pos < e->len && ui_input_wordc(e->buf[pos]))
		pos++;
	return (pos);
}

/* Kill characters [from, to) into the kill buffer. */
static void
ui_input_kill_range(struct ui_edit *e, size_t from, size_t to)
{
	if (to <= from)
		return;
	free(ui_input_kill);
	ui_input_nkill = to - from;
	ui_input_kill = xreallocarray(NULL, ui_input_nkill, sizeof *e->buf);
	memcpy(ui_input_kill, e->buf + from, ui_input_nkill * sizeof *e->buf);
	ui_input_splice(e, from, to, NULL, 0);
	e->cur = from;
}

/* Insert characters at the cursor. */
void
ui_input_insert(const wchar_t *w, size_t n)
{
	ui_input_splice(ui_input_ed, ui_input_ed->cur, ui_input_ed->cur, w, n);
	ui_input_goto_sel = 0;
	ui_dirty(UI_D_INPUT);
}

/* Add a line to the history. */
static void
ui_input_history_add(const char *s)
{
	if (ui_input_nhist != 0 &&
	    strcmp(ui_input_hist[ui_input_nhist - 1], s) == 0)
		goto out;
	if (ui_input_nhist == UI_INPUT_HISTORY) {
		free(ui_input_hist[0]);
		memmove(ui_input_hist, ui_input_hist + 1,
		    (ui_input_nhist - 1) * sizeof *ui_input_hist);
		ui_input_nhist--;
	}
	ui_input_hist = xreallocarray(ui_input_hist, ui_input_nhist + 1,
	    sizeof *ui_input_hist);
	ui_input_hist[ui_input_nhist++] = xstrdup(s);
out:
	ui_input_hpos = ui_input_nhist;
}

/* Move through the history: -1 older, 1 newer. */
static void
ui_input_history(int dir)
{
	struct ui_edit	*e = &ui_input_line;

	if (dir < 0) {
		if (ui_input_hpos == 0)
			return;
		if (ui_input_hpos == ui_input_nhist) {
			free(ui_input_saved);
			ui_input_nsaved = e->len;
			ui_input_saved = xreallocarray(NULL, e->len + 1,
			    sizeof *e->buf);
			memcpy(ui_input_saved, e->buf, e->len * sizeof *e->buf);
		}
		ui_input_set(e, ui_input_hist[--ui_input_hpos]);
		return;
	}
	if (ui_input_hpos >= ui_input_nhist)
		return;
	if (++ui_input_hpos < ui_input_nhist) {
		ui_input_set(e, ui_input_hist[ui_input_hpos]);
		return;
	}
	e->len = e->cur = e->off = 0;
	if (ui_input_saved != NULL)
		ui_input_splice(e, 0, 0, ui_input_saved, ui_input_nsaved);
	e->cur = e->len;
}

/* Does a candidate start with a prefix (ASCII letters in any case)? */
static int
ui_input_prefix(const char *cand, const char *prefix)
{
	return (strncasecmp(cand, prefix, strlen(prefix)) == 0);
}

/* Collect completions for a word: commands, "keys", nicks. */
static u_int
ui_input_candidates(const char *word, int first, const char *line,
    const char **out, u_int max)
{
	const struct cmd_entry	*ce;
	struct peer		*p;
	u_int			 n = 0, i;

	if (first && *word == '/') {
		for (ce = cmd_table; ce->name != NULL && n < max; ce++) {
			if (ui_input_prefix(ce->name, word + 1))
				out[n++] = ce->name;
		}
		for (i = 0; i < nitems(ui_input_local) && n < max; i++) {
			if (ui_input_prefix(ui_input_local[i], word + 1))
				out[n++] = ui_input_local[i];
		}
		return (n);
	}
	if (strncmp(line, "/help ", 6) == 0 || strncmp(line, "/h ", 3) == 0) {
		if (ui_input_prefix("keys", word) && n < max)
			out[n++] = "keys";
		for (ce = cmd_table; ce->name != NULL && n < max; ce++) {
			if (ui_input_prefix(ce->name, word))
				out[n++] = ce->name;
		}
		return (n);
	}
	TAILQ_FOREACH(p, &peer_list, list) {
		if (n < max && peer_nick_plain(p) && ui_input_prefix(p->nick,
		    word))
			out[n++] = p->nick;
	}
	return (n);
}

/* Tab: complete the word before the cursor, cycling through matches. */
static void
ui_input_complete(int dir)
{
	struct ui_edit	*e = ui_input_ed;
	const char	*cands[64];
	char		*line, *text;
	wchar_t		 wbuf[NICK_MAX + 8];
	u_int		 n, i;
	size_t		 s, len;
	int		 first;

	if (e != &ui_input_line)
		return;
	if (!ui_input_completing) {
		for (s = e->cur; s > 0 && e->buf[s - 1] != L' '; s--)
			;
		ui_input_cstart = s;
		free(ui_input_cprefix);
		ui_input_cprefix = xmalloc((e->cur - s) * 4 + 1);
		ui_text_encode(e->buf + s, e->cur - s, ui_input_cprefix,
		    (e->cur - s) * 4 + 1);
		ui_input_cidx = dir > 0 ? -1 : 0;
		ui_input_completing = 1;
	}
	line = ui_input_text(e);
	first = ui_input_cstart == 0;
	n = ui_input_candidates(ui_input_cprefix, first, line, cands,
	    nitems(cands));
	free(line);
	if (n == 0) {
		ui_input_completing = 0;
		return;
	}
	ui_input_cidx = (ui_input_cidx + dir + (int)n) % (int)n;
	xasprintf(&text, "%s%s ", first && *ui_input_cprefix == '/' ? "/" :
	    "", cands[ui_input_cidx]);
	len = 0;
	for (i = 0; text[i] != '\0' && len < nitems(wbuf); ) {
		uint32_t	cp;
		int		k;

		k = utf8_decode((const u_char *)text + i, strlen(text + i),
		    &cp);
		if (k < 1)
			break;
		wbuf[len++] = (wchar_t)cp;
		i += k;
	}
	free(text);
	ui_input_splice(e, ui_input_cstart, e->cur, wbuf, len);
	e->cur = ui_input_cstart + len;
}

/* The windows the go-to prompt matches, best first; returns how many. */
static u_int
ui_input_goto_matches(struct ui_view **out, u_int max)
{
	char		*text, *end;
	const char	*name;
	struct ui_view	*v;
	u_int		 n = 0, i, pass;
	u_long		 num;

	text = ui_input_text(&ui_input_prompt);
	if (*text != '\0') {
		num = strtoul(text, &end, 10);
		if (*end == '\0' && (v = ui_view_number(num)) != NULL)
			out[n++] = v;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < ui.nviews && n < max; i++) {
			v = ui.views[i];
			name = ui_view_name(v);
			if (pass == 0 && !ui_input_prefix(name, text))
				continue;
			if (pass == 1 && (ui_input_prefix(name, text) ||
			    strcasestr(name, text) == NULL))
				continue;
			if (n != 0 && out[0] == v)
				continue;
			out[n++] = v;
		}
	}
	free(text);
	return (n);
}

/* Open the go-to prompt. */
void
ui_input_goto_begin(void)
{
	ui.mode = UI_MODE_GOTO;
	ui_input_ed = &ui_input_prompt;
	ui_input_prompt.len = ui_input_prompt.cur = ui_input_prompt.off = 0;
	ui_input_goto_sel = 0;
	ui_dirty(UI_D_INPUT);
}

/* Close the go-to prompt. */
static void
ui_input_goto_end(void)
{
	ui.mode = UI_MODE_EDIT;
	ui_input_ed = &ui_input_line;
	ui_dirty(UI_D_INPUT);
}

/* Enter in the go-to prompt: open the selected match. */
static void
ui_input_goto_accept(void)
{
	struct ui_view	*m[64];
	u_int		 n;

	n = ui_input_goto_matches(m, nitems(m));
	ui_input_goto_end();
	if (n == 0) {
		ui_notice(1, "no window matches");
		return;
	}
	ui_view_open(m[ui_input_goto_sel % n]);
}

/* Run or send a finished line. */
static void
ui_input_run(char *s)
{
	struct conv	*c = ui.cur->conv;
	char		*cause = NULL, *p;

	if (*s == '/' && s[1] != '/') {
		for (p = s; *p != '\0'; p++) {
			if (*p == '\n')
				*p = ' ';
		}
		if (ui_local_command(s))
			return;
		ui_search_reset();
		ui_core_run(c, s);
		return;
	}
	if (*s == '/')
		s++;
	if (c == NULL) {
		ui_notice(1, "the console runs commands: open a conversation "
		    "(M-2, C-g) or use /msg");
		return;
	}
	if (ui_core_send(c, s, &cause) != 0) {
		ui_notice(1, "%s", cause != NULL ? cause : "not sent");
		free(cause);
		return;
	}
	if (!ui.cur->follow || ui.cur->has_newer)
		ui_view_bottom(ui.cur);
}

/* Enter: send the line, or run it as a command. */
static void
ui_input_accept(void)
{
	struct ui_edit	*e = &ui_input_line;
	char		*s;

	if (e->len == 0)
		return;
	s = ui_input_text(e);
	ui_input_history_add(s);
	e->len = e->cur = e->off = 0;
	ui_input_typing();
	ui_input_run(s);
	free(s);
}

/*
 * Lines of a paste without bracketed paste (typed text with line breaks
 * in one read): more than [ui] paste_lines are asked about as a bracketed
 * paste is; fewer are taken as keys, so each line is sent or run on its
 * own Enter.
 */
int
ui_input_paste_asks(const char *s, size_t len)
{
	long long	 limit = cfg_num(CFG_PASTE_LINES);
	u_int		 lines = 1;
	size_t		 i;

	while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	for (i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		if (s[i] == '\r' || s[i] == '\n')
			lines++;
	}
	return (limit > 0 && lines > limit);
}

/* Keep a paste to ask about, or put it in the line. */
void
ui_input_paste(const char *s, size_t len)
{
	struct ui_edit	 tmp;
	char		*t;
	size_t		 i, o = 0;
	u_int		 lines = 1;
	long long	 limit = cfg_num(CFG_PASTE_LINES);

	if (len > UI_INPUT_PASTE_MAX)
		len = UI_INPUT_PASTE_MAX;
	t = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		if (s[i] == '\r' || s[i] == '\n')
			t[o++] = '\n';
		else if (s[i] == '\t')
			t[o++] = ' ';
		else if ((u_char)s[i] >= 0x20 && s[i] != 0x7f)
			t[o++] = s[i];
	}
	while (o > 0 && t[o - 1] == '\n')
		o--;
	t[o] = '\0';
	for (i = 0; i < o; i++) {
		if (t[i] == '\n')
			lines++;
	}
	if (o == 0) {
		free(t);
		return;
	}
	if (limit > 0 && lines > limit) {
		free(ui_input_pasted);
		ui_input_pasted = t;
		ui_input_paste_lines = lines;
		ui.mode = UI_MODE_PASTE;
		ui_dirty(UI_D_INPUT);
		return;
	}
	memset(&tmp, 0, sizeof tmp);
	ui_input_set(&tmp, t);
	ui_input_insert(tmp.buf, tmp.len);
	free(tmp.buf);
	free(t);
}

/* A key while asking about a paste: y sends, e edits, n drops it. */
void
ui_input_paste_key(int key)
{
	struct ui_edit	 tmp;

	if (key == 'y' || key == 'Y' || key == 'e' || key == 'E') {
		memset(&tmp, 0, sizeof tmp);
		ui_input_set(&tmp, ui_input_pasted);
		ui_input_splice(&ui_input_line, ui_input_line.cur,
		    ui_input_line.cur, tmp.buf, tmp.len);
		free(tmp.buf);
		if (key == 'y' || key == 'Y')
			ui_input_accept();
	} else if (key != 'n' && key != 'N' && key != UK_ESC &&
	    key != UK_C('c') && key != UK_C('g'))
		return;
	free(ui_input_pasted);
	ui_input_pasted = NULL;
	ui.mode = UI_MODE_EDIT;
	ui_dirty(UI_D_INPUT);
}

/* A key arrived: any but Tab ends a completion. */
void
ui_input_key(int key)
{
	if (key != '\t' && key != UK_BTAB)
		ui_input_completing = 0;
}

/* An editing action from the key table. */
void
ui_input_edit(int op)
{
	struct ui_edit	*e = ui_input_ed;
	wchar_t		 nl = L'\n';
	size_t		 p;

	switch (op) {
	case UI_EDIT_ACCEPT:
		if (ui.mode == UI_MODE_GOTO)
			ui_input_goto_accept();
		else
			ui_input_accept();
		break;
	case UI_EDIT_NEWLINE:
		if (ui.mode == UI_MODE_EDIT)
			ui_input_splice(e, e->cur, e->cur, &nl, 1);
		break;
	case UI_EDIT_LEFT:
		e->cur = ui_input_prev(e, e->cur);
		break;
	case UI_EDIT_RIGHT:
		e->cur = ui_input_next(e, e->cur);
		break;
	case UI_EDIT_HOME:
		e->cur = 0;
		break;
	case UI_EDIT_END:
		e->cur = e->len;
		break;
	case UI_EDIT_WORD_LEFT:
		e->cur = ui_input_word_back(e, e->cur);
		break;
	case UI_EDIT_WORD_RIGHT:
		e->cur = ui_input_word_fwd(e, e->cur);
		break;
	case UI_EDIT_BSPACE:
		if (e->cur == 0 && ui.mode == UI_MODE_GOTO && e->len == 0)
			ui_input_goto_end();
		p = ui_input_prev(e, e->cur);
		ui_input_splice(e, p, e->cur, NULL, 0);
		break;
	case UI_EDIT_DELETE:
		ui_input_splice(e, e->cur, ui_input_next(e, e->cur), NULL, 0);
		break;
	case UI_EDIT_KILL_END:
		ui_input_kill_range(e, e->cur, e->len);
		break;
	case UI_EDIT_KILL_START:
		ui_input_kill_range(e, 0, e->cur);
		break;
	case UI_EDIT_KILL_WORD_BACK:
		ui_input_kill_range(e, ui_input_word_back(e, e->cur), e->cur);
		break;
	case UI_EDIT_KILL_WORD_FWD:
		ui_input_kill_range(e, e->cur, ui_input_word_fwd(e, e->cur));
		break;
	case UI_EDIT_YANK:
		if (ui_input_kill != NULL)
			ui_input_splice(e, e->cur, e->cur, ui_input_kill,
			    ui_input_nkill);
		break;
	case UI_EDIT_TRANSPOSE:
		if (e->cur > 0 && e->len > 1) {
			p = e->cur == e->len ? e->cur - 1 : e->cur;
			nl = e->buf[p];
			e->buf[p] = e->buf[p - 1];
			e->buf[p - 1] = nl;
			e->cur = p + 1;
		}
		break;
	case UI_EDIT_HIST_PREV:
	case UI_EDIT_HIST_NEXT:
		if (ui.mode == UI_MODE_EDIT)
			ui_input_history(op == UI_EDIT_HIST_PREV ? -1 : 1);
		break;
	case UI_EDIT_COMPLETE:
	case UI_EDIT_COMPLETE_BACK:
		if (ui.mode == UI_MODE_GOTO)
			ui_input_goto_sel += op == UI_EDIT_COMPLETE ? 1 : -1;
		else
			ui_input_complete(op == UI_EDIT_COMPLETE ? 1 : -1);
		break;
	case UI_EDIT_CANCEL:
		if (ui.mode == UI_MODE_GOTO)
			ui_input_goto_end();
		else if (e->len == 0)
			ui_notice(0, "the line is empty: /quit leaves p2pchat");
		else {
			e->len = e->cur = e->off = 0;
			ui_input_hpos = ui_input_nhist;
			ui_input_typing();
		}
		break;
	}
	ui_dirty(UI_D_INPUT);
}

/* Draw the characters of a line from e->off, scrolled to show the cursor. */
static void
ui_input_draw_edit(WINDOW *w, struct ui_edit *e, u_int x)
{
	u_int	 width = getmaxx(w), avail, col, cx = x;
	size_t	 i, j;
	wchar_t	 wcs[CCHARW_MAX + 1];
	cchar_t	 cc;
	int	 cw;
	attr_t	 a;

	avail = width > x + 1 ? width - x - 1 : 1;
	if (e->cur < e->off)
		e->off = e->cur;
	for (;;) {
		col = 0;
		for (i = e->off; i < e->cur; i++) {
			cw = e->buf[i] == L'\n' ? 1 : ui_text_wcwidth(e->buf[i]);
			col += cw > 0 ? cw : 0;
		}
		if (col <= avail || e->off >= e->cur)
			break;
		e->off = ui_input_next(e, e->off);
	}
	col = 0;
	for (i = e->off; i < e->len; i = j) {
		a = 0;
		if (e->buf[i] == L'\n') {
			wcs[0] = ui.utf8 ? 0x21b5 : L'|';
			a = A_DIM;
			cw = 1;
		} else if ((cw = ui_text_wcwidth(e->buf[i])) <= 0) {
			wcs[0] = ui.utf8 ? 0xfffd : L'?';
			cw = 1;
		} else
			wcs[0] = e->buf[i];
		for (j = i + 1; j < e->len && j - i < CCHARW_MAX &&
		    ui_input_joins(e->buf[j]); j++)
			wcs[j - i] = e->buf[j];
		wcs[j - i] = L'\0';
		for (; j < e->len && ui_input_joins(e->buf[j]); j++)
			;
		if (col + cw > avail + 1)
			break;
		if (i < e->cur)
			cx += cw;
		setcchar(&cc, wcs, a, 0, NULL);
		wadd_wch(w, &cc);
		col += cw;
	}
	wmove(w, 0, cx);
}

/* Draw the input line (or the prompt or question in its place). */
void
ui_input_draw(WINDOW *w)
{
	struct ui_view	*m[64];
	char		*s;
	u_int		 n, x;

	werase(w);
	wmove(w, 0, 0);
	switch (ui.mode) {
	case UI_MODE_PASTE:
		xasprintf(&s, "Paste of %u lines: y sends it, e edits it, "
		    "n drops it? ", ui_input_paste_lines);
		ui_text_put(w, s, strlen(s), getmaxx(w) - 1, A_BOLD, 0);
		free(s);
		curs_set(1);
		return;
	case UI_MODE_QUIT:
		s = xstrdup("Quit: s stops the node, d detaches and leaves it "
		    "running, n goes back? ");
		ui_text_put(w, s, strlen(s), getmaxx(w) - 1, A_BOLD, 0);
		free(s);
		curs_set(1);
		return;
	case UI_MODE_GOTO:
		n = ui_input_goto_matches(m, nitems(m));
		if (n == 0)
			xasprintf(&s, "go to (no match): ");
		else
			xasprintf(&s, "go to [%u %s]: ",
			    m[ui_input_goto_sel % n]->number,
			    ui_view_name(m[ui_input_goto_sel % n]));
		x = ui_text_put(w, s, strlen(s), getmaxx(w) / 2, A_BOLD, 0);
		free(s);
		ui_input_draw_edit(w, &ui_input_prompt, x);
		return;
	case UI_MODE_EDIT:
		x = ui_text_put(w, "> ", 2, 2, A_BOLD, 0);
		ui_input_draw_edit(w, &ui_input_line, x);
		return;
	}
}

/* Free the input state. */
void
ui_input_free(void)
{
	u_int	i;

	for (i = 0; i < ui_input_nhist; i++)
		free(ui_input_hist[i]);
	free(ui_input_hist);
	ui_input_hist = NULL;
	ui_input_nhist = ui_input_hpos = 0;
	free(ui_input_line.buf);
	free(ui_input_prompt.buf);
	memset(&ui_input_line, 0, sizeof ui_input_line);
	memset(&ui_input_prompt, 0, sizeof ui_input_prompt);
	free(ui_input_saved);
	free(ui_input_kill);
	free(ui_input_cprefix);
	free(ui_input_pasted);
	ui_input_saved = ui_input_kill = NULL;
	ui_input_cprefix = ui_input_pasted = NULL;
}
