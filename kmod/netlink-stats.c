// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: counters over netlink, a flow's (KRTP_A_FLOW_STATS, read with the
 * flow under the table lock) and a namespace's (KRTP_CMD_STATS_GET). Both
 * sum per-CPU counters without a lock (u64_stats, stats.c).
 */

#include <net/genetlink.h>
#include <net/netlink.h>

#include "netlink-gen.h"
#include "netlink.h"
#include "netns.h"

/**
 * krtp_nl_stats_put_common - put the counters flows and namespaces share
 * @skb: the message, inside a stats nest
 * @s: the sums
 *
 * Return: 0 or -EMSGSIZE.
 */
int krtp_nl_stats_put_common(struct sk_buff *skb, const struct krtp_stats *s)
{
	if (nla_put_u64_64bit(skb, KRTP_A_STATS_PACKETS, s->packets,
			      KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_BYTES, s->bytes,
			      KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_RTCP_PACKETS, s->rtcp_packets,
			      KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_RTCP_BYTES, s->rtcp_bytes,
			      KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_DROP_WRONG_SOURCE,
			      s->drops[KRTP_DROP_WRONG_SOURCE], KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_DROP_NO_ROUTE,
			      s->drops[KRTP_DROP_NO_ROUTE], KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_DROP_NOT_RTP,
			      s->drops[KRTP_DROP_NOT_RTP], KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_DROP_OTHER,
			      s->drops[KRTP_DROP_OTHER], KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_SRTP_AUTH_FAIL,
			      s->drops[KRTP_DROP_SRTP_AUTH], KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_SRTP_REPLAY,
			      s->drops[KRTP_DROP_SRTP_REPLAY], KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_PASSED, s->passed,
			      KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_PACKETS_TOTAL,
			      krtp_stats_total(s), KRTP_A_STATS_PAD))
		return -EMSGSIZE;
	return 0;
}

/**
 * krtp_nl_flow_stats_put - put a flow's KRTP_A_FLOW_STATS nest
 * @skb: the message
 * @flow: the flow, kept alive by the caller (table lock)
 *
 * Return: 0 or -EMSGSIZE.
 */
int krtp_nl_flow_stats_put(struct sk_buff *skb, struct krtp_flow *flow)
{
	struct krtp_stats s = {};
	struct krtp_rtp rtp;
	struct nlattr *nest;
	unsigned long idle;

	krtp_flow_read_stats(flow, &s);
	krtp_flow_read_rtp(flow, &rtp);
	if (flow->srtp) {
		s.drops[KRTP_DROP_SRTP_AUTH] += atomic64_read(&flow->srtp->auth_fail);
		s.drops[KRTP_DROP_SRTP_REPLAY] += atomic64_read(&flow->srtp->replay);
	}
	idle = jiffies - READ_ONCE(flow->last_seen);

	nest = nla_nest_start(skb, KRTP_A_FLOW_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (krtp_nl_stats_put_common(skb, &s) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_IDLE_MSECS,
			      jiffies_to_msecs(idle), KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_RTP_LOST, rtp.lost,
			      KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_RTP_DUPLICATES, rtp.duplicates,
			      KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KRTP_A_STATS_RTP_REORDERED, rtp.reordered,
			      KRTP_A_STATS_PAD))
		goto err_cancel;
	/* SSRC, payload type and jitter only once there was RTP */
	if (rtp.started &&
	    (nla_put_u32(skb, KRTP_A_STATS_RTP_SSRC, rtp.ssrc) ||
	     nla_put_u8(skb, KRTP_A_STATS_RTP_PT, rtp.pt) ||
	     nla_put_u32(skb, KRTP_A_STATS_RTP_JITTER, krtp_rtp_jitter(&rtp)) ||
	     nla_put_u32(skb, KRTP_A_STATS_RTP_JITTER_USECS,
			 krtp_rtp_jitter_usecs(&rtp, flow->clock_rate))))
		goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int krtp_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct krtp_net *kn = krtp_net(genl_info_net(info));
	struct krtp_stats s = {};
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &krtp_nl_family, 0,
				KRTP_CMD_STATS_GET);
	if (!hdr)
		goto err_free;
	krtp_stats_read(kn->stats, &s);
	nest = nla_nest_start(msg, KRTP_A_STATS);
	if (!nest ||
	    nla_put_u32(msg, KRTP_A_STATS_FLOWS, READ_ONCE(kn->table.count)) ||
	    krtp_nl_stats_put_common(msg, &s) ||
	    nla_put_u64_64bit(msg, KRTP_A_STATS_RTP_LOST, s.rtp_lost,
			      KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(msg, KRTP_A_STATS_RTP_DUPLICATES,
			      s.rtp_duplicates, KRTP_A_STATS_PAD) ||
	    nla_put_u64_64bit(msg, KRTP_A_STATS_RTP_REORDERED, s.rtp_reordered,
			      KRTP_A_STATS_PAD))
		goto err_free;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}
