/*
 * bench-idle.c: user-space memory per idle authenticated connection. Opens
 * many connections to one p2pchat node, each with its own fresh identity
 * (the node keeps one session per peer id), runs the handshake and HELLO
 * on each, keeps them all open, and compares the node's VmRSS before and
 * after.
 *
 * Usage: bench-idle ADDR:PORT NODE_PID
 * Sizes: BENCH_CONNECTIONS (default 10000), BENCH_IDLE_WINDOW (handshakes
 * in flight at once, default 200).
 */

#include "bench.h"

#include <signal.h>

static struct event_base	*idle_base;
static struct sockaddr_in	 idle_sin;
static struct bench_client	*idle_bc;
static struct bench_id		*idle_ids;
static long			 idle_total;
static long			 idle_next;
static long			 idle_open;
static long			 idle_failed;
static long			 idle_dropped;
static long			 idle_busy;
static const char		*idle_why;

static void	idle_start_more(void);

/* A connection finished its handshake, failed, or closed later. */
static void
idle_done_cb(struct bench_client *bc)
{
	int	was_open = bc->arg != NULL;

	if (bc->state == BC_OPEN) {
		idle_open++;
		idle_busy--;
		bc->arg = bc;		/* mark it open */
		idle_start_more();
		return;
	}
	idle_why = bc->why;
	if (was_open) {
		idle_dropped++;
		idle_open--;
	} else {
		idle_failed++;
		idle_busy--;
	}
	bench_client_free(bc);
	idle_start_more();
}

/* Keep the window of handshakes in flight full. */
static void
idle_start_more(void)
{
	struct bench_client	*bc;
	long			 window = bench_env("BENCH_IDLE_WINDOW", 200);

	while (idle_busy < window && idle_next < idle_total) {
		bc = &idle_bc[idle_next];
		bc->done = idle_done_cb;
		bc->arg = NULL;
		if (bench_client_start(bc, idle_base, &idle_sin,
		    &idle_ids[idle_next]) != 0) {
			idle_failed++;
			idle_why = "cannot dial (out of file descriptors?)";
		} else
			idle_busy++;
		idle_next++;
	}
	if (idle_busy == 0 && idle_next == idle_total)
		event_base_loopbreak(idle_base);
}

/* Run the loop for a while (to let the node settle). */
static void
idle_wait(double seconds)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	event_base_loopexit(idle_base, &tv);
	event_base_dispatch(idle_base);
}

int
main(int argc, char **argv)
{
	pid_t		 node;
	long		 before, after, i;
	int64_t		 t0, t1, t2;

	if (argc != 3 || bench_addr(argv[1], &idle_sin) != 0) {
		fprintf(stderr, "usage: %s ADDR:PORT NODE_PID\n", argv[0]);
		return (2);
	}
	node = (pid_t)atol(argv[2]);
	if (sodium_init() < 0)
		fatalx("sodium_init");
	signal(SIGPIPE, SIG_IGN);
	idle_total = bench_env("BENCH_CONNECTIONS", 10000);
	bench_nofile(idle_total + 64);
	bench_header("issue 3: memory per idle authenticated connection");
	printf("connections: %ld, each with its own identity\n", idle_total);

	t0 = bench_ns();
	idle_ids = xcalloc(idle_total, sizeof *idle_ids);
	for (i = 0; i < idle_total; i++)
		bench_id_make(&idle_ids[i], "idle", (u_int)i);
	idle_bc = xcalloc(idle_total, sizeof *idle_bc);
	t1 = bench_ns();
	printf("identities made in %.2f s\n", bench_sec(t0, t1));

	idle_base = event_base_new();
	if ((before = bench_rss_kib(node)) < 0)
		fatalx("cannot read VmRSS of %ld", (long)node);
	idle_start_more();
	event_base_dispatch(idle_base);
	t2 = bench_ns();
	idle_wait(2.0);
	after = bench_rss_kib(node);

	bench_figure("connections opened (the node's HELLO received)",
	    (double)idle_open, "", NULL);
	bench_figure("connections failed", (double)idle_failed, "", NULL);
	bench_figure("connections dropped after opening", (double)idle_dropped,
	    "", NULL);
	if (idle_why != NULL && (idle_failed != 0 || idle_dropped != 0))
		printf("last failure: %s\n", idle_why);
	bench_figure("connections served", (double)idle_open, "connections",
	    ">= 10000 at once");
	bench_figure("time to open them all", bench_sec(t1, t2), "s", NULL);
	bench_figure("node VmRSS before", (double)before, "KiB", NULL);
	bench_figure("node VmRSS after", (double)after, "KiB", NULL);
	if (idle_open != 0)
		bench_figure("node memory per idle connection",
		    (double)(after - before) * 1024 / (double)idle_open / 1024,
		    "KiB", "<= 8");
	for (i = 0; i < idle_total; i++)
		bench_client_free(&idle_bc[i]);
	event_base_free(idle_base);
	return (0);
}
