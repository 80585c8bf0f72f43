/*
 * index.c: the full-text index of new messages, filled off the message
 * path. New messages are indexed once storing pauses for INDEX_DELAY_MS (a
 * burst is not slowed by it), but no later than INDEX_MAX_MS after the
 * first of them (under steady traffic), in batches of INDEX_BATCH a turn.
 * A search indexes the rest itself first.
 */

#include "p2pchat.h"

#define INDEX_DELAY_MS	1000
#define INDEX_MAX_MS	10000
#define INDEX_BATCH	2000

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

/* Put a batch of new messages into the index; more batches follow. */
static void
index_cb(evutil_socket_t fd, short what, void *arg)
{
	char	*cause;
	int	 more;

	index_busy = 0;
	index_first = 0;
	if (store_index(INDEX_BATCH, &more, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		return;
	}
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
