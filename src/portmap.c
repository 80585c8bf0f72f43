/*
 * portmap.c: a port mapping on the home router, so that peers can dial a
 * node behind NAT at the router's public address. NAT-PMP (libnatpmp) is
 * asked first, on the event loop; UPnP-IGD (miniupnpc, whose calls block)
 * next, in a thread of its own that hands its result back through a pipe.
 * A mapping lasts PORTMAP_LIFETIME seconds, is renewed at half of it, and
 * is removed when the node stops.
 *
 * Only a gateway on a private network is asked: the default route must go
 * through an interface with an RFC 1918 address, to a gateway with one. A
 * host with only public (or documentation) addresses has no NAT to ask,
 * and sends nothing. A mapping whose external address is itself private
 * or shared (100.64.0.0/10) is behind carrier-grade NAT: it is said so and
 * not used.
 */

#include "p2pchat.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <pthread.h>

#ifdef HAVE_NATPMP
#include <natpmp.h>
#endif
#ifdef HAVE_MINIUPNPC
#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#endif

#define PORTMAP_LIFETIME	3600	/* seconds asked for */
#define PORTMAP_NATPMP_TRIES	3	/* then UPnP-IGD (about 1.75 s) */
#define PORTMAP_RETRY_S		300	/* after everything failed */

enum portmap_state {
	PORTMAP_OFF,		/* disabled, or no NAT to ask */
	PORTMAP_ASKING,
	PORTMAP_MAPPED,
	PORTMAP_CGNAT,		/* mapped, but not to a public address */
	PORTMAP_FAILED,
};
static const char *portmap_states[] = {
	[PORTMAP_OFF] = "off",
	[PORTMAP_ASKING] = "asking",
	[PORTMAP_MAPPED] = "mapped",
	[PORTMAP_CGNAT] = "carrier-grade NAT",
	[PORTMAP_FAILED] = "failed",
};

static struct {
	enum portmap_state	 state;
	const char		*how;		/* "NAT-PMP", "UPnP-IGD" */
	char			 why[128];	/* off or failed: the reason */
	struct in_addr		 gateway;
	char			 lan[INET_ADDRSTRLEN]; /* our address there */
	char			 ext[INET_ADDRSTRLEN];
	u_short			 port;		/* ours, and asked for */
	u_short			 ext_port;
	u_int			 lifetime;	/* granted, seconds */
	struct event		*timer;		/* renewal or retry */
	uint64_t		 mappings;	/* granted, renewals too */
	uint64_t		 failures;
} pm;

#ifdef HAVE_NATPMP
static natpmp_t		 pm_natpmp;
static int		 pm_natpmp_open;
static struct event	*pm_natpmp_ev;
static int		 pm_natpmp_step;	/* 0 address, 1 mapping */
#endif
static char		 pm_natpmp_why[64];	/* why NAT-PMP gave no mapping */

#ifdef HAVE_MINIUPNPC
/* The UPnP-IGD worker: one at a time; its result comes through a pipe. */
static struct {
	pthread_t	 thread;
	int		 running;
	int		 pipe[2];
	struct event	*ev;
	int		 have_urls;
	struct UPNPUrls	 urls;
	struct IGDdatas	 data;
	/* The worker's result, read once it wrote a byte to the pipe. */
	int		 ok;
	char		 ext[INET_ADDRSTRLEN];
	char		 lan[INET_ADDRSTRLEN];
	char		 why[128];
} pm_upnp;
#endif

static void	portmap_ask(void);
static void	portmap_upnp_start(void);

/* Tell the frontend (and the log) what became of the mapping. */
static void
portmap_report(void)
{
	struct fe_kv	 kv[4];
	char		 addr[INET_ADDRSTRLEN + 8];
	u_int		 n = 0;

	kv[n++] = (struct fe_kv){ "state", portmap_states[pm.state], 0 };
	if (pm.how != NULL)
		kv[n++] = (struct fe_kv){ "via", pm.how, 0 };
	if (pm.state == PORTMAP_MAPPED || pm.state == PORTMAP_CGNAT) {
		snprintf(addr, sizeof addr, "%s:%u", pm.ext, pm.ext_port);
		kv[n++] = (struct fe_kv){ "address", addr, 0 };
		log_info("%s: %s: %s at %s for %u s", __func__, pm.how,
		    portmap_states[pm.state], addr, pm.lifetime);
	} else {
		kv[n++] = (struct fe_kv){ "reason", pm.why, 0 };
		log_info("%s: %s: %s", __func__, portmap_states[pm.state],
		    pm.why);
	}
	fe->item("port_mapping", kv, n);
}

