/* test-store.c: the SQLite store: schema, peers, messages, paging, search. */

#include "p2pchat.h"
#include "test.h"

TEST_GLOBALS;

static char		 dir[] = "/tmp/p2pchat-test-store.XXXXXX";
static char		*path;

/* Store one message in conversation conv. */
static int64_t
add_msg(int64_t conv, int i, int outgoing, int64_t ts, const char *text)
{
	struct msg	 m;
	char		*cause;
	int		 dup;

	memset(&m, 0, sizeof m);
	m.conv = conv;
	memcpy(m.id, &i, sizeof i);
	m.outgoing = outgoing;
	m.state = outgoing ? MSG_PENDING : MSG_RECEIVED;
	m.ts = ts;
	m.stored = ts;
	m.text = (char *)text;
	m.len = strlen(text);
	if (store_msg_add(&m, &dup, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return (-1);
	}
	return (dup ? 0 : m.rowid);
}

/* Store n outgoing messages with random ids, then deliver all. */
static void
test_store_flights(int64_t conv)
{
	struct msg_list	 ml, m2;
	struct msg	 m;
	char		*cause = NULL;
	uint64_t	 steps;
	u_int		 i, j, n = 20000, held;
	int		 dup;

	ASSERT_INT_EQ(store_begin(&cause), 0);
	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof m);
		m.conv = conv;
		random_id(m.id, MSGID_LEN);
		m.outgoing = 1;
		m.state = MSG_PENDING;
		m.ts = m.stored = 5000 + i;
		m.text = (char *)"in flight";
		m.len = 9;
		ASSERT_INT_EQ(store_msg_add(&m, &dup, &cause), 0);
	}
	ASSERT_INT_EQ(store_commit(&cause), 0);
	held = store_flights_held();
	ASSERT_INT_EQ(held, 499 + n);
	/* The outbox and these are all in flight: deliver them, shuffled. */
	ASSERT_INT_EQ(store_msg_outbox(conv, 0, &ml, &cause), 0);
	ASSERT_INT_EQ(ml.n, held);
	ASSERT_INT_EQ(store_flights_held(), held);

	/*
	 * Work that must not grow with the conversation (21,000 rows), in
	 * SQLite VM steps: marking the last 10 sent, marking one sent again,
	 * reading an outbox that has nothing new, and an ACK (below). A scan
	 * of the conversation takes hundreds of thousands.
	 */
	ASSERT_INT_EQ(store_begin(&cause), 0);
	store_vm_steps();
	ASSERT_INT_EQ(store_msg_sent(conv, ml.v[ml.n - 11].rowid,
	    ml.v[ml.n - 1].rowid, &cause), 10);
	steps = store_vm_steps();
	ASSERT_TRUE(steps < 5000);
	ASSERT_INT_EQ(store_msg_state(conv, ml.v[ml.n - 1].id, MSG_SENT,
	    &cause), 0);
	steps = store_vm_steps();
	ASSERT_TRUE(steps < 500);
	ASSERT_INT_EQ(store_commit(&cause), 0);
	ASSERT_INT_EQ(store_msg_outbox(conv, ml.v[ml.n - 1].rowid, &m2,
	    &cause), 0);
	ASSERT_INT_EQ(m2.n, 0);
	steps = store_vm_steps();
	ASSERT_TRUE(steps < 500);
	msg_list_free(&m2);
	/*
	 * The first half in order (runs of row ids marked in one UPDATE),
	 * the rest shuffled. A read in between sees them marked.
	 */
	for (i = ml.n - 1; i > ml.n / 2; i--) {
		j = ml.n / 2 + randombytes_uniform(i - ml.n / 2 + 1);
		m = ml.v[i];
		ml.v[i] = ml.v[j];
		ml.v[j] = m;
	}
	ASSERT_INT_EQ(store_begin(&cause), 0);
	store_vm_steps();
	for (i = 0; i < ml.n; i++) {
		ASSERT_INT_EQ(store_msg_state(conv, ml.v[i].id, MSG_DELIVERED,
		    &cause), 1);
		if (i == 0)
			ASSERT_TRUE(store_vm_steps() < 500);
		ASSERT_INT_EQ(store_flights_held(), held - i - 1);
		if (i == ml.n / 2) {
			/* ACKed again in the same transaction: no change. */
			ASSERT_INT_EQ(store_msg_state(conv, ml.v[i].id,
			    MSG_DELIVERED, &cause), 0);
			ASSERT_INT_EQ(store_msg_outbox(conv, 0, &m2, &cause),
			    0);
			ASSERT_INT_EQ(m2.n, ml.n - i - 1);
			ASSERT_TRUE(m2.v[0].rowid > ml.v[0].rowid);
			msg_list_free(&m2);
		}
	}
	ASSERT_INT_EQ(store_commit(&cause), 0);
	ASSERT_INT_EQ(store_msg_outbox(conv, 0, &m2, &cause), 0);
	ASSERT_INT_EQ(m2.n, 0);
	msg_list_free(&m2);
	msg_list_free(&ml);
}

