/*
 * bench-e2e.c: messages end to end between two real p2pchat processes on
 * loopback. The bench starts a sender and a receiver node in headless mode,
 * writes "/msg receiver TEXT" lines (100-byte texts) to the sender's
 * standard input and reads both nodes' JSON Lines. It measures:
 *
 *  - throughput: many lines written as fast as the pipe takes them, from
 *    the first write to the last "delivered" event at the sender; twice,
 *    since the first burst after the nodes started also pays for their
 *    growing (heap, page cache, buffers), which a node that has been
 *    running (the usual case) has done: the target is on the second;
 *  - latency when idle: one message at a time, from writing the line to
 *    the receiver's "message" event, with the steps in between;
 *  - latency at half the measured maximum rate.
 *
 * Usage: bench-e2e P2PCHAT DIR
 * Sizes: BENCH_E2E_MESSAGES (each burst, default 20000), BENCH_E2E_IDLE
 * (idle samples, default 500), BENCH_E2E_SECONDS (half rate, default 3).
 * BENCH_E2E_FLOOD=EVIL (the path of tests/regress/evil) measures the idle
 * latency again, with no flood and then while a hostile peer floods the
 * receiver with CHATs at full speed, in the same run.
 * BENCH_E2E_SYNC=normal runs both nodes with [store] sync = normal (no
 * fdatasync), to tell the disk's share of the latency from the rest; the
 * targets are for the default, full.
 */

#include "bench.h"

#include <sys/wait.h>

#include <poll.h>
#include <signal.h>

#define TEXT_LEN	100
#define TIMEOUT_NS	(120LL * 1000000000)

/* A node the bench runs, with pipes to its standard input and output. */
struct node {
	const char	*name;
	pid_t		 pid;
	int		 in;		/* its stdin, we write */
	int		 out;		/* its stdout, we read */
	struct buf	 rbuf;		/* partial line read */
	struct buf	 wbuf;		/* bytes to write, from woff on */
	size_t		 woff;
	char		 listen[64];
	int		 ready;
	int		 online;
	int		 quitting;
	long		 outgoing;
	long		 delivered;
	long		 messages;
	long		 errors;
	int64_t		 last_delivered;
};

static struct node	 e2e_s = { .name = "sender", .in = -1, .out = -1 };
static struct node	 e2e_r = { .name = "receiver", .in = -1, .out = -1 };
static long		 e2e_max;	/* room in the arrays */
static int64_t		*e2e_sent;	/* per sequence number: line written */
static int64_t		*e2e_out;	/* the sender's "outgoing" event */
static int64_t		*e2e_recv;	/* the receiver's "message" event */
static long		 e2e_spare;	/* kept for the idle run at the end */

/*
 * An array of n times, its pages touched now: faulting them in as the
 * sequence numbers advance cost this process (which shares the CPUs with
 * the nodes) a page fault every 512 messages during the bursts.
 */
static int64_t *
e2e_times(long n)
{
	volatile int64_t	*t = xcalloc(n, sizeof *t);
	long			 i;

	for (i = 0; i < n; i += 512)
		t[i] = 0;
	return ((int64_t *)t);
}

/* Start a node: p2pchat --headless, its stdin and stdout on pipes. */
static void
e2e_spawn(struct node *n, const char *prog, const char *dir,
    const char *connect)
{
	char	 home[PATH_MAX], ini[PATH_MAX], err[PATH_MAX];
	int	 ip[2], op[2], fd;

	snprintf(home, sizeof home, "%s/%s", dir, n->name);
	snprintf(ini, sizeof ini, "%s/bench.ini", dir);
	snprintf(err, sizeof err, "%s/%s.err", dir, n->name);
	if (pipe(ip) != 0 || pipe(op) != 0)
		fatal("pipe");
	switch (n->pid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		dup2(ip[0], STDIN_FILENO);
		dup2(op[1], STDOUT_FILENO);
		if ((fd = open(err, O_WRONLY|O_CREAT|O_TRUNC, 0644)) != -1)
			dup2(fd, STDERR_FILENO);
		closefrom(STDERR_FILENO + 1);
		if (connect != NULL)
			execl(prog, prog, "--headless", "-d", home, "-n",
			    n->name, "-l", "127.0.0.1:0", "-f", ini, "-c",
			    connect, (char *)NULL);
		else
			execl(prog, prog, "--headless", "-d", home, "-n",
			    n->name, "-l", "127.0.0.1:0", "-f", ini,
			    (char *)NULL);
		_exit(127);
	}
	close(ip[0]);
	close(op[1]);
	n->in = ip[1];
	n->out = op[0];
	evutil_make_socket_nonblocking(n->in);
	evutil_make_socket_nonblocking(n->out);
	buf_init(&n->rbuf);
	buf_init(&n->wbuf);
}

