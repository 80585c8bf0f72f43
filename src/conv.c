/* conv.c: the list of conversations (one per peer, one per room). */

#include "p2pchat.h"

struct convs	convs = TAILQ_HEAD_INITIALIZER(convs);
/* Conversations whose unread count changed since the last commit. */
static TAILQ_HEAD(, conv) conv_unread_queue =
    TAILQ_HEAD_INITIALIZER(conv_unread_queue);

/* Add a conversation loaded from or just made in the store. */
struct conv *
conv_add(int64_t id, int64_t last_read, u_int unread)
{
	struct conv	*c;

	c = xcalloc(1, sizeof *c);
	c->id = id;
	c->last_read = last_read;
	c->unread = c->unread_stored = unread;
	c->shown = 1;
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

/*
 * Open (1) or close (0) a conversation's window, for the next start too
 * (/close; a message that arrives opens it again).
 */
int
conv_set_shown(struct conv *c, int shown, char **cause)
{
	if (store_conv_shown(c->id, shown, cause) != 0)
		return (-1);
	c->shown = shown;
	return (0);
}

/* Open a closed conversation's window again: a message came. */
void
conv_show(struct conv *c)
{
	char	*cause;

	if (!c->shown && conv_set_shown(c, 1, &cause) != 0)
		fe_store_error(__func__, cause);
}

/*
 * Does a conversation get a window? Not once closed, nor a stranger's
 * (its messages are a contact request), nor a blocked peer's.
 */
int
conv_visible(struct conv *c)
{
	if (!c->shown)
		return (0);
	if (c->peer == NULL)
		return (1);
	return (c->peer->trust != TRUST_BLOCKED && !contact_holds(c->peer));
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
	if (store_conv_read(c->id, c->last_read, &cause) != 0) {
		fe_store_error(__func__, cause);
		return;
	}
	c->unread_stored = 0;
}

/*
 * Before a commit: store the unread counts that changed with the messages
 * of the transaction (one row per conversation, not one per message, and
 * only the conversations that had messages: there is one per known peer).
 * A failure is reported; the messages still go.
 */
static void
conv_store_unread(void *arg, int ok)
{
	struct conv	*c;
	char		*cause;

	while ((c = TAILQ_FIRST(&conv_unread_queue)) != NULL) {
		if (ok && c->unread != c->unread_stored) {
			if (store_conv_unread(c->id, c->unread, &cause) != 0) {
				fe_store_error(__func__, cause);
				ok = 0;	/* the others wait for a change */
			} else
				c->unread_stored = c->unread;
		}
		TAILQ_REMOVE(&conv_unread_queue, c, unread_entry);
		c->unread_queued = 0;
	}
}

/* A message arrived unread in c; its count is stored with the commit. */
void
conv_unread_add(struct conv *c)
{
	c->unread++;
	if (c->unread_queued)
		return;
	if (TAILQ_EMPTY(&conv_unread_queue))
		txn_after(TXN_BEFORE, conv_store_unread, NULL);
	c->unread_queued = 1;
	TAILQ_INSERT_TAIL(&conv_unread_queue, c, unread_entry);
}

/* Free every conversation. */
void
conv_free_all(void)
{
	struct conv	*c;

	TAILQ_INIT(&conv_unread_queue);
	while ((c = TAILQ_FIRST(&convs)) != NULL) {
		TAILQ_REMOVE(&convs, c, entry);
		free(c);
	}
}
