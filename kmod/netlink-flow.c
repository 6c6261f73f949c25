// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: flows over netlink: FLOW_DEL, _GET (do and dump), _FLUSH and the
 * flow events (FLOW_NEW is netlink-flow-new.c). Handlers take the namespace's table mutex around what
 * they do to the table; a flow they hold is valid until they drop it.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "bundle.h"
#include "compat.h"
#include "netlink-gen.h"
#include "netlink.h"
#include "netns.h"

/* what krtp_nl_flow_fill() puts in besides the configuration */
struct krtp_nl_fill_extra {
	bool stats;			/* the counters */
	u32 reason;			/* KRTP_A_FLOW_DEL_REASON, if not 0 */
	const struct krtp_ep *src;	/* reported instead of the flow's source */
	struct netlink_callback *cb;	/* dumps: for the consistency check */
};

/* room for one endpoint nest; IPv6 is the larger address */
static size_t krtp_nl_ep_size(void)
{
	return nla_total_size(0) +
	       nla_total_size(sizeof(struct in6_addr)) +	/* _EP_IPV6 */
	       nla_total_size(sizeof(u16));			/* _EP_PORT */
}

/*
 * Room for what krtp_nl_flow_fill() puts in; keep them in step. Messages
 * sized to their flows are cheap to allocate.
 */
static size_t krtp_nl_flow_size(const struct krtp_nl_fill_extra *extra)
{
	size_t size;

	size = nla_total_size(0) +		/* KRTP_A_FLOW */
		nla_total_size(sizeof(u32)) +		/* _ID */
		6 * krtp_nl_ep_size() +	/* _LOCAL _PEER _VIA _SOURCE _RTCP_PEER _RTCP_VIA */
		nla_total_size(sizeof(u8)) +		/* _SRC_MODE */
		nla_total_size(0) +			/* _SRC_LOCKED */
		nla_total_size(sizeof(u32)) +		/* _FLAGS */
		nla_total_size(KRTP_LABEL_MAX_LEN) +	/* _LABEL */
		nla_total_size(KRTP_BUNDLE_PT_LEN) +	/* _BUNDLE_PT */
		nla_total_size(sizeof(u32)) +		/* _IDLE_TIMEOUT */
		nla_total_size(0) +			/* _IDLE_DELETE */
		nla_total_size(sizeof(u32)) +		/* _CLOCK_RATE */
		nla_total_size(sizeof(u32)) +		/* _DEL_REASON */
		/* _SRTP_IN, _SRTP_OUT: suite, ROC, SRTCP index (out), streams */
		2 * (nla_total_size(0) + 3 * nla_total_size(sizeof(u32)) +
		     KRTP_SRTP_SSRC_MAX * (nla_total_size(0) +
					   2 * nla_total_size(sizeof(u32))));

	if (extra->stats)
		size += nla_total_size(0) +		/* KRTP_A_FLOW_STATS */
			/* 11 common counters, idle, lost, dups, reordered */
			15 * nla_total_size_64bit(sizeof(u64)) +
			nla_total_size(sizeof(u32)) +	/* _RTP_SSRC */
			nla_total_size(sizeof(u8)) +	/* _RTP_PT */
			nla_total_size(sizeof(u32)) +	/* _RTP_JITTER */
			nla_total_size(sizeof(u32));	/* _RTP_JITTER_USECS */
	return size;
}

/*
 * An SRTP nest as replies, dumps and events carry it: the suite and where
 * the context stands (ROC; for OUT the next SRTCP index), never key
 * material. The nest's type says the direction.
 */
static int krtp_nl_srtp_put(struct sk_buff *skb, int type,
			    struct krtp_srtp_ctx *ctx)
{
	struct krtp_srtp_stream_state streams[KRTP_SRTP_SSRC_MAX];
	struct nlattr *nest, *stream;
	unsigned int i, nstreams;
	u32 roc, srtcp_index;

	if (!ctx)
		return 0;
	krtp_srtp_ctx_state(ctx, &roc, &srtcp_index, streams, &nstreams);
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KRTP_A_SRTP_SUITE, ctx->suite) ||
	    nla_put_u32(skb, KRTP_A_SRTP_ROC, roc) ||
	    (type == KRTP_A_FLOW_SRTP_OUT &&
	     nla_put_u32(skb, KRTP_A_SRTP_SRTCP_INDEX, srtcp_index)))
		goto err_cancel;
	for (i = 0; i < nstreams; i++) {
		stream = nla_nest_start(skb, KRTP_A_SRTP_STREAM);
		if (!stream ||
		    nla_put_u32(skb, KRTP_A_SRTP_STREAM_SSRC, streams[i].ssrc) ||
		    nla_put_u32(skb, KRTP_A_SRTP_STREAM_ROC, streams[i].roc))
			goto err_cancel;
		nla_nest_end(skb, stream);
	}
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/*
 * One flow as a message: replies, dump entries and events. In a
 * wrong-source event the source is the offending one.
 */
