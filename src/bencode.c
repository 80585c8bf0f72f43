/*
 * bencode.c: bencoding (BEP 3), the encoding of the Mainline DHT's KRPC
 * messages. The reader goes through the buf API into a bounded array of
 * nodes (no allocation, BENC_NODES nodes and BENC_DEPTH levels at most);
 * strings point into the input. The writer appends to a buf.
 */

#include "p2pchat.h"

/* Read a decimal number up to the terminator; no sign, no leading zero. */
static int
bencode_number(struct buf *b, u_char term, int sign, int64_t *out)
{
	uint64_t	 v = 0;
	uint8_t		 c;
	u_int		 digits = 0;
	int		 neg = 0, zero = 0;

	for (;;) {
		if (buf_get_u8(b, &c) != 0)
			return (-1);
		if (c == term)
			break;
		if (sign && c == '-' && digits == 0 && !neg) {
			neg = 1;
			continue;
		}
		if (c < '0' || c > '9' || zero || ++digits > 18)
			return (-1);
		if (c == '0' && digits == 1)
			zero = 1;
		v = v * 10 + (c - '0');
	}
	if (digits == 0 || (neg && v == 0))
		return (-1);
	*out = neg ? -(int64_t)v : (int64_t)v;
	return (0);
}

/* Take a fresh node from the document. */
static struct benc *
bencode_node(struct benc_doc *doc)
{
	struct benc	*n;

	if (doc->used >= BENC_NODES)
		return (NULL);
	n = &doc->n[doc->used++];
	memset(n, 0, sizeof *n);
	return (n);
}

/* Parse one value (and what it holds) at the buffer's position. */
static struct benc *
bencode_value(struct benc_doc *doc, struct buf *b, u_int depth)
{
	struct benc	*n, *c, **tail;
	const u_char	*start = b->d + b->off, *p;
	int64_t		 len;
	uint8_t		 t;
	u_int		 count = 0;

	if (depth > BENC_DEPTH || buf_left(b) == 0 ||
	    (n = bencode_node(doc)) == NULL)
		return (NULL);
	t = b->d[b->off];
	if (t == 'i') {
		b->off++;
		n->type = BENC_INT;
		if (bencode_number(b, 'e', 1, &n->i) != 0)
			return (NULL);
	} else if (t >= '0' && t <= '9') {
		n->type = BENC_STR;
		if (bencode_number(b, ':', 0, &len) != 0)
			return (NULL);
		if ((uint64_t)len > buf_left(b) ||
		    buf_get_ptr(b, &p, (size_t)len) != 0)
			return (NULL);
		n->s = p;
		n->len = (size_t)len;
	} else if (t == 'l' || t == 'd') {
		b->off++;
		n->type = t == 'l' ? BENC_LIST : BENC_DICT;
		tail = &n->child;
		for (;;) {
			if (buf_left(b) == 0)
				return (NULL);
			if (b->d[b->off] == 'e') {
				b->off++;
				break;
			}
			if ((c = bencode_value(doc, b, depth + 1)) == NULL)
				return (NULL);
			/* A dictionary's keys are strings. */
			if (n->type == BENC_DICT && count % 2 == 0 &&
			    c->type != BENC_STR)
				return (NULL);
			*tail = c;
			tail = &c->next;
			count++;
		}
		if (n->type == BENC_DICT && count % 2 != 0)
			return (NULL);
		n->count = count;
	} else
		return (NULL);
	n->raw = start;
	n->rawlen = (size_t)(b->d + b->off - start);
	return (n);
}

/* Parse a whole message: one value and nothing after it. */
struct benc *
bencode_parse(struct benc_doc *doc, const u_char *p, size_t len)
{
	struct buf	 b;
	struct benc	*root;

	doc->used = 0;
	buf_from(&b, p, len);
	if ((root = bencode_value(doc, &b, 0)) == NULL || buf_left(&b) != 0)
		return (NULL);
	return (root);
}

/* The value of a dictionary key, or NULL. */
const struct benc *
bencode_get(const struct benc *d, const char *key)
{
	const struct benc	*k;
	size_t			 len = strlen(key);

	if (d == NULL || d->type != BENC_DICT)
		return (NULL);
	for (k = d->child; k != NULL && k->next != NULL; k = k->next->next) {
		if (k->len == len && memcmp(k->s, key, len) == 0)
			return (k->next);
	}
	return (NULL);
}

/* A string value of a key, of a length in [min, max]; 0 if there is one. */
int
bencode_get_str(const struct benc *d, const char *key, size_t min, size_t max,
    const u_char **p, size_t *len)
{
	const struct benc	*v;

	if ((v = bencode_get(d, key)) == NULL || v->type != BENC_STR ||
	    v->len < min || v->len > max)
		return (-1);
	*p = v->s;
	*len = v->len;
	return (0);
}

/* An integer value of a key; 0 if there is one. */
int
bencode_get_int(const struct benc *d, const char *key, int64_t *i)
{
	const struct benc	*v;

	if ((v = bencode_get(d, key)) == NULL || v->type != BENC_INT)
		return (-1);
	*i = v->i;
	return (0);
}

/* Append a string. */
void
bencode_put_str(struct buf *b, const void *p, size_t len)
{
	char	n[24];

	xsnprintf(n, sizeof n, "%zu:", len);
	buf_put(b, n, strlen(n));
	buf_put(b, p, len);
}

/* Append a C string. */
void
bencode_put_cstr(struct buf *b, const char *s)
{
	bencode_put_str(b, s, strlen(s));
}

/* Append an integer. */
void
bencode_put_int(struct buf *b, int64_t i)
{
	char	n[32];

	xsnprintf(n, sizeof n, "i%llde", (long long)i);
	buf_put(b, n, strlen(n));
}
