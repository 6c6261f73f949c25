// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: flows over netlink: FLOW_NEW, _DEL, _GET (do and dump), _FLUSH and
 * the flow events. Handlers take the namespace's table mutex around what
 * they do to the table; a flow they hold is valid until they drop it.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "compat.h"
#include "netlink-gen.h"
#include "netlink.h"
#include "netns.h"

/* what krtp_nl_flow_fill() puts in besides the configuration */
struct krtp_nl_fill_extra {
	bool brief;			/* only the id and the key (FLOW_NEW's reply) */
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
 * Room for what krtp_nl_flow_fill() puts in, or with @extra->brief for one
 * flow of FLOW_NEW's reply; keep them in step. Messages sized to their
 * flows keep FLOW_NEW cheap: a page-sized reply per flow was a sixth of
 * the cost of installing it.
 */
static size_t krtp_nl_flow_size(const struct krtp_nl_fill_extra *extra)
{
	size_t size;

	if (extra->brief)
		return nla_total_size(0) +		/* KRTP_A_FLOW */
		       nla_total_size(sizeof(u32)) +	/* _ID */
		       krtp_nl_ep_size();		/* _LOCAL */

	size = nla_total_size(0) +		/* KRTP_A_FLOW */
		nla_total_size(sizeof(u32)) +		/* _ID */
		4 * krtp_nl_ep_size() +			/* _LOCAL _PEER _VIA _SOURCE */
		nla_total_size(sizeof(u8)) +		/* _SRC_MODE */
		nla_total_size(0) +			/* _SRC_LOCKED */
		nla_total_size(sizeof(u32)) +		/* _FLAGS */
		nla_total_size(KRTP_LABEL_MAX_LEN) +	/* _LABEL */
		nla_total_size(sizeof(u32)) +		/* _IDLE_TIMEOUT */
		nla_total_size(0) +			/* _IDLE_DELETE */
		nla_total_size(sizeof(u32)) +		/* _CLOCK_RATE */
		nla_total_size(sizeof(u32)) +		/* _DEL_REASON */
		/* _SRTP_IN, _SRTP_OUT: suite, ROC, SRTCP index (out) */
		2 * (nla_total_size(0) + 3 * nla_total_size(sizeof(u32)));

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
	struct nlattr *nest;
	u32 roc, srtcp_index;

	if (!ctx)
		return 0;
	krtp_srtp_ctx_state(ctx, &roc, &srtcp_index);
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, KRTP_A_SRTP_SUITE, ctx->suite) ||
	    nla_put_u32(skb, KRTP_A_SRTP_ROC, roc) ||
	    (type == KRTP_A_FLOW_SRTP_OUT &&
	     nla_put_u32(skb, KRTP_A_SRTP_SRTCP_INDEX, srtcp_index))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * One flow as a message: replies, dump entries and events. In a
 * wrong-source event the source is the offending one.
 */
static int krtp_nl_flow_fill(struct sk_buff *skb, struct krtp_flow *flow,
			     u32 portid, u32 seq, int flags, u8 cmd,
			     const struct krtp_nl_fill_extra *extra)
{
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
	    (known && krtp_nl_ep_put(skb, KRTP_A_FLOW_SOURCE, &source)) ||
	    nla_put_u8(skb, KRTP_A_FLOW_SRC_MODE, flow->src_mode) ||
	    (locked && nla_put_flag(skb, KRTP_A_FLOW_SRC_LOCKED)) ||
	    nla_put_u32(skb, KRTP_A_FLOW_FLAGS, flow->flags) ||
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

static bool krtp_nl_addr_any(const struct krtp_ep *ep)
{
	if (ep->family == AF_INET)
		return ep->addr.ip4 == htonl(INADDR_ANY);
	return ipv6_addr_any(&ep->addr.ip6);
}

static bool krtp_nl_addr_multicast(const struct krtp_ep *ep)
{
	if (ep->family == AF_INET)
		return ipv4_is_multicast(ep->addr.ip4) ||
		       ipv4_is_lbcast(ep->addr.ip4);
	return ipv6_addr_is_multicast(&ep->addr.ip6);
}

/*
 * One SRTP nest of FLOW_NEW; the policy checked each attribute, this what
 * spans them. Key material goes to @cfg only, which the caller wipes.
 */
static int krtp_nl_srtp_parse(struct nlattr *nest, struct krtp_srtp_config *cfg,
			      const char *dir, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KRTP_A_SRTP_MAX + 1];
	unsigned int salt_len;
	int err;

	err = krtp_nl_parse_validated(tb, KRTP_A_SRTP_MAX, nest);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KRTP_A_SRTP_SUITE)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "srtp %s has no suite", dir);
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KRTP_A_SRTP_MASTER_KEY)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "srtp %s has no master key", dir);
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KRTP_A_SRTP_MASTER_SALT)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "srtp %s has no master salt",
				       dir);
		return -EINVAL;
	}
	cfg->suite = nla_get_u32(tb[KRTP_A_SRTP_SUITE]);
	salt_len = cfg->suite == KRTP_SRTP_SUITE_AEAD_AES_128_GCM ?
		   KRTP_SRTP_GCM_MASTER_SALT_LEN : KRTP_SRTP_MASTER_SALT_LEN;
	if (nla_len(tb[KRTP_A_SRTP_MASTER_SALT]) != salt_len) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "srtp %s master salt is %d bytes, the suite needs %u",
				       dir, nla_len(tb[KRTP_A_SRTP_MASTER_SALT]),
				       salt_len);
		NL_SET_BAD_ATTR(extack, tb[KRTP_A_SRTP_MASTER_SALT]);
		return -EINVAL;
	}
	cfg->salt_len = salt_len;
	nla_memcpy(cfg->key, tb[KRTP_A_SRTP_MASTER_KEY], sizeof(cfg->key));
	nla_memcpy(cfg->salt, tb[KRTP_A_SRTP_MASTER_SALT], sizeof(cfg->salt));
	cfg->window = KRTP_SRTP_REPLAY_WINDOW_DEFAULT;
	cfg->roc = 0;
	cfg->srtcp_index = 0;
	if (tb[KRTP_A_SRTP_REPLAY_WINDOW])
		cfg->window = nla_get_u32(tb[KRTP_A_SRTP_REPLAY_WINDOW]);
	if (tb[KRTP_A_SRTP_ROC])
		cfg->roc = nla_get_u32(tb[KRTP_A_SRTP_ROC]);
	if (tb[KRTP_A_SRTP_SRTCP_INDEX])
		cfg->srtcp_index = nla_get_u32(tb[KRTP_A_SRTP_SRTCP_INDEX]);
	return 0;
}

