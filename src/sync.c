/*
 * sync.c: the two threads that keep the disk off the event loop.
 *
 * The database connection commits with synchronous NORMAL: a COMMIT writes
 * its pages to the write-ahead log and returns without waiting for the
 * disk. With [store] sync = full, the sync thread then calls fdatasync() on
 * the log, and only when that returns does the loop do what waited for the
 * commit to be durable (ACKs, "stored" events). One sync runs at a time;
 * whatever is committed while it runs waits for the next one, so a burst
 * costs one fsync per disk round trip, not one per loop turn.
 *
 * The checkpoint thread has its own connection and copies the log back into
 * the database file (a PASSIVE checkpoint never blocks the writer) when the
 * log has grown past SYNC_CHECKPOINT_FRAMES pages, instead of the automatic
 * checkpoint that would run inside a COMMIT on the loop.
 *
 * The loop hears that a sync finished through a pipe (sync_fd). No SQLite
 * connection is shared between threads.
 *
 * When the disk is quiet (no sync running, and none for longer than the
 * last one took) and fast (the last sync took at most SYNC_INLINE_MAX_US)
 * the loop syncs on its own thread instead (sync_inline): a lone message
 * then costs no hand-over to the thread and back, two wake-ups that on a
 * busy machine took up to half a millisecond each. Under load commits come
 * back to back and the thread takes over again; on a slow disk the loop
 * (and the screen) never waits for it.
 */

#include "p2pchat.h"

#include <pthread.h>
#include <sqlite3.h>

#define SYNC_CHECKPOINT_FRAMES	1000
#define SYNC_INLINE_MAX_US	2000	/* slower disks: always the thread */

static pthread_mutex_t	 sync_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 sync_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t	 sync_ckpt_cv = PTHREAD_COND_INITIALIZER;
static pthread_t	 sync_thr, sync_ckpt_thr;
static int		 sync_thr_on, sync_ckpt_on;
static int		 sync_quit;

static int		 sync_wal = -1;		/* the log, for fdatasync */
static int		 sync_pipe[2] = { -1, -1 };	/* thread to loop */
static int		 sync_asked;		/* a sync is wanted */
static int		 sync_running;		/* asked and not yet reported */
static int		 sync_errno;		/* of the last sync, 0 if fine */
static char		*sync_path;		/* the log's path */

static int64_t		 sync_asked_at;		/* monotonic us */
static int64_t		 sync_ended_at;		/* the last sync, collected */
static int64_t		 sync_took = INT64_MAX;	/* its duration */

static sqlite3		*sync_ckpt_db;		/* the checkpointer's own */
static int		 sync_ckpt_asked;
static int		 sync_ckpt_busy;

/* The sync thread: fdatasync the log whenever asked, and say so. */
static void *
sync_main(__unused void *arg)
{
	char	c = 0;
	int	error;

	pthread_mutex_lock(&sync_mtx);
	for (;;) {
		while (!sync_asked && !sync_quit)
			pthread_cond_wait(&sync_cv, &sync_mtx);
		if (!sync_asked)
			break;
		sync_asked = 0;
		pthread_mutex_unlock(&sync_mtx);
		error = fdatasync(sync_wal) == 0 ? 0 : errno;
		pthread_mutex_lock(&sync_mtx);
		sync_errno = error;
		while (write(sync_pipe[1], &c, 1) == -1 && errno == EINTR)
			/* nothing */;
	}
	pthread_mutex_unlock(&sync_mtx);
	return (NULL);
}