/* Try everything again in a while. */
static void
portmap_failed(const char *why)
{
	pm.state = PORTMAP_FAILED;
	pm.how = NULL;
	pm.failures++;
	if (*pm_natpmp_why != '\0')
		snprintf(pm.why, sizeof pm.why, "NAT-PMP: %s; UPnP-IGD: %s",
		    pm_natpmp_why, why);
	else
		snprintf(pm.why, sizeof pm.why, "%s", why);
	portmap_report();
	timer_add_ms(pm.timer, (int64_t)PORTMAP_RETRY_S * 1000);
}

/* A mapping was granted: keep it, and renew it at half its lifetime. */
static void
portmap_granted(const char *how, const char *ext, u_short ext_port,
    u_int lifetime)
{
	uint8_t	a[4];

	pm.how = how;
	snprintf(pm.ext, sizeof pm.ext, "%s", ext);
	pm.ext_port = ext_port;
	pm.lifetime = lifetime != 0 ? lifetime : PORTMAP_LIFETIME;
	pm.mappings++;
	if (inet_pton(AF_INET, ext, a) == 1 && addr_class(4, a) ==
	    ADDR_PUBLIC)
		pm.state = PORTMAP_MAPPED;
	else
		pm.state = PORTMAP_CGNAT;
	portmap_report();
	timer_add_ms(pm.timer, (int64_t)pm.lifetime * 500);
}

/*
 * Find the default IPv4 gateway (from /proc/net/route) and our address
 * on its interface. 0 if both are private (RFC 1918), else -1 and why.
 */
static int
portmap_gateway(char *why, size_t len)
{
	struct ifaddrs	*ifa, *i;
	FILE		*f;
	char		 line[256], ifname[IF_NAMESIZE + 1];
	unsigned long	 dest, gw, flags;
	const uint8_t	*g, *a;
	int		 found = 0;

	if ((f = fopen("/proc/net/route", "r")) == NULL) {
		snprintf(why, len, "no routing table to read");
		return (-1);
	}
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%16s %lx %lx %lx", ifname, &dest, &gw,
		    &flags) != 4)
			continue;
		if (dest == 0 && (flags & 0x2) != 0) {	/* RTF_GATEWAY */
			found = 1;
			break;
		}
	}
	fclose(f);
	if (!found) {
		snprintf(why, len, "no default gateway");
		return (-1);
	}
	pm.gateway.s_addr = (in_addr_t)gw;	/* network order already */
	g = (const uint8_t *)&pm.gateway.s_addr;
	if (!(g[0] == 10 || (g[0] == 172 && (g[1] & 0xf0) == 16) ||
	    (g[0] == 192 && g[1] == 168))) {
		snprintf(why, len, "the gateway is not on a private network: "
		    "no NAT to ask");
		return (-1);
	}
	if (getifaddrs(&ifa) != 0) {
		snprintf(why, len, "cannot list interfaces");
		return (-1);
	}
	*pm.lan = '\0';
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, ifname) != 0)
			continue;
		a = (const uint8_t *)&((struct sockaddr_in *)
		    i->ifa_addr)->sin_addr;
		if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168)) {
			inet_ntop(AF_INET, a, pm.lan, sizeof pm.lan);
			break;
		}
	}
	freeifaddrs(ifa);
	if (*pm.lan == '\0') {
		snprintf(why, len, "no private address on %s: no NAT to ask",
		    ifname);
		return (-1);
	}
	return (0);
}

#ifdef HAVE_NATPMP
/* Wait for the NAT-PMP answer, or the time of the next try. */
static void
portmap_natpmp_wait(void)
{
	struct timeval	tv;

	if (getnatpmprequesttimeout(&pm_natpmp, &tv) != 0)
		tv.tv_sec = 0, tv.tv_usec = 250000;
	event_del(pm_natpmp_ev);
	event_add(pm_natpmp_ev, &tv);
}

