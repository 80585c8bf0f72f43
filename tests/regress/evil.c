/*
 * evil.c: a hostile peer for the regress tests. It connects to a node and
 * misbehaves in one way (the MODE), then reports what the node did:
 *
 *	evil MODE HOST PORT
 *
 * Some modes only measure, for the test to judge: spread-N holds N
 * connections from N loopback addresses for three seconds; pex-junk
 * floods peer exchange with addresses where it listens itself, then counts
 * how often the node dials them while it is connected and after it left;
 * sybil-N:ADDR, sybil-net-N:ADDR and sybil-wide-N:ADDR open N sessions
 * as N new peers from one address, one /24 or a /24 each; nohello-N:ADDR keeps N handshakes that never
 * send HELLO, until standard input closes.
 *
 * Most modes end when the node closes; listen:NICK stays connected as a
 * good peer called NICK and prints what it is sent, and bye-forge leaves
 * with a BYE whose text would forge a log line. nick-flood-N says HELLO
 * N times with a new nick each and waits for the PONG of a PING after;
 * quota-N sends N CHATs, expects BYE 3, reconnects with the same key and
 * expects BYE 3 again, without an ACK, for one more. ask-N opens N
 * sessions one after the other, each under a fresh key called "askerK",
 * and sends one CHAT on each ("ask K"): a contact request. It prints
 * "ask K acked" or "ask K refused" (closed with no ACK) for each, then
 * "acked A refused R".
 *
 * Two modes fill a relaying node's store, and end once a PING sent after
 * the last record is answered: relay-acks-N sends N RELAY_ACKs, each
 * signed by a fresh key, for made-up authors; relay-spam-K-N opens K
 * sessions one after the other, each under a fresh key, and on each sends
 * N RELAYs, half to made-up recipients and half to the keys of its earlier
 * sessions (peers the node knows). Both print "records R bytes B": what
 * they sent, handshakes included.
 *
 * Circuit modes, for a relay (circuit.c): circuit-reserve-N asks for a
 * reservation N times on one session, circuit-reserve-many-N once on each
 * of N sessions under fresh keys (held until standard input closes);
 * circuit-target reserves and takes every circuit offered;
 * circuit-open-N-BYTES:HEX opens N circuits to HEX and sends BYTES on the
 * first. Each prints the codes the relay answered.
 *
 * With EVIL_FROM set to an IPv4 address, every connection is made from it.
 *
 * Exit 0 when the node reacted as the protocol says (closed the connection,
 * with BYE reason 1 where one is due), 1 when it did not, 2 on a usage or
 * local error. What it saw goes to standard output.
 */

#include "p2pchat.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <poll.h>

#define EVIL_TIMEOUT_MS	15000

struct evil {
	int			 fd;
	struct noise_hs		*hs;
	struct noise_cipher	 tx, rx;
	uint8_t			 ed_pk[32], ed_sk[64], x_pk[32], x_sk[32];
	uint8_t			 hh[NOISE_HASHMAX];	/* handshake hash */
	size_t			 hhlen;
	const char		*prologue;
	const char		*host, *port;
	unsigned long long	 sent;		/* bytes written */
};

static u_long	evil_sent, evil_got;	/* bytes on the wire, both ways */
static const char *evil_host, *evil_port;

static int	evil_count(struct evil *, int, uint8_t, u_long *, u_long *);
static void	evil_identity(struct evil *);
static int	evil_sync(struct evil *);

/* Connect to host:port. */
static int
evil_connect(const char *host, const char *port)
{
	struct sockaddr_in	sin, from;
	const char		*bind_to = getenv("EVIL_FROM");
	int			fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((u_short)atoi(port));
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return (-1);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	if (bind_to != NULL) {
		memset(&from, 0, sizeof from);
		from.sin_family = AF_INET;
		if (inet_pton(AF_INET, bind_to, &from.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&from, sizeof from) != 0) {
			close(fd);
			return (-1);
		}
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Write all of a buffer. */
static int
evil_write(struct evil *e, const void *p, size_t len)
{
	const u_char	*q = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(e->fd, q, len)) <= 0)
			return (-1);
		q += n;
		len -= n;
		evil_sent += n;
		e->sent += n;
	}
	return (0);
}

/* Read exactly len bytes, or -1 on close, error or timeout. */
static int
evil_read(struct evil *e, void *p, size_t len)
{
	struct pollfd	 pfd = { e->fd, POLLIN, 0 };
	u_char		*q = p;
	ssize_t		 n;

	while (len > 0) {
		if (poll(&pfd, 1, EVIL_TIMEOUT_MS) != 1)
			return (-2);
		if ((n = read(e->fd, q, len)) <= 0)
			return (-1);
		q += n;
		len -= n;
		evil_got += n;
	}
	return (0);
}

/* Read one frame into p (at least FRAME_MAX bytes); returns its length. */
static int
evil_read_frame(struct evil *e, u_char *p)
{
	u_char	hdr[2];
	size_t	len;
	int	rc;

	if ((rc = evil_read(e, hdr, 2)) != 0)
		return (rc);
	len = (size_t)hdr[0] << 8 | hdr[1];
	if ((rc = evil_read(e, p, len)) != 0)
		return (rc);
	return ((int)len);
}

/* Write one frame. */
static int
evil_write_frame(struct evil *e, const u_char *p, size_t len)
{
	u_char	hdr[2];

	buf_poke_u16(hdr, (uint16_t)len);
	if (evil_write(e, hdr, 2) != 0)
		return (-1);
	return (evil_write(e, p, len));
}

/* Wait until the node closes the connection; 0 if it does in time. */
static int
evil_wait_close(struct evil *e)
{
	struct pollfd	pfd = { e->fd, POLLIN, 0 };
	u_char		buf[4096];
	ssize_t		n;

	for (;;) {
		if (poll(&pfd, 1, EVIL_TIMEOUT_MS) != 1) {
			printf("node kept the connection open\n");
			return (1);
		}
		if ((n = read(e->fd, buf, sizeof buf)) <= 0) {
			printf("closed\n");
			return (0);
		}
	}
}

/* Make the identity payload; with bad set, sign another key. */
static void
evil_payload(struct evil *e, u_char *out, int bad)
{
	uint8_t	msg[22 + 32], other[32];

	memcpy(msg, "p2pchat/1 noise static", 22);
	if (bad) {
		randombytes_buf(other, sizeof other);
		memcpy(msg + 22, other, 32);
	} else
		memcpy(msg + 22, e->x_pk, 32);
	memcpy(out, e->ed_pk, 32);
	crypto_sign_detached(out + 32, NULL, msg, sizeof msg, e->ed_sk);
}

/*
 * Run the handshake as initiator. payload_len and bad_sig spoil message 3.
 * Returns 0 when the handshake completed from our side.
 */
static int
evil_handshake(struct evil *e, size_t payload_len, int bad_sig)
{
	u_char	msg[FRAME_MAX], payload[256], out[512];
	size_t	len, plen;
	int	n;

	e->hs = noise_hs_new(P2PCHAT_NOISE, 1, (const uint8_t *)e->prologue,
	    strlen(e->prologue), e->x_sk, NULL);
	if (noise_hs_write(e->hs, NULL, 0, out, sizeof out, &len) != 0 ||
	    evil_write_frame(e, out, len) != 0)
		return (-1);
	if ((n = evil_read_frame(e, msg)) < 0)
		return (-1);
	if (noise_hs_read(e->hs, msg, n, payload, sizeof payload, &plen) != 0) {
		printf("message 2 did not decrypt\n");
		return (-2);
	}
	evil_payload(e, payload, bad_sig);
	if (noise_hs_write(e->hs, payload, payload_len, out, sizeof out,
	    &len) != 0 || evil_write_frame(e, out, len) != 0)
		return (-1);
	noise_hs_split(e->hs, &e->tx, &e->rx);
	e->hhlen = noise_hs_hash(e->hs, e->hh);
	noise_hs_free(e->hs);
	e->hs = NULL;
	return (0);
}

/* Encrypt and send one record. */
static int
evil_send(struct evil *e, const void *rec, size_t len, u_char *copy,
    size_t *copylen)
{
	u_char	out[FRAME_MAX];

	if (noise_encrypt(&e->tx, rec, len, out) != 0)
		return (-1);
	if (copy != NULL) {
		memcpy(copy, out, len + NOISE_TAGLEN);
		*copylen = len + NOISE_TAGLEN;
	}
	return (evil_write_frame(e, out, len + NOISE_TAGLEN));
}

/* Send a good HELLO. */
static int
evil_hello(struct evil *e, const char *nick)
{
	struct buf	b;
	int		rc;

	buf_init(&b);
	wire_build_hello(&b, nick, 0, 0, "evil");
	rc = evil_send(e, b.d, b.size, NULL, NULL);
	buf_free(&b);
	return (rc);
}

