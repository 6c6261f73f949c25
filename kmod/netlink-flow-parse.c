// SPDX-License-Identifier: GPL-2.0
/*
 * krtp: FLOW_NEW's parse of one flow nest: checked against the policy (by
 * a direct walk for the usual shape, else by the policy's own), and read
 * into a struct krtp_flow_config with the rules that span attributes.
 * netlink-flow-new.c creates and inserts the flows.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "compat.h"
#include "netlink-gen.h"
#include "netlink.h"

static bool krtp_nl_addr_any(const struct krtp_ep *ep)
{
	if (ep->family == AF_INET)
		return ep->addr.ip4 == htonl(INADDR_ANY);
	return ipv6_addr_any(&ep->addr.ip6);
}

static bool krtp_nl_addr_multicast(const struct krtp_ep *ep)
{
	if (ep->family == AF_INET)
		return ipv4_is_multicast(ep->addr.ip4) ||
		       ipv4_is_lbcast(ep->addr.ip4);
	return ipv6_addr_is_multicast(&ep->addr.ip6);
}

/*
 * The streams of an SRTP nest (KRTP_A_SRTP_STREAM, several): each with an
 * SSRC and a ROC, SSRCs distinct, no more than a context follows. The
 * policy checked each one's attributes.
 */
static int krtp_nl_srtp_streams_parse(struct nlattr *nest,
				      struct krtp_srtp_config *cfg,
				      const char *dir,
				      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KRTP_A_SRTP_STREAM_MAX + 1];
	struct nlattr *attr;
	unsigned int i;
	int rem, err;
	u32 ssrc;

	cfg->nstreams = 0;
	nla_for_each_nested(attr, nest, rem) {
		if (nla_type(attr) != KRTP_A_SRTP_STREAM)
			continue;
		if (cfg->nstreams == KRTP_SRTP_SSRC_MAX) {
			KRTP_NL_ERR_ATTR(extack, attr,
					 "more srtp streams than a context follows");
			return -E2BIG;
		}
		err = krtp_nl_parse_validated(tb, KRTP_A_SRTP_STREAM_MAX, attr);
		if (err)
			return err;
		if (NL_REQ_ATTR_CHECK(extack, attr, tb, KRTP_A_SRTP_STREAM_SSRC) ||
		    NL_REQ_ATTR_CHECK(extack, attr, tb, KRTP_A_SRTP_STREAM_ROC)) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "srtp %s stream needs an ssrc and a roc",
					       dir);
			return -EINVAL;
		}
		ssrc = nla_get_u32(tb[KRTP_A_SRTP_STREAM_SSRC]);
		for (i = 0; i < cfg->nstreams; i++) {
			if (cfg->streams[i].ssrc == ssrc) {
				KRTP_NL_ERR_ATTR(extack, attr,
						 "srtp stream ssrc given twice");
				return -EINVAL;
			}
		}
		cfg->streams[i].ssrc = ssrc;
		cfg->streams[i].roc = nla_get_u32(tb[KRTP_A_SRTP_STREAM_ROC]);
		cfg->nstreams++;
	}
	return 0;
}

/*
 * One SRTP nest of FLOW_NEW; the policy checked each attribute, this what
 * spans them. Key material goes to @cfg only, which the caller wipes.
 */
