/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_BUNDLE_H
#define _KRTP_BUNDLE_H

#include <linux/skbuff.h>
#include <net/netlink.h>

#include "flow.h"

/**
 * struct krtp_bundle - the flows that share one local endpoint (BUNDLE)
 * @flows: the flows, in any slot; NULL slots are free. Written under the
 *	   table lock, read under RCU by the packet path
 * @count: flows in @flows (table lock)
 * @rcu: freed after the readers once the last flow left
 *
 * One of the flows, the head, is in the namespace's rhashtable and is what
 * a packet finds; the others are reached from it. Every flow of the bundle
 * points here (struct krtp_flow_ext), so whichever becomes the head finds
 * the others.
 */
struct krtp_bundle {
	struct krtp_flow __rcu *flows[KRTP_BUNDLE_MAX];
	unsigned int count;
	struct rcu_head rcu;
};

struct krtp_table;

struct krtp_flow *krtp_bundle_select(struct krtp_table *table,
				     struct krtp_flow *head,
				     const struct sk_buff *skb,
				     unsigned int thoff);
int krtp_bundle_new(struct krtp_flow *flow);
int krtp_bundle_join(struct krtp_flow *head, struct krtp_flow *flow,
		     struct netlink_ext_ack *extack);
struct krtp_flow *krtp_bundle_leave(struct krtp_flow *flow);
void krtp_bundle_free(struct krtp_flow *flow);
unsigned int krtp_bundle_count(const struct krtp_flow *flow);

#endif /* _KRTP_BUNDLE_H */