/* Give NAT-PMP up and ask UPnP-IGD. */
static void
portmap_natpmp_close(void)
{
	if (pm_natpmp_ev != NULL)
		event_free(pm_natpmp_ev);
	pm_natpmp_ev = NULL;
	if (pm_natpmp_open)
		closenatpmp(&pm_natpmp);
	pm_natpmp_open = 0;
}

/* A NAT-PMP error in words. */
static const char *
portmap_natpmp_error(int rc)
{
	switch (rc) {
	case NATPMP_ERR_NOGATEWAYSUPPORT:
		return ("not supported by the gateway");
	case NATPMP_ERR_NOTAUTHORIZED:
		return ("refused (not authorised)");
	case NATPMP_ERR_NETWORKFAILURE:
		return ("the gateway has no public address");
	case NATPMP_ERR_OUTOFRESOURCES:
		return ("the gateway has no mapping to spare");
	case NATPMP_ERR_UNSUPPORTEDVERSION:
	case NATPMP_ERR_UNSUPPORTEDOPCODE:
		return ("a version the gateway does not speak");
	default:
		return ("no answer");
	}
}

/* The NAT-PMP socket is readable, or a try timed out. */
static void
portmap_natpmp_cb(evutil_socket_t fd, short what, void *arg)
{
	natpmpresp_t	 r;
	char		 ext[INET_ADDRSTRLEN];
	int		 rc;

	rc = readnatpmpresponseorretry(&pm_natpmp, &r);
	if (rc == NATPMP_TRYAGAIN) {
		if (pm_natpmp.try_number >= PORTMAP_NATPMP_TRIES) {
			snprintf(pm_natpmp_why, sizeof pm_natpmp_why,
			    "no answer");
			log_info("%s: no NAT-PMP answer from the gateway",
			    __func__);
			portmap_natpmp_close();
			portmap_upnp_start();
			return;
		}
		portmap_natpmp_wait();
		return;
	}
	if (rc < 0) {
		snprintf(pm_natpmp_why, sizeof pm_natpmp_why, "%s",
		    portmap_natpmp_error(rc));
		log_info("%s: NAT-PMP: %s", __func__, pm_natpmp_why);
		portmap_natpmp_close();
		portmap_upnp_start();
		return;
	}
	if (pm_natpmp_step == 0) {
		inet_ntop(AF_INET, &r.pnu.publicaddress.addr, pm.ext,
		    sizeof pm.ext);
		pm_natpmp_step = 1;
		if (sendnewportmappingrequest(&pm_natpmp, NATPMP_PROTOCOL_TCP,
		    pm.port, pm.port, PORTMAP_LIFETIME) < 0) {
			portmap_natpmp_close();
			portmap_upnp_start();
			return;
		}
		portmap_natpmp_wait();
		return;
	}
	*pm_natpmp_why = '\0';
	snprintf(ext, sizeof ext, "%s", pm.ext);
	portmap_granted("NAT-PMP", ext, r.pnu.newportmapping.mappedpublicport,
	    r.pnu.newportmapping.lifetime);
	/* The socket stays open to renew and remove the mapping. */
	event_del(pm_natpmp_ev);
}

/* Ask the gateway by NAT-PMP: its public address, then the mapping. */
static int
portmap_natpmp_start(void)
{
	if (!pm_natpmp_open) {
		if (initnatpmp(&pm_natpmp, 1, pm.gateway.s_addr) != 0)
			return (-1);
		pm_natpmp_open = 1;
	}
	if (pm_natpmp_ev == NULL)
		pm_natpmp_ev = event_new(node_base, pm_natpmp.s, EV_READ,
		    portmap_natpmp_cb, NULL);
	pm_natpmp_step = 0;
	if (sendpublicaddressrequest(&pm_natpmp) < 0) {
		portmap_natpmp_close();
		return (-1);
	}
	portmap_natpmp_wait();
	return (0);
}
#endif

#ifdef HAVE_MINIUPNPC
/*
 * The worker: find the IGD on the gateway's network (once), learn the
 * external address and add (or renew) the mapping. Blocking calls.
 */
