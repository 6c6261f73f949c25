/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_NETNS_H
#define _KRTP_NETNS_H

#include <linux/list.h>
#include <linux/netfilter.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "table.h"

/**
 * struct krtp_net - krtp state of one network namespace
 * @net: the namespace
 * @table: its flows
 * @stats: per-CPU totals of its flows (deleted ones included)
 * @hook_ops: IPv4 and IPv6 PRE_ROUTING hooks, @priv points back here
 * @idle_work: scans for idle flows every second while any has a timeout
 * @event_work: sends events the packet path queued
 * @event_lock: guards @events and @n_events (taken in softirq)
 * @events: queued struct krtp_event
 * @n_events: length of @events, bounded by KRTP_EVENTS_MAX
 * @list: in the list of all namespaces (sysfs sums)
 */
struct krtp_net {
	struct net *net;
	struct krtp_table table;
	struct krtp_pcpu_stats __percpu *stats;
	struct nf_hook_ops hook_ops[2];
	struct delayed_work idle_work;
	struct work_struct event_work;
	spinlock_t event_lock;		/* @events, @n_events; BH-safe */
	struct list_head events;
	unsigned int n_events;
	struct list_head list;
};

struct krtp_net *krtp_net(const struct net *net);
int krtp_netns_register(void);
void krtp_netns_unregister(void);
void krtp_netns_event_queue(struct krtp_net *kn, const struct krtp_flow *flow,
			    u8 cmd, const struct krtp_ep *src);
void krtp_netns_stats_all(struct krtp_stats *sum);
void krtp_netns_idle_kick(struct krtp_net *kn);

u64 krtp_netns_events_dropped_read(void);

#endif /* _KRTP_NETNS_H */
