// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: FLOW_NEW, the install path: each flow nest of a request checked
 * against the policy and parsed (netlink-flow-parse.c), created and
 * inserted in one walk, and one reply naming the flows added. The handler
 * takes the namespace's table mutex around each insert only.
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

/*
 * Room for one flow of FLOW_NEW's reply: its id and local endpoint (IPv6
 * is the larger address). Sized to the flows, not a page: a page-sized
 * reply per flow was a sixth of the cost of installing it.
 */
static size_t krtp_nl_flow_new_reply_size(void)
{
	return nla_total_size(0) +			/* KRTP_A_FLOW */
	       nla_total_size(sizeof(u32)) +		/* _ID */
	       nla_total_size(0) +			/* _LOCAL */
	       nla_total_size(sizeof(struct in6_addr)) + /* _EP_IPV6 */
	       nla_total_size(sizeof(u16));		/* _EP_PORT */
}

/* a nest's header; returns where its first attribute goes */
static struct nlattr *krtp_nl_reply_nest(struct nlattr *nla, u16 type,
					 int len)
{
	nla->nla_type = NLA_F_NESTED | type;
	nla->nla_len = nla_attr_size(len);
	return nla_data(nla);
}

/* an attribute and its padding, zeroed; returns where the next one goes */
static struct nlattr *krtp_nl_reply_attr(struct nlattr *nla, u16 type,
					 const void *data, int len)
{
	nla->nla_type = type;
	nla->nla_len = nla_attr_size(len);
	memcpy(nla_data(nla), data, len);
	memset(nla_data(nla) + len, 0, nla_padlen(len));
	return (struct nlattr *)((char *)nla + nla_total_size(len));
}

/*
 * One flow of FLOW_NEW's reply, KRTP_A_FLOW { _ID, _LOCAL { _EP_IPV4 or
 * _EP_IPV6, _EP_PORT } }: the bytes nla_nest_start(), nla_put_u32() and
 * krtp_nl_ep_put() would write, in one skb_put(). Their six checked puts
 * were about a twentieth of a flow install. @msg has the room
 * (krtp_nl_flow_new_reply_size()); a local endpoint always has a port.
 */
static void krtp_nl_flow_new_reply_put(struct sk_buff *msg, u32 id,
				       const struct krtp_ep *local)
{
	bool v4 = local->family == AF_INET;
	int alen = v4 ? sizeof(__be32) : sizeof(struct in6_addr);
	int eplen = nla_total_size(alen) + nla_total_size(sizeof(__be16));
	int len = nla_total_size(sizeof(u32)) + nla_total_size(eplen);
	struct nlattr *nla = skb_put(msg, nla_total_size(len));

	nla = krtp_nl_reply_nest(nla, KRTP_A_FLOW, len);
	nla = krtp_nl_reply_attr(nla, KRTP_A_FLOW_ID, &id, sizeof(id));
	nla = krtp_nl_reply_nest(nla, KRTP_A_FLOW_LOCAL, eplen);
	nla = krtp_nl_reply_attr(nla, v4 ? KRTP_A_EP_IPV4 : KRTP_A_EP_IPV6,
				 &local->addr, alen);
	krtp_nl_reply_attr(nla, KRTP_A_EP_PORT, &local->port,
			   sizeof(local->port));
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

	err = krtp_nl_flow_nest_parse(nest, tb, extack);
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
	err = krtp_table_insert(&kn->table, flow, extack);
	if (!err)
		*id = flow->id;
	mutex_unlock(&kn->table.lock);
	if (!err)
		return 0;

	krtp_flow_free(flow);
	if (cfg->bundle && err != -ENOSPC && err != -ENOMEM) {
		/* bundle.c said why */
		NL_SET_BAD_ATTR(extack, tb[KRTP_A_FLOW_BUNDLE_PT]);
	} else if (err == -EEXIST) {
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

	msg = genlmsg_new(n * krtp_nl_flow_new_reply_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &krtp_nl_family, 0,
				KRTP_CMD_FLOW_NEW);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		u32 id;

		if (nla_type(attr) != KRTP_A_FLOW)
			continue;
		err = krtp_nl_flow_add(kn, attr, info->extack, &id, &cfg);
		if (err)
			break;
		/*
		 * The flow is in the table and stays: an error now would tell
		 * the caller it was not added. The message was sized for every
		 * flow, so this cannot fail.
		 */
		krtp_nl_flow_new_reply_put(msg, id, &cfg.local);
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

