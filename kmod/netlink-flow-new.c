// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: FLOW_NEW, the install path: each flow nest of a request checked
 * against the policy, parsed and created (netlink-flow-parse.c, flow.c),
 * then all inserted under the namespace's table mutex, taken once, and one
 * reply naming the flows added.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/mm.h>
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
 * Create the flow of one KRTP_A_FLOW nest: checked and parsed into @tb and
 * @cfg, its SRTP keys derived and transforms allocated. Not in the table
 * yet, and no lock: this is most of a flow's cost. @tb and @cfg are the
 * caller's, one for all the flows of a request: Debian's kernels zero
 * every stack variable at each call (INIT_STACK_ALL_ZERO), the parse fills
 * both anyway, and under instruction counting zeroing them per flow was 4%
 * of an install.
 */
static struct krtp_flow *krtp_nl_flow_new_one(struct nlattr *nest,
					      struct nlattr **tb,
					      struct krtp_flow_config *cfg,
					      struct netlink_ext_ack *extack)
{
	struct krtp_flow *flow = ERR_PTR(-EINVAL);
	int err;

	err = krtp_nl_flow_nest_parse(nest, tb, extack);
	if (err)
		return ERR_PTR(err);
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
		return ERR_PTR(err);
	if (PTR_ERR_OR_ZERO(flow) == -ENOENT) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the kernel lacks an srtp algorithm (ctr(aes), hmac(sha1) or gcm(aes))");
		NL_SET_BAD_ATTR(extack, nest);
	}
	return flow;
}

/* why the table refused the flow of @nest */
static void krtp_nl_flow_new_refused(const struct krtp_flow *flow,
				     struct nlattr *nest, int err,
				     struct netlink_ext_ack *extack)
{
	struct sockaddr_storage ss;

	if ((flow->flags & KRTP_FLOW_F_BUNDLE) && err != -ENOSPC &&
	    err != -ENOMEM) {
		/* bundle.c said why */
		NL_SET_BAD_ATTR(extack, nla_find_nested(nest, KRTP_A_FLOW_BUNDLE_PT));
	} else if (err == -EEXIST) {
		krtp_ep_to_sockaddr(&flow->local, &ss);
		NL_SET_ERR_MSG_FMT_MOD(extack, "a flow for %pISpc exists", &ss);
		NL_SET_BAD_ATTR(extack, nla_find_nested(nest, KRTP_A_FLOW_LOCAL));
	} else if (err == -ENOSPC) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "flow limit of %u reached",
				       READ_ONCE(krtp_table_max_flows));
		NL_SET_BAD_ATTR(extack, nest);
	} else {
		NL_SET_ERR_MSG_MOD(extack, "cannot add the flow");
		NL_SET_BAD_ATTR(extack, nest);
	}
}

/* one flow of a request: its nest, and the flow until the table has it */
struct krtp_nl_new {
	struct nlattr *nest;
	struct krtp_flow *flow;
};

/* @b is the next flow of the bundle @a leads, on the same local endpoint */
static bool krtp_nl_flow_new_joins(const struct krtp_flow *a,
				   const struct krtp_flow *b)
{
	return (a->flags & b->flags & KRTP_FLOW_F_BUNDLE) &&
	       !memcmp(&a->local, &b->local, sizeof(a->local));
}

/*
 * Hash the head of the bundle held since @it[@first]; if the table cannot,
 * its flows (@first to @end) are out again: their reply entries (from
 * @mark) go, the flows are released and the first one is the refused.
 */
static int krtp_nl_flow_new_publish(struct krtp_table *table,
				    struct krtp_nl_new *it, unsigned int first,
				    unsigned int end, struct krtp_flow **held,
				    struct sk_buff *msg, const void *mark,
				    struct netlink_ext_ack *extack)
	__must_hold(&table->lock)
{
	int err = krtp_table_publish(table, *held);
	unsigned int i;

	*held = NULL;
	if (!err)
		return 0;
	nlmsg_trim(msg, mark);
	for (i = first; i < end; i++) {
		/* dumps and FLOW_GET may have seen them in the id store */
		krtp_flow_release(it[i].flow);
		it[i].flow = NULL;
	}
	NL_SET_ERR_MSG_MOD(extack, "cannot add the flow");
	NL_SET_BAD_ATTR(extack, it[first].nest);
	return err;
}

/*
 * Insert the created flows in order, under the table lock, until one is
 * refused, and write the reply's entry of each. Flows of one bundle that
 * follow each other in the request are published together: the first, a
 * new bundle's head, is hashed once the others joined it, so that a packet
 * never finds the head alone and is dropped as of no line (a browser's
 * video that arrives while its audio's flow is new). The entries are
 * written under the lock: once it is dropped, a flow may be deleted.
 * Returns how many flows the table took, in *@errp why the next one not.
 */