/* Read records until the node closes; 0 if a BYE with reason came first. */
static int
evil_expect_bye(struct evil *e, int reason)
{
	u_char	msg[FRAME_MAX], plain[FRAME_MAX];
	int	n;

	for (;;) {
		if ((n = evil_read_frame(e, msg)) < 0) {
			printf("closed without BYE %d\n", reason);
			return (1);
		}
		if (n < NOISE_TAGLEN + 1 || noise_decrypt(&e->rx, msg, n,
		    plain) != 0) {
			printf("undecryptable frame\n");
			return (1);
		}
		if (plain[0] == REC_BYE) {
			printf("bye %u\n", n > NOISE_TAGLEN + 1 ? plain[1] : 255);
			if (n <= NOISE_TAGLEN + 1 || plain[1] != reason)
				return (1);
			return (evil_wait_close(e));
		}
	}
}

/* Send random bytes, then expect the node to close. */
static int
evil_garbage(struct evil *e, size_t n)
{
	u_char	*p = xmalloc(n);

	randombytes_buf(p, n);
	if (n >= 2 && p[0] == 0 && p[1] == 0)
		p[1] = 1;
	evil_write(e, p, n);
	free(p);
	return (evil_wait_close(e));
}

/* Send a record after a good handshake and HELLO, expect BYE 1. */
static int
evil_after_hello(struct evil *e, const void *rec, size_t len)
{
	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "evil") != 0)
		return (1);
	evil_send(e, rec, len, NULL, NULL);
	return (evil_expect_bye(e, BYE_PROTOCOL));
}

/*
 * Tell the node where we see it (OBSERVED), and check that it tells us our
 * own address and port: the record the node sends after HELLO. A PING
 * answered last shows our record was taken.
 */
static int
evil_observed(struct evil *e)
{
	struct sockaddr_in	 me;
	socklen_t		 len = sizeof me;
	u_char			 frame[FRAME_MAX], plain[FRAME_MAX];
	u_char			 rec[9] = { REC_OBSERVED, 4, 192, 0, 2, 77,
				     0x10, 0x92 };
	int			 n, seen = 0;

	if (getsockname(e->fd, (struct sockaddr *)&me, &len) != 0 ||
	    evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "evil") != 0)
		return (1);
	evil_send(e, rec, 8, NULL, NULL);
	memcpy(rec, "\x02\0\0\0\0\0\0\0\x2b", 9);
	evil_send(e, rec, 9, NULL, NULL);
	for (;;) {
		if ((n = evil_read_frame(e, frame)) < 0 ||
		    noise_decrypt(&e->rx, frame, n, plain) != 0)
			return (1);
		n -= NOISE_TAGLEN;
		if (plain[0] == REC_OBSERVED) {
			if (n != 8 || plain[1] != 4 ||
			    memcmp(plain + 2, &me.sin_addr, 4) != 0 ||
			    (plain[6] << 8 | plain[7]) != ntohs(me.sin_port)) {
				printf("wrong OBSERVED record\n");
				return (1);
			}
			printf("observed\n");
			seen = 1;
		}
		if (plain[0] == REC_PONG && plain[8] == 0x2b)
			return (seen ? 0 : 1);
	}
}

/*
 * dialback-other: ask for a dial-back to 198.51.100.77, an address that is
 * not ours; the node must answer DIALBACK_RESULT status 2 (refused) and
 * still answer a PING. dialback-many: ask 12 times for our own address,
 * at a port where nothing listens; print "results N busy B", N at most 8.
 */
static int
evil_dialback(struct evil *e, int many)
{
	u_char	frame[FRAME_MAX], plain[FRAME_MAX];
	u_char	rec[24] = { REC_DIALBACK };
	int	n, i, results = 0, busy = 0, refused = 0;

	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "evil") != 0)
		return (1);
	rec[17] = 4;
	if (many) {
		memcpy(rec + 18, "\x7f\x00\x00\x01\x00\x01", 6);
		for (i = 0; i < 12; i++) {
			rec[1] = (u_char)i;
			evil_send(e, rec, 24, NULL, NULL);
		}
	} else {
		memcpy(rec + 18, "\xc6\x33\x64\x4d\x1c\x84", 6);
		evil_send(e, rec, 24, NULL, NULL);
	}
	memcpy(rec, "\x02\0\0\0\0\0\0\0\x2c", 9);
	evil_send(e, rec, 9, NULL, NULL);
	for (;;) {
		if ((n = evil_read_frame(e, frame)) < 0 ||
		    noise_decrypt(&e->rx, frame, n, plain) != 0)
			return (1);
		n -= NOISE_TAGLEN;
		if (plain[0] == REC_DIALBACK_RESULT && n == 18) {
			results++;
			if (plain[17] == DIALBACK_REFUSED)
				refused++;
			if (plain[17] == DIALBACK_BUSY)
				busy++;
		}
		if (plain[0] == REC_PONG && plain[8] == 0x2c)
			break;
	}
	if (many) {
		/* The dials take a moment: results that come later count. */
		while (results < 12 && (n = evil_read_frame(e, frame)) > 0 &&
		    noise_decrypt(&e->rx, frame, n, plain) == 0) {
			if (plain[0] == REC_DIALBACK_RESULT) {
				results++;
				if (plain[17] == DIALBACK_BUSY)
					busy++;
			}
			if (results == 8)
				break;
		}
		printf("results %d busy %d\n", results, busy);
		return (results <= 8 && busy >= 5 ? 0 : 1);
	}
	printf("%s\n", refused == 1 ? "refused" : "not refused");
	return (refused == 1 ? 0 : 1);
}

/*
 * Bytes out per byte in, for the benchmark: what a new session costs the
 * stranger and brings it (handshake, HELLO, and all the node sends a new
 * session by itself, relay hand-over included), then what 64 PEX_REQUESTs
 * bring. One line each: "measure WHAT sent N got M ratio R".
 */
static int
evil_measure(struct evil *e)
{
	u_char		 rec[1] = { REC_PEX_REQUEST };
	u_long		 recs = 0, bytes = 0, s0, g0;
	int		 i;

	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "evil") != 0)
		return (1);
	if (evil_count(e, 1500, 0, &recs, &bytes) != 0)
		return (1);
	printf("measure session-open sent %lu got %lu ratio %.2f\n",
	    evil_sent, evil_got, (double)evil_got / evil_sent);
	s0 = evil_sent;
	g0 = evil_got;
	for (i = 0; i < 64; i++)
		evil_send(e, rec, sizeof rec, NULL, NULL);
	if (evil_count(e, 1500, 0, &recs, &bytes) != 0)
		return (1);
	printf("measure pex-request sent %lu got %lu ratio %.2f\n",
	    evil_sent - s0, evil_got - g0,
	    (double)(evil_got - g0) / (evil_sent - s0));
	return (0);
}

/*
 * chat-flood-SECS: send CHATs of 16000 bytes as fast as the node takes
 * them for SECS seconds, reading and dropping what comes back; when the
 * node closes the session, come back with a new identity. For the
 * benchmark of a good peer's latency under a flood.
 */
static int
evil_chat_flood(struct evil *e, const char *host, const char *port,
    int secs)
{
	static u_char	 rec[1 + MSGID_LEN + 8 + 2 + 16000];
	u_char		 frame[FRAME_MAX];
	struct pollfd	 pfd;
	int64_t		 end = mono_us() + (int64_t)secs * 1000000;
	u_long		 sent = 0, nsess = 0;
	size_t		 len = sizeof rec;
	int		 n;

	rec[0] = REC_CHAT;
	buf_poke_u16(rec + 1 + MSGID_LEN + 8, 16000);
	memset(rec + 1 + MSGID_LEN + 8 + 2, 'f', 16000);
	while (mono_us() < end) {
		if (e->fd == -1) {
			crypto_sign_keypair(e->ed_pk, e->ed_sk);
			randombytes_buf(e->x_sk, 32);
			crypto_scalarmult_base(e->x_pk, e->x_sk);
			if ((e->fd = evil_connect(host, port)) == -1) {
				usleep(100000);
				continue;
			}
		}
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
		    evil_hello(e, "flood") != 0)
			goto gone;
		nsess++;
		for (;;) {
			if (mono_us() >= end)
				break;
			randombytes_buf(rec + 1, MSGID_LEN);
			if (evil_send(e, rec, len, NULL, NULL) != 0)
				goto gone;
			sent++;
			pfd.fd = e->fd;
			pfd.events = POLLIN;
			while (poll(&pfd, 1, 0) == 1) {
				if ((n = evil_read_frame(e, frame)) < 0)
					goto gone;
			}
		}
		break;
gone:
		close(e->fd);
		e->fd = -1;
	}
	printf("flood: %lu CHATs of 16000 bytes on %lu sessions in %d s\n",
	    sent, nsess, secs);
	return (0);
}

