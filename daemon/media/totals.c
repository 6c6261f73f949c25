// SPDX-License-Identifier: GPL-2.0
/*
 * What media counted: MED_Stats for one call (`krtpctl calls`), and
 * MED_Totals, module-wide figures for the metrics endpoint: one walk over
 * the calls with med_lock held, memory only, so a scrape never waits on the
 * kernel.
 */
#include <errno.h>

#include "internal.h"

int MED_Stats(const char *call_key, struct med_call_stats *out)
{
	uint64_t now = med_now_ms(), idle = UINT64_MAX;
	struct krtp_stats dir[2], st;
	struct med_call *c;
	unsigned int i;
	int fi;

	memset(out, 0, sizeof(*out));
	memset(dir, 0, sizeof(dir));
	pthread_mutex_lock(&med_lock);
	c = med_running() && call_key ? med_call_find(call_key) : NULL;
	if (!c) {
		pthread_mutex_unlock(&med_lock);
		return -ENOENT;
	}
	out->kernel = med_kernel_mode;	/* unless a flow is the relay's, below */
	for (i = 0; i < c->nstreams; i++) {
		struct med_stream *sm = c->streams[i];

		if (!sm || !sm->pa)
			continue;
		if (!out->streams++) {
			out->port_a = sm->pa;
			out->port_b = sm->pb;
		}
		med_stats_add(&dir[0], &sm->acc[0]);
		med_stats_add(&dir[1], &sm->acc[1]);
		for (fi = 0; fi < MED_F_MAX; fi++) {
			const struct med_flow *f = &sm->flow[fi];
			uint64_t fidle;

			if (!f->installed || med_flow_stats(f, &st))
				continue;
			med_stats_add(&dir[fi >= MED_F_BA_RTP], &st);
			fidle = st.idle_msecs;
			if (f->user) {
				out->kernel = 0;
				fidle = now - (f->u.last_rx_ms > c->programmed_ms ?
					       f->u.last_rx_ms : c->programmed_ms);
			}
			if (fidle < idle)
				idle = fidle;
		}
	}
	out->dropped = c->dropped;
	pthread_mutex_unlock(&med_lock);
	out->packets_a_to_b = dir[0].packets + dir[0].rtcp_packets;
	out->packets_b_to_a = dir[1].packets + dir[1].rtcp_packets;
	out->bytes_a_to_b = dir[0].bytes + dir[0].rtcp_bytes;
	out->bytes_b_to_a = dir[1].bytes + dir[1].rtcp_bytes;
	for (i = 0; i < 2; i++) {
		/* krtp.ko counts SRTP drops apart; the relay counts them as drop_other */
		out->dropped += dir[i].drop_wrong_source + dir[i].drop_no_route +
				dir[i].drop_not_rtp + dir[i].drop_other + dir[i].srtp_auth_fail +
				dir[i].srtp_replay;
		out->lost += dir[i].rtp_lost;
		if (dir[i].rtp_jitter_usecs > out->jitter_usecs)
			out->jitter_usecs = dir[i].rtp_jitter_usecs;
	}
	out->idle_msecs = idle == UINT64_MAX ? 0 : idle;
	return 0;
}

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
					if (sm->flow[fi].user)
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
