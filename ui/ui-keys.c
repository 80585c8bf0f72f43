/*
 * ui-keys.c: the key table and the reader of the terminal's bytes. The
 * table is the one source of the bindings, of /help keys and of
 * p2pchat --list-keys (which the man page's KEYS section is checked
 * against); the [keys] section of the configuration rebinds its actions.
 * The reader turns bytes into keys itself: an escape followed within
 * [ui] escape_delay milliseconds by a key is its Meta prefix (so every
 * Alt binding also works as Esc then the key), an escape alone for longer
 * is Esc, and a bracketed paste arrives as one piece of text.
 */

#include "ui.h"

#include <ctype.h>

#define UI_KEYS_PASTE_END	"\033[201~"
#define UI_KEYS_PASTE_MAX	(1024 * 1024)

static void	ui_keys_window(int);
static void	ui_keys_next(int);
static void	ui_keys_unread(int);
static void	ui_keys_goto(int);
static void	ui_keys_redraw(int);
static void	ui_keys_scroll(int);
static void	ui_keys_edge(int);
static void	ui_keys_esc_wait(void);
static const struct ui_key *ui_keys_find(int);

/* The bindings. */
const struct ui_key ui_keys_table[] = {
	{ .name = "M-1",
	  .key = UK_META|'1',
	  .action = "select-window-1",
	  .fn = ui_keys_window,
	  .arg = 1,
	  .help = "Go to window 1, the console"
	},
	{ .name = "M-2",
	  .key = UK_META|'2',
	  .action = "select-window-2",
	  .fn = ui_keys_window,
	  .arg = 2,
	  .help = "Go to window 2"
	},
	{ .name = "M-3",
	  .key = UK_META|'3',
	  .action = "select-window-3",
	  .fn = ui_keys_window,
	  .arg = 3,
	  .help = "Go to window 3"
	},
	{ .name = "M-4",
	  .key = UK_META|'4',
	  .action = "select-window-4",
	  .fn = ui_keys_window,
	  .arg = 4,
	  .help = "Go to window 4"
	},
	{ .name = "M-5",
	  .key = UK_META|'5',
	  .action = "select-window-5",
	  .fn = ui_keys_window,
	  .arg = 5,
	  .help = "Go to window 5"
	},
	{ .name = "M-6",
	  .key = UK_META|'6',
	  .action = "select-window-6",
	  .fn = ui_keys_window,
	  .arg = 6,
	  .help = "Go to window 6"
	},
	{ .name = "M-7",
	  .key = UK_META|'7',
	  .action = "select-window-7",
	  .fn = ui_keys_window,
	  .arg = 7,
	  .help = "Go to window 7"
	},
	{ .name = "M-8",
	  .key = UK_META|'8',
	  .action = "select-window-8",
	  .fn = ui_keys_window,
	  .arg = 8,
	  .help = "Go to window 8"
	},
	{ .name = "M-9",
	  .key = UK_META|'9',
	  .action = "select-window-9",
	  .fn = ui_keys_window,
	  .arg = 9,
	  .help = "Go to window 9"
	},
	{ .name = "M-0",
	  .key = UK_META|'0',
	  .action = "select-window-10",
	  .fn = ui_keys_window,
	  .arg = 10,
	  .help = "Go to window 10"
	},
	{ .name = "C-n",
	  .key = UK_C('n'),
	  .action = "next-window",
	  .fn = ui_keys_next,
	  .arg = 1,
	  .help = "Go to the next window"
	},
	{ .name = "C-p",
	  .key = UK_C('p'),
	  .action = "previous-window",
	  .fn = ui_keys_next,
	  .arg = -1,
	  .help = "Go to the previous window"
	},
	{ .name = "M-Right",
	  .key = UK_META|UK_RIGHT,
	  .action = "next-window",
	  .fn = ui_keys_next,
	  .arg = 1,
	  .help = "Go to the next window"
	},
	{ .name = "M-Left",
	  .key = UK_META|UK_LEFT,
	  .action = "previous-window",
	  .fn = ui_keys_next,
	  .arg = -1,
	  .help = "Go to the previous window"
	},
	{ .name = "M-a",
	  .key = UK_META|'a',
	  .action = "next-unread",
	  .fn = ui_keys_unread,
	  .help = "Go to the next window with unread messages"
	},
	{ .name = "C-g",
	  .key = UK_C('g'),
	  .action = "goto-prompt",
	  .fn = ui_keys_goto,
	  .help = "Go to a window: type part of its name or its number, Tab "
		  "picks the next match, Enter opens it, C-g cancels"
	},
	{ .name = "M-g",
	  .key = UK_META|'g',
	  .action = "goto-prompt",
	  .fn = ui_keys_goto,
	  .help = "Go to a window by name (as C-g)"
	},
	{ .name = "PageUp",
	  .key = UK_PPAGE,
	  .action = "scroll-up",
	  .fn = ui_keys_scroll,
	  .arg = 1,
	  .help = "Scroll the conversation up a page (older messages)"
	},
	{ .name = "PageDown",
	  .key = UK_NPAGE,
	  .action = "scroll-down",
	  .fn = ui_keys_scroll,
	  .arg = -1,
	  .help = "Scroll the conversation down a page"
	},
	{ .name = "M-Up",
	  .key = UK_META|UK_UP,
	  .action = "scroll-line-up",
	  .fn = ui_keys_scroll,
	  .arg = 2,
	  .help = "Scroll the conversation up a line"
	},
	{ .name = "M-Down",
	  .key = UK_META|UK_DOWN,
	  .action = "scroll-line-down",
	  .fn = ui_keys_scroll,
	  .arg = -2,
	  .help = "Scroll the conversation down a line"
	},
	{ .name = "M-Home",
	  .key = UK_META|UK_HOME,
	  .action = "scroll-top",
	  .fn = ui_keys_edge,
	  .arg = -1,
	  .help = "Go to the first message of the conversation"
	},
	{ .name = "C-Home",
	  .key = UK_CTRL|UK_HOME,
	  .action = "scroll-top",
	  .fn = ui_keys_edge,
	  .arg = -1,
	  .help = "Go to the first message of the conversation"
	},
	{ .name = "M-End",
	  .key = UK_META|UK_END,
	  .action = "scroll-bottom",
	  .fn = ui_keys_edge,
	  .arg = 1,
	  .help = "Go to the newest message and follow new ones"
	},
	{ .name = "C-End",
	  .key = UK_CTRL|UK_END,
	  .action = "scroll-bottom",
	  .fn = ui_keys_edge,
	  .arg = 1,
	  .help = "Go to the newest message and follow new ones"
	},
	{ .name = "Enter",
	  .key = UK_ENTER,
	  .action = "send",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_ACCEPT,
	  .help = "Send the line to the open conversation, or run it if it "
		  "starts with / (// sends a leading /)"
	},
	{ .name = "C-j",
	  .key = '\n',
	  .action = "send",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_ACCEPT,
	  .help = "Send the line (as Enter)"
	},
	{ .name = "M-Enter",
	  .key = UK_META|UK_ENTER,
	  .action = "newline",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_NEWLINE,
	  .help = "Insert a newline into the message"
	},
	{ .name = "Left",
	  .key = UK_LEFT,
	  .action = "backward-char",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_LEFT,
	  .help = "Move back a character"
	},
	{ .name = "C-b",
	  .key = UK_C('b'),
	  .action = "backward-char",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_LEFT,
	  .help = "Move back a character"
	},
	{ .name = "Right",
	  .key = UK_RIGHT,
	  .action = "forward-char",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_RIGHT,
	  .help = "Move forward a character"
	},
	{ .name = "C-f",
	  .key = UK_C('f'),
	  .action = "forward-char",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_RIGHT,
	  .help = "Move forward a character"
	},
	{ .name = "Home",
	  .key = UK_HOME,
	  .action = "beginning-of-line",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_HOME,
	  .help = "Move to the start of the line"
	},
	{ .name = "C-a",
	  .key = UK_C('a'),
	  .action = "beginning-of-line",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_HOME,
	  .help = "Move to the start of the line"
	},
	{ .name = "End",
	  .key = UK_END,
	  .action = "end-of-line",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_END,
	  .help = "Move to the end of the line"
	},
	{ .name = "C-e",
	  .key = UK_C('e'),
	  .action = "end-of-line",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_END,
	  .help = "Move to the end of the line"
	},
	{ .name = "M-b",
	  .key = UK_META|'b',
	  .action = "backward-word",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_WORD_LEFT,
	  .help = "Move back a word"
	},
	{ .name = "M-f",
	  .key = UK_META|'f',
	  .action = "forward-word",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_WORD_RIGHT,
	  .help = "Move forward a word"
	},
	{ .name = "Backspace",
	  .key = UK_BSPACE,
	  .action = "delete-backward-char",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_BSPACE,
	  .help = "Delete the character before the cursor"
	},
	{ .name = "C-h",
	  .key = UK_C('h'),
	  .action = "delete-backward-char",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_BSPACE,
	  .help = "Delete the character before the cursor"
	},
	{ .name = "Delete",
	  .key = UK_DC,
	  .action = "delete-char",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_DELETE,
	  .help = "Delete the character under the cursor"
	},
	{ .name = "C-d",
	  .key = UK_C('d'),
	  .action = "delete-char",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_DELETE,
	  .help = "Delete the character under the cursor"
	},
	{ .name = "C-k",
	  .key = UK_C('k'),
	  .action = "kill-line",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_KILL_END,
	  .help = "Cut from the cursor to the end of the line"
	},
	{ .name = "C-u",
	  .key = UK_C('u'),
	  .action = "unix-line-discard",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_KILL_START,
	  .help = "Cut from the start of the line to the cursor"
	},
	{ .name = "C-w",
	  .key = UK_C('w'),
	  .action = "unix-word-rubout",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_KILL_WORD_BACK,
	  .help = "Cut the word before the cursor"
	},
	{ .name = "M-Backspace",
	  .key = UK_META|UK_BSPACE,
	  .action = "backward-kill-word",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_KILL_WORD_BACK,
	  .help = "Cut the word before the cursor"
	},
	{ .name = "M-d",
	  .key = UK_META|'d',
	  .action = "kill-word",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_KILL_WORD_FWD,
	  .help = "Cut the word after the cursor"
	},
	{ .name = "C-y",
	  .key = UK_C('y'),
	  .action = "yank",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_YANK,
	  .help = "Paste the text cut last"
	},
	{ .name = "C-t",
	  .key = UK_C('t'),
	  .action = "transpose-chars",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_TRANSPOSE,
	  .help = "Swap the two characters before the cursor"
	},
	{ .name = "Up",
	  .key = UK_UP,
	  .action = "history-previous",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_HIST_PREV,
	  .help = "Recall the previous line typed"
	},
	{ .name = "Down",
	  .key = UK_DOWN,
	  .action = "history-next",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_HIST_NEXT,
	  .help = "Recall the next line typed"
	},
	{ .name = "Tab",
	  .key = '\t',
	  .action = "complete",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_COMPLETE,
	  .help = "Complete a command or a nick; again for the next match"
	},
	{ .name = "BTab",
	  .key = UK_BTAB,
	  .action = "complete-backward",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_COMPLETE_BACK,
	  .help = "Go back to the previous completion"
	},
	{ .name = "C-\\",
	  .key = UK_C('\\'),
	  .action = "detach",
	  .fn = ui_attach_detach_key,
	  .help = "Detach the screen; the node runs on in the background "
		  "(see DETACHING in p2pchat(1))"
	},
	{ .name = "C-c",
	  .key = UK_C('c'),
	  .action = "cancel",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_CANCEL,
	  .help = "Clear the line, or close the go-to prompt; on an empty "
		  "line, say how to quit"
	},
	{ .name = "Esc",
	  .key = UK_ESC,
	  .action = "cancel",
	  .fn = ui_input_edit,
	  .arg = UI_EDIT_CANCEL,
	  .help = "As C-c (Esc alone for longer than [ui] escape_delay, or "
		  "Esc twice)"
	},
	{ .name = "C-l",
	  .key = UK_C('l'),
	  .action = "redraw",
	  .fn = ui_keys_redraw,
	  .help = "Redraw the screen"
	},
	{ .name = NULL }
};