/* Send ROOM_MEMBER with our tag for a room (a member shows itself). */
static int
evil_room_tag(struct evil *e, const uint8_t *key)
{
	u_char	rec[34];

	rec[0] = REC_ROOM_MEMBER;
	rec[1] = 1;
	room_member_tag(key, e->hh, e->hhlen, e->ed_pk, rec + 2);
	return (evil_send(e, rec, sizeof rec, NULL, NULL));
}

/* Send an empty ROOM_MARKS for a room: "I have nothing, send all". */
static int
evil_room_marks(struct evil *e, const uint8_t *id)
{
	u_char	rec[35];

	rec[0] = REC_ROOM_MARKS;
	memcpy(rec + 1, id, 32);
	rec[33] = rec[34] = 0;
	return (evil_send(e, rec, sizeof rec, NULL, NULL));
}

/*
 * Read for up to ms, until a PONG with token answers (0: no PING sent,
 * read until quiet for ms): count the ROOM_POST records and all bytes;
 * keep the last text post of another author in last (if not NULL).
 */
static int
evil_count_keep(struct evil *e, int ms, uint8_t token, u_long *recs,
    u_long *bytes, struct buf *last)
{
	struct pollfd	 pfd = { .fd = e->fd, .events = POLLIN };
	u_char		 frame[FRAME_MAX], plain[FRAME_MAX];
	struct record	 r;
	int		 n;

	for (;;) {
		if (poll(&pfd, 1, ms) <= 0)
			return (token == 0 ? 0 : -1);
		if ((n = evil_read_frame(e, frame)) < 0 ||
		    noise_decrypt(&e->rx, frame, n, plain) != 0)
			return (-1);
		n -= NOISE_TAGLEN;
		*bytes += n + 2 + NOISE_TAGLEN;
		if (plain[0] == REC_ROOM_POST) {
			(*recs)++;
			if (last != NULL && wire_parse(plain, n, &r) == 0 &&
			    r.u.post.kind == ROOM_KIND_TEXT &&
			    memcmp(r.u.post.author, e->ed_pk, 32) != 0) {
				buf_reset(last);
				buf_put(last, plain, n);
			}
		}
		if (token != 0 && plain[0] == REC_PONG && plain[8] == token)
			return (0);
	}
}

/* Count ROOM_POST records, as evil_count_keep without keeping one. */
static int
evil_count(struct evil *e, int ms, uint8_t token, u_long *recs,
    u_long *bytes)
{
	return (evil_count_keep(e, ms, token, recs, bytes, NULL));
}

/*
 * ROOM_MARKS for a room (room-marks-MODE:NAME, the room's secret empty).
 * count: a member sends empty marks and reads until quiet: it must get
 * the whole log, once. stall: a member asks twice and does not read for
 * 5 s, then reads: the node must still be there. stranger: marks and an
 * IWANT with the room id but no member tag (and then a random tag):
 * nothing may come back.
 */
static int
evil_room_sync(struct evil *e, const char *how, const char *name)
{
	uint8_t		 id[32], key[32];
	u_char		 ping[9] = { REC_PING, 0, 0, 0, 0, 0, 0, 0, 0x2c };
	u_char		 rec[34];
	u_long		 recs = 0, bytes = 0;

	room_keys(name, "", id, key);
	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "evil") != 0)
		return (1);
	if (strcmp(how, "stranger") == 0) {
		evil_room_marks(e, id);
		rec[0] = REC_ROOM_MEMBER;
		rec[1] = 1;
		randombytes_buf(rec + 2, 32);
		evil_send(e, rec, sizeof rec, NULL, NULL);
		evil_room_marks(e, id);
		evil_send(e, ping, sizeof ping, NULL, NULL);
		if (evil_count(e, 10000, 0x2c, &recs, &bytes) != 0)
			return (1);
		printf("stranger got %lu room records\n", recs);
		return (recs == 0 ? 0 : 1);
	}
	evil_room_tag(e, key);
	evil_room_marks(e, id);
	if (strcmp(how, "stall") == 0) {
		evil_room_marks(e, id);
		sleep(5);
		if (evil_count(e, 2000, 0, &recs, &bytes) != 0)
			return (1);
		printf("after a 5 s stall: %lu records, %lu bytes\n", recs,
		    bytes);
		return (recs > 0 ? 0 : 1);
	}
	if (evil_count(e, 1500, 0, &recs, &bytes) != 0)
		return (1);
	printf("answers: %lu records, %lu bytes for one ROOM_MARKS\n", recs,
	    bytes);
	return (recs > 0 ? 0 : 1);
}

/* Open n junk connections at once, write a little junk on each, hold them. */
static int
evil_flood(struct evil *e, int n)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	u_char			 junk[7];
	int			*fds, i, opened = 0;

	if (getpeername(e->fd, (struct sockaddr *)&sin, &len) != 0)
		return (2);
	fds = xcalloc(n, sizeof *fds);
	for (i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] == -1 || connect(fds[i], (struct sockaddr *)&sin,
		    sizeof sin) != 0)
			continue;
		opened++;
		randombytes_buf(junk, sizeof junk);
		if (write(fds[i], junk, (size_t)(i % 8)) < 0)
			continue;
	}
	printf("opened %d of %d\n", opened, n);
	sleep(2);
	for (i = 0; i < n; i++) {
		if (fds[i] != -1)
			close(fds[i]);
	}
	free(fds);
	return (0);
}

/*
 * Send room posts for a room (its name after "room-forge:"), as a member,
 * signed by a key that is not the author's. The node must drop each, and
 * end the session with BYE 1 after the third.
 */
static int
evil_room_forge(struct evil *e, const char *room)
{
	struct buf	 b;
	uint8_t		 id[32], key[32], fake_pk[32], fake_sk[64];
	int		 i;

	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "forger") != 0)
		return (1);
	room_keys(room, "", id, key);
	evil_room_tag(e, key);
	crypto_sign_keypair(fake_pk, fake_sk);
	for (i = 0; i < 3; i++) {
		buf_init(&b);
		/* Claims to be us, signed by another key. */
		room_post_build(&b, id, key, e->ed_pk, fake_sk, i + 1,
		    (uint64_t)now_ms(), ROOM_KIND_TEXT, "forged text", 11);
		evil_send(e, b.d, b.size, NULL, NULL);
		buf_free(&b);
	}
	return (evil_expect_bye(e, BYE_PROTOCOL));
}

/*
 * room-replay:#A:#B (both without secret, the node in both): a member of
 * both fetches #A's log, then sends the last post of another author
 * replayed into #B, and under a higher sequence number; a fresh key
 * that never shows a tag sends a good post of its own. Then, as a member,
 * a good post of its own ("member text"): the only one the node may show.
 */
static int
evil_room_replay(struct evil *e, const char *rooms)
{
	struct evil	 e2;
	struct buf	 last, b;
	struct record	 r;
	uint8_t		 ida[32], keya[32], idb[32], keyb[32];
	u_char		 ping[9] = { REC_PING, 0, 0, 0, 0, 0, 0, 0, 0x3d };
	char		*a, *bname;
	u_long		 recs = 0, bytes = 0;
	uint64_t	 seq;
	int		 i;

	a = xstrdup(rooms);
	if ((bname = strchr(a, ':')) == NULL)
		return (2);
	*bname++ = '\0';
	room_keys(a, "", ida, keya);
	room_keys(bname, "", idb, keyb);

	/* A non-member: a good post, no tag. */
	memset(&e2, 0, sizeof e2);
	e2.prologue = e->prologue;
	evil_identity(&e2);
	if ((e2.fd = evil_connect(e->host, e->port)) == -1 ||
	    evil_handshake(&e2, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(&e2, "outsider") != 0)
		return (2);
	buf_init(&b);
	room_post_build(&b, ida, keya, e2.ed_pk, e2.ed_sk, 1,
	    (uint64_t)now_ms(), ROOM_KIND_TEXT, "non-member text", 15);
	evil_send(&e2, b.d, b.size, NULL, NULL);
	buf_free(&b);
	if (evil_sync(&e2) != 0)
		return (1);
	close(e2.fd);
	noise_hs_free(e2.hs);

	/* A member of both: fetch #A's log. */
	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "replayer") != 0)
		return (1);
	evil_room_tag(e, keya);
	evil_room_tag(e, keyb);
	evil_room_marks(e, ida);
	buf_init(&last);
	if (evil_count_keep(e, 1500, 0, &recs, &bytes, &last) != 0 ||
	    last.size == 0 || wire_parse(last.d, last.size, &r) != 0) {
		printf("no post of #A came\n");
		return (1);
	}
	printf("fetched %lu posts of %s\n", recs, a);
	/* Into the other room: the room id is at offset 1. */
	memcpy(last.d + 1, idb, 32);
	evil_send(e, last.d, last.size, NULL, NULL);
	memcpy(last.d + 1, ida, 32);
	/* Under another number: seq is at offset 65. */
	seq = r.u.post.seq + 1000;
	for (i = 0; i < 8; i++)
		last.d[65 + i] = (uint8_t)(seq >> (56 - 8 * i));
	evil_send(e, last.d, last.size, NULL, NULL);
	buf_free(&last);
	buf_init(&b);
	room_post_build(&b, ida, keya, e->ed_pk, e->ed_sk, 1,
	    (uint64_t)now_ms(), ROOM_KIND_TEXT, "member text", 11);
	evil_send(e, b.d, b.size, NULL, NULL);
	buf_free(&b);
	evil_send(e, ping, sizeof ping, NULL, NULL);
	recs = 0;
	if (evil_count(e, 10000, 0x3d, &recs, &bytes) != 0)
		return (1);
	printf("replays sent\n");
	free(a);
	return (0);
}

