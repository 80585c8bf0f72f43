/*
 * lan.c: LAN discovery. Every lan_interval seconds, and at start, the node
 * sends a small UDP datagram to the multicast group 239.255.77.77 on port
 * lan_port, from each interface that has a private IPv4 address (RFC 1918);
 * never on loopback or on public addresses. A node hearing one from a
 * private or loopback source address learns that peer id at the source
 * address and the announced port, and dials it when not connected.
 *
 *	announcement (43 bytes) = "P2PCHAT1" || peer_id[32] || u16 port || u8 0
 */

#include "p2pchat.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>

#define LAN_GROUP	"239.255.77.77"
#define LAN_MAGIC	"P2PCHAT1"
#define LAN_LEN		(8 + PEER_ID_LEN + 2 + 1)
#define LAN_IDLE_CHECK	300	/* seconds, with no LAN interface */

static int		 lan_fd = -1;
static struct event	*lan_read_ev;
static struct event	*lan_timer;

/* Is this interface address one we announce on? */
static int
lan_interface_ok(const struct ifaddrs *ifa)
{
	const struct sockaddr_in	*sin;

	if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_INET)
		return (0);
	if ((ifa->ifa_flags & (IFF_UP | IFF_MULTICAST)) !=
	    (IFF_UP | IFF_MULTICAST) || (ifa->ifa_flags & IFF_LOOPBACK))
		return (0);
	sin = (const struct sockaddr_in *)ifa->ifa_addr;
	return (addr_class(4, (const uint8_t *)&sin->sin_addr) ==
	    ADDR_PRIVATE);
}

/*
 * Send one announcement from every private interface; returns how many
 * interfaces there were (none: nothing to announce on, for now).
 */
