/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_FLOW_H
#define _KRTP_FLOW_H

#include <linux/in6.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <uapi/linux/krtp.h>

#include "rtcp.h"
#include "stats.h"

/*
 * An address and UDP port, network byte order. Also the table key, so it
 * has no padding and unused address bytes are zero: compare with memcmp.
 */
struct krtp_ep {
	union {
		__be32 ip4;
		struct in6_addr ip6;
	} addr;
	__be16 port;
	u16 family;		/* AF_INET or AF_INET6; 0 = not given */
};

/*
 * The cached route to a flow's peer. Replaced as a whole (tx.c) so the
 * dst and the cookie that validates it always match; freed after RCU.
 */
struct krtp_route {
	struct dst_entry *dst;		/* holds a reference */
	u32 cookie;			/* for dst_check(); IPv6 only */
	struct rcu_head rcu;
};

/* what FLOW_NEW asked for, checked by netlink.c */
struct krtp_flow_config {
	struct krtp_ep local;
	struct krtp_ep peer;
	struct krtp_ep via;	/* family 0: use local */
	struct krtp_ep source;	/* family 0: learn; port 0: learn the port */
	u32 flags;
	u32 idle_timeout;
	u32 clock_rate;
	bool idle_delete;
	u8 label_len;
	u8 label[KRTP_LABEL_MAX_LEN];
};

/**
 * struct krtp_flow - one relayed direction, keyed by its local endpoint
 * @node: in the namespace's rhashtable (table.c)
 * @local: the key: where packets arrive
 * @id: never reused within the namespace
 * @peer: where packets go
 * @via: source they are sent from (@local unless given)
 * @has_via: @via was given
 * @flags: KRTP_FLOW_F_*
 * @src_mode: enum krtp_src_mode
 * @idle_delete: delete after @idle_timeout without packets
 * @label_len: bytes in @label
 * @idle_timeout: seconds, 0 = never
 * @clock_rate: RTP clock rate for jitter, Hz
 * @label: opaque to the kernel
 * @src_lock: serialises learning the source (see krtp_flow_check_source())
 * @src_locked: @src is complete and final; read with acquire semantics
 * @src: expected or learned source
 * @wrong_src_ntf: jiffies of the last wrong-source event (rate limit)
 * @last_seen: jiffies of the last packet (or creation)
 * @idle_seen: @last_seen when the last idle event was sent (table lock)
 * @idle_notified: an idle event was sent for @idle_seen (table lock)
 * @route: route to @peer, NULL until the first packet (tx.c)
 * @stats: per-CPU counters, from @stats_slot
 * @stats_slot: where @stats came from
 * @rtp_lock: serialises @rtp
 * @rtp: RTP analysis
 * @rcu: to free after the last reader
 *
 * The configuration is immutable once the flow is in the table; the packet
 * path reads it under RCU only.
 */
struct krtp_flow {
	struct rhash_head node;
	struct krtp_ep local;
	u32 id;
	struct krtp_ep peer;
	struct krtp_ep via;
	bool has_via;
	u8 src_mode;
	bool idle_delete;
	u8 label_len;
	u32 flags;
	u32 idle_timeout;
	u32 clock_rate;
	u8 label[KRTP_LABEL_MAX_LEN];

	spinlock_t src_lock;		/* learning @src, packet path only */
	bool src_locked;
	struct krtp_ep src;
	unsigned long wrong_src_ntf;

	unsigned long last_seen;
	unsigned long idle_seen;
	bool idle_notified;

	struct krtp_route __rcu *route;
	struct krtp_pcpu_stats __percpu *stats;
	struct krtp_stats_slot stats_slot;

	spinlock_t rtp_lock;		/* @rtp; readers take it with BHs off */
	struct krtp_rtp rtp;

	struct rcu_head rcu;
};

/* what krtp_flow_check_source() decided */
enum krtp_src_verdict {
	KRTP_SRC_OK,
	KRTP_SRC_LEARNED,	/* ok, and this packet locked the source */
	KRTP_SRC_WRONG,
};

int krtp_flow_init(void);
void krtp_flow_exit(void);
struct krtp_flow *krtp_flow_create(const struct krtp_flow_config *cfg);
void krtp_flow_free(struct krtp_flow *flow);
void krtp_flow_release(struct krtp_flow *flow);
enum krtp_src_verdict krtp_flow_check_source(struct krtp_flow *flow,
					     const struct krtp_ep *src);
bool krtp_flow_wrong_src_ntf_due(struct krtp_flow *flow);
bool krtp_flow_source(const struct krtp_flow *flow, struct krtp_ep *src,
		      bool *locked);
void krtp_flow_read_rtp(struct krtp_flow *flow, struct krtp_rtp *rtp);
void krtp_ep_to_sockaddr(const struct krtp_ep *ep,
			 struct sockaddr_storage *ss);

/**
 * krtp_flow_touch - note that a packet arrived
 * @flow: the flow
 *
 * Writes only when jiffies moved, to keep the cache line clean.
 */
static inline void krtp_flow_touch(struct krtp_flow *flow)
{
	unsigned long now = jiffies;

	if (READ_ONCE(flow->last_seen) != now)
		WRITE_ONCE(flow->last_seen, now);
}

#endif /* _KRTP_FLOW_H */
