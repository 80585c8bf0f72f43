/* test-wire.c: frame splitting and record parsing, good and malformed. */

#include "p2pchat.h"
#include "test.h"

TEST_GLOBALS;

static void
test_frame(void)
{
	const u_char	 f[] = { 0x00, 0x03, 'a', 'b', 'c', 0x00 };
	const u_char	 zero[] = { 0x00, 0x00 };
	const u_char	*body;
	size_t		 blen, used;

	ASSERT_INT_EQ(wire_frame(f, 0, &body, &blen, &used), 0);
	ASSERT_INT_EQ(wire_frame(f, 1, &body, &blen, &used), 0);
	ASSERT_INT_EQ(wire_frame(f, 4, &body, &blen, &used), 0);
	ASSERT_INT_EQ(wire_frame(f, 5, &body, &blen, &used), 1);
	ASSERT_INT_EQ(blen, 3);
	ASSERT_INT_EQ(used, 5);
	ASSERT_MEM_EQ(body, "abc", 3);
	ASSERT_INT_EQ(wire_frame(f, sizeof f, &body, &blen, &used), 1);
	ASSERT_INT_EQ(wire_frame(zero, 2, &body, &blen, &used), -1);
}

/* Parse a record given as bytes. */
static int
parse(const void *p, size_t len, struct record *r)
{
	return (wire_parse(p, len, r));
}

static void
test_hello(void)
{
	struct buf	 b;
	struct record	*r = xmalloc(sizeof *r);

	buf_init(&b);
	wire_build_hello(&b, "alice", 7000, 5, "p2pchat 0.1.0");
	ASSERT_INT_EQ(parse(b.d, b.size, r), 0);
	ASSERT_INT_EQ(r->type, REC_HELLO);
	ASSERT_STR_EQ(r->u.hello.nick, "alice");
	ASSERT_INT_EQ(r->u.hello.listen_port, 7000);
	ASSERT_INT_EQ(r->u.hello.features, 5);
	ASSERT_STR_EQ(r->u.hello.agent, "p2pchat 0.1.0");
	/* Truncated anywhere: malformed. */
	for (size_t n = 1; n < b.size; n++)
		ASSERT_INT_EQ(parse(b.d, n, r), -1);
	/* A trailing byte: malformed. */
	buf_put_u8(&b, 0);
	ASSERT_INT_EQ(parse(b.d, b.size, r), -1);
	buf_free(&b);
	/* Empty nick, control character, bad UTF-8, nick too long. */
	ASSERT_INT_EQ(parse("\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00", 10,
	    r), -1);
	ASSERT_INT_EQ(parse("\x01\x01\x01\x07\x00\x00\x00\x00\x00\x00\x00",
	    11, r), -1);
	ASSERT_INT_EQ(parse("\x01\x01\x01\xff\x00\x00\x00\x00\x00\x00\x00",
	    11, r), -1);
	ASSERT_INT_EQ(parse("\x01\x01\x41", 3, r), -1);
	free(r);
}

static void
test_chat(void)
{
	struct buf	 b;
	struct record	*r = xmalloc(sizeof *r);
	uint8_t		 id[MSGID_LEN];

	memset(id, 7, sizeof id);
	buf_init(&b);
	wire_build_chat(&b, id, 1234567890123ULL, "h\xc3\xa9llo\n", 7);
	ASSERT_INT_EQ(parse(b.d, b.size, r), 0);
	ASSERT_MEM_EQ(r->u.chat.id, id, MSGID_LEN);
	ASSERT_TRUE(r->u.chat.sent_at == 1234567890123ULL);
	ASSERT_INT_EQ(r->u.chat.len, 7);
	ASSERT_MEM_EQ(r->u.chat.text, "h\xc3\xa9llo\n", 7);
	/* The length field overruns the record. */
	b.d[1 + 16 + 8 + 1] = 8;
	ASSERT_INT_EQ(parse(b.d, b.size, r), -1);
	/* Shorter length leaves trailing bytes. */
	b.d[1 + 16 + 8 + 1] = 6;
	ASSERT_INT_EQ(parse(b.d, b.size, r), -1);
	/* Zero length. */
	b.d[1 + 16 + 8 + 1] = 0;
	ASSERT_INT_EQ(parse(b.d, b.size - 7, r), -1);
	buf_free(&b);
	/* Invalid UTF-8 text. */
	buf_init(&b);
	wire_build_chat(&b, id, 1, "\xc3\x28", 2);
	ASSERT_INT_EQ(parse(b.d, b.size, r), -1);
	buf_free(&b);
	/* Over 16384 bytes. */
	buf_init(&b);
	buf_put_u8(&b, REC_CHAT);
	buf_put(&b, id, MSGID_LEN);
	buf_put_u64(&b, 1);
	buf_put_u16(&b, TEXT_MAX + 1);
	memset(buf_reserve(&b, TEXT_MAX + 1), 'a', TEXT_MAX + 1);
	ASSERT_INT_EQ(parse(b.d, b.size, r), -1);
	buf_free(&b);
	free(r);
}

