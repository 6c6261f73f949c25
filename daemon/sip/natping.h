/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NAT pings, what Kamailio's nathelper does with natping_interval and
 * sipping: a UDP binding whose Contact IP is not the one its REGISTER came
 * from (the UA is behind NAT) gets an OPTIONS every nat_ping_interval seconds,
 * sent to that NAT address, so the NAT keeps the binding open for calls
 * to come in. Any response counts as alive; after nat_ping_failures pings
 * in a row go unanswered, the binding is unregistered (memory and store)
 * and that is logged.
 *
 * Not pinged: TCP and TLS bindings (the connection holds the NAT open and
 * the UA's CRLF pings test it), outbound bindings (the UA sends its own
 * STUN keep-alives, RFC 5626) and bindings behind a Path (the edge proxy
 * that added it is nearer the UA).
 *
 * Pings are stateless: the Via branch marks them (z9hG4bKnp...) and the
 * Call-ID names the binding, so a response finds its binding without a
 * table of pending pings. Main thread only.
 */
#ifndef KRTPD_SIP_NATPING_H
#define KRTPD_SIP_NATPING_H

#include <stdint.h>

#include "msg.h"

struct natp_config {
	unsigned int interval;		/* seconds, 0 = no pings */
	unsigned int failures;		/* unanswered in a row before unregistering */
};

int NATP_Init(const struct natp_config *cfg);
void NATP_Fini(void);
/* One sweep at time now (the timer runs it every second; tests call it). */
void NATP_Run(int64_t now);
/* A response to one of our pings (consumed: 1), or not ours (0). */
int NATP_Response(const struct sip_msg *m);

struct natp_stats {
	unsigned long sent, answered, unregistered;
};
void NATP_GetStats(struct natp_stats *s);

#endif /* KRTPD_SIP_NATPING_H */
