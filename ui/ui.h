/*
 * ui.h: the screen's own header, shared by the ui/ files only. The screen
 * is the one part of p2pchat that includes curses.h.
 */

#ifndef UI_H
#define UI_H

#include "p2pchat.h"

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <wchar.h>

/*
 * Keys: a Unicode code point, or a special key above Unicode, with
 * modifier bits. Control characters are themselves (C-a is 1).
 */
#define UK_META		0x01000000
#define UK_CTRL		0x02000000
#define UK_SHIFT	0x04000000
#define UK_MODS		(UK_META|UK_CTRL|UK_SHIFT)
#define UK_BASE		0x00110000
enum {
	UK_UP = UK_BASE,
	UK_DOWN,
	UK_LEFT,
	UK_RIGHT,
	UK_HOME,
	UK_END,
	UK_PPAGE,
	UK_NPAGE,
	UK_DC,
	UK_IC,
	UK_BTAB,
	UK_PASTE_BEGIN,
	UK_PASTE_END,
	UK_NONE,
};
#define UK_C(c)		((c) & 0x1f)
#define UK_ENTER	'\r'
#define UK_ESC		0x1b
#define UK_BSPACE	0x7f

/* Parts of the screen to draw again. */
#define UI_D_LIST	0x01
#define UI_D_TITLE	0x02
#define UI_D_CONV	0x04
#define UI_D_STATUS	0x08
#define UI_D_INPUT	0x10
#define UI_D_LAYOUT	0x20		/* windows made again (resize) */
#define UI_D_CLEAR	0x40		/* the whole terminal repainted */
#define UI_D_TERM	0x80		/* terminal title */
#define UI_D_ALL	0xff

/* Colour pairs (0 when the screen is monochrome). */
enum ui_colour {
	UI_C_NONE,
	UI_C_BAR,
	UI_C_TIME,
	UI_C_DAY,
	UI_C_UNREAD,
	UI_C_ERROR,
	UI_C_WARN,
	UI_C_INFO,
	UI_C_ONLINE,
	UI_C_MARK,
	UI_C_HIT,
	UI_C_NICK,			/* first of UI_NICK_COLOURS */
};
#define UI_NICK_COLOURS	6

/* The kind of a line of a view. */
enum ui_line_type {
	UI_LINE_MSG,			/* a stored message */
	UI_LINE_INFO,			/* console: information, command output */
	UI_LINE_WARN,
	UI_LINE_ERROR,
};

/* One line of a view: a message, or a console line. */
struct ui_line {
	enum ui_line_type type;
	int64_t		 rowid;
	uint8_t		 id[MSGID_LEN];
	uint8_t		 author[PEER_ID_LEN];
	int		 outgoing;
	int		 state;
	int64_t		 ts;
	char		*text;
	size_t		 len;
	char		*nick;		/* the nick it was written under, if not
					   the author's now */
	int		 day;		/* local date, for day-change lines */
	u_int		 rows;		/* rows of text at width rows_w */
	u_int		 rows_w;
};

/*
 * A view: what the conversation pane shows of one conversation (or of the
 * console). It holds a window of lines read from the store by key; the
 * scroll position is the line at the bottom of the pane and how many of
 * its rows are hidden below.
 */
struct ui_view {
	struct conv	*conv;		/* NULL: the console */
	u_int		 number;	/* window number, from 1 */
	struct ui_line	*lines;
	u_int		 n;
	u_int		 alloc;
	int		 loaded;
	int		 has_older;	/* more lines before lines[0] */
	int		 has_newer;	/* more lines after lines[n - 1] */
	int		 follow;	/* pinned to the newest line */
	u_int		 anchor;	/* line at the bottom of the pane */
	u_int		 skip;		/* rows of it hidden below */
	int64_t		 marker;	/* unread line after this row id, or -1 */
	int64_t		 hit;		/* row id to highlight, or 0 */
	u_int		 unseen;	/* lines arrived while scrolled up */
	u_int		 activity;	/* console warnings not seen */
	int64_t		 max_rowid;	/* newest row id held */
	int64_t		 seq;		/* console: next line's row id */
	int		 online;	/* peer online when last told */
	u_int		 nickw;		/* widest nick of the lines held */
	u_int		 nick_gen;	/* ui_view_nick_gen it was found at */
};

/* Input modes. */
enum ui_mode {
	UI_MODE_EDIT,
	UI_MODE_GOTO,			/* the go-to prompt */
	UI_MODE_PASTE,			/* asking about a long paste */
	UI_MODE_QUIT,			/* /quit asks: stop or detach */
};

/* The state of the screen. */
struct ui_state {
	int		 running;
	int		 colours;
	int		 utf8;
	u_int		 dirty;
	u_int		 sx;
	u_int		 sy;
	u_int		 list_w;	/* peer list width, 0 when hidden */
	WINDOW		*w_list;
	WINDOW		*w_title;
	WINDOW		*w_conv;
	WINDOW		*w_status;
	WINDOW		*w_input;
	struct event	*ev_redraw;
	struct event	*ev_stdin;
	struct ui_view	**views;
	u_int		 nviews;
	struct ui_view	*cur;
	char		*notice;	/* one line in the status bar */
	int		 notice_error;
	enum ui_mode	 mode;
	u_int		 title_unread;	/* last unread count in the title */
	int		 deferred;	/* redraw waited for the commit */

