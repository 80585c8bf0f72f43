/* ui.c: the full-screen ncursesw frontend (being built). */

#include "p2pchat.h"

const struct frontend ui_frontend = { .name = "screen" };

/* Start the screen. */
int
ui_start(char **cause)
{
	xasprintf(cause, "the screen is not built yet: use --headless");
	return (-1);
}

/* Stop the screen. */
void
ui_stop(void)
{
}
