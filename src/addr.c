/*
 * addr.c: network addresses: "HOST:PORT" parsing, numeric host text from a
 * sockaddr, and the class of an address (loopback, private, public) that
 * decides what peer exchange and LAN discovery may learn.
 */

#include "p2pchat.h"

#include <arpa/inet.h>

/* Classify an address: loopback, private (LAN-scoped), or unusable. */
int
addr_class(int family, const uint8_t *a)
{
	static const uint8_t	zero[16];

	if (family == 4) {
		if (a[0] == 127)
			return (ADDR_LOOPBACK);
		if (a[0] == 0 || a[0] >= 224)	/* unspecified, multicast, */
			return (ADDR_BAD);	/* reserved, broadcast */
		if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64))
			return (ADDR_PRIVATE);
		return (ADDR_PUBLIC);
	}
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return (ADDR_LOOPBACK);
	if (memcmp(a, zero, 16) == 0 || a[0] == 0xff)
		return (ADDR_BAD);
	if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return (ADDR_PRIVATE);
	if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff)
		return (addr_class(4, a + 12));
	return (ADDR_PUBLIC);
}

/* Classify a numeric host string. */
int
addr_host_class(const char *host)
{
	uint8_t	a[16];

	if (inet_pton(AF_INET, host, a) == 1)
		return (addr_class(4, a));
	if (inet_pton(AF_INET6, host, a) == 1)
		return (addr_class(6, a));
	return (ADDR_BAD);
}

/* Turn a sockaddr into numeric host text and a port. */
void
addr_sockaddr_host(const struct sockaddr *sa, char *host, size_t len,
    u_short *port)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	if (sa->sa_family == AF_INET6) {
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host,
			    len);
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, host, len);
		*port = ntohs(sin6->sin6_port);
	} else {
		inet_ntop(AF_INET, &sin->sin_addr, host, len);
		*port = ntohs(sin->sin_port);
	}
}

/*
 * Parse "HOST:PORT" or "[V6]:PORT". The host is returned in a new string;
 * an empty host is allowed only where the caller accepts it.
 */
int
addr_parse(const char *s, char **host, u_short *port, char **cause)
{
	const char	*colon, *hs, *he;
	char		*end;
	long		 p;

	if (*s == '[') {
		hs = s + 1;
		if ((he = strchr(hs, ']')) == NULL || he[1] != ':')
			goto bad;
		colon = he + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		hs = s;
		he = colon;
		if (memchr(hs, ':', he - hs) != NULL)
			goto bad;
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || p < 0 ||
	    p > 65535) {
		xasprintf(cause, "bad port in \"%s\"", s);
		return (-1);
	}
	*host = xstrndup(hs, he - hs);
	*port = (u_short)p;
	return (0);
bad:
	xasprintf(cause, "\"%s\" is not ADDR:PORT", s);
	return (-1);
}