static int krtp_nl_flow_fill(struct sk_buff *skb, struct krtp_flow *flow,
			     u32 portid, u32 seq, int flags, u8 cmd,
			     const struct krtp_nl_fill_extra *extra)
{
	const struct krtp_flow_ext *ext = flow->ext;
	struct krtp_ep source;
	struct nlattr *attr;
	bool locked, known;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &krtp_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (extra->cb)
		genl_dump_check_consistent(extra->cb, hdr);

	known = krtp_flow_source(flow, &source, &locked);
	if (extra->src) {
		source = *extra->src;
		known = true;
	}

	attr = nla_nest_start(skb, KRTP_A_FLOW);
	if (!attr)
		goto err_cancel;
	if (nla_put_u32(skb, KRTP_A_FLOW_ID, flow->id) ||
	    krtp_nl_ep_put(skb, KRTP_A_FLOW_LOCAL, &flow->local) ||
	    krtp_nl_ep_put(skb, KRTP_A_FLOW_PEER, &flow->peer) ||
	    (flow->has_via &&
	     krtp_nl_ep_put(skb, KRTP_A_FLOW_VIA, &flow->via)) ||
	    (ext && ext->has_rtcp_peer &&
	     krtp_nl_ep_put(skb, KRTP_A_FLOW_RTCP_PEER, &ext->rtcp.ep)) ||
	    (ext && ext->has_rtcp_peer && ext->rtcp.has_via &&
	     krtp_nl_ep_put(skb, KRTP_A_FLOW_RTCP_VIA, &ext->rtcp.via)) ||
	    ((flow->flags & KRTP_FLOW_F_BUNDLE) &&
	     nla_put(skb, KRTP_A_FLOW_BUNDLE_PT, sizeof(ext->bundle_pt),
		     ext->bundle_pt)) ||
	    (known && krtp_nl_ep_put(skb, KRTP_A_FLOW_SOURCE, &source)) ||
	    nla_put_u8(skb, KRTP_A_FLOW_SRC_MODE, flow->src_mode) ||
	    (locked && nla_put_flag(skb, KRTP_A_FLOW_SRC_LOCKED)) ||
	    nla_put_u32(skb, KRTP_A_FLOW_FLAGS,
			flow->flags & __KRTP_FLOW_F_ALL) ||
	    (flow->label_len &&
	     nla_put(skb, KRTP_A_FLOW_LABEL, flow->label_len, flow->label)) ||
	    nla_put_u32(skb, KRTP_A_FLOW_IDLE_TIMEOUT, flow->idle_timeout) ||
	    (flow->idle_delete && nla_put_flag(skb, KRTP_A_FLOW_IDLE_DELETE)) ||
	    nla_put_u32(skb, KRTP_A_FLOW_CLOCK_RATE, flow->clock_rate) ||
	    (flow->srtp &&
	     (krtp_nl_srtp_put(skb, KRTP_A_FLOW_SRTP_IN, flow->srtp->in) ||
	      krtp_nl_srtp_put(skb, KRTP_A_FLOW_SRTP_OUT, flow->srtp->out))) ||
	    (extra->stats && krtp_nl_flow_stats_put(skb, flow)) ||
	    (extra->reason &&
	     nla_put_u32(skb, KRTP_A_FLOW_DEL_REASON, extra->reason)))
		goto err_cancel;
	nla_nest_end(skb, attr);
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * krtp_nl_flow_notify - send a flow event to the "flows" group
 * @kn: the flow's namespace
 * @flow: the flow (still valid: the caller holds the table lock)
 * @cmd: KRTP_CMD_*_NTF
 * @reason: enum krtp_del_reason for KRTP_CMD_FLOW_DEL_NTF, else 0
 * @src: source to report instead of the flow's, or NULL
 *
 * Process context only.
 */
void krtp_nl_flow_notify(struct krtp_net *kn, struct krtp_flow *flow, u8 cmd,
			 u32 reason, const struct krtp_ep *src)
{
	struct krtp_nl_fill_extra extra = {
		.stats = true,
		.reason = reason,
		.src = src,
	};
	struct sk_buff *msg;

	if (!krtp_nl_has_listeners(kn->net))
		return;
	msg = genlmsg_new(krtp_nl_flow_size(&extra), GFP_KERNEL);
	if (!msg)
		return;
	if (krtp_nl_flow_fill(msg, flow, 0, 0, 0, cmd, &extra)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&krtp_nl_family, kn->net, msg, 0,
				KRTP_NLGRP_FLOWS, GFP_KERNEL);
}

static int krtp_nl_flow_reply(struct genl_info *info, struct krtp_flow *flow,
			      u8 cmd)
{
	struct krtp_nl_fill_extra extra = { .stats = true };
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(krtp_nl_flow_size(&extra), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = krtp_nl_flow_fill(msg, flow, info->snd_portid, info->snd_seq, 0,
				cmd, &extra);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* the flow a DEL or GET names, by id or by local endpoint */
static struct krtp_flow *krtp_nl_flow_select(struct krtp_net *kn,
					     struct genl_info *info)
	__must_hold(&kn->table.lock)
{
	struct nlattr *tb[KRTP_A_FLOW_MAX + 1];
	struct sockaddr_storage ss;
	struct krtp_flow *flow;
	struct krtp_ep local;
	int err;
	u32 id;

	if (GENL_REQ_ATTR_CHECK(info, KRTP_A_FLOW)) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing flow attributes");
		return ERR_PTR(-EINVAL);
	}
	err = krtp_nl_parse_validated(tb, KRTP_A_FLOW_MAX,
				      info->attrs[KRTP_A_FLOW]);
	if (err)
		return ERR_PTR(err);

	if (tb[KRTP_A_FLOW_LABEL]) {
		KRTP_NL_ERR_ATTR(info->extack, tb[KRTP_A_FLOW_LABEL],
				 "a label prefix selects flows in a dump only");
		return ERR_PTR(-EINVAL);
	}
	if (tb[KRTP_A_FLOW_ID] && tb[KRTP_A_FLOW_LOCAL]) {
		KRTP_NL_ERR_ATTR(info->extack, tb[KRTP_A_FLOW_LOCAL],
				 "name the flow by id or by local endpoint, not both");
		return ERR_PTR(-EINVAL);
	}
	if (tb[KRTP_A_FLOW_ID]) {
		id = nla_get_u32(tb[KRTP_A_FLOW_ID]);
		flow = krtp_table_lookup_id(&kn->table, id);
		if (!flow) {
			NL_SET_ERR_MSG_FMT_MOD(info->extack,
					       "no flow with id %u", id);
			NL_SET_BAD_ATTR(info->extack, tb[KRTP_A_FLOW_ID]);
			return ERR_PTR(-ENOENT);
		}
		return flow;
	}
	if (!tb[KRTP_A_FLOW_LOCAL]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "missing flow id or local endpoint");
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[KRTP_A_FLOW],
				     KRTP_A_FLOW_ID);
		return ERR_PTR(-EINVAL);
	}
	err = krtp_nl_ep_parse(tb[KRTP_A_FLOW_LOCAL], &local, true, "local",
			       info->extack);
	if (err)
		return ERR_PTR(err);
	flow = krtp_table_lookup_local(&kn->table, &local);
	if (!flow) {
		krtp_ep_to_sockaddr(&local, &ss);
		NL_SET_ERR_MSG_FMT_MOD(info->extack, "no flow for %pISpc", &ss);
		NL_SET_BAD_ATTR(info->extack, tb[KRTP_A_FLOW_LOCAL]);
		return ERR_PTR(-ENOENT);
	}
	if (krtp_bundle_count(flow) > 1) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "%u flows share the endpoint (a bundle): name one by id",
				       krtp_bundle_count(flow));
		NL_SET_BAD_ATTR(info->extack, tb[KRTP_A_FLOW_LOCAL]);
		return ERR_PTR(-ENOTUNIQ);
	}
	return flow;
}