static void *
portmap_upnp_run(void *arg)
{
	struct UPNPDev	*devs;
	char		 port[8];
	int		 err = 0, rc;

	pm_upnp.ok = 0;
	if (!pm_upnp.have_urls) {
		devs = upnpDiscover(2000, pm.lan, NULL, 0, 0, 2, &err);
		if (devs == NULL) {
			snprintf(pm_upnp.why, sizeof pm_upnp.why,
			    "no UPnP-IGD answered");
			goto out;
		}
		rc = UPNP_GetValidIGD(devs, &pm_upnp.urls, &pm_upnp.data,
		    pm_upnp.lan, sizeof pm_upnp.lan);
		freeUPNPDevlist(devs);
		if (rc != 1) {
			if (rc != 0)
				FreeUPNPUrls(&pm_upnp.urls);
			snprintf(pm_upnp.why, sizeof pm_upnp.why,
			    "no connected UPnP-IGD");
			goto out;
		}
		pm_upnp.have_urls = 1;
	}
	if (UPNP_GetExternalIPAddress(pm_upnp.urls.controlURL,
	    pm_upnp.data.first.servicetype, pm_upnp.ext) != 0) {
		snprintf(pm_upnp.why, sizeof pm_upnp.why,
		    "the IGD gave no external address");
		goto out;
	}
	snprintf(port, sizeof port, "%u", pm.port);
	rc = UPNP_AddPortMapping(pm_upnp.urls.controlURL,
	    pm_upnp.data.first.servicetype, port, port, pm_upnp.lan,
	    "p2pchat", "TCP", NULL, "3600");
	if (rc != 0) {
		snprintf(pm_upnp.why, sizeof pm_upnp.why,
		    "the IGD refused the mapping (%d)", rc);
		goto out;
	}
	pm_upnp.ok = 1;
out:
	if (write(pm_upnp.pipe[1], "x", 1) != 1)
		log_warnx("%s: cannot wake the loop", __func__);
	return (NULL);
}

/* The worker finished: take its result. */
static void
portmap_upnp_done(evutil_socket_t fd, short what, void *arg)
{
	char	c;

	if (read(fd, &c, 1) != 1)
		return;
	pthread_join(pm_upnp.thread, NULL);
	pm_upnp.running = 0;
	if (pm_upnp.ok) {
		*pm_natpmp_why = '\0';
		portmap_granted("UPnP-IGD", pm_upnp.ext, pm.port,
		    PORTMAP_LIFETIME);
	} else
		portmap_failed(pm_upnp.why);
}

/* Start the worker (if none runs). */
static void
portmap_upnp_start(void)
{
	if (pm_upnp.running)
		return;
	if (pm_upnp.ev == NULL) {
		if (pipe(pm_upnp.pipe) != 0) {
			portmap_failed("cannot make a pipe");
			return;
		}
		pm_upnp.ev = event_new(node_base, pm_upnp.pipe[0],
		    EV_READ|EV_PERSIST, portmap_upnp_done, NULL);
		event_add(pm_upnp.ev, NULL);
	}
	if (pthread_create(&pm_upnp.thread, NULL, portmap_upnp_run,
	    NULL) != 0) {
		portmap_failed("cannot start a thread");
		return;
	}
	pm_upnp.running = 1;
}
#else
/* Without miniupnpc: NAT-PMP was all there was. */
static void
portmap_upnp_start(void)
{
	portmap_failed("the gateway answered no NAT-PMP, and this p2pchat "
	    "was built without UPnP-IGD");
}
#endif

/* Ask for (or renew) the mapping, NAT-PMP first. */
static void
portmap_ask(void)
{
	if (pm.state != PORTMAP_MAPPED && pm.state != PORTMAP_CGNAT)
		pm.state = PORTMAP_ASKING;
#ifdef HAVE_MINIUPNPC
	if (pm.how != NULL && strcmp(pm.how, "UPnP-IGD") == 0) {
		portmap_upnp_start();	/* renew where it was granted */
		return;
	}
#endif
#ifdef HAVE_NATPMP
	if (portmap_natpmp_start() == 0)
		return;
#endif
	portmap_upnp_start();
}

/* The renewal (or retry) timer. */
static void
portmap_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	portmap_ask();
}

