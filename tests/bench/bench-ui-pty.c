/*
 * bench-ui-pty.c: runs p2pchat's screen on a pseudo-terminal for
 * bench-ui.sh and measures it from outside, by the bytes it draws:
 *
 *   bench-ui-pty [-x COLS] [-y ROWS] [-s CMD] [-n KEYS] [-i MS]
 *                [-r READY] [-w TITLE] [-h SECS] [-e FILE] -- ARGV...
 *
 * It starts ARGV on an 80x24 pty and prints "start_to_screen_ms" when the
 * status bar is first drawn ("online |": the time from
 * fork to the first screen); with -r it then waits for READY. It
 * then types M-2 and waits for the conversation title, runs CMD with
 * system(3) (bench-ui.sh starts a flood of messages there), and types
 * KEYS characters, one every MS milliseconds, timing each from its write
 * to the first output that draws one more of it (the echo). The keys
 * cycle through symbols that neither the messages nor the terminal's
 * escape sequences hold, so that ncurses's repeat of a character cannot
 * hide an echo. At
 * the end it prints the latencies' p50, p99 and max. With -h it then
 * lets the program idle for SECS seconds. With -e it opens the
 * conversation (M-2) and then reads what the program draws until FILE
 * exists (bench-attach.sh: the screen's P2PCHAT_UI_DRAWLOG says when each
 * message was drawn). Last it types /quit and waits for the program to
 * exit.
 */

#define _GNU_SOURCE

#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int		 pty_fd = -1;
static unsigned long	 pty_count[256];	/* bytes drawn, by value */
static char		 pty_tail[256];	/* last bytes drawn */
static unsigned long long pty_bytes;
static const char	*pty_want;	/* text waited for */
static int		 pty_found;
static FILE		*pty_dump;	/* BENCH_UI_DUMP: all output */

/* Milliseconds on the monotonic clock. */
static double
pty_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* Look for the text waited for in new output (and across its start). */
static void
pty_look(const char *buf, size_t n)
{
	char	edge[128];
	size_t	w = strlen(pty_want), t = strlen(pty_tail), a, b;

	if (memmem(buf, n, pty_want, w) != NULL) {
		pty_found = 1;
		return;
	}
	a = t < w - 1 ? t : w - 1;
	b = n < w - 1 ? n : w - 1;
	memcpy(edge, pty_tail + t - a, a);
	memcpy(edge + a, buf, b);
	if (memmem(edge, a + b, pty_want, w) != NULL)
		pty_found = 1;
}

/* Read what the program drew within ms; returns 0 at its exit. */
static int
pty_drain(int ms)
{
	struct pollfd	pfd = { pty_fd, POLLIN, 0 };
	char		buf[65536];
	ssize_t		n, i;
	size_t		keep;

	if (poll(&pfd, 1, ms) <= 0)
		return (1);
	n = read(pty_fd, buf, sizeof buf);
	if (n <= 0)
		return (0);
	pty_bytes += n;
	if (pty_dump != NULL)
		fwrite(buf, 1, n, pty_dump);
	if (pty_want != NULL && !pty_found)
		pty_look(buf, n);
	for (i = 0; i < n; i++)
		pty_count[(unsigned char)buf[i]]++;
	keep = strlen(pty_tail);
	if ((size_t)n >= sizeof pty_tail - 1) {
		memcpy(pty_tail, buf + n - (sizeof pty_tail - 1),
		    sizeof pty_tail - 1);
		pty_tail[sizeof pty_tail - 1] = '\0';
	} else {
		if (keep + n >= sizeof pty_tail) {
			memmove(pty_tail, pty_tail + (keep + n -
			    (sizeof pty_tail - 1)), sizeof pty_tail - 1 - n);
			keep = sizeof pty_tail - 1 - n;
		}
		memcpy(pty_tail + keep, buf, n);
		pty_tail[keep + n] = '\0';
	}
	return (1);
}

/* Wait (at most secs) until the output from now on contains s. */
static int
pty_wait(const char *s, int secs)
{
	double	end = pty_now() + secs * 1e3;
	int	rc = 0;

	if (pty_want != s) {
		pty_want = s;
		pty_found = strstr(pty_tail, s) != NULL;
	}
	while (!pty_found) {
		if (pty_now() > end || !pty_drain(secs == 0 ? 0 : 50)) {
			rc = -1;
			break;
		}
	}
	if (rc == 0) {
		pty_want = NULL;
		pty_tail[0] = '\0';
	}
	return (rc);
}

