/*
 * reach.c: reachability. Each side of a session tells the other, in an
 * OBSERVED record, the address and port it sees the connection come from.
 * A node keeps the last REACH_REPORTS reports; an address that peers in two
 * different /16 (IPv6: /48) networks report is a candidate for this node's
 * public address. See p2pchat-protocol(7).
 */

#include "p2pchat.h"

#include <arpa/inet.h>

#define REACH_REPORTS	16

struct reach_report {
	struct rec_observed	 seen;		/* what the peer saw */
	uint8_t			 net[6];	/* the reporter's /16 or /48 */
};
static struct reach_report	reach_reports[REACH_REPORTS];
static u_int			reach_nreports;	/* all time */

/* The network prefix of a session's peer: /16 of IPv4, /48 of IPv6. */
static void
reach_net(const struct session *s, uint8_t *net)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	memset(net, 0, 6);
	if (inet_pton(AF_INET, s->host, &a4) == 1)
		memcpy(net, &a4, 2);
	else if (inet_pton(AF_INET6, s->host, &a6) == 1)
		memcpy(net, &a6, 6);
}

/* A session opened: tell the peer where we see it connect from. */
static void
reach_session_open(struct session *s)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	struct buf	 b;

	buf_init(&b);
	buf_put_u8(&b, REC_OBSERVED);
	if (inet_pton(AF_INET, s->host, &a4) == 1) {
		buf_put_u8(&b, 4);
		buf_put(&b, &a4, 4);
	} else if (inet_pton(AF_INET6, s->host, &a6) == 1) {
		buf_put_u8(&b, 6);
		buf_put(&b, &a6, 16);
	} else {
		buf_free(&b);
		return;
	}
	buf_put_u16(&b, s->port);
	session_send_buf(s, &b);
	buf_free(&b);
}

/* OBSERVED: a peer says where it sees us; keep the report. */
int
reach_observed_record(struct session *s, struct record *r)
{
	struct reach_report	*rr;
	char			 host[INET6_ADDRSTRLEN];

	rr = &reach_reports[reach_nreports++ % REACH_REPORTS];
	rr->seen = r->u.observed;
	reach_net(s, rr->net);
	inet_ntop(rr->seen.family == 4 ? AF_INET : AF_INET6, rr->seen.addr,
	    host, sizeof host);
	log_debug("%s: %s sees us at %s port %u", __func__,
	    peer_name(s->peer), host, rr->seen.port);
	return (0);
}

/*
 * How many of the kept reports name an address (not a port: a NAT may map
 * each connection to another) that peers in two different networks gave.
 */
static u_int
reach_candidates(void)
{
	u_int	i, j, n = 0, have;

	have = reach_nreports < REACH_REPORTS ? reach_nreports : REACH_REPORTS;
	for (i = 0; i < have; i++) {
		for (j = 0; j < have; j++) {
			if (reach_reports[i].seen.family !=
			    reach_reports[j].seen.family ||
			    memcmp(reach_reports[i].seen.addr,
			    reach_reports[j].seen.addr, 16) != 0 ||
			    memcmp(reach_reports[i].net, reach_reports[j].net,
			    6) == 0)
				continue;
			n++;
			break;
		}
	}
	return (n);
}

/* The reachability counters, for /stats. */
static void
reach_stats(struct stats *st)
{
	stats_add(st, "observed_reports", reach_nreports);
	stats_add(st, "observed_candidates", reach_candidates());
}

const struct module reach_module = {
	.name = "reach",
	.session_open = reach_session_open,
	.stats = reach_stats,
};
