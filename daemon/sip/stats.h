/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP message counters for the metrics endpoint: requests by method and
 * responses by class, received (counted once parsed, retransmissions
 * included) and sent (every message handed to TP_Send, forwarded or
 * krtpd's own). Main thread only: plain increments, no locks, no atomics
 * (metrics are rendered on the main thread too, see metrics.h).
 */
#ifndef KRTPD_SIP_STATS_H
#define KRTPD_SIP_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define SST_METHODS	(SIP_M_MESSAGE + 1)	/* index SIP_M_OTHER (0) counts the rest */

struct sst_dir {
	uint64_t requests[SST_METHODS];
	uint64_t responses[7];		/* [1..6] = 1xx..6xx, [0] = any other status */
};

extern struct sst_dir sst_rx, sst_tx;

static inline void SST_Received(const struct sip_msg *m)
{
	if (m->request)
		sst_rx.requests[(unsigned int)m->method_id < SST_METHODS ? m->method_id : 0]++;
	else
		sst_rx.responses[m->status >= 100 && m->status < 700 ? m->status / 100 : 0]++;
}

/* Classify a message about to be sent from its first line; a few compares. */
void SST_Sent(const char *buf, size_t len);

/* Registers the emit function with the metrics server; idempotent. */
void SST_Init(void);

#endif /* KRTPD_SIP_STATS_H */
