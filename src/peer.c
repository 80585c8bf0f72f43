/*
 * peer.c: known peers: the tree keyed by peer id, contacts, naming a peer
 * in a command (id prefix, local name, shown name, nick or number), and the
 * checks that keep a nick from passing for another peer.
 *
 * A peer is its key. A nick is only what it calls itself: two peers with
 * the same name (their local name, else their nick) are both shown with
 * the first digits of their id, and nothing else changes. What is pinned
 * is an address the user dialled (node.c): another key there is the one
 * loud warning, and that peer is kept apart (conflict) until /trust.
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

/*
 * Is cp a character that shows as nothing, or changes how the text around
 * it is shown: zero width characters, direction marks and overrides, other
 * format characters and fillers? Two nicks that differ only by these look
 * the same.
 */
static int
peer_invisible(uint32_t cp)
{
	static const struct {
		uint32_t	lo;
		uint32_t	hi;
	} ranges[] = {
		{ 0x00ad, 0x00ad },	/* soft hyphen */
		{ 0x034f, 0x034f },	/* combining grapheme joiner */
		{ 0x0600, 0x0605 },	/* Arabic number signs */
		{ 0x061c, 0x061c },	/* Arabic letter mark */
		{ 0x06dd, 0x06dd },
		{ 0x070f, 0x070f },
		{ 0x08e2, 0x08e2 },
		{ 0x115f, 0x1160 },	/* Hangul fillers */
		{ 0x17b4, 0x17b5 },
		{ 0x180b, 0x180f },	/* Mongolian selectors and separator */
		{ 0x200b, 0x200f },	/* zero width space to RLM */
		{ 0x2028, 0x202e },	/* separators, bidi embeddings */
		{ 0x2060, 0x206f },	/* word joiner to bidi isolates */
		{ 0x3164, 0x3164 },	/* Hangul filler */
		{ 0xfe00, 0xfe0f },	/* variation selectors */
		{ 0xfeff, 0xfeff },	/* zero width no-break space */
		{ 0xffa0, 0xffa0 },	/* halfwidth Hangul filler */
		{ 0xfff9, 0xfffb },	/* interlinear annotation */
		{ 0x110bd, 0x110bd },
		{ 0x110cd, 0x110cd },
		{ 0x13430, 0x1343f },	/* Egyptian format controls */
		{ 0x1bca0, 0x1bca3 },	/* shorthand format controls */
		{ 0x1d173, 0x1d17a },	/* musical format controls */
		{ 0xe0000, 0xe0fff },	/* tags, variation selectors */
	};
	u_int	i;

	for (i = 0; i < nitems(ranges); i++) {
		if (cp >= ranges[i].lo && cp <= ranges[i].hi)
			return (1);
	}
	return (0);
}

/*
 * Does a nick look like what a command takes for a peer id prefix or a
 * number from /peers (all digits, or four or more hex digits)?
 */
static int
peer_nick_reserved(const char *nick)
{
	size_t	len = strlen(nick);

	if (len == 0)
		return (0);
	if (nick[strspn(nick, "0123456789")] == '\0')
		return (1);
	return (len >= 4 && nick[strspn(nick, "0123456789abcdefABCDEF")] ==
	    '\0');
}

/* The first invisible character in a nick (valid UTF-8), or 0. */
static uint32_t
peer_nick_invisible(const char *nick)
{
	const u_char	*p = (const u_char *)nick;
	size_t		 len = strlen(nick), i = 0;
	uint32_t	 cp;
	int		 n;

	while (i < len) {
		if ((n = utf8_decode(p + i, len - i, &cp)) < 1)
			return (0);
		if (peer_invisible(cp))
			return (cp);
		i += n;
	}
	return (0);
}

/*
 * Check a nick we are to use ourselves (/nick): 1 to NICK_MAX bytes of
 * printable UTF-8, nothing invisible, and not what a command would take
 * for a peer id prefix or a number.
 */
