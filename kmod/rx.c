// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: the packet path, netfilter PRE_ROUTING hooks for IPv4 and IPv6.
 *
 * Hooks run in softirq (or with BHs disabled) under rcu_read_lock, which
 * is the only lock the common case takes: the flow lookup is RCU, counters
 * are per-CPU, the route comes from the flow's cached dst (tx.c). The RTP
 * analysis takes its flow's spinlock; a flow's packets come from one
 * 5-tuple and so normally land on one CPU (RSS/RPS hash), so it is not
 * contended.
 *
 * What is not ours leaves untouched with NF_ACCEPT: non-UDP, fragments,
 * IPv6 with extension headers, GSO packets (only built for sockets that
 * asked for UDP GRO) and anything no flow matches. A matched packet is
 * either forwarded (NF_STOLEN, sent with ip_local_out so egress hooks see
 * it) or dropped with its reason counted (NF_DROP). On a WebRTC flow
 * (KRTP_FLOW_F_PASS_STUN_DTLS) STUN and DTLS go on to krtpd's socket
 * (NF_ACCEPT), counted as passed.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/timekeeping.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "bundle.h"
#include "netns.h"
#include "rx.h"
#include "srtp.h"
#include "tx.h"

static unsigned int krtp_rx_drop(struct krtp_net *kn, struct krtp_flow *flow,
				 enum krtp_drop_reason reason)
{
	krtp_flow_count_drop(flow, reason);
	krtp_stats_drop(kn->stats, reason);
	net_dbg_ratelimited("flow %u: drop, reason %d\n", flow->id, reason);
	return NF_DROP;
}

/*
 * Leave a packet of a KRTP_FLOW_F_PASS_STUN_DTLS flow to the local socket:
 * krtpd answers STUN and does DTLS itself, and authenticates both.
 */
static unsigned int krtp_rx_pass(struct krtp_net *kn, struct krtp_flow *flow)
{
	atomic64_inc(&flow->passed);
	krtp_stats_pass(kn->stats);
	return NF_ACCEPT;
}

/* whether the payload is STUN or DTLS (RFC 7983), read off the fast path */
static bool krtp_rx_is_stun_dtls(const struct sk_buff *skb, unsigned int thoff)
{
	const u8 *p;
	u8 b;

	p = skb_header_pointer(skb, thoff + sizeof(struct udphdr), 1, &b);
	return p && krtp_rtcp_is_stun_dtls(p, 1);
}

/*
 * Until its source is locked, whether a flow must see what a packet is
 * before it may learn from it: one that decrypts learns only from a packet
 * that authenticates, so that one forged first packet cannot lock out the
 * real sender; one that passes STUN/DTLS never learns from those, which
 * ICE sends from every candidate of the peer.
 */
static bool krtp_rx_learn_late(const struct krtp_flow *flow)
{
	return (flow->srtp && flow->srtp->in) ||
	       (flow->flags & KRTP_FLOW_F_PASS_STUN_DTLS);
}

/*
 * Validate (or learn) the source of a packet. Returns true to go on; else
 * *@verdict says what became of it: dropped and counted, or STUN/DTLS
 * from another source left to the socket.
 */
static bool krtp_rx_source(struct krtp_net *kn, struct krtp_flow *flow,
			   const struct sk_buff *skb, unsigned int thoff,
			   const struct krtp_ep *src, unsigned int *verdict)
{
	switch (krtp_flow_check_source(flow, src)) {
	case KRTP_SRC_OK:
		break;
	case KRTP_SRC_LEARNED:
		krtp_netns_event_queue(kn, flow, KRTP_CMD_FLOW_SRC_LEARNED_NTF, src);
		break;
	case KRTP_SRC_WRONG:
		/* ICE checks and DTLS may come from any candidate */
		if (unlikely(flow->flags & KRTP_FLOW_F_PASS_STUN_DTLS) &&
		    krtp_rx_is_stun_dtls(skb, thoff)) {
			*verdict = krtp_rx_pass(kn, flow);
			return false;
		}
		if (krtp_flow_wrong_src_ntf_due(flow))
			krtp_netns_event_queue(kn, flow,
					       KRTP_CMD_FLOW_WRONG_SRC_NTF, src);
		*verdict = krtp_rx_drop(kn, flow, KRTP_DROP_WRONG_SOURCE);
		return false;
	}
	return true;
}

/*
 * Decrypt and/or encrypt an RTP or RTCP packet of an SRTP flow (srtp.c).
 * Returns true to go on; the packet may have moved and changed length, so
 * the caller reads its header again. Else it was dropped and counted: the
 * SRTP reasons in the flow's struct krtp_srtp, not in struct krtp_flow.
 */
static noinline bool krtp_rx_srtp(struct krtp_net *kn, struct krtp_flow *flow,
				  struct sk_buff *skb, unsigned int thoff,
				  enum krtp_pkt_kind kind)
{
	enum krtp_drop_reason reason;

