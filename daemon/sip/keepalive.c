// SPDX-License-Identifier: GPL-2.0
/*
 * STUN Binding on the SIP UDP port and CRLF pings on streams (RFC 5626
 * §3.5.1, §3.5.2, §4.4). Only the keep-alive part of STUN (RFC 5389 §7) is
 * served: a Binding request is answered with XOR-MAPPED-ADDRESS, no
 * authentication (§4.4.2 of RFC 5626 asks for none), FINGERPRINT echoed
 * when the client used it. The CRC-32 of FINGERPRINT is zlib's.
 *
 * A STUN message is validated as RFC 5389 §7.3 says before it is answered:
 * length a multiple of 4 that matches the datagram, the magic cookie,
 * attributes that fit, and a FINGERPRINT, if any, that is the last
 * attribute and correct. An unknown comprehension-required attribute would
 * deserve a 420 error response; a keep-alive never carries one, so such a
 * request is dropped and counted like any malformed one.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <zlib.h>

#include "../metrics.h"
#include "keepalive.h"

#define STUN_HDR		20
#define STUN_COOKIE		0x2112A442u
#define STUN_BINDING_REQ	0x0001
#define STUN_BINDING_IND	0x0011
#define STUN_BINDING_OK		0x0101
#define STUN_XOR_MAPPED		0x0020
#define STUN_FINGERPRINT	0x8028
#define STUN_FP_XOR		0x5354554eu
#define STUN_MAX_IN		548	/* RFC 5389 §7.1: what fits any path's MTU */

static struct ka_stats ka_stats;

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint32_t ka_fingerprint(const uint8_t *msg, size_t len)
{
	return (uint32_t)crc32(0L, msg, (uInt)len) ^ STUN_FP_XOR;
}

int KA_IsStun(const uint8_t *buf, size_t len)
{
	return len >= STUN_HDR && !(buf[0] & 0xc0) && get32(buf + 4) == STUN_COOKIE;
}

/*
 * Walk the attributes of a message of len bytes; 1 when they fit exactly.
 * *fp is set when a correct FINGERPRINT ends the message; -1 when one is
 * there but wrong or not last.
 */
static int ka_attrs_ok(const uint8_t *buf, size_t len, int *fp)
{
	size_t off = STUN_HDR;

	*fp = 0;
	while (off < len) {
		uint16_t type, alen;
		size_t padded;

		if (len - off < 4)
			return 0;
		type = get16(buf + off);
		alen = get16(buf + off + 2);
		padded = (alen + 3u) & ~3u;
		if (padded > len - off - 4)
			return 0;
		if (type == STUN_FINGERPRINT) {
			if (alen != 4 || off + 8 != len ||
			    get32(buf + off + 4) != ka_fingerprint(buf, off)) {
				*fp = -1;
				return 0;
			}
			*fp = 1;
		} else if (type < 0x8000 && type != 0x0006 && type != 0x0008 &&
			   type != 0x0024 && type != 0x8022) {
			/*
			 * comprehension-required and not one a keep-alive may
			 * carry (USERNAME, MESSAGE-INTEGRITY and PRIORITY are
			 * ignored as RFC 5389 allows for Binding without auth)
			 */
			return 0;
		}
		off += 4 + padded;
	}
	return 1;
}

size_t KA_Stun(const uint8_t *buf, size_t len, const struct sockaddr_storage *src,
	       uint8_t *out, size_t outsz)
{
	uint16_t type;
	size_t n = STUN_HDR;
	int fp;

	if (!KA_IsStun(buf, len) || len > STUN_MAX_IN || get16(buf + 2) != len - STUN_HDR ||
	    (len & 3) || !ka_attrs_ok(buf, len, &fp) || outsz < KA_STUN_MAX) {
		ka_stats.stun_bad++;
		return 0;
	}
	type = get16(buf);
	if (type == STUN_BINDING_IND) {
		ka_stats.stun_indications++;
		return 0;
	}
	if (type != STUN_BINDING_REQ) {
		ka_stats.stun_bad++;
		return 0;
	}

	/* header: success response, same cookie and transaction ID */
	put16(out, STUN_BINDING_OK);
	memcpy(out + 4, buf + 4, 16);

	/* XOR-MAPPED-ADDRESS: port ^ top of the cookie, address ^ cookie (+ ID for v6) */
	put16(out + n, STUN_XOR_MAPPED);
	if (src->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)src;

		put16(out + n + 2, 8);
		put16(out + n + 4, 0x0001);
		put16(out + n + 6, ntohs(s4->sin_port) ^ (STUN_COOKIE >> 16));
		put32(out + n + 8, ntohl(s4->sin_addr.s_addr) ^ STUN_COOKIE);
		n += 12;
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)src;
		int i;

		put16(out + n + 2, 20);
		put16(out + n + 4, 0x0002);
		put16(out + n + 6, ntohs(s6->sin6_port) ^ (STUN_COOKIE >> 16));
		for (i = 0; i < 16; i++)
			out[n + 8 + i] = s6->sin6_addr.s6_addr[i] ^ buf[4 + i];
		n += 24;
	}
	if (fp) {
		/* the length field must already count FINGERPRINT when it is computed */
		put16(out + 2, (uint16_t)(n + 8 - STUN_HDR));
		put16(out + n, STUN_FINGERPRINT);
		put16(out + n + 2, 4);
		put32(out + n + 4, ka_fingerprint(out, n));
		n += 8;
	}
	put16(out + 2, (uint16_t)(n - STUN_HDR));
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
