/*
 * bench-history.c: history with many messages in one conversation, through
 * the store API: the insert rate (store_msg_add in transactions), a
 * 50-message page by key at the end, the middle and the start
 * (store_msg_page), a full-text search for a rare word
 * (store_msg_search), and opening the database in a fresh process.
 *
 * Usage: bench-history [DIR]	(the database goes in DIR, default TMPDIR)
 *        bench-history -o FILE	(internal: time one open in this process)
 * Sizes: BENCH_MESSAGES (default 1000000), BENCH_TX (messages per
 * transaction, default 10000).
 */

#include "bench.h"

#include <sys/wait.h>

#define PAGE		50
#define REPEAT		200
#define RARE_WORD	"xylograph"
#define RARE_COUNT	5
#define TEXT_LEN	100

static const char *history_words[] = {
	"hello", "there", "meeting", "tomorrow", "lunch", "see", "you",
	"thanks", "great", "idea", "the", "a", "and", "to", "of", "in", "is",
	"it", "that", "for", "on", "with", "was", "this", "are", "be", "at",
	"have", "not", "can", "will", "just", "code", "build", "test", "fix",
	"merge", "branch", "review", "later", "morning", "evening", "coffee",
	"train", "late", "soon", "ok", "sure", "maybe", "call", "me", "when",
	"done", "ready", "network", "peer", "message", "file", "photo",
	"weekend", "plan", "travel", "home", "work", "music", "book", "read",
};

/* Fill text with about TEXT_LEN bytes of words; the rare word if asked. */
static size_t
history_text(char *text, uint32_t seed, int rare)
{
	size_t		len = 0, w;
	const char	*word;
	u_int		i = 0;

	while (len < TEXT_LEN - 12) {
		seed = seed * 1103515245 + 12345;
		word = history_words[(seed >> 16) % nitems(history_words)];
		if (rare && i == 3)
			word = RARE_WORD;
		w = strlen(word);
		if (len != 0)
			text[len++] = ' ';
		memcpy(text + len, word, w);
		len += w;
		i++;
	}
	text[len] = '\0';
	return (len);
}

/* Time a page query REPEAT times; print the median and the first. */
static void
history_page(const char *name, int64_t conv, int dir, int64_t ts, int64_t id,
    int64_t *t)
{
	struct msg_list	 ml;
	char		*cause, label[128];
	int64_t		 start, first = 0;
	int		 i;
	u_int		 got = 0;

	for (i = 0; i < REPEAT; i++) {
		start = bench_ns();
		if (store_msg_page(conv, dir, ts, id, PAGE, &ml, &cause) != 0)
			fatalx("store_msg_page: %s", cause);
		t[i] = bench_ns() - start;
		if (i == 0)
			first = t[i];
		got = ml.n;
		msg_list_free(&ml);
	}
	if (got != PAGE)
		fatalx("page %s: %u messages", name, got);
	snprintf(label, sizeof label, "page of %d at the %s (median)", PAGE,
	    name);
	bench_figure(label, (double)bench_pct(t, REPEAT, 50) / 1e6, "ms",
	    "< 1");
	snprintf(label, sizeof label, "page of %d at the %s (first, max)",
	    PAGE, name);
	printf("%s: %.4f ms, %.4f ms\n", label, (double)first / 1e6,
	    (double)t[REPEAT - 1] / 1e6);
}

/* Time a search REPEAT / 10 times; print the median and the first. */
static void
history_search(const char *name, const char *word, const char *target,
    int64_t *t)
{
	struct msg_list	 ml;
	char		*cause, label[128];
	int64_t		 start, first = 0;
	int		 i, n = REPEAT / 10;
	u_int		 got = 0;

	for (i = 0; i < n; i++) {
		start = bench_ns();
		if (store_msg_search(word, 100, &ml, &cause) != 0)
			fatalx("store_msg_search: %s", cause);
		t[i] = bench_ns() - start;
		if (i == 0)
			first = t[i];
		got = ml.n;
		msg_list_free(&ml);
	}
	snprintf(label, sizeof label, "search for %s \"%s\", %u found "
	    "(median)", name, word, got);
	bench_figure(label, (double)bench_pct(t, n, 50) / 1e6, "ms", target);
	printf("search for %s (first): %.3f ms\n", name, (double)first / 1e6);
}

/*
 * Internal: open the database once and print the time in ns, and that of
 * the last page of the first conversation after it.
 */
static int
history_open_child(const char *path)
{
	struct msg_list	 ml;
	char		*cause;
	int64_t		 t0, t1, t2;

	t0 = bench_ns();
	if (store_open(path, &cause) != 0)
		fatalx("store_open: %s", cause);
	t1 = bench_ns();
	if (store_msg_page(1, 0, 0, 0, PAGE, &ml, &cause) != 0)
		fatalx("store_msg_page: %s", cause);
	t2 = bench_ns();
	msg_list_free(&ml);
	store_close();
	printf("%lld %lld\n", (long long)(t1 - t0), (long long)(t2 - t1));
	return (0);
}

