// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: rewrite a matched packet for its flow and give it a route.
 *
 * Both run on the packet path (softirq, rcu_read_lock). The route to the
 * peer is cached per flow and per CPU in a struct dst_cache, so the common
 * case does no FIB lookup: the cache hands back its dst only while
 * dst->ops->check() says it is current, and a route, address or device
 * change makes the next packet look the route up again. The cache key is
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
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/netfilter/nf_conntrack.h>

#include "tx.h"

/* what forwarding does to an skb it passes on (ip_forward, ip6_forward) */
static void krtp_tx_scrub(struct sk_buff *skb, struct dst_entry *dst)
{
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
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
	struct rtable *rt;
	__be32 saddr;

	rt = dst_cache_get_ip4(&flow->dst_cache, &saddr);
	if (!rt) {
		struct flowi4 fl4 = {
			.daddr = flow->peer.addr.ip4,
			.saddr = flow->via.addr.ip4,
			.flowi4_proto = IPPROTO_UDP,
			.fl4_sport = flow->via.port,
			.fl4_dport = flow->peer.port,
		};

		rt = ip_route_output_key(net, &fl4);
		if (IS_ERR(rt))
			return -ENETUNREACH;
		dst_cache_set_ip4(&flow->dst_cache, &rt->dst, fl4.saddr);
	}

	if (skb_ensure_writable(skb, thoff + sizeof(*uh)))
		goto err_put;
	iph = ip_hdr(skb);
	uh = (struct udphdr *)(skb_network_header(skb) + thoff);
	/* relays between flows on one host must not loop forever */
	if (iph->ttl <= 1)
		goto err_put;

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
	krtp_tx_scrub(skb, &rt->dst);
	return 0;

err_put:
	ip_rt_put(rt);
	return -ENOMEM;
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
	struct in6_addr saddr;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;

	dst = dst_cache_get_ip6(&flow->dst_cache, &saddr);
	if (!dst) {
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
		dst_cache_set_ip6(&flow->dst_cache, dst, &fl6.saddr);
	}

	if (skb_ensure_writable(skb, thoff + sizeof(*uh)))
		goto err_put;
	ip6h = ipv6_hdr(skb);
	uh = (struct udphdr *)(skb_network_header(skb) + thoff);
	if (ip6h->hop_limit <= 1)
		goto err_put;

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
	krtp_tx_scrub(skb, dst);
	return 0;

err_put:
	dst_release(dst);
	return -ENOMEM;
}
