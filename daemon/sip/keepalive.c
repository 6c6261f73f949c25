// SPDX-License-Identifier: GPL-2.0
/*
 * STUN Binding on the SIP UDP port and CRLF pings on streams (RFC 5626
 * §3.5.1, §3.5.2, §4.4). Only the keep-alive part of STUN (RFC 5389 §7) is
 * served: a Binding request is answered with XOR-MAPPED-ADDRESS, no
 * authentication (§4.4.2 of RFC 5626 asks for none), FINGERPRINT echoed
 * when the client used it.
 *
 * A STUN message is validated as RFC 5389 §7.3 says before it is answered:
 * length a multiple of 4 that matches the datagram, the magic cookie,
 * attributes that fit, and a FINGERPRINT, if any, that is the last
 * attribute and correct. An unknown comprehension-required attribute would
 * deserve a 420 error response; a keep-alive never carries one, so such a
 * request is dropped and counted like any malformed one. The bytes are read
 * and written by the shared STUN codec (../stun.c).
 */
#include <string.h>

#include "../metrics.h"
#include "../stun.h"
#include "keepalive.h"

#define KA_MAX_IN	548	/* RFC 5389 §7.1: what fits any path's MTU */

static struct ka_stats ka_stats;

int KA_IsStun(const uint8_t *buf, size_t len)
{
	return STUN_IsStun(buf, len);
}

/*
 * 1 when the attributes are ones a keep-alive may carry and a FINGERPRINT,
 * if any, is last and correct (*fp then set). USERNAME, MESSAGE-INTEGRITY
 * and PRIORITY are ignored, as RFC 5389 allows for a Binding without auth.
 */
static int ka_attrs_ok(const struct stun_msg *m, int *fp)
{
	struct stun_iter it;
	struct stun_attr a;

	*fp = 0;
	STUN_IterInit(&it, m);
	while (STUN_IterNext(&it, &a)) {
		if (a.type == STUN_ATTR_FINGERPRINT) {
			if (!STUN_FingerprintOk(m, &a))
				return 0;
			*fp = 1;
		} else if (STUN_AttrRequired(a.type) && a.type != STUN_ATTR_USERNAME &&
			   a.type != STUN_ATTR_MESSAGE_INTEGRITY &&
			   a.type != STUN_ATTR_PRIORITY) {
			return 0;
		}
	}
	return 1;
}

size_t KA_Stun(const uint8_t *buf, size_t len, const struct sockaddr_storage *src,
	       uint8_t *out, size_t outsz)
{
	struct stun_build b;
	struct stun_msg m;
	size_t n;
	int fp;

	if (len > KA_MAX_IN || STUN_Parse(&m, buf, len) || !ka_attrs_ok(&m, &fp) ||
	    outsz < KA_STUN_MAX) {
		ka_stats.stun_bad++;
		return 0;
	}
	if (m.type == STUN_BINDING_INDICATION) {
		ka_stats.stun_indications++;
		return 0;
	}
	if (m.type != STUN_BINDING_REQUEST) {
		ka_stats.stun_bad++;
		return 0;
	}

	STUN_BuildInit(&b, out, outsz, STUN_BINDING_SUCCESS, m.tid);
	STUN_AddXorAddress(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, src);
	if (fp)
		STUN_AddFingerprint(&b);
	n = STUN_BuildEnd(&b);
	if (!n) {
		ka_stats.stun_bad++;	/* a source that is neither IPv4 nor IPv6 */
		return 0;
	}
	ka_stats.stun_requests++;
	return n;
}

void KA_CountPing(void)
{
	ka_stats.crlf_pings++;
}

void KA_GetStats(struct ka_stats *s)
{
	*s = ka_stats;
}

static void ka_emit(struct met_out *o)
{
	MET_Counter(o, "krtpd_sip_keepalives_total",
		    "Keep-alives answered: STUN Binding requests on UDP, CRLF pings on TCP/TLS.",
		    MET_LABELS("kind", "stun"), ka_stats.stun_requests);
	MET_Counter(o, "krtpd_sip_keepalives_total",
		    "Keep-alives answered: STUN Binding requests on UDP, CRLF pings on TCP/TLS.",
		    MET_LABELS("kind", "crlf"), ka_stats.crlf_pings);
	MET_Counter(o, "krtpd_sip_stun_dropped_total",
		    "STUN messages on the SIP port not answered (malformed, or not a Binding request).",
		    NULL, ka_stats.stun_bad);
}

void KA_Init(void)
{
	MET_AddSource(ka_emit);
}
