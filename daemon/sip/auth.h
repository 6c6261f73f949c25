/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HTTP digest authentication (RFC 3261 §22, RFC 7616), MD5 and SHA-256,
 * qop=auth or none, against a users file:
 *
 *   # comment
 *   alice:secret                 plain password (both algorithms work)
 *   bob:example.com:<HA1 hex>    HA1 = H(user:realm:password); 32 hex digits
 *                                for MD5, 64 for SHA-256 (then only that one)
 *
 * The registrar challenges REGISTER with 401/WWW-Authenticate, the proxy
 * other requests with 407/Proxy-Authenticate (§22.3); both share the nonces.
 *
 * A nonce is a timestamp, a serial number and a keyed hash of both, so its
 * validity needs no table; an expired one with a correct response gets a
 * new challenge with stale=true. With qop=auth the last nonce-count
 * accepted for each nonce is remembered, in a table of fixed size that
 * forgets the oldest first, and a count that does not grow is refused (a
 * replay). A nonce that may have been forgotten is treated as stale.
 * Main thread only.
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

/* Which exchange: 401 WWW-Authenticate/Authorization or 407 Proxy-Authenticate/-Authorization */
enum auth_kind {
	AUTH_WWW,
	AUTH_PROXY,
};

/*
 * Check the credentials of request m (its Authorization or its
 * Proxy-Authorization, after kind) for user `user`: the AOR for REGISTER,
 * the From user for the proxy. Returns 0 (authenticated), 401 or 407
 * (challenge again; *stale set), 400 (the digest uri= is not the
 * Request-URI) or 403 (refused); *reason is the phrase for 400 and 403.
 */
int AUTH_Check(const struct sip_msg *m, enum auth_kind kind, struct sip_str user, int *stale,
	       const char **reason);
/*
 * digest_algorithms: "MD5", "SHA-256" or both, comma or space separated,
 * in the order the challenges are to be offered. Parse fills algs (0 MD5,
 * 1 SHA-256) and returns how many, or -EINVAL; Set makes them the ones
 * challenged with and accepted (AUTH_Init goes back to "SHA-256, MD5").
 */
int AUTH_ParseAlgorithms(const char *list, int algs[2]);
int AUTH_SetAlgorithms(const char *list);
/*
 * Add WWW- or Proxy-Authenticate headers for user (as for AUTH_Check), one
 * per algorithm, most preferred first (RFC 7616 §3.7, RFC 8760 §2.4); a
 * user with an HA1 for one algorithm only gets that one.
 */
void AUTH_Challenge(struct sip_buf *b, enum auth_kind kind, struct sip_str user, int stale);
/* Are these credentials (an Authorization header value) for our realm? */
int AUTH_ForUs(struct sip_str credentials);

/* Building blocks, exposed for the unit tests (RFC 7616 §3.9.1 vectors). */
void AUTH_Hash(int sha256, const char *s, size_t len, char *hex);
void AUTH_Ha1(int sha256, const char *user, const char *realm, const char *pass, char *hex);
void AUTH_Response(int sha256, const char *ha1, struct sip_str nonce, struct sip_str nc,
		   struct sip_str cnonce, struct sip_str qop, struct sip_str method,
		   struct sip_str uri, char *hex);
/* A new nonce for time `now` (seconds); validity: 0 ok, 1 stale, -1 forged. */
#define AUTH_NONCE_LEN	42
void AUTH_Nonce(uint64_t now, char *out, size_t outsz);
int AUTH_NonceCheck(struct sip_str nonce, uint64_t now);
/*
 * Record nonce-count nc for a valid nonce: 0 when it is greater than the
 * last one accepted for that nonce, -1 (a replay, or a nonce that may have
 * been forgotten) when not. AUTH_NC_SLOTS nonces are remembered.
 */
#define AUTH_NC_SLOTS	8192
int AUTH_NonceCount(struct sip_str nonce, uint32_t nc);

#endif /* KRTPD_SIP_AUTH_H */
