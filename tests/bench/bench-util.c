/*
 * bench-util.c: helpers shared by the benchmarks: clocks, sizes from the
 * environment, printing figures with their targets, reading another
 * process's memory and CPU use, throwaway identities, and a client that
 * runs the initiator side of the p2pchat handshake against a real node.
 */

#include "bench.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>

static struct record	bench_rec;
static u_char		bench_plain[FRAME_MAX];

/* Monotonic time in nanoseconds. */
int64_t
bench_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* Seconds between two bench_ns() readings. */
double
bench_sec(int64_t from, int64_t to)
{
	return ((double)(to - from) / 1e9);
}

/* A size from the environment, or a default. */
long
bench_env(const char *name, long dflt)
{
	const char	*s;
	char		*end;
	long		 v;

	if ((s = getenv(name)) == NULL || *s == '\0')
		return (dflt);
	v = strtol(s, &end, 10);
	if (*end != '\0' || v <= 0) {
		fprintf(stderr, "%s: bad value \"%s\"\n", name, s);
		exit(2);
	}
	return (v);
}

/* Print one figure as "name: value unit", with its target if any. */
void
bench_figure(const char *name, double v, const char *unit, const char *target)
{
	char	num[64];

	if (v >= 100 || v == (double)(long long)v)
		snprintf(num, sizeof num, "%.0f", v);
	else if (v >= 1)
		snprintf(num, sizeof num, "%.2f", v);
	else
		snprintf(num, sizeof num, "%.4f", v);
	printf("%s: %s%s%s", name, num, *unit != '\0' ? " " : "", unit);
	if (target != NULL)
		printf(" (target %s)", target);
	printf("\n");
	fflush(stdout);
}

/* Print a header line naming a benchmark. */
void
bench_header(const char *what)
{
	printf("== %s\n", what);
	fflush(stdout);
}

/* Raise the open file limit to at least n (up to the hard limit). */
void
bench_nofile(rlim_t n)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		fatal("getrlimit");
	if (rl.rlim_cur >= n)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < n) {
		fprintf(stderr, "open file hard limit %llu is below %llu\n",
		    (unsigned long long)rl.rlim_max, (unsigned long long)n);
		n = rl.rlim_max;
	}
	rl.rlim_cur = n;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		fatal("setrlimit");
}

/* VmRSS of a process in KiB, or -1. */
long
bench_rss_kib(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 kib = -1;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kib = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return (kib);
}

/* User plus system CPU seconds a process has used, or -1. */
double
bench_cpu_sec(pid_t pid)
{
	char			 path[64], line[1024], *p;
	FILE			*f;
	unsigned long long	 ut, st;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	p = fgets(line, sizeof line, f);
	fclose(f);
	if (p == NULL || (p = strrchr(line, ')')) == NULL)
		return (-1);
	/* After ")": state is field 3; utime and stime are 14 and 15. */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) != 2)
		return (-1);
	return ((double)(ut + st) / sysconf(_SC_CLK_TCK));
}

/* Make a fresh identity and its signed payload, with nick PREFIX-N. */
void
bench_id_make(struct bench_id *id, const char *prefix, u_int n)
{
	uint8_t	msg[sizeof P2PCHAT_SIGCTX - 1 + 32];

	crypto_sign_keypair(id->ed_pk, id->ed_sk);
	randombytes_buf(id->x_sk, sizeof id->x_sk);
	crypto_scalarmult_base(id->x_pk, id->x_sk);
	memcpy(msg, P2PCHAT_SIGCTX, sizeof P2PCHAT_SIGCTX - 1);
	memcpy(msg + sizeof P2PCHAT_SIGCTX - 1, id->x_pk, 32);
	memcpy(id->payload, id->ed_pk, 32);
	crypto_sign_detached(id->payload + 32, NULL, msg, sizeof msg,
	    id->ed_sk);
	snprintf(id->nick, sizeof id->nick, "%s-%u", prefix, n);
}

