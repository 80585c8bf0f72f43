/*
 * wire.c: frames and records of p2pchat-protocol(7), parsed and built.
 *
 * Every parse goes through the buf reader and is strict: a known record whose
 * body is short, long, or has a bad field is malformed (the session then
 * ends with BYE reason 1); an unknown type is reported as such and ignored.
 * Nothing here allocates from a length read off the wire.
 */

#include "p2pchat.h"

/*
 * Find the next frame in len bytes at p. Returns 1 with *body and *blen set
 * when a whole frame is there (*used is its size with the prefix), 0 when
 * more bytes are needed, -1 for a zero length.
 */
int
wire_frame(const u_char *p, size_t len, const u_char **body, size_t *blen,
    size_t *used)
{
	size_t	flen;

	if (len < 2)
		return (0);
	flen = ((size_t)p[0] << 8) | p[1];
	if (flen == 0)
		return (-1);
	if (len - 2 < flen)
		return (0);
	*body = p + 2;
	*blen = flen;
	*used = flen + 2;
	return (1);
}

/*
 * Read a u8 length and that many bytes: printable UTF-8 with check 1,
 * any UTF-8 with 0, any bytes with -1 (kept only up to a NUL).
 */
static int
wire_get_str8(struct buf *b, char *dst, size_t max, int check,
    int allow_empty)
{
	const u_char	*p;
	uint8_t		 n;

	if (buf_get_u8(b, &n) != 0 || n > max || (n == 0 && !allow_empty))
		return (-1);
	if (buf_get_ptr(b, &p, n) != 0)
		return (-1);
	if (check >= 0 && !utf8_valid((const char *)p, n, check))
		return (-1);
	memcpy(dst, p, n);
	dst[n] = '\0';
	return (0);
}

/* Parse a HELLO body. */
static int
wire_parse_hello(struct buf *b, struct rec_hello *h)
{
	if (buf_get_u8(b, &h->version) != 0)
		return (-1);
	if (wire_get_str8(b, h->nick, NICK_MAX, 1, 0) != 0)
		return (-1);
	if (buf_get_u16(b, &h->listen_port) != 0 ||
	    buf_get_u32(b, &h->features) != 0)
		return (-1);
	/* The agent is informative only: any bytes are accepted. */
	if (wire_get_str8(b, h->agent, 255, -1, 1) != 0)
		return (-1);
	if (h->version == 0)
		return (-1);
	return (0);
}

/* Parse a CHAT body; the text points into the record. */
static int
wire_parse_chat(struct buf *b, struct rec_chat *c)
{
	const u_char	*p;
	uint16_t	 n;

	if (buf_get(b, c->id, MSGID_LEN) != 0 ||
	    buf_get_u64(b, &c->sent_at) != 0 ||
	    buf_get_u16(b, &n) != 0 || n == 0 || n > TEXT_MAX ||
	    buf_get_ptr(b, &p, n) != 0)
		return (-1);
	if (!utf8_valid((const char *)p, n, UTF8_ALLOW_NUL))
		return (-1);
	c->text = (const char *)p;
	c->len = n;
	return (0);
}

/* Parse a PEX body. */
static int
wire_parse_pex(struct buf *b, struct rec_pex *x)
{
	struct rec_pex_entry	*e;
	uint8_t			 i;

	if (buf_get_u8(b, &x->count) != 0 || x->count > PEX_MAX)
		return (-1);
	for (i = 0; i < x->count; i++) {
		e = &x->entries[i];
		if (buf_get(b, e->id, PEER_ID_LEN) != 0 ||
		    buf_get_u8(b, &e->family) != 0)
			return (-1);
		if (e->family != 4 && e->family != 6)
			return (-1);
		if (buf_get(b, e->addr, e->family == 4 ? 4 : 16) != 0 ||
		    buf_get_u16(b, &e->port) != 0)
			return (-1);
	}
	return (0);
}

/* Parse a ROOM_MSG body; pointers point into the record. */
static int
wire_parse_room(struct buf *b, struct rec_room *m)
{
	uint16_t	n;

	if (buf_get_ptr(b, &m->room_id, 32) != 0 ||
	    buf_get_ptr(b, &m->msg_id, MSGID_LEN) != 0 ||
	    buf_get_ptr(b, &m->author, PEER_ID_LEN) != 0 ||
	    buf_get_u64(b, &m->sent_at) != 0 ||
	    buf_get_u8(b, &m->hops) != 0 ||
	    buf_get_ptr(b, &m->nonce, 24) != 0 ||
	    buf_get_u16(b, &n) != 0 || n < 17 || n > TEXT_MAX + 16 ||
	    buf_get_ptr(b, &m->ct, n) != 0 ||
	    buf_get_ptr(b, &m->sig, 64) != 0)
		return (-1);
	m->ctlen = n;
	return (0);
}