	switch (krtp_srtp_skb(flow->srtp, skb, thoff, kind == KRTP_PKT_RTCP)) {
	case 0:
		return true;
	case -EBADMSG:
		reason = KRTP_DROP_SRTP_AUTH;
		atomic64_inc(&flow->srtp->auth_fail);
		break;
	case -EALREADY:
		reason = KRTP_DROP_SRTP_REPLAY;
		atomic64_inc(&flow->srtp->replay);
		break;
	default:
		krtp_rx_drop(kn, flow, KRTP_DROP_OTHER);
		return false;
	}
	krtp_stats_drop(kn->stats, reason);
	net_dbg_ratelimited("flow %u: drop, reason %d\n", flow->id, reason);
	return false;
}

/*
 * The part common to both families: source, length, RTP, then the rewrite
 * for the family the packet leaves in (the peer's, which may differ).
 * Returns the verdict; on NF_STOLEN the packet is gone.
 */
static unsigned int krtp_rx_flow(struct krtp_net *kn, struct krtp_flow *flow,
				 struct sk_buff *skb, unsigned int thoff,
				 const struct krtp_ep *src, struct net *net)
{
	u8 buf[KRTP_RTP_HDR_LEN];
	unsigned int plen, verdict;
	enum krtp_pkt_kind kind;
	const struct udphdr *uh;
	bool learn_late, to_rtcp;
	const u8 *hdr;
	int err;

	/* a flow that shares its port: which of them the packet is for */
	if (unlikely(flow->flags & KRTP_FLOW_F_BUNDLE)) {
		struct krtp_flow *member = krtp_bundle_select(&kn->table, flow, skb,
								thoff);

		if (!member)
			return krtp_rx_drop(kn, flow, KRTP_DROP_NOT_RTP);
		flow = member;
	}

	/*
	 * Until the source is locked, a flow that decrypts or passes STUN/DTLS
	 * checks it only once it knows what the packet is (SRTP that
	 * authenticates, not STUN or DTLS). Once locked, wrong sources are
	 * dropped before any crypto. A plain flow pays one test of a field
	 * the source check reads anyway.
	 */
	learn_late = unlikely(!smp_load_acquire(&flow->src_locked)) &&
		     krtp_rx_learn_late(flow);
	if (likely(!learn_late) &&
	    !krtp_rx_source(kn, flow, skb, thoff, src, &verdict))
		return verdict;
	krtp_flow_touch(flow);

	/* the UDP length must match what IP carries */
	if (!pskb_may_pull(skb, thoff + sizeof(*uh)))
		return krtp_rx_drop(kn, flow, KRTP_DROP_OTHER);
	uh = (const struct udphdr *)(skb_network_header(skb) + thoff);
	if (ntohs(uh->len) < sizeof(*uh) || ntohs(uh->len) != skb->len - thoff)
		return krtp_rx_drop(kn, flow, KRTP_DROP_OTHER);
	plen = ntohs(uh->len) - sizeof(*uh);

	hdr = skb_header_pointer(skb, thoff + sizeof(*uh),
				 min_t(unsigned int, plen, sizeof(buf)), buf);
	if (!hdr)
		return krtp_rx_drop(kn, flow, KRTP_DROP_OTHER);
	kind = krtp_rtcp_classify(flow->flags, hdr, plen);
	if (unlikely(kind == KRTP_PKT_OTHER)) {
		/* RFC 7983: STUN and DTLS of a WebRTC flow are krtpd's */
		if ((flow->flags & KRTP_FLOW_F_PASS_STUN_DTLS) &&
		    krtp_rtcp_is_stun_dtls(hdr, plen))
			return krtp_rx_pass(kn, flow);
		if (flow->flags & KRTP_FLOW_F_STRICT_RTP)
			return krtp_rx_drop(kn, flow, KRTP_DROP_NOT_RTP);
	}
	/*
	 * SRTP before the analysis, so forged and replayed packets leave no
	 * trace in it. Plain flows pay this one test of a field on a line
	 * krtp_flow_touch() just wrote.
	 */
	if (unlikely(flow->srtp) && kind != KRTP_PKT_OTHER) {
		if (!krtp_rx_srtp(kn, flow, skb, thoff, kind))
			return NF_DROP;
		hdr = skb_network_header(skb) + thoff + sizeof(*uh);
		plen = skb->len - thoff - sizeof(*uh);
	}
	if (unlikely(learn_late)) {
		/* what is not SRTP cannot teach the source; strict or not */
		if (kind == KRTP_PKT_OTHER && flow->srtp && flow->srtp->in)
			return krtp_rx_drop(kn, flow, KRTP_DROP_NOT_RTP);
		if (!krtp_rx_source(kn, flow, skb, thoff, src, &verdict))
			return verdict;
	}
	if (kind == KRTP_PKT_RTP) {
		u64 now = ktime_get_ns();
		u64 lost, dup, reord;

		spin_lock(&flow->rtp_lock);
		lost = flow->rtp.lost;
		dup = flow->rtp.duplicates;
		reord = flow->rtp.reordered;
		krtp_rtp_update(&flow->rtp, hdr, flow->clock_rate, now);
		lost = flow->rtp.lost - lost;
		dup = flow->rtp.duplicates - dup;
		reord = flow->rtp.reordered - reord;
		spin_unlock(&flow->rtp_lock);
		/* namespace totals of the analysis, rarely anything to add */
		if (unlikely(lost | dup | reord))
			krtp_stats_rtp(kn->stats, lost, dup, reord);
	}

	/*
	 * RTCP of a flow with an RTCP peer goes there. Other flows pay one
	 * test of a pointer on the line krtp_tx_* reads anyway.
	 */
	to_rtcp = unlikely(flow->ext) && kind == KRTP_PKT_RTCP &&
		  flow->ext->has_rtcp_peer;
	/* via is of the peer's family, on the line krtp_tx_* reads anyway */
	if (unlikely(flow->via.family != flow->local.family))
		err = krtp_tx_prepare_xlat(net, flow, skb, thoff, to_rtcp);
	else if (flow->local.family == AF_INET)
		err = krtp_tx_prepare_ipv4(net, flow, skb, thoff, to_rtcp);
	else
		err = krtp_tx_prepare_ipv6(net, flow, skb, thoff, to_rtcp);
	if (err)
		return krtp_rx_drop(kn, flow, err == -ENETUNREACH ?
				    KRTP_DROP_NO_ROUTE : KRTP_DROP_OTHER);

	krtp_flow_count_fwd(flow, kind == KRTP_PKT_RTCP, plen);
	krtp_stats_fwd(kn->stats, kind == KRTP_PKT_RTCP, plen);
	if (flow->via.family == AF_INET)
		ip_local_out(net, NULL, skb);
	else
		ip6_local_out(net, NULL, skb);
	return NF_STOLEN;
}

