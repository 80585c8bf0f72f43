/*
 * peer.c: known peers: the tree keyed by peer id, trust on first use,
 * naming a peer in a command (id prefix, shown name, nick or number), and
 * the checks that keep a nick from passing for another peer.
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

/*
 * Can a peer's nick be typed as it is to name the peer? Not when it is in
 * conflict, looks like an id prefix or a number, or holds something
 * invisible (peer_name shows those differently).
 */
int
peer_nick_plain(struct peer *p)
{
	return (*p->nick != '\0' && !p->conflict &&
	    !peer_nick_reserved(p->nick) && peer_nick_invisible(p->nick) == 0);
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
		if (store_peer_seen(p->dbid, p->nick, cause) != 0)
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
 * the same or the change was refused (peer_nick_allowed). Taking a nick
 * that is pinned to another key puts this peer in conflict, loudly; it is
 * never merged.
 */
int
peer_set_nick(struct peer *p, const char *nick)
{
	struct peer	*other;
	char		*msg, *cause;

	if (strcmp(p->nick, nick) == 0 || !peer_nick_allowed(p))
		return (0);
	free(p->nick);
	p->nick = xstrdup(nick);
	if (p->conflict || (other = peer_find_nick(nick, p)) == NULL)
		return (1);
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
	return (1);
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
		if ((n = utf8_decode(p + i, len - i, &cp)) < 1) {
			o += snprintf(out + o, size - o, "\\x%02x", p[i]);
			i++;
		} else if (peer_invisible(cp)) {
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
 * The name a user sees for a peer: its nick, or a short id. A nick in
 * conflict, or one that looks like an id prefix or a number, is marked
 * with '?' and the first four digits of the real id; invisible characters
 * are escaped.
 */
const char *
peer_name(struct peer *p)
{
	static char	name[NICK_MAX * 10 + 32];
	char		nick[NICK_MAX * 10 + 16];

	if (*p->nick == '\0') {
		snprintf(name, sizeof name, "%.8s", p->hex);
		return (name);
	}
	if (peer_nick_plain(p))
		return (p->nick);
	peer_nick_escape(p->nick, nick, sizeof nick);
	if (p->conflict || peer_nick_reserved(p->nick))
		snprintf(name, sizeof name, "%s?%.4s", nick, p->hex);
	else
		snprintf(name, sizeof name, "%s", nick);
	return (name);
}

/*
 * Find the peer a user named, in this order: a unique prefix of at least
 * four hex digits of the peer id (nobody can take that by choosing a
 * nick); a name as peer_name shows it where that is not the bare nick
 * ("nick?abcd"); a nick (never one that looks like an id prefix or a
 * number); a number from /peers.
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
		if (*p->nick != '\0' && !peer_nick_plain(p) &&
		    strcmp(peer_name(p), name) == 0)
			return (p);
	}
	if (!peer_nick_reserved(name)) {
		TAILQ_FOREACH(p, &peer_list, list) {
			if (peer_nick_plain(p) && strcmp(p->nick, name) == 0)
				return (p);
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

/*
 * Is a peer a contact: its key verified, one that answered at an address
 * the user gave (-c, bootstrap, /connect), or one we have written to (a
 * message sent in this run, or one of the last PEER_CONTACT_LOOK in its
 * conversation outgoing, looked up once)? Strangers get the smaller quota,
 * are evicted first, and are handed none of our sealed mail. There is no
 * list of contacts yet.
 */
int
peer_contact(struct peer *p)
{
	struct msg_list	 ml;
	char		*cause;
	u_int		 i;

	if (p->trust == TRUST_VERIFIED || p->written || p->dialled)
		return (1);
	if (p->contact_checked || p->conv == NULL)
		return (0);
	p->contact_checked = 1;
	if (store_msg_page(p->conv->id, 0, 0, 0, PEER_CONTACT_LOOK, &ml,
	    &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		return (0);
	}
	for (i = 0; i < ml.n; i++) {
		if (ml.v[i].outgoing)
			p->written = 1;
	}
	msg_list_free(&ml);
	return (p->written);
}