/* The reader's state between reads. */
static u_char	 ui_keys_pend[64];
static size_t	 ui_keys_npend;
static int	 ui_keys_meta;
static int	 ui_keys_pasting;
static struct buf ui_keys_paste;
static struct event *ui_keys_esc_timer;	/* a lone Esc waiting */

/* A key bound to an action: the table's, or one from [keys]. */
struct ui_keys_bind {
	int			 key;
	char			 name[32];
	const struct ui_key	*row;
	const struct cfg_binding *from;	/* NULL: the table's own */
};
static struct ui_keys_bind	*ui_keys_binds;
static u_int			 ui_keys_nbinds;

/* Names of the keys that are not characters. */
static const struct {
	const char	*name;
	int		 key;
} ui_keys_names[] = {
	{ "Up", UK_UP },
	{ "Down", UK_DOWN },
	{ "Left", UK_LEFT },
	{ "Right", UK_RIGHT },
	{ "Home", UK_HOME },
	{ "End", UK_END },
	{ "PageUp", UK_PPAGE },
	{ "PageDown", UK_NPAGE },
	{ "Delete", UK_DC },
	{ "Insert", UK_IC },
	{ "BTab", UK_BTAB },
	{ "Enter", UK_ENTER },
	{ "Tab", '\t' },
	{ "Esc", UK_ESC },
	{ "Backspace", UK_BSPACE },
	{ "Space", ' ' },
	/* Other spellings, read but never printed. */
	{ "PgUp", UK_PPAGE },
	{ "PPage", UK_PPAGE },
	{ "PgDn", UK_NPAGE },
	{ "NPage", UK_NPAGE },
	{ "DC", UK_DC },
	{ "IC", UK_IC },
	{ "Return", UK_ENTER },
	{ "Escape", UK_ESC },
	{ "BSpace", UK_BSPACE },
};

