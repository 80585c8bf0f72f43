/*
 * cmd-peer.c: commands about peers and the node: /connect, /peers, /id,
 * /lookup, /nick, /verify, /trust, /block, /typing, /stats, and contacts:
 * /rename, /accept, /decline, /requests, /blocked.
 */

#include "p2pchat.h"

#include <arpa/inet.h>

static void	cmd_lookup_done(const uint8_t *, const struct dht_found *,
		    void *);

/* /connect ADDR:PORT or PEERID */
int
cmd_connect(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	uint8_t	id[PEER_ID_LEN];

	if (strlen(argv[0]) == PEER_HEX_LEN &&
	    hex_decode(argv[0], id, sizeof id) == 0)
		return (dht_lookup_peer(id, cmd_lookup_done, (void *)1, cause));
	return (node_connect(argv[0], 1, cause));
}

/* A DHT lookup finished: show it (/lookup) or dial what it found. */
static void
cmd_lookup_done(const uint8_t *id, const struct dht_found *f, void *arg)
{
	struct fe_kv	 kv[7];
	struct buf	 b;
	char		 hex[PEER_HEX_LEN + 1], host[64], *addr, *cause;
	u_short		 port;
	u_int		 i;

	hex_encode(id, PEER_ID_LEN, hex);
	buf_init(&b);
	for (i = 0; i < f->naddrs; i++) {
		addr_sockaddr_host((const struct sockaddr *)&f->addrs[i], host,
		    sizeof host, &port);
		if (f->addrs[i].ss_family == AF_INET6)
			xasprintf(&addr, "%s[%s]:%u", i ? "," : "", host, port);
		else
			xasprintf(&addr, "%s%s:%u", i ? "," : "", host, port);
		buf_put(&b, addr, strlen(addr));
		free(addr);
	}
	buf_put_u8(&b, '\0');
	if (arg == NULL) {
		kv[0] = (struct fe_kv){ "id", hex, 0 };
		kv[1] = (struct fe_kv){ "found", NULL, f->found };
		kv[2] = (struct fe_kv){ "seq", NULL, f->seq };
		kv[3] = (struct fe_kv){ "addresses", (char *)b.d, 0 };
		kv[4] = (struct fe_kv){ "hops", NULL, f->hops };
		kv[5] = (struct fe_kv){ "asked", NULL, f->asked };
		kv[6] = (struct fe_kv){ "ms", NULL, f->ms };
		fe->item("lookup", kv, 7);
	} else if (!f->found || f->naddrs == 0)
		fe_errorf("%.16s: no peer record found on the DHT", hex);
	else {
		for (i = 0; i < f->naddrs; i++) {
			addr_sockaddr_host((const struct sockaddr *)
			    &f->addrs[i], host, sizeof host, &port);
			if (f->addrs[i].ss_family == AF_INET6)
				xasprintf(&addr, "[%s]:%u", host, port);
			else
				xasprintf(&addr, "%s:%u", host, port);
			if (node_connect(addr, 1, &cause) != 0) {
				fe_errorf("%s", cause);
				free(cause);
			}
			free(addr);
		}
	}
	buf_free(&b);
}

/* /lookup PEERID */
int
cmd_lookup(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	uint8_t	id[PEER_ID_LEN];

	if (strlen(argv[0]) != PEER_HEX_LEN ||
	    hex_decode(argv[0], id, sizeof id) != 0) {
		xasprintf(cause, "\"%s\" is not a peer id (64 hex digits)",
		    argv[0]);
		return (-1);
	}
	return (dht_lookup_peer(id, cmd_lookup_done, NULL, cause));
}

/* /peers */
int
cmd_peers(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct peer	*p;
	u_int		 n = 1;

	TAILQ_FOREACH(p, &peer_list, list)
		fe->list_peer(p, n++);
	fe->done("peers");
	return (0);
}

