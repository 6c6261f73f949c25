/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_FLOW_H
#define _KRTP_FLOW_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/in6.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <uapi/linux/krtp.h>

#include "rtcp.h"
#include "srtp.h"
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

/*
 * Where a flow's RTCP goes when that is not its peer (KRTP_A_FLOW_RTCP_PEER),
 * the source it leaves from (KRTP_A_FLOW_RTCP_VIA, else the flow's via), and
 * its own cached route (tx.c). Immutable but for @route.
 */
struct krtp_flow_rtcp_peer {
	struct krtp_ep ep;
	struct krtp_ep via;
	struct krtp_route __rcu *route;
	bool has_via;		/* @via was given, for dumps */
};

struct krtp_bundle;

/*
 * What few flows have: an RTCP peer, a bundle (bundle.c). Allocated with
 * the flow and freed with it, after the readers; apart from struct
 * krtp_flow so that plain flows pay one pointer for all of it.
 */
struct krtp_flow_ext {
	struct krtp_flow_rtcp_peer rtcp;	/* if @has_rtcp_peer */
	bool has_rtcp_peer;
	/* KRTP_A_FLOW_BUNDLE_PT as given, for KRTP_FLOW_F_BUNDLE flows */
	u8 bundle_pt[KRTP_BUNDLE_PT_LEN];
	/*
	 * The bundle of the flow's local endpoint; set before the flow is
	 * published and not changed while it is in the table. Its memory
	 * may be freed (after a grace period) once the flow left the table.
	 */
	struct krtp_bundle *bundle;
};

/*
 * Internal flag, never in KRTP_A_FLOW_FLAGS: the flow has a payload type
 * set and may share its local endpoint (bundle.c). On the first cache line,
 * so a plain flow pays one test of a word it reads anyway.
 */
#define KRTP_FLOW_F_BUNDLE	(1U << 31)

/* what FLOW_NEW asked for, checked by netlink.c */
struct krtp_flow_config {
	struct krtp_ep local;
	struct krtp_ep peer;
	struct krtp_ep rtcp_peer;	/* family 0: RTCP goes to peer */
	struct krtp_ep rtcp_via;	/* family 0: RTCP leaves from via */
	struct krtp_ep via;	/* family 0: use local */
	struct krtp_ep source;	/* family 0: learn; port 0: learn the port */
	u32 flags;
	u32 idle_timeout;
	u32 clock_rate;
	bool idle_delete;
	bool bundle;		/* @bundle_pt was given */
	u8 bundle_pt[KRTP_BUNDLE_PT_LEN];
	u8 label_len;
	u8 label[KRTP_LABEL_MAX_LEN];
	struct krtp_srtp_config srtp_in;	/* suite 0: none; wiped after use */
	struct krtp_srtp_config srtp_out;
};

/**
 * struct krtp_flow - one relayed direction, keyed by its local endpoint
 * @node: in the namespace's rhashtable (table.c)
 * @local: the key: where packets arrive
 * @id: never reused within the namespace
 * @flags: KRTP_FLOW_F_*
 * @src_mode: enum krtp_src_mode
 * @src_locked: @src is complete and final; read with acquire semantics
 * @has_via: @via was given
 * @label_len: bytes in @label
 * @src: expected or learned source
 * @src_lock: serialises learning the source (see krtp_flow_check_source())
 * @peer: where packets go
 * @via: source they are sent from (@local unless given)
 * @route: route to @peer, NULL until the first packet (tx.c)
 * @clock_rate: RTP clock rate for jitter, Hz
 * @idle_timeout: seconds, 0 = never
 * @rtp_lock: serialises @rtp
 * @last_seen: jiffies of the last packet (or creation)
 * @packets: RTP (and other) packets forwarded
 * @bytes: their UDP payload bytes
 * @rtcp_packets: RTCP packets forwarded
 * @rtcp_bytes: their UDP payload bytes
 * @rtp: RTP analysis
 * @ext: RTCP peer and bundle, NULL for most flows
 * @srtp: SRTP contexts (srtp.c), NULL for a plain flow
 * @drops: packets dropped, by enum krtp_drop_reason
 * @passed: STUN/DTLS left to the socket (KRTP_FLOW_F_PASS_STUN_DTLS)
 * @wrong_src_ntf: jiffies of the last wrong-source event (rate limit)
 * @idle_seen: @last_seen when the last idle event was sent (table lock)
 * @idle_notified: an idle event was sent for @idle_seen (table lock)
 * @idle_delete: delete after @idle_timeout without packets
 * @rcu: to free after the last reader
 * @label: opaque to the kernel
 *
 * The configuration is immutable once the flow is in the table; the packet
 * path reads it under RCU only.
 *
 * Layout: a relay may hold a million flows, so packets mostly find their
 * flow cold in the cache. What every packet reads (key, flags, source
 * check) is the first cache line, what sending reads the second; what every
 * packet writes (counters, RTP analysis) starts on a line of its own, so
 * the read-mostly lines stay clean; drops and STUN/DTLS passed, which
 * other sources may bump on any CPU, are apart from both; the label, read only by
 * netlink, is last. 384 bytes, six lines, and no per-CPU memory: a flow's
 * packets come from one 5-tuple and so from one CPU (RSS, RPS), and per-CPU
 * counters cost ncpus x 88 bytes a flow, gigabytes for a million flows on
 * a large machine. Its counters are atomics in the flow instead, on a line
 * that CPU owns anyway.
 */