	/* Counters for P2PCHAT_UI_STATS. */
	unsigned long long st_redraws;
	unsigned long long st_dirty;
	unsigned long long st_reads;
	unsigned long long st_keys;
	unsigned long long st_events;
	unsigned long long st_pages;
	unsigned long long st_moved;	/* lines moved to trim views */
	int64_t		 st_start;
	int64_t		 st_first_draw;
};
extern struct ui_state ui;

/* ui.c */
void		 ui_dirty(u_int);
void		 ui_notice(int, const char *, ...) printflike(2, 3);
void		 ui_console(enum ui_line_type, const char *, ...)
		     printflike(2, 3);
void		 ui_term_write(const char *);
void		 ui_attention(struct conv *, const struct msg *);
int		 ui_local_command(const char *);

/* ui-text.c */
int		 ui_text_next(const char *, size_t, wchar_t *, int *);
u_int		 ui_text_width(const char *, size_t);
u_int		 ui_text_put(WINDOW *, const char *, size_t, u_int, attr_t,
		     short);
size_t		 ui_text_wrap(const char *, size_t, u_int, size_t *);
size_t		 ui_text_encode(const wchar_t *, size_t, char *, size_t);
int		 ui_text_wcwidth(wchar_t);
void		 ui_text_fill(WINDOW *, u_int, attr_t, short);
char		*ui_text_clean(const char *, size_t);

/* ui-screen.c */
void		 ui_screen_layout(void);
u_int		 ui_screen_draw(void);
void		 ui_screen_free(void);
attr_t		 ui_screen_attr(enum ui_colour, short *);
void		 ui_screen_colours(void);
short		 ui_screen_nick_pair(const uint8_t *);

/* ui-view.c */
#define UI_NICK_MAX	16		/* nick column at most, in columns */
extern u_int		 ui_view_nick_gen;
struct ui_view	*ui_view_get(struct conv *);
struct ui_view	*ui_view_number(u_int);
void		 ui_view_sync(void);
void		 ui_view_close(struct conv *);
void		 ui_view_open(struct ui_view *);
void		 ui_view_draw(struct ui_view *, WINDOW *);
void		 ui_view_scroll(struct ui_view *, int);
void		 ui_view_top(struct ui_view *);
void		 ui_view_bottom(struct ui_view *);
void		 ui_view_message(struct ui_view *, const struct msg *);
void		 ui_view_state(struct ui_view *, const struct msg *);
void		 ui_view_add(struct ui_view *, enum ui_line_type, const char *);
int		 ui_view_jump(struct ui_view *, int64_t);
int		 ui_view_read(struct ui_view *);
void		 ui_view_clear(struct ui_view *);
void		 ui_view_free_all(void);
const char	*ui_view_name(struct ui_view *);
u_int		 ui_view_unread(struct ui_view *);

/* ui-input.c */
enum ui_edit_op {
	UI_EDIT_ACCEPT,
	UI_EDIT_NEWLINE,
	UI_EDIT_LEFT,
	UI_EDIT_RIGHT,
	UI_EDIT_HOME,
	UI_EDIT_END,
	UI_EDIT_WORD_LEFT,
	UI_EDIT_WORD_RIGHT,
	UI_EDIT_BSPACE,
	UI_EDIT_DELETE,
	UI_EDIT_KILL_END,
	UI_EDIT_KILL_START,
	UI_EDIT_KILL_WORD_BACK,
	UI_EDIT_KILL_WORD_FWD,
	UI_EDIT_YANK,
	UI_EDIT_TRANSPOSE,
	UI_EDIT_HIST_PREV,
	UI_EDIT_HIST_NEXT,
	UI_EDIT_COMPLETE,
	UI_EDIT_COMPLETE_BACK,
	UI_EDIT_CANCEL,
};
void		 ui_input_edit(int);
void		 ui_input_typing(void);
void		 ui_input_paste_key(int);
void		 ui_input_key(int);
void		 ui_input_insert(const wchar_t *, size_t);
void		 ui_input_paste(const char *, size_t);
int		 ui_input_paste_asks(const char *, size_t);
void		 ui_input_draw(WINDOW *);
void		 ui_input_free(void);
void		 ui_input_goto_begin(void);

/* ui-keys.c */
struct ui_key {
	const char	*name;
	int		 key;
	const char	*action;
	void		(*fn)(int);
	int		 arg;
	const char	*help;
};
extern const struct ui_key ui_keys_table[];
void		 ui_keys_feed(const u_char *, size_t);
int		 ui_keys_dispatch(int);
void		 ui_keys_help(void);
void		 ui_keys_reset(void);

/* ui-attach.c */
extern int	 ui_attached;
int		 ui_attach_start(int, char **);
void		 ui_attach_flush(void);
int		 ui_attach_stop(void);
int		 ui_attach_lost(void);
void		 ui_attach_detach(void);
void		 ui_attach_stop_node(void);
void		 ui_attach_quit(void);
void		 ui_attach_quit_key(int);
void		 ui_attach_detach_key(int);
void		 ui_core_run(struct conv *, const char *);
int		 ui_core_send(struct conv *, const char *, char **);
void		 ui_core_read(struct conv *, int64_t);
int		 ui_core_typing(struct peer *, int, char **);
void		 ui_core_search_page(u_int *, u_int *, u_int *);

/* ui-search.c */
void		 ui_search_reset(void);
u_int		 ui_search_add(struct conv *, const struct msg *);
int		 ui_search_goto(const char *);

#endif /* UI_H */
