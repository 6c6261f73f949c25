// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: rewrite a matched packet for its flow and give it a route.
 *
 * Both run on the packet path (softirq, rcu_read_lock). The route to the
 * peer is cached per flow, as nf_flow_table caches it per tuple: one
 * referenced dst and the cookie that validates it, in a struct krtp_route
 * published with RCU. The common case costs a pointer load and
 * dst_check(); no FIB lookup, no atomic, no per-CPU state. A flow with an
 * RTCP peer caches the route to that one beside it, the same way. The packet
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
 *
 * Cross-family flows (local IPv6, peer and via IPv4, or the reverse) get a
 * new IP header instead of a rewritten one, as a stateless translator does
 * (RFC 7915): traffic class and TOS carry the DSCP and ECN bits across,
 * the hop limit is the TTL less one and the other way round, IPv4 options
 * are not carried. The UDP checksum follows by the difference of the two
 * pseudo-headers' addresses; an IPv4 packet without one (zero) gets a full
 * checksum, which IPv6 requires. IPv4 packets leave with DF set and ID 0
 * (RFC 7915 5.1); IPv6 packets, up to 20 bytes longer than what came in,
 * may be fragmented here (ignore_df) rather than dropped unseen, since no
 * Packet Too Big would reach the IPv4 sender.
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
 * Where a packet goes and what it leaves from: the flow's peer and via, or
 * for RTCP its RTCP peer and RTCP via (an unlikely branch, taken only by
 * flows that have one), and the route cached for that destination. The
 * RTCP via is of the via's family; its address may differ, so its route
 * is looked up from it, not borrowed from the peer's.
 */
struct krtp_tx_dest {
	const struct krtp_ep *peer;
	const struct krtp_ep *via;
	struct krtp_route __rcu **route;
};

static struct krtp_tx_dest krtp_tx_dest(struct krtp_flow *flow, bool rtcp)
{
	if (unlikely(rtcp))
		return (struct krtp_tx_dest){ &flow->ext->rtcp.ep,
					      &flow->ext->rtcp.via,
					      &flow->ext->rtcp.route };
	return (struct krtp_tx_dest){ &flow->peer, &flow->via, &flow->route };
}

/*
 * Give @skb the cached route, without a reference, if there is one and it
 * is still current; else the caller looks it up and krtp_tx_route_set()s.
 */