/* Go to window n. */
static void
ui_keys_window(int n)
{
	struct ui_view	*v;

	if ((v = ui_view_number(n)) == NULL) {
		ui_notice(0, "no window %d", n);
		return;
	}
	if (ui.mode == UI_MODE_GOTO)
		ui_input_edit(UI_EDIT_CANCEL);
	ui_view_open(v);
}

/* Go to the next (1) or previous (-1) window. */
static void
ui_keys_next(int dir)
{
	u_int	i = ui.cur->number - 1;

	i = (i + ui.nviews + dir) % ui.nviews;
	ui_keys_window(i + 1);
}

/* Go to the next window with unread messages. */
static void
ui_keys_unread(int unused)
{
	struct ui_view	*v;
	u_int		 i, start = ui.cur->number - 1;

	for (i = 1; i < ui.nviews; i++) {
		v = ui.views[(start + i) % ui.nviews];
		if (ui_view_unread(v) != 0) {
			ui_keys_window(v->number);
			return;
		}
	}
	ui_notice(0, "no unread messages");
}

/* Open (or close) the go-to prompt. */
static void
ui_keys_goto(int unused)
{
	if (ui.mode == UI_MODE_GOTO)
		ui_input_edit(UI_EDIT_CANCEL);
	else
		ui_input_goto_begin();
}