struct krtp_flow {
	/* read by every packet */
	struct rhash_head node;
	struct krtp_ep local;
	u32 id;
	u32 flags;
	u8 src_mode;
	bool src_locked;
	bool has_via;
	u8 label_len;
	struct krtp_ep src;
	spinlock_t src_lock;		/* learning @src, packet path only */

	/* read by every packet sent */
	struct krtp_ep peer;
	struct krtp_ep via;
	struct krtp_route __rcu *route;
	u32 clock_rate;
	u32 idle_timeout;
	/* NULL unless RTCP has a peer of its own or the flow a bundle */
	struct krtp_flow_ext *ext;

	/* written by every packet */
	spinlock_t rtp_lock ____cacheline_aligned_in_smp; /* @rtp; readers with BHs off */
	/*
	 * in the hole after the lock: the idle scan writes @idle_notified
	 * only when no packet came for a while, so the line is cold then
	 */
	bool idle_notified;
	bool idle_delete;
	unsigned long last_seen;
	atomic64_t packets;
	atomic64_t bytes;
	atomic64_t rtcp_packets;
	atomic64_t rtcp_bytes;
	struct krtp_rtp rtp;
	/* NULL for plain RTP; on a line every packet touches anyway */
	struct krtp_srtp *srtp;

	/* written by floods of wrong packets, the idle scan, the release */
	atomic64_t drops[KRTP_DROP_MAX] ____cacheline_aligned_in_smp;
	atomic64_t passed;		/* STUN/DTLS, from any source */
	unsigned long wrong_src_ntf;	/* bumped where drops are */
	/*
	 * The idle scan reads @idle_seen only of flows it finds in the
	 * table, under the table lock; @rcu is written only after the flow
	 * left the table under that lock (krtp_flow_release()), when no scan
	 * can find it. Never both at once, so they share room.
	 */
	union {
		unsigned long idle_seen;
		struct rcu_head rcu;
	};

	u8 label[KRTP_LABEL_MAX_LEN];
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
void krtp_flow_read_stats(const struct krtp_flow *flow, struct krtp_stats *sum);
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

/**
 * krtp_flow_count_fwd - count one forwarded packet of a flow
 * @flow: the flow
 * @rtcp: the packet is RTCP
 * @len: its UDP payload length
 *
 * Called from the packet path. Atomics, not per-CPU counters: see struct
 * krtp_flow.
 */
static inline void krtp_flow_count_fwd(struct krtp_flow *flow, bool rtcp,
				       unsigned int len)
{
	if (rtcp) {
		atomic64_inc(&flow->rtcp_packets);
		atomic64_add(len, &flow->rtcp_bytes);
	} else {
		atomic64_inc(&flow->packets);
		atomic64_add(len, &flow->bytes);
	}
}

/**
 * krtp_flow_count_drop - count one dropped packet of a flow
 * @flow: the flow
 * @reason: why it was dropped
 *
 * Called from the packet path, on any CPU.
 */
static inline void krtp_flow_count_drop(struct krtp_flow *flow,
					enum krtp_drop_reason reason)
{
	atomic64_inc(&flow->drops[reason]);
}

#endif /* _KRTP_FLOW_H */