/* rules of FLOW_NEW that span attributes */
static int krtp_nl_flow_config_parse(struct nlattr *nest, struct nlattr **tb,
				     struct krtp_flow_config *cfg,
				     struct netlink_ext_ack *extack)
{
	int err;

	/*
	 * Not the label and key buffers: they are read only as far as
	 * label_len and a suite say. Zeroing the whole config was about 5%
	 * of a flow install.
	 */
	memset(cfg, 0, offsetof(struct krtp_flow_config, label));
	cfg->srtp_in.suite = 0;
	cfg->srtp_out.suite = 0;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KRTP_A_FLOW_LOCAL)) {
		NL_SET_ERR_MSG_MOD(extack, "missing local endpoint");
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KRTP_A_FLOW_PEER)) {
		NL_SET_ERR_MSG_MOD(extack, "missing peer endpoint");
		return -EINVAL;
	}
	err = krtp_nl_ep_parse(tb[KRTP_A_FLOW_LOCAL], &cfg->local, true,
			       "local", extack);
	if (err)
		return err;
	if (krtp_nl_addr_any(&cfg->local) || krtp_nl_addr_multicast(&cfg->local)) {
		KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_LOCAL],
				 "local address must be a unicast address");
		return -EINVAL;
	}

	err = krtp_nl_ep_parse(tb[KRTP_A_FLOW_PEER], &cfg->peer, true, "peer",
			       extack);
	if (err)
		return err;
	/*
	 * A cross-family flow (tx.c translates the IP header) must say which
	 * address of the peer's family it sends from: the default, local, is
	 * of the other family.
	 */
	if (cfg->peer.family != cfg->local.family && !tb[KRTP_A_FLOW_VIA]) {
		KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_PEER],
				 "peer address family differs from local: a cross-family flow needs a via address of the peer's family");
		return -EINVAL;
	}
	if (krtp_nl_addr_any(&cfg->peer)) {
		KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_PEER],
				 "peer address must not be unspecified");
		return -EINVAL;
	}
	if (!memcmp(&cfg->peer, &cfg->local, sizeof(cfg->peer))) {
		KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_PEER],
				 "peer is the local endpoint itself");
		return -EINVAL;
	}

	if (tb[KRTP_A_FLOW_VIA]) {
		err = krtp_nl_ep_parse(tb[KRTP_A_FLOW_VIA], &cfg->via, true,
				       "via", extack);
		if (err)
			return err;
		if (cfg->via.family != cfg->peer.family) {
			KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_VIA],
					 "via address family differs from peer");
			return -EAFNOSUPPORT;
		}
		if (krtp_nl_addr_any(&cfg->via) ||
		    krtp_nl_addr_multicast(&cfg->via)) {
			KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_VIA],
					 "via address must be a unicast address");
			return -EINVAL;
		}
	}

	if (tb[KRTP_A_FLOW_SOURCE]) {
		err = krtp_nl_ep_parse(tb[KRTP_A_FLOW_SOURCE], &cfg->source,
				       false, "source", extack);
		if (err)
			return err;
		if (cfg->source.family != cfg->local.family) {
			KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_SOURCE],
					 "source address family differs from local");
			return -EAFNOSUPPORT;
		}
	}

	if (tb[KRTP_A_FLOW_FLAGS])
		cfg->flags = nla_get_u32(tb[KRTP_A_FLOW_FLAGS]);
	if (tb[KRTP_A_FLOW_LABEL]) {
		cfg->label_len = nla_len(tb[KRTP_A_FLOW_LABEL]);
		nla_memcpy(cfg->label, tb[KRTP_A_FLOW_LABEL], sizeof(cfg->label));
	}
	if (tb[KRTP_A_FLOW_IDLE_TIMEOUT])
		cfg->idle_timeout = nla_get_u32(tb[KRTP_A_FLOW_IDLE_TIMEOUT]);
	cfg->idle_delete = nla_get_flag(tb[KRTP_A_FLOW_IDLE_DELETE]);
	if (cfg->idle_delete && !cfg->idle_timeout) {
		KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_IDLE_DELETE],
				 "idle delete needs an idle timeout");
		return -EINVAL;
	}
	cfg->clock_rate = 8000;
	if (tb[KRTP_A_FLOW_CLOCK_RATE])
		cfg->clock_rate = nla_get_u32(tb[KRTP_A_FLOW_CLOCK_RATE]);

	if (tb[KRTP_A_FLOW_SRTP_IN]) {
		err = krtp_nl_srtp_parse(tb[KRTP_A_FLOW_SRTP_IN], &cfg->srtp_in,
					 "in", extack);
		if (err)
			return err;
	}
	if (tb[KRTP_A_FLOW_SRTP_OUT]) {
		err = krtp_nl_srtp_parse(tb[KRTP_A_FLOW_SRTP_OUT],
					 &cfg->srtp_out, "out", extack);
		if (err)
			return err;
	}
	return 0;
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

