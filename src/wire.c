/*
 * wire.c: frames and records of p2pchat-protocol(7), parsed and built.
 *
 * The record table is here: one row a record type, with the session state
 * it may come in, its parser and its handler (in the module's file).
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
wire_parse_hello(struct buf *b, struct record *r)
{
	struct rec_hello	*h = &r->u.hello;

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

/* Parse a CHAT body; the text (UTF-8, no U+0000) points into the record. */
static int
wire_parse_chat(struct buf *b, struct record *r)
{
	struct rec_chat	*c = &r->u.chat;
	const u_char	*p;
	uint16_t	 n;

	if (buf_get(b, c->id, MSGID_LEN) != 0 ||
	    buf_get_u64(b, &c->sent_at) != 0 ||
	    buf_get_u16(b, &n) != 0 || n == 0 || n > TEXT_MAX ||
	    buf_get_ptr(b, &p, n) != 0)
		return (-1);
	if (!utf8_valid((const char *)p, n, 0))
		return (-1);
	c->text = (const char *)p;
	c->len = n;
	return (0);
}

/* Parse a PEX body. */
static int
wire_parse_pex(struct buf *b, struct record *r)
{
	struct rec_pex		*x = &r->u.pex;
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

/*
 * Parse a ROOM_MSG body; pointers point into the record. A hop count above
 * the limit is taken as the limit.
 */
static int
wire_parse_room(struct buf *b, struct record *r)
{
	struct rec_room	*m = &r->u.room;
	uint16_t	 n;

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
	if (m->hops > ROOM_HOPS)
		m->hops = ROOM_HOPS;
	return (0);
}

/* Parse a ROOM_MEMBER body: u8 count (1 to 16), count tags of 32 bytes. */
static int
wire_parse_room_member(struct buf *b, struct record *r)
{
	struct rec_room_list	*l = &r->u.list;
	uint8_t			 n;

	if (buf_get_u8(b, &n) != 0 || n == 0 || n > ROOM_TAGS_MAX ||
	    buf_get_ptr(b, &l->v, (size_t)n * 32) != 0)
		return (-1);
	l->count = n;
	return (0);
}

/*
 * Parse a ROOM_POST body; pointers point into the record. A seq of 0, a
 * kind above 2, or a text post with nothing in it is malformed.
 */
static int
wire_parse_room_post(struct buf *b, struct record *r)
{
	struct rec_room_post	*m = &r->u.post;
	uint16_t		 n;

	if (buf_get_ptr(b, &m->room_id, 32) != 0 ||
	    buf_get_ptr(b, &m->author, PEER_ID_LEN) != 0 ||
	    buf_get_u64(b, &m->seq) != 0 || m->seq == 0 ||
	    buf_get_u64(b, &m->sent_at) != 0 ||
	    buf_get_u8(b, &m->kind) != 0 || m->kind > ROOM_KIND_PART ||
	    buf_get_ptr(b, &m->nonce, 24) != 0 ||
	    buf_get_u16(b, &n) != 0 || n < 16 || n > TEXT_MAX + 16 ||
	    (m->kind == ROOM_KIND_TEXT && n < 17) ||
	    buf_get_ptr(b, &m->ct, n) != 0 ||
	    buf_get_ptr(b, &m->sig, 64) != 0)
		return (-1);
	m->ctlen = n;
	return (0);
}

/*
 * Parse a body of room_id[32], u16 count, count entries of esize bytes,
 * count between lo and hi (IHAVE, IWANT, MARKS).
 */
static int
wire_parse_room_entries(struct buf *b, struct record *r, size_t esize,
    u_int lo, u_int hi)
{
	struct rec_room_list	*l = &r->u.list;
	uint16_t		 n;

	if (buf_get_ptr(b, &l->room_id, 32) != 0 ||
	    buf_get_u16(b, &n) != 0 || n < lo || n > hi ||
	    buf_get_ptr(b, &l->v, (size_t)n * esize) != 0)
		return (-1);
	l->count = n;
	return (0);
}

/* Parse a ROOM_IHAVE or ROOM_IWANT body: 1 to 256 (author, seq). */
static int
wire_parse_room_ids(struct buf *b, struct record *r)
{
	return (wire_parse_room_entries(b, r, PEER_ID_LEN + 8, 1,
	    ROOM_IDS_MAX));
}

/* Parse a ROOM_MARKS body: 0 to 1024 (author, high). */
static int
wire_parse_room_marks(struct buf *b, struct record *r)
{
	return (wire_parse_room_entries(b, r, PEER_ID_LEN + 8, 0,
	    ROOM_MARKS_MAX));
}

/* Parse a ROOM_GRAFT body: the room id alone. */
static int
wire_parse_room_graft(struct buf *b, struct record *r)
{
	return (buf_get_ptr(b, &r->u.list.room_id, 32));
}

/* Parse a RELAY body. */
static int
wire_parse_relay(struct buf *b, struct record *r)
{
	struct rec_relay	*m = &r->u.relay;
	uint16_t		 n;

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
wire_parse_relay_ack(struct buf *b, struct record *r)
{
	struct rec_relay_ack	*m = &r->u.relay_ack;

	if (buf_get_ptr(b, &m->author, PEER_ID_LEN) != 0 ||
	    buf_get_ptr(b, &m->recipient, PEER_ID_LEN) != 0 ||
	    buf_get_ptr(b, &m->msg_id, MSGID_LEN) != 0 ||
	    buf_get_u64(b, &m->expires) != 0 ||
	    buf_get_ptr(b, &m->sig, 64) != 0)
		return (-1);
	return (0);
}

/* Parse a PING or PONG body. */
static int
wire_parse_token(struct buf *b, struct record *r)
{
	return (buf_get_u64(b, &r->u.token));
}

/* Parse a BYE body (its text is any UTF-8; it is escaped where shown). */
static int
wire_parse_bye(struct buf *b, struct record *r)
{
	if (buf_get_u8(b, &r->u.bye.reason) != 0)
		return (-1);
	return (wire_get_str8(b, r->u.bye.text, 255, 0, 1));
}

/* Parse an ACK body. */
static int
wire_parse_ack(struct buf *b, struct record *r)
{
	return (buf_get(b, r->u.ack, MSGID_LEN));
}

/* Parse a TYPING body. */
static int
wire_parse_typing(struct buf *b, struct record *r)
{
	if (buf_get_u8(b, &r->u.typing) != 0 || r->u.typing > 1)
		return (-1);
	return (0);
}

/* Parse an empty body (PEX_REQUEST). */
static int
wire_parse_empty(struct buf *b, struct record *r)
{
	return (0);
}

/* Parse a ROOM_SYNC body. */
static int
wire_parse_room_sync(struct buf *b, struct record *r)
{
	if (buf_get_ptr(b, &r->u.sync.tag, 32) != 0 ||
	    buf_get_u64(b, &r->u.sync.since) != 0)
		return (-1);
	return (0);
}

/* Parse an OBSERVED body: u8 family (4 or 6), the address, u16 port. */
static int
wire_parse_observed(struct buf *b, struct record *r)
{
	struct rec_observed	*o = &r->u.observed;

	if (buf_get_u8(b, &o->family) != 0 ||
	    (o->family != 4 && o->family != 6) ||
	    buf_get(b, o->addr, o->family == 4 ? 4 : 16) != 0 ||
	    buf_get_u16(b, &o->port) != 0)
		return (-1);
	return (0);
}

/* Parse a CIRCUIT_RESERVE body: empty. */
static int
wire_parse_circuit_reserve(struct buf *b, struct record *r)
{
	return (0);
}

/* Parse a CIRCUIT_RESERVED body: u8 status, u32 seconds. */
static int
wire_parse_circuit_reserved(struct buf *b, struct record *r)
{
	struct rec_circuit	*c = &r->u.circuit;

	if (buf_get_u8(b, &c->code) != 0 || buf_get_u32(b, &c->seconds) != 0)
		return (-1);
	return (0);
}

/* Parse a CIRCUIT_CONNECT body: u32 circuit, u8 role (0 or 1), peer id. */
static int
wire_parse_circuit_connect(struct buf *b, struct record *r)
{
	struct rec_circuit	*c = &r->u.circuit;

	if (buf_get_u32(b, &c->circuit) != 0 || buf_get_u8(b, &c->code) != 0 ||
	    c->code > 1 || buf_get_ptr(b, &c->peer, PEER_ID_LEN) != 0)
		return (-1);
	return (0);
}

/* Parse a CIRCUIT_OPENED or CIRCUIT_CLOSE body: u32 circuit, u8 code. */
static int
wire_parse_circuit_code(struct buf *b, struct record *r)
{
	struct rec_circuit	*c = &r->u.circuit;

	if (buf_get_u32(b, &c->circuit) != 0 || buf_get_u8(b, &c->code) != 0)
		return (-1);
	return (0);
}

/* Parse a CIRCUIT_DATA body: u32 circuit, then 1 or more bytes. */
static int
wire_parse_circuit_data(struct buf *b, struct record *r)
{
	struct rec_circuit	*c = &r->u.circuit;

	if (buf_get_u32(b, &c->circuit) != 0 || buf_left(b) == 0)
		return (-1);
	c->len = buf_left(b);
	return (buf_get_ptr(b, &c->data, c->len));
}

/*
 * Parse a CIRCUIT_VIA body: u8 count (0..2), count x (relay id[32],
 * u8 family 4 or 6, the address, u16 port not 0).
 */
static int
wire_parse_circuit_via(struct buf *b, struct record *r)
{
	struct rec_circuit	*c = &r->u.circuit;
	const u_char		*p;
	uint8_t			 fam;
	uint16_t		 port;
	u_int			 i;

	if (buf_get_u8(b, &c->nvia) != 0 || c->nvia > 2)
		return (-1);
	c->via = b->d + b->off;
	for (i = 0; i < c->nvia; i++) {
		if (buf_get_ptr(b, &p, PEER_ID_LEN) != 0 ||
		    buf_get_u8(b, &fam) != 0 || (fam != 4 && fam != 6) ||
		    buf_get_ptr(b, &p, fam == 4 ? 4 : 16) != 0 ||
		    buf_get_u16(b, &port) != 0 || port == 0)
			return (-1);
	}
	return (0);
}

/*
 * Parse a DIALBACK body: nonce[16], u8 family (4 or 6), the address, and
 * a u16 port that is not 0.
 */
static int
wire_parse_dialback(struct buf *b, struct record *r)
{
	struct rec_dialback	*d = &r->u.dialback;

	if (buf_get_ptr(b, &d->nonce, DIALBACK_NONCE_LEN) != 0 ||
	    buf_get_u8(b, &d->family) != 0 ||
	    (d->family != 4 && d->family != 6) ||
	    buf_get(b, d->addr, d->family == 4 ? 4 : 16) != 0 ||
	    buf_get_u16(b, &d->port) != 0 || d->port == 0)
		return (-1);
	return (0);
}

/* Parse a DIALBACK_PROOF body: the nonce alone. */
static int
wire_parse_dialback_proof(struct buf *b, struct record *r)
{
	return (buf_get_ptr(b, &r->u.dialback.nonce, DIALBACK_NONCE_LEN));
}

/* Parse a DIALBACK_RESULT body: the nonce and a status of 0 to 3. */
static int
wire_parse_dialback_result(struct buf *b, struct record *r)
{
	struct rec_dialback	*d = &r->u.dialback;

	if (buf_get_ptr(b, &d->nonce, DIALBACK_NONCE_LEN) != 0 ||
	    buf_get_u8(b, &d->status) != 0 || d->status > DIALBACK_BUSY)
		return (-1);
	return (0);
}

/*
 * Parse a PUNCH_CONNECT body: u8 attempt (1..3), u8 family (4 or 6), the
 * address, u16 port (not 0).
 */
static int
wire_parse_punch_connect(struct buf *b, struct record *r)
{
	struct rec_punch	*p = &r->u.punch;

	if (buf_get_u8(b, &p->attempt) != 0 || p->attempt == 0 ||
	    p->attempt > PUNCH_ATTEMPTS || buf_get_u8(b, &p->family) != 0 ||
	    (p->family != 4 && p->family != 6) ||
	    buf_get(b, p->addr, p->family == 4 ? 4 : 16) != 0 ||
	    buf_get_u16(b, &p->port) != 0 || p->port == 0)
		return (-1);
	return (0);
}

/* Parse a PUNCH_SYNC body: u8 attempt (1..3). */
static int
wire_parse_punch_sync(struct buf *b, struct record *r)
{
	struct rec_punch	*p = &r->u.punch;

	if (buf_get_u8(b, &p->attempt) != 0 || p->attempt == 0 ||
	    p->attempt > PUNCH_ATTEMPTS)
		return (-1);
	return (0);
}

/*
 * The record table: the protocol's records (PROTOCOL.md section 3) and the
 * project-defined ones of p2pchat-protocol(7), in type order.
 */
const struct record_type record_table[] = {
	{ .type = REC_HELLO, .name = "HELLO", .state = SESSION_HELLO,
	  .parse = wire_parse_hello, .handle = session_hello_record },
	{ .type = REC_PING, .name = "PING", .state = SESSION_OPEN,
	  .parse = wire_parse_token, .handle = session_ping_record },
	{ .type = REC_PONG, .name = "PONG", .state = SESSION_OPEN,
	  .parse = wire_parse_token, .handle = session_pong_record },
	{ .type = REC_BYE, .name = "BYE", .state = SESSION_OPEN,
	  .parse = wire_parse_bye, .handle = session_bye_record },
	{ .type = REC_CHAT, .name = "CHAT", .state = SESSION_OPEN,
	  .parse = wire_parse_chat, .handle = chat_chat_record },
	{ .type = REC_ACK, .name = "ACK", .state = SESSION_OPEN,
	  .parse = wire_parse_ack, .handle = chat_ack_record },
	{ .type = REC_TYPING, .name = "TYPING", .state = SESSION_OPEN,
	  .parse = wire_parse_typing, .handle = chat_typing_record },
	{ .type = REC_PEX_REQUEST, .name = "PEX_REQUEST", .state = SESSION_OPEN,
	  .parse = wire_parse_empty, .handle = pex_request_record },
	{ .type = REC_PEX, .name = "PEX", .state = SESSION_OPEN,
	  .parse = wire_parse_pex, .handle = pex_pex_record },
	{ .type = REC_ROOM_MSG, .name = "ROOM_MSG", .state = SESSION_OPEN,
	  .parse = wire_parse_room, .handle = room_msg_record },
	{ .type = REC_ROOM_SYNC, .name = "ROOM_SYNC", .state = SESSION_OPEN,
	  .parse = wire_parse_room_sync, .handle = room_sync_record },
	{ .type = REC_ROOM_MEMBER, .name = "ROOM_MEMBER", .state = SESSION_OPEN,
	  .parse = wire_parse_room_member, .handle = room_member_record },
	{ .type = REC_ROOM_POST, .name = "ROOM_POST", .state = SESSION_OPEN,
	  .parse = wire_parse_room_post, .handle = room_post_record },
	{ .type = REC_ROOM_IHAVE, .name = "ROOM_IHAVE", .state = SESSION_OPEN,
	  .parse = wire_parse_room_ids, .handle = room_ihave_record },
	{ .type = REC_ROOM_IWANT, .name = "ROOM_IWANT", .state = SESSION_OPEN,
	  .parse = wire_parse_room_ids, .handle = room_iwant_record },
	{ .type = REC_ROOM_MARKS, .name = "ROOM_MARKS", .state = SESSION_OPEN,
	  .parse = wire_parse_room_marks, .handle = room_marks_record },
	{ .type = REC_ROOM_GRAFT, .name = "ROOM_GRAFT", .state = SESSION_OPEN,
	  .parse = wire_parse_room_graft, .handle = room_graft_record },
	{ .type = REC_RELAY, .name = "RELAY", .state = SESSION_OPEN,
	  .parse = wire_parse_relay, .handle = relay_msg_record },
	{ .type = REC_RELAY_ACK, .name = "RELAY_ACK", .state = SESSION_OPEN,
	  .parse = wire_parse_relay_ack, .handle = relay_ack_record },
	{ .type = REC_OBSERVED, .name = "OBSERVED", .state = SESSION_OPEN,
	  .parse = wire_parse_observed, .handle = reach_observed_record },
	{ .type = REC_DIALBACK, .name = "DIALBACK", .state = SESSION_OPEN,
	  .parse = wire_parse_dialback, .handle = reach_dialback_record },
	{ .type = REC_DIALBACK_PROOF, .name = "DIALBACK_PROOF",
	  .state = SESSION_HELLO, .parse = wire_parse_dialback_proof,
	  .handle = reach_proof_record },
	{ .type = REC_DIALBACK_RESULT, .name = "DIALBACK_RESULT",
	  .state = SESSION_OPEN, .parse = wire_parse_dialback_result,
	  .handle = reach_result_record },
	{ .type = REC_CIRCUIT_RESERVE, .name = "CIRCUIT_RESERVE",
	  .state = SESSION_OPEN, .parse = wire_parse_circuit_reserve,
	  .handle = circuit_reserve_record },
	{ .type = REC_CIRCUIT_RESERVED, .name = "CIRCUIT_RESERVED",
	  .state = SESSION_OPEN, .parse = wire_parse_circuit_reserved,
	  .handle = circuit_reserved_record },
	{ .type = REC_CIRCUIT_CONNECT, .name = "CIRCUIT_CONNECT",
	  .state = SESSION_OPEN, .parse = wire_parse_circuit_connect,
	  .handle = circuit_connect_record },
	{ .type = REC_CIRCUIT_OPENED, .name = "CIRCUIT_OPENED",
	  .state = SESSION_OPEN, .parse = wire_parse_circuit_code,
	  .handle = circuit_opened_record },
	{ .type = REC_CIRCUIT_DATA, .name = "CIRCUIT_DATA",
	  .state = SESSION_OPEN, .parse = wire_parse_circuit_data,
	  .handle = circuit_data_record },
	{ .type = REC_CIRCUIT_CLOSE, .name = "CIRCUIT_CLOSE",
	  .state = SESSION_OPEN, .parse = wire_parse_circuit_code,
	  .handle = circuit_close_record },
	{ .type = REC_CIRCUIT_VIA, .name = "CIRCUIT_VIA",
	  .state = SESSION_OPEN, .parse = wire_parse_circuit_via,
	  .handle = circuit_via_record },
	{ .type = REC_PUNCH_CONNECT, .name = "PUNCH_CONNECT",
	  .state = SESSION_OPEN, .parse = wire_parse_punch_connect,
	  .handle = punch_connect_record },
	{ .type = REC_PUNCH_SYNC, .name = "PUNCH_SYNC",
	  .state = SESSION_OPEN, .parse = wire_parse_punch_sync,
	  .handle = punch_sync_record },
	{ .name = NULL }
};

/* The table's row for a record type, or NULL for an unknown type. */
const struct record_type *
wire_record_type(uint8_t type)
{
	static const struct record_type	*index[256];
	static int			 made;
	const struct record_type	*rt;

	if (!made) {
		for (rt = record_table; rt->name != NULL; rt++)
			index[rt->type] = rt;
		made = 1;
	}
	return (index[type]);
}

/*
 * Parse one record (type byte then body). Returns 0 for a good known record,
 * 1 for an unknown type (to be ignored), -1 for a malformed known record.
 */
int
wire_parse(const u_char *p, size_t len, struct record *r)
{
	const struct record_type	*rt;
	struct buf			 b;

	memset(r, 0, sizeof *r);
	if (len < 1)
		return (-1);
	r->type = p[0];
	r->raw = p;
	r->rawlen = len;
	if ((rt = wire_record_type(r->type)) == NULL)
		return (1);
	buf_from(&b, p + 1, len - 1);
	if (rt->parse(&b, r) != 0 || buf_left(&b) != 0)
		return (-1);
	return (0);
}

/*
 * Parse what a RELAY's seal holds: author[32] msg_id[16] sent_at (u64)
 * and the text (1 to TEXT_MAX bytes of UTF-8 without U+0000), to the end.
 */
int
wire_parse_sealed(const u_char *p, size_t len, struct rec_sealed *m)
{
	struct buf	b;
	const u_char	*text;
	size_t		 n;

	buf_from(&b, p, len);
	if (buf_get_ptr(&b, &m->author, PEER_ID_LEN) != 0 ||
	    buf_get_ptr(&b, &m->msg_id, MSGID_LEN) != 0 ||
	    buf_get_u64(&b, &m->sent_at) != 0)
		return (-1);
	n = buf_left(&b);
	if (n == 0 || n > TEXT_MAX || buf_get_ptr(&b, &text, n) != 0 ||
	    !utf8_valid((const char *)text, n, 0))
		return (-1);
	m->text = (const char *)text;
	m->len = n;
	return (0);
}

/* Print the record table: type, name, lowest state (--list-records). */
void
wire_list_records(FILE *f)
{
	const struct record_type	*rt;

	for (rt = record_table; rt->name != NULL; rt++) {
		fprintf(f, "0x%02x\t%s\t%s\n", rt->type, rt->name,
		    rt->state == SESSION_HELLO ? "hello" : "open");
	}
}

/* Build a ROOM_MSG record from its fields. */
void
wire_build_room(struct buf *b, const struct rec_room *m)
{
	buf_put_u8(b, REC_ROOM_MSG);
	buf_put(b, m->room_id, 32);
	buf_put(b, m->msg_id, MSGID_LEN);
	buf_put(b, m->author, PEER_ID_LEN);
	buf_put_u64(b, m->sent_at);
	buf_put_u8(b, m->hops);
	buf_put(b, m->nonce, 24);
	buf_put_u16(b, (uint16_t)m->ctlen);
	buf_put(b, m->ct, m->ctlen);
	buf_put(b, m->sig, 64);
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
