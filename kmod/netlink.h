/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_NETLINK_H
#define _KRTP_NETLINK_H

#include <net/net_namespace.h>

#include "flow.h"

struct krtp_net;

int krtp_nl_register(void);
void krtp_nl_unregister(void);
bool krtp_nl_has_listeners(struct net *net);
void krtp_nl_flow_notify(struct krtp_net *kn, struct krtp_flow *flow, u8 cmd,
			 u32 reason, const struct krtp_ep *src);

#endif /* _KRTP_NETLINK_H */
