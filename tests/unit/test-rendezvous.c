/* test-rendezvous.c: the room rendezvous info hash of p2pchat-protocol(7). */

#include "p2pchat.h"

#include "test.h"

TEST_GLOBALS;

/* The example of the man page: #test without a secret, day 20000. */
static void
test_rendezvous_vector(void)
{
	uint8_t	id[32], key[32], h[20], h2[20];
	char	x[41];

	room_keys("#test", "", id, key);
	rendezvous_hash(key, 20000, h);
	hex_encode(h, sizeof h, x);
	ASSERT_STR_EQ(x, "8d69756aaee586f743b1c9198c92c09d967df069");
	/* Another day, another hash; never the room id. */
	rendezvous_hash(key, 20001, h2);
	ASSERT_TRUE(memcmp(h, h2, sizeof h) != 0);
	ASSERT_TRUE(memcmp(h, id, sizeof h) != 0);
}

int
main(void)
{
	TEST_RUN(test_rendezvous_vector);
	return (test_done("test-rendezvous"));
}
