/*
 * bench-records.c: one-way throughput of 100-byte records between two
 * processes over a 127.0.0.1 TCP connection, each with its own event base,
 * sent and received the way session.c does it: the sender encrypts each
 * record into a frame reserved on the bufferevent's output; the receiver
 * pulls each frame up, splits it with wire_frame, decrypts and parses it.
 * Run once with the cipher and once with memcpy in its place.
 *
 * The two processes are pinned to CPUs 0 and 1 when there are two; each
 * mode runs BENCH_RUNS times, alternating, and the medians are printed.
 *
 * Sizes: BENCH_RECORDS (records per run, default 500000), BENCH_RUNS
 * (default 3).
 */

#include "bench.h"

#include <sys/wait.h>

#include <sched.h>

#include <signal.h>

#include <arpa/inet.h>
#include <netinet/tcp.h>

#define REC_LEN		100		/* bytes of each record */
#define OUT_LOW		(64 * 1024)	/* refill the output below this */
#define OUT_BATCH	(256 * 1024)	/* and add about this much */

/* One side of a run. */
struct side {
	int			 cipher;	/* 0: memcpy instead */
	struct noise_cipher	 c;
	struct bufferevent	*bev;
	u_char			 rec[REC_LEN];
	long			 total;		/* records to send or read */
	long			 n;		/* records sent or read */
	int64_t			 start;
	int64_t			 end;
};

static struct record	records_parsed;
static u_char		records_plain[FRAME_MAX];

/* Run an XX handshake in memory to get a matching pair of ciphers. */
static void
records_keys(struct noise_cipher *i_tx, struct noise_cipher *r_rx)
{
	struct noise_hs		*i, *r;
	struct noise_cipher	 i_rx, r_tx;
	uint8_t			 i_sk[32], r_sk[32], msg[256], pl[256];
	size_t			 len, plen;
	const uint8_t		*pro = (const uint8_t *)P2PCHAT_PROLOGUE;
	size_t			 prolen = strlen(P2PCHAT_PROLOGUE);

	randombytes_buf(i_sk, sizeof i_sk);
	randombytes_buf(r_sk, sizeof r_sk);
	i = noise_hs_new(P2PCHAT_NOISE, 1, pro, prolen, i_sk, NULL);
	r = noise_hs_new(P2PCHAT_NOISE, 0, pro, prolen, r_sk, NULL);
	if (i == NULL || r == NULL)
		fatalx("noise_hs_new");
	while (!noise_hs_done(i) || !noise_hs_done(r)) {
		if (noise_hs_my_turn(i)) {
			if (noise_hs_write(i, NULL, 0, msg, sizeof msg,
			    &len) != 0 ||
			    noise_hs_read(r, msg, len, pl, sizeof pl,
			    &plen) != 0)
				fatalx("handshake from the initiator");
		} else {
			if (noise_hs_write(r, NULL, 0, msg, sizeof msg,
			    &len) != 0 ||
			    noise_hs_read(i, msg, len, pl, sizeof pl,
			    &plen) != 0)
				fatalx("handshake from the responder");
		}
	}
	if (noise_hs_split(i, i_tx, &i_rx) != 0 ||
	    noise_hs_split(r, &r_tx, r_rx) != 0)
		fatalx("noise_hs_split");
	noise_hs_free(i);
	noise_hs_free(r);
}

/* Build the record: a CHAT of exactly REC_LEN bytes. */
static void
records_build(u_char *rec)
{
	struct buf	b;
	uint8_t		id[MSGID_LEN];
	char		text[REC_LEN];
	size_t		tlen = REC_LEN - 1 - MSGID_LEN - 8 - 2;

	memset(text, 'x', sizeof text);
	memset(id, 0, sizeof id);
	buf_init(&b);
	wire_build_chat(&b, id, (uint64_t)now_ms(), text, tlen);
	if (b.size != REC_LEN)
		fatalx("record is %zu bytes", b.size);
	memcpy(rec, b.d, REC_LEN);
	buf_free(&b);
}

