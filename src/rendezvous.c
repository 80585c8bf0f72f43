/*
 * rendezvous.c: room members find each other on the DHT. For each room
 * this node is in, it announces its listen port on an info hash that only
 * members can compute (a keyed BLAKE2b of the UTC day under the room key:
 * the room's id never goes into the DHT), looks the hash up with get_peers
 * and dials the members it finds while it has fewer sessions with them
 * than it wants. Lookups are paced per room: sooner while nobody was
 * found, at most one a room in RENDEZVOUS_MIN_MS, every RENDEZVOUS_MS
 * once enough members are connected (p2pchat-protocol(7), ROOM
 * RENDEZVOUS).
 */

#include "p2pchat.h"

#include <arpa/inet.h>

#define RENDEZVOUS_ROOMS_MAX	32	/* rooms looked after */
#define RENDEZVOUS_WANT		4	/* member sessions a room wants */
#define RENDEZVOUS_FIRST_MS	2000	/* nobody found: again after */
#define RENDEZVOUS_MIN_MS	2000
#define RENDEZVOUS_SOME_MS	30000	/* some found, not enough */
#define RENDEZVOUS_MS		(10 * 60 * 1000)	/* enough: announce */
#define RENDEZVOUS_TICK_MS	1000
#define RENDEZVOUS_DIALS	4	/* dials a room makes a lookup */
#define RENDEZVOUS_LABEL	"p2pchat rendezvous 1"
#define RENDEZVOUS_DAY_S	86400
#define RENDEZVOUS_OVERLAP_S	3600	/* the first hour: yesterday's too */

struct rendezvous_room {
	uint8_t		 room_id[32];	/* which room (never sent) */
	uint8_t		 hash[20];	/* of the day asked for */
	int64_t		 next_at;	/* ms */
	int64_t		 wait;		/* ms, doubling while none found */
	int		 busy;		/* a lookup runs */
	int		 used;
	struct sockaddr_in members[RENDEZVOUS_WANT * 4];	/* found */
	u_int		 nmembers;
};

static struct rendezvous_room	 rendezvous_rooms[RENDEZVOUS_ROOMS_MAX];
static struct event		*rendezvous_timer;
static struct {
	u_long	 lookups;
	u_long	 found;
	u_long	 dialled;
} rendezvous_stats;

/*
 * The info hash of a room on a UTC day: the first 20 bytes of BLAKE2b
 * keyed by the room key over the label and the day number (u32, big
 * endian).
 */
void
rendezvous_hash(const uint8_t *room_key, uint32_t day, uint8_t *hash)
{
	crypto_generichash_state	st;
	uint8_t				d[4];

	d[0] = day >> 24;
	d[1] = (day >> 16) & 0xff;
	d[2] = (day >> 8) & 0xff;
	d[3] = day & 0xff;
	crypto_generichash_init(&st, room_key, 32, 20);
	crypto_generichash_update(&st, (const u_char *)RENDEZVOUS_LABEL,
	    strlen(RENDEZVOUS_LABEL));
	crypto_generichash_update(&st, d, sizeof d);
	crypto_generichash_final(&st, hash, 20);
}

/* The slot of a room, made if new; NULL if all are taken. */
static struct rendezvous_room *
rendezvous_slot(struct room *r)
{
	struct rendezvous_room	*rr, *free_rr = NULL;
	u_int			 i;

	for (i = 0; i < nitems(rendezvous_rooms); i++) {
		rr = &rendezvous_rooms[i];
		if (rr->used && memcmp(rr->room_id, r->id, 32) == 0)
			return (rr);
		if (!rr->used && free_rr == NULL)
			free_rr = rr;
	}
	if ((rr = free_rr) == NULL)
		return (NULL);
	memset(rr, 0, sizeof *rr);
	memcpy(rr->room_id, r->id, 32);
	rr->used = 1;
	rr->wait = RENDEZVOUS_FIRST_MS;
	return (rr);
}

