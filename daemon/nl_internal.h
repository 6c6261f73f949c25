/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the krtp netlink client: what nl.c (sockets and requests) and
 * nl_flow.c (flows, endpoints and counters as attributes) share. Not for
 * callers: they use include/krtp/nl.h.
 */
#ifndef KRTPD_NL_INTERNAL_H
#define KRTPD_NL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <libmnl/libmnl.h>

#include <krtp/nl.h>

/* Attribute table filled by mnl_attr_parse*(); unknown types are ignored */
struct nl_tb {
	const struct nlattr **tb;
	unsigned int max;
};

/* mnl_attr_parse*() callback filling a struct nl_tb */
int nl_tb_cb(const struct nlattr *attr, void *data);
/* nest's attributes into tb[0..max]; -EPROTO if it does not parse */
int nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned int max);
/* attr is there and its payload is exactly len bytes */
bool nl_has(const struct nlattr *attr, size_t len);

/* nest of type holding ep (KRTP_A_EP_*) */
void nl_put_ep(struct nlmsghdr *nlh, uint16_t type, const struct krtp_ep *ep);
/* KRTP_A_FLOW of a FLOW_NEW request; at most NL_FLOW_MSG_MAX bytes */
void nl_put_flow(struct nlmsghdr *nlh, const struct krtp_flow *f);
/* the top-level attributes of a krtp message (after the genl header) */
int nl_parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb);
/* a reply, dump entry or event carrying one flow */
int nl_parse_flow(const struct nlmsghdr *nlh, struct krtp_flow *f);
/* a KRTP_A_STATS / KRTP_A_FLOW_STATS nest */
int nl_parse_stats(const struct nlattr *nest, struct krtp_stats *st);

#endif /* KRTPD_NL_INTERNAL_H */