static bool krtp_tx_route_cached(struct krtp_route __rcu **routep,
				 struct sk_buff *skb)
{
	struct krtp_route *route = rcu_dereference(*routep);

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
static void krtp_tx_route_set(struct krtp_route __rcu **routep,
			      struct sk_buff *skb, struct dst_entry *dst,
			      u32 cookie)
{
	struct krtp_route *route, *old;

	route = kmalloc(sizeof(*route), GFP_ATOMIC);
	if (!route) {
		skb_dst_set(skb, dst);
		return;
	}
	route->dst = dst;
	route->cookie = cookie;
	old = unrcu_pointer(xchg(routep, RCU_INITIALIZER(route)));
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

/* Give @skb the route from @to's via to its IPv4 peer: 0 or -ENETUNREACH. */
static int krtp_tx_route_ipv4(struct net *net, struct krtp_tx_dest to,
			      struct sk_buff *skb)
{
	const struct krtp_ep *peer = to.peer, *via = to.via;
	struct rtable *rt;
	struct flowi4 fl4;

	if (likely(krtp_tx_route_cached(to.route, skb)))
		return 0;
	fl4 = (struct flowi4){
		.daddr = peer->addr.ip4,
		.saddr = via->addr.ip4,
		.flowi4_proto = IPPROTO_UDP,
		.fl4_sport = via->port,
		.fl4_dport = peer->port,
	};
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return -ENETUNREACH;
	krtp_tx_route_set(to.route, skb, &rt->dst, 0);
	return 0;
}

/* Give @skb the route from @to's via to its IPv6 peer: 0 or -ENETUNREACH. */
static int krtp_tx_route_ipv6(struct net *net, struct krtp_tx_dest to,
			      struct sk_buff *skb)
{
	const struct krtp_ep *peer = to.peer, *via = to.via;
	struct dst_entry *dst;
	struct flowi6 fl6;

	if (likely(krtp_tx_route_cached(to.route, skb)))
		return 0;
	fl6 = (struct flowi6){
		.daddr = peer->addr.ip6,
		.saddr = via->addr.ip6,
		.flowi6_proto = IPPROTO_UDP,
		.fl6_sport = via->port,
		.fl6_dport = peer->port,
	};
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		return -ENETUNREACH;
	}
	krtp_tx_route_set(to.route, skb, dst,
			  rt6_get_cookie(container_of(dst, struct rt6_info, dst)));
	return 0;
}

/**
 * krtp_tx_prepare_ipv4 - route and rewrite an IPv4 packet for its flow
 * @net: the namespace
 * @flow: the flow it matched
 * @skb: the packet, network header at skb->data
 * @thoff: offset of the UDP header from the network header
 * @rtcp: an RTCP packet for @flow's RTCP peer (from its RTCP via), which it has
 *
 * On success the packet is ready for ip_local_out().
 *
 * Return: 0, -ENETUNREACH without a route, or another negative errno.
 */
int krtp_tx_prepare_ipv4(struct net *net, struct krtp_flow *flow,
			 struct sk_buff *skb, unsigned int thoff, bool rtcp)
{
	struct krtp_tx_dest to = krtp_tx_dest(flow, rtcp);
	const struct krtp_ep *peer = to.peer, *via = to.via;
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
	if (krtp_tx_route_ipv4(net, to, skb))
		return -ENETUNREACH;

	skb_forward_csum(skb);
	if (uh->check || skb->ip_summed == CHECKSUM_PARTIAL) {
		inet_proto_csum_replace4(&uh->check, skb, iph->saddr,
					 via->addr.ip4, true);
		inet_proto_csum_replace4(&uh->check, skb, iph->daddr,
					 peer->addr.ip4, true);
		inet_proto_csum_replace2(&uh->check, skb, uh->source,
					 via->port, false);
		inet_proto_csum_replace2(&uh->check, skb, uh->dest,
					 peer->port, false);
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
	iph->saddr = via->addr.ip4;
	iph->daddr = peer->addr.ip4;
	iph->ttl--;
	uh->source = via->port;
	uh->dest = peer->port;

	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	return 0;
}

/**
 * krtp_tx_prepare_ipv6 - route and rewrite an IPv6 packet for its flow
 * @net: the namespace
 * @flow: the flow it matched
 * @skb: the packet, network header at skb->data
 * @thoff: offset of the UDP header from the network header
 * @rtcp: an RTCP packet for @flow's RTCP peer (from its RTCP via), which it has
 *
 * On success the packet is ready for ip6_local_out().
 *
 * Return: 0, -ENETUNREACH without a route, or another negative errno.
 */
int krtp_tx_prepare_ipv6(struct net *net, struct krtp_flow *flow,
			 struct sk_buff *skb, unsigned int thoff, bool rtcp)
{
	struct krtp_tx_dest to = krtp_tx_dest(flow, rtcp);
	const struct krtp_ep *peer = to.peer, *via = to.via;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;

	if (skb_ensure_writable(skb, thoff + sizeof(*uh)))
		return -ENOMEM;
	ip6h = ipv6_hdr(skb);
	uh = (struct udphdr *)(skb_network_header(skb) + thoff);
	if (ip6h->hop_limit <= 1)
		return -EINVAL;

	krtp_tx_scrub(skb);
	if (krtp_tx_route_ipv6(net, to, skb))
		return -ENETUNREACH;

