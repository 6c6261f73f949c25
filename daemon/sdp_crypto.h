/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SDES key exchange for SRTP (RFC 4568): the a=crypto attribute.
 *
 *   a=crypto:<tag> <suite> inline:<base64 key||salt>[|<lifetime>][|<mki>:<len>] [<params>]
 *
 * sdp_crypto_parse() reads the value after "a=crypto:" (a slice sdp_parse()
 * recorded, not NUL-terminated). What krtpd can terminate:
 *   suites         AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32 (RFC 4568),
 *                  AEAD_AES_128_GCM (RFC 7714)
 *   lifetime       accepted and not enforced: krtpd re-keys only when a
 *                  re-INVITE brings new keys
 *   session params WSH= (a hint) and KDR=0 (the default) only
 * and what it refuses with -EOPNOTSUPP: other suites, MKI, more than one
 * key, other session parameters (UNENCRYPTED_SRTP, FEC_ORDER, ...).
 * A malformed line is -EINVAL. Either way, *why says which, for the log.
 */
#ifndef KRTPD_SDP_CRYPTO_H
#define KRTPD_SDP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdp.h"

enum sdp_srtp_suite {
	SDP_SRTP_AES_CM_128_HMAC_SHA1_80 = 1,
	SDP_SRTP_AES_CM_128_HMAC_SHA1_32,
	SDP_SRTP_AEAD_AES_128_GCM,
};

#define SDP_SRTP_KEY_MAX	30	/* master key and salt, the longest suite's */
/* "a=crypto:" tag, suite, "inline:" and the base64 of the longest key */
#define SDP_CRYPTO_LINE_MAX	96

struct sdp_crypto {
	uint32_t tag;
	enum sdp_srtp_suite suite;
	uint8_t key[SDP_SRTP_KEY_MAX];	/* master key || master salt */
	size_t key_len;			/* sdp_srtp_key_len(suite) */
	uint64_t lifetime;		/* packets, 0 = not given */
};

/* The suite's master key + salt length in bytes (0: unknown suite) */
size_t sdp_srtp_key_len(enum sdp_srtp_suite suite);
const char *sdp_srtp_suite_name(enum sdp_srtp_suite suite);

/* Parse one a=crypto value; 0, -EINVAL (malformed) or -EOPNOTSUPP (not supported) */
int sdp_crypto_parse(const char *p, size_t n, struct sdp_crypto *c, const char **why);
/*
 * The first line of stream i that krtpd supports and whose suite usable()
 * accepts, if given (RFC 4568 section 7.1.1: the offerer lists them in
 * order of preference). -ENOENT when the stream
 * has no a=crypto, -EOPNOTSUPP when none is usable (*why: the first one's
 * reason).
 */
int sdp_crypto_choose(const char *buf, const struct sdp *s, unsigned int i,
		      bool (*usable)(enum sdp_srtp_suite suite), struct sdp_crypto *c,
		      const char **why);
/* The line with tag `tag` of stream i (an answer to our offer); -ENOENT if none */
int sdp_crypto_find(const char *buf, const struct sdp *s, unsigned int i, uint32_t tag,
		    struct sdp_crypto *c, const char **why);
/* Write "a=crypto:<tag> <suite> inline:<key>" (no line end); -EMSGSIZE if it does not fit */
int sdp_crypto_format(const struct sdp_crypto *c, char *out, size_t outsz);
/* Fill c->key with fresh random bytes for c->suite (getrandom); 0 or -errno */
int sdp_crypto_new_key(struct sdp_crypto *c);

#endif /* KRTPD_SDP_CRYPTO_H */