/* Copy the string member key of a JSON line into out; 0 if found. */
static int
e2e_json(const char *line, const char *key, char *out, size_t len)
{
	char		 pat[64];
	const char	*p, *e;

	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	if ((p = strstr(line, pat)) == NULL)
		return (-1);
	p += strlen(pat);
	if ((e = strchr(p, '"')) == NULL || (size_t)(e - p) >= len)
		return (-1);
	memcpy(out, p, e - p);
	out[e - p] = '\0';
	return (0);
}

/* The sequence number at the start of a message text, or -1. */
static long
e2e_seq(const char *line)
{
	const char	*p;
	long		 seq;

	if ((p = strstr(line, "\"text\":\"m")) == NULL)
		return (-1);
	seq = strtol(p + 9, NULL, 10);
	return (seq >= 0 && seq < e2e_max ? seq : -1);
}

/* One line of JSON from a node. */
static void
e2e_line(struct node *n, const char *line, int64_t now)
{
	char	event[32], state[32];
	long	seq;

	if (e2e_json(line, "event", event, sizeof event) != 0)
		return;
	if (strcmp(event, "ready") == 0) {
		e2e_json(line, "listen", n->listen, sizeof n->listen);
		n->ready = 1;
	} else if (strcmp(event, "peer") == 0) {
		if (e2e_json(line, "state", state, sizeof state) == 0)
			n->online = strcmp(state, "online") == 0;
	} else if (strcmp(event, "outgoing") == 0) {
		n->outgoing++;
		if ((seq = e2e_seq(line)) != -1)
			e2e_out[seq] = now;
	} else if (strcmp(event, "delivered") == 0) {
		n->delivered++;
		n->last_delivered = now;
	} else if (strcmp(event, "message") == 0) {
		n->messages++;
		if ((seq = e2e_seq(line)) != -1)
			e2e_recv[seq] = now;
	} else if (strcmp(event, "error") == 0) {
		if (n->errors++ < 5)
			fprintf(stderr, "%s: %s", n->name, line);
	}
}

/* Read what a node printed and handle each whole line. */
static void
e2e_read(struct node *n, int64_t now)
{
	char	 tmp[65536], *nl;
	ssize_t	 r;
	size_t	 off, len;

	while ((r = read(n->out, tmp, sizeof tmp)) > 0)
		buf_put(&n->rbuf, tmp, r);
	if (r == 0) {
		if (!n->quitting)
			fatalx("%s exited (see its .err file)", n->name);
		close(n->out);
		n->out = -1;
	}
	off = 0;
	while (off < n->rbuf.size) {
		len = n->rbuf.size - off;
		nl = memchr(n->rbuf.d + off, '\n', len);
		if (nl == NULL)
			break;
		*nl = '\0';
		e2e_line(n, (char *)n->rbuf.d + off, now);
		off = (u_char *)nl + 1 - n->rbuf.d;
	}
	memmove(n->rbuf.d, n->rbuf.d + off, n->rbuf.size - off);
	n->rbuf.size -= off;
}

/* Write what is waiting for a node's standard input. */
static void
e2e_write(struct node *n)
{
	ssize_t	w;

	if (n->woff == n->wbuf.size)
		return;
	/* No memmove per write: a burst queues megabytes at once. */
	w = write(n->in, n->wbuf.d + n->woff, n->wbuf.size - n->woff);
	if (w <= 0)
		return;
	if ((n->woff += w) == n->wbuf.size)
		n->woff = n->wbuf.size = 0;
}

/* Wait up to ns for output or room to write; handle what came. */
static void
e2e_pump(int64_t ns)
{
	struct pollfd	pfd[3];
	struct timespec	ts;
	int64_t		now;
	int		n = 2;

	pfd[0].fd = e2e_s.out;
	pfd[0].events = POLLIN;
	pfd[1].fd = e2e_r.out;
	pfd[1].events = POLLIN;
	if (e2e_s.woff != e2e_s.wbuf.size) {
		pfd[2].fd = e2e_s.in;
		pfd[2].events = POLLOUT;
		n = 3;
	}
	ts.tv_sec = ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	if (ppoll(pfd, n, &ts, NULL) == -1 && errno != EINTR)
		fatal("ppoll");
	now = bench_ns();
	if (pfd[0].revents != 0)
		e2e_read(&e2e_s, now);
	if (pfd[1].revents != 0)
		e2e_read(&e2e_r, now);
	if (n == 3 && pfd[2].revents != 0)
		e2e_write(&e2e_s);
}

