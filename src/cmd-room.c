/* cmd-room.c: the room commands: /join, /part, /rooms, /names. */

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

/* The room a command names ([#ROOM], else the open window's), if joined. */
static struct room *
cmd_room_arg(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct room	*r;

	if (argc == 1)
		r = room_find(argv[0]);
	else
		r = ctx->conv != NULL ? ctx->conv->room : NULL;
	if (r == NULL || !r->joined) {
		xasprintf(cause, "not in %s", argc == 1 ? argv[0] :
		    "a room here");
		return (NULL);
	}
	return (r);
}

/* /part [#ROOM] */
int
cmd_part(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct room	*r;
	struct fe_kv	 kv[1];

	if ((r = cmd_room_arg(ctx, argc, argv, cause)) == NULL)
		return (-1);
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
	struct fe_kv	 kv[5];
	char		 id[65];

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || !c->room->joined)
			continue;
		hex_encode(c->room->id, 32, id);
		kv[0] = (struct fe_kv){ "room", c->room->name, 0 };
		kv[1] = (struct fe_kv){ "id", id, 0 };
		kv[2] = (struct fe_kv){ "unread", NULL, c->unread };
		kv[3] = (struct fe_kv){ "links", NULL,
		    room_member_sessions(c->room) };
		kv[4] = (struct fe_kv){ "missing", NULL,
		    room_missing(c->room) };
		fe->item("room", kv, 5);
	}
	fe->done("rooms");
	return (0);
}

/* /names [#ROOM] */
int
cmd_names(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct room	*r;

	if ((r = cmd_room_arg(ctx, argc, argv, cause)) == NULL)
		return (-1);
	if (room_names(r, cause) != 0)
		return (-1);
	fe->done("names");
	return (0);
}
