/* cmd-chat.c: commands about messages: /msg, /history, /search, /query. */

#include "p2pchat.h"

/* Find the conversation a user named: a peer, or a #room. */
struct conv *
cmd_conv(const char *name, char **cause)
{
	struct peer	*p;

	uint8_t		 id[PEER_ID_LEN];

	if (*name == '#')
		return (room_conv(name, cause));
	if ((p = peer_resolve(name, cause)) != NULL)
		return (p->conv);
	/* A whole peer id reaches a peer never met (through relays). */
	if (hex_decode(name, id, sizeof id) == 0) {
		free(*cause);
		*cause = NULL;
		if (identity != NULL && memcmp(id, identity->ed_pk,
		    PEER_ID_LEN) == 0) {
			xasprintf(cause, "that is your own peer id");
			return (NULL);
		}
		if ((p = peer_learn(id, cause)) != NULL)
			return (p->conv);
	}
	return (NULL);
}

/* Send text to a conversation (a peer or a room). */
int
cmd_send(struct conv *c, const char *text, char **cause)
{
	if (c->peer != NULL)
		return (chat_send(c->peer, text, strlen(text), cause));
	return (room_send(c->room, text, strlen(text), cause));
}

/* /msg PEER|#ROOM TEXT */
int
cmd_msg(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct conv	*c;

	if ((c = cmd_conv(argv[0], cause)) == NULL)
		return (-1);
	return (cmd_send(c, argv[1], cause));
}

/* /history PEER|#ROOM [N] */
int
cmd_history(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct conv	*c;
	struct msg_list	 ml;
	char		*end;
	long		 n = 20;
	u_int		 i;

	if ((c = cmd_conv(argv[0], cause)) == NULL)
		return (-1);
	if (argc == 2) {
		errno = 0;
		n = strtol(argv[1], &end, 10);
		if (*end != '\0' || errno != 0 || n < 1 || n > 100000) {
			xasprintf(cause, "N must be a number from 1 to 100000");
			return (-1);
		}
	}
	if (store_msg_page(c->id, 0, 0, 0, (u_int)n, &ml, cause) != 0)
		return (-1);
	for (i = ml.n; i > 0; i--)
		fe->list_msg("history", c, &ml.v[i - 1]);
	msg_list_free(&ml);
	fe->done("history");
	return (0);
}

/* The last /search, for /search -n. */
#define CMD_SEARCH_PAGE	100
static char	*cmd_search_text;
static u_int	 cmd_search_first;	/* matches before those shown */
static u_int	 cmd_search_shown;
static u_int	 cmd_search_total;

/* Where the last /search got to: first shown, how many, of how many. */
void
cmd_search_page(u_int *first, u_int *shown, u_int *total)
{
	*first = cmd_search_first;
	*shown = cmd_search_shown;
	*total = cmd_search_total;
}

/* /search TEXT, or /search -n: the next page of the last one. */
int
cmd_search(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct msg_list	 ml;
	struct conv	*c;
	u_int		 i, offset = 0, total;

	if (strcmp(argv[0], "-n") == 0) {
		if (cmd_search_text == NULL) {
			xasprintf(cause, "no search to go on with: "
			    "/search TEXT first");
			return (-1);
		}
		offset = cmd_search_first + cmd_search_shown;
		if (offset >= cmd_search_total) {
			xasprintf(cause, "no more matches: all %u were shown",
			    cmd_search_total);
			return (-1);
		}
	} else {
		free(cmd_search_text);
		cmd_search_text = xstrdup(argv[0]);
	}
	if (store_msg_search_from(cmd_search_text, offset, CMD_SEARCH_PAGE,
	    &ml, &total, cause) != 0)
		return (-1);
	cmd_search_first = offset;
	cmd_search_shown = ml.n;
	cmd_search_total = total;
	for (i = 0; i < ml.n; i++) {
		if ((c = conv_find(ml.v[i].conv)) != NULL)
			fe->list_msg("history", c, &ml.v[i]);
	}
	msg_list_free(&ml);
	fe->done("search");
	return (0);
}

/* /query PEER|#ROOM */
int
cmd_query(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct conv	*c;

	if ((c = cmd_conv(argv[0], cause)) == NULL)
		return (-1);
	if (fe->open_conv != NULL)
		fe->open_conv(c);
	ctx->conv = c;
	return (0);
}

/*
 * /close [PEER|#ROOM]: close a conversation's window (the open one if none
 * is named). Its history is kept; a new message opens it again.
 */
int
cmd_close(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct conv	*c;
	struct fe_kv	 kv[1];

	if (argc == 1) {
		if ((c = cmd_conv(argv[0], cause)) == NULL)
			return (-1);
	} else if ((c = ctx->conv) == NULL) {
		xasprintf(cause, "usage: /close PEER|#ROOM (the console stays)");
		return (-1);
	}
	if (conv_set_shown(c, 0, cause) != 0)
		return (-1);
	kv[0] = (struct fe_kv){ "conversation", conv_name(c), 0 };
	fe->item("closed", kv, 1);
	if (fe->close_conv != NULL)
		fe->close_conv(c);
	return (0);
}