/* Parse "127.0.0.1:PORT" (numeric IPv4 only). */
int
bench_addr(const char *s, struct sockaddr_in *sin)
{
	char		 host[64];
	const char	*colon;

	if ((colon = strrchr(s, ':')) == NULL ||
	    (size_t)(colon - s) >= sizeof host)
		return (-1);
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((u_short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return (-1);
	return (0);
}

/* Mark a client failed and tell its owner. */
static void
bench_client_fail(struct bench_client *bc, const char *why)
{
	if (bc->state == BC_FAILED)
		return;
	bc->state = BC_FAILED;
	bc->why = why;
	bufferevent_disable(bc->bev, EV_READ|EV_WRITE);
	bc->done(bc);
}

/* Message 2 arrived: check the node's identity, send message 3 and HELLO. */
static int
bench_client_msg2(struct bench_client *bc, const u_char *p, size_t len)
{
	struct buf	 b;
	u_char		 payload[256], out[256], frame[512];
	size_t		 plen, olen;
	uint8_t		 msg[sizeof P2PCHAT_SIGCTX - 1 + 32];
	const uint8_t	*rs;

	if (noise_hs_read(bc->hs, p, len, payload, sizeof payload, &plen) != 0)
		return (-1);
	if (plen != IDENTITY_PAYLOAD_LEN ||
	    (rs = noise_hs_remote_static(bc->hs)) == NULL)
		return (-1);
	memcpy(msg, P2PCHAT_SIGCTX, sizeof P2PCHAT_SIGCTX - 1);
	memcpy(msg + sizeof P2PCHAT_SIGCTX - 1, rs, 32);
	if (crypto_sign_verify_detached(payload + 32, msg, sizeof msg,
	    payload) != 0)
		return (-1);
	memcpy(bc->node_id, payload, PEER_ID_LEN);
	if (noise_hs_write(bc->hs, bc->id->payload, IDENTITY_PAYLOAD_LEN, out,
	    sizeof out, &olen) != 0)
		return (-1);
	session_frame_write(bc->bev, out, olen);
	if (!noise_hs_done(bc->hs) ||
	    noise_hs_split(bc->hs, &bc->tx, &bc->rx) != 0)
		return (-1);
	noise_hs_free(bc->hs);
	bc->hs = NULL;

	buf_init(&b);
	wire_build_hello(&b, bc->id->nick, 0, 0, "p2pchat-bench");
	buf_poke_u16(frame, (uint16_t)(b.size + NOISE_TAGLEN));
	if (noise_encrypt(&bc->tx, b.d, b.size, frame + 2) != 0) {
		buf_free(&b);
		return (-1);
	}
	bufferevent_write(bc->bev, frame, b.size + NOISE_TAGLEN + 2);
	buf_free(&b);
	bc->state = BC_HELLO;
	return (0);
}

/*
 * A transport frame arrived: look for the node's HELLO (return 1 when it
 * is there), ignore the rest.
 */
static int
bench_client_record(struct bench_client *bc, const u_char *p, size_t len)
{
	if (len < NOISE_TAGLEN + 1 ||
	    noise_decrypt(&bc->rx, p, len, bench_plain) != 0)
		return (-1);
	if (wire_parse(bench_plain, len - NOISE_TAGLEN, &bench_rec) == -1)
		return (-1);
	if (bench_rec.type == REC_BYE) {
		bc->why = "the node said BYE";
		return (-1);
	}
	if (bc->state == BC_HELLO && bench_rec.type == REC_HELLO) {
		bc->state = BC_OPEN;
		return (1);
	}
	return (0);
}

/*
 * Bytes from the node: split frames, as session.c does. The done callback
 * may free or restart the client, so nothing touches it after that call.
 */
static void
bench_client_read_cb(struct bufferevent *bev, void *arg)
{
	struct bench_client	*bc = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	const u_char		*body;
	size_t			 blen, used;
	int			 rc;

	for (;;) {
		if ((rc = session_frame_pull(in, &body, &blen, &used)) == 0)
			break;
		if (rc != 1) {
			bench_client_fail(bc, "bad frame");
			return;
		}
		if (bc->state == BC_MSG2)
			rc = bench_client_msg2(bc, body, blen);
		else
			rc = bench_client_record(bc, body, blen);
		if (rc == -1) {
			bench_client_fail(bc, bc->why != NULL ? bc->why :
			    "handshake or record failed");
			return;
		}
		evbuffer_drain(in, used);
		if (rc == 1) {
			bc->done(bc);
			return;
		}
	}
}

/* Connected (send message 1), or closed or failed. */
static void
bench_client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct bench_client	*bc = arg;
	u_char			 msg[64];
	size_t			 len;
	int			 one = 1;

	if (what & BEV_EVENT_CONNECTED) {
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
		    &one, sizeof one);
		bc->hs = noise_hs_new(P2PCHAT_NOISE, 1,
		    (const uint8_t *)P2PCHAT_PROLOGUE, strlen(P2PCHAT_PROLOGUE),
		    bc->id->x_sk, NULL);
		if (bc->hs == NULL ||
		    noise_hs_write(bc->hs, NULL, 0, msg, sizeof msg, &len) != 0)
			fatalx("%s: noise_hs_new or write", __func__);
		session_frame_write(bc->bev, msg, len);
		bc->state = BC_MSG2;
		return;
	}
	bench_client_fail(bc, what & BEV_EVENT_EOF ? "closed by the node" :
	    "connection error");
}

/* Dial a node and run the handshake; bc->done is called when it ends. */
int
bench_client_start(struct bench_client *bc, struct event_base *base,
    const struct sockaddr_in *sin, const struct bench_id *id)
{
	bc->state = BC_CONNECTING;
	bc->id = id;
	bc->hs = NULL;
	bc->why = NULL;
	bc->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bc->bev == NULL)
		return (-1);
	bufferevent_setcb(bc->bev, bench_client_read_cb, NULL,
	    bench_client_event_cb, bc);
	bufferevent_enable(bc->bev, EV_READ|EV_WRITE);
	if (bufferevent_socket_connect(bc->bev, (struct sockaddr *)sin,
	    sizeof *sin) != 0) {
		bufferevent_free(bc->bev);
		bc->bev = NULL;
		return (-1);
	}
	return (0);
}

/* Close a client's connection and wipe its keys. */
void
bench_client_free(struct bench_client *bc)
{
	if (bc->bev != NULL)
		bufferevent_free(bc->bev);
	bc->bev = NULL;
	noise_hs_free(bc->hs);
	bc->hs = NULL;
	noise_cipher_wipe(&bc->tx);
	noise_cipher_wipe(&bc->rx);
}

/* qsort comparison of int64_t nanosecond figures. */
int
bench_cmp_ns(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

/* The p-th percentile (0 to 100) of n figures; sorts them. */
int64_t
bench_pct(int64_t *v, size_t n, double p)
{
	size_t	i;

	if (n == 0)
		return (0);
	qsort(v, n, sizeof *v, bench_cmp_ns);
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return (v[i >= n ? n - 1 : i]);
}
