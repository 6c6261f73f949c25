/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KRTP_RX_H
#define _KRTP_RX_H

#include <linux/netfilter.h>

unsigned int krtp_rx_ipv4(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state);
unsigned int krtp_rx_ipv6(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state);

#endif /* _KRTP_RX_H */