/* Open n connections, each from its own 127.0.x.y, hold them, close. */
static int
evil_spread(struct evil *e, int n)
{
	struct sockaddr_in	 sin, from;
	socklen_t		 len = sizeof sin;
	int			*fds, i, opened = 0;

	if (getpeername(e->fd, (struct sockaddr *)&sin, &len) != 0)
		return (2);
	fds = xcalloc(n, sizeof *fds);
	for (i = 0; i < n; i++) {
		memset(&from, 0, sizeof from);
		from.sin_family = AF_INET;
		from.sin_addr.s_addr = htonl(0x7f000000 | (10 + i));
		if ((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    bind(fds[i], (struct sockaddr *)&from, sizeof from) != 0 ||
		    connect(fds[i], (struct sockaddr *)&sin, sizeof sin) != 0)
			continue;
		opened++;
	}
	printf("opened %d of %d\n", opened, n);
	fflush(stdout);
	sleep(3);
	for (i = 0; i < n; i++) {
		if (fds[i] != -1)
			close(fds[i]);
	}
	free(fds);
	return (0);
}

/*
 * A connection from the loopback address from (host order) to the node at
 * to, as a new peer with a fresh key; -1 if it cannot connect.
 */
static int
evil_fresh(struct evil *e, const struct sockaddr_in *to, uint32_t from)
{
	struct sockaddr_in	sin;
	int			one = 1;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(from);
	crypto_sign_keypair(e->ed_pk, e->ed_sk);
	randombytes_buf(e->x_sk, 32);
	crypto_scalarmult_base(e->x_pk, e->x_sk);
	e->prologue = P2PCHAT_PROLOGUE;
	e->hs = NULL;
	if ((e->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	/* Frames go out in two writes: do not wait for an ACK between. */
	setsockopt(e->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (bind(e->fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    connect(e->fd, (const struct sockaddr *)to, sizeof *to) != 0) {
		close(e->fd);
		e->fd = -1;
		return (-1);
	}
	return (0);
}

/*
 * After HELLO and a PING, read until the node answers the PING (it took
 * the session: 1) or says BYE or closes (0).
 */
static int
evil_admitted(struct evil *e)
{
	u_char	frame[FRAME_MAX], plain[FRAME_MAX];
	int	n;

	memcpy(plain, "\x02\0\0\0\0\0\0\0\x2c", 9);
	if (evil_send(e, plain, 9, NULL, NULL) != 0)
		return (0);
	for (;;) {
		if ((n = evil_read_frame(e, frame)) < NOISE_TAGLEN + 1 ||
		    noise_decrypt(&e->rx, frame, n, plain) != 0)
			return (0);
		if (plain[0] == REC_BYE)
			return (0);
		if (plain[0] == REC_PONG && plain[8] == 0x2c)
			return (1);
	}
}

/*
 * The address of the i-th connection: one address, one in a /24, or one
 * in each of the /24s after ADDR's.
 */
static uint32_t
evil_from(const char *mode, uint32_t base, int i)
{
	if (strncmp(mode, "sybil-net", 9) == 0)
		return ((base & 0xffffff00) | (uint32_t)(1 + i % 250));
	if (strncmp(mode, "sybil-wide", 10) == 0)
		return (base + ((uint32_t)i << 8));
	return (base);
}

/*
 * Wait until standard input closes (the test's signal to stop), then
 * print how many of the n connections in fds the node still holds.
 */
static void
evil_hold(int *fds, int n)
{
	struct pollfd	*pfd;
	u_char		 buf[4096];
	int		 i, held = 0;

	pfd = xcalloc(n + 1, sizeof *pfd);
	pfd[0].fd = 0;
	pfd[0].events = POLLIN;
	for (i = 0; i < n; i++) {
		pfd[1 + i].fd = fds[i];
		pfd[1 + i].events = POLLIN;
	}
	for (;;) {
		if (poll(pfd, n + 1, -1) <= 0)
			continue;
		if (pfd[0].revents != 0 && read(0, buf, sizeof buf) <= 0)
			break;
		for (i = 1; i <= n; i++) {
			if (pfd[i].revents != 0 &&
			    read(pfd[i].fd, buf, sizeof buf) <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
			}
		}
	}
	for (i = 1; i <= n; i++) {
		if (pfd[i].fd != -1) {
			held++;
			close(pfd[i].fd);
		}
	}
	printf("held %d\n", held);
	free(pfd);
}

/*
 * sybil-N:ADDR: N peers, each with a fresh key, all from the loopback
 * address ADDR, each completing the handshake and HELLO; sybil-net-N:ADDR
 * the same from the addresses of ADDR's /24, sybil-wide-N:ADDR from ADDR
 * and the same address in each of the next N - 1 /24s. Prints "admitted K of N"
 * (those whose PING the node answered), keeps them until standard input
 * closes, then prints "held K" (those the node did not close meanwhile).
 */
static int
evil_sybil(struct evil *e, const char *mode)
{
	struct sockaddr_in	 to;
	struct in_addr		 in;
	socklen_t		 len = sizeof to;
	const char		*p;
	uint32_t		 base;
	char			 nick[32];
	int			*fds, n, i, admitted = 0;

	if (getpeername(e->fd, (struct sockaddr *)&to, &len) != 0)
		return (2);
	close(e->fd);
	e->fd = -1;
	n = atoi(mode + strcspn(mode, "0123456789"));
	if (n <= 0 || (p = strchr(mode, ':')) == NULL ||
	    inet_pton(AF_INET, p + 1, &in) != 1)
		return (2);
	base = ntohl(in.s_addr);
	fds = xcalloc(n, sizeof *fds);
	for (i = 0; i < n; i++) {
		fds[i] = -1;
		if (evil_fresh(e, &to, evil_from(mode, base, i)) != 0)
			continue;
		snprintf(nick, sizeof nick, "sybil%d", i);
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) == 0 &&
		    evil_hello(e, nick) == 0 && evil_admitted(e)) {
			fds[admitted++] = e->fd;
			continue;
		}
		close(e->fd);
	}
	e->fd = -1;
	printf("admitted %d of %d\n", admitted, n);
	fflush(stdout);
	evil_hold(fds, admitted);
	free(fds);
	return (0);
}

/*
 * nohello-N:ADDR: keep N connections from ADDR that complete the handshake
 * (each with a fresh key) and never send HELLO, opening a new one for each
 * the node closes, until standard input closes. Prints "stalled N" once
 * the first N are made, and at the end "opened K" in all.
 */
#define EVIL_NOHELLO_ROUND	20	/* new connections a round */
static int
evil_nohello(struct evil *e, const char *mode)
{
	struct sockaddr_in	 to;
	struct in_addr		 in;
	struct pollfd		*pfd;
	socklen_t		 len = sizeof to;
	const char		*p;
	u_char			 buf[4096];
	int			 n, i, opened = 0, first = 1, round;

	if (getpeername(e->fd, (struct sockaddr *)&to, &len) != 0)
		return (2);
	close(e->fd);
	e->fd = -1;
	n = atoi(mode + 8);
	if (n <= 0 || (p = strchr(mode, ':')) == NULL ||
	    inet_pton(AF_INET, p + 1, &in) != 1)
		return (2);
	pfd = xcalloc(n + 1, sizeof *pfd);
	pfd[0].fd = 0;
	pfd[0].events = POLLIN;
	for (i = 1; i <= n; i++) {
		pfd[i].fd = -1;
		pfd[i].events = POLLIN;
	}
	for (;;) {
		round = 0;
		for (i = 1; i <= n && (first || round < EVIL_NOHELLO_ROUND);
		    i++) {
			if (pfd[i].fd != -1)
				continue;
			round++;
			if (evil_fresh(e, &to, ntohl(in.s_addr)) != 0)
				continue;
			if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0) {
				close(e->fd);
				continue;
			}
			pfd[i].fd = e->fd;
			opened++;
		}
		e->fd = -1;
		if (first) {
			printf("stalled %d\n", n);
			fflush(stdout);
			first = 0;
		}
		/* A pause between rounds keeps the churn to the test's pace. */
		if (poll(pfd, n + 1, 20) < 0)
			continue;
		if (pfd[0].revents != 0 && read(0, buf, sizeof buf) <= 0)
			break;
		for (i = 1; i <= n; i++) {
			if (pfd[i].fd != -1 && pfd[i].revents != 0 &&
			    read(pfd[i].fd, buf, sizeof buf) <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
			}
		}
	}
	for (i = 1; i <= n; i++) {
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
	}
	printf("opened %d\n", opened);
	free(pfd);
	return (0);
}

#define EVIL_JUNK_ADDRS		64	/* 127.0.1.1 to 127.0.1.64 */
#define EVIL_JUNK_ATTACK_MS	5000
#define EVIL_JUNK_AFTER_MS	10000

/* Accept and drop what the node dials; count it. */
static void
evil_junk_poll(struct pollfd *pfd, u_int n, int ms, u_int *dials)
{
	u_int	i;
	int	fd;

	if (poll(pfd, n, ms) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (i == 0) {	/* the session: read and forget */
			u_char	buf[4096];

			if (read(pfd[0].fd, buf, sizeof buf) <= 0)
				pfd[0].fd = -1;
			continue;
		}
		while ((fd = accept(pfd[i].fd, NULL, NULL)) != -1) {
			(*dials)++;
			close(fd);
		}
	}
}

/*
 * Listen on EVIL_JUNK_ADDRS loopback addresses, send PEX records full of
 * them (each with a new made-up id) for five seconds, leave, and count the
 * node's dials to them during and in the ten seconds after.
 */
static int
evil_pex_junk(struct evil *e)
{
	struct pollfd		 pfd[1 + EVIL_JUNK_ADDRS];
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	struct buf		 b;
	uint8_t			 id[PEER_ID_LEN];
	u_short			 port = 0;
	u_int			 i, j, during = 0, after = 0, records = 0;
	int64_t			 end;
	int			 one = 1;

	memset(pfd, 0, sizeof pfd);
	for (i = 1; i <= EVIL_JUNK_ADDRS; i++) {
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(0x7f000100 | i);
		sin.sin_port = htons(port);
		pfd[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		pfd[i].events = POLLIN;
		setsockopt(pfd[i].fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof one);
		if (bind(pfd[i].fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
		    listen(pfd[i].fd, 128) != 0) {
			fprintf(stderr, "evil: cannot listen: %s\n",
			    strerror(errno));
			return (2);
		}
		if (port == 0 && getsockname(pfd[i].fd,
		    (struct sockaddr *)&sin, &len) == 0)
			port = ntohs(sin.sin_port);
	}
	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "junk") != 0)
		return (1);
	pfd[0].fd = e->fd;
	pfd[0].events = POLLIN;
	end = now_ms() + EVIL_JUNK_ATTACK_MS;
	while (now_ms() < end) {
		buf_init(&b);
		buf_put_u8(&b, REC_PEX);
		buf_put_u8(&b, EVIL_JUNK_ADDRS);
		for (j = 0; j < EVIL_JUNK_ADDRS; j++) {
			randombytes_buf(id, sizeof id);
			buf_put(&b, id, sizeof id);
			buf_put_u8(&b, 4);
			buf_put_u8(&b, 127);
			buf_put_u8(&b, 0);
			buf_put_u8(&b, 1);
			buf_put_u8(&b, 1 + (j + records) % EVIL_JUNK_ADDRS);
			buf_put_u16(&b, port);
		}
		if (evil_send(e, b.d, b.size, NULL, NULL) == 0)
			records++;
		buf_free(&b);
		evil_junk_poll(pfd, nitems(pfd), 20, &during);
	}
	close(e->fd);
	e->fd = pfd[0].fd = -1;
	end = now_ms() + EVIL_JUNK_AFTER_MS;
	while (now_ms() < end)
		evil_junk_poll(pfd, nitems(pfd), 100, &after);
	printf("records %u dials %u after %u\n", records, during, after);
	for (i = 1; i <= EVIL_JUNK_ADDRS; i++)
		close(pfd[i].fd);
	return (0);
}

/*
 * Connect well with nick, say our id, then print the text of each CHAT the
 * node sends us ("chat TEXT"), acknowledging it, until one says "stop":
 * what a peer that took another's name would receive.
 */
static int
evil_listen(struct evil *e, const char *nick)
{
	u_char	 frame[FRAME_MAX], plain[FRAME_MAX], ack[1 + MSGID_LEN];
	char	 hex[PEER_HEX_LEN + 1];
	size_t	 len;
	int	 n;

	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, nick) != 0)
		return (1);
	hex_encode(e->ed_pk, 32, hex);
	printf("id %s\n", hex);
	fflush(stdout);
	for (;;) {
		if ((n = evil_read_frame(e, frame)) == -2)
			continue;
		if (n < NOISE_TAGLEN + 1 ||
		    noise_decrypt(&e->rx, frame, n, plain) != 0) {
			printf("closed\n");
			return (1);
		}
		n -= NOISE_TAGLEN;
		if (plain[0] == REC_PING && n == 9) {
			plain[0] = REC_PONG;
			evil_send(e, plain, 9, NULL, NULL);
		}
		if (plain[0] != REC_CHAT || n < 27)
			continue;
		len = (size_t)plain[25] << 8 | plain[26];
		if (len > (size_t)n - 27)
			return (1);
		printf("chat %.*s\n", (int)len, plain + 27);
		fflush(stdout);
		ack[0] = REC_ACK;
		memcpy(ack + 1, plain + 1, MSGID_LEN);
		evil_send(e, ack, sizeof ack, NULL, NULL);
		if (len == 4 && memcmp(plain + 27, "stop", 4) == 0)
			return (0);
	}
}

