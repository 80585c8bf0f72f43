/*
 * identity.c: this node's long-term keys, the identity payload that binds
 * them in the handshake, and safety numbers.
 *
 * The Ed25519 key is the peer id; the X25519 key is the Noise static key.
 * Both are made on first start and kept in the database; the secret halves
 * live in sodium_malloc memory and are wiped on exit.
 */

#include "p2pchat.h"

struct identity	*identity;

/* Wipe and free an identity. */
static void
identity_wipe(struct identity *id)
{
	sodium_free(id->ed_sk);
	sodium_free(id->x_sk);
	free(id);
}

/* Build the signed identity payload for our static key. */
static void
identity_make_payload(struct identity *id)
{
	uint8_t	msg[sizeof P2PCHAT_SIGCTX - 1 + 32];

	memcpy(msg, P2PCHAT_SIGCTX, sizeof P2PCHAT_SIGCTX - 1);
	memcpy(msg + sizeof P2PCHAT_SIGCTX - 1, id->x_pk, 32);
	memcpy(id->payload, id->ed_pk, 32);
	crypto_sign_detached(id->payload + 32, NULL, msg, sizeof msg,
	    id->ed_sk);
}

/*
 * Load the identity from the store; if there is none, make and save one
 * when create is set. 1 loaded or made, 0 none (and not create), -1 error.
 */
int
identity_load(int create, char **cause)
{
	struct identity	*id;
	uint8_t		 check[32];
	int		 found;

	id = xcalloc(1, sizeof *id);
	if ((id->ed_sk = sodium_malloc(64)) == NULL ||
	    (id->x_sk = sodium_malloc(32)) == NULL)
		fatal("sodium_malloc");
	if ((found = store_identity_get(id, cause)) == -1)
		goto fail;
	if (!found && !create) {
		identity_wipe(id);
		return (0);
	}
	if (!found) {
		crypto_sign_keypair(id->ed_pk, id->ed_sk);
		randombytes_buf(id->x_sk, 32);
		crypto_scalarmult_base(id->x_pk, id->x_sk);
		if (store_identity_put(id, cause) != 0)
			goto fail;
		log_info("%s: created a new identity", __func__);
	}
	crypto_scalarmult_base(check, id->x_sk);
	if (memcmp(check, id->x_pk, 32) != 0) {
		xasprintf(cause, "the stored identity keys do not match");
		goto fail;
	}
	hex_encode(id->ed_pk, 32, id->hex);
	identity_make_payload(id);
	sodium_mprotect_readonly(id->ed_sk);
	sodium_mprotect_readonly(id->x_sk);
	identity = id;
	return (1);
fail:
	identity_wipe(id);
	return (-1);
}

/* Wipe and free the identity. */
void
identity_free(void)
{
	if (identity == NULL)
		return;
	identity_wipe(identity);
	identity = NULL;
}

/*
 * Check a peer's identity payload against the static key the handshake
 * authenticated. On success the peer id is copied to id_out.
 */
int
identity_payload_check(const uint8_t *p, size_t len, const uint8_t *rs,
    uint8_t *id_out)
{
	uint8_t	msg[sizeof P2PCHAT_SIGCTX - 1 + 32];

	if (len != IDENTITY_PAYLOAD_LEN || rs == NULL)
		return (-1);
	memcpy(msg, P2PCHAT_SIGCTX, sizeof P2PCHAT_SIGCTX - 1);
	memcpy(msg + sizeof P2PCHAT_SIGCTX - 1, rs, 32);
	if (crypto_sign_verify_detached(p + 32, msg, sizeof msg, p) != 0)
		return (-1);
	if (identity != NULL && memcmp(p, identity->ed_pk, 32) == 0)
		return (-1);
	memcpy(id_out, p, PEER_ID_LEN);
	return (0);
}

/*
 * The safety number of two peer ids: the same whichever side computes it.
 * Twelve groups of five digits from BLAKE2b of both ids in sorted order.
 */
void
identity_safety_number(const uint8_t *a, const uint8_t *b, char *out,
    size_t outlen)
{
	crypto_generichash_state	 st;
	static const char		 ctx[] = "p2pchat/1 safety number";
	const uint8_t			*lo = a, *hi = b;
	uint8_t				 h[64];
	uint64_t			 v;
	size_t				 off = 0;
	int				 i, j;

	if (memcmp(a, b, PEER_ID_LEN) > 0) {
		lo = b;
		hi = a;
	}
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const u_char *)ctx, sizeof ctx - 1);
	crypto_generichash_update(&st, lo, PEER_ID_LEN);
	crypto_generichash_update(&st, hi, PEER_ID_LEN);
	crypto_generichash_final(&st, h, sizeof h);
	for (i = 0; i < 12; i++) {
		v = 0;
		for (j = 0; j < 5; j++)
			v = (v << 8) | h[5 * i + j];
		off += snprintf(out + off, outlen - off, "%s%05llu",
		    i == 0 ? "" : " ", (unsigned long long)(v % 100000));
		if (off >= outlen)
			break;
	}
}