static void
test_store_messages(void)
{
	struct msg_list	 ml;
	struct msg	 m;
	char		*cause = NULL;
	uint8_t		 pid[PEER_ID_LEN];
	int64_t		 dbid, conv;
	int		 i, id5 = 5;

	ASSERT_INT_EQ(store_open(path, &cause), 0);
	ASSERT_INT_EQ(store_begin(&cause), 0);
	memset(pid, 9, sizeof pid);
	ASSERT_INT_EQ(store_peer_add(pid, "bob", 0, &dbid, &conv, &cause), 0);
	for (i = 0; i < 1000; i++)
		ASSERT_TRUE(add_msg(conv, i, i % 2, 1000 + i,
		    i == 500 ? "a rare zebra word" : "common text") > 0);
	/* A message again (same id and sent_at) is not stored twice. */
	ASSERT_INT_EQ(add_msg(conv, 5, 1, 1005, "dup"), 0);
	/* Nor under another sent_at: the id makes it the same message. */
	ASSERT_INT_EQ(add_msg(conv, 6, 0, 7777, "dup at another time"), 0);
	ASSERT_INT_EQ(add_msg(conv, 7, 1, 1, "dup at an earlier time"), 0);
	ASSERT_INT_EQ(store_commit(&cause), 0);
	ASSERT_INT_EQ(store_msg_page(conv, 1, 7777, 0, 3, &ml, &cause), 0);
	ASSERT_INT_EQ(ml.n, 0);
	msg_list_free(&ml);

	/* The last page, then the page before it, by key. */
	ASSERT_INT_EQ(store_msg_page(conv, 0, 0, 0, 50, &ml, &cause), 0);
	ASSERT_INT_EQ(ml.n, 50);
	ASSERT_INT_EQ(ml.v[0].ts, 1999);
	ASSERT_INT_EQ(ml.v[49].ts, 1950);
	m = ml.v[49];
	m.text = NULL;
	msg_list_free(&ml);
	ASSERT_INT_EQ(store_msg_page(conv, -1, m.ts, m.rowid, 50, &ml,
	    &cause), 0);
	ASSERT_INT_EQ(ml.n, 50);
	ASSERT_INT_EQ(ml.v[0].ts, 1949);
	msg_list_free(&ml);
	ASSERT_INT_EQ(store_msg_page(conv, 1, 1000, 0, 3, &ml, &cause), 0);
	ASSERT_INT_EQ(ml.n, 3);
	ASSERT_INT_EQ(ml.v[0].ts, 1000);
	msg_list_free(&ml);

	/* The outbox holds the 500 outgoing ones; delivery removes one. */
	ASSERT_INT_EQ(store_msg_outbox(conv, 0, &ml, &cause), 0);
	ASSERT_INT_EQ(ml.n, 500);
	msg_list_free(&ml);
	ASSERT_INT_EQ(store_begin(&cause), 0);
	ASSERT_INT_EQ(store_lazy(), 1);
	memset(m.id, 0, sizeof m.id);
	memcpy(m.id, &id5, sizeof id5);
	ASSERT_INT_EQ(store_msg_state(conv, m.id, MSG_DELIVERED, &cause), 1);
	/* A delivery mark alone may wait for a later sync; a message not. */
	ASSERT_INT_EQ(store_lazy(), 1);
	/* No going back, and no second change. */
	ASSERT_INT_EQ(store_msg_state(conv, m.id, MSG_SENT, &cause), 0);
	ASSERT_INT_EQ(store_msg_state(conv, m.id, MSG_DELIVERED, &cause), 0);
	ASSERT_INT_EQ(store_lazy(), 1);
	ASSERT_TRUE(add_msg(conv, 4000, 0, 4000, "received") > 0);
	ASSERT_INT_EQ(store_lazy(), 0);
	ASSERT_INT_EQ(store_commit(&cause), 0);
	ASSERT_INT_EQ(store_lazy(), 0);
	ASSERT_INT_EQ(store_msg_outbox(conv, 0, &ml, &cause), 0);
	ASSERT_INT_EQ(ml.n, 499);
	msg_list_free(&ml);

	/*
	 * The table of messages in flight, through growing, shrinking and
	 * removals in random order: every ACK finds its row there (none is
	 * left over, none lost), and a message delivered is gone from it.
	 */
	ASSERT_INT_EQ(store_flights_held(), 499);
	test_store_flights(conv);
	ASSERT_INT_EQ(store_flights_held(), 0);

	/* Full-text search, with FTS5 syntax taken literally. */
	ASSERT_INT_EQ(store_msg_search("zebra", 10, &ml, &cause), 0);
	ASSERT_INT_EQ(ml.n, 1);
	ASSERT_STR_EQ(ml.v[0].text, "a rare zebra word");
	msg_list_free(&ml);
	ASSERT_INT_EQ(store_msg_search("\"zebra AND (", 10, &ml, &cause), 0);
	ASSERT_INT_EQ(ml.n, 0);
	msg_list_free(&ml);
	ASSERT_INT_EQ(store_msg_search("   ", 10, &ml, &cause), -1);
	free(cause);

	/*
	 * After a restart nothing is in flight in memory: an ACK finds its
	 * message through the outbox, without a pass over the conversation's
	 * 21,000 rows.
	 */
	ASSERT_INT_EQ(store_begin(&cause), 0);
	ASSERT_TRUE(add_msg(conv, 77777, 1, 90000, "sent before a restart")
	    > 0);
	ASSERT_INT_EQ(store_commit(&cause), 0);
	store_close();
	ASSERT_INT_EQ(store_open(path, &cause), 0);
	ASSERT_INT_EQ(store_flights_held(), 0);
	ASSERT_INT_EQ(store_begin(&cause), 0);
	/* The ids stored lately before the restart are known again. */
	ASSERT_INT_EQ(add_msg(conv, 77777, 1, 5, "dup after a restart"), 0);
	memset(m.id, 0, sizeof m.id);
	i = 77777;
	memcpy(m.id, &i, sizeof i);
	store_vm_steps();
	ASSERT_INT_EQ(store_msg_state(conv, m.id, MSG_DELIVERED, &cause), 1);
	ASSERT_TRUE(store_vm_steps() < 500);
	ASSERT_INT_EQ(store_commit(&cause), 0);
	ASSERT_INT_EQ(store_msg_outbox(conv, 0, &ml, &cause), 0);
	ASSERT_INT_EQ(ml.n, 0);
	msg_list_free(&ml);
	store_close();
}