/*
 * Say BYE with an unknown reason and a text that would forge a log line
 * and clear the screen if written raw.
 */
static int
evil_bye_forge(struct evil *e)
{
	struct buf	b;

	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "evil") != 0)
		return (1);
	buf_init(&b);
	wire_build_bye(&b, 200, "\n2026-01-01 forged line\x1b[2J");
	evil_send(e, b.d, b.size, NULL, NULL);
	buf_free(&b);
	return (evil_wait_close(e));
}

/* Send a PING and read until its PONG: the node read all before it. */
static int
evil_ping(struct evil *e, uint8_t token)
{
	u_char	rec[9], frame[FRAME_MAX], plain[FRAME_MAX];
	int	n;

	memset(rec, 0, sizeof rec);
	rec[0] = REC_PING;
	rec[8] = token;
	if (evil_send(e, rec, sizeof rec, NULL, NULL) != 0)
		return (1);
	for (;;) {
		if ((n = evil_read_frame(e, frame)) < 0 ||
		    noise_decrypt(&e->rx, frame, n, plain) != 0) {
			printf("closed before the pong\n");
			return (1);
		}
		if (plain[0] == REC_PONG && n == 9 + NOISE_TAGLEN &&
		    plain[8] == token) {
			printf("pong\n");
			return (0);
		}
	}
}

/*
 * Say HELLO as "flood0", then n more HELLOs, each with a new nick
 * ("flood1" and on), then PING: the PONG says the node read them all.
 */
static int
evil_nick_flood(struct evil *e, int n)
{
	char	nick[32], hex[PEER_HEX_LEN + 1];
	int	i;

	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "flood0") != 0)
		return (1);
	hex_encode(e->ed_pk, 32, hex);
	printf("id %s\n", hex);
	for (i = 1; i <= n; i++) {
		snprintf(nick, sizeof nick, "flood%d", i);
		if (evil_hello(e, nick) != 0) {
			printf("closed after %d hellos\n", i);
			return (1);
		}
	}
	return (evil_ping(e, 0x2c));
}

/*
 * Connect (again) with our key, say HELLO as "spammer", send n CHATs
 * ("spam FIRST" and on) and read until the node closes: the ACKs and the
 * BYE reason (-1 for none) it sent.
 */