/* /id */
int
cmd_id(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct fe_kv	kv[6];
	char		x[PEER_HEX_LEN + 1];

	hex_encode(identity->x_pk, 32, x);
	kv[0] = (struct fe_kv){ "id", identity->hex, 0 };
	kv[1] = (struct fe_kv){ "nick", node_nick(), 0 };
	kv[2] = (struct fe_kv){ "listen", node_listen_address(), 0 };
	kv[3] = (struct fe_kv){ "noise_key", x, 0 };
	kv[4] = (struct fe_kv){ "reach", reach_word(), 0 };
	kv[5] = (struct fe_kv){ "port_mapping", portmap_describe(), 0 };
	fe->item("id", kv, 6);
	return (0);
}

/* /nick NAME */
int
cmd_nick(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct fe_kv	kv[1];

	if (peer_nick_check(argv[0], cause) != 0)
		return (-1);
	node_set_nick(argv[0]);
	kv[0] = (struct fe_kv){ "nick", argv[0], 0 };
	fe->item("nick", kv, 1);
	return (0);
}

/* /verify PEER [yes] */
int
cmd_verify(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct peer	*p;
	struct fe_kv	 kv[4];
	char		 sn[80];

	if ((p = peer_resolve(argv[0], cause)) == NULL)
		return (-1);
	if (argc == 2 && strcmp(argv[1], "yes") != 0) {
		xasprintf(cause, "usage: /verify PEER [yes]");
		return (-1);
	}
	identity_safety_number(identity->ed_pk, p->id, sn, sizeof sn);
	if (argc == 2) {
		if (peer_set_trust(p, TRUST_VERIFIED, cause) != 0 ||
		    contact_accept(p, cause) != 0)
			return (-1);
		fe->peer(p);
	}
	kv[0] = (struct fe_kv){ "peer", p->hex, 0 };
	kv[1] = (struct fe_kv){ "nick", p->nick, 0 };
	kv[2] = (struct fe_kv){ "safety_number", sn, 0 };
	kv[3] = (struct fe_kv){ "trust", peer_trust_name(p), 0 };
	fe->item("verify", kv, 4);
	return (0);
}

/* Set a peer's trust and tell the frontend. */
static int
cmd_set_trust(struct peer *p, int trust, char **cause)
{
	struct fe_kv	kv[2];

	if (peer_set_trust(p, trust, cause) != 0)
		return (-1);
	if (trust == TRUST_BLOCKED && p->session != NULL)
		session_close(p->session, BYE_BLOCKED, "blocked");
	kv[0] = (struct fe_kv){ "peer", p->hex, 0 };
	kv[1] = (struct fe_kv){ "trust", peer_trust_name(p), 0 };
	fe->item("trust", kv, 2);
	fe->peer(p);
	return (0);
}

/*
 * /trust PEER: the user decides for a key: one that answered where
 * another is pinned is pinned there instead, a blocked one is unblocked,
 * and it becomes a contact (what its request held is shown). Verified
 * stays verified.
 */
int
cmd_trust(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct peer	*p;

	if ((p = peer_resolve(argv[0], cause)) == NULL)
		return (-1);
	if (cmd_set_trust(p, p->trust == TRUST_VERIFIED ? TRUST_VERIFIED :
	    TRUST_UNVERIFIED, cause) != 0)
		return (-1);
	if (contact_accept(p, cause) != 0)
		return (-1);
	node_redial(p);
	return (0);
}

/* /accept PEER: make a peer that asks to chat a contact. */
int
cmd_accept(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct peer	*p;
	struct fe_kv	 kv[3];

	if ((p = peer_resolve(argv[0], cause)) == NULL)
		return (-1);
	if (p->request == 0 && peer_contact(p)) {
		xasprintf(cause, "%s is a contact already", peer_name(p));
		return (-1);
	}
	if (contact_accept(p, cause) != 0)
		return (-1);
	kv[0] = (struct fe_kv){ "peer", p->hex, 0 };
	kv[1] = (struct fe_kv){ "nick", peer_name(p), 0 };
	kv[2] = (struct fe_kv){ "contact", peer_contact_name(p), 0 };
	fe->item("accepted", kv, 3);
	fe->peer(p);
	if (fe->open_conv != NULL && p->conv != NULL)
		fe->open_conv(p->conv);
	return (0);
}

