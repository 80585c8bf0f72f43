/*
 * room.c: rooms and the mesh records (0x30..0x4f). Rooms are not carried
 * yet: this file holds the hooks the rest of the node calls.
 */

#include "p2pchat.h"

struct room {
	char		*name;
	struct conv	*conv;
};

/* A stored room conversation was loaded. */
void
room_loaded(struct conv *c, const char *name, const char *secret, int joined)
{
	struct room	*r;

	r = xcalloc(1, sizeof *r);
	r->name = xstrdup(name);
	r->conv = c;
	c->room = r;
}

/* The name of a room, with its '#'. */
const char *
room_name(struct room *r)
{
	return (r->name);
}

/* Find a joined room's conversation. */
struct conv *
room_conv(const char *name, char **cause)
{
	xasprintf(cause, "not in room %s", name);
	return (NULL);
}

/* Send text to a room. */
int
room_send(struct room *r, const char *text, size_t len, char **cause)
{
	xasprintf(cause, "rooms are not carried yet");
	return (-1);
}

/* Parse a mesh record body: nothing known yet, so ignored. */
int
mesh_parse(uint8_t type, struct buf *b, struct record *r)
{
	return (1);
}

/* Handle a mesh record. */
int
mesh_record(struct session *s, struct record *r)
{
	return (0);
}

/* A session opened or went away. */
void
mesh_session_open(struct session *s)
{
}

void
mesh_session_gone(struct session *s)
{
}

/* Free mesh state at exit. */
void
mesh_shutdown(void)
{
	struct conv	*c;

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room != NULL) {
			free(c->room->name);
			free(c->room);
			c->room = NULL;
		}
	}
}