/*
 * Add the flow in one KRTP_A_FLOW nest. What the reply needs is copied out
 * under the table lock: once it is dropped, the flow may be deleted.
 */
static int krtp_nl_flow_add(struct krtp_net *kn, struct nlattr *nest,
			    struct netlink_ext_ack *extack, u32 *id,
			    struct krtp_flow_config *cfg)
{
	struct nlattr *tb[KRTP_A_FLOW_MAX + 1];
	struct krtp_flow *flow = ERR_PTR(-EINVAL);
	struct sockaddr_storage ss;
	int err;

	/*
	 * Checked and parsed in one walk: the op's policy leaves the nest to
	 * us (netlink-gen.c). Strict, as the core would be, and a refusal
	 * points at the attribute, inside this nest.
	 */
	err = nla_parse_nested(tb, KRTP_A_FLOW_MAX, nest,
			       krtp_flow_new_input_nl_policy, extack);
	if (err)
		return err;
	err = krtp_nl_flow_config_parse(nest, tb, cfg, extack);
	if (!err)
		flow = krtp_flow_create(cfg);
	/*
	 * Master keys live no longer than it takes to derive session keys.
	 * A direction without a suite got no key (parsing stops before
	 * the key at any refusal, and sets the suite first).
	 */
	if (cfg->srtp_in.suite)
		memzero_explicit(&cfg->srtp_in, sizeof(cfg->srtp_in));
	if (cfg->srtp_out.suite)
		memzero_explicit(&cfg->srtp_out, sizeof(cfg->srtp_out));
	if (err)
		return err;
	if (IS_ERR(flow)) {
		if (PTR_ERR(flow) == -ENOENT) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the kernel lacks an srtp algorithm (ctr(aes), hmac(sha1) or gcm(aes))");
			NL_SET_BAD_ATTR(extack, nest);
		}
		return PTR_ERR(flow);
	}

	mutex_lock(&kn->table.lock);
	err = krtp_table_insert(&kn->table, flow);
	if (!err)
		*id = flow->id;
	mutex_unlock(&kn->table.lock);
	if (!err)
		return 0;

	krtp_flow_free(flow);
	if (err == -EEXIST) {
		krtp_ep_to_sockaddr(&cfg->local, &ss);
		NL_SET_ERR_MSG_FMT_MOD(extack, "a flow for %pISpc exists", &ss);
		NL_SET_BAD_ATTR(extack, tb[KRTP_A_FLOW_LOCAL]);
	} else if (err == -ENOSPC) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "flow limit of %u reached",
				       READ_ONCE(krtp_table_max_flows));
		NL_SET_BAD_ATTR(extack, nest);
	} else {
		NL_SET_ERR_MSG_MOD(extack, "cannot add the flow");
		NL_SET_BAD_ATTR(extack, nest);
	}
	return err;
}

