// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: per-CPU packet counters and their sums.
 *
 * Every matched packet bumps the counters of its flow and of its namespace,
 * both per-CPU. The module-wide sums in sysfs add up the live namespaces
 * plus what namespaces that went away had counted ("retired"), so module
 * counters never go backwards.
 *
 * Namespaces allocate their counters with alloc_percpu(). Flows, of which
 * there may be a hundred thousand, take a slot of a shared block instead:
 * pcpu_alloc() searches its chunks under a global lock with IRQs off, and
 * one call per flow was half the cost of installing one.
 */

#include <linux/bitmap.h>
#include <linux/list.h>
#include <linux/slab.h>
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

#define KRTP_STATS_BLOCK_SLOTS 64

/**
 * struct krtp_stats_block - per-CPU counters for KRTP_STATS_BLOCK_SLOTS flows
 * @node: in krtp_stats_partial while a slot is free
 * @slots: the counters, one alloc_percpu() for all slots
 * @used: slots in use
 * @busy: which ones
 *
 * All but @slots is guarded by krtp_stats_pool_lock. A slot's counters
 * belong to its flow from krtp_stats_slot_get() until krtp_stats_slot_put(),
 * which runs after the flow's last reader (an RCU callback).
 */
struct krtp_stats_block {
	struct list_head node;
	struct krtp_pcpu_stats __percpu *slots;
	unsigned int used;
	DECLARE_BITMAP(busy, KRTP_STATS_BLOCK_SLOTS);
};

/* blocks with a free slot; full blocks are on no list */
static LIST_HEAD(krtp_stats_partial);
/* taken with BHs off: slots are put back from RCU callbacks (softirq) */
static DEFINE_SPINLOCK(krtp_stats_pool_lock);

static void krtp_stats_block_free(struct krtp_stats_block *block)
{
	free_percpu(block->slots);
	kfree(block);
}

/**
 * krtp_stats_slot_get - zeroed per-CPU counters for a new flow
 * @slot: set to where they came from, for krtp_stats_slot_put()
 *
 * Process context.
 *
 * Return: the counters or NULL.
 */
struct krtp_pcpu_stats __percpu *krtp_stats_slot_get(struct krtp_stats_slot *slot)
{
	struct krtp_stats_block *block;
	struct krtp_pcpu_stats __percpu *stats;
	unsigned int index;
	int cpu;

	spin_lock_bh(&krtp_stats_pool_lock);
	block = list_first_entry_or_null(&krtp_stats_partial,
					 struct krtp_stats_block, node);
	if (!block) {
		/* allocate outside the lock, then use it whatever happened */
		spin_unlock_bh(&krtp_stats_pool_lock);
		block = kzalloc(sizeof(*block), GFP_KERNEL);
		if (!block)
			return NULL;
		block->slots = __alloc_percpu(KRTP_STATS_BLOCK_SLOTS *
					      sizeof(struct krtp_pcpu_stats),
					      __alignof__(struct krtp_pcpu_stats));
		if (!block->slots) {
			kfree(block);
			return NULL;
		}
		spin_lock_bh(&krtp_stats_pool_lock);
		list_add(&block->node, &krtp_stats_partial);
	}
	index = find_first_zero_bit(block->busy, KRTP_STATS_BLOCK_SLOTS);
	__set_bit(index, block->busy);
	if (++block->used == KRTP_STATS_BLOCK_SLOTS)
		list_del_init(&block->node);
	spin_unlock_bh(&krtp_stats_pool_lock);

	/* ours alone now; the last owner's writers finished a grace period ago */
	stats = block->slots + index;
	for_each_possible_cpu(cpu) {
		struct krtp_pcpu_stats *s = per_cpu_ptr(stats, cpu);

		memset(s, 0, sizeof(*s));
		u64_stats_init(&s->syncp);
	}
	slot->block = block;
	slot->index = index;
	return stats;
}

/**
 * krtp_stats_slot_put - give a flow's counters back
 * @slot: from krtp_stats_slot_get()
 *
 * No reader may see the counters any more. An empty block is freed unless
 * it is the only one with free slots, so calls that come and go do not
 * allocate and free a block each time.
 */
void krtp_stats_slot_put(struct krtp_stats_slot *slot)
{
	struct krtp_stats_block *block = slot->block, *empty = NULL;

	spin_lock_bh(&krtp_stats_pool_lock);
	__clear_bit(slot->index, block->busy);
	if (block->used-- == KRTP_STATS_BLOCK_SLOTS)
		list_add(&block->node, &krtp_stats_partial);
	if (!block->used && !list_is_singular(&krtp_stats_partial)) {
		list_del(&block->node);
		empty = block;
	}
	spin_unlock_bh(&krtp_stats_pool_lock);
	if (empty)
		krtp_stats_block_free(empty);
}

/**
 * krtp_stats_pool_exit - free the blocks at module exit
 *
 * Every flow is gone (after rcu_barrier()), so at most one empty block is
 * left.
 */
void krtp_stats_pool_exit(void)
{
	struct krtp_stats_block *block, *next;

	list_for_each_entry_safe(block, next, &krtp_stats_partial, node) {
		WARN_ON(block->used);
		list_del(&block->node);
		krtp_stats_block_free(block);
	}
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
			for (i = 0; i < KRTP_DROP_MAX; i++)
				one.drops[i] = u64_stats_read(&s->drops[i]);
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
	for (i = 0; i < KRTP_DROP_MAX; i++)
		sum->drops[i] += add->drops[i];
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

	for (i = 0; i < KRTP_DROP_MAX; i++)
		n += stats->drops[i];
	return n;
}

/**
 * krtp_stats_total - packets seen on flows, forwarded or dropped
 * @stats: a sum
 *
 * Return: KRTP_A_STATS_PACKETS_TOTAL.
 */
u64 krtp_stats_total(const struct krtp_stats *stats)
{
	return stats->packets + stats->rtcp_packets + krtp_stats_dropped(stats);
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