int
peer_nick_check(const char *nick, char **cause)
{
	size_t		len = strlen(nick);
	uint32_t	cp;

	if (len == 0 || len > NICK_MAX ||
	    !utf8_valid(nick, len, UTF8_NO_CONTROL)) {
		xasprintf(cause, "a nick is 1 to %d bytes of printable UTF-8",
		    NICK_MAX);
		return (-1);
	}
	if (strchr(nick, ' ') != NULL) {
		xasprintf(cause, "a nick cannot hold a space");
		return (-1);
	}
	if ((cp = peer_nick_invisible(nick)) != 0) {
		xasprintf(cause, "a nick cannot hold U+%04X: it is invisible "
		    "or changes the direction of text", (u_int)cp);
		return (-1);
	}
	if (peer_nick_reserved(nick)) {
		xasprintf(cause, "\"%s\" would be taken for a peer id prefix "
		    "or a number from /peers: a nick needs a letter other than "
		    "a to f", nick);
		return (-1);
	}
	return (0);
}

/* The name a peer goes by before it is marked: its local name, or nick. */
static const char *
peer_base(struct peer *p)
{
	return (*p->name != '\0' ? p->name : p->nick);
}

/*
 * Can a peer's name be typed as it is to name the peer? Not when another
 * peer goes by the same name, when it looks like an id prefix or a number,
 * or holds something invisible, a space or a control character (peer_name
 * shows those differently).
 */
int
peer_nick_plain(struct peer *p)
{
	const char	*base = peer_base(p);

	return (*base != '\0' && !p->dup && !peer_nick_reserved(base) &&
	    peer_nick_invisible(base) == 0 &&
	    utf8_valid(base, strlen(base), UTF8_NO_CONTROL) &&
	    strchr(base, ' ') == NULL);
}

/*
 * Work out again which peers going by name share it with another: each
 * of them is shown with a short id. A local name the user gave wins over
 * a nick: the peer named so stays plain, a peer whose nick is that name
 * is marked.
 */
static void
peer_dup_update(const char *name)
{
	struct peer	*p, *q;

	if (*name == '\0')
		return;
	TAILQ_FOREACH(p, &peer_list, list) {
		if (strcmp(peer_base(p), name) != 0)
			continue;
		p->dup = 0;
		TAILQ_FOREACH(q, &peer_list, list) {
			if (q == p || strcmp(peer_base(q), name) != 0)
				continue;
			if (*p->name != '\0' && *q->name == '\0')
				continue;
			p->dup = 1;
			break;
		}
	}
}

/* Order peers by the name they go by (for peer_dup_all). */
static int
peer_base_cmp(const void *a, const void *b)
{
	struct peer	*pa = *(struct peer *const *)a;
	struct peer	*pb = *(struct peer *const *)b;

	return (strcmp(peer_base(pa), peer_base(pb)));
}

/* Mark every peer that shares its name, once the peers are loaded. */
static void
peer_dup_all(void)
{
	struct peer	**v, *p;
	u_int		  n = 0, i, j;

	TAILQ_FOREACH(p, &peer_list, list)
		n++;
	if (n == 0)
		return;
	v = xreallocarray(NULL, n, sizeof *v);
	i = 0;
	TAILQ_FOREACH(p, &peer_list, list)
		v[i++] = p;
	qsort(v, n, sizeof *v, peer_base_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && peer_base_cmp(&v[i], &v[j]) == 0; j++)
			;
		if (j - i > 1)
			peer_dup_update(peer_base(v[i]));
	}
	free(v);
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
	p->name = xstrdup("");
	p->request_addr = xstrdup("");
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
	p->contact = pr->contact;
	free(p->name);
	p->name = xstrdup(pr->name != NULL ? pr->name : "");
	p->request = pr->request;
	free(p->request_addr);
	p->request_addr = xstrdup(pr->request_addr != NULL ?
	    pr->request_addr : "");
}