static unsigned int krtp_nl_flow_new_insert(struct krtp_table *table,
					    struct krtp_nl_new *it,
					    unsigned int n, struct sk_buff *msg,
					    bool *idle, int *errp,
					    struct netlink_ext_ack *extack)
{
	struct krtp_flow *flow, *held = NULL;
	unsigned int i, first = 0;
	const void *mark = NULL;
	int err = 0;

	mutex_lock(&table->lock);
	for (i = 0; i < n; i++) {
		flow = it[i].flow;
		if (held && !krtp_nl_flow_new_joins(held, flow)) {
			err = krtp_nl_flow_new_publish(table, it, first, i, &held,
						       msg, mark, extack);
			if (err) {
				i = first;
				break;
			}
		}
		if (!held) {
			first = i;
			mark = skb_tail_pointer(msg);
		}
		if (held || (i + 1 < n &&
			     krtp_nl_flow_new_joins(flow, it[i + 1].flow)))
			err = krtp_table_insert_held(table, flow, &held, extack);
		else
			err = krtp_table_insert(table, flow, extack);
		if (err) {
			krtp_nl_flow_new_refused(flow, it[i].nest, err, extack);
			break;
		}
		/* the message was sized for every flow: this cannot fail */
		krtp_nl_flow_new_reply_put(msg, flow->id, &flow->local);
		*idle |= flow->idle_timeout;
		cond_resched();
	}
	if (held) {
		int perr = krtp_nl_flow_new_publish(table, it, first, i, &held,
						    msg, mark, extack);

		if (perr) {
			err = perr;
			i = first;
		}
	}
	mutex_unlock(&table->lock);
	*errp = err;
	return i;
}

/*
 * FLOW_NEW: one KRTP_A_FLOW nest per flow, one or more. The flows are
 * added in order until one is refused; the reply names each flow added,
 * by id and local endpoint, in the same order, and a refusal follows it as
 * the error, its extack pointing into the refused nest: its index is the
 * number of ids in the reply. Flows after that one are not tried. This
 * holds for a nest the policy refuses too: nests are checked one by one,
 * so the flows before a hostile nest stay. Many flows per message spare a
 * reply, and a read, per flow: with one flow per message those were a
 * third of the cost of installing a flow.
 *
 * Every flow is created first, without the table lock, and then all are
 * inserted under it: the lock is taken once, and a bundle's flows in one
 * request are published together (krtp_nl_flow_new_insert()).
 */
int krtp_nl_flow_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct krtp_net *kn = krtp_net(genl_info_net(info));
	unsigned int n = 0, created = 0, added, i;
	struct nlattr *tb[KRTP_A_FLOW_MAX + 1];
	struct krtp_flow_config cfg;
	struct krtp_nl_new *it;
	struct krtp_flow *flow;
	bool idle = false;
	struct sk_buff *msg;
	struct nlattr *attr;
	int rem, err = 0, ierr;
	void *hdr;

	if (GENL_REQ_ATTR_CHECK(info, KRTP_A_FLOW)) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing flow attributes");
		return -EINVAL;
	}
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem)
		n += nla_type(attr) == KRTP_A_FLOW;

	it = kvmalloc_array(n, sizeof(*it), GFP_KERNEL);
	if (!it)
		return -ENOMEM;
	msg = genlmsg_new(n * krtp_nl_flow_new_reply_size(), GFP_KERNEL);
	if (!msg) {
		kvfree(it);
		return -ENOMEM;
	}
	hdr = genlmsg_put_reply(msg, info, &krtp_nl_family, 0,
				KRTP_CMD_FLOW_NEW);
	if (!hdr) {
		nlmsg_free(msg);
		kvfree(it);
		return -EMSGSIZE;
	}

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != KRTP_A_FLOW)
			continue;
		flow = krtp_nl_flow_new_one(attr, tb, &cfg, info->extack);
		if (IS_ERR(flow)) {
			err = PTR_ERR(flow);
			break;
		}
		it[created].nest = attr;
		it[created++].flow = flow;
		cond_resched();
	}
	added = krtp_nl_flow_new_insert(&kn->table, it, created, msg, &idle,
					&ierr, info->extack);
	/* the first refusal is the error: the table's, before a later nest's */
	if (ierr)
		err = ierr;
	/* what the table did not take was never seen by a reader */
	for (i = added; i < created; i++)
		if (it[i].flow)
			krtp_flow_free(it[i].flow);
	kvfree(it);
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