/* Put one record on the output, as session_send() does. */
static void
records_send_one(struct side *sd, struct evbuffer *out)
{
	struct evbuffer_iovec	v;
	u_char			*p;

	/* A different message id each time. */
	memcpy(sd->rec + 1, &sd->n, sizeof sd->n);
	if (evbuffer_reserve_space(out, REC_LEN + NOISE_TAGLEN + 2, &v, 1) < 1)
		fatalx("evbuffer_reserve_space");
	p = v.iov_base;
	buf_poke_u16(p, REC_LEN + NOISE_TAGLEN);
	if (sd->cipher) {
		if (noise_encrypt(&sd->c, sd->rec, REC_LEN, p + 2) != 0)
			fatalx("noise_encrypt");
	} else {
		memcpy(p + 2, sd->rec, REC_LEN);
		memset(p + 2 + REC_LEN, 0, NOISE_TAGLEN);
	}
	v.iov_len = REC_LEN + NOISE_TAGLEN + 2;
	evbuffer_commit_space(out, &v, 1);
	sd->n++;
}

/* The output drained below the low mark: add another batch. */
static void
records_write_cb(struct bufferevent *bev, void *arg)
{
	struct side	*sd = arg;
	struct evbuffer	*out = bufferevent_get_output(bev);
	size_t		 added = 0;

	if (sd->n == sd->total) {
		if (evbuffer_get_length(out) == 0) {
			sd->end = bench_ns();
			event_base_loopexit(bufferevent_get_base(bev), NULL);
		}
		return;
	}
	while (sd->n < sd->total && added < OUT_BATCH) {
		records_send_one(sd, out);
		added += REC_LEN + NOISE_TAGLEN + 2;
	}
}

/* Frames arrived: split, decrypt and parse each, as session_read_cb(). */
static void
records_read_cb(struct bufferevent *bev, void *arg)
{
	struct side	*sd = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	const u_char	*body;
	size_t		 blen, used;
	int		 rc;

	if (sd->n == 0 && sd->start == 0)
		sd->start = bench_ns();
	while ((rc = session_frame_pull(in, &body, &blen, &used)) != 0) {
		if (rc != 1)
			fatalx("bad frame");
		if (sd->cipher) {
			if (noise_decrypt(&sd->c, body, blen,
			    records_plain) != 0)
				fatalx("noise_decrypt");
		} else
			memcpy(records_plain, body, blen - NOISE_TAGLEN);
		if (wire_parse(records_plain, blen - NOISE_TAGLEN,
		    &records_parsed) != 0 || records_parsed.type != REC_CHAT)
			fatalx("bad record");
		evbuffer_drain(in, used);
		if (++sd->n == sd->total) {
			sd->end = bench_ns();
			event_base_loopexit(bufferevent_get_base(bev), NULL);
			return;
		}
	}
}

/* The peer closed early or an error: give up. */
static void
records_event_cb(__unused struct bufferevent *bev, short what, void *arg)
{
	struct side	*sd = arg;

	fatalx("connection ended after %ld records (events 0x%x)", sd->n,
	    what);
}

/* Pin this process to one CPU, if there is more than one. */
static void
records_pin(int cpu)
{
	cpu_set_t	set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof set, &set);
}

/* Receive in this (the child) process; write the result to fd. */
static void
records_receiver(int lfd, int fd, struct side *sd)
{
	struct event_base	*base;
	int			 s, one = 1;
	int64_t			 r[2];

	if ((s = accept(lfd, NULL, NULL)) == -1)
		fatal("accept");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	evutil_make_socket_nonblocking(s);
	base = event_base_new();
	sd->bev = bufferevent_socket_new(base, s, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(sd->bev, records_read_cb, NULL, records_event_cb,
	    sd);
	bufferevent_setwatermark(sd->bev, EV_READ, 0, 4 * (FRAME_MAX + 2));
	bufferevent_enable(sd->bev, EV_READ);
	event_base_dispatch(base);
	r[0] = sd->n;
	r[1] = sd->end - sd->start;
	if (write(fd, r, sizeof r) != sizeof r)
		fatal("write");
	bufferevent_free(sd->bev);
	event_base_free(base);
}

/* Send from this process; the peer is at sin. */
static void
records_sender(struct sockaddr_in *sin, struct side *sd)
{
	struct event_base	*base;
	int			 s, one = 1;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	if (connect(s, (struct sockaddr *)sin, sizeof *sin) != 0)
		fatal("connect");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	evutil_make_socket_nonblocking(s);
	base = event_base_new();
	sd->bev = bufferevent_socket_new(base, s, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(sd->bev, NULL, records_write_cb, records_event_cb,
	    sd);
	bufferevent_setwatermark(sd->bev, EV_WRITE, OUT_LOW, 0);
	bufferevent_enable(sd->bev, EV_WRITE);
	sd->start = bench_ns();
	records_write_cb(sd->bev, sd);
	event_base_dispatch(base);
	bufferevent_free(sd->bev);
	event_base_free(base);
}

/* One run: returns records per second as the receiver saw them. */
static double
records_run(int cipher, long total, const struct noise_cipher *tx,
    const struct noise_cipher *rx)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof sin;
	struct side		sd;
	int			lfd, pfd[2], status;
	int64_t			r[2];
	pid_t			pid;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) != 0)
		fatal("listen");
	if (pipe(pfd) != 0)
		fatal("pipe");
	memset(&sd, 0, sizeof sd);
	sd.cipher = cipher;
	sd.total = total;
	records_build(sd.rec);
	switch (pid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		close(pfd[0]);
		records_pin(1);
		sd.c = *rx;
		records_receiver(lfd, pfd[1], &sd);
		_exit(0);
	}
	close(pfd[1]);
	close(lfd);
	records_pin(0);
	sd.c = *tx;
	records_sender(&sin, &sd);
	if (read(pfd[0], r, sizeof r) != sizeof r)
		fatalx("the receiver did not report");
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (r[0] != total)
		fatalx("received %lld of %ld records", (long long)r[0], total);
	return ((double)r[0] / ((double)r[1] / 1e9));
}

