/*
 * contact.c: contact requests. With [node] accept = contacts (the
 * default), a message from a peer that is not a contact (never dialled,
 * accepted, written to or verified: peer_contact) is stored and held: it
 * is acknowledged, but the user sees one line asking to /accept or
 * /decline, and the frontend gets a request event instead of a message.
 * /accept makes the peer a contact and shows what was held; /decline
 * blocks it and deletes what it sent.
 *
 * Requests are bounded: [limits] requests at once (a new one drops the
 * oldest, with its held messages), requests_per_address from one IP
 * address, requests_per_hour new ones in an hour, and request_messages
 * held for each. A message beyond a bound is neither stored nor
 * acknowledged, as over a quota: the sender keeps it.
 */

#include "p2pchat.h"

#define CONTACT_HOUR_MS	(3600 * 1000)

static struct {
	uint64_t	held;		/* messages held */
	uint64_t	accepted;
	uint64_t	declined;
	uint64_t	dropped;	/* oldest request dropped for a new one */
	uint64_t	refused;	/* messages not taken: over a bound */
} contact_stats;

static int64_t	contact_hour_start;	/* monotonic ms */
static u_int	contact_hour_new;	/* new requests in this hour */

/* Are messages from p held as a contact request? */
int
contact_holds(struct peer *p)
{
	if (peer_contact(p))
		return (0);
	return (strcmp(cfg_str(CFG_ACCEPT), "anyone") != 0);
}

/* Forget a peer's request in the store and here. */
static int
contact_forget(struct peer *p, char **cause)
{
	if (store_peer_request(p->dbid, 0, "", cause) != 0)
		return (-1);
	p->request = 0;
	free(p->request_addr);
	p->request_addr = xstrdup("");
	p->held = 0;
	p->held_known = 1;
	return (0);
}

/* Delete a request's held messages and forget it. */
static int
contact_clear(struct peer *p, char **cause)
{
	int	n = 0;

	if (p->conv != NULL && store_conv_clear(p->conv->id, &n, cause) != 0)
		return (-1);
	p->total_known = 0;	/* counted again when needed */
	log_info("%s: %s: %d held messages deleted", __func__, p->hex, n);
	return (contact_forget(p, cause));
}

/*
 * The requests waiting: how many, how many came from addr, and the
 * oldest.
 */
static u_int
contact_pending(const char *addr, u_int *same, struct peer **oldest)
{
	struct peer	*p;
	u_int		 n = 0;

	*same = 0;
	*oldest = NULL;
	TAILQ_FOREACH(p, &peer_list, list) {
		if (p->request == 0)
			continue;
		n++;
		if (strcmp(p->request_addr, addr) == 0)
			(*same)++;
		if (*oldest == NULL || p->request < (*oldest)->request)
			*oldest = p;
	}
	return (n);
}

/* Log why a message was not taken, once a run for each peer. */
static int
contact_refuse(struct peer *p, const char *why)
{
	contact_stats.refused++;
	if (!p->request_told) {
		p->request_told = 1;
		log_info("%s: %s (%s): %s", __func__, peer_name(p), p->hex,
		    why);
	}
	return (-1);
}

/*
 * A message from the stranger p, come from addr, is about to be stored:
 * 0 if it may be, as part of its contact request (made now if it has
 * none), -1 if a bound refuses it.
 */
int
contact_admit(struct peer *p, const char *addr)
{
	struct peer	*oldest;
	int64_t		 now = mono_us() / 1000, bytes;
	u_int		 n, same;
	char		*cause;

	if (p->conv == NULL || p->trust == TRUST_BLOCKED)
		return (contact_refuse(p, "blocked"));
	if (p->request == 0) {
		if (contact_hour_new == 0 || now < contact_hour_start ||
		    now - contact_hour_start >= CONTACT_HOUR_MS) {
			contact_hour_start = now;
			contact_hour_new = 0;
		}
		if (contact_hour_new >= cfg_num(CFG_REQUESTS_PER_HOUR))
			return (contact_refuse(p, "too many contact requests "
			    "this hour"));
		n = contact_pending(addr, &same, &oldest);
		if (same >= cfg_num(CFG_REQUESTS_PER_ADDRESS))
			return (contact_refuse(p, "too many contact requests "
			    "from its address"));
		if (n >= cfg_num(CFG_REQUESTS) && oldest != NULL) {
			log_info("%s: dropping the oldest contact request, "
			    "from %s", __func__, oldest->hex);
			if (contact_clear(oldest, &cause) != 0) {
				fe_store_error(__func__, cause);
				return (-1);
			}
			contact_stats.dropped++;
		}
		if (store_peer_request(p->dbid, now_ms(), addr, &cause) != 0) {
			fe_store_error(__func__, cause);
			return (-1);
		}
		p->request = now_ms();
		free(p->request_addr);
		p->request_addr = xstrdup(addr);
		p->held_known = 0;
		contact_hour_new++;
		p->request_told = 0;
	}
	if (!p->held_known) {
		if (store_conv_received(p->conv->id, &p->held, &bytes,
		    &cause) != 0) {
			fe_store_error(__func__, cause);
			return (-1);
		}
		p->held_known = 1;
	}
	if (p->held >= cfg_num(CFG_REQUEST_MESSAGES))
		return (contact_refuse(p, "its contact request holds all the "
		    "messages it may"));
	return (0);
}