/* Repaint the whole terminal. */
static void
ui_keys_redraw(int unused)
{
	ui_dirty(UI_D_ALL);
}

/* Scroll a page (1 up, -1 down) or a line (2 up, -2 down). */
static void
ui_keys_scroll(int how)
{
	int	rows;

	rows = ui.w_conv != NULL ? getmaxy(ui.w_conv) - 2 : 1;
	if (rows < 1)
		rows = 1;
	if (how == 2 || how == -2)
		rows = 1;
	ui_view_scroll(ui.cur, how > 0 ? rows : -rows);
}

/* Go to the first (-1) or the newest (1) message. */
static void
ui_keys_edge(int dir)
{
	if (dir < 0)
		ui_view_top(ui.cur);
	else
		ui_view_bottom(ui.cur);
}

/* The name of a key: M-, C- and S- before the key or the character. */
static void
ui_keys_name(int key, char *out, size_t size)
{
	char	 prefix[8], ch[8];
	wchar_t	 wc;
	int	 base = key & ~UK_MODS;
	size_t	 i;

	snprintf(prefix, sizeof prefix, "%s%s%s", (key & UK_META) ? "M-" : "",
	    (key & UK_CTRL) ? "C-" : "", (key & UK_SHIFT) ? "S-" : "");
	for (i = 0; i < nitems(ui_keys_names); i++) {
		if (ui_keys_names[i].key == base) {
			snprintf(out, size, "%s%s", prefix,
			    ui_keys_names[i].name);
			return;
		}
	}
	if (base == 0)
		snprintf(out, size, "%sC-Space", prefix);
	else if (base <= 26)
		snprintf(out, size, "%sC-%c", prefix, base + 'a' - 1);
	else if (base < 0x20)		/* C-[ C-\ C-] C-^ C-_ */
		snprintf(out, size, "%sC-%c", prefix, base + '@');
	else {
		wc = (wchar_t)base;
		ui_text_encode(&wc, 1, ch, sizeof ch);
		snprintf(out, size, "%s%s", prefix, ch);
	}
}

/*
 * Parse a key name: M-, C- and S- in any order, then a key name (Up,
 * PageDown, Enter, Tab, Esc, Space...) or one character. C- with a letter
 * is that control character. NULL on success, else what is wrong.
 */
