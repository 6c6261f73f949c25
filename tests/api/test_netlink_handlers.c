// SPDX-License-Identifier: GPL-2.0
/*
 * The krtp netlink API: what krtp.ko's handlers refuse, and several flows
 * in one FLOW_NEW (one reply, an id each; a refusal part way). Run as root
 * with krtp.ko loaded; skipped when it is not. Each rejection is checked
 * for its errno, its extack text, and where the kernel reports one, the
 * offset of the offending attribute or the missing attribute and its nest.
 *
 * Texts the kernel's policy code writes (lib/nlattr.c) are matched exactly;
 * texts krtp.ko writes carry the "krtp: " prefix of NL_SET_ERR_MSG_MOD.
 */
#define _GNU_SOURCE	/* unshare() */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "flows.h"

/* ---- what the handlers refuse ---- */

TEST_F(krtp, both_families_in_endpoint)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	struct nlattr *ep = mnl_attr_nest_start(nlh, KRTP_A_FLOW_LOCAL);
	struct in_addr a4 = { htonl(0x0a000001) };
	struct in6_addr a6 = IN6ADDR_LOOPBACK_INIT;
	long long off;

	mnl_attr_put(nlh, KRTP_A_EP_IPV4, sizeof(a4), &a4);
	off = knl_tail_off(nlh);
	mnl_attr_put(nlh, KRTP_A_EP_IPV6, sizeof(a6), &a6);
	mnl_attr_put_u16(nlh, KRTP_A_EP_PORT, htons(4000));
	mnl_attr_nest_end(nlh, ep);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: local endpoint has both an ipv4 and an ipv6 address", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, family_mismatch)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off;

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	off = knl_tail_off(nlh);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "fd00::2", 5000);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: peer address family differs from local: a cross-family flow needs a via address of the peer's family",
		     self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* a cross-family flow sends from via, which must be of the peer's family */
TEST_F(krtp, cross_family_via_of_local_family)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off;

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	off = knl_tail_off(nlh);
	knl_put_ep(nlh, KRTP_A_FLOW_VIA, "fd00::1", 4000);
	ASSERT_EQ(-EAFNOSUPPORT, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: via address family differs from peer", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* the expected source is where packets arrive from: the local family */
TEST_F(krtp, cross_family_source_of_peer_family)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off;

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "fd00::2", 5000);
	knl_put_ep(nlh, KRTP_A_FLOW_VIA, "fd00::1", 4000);
	off = knl_tail_off(nlh);
	knl_put_ep(nlh, KRTP_A_FLOW_SOURCE, "fd00::3", 6000);
	ASSERT_EQ(-EAFNOSUPPORT, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: source address family differs from local", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

/* both directions of a cross-family call install, and read back as given */
TEST_F(krtp, cross_family_flows)
{
	struct dump_count d = { 0 };
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.2", 5000);
	knl_put_ep(nlh, KRTP_A_FLOW_VIA, "192.0.2.1", 4002);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "192.0.2.1", 4002);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "fd00::2", 6000);
	knl_put_ep(nlh, KRTP_A_FLOW_VIA, "fd00::1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_SOURCE, "192.0.2.2", 5000);
	ASSERT_EQ(0, flow_new_end(&self->k, nlh, nest, &self->a));
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	EXPECT_EQ(2, d.n);
}

TEST_F(krtp, local_not_unicast)
{
	ASSERT_EQ(-EINVAL, knl_flow_add(&self->k, "224.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	EXPECT_STREQ("krtp: local address must be a unicast address", self->a.msg);
	ASSERT_EQ(-EINVAL, knl_flow_add(&self->k, "0.0.0.0", 4000, "192.0.2.1", 5000, &self->a));
	EXPECT_STREQ("krtp: local address must be a unicast address", self->a.msg);
	ASSERT_EQ(-EINVAL, knl_flow_add(&self->k, "ff02::1", 4000, "fd00::1", 5000, &self->a));
	EXPECT_STREQ("krtp: local address must be a unicast address", self->a.msg);
}

TEST_F(krtp, idle_delete_without_timeout)
{
	struct nlattr *nest;
	struct nlmsghdr *nlh = flow_new_start(&self->k, self->buf, &nest);
	long long off = knl_tail_off(nlh);

	mnl_attr_put(nlh, KRTP_A_FLOW_IDLE_DELETE, 0, NULL);
	ASSERT_EQ(-EINVAL, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: idle delete needs an idle timeout", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
}

TEST_F(krtp, del_by_id_and_local)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_DEL, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, 1);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-EINVAL, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: name the flow by id or by local endpoint, not both", self->a.msg);
}

TEST_F(krtp, unknown_command)
{
	ASSERT_EQ(-EOPNOTSUPP, knl_simple(&self->k, KRTP_CMD_MAX + 1, &self->a));
	ASSERT_EQ(-EOPNOTSUPP, knl_simple(&self->k, 200, &self->a));
	/* notifications are not requests */
	ASSERT_EQ(-EOPNOTSUPP, knl_simple(&self->k, KRTP_CMD_FLOW_DEL_NTF, &self->a));
}

/* a message too short for the generic netlink header */
TEST_F(krtp, truncated_header)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(self->buf);

	nlh->nlmsg_type = self->k.family;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++self->k.seq;
	ASSERT_EQ(-EINVAL, knl_xfer(&self->k, nlh, &self->a));
}