/* Compare doubles for qsort. */
static int
pty_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* Run the screen on a pty, measure, and print the figures. */
int
main(int argc, char **argv)
{
	struct winsize	 ws = { 24, 80, 0, 0 };
	const char	*cmd = NULL, *title = "unverified";
	const char	*ready = "online |", *ready2 = NULL, *until = NULL;
	double		*lat, t0, start;
	unsigned long	 before;
	static const char keyset[] = "#%&*+!$";
	char		 key;
	int		 ch, keys = 0, interval = 20, i, n = 0, status, hold = 0;
	pid_t		 pid;

	while ((ch = getopt(argc, argv, "x:y:s:n:i:w:h:r:e:")) != -1) {
		switch (ch) {
		case 'x':
			ws.ws_col = atoi(optarg);
			break;
		case 'y':
			ws.ws_row = atoi(optarg);
			break;
		case 's':
			cmd = optarg;
			break;
		case 'n':
			keys = atoi(optarg);
			break;
		case 'i':
			interval = atoi(optarg);
			break;
		case 'w':
			title = optarg;
			break;
		case 'h':
			hold = atoi(optarg);
			break;
		case 'r':
			ready2 = optarg;
			break;
		case 'e':
			until = optarg;
			break;
		default:
			return (2);
		}
	}
	argv += optind;
	if (argv[0] == NULL)
		return (2);
	signal(SIGPIPE, SIG_IGN);
	if (getenv("BENCH_UI_DUMP") != NULL)
		pty_dump = fopen(getenv("BENCH_UI_DUMP"), "w");
	start = pty_now();
	if ((pid = forkpty(&pty_fd, NULL, NULL, &ws)) == -1) {
		perror("forkpty");
		return (1);
	}
	if (pid == 0) {
		setenv("TERM", "xterm", 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pty_wait(ready, 60) != 0) {
		fprintf(stderr, "bench-ui-pty: no screen\n");
		kill(pid, SIGTERM);
		return (1);
	}
	printf("start_to_screen_ms %.1f\n", pty_now() - start);
	fflush(stdout);
	if (ready2 != NULL && pty_wait(ready2, 30) != 0) {
		fprintf(stderr, "bench-ui-pty: not ready\n");
		kill(pid, SIGTERM);
		return (1);
	}
	if (keys > 0 || until != NULL) {
		t0 = pty_now();
		pty_tail[0] = '\0';
		for (i = 0; i < 150; i++) {	/* until the window is there */
			write(pty_fd, "\0332", 2);
			if (pty_wait(title, 0) == 0)
				break;
			pty_drain(200);
		}
		if (i == 150) {
			fprintf(stderr, "bench-ui-pty: no conversation\n");
			kill(pid, SIGTERM);
			return (1);
		}
		printf("open_conversation_ms %.1f\n", pty_now() - t0);
		fflush(stdout);
	}
	if (keys > 0) {
		if (cmd != NULL && system(cmd) != 0)
			fprintf(stderr, "bench-ui-pty: %s failed\n", cmd);
		lat = calloc(keys, sizeof *lat);
		for (i = 0; i < keys; i++) {
			key = keyset[i % (sizeof keyset - 1)];
			before = pty_count[(unsigned char)key];
			t0 = pty_now();
			write(pty_fd, &key, 1);
			while (pty_count[(unsigned char)key] == before &&
			    pty_now() - t0 < 5000)
				pty_drain(5);
			lat[n++] = pty_now() - t0;
			if (getenv("BENCH_UI_SLOW") != NULL && lat[n - 1] > 50)
				fprintf(stderr, "key %d '%c': %.1f ms\n", i,
				    key, lat[n - 1]);
			while (pty_now() - t0 < interval)
				pty_drain(1);
			if (i % 60 == 59)
				write(pty_fd, "\025", 1);	/* C-u */
		}
		qsort(lat, n, sizeof *lat, pty_cmp);
		printf("keys %d\n", n);
		printf("echo_p50_ms %.2f\n", lat[n / 2]);
		printf("echo_p99_ms %.2f\n", lat[(n * 99) / 100]);
		printf("echo_max_ms %.2f\n", lat[n - 1]);
		free(lat);
	}
	if (until != NULL) {
		t0 = pty_now();
		while (access(until, F_OK) != 0 && pty_now() - t0 < 600e3)
			pty_drain(50);
	}
	if (hold > 0) {
		t0 = pty_now();
		while (pty_now() - t0 < hold * 1e3)
			pty_drain(1000);
	}
	write(pty_fd, "\005\025/quit\r", 8);
	while (pty_drain(100))
		;
	waitpid(pid, &status, 0);
	printf("output_bytes %llu\n", pty_bytes);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}