static int
evil_spam(struct evil *e, const struct sockaddr_in *to, int first, int n,
    int *acks, int *bye)
{
	struct buf	 b;
	u_char		 frame[FRAME_MAX], plain[FRAME_MAX];
	uint8_t		 id[MSGID_LEN];
	char		 text[32];
	int		 i, len;

	*acks = 0;
	*bye = -1;
	if (e->fd == -1 && ((e->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(e->fd, (const struct sockaddr *)to, sizeof *to) != 0))
		return (-1);
	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "spammer") != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		randombytes_buf(id, sizeof id);
		snprintf(text, sizeof text, "spam %d", first + i);
		buf_init(&b);
		wire_build_chat(&b, id, (uint64_t)now_ms(), text, strlen(text));
		if (evil_send(e, b.d, b.size, NULL, NULL) != 0) {
			buf_free(&b);
			break;
		}
		buf_free(&b);
	}
	for (;;) {
		if ((len = evil_read_frame(e, frame)) < 0 ||
		    noise_decrypt(&e->rx, frame, len, plain) != 0)
			break;
		if (plain[0] == REC_ACK)
			(*acks)++;
		if (plain[0] == REC_BYE && len > NOISE_TAGLEN + 1)
			*bye = plain[1];
	}
	close(e->fd);
	e->fd = -1;
	return (0);
}

/*
 * Send n CHATs and expect the node to ACK some, then close with BYE 3
 * (over quota); connect again with the same key, send one more and expect
 * BYE 3 with no ACK: the quota outlives the session.
 */
static int
evil_quota(struct evil *e, int n)
{
	struct sockaddr_in	 to;
	socklen_t		 len = sizeof to;
	char			 hex[PEER_HEX_LEN + 1];
	int			 acks, bye;

	if (getpeername(e->fd, (struct sockaddr *)&to, &len) != 0)
		return (2);
	hex_encode(e->ed_pk, 32, hex);
	printf("id %s\n", hex);
	if (evil_spam(e, &to, 1, n, &acks, &bye) != 0)
		return (1);
	printf("acked %d bye %d\n", acks, bye);
	if (bye != BYE_OVERLOADED)
		return (1);
	if (evil_spam(e, &to, n + 1, 1, &acks, &bye) != 0)
		return (1);
	printf("again acked %d bye %d\n", acks, bye);
	return (acks == 0 && bye == BYE_OVERLOADED ? 0 : 1);
}

static void	evil_identity(struct evil *);

/*
 * ask-N: N fresh keys in turn, one CHAT each. Each session ends at the
 * ACK (the message was taken) or when the node closes it (refused).
 */
static int
evil_ask(struct evil *e, int n)
{
	struct sockaddr_in	 to;
	socklen_t		 tolen = sizeof to;
	struct buf		 b;
	u_char			 frame[FRAME_MAX], plain[FRAME_MAX];
	uint8_t			 id[MSGID_LEN];
	char			 text[32], nick[32];
	int			 i, len, acked, nacked = 0, nrefused = 0;

	if (getpeername(e->fd, (struct sockaddr *)&to, &tolen) != 0)
		return (2);
	for (i = 1; i <= n; i++) {
		if (i > 1) {
			close(e->fd);
			evil_identity(e);
			if ((e->fd = evil_connect(evil_host, evil_port)) == -1)
				return (2);
		}
		snprintf(nick, sizeof nick, "asker%d", i);
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
		    evil_hello(e, nick) != 0)
			return (1);
		randombytes_buf(id, sizeof id);
		snprintf(text, sizeof text, "ask %d", i);
		buf_init(&b);
		wire_build_chat(&b, id, (uint64_t)now_ms(), text, strlen(text));
		if (evil_send(e, b.d, b.size, NULL, NULL) != 0) {
			buf_free(&b);
			return (1);
		}
		buf_free(&b);
		acked = 0;
		while (!acked) {
			if ((len = evil_read_frame(e, frame)) < 0 ||
			    noise_decrypt(&e->rx, frame, len, plain) != 0)
				break;
			if (plain[0] == REC_ACK)
				acked = 1;
			if (plain[0] == REC_BYE)
				break;
		}
		printf("ask %d %s\n", i, acked ? "acked" : "refused");
		fflush(stdout);
		if (acked)
			nacked++;
		else
			nrefused++;
	}
	printf("acked %d refused %d\n", nacked, nrefused);
	return (0);
}

/* A fresh identity, as a new peer would have. */
static void
evil_identity(struct evil *e)
{
	crypto_sign_keypair(e->ed_pk, e->ed_sk);
	randombytes_buf(e->x_sk, 32);
	crypto_scalarmult_base(e->x_pk, e->x_sk);
}

/*
 * Send a PING and read (and drop) what the node sends until it answers:
 * then it has handled every record sent before. 0 if it answered.
 */
static int
evil_sync(struct evil *e)
{
	u_char	frame[FRAME_MAX], plain[FRAME_MAX];
	u_char	ping[9] = { REC_PING, 0, 0, 0, 0, 0, 0, 0x5e, 0x11 };
	int	n;

	if (evil_send(e, ping, sizeof ping, NULL, NULL) != 0)
		return (-1);
	for (;;) {
		if ((n = evil_read_frame(e, frame)) < 0 ||
		    n < NOISE_TAGLEN + 1 ||
		    noise_decrypt(&e->rx, frame, n, plain) != 0)
			return (-1);
		n -= NOISE_TAGLEN;
		if (plain[0] == REC_PING && n == 9) {
			plain[0] = REC_PONG;
			evil_send(e, plain, 9, NULL, NULL);
		} else if (plain[0] == REC_PONG && n == 9 &&
		    memcmp(plain + 1, ping + 1, 8) == 0)
			return (0);
	}
}

/* Send n RELAY_ACKs, each signed by a new key, for made-up authors. */
static int
evil_relay_acks(struct evil *e, u_int n)
{
	struct buf	b, sig;
	uint8_t		pk[32], sk[64], author[32], msgid[16];
	u_int		i;

	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "acker") != 0)
		return (1);
	for (i = 0; i < n; i++) {
		crypto_sign_keypair(pk, sk);
		randombytes_buf(author, sizeof author);
		randombytes_buf(msgid, sizeof msgid);
		buf_init(&b);
		buf_put_u8(&b, REC_RELAY_ACK);
		buf_put(&b, author, 32);
		buf_put(&b, pk, 32);
		buf_put(&b, msgid, 16);
		buf_put_u64(&b, (uint64_t)now_ms() + 7ULL * 86400000);
		buf_init(&sig);
		buf_put(&sig, "p2pchat/1 relay ack", 19);
		buf_put(&sig, b.d + 1, b.size - 1);
		crypto_sign_detached(buf_reserve(&b, 64), NULL, sig.d, sig.size,
		    sk);
		buf_free(&sig);
		if (evil_send(e, b.d, b.size, NULL, NULL) != 0) {
			buf_free(&b);
			return (1);
		}
		buf_free(&b);
	}
	if (evil_sync(e) != 0)
		return (1);
	printf("records %u bytes %llu\n", n, e->sent);
	return (0);
}

/* Send one RELAY from us to recipient, of random sealed bytes. */
static int
evil_relay_one(struct evil *e, const uint8_t *recipient)
{
	struct buf	b, sig;
	u_char		sealed[RELAY_SEALED_MIN + crypto_box_SEALBYTES];
	uint8_t		msgid[16];
	int		rc;

	randombytes_buf(msgid, sizeof msgid);
	randombytes_buf(sealed, sizeof sealed);
	buf_init(&b);
	buf_put_u8(&b, REC_RELAY);
	buf_put(&b, recipient, 32);
	buf_put(&b, e->ed_pk, 32);
	buf_put(&b, msgid, 16);
	buf_put_u64(&b, (uint64_t)now_ms() + 7ULL * 86400000);
	buf_put_u16(&b, sizeof sealed);
	buf_put(&b, sealed, sizeof sealed);
	buf_init(&sig);
	buf_put(&sig, "p2pchat/1 relay", 15);
	buf_put(&sig, b.d + 1, b.size - 1);
	crypto_sign_detached(buf_reserve(&b, 64), NULL, sig.d, sig.size,
	    e->ed_sk);
	buf_free(&sig);
	rc = evil_send(e, b.d, b.size, NULL, NULL);
	buf_free(&b);
	return (rc);
}

/*
 * Open k sessions in turn, each under a new key, and send n RELAYs on each:
 * the even ones to made-up recipients, the odd ones to the keys of the
 * earlier sessions, in turn.
 */
