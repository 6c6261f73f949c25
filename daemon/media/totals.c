// SPDX-License-Identifier: GPL-2.0
/*
 * MED_Totals: module-wide media figures for the metrics endpoint. One walk
 * over the calls with med_lock held; memory only, so a scrape never waits
 * on the kernel here.
 */
#include "internal.h"

void MED_Totals(struct med_totals *t)
{
	struct krtp_stats sum;
	unsigned int i, s;
	int fi;

	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&med_lock);
	t->up = med_running();
	t->kernel = med_kernel_mode;
	t->calls = med_ncalls;
	sum = med_user_retired;
	for (i = 0; i < MED_BUCKETS; i++) {
		const struct med_call *c;

		for (c = med_calls[i]; c; c = c->next)
			for (s = 0; s < c->nstreams; s++) {
				const struct med_stream *sm = c->streams[s];

				for (fi = 0; sm && fi < MED_F_MAX; fi++) {
					if (!sm->flow[fi].installed)
						continue;
					t->flows++;
					if (!med_kernel_mode)
						med_stats_add(&sum, &sm->flow[fi].u.st);
				}
			}
	}
	pthread_mutex_unlock(&med_lock);
	if (t->kernel)
		return;
	t->packets = sum.packets;
	t->bytes = sum.bytes;
	t->rtcp_packets = sum.rtcp_packets;
	t->rtcp_bytes = sum.rtcp_bytes;
	t->drop_wrong_source = sum.drop_wrong_source;
	t->drop_no_route = sum.drop_no_route;
	t->drop_not_rtp = sum.drop_not_rtp;
	t->drop_other = sum.drop_other;
}
