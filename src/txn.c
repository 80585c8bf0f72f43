/*
 * txn.c: the turn's transaction, from the first write to durable.
 *
 * The store opens a transaction on the first write of a loop turn and says
 * so (txn_begun); the commit runs at the end of the turn. Work that must
 * wait is registered with txn_after: TXN_COMMITTED work runs once what was
 * written so far is committed (in the database file: it survives a crash
 * of this process), TXN_DURABLE work once it is also on the disk (with
 * [store] sync = full, after the sync thread's fdatasync of the log, or an
 * inline one when the disk is quiet). Work waits for the transaction open
 * when it is registered, or for the next one; it runs in the order it was
 * registered, with ok 0 if the commit or the sync failed (what waited for
 * it is then dropped, not done).
 *
 * While a sync runs no commit is made: the turns meanwhile add to the open
 * transaction, which is committed when the sync is over (a group commit
 * sized by the disk). A transaction that only wrote what may wait for a
 * later sync (store_lazy) is not synced: the work waiting on it runs at
 * once. Nothing outside this file compares transaction generations.
 */

#include "p2pchat.h"

struct txn_work {
	txn_cb		*fn;
	void		*arg;
	uint64_t	 gen;		/* of the transaction waited for */
};

/* A queue of work in registration order: a ring that only grows. */
struct txn_queue {
	struct txn_work	*v;
	size_t		 head;
	size_t		 n;
	size_t		 alloc;		/* a power of two */
};

static struct txn_queue	 txn_q[3];	/* TXN_BEFORE, _COMMITTED, _DURABLE */
static uint64_t		 txn_gen = 1;	/* of the open (or next) one */
static int		 txn_wanted;	/* a commit was asked for in a sync */
static struct event	*txn_commit_ev;
static struct event	*txn_sync_ev;	/* the sync thread is done */
static struct event	*txn_inline_ev;	/* sync on this thread, after writes */
static uint64_t		 txn_inline_gen;
static int		 txn_inline_due;	/* and not yet run */

/* Add work to a queue. */
static void
txn_push(struct txn_queue *q, txn_cb *fn, void *arg, uint64_t gen)
{
	struct txn_work	*v;
	size_t		 i, alloc;

	if (q->n == q->alloc) {
		alloc = q->alloc == 0 ? 256 : q->alloc * 2;
		v = xreallocarray(NULL, alloc, sizeof *v);
		for (i = 0; i < q->n; i++)
			v[i] = q->v[(q->head + i) & (q->alloc - 1)];
		free(q->v);
		q->v = v;
		q->head = 0;
		q->alloc = alloc;
	}
	v = &q->v[(q->head + q->n++) & (q->alloc - 1)];
	v->fn = fn;
	v->arg = arg;
	v->gen = gen;
}

/* Run the work of a queue that waited for transactions up to gen. */
static void
txn_run(struct txn_queue *q, uint64_t gen, int ok)
{
	struct txn_work	w;

	while (q->n != 0 && q->v[q->head].gen <= gen) {
		w = q->v[q->head];
		q->head = (q->head + 1) & (q->alloc - 1);
		q->n--;
		w.fn(w.arg, ok);
	}
}

/* Ask for a commit at the end of this loop turn. */
static void
txn_schedule(void)
{
	if (txn_commit_ev != NULL && !event_pending(txn_commit_ev,
	    EV_TIMEOUT, NULL))
		event_active(txn_commit_ev, EV_TIMEOUT, 0);
}

/* The store opened a transaction: commit it at the end of the turn. */
void
txn_begun(void)
{
	txn_schedule();
}

/*
 * Run fn(arg, ok) once what was written so far (and whatever else the
 * open transaction takes) is committed (TXN_COMMITTED) or durable
 * (TXN_DURABLE); TXN_BEFORE runs it just before the commit, inside the
 * transaction (to write what was kept back during the turn).
 */
void
txn_after(int when, txn_cb *fn, void *arg)
{
	if (when < TXN_BEFORE || when > TXN_DURABLE)
		fatalx("%s: when %d", __func__, when);
	txn_push(&txn_q[when], fn, arg, txn_gen);
	txn_schedule();
}

/* Transaction gen is durable (ok 0 if its sync failed). */
static void
txn_durable(uint64_t gen, int ok)
{
	txn_run(&txn_q[TXN_DURABLE], gen, ok);
	if (fe->flush != NULL)
		fe->flush();
}

/*
 * The disk is quiet: sync on this thread. A zero timer runs this after the
 * loop has polled and written out what the commit let go, so the peer has
 * it while we wait. (At a lower priority than the sockets' it starved
 * under a flood of records, and with it every commit after it.)
 */
