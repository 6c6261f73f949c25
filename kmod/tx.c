// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: rewrite a matched packet for its flow and give it a route.
 *
 * Both run on the packet path (softirq, rcu_read_lock). The route to the
 * peer is cached per flow, as nf_flow_table caches it per tuple: one
 * referenced dst and the cookie that validates it, in a struct krtp_route
 * published with RCU. The common case costs a pointer load and
 * dst_check(); no FIB lookup, no atomic, no per-CPU state. The packet
 * carries the dst without a reference (skb_dst_set_noref): we are inside
 * rcu_read_lock until ip_local_out() returns, a dst is freed only a grace
 * period after its last reference is dropped, and whatever queues the
 * packet (qdisc, loopback, NFQUEUE) takes a reference with skb_dst_force().
 * A route, address or device change makes dst_check() fail; the next
 * packet looks the route up again and swaps the cache. The cache key is
 * the flow alone (not skb->mark or the ingress device): policy routing on
 * those is not supported.
 *
 * Checksums: the UDP checksum is updated incrementally for the four changed
 * fields, as NAT does (nf_nat_proto.c): with CHECKSUM_PARTIAL only the
 * pseudo-header part, and a zero (absent) IPv4 UDP checksum stays zero.
 * The IPv4 header checksum is recomputed by __ip_local_out().
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/dst.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/netfilter/nf_conntrack.h>

#include "tx.h"

/*
 * Give @skb the cached route, without a reference, if there is one and it
 * is still current; else the caller looks it up and krtp_tx_route_set()s.
 */
static bool krtp_tx_route_cached(struct krtp_flow *flow, struct sk_buff *skb)
{
	struct krtp_route *route = rcu_dereference(flow->route);

	if (unlikely(!route) || unlikely(!dst_check(route->dst, route->cookie)))
		return false;
	skb_dst_set_noref(skb, route->dst);
	return true;
}

/*
 * Cache @dst, a route just looked up, and let the packet use it without a
 * reference. Two CPUs that miss at once both swap; each releases what it
 * took out. Without memory for the cache, the packet takes the reference.
 */
static void krtp_tx_route_set(struct krtp_flow *flow, struct sk_buff *skb,
			      struct dst_entry *dst, u32 cookie)
{
	struct krtp_route *route, *old;

	route = kmalloc(sizeof(*route), GFP_ATOMIC);
	if (!route) {
		skb_dst_set(skb, dst);
		return;
	}
	route->dst = dst;
	route->cookie = cookie;
	old = unrcu_pointer(xchg(&flow->route, RCU_INITIALIZER(route)));
	if (old) {
		/* readers of old->dst are in RCU, as its freeing will be */
		dst_release(old->dst);
		kfree_rcu(old, rcu);
	}
	skb_dst_set_noref(skb, dst);
}

/* what forwarding does to an skb it passes on (ip_forward, ip6_forward) */
static void krtp_tx_scrub(struct sk_buff *skb)
{
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb_clear_tstamp(skb);
}

/**
 * krtp_tx_prepare_ipv4 - route and rewrite an IPv4 packet for its flow
 * @net: the namespace
 * @flow: the flow it matched
 * @skb: the packet, network header at skb->data
 * @thoff: offset of the UDP header from the network header
 *
 * On success the packet is ready for ip_local_out().
 *
 * Return: 0, -ENETUNREACH without a route, or another negative errno.
 */
int krtp_tx_prepare_ipv4(struct net *net, struct krtp_flow *flow,
			 struct sk_buff *skb, unsigned int thoff)
{
	struct udphdr *uh;
	struct iphdr *iph;

	if (skb_ensure_writable(skb, thoff + sizeof(*uh)))
		return -ENOMEM;
	iph = ip_hdr(skb);
	uh = (struct udphdr *)(skb_network_header(skb) + thoff);
	/* relays between flows on one host must not loop forever */
	if (iph->ttl <= 1)
		return -EINVAL;

