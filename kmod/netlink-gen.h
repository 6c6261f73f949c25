/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * Policies and ops of the "krtp" family, in the shape ynl-gen gives
 * (drivers/net/ovpn/netlink-gen.h), written by hand from
 * include/uapi/linux/krtp.yaml while 6.1 (no split ops) is supported.
 */
#ifndef _KRTP_NETLINK_GEN_H
#define _KRTP_NETLINK_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/krtp.h>

/* Common nested types */
extern const struct nla_policy krtp_ep_nl_policy[KRTP_A_EP_MAX + 1];
extern const struct nla_policy krtp_srtp_stream_nl_policy[KRTP_A_SRTP_STREAM_MAX + 1];
extern const struct nla_policy krtp_srtp_nl_policy[KRTP_A_SRTP_MAX + 1];
extern const struct nla_policy krtp_flow_new_input_nl_policy[KRTP_A_FLOW_MAX + 1];
extern const struct nla_policy krtp_flow_sel_input_nl_policy[KRTP_A_FLOW_MAX + 1];
extern const struct nla_policy krtp_flow_get_input_nl_policy[KRTP_A_FLOW_MAX + 1];

int krtp_nl_flow_new_doit(struct sk_buff *skb, struct genl_info *info);
int krtp_nl_flow_del_doit(struct sk_buff *skb, struct genl_info *info);
int krtp_nl_flow_get_doit(struct sk_buff *skb, struct genl_info *info);
int krtp_nl_flow_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int krtp_nl_flow_flush_doit(struct sk_buff *skb, struct genl_info *info);
int krtp_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	KRTP_NLGRP_FLOWS,
};

extern const struct genl_ops krtp_nl_ops[5];
extern const struct genl_multicast_group krtp_nl_mcgrps[1];

#endif /* _KRTP_NETLINK_GEN_H */