static int krtp_nl_srtp_parse(struct nlattr *nest, struct krtp_srtp_config *cfg,
			      const char *dir, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KRTP_A_SRTP_MAX + 1];
	unsigned int salt_len;
	int err;

	err = krtp_nl_parse_validated(tb, KRTP_A_SRTP_MAX, nest);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KRTP_A_SRTP_SUITE)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "srtp %s has no suite", dir);
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KRTP_A_SRTP_MASTER_KEY)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "srtp %s has no master key", dir);
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KRTP_A_SRTP_MASTER_SALT)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "srtp %s has no master salt",
				       dir);
		return -EINVAL;
	}
	cfg->suite = nla_get_u32(tb[KRTP_A_SRTP_SUITE]);
	salt_len = cfg->suite == KRTP_SRTP_SUITE_AEAD_AES_128_GCM ?
		   KRTP_SRTP_GCM_MASTER_SALT_LEN : KRTP_SRTP_MASTER_SALT_LEN;
	if (nla_len(tb[KRTP_A_SRTP_MASTER_SALT]) != salt_len) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "srtp %s master salt is %d bytes, the suite needs %u",
				       dir, nla_len(tb[KRTP_A_SRTP_MASTER_SALT]),
				       salt_len);
		NL_SET_BAD_ATTR(extack, tb[KRTP_A_SRTP_MASTER_SALT]);
		return -EINVAL;
	}
	cfg->salt_len = salt_len;
	nla_memcpy(cfg->key, tb[KRTP_A_SRTP_MASTER_KEY], sizeof(cfg->key));
	nla_memcpy(cfg->salt, tb[KRTP_A_SRTP_MASTER_SALT], sizeof(cfg->salt));
	cfg->window = KRTP_SRTP_REPLAY_WINDOW_DEFAULT;
	cfg->roc = 0;
	cfg->srtcp_index = 0;
	if (tb[KRTP_A_SRTP_REPLAY_WINDOW])
		cfg->window = nla_get_u32(tb[KRTP_A_SRTP_REPLAY_WINDOW]);
	if (tb[KRTP_A_SRTP_ROC])
		cfg->roc = nla_get_u32(tb[KRTP_A_SRTP_ROC]);
	if (tb[KRTP_A_SRTP_SRTCP_INDEX])
		cfg->srtcp_index = nla_get_u32(tb[KRTP_A_SRTP_SRTCP_INDEX]);
	return krtp_nl_srtp_streams_parse(nest, cfg, dir, extack);
}

/*
 * The RTCP source (KRTP_A_FLOW_RTCP_VIA), as the via: of the peer's family,
 * a unicast address and a port.
 */
static int krtp_nl_rtcp_via_parse(struct nlattr *attr,
				  struct krtp_flow_config *cfg,
				  struct netlink_ext_ack *extack)
{
	int err;

	err = krtp_nl_ep_parse(attr, &cfg->rtcp_via, true, "rtcp via", extack);
	if (err)
		return err;
	if (cfg->rtcp_via.family != cfg->peer.family) {
		KRTP_NL_ERR_ATTR(extack, attr,
				 "rtcp via address family differs from peer");
		return -EAFNOSUPPORT;
	}
	if (krtp_nl_addr_any(&cfg->rtcp_via) ||
	    krtp_nl_addr_multicast(&cfg->rtcp_via)) {
		KRTP_NL_ERR_ATTR(extack, attr,
				 "rtcp via address must be a unicast address");
		return -EINVAL;
	}
	return 0;
}

/*
 * The RTCP peer: of the peer's family, since it leaves from the via or the
 * RTCP via, both of that family, and useless on a flow whose every packet
 * is RTCP (its peer is the RTCP port already). Called once the flags are
 * read.
 */
static int krtp_nl_rtcp_peer_parse(struct nlattr **tb,
				   struct krtp_flow_config *cfg,
				   struct netlink_ext_ack *extack)
{
	struct nlattr *attr = tb[KRTP_A_FLOW_RTCP_PEER];
	int err;

	err = krtp_nl_ep_parse(attr, &cfg->rtcp_peer, true, "rtcp peer",
			       extack);
	if (err)
		return err;
	if (cfg->rtcp_peer.family != cfg->peer.family) {
		KRTP_NL_ERR_ATTR(extack, attr,
				 "rtcp peer address family differs from peer");
		return -EAFNOSUPPORT;
	}
	if (krtp_nl_addr_any(&cfg->rtcp_peer)) {
		KRTP_NL_ERR_ATTR(extack, attr,
				 "rtcp peer address must not be unspecified");
		return -EINVAL;
	}
	if (!memcmp(&cfg->rtcp_peer, &cfg->local, sizeof(cfg->local))) {
		KRTP_NL_ERR_ATTR(extack, attr,
				 "rtcp peer is the local endpoint itself");
		return -EINVAL;
	}
	if (cfg->flags & KRTP_FLOW_F_RTCP) {
		KRTP_NL_ERR_ATTR(extack, attr,
				 "an rtcp flow sends all to its peer: no rtcp peer");
		return -EINVAL;
	}
	if (tb[KRTP_A_FLOW_RTCP_VIA])
		return krtp_nl_rtcp_via_parse(tb[KRTP_A_FLOW_RTCP_VIA], cfg,
					      extack);
	return 0;
}