/* The cost of the cipher alone on one record, for comparison. */
static void
records_cipher_alone(const struct noise_cipher *tx,
    const struct noise_cipher *rx)
{
	struct noise_cipher	 t = *tx, r = *rx;
	u_char			 rec[REC_LEN], ct[REC_LEN + NOISE_TAGLEN];
	u_char			 pt[REC_LEN];
	int64_t			 start, mid, end;
	long			 i, n = 200000;

	records_build(rec);
	start = bench_ns();
	for (i = 0; i < n; i++)
		noise_encrypt(&t, rec, REC_LEN, ct);
	mid = bench_ns();
	t = *tx;
	for (i = 0; i < n; i++) {
		noise_encrypt(&t, rec, REC_LEN, ct);
		if (noise_decrypt(&r, ct, sizeof ct, pt) != 0)
			fatalx("noise_decrypt");
	}
	end = bench_ns();
	bench_figure("noise_encrypt of one 100-byte record alone",
	    (double)(mid - start) / n, "ns", NULL);
	bench_figure("noise_decrypt of one 100-byte record alone",
	    (double)((end - mid) - (mid - start)) / n, "ns", NULL);
	start = bench_ns();
	for (i = 0; i < n; i++)
		wire_parse(rec, REC_LEN, &records_parsed);
	end = bench_ns();
	bench_figure("wire_parse of one 100-byte CHAT alone",
	    (double)(end - start) / n, "ns", NULL);
	printf("sizeof(struct record): %zu bytes (wire_parse clears it all)\n",
	    sizeof(struct record));
}

/* The median of n rates (sorts them). */
static double
records_median(double *v, int n)
{
	double	t;
	int	i, j;

	for (i = 1; i < n; i++) {
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	}
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

int
main(void)
{
	struct noise_cipher	tx, rx;
	long			total;
	double			enc, plain, e[16], p[16];
	int			i, runs;

	if (sodium_init() < 0)
		fatalx("sodium_init");
	signal(SIGPIPE, SIG_IGN);
	total = bench_env("BENCH_RECORDS", 500000);
	if ((runs = (int)bench_env("BENCH_RUNS", 3)) > 16)
		runs = 16;
	bench_header("issue 3: records over one loopback TCP session");
	printf("records per run: %ld of %d bytes (frames of %d bytes), "
	    "%d runs of each mode\n", total, REC_LEN,
	    REC_LEN + NOISE_TAGLEN + 2, runs);
	for (i = 0; i < runs; i++) {
		records_keys(&tx, &rx);
		e[i] = records_run(1, total, &tx, &rx);
		p[i] = records_run(0, total, &tx, &rx);
		printf("run %d: encrypted %.0f, plain %.0f records/s\n", i + 1,
		    e[i], p[i]);
	}
	enc = records_median(e, runs);
	plain = records_median(p, runs);
	bench_figure("records encrypted (median)", enc, "records/s", ">= 250000");
	bench_figure("records plain, memcpy for the cipher (median)", plain,
	    "records/s", NULL);
	bench_figure("ratio encrypted/plain", enc / plain, "(of medians)",
	    ">= 0.5");
	records_cipher_alone(&tx, &rx);
	return (0);
}
