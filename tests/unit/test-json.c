/* test-json.c: JSON Lines output: escaping and structure. */

#include "p2pchat.h"

#include <limits.h>

#include "test.h"

TEST_GLOBALS;

/* Escape s and compare with want. */
static int
escapes_to(const char *s, size_t len, const char *want)
{
	struct buf	b;
	int		ok;

	buf_init(&b);
	json_escape(&b, s, len);
	ok = b.size == strlen(want) && memcmp(b.d, want, b.size) == 0;
	if (!ok)
		fprintf(stderr, "got %.*s want %s\n", (int)b.size, b.d, want);
	buf_free(&b);
	return (ok);
}

static void
test_json_escape(void)
{
	ASSERT_TRUE(escapes_to("plain", 5, "plain"));
	ASSERT_TRUE(escapes_to("a\"b\\c", 5, "a\\\"b\\\\c"));
	ASSERT_TRUE(escapes_to("\n\r\t\b\f", 5, "\\n\\r\\t\\b\\f"));
	ASSERT_TRUE(escapes_to("\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f"));
	ASSERT_TRUE(escapes_to("\0", 1, "\\u0000"));
	ASSERT_TRUE(escapes_to("\xc3\xa9", 2, "\\u00e9"));
	ASSERT_TRUE(escapes_to("\xe2\x98\x83", 3, "\\u2603"));
	ASSERT_TRUE(escapes_to("\xf0\x9f\x98\x80", 4, "\\ud83d\\ude00"));
	ASSERT_TRUE(escapes_to("\xc2\x85", 2, "\\u0085"));
	ASSERT_TRUE(escapes_to("\xe2\x80\xa8", 3, "\\u2028"));
	/* Invalid UTF-8 becomes U+FFFD, one per bad byte. */
	ASSERT_TRUE(escapes_to("a\xffz", 3, "a\\ufffdz"));
	ASSERT_TRUE(escapes_to("\xe2\x98", 2, "\\ufffd\\ufffd"));
}

static void
test_json_object(void)
{
	struct json	 j;
	const char	*line;
	size_t		 len;

	json_begin(&j, "peer");
	json_str(&j, "nick", "bob");
	json_int(&j, "n", -42);
	json_bool(&j, "ok", 1);
	json_hex(&j, "id", (const uint8_t *)"\xab\xcd", 2);
	json_str(&j, "none", NULL);
	line = json_end(&j, &len);
	ASSERT_INT_EQ(len, strlen(line));
	ASSERT_STR_EQ(line, "{\"event\":\"peer\",\"nick\":\"bob\",\"n\":-42,"
	    "\"ok\":true,\"id\":\"abcd\",\"none\":null}\n");
	buf_free(&j.b);
}

/* Integers to their ends, and a first member that is not "event". */
static void
test_json_int(void)
{
	struct json	 j;
	const char	*line;
	char		 want[160];
	size_t		 len;

	json_begin(&j, "n");
	json_int(&j, "zero", 0);
	json_int(&j, "min", LLONG_MIN);
	json_int(&j, "max", LLONG_MAX);
	json_int(&j, "ms", 1795989732021LL);
	line = json_end(&j, &len);
	snprintf(want, sizeof want, "{\"event\":\"n\",\"zero\":0,"
	    "\"min\":%lld,\"max\":%lld,\"ms\":1795989732021}\n",
	    LLONG_MIN, LLONG_MAX);
	ASSERT_STR_EQ(line, want);
	ASSERT_INT_EQ(len, strlen(want));
	buf_free(&j.b);
}

int
main(void)
{
	TEST_RUN(test_json_escape);
	TEST_RUN(test_json_object);
	TEST_RUN(test_json_int);
	return (test_done("test-json"));
}