/* Hold RELAY number n for rcpt from author a, brought from addr in net. */
static int
relay_put(uint8_t a, uint8_t rcpt, int n, const char *addr, const char *net,
    const struct relay_bounds *rb)
{
	uint8_t	 author[PEER_ID_LEN], to[PEER_ID_LEN], id[MSGID_LEN];
	char	*cause = NULL;
	int	 rc;

	memset(author, a, sizeof author);
	memset(to, rcpt, sizeof to);
	memset(id, 0, sizeof id);
	memcpy(id, &n, sizeof n);
	rc = store_relay_put(to, author, id, now_ms() + 1000000,
	    (const u_char *)"m", 1, addr, net, rb, &cause);
	if (rc < 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
	}
	return (rc);
}

/* Count what store_relay_for hands over; remember the last record. */
static void
relay_count(int kind, const u_char *rec, size_t len, void *arg)
{
	u_int	*n = arg;

	n[kind]++;
	n[2] = len == 3 && memcmp(rec, "ack", 3) == 0;
}

/*
 * The relay bounds: per author, per address, per network and in total;
 * an ACK takes the place of the message it acknowledges, and counts
 * against what brought it.
 */
static void
test_store_relay(void)
{
	struct relay_bounds	 rb = { 3, 4, 6, 8 };
	uint8_t			 a[PEER_ID_LEN], r[PEER_ID_LEN], id[MSGID_LEN];
	char			*cause = NULL;
	u_int			 n[3];
	int			 zero = 0, nine = 9;

	ASSERT_INT_EQ(store_open(path, &cause), 0);
	ASSERT_INT_EQ(store_begin(&cause), 0);
	ASSERT_INT_EQ(relay_put(1, 50, 0, "10.0.0.1", "10.0.0.0/24", &rb), 1);
	ASSERT_INT_EQ(relay_put(1, 50, 0, "10.0.0.1", "10.0.0.0/24", &rb), 0);
	ASSERT_INT_EQ(relay_put(1, 51, 1, "10.0.0.1", "10.0.0.0/24", &rb), 1);
	ASSERT_INT_EQ(relay_put(1, 52, 2, "10.0.0.1", "10.0.0.0/24", &rb), 1);
	/* The author's three; its fresh key from the same address, one. */
	ASSERT_INT_EQ(relay_put(1, 53, 3, "10.0.0.9", "10.0.9.0/24", &rb), 0);
	ASSERT_INT_EQ(relay_put(2, 53, 3, "10.0.0.1", "10.0.0.0/24", &rb), 1);
	ASSERT_INT_EQ(relay_put(3, 53, 4, "10.0.0.1", "10.0.0.0/24", &rb), 0);
	/* Another address of the network: two more, then the network. */
	ASSERT_INT_EQ(relay_put(3, 53, 4, "10.0.0.2", "10.0.0.0/24", &rb), 1);
	ASSERT_INT_EQ(relay_put(3, 53, 5, "10.0.0.2", "10.0.0.0/24", &rb), 1);
	ASSERT_INT_EQ(relay_put(4, 53, 6, "10.0.0.3", "10.0.0.0/24", &rb), 0);
	/* Another network: two more, then the total. */
	ASSERT_INT_EQ(relay_put(4, 53, 6, "10.0.1.1", "10.0.1.0/24", &rb), 1);
	ASSERT_INT_EQ(relay_put(4, 53, 7, "10.0.1.1", "10.0.1.0/24", &rb), 1);
	ASSERT_INT_EQ(relay_put(5, 53, 8, "10.0.2.1", "10.0.2.0/24", &rb), 0);

	/* An ACK for a message not held, or from another author: nothing. */
	memset(a, 1, sizeof a);
	memset(r, 50, sizeof r);
	memset(id, 0, sizeof id);
	memcpy(id, &nine, sizeof nine);
	ASSERT_INT_EQ(store_relay_acked(a, r, id, 5, (const u_char *)"ack", 3,
	    &cause), 0);
	memcpy(id, &zero, sizeof zero);
	a[0] = 2;
	ASSERT_INT_EQ(store_relay_acked(a, r, id, 5, (const u_char *)"ack", 3,
	    &cause), 0);
	/* The ACK for author 1's message 0 to 50 takes its place. */
	a[0] = 1;
	ASSERT_INT_EQ(store_relay_acked(a, r, id, INT64_MAX,
	    (const u_char *)"ack", 3, &cause), 1);
	memset(n, 0, sizeof n);
	ASSERT_INT_EQ(store_relay_for(r, relay_count, n, &cause), 0);
	ASSERT_INT_EQ(n[0] + n[1], 0);
	memset(n, 0, sizeof n);
	ASSERT_INT_EQ(store_relay_for(a, relay_count, n, &cause), 0);
	ASSERT_INT_EQ(n[0], 0);
	ASSERT_INT_EQ(n[1], 1);
	ASSERT_INT_EQ(n[2], 1);
	/* Still eight rows, and still three for author 1. */
	ASSERT_INT_EQ(relay_put(6, 53, 9, "10.0.3.1", "10.0.3.0/24", &rb), 0);
	rb.total = 100;
	ASSERT_INT_EQ(relay_put(1, 54, 9, "10.0.3.1", "10.0.3.0/24", &rb), 0);
	/* Handed over, the ACK is gone and the author may be held again. */
	ASSERT_INT_EQ(store_relay_del(a, id, 1, &cause), 0);
	ASSERT_INT_EQ(relay_put(1, 54, 9, "10.0.3.1", "10.0.3.0/24", &rb), 1);
	ASSERT_INT_EQ(store_commit(&cause), 0);
	store_close();
}

static void
test_store_reopen(void)
{
	char	*cause = NULL;

	/* Reopening finds the same schema version and data. */
	ASSERT_INT_EQ(store_open(path, &cause), 0);
	store_close();
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return (1);
	xasprintf(&path, "%s/test.db", dir);
	TEST_RUN(test_store_messages);
	TEST_RUN(test_store_relay);
	TEST_RUN(test_store_reopen);
	unlink(path);
	free(path);
	xasprintf(&path, "rm -rf %s", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(path);
	return (test_done("test-store"));
}
