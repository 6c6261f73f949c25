// SPDX-License-Identifier: GPL-2.0
/*
 * SIP message counters (see stats.h) and their metrics.
 */
#include <string.h>

#include "../metrics.h"
#include "stats.h"

struct sst_dir sst_rx, sst_tx;

void SST_Sent(const char *buf, size_t len)
{
	const char *sp;

	if (len >= 12 && !memcmp(buf, "SIP/2.0 ", 8)) {
		char c = buf[8];

		sst_tx.responses[c >= '1' && c <= '6' ? c - '0' : 0]++;
		return;
	}
	sp = memchr(buf, ' ', len < 16 ? len : 16);
	sst_tx.requests[sp ? MSG_MethodId(buf, sp - buf) : SIP_M_OTHER]++;
}

static void sst_emit_dir(struct met_out *o, const struct sst_dir *d, const char *req_name,
			 const char *req_help, const char *resp_name, const char *resp_help)
{
	static const char *const classes[7] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx" };
	unsigned int i;

	for (i = 1; i <= SST_METHODS; i++) {
		unsigned int m = i % SST_METHODS;	/* "other" last */

		MET_Counter(o, req_name, req_help,
			    MET_LABELS("method", m ? MSG_MethodName(m) : "other"), d->requests[m]);
	}
	for (i = 1; i <= 7; i++)
		MET_Counter(o, resp_name, resp_help, MET_LABELS("class", classes[i % 7]),
			    d->responses[i % 7]);
}

static void sst_emit(struct met_out *o)
{
	sst_emit_dir(o, &sst_rx, "krtpd_sip_requests_received_total",
		     "SIP requests received and parsed, by method (retransmissions included).",
		     "krtpd_sip_responses_received_total",
		     "SIP responses received and parsed, by status class.");
	sst_emit_dir(o, &sst_tx, "krtpd_sip_requests_sent_total",
		     "SIP requests sent (forwarded or krtpd's own, retransmissions included), by method.",
		     "krtpd_sip_responses_sent_total",
		     "SIP responses sent (forwarded or krtpd's own), by status class.");
}

void SST_Init(void)
{
	MET_AddSource(sst_emit);
}
