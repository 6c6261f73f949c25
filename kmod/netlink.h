/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_NETLINK_H
#define _KRTP_NETLINK_H

#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "flow.h"

struct krtp_net;

int krtp_nl_register(void);
void krtp_nl_unregister(void);
bool krtp_nl_has_listeners(struct net *net);
void krtp_nl_flow_notify(struct krtp_net *kn, struct krtp_flow *flow, u8 cmd,
			 u32 reason, const struct krtp_ep *src);

/* shared by the netlink*.c files only */
extern struct genl_family krtp_nl_family;

/*
 * A handler's own rejection of an attribute: the "krtp: " prefix of
 * NL_SET_ERR_MSG_MOD, like every other message the handlers write, and the
 * offending attribute. (Policy rejections are worded by the kernel.)
 */
#define KRTP_NL_ERR_ATTR(extack, attr, msg) do {	\
	NL_SET_ERR_MSG_MOD(extack, msg);		\
	NL_SET_BAD_ATTR(extack, attr);			\
} while (0)

/*
 * Fill @tb from a nest of a request that is already validated: genl checks
 * the whole tree of an op whose policy (netlink-gen.c) names the policy of
 * its nests with NLA_POLICY_NESTED, strictly, before the handler runs, and
 * FLOW_NEW checks each flow nest, with what it holds, as it parses it.
 * Checking a nest twice was a quarter of the cost of installing a flow.
 * Only for nests checked either way.
 */
static inline int krtp_nl_parse_validated(struct nlattr **tb, int maxtype,
					  const struct nlattr *nest)
{
	return nla_parse_nested(tb, maxtype, nest, NULL, NULL);
}

int krtp_nl_ep_put(struct sk_buff *skb, int type, const struct krtp_ep *ep);
int krtp_nl_ep_parse(struct nlattr *nest, struct krtp_ep *ep,
		     bool port_required, const char *name,
		     struct netlink_ext_ack *extack);
int krtp_nl_stats_put_common(struct sk_buff *skb, const struct krtp_stats *s);
int krtp_nl_flow_stats_put(struct sk_buff *skb, struct krtp_flow *flow);
bool krtp_nl_flow_new_selftest(void);

struct krtp_flow_config;
int krtp_nl_flow_nest_parse(struct nlattr *nest, struct nlattr **tb,
			    struct netlink_ext_ack *extack);
int krtp_nl_flow_config_parse(struct nlattr *nest, struct nlattr **tb,
			      struct krtp_flow_config *cfg,
			      struct netlink_ext_ack *extack);

#endif /* _KRTP_NETLINK_H */
