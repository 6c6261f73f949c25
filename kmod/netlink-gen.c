// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/*
 * Policies and ops of the "krtp" family, in the shape ynl-gen gives
 * (drivers/net/ovpn/netlink-gen.c), written by hand from
 * include/uapi/linux/krtp.yaml while 6.1 (no split ops) is supported.
 *
 * Every op has its own policy and is validated strictly (resv_start_op is
 * 0): an attribute an op does not take is refused by the core with
 * "Unsupported attribute" or "Unknown attribute type".
 */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/krtp.h>

/*
 * Integer value ranges. Not const: 6.1's nla_policy.range points to
 * non-const (6.12 takes either).
 */
static struct netlink_range_validation krtp_a_flow_idle_timeout_range = {
	.min = 0ULL,
	.max = 86400ULL,
};

static struct netlink_range_validation krtp_a_flow_clock_rate_range = {
	.min = 1000ULL,
	.max = 192000ULL,
};

static struct netlink_range_validation krtp_a_srtp_suite_range = {
	.min = KRTP_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
	.max = KRTP_SRTP_SUITE_AEAD_AES_128_GCM,
};

static struct netlink_range_validation krtp_a_srtp_replay_window_range = {
	.min = KRTP_SRTP_REPLAY_WINDOW_MIN,
	.max = KRTP_SRTP_REPLAY_WINDOW_MAX,
};

static struct netlink_range_validation krtp_a_srtp_srtcp_index_range = {
	.min = 0ULL,
	.max = 0x7fffffffULL,
};

/* Common nested types */
const struct nla_policy krtp_ep_nl_policy[KRTP_A_EP_MAX + 1] = {
	[KRTP_A_EP_IPV4] = NLA_POLICY_EXACT_LEN(sizeof(__be32)),
	[KRTP_A_EP_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[KRTP_A_EP_PORT] = NLA_POLICY_MIN(NLA_BE16, 1),
};

/* an SRTP context; the salt's length must also be the suite's (handler) */
const struct nla_policy krtp_srtp_stream_nl_policy[KRTP_A_SRTP_STREAM_MAX + 1] = {
	[KRTP_A_SRTP_STREAM_SSRC] = { .type = NLA_U32, },
	[KRTP_A_SRTP_STREAM_ROC] = { .type = NLA_U32, },
};

const struct nla_policy krtp_srtp_nl_policy[KRTP_A_SRTP_MAX + 1] = {
	[KRTP_A_SRTP_SUITE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &krtp_a_srtp_suite_range),
	[KRTP_A_SRTP_MASTER_KEY] =
		NLA_POLICY_EXACT_LEN(KRTP_SRTP_MASTER_KEY_LEN),
	[KRTP_A_SRTP_MASTER_SALT] =
		NLA_POLICY_RANGE(NLA_BINARY, KRTP_SRTP_GCM_MASTER_SALT_LEN,
				 KRTP_SRTP_MASTER_SALT_LEN),
	[KRTP_A_SRTP_REPLAY_WINDOW] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &krtp_a_srtp_replay_window_range),
	[KRTP_A_SRTP_ROC] = { .type = NLA_U32, },
	[KRTP_A_SRTP_SRTCP_INDEX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &krtp_a_srtp_srtcp_index_range),
	[KRTP_A_SRTP_STREAM] = NLA_POLICY_NESTED(krtp_srtp_stream_nl_policy),
};

const struct nla_policy krtp_flow_new_input_nl_policy[KRTP_A_FLOW_MAX + 1] = {
	[KRTP_A_FLOW_LOCAL] = NLA_POLICY_NESTED(krtp_ep_nl_policy),
	[KRTP_A_FLOW_PEER] = NLA_POLICY_NESTED(krtp_ep_nl_policy),
	[KRTP_A_FLOW_VIA] = NLA_POLICY_NESTED(krtp_ep_nl_policy),
	[KRTP_A_FLOW_SOURCE] = NLA_POLICY_NESTED(krtp_ep_nl_policy),
	[KRTP_A_FLOW_FLAGS] = NLA_POLICY_MASK(NLA_U32, __KRTP_FLOW_F_ALL),
	[KRTP_A_FLOW_LABEL] = { .type = NLA_BINARY, .len = KRTP_LABEL_MAX_LEN, },
	[KRTP_A_FLOW_IDLE_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &krtp_a_flow_idle_timeout_range),
	[KRTP_A_FLOW_IDLE_DELETE] = { .type = NLA_FLAG, },
	[KRTP_A_FLOW_CLOCK_RATE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &krtp_a_flow_clock_rate_range),
	[KRTP_A_FLOW_SRTP_IN] = NLA_POLICY_NESTED(krtp_srtp_nl_policy),
	[KRTP_A_FLOW_SRTP_OUT] = NLA_POLICY_NESTED(krtp_srtp_nl_policy),
	[KRTP_A_FLOW_RTCP_PEER] = NLA_POLICY_NESTED(krtp_ep_nl_policy),
	[KRTP_A_FLOW_RTCP_VIA] = NLA_POLICY_NESTED(krtp_ep_nl_policy),
	[KRTP_A_FLOW_BUNDLE_PT] = NLA_POLICY_EXACT_LEN(KRTP_BUNDLE_PT_LEN),
};