/* Open the database in a fresh process (exec of this program). */
static void
history_open_cold(const char *self, const char *path)
{
	FILE		*f;
	char		 cmd[PATH_MAX * 2 + 16];
	long long	 open_ns, page_ns;
	int		 i;

	for (i = 0; i < 3; i++) {
		snprintf(cmd, sizeof cmd, "'%s' -o '%s'", self, path);
		if ((f = popen(cmd, "r")) == NULL)
			fatal("popen");
		if (fscanf(f, "%lld %lld", &open_ns, &page_ns) != 2)
			fatalx("the open child did not report");
		pclose(f);
		printf("open in a fresh process, run %d: store_open %.3f ms, "
		    "then the last page %.3f ms\n", i + 1,
		    (double)open_ns / 1e6, (double)page_ns / 1e6);
	}
	bench_figure("open in a fresh process (store_open, last run)",
	    (double)open_ns / 1e6, "ms", "< 100");
}

int
main(int argc, char **argv)
{
	struct msg	 m;
	struct stat	 sb;
	char		 path[PATH_MAX], side[PATH_MAX + 8], *cause;
	char		 text[TEXT_LEN + 32];
	const char	*dir;
	uint8_t		 peer[PEER_ID_LEN], me[PEER_ID_LEN];
	int64_t		 dbid, conv, base, start, end, end2, mid_ts = 0, mid_id = 0;
	double		 insert_s;
	int64_t		*t;
	long		 total, per_tx, i, rare_every;
	int		 dup;

	if (argc == 3 && strcmp(argv[1], "-o") == 0)
		return (history_open_child(argv[2]));
	if (sodium_init() < 0)
		fatalx("sodium_init");
	total = bench_env("BENCH_MESSAGES", 1000000);
	per_tx = bench_env("BENCH_TX", 10000);
	if ((dir = argc > 1 ? argv[1] : getenv("TMPDIR")) == NULL)
		dir = "/tmp";
	snprintf(path, sizeof path, "%s/bench-history.%ld.db", dir,
	    (long)getpid());
	bench_header("issue 4: history in one conversation (store API)");
	printf("messages: %ld of about %d bytes, %ld per transaction, in %s\n",
	    total, TEXT_LEN, per_tx, path);

	if (store_open(path, &cause) != 0)
		fatalx("store_open: %s", cause);
	randombytes_buf(peer, sizeof peer);
	randombytes_buf(me, sizeof me);
	if (store_begin(&cause) != 0 ||
	    store_peer_add(peer, "peer", 0, &dbid, &conv, &cause) != 0 ||
	    store_commit(&cause) != 0)
		fatalx("store_peer_add: %s", cause);

	rare_every = total / RARE_COUNT;
	base = now_ms() - total;
	start = bench_ns();
	for (i = 0; i < total; i++) {
		if (i % per_tx == 0 && store_begin(&cause) != 0)
			fatalx("store_begin: %s", cause);
		memset(&m, 0, sizeof m);
		m.conv = conv;
		randombytes_buf(m.id, sizeof m.id);
		m.outgoing = i % 2;
		memcpy(m.author, m.outgoing ? me : peer, PEER_ID_LEN);
		m.state = m.outgoing ? MSG_DELIVERED : MSG_RECEIVED;
		m.ts = m.stored = base + i;
		m.len = history_text(text, (uint32_t)i,
		    rare_every != 0 && i % rare_every == rare_every / 2);
		m.text = text;
		if (store_msg_add(&m, &dup, &cause) != 0)
			fatalx("store_msg_add: %s", cause);
		if (i == total / 2) {
			mid_ts = m.ts;
			mid_id = m.rowid;
		}
		if ((i + 1) % per_tx == 0 && store_commit(&cause) != 0)
			fatalx("store_commit: %s", cause);
	}
	if (store_commit(&cause) != 0)
		fatalx("store_commit: %s", cause);
	end = bench_ns();
	insert_s = bench_sec(start, end);
	bench_figure("insert rate", (double)total / bench_sec(start, end),
	    "messages/s", NULL);
	bench_figure("insert time", bench_sec(start, end), "s", NULL);
	/* The node indexes for search in the background; here, at once. */
	start = bench_ns();
	if (store_index_all(&cause) != 0)
		fatalx("store_index_all: %s", cause);
	end2 = bench_ns();
	bench_figure("full-text indexing rate", (double)total /
	    bench_sec(start, end2), "messages/s", NULL);
	bench_figure("insert and index rate", (double)total /
	    (bench_sec(start, end2) + insert_s), "messages/s", NULL);

	t = xcalloc(REPEAT, sizeof *t);
	history_page("end", conv, 0, 0, 0, t);
	history_page("middle", conv, -1, mid_ts, mid_id, t);
	history_page("start", conv, 1, 0, 0, t);
	history_search("a rare word", RARE_WORD, "< 50", t);
	history_search("a common word", "coffee", NULL, t);
	store_close();
	if (stat(path, &sb) == 0)
		printf("database size: %.1f MiB\n", sb.st_size / 1048576.0);

	history_open_cold(argv[0], path);
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	free(t);
	return (0);
}
