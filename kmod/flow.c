// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: a flow's life (create, free) and what the packet path asks of it:
 * source validation and learning, RTP analysis state.
 *
 * A flow is created unhashed by netlink.c, published by table.c, and freed
 * after an RCU grace period once table.c unhashed it: readers on the packet
 * path hold only rcu_read_lock, so nothing is freed under them.
 */

#include <linux/slab.h>
#include <linux/in.h>
#include <linux/socket.h>
#include <net/dst.h>
#include <net/ipv6.h>

#include "flow.h"
#include "srtp.h"

/*
 * Exact-size objects: a million flows in kmalloc-512 would waste a quarter.
 * Cache-line aligned (struct krtp_flow is) so that its groups of fields
 * really are the lines they were laid out for; the cache's line in
 * /proc/slabinfo shows what flows take.
 */
static struct kmem_cache *krtp_flow_cache;

/**
 * krtp_flow_init - create the flows' slab cache
 *
 * Return: 0 or -ENOMEM.
 */
int krtp_flow_init(void)
{
	krtp_flow_cache = KMEM_CACHE(krtp_flow, SLAB_HWCACHE_ALIGN);
	return krtp_flow_cache ? 0 : -ENOMEM;
}

/**
 * krtp_flow_exit - destroy the cache once every flow is freed
 *
 * After rcu_barrier(): flows are freed from RCU callbacks.
 */
void krtp_flow_exit(void)
{
	kmem_cache_destroy(krtp_flow_cache);
}

/**
 * krtp_flow_create - allocate a flow from a checked configuration
 * @cfg: what FLOW_NEW asked for
 *
 * The flow is not in any table yet; its id is set when it is inserted.
 *
 * Return: the flow or an ERR_PTR (-ENOMEM; from SRTP setup, -ENOENT when
 * the kernel lacks an algorithm).
 */
struct krtp_flow *krtp_flow_create(const struct krtp_flow_config *cfg)
{
	struct krtp_flow_ext *ext = NULL;
	struct krtp_srtp *srtp;
	struct krtp_flow *flow;

	/* SRTP first: its transforms are allocated and keyed here, not later */
	srtp = krtp_srtp_create(&cfg->srtp_in, &cfg->srtp_out);
	if (IS_ERR(srtp))
		return ERR_CAST(srtp);
	if (cfg->rtcp_peer.family || cfg->bundle) {
		ext = kzalloc(sizeof(*ext), GFP_KERNEL);
		if (!ext)
			goto err_srtp;
		ext->has_rtcp_peer = cfg->rtcp_peer.family;
		ext->rtcp.ep = cfg->rtcp_peer;
		ext->rtcp.has_via = cfg->rtcp_via.family;
		ext->rtcp.via = cfg->rtcp_via;
		memcpy(ext->bundle_pt, cfg->bundle_pt, sizeof(ext->bundle_pt));
	}
	flow = kmem_cache_zalloc(krtp_flow_cache, GFP_KERNEL);
	if (!flow)
		goto err_ext;
	flow->srtp = srtp;
	flow->ext = ext;

	flow->local = cfg->local;
	flow->peer = cfg->peer;
	flow->has_via = cfg->via.family;
	flow->via = flow->has_via ? cfg->via : cfg->local;
	if (ext && ext->has_rtcp_peer && !ext->rtcp.has_via)
		ext->rtcp.via = flow->via;
	flow->flags = cfg->flags;
	if (cfg->bundle)
		flow->flags |= KRTP_FLOW_F_BUNDLE;
	flow->idle_timeout = cfg->idle_timeout;
	flow->idle_delete = cfg->idle_delete;
	flow->clock_rate = cfg->clock_rate;
	flow->label_len = cfg->label_len;
	memcpy(flow->label, cfg->label, cfg->label_len);

	spin_lock_init(&flow->src_lock);
	flow->src = cfg->source;
	if (!cfg->source.family) {
		flow->src_mode = KRTP_SRC_MODE_LEARN;
	} else if (!cfg->source.port) {
		flow->src_mode = KRTP_SRC_MODE_ADDR;
	} else {
		/* nothing to learn: locked from the start */
		flow->src_mode = KRTP_SRC_MODE_EXACT;
		flow->src_locked = true;
	}
	flow->last_seen = jiffies;
	/* the first wrong-source event may go out at once */
	flow->wrong_src_ntf = jiffies - HZ;
	spin_lock_init(&flow->rtp_lock);
	return flow;

err_ext:
	kfree(ext);
err_srtp:
	krtp_srtp_free(srtp);
	return ERR_PTR(-ENOMEM);
}

/* drop a cached route; no reader or writer of it is left */
static void krtp_flow_route_free(struct krtp_route __rcu **routep)
{
	struct krtp_route *route = rcu_dereference_protected(*routep, true);

	if (route) {
		dst_release(route->dst);
		kfree(route);
	}
}

/**
 * krtp_flow_free - free a flow no reader can see
 * @flow: a flow that was never published, or whose grace period is over
 */
void krtp_flow_free(struct krtp_flow *flow)
{
	/* no reader is left, and so no writer of a route either */
	krtp_flow_route_free(&flow->route);
	/* a bundle is table.c's, freed when its last flow leaves */
	if (flow->ext) {
		krtp_flow_route_free(&flow->ext->rtcp.route);
		kfree(flow->ext);
	}
	/* keys and transforms wiped and freed; fine in an RCU callback */
	krtp_srtp_free(flow->srtp);
	kmem_cache_free(krtp_flow_cache, flow);
}