/* A message of p's request was stored: 1 if it is the first held. */
int
contact_held_add(struct peer *p)
{
	contact_stats.held++;
	return (++p->held == 1);
}

/*
 * /accept, or the user wrote to p: make it a contact, and show what its
 * request held (each a message event, counted unread).
 */
int
contact_accept(struct peer *p, char **cause)
{
	struct msg_list	 ml;
	u_int		 i;
	int		 had = p->request != 0;

	if (p->conflict) {
		xasprintf(cause, "%s answered where another key is pinned: "
		    "compare safety numbers (/verify), then /trust it",
		    peer_name(p));
		return (-1);
	}
	if (p->trust == TRUST_BLOCKED) {
		if (store_peer_trust(p->dbid, TRUST_UNVERIFIED, cause) != 0)
			return (-1);
		p->trust = TRUST_UNVERIFIED;
	}
	peer_make_contact(p);
	if (p->conv != NULL)
		conv_show(p->conv);
	if (!had)
		return (0);
	if (contact_forget(p, cause) != 0)
		return (-1);
	contact_stats.accepted++;
	if (p->conv == NULL)
		return (0);
	if (store_msg_page(p->conv->id, 1, 0, 0,
	    (u_int)cfg_num(CFG_REQUEST_MESSAGES) + 1, &ml, cause) != 0)
		return (-1);
	for (i = 0; i < ml.n; i++) {
		if (ml.v[i].outgoing)
			continue;
		conv_unread_add(p->conv);
		fe->message(p->conv, &ml.v[i]);
	}
	msg_list_free(&ml);
	return (0);
}

/* /decline: block p and delete what its request held. */
int
contact_decline(struct peer *p, char **cause)
{
	if (p->request == 0 && peer_contact(p)) {
		xasprintf(cause, "%s is a contact, not a request: /block it",
		    peer_name(p));
		return (-1);
	}
	if (contact_clear(p, cause) != 0)
		return (-1);
	if (store_peer_trust(p->dbid, TRUST_BLOCKED, cause) != 0)
		return (-1);
	p->trust = TRUST_BLOCKED;
	contact_stats.declined++;
	if (p->session != NULL)
		session_close(p->session, BYE_BLOCKED, "blocked");
	return (0);
}

/*
 * /requests: one request item a request, oldest first, with its first
 * held message (the keys of a message event), then done.
 */
int
contact_list(char **cause)
{
	struct peer	*p, **v = NULL;
	struct msg_list	 ml;
	struct fe_kv	 kv[8];
	char		 id[MSGID_LEN * 2 + 1];
	u_int		 n = 0, i, j;

	TAILQ_FOREACH(p, &peer_list, list) {
		if (p->request == 0 || p->conv == NULL)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		for (i = n; i > 0 && v[i - 1]->request > p->request; i--)
			v[i] = v[i - 1];
		v[i] = p;
		n++;
	}
	for (i = 0; i < n; i++) {
		p = v[i];
		if (store_msg_page(p->conv->id, 1, 0, 0, 1, &ml, cause) != 0) {
			free(v);
			return (-1);
		}
		j = 0;
		kv[j++] = (struct fe_kv){ "peer", p->hex, 0 };
		kv[j++] = (struct fe_kv){ "nick", peer_name(p), 0 };
		if (ml.n != 0) {
			hex_encode(ml.v[0].id, MSGID_LEN, id);
			kv[j++] = (struct fe_kv){ "id", id, 0 };
			kv[j++] = (struct fe_kv){ "ts", NULL, ml.v[0].ts };
			kv[j++] = (struct fe_kv){ "text", ml.v[0].text, 0 };
		}
		kv[j++] = (struct fe_kv){ "addr", p->request_addr, 0 };
		kv[j++] = (struct fe_kv){ "since", NULL, p->request };
		fe->item("request", kv, j);
		msg_list_free(&ml);
	}
	free(v);
	fe->done("requests");
	return (0);
}

/* The request counters, for /stats. */
static void
contact_stats_put(struct stats *st)
{
	struct peer	*oldest;
	u_int		 same;

	stats_add(st, "requests_pending",
	    (long long)contact_pending("", &same, &oldest));
	stats_add(st, "requests_held", (long long)contact_stats.held);
	stats_add(st, "requests_accepted", (long long)contact_stats.accepted);
	stats_add(st, "requests_declined", (long long)contact_stats.declined);
	stats_add(st, "requests_dropped", (long long)contact_stats.dropped);
	stats_add(st, "requests_refused", (long long)contact_stats.refused);
}

const struct module contact_module = {
	.name = "contact",
	.stats = contact_stats_put,
};