/*
 * FLOW_NEW: one KRTP_A_FLOW nest per flow, one or more. The flows are
 * added in order until one is refused; the reply names each flow added,
 * by id and local endpoint, in the same order, and a refusal follows it as
 * the error, its extack pointing into the refused nest: its index is the
 * number of ids in the reply. Flows after that one are not tried. This
 * holds for a nest the policy refuses too: nests are checked one by one,
 * as they are added, so the flows before a hostile nest stay. Many flows
 * per message spare a reply, and a read, per flow: with one flow per
 * message those were a third of the cost of installing a flow.
 */
int krtp_nl_flow_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct krtp_net *kn = krtp_net(genl_info_net(info));
	const struct krtp_nl_fill_extra brief = { .brief = true };
	unsigned int n = 0, added = 0;
	struct krtp_flow_config cfg;
	bool idle = false;
	struct sk_buff *msg;
	struct nlattr *attr;
	void *hdr;
	int rem, err = 0;

	if (GENL_REQ_ATTR_CHECK(info, KRTP_A_FLOW)) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing flow attributes");
		return -EINVAL;
	}
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem)
		n += nla_type(attr) == KRTP_A_FLOW;

	msg = genlmsg_new(n * krtp_nl_flow_size(&brief), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &krtp_nl_family, 0,
				KRTP_CMD_FLOW_NEW);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		struct nlattr *nest;
		u32 id;

		if (nla_type(attr) != KRTP_A_FLOW)
			continue;
		err = krtp_nl_flow_add(kn, attr, info->extack, &id, &cfg);
		if (err)
			break;
		/*
		 * The flow is in the table and stays: an error now would tell
		 * the caller it was not added. The message was sized for every
		 * flow, so these cannot fail.
		 */
		nest = nla_nest_start(msg, KRTP_A_FLOW);
		if (nest && !nla_put_u32(msg, KRTP_A_FLOW_ID, id) &&
		    !krtp_nl_ep_put(msg, KRTP_A_FLOW_LOCAL, &cfg.local))
			nla_nest_end(msg, nest);
		idle |= cfg.idle_timeout;
		added++;
		cond_resched();
	}
	if (idle)
		krtp_netns_idle_kick(kn);

	if (!added) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	/*
	 * If the reply is lost (a client that let its receive buffer fill
	 * up), its socket sees ENOBUFS and a dump tells the truth.
	 */
	genlmsg_reply(msg, info);
	return err;
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
 * Dumps go in id order and resume from cb->args[0], the next id to send:
 * ids only increase, so a resumed dump never repeats or skips a flow that
 * stayed. cb->seq carries the table generation, and the core flags the
 * dump NLM_F_DUMP_INTR if the table changed between two parts.
 */
int krtp_nl_flow_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct krtp_net *kn = krtp_net(sock_net(skb->sk));
	struct krtp_nl_fill_extra extra = { .stats = true, .cb = cb };
	unsigned long id = cb->args[0];
	struct krtp_flow *flow;
	int err = 0;

	mutex_lock(&kn->table.lock);
	cb->seq = kn->table.gen;
	xa_for_each_start(&kn->table.ids, id, flow, id) {
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
