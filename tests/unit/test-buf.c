/* test-buf.c: the bounds-checked buffer, UTF-8 and hex helpers. */

#include "p2pchat.h"
#include "test.h"

TEST_GLOBALS;

static void
test_buf_roundtrip(void)
{
	struct buf	b, r;
	uint8_t		u8;
	uint16_t	u16;
	uint32_t	u32;
	uint64_t	u64;
	u_char		raw[3];

	buf_init(&b);
	buf_put_u8(&b, 0xab);
	buf_put_u16(&b, 0x1234);
	buf_put_u32(&b, 0xdeadbeef);
	buf_put_u64(&b, 0x0102030405060708ULL);
	buf_put(&b, "xyz", 3);
	ASSERT_INT_EQ(b.size, 1 + 2 + 4 + 8 + 3);
	ASSERT_INT_EQ(b.d[1], 0x12);
	buf_from(&r, b.d, b.size);
	ASSERT_INT_EQ(buf_get_u8(&r, &u8), 0);
	ASSERT_INT_EQ(u8, 0xab);
	ASSERT_INT_EQ(buf_get_u16(&r, &u16), 0);
	ASSERT_INT_EQ(u16, 0x1234);
	ASSERT_INT_EQ(buf_get_u32(&r, &u32), 0);
	ASSERT_INT_EQ(u32, 0xdeadbeef);
	ASSERT_INT_EQ(buf_get_u64(&r, &u64), 0);
	ASSERT_TRUE(u64 == 0x0102030405060708ULL);
	ASSERT_INT_EQ(buf_get(&r, raw, 3), 0);
	ASSERT_MEM_EQ(raw, "xyz", 3);
	ASSERT_INT_EQ(buf_left(&r), 0);
	buf_free(&b);
}

static void
test_buf_short(void)
{
	struct buf	 r;
	const u_char	 data[3] = { 1, 2, 3 };
	const u_char	*p;
	uint32_t	 u32;
	uint16_t	 u16;

	buf_from(&r, data, sizeof data);
	ASSERT_INT_EQ(buf_get_u32(&r, &u32), -1);
	ASSERT_INT_EQ(buf_left(&r), 3);		/* nothing consumed */
	ASSERT_INT_EQ(buf_get_ptr(&r, &p, 4), -1);
	ASSERT_INT_EQ(buf_get_u16(&r, &u16), 0);
	ASSERT_INT_EQ(buf_get_u16(&r, &u16), -1);
	ASSERT_INT_EQ(buf_get(&r, NULL, 1), 0);
	ASSERT_INT_EQ(buf_get(&r, NULL, 1), -1);
	ASSERT_INT_EQ(buf_get(&r, NULL, SIZE_MAX), -1);
}

static void
test_buf_grow(void)
{
	struct buf	b;
	int		i;

	buf_init(&b);
	for (i = 0; i < 100000; i++)
		buf_put_u8(&b, (uint8_t)i);
	ASSERT_INT_EQ(b.size, 100000);
	ASSERT_INT_EQ(b.d[99999], (uint8_t)99999);
	buf_reset(&b);
	ASSERT_INT_EQ(b.size, 0);
	buf_free(&b);
}

static void
test_utf8(void)
{
	ASSERT_TRUE(utf8_valid("abc", 3, 1));
	ASSERT_TRUE(utf8_valid("\xe6\x97\xa5\xf0\x9f\x98\x80", 7, 1));
	ASSERT_TRUE(!utf8_valid("\xc0\xaf", 2, 0));		/* overlong */
	ASSERT_TRUE(!utf8_valid("\xed\xa0\x80", 3, 0));	/* surrogate */
	ASSERT_TRUE(!utf8_valid("\xf4\x90\x80\x80", 4, 0));	/* > U+10FFFF */
	ASSERT_TRUE(!utf8_valid("\xe6\x97", 2, 0));		/* truncated */
	ASSERT_TRUE(!utf8_valid("a\0b", 3, 0));		/* NUL */
	ASSERT_TRUE(utf8_valid("a\tb", 3, 0));
	ASSERT_TRUE(!utf8_valid("a\tb", 3, 1));		/* control */
	ASSERT_TRUE(!utf8_valid("\xc2\x85", 2, 1));		/* C1 control */
	/* Cutting never splits a character. */
	ASSERT_INT_EQ(utf8_cut("a\xe6\x97\xa5", 4, 3), 1);
	ASSERT_INT_EQ(utf8_cut("a\xe6\x97\xa5", 4, 4), 4);
	ASSERT_INT_EQ(utf8_cut("abcdef", 6, 2), 2);
}

