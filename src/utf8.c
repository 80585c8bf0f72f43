/*
 * utf8.c: UTF-8 checks, hex, time and address helpers shared by the core.
 */

#include "p2pchat.h"

#include <arpa/inet.h>

/*
 * Decode one UTF-8 sequence at s (at most len bytes) into *cp. Returns its
 * length, or -1 for an invalid, overlong, surrogate or truncated sequence.
 */
int
utf8_decode(const u_char *s, size_t len, uint32_t *cp)
{
	uint32_t	c, min;
	int		n, i;

	if (len == 0)
		return (-1);
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return (1);
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2; c &= 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; c &= 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; c &= 0x07; min = 0x10000;
	} else
		return (-1);
	if ((size_t)n > len)
		return (-1);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (-1);
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (-1);
	*cp = c;
	return (n);
}

/*
 * Check that s (len bytes) is valid UTF-8 with no NUL (flags UTF8_ALLOW_NUL
 * allows it). With UTF8_NO_CONTROL, also refuse C0 and C1 control
 * characters and DEL.
 */
int
utf8_valid(const char *s, size_t len, int flags)
{
	int	nocontrol = flags & UTF8_NO_CONTROL;
	const u_char	*p = (const u_char *)s;
	uint32_t	 cp;
	size_t		 i = 0;
	int		 n;

	while (i < len) {
		if ((n = utf8_decode(p + i, len - i, &cp)) == -1)
			return (0);
		if (cp == 0 && !(flags & UTF8_ALLOW_NUL))
			return (0);
		if (nocontrol && (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)))
			return (0);
		i += n;
	}
	return (1);
}

/*
 * Return the largest length <= max at which s (len bytes of valid UTF-8)
 * can be cut without splitting a character.
 */
size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t	i;

	if (len <= max)
		return (len);
	i = max;
	while (i > 0 && ((u_char)s[i] & 0xc0) == 0x80)
		i--;
	return (i);
}

/* Write len bytes as lowercase hex into out (2 * len + 1 bytes). */
void
hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

/* The value of one hex digit, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decode exactly 2 * len hex digits into out; -1 if s is not that. */
int
hex_decode(const char *s, uint8_t *out, size_t len)
{
	size_t	i;
	int	hi, lo;

	if (strlen(s) != 2 * len)
		return (-1);
	for (i = 0; i < len; i++) {
		hi = hex_value(s[2 * i]);
		lo = hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return (-1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (0);
}

/*
 * Random bytes for ids, from a buffer refilled from the kernel's generator
 * 4 KiB at a time: one system call per 256 message ids, not one each.
 */
void
random_id(void *out, size_t len)
{
	static u_char	pool[4096];
	static size_t	left;
	u_char		*o = out;
	size_t		 n;

	while (len > 0) {
		if (left == 0) {
			randombytes_buf(pool, sizeof pool);
			left = sizeof pool;
		}
		n = len < left ? len : left;
		memcpy(o, pool + sizeof pool - left, n);
		sodium_memzero(pool + sizeof pool - left, n);
		left -= n;
		o += n;
		len -= n;
	}
}

/* The wall clock in Unix milliseconds. */
int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Microseconds of a clock that only goes forward (for intervals). */
int64_t
mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* Arm a timer event to fire in ms milliseconds. */
void
timer_add_ms(struct event *ev, int64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
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