/* The checkpoint thread: copy the log into the database when asked. */
static void *
sync_ckpt_main(__unused void *arg)
{
	int	nlog, nckpt;

	pthread_mutex_lock(&sync_mtx);
	for (;;) {
		while (!sync_ckpt_asked && !sync_quit)
			pthread_cond_wait(&sync_ckpt_cv, &sync_mtx);
		if (sync_quit)
			break;
		sync_ckpt_asked = 0;
		sync_ckpt_busy = 1;
		pthread_mutex_unlock(&sync_mtx);
		/* A busy or failed one is tried again as the log grows. */
		sqlite3_wal_checkpoint_v2(sync_ckpt_db, "main",
		    SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
		pthread_mutex_lock(&sync_mtx);
		sync_ckpt_busy = 0;
	}
	pthread_mutex_unlock(&sync_mtx);
	return (NULL);
}

/* Make a directory entry durable: fsync the directory holding path. */
static int
sync_dir(const char *path)
{
	char	*dir, *slash;
	int	 fd, rc;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY|O_DIRECTORY|O_CLOEXEC)) == -1) {
		free(dir);
		return (-1);
	}
	rc = fsync(fd);
	close(fd);
	free(dir);
	return (rc);
}

/*
 * Start the threads for the database at path, whose log exists (the
 * connection has read it). With durable set, the sync thread makes each
 * commit durable; without, only checkpoints move off the loop.
 */
