/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICE-lite responder (RFC 8445 §2.5): krtpd never sends connectivity checks,
 * it answers them, from the relay port they arrived on, with the address
 * they came from. Consent freshness (RFC 7675) rides on the same Binding
 * requests. A lite agent is always the controlled agent (§6.1.1).
 *
 * Pure function of its arguments (credentials come from the SDP of the call,
 * the caller holds them): no state, no locks, any thread.
 */
#ifndef KRTPD_MEDIA_ICE_H
#define KRTPD_MEDIA_ICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Bytes out must hold: the largest answer ICE_LiteAnswer writes (an IPv6
 * success response is 76 bytes, a 420 listing the most unknown attributes
 * it lists is the largest error) fits in this with room to spare.
 */
#define ICE_ANSWER_MAX	256

enum ice_verdict { ICE_DROP, ICE_REPLY, ICE_REPLY_NOMINATED };

/*
 * Answer a STUN Binding request as an ICE-lite agent (RFC 8445 §7.3):
 * checks USERNAME "local_ufrag:remote_ufrag" (remote_ufrag may be NULL = any),
 * MESSAGE-INTEGRITY with local_pwd, FINGERPRINT; writes a success response
 * (XOR-MAPPED-ADDRESS of src, MESSAGE-INTEGRITY, FINGERPRINT) or an error
 * response (400/401/487) into out, *outlen its length. ICE_REPLY_NOMINATED
 * when the request carried USE-CANDIDATE. ICE_DROP: not answered.
 *
 * out must have room for ICE_ANSWER_MAX bytes. A remote_ufrag of "" means
 * any, as NULL does (an SDP without a=ice-ufrag leaves it empty); "any"
 * still wants a non-empty one after the colon.
 *
 * In the order the checks run (RFC 5389 §7.3, §10.1.2; RFC 8445 §7.3):
 *  - not a well-formed STUN message, not a Binding request, no FINGERPRINT
 *    or a wrong one, src neither IPv4 nor IPv6: ICE_DROP, nothing written;
 *  - no USERNAME or no MESSAGE-INTEGRITY: 400;
 *  - USERNAME not ours, or MESSAGE-INTEGRITY not made with local_pwd: 401.
 *    These two errors carry no MESSAGE-INTEGRITY (the sender is unknown);
 *  - an unknown comprehension-required attribute: 420 with UNKNOWN-ATTRIBUTES;
 *  - no PRIORITY, or both ICE-CONTROLLING and ICE-CONTROLLED: 400;
 *  - ICE-CONTROLLED: 487 Role Conflict (§7.3.1.1). The peer thinks it is
 *    controlled too; a lite agent cannot take the controlling role, so it
 *    always asks the peer to switch, as if its own tie-breaker were the
 *    smallest; ICE-CONTROLLING, or neither (an old agent), is no conflict;
 *  - else the success response, and ICE_REPLY_NOMINATED if USE-CANDIDATE.
 * Errors after the 401 step are authenticated: they carry MESSAGE-INTEGRITY.
 * Every answer ends with FINGERPRINT. Attributes after MESSAGE-INTEGRITY
 * are not covered by it and are ignored (RFC 5389 §15.4).
 */
enum ice_verdict ICE_LiteAnswer(const uint8_t *req, size_t len,
				const struct sockaddr_storage *src,
				const char *local_ufrag, const char *local_pwd,
				const char *remote_ufrag,
				uint8_t *out, size_t *outlen);

#endif /* KRTPD_MEDIA_ICE_H */
