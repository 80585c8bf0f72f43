/*
 * client.c: the attaching side of the attach socket (server.c): connect
 * to the node of a profile, relay standard input and output to it
 * (p2pchat --headless --attach), or ask it to stop (p2pchat --kill).
 */

#include "p2pchat.h"

#include <sys/file.h>
#include <sys/un.h>
#include <poll.h>

#define CLIENT_KILL_MS	15000	/* for the node to let go of the lock */

/*
 * Connect to the node of profile home. Returns 0 with *fd; 1 if no node
 * runs there (no socket, or a stale one nothing listens on); -1 for
 * another error. cause is set unless 0 is returned.
 */
int
client_connect(const char *home, int *fd, char **cause)
{
	struct sockaddr_un	 sun;
	char			*path;
	int			 s;

	xasprintf(&path, "%s/%s", home, SERVER_SOCKET);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "%s: path too long for a socket", path);
		free(path);
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((s = socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		free(path);
		return (-1);
	}
	if (connect(s, (struct sockaddr *)&sun, sizeof sun) != 0) {
		if (errno == ENOENT || errno == ECONNREFUSED) {
			xasprintf(cause, "no node is running on %s", home);
			close(s);
			free(path);
			return (1);
		}
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(s);
		free(path);
		return (-1);
	}
	free(path);
	*fd = s;
	return (0);
}

/* Write all of len bytes; -1 on error. */
static int
client_write_all(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len != 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= n;
	}
	return (0);
}

/*
 * Relay standard input to the node and its events to standard output,
 * until the node closes the connection: at end of input the node writes
 * its replies and closes, so a script's commands all get their answers.
 * Returns the exit status: 0, or 1 if the node stopped taking input.
 */
int
client_stdio(int fd)
{
	struct pollfd	 pfd[2];
	char		 buf[65536];
	ssize_t		 n;
	int		 in_open = 1, status = 0;

	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = in_open ? STDIN_FILENO : -1;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			return (1);
		}
		if (pfd[0].revents != 0) {
			n = read(fd, buf, sizeof buf);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				return (n == 0 ? status : 1);
			if (client_write_all(STDOUT_FILENO, buf, n) != 0)
				return (1);
		}
		if (in_open && pfd[1].revents != 0) {
			n = read(STDIN_FILENO, buf, sizeof buf);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0) {
				in_open = 0;
				shutdown(fd, SHUT_WR);
				continue;
			}
			/* The node closed on us: read what it said first. */
			if (client_write_all(fd, buf, n) != 0) {
				in_open = 0;
				status = 1;
			}
		}
	}
}

/* Has the node of home let go of the profile lock? */
static int
client_unlocked(const char *home)
{
	char	*path;
	int	 fd, free_now;

	xasprintf(&path, "%s/p2pchat.lock", home);
	fd = open(path, O_RDONLY|O_CLOEXEC);
	free(path);
	if (fd == -1)
		return (1);
	free_now = flock(fd, LOCK_SH|LOCK_NB) == 0;
	close(fd);
	return (free_now);
}

/*
 * Stop the node of home cleanly: /quit over the socket, then wait until
 * it has closed its database and let go of the lock.
 */
int
client_kill(const char *home, char **cause)
{
	char	 buf[4096];
	int	 fd, r;

	if ((r = client_connect(home, &fd, cause)) != 0)
		return (-1);
	signal(SIGPIPE, SIG_IGN);
	if (client_write_all(fd, "/quit\n", 6) != 0) {
		xasprintf(cause, "writing to the node: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	while ((r = read(fd, buf, sizeof buf)) != 0) {
		if (r == -1 && errno != EINTR)
			break;
	}
	close(fd);
	return (client_wait_stopped(home, cause));
}

/* Wait until the node of home has closed its database and its lock. */
int
client_wait_stopped(const char *home, char **cause)
{
	int64_t	 deadline;

	deadline = mono_us() + CLIENT_KILL_MS * 1000LL;
	while (!client_unlocked(home)) {
		if (mono_us() > deadline) {
			xasprintf(cause, "the node on %s did not stop", home);
			return (-1);
		}
		usleep(20000);
	}
	return (0);
}
