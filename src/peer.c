/*
 * peer.c: known peers: the tree keyed by peer id, trust on first use, and
 * naming a peer in a command (nick, id prefix or number).
 */

#include "p2pchat.h"

struct peer_tree	peer_tree = RB_INITIALIZER(&peer_tree);
struct peer_list	peer_list = TAILQ_HEAD_INITIALIZER(peer_list);

/* Order peers by id. */
static int
peer_cmp(struct peer *a, struct peer *b)
{
	return (memcmp(a->id, b->id, PEER_ID_LEN));
}
RB_GENERATE_STATIC(peer_tree, peer, entry, peer_cmp);

/* Find a peer by id. */
struct peer *
peer_find(const uint8_t *id)
{
	struct peer	find;

	memcpy(find.id, id, PEER_ID_LEN);
	return (RB_FIND(peer_tree, &peer_tree, &find));
}

/* Find a peer with a given nick that is not in conflict. */
static struct peer *
peer_find_nick(const char *nick, struct peer *except)
{
	struct peer	*p;

	TAILQ_FOREACH(p, &peer_list, list) {
		if (p != except && !p->conflict && strcmp(p->nick, nick) == 0)
			return (p);
	}
	return (NULL);
}

/* Make a peer object and link it in. */
static struct peer *
peer_create(const uint8_t *id, int64_t dbid, const char *nick)
{
	struct peer	*p;

	p = xcalloc(1, sizeof *p);
	memcpy(p->id, id, PEER_ID_LEN);
	hex_encode(id, PEER_ID_LEN, p->hex);
	p->dbid = dbid;
	p->nick = xstrdup(nick);
	RB_INSERT(peer_tree, &peer_tree, p);
	TAILQ_INSERT_TAIL(&peer_list, p, list);
	return (p);
}

/* Loader callback: one stored peer. */
static void
peer_load_one(const struct peer_row *pr, void *arg)
{
	struct peer	*p;

	p = peer_create(pr->id, pr->dbid, pr->nick ? pr->nick : "");
	p->trust = pr->trust;
	p->conflict = pr->conflict;
	p->last_seen = pr->last_seen;
}

/* Loader callback: one stored conversation, linked to its peer. */
static void
peer_load_conv(const struct conv_row *cr, void *arg)
{
	struct conv	*c;
	struct peer	*p;

	c = conv_add(cr->id, cr->last_read, cr->unread);
	if (cr->room != NULL) {
		room_loaded(c, cr->room, cr->secret, cr->joined);
		return;
	}
	TAILQ_FOREACH(p, &peer_list, list) {
		if (p->dbid == cr->peer) {
			p->conv = c;
			c->peer = p;
			break;
		}
	}
}

/* Load peers and conversations from the store. */
int
peer_load(char **cause)
{
	if (store_peer_load(peer_load_one, NULL, cause) != 0)
		return (-1);
	return (store_conv_load(peer_load_conv, NULL, cause));
}

/* Free every peer. */
void
peer_free_all(void)
{
	struct peer	*p;

	while ((p = TAILQ_FIRST(&peer_list)) != NULL) {
		TAILQ_REMOVE(&peer_list, p, list);
		RB_REMOVE(peer_tree, &peer_tree, p);
		if (p->redial != NULL)
			event_free(p->redial);
		free(p->nick);
		free(p->addr);
		free(p->dial_host);
		msg_list_free(&p->fresh);
		free(p);
	}
	conv_free_all();
}

/*
 * A session authenticated peer id with nick. Return its peer, pinning a
 * new one on first use. A new key under a nick that is already pinned to
 * another key is kept apart and marked in conflict; a warning is shown.
 */
struct peer *
peer_authenticated(const uint8_t *id, const char *nick, char **cause)
{
	struct peer	*p, *other;
	int64_t		 dbid, conv;
	int		 conflict;
	char		*msg;

	if ((p = peer_find(id)) != NULL) {
		peer_set_nick(p, nick);
		p->last_seen = now_ms();
		if (store_peer_seen(p->dbid, nick, cause) != 0)
			return (NULL);
		return (p);
	}
	other = peer_find_nick(nick, NULL);
	conflict = other != NULL;
	if (store_peer_add(id, nick, conflict, &dbid, &conv, cause) != 0)
		return (NULL);
	p = peer_create(id, dbid, nick);
	p->conflict = conflict;
	p->last_seen = now_ms();
	p->conv = conv_add(conv, 0, 0);
	p->conv->peer = p;
	if (conflict) {
		xasprintf(&msg, "KEY CHANGED? \"%s\" arrived with a new key "
		    "%.16s; the pinned key is %.16s. Kept apart as a "
		    "separate peer: verify both safety numbers", nick, p->hex,
		    other->hex);
		fe->warning(msg, p);
		log_warnx("%s: %s", __func__, msg);
		free(msg);
	}
	return (p);
}