static const char *
ui_keys_parse(const char *s, int *key)
{
	int		 mods = 0, ctrl = 0, base = -1;
	uint32_t	 cp;
	size_t		 i, len;

	while (strlen(s) > 2 && s[1] == '-' && strchr("MCS", s[0]) != NULL) {
		if (s[0] == 'M')
			mods |= UK_META;
		else if (s[0] == 'S')
			mods |= UK_SHIFT;
		else
			ctrl = 1;
		s += 2;
	}
	for (i = 0; i < nitems(ui_keys_names); i++) {
		if (strcasecmp(ui_keys_names[i].name, s) == 0)
			base = ui_keys_names[i].key;
	}
	if (base == -1) {
		len = strlen(s);
		if (len == 0 || utf8_decode((const u_char *)s, len, &cp) !=
		    (int)len || cp < 0x20 || cp == 0x7f)
			return ("unknown key name");
		base = (int)cp;
	}
	if (ctrl && base == ' ')
		base = 0;
	else if (ctrl && base < 0x80 && strchr("@[\\]^_", base) != NULL)
		base = UK_C(base);
	else if (ctrl && base < 0x80 && isalpha(base))
		base = UK_C(tolower(base));
	else if (ctrl && base == '?')
		base = UK_BSPACE;
	else if (ctrl && base >= UK_BASE)
		mods |= UK_CTRL;
	else if (ctrl)
		return ("C- goes with a letter or a special key");
	if ((mods & UK_SHIFT) && base < UK_BASE)
		return ("S- goes with a special key (for a letter, give "
		    "the capital)");
	if (mods == 0 && base >= 0x20 && base < UK_BASE && base != UK_BSPACE)
		return ("a character alone types itself (give M- or C-)");
	*key = base | mods;
	return (NULL);
}

/* Make the bindings the table gives, if no [keys] were read. */
static void
ui_keys_defaults(void)
{
	const struct ui_key	*k;
	struct ui_keys_bind	*b;

	if (ui_keys_binds != NULL)
		return;
	for (k = ui_keys_table; k->name != NULL; k++) {
		ui_keys_binds = xreallocarray(ui_keys_binds, ui_keys_nbinds + 1,
		    sizeof *ui_keys_binds);
		b = &ui_keys_binds[ui_keys_nbinds++];
		b->key = k->key;
		snprintf(b->name, sizeof b->name, "%s", k->name);
		b->row = k;
		b->from = NULL;
	}
}

/* The row a key is bound to, or NULL. */
static const struct ui_key *
ui_keys_find(int key)
{
	u_int	i;

	ui_keys_defaults();
	for (i = 0; i < ui_keys_nbinds; i++) {
		if (ui_keys_binds[i].key == key)
			return (ui_keys_binds[i].row);
	}
	return (NULL);
}

/* The first row of an action, or NULL if the table has no such action. */
static const struct ui_key *
ui_keys_action(const char *action)
{
	const struct ui_key	*k;

	for (k = ui_keys_table; k->name != NULL; k++) {
		if (strcmp(k->action, action) == 0)
			return (k);
	}
	return (NULL);
}

/* Add the keys of one [keys] line to the bindings being made. */
static int
ui_keys_bind_line(const struct cfg_binding *cb, const struct ui_key *row,
    struct ui_keys_bind **binds, u_int *n, char **cause)
{
	struct ui_keys_bind	*b;
	char			*copy, *word, *next;
	const char		*errstr;
	int			 key, words = 0, none = 0;

	copy = next = xstrdup(cb->keys);
	while ((word = strsep(&next, " \t")) != NULL) {
		if (*word == '\0')
			continue;
		words++;
		if (strcmp(word, "none") == 0) {
			none = 1;
			continue;
		}
		if ((errstr = ui_keys_parse(word, &key)) != NULL) {
			xasprintf(cause, "%s:%d: %s: \"%s\": %s", cb->file,
			    cb->line, cb->action, word, errstr);
			free(copy);
			return (-1);
		}
		*binds = xreallocarray(*binds, *n + 1, sizeof **binds);
		b = &(*binds)[(*n)++];
		b->key = key;
		ui_keys_name(key, b->name, sizeof b->name);
		b->row = row;
		b->from = cb;
	}
	free(copy);
	if (words == 0 || (none && words != 1)) {
		xasprintf(cause, "%s:%d: %s: %s", cb->file, cb->line,
		    cb->action, words == 0 ? "no key given (none unbinds it)" :
		    "none stands alone");
		return (-1);
	}
	return (0);
}

