/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_TX_H
#define _KRTP_TX_H

#include <linux/skbuff.h>

#include "flow.h"

int krtp_tx_prepare_ipv4(struct net *net, struct krtp_flow *flow,
			 struct sk_buff *skb, unsigned int thoff, bool rtcp);
int krtp_tx_prepare_ipv6(struct net *net, struct krtp_flow *flow,
			 struct sk_buff *skb, unsigned int thoff, bool rtcp);
int krtp_tx_prepare_xlat(struct net *net, struct krtp_flow *flow,
			 struct sk_buff *skb, unsigned int thoff, bool rtcp);

#endif /* _KRTP_TX_H */
