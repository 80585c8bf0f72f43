/*
 * hex.c: lowercase hex encoding of bytes (peer ids, message ids) and its
 * strict decoder.
 */

#include "p2pchat.h"

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
