/*
 * bench-handshake.c: full Noise XX handshakes per second against a real
 * p2pchat node. Several connections run at once; each dials the node as
 * the initiator, verifies message 2 and its identity payload, sends
 * message 3 and HELLO, and counts once the node's HELLO arrives; then it
 * closes and dials again with the same identity.
 *
 * Usage: bench-handshake ADDR:PORT [NODE_PID]
 * Sizes: BENCH_HS_SECONDS (default 5), BENCH_HS_CONCURRENCY (default 32).
 */

#include "bench.h"

#include <signal.h>

/* One slot: an identity and the connection it runs. */
struct slot {
	struct bench_client	 bc;
	struct bench_id		 id;
	int64_t			 started;
	int			 busy;
};

static struct event_base	*hs_base;
static struct sockaddr_in	 hs_sin;
static struct slot		*hs_slots;
static long			 hs_nslots;
static int			 hs_running = 1;
static int			 hs_counting;
static long			 hs_done;
static long			 hs_failed;
static long			 hs_busy;
static const char		*hs_why;
static int64_t			*hs_lat;
static size_t			 hs_nlat;
static size_t			 hs_maxlat;

static void	hs_start(struct slot *);

/* A handshake ended: count it and start the next one on this slot. */
static void
hs_done_cb(struct bench_client *bc)
{
	struct slot	*sl = bc->arg;
	int64_t		 now = bench_ns();

	if (bc->state == BC_OPEN) {
		if (hs_counting) {
			hs_done++;
			if (hs_nlat < hs_maxlat)
				hs_lat[hs_nlat++] = now - sl->started;
		}
	} else if (hs_counting) {
		hs_failed++;
		hs_why = bc->why;
	}
	bench_client_free(bc);
	sl->busy = 0;
	hs_busy--;
	if (hs_running)
		hs_start(sl);
	else if (hs_busy == 0)
		event_base_loopbreak(hs_base);
}

/* Dial on a slot. */
static void
hs_start(struct slot *sl)
{
	sl->bc.done = hs_done_cb;
	sl->bc.arg = sl;
	sl->started = bench_ns();
	if (bench_client_start(&sl->bc, hs_base, &hs_sin, &sl->id) != 0) {
		hs_failed++;
		hs_why = "cannot dial";
		return;
	}
	sl->busy = 1;
	hs_busy++;
}

/* Time is up: let the connections in flight finish. */
static void
hs_stop_cb(__unused evutil_socket_t fd, __unused short what,
    __unused void *arg)
{
	hs_running = 0;
	if (hs_busy == 0)
		event_base_loopbreak(hs_base);
}

/* Run all slots for a while; returns the seconds it took. */
static double
hs_run(double seconds, int counting)
{
	struct event	*stop;
	struct timeval	 tv;
	int64_t		 start;
	long		 i;

	hs_running = 1;
	hs_counting = counting;
	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	stop = evtimer_new(hs_base, hs_stop_cb, NULL);
	evtimer_add(stop, &tv);
	start = bench_ns();
	for (i = 0; i < hs_nslots; i++)
		hs_start(&hs_slots[i]);
	event_base_dispatch(hs_base);
	event_free(stop);
	return (bench_sec(start, bench_ns()));
}

int
main(int argc, char **argv)
{
	double		 secs, elapsed, cpu0 = -1, cpu1 = -1;
	pid_t		 node = 0;
	long		 i;

	if (argc < 2 || bench_addr(argv[1], &hs_sin) != 0) {
		fprintf(stderr, "usage: %s ADDR:PORT [NODE_PID]\n", argv[0]);
		return (2);
	}
	if (argc > 2)
		node = (pid_t)atol(argv[2]);
	if (sodium_init() < 0)
		fatalx("sodium_init");
	signal(SIGPIPE, SIG_IGN);
	secs = (double)bench_env("BENCH_HS_SECONDS", 5);
	hs_nslots = bench_env("BENCH_HS_CONCURRENCY", 32);
	bench_nofile(hs_nslots + 64);
	bench_header("issue 3: Noise XX handshakes against a p2pchat node");
	printf("concurrent connections: %ld, seconds: %.0f\n", hs_nslots, secs);

	hs_base = event_base_new();
	hs_slots = xcalloc(hs_nslots, sizeof *hs_slots);
	for (i = 0; i < hs_nslots; i++)
		bench_id_make(&hs_slots[i].id, "hs", (u_int)i);
	hs_maxlat = 1000000;
	hs_lat = xcalloc(hs_maxlat, sizeof *hs_lat);

	/* A short warm-up: each identity becomes a known peer of the node. */
	hs_run(0.5, 0);
	if (node != 0)
		cpu0 = bench_cpu_sec(node);
	elapsed = hs_run(secs, 1);
	if (node != 0)
		cpu1 = bench_cpu_sec(node);

	bench_figure("handshakes completed", (double)hs_done, "", NULL);
	bench_figure("handshakes failed", (double)hs_failed, "", NULL);
	if (hs_failed != 0 && hs_why != NULL)
		printf("last failure: %s\n", hs_why);
	bench_figure("handshakes per second", (double)hs_done / elapsed,
	    "handshakes/s", ">= 2000");
	bench_figure("handshake time p50 (dial to the node's HELLO)",
	    (double)bench_pct(hs_lat, hs_nlat, 50) / 1e6, "ms", NULL);
	bench_figure("handshake time p99",
	    (double)bench_pct(hs_lat, hs_nlat, 99) / 1e6, "ms", NULL);
	if (cpu0 >= 0 && cpu1 >= 0 && hs_done != 0) {
		bench_figure("node CPU per handshake",
		    (cpu1 - cpu0) / (double)hs_done * 1e6, "us", NULL);
		bench_figure("node CPU busy", (cpu1 - cpu0) / elapsed * 100,
		    "%", NULL);
		bench_figure("handshakes per node CPU-second",
		    (double)hs_done / (cpu1 - cpu0), "handshakes/s", NULL);
	}
	return (0);
}
