/*
 * noise.h: the Noise protocol framework (revision 34) on libsodium.
 *
 * Handshake patterns XX and IK with X25519, ChaChaPoly (IETF) and BLAKE2b
 * or SHA256, chosen by the full protocol name. A handshake state is
 * allocated for the length of the handshake only; noise_hs_split() gives
 * the two transport cipher states, which are small and kept by value.
 */

#ifndef NOISE_H
#define NOISE_H

#include <stddef.h>
#include <stdint.h>

#define NOISE_KEYLEN	32
#define NOISE_TAGLEN	16
#define NOISE_MAXMSG	65535
#define NOISE_HASHMAX	64	/* longest handshake hash (BLAKE2b) */

/* A transport cipher state (Noise CipherState): key and nonce counter. */
struct noise_cipher {
	uint8_t		k[NOISE_KEYLEN];
	uint64_t	n;
	int		has_key;
};

/* A handshake in progress; opaque, freed (and wiped) after the split. */
struct noise_hs;

/*
 * Start a handshake. protocol_name is the full Noise name, for example
 * "Noise_XX_25519_ChaChaPoly_BLAKE2b"; s_sk is our static X25519 private
 * key (the public key is derived from it); rs_pk is the remote static
 * public key, given only by an IK initiator and NULL otherwise. Returns
 * NULL for an unknown protocol name, a missing or unexpected key, or when
 * out of memory.
 */
struct noise_hs	*noise_hs_new(const char *protocol_name, int initiator,
		     const uint8_t *prologue, size_t prologue_len,
		     const uint8_t s_sk[NOISE_KEYLEN], const uint8_t *rs_pk);

/* Fix our ephemeral private key (for tests); only before the first message. */
void		 noise_hs_set_ephemeral(struct noise_hs *,
		     const uint8_t e_sk[NOISE_KEYLEN]);

/*
 * Write the next handshake message with payload into out (at most outmax
 * bytes, length in *outlen). Returns 0, or -1 when it is not our turn, out
 * is too small, the message would exceed NOISE_MAXMSG (these three leave
 * the state as it was), or a DH result is all zeros (the handshake is then
 * dead). payload must not overlap out.
 */
int		 noise_hs_write(struct noise_hs *, const uint8_t *payload,
		     size_t plen, uint8_t *out, size_t outmax, size_t *outlen);

/*
 * Read the next handshake message into payload (at most pmax bytes, length
 * in *plen). Returns 0, or -1 when it is not our turn to read, the message
 * is too short or too long or its payload would not fit (the state is kept),
 * or for a bad tag or an all-zero DH result (the handshake is then dead and
 * every later call fails). payload may equal msg but must not otherwise
 * overlap it.
 */
int		 noise_hs_read(struct noise_hs *, const uint8_t *msg,
		     size_t len, uint8_t *payload, size_t pmax, size_t *plen);

/* Return 1 when every handshake message has been written or read. */
int		 noise_hs_done(const struct noise_hs *);

/* Return 1 if the next call should be noise_hs_write(). */
int		 noise_hs_my_turn(const struct noise_hs *);

/* Remote static public key (32 bytes), or NULL until it is known. */
const uint8_t	*noise_hs_remote_static(const struct noise_hs *);

/* Copy the handshake hash h to out (NOISE_HASHMAX room); give its length. */
size_t		 noise_hs_hash(const struct noise_hs *, uint8_t *out);

/*
 * Split a finished handshake into the cipher this side sends with (tx: c1
 * for the initiator, c2 for the responder) and the one it receives with.
 * Allowed once; returns -1 if the handshake is not done or has failed.
 */
int		 noise_hs_split(struct noise_hs *, struct noise_cipher *tx,
		     struct noise_cipher *rx);

/* Wipe and free a handshake state; NULL is allowed. */
void		 noise_hs_free(struct noise_hs *);

/*
 * Encrypt len bytes (at most NOISE_MAXMSG - NOISE_TAGLEN) into out, which
 * gets len + NOISE_TAGLEN bytes. Returns -1 without a key, for a too long
 * message, or once the nonce has reached 2^64 - 1.
 */
int		 noise_encrypt(struct noise_cipher *, const uint8_t *in,
		     size_t len, uint8_t *out);

/*
 * Decrypt a transport message of len bytes (NOISE_TAGLEN to NOISE_MAXMSG)
 * into out, which gets len - NOISE_TAGLEN bytes. Returns -1 on a bad tag,
 * a bad length, no key, or an exhausted nonce; the nonce moves on only on
 * success.
 */
int		 noise_decrypt(struct noise_cipher *, const uint8_t *in,
		     size_t len, uint8_t *out);

/* Wipe a cipher state. */
void		 noise_cipher_wipe(struct noise_cipher *);

#endif /* NOISE_H */