/* The room of a slot, if this node is still in it. */
static struct room *
rendezvous_room_of(struct rendezvous_room *rr)
{
	struct conv	*c;

	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room != NULL && c->room->joined &&
		    memcmp(c->room->id, rr->room_id, 32) == 0)
			return (c->room);
	}
	return (NULL);
}

/* Is there an open session with the node at a member address? */
static int
rendezvous_connected(const struct sockaddr_in *sa)
{
	struct session	*s;
	char		 host[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->sin_addr, host, sizeof host);
	TAILQ_FOREACH(s, &sessions, entry) {
		if (s->state == SESSION_OPEN && s->host != NULL &&
		    strcmp(s->host, host) == 0 &&
		    (s->listen_port == ntohs(sa->sin_port) ||
		    s->port == ntohs(sa->sin_port)))
			return (1);
	}
	return (0);
}

/* Sessions with the members a room found. */
static u_int
rendezvous_have(struct rendezvous_room *rr)
{
	u_int	i, n = 0;

	for (i = 0; i < rr->nmembers; i++)
		n += rendezvous_connected(&rr->members[i]);
	return (n);
}

/* Is this our own listen address? */
static int
rendezvous_self(const struct sockaddr_in *sa)
{
	return (ntohs(sa->sin_port) == node_listen_port() &&
	    addr_class(4, (const uint8_t *)&sa->sin_addr) == ADDR_LOOPBACK);
}

/* A room's get_peers lookup finished: dial members, plan the next. */
static void
rendezvous_found(const uint8_t *hash, const struct sockaddr_in *peers,
    u_int n, void *arg)
{
	struct rendezvous_room	*rr = arg;
	char			 host[INET_ADDRSTRLEN];
	u_int			 i, j, have, dials = 0, others = 0;

	rr->busy = 0;
	if (!rr->used || rendezvous_room_of(rr) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (rendezvous_self(&peers[i]))
			continue;
		others++;
		for (j = 0; j < rr->nmembers; j++) {
			if (memcmp(&rr->members[j], &peers[i],
			    sizeof peers[i]) == 0)
				break;
		}
		if (j == rr->nmembers && rr->nmembers < nitems(rr->members))
			rr->members[rr->nmembers++] = peers[i];
	}
	rendezvous_stats.found += others;
	/* Member sessions the room proved by tags count, found here or not. */
	have = rendezvous_have(rr);
	if ((u_int)room_member_sessions(rendezvous_room_of(rr)) > have)
		have = (u_int)room_member_sessions(rendezvous_room_of(rr));
	for (i = 0; i < rr->nmembers && have + dials < RENDEZVOUS_WANT &&
	    dials < RENDEZVOUS_DIALS; i++) {
		if (rendezvous_connected(&rr->members[i]))
			continue;
		inet_ntop(AF_INET, &rr->members[i].sin_addr, host,
		    sizeof host);
		if (node_dial_candidate(host, ntohs(rr->members[i].sin_port), 1))
			dials++;
	}
	rendezvous_stats.dialled += dials;
	if (others == 0) {
		rr->next_at = now_ms() + rr->wait;
		if ((rr->wait *= 2) > RENDEZVOUS_MS)
			rr->wait = RENDEZVOUS_MS;
	} else {
		rr->wait = RENDEZVOUS_FIRST_MS;
		rr->next_at = now_ms() + (have + dials < RENDEZVOUS_WANT ?
		    RENDEZVOUS_SOME_MS : RENDEZVOUS_MS);
	}
}