/* Two bindings of one key: the error names the later [keys] line. */
static void
ui_keys_clash(const struct ui_keys_bind *a, const struct ui_keys_bind *b,
    char **cause)
{
	const struct ui_keys_bind	*t;

	if (a->from == NULL ||
	    (b->from != NULL && b->from->line > a->from->line)) {
		t = a;
		a = b;
		b = t;
	}
	if (strcmp(a->row->action, b->row->action) == 0)
		xasprintf(cause, "%s:%d: %s: %s is given twice", a->from->file,
		    a->from->line, a->from->action, a->name);
	else
		xasprintf(cause, "%s:%d: %s: %s is bound to %s already%s",
		    a->from->file, a->from->line, a->from->action, a->name,
		    b->row->action, b->from == NULL ? " (rebind that too, or "
		    "set it to none)" : "");
}

/*
 * Make the bindings in force: the key table, with each action named in
 * [keys] bound to the keys given there instead. Errors are "FILE:LINE:
 * ACTION: what is wrong", for an unknown action, a key that cannot be
 * read or a key bound to two actions.
 */
int
ui_keys_configure(char **cause)
{
	const struct cfg_binding	*cbs;
	const struct ui_key		*k, *row;
	struct ui_keys_bind		*binds = NULL, *b;
	u_int				 ncbs, n = 0, i, j;

	cbs = cfg_bindings(&ncbs);
	for (i = 0; i < ncbs; i++) {
		if (ui_keys_action(cbs[i].action) == NULL) {
			xasprintf(cause, "%s:%d: %s: unknown action (the "
			    "actions are in p2pchat.ini(5))", cbs[i].file,
			    cbs[i].line, cbs[i].action);
			return (-1);
		}
	}
	for (k = ui_keys_table; k->name != NULL; k++) {
		row = ui_keys_action(k->action);
		for (i = 0; i < ncbs; i++) {
			if (strcmp(cbs[i].action, k->action) == 0)
				break;
		}
		if (i == ncbs) {
			binds = xreallocarray(binds, n + 1, sizeof *binds);
			b = &binds[n++];
			b->key = k->key;
			snprintf(b->name, sizeof b->name, "%s", k->name);
			b->row = k;
			b->from = NULL;
			continue;
		}
		if (row != k)
			continue;	/* bound with the action's first row */
		for (; i < ncbs; i++) {
			if (strcmp(cbs[i].action, k->action) == 0 &&
			    ui_keys_bind_line(&cbs[i], k, &binds, &n,
			    cause) != 0)
				goto fail;
		}
	}
	for (j = 1; j < n; j++) {
		for (i = 0; i < j; i++) {
			if (binds[i].key == binds[j].key) {
				ui_keys_clash(&binds[i], &binds[j], cause);
				goto fail;
			}
		}
	}
	free(ui_keys_binds);
	ui_keys_binds = binds;
	ui_keys_nbinds = n;
	return (0);
fail:
	free(binds);
	return (-1);
}

/* Run the binding of a key, or insert it; returns 0 if it did nothing. */
int
ui_keys_dispatch(int key)
{
	const struct ui_key	*k;
	wchar_t			 wc;

	ui.st_keys++;
	if (ui.notice != NULL) {
		free(ui.notice);
		ui.notice = NULL;
		ui_dirty(UI_D_STATUS);
	}
	if (ui.mode == UI_MODE_PASTE) {
		ui_input_paste_key(key);
		return (1);
	}
	if (ui.mode == UI_MODE_QUIT) {
		ui_attach_quit_key(key);
		return (1);
	}
	ui_input_key(key);
	if ((k = ui_keys_find(key)) != NULL) {
		k->fn(k->arg);
		return (1);
	}
	if ((key & UK_MODS) == 0 && key >= 0x20 && key != UK_BSPACE &&
	    key < UK_BASE) {
		wc = (wchar_t)key;
		ui_input_insert(&wc, 1);
		return (1);
	}
	return (0);
}

/* A special key from a CSI "~" number; UK_NONE if unknown. */
static int
ui_keys_tilde(u_int n)
{
	switch (n) {
	case 1:
	case 7:
		return (UK_HOME);
	case 2:
		return (UK_IC);
	case 3:
		return (UK_DC);
	case 4:
	case 8:
		return (UK_END);
	case 5:
		return (UK_PPAGE);
	case 6:
		return (UK_NPAGE);
	case 200:
		return (UK_PASTE_BEGIN);
	case 201:
		return (UK_PASTE_END);
	}
	return (UK_NONE);
}

/* A key from a final letter (cursor keys, Home, End). */
static int
ui_keys_letter(u_char c)
{
	switch (c) {
	case 'A':
		return (UK_UP);
	case 'B':
		return (UK_DOWN);
	case 'C':
		return (UK_RIGHT);
	case 'D':
		return (UK_LEFT);
	case 'H':
		return (UK_HOME);
	case 'F':
		return (UK_END);
	case 'Z':
		return (UK_BTAB);
	case 'M':
		return (UK_ENTER);
	}
	return (UK_NONE);
}

