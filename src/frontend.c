/*
 * frontend.c: the frontend in use (the screen or the headless JSON Lines
 * printer) and the error reports every file sends to it.
 */

#include "p2pchat.h"

const struct frontend	*fe = &headless_frontend;

/*
 * Report a database error (cause, which is freed; NULL if unknown) to the
 * frontend and the log, saying where it happened.
 */
void
fe_store_error(const char *where, char *cause)
{
	fe_errorf("database: %s", cause != NULL ? cause : "unknown error");
	log_warnx("%s: %s", where, cause != NULL ? cause : "unknown error");
	free(cause);
}

/* Report a formatted error to the frontend. */
void
fe_errorf(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	fe->error(msg);
	free(msg);
}