TEST_F(krtp, duplicate_local)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	long long off;

	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4000, "192.0.2.1", 5000, &self->a));
	nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	off = knl_tail_off(nlh);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.9", 5008);
	ASSERT_EQ(-EEXIST, flow_new_end(&self->k, nlh, nest, &self->a));
	EXPECT_STREQ("krtp: a flow for 10.0.0.1:4000 exists", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
	/* the same port on another address is another flow */
	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.2", 4000, "192.0.2.1", 5000, &self->a));
	ASSERT_EQ(0, knl_flow_add(&self->k, "fd00::1", 4000, "fd00::2", 5000, &self->a));
	ASSERT_EQ(-EEXIST, knl_flow_add(&self->k, "fd00::1", 4000, "fd00::3", 5000, &self->a));
	EXPECT_STREQ("krtp: a flow for [fd00::1]:4000 exists", self->a.msg);
}

/* ids of the flows in a FLOW_NEW reply, in order */
struct reply_ids {
	int n;
	uint32_t id[8];
};

static void reply_ids_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct reply_ids *r = arg;
	const struct nlattr *attr, *a;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != KRTP_A_FLOW)
			continue;
		mnl_attr_for_each_nested(a, attr) {
			if (mnl_attr_get_type(a) == KRTP_A_FLOW_ID && r->n < 8)
				r->id[r->n] = mnl_attr_get_u32(a);
		}
		r->n++;
	}
}

/* FLOW_NEW with three flows in one message: local 10.0.0.1:4000+2i */
static struct nlmsghdr *flow_new_three(struct knl *k, char *buf, uint16_t second_port,
				       long long *second_off)
{
	struct nlmsghdr *nlh = knl_msg(k, buf, KRTP_CMD_FLOW_NEW, 0);
	int i;

	for (i = 0; i < 3; i++) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

		if (i == 1)
			*second_off = knl_tail_off(nlh);
		knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", i == 1 ? second_port : 4000 + 2 * i);
		knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000 + 2 * i);
		mnl_attr_nest_end(nlh, nest);
	}
	return nlh;
}

/* several flows in one FLOW_NEW: one reply, an id each, in order */
TEST_F(krtp, new_many)
{
	struct reply_ids r = {};
	struct dump_count d = {};
	long long off;

	ASSERT_EQ(0, knl_xfer_cb(&self->k, flow_new_three(&self->k, self->buf, 4002, &off),
				 &self->a, reply_ids_cb, &r));
	ASSERT_EQ(1, self->a.replies);
	ASSERT_EQ(3, r.n);
	ASSERT_NE(0, r.id[0]);
	ASSERT_LT(r.id[0], r.id[1]);
	ASSERT_LT(r.id[1], r.id[2]);
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	ASSERT_EQ(3, d.n);
}

/* a FLOW_NEW reply checked byte by byte: the local endpoints it echoes */
struct reply_locals {
	int n, bad;
	char addr[2][INET6_ADDRSTRLEN];
	uint16_t port[2];
};

static void reply_locals_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct reply_locals *r = arg;
	const struct nlattr *attr, *a, *e;

	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		int n = 0;

		/* KRTP_A_FLOW { _ID, _LOCAL { _EP_IPV4 or _EP_IPV6, _EP_PORT } } */
		if (mnl_attr_get_type(attr) != KRTP_A_FLOW || !(attr->nla_type & NLA_F_NESTED) ||
		    r->n >= 2) {
			r->bad++;
			continue;
		}
		mnl_attr_for_each_nested(a, attr) {
			n++;
			if (mnl_attr_get_type(a) == KRTP_A_FLOW_ID) {
				r->bad += mnl_attr_validate(a, MNL_TYPE_U32) < 0;
				continue;
			}
			if (mnl_attr_get_type(a) != KRTP_A_FLOW_LOCAL ||
			    !(a->nla_type & NLA_F_NESTED)) {
				r->bad++;
				continue;
			}
			mnl_attr_for_each_nested(e, a) {
				const uint8_t *p = mnl_attr_get_payload(e);

				n++;
				switch (e->nla_type) {
				case KRTP_A_EP_IPV4:
				case KRTP_A_EP_IPV6:
					inet_ntop(e->nla_type == KRTP_A_EP_IPV4 ? AF_INET : AF_INET6,
						  p, r->addr[r->n], sizeof(r->addr[0]));
					r->bad += mnl_attr_get_payload_len(e) !=
						  (e->nla_type == KRTP_A_EP_IPV4 ? 4 : 16);
					break;
				case KRTP_A_EP_PORT:
					/* its padding is zero: no kernel bytes leak */
					r->bad += e->nla_len != 6 || p[2] || p[3];
					r->port[r->n] = ntohs(mnl_attr_get_u16(e));
					break;
				default:
					r->bad++;
				}
			}
			/* the nest covers exactly its address (8 or 20) and port (8) */
			r->bad += mnl_attr_get_payload_len(a) !=
				  (strchr(r->addr[r->n], ':') ? 28u : 16u);
		}
		r->bad += n != 4 || mnl_attr_get_payload_len(attr) !=
				    8 + 4 + mnl_attr_get_payload_len(mnl_attr_get_payload(attr) + 8);
		r->n++;
	}
}

