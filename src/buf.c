/*
 * buf.c: the bounds-checked reader and writer for untrusted bytes.
 *
 * Records and LAN announcements are parsed with buf_get_*; each returns 0
 * or -1 and never reads past what is left. A reader made by buf_from()
 * points into the caller's memory and allocates nothing. Not everything
 * goes through it: the 2-byte frame length is read by hand (wire_frame(),
 * session_frame_pull()), and so are the Noise handshake messages
 * (noise_hs_read() checks the whole length against the pattern first)
 * and fixed-size fields read after one size check (identity_payload_check(),
 * the head of an opened RELAY in relay.c). Files are read by inih and
 * SQLite.
 */

#include "p2pchat.h"

/* Make a read-only buffer over memory the caller owns. */
void
buf_from(struct buf *b, const void *data, size_t len)
{
	b->d = (u_char *)data;
	b->size = len;
	b->off = 0;
	b->alloc = 0;
}

/* Make an empty growable buffer. */
void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof *b);
}

/* Free a growable buffer's memory, wiping it first. */
void
buf_free(struct buf *b)
{
	if (b->alloc != 0) {
		sodium_memzero(b->d, b->alloc);
		free(b->d);
	}
	memset(b, 0, sizeof *b);
}

/* Forget the contents of a buffer, keeping its memory. */
void
buf_reset(struct buf *b)
{
	b->size = 0;
	b->off = 0;
}

/* Bytes left to read. */
size_t
buf_left(const struct buf *b)
{
	return (b->size - b->off);
}

/* Read n bytes into dst (may be NULL to skip them). */
int
buf_get(struct buf *b, void *dst, size_t n)
{
	if (n > buf_left(b))
		return (-1);
	if (dst != NULL && n != 0)
		memcpy(dst, b->d + b->off, n);
	b->off += n;
	return (0);
}

/* Point *p at the next n bytes without copying, and step over them. */
int
buf_get_ptr(struct buf *b, const u_char **p, size_t n)
{
	if (n > buf_left(b))
		return (-1);
	*p = b->d + b->off;
	b->off += n;
	return (0);
}

/* Read a byte. */
int
buf_get_u8(struct buf *b, uint8_t *v)
{
	return (buf_get(b, v, 1));
}

/* Read a big-endian 16-bit integer. */
int
buf_get_u16(struct buf *b, uint16_t *v)
{
	u_char	p[2];

	if (buf_get(b, p, sizeof p) != 0)
		return (-1);
	*v = (uint16_t)((p[0] << 8) | p[1]);
	return (0);
}

/* Read a big-endian 32-bit integer. */
int
buf_get_u32(struct buf *b, uint32_t *v)
{
	u_char	p[4];

	if (buf_get(b, p, sizeof p) != 0)
		return (-1);
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
	return (0);
}

/* Read a big-endian 64-bit integer. */
int
buf_get_u64(struct buf *b, uint64_t *v)
{
	uint32_t	hi, lo;

	if (buf_get_u32(b, &hi) != 0 || buf_get_u32(b, &lo) != 0)
		return (-1);
	*v = ((uint64_t)hi << 32) | lo;
	return (0);
}

/* Make room for n more bytes at the end of a growable buffer. */
u_char *
buf_reserve(struct buf *b, size_t n)
{
	size_t	 want;
	u_char	*nd;

	if (b->alloc == 0 && b->d != NULL)
		fatalx("buf_reserve: buffer is read-only");
	if (n > SIZE_MAX - b->size)
		fatalx("buf_reserve: overflow");
	want = b->size + n;
	if (want > b->alloc) {
		size_t	na = b->alloc ? b->alloc : 64;

		while (na < want)
			na *= 2;
		nd = xmalloc(na);
		if (b->size != 0)
			memcpy(nd, b->d, b->size);
		if (b->alloc != 0) {
			sodium_memzero(b->d, b->alloc);
			free(b->d);
		}
		b->d = nd;
		b->alloc = na;
	}
	b->size += n;
	return (b->d + b->size - n);
}

/* Append bytes. */
void
buf_put(struct buf *b, const void *src, size_t n)
{
	if (n != 0)
		memcpy(buf_reserve(b, n), src, n);
}

/* Append a byte. */
void
buf_put_u8(struct buf *b, uint8_t v)
{
	*buf_reserve(b, 1) = v;
}

/* Append a big-endian 16-bit integer. */
void
buf_put_u16(struct buf *b, uint16_t v)
{
	u_char	*p = buf_reserve(b, 2);

	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Append a big-endian 32-bit integer. */
void
buf_put_u32(struct buf *b, uint32_t v)
{
	u_char	*p = buf_reserve(b, 4);

	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* Append a big-endian 64-bit integer. */
void
buf_put_u64(struct buf *b, uint64_t v)
{
	buf_put_u32(b, (uint32_t)(v >> 32));
	buf_put_u32(b, (uint32_t)v);
}

/* Write a big-endian 16-bit integer at p (for a length known later). */
void
buf_poke_u16(u_char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}
