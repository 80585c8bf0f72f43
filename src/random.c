/*
 * random.c: random bytes for ids.
 */

#include "p2pchat.h"

/*
 * Random bytes for ids, from a buffer refilled from the kernel's generator
 * 4 KiB at a time: one system call per 256 message ids, not one each.
 */
void
random_id(void *out, size_t len)
{
	static u_char	pool[4096];
	static size_t	left;
	u_char		*o = out;
	size_t		 n;

	while (len > 0) {
		if (left == 0) {
			randombytes_buf(pool, sizeof pool);
			left = sizeof pool;
		}
		n = len < left ? len : left;
		memcpy(o, pool + sizeof pool - left, n);
		sodium_memzero(pool + sizeof pool - left, n);
		left -= n;
		o += n;
		len -= n;
	}
}