	krtp_tx_scrub(skb);
	if (!krtp_tx_route_cached(flow, skb)) {
		struct flowi4 fl4 = {
			.daddr = flow->peer.addr.ip4,
			.saddr = flow->via.addr.ip4,
			.flowi4_proto = IPPROTO_UDP,
			.fl4_sport = flow->via.port,
			.fl4_dport = flow->peer.port,
		};
		struct rtable *rt = ip_route_output_key(net, &fl4);

		if (IS_ERR(rt))
			return -ENETUNREACH;
		krtp_tx_route_set(flow, skb, &rt->dst, 0);
	}

	skb_forward_csum(skb);
	if (uh->check || skb->ip_summed == CHECKSUM_PARTIAL) {
		inet_proto_csum_replace4(&uh->check, skb, iph->saddr,
					 flow->via.addr.ip4, true);
		inet_proto_csum_replace4(&uh->check, skb, iph->daddr,
					 flow->peer.addr.ip4, true);
		inet_proto_csum_replace2(&uh->check, skb, uh->source,
					 flow->via.port, false);
		inet_proto_csum_replace2(&uh->check, skb, uh->dest,
					 flow->peer.port, false);
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
	iph->saddr = flow->via.addr.ip4;
	iph->daddr = flow->peer.addr.ip4;
	iph->ttl--;
	uh->source = flow->via.port;
	uh->dest = flow->peer.port;

	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	return 0;
}

/**
 * krtp_tx_prepare_ipv6 - route and rewrite an IPv6 packet for its flow
 * @net: the namespace
 * @flow: the flow it matched
 * @skb: the packet, network header at skb->data
 * @thoff: offset of the UDP header from the network header
 *
 * On success the packet is ready for ip6_local_out().
 *
 * Return: 0, -ENETUNREACH without a route, or another negative errno.
 */
int krtp_tx_prepare_ipv6(struct net *net, struct krtp_flow *flow,
			 struct sk_buff *skb, unsigned int thoff)
{
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;

	if (skb_ensure_writable(skb, thoff + sizeof(*uh)))
		return -ENOMEM;
	ip6h = ipv6_hdr(skb);
	uh = (struct udphdr *)(skb_network_header(skb) + thoff);
	if (ip6h->hop_limit <= 1)
		return -EINVAL;

	krtp_tx_scrub(skb);
	if (!krtp_tx_route_cached(flow, skb)) {
		struct flowi6 fl6 = {
			.daddr = flow->peer.addr.ip6,
			.saddr = flow->via.addr.ip6,
			.flowi6_proto = IPPROTO_UDP,
			.fl6_sport = flow->via.port,
			.fl6_dport = flow->peer.port,
		};

		dst = ip6_route_output(net, NULL, &fl6);
		if (dst->error) {
			dst_release(dst);
			return -ENETUNREACH;
		}
		krtp_tx_route_set(flow, skb, dst,
				  rt6_get_cookie(container_of(dst, struct rt6_info,
							      dst)));
	}

	skb_forward_csum(skb);
	inet_proto_csum_replace16(&uh->check, skb, ip6h->saddr.s6_addr32,
				  flow->via.addr.ip6.s6_addr32, true);
	inet_proto_csum_replace16(&uh->check, skb, ip6h->daddr.s6_addr32,
				  flow->peer.addr.ip6.s6_addr32, true);
	inet_proto_csum_replace2(&uh->check, skb, uh->source, flow->via.port,
				 false);
	inet_proto_csum_replace2(&uh->check, skb, uh->dest, flow->peer.port,
				 false);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	ip6h->saddr = flow->via.addr.ip6;
	ip6h->daddr = flow->peer.addr.ip6;
	ip6h->hop_limit--;
	uh->source = flow->via.port;
	uh->dest = flow->peer.port;

	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	return 0;
}
