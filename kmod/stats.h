/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_STATS_H
#define _KRTP_STATS_H

#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>

/* why a matched packet was dropped; indexes krtp_pcpu_stats.drops */
enum krtp_drop_reason {
	KRTP_DROP_WRONG_SOURCE,
	KRTP_DROP_NO_ROUTE,
	KRTP_DROP_NOT_RTP,
	KRTP_DROP_OTHER,
	KRTP_DROP_MAX,
	/*
	 * SRTP flows only: flows count these in their struct krtp_srtp, so
	 * that plain flows do not carry them; namespaces count all reasons
	 */
	KRTP_DROP_SRTP_AUTH = KRTP_DROP_MAX,	/* tag wrong, or too short for one */
	KRTP_DROP_SRTP_REPLAY,			/* index seen or behind the window */
	KRTP_DROP_ALL_MAX,
};

/*
 * Per-CPU packet counters of a namespace. Only the packet path
 * writes them, on its own CPU with BHs off, so no lock and no atomic is
 * needed; readers sum all CPUs under the u64_stats seqcount.
 */
struct krtp_pcpu_stats {
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t rtcp_packets;
	u64_stats_t rtcp_bytes;
	u64_stats_t drops[KRTP_DROP_ALL_MAX];
	u64_stats_t passed;	/* STUN/DTLS left to the socket */
	/* RTP analysis results; lost can move back (late
	 * packets), so deltas may wrap: the sum over CPUs is still right
	 */
	u64_stats_t rtp_lost;
	u64_stats_t rtp_duplicates;
	u64_stats_t rtp_reordered;
	struct u64_stats_sync syncp;
};

/* a sum of counters over CPUs (and maybe flows or namespaces) */
struct krtp_stats {
	u64 packets;
	u64 bytes;
	u64 rtcp_packets;
	u64 rtcp_bytes;
	u64 drops[KRTP_DROP_ALL_MAX];
	u64 passed;
	u64 rtp_lost;
	u64 rtp_duplicates;
	u64 rtp_reordered;
};

struct krtp_pcpu_stats __percpu *krtp_stats_alloc(void);
void krtp_stats_free(struct krtp_pcpu_stats __percpu *stats);

void krtp_stats_read(struct krtp_pcpu_stats __percpu *stats,
		     struct krtp_stats *sum);
void krtp_stats_add(struct krtp_stats *sum, const struct krtp_stats *add);
u64 krtp_stats_total(const struct krtp_stats *stats);
u64 krtp_stats_dropped(const struct krtp_stats *stats);
void krtp_stats_retire(const struct krtp_stats *stats);
void krtp_stats_read_retired(struct krtp_stats *sum);

/**
 * krtp_stats_fwd - count one forwarded packet
 * @stats: per-CPU counters of a namespace
 * @rtcp: the packet is RTCP
 * @len: its UDP payload length
 *
 * Called from the packet path with BHs disabled.
 */
static inline void krtp_stats_fwd(struct krtp_pcpu_stats __percpu *stats,
				  bool rtcp, unsigned int len)
{
	struct krtp_pcpu_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	if (rtcp) {
		u64_stats_inc(&s->rtcp_packets);
		u64_stats_add(&s->rtcp_bytes, len);
	} else {
		u64_stats_inc(&s->packets);
		u64_stats_add(&s->bytes, len);
	}
	u64_stats_update_end(&s->syncp);
}

/**
 * krtp_stats_drop - count one dropped packet
 * @stats: per-CPU counters of a namespace
 * @reason: why it was dropped
 *
 * Called from the packet path with BHs disabled.
 */
static inline void krtp_stats_drop(struct krtp_pcpu_stats __percpu *stats,
				   enum krtp_drop_reason reason)
{
	struct krtp_pcpu_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->drops[reason]);
	u64_stats_update_end(&s->syncp);
}

/**
 * krtp_stats_pass - count one packet left to the local socket
 * @stats: per-CPU counters of a namespace
 *
 * Called from the packet path with BHs disabled.
 */
static inline void krtp_stats_pass(struct krtp_pcpu_stats __percpu *stats)
{
	struct krtp_pcpu_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->passed);
	u64_stats_update_end(&s->syncp);
}

/**
 * krtp_stats_rtp - add what one RTP packet changed in the analysis
 * @stats: per-CPU counters of a namespace
 * @lost: change of the lost count (may be "negative", modulo 2^64)
 * @duplicates: new duplicates
 * @reordered: new late packets
 *
 * Called from the packet path with BHs disabled.
 */
static inline void krtp_stats_rtp(struct krtp_pcpu_stats __percpu *stats,
				  u64 lost, u64 duplicates, u64 reordered)
{
	struct krtp_pcpu_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->rtp_lost, lost);
	u64_stats_add(&s->rtp_duplicates, duplicates);
	u64_stats_add(&s->rtp_reordered, reordered);
	u64_stats_update_end(&s->syncp);
}

#endif /* _KRTP_STATS_H */
