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
	{ .name = "connect",
	  .usage = "ADDR:PORT|PEERID",
	  .min = 1,
	  .max = 1,
	  .exec = cmd_connect,
	  .help = "Dial a peer; it is redialled with backoff until it answers. "
		  "A peer id (64 hex digits) is looked up on the DHT first."
	},
	{ .name = "lookup",
	  .usage = "PEERID",
	  .min = 1,
	  .max = 1,
	  .exec = cmd_lookup,
	  .help = "Find a peer's record on the DHT: its addresses, the hops "
		  "and the time it took."
	},
	{ .name = "connect-via",
	  .usage = "RELAY PEER",
	  .min = 2,
	  .max = 2,
	  .exec = cmd_connect_via,
	  .help = "Open a session with a peer through a circuit on a relay "
		  "you have a session with."
	},
	{ .name = "msg",
	  .alias = "m",
	  .usage = "PEER|#ROOM TEXT",
	  .min = 2,
	  .max = 2,
	  .rest = 1,
	  .exec = cmd_msg,
	  .help = "Send a message to a peer or a room."
	},
	{ .name = "history",
	  .usage = "PEER|#ROOM [N]",
	  .min = 1,
	  .max = 2,
	  .exec = cmd_history,
	  .help = "List the last N messages (default 20), oldest first."
	},
	{ .name = "search",
	  .usage = "TEXT|-n",
	  .min = 1,
	  .max = 1,
	  .rest = 1,
	  .exec = cmd_search,
	  .help = "Search every conversation for messages with all these "
		  "words, 100 at a time; -n shows the next 100."
	},
	{ .name = "peers",
	  .usage = "",
	  .min = 0,
	  .max = 0,
	  .exec = cmd_peers,
	  .help = "List known peers with their number, state and address."
	},
	{ .name = "addresses",
	  .usage = "",
	  .min = 0,
	  .max = 0,
	  .exec = cmd_addresses,
	  .help = "List the address book: every known address, best first."
	},
	{ .name = "query",
	  .alias = "q",
	  .usage = "PEER|#ROOM",
	  .min = 1,
	  .max = 1,
	  .exec = cmd_query,
	  .help = "Open the conversation with a peer or room."
	},
	{ .name = "typing",
	  .usage = "PEER on|off",
	  .min = 2,
	  .max = 2,
	  .exec = cmd_typing,
	  .help = "Tell a peer you are typing, or stopped."
	},
	{ .name = "nick",
	  .usage = "NAME",
	  .min = 1,
	  .max = 1,
	  .rest = 1,
	  .exec = cmd_nick,
	  .help = "Change your nick (sent to every peer)."
	},
	{ .name = "id",
	  .usage = "",
	  .min = 0,
	  .max = 0,
	  .exec = cmd_id,
	  .help = "Show your peer id, nick and listen address."
	},
	{ .name = "verify",
	  .usage = "PEER [yes]",
	  .min = 1,
	  .max = 2,
	  .exec = cmd_verify,
	  .help = "Show the safety number shared with a peer; with yes, mark "
		  "the peer verified after you compared it."
	},
	{ .name = "trust",
	  .usage = "PEER",
	  .min = 1,
	  .max = 1,
	  .exec = cmd_trust,
	  .help = "Decide for a key: pin one that answered where another "
		  "key is pinned, unblock a blocked one, and make it a "
		  "contact (verified stays verified)."
	},
	{ .name = "block",
	  .usage = "PEER",
	  .min = 1,
	  .max = 1,
	  .exec = cmd_block,
	  .help = "Block a peer: its sessions are refused."
	},
	{ .name = "accept",
	  .usage = "PEER",
	  .min = 1,
	  .max = 1,
	  .exec = cmd_accept,
	  .help = "Make a peer that asks to chat a contact, and show the "
		  "messages held for it."
	},
	{ .name = "decline",
	  .usage = "PEER",
	  .min = 1,
	  .max = 1,
	  .exec = cmd_decline,
	  .help = "Block a peer that asks to chat; what it sent is deleted."
	},
	{ .name = "requests",
	  .usage = "",
	  .min = 0,
	  .max = 0,
	  .exec = cmd_requests,
	  .help = "List the contact requests waiting, with the first message "
		  "of each."
	},
	{ .name = "blocked",
	  .usage = "",
	  .min = 0,
	  .max = 0,
	  .exec = cmd_blocked,
	  .help = "List the blocked keys."
	},
	{ .name = "rename",
	  .usage = "PEER [NAME]",
	  .min = 1,
	  .max = 2,
	  .exec = cmd_rename,
	  .help = "Give a peer a local name, shown in place of its nick and "
		  "taken by commands; without NAME, drop it."
	},
	{ .name = "close",
	  .usage = "[PEER|#ROOM]",
	  .min = 0,
	  .max = 1,
	  .exec = cmd_close,
	  .help = "Close a conversation's window (the open one if none is "
		  "named); its history is kept, and a new message opens it "
		  "again."
	},
	{ .name = "join",
	  .alias = "j",
	  .usage = "#ROOM [SECRET]",
	  .min = 1,
	  .max = 2,
	  .exec = cmd_join,
	  .help = "Join a room; only members who give the same secret can read "
		  "it."
	},
	{ .name = "part",
	  .usage = "[#ROOM]",
	  .min = 0,
	  .max = 1,
	  .exec = cmd_part,
	  .help = "Leave a room (the open one by default); its history is "
		  "kept."
	},
	{ .name = "rooms",
	  .usage = "",
	  .min = 0,
	  .max = 0,
	  .exec = cmd_rooms,
	  .help = "List the rooms you are in."
	},
	{ .name = "names",
	  .usage = "[#ROOM]",
	  .min = 0,
	  .max = 1,
	  .exec = cmd_names,
	  .help = "List a room's members (the open one by default): those "
		  "seen in it in the last 7 days, and who is online."
	},
	{ .name = "stats",
	  .usage = "",
	  .min = 0,
	  .max = 0,
	  .exec = cmd_stats,
	  .help = "Show session and mesh counters."
	},
	{ .name = "help",
	  .alias = "h",
	  .usage = "[COMMAND|keys]",
	  .min = 0,
	  .max = 1,
	  .exec = cmd_help,
	  .help = "List commands, or show one command or the key bindings."
	},
	{ .name = "quit",
	  .usage = "",
	  .min = 0,
	  .max = 0,
	  .exec = cmd_quit,
	  .help = "Close every session cleanly and exit."
	},
	{ .name = NULL }
};

/* An ambiguous prefix: name every command it could mean, in table order. */
static void
cmd_ambiguous(const char *name, char **cause)
{
	const struct cmd_entry	*ce;
	char			*list = NULL, *tmp;
	size_t			 len = strlen(name);

	for (ce = cmd_table; ce->name != NULL; ce++) {
		if (strncmp(ce->name, name, len) != 0)
			continue;
		if (list == NULL)
			xasprintf(&tmp, "/%s", ce->name);
		else
			xasprintf(&tmp, "%s, /%s", list, ce->name);
		free(list);
		list = tmp;
	}
	xasprintf(cause, "\"/%s\" could be %s", name, list);
	free(list);
}

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
			cmd_ambiguous(name, cause);
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

/*
 * p2pchat --list-commands: one command a line, NAME, ALIAS (empty if
 * none), USAGE and HELP, separated by tabs, in /help's order.
 */
void
cmd_table_print(FILE *f)
{
	const struct cmd_entry	*ce;

	for (ce = cmd_table; ce->name != NULL; ce++) {
		fprintf(f, "%s\t%s\t%s\t%s\n", ce->name,
		    ce->alias != NULL ? ce->alias : "", ce->usage, ce->help);
	}
}