/* Start: ask the gateway if there is one to ask. */
static void
portmap_init(void)
{
	memset(&pm, 0, sizeof pm);
	pm.port = node_listen_port();
	if (!cfg_num(CFG_PORT_MAPPING)) {
		snprintf(pm.why, sizeof pm.why, "port_mapping = no");
		return;
	}
#if !defined(HAVE_NATPMP) && !defined(HAVE_MINIUPNPC)
	snprintf(pm.why, sizeof pm.why, "built without libnatpmp and "
	    "miniupnpc");
	return;
#endif
	if (pm.port == 0) {
		snprintf(pm.why, sizeof pm.why, "not listening");
		return;
	}
	if (portmap_gateway(pm.why, sizeof pm.why) != 0) {
		log_info("%s: %s", __func__, pm.why);
		return;
	}
	pm.timer = evtimer_new(node_base, portmap_timer_cb, NULL);
	log_info("%s: asking gateway %s for TCP port %u", __func__,
	    inet_ntoa(pm.gateway), pm.port);
	portmap_ask();
}

/* Stop: remove the mapping, wait for a worker still asking. */
static void
portmap_shutdown(void)
{
#ifdef HAVE_MINIUPNPC
	char	port[8];

	if (pm_upnp.running) {
		pthread_join(pm_upnp.thread, NULL);
		pm_upnp.running = 0;
	}
	if (pm_upnp.have_urls && pm.how != NULL &&
	    strcmp(pm.how, "UPnP-IGD") == 0) {
		snprintf(port, sizeof port, "%u", pm.port);
		UPNP_DeletePortMapping(pm_upnp.urls.controlURL,
		    pm_upnp.data.first.servicetype, port, "TCP", NULL);
		log_info("%s: UPnP-IGD mapping removed", __func__);
	}
	if (pm_upnp.have_urls)
		FreeUPNPUrls(&pm_upnp.urls);
	pm_upnp.have_urls = 0;
	if (pm_upnp.ev != NULL) {
		event_free(pm_upnp.ev);
		close(pm_upnp.pipe[0]);
		close(pm_upnp.pipe[1]);
	}
	pm_upnp.ev = NULL;
#endif
#ifdef HAVE_NATPMP
	if (pm_natpmp_open && pm.how != NULL &&
	    strcmp(pm.how, "NAT-PMP") == 0) {
		/* One datagram: a lifetime of 0 removes the mapping. */
		sendnewportmappingrequest(&pm_natpmp, NATPMP_PROTOCOL_TCP,
		    pm.port, 0, 0);
		log_info("%s: NAT-PMP mapping removed", __func__);
	}
	portmap_natpmp_close();
#endif
	if (pm.timer != NULL)
		event_free(pm.timer);
	pm.timer = NULL;
}

/*
 * The mapped external address and port (0 and NULL if none, or if it is
 * not public), for the reachability code to offer and compare.
 */
const char *
portmap_external(u_short *port)
{
	if (pm.state != PORTMAP_MAPPED) {
		*port = 0;
		return (NULL);
	}
	*port = pm.ext_port;
	return (pm.ext);
}

/* What became of the mapping, in words, for /id. */
const char *
portmap_describe(void)
{
	static char	s[192];

	switch (pm.state) {
	case PORTMAP_MAPPED:
	case PORTMAP_CGNAT:
		snprintf(s, sizeof s, "%s %s:%u (%s)", portmap_states[pm.state],
		    pm.ext, pm.ext_port, pm.how);
		break;
	case PORTMAP_ASKING:
		snprintf(s, sizeof s, "asking %s", inet_ntoa(pm.gateway));
		break;
	default:
		snprintf(s, sizeof s, "%s: %s", portmap_states[pm.state],
		    pm.why);
		break;
	}
	return (s);
}

/* The counters, for /stats. */
static void
portmap_stats(struct stats *st)
{
	stats_add(st, "port_mappings", (long long)pm.mappings);
	stats_add(st, "port_mapping_failures", (long long)pm.failures);
}

const struct module portmap_module = {
	.name = "portmap",
	.init = portmap_init,
	.shutdown = portmap_shutdown,
	.stats = portmap_stats,
};
