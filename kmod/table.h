/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_TABLE_H
#define _KRTP_TABLE_H

#include <linux/mutex.h>
#include <linux/rhashtable.h>
#include <linux/xarray.h>
#include <net/netlink.h>

#include "flow.h"

/**
 * struct krtp_table - the flows of one namespace
 * @lock: serialises all writers and dumps
 * @ht: flows by local endpoint, for the packet path; replaced as a whole
 *	by krtp_table_flush()
 * @ids: flows by id, for netlink (ordered: dumps resume by id)
 * @next_id: the id of the next flow; ids only increase
 * @count: flows in the table
 * @idle_count: flows in the table with an idle timeout
 * @gen: changes with every insert and remove, never 0 (dump consistency)
 */
struct krtp_table {
	struct mutex lock;		/* writers and dumps; see table.c */
	struct rhashtable __rcu *ht;
	struct xarray ids;
	u32 next_id;
	u32 count;
	u32 idle_count;
	u32 gen;
};

/* what krtp_table_flush() calls for each flow before freeing it */
typedef void (*krtp_table_flush_fn)(struct krtp_flow *flow, void *arg);

extern unsigned int krtp_table_max_flows;

int krtp_table_init(struct krtp_table *table);
void krtp_table_destroy(struct krtp_table *table);
int krtp_table_insert(struct krtp_table *table, struct krtp_flow *flow,
		      struct netlink_ext_ack *extack);
int krtp_table_insert_held(struct krtp_table *table, struct krtp_flow *flow,
			   struct krtp_flow **held,
			   struct netlink_ext_ack *extack);
int krtp_table_publish(struct krtp_table *table, struct krtp_flow *head);
void krtp_table_remove(struct krtp_table *table, struct krtp_flow *flow);
void krtp_table_flush(struct krtp_table *table, krtp_table_flush_fn fn,
		      void *arg);
struct krtp_flow *krtp_table_lookup_rcu(struct krtp_table *table,
					const struct krtp_ep *local);
struct krtp_flow *krtp_table_lookup_id(struct krtp_table *table, u32 id);
struct krtp_flow *krtp_table_lookup_local(struct krtp_table *table,
					  const struct krtp_ep *local);
unsigned int krtp_table_flows_active(void);
bool krtp_table_selftest(void);

#endif /* _KRTP_TABLE_H */
