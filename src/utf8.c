/*
 * utf8.c: UTF-8 checks, and the bufferevent helpers shared by the core.
 */

#include "p2pchat.h"

#include <sys/uio.h>

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

/*
 * Read what a bufferevent's socket has waiting, up to max bytes, into its
 * input. libevent 2.1 reads at most 4 KiB per readable event, so a burst
 * of lines or frames would be taken (and committed) 30 messages a loop
 * turn; read callbacks call this to take more of the burst in the same
 * turn. It reads only when the input holds a full read (READ_FULL), which
 * a lone line or frame does not. The bufferevent keeps the tail of its input
 * frozen outside its own reads, so it is thawed for this one. End of file
 * and errors are left for the bufferevent's next read to report. Returns
 * the number of bytes added.
 */
size_t
bev_read_more(struct bufferevent *bev, size_t max)
{
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_iovec	 v[2];
	struct iovec		 iov[2];
	ssize_t			 n = -1;
	size_t			 left;
	int			 fd, nv, i;

	if (evbuffer_get_length(in) < READ_FULL ||
	    (fd = bufferevent_getfd(bev)) == -1 || max == 0)
		return (0);
	evbuffer_unfreeze(in, 0);
	if ((nv = evbuffer_reserve_space(in, max, v, 2)) > 0) {
		for (left = max, i = 0; i < nv; i++) {
			iov[i].iov_base = v[i].iov_base;
			iov[i].iov_len = v[i].iov_len < left ?
			    v[i].iov_len : left;
			left -= iov[i].iov_len;
		}
		do
			n = readv(fd, iov, nv);
		while (n == -1 && errno == EINTR);
		for (left = n > 0 ? n : 0, i = 0; i < nv && left > 0; i++) {
			v[i].iov_len = iov[i].iov_len < left ?
			    iov[i].iov_len : left;
			left -= v[i].iov_len;
		}
		evbuffer_commit_space(in, v, i);
	}
	evbuffer_freeze(in, 0);
	return (n > 0 ? (size_t)n : 0);
}

/*
 * Write what a socket bufferevent holds to its socket now, instead of when
 * the loop next polls; returns the bytes written (0 if none, or if the
 * socket took nothing). libevent keeps the start of an output buffer
 * frozen outside its own write callback, so a plain evbuffer_write here
 * writes nothing; the start is thawed for the call and frozen again.
 */
size_t
bev_write_now(struct bufferevent *bev)
{
	struct evbuffer	*out = bufferevent_get_output(bev);
	int		 fd, n;

	if (evbuffer_get_length(out) == 0 ||
	    (fd = bufferevent_getfd(bev)) == -1)
		return (0);
	evbuffer_unfreeze(out, 1);
	n = evbuffer_write(out, fd);
	evbuffer_freeze(out, 1);
	return (n > 0 ? (size_t)n : 0);
}