static int
lan_announce(void)
{
	struct ifaddrs		*ifs, *ifa;
	struct sockaddr_in	 to;
	struct ip_mreqn		 mr;
	u_char			 pkt[LAN_LEN];
	int			 n = 0;

	if (lan_fd == -1 || node_listen_port() == 0 || getifaddrs(&ifs) != 0)
		return (0);
	memcpy(pkt, LAN_MAGIC, 8);
	memcpy(pkt + 8, identity->ed_pk, PEER_ID_LEN);
	buf_poke_u16(pkt + 8 + PEER_ID_LEN, node_listen_port());
	pkt[LAN_LEN - 1] = 0;
	memset(&to, 0, sizeof to);
	to.sin_family = AF_INET;
	to.sin_port = htons((u_short)cfg_num(CFG_LAN_PORT));
	inet_pton(AF_INET, LAN_GROUP, &to.sin_addr);
	for (ifa = ifs; ifa != NULL; ifa = ifa->ifa_next) {
		if (!lan_interface_ok(ifa))
			continue;
		n++;
		memset(&mr, 0, sizeof mr);
		mr.imr_address = ((struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
		mr.imr_ifindex = (int)if_nametoindex(ifa->ifa_name);
		if (setsockopt(lan_fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
		    sizeof mr) != 0)
			continue;
		if (sendto(lan_fd, pkt, sizeof pkt, 0, (struct sockaddr *)&to,
		    sizeof to) == -1)
			log_debug("%s: %s: %s", __func__, ifa->ifa_name,
			    strerror(errno));
	}
	freeifaddrs(ifs);
	return (n);
}

/* Join the group on every private interface (new ones too). */
static void
lan_join(void)
{
	struct ifaddrs	*ifs, *ifa;
	struct ip_mreqn	 mr;

	if (getifaddrs(&ifs) != 0)
		return;
	for (ifa = ifs; ifa != NULL; ifa = ifa->ifa_next) {
		if (!lan_interface_ok(ifa))
			continue;
		memset(&mr, 0, sizeof mr);
		inet_pton(AF_INET, LAN_GROUP, &mr.imr_multiaddr);
		mr.imr_ifindex = (int)if_nametoindex(ifa->ifa_name);
		/* EADDRINUSE: already joined there. */
		setsockopt(lan_fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
		    sizeof mr);
	}
	freeifaddrs(ifs);
}

/* Parse an announcement; 0 if it is one. */
int
lan_parse(const u_char *p, size_t len, uint8_t *id, u_short *port)
{
	struct buf	 b;
	const u_char	*magic;
	uint16_t	 v;
	uint8_t		 flags;

	if (len != LAN_LEN)
		return (-1);
	buf_from(&b, p, len);
	if (buf_get_ptr(&b, &magic, 8) != 0 ||
	    memcmp(magic, LAN_MAGIC, 8) != 0 ||
	    buf_get(&b, id, PEER_ID_LEN) != 0 || buf_get_u16(&b, &v) != 0 ||
	    buf_get_u8(&b, &flags) != 0 || v == 0)
		return (-1);
	*port = v;
	return (0);
}

/* A datagram arrived. */
static void
lan_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sockaddr_in	 from;
	socklen_t		 fromlen = sizeof from;
	struct peer		*p;
	u_char			 pkt[128];
	uint8_t			 id[PEER_ID_LEN];
	char			 host[INET_ADDRSTRLEN], *cause;
	char			 hex[2 * 8 + 1];
	u_short			 port;
	ssize_t			 n;
	int			 class;

	n = recvfrom(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&from,
	    &fromlen);
	if (n <= 0 || from.sin_family != AF_INET ||
	    lan_parse(pkt, (size_t)n, id, &port) != 0)
		return;
	if (memcmp(id, identity->ed_pk, PEER_ID_LEN) == 0)
		return;
	class = addr_class(4, (const uint8_t *)&from.sin_addr);
	if (class != ADDR_PRIVATE && class != ADDR_LOOPBACK)
		return;
	if ((p = peer_find(id)) != NULL &&
	    (p->session != NULL || p->trust == TRUST_BLOCKED))
		return;
	inet_ntop(AF_INET, &from.sin_addr, host, sizeof host);
	if (store_addr_learn(host, port, ADDR_SOURCE_LAN, id, &cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		return;
	}
	/* The id is unauthenticated bytes: hex, never as they came. */
	hex_encode(id, 8, hex);
	log_debug("%s: %s at %s:%u", __func__, hex, host, port);
	node_dial_candidate(host, port, 1);
}

/*
 * The announcement timer. With no private interface there is no LAN to
 * announce on: look again only every LAN_IDLE_CHECK seconds, so an idle
 * node off any LAN wakes for nothing else than its sessions.
 */
static void
lan_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	tv;

	lan_join();
	if (lan_announce() == 0)
		tv.tv_sec = LAN_IDLE_CHECK;
	else
		tv.tv_sec = cfg_num(CFG_LAN_INTERVAL);
	tv.tv_usec = randombytes_uniform(500000);
	evtimer_add(lan_timer, &tv);
}

/* Open the discovery socket and start announcing (if switched on). */
static void
lan_init(void)
{
	struct sockaddr_in	sin;
	int			one = 1, zero = 0;
	u_char			ttl = 1, loop = 1;

	if (!cfg_num(CFG_LAN_DISCOVERY))
		return;
	lan_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lan_fd == -1)
		return;
	setsockopt(lan_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(lan_fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
	setsockopt(lan_fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop);
	setsockopt(lan_fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof zero);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((u_short)cfg_num(CFG_LAN_PORT));
	if (bind(lan_fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		log_warnx("%s: LAN discovery off: port %lld: %s", __func__,
		    cfg_num(CFG_LAN_PORT), strerror(errno));
		close(lan_fd);
		lan_fd = -1;
		return;
	}
	lan_read_ev = event_new(node_base, lan_fd, EV_READ | EV_PERSIST,
	    lan_read_cb, NULL);
	event_add(lan_read_ev, NULL);
	lan_timer = evtimer_new(node_base, lan_timer_cb, NULL);
	event_active(lan_timer, EV_TIMEOUT, 0);
}

/* Stop announcing. */
static void
lan_shutdown(void)
{
	if (lan_read_ev != NULL)
		event_free(lan_read_ev);
	if (lan_timer != NULL)
		event_free(lan_timer);
	lan_read_ev = lan_timer = NULL;
	if (lan_fd != -1)
		close(lan_fd);
	lan_fd = -1;
}

const struct module lan_module = {
	.name = "lan",
	.init = lan_init,
	.shutdown = lan_shutdown,
};
