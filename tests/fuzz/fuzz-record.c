/*
 * fuzz-record.c: libFuzzer target for the record decoder: every row of
 * the record table, the payload inside a RELAY's seal, and the LAN
 * announcement parser, with the circuit records' ranges checked. A record that parses is rebuilt where the node
 * rebuilds it (ROOM_MSG), and its text escaped as JSON, as the headless
 * frontend would print it.
 */

#include "p2pchat.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record	 r;
	struct rec_sealed	 sealed;
	struct record		 again;
	struct buf		 b;
	int			 rc;

	uint8_t			 id[PEER_ID_LEN];
	u_short			 port;

	if (size > RECORD_MAX)
		return (0);
	/* LAN announcements are parsed from untrusted datagrams too. */
	if (lan_parse(data, size, id, &port) == 0 && port == 0)
		abort();
	rc = wire_parse(data, size, &r);
	if (rc == 0 && r.type == REC_CHAT) {
		if (r.u.chat.len == 0 || r.u.chat.len > TEXT_MAX ||
		    !utf8_valid(r.u.chat.text, r.u.chat.len, 0))
			abort();
		buf_init(&b);
		json_escape(&b, r.u.chat.text, r.u.chat.len);
		buf_free(&b);
	}
	if (rc == 0 && r.type == REC_HELLO &&
	    strlen(r.u.hello.nick) > NICK_MAX)
		abort();
	/* A room message rebuilt with its hops parses again, the same. */
	if (rc == 0 && r.type == REC_ROOM_MSG) {
		if (r.u.room.hops > ROOM_HOPS)
			abort();
		buf_init(&b);
		wire_build_room(&b, &r.u.room);
		/* The same bytes, but for the hops byte (offset 89), clamped. */
		if (b.size != size || wire_parse(b.d, b.size, &again) != 0 ||
		    memcmp(b.d, data, 89) != 0 || b.d[89] != r.u.room.hops ||
		    memcmp(b.d + 90, data + 90, size - 90) != 0)
			abort();
		buf_free(&b);
	}
	/* Circuit records: what the relay and the ends act on is in range. */
	if (rc == 0 && r.type == REC_CIRCUIT_DATA &&
	    (r.u.circuit.len == 0 || r.u.circuit.data + r.u.circuit.len !=
	    data + size))
		abort();
	if (rc == 0 && r.type == REC_CIRCUIT_CONNECT && r.u.circuit.code > 1)
		abort();
	if (rc == 0 && r.type == REC_CIRCUIT_VIA && r.u.circuit.nvia > 2)
		abort();
	/* What a seal holds, once opened, is untrusted too. */
	if (wire_parse_sealed(data, size, &sealed) == 0 &&
	    (sealed.len == 0 || sealed.len > TEXT_MAX ||
	    !utf8_valid(sealed.text, sealed.len, 0)))
		abort();
	return (0);
}