static void
test_hex_addr(void)
{
	uint8_t	 out[2];
	char	 hex[5], *host, *cause;
	u_short	 port;

	hex_encode((const uint8_t *)"\x01\xfe", 2, hex);
	ASSERT_STR_EQ(hex, "01fe");
	ASSERT_INT_EQ(hex_decode("01FE", out, 2), 0);
	ASSERT_MEM_EQ(out, "\x01\xfe", 2);
	ASSERT_INT_EQ(hex_decode("01f", out, 2), -1);
	ASSERT_INT_EQ(hex_decode("01fg", out, 2), -1);
	ASSERT_INT_EQ(addr_parse("127.0.0.1:7000", &host, &port, &cause), 0);
	ASSERT_STR_EQ(host, "127.0.0.1");
	ASSERT_INT_EQ(port, 7000);
	free(host);
	ASSERT_INT_EQ(addr_parse("[::1]:0", &host, &port, &cause), 0);
	ASSERT_STR_EQ(host, "::1");
	ASSERT_INT_EQ(port, 0);
	free(host);
	ASSERT_INT_EQ(addr_parse("::1:80", &host, &port, &cause), -1);
	free(cause);
	ASSERT_INT_EQ(addr_parse("host:65536", &host, &port, &cause), -1);
	free(cause);
	ASSERT_INT_EQ(addr_parse("host:", &host, &port, &cause), -1);
	free(cause);
	ASSERT_INT_EQ(addr_parse("host", &host, &port, &cause), -1);
	free(cause);
}

/*
 * io_read, on a pipe holding 200 KiB and then end of file: each call takes
 * up to max bytes (more than libevent's 4 KiB), the bytes arrive whole and
 * in order, EAGAIN says nothing waits, and end of file reads as 0.
 */
#define IOREAD_TOTAL	(200 * 1024)
static void
test_io_read(void)
{
	struct evbuffer	*in;
	u_char		*data, *got;
	size_t		 i, off = 0;
	ssize_t		 w, n;
	u_int		 calls = 0, big = 0;
	int		 p[2];

	data = xmalloc(IOREAD_TOTAL);
	for (i = 0; i < IOREAD_TOTAL; i++)
		data[i] = (u_char)(i * 7 + i / 251);
	ASSERT_INT_EQ(pipe(p), 0);
#ifdef F_SETPIPE_SZ
	fcntl(p[1], F_SETPIPE_SZ, 1024 * 1024);
#endif
	evutil_make_socket_nonblocking(p[0]);
	evutil_make_socket_nonblocking(p[1]);
	in = evbuffer_new();
	/* Nothing written yet: EAGAIN, and nothing added. */
	ASSERT_INT_EQ(io_read(p[0], in, IO_READ_MAX), -1);
	ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
	ASSERT_INT_EQ(evbuffer_get_length(in), 0);
	for (;;) {
		while (off < IOREAD_TOTAL && (w = write(p[1], data + off,
		    IOREAD_TOTAL - off)) > 0)
			off += w;
		if (off == IOREAD_TOTAL && p[1] != -1) {
			close(p[1]);
			p[1] = -1;
		}
		n = io_read(p[0], in, IO_READ_MAX);
		if (n == 0)
			break;
		if (n == -1) {
			ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
			continue;
		}
		calls++;
		ASSERT_TRUE((size_t)n <= IO_READ_MAX);
		if (n > 4096)
			big++;
	}
	ASSERT_INT_EQ(evbuffer_get_length(in), IOREAD_TOTAL);
	got = evbuffer_pullup(in, -1);
	ASSERT_MEM_EQ(got, data, IOREAD_TOTAL);
	ASSERT_TRUE(big > 0);
	ASSERT_TRUE(calls < IOREAD_TOTAL / 4096);
	/* A bound of 10 bytes reads 10 bytes at most. */
	evbuffer_drain(in, IOREAD_TOTAL);
	ASSERT_INT_EQ(pipe(p), 0);
	ASSERT_INT_EQ(write(p[1], data, 100), 100);
	ASSERT_INT_EQ(io_read(p[0], in, 10), 10);
	ASSERT_INT_EQ(evbuffer_get_length(in), 10);
	close(p[0]);
	close(p[1]);
	evbuffer_free(in);
	free(data);
}

int
main(void)
{
	TEST_RUN(test_buf_roundtrip);
	TEST_RUN(test_buf_short);
	TEST_RUN(test_buf_grow);
	TEST_RUN(test_utf8);
	TEST_RUN(test_hex_addr);
	TEST_RUN(test_io_read);
	return (test_done("test-buf"));
}