/* Queue a /msg line with sequence number seq for the sender. */
static void
e2e_queue(long seq)
{
	char	line[TEXT_LEN + 64];
	int	len;

	len = snprintf(line, sizeof line, "/msg receiver m%09ld ", seq);
	/* The text is TEXT_LEN bytes: "m" and 9 digits, a space, filler. */
	memset(line + len, 'x', TEXT_LEN - 11);
	len += TEXT_LEN - 11;
	line[len++] = '\n';
	buf_put(&e2e_s.wbuf, line, len);
}

/* Write one message now and note the time. */
static void
e2e_send_now(long seq)
{
	e2e_queue(seq);
	e2e_sent[seq] = bench_ns();
	e2e_write(&e2e_s);
}

/* Pump until cond() holds, or fail after the timeout. */
static void
e2e_until(int (*cond)(void *), void *arg, const char *what)
{
	int64_t	start = bench_ns();

	while (!cond(arg)) {
		if (bench_ns() - start > TIMEOUT_NS)
			fatalx("timed out waiting for %s", what);
		e2e_pump(100000000);
	}
}

/* Has the node at arg printed its ready event? */
static int
e2e_ready(void *arg)
{
	return (((struct node *)arg)->ready);
}

/* Is the session up on both sides? */
static int
e2e_both_online(__unused void *arg)
{
	return (e2e_s.online && e2e_r.online);
}

/* Has the sender had the receiver's first message? */
static int
e2e_sender_heard(__unused void *arg)
{
	return (e2e_s.messages >= 1);
}

/* Have *(long *)arg messages been delivered and received? */
static int
e2e_delivered(void *arg)
{
	long	want = *(long *)arg;

	return (e2e_s.delivered >= want && e2e_r.messages >= want);
}

/* Print p50 and p99 of n figures in ns, in ms. */
static void
e2e_pcts(const char *name, int64_t *v, size_t n, const char *t50,
    const char *t99)
{
	char	label[128];

	snprintf(label, sizeof label, "%s p50", name);
	bench_figure(label, (double)bench_pct(v, n, 50) / 1e6, "ms", t50);
	snprintf(label, sizeof label, "%s p99", name);
	bench_figure(label, (double)bench_pct(v, n, 99) / 1e6, "ms", t99);
}

/* How long a 4 KiB write and fdatasync take in dir. */
static void
e2e_fsync(const char *dir)
{
	char	 path[PATH_MAX], page[4096];
	int64_t	*t, start;
	int	 fd, i, n = 100;

	snprintf(path, sizeof path, "%s/fsync-test", dir);
	if ((fd = open(path, O_WRONLY|O_CREAT|O_TRUNC, 0600)) == -1)
		fatal("open %s", path);
	memset(page, 'x', sizeof page);
	t = xcalloc(n, sizeof *t);
	for (i = 0; i < n; i++) {
		start = bench_ns();
		if (pwrite(fd, page, sizeof page, (off_t)i * sizeof page) !=
		    (ssize_t)sizeof page || fdatasync(fd) != 0)
			fatal("write %s", path);
		t[i] = bench_ns() - start;
	}
	close(fd);
	unlink(path);
	e2e_pcts("4 KiB write + fdatasync in the profile directory", t,
	    (size_t)n, NULL, NULL);
	free(t);
}

/*
 * Idle: one message at a time; returns the index after the last used.
 * what, if not NULL, names the run in the figures.
 */