/* Loader callback: one stored conversation, linked to its peer. */
static void
peer_load_conv(const struct conv_row *cr, void *arg)
{
	struct conv	*c;
	struct peer	*p;

	if (arg != NULL && conv_find(cr->id) != NULL)
		return;		/* peer_mirror_convs: known already */
	c = conv_add(cr->id, cr->last_read, cr->unread);
	c->shown = cr->shown;
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

/*
 * An attached screen met a conversation it does not know (a room joined
 * since it attached): add the ones the store has now.
 */
int
peer_mirror_convs(char **cause)
{
	static int	 only_new;

	return (store_conv_load(peer_load_conv, &only_new, cause));
}

/* Load peers and conversations from the store. */
int
peer_load(char **cause)
{
	if (store_peer_load(peer_load_one, NULL, cause) != 0)
		return (-1);
	peer_dup_all();
	return (store_conv_load(peer_load_conv, NULL, cause));
}

/*
 * An attached screen's copy of a peer its node told it of: found or made,
 * with the nick the node knows it by.
 */
struct peer *
peer_mirror(const uint8_t *id, const char *nick)
{
	struct peer	*p;

	if ((p = peer_find(id)) == NULL)
		p = peer_create(id, 0, nick);
	else if (strcmp(p->nick, nick) != 0) {
		free(p->nick);
		p->nick = xstrdup(nick);
	} else
		return (p);
	peer_dup_all();
	return (p);
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
		free(p->name);
		free(p->request_addr);
		free(p->addr);
		free(p->dial_host);
		msg_list_free(&p->fresh);
		free(p);
	}
	conv_free_all();
}

/*
 * A session authenticated peer id with nick. Return its peer, adding a
 * new one on first sight. A nick says nothing about who a peer is: a new
 * key with a known nick is only another peer of that name.
 */
struct peer *
peer_authenticated(const uint8_t *id, const char *nick, char **cause)
{
	struct peer	*p;
	int64_t		 dbid, conv;

	if ((p = peer_find(id)) != NULL) {
		peer_set_nick(p, nick);
		p->last_seen = now_ms();
		if (store_peer_seen(p->dbid, p->nick, cause) != 0)
			return (NULL);
		return (p);
	}
	if (store_peer_add(id, nick, 0, &dbid, &conv, cause) != 0)
		return (NULL);
	p = peer_create(id, dbid, nick);
	p->last_seen = now_ms();
	p->conv = conv_add(conv, 0, 0);
	p->conv->peer = p;
	peer_dup_update(nick);
	return (p);
}

/*
 * Whether a peer may change its nick now: at most PEER_NICK_CHANGES times
 * in PEER_NICK_WINDOW_MS, counted for the peer (not the session, so
 * reconnecting does not reset it). A change beyond that is ignored and
 * logged once a window: the nick is only a label, and each change costs a
 * row written and an event shown, so a peer that sent 50,000 HELLOs grew
 * the log by 391 MB.
 */
static int
peer_nick_allowed(struct peer *p)
{
	int64_t	now = mono_us() / 1000;

	if (p->nick_changes == 0 || now - p->nick_window >=
	    PEER_NICK_WINDOW_MS || now < p->nick_window) {
		p->nick_window = now;
		p->nick_changes = 0;
	}
	if (p->nick_changes < PEER_NICK_CHANGES) {
		p->nick_changes++;
		return (1);
	}
	if (p->nick_changes == PEER_NICK_CHANGES) {
		p->nick_changes++;	/* logged once a window */
		log_info("%s: %s changed nick more than %d times in %d s; "
		    "keeping \"%s\"", __func__, p->hex, PEER_NICK_CHANGES,
		    PEER_NICK_WINDOW_MS / 1000, p->nick);
	}
	return (0);
}

/*
 * A known peer now calls itself nick: 1 if its nick changed, 0 if it was
 * the same or the change was refused (peer_nick_allowed). The frontend
 * hears the old nick, to say so where the peer is seen; trust does not
 * change.
 */
