/*
 * noise.c: Noise handshakes (XX, IK) and transport ciphers on libsodium.
 *
 * Follows the Noise specification, revision 34: X25519 for DH, the IETF
 * ChaCha20-Poly1305 AEAD with the nonce 0^32 || LE64(n), and BLAKE2b or
 * SHA256 with HMAC and HKDF built here on the plain hash. Every length is
 * checked before the state changes; a bad tag or an all-zero DH result
 * wipes the handshake state and fails every later call on it.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "noise.h"

#define NOISE_DHLEN	32
#define NOISE_BLOCKMAX	128
#define NOISE_NONCELEN	12
#define NOISE_MAXMSGS	3
#define NOISE_MAXTOKENS	5

/* Hash functions. */
enum noise_hash {
	NOISE_BLAKE2B,
	NOISE_SHA256
};

/* Message pattern tokens; TOK_END ends a message. */
enum noise_token {
	TOK_END = 0,
	TOK_E,
	TOK_S,
	TOK_EE,
	TOK_ES,
	TOK_SE,
	TOK_SS
};

/* A handshake pattern: its messages, initiator first, then alternating. */
struct noise_pattern {
	int		nmsgs;
	int		pre_rs;		/* pre-message "<- s" */
	uint8_t		tokens[NOISE_MAXMSGS][NOISE_MAXTOKENS];
};

static const struct noise_pattern noise_xx = { 3, 0, {
	{ TOK_E },
	{ TOK_E, TOK_EE, TOK_S, TOK_ES },
	{ TOK_S, TOK_SE }
} };

static const struct noise_pattern noise_ik = { 2, 1, {
	{ TOK_E, TOK_ES, TOK_S, TOK_SS },
	{ TOK_E, TOK_EE, TOK_SE }
} };

/* The protocol names we know. */
static const struct noise_protocol {
	const char			*name;
	const struct noise_pattern	*pattern;
	enum noise_hash			 hash;
} noise_protocols[] = {
	{ "Noise_XX_25519_ChaChaPoly_BLAKE2b", &noise_xx, NOISE_BLAKE2B },
	{ "Noise_XX_25519_ChaChaPoly_SHA256", &noise_xx, NOISE_SHA256 },
	{ "Noise_IK_25519_ChaChaPoly_BLAKE2b", &noise_ik, NOISE_BLAKE2B },
	{ "Noise_IK_25519_ChaChaPoly_SHA256", &noise_ik, NOISE_SHA256 },
};

#define NOISE_NPROTOCOLS \
	(sizeof noise_protocols / sizeof noise_protocols[0])

/* Running state of either hash function. */
union noise_hash_ctx {
	crypto_generichash_state	b2;
	crypto_hash_sha256_state	sha;
};

/* The handshake state, with its symmetric state inline. */
struct noise_hs {
	const struct noise_pattern	*pattern;
	enum noise_hash			 hash;
	size_t				 hashlen;
	int				 initiator;
	int				 msg;	/* next message index */
	int				 failed;
	int				 split;
	int				 has_e;
	int				 has_re;
	int				 has_rs;
	struct noise_cipher		 cs;
	uint8_t				 ck[NOISE_HASHMAX];
	uint8_t				 h[NOISE_HASHMAX];
	uint8_t				 s_sk[NOISE_DHLEN];
	uint8_t				 s_pk[NOISE_DHLEN];
	uint8_t				 e_sk[NOISE_DHLEN];
	uint8_t				 e_pk[NOISE_DHLEN];
	uint8_t				 rs[NOISE_DHLEN];
	uint8_t				 re[NOISE_DHLEN];
};

/* Start a hash. */
static void
hash_init(enum noise_hash alg, union noise_hash_ctx *ctx)
{
	if (alg == NOISE_BLAKE2B)
		crypto_generichash_init(&ctx->b2, NULL, 0, 64);
	else
		crypto_hash_sha256_init(&ctx->sha);
}