static long
e2e_idle(long seq, long n, const char *what)
{
	char	 name[256];

	int64_t	*to_recv, *to_out, *out_recv, *recv_ack;
	long	 i, want;

	to_recv = xcalloc(n, sizeof *to_recv);
	to_out = xcalloc(n, sizeof *to_out);
	out_recv = xcalloc(n, sizeof *out_recv);
	recv_ack = xcalloc(n, sizeof *recv_ack);
	for (i = 0; i < n; i++, seq++) {
		want = e2e_s.delivered + 1;
		e2e_send_now(seq);
		e2e_until(e2e_delivered, &want, "an idle message");
		to_recv[i] = e2e_recv[seq] - e2e_sent[seq];
		to_out[i] = e2e_out[seq] - e2e_sent[seq];
		out_recv[i] = e2e_recv[seq] - e2e_out[seq];
		recv_ack[i] = e2e_s.last_delivered - e2e_recv[seq];
	}
	if (what != NULL) {
		snprintf(name, sizeof name, "latency %s, /msg written to the "
		    "receiver's message event", what);
		e2e_pcts(name, to_recv, n, NULL, NULL);
		goto out;
	}
	e2e_pcts("idle latency, /msg written to the receiver's message event",
	    to_recv, n, NULL, "< 1");
	e2e_pcts("  step 1: /msg written to the sender's outgoing event "
	    "(stored, committed)", to_out, n, NULL, NULL);
	e2e_pcts("  step 2: sender's outgoing to the receiver's message "
	    "(sent, stored, committed)", out_recv, n, NULL, NULL);
	e2e_pcts("  step 3: receiver's message to the sender's delivered "
	    "(ACK, committed)", recv_ack, n, NULL, NULL);
out:
	free(to_recv);
	free(to_out);
	free(out_recv);
	free(recv_ack);
	return (seq);
}

/*
 * The same idle figures, once more without and then with a hostile peer
 * (BENCH_E2E_FLOOD names tests/regress/evil) sending CHATs of 16000 bytes
 * to the receiver at full speed, on new identities when it is closed.
 */
static long
e2e_flood(long seq, long n, const char *evil)
{
	char	 mode[64], port[16];
	pid_t	 pid;
	int	 status;
	const char *colon;

	if ((colon = strrchr(e2e_r.listen, ':')) == NULL)
		fatalx("receiver listen %s", e2e_r.listen);
	snprintf(port, sizeof port, "%s", colon + 1);
	seq = e2e_idle(seq, n, "with no flood");
	snprintf(mode, sizeof mode, "chat-flood-%d", 60);
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		execl(evil, evil, mode, "127.0.0.1", port, (char *)NULL);
		_exit(127);
	}
	usleep(500000);		/* the flood under way */
	seq = e2e_idle(seq, n, "while a hostile peer floods CHAT");
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	return (seq);
}

/*
 * Throughput: n lines as fast as possible; returns messages per second.
 * what names the burst in the figures, target is the rate's target.
 */
static double
e2e_burst(long seq, long n, const char *what, const char *target)
{
	char	 label[128];
	double	 cs0, cr0, cb0, cs1, cr1, cb1, secs;
	int64_t	 start;
	long	 i, want = e2e_s.delivered + n;

	for (i = 0; i < n; i++)
		e2e_queue(seq + i);
	/* CPU from here: queueing the lines is not part of the burst. */
	cs0 = bench_cpu_sec(e2e_s.pid);
	cr0 = bench_cpu_sec(e2e_r.pid);
	cb0 = bench_cpu_sec(getpid());
	start = bench_ns();
	e2e_write(&e2e_s);
	e2e_until(e2e_delivered, &want, "the burst to be delivered");
	secs = bench_sec(start, e2e_s.last_delivered);
	cs1 = bench_cpu_sec(e2e_s.pid);
	cr1 = bench_cpu_sec(e2e_r.pid);
	cb1 = bench_cpu_sec(getpid());
	snprintf(label, sizeof label, "messages per second, %s (first write "
	    "to last delivered)", what);
	bench_figure(label, (double)n / secs, "messages/s", target);
	bench_figure("  burst of messages took", secs, "s", NULL);
	bench_figure("  sender CPU per message", (cs1 - cs0) / n * 1e6, "us",
	    NULL);
	bench_figure("  receiver CPU per message", (cr1 - cr0) / n * 1e6, "us",
	    NULL);
	/* The bench shares the machine: it reads both nodes' events. */
	bench_figure("  this bench's CPU per message", (cb1 - cb0) / n * 1e6,
	    "us", NULL);
	return ((double)n / secs);
}

/*
 * Paced sending at rate per second for seconds; latency to the receiver.
 * Returns the index after the last used.
 */
static long
e2e_paced(long seq, double rate, double seconds)
{
	int64_t	*lat, start, due, now;
	long	 i, n = (long)(rate * seconds), want;
	char	 label[128];

	if (n < 10)
		n = 10;
	if (seq + n > e2e_max - e2e_spare)
		n = e2e_max - e2e_spare - seq;
	want = e2e_s.delivered + n;
	start = bench_ns();
	for (i = 0; i < n; i++) {
		due = start + (int64_t)((double)i * 1e9 / rate);
		while ((now = bench_ns()) < due)
			e2e_pump(due - now);
		e2e_send_now(seq + i);
		e2e_pump(0);
	}
	e2e_until(e2e_delivered, &want, "the paced messages");
	lat = xcalloc(n, sizeof *lat);
	for (i = 0; i < n; i++)
		lat[i] = e2e_recv[seq + i] - e2e_sent[seq + i];
	snprintf(label, sizeof label, "latency at half the maximum rate "
	    "(%.0f/s, %ld messages)", rate, n);
	e2e_pcts(label, lat, n, NULL, NULL);
	free(lat);
	return (seq + n);
}

