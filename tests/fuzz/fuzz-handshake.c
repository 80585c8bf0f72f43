/*
 * fuzz-handshake.c: libFuzzer target for reading Noise handshake messages.
 *
 * The first input byte picks the step (low 7 bits % 6) and the hash (top bit
 * set: SHA256, else BLAKE2b); the rest is the message, fed to the side whose
 * turn it is to read, with fixed keys:
 *
 *	0  XX responder reads message 1, then writes message 2
 *	1  XX initiator writes message 1, reads message 2, writes message 3
 *	2  XX responder reads message 3 after a proper exchange of 1 and 2
 *	3  IK responder reads message 1, then writes message 2
 *	4  IK initiator writes message 1, reads message 2
 *	5  a transport cipher decrypts the message
 *
 * Built with -DFUZZ_HANDSHAKE_SEEDS it is instead a program that writes
 * real messages for each step as a seed corpus into the directory given.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "noise.h"

#define NSTEPS	6

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	out[NOISE_MAXMSG], payload[NOISE_MAXMSG];

/* Fixed key material: byte v repeated (clamping makes each a valid key). */
static const uint8_t *
fixed_key(int v)
{
	static uint8_t	keys[4][32];

	memset(keys[v], 0x11 * (v + 1), sizeof keys[v]);
	return (keys[v]);
}

/* Start one side with the fixed static and ephemeral keys. */
static struct noise_hs *
side_new(int ik, int sha, int initiator)
{
	static const char	*names[2][2] = {
		{ "Noise_XX_25519_ChaChaPoly_BLAKE2b",
		  "Noise_XX_25519_ChaChaPoly_SHA256" },
		{ "Noise_IK_25519_ChaChaPoly_BLAKE2b",
		  "Noise_IK_25519_ChaChaPoly_SHA256" },
	};
	struct noise_hs		*hs;
	uint8_t			 rs[32];

	crypto_scalarmult_base(rs, fixed_key(1));
	hs = noise_hs_new(names[ik][sha], initiator,
	    (const uint8_t *)"p2pchat/1", 9, fixed_key(initiator ? 0 : 1),
	    (ik && initiator) ? rs : NULL);
	if (hs == NULL)
		abort();
	noise_hs_set_ephemeral(hs, fixed_key(initiator ? 2 : 3));
	return (hs);
}

/* Write the next message of hs with a short payload into out. */
static size_t
write_msg(struct noise_hs *hs)
{
	size_t	len;

	if (noise_hs_write(hs, (const uint8_t *)"hi", 2, out, sizeof out,
	    &len) != 0)
		abort();
	return (len);
}

/* Pass one message from a to b. */
static void
pass(struct noise_hs *a, struct noise_hs *b)
{
	size_t	len, plen;

	len = write_msg(a);
	if (noise_hs_read(b, out, len, payload, sizeof payload, &plen) != 0)
		abort();
}

/* Read msg on hs; on success check the state and go on as far as we can. */
static void
read_and_go_on(struct noise_hs *hs, const uint8_t *msg, size_t len)
{
	struct noise_cipher	tx, rx;
	size_t			plen, outlen;

	if (noise_hs_read(hs, msg, len, payload, sizeof payload, &plen) != 0) {
		if (noise_hs_my_turn(hs) || noise_hs_done(hs))
			abort();
		return;
	}
	if (plen > len || (!noise_hs_my_turn(hs) && !noise_hs_done(hs)))
		abort();
	if (noise_hs_my_turn(hs))
		(void)noise_hs_write(hs, msg, plen > 64 ? 64 : plen, out,
		    sizeof out, &outlen);
	if (noise_hs_split(hs, &tx, &rx) == 0) {
		if (noise_hs_remote_static(hs) == NULL)
			abort();
		noise_cipher_wipe(&tx);
		noise_cipher_wipe(&rx);
	}
}

/* Step 5: decrypt msg with a fixed transport key. */
static void
fuzz_transport(const uint8_t *msg, size_t len)
{
	struct noise_cipher	c;

	memset(&c, 0, sizeof c);
	memcpy(c.k, fixed_key(0), NOISE_KEYLEN);
	c.has_key = 1;
	if (noise_decrypt(&c, msg, len, payload) == 0 && c.n != 1)
		abort();
}

/* Set libsodium up once. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (sodium_init() < 0)
		abort();
	return (0);
}

/* Run one step on one input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct noise_hs	*i, *r;
	int		 step, sha;

	if (size < 1)
		return (0);
	step = (data[0] & 0x7f) % NSTEPS;
	sha = (data[0] & 0x80) != 0;
	if (step == 5) {
		fuzz_transport(data + 1, size - 1);
		return (0);
	}
	i = side_new(step >= 3, sha, 1);
	r = side_new(step >= 3, sha, 0);
	switch (step) {
	case 0:
	case 3:
		read_and_go_on(r, data + 1, size - 1);
		break;
	case 1:
	case 4:
		(void)write_msg(i);
		read_and_go_on(i, data + 1, size - 1);
		break;
	case 2:
		pass(i, r);
		pass(r, i);
		read_and_go_on(r, data + 1, size - 1);
		break;
	}
	noise_hs_free(i);
	noise_hs_free(r);
	return (0);
}

#ifdef FUZZ_HANDSHAKE_SEEDS
/* Write one seed file: the step byte, then len bytes of msg. */
static void
seed_write(const char *dir, int step, int sha, const uint8_t *msg,
    size_t len)
{
	char	path[1024];
	FILE	*f;
	uint8_t	b = (uint8_t)(step | (sha ? 0x80 : 0));

	snprintf(path, sizeof path, "%s/step%d-%s", dir, step,
	    step == 5 ? "transport" : sha ? "sha256" : "blake2b");
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(&b, 1, 1, f) != 1 || fwrite(msg, 1, len, f) != len ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Write the real messages of one pattern and hash as seeds. */
static void
seed_pattern(const char *dir, int ik, int sha)
{
	struct noise_hs	*i, *r;
	size_t		 len, plen;

	i = side_new(ik, sha, 1);
	r = side_new(ik, sha, 0);
	len = write_msg(i);
	seed_write(dir, ik ? 3 : 0, sha, out, len);
	if (noise_hs_read(r, out, len, payload, sizeof payload, &plen) != 0)
		abort();
	len = write_msg(r);
	seed_write(dir, ik ? 4 : 1, sha, out, len);
	if (noise_hs_read(i, out, len, payload, sizeof payload, &plen) != 0)
		abort();
	if (!ik) {
		len = write_msg(i);
		seed_write(dir, 2, sha, out, len);
	}
	noise_hs_free(i);
	noise_hs_free(r);
}

/* Write the seed corpus into the directory argv[1]. */
int
main(int argc, char **argv)
{
	struct noise_cipher	c;
	int			sha;

	if (argc != 2 || LLVMFuzzerInitialize(&argc, &argv) != 0)
		return (1);
	for (sha = 0; sha < 2; sha++) {
		seed_pattern(argv[1], 0, sha);
		seed_pattern(argv[1], 1, sha);
	}
	memset(&c, 0, sizeof c);
	memcpy(c.k, fixed_key(0), NOISE_KEYLEN);
	c.has_key = 1;
	if (noise_encrypt(&c, (const uint8_t *)"hello", 5, out) != 0)
		return (1);
	seed_write(argv[1], 5, 0, out, 5 + NOISE_TAGLEN);
	return (0);
}
#endif /* FUZZ_HANDSHAKE_SEEDS */
