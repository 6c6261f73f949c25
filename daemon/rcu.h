/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one liburcu flavour krtpd uses (urcu-memb), and its lock-free hash
 * tables (cds_lfht) for registrations, transactions and dialogs.
 *
 * Threading model: the main thread (epoll loop) is the only writer of these
 * tables and also reads them; it is a registered RCU reader. Lookups run
 * under RCU_ReadLock(); removed nodes are freed through RCU_Call() after a
 * grace period, so a reader that found a node may keep using it until it
 * drops the read-side lock. The media thread never touches these tables.
 */
#ifndef KRTPD_RCU_H
#define KRTPD_RCU_H

#include <urcu/urcu-memb.h>
#include <urcu/rculfhash.h>

static inline void RCU_RegisterThread(void)
{
	urcu_memb_register_thread();
}

static inline void RCU_UnregisterThread(void)
{
	urcu_memb_unregister_thread();
}

static inline void RCU_ReadLock(void)
{
	urcu_memb_read_lock();
}

static inline void RCU_ReadUnlock(void)
{
	urcu_memb_read_unlock();
}

/* Free after a grace period; fn runs in liburcu's call_rcu thread. */
static inline void RCU_Call(struct rcu_head *head, void (*fn)(struct rcu_head *head))
{
	urcu_memb_call_rcu(head, fn);
}

/* Wait for every pending RCU_Call() (shutdown). */
static inline void RCU_Barrier(void)
{
	urcu_memb_barrier();
}

static inline struct cds_lfht *RCU_HashNew(void)
{
	return cds_lfht_new_flavor(4096, 4096, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				   &urcu_memb_flavor, NULL);
}

/*
 * Walk every node; called with the read-side lock held. Removing the
 * current node inside the loop is allowed. (cds_lfht_for_each_entry
 * computes container_of(NULL) when it ends, which UBSan rejects.)
 */
#define RCU_HashForEach(ht, iter, node)					\
	for (cds_lfht_first(ht, iter);					\
	     ((node) = cds_lfht_iter_get_node(iter)) != NULL;		\
	     cds_lfht_next(ht, iter))

/* Must be called with no read-side lock held and the table empty or not. */
static inline void RCU_HashFree(struct cds_lfht *ht)
{
	if (ht)
		cds_lfht_destroy(ht, NULL);
}

#endif /* KRTPD_RCU_H */