/* Ask a node to quit and wait for it. */
static void
e2e_quit(struct node *n)
{
	int	status, i;

	n->quitting = 1;
	buf_put(&n->wbuf, "/quit\n", 6);
	e2e_write(n);
	for (i = 0; i < 100; i++) {
		if (waitpid(n->pid, &status, WNOHANG) == n->pid)
			return;
		e2e_pump(100000000);
	}
	kill(n->pid, SIGKILL);
	waitpid(n->pid, &status, 0);
}

int
main(int argc, char **argv)
{
	long	 burst, idle, seq = 0, warm = 200;
	double	 secs, rate;
	FILE	*f;
	char	 path[PATH_MAX];
	const char	*sync, *flood;

	if (argc != 3) {
		fprintf(stderr, "usage: %s P2PCHAT DIR\n", argv[0]);
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	burst = bench_env("BENCH_E2E_MESSAGES", 20000);
	idle = bench_env("BENCH_E2E_IDLE", 500);
	secs = (double)bench_env("BENCH_E2E_SECONDS", 3);
	bench_header("issue 4: messages end to end between two processes");
	printf("messages of %d bytes; bursts of %ld, idle samples %ld, half rate "
	    "for %.0f s\n", TEXT_LEN, burst, idle, secs);

	snprintf(path, sizeof path, "%s/bench.ini", argv[2]);
	if ((f = fopen(path, "w")) == NULL)
		fatal("%s", path);
	fprintf(f, "[node]\nlan_discovery = no\n[log]\nlevel = warn\n");
	if ((sync = getenv("BENCH_E2E_SYNC")) != NULL && *sync != '\0') {
		fprintf(f, "[store]\nsync = %s\n", sync);
		printf("[store] sync = %s (BENCH_E2E_SYNC)\n", sync);
	}
	fclose(f);
	e2e_max = warm + 4 * idle + 2 * burst + 500000;
	e2e_spare = idle;
	e2e_sent = e2e_times(e2e_max);
	e2e_out = e2e_times(e2e_max);
	e2e_recv = e2e_times(e2e_max);

	e2e_spawn(&e2e_r, argv[1], argv[2], NULL);
	e2e_until(e2e_ready, &e2e_r, "the receiver to be ready");
	e2e_spawn(&e2e_s, argv[1], argv[2], e2e_r.listen);
	e2e_until(e2e_ready, &e2e_s, "the sender to be ready");
	e2e_until(e2e_both_online, NULL, "the session");
	/*
	 * The receiver writes first, so the sender is a contact of its, with
	 * a contact's quota of what it stores an hour ([limits] in
	 * p2pchat.ini(5)): a stranger's would end the session within the
	 * bench's 180,000 or so messages.
	 */
	buf_put(&e2e_r.wbuf, "/msg sender hello\n", 18);
	e2e_write(&e2e_r);
	e2e_until(e2e_sender_heard, NULL, "the receiver's first message");
	e2e_fsync(argv[2]);

	/* Warm up: a few messages both ways of the path. */
	for (; seq < warm; seq++)
		e2e_queue(seq);
	e2e_write(&e2e_s);
	e2e_until(e2e_delivered, &warm, "the warm-up messages");

	seq = e2e_idle(seq, idle, NULL);
	if ((flood = getenv("BENCH_E2E_FLOOD")) != NULL && *flood != '\0')
		seq = e2e_flood(seq, idle, flood);
	e2e_burst(seq, burst, "first burst after start", NULL);
	seq += burst;
	rate = e2e_burst(seq, burst, "second burst", ">= 50000");
	seq += burst;
	seq = e2e_paced(seq, rate / 2, secs);
	/*
	 * Idle again, as in a node that has been running: its log has
	 * reached its working size and commits overwrite it (the first idle
	 * run, right after start, also pays for the log's growth, which
	 * makes each fdatasync flush the file's size as well).
	 */
	e2e_idle(seq, idle, "when idle after the bursts");

	e2e_quit(&e2e_s);
	e2e_quit(&e2e_r);
	return (0);
}