	skb_forward_csum(skb);
	inet_proto_csum_replace16(&uh->check, skb, ip6h->saddr.s6_addr32,
				  via->addr.ip6.s6_addr32, true);
	inet_proto_csum_replace16(&uh->check, skb, ip6h->daddr.s6_addr32,
				  peer->addr.ip6.s6_addr32, true);
	inet_proto_csum_replace2(&uh->check, skb, uh->source, via->port,
				 false);
	inet_proto_csum_replace2(&uh->check, skb, uh->dest, peer->port,
				 false);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	ip6h->saddr = via->addr.ip6;
	ip6h->daddr = peer->addr.ip6;
	ip6h->hop_limit--;
	uh->source = via->port;
	uh->dest = peer->port;

	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	return 0;
}

/*
 * The UDP checksum of a packet whose pseudo-header addresses changed by
 * @diff (new minus old, ones' complement) and whose ports are rewritten.
 * With CHECKSUM_PARTIAL the field holds the pseudo-header sum only and the
 * ports are summed later with the data (inet_proto_csum_replace_by_diff(),
 * open-coded: its signature differs between the kernels we build for).
 */
static void krtp_tx_xlat_csum(struct sk_buff *skb, struct udphdr *uh,
			      __wsum diff, struct krtp_tx_dest to)
{
	inet_proto_csum_replace2(&uh->check, skb, uh->source, to.via->port,
				 false);
	inet_proto_csum_replace2(&uh->check, skb, uh->dest, to.peer->port,
				 false);
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		uh->check = ~csum_fold(csum_add(diff, csum_unfold(uh->check)));
	else
		csum_replace_by_diff(&uh->check, diff);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
}

/* Room for the new @hlen-byte header in place of the old @thoff bytes. */
static int krtp_tx_xlat_room(struct sk_buff *skb, unsigned int thoff,
			     unsigned int hlen)
{
	int room = LL_RESERVED_SPACE(skb_dst(skb)->dev) + (int)hlen - (int)thoff;

	/* also unshares a cloned header, since we write before skb->data */
	return skb_cow_head(skb, max(room, 0));
}

/* IPv4 in, IPv6 out; see krtp_tx_prepare_xlat() */
static int krtp_tx_xlat_4to6(struct net *net, struct krtp_flow *flow,
			     struct krtp_tx_dest to, struct sk_buff *skb,
			     unsigned int thoff)
{
	const struct krtp_ep *peer = to.peer, *via = to.via;
	unsigned int len = skb->len - thoff;	/* UDP length, checked by rx */
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	struct iphdr *iph;
	__be32 old[2];
	bool nocsum;
	__wsum diff;
	u8 tos, ttl;

	if (skb_ensure_writable(skb, thoff + sizeof(*uh)))
		return -ENOMEM;
	iph = ip_hdr(skb);
	if (iph->ttl <= 1)
		return -EINVAL;
	tos = iph->tos;
	ttl = iph->ttl;
	old[0] = iph->saddr;
	old[1] = iph->daddr;

	krtp_tx_scrub(skb);
	if (krtp_tx_route_ipv6(net, to, skb))
		return -ENETUNREACH;
	if (krtp_tx_xlat_room(skb, thoff, sizeof(*ip6h)))
		return -ENOMEM;

	skb_forward_csum(skb);
	uh = (struct udphdr *)(skb_network_header(skb) + thoff);
	/* IPv4 may omit the checksum, IPv6 may not: compute it below */
	nocsum = !uh->check && skb->ip_summed != CHECKSUM_PARTIAL;
	if (!nocsum) {
		diff = csum_add(csum_partial(&via->addr.ip6, 16, 0),
				csum_partial(&peer->addr.ip6, 16, 0));
		diff = csum_sub(diff, csum_partial(old, sizeof(old), 0));
		krtp_tx_xlat_csum(skb, uh, diff, to);
	}
	uh->source = via->port;
	uh->dest = peer->port;

	/* the UDP header stays where it is; the new header goes before it */
	__skb_pull(skb, thoff);
	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, sizeof(*ip6h));
	ip6_flow_hdr(ip6h, tos, 0);
	ip6h->payload_len = htons(len);
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = ttl - 1;
	ip6h->saddr = via->addr.ip6;
	ip6h->daddr = peer->addr.ip6;
	skb->protocol = htons(ETH_P_IPV6);
	skb->ignore_df = 1;

