/*
 * ui-search.c: the results of the last /search or /history, numbered in
 * the console, and /goto N which shows result N in its conversation, in
 * context and highlighted (or /goto NAME, which opens a window).
 */

#include "ui.h"

/* One result: a message in a conversation. */
struct ui_result {
	int64_t		conv;
	int64_t		rowid;
};

static struct ui_result	*ui_search_results;
static u_int		 ui_search_n;

/* Forget the results (a new command is running). */
void
ui_search_reset(void)
{
	free(ui_search_results);
	ui_search_results = NULL;
	ui_search_n = 0;
}

/* Keep a result; returns its number. */
u_int
ui_search_add(struct conv *c, const struct msg *m)
{
	ui_search_results = xreallocarray(ui_search_results, ui_search_n + 1,
	    sizeof *ui_search_results);
	ui_search_results[ui_search_n].conv = c->id;
	ui_search_results[ui_search_n].rowid = m->rowid;
	return (++ui_search_n);
}

/* Open a window by name: exact, then prefix, then anywhere in it. */
static int
ui_search_window(const char *name)
{
	struct ui_view	*v;
	u_int		 i, pass;
	const char	*n;

	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < ui.nviews; i++) {
			v = ui.views[i];
			n = ui_view_name(v);
			if ((pass == 0 && strcasecmp(n, name) == 0) ||
			    (pass == 1 && strncasecmp(n, name,
			    strlen(name)) == 0) ||
			    (pass == 2 && strcasestr(n, name) != NULL)) {
				ui_view_open(v);
				return (0);
			}
		}
	}
	ui_notice(1, "no result or window \"%s\"", name);
	return (-1);
}

/* /goto N|NAME */
int
ui_search_goto(const char *arg)
{
	struct ui_result	*r;
	struct conv		*c;
	struct ui_view		*v;
	char			*end;
	u_long			 n;

	while (*arg == ' ')
		arg++;
	if (*arg == '\0') {
		ui_notice(1, "usage: /goto N (a result of /search or "
		    "/history) or /goto NAME (a window)");
		return (-1);
	}
	n = strtoul(arg, &end, 10);
	if (*end != '\0')
		return (ui_search_window(arg));
	if (n == 0 || n > ui_search_n) {
		if ((v = ui_view_number(n)) != NULL) {
			ui_view_open(v);
			return (0);
		}
		ui_notice(1, "no result %lu (the last search had %u)", n,
		    ui_search_n);
		return (-1);
	}
	r = &ui_search_results[n - 1];
	if ((c = conv_find(r->conv)) == NULL) {
		ui_notice(1, "that conversation is gone");
		return (-1);
	}
	v = ui_view_get(c);
	ui_view_open(v);
	if (ui_view_jump(v, r->rowid) != 0) {
		ui_notice(1, "that message is gone");
		return (-1);
	}
	return (0);
}
