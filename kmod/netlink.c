// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: the "krtp" generic netlink family and what its handlers share.
 *
 * The policies in netlink-gen.c reject what a single attribute can get
 * wrong (lengths, port 0, unknown flags, ranges); the handlers check what
 * spans attributes (exactly one address per endpoint, families that
 * match, which attributes an op needs) and say what was wrong in extack.
 * Handlers run in parallel (parallel_ops); each namespace's table mutex
 * serialises them against each other, the idle scan and dumps. They live
 * by object: netlink-flow.c (flows and their events) and netlink-stats.c
 * (counters).
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "compat.h"
#include "netlink-gen.h"
#include "netlink.h"
#include "netns.h"

struct genl_family krtp_nl_family __ro_after_init = {
	.name = KRTP_FAMILY_NAME,
	.version = KRTP_FAMILY_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = krtp_nl_ops,
	.n_ops = ARRAY_SIZE(krtp_nl_ops),
	.mcgrps = krtp_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(krtp_nl_mcgrps),
};

#ifdef COMPAT_CANNOT_FORMAT_EXTACK
#define KRTP_COMPAT_EXTACK_SLOTS	64
#define KRTP_COMPAT_EXTACK_LEN		80

/**
 * krtp_compat_extack_fmt - format an extack message without _msg_buf
 * @fmt: printf format
 *
 * See compat.h.
 *
 * Return: the message, valid for the module's lifetime.
 */
const char *krtp_compat_extack_fmt(const char *fmt, ...)
{
	static char bufs[KRTP_COMPAT_EXTACK_SLOTS][KRTP_COMPAT_EXTACK_LEN];
	static atomic_t next = ATOMIC_INIT(0);
	unsigned int slot;
	va_list args;

	slot = (unsigned int)atomic_inc_return(&next) % KRTP_COMPAT_EXTACK_SLOTS;
	va_start(args, fmt);
	vsnprintf(bufs[slot], KRTP_COMPAT_EXTACK_LEN, fmt, args);
	va_end(args);
	return bufs[slot];
}
#endif

/**
 * krtp_nl_has_listeners - does anyone in @net listen to flow events
 * @net: the namespace
 *
 * Return: true if the "flows" group has members in @net.
 */
bool krtp_nl_has_listeners(struct net *net)
{
	return genl_has_listeners(&krtp_nl_family, net, KRTP_NLGRP_FLOWS);
}

/**
 * krtp_nl_ep_put - put an endpoint nest
 * @skb: the message
 * @type: KRTP_A_FLOW_LOCAL, _PEER, _VIA, _SOURCE, _RTCP_PEER or _RTCP_VIA
 * @ep: the endpoint
 *
 * Return: 0 or -EMSGSIZE.
 */
int krtp_nl_ep_put(struct sk_buff *skb, int type, const struct krtp_ep *ep)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (ep->family == AF_INET) {
		if (nla_put_in_addr(skb, KRTP_A_EP_IPV4, ep->addr.ip4))
			goto err_cancel;
	} else {
		if (nla_put_in6_addr(skb, KRTP_A_EP_IPV6, &ep->addr.ip6))
			goto err_cancel;
	}
	if (ep->port && nla_put_be16(skb, KRTP_A_EP_PORT, ep->port))
		goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/**
 * krtp_nl_ep_parse - parse a validated endpoint nest
 * @nest: KRTP_A_FLOW_LOCAL, _PEER, _VIA, _SOURCE, _RTCP_PEER or _RTCP_VIA
 * @ep: filled in
 * @port_required: a missing port is an error
 * @name: which endpoint, for messages
 * @extack: for the reason of a refusal
 *
 * Return: 0 or -EINVAL.
 */
int krtp_nl_ep_parse(struct nlattr *nest, struct krtp_ep *ep,
		     bool port_required, const char *name,
		     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KRTP_A_EP_MAX + 1] = {}, *attr;
	int rem;

	/*
	 * A walk, not a parse: the nest is validated, and a parse clears
	 * its table with a memset, which cost more than the walk (a flow
	 * has three endpoints). The last of a type wins, as in a parse.
	 */
	nla_for_each_nested(attr, nest, rem) {
		int type = nla_type(attr);

		if (type > 0 && type <= KRTP_A_EP_MAX)
			tb[type] = attr;
	}

	memset(ep, 0, sizeof(*ep));
	if (tb[KRTP_A_EP_IPV4] && tb[KRTP_A_EP_IPV6]) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%s endpoint has both an ipv4 and an ipv6 address",
				       name);
		NL_SET_BAD_ATTR(extack, tb[KRTP_A_EP_IPV6]);
		return -EINVAL;
	}
	if (tb[KRTP_A_EP_IPV4]) {
		ep->family = AF_INET;
		ep->addr.ip4 = nla_get_in_addr(tb[KRTP_A_EP_IPV4]);
	} else if (tb[KRTP_A_EP_IPV6]) {
		ep->family = AF_INET6;
		ep->addr.ip6 = nla_get_in6_addr(tb[KRTP_A_EP_IPV6]);
	} else {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s endpoint has no address",
				       name);
		NL_SET_ERR_ATTR_MISS(extack, nest, KRTP_A_EP_IPV4);
		return -EINVAL;
	}
	if (tb[KRTP_A_EP_PORT]) {
		ep->port = nla_get_be16(tb[KRTP_A_EP_PORT]);
	} else if (port_required) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s endpoint has no port", name);
		NL_SET_ERR_ATTR_MISS(extack, nest, KRTP_A_EP_PORT);
		return -EINVAL;
	}
	return 0;
}

/**
 * krtp_nl_register - register the "krtp" family
 *
 * Return: 0 or a negative errno.
 */
int __init krtp_nl_register(void)
{
	return genl_register_family(&krtp_nl_family);
}

/**
 * krtp_nl_unregister - unregister the "krtp" family
 *
 * Waits for handlers in progress.
 */
void krtp_nl_unregister(void)
{
	genl_unregister_family(&krtp_nl_family);
}
