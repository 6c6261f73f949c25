// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: per-namespace state (pernet_operations), its netfilter hooks, and
 * its two works: the idle scan and the event sender.
 *
 * The packet path never builds or sends a netlink message. It queues a
 * small event (bounded: KRTP_EVENTS_MAX per namespace, and a flow queues
 * at most one wrong-source event a second and one source-learned event
 * ever) and a work item sends it from process context.
 */

#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/netns/generic.h>

#include "netlink.h"
#include "netns.h"
#include "rx.h"

/* events queued and not yet sent, per namespace */
#define KRTP_EVENTS_MAX	1024

/*
 * Hook priority: before defragmentation and conntrack (both -400) and the
 * raw table (-300), after raw-before-defrag users (-450). Relayed packets
 * thus cost no conntrack lookup on the way in, fragments still look like
 * fragments (and are left alone), and the egress hooks still see the
 * rewritten packet because it leaves through ip_local_out().
 */
#define KRTP_HOOK_PRIORITY	(NF_IP_PRI_CONNTRACK_DEFRAG - 10)

/* a flow event queued by the packet path */
struct krtp_event {
	struct list_head list;
	u32 id;
	u8 cmd;
	struct krtp_ep src;
};

static unsigned int krtp_net_id __read_mostly;

/* events lost, module-wide: queue full (KRTP_EVENTS_MAX) or no memory */
static atomic64_t krtp_netns_events_dropped = ATOMIC64_INIT(0);

/**
 * krtp_netns_events_dropped_read - events the packet path could not queue
 *
 * Return: the count since the module was loaded.
 */
u64 krtp_netns_events_dropped_read(void)
{
	return atomic64_read(&krtp_netns_events_dropped);
}

/* every krtp_net, for module-wide sums; krtp_netns_lock guards it */
static LIST_HEAD(krtp_netns_list);
static DEFINE_MUTEX(krtp_netns_lock);

/**
 * krtp_net - krtp state of a namespace
 * @net: the namespace
 *
 * Return: its state (valid while @net is alive).
 */
struct krtp_net *krtp_net(const struct net *net)
{
	return net_generic(net, krtp_net_id);
}

/**
 * krtp_netns_event_queue - queue a flow event from the packet path
 * @kn: the flow's namespace
 * @flow: the flow
 * @cmd: KRTP_CMD_FLOW_SRC_LEARNED_NTF or KRTP_CMD_FLOW_WRONG_SRC_NTF
 * @src: the source learned or refused
 *
 * Called with BHs disabled. Drops the event when nobody listens or the
 * queue is full.
 */
void krtp_netns_event_queue(struct krtp_net *kn, const struct krtp_flow *flow,
			    u8 cmd, const struct krtp_ep *src)
{
	struct krtp_event *ev;

	if (!krtp_nl_has_listeners(kn->net))
		return;
	if (READ_ONCE(kn->n_events) >= KRTP_EVENTS_MAX)
		goto dropped;
	ev = kmalloc(sizeof(*ev), GFP_ATOMIC);
	if (!ev)
		goto dropped;
	ev->id = flow->id;
	ev->cmd = cmd;
	ev->src = *src;

	spin_lock(&kn->event_lock);
	if (kn->n_events >= KRTP_EVENTS_MAX) {
		spin_unlock(&kn->event_lock);
		kfree(ev);
		goto dropped;
	}
	list_add_tail(&ev->list, &kn->events);
	WRITE_ONCE(kn->n_events, kn->n_events + 1);
	spin_unlock(&kn->event_lock);
	queue_work(system_wq, &kn->event_work);
	return;

dropped:
	atomic64_inc(&krtp_netns_events_dropped);
}

static void krtp_netns_event_work(struct work_struct *work)
{
	struct krtp_net *kn = container_of(work, struct krtp_net, event_work);
	struct krtp_event *ev, *tmp;
	struct krtp_flow *flow;
	LIST_HEAD(events);

	spin_lock_bh(&kn->event_lock);
	list_splice_init(&kn->events, &events);
	WRITE_ONCE(kn->n_events, 0);
	spin_unlock_bh(&kn->event_lock);

	mutex_lock(&kn->table.lock);
	list_for_each_entry_safe(ev, tmp, &events, list) {
		/* a flow deleted meanwhile has no more events */
		flow = krtp_table_lookup_id(&kn->table, ev->id);
		if (flow)
			krtp_nl_flow_notify(kn, flow, ev->cmd, 0, &ev->src);
		kfree(ev);
	}
	mutex_unlock(&kn->table.lock);
}

/*
 * One idle event per idle period: a flow is idle once idle_timeout passed
 * since its last packet; it gets an event unless it already got one for
 * that same last packet. With IDLE_DELETE it is then deleted.
 */
static void krtp_netns_idle_scan(struct krtp_net *kn)
	__must_hold(&kn->table.lock)
{
	struct krtp_flow *flow;
	unsigned long id;

	xa_for_each(&kn->table.ids, id, flow) {
		unsigned long last = READ_ONCE(flow->last_seen);

		if (!flow->idle_timeout ||
		    time_before(jiffies, last + flow->idle_timeout * HZ) ||
		    (flow->idle_notified && flow->idle_seen == last))
			continue;
		flow->idle_notified = true;
		flow->idle_seen = last;
		krtp_nl_flow_notify(kn, flow, KRTP_CMD_FLOW_IDLE_NTF, 0, NULL);
		if (flow->idle_delete) {
			krtp_table_remove(&kn->table, flow);
			krtp_nl_flow_notify(kn, flow, KRTP_CMD_FLOW_DEL_NTF,
					    KRTP_DEL_REASON_IDLE, NULL);
			krtp_flow_release(flow);
		}
		cond_resched();
	}
}

