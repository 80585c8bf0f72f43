/*
 * index.c: the full-text index of new messages, filled off the message
 * path. New messages are indexed once storing pauses for INDEX_DELAY_MS (a
 * burst is not slowed by it), but no later than INDEX_MAX_MS after the
 * first of them (under steady traffic), INDEX_CHUNK rows at a time for
 * at most INDEX_TURN_US a turn (or INDEX_BATCH rows), so that a batch
 * never holds up the loop: a screen attaching to a node that indexes a
 * million messages it was given waited for batches of 2000 rows, 15 to
 * 60 ms each. A search indexes the rest itself first.
 */

#include "p2pchat.h"

#define INDEX_DELAY_MS	1000
#define INDEX_MAX_MS	10000
#define INDEX_BATCH	2000	/* rows a turn, at most */
#define INDEX_CHUNK	200	/* rows a step */
#define INDEX_TURN_US	3000	/* a turn's indexing, at most */

static struct event	*index_ev;
static int64_t		 index_first;	/* first unindexed, stored (ms) */
static int		 index_busy;	/* batches follow */

/* New messages were committed: index them a little later. */
void
index_later(void)
{
	int64_t	now, at;

	if (index_ev == NULL || index_busy)
		return;
	now = mono_us() / 1000;
	if (index_first == 0)
		index_first = now;
	at = now + INDEX_DELAY_MS;
	if (at > index_first + INDEX_MAX_MS) {
		if (evtimer_pending(index_ev, NULL))
			return;
		at = now;
	}
	timer_add_ms(index_ev, at - now);
}

/*
 * Put a batch of new messages into the index, as many as fit in
 * INDEX_TURN_US; more batches follow.
 */
static void
index_cb(evutil_socket_t fd, short what, void *arg)
{
	char	*cause;
	int	 more;
	int64_t	 start = mono_us();
	u_int	 done = 0;

	index_busy = 0;
	index_first = 0;
	do {
		if (store_index(INDEX_CHUNK, &more, &cause) != 0) {
			log_warnx("%s: %s", __func__, cause);
			free(cause);
			return;
		}
		done += INDEX_CHUNK;
	} while (more && done < INDEX_BATCH &&
	    mono_us() - start < INDEX_TURN_US);
	if (more) {
		index_busy = 1;
		timer_add_ms(index_ev, 10);
	}
}

/* Make the timer; index what an earlier run left unindexed. */
static void
index_init(void)
{
	index_ev = evtimer_new(node_base, index_cb, NULL);
	if (store_take_added())
		index_later();
}

/* Free the timer. */
static void
index_shutdown(void)
{
	if (index_ev != NULL)
		event_free(index_ev);
	index_ev = NULL;
	index_first = 0;
	index_busy = 0;
}

const struct module index_module = {
	.name = "index",
	.init = index_init,
	.shutdown = index_shutdown,
};