/*
 * Decode an escape sequence (ESC [ or ESC O) at b: returns the bytes it
 * takes, 0 if it is not complete yet; *key is UK_NONE if it is unknown.
 */
static size_t
ui_keys_sequence(const u_char *b, size_t n, int *key)
{
	u_int	p[2] = { 0, 0 }, np = 0, mods;
	size_t	j;

	*key = UK_NONE;
	if (b[1] == 'O') {
		if (n < 3)
			return (0);
		*key = ui_keys_letter(b[2]);
		return (3);
	}
	for (j = 2; j < n && b[j] >= 0x30 && b[j] <= 0x3f; j++) {
		if (b[j] == ';' && np < 2)
			np++;
		else if (b[j] >= '0' && b[j] <= '9' && np < 2 && p[np] < 10000)
			p[np] = p[np] * 10 + (b[j] - '0');
		if (j > 32)
			return (j);
	}
	while (j < n && b[j] >= 0x20 && b[j] <= 0x2f)
		j++;
	if (j >= n)
		return (0);
	if (b[j] < 0x40 || b[j] > 0x7e)
		return (j);
	if (b[j] == '~' || b[j] == '^' || b[j] == '$')
		*key = ui_keys_tilde(p[0]);
	else
		*key = ui_keys_letter(b[j]);
	mods = p[1] > 1 ? p[1] - 1 : 0;
	if (b[j] == '^')
		mods |= 4;
	if (b[j] == '$')
		mods |= 1;
	if (*key != UK_NONE && *key != UK_PASTE_BEGIN &&
	    *key != UK_PASTE_END) {
		if (mods & 1)
			*key |= UK_SHIFT;
		if (mods & (2|8))
			*key |= UK_META;
		if (mods & 4)
			*key |= UK_CTRL;
	}
	return (j + 1);
}

/* A key is ready: start a paste, or dispatch it. */
static void
ui_keys_emit(int key)
{
	if (key == UK_PASTE_BEGIN) {
		ui_keys_pasting = 1;
		buf_reset(&ui_keys_paste);
		return;
	}
	if (key == UK_NONE || key == UK_PASTE_END)
		return;
	if (ui_keys_meta && key < UK_MODS)
		key |= UK_META;
	ui_keys_meta = 0;
	ui_keys_dispatch(key);
}

/* Inside a paste: collect bytes until its end; returns bytes used. */
static size_t
ui_keys_paste_bytes(const u_char *b, size_t n, int *partial)
{
	const u_char	*end;
	size_t		 k, keep;

	*partial = 0;
	end = memmem(b, n, UI_KEYS_PASTE_END, strlen(UI_KEYS_PASTE_END));
	if (end != NULL) {
		k = end - b;
		if (ui_keys_paste.size + k <= UI_KEYS_PASTE_MAX)
			buf_put(&ui_keys_paste, b, k);
		ui_keys_pasting = 0;
		ui_input_paste((const char *)ui_keys_paste.d,
		    ui_keys_paste.size);
		buf_reset(&ui_keys_paste);
		return (k + strlen(UI_KEYS_PASTE_END));
	}
	/* Keep what may be the start of the end marker for the next read. */
	keep = 0;
	for (k = 1; k < strlen(UI_KEYS_PASTE_END) && k <= n; k++) {
		if (memcmp(b + n - k, UI_KEYS_PASTE_END, k) == 0)
			keep = k;
	}
	if (ui_keys_paste.size + n - keep <= UI_KEYS_PASTE_MAX)
		buf_put(&ui_keys_paste, b, n - keep);
	*partial = keep != 0;
	return (n - keep);
}

/*
 * Is a read typed text with a line break inside it? A terminal without
 * bracketed paste sends a paste like that; a person types a key a read.
 */
static int
ui_keys_looks_pasted(const u_char *b, size_t n)
{
	size_t	i;

	if (n < 3 || memchr(b, UK_ESC, n) != NULL)
		return (0);
	for (i = 0; i + 1 < n; i++) {
		if (b[i] == '\r' || b[i] == '\n')
			return (1);
	}
	return (0);
}

/* No key came within escape_delay of an Esc: it was Esc alone. */
static void
ui_keys_esc_cb(evutil_socket_t fd, short what, void *arg)
{
	if (ui_keys_npend != 1 || ui_keys_pend[0] != UK_ESC)
		return;
	ui_keys_npend = 0;
	ui_keys_meta = 0;
	ui_keys_emit(UK_ESC);
}