int krtp_nl_flow_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct krtp_net *kn = krtp_net(genl_info_net(info));
	struct krtp_flow *flow;

	mutex_lock(&kn->table.lock);
	flow = krtp_nl_flow_select(kn, info);
	if (IS_ERR(flow)) {
		mutex_unlock(&kn->table.lock);
		return PTR_ERR(flow);
	}
	krtp_table_remove(&kn->table, flow);
	krtp_nl_flow_notify(kn, flow, KRTP_CMD_FLOW_DEL_NTF,
			    KRTP_DEL_REASON_USER, NULL);
	krtp_flow_release(flow);
	mutex_unlock(&kn->table.lock);
	return 0;
}

int krtp_nl_flow_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct krtp_net *kn = krtp_net(genl_info_net(info));
	struct krtp_flow *flow;
	int err;

	mutex_lock(&kn->table.lock);
	flow = krtp_nl_flow_select(kn, info);
	if (IS_ERR(flow))
		err = PTR_ERR(flow);
	else
		err = krtp_nl_flow_reply(info, flow, KRTP_CMD_FLOW_GET);
	mutex_unlock(&kn->table.lock);
	return err;
}

/*
 * What a dump asks for, from its request, read by the first part: cb->args[1]
 * points at the label prefix (in the request, which the netlink core keeps
 * until the dump ends) and cb->args[2] is its length, 0 for every flow;
 * cb->args[3] is 1 once this ran. The core validated the request against
 * krtp_flow_get_nl_policy already; this refuses what a dump does not take.
 * It is not an op's start callback: 6.1 gives that no extack, and here a
 * refusal's message reaches the NLMSG_DONE.
 */
