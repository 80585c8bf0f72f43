/*
 * json.c: JSON Lines output for the headless frontend.
 *
 * Output is pure ASCII: quotes, backslashes, every control character and
 * every non-ASCII character are escaped (\uXXXX, with surrogate pairs above
 * U+FFFF); a byte that is not valid UTF-8 becomes U+FFFD.
 */

#include "p2pchat.h"

/* Room for a usual event (a message is under 300 bytes): one allocation. */
#define JSON_START	512

/* Bytes that go out as they are: printable ASCII but quote and backslash. */
static int
json_plain(u_char c)
{
	return (c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
}

/* Escape len bytes of s as the inside of a JSON string. */
void
json_escape(struct buf *b, const char *s, size_t len)
{
	const u_char	*p = (const u_char *)s;
	char		 tmp[16];
	uint32_t	 cp;
	size_t		 i = 0;
	int		 n;

	while (i < len) {
		/* Copy a run of plain printable ASCII in one go. */
		n = 0;
		while (i + n < len && json_plain(p[i + n]))
			n++;
		if (n != 0) {
			buf_put(b, p + i, n);
			i += n;
			continue;
		}
		n = utf8_decode(p + i, len - i, &cp);
		if (n == -1) {
			cp = 0xfffd;
			n = 1;
		}
		i += n;
		switch (cp) {
		case '"':  buf_put(b, "\\\"", 2); continue;
		case '\\': buf_put(b, "\\\\", 2); continue;
		case '\n': buf_put(b, "\\n", 2); continue;
		case '\r': buf_put(b, "\\r", 2); continue;
		case '\t': buf_put(b, "\\t", 2); continue;
		case '\b': buf_put(b, "\\b", 2); continue;
		case '\f': buf_put(b, "\\f", 2); continue;
		}
		if (cp >= 0x20 && cp < 0x7f) {
			buf_put_u8(b, (uint8_t)cp);
			continue;
		}
		if (cp > 0xffff) {
			cp -= 0x10000;
			snprintf(tmp, sizeof tmp, "\\u%04x\\u%04x",
			    0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
		} else
			snprintf(tmp, sizeof tmp, "\\u%04x", cp);
		buf_put(b, tmp, strlen(tmp));
	}
}

/* Start an object with its "event" key. */
void
json_begin(struct json *j, const char *event)
{
	buf_init(&j->b);
	buf_reserve(&j->b, JSON_START);
	buf_reset(&j->b);
	buf_put_u8(&j->b, '{');
	j->first = 1;
	json_str(j, "event", event);
}

/*
 * Write a key and the separator before it. Keys are this program's own
 * names, plain ASCII: they are not escaped.
 */
static void
json_key(struct json *j, const char *key)
{
	size_t	 len = strlen(key);
	u_char	*p;

	p = buf_reserve(&j->b, len + 4);
	if (!j->first)
		*p++ = ',';
	else
		j->b.size--;
	j->first = 0;
	*p++ = '"';
	memcpy(p, key, len);
	p[len] = '"';
	p[len + 1] = ':';
}

/* Add a string member (NULL becomes null). */
void
json_str(struct json *j, const char *key, const char *value)
{
	if (value == NULL) {
		json_key(j, key);
		buf_put(&j->b, "null", 4);
		return;
	}
	json_strn(j, key, value, strlen(value));
}

/* Add a string member of a given length. */
void
json_strn(struct json *j, const char *key, const char *value, size_t len)
{
	json_key(j, key);
	buf_put_u8(&j->b, '"');
	json_escape(&j->b, value, len);
	buf_put_u8(&j->b, '"');
}

/* Add an integer member. */
void
json_int(struct json *j, const char *key, long long value)
{
	char			 tmp[24], *p = tmp + sizeof tmp;
	unsigned long long	 u;

	json_key(j, key);
	u = value < 0 ? 0ULL - (unsigned long long)value :
	    (unsigned long long)value;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (value < 0)
		*--p = '-';
	buf_put(&j->b, p, (size_t)(tmp + sizeof tmp - p));
}

/* Add a boolean member. */
void
json_bool(struct json *j, const char *key, int value)
{
	json_key(j, key);
	if (value)
		buf_put(&j->b, "true", 4);
	else
		buf_put(&j->b, "false", 5);
}

/* Add bytes as a hex string member. */
void
json_hex(struct json *j, const char *key, const uint8_t *data, size_t len)
{
	u_char	*p;

	json_key(j, key);
	p = buf_reserve(&j->b, 2 * len + 3);
	p[0] = '"';
	hex_encode(data, len, (char *)p + 1);	/* writes a NUL too */
	p[2 * len + 1] = '"';
	j->b.size--;
}

/* Close the object and return the line (with its newline); free with buf. */
const char *
json_end(struct json *j, size_t *len)
{
	buf_put(&j->b, "}\n", 3);	/* with a NUL, not counted */
	j->b.size--;
	*len = j->b.size;
	return ((const char *)j->b.d);
}
