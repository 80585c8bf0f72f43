/*
 * utf8.c: UTF-8 checks.
 */

#include "p2pchat.h"

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
 * Check that s (len bytes) is valid UTF-8 with no NUL. With UTF8_NO_CONTROL
 * in flags, also refuse C0 and C1 control characters and DEL.
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
		if (cp == 0)
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
