// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: the per-namespace flow table.
 *
 * Locking model:
 *  - Writers are the genl handlers, the idle work and namespace exit, all in
 *    process context under table->lock (a mutex: inserting allocates with
 *    GFP_KERNEL). Dumps take it too, so a dump never sees a half-done change.
 *  - Readers on the packet path (the netfilter hook, softirq) hold only
 *    rcu_read_lock and look flows up in the rhashtable table->ht points to.
 *  - A flow dies in this order: 1. rhashtable_remove_fast() so no new reader
 *    finds it, 2. xa_erase() so no writer finds it, 3. krtp_flow_release(),
 *    which frees it with call_rcu() after every reader that found it is done.
 *    No synchronize_rcu() per flow: deleting many flows stays fast.
 *  - All flows die at once (FLOW_FLUSH) differently: 1. a new, empty
 *    rhashtable replaces table->ht, 2. one synchronize_rcu(), after which
 *    no reader is left in the old one, 3. the old one is destroyed without
 *    looking at its entries, 4. each flow is freed at once, 5. the xarray
 *    is emptied in one go. A million flows unhashed one by one, each with
 *    its own RCU callback, took 1.9 s of (emulated, instruction-counted)
 *    guest time and left a million callbacks behind; this takes 0.55 s.
 *
 * The flow limit max_flows counts flows of all namespaces together
 * (krtp_table_nr_flows).
 *
 * rhashtable parameters: no nelem_hint and no min_size, so an idle
 * namespace costs a few hundred bytes; the table doubles as flows arrive
 * (deferred, in a worker) and halves below 30% (automatic_shrinking) after
 * mass deletions. No max_size: max_flows is the bound. A million flows
 * live in 2^21 buckets (16 MiB, vmalloc'ed), a chain of 0.5 on average.
 */

#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "bundle.h"
#include "table.h"

/*
 * A million flows and room to spare. Each takes about 420 bytes of kernel
 * memory (its 384-byte object, its share of the hash table and of the id
 * xarray; a cached route adds 32): 1,048,576 flows are 440 MB. Writable,
 * so an operator can lower or raise it without a reload; lowering it
 * deletes nothing.
 */
unsigned int krtp_table_max_flows __read_mostly = 1048576;
module_param_named(max_flows, krtp_table_max_flows, uint, 0644);
MODULE_PARM_DESC(max_flows, "most flows over all network namespaces (default 1048576)");

/* flows of all namespaces, checked against krtp_table_max_flows */
static atomic_t krtp_table_nr_flows = ATOMIC_INIT(0);

static const struct rhashtable_params krtp_table_params = {
	.key_len = sizeof(struct krtp_ep),
	.key_offset = offsetof(struct krtp_flow, local),
	.head_offset = offsetof(struct krtp_flow, node),
	.automatic_shrinking = true,
};

static struct rhashtable *krtp_table_ht_new(void)
{
	struct rhashtable *ht;

	ht = kmalloc(sizeof(*ht), GFP_KERNEL);
	if (!ht)
		return NULL;
	if (rhashtable_init(ht, &krtp_table_params)) {
		kfree(ht);
		return NULL;
	}
	return ht;
}

/* the table's rhashtable, for writers */
static struct rhashtable *krtp_table_ht(struct krtp_table *table)
	__must_hold(&table->lock)
{
	return rcu_dereference_protected(table->ht,
					 lockdep_is_held(&table->lock));
}

/**
 * krtp_table_init - set up an empty table
 * @table: the table
 *
 * Return: 0 or a negative errno.
 */
int krtp_table_init(struct krtp_table *table)
{
	struct rhashtable *ht = krtp_table_ht_new();

	if (!ht)
		return -ENOMEM;
	mutex_init(&table->lock);
	xa_init(&table->ids);
	RCU_INIT_POINTER(table->ht, ht);
	table->next_id = 1;
	table->gen = 1;
	table->count = 0;
	table->idle_count = 0;
	return 0;
}

/*
 * Step 4 and 5 of a mass deletion (see the top of this file): no reader
 * and no rhashtable holds the flows any more, only table->ids.
 */
static void krtp_table_free_all(struct krtp_table *table,
				krtp_table_flush_fn fn, void *arg)
	__must_hold(&table->lock)
{
	struct krtp_flow *flow;
	unsigned long id;

	xa_for_each(&table->ids, id, flow) {
		if (fn)
			fn(flow, arg);
		pr_debug("flow %u destroyed\n", flow->id);
		if (flow->flags & KRTP_FLOW_F_BUNDLE)
			krtp_bundle_free(flow);
		krtp_flow_free(flow);
		cond_resched();
	}
	xa_destroy(&table->ids);
	atomic_sub(table->count, &krtp_table_nr_flows);
	table->count = 0;
	table->idle_count = 0;
	if (!++table->gen)
		table->gen = 1;
}

/**
 * krtp_table_destroy - free a table and the flows still in it
 * @table: the table; no reader can see it any more (the namespace's hooks
 *	   are gone and a grace period has passed)
 *
 * Frees the flows directly, without RCU callbacks, so that a namespace or
 * the module goes away quickly with a million flows.
 */
void krtp_table_destroy(struct krtp_table *table)
{
	struct rhashtable *ht;

	mutex_lock(&table->lock);
	ht = krtp_table_ht(table);
	RCU_INIT_POINTER(table->ht, NULL);
	/* waits for a resize in progress; the entries are left alone */
	rhashtable_free_and_destroy(ht, NULL, NULL);
	kfree(ht);
	krtp_table_free_all(table, NULL, NULL);
	mutex_unlock(&table->lock);
	mutex_destroy(&table->lock);
}

/*
 * Publish a flow with a payload type set: the head of a new bundle, hashed,
 * or one more flow of the bundle the endpoint's head leads (bundle.c). With
 * @held, the caller's bundle that is not hashed yet is the one to join if
 * it has one, and a new bundle's head is left unhashed in *@held.
 */
static int krtp_table_insert_bundle(struct krtp_table *table,
				    struct krtp_flow *flow,
				    struct krtp_flow **held,
				    struct netlink_ext_ack *extack)
	__must_hold(&table->lock)
{
	struct rhashtable *ht = krtp_table_ht(table);
	struct krtp_flow *head;
	int err;

	head = held && *held ? *held :
	       rhashtable_lookup_fast(ht, &flow->local, krtp_table_params);
	if (head)
		return krtp_bundle_join(head, flow, extack);
	err = krtp_bundle_new(flow);
	if (err)
		return err;
	if (held) {
		/* no reader can reach it before krtp_table_publish() */
		*held = flow;
		return 0;
	}
	err = rhashtable_lookup_insert_fast(ht, &flow->node, krtp_table_params);
	if (err) {
		/* never seen by a reader */
		krtp_bundle_free(flow);
		flow->ext->bundle = NULL;
	}
	return err;
}

static int __krtp_table_insert(struct krtp_table *table,
			       struct krtp_flow *flow, struct krtp_flow **held,
			       struct netlink_ext_ack *extack)
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

	/*
	 * xa_store(), not xa_insert(): the id was never used (ids only
	 * increase), so the lookup xa_insert() does first would find nothing,
	 * and cost a fifteenth of a flow install.
	 */
	err = xa_err(xa_store(&table->ids, flow->id, flow, GFP_KERNEL));
	if (err)
		goto err_uncount;
	/* last: from here on the packet path can find the flow */
	if (unlikely(flow->flags & KRTP_FLOW_F_BUNDLE))
		err = krtp_table_insert_bundle(table, flow, held, extack);
	else
		err = rhashtable_lookup_insert_fast(krtp_table_ht(table),
						    &flow->node,
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
 * krtp_table_insert - give a new flow its id and publish it
 * @table: the table
 * @flow: from krtp_flow_create()
 * @extack: for the reasons a bundle refuses a flow
 *
 * Return: 0, -ENOSPC over max_flows, -EEXIST if a flow has the same local
 * endpoint (and they may not share it, bundle.c), or another negative
 * errno. On error the flow is not published and still belongs to the
 * caller.
 */
int krtp_table_insert(struct krtp_table *table, struct krtp_flow *flow,
		      struct netlink_ext_ack *extack)
	__must_hold(&table->lock)
{
	return __krtp_table_insert(table, flow, NULL, extack);
}

/**
 * krtp_table_insert_held - insert a flow, a new bundle's head left unhashed
 * @table: the table
 * @flow: from krtp_flow_create()
 * @held: in: NULL, or a bundle's head from an earlier call, not hashed
 *	  yet, whose local endpoint @flow has (then @flow joins it); out:
 *	  @flow, if it is the head of a new bundle
 * @extack: as for krtp_table_insert()
 *
 * For the flows of one bundle installed together (FLOW_NEW): the packet
 * path finds none of them before krtp_table_publish() hashes the head, and
 * then all, never a head that picks no flow for another line's packets.
 * The caller holds the table lock from the first of them to the publish.
 * Dumps and FLOW_GET by id may see them before.
 *
 * Return: as krtp_table_insert().
 */
int krtp_table_insert_held(struct krtp_table *table, struct krtp_flow *flow,
			   struct krtp_flow **held,
			   struct netlink_ext_ack *extack)
	__must_hold(&table->lock)
{
	return __krtp_table_insert(table, flow, held, extack);
}

/**
 * krtp_table_publish - hash the head krtp_table_insert_held() left
 * @table: the table, its lock held since that insert
 * @head: the head
 *
 * Return: 0, or the rhashtable's error (no memory to grow it); then @head
 * and the flows that joined it are taken out of the table again (no reader
 * has seen them) and the caller releases them (krtp_flow_release()).
 */
int krtp_table_publish(struct krtp_table *table, struct krtp_flow *head)
	__must_hold(&table->lock)
{
	struct krtp_bundle *b = head->ext->bundle;
	struct krtp_flow *flow;
	int err, i;

	lockdep_assert_held(&table->lock);

	err = rhashtable_lookup_insert_fast(krtp_table_ht(table), &head->node,
					    krtp_table_params);
	if (!err)
		return 0;
	for (i = 0; i < KRTP_BUNDLE_MAX; i++) {
		flow = rcu_dereference_protected(b->flows[i], true);
		if (flow && flow != head)
			krtp_table_remove(table, flow);
	}
	/* the last one: the bundle goes with it */
	krtp_table_remove(table, head);
	return err;
}

/*
 * Unpublish a flow of a bundle. If it is the head, the bundle's oldest
 * other flow takes its place in the rhashtable, in one step: a reader
 * finds one or the other, and either leads to the same bundle.
 */
static void krtp_table_remove_bundle(struct krtp_table *table,
				     struct krtp_flow *flow)
	__must_hold(&table->lock)
{
	struct rhashtable *ht = krtp_table_ht(table);
	struct krtp_flow *next;

	next = krtp_bundle_leave(flow);
	if (rhashtable_lookup_fast(ht, &flow->local, krtp_table_params) != flow)
		return;
	if (!next ||
	    WARN_ON_ONCE(rhashtable_replace_fast(ht, &flow->node, &next->node,
						 krtp_table_params)))
		rhashtable_remove_fast(ht, &flow->node, krtp_table_params);
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

	if (unlikely(flow->flags & KRTP_FLOW_F_BUNDLE))
		krtp_table_remove_bundle(table, flow);
	else
		rhashtable_remove_fast(krtp_table_ht(table), &flow->node,
				       krtp_table_params);
	xa_erase(&table->ids, flow->id);
	table->count--;
	if (flow->idle_timeout)
		table->idle_count--;
	if (!++table->gen)
		table->gen = 1;
	atomic_dec(&krtp_table_nr_flows);
}

/**
 * krtp_table_flush - remove and free every flow
 * @table: the table
 * @fn: called for each flow before it is freed (a DEL_NTF), or NULL
 * @arg: passed to @fn
 *
 * Waits for one RCU grace period, with the table lock held: packets in
 * flight on the old flows are done when it returns. Without memory for a
 * new hash table, the flows are removed one by one instead.
 */
void krtp_table_flush(struct krtp_table *table, krtp_table_flush_fn fn,
		      void *arg)
	__must_hold(&table->lock)
{
	struct rhashtable *old, *ht;
	struct krtp_flow *flow;
	unsigned long id;

	lockdep_assert_held(&table->lock);

	if (!table->count)
		return;
	ht = krtp_table_ht_new();
	if (!ht) {
		xa_for_each(&table->ids, id, flow) {
			krtp_table_remove(table, flow);
			if (fn)
				fn(flow, arg);
			krtp_flow_release(flow);
			cond_resched();
		}
		return;
	}
	/* 1. new readers find nothing */
	old = rcu_replace_pointer(table->ht, ht, lockdep_is_held(&table->lock));
	/* 2. readers of the old table are done */
	synchronize_rcu();
	/* 3. its resize worker stopped, its buckets freed, entries untouched */
	rhashtable_free_and_destroy(old, NULL, NULL);
	kfree(old);
	/* 4. and 5. */
	krtp_table_free_all(table, fn, arg);
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
	return rhashtable_lookup(rcu_dereference(table->ht), local,
				 krtp_table_params);
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
	return rhashtable_lookup_fast(krtp_table_ht(table), local,
				      krtp_table_params);
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
