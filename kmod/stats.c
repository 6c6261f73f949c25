// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: per-CPU packet counters and their sums.
 *
 * Every matched packet bumps the counters of its flow and the per-CPU
 * counters of its namespace. The module-wide sums in sysfs add up the live
 * namespaces plus what namespaces that went away had counted ("retired"),
 * so module counters never go backwards.
 *
 * Namespaces allocate their counters with alloc_percpu(). Flows, of which
 * there may be a million, have no per-CPU memory: their counters are
 * atomics in struct krtp_flow (flow.h says why).
 */

#include <linux/spinlock.h>

#include "stats.h"

/* counters of namespaces that exited; krtp_stats_retired_lock guards them */
static struct krtp_stats krtp_stats_retired;
static DEFINE_SPINLOCK(krtp_stats_retired_lock);

/**
 * krtp_stats_alloc - allocate zeroed per-CPU counters
 *
 * Return: the counters or NULL.
 */
struct krtp_pcpu_stats __percpu *krtp_stats_alloc(void)
{
	struct krtp_pcpu_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu_gfp(struct krtp_pcpu_stats, GFP_KERNEL);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

/**
 * krtp_stats_free - free counters from krtp_stats_alloc()
 * @stats: the counters, or NULL
 *
 * May be called from an RCU callback.
 */
void krtp_stats_free(struct krtp_pcpu_stats __percpu *stats)
{
	free_percpu(stats);
}

/**
 * krtp_stats_read - add the per-CPU counters to a sum
 * @stats: per-CPU counters
 * @sum: where they are added (not zeroed first)
 */
void krtp_stats_read(struct krtp_pcpu_stats __percpu *stats,
		     struct krtp_stats *sum)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct krtp_pcpu_stats *s = per_cpu_ptr(stats, cpu);
		struct krtp_stats one;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			one.packets = u64_stats_read(&s->packets);
			one.bytes = u64_stats_read(&s->bytes);
			one.rtcp_packets = u64_stats_read(&s->rtcp_packets);
			one.rtcp_bytes = u64_stats_read(&s->rtcp_bytes);
			for (i = 0; i < KRTP_DROP_ALL_MAX; i++)
				one.drops[i] = u64_stats_read(&s->drops[i]);
			one.passed = u64_stats_read(&s->passed);
			one.rtp_lost = u64_stats_read(&s->rtp_lost);
			one.rtp_duplicates = u64_stats_read(&s->rtp_duplicates);
			one.rtp_reordered = u64_stats_read(&s->rtp_reordered);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		krtp_stats_add(sum, &one);
	}
}

/**
 * krtp_stats_add - add one sum to another
 * @sum: the total
 * @add: what to add to it
 */
void krtp_stats_add(struct krtp_stats *sum, const struct krtp_stats *add)
{
	int i;

	sum->packets += add->packets;
	sum->bytes += add->bytes;
	sum->rtcp_packets += add->rtcp_packets;
	sum->rtcp_bytes += add->rtcp_bytes;
	for (i = 0; i < KRTP_DROP_ALL_MAX; i++)
		sum->drops[i] += add->drops[i];
	sum->passed += add->passed;
	sum->rtp_lost += add->rtp_lost;
	sum->rtp_duplicates += add->rtp_duplicates;
	sum->rtp_reordered += add->rtp_reordered;
}

/**
 * krtp_stats_dropped - all drops, whatever the reason
 * @stats: a sum
 *
 * Return: the number of dropped packets.
 */
u64 krtp_stats_dropped(const struct krtp_stats *stats)
{
	u64 n = 0;
	int i;

	for (i = 0; i < KRTP_DROP_ALL_MAX; i++)
		n += stats->drops[i];
	return n;
}

/**
 * krtp_stats_total - packets seen on flows: forwarded, dropped, passed
 * @stats: a sum
 *
 * Return: KRTP_A_STATS_PACKETS_TOTAL.
 */
u64 krtp_stats_total(const struct krtp_stats *stats)
{
	return stats->packets + stats->rtcp_packets + krtp_stats_dropped(stats) +
	       stats->passed;
}

/**
 * krtp_stats_retire - keep the counts of a namespace that goes away
 * @stats: its final sum
 */
void krtp_stats_retire(const struct krtp_stats *stats)
{
	spin_lock(&krtp_stats_retired_lock);
	krtp_stats_add(&krtp_stats_retired, stats);
	spin_unlock(&krtp_stats_retired_lock);
}

/**
 * krtp_stats_read_retired - add the counts of namespaces that went away
 * @sum: where they are added
 */
void krtp_stats_read_retired(struct krtp_stats *sum)
{
	spin_lock(&krtp_stats_retired_lock);
	krtp_stats_add(sum, &krtp_stats_retired);
	spin_unlock(&krtp_stats_retired_lock);
}