/**
 * krtp_rx_ipv4 - NF_INET_PRE_ROUTING hook for IPv4
 * @priv: the namespace's struct krtp_net
 * @skb: the packet; ip_rcv() checked and trimmed its header
 * @state: hook state
 *
 * Return: NF_ACCEPT for packets of no flow, else NF_STOLEN or NF_DROP.
 */
unsigned int krtp_rx_ipv4(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct krtp_net *kn = priv;
	const struct udphdr *uh;
	struct krtp_flow *flow;
	struct krtp_ep key, src;
	struct udphdr _uh;
	unsigned int thoff;

	if (iph->protocol != IPPROTO_UDP || ip_is_fragment(iph))
		return NF_ACCEPT;
	thoff = ip_hdrlen(skb);
	uh = skb_header_pointer(skb, skb_network_offset(skb) + thoff,
				sizeof(_uh), &_uh);
	if (!uh)
		return NF_ACCEPT;

	memset(&key, 0, sizeof(key));
	key.family = AF_INET;
	key.addr.ip4 = iph->daddr;
	key.port = uh->dest;
	flow = krtp_table_lookup_rcu(&kn->table, &key);
	if (!flow || skb_is_gso(skb))
		return NF_ACCEPT;

	memset(&src, 0, sizeof(src));
	src.family = AF_INET;
	src.addr.ip4 = iph->saddr;
	src.port = uh->source;
	return krtp_rx_flow(kn, flow, skb, thoff, &src, state->net);
}

/**
 * krtp_rx_ipv6 - NF_INET_PRE_ROUTING hook for IPv6
 * @priv: the namespace's struct krtp_net
 * @skb: the packet; ipv6_rcv() checked and trimmed its header
 * @state: hook state
 *
 * Return: NF_ACCEPT for packets of no flow, else NF_STOLEN or NF_DROP.
 */
unsigned int krtp_rx_ipv6(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct krtp_net *kn = priv;
	const struct udphdr *uh;
	struct krtp_flow *flow;
	struct krtp_ep key, src;
	struct udphdr _uh;

	/* extension headers, fragments included, are not ours */
	if (ip6h->nexthdr != IPPROTO_UDP)
		return NF_ACCEPT;
	uh = skb_header_pointer(skb, skb_network_offset(skb) + sizeof(*ip6h),
				sizeof(_uh), &_uh);
	if (!uh)
		return NF_ACCEPT;

	memset(&key, 0, sizeof(key));
	key.family = AF_INET6;
	key.addr.ip6 = ip6h->daddr;
	key.port = uh->dest;
	flow = krtp_table_lookup_rcu(&kn->table, &key);
	if (!flow || skb_is_gso(skb))
		return NF_ACCEPT;

	memset(&src, 0, sizeof(src));
	src.family = AF_INET6;
	src.addr.ip6 = ip6h->saddr;
	src.port = uh->source;
	return krtp_rx_flow(kn, flow, skb, sizeof(*ip6h), &src, state->net);
}
