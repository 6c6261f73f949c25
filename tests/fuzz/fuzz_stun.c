// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for STUN (daemon/stun.c) and its two users, the ICE-lite
 * responder (daemon/media/ice.c) and the SIP keep-alive (sip/keepalive.c).
 * The first input byte is a mode, the rest one datagram:
 *   bit 0  repair: recompute MESSAGE-INTEGRITY (password PWD) and
 *          FINGERPRINT where the datagram has them, so mutations get past
 *          both checks and reach what ICE does after authentication;
 *   bit 1  the sender is IPv6, else IPv4;
 *   bit 2  the remote ufrag is not known yet (NULL).
 * Checks: every attribute the iterator hands out lies inside the message;
 * a dropped datagram reports no answer; an answer parses, echoes the
 * transaction ID, fits ICE_ANSWER_MAX (KA_STUN_MAX for keep-alives), ends
 * with a correct FINGERPRINT, and its MESSAGE-INTEGRITY, if any, checks
 * with PWD.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stun.h"
#include "media/ice.h"
#include "sip/keepalive.h"

#define LFRAG	"kRtP"
#define RFRAG	"Brws"
#define PWD	"asd88fgpdd777uzjYhagZg0123"

/* Make MESSAGE-INTEGRITY and FINGERPRINT right again where they are. */
static void repair(uint8_t *buf, size_t n)
{
	struct stun_msg m;
	struct stun_iter it;
	struct stun_attr a;
	struct stun_build b;
	uint8_t hdr2, hdr3;

	if (STUN_Parse(&m, buf, n))
		return;
	STUN_IterInit(&it, &m);
	while (STUN_IterNext(&it, &a)) {
		if (a.type == STUN_ATTR_MESSAGE_INTEGRITY && a.len == STUN_HMAC_LEN) {
			/* the builder rewrites the length for MI as the last one; put it back */
			hdr2 = buf[2];
			hdr3 = buf[3];
			b = (struct stun_build){ .buf = buf, .size = a.off + 24, .len = a.off };
			STUN_AddIntegrity(&b, PWD, strlen(PWD));
			buf[2] = hdr2;
			buf[3] = hdr3;
		} else if (a.type == STUN_ATTR_FINGERPRINT && a.len == 4 && a.off + 8 == n) {
			b = (struct stun_build){ .buf = buf, .size = n, .len = a.off };
			STUN_AddFingerprint(&b);
		}
	}
}

/* Walk a parsed message the way a caller would; abort on anything out of bounds. */
static void walk(const uint8_t *buf, size_t n)
{
	struct sockaddr_storage ss;
	struct stun_msg m;
	struct stun_iter it;
	struct stun_attr a;

	if (STUN_Parse(&m, buf, n))
		return;
	STUN_IterInit(&it, &m);
	while (STUN_IterNext(&it, &a)) {
		if (a.val < buf + STUN_HDR_LEN || a.val + a.len > buf + n)
			abort();
		if (a.type == STUN_ATTR_XOR_MAPPED_ADDRESS)
			(void)STUN_GetXorAddress(&m, &a, &ss);
		else if (a.type == STUN_ATTR_FINGERPRINT)
			(void)STUN_FingerprintOk(&m, &a);
		else if (a.type == STUN_ATTR_MESSAGE_INTEGRITY)
			(void)STUN_IntegrityOk(&m, &a, PWD, strlen(PWD));
	}
}

static void check_answer(const uint8_t *req, const uint8_t *out, size_t n, size_t max)
{
	struct stun_msg m;
	struct stun_attr a;

	if (n > max || STUN_Parse(&m, out, n) || memcmp(m.tid, req + 8, STUN_TID_LEN))
		abort();
	if (m.type != STUN_BINDING_SUCCESS && m.type != STUN_BINDING_ERROR)
		abort();
	if (STUN_Find(&m, STUN_ATTR_MESSAGE_INTEGRITY, &a) &&
	    !STUN_IntegrityOk(&m, &a, PWD, strlen(PWD)))
		abort();
	if (STUN_Find(&m, STUN_ATTR_FINGERPRINT, &a) && !STUN_FingerprintOk(&m, &a))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[8192];
	struct sockaddr_storage src = { 0 };
	uint8_t out[ICE_ANSWER_MAX], ka[KA_STUN_MAX];
	enum ice_verdict v;
	size_t n, olen = 1;
	uint8_t mode;

	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	mode = data[0];
	n = size - 1;
	memcpy(buf, data + 1, n);
	if (mode & 1)
		repair(buf, n);
	walk(buf, n);

	if (mode & 2) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&src;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(40000);
		s6->sin6_addr.s6_addr[0] = 0x20;
		s6->sin6_addr.s6_addr[15] = 7;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&src;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(50000);
		s4->sin_addr.s_addr = htonl(0xc6336407);
	}

	v = ICE_LiteAnswer(buf, n, &src, LFRAG, PWD, (mode & 4) ? NULL : RFRAG, out, &olen);
	if (v == ICE_DROP) {
		if (olen)
			abort();
	} else {
		check_answer(buf, out, olen, ICE_ANSWER_MAX);
		/* nominated only by an authenticated success */
		if (v == ICE_REPLY_NOMINATED && out[1] != 0x01)
			abort();
	}

	olen = KA_Stun(buf, n, &src, ka, sizeof(ka));
	if (olen)
		check_answer(buf, ka, olen, KA_STUN_MAX);
	return 0;
}