static void
test_small_records(void)
{
	struct record	*r = xmalloc(sizeof *r);
	u_char		 ack[17];

	ASSERT_INT_EQ(parse("\x02\x00\x00\x00\x00\x00\x00\x00\x09", 9, r), 0);
	ASSERT_TRUE(r->u.token == 9);
	ASSERT_INT_EQ(parse("\x02\x00\x00\x00", 4, r), -1);
	ASSERT_INT_EQ(parse("\x03\x00\x00\x00\x00\x00\x00\x00\x09\x00", 10,
	    r), -1);
	ASSERT_INT_EQ(parse("\x04\x00\x02hi", 5, r), 0);
	ASSERT_STR_EQ(r->u.bye.text, "hi");
	ASSERT_INT_EQ(parse("\x04\x00\x03hi", 5, r), -1);
	memset(ack, 1, sizeof ack);
	ack[0] = REC_ACK;
	ASSERT_INT_EQ(parse(ack, 17, r), 0);
	ASSERT_INT_EQ(parse(ack, 16, r), -1);
	ASSERT_INT_EQ(parse("\x12\x01", 2, r), 0);
	ASSERT_INT_EQ(parse("\x12\x02", 2, r), -1);
	ASSERT_INT_EQ(parse("\x20", 1, r), 0);
	ASSERT_INT_EQ(parse("\x20\x00", 2, r), -1);
	/* Unknown types are ignored, whatever their body. */
	ASSERT_INT_EQ(parse("\x7f\x01\x02", 3, r), 1);
	ASSERT_INT_EQ(parse("\x13", 1, r), 1);
	ASSERT_INT_EQ(parse("", 0, r), -1);
	free(r);
}

static void
test_pex(void)
{
	struct buf	 b;
	struct record	*r = xmalloc(sizeof *r);
	uint8_t		 id[PEER_ID_LEN];

	memset(id, 3, sizeof id);
	buf_init(&b);
	buf_put_u8(&b, REC_PEX);
	buf_put_u8(&b, 2);
	buf_put(&b, id, PEER_ID_LEN);
	buf_put_u8(&b, 4);
	buf_put(&b, "\x7f\x00\x00\x01", 4);
	buf_put_u16(&b, 7000);
	buf_put(&b, id, PEER_ID_LEN);
	buf_put_u8(&b, 6);
	buf_put(&b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16);
	buf_put_u16(&b, 7001);
	ASSERT_INT_EQ(parse(b.d, b.size, r), 0);
	ASSERT_INT_EQ(r->u.pex.count, 2);
	ASSERT_INT_EQ(r->u.pex.entries[0].port, 7000);
	ASSERT_INT_EQ(r->u.pex.entries[1].family, 6);
	/* A count that overruns, a bad family, too many entries. */
	b.d[1] = 3;
	ASSERT_INT_EQ(parse(b.d, b.size, r), -1);
	b.d[1] = 2;
	b.d[2 + 32] = 5;
	ASSERT_INT_EQ(parse(b.d, b.size, r), -1);
	b.d[2 + 32] = 4;
	b.d[1] = 65;
	ASSERT_INT_EQ(parse(b.d, b.size, r), -1);
	buf_free(&b);
	free(r);
}

/* The address rules of p2pchat-protocol(7), Peer exchange. */
static void
test_addr_class(void)
{
	static const struct {
		const char	*host;
		int		 class;
	} cases[] = {
		{ "127.0.0.1", ADDR_LOOPBACK }, { "127.9.9.9", ADDR_LOOPBACK },
		{ "10.1.2.3", ADDR_PRIVATE }, { "172.16.0.1", ADDR_PRIVATE },
		{ "172.31.255.255", ADDR_PRIVATE }, { "172.32.0.1", ADDR_PUBLIC },
		{ "192.168.1.1", ADDR_PRIVATE }, { "169.254.3.4", ADDR_PRIVATE },
		{ "100.64.0.1", ADDR_PRIVATE }, { "8.8.8.8", ADDR_PUBLIC },
		{ "0.0.0.0", ADDR_BAD }, { "0.1.2.3", ADDR_BAD },
		{ "224.0.0.1", ADDR_BAD }, { "239.255.77.77", ADDR_BAD },
		{ "255.255.255.255", ADDR_BAD }, { "::1", ADDR_LOOPBACK },
		{ "::", ADDR_BAD }, { "ff02::1", ADDR_BAD },
		{ "fe80::1", ADDR_PRIVATE }, { "fd00::5", ADDR_PRIVATE },
		{ "2001:db8::1", ADDR_PUBLIC }, { "::ffff:10.0.0.1", ADDR_PRIVATE },
		{ "::ffff:224.0.0.1", ADDR_BAD }, { "not an address", ADDR_BAD },
	};
	u_int	i;

	for (i = 0; i < nitems(cases); i++) {
		if (addr_host_class(cases[i].host) != cases[i].class)
			TEST_FAIL("%s: class %d, want %d", cases[i].host,
			    addr_host_class(cases[i].host), cases[i].class);
	}
}

/* LAN announcements: exactly 43 bytes, the magic, a port. */
static void
test_lan(void)
{
	u_char	pkt[43];
	uint8_t	id[PEER_ID_LEN];
	u_short	port;

	memcpy(pkt, "P2PCHAT1", 8);
	memset(pkt + 8, 0xab, 32);
	pkt[40] = 0x1c;
	pkt[41] = 0x84;
	pkt[42] = 0;
	ASSERT_INT_EQ(lan_parse(pkt, 43, id, &port), 0);
	ASSERT_INT_EQ(port, 7300);
	ASSERT_INT_EQ(id[31], 0xab);
	ASSERT_INT_EQ(lan_parse(pkt, 42, id, &port), -1);
	pkt[41] = pkt[40] = 0;
	ASSERT_INT_EQ(lan_parse(pkt, 43, id, &port), -1);
	pkt[0] = 'X';
	ASSERT_INT_EQ(lan_parse(pkt, 43, id, &port), -1);
}

int
main(void)
{
	TEST_RUN(test_frame);
	TEST_RUN(test_hello);
	TEST_RUN(test_chat);
	TEST_RUN(test_small_records);
	TEST_RUN(test_pex);
	TEST_RUN(test_addr_class);
	TEST_RUN(test_lan);
	return (test_done("test-wire"));
}