/* a payload type set: not empty, not on an RTCP-only flow */
static int krtp_nl_bundle_parse(struct nlattr *attr,
				struct krtp_flow_config *cfg,
				struct netlink_ext_ack *extack)
{
	u8 any = 0;
	int i;

	nla_memcpy(cfg->bundle_pt, attr, sizeof(cfg->bundle_pt));
	for (i = 0; i < KRTP_BUNDLE_PT_LEN; i++)
		any |= cfg->bundle_pt[i];
	if (!any) {
		KRTP_NL_ERR_ATTR(extack, attr,
				 "bundle payload type set is empty");
		return -EINVAL;
	}
	if (cfg->flags & KRTP_FLOW_F_RTCP) {
		KRTP_NL_ERR_ATTR(extack, attr,
				 "a bundle payload type set is not for an rtcp flow");
		return -EINVAL;
	}
	cfg->bundle = true;
	return 0;
}

/* rules of FLOW_NEW that span attributes */
int krtp_nl_flow_config_parse(struct nlattr *nest, struct nlattr **tb,
				     struct krtp_flow_config *cfg,
				     struct netlink_ext_ack *extack)
{
	int err;

	/*
	 * Not the label and key buffers: they are read only as far as
	 * label_len and a suite say. Zeroing the whole config was about 5%
	 * of a flow install.
	 */
	memset(cfg, 0, offsetof(struct krtp_flow_config, label));
	cfg->srtp_in.suite = 0;
	cfg->srtp_out.suite = 0;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KRTP_A_FLOW_LOCAL)) {
		NL_SET_ERR_MSG_MOD(extack, "missing local endpoint");
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KRTP_A_FLOW_PEER)) {
		NL_SET_ERR_MSG_MOD(extack, "missing peer endpoint");
		return -EINVAL;
	}
	err = krtp_nl_ep_parse(tb[KRTP_A_FLOW_LOCAL], &cfg->local, true,
			       "local", extack);
	if (err)
		return err;
	if (krtp_nl_addr_any(&cfg->local) || krtp_nl_addr_multicast(&cfg->local)) {
		KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_LOCAL],
				 "local address must be a unicast address");
		return -EINVAL;
	}

	err = krtp_nl_ep_parse(tb[KRTP_A_FLOW_PEER], &cfg->peer, true, "peer",
			       extack);
	if (err)
		return err;
	/*
	 * A cross-family flow (tx.c translates the IP header) must say which
	 * address of the peer's family it sends from: the default, local, is
	 * of the other family.
	 */
	if (cfg->peer.family != cfg->local.family && !tb[KRTP_A_FLOW_VIA]) {
		KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_PEER],
				 "peer address family differs from local: a cross-family flow needs a via address of the peer's family");
		return -EINVAL;
	}
	if (krtp_nl_addr_any(&cfg->peer)) {
		KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_PEER],
				 "peer address must not be unspecified");
		return -EINVAL;
	}
	if (!memcmp(&cfg->peer, &cfg->local, sizeof(cfg->peer))) {
		KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_PEER],
				 "peer is the local endpoint itself");
		return -EINVAL;
	}

	if (tb[KRTP_A_FLOW_VIA]) {
		err = krtp_nl_ep_parse(tb[KRTP_A_FLOW_VIA], &cfg->via, true,
				       "via", extack);
		if (err)
			return err;
		if (cfg->via.family != cfg->peer.family) {
			KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_VIA],
					 "via address family differs from peer");
			return -EAFNOSUPPORT;
		}
		if (krtp_nl_addr_any(&cfg->via) ||
		    krtp_nl_addr_multicast(&cfg->via)) {
			KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_VIA],
					 "via address must be a unicast address");
			return -EINVAL;
		}
	}

	if (tb[KRTP_A_FLOW_SOURCE]) {
		err = krtp_nl_ep_parse(tb[KRTP_A_FLOW_SOURCE], &cfg->source,
				       false, "source", extack);
		if (err)
			return err;
		if (cfg->source.family != cfg->local.family) {
			KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_SOURCE],
					 "source address family differs from local");
			return -EAFNOSUPPORT;
		}
	}

	if (tb[KRTP_A_FLOW_FLAGS])
		cfg->flags = nla_get_u32(tb[KRTP_A_FLOW_FLAGS]);
	if (tb[KRTP_A_FLOW_BUNDLE_PT]) {
		err = krtp_nl_bundle_parse(tb[KRTP_A_FLOW_BUNDLE_PT], cfg,
					   extack);
		if (err)
			return err;
	}
	if (tb[KRTP_A_FLOW_RTCP_PEER]) {
		err = krtp_nl_rtcp_peer_parse(tb, cfg, extack);
		if (err)
			return err;
	} else if (tb[KRTP_A_FLOW_RTCP_VIA]) {
		KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_RTCP_VIA],
				 "rtcp via without an rtcp peer");
		return -EINVAL;
	}
	if (tb[KRTP_A_FLOW_LABEL]) {
		cfg->label_len = nla_len(tb[KRTP_A_FLOW_LABEL]);
		nla_memcpy(cfg->label, tb[KRTP_A_FLOW_LABEL], sizeof(cfg->label));
	}
	if (tb[KRTP_A_FLOW_IDLE_TIMEOUT])
		cfg->idle_timeout = nla_get_u32(tb[KRTP_A_FLOW_IDLE_TIMEOUT]);
	cfg->idle_delete = nla_get_flag(tb[KRTP_A_FLOW_IDLE_DELETE]);
	if (cfg->idle_delete && !cfg->idle_timeout) {
		KRTP_NL_ERR_ATTR(extack, tb[KRTP_A_FLOW_IDLE_DELETE],
				 "idle delete needs an idle timeout");
		return -EINVAL;
	}
	cfg->clock_rate = 8000;
	if (tb[KRTP_A_FLOW_CLOCK_RATE])
		cfg->clock_rate = nla_get_u32(tb[KRTP_A_FLOW_CLOCK_RATE]);

	if (tb[KRTP_A_FLOW_SRTP_IN]) {
		err = krtp_nl_srtp_parse(tb[KRTP_A_FLOW_SRTP_IN], &cfg->srtp_in,
					 "in", extack);
		if (err)
			return err;
	}
	if (tb[KRTP_A_FLOW_SRTP_OUT]) {
		err = krtp_nl_srtp_parse(tb[KRTP_A_FLOW_SRTP_OUT],
					 &cfg->srtp_out, "out", extack);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The policy's walk (__nla_validate_parse) was the largest part of a flow
 * install: about 120 instructions an attribute, for its generality. The
 * flows a relay installs have one shape, which the functions below check
 * with the policy's own limits, read from its table; a nest of any other
 * shape, or one they doubt, goes to the policy walk, which accepts or
 * refuses it in the kernel's words. So they accept only what the policy
 * accepts: every attribute of a known type, without flags other than
 * NLA_F_NESTED on a nest, of its exact length and within its range, and no
 * bytes left over. SRTP nests are left to the policy: their keys cost more
 * than any walk. Debug builds check each acceptance against the policy.
 */

/* an endpoint nest: an address of either family and a port */
static bool krtp_nl_ep_fast(const struct nlattr *nest)
{
	const struct nla_policy *pol = krtp_ep_nl_policy;
	const struct nlattr *attr;
	int rem;

	if (nla_len(nest) < NLA_HDRLEN)
		return false;
	nla_for_each_nested(attr, nest, rem) {
		switch (attr->nla_type) {	/* no flag bit may be set */
		case KRTP_A_EP_IPV4:
			if (nla_len(attr) != sizeof(__be32))
				return false;
			break;
		case KRTP_A_EP_IPV6:
			if (nla_len(attr) != sizeof(struct in6_addr))
				return false;
			break;
		case KRTP_A_EP_PORT:
			/* compared as the core does, without a byte swap */
			if (nla_len(attr) != sizeof(__be16) ||
			    nla_get_u16(attr) < pol[KRTP_A_EP_PORT].min)
				return false;
			break;
		default:
			return false;
		}
	}
	return !rem;
}

/* a u32 within its policy's full range */
static bool krtp_nl_u32_fast(const struct nlattr *attr, int type)
{
	const struct netlink_range_validation *range =
		krtp_flow_new_input_nl_policy[type].range;
	u32 v;

	if (nla_len(attr) != sizeof(u32))
		return false;
	v = nla_get_u32(attr);
	return v >= range->min && v <= range->max;
}

/* a flow nest without SRTP: fills @tb as nla_parse_nested() would */
static bool krtp_nl_flow_fast(const struct nlattr *nest, struct nlattr **tb)
{
	const struct nla_policy *pol = krtp_flow_new_input_nl_policy;
	const struct nlattr *attr;
	int rem;

	memset(tb, 0, sizeof(*tb) * (KRTP_A_FLOW_MAX + 1));
	nla_for_each_nested(attr, nest, rem) {
		switch (attr->nla_type) {
		case NLA_F_NESTED | KRTP_A_FLOW_LOCAL:
		case NLA_F_NESTED | KRTP_A_FLOW_PEER:
		case NLA_F_NESTED | KRTP_A_FLOW_VIA:
		case NLA_F_NESTED | KRTP_A_FLOW_SOURCE:
		case NLA_F_NESTED | KRTP_A_FLOW_RTCP_PEER:
		case NLA_F_NESTED | KRTP_A_FLOW_RTCP_VIA:
			if (!krtp_nl_ep_fast(attr))
				return false;
			break;
		case KRTP_A_FLOW_FLAGS:
			if (nla_len(attr) != sizeof(u32) ||
			    nla_get_u32(attr) & ~pol[KRTP_A_FLOW_FLAGS].mask)
				return false;
			break;
		case KRTP_A_FLOW_LABEL:
			if (nla_len(attr) > pol[KRTP_A_FLOW_LABEL].len)
				return false;
			break;
		case KRTP_A_FLOW_IDLE_TIMEOUT:
		case KRTP_A_FLOW_CLOCK_RATE:
			if (!krtp_nl_u32_fast(attr, attr->nla_type))
				return false;
			break;
		case KRTP_A_FLOW_IDLE_DELETE:
			if (nla_len(attr))
				return false;
			break;
		case KRTP_A_FLOW_BUNDLE_PT:	/* the policy's exact length */
			if (nla_len(attr) != KRTP_BUNDLE_PT_LEN)
				return false;
			break;
		default:
			return false;
		}
		tb[nla_type(attr)] = (struct nlattr *)attr;
	}
	return !rem;
}

/*
 * Check and parse one flow nest. Strict, as the core would be, and a
 * refusal points at the attribute, inside this nest: the op's policy
 * leaves the nest to us (netlink-gen.c).
 */
int krtp_nl_flow_nest_parse(struct nlattr *nest, struct nlattr **tb,
				   struct netlink_ext_ack *extack)
{
	if (!krtp_nl_flow_fast(nest, tb))
		return nla_parse_nested(tb, KRTP_A_FLOW_MAX, nest,
					krtp_flow_new_input_nl_policy, extack);
#ifdef DEBUG
	{
		struct nlattr *check[KRTP_A_FLOW_MAX + 1];

		WARN_ON_ONCE(nla_parse_nested(check, KRTP_A_FLOW_MAX, nest,
					      krtp_flow_new_input_nl_policy,
					      NULL) ||
			     memcmp(check, tb, sizeof(check)));
	}
#endif
	return 0;
}

#ifdef DEBUG
#include "selftest/netlink-flow-parse.c"
#endif
