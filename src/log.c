/*
 * log.c: the log file in the profile directory, and fatal errors.
 *
 * Every line is escaped as it is written, whatever the caller passes:
 * control characters, invalid UTF-8 and direction overrides become \xHH
 * (a newline \n), so a string from a peer cannot forge a line or reach a
 * terminal that shows the log. Past [log] max_size bytes the file is
 * renamed to p2pchat.log.1 (replacing the last one) and a new one begun.
 */

#include "p2pchat.h"

static FILE	*log_file;
static char	*log_path;
static off_t	 log_size;		/* bytes in the file */
static int	 log_norotate;		/* a rename failed: stop trying */
static int	 log_level = LOG_INFO;
static void	(*log_fatal_hook)(void);

static const char *log_names[] = { "fatal", "warn", "info", "debug" };

/* Open the log file (appending); NULL path means log nowhere. */
int
log_open(const char *path, int level, char **cause)
{
	struct stat	sb;
	int		fd;

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
	if (fstat(fd, &sb) == 0)
		log_size = sb.st_size;
	else
		log_size = 0;
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

/*
 * Should the character of n bytes at p (cp, or n -1 for a bad byte) be
 * escaped: C0, DEL, C1, invalid UTF-8, and the marks and overrides that
 * turn text around?
 */
static int
log_unsafe(uint32_t cp, int n)
{
	if (n < 1 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return (1);
	return (cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069));
}

/* Write s escaped to the log; returns the bytes written. */
static size_t
log_escape(const char *s)
{
	const u_char	*p = (const u_char *)s;
	size_t		 len = strlen(s), i = 0, start, out = 0;
	uint32_t	 cp;
	int		 n, k;

	while (i < len) {
		start = i;
		while (i < len) {
			n = utf8_decode(p + i, len - i, &cp);
			if (log_unsafe(cp, n) || p[i] == '\\')
				break;
			i += n;
		}
		out += fwrite(p + start, 1, i - start, log_file);
		if (i == len)
			break;
		if (p[i] == '\n' || p[i] == '\\') {
			out += fprintf(log_file, "\\%c", p[i] == '\n' ? 'n' :
			    '\\');
			i++;
			continue;
		}
		n = utf8_decode(p + i, len - i, &cp);
		for (k = 0; k < (n < 1 ? 1 : n); k++)
			out += fprintf(log_file, "\\x%02x", p[i + k]);
		i += k;
	}
	return (out);
}

/*
 * The file has passed [log] max_size: rename it to NAME.1, replacing the
 * last one, and start a new file. If the rename fails, keep writing to
 * the file as it is and stop trying.
 */
static void
log_rotate(void)
{
	long long	 max = cfg_num(CFG_LOG_MAX_SIZE);
	char		*old, *cause;
	off_t		 size = log_size;
	int		 error = 0;

	if (max <= 0 || log_size < max || log_path == NULL || log_norotate)
		return;
	if (asprintf(&old, "%s.1", log_path) == -1)
		return;
	fflush(log_file);
	if (rename(log_path, old) != 0) {
		error = errno;
		log_norotate = 1;
	}
	if (log_open(log_path, log_level, &cause) != 0) {
		free(cause);
		free(old);
		return;
	}
	if (error != 0) {
		log_write(LOG_WARN, "%s: %s: %s; the log is no longer "
		    "rotated", __func__, old, strerror(error));
	} else {
		log_write(LOG_INFO, "%s: the last %lld bytes are in %s",
		    __func__, (long long)size, old);
	}
	free(old);
}

static void	log_vwrite(int, const char *, va_list)
		    __attribute__((__format__(__printf__, 2, 0)));

/* Write one line to the log, escaped; then rotate if it is too big. */
static void
log_vwrite(int level, const char *fmt, va_list ap)
{
	struct timeval	 tv;
	struct tm	 tm;
	char		 ts[32], *line;
	int		 n;

	if (log_file == NULL || level > log_level)
		return;
	if (vasprintf(&line, fmt, ap) == -1)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
	n = fprintf(log_file, "%s.%03ld %s ", ts, (long)tv.tv_usec / 1000,
	    log_names[level]);
	if (n > 0)
		log_size += n;
	log_size += log_escape(line);
	if (fputc('\n', log_file) != EOF)
		log_size++;
	free(line);
	log_rotate();
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