int
peer_set_nick(struct peer *p, const char *nick)
{
	char	*old;

	if (strcmp(p->nick, nick) == 0 || !peer_nick_allowed(p))
		return (0);
	old = p->nick;
	p->nick = xstrdup(nick);
	peer_dup_update(old);
	peer_dup_update(nick);
	if (*old != '\0' && fe->renamed != NULL)
		fe->renamed(p, old);
	free(old);
	return (1);
}

/*
 * Give a peer a local name ("" to drop it): it wins over the nick on this
 * screen and in commands, and no two peers have the same.
 */
int
peer_rename(struct peer *p, const char *name, char **cause)
{
	struct peer	*q;
	char		*old;

	if (*name != '\0') {
		if (peer_nick_check(name, cause) != 0)
			return (-1);
		TAILQ_FOREACH(q, &peer_list, list) {
			if (q != p && strcmp(q->name, name) == 0) {
				xasprintf(cause, "%.8s is named \"%s\" already",
				    q->hex, name);
				return (-1);
			}
		}
	}
	if (store_peer_name(p->dbid, name, cause) != 0)
		return (-1);
	old = xstrdup(peer_base(p));
	free(p->name);
	p->name = xstrdup(name);
	peer_dup_update(old);
	peer_dup_update(peer_base(p));
	free(old);
	return (0);
}

/*
 * A nick as shown (into out, size bytes): each invisible character is
 * escaped as \uXXXX or \UXXXXXXXX so that "bob" and "bob" with a zero
 * width space do not look alike, and a direction override cannot turn the
 * rest of the line around.
 */
