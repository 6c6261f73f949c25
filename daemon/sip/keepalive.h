/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keep-alives a client sends to hold its NAT binding and learn whether its
 * flow still works (RFC 5626 §3.5, §4.4): on UDP a STUN Binding request
 * (RFC 5389) on the SIP port, answered with the address it came from; on
 * TCP and TLS a CRLF CRLF "ping", answered with a CRLF "pong". Both are
 * answered whether or not the client registered with outbound. Main thread
 * only: plain counters.
 */
#ifndef KRTPD_SIP_KEEPALIVE_H
#define KRTPD_SIP_KEEPALIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define KA_STUN_MAX	64		/* bytes of the largest answer KA_Stun builds */

/*
 * Is this datagram STUN rather than SIP? (The first two bits of a STUN
 * message are zero and bytes 4..7 hold the magic cookie; SIP starts with a
 * letter.)
 */
int KA_IsStun(const uint8_t *buf, size_t len);

/*
 * Answer a STUN message from src: for a well-formed Binding request, the
 * Binding success response with XOR-MAPPED-ADDRESS (and FINGERPRINT when
 * the request had one) goes to out, and its length is returned. 0 when
 * nothing is to be sent (an indication, or a malformed message: counted).
 */
size_t KA_Stun(const uint8_t *buf, size_t len, const struct sockaddr_storage *src,
	       uint8_t *out, size_t outsz);

/* A CRLF CRLF ping was read on a stream and a pong sent: count it. */
void KA_CountPing(void);

struct ka_stats {
	unsigned long stun_requests;	/* Binding requests answered */
	unsigned long stun_indications;	/* Binding indications (no answer) */
	unsigned long stun_bad;		/* STUN-looking datagrams dropped */
	unsigned long crlf_pings;	/* CRLF CRLF pings answered on streams */
};
void KA_GetStats(struct ka_stats *s);

/* Registers the metrics; idempotent. */
void KA_Init(void);

#endif /* KRTPD_SIP_KEEPALIVE_H */