static int krtp_nl_flow_dump_filter(struct netlink_callback *cb)
{
	struct nlattr *tb[KRTP_A_FLOW_MAX + 1];
	struct nlattr *nest;
	int err;

	cb->args[3] = 1;
	nest = nlmsg_find_attr(cb->nlh, GENL_HDRLEN, KRTP_A_FLOW);
	if (!nest)
		return 0;
	err = nla_parse_nested(tb, KRTP_A_FLOW_MAX, nest,
			       krtp_flow_get_input_nl_policy, cb->extack);
	if (err)
		return err;
	if (tb[KRTP_A_FLOW_ID] || tb[KRTP_A_FLOW_LOCAL]) {
		KRTP_NL_ERR_ATTR(cb->extack, tb[KRTP_A_FLOW_ID] ?: tb[KRTP_A_FLOW_LOCAL],
				 "a dump selects flows by label prefix only");
		return -EINVAL;
	}
	if (tb[KRTP_A_FLOW_LABEL]) {
		cb->args[1] = (unsigned long)nla_data(tb[KRTP_A_FLOW_LABEL]);
		cb->args[2] = nla_len(tb[KRTP_A_FLOW_LABEL]);
	}
	return 0;
}

static bool krtp_nl_flow_label_match(const struct krtp_flow *flow,
				     const struct netlink_callback *cb)
{
	size_t len = cb->args[2];

	return !len || (flow->label_len >= len &&
			!memcmp(flow->label, (const void *)cb->args[1], len));
}

/* flows a dump looks at before it lets FLOW_NEW and the rest have the table */
#define KRTP_NL_DUMP_WALK	4096

/*
 * Dumps go in id order and resume from cb->args[0], the next id to send:
 * ids only increase, so a resumed dump never repeats or skips a flow that
 * stayed. cb->seq carries the table generation, and the core flags the
 * dump NLM_F_DUMP_INTR if the table changed between two parts.
 *
 * A label prefix may match few flows of a big table: a part that finds no
 * room problem could walk a million flows with the table mutex held. So
 * every KRTP_NL_DUMP_WALK flows the mutex is dropped and taken again, and
 * the walk goes on from the next id with the generation read anew.
 */
int krtp_nl_flow_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct krtp_net *kn = krtp_net(sock_net(skb->sk));
	struct krtp_nl_fill_extra extra = { .stats = true, .cb = cb };
	unsigned long id = cb->args[0];
	unsigned int walked = 0;
	struct krtp_flow *flow;
	int err = 0;

	if (!cb->args[3]) {
		err = krtp_nl_flow_dump_filter(cb);
		if (err)
			return err;
	}
	mutex_lock(&kn->table.lock);
	cb->seq = kn->table.gen;
	xa_for_each_start(&kn->table.ids, id, flow, id) {
		if (++walked % KRTP_NL_DUMP_WALK == 0) {
			mutex_unlock(&kn->table.lock);
			cond_resched();
			mutex_lock(&kn->table.lock);
			cb->seq = kn->table.gen;
			/* the flow may be gone: look it up again from its id */
			flow = xa_find(&kn->table.ids, &id, ULONG_MAX, XA_PRESENT);
			if (!flow)
				break;
		}
		if (!krtp_nl_flow_label_match(flow, cb))
			continue;
		err = krtp_nl_flow_fill(skb, flow, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI,
					KRTP_CMD_FLOW_GET, &extra);
		if (err)
			break;
	}
	mutex_unlock(&kn->table.lock);

	/* resume at the flow that did not fit, or past the last id */
	cb->args[0] = err ? id : ULONG_MAX;
	return skb->len;
}

static void krtp_nl_flow_flushed(struct krtp_flow *flow, void *arg)
{
	krtp_nl_flow_notify(arg, flow, KRTP_CMD_FLOW_DEL_NTF,
			    KRTP_DEL_REASON_FLUSH, NULL);
}

int krtp_nl_flow_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct krtp_net *kn = krtp_net(genl_info_net(info));

	/*
	 * An event for every flow, like every other deletion: a listener
	 * whose buffer overflows gets ENOBUFS and re-reads the table, as
	 * netlink listeners do. Without listeners, a million flows go
	 * without a million checks for them.
	 */
	mutex_lock(&kn->table.lock);
	krtp_table_flush(&kn->table, krtp_nl_has_listeners(kn->net) ?
			 krtp_nl_flow_flushed : NULL, kn);
	mutex_unlock(&kn->table.lock);
	return 0;
}
