/*
 * cmd.c: the slash commands, one table shared by both frontends. The table
 * gives each command's arguments and help; cmd_run() splits a line, checks
 * the argument count and calls the command. The last argument of a command
 * marked "rest" takes the rest of the line (the text of /msg).
 */

#include "p2pchat.h"

static int	cmd_help(struct cmd_ctx *, int, char **, char **);
static int	cmd_quit(struct cmd_ctx *, int, char **, char **);

const struct cmd_entry cmd_table[] = {
	{ "connect", NULL, "ADDR:PORT", 1, 1, 0, cmd_connect,
	  "Dial a peer; it is redialled with backoff until it answers." },
	{ "msg", "m", "PEER|#ROOM TEXT", 2, 2, 1, cmd_msg,
	  "Send a message to a peer or a room." },
	{ "history", NULL, "PEER|#ROOM [N]", 1, 2, 0, cmd_history,
	  "List the last N messages (default 20), oldest first." },
	{ "search", NULL, "TEXT", 1, 1, 1, cmd_search,
	  "Search every conversation for messages with all these words." },
	{ "peers", NULL, "", 0, 0, 0, cmd_peers,
	  "List known peers with their number, state and address." },
	{ "addresses", NULL, "", 0, 0, 0, cmd_addresses,
	  "List the address book: every known address, best first." },
	{ "query", "q", "PEER|#ROOM", 1, 1, 0, cmd_query,
	  "Open the conversation with a peer or room." },
	{ "typing", NULL, "PEER on|off", 2, 2, 0, cmd_typing,
	  "Tell a peer you are typing, or stopped." },
	{ "nick", NULL, "NAME", 1, 1, 1, cmd_nick,
	  "Change your nick (sent to every peer)." },
	{ "id", NULL, "", 0, 0, 0, cmd_id,
	  "Show your peer id, nick and listen address." },
	{ "verify", NULL, "PEER [yes]", 1, 2, 0, cmd_verify,
	  "Show the safety number shared with a peer; with yes, mark the "
	  "peer verified after you compared it." },
	{ "trust", NULL, "PEER", 1, 1, 0, cmd_trust,
	  "Accept a peer whose key is in conflict, or unblock it." },
	{ "block", NULL, "PEER", 1, 1, 0, cmd_block,
	  "Block a peer: its sessions are refused." },
	{ "join", "j", "#ROOM [SECRET]", 1, 2, 0, cmd_join,
	  "Join a room; only members who give the same secret can read it." },
	{ "part", NULL, "[#ROOM]", 0, 1, 0, cmd_part,
	  "Leave a room (the open one by default); its history is kept." },
	{ "rooms", NULL, "", 0, 0, 0, cmd_rooms,
	  "List the rooms you are in." },
	{ "stats", NULL, "", 0, 0, 0, cmd_stats,
	  "Show session and mesh counters." },
	{ "help", "h", "[COMMAND|keys]", 0, 1, 0, cmd_help,
	  "List commands, or show one command or the key bindings." },
	{ "quit", NULL, "", 0, 0, 0, cmd_quit,
	  "Close every session cleanly and exit." },
	{ NULL, NULL, NULL, 0, 0, 0, NULL, NULL }
};

/* Find a command by name or alias (exact, then unique prefix). */
const struct cmd_entry *
cmd_find(const char *name, char **cause)
{
	const struct cmd_entry	*ce, *found = NULL;
	size_t			 len = strlen(name);

	for (ce = cmd_table; ce->name != NULL; ce++) {
		if (strcmp(ce->name, name) == 0 ||
		    (ce->alias != NULL && strcmp(ce->alias, name) == 0))
			return (ce);
	}
	for (ce = cmd_table; ce->name != NULL; ce++) {
		if (len == 0 || strncmp(ce->name, name, len) != 0)
			continue;
		if (found != NULL) {
			xasprintf(cause, "/%s is ambiguous", name);
			return (NULL);
		}
		found = ce;
	}
	if (found == NULL)
		xasprintf(cause, "unknown command /%s (try /help)", name);
	return (found);
}

/* Split a line into at most max words; with rest, the last takes all. */
static int
cmd_split(char *line, char **argv, int max, int rest)
{
	int	argc = 0;
	char	*p = line;

	while (*p != '\0' && argc < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		argv[argc++] = p;
		if (rest && argc == max)
			break;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	while (*p == ' ' || *p == '\t')
		p++;
	return (*p != '\0' && !rest ? -1 : argc);
}

/* Run one command line (starting with '/'). Errors go to the frontend. */
int
cmd_run(struct cmd_ctx *ctx, const char *line)
{
	const struct cmd_entry	*ce;
	char			*copy, *name, *argv[8], *cause = NULL;
	size_t			 n;
	int			 argc, rc = -1;

	if (*line != '/') {
		fe->error("not a command: commands start with / (try /help)");
		return (-1);
	}
	copy = xstrdup(line + 1);
	n = strcspn(copy, " \t");
	name = copy;
	if (name[n] != '\0')
		name[n++] = '\0';
	if ((ce = cmd_find(name, &cause)) == NULL)
		goto out;
	argc = cmd_split(copy + n, argv, ce->max, ce->rest);
	if (argc < ce->min || argc == -1) {
		xasprintf(&cause, "usage: /%s %s", ce->name, ce->usage);
		goto out;
	}
	argv[argc] = NULL;
	rc = ce->exec(ctx, argc, argv, &cause);
out:
	if (rc != 0 && cause != NULL)
		fe->error(cause);
	free(cause);
	free(copy);
	node_schedule_commit();
	return (rc);
}

/* /help [COMMAND|keys] */
static int
cmd_help(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	const struct cmd_entry	*ce;
	struct fe_kv		 kv[3];

	if (argc == 1 && strcmp(argv[0], "keys") == 0) {
		if (fe->help_keys == NULL) {
			xasprintf(cause, "no key bindings in this frontend");
			return (-1);
		}
		fe->help_keys();
		fe->done("help");
		return (0);
	}
	for (ce = cmd_table; ce->name != NULL; ce++) {
		if (argc == 1 && strcmp(argv[0], ce->name) != 0 &&
		    (ce->alias == NULL || strcmp(argv[0], ce->alias) != 0))
			continue;
		kv[0] = (struct fe_kv){ "command", ce->name, 0 };
		kv[1] = (struct fe_kv){ "usage", ce->usage, 0 };
		kv[2] = (struct fe_kv){ "help", ce->help, 0 };
		fe->item("help", kv, 3);
		if (argc == 1)
			break;
	}
	if (argc == 1 && ce->name == NULL) {
		xasprintf(cause, "no command /%s", argv[0]);
		return (-1);
	}
	fe->done("help");
	return (0);
}

/* /quit */
static int
cmd_quit(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	node_quit();
	return (0);
}