static void
peer_nick_escape(const char *nick, char *out, size_t size)
{
	const u_char	*p = (const u_char *)nick;
	size_t		 len = strlen(nick), i = 0, o = 0;
	uint32_t	 cp;
	int		 n;

	while (i < len && o + 11 < size) {
		if ((n = utf8_decode(p + i, len - i, &cp)) < 1 || cp < 0x21 ||
		    cp == 0x7f) {
			o += snprintf(out + o, size - o, "\\x%02x", p[i]);
			i++;
		} else if (peer_invisible(cp) || (cp >= 0x80 && cp < 0xa0)) {
			o += snprintf(out + o, size - o, cp > 0xffff ?
			    "\\U%08x" : "\\u%04x", (u_int)cp);
			i += n;
		} else {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
}

/*
 * The name a user sees for a peer: its local name, else its nick, else a
 * short id. A name another peer goes by too, or one that looks like an id
 * prefix or a number, is marked with '?' and the first four digits of the
 * real id; invisible characters, spaces and controls are escaped.
 */
const char *
peer_name(struct peer *p)
{
	static char	 name[NICK_MAX * 10 + 32];
	char		 nick[NICK_MAX * 10 + 16];
	const char	*base = peer_base(p);

	if (*base == '\0') {
		snprintf(name, sizeof name, "%.8s", p->hex);
		return (name);
	}
	if (peer_nick_plain(p))
		return (base);
	peer_nick_escape(base, nick, sizeof nick);
	if (p->dup || peer_nick_reserved(base))
		snprintf(name, sizeof name, "%s?%.4s", nick, p->hex);
	else
		snprintf(name, sizeof name, "%s", nick);
	return (name);
}

/*
 * The name a user sees for a line p wrote under an older nick: the local
 * name if the user gave one, else that nick, escaped as peer_name does.
 */
const char *
peer_name_as(struct peer *p, const char *nick)
{
	static char	name[NICK_MAX * 10 + 16];

	if (*p->name != '\0' || *nick == '\0')
		return (peer_name(p));
	peer_nick_escape(nick, name, sizeof name);
	return (name);
}

/*
 * Find the peer a user named, in this order: a unique prefix of at least
 * four hex digits of the peer id (nobody can take that by choosing a
 * nick); a local name; a name as peer_name shows it where that is not the
 * bare name ("nick?abcd"); a nick that only one peer has (never one that
 * looks like an id prefix or a number); a number from /peers.
 */
struct peer *
peer_resolve(const char *name, char **cause)
{
	struct peer	*p, *found = NULL;
	size_t		 len = strlen(name);
	u_int		 n, i;

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
	TAILQ_FOREACH(p, &peer_list, list) {
		if (*p->name != '\0' && strcmp(p->name, name) == 0)
			return (p);
	}
	TAILQ_FOREACH(p, &peer_list, list) {
		if (*peer_base(p) != '\0' && !peer_nick_plain(p) &&
		    strcmp(peer_name(p), name) == 0)
			return (p);
	}
	if (!peer_nick_reserved(name)) {
		TAILQ_FOREACH(p, &peer_list, list) {
			if (peer_nick_plain(p) && strcmp(p->nick, name) == 0)
				return (p);
		}
		n = 0;
		TAILQ_FOREACH(p, &peer_list, list) {
			if (strcmp(p->nick, name) == 0)
				n++;
		}
		if (n > 1) {
			xasprintf(cause, "%u peers call themselves \"%s\": "
			    "give 4+ hex digits of the id (/peers)", n, name);
			return (NULL);
		}
	}
	if (len > 0 && len < 6 && name[strspn(name, "0123456789")] == '\0') {
		n = (u_int)strtoul(name, NULL, 10);
		i = 1;
		TAILQ_FOREACH(p, &peer_list, list) {
			if (i++ == n)
				return (p);
		}
	}
	xasprintf(cause, "no peer \"%s\" (give 4+ hex digits of a peer id, "
	    "a nick or a number from /peers)", name);
	return (NULL);
}

/* Is the peer connected now? */
int
peer_online(struct peer *p)
{
	if (p->session == NULL)
		return (p->mirror_online);
	return (p->session->state == SESSION_OPEN);
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

/* Whether a peer is a contact, asks to be one, or neither, as a word. */
const char *
peer_contact_name(struct peer *p)
{
	if (peer_contact(p))
		return ("contact");
	if (p->request != 0)
		return ("request");
	return ("stranger");
}

/*
 * May a peer's address be handed on in peer exchange? Not a blocked
 * peer's, one kept apart, or one whose contact request waits.
 */
int
peer_shareable(struct peer *p)
{
	return (p->trust != TRUST_BLOCKED && !p->conflict && p->request == 0);
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

/*
 * Is a peer a contact: one the user dialled at an address of their own
 * (-c, bootstrap, /connect), accepted, wrote to, or verified? Strangers'
 * messages are held as contact requests ([node] accept = contacts), they
 * get the smaller quota, are evicted first, and are handed none of our
 * sealed mail. A key kept apart at a pinned address is no contact until
 * the user trusts it.
 */
int
peer_contact(struct peer *p)
{
	if (p->conflict || p->trust == TRUST_BLOCKED)
		return (0);
	return (p->contact || p->trust == TRUST_VERIFIED);
}

/*
 * Set a peer's trust, by the user's own command (/verify yes, /trust,
 * /block): nothing else changes it. A key kept apart at an address the
 * user dialled is pinned there in place of the other, once trusted.
 */
int
peer_set_trust(struct peer *p, int trust, char **cause)
{
	if (trust != TRUST_BLOCKED && p->conflict &&
	    store_addr_repin(p->dbid, cause) != 0)
		return (-1);
	if (store_peer_trust(p->dbid, trust, cause) != 0)
		return (-1);
	p->trust = trust;
	if (trust != TRUST_BLOCKED)
		p->conflict = 0;
	return (0);
}

/* Find a peer by its row id in the store. */
struct peer *
peer_find_dbid(int64_t dbid)
{
	struct peer	*p;

	TAILQ_FOREACH(p, &peer_list, list) {
		if (p->dbid == dbid)
			return (p);
	}
	return (NULL);
}

/* Make a peer a contact (the user wrote to it, dialled it, accepted it). */
void
peer_make_contact(struct peer *p)
{
	char	*cause;

	if (p->contact)
		return;
	p->contact = 1;
	if (store_peer_contact(p->dbid, 1, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
	}
}
