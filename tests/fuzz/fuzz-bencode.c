/*
 * fuzz-bencode.c: libFuzzer target for the bencode reader, the KRPC
 * message check, the peer record parser and the whole datagram handler
 * (dht.c, as a node that is not read-only, from a public address): what a
 * DHT node reads from any UDP sender. A parsed value must lie inside the
 * input, and re-encoding a parsed string gives back its raw bytes.
 */

#include "p2pchat.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Walk a parsed value: every span inside the input. */
static void
fuzz_walk(const struct benc *v, const uint8_t *data, size_t size)
{
	const struct benc	*c;
	struct buf		 b;

	if (v->raw < data || v->raw + v->rawlen > data + size)
		abort();
	if (v->type == BENC_STR) {
		if (v->s < data || v->s + v->len > data + size)
			abort();
		buf_init(&b);
		bencode_put_str(&b, v->s, v->len);
		if (b.size != v->rawlen || memcmp(b.d, v->raw, b.size) != 0)
			abort();
		buf_free(&b);
	}
	for (c = v->child; c != NULL; c = c->next)
		fuzz_walk(c, data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct benc_doc	 doc;
	static int		 ready;
	struct benc		*root;
	struct dht_found	 f;
	struct sockaddr_in	 from;
	char			*cause;

	if ((root = bencode_parse(&doc, data, size)) != NULL) {
		if (root->rawlen != size)
			abort();
		fuzz_walk(root, data, size);
	}
	dht_parse(data, size);
	if (!ready) {
		cfg_reset();
		if (cfg_set(CFG_DHT_READ_ONLY, "no", &cause) != 0)
			abort();
		ready = 1;
	}
	memset(&from, 0, sizeof from);
	from.sin_family = AF_INET;
	from.sin_addr.s_addr = htonl(0x01020304);
	from.sin_port = htons(6881);
	dht_input(&from, data, size);
	if (dht_record_parse(data, size, &f) == 0 &&
	    f.naddrs > DHT_RECORD_ADDRS)
		abort();
	return (0);
}