static void krtp_netns_idle_work(struct work_struct *work)
{
	struct krtp_net *kn = container_of(to_delayed_work(work),
					   struct krtp_net, idle_work);

	bool again;

	mutex_lock(&kn->table.lock);
	krtp_netns_idle_scan(kn);
	/* namespaces without idle timeouts do not wake up every second */
	again = kn->table.idle_count;
	mutex_unlock(&kn->table.lock);
	if (again)
		queue_delayed_work(system_power_efficient_wq, &kn->idle_work, HZ);
}

/**
 * krtp_netns_idle_kick - start the idle scan for a new flow's timeout
 * @kn: the namespace
 *
 * The scan runs every second while any flow has an idle timeout.
 */
void krtp_netns_idle_kick(struct krtp_net *kn)
{
	queue_delayed_work(system_power_efficient_wq, &kn->idle_work, HZ);
}

static const struct nf_hook_ops krtp_netns_hook_ops[] = {
	{
		.hook = krtp_rx_ipv4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = KRTP_HOOK_PRIORITY,
	},
	{
		.hook = krtp_rx_ipv6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = KRTP_HOOK_PRIORITY,
	},
};

static int __net_init krtp_netns_init(struct net *net)
{
	struct krtp_net *kn = krtp_net(net);
	int err, i;

	kn->net = net;
	INIT_LIST_HEAD(&kn->events);
	spin_lock_init(&kn->event_lock);
	INIT_WORK(&kn->event_work, krtp_netns_event_work);
	INIT_DELAYED_WORK(&kn->idle_work, krtp_netns_idle_work);

	err = krtp_table_init(&kn->table);
	if (err)
		return err;
	kn->stats = krtp_stats_alloc();
	if (!kn->stats) {
		err = -ENOMEM;
		goto err_destroy_table;
	}

	BUILD_BUG_ON(ARRAY_SIZE(kn->hook_ops) != ARRAY_SIZE(krtp_netns_hook_ops));
	for (i = 0; i < ARRAY_SIZE(kn->hook_ops); i++) {
		kn->hook_ops[i] = krtp_netns_hook_ops[i];
		kn->hook_ops[i].priv = kn;
	}
	err = nf_register_net_hooks(net, kn->hook_ops, ARRAY_SIZE(kn->hook_ops));
	if (err)
		goto err_free_stats;

	mutex_lock(&krtp_netns_lock);
	list_add(&kn->list, &krtp_netns_list);
	mutex_unlock(&krtp_netns_lock);
	return 0;

err_free_stats:
	krtp_stats_free(kn->stats);
err_destroy_table:
	krtp_table_destroy(&kn->table);
	return err;
}

/* first stage: no new packets reach the hooks once the RCU grace period
 * that the core runs between pre_exit and exit is over
 */
static void __net_exit krtp_netns_pre_exit(struct net *net)
{
	struct krtp_net *kn = krtp_net(net);

	nf_unregister_net_hooks(net, kn->hook_ops, ARRAY_SIZE(kn->hook_ops));
}

static void __net_exit krtp_netns_exit(struct net *net)
{
	struct krtp_net *kn = krtp_net(net);
	struct krtp_event *ev, *tmp;
	struct krtp_stats sum = {};

	/* 1. no hook runs any more (pre_exit + grace period): stop the works */
	cancel_delayed_work_sync(&kn->idle_work);
	cancel_work_sync(&kn->event_work);
	list_for_each_entry_safe(ev, tmp, &kn->events, list)
		kfree(ev);

	/*
	 * 2. free the flows, at once (no reader is left, see 1.); listeners
	 *    in a dying namespace get no events
	 */
	krtp_table_destroy(&kn->table);

	/* 3. keep what the namespace counted in the module-wide sums */
	mutex_lock(&krtp_netns_lock);
	list_del(&kn->list);
	krtp_stats_read(kn->stats, &sum);
	krtp_stats_retire(&sum);
	mutex_unlock(&krtp_netns_lock);
	krtp_stats_free(kn->stats);
}

static struct pernet_operations krtp_netns_ops = {
	.init = krtp_netns_init,
	.pre_exit = krtp_netns_pre_exit,
	.exit = krtp_netns_exit,
	.id = &krtp_net_id,
	.size = sizeof(struct krtp_net),
};

/**
 * krtp_netns_stats_all - module-wide counters
 * @sum: where all namespaces' counters are added, gone ones included
 */
void krtp_netns_stats_all(struct krtp_stats *sum)
{
	struct krtp_net *kn;

	mutex_lock(&krtp_netns_lock);
	list_for_each_entry(kn, &krtp_netns_list, list)
		krtp_stats_read(kn->stats, sum);
	krtp_stats_read_retired(sum);
	mutex_unlock(&krtp_netns_lock);
}

/**
 * krtp_netns_register - set up every namespace, now and future
 *
 * Return: 0 or a negative errno.
 */
int krtp_netns_register(void)
{
	return register_pernet_subsys(&krtp_netns_ops);
}

/**
 * krtp_netns_unregister - hooks off, flows freed, in every namespace
 */
void krtp_netns_unregister(void)
{
	unregister_pernet_subsys(&krtp_netns_ops);
}
