/*
 * fuzz-command.c: libFuzzer target for the command line, as the headless
 * frontend reads it from standard input (and a script or an attached
 * screen would send it): each line of the input is run by cmd_run against
 * a real store in a temporary profile, with a frontend that prints
 * nothing. /connect (it would resolve and dial) and /quit are left out.
 * After each input the turn's work is run and the transaction committed.
 */

#include "p2pchat.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fz_ready(const char *s) { }
static void	fz_peer(struct peer *p) { }
static void	fz_msg(struct conv *c, const struct msg *m) { }
static void	fz_typing(struct peer *p) { }
static void	fz_text(const char *s) { }
static void	fz_warning(const char *s, struct peer *p) { }
static void	fz_item(const char *s, const struct fe_kv *kv, u_int n) { }
static void	fz_list_peer(struct peer *p, u_int n) { }
static void	fz_list_msg(const char *s, struct conv *c,
		    const struct msg *m) { }
static void	fz_void(void) { }
static void	fz_conv(struct conv *c) { }

static const struct frontend fuzz_frontend = {
	.name = "fuzz",
	.ready = fz_ready,
	.peer = fz_peer,
	.message = fz_msg,
	.state = fz_msg,
	.typing = fz_typing,
	.error = fz_text,
	.warning = fz_warning,
	.item = fz_item,
	.list_peer = fz_list_peer,
	.list_msg = fz_list_msg,
	.done = fz_text,
	.help_keys = fz_void,
	.open_conv = fz_conv,
	.flush = fz_void,
};

/* Make the profile once: a store, an identity, the peers, a base. */
static void
fuzz_init(void)
{
	static char	 dir[] = "/tmp/fuzz-command.XXXXXX";
	char		*path, *cause;

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		abort();
	cfg_reset();
	xasprintf(&path, "%s/p2pchat.db", dir);
	if (store_open(path, &cause) != 0 || identity_load(1, &cause) != 1 ||
	    peer_load(&cause) != 0)
		abort();
	free(path);
	if ((node_base = event_base_new()) == NULL)
		abort();
	fe = &fuzz_frontend;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int			 ready;
	static struct cmd_ctx		 ctx;
	const struct cmd_entry		*ce;
	char				*copy, *line, *next, *name, *cause;
	size_t				 n;

	if (!ready) {
		fuzz_init();
		ready = 1;
	}
	if (size > 65536)
		return (0);
	copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (line = copy; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '/') {
			n = strcspn(line + 1, " \t");
			name = xstrndup(line + 1, n);
			cause = NULL;
			ce = cmd_find(name, &cause);
			free(cause);
			free(name);
			if (ce != NULL && (strcmp(ce->name, "connect") == 0 ||
			    strcmp(ce->name, "quit") == 0))
				continue;
		}
		cmd_run(&ctx, line);
	}
	free(copy);
	txn_shutdown();		/* run what waited, commit, free the queues */
	return (0);
}
