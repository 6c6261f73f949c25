// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: the per-namespace flow table.
 *
 * Locking model:
 *  - Writers are the genl handlers, the idle work and namespace exit, all in
 *    process context under table->lock (a mutex: inserting allocates with
 *    GFP_KERNEL). Dumps take it too, so a dump never sees a half-done change.
 *  - Readers on the packet path (the netfilter hook, softirq) hold only
 *    rcu_read_lock and look flows up in the rhashtable.
 *  - A flow dies in this order: 1. rhashtable_remove_fast() so no new reader
 *    finds it, 2. xa_erase() so no writer finds it, 3. krtp_flow_release(),
 *    which frees it with call_rcu() after every reader that found it is done.
 *    No synchronize_rcu() per flow: deleting many flows stays fast.
 *
 * The flow limit max_flows counts flows of all namespaces together
 * (krtp_table_nr_flows).
 */

#include <linux/module.h>
#include <linux/sched.h>

#include "table.h"

/*
 * 131072 fits the 100,000-flow benchmark. Each flow holds about 0.5 KiB
 * plus two small per-CPU areas; raise it at load time for more.
 */
unsigned int krtp_table_max_flows __read_mostly = 131072;
module_param_named(max_flows, krtp_table_max_flows, uint, 0444);
MODULE_PARM_DESC(max_flows, "most flows over all network namespaces (default 131072)");

/* flows of all namespaces, checked against krtp_table_max_flows */
static atomic_t krtp_table_nr_flows = ATOMIC_INIT(0);

static const struct rhashtable_params krtp_table_params = {
	.key_len = sizeof(struct krtp_ep),
	.key_offset = offsetof(struct krtp_flow, local),
	.head_offset = offsetof(struct krtp_flow, node),
	.automatic_shrinking = true,
};

/**
 * krtp_table_init - set up an empty table
 * @table: the table
 *
 * Return: 0 or a negative errno.
 */
int krtp_table_init(struct krtp_table *table)
{
	mutex_init(&table->lock);
	xa_init(&table->ids);
	table->next_id = 1;
	table->gen = 1;
	return rhashtable_init(&table->ht, &krtp_table_params);
}

/**
 * krtp_table_destroy - free an empty table
 * @table: the table; krtp_table_flush() emptied it
 */
void krtp_table_destroy(struct krtp_table *table)
{
	WARN_ON(table->count);
	rhashtable_destroy(&table->ht);
	xa_destroy(&table->ids);
	mutex_destroy(&table->lock);
}

/**
 * krtp_table_insert - give a new flow its id and publish it
 * @table: the table
 * @flow: from krtp_flow_create()
 *
 * Return: 0, -ENOSPC over max_flows, -EEXIST if a flow has the same local
 * endpoint, or another negative errno. On error the flow is not published
 * and still belongs to the caller.
 */
int krtp_table_insert(struct krtp_table *table, struct krtp_flow *flow)
	__must_hold(&table->lock)
{
	int err;

	lockdep_assert_held(&table->lock);

	if (atomic_inc_return(&krtp_table_nr_flows) > READ_ONCE(krtp_table_max_flows)) {
		err = -ENOSPC;
		goto err_uncount;
	}
	if (table->next_id == U32_MAX) {
		/* ids are never reused; 4 billion flows later, stop */
		err = -ENOSPC;
		goto err_uncount;
	}
	flow->id = table->next_id;

	err = xa_insert(&table->ids, flow->id, flow, GFP_KERNEL);
	if (err)
		goto err_uncount;
	/* last: from here on the packet path can find the flow */
	err = rhashtable_lookup_insert_fast(&table->ht, &flow->node,
					    krtp_table_params);
	if (err)
		goto err_erase_id;

	table->next_id++;
	table->count++;
	if (flow->idle_timeout)
		table->idle_count++;
	if (!++table->gen)
		table->gen = 1;
	pr_debug("flow %u created\n", flow->id);
	return 0;

err_erase_id:
	xa_erase(&table->ids, flow->id);
	flow->id = 0;
err_uncount:
	atomic_dec(&krtp_table_nr_flows);
	return err;
}

/**
 * krtp_table_remove - unpublish a flow
 * @table: the table
 * @flow: a flow in it
 *
 * The flow stays valid until the caller calls krtp_flow_release() (and an
 * RCU grace period after that).
 */
void krtp_table_remove(struct krtp_table *table, struct krtp_flow *flow)
	__must_hold(&table->lock)
{
	lockdep_assert_held(&table->lock);

	rhashtable_remove_fast(&table->ht, &flow->node, krtp_table_params);
	xa_erase(&table->ids, flow->id);
	table->count--;
	if (flow->idle_timeout)
		table->idle_count--;
	if (!++table->gen)
		table->gen = 1;
	atomic_dec(&krtp_table_nr_flows);
}

/**
 * krtp_table_flush - remove and release every flow, without events
 * @table: the table
 */
void krtp_table_flush(struct krtp_table *table)
	__must_hold(&table->lock)
{
	struct krtp_flow *flow;
	unsigned long id;

	lockdep_assert_held(&table->lock);

	xa_for_each(&table->ids, id, flow) {
		krtp_table_remove(table, flow);
		krtp_flow_release(flow);
		cond_resched();
	}
}

/**
 * krtp_table_lookup_rcu - find the flow a packet arrived on
 * @table: the table of the packet's namespace
 * @local: destination address and port of the packet, as a full key
 *
 * Called under rcu_read_lock (the netfilter hook holds it).
 *
 * Return: the flow or NULL. Valid until rcu_read_unlock.
 */
struct krtp_flow *krtp_table_lookup_rcu(struct krtp_table *table,
					const struct krtp_ep *local)
{
	return rhashtable_lookup(&table->ht, local, krtp_table_params);
}

/**
 * krtp_table_lookup_id - find a flow by id
 * @table: the table
 * @id: the flow's id
 *
 * Return: the flow or NULL. Valid while the lock is held.
 */
struct krtp_flow *krtp_table_lookup_id(struct krtp_table *table, u32 id)
	__must_hold(&table->lock)
{
	lockdep_assert_held(&table->lock);
	return xa_load(&table->ids, id);
}

/**
 * krtp_table_lookup_local - find a flow by local endpoint, for writers
 * @table: the table
 * @local: the endpoint, as a full key
 *
 * Return: the flow or NULL. Valid while the lock is held.
 */
struct krtp_flow *krtp_table_lookup_local(struct krtp_table *table,
					  const struct krtp_ep *local)
	__must_hold(&table->lock)
{
	lockdep_assert_held(&table->lock);
	return rhashtable_lookup_fast(&table->ht, local, krtp_table_params);
}

/**
 * krtp_table_flows_active - flows in all namespaces
 *
 * Return: the number of flows.
 */
unsigned int krtp_table_flows_active(void)
{
	return atomic_read(&krtp_table_nr_flows);
}

#ifdef DEBUG
#include "selftest/table.c"
#endif