/* An Esc ended a read: wait escape_delay for the key it may prefix. */
static void
ui_keys_esc_wait(void)
{
	struct timeval	tv;
	long long	ms = cfg_num(CFG_ESCAPE_DELAY);

	if (ui_keys_esc_timer == NULL)
		ui_keys_esc_timer = evtimer_new(node_base, ui_keys_esc_cb,
		    NULL);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ui_keys_esc_timer, &tv);
}

/* Bytes arrived from the terminal: turn them into keys. */
void
ui_keys_feed(const u_char *data, size_t len)
{
	u_char		*b;
	size_t		 n, i = 0, k;
	uint32_t	 cp;
	int		 key, partial, want, r;

	if (ui_keys_esc_timer != NULL)
		evtimer_del(ui_keys_esc_timer);
	if (!ui_keys_pasting && ui_keys_npend == 0 &&
	    ui_keys_looks_pasted(data, len) &&
	    ui_input_paste_asks((const char *)data, len)) {
		ui_input_paste((const char *)data, len);
		return;
	}
	n = ui_keys_npend + len;
	b = xmalloc(n);
	memcpy(b, ui_keys_pend, ui_keys_npend);
	memcpy(b + ui_keys_npend, data, len);
	ui_keys_npend = 0;
	while (i < n) {
		if (ui_keys_pasting) {
			i += ui_keys_paste_bytes(b + i, n - i, &partial);
			if (partial)
				break;
			continue;
		}
		if (b[i] == UK_ESC) {
			if (i + 1 == n && cfg_num(CFG_ESCAPE_DELAY) == 0) {
				ui_keys_meta = 0;
				ui_keys_emit(UK_ESC);
				i++;
				continue;
			}
			if (i + 1 == n)
				break;	/* Esc, or the prefix of a key */
			if (b[i + 1] == UK_ESC) {
				ui_keys_meta = 0;
				ui_keys_emit(UK_ESC);
				i += 2;
				continue;
			}
			if (b[i + 1] != '[' && b[i + 1] != 'O') {
				ui_keys_meta = 1;
				i++;
				continue;
			}
			if ((k = ui_keys_sequence(b + i, n - i, &key)) == 0)
				break;
			ui_keys_emit(key);
			i += k;
			continue;
		}
		if ((r = utf8_decode(b + i, n - i, &cp)) < 1) {
			want = b[i] >= 0xf0 ? 4 : b[i] >= 0xe0 ? 3 :
			    b[i] >= 0xc0 ? 2 : 1;
			if ((size_t)want > n - i && want > 1)
				break;
			i++;
			continue;
		}
		i += r;
		ui_keys_emit((int)cp);
	}
	if (i < n) {
		k = n - i;
		if (k > sizeof ui_keys_pend)
			k = 0;
		memcpy(ui_keys_pend, b + i, k);
		ui_keys_npend = k;
	}
	free(b);
	if (ui_keys_npend == 1 && ui_keys_pend[0] == UK_ESC)
		ui_keys_esc_wait();
}

/* Forget the reader's state. */
void
ui_keys_reset(void)
{
	if (ui_keys_esc_timer != NULL)
		event_free(ui_keys_esc_timer);
	ui_keys_esc_timer = NULL;
	ui_keys_npend = 0;
	ui_keys_meta = 0;
	ui_keys_pasting = 0;
	buf_free(&ui_keys_paste);
}

/* /help keys: the bindings in force, in the console. */
void
ui_keys_help(void)
{
	const struct ui_keys_bind	*b;
	u_int				 i;

	ui_keys_defaults();
	ui_console(UI_LINE_INFO, "Keys (every M- key also works as Esc, "
	    "then the key within [ui] escape_delay, %lld ms):",
	    cfg_num(CFG_ESCAPE_DELAY));
	for (i = 0; i < ui_keys_nbinds; i++) {
		b = &ui_keys_binds[i];
		ui_console(UI_LINE_INFO, "  %-12s %-21s %s", b->name,
		    b->row->action, b->row->help);
	}
}

/*
 * p2pchat --list-keys: one binding a line, KEY, ACTION and HELP: the
 * bindings in force, after [keys].
 */
void
ui_list_keys(FILE *f)
{
	const struct ui_keys_bind	*b;
	u_int				 i;

	ui_keys_defaults();
	for (i = 0; i < ui_keys_nbinds; i++) {
		b = &ui_keys_binds[i];
		fprintf(f, "%s\t%s\t%s\n", b->name, b->row->action,
		    b->row->help);
	}
}