int
sync_start(const char *path, int durable, char **cause)
{
	int	flags;

	if (!sqlite3_threadsafe()) {
		xasprintf(cause, "SQLite was built without threads");
		return (-1);
	}
	xasprintf(&sync_path, "%s-wal", path);
	if (pipe(sync_pipe) != 0) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		goto fail;
	}
	flags = fcntl(sync_pipe[0], F_GETFL);
	fcntl(sync_pipe[0], F_SETFL, flags | O_NONBLOCK);
	fcntl(sync_pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(sync_pipe[1], F_SETFD, FD_CLOEXEC);

	if (sqlite3_open_v2(path, &sync_ckpt_db, SQLITE_OPEN_READWRITE|
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(sync_ckpt_db, "PRAGMA synchronous = FULL", NULL,
	    NULL, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, sync_ckpt_db == NULL ?
		    "out of memory" : sqlite3_errmsg(sync_ckpt_db));
		goto fail;
	}
	if (pthread_create(&sync_ckpt_thr, NULL, sync_ckpt_main, NULL) != 0) {
		xasprintf(cause, "pthread_create failed");
		goto fail;
	}
	sync_ckpt_on = 1;

	if (!durable)
		return (0);
	/*
	 * The log is only read here (opened read-only, never locked: SQLite
	 * locks the database and -shm files, not the log), and fdatasync
	 * flushes what SQLite wrote to it. SQLite's own way, synchronous
	 * FULL, would flush inside the COMMIT on the loop; a checkpoint also
	 * flushes the log, but copies it into the database file and flushes
	 * that too. The log's path and lifetime are documented (wal.html):
	 * it stays, cut to zero at most, while a connection is open. Its
	 * directory entry must be durable as well as its data.
	 */
	if ((sync_wal = open(sync_path, O_RDONLY|O_CLOEXEC)) == -1 ||
	    sync_dir(sync_path) != 0) {
		xasprintf(cause, "%s: %s", sync_path, strerror(errno));
		goto fail;
	}
	if (pthread_create(&sync_thr, NULL, sync_main, NULL) != 0) {
		xasprintf(cause, "pthread_create failed");
		goto fail;
	}
	sync_thr_on = 1;
	return (0);
fail:
	sync_stop();
	return (-1);
}

/* Stop the threads (after the last commit) and close what they used. */
void
sync_stop(void)
{
	pthread_mutex_lock(&sync_mtx);
	sync_quit = 1;
	pthread_cond_broadcast(&sync_cv);
	pthread_cond_broadcast(&sync_ckpt_cv);
	pthread_mutex_unlock(&sync_mtx);
	if (sync_thr_on)
		pthread_join(sync_thr, NULL);
	if (sync_ckpt_on)
		pthread_join(sync_ckpt_thr, NULL);
	sync_thr_on = sync_ckpt_on = 0;
	if (sync_ckpt_db != NULL)
		sqlite3_close(sync_ckpt_db);
	sync_ckpt_db = NULL;
	if (sync_wal != -1)
		close(sync_wal);
	if (sync_pipe[0] != -1) {
		close(sync_pipe[0]);
		close(sync_pipe[1]);
	}
	sync_wal = sync_pipe[0] = sync_pipe[1] = -1;
	sync_quit = sync_asked = sync_running = sync_errno = 0;
	sync_took = INT64_MAX;
	sync_ckpt_asked = 0;
	free(sync_path);
	sync_path = NULL;
}

/* Does a commit wait for a sync (threaded or inline) to count as durable? */
int
sync_durable(void)
{
	return (sync_thr_on);
}

/* The descriptor that becomes readable when a sync has finished. */
int
sync_fd(void)
{
	return (sync_thr_on ? sync_pipe[0] : -1);
}

/* Is a sync running (asked and not yet collected by sync_done)? */
int
sync_busy(void)
{
	return (sync_running);
}

/* Make everything committed so far durable, in the sync thread. */
void
sync_request(void)
{
	if (!sync_thr_on || sync_running)
		return;
	sync_asked_at = mono_us();
	pthread_mutex_lock(&sync_mtx);
	sync_asked = 1;
	sync_running = 1;
	pthread_cond_signal(&sync_cv);
	pthread_mutex_unlock(&sync_mtx);
}

/*
 * A sync ended with error (an errno, 0 if none): note how long it took;
 * 0, or -1 with *cause.
 */
static int
sync_ended(int error, char **cause)
{
	sync_ended_at = mono_us();
	sync_took = sync_ended_at - sync_asked_at;
	if (error == 0)
		return (0);
	xasprintf(cause, "%s: fdatasync: %s", sync_path, strerror(error));
	return (-1);
}

/*
 * Collect a finished sync: 1 if one finished and all is durable, 0 if none
 * has finished yet, -1 with *cause if fdatasync failed.
 */
int
sync_done(char **cause)
{
	char	buf[16];
	int	error;

	if (!sync_running)
		return (0);
	if (read(sync_pipe[0], buf, sizeof buf) <= 0)
		return (0);
	pthread_mutex_lock(&sync_mtx);
	error = sync_errno;
	sync_errno = 0;
	pthread_mutex_unlock(&sync_mtx);
	sync_running = 0;
	return (sync_ended(error, cause) == 0 ? 1 : -1);
}

/*
 * Is the disk quiet and fast: no sync running, none for half as long as
 * the last one took, and that one took at most SYNC_INLINE_MAX_US? Then a
 * sync on the loop's thread costs less than handing it to the sync thread.
 * (Under load commits follow the end of a sync at once; a message that
 * answers one just stored comes a wake-up or two later, under the whole
 * of a sync's time.) The first sync goes to the thread (nothing is known
 * of the disk yet).
 */
int
sync_quiet(void)
{
	if (!sync_thr_on || sync_running || sync_took > SYNC_INLINE_MAX_US)
		return (0);
	return (mono_us() - sync_ended_at > sync_took / 2);
}

/* Sync on the loop's thread (the disk being quiet): 0, or -1 with *cause. */
int
sync_inline(char **cause)
{
	sync_asked_at = mono_us();
	return (sync_ended(fdatasync(sync_wal) == 0 ? 0 : errno, cause));
}

/*
 * Sync now, on this thread, after any sync the thread is running (at
 * shutdown): 0, or -1 with *cause.
 */
int
sync_now(char **cause)
{
	char	*ignore = NULL;

	if (!sync_thr_on)
		return (0);
	while (sync_running) {
		struct timespec	ts = { 0, 1000000 };

		if (sync_done(&ignore) != 0)
			break;
		nanosleep(&ts, NULL);
	}
	free(ignore);
	return (sync_inline(cause));
}

/* The log holds frames pages after a commit: checkpoint if it is long. */
void
sync_wal_frames(int frames)
{
	if (!sync_ckpt_on || frames < SYNC_CHECKPOINT_FRAMES)
		return;
	pthread_mutex_lock(&sync_mtx);
	if (!sync_ckpt_busy && !sync_ckpt_asked) {
		sync_ckpt_asked = 1;
		pthread_cond_signal(&sync_ckpt_cv);
	}
	pthread_mutex_unlock(&sync_mtx);
}
