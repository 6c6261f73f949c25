// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of FLOW_NEW's fast check (#included by netlink-flow-parse.c in
 * DEBUG builds): a flow nest of every attribute it knows, then each byte
 * of it changed to values that break lengths, types, flags and ranges, and
 * the nest cut short at every length. Whatever krtp_nl_flow_fast() accepts,
 * the policy must accept too, with the same attributes; and the unchanged
 * nest must take the fast path.
 */

static int __init krtp_nl_new_selftest_nest(struct sk_buff *skb)
{
	static const struct in6_addr ip6 = { .s6_addr = { 0xfd, [15] = 1 } };
	struct nlattr *flow, *ep;

	flow = nla_nest_start(skb, KRTP_A_FLOW);
	ep = nla_nest_start(skb, KRTP_A_FLOW_LOCAL);
	if (!flow || !ep || nla_put_in_addr(skb, KRTP_A_EP_IPV4, htonl(0x0a000001)) ||
	    nla_put_be16(skb, KRTP_A_EP_PORT, htons(4000)))
		return -EMSGSIZE;
	nla_nest_end(skb, ep);
	ep = nla_nest_start(skb, KRTP_A_FLOW_PEER);
	if (!ep || nla_put_in6_addr(skb, KRTP_A_EP_IPV6, &ip6) ||
	    nla_put_be16(skb, KRTP_A_EP_PORT, htons(5000)))
		return -EMSGSIZE;
	nla_nest_end(skb, ep);
	ep = nla_nest_start(skb, KRTP_A_FLOW_RTCP_PEER);
	if (!ep || nla_put_in6_addr(skb, KRTP_A_EP_IPV6, &ip6) ||
	    nla_put_be16(skb, KRTP_A_EP_PORT, htons(5001)))
		return -EMSGSIZE;
	nla_nest_end(skb, ep);
	ep = nla_nest_start(skb, KRTP_A_FLOW_RTCP_VIA);
	if (!ep || nla_put_in6_addr(skb, KRTP_A_EP_IPV6, &ip6) ||
	    nla_put_be16(skb, KRTP_A_EP_PORT, htons(6001)))
		return -EMSGSIZE;
	nla_nest_end(skb, ep);
	ep = nla_nest_start(skb, KRTP_A_FLOW_SOURCE);
	if (!ep || nla_put_in_addr(skb, KRTP_A_EP_IPV4, htonl(0x0a000002)))
		return -EMSGSIZE;
	nla_nest_end(skb, ep);
	if (nla_put_u32(skb, KRTP_A_FLOW_FLAGS, KRTP_FLOW_F_RTCP) ||
	    nla_put(skb, KRTP_A_FLOW_LABEL, 5, "call1") ||
	    nla_put_u32(skb, KRTP_A_FLOW_IDLE_TIMEOUT, 86400) ||
	    nla_put_flag(skb, KRTP_A_FLOW_IDLE_DELETE) ||
	    nla_put_u32(skb, KRTP_A_FLOW_CLOCK_RATE, 1000) ||
	    nla_put(skb, KRTP_A_FLOW_BUNDLE_PT, KRTP_BUNDLE_PT_LEN,
		    "\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x80"))
		return -EMSGSIZE;
	nla_nest_end(skb, flow);
	return 0;
}

/* false if the fast check accepted @nest and the policy did not agree */
static bool __init krtp_nl_new_selftest_one(struct nlattr *nest,
					    unsigned int *fast)
{
	struct nlattr *tb[KRTP_A_FLOW_MAX + 1], *check[KRTP_A_FLOW_MAX + 1];

	if (!krtp_nl_flow_fast(nest, tb))
		return true;
	(*fast)++;
	return !nla_parse_nested(check, KRTP_A_FLOW_MAX, nest,
				 krtp_flow_new_input_nl_policy, NULL) &&
	       !memcmp(tb, check, sizeof(tb));
}

bool __init krtp_nl_flow_new_selftest(void)
{
	static const u8 values[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08,
				     0x0c, 0x10, 0x11, 0x40, 0x7f, 0x80, 0xff };
	unsigned int i, v, len, fast = 0, cases = 0;
	struct nlattr *nest;
	struct sk_buff *skb;
	bool ok = true;
	u8 *copy;

	skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	copy = kmalloc(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb || !copy || krtp_nl_new_selftest_nest(skb)) {
		ok = false;
		goto out;
	}
	nest = (struct nlattr *)skb->data;
	len = nla_total_size(nla_len(nest));
	nest = (struct nlattr *)copy;

	/* unchanged: the fast path */
	memcpy(copy, skb->data, len);
	ok &= krtp_nl_new_selftest_one(nest, &fast) && fast == 1;
	/* one byte changed, past the outer header (genl checks that one) */
	for (i = NLA_HDRLEN; i < len; i++) {
		for (v = 0; v < ARRAY_SIZE(values); v++) {
			memcpy(copy, skb->data, len);
			copy[i] = values[v];
			ok &= krtp_nl_new_selftest_one(nest, &fast);
			cases++;
		}
	}
	/* cut short: the outer length at every value that stays inside */
	for (i = NLA_HDRLEN; i < len; i++) {
		memcpy(copy, skb->data, len);
		nest->nla_len = i;
		ok &= krtp_nl_new_selftest_one(nest, &fast);
		cases++;
	}
	pr_info("FLOW_NEW fast check: %u changed nests, %u took the fast path\n",
		cases, fast);
out:
	kfree(copy);
	nlmsg_free(skb);
	pr_info("FLOW_NEW fast check self-test: %s\n", ok ? "pass" : "fail");
	return ok;
}