/* /decline PEER: block a peer that asks to chat, deleting what it sent. */
int
cmd_decline(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct peer	*p;
	struct fe_kv	 kv[2];

	if ((p = peer_resolve(argv[0], cause)) == NULL)
		return (-1);
	if (contact_decline(p, cause) != 0)
		return (-1);
	kv[0] = (struct fe_kv){ "peer", p->hex, 0 };
	kv[1] = (struct fe_kv){ "trust", peer_trust_name(p), 0 };
	fe->item("trust", kv, 2);
	fe->peer(p);
	return (0);
}

/* /requests: the contact requests waiting, oldest first. */
int
cmd_requests(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	return (contact_list(cause));
}

/* /blocked: the blocked keys. */
int
cmd_blocked(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct peer	*p;
	u_int		 n = 1;

	TAILQ_FOREACH(p, &peer_list, list) {
		if (p->trust == TRUST_BLOCKED)
			fe->list_peer(p, n);
		n++;
	}
	fe->done("blocked");
	return (0);
}

/* /rename PEER [NAME]: give a peer a local name, or drop it. */
int
cmd_rename(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct peer	*p;
	struct fe_kv	 kv[3];

	if ((p = peer_resolve(argv[0], cause)) == NULL)
		return (-1);
	if (peer_rename(p, argc == 2 ? argv[1] : "", cause) != 0)
		return (-1);
	kv[0] = (struct fe_kv){ "peer", p->hex, 0 };
	kv[1] = (struct fe_kv){ "name", p->name, 0 };
	kv[2] = (struct fe_kv){ "nick", p->nick, 0 };
	fe->item("rename", kv, 3);
	fe->peer(p);
	return (0);
}

/* /block PEER */
int
cmd_block(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct peer	*p;

	if ((p = peer_resolve(argv[0], cause)) == NULL)
		return (-1);
	return (cmd_set_trust(p, TRUST_BLOCKED, cause));
}

/* /typing PEER on|off */
int
cmd_typing(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct peer	*p;
	int		 on;

	if ((p = peer_resolve(argv[0], cause)) == NULL)
		return (-1);
	if (strcmp(argv[1], "on") == 0)
		on = 1;
	else if (strcmp(argv[1], "off") == 0)
		on = 0;
	else {
		xasprintf(cause, "usage: /typing PEER on|off");
		return (-1);
	}
	return (chat_typing(p, on, cause));
}

/* Loader callback: one address book entry. */
static void
cmd_addresses_one(const struct addr_row *ar, void *arg)
{
	struct fe_kv	 kv[6];
	char		 addr[INET6_ADDRSTRLEN + 16], peer[PEER_HEX_LEN + 1];
	static const char *sources[] = { "user", "pex", "lan" };

	if (strchr(ar->host, ':') != NULL)
		snprintf(addr, sizeof addr, "[%s]:%u", ar->host, ar->port);
	else
		snprintf(addr, sizeof addr, "%s:%u", ar->host, ar->port);
	if (ar->has_peer)
		hex_encode(ar->peer, PEER_ID_LEN, peer);
	else if (ar->has_claim)
		hex_encode(ar->claim, PEER_ID_LEN, peer);
	else
		*peer = '\0';
	kv[0] = (struct fe_kv){ "addr", addr, 0 };
	kv[1] = (struct fe_kv){ "peer", peer, 0 };
	kv[2] = (struct fe_kv){ "source", sources[ar->source % 3], 0 };
	kv[3] = (struct fe_kv){ "failures", NULL, ar->failures };
	kv[4] = (struct fe_kv){ "last_ok", NULL, ar->last_ok };
	kv[5] = (struct fe_kv){ "last_try", NULL, ar->last_try };
	fe->item("address", kv, 6);
}

/* /addresses */
int
cmd_addresses(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	if (store_addr_load(cmd_addresses_one, NULL, cause) != 0)
		return (-1);
	fe->done("addresses");
	return (0);
}

/* /stats: session counts and every module's counters. */
int
cmd_stats(struct cmd_ctx *ctx, int argc, char **argv, char **cause)
{
	struct stats	st;
	u_int		open, handshaking;

	memset(&st, 0, sizeof st);
	session_counts(&open, &handshaking);
	stats_add(&st, "sessions", open);
	stats_add(&st, "handshakes", handshaking);
	node_stats(&st);
	module_stats(&st);
	fe->item("stats", st.v, st.n);
	return (0);
}