/* Look a room up now (and announce on it), if its pace allows. */
static void
rendezvous_lookup(struct room *r, struct rendezvous_room *rr)
{
	uint8_t	 hash[20];
	time_t	 t = time(NULL);
	uint32_t day = (uint32_t)(t / RENDEZVOUS_DAY_S);
	char	*cause;

	if (rr->busy)
		return;
	if (!dht_enabled()) {
		rr->next_at = now_ms() + RENDEZVOUS_SOME_MS;
		return;
	}
	/* In the first hour of a day, every other lookup asks yesterday's. */
	if (t % RENDEZVOUS_DAY_S < RENDEZVOUS_OVERLAP_S &&
	    (rendezvous_stats.lookups & 1))
		day--;
	rendezvous_hash(r->key, day, hash);
	memcpy(rr->hash, hash, sizeof hash);
	if (dht_get_peers(hash, node_listen_port(), rendezvous_found, rr,
	    &cause) != 0) {
		log_debug("%s: %s", __func__, cause);
		free(cause);
		rr->next_at = now_ms() + RENDEZVOUS_FIRST_MS;
		return;
	}
	rr->busy = 1;
	rendezvous_stats.lookups++;
}

/*
 * A room wants members now (the rooms code calls this, e.g. when a room
 * is joined or loses a session): look it up soon, within the pace.
 */
void
rendezvous_want(struct room *r)
{
	struct rendezvous_room	*rr;
	int64_t			 soon = now_ms() + RENDEZVOUS_MIN_MS;

	if (rendezvous_timer == NULL || r == NULL || !r->joined ||
	    (rr = rendezvous_slot(r)) == NULL)
		return;
	if (rr->next_at > soon)
		rr->next_at = soon;
	if (!evtimer_pending(rendezvous_timer, NULL))
		timer_add_ms(rendezvous_timer, RENDEZVOUS_MIN_MS);
}

/* The timer: look up the rooms that are due; forget rooms left. */
static void
rendezvous_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rendezvous_room	*rr;
	struct conv		*c;
	int64_t			 now = now_ms();
	int64_t			 next = -1;
	u_int			 i;

	for (i = 0; i < nitems(rendezvous_rooms); i++) {
		rr = &rendezvous_rooms[i];
		if (rr->used && !rr->busy && rendezvous_room_of(rr) == NULL)
			rr->used = 0;
	}
	TAILQ_FOREACH(c, &convs, entry) {
		if (c->room == NULL || !c->room->joined ||
		    (rr = rendezvous_slot(c->room)) == NULL)
			continue;
		if (now >= rr->next_at)
			rendezvous_lookup(c->room, rr);
		if (next == -1 || rr->next_at < next)
			next = rr->next_at;
	}
	/*
	 * Sleep until the next room is due (a lookup in flight is looked at
	 * again each tick); in no room, until rendezvous_want wakes it.
	 */
	if (next != -1)
		timer_add_ms(rendezvous_timer, next - now < RENDEZVOUS_TICK_MS ?
		    RENDEZVOUS_TICK_MS : next - now);
}

/* Start the timer, when the DHT is on. */
static void
rendezvous_init(void)
{
	if (!cfg_num(CFG_DHT_ENABLE))
		return;
	rendezvous_timer = evtimer_new(node_base, rendezvous_timer_cb, NULL);
	timer_add_ms(rendezvous_timer, RENDEZVOUS_TICK_MS);
}

/* Stop the timer. */
static void
rendezvous_shutdown(void)
{
	if (rendezvous_timer != NULL)
		event_free(rendezvous_timer);
	rendezvous_timer = NULL;
	memset(rendezvous_rooms, 0, sizeof rendezvous_rooms);
}

/* Counters for /stats. */
static void
rendezvous_stats_cb(struct stats *st)
{
	if (rendezvous_timer == NULL)
		return;
	stats_add(st, "rendezvous_lookups", rendezvous_stats.lookups);
	stats_add(st, "rendezvous_found", rendezvous_stats.found);
	stats_add(st, "rendezvous_dialled", rendezvous_stats.dialled);
}

const struct module rendezvous_module = {
	.name = "rendezvous",
	.init = rendezvous_init,
	.shutdown = rendezvous_shutdown,
	.stats = rendezvous_stats_cb,
};