static int
evil_relay_spam(struct evil *e, u_int k, u_int n)
{
	uint8_t		(*keys)[32], rcpt[32];
	u_int		i, j, records = 0;
	char		nick[16];
	int		rc = 1;

	keys = xcalloc(k, sizeof *keys);
	for (i = 0; i < k; i++) {
		if (i != 0) {
			close(e->fd);
			evil_identity(e);
			if ((e->fd = evil_connect(e->host, e->port)) == -1) {
				rc = 2;
				goto out;
			}
		}
		memcpy(keys[i], e->ed_pk, 32);
		xsnprintf(nick, sizeof nick, "spam%u", i);
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
		    evil_hello(e, nick) != 0)
			goto out;
		for (j = 0; j < n; j++) {
			if (j % 2 == 0 || i == 0)
				randombytes_buf(rcpt, sizeof rcpt);
			else
				memcpy(rcpt, keys[j / 2 % i], 32);
			if (evil_relay_one(e, rcpt) != 0)
				goto out;
			records++;
		}
		if (evil_sync(e) != 0)
			goto out;
	}
	printf("records %u bytes %llu\n", records, e->sent);
	rc = 0;
out:
	free(keys);
	return (rc);
}

/* Read one record into plain: its length, or -1 once the node closed. */
static int
evil_record(struct evil *e, u_char *plain)
{
	u_char	frame[FRAME_MAX];
	int	n;

	if ((n = evil_read_frame(e, frame)) < NOISE_TAGLEN + 1 ||
	    noise_decrypt(&e->rx, frame, n, plain) != 0)
		return (-1);
	return (n - NOISE_TAGLEN);
}

/* Send a circuit record: type, id, a code (-1 for none), then bytes. */
static int
evil_circuit_send(struct evil *e, uint8_t type, uint32_t id, int code,
    const u_char *p, size_t len)
{
	struct buf	b;
	int		rc;

	buf_init(&b);
	buf_put_u8(&b, type);
	if (type != REC_CIRCUIT_RESERVE)
		buf_put_u32(&b, id);
	if (code >= 0)
		buf_put_u8(&b, (uint8_t)code);
	if (len != 0)
		buf_put(&b, p, len);
	rc = evil_send(e, b.d, b.size, NULL, NULL);
	buf_free(&b);
	return (rc);
}

/* Ask for a reservation: the status the relay answers, or -1. */
static int
evil_reserve(struct evil *e)
{
	u_char	plain[FRAME_MAX];
	int	n;

	if (evil_circuit_send(e, REC_CIRCUIT_RESERVE, 0, -1, NULL, 0) != 0)
		return (-1);
	while ((n = evil_record(e, plain)) > 0) {
		if (plain[0] == REC_CIRCUIT_RESERVED && n == 6)
			return (plain[1]);
	}
	return (-1);
}

/*
 * circuit-reserve-N: one session asks for a reservation N times;
 * circuit-reserve-many-N: N sessions under fresh keys ask once each and
 * are held until standard input closes. Each answer is "reserve I STATUS".
 */
static int
evil_circuit_reserve(struct evil *e, const char *mode)
{
	struct evil		*v;
	struct sockaddr_in	 to;
	int			*fds, i, n, many;

	many = strncmp(mode, "many-", 5) == 0;
	if ((n = atoi(many ? mode + 5 : mode)) <= 0)
		return (2);
	if (!many) {
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
		    evil_hello(e, "evil") != 0)
			return (1);
		for (i = 0; i < n; i++)
			printf("reserve %d %d\n", i + 1, evil_reserve(e));
		return (0);
	}
	memset(&to, 0, sizeof to);
	to.sin_family = AF_INET;
	to.sin_port = htons((u_short)atoi(evil_port));
	if (inet_pton(AF_INET, evil_host, &to.sin_addr) != 1)
		return (2);
	v = xcalloc(n, sizeof *v);
	fds = xcalloc(n, sizeof *fds);
	for (i = 0; i < n; i++) {
		if (evil_fresh(&v[i], &to, ntohl(to.sin_addr.s_addr)) != 0 ||
		    evil_handshake(&v[i], IDENTITY_PAYLOAD_LEN, 0) != 0 ||
		    evil_hello(&v[i], "evil") != 0) {
			free(fds);
			free(v);
			return (1);
		}
		printf("reserve %d %d\n", i + 1, evil_reserve(&v[i]));
		fflush(stdout);
		fds[i] = v[i].fd;
	}
	evil_hold(fds, n);
	free(fds);
	free(v);
	return (0);
}

/*
 * circuit-target: reserve, print "id HEX" and "reserved STATUS", then take
 * every circuit offered ("incoming") until standard input closes; prints
 * "closed REASON" for each the relay closes.
 */
static int
evil_circuit_target(struct evil *e)
{
	struct pollfd	pfd[2];
	u_char		plain[FRAME_MAX];
	char		hex[PEER_HEX_LEN + 1];
	int		n;

	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "evil") != 0)
		return (1);
	hex_encode(e->ed_pk, PEER_ID_LEN, hex);
	printf("id %s\n", hex);
	printf("reserved %d\n", evil_reserve(e));
	fflush(stdout);
	pfd[0] = (struct pollfd){ 0, POLLIN, 0 };
	pfd[1] = (struct pollfd){ e->fd, POLLIN, 0 };
	for (;;) {
		if (poll(pfd, 2, -1) <= 0)
			continue;
		if (pfd[0].revents != 0 && read(0, plain, 1) <= 0)
			return (0);
		if (pfd[1].revents == 0)
			continue;
		if ((n = evil_record(e, plain)) < 0) {
			printf("node closed\n");
			return (1);
		}
		if (plain[0] == REC_CIRCUIT_CONNECT && n == 38 &&
		    plain[5] == 1) {
			evil_circuit_send(e, REC_CIRCUIT_OPENED,
			    (uint32_t)plain[1] << 24 | plain[2] << 16 |
			    plain[3] << 8 | plain[4], 0, NULL, 0);
			printf("incoming\n");
		} else if (plain[0] == REC_CIRCUIT_CLOSE && n == 6)
			printf("closed %u\n", plain[5]);
		fflush(stdout);
	}
}

/*
 * circuit-open-N-BYTES:HEX: open N circuits to peer HEX, printing
 * "circuit I STATUS" for each; then send BYTES on the first and print
 * "closed REASON" when the relay closes it; then hold the session until
 * standard input closes.
 */
static int
evil_circuit_open(struct evil *e, const char *mode)
{
	u_char		 plain[FRAME_MAX], chunk[4096], target[PEER_ID_LEN];
	const char	*hex = strchr(mode, ':');
	u_int		 i, n, sent;
	int		 len, got;
	long		 bytes;

	if (hex == NULL || sscanf(mode, "%u-%ld", &n, &bytes) != 2 ||
	    hex_decode(hex + 1, target, sizeof target) != 0)
		return (2);
	if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
	    evil_hello(e, "evil") != 0)
		return (1);
	for (i = 1; i <= n; i++) {
		evil_circuit_send(e, REC_CIRCUIT_CONNECT, i, 0, target,
		    sizeof target);
		for (got = 0; !got; ) {
			if ((len = evil_record(e, plain)) < 0)
				return (1);
			got = plain[0] == REC_CIRCUIT_OPENED && len == 6 &&
			    plain[4] == i;
		}
		printf("circuit %u %u\n", i, plain[5]);
		fflush(stdout);
	}
	memset(chunk, 'x', sizeof chunk);
	for (sent = 0; bytes > 0 && sent < (u_long)bytes; sent += sizeof chunk)
		evil_circuit_send(e, REC_CIRCUIT_DATA, 1, -1, chunk,
		    sizeof chunk);
	while (bytes > 0) {
		if ((len = evil_record(e, plain)) < 0) {
			printf("not closed\n");
			return (1);
		}
		if (plain[0] == REC_CIRCUIT_CLOSE && len == 6 &&
		    plain[4] == 1) {
			printf("closed %u\n", plain[5]);
			break;
		}
	}
	fflush(stdout);
	evil_hold(&e->fd, 1);
	e->fd = -1;
	return (0);
}