/* Add bytes to a hash. */
static void
hash_update(enum noise_hash alg, union noise_hash_ctx *ctx, const uint8_t *p,
    size_t len)
{
	if (len == 0)
		return;
	if (alg == NOISE_BLAKE2B)
		crypto_generichash_update(&ctx->b2, p, len);
	else
		crypto_hash_sha256_update(&ctx->sha, p, len);
}

/* Finish a hash into out (64 or 32 bytes) and wipe the running state. */
static void
hash_final(enum noise_hash alg, union noise_hash_ctx *ctx, uint8_t *out)
{
	if (alg == NOISE_BLAKE2B)
		crypto_generichash_final(&ctx->b2, out, 64);
	else
		crypto_hash_sha256_final(&ctx->sha, out);
	sodium_memzero(ctx, sizeof *ctx);
}

/* Output length of a hash. */
static size_t
hash_len(enum noise_hash alg)
{
	return (alg == NOISE_BLAKE2B ? 64 : 32);
}

/* HMAC-HASH(key, a || b) into out; key is at most one block long. */
static void
hmac(enum noise_hash alg, const uint8_t *key, size_t keylen,
    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t *out)
{
	union noise_hash_ctx	ctx;
	uint8_t			pad[NOISE_BLOCKMAX];
	uint8_t			inner[NOISE_HASHMAX];
	size_t			i, blocklen;

	blocklen = (alg == NOISE_BLAKE2B ? 128 : 64);
	memset(pad, 0, sizeof pad);
	memcpy(pad, key, keylen < blocklen ? keylen : blocklen);
	for (i = 0; i < blocklen; i++)
		pad[i] ^= 0x36;
	hash_init(alg, &ctx);
	hash_update(alg, &ctx, pad, blocklen);
	hash_update(alg, &ctx, a, alen);
	hash_update(alg, &ctx, b, blen);
	hash_final(alg, &ctx, inner);

	for (i = 0; i < blocklen; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	hash_init(alg, &ctx);
	hash_update(alg, &ctx, pad, blocklen);
	hash_update(alg, &ctx, inner, hash_len(alg));
	hash_final(alg, &ctx, out);

	sodium_memzero(pad, sizeof pad);
	sodium_memzero(inner, sizeof inner);
}

/* HKDF(ck, ikm) with two outputs of hashlen bytes each (spec 4.3). */
static void
hkdf2(enum noise_hash alg, const uint8_t *ck, const uint8_t *ikm,
    size_t ikmlen, uint8_t *out1, uint8_t *out2)
{
	uint8_t		temp[NOISE_HASHMAX];
	const uint8_t	one = 1, two = 2;
	size_t		hlen = hash_len(alg);

	hmac(alg, ck, hlen, ikm, ikmlen, NULL, 0, temp);
	hmac(alg, temp, hlen, &one, 1, NULL, 0, out1);
	hmac(alg, temp, hlen, out1, hlen, &two, 1, out2);
	sodium_memzero(temp, sizeof temp);
}

/* Give a cipher state a new key (the first 32 bytes of k) and nonce 0. */
static void
cipher_set_key(struct noise_cipher *c, const uint8_t *k)
{
	memcpy(c->k, k, NOISE_KEYLEN);
	c->n = 0;
	c->has_key = 1;
}

/* Build the ChaChaPoly nonce: 32 zero bits, then n little-endian. */
static void
cipher_nonce(uint64_t n, uint8_t nonce[NOISE_NONCELEN])
{
	int	i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

/* EncryptWithAd: out gets len + NOISE_TAGLEN bytes. */
static int
cipher_encrypt_ad(struct noise_cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t	nonce[NOISE_NONCELEN];

	if (!c->has_key || c->n == UINT64_MAX)
		return (-1);
	cipher_nonce(c->n, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, in, len, ad, adlen,
	    NULL, nonce, c->k);
	c->n++;
	return (0);
}

/* DecryptWithAd: in has len >= NOISE_TAGLEN bytes; n moves on success. */
static int
cipher_decrypt_ad(struct noise_cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t	nonce[NOISE_NONCELEN];

	if (!c->has_key || c->n == UINT64_MAX || len < NOISE_TAGLEN)
		return (-1);
	cipher_nonce(c->n, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, in, len,
	    ad, adlen, nonce, c->k) != 0)
		return (-1);
	c->n++;
	return (0);
}

/* Hash h || data into out (which may be h). */
static void
hash_h(const struct noise_hs *hs, const uint8_t *data, size_t len,
    uint8_t *out)
{
	union noise_hash_ctx	ctx;

	hash_init(hs->hash, &ctx);
	hash_update(hs->hash, &ctx, hs->h, hs->hashlen);
	hash_update(hs->hash, &ctx, data, len);
	hash_final(hs->hash, &ctx, out);
}

/* MixHash: h = HASH(h || data). */
static void
mix_hash(struct noise_hs *hs, const uint8_t *data, size_t len)
{
	hash_h(hs, data, len, hs->h);
}

/* MixKey: ck, k = HKDF(ck, ikm), with k cut to 32 bytes and n = 0. */
static void
mix_key(struct noise_hs *hs, const uint8_t *ikm, size_t len)
{
	uint8_t	ck[NOISE_HASHMAX], k[NOISE_HASHMAX];

	hkdf2(hs->hash, hs->ck, ikm, len, ck, k);
	memcpy(hs->ck, ck, hs->hashlen);
	cipher_set_key(&hs->cs, k);
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(k, sizeof k);
}

/* EncryptAndHash: out gets len (+ NOISE_TAGLEN once there is a key). */
static int
encrypt_and_hash(struct noise_hs *hs, const uint8_t *in, size_t len,
    uint8_t *out, size_t *outlen)
{
	if (hs->cs.has_key) {
		if (cipher_encrypt_ad(&hs->cs, hs->h, hs->hashlen, in, len,
		    out) != 0)
			return (-1);
		len += NOISE_TAGLEN;
	} else if (len != 0)
		memmove(out, in, len);
	mix_hash(hs, out, len);
	*outlen = len;
	return (0);
}

/* DecryptAndHash: in has len bytes, checked by the caller. */
static int
decrypt_and_hash(struct noise_hs *hs, const uint8_t *in, size_t len,
    uint8_t *out)
{
	uint8_t	nh[NOISE_HASHMAX];
	int	r = 0;

	/* Hash the ciphertext first: out may be in. */
	hash_h(hs, in, len, nh);
	if (hs->cs.has_key)
		r = cipher_decrypt_ad(&hs->cs, hs->h, hs->hashlen, in, len,
		    out);
	else if (len != 0)
		memmove(out, in, len);
	if (r == 0)
		memcpy(hs->h, nh, hs->hashlen);
	sodium_memzero(nh, sizeof nh);
	return (r);
}

/* MixKey(DH(sk, pk)); -1 if the DH fails or its result is all zeros. */
static int
mix_dh(struct noise_hs *hs, const uint8_t *sk, const uint8_t *pk)
{
	uint8_t	shared[NOISE_DHLEN];
	int	r = -1;

	if (crypto_scalarmult(shared, sk, pk) == 0 &&
	    !sodium_is_zero(shared, sizeof shared)) {
		mix_key(hs, shared, sizeof shared);
		r = 0;
	}
	sodium_memzero(shared, sizeof shared);
	return (r);
}

/* Do the DH that token tok asks for, from our side. */
static int
token_dh(struct noise_hs *hs, int tok)
{
	int	i = hs->initiator;

	switch (tok) {
	case TOK_EE:
		if (hs->has_e && hs->has_re)
			return (mix_dh(hs, hs->e_sk, hs->re));
		break;
	case TOK_ES:
		if (i && hs->has_e && hs->has_rs)
			return (mix_dh(hs, hs->e_sk, hs->rs));
		if (!i && hs->has_re)
			return (mix_dh(hs, hs->s_sk, hs->re));
		break;
	case TOK_SE:
		if (i && hs->has_re)
			return (mix_dh(hs, hs->s_sk, hs->re));
		if (!i && hs->has_e && hs->has_rs)
			return (mix_dh(hs, hs->e_sk, hs->rs));
		break;
	case TOK_SS:
		if (hs->has_rs)
			return (mix_dh(hs, hs->s_sk, hs->rs));
		break;
	}
	return (-1);
}

/*
 * Bytes the next message takes besides the payload: keys, their tags and
 * the payload's tag. Tracks has_key as the tokens would change it.
 */
static size_t
msg_overhead(const struct noise_hs *hs)
{
	const uint8_t	*t = hs->pattern->tokens[hs->msg];
	size_t		 n = 0;
	int		 i, keyed = hs->cs.has_key;

	for (i = 0; i < NOISE_MAXTOKENS && t[i] != TOK_END; i++) {
		if (t[i] == TOK_E)
			n += NOISE_DHLEN;
		else if (t[i] == TOK_S)
			n += NOISE_DHLEN + (keyed ? NOISE_TAGLEN : 0);
		else
			keyed = 1;
	}
	return (n + (keyed ? NOISE_TAGLEN : 0));
}

/* Wipe a handshake after an error; every later call on it fails. */
static void
hs_fail(struct noise_hs *hs)
{
	const struct noise_pattern	*pattern = hs->pattern;
	enum noise_hash			 hash = hs->hash;
	size_t				 hashlen = hs->hashlen;
	int				 initiator = hs->initiator;

	sodium_memzero(hs, sizeof *hs);
	hs->pattern = pattern;
	hs->hash = hash;
	hs->hashlen = hashlen;
	hs->initiator = initiator;
	hs->failed = 1;
}

/* Find a protocol by its full name. */
static const struct noise_protocol *
find_protocol(const char *name)
{
	size_t	i;

	for (i = 0; i < NOISE_NPROTOCOLS; i++) {
		if (strcmp(noise_protocols[i].name, name) == 0)
			return (&noise_protocols[i]);
	}
	return (NULL);
}

/* InitializeSymmetric(name), MixHash(prologue) and the pre-messages. */
static void
hs_init_symmetric(struct noise_hs *hs, const char *name,
    const uint8_t *prologue, size_t prologue_len)
{
	union noise_hash_ctx	ctx;
	size_t			len = strlen(name);

	if (len <= hs->hashlen)
		memcpy(hs->h, name, len);	/* calloc'd: zero padded */
	else {
		hash_init(hs->hash, &ctx);
		hash_update(hs->hash, &ctx, (const uint8_t *)name, len);
		hash_final(hs->hash, &ctx, hs->h);
	}
	memcpy(hs->ck, hs->h, hs->hashlen);
	mix_hash(hs, prologue, prologue_len);
	if (hs->pattern->pre_rs)
		mix_hash(hs, hs->initiator ? hs->rs : hs->s_pk, NOISE_DHLEN);
}

/* Start a handshake; see noise.h. */
struct noise_hs *
noise_hs_new(const char *protocol_name, int initiator,
    const uint8_t *prologue, size_t prologue_len,
    const uint8_t s_sk[NOISE_KEYLEN], const uint8_t *rs_pk)
{
	const struct noise_protocol	*p;
	struct noise_hs			*hs;
	int				 want_rs;

	if (protocol_name == NULL || (p = find_protocol(protocol_name)) == NULL)
		return (NULL);
	want_rs = (p->pattern->pre_rs && initiator);
	if (s_sk == NULL || want_rs != (rs_pk != NULL) ||
	    (prologue == NULL && prologue_len != 0))
		return (NULL);
	if ((hs = calloc(1, sizeof *hs)) == NULL)
		return (NULL);
	hs->pattern = p->pattern;
	hs->hash = p->hash;
	hs->hashlen = hash_len(p->hash);
	hs->initiator = (initiator != 0);
	memcpy(hs->s_sk, s_sk, NOISE_DHLEN);
	if (crypto_scalarmult_base(hs->s_pk, hs->s_sk) != 0 ||
	    sodium_is_zero(hs->s_pk, NOISE_DHLEN)) {
		noise_hs_free(hs);
		return (NULL);
	}
	if (want_rs) {
		memcpy(hs->rs, rs_pk, NOISE_DHLEN);
		hs->has_rs = 1;
	}
	hs_init_symmetric(hs, protocol_name, prologue, prologue_len);
	return (hs);
}

/* Fix our ephemeral key pair; ignored once the first message has passed. */
void
noise_hs_set_ephemeral(struct noise_hs *hs, const uint8_t e_sk[NOISE_KEYLEN])
{
	if (hs == NULL || e_sk == NULL || hs->failed || hs->msg != 0)
		return;
	memcpy(hs->e_sk, e_sk, NOISE_DHLEN);
	if (crypto_scalarmult_base(hs->e_pk, hs->e_sk) != 0) {
		sodium_memzero(hs->e_sk, NOISE_DHLEN);
		return;
	}
	hs->has_e = 1;
}

/* Write one token of the current message at out; add its length to *off. */
static int
write_token(struct noise_hs *hs, int tok, uint8_t *out, size_t *off)
{
	size_t	n;

	switch (tok) {
	case TOK_E:
		if (!hs->has_e) {
			randombytes_buf(hs->e_sk, NOISE_DHLEN);
			if (crypto_scalarmult_base(hs->e_pk, hs->e_sk) != 0)
				return (-1);
			hs->has_e = 1;
		}
		memcpy(out + *off, hs->e_pk, NOISE_DHLEN);
		mix_hash(hs, hs->e_pk, NOISE_DHLEN);
		*off += NOISE_DHLEN;
		return (0);
	case TOK_S:
		if (encrypt_and_hash(hs, hs->s_pk, NOISE_DHLEN, out + *off,
		    &n) != 0)
			return (-1);
		*off += n;
		return (0);
	default:
		return (token_dh(hs, tok));
	}
}

/* WriteMessage(payload); see noise.h. */
int
noise_hs_write(struct noise_hs *hs, const uint8_t *payload, size_t plen,
    uint8_t *out, size_t outmax, size_t *outlen)
{
	const uint8_t	*t;
	size_t		 over, off = 0, n;
	int		 i;

	if (hs == NULL || out == NULL || outlen == NULL ||
	    !noise_hs_my_turn(hs) || (payload == NULL && plen != 0))
		return (-1);
	over = msg_overhead(hs);
	if (over > NOISE_MAXMSG || plen > NOISE_MAXMSG - over ||
	    over + plen > outmax)
		return (-1);

	t = hs->pattern->tokens[hs->msg];
	for (i = 0; i < NOISE_MAXTOKENS && t[i] != TOK_END; i++) {
		if (write_token(hs, t[i], out, &off) != 0)
			goto fail;
	}
	if (encrypt_and_hash(hs, payload, plen, out + off, &n) != 0)
		goto fail;
	off += n;
	hs->msg++;
	*outlen = off;
	return (0);

fail:
	hs_fail(hs);
	return (-1);
}

/* Read one token of the current message from msg; step *off over it. */
static int
read_token(struct noise_hs *hs, int tok, const uint8_t *msg, size_t *off)
{
	size_t	n;

	switch (tok) {
	case TOK_E:
		memcpy(hs->re, msg + *off, NOISE_DHLEN);
		hs->has_re = 1;
		mix_hash(hs, hs->re, NOISE_DHLEN);
		*off += NOISE_DHLEN;
		return (0);
	case TOK_S:
		n = NOISE_DHLEN + (hs->cs.has_key ? NOISE_TAGLEN : 0);
		if (decrypt_and_hash(hs, msg + *off, n, hs->rs) != 0)
			return (-1);
		hs->has_rs = 1;
		*off += n;
		return (0);
	default:
		return (token_dh(hs, tok));
	}
}

/* ReadMessage(msg); see noise.h. */
int
noise_hs_read(struct noise_hs *hs, const uint8_t *msg, size_t len,
    uint8_t *payload, size_t pmax, size_t *plen)
{
	const uint8_t	*t;
	size_t		 over, off = 0;
	int		 i;

	if (hs == NULL || plen == NULL || (msg == NULL && len != 0) ||
	    (payload == NULL && pmax != 0) || hs->failed ||
	    hs->msg >= hs->pattern->nmsgs || noise_hs_my_turn(hs))
		return (-1);
	over = msg_overhead(hs);
	if (len > NOISE_MAXMSG || len < over || len - over > pmax)
		return (-1);

	/* From here the lengths are known to fit: every token reads in msg. */
	t = hs->pattern->tokens[hs->msg];
	for (i = 0; i < NOISE_MAXTOKENS && t[i] != TOK_END; i++) {
		if (read_token(hs, t[i], msg, &off) != 0)
			goto fail;
	}
	if (decrypt_and_hash(hs, msg + off, len - off, payload) != 0)
		goto fail;
	hs->msg++;
	*plen = len - over;
	return (0);

fail:
	hs_fail(hs);
	return (-1);
}

/* Return 1 when every handshake message has been written or read. */
int
noise_hs_done(const struct noise_hs *hs)
{
	return (hs != NULL && !hs->failed && hs->msg == hs->pattern->nmsgs);
}

/* Return 1 if the next call should be noise_hs_write(). */
int
noise_hs_my_turn(const struct noise_hs *hs)
{
	if (hs == NULL || hs->failed || hs->msg >= hs->pattern->nmsgs)
		return (0);
	return ((hs->msg % 2 == 0) == hs->initiator);
}

/* Remote static public key, or NULL until it is known. */
const uint8_t *
noise_hs_remote_static(const struct noise_hs *hs)
{
	if (hs == NULL || hs->failed || !hs->has_rs)
		return (NULL);
	return (hs->rs);
}

/* Copy the handshake hash h to out; give its length. */
size_t
noise_hs_hash(const struct noise_hs *hs, uint8_t *out)
{
	if (hs == NULL || out == NULL)
		return (0);
	memcpy(out, hs->h, hs->hashlen);
	return (hs->hashlen);
}

/* Split(): derive the two transport ciphers and wipe what made them. */
int
noise_hs_split(struct noise_hs *hs, struct noise_cipher *tx,
    struct noise_cipher *rx)
{
	uint8_t	k1[NOISE_HASHMAX], k2[NOISE_HASHMAX];

	if (tx == NULL || rx == NULL || tx == rx || !noise_hs_done(hs) ||
	    hs->split)
		return (-1);
	hkdf2(hs->hash, hs->ck, NULL, 0, k1, k2);
	cipher_set_key(hs->initiator ? tx : rx, k1);
	cipher_set_key(hs->initiator ? rx : tx, k2);
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);

	/* Only h and the remote static key are of use from now on. */
	sodium_memzero(hs->ck, sizeof hs->ck);
	noise_cipher_wipe(&hs->cs);
	sodium_memzero(hs->s_sk, sizeof hs->s_sk);
	sodium_memzero(hs->e_sk, sizeof hs->e_sk);
	hs->split = 1;
	return (0);
}

/* Wipe and free a handshake state. */
void
noise_hs_free(struct noise_hs *hs)
{
	if (hs == NULL)
		return;
	sodium_memzero(hs, sizeof *hs);
	free(hs);
}

/* Encrypt a transport message; see noise.h. */
int
noise_encrypt(struct noise_cipher *c, const uint8_t *in, size_t len,
    uint8_t *out)
{
	if (c == NULL || out == NULL || (in == NULL && len != 0) ||
	    len > NOISE_MAXMSG - NOISE_TAGLEN)
		return (-1);
	return (cipher_encrypt_ad(c, NULL, 0, in, len, out));
}

/* Decrypt a transport message; see noise.h. */
int
noise_decrypt(struct noise_cipher *c, const uint8_t *in, size_t len,
    uint8_t *out)
{
	if (c == NULL || in == NULL || len < NOISE_TAGLEN ||
	    len > NOISE_MAXMSG || (out == NULL && len != NOISE_TAGLEN))
		return (-1);
	return (cipher_decrypt_ad(c, NULL, 0, in, len, out));
}

/* Wipe a cipher state. */
void
noise_cipher_wipe(struct noise_cipher *c)
{
	if (c != NULL)
		sodium_memzero(c, sizeof *c);
}