	if (nocsum) {
		uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len,
					    IPPROTO_UDP,
					    skb_checksum(skb, sizeof(*ip6h), len, 0));
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	return 0;
}

/* IPv6 in, IPv4 out; see krtp_tx_prepare_xlat() */
static int krtp_tx_xlat_6to4(struct net *net, struct krtp_flow *flow,
			     struct krtp_tx_dest to, struct sk_buff *skb,
			     unsigned int thoff)
{
	const struct krtp_ep *peer = to.peer, *via = to.via;
	unsigned int len = skb->len - thoff;	/* UDP length, checked by rx */
	struct in6_addr old[2];
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	struct iphdr *iph;
	u8 tclass, hops;
	__be32 new[2];
	__wsum diff;

	if (skb_ensure_writable(skb, thoff + sizeof(*uh)))
		return -ENOMEM;
	ip6h = ipv6_hdr(skb);
	if (ip6h->hop_limit <= 1)
		return -EINVAL;
	tclass = ipv6_get_dsfield(ip6h);
	hops = ip6h->hop_limit;
	old[0] = ip6h->saddr;
	old[1] = ip6h->daddr;

	krtp_tx_scrub(skb);
	if (krtp_tx_route_ipv4(net, to, skb))
		return -ENETUNREACH;
	if (krtp_tx_xlat_room(skb, thoff, sizeof(*iph)))
		return -ENOMEM;

	skb_forward_csum(skb);
	uh = (struct udphdr *)(skb_network_header(skb) + thoff);
	/* a zero checksum is not valid IPv6 UDP; IPv4 reads it as "none" */
	if (uh->check || skb->ip_summed == CHECKSUM_PARTIAL) {
		new[0] = via->addr.ip4;
		new[1] = peer->addr.ip4;
		diff = csum_sub(csum_partial(new, sizeof(new), 0),
				csum_partial(old, sizeof(old), 0));
		krtp_tx_xlat_csum(skb, uh, diff, to);
	}
	uh->source = via->port;
	uh->dest = peer->port;

	__skb_pull(skb, thoff);
	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = tclass;
	iph->tot_len = htons(sizeof(*iph) + len);
	iph->frag_off = htons(IP_DF);
	iph->id = 0;
	iph->ttl = hops - 1;
	iph->protocol = IPPROTO_UDP;
	iph->check = 0;		/* __ip_local_out() computes it */
	iph->saddr = via->addr.ip4;
	iph->daddr = peer->addr.ip4;
	skb->protocol = htons(ETH_P_IP);

	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	return 0;
}

/**
 * krtp_tx_prepare_xlat - route a cross-family flow's packet, new IP header
 * @net: the namespace
 * @flow: the flow it matched; @flow->via and @flow->peer are of the other
 *        family than @flow->local
 * @skb: the packet, network header at skb->data, of @flow->local's family
 * @thoff: offset of the UDP header from the network header
 * @rtcp: an RTCP packet for @flow's RTCP peer (from its RTCP via), which it has
 *
 * On success the packet is of @flow->peer's family, ready for
 * ip_local_out() or ip6_local_out().
 *
 * Return: 0, -ENETUNREACH without a route, or another negative errno.
 */
int krtp_tx_prepare_xlat(struct net *net, struct krtp_flow *flow,
			 struct sk_buff *skb, unsigned int thoff, bool rtcp)
{
	struct krtp_tx_dest to = krtp_tx_dest(flow, rtcp);

	if (flow->local.family == AF_INET)
		return krtp_tx_xlat_4to6(net, flow, to, skb, thoff);
	return krtp_tx_xlat_6to4(net, flow, to, skb, thoff);
}
