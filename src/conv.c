/* conv.c: the list of conversations (one per peer, one per room). */

#include "p2pchat.h"

struct convs	convs = TAILQ_HEAD_INITIALIZER(convs);

/* Add a conversation loaded from or just made in the store. */
struct conv *
conv_add(int64_t id, int64_t last_read, u_int unread)
{
	struct conv	*c;

	c = xcalloc(1, sizeof *c);
	c->id = id;
	c->last_read = last_read;
	c->unread = c->unread_stored = unread;
	TAILQ_INSERT_TAIL(&convs, c, entry);
	return (c);
}

/* Find a conversation by its row id. */
struct conv *
conv_find(int64_t id)
{
	struct conv	*c;

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->id == id)
			return (c);
	}
	return (NULL);
}

/* The name of a conversation: the peer's name or the room's. */
const char *
conv_name(struct conv *c)
{
	if (c->peer != NULL)
		return (peer_name(c->peer));
	if (c->room != NULL)
		return (room_name(c->room));
	return ("?");
}

/* Mark everything up to message row id as read, and store it. */
void
conv_mark_read(struct conv *c, int64_t rowid)
{
	char	*cause;

	if (rowid <= c->last_read && c->unread == 0)
		return;
	c->unread = 0;
	if (rowid > c->last_read)
		c->last_read = rowid;
	if (store_begin(&cause) != 0 ||
	    store_conv_read(c->id, c->last_read, &cause) != 0) {
		fe_store_error(__func__, cause);
		return;
	}
	c->unread_stored = 0;
	node_schedule_commit();
}

/*
 * Before a commit: store the unread counts that changed with the messages
 * of the transaction (one row per conversation, not one per message).
 */
int
conv_store_unread(char **cause)
{
	struct conv	*c;

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->unread == c->unread_stored)
			continue;
		if (store_begin(cause) != 0 ||
		    store_conv_unread(c->id, c->unread, cause) != 0)
			return (-1);
		c->unread_stored = c->unread;
	}
	return (0);
}

/* Free every conversation. */
void
conv_free_all(void)
{
	struct conv	*c;

	while ((c = TAILQ_FIRST(&convs)) != NULL) {
		TAILQ_REMOVE(&convs, c, entry);
		free(c);
	}
}
