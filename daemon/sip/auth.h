/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HTTP digest authentication for REGISTER (RFC 3261 §22, RFC 7616), MD5 and
 * SHA-256, qop=auth or none, against a users file:
 *
 *   # comment
 *   alice:secret                 plain password (both algorithms work)
 *   bob:example.com:<HA1 hex>    HA1 = H(user:realm:password); 32 hex digits
 *                                for MD5, 64 for SHA-256 (then only that one)
 *
 * Nonces are stateless: a timestamp and a keyed hash of it, so they survive
 * nothing but also need no table; an expired one with a correct response
 * gets a new challenge with stale=true. Main thread only.
 */
#ifndef KRTPD_SIP_AUTH_H
#define KRTPD_SIP_AUTH_H

#include <stdint.h>

#include "build.h"
#include "msg.h"

/* users_file NULL or "" turns authentication off. Returns 0 or -errno. */
int AUTH_Init(const char *users_file, const char *realm, unsigned int nonce_lifetime);
void AUTH_Fini(void);
/* Re-read the users file (SIGHUP); keeps the old set on failure. */
int AUTH_Reload(void);
int AUTH_Enabled(void);
/* Is user in the users file? (0 when authentication is off) */
int AUTH_UserKnown(struct sip_str user);

/*
 * Check the Authorization of request m for AOR user `user`.
 * Returns 0 (authenticated), 401 (challenge; *stale set) or 403 (refused).
 */
int AUTH_Check(const struct sip_msg *m, struct sip_str user, int *stale);
/* Add WWW-Authenticate headers for MD5 and SHA-256 (RFC 7616 §3.7). */
void AUTH_Challenge(struct sip_buf *b, int stale);

/* Building blocks, exposed for the unit tests (RFC 7616 §3.9.1 vectors). */
void AUTH_Hash(int sha256, const char *s, size_t len, char *hex);
void AUTH_Ha1(int sha256, const char *user, const char *realm, const char *pass, char *hex);
void AUTH_Response(int sha256, const char *ha1, struct sip_str nonce, struct sip_str nc,
		   struct sip_str cnonce, struct sip_str qop, struct sip_str method,
		   struct sip_str uri, char *hex);
/* Nonce for time `now` (seconds); validity: 0 ok, 1 stale, -1 forged. */
void AUTH_Nonce(uint64_t now, char *out, size_t outsz);
int AUTH_NonceCheck(struct sip_str nonce, uint64_t now);

#endif /* KRTPD_SIP_AUTH_H */