static void krtp_flow_free_rcu(struct rcu_head *rcu)
{
	krtp_flow_free(container_of(rcu, struct krtp_flow, rcu));
}

/**
 * krtp_flow_release - free a flow after the readers that may still see it
 * @flow: a flow table.c has unhashed
 *
 * The module's exit waits for these callbacks with rcu_barrier().
 */
void krtp_flow_release(struct krtp_flow *flow)
{
	pr_debug("flow %u destroyed\n", flow->id);
	call_rcu(&flow->rcu, krtp_flow_free_rcu);
}

static bool krtp_ep_addr_equal(const struct krtp_ep *a, const struct krtp_ep *b)
{
	if (a->family == AF_INET)
		return a->addr.ip4 == b->addr.ip4;
	return ipv6_addr_equal(&a->addr.ip6, &b->addr.ip6);
}

/**
 * krtp_flow_check_source - validate (or learn) the source of a packet
 * @flow: the flow the packet matched
 * @src: its source address and port, same family as the flow
 *
 * Called from the packet path under rcu_read_lock with BHs disabled.
 *
 * Once @flow->src_locked is set, @flow->src never changes again, so the
 * common case is one acquire load and a compare, without a lock. Until
 * then, learning takes @flow->src_lock: when the first packets of a flow
 * reach two CPUs at once, exactly one of them locks the source in and the
 * other is then judged against it. The store-release of src_locked
 * publishes @flow->src to the lockless readers.
 *
 * Return: whether to forward, and whether this packet locked the source.
 */
enum krtp_src_verdict krtp_flow_check_source(struct krtp_flow *flow,
					     const struct krtp_ep *src)
{
	enum krtp_src_verdict verdict;

	/* pairs with the smp_store_release() below: @flow->src is complete */
	if (likely(smp_load_acquire(&flow->src_locked)))
		goto locked;

	spin_lock(&flow->src_lock);
	if (flow->src_locked) {
		spin_unlock(&flow->src_lock);
		goto locked;
	}
	if (flow->src_mode == KRTP_SRC_MODE_ADDR &&
	    !krtp_ep_addr_equal(&flow->src, src)) {
		verdict = KRTP_SRC_WRONG;
	} else {
		flow->src = *src;
		/* publish @flow->src before the flag lockless readers test */
		smp_store_release(&flow->src_locked, true);
		verdict = KRTP_SRC_LEARNED;
	}
	spin_unlock(&flow->src_lock);
	return verdict;

locked:
	if (flow->src.port != src->port || !krtp_ep_addr_equal(&flow->src, src))
		return KRTP_SRC_WRONG;
	return KRTP_SRC_OK;
}

/**
 * krtp_flow_wrong_src_ntf_due - rate limit wrong-source events
 * @flow: the flow that dropped a packet from a wrong source
 *
 * At most one event a second per flow; when CPUs race, the cmpxchg lets
 * exactly one of them through.
 *
 * Return: true if the caller should queue an event.
 */
bool krtp_flow_wrong_src_ntf_due(struct krtp_flow *flow)
{
	unsigned long last = READ_ONCE(flow->wrong_src_ntf);
	unsigned long now = jiffies;

	if (time_before(now, last + HZ))
		return false;
	return cmpxchg(&flow->wrong_src_ntf, last, now) == last;
}

/**
 * krtp_flow_source - what is known of a flow's source
 * @flow: the flow
 * @src: set to the source; port 0 if it is still to be learned
 * @locked: set to whether the source is locked
 *
 * Return: false if nothing is known yet (learn mode, no packet).
 */
bool krtp_flow_source(const struct krtp_flow *flow, struct krtp_ep *src,
		      bool *locked)
{
	/* pairs with smp_store_release() in krtp_flow_check_source() */
	*locked = smp_load_acquire(&flow->src_locked);
	if (*locked) {
		*src = flow->src;
		return true;
	}
	if (flow->src_mode != KRTP_SRC_MODE_ADDR)
		return false;
	/* the address was given at creation and never changes */
	*src = flow->src;
	src->port = 0;
	return true;
}

/**
 * krtp_flow_read_rtp - snapshot a flow's RTP analysis
 * @flow: the flow
 * @rtp: where to copy it
 *
 * Process context.
 */
void krtp_flow_read_rtp(struct krtp_flow *flow, struct krtp_rtp *rtp)
{
	spin_lock_bh(&flow->rtp_lock);
	*rtp = flow->rtp;
	spin_unlock_bh(&flow->rtp_lock);
}

/**
 * krtp_flow_read_stats - add a flow's counters to a sum
 * @flow: the flow
 * @sum: where they are added (not zeroed first); its RTP fields are left
 *	 alone, the flow's own are in @flow->rtp
 */
void krtp_flow_read_stats(const struct krtp_flow *flow, struct krtp_stats *sum)
{
	int i;

	sum->packets += atomic64_read(&flow->packets);
	sum->bytes += atomic64_read(&flow->bytes);
	sum->rtcp_packets += atomic64_read(&flow->rtcp_packets);
	sum->rtcp_bytes += atomic64_read(&flow->rtcp_bytes);
	for (i = 0; i < KRTP_DROP_MAX; i++)
		sum->drops[i] += atomic64_read(&flow->drops[i]);
	sum->passed += atomic64_read(&flow->passed);
}

/**
 * krtp_ep_to_sockaddr - an endpoint as a sockaddr, for %pISpc
 * @ep: the endpoint
 * @ss: the result
 */
void krtp_ep_to_sockaddr(const struct krtp_ep *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = ep->addr.ip4;
		sin->sin_port = ep->port;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = ep->addr.ip6;
		sin6->sin6_port = ep->port;
	}
}
