/*
 * module.c: the module table. Each protocol module (and the other parts
 * that live beside the sessions) is one row: what it does when the node
 * starts, when a session opens or closes, at shutdown, and what it counts
 * for /stats. The node and the sessions call these, never a module by
 * name; the records a module handles are rows of the record table
 * (wire.c). Hooks run in the order of the table, shutdown in reverse.
 */

#include "p2pchat.h"

static const struct module *module_table[] = {
	&chat_module,
	&contact_module,
	&pex_module,
	&room_module,
	&relay_module,
	&reach_module,
	&portmap_module,
	&circuit_module,
	&punch_module,
	&lan_module,
	&dht_module,
	&rendezvous_module,
	&index_module,
};

/* Start every module. */
void
module_init(void)
{
	u_int	i;

	for (i = 0; i < nitems(module_table); i++) {
		if (module_table[i]->init != NULL)
			module_table[i]->init();
	}
}

/* A session opened (HELLO was exchanged). */
void
module_session_open(struct session *s)
{
	u_int	i;

	for (i = 0; i < nitems(module_table); i++) {
		if (module_table[i]->session_open != NULL)
			module_table[i]->session_open(s);
	}
}

/* An open session is closing (its peer is still set). */
void
module_session_closed(struct session *s)
{
	u_int	i;

	for (i = 0; i < nitems(module_table); i++) {
		if (module_table[i]->session_closed != NULL)
			module_table[i]->session_closed(s);
	}
}

/* Dials to a known peer's addresses keep failing: modules may help. */
void
module_peer_unreachable(struct peer *p)
{
	u_int	i;

	for (i = 0; i < nitems(module_table); i++) {
		if (module_table[i]->peer_unreachable != NULL)
			module_table[i]->peer_unreachable(p);
	}
}

/* An open session's output drained: modules that pace answers go on. */
void
module_session_drained(struct session *s)
{
	u_int	i;

	for (i = 0; i < nitems(module_table); i++) {
		if (module_table[i]->session_drained != NULL)
			module_table[i]->session_drained(s);
	}
}

/*
 * A direct dial of a known peer at addr ("HOST:PORT") failed (why: the
 * socket's error, or the handshake's): a module may try another way, or
 * say that there is none.
 */
void
module_dial_failed(struct peer *p, const char *addr, const char *why)
{
	u_int	i;

	for (i = 0; i < nitems(module_table); i++) {
		if (module_table[i]->dial_failed != NULL)
			module_table[i]->dial_failed(p, addr, why);
	}
}

/* Stop every module, the last started first. */
void
module_shutdown(void)
{
	u_int	i;

	for (i = nitems(module_table); i > 0; i--) {
		if (module_table[i - 1]->shutdown != NULL)
			module_table[i - 1]->shutdown();
	}
}

/* Collect every module's counters. */
void
module_stats(struct stats *st)
{
	u_int	i;

	for (i = 0; i < nitems(module_table); i++) {
		if (module_table[i]->stats != NULL)
			module_table[i]->stats(st);
	}
}

/*
 * A session that is not a peer's own (a dial-back probe): at
 * MODULE_ASIDE_CLAIM, 1 if a module takes it aside (it is then never
 * admitted); at MODULE_ASIDE_CLOSED, the module forgets it.
 */
int
module_session_aside(struct session *s, int event)
{
	u_int	i;
	int	taken = 0;

	for (i = 0; i < nitems(module_table); i++) {
		if (module_table[i]->session_aside != NULL &&
		    module_table[i]->session_aside(s, event))
			taken = 1;
	}
	return (taken);
}

/*
 * A connection from host was accepted: 1 if a module says this node must
 * start its handshake (both ends dialled it, in a punched simultaneous
 * open, and the other end waits as the responder).
 */
int
module_accept_initiator(const char *host)
{
	u_int	i;

	for (i = 0; i < nitems(module_table); i++) {
		if (module_table[i]->accept_initiator != NULL &&
		    module_table[i]->accept_initiator(host))
			return (1);
	}
	return (0);
}

/*
 * A session that authenticated is refused for want of room (BYE 3 follows):
 * a module may send it one bounded answer first.
 */
void
module_session_refused(struct session *s)
{
	u_int	i;

	for (i = 0; i < nitems(module_table); i++) {
		if (module_table[i]->session_refused != NULL)
			module_table[i]->session_refused(s);
	}
}

/* Add one counter (those past STATS_MAX are dropped). */
void
stats_add(struct stats *st, const char *key, long long value)
{
	if (st->n < nitems(st->v))
		st->v[st->n++] = (struct fe_kv){ key, NULL, value };
}