/* a flow named by its id or its local endpoint (del, get) */
const struct nla_policy krtp_flow_sel_input_nl_policy[KRTP_A_FLOW_MAX + 1] = {
	[KRTP_A_FLOW_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[KRTP_A_FLOW_LOCAL] = NLA_POLICY_NESTED(krtp_ep_nl_policy),
};

/*
 * FLOW_GET: a flow named as for DEL (do), or a label prefix (dump); the
 * handlers refuse each in the other
 */
const struct nla_policy krtp_flow_get_input_nl_policy[KRTP_A_FLOW_MAX + 1] = {
	[KRTP_A_FLOW_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[KRTP_A_FLOW_LOCAL] = NLA_POLICY_NESTED(krtp_ep_nl_policy),
	[KRTP_A_FLOW_LABEL] =
		NLA_POLICY_RANGE(NLA_BINARY, 1, KRTP_LABEL_MAX_LEN),
};

/*
 * KRTP_CMD_FLOW_NEW - do. The core checks the top level only; the handler
 * checks each KRTP_A_FLOW nest against krtp_flow_new_input_nl_policy, as
 * strictly, while it parses it (krtp_nl_flow_add()). A batch of flows is
 * walked once, not checked whole and then walked again, and a refused nest
 * costs only itself and the flows after it.
 */
static const struct nla_policy krtp_flow_new_nl_policy[KRTP_A_FLOW + 1] = {
	[KRTP_A_FLOW] = { .type = NLA_NESTED, },
};

/* KRTP_CMD_FLOW_DEL - do */
static const struct nla_policy krtp_flow_del_nl_policy[KRTP_A_FLOW + 1] = {
	[KRTP_A_FLOW] = NLA_POLICY_NESTED(krtp_flow_sel_input_nl_policy),
};

/* KRTP_CMD_FLOW_GET - do and dump (the dump: an optional label prefix) */
static const struct nla_policy krtp_flow_get_nl_policy[KRTP_A_FLOW + 1] = {
	[KRTP_A_FLOW] = NLA_POLICY_NESTED(krtp_flow_get_input_nl_policy),
};

/* KRTP_CMD_FLOW_FLUSH, KRTP_CMD_STATS_GET - do: no attributes at all */
static const struct nla_policy krtp_empty_nl_policy[KRTP_A_MAX + 1] = {
};

/* Ops table for krtp */
const struct genl_ops krtp_nl_ops[5] = {
	{
		.cmd = KRTP_CMD_FLOW_NEW,
		.doit = krtp_nl_flow_new_doit,
		.policy = krtp_flow_new_nl_policy,
		.maxattr = KRTP_A_FLOW,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = KRTP_CMD_FLOW_DEL,
		.doit = krtp_nl_flow_del_doit,
		.policy = krtp_flow_del_nl_policy,
		.maxattr = KRTP_A_FLOW,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = KRTP_CMD_FLOW_GET,
		.doit = krtp_nl_flow_get_doit,
		.dumpit = krtp_nl_flow_get_dumpit,
		.policy = krtp_flow_get_nl_policy,
		.maxattr = KRTP_A_FLOW,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = KRTP_CMD_FLOW_FLUSH,
		.doit = krtp_nl_flow_flush_doit,
		.policy = krtp_empty_nl_policy,
		.maxattr = KRTP_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = KRTP_CMD_STATS_GET,
		.doit = krtp_nl_stats_get_doit,
		.policy = krtp_empty_nl_policy,
		.maxattr = KRTP_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

const struct genl_multicast_group krtp_nl_mcgrps[1] = {
	[KRTP_NLGRP_FLOWS] = { .name = KRTP_MCGRP_FLOWS, },
};
