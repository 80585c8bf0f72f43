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
 * bev_read_more, on a pipe holding 200 KiB and then end of file: each read
 * callback takes up to max bytes more, the bytes arrive whole and in order,
 * the input's tail is frozen again afterwards, and end of file is still
 * reported by the bufferevent once the data is all read.
 */
#define READMORE_TOTAL	(200 * 1024)
struct readmore {
	struct event_base	*base;
	size_t			 max;
	u_int			 calls;
	size_t			 extra;		/* bytes bev_read_more added */
	int			 bad;		/* a check in the callback failed */
	int			 eof;
	struct buf		 got;
};

static void
readmore_read_cb(struct bufferevent *bev, void *arg)
{
	struct readmore	*r = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 before = evbuffer_get_length(in), n, len;

	r->calls++;
	n = bev_read_more(bev, r->max);
	if (n > r->max || evbuffer_get_length(in) != before + n)
		r->bad = 1;
	if (evbuffer_add(in, "x", 1) != -1)	/* frozen for the caller */
		r->bad = 1;
	r->extra += n;
	len = evbuffer_get_length(in);
	if (evbuffer_remove(in, buf_reserve(&r->got, len), len) != (int)len)
		r->bad = 1;
}

static void
readmore_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct readmore	*r = arg;

	if (what & BEV_EVENT_EOF)
		r->eof = 1;
	event_base_loopbreak(r->base);
}

static void
test_bev_read_more(void)
{
	struct readmore		 r;
	struct bufferevent	*bev;
	u_char			*data;
	size_t			 i, off = 0;
	ssize_t			 w;
	int			 p[2];

	memset(&r, 0, sizeof r);
	buf_init(&r.got);
	r.max = READ_MORE;
	data = xmalloc(READMORE_TOTAL);
	for (i = 0; i < READMORE_TOTAL; i++)
		data[i] = (u_char)(i * 7 + i / 251);
	ASSERT_INT_EQ(pipe(p), 0);
#ifdef F_SETPIPE_SZ
	fcntl(p[1], F_SETPIPE_SZ, 1024 * 1024);
#endif
	evutil_make_socket_nonblocking(p[0]);
	evutil_make_socket_nonblocking(p[1]);
	r.base = event_base_new();
	bev = bufferevent_socket_new(r.base, p[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, readmore_read_cb, NULL, readmore_event_cb, &r);
	bufferevent_enable(bev, EV_READ);
	/* Write what the pipe takes, let the loop read, until all is in. */
	while (!r.eof) {
		while (off < READMORE_TOTAL && (w = write(p[1], data + off,
		    READMORE_TOTAL - off)) > 0)
			off += w;
		if (off == READMORE_TOTAL && p[1] != -1) {
			close(p[1]);
			p[1] = -1;
		}
		event_base_loop(r.base, EVLOOP_ONCE);
	}
	ASSERT_INT_EQ(r.bad, 0);
	ASSERT_INT_EQ(r.got.size, READMORE_TOTAL);
	ASSERT_MEM_EQ(r.got.d, data, READMORE_TOTAL);
	/* It read more than libevent's 4 KiB a call, so fewer calls. */
	ASSERT_TRUE(r.extra > 0);
	ASSERT_TRUE(r.calls < READMORE_TOTAL / READ_FULL);
	ASSERT_INT_EQ(bev_read_more(bev, 0), 0);
	bufferevent_free(bev);
	event_base_free(r.base);
	buf_free(&r.got);
	free(data);
}

/*
 * bev_write_now puts a bufferevent's output on its socket at once, without
 * the loop running (libevent keeps the output's start frozen otherwise).
 */
static void
test_bev_write_now(void)
{
	struct event_base	*base;
	struct bufferevent	*bev;
	char			 got[64];
	int			 sv[2];

	ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	evutil_make_socket_nonblocking(sv[0]);
	evutil_make_socket_nonblocking(sv[1]);
	base = event_base_new();
	bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_enable(bev, EV_READ|EV_WRITE);
	ASSERT_INT_EQ(bev_write_now(bev), 0);	/* nothing queued */
	bufferevent_write(bev, "frame one", 9);
	ASSERT_INT_EQ(bev_write_now(bev), 9);
	ASSERT_INT_EQ(evbuffer_get_length(bufferevent_get_output(bev)), 0);
	ASSERT_INT_EQ(read(sv[1], got, sizeof got), 9);
	ASSERT_MEM_EQ(got, "frame one", 9);
	/* The bufferevent still writes by itself afterwards. */
	bufferevent_write(bev, "two", 3);
	event_base_loop(base, EVLOOP_ONCE);
	ASSERT_INT_EQ(read(sv[1], got, sizeof got), 3);
	ASSERT_MEM_EQ(got, "two", 3);
	bufferevent_free(bev);
	event_base_free(base);
	close(sv[1]);
}

int
main(void)
{
	TEST_RUN(test_buf_roundtrip);
	TEST_RUN(test_buf_short);
	TEST_RUN(test_buf_grow);
	TEST_RUN(test_utf8);
	TEST_RUN(test_hex_addr);
	TEST_RUN(test_bev_read_more);
	TEST_RUN(test_bev_write_now);
	return (test_done("test-buf"));
}