/*
 * A known peer now calls itself nick. Taking a nick that is pinned to
 * another key puts this peer in conflict, loudly; it is never merged.
 */
void
peer_set_nick(struct peer *p, const char *nick)
{
	struct peer	*other;
	char		*msg, *cause;

	if (strcmp(p->nick, nick) == 0)
		return;
	free(p->nick);
	p->nick = xstrdup(nick);
	if (p->conflict || (other = peer_find_nick(nick, p)) == NULL)
		return;
	p->conflict = 1;
	if (store_peer_conflict(p->dbid, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
	xasprintf(&msg, "KEY CHANGED? peer %.16s now calls itself \"%s\", a "
	    "nick pinned to key %.16s. Kept apart: verify both safety "
	    "numbers", p->hex, nick, other->hex);
	fe->warning(msg, p);
	log_warnx("%s: %s", __func__, msg);
	free(msg);
}

/* The name a user sees for a peer: its nick, or a short id. */
const char *
peer_name(struct peer *p)
{
	static char	name[NICK_MAX + 32];

	if (p->conflict)
		snprintf(name, sizeof name, "%s?%.4s", p->nick, p->hex);
	else if (*p->nick != '\0')
		return (p->nick);
	else
		snprintf(name, sizeof name, "%.8s", p->hex);
	return (name);
}

/*
 * Find the peer a user named: a number from /peers, a nick, or a unique
 * prefix of at least four hex digits of the peer id.
 */
struct peer *
peer_resolve(const char *name, char **cause)
{
	struct peer	*p, *found = NULL;
	size_t		 len = strlen(name);
	u_int		 n, i;
	char		*end;

	if (len > 0 && len < 6 && name[strspn(name, "0123456789")] == '\0') {
		n = (u_int)strtoul(name, &end, 10);
		i = 1;
		TAILQ_FOREACH(p, &peer_list, list) {
			if (i++ == n)
				return (p);
		}
		/* Not a number in /peers: it may be a nick or an id prefix. */
	}
	if ((p = peer_find_nick(name, NULL)) != NULL)
		return (p);
	TAILQ_FOREACH(p, &peer_list, list) {
		if (strcmp(peer_name(p), name) == 0)
			return (p);
	}
	if (len >= 4 && len <= PEER_HEX_LEN &&
	    name[strspn(name, "0123456789abcdefABCDEF")] == '\0') {
		TAILQ_FOREACH(p, &peer_list, list) {
			if (strncasecmp(p->hex, name, len) != 0)
				continue;
			if (found != NULL) {
				xasprintf(cause, "\"%s\" matches more than one"
				    " peer id", name);
				return (NULL);
			}
			found = p;
		}
		if (found != NULL)
			return (found);
	}
	xasprintf(cause, "no peer \"%s\" (give a nick, a number from /peers "
	    "or 4+ hex digits of a peer id)", name);
	return (NULL);
}

/* Is the peer connected now? */
int
peer_online(struct peer *p)
{
	return (p->session != NULL && p->session->state == SESSION_OPEN);
}

/* Count peers online. */
u_int
peer_count_online(void)
{
	struct peer	*p;
	u_int		 n = 0;

	TAILQ_FOREACH(p, &peer_list, list) {
		if (peer_online(p))
			n++;
	}
	return (n);
}

/* The trust state of a peer as a word. */
const char *
peer_trust_name(struct peer *p)
{
	if (p->trust == TRUST_BLOCKED)
		return ("blocked");
	if (p->conflict)
		return ("key-changed");
	if (p->trust == TRUST_VERIFIED)
		return ("verified");
	return ("unverified");
}

/*
 * A peer known only by id (a relayed message's author, or an id typed in
 * /msg): find it, or add it with no nick until it connects.
 */
struct peer *
peer_learn(const uint8_t *id, char **cause)
{
	struct peer	*p;
	int64_t		 dbid, conv;

	if ((p = peer_find(id)) != NULL)
		return (p);
	if (store_peer_add(id, "", 0, &dbid, &conv, cause) != 0)
		return (NULL);
	p = peer_create(id, dbid, "");
	p->conv = conv_add(conv, 0, 0);
	p->conv->peer = p;
	return (p);
}