/* Parse a RELAY body. */
static int
wire_parse_relay(struct buf *b, struct rec_relay *m)
{
	uint16_t	n;

	if (buf_get_ptr(b, &m->recipient, PEER_ID_LEN) != 0 ||
	    buf_get_ptr(b, &m->author, PEER_ID_LEN) != 0 ||
	    buf_get_ptr(b, &m->msg_id, MSGID_LEN) != 0 ||
	    buf_get_u64(b, &m->expires) != 0 ||
	    buf_get_u16(b, &n) != 0 ||
	    n < crypto_box_SEALBYTES + RELAY_SEALED_MIN ||
	    n > crypto_box_SEALBYTES + RELAY_SEALED_MIN - 1 + TEXT_MAX ||
	    buf_get_ptr(b, &m->sealed, n) != 0 ||
	    buf_get_ptr(b, &m->sig, 64) != 0)
		return (-1);
	m->sealed_len = n;
	return (0);
}

/* Parse a RELAY_ACK body. */
static int
wire_parse_relay_ack(struct buf *b, struct rec_relay_ack *m)
{
	if (buf_get_ptr(b, &m->author, PEER_ID_LEN) != 0 ||
	    buf_get_ptr(b, &m->recipient, PEER_ID_LEN) != 0 ||
	    buf_get_ptr(b, &m->msg_id, MSGID_LEN) != 0 ||
	    buf_get_u64(b, &m->expires) != 0 ||
	    buf_get_ptr(b, &m->sig, 64) != 0)
		return (-1);
	return (0);
}

/*
 * Parse one record (type byte then body). Returns 0 for a good known record,
 * 1 for an unknown type (to be ignored), -1 for a malformed known record.
 */
int
wire_parse(const u_char *p, size_t len, struct record *r)
{
	struct buf	b;
	int		rc;

	memset(r, 0, sizeof *r);
	if (len < 1)
		return (-1);
	r->type = p[0];
	r->raw = p;
	r->rawlen = len;
	buf_from(&b, p + 1, len - 1);
	switch (r->type) {
	case REC_HELLO:
		rc = wire_parse_hello(&b, &r->u.hello);
		break;
	case REC_PING:
	case REC_PONG:
		rc = buf_get_u64(&b, &r->u.token);
		break;
	case REC_BYE:
		if ((rc = buf_get_u8(&b, &r->u.bye.reason)) == 0)
			rc = wire_get_str8(&b, r->u.bye.text, 255, 0, 1);
		break;
	case REC_CHAT:
		rc = wire_parse_chat(&b, &r->u.chat);
		break;
	case REC_ACK:
		rc = buf_get(&b, r->u.ack, MSGID_LEN);
		break;
	case REC_TYPING:
		rc = buf_get_u8(&b, &r->u.typing);
		if (rc == 0 && r->u.typing > 1)
			rc = -1;
		break;
	case REC_PEX_REQUEST:
		rc = 0;
		break;
	case REC_PEX:
		rc = wire_parse_pex(&b, &r->u.pex);
		break;
	case REC_ROOM_MSG:
		rc = wire_parse_room(&b, &r->u.room);
		break;
	case REC_ROOM_SYNC:
		rc = buf_get_ptr(&b, &r->u.sync.room_id, 32);
		if (rc == 0)
			rc = buf_get_u64(&b, &r->u.sync.since);
		break;
	case REC_RELAY:
		rc = wire_parse_relay(&b, &r->u.relay);
		break;
	case REC_RELAY_ACK:
		rc = wire_parse_relay_ack(&b, &r->u.relay_ack);
		break;
	default:
		return (1);
	}
	if (rc != 0 || buf_left(&b) != 0)
		return (-1);
	return (0);
}

/* Build a HELLO record. */
void
wire_build_hello(struct buf *b, const char *nick, u_short port,
    uint32_t features, const char *agent)
{
	size_t	nlen = strlen(nick), alen = strlen(agent);

	if (nlen > NICK_MAX)
		nlen = utf8_cut(nick, nlen, NICK_MAX);
	if (alen > 255)
		alen = utf8_cut(agent, alen, 255);
	buf_put_u8(b, REC_HELLO);
	buf_put_u8(b, 1);
	buf_put_u8(b, (uint8_t)nlen);
	buf_put(b, nick, nlen);
	buf_put_u16(b, port);
	buf_put_u32(b, features);
	buf_put_u8(b, (uint8_t)alen);
	buf_put(b, agent, alen);
}

/* Build a CHAT record. */
void
wire_build_chat(struct buf *b, const uint8_t *id, uint64_t sent_at,
    const char *text, size_t len)
{
	buf_put_u8(b, REC_CHAT);
	buf_put(b, id, MSGID_LEN);
	buf_put_u64(b, sent_at);
	buf_put_u16(b, (uint16_t)len);
	buf_put(b, text, len);
}

/* Build a BYE record. */
void
wire_build_bye(struct buf *b, uint8_t reason, const char *text)
{
	size_t	len = strlen(text);

	if (len > 255)
		len = utf8_cut(text, len, 255);
	buf_put_u8(b, REC_BYE);
	buf_put_u8(b, reason);
	buf_put_u8(b, (uint8_t)len);
	buf_put(b, text, len);
}