static void
txn_inline_cb(evutil_socket_t fd, short what, void *arg)
{
	char	*cause;
	int	 ok = 1;

	txn_inline_due = 0;
	if (sync_inline(&cause) != 0) {
		fe_store_error(__func__, cause);
		ok = 0;
	}
	txn_durable(txn_inline_gen, ok);
	if (txn_wanted)
		txn_schedule();
}

/*
 * End of a loop turn: run the work due before the commit, commit, run what
 * waited for the commit, and start the sync that makes it durable.
 */
static void
txn_commit_cb(evutil_socket_t fd, short what, void *arg)
{
	char		*cause;
	uint64_t	 gen = txn_gen;
	int		 ok = 1, wrote, durable;

	if (sync_busy() || txn_inline_due) {
		txn_wanted = 1;
		return;
	}
	txn_wanted = 0;
	txn_run(&txn_q[TXN_BEFORE], gen, 1);
	wrote = store_pending();
	if (!wrote && txn_q[TXN_COMMITTED].n == 0 &&
	    txn_q[TXN_DURABLE].n == 0)
		return;
	/* Only marks and indexing written: the next sync takes them. */
	durable = wrote && !store_lazy() && sync_durable();
	if (store_commit(&cause) != 0) {
		fe_store_error(__func__, cause);
		ok = 0;
	}
	txn_gen++;
	txn_run(&txn_q[TXN_COMMITTED], gen, ok);
	if (!ok)
		txn_run(&txn_q[TXN_DURABLE], gen, 0);
	else if (durable && sync_quiet()) {
		txn_inline_gen = gen;
		txn_inline_due = 1;
		timer_add_ms(txn_inline_ev, 0);
	} else if (durable)
		sync_request();
	else
		txn_durable(gen, 1);	/* earlier ones are durable already */
	if (ok && store_take_added())
		index_later();
}

/* The sync thread finished: what waited for durability can go. */
static void
txn_synced_cb(evutil_socket_t fd, short what, void *arg)
{
	char	*cause = NULL;
	int	 rc;

	if ((rc = sync_done(&cause)) == 0)
		return;
	if (rc < 0)
		fe_store_error(__func__, cause);
	txn_durable(txn_gen - 1, rc > 0);
	if (txn_wanted)
		txn_schedule();
}

/* Make the events: the commit, and hearing from the sync thread. */
void
txn_init(void)
{
	/*
	 * The commit runs at the I/O events' priority, after the callbacks
	 * already active this turn. At a lower one it starved while input
	 * kept coming: a sender stored a whole burst of commands before it
	 * sent any, and its peer sat idle meanwhile.
	 */
	txn_commit_ev = event_new(node_base, -1, 0, txn_commit_cb, NULL);
	event_priority_set(txn_commit_ev, 1);
	txn_inline_ev = evtimer_new(node_base, txn_inline_cb, NULL);
	event_priority_set(txn_inline_ev, 1);
	if (sync_fd() != -1) {
		txn_sync_ev = event_new(node_base, sync_fd(),
		    EV_READ|EV_PERSIST, txn_synced_cb, NULL);
		event_priority_set(txn_sync_ev, 1);
		event_add(txn_sync_ev, NULL);
	}
	if (store_pending())
		txn_schedule();
}

/*
 * The last commit (shutting down): commit, sync, run all that waited, and
 * free the events.
 */
void
txn_shutdown(void)
{
	char	*cause;
	int	 i, ok = 1;

	if (txn_inline_due)
		txn_inline_cb(-1, 0, NULL);
	txn_run(&txn_q[TXN_BEFORE], txn_gen, 1);
	if (store_commit(&cause) != 0 || sync_now(&cause) != 0) {
		log_warnx("%s: %s", __func__, cause);
		free(cause);
		ok = 0;
	}
	txn_run(&txn_q[TXN_COMMITTED], txn_gen, ok);
	txn_run(&txn_q[TXN_DURABLE], txn_gen, ok);
	txn_gen++;
	if (txn_commit_ev != NULL)
		event_free(txn_commit_ev);
	if (txn_inline_ev != NULL)
		event_free(txn_inline_ev);
	if (txn_sync_ev != NULL)
		event_free(txn_sync_ev);
	txn_commit_ev = txn_inline_ev = txn_sync_ev = NULL;
	for (i = 0; i < (int)nitems(txn_q); i++) {
		free(txn_q[i].v);
		memset(&txn_q[i], 0, sizeof txn_q[i]);
	}
}