/* Run one mode. */
static int
evil_run(struct evil *e, const char *mode)
{
	u_char	rec[64], frame[FRAME_MAX];
	size_t	flen;
	int	rc;

	if (strcmp(mode, "zero-frame") == 0) {
		evil_write(e, "\0\0", 2);
		return (evil_wait_close(e));
	}
	if (strncmp(mode, "garbage-", 8) == 0)
		return (evil_garbage(e, (size_t)atoi(mode + 8)));
	if (strcmp(mode, "silence") == 0) {
		evil_write(e, "\x00\x20", 2);
		return (evil_wait_close(e));
	}
	if (strcmp(mode, "zero-ephemeral") == 0) {
		memset(frame, 0, 32);
		evil_write_frame(e, frame, 32);
		return (evil_wait_close(e));
	}
	if (strcmp(mode, "wrong-prologue") == 0) {
		e->prologue = "p2pchat/2";
		rc = evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0);
		if (rc != -2)
			return (1);	/* message 2 must not decrypt */
		randombytes_buf(frame, 160);
		evil_write_frame(e, frame, 160);
		return (evil_wait_close(e));
	}
	if (strcmp(mode, "bad-signature") == 0) {
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 1) != 0)
			return (1);
		return (evil_wait_close(e));
	}
	if (strcmp(mode, "payload-95") == 0) {
		if (evil_handshake(e, 95, 0) != 0)
			return (1);
		return (evil_wait_close(e));
	}
	if (strcmp(mode, "first-not-hello") == 0) {
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0)
			return (1);
		memcpy(rec, "\x02\0\0\0\0\0\0\0\1", 9);
		evil_send(e, rec, 9, NULL, NULL);
		return (evil_expect_bye(e, BYE_PROTOCOL));
	}
	if (strcmp(mode, "unknown-first") == 0) {
		/* Before HELLO, even an unknown type is a protocol error. */
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0)
			return (1);
		evil_send(e, "\x7e\x01\x02\x03", 4, NULL, NULL);
		return (evil_expect_bye(e, BYE_PROTOCOL));
	}
	if (strcmp(mode, "observed") == 0)
		return (evil_observed(e));
	if (strcmp(mode, "dialback-other") == 0)
		return (evil_dialback(e, 0));
	if (strcmp(mode, "dialback-many") == 0)
		return (evil_dialback(e, 1));
	if (strcmp(mode, "dialback-port0") == 0) {
		memset(rec, 0, 24);
		memcpy(rec, "Q", 1);
		memcpy(rec + 17, "\004\177\000\000\001\000\000", 7);
		return (evil_after_hello(e, rec, 24));
	}
	if (strcmp(mode, "proof-first") == 0) {
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0)
			return (1);
		memset(rec, 0, 17);
		rec[0] = REC_DIALBACK_PROOF;
		evil_send(e, rec, 17, NULL, NULL);
		return (evil_expect_bye(e, BYE_PROTOCOL));
	}
	if (strcmp(mode, "observed-bad") == 0) {
		memcpy(rec, "\x50\x05\x7f\x00\x00\x01\x00\x01", 8);
		return (evil_after_hello(e, rec, 8));
	}
	if (strcmp(mode, "chat-nul") == 0) {
		memset(rec, 0, sizeof rec);
		rec[0] = REC_CHAT;
		rec[26] = 3;		/* text_len 3: "a", U+0000, "b" */
		memcpy(rec + 27, "a\0b", 3);
		return (evil_after_hello(e, rec, 30));
	}
	if (strcmp(mode, "bad-nick") == 0) {
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0)
			return (1);
		memcpy(rec, "\x01\x01\x02\xc3\x28\x00\x00\x00\x00\x00\x00\x00",
		    12);
		evil_send(e, rec, 12, NULL, NULL);
		return (evil_expect_bye(e, BYE_PROTOCOL));
	}
	if (strcmp(mode, "overrun") == 0) {
		memset(rec, 'x', sizeof rec);
		rec[0] = REC_CHAT;
		rec[25] = 0x01;		/* text_len 0x0100, 4 bytes follow */
		rec[26] = 0x00;
		return (evil_after_hello(e, rec, 31));
	}
	if (strcmp(mode, "replay") == 0 || strcmp(mode, "flip") == 0) {
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
		    evil_hello(e, "evil") != 0)
			return (1);
		memcpy(rec, "\x02\0\0\0\0\0\0\0\1", 9);
		evil_send(e, rec, 9, frame, &flen);
		if (strcmp(mode, "replay") == 0)
			evil_write_frame(e, frame, flen);
		else {
			memcpy(rec, "\x02\0\0\0\0\0\0\0\2", 9);
			noise_encrypt(&e->tx, rec, 9, frame);
			frame[3] ^= 0x10;
			evil_write_frame(e, frame, 9 + NOISE_TAGLEN);
		}
		return (evil_wait_close(e));
	}
	if (strncmp(mode, "flood-", 6) == 0)
		return (evil_flood(e, atoi(mode + 6)));
	if (strncmp(mode, "listen:", 7) == 0)
		return (evil_listen(e, mode + 7));
	if (strcmp(mode, "bye-forge") == 0)
		return (evil_bye_forge(e));
	if (strncmp(mode, "spread-", 7) == 0)
		return (evil_spread(e, atoi(mode + 7)));
	if (strcmp(mode, "pex-junk") == 0)
		return (evil_pex_junk(e));
	if (strncmp(mode, "sybil-", 6) == 0)
		return (evil_sybil(e, mode));
	if (strncmp(mode, "nohello-", 8) == 0)
		return (evil_nohello(e, mode));
	if (strncmp(mode, "room-marks-", 11) == 0 && strchr(mode, ':') != NULL) {
		char	*how = xstrndup(mode + 11, strchr(mode, ':') - mode - 11);

		rc = evil_room_sync(e, how, strchr(mode, ':') + 1);
		free(how);
		return (rc);
	}
	if (strcmp(mode, "measure") == 0)
		return (evil_measure(e));
	if (strncmp(mode, "chat-flood-", 11) == 0)
		return (evil_chat_flood(e, evil_host, evil_port,
		    atoi(mode + 11)));
	if (strncmp(mode, "room-forge:", 11) == 0)
		return (evil_room_forge(e, mode + 11));
	if (strncmp(mode, "room-replay:", 12) == 0)
		return (evil_room_replay(e, mode + 12));
	if (strncmp(mode, "relay-acks-", 11) == 0)
		return (evil_relay_acks(e, (u_int)atoi(mode + 11)));
	if (strncmp(mode, "relay-spam-", 11) == 0) {
		u_int	k, n;

		if (sscanf(mode + 11, "%u-%u", &k, &n) != 2 || k == 0)
			return (2);
		return (evil_relay_spam(e, k, n));
	}
	if (strncmp(mode, "nick-flood-", 11) == 0)
		return (evil_nick_flood(e, atoi(mode + 11)));
	if (strncmp(mode, "quota-", 6) == 0)
		return (evil_quota(e, atoi(mode + 6)));
	if (strncmp(mode, "circuit-reserve-", 16) == 0)
		return (evil_circuit_reserve(e, mode + 16));
	if (strcmp(mode, "circuit-target") == 0)
		return (evil_circuit_target(e));
	if (strncmp(mode, "circuit-open-", 13) == 0)
		return (evil_circuit_open(e, mode + 13));
	if (strncmp(mode, "ask-", 4) == 0)
		return (evil_ask(e, atoi(mode + 4)));
	if (strcmp(mode, "good") == 0) {
		/* A well-behaved peer that then says BYE: must work. */
		if (evil_handshake(e, IDENTITY_PAYLOAD_LEN, 0) != 0 ||
		    evil_hello(e, "evil") != 0)
			return (1);
		rec[0] = REC_PING;
		memcpy(rec + 1, "\0\0\0\0\0\0\0\x2a", 8);
		evil_send(e, rec, 9, NULL, NULL);
		/* Unknown record types are ignored. */
		evil_send(e, "\x7e\x01\x02\x03", 4, NULL, NULL);
		for (;;) {
			int	n = evil_read_frame(e, frame);

			if (n < 0 || noise_decrypt(&e->rx, frame, n, rec) != 0)
				return (1);
			if (rec[0] == REC_PONG && rec[8] == 0x2a) {
				printf("pong\n");
				return (0);
			}
		}
	}
	fprintf(stderr, "evil: unknown mode %s\n", mode);
	return (2);
}

int
main(int argc, char **argv)
{
	struct evil	e;
	int		rc;

	if (argc != 4) {
		fprintf(stderr, "usage: evil MODE HOST PORT\n");
		return (2);
	}
	if (sodium_init() < 0)
		return (2);
	signal(SIGPIPE, SIG_IGN);
	memset(&e, 0, sizeof e);
	e.prologue = P2PCHAT_PROLOGUE;
	evil_host = e.host = argv[2];
	evil_port = e.port = argv[3];
	evil_identity(&e);
	if ((e.fd = evil_connect(argv[2], argv[3])) == -1) {
		fprintf(stderr, "evil: cannot connect\n");
		return (2);
	}
	rc = evil_run(&e, argv[1]);
	if (e.hs != NULL)
		noise_hs_free(e.hs);
	if (e.fd != -1)
		close(e.fd);
	return (rc);
}
