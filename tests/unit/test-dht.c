/* test-dht.c: BEP 42 node ids, with the examples of BEP 42. */

#include "p2pchat.h"

#include "test.h"

TEST_GLOBALS;

static const struct {
	uint8_t		 ip[4];
	uint8_t		 rnd;
	const char	*id;
} bep42[] = {
	{ { 124, 31, 75, 21 }, 1,
	  "5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401" },
	{ { 21, 75, 31, 124 }, 86,
	  "5a3ce9c14e7a08645677bbd1cfe7d8f956d53256" },
	{ { 65, 23, 51, 170 }, 22,
	  "a5d43220bc8f112a3d426c84764f8c2a1150e616" },
	{ { 84, 124, 73, 14 }, 65,
	  "1b0321dd1bb1fe518101ceef99462b947a01ff41" },
	{ { 43, 213, 53, 83 }, 90,
	  "e56f6cbf5b7c4be0237986d5243b87aa6d51305a" },
};

/* The examples' ids are good for their addresses, not for others. */
static void
test_dht_bep42_check(void)
{
	uint8_t	id[20];
	u_int	i;

	for (i = 0; i < nitems(bep42); i++) {
		ASSERT_INT_EQ(hex_decode(bep42[i].id, id, sizeof id), 0);
		ASSERT_TRUE(dht_bep42_ok(bep42[i].ip, id));
		ASSERT_TRUE(!dht_bep42_ok(bep42[(i + 1) % nitems(bep42)].ip,
		    id));
		id[0] ^= 0x80;
		ASSERT_TRUE(!dht_bep42_ok(bep42[i].ip, id));
	}
}

/* A made id has the examples' first 21 bits and last byte. */
static void
test_dht_bep42_make(void)
{
	uint8_t	id[20], want[20];
	u_int	i;

	for (i = 0; i < nitems(bep42); i++) {
		ASSERT_INT_EQ(hex_decode(bep42[i].id, want, sizeof want), 0);
		dht_bep42_id(bep42[i].ip, bep42[i].rnd, id);
		ASSERT_INT_EQ(id[0], want[0]);
		ASSERT_INT_EQ(id[1], want[1]);
		ASSERT_INT_EQ(id[2] & 0xf8, want[2] & 0xf8);
		ASSERT_INT_EQ(id[19], want[19]);
		ASSERT_TRUE(dht_bep42_ok(bep42[i].ip, id));
	}
}

int
main(void)
{
	TEST_RUN(test_dht_bep42_check);
	TEST_RUN(test_dht_bep42_make);
	return (test_done("test-dht"));
}
