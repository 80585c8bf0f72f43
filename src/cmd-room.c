/* cmd-room.c: the room commands: /join, /part, /rooms. */

#include "p2pchat.h"

/* /join #ROOM [SECRET] */
int
cmd_join(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct room	*r;
	struct fe_kv	 kv[2];
	const char	*secret = argc > 1 ? argv[1] : "";
	char		 id[65];

	if ((r = room_join(argv[0], secret, cause)) == NULL)
		return (-1);
	hex_encode(r->id, 32, id);
	kv[0] = (struct fe_kv){ "room", r->name, 0 };
	kv[1] = (struct fe_kv){ "id", id, 0 };
	fe->item("joined", kv, 2);
	if (fe->open_conv != NULL)
		fe->open_conv(r->conv);
	return (0);
}

/* /part [#ROOM] */
int
cmd_part(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct room	*r;
	struct fe_kv	 kv[1];

	if (argc == 1)
		r = room_find(argv[0]);
	else
		r = ctx->conv != NULL ? ctx->conv->room : NULL;
	if (r == NULL || !r->joined) {
		xasprintf(cause, "not in %s", argc == 1 ? argv[0] :
		    "a room here");
		return (-1);
	}
	if (room_part(r, cause) != 0)
		return (-1);
	kv[0] = (struct fe_kv){ "room", r->name, 0 };
	fe->item("parted", kv, 1);
	return (0);
}

/* /rooms */
int
cmd_rooms(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct conv	*c;
	struct fe_kv	 kv[3];
	char		 id[65];

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || !c->room->joined)
			continue;
		hex_encode(c->room->id, 32, id);
		kv[0] = (struct fe_kv){ "room", c->room->name, 0 };
		kv[1] = (struct fe_kv){ "id", id, 0 };
		kv[2] = (struct fe_kv){ "unread", NULL, c->unread };
		fe->item("room", kv, 3);
	}
	fe->done("rooms");
	return (0);
}