TEST_F(krtp, new_reply_locals)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct reply_locals r = {};
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4000);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "fd00::1", 4002);
	knl_put_ep(nlh, KRTP_A_FLOW_PEER, "fd00::2", 5002);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(0, knl_xfer_cb(&self->k, nlh, &self->a, reply_locals_cb, &r));
	ASSERT_EQ(2, r.n);
	EXPECT_EQ(0, r.bad);
	EXPECT_STREQ("10.0.0.1", r.addr[0]);
	EXPECT_EQ(4000, r.port[0]);
	EXPECT_STREQ("fd00::1", r.addr[1]);
	EXPECT_EQ(4002, r.port[1]);
}

/*
 * A refused flow in the middle: the ones before it are added and in the
 * reply, the error names the refused nest, the ones after it are not tried
 */
TEST_F(krtp, new_many_refused)
{
	struct reply_ids r = {};
	struct dump_count d = {};
	long long off;

	ASSERT_EQ(0, knl_flow_add(&self->k, "10.0.0.1", 4100, "192.0.2.1", 5000, &self->a));
	ASSERT_EQ(-EEXIST, knl_xfer_cb(&self->k, flow_new_three(&self->k, self->buf, 4100, &off),
				       &self->a, reply_ids_cb, &r));
	EXPECT_STREQ("krtp: a flow for 10.0.0.1:4100 exists", self->a.msg);
	/* the LOCAL nest of the second flow */
	EXPECT_EQ(off, self->a.offs);
	ASSERT_EQ(1, r.n);
	ASSERT_NE(0, r.id[0]);
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	ASSERT_EQ(2, d.n);	/* 4100 from before and 4000; not 4004 */
}

/*
 * A nest the policy refuses, in the middle: each nest is checked as it is
 * added, so the flow before it stays (and is in the reply), the error is
 * the policy's and points into the second nest, the third is not tried
 */
TEST_F(krtp, new_many_policy_refused)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_NEW, 0);
	struct reply_ids r = {};
	struct dump_count d = {};
	long long off = 0;
	int i;

	for (i = 0; i < 3; i++) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);

		knl_put_ep(nlh, KRTP_A_FLOW_LOCAL, "10.0.0.1", 4200 + 2 * i);
		knl_put_ep(nlh, KRTP_A_FLOW_PEER, "192.0.2.1", 5000 + 2 * i);
		if (i == 1) {
			off = knl_tail_off(nlh);
			mnl_attr_put_u32(nlh, KRTP_A_FLOW_FLAGS, 1U << 31);
		}
		mnl_attr_nest_end(nlh, nest);
	}
	ASSERT_EQ(-EINVAL, knl_xfer_cb(&self->k, nlh, &self->a, reply_ids_cb, &r));
	EXPECT_STREQ("reserved bit set", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
	ASSERT_EQ(1, r.n);
	ASSERT_NE(0, r.id[0]);
	ASSERT_EQ(0, dump(&self->k, &d, &self->a));
	ASSERT_EQ(1, d.n);	/* 4200 only */
}

TEST_F(krtp, del_unknown_id)
{
	struct nlmsghdr *nlh = knl_msg(&self->k, self->buf, KRTP_CMD_FLOW_DEL, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, KRTP_A_FLOW);
	long long off = knl_tail_off(nlh);

	mnl_attr_put_u32(nlh, KRTP_A_FLOW_ID, 987654);
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(-ENOENT, knl_xfer(&self->k, nlh, &self->a));
	EXPECT_STREQ("krtp: no flow with id 987654", self->a.msg);
	EXPECT_EQ(off, self->a.offs);
	ASSERT_EQ(-ENOENT, knl_flow_by_id(&self->k, KRTP_CMD_FLOW_GET, 987654, &self->a));
	EXPECT_STREQ("krtp: no flow with id 987654", self->a.msg);
}

TEST_HARNESS_MAIN
