/* log.c: the log file in the profile directory, and fatal errors. */

#include "p2pchat.h"

static FILE	*log_file;
static char	*log_path;
static int	 log_level = LOG_INFO;
static void	(*log_fatal_hook)(void);

static const char *log_names[] = { "fatal", "warn", "info", "debug" };

/* Open the log file (appending); NULL path means log nowhere. */
int
log_open(const char *path, int level, char **cause)
{
	int	fd;

	log_close();
	log_level = level;
	if (path == NULL)
		return (0);
	if (path != log_path) {
		free(log_path);
		log_path = xstrdup(path);
	}
	fd = open(path, O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC, 0600);
	if (fd == -1 || (log_file = fdopen(fd, "a")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	setvbuf(log_file, NULL, _IOLBF, 0);
	return (0);
}

/* Open the log file again (after it was rotated): SIGHUP does this. */
void
log_reopen(void)
{
	char	*cause;

	if (log_path == NULL)
		return;
	if (log_open(log_path, log_level, &cause) != 0)
		free(cause);
	else
		log_write(LOG_INFO, "log_reopen: log file opened again");
}

/* Close the log file. */
void
log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

/* Set a function to run before a fatal error exits (restores the terminal). */
void
log_set_fatal_hook(void (*fn)(void))
{
	log_fatal_hook = fn;
}

static void	log_vwrite(int, const char *, va_list)
		    __attribute__((__format__(__printf__, 2, 0)));

/* Write one line to the log. */
static void
log_vwrite(int level, const char *fmt, va_list ap)
{
	struct timeval	tv;
	struct tm	tm;
	char		ts[32];

	if (log_file == NULL || level > log_level)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(log_file, "%s.%03ld %s ", ts, (long)tv.tv_usec / 1000,
	    log_names[level]);
	vfprintf(log_file, fmt, ap);
	fputc('\n', log_file);
}

/* Log at a given level. */
void
log_write(int level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}

/* Die after an impossible state, with errno's message. */
__dead void
fatal(const char *fmt, ...)
{
	char	*msg;
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (log_fatal_hook != NULL)
		log_fatal_hook();
	log_write(LOG_FATAL, "fatal: %s: %s", msg ? msg : fmt, strerror(saved));
	fprintf(stderr, "p2pchat: fatal: %s: %s\n", msg ? msg : fmt,
	    strerror(saved));
	exit(1);
}

/* Die after an impossible state. */
__dead void
fatalx(const char *fmt, ...)
{
	char	*msg;
	va_list	 ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (log_fatal_hook != NULL)
		log_fatal_hook();
	log_write(LOG_FATAL, "fatal: %s", msg ? msg : fmt);
	fprintf(stderr, "p2pchat: fatal: %s\n", msg ? msg : fmt);
	exit(1);
}
