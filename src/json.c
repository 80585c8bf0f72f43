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

/*
 * Reading: one flat object of string, integer and boolean members (what an
 * attached client sends, server.c). Nothing nests; at most JSON_FIELDS
 * members; strings are decoded (escapes, surrogate pairs) into UTF-8 and
 * must be valid, without NUL.
 */

/* Skip white space. */
static void
json_skip(struct buf *b)
{
	while (buf_left(b) != 0 && (b->d[b->off] == ' ' ||
	    b->d[b->off] == '\t' || b->d[b->off] == '\r' ||
	    b->d[b->off] == '\n'))
		b->off++;
}

/* Read four hex digits of a \u escape. */
static int
json_get_hex4(struct buf *b, uint32_t *cp)
{
	const u_char	*p;
	u_int		 i;

	if (buf_get_ptr(b, &p, 4) != 0)
		return (-1);
	*cp = 0;
	for (i = 0; i < 4; i++) {
		*cp <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			*cp |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			*cp |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			*cp |= p[i] - 'A' + 10;
		else
			return (-1);
	}
	return (0);
}

/* Put a code point as UTF-8. */
static void
json_put_utf8(struct buf *out, uint32_t cp)
{
	if (cp < 0x80)
		buf_put_u8(out, (uint8_t)cp);
	else if (cp < 0x800) {
		buf_put_u8(out, 0xc0 | (cp >> 6));
		buf_put_u8(out, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		buf_put_u8(out, 0xe0 | (cp >> 12));
		buf_put_u8(out, 0x80 | ((cp >> 6) & 0x3f));
		buf_put_u8(out, 0x80 | (cp & 0x3f));
	} else {
		buf_put_u8(out, 0xf0 | (cp >> 18));
		buf_put_u8(out, 0x80 | ((cp >> 12) & 0x3f));
		buf_put_u8(out, 0x80 | ((cp >> 6) & 0x3f));
		buf_put_u8(out, 0x80 | (cp & 0x3f));
	}
}

/* Read a string (after its opening quote) into out, NUL-terminated. */
static int
json_get_string(struct buf *b, struct buf *out)
{
	const u_char	*run;
	uint8_t		 c;
	uint32_t	 cp, lo;
	size_t		 n, left;

	for (;;) {
		/* A run of plain bytes is copied at once. */
		left = buf_left(b);
		run = b->d + b->off;
		for (n = 0; n < left; n++) {
			c = run[n];
			if (c == '"' || c == '\\' || c < 0x20)
				break;
		}
		if (n != 0) {
			if (buf_get_ptr(b, &run, n) != 0)
				return (-1);
			buf_put(out, run, n);
		}
		if (buf_get_u8(b, &c) != 0)
			return (-1);
		if (c == '"')
			break;
		if (c < 0x20)
			return (-1);
		if (c != '\\') {
			buf_put_u8(out, c);
			continue;
		}
		if (buf_get_u8(b, &c) != 0)
			return (-1);
		switch (c) {
		case '"': case '\\': case '/':
			buf_put_u8(out, c);
			continue;
		case 'n': buf_put_u8(out, '\n'); continue;
		case 'r': buf_put_u8(out, '\r'); continue;
		case 't': buf_put_u8(out, '\t'); continue;
		case 'b': buf_put_u8(out, '\b'); continue;
		case 'f': buf_put_u8(out, '\f'); continue;
		case 'u':
			break;
		default:
			return (-1);
		}
		if (json_get_hex4(b, &cp) != 0)
			return (-1);
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return (-1);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (buf_get_u8(b, &c) != 0 || c != '\\' ||
			    buf_get_u8(b, &c) != 0 || c != 'u' ||
			    json_get_hex4(b, &lo) != 0 ||
			    lo < 0xdc00 || lo > 0xdfff)
				return (-1);
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (cp == 0)
			return (-1);
		json_put_utf8(out, cp);
	}
	if (!utf8_valid((const char *)out->d, out->size, 0))
		return (-1);
	buf_put_u8(out, '\0');
	return (0);
}

/* Read an integer (no fraction, no exponent, within int64). */
static int
json_get_number(struct buf *b, long long *v)
{
	uint8_t			 c;
	unsigned long long	 u = 0;
	int			 neg = 0, digits = 0;

	if (buf_left(b) != 0 && b->d[b->off] == '-') {
		neg = 1;
		b->off++;
	}
	while (buf_left(b) != 0 && b->d[b->off] >= '0' &&
	    b->d[b->off] <= '9') {
		c = b->d[b->off++];
		if (u > (9223372036854775807ULL - (c - '0')) / 10)
			return (-1);
		u = u * 10 + (c - '0');
		digits++;
	}
	if (digits == 0 || (digits > 1 && b->d[b->off - digits] == '0'))
		return (-1);
	*v = neg ? -(long long)u : (long long)u;
	return (0);
}

/* Read a literal word (true, false, null). */
static int
json_get_word(struct buf *b, const char *word)
{
	const u_char	*p;
	size_t		 len = strlen(word);

	if (buf_get_ptr(b, &p, len) != 0 || memcmp(p, word, len) != 0)
		return (-1);
	return (0);
}

/* Free what json_parse filled in. */
void
json_fields_free(struct json_field *f, u_int n)
{
	u_int	i;

	for (i = 0; i < n; i++) {
		free(f[i].key);
		free(f[i].str);
	}
}

/*
 * Parse one object of len bytes into at most JSON_FIELDS members. Returns
 * the number of members, or -1 with cause set (nothing to free then).
 */
int
json_parse(const char *s, size_t len, struct json_field *f, char **cause)
{
	struct buf	 b, tmp;
	uint8_t		 c;
	u_int		 n = 0;
	const char	*why = "not an object";

	buf_from(&b, s, len);
	json_skip(&b);
	if (buf_get_u8(&b, &c) != 0 || c != '{')
		goto fail;
	json_skip(&b);
	if (buf_left(&b) != 0 && b.d[b.off] == '}') {
		b.off++;
		goto end;
	}
	for (;;) {
		why = "bad member name";
		if (buf_get_u8(&b, &c) != 0 || c != '"')
			goto fail;
		if (n == JSON_FIELDS) {
			why = "too many members";
			goto fail;
		}
		memset(&f[n], 0, sizeof f[n]);
		buf_init(&tmp);
		if (json_get_string(&b, &tmp) != 0) {
			buf_free(&tmp);
			goto fail;
		}
		f[n].key = (char *)tmp.d;
		n++;
		json_skip(&b);
		why = "missing colon";
		if (buf_get_u8(&b, &c) != 0 || c != ':')
			goto fail;
		json_skip(&b);
		why = "bad value";
		if (buf_left(&b) == 0)
			goto fail;
		c = b.d[b.off];
		if (c == '"') {
			b.off++;
			buf_init(&tmp);
			if (json_get_string(&b, &tmp) != 0) {
				buf_free(&tmp);
				goto fail;
			}
			f[n - 1].type = JSON_STRING;
			f[n - 1].str = (char *)tmp.d;
		} else if (c == 't' || c == 'f') {
			if (json_get_word(&b, c == 't' ? "true" : "false") != 0)
				goto fail;
			f[n - 1].type = JSON_BOOL;
			f[n - 1].num = c == 't';
		} else if (c == 'n') {
			if (json_get_word(&b, "null") != 0)
				goto fail;
			f[n - 1].type = JSON_NULL;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			if (json_get_number(&b, &f[n - 1].num) != 0)
				goto fail;
			f[n - 1].type = JSON_NUMBER;
		} else
			goto fail;
		json_skip(&b);
		why = "expected , or }";
		if (buf_get_u8(&b, &c) != 0)
			goto fail;
		if (c == '}')
			break;
		if (c != ',')
			goto fail;
		json_skip(&b);
	}
end:
	json_skip(&b);
	if (buf_left(&b) != 0) {
		why = "bytes after the object";
		goto fail;
	}
	return ((int)n);
fail:
	json_fields_free(f, n);
	xasprintf(cause, "bad JSON: %s at byte %zu", why, b.off);
	return (-1);
}

/* The member named key, or NULL. */
const struct json_field *
json_field_get(const struct json_field *f, u_int n, const char *key)
{
	u_int	i;

	for (i = 0; i < n; i++) {
		if (strcmp(f[i].key, key) == 0)
			return (&f[i]);
	}
	return (NULL);
}
