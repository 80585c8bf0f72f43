/*
 * clock.c: the wall clock, the monotonic clock and libevent timers armed
 * in milliseconds.
 */

#include "p2pchat.h"

/* The wall clock in Unix milliseconds. */
int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Microseconds of a clock that only goes forward (for intervals). */
int64_t
mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* Arm a timer event to fire in ms milliseconds. */
void
timer_add_ms(struct event *ev, int64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}
